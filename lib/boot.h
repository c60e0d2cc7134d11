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

#include "libhv.h"

/*
 * Guest-physical layout. RAM starts at 0; the part of it that would fall
 * into [LIBHV_PCI_HOLE, 4 GiB) moves to 4 GiB and up. The hole holds the
 * IOAPIC (HV_IOAPIC_ADDR) and the local APICs (0xfee00000), which hv
 * emulates in the kernel, and reads as all-ones elsewhere.
 */
#define LIBHV_PCI_HOLE		0xc0000000ULL
#define LIBHV_4G		0x100000000ULL
/* Conventional memory ends with the EBDA; [0x9fc00, 1 MiB) is reserved. */
#define LIBHV_EBDA		0x9fc00ULL
#define LIBHV_1M		0x100000ULL
/* The BIOS area, where the ACPI tables live (RSDP on a 16-byte boundary). */
#define LIBHV_ACPI_BASE		0xe0000ULL
#define LIBHV_ACPI_SIZE		0x20000ULL

/* RAM the layout gives to mem bytes of guest memory. */
struct libhv_ram {
	uint64_t low_size;	/* at [0, low_size): min(mem, LIBHV_PCI_HOLE) */
	uint64_t high_size;	/* at [4 GiB, 4 GiB + high_size) */
};

void libhv_ram_plan(uint64_t mem, struct libhv_ram *ram);

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

/* The memory map of the layout: returns the number of entries (<= max). */
int libhv_e820_build(const struct libhv_ram *ram, struct libhv_e820 *map,
		     int max);

/*
 * Build the ACPI tables (RSDP, XSDT, FADT, FACS, DSDT with \_S5, MADT with
 * one local APIC per vCPU, the IOAPIC and the ISA overrides) in guest memory
 * at LIBHV_ACPI_BASE. *rsdp gets the RSDP's address. The fixed-hardware
 * registers they describe are the LIBHV_PM_* and LIBHV_RESET_* ports below,
 * which machine.c emulates.
 */
int libhv_acpi_build(struct hv_vm *vm, uint32_t ncpus, uint64_t *rsdp);

/* ACPI fixed hardware (ports): PM1a event block, PM1a control block. */
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
 * state refers to into guest memory themselves.
 */
struct libhv_entry {
	struct hv_regs regs;
	struct hv_sregs sregs;
};

/*
 * Linux x86 boot protocol (Documentation/arch/x86/boot.rst): a bzImage
 * (setup header "HdrS", protocol >= 2.12, 64-bit entry), its initrd (may be
 * NULL) and command line (may be NULL). Writes boot_params with the e820
 * map and acpi_rsdp_addr, the command line, the protected-mode kernel and the
 * initrd into guest memory. -ENOEXEC: not a bzImage this loader can start
 * (hv_error_detail() says why); -EFBIG: it does not fit in guest RAM.
 */
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
 * with the a.out kludge (header flag 16), the command line, and the
 * multiboot information structure with the memory map. -ENOEXEC: no
 * multiboot header in the first 8 KiB, or flags this loader does not honour.
 */
int libhv_multiboot_load(struct hv_vm *vm, const struct libhv_ram *ram,
			 const void *image, size_t size, const char *cmdline,
			 struct libhv_entry *entry);
int libhv_is_multiboot(const void *data, size_t size);

#endif /* LIBHV_BOOT_H */
