// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The ACPI tables as an OS finds them: scan the BIOS area for the RSDP,
 * follow RSDP -> XSDT (and RSDT) -> FADT -> FACS, DSDT, and MADT, and
 * recompute every checksum. Offsets are ACPI 6.4's, written out here.
 */
#include <errno.h>
#include <string.h>

#include "boot_vm.h"
#include "test.h"

static uint8_t sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s += *p++;
	return s;
}

/* Linux's scan (acpi_tb_scan_memory_for_rsdp): 16-byte steps, valid checksums. */
static uint64_t scan_rsdp(const uint8_t *mem)
{
	for (uint64_t a = 0xe0000; a < 0x100000; a += 16) {
		if (!memcmp(mem + a, "RSD PTR ", 8) && !sum(mem + a, 20) &&
		    !sum(mem + a, 36))
			return a;
	}
	return 0;
}

/* A table's header: in the BIOS area, signature, length, checksum, ids. */
static const uint8_t *table(const uint8_t *mem, uint64_t addr, const char *sig,
			    uint32_t len, uint8_t revision)
{
	const uint8_t *t = mem + addr;

	CHECK(addr >= 0xe0000 && addr + len <= 0x100000,
	      "%s at 0x%llx lies in the BIOS area", sig, (unsigned long long)addr);
	if (addr < 0xe0000 || addr + len > 0x100000)
		return NULL;
	CHECK(!memcmp(t, sig, 4), "%s: signature", sig);
	CHECK_EQ(libhv_get32(t, 4), len, "%s: length", sig);
	CHECK_EQ(t[8], revision, "%s: revision", sig);
	CHECK_EQ(sum(t, len), 0, "%s: checksum", sig);
	CHECK(!memcmp(t + 10, "HV    ", 6), "%s: OEM ID", sig);
	CHECK(!memcmp(t + 16, "HV      ", 8), "%s: OEM table ID", sig);
	return t;
}

static void check_gas(const uint8_t *g, uint8_t width, uint8_t access,
		      uint64_t addr, const char *what)
{
	CHECK_EQ(g[0], 1, "%s: system I/O space", what);
	CHECK_EQ(g[1], width, "%s: bit width", what);
	CHECK_EQ(g[2], 0, "%s: bit offset", what);
	CHECK_EQ(g[3], access, "%s: access size", what);
	CHECK_EQ(libhv_get64(g, 4), addr, "%s: address", what);
}

static void check_dsdt(const uint8_t *mem, uint64_t addr)
{
	/* Name (_S5, Package () { 5, 5, 0, 0 }), assembled by hand. */
	static const uint8_t aml[] = {
		0x08, 0x5f, 0x53, 0x35, 0x5f, 0x12, 0x08, 0x04,
		0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00,
	};
	const uint8_t *t = table(mem, addr, "DSDT", 36 + sizeof(aml), 2);

	if (t)
		CHECK(!memcmp(t + 36, aml, sizeof(aml)), "DSDT: the \\_S5 package");
}

static void check_fadt(const uint8_t *mem, uint64_t addr)
{
	const uint8_t *t = table(mem, addr, "FACP", 276, 6);
	uint32_t flags;
	const uint8_t *facs;

	if (!t)
		return;
	CHECK_EQ(t[131], 4, "FADT: minor version (6.4)");
	CHECK_EQ(libhv_get16(t, 46), 9, "FADT: SCI_INT 9");
	CHECK_EQ(libhv_get32(t, 48), 0, "FADT: SMI_CMD 0 (always in ACPI mode)");
	CHECK_EQ(t[52] | t[53], 0, "FADT: ACPI_ENABLE/DISABLE 0");
	CHECK_EQ(libhv_get32(t, 56), LIBHV_PM1A_EVT, "FADT: PM1a_EVT_BLK");
	CHECK_EQ(libhv_get32(t, 64), LIBHV_PM1A_CNT, "FADT: PM1a_CNT_BLK");
	CHECK_EQ(libhv_get32(t, 60) | libhv_get32(t, 68) | libhv_get32(t, 72), 0, "FADT: no PM1b, no PM2");
	CHECK_EQ(libhv_get32(t, 76), 0, "FADT: no PM timer");
	CHECK_EQ(t[88], 4, "FADT: PM1_EVT_LEN");
	CHECK_EQ(t[89], 2, "FADT: PM1_CNT_LEN");
	CHECK_EQ(t[91], 0, "FADT: PM_TMR_LEN 0");
	CHECK_EQ(t[108], 0x32, "FADT: CENTURY: CMOS byte 0x32");
	CHECK_EQ(libhv_get16(t, 109), 2, "FADT: IAPC_BOOT_ARCH: 8042 only");
	flags = libhv_get32(t, 112);
	CHECK(flags & (1u << 10), "FADT: RESET_REG_SUP");
	CHECK(!(flags & (1u << 20)), "FADT: not HW_REDUCED_ACPI");
	CHECK(flags & (1u << 0), "FADT: WBINVD");
	CHECK(flags & (1u << 4), "FADT: no fixed power button");
	check_gas(t + 116, 8, 1, 0xcf9, "FADT RESET_REG");
	CHECK_EQ(t[128], 6, "FADT: RESET_VALUE");
	CHECK_EQ(libhv_get64(t, 132), 0, "FADT: X_FIRMWARE_CTRL 0 (FACS below 4 GiB)");
	CHECK_EQ(libhv_get64(t, 140), libhv_get32(t, 40), "FADT: X_DSDT equals DSDT");
	check_gas(t + 148, 32, 2, LIBHV_PM1A_EVT, "FADT X_PM1a_EVT_BLK");
	check_gas(t + 172, 16, 2, LIBHV_PM1A_CNT, "FADT X_PM1a_CNT_BLK");
	CHECK_EQ(libhv_get64(t, 208 + 4), 0, "FADT: no X_PM_TMR_BLK");

	CHECK_EQ(libhv_get32(t, 36) % 64, 0, "FACS is 64-byte aligned");
	facs = mem + libhv_get32(t, 36);
	CHECK(!memcmp(facs, "FACS", 4), "FACS: signature");
	CHECK_EQ(libhv_get32(facs, 4), 64, "FACS: length");
	CHECK_EQ(facs[32], 2, "FACS: version");
	check_dsdt(mem, libhv_get32(t, 40));
}

static void check_madt(const uint8_t *mem, uint64_t addr, uint32_t ncpus)
{
	uint32_t len = 44 + 8 * ncpus + 12 + 10 + 10 + 6;
	const uint8_t *t = table(mem, addr, "APIC", len, 5);
	const uint8_t *e;
	int entries = 0;
	uint32_t off;

	if (!t)
		return;
	CHECK_EQ(libhv_get32(t, 36), 0xfee00000, "MADT: local APIC address");
	CHECK_EQ(libhv_get32(t, 40), 1, "MADT: PCAT_COMPAT");
	for (off = 44; off + 2 <= len && t[off + 1]; off += t[off + 1])
		entries++;
	CHECK_EQ(off, len, "MADT (%u vCPUs): the entries fill the table", ncpus);
	CHECK_EQ(entries, ncpus + 4, "MADT (%u vCPUs): %u entries", ncpus, ncpus + 4);

	e = t + 44;
	for (uint32_t i = 0; i < ncpus; i++, e += 8) {
		CHECK(e[0] == 0 && e[1] == 8, "MADT: entry %u is a local APIC", i);
		CHECK(e[2] == i && e[3] == i, "MADT: processor UID = APIC ID = %u", i);
		CHECK_EQ(libhv_get32(e, 4), 1, "MADT: local APIC %u enabled", i);
	}
	CHECK(e[0] == 1 && e[1] == 12, "MADT: then the IOAPIC");
	CHECK_EQ(e[2], ncpus, "MADT: IOAPIC ID after the vCPUs'");
	CHECK_EQ(libhv_get32(e, 4), HV_IOAPIC_ADDR, "MADT: IOAPIC address");
	CHECK_EQ(libhv_get32(e, 8), 0, "MADT: IOAPIC GSI base");
	e += 12;
	CHECK(e[0] == 2 && e[1] == 10 && e[2] == 0, "MADT: ISA override");
	CHECK(e[3] == 0 && libhv_get32(e, 4) == 2, "MADT: IRQ 0 -> GSI 2");
	CHECK_EQ(libhv_get16(e, 8), 0x4, "MADT: IRQ 0 edge, polarity conforming");
	e += 10;
	CHECK(e[0] == 2 && e[1] == 10 && e[2] == 0, "MADT: second ISA override");
	CHECK(e[3] == 9 && libhv_get32(e, 4) == 9, "MADT: IRQ 9 -> GSI 9");
	CHECK_EQ(libhv_get16(e, 8), 0xd, "MADT: SCI level, active high");
	e += 10;
	CHECK(e[0] == 4 && e[1] == 6, "MADT: local APIC NMI");
	CHECK(e[2] == 0xff && libhv_get16(e, 3) == 0 && e[5] == 1,
	      "MADT: NMI on LINT1 of all processors");
}

static void walk(uint32_t ncpus)
{
	struct boot_vm b;
	uint64_t rsdp = 0, xsdt, rsdt;
	const uint8_t *x, *r, *p;

	if (!boot_vm_create(&b, 64 * MiB))
		return;
	CHECK_EQ(libhv_acpi_build(b.vm, ncpus, &rsdp), 0, "build for %u vCPUs", ncpus);
	CHECK_EQ(rsdp, LIBHV_ACPI_BASE, "RSDP at the start of the BIOS area");
	CHECK_EQ(scan_rsdp(b.mem), rsdp, "a scan of 0xe0000-0xfffff finds it first");
	p = b.mem + rsdp;
	CHECK_EQ(p[15], 2, "RSDP revision 2");
	CHECK(!memcmp(p + 9, "HV    ", 6), "RSDP OEM ID");
	CHECK_EQ(libhv_get32(p, 20), 36, "RSDP length");
	CHECK_EQ(sum(p, 20), 0, "RSDP checksum (first 20 bytes)");
	CHECK_EQ(sum(p, 36), 0, "RSDP extended checksum");

	xsdt = libhv_get64(p, 24);
	rsdt = libhv_get32(p, 16);
	x = table(b.mem, xsdt, "XSDT", 36 + 2 * 8, 1);
	r = table(b.mem, rsdt, "RSDT", 36 + 2 * 4, 1);
	if (x && r) {
		CHECK_EQ(libhv_get32(r, 36), libhv_get64(x, 36), "RSDT and XSDT: same first table");
		CHECK_EQ(libhv_get32(r, 40), libhv_get64(x, 44), "RSDT and XSDT: same second table");
		check_fadt(b.mem, libhv_get64(x, 36));
		check_madt(b.mem, libhv_get64(x, 44), ncpus);
	}
	boot_vm_destroy(&b);
}

static void rejects(void)
{
	struct boot_vm b;
	uint64_t rsdp = 0x1234;

	if (!boot_vm_create(&b, 64 * MiB))
		return;
	CHECK_EQ(libhv_acpi_build(b.vm, 0, &rsdp), -EINVAL, "0 vCPUs");
	CHECK(detail_has("0 vCPUs"), "detail names the count: %s", hv_error_detail());
	CHECK_EQ(libhv_acpi_build(b.vm, 255, &rsdp), -EINVAL, "255 vCPUs: no xAPIC ID left");
	CHECK_EQ(libhv_acpi_build(b.vm, 254, &rsdp), 0, "254 vCPUs");
	boot_vm_destroy(&b);
	CHECK_EQ(rsdp, LIBHV_ACPI_BASE, "*rsdp set on success only");

	/* 512 KiB of RAM: no memory at 0xe0000 for the tables. */
	if (!boot_vm_create(&b, 512 * 1024))
		return;
	rsdp = 0x1234;
	CHECK_EQ(libhv_acpi_build(b.vm, 1, &rsdp), -EFAULT, "no RAM at the BIOS area");
	CHECK_EQ(rsdp, 0x1234, "*rsdp untouched on failure");
	boot_vm_destroy(&b);
}

void test_acpi(void)
{
	walk(1);
	walk(4);
	rejects();
}
