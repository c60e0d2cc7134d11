#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The options of hvctl itself, without a device: --version prints the
# package's version, --help and no command behave as documented.
# Usage: test_hvctl.sh HVCTL VERSION. Prints "ok N - ..." lines and
# "N passed, N failed".

hvctl=$1 version=$2
passed=0 failed=0

check() {
	desc=$1
	shift
	if "$@"; then
		passed=$((passed + 1))
		echo "ok $((passed + failed)) - $desc"
	else
		failed=$((failed + 1))
		echo "not ok $((passed + failed)) - $desc"
	fi
}

out=$("$hvctl" --version) && status=0 || status=$?
check "--version exits 0" [ "$status" = 0 ]
check "--version prints 'hvctl $version (...)'" \
	eval 'case $out in "hvctl $version (libhv "*", hv API "*")") true ;; *) false ;; esac'
out=$("$hvctl" -V)
check "-V is --version" eval 'case $out in "hvctl $version "*) true ;; *) false ;; esac'
out=$("$hvctl" --help) && status=0 || status=$?
check "--help exits 0 and lists --version" \
	eval '[ "$status" = 0 ] && case $out in *--version*) true ;; *) false ;; esac'
"$hvctl" >/dev/null 2>&1 && status=0 || status=$?
check "no command is a usage error (2)" [ "$status" = 2 ]

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
