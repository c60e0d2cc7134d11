// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_hold: create one KVM VM and keep it until killed, so that
 * kvm_amd/kvm_intel turn SVM/VMX on once for a whole run of the selftests
 * on KVM (HV_ACCEL=kvm) instead of once per test VM: under QEMU's emulated
 * SVM, kvm_amd's enable/disable path freezes the emulated machine within a
 * hundred or so cycles (selftests/testbed/README.md, "Known emulator
 * problems"). Prints "kvm_hold: holding a VM" once it has one; exits 1
 * (with why) when it cannot get one. Stop it with SIGTERM.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>

int main(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int vm = kvm < 0 ? -1 : ioctl(kvm, KVM_CREATE_VM, 0);

	if (vm < 0) {
		fprintf(stderr, "kvm_hold: %s: %s\n",
			kvm < 0 ? "open /dev/kvm" : "KVM_CREATE_VM", strerror(errno));
		return 1;
	}
	printf("kvm_hold: holding a VM\n");
	fflush(stdout);
	for (;;)
		pause();
}
