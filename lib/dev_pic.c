// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The PC's two 8259A programmable interrupt controllers (Intel 8259A data
 * sheet, order number 231468), and the chipset's edge/level control
 * registers (ELCR, ports 0x4d0-0x4d1, as on the PIIX).
 *
 * The registers and the initialisation sequence are modelled so that an
 * operating system finds the PICs (Linux writes the mask register and reads
 * it back), programs and masks them. No interrupt ever comes from them:
 * every device interrupt goes to the in-kernel IOAPIC, and the machine does
 * not offer the PIC's virtual-wire mode, so an operating system must use
 * the IOAPIC (the MADT describes it; Linux does by default). IRR and ISR
 * therefore always read 0, and a poll command reports no interrupt.
 */
#include <string.h>

#include "devices.h"

/* Port 0x20/0xa0 writes: ICW1 has bit 4 set; else OCW3 has bit 3 set; else OCW2. */
#define ICW1		0x10
#define ICW1_IC4	0x01	/* ICW4 follows */
#define ICW1_SNGL	0x02	/* single PIC: no ICW3 */
#define ICW4_8086	0x01	/* x86 mode (not MCS-80/85) */
#define OCW3		0x08
#define OCW3_RIS	0x01	/* with RR: read ISR (1) or IRR (0) */
#define OCW3_RR		0x02
#define OCW3_POLL	0x04
#define OCW3_SMM	0x20	/* with ESMM: special mask mode */
#define OCW3_ESMM	0x40

/* The ELCR bits that are fixed at 0 (edge): IRQ 0, 1, 2, 8 and 13. */
#define ELCR_MASTER_MASK	0xf8
#define ELCR_SLAVE_MASK		0xde

/* Data sheet, "Initialization Command Words": what ICW1 resets. */
static void icw1(struct libhv_8259 *c, uint8_t value)
{
	c->icw1 = value;
	c->imr = 0;
	c->isr = 0;
	c->irr = 0;
	c->read_isr = false;
	c->poll = false;
	c->special_mask = false;
	if (!(value & ICW1_IC4))
		c->icw4 = 0;
	c->icw_step = 2;
}

static void ocw3(struct libhv_8259 *c, uint8_t value)
{
	if (value & OCW3_RR)
		c->read_isr = value & OCW3_RIS;
	c->poll = value & OCW3_POLL;
	if (value & OCW3_ESMM)
		c->special_mask = value & OCW3_SMM;
}

/*
 * OCW2: end of interrupt and rotation commands. With nothing in service
 * there is nothing to end; a specific EOI names its level explicitly.
 */
static void ocw2(struct libhv_8259 *c, uint8_t value)
{
	bool specific = value & 0x40, eoi = value & 0x20;

	if (eoi && specific)
		c->isr &= (uint8_t)~(1u << (value & 7));
	else if (eoi)
		c->isr &= (uint8_t)(c->isr - 1);	/* the highest priority: IR0 first */
}

static void write_even(struct libhv_8259 *c, uint8_t value)
{
	if (value & ICW1)
		icw1(c, value);
	else if (value & OCW3)
		ocw3(c, value);
	else
		ocw2(c, value);
}

/* The odd port: the next ICW during initialisation, else OCW1 (the mask). */
static void write_odd(struct libhv_8259 *c, uint8_t value)
{
	switch (c->icw_step) {
	case 2:
		/* In x86 mode the low 3 bits of the vector come from the level. */
		c->vector_base = value & 0xf8;
		c->icw_step = !(c->icw1 & ICW1_SNGL) ? 3 : (c->icw1 & ICW1_IC4) ? 4 : 0;
		return;
	case 3:
		c->icw3 = value;
		c->icw_step = c->icw1 & ICW1_IC4 ? 4 : 0;
		return;
	case 4:
		c->icw4 = value;
		c->icw_step = 0;
		return;
	}
	c->imr = value;
}

static uint8_t read_even(struct libhv_8259 *c)
{
	if (c->poll) {
		/* Poll: bit 7 would say an interrupt is pending; none ever is. */
		c->poll = false;
		return 0;
	}
	return c->read_isr ? c->isr : c->irr;
}

/*
 * As firmware leaves them: initialised for x86 mode as the PC AT does
 * (vectors 0x08 and 0x70, the slave on the master's IR2), everything masked.
 */
void libhv_pic_reset(struct libhv_pic *pic)
{
	static const struct libhv_8259 after_post[2] = {
		{ .imr = 0xff, .icw1 = ICW1 | ICW1_IC4, .vector_base = 0x08,
		  .icw3 = 1u << 2, .icw4 = ICW4_8086 },
		{ .imr = 0xff, .icw1 = ICW1 | ICW1_IC4, .vector_base = 0x70,
		  .icw3 = 2, .icw4 = ICW4_8086 },
	};

	memcpy(pic->chip, after_post, sizeof(after_post));
}

static struct libhv_8259 *chip_of(struct libhv_pic *pic, uint16_t port)
{
	return &pic->chip[(port & ~1) == LIBHV_PIC_SLAVE];
}

uint8_t libhv_pic_read(struct libhv_pic *pic, uint16_t port)
{
	if ((port & ~1) == LIBHV_PIC_ELCR)
		return pic->chip[port & 1].elcr;
	if (port & 1)
		return chip_of(pic, port)->imr;
	return read_even(chip_of(pic, port));
}

void libhv_pic_write(struct libhv_pic *pic, uint16_t port, uint8_t value)
{
	if ((port & ~1) == LIBHV_PIC_ELCR) {
		pic->chip[port & 1].elcr = value & (port & 1 ? ELCR_SLAVE_MASK : ELCR_MASTER_MASK);
		return;
	}
	if (port & 1)
		write_odd(chip_of(pic, port), value);
	else
		write_even(chip_of(pic, port), value);
}

static uint32_t pic_in(void *dev, uint16_t port, unsigned int size)
{
	(void)size;
	return libhv_pic_read(dev, port);
}

static void pic_out(void *dev, uint16_t port, unsigned int size, uint32_t value)
{
	(void)size;
	libhv_pic_write(dev, port, (uint8_t)value);
}

const struct libhv_pio_ops libhv_pic_ops = {
	.sizes = LIBHV_IO_SIZE1,
	.in = pic_in,
	.out = pic_out,
};
