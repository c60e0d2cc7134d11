#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run the hv selftests and print TAP on stdout, the way the kernel's
# kselftest runner does: one top-level TAP line per test binary, each
# binary's own TAP output (and stderr) before it, prefixed with "# ".
#
#   run_all.sh [test ...]     default: every binary in tests.list
#
# The binaries are looked for in build/ next to this script, or else in the
# script's own directory (a copy of build/). Exit status: 0 when no binary
# failed (skips are fine), 1 otherwise. POSIX sh; runs under busybox ash.

dir=$(cd "$(dirname "$0")" && pwd)
bindir=$dir
[ -d "$dir/build" ] && [ -f "$dir/build/tests.list" ] && bindir=$dir/build

# A binary exits 4 when all its tests were skipped (kselftest KSFT_SKIP).
KSFT_SKIP=4
# No test binary should come near this; each test has its own timeout.
# Keep it below the testbed's limit for the whole run (SELFTESTS_TIMEOUT).
BIN_TIMEOUT=${HV_SELFTEST_BIN_TIMEOUT:-300}

if [ $# -gt 0 ]; then
	tests=$*
else
	tests=$(sed -e 's/#.*//' "$bindir/tests.list")
fi

n=0
for t in $tests; do
	n=$((n + 1))
done

tmp=${TMPDIR:-/tmp}/hv-selftest.$$
pidf=$tmp.pid
trap 'rm -f "$tmp" "$pidf"' EXIT
# Stopped from outside (the testbed's timeout): stop the running binary too
# and say so, rather than carrying on with the next one.
stopped() {
	trap - INT TERM
	echo "# run_all.sh: stopped by a signal"
	[ -f "$pidf" ] && kill -TERM "$(cat "$pidf")" 2>/dev/null
	exit 143
}
trap stopped INT TERM

run_timeout=
if command -v timeout >/dev/null 2>&1; then
	run_timeout="timeout $BIN_TIMEOUT"
fi

echo "TAP version 13"
echo "1..$n"
i=0
failed=0
for t in $tests; do
	i=$((i + 1))
	echo "# selftests: hv: $t"
	if [ ! -x "$bindir/$t" ]; then
		echo "not ok $i selftests: hv: $t # missing $bindir/$t"
		failed=1
		continue
	fi
	# A pipeline's status is its last command's: keep the test's own. It
	# runs in the background because the shell only runs a trap between
	# commands, and "wait" is one a signal can interrupt.
	rm -f "$tmp"
	{
		(cd "$bindir" && exec $run_timeout "./$t" 2>&1) &
		echo $! >"$pidf"
		wait $!
		echo $? >"$tmp"
	} | sed -e 's/^/# /' &
	wait $!
	rc=$(cat "$tmp" 2>/dev/null || echo lost)
	if [ "$rc" = 0 ]; then
		echo "ok $i selftests: hv: $t"
	elif [ "$rc" = "$KSFT_SKIP" ]; then
		echo "ok $i selftests: hv: $t # SKIP"
	else
		echo "not ok $i selftests: hv: $t # exit=$rc"
		failed=1
	fi
done
exit $failed
