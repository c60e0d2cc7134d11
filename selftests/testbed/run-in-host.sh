#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-in-host.sh: build hv.ko, libhv, hvctl, the selftests and the sample
# guests, boot one emulated host with hv.ko loaded and the usual /hv tree,
# run one shell command line there, print the host's console and exit with
# the command's status. For iterating on something faster than `make check`.
#
#   run-in-host.sh [-v svm|vmx] [-t SECONDS] [-n] COMMAND...
#   make host-run [VENDOR=vmx] CMD='COMMAND'     (write $$ for a $ in CMD)
#
# The words of COMMAND are joined with spaces, as ssh does, and run with
# busybox sh in /hv. See README.md ("Running one command in an emulated
# host") for the tree and the options. Exit status: the command's; 255 when
# it did not run to its end (a build failed, the host hung or timed out).

set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
	cat >&2 <<-EOF
		usage: $0 [-v svm|vmx] [-t SECONDS] [-n] COMMAND...
		  -v  the emulated host: svm (QEMU, AMD-V; the default, or \$VENDOR) or vmx (Bochs, VT-x)
		  -t  time limit for the command, in the host's time (default: 600 on svm, 1800 on vmx)
		  -n  do not load hv.ko before the command (it is in /hv/hv.ko)
		COMMAND (or \$CMD when there are no words) runs with busybox sh in /hv.
	EOF
	exit 2
}

VENDOR=${VENDOR:-svm}
RUN_TIMEOUT=
RUN_LOAD_HV=1
while getopts v:t:nh opt; do
	case $opt in
	v) VENDOR=$OPTARG ;;
	t) RUN_TIMEOUT=$OPTARG ;;
	n) RUN_LOAD_HV=0 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -gt 0 ]; then
	RUN_CMD=$*
else
	RUN_CMD=${CMD:-}
fi
[ -n "$RUN_CMD" ] || usage
case $VENDOR in
svm) boot_allowance=300 ;;
vmx) boot_allowance=900 ;;
*) echo "$0: -v $VENDOR: use svm or vmx" >&2; usage ;;
esac
case $RUN_TIMEOUT in
'') [ "$VENDOR" = svm ] && RUN_TIMEOUT=600 || RUN_TIMEOUT=1800 ;;
*[!0-9]* | 0*) echo "$0: -t $RUN_TIMEOUT: a whole number of seconds, at least 1" >&2; usage ;;
esac
# The emulator's own limit (set_limits reads it): boot, command, power-off.
export TESTBED_TIMEOUT=${TESTBED_TIMEOUT:-$((RUN_TIMEOUT + boot_allowance))}

# One directory per run: other runs (of this script, or make check in
# build/testbed/) may go on at the same time. Runs older than a day go.
mkdir -p "$TOP/build/run"
find "$TOP/build/run" -mindepth 1 -maxdepth 1 -mmin +1440 -exec rm -rf {} + 2>/dev/null || true
BUILD=${TESTBED_BUILD:-$TOP/build/run/$VENDOR.$$}
mkdir -p "$BUILD"

ensure_packages
KVER=$(pick_kver)
cd "$TOP"

# Builds in the shared tree one at a time: two makes writing the same
# objects, or one removing hv.ko while another copies it, would clash. The
# lock is held until the initramfs has its copies.
exec 9>"$TOP/build/.build.lock"
if ! flock -n 9; then
	say "waiting for another run's build (build/.build.lock)"
	flock 9
fi
# TESTBED_HV_KO (with TESTBED_KROOT, lib.sh): a module built elsewhere for
# that kernel (kernels.sh builds it in the kernel's own chroot).
if [ -n "${TESTBED_HV_KO:-}" ]; then
	[ -f "$TESTBED_HV_KO" ] || die "TESTBED_HV_KO=$TESTBED_HV_KO: no such file"
else
	rm -f hv.ko
	step module make module KVER="$KVER" KDIR="/usr/src/linux-headers-$KVER" -j"$JOBS" ||
		die "hv.ko did not build"
fi
# The rest may fail (someone else's half-done change): the host then gets
# what the last good build left, and the warning says so.
for part in lib cli selftests; do
	step "$part" make "$part" -j"$JOBS" ||
		say "warning: $part did not build; the host gets what an earlier build left"
done
step guests build_guests || die "the sample guests did not build"
set_limits "$VENDOR"
build_initramfs "$VENDOR" run "$KVER" || die "the initramfs did not build"
exec 9>&-

# One Bochs at a time on this machine (each takes a core for minutes).
if [ "$VENDOR" = vmx ]; then
	exec 8>"$TOP/build/.bochs.lock"
	if ! flock -n 8; then
		say "waiting for another Bochs run (build/.bochs.lock)"
		flock 8
	fi
fi

say "$VENDOR: booting $KVER ($(du -h "$BUILD/$VENDOR/initrd.gz" | cut -f1) initramfs); the command may take $RUN_TIMEOUT s"
t0=$SECONDS
rc=0
"boot_$VENDOR" "$KVER" "$VENDOR" || rc=$?
exec 8>&-
log=$BUILD/$VENDOR.log klog=$BUILD/$VENDOR-kernel.log
rm -rf "${BUILD:?}/$VENDOR"	# the initramfs tree, initrd and ISO: logs stay

status=$(sed -n 's/^=== HV-TESTBED RUN STATUS \([0-9]*\).*/\1/p' "$log" | tail -n 1)
if grep -qE "$SPLAT_RE" "$klog" 2>/dev/null; then
	say "the host's kernel logged an error ($klog):"
	grep -E -m 10 -A 3 "$SPLAT_RE" "$klog" | tr -d '\r' | sed 's/^/    /'
fi
if [ -z "$status" ]; then
	if [ -f "$log.silent" ]; then
		say "the host printed nothing for $(cat "$log.silent") s and was stopped"
	elif [ $rc = 124 ] || [ $rc = 137 ]; then
		say "the host did not finish within $TESTBED_TIMEOUT s"
	else
		say "the host stopped before the command ended (emulator status $rc)"
	fi
	say "the end of $klog:"
	tail -n 20 "$klog" 2>/dev/null | tr -d '\r' | sed 's/^/    /' || true
	emulator_messages "${klog%-kernel.log}" | sed 's/^/    emulator: /' || true
	status=255
fi
say "$VENDOR: status $status after $((SECONDS - t0)) s; logs in $BUILD"
exit "$status"
