// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The 16550A UART, register by register: Linux's serial8250 probe and
 * startup sequences, interrupt priorities and the THRE rules, the FIFO,
 * loopback, and the interrupt line it drives.
 */
#include <string.h>

#include "../devices.h"
#include "test.h"

#define COM1	LIBHV_COM1_BASE
#define RBR	0
#define THR	0
#define DLL	0
#define IER	1
#define DLM	1
#define IIR	2
#define FCR	2
#define LCR	3
#define MCR	4
#define LSR	5
#define MSR	6
#define SCR	7

struct env {
	struct libhv_uart u;
	int rises, falls;	/* interrupt line edges */
	int room_calls;
	char out[1024];
	size_t nout;
};

static void line(void *opaque, uint32_t gsi, bool level)
{
	struct env *e = opaque;

	CHECK_EQ(gsi, LIBHV_COM1_IRQ, "the UART drives IRQ 4");
	if (level)
		e->rises++;
	else
		e->falls++;
}

static void output(void *opaque, const uint8_t *buf, size_t len)
{
	struct env *e = opaque;

	if (e->nout + len <= sizeof(e->out)) {
		memcpy(e->out + e->nout, buf, len);
		e->nout += len;
	}
}

static void room(void *opaque)
{
	struct env *e = opaque;

	e->room_calls++;
}

static void env_init(struct env *e)
{
	memset(e, 0, sizeof(*e));
	e->u.irq = (struct libhv_irq){ .set = line, .opaque = e, .gsi = LIBHV_COM1_IRQ };
	e->u.output = output;
	e->u.rx_room = room;
	e->u.opaque = e;
	libhv_uart_reset(&e->u);
}

static uint8_t rd(struct env *e, unsigned int reg)
{
	return libhv_uart_read(&e->u, reg);
}

static void wr(struct env *e, unsigned int reg, uint8_t v)
{
	libhv_uart_write(&e->u, reg, v);
}

static void reset_state(void)
{
	struct env e;

	env_init(&e);
	CHECK_EQ(rd(&e, LSR), 0x60, "reset: LSR THRE | TEMT");
	CHECK_EQ(rd(&e, IIR), 0x01, "reset: IIR no interrupt, FIFOs off");
	CHECK_EQ(rd(&e, MSR), 0xb0, "reset: MSR DCD | DSR | CTS, no deltas");
	CHECK_EQ(rd(&e, LCR), 0x03, "reset: LCR 8N1");
	CHECK_EQ(rd(&e, IER), 0x00, "reset: IER 0");
	CHECK_EQ(rd(&e, MCR), 0x00, "reset: MCR 0");
	CHECK(!e.u.irq.level && e.rises == 0, "reset: line low");
	wr(&e, LCR, 0x83);
	CHECK_EQ(rd(&e, DLL) | rd(&e, DLM) << 8, 1, "reset: divisor 1 (115200 baud)");
}

/* drivers/tty/serial/8250/8250_port.c: autoconfig() and autoconfig_16550a(). */
static void linux_autoconfig(void)
{
	uint8_t save_mcr, status1, status2;
	struct env e;

	env_init(&e);
	/* The IER scratch test: bits 3:0 stick, 7:4 never. */
	wr(&e, IER, 0);
	CHECK_EQ(rd(&e, IER) & 0x0f, 0, "IER reads back 0");
	wr(&e, IER, 0x0f);
	CHECK_EQ(rd(&e, IER) & 0x0f, 0x0f, "IER reads back 0x0f");
	wr(&e, IER, 0xff);
	CHECK_EQ(rd(&e, IER), 0x0f, "IER bits 7:4 read 0 (no UUE, no 16750 sleep bits)");
	wr(&e, IER, 0);

	/* Loopback: MCR = LOOP | OUT2 | RTS must read MSR[7:4] = DCD | CTS. */
	save_mcr = rd(&e, MCR);
	wr(&e, MCR, 0x10 | 0x0a);
	status1 = rd(&e, MSR) & 0xf0;
	wr(&e, MCR, save_mcr);
	CHECK_EQ(status1, 0x90, "loopback: OUT2 -> DCD, RTS -> CTS, DTR -> DSR (0), OUT1 -> RI (0)");
	CHECK_EQ(rd(&e, MSR) & 0xf0, 0xb0, "out of loopback the terminal's lines are back");
	CHECK_EQ(e.nout, 0, "the probe sent nothing to the console");

	/* FIFO: IIR bits 7:6 = 3 means a 16550A. */
	wr(&e, FCR, 0x01);
	CHECK_EQ(rd(&e, IIR) >> 6, 3, "FCR 1: IIR says FIFOs enabled (16550A)");
	/* EFR probes: LCR 0xbf, then DLAB with port 2 = IIR, never 0. */
	wr(&e, LCR, 0xbf);
	CHECK(rd(&e, IIR) != 0, "LCR 0xbf: port 2 is IIR, not an EFR reading 0");
	wr(&e, LCR, 0x80);
	CHECK(rd(&e, IIR) != 0, "LCR 0x80: port 2 is IIR, not an EFR reading 0");
	/* No 16750: FCR bit 5 does not show in IIR bit 5. */
	wr(&e, LCR, 0);
	wr(&e, FCR, 0x21);
	status1 = rd(&e, IIR) & 0xe0;
	wr(&e, FCR, 0x01);
	wr(&e, LCR, 0x80);
	wr(&e, FCR, 0x21);
	status2 = rd(&e, IIR) & 0xe0;
	wr(&e, LCR, 0);
	CHECK_EQ(status1, 0xc0, "no 64-byte FIFO bit with DLAB 0");
	CHECK_EQ(status2, 0xc0, "no 64-byte FIFO bit with DLAB 1");
	/* National SuperIO check: IIR bit 4 does not follow MCR LOOP. */
	wr(&e, MCR, 0x10);
	wr(&e, LCR, 0xe0);
	CHECK_EQ(rd(&e, IIR) & 0x10, 0, "IIR bit 4 is 0 in loopback (no NS16C552 EXCR1)");
	wr(&e, LCR, 0);
	wr(&e, MCR, 0);
	/* The scratch register. */
	wr(&e, SCR, 0x5a);
	CHECK_EQ(rd(&e, SCR), 0x5a, "SCR keeps its value");
	CHECK_EQ(e.rises, 0, "the probe raised no interrupt");
}

/* serial8250_do_startup(): the THRE tests, then the TX interrupt test. */
static void linux_startup(void)
{
	uint8_t iir1, iir, lsr;
	struct env e;

	env_init(&e);
	wr(&e, FCR, 0x07);	/* serial8250_clear_fifos */
	wr(&e, FCR, 0);
	(void)rd(&e, LSR);
	(void)rd(&e, RBR);
	(void)rd(&e, IIR);
	(void)rd(&e, MSR);
	CHECK(rd(&e, LSR) != 0xff, "LSR safety check: not 0xff");

	wr(&e, IER, 0x02);
	iir1 = rd(&e, IIR);
	wr(&e, IER, 0);
	wr(&e, IER, 0x02);
	iir = rd(&e, IIR);
	wr(&e, IER, 0);
	CHECK_EQ(iir1 & 0x0f, 0x02, "ETBEI 0 -> 1 with THR empty: THRE pending");
	CHECK_EQ(iir & 0x0f, 0x02, "and again after ETBEI was cleared: THRE re-asserted (no UART_BUG_THRE)");

	/* MCR with OUT2, as for an ISA port; then the TX interrupt test. */
	wr(&e, MCR, 0x0b);
	wr(&e, IER, 0x02);
	lsr = rd(&e, LSR);
	iir = rd(&e, IIR);
	wr(&e, IER, 0);
	CHECK((lsr & 0x40) && !(iir & 0x01), "TX interrupt test: TEMT and an interrupt (no UART_BUG_TXEN)");
	CHECK_EQ(e.rises, 1, "one rising edge for the TX test");
	CHECK(!e.u.irq.level, "line low again once IIR reported THRE");
}

static void thre_rules(void)
{
	struct env e;

	env_init(&e);
	wr(&e, MCR, 0x08);	/* OUT2 */
	wr(&e, IER, 0x02);
	CHECK(e.u.irq.level && e.rises == 1, "ETBEI set with THR empty: line rises");
	wr(&e, IER, 0x03);
	CHECK_EQ(e.rises, 1, "ETBEI staying 1 does not re-arm THRE");
	CHECK_EQ(rd(&e, IIR), 0x02, "IIR reports THRE");
	CHECK(!e.u.irq.level, "reading IIR while it reports THRE clears it: line falls");
	CHECK_EQ(rd(&e, IIR), 0x01, "THRE stays clear: no interrupt");

	wr(&e, THR, 'a');
	CHECK(e.u.irq.level && e.rises == 2, "the byte left at once: THR empty again, line rises");
	wr(&e, THR, 'b');
	CHECK(e.u.irq.level && e.rises == 3 && e.falls == 2,
	      "writing THR while THRE was pending drops and raises the line: a new edge");
	CHECK_EQ(rd(&e, LSR) & 0x60, 0x60, "LSR THRE and TEMT: sent");

	/* RX data outranks THRE: reading IIR then leaves THRE pending. */
	wr(&e, IER, 0x03);
	CHECK_EQ(libhv_uart_rx_push(&e.u, (const uint8_t *)"x", 1), 1, "one byte received");
	CHECK_EQ(rd(&e, IIR), 0x04, "RX data reported before THRE");
	CHECK_EQ(rd(&e, RBR), 'x', "RBR");
	CHECK_EQ(rd(&e, IIR), 0x02, "then THRE, still pending");
	CHECK_EQ(rd(&e, IIR), 0x01, "and that read cleared it");
	wr(&e, IER, 0);
	wr(&e, IER, 0x02);
	wr(&e, IER, 0);
	CHECK(!e.u.irq.level, "ETBEI 1 -> 0: THRE no longer pending");
	wr(&e, IER, 0x02);
	CHECK_EQ(rd(&e, IIR), 0x02, "re-enabled: pending again");

	libhv_uart_flush(&e.u);
	CHECK(e.nout == 2 && !memcmp(e.out, "ab", 2), "the console got \"ab\"");
}

static void priorities(void)
{
	struct env e;

	env_init(&e);
	wr(&e, IER, 0x0f);
	(void)rd(&e, IIR);	/* THRE: reported and cleared */
	/* Loopback without FIFOs: two bytes make an overrun; MCR changes make deltas. */
	wr(&e, MCR, 0x10);
	CHECK_EQ(rd(&e, MSR), 0x0b, "loopback with every output off: DCD, DSR, CTS fell");
	wr(&e, MCR, 0x13);	/* DTR, RTS -> DSR, CTS */
	wr(&e, THR, '1');
	wr(&e, THR, '2');
	CHECK_EQ(rd(&e, IIR), 0x06, "1st: receiver line status (overrun)");
	CHECK_EQ(rd(&e, LSR) & 0x03, 0x03, "LSR: DR | OE");
	CHECK_EQ(rd(&e, LSR) & 0x02, 0, "reading LSR cleared OE");
	CHECK_EQ(rd(&e, IIR), 0x04, "2nd: received data");
	CHECK_EQ(rd(&e, RBR), '2', "16450 mode: the overrun byte replaced RBR");
	CHECK_EQ(rd(&e, IIR), 0x02, "3rd: THRE");
	CHECK_EQ(rd(&e, IIR), 0x00, "4th: modem status");
	CHECK_EQ(rd(&e, MSR), 0x33, "MSR: DSR | CTS, DDSR | DCTS");
	CHECK_EQ(rd(&e, MSR), 0x30, "reading MSR cleared the deltas");
	CHECK_EQ(rd(&e, IIR), 0x01, "nothing left");
	/* RI trailing edge: OUT1 on, then off. */
	wr(&e, MCR, 0x17);
	CHECK_EQ(rd(&e, MSR) & 0x0f, 0, "RI rising: no TERI");
	wr(&e, MCR, 0x13);
	CHECK_EQ(rd(&e, MSR) & 0x0f, 0x04, "RI falling: TERI");
	CHECK_EQ(e.rises, 0, "loopback: the line to the PIC stays low (OUT2 forced inactive)");
}

static void fifo(void)
{
	static const uint8_t data[20] = "0123456789abcdefghij";
	struct env e;

	env_init(&e);
	wr(&e, MCR, 0x08);
	wr(&e, IER, 0x01);
	CHECK_EQ(libhv_uart_rx_room(&e.u), 1, "16450 mode: room for one byte");
	wr(&e, FCR, 0xc1);
	CHECK_EQ(libhv_uart_rx_room(&e.u), 16, "FIFO on: room for 16");
	CHECK_EQ(libhv_uart_rx_push(&e.u, data, 5), 5, "5 bytes in");
	CHECK_EQ(rd(&e, IIR), 0xcc, "below the trigger level (14): character timeout");
	CHECK(e.u.irq.level, "and the line is up");
	CHECK_EQ(libhv_uart_rx_push(&e.u, data + 5, 15), 11, "only 11 more fit");
	CHECK_EQ(libhv_uart_rx_room(&e.u), 0, "full: no room");
	CHECK_EQ(rd(&e, IIR), 0xc4, "at the trigger level: received data available");
	CHECK_EQ(rd(&e, LSR) & 0x03, 0x01, "DR, no overrun: the console waits instead");
	e.room_calls = 0;
	CHECK_EQ(rd(&e, RBR), '0', "first in, first out");
	CHECK_EQ(e.room_calls, 1, "a read makes room and says so");
	for (int i = 1; i < 16; i++)
		(void)rd(&e, RBR);
	CHECK_EQ(rd(&e, LSR) & 0x01, 0, "drained: DR clear");
	CHECK(!e.u.irq.level, "drained: line low");
	CHECK_EQ(rd(&e, RBR), 'f', "an empty RBR reads the last byte again");

	CHECK_EQ(libhv_uart_rx_push(&e.u, data, 3), 3, "3 bytes in");
	wr(&e, FCR, 0xc3);
	CHECK_EQ(rd(&e, LSR) & 0x01, 0, "RX FIFO reset empties it");
	CHECK_EQ(libhv_uart_rx_room(&e.u), 16, "room for 16 again");
	wr(&e, FCR, 0x41);
	CHECK_EQ(libhv_uart_rx_push(&e.u, data, 3), 3, "3 bytes in");
	CHECK_EQ(rd(&e, IIR), 0xcc, "trigger 4: 3 bytes are below it");
	CHECK_EQ(libhv_uart_rx_push(&e.u, data, 1), 1, "a 4th byte");
	CHECK_EQ(rd(&e, IIR), 0xc4, "trigger 4 reached");
	wr(&e, FCR, 0x00);
	CHECK_EQ(rd(&e, IIR), 0x01, "FIFOs off: cleared, IIR bits 7:6 0");
	wr(&e, FCR, 0x40);
	CHECK_EQ(rd(&e, IIR), 0x01, "FCR bits are not programmed without FCR0");

	/* Loopback overrun in FIFO mode keeps the FIFO, loses the new byte. */
	wr(&e, FCR, 0x01);
	wr(&e, MCR, 0x18);
	CHECK_EQ(libhv_uart_rx_room(&e.u), 0, "loopback: the console is disconnected");
	for (int i = 0; i < 17; i++)
		wr(&e, THR, data[i]);
	CHECK_EQ(rd(&e, LSR) & 0x03, 0x03, "17 bytes into 16: overrun");
	CHECK_EQ(rd(&e, RBR), '0', "the FIFO kept the first 16");
	for (int i = 1; i < 15; i++)
		(void)rd(&e, RBR);
	CHECK_EQ(rd(&e, RBR), 'f', "16th byte: the 17th was lost");
	CHECK_EQ(e.nout, 0, "loopback sends nothing to the console");
	e.room_calls = 0;
	wr(&e, MCR, 0x08);
	CHECK(e.room_calls >= 1, "leaving loopback gives the console room");
}

static void line_gate(void)
{
	struct env e;

	env_init(&e);
	wr(&e, IER, 0x01);
	CHECK_EQ(libhv_uart_rx_push(&e.u, (const uint8_t *)"z", 1), 1, "a byte in");
	CHECK(!e.u.irq.level, "without OUT2 the line stays low");
	wr(&e, MCR, 0x08);
	CHECK(e.u.irq.level && e.rises == 1, "OUT2 opens the gate: line up");
	wr(&e, MCR, 0x0b);
	CHECK_EQ(e.rises, 1, "DTR and RTS change nothing on the line");
	wr(&e, MCR, 0x00);
	CHECK(!e.u.irq.level, "OUT2 off: line down");
	wr(&e, MCR, 0x08);
	CHECK_EQ(rd(&e, RBR), 'z', "read the byte");
	CHECK(!e.u.irq.level && e.rises == 2 && e.falls == 2, "line down: nothing pending");
	wr(&e, IER, 0);
	CHECK_EQ(libhv_uart_rx_push(&e.u, (const uint8_t *)"y", 1), 1, "a byte with ERBFI off");
	CHECK(!e.u.irq.level, "no interrupt for it");
	CHECK_EQ(libhv_uart_rx_push(&e.u, (const uint8_t *)"w", 1), 0, "16450 mode: a second byte waits");
}

static void divisor_and_output(void)
{
	char big[300];
	struct env e;

	env_init(&e);
	wr(&e, IER, 0x05);
	wr(&e, LCR, 0x83);
	wr(&e, DLL, 0x0c);
	wr(&e, DLM, 0x00);
	CHECK_EQ(rd(&e, DLL), 0x0c, "DLL with DLAB");
	CHECK_EQ(rd(&e, DLM), 0x00, "DLM with DLAB");
	wr(&e, LCR, 0x03);
	CHECK_EQ(rd(&e, IER), 0x05, "IER untouched by DLM writes");
	libhv_uart_flush(&e.u);
	CHECK_EQ(e.nout, 0, "DLL writes are not characters");

	memset(big, 'q', sizeof(big));
	for (size_t i = 0; i < sizeof(big); i++)
		wr(&e, THR, (uint8_t)big[i]);
	CHECK_EQ(e.nout, 256, "a full buffer goes out before the flush");
	libhv_uart_flush(&e.u);
	CHECK(e.nout == sizeof(big) && !memcmp(e.out, big, sizeof(big)),
	      "all %zu bytes, in order", sizeof(big));
	e.u.output = NULL;
	wr(&e, THR, 'x');
	libhv_uart_flush(&e.u);
	CHECK_EQ(e.nout, sizeof(big), "no output callback: dropped");
}

void test_uart(void)
{
	reset_state();
	linux_autoconfig();
	linux_startup();
	thre_rules();
	priorities();
	fifo();
	line_gate();
	divisor_and_output();
}
