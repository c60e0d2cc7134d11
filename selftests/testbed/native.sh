#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-native: the test suite on this machine's own kernel, for a host
# with AMD-V or VT-x: libhv's unit tests, the selftests (run_all.sh) and the
# hvctl smoke tests (smoke.sh, as in the emulated hosts), and the Linux
# guest (linux.sh) with this machine's own kernel. Uses the hv.ko
# that is loaded; when none is and this is root, loads the build's hv.ko
# (building it for the running kernel if needed) and unloads it afterwards.
# Ends, like check.sh, with "N passed, N failed, N skipped".

set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

LOG=$BUILD/native.log
mkdir -p "$BUILD"
rm -f "$LOG" "$BUILD/host.tap"
cd "$TOP"

backend=$(grep -m1 -ow -E 'svm|vmx' /proc/cpuinfo) ||
	die "this CPU shows neither svm nor vmx: use make check (emulated hosts)"

step lib-test make -C lib test || true
step guests build_guests || die "could not build the smoke-test guests"
# The Linux guest: this machine's kernel and the testbed's guest initramfs.
mkdir -p "$BUILD/guest"
step guest-initramfs build_guest_initramfs "$BUILD/guest" ||
	die "could not build the Linux guest's initramfs"
ln -sf "/boot/vmlinuz-$(uname -r)" "$BUILD/guest/vmlinuz"

loaded_here=0
if [ ! -c /dev/hv ]; then
	grep -q '^hv ' /proc/modules && die "hv is loaded but there is no /dev/hv"
	[ "$(id -u)" = 0 ] || die "hv.ko is not loaded: load it, or run this as root"
	if [ ! -f hv.ko ]; then
		step module make module -j"$JOBS" || die "hv.ko did not build"
	fi
	insmod hv.ko || die "insmod hv.ko failed; see dmesg"
	loaded_here=1
fi
dmesg_seen=$(dmesg 2>/dev/null | wc -l) || dmesg_seen=

export LD_LIBRARY_PATH="$TOP/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
{
	echo "=== HV-TESTBED SECTION selftests"
	if [ -f selftests/build/run_all.sh ]; then
		rc=0
		timeout -k 10 "$SELFTESTS_TIMEOUT" sh selftests/build/run_all.sh </dev/null || rc=$?
		echo "=== HV-TESTBED SECTION selftests"
		echo "# run_all.sh exit status $rc"
		[ $rc != 124 ] || echo "not ok - run_all.sh finished within $SELFTESTS_TIMEOUT s"
	else
		echo "not ok - selftests/build/run_all.sh exists (make selftests)"
	fi
	echo "=== HV-TESTBED SECTION smoke"
	sh "$TESTBED/smoke.sh" -b "$backend" -t "$SMOKE_TIMEOUT" "$(hvctl_path)" \
		"$BUILD/guests" </dev/null || true
	echo "=== HV-TESTBED SECTION linux"
	if [ -r "/boot/vmlinuz-$(uname -r)" ]; then
		sh "$TESTBED/linux.sh" -b "$backend" -c "$LINUX_VCPUS" -t "$LINUX_TIMEOUT" \
			${TESTBED_GUEST_APPEND:+-a "$TESTBED_GUEST_APPEND"} \
			-m "$BUILD/guests/multiboot.elf" "$(hvctl_path)" "$BUILD/guest" </dev/null || true
	else
		echo "not ok - /boot/vmlinuz-$(uname -r), the Linux guest's kernel, is readable"
	fi
	if [ $loaded_here = 1 ]; then
		echo "=== HV-TESTBED SECTION unload"
		if rmmod hv; then echo "ok - rmmod hv"; else echo "not ok - rmmod hv"; fi
	fi
} 2>&1 | tee "$LOG"

echo
echo "==== summary ===="
summarize_counts "libhv unit tests" "$BUILD/logs/lib-test.log"
summarize_tap native "$LOG"
if [ -n "$dmesg_seen" ] &&
	dmesg | tail -n +"$((dmesg_seen + 1))" | grep -E "$SPLAT_RE" >"$BUILD/native-splat.log"; then
	echo "   FAILED: the kernel logged an error during the tests:"
	head -n 20 "$BUILD/native-splat.log" | sed 's/^/      /'
	tally 0 1 0
fi
final_line
