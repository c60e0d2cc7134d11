/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libhv's accelerators: the kernel interfaces the public API runs on. Each
 * is one const struct libhv_backend_ops (backend_hv.c: /dev/hv, the hv
 * module; backend_kvm.c: /dev/kvm). hv_open() picks one and the handles
 * carry it; the rest of libhv calls through it and never asks which one it
 * has.
 *
 * Conventions for every op: the public function has checked its handle and
 * pointer arguments already; the op returns 0 (or the count the public
 * function documents) or a negative errno, with hv_error_detail() set by
 * libhv_error() or libhv_ioctl(). What an accelerator cannot do is
 * -EOPNOTSUPP with a detail saying so, never a made-up result.
 */
#ifndef LIBHV_BACKEND_H
#define LIBHV_BACKEND_H

#include <sys/stat.h>

#include "internal.h"

/**
 * struct libhv_backend_ops - one accelerator
 * @name: what hv_accel_name() returns, and the value of HV_ACCEL that
 *	picks it.
 * @default_path: the device hv_open(NULL) opens.
 * @missing: why @default_path may be missing, for the open error ("the hv
 *	module is not loaded").
 * @device: what the device is, for the error of a file that is not one
 *	("an hv device").
 * @dev_init: after open(): set up @hv->priv. Optional.
 * @dev_free: undo @dev_init, before the fd is closed. Optional.
 * @api_version: the device's API version (hv_api_version()).
 * @check_usable: the device's API version and the capabilities libhv
 *	needs (hv_check_usable()); on success set @hv->run_size.
 * @check_cap: one HV_CAP_* (0 when absent, also for unknown ones).
 * @get_supported_cpuid: the default CPUID table; -E2BIG with *@nent the
 *	count when there is too little room.
 * @get_msr_list: the MSRs a vCPU exposes; -E2BIG as above.
 * @vm_create: create the VM: set @vm->fd and @vm->priv.
 * @vm_destroy: close @vm->fd and free @vm->priv (the vCPUs are gone).
 * @set_memslot: map @slot (id, flags, gpa, size, host are set); may set
 *	@slot->backend_slot. The kernel's checks answer for the arguments.
 * @delete_memslot: unmap slot @id; @slot is libhv's record of it, or NULL
 *	when libhv has none (-ENOENT then, unless the kernel knows better).
 * @create_irqchip: hv_vm_create_irqchip().
 * @irq_line: hv_vm_irq_line().
 * @signal_msi: hv_vm_signal_msi(): 1 delivered, 0 no APIC took it.
 * @set_name: hv_vm_set_name(), the name checked already.
 * @vcpu_create: create vCPU @vcpu->id: set @vcpu->fd, @vcpu->run (the
 *	struct hv_run the caller sees) and @vcpu->priv.
 * @vcpu_destroy: unmap the run page, close @vcpu->fd, free @vcpu->priv.
 * @vcpu_run: hv_vcpu_run(): 0 with an exit in @vcpu->run (also
 *	HV_EXIT_INTERRUPTED), or a negative errno.
 * @get_regs: hv_vcpu_get_regs().  @set_regs: hv_vcpu_set_regs().
 * @get_sregs: hv_vcpu_get_sregs().  @set_sregs: hv_vcpu_set_sregs().
 * @get_msr: hv_vcpu_get_msr().  @set_msr: hv_vcpu_set_msr().
 * @get_xsave: hv_vcpu_get_xsave().  @set_xsave: hv_vcpu_set_xsave().
 * @get_xcrs: hv_vcpu_get_xcrs().  @set_xcrs: hv_vcpu_set_xcrs().
 * @get_cpuid: hv_vcpu_get_cpuid().  @set_cpuid: hv_vcpu_set_cpuid().
 * @inject: hv_vcpu_inject().
 * @kick: make a concurrent @vcpu_run return HV_EXIT_INTERRUPTED, or the
 *	next one when none runs. Async-signal-safe and thread safe: it
 *	records no error detail (hv_vcpu_kick() adds one).
 * @get_stats: hv_vcpu_get_stats().
 */
struct libhv_backend_ops {
	const char *name;
	const char *default_path;
	const char *missing;
	const char *device;

	int (*dev_init)(struct hv *hv);
	void (*dev_free)(struct hv *hv);
	int (*api_version)(struct hv *hv);
	int (*check_usable)(struct hv *hv);
	int (*check_cap)(struct hv *hv, uint32_t cap, uint64_t *value);
	int (*get_supported_cpuid)(struct hv *hv, struct hv_cpuid_entry *entries,
				   uint32_t *nent);
	int (*get_msr_list)(struct hv *hv, uint32_t *indices, uint32_t *n);

	int (*vm_create)(struct hv *hv, struct hv_vm *vm);
	void (*vm_destroy)(struct hv_vm *vm);
	int (*set_memslot)(struct hv_vm *vm, struct libhv_slot *slot);
	int (*delete_memslot)(struct hv_vm *vm, uint32_t id,
			      const struct libhv_slot *slot);
	int (*create_irqchip)(struct hv_vm *vm);
	int (*irq_line)(struct hv_vm *vm, uint32_t gsi, uint32_t level);
	int (*signal_msi)(struct hv_vm *vm, uint64_t address, uint32_t data);
	int (*set_name)(struct hv_vm *vm, const struct hv_vm_name *name);

	int (*vcpu_create)(struct hv_vm *vm, struct hv_vcpu *vcpu);
	void (*vcpu_destroy)(struct hv_vcpu *vcpu);
	int (*vcpu_run)(struct hv_vcpu *vcpu);
	int (*get_regs)(struct hv_vcpu *vcpu, struct hv_regs *regs);
	int (*set_regs)(struct hv_vcpu *vcpu, const struct hv_regs *regs);
	int (*get_sregs)(struct hv_vcpu *vcpu, struct hv_sregs *sregs);
	int (*set_sregs)(struct hv_vcpu *vcpu, const struct hv_sregs *sregs);
	int (*get_msr)(struct hv_vcpu *vcpu, uint32_t index, uint64_t *value);
	int (*set_msr)(struct hv_vcpu *vcpu, uint32_t index, uint64_t value);
	int (*get_xsave)(struct hv_vcpu *vcpu, struct hv_xsave *xsave);
	int (*set_xsave)(struct hv_vcpu *vcpu, const struct hv_xsave *xsave);
	int (*get_xcrs)(struct hv_vcpu *vcpu, struct hv_xcrs *xcrs);
	int (*set_xcrs)(struct hv_vcpu *vcpu, const struct hv_xcrs *xcrs);
	int (*get_cpuid)(struct hv_vcpu *vcpu, struct hv_cpuid_entry *entries,
			 uint32_t *nent);
	int (*set_cpuid)(struct hv_vcpu *vcpu,
			 const struct hv_cpuid_entry *entries, uint32_t nent);
	int (*inject)(struct hv_vcpu *vcpu, const struct hv_event *event);
	int (*kick)(struct hv_vcpu *vcpu);
	int (*get_stats)(struct hv_vcpu *vcpu, struct hv_vcpu_stats *stats);
};

extern const struct libhv_backend_ops libhv_backend_hv;
extern const struct libhv_backend_ops libhv_backend_kvm;

/* The environment variable that picks the accelerator of hv_open(NULL). */
#define LIBHV_ACCEL_ENV		"HV_ACCEL"

/*
 * The accelerator HV_ACCEL names: NULL or "" is hv, otherwise the backend
 * whose @name it is; -EINVAL (with a detail) for anything else.
 */
int libhv_accel_by_name(const char *name, const struct libhv_backend_ops **ops);

/*
 * The accelerator of a device hv_open() was given by path: KVM for
 * /dev/kvm's character device (misc 10:232, whatever its path), hv for
 * anything else (whose ioctls then tell whether it is hv).
 */
const struct libhv_backend_ops *libhv_accel_of_device(const struct stat *st);

/* /dev/kvm's device number (Documentation/admin-guide/devices.txt). */
#define LIBHV_KVM_MAJOR		10
#define LIBHV_KVM_MINOR		232

#endif /* LIBHV_BACKEND_H */
