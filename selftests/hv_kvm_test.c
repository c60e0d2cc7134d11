// SPDX-License-Identifier: GPL-2.0
/*
 * hv and KVM share the CPU's SVM/VMX (docs/API.md, HV_CREATE_VM): only one
 * of them may have it on at a time, each takes it only while it has VMs,
 * and the loser gets EBUSY without harm to the host. In VT-x local mode
 * (hv.vmx_local) hv has VMX on only during each entry and state access, so
 * KVM may take it while hv has VMs, and hv's vCPUs wait for it to finish.
 * The testbed runs this binary a second time after loading
 * kvm_amd/kvm_intel; without /dev/kvm every test skips.
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

/* A module's bool parameter, from sysfs: false if it is not there. */
static bool param_set(const char *path)
{
	char c = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (read(fd, &c, 1) != 1)
		c = 0;
	close(fd);
	return c == 'Y' || c == '1';
}

/* hv's VT-x backend in local mode: VMX on only inside each entry. */
static bool hv_vmx_local(void)
{
	return param_set("/sys/module/hv/parameters/vmx_local");
}

static GUEST_CODE void guest_done(void)
{
	GUEST_DONE();
}

/*
 * Local mode: KVM takes VMX beside an hv VM. hv's vCPU can then neither
 * run (HV_FAIL_VIRT_BUSY) nor show its state (EBUSY), and does both again
 * once KVM's VM is gone.
 */
static void local_mode_takes_turns(struct __test_metadata *_metadata,
				   int kvm)
{
	struct guest_env g = { 0 };
	struct hv_sregs s;
	int kvm_vm;

	guest_env_setup(&g, guest_done);
	kvm_vm = hv_ioctl(kvm, KVM_CREATE_VM, 0);
	ASSERT_LE(0, kvm_vm) TH_LOG("KVM_CREATE_VM beside an hv VM: %s",
				    strerror(-kvm_vm));
	EXPECT_EQ(-EBUSY, hv_vcpu_get_sregs(g.vcpu, &s));
	vcpu_run_exit(g.vcpu, HV_EXIT_FAIL_ENTRY);
	EXPECT_EQ(HV_FAIL_VIRT_BUSY, g.run->fail.hw_reason);
	close(kvm_vm);

	ASSERT_OK(hv_vcpu_get_sregs(g.vcpu, &s));
	vcpu_done(g.vcpu);
	guest_env_teardown(&g);
}

/* Since 6.12 KVM may turn SVM/VMX on when it loads, for good. */
static bool kvm_enables_virt_at_load(void)
{
	return param_set("/sys/module/kvm/parameters/enable_virt_at_load");
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

/*
 * hv and KVM take turns. KVM turns SVM/VMX on and off exactly once here:
 * under QEMU's emulated SVM, kvm_amd's own enable/disable path freezes the
 * emulated machine every few dozen cycles (with hv not even loaded), so
 * the suite cycles it no more than it must.
 */
TEST_F(kvm, hv_and_kvm_take_turns)
{
	int kvm_vm, vm;

	if (self->kvm_holds_virt) {
		/* KVM owns it for good; hv is refused and KVM keeps working. */
		EXPECT_EQ(-EBUSY, hv_ioctl(self->dev, HV_CREATE_VM, 0));
		kvm_vm = hv_ioctl(self->kvm, KVM_CREATE_VM, 0);
		ASSERT_LE(0, kvm_vm);
		close(kvm_vm);
		return;
	}

	/* hv has no VM (the fixture closed its one): KVM can take over. */
	kvm_vm = hv_ioctl(self->kvm, KVM_CREATE_VM, 0);
	ASSERT_LE(0, kvm_vm) TH_LOG("KVM_CREATE_VM with no hv VM: %s",
				    strerror(-kvm_vm));
	ASSERT_EQ(-EBUSY, hv_ioctl(self->dev, HV_CREATE_VM, 0));
	close(kvm_vm);

	/* And back: hv works again, and now KVM is the one refused... */
	vm = hv_ioctl(self->dev, HV_CREATE_VM, 0);
	ASSERT_LE(0, vm) TH_LOG("HV_CREATE_VM after the KVM VM closed: %s",
				strerror(-vm));
	if (hv_vmx_local()) {
		/* ...but for hv's VT-x local mode, which holds VMX for less. */
		close(vm);
		local_mode_takes_turns(_metadata, self->kvm);
		return;
	}
	kvm_vm = hv_ioctl(self->kvm, KVM_CREATE_VM, 0);
	EXPECT_GT(0, kvm_vm) TH_LOG("KVM created a VM while hv owned SVM/VMX");
	if (kvm_vm >= 0)
		close(kvm_vm);
	close(vm);
}

TEST_HARNESS_MAIN
