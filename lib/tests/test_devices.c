// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The PC's smaller devices and the port bus: the PIC probe and
 * initialisation as Linux does them, the i8042's self-test, command byte
 * and reset line, ACPI power-off and reset, and how the bus splits, routes
 * and floats accesses.
 */
#include <errno.h>
#include <string.h>

#include "../boot.h"
#include "../devices.h"
#include "test.h"

struct ends {
	int n;
	uint32_t why;
	int status;
};

static void record_end(void *opaque, uint32_t why, int status)
{
	struct ends *e = opaque;

	e->n++;
	e->why = why;
	e->status = status;
}

struct lines {
	int rises[24];
	bool level[24];
};

static void record_line(void *opaque, uint32_t gsi, bool level)
{
	struct lines *l = opaque;

	l->level[gsi] = level;
	if (level)
		l->rises[gsi]++;
}

/* arch/x86/kernel/i8259.c: probe_8259A() and init_8259A(0). */
static void pic_linux(void)
{
	struct libhv_pic pic;

	libhv_pic_reset(&pic);
	CHECK_EQ(libhv_pic_read(&pic, 0x21), 0xff, "after firmware: master masks everything");
	CHECK_EQ(libhv_pic_read(&pic, 0xa1), 0xff, "and the slave too");
	libhv_pic_write(&pic, 0xa1, 0xff);
	libhv_pic_write(&pic, 0x21, 0xfb);
	CHECK_EQ(libhv_pic_read(&pic, 0x21), 0xfb, "probe: the mask written reads back (a PIC is there)");

	libhv_pic_write(&pic, 0x21, 0xff);
	libhv_pic_write(&pic, 0xa1, 0xff);
	libhv_pic_write(&pic, 0x20, 0x11);	/* ICW1: edge, cascade, ICW4 */
	CHECK_EQ(libhv_pic_read(&pic, 0x21), 0x00, "ICW1 clears the mask");
	libhv_pic_write(&pic, 0x21, 0x30);	/* ICW2: vectors 0x30-0x37 */
	libhv_pic_write(&pic, 0x21, 0x04);	/* ICW3: slave on IR2 */
	libhv_pic_write(&pic, 0x21, 0x01);	/* ICW4: x86, normal EOI */
	libhv_pic_write(&pic, 0xa0, 0x11);
	libhv_pic_write(&pic, 0xa1, 0x38);
	libhv_pic_write(&pic, 0xa1, 0x02);
	libhv_pic_write(&pic, 0xa1, 0x01);
	CHECK(pic.chip[0].vector_base == 0x30 && pic.chip[0].icw3 == 0x04 &&
	      pic.chip[0].icw4 == 0x01 && pic.chip[0].icw_step == 0,
	      "master: vectors 0x30, slave on IR2, x86 mode, initialised");
	CHECK(pic.chip[1].vector_base == 0x38 && pic.chip[1].icw3 == 0x02 &&
	      pic.chip[1].icw_step == 0, "slave: vectors 0x38, cascade identity 2, initialised");
	CHECK_EQ(libhv_pic_read(&pic, 0x21), 0x00, "the ICWs did not touch the mask");
	libhv_pic_write(&pic, 0x21, 0xff);
	libhv_pic_write(&pic, 0xa1, 0xff);
	CHECK_EQ(libhv_pic_read(&pic, 0x21), 0xff, "masked again");
	CHECK_EQ(libhv_pic_read(&pic, 0xa1), 0xff, "slave masked again");

	/* OCW3: IRR, ISR, poll; OCW2: EOI. Nothing is ever pending. */
	libhv_pic_write(&pic, 0x20, 0x0a);
	CHECK_EQ(libhv_pic_read(&pic, 0x20), 0, "OCW3 read IRR: 0");
	libhv_pic_write(&pic, 0x20, 0x0b);
	CHECK(pic.chip[0].read_isr && libhv_pic_read(&pic, 0x20) == 0, "OCW3 read ISR: 0");
	libhv_pic_write(&pic, 0x20, 0x0c);
	CHECK_EQ(libhv_pic_read(&pic, 0x20), 0, "poll: no interrupt (bit 7 clear)");
	CHECK(!pic.chip[0].poll, "poll mode lasts one read");
	libhv_pic_write(&pic, 0x20, 0x20);
	CHECK_EQ(libhv_pic_read(&pic, 0x21), 0xff, "a non-specific EOI leaves the mask alone");
	libhv_pic_write(&pic, 0x20, 0x68);
	CHECK(pic.chip[0].special_mask, "OCW3 special mask mode");

	/* Single mode without ICW4: ICW2 ends the sequence. */
	libhv_pic_write(&pic, 0xa0, 0x12);
	libhv_pic_write(&pic, 0xa1, 0x70);
	CHECK(pic.chip[1].icw_step == 0 && pic.chip[1].icw4 == 0, "ICW1 SNGL without IC4: ICW2 only");
	libhv_pic_write(&pic, 0xa1, 0x5a);
	CHECK_EQ(libhv_pic_read(&pic, 0xa1), 0x5a, "then the odd port is the mask");

	libhv_pic_write(&pic, 0x4d0, 0xff);
	libhv_pic_write(&pic, 0x4d1, 0xff);
	CHECK_EQ(libhv_pic_read(&pic, 0x4d0), 0xf8, "ELCR: IRQ 0-2 are edge only");
	CHECK_EQ(libhv_pic_read(&pic, 0x4d1), 0xde, "ELCR: IRQ 8 and 13 are edge only");
}

static void i8042_init(struct libhv_i8042 *kbc, struct lines *l, struct ends *e)
{
	memset(kbc, 0, sizeof(*kbc));
	memset(l, 0, sizeof(*l));
	memset(e, 0, sizeof(*e));
	kbc->kbd_irq = (struct libhv_irq){ .set = record_line, .opaque = l, .gsi = 1 };
	kbc->aux_irq = (struct libhv_irq){ .set = record_line, .opaque = l, .gsi = 12 };
	kbc->end = (struct libhv_end){ .request = record_end, .opaque = e };
	libhv_i8042_reset(kbc);
}

/* One controller command with a reply, as Linux's i8042_command() does it. */
static int command_reply(struct libhv_i8042 *kbc, uint8_t cmd)
{
	libhv_i8042_write(kbc, 0x64, cmd);
	if (!(libhv_i8042_read(kbc, 0x64) & 0x01))
		return -1;
	return libhv_i8042_read(kbc, 0x60);
}

static void i8042(void)
{
	struct libhv_i8042 kbc;
	struct lines l;
	struct ends e;
	int ctr;

	i8042_init(&kbc, &l, &e);
	CHECK_EQ(libhv_i8042_read(&kbc, 0x64), 0x14, "status: unlocked, system flag, nothing to read");
	CHECK_EQ(command_reply(&kbc, 0xaa), 0x55, "self-test: 0x55");
	CHECK_EQ(l.rises[1], 1, "the reply raised IRQ 1 (keyboard interrupt on)");
	CHECK(!l.level[1], "and reading it lowered IRQ 1");
	ctr = command_reply(&kbc, 0x20);
	CHECK_EQ(ctr, 0x47, "command byte after POST: translate, system, both interrupts");

	/* i8042_controller_init(): keyboard off, its interrupt off, write back. */
	libhv_i8042_write(&kbc, 0x64, 0x60);
	CHECK(libhv_i8042_read(&kbc, 0x64) & 0x08, "status bit 3: the last write was a command");
	libhv_i8042_write(&kbc, 0x60, (uint8_t)((ctr | 0x10) & ~0x01));
	CHECK_EQ(command_reply(&kbc, 0x20), 0x56, "command byte written");
	CHECK_EQ(l.rises[1], 2, "keyboard interrupt off: no IRQ for the reply");
	libhv_i8042_write(&kbc, 0x64, 0xae);
	CHECK_EQ(command_reply(&kbc, 0x20) & 0x10, 0, "0xAE enables the keyboard");
	libhv_i8042_write(&kbc, 0x64, 0xad);
	CHECK_EQ(command_reply(&kbc, 0x20) & 0x10, 0x10, "0xAD disables it");
	libhv_i8042_write(&kbc, 0x64, 0xa7);
	CHECK_EQ(command_reply(&kbc, 0x20) & 0x20, 0x20, "0xA7 disables the aux port");
	libhv_i8042_write(&kbc, 0x64, 0xa8);
	CHECK_EQ(command_reply(&kbc, 0x20) & 0x20, 0, "0xA8 enables it");
	CHECK_EQ(command_reply(&kbc, 0xa9), 0x00, "aux interface test passes");

	/* Nothing on either port: a byte for a device times out with 0xFE. */
	libhv_i8042_write(&kbc, 0x64, 0xd4);
	libhv_i8042_write(&kbc, 0x60, 0xf2);
	CHECK_EQ(libhv_i8042_read(&kbc, 0x64) & 0x61, 0x61, "0xD4 byte: aux data, time-out, full");
	CHECK_EQ(l.rises[12], 1, "aux interrupt on: IRQ 12");
	CHECK_EQ(libhv_i8042_read(&kbc, 0x60), 0xfe, "no mouse: 0xFE");
	CHECK_EQ(libhv_i8042_read(&kbc, 0x64) & 0x61, 0, "read: empty, time-out gone");
	libhv_i8042_write(&kbc, 0x60, 0xf2);
	CHECK_EQ(libhv_i8042_read(&kbc, 0x64) & 0x61, 0x41, "keyboard byte: time-out, keyboard data");
	CHECK_EQ(libhv_i8042_read(&kbc, 0x60), 0xfe, "no keyboard: 0xFE");
	libhv_i8042_write(&kbc, 0x64, 0xd3);
	libhv_i8042_write(&kbc, 0x60, 0x5a);
	CHECK_EQ(libhv_i8042_read(&kbc, 0x64) & 0x61, 0x21, "0xD3: the byte comes back as aux data");
	CHECK_EQ(libhv_i8042_read(&kbc, 0x60), 0x5a, "the same byte");
	CHECK_EQ(command_reply(&kbc, 0xd0) & 0x03, 0x03, "output port: reset line high, A20 on");
	CHECK_EQ(e.n, 0, "nothing so far reset the machine");

	libhv_i8042_write(&kbc, 0x64, 0xff);
	CHECK_EQ(e.n, 0, "pulse 0xFF pulses no line");
	libhv_i8042_write(&kbc, 0x64, 0xd1);
	libhv_i8042_write(&kbc, 0x60, 0x03);
	CHECK_EQ(e.n, 0, "output port written with the reset line high: no reset");
	libhv_i8042_write(&kbc, 0x64, 0xfe);
	CHECK(e.n == 1 && e.why == HV_MACHINE_END_RESET, "0xFE pulses the reset line: reset");
	libhv_i8042_write(&kbc, 0x64, 0xd1);
	libhv_i8042_write(&kbc, 0x60, 0x02);
	CHECK(e.n == 2 && e.why == HV_MACHINE_END_RESET, "output port bit 0 cleared: reset");
}

static void acpi_pm(void)
{
	struct libhv_acpi_pm pm = { 0 };
	struct libhv_iobus bus = { 0 };
	struct lines l = { 0 };
	struct ends e = { 0 };
	uint8_t buf[2];

	pm.sci = (struct libhv_irq){ .set = record_line, .opaque = &l, .gsi = 9 };
	pm.end = (struct libhv_end){ .request = record_end, .opaque = &e };
	libhv_acpi_pm_reset(&pm);
	CHECK_EQ(libhv_iobus_add(&bus, LIBHV_PM1A_EVT, LIBHV_PM_PORTS, &libhv_acpi_pm_ops, &pm), 0,
		 "PM on the bus");
	CHECK_EQ(libhv_iobus_add(&bus, LIBHV_RESET_PORT, 1, &libhv_reset_ops, &pm), 0,
		 "reset register on the bus");

	libhv_iobus_in(&bus, LIBHV_PM1A_CNT, 2, buf);
	CHECK_EQ(buf[0] | buf[1] << 8, 1, "PM1_CNT: SCI_EN reads 1 (always in ACPI mode)");
	buf[0] = 0x00;
	buf[1] = 0xff;
	libhv_iobus_out(&bus, LIBHV_PM1A_EVT + 2, 2, buf);
	libhv_iobus_in(&bus, LIBHV_PM1A_EVT + 2, 2, buf);
	CHECK_EQ(buf[0] | buf[1] << 8, 0x4700, "PM1_EN keeps the bits that exist");
	pm.sts = 0x0100;
	buf[0] = 0xff;
	buf[1] = 0x00;
	libhv_iobus_out(&bus, LIBHV_PM1A_EVT, 2, buf);
	CHECK_EQ(pm.sts, 0x0100, "writing 0 to a status bit leaves it");
	CHECK(l.rises[9] == 1 && l.level[9], "a status bit with its enable bit raises the SCI");
	buf[0] = 0x00;
	buf[1] = 0x01;
	libhv_iobus_out(&bus, LIBHV_PM1A_EVT, 2, buf);
	CHECK_EQ(pm.sts, 0, "writing 1 clears it");
	CHECK(!l.level[9], "and lowers the SCI");

	/* S1 is not in the DSDT: SLP_EN with SLP_TYP 1 does nothing. */
	buf[0] = 0x01;
	buf[1] = (uint8_t)((1 << 2) | (1 << 5));
	libhv_iobus_out(&bus, LIBHV_PM1A_CNT, 2, buf);
	CHECK_EQ(e.n, 0, "SLP_TYP 1: no sleep");
	libhv_iobus_in(&bus, LIBHV_PM1A_CNT, 2, buf);
	CHECK_EQ(buf[0] | buf[1] << 8, 0x0401, "SLP_TYP reads back, SLP_EN reads 0");
	buf[0] = 0x01;
	buf[1] = (uint8_t)((LIBHV_SLP_TYP_S5 << 2) | (1 << 5));
	libhv_iobus_out(&bus, LIBHV_PM1A_CNT, 2, buf);
	CHECK(e.n == 1 && e.why == HV_MACHINE_END_POWEROFF, "SLP_TYP 5 with SLP_EN: power off");

	buf[0] = 0x02;
	libhv_iobus_out(&bus, LIBHV_RESET_PORT, 1, buf);
	CHECK_EQ(e.n, 1, "0xcf9 = 2: a reset type, no reset yet");
	libhv_iobus_in(&bus, LIBHV_RESET_PORT, 1, buf);
	CHECK_EQ(buf[0], 0x02, "0xcf9 reads back the type");
	buf[0] = LIBHV_RESET_VALUE;
	libhv_iobus_out(&bus, LIBHV_RESET_PORT, 1, buf);
	CHECK(e.n == 2 && e.why == HV_MACHINE_END_RESET, "0xcf9 = 6 (the FADT's reset value): reset");
}

/* A bus with COM1, the PCI ports, the reset register and the legacy ports. */
struct pc {
	struct libhv_iobus bus;
	struct libhv_uart uart;
	struct libhv_acpi_pm pm;
	struct libhv_legacy legacy;
	struct ends e;
	char out[16];
	size_t nout;
};

static void pc_output(void *opaque, const uint8_t *buf, size_t len)
{
	struct pc *pc = opaque;

	for (size_t i = 0; i < len && pc->nout < sizeof(pc->out); i++)
		pc->out[pc->nout++] = (char)buf[i];
}

static void pc_init(struct pc *pc)
{
	struct libhv_end end;

	memset(pc, 0, sizeof(*pc));
	end = (struct libhv_end){ .request = record_end, .opaque = &pc->e };
	pc->uart.output = pc_output;
	pc->uart.opaque = pc;
	libhv_uart_reset(&pc->uart);
	pc->pm.end = end;
	libhv_acpi_pm_reset(&pc->pm);
	pc->legacy.end = end;
	libhv_legacy_reset(&pc->legacy);
	CHECK(!libhv_iobus_add(&pc->bus, LIBHV_COM1_BASE, 8, &libhv_uart_ops, &pc->uart) &&
	      !libhv_iobus_add(&pc->bus, 0xcf8, 4, &libhv_pci_addr_ops, &pc->legacy) &&
	      !libhv_iobus_add(&pc->bus, LIBHV_RESET_PORT, 1, &libhv_reset_ops, &pc->pm) &&
	      !libhv_iobus_add(&pc->bus, 0xcfc, 4, &libhv_pci_data_ops, &pc->legacy) &&
	      !libhv_iobus_add(&pc->bus, 0x61, 1, &libhv_port61_ops, &pc->legacy) &&
	      !libhv_iobus_add(&pc->bus, 0x40, 4, &libhv_pit_ops, &pc->legacy) &&
	      !libhv_iobus_add(&pc->bus, LIBHV_DEBUG_EXIT_PORT, 1, &libhv_debug_exit_ops,
			       &pc->legacy),
	      "devices on the bus");
}

static uint32_t in(struct pc *pc, uint16_t port, unsigned int size)
{
	uint8_t b[4] = { 0 };

	libhv_iobus_in(&pc->bus, port, size, b);
	return (uint32_t)b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
}

static void out(struct pc *pc, uint16_t port, unsigned int size, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	libhv_iobus_out(&pc->bus, port, size, b);
}

static void iobus(void)
{
	struct libhv_iobus bus = { 0 };
	struct pc pc;

	pc_init(&pc);
	CHECK_EQ(libhv_iobus_add(&pc.bus, 0x3fc, 2, &libhv_uart_ops, &pc.uart), -EEXIST,
		 "a byte device over another one's ports is refused");
	CHECK_EQ(libhv_iobus_add(&bus, 0xfff0, 0x20, &libhv_uart_ops, &pc.uart), -EINVAL,
		 "a range past port 0xffff is refused");

	/* Linux's pci_check_type1(): outb(1, 0xcfb), then dwords at 0xcf8. */
	out(&pc, 0xcfb, 1, 0x01);
	out(&pc, 0xcf8, 4, 0x80000600);
	CHECK_EQ(pc.e.n, 0, "a dword at 0xcf8 is CONFIG_ADDRESS, not a byte for 0xcf9");
	CHECK_EQ(in(&pc, 0xcf8, 4), 0x80000600, "CONFIG_ADDRESS reads back");
	out(&pc, 0xcf8, 4, 0xffffffff);
	CHECK_EQ(in(&pc, 0xcf8, 4), 0x80fffffc, "reserved bits read 0");
	CHECK_EQ(in(&pc, 0xcfc, 4), 0xffffffff, "no device: config data reads all-ones");
	CHECK_EQ(in(&pc, 0xcfe, 2), 0xffff, "also as a word");
	out(&pc, 0xcf9, 1, LIBHV_RESET_VALUE);
	CHECK(pc.e.n == 1 && pc.e.why == HV_MACHINE_END_RESET, "a byte at 0xcf9 is the reset register");

	pc.bus.unclaimed = 0;
	CHECK_EQ(in(&pc, 0x2f8, 2), 0xffff, "COM2 is absent: all-ones");
	CHECK_EQ(pc.bus.unclaimed, 2, "two unclaimed bytes counted");
	out(&pc, 0x3e8, 1, 'x');
	CHECK_EQ(pc.bus.unclaimed, 3, "writes to nothing are dropped and counted");
	CHECK_EQ(in(&pc, 0x3fe, 4), 0xffff00b0, "a dword over MSR, SCR and two empty ports: bytes");

	out(&pc, 0x3f8, 2, 'h' | 0x0300);
	libhv_uart_flush(&pc.uart);
	CHECK(pc.nout == 1 && pc.out[0] == 'h', "a word at 0x3f8: THR gets the low byte");
	CHECK_EQ(pc.uart.ier, 0x03, "and IER the high byte");

	CHECK_EQ(in(&pc, 0x40, 1), 0, "PIT counter reads 0");
	out(&pc, 0x43, 1, 0x30);
	out(&pc, 0x61, 1, 0xff);
	CHECK_EQ(in(&pc, 0x61, 1) & 0x0f, 0x0f, "port 0x61 bits 3:0 read back");
	CHECK_EQ((in(&pc, 0x61, 1) ^ in(&pc, 0x61, 1)) & 0x10, 0x10, "refresh bit toggles per read");
	CHECK_EQ(in(&pc, 0x61, 1) & 0x20, 0, "timer 2 output stays low");

	pc.e.n = 0;
	out(&pc, LIBHV_DEBUG_EXIT_PORT, 1, 0x2a);
	CHECK(pc.e.n == 1 && pc.e.why == HV_MACHINE_END_DEBUG_EXIT && pc.e.status == 0x55,
	      "debug exit 0x2a: status 0x55");
	out(&pc, LIBHV_DEBUG_EXIT_PORT, 4, 0xffffff80);
	CHECK_EQ(pc.e.status, 1, "only the low 7 bits count: 0x80 gives 1");
	CHECK_EQ(libhv_debug_exit_status(0x7f), 0xff, "0x7f gives 255");
}

void test_devices(void)
{
	pic_linux();
	i8042();
	acpi_pm();
	iobus();
}
