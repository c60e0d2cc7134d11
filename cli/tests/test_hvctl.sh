#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The options of hvctl itself, without a device: --version prints the
# package's version, --help and no command behave as documented.
# Usage: test_hvctl.sh HVCTL VERSION. Prints "ok N - ..." lines and
# "N passed, N failed".

hvctl=$1 version=$2
. "$(dirname "$0")/../../selftests/tap.sh"

out=$("$hvctl" --version) && status=0 || status=$?
tap_check "--version exits 0" [ "$status" = 0 ]
tap_check "--version prints 'hvctl $version (...)'" \
	eval 'case $out in "hvctl $version (libhv "*", hv API "*")") true ;; *) false ;; esac'
out=$("$hvctl" -V)
tap_check "-V is --version" eval 'case $out in "hvctl $version "*) true ;; *) false ;; esac'
out=$("$hvctl" --help) && status=0 || status=$?
tap_check "--help exits 0 and lists --version" \
	eval '[ "$status" = 0 ] && case $out in *--version*) true ;; *) false ;; esac'
"$hvctl" >/dev/null 2>&1 && status=0 || status=$?
tap_check "no command is a usage error (2)" [ "$status" = 2 ]

tap_summary
