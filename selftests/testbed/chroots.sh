# SPDX-License-Identifier: GPL-2.0
#
# Debian chroots, one per suite, for building hv.ko against (and booting)
# other kernels than this machine's (bash, sourced by kernels.sh after
# lib.sh).
#
# Each kernel's headers expect the compiler that built it, so hv.ko for a
# suite's kernel is built inside a chroot of that suite, with its gcc. A
# chroot holds gcc, make, libelf-dev, kmod, perl and the suite's newest
# linux-headers-amd64 and linux-image-amd64 (vmlinuz and /lib/modules, to
# boot that kernel in the emulated host).
#
# Where they live: outside the clone, so that a second clone or a `make
# clean` does not download them again:
#   $TESTBED_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/hv-testbed)
#     chroots/SUITE/          the chroot
#     chroots/SUITE/.ready    it is complete
#     chroots/SUITE/.refreshed  the last `apt-get update` in it
#     chroots/SUITE.log       debootstrap's and apt's output
#     chroots/SUITE.time      how long its debootstrap took (seconds)
#
# apt: debootstrap writes the chroot's own /etc/apt/sources.list (the suite
# alone); apt only ever runs inside the chroot, so this machine's apt setup
# is never read or changed by it. The archive is the one this machine's apt
# already uses (debian_mirror, below), or DEBIAN_MIRROR.
#
# Refresh: a cached chroot is reused as it is for a day
# (TESTBED_CHROOT_MAX_AGE, in minutes); after that, `apt-get update` and an
# upgrade of the kernel packages in it pick up the suite's newer kernel, if
# any. TESTBED_CHROOT_REFRESH=0 never refreshes, 1 always does.

CACHE=${TESTBED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hv-testbed}
CHROOTS=$CACHE/chroots

# debian_mirror: the Debian archive to debootstrap from: DEBIAN_MIRROR, else
# the one this machine's apt uses for bookworm (apt_mirror, lib.sh), which
# serves the other suites too.
debian_mirror() {
	apt_mirror bookworm
}

# chroot_sources DIR SUITE: besides the suite itself (debootstrap's
# sources.list), its -updates and -security suites, where the newest kernel
# of a stable release is (a point release lags behind them). The security
# archive is the one this machine's apt uses for bookworm-security; sid and
# testing have neither.
chroot_sources() {
	local dir=$1 suite=$2 list=$1/etc/apt/sources.list.d/hv-testbed.list sec
	case $suite in
	sid | unstable | testing | experimental) rm -f "$list"; return ;;
	esac
	{
		echo "deb $(debian_mirror) $suite-updates main"
		sec=$(apt_mirror bookworm-security 2>/dev/null) &&
			echo "deb $sec $suite-security main"
	} >"$list"
}

# chroot_kernel_packages DIR SUITE: install (upgrade) the suite's newest
# kernel image and headers in the chroot, and perl (W=1 runs
# scripts/kernel-doc). update-initramfs is diverted to true: the emulated
# host boots hv's own initramfs, and building Debian's takes time.
chroot_kernel_packages() {
	local dir=$1
	cp /etc/resolv.conf "$dir/etc/resolv.conf" 2>/dev/null || true
	chroot_sources "$dir" "$2"
	# The archive may be a snapshot whose Release file has expired (sid's
	# are valid for a week); the packages are still signed.
	echo 'Acquire::Check-Valid-Until "false";' \
		>"$dir/etc/apt/apt.conf.d/99hv-testbed"
	if [ ! -L "$dir/usr/sbin/update-initramfs" ]; then
		in_chroot "$dir" dpkg-divert --local --rename \
			--add /usr/sbin/update-initramfs || return 1
		ln -sf /bin/true "$dir/usr/sbin/update-initramfs"
	fi
	in_chroot "$dir" apt-get update -q &&
		in_chroot "$dir" apt-get install -y -q --no-install-recommends \
			linux-image-amd64 linux-headers-amd64 perl &&
		in_chroot "$dir" apt-get clean &&
		touch "$dir/.refreshed"
}

# chroot_for SUITE: make (once) or refresh the suite's chroot; print its
# path. Safe to run for several suites at once, and from several processes
# (check.sh makes them in the background while it builds): one at a time
# per suite (SUITE.lock).
chroot_for() {
	mkdir -p "$CHROOTS"
	{
		flock 9
		chroot_for_locked "$1"
	} 9>"$CHROOTS/$1.lock"
}

chroot_for_locked() {
	local suite=$1 dir=$CHROOTS/$1 log=$CHROOTS/$1.log mirror t0 age
	if [ ! -f "$dir/.ready" ]; then
		mirror=$(debian_mirror) || {
			echo "chroot_for: no Debian archive in this machine's apt sources; set DEBIAN_MIRROR" >&2
			return 1
		}
		t0=$SECONDS
		# .base: debootstrap finished (a failed kernel install is retried
		# without downloading the base system again)
		if [ ! -f "$dir/.base" ]; then
			rm -rf "$dir"
			echo ">>> debootstrap $suite into $dir" >&2
			debootstrap --variant=minbase \
				--include=gcc,make,libelf-dev,kmod,xz-utils,perl \
				"$suite" "$dir" "$mirror" >"$log" 2>&1 &&
				touch "$dir/.base"
		fi
		[ -f "$dir/.base" ] && chroot_kernel_packages "$dir" "$suite" >>"$log" 2>&1 || {
			echo "chroot_for: the $suite chroot failed; the end of $log:" >&2
			tail -n 20 "$log" >&2
			return 1
		}
		echo $((SECONDS - t0)) >"$CHROOTS/$suite.time"
		touch "$dir/.ready"
	else
		case ${TESTBED_CHROOT_REFRESH:-} in
		0) age= ;;
		1) age=refresh ;;
		*) age=$(find "$dir/.refreshed" -mmin "+${TESTBED_CHROOT_MAX_AGE:-1440}" 2>/dev/null)
		   [ -f "$dir/.refreshed" ] || age=refresh ;;
		esac
		if [ -n "$age" ]; then
			echo ">>> $suite: refreshing the kernel packages (apt-get update in the chroot)" >&2
			chroot_kernel_packages "$dir" "$suite" >>"$log" 2>&1 ||
				echo ">>> $suite: refresh failed (see $log); using the chroot as it is" >&2
		fi
	fi
	echo "$dir"
}

# chroot_kver DIR: the kernel to build for and boot: the newest one whose
# headers, image and modules are all in the chroot (sort -V).
chroot_kver() {
	local dir=$1 h v
	for h in "$dir"/usr/src/linux-headers-*-amd64; do
		v=${h##*/linux-headers-}
		if [ -f "$h/Makefile" ] && [ -r "$dir/boot/vmlinuz-$v" ] &&
			[ -f "$dir/lib/modules/$v/modules.dep" ]; then
			echo "$v"
		fi
	done | sort -V | tail -n 1 | grep .
}
