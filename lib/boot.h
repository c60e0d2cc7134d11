/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libhv internal: the PC machine's guest-physical layout, its firmware
 * tables (e820, ACPI) and the loaders that put a kernel into guest memory
 * (Linux x86 boot protocol, multiboot v1).
 *
 * Everything here writes guest memory through a struct hv_vm and returns
 * the vCPU state the loaded kernel expects at its entry point; starting the
 * vCPUs and the devices is machine.c's business.
 */
#ifndef LIBHV_BOOT_H
#define LIBHV_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include <string.h>

#include "internal.h"	/* LIBHV_1M, LIBHV_4G, LIBHV_PAGE_SIZE */

/*
 * Little-endian fields of boot structures (setup header, ACPI tables,
 * multiboot information) at any alignment: x86 hosts are little-endian.
 */
static inline uint16_t libhv_get16(const void *p, size_t off)
{
	uint16_t v;

	memcpy(&v, (const char *)p + off, sizeof(v));
	return v;
}

static inline uint32_t libhv_get32(const void *p, size_t off)
{
	uint32_t v;

	memcpy(&v, (const char *)p + off, sizeof(v));
	return v;
}

static inline uint64_t libhv_get64(const void *p, size_t off)
{
	uint64_t v;

	memcpy(&v, (const char *)p + off, sizeof(v));
	return v;
}

static inline void libhv_put16(void *p, size_t off, uint16_t v)
{
	memcpy((char *)p + off, &v, sizeof(v));
}

static inline void libhv_put32(void *p, size_t off, uint32_t v)
{
	memcpy((char *)p + off, &v, sizeof(v));
}

static inline void libhv_put64(void *p, size_t off, uint64_t v)
{
	memcpy((char *)p + off, &v, sizeof(v));
}

/*
 * Guest-physical layout. RAM starts at 0; the part of it that would fall
 * into [LIBHV_PCI_HOLE, 4 GiB) moves to 4 GiB and up. The hole holds the
 * IOAPIC (HV_IOAPIC_ADDR) and the local APICs (0xfee00000), which hv
 * emulates in the kernel, and reads as all-ones elsewhere.
 */
#define LIBHV_PCI_HOLE		0xc0000000ULL
/* Conventional memory ends with the EBDA; [0x9fc00, 1 MiB) is not RAM. */
#define LIBHV_EBDA		0x9fc00ULL
/* The VGA and option ROM window [0xa0000, 0xe0000): absent from the e820 map. */
#define LIBHV_VGA_HOLE		0xa0000ULL
/* The BIOS area, where the ACPI tables live (RSDP on a 16-byte boundary). */
#define LIBHV_ACPI_BASE		0xe0000ULL
#define LIBHV_ACPI_SIZE		0x20000ULL
/* Local APICs (MADT) and IA32_APIC_BASE after reset: enabled, bit 8 on the BSP. */
#define LIBHV_APIC_BASE		0xfee00000ULL
#define LIBHV_APIC_BASE_BSP	(LIBHV_APIC_BASE | 1ULL << 11 | 1ULL << 8)

/* RAM the layout gives to mem bytes of guest memory. */
struct libhv_ram {
	uint64_t low_size;	/* at [0, low_size): min(mem, LIBHV_PCI_HOLE) */
	uint64_t high_size;	/* at [4 GiB, 4 GiB + high_size) */
};

void libhv_ram_plan(uint64_t mem, struct libhv_ram *ram);
/* Where the highest RAM ends (4 GiB + high_size when there is RAM up there). */
uint64_t libhv_ram_end(const struct libhv_ram *ram);
/* Is [addr, addr + size) inside one RAM range of the e820 map? */
bool libhv_ram_covers(const struct libhv_ram *ram, uint64_t addr,
		      uint64_t size);

/* e820 entry types (ACPI 6.4, 15.1: address range types). */
#define LIBHV_E820_RAM		1
#define LIBHV_E820_RESERVED	2
#define LIBHV_E820_ACPI		3

struct libhv_e820 {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
};

#define LIBHV_E820_MAX		8

/*
 * The memory map of the layout: returns the number of entries (<= max), or
 * -ENOSPC when max is too small. RAM [0, LIBHV_EBDA), reserved up to
 * LIBHV_VGA_HOLE, reserved [LIBHV_ACPI_BASE, 1 MiB), RAM [1 MiB, low_size),
 * RAM [4 GiB, 4 GiB + high_size); each clipped to the RAM there is.
 */
int libhv_e820_build(const struct libhv_ram *ram, struct libhv_e820 *map,
		     int max);

/*
 * Build the ACPI tables (RSDP, RSDT, XSDT, FADT, FACS, DSDT with \_S5, MADT
 * with one local APIC per vCPU, the IOAPIC and the ISA overrides) in guest
 * memory at LIBHV_ACPI_BASE. *rsdp gets the RSDP's address. The
 * fixed-hardware registers they describe are the LIBHV_PM_* and
 * LIBHV_RESET_* ports below, which machine.c emulates. -EINVAL when ncpus
 * is 0 or above LIBHV_ACPI_MAX_CPUS; hv_vm_write()'s errors.
 */
int libhv_acpi_build(struct hv_vm *vm, uint32_t ncpus, uint64_t *rsdp);
/*
 * xAPIC IDs are 8 bits and 0xff is the broadcast ID; the IOAPIC takes the
 * ID after the last vCPU's.
 */
#define LIBHV_ACPI_MAX_CPUS	254

/*
 * ACPI fixed hardware (ports): PM1a event block, PM1a control block, 16-bit
 * registers (ACPI 6.4, 4.8.3.1). There is no SMI command port (FADT SMI_CMD
 * 0): the machine is always in ACPI mode, so SCI_EN reads as 1. The FADT
 * declares no fixed power or sleep button, no RTC wake status and no PM
 * timer, so PM1 status and enable have no bits the guest relies on.
 */
#define LIBHV_PM1A_EVT		0x600	/* 4 bytes: PM1 status, PM1 enable */
#define LIBHV_PM1A_CNT		0x604	/* 2 bytes */
#define LIBHV_PM1_SCI_EN	(1u << 0)
#define LIBHV_PM1_SLP_TYP(v)	(((v) >> 10) & 7)
#define LIBHV_PM1_SLP_EN	(1u << 13)
/* The value of \_S5 (soft off) in the DSDT: SLP_TYP written with SLP_EN. */
#define LIBHV_SLP_TYP_S5	5
/* ACPI reset register (FADT RESET_REG): write LIBHV_RESET_VALUE. */
#define LIBHV_RESET_PORT	0xcf9
#define LIBHV_RESET_VALUE	0x06
/* SCI: ISA IRQ 9, level triggered, active high (MADT override). */
#define LIBHV_SCI_IRQ		9

/*
 * Where a loader wants the boot vCPU to start: a complete register state,
 * set with hv_vcpu_set_regs()/hv_vcpu_set_sregs() on vCPU 0 (the other
 * vCPUs wait for INIT/SIPI). The loaders write any GDT and page tables the
 * state refers to into guest memory themselves. apic_base is
 * LIBHV_APIC_BASE_BSP; CR2, CR8 and the IDT are 0.
 */
struct libhv_entry {
	struct hv_regs regs;
	struct hv_sregs sregs;
};

/*
 * For the loaders: write the GDT, TSS and (long mode) page tables of setup
 * into guest memory at setup->tables, laid out as gdt says, identity-mapping
 * RAM up to map_end; fill entry with the state of hv_vcpu_setup_mode() for
 * setup on those tables. -ENOMEM, or hv_vm_write()'s errors.
 */
int libhv_boot_state(struct hv_vm *vm, const struct libhv_gdt_layout *gdt,
		     const struct hv_setup *setup, uint64_t map_end,
		     struct libhv_entry *entry);

/*
 * Linux x86 boot protocol (Documentation/arch/x86/boot.rst): a bzImage
 * (setup header "HdrS", protocol >= 2.12, 64-bit entry), its initrd (may be
 * NULL) and command line (may be NULL). Writes boot_params with the e820
 * map and acpi_rsdp_addr (rsdp 0: none, Linux scans for it), the command
 * line, the protected-mode kernel and the initrd into guest memory; the
 * kernel goes to its pref_address, the initrd as high in low RAM as the
 * kernel allows. -ENOEXEC: not a bzImage this loader can start
 * (hv_error_detail() says why); -EFBIG: it does not fit in guest RAM;
 * -E2BIG: the command line is longer than the kernel's cmdline_size.
 *
 * Low memory it uses (Linux keeps the first 64 KiB to itself, and copies
 * boot_params and the command line before it reuses any of this):
 */
#define LIBHV_LINUX_BOOT_PARAMS	0x7000ULL	/* the zero page, 4 KiB */
/*
 * HV_SETUP_TABLES_SIZE bytes: GDT (__BOOT_CS 0x10, __BOOT_DS 0x18), TSS,
 * page tables; RSP starts at its end, in its unused last page.
 */
#define LIBHV_LINUX_TABLES	0x8000ULL
#define LIBHV_LINUX_CMDLINE	0x20000ULL
/* Room at LIBHV_LINUX_CMDLINE, NUL included (x86 Linux takes 2 KiB). */
#define LIBHV_LINUX_CMDLINE_MAX	0x10000ULL

struct libhv_linux {
	const void *kernel;
	size_t kernel_size;
	const void *initrd;
	size_t initrd_size;
	const char *cmdline;
};

int libhv_linux_load(struct hv_vm *vm, const struct libhv_ram *ram,
		     uint64_t rsdp, const struct libhv_linux *linux_image,
		     struct libhv_entry *entry);
/* Does this file start like a bzImage (the setup header's magic)? */
int libhv_is_bzimage(const void *data, size_t size);

/*
 * Multiboot v1 (the Multiboot Specification 0.6.96): an ELF32 image or one
 * with the a.out kludge (header flag 16), the command line (may be NULL),
 * and the multiboot information structure with the memory map, which goes
 * below LIBHV_EBDA where the image is not, after a HV_SETUP_TABLES_SIZE
 * area for the GDT (hv_vcpu_setup_mode()'s protected mode layout; ESP
 * starts at the end of that area). -ENOEXEC: no multiboot header in the
 * first 8 KiB, flags this loader does not honour, or a malformed image;
 * -EFBIG: the image is not inside guest RAM, or leaves no room below 640
 * KiB for the information structure.
 */
int libhv_multiboot_load(struct hv_vm *vm, const struct libhv_ram *ram,
			 const void *image, size_t size, const char *cmdline,
			 struct libhv_entry *entry);
int libhv_is_multiboot(const void *data, size_t size);

#endif /* LIBHV_BOOT_H */
