#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: build hv.ko, libhv and hvctl, boot the emulated host and there
# boot a Linux guest under `hvctl run --kernel` (the host's own kernel and a
# busybox initramfs) to a shell prompt, type a command line at it and let the
# guest power off, showing the host's console as it goes.
#
# VENDOR=svm (QEMU TCG with AMD-V; the default) or vmx (Bochs with VT-x and
# EPT: much slower, most of it the two kernels decompressing themselves).
# TESTBED_DEMO_VCPUS: the guest's vCPUs (default 2); TESTBED_DEMO_APPEND:
# more kernel parameters for it (default: none on svm, where the whole boot
# log shows; "quiet" on vmx, where every byte on the emulated UART is slow).
# Logs in build/demo/.

set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
BUILD=${TESTBED_BUILD:-$TOP/build/demo}

VENDOR=${VENDOR:-svm}
case $VENDOR in
svm) DEMO_APPEND=${TESTBED_DEMO_APPEND-} ;;
vmx) DEMO_APPEND=${TESTBED_DEMO_APPEND-quiet} ;;
*) die "VENDOR=$VENDOR: use svm or vmx" ;;
esac
DEMO_VCPUS=${TESTBED_DEMO_VCPUS:-2}

prepare_boot
step cli make cli -j"$JOBS" || die "hvctl did not build"
step guests build_guests || die "the sample guests did not build"

run_vendor "$VENDOR" demo "$KVER"

log=$BUILD/$VENDOR.log
tr -d '\r' <"$log" >"$log.txt"
if grep -q '^# hvctl exit status 0$' "$log.txt" &&
	grep -q "^HV-GUEST: init reached, cpus=$DEMO_VCPUS," "$log.txt" &&
	grep -q '^Linux .* GNU/Linux$' "$log.txt"; then
	say "demo: Linux booted under hv with $DEMO_VCPUS vCPUs, ran the command and powered off"
else
	say "demo: the guest did not run as expected; logs: $log, $BUILD/$VENDOR-kernel.log"
	exit 1
fi
