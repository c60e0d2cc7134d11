// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The PC's guest-physical layout: where RAM is, the e820 map that tells
 * the guest so, and the boot vCPU state that the kernel loaders share.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"

void libhv_ram_plan(uint64_t mem, struct libhv_ram *ram)
{
	ram->low_size = mem < LIBHV_PCI_HOLE ? mem : LIBHV_PCI_HOLE;
	ram->high_size = mem - ram->low_size;
}

/*
 * Below 1 MiB the map follows the PC/AT: conventional memory up to the
 * EBDA, which with the rest of [LIBHV_EBDA, LIBHV_VGA_HOLE) is reserved;
 * the VGA and option ROM window left out (nothing the guest may use is
 * there); the BIOS area reserved. The ACPI tables live in the BIOS area,
 * but it is reserved (type 2), not ACPI reclaimable (type 3): the RSDP
 * must stay where an OS scans for it (ACPI 6.4, 5.2.5.1), also for the
 * next kernel after a kexec, and type 3 allows reclaiming the memory once
 * the tables are read (ACPI 6.4, 15.3). Linux never allocates from any of
 * [0xa0000, 1 MiB) whatever its type.
 */
static const struct libhv_e820 low_map[] = {
	{ 0, LIBHV_EBDA, LIBHV_E820_RAM },
	{ LIBHV_EBDA, LIBHV_VGA_HOLE - LIBHV_EBDA, LIBHV_E820_RESERVED },
	{ LIBHV_ACPI_BASE, LIBHV_ACPI_SIZE, LIBHV_E820_RESERVED },
	{ LIBHV_1M, LIBHV_PCI_HOLE - LIBHV_1M, LIBHV_E820_RAM },
};

#define NR_LOW_MAP (sizeof(low_map) / sizeof(low_map[0]))

static int e820_add(struct libhv_e820 *map, int max, int n, uint64_t addr,
		    uint64_t size, uint32_t type)
{
	if (n >= max)
		return libhv_error(-ENOSPC, "the e820 map has more than %d entries",
				   max);
	map[n] = (struct libhv_e820){ .addr = addr, .size = size, .type = type };
	return n + 1;
}

int libhv_e820_build(const struct libhv_ram *ram, struct libhv_e820 *map,
		     int max)
{
	int n = 0;

	for (size_t i = 0; i < NR_LOW_MAP && n >= 0; i++) {
		uint64_t end = low_map[i].addr + low_map[i].size;

		if (end > ram->low_size)
			end = ram->low_size;
		if (end > low_map[i].addr)
			n = e820_add(map, max, n, low_map[i].addr,
				     end - low_map[i].addr, low_map[i].type);
	}
	if (n >= 0 && ram->high_size)
		n = e820_add(map, max, n, LIBHV_4G, ram->high_size,
			     LIBHV_E820_RAM);
	return n;
}

uint64_t libhv_ram_end(const struct libhv_ram *ram)
{
	return ram->high_size ? LIBHV_4G + ram->high_size : ram->low_size;
}

bool libhv_ram_covers(const struct libhv_ram *ram, uint64_t addr,
		      uint64_t size)
{
	struct libhv_e820 map[LIBHV_E820_MAX];
	int n = libhv_e820_build(ram, map, LIBHV_E820_MAX);

	for (int i = 0; i < n; i++) {
		if (map[i].type == LIBHV_E820_RAM && addr >= map[i].addr &&
		    size <= map[i].size && addr - map[i].addr <= map[i].size - size)
			return true;
	}
	return false;
}

int libhv_boot_state(struct hv_vm *vm, const struct libhv_gdt_layout *gdt,
		     const struct hv_setup *setup, uint64_t map_end,
		     struct libhv_entry *entry)
{
	void *tables = malloc(HV_SETUP_TABLES_SIZE);
	int err;

	if (!tables)
		return libhv_error(-ENOMEM, "no memory for the boot GDT and page tables");
	libhv_build_tables_with(gdt, setup->mode, setup->tables, map_end, tables);
	err = hv_vm_write(vm, setup->tables, tables, HV_SETUP_TABLES_SIZE);
	free(tables);
	if (err)
		return err;
	memset(entry, 0, sizeof(*entry));
	entry->sregs.apic_base = LIBHV_APIC_BASE_BSP;
	libhv_setup_sregs_with(gdt, setup, &entry->sregs);
	libhv_setup_regs(setup, &entry->regs);
	return 0;
}
