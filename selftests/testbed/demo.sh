#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: build hv.ko, libhv, hvctl and the sample guests, boot the
# emulated host and run the long-mode hello guest there under
# `hvctl run --stats`, showing the host's console as it goes.
#
# VENDOR=svm (QEMU TCG with AMD-V; the default) or vmx (Bochs with VT-x and
# EPT: about two minutes, most of it the boot). Logs in build/demo/.

set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
BUILD=${TESTBED_BUILD:-$TOP/build/demo}

VENDOR=${VENDOR:-svm}
case $VENDOR in
svm | vmx) ;;
*) die "VENDOR=$VENDOR: use svm or vmx" ;;
esac

prepare_boot
step cli make cli -j"$JOBS" || die "hvctl did not build"
step guests build_guests || die "the sample guests did not build"

run_vendor "$VENDOR" demo "$KVER"

log=$BUILD/$VENDOR.log
if grep -q '^# hvctl exit status 1' "$log" && grep -q 'Hello from a long-mode guest' "$log"; then
	say "demo: the guest ran (exit status 1 is its exit value 0)"
else
	say "demo: the guest did not run as expected; logs: $log, $BUILD/$VENDOR-kernel.log"
	exit 1
fi
