// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The PC layout: RAM placement around the PCI hole, the e820 map, and the
 * boot tables with another GDT layout and RAM above 4 GiB. Expected values
 * are written out from the layout in boot.h, not computed by libhv.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boot_vm.h"
#include "test.h"

static void ram_plan(void)
{
	struct libhv_ram ram;

	libhv_ram_plan(512 * MiB, &ram);
	CHECK_EQ(ram.low_size, 512 * MiB, "512 MiB: all low");
	CHECK_EQ(ram.high_size, 0, "512 MiB: none high");
	CHECK_EQ(libhv_ram_end(&ram), 512 * MiB, "512 MiB: RAM ends at 512 MiB");
	libhv_ram_plan(3 * GiB, &ram);
	CHECK_EQ(ram.low_size, 3 * GiB, "3 GiB: all below the hole");
	CHECK_EQ(ram.high_size, 0, "3 GiB: none high");
	libhv_ram_plan(3 * GiB + 4096, &ram);
	CHECK_EQ(ram.low_size, 3 * GiB, "3 GiB + 4 KiB: 3 GiB low");
	CHECK_EQ(ram.high_size, 4096, "3 GiB + 4 KiB: one page at 4 GiB");
	libhv_ram_plan(8 * GiB, &ram);
	CHECK_EQ(ram.high_size, 5 * GiB, "8 GiB: 5 GiB above 4 GiB");
	CHECK_EQ(libhv_ram_end(&ram), 9 * GiB, "8 GiB: RAM ends at 9 GiB");
}

static void check_entry(const struct libhv_e820 *e, uint64_t addr,
			uint64_t size, uint32_t type, const char *what)
{
	CHECK_EQ(e->addr, addr, "%s: address", what);
	CHECK_EQ(e->size, size, "%s: size", what);
	CHECK_EQ(e->type, type, "%s: type", what);
}

static void e820(void)
{
	struct libhv_e820 map[LIBHV_E820_MAX];
	struct libhv_ram ram;

	libhv_ram_plan(8 * GiB, &ram);
	CHECK_EQ(libhv_e820_build(&ram, map, LIBHV_E820_MAX), 5, "8 GiB: five entries");
	check_entry(&map[0], 0, 0x9fc00, 1, "conventional memory");
	check_entry(&map[1], 0x9fc00, 0x400, 2, "EBDA reserved");
	check_entry(&map[2], 0xe0000, 0x20000, 2, "BIOS area (ACPI tables) reserved");
	check_entry(&map[3], 0x100000, 3 * GiB - 0x100000, 1, "RAM from 1 MiB to the hole");
	check_entry(&map[4], 4 * GiB, 5 * GiB, 1, "RAM above 4 GiB");

	libhv_ram_plan(64 * MiB, &ram);
	CHECK_EQ(libhv_e820_build(&ram, map, LIBHV_E820_MAX), 4, "64 MiB: four entries");
	check_entry(&map[3], 0x100000, 63 * MiB, 1, "64 MiB: RAM from 1 MiB");
	CHECK_EQ(libhv_e820_build(&ram, map, 4), 4, "exactly enough room");
	CHECK_EQ(libhv_e820_build(&ram, map, 3), -ENOSPC, "room for 3 of 4 entries");
	CHECK(detail_has("more than 3"), "detail says the map is too long: %s",
	      hv_error_detail());

	/* Less than 1 MiB: every range clipped to the RAM there is. */
	libhv_ram_plan(0x9fe00, &ram);
	CHECK_EQ(libhv_e820_build(&ram, map, LIBHV_E820_MAX), 2, "0x9fe00 bytes: two entries");
	check_entry(&map[1], 0x9fc00, 0x200, 2, "EBDA clipped to RAM");
	libhv_ram_plan(0xf0000, &ram);
	CHECK_EQ(libhv_e820_build(&ram, map, LIBHV_E820_MAX), 3, "0xf0000 bytes: three entries");
	check_entry(&map[2], 0xe0000, 0x10000, 2, "BIOS area clipped to RAM");
}

static void ram_covers(void)
{
	struct libhv_ram ram;

	libhv_ram_plan(8 * GiB, &ram);
	CHECK(libhv_ram_covers(&ram, 0, 0x9fc00), "all of conventional memory");
	CHECK(!libhv_ram_covers(&ram, 0x9f000, 0x1000), "into the EBDA");
	CHECK(!libhv_ram_covers(&ram, 0xa0000, 0x100), "the VGA hole");
	CHECK(!libhv_ram_covers(&ram, 0xe0000, 0x100), "the BIOS area (reserved)");
	CHECK(!libhv_ram_covers(&ram, 0xff000, 0x2000), "across 1 MiB");
	CHECK(libhv_ram_covers(&ram, 0x100000, 3 * GiB - 0x100000), "1 MiB to the hole");
	CHECK(!libhv_ram_covers(&ram, 3 * GiB - 4096, 8192), "into the PCI hole");
	CHECK(libhv_ram_covers(&ram, 9 * GiB - 4096, 4096), "the last page above 4 GiB");
	CHECK(!libhv_ram_covers(&ram, 9 * GiB - 4096, 4097), "one byte past RAM");
	CHECK(!libhv_ram_covers(&ram, 0x100000, UINT64_MAX), "a size that would wrap");
}

/* The tables with Linux's selectors and RAM up to 9 GiB. */
static void tables_with_layout(void)
{
	static const struct libhv_gdt_layout gdt = {
		.code64 = 0x10, .data = 0x18, .tss = 0x20,
	};
	uint8_t *buf = malloc(HV_SETUP_TABLES_SIZE);
	struct hv_setup setup = {
		.mode = HV_MODE_LONG, .entry = 0x1000200, .stack = 0x10000,
		.tables = 0x8000,
	};
	struct hv_sregs sregs = { 0 };

	memset(buf, 0xa5, HV_SETUP_TABLES_SIZE);
	libhv_build_tables_with(&gdt, HV_MODE_LONG, 0x8000, 9 * GiB, buf);
	CHECK_EQ(libhv_get64(buf, 0x00), 0, "GDT[0] null");
	CHECK_EQ(libhv_get64(buf, 0x08), 0, "GDT[1] unused");
	CHECK_EQ(libhv_get64(buf, 0x10), 0x00af9b000000ffffULL, "GDT[2] 64-bit code (__BOOT_CS)");
	CHECK_EQ(libhv_get64(buf, 0x18), 0x00cf93000000ffffULL, "GDT[3] flat data (__BOOT_DS)");
	/* TSS at 0x8080: base 23:0 in bits 39:16, busy type 0xb, P, limit 0x67. */
	CHECK_EQ(libhv_get64(buf, 0x20), 0x00008b0080800067ULL, "GDT[4] busy TSS");
	CHECK_EQ(libhv_get64(buf, 0x28), 0, "GDT[5] TSS base 63:32");
	CHECK_EQ(libhv_get64(buf, 0x1000), 0xa003, "PML4[0] -> PDPT at 0xa000");
	CHECK_EQ(libhv_get64(buf, 0x2018), 0xe003, "PDPT[3] -> PD at 0xe000");
	CHECK_EQ(libhv_get64(buf, 0x2020), 4 * GiB | 0x83, "PDPT[4] maps 4 GiB with a 1 GiB page");
	CHECK_EQ(libhv_get64(buf, 0x2040), 8 * GiB | 0x83, "PDPT[8] maps 8 GiB");
	CHECK_EQ(libhv_get64(buf, 0x2048), 0, "PDPT[9]: RAM ends at 9 GiB");
	CHECK_EQ(libhv_get64(buf, 0x6ff8), (4 * GiB - 2 * MiB) | 0x83, "last PD entry maps 4 GiB - 2 MiB");

	libhv_build_tables_with(&gdt, HV_MODE_LONG, 0x8000, 600 * GiB, buf);
	CHECK_EQ(libhv_get64(buf, 0x2000 + 8 * 511), 511 * GiB | 0x83, "PDPT[511]: the map reaches 512 GiB");
	CHECK_EQ(libhv_get64(buf, 0x1008), 0, "PML4[1] empty: nothing past 512 GiB");
	free(buf);

	libhv_setup_sregs_with(&gdt, &setup, &sregs);
	CHECK_EQ(sregs.cs.selector, 0x10, "CS is __BOOT_CS");
	CHECK(sregs.cs.l && !sregs.cs.db, "CS is 64-bit code");
	CHECK_EQ(sregs.ds.selector, 0x18, "DS is __BOOT_DS");
	CHECK_EQ(sregs.ss.selector, 0x18, "SS is __BOOT_DS");
	CHECK_EQ(sregs.tr.selector, 0x20, "TR selects the TSS");
	CHECK_EQ(sregs.tr.base, 0x8080, "TR base");
	CHECK_EQ(sregs.gdt.base, 0x8000, "GDTR base");
	CHECK_EQ(sregs.cr3, 0x9000, "CR3 -> PML4");
}

void test_layout(void)
{
	ram_plan();
	e820();
	ram_covers();
	tables_with_layout();
}
