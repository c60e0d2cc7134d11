#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# hv's VM registry through hvctl, with real guests, printed as TAP: run
# --name, list, stat, top, events and stop. POSIX sh: runs under busybox in
# the testbed's initramfs (init.sh, section registry).
#
#   registry.sh [-t SECONDS] [-u USER] HVCTL GUEST_DIR
#
# Runs as root, with hv loaded. GUEST_DIR holds the testbed's guests:
# spin.bin, long_hello.bin, triple_fault.bin and multiboot_idle.elf. -t: how long one step
# may take, in seconds (default 60); -u: a user without CAP_SYS_ADMIN (in
# /etc/passwd) to look at the registry as, with su; without it those checks
# skip.
#
# The guests, each an `hvctl run` in the background:
#   reg-spin     spin.bin, --mem 8M: running, its counters rise
#   reg-idle     multiboot_idle.elf, --vcpus 2 --mem 16M: halted (vCPU 0 in
#                HLT, vCPU 1 waiting for a SIPI)
#   reg "q" \x   multiboot_idle.elf: a name that JSON and logfmt escape
#   reg-twin     twice, multiboot_idle.elf: a name that two VMs have
#   long_hello.bin  long_hello.bin without --name, while `hvctl events`
#                listens: it ends at once
#   reg-triple   triple_fault.bin, also while `hvctl events` listens
#   user-vm      multiboot_idle.elf run by USER
# `hvctl stop` ends them all but long_hello.bin: a flat binary's run and a
# PC machine's must end with status 4 and say that an administrator stopped
# the VM. Every hvctl gets at most SECONDS; what is left at the end is killed.

usage() {
	echo "usage: $0 [-t SECONDS] [-u USER] HVCTL GUEST_DIR" >&2
	exit 2
}

secs=60
user=
while getopts t:u: opt; do
	case $opt in
	t) secs=$OPTARG ;;
	u) user=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || usage
hvctl=$1
guests=$2
idle_elf=$guests/multiboot_idle.elf
ODD='reg "q" \x'
STOPPED_MSG='the VM was stopped by an administrator'

tmp=$(mktemp -d) || exit 1
out=$tmp/out
pids=
cleanup() {
	for p in $pids; do
		kill -KILL "$p" 2>/dev/null
	done
	[ -n "$dev_mode" ] && chmod "$dev_mode" /dev/hv
	rm -rf "$tmp"
}
dev_mode=
trap cleanup EXIT
trap 'exit 1' INT TERM
n=0

# judge NAME WHY [FILE]: one TAP line, passing when WHY is empty; a failure
# shows WHY and FILE (default: the last command's output) as comments.
judge() {
	n=$((n + 1))
	if [ -z "$2" ]; then
		echo "ok $n - $1"
		return
	fi
	echo "not ok $n - $1"
	echo "# $2" | head -n 5
	head -n 30 "${3:-$out}" | sed 's/^/#   | /'
}
skip() {
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}
# show FILE: a file as comments (for the report)
show() { sed 's/^/#   | /' "$1"; }

# hv ARGS...: hvctl ARGS with a time limit; status in $rc, stdout and
# stderr in $out.
hv() {
	timeout "$secs" "$hvctl" "$@" >"$out" 2>&1
	rc=$?
}
# hv_user ARGS...: the same as USER (the words must not need quoting).
hv_user() {
	timeout "$secs" su -s /bin/sh "$user" -c \
		"LD_LIBRARY_PATH=$LD_LIBRARY_PATH exec $hvctl $*" >"$out" 2>&1
	rc=$?
}

# start TAG ARGS...: `hvctl run ARGS` in the background, output in
# $tmp/TAG.out, its pid in $pid_TAG.
start() {
	tag=$1
	shift
	"$hvctl" run "$@" >"$tmp/$tag.out" 2>&1 &
	eval "pid_$tag=\$!"
	pids="$pids $!"
}

# finish TAG: wait for that run to end (SECONDS at most, then kill it);
# its status in $rc (137 when killed), its output in $out.
finish() {
	eval "p=\$pid_$1"
	i=0
	while kill -0 "$p" 2>/dev/null && [ $i -lt $((secs * 5)) ]; do
		sleep 0.2
		i=$((i + 1))
	done
	kill -KILL "$p" 2>/dev/null
	wait "$p"
	rc=$?
	cp "$tmp/$1.out" "$out"
}

# wait_for COMMAND...: until COMMAND succeeds, SECONDS at most.
wait_for() {
	i=0
	until "$@"; do
		[ $i -ge $((secs * 5)) ] && return 1
		sleep 0.2
		i=$((i + 1))
	done
}

# row NAME [FILE]: the `hvctl list` table row of the VM named NAME (no
# blanks in it): ID NAME PID USER VCPUS MEMORY STATE AGE.
row() { awk -v name="$1" 'NR > 1 && $2 == name' "${2:-$tmp/list}"; }
field() { row "$1" "${3:-}" | awk -v f="$2" '{ print $f }'; }
list() { "$hvctl" list >"$tmp/list" 2>&1; }

# The guests are up: listed, named, reg-idle halted.
guests_up() {
	list || return 1
	[ "$(field reg-idle 7)" = halted ] && [ -n "$(row reg-spin)" ] &&
		[ "$(awk '$2 == "reg-twin"' "$tmp/list" | wc -l)" = 2 ] &&
		grep -qF "$ODD" "$tmp/list"
}

# why_row NAME VCPUS MEMORY STATE TAG: why NAME's row in $tmp/list is not
# that, its PID not TAG's hvctl run, its USER not root (or 0); empty when
# it is all right.
why_row() {
	r=$(row "$1")
	[ -n "$r" ] || { echo "no row for $1"; return; }
	# shellcheck disable=SC2086 # the row's fields
	set -- $r "$2" "$3" "$4" "$5"
	eval "p=\$pid_${12}"
	why=
	[ "$5" = "$9" ] || why="$why VCPUS $5, expected $9;"
	[ "$6" = "${10}" ] || why="$why MEMORY $6, expected ${10};"
	[ "$7" = "${11}" ] || why="$why STATE $7, expected ${11};"
	[ "$3" = "$p" ] || why="$why PID $3, expected $p (its hvctl run);"
	[ "$4" = root ] || [ "$4" = 0 ] || why="$why USER $4, expected root or 0;"
	echo "$why"
}

# num_ge A B: A >= B, as decimal numbers (an optional trailing s)
num_gt() { awk -v a="${1%s}" -v b="${2%s}" 'BEGIN { exit !(a + 0 > b + 0) }'; }

# stat_value NAME: the total of the counter row NAME ("exits", "guest time")
stat_value() {
	awk -v name="$1" '{
		label = $1; v = $2
		if ($2 == "time") { label = $1 " time"; v = $3 }
		if (label == name) { print v; exit }
	}' "$out"
}

# The events listener's socket has joined a multicast group
# (/proc/net/netlink: protocol 16 is generic netlink; libnl numbers its
# sockets pid + (n << 22)); Groups shows the first 32 groups only.
subscribed() {
	awk -v pid="$1" '$2 == 16 && $3 % 4194304 == pid && $4 != "00000000" { found = 1 }
		END { exit !found }' /proc/net/netlink
}

# event_line FILE EVENT VM: the `hvctl events` line of EVENT for VM id VM
event_line() { grep -E "^[-0-9]+ [0-9:.]+ seq=[0-9]+ $2 vm=$3 " "$1" | head -n 1; }
seq_of() { echo "$1" | sed -n 's/.* seq=\([0-9]*\) .*/\1/p'; }

# kernel_filters_nothing: Linux 5.18 to 6.7, whose netlink cannot filter
# broadcasts: only CAP_SYS_ADMIN may follow hv's events there.
kernel_filters_nothing() {
	v=$(uname -r | sed -n 's/^\([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
	# shellcheck disable=SC2086 # major and minor
	set -- $v
	[ $# = 2 ] && { [ "$1" = 6 ] && [ "$2" -le 7 ] || { [ "$1" = 5 ] && [ "$2" -ge 18 ]; }; }
}

echo "TAP version 13"
echo "1..36"

# ---- the guests, the list ----
start spin --name reg-spin --mem 8M "$guests/spin.bin"
start idle --kernel "$idle_elf" --name reg-idle --vcpus 2 --mem 16M
start odd --kernel "$idle_elf" --name "$ODD" --mem 16M
start twin1 --kernel "$idle_elf" --name reg-twin --mem 16M
start twin2 --kernel "$idle_elf" --name reg-twin --mem 16M
if wait_for guests_up; then
	echo "# \$ hvctl list"
	show "$tmp/list"
	judge "run --name: hvctl list shows the guests by their names" ""
else
	judge "run --name: hvctl list shows the guests by their names" \
		"not all of reg-spin, reg-idle (halted), '$ODD' and two reg-twin within $secs s" \
		"$tmp/list"
fi
judge "list: reg-spin has 1 vCPU, 8M, running, its hvctl's pid, user root" \
	"$(why_row reg-spin 1 8M running spin)" "$tmp/list"
judge "list: reg-idle has 2 vCPUs, 16M, halted" "$(why_row reg-idle 2 16M halted idle)" "$tmp/list"
spin_id=$(field reg-spin 1)
idle_id=$(field reg-idle 1)

hv list --json
why=
[ "$rc" = 0 ] || why="exit status $rc;"
[ "$(head -n 1 "$out")" = "[" ] && [ "$(tail -n 1 "$out")" = "]" ] || why="$why not a [ ... ] array;"
grep -q "^{\"id\":$spin_id,\"name\":\"reg-spin\",\"pid\":$pid_spin,\"uid\":0,\"vcpus\":1,\"memory_bytes\":8388608,\"created_ns\":[0-9]*,\"state\":\"running\"},\{0,1\}\$" "$out" ||
	why="$why no object with reg-spin's raw values;"
judge "list --json: an array of objects with the raw values" "$why"
judge "list --json escapes the name $ODD" \
	"$(grep -qF '"name":"reg \"q\" \\x"' "$out" || echo "no \"name\":\"reg \\\"q\\\" \\\\x\"")"

# ---- stat ----
hv stat reg-spin
why=
[ "$rc" = 0 ] || why="exit status $rc;"
grep -q "^VM $spin_id reg-spin: running, 1 vCPU, 8M, pid $pid_spin, user " "$out" ||
	why="$why no 'VM $spin_id reg-spin: running, 1 vCPU, 8M, pid $pid_spin, ...' line;"
for c in exits io intr user_exits "guest time" "halt time" entry_failed; do
	[ -n "$(stat_value "$c")" ] || why="$why no $c row;"
done
grep -qE '^state +runnable$' "$out" || why="$why no 'state runnable' row;"
judge "stat NAME: the VM and its counters, vCPU 0's state" "$why"
exits1=$(stat_value exits)
guest1=$(stat_value "guest time")
sleep 1
hv stat "$spin_id"
exits2=$(stat_value exits)
guest2=$(stat_value "guest time")
why=
[ "$rc" = 0 ] || why="exit status $rc;"
num_gt "$exits2" "$exits1" || why="$why exits $exits1, then $exits2;"
num_gt "$guest2" "$guest1" || why="$why guest time $guest1, then $guest2;"
echo "# reg-spin in 1 s: exits $exits1 -> $exits2, guest time $guest1 -> $guest2"
judge "stat ID: exits and guest time rise" "$why"

hv stat reg-idle
why=
[ "$rc" = 0 ] || why="exit status $rc;"
grep -qE '^counter +total +vcpu0 +vcpu1$' "$out" || why="$why no column per vCPU;"
grep -qE '^state +halted +wait_sipi$' "$out" || why="$why vCPU states not 'halted wait_sipi';"
judge "stat: reg-idle's 2 vCPUs, halted and waiting for a SIPI" "$why"
# It has halted since it started, a second or more ago: the wait going on counts.
judge "stat: reg-idle's halt time counts the HLT it waits in" \
	"$(num_gt "$(stat_value "halt time")" 0 || echo "halt time $(stat_value "halt time")")"

hv stat --json reg-spin
why=
[ "$rc" = 0 ] && [ "$(wc -l <"$out")" = 1 ] || why="exit status $rc, $(wc -l <"$out") lines;"
grep -q "^{\"time_ns\":[0-9]*,\"id\":$spin_id,\"name\":\"reg-spin\",.*\"state\":\"running\",\"stats\":{\"exits\":[0-9]*,\"io\":[0-9]*," "$out" ||
	why="$why no VM members and stats;"
grep -q '"guest_ns":[1-9][0-9]*,' "$out" || why="$why no guest_ns;"
grep -q '"per_vcpu":\[{"id":0,"state":"runnable","stats":{"exits":' "$out" || why="$why no per_vcpu;"
judge "stat --json: the VM, its counters and its vCPU's" "$why"

hv stat --json --watch=0.2 --iterations 2 reg-spin
why=
[ "$rc" = 0 ] && [ "$(wc -l <"$out")" = 2 ] || why="exit status $rc, $(wc -l <"$out") lines;"
tail -n 1 "$out" | grep -q ',"interval_ns":[0-9]*,"rates":{"exits":[0-9.]*,' || why="$why no rates;"
judge "stat --json --watch=0.2 -n 2: two objects, then rates" "$why"

hv stat reg-twin
why=
[ "$rc" = 1 ] || why="exit status $rc, expected 1;"
grep -q "2 VMs are named 'reg-twin'" "$out" || why="$why no '2 VMs are named'"
[ "$(grep -c '^  id [0-9]*: pid ' "$out")" = 2 ] || why="$why not both listed;"
judge "stat of a name that two VMs have: an error that lists them" "$why"

hv stat no-such-vm
judge "stat of no VM: status 1, 'no VM with id or name'" \
	"$([ "$rc" = 1 ] && grep -q "no VM with id or name 'no-such-vm'" "$out" || echo "exit status $rc")"

# ---- top ----
hv top --iterations 2 --delay 0.5
why=
[ "$rc" = 0 ] || why="exit status $rc;"
[ "$(grep -c '^hvctl top - ' "$out")" = 2 ] || why="$why not 2 snapshots;"
[ "$(awk '$2 == "reg-spin"' "$out" | wc -l)" = 2 ] || why="$why reg-spin not in both;"
grep -q "$(printf '\033')" "$out" && why="$why escape sequences;"
r=$(awk '$2 == "reg-spin" { v = $6 } END { print v }' "$out")
num_gt "$r" 0 || why="$why reg-spin's exits/s '$r';"
echo "# \$ hvctl top -n 2 -d 0.5 >file"
show "$out"
judge "top -n 2 (not a terminal): two snapshots with the VMs" "$why"

hv top -n 1 -d 0.2 --sort name
why=
[ "$rc" = 0 ] || why="exit status $rc;"
a=$(grep -nF "$ODD" "$out" | cut -d: -f1)
b=$(grep -n ' reg-idle ' "$out" | cut -d: -f1)
c=$(grep -n ' reg-spin ' "$out" | cut -d: -f1)
[ -n "$a" ] && [ -n "$b" ] && [ -n "$c" ] && [ "$a" -lt "$b" ] && [ "$b" -lt "$c" ] ||
	why="$why not in name order;"
judge "top --sort name" "$why"

# ---- events ----
"$hvctl" events >"$tmp/events" 2>&1 &
ev=$!
"$hvctl" events --json >"$tmp/events.json" 2>&1 &
evj=$!
pids="$pids $ev $evj"
wait_for subscribed "$ev" && wait_for subscribed "$evj" ||
	{ echo "# no sign of the listeners in /proc/net/netlink: waiting 2 s"; sleep 2; }
start short "$guests/long_hello.bin"
finish short
short_rc=$rc
wait_for grep -q ' vm_destroyed vm=[0-9]* name=long_hello.bin ' "$tmp/events"
wait_for grep -q '"event":"vm_destroyed",.*"name":"long_hello.bin"' "$tmp/events.json"
destroyed=$(grep -m 1 ' vm_destroyed vm=[0-9]* name=long_hello.bin ' "$tmp/events")
short_id=$(echo "$destroyed" | sed -n 's/.* vm=\([0-9]*\) .*/\1/p')
created=$(event_line "$tmp/events" vm_created "${short_id:-x}")
why=
[ "$short_rc" = 1 ] || why="its run's exit status $short_rc, expected 1;"
[ -n "$destroyed" ] || why="$why no vm_destroyed with name=long_hello.bin;"
[ -n "$created" ] || why="$why no vm_created of VM ${short_id:-?};"
if [ -n "$destroyed" ] && [ -n "$created" ]; then
	[ "$(seq_of "$created")" -lt "$(seq_of "$destroyed")" ] || why="$why seq not rising;"
	[ "$(grep -n "$created" "$tmp/events" | cut -d: -f1)" -lt \
	  "$(grep -n "$destroyed" "$tmp/events" | cut -d: -f1)" ] || why="$why not in order;"
	echo "$created" | grep -q " pid=$pid_short uid=0\$" || why="$why not its pid and uid 0;"
fi
judge "events: vm_created, then vm_destroyed of a VM named after its file" "$why" "$tmp/events"
why=
grep -q "^{\"time_ns\":[0-9]*,\"seq\":[0-9]*,\"event\":\"vm_created\",\"type\":1,\"vm_id\":${short_id:-x},\"name\":\"[^\"]*\",\"pid\":$pid_short,\"uid\":0}\$" \
	"$tmp/events.json" || why="no vm_created object;"
grep -q "^{\"time_ns\":[0-9]*,\"seq\":[0-9]*,\"event\":\"vm_destroyed\",\"type\":2,\"vm_id\":${short_id:-x},\"name\":\"long_hello.bin\",\"pid\":$pid_short,\"uid\":0}\$" \
	"$tmp/events.json" || why="$why no vm_destroyed object;"
judge "events --json: the same, one object a line" "$why" "$tmp/events.json"
start triple --name reg-triple "$guests/triple_fault.bin"
finish triple
triple_rc=$rc
wait_for grep -q ' vm_destroyed vm=[0-9]* name=reg-triple ' "$tmp/events"
wait_for grep -q '"event":"vm_destroyed",.*"name":"reg-triple"' "$tmp/events.json"
why=
[ "$triple_rc" = 1 ] || why="its run's exit status $triple_rc, expected 1;"
grep -q " vcpu_shutdown vm=[0-9]* name=reg-triple pid=$pid_triple uid=0 vcpu=0\$" "$tmp/events" ||
	why="$why no vcpu_shutdown line with vcpu=0;"
grep -q "\"event\":\"vcpu_shutdown\",\"type\":3,.*\"name\":\"reg-triple\",.*,\"vcpu\":0}\$" \
	"$tmp/events.json" || why="$why no vcpu_shutdown object with \"vcpu\":0;"
judge "events: vcpu_shutdown of vCPU 0 when a guest triple-faults" "$why" "$tmp/events"

# ---- stop ----
hv stop reg-spin
judge "stop NAME: status 0" \
	"$([ "$rc" = 0 ] && grep -q "^stopped VM $spin_id " "$out" || echo "exit status $rc")"
finish spin
judge "a stopped flat binary's run ends with status 4: '$STOPPED_MSG'" \
	"$([ "$rc" = 4 ] && grep -qF "hvctl: $STOPPED_MSG" "$out" || echo "exit status $rc")"
hv stop "$idle_id"
stop_rc=$rc
finish idle
judge "stop ID of a PC machine: its run ends with status 4, '$STOPPED_MSG'" \
	"$([ "$stop_rc" = 0 ] && [ "$rc" = 4 ] && grep -qF "hvctl: $STOPPED_MSG" "$out" ||
		echo "stop's exit status $stop_rc, the run's $rc")"
wait_for grep -q " vm_destroyed vm=${idle_id:-x} " "$tmp/events"
why=
for id in "$spin_id" "$idle_id"; do
	s=$(event_line "$tmp/events" vm_stopped "${id:-x}")
	d=$(event_line "$tmp/events" vm_destroyed "${id:-x}")
	if [ -z "$s" ] || [ -z "$d" ]; then
		why="$why VM $id: no vm_stopped or vm_destroyed;"
	elif [ "$(seq_of "$s")" -ge "$(seq_of "$d")" ]; then
		why="$why VM $id: vm_stopped after vm_destroyed;"
	fi
done
judge "events: vm_stopped, then vm_destroyed of both" "$why" "$tmp/events"
list
why=
for name in reg-spin reg-idle; do
	s=$(field "$name" 7)
	[ -z "$s" ] || [ "$s" = stopped ] || why="$why $name is $s;"
done
judge "list: the stopped VMs are gone (or stopped)" "$why" "$tmp/list"
hv stop reg-spin
judge "stop of a VM that is gone: status 1, 'no VM'" \
	"$([ "$rc" = 1 ] && grep -q "no VM with id or name 'reg-spin'" "$out" || echo "exit status $rc")"

kill -TERM "$ev" "$evj"
wait "$ev"
ev_rc=$?
wait "$evj"
evj_rc=$?
echo "# \$ hvctl events"
show "$tmp/events"
judge "events ends with status 0 on SIGTERM" \
	"$([ "$ev_rc" = 0 ] && [ "$evj_rc" = 0 ] || echo "exit status $ev_rc, --json $evj_rc")"

# ---- without CAP_SYS_ADMIN ----
user_checks() {
	hv_user list
	judge "as $user: list shows none of root's VMs" \
		"$([ "$rc" = 0 ] && [ "$(wc -l <"$out")" = 1 ] && grep -q '^ID ' "$out" ||
			echo "exit status $rc, or more than the header")"
	hv_user list --json
	judge "as $user: list --json is []" \
		"$([ "$rc" = 0 ] && [ "$(cat "$out")" = "[]" ] || echo "exit status $rc")"
	hv_user stop reg-twin
	judge "as $user: stop of root's VM: no VM (it cannot see it)" \
		"$([ "$rc" = 1 ] && grep -q "no VM with id or name 'reg-twin'" "$out" || echo "exit status $rc")"
	if kernel_filters_nothing; then
		hv_user events
		judge "as $user: events needs CAP_SYS_ADMIN on Linux $(uname -r)" \
			"$([ "$rc" = 1 ] && grep -q 'needs CAP_SYS_ADMIN' "$out" || echo "exit status $rc")"
	else
		skip "as $user: events needs CAP_SYS_ADMIN" "Linux $(uname -r) filters what netlink broadcasts"
	fi

	dev_mode=$(stat -c %a /dev/hv)
	chmod o+rw /dev/hv
	su -s /bin/sh "$user" -c "LD_LIBRARY_PATH=$LD_LIBRARY_PATH exec $hvctl run --kernel $idle_elf --name user-vm --mem 16M" \
		>"$tmp/user.out" 2>&1 &
	pid_user=$!
	pids="$pids $pid_user"
	wait_for eval 'list && [ "$(field user-vm 7)" = halted ]'
	chmod "$dev_mode" /dev/hv
	dev_mode=
	judge "root: list shows user-vm with its user's name" \
		"$([ "$(field user-vm 4)" = "$user" ] || echo "USER '$(field user-vm 4)'")" "$tmp/list"
	hv_user list
	judge "as $user: list shows user-vm only" \
		"$([ "$rc" = 0 ] && [ "$(wc -l <"$out")" = 2 ] && [ -n "$(row user-vm "$out")" ] ||
			echo "exit status $rc")"
	hv_user stop user-vm
	judge "as $user: stop needs CAP_SYS_ADMIN" \
		"$([ "$rc" = 1 ] && grep -q 'needs CAP_SYS_ADMIN' "$out" || echo "exit status $rc")"
	hv stop user-vm
	stop_rc=$rc
	finish user
	judge "root stops $user's VM: its run ends with status 4" \
		"$([ "$stop_rc" = 0 ] && [ "$rc" = 4 ] || echo "stop's exit status $stop_rc, the run's $rc")"
}
if [ -n "$user" ] && [ "$(id -u)" = 0 ] && id "$user" >/dev/null 2>&1; then
	user_checks
else
	why="no user without CAP_SYS_ADMIN to run hvctl as (-u USER, in /etc/passwd)"
	for t in "list shows none of root's VMs" "list --json is []" "stop of root's VM" \
		"events needs CAP_SYS_ADMIN" "root: list shows a user's VM" "list shows its VM only" \
		"stop needs CAP_SYS_ADMIN" "root stops a user's VM"; do
		skip "as a user: $t" "$why"
	done
fi

# ---- the rest, stopped by name and id ----
hv stop "$ODD"
stop_rc=$rc
finish odd
judge "stop NAME with quotes and a backslash: its run ends with status 4" \
	"$([ "$stop_rc" = 0 ] && [ "$rc" = 4 ] || echo "stop's exit status $stop_rc, the run's $rc")"
list
why=
for id in $(awk '$2 == "reg-twin" { print $1 }' "$tmp/list"); do
	"$hvctl" stop "$id" >"$out" 2>&1 || why="$why stop $id: status $?;"
done
finish twin1
[ "$rc" = 4 ] || why="$why a reg-twin run's status $rc;"
finish twin2
[ "$rc" = 4 ] || why="$why a reg-twin run's status $rc;"
judge "stop ID of each reg-twin: both runs end with status 4" "$why"
list
judge "no VM is left" "$([ "$(wc -l <"$tmp/list")" = 1 ] || echo "VMs left")" "$tmp/list"
exit 0
