#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Linux guests under `hvctl run --kernel`, printed as TAP. POSIX sh: runs
# under busybox in the testbed's initramfs (init.sh) and under the host's sh.
#
#   linux.sh [-b svm|vmx] [-c VCPUS] [-t SECONDS] [-a APPEND] [-m MULTIBOOT]
#            HVCTL GUEST_DIR
#
# GUEST_DIR holds vmlinuz and initrd.gz: a kernel and the initramfs built from
# guest-init.sh, whose /init prints "HV-GUEST: init reached, cpus=N, ..." and
# then does what hv.cmd= and hv.end= on the command line say.
#
# -b: the backend, for the test names (default svm); -c: the vCPU counts to
# boot the guest with, one test each (default "1 2"); -t: how long one hvctl
# run may take, in seconds (default 300; then it gets SIGKILL: one that
# caught SIGTERM could exit 0); -a: more kernel parameters for the
# guest; -m: also run this multiboot kernel (guests/multiboot.S).
#
# Each boot test passes when hvctl exits with status 0 after the guest's
# marker appeared with cpus=N, its kernel log had no splat and it powered
# off; the time from starting hvctl to the marker, in this machine's time,
# follows as a comment (with the guest's own uptime then, and its
# clocksource). Also, with one vCPU: `reboot -f` in the guest ends hvctl
# with status 0; a line piped into hvctl's stdin runs in the guest's shell;
# and, with -m, the multiboot kernel runs. Each guest's console shows as
# comments while it runs.

usage() {
	echo "usage: $0 [-b svm|vmx] [-c VCPUS] [-t SECONDS] [-a APPEND] [-m MULTIBOOT] HVCTL GUEST_DIR" >&2
	exit 2
}

backend=svm
vcpu_counts="1 2"
secs=300
append=
multiboot=
while getopts b:c:t:a:m: opt; do
	case $opt in
	b) backend=$OPTARG ;;
	c) vcpu_counts=$OPTARG ;;
	t) secs=$OPTARG ;;
	a) append=$OPTARG ;;
	m) multiboot=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || usage
hvctl=$1
kernel=$2/vmlinuz
initrd=$2/initrd.gz

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
log=$tmp/log
n=0

# The guest's console stays quiet (errors, panics and oopses still print),
# a panic reboots it at once (which ends hvctl), and what it prints over a
# slow emulated UART is kept short.
CMDLINE="console=ttyS0 quiet panic=-1${append:+ $append}"
MEM=256M
MARKER='HV-GUEST: init reached'

# now: this machine's uptime in hundredths of a second
now() { awk '{ printf "%d\n", $1 * 100 }' /proc/uptime; }
# secs_between T0 T1: seconds from T0 to T1 (from now), one decimal
secs_between() {
	d=$(($2 - $1))
	echo "$((d / 100)).$((d % 100 / 10))"
}

# stamp: copy the console (stdin) to stdout, and as it comes to fd 3 (the
# report) as comments, and note when the marker came ($tmp/init: the time,
# from now). Live, so that a guest that hangs shows how far it got, and a
# slow one keeps the testbed's silence watch quiet.
stamp() {
	while IFS= read -r line || [ -n "$line" ]; do
		printf '%s\n' "$line"
		printf '#   | %s\n' "$line" | tr -d '\r' >&3
		case $line in
		*"$MARKER"*) [ -f "$tmp/init" ] || now >"$tmp/init" ;;
		esac
	done
}

# feed_after_marker TEXT: print TEXT (a printf format) once the guest's
# marker is in the console log: it goes to hvctl's stdin and from there to
# the guest's console. Gives up when hvctl ends first.
feed_after_marker() {
	until [ -f "$tmp/init" ]; do
		[ -f "$tmp/rc" ] && return
		sleep 0.2
	done
	# shellcheck disable=SC2059 # the format is the caller's
	printf "$1"
}

# boot VCPUS CMDLINE [INPUT]: run the Linux guest with VCPUS vCPUs and
# CMDLINE after the defaults, with INPUT (a printf format) piped into hvctl
# once the marker appeared, else stdin from /dev/null. Sets $rc (hvctl's
# status), $t_init (seconds from the start to the marker, or empty), $t_end
# (to hvctl's end) and $desc (the command, for the report); the console goes
# to $log.
boot() {
	vcpus=$1
	cmdline="$CMDLINE $2"
	rm -f "$tmp/init" "$tmp/rc"
	desc="hvctl run --kernel $kernel --initrd $initrd --cmdline '$cmdline' --vcpus $vcpus --mem $MEM"
	t0=$(now)
	if [ $# -ge 3 ]; then
		feed_after_marker "$3" |
			{
				timeout -s KILL "$secs" "$hvctl" run --kernel "$kernel" --initrd "$initrd" \
					--cmdline "$cmdline" --vcpus "$vcpus" --mem "$MEM" 2>&1
				echo $? >"$tmp/rc"
			} | stamp 3>&1 >"$log"
	else
		{
			timeout -s KILL "$secs" "$hvctl" run --kernel "$kernel" --initrd "$initrd" \
				--cmdline "$cmdline" --vcpus "$vcpus" --mem "$MEM" </dev/null 2>&1
			echo $? >"$tmp/rc"
		} | stamp 3>&1 >"$log"
	fi
	t_end=$(secs_between "$t0" "$(now)")
	rc=$(cat "$tmp/rc")
	t_init=
	[ -f "$tmp/init" ] && t_init=$(secs_between "$t0" "$(cat "$tmp/init")")
}

# boot_times: when the marker came and hvctl ended, from its start, with
# what the guest said of its uptime and clocksource.
boot_times() {
	printf '/init after %s s (guest uptime %s s), hvctl ended after %s s; clocksource %s\n' \
		"$t_init" \
		"$(tr -d '\r' <"$log" | sed -n "s/^$MARKER, .*uptime \([0-9.]*\) s$/\1/p")" \
		"$t_end" \
		"$(tr -d '\r' <"$log" | sed -n 's/^HV-GUEST: clocksource //p')"
}

# A line of the console, whole (the console ends lines with CR LF).
has_line() { tr -d '\r' <"$log" | grep -qxF -- "$1"; }
has_text() { tr -d '\r' <"$log" | grep -qF -- "$1"; }

# judge NAME WHY: one TAP line, passing when WHY is empty; a failure shows
# WHY and the command (the guest's console is above it).
judge() {
	n=$((n + 1))
	if [ -z "$2" ]; then
		echo "ok $n - $1"
		return
	fi
	echo "not ok $n - $1"
	echo "# $2"
	echo "# \$ $desc"
}

# why_not_ended END: why the run did not end as the guest's END ("poweroff"
# or "reboot") should end it, with status 0; empty when it did.
why_not_ended() {
	why=
	case $rc in
	0) ;;
	137) why="hvctl did not end within $secs s and was killed" ;;
	*) why="hvctl exit status $rc, expected 0" ;;
	esac
	if has_text 'Kernel panic'; then
		why="${why:+$why; }the guest's kernel panicked"
	elif has_text "HV-GUEST: $1 -f failed"; then
		why="${why:+$why; }the guest's $1 -f returned"
	elif ! has_line "HV-GUEST: $1"; then
		why="${why:+$why; }the guest did not get to $1"
	fi
	echo "$why"
}

# A guest that boots, counts its CPUs and powers off.
boot_test() {
	boot "$1" "hv.end=poweroff"
	name="linux guest ($backend, $1 vCPU$([ "$1" = 1 ] || echo s))"
	why=
	if [ -z "$t_init" ]; then
		why="no '$MARKER' line"
	elif ! tr -d '\r' <"$log" | grep -q "^$MARKER, cpus=$1,"; then
		why="the guest counted $(tr -d '\r' <"$log" | sed -n "s/^$MARKER, cpus=\([0-9]*\).*/\1/p") CPUs, expected $1"
	fi
	if [ -n "$t_init" ] && ! has_line 'HV-GUEST: kernel log clean'; then
		why="${why:+$why; }the guest's kernel logged an error"
	fi
	w=$(why_not_ended poweroff)
	why="$why${why:+${w:+; }}$w"
	[ -n "$t_init" ] && echo "# $name: $(boot_times)"
	judge "$name boots to /init and powers off" "$why"
}

reboot_test() {
	boot 1 "hv.end=reboot"
	why=$(why_not_ended reboot)
	[ -n "$t_init" ] || why="no '$MARKER' line${why:+; $why}"
	[ -n "$t_init" ] && echo "# reboot: $(boot_times)"
	judge "linux guest ($backend): reboot -f ends hvctl with status 0" "$why"
}

# A line typed into the guest's shell through hvctl's stdin: the shell
# computes 6*7 (so that the echo of the line itself cannot pass), then exits,
# and the guest powers off.
console_test() {
	# shellcheck disable=SC2016 # for the guest's shell to expand
	boot 1 "hv.end=shell" 'echo HV-INPUT: $((6 * 7))\nexit\n'
	why=
	[ -n "$t_init" ] || why="no '$MARKER' line"
	has_line 'HV-INPUT: 42' || why="${why:+$why; }no 'HV-INPUT: 42' line: the guest's shell did not run the line"
	w=$(why_not_ended poweroff)
	why="$why${why:+${w:+; }}$w"
	[ -n "$t_init" ] && echo "# console: $(boot_times)"
	judge "linux guest ($backend): a line piped into hvctl runs in the guest's shell" "$why"
}

# The multiboot kernel (guests/multiboot.S) prints a line on COM1, what the
# multiboot information says of memory and the command line, and writes 0
# to the debug-exit port 0xf4: hvctl's exit status is then (0 << 1) | 1.
# With 16 MiB of RAM from 0, the upper memory (from 1 MiB) is 15 MiB, less
# whatever the machine keeps at its top: at least 14 MiB.
multiboot_test() {
	mb_cmdline='hv-multiboot-test a=1 b'
	desc="hvctl run --kernel $multiboot --cmdline '$mb_cmdline' --mem 16M"
	t0=$(now)
	rm -f "$tmp/rc"
	{
		timeout -s KILL "$secs" "$hvctl" run --kernel "$multiboot" --cmdline "$mb_cmdline" \
			--mem 16M </dev/null 2>&1
		echo $? >"$tmp/rc"
	} | stamp 3>&1 >"$log"
	rc=$(cat "$tmp/rc")
	why=
	case $rc in
	1) ;;
	137) why="hvctl did not end within $secs s and was killed" ;;
	*) why="hvctl exit status $rc, expected 1 (exit value 0)" ;;
	esac
	has_line 'Hello from a multiboot kernel' ||
		why="${why:+$why; }no 'Hello from a multiboot kernel'"
	# (GRUB, and QEMU, put the kernel's name first)
	tr -d '\r' <"$log" | grep -qE "^cmdline \"(.* )?$mb_cmdline\"\$" ||
		why="${why:+$why; }no 'cmdline \"$mb_cmdline\"'"
	upper=$(tr -d '\r' <"$log" | sed -n 's/^mem_lower [0-9]* KiB, mem_upper \([0-9]*\) KiB$/\1/p')
	if [ -z "$upper" ]; then
		why="${why:+$why; }no 'mem_lower N KiB, mem_upper N KiB'"
	elif [ "$upper" -lt 14336 ] || [ "$upper" -gt 15360 ]; then
		why="${why:+$why; }mem_upper $upper KiB, expected 14336 to 15360"
	fi
	echo "# multiboot: hvctl ended after $(secs_between "$t0" "$(now)") s"
	judge "multiboot kernel ($backend): memory, command line, COM1 and port 0xf4" "$why"
}

plan=$(($(echo "$vcpu_counts" | wc -w) + 2))
[ -n "$multiboot" ] && plan=$((plan + 1))
echo "TAP version 13"
echo "1..$plan"
# The quick and the one-vCPU tests first: should a boot with more vCPUs hang
# the host, the others have their results already.
[ -n "$multiboot" ] && multiboot_test
for c in $vcpu_counts; do
	[ "$c" = 1 ] && boot_test 1
done
reboot_test
console_test
for c in $vcpu_counts; do
	[ "$c" = 1 ] || boot_test "$c"
done
exit 0
