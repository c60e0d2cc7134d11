// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A 16550A UART (National Semiconductor PC16550D data sheet, June 1995),
 * as the PC's COM1.
 *
 * Modelled: all registers, the 16-byte receiver FIFO with its trigger
 * levels, the four interrupt sources with their priorities and reset
 * conditions, the OUT2 gate of the PC's interrupt line, and loopback mode
 * (which Linux's serial8250 autoconfig and FIFO sizing use). Not modelled:
 * time. The transmitter sends a byte the moment it is written, so THR and
 * the transmitter are always empty (LSR THRE and TEMT read 1); the baud
 * rate divisor is kept for reading back only; no line errors other than
 * overrun (OE) ever happen; and the character timeout interrupt (FIFO mode,
 * fewer bytes than the trigger level waiting) is raised at once instead of
 * after four character times, since console input arrives in bursts that
 * are whole already.
 */
#include <string.h>

#include "devices.h"

/* Register offsets (data sheet, table II). */
#define UART_RBR	0	/* read, DLAB 0 */
#define UART_THR	0	/* write, DLAB 0 */
#define UART_DLL	0	/* DLAB 1 */
#define UART_IER	1	/* DLAB 0 */
#define UART_DLM	1	/* DLAB 1 */
#define UART_IIR	2	/* read */
#define UART_FCR	2	/* write */
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_MSR	6
#define UART_SCR	7

#define IER_ERBFI	0x01	/* received data available */
#define IER_ETBEI	0x02	/* transmitter holding register empty */
#define IER_ELSI	0x04	/* receiver line status */
#define IER_EDSSI	0x08	/* modem status */
#define IER_MASK	0x0f	/* bits 7:4 are always 0 */

#define IIR_NO_INT	0x01
#define IIR_MSI		0x00	/* modem status: 4th priority */
#define IIR_THRI	0x02	/* THR empty: 3rd */
#define IIR_RDI		0x04	/* received data available: 2nd */
#define IIR_RLSI	0x06	/* receiver line status: 1st */
#define IIR_CTI		0x0c	/* character timeout: 2nd */
#define IIR_FIFO	0xc0	/* FCR0 is set */

#define FCR_ENABLE	0x01
#define FCR_RX_RESET	0x02
#define FCR_TX_RESET	0x04
#define FCR_TRIGGER	0xc0
/* What FCR keeps: the reset bits are self-clearing, DMA mode has no effect. */
#define FCR_KEPT	(FCR_ENABLE | FCR_TRIGGER)

#define LCR_DLAB	0x80

#define MCR_DTR		0x01
#define MCR_RTS		0x02
#define MCR_OUT1	0x04
#define MCR_OUT2	0x08
#define MCR_LOOP	0x10
#define MCR_MASK	0x1f	/* bits 7:5 are always 0 */

#define LSR_DR		0x01
#define LSR_OE		0x02
#define LSR_THRE	0x20
#define LSR_TEMT	0x40

#define MSR_DCTS	0x01
#define MSR_DDSR	0x02
#define MSR_TERI	0x04
#define MSR_DDCD	0x08
#define MSR_CTS		0x10
#define MSR_DSR		0x20
#define MSR_RI		0x40
#define MSR_DCD		0x80

/*
 * The modem inputs outside loopback: a terminal that is there (carrier,
 * data set ready, clear to send), as a null-modem cable to a console
 * presents it.
 */
#define MSR_CONNECTED	(MSR_DCD | MSR_DSR | MSR_CTS)

/* After a firmware set-up: 8 data bits, no parity, 1 stop bit, 115200 baud. */
#define LCR_8N1		0x03
#define DIVISOR_115200	1

static bool fifo_on(const struct libhv_uart *u)
{
	return u->fcr & FCR_ENABLE;
}

static unsigned int rx_capacity(const struct libhv_uart *u)
{
	return fifo_on(u) ? LIBHV_UART_FIFO : 1;
}

/* FCR bits 7:6 select 1, 4, 8 or 14 bytes (data sheet, FCR description). */
static unsigned int rx_trigger(const struct libhv_uart *u)
{
	static const unsigned int level[4] = { 1, 4, 8, 14 };

	return fifo_on(u) ? level[u->fcr >> 6] : 1;
}

/* The pending interrupt of highest priority, as IIR bits 3:0. */
static uint8_t pending(const struct libhv_uart *u)
{
	if ((u->ier & IER_ELSI) && u->lsr_errors)
		return IIR_RLSI;
	if ((u->ier & IER_ERBFI) && u->rx_count) {
		/* The timeout fires at once: see the top of the file. */
		return u->rx_count >= rx_trigger(u) ? IIR_RDI : IIR_CTI;
	}
	if ((u->ier & IER_ETBEI) && u->thr_ipending)
		return IIR_THRI;
	if ((u->ier & IER_EDSSI) && u->msr_delta)
		return IIR_MSI;
	return IIR_NO_INT;
}

/*
 * The PC gates the UART's INTR output with OUT2 (an external buffer that
 * OUT2 enables). In loopback mode the modem control outputs, OUT2 among
 * them, are forced inactive (data sheet, MCR bit 4), which closes that gate.
 */
static void update_irq(struct libhv_uart *u)
{
	bool out2 = (u->mcr & (MCR_OUT2 | MCR_LOOP)) == MCR_OUT2;

	libhv_irq_set(&u->irq, pending(u) != IIR_NO_INT && out2);
}

static void rx_room_changed(struct libhv_uart *u)
{
	if (u->rx_room && libhv_uart_rx_room(u))
		u->rx_room(u->opaque);
}

static void rx_clear(struct libhv_uart *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
}

/*
 * One received character. A full receiver is an overrun: in FIFO mode the
 * new character is lost, in 16450 mode it replaces the one in RBR (data
 * sheet, LSR bit 1).
 */
static void rx_put(struct libhv_uart *u, uint8_t c)
{
	if (u->rx_count < rx_capacity(u)) {
		u->rx[(u->rx_head + u->rx_count++) % LIBHV_UART_FIFO] = c;
		return;
	}
	u->lsr_errors |= LSR_OE;
	if (!fifo_on(u))
		u->rx[u->rx_head] = c;
}

/* The modem inputs: the outputs looped back, or a connected terminal. */
static uint8_t modem_lines(const struct libhv_uart *u)
{
	uint8_t mcr = u->mcr;

	if (!(mcr & MCR_LOOP))
		return MSR_CONNECTED;
	return (mcr & MCR_RTS ? MSR_CTS : 0) | (mcr & MCR_DTR ? MSR_DSR : 0) |
	       (mcr & MCR_OUT1 ? MSR_RI : 0) | (mcr & MCR_OUT2 ? MSR_DCD : 0);
}

/* New modem inputs: set the delta bits for what changed (TERI: RI 1 -> 0). */
static void set_modem_lines(struct libhv_uart *u, uint8_t lines)
{
	uint8_t changed = u->msr_lines ^ lines;

	if (changed & MSR_CTS)
		u->msr_delta |= MSR_DCTS;
	if (changed & MSR_DSR)
		u->msr_delta |= MSR_DDSR;
	if ((changed & MSR_RI) && !(lines & MSR_RI))
		u->msr_delta |= MSR_TERI;
	if (changed & MSR_DCD)
		u->msr_delta |= MSR_DDCD;
	u->msr_lines = lines;
}

void libhv_uart_reset(struct libhv_uart *u)
{
	u->ier = 0;
	u->lcr = LCR_8N1;
	u->mcr = 0;
	u->lsr_errors = 0;
	u->msr_lines = MSR_CONNECTED;
	u->msr_delta = 0;
	u->scr = 0;
	u->dll = DIVISOR_115200 & 0xff;
	u->dlm = DIVISOR_115200 >> 8;
	u->fcr = 0;
	u->thr_ipending = false;
	rx_clear(u);
	u->ntx = 0;
	update_irq(u);
}

void libhv_uart_flush(struct libhv_uart *u)
{
	if (u->ntx && u->output)
		u->output(u->opaque, u->tx, u->ntx);
	u->ntx = 0;
}

static void transmit(struct libhv_uart *u, uint8_t c)
{
	if (u->mcr & MCR_LOOP) {
		rx_put(u, c);
		return;
	}
	if (u->ntx == sizeof(u->tx))
		libhv_uart_flush(u);
	u->tx[u->ntx++] = c;
}

/*
 * Writing THR resets the THRE interrupt; the byte then goes straight to
 * the transmitter, which empties THR and sets it again. The interrupt
 * output follows both steps, so a guest that writes THR while only THRE
 * was pending sees the line drop and rise: a new edge, as on real
 * hardware, where the byte takes a moment to move to the shift register.
 */
static void write_thr(struct libhv_uart *u, uint8_t c)
{
	u->thr_ipending = false;
	update_irq(u);
	transmit(u, c);
	u->thr_ipending = true;
}

/*
 * THRE is pending whenever ETBEI goes from 0 to 1 with THR empty (it is,
 * always): the data sheet's "THR empty" source, which Linux's serial8250
 * startup checks by toggling ETBEI and reading IIR.
 */
static void write_ier(struct libhv_uart *u, uint8_t value)
{
	uint8_t changed = (u->ier ^ value) & IER_ETBEI;

	u->ier = value & IER_MASK;
	if (changed)
		u->thr_ipending = u->ier & IER_ETBEI;
}

static void write_fcr(struct libhv_uart *u, uint8_t value)
{
	/* Entering or leaving FIFO mode clears both FIFOs. */
	if ((u->fcr ^ value) & FCR_ENABLE)
		rx_clear(u);
	/* "FCR0 must be 1 when other FCR bits are written to or they are not programmed." */
	if (!(value & FCR_ENABLE)) {
		u->fcr &= ~FCR_ENABLE;
		return;
	}
	if (value & FCR_RX_RESET)
		rx_clear(u);
	u->fcr = value & FCR_KEPT;
}

static void write_mcr(struct libhv_uart *u, uint8_t value)
{
	u->mcr = value & MCR_MASK;
	set_modem_lines(u, modem_lines(u));
}

void libhv_uart_write(struct libhv_uart *u, unsigned int reg, uint8_t value)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (reg) {
	case UART_THR:
		if (dlab)
			u->dll = value;
		else
			write_thr(u, value);
		break;
	case UART_IER:
		if (dlab)
			u->dlm = value;
		else
			write_ier(u, value);
		break;
	case UART_FCR:
		write_fcr(u, value);
		break;
	case UART_LCR:
		u->lcr = value;
		break;
	case UART_MCR:
		write_mcr(u, value);
		break;
	case UART_SCR:
		u->scr = value;
		break;
	default:
		/* LSR and MSR: writable only for factory testing; ignored. */
		return;
	}
	update_irq(u);
	rx_room_changed(u);
}

static uint8_t read_rbr(struct libhv_uart *u)
{
	uint8_t c = u->rx[u->rx_head];

	if (!u->rx_count)
		return c;	/* RBR keeps the last character */
	u->rx_count--;
	if (u->rx_count)
		u->rx_head = (u->rx_head + 1) % LIBHV_UART_FIFO;
	return c;
}

/* Reading IIR resets THRE only when THRE is what it reports. */
static uint8_t read_iir(struct libhv_uart *u)
{
	uint8_t id = pending(u);

	if (id == IIR_THRI)
		u->thr_ipending = false;
	return id | (fifo_on(u) ? IIR_FIFO : 0);
}

static uint8_t read_lsr(struct libhv_uart *u)
{
	uint8_t lsr = LSR_THRE | LSR_TEMT | u->lsr_errors | (u->rx_count ? LSR_DR : 0);

	u->lsr_errors = 0;
	return lsr;
}

static uint8_t read_msr(struct libhv_uart *u)
{
	uint8_t msr = u->msr_lines | u->msr_delta;

	u->msr_delta = 0;
	return msr;
}

uint8_t libhv_uart_read(struct libhv_uart *u, unsigned int reg)
{
	bool dlab = u->lcr & LCR_DLAB;
	uint8_t v;

	switch (reg) {
	case UART_RBR:
		v = dlab ? u->dll : read_rbr(u);
		break;
	case UART_IER:
		v = dlab ? u->dlm : u->ier;
		break;
	case UART_IIR:
		v = read_iir(u);
		break;
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		v = read_lsr(u);
		break;
	case UART_MSR:
		v = read_msr(u);
		break;
	case UART_SCR:
		return u->scr;
	default:
		return 0xff;
	}
	update_irq(u);
	rx_room_changed(u);
	return v;
}

size_t libhv_uart_rx_room(const struct libhv_uart *u)
{
	/* In loopback mode the receiver input is disconnected from the line. */
	if (u->mcr & MCR_LOOP)
		return 0;
	return rx_capacity(u) - u->rx_count;
}

size_t libhv_uart_rx_push(struct libhv_uart *u, const uint8_t *buf, size_t len)
{
	size_t room = libhv_uart_rx_room(u), n = len < room ? len : room;

	for (size_t i = 0; i < n; i++)
		rx_put(u, buf[i]);
	update_irq(u);
	return n;
}

static uint32_t uart_in(void *dev, uint16_t port, unsigned int size)
{
	(void)size;
	return libhv_uart_read(dev, port & (LIBHV_UART_PORTS - 1));
}

static void uart_out(void *dev, uint16_t port, unsigned int size, uint32_t value)
{
	(void)size;
	libhv_uart_write(dev, port & (LIBHV_UART_PORTS - 1), (uint8_t)value);
}

const struct libhv_pio_ops libhv_uart_ops = {
	.sizes = LIBHV_IO_SIZE1,
	.in = uart_in,
	.out = uart_out,
};
