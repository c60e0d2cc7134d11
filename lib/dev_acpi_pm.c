// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ACPI fixed hardware (ACPI 6.4, 4.8.3 "PM1 Event Grouping" and "PM1
 * Control Grouping") at the ports the FADT gives (boot.h: LIBHV_PM1A_*),
 * and the reset control register at 0xcf9 that the FADT's RESET_REG names.
 *
 * The machine is always in ACPI mode (the FADT has no SMI command port), so
 * SCI_EN reads 1. No fixed event ever happens: there is no PM timer, power
 * button or RTC alarm, so the status bits stay 0 and the SCI (IRQ 9) stays
 * low; the enable bits keep what is written. Sleeping with SLP_TYP = \_S5
 * (the only sleep state the DSDT offers) powers the machine off; SLP_EN
 * with any other type does nothing.
 */
#include "devices.h"
#include "boot.h"

/* PM1 status and enable bits that exist (ACPI 6.4, tables 4.16 and 4.17). */
#define PM1_STS_BITS	0xc731	/* TMR, BM, GBL, PWRBTN, SLPBTN, RTC, PCIEXP_WAKE, WAK */
#define PM1_EN_BITS	0x4721	/* TMR, GBL, PWRBTN, SLPBTN, RTC, PCIEXP_WAKE_DIS */
/* PM1 control: what reads back (SCI_EN always reads 1, SLP_EN and GBL_RLS 0). */
#define PM1_CNT_BM_RLD	0x0002
#define PM1_CNT_TYP	0x1c00
#define PM1_CNT_KEPT	(PM1_CNT_BM_RLD | PM1_CNT_TYP)

/*
 * Reset control register (Intel PIIX4 data sheet, 4.1.18 "RC"): a write
 * with RCPU (bit 2) set resets the system; SRST (bit 1, hard reset) and
 * FULL_RST (bit 3, on later chipsets) say how, which here is all the same.
 */
#define RC_SRST		0x02
#define RC_RCPU		0x04
#define RC_FULL_RST	0x08

#define PM1_STS_OFF	0
#define PM1_EN_OFF	2
#define PM1_CNT_OFF	4

static void update_sci(struct libhv_acpi_pm *pm)
{
	libhv_irq_set(&pm->sci, pm->sts & pm->en);
}

void libhv_acpi_pm_reset(struct libhv_acpi_pm *pm)
{
	pm->sts = 0;
	pm->en = 0;
	pm->cnt = 0;
	pm->reset = 0;
	update_sci(pm);
}

static void request(struct libhv_end *end, uint32_t why)
{
	if (end->request)
		end->request(end->opaque, why, 0);
}

static uint16_t cnt_value(const struct libhv_acpi_pm *pm)
{
	return pm->cnt | LIBHV_PM1_SCI_EN;
}

static void write_cnt(struct libhv_acpi_pm *pm, uint16_t value)
{
	pm->cnt = value & PM1_CNT_KEPT;
	if ((value & LIBHV_PM1_SLP_EN) && LIBHV_PM1_SLP_TYP(value) == LIBHV_SLP_TYP_S5)
		request(&pm->end, HV_MACHINE_END_POWEROFF);
}

/* Byte shift and the register a port lands in. */
static unsigned int shift_of(uint16_t port)
{
	return 8 * ((port - LIBHV_PM1A_EVT) & 1);
}

uint8_t libhv_acpi_pm_read(struct libhv_acpi_pm *pm, uint16_t port)
{
	unsigned int off = port - LIBHV_PM1A_EVT, shift = shift_of(port);

	switch (off & ~1u) {
	case PM1_STS_OFF:
		return (uint8_t)(pm->sts >> shift);
	case PM1_EN_OFF:
		return (uint8_t)(pm->en >> shift);
	case PM1_CNT_OFF:
		return (uint8_t)(cnt_value(pm) >> shift);
	}
	return 0xff;
}

/*
 * A 16-bit access arrives as two bytes, low first (iobus.c): the high byte
 * of PM1_CNT holds both SLP_TYP and SLP_EN, so the sleep happens with the
 * byte that carries them, with the type of the same write.
 */
void libhv_acpi_pm_write(struct libhv_acpi_pm *pm, uint16_t port, uint8_t value)
{
	unsigned int off = port - LIBHV_PM1A_EVT, shift = shift_of(port);
	uint16_t keep = (uint16_t)(0xff00u >> shift), v = (uint16_t)(value << shift);

	switch (off & ~1u) {
	case PM1_STS_OFF:
		pm->sts &= (uint16_t)~(v & PM1_STS_BITS);	/* write 1 to clear */
		break;
	case PM1_EN_OFF:
		pm->en = (pm->en & keep) | (v & PM1_EN_BITS);
		break;
	case PM1_CNT_OFF:
		write_cnt(pm, (pm->cnt & keep) | v);
		break;
	}
	update_sci(pm);
}

static uint32_t pm_in(void *dev, uint16_t port, unsigned int size)
{
	(void)size;
	return libhv_acpi_pm_read(dev, port);
}

static void pm_out(void *dev, uint16_t port, unsigned int size, uint32_t value)
{
	(void)size;
	libhv_acpi_pm_write(dev, port, (uint8_t)value);
}

const struct libhv_pio_ops libhv_acpi_pm_ops = {
	.sizes = LIBHV_IO_SIZE1,
	.in = pm_in,
	.out = pm_out,
};

static uint32_t reset_in(void *dev, uint16_t port, unsigned int size)
{
	const struct libhv_acpi_pm *pm = dev;

	(void)port;
	(void)size;
	return pm->reset;
}

static void reset_out(void *dev, uint16_t port, unsigned int size, uint32_t value)
{
	struct libhv_acpi_pm *pm = dev;

	(void)port;
	(void)size;
	pm->reset = (uint8_t)value & (RC_SRST | RC_FULL_RST);
	if (value & RC_RCPU)
		request(&pm->end, HV_MACHINE_END_RESET);
}

const struct libhv_pio_ops libhv_reset_ops = {
	.sizes = LIBHV_IO_SIZE1,
	.in = reset_in,
	.out = reset_out,
};
