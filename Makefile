# SPDX-License-Identifier: GPL-2.0
#
# hv: build the module, libhv, hvctl and the selftests; run the tests.
#
#   make               everything for the running kernel (KVER=... for another)
#   make check         every test, inside emulated AMD-V (QEMU) and VT-x (Bochs) hosts
#   make check-native  the same suite on this host, with hv.ko loaded
#   make check-kernels the kernel matrix: hv.ko built, loaded and tested on Debian 5.10 to 7.x
#   make readme-kernels  README's supported-kernels table from the last matrix run
#   make demo          a sample guest under hvctl in the emulated host
#   make host-run CMD='...'  one command line in an emulated host (VENDOR=svm|vmx)
#   make bench         exit, interrupt, memory and boot costs, hv beside KVM,
#                      in both emulated hosts (docs/BENCH.md)
#   make bench-native  the same on this host, hv.ko and KVM loaded in turn (root)
#   make lint          checkpatch --strict, sparse and W=1 on module/
#   make install       libhv, hvctl, headers, man pages and the udev rule
#                      under PREFIX (DESTDIR aware; see "Installing" below)
#   make deb           Debian packages in build/deb/ (debian/)
#   make check-packages  those packages in a clean Debian 12 chroot, and
#                      make install/uninstall into a staging directory
#   make dkms-install  hv.ko through DKMS, rebuilt for every new kernel
#   make check-dkms    DKMS add, build, signing, install and remove (root)

# The package's version: VERSION is the one place it is written (cli/ and
# debian/ read it too). libhv's ABI version is lib/Makefile's own.
VERSION	:= $(shell cat VERSION)
KVER	?= $(shell uname -r)
KDIR	?= /lib/modules/$(KVER)/build
PREFIX	?= /usr/local
MANDIR	?= $(PREFIX)/share/man
# udev reads rules from /etc/udev/rules.d (the administrator's) and
# /lib/udev/rules.d (packages'), never from under /usr/local: a from-source
# install goes to the former, a distribution's (PREFIX=/usr) to the latter.
UDEVRULESDIR ?= $(if $(filter /usr,$(PREFIX)),/lib/udev/rules.d,/etc/udev/rules.d)
export KVER KDIR PREFIX

TOP	:= $(CURDIR)
export TOP

all: module lib cli selftests

module:
	$(MAKE) -C $(KDIR) M=$(TOP) modules
	sh module/symcheck.sh hv.ko $(KDIR)/Module.symvers

lib:
	$(MAKE) -C lib

cli: lib
	$(MAKE) -C cli

selftests: lib
	$(MAKE) -C selftests

# Userspace unit tests of libhv: need no module.
test-lib: lib
	$(MAKE) -C lib test

check:
	selftests/testbed/check.sh

check-native: lib cli selftests
	selftests/testbed/native.sh

check-kernels:
	selftests/testbed/kernels.sh

readme-kernels:
	selftests/testbed/readme-kernels.sh

check-packages:
	selftests/testbed/packages.sh

demo:
	selftests/testbed/demo.sh

bench:
	selftests/testbed/bench.sh

bench-native:
	selftests/testbed/bench.sh -n

# CMD and VENDOR reach the script through the environment (make exports
# command-line variables), so CMD needs no quoting here.
host-run:
	selftests/testbed/run-in-host.sh

lint:
	selftests/testbed/lint.sh

# ---- Installing ----
# Besides lib/'s and cli/'s files: hvctl(1), libhv(3) under MANDIR and
# 60-hv.rules under UDEVRULESDIR (above), which gives /dev/hv to group hv,
# mode 0660; the group must exist (groupadd --system hv; hv-dkms creates it).
# Every directory is overridable, and DESTDIR is put before each.
UDEV_RULES := udev/60-hv.rules

install: lib cli
	$(MAKE) -C lib install
	$(MAKE) -C cli install
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(UDEVRULESDIR)
	install -m 0644 man/hvctl.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 man/libhv.3 $(DESTDIR)$(MANDIR)/man3/
	install -m 0644 $(UDEV_RULES) $(DESTDIR)$(UDEVRULESDIR)/

uninstall:
	$(MAKE) -C cli uninstall
	$(MAKE) -C lib uninstall
	rm -f $(DESTDIR)$(MANDIR)/man1/hvctl.1 $(DESTDIR)$(MANDIR)/man3/libhv.3 \
		$(addprefix $(DESTDIR)$(UDEVRULESDIR)/,$(notdir $(UDEV_RULES)))

# DKMS: the source tree it builds from is a clean copy of DKMS_FILES (the
# tracked files, in a git checkout: nothing built or generated), staged in
# DKMS_SRC, its dkms.conf given VERSION (hv-dkms.install in debian/ ships
# the same files). make check-dkms tests all of it.
DKMS_FILES	:= dkms.conf Kbuild Makefile VERSION module uapi
DKMS_VERSION	:= $(VERSION)
DKMS_SRC	?= /usr/src/hv-$(DKMS_VERSION)

dkms-src:
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)
	if [ "$$(git rev-parse --show-toplevel 2>/dev/null)" = "$(TOP)" ]; then \
		git ls-files -z -- $(DKMS_FILES) | xargs -0 cp --parents -t $(DKMS_SRC); \
	else \
		cp -r $(DKMS_FILES) $(DKMS_SRC)/; \
	fi
	sed -i 's/^PACKAGE_VERSION=.*/PACKAGE_VERSION="$(DKMS_VERSION)"/' $(DKMS_SRC)/dkms.conf

# Register with DKMS (replacing this version if there), build and install
# for KVER; dkms rebuilds it for each kernel installed later.
dkms-install:
	$(MAKE) dkms-remove
	$(MAKE) dkms-src
	dkms add hv/$(DKMS_VERSION)
	dkms install hv/$(DKMS_VERSION) -k $(KVER)

dkms-remove:
	if dkms status hv/$(DKMS_VERSION) | grep -q .; then \
		dkms remove hv/$(DKMS_VERSION) --all; fi
	rm -rf $(DKMS_SRC)

check-dkms:
	selftests/testbed/dkms.sh

# ---- Debian packages ----
# Built out of a copy of the tree (the files git tracks, and the new ones it
# does not ignore) in build/deb/hv-VERSION/, so that the packages hold no
# build output of this tree; dpkg-buildpackage leaves the .debs beside it,
# in build/deb/. The build
# dependencies of debian/control are installed first if missing (as root).
DEB_DIR := build/deb
DEB_SRC := $(DEB_DIR)/hv-$(VERSION)

deb:
	@if ! dpkg-checkbuilddeps 2>/dev/null; then \
		[ "$$(id -u)" = 0 ] || { echo "make deb: missing build dependencies (dpkg-checkbuilddeps): run as root to install them" >&2; exit 1; }; \
		echo "make deb: installing the build dependencies of debian/control"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -q ./ </dev/null; \
	fi
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_SRC)
	if [ -e .git ]; then git ls-files -z -c -o --exclude-standard; \
	else find . -path ./build -prune -o ! -type d -print0; fi | \
		tar -c --null --ignore-failed-read -T - -f - | tar -x -C $(DEB_SRC) -f -
	cd $(DEB_SRC) && dpkg-buildpackage -b -us -uc
	@ls $(DEB_DIR)/*.deb

clean:
	-$(MAKE) -C $(KDIR) M=$(TOP) clean
	$(MAKE) -C lib clean
	$(MAKE) -C cli clean
	$(MAKE) -C selftests clean
	rm -rf build

.PHONY: all module lib cli selftests test-lib check check-native check-kernels \
	readme-kernels \
	demo bench bench-native host-run lint \
	install uninstall deb check-packages dkms-src dkms-install dkms-remove \
	check-dkms clean
