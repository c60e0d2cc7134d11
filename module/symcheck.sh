#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# hv's non-static symbols use the hv_ prefix, which Hyper-V also uses for
# its exports. Fail the build if any of ours is exported by the kernel
# being built against. Usage: symcheck.sh hv.ko KDIR/Module.symvers
ko=$1
symvers=$2
[ -f "$symvers" ] || { echo "symcheck: no $symvers, skipped" >&2; exit 0; }
clash=$(nm "$ko" | awk '$2 ~ /^[TDBR]$/ { print $3 }' | sort -u > "$ko.syms" &&
	awk '{ print $2 }' "$symvers" | sort -u | comm -12 "$ko.syms" -)
rm -f "$ko.syms"
if [ -n "$clash" ]; then
	echo "symcheck: hv.ko defines symbols the kernel exports:" >&2
	echo "$clash" >&2
	exit 1
fi
