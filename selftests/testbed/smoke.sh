#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# hvctl smoke tests, printed as TAP. POSIX sh: runs under busybox in the
# testbed's initramfs and under the host's sh in native.sh.
#
#   smoke.sh [-b svm|vmx] [-t SECONDS] HVCTL GUEST_DIR
#
# -b: the backend `hvctl info` must name (default: svm); -t: how long one
# hvctl run may take (default 60). GUEST_DIR holds the flat guests built from
# guests/*.S (long_hello.bin, ...).

usage() {
	echo "usage: $0 [-b svm|vmx] [-t SECONDS] HVCTL GUEST_DIR" >&2
	exit 2
}

backend=svm
secs=60
while getopts b:t: opt; do
	case $opt in
	b) backend=$OPTARG ;;
	t) secs=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || usage
hvctl=$1
guests=$2

out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT
n=0

# run ARGS...: run hvctl with a time limit; its status in $rc, its stdout and
# stderr in $out.
run() {
	timeout "$secs" "$hvctl" "$@" >"$out" 2>&1
	rc=$?
}

# expect NAME STATUS [TEXT | ~REGEX]...: one TAP line saying whether the last
# run ended with STATUS and printed each TEXT (exactly) and something matching
# each ~REGEX (extended, any case). The run's output follows as a comment.
expect() {
	name=$1
	want=$2
	shift 2
	why=
	[ "$rc" -eq "$want" ] || why="exit status $rc, expected $want"
	for pat; do
		case $pat in
		"~"*) grep -qiE -- "${pat#"~"}" "$out" ;;
		*) grep -qF -- "$pat" "$out" ;;
		esac || why="${why:+$why; }no output matching '$pat'"
	done
	n=$((n + 1))
	if [ -z "$why" ]; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name"
		echo "# $why"
	fi
	echo "# \$ hvctl $cmd"
	head -n 40 "$out" | sed 's/^/#   | /'
}

# t ARGS...: run hvctl ARGS (and remember them for the report)
t() {
	cmd=$*
	run "$@"
}

echo "TAP version 13"
echo "1..16"

t info
expect "hvctl info names the $backend backend" 0 "~backend.*$backend"

t run "$guests/long_hello.bin"
expect "long-mode guest prints and exits with value 0" 1 \
	"Hello from a long-mode guest"

t run --mode real "$guests/real_hello.bin"
expect "real-mode guest prints and exits with value 2" 5 \
	"Hello from a real-mode guest"

t run --mode protected "$guests/protected_hello.bin"
expect "protected-mode guest prints and exits with value 3" 7 \
	"Hello from a protected-mode guest"

t run "$guests/halt.bin"
expect "HLT with interrupts off ends the run" 1 "~halt|hlt"

t run "$guests/triple_fault.bin"
expect "a triple fault ends the run" 1 "~shut ?down|triple"

t run "$guests/no-such-guest.bin"
expect "a missing guest file is an error" 1 "~no-such-guest|no such file"

t run --stats "$guests/long_hello.bin"
expect "run --stats prints the exit counters" 1 \
	"Hello from a long-mode guest" "~exit.*[0-9]"

t run
expect "run without a file is a usage error" 2

t no-such-command
expect "an unknown subcommand is a usage error" 2

# run --kernel: what the option parser and the kernel probe refuse, before
# hvctl opens the device.
t run --kernel
expect "run --kernel without a file is a usage error" 2 "requires an argument"

t run --kernel "$guests/multiboot.elf" --mode real
expect "run --kernel with --mode is a usage error" 2 "~--mode.*not with --kernel"

t run --initrd "$guests/long_hello.bin" "$guests/long_hello.bin"
expect "run --initrd without --kernel is a usage error" 2 "--initrd goes with --kernel"

t run --kernel "$guests/multiboot.elf" --vcpus 0
expect "run --kernel --vcpus 0 is a usage error" 2 "bad --vcpus value '0'"

t run --kernel "$guests/long_hello.bin"
expect "run --kernel of a flat binary says what it is not" 1 \
	"neither a Linux bzImage nor a multiboot kernel"

t run --kernel "$guests/multiboot.elf" --initrd "$guests/long_hello.bin"
expect "run --kernel of a multiboot kernel refuses --initrd" 1 "~multiboot kernel.*--initrd"
