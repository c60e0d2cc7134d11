// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The PC's real-time clock and CMOS memory: a Motorola MC146818A (data
 * sheet MC146818A/D) behind the index port 0x70 and the data port 0x71.
 *
 * The time is the host's UTC clock plus an offset the guest may change by
 * setting the clock (register B SET, write the registers, clear SET). It is
 * shown in BCD or binary and in 12- or 24-hour form as register B says at
 * the moment of the read, as the chip does. UIP (register A bit 7) is set
 * during the 244 us before each second begins, the window in which the
 * chip warns that an update is coming; a guest that waits for UIP to clear
 * and then reads the time (Linux's mc146818_get_time) reads a consistent
 * time. No interrupt is ever raised: the periodic, alarm and update-ended
 * interrupts are not emulated, register C reads 0, and the alarm registers
 * only keep what is written to them.
 */
#include <string.h>

#include "devices.h"

/* Register numbers (data sheet, figure 5). */
#define RTC_SECONDS		0x00
#define RTC_SECONDS_ALARM	0x01
#define RTC_MINUTES		0x02
#define RTC_MINUTES_ALARM	0x03
#define RTC_HOURS		0x04
#define RTC_HOURS_ALARM		0x05
#define RTC_DAY_OF_WEEK		0x06
#define RTC_DAY_OF_MONTH	0x07
#define RTC_MONTH		0x08
#define RTC_YEAR		0x09
#define RTC_REG_A		0x0a
#define RTC_REG_B		0x0b
#define RTC_REG_C		0x0c
#define RTC_REG_D		0x0d

#define REG_A_UIP		0x80
#define REG_A_DV_MASK		0x70
#define REG_A_DV_32KHZ		0x20	/* divider for a 32.768 kHz time base */
#define REG_A_RS_1024HZ		0x06	/* the usual periodic rate */

#define REG_B_SET		0x80
#define REG_B_DM		0x04	/* data mode: 1 binary, 0 BCD */
#define REG_B_24H		0x02
/* What register B keeps: PIE, AIE, UIE and SQWE are kept but do nothing. */

#define REG_D_VRT		0x80	/* valid RAM and time: the battery is fine */

/* 12-hour mode: bit 7 of the hours means PM. */
#define HOURS_PM		0x80

/*
 * Bytes of CMOS memory that firmware and operating systems read (IBM PC AT
 * Technical Reference, "CMOS RAM address map"; 0x32, 0x34-0x35, 0x5b-0x5d
 * and 0x5f as QEMU and SeaBIOS use them).
 */
#define CMOS_EQUIPMENT		0x14	/* bit 1: math coprocessor present */
#define CMOS_BASE_MEM_LO	0x15	/* base memory in KiB: 640 */
#define CMOS_BASE_MEM_HI	0x16
#define CMOS_EXT_MEM_LO		0x17	/* KiB from 1 MiB, up to 63 MiB */
#define CMOS_EXT_MEM_HI		0x18
#define CMOS_EXT_MEM2_LO	0x30	/* the same, as POST found it */
#define CMOS_EXT_MEM2_HI	0x31
#define CMOS_CENTURY		0x32	/* the FADT's CENTURY field names it */
#define CMOS_MEM_16M_LO		0x34	/* 64 KiB units from 16 MiB below 4 GiB */
#define CMOS_MEM_16M_HI		0x35
#define CMOS_MEM_4G_0		0x5b	/* 64 KiB units from 4 GiB, 3 bytes */
#define CMOS_MEM_4G_1		0x5c
#define CMOS_MEM_4G_2		0x5d
#define CMOS_NR_CPUS_MINUS_1	0x5f

#define EQUIPMENT_FPU		0x02
#define BASE_MEM_KIB		640

/* The chip sets UIP this long before an update begins (data sheet, figure 8). */
#define UIP_WINDOW_NS		244000L
#define NS_PER_SEC		1000000000L

#define KIB			1024ULL
#define MIB			(1024 * KIB)

static void host_clock(void *opaque, struct timespec *now)
{
	(void)opaque;
	clock_gettime(CLOCK_REALTIME, now);
}

static void put16(uint8_t *cmos, unsigned int lo, uint64_t value)
{
	if (value > 0xffff)
		value = 0xffff;
	cmos[lo] = (uint8_t)value;
	cmos[lo + 1] = (uint8_t)(value >> 8);
}

void libhv_rtc_reset(struct libhv_rtc *rtc, uint64_t low_mem, uint64_t high_mem,
		     uint32_t ncpus)
{
	uint64_t above_4g = high_mem / (64 * KIB);
	uint8_t *cmos = rtc->cmos;

	memset(cmos, 0, sizeof(rtc->cmos));
	rtc->index = 0;
	rtc->nmi_disabled = false;
	rtc->offset = 0;
	if (!rtc->clock)
		rtc->clock = host_clock;
	cmos[RTC_REG_A] = REG_A_DV_32KHZ | REG_A_RS_1024HZ;
	cmos[RTC_REG_B] = REG_B_24H;
	cmos[RTC_REG_D] = REG_D_VRT;
	cmos[CMOS_EQUIPMENT] = EQUIPMENT_FPU;
	put16(cmos, CMOS_BASE_MEM_LO, BASE_MEM_KIB);
	if (low_mem > MIB) {
		put16(cmos, CMOS_EXT_MEM_LO, (low_mem - MIB) / KIB);
		put16(cmos, CMOS_EXT_MEM2_LO, (low_mem - MIB) / KIB);
	}
	if (low_mem > 16 * MIB)
		put16(cmos, CMOS_MEM_16M_LO, (low_mem - 16 * MIB) / (64 * KIB));
	if (above_4g > 0xffffff)
		above_4g = 0xffffff;
	cmos[CMOS_MEM_4G_0] = (uint8_t)above_4g;
	cmos[CMOS_MEM_4G_1] = (uint8_t)(above_4g >> 8);
	cmos[CMOS_MEM_4G_2] = (uint8_t)(above_4g >> 16);
	cmos[CMOS_NR_CPUS_MINUS_1] = (uint8_t)(ncpus ? ncpus - 1 : 0);
}

static bool binary_mode(const struct libhv_rtc *rtc)
{
	return rtc->cmos[RTC_REG_B] & REG_B_DM;
}

static uint8_t to_reg(const struct libhv_rtc *rtc, unsigned int v)
{
	return binary_mode(rtc) ? (uint8_t)v : (uint8_t)((v / 10) << 4 | v % 10);
}

static unsigned int from_reg(const struct libhv_rtc *rtc, uint8_t v)
{
	return binary_mode(rtc) ? v : (v >> 4) * 10 + (v & 0x0f);
}

/* Hours 0-23 in the register format: 12-hour mode is 1-12 with bit 7 for PM. */
static uint8_t hours_to_reg(const struct libhv_rtc *rtc, unsigned int h)
{
	unsigned int h12;

	if (rtc->cmos[RTC_REG_B] & REG_B_24H)
		return to_reg(rtc, h);
	h12 = h % 12 ? h % 12 : 12;
	return to_reg(rtc, h12) | (h >= 12 ? HOURS_PM : 0);
}

static unsigned int hours_from_reg(const struct libhv_rtc *rtc, uint8_t v)
{
	unsigned int h;

	if (rtc->cmos[RTC_REG_B] & REG_B_24H)
		return from_reg(rtc, v);
	h = from_reg(rtc, v & ~HOURS_PM) % 12;
	return v & HOURS_PM ? h + 12 : h;
}

/* The guest's time now. */
static void guest_time(struct libhv_rtc *rtc, struct timespec *ts)
{
	rtc->clock(rtc->opaque, ts);
	ts->tv_sec += rtc->offset;
}

/* Fill the time registers from t (seconds since the epoch, UTC). */
static void store_time(struct libhv_rtc *rtc, time_t t)
{
	uint8_t *cmos = rtc->cmos;
	struct tm tm;

	gmtime_r(&t, &tm);
	cmos[RTC_SECONDS] = to_reg(rtc, (unsigned int)tm.tm_sec);
	cmos[RTC_MINUTES] = to_reg(rtc, (unsigned int)tm.tm_min);
	cmos[RTC_HOURS] = hours_to_reg(rtc, (unsigned int)tm.tm_hour);
	cmos[RTC_DAY_OF_WEEK] = to_reg(rtc, (unsigned int)tm.tm_wday + 1);
	cmos[RTC_DAY_OF_MONTH] = to_reg(rtc, (unsigned int)tm.tm_mday);
	cmos[RTC_MONTH] = to_reg(rtc, (unsigned int)tm.tm_mon + 1);
	cmos[RTC_YEAR] = to_reg(rtc, (unsigned int)(tm.tm_year + 1900) % 100);
	/* In the data mode of the others, as Linux and QEMU keep it. */
	cmos[CMOS_CENTURY] = to_reg(rtc, (unsigned int)(tm.tm_year + 1900) / 100);
}

/* The time the guest wrote into the registers, as seconds since the epoch. */
static time_t written_time(const struct libhv_rtc *rtc)
{
	const uint8_t *cmos = rtc->cmos;
	unsigned int century = from_reg(rtc, cmos[CMOS_CENTURY]);
	struct tm tm = {
		.tm_sec = (int)from_reg(rtc, cmos[RTC_SECONDS]),
		.tm_min = (int)from_reg(rtc, cmos[RTC_MINUTES]),
		.tm_hour = (int)hours_from_reg(rtc, cmos[RTC_HOURS]),
		.tm_mday = (int)from_reg(rtc, cmos[RTC_DAY_OF_MONTH]),
		.tm_mon = (int)from_reg(rtc, cmos[RTC_MONTH]) - 1,
		.tm_year = (int)(century * 100 + from_reg(rtc, cmos[RTC_YEAR])) - 1900,
	};

	return timegm(&tm);
}

/* Registers that show the clock; the rest of the CMOS is plain memory. */
static bool is_time_reg(unsigned int index)
{
	return index <= RTC_YEAR || index == CMOS_CENTURY;
}

static bool updating(const struct libhv_rtc *rtc)
{
	return !(rtc->cmos[RTC_REG_B] & REG_B_SET) &&
	       (rtc->cmos[RTC_REG_A] & REG_A_DV_MASK) == REG_A_DV_32KHZ;
}

static uint8_t read_data(struct libhv_rtc *rtc)
{
	unsigned int index = rtc->index;
	struct timespec now;

	if (is_time_reg(index) && updating(rtc)) {
		guest_time(rtc, &now);
		store_time(rtc, now.tv_sec);
	}
	switch (index) {
	case RTC_REG_A:
		if (!updating(rtc))
			return rtc->cmos[RTC_REG_A];
		guest_time(rtc, &now);
		return rtc->cmos[RTC_REG_A] |
		       (now.tv_nsec >= NS_PER_SEC - UIP_WINDOW_NS ? REG_A_UIP : 0);
	case RTC_REG_C:
		return 0;	/* no interrupt flags: none is emulated */
	}
	return rtc->cmos[index];
}

static void write_reg_b(struct libhv_rtc *rtc, uint8_t value)
{
	uint8_t old = rtc->cmos[RTC_REG_B];
	struct timespec now;

	if ((old & REG_B_SET) && !(value & REG_B_SET)) {
		/* Updates resume from what the guest wrote, in the format it wrote. */
		rtc->clock(rtc->opaque, &now);
		rtc->offset = (int64_t)written_time(rtc) - (int64_t)now.tv_sec;
	}
	rtc->cmos[RTC_REG_B] = value;
	if (!(old & REG_B_SET) && (value & REG_B_SET)) {
		/* Updates stop: the registers hold this moment, in the new format. */
		guest_time(rtc, &now);
		store_time(rtc, now.tv_sec);
	}
}

static void write_data(struct libhv_rtc *rtc, uint8_t value)
{
	unsigned int index = rtc->index;

	switch (index) {
	case RTC_REG_A:
		/* UIP is read-only. */
		rtc->cmos[RTC_REG_A] = value & ~REG_A_UIP;
		return;
	case RTC_REG_B:
		write_reg_b(rtc, value);
		return;
	case RTC_REG_C:
	case RTC_REG_D:
		return;		/* read-only */
	}
	/*
	 * Time registers written while the clock runs would be overwritten by
	 * the next update; the guest sets the time with SET (Linux does).
	 */
	if (is_time_reg(index) && updating(rtc))
		return;
	rtc->cmos[index] = value;
}

uint8_t libhv_rtc_read(struct libhv_rtc *rtc, uint16_t port)
{
	/* The index register is write-only: reads float. */
	if (port == LIBHV_RTC_BASE)
		return 0xff;
	return read_data(rtc);
}

void libhv_rtc_write(struct libhv_rtc *rtc, uint16_t port, uint8_t value)
{
	if (port == LIBHV_RTC_BASE) {
		/* Bit 7 of the index port masks NMIs on the PC. */
		rtc->nmi_disabled = value & 0x80;
		rtc->index = value & 0x7f;
		return;
	}
	write_data(rtc, value);
}

static uint32_t rtc_in(void *dev, uint16_t port, unsigned int size)
{
	(void)size;
	return libhv_rtc_read(dev, port);
}

static void rtc_out(void *dev, uint16_t port, unsigned int size, uint32_t value)
{
	(void)size;
	libhv_rtc_write(dev, port, (uint8_t)value);
}

const struct libhv_pio_ops libhv_rtc_ops = {
	.sizes = LIBHV_IO_SIZE1,
	.in = rtc_in,
	.out = rtc_out,
};
