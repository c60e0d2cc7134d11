#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: build everything, run libhv's and hvctl's unit tests here, then
# boot a Debian kernel in each emulated host (svm: QEMU TCG with AMD-V; vmx: Bochs
# with VT-x and EPT) and run the selftests, the hvctl smoke tests and the KVM
# reference checks there, then the selftests again on KVM through libhv,
# compared test by test with hv (see init.sh, tap-diff.awk); and check that hv refuses a VT-x CPU
# without EPT (vmx-noept: Bochs' Core 2). The hosts run in parallel, and
# beside them the DKMS test (dkms.sh) and the Debian packages' (packages.sh).
# Prints a summary per part and, as its last line,
# "N passed, N failed, N skipped"; exits non-zero when anything failed or
# nothing ran.
#
# Then the kernel matrix (kernels.sh; TESTBED_KERNELS=0 leaves it out): its
# chroots are made (or refreshed) in the background from the start, and once
# the svm host has finished (its full run on this machine's 6.1 is the
# matrix's bookworm row) it builds and boots the other Debian kernels while
# Bochs runs.
#
# Environment: TESTBED_VENDORS (default "svm vmx vmx-noept"), TESTBED_KVER
# (the kernel to boot), TESTBED_TIMEOUT and the other limits in lib.sh,
# TESTBED_BOCHS_* (lib.sh), TESTBED_BUILD.

set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VENDORS=${TESTBED_VENDORS:-svm vmx vmx-noept}
START=$SECONDS
FINAL_PRINTED=0

# Whatever stops the script, the last line is still the count.
on_exit() {
	local rc=$?
	[ $FINAL_PRINTED = 1 ] && return
	[ $rc = 0 ] || FAILED=$((FAILED + 1))
	echo
	echo ">>> check.sh stopped early (status $rc)"
	echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
	exit 1
}
trap on_exit EXIT

ensure_packages
KVER=$(pick_kver)
KDIR=/usr/src/linux-headers-$KVER
say "emulated hosts boot $KVER; hv.ko builds against $KDIR"

mkdir -p "$BUILD"
rm -f "$BUILD"/host.tap "$BUILD"/*.log "$BUILD"/*.status
cd "$TOP"

KERNELS=${TESTBED_KERNELS:-1}
if [ "$KERNELS" = 1 ]; then
	"$TESTBED/kernels.sh" -c >"$BUILD/kernels-chroots.log" 2>&1 &
fi
# kernel_matrix: after the svm host, the other kernels (kernels.sh; it
# waits for the chroots being made, one lock per suite).
kernel_matrix() {
	KERNEL_REUSE_BOOKWORM=$BUILD/svm.log "$TESTBED/kernels.sh" >"$BUILD/kernels.log" 2>&1
	echo $? >"$BUILD/kernels.status"
}

# build NAME COMMAND...: a build step, counted as a test in host.tap.
build() {
	local name=$1 rc=0
	shift
	step "$name" "$@" || rc=$?
	host_result "build $name" $rc
	return $rc
}

module_built=1
rm -f hv.ko
build module make module KVER="$KVER" KDIR="$KDIR" -j"$JOBS" || module_built=0
build lib make lib WERROR=1 -j"$JOBS" || true
lib_test_rc=0
step lib-test make -C lib test WERROR=1 || lib_test_rc=$?
build cli make cli WERROR=1 -j"$JOBS" || true
# hvctl's own tests (options, usage errors, no module): no device either.
cli_test_rc=0
step cli-test make -C cli test WERROR=1 || cli_test_rc=$?
build selftests make selftests -j"$JOBS" || true
build guests build_guests || true

ran=
if [ $module_built = 1 ]; then
	for v in $VENDORS; do
		case $v in
		*-noept) mode=noept ;;
		*) mode=check ;;
		esac
		if [ "$v" = svm ] && [ "$KERNELS" = 1 ]; then
			{ run_vendor "$v" "$mode" "$KVER"; kernel_matrix; } &
		else
			run_vendor "$v" "$mode" "$KVER" &
		fi
		ran="$ran $v"
	done
fi
# Meanwhile, here: DKMS (add, build, signing, install, remove) for the
# installed headers, and the Debian packages in a clean chroot.
dkms_rc=0 packages_rc=0
step dkms selftests/testbed/dkms.sh || dkms_rc=$?
step packages selftests/testbed/packages.sh || packages_rc=$?
wait

echo
echo "==== summary ===="
summarize_tap build "$BUILD/host.tap"
summarize_counts "libhv unit tests" "$BUILD/logs/lib-test.log" "$lib_test_rc"
summarize_counts "hvctl unit tests" "$BUILD/logs/cli-test.log" "$cli_test_rc"
if [ "$KERNELS" = 1 ]; then
	summarize_counts "kernel matrix (kernels.sh)" "$BUILD/kernels.log" \
		"$(cat "$BUILD/kernels.status" 2>/dev/null || echo 1)"
	grep '^# FAILED\|^not ok' "$BUILD/kernels.log" | sed 's/^/   /' || true
	sed -n '/^kernel  /,/^$/{/^$/d;p}' "$BUILD/kernels.log" | sed 's/^/   /'
fi
summarize_counts "dkms" "$BUILD/logs/dkms.log" "$dkms_rc"
summarize_counts "packages" "$BUILD/logs/packages.log" "$packages_rc"
for v in $VENDORS; do
	case " $ran " in
	*" $v "*)
		summarize_tap "$v" "$BUILD/$v.log" "$BUILD/$v-kernel.log" \
			"$(cat "$BUILD/$v.status" 2>/dev/null || echo unknown)" ;;
	*)
		echo
		echo "== $v =="
		echo "   not run: hv.ko did not build" ;;
	esac
done
echo
echo ">>> logs in $BUILD; $((SECONDS - START)) s in all"

FINAL_PRINTED=1
final_line
