// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The PC's ACPI tables (ACPI 6.4): what an OS needs to find the vCPUs, the
 * IOAPIC, the SCI, soft-off and reset without a BIOS.
 *
 * One block at LIBHV_ACPI_BASE, in the BIOS area where an OS scans for the
 * RSDP (ACPI 6.4, 5.2.5.1: 16-byte boundaries of 0xe0000-0xfffff), so a
 * guest finds them without being told where:
 *
 *   RSDP (rev 2) -> RSDT, XSDT -> FADT -> FACS, DSDT
 *                              -> MADT
 *
 * The FADT describes a full (not hardware-reduced) ACPI platform: Linux
 * then keeps the PC's legacy interrupt routing, ISA IRQ n on IOAPIC pin n
 * unless the MADT overrides it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"

/* The byte that makes len bytes at p sum to zero (mod 256). */
static uint8_t acpi_checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return (uint8_t)-sum;
}

/* ---- the image: tables laid out one after the other ---- */

struct acpi_image {
	uint8_t *buf;		/* LIBHV_ACPI_SIZE bytes, zeroed */
	size_t used;
};

static size_t image_alloc(struct acpi_image *img, size_t size, size_t align)
{
	size_t off = (img->used + align - 1) & ~(align - 1);

	img->used = off + size;
	return off;
}

/* ---- system description table header (ACPI 6.4, 5.2.6, table 5.4) ---- */

#define HDR_LENGTH		4
#define HDR_REVISION		8
#define HDR_CHECKSUM		9
#define HDR_OEM_ID		10
#define HDR_OEM_TABLE_ID	16
#define HDR_OEM_REVISION	24
#define HDR_CREATOR_ID		28
#define HDR_CREATOR_REVISION	32
#define HDR_SIZE		36

/*
 * One OEM table ID for every table: the FADT's must match the RSDT's and
 * the XSDT's (ACPI 6.4, 5.2.9, table 5.9), and nothing tells them apart
 * but their signatures anyway.
 */
#define OEM_ID			"HV    "	/* 6 bytes, space padded */
#define OEM_TABLE_ID		"HV      "	/* 8 bytes */
#define OEM_REVISION		1
#define CREATOR_ID		"HV  "		/* 4 bytes */
#define CREATOR_REVISION	1

/* Tables start on 16-byte boundaries (the RSDP must; the rest is tidiness). */
#define TABLE_ALIGN		16

static size_t table_begin(struct acpi_image *img, const char *sig,
			  uint32_t len, uint8_t revision)
{
	size_t off = image_alloc(img, len, TABLE_ALIGN);
	uint8_t *t = img->buf + off;

	memcpy(t, sig, 4);
	libhv_put32(t, HDR_LENGTH, len);
	t[HDR_REVISION] = revision;
	memcpy(t + HDR_OEM_ID, OEM_ID, 6);
	memcpy(t + HDR_OEM_TABLE_ID, OEM_TABLE_ID, 8);
	libhv_put32(t, HDR_OEM_REVISION, OEM_REVISION);
	memcpy(t + HDR_CREATOR_ID, CREATOR_ID, 4);
	libhv_put32(t, HDR_CREATOR_REVISION, CREATOR_REVISION);
	return off;
}

/* Last, once the table's content is written. */
static void table_end(struct acpi_image *img, size_t off)
{
	uint8_t *t = img->buf + off;

	t[HDR_CHECKSUM] = acpi_checksum(t, libhv_get32(t, HDR_LENGTH));
}

/* ---- RSDP (ACPI 6.4, 5.2.5.3, table 5.3) ---- */

#define RSDP_CHECKSUM		8	/* over the first 20 bytes (ACPI 1.0) */
#define RSDP_OEM_ID		9
#define RSDP_REVISION		15
#define RSDP_RSDT		16
#define RSDP_LENGTH		20
#define RSDP_XSDT		24
#define RSDP_EXT_CHECKSUM	32	/* over all 36 bytes */
#define RSDP_V1_SIZE		20
#define RSDP_SIZE		36

static void build_rsdp(uint8_t *p, uint32_t rsdt, uint64_t xsdt)
{
	memcpy(p, "RSD PTR ", 8);
	memcpy(p + RSDP_OEM_ID, OEM_ID, 6);
	p[RSDP_REVISION] = 2;	/* ACPI 2.0 and later: XSDT, length */
	libhv_put32(p, RSDP_RSDT, rsdt);
	libhv_put32(p, RSDP_LENGTH, RSDP_SIZE);
	libhv_put64(p, RSDP_XSDT, xsdt);
	/* The extended checksum covers the first one: that one goes first. */
	p[RSDP_CHECKSUM] = acpi_checksum(p, RSDP_V1_SIZE);
	p[RSDP_EXT_CHECKSUM] = acpi_checksum(p, RSDP_SIZE);
}

/* ---- FACS (ACPI 6.4, 5.2.10, table 5.14) ---- */

#define FACS_LENGTH		4
#define FACS_VERSION		32
#define FACS_SIZE		64
#define FACS_ALIGN		64	/* the spec's requirement */

/*
 * No waking vector (the machine has no S3), no global lock holder: all
 * zero but the signature, the length and the version.
 */
static size_t build_facs(struct acpi_image *img)
{
	size_t off = image_alloc(img, FACS_SIZE, FACS_ALIGN);
	uint8_t *p = img->buf + off;

	memcpy(p, "FACS", 4);
	libhv_put32(p, FACS_LENGTH, FACS_SIZE);
	p[FACS_VERSION] = 2;
	return off;
}

/* ---- DSDT (ACPI 6.4, 5.2.11.1) ---- */

/*
 * The definition block is one object, Name (_S5, Package () { 5, 5, 0, 0 }):
 * the SLP_TYPa/SLP_TYPb values of soft-off that the OS writes to PM1a/PM1b
 * control with SLP_EN (ACPI 6.4, 7.4.2). In AML (ACPI 6.4, 20.2):
 *
 *   08                 NameOp (20.2.5.1 DefName := NameOp NameString DataRefObject)
 *   5f 53 35 5f        NameString "_S5_": one NameSeg, four characters,
 *                      short names padded with '_' (20.2.2)
 *   12                 PackageOp (20.2.5.4 DefPackage :=
 *                      PackageOp PkgLength NumElements PackageElementList)
 *   08                 PkgLength: one byte (bits 7:6 = 0) holding 8, the
 *                      bytes from this one to the end of the package (20.2.4)
 *   04                 NumElements: 4
 *   0a 05              BytePrefix 5: SLP_TYPa (20.2.3 ByteConst)
 *   0a 05              BytePrefix 5: SLP_TYPb
 *   00                 ZeroOp: reserved
 *   00                 ZeroOp: reserved
 */
static const uint8_t dsdt_aml[] = {
	0x08, '_', 'S', '5', '_',
	0x12, 0x08, 0x04,
	0x0a, LIBHV_SLP_TYP_S5,
	0x0a, LIBHV_SLP_TYP_S5,
	0x00,
	0x00,
};

/* Revision 2: integers in the definition block are 64 bits wide. */
static size_t build_dsdt(struct acpi_image *img)
{
	size_t off = table_begin(img, "DSDT", HDR_SIZE + sizeof(dsdt_aml), 2);

	memcpy(img->buf + off + HDR_SIZE, dsdt_aml, sizeof(dsdt_aml));
	table_end(img, off);
	return off;
}

/* ---- FADT (ACPI 6.4, 5.2.9, table 5.9) ---- */

#define FADT_FIRMWARE_CTRL	36
#define FADT_DSDT		40
#define FADT_SCI_INT		46
#define FADT_SMI_CMD		48
#define FADT_PM1A_EVT_BLK	56
#define FADT_PM1A_CNT_BLK	64
#define FADT_PM1_EVT_LEN	88
#define FADT_PM1_CNT_LEN	89
#define FADT_CENTURY		108
#define FADT_IAPC_BOOT_ARCH	109
#define FADT_FLAGS		112
#define FADT_RESET_REG		116
#define FADT_RESET_VALUE	128
#define FADT_MINOR_VERSION	131
#define FADT_X_DSDT		140
#define FADT_X_PM1A_EVT_BLK	148
#define FADT_X_PM1A_CNT_BLK	172
#define FADT_SIZE		276
#define FADT_REVISION		6
#define FADT_MINOR		4	/* ACPI 6.4 */

/* IAPC_BOOT_ARCH (table 5.11): an 8042 keyboard controller at 0x60/0x64. */
#define BOOT_ARCH_8042		(1u << 1)

/* Fixed feature flags (table 5.10). */
#define FADT_WBINVD		(1u << 0)	/* WBINVD flushes all caches */
#define FADT_PROC_C1		(1u << 2)	/* C1 (HLT) on every CPU */
#define FADT_PWR_BUTTON		(1u << 4)	/* no fixed-feature power button */
#define FADT_SLP_BUTTON		(1u << 5)	/* no fixed-feature sleep button */
#define FADT_FIX_RTC		(1u << 6)	/* no RTC wake status in PM1 */
#define FADT_RESET_REG_SUP	(1u << 10)	/* RESET_REG works */

/* Generic Address Structure (5.2.3.2, table 5.1). */
#define GAS_SYSTEM_IO		1
#define GAS_ACCESS_BYTE		1
#define GAS_ACCESS_WORD		2

static void put_gas(uint8_t *p, uint8_t space, uint8_t bit_width,
		    uint8_t access_size, uint64_t address)
{
	p[0] = space;
	p[1] = bit_width;
	p[2] = 0;		/* bit offset */
	p[3] = access_size;
	libhv_put64(p, 4, address);
}

/*
 * No SMI command port (SMI_CMD 0): the machine is in ACPI mode from reset,
 * and ACPI_ENABLE/ACPI_DISABLE stay 0. No PM timer, no GPE blocks, no PM2:
 * their blocks and lengths are 0 (optional since ACPI 5.0A). The FACS is
 * below 4 GiB, so FIRMWARE_CTRL holds it and X_FIRMWARE_CTRL must be 0;
 * the DSDT goes in both DSDT and X_DSDT, which an OS compares.
 */
static size_t build_fadt(struct acpi_image *img, uint32_t facs, uint32_t dsdt)
{
	size_t off = table_begin(img, "FACP", FADT_SIZE, FADT_REVISION);
	uint8_t *t = img->buf + off;

	libhv_put32(t, FADT_FIRMWARE_CTRL, facs);
	libhv_put32(t, FADT_DSDT, dsdt);
	libhv_put16(t, FADT_SCI_INT, LIBHV_SCI_IRQ);
	libhv_put32(t, FADT_SMI_CMD, 0);
	libhv_put32(t, FADT_PM1A_EVT_BLK, LIBHV_PM1A_EVT);
	libhv_put32(t, FADT_PM1A_CNT_BLK, LIBHV_PM1A_CNT);
	t[FADT_PM1_EVT_LEN] = 4;
	t[FADT_PM1_CNT_LEN] = 2;
	libhv_put16(t, FADT_IAPC_BOOT_ARCH, BOOT_ARCH_8042);
	libhv_put32(t, FADT_FLAGS, FADT_WBINVD | FADT_PROC_C1 | FADT_PWR_BUTTON |
		    FADT_SLP_BUTTON | FADT_FIX_RTC | FADT_RESET_REG_SUP);
	put_gas(t + FADT_RESET_REG, GAS_SYSTEM_IO, 8, GAS_ACCESS_BYTE,
		LIBHV_RESET_PORT);
	t[FADT_RESET_VALUE] = LIBHV_RESET_VALUE;
	/* The RTC keeps the century in CMOS byte 0x32 (the PC convention). */
	t[FADT_CENTURY] = 0x32;
	t[FADT_MINOR_VERSION] = FADT_MINOR;
	libhv_put64(t, FADT_X_DSDT, dsdt);
	/* PM1 status/enable and control are 16-bit registers (4.8.3.1). */
	put_gas(t + FADT_X_PM1A_EVT_BLK, GAS_SYSTEM_IO, 32, GAS_ACCESS_WORD,
		LIBHV_PM1A_EVT);
	put_gas(t + FADT_X_PM1A_CNT_BLK, GAS_SYSTEM_IO, 16, GAS_ACCESS_WORD,
		LIBHV_PM1A_CNT);
	table_end(img, off);
	return off;
}

/* ---- MADT (ACPI 6.4, 5.2.12, table 5.19) ---- */

#define MADT_LAPIC_ADDR		36
#define MADT_FLAGS		40
#define MADT_ENTRIES		44
#define MADT_REVISION		5	/* ACPI 6.4 */
#define MADT_PCAT_COMPAT	(1u << 0)	/* there are 8259 PICs too */

/* Interrupt controller structures, by type (table 5.21). */
#define MADT_LAPIC		0	/* 5.2.12.2, 8 bytes */
#define MADT_IOAPIC		1	/* 5.2.12.3, 12 bytes */
#define MADT_OVERRIDE		2	/* 5.2.12.5, 10 bytes */
#define MADT_LAPIC_NMI		4	/* 5.2.12.7, 6 bytes */
#define MADT_LAPIC_LEN		8
#define MADT_IOAPIC_LEN		12
#define MADT_OVERRIDE_LEN	10
#define MADT_LAPIC_NMI_LEN	6

#define LAPIC_ENABLED		(1u << 0)
#define ALL_PROCESSORS		0xff	/* ACPI processor UID that means all */

/* MPS INTI flags (table 5.26): polarity in bits 1:0, trigger mode in 3:2. */
#define INTI_CONFORMS		0
#define INTI_ACTIVE_HIGH	1
#define INTI_EDGE		(1u << 2)
#define INTI_LEVEL		(3u << 2)

/* ISA: the PIT is IRQ 0, and on an IOAPIC pin 2 (pin 0 is the 8259's INTR). */
#define ISA_IRQ_PIT		0
#define GSI_PIT			2
#define LINT1			1	/* the local APIC's NMI input */

static uint8_t *madt_entry(uint8_t **at, uint8_t type, uint8_t len)
{
	uint8_t *e = *at;

	e[0] = type;
	e[1] = len;
	*at += len;
	return e;
}

static void madt_override(uint8_t **at, uint8_t irq, uint32_t gsi,
			  uint16_t flags)
{
	uint8_t *e = madt_entry(at, MADT_OVERRIDE, MADT_OVERRIDE_LEN);

	e[2] = 0;	/* bus: ISA */
	e[3] = irq;
	libhv_put32(e, 4, gsi);
	libhv_put16(e, 8, flags);
}

/*
 * vCPU i: ACPI processor UID i, APIC ID i (hv's local APIC IDs are the
 * vCPU indexes). The IOAPIC's ID follows them: IDs share one space.
 * IRQ 0 moves to GSI 2, edge (ISA polarity). The SCI, IRQ 9, is level
 * triggered and active high (the machine drives the line 1 while an event
 * is pending); without the override an OS takes it for level and active
 * low, the SCI's default (5.2.9, SCI_INT).
 */
static size_t build_madt(struct acpi_image *img, uint32_t ncpus)
{
	uint32_t len = MADT_ENTRIES + ncpus * MADT_LAPIC_LEN + MADT_IOAPIC_LEN +
		       2 * MADT_OVERRIDE_LEN + MADT_LAPIC_NMI_LEN;
	size_t off = table_begin(img, "APIC", len, MADT_REVISION);
	uint8_t *t = img->buf + off;
	uint8_t *at = t + MADT_ENTRIES;
	uint8_t *e;

	libhv_put32(t, MADT_LAPIC_ADDR, (uint32_t)LIBHV_APIC_BASE);
	libhv_put32(t, MADT_FLAGS, MADT_PCAT_COMPAT);
	for (uint32_t i = 0; i < ncpus; i++) {
		e = madt_entry(&at, MADT_LAPIC, MADT_LAPIC_LEN);
		e[2] = (uint8_t)i;
		e[3] = (uint8_t)i;
		libhv_put32(e, 4, LAPIC_ENABLED);
	}
	e = madt_entry(&at, MADT_IOAPIC, MADT_IOAPIC_LEN);
	e[2] = (uint8_t)ncpus;
	libhv_put32(e, 4, (uint32_t)HV_IOAPIC_ADDR);
	libhv_put32(e, 8, 0);	/* GSI base: pin n is GSI n */
	madt_override(&at, ISA_IRQ_PIT, GSI_PIT, INTI_EDGE | INTI_CONFORMS);
	madt_override(&at, LIBHV_SCI_IRQ, LIBHV_SCI_IRQ,
		      INTI_LEVEL | INTI_ACTIVE_HIGH);
	e = madt_entry(&at, MADT_LAPIC_NMI, MADT_LAPIC_NMI_LEN);
	e[2] = ALL_PROCESSORS;
	libhv_put16(e, 3, INTI_CONFORMS);
	e[5] = LINT1;
	table_end(img, off);
	return off;
}

/* ---- RSDT and XSDT (5.2.7, 5.2.8): the same list, 32- and 64-bit ---- */

static size_t build_sdt(struct acpi_image *img, const char *sig,
			const uint64_t *tables, size_t n, size_t width)
{
	size_t off = table_begin(img, sig, HDR_SIZE + n * width, 1);

	for (size_t i = 0; i < n; i++) {
		uint8_t *p = img->buf + off + HDR_SIZE + i * width;

		if (width == 8)
			libhv_put64(p, 0, tables[i]);
		else
			libhv_put32(p, 0, (uint32_t)tables[i]);
	}
	table_end(img, off);
	return off;
}

int libhv_acpi_build(struct hv_vm *vm, uint32_t ncpus, uint64_t *rsdp)
{
	struct acpi_image img = { 0 };
	uint64_t sdt[2];
	size_t rsdp_off, facs, dsdt, rsdt, xsdt;
	int err;

	if (ncpus < 1 || ncpus > LIBHV_ACPI_MAX_CPUS)
		return libhv_error(-EINVAL, "ACPI tables for %u vCPUs: 1 to %u can have xAPIC IDs",
				   ncpus, LIBHV_ACPI_MAX_CPUS);
	/* Everything together takes under 4 KiB: LIBHV_ACPI_SIZE is plenty. */
	img.buf = calloc(1, LIBHV_ACPI_SIZE);
	if (!img.buf)
		return libhv_error(-ENOMEM, "no memory for the ACPI tables");

	rsdp_off = image_alloc(&img, RSDP_SIZE, TABLE_ALIGN);
	facs = build_facs(&img);
	dsdt = build_dsdt(&img);
	sdt[0] = LIBHV_ACPI_BASE + build_fadt(&img,
					      (uint32_t)(LIBHV_ACPI_BASE + facs),
					      (uint32_t)(LIBHV_ACPI_BASE + dsdt));
	sdt[1] = LIBHV_ACPI_BASE + build_madt(&img, ncpus);
	rsdt = build_sdt(&img, "RSDT", sdt, 2, 4);
	xsdt = build_sdt(&img, "XSDT", sdt, 2, 8);
	build_rsdp(img.buf + rsdp_off, (uint32_t)(LIBHV_ACPI_BASE + rsdt),
		   LIBHV_ACPI_BASE + xsdt);

	err = hv_vm_write(vm, LIBHV_ACPI_BASE, img.buf, img.used);
	free(img.buf);
	if (err)
		return err;
	if (rsdp)
		*rsdp = LIBHV_ACPI_BASE + rsdp_off;
	return 0;
}
