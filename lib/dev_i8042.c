// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The PC's 8042 keyboard controller, with nothing plugged into its
 * keyboard and auxiliary (mouse) ports.
 *
 * It answers the controller commands that firmware and Linux's i8042
 * driver use to find and set up the controller (IBM PS/2 Hardware
 * Interface Technical Reference, "Keyboard/Auxiliary Device Controller"),
 * and its output port's reset line resets the machine (command 0xFE, or
 * bit 0 cleared by command 0xD1): Linux's reboot=k, and the path it tries
 * after the ACPI reset register. A byte sent to either device finds no
 * device: after the transmit timeout the controller reports 0xFE with the
 * time-out bit in the status register, as the reference describes, and
 * drivers give up on the port. The A20 gate bit of the output port is
 * accepted and ignored: A20 is always enabled.
 */
#include <string.h>

#include "devices.h"

/* Status register (port 0x64, read). */
#define STS_OBF		0x01	/* output buffer full */
#define STS_IBF		0x02	/* input buffer full: never, writes take effect at once */
#define STS_SYS		0x04	/* system flag, the command byte's */
#define STS_CMD		0x08	/* the last write was to port 0x64 */
#define STS_UNLOCKED	0x10	/* the inhibit (key lock) switch is off */
#define STS_AUX_OBF	0x20	/* the output buffer holds aux data */
#define STS_TIMEOUT	0x40	/* a device did not answer */

/* Controller command byte (ram[0]). */
#define CTR_KBD_INT	0x01
#define CTR_AUX_INT	0x02
#define CTR_SYS		0x04
#define CTR_KBD_DIS	0x10
#define CTR_AUX_DIS	0x20
#define CTR_XLATE	0x40
/*
 * What firmware leaves after POST: translation, the system flag (POST
 * passed) and both interrupts on.
 */
#define CTR_AFTER_POST	(CTR_XLATE | CTR_SYS | CTR_AUX_INT | CTR_KBD_INT)

/* Controller commands. */
#define CMD_READ_RAM	0x20	/* 0x20-0x3f: read byte n of RAM; 0x20 the command byte */
#define CMD_WRITE_RAM	0x60	/* 0x60-0x7f: write byte n (data follows) */
#define CMD_AUX_DISABLE	0xa7
#define CMD_AUX_ENABLE	0xa8
#define CMD_AUX_TEST	0xa9
#define CMD_SELF_TEST	0xaa
#define CMD_KBD_TEST	0xab
#define CMD_KBD_DISABLE	0xad
#define CMD_KBD_ENABLE	0xae
#define CMD_READ_INPUT	0xc0
#define CMD_READ_OUTPUT	0xd0
#define CMD_WRITE_OUTPUT 0xd1	/* data follows */
#define CMD_WRITE_KBD_OBUF 0xd2	/* data follows: as if the keyboard sent it */
#define CMD_WRITE_AUX_OBUF 0xd3	/* data follows: as if the aux device sent it */
#define CMD_WRITE_AUX	0xd4	/* data follows: to the aux device */
#define CMD_PULSE	0xf0	/* 0xf0-0xff: pulse output port bits 3:0 that are 0 */

#define SELF_TEST_OK	0x55
#define PORT_TEST_OK	0x00
#define NO_DEVICE	0xfe	/* what the controller reports when a device times out */

/* Output port: bit 0 is the CPU reset line (active low), bit 1 the A20 gate. */
#define OUT_RESET	0x01
#define OUT_A20		0x02
/* Input port: bit 7 keyboard not inhibited; bit 5 no manufacturing jumper. */
#define INPUT_PORT	0xa0

static uint8_t ctr(const struct libhv_i8042 *kbc)
{
	return kbc->ram[0];
}

static void update_irqs(struct libhv_i8042 *kbc)
{
	bool full = kbc->out_full;

	libhv_irq_set(&kbc->kbd_irq, full && !kbc->out_aux && (ctr(kbc) & CTR_KBD_INT));
	libhv_irq_set(&kbc->aux_irq, full && kbc->out_aux && (ctr(kbc) & CTR_AUX_INT));
}

/*
 * The output buffer holds one byte; a new one replaces an unread one (a
 * guest reads each reply before its next command, as the protocol wants).
 * The line drops first, so that the new byte is a new edge.
 */
static void put_out(struct libhv_i8042 *kbc, uint8_t value, bool aux, bool timeout)
{
	kbc->out_full = false;
	update_irqs(kbc);
	kbc->out = value;
	kbc->out_aux = aux;
	kbc->out_timeout = timeout;
	kbc->out_full = true;
	update_irqs(kbc);
}

void libhv_i8042_reset(struct libhv_i8042 *kbc)
{
	memset(kbc->ram, 0, sizeof(kbc->ram));
	kbc->ram[0] = CTR_AFTER_POST;
	kbc->out = 0;
	kbc->out_full = false;
	kbc->out_aux = false;
	kbc->out_timeout = false;
	kbc->pending = 0;
	kbc->last_was_cmd = false;
	update_irqs(kbc);
}

static void reset_machine(struct libhv_i8042 *kbc)
{
	if (kbc->end.request)
		kbc->end.request(kbc->end.opaque, HV_MACHINE_END_RESET, 0);
}

static void command(struct libhv_i8042 *kbc, uint8_t cmd)
{
	kbc->pending = 0;
	if (cmd >= CMD_READ_RAM && cmd < CMD_READ_RAM + sizeof(kbc->ram)) {
		put_out(kbc, kbc->ram[cmd - CMD_READ_RAM], false, false);
		return;
	}
	if ((cmd >= CMD_WRITE_RAM && cmd < CMD_WRITE_RAM + sizeof(kbc->ram)) ||
	    cmd == CMD_WRITE_OUTPUT || cmd == CMD_WRITE_KBD_OBUF ||
	    cmd == CMD_WRITE_AUX_OBUF || cmd == CMD_WRITE_AUX) {
		kbc->pending = cmd;
		return;
	}
	if (cmd >= CMD_PULSE) {
		/* A 0 in bits 3:0 pulses that output line low; bit 0 is reset. */
		if (!(cmd & OUT_RESET))
			reset_machine(kbc);
		return;
	}
	switch (cmd) {
	case CMD_AUX_DISABLE:
		kbc->ram[0] |= CTR_AUX_DIS;
		break;
	case CMD_AUX_ENABLE:
		kbc->ram[0] &= ~CTR_AUX_DIS;
		break;
	case CMD_AUX_TEST:
	case CMD_KBD_TEST:
		/* The interface lines are fine; no device is needed for this. */
		put_out(kbc, PORT_TEST_OK, false, false);
		break;
	case CMD_SELF_TEST:
		kbc->ram[0] |= CTR_SYS;
		put_out(kbc, SELF_TEST_OK, false, false);
		break;
	case CMD_KBD_DISABLE:
		kbc->ram[0] |= CTR_KBD_DIS;
		break;
	case CMD_KBD_ENABLE:
		kbc->ram[0] &= ~CTR_KBD_DIS;
		break;
	case CMD_READ_INPUT:
		put_out(kbc, INPUT_PORT, false, false);
		break;
	case CMD_READ_OUTPUT:
		/* Reset line high (inactive), A20 on, and the buffer-full bits. */
		put_out(kbc, OUT_RESET | OUT_A20 |
			(kbc->out_full && !kbc->out_aux ? 0x10 : 0) |
			(kbc->out_full && kbc->out_aux ? 0x20 : 0), false, false);
		break;
	}
	/* Other commands (password, diagnostics, vendor ones) do nothing. */
}

static void data(struct libhv_i8042 *kbc, uint8_t value)
{
	uint8_t cmd = kbc->pending;

	kbc->pending = 0;
	if (cmd >= CMD_WRITE_RAM && cmd < CMD_WRITE_RAM + sizeof(kbc->ram)) {
		kbc->ram[cmd - CMD_WRITE_RAM] = value;
		update_irqs(kbc);
		return;
	}
	switch (cmd) {
	case CMD_WRITE_OUTPUT:
		if (!(value & OUT_RESET))
			reset_machine(kbc);
		break;
	case CMD_WRITE_KBD_OBUF:
		put_out(kbc, value, false, false);
		break;
	case CMD_WRITE_AUX_OBUF:
		put_out(kbc, value, true, false);
		break;
	case CMD_WRITE_AUX:
		put_out(kbc, NO_DEVICE, true, true);
		break;
	default:
		/* A byte for the keyboard, which is not there. */
		put_out(kbc, NO_DEVICE, false, true);
		break;
	}
}

static uint8_t status(const struct libhv_i8042 *kbc)
{
	uint8_t sts = STS_UNLOCKED | (ctr(kbc) & CTR_SYS ? STS_SYS : 0);

	if (kbc->last_was_cmd)
		sts |= STS_CMD;
	if (kbc->out_full)
		sts |= STS_OBF | (kbc->out_aux ? STS_AUX_OBF : 0) |
		       (kbc->out_timeout ? STS_TIMEOUT : 0);
	return sts;
}

uint8_t libhv_i8042_read(struct libhv_i8042 *kbc, uint16_t port)
{
	if (port == LIBHV_I8042_CMD)
		return status(kbc);
	/* Reading the data port empties the buffer; an empty one reads the last byte. */
	kbc->out_full = false;
	kbc->out_timeout = false;
	update_irqs(kbc);
	return kbc->out;
}

void libhv_i8042_write(struct libhv_i8042 *kbc, uint16_t port, uint8_t value)
{
	kbc->last_was_cmd = port == LIBHV_I8042_CMD;
	if (port == LIBHV_I8042_CMD)
		command(kbc, value);
	else
		data(kbc, value);
}

static uint32_t i8042_in(void *dev, uint16_t port, unsigned int size)
{
	(void)size;
	return libhv_i8042_read(dev, port);
}

static void i8042_out(void *dev, uint16_t port, unsigned int size, uint32_t value)
{
	(void)size;
	libhv_i8042_write(dev, port, (uint8_t)value);
}

const struct libhv_pio_ops libhv_i8042_ops = {
	.sizes = LIBHV_IO_SIZE1,
	.in = i8042_in,
	.out = i8042_out,
};
