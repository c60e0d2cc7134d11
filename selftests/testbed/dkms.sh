#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-dkms: hv through DKMS, as root on Debian 12, for a kernel that
# need not be the running one (the newest installed linux-headers-*-amd64):
# stage the source tree (make dkms-src), dkms add, an unsigned dkms build,
# a build signed with a throwaway machine-owner key, dkms install, status,
# modinfo of what was installed, dkms remove. Nothing is loaded.
#
# It leaves the machine as it found it: the trap removes what it registered
# and staged, its key and its DKMS configuration file, and puts back
# modules.* of the kernel if dkms's depmod changed them. DKMS installs one
# version of a module per kernel, so the test refuses to run where an hv is
# already registered (make dkms-remove) rather than displace it.
#
# Signing: Debian 12's dkms (3.0.10) has no --dkmsframework; it reads
# sign_file, mok_signing_key and mok_certificate from /etc/dkms/framework.conf
# and framework.conf.d/*.conf, and signs with /var/lib/dkms/mok.key, which it
# creates when missing, whenever sign-file exists. So the test always has a
# file of its own in framework.conf.d (last in order, removed by the trap):
# first with sign_file pointing nowhere (the unsigned build: no key of the
# machine's is made or used), then with the throwaway key.
#
# Ends with "N passed, N failed"; exits non-zero on any failure.

set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
BUILD=${TESTBED_BUILD:-$TOP/build/dkms}
LOG=$BUILD/dkms.log

[ "$(id -u)" = 0 ] || die "make check-dkms needs root (dkms writes /usr/src, /var/lib/dkms, /lib/modules)"
mkdir -p "$BUILD"
: >"$LOG"

VER=$(cat "$TOP/VERSION")
[ -n "$VER" ] || die "VERSION is empty"
MOD=hv/$VER
SRC=/usr/src/hv-$VER
FWCONF=/etc/dkms/framework.conf.d/zz-hv-selftest.conf

# ---- packages and the kernel to build for ----

command -v dkms >/dev/null && command -v openssl >/dev/null ||
	step apt-get apt_install dkms openssl || die "apt-get could not install dkms, openssl"

KVER=$(headers_kver)
if [ -z "$KVER" ]; then
	step apt-get apt_install linux-headers-amd64 ||
		die "apt-get could not install linux-headers-amd64"
	KVER=$(headers_kver)
	[ -n "$KVER" ] || die "no /usr/src/linux-headers-*-amd64 with /lib/modules/KVER/build"
fi
ARCH=$(uname -m)
say "hv $VER through DKMS for $KVER (running: $(uname -r)); log in $LOG"

# ---- refuse to displace an hv the machine has ----

if dkms status hv | grep -q . || [ -e /var/lib/dkms/hv ] || [ -e "$SRC" ]; then
	dkms status hv >&2 || true
	die "hv is already registered with DKMS or $SRC exists; remove it first (make dkms-remove)"
fi

# ---- cleanup on every exit ----

TMP=$(mktemp -d /tmp/hv-dkms-test.XXXXXX)
KMODS=/lib/modules/$KVER
mkdir "$TMP/depmod"
cp -p "$KMODS"/modules.* "$TMP/depmod/"
had_mok_key=$([ -e /var/lib/dkms/mok.key ] && echo yes || echo no)

# Undo everything; safe to run twice.
cleanup() {
	local f
	if dkms status "$MOD" 2>/dev/null | grep -q .; then
		dkms remove "$MOD" --all >>"$LOG" 2>&1 || true
	fi
	rm -rf "$SRC" /var/lib/dkms/hv "$FWCONF"
	for f in "$TMP"/depmod/modules.*; do
		[ -e "$f" ] || continue
		cmp -s "$f" "$KMODS/${f##*/}" || cp -p "$f" "$KMODS/"
	done
}
trap 'cleanup; rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

# ---- TAP ----

. "$TESTBED/../tap.sh"
# check DESCRIPTION COMMAND...: tap_result of COMMAND, whose output goes to
# the log (its end is shown when it fails).
check() {
	local desc=$1 rc=0
	shift
	echo "=== $desc: $*" >>"$LOG"
	"$@" >>"$LOG" 2>&1 || rc=$?
	[ $rc = 0 ] || tail -n 20 "$LOG" | sed 's/^/    # /'
	tap_result $rc "$desc"
}
finish() {
	tap_summary && exit 0
	exit 1
}

# ---- helpers for the checks ----

# staged_clean: the staged tree has dkms.conf and sources, no build products.
staged_clean() {
	[ -f "$SRC/dkms.conf" ] && [ -f "$SRC/Kbuild" ] && [ -f "$SRC/module/compat-probe.sh" ] &&
		[ -z "$(find "$SRC" \( -name '*.o' -o -name '*.ko' -o -name '.*.cmd' \
			-o -name compat-gen.h -o -name Module.symvers \) -print)" ]
}

# sign_conf [KEY CERT]: the test's DKMS configuration: sign with KEY and
# CERT, or (no arguments) do not sign at all.
sign_conf() {
	mkdir -p "${FWCONF%/*}"
	if [ $# = 0 ]; then
		echo "sign_file=/nonexistent/hv-selftest-no-signing" >"$FWCONF"
	else
		printf 'mok_signing_key=%s\nmok_certificate=%s\n' "$1" "$2" >"$FWCONF"
	fi
}

# plain KO: KO itself, or an uncompressed copy of it.
plain() {
	case $1 in
	*.xz) xz -dc "$1" >"$TMP/plain.ko" ;;
	*.zst) zstd -qdc "$1" >"$TMP/plain.ko" ;;
	*.gz) gzip -dc "$1" >"$TMP/plain.ko" ;;
	*) echo "$1"; return ;;
	esac
	echo "$TMP/plain.ko"
}

# unsigned KO: no module signature marker at the end of KO, no signer.
unsigned() {
	[ "$(tail -c 28 "$(plain "$1")")" != "~Module signature appended~" ] &&
		modinfo_is "$1" signer ""
}

# The throwaway key, with the extensions of the kernel's certs/x509.genkey.
make_key() {
	cat >"$TMP/x509.genkey" <<-EOF
	[ req ]
	distinguished_name = dn
	prompt = no
	string_mask = utf8only
	x509_extensions = exts
	[ dn ]
	CN = $CN
	[ exts ]
	basicConstraints = critical,CA:FALSE
	keyUsage = digitalSignature
	subjectKeyIdentifier = hash
	authorityKeyIdentifier = keyid
	EOF
	openssl req -new -x509 -nodes -days 1 -newkey rsa:2048 -sha256 \
		-config "$TMP/x509.genkey" -keyout "$TMP/mok.key" \
		-outform DER -out "$TMP/mok.der"
}

# key_id_matches KO: modinfo's sig_key is the certificate's serial (sign-file
# names the key by issuer and serial), however each spells it.
key_id_matches() {
	local key serial
	key=$(modinfo -F sig_key "$1")
	serial=$(openssl x509 -inform DER -in "$TMP/mok.der" -noout -serial)
	serial=${serial#serial=}
	echo "sig_key '$key', certificate serial '$serial'"
	[ -n "$key" ] &&
		[ "$(echo "$key" | tr -d : | tr a-f A-F | sed 's/^0*//')" = \
		  "$(echo "$serial" | tr a-f A-F | sed 's/^0*//')" ]
}

# verify_sig KO: check KO's PKCS#7 signature against the certificate. The
# module ends with the signature, a 12-byte struct module_signature (its
# last 4 bytes the signature's length, big-endian) and the 28-byte marker.
verify_sig() {
	local ko size siglen
	ko=$(plain "$1")
	size=$(stat -c %s "$ko")
	siglen=$(tail -c 32 "$ko" | head -c 4 | od -An -tu1 |
		awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')
	head -c $((size - 40 - siglen)) "$ko" >"$TMP/body"
	tail -c $((40 + siglen)) "$ko" | head -c "$siglen" >"$TMP/sig.p7"
	openssl x509 -inform DER -in "$TMP/mok.der" -out "$TMP/mok.pem"
	openssl smime -verify -binary -inform DER -in "$TMP/sig.p7" \
		-content "$TMP/body" -certfile "$TMP/mok.pem" -nointern -noverify \
		-out /dev/null
	# and a module changed by one byte must fail
	printf 'X' | dd of="$TMP/body" bs=1 seek=100 conv=notrunc 2>/dev/null
	! openssl smime -verify -binary -inform DER -in "$TMP/sig.p7" \
		-content "$TMP/body" -certfile "$TMP/mok.pem" -nointern -noverify \
		-out /dev/null
}

# output_has PATTERN COMMAND...: a line of COMMAND's output matches the glob
# PATTERN.
output_has() {
	local pattern=$1 out line
	shift
	out=$("$@")
	echo "$out"
	while IFS= read -r line; do
		# shellcheck disable=SC2053 # a glob on purpose
		[[ $line == $pattern ]] && return 0
	done <<<"$out"
	return 1
}

# modinfo_is KO FIELD VALUE
modinfo_is() {
	local got
	got=$(modinfo -F "$2" "$1")
	echo "modinfo $2: '$got', want '$3'"
	[ "$got" = "$3" ]
}

# ---- the test ----

START=$(date +%s)
BUILT=/var/lib/dkms/$MOD/$KVER/$ARCH/module

check "make dkms-src stages a clean copy of the sources in $SRC" \
	make -s -C "$TOP" dkms-src DKMS_SRC="$SRC" || finish
check "the staged tree has no build products or generated files" staged_clean || true

sign_conf
check "dkms add $MOD" dkms add "$MOD" || finish
check "dkms build $MOD -k $KVER, unsigned (sign_file unset)" \
	dkms build "$MOD" -k "$KVER" || finish
check "the build has no compiler warnings" \
	bash -c "! grep -E 'warning:|WARNING:' /var/lib/dkms/$MOD/$KVER/$ARCH/log/make.log" || true
check "the unsigned hv.ko has no signature" unsigned "$(ls "$BUILT"/hv.ko*)" || true

CN="hv DKMS selftest key $$"
check "a throwaway key and X.509 certificate (RSA 2048, CN=$CN)" make_key || finish
sign_conf "$TMP/mok.key" "$TMP/mok.der"
check "dkms build --force signs with mok_signing_key/mok_certificate" \
	dkms build "$MOD" -k "$KVER" --force || finish
check "dkms install $MOD -k $KVER (not the running kernel)" dkms install "$MOD" -k "$KVER" || finish

KO=$(ls "$KMODS"/updates/dkms/hv.ko* 2>/dev/null | head -n 1 || true)
tap_result "$([ -n "$KO" ]; echo $?)" "installed as ${KO:-$KMODS/updates/dkms/hv.ko(.xz|.zst|.gz): missing}" ||
	finish
check "dkms status: hv/$VER, $KVER, $ARCH: installed" \
	output_has "hv/$VER, $KVER, $ARCH: installed" dkms status "$MOD" -k "$KVER" || true
check "modinfo name: hv" modinfo_is "$KO" name hv || true
check "modinfo vermagic: $KVER ..." \
	output_has "$KVER SMP *" modinfo -F vermagic "$KO" || true
check "depmod found it: modinfo -k $KVER hv is $KO" modinfo_is "$(modinfo -k "$KVER" -F filename hv)" filename "$KO" || true

check "modinfo signer: $CN" modinfo_is "$KO" signer "$CN" || true
check "modinfo sig_key: the certificate's serial" key_id_matches "$KO" || true
hash=$(sed -n 's/^CONFIG_MODULE_SIG_HASH="\(.*\)"/\1/p' "$KMODS/build/.config")
check "modinfo sig_hashalgo: ${hash:=sha512} (the kernel's CONFIG_MODULE_SIG_HASH)" \
	modinfo_is "$KO" sig_hashalgo "$hash" || true
check "the PKCS#7 signature verifies with the certificate (and not for a changed module)" \
	verify_sig "$KO" || true

check "dkms remove $MOD --all" dkms remove "$MOD" --all || true
check "no hv.ko left under $KMODS, nor in modules.dep" \
	bash -c "[ -z \"\$(find $KMODS -name 'hv.ko*' -print)\" ] && ! grep -q '/hv\.ko' $KMODS/modules.dep" || true
check "nothing left in /var/lib/dkms/hv" bash -c "[ ! -e /var/lib/dkms/hv ] || [ -z \"\$(ls -A /var/lib/dkms/hv)\" ]" || true

cleanup
check "cleanup: $SRC and the test's DKMS configuration gone" \
	bash -c "[ ! -e $SRC ] && [ ! -e $FWCONF ]" || true
check "no machine-owner key created (/var/lib/dkms/mok.key: $had_mok_key before)" \
	bash -c "[ \"\$([ -e /var/lib/dkms/mok.key ] && echo yes || echo no)\" = $had_mok_key ]" || true

say "$(($(date +%s) - START)) s"
finish
