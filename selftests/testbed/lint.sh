#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make lint: the kernel's own checks on hv.ko's sources.
#   1. checkpatch.pl --strict on module/ (*.c, *.h, *.S) and the uapi header;
#      checkpatch comes from Debian's linux-source tarball, extracted once
#      into build/lint/.
#   2. A full build of hv.ko with W=1 (extra compiler warnings) and C=2
#      (sparse on every file), against the Debian headers, in a copy of the
#      tree so that the build's objects are left alone.
# Fails when any of them reports anything; prints what it found.

set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LINT=$TOP/build/lint

ensure_packages
KVER=$(pick_kver)
KDIR=/usr/src/linux-headers-$KVER
mkdir -p "$LINT"
cd "$TOP"
problems=0

# ---- checkpatch ----

tarball=$(printf '%s\n' /usr/src/linux-source-*.tar.xz | sort -V | tail -n 1)
[ -f "$tarball" ] || die "no /usr/src/linux-source-*.tar.xz (apt-get install linux-source)"
src=$(basename "$tarball" .tar.xz)
cpdir=$LINT/$src
if [ ! -f "$cpdir/checkpatch.pl" ]; then
	say "extracting checkpatch.pl from $tarball"
	mkdir -p "$cpdir"
	tar -xJf "$tarball" -C "$cpdir" --strip-components=2 \
		"$src/scripts/checkpatch.pl" "$src/scripts/spelling.txt" \
		"$src/scripts/const_structs.checkpatch"
fi

checkpatch() {
	perl "$cpdir/checkpatch.pl" --strict --no-tree --color=never --show-types -f "$@" 2>&1 || true
}
# the sources, not what the build generates (module/compat-gen.h): what git
# tracks or would track
if git rev-parse --git-dir >/dev/null 2>&1; then
	mapfile -t files < <(git ls-files --cached --others --exclude-standard -- \
		'module/*.c' 'module/*.h' 'module/*.S' | LC_ALL=C sort -u)
else
	mapfile -t files < <(find module -name '*.[chS]' ! -name compat-gen.h | LC_ALL=C sort)
fi
say "checkpatch --strict: ${#files[@]} files in module/ and uapi/linux/hv.h"
checkpatch "${files[@]}" >"$LINT/checkpatch.log"
# checkpatch applies its uapi rules (no BIT(), C99 types allowed) to paths
# under include/uapi/: check the header where the kernel would keep it.
mkdir -p "$LINT/view/include/uapi/linux"
cp uapi/linux/hv.h "$LINT/view/include/uapi/linux/hv.h"
(cd "$LINT/view" && checkpatch include/uapi/linux/hv.h) |
	sed 's|include/uapi/linux/hv\.h|uapi/linux/hv.h|g' >>"$LINT/checkpatch.log"
n=$(grep -cE '^(ERROR|WARNING|CHECK):' "$LINT/checkpatch.log" || true)
if [ "$n" -gt 0 ]; then
	sed -n '/^\(ERROR\|WARNING\|CHECK\):/,/^$/p' "$LINT/checkpatch.log"
	say "checkpatch: $n problems"
	problems=$((problems + n))
else
	say "checkpatch: clean"
fi

# ---- W=1 and sparse ----

tree=$LINT/tree
rm -rf "$tree"
mkdir -p "$tree"
tar -cf - --exclude=./.git --exclude=./build . | tar -xf - -C "$tree"
make -C "$KDIR" M="$tree" clean >/dev/null 2>&1 || true
say "make module W=1 C=2 (sparse) against $KDIR"
rc=0
make -C "$tree" module KVER="$KVER" KDIR="$KDIR" W=1 C=2 -j"$JOBS" \
	>"$LINT/build.log" 2>&1 || rc=$?
n=$(grep -cE ': (warning|error): ' "$LINT/build.log" || true)
if [ "$n" -gt 0 ]; then
	grep -E -A 3 ': (warning|error): ' "$LINT/build.log" | sed "s|$tree/||g"
	say "W=1 / sparse: $n warnings or errors"
	problems=$((problems + n))
fi
if [ $rc != 0 ]; then
	tail -n 20 "$LINT/build.log" | sed "s|$tree/||g"
	say "W=1 / sparse: the build failed (status $rc)"
	problems=$((problems + 1))
elif [ "$n" = 0 ]; then
	say "W=1 / sparse: clean"
fi

if [ $problems -gt 0 ]; then
	say "lint: $problems problems (logs in $LINT)"
	exit 1
fi
say "lint: clean"
