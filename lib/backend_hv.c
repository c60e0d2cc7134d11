// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The hv accelerator: libhv's API on /dev/hv, the hv module's ioctls
 * (uapi/linux/hv.h, docs/API.md). Each op is a thin, size-checked wrapper:
 * the module validates every argument, and libhv passes them unchanged so
 * that its callers see the module's answer.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "backend.h"

/* What libhv itself relies on; everything else is the caller's business. */
static const struct {
	uint32_t cap;
	uint64_t min;
} required_caps[] = {
	/* hv_vcpu_create() asks for HV_SYNC_REGS in every run page. */
	{ HV_CAP_SYNC_REGS, 1 },
	/* The mapping must hold all of struct hv_run. */
	{ HV_CAP_RUN_SIZE, sizeof(struct hv_run) },
};

static int hv_api_version_op(struct hv *hv)
{
	return LIBHV_IOCTL(hv->fd, HV_GET_API_VERSION, 0);
}

static int hv_check_cap_op(struct hv *hv, uint32_t cap, uint64_t *value)
{
	int ret = LIBHV_IOCTL(hv->fd, HV_CHECK_CAP, cap);

	if (ret < 0)
		return ret;
	*value = (uint64_t)ret;
	return 0;
}

static int check_caps(struct hv *hv)
{
	for (size_t i = 0; i < sizeof(required_caps) / sizeof(required_caps[0]); i++) {
		const char *name = hv_cap_name(required_caps[i].cap);
		uint64_t value;
		int err;

		err = hv_check_cap_op(hv, required_caps[i].cap, &value);
		if (err)
			return err;
		if (value == 0)
			return libhv_error(-EOPNOTSUPP, "capability %s is missing", name);
		if (value < required_caps[i].min)
			return libhv_error(-EOPNOTSUPP,
					   "capability %s is %llu, libhv needs at least %llu",
					   name, (unsigned long long)value,
					   (unsigned long long)required_caps[i].min);
	}
	return 0;
}

static int hv_check_usable_op(struct hv *hv)
{
	uint64_t run_size;
	int version, err;

	version = hv_api_version_op(hv);
	if (version == -ENOTTY)
		return libhv_error(-ENOTTY, "the device does not answer HV_GET_API_VERSION: it is not hv");
	if (version < 0)
		return version;
	if (version != HV_API_VERSION)
		return libhv_error(-EPROTO, "hv speaks API version %d, libhv speaks %d",
				   version, HV_API_VERSION);
	err = check_caps(hv);
	if (err)
		return err;
	err = hv_check_cap_op(hv, HV_CAP_RUN_SIZE, &run_size);
	if (err)
		return err;
	hv->run_size = (uint32_t)run_size;
	return 0;
}

/* HV_GET_SUPPORTED_CPUID, HV_VCPU_GET_CPUID: nent says the room, then the count. */
static int get_table(int fd, unsigned long req, const char *name,
		     struct hv_cpuid_entry *entries, uint32_t *nent)
{
	struct hv_cpuid cpuid = { .nent = *nent, .entries = (uintptr_t)entries };
	int ret;

	_Static_assert(sizeof(cpuid) == _IOC_SIZE(HV_GET_SUPPORTED_CPUID) &&
		       sizeof(cpuid) == _IOC_SIZE(HV_VCPU_GET_CPUID),
		       "argument size of the CPUID ioctls");
	ret = libhv_ioctl(fd, req, (unsigned long)(uintptr_t)&cpuid, name);
	/* On -E2BIG too: nent says how much room is needed. */
	if (ret >= 0 || ret == -E2BIG)
		*nent = cpuid.nent;
	return ret < 0 ? ret : 0;
}

static int hv_get_supported_cpuid_op(struct hv *hv, struct hv_cpuid_entry *entries,
				     uint32_t *nent)
{
	return get_table(hv->fd, HV_GET_SUPPORTED_CPUID, "HV_GET_SUPPORTED_CPUID",
			 entries, nent);
}

static int hv_get_msr_list_op(struct hv *hv, uint32_t *indices, uint32_t *n)
{
	struct hv_msr_list list = { .nmsrs = *n, .indices = (uintptr_t)indices };
	int ret;

	ret = LIBHV_IOCTL_PTR(hv->fd, HV_GET_MSR_LIST, &list);
	if (ret >= 0 || ret == -E2BIG)
		*n = list.nmsrs;
	return ret < 0 ? ret : 0;
}

/* ---- VM ---- */

static int hv_vm_create_op(struct hv *hv, struct hv_vm *vm)
{
	int fd = LIBHV_IOCTL(hv->fd, HV_CREATE_VM, 0);

	if (fd < 0) {
		if (fd == -EBUSY)
			libhv_error(fd, "another hypervisor (e.g. KVM) is using SVM/VMX");
		return fd;
	}
	vm->fd = fd;
	return 0;
}

static void hv_vm_destroy_op(struct hv_vm *vm)
{
	close(vm->fd);
}

static int hv_set_memslot_op(struct hv_vm *vm, struct libhv_slot *slot)
{
	struct hv_memslot ms = {
		.slot = slot->id,
		.flags = slot->flags,
		.gpa = slot->gpa,
		.size = slot->size,
		.uaddr = (uintptr_t)slot->host,
	};

	return LIBHV_IOCTL_PTR(vm->fd, HV_VM_SET_MEMSLOT, &ms);
}

/* The module has the last word: it may know slots libhv did not set. */
static int hv_delete_memslot_op(struct hv_vm *vm, uint32_t id,
				const struct libhv_slot *slot)
{
	(void)slot;
	return LIBHV_IOCTL(vm->fd, HV_VM_DELETE_MEMSLOT, id);
}

/* A module without the irqchip is told apart from other failures. */
static int hv_create_irqchip_op(struct hv_vm *vm)
{
	int err = LIBHV_IOCTL(vm->fd, HV_VM_CREATE_IRQCHIP, 0);

	switch (err) {
	case -ENOTTY:
		return libhv_error(-EOPNOTSUPP,
				   "the hv module has no in-kernel irqchip (HV_CAP_IRQCHIP): load a newer one");
	case -EBUSY:
		return libhv_error(err, "HV_VM_CREATE_IRQCHIP: the VM has vCPUs already");
	case -EEXIST:
		return libhv_error(err, "HV_VM_CREATE_IRQCHIP: the VM has an irqchip already");
	}
	return err;
}

static int hv_irq_line_op(struct hv_vm *vm, uint32_t gsi, uint32_t level)
{
	struct hv_irq_line line = { .gsi = gsi, .level = level };

	return LIBHV_IOCTL_PTR(vm->fd, HV_VM_IRQ_LINE, &line);
}

static int hv_signal_msi_op(struct hv_vm *vm, uint64_t address, uint32_t data)
{
	struct hv_msi msi = { .address = address, .data = data };

	return LIBHV_IOCTL_PTR(vm->fd, HV_VM_SIGNAL_MSI, &msi);
}

/* A module from before the registry does not know the ioctl. */
static int hv_set_name_op(struct hv_vm *vm, const struct hv_vm_name *name)
{
	int err = LIBHV_IOCTL_PTR(vm->fd, HV_VM_SET_NAME, name);

	if (err == -ENOTTY)
		return libhv_error(-EOPNOTSUPP,
				   "the hv module has no VM registry (HV_CAP_REGISTRY): load a newer one");
	return err;
}

/* ---- vCPU ---- */

static int hv_vcpu_create_op(struct hv_vm *vm, struct hv_vcpu *vcpu)
{
	void *run;
	int fd;

	fd = LIBHV_IOCTL(vm->fd, HV_VM_CREATE_VCPU, vcpu->id);
	if (fd < 0)
		return fd;
	run = mmap(NULL, vcpu->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (run == MAP_FAILED) {
		int err = errno;

		close(fd);
		return libhv_error(-err, "cannot map the run page of vCPU %u: %s",
				   vcpu->id, strerror(err));
	}
	vcpu->fd = fd;
	vcpu->run = run;
	return 0;
}

static void hv_vcpu_destroy_op(struct hv_vcpu *vcpu)
{
	munmap(vcpu->run, vcpu->run_size);
	close(vcpu->fd);
}

static int hv_vcpu_run_op(struct hv_vcpu *vcpu)
{
	int err;

	if (ioctl(vcpu->fd, HV_VCPU_RUN, 0) == 0)
		return 0;
	err = errno;
	if (err == EINTR) {
		/*
		 * hv says HV_EXIT_INTERRUPTED itself; writing it again also
		 * covers an EINTR from before hv looked at the run page.
		 */
		vcpu->run->exit_reason = HV_EXIT_INTERRUPTED;
		return 0;
	}
	if (err == EPERM && vcpu->run->exit_reason == HV_EXIT_STOPPED)
		return libhv_error(-err, "HV_VCPU_RUN: an administrator stopped the VM (HV_CMD_STOP_VM)");
	return libhv_error(-err, "HV_VCPU_RUN failed: %s", strerror(err));
}

static int hv_get_regs_op(struct hv_vcpu *vcpu, struct hv_regs *regs)
{
	return LIBHV_IOCTL_PTR(vcpu->fd, HV_VCPU_GET_REGS, regs);
}

static int hv_set_regs_op(struct hv_vcpu *vcpu, const struct hv_regs *regs)
{
	return LIBHV_IOCTL_PTR(vcpu->fd, HV_VCPU_SET_REGS, regs);
}

static int hv_get_sregs_op(struct hv_vcpu *vcpu, struct hv_sregs *sregs)
{
	return LIBHV_IOCTL_PTR(vcpu->fd, HV_VCPU_GET_SREGS, sregs);
}

static int hv_set_sregs_op(struct hv_vcpu *vcpu, const struct hv_sregs *sregs)
{
	return LIBHV_IOCTL_PTR(vcpu->fd, HV_VCPU_SET_SREGS, sregs);
}

/*
 * HV_VCPU_GET/SET_MSRS return how many entries they processed: 0 of our
 * one entry means the MSR is not offered or the value is invalid.
 */
static int hv_msr_io(struct hv_vcpu *vcpu, bool set, struct hv_msr_entry *entry)
{
	struct hv_msrs msrs = { .nmsrs = 1, .entries = (uintptr_t)entry };

	return set ? LIBHV_IOCTL_PTR(vcpu->fd, HV_VCPU_SET_MSRS, &msrs) :
		     LIBHV_IOCTL_PTR(vcpu->fd, HV_VCPU_GET_MSRS, &msrs);
}

static int hv_get_msr_op(struct hv_vcpu *vcpu, uint32_t index, uint64_t *value)
{
	struct hv_msr_entry entry = { .index = index };
	int ret = hv_msr_io(vcpu, false, &entry);

	if (ret < 0)
		return ret;
	if (ret != 1)
		return libhv_error(-EINVAL, "MSR 0x%x is not in HV_GET_MSR_LIST", index);
	*value = entry.data;
	return 0;
}

static int hv_set_msr_op(struct hv_vcpu *vcpu, uint32_t index, uint64_t value)
{
	struct hv_msr_entry entry = { .index = index, .data = value };
	int ret = hv_msr_io(vcpu, true, &entry);

	if (ret < 0)
		return ret;
	if (ret != 1)
		return libhv_error(-EINVAL,
				   "MSR 0x%x is not in HV_GET_MSR_LIST or 0x%llx is not a valid value for it",
				   index, (unsigned long long)value);
	return 0;
}

static int hv_get_xsave_op(struct hv_vcpu *vcpu, struct hv_xsave *xsave)
{
	return LIBHV_IOCTL_PTR(vcpu->fd, HV_VCPU_GET_XSAVE, xsave);
}

static int hv_set_xsave_op(struct hv_vcpu *vcpu, const struct hv_xsave *xsave)
{
	return LIBHV_IOCTL_PTR(vcpu->fd, HV_VCPU_SET_XSAVE, xsave);
}

static int hv_get_xcrs_op(struct hv_vcpu *vcpu, struct hv_xcrs *xcrs)
{
	return LIBHV_IOCTL_PTR(vcpu->fd, HV_VCPU_GET_XCRS, xcrs);
}

static int hv_set_xcrs_op(struct hv_vcpu *vcpu, const struct hv_xcrs *xcrs)
{
	return LIBHV_IOCTL_PTR(vcpu->fd, HV_VCPU_SET_XCRS, xcrs);
}

static int hv_get_cpuid_op(struct hv_vcpu *vcpu, struct hv_cpuid_entry *entries,
			   uint32_t *nent)
{
	return get_table(vcpu->fd, HV_VCPU_GET_CPUID, "HV_VCPU_GET_CPUID", entries, nent);
}

static int hv_set_cpuid_op(struct hv_vcpu *vcpu,
			   const struct hv_cpuid_entry *entries, uint32_t nent)
{
	struct hv_cpuid cpuid = { .nent = nent, .entries = (uintptr_t)entries };

	return LIBHV_IOCTL_PTR(vcpu->fd, HV_VCPU_SET_CPUID, &cpuid);
}

static int hv_inject_op(struct hv_vcpu *vcpu, const struct hv_event *event)
{
	return LIBHV_IOCTL_PTR(vcpu->fd, HV_VCPU_INJECT, event);
}

/* A bare ioctl: no detail to format, so it is async-signal-safe. */
static int hv_kick_op(struct hv_vcpu *vcpu)
{
	return ioctl(vcpu->fd, HV_VCPU_KICK, 0) ? -errno : 0;
}

static int hv_get_stats_op(struct hv_vcpu *vcpu, struct hv_vcpu_stats *stats)
{
	return LIBHV_IOCTL_PTR(vcpu->fd, HV_VCPU_GET_STATS, stats);
}

const struct libhv_backend_ops libhv_backend_hv = {
	.name			= "hv",
	.default_path		= LIBHV_DEFAULT_PATH,
	.missing		= "the hv module is not loaded",
	.device			= "an hv device",
	.api_version		= hv_api_version_op,
	.check_usable		= hv_check_usable_op,
	.check_cap		= hv_check_cap_op,
	.get_supported_cpuid	= hv_get_supported_cpuid_op,
	.get_msr_list		= hv_get_msr_list_op,
	.vm_create		= hv_vm_create_op,
	.vm_destroy		= hv_vm_destroy_op,
	.set_memslot		= hv_set_memslot_op,
	.delete_memslot		= hv_delete_memslot_op,
	.create_irqchip		= hv_create_irqchip_op,
	.irq_line		= hv_irq_line_op,
	.signal_msi		= hv_signal_msi_op,
	.set_name		= hv_set_name_op,
	.vcpu_create		= hv_vcpu_create_op,
	.vcpu_destroy		= hv_vcpu_destroy_op,
	.vcpu_run		= hv_vcpu_run_op,
	.get_regs		= hv_get_regs_op,
	.set_regs		= hv_set_regs_op,
	.get_sregs		= hv_get_sregs_op,
	.set_sregs		= hv_set_sregs_op,
	.get_msr		= hv_get_msr_op,
	.set_msr		= hv_set_msr_op,
	.get_xsave		= hv_get_xsave_op,
	.set_xsave		= hv_set_xsave_op,
	.get_xcrs		= hv_get_xcrs_op,
	.set_xcrs		= hv_set_xcrs_op,
	.get_cpuid		= hv_get_cpuid_op,
	.set_cpuid		= hv_set_cpuid_op,
	.inject			= hv_inject_op,
	.kick			= hv_kick_op,
	.get_stats		= hv_get_stats_op,
};
