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

prepare_boot
step bench make -C selftests bench || die "hv_bench did not build"
step guests build_guests || die "the sample guests did not build"

run_vendor "$VENDOR" bench "$KVER"

results=$BUILD/results.txt
grep -a '^bench ' "$BUILD/$VENDOR.log" | tr -d '\r' >"$results" || true
[ -s "$results" ] || die "no benchmark results; logs: $BUILD/$VENDOR.log"
# The median of the rounds, per benchmark and hypervisor.
median() { # median BENCH BACKEND
	awk -v b="$1" -v h="$2" '$2 == b && $3 == h { print $4 }' "$results" |
		sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}
printf '\n%-10s %12s %12s  %s   (median of %s rounds)\n' benchmark hv kvm unit \
	"$(grep -c '^bench io_exit hv' "$results")"
for b in $(awk '{ print $2 }' "$results" | awk '!seen[$0]++'); do
	printf '%-10s %12s %12s  %s\n' "$b" "$(median "$b" hv)" "$(median "$b" kvm)" \
		"$(awk -v b="$b" '$2 == b { print $5; exit }' "$results")"
done
say "results in $results"
