#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: hv beside KVM, the same guest code on both (docs/BENCH.md).
#
#   bench.sh            boot the emulated hosts (BENCH_VENDORS, default
#                       "svm vmx", one after the other) and run there
#   bench.sh -n         run on this machine, with hv.ko and the vendor's
#                       KVM module loaded in turn (root; a CPU with AMD-V or
#                       VT-x; no KVM VM may be running)
#   bench.sh --report   the report again, from the last run's logs
#
# Each host runs bench-rounds.sh: BENCH_ROUNDS rounds of hv_bench
# alternating hv and KVM, then BENCH_BOOTS Linux boots on each. Then, here:
# a table per host with the median, the spread (least to greatest) and the
# hv/KVM ratio of every benchmark; the same as JSON in
# bench/results/DATE-COMMIT.json with the machine, the kernels and the
# emulators; and a plot of the ratios, DATE-COMMIT.png beside it.
#
# Environment: BENCH_VENDORS, BENCH_ROUNDS (default 5), BENCH_MS (the
# least time of one measurement, default 200), BENCH_BOOTS (default 1),
# BENCH_NAMES (hv_bench's benchmarks, default all), BENCH_RESULTS (where
# the JSON and PNG go, default bench/results). The emulated figures are the
# emulated CPUs': they compare hv with KVM, and one hv with another, on the
# same machine; they say nothing absolute about hardware.

set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
BUILD=${TESTBED_BUILD:-$TOP/build/bench}
RESULTS=${BENCH_RESULTS:-$TOP/bench/results}
export BENCH_ROUNDS=${BENCH_ROUNDS:-5} BENCH_MS=${BENCH_MS:-200}
export BENCH_BOOTS=${BENCH_BOOTS:-1} BENCH_NAMES=${BENCH_NAMES:-}
# QEMU on one host thread, as Bochs: the two emulated CPUs take turns,
# which times the same way from run to run; with a thread each (MTTCG),
# waking an idle emulated CPU takes milliseconds, which a vCPU woken from
# HLT (ipi_pingpong) pays on hv and KVM's halt polling hides.
export TESTBED_QEMU_ACCEL=${TESTBED_QEMU_ACCEL:-tcg,thread=single}

native=0 report_only=0
case ${1:-} in
-n) native=1 ;;
--report) report_only=1 ;;
--switch) shift ;;
"") ;;
*) die "usage: bench.sh [-n | --report]" ;;
esac

# ---- native: the modules in turn ----

# kvm_module: the vendor's KVM module on this CPU.
kvm_module() {
	case $(grep -m1 -ow -E 'svm|vmx' /proc/cpuinfo) in
	svm) echo kvm_amd ;;
	vmx) echo kvm_intel ;;
	esac
}

# switch_to ACCEL: leave loaded only what ACCEL needs (bench-rounds.sh -S).
# KVM since 6.12 holds VT-x/AMD-V from its load on, and hv refuses a CPU
# that another hypervisor holds: one at a time.
switch_to() {
	local kvm
	kvm=$(kvm_module)
	case $1 in
	hv)
		! grep -q "^$kvm " /proc/modules || modprobe -r "$kvm"
		grep -q '^hv ' /proc/modules || insmod "$TOP/hv.ko"
		;;
	kvm)
		! grep -q '^hv ' /proc/modules || rmmod hv
		modprobe "$kvm"
		;;
	esac
}

if [ "${1:-}" = hv ] || [ "${1:-}" = kvm ]; then
	switch_to "$1"	# bench.sh --switch ACCEL
	exit
fi

run_native() {
	local kvm cpu
	cpu=$(grep -m1 -ow -E 'svm|vmx' /proc/cpuinfo) ||
		die "this CPU shows neither svm nor vmx: run make bench without -n (emulated hosts)"
	[ "$(id -u)" = 0 ] || die "bench.sh -n loads and unloads modules: run it as root"
	kvm=$(kvm_module)
	if [ -r "/sys/module/$kvm/refcnt" ] && [ "$(cat "/sys/module/$kvm/refcnt")" != 0 ]; then
		die "$kvm is in use (a KVM VM runs): stop it first"
	fi
	grep -q '^hv ' /proc/modules && [ "$(cat /sys/module/hv/refcnt)" != 0 ] &&
		die "hv is in use (an hv VM runs): stop it first"
	step module make module -j"$JOBS" || die "hv.ko did not build"
	step bench make -C selftests bench || die "hv_bench did not build"
	step hvctl make -C cli || die "hvctl did not build"
	mkdir -p "$BUILD/guest"
	step guest-initramfs build_guest_initramfs "$BUILD/guest" ||
		die "could not build the Linux guest's initramfs"
	ln -sf "/boot/vmlinuz-$(uname -r)" "$BUILD/guest/vmlinuz"
	say "$cpu: running here, $kvm and hv.ko in turn"
	# shellcheck disable=SC2086 # BENCH_NAMES is a list
	LD_LIBRARY_PATH=$TOP/lib sh selftests/bench/bench-rounds.sh \
		-r "$BENCH_ROUNDS" -t "$BENCH_MS" -L "$BENCH_BOOTS" \
		-k "$BUILD/guest" -c "$(hvctl_path)" \
		-S "$TOP/selftests/testbed/bench.sh --switch" \
		selftests/build/hv_bench $BENCH_NAMES | tee "$BUILD/$cpu.log" || true
	switch_to kvm
	VENDORS=$cpu
}

# ---- emulated ----

run_emulated() {
	local v
	prepare_boot
	step bench make -C selftests bench || die "hv_bench did not build"
	step guests build_guests || die "the sample guests did not build"
	VENDORS=${BENCH_VENDORS:-svm vmx}
	# One host at a time: two emulators side by side would time each other.
	for v in $VENDORS; do
		run_vendor "$v" bench "$KVER"
	done
}

# ---- report ----

# human NS: a time in the unit that suits it
human() {
	awk -v t="$1" 'BEGIN {
		if (t == "-") print "-"
		else if (t < 1e4) printf "%.0f ns\n", t
		else if (t < 1e7) printf "%.1f us\n", t / 1e3
		else if (t < 1e10) printf "%.1f ms\n", t / 1e6
		else printf "%.1f s\n", t / 1e9 }'
}

# spread MIN MAX MEDIAN: the range around the median, in percent
spread() {
	awk -v lo="$1" -v hi="$2" -v m="$3" 'BEGIN {
		if (m == "-" || m == 0) print "-"
		else printf "-%.0f/+%.0f%%\n", 100 * (m - lo) / m, 100 * (hi - m) / m }'
}

# what_ran VENDOR: emulator and CPU model of a host, for the table and JSON
what_ran() {
	if [ "$native" = 1 ]; then
		echo "native, $(uname -r)"
		return
	fi
	case $1 in
	svm) echo "QEMU $(qemu-system-x86_64 --version | awk 'NR == 1 { print $4 }') -accel $TESTBED_QEMU_ACCEL -cpu EPYC, Debian $KVER" ;;
	vmx) echo "Bochs $(dpkg-query -W -f='${Version}' bochs) corei7_skylake_x, Debian $KVER" ;;
	esac
}

table() { # STATS VENDOR
	printf '\n%s (%s): median of %s rounds, spread least..greatest\n' \
		"$2" "$(what_ran "$2")" "$BENCH_ROUNDS"
	printf '%-26s %10s %11s %10s %11s %7s\n' benchmark hv spread kvm spread hv/kvm
	awk -v v="$2" '$1 == v' "$1" | while read -r _ name _ hm hl hh _ km kl kh ratio; do
		printf '%-26s %10s %11s %10s %11s %7s\n' "$name" \
			"$(human "$hm")" "$(spread "$hl" "$hh" "$hm")" \
			"$(human "$km")" "$(spread "$kl" "$kh" "$km")" "$ratio"
	done
}

json() { # STATS
	local v first=1
	printf '{\n  "date": "%s",\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	printf '  "hv_version": "%s",\n  "commit": "%s",\n' "$(cat "$TOP/VERSION")" "$COMMIT"
	printf '  "machine": { "cpu": "%s", "cpus": %s, "kernel": "%s" },\n' \
		"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)" \
		"$(nproc)" "$(uname -r)"
	printf '  "rounds": %s, "min_ms": %s, "unit": "ns",\n  "hosts": [\n' \
		"$BENCH_ROUNDS" "$BENCH_MS"
	for v in $VENDORS; do
		[ $first = 1 ] || printf ',\n'
		first=0
		printf '    { "vendor": "%s", "host": "%s", "benchmarks": [\n' "$v" "$(what_ran "$v")"
		awk -v v="$v" '
			function num(x) { return x == "-" ? "null" : x }
			$1 == v {
				printf "%s      { \"name\": \"%s\", \"hv\": { \"n\": %s, \"median\": %s, \"min\": %s, \"max\": %s }, \"kvm\": { \"n\": %s, \"median\": %s, \"min\": %s, \"max\": %s }, \"ratio\": %s }", \
					n++ ? ",\n" : "", $2, $3, num($4), num($5), num($6), $7, num($8), num($9), num($10), num($11)
			}
			END { print "" }' "$1"
		printf '    ] }'
	done
	printf '\n  ]\n}\n'
}

# plot STATS PNG: the hv/KVM ratio of each benchmark, one bar per host
plot() {
	local data=$BUILD/ratios.dat v cols=() i=2
	{
		printf '# benchmark'
		for v in $VENDORS; do printf ' %s' "$v"; done
		echo
		awk '{ print $2 }' "$1" | awk '!seen[$0]++' | while read -r name; do
			printf '%s' "$name"
			for v in $VENDORS; do
				printf ' %s' "$(awk -v v="$v" -v n="$name" '$1 == v && $2 == n { r = $11 }
					END { print (r == "" || r == "-") ? "NaN" : r }' "$1")"
			done
			echo
		done
	} >"$data"
	for v in $VENDORS; do
		cols+=("'$data' using $i:xtic(1) title '$v ($(what_ran "$v" | cut -d' ' -f1))'")
		i=$((i + 1))
	done
	gnuplot <<-EOF
		set terminal pngcairo size 1200,600 font ',10' noenhanced
		set output '$2'
		set title "hv / KVM time per operation (below 1: hv is faster), hv $(cat "$TOP/VERSION") ($COMMIT)"
		set style data histograms
		set style histogram clustered gap 1
		set style fill solid 0.8 border -1
		set key top center
		set yrange [0:*]
		set grid ytics
		set xtics rotate by -35
		set bmargin 8
		set datafile missing 'NaN'
		set arrow from graph 0, first 1 to graph 1, first 1 nohead lw 2 lc rgb 'black'
		set arrow from graph 0, first 0.8 to graph 1, first 0.8 nohead dt 2 lw 2 lc rgb 'dark-green'
		set label 'goal 0.8' at graph 0.01, first 0.8 left offset 0, 0.6 tc rgb 'dark-green'
		plot $(IFS=,; echo "${cols[*]}")
	EOF
}

report() {
	local raw=$BUILD/raw.txt stats=$BUILD/stats.txt v base
	: >"$raw"
	for v in $VENDORS; do
		tr -d '\r' <"$BUILD/$v.log" | sed 's/^\[[a-z-]*\] //' |
			awk -v v="$v" '$1 == "bench" { print v, $2, $3, $4 }' >>"$raw"
	done
	[ -s "$raw" ] || die "no benchmark results; logs: $BUILD/*.log"
	awk -f "$TOP/selftests/bench/report.awk" "$raw" >"$stats"
	for v in $VENDORS; do
		table "$stats" "$v"
		tr -d '\r' <"$BUILD/$v.log" | grep -a -E '^# (round|linux_boot|could not|timed out|[^ ]+ on [a-z]+: the guest)' |
			sed 's/^/   /' || true
	done
	mkdir -p "$RESULTS"
	base=$RESULTS/$(date -u +%Y%m%d-%H%M)-$COMMIT
	json "$stats" >"$base.json"
	plot "$stats" "$base.png" || say "gnuplot failed: no plot"
	echo
	say "results: $base.json, $base.png; raw figures: $raw"
}

COMMIT=$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$TOP" diff --quiet HEAD 2>/dev/null || COMMIT=$COMMIT-dirty
if [ "$report_only" = 1 ]; then
	KVER=$(pick_kver)
	VENDORS=${BENCH_VENDORS:-svm vmx}
elif [ "$native" = 1 ]; then
	run_native
else
	run_emulated
fi
report
