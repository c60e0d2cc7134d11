#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-kernels: the kernel matrix. For each Debian suite, hv.ko is
# built with W=1 (any warning fails) against the suite's newest kernel, in
# a chroot of that suite with its own gcc (chroots.sh: cached outside the
# clone); then that kernel boots in the emulated AMD-V host (QEMU TCG,
# -cpu EPYC), loads hv.ko and runs the selftests there (run-in-host.sh with
# the kernel from the chroot).
#
#   kernels.sh [-b] [SUITE...]
#     -b       build only, boot nothing
#     SUITE    default $KERNEL_SUITES, else "bullseye bookworm trixie sid"
#
# The tests on each kernel: KERNEL_FULL_SUITES (default "bookworm sid") run
# the whole selftest suite, the others a smoke subset (KERNEL_SMOKE_TESTS).
# TAP on stdout, then the matrix as a table; the same table in Markdown in
# build/kernels/matrix.md. Exits non-zero when any build, load or test
# failed.

set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$TESTBED/chroots.sh"
KBUILD_OUT=${TESTBED_KERNELS_BUILD:-$TOP/build/kernels}

BOOT=1
while getopts bh opt; do
	case $opt in
	b) BOOT=0 ;;
	*) echo "usage: $0 [-b] [SUITE...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
SUITES=${*:-${KERNEL_SUITES:-bullseye bookworm trixie sid}}
FULL_SUITES=${KERNEL_FULL_SUITES:-bookworm sid}
# A fast representative subset: the API and ABI, memory, the run loop and
# exits, guest state, the local APIC; then the hvctl smoke tests.
SMOKE_TESTS=${KERNEL_SMOKE_TESTS:-hv_api_test hv_memslot_test hv_exits_test hv_guest_state_test hv_lapic_test}

command -v debootstrap >/dev/null ||
	{ apt-get update -q && apt-get install -y -q debootstrap; } </dev/null
mkdir -p "$KBUILD_OUT"

# build_in_chroot SUITE DIR KVER LOG: hv.ko with W=1 for KVER in the chroot
# DIR; leaves DIR/src/hv/hv.ko. Fails on any warning. The probes' result
# (module/compat-gen.h) is kept from the last build in this chroot.
build_in_chroot() {
	local suite=$1 dir=$2 kver=$3 log=$4 src=$2/src/hv
	mkdir -p "$src"
	rsync -a --delete --exclude=/module/compat-gen.h --exclude='*.o' \
		--exclude='*.ko' --exclude='.*.cmd' \
		--include=/Kbuild --include=/Makefile --include='/module/***' \
		--include='/uapi/***' --exclude='/*' "$TOP/" "$src/"
	in_chroot "$dir" make -C /src/hv module KVER="$kver" \
		KDIR="/usr/src/linux-headers-$kver" W=1 -j"$JOBS" >"$log" 2>&1 &&
		! grep -E '(warning|error):|WARNING:' "$log"
}

declare -A KVERS BUILT LOADED TESTS
n=0 failed=0
tap() { # tap OK|"not ok" DESCRIPTION
	n=$((n + 1))
	echo "$1 $n - $2"
	[ "$1" = ok ] || failed=$((failed + 1))
}

echo "TAP version 13"
for suite in $SUITES; do
	t0=$SECONDS
	if ! dir=$(chroot_for "$suite"); then
		tap "not ok" "$suite: chroot ($CHROOTS/$suite.log)"
		KVERS[$suite]=- BUILT[$suite]=fail
		continue
	fi
	echo "# $suite: chroot ready after $((SECONDS - t0)) s (debootstrap: $(cat "$CHROOTS/$suite.time" 2>/dev/null || echo '?') s, once)"
	kver=$(chroot_kver "$dir") || {
		tap "not ok" "$suite: a kernel with headers, image and modules in $dir"
		KVERS[$suite]=- BUILT[$suite]=fail
		continue
	}
	KVERS[$suite]=$kver
	t0=$SECONDS
	log=$KBUILD_OUT/$suite-build.log
	if build_in_chroot "$suite" "$dir" "$kver" "$log"; then
		BUILT[$suite]=ok
		cp "$dir/src/hv/hv.ko" "$KBUILD_OUT/hv-$kver.ko"
		tap ok "$suite: hv.ko builds W=1 clean against $kver ($(in_chroot "$dir" gcc -dumpfullversion), $((SECONDS - t0)) s)"
		sed 's/^/# /' "$dir/src/hv/module/compat-gen.h" | grep -v 'SPDX\|stamp'
	else
		BUILT[$suite]=fail
		tail -n 30 "$log" | sed 's/^/# /'
		tap "not ok" "$suite: hv.ko W=1 against $kver: $log"
	fi
done

# ---- the matrix ----
table() { # table text|md
	local s fmt
	if [ "$1" = md ]; then
		echo "| kernel | suite | build | load | tests |"
		echo "|---|---|---|---|---|"
		fmt='| %s | %s | %s | %s | %s |\n'
	else
		fmt='%-22s %-9s %-6s %-5s %s\n'
		printf "$fmt" kernel suite build load tests
	fi
	for s in $SUITES; do
		printf "$fmt" "${KVERS[$s]:--}" "$s" "${BUILT[$s]:--}" \
			"${LOADED[$s]:--}" "${TESTS[$s]:--}"
	done
}
echo
table text
table md >"$KBUILD_OUT/matrix.md"
echo
echo "$((n - failed)) passed, $failed failed, 0 skipped"
[ "$failed" = 0 ]
