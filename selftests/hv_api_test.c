// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/hv ioctls (docs/API.md "/dev/hv"), unknown ioctls on every fd, and the
 * layout of every uapi struct. Raw ioctls throughout: libhv must not hide
 * what the module returns.
 */
#include <stddef.h>

#include "test_util.h"

/* An ioctl number hv does not define, and one of KVM's. */
#define HV_IOCTL_UNDEFINED	_IO(HVIO, 0xff)
#define KVM_GET_API_VERSION	_IO(0xae, 0x00)
/* A capability number hv will never define. */
#define HV_CAP_UNDEFINED	0x7fffffff

FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	self->fd = open_dev_hv(_metadata);
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

TEST_F(dev, api_version)
{
	ASSERT_EQ(HV_API_VERSION, hv_ioctl(self->fd, HV_GET_API_VERSION, 0));
}

TEST_F(dev, cap_backend_is_svm_or_vmx)
{
	long backend = hv_ioctl(self->fd, HV_CHECK_CAP, HV_CAP_BACKEND);

	ASSERT_TRUE(backend == HV_BACKEND_SVM || backend == HV_BACKEND_VMX)
		TH_LOG("HV_CAP_BACKEND = %ld", backend);
}

TEST_F(dev, cap_limits)
{
	long gpa_bits = hv_ioctl(self->fd, HV_CHECK_CAP, HV_CAP_GPA_BITS);

	EXPECT_LE(1, hv_ioctl(self->fd, HV_CHECK_CAP, HV_CAP_MAX_VCPUS));
	EXPECT_LE(1, hv_ioctl(self->fd, HV_CHECK_CAP, HV_CAP_NR_MEMSLOTS));
	EXPECT_EQ(1, hv_ioctl(self->fd, HV_CHECK_CAP, HV_CAP_NESTED_PAGING));
	EXPECT_TRUE(gpa_bits >= 32 && gpa_bits <= 52)
		TH_LOG("HV_CAP_GPA_BITS = %ld", gpa_bits);
}

TEST_F(dev, cap_run_size_holds_run_page)
{
	long size = hv_ioctl(self->fd, HV_CHECK_CAP, HV_CAP_RUN_SIZE);

	ASSERT_LE((long)sizeof(struct hv_run), size);
	ASSERT_EQ(0, size % (long)PAGE_SIZE);
}

TEST_F(dev, cap_stats_is_stat_nr)
{
	ASSERT_EQ(HV_STAT_NR, hv_ioctl(self->fd, HV_CHECK_CAP, HV_CAP_STATS));
}

TEST_F(dev, cap_unknown_is_zero)
{
	ASSERT_EQ(0, hv_ioctl(self->fd, HV_CHECK_CAP, HV_CAP_UNDEFINED));
}

TEST_F(dev, create_vm_gives_distinct_fds)
{
	int a = hv_ioctl(self->fd, HV_CREATE_VM, 0);
	int b = hv_ioctl(self->fd, HV_CREATE_VM, 0);

	ASSERT_LE(0, a) TH_LOG("HV_CREATE_VM: %s", strerror(-a));
	ASSERT_LE(0, b) TH_LOG("HV_CREATE_VM: %s", strerror(-b));
	EXPECT_NE(a, b);
	/* Each is a VM of its own: it answers VM ioctls. */
	EXPECT_EQ(-ENOENT, hv_ioctl(a, HV_VM_DELETE_MEMSLOT, 0));
	EXPECT_EQ(-ENOENT, hv_ioctl(b, HV_VM_DELETE_MEMSLOT, 0));
	close(a);
	close(b);
}

TEST_F(dev, create_vm_nonzero_arg_einval)
{
	ASSERT_EQ(-EINVAL, hv_ioctl(self->fd, HV_CREATE_VM, 1));
}

TEST_F(dev, msr_list_too_small_e2big_with_count)
{
	struct hv_msr_list list = { .nmsrs = 0 };

	ASSERT_EQ(-E2BIG, hv_ioctl(self->fd, HV_GET_MSR_LIST, &list));
	ASSERT_LT(0, list.nmsrs);
	ASSERT_GE(HV_MAX_MSR_ENTRIES, list.nmsrs);
}

TEST_F(dev, msr_list_full)
{
	uint32_t idx[HV_MAX_MSR_ENTRIES];
	struct hv_msr_list list = { .nmsrs = 0 };
	uint32_t count, i, j;

	ASSERT_EQ(-E2BIG, hv_ioctl(self->fd, HV_GET_MSR_LIST, &list));
	count = list.nmsrs;
	list.nmsrs = HV_MAX_MSR_ENTRIES;
	list.indices = (uintptr_t)idx;
	ASSERT_EQ(0, hv_ioctl(self->fd, HV_GET_MSR_LIST, &list));
	ASSERT_EQ(count, list.nmsrs);
	for (i = 0; i < count; i++)
		for (j = i + 1; j < count; j++) {
			EXPECT_NE(idx[i], idx[j]) TH_LOG("MSR 0x%x listed twice",
							 idx[i]);
		}
}

TEST_F(dev, msr_list_padding_einval)
{
	uint32_t idx[HV_MAX_MSR_ENTRIES];
	struct hv_msr_list list = {
		.nmsrs = HV_MAX_MSR_ENTRIES,
		.padding = 1,
		.indices = (uintptr_t)idx,
	};

	ASSERT_EQ(-EINVAL, hv_ioctl(self->fd, HV_GET_MSR_LIST, &list));
}

TEST_F(dev, supported_cpuid_too_small_e2big_with_count)
{
	struct hv_cpuid_entry e[1];
	struct hv_cpuid cpuid = { .nent = 1, .entries = (uintptr_t)e };

	ASSERT_EQ(-E2BIG, hv_ioctl(self->fd, HV_GET_SUPPORTED_CPUID, &cpuid));
	ASSERT_LT(1, cpuid.nent);
	ASSERT_GE(HV_MAX_CPUID_ENTRIES, cpuid.nent);
}

TEST_F(dev, supported_cpuid_full)
{
	struct hv_cpuid_entry e[HV_MAX_CPUID_ENTRIES];
	struct hv_cpuid cpuid = {
		.nent = HV_MAX_CPUID_ENTRIES,
		.entries = (uintptr_t)e,
	};
	bool leaf0 = false;
	uint32_t i;

	memset(e, 0xff, sizeof(e));
	ASSERT_EQ(0, hv_ioctl(self->fd, HV_GET_SUPPORTED_CPUID, &cpuid));
	ASSERT_LT(0, cpuid.nent);
	for (i = 0; i < cpuid.nent; i++) {
		EXPECT_EQ(0, e[i].padding);
		EXPECT_EQ(0, e[i].flags & ~HV_CPUID_FLAG_INDEXED);
		if (e[i].function == 0)
			leaf0 = true;
	}
	ASSERT_TRUE(leaf0) TH_LOG("no CPUID leaf 0 in the default table");
}

TEST_F(dev, supported_cpuid_padding_einval)
{
	struct hv_cpuid_entry e[HV_MAX_CPUID_ENTRIES];
	struct hv_cpuid cpuid = {
		.nent = HV_MAX_CPUID_ENTRIES,
		.padding = 1,
		.entries = (uintptr_t)e,
	};

	ASSERT_EQ(-EINVAL, hv_ioctl(self->fd, HV_GET_SUPPORTED_CPUID, &cpuid));
}

/* hv cannot virtualize VMX or SVM: the default table must not offer them. */
TEST_F(dev, supported_cpuid_hides_vmx_svm)
{
	struct hv_cpuid_entry e[HV_MAX_CPUID_ENTRIES];
	struct hv_cpuid cpuid = {
		.nent = HV_MAX_CPUID_ENTRIES,
		.entries = (uintptr_t)e,
	};
	uint32_t i;

	ASSERT_EQ(0, hv_ioctl(self->fd, HV_GET_SUPPORTED_CPUID, &cpuid));
	for (i = 0; i < cpuid.nent; i++) {
		if (e[i].function == 1)
			EXPECT_EQ(0, e[i].ecx & CPUID_1_ECX_VMX);
		if (e[i].function == 0x80000001)
			EXPECT_EQ(0, e[i].ecx & CPUID_80000001_ECX_SVM);
	}
}

TEST_F(dev, unknown_ioctl_dev_enotty)
{
	EXPECT_EQ(-ENOTTY, hv_ioctl(self->fd, HV_IOCTL_UNDEFINED, 0));
	EXPECT_EQ(-ENOTTY, hv_ioctl(self->fd, KVM_GET_API_VERSION, 0));
	/* A VM ioctl on /dev/hv is unknown there too. */
	EXPECT_EQ(-ENOTTY, hv_ioctl(self->fd, HV_VM_CREATE_VCPU, 0));
}

TEST_F(dev, unknown_ioctl_vm_enotty)
{
	int vm = hv_ioctl(self->fd, HV_CREATE_VM, 0);

	ASSERT_LE(0, vm);
	EXPECT_EQ(-ENOTTY, hv_ioctl(vm, HV_IOCTL_UNDEFINED, 0));
	EXPECT_EQ(-ENOTTY, hv_ioctl(vm, HV_GET_API_VERSION, 0));
	EXPECT_EQ(-ENOTTY, hv_ioctl(vm, HV_VCPU_RUN, 0));
	close(vm);
}

TEST_F(dev, unknown_ioctl_vcpu_enotty)
{
	int vm = hv_ioctl(self->fd, HV_CREATE_VM, 0);
	int vcpu;

	ASSERT_LE(0, vm);
	vcpu = hv_ioctl(vm, HV_VM_CREATE_VCPU, 0);
	ASSERT_LE(0, vcpu) TH_LOG("HV_VM_CREATE_VCPU: %s", strerror(-vcpu));
	EXPECT_EQ(-ENOTTY, hv_ioctl(vcpu, HV_IOCTL_UNDEFINED, 0));
	EXPECT_EQ(-ENOTTY, hv_ioctl(vcpu, HV_CREATE_VM, 0));
	EXPECT_EQ(-ENOTTY, hv_ioctl(vcpu, HV_VM_CREATE_VCPU, 1));
	close(vcpu);
	close(vm);
}

/* The ABI is fixed: every struct's size and a few offsets. Needs no module. */
TEST(uapi_struct_layout)
{
	EXPECT_EQ(64, sizeof(struct hv_memslot));
	EXPECT_EQ(16, offsetof(struct hv_memslot, size));
	EXPECT_EQ(144, sizeof(struct hv_regs));
	EXPECT_EQ(128, offsetof(struct hv_regs, rip));
	EXPECT_EQ(24, sizeof(struct hv_segment));
	EXPECT_EQ(12, offsetof(struct hv_segment, selector));
	EXPECT_EQ(16, sizeof(struct hv_dtable));
	EXPECT_EQ(344, sizeof(struct hv_sregs));
	EXPECT_EQ(224, offsetof(struct hv_sregs, cr0));
	EXPECT_EQ(264, offsetof(struct hv_sregs, efer));
	EXPECT_EQ(280, offsetof(struct hv_sregs, reserved));
	EXPECT_EQ(16, sizeof(struct hv_msr_entry));
	EXPECT_EQ(16, sizeof(struct hv_msrs));
	EXPECT_EQ(16, sizeof(struct hv_msr_list));
	EXPECT_EQ(4096, sizeof(struct hv_xsave));
	EXPECT_EQ(64, sizeof(struct hv_xcrs));
	EXPECT_EQ(32, sizeof(struct hv_cpuid_entry));
	EXPECT_EQ(16, sizeof(struct hv_cpuid));
	EXPECT_EQ(32, sizeof(struct hv_event));
	EXPECT_EQ(4, offsetof(struct hv_event, error_code));
	EXPECT_EQ(512, sizeof(struct hv_vcpu_stats));
	EXPECT_EQ(4096, sizeof(struct hv_run));
	EXPECT_EQ(8, offsetof(struct hv_run, sync_regs));
	EXPECT_EQ(16, offsetof(struct hv_run, exit_reason));
	EXPECT_EQ(24, offsetof(struct hv_run, cr8));
	EXPECT_EQ(32, offsetof(struct hv_run, regs));
	EXPECT_EQ(176, offsetof(struct hv_run, sregs));
	EXPECT_EQ(520, offsetof(struct hv_run, io));
	EXPECT_EQ(528, offsetof(struct hv_run, mmio.data));
	EXPECT_EQ(576, offsetof(struct hv_run, hypercall.ret));
	EXPECT_EQ(528, offsetof(struct hv_run, internal.data));
	EXPECT_EQ(HV_RUN_IO_DATA_OFFSET, offsetof(struct hv_run, io_data));
	/* Every struct is a multiple of 8 bytes. */
	EXPECT_EQ(0, sizeof(struct hv_segment) % 8);
	EXPECT_EQ(0, sizeof(struct hv_sregs) % 8);
	/* The ioctl numbers carry these sizes. */
	EXPECT_EQ(sizeof(struct hv_memslot), _IOC_SIZE(HV_VM_SET_MEMSLOT));
	EXPECT_EQ(sizeof(struct hv_sregs), _IOC_SIZE(HV_VCPU_SET_SREGS));
	EXPECT_EQ(sizeof(struct hv_xsave), _IOC_SIZE(HV_VCPU_GET_XSAVE));
	EXPECT_EQ(sizeof(struct hv_event), _IOC_SIZE(HV_VCPU_INJECT));
}

TEST_HARNESS_MAIN
