#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: boot the emulated host and run hv_bench (selftests/bench) on
# hv, then on the distribution's KVM, with byte-identical guests; print both
# side by side. The numbers are the emulated CPU's, good for comparing hv
# with KVM and one hv with another on the same machine, not for absolute
# claims. Logs and results in build/bench/.

set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
BUILD=${TESTBED_BUILD:-$TOP/build/bench}

VENDOR=${VENDOR:-svm}
[ "$VENDOR" = svm ] || die "VENDOR=$VENDOR: only svm can be benchmarked yet"

ensure_packages
KVER=$(pick_kver)
cd "$TOP"
mkdir -p "$BUILD"
rm -f hv.ko
step module make module KVER="$KVER" KDIR="/usr/src/linux-headers-$KVER" -j"$JOBS" ||
	die "hv.ko did not build"
step bench make -C selftests bench || die "hv_bench did not build"
step guests build_guests || die "the sample guests did not build"

run_vendor "$VENDOR" bench "$KVER"

results=$BUILD/results.txt
grep -a '^bench ' "$BUILD/$VENDOR.log" | tr -d '\r' >"$results" || true
[ -s "$results" ] || die "no benchmark results; logs: $BUILD/$VENDOR.log"
printf '\n%-10s %12s %12s  %s\n' benchmark hv kvm unit
awk '{ v[$2, $3] = $4; u[$2] = $5; if (!($2 in seen)) { seen[$2]; order[++n] = $2 } }
     END { for (i = 1; i <= n; i++) { b = order[i];
		printf "%-10s %12s %12s  %s\n", b, v[b, "hv"], v[b, "kvm"], u[b] } }' "$results"
say "results in $results"
