/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libhv internal: the devices of the PC machine (machine.c) and the port
 * I/O bus they sit on.
 *
 * The devices are plain state machines: they never lock, sleep, allocate or
 * make a system call themselves. What they do to the outside world goes
 * through callbacks (an interrupt line, console output, the end of the run),
 * so that the unit tests in tests/ drive them byte by byte. machine.c calls
 * every device function with its bus lock held.
 */
#ifndef LIBHV_DEVICES_H
#define LIBHV_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "libhv.h"

/* ---- interrupt lines ---- */

/*
 * One device interrupt output wired to an IOAPIC input (a GSI). Devices
 * call libhv_irq_set() with the level their output has now; the callback
 * runs only when the level changes, so an edge-triggered pin sees exactly
 * the device's rising edges.
 */
struct libhv_irq {
	void (*set)(void *opaque, uint32_t gsi, bool level);
	void *opaque;
	uint32_t gsi;
	bool level;
};

void libhv_irq_set(struct libhv_irq *irq, bool level);

/*
 * How a device ends the run (reset, power-off, debug exit): why is one of
 * HV_MACHINE_END_*, status the debug-exit status. The machine keeps the
 * first request and stops every vCPU.
 */
struct libhv_end {
	void (*request)(void *opaque, uint32_t why, int status);
	void *opaque;
};

/* ---- the port I/O bus ---- */

#define LIBHV_IO_SIZE1		(1u << 1)
#define LIBHV_IO_SIZE2		(1u << 2)
#define LIBHV_IO_SIZE4		(1u << 4)
#define LIBHV_IO_SIZE(n)	(1u << (n))

/*
 * What a device does on its ports. @sizes says which access sizes it takes
 * whole (LIBHV_IO_SIZE*); any other access is split into bytes, each going
 * to whichever device takes single bytes at that port, as the ISA bus
 * splits a wide access to 8-bit devices. in() returns the value in the low
 * size bytes; port is the absolute port number.
 */
struct libhv_pio_ops {
	unsigned int sizes;
	uint32_t (*in)(void *dev, uint16_t port, unsigned int size);
	void (*out)(void *dev, uint16_t port, unsigned int size, uint32_t value);
};

struct libhv_pio {
	uint16_t base;
	uint16_t len;
	const struct libhv_pio_ops *ops;
	void *dev;
};

#define LIBHV_IOBUS_MAX		24

struct libhv_iobus {
	struct libhv_pio range[LIBHV_IOBUS_MAX];
	size_t n;
	uint64_t unclaimed;	/* accesses (bytes) that no device took */
};

/* -ENOSPC when the bus is full, -EEXIST when the range overlaps one of the same sizes. */
int libhv_iobus_add(struct libhv_iobus *bus, uint16_t base, uint16_t len,
		    const struct libhv_pio_ops *ops, void *dev);
/*
 * One access of size 1, 2 or 4 bytes at port, data in little-endian byte
 * order (as in the run page). Bytes no device takes read as 0xff (the ISA
 * bus floats high) and their writes are dropped.
 */
void libhv_iobus_in(struct libhv_iobus *bus, uint16_t port, unsigned int size,
		    uint8_t *data);
void libhv_iobus_out(struct libhv_iobus *bus, uint16_t port, unsigned int size,
		     const uint8_t *data);

/* ---- 16550A UART (dev_uart.c) ---- */

#define LIBHV_COM1_BASE		0x3f8
#define LIBHV_COM1_IRQ		4
#define LIBHV_UART_PORTS	8
#define LIBHV_UART_FIFO		16

struct libhv_uart {
	/* Registers, as the PC16550D data sheet names them. */
	uint8_t ier;		/* bits 3:0 only */
	uint8_t lcr;
	uint8_t mcr;		/* bits 4:0 only */
	uint8_t lsr_errors;	/* OE; reading LSR clears it */
	uint8_t msr_delta;	/* MSR bits 3:0, cleared by reading MSR */
	uint8_t msr_lines;	/* MSR bits 7:4, the modem inputs now */
	uint8_t scr;
	uint8_t dll, dlm;
	uint8_t fcr;		/* FIFO enable and the RX trigger level */
	bool thr_ipending;	/* the THR-empty interrupt is pending */

	/* The receiver: a FIFO (depth 1 when FIFOs are off). */
	uint8_t rx[LIBHV_UART_FIFO];
	unsigned int rx_head, rx_count;

	/*
	 * The transmitter sends at once (the baud rate is not modelled):
	 * bytes collect here until libhv_uart_flush() or a full buffer.
	 */
	uint8_t tx[256];
	size_t ntx;

	struct libhv_irq irq;
	/* Where transmitted bytes go; NULL drops them. */
	void (*output)(void *opaque, const uint8_t *buf, size_t len);
	/* The receiver has room again (after a read, a FIFO reset, ...). */
	void (*rx_room)(void *opaque);
	void *opaque;
};

extern const struct libhv_pio_ops libhv_uart_ops;

/* Reset state; irq, output, rx_room and opaque must be set by the caller. */
void libhv_uart_reset(struct libhv_uart *uart);
uint8_t libhv_uart_read(struct libhv_uart *uart, unsigned int reg);
void libhv_uart_write(struct libhv_uart *uart, unsigned int reg, uint8_t value);
/* Bytes the receiver can take from the console now (0 in loopback mode). */
size_t libhv_uart_rx_room(const struct libhv_uart *uart);
/* Receive up to len bytes from the console; returns how many it took. */
size_t libhv_uart_rx_push(struct libhv_uart *uart, const uint8_t *buf, size_t len);
/* Hand the transmitted bytes to output(). */
void libhv_uart_flush(struct libhv_uart *uart);

/* ---- MC146818 RTC and CMOS memory (dev_rtc.c) ---- */

#define LIBHV_RTC_BASE		0x70
#define LIBHV_CMOS_SIZE		128

struct libhv_rtc {
	uint8_t index;		/* bits 6:0 of the last write to port 0x70 */
	bool nmi_disabled;	/* bit 7 of it */
	uint8_t cmos[LIBHV_CMOS_SIZE];
	/* The guest's time minus the host's, in seconds (the guest may set it). */
	int64_t offset;
	/* The host's UTC clock; tests replace it. */
	void (*clock)(void *opaque, struct timespec *now);
	void *opaque;
};

extern const struct libhv_pio_ops libhv_rtc_ops;

/*
 * Reset state: 24-hour BCD mode, and the CMOS bytes that describe the
 * machine (memory sizes, the number of CPUs). clock may be NULL for
 * CLOCK_REALTIME.
 */
void libhv_rtc_reset(struct libhv_rtc *rtc, uint64_t low_mem, uint64_t high_mem,
		     uint32_t ncpus);
uint8_t libhv_rtc_read(struct libhv_rtc *rtc, uint16_t port);
void libhv_rtc_write(struct libhv_rtc *rtc, uint16_t port, uint8_t value);

/* ---- i8042 keyboard controller (dev_i8042.c) ---- */

#define LIBHV_I8042_DATA	0x60
#define LIBHV_I8042_CMD		0x64
#define LIBHV_I8042_KBD_IRQ	1
#define LIBHV_I8042_AUX_IRQ	12

struct libhv_i8042 {
	uint8_t ram[32];	/* ram[0] is the controller command byte */
	uint8_t out;		/* the output buffer */
	bool out_full;
	bool out_aux;		/* it holds a byte from the aux (mouse) port */
	bool out_timeout;	/* the byte says a device did not answer */
	uint8_t pending;	/* command that waits for its data byte, or 0 */
	bool last_was_cmd;	/* status bit 3: the last write went to 0x64 */
	struct libhv_irq kbd_irq, aux_irq;
	struct libhv_end end;
};

extern const struct libhv_pio_ops libhv_i8042_ops;

void libhv_i8042_reset(struct libhv_i8042 *kbc);
uint8_t libhv_i8042_read(struct libhv_i8042 *kbc, uint16_t port);
void libhv_i8042_write(struct libhv_i8042 *kbc, uint16_t port, uint8_t value);

/* ---- 8259A PIC pair (dev_pic.c) ---- */

#define LIBHV_PIC_MASTER	0x20
#define LIBHV_PIC_SLAVE		0xa0
#define LIBHV_PIC_ELCR		0x4d0

struct libhv_8259 {
	uint8_t imr, irr, isr;
	uint8_t icw_step;	/* next ICW expected: 2, 3, 4, or 0 when ready */
	uint8_t icw1, vector_base, icw3, icw4;
	bool read_isr;		/* OCW3 RR/RIS: the even port reads ISR */
	bool poll;		/* OCW3 P: the next even-port read is a poll */
	bool special_mask;
	uint8_t elcr;		/* edge/level control (the chipset's, per chip) */
};

struct libhv_pic {
	struct libhv_8259 chip[2];	/* master, slave */
};

extern const struct libhv_pio_ops libhv_pic_ops;

void libhv_pic_reset(struct libhv_pic *pic);
uint8_t libhv_pic_read(struct libhv_pic *pic, uint16_t port);
void libhv_pic_write(struct libhv_pic *pic, uint16_t port, uint8_t value);

/* ---- ACPI fixed hardware and the reset register (dev_acpi_pm.c) ---- */

/* PM1a_STS, PM1a_EN (LIBHV_PM1A_EVT) and PM1a_CNT (LIBHV_PM1A_CNT): 2 bytes each. */
#define LIBHV_PM_PORTS		6

struct libhv_acpi_pm {
	uint16_t sts;		/* PM1a_STS */
	uint16_t en;		/* PM1a_EN */
	uint16_t cnt;		/* PM1a_CNT, without the write-only bits */
	uint8_t reset;		/* the reset control register at 0xcf9 */
	struct libhv_irq sci;
	struct libhv_end end;
};

extern const struct libhv_pio_ops libhv_acpi_pm_ops;
extern const struct libhv_pio_ops libhv_reset_ops;

void libhv_acpi_pm_reset(struct libhv_acpi_pm *pm);
uint8_t libhv_acpi_pm_read(struct libhv_acpi_pm *pm, uint16_t port);
void libhv_acpi_pm_write(struct libhv_acpi_pm *pm, uint16_t port, uint8_t value);

/* ---- what is left of the PC (dev_legacy.c) ---- */

#define LIBHV_DEBUG_EXIT_PORT	0xf4

/*
 * The PCI configuration mechanism #1 address register (a bus with no
 * devices), the PIT and port 0x61 as Linux needs them when it does not use
 * the PIT, the POST and delay ports, and the debug-exit port.
 */
struct libhv_legacy {
	uint32_t pci_addr;
	uint8_t port61;		/* bits 3:0 as written */
	bool refresh;		/* port 0x61 bit 4, toggled by every read */
	struct libhv_end end;
};

extern const struct libhv_pio_ops libhv_pci_addr_ops;
extern const struct libhv_pio_ops libhv_pci_data_ops;
extern const struct libhv_pio_ops libhv_pit_ops;
extern const struct libhv_pio_ops libhv_port61_ops;
extern const struct libhv_pio_ops libhv_sink_ops;
extern const struct libhv_pio_ops libhv_debug_exit_ops;

void libhv_legacy_reset(struct libhv_legacy *legacy);
/* The run's exit status for a value written to the debug-exit port. */
int libhv_debug_exit_status(uint32_t value);

#endif /* LIBHV_DEVICES_H */
