// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vCPU handles: creation with the run page, entering the guest, and the
 * state calls, each handed to the accelerator (backend.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"

int hv_vcpu_create(struct hv_vm *vm, uint32_t id, struct hv_vcpu **out)
{
	struct hv_vcpu *vcpu;
	int err;

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
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->run_size = vm->run_size;
	err = vm->ops->vcpu_create(vm, vcpu);
	if (err) {
		free(vcpu);
		return err;
	}
	/* Callers of the run loop almost always look at RIP and friends. */
	vcpu->run->sync_regs = HV_SYNC_REGS;
	vcpu->next = vm->vcpus;
	vm->vcpus = vcpu;
	*out = vcpu;
	return 0;
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
	vcpu->vm->ops->vcpu_destroy(vcpu);
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

/*
 * Each state call checks its handle (the one argument error libhv catches
 * itself), then asks the accelerator.
 */
#define VCPU_OP(vcpu, op, ...)					\
	((vcpu) ? (vcpu)->vm->ops->op((vcpu), __VA_ARGS__) :	\
		  LIBHV_NULL_ARG(vcpu))

int hv_vcpu_run(struct hv_vcpu *vcpu)
{
	if (!vcpu)
		return LIBHV_NULL_ARG(vcpu);
	return vcpu->vm->ops->vcpu_run(vcpu);
}

int hv_vcpu_get_regs(struct hv_vcpu *vcpu, struct hv_regs *regs)
{
	return VCPU_OP(vcpu, get_regs, regs);
}

int hv_vcpu_set_regs(struct hv_vcpu *vcpu, const struct hv_regs *regs)
{
	return VCPU_OP(vcpu, set_regs, regs);
}

int hv_vcpu_get_sregs(struct hv_vcpu *vcpu, struct hv_sregs *sregs)
{
	return VCPU_OP(vcpu, get_sregs, sregs);
}

int hv_vcpu_set_sregs(struct hv_vcpu *vcpu, const struct hv_sregs *sregs)
{
	return VCPU_OP(vcpu, set_sregs, sregs);
}

int hv_vcpu_get_msr(struct hv_vcpu *vcpu, uint32_t index, uint64_t *value)
{
	if (vcpu && !value)
		return LIBHV_NULL_ARG(value);
	return VCPU_OP(vcpu, get_msr, index, value);
}

int hv_vcpu_set_msr(struct hv_vcpu *vcpu, uint32_t index, uint64_t value)
{
	return VCPU_OP(vcpu, set_msr, index, value);
}

int hv_vcpu_get_xsave(struct hv_vcpu *vcpu, struct hv_xsave *xsave)
{
	return VCPU_OP(vcpu, get_xsave, xsave);
}

int hv_vcpu_set_xsave(struct hv_vcpu *vcpu, const struct hv_xsave *xsave)
{
	return VCPU_OP(vcpu, set_xsave, xsave);
}

int hv_vcpu_get_xcrs(struct hv_vcpu *vcpu, struct hv_xcrs *xcrs)
{
	return VCPU_OP(vcpu, get_xcrs, xcrs);
}

int hv_vcpu_set_xcrs(struct hv_vcpu *vcpu, const struct hv_xcrs *xcrs)
{
	return VCPU_OP(vcpu, set_xcrs, xcrs);
}

int hv_vcpu_get_cpuid(struct hv_vcpu *vcpu, struct hv_cpuid_entry *entries,
		      uint32_t *nent)
{
	if (vcpu && !nent)
		return LIBHV_NULL_ARG(nent);
	return VCPU_OP(vcpu, get_cpuid, entries, nent);
}

int hv_vcpu_set_cpuid(struct hv_vcpu *vcpu,
		      const struct hv_cpuid_entry *entries, uint32_t nent)
{
	return VCPU_OP(vcpu, set_cpuid, entries, nent);
}

int hv_vcpu_inject(struct hv_vcpu *vcpu, const struct hv_event *event)
{
	return VCPU_OP(vcpu, inject, event);
}

int libhv_vcpu_kick(struct hv_vcpu *vcpu)
{
	return vcpu->vm->ops->kick(vcpu);
}

int hv_vcpu_kick(struct hv_vcpu *vcpu)
{
	int err;

	if (!vcpu)
		return LIBHV_NULL_ARG(vcpu);
	err = libhv_vcpu_kick(vcpu);
	if (err)
		return libhv_error(err, "cannot kick vCPU %u: %s", vcpu->id, strerror(-err));
	return 0;
}

int hv_vcpu_get_stats(struct hv_vcpu *vcpu, struct hv_vcpu_stats *stats)
{
	return VCPU_OP(vcpu, get_stats, stats);
}
