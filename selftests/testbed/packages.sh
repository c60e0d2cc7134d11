#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-packages: the Debian packages (make deb) installed in a clean
# Debian 12 chroot, and make install/uninstall into a staging directory.
#
# In the chroot (a fresh copy of a pristine debootstrap --variant=minbase
# bookworm, cached as a tarball in TESTBED_CACHE, by default
# ~/.cache/hv-testbed/): apt-get installs the local .debs with the Debian
# kernel headers, so that hv-dkms builds hv.ko through DKMS; then dkms
# status, hvctl --version, the man pages, a program built with pkg-config
# against libhv (hv_open() must fail cleanly: there is no /dev/hv), and a
# purge. The debootstrap mirror is the one this machine's apt uses for
# bookworm. Downloaded packages are kept in TESTBED_CACHE/apt-archives/.
#
# Needs root (debootstrap, chroot, mount). Prints TAP lines and
# "N passed, N failed"; exits non-zero on a failure.

set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$TESTBED/../tap.sh"

SUITE=bookworm
CACHE=${TESTBED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hv-testbed}
PRISTINE=$CACHE/$SUITE-minbase.tar.gz
ARCHIVES=$CACHE/apt-archives
VERSION=$(cat "$TOP/VERSION")
START=$SECONDS

[ "$(id -u)" = 0 ] || die "packages.sh needs root (debootstrap, chroot, mount)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/hv-packages.XXXXXX")
ROOT=$WORK/root
# Nothing is ever mounted outside in_root's own mount namespace.
trap 'rm -rf --one-file-system "$WORK"' EXIT
trap 'exit 130' INT TERM HUP

# in_root COMMAND...: in the test's chroot, apt's archive cache bound in.
in_root() { CHROOT_BINDS=$ARCHIVES:/var/cache/apt/archives in_chroot "$ROOT" "$@"; }

# The pristine chroot, made once (a few minutes) and kept as a tarball.
pristine() {
	local uri tmp
	[ -s "$PRISTINE" ] && return 0
	command -v debootstrap >/dev/null || apt_install debootstrap >/dev/null
	uri=$(apt_mirror "$SUITE")
	mkdir -p "$CACHE"
	tmp=$(mktemp -d "$CACHE/debootstrap.XXXXXX")
	say "debootstrap --variant=minbase $SUITE from $uri (once; kept as $PRISTINE)"
	if ! debootstrap --variant=minbase "$SUITE" "$tmp/root" "$uri" >"$CACHE/debootstrap.log" 2>&1; then
		rm -rf --one-file-system "$tmp"
		die "debootstrap failed: $CACHE/debootstrap.log"
	fi
	tar -C "$tmp/root" -czf "$PRISTINE.tmp" .
	mv "$PRISTINE.tmp" "$PRISTINE"
	rm -rf --one-file-system "$tmp"
}

# ---- make install / make uninstall into a staging directory ----

STAGE=$WORK/stage
EXPECTED="/lib/udev/rules.d/60-hv.rules
/usr/bin/hvctl
/usr/include/libhv.h
/usr/include/libhv/linux/hv.h
/usr/lib/libhv.a
/usr/lib/libhv.so
/usr/lib/libhv.so.1
/usr/lib/libhv.so.1.3.0
/usr/lib/pkgconfig/libhv.pc
/usr/share/man/man1/hvctl.1
/usr/share/man/man3/libhv.3"
staged() { (cd "$STAGE" && find . ! -type d | sed 's/^\.//' | sort); }
installed=$(make -C "$TOP" -s install DESTDIR="$STAGE" PREFIX=/usr >"$WORK/install.log" 2>&1 && staged) ||
	{ tail -n 20 "$WORK/install.log"; installed="(make install failed)"; }
tap_check "make install DESTDIR PREFIX=/usr lays out libhv, hvctl, man pages, udev rule" \
	[ "$installed" = "$EXPECTED" ]
[ "$installed" = "$EXPECTED" ] || diff <(echo "$EXPECTED") <(echo "$installed") | sed 's/^/#   /' || :
make -C "$TOP" -s uninstall DESTDIR="$STAGE" PREFIX=/usr >>"$WORK/install.log" 2>&1 || :
left=$(staged)
tap_check "make uninstall with the same variables leaves no files" [ -z "$left" ]
[ -z "$left" ] || echo "$left" | sed 's/^/#   left: /'

# ---- the packages ----

say "make deb (log: build/deb.log)"
mkdir -p "$TOP/build"
if make -C "$TOP" deb >"$TOP/build/deb.log" 2>&1; then deb_ok=1; else deb_ok=0; fi
tap_check "make deb builds the packages" [ "$deb_ok" = 1 ]
[ "$deb_ok" = 1 ] || { tail -n 30 "$TOP/build/deb.log"; tap_summary; exit 1; }
if command -v lintian >/dev/null; then
	tap_check "lintian --pedantic: no error or warning in the packages" \
		eval 'lintian --pedantic --fail-on error,warning "$TOP"/build/deb/*.changes 2>&1 |
			grep -v "root privileges" | sed "s/^/#   /"; [ "${PIPESTATUS[0]}" = 0 ]'
else
	tap_skip lintian "not installed"
fi
debs=()
for p in hv-dkms libhv1 libhv-dev hvctl; do
	debs+=("$(ls "$TOP"/build/deb/${p}_*.deb)")
done

pristine
say "a fresh $SUITE chroot in $ROOT"
mkdir -p "$ROOT" "$ARCHIVES/partial"
tar -C "$ROOT" -xzf "$PRISTINE"
# Its own /dev (debootstrap's nodes, no /dev/hv); no daemons started.
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
chmod 0755 "$ROOT/usr/sbin/policy-rc.d"
mkdir -p "$ROOT/tmp/debs"
cp "${debs[@]}" "$ROOT/tmp/debs/"

say "apt-get install of the local packages and linux-headers-amd64 (log: build/packages-apt.log)"
apt_ok=0
in_root sh -c 'apt-get update -q &&
	apt-get install -y -q --no-install-recommends /tmp/debs/*.deb linux-headers-amd64 man-db \
		gcc libc6-dev pkg-config' >"$TOP/build/packages-apt.log" 2>&1 && apt_ok=1
tap_check "apt-get installs hv-dkms, libhv1, libhv-dev, hvctl with linux-headers-amd64" [ "$apt_ok" = 1 ]
[ "$apt_ok" = 1 ] || tail -n 30 "$TOP/build/packages-apt.log"

kver=$(headers_kver "$ROOT")
status=$(in_root dkms status 2>&1 || :)
echo "$status" | sed 's/^/# dkms status: /'
tap_check "dkms status: hv $VERSION installed for the chroot's kernel ($kver)" \
	grep -Eq "^hv/$VERSION, ${kver:-none}, x86_64: installed" <<<"$status"
tap_check "hv.ko is in /lib/modules/$kver/updates/dkms" \
	eval 'ls "$ROOT/lib/modules/$kver/updates/dkms/" 2>/dev/null | grep -q "^hv\.ko"'

out=$(in_root hvctl --version 2>&1 || :)
echo "# $out"
tap_check "hvctl --version prints $VERSION" grep -q "^hvctl $VERSION (libhv " <<<"$out"
tap_check "man hvctl renders" eval 'in_root man -P cat hvctl 2>/dev/null | grep -q "hvctl - run guests"'
tap_check "man 3 libhv renders" eval 'in_root man -P cat 3 libhv 2>/dev/null | grep -q "libhv - C interface"'
tap_check "the hv group exists and the udev rule gives it /dev/hv" \
	eval 'in_root getent group hv >/dev/null &&
		grep -q "KERNEL==\"hv\", GROUP=\"hv\", MODE=\"0660\"" "$ROOT/lib/udev/rules.d/60-hv.rules"'

cat >"$ROOT/tmp/open.c" <<'EOF'
#include <libhv.h>
#include <stdio.h>

int main(void)
{
	struct hv *hv;
	int ret = hv_open(NULL, &hv);

	if (ret < 0) {
		fprintf(stderr, "hv_open: %d: %s\n", ret, hv_error_detail());
		return 1;
	}
	hv_close(hv);
	return 0;
}
EOF
built=0
in_root sh -c 'cc -Wall -Werror -o /tmp/open /tmp/open.c $(pkg-config --cflags --libs libhv)' \
	>"$WORK/cc.log" 2>&1 && built=1
tap_check "a program builds against libhv with pkg-config --cflags --libs libhv" [ "$built" = 1 ]
[ "$built" = 1 ] || sed 's/^/#   /' "$WORK/cc.log"
rc=0
out=$(in_root /tmp/open 2>&1) || rc=$?
echo "# $out (exit $rc)"
tap_check "hv_open() without /dev/hv: exit 1, says the module is not loaded" \
	eval '[ ! -e "$ROOT/dev/hv" ] && [ "$rc" = 1 ] && grep -q "^hv_open: -2: .*not loaded" <<<"$out"'

purged=0
in_root apt-get purge -y -q hv-dkms >>"$TOP/build/packages-apt.log" 2>&1 && purged=1
tap_check "apt-get purge hv-dkms removes hv from DKMS and its source" \
	eval '[ "$purged" = 1 ] && ! in_root dkms status 2>/dev/null | grep -q "^hv/" &&
		[ ! -e "$ROOT/usr/src/hv-$VERSION" ] && [ ! -e "$ROOT/lib/modules/$kver/updates/dkms/hv.ko" ]'

echo "# $((SECONDS - START)) s"
tap_summary
