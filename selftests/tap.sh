# SPDX-License-Identifier: GPL-2.0
#
# TAP for shell tests (POSIX sh, sourced): tap_check DESCRIPTION COMMAND...
# prints "ok N - DESCRIPTION" when COMMAND succeeds, else "not ok N - ...";
# tap_result STATUS DESCRIPTION does the same for a status already known
# and returns it; tap_skip DESCRIPTION WHY counts as passed; tap_summary
# prints "N passed, N failed" and fails when something did.

tap_passed=0
tap_failed=0

tap_result() {
	if [ "$1" = 0 ]; then
		tap_passed=$((tap_passed + 1))
		echo "ok $((tap_passed + tap_failed)) - $2"
	else
		tap_failed=$((tap_failed + 1))
		echo "not ok $((tap_passed + tap_failed)) - $2"
	fi
	return "$1"
}

# Always returns 0: a failed check is counted, and the test goes on.
tap_check() {
	tap_desc=$1
	shift
	if "$@"; then
		tap_result 0 "$tap_desc"
	else
		tap_result 1 "$tap_desc" || true
	fi
}

tap_skip() {
	tap_passed=$((tap_passed + 1))
	echo "ok $((tap_passed + tap_failed)) - $1 # SKIP $2"
}

tap_summary() {
	echo "$tap_passed passed, $tap_failed failed"
	[ "$tap_failed" = 0 ]
}
