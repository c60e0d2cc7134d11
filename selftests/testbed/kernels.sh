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
#   kernels.sh [-b|-c] [SUITE...]
#     -b       build only, boot nothing
#     -c       only make (or refresh) the chroots, in parallel: check.sh
#              starts this first, so that the downloads overlap its builds
#     SUITE    default $KERNEL_SUITES, else "bullseye bookworm trixie sid"
#
# The tests on each kernel: KERNEL_FULL_SUITES (default: all four; a full
# run takes about 20 s in the emulated host) run the whole selftest suite,
# the others a smoke subset (KERNEL_SMOKE_TESTS).
# TAP on stdout, then the matrix as a table; the same table in Markdown in
# build/kernels/matrix.md. Exits non-zero when any build, load or test
# failed.

set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$TESTBED/chroots.sh"
KBUILD_OUT=${TESTBED_KERNELS_BUILD:-$TOP/build/kernels}

BOOT=1 CHROOTS_ONLY=0
while getopts bch opt; do
	case $opt in
	b) BOOT=0 ;;
	c) CHROOTS_ONLY=1 ;;
	*) echo "usage: $0 [-b|-c] [SUITE...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
SUITES=${*:-${KERNEL_SUITES:-bullseye bookworm trixie sid}}
FULL_SUITES=${KERNEL_FULL_SUITES-bullseye bookworm trixie sid}
# A fast representative subset: the API and ABI, memory, the run loop and
# exits, guest state, the local APIC; then the hvctl smoke tests.
SMOKE_TESTS=${KERNEL_SMOKE_TESTS:-hv_api_test hv_memslot_test hv_exits_test hv_guest_state_test hv_lapic_test}

[ "$(id -u)" = 0 ] || die "kernels.sh needs root (debootstrap, chroot, unshare)"
command -v debootstrap >/dev/null ||
	{ apt-get update -q && apt-get install -y -q debootstrap; } </dev/null
mkdir -p "$KBUILD_OUT"

# All the chroots at once (downloads, mostly): made or refreshed in
# parallel first, then used one by one below.
make_chroots() {
	local suite job rc=0
	for suite in $SUITES; do
		chroot_for "$suite" >/dev/null &
	done
	for job in $(jobs -p); do
		wait "$job" || rc=1
	done
	return $rc
}
if [ $CHROOTS_ONLY = 1 ]; then
	make_chroots
	exit
fi
t0=$SECONDS
make_chroots || true	# a suite that failed says so below
echo "# chroots ready after $((SECONDS - t0)) s"

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

declare -A KVERS BUILT LOADED TESTS GCC
NOTES=()
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
	echo "# $suite: chroot $dir (made in $(cat "$CHROOTS/$suite.time" 2>/dev/null || echo '?') s)"
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
		GCC[$suite]=$(in_chroot "$dir" gcc -dumpfullversion)
		cp "$dir/src/hv/hv.ko" "$KBUILD_OUT/hv-$kver.ko"
		tap ok "$suite: hv.ko builds W=1 clean against $kver (gcc ${GCC[$suite]}, $((SECONDS - t0)) s)"
		sed 's/^/# /' "$dir/src/hv/module/compat-gen.h" | grep -v 'SPDX\|stamp'
	else
		BUILT[$suite]=fail
		tail -n 30 "$log" | sed 's/^/# /'
		tap "not ok" "$suite: hv.ko W=1 against $kver: $log"
	fi
done

# ---- boot each kernel, load hv.ko, run the tests ----

# host_counts LOG: "passed failed" of the selftests and smoke sections of
# an emulated host's console log (tap-summary.awk).
host_counts() {
	awk -f "$TESTBED/tap-summary.awk" "$1" |
		awk '$1 == "S" && ($2 == "selftests" || $2 == "smoke") { p += $3; f += $4 }
			END { print p + 0, f + 0 }'
}

# record SUITE LOG KLOG KIND: the load and tests columns from a host's logs.
record() {
	local suite=$1 log=$2 klog=$3 kind=$4 p f
	if grep -q '^ok [0-9]* - insmod hv.ko' "$log" 2>/dev/null; then
		LOADED[$suite]=ok
	else
		LOADED[$suite]=fail
	fi
	read -r p f < <(host_counts "$log")
	TESTS[$suite]="$p/$((p + f)) ($kind)"
	if ! grep -q '^=== HV-TESTBED END' "$log" 2>/dev/null; then
		TESTS[$suite]+=", unfinished"
		f=$((f + 1))
	fi
	if grep -qE "$SPLAT_RE" "$klog" 2>/dev/null; then
		TESTS[$suite]+=", kernel splat"
		f=$((f + 1))
		grep -E -m 5 -A 3 "$SPLAT_RE" "$klog" | tr -d '\r' | sed 's/^/# /'
	fi
	if [ "${LOADED[$suite]}" = ok ]; then
		tap ok "$suite: hv.ko loads on ${KVERS[$suite]}"
	else
		tap "not ok" "$suite: hv.ko loads on ${KVERS[$suite]} ($log)"
	fi
	if [ "$f" = 0 ] && [ "$p" -gt 0 ]; then
		tap ok "$suite: tests on ${KVERS[$suite]}: ${TESTS[$suite]}"
	else
		awk -f "$TESTBED/tap-summary.awk" "$log" | sed -n 's/^F /# FAILED: /p'
		tap "not ok" "$suite: tests on ${KVERS[$suite]}: ${TESTS[$suite]} ($log)"
	fi
}

# boot_kernel SUITE DIR: the suite's kernel in the emulated AMD-V host
# (run-in-host.sh with TESTBED_KROOT and TESTBED_HV_KO), hv.ko loaded, then
# the selftests (all but the KVM ones, which need kvm_amd: make check runs
# those) or the smoke subset, then the hvctl smoke tests.
boot_kernel() {
	local suite=$1 dir=$2 kver=${KVERS[$1]} kind tests cmd out t0=$SECONDS
	case " $FULL_SUITES " in
	*" $suite "*)
		kind=full
		tests='$(sed -e "s/#.*//" tests.list | grep -vx hv_kvm_test)'
		;;
	*)
		kind=smoke
		tests=$SMOKE_TESTS
		;;
	esac
	cmd="echo; echo '=== HV-TESTBED SECTION selftests'; cd /hv/selftests && sh ./run_all.sh $tests;"
	cmd+=" echo; echo '=== HV-TESTBED SECTION smoke'; cd /hv && sh smoke.sh -b svm -t 60 /hv/bin/hvctl /hv/guests;"
	cmd+=" echo; echo '=== HV-TESTBED SECTION end'; true"
	out=$KBUILD_OUT/run-$suite
	rm -rf "$out"
	mkdir -p "$out"
	# clocksource=hpet: from 7.x the kernel reads the TSC clocksource
	# inline, behind a static key that it flips when the TSC becomes the
	# clocksource, 2 s into the boot, while every CPU runs that code from
	# its timer interrupt. Under QEMU TCG a CPU now and then still runs
	# the int3 of that patch after the patch is over: "Oops: int3" in
	# ktime_get_update_offsets_now(), panic, before hv.ko is loaded (1 boot
	# in 5 of 7.2.13). With the HPET as the clocksource the key never flips.
	TESTBED_SVM_APPEND="clocksource=hpet${TESTBED_SVM_APPEND:+ $TESTBED_SVM_APPEND}" \
	TESTBED_KROOT=$dir TESTBED_KVER=$kver TESTBED_HV_KO=$KBUILD_OUT/hv-$kver.ko TESTBED_BUILD=$out \
		"$TESTBED/run-in-host.sh" -v svm -t 900 "$cmd" >"$out/run-in-host.out" 2>&1 || true
	echo "# $suite: booted $kver, $kind tests, $((SECONDS - t0)) s ($out)"
	record "$suite" "$out/svm.log" "$out/svm-kernel.log" "$kind"
}

if [ $BOOT = 1 ]; then
	for suite in $SUITES; do
		[ "${BUILT[$suite]}" = ok ] || continue
		# make check has run the full suite on this machine's 6.1 already:
		# KERNEL_REUSE_<SUITE>=svm.log takes its result instead of a boot.
		reuse=KERNEL_REUSE_${suite^^}
		if [ -n "${!reuse:-}" ]; then
			log=${!reuse}
			NOTES+=("$suite: hv.ko built W=1 against the chroot's ${KVERS[$suite]}; loaded and tested by make check on this machine's kernel")
			KVERS[$suite]=$(sed -n 's/^\[svm\] # kernel \([^ ,]*\).*/\1/p; s/^# kernel \([^ ,]*\).*/\1/p' "$log" | head -n 1)
			record "$suite" "$log" "${log%.log}-kernel.log" "full, make check"
			continue
		fi
		boot_kernel "$suite" "$CHROOTS/$suite"
	done
fi

# ---- the matrix ----
table() { # table text|md
	local s fmt
	if [ "$1" = md ]; then
		echo "| kernel | Debian | gcc | W=1 build | hv.ko loads | selftests (AMD-V) |"
		echo "|---|---|---|---|---|---|"
		fmt='| %s | %s | %s | %s | %s | %s |\n'
	else
		fmt='%-22s %-9s %-7s %-6s %-5s %s\n'
		printf "$fmt" kernel suite gcc build load tests
	fi
	for s in $SUITES; do
		printf "$fmt" "${KVERS[$s]:--}" "$s" "${GCC[$s]:--}" \
			"${BUILT[$s]:--}" "${LOADED[$s]:--}" "${TESTS[$s]:--}"
	done
	if [ "$1" = md ]; then
		echo
		printf 'Run %s on hv %s (%s)' "$(date -u +%Y-%m-%d)" "$(cat "$TOP/VERSION")" \
			"$(git -C "$TOP" describe --always --dirty 2>/dev/null || echo unknown)"
		if [ $BOOT = 1 ]; then
			echo ": each kernel booted in the emulated AMD-V host (QEMU TCG, \`-cpu EPYC\`) with its own hv.ko."
		else
			echo ": built only (kernels.sh -b)."
		fi
	fi
	[ ${#NOTES[@]} = 0 ] && return
	[ "$1" = md ] && echo
	printf '* %s\n' "${NOTES[@]}"
}
echo
table text
table md >"$KBUILD_OUT/matrix.md"
echo
echo "$((n - failed)) passed, $failed failed, 0 skipped"
[ "$failed" = 0 ]
