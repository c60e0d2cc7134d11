// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What is left of the PC on the port bus: the PCI configuration mechanism
 * of a host bridge with no devices behind it, the PIT and port 0x61 as far
 * as an operating system that does not use them needs, the POST and delay
 * ports, and QEMU's debug-exit port.
 */
#include "devices.h"

/*
 * CONFIG_ADDRESS (PCI Local Bus Specification 3.0, 3.2.2.3.2): enable bit
 * 31, bus, device, function and register; bits 30:24 are reserved and read
 * 0, and bits 1:0 read 0 for configuration mechanism #1.
 */
#define PCI_ADDR_BITS	0x80fffffcu

/* Port 0x61 (the PC AT's "port B"): bits 3:0 are writable, bit 4 toggles. */
#define PORT61_WRITABLE	0x0f
#define PORT61_REFRESH	0x10

void libhv_legacy_reset(struct libhv_legacy *legacy)
{
	legacy->pci_addr = 0;
	legacy->port61 = 0;
	legacy->refresh = false;
}

static uint32_t pci_addr_in(void *dev, uint16_t port, unsigned int size)
{
	const struct libhv_legacy *legacy = dev;

	(void)port;
	(void)size;
	return legacy->pci_addr;
}

static void pci_addr_out(void *dev, uint16_t port, unsigned int size, uint32_t value)
{
	struct libhv_legacy *legacy = dev;

	(void)port;
	(void)size;
	legacy->pci_addr = value & PCI_ADDR_BITS;
}

/* Doubleword only: narrower accesses to 0xcf8-0xcfb are not CONFIG_ADDRESS. */
const struct libhv_pio_ops libhv_pci_addr_ops = {
	.sizes = LIBHV_IO_SIZE4,
	.in = pci_addr_in,
	.out = pci_addr_out,
};

/*
 * CONFIG_DATA: no function answers on any bus, which reads as a vendor ID
 * of 0xffff ("no device"), all-ones whatever the address.
 */
static uint32_t all_ones_in(void *dev, uint16_t port, unsigned int size)
{
	(void)dev;
	(void)port;
	return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

static void ignore_out(void *dev, uint16_t port, unsigned int size, uint32_t value)
{
	(void)dev;
	(void)port;
	(void)size;
	(void)value;
}

const struct libhv_pio_ops libhv_pci_data_ops = {
	.sizes = LIBHV_IO_SIZE1 | LIBHV_IO_SIZE2 | LIBHV_IO_SIZE4,
	.in = all_ones_in,
	.out = ignore_out,
};

/*
 * The PIT (ports 0x40-0x43). Linux stops using it when it has a TSC-deadline
 * local APIC timer and knows the TSC frequency (from kvmclock here): it then
 * only writes the mode register to stop channel 0. Writes are accepted and
 * do nothing; counters read 0. A guest that needs a ticking PIT (a PIT
 * calibration loop, a PIT clock event) gets no tick: see docs/MACHINE.md.
 */
static uint32_t zero_in(void *dev, uint16_t port, unsigned int size)
{
	(void)dev;
	(void)port;
	(void)size;
	return 0;
}

const struct libhv_pio_ops libhv_pit_ops = {
	.sizes = LIBHV_IO_SIZE1,
	.in = zero_in,
	.out = ignore_out,
};

/*
 * Port 0x61: the speaker and channel 2 gate bits read back; bit 4, the
 * memory refresh request, toggles with every read, which is what old delay
 * loops watch. The channel 2 output (bit 5) stays 0, as the PIT never counts.
 */
static uint32_t port61_in(void *dev, uint16_t port, unsigned int size)
{
	struct libhv_legacy *legacy = dev;

	(void)port;
	(void)size;
	legacy->refresh = !legacy->refresh;
	return legacy->port61 | (legacy->refresh ? PORT61_REFRESH : 0);
}

static void port61_out(void *dev, uint16_t port, unsigned int size, uint32_t value)
{
	struct libhv_legacy *legacy = dev;

	(void)port;
	(void)size;
	legacy->port61 = (uint8_t)value & PORT61_WRITABLE;
}

const struct libhv_pio_ops libhv_port61_ops = {
	.sizes = LIBHV_IO_SIZE1,
	.in = port61_in,
	.out = port61_out,
};

/*
 * Ports written only for their side effect on real hardware: the POST code
 * port 0x80 and the delay port 0xed (Linux's io_delay). Taken silently so
 * that they are not counted as strays.
 */
const struct libhv_pio_ops libhv_sink_ops = {
	.sizes = LIBHV_IO_SIZE1 | LIBHV_IO_SIZE2 | LIBHV_IO_SIZE4,
	.in = all_ones_in,
	.out = ignore_out,
};

/*
 * Like QEMU's isa-debug-exit, which exits with (v << 1) | 1 and leaves the
 * OS to cut that to 8 bits: the same status, with the cut made here (only
 * v's low 7 bits count), so that it is visibly odd and below 256.
 */
int libhv_debug_exit_status(uint32_t value)
{
	return (int)(((value & 0x7f) << 1) | 1);
}

static void debug_exit_out(void *dev, uint16_t port, unsigned int size, uint32_t value)
{
	struct libhv_legacy *legacy = dev;

	(void)port;
	(void)size;
	if (legacy->end.request)
		legacy->end.request(legacy->end.opaque, HV_MACHINE_END_DEBUG_EXIT,
				    libhv_debug_exit_status(value));
}

/* Write-only: reads float like an empty port's. */
const struct libhv_pio_ops libhv_debug_exit_ops = {
	.sizes = LIBHV_IO_SIZE1 | LIBHV_IO_SIZE2 | LIBHV_IO_SIZE4,
	.in = all_ones_in,
	.out = debug_exit_out,
};
