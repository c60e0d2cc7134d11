#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the testbed's initramfs (busybox sh), built by lib.sh.
#
# Test output goes to ttyS0 as TAP, between section markers that
# tap-summary.awk counts by; the kernel console (every printk) is on ttyS1,
# so kernel messages never split a TAP line. The run ends with the END
# marker and a power-off; a run that does not print END did not finish.
#
# /hv/config (written by lib.sh) sets:
#   MODE               check: every test; demo: a Linux guest under hvctl;
#                      bench: hv_bench on hv and KVM in turn; noept: hv must
#                      refuse a VT-x CPU without EPT, and the host go on;
#                      run: one command line (/hv/cmd, run-in-host.sh)
#   VENDOR             svm or vmx: the CPU flag and hvctl backend expected
#   KVM_MODULES        KVM modules to load in order (files /hv/kmod/NAME.ko)
#   KVM_NAME           the vendor KVM module's name in /proc/modules
#   KVM_SELFTESTS      selftests (names in tests.list) that need KVM: run
#                      only once it is loaded
#   KVM_SUITE          1: run the suite again on KVM through libhv
#                      (HV_ACCEL=kvm), after the kvm section
#   SELFTESTS_TIMEOUT  seconds for selftests/run_all.sh
#   SMOKE_TIMEOUT      seconds for each hvctl run in smoke.sh
#   LINUX_TIMEOUT      seconds for each hvctl run in linux.sh
#   LINUX_VCPUS        the vCPU counts to boot the Linux guest with
#   LINUX_APPEND       more kernel parameters for the Linux guest
#   STEP_TIMEOUT       seconds for anything else (insmod, one binary)
#   BENCH_ROUNDS, BENCH_MS, BENCH_BOOTS, BENCH_NAMES, BENCH_TIMEOUT
#                      MODE bench: bench-rounds.sh's -r, -t, -L, names,
#                      and the seconds it may take
#   DEMO_VCPUS         MODE demo: the Linux guest's vCPUs
#   DEMO_APPEND        MODE demo: its kernel parameters after LINUX_APPEND
#   RUN_TIMEOUT        MODE run: seconds for the command
#   RUN_LOAD_HV        MODE run: 1 to insmod hv.ko before the command

export PATH=/bin:/hv/bin
export LD_LIBRARY_PATH=/usr/local/lib/hv
export HOME=/tmp TMPDIR=/tmp
# Everything a selftest could skip for is here: a skip is a failure.
export HV_SELFTEST_STRICT=1

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
exec </dev/null >/dev/ttyS0 2>&1
# 115200 baud: Bochs emulates the line speed, and the default is 9600
stty -F /dev/ttyS0 115200 -opost -echo 2>/dev/null

. /hv/config

n=0
pass() { n=$((n + 1)); echo "ok $n - $*"; }
fail() { n=$((n + 1)); echo "not ok $n - $*"; }
check() { # check NAME COMMAND...: one TAP line for the command's success
	name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}
section() { echo; echo "=== HV-TESTBED SECTION $1"; }
comment() { sed 's/^/# /'; }

# run_timed SECS COMMAND...: the command's status; on a timeout, also kill
# whatever it left behind (every process but this one).
run_timed() {
	secs=$1
	shift
	timeout "$secs" "$@"
	rc=$?
	if [ $rc -eq 143 ] || [ $rc -eq 137 ]; then
		echo "# timed out after $secs s: $*"
		kill -KILL -1 2>/dev/null
	fi
	return $rc
}

# Show the kernel's new hv and KVM messages since the last call (all of the
# kernel's output is on ttyS1).
log_seen=0
hv_log() {
	dmesg >/tmp/dmesg
	tail -n +$((log_seen + 1)) /tmp/dmesg |
		grep -E '(^|[] ])(hv|kvm|kvm_amd|kvm_intel|SVM|VMX)[:_ ]' | comment
	log_seen=$(wc -l </tmp/dmesg)
}

load_hv() {
	check "insmod hv.ko" run_timed "$STEP_TIMEOUT" insmod /hv/hv.ko
	hv_log
	check "/dev/hv exists" test -c /dev/hv
}

# cpu_flags: show which of the flags that matter the CPU has.
cpu_flags() {
	echo "# kernel $(uname -r), /init reached after $(cut -d' ' -f1 /proc/uptime) s of guest time"
	# the VT-x features are on a line of their own, "vmx flags", after
	# "flags"
	flags=$(grep -m2 -E '^(vmx )?flags' /proc/cpuinfo | cut -d: -f2)
	flags=$(echo $flags)
	have='' lack=''
	for f in svm npt nrip_save decodeassists vmcb_clean flushbyasid \
		 vmx ept vpid unrestricted_guest x2apic tsc_deadline_timer; do
		case " $flags " in
		*" $f "*) have="$have $f" ;;
		*) lack="$lack $f" ;;
		esac
	done
	echo "# cpu flags present:$have"
	echo "# cpu flags absent:$lack"
}

cpu_section() {
	section boot
	cpu_flags
	check "cpu has $VENDOR" grep -qw "$VENDOR" /proc/cpuinfo
}

selftests_section() {
	section selftests
	if [ ! -f /hv/selftests/run_all.sh ]; then
		fail "selftests/run_all.sh is in the initramfs"
		return
	fi
	cd /hv/selftests || return
	# All but the KVM ones, which run once KVM is loaded (kvm_section).
	tests=$(sed -e 's/#.*//' tests.list)
	for k in $KVM_SELFTESTS; do
		tests=$(echo "$tests" | grep -vx "$k")
	done
	run_timed "$SELFTESTS_TIMEOUT" sh ./run_all.sh $tests
	rc=$?
	cd /
	# the marker again closes whatever TAP blocks run_all.sh left open, so
	# that the line below is not taken for their summary
	section selftests
	echo "# run_all.sh exit status $rc"
	case $rc in 143|137) fail "run_all.sh finished within $SELFTESTS_TIMEOUT s" ;; esac
}

smoke_section() {
	section smoke
	sh /hv/smoke.sh -b "$VENDOR" -t "$SMOKE_TIMEOUT" /hv/bin/hvctl /hv/guests
}

# The VM registry with real guests (hvctl run --name, list, stat, top,
# events, stop): registry.sh, as root and, for what a user without
# CAP_SYS_ADMIN sees, as hvtest, made here (the initramfs has no users).
REGISTRY_USER=hvtest
registry_section() {
	section registry
	mkdir -p /etc
	grep -q '^root:' /etc/passwd 2>/dev/null || echo 'root:x:0:0:root:/tmp:/bin/sh' >>/etc/passwd
	grep -q "^$REGISTRY_USER:" /etc/passwd ||
		echo "$REGISTRY_USER:x:1000:1000:hv test user:/tmp:/bin/sh" >>/etc/passwd
	grep -q "^$REGISTRY_USER:" /etc/group 2>/dev/null ||
		echo "$REGISTRY_USER:x:1000:" >>/etc/group
	sh /hv/registry.sh -t "$SMOKE_TIMEOUT" -u "$REGISTRY_USER" /hv/bin/hvctl /hv/guests
	hv_log
}

# Linux (and a multiboot kernel) under hvctl run --kernel: linux.sh.
linux_section() {
	section linux
	sh /hv/linux.sh -b "$VENDOR" -c "$LINUX_VCPUS" -t "$LINUX_TIMEOUT" \
		${LINUX_APPEND:+-a "$LINUX_APPEND"} -m /hv/guests/multiboot.elf \
		/hv/bin/hvctl /hv/guest
	hv_log
}

load_kvm() {
	for m in $KVM_MODULES; do
		if grep -q "^$(echo "$m" | tr - _) " /proc/modules; then
			echo "# $m is loaded already"
		else
			check "insmod $m.ko" run_timed "$STEP_TIMEOUT" insmod "/hv/kmod/$m.ko"
		fi
	done
	check "$KVM_NAME is loaded" grep -q "^$KVM_NAME " /proc/modules
}

# make bench: hv_bench on hv and on KVM in turn, BENCH_ROUNDS rounds of
# BENCH_NAMES (default all), then BENCH_BOOTS Linux boots on each
# (bench-rounds.sh), within BENCH_TIMEOUT seconds.
bench() {
	section bench
	load_hv
	load_kvm
	# shellcheck disable=SC2086 # BENCH_NAMES is a list
	run_timed "$BENCH_TIMEOUT" sh /hv/bench-rounds.sh -r "$BENCH_ROUNDS" \
		-t "$BENCH_MS" -L "$BENCH_BOOTS" -k /hv/guest -c /hv/bin/hvctl \
		-T "$LINUX_TIMEOUT" -a "$LINUX_APPEND" /hv/bin/hv_bench $BENCH_NAMES
}

# The reference: the distribution's KVM loads on this emulated CPU, and the
# selftests that need /dev/kvm (coexistence with KVM) run with it loaded.
kvm_section() {
	section kvm
	load_kvm
	hv_log
	check "/dev/kvm exists" test -c /dev/kvm
	# The selftests that need /dev/kvm (KVM_SELFTESTS, chosen by lib.sh)
	# run only here.
	if [ -z "$KVM_SELFTESTS" ]; then
		fail "the KVM coexistence selftests are in the initramfs"
		return
	fi
	echo "# with KVM loaded: $KVM_SELFTESTS"
	cd /hv/selftests || return
	run_timed "$STEP_TIMEOUT" sh ./run_all.sh $KVM_SELFTESTS
	cd /
	section kvm
}

# The suite again, on the distribution's KVM through libhv (HV_ACCEL=kvm,
# docs/KVM.md): every test passes, or skips saying what only hv has or
# why KVM differs. kvm_hold holds one idle KVM VM throughout, so that
# kvm_amd/kvm_intel turn SVM/VMX on once rather than once per test VM
# (kvm_hold.c). hv stays loaded, without VMs. The summary compares each
# test's result with its result on hv (tap-diff.awk).
kvm_selftests_section() {
	section kvm-selftests
	[ "$KVM_SUITE" = 1 ] || { echo "# not run (KVM_SUITE=$KVM_SUITE)"; return; }
	cd /hv/selftests || return
	if [ ! -x ./kvm_hold ]; then
		fail "kvm_hold is in the initramfs"
		cd /
		return
	fi
	tests=$(sed -e 's/#.*//' tests.list)
	for k in $KVM_SELFTESTS; do
		tests=$(echo "$tests" | grep -vx "$k")
	done
	./kvm_hold >/tmp/kvm_hold.log 2>&1 &
	hold=$!
	i=0
	while ! grep -q holding /tmp/kvm_hold.log && kill -0 $hold 2>/dev/null &&
		[ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if ! grep -q holding /tmp/kvm_hold.log; then
		fail "kvm_hold holds a KVM VM"
		comment </tmp/kvm_hold.log
		kill $hold 2>/dev/null
		cd /
		return
	fi
	t0=$(cut -d. -f1 /proc/uptime)
	run_timed "$SELFTESTS_TIMEOUT" env HV_ACCEL=kvm sh ./run_all.sh $tests
	rc=$?
	kill $hold 2>/dev/null
	wait $hold 2>/dev/null
	cd /
	section kvm-selftests
	echo "# run_all.sh exit status $rc, $(($(cut -d. -f1 /proc/uptime) - t0)) s"
	case $rc in 143|137) fail "run_all.sh on KVM finished within $SELFTESTS_TIMEOUT s" ;; esac
	hv_log
}

unload_section() {
	section unload
	grep -q '^hv ' /proc/modules || return
	check "rmmod hv" run_timed "$STEP_TIMEOUT" rmmod hv
	hv_log
}

# NMIs sent to a CPU while a guest runs there reach the host's handler
# (host_nmi.sh); its register dumps stay out of hv_log.
host_nmi() {
	sh /hv/host_nmi.sh /hv/bin/hvctl /hv/guests
	log_seen=$(dmesg | wc -l)
}

# VT-x local mode (hv.vmx_local, the default on 6.19+ kernels, which keep
# their CR4 helpers and NMI entry for KVM) on this kernel too, so that its
# fallbacks stay tested: hv.ko loaded again with vmx_local=1, then
# VMX_LOCAL_SELFTESTS (KVM is loaded: hv_kvm_test has hv's vCPUs wait while
# KVM holds VMX) and the host NMI check (the NMI goes back through the APIC).
VMX_LOCAL_SELFTESTS="hv_api_test hv_exits_test hv_events_test hv_lapic_test hv_kvm_test"
vmx_local_section() {
	section vmx_local
	check "insmod hv.ko vmx_local=1" run_timed "$STEP_TIMEOUT" insmod /hv/hv.ko vmx_local=1
	hv_log
	check "hv's VT-x backend runs in local mode" grep -qx Y /sys/module/hv/parameters/vmx_local
	cd /hv/selftests || return
	run_timed "$SELFTESTS_TIMEOUT" sh ./run_all.sh $VMX_LOCAL_SELFTESTS
	cd /
	section vmx_local
	host_nmi
	section vmx_local
	check "rmmod hv" run_timed "$STEP_TIMEOUT" rmmod hv
	hv_log
}

# type_at_prompt LOG: once the guest's shell prompt is in LOG, type the
# demo's command line (to stdout: hvctl's stdin); give up when hvctl ended
# (/tmp/demo.rc).
DEMO_COMMAND='uname -a; grep -c ^processor /proc/cpuinfo; poweroff -f'
type_at_prompt() {
	until grep -q 'guest# ' "$1" 2>/dev/null; do
		[ -f /tmp/demo.rc ] && return
		sleep 0.5
	done
	echo "$DEMO_COMMAND"
}

# A Linux guest boots to its shell; the demo types a command line there.
demo() {
	section demo
	load_hv
	rm -f /tmp/demo.log /tmp/demo.rc
	cmdline="console=ttyS0 panic=-1${LINUX_APPEND:+ $LINUX_APPEND}${DEMO_APPEND:+ $DEMO_APPEND}"
	echo "\$ hvctl run --kernel /hv/guest/vmlinuz --initrd /hv/guest/initrd.gz --cmdline '$cmdline' --vcpus $DEMO_VCPUS --mem 256M"
	echo "# typing at the guest's prompt: $DEMO_COMMAND"
	type_at_prompt /tmp/demo.log |
		{
			timeout -s KILL "$LINUX_TIMEOUT" hvctl run --kernel /hv/guest/vmlinuz \
				--initrd /hv/guest/initrd.gz --cmdline "$cmdline" \
				--vcpus "$DEMO_VCPUS" --mem 256M 2>&1
			echo $? >/tmp/demo.rc
		} | tee /tmp/demo.log
	echo
	rc=$(cat /tmp/demo.rc)
	[ "$rc" = 137 ] && echo "# hvctl did not end within $LINUX_TIMEOUT s and was killed"
	echo "# hvctl exit status $rc"
}

# run-in-host.sh: load hv.ko (unless told not to), run /hv/cmd with sh in
# /hv, and print its exit status for run-in-host.sh to return.
run_cmd() {
	section run
	echo "# kernel $(uname -r), /init reached after $(cut -d' ' -f1 /proc/uptime) s of guest time"
	[ "$RUN_LOAD_HV" = 1 ] && load_hv
	export PATH=$PATH:/hv/selftests
	cd /hv || return
	run_timed "$RUN_TIMEOUT" sh /hv/cmd
	echo "=== HV-TESTBED RUN STATUS $?"
	cd /
}

# A VT-x CPU without EPT (Bochs' Core 2): hv refuses to load, says why, and
# the host is none the worse for it.
REFUSAL='hv: vmx: this CPU lacks .*EPT.*, which hv requires'
no_splat() {
	! dmesg | grep -qE '(^|\] )(BUG:|WARNING:|Oops|kernel BUG at|general protection fault)|Call Trace'
}
host_works() {
	echo hello >/tmp/probe && test "$(cat /tmp/probe)" = hello &&
		mkdir -p /mnt && mount -t tmpfs tmpfs /mnt && touch /mnt/x &&
		umount /mnt && test "$(seq 1 100 | wc -l)" = 100
}
noept() {
	section noept
	cpu_flags
	check "cpu has vmx" grep -qw vmx /proc/cpuinfo
	check "cpu lacks ept" eval '! grep -qw ept /proc/cpuinfo'
	if run_timed "$STEP_TIMEOUT" insmod /hv/hv.ko; then
		fail "insmod hv.ko is refused"
		rmmod hv
	else
		pass "insmod hv.ko is refused"
	fi
	hv_log
	check "the kernel log says why: $REFUSAL" grep -qE "$REFUSAL" /tmp/dmesg
	check "/dev/hv does not exist" test ! -e /dev/hv
	check "hv is not loaded" eval '! grep -q "^hv " /proc/modules'
	check "the host still works (files, mount, processes)" host_works
	check "the kernel logged no splat" no_splat
}

echo "=== HV-TESTBED BEGIN vendor=$VENDOR mode=$MODE"
case $MODE in
check)
	cpu_section
	load_hv
	selftests_section
	smoke_section
	registry_section
	linux_section
	kvm_section
	section host_nmi
	host_nmi
	kvm_selftests_section
	unload_section
	[ "$VENDOR" = vmx ] && vmx_local_section
	;;
demo)
	demo
	;;
bench)
	bench
	;;
noept)
	noept
	;;
run)
	run_cmd
	;;
esac
echo "=== HV-TESTBED END"
# Closing the console waits until the UART has sent all of it (Bochs sends
# at the line speed: what is still queued at the power-off is lost).
exec >/dev/null 2>&1
sync
poweroff -f
