// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The in-kernel interrupt controllers: creating them and driving their
 * inputs, handed to the accelerator (backend.h).
 */
#include <errno.h>

#include "backend.h"

int hv_vm_create_irqchip(struct hv_vm *vm)
{
	if (!vm)
		return LIBHV_NULL_ARG(vm);
	return vm->ops->create_irqchip(vm);
}

int hv_vm_irq_line(struct hv_vm *vm, uint32_t gsi, uint32_t level)
{
	if (!vm)
		return LIBHV_NULL_ARG(vm);
	return vm->ops->irq_line(vm, gsi, level);
}

int hv_vm_signal_msi(struct hv_vm *vm, uint64_t address, uint32_t data)
{
	if (!vm)
		return LIBHV_NULL_ARG(vm);
	return vm->ops->signal_msi(vm, address, data);
}
