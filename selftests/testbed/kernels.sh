#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-kernels: build hv.ko against other Debian kernels than the one
# `make check` boots, to keep module/compat.h honest. Each kernel's headers
# expect the compiler they were built with, so each build runs in a
# debootstrap chroot of its suite (kept in build/chroots/ for next time).
# Build only: the emulated host boots Debian 12's kernel.
#
# KERNEL_SUITES (default "trixie"): Debian suites whose linux-headers-amd64
# to build against.

set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
BUILD=${TESTBED_BUILD:-$TOP/build/kernels}
CHROOTS=$TOP/build/chroots

command -v debootstrap >/dev/null ||
	{ apt-get update -q && apt-get install -y -q debootstrap; } </dev/null

# chroot_for SUITE: a chroot with gcc, make and the suite's kernel headers.
chroot_for() {
	local suite=$1 dir=$CHROOTS/$1
	if [ ! -f "$dir/.ready" ]; then
		rm -rf "$dir"
		mkdir -p "$CHROOTS"
		say "debootstrap $suite (once; kept in $dir)"
		# the archive this machine's bookworm comes from serves the
		# other suites too
		debootstrap --variant=minbase \
			--include=gcc,make,libelf-dev,linux-headers-amd64 \
			"$suite" "$dir" "$(apt_mirror bookworm)" >"$CHROOTS/$suite.log" 2>&1 ||
			die "debootstrap $suite failed: $CHROOTS/$suite.log"
		touch "$dir/.ready"
	fi
	echo "$dir"
}

passed=0 failed=0
for suite in ${KERNEL_SUITES:-trixie}; do
	dir=$(chroot_for "$suite")
	kdir=$(cd "$dir/usr/src" && ls -d linux-headers-*-amd64 | sort -V | tail -n 1)
	rm -rf "$dir/src/hv"
	mkdir -p "$dir/src/hv"
	cp -r "$TOP/Kbuild" "$TOP/Makefile" "$TOP/module" "$TOP/uapi" "$dir/src/hv/"
	mkdir -p "$BUILD"
	log=$BUILD/$suite.log
	if chroot "$dir" make -C /src/hv module KDIR="/usr/src/$kdir" >"$log" 2>&1 &&
	   ! grep -E 'warning:|WARNING:' "$log"; then
		echo "ok - hv.ko builds against $suite ($kdir)"
		passed=$((passed + 1))
	else
		tail -n 30 "$log"
		echo "not ok - hv.ko against $suite ($kdir): $log"
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
