// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vCPU handles: creation with the run page, entering the guest, and the
 * state ioctls (each a thin, size-checked wrapper).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

static int vcpu_map_run(struct hv_vcpu *vcpu)
{
	void *run;

	run = mmap(NULL, vcpu->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   vcpu->fd, 0);
	if (run == MAP_FAILED) {
		int err = errno;

		return libhv_error(-err, "cannot map the run page of vCPU %u: %s",
				   vcpu->id, strerror(err));
	}
	vcpu->run = run;
	/* Callers of the run loop almost always look at RIP and friends. */
	vcpu->run->sync_regs = HV_SYNC_REGS;
	return 0;
}

int hv_vcpu_create(struct hv_vm *vm, uint32_t id, struct hv_vcpu **out)
{
	struct hv_vcpu *vcpu;
	int fd, err;

	if (!vm)
		return LIBHV_NULL_ARG(vm);
	if (!out)
		return LIBHV_NULL_ARG(out);
	if (vm->run_size < sizeof(struct hv_run))
		return libhv_error(-EOPNOTSUPP,
				   "the hv handle has not passed hv_check_usable(): run page size unknown");
	vcpu = calloc(1, sizeof(*vcpu));
	if (!vcpu)
		return libhv_error(-ENOMEM, "out of memory");
	fd = LIBHV_IOCTL(vm->fd, HV_VM_CREATE_VCPU, id);
	if (fd < 0) {
		err = fd;
		goto err_free;
	}
	vcpu->vm = vm;
	vcpu->fd = fd;
	vcpu->id = id;
	vcpu->run_size = vm->run_size;
	err = vcpu_map_run(vcpu);
	if (err)
		goto err_close;
	vcpu->next = vm->vcpus;
	vm->vcpus = vcpu;
	*out = vcpu;
	return 0;

err_close:
	close(fd);
err_free:
	free(vcpu);
	return err;
}

static void vcpu_unlink(struct hv_vcpu *vcpu)
{
	struct hv_vcpu **p;

	for (p = &vcpu->vm->vcpus; *p; p = &(*p)->next) {
		if (*p == vcpu) {
			*p = vcpu->next;
			return;
		}
	}
}

void hv_vcpu_destroy(struct hv_vcpu *vcpu)
{
	if (!vcpu)
		return;
	vcpu_unlink(vcpu);
	munmap(vcpu->run, vcpu->run_size);
	close(vcpu->fd);
	free(vcpu);
}

int hv_vcpu_fd(const struct hv_vcpu *vcpu)
{
	return vcpu ? vcpu->fd : LIBHV_NULL_ARG(vcpu);
}

uint32_t hv_vcpu_id(const struct hv_vcpu *vcpu)
{
	return vcpu ? vcpu->id : 0;
}

struct hv_vm *hv_vcpu_vm(const struct hv_vcpu *vcpu)
{
	return vcpu ? vcpu->vm : NULL;
}

struct hv_run *hv_vcpu_run_page(struct hv_vcpu *vcpu)
{
	return vcpu ? vcpu->run : NULL;
}

int hv_vcpu_run(struct hv_vcpu *vcpu)
{
	int err;

	if (!vcpu)
		return LIBHV_NULL_ARG(vcpu);
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
	return libhv_error(-err, "HV_VCPU_RUN failed: %s", strerror(err));
}

/* A NULL handle is the one argument error libhv catches before the ioctl. */
#define VCPU_CHECK(vcpu)				\
	do {						\
		if (!(vcpu))				\
			return LIBHV_NULL_ARG(vcpu);	\
	} while (0)

int hv_vcpu_get_regs(struct hv_vcpu *vcpu, struct hv_regs *regs)
{
	VCPU_CHECK(vcpu);
	return LIBHV_IOCTL_PTR(vcpu->fd, HV_VCPU_GET_REGS, regs);
}

int hv_vcpu_set_regs(struct hv_vcpu *vcpu, const struct hv_regs *regs)
{
	VCPU_CHECK(vcpu);
	return LIBHV_IOCTL_PTR(vcpu->fd, HV_VCPU_SET_REGS, regs);
}

int hv_vcpu_get_sregs(struct hv_vcpu *vcpu, struct hv_sregs *sregs)
{
	VCPU_CHECK(vcpu);
	return LIBHV_IOCTL_PTR(vcpu->fd, HV_VCPU_GET_SREGS, sregs);
}

int hv_vcpu_set_sregs(struct hv_vcpu *vcpu, const struct hv_sregs *sregs)
{
	VCPU_CHECK(vcpu);
	return LIBHV_IOCTL_PTR(vcpu->fd, HV_VCPU_SET_SREGS, sregs);
}

/*
 * HV_VCPU_GET/SET_MSRS return how many entries they processed: 0 of our
 * one entry means the MSR is not offered or the value is invalid.
 */
int hv_vcpu_get_msr(struct hv_vcpu *vcpu, uint32_t index, uint64_t *value)
{
	struct hv_msr_entry entry = { .index = index };
	struct hv_msrs msrs = { .nmsrs = 1, .entries = (uintptr_t)&entry };
	int ret;

	VCPU_CHECK(vcpu);
	if (!value)
		return LIBHV_NULL_ARG(value);
	ret = LIBHV_IOCTL_PTR(vcpu->fd, HV_VCPU_GET_MSRS, &msrs);
	if (ret < 0)
		return ret;
	if (ret != 1)
		return libhv_error(-EINVAL, "MSR 0x%x is not in HV_GET_MSR_LIST", index);
	*value = entry.data;
	return 0;
}

int hv_vcpu_set_msr(struct hv_vcpu *vcpu, uint32_t index, uint64_t value)
{
	struct hv_msr_entry entry = { .index = index, .data = value };
	struct hv_msrs msrs = { .nmsrs = 1, .entries = (uintptr_t)&entry };
	int ret;

	VCPU_CHECK(vcpu);
	ret = LIBHV_IOCTL_PTR(vcpu->fd, HV_VCPU_SET_MSRS, &msrs);
	if (ret < 0)
		return ret;
	if (ret != 1)
		return libhv_error(-EINVAL,
				   "MSR 0x%x is not in HV_GET_MSR_LIST or 0x%llx is not a valid value for it",
				   index, (unsigned long long)value);
	return 0;
}

int hv_vcpu_get_xsave(struct hv_vcpu *vcpu, struct hv_xsave *xsave)
{
	VCPU_CHECK(vcpu);
	return LIBHV_IOCTL_PTR(vcpu->fd, HV_VCPU_GET_XSAVE, xsave);
}

int hv_vcpu_set_xsave(struct hv_vcpu *vcpu, const struct hv_xsave *xsave)
{
	VCPU_CHECK(vcpu);
	return LIBHV_IOCTL_PTR(vcpu->fd, HV_VCPU_SET_XSAVE, xsave);
}

int hv_vcpu_get_xcrs(struct hv_vcpu *vcpu, struct hv_xcrs *xcrs)
{
	VCPU_CHECK(vcpu);
	return LIBHV_IOCTL_PTR(vcpu->fd, HV_VCPU_GET_XCRS, xcrs);
}

int hv_vcpu_set_xcrs(struct hv_vcpu *vcpu, const struct hv_xcrs *xcrs)
{
	VCPU_CHECK(vcpu);
	return LIBHV_IOCTL_PTR(vcpu->fd, HV_VCPU_SET_XCRS, xcrs);
}

int hv_vcpu_get_cpuid(struct hv_vcpu *vcpu, struct hv_cpuid_entry *entries,
		      uint32_t *nent)
{
	struct hv_cpuid cpuid = { 0 };
	int ret;

	VCPU_CHECK(vcpu);
	if (!nent)
		return LIBHV_NULL_ARG(nent);
	cpuid.nent = *nent;
	cpuid.entries = (uintptr_t)entries;
	ret = LIBHV_IOCTL_PTR(vcpu->fd, HV_VCPU_GET_CPUID, &cpuid);
	/* On -E2BIG too: nent says how much room is needed. */
	if (ret >= 0 || ret == -E2BIG)
		*nent = cpuid.nent;
	return ret < 0 ? ret : 0;
}

int hv_vcpu_set_cpuid(struct hv_vcpu *vcpu,
		      const struct hv_cpuid_entry *entries, uint32_t nent)
{
	struct hv_cpuid cpuid = { .nent = nent, .entries = (uintptr_t)entries };

	VCPU_CHECK(vcpu);
	return LIBHV_IOCTL_PTR(vcpu->fd, HV_VCPU_SET_CPUID, &cpuid);
}

int hv_vcpu_inject(struct hv_vcpu *vcpu, const struct hv_event *event)
{
	VCPU_CHECK(vcpu);
	return LIBHV_IOCTL_PTR(vcpu->fd, HV_VCPU_INJECT, event);
}

int hv_vcpu_kick(struct hv_vcpu *vcpu)
{
	VCPU_CHECK(vcpu);
	return LIBHV_IOCTL(vcpu->fd, HV_VCPU_KICK, 0);
}

int hv_vcpu_get_stats(struct hv_vcpu *vcpu, struct hv_vcpu_stats *stats)
{
	VCPU_CHECK(vcpu);
	return LIBHV_IOCTL_PTR(vcpu->fd, HV_VCPU_GET_STATS, stats);
}
