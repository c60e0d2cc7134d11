# SPDX-License-Identifier: GPL-2.0
#
# Shared by check.sh, native.sh, demo.sh and lint.sh (bash, sourced).
#
# Layout of the build directory ($BUILD, build/testbed/ by default):
#   logs/          output of each build step
#   guests/        the smoke-test guests (flat binaries)
#   <vendor>/      initramfs tree and initrd.gz of one emulated host (vmx:
#                  also boot.iso, isolinux.cfg, bochsrc)
#   <vendor>.log   that host's test console (ttyS0): TAP between markers
#   <vendor>-kernel.log  that host's kernel console (ttyS1)
#   <vendor>-qemu.log    the emulator's own messages (svm: QEMU)
#   <vendor>-bochs.log   the emulator's own messages (vmx, vmx-noept: Bochs)
#
# A "vendor" is one emulated host: svm (QEMU, AMD-V), vmx (Bochs, VT-x with
# EPT) or vmx-noept (Bochs, VT-x without EPT: hv must refuse it). The part
# before the first "-" is the CPU's virtualization (the flag, hvctl's
# backend, the KVM module, the boot_* function).

TESTBED=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$TESTBED/../.." && pwd)
BUILD=${TESTBED_BUILD:-$TOP/build/testbed}
JOBS=$(nproc)

# Time limits, in seconds: the whole emulated run (wall time), and inside it
# (guest time) the selftests, each hvctl run of the smoke tests, each boot
# of the Linux guest (linux.sh), and any other single step; and how long an emulated host may print nothing before
# it counts as hung (a selftest binary's output, piped through run_all.sh,
# may come only when it ends). Bochs (vmx) is about ten times slower than
# QEMU (svm) and has its own defaults; TESTBED_* overrides both. With them
# the vCPU counts to boot the Linux guest with (one test each) and more
# kernel parameters for it (LINUX_APPEND: the vendor's own, then
# TESTBED_GUEST_APPEND).
# set_limits VENDOR sets them for one host.
set_limits() {
	case $1 in
	vmx*)
		TIMEOUT=${TESTBED_TIMEOUT:-2700}
		SELFTESTS_TIMEOUT=${TESTBED_SELFTESTS_TIMEOUT:-1500}
		SMOKE_TIMEOUT=${TESTBED_SMOKE_TIMEOUT:-300}
		LINUX_TIMEOUT=${TESTBED_LINUX_TIMEOUT:-900}
		LINUX_VCPUS=${TESTBED_LINUX_VCPUS:-1 2}
		# hv shows its guests the host CPU's XSAVE features, so the
		# guest needs the host's workarounds for Bochs' XSAVE bugs
		# (BOCHS_APPEND, below)
		LINUX_APPEND="clearcpuid=avx512f,xsaves,xsavec${TESTBED_GUEST_APPEND:+ $TESTBED_GUEST_APPEND}"
		STEP_TIMEOUT=${TESTBED_STEP_TIMEOUT:-600}
		SILENCE_TIMEOUT=${TESTBED_SILENCE_TIMEOUT:-1200}
		;;
	*)
		TIMEOUT=${TESTBED_TIMEOUT:-1500}
		SELFTESTS_TIMEOUT=${TESTBED_SELFTESTS_TIMEOUT:-900}
		SMOKE_TIMEOUT=${TESTBED_SMOKE_TIMEOUT:-60}
		LINUX_TIMEOUT=${TESTBED_LINUX_TIMEOUT:-300}
		LINUX_VCPUS=${TESTBED_LINUX_VCPUS:-1 2 4}
		LINUX_APPEND=${TESTBED_GUEST_APPEND:-}
		STEP_TIMEOUT=${TESTBED_STEP_TIMEOUT:-120}
		SILENCE_TIMEOUT=${TESTBED_SILENCE_TIMEOUT:-1000}
		;;
	esac
}
set_limits svm

# Kernel messages that mean something went wrong in the emulated host: the
# first line of a splat (anchored after the timestamp: a boot message such as
# "Speculative Return Stack Overflow: WARNING: ..." is no splat) or a trace.
SPLAT_RE='(^|\] )(BUG:|WARNING:|Oops|kernel BUG at|general protection fault|Kernel panic)|Call Trace|UBSAN:'

say() { printf '>>> %s\n' "$*"; }
die() { printf '>>> error: %s\n' "$*" >&2; exit 1; }

# ---- packages ----

# in_chroot DIR COMMAND...: run COMMAND in the chroot DIR with a clean
# environment (apt's, a compiler's), in a mount namespace of its own with
# /proc and /sys mounted (objtool and dkms read them): nothing stays mounted
# when it ends, however it ends. CHROOT_BINDS="SRC:DST ..." bind-mounts more
# (DST inside DIR).
in_chroot() {
	local dir=$1
	shift
	CHROOT_BINDS=${CHROOT_BINDS:-} unshare --mount --propagation private sh -c '
		dir=$0
		mount -t proc proc "$dir/proc" && mount -t sysfs sysfs "$dir/sys" || exit 1
		for b in $CHROOT_BINDS; do
			mount --bind "${b%%:*}" "$dir${b#*:}" || exit 1
		done
		exec chroot "$dir" "$@"' "$dir" \
		/usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

# headers_kver [ROOT]: the newest kernel (sort -V) with both its headers
# and /lib/modules/KVER/build in ROOT (default /): what DKMS builds for.
# (build is an absolute link: seen from outside ROOT it may dangle.)
headers_kver() {
	local root=${1:-} d v
	for d in "$root"/usr/src/linux-headers-*-amd64; do
		v=${d##*/linux-headers-}
		if [ -L "$root/lib/modules/$v/build" ] || [ -d "$root/lib/modules/$v/build" ]; then
			echo "$v"
		fi
	done | sort -V | tail -n 1
}

# apt_mirror SUITE: the URI of this machine's apt source for SUITE (deb822
# .sources, or the one-line format), for debootstrap: the archive the
# machine already uses, never one named here. DEBIAN_MIRROR overrides it.
apt_mirror() {
	local suite=$1 f uri
	if [ -n "${DEBIAN_MIRROR:-}" ]; then
		echo "$DEBIAN_MIRROR"
		return
	fi
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		uri=$(awk -v suite="$suite" '
			BEGIN { RS = ""; FS = "\n" }
			{
				uri = ""; hit = 0
				for (i = 1; i <= NF; i++) {
					if ($i ~ /^URIs:/) { split(substr($i, 6), u, " "); uri = u[1] }
					if ($i ~ /^Suites:/) {
						n = split(substr($i, 8), s, " ")
						for (j = 1; j <= n; j++) if (s[j] == suite) hit = 1
					}
				}
				if (hit && uri != "") { print uri; exit }
			}' "$f")
		[ -n "$uri" ] && { echo "$uri"; return; }
	done
	awk -v suite="$suite" '$1 == "deb" && $3 == suite { print $2; exit }' \
		/etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | grep . ||
		die "no apt source for $suite in /etc/apt/sources.list*"
}

# Install what packages.txt lists and this machine lacks (apt-get update only
# when something is missing).
ensure_packages() {
	local want missing=() p
	want=$(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$TESTBED/packages.txt")
	for p in $want; do
		[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = installed ] ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" = 0 ] || die "missing packages: ${missing[*]} (install them, or run as root)"
	step apt-get apt_install "${missing[@]}" ||
		die "apt-get could not install ${missing[*]}"
}

apt_install() {
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q && apt-get install -y -q --no-install-recommends "$@"
} </dev/null

# ---- the kernel to boot ----

# KROOT: where the kernel to boot comes from: this machine (empty: its
# /boot, /lib/modules, /usr/src), or TESTBED_KROOT, a root holding another
# kernel's image, modules and headers (kernels.sh: a Debian chroot of
# another suite). HV_KO: the module the hosts load: TESTBED_HV_KO (one
# built elsewhere, for that kernel), else the tree's own hv.ko.
KROOT=${TESTBED_KROOT:-}
HV_KO=${TESTBED_HV_KO:-$TOP/hv.ko}

# kver_usable KVER: a bootable image, headers to build against, and the
# vendor KVM modules to compare with (both vendors').
kver_usable() {
	local m=$KROOT/lib/modules/$1/modules.dep
	[ -r "$KROOT/boot/vmlinuz-$1" ] && [ -f "$KROOT/usr/src/linux-headers-$1/Makefile" ] &&
		[ -f "$m" ] && grep -q '/kvm-amd\.ko' "$m" && grep -q '/kvm-intel\.ko' "$m"
}

# Print the Debian kernel to boot: TESTBED_KVER if set, else KVER when it is
# usable (the top-level Makefile passes the running kernel's), else the newest
# usable one installed.
pick_kver() {
	local f v
	if [ -n "${TESTBED_KVER:-}" ]; then
		kver_usable "$TESTBED_KVER" ||
			die "TESTBED_KVER=$TESTBED_KVER: no /boot/vmlinuz, headers or KVM modules for it"
		echo "$TESTBED_KVER"
		return
	fi
	if [ -n "${KVER:-}" ] && kver_usable "$KVER"; then
		echo "$KVER"
		return
	fi
	for f in "$KROOT"/boot/vmlinuz-*; do
		v=${f##*/vmlinuz-}
		if kver_usable "$v"; then
			echo "$v"
		fi
	done | sort -V | tail -n 1 | grep . ||
		die "no kernel with /boot/vmlinuz-*, /usr/src/linux-headers-* and KVM modules"
}

# ---- building ----

# step NAME COMMAND...: run a build step, its output in logs/NAME.log; say
# how it went and, on failure, show the end of the log.
# prepare_boot: packages, KVER (the kernel to boot), and a fresh hv.ko built
# for it; for the scripts that boot one emulated host (demo, bench).
prepare_boot() {
	ensure_packages
	KVER=$(pick_kver)
	cd "$TOP"
	mkdir -p "$BUILD"
	rm -f hv.ko
	step module make module KVER="$KVER" KDIR="/usr/src/linux-headers-$KVER" -j"$JOBS" ||
		die "hv.ko did not build"
}

step() {
	local name=$1 log
	shift
	log=$BUILD/logs/$name.log
	mkdir -p "$BUILD/logs"
	say "$name: $*"
	if "$@" >"$log" 2>&1; then
		return 0
	fi
	say "$name FAILED; the end of $log:"
	tail -n 40 "$log" | sed 's/^/    /'
	return 1
}

# build_guests: the flat smoke-test guests, linked at hvctl's load address;
# and multiboot*.elf (multiboot.S, multiboot_idle.S), ELF32 multiboot
# kernels linked at 1 MiB: one loadable segment (-N: not page-aligned, no
# segment for the ELF headers below 1 MiB), its .bss for the loader to clear.
build_guests() {
	local out=$BUILD/guests s n
	mkdir -p "$out"
	for s in "$TESTBED"/guests/*.S; do
		n=$(basename "$s" .S)
		case $n in
		multiboot*)
			gcc -m32 -c -o "$out/$n.o" "$s" &&
				ld -m elf_i386 -nostdlib -N --no-warn-rwx-segments -Ttext=0x100000 \
					-e _start --build-id=none -o "$out/$n.elf" "$out/$n.o" ||
				return 1
			continue
			;;
		esac
		gcc -c -o "$out/$n.o" "$s" &&
			ld -m elf_x86_64 -nostdlib -Ttext=0x1000 -e _start --build-id=none \
				-o "$out/$n.elf" "$out/$n.o" &&
			objcopy -O binary -j .text "$out/$n.elf" "$out/$n.bin" || return 1
	done
}

# hvctl_path: where the cli build left hvctl.
hvctl_path() {
	echo "$TOP/cli/hvctl"
}

# ---- the initramfs ----

# install_elf SRC ROOT DEST: copy a program into the initramfs at DEST, with
# the shared libraries ldd finds for it (libhv from lib/ included). System
# libraries keep their path; others go to /usr/local/lib/hv (LD_LIBRARY_PATH
# in /init).
install_elf() {
	local src=$1 root=$2 dest=$3 name arrow path rest
	mkdir -p "$root/$(dirname "$dest")"
	cp -L "$src" "$root/$dest"
	head -c 4 "$src" | grep -q ELF || return 0
	{ LD_LIBRARY_PATH="$TOP/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" ldd "$src" 2>/dev/null || true; } |
		while read -r name arrow path rest; do
			case $arrow in
			"=>") ;;
			*) path=$name ;;	# the loader: "/lib64/ld-linux-x86-64.so.2 (0x...)"
			esac
			case $path in
			/*) ;;
			*) continue ;;		# linux-vdso.so.1, "statically linked"
			esac
			case $path in
			/lib/* | /lib64/* | /usr/lib/* | /usr/lib64/*)
				mkdir -p "$root/$(dirname "$path")"
				cp -L "$path" "$root/$path" ;;
			*)
				mkdir -p "$root/usr/local/lib/hv"
				cp -L "$path" "$root/usr/local/lib/hv/$name" ;;
			esac
		done
}

# install_kmod KVER NAME ROOT: copy a distribution module, uncompressed, to
# /hv/kmod/NAME.ko.
install_kmod() {
	local kver=$1 name=$2 root=$3 rel f
	rel=$(sed -n "s|^\([^:]*/$name\.ko[^:]*\):.*|\1|p" "$KROOT/lib/modules/$kver/modules.dep")
	f=$KROOT/lib/modules/$kver/$rel
	[ -n "$rel" ] && [ -f "$f" ] || die "no module $name for $kver"
	mkdir -p "$root/hv/kmod"
	case $f in
	*.ko) cp "$f" "$root/hv/kmod/$name.ko" ;;
	*.ko.xz) xz -dc "$f" >"$root/hv/kmod/$name.ko" ;;
	*.ko.gz) gzip -dc "$f" >"$root/hv/kmod/$name.ko" ;;
	*.ko.zst) zstd -qdc "$f" >"$root/hv/kmod/$name.ko" ;;
	*) die "$f: unknown module compression" ;;
	esac
}

# kmod_load_order KVER NAME: NAME's dependencies from modules.dep, in the
# order to load them, then NAME (file names without .ko).
kmod_load_order() {
	local kver=$1 name=$2 deps d list=''
	deps=$(sed -n "s|^[^:]*/$name\.ko[^:]*:||p" "$KROOT/lib/modules/$kver/modules.dep")
	for d in $deps; do		# modules.dep lists the deepest last
		d=$(basename "$d")
		list="${d%%.ko*} $list"
	done
	echo $list "$name"	# unquoted: one line, single spaces
}

# build_guest_initramfs DIR: DIR/initrd.gz, the initramfs of the Linux guest
# that the hosts boot under `hvctl run --kernel`: busybox and guest-init.sh
# as /init (built in DIR/root). busybox-static's busybox needs no library;
# another one (native.sh on a machine without it) gets its own.
build_guest_initramfs() {
	local dir=$1 root=$1/root m
	rm -rf "$root"
	mkdir -p "$root"/{bin,dev,proc,sys}
	install_elf /bin/busybox "$root" bin/busybox
	for m in $(/bin/busybox --list); do
		[ "$m" = busybox ] || ln -s busybox "$root/bin/$m"
	done
	install -m 755 "$TESTBED/guest-init.sh" "$root/init"
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
		gzip -9 >"$dir/initrd.gz"
}

# build_initramfs VENDOR MODE KVER: build/testbed/VENDOR/initrd.gz, holding
# busybox, /init (init.sh), hv.ko, hvctl with its libraries, the guests,
# smoke.sh, linux.sh, host_nmi.sh and registry.sh; for MODE check, demo and run also the Linux guest (the host's
# own /boot/vmlinuz-KVER and build_guest_initramfs's initrd.gz, in
# /hv/guest/); for MODE check and run the selftests and the vendor's KVM
# modules. MODE noept needs only busybox, /init and hv.ko (a small, fast
# initramfs). MODE run also gets /hv/cmd, the command line in RUN_CMD, and
# RUN_TIMEOUT and RUN_LOAD_HV in /hv/config.
build_initramfs() {
	local vendor=$1 mode=$2 kver=$3 root sdir t m kvm='' kvm_mods='' kvm_tests=''
	root=$BUILD/$vendor/root
	rm -rf "$root"
	mkdir -p "$root"/{bin,dev,proc,sys,tmp,hv/bin,hv/guests}

	cp /bin/busybox "$root/bin/busybox"
	for m in $(/bin/busybox --list); do
		[ "$m" = busybox ] || ln -s busybox "$root/bin/$m"
	done
	install -m 755 "$TESTBED/init.sh" "$root/init"
	[ -f "$HV_KO" ] && cp "$HV_KO" "$root/hv/hv.ko"
	if [ "$mode" != noept ]; then
		install -m 755 "$TESTBED/smoke.sh" "$TESTBED/linux.sh" \
			"$TESTBED/host_nmi.sh" "$TESTBED/registry.sh" "$root/hv/"
		[ -x "$(hvctl_path)" ] && install_elf "$(hvctl_path)" "$root" hv/bin/hvctl
		cp "$BUILD"/guests/*.bin "$BUILD"/guests/multiboot*.elf "$root/hv/guests/"
	fi

	if [ "$mode" = bench ] || { [ "$mode" = run ] && [ -f "$TOP/selftests/build/hv_bench" ]; }; then
		install_elf "$TOP/selftests/build/hv_bench" "$root" hv/bin/hv_bench
		install -m 755 "$TOP/selftests/bench/bench-rounds.sh" "$root/hv/"
	fi
	case $mode in
	check | demo | run | bench)
		mkdir -p "$BUILD/$vendor/guest" "$root/hv/guest"
		build_guest_initramfs "$BUILD/$vendor/guest"
		cp "$BUILD/$vendor/guest/initrd.gz" "$root/hv/guest/initrd.gz"
		cp "$KROOT/boot/vmlinuz-$kver" "$root/hv/guest/vmlinuz"
		;;
	esac
	if [ "$mode" = run ]; then
		printf '%s\n' "$RUN_CMD" >"$root/hv/cmd"
	fi
	if [ "$mode" = check ] || [ "$mode" = bench ] || [ "$mode" = run ]; then
		# The selftests as selftests/Makefile leaves them in build/:
		# run_all.sh, tests.list and the programs tests.list names.
		sdir=$TOP/selftests/build
		mkdir -p "$root/hv/selftests"
		if [ -f "$sdir/run_all.sh" ] && [ -f "$sdir/tests.list" ]; then
			install -m 755 "$sdir/run_all.sh" "$root/hv/selftests/"
			cp "$sdir/tests.list" "$root/hv/selftests/"
			for t in $(sed -e 's/#.*//' "$sdir/tests.list"); do
				[ -f "$sdir/$t" ] && install_elf "$sdir/$t" "$root" "hv/selftests/$t"
			done
			# one idle KVM VM for the run on KVM (kvm_hold.c)
			[ -f "$sdir/kvm_hold" ] && install_elf "$sdir/kvm_hold" "$root" hv/selftests/kvm_hold
		fi
		# HOOK: the selftests that need /dev/kvm, run again once KVM is
		# loaded: TESTBED_KVM_SELFTESTS, else those in tests.list with
		# "kvm" in their name.
		if [ -n "${TESTBED_KVM_SELFTESTS+set}" ]; then
			kvm_tests=$TESTBED_KVM_SELFTESTS
		elif [ -f "$sdir/tests.list" ]; then
			kvm_tests=$(sed -e 's/#.*//' "$sdir/tests.list" | grep kvm || true)
		fi
		case ${vendor%%-*} in
		svm) kvm='kvm-amd' ;;
		vmx) kvm='kvm-intel' ;;
		esac
		kvm_mods=$(kmod_load_order "$kver" "$kvm")
		for m in $kvm_mods; do
			install_kmod "$kver" "$m" "$root"
		done
	fi

	# The suite on KVM, in both hosts (not in the vmx-noept one, which
	# checks that hv refuses its CPU). Under Bochs, the tests that need a
	# KVM vCPU spinning with IF=0 interrupted skip there
	# (SKIP_KVM_UNDER_BOCHS_IF0_SPIN, selftests/lib/test_util.h): Bochs
	# takes no interrupt exit from such a guest and KVM, unlike hv, has no
	# timer against it. TESTBED_KVM_SUITE=0 or 1 decides instead.
	local kvm_suite=${TESTBED_KVM_SUITE:-}
	if [ -z "$kvm_suite" ]; then
		case $vendor in
		svm | vmx) kvm_suite=1 ;;
		*) kvm_suite=0 ;;
		esac
	fi
	cat >"$root/hv/config" <<-EOF
		MODE=$mode
		VENDOR=${vendor%%-*}
		KVM_MODULES="$kvm_mods"
		KVM_NAME=${kvm//-/_}
		KVM_SELFTESTS="${kvm_tests//$'\n'/ }"
		KVM_SUITE=$kvm_suite
		SELFTESTS_TIMEOUT=$SELFTESTS_TIMEOUT
		SMOKE_TIMEOUT=$SMOKE_TIMEOUT
		STEP_TIMEOUT=$STEP_TIMEOUT
		LINUX_TIMEOUT=$LINUX_TIMEOUT
		LINUX_VCPUS="$LINUX_VCPUS"
		LINUX_APPEND=$(printf %q "$LINUX_APPEND")
		DEMO_VCPUS=${DEMO_VCPUS:-1}
		DEMO_APPEND=$(printf %q "${DEMO_APPEND:-}")
		RUN_TIMEOUT=${RUN_TIMEOUT:-$STEP_TIMEOUT}
		RUN_LOAD_HV=${RUN_LOAD_HV:-1}
		BENCH_ROUNDS=${BENCH_ROUNDS:-5}
		BENCH_MS=${BENCH_MS:-200}
		BENCH_BOOTS=${BENCH_BOOTS:-1}
		BENCH_NAMES="${BENCH_NAMES:-}"
		BENCH_TIMEOUT=$((TIMEOUT - 60))
	EOF
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
		gzip -1 >"$BUILD/$vendor/initrd.gz"
}

# ---- booting ----

# stream TAG FILE PID [SIGNAL]: print FILE's lines as they come, prefixed
# with TAG, until process PID ends. A frozen emulated host runs no timeout of
# its own: after SILENCE_TIMEOUT seconds without a line, stop PID with SIGNAL
# (default TERM) and leave FILE.silent saying so.
stream() {
	local tag=$1 file=$2 pid=$3 sig=${4:-TERM} t0=$SECONDS last=$SECONDS line rc
	while :; do
		rc=0
		IFS= read -r -t 5 line || rc=$?
		if [ $rc = 0 ]; then
			last=$SECONDS
			line=${line%$'\r'}
			case $line in
			"=== HV-TESTBED BEGIN"*) line="$line (after $((SECONDS - t0)) s)" ;;
			esac
			printf '[%s] %s\n' "$tag" "$line"
			continue
		fi
		[ $rc -gt 128 ] || break	# not a time-out: the end
		if [ $((SECONDS - last)) -ge "$SILENCE_TIMEOUT" ]; then
			printf '[%s] >>> no output for %d s: stopping the emulator\n' "$tag" "$SILENCE_TIMEOUT"
			echo "$SILENCE_TIMEOUT" >"$file.silent"
			kill -s "$sig" "$pid" 2>/dev/null || true
			last=$SECONDS
		fi
	done < <(tail -n +1 -F --pid="$pid" "$file" 2>/dev/null)
}

# boot_svm KVER: boot the svm initramfs on QEMU's emulated AMD CPU (TCG with
# SVM and nested paging; TESTBED_SVM_APPEND: more kernel parameters); the test console to svm.log, the kernel's to
# svm-kernel.log, and the test console streamed to stdout. TESTBED_QEMU_ACCEL:
# QEMU's -accel (default tcg: one host thread per CPU). Returns QEMU's
# status (124 after TIMEOUT seconds).
boot_svm() {
	local kver=$1 log=$BUILD/svm.log klog=$BUILD/svm-kernel.log pid rc
	rm -f "$log" "$log.silent" "$klog"
	: >"$log"
	timeout -k 10 "$TIMEOUT" qemu-system-x86_64 \
		-machine q35 -accel "${TESTBED_QEMU_ACCEL:-tcg}" -cpu EPYC -m 1G -smp 2 \
		-kernel "$KROOT/boot/vmlinuz-$kver" -initrd "$BUILD/svm/initrd.gz" \
		-append "console=ttyS1 loglevel=7 panic=-1${TESTBED_SVM_APPEND:+ $TESTBED_SVM_APPEND}" \
		-nodefaults -display none -no-reboot ${TESTBED_QEMU_EXTRA:-} \
		-serial "file:$log" -serial "file:$klog" </dev/null 2>"$BUILD/svm-qemu.log" &
	pid=$!
	stream svm "$log" "$pid" &
	wait "$pid" && rc=0 || rc=$?
	wait
	return $rc
}

# Bochs, the emulated Intel host. BOCHS_CPU: the CPU model for vmx (VMX with
# EPT, unrestricted guest, VPID, ...); vmx-noept always gets a Core 2
# (VMX without EPT or unrestricted guest) and one CPU. BOCHS_CPUS: how many
# CPUs vmx gets (two, as svm: VMCSs that move between CPUs, VMXON on each;
# Bochs runs them in one thread: two make the boot about 50 s longer).
# BOCHS_IPS: guest instructions per guest second (with "clock: sync=none"
# guest time follows the instructions run, so the guest's clock and its
# timeouts run at about wall speed when this is about Bochs' real speed).
BOCHS_CPU=${TESTBED_BOCHS_CPU:-corei7_skylake_x}
BOCHS_CPUS=${TESTBED_BOCHS_CPUS:-2}
BOCHS_IPS=${TESTBED_BOCHS_IPS:-60000000}
# The kernel command line: the kernel console on ttyS1 at full speed (Bochs
# emulates the UART's baud rate: 9600, the default, is slow), the HPET
# rather than the TSC (slow with sync=none), no delay-loop calibration; no
# APERF/MPERF (Bochs lacks those MSRs: every scheduler tick would log two
# errors in the Bochs log); no AVX-512 (Bochs 2.7's CPUID gives the
# skylake_x AVX-512 XSAVE areas sizes that do not add up: the kernel WARNs
# "XSAVE consistency problem" at boot and turns XSAVE off altogether); and
# no XSAVES/XSAVEC (Bochs 2.7 writes the compacted format's AVX area at
# offset 416, over the XSAVE header, instead of 576: XRSTORS then faults,
# "Bad FPU state detected" in the kernel): the kernel uses XSAVEOPT and the
# standard format, as on Haswell.
# TESTBED_BOCHS_APPEND adds to it.
BOCHS_APPEND="console=ttyS1,115200 loglevel=7 panic=-1 tsc=unstable lpj=10000000 clearcpuid=aperfmperf,avx512f,xsaves,xsavec${TESTBED_BOCHS_APPEND:+ $TESTBED_BOCHS_APPEND}"

# make_iso KVER DIR: DIR/boot.iso, an El Torito CD booting isolinux, which
# loads /boot/vmlinuz-KVER and DIR/initrd.gz with BOCHS_APPEND.
make_iso() {
	local kver=$1 dir=$2 f
	for f in /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32; do
		[ -f "$f" ] || { echo "make_iso: no $f (packages isolinux, syslinux-common)"; return 1; }
	done
	rm -rf "$dir/iso" "$dir/boot.iso"
	mkdir -p "$dir/iso/isolinux"
	# copies: -boot-info-table patches isolinux.bin
	cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$dir/iso/isolinux/"
	cat >"$dir/iso/isolinux/isolinux.cfg" <<-EOF
		SERIAL 0 115200
		DEFAULT hv
		PROMPT 0
		TIMEOUT 0
		LABEL hv
		  KERNEL /boot/vmlinuz
		  INITRD /boot/initrd.gz
		  APPEND $BOCHS_APPEND
	EOF
	xorriso -as mkisofs -quiet -o "$dir/boot.iso" -R \
		-b isolinux/isolinux.bin -c isolinux/boot.cat \
		-no-emul-boot -boot-load-size 4 -boot-info-table \
		-graft-points "$dir/iso" \
		"boot/vmlinuz=$KROOT/boot/vmlinuz-$kver" "boot/initrd.gz=$dir/initrd.gz"
}

# write_bochsrc NAME MODEL CPUS: BUILD/NAME/bochsrc (paths relative to
# BUILD/NAME, where Bochs runs) and bochs.rc, the debugger's commands:
# continue.
write_bochsrc() {
	local name=$1 model=$2 cpus=$3 dir=$BUILD/$1
	cat >"$dir/bochsrc" <<-EOF
		# written by selftests/testbed/lib.sh (write_bochsrc)
		display_library: term
		romimage: file=/usr/share/bochs/BIOS-bochs-latest
		vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
		cpu: model=$model, count=$cpus, ips=$BOCHS_IPS, reset_on_triple_fault=0, ignore_bad_msrs=1
		memory: guest=1024, host=1024
		clock: sync=none, time0=utc
		ata0-master: type=cdrom, path=boot.iso, status=inserted
		boot: cdrom
		com1: enabled=1, mode=file, dev=../$name.log
		com2: enabled=1, mode=file, dev=../$name-kernel.log
		sound: driver=dummy
		speaker: enabled=0
		mouse: enabled=0
		log: ../$name-bochs.log
		panic: action=fatal
		error: action=report
		info: action=report
		debug: action=ignore
	EOF
	echo c >"$dir/bochs.rc"
}

# drain_screen SCREEN_OUT PID: read what Bochs-term draws, until Bochs (PID)
# ends. Bochs-term does not draw on its own terminal: it opens a pseudo-
# terminal, says 'Bochs connected to screen "/dev/pts/N"' (in SCREEN_OUT,
# its stdout) and writes the screen into it for a viewer to show. With no
# viewer, that pty's input queue fills after some minutes of cursor updates
# and Bochs blocks in write(): the whole emulated host stops, timers and all
# (a vmx run went silent after its first Linux guest). Reading the other
# end, raw and without echo, keeps it flowing; the screen itself (VGA, empty:
# the consoles are serial) is not kept.
drain_screen() {
	local out=$1 pid=$2 pty='' i
	for ((i = 0; i < 300; i++)); do
		pty=$(sed -n 's/^Bochs connected to screen "\(\/dev\/pts\/[0-9]*\)".*/\1/p' "$out" 2>/dev/null)
		[ -n "$pty" ] && break
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.2
	done
	if [ -z "$pty" ]; then
		echo "drain_screen: Bochs named no screen pty in $out: it may stop when that fills" >&2
		return 0
	fi
	stty -F "$pty" raw -echo 2>/dev/null || true
	# cat ends when Bochs closes the pty's master (EIO); the kill, should
	# it not (PID is not this shell's child: no wait)
	cat "$pty" >/dev/null 2>&1 &
	while kill -0 "$pid" 2>/dev/null; do
		sleep 2
	done
	kill $! 2>/dev/null || true
}

# boot_vmx KVER [NAME]: boot NAME's initramfs (vmx, the default, or
# vmx-noept) in Bochs with an emulated Intel CPU; the test console to
# NAME.log, the kernel's to NAME-kernel.log, Bochs' own messages to
# NAME-bochs.log, the test console streamed to stdout. Bochs' display is
# bochs-term (curses) writing to NAME/screen.out: no terminal, no X, no
# network port. Returns Bochs' status (124 after TIMEOUT seconds); the
# guest's power-off, which Bochs reports as a PANIC with status 1, is 0 when
# the run reached its END marker.
boot_vmx() {
	local kver=$1 name=${2:-vmx} dir log klog blog model cpus pid rc
	dir=$BUILD/$name log=$BUILD/$name.log klog=$BUILD/$name-kernel.log blog=$BUILD/$name-bochs.log
	case $name in
	*-noept) model=core2_penryn_t9600 cpus=1 ;;
	*) model=$BOCHS_CPU cpus=$BOCHS_CPUS ;;
	esac
	rm -f "$log" "$log.silent" "$klog" "$blog"
	: >"$log"
	make_iso "$kver" "$dir" >"$dir/iso.log" 2>&1 || {
		echo "boot_vmx: the ISO did not build:" >>"$log"
		cat "$dir/iso.log" >>"$log"
		return 1
	}
	write_bochsrc "$name" "$model" "$cpus"
	# bochs-term draws the (empty) VGA screen with curses on a file: it only
	# needs a known TERM. The debugger reads bochs.rc, then stdin. Bochs-term
	# ignores SIGTERM and turns SIGINT into a Ctrl-C for the guest; SIGHUP
	# ends it (a PANIC, status 1): timeout sends that, and stream too (through
	# timeout, which passes it on).
	(cd "$dir" && TERM=xterm exec timeout -s HUP -k 10 "$TIMEOUT" \
		bochs -f bochsrc -rc bochs.rc) </dev/null >"$dir/screen.out" 2>&1 &
	pid=$!
	stream "$name" "$log" "$pid" HUP &
	drain_screen "$dir/screen.out" "$pid" &
	wait "$pid" && rc=0 || rc=$?
	wait
	if [ $rc = 1 ] && grep -q '^=== HV-TESTBED END' "$log" &&
		grep -q 'ACPI control: soft power off' "$blog" 2>/dev/null; then
		rc=0
	fi
	return $rc
}

# run_vendor VENDOR MODE KVER: initramfs, boot, and a status file
# (VENDOR.status: the emulator's exit status) for the summary.
run_vendor() {
	local vendor=$1 mode=$2 kver=$3 rc=0 t0=$SECONDS
	set_limits "$vendor"
	build_initramfs "$vendor" "$mode" "$kver" || rc=$?
	if [ $rc -eq 0 ]; then
		say "$vendor: booting $kver ($(du -h "$BUILD/$vendor/initrd.gz" | cut -f1) initramfs)"
		"boot_${vendor%%-*}" "$kver" "$vendor" || rc=$?
	else
		echo "initramfs build failed" >"$BUILD/$vendor.log"
	fi
	echo "$rc" >"$BUILD/$vendor.status"
	say "$vendor: emulator finished after $((SECONDS - t0)) s, status $rc"
}

# ---- results ----

# host_result NAME STATUS: a TAP line in host.tap for a step on this machine
# (a build), counted with the rest.
host_result() {
	if [ "$2" = 0 ]; then
		echo "ok - $1" >>"$BUILD/host.tap"
	else
		echo "not ok - $1" >>"$BUILD/host.tap"
	fi
}

# The totals of every tally so far; tally adds one summary's counts.
PASSED=0 FAILED=0 SKIPPED=0
tally() { PASSED=$((PASSED + $1)) FAILED=$((FAILED + $2)) SKIPPED=$((SKIPPED + $3)); }

# emulator_messages BASE: the last of the emulator's own messages
# (BASE-qemu.log or BASE-bochs.log), less the noise.
emulator_messages() {
	if [ -f "$1-qemu.log" ]; then
		grep -v "TCG doesn't support requested feature" "$1-qemu.log" | tail -n 10
	elif [ -f "$1-bochs.log" ]; then
		# panics and errors; not the unknown MSRs (ignore_bad_msrs) nor
		# each EPT violation
		grep -E '^[0-9]+[pe]\[' "$1-bochs.log" |
			grep -v -e 'MSR: Unknown register' -e 'VMEXIT: EPT violation' | tail -n 10
	fi
}

# summarize_tap NAME LOG [KERNEL_LOG [EMULATOR_STATUS]]: count LOG's TAP (see
# tap-summary.awk), print a per-section summary and the failures, and add
# everything to the totals. With a kernel log and the emulator's status, an
# unfinished run and kernel splats count as failures too.
summarize_tap() {
	local name=$1 log=$2 klog=${3:-} status=${4:-} kind p f s sec rest
	local total_p=0 total_f=0 total_s=0 selftests_seen=0 kvm_seen=0 failures='' splat
	set_limits "$name"
	echo
	echo "== $name =="
	while read -r kind rest; do
		case $kind in
		S)
			read -r sec p f s <<<"$rest"
			printf '   %-13s %4d passed, %d failed, %d skipped\n' "$sec" "$p" "$f" "$s"
			total_p=$((total_p + p)) total_f=$((total_f + f)) total_s=$((total_s + s))
			[ "$sec" = selftests ] && [ $((p + f + s)) -gt 0 ] && selftests_seen=1
			[ "$sec" = kvm-selftests ] && [ $((p + f + s)) -gt 0 ] && kvm_seen=1
			;;
		F) failures+="   FAILED (${rest%% *}): ${rest#* }"$'\n' ;;
		esac
	done < <(awk -v sec="$name" -f "$TESTBED/tap-summary.awk" "$log")
	printf '%s' "$failures"
	if grep -q '^=== HV-TESTBED SECTION kvm-selftests' "$log"; then
		summarize_kvm_diff "$name" "$log"
	fi

	if [ -n "$klog" ]; then
		splat=0
		grep -qE "$SPLAT_RE" "$klog" 2>/dev/null && splat=1
		if ! grep -q '^=== HV-TESTBED END' "$log"; then
			total_f=$((total_f + 1))
			if [ -f "$log.silent" ]; then
				echo "   FAILED: the host printed nothing for $(cat "$log.silent") s (hung?) and was stopped (no END marker)"
			elif [ "$status" = 124 ] || [ "$status" = 137 ]; then
				echo "   FAILED: the run did not finish within $TIMEOUT s (no END marker)"
			else
				echo "   FAILED: the run ended early, emulator status $status (no END marker)"
			fi
			if [ $splat = 0 ]; then
				echo "      the end of $klog:"
				tail -n 15 "$klog" 2>/dev/null | tr -d '\r' | sed 's/^/      /' || true
			fi
			emulator_messages "${klog%-kernel.log}" | sed 's/^/      emulator: /' || true
		fi
		if [ $splat = 1 ]; then
			total_f=$((total_f + 1))
			echo "   FAILED: the kernel logged an error (see $klog):"
			grep -E -m 10 -A 3 "$SPLAT_RE" "$klog" | tr -d '\r' | sed 's/^/      /'
		fi
		if [ $selftests_seen = 0 ] && grep -q '^=== HV-TESTBED SECTION selftests' "$log"; then
			total_f=$((total_f + 1))
			echo "   FAILED: the selftests printed no results"
		fi
		if [ $kvm_seen = 0 ] && grep -q '^# run_all.sh exit status' <(sed -n '/^=== HV-TESTBED SECTION kvm-selftests/,$p' "$log"); then
			total_f=$((total_f + 1))
			echo "   FAILED: the selftests on KVM printed no results"
		fi
	fi
	printf '   %s: %d passed, %d failed, %d skipped\n' "$name" $total_p $total_f $total_s
	tally $total_p $total_f $total_s
}

# summarize_kvm_diff NAME LOG: the suite on hv (section selftests) against
# the same suite on KVM (kvm-selftests, init.sh): each test whose result
# differs, and how many KVM skipped (hv only, or a known difference; the
# tests and reasons go to BUILD/NAME-kvm-skips.txt). Nothing is counted
# here: a failure is counted in its own section already.
summarize_kvm_diff() {
	local name=$1 log=$2 skips=$BUILD/$1-kvm-skips.txt kind bin test ra rb rest
	local both=0 differ=0 known=0 lines=''
	: >"$skips"
	while read -r kind rest; do
		case $kind in
		D)
			read -r bin test ra rb <<<"$rest"
			lines+="   DIFFERS: $bin $test: $ra on hv, $rb on KVM"$'\n' ;;
		K) echo "$rest" >>"$skips" ;;
		N) read -r both differ known <<<"$rest" ;;
		esac
	done < <(awk -f "$TESTBED/tap-diff.awk" "$log")
	printf '   hv vs KVM: %d tests ran on both, %d results differ, %d skipped on KVM (%s)\n' \
		"$both" "$differ" "$known" "$skips"
	printf '%s' "$lines"
}

# summarize_counts NAME LOG: add a unit-test run's last "N passed, N failed"
# line to the totals (one failure when there is none).
summarize_counts() { # NAME LOG [STATUS]: a failing STATUS fails too
	local name=$1 log=$2 status=${3:-0} line p f
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" 2>/dev/null | tail -n 1) || true
	echo
	echo "== $name =="
	if [ -z "$line" ]; then
		echo "   FAILED: no 'N passed, N failed' line in $log"
		tally 0 1 0
		return
	fi
	p=${line%% passed*}
	f=${line#*passed, }
	f=${f%% failed*}
	echo "   $line"
	if [ "$status" != 0 ] && [ "$f" = 0 ]; then
		echo "   FAILED: exit status $status despite no failed test"
		f=1
	fi
	tally "$p" "$f" 0
}

# final_line: the totals, last line of the output; the status for exit.
final_line() {
	echo
	echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
	[ "$FAILED" -eq 0 ] && [ "$PASSED" -gt 0 ]
}
