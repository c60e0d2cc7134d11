#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The measuring half of `make bench` (docs/BENCH.md), in POSIX sh: runs in
# the emulated hosts' initramfs under busybox (init.sh) and natively
# (selftests/testbed/bench.sh -n).
#
#   bench-rounds.sh [-r ROUNDS] [-t MS] [-L BOOTS] [-k GUEST_DIR -c HVCTL]
#                   [-T SECONDS] [-a APPEND] [-A "ACCELS"] [-S SWITCH]
#                   HV_BENCH [NAME...]
#
# ROUNDS rounds (default 5), each running HV_BENCH once per accelerator,
# alternating (hv kvm hv kvm ...), so that whatever drifts over the run
# (the machine's load, its clock, the emulator's caches) weighs on both
# alike. -t is hv_bench's -t; NAMEs pick its benchmarks. With -k (a
# directory with vmlinuz and initrd.gz from guest-init.sh) and -c (hvctl),
# also BOOTS rounds (default 1) of linux_boot: hvctl boots the Linux guest,
# one vCPU, 256 MiB, on each accelerator in turn (HV_ACCEL), timed from
# starting hvctl to the marker line of the guest's /init (a boot may take
# -T seconds, default 900, then hvctl gets SIGKILL; -a: more kernel
# parameters for the guest). -A: the accelerators
# and their order (default "hv kvm"). -S: a command run as "SWITCH ACCEL"
# before each run on ACCEL, to load what it needs (bench.sh -n).
#
# Prints hv_bench's lines ("bench NAME ACCEL VALUE UNIT ITERATIONS") and a
# comment line for each failure; exits 1 if anything failed.

usage() {
	echo "usage: $0 [-r ROUNDS] [-t MS] [-L BOOTS] [-k GUEST_DIR -c HVCTL] [-T SECONDS] [-a APPEND] [-A ACCELS] [-S SWITCH] HV_BENCH [NAME...]" >&2
	exit 2
}

rounds=5
ms=200
boots=1
guest=
hvctl=
secs=900
append=
accels="hv kvm"
switch=
while getopts r:t:L:k:c:T:a:A:S: opt; do
	case $opt in
	r) rounds=$OPTARG ;;
	t) ms=$OPTARG ;;
	L) boots=$OPTARG ;;
	k) guest=$OPTARG ;;
	c) hvctl=$OPTARG ;;
	T) secs=$OPTARG ;;
	a) append=$OPTARG ;;
	A) accels=$OPTARG ;;
	S) switch=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage
bench=$1
shift
[ -n "$guest" ] && [ -z "$hvctl" ] && usage

MARKER='HV-GUEST: init reached'
failed=0

# now: uptime in hundredths of a second
now() { awk '{ printf "%d\n", $1 * 100 }' /proc/uptime; }

# use ACCEL: make ACCEL usable (-S)
use() {
	[ -z "$switch" ] && return 0
	# shellcheck disable=SC2086 # a command line
	$switch "$1" || {
		echo "# could not switch to $1: $switch $1 failed"
		return 1
	}
}

# linux_boot ACCEL: boot the guest once and print its bench line: the time
# to the marker line. The guest powers off after it (hv.end=poweroff);
# hvctl's exit status is not looked at.
linux_boot() {
	tmp=$(mktemp) || return 1
	t0=$(now)
	HV_ACCEL=$1 timeout -s KILL "$secs" "$hvctl" run --kernel "$guest/vmlinuz" --initrd "$guest/initrd.gz" \
		--cmdline "console=ttyS0 quiet panic=-1 hv.end=poweroff${append:+ $append}" \
		--vcpus 1 --mem 256M </dev/null 2>&1 |
		while IFS= read -r line; do
			case $line in
			*"$MARKER"*) [ -s "$tmp" ] || now >"$tmp" ;;
			esac
		done
	t1=$(cat "$tmp")
	rm -f "$tmp"
	if [ -z "$t1" ]; then
		echo "# linux_boot on $1: no '$MARKER' line"
		return 1
	fi
	echo "bench linux_boot $1 $(((t1 - t0) * 10000000)).0 ns 1"
}

i=1
while [ "$i" -le "$rounds" ]; do
	for a in $accels; do
		if ! { use "$a" && "$bench" -a "$a" -t "$ms" "$@"; }; then
			echo "# round $i: hv_bench on $a failed"
			failed=1
		fi
	done
	i=$((i + 1))
done
if [ -n "$guest" ]; then
	i=1
	while [ "$i" -le "$boots" ]; do
		for a in $accels; do
			{ use "$a" && linux_boot "$a"; } || failed=1
		done
		i=$((i + 1))
	done
fi
exit $failed
