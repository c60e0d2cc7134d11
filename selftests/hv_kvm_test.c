// SPDX-License-Identifier: GPL-2.0
/*
 * hv and KVM share the CPU's SVM/VMX (docs/API.md, HV_CREATE_VM): only one
 * of them may have it on at a time, each takes it only while it has VMs,
 * and the loser gets EBUSY without harm to the host. The testbed runs this
 * binary a second time after loading kvm_amd/kvm_intel; without /dev/kvm
 * every test skips.
 */
#include <fcntl.h>
#include <unistd.h>

#include "test_util.h"

/* From linux/kvm.h: the one ioctl these tests need. */
#define KVM_IO			0xae
#define KVM_CREATE_VM		_IO(KVM_IO, 0x01)

FIXTURE(kvm) {
	int dev;
	int kvm;
	bool kvm_holds_virt;	/* kvm.enable_virt_at_load: KVM owns it always */
};

/* Since 6.12 KVM may turn SVM/VMX on when it loads, for good. */
static bool kvm_enables_virt_at_load(void)
{
	char c = 0;
	int fd = open("/sys/module/kvm/parameters/enable_virt_at_load",
		      O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (read(fd, &c, 1) != 1)
		c = 0;
	close(fd);
	return c == 'Y' || c == '1';
}

FIXTURE_SETUP(kvm)
{
	int vm;

	if (access("/dev/kvm", F_OK))
		SKIP_TEST("no /dev/kvm");
	self->dev = open_dev_hv(_metadata);
	vm = hv_ioctl(self->dev, HV_CREATE_VM, 0);
	if (vm == -EBUSY) {
		/* The documented refusal, as long as KVM is why. */
		ASSERT_TRUE(kvm_enables_virt_at_load())
			TH_LOG("HV_CREATE_VM is EBUSY with no KVM VM around");
		self->kvm_holds_virt = true;
	} else {
		ASSERT_LE(0, vm);
		close(vm);
	}
	self->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->kvm) TH_LOG("/dev/kvm: %s", strerror(errno));
}

FIXTURE_TEARDOWN(kvm)
{
	close(self->kvm);
	close(self->dev);
}

/* While a KVM VM holds SVM/VMX, HV_CREATE_VM fails with EBUSY; then works. */
TEST_F(kvm, kvm_vm_makes_create_vm_ebusy)
{
	int kvm_vm, vm;

	if (self->kvm_holds_virt) {
		EXPECT_EQ(-EBUSY, hv_ioctl(self->dev, HV_CREATE_VM, 0));
		return;
	}
	/* hv has no VM now, so it must have handed SVM/VMX back. */
	kvm_vm = hv_ioctl(self->kvm, KVM_CREATE_VM, 0);
	ASSERT_LE(0, kvm_vm) TH_LOG("KVM_CREATE_VM with no hv VM: %s",
				    strerror(-kvm_vm));
	ASSERT_EQ(-EBUSY, hv_ioctl(self->dev, HV_CREATE_VM, 0));
	close(kvm_vm);

	vm = hv_ioctl(self->dev, HV_CREATE_VM, 0);
	ASSERT_LE(0, vm) TH_LOG("HV_CREATE_VM after the KVM VM closed: %s",
				strerror(-vm));
	close(vm);
}

/* The other way round: while hv has a VM, KVM cannot turn SVM/VMX on. */
TEST_F(kvm, hv_vm_makes_kvm_create_vm_fail)
{
	int kvm_vm, vm;

	if (self->kvm_holds_virt) {
		/* KVM keeps working beside a refused hv. */
		kvm_vm = hv_ioctl(self->kvm, KVM_CREATE_VM, 0);
		ASSERT_LE(0, kvm_vm);
		close(kvm_vm);
		return;
	}
	vm = hv_ioctl(self->dev, HV_CREATE_VM, 0);
	ASSERT_LE(0, vm);
	kvm_vm = hv_ioctl(self->kvm, KVM_CREATE_VM, 0);
	EXPECT_GT(0, kvm_vm) TH_LOG("KVM created a VM while hv owned SVM/VMX");
	if (kvm_vm >= 0)
		close(kvm_vm);
	close(vm);

	kvm_vm = hv_ioctl(self->kvm, KVM_CREATE_VM, 0);
	ASSERT_LE(0, kvm_vm) TH_LOG("KVM_CREATE_VM after hv's VM closed: %s",
				    strerror(-kvm_vm));
	close(kvm_vm);
}

TEST_HARNESS_MAIN
