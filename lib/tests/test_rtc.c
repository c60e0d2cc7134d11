// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The RTC and CMOS memory against a clock the test sets: BCD and binary,
 * 12- and 24-hour forms, UIP, setting the time, the CMOS memory bytes.
 */
#include <string.h>

#include "../devices.h"
#include "test.h"

#define MIB	(1ULL << 20)
#define GIB	(1ULL << 30)

static struct timespec fake_now;

static void fake_clock(void *opaque, struct timespec *now)
{
	(void)opaque;
	*now = fake_now;
}

/* 2024-02-29 (a Thursday) h:m:s.ns UTC. */
static void set_clock(int h, int m, int s, long ns)
{
	struct tm tm = { .tm_year = 124, .tm_mon = 1, .tm_mday = 29,
			 .tm_hour = h, .tm_min = m, .tm_sec = s };

	fake_now.tv_sec = timegm(&tm);
	fake_now.tv_nsec = ns;
}

static void rtc_init(struct libhv_rtc *rtc)
{
	memset(rtc, 0, sizeof(*rtc));
	rtc->clock = fake_clock;
	libhv_rtc_reset(rtc, 512 * MIB, 0, 1);
}

static uint8_t cmos(struct libhv_rtc *rtc, uint8_t index)
{
	libhv_rtc_write(rtc, 0x70, index);
	return libhv_rtc_read(rtc, 0x71);
}

static void cmos_set(struct libhv_rtc *rtc, uint8_t index, uint8_t value)
{
	libhv_rtc_write(rtc, 0x70, index);
	libhv_rtc_write(rtc, 0x71, value);
}

static void bcd_and_binary(void)
{
	static const struct {
		uint8_t reg, bcd, bin;
		const char *what;
	} want[] = {
		{ 0x00, 0x56, 56, "seconds" },
		{ 0x02, 0x45, 45, "minutes" },
		{ 0x04, 0x13, 13, "hours" },
		{ 0x06, 0x05, 5, "day of week (Sunday = 1)" },
		{ 0x07, 0x29, 29, "day of month" },
		{ 0x08, 0x02, 2, "month" },
		{ 0x09, 0x24, 24, "year" },
		{ 0x32, 0x20, 20, "century" },
	};
	struct libhv_rtc rtc;

	rtc_init(&rtc);
	set_clock(13, 45, 56, 0);
	CHECK_EQ(cmos(&rtc, 0x0b), 0x02, "register B after reset: 24-hour BCD");
	CHECK_EQ(cmos(&rtc, 0x0d), 0x80, "register D: VRT (valid RAM and time)");
	CHECK_EQ(cmos(&rtc, 0x0a), 0x26, "register A: 32.768 kHz divider, 1024 Hz rate, no UIP");
	CHECK_EQ(cmos(&rtc, 0x0c), 0x00, "register C: no interrupt flags");
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		CHECK_EQ(cmos(&rtc, want[i].reg), want[i].bcd, "BCD %s", want[i].what);
	cmos_set(&rtc, 0x0b, 0x06);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		CHECK_EQ(cmos(&rtc, want[i].reg), want[i].bin, "binary %s", want[i].what);

	cmos_set(&rtc, 0x0b, 0x04);
	CHECK_EQ(cmos(&rtc, 0x04), 0x81, "12-hour binary: 1 PM is 1 with bit 7");
	cmos_set(&rtc, 0x0b, 0x00);
	CHECK_EQ(cmos(&rtc, 0x04), 0x81, "12-hour BCD: 1 PM");
	set_clock(0, 5, 0, 0);
	CHECK_EQ(cmos(&rtc, 0x04), 0x12, "12-hour BCD: midnight is 12 AM");
	set_clock(12, 5, 0, 0);
	CHECK_EQ(cmos(&rtc, 0x04), 0x92, "12-hour BCD: noon is 12 PM");
	set_clock(13, 45, 57, 0);
	cmos_set(&rtc, 0x0b, 0x02);
	CHECK_EQ(cmos(&rtc, 0x00), 0x57, "the clock runs with the host's");
}

static void uip(void)
{
	struct libhv_rtc rtc;

	rtc_init(&rtc);
	set_clock(1, 2, 3, 999900000L);
	CHECK_EQ(cmos(&rtc, 0x0a) & 0x80, 0x80, "UIP in the last 244 us of a second");
	set_clock(1, 2, 3, 999700000L);
	CHECK_EQ(cmos(&rtc, 0x0a) & 0x80, 0, "no UIP 300 us before the update");
	set_clock(1, 2, 4, 0);
	CHECK_EQ(cmos(&rtc, 0x0a) & 0x80, 0, "no UIP once the second has begun");
	cmos_set(&rtc, 0x0a, 0xa6);
	CHECK_EQ(cmos(&rtc, 0x0a), 0x26, "UIP is read-only");
	set_clock(1, 2, 4, 999900000L);
	cmos_set(&rtc, 0x0b, 0x82);
	CHECK_EQ(cmos(&rtc, 0x0a) & 0x80, 0, "no UIP while SET stops updates");
}

/* As Linux's mc146818_set_time: SET, divider reset, registers, restore. */
static void set_time(void)
{
	struct libhv_rtc rtc;

	rtc_init(&rtc);
	set_clock(10, 0, 0, 0);
	cmos_set(&rtc, 0x0b, 0x82);
	cmos_set(&rtc, 0x0a, 0x66);
	CHECK_EQ(cmos(&rtc, 0x04), 0x10, "SET: the registers hold the time it was set at");
	set_clock(10, 0, 30, 0);
	CHECK_EQ(cmos(&rtc, 0x00), 0x00, "SET: no updates");
	cmos_set(&rtc, 0x00, 0x30);
	cmos_set(&rtc, 0x02, 0x59);
	cmos_set(&rtc, 0x04, 0x23);
	cmos_set(&rtc, 0x07, 0x31);
	cmos_set(&rtc, 0x08, 0x12);
	cmos_set(&rtc, 0x09, 0x99);
	cmos_set(&rtc, 0x32, 0x20);
	cmos_set(&rtc, 0x0b, 0x02);
	cmos_set(&rtc, 0x0a, 0x26);
	set_clock(10, 0, 45, 0);
	CHECK_EQ(cmos(&rtc, 0x00), 0x45, "15 s later: 23:59:45");
	CHECK_EQ(cmos(&rtc, 0x02), 0x59, "minutes");
	CHECK_EQ(cmos(&rtc, 0x09), 0x99, "year 2099");
	set_clock(10, 1, 0, 0);
	CHECK_EQ(cmos(&rtc, 0x09), 0x00, "30 s later the year is 2100");
	CHECK_EQ(cmos(&rtc, 0x32), 0x21, "and the century 21");
	CHECK_EQ(cmos(&rtc, 0x06), 0x06, "2100-01-01 is a Friday");

	cmos_set(&rtc, 0x00, 0x11);
	CHECK_EQ(cmos(&rtc, 0x00), 0x00, "writes to a running clock are lost at the next update");

	/* Setting the time in 12-hour binary mode. */
	cmos_set(&rtc, 0x0b, 0x84);
	cmos_set(&rtc, 0x04, 0x80 | 12);	/* 12 PM */
	cmos_set(&rtc, 0x0b, 0x06);
	CHECK_EQ(cmos(&rtc, 0x04), 12, "12 PM set in 12-hour mode reads 12 in 24-hour mode");
}

static void index_port(void)
{
	struct libhv_rtc rtc;

	rtc_init(&rtc);
	libhv_rtc_write(&rtc, 0x70, 0x8d);
	CHECK(rtc.nmi_disabled, "bit 7 of the index masks NMIs");
	CHECK_EQ(libhv_rtc_read(&rtc, 0x71), 0x80, "and the index is bits 6:0 (register D)");
	libhv_rtc_write(&rtc, 0x70, 0x0d);
	CHECK(!rtc.nmi_disabled, "bit 7 clear unmasks them");
	CHECK_EQ(libhv_rtc_read(&rtc, 0x70), 0xff, "the index port is write-only");
	cmos_set(&rtc, 0x40, 0xa5);
	CHECK_EQ(cmos(&rtc, 0x40), 0xa5, "CMOS RAM keeps a byte");
	cmos_set(&rtc, 0x0d, 0x00);
	CHECK_EQ(cmos(&rtc, 0x0d), 0x80, "register D is read-only");
}

static void memory_bytes(void)
{
	struct libhv_rtc rtc = { .clock = fake_clock };

	libhv_rtc_reset(&rtc, 3 * GIB, 2 * GIB, 4);
	CHECK_EQ(cmos(&rtc, 0x15) | cmos(&rtc, 0x16) << 8, 640, "base memory 640 KiB");
	CHECK_EQ(cmos(&rtc, 0x17) | cmos(&rtc, 0x18) << 8, 0xffff, "extended memory: at most 0xffff KiB");
	CHECK_EQ(cmos(&rtc, 0x30) | cmos(&rtc, 0x31) << 8, 0xffff, "the same at 0x30");
	CHECK_EQ(cmos(&rtc, 0x34) | cmos(&rtc, 0x35) << 8, (3 * GIB - 16 * MIB) >> 16,
		 "64 KiB units above 16 MiB");
	CHECK_EQ(cmos(&rtc, 0x5b) | cmos(&rtc, 0x5c) << 8 | cmos(&rtc, 0x5d) << 16,
		 (2 * GIB) >> 16, "64 KiB units above 4 GiB");
	CHECK_EQ(cmos(&rtc, 0x5f), 3, "CPUs - 1");
	CHECK_EQ(cmos(&rtc, 0x14) & 0x02, 0x02, "equipment: math coprocessor");

	libhv_rtc_reset(&rtc, 8 * MIB, 0, 1);
	CHECK_EQ(cmos(&rtc, 0x17) | cmos(&rtc, 0x18) << 8, 7 * 1024, "8 MiB: 7 MiB extended");
	CHECK_EQ(cmos(&rtc, 0x34) | cmos(&rtc, 0x35) << 8, 0, "nothing above 16 MiB");
	CHECK_EQ(cmos(&rtc, 0x5b), 0, "nothing above 4 GiB");
}

void test_rtc(void)
{
	bcd_and_binary();
	uip();
	set_time();
	index_port();
	memory_bytes();
}
