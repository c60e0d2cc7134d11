// SPDX-License-Identifier: GPL-2.0
/*
 * hv: the VM's IOAPIC, in the kernel (Intel 82093AA data sheet).
 *
 * Userspace drives the input lines with HV_VM_IRQ_LINE; the guest programs
 * the redirection table through IOREGSEL/IOWIN at HV_IOAPIC_ADDR. Version
 * 0x11 has no EOI register: a level-triggered entry's Remote IRR clears on
 * the local APIC's EOI broadcast, or when the guest switches the entry to
 * edge (what Linux does for such IOAPICs).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>

#include "hv.h"

#define IOAPIC_IOREGSEL		0x00
#define IOAPIC_IOWIN		0x10
#define IOAPIC_REG_ID		0x00
#define IOAPIC_REG_VER		0x01
#define IOAPIC_REG_ARB		0x02
#define IOAPIC_REG_REDIR	0x10
#define IOAPIC_VERSION		0x11

/* Redirection entry fields (82093AA, 3.2.4). */
#define RTE_VECTOR		0xffULL
#define RTE_DELIVERY_SHIFT	8
#define RTE_DEST_LOGICAL	BIT_ULL(11)
#define RTE_DELIVERY_STATUS	BIT_ULL(12)
#define RTE_REMOTE_IRR		BIT_ULL(14)
#define RTE_LEVEL		BIT_ULL(15)
#define RTE_MASKED		BIT_ULL(16)
#define RTE_DEST_SHIFT		56
/* Bits software writes: all but delivery status and Remote IRR. */
#define RTE_WRITABLE		(0xff000000000000ffULL | (7 << 8) | BIT(11) | \
				 BIT(13) | BIT(15) | BIT(16))

/* Send pin @pin's interrupt if its state calls for one. Lock held. */
static void ioapic_service(struct hv_ioapic *io, unsigned int pin)
{
	u64 e = io->redir[pin];
	struct hv_irq_msg msg = {
		.vector = e & RTE_VECTOR,
		.delivery = (e >> RTE_DELIVERY_SHIFT) & 7,
		.logical = e & RTE_DEST_LOGICAL,
		.level = e & RTE_LEVEL,
		.dest = e >> RTE_DEST_SHIFT,
		.broadcast_ok = true,
	};

	if (e & RTE_MASKED || !test_bit(pin, &io->line))
		return;
	if (msg.level) {
		if (e & RTE_REMOTE_IRR)
			return;
		/* Remote IRR stays set until the EOI (82093AA, 3.2.4). */
		if (hv_lapic_deliver(io->vm, &msg, NULL))
			io->redir[pin] |= RTE_REMOTE_IRR;
		return;
	}
	hv_lapic_deliver(io->vm, &msg, NULL);
}

/**
 * hv_ioapic_set_line() - HV_VM_IRQ_LINE
 * @vm: the VM (has an irqchip).
 * @gsi: the input line, below HV_IOAPIC_PINS.
 * @level: asserted.
 *
 * Return: 0.
 */
int hv_ioapic_set_line(struct hv_vm *vm, u32 gsi, bool level)
{
	struct hv_ioapic *io = vm->ioapic;
	bool was;

	spin_lock(&io->lock);
	was = test_bit(gsi, &io->line);
	if (level)
		__set_bit(gsi, &io->line);
	else
		__clear_bit(gsi, &io->line);
	/* Edge pins interrupt on the rising edge; level pins while high. */
	if (level && (!was || (io->redir[gsi] & RTE_LEVEL)))
		ioapic_service(io, gsi);
	spin_unlock(&io->lock);
	return 0;
}

/**
 * hv_ioapic_eoi() - a local APIC ended a level-triggered interrupt
 * @vm: the VM.
 * @vector: its vector.
 *
 * Clears Remote IRR of the entries with that vector and delivers again
 * the ones whose line is still asserted.
 */
void hv_ioapic_eoi(struct hv_vm *vm, u8 vector)
{
	struct hv_ioapic *io = vm->ioapic;
	unsigned int pin;

	if (!io)
		return;
	spin_lock(&io->lock);
	for (pin = 0; pin < HV_IOAPIC_PINS; pin++) {
		u64 e = io->redir[pin];

		if ((e & RTE_VECTOR) != vector || !(e & RTE_REMOTE_IRR))
			continue;
		io->redir[pin] &= ~RTE_REMOTE_IRR;
		ioapic_service(io, pin);
	}
	spin_unlock(&io->lock);
}

static u32 ioapic_read_reg(struct hv_ioapic *io)
{
	u32 reg = io->ioregsel;
	unsigned int pin = (reg - IOAPIC_REG_REDIR) / 2;

	switch (reg) {
	case IOAPIC_REG_ID:
	case IOAPIC_REG_ARB:
		return io->id << 24;
	case IOAPIC_REG_VER:
		return IOAPIC_VERSION | (HV_IOAPIC_PINS - 1) << 16;
	}
	if (reg < IOAPIC_REG_REDIR || pin >= HV_IOAPIC_PINS)
		return 0;
	return reg & 1 ? io->redir[pin] >> 32 : (u32)io->redir[pin];
}

static void ioapic_write_reg(struct hv_ioapic *io, u32 val)
{
	u32 reg = io->ioregsel;
	unsigned int pin = (reg - IOAPIC_REG_REDIR) / 2;
	u64 e, new;

	if (reg == IOAPIC_REG_ID) {
		io->id = (val >> 24) & 0xf;
		return;
	}
	if (reg < IOAPIC_REG_REDIR || pin >= HV_IOAPIC_PINS)
		return;
	e = io->redir[pin];
	new = reg & 1 ? (e & 0xffffffffULL) | (u64)val << 32 :
			(e & ~0xffffffffULL) | val;
	new = (new & RTE_WRITABLE) | (e & RTE_REMOTE_IRR);
	/* An edge entry has no Remote IRR: Linux clears it this way. */
	if (!(new & RTE_LEVEL))
		new &= ~RTE_REMOTE_IRR;
	io->redir[pin] = new;
	/* Unmasking an asserted level line delivers it. */
	if (new & RTE_LEVEL)
		ioapic_service(io, pin);
}

/**
 * hv_ioapic_mmio() - an access to the IOAPIC's registers
 * @vcpu: the accessing vCPU.
 * @gpa: the guest-physical address.
 * @size: access size.
 * @write: a write.
 * @val: the data written, or where the data read goes.
 *
 * Return: false if @gpa is not the IOAPIC's page.
 */
bool hv_ioapic_mmio(struct hv_vcpu *vcpu, u64 gpa, unsigned int size,
		    bool write, u64 *val)
{
	struct hv_ioapic *io = vcpu->vm->ioapic;
	u32 off = gpa - HV_IOAPIC_ADDR;

	if (!io || gpa < HV_IOAPIC_ADDR || off >= PAGE_SIZE)
		return false;
	spin_lock(&io->lock);
	if (!write)
		*val = 0;
	switch (off) {
	case IOAPIC_IOREGSEL:
		if (write)
			io->ioregsel = *val & 0xff;
		else
			*val = io->ioregsel;
		break;
	case IOAPIC_IOWIN:
		/* The data window is 32 bits wide (82093AA, 3.1). */
		if (size != 4)
			break;
		if (write)
			ioapic_write_reg(io, *val);
		else
			*val = ioapic_read_reg(io);
		break;
	}
	spin_unlock(&io->lock);
	return true;
}

int hv_ioapic_create(struct hv_vm *vm)
{
	struct hv_ioapic *io;
	unsigned int pin;

	io = kzalloc(sizeof(*io), GFP_KERNEL_ACCOUNT);
	if (!io)
		return -ENOMEM;
	spin_lock_init(&io->lock);
	io->vm = vm;
	for (pin = 0; pin < HV_IOAPIC_PINS; pin++)
		io->redir[pin] = RTE_MASKED;
	/* Readers test vm->ioapic without the VM lock: publish it whole. */
	smp_store_release(&vm->ioapic, io);
	return 0;
}

void hv_ioapic_destroy(struct hv_vm *vm)
{
	kfree(vm->ioapic);
	vm->ioapic = NULL;
}
