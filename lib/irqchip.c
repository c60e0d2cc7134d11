// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The in-kernel interrupt controllers: creating them and driving their
 * inputs. Thin wrappers, except that a module without them is told apart
 * from other failures.
 */
#include <errno.h>

#include "internal.h"

int hv_vm_create_irqchip(struct hv_vm *vm)
{
	int err;

	if (!vm)
		return LIBHV_NULL_ARG(vm);
	err = LIBHV_IOCTL(vm->fd, HV_VM_CREATE_IRQCHIP, 0);
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

int hv_vm_irq_line(struct hv_vm *vm, uint32_t gsi, uint32_t level)
{
	struct hv_irq_line line = { .gsi = gsi, .level = level };

	if (!vm)
		return LIBHV_NULL_ARG(vm);
	return LIBHV_IOCTL_PTR(vm->fd, HV_VM_IRQ_LINE, &line);
}

int hv_vm_signal_msi(struct hv_vm *vm, uint64_t address, uint32_t data)
{
	struct hv_msi msi = { .address = address, .data = data };

	if (!vm)
		return LIBHV_NULL_ARG(vm);
	return LIBHV_IOCTL_PTR(vm->fd, HV_VM_SIGNAL_MSI, &msi);
}
