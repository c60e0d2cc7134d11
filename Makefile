# SPDX-License-Identifier: GPL-2.0
#
# hv: build the module, libhv, hvctl and the selftests; run the tests.
#
#   make               everything for the running kernel (KVER=... for another)
#   make check         every test, inside emulated AMD-V (QEMU) and VT-x (Bochs) hosts
#   make check-native  the same suite on this host, with hv.ko loaded
#   make check-kernels hv.ko built against other Debian kernels (compat.h)
#   make demo          a sample guest under hvctl in the emulated host
#   make host-run CMD='...'  one command line in an emulated host (VENDOR=svm|vmx)
#   make bench         I/O exit and page fault costs, hv beside KVM
#   make lint          checkpatch --strict, sparse and W=1 on module/
#   make install       libhv, hvctl and headers under PREFIX (DESTDIR aware)
#   make dkms-install  hv.ko through DKMS, rebuilt for every new kernel
#   make check-dkms    DKMS add, build, signing, install and remove (root)

KVER	?= $(shell uname -r)
KDIR	?= /lib/modules/$(KVER)/build
PREFIX	?= /usr/local
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

demo:
	selftests/testbed/demo.sh

bench:
	selftests/testbed/bench.sh

# CMD and VENDOR reach the script through the environment (make exports
# command-line variables), so CMD needs no quoting here.
host-run:
	selftests/testbed/run-in-host.sh

lint:
	selftests/testbed/lint.sh

install: lib cli
	$(MAKE) -C lib install
	$(MAKE) -C cli install

uninstall:
	$(MAKE) -C cli uninstall
	$(MAKE) -C lib uninstall

# DKMS: the source tree it builds from is a clean copy of DKMS_FILES (the
# tracked files, in a git checkout: nothing built or generated), staged in
# DKMS_SRC; the version is dkms.conf's. make check-dkms tests all of it.
DKMS_FILES	:= dkms.conf Kbuild Makefile module uapi
DKMS_VERSION	:= $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
DKMS_SRC	?= /usr/src/hv-$(DKMS_VERSION)

dkms-src:
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)
	if [ "$$(git rev-parse --show-toplevel 2>/dev/null)" = "$(TOP)" ]; then \
		git ls-files -z -- $(DKMS_FILES) | xargs -0 cp --parents -t $(DKMS_SRC); \
	else \
		cp -r $(DKMS_FILES) $(DKMS_SRC)/; \
	fi

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

clean:
	-$(MAKE) -C $(KDIR) M=$(TOP) clean
	$(MAKE) -C lib clean
	$(MAKE) -C cli clean
	$(MAKE) -C selftests clean
	rm -rf build

.PHONY: all module lib cli selftests test-lib check check-native check-kernels \
	demo bench host-run lint \
	install uninstall dkms-src dkms-install dkms-remove check-dkms clean
