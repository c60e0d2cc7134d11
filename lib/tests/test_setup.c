// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The mode-setup builders, entry by entry: expected values are written out
 * by hand (from the SDM layouts), not computed with libhv's own helpers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "test.h"

#define TABLES		0x200000ULL
#define TABLES_HIGH	0xffff8000ULL	/* the highest place that ends at 4 GiB */

static uint64_t get64(const void *buf, uint64_t off)
{
	uint64_t v;

	memcpy(&v, (const char *)buf + off, sizeof(v));
	return v;
}

static bool all_zero(const void *buf, uint64_t from, uint64_t to)
{
	for (uint64_t i = from; i < to; i++)
		if (((const uint8_t *)buf)[i])
			return false;
	return true;
}

static void *tables_buf(uint32_t mode, uint64_t tables)
{
	void *buf = malloc(HV_SETUP_TABLES_SIZE);

	/* Garbage first: the builder must write every byte. */
	memset(buf, 0xa5, HV_SETUP_TABLES_SIZE);
	libhv_build_tables(mode, tables, buf);
	return buf;
}

static void check_gdt(const void *buf, uint64_t tss_lo, const char *what)
{
	CHECK_EQ(get64(buf, 0x00), 0, "%s: GDT[0] null", what);
	CHECK_EQ(get64(buf, 0x08), 0x00cf9b000000ffffULL, "%s: GDT[1] 32-bit flat code", what);
	CHECK_EQ(get64(buf, 0x10), 0x00cf93000000ffffULL, "%s: GDT[2] flat data", what);
	CHECK_EQ(get64(buf, 0x18), 0x00af9b000000ffffULL, "%s: GDT[3] 64-bit code", what);
	CHECK_EQ(get64(buf, 0x20), tss_lo, "%s: GDT[4] busy TSS, limit 0x67", what);
	CHECK_EQ(get64(buf, 0x28), 0, "%s: GDT[5] TSS base 63:32", what);
	CHECK(all_zero(buf, 0x30, 0x80), "%s: rest of the GDT area is zero", what);
	CHECK(all_zero(buf, 0x80, 0x80 + 0x66), "%s: TSS fields zero", what);
	CHECK_EQ(get64(buf, 0x80 + 0x66) & 0xffff, 0x68, "%s: TSS I/O map base past the limit", what);
	CHECK(all_zero(buf, 0x80 + 0x68, 0x1000), "%s: rest of the first page is zero", what);
}

static void long_mode_tables(void)
{
	uint8_t *buf = tables_buf(HV_MODE_LONG, TABLES);
	bool pd_ok = true;

	/* TSS at 0x200080: base 23:0 in bits 39:16, type 0xb, P. */
	check_gdt(buf, 0x00008b2000800067ULL, "long");
	CHECK_EQ(get64(buf, 0x1000), 0x202003, "PML4[0] -> PDPT, P|RW");
	CHECK(all_zero(buf, 0x1008, 0x2000), "PML4[1..511] empty");
	CHECK_EQ(get64(buf, 0x2000), 0x203003, "PDPT[0] -> PD for 0 GiB");
	CHECK_EQ(get64(buf, 0x2008), 0x204003, "PDPT[1] -> PD for 1 GiB");
	CHECK_EQ(get64(buf, 0x2010), 0x205003, "PDPT[2] -> PD for 2 GiB");
	CHECK_EQ(get64(buf, 0x2018), 0x206003, "PDPT[3] -> PD for 3 GiB");
	CHECK(all_zero(buf, 0x2020, 0x3000), "PDPT[4..511] empty");
	for (uint64_t i = 0; i < 2048; i++) {
		uint64_t want = (i << 21) | 0x83;

		if (get64(buf, 0x3000 + 8 * i) != want) {
			CHECK_EQ(get64(buf, 0x3000 + 8 * i), want, "PD entry %llu",
				 (unsigned long long)i);
			pd_ok = false;
			break;
		}
	}
	CHECK(pd_ok, "all 2048 PD entries map 2 MiB pages P|RW|PS identity");
	CHECK_EQ(get64(buf, 0x3000), 0x83, "PD[0][0] maps 0");
	CHECK_EQ(get64(buf, 0x6ff8), 0xffe00083ULL, "PD[3][511] maps 4 GiB - 2 MiB");
	CHECK(all_zero(buf, 0x7000, 0x8000), "spare last page is zero");
	free(buf);

	/* High placement: base 31:24 goes to bits 63:56 of the TSS descriptor. */
	buf = tables_buf(HV_MODE_LONG, TABLES_HIGH);
	check_gdt(buf, 0xff008bff80800067ULL, "long, high tables");
	CHECK_EQ(get64(buf, 0x1000), 0xffffa003ULL, "high PML4[0]");
	CHECK_EQ(get64(buf, 0x2018), 0xffffe003ULL, "high PDPT[3]");
	free(buf);
}

static void other_mode_tables(void)
{
	void *buf = tables_buf(HV_MODE_PROTECTED, TABLES);

	check_gdt(buf, 0x00008b2000800067ULL, "protected");
	CHECK(all_zero(buf, 0x1000, HV_SETUP_TABLES_SIZE), "protected: no page tables");
	free(buf);
	buf = tables_buf(HV_MODE_REAL, TABLES);
	CHECK(all_zero(buf, 0, HV_SETUP_TABLES_SIZE), "real: all zero");
	free(buf);
}

/* Decode a descriptor the long way round and compare it with a cache. */
static void check_desc_matches(const void *buf, const struct hv_segment *s,
			       const char *what)
{
	uint64_t d = get64(buf, s->selector & ~7u);
	uint32_t limit = (uint32_t)((d & 0xffff) | ((d >> 32) & 0xf0000));
	uint32_t g = (d >> 55) & 1;

	CHECK_EQ(((d >> 16) & 0xffffff) | ((d >> 32) & 0xff000000), s->base, "%s: base", what);
	CHECK_EQ(g ? limit << 12 | 0xfff : limit, s->limit, "%s: limit", what);
	CHECK_EQ((d >> 40) & 0xf, s->type, "%s: type", what);
	CHECK_EQ((d >> 44) & 1, s->s, "%s: S", what);
	CHECK_EQ((d >> 45) & 3, s->dpl, "%s: DPL", what);
	CHECK_EQ((d >> 47) & 1, s->present, "%s: P", what);
	CHECK_EQ((d >> 53) & 1, s->l, "%s: L", what);
	CHECK_EQ((d >> 54) & 1, s->db, "%s: D/B", what);
	CHECK_EQ(g, s->g, "%s: G", what);
}

static void check_flat_segment(const struct hv_segment *s, uint16_t sel,
			       uint8_t type, uint8_t db, uint8_t l, const char *what)
{
	CHECK_EQ(s->selector, sel, "%s: selector", what);
	CHECK_EQ(s->base, 0, "%s: base", what);
	CHECK_EQ(s->limit, 0xffffffff, "%s: limit", what);
	CHECK_EQ(s->type, type, "%s: type", what);
	CHECK(s->present && s->s && s->g && !s->dpl && !s->unusable && !s->avl,
	      "%s: present, code/data, 4K granular, DPL 0, usable", what);
	CHECK_EQ(s->db, db, "%s: D/B", what);
	CHECK_EQ(s->l, l, "%s: L", what);
	CHECK_EQ(s->padding, 0, "%s: padding", what);
}

static struct hv_sregs reset_sregs(void)
{
	/* What the vCPU had before: apic_base, cr2, cr8 must survive. */
	struct hv_sregs s;

	memset(&s, 0x5a, sizeof(s));
	memset(s.reserved, 0, sizeof(s.reserved));
	s.apic_base = 0xfee00900;
	s.cr2 = 0x1234;
	s.cr8 = 3;
	return s;
}

static void check_kept(const struct hv_sregs *s, const char *what)
{
	CHECK_EQ(s->apic_base, 0xfee00900, "%s: apic_base kept", what);
	CHECK_EQ(s->cr2, 0x1234, "%s: cr2 kept", what);
	CHECK_EQ(s->cr8, 3, "%s: cr8 kept", what);
	CHECK(all_zero(s->reserved, 0, sizeof(s->reserved)), "%s: reserved zero", what);
	CHECK(all_zero(s->gdt.padding, 0, sizeof(s->gdt.padding)) &&
	      all_zero(s->idt.padding, 0, sizeof(s->idt.padding)), "%s: dtable padding zero", what);
}

static void check_flat_common(const struct hv_sregs *s, const char *what)
{
	const struct hv_segment *data[] = { &s->ds, &s->es, &s->fs, &s->gs, &s->ss };

	for (size_t i = 0; i < 5; i++)
		check_flat_segment(data[i], 0x10, 0x3, 1, 0, what);
	CHECK_EQ(s->tr.selector, 0x20, "%s: TR selector", what);
	CHECK_EQ(s->tr.base, TABLES + 0x80, "%s: TR base", what);
	CHECK_EQ(s->tr.limit, 0x67, "%s: TR limit", what);
	CHECK(s->tr.type == 0xb && s->tr.present && !s->tr.s && !s->tr.g && !s->tr.unusable,
	      "%s: TR busy TSS, present, system, byte granular", what);
	CHECK(s->ldt.unusable && !s->ldt.present && !s->ldt.selector, "%s: LDT unusable", what);
	CHECK_EQ(s->gdt.base, TABLES, "%s: GDT base", what);
	CHECK_EQ(s->gdt.limit, 47, "%s: GDT limit, 6 entries", what);
	CHECK(s->idt.base == 0 && s->idt.limit == 0, "%s: IDT empty", what);
	check_kept(s, what);
}

static void long_mode_sregs(void)
{
	struct hv_setup setup = { .mode = HV_MODE_LONG, .entry = 0x1000,
				  .stack = 0x400000, .tables = TABLES };
	struct hv_sregs s = reset_sregs();
	void *buf = tables_buf(HV_MODE_LONG, TABLES);

	libhv_setup_sregs(&setup, &s);
	check_flat_segment(&s.cs, 0x18, 0xb, 0, 1, "long CS");
	check_flat_common(&s, "long");
	CHECK_EQ(s.cr0, 0x80010033, "long: CR0 = PG|WP|NE|ET|MP|PE");
	CHECK_EQ(s.cr3, TABLES + 0x1000, "long: CR3 = PML4");
	CHECK_EQ(s.cr4, 0x620, "long: CR4 = OSXMMEXCPT|OSFXSR|PAE");
	CHECK_EQ(s.efer, 0x501, "long: EFER = LMA|LME|SCE");
	check_desc_matches(buf, &s.cs, "long: GDT entry of CS");
	check_desc_matches(buf, &s.ds, "long: GDT entry of DS");
	free(buf);
}

static void protected_mode_sregs(void)
{
	struct hv_setup setup = { .mode = HV_MODE_PROTECTED, .entry = 0x1000,
				  .stack = 0x400000, .tables = TABLES };
	struct hv_sregs s = reset_sregs();
	void *buf = tables_buf(HV_MODE_PROTECTED, TABLES);

	libhv_setup_sregs(&setup, &s);
	check_flat_segment(&s.cs, 0x08, 0xb, 1, 0, "protected CS");
	check_flat_common(&s, "protected");
	CHECK_EQ(s.cr0, 0x31, "protected: CR0 = NE|ET|PE");
	CHECK_EQ(s.cr3, 0, "protected: CR3 0");
	CHECK_EQ(s.cr4, 0x600, "protected: CR4 = OSXMMEXCPT|OSFXSR");
	CHECK_EQ(s.efer, 0, "protected: EFER 0");
	check_desc_matches(buf, &s.cs, "protected: GDT entry of CS");
	free(buf);
}

static void check_real_segment(const struct hv_segment *s, uint16_t sel,
			       uint8_t type, const char *what)
{
	CHECK_EQ(s->selector, sel, "%s: selector", what);
	CHECK_EQ(s->base, (uint64_t)sel << 4, "%s: base = selector * 16", what);
	CHECK_EQ(s->limit, 0xffff, "%s: limit 64 KiB", what);
	CHECK_EQ(s->type, type, "%s: type", what);
	CHECK(s->present && s->s && !s->db && !s->l && !s->g && !s->unusable,
	      "%s: present, 16-bit, byte granular", what);
}

static void real_mode_state(void)
{
	struct hv_setup setup = { .mode = HV_MODE_REAL, .entry = 0x12345, .stack = 0xfff0 };
	struct hv_sregs s = reset_sregs();
	struct hv_regs r;

	libhv_setup_sregs(&setup, &s);
	check_real_segment(&s.cs, 0x1000, 0xb, "real CS for 0x12345");
	check_real_segment(&s.ds, 0, 0x3, "real DS");
	check_real_segment(&s.ss, 0, 0x3, "real SS");
	CHECK(s.tr.type == 0xb && s.tr.present && s.tr.limit == 0xffff, "real: TR as at reset");
	CHECK(s.ldt.type == 0x2 && s.ldt.present && !s.ldt.unusable, "real: LDT as at reset");
	CHECK(s.gdt.base == 0 && s.gdt.limit == 0xffff, "real: GDTR as at reset");
	CHECK(s.idt.base == 0 && s.idt.limit == 0xffff, "real: IDTR as at reset");
	CHECK_EQ(s.cr0, 0x10, "real: CR0 = ET only");
	CHECK(s.cr3 == 0 && s.cr4 == 0 && s.efer == 0, "real: CR3, CR4, EFER zero");
	check_kept(&s, "real");

	libhv_setup_regs(&setup, &r);
	CHECK_EQ(r.rip, 0x2345, "real: IP = entry - CS * 16");
	CHECK_EQ(r.rsp, 0xfff0, "real: SP");
	CHECK_EQ(r.rflags, 2, "real: RFLAGS 2, interrupts off");

	setup.entry = 0x7c00;
	s = reset_sregs();
	libhv_setup_sregs(&setup, &s);
	libhv_setup_regs(&setup, &r);
	CHECK(s.cs.selector == 0 && r.rip == 0x7c00, "real: entry below 64 KiB gives CS 0");
}

static void flat_regs(void)
{
	struct hv_setup setup = { .mode = HV_MODE_LONG, .entry = 0xabc000,
				  .stack = 1ULL << 32, .tables = TABLES };
	struct hv_regs r;
	bool rest_zero;

	memset(&r, 0xff, sizeof(r));
	libhv_setup_regs(&setup, &r);
	CHECK_EQ(r.rip, 0xabc000, "long: RIP = entry");
	CHECK_EQ(r.rsp, 1ULL << 32, "long: RSP = stack");
	CHECK_EQ(r.rflags, 2, "long: RFLAGS 2");
	rest_zero = !r.rax && !r.rbx && !r.rcx && !r.rdx && !r.rsi && !r.rdi &&
		    !r.rbp && !r.r8 && !r.r15;
	CHECK(rest_zero, "long: other registers zero");
	setup.mode = HV_MODE_PROTECTED;
	libhv_setup_regs(&setup, &r);
	CHECK_EQ(r.rsp, 0, "protected: stack at 4 GiB is ESP 0");
}

static void expect_check(struct hv_setup s, int want, const char *what)
{
	CHECK_EQ(libhv_setup_check(&s), want, "setup check: %s", what);
}

static void setup_checks(void)
{
	struct hv_setup ok = { .mode = HV_MODE_LONG, .entry = 0x1000,
			       .stack = 0x400000, .tables = TABLES };
	struct hv_setup s;

	expect_check(ok, 0, "long, all fine");
	s = ok; s.mode = 3;
	expect_check(s, -EINVAL, "unknown mode");
	CHECK(strstr(hv_error_detail(), "mode 3") != NULL, "detail: %s", hv_error_detail());
	s = ok; s.reserved = 1;
	expect_check(s, -EINVAL, "reserved set");
	s = ok; s.tables = TABLES + 8;
	expect_check(s, -EINVAL, "tables not page aligned");
	s = ok; s.tables = TABLES_HIGH;
	expect_check(s, 0, "tables ending at 4 GiB");
	s = ok; s.tables = TABLES_HIGH + 0x1000;
	expect_check(s, -EINVAL, "tables past 4 GiB");
	s = ok; s.entry = 1ULL << 32;
	expect_check(s, -EINVAL, "long entry at 4 GiB");
	s = ok; s.stack = 1ULL << 32;
	expect_check(s, 0, "long stack at 4 GiB");
	s = ok; s.stack = (1ULL << 32) + 16;
	expect_check(s, -EINVAL, "long stack above 4 GiB");
	s = ok; s.mode = HV_MODE_PROTECTED; s.entry = 0xffffffff;
	expect_check(s, 0, "protected entry at 4 GiB - 1");

	s = (struct hv_setup){ .mode = HV_MODE_REAL, .entry = 0xfffff, .stack = 0xffff,
			       .tables = 3 };
	expect_check(s, 0, "real: highest entry and stack; tables ignored");
	s.entry = 0x100000;
	expect_check(s, -EINVAL, "real entry at 1 MiB");
	CHECK(strstr(hv_error_detail(), "1 MiB") != NULL, "detail: %s", hv_error_detail());
	s.entry = 0x1000; s.stack = 0x10000;
	expect_check(s, -EINVAL, "real stack at 64 KiB");
}

void test_setup(void)
{
	long_mode_tables();
	other_mode_tables();
	long_mode_sregs();
	protected_mode_sregs();
	real_mode_state();
	flat_regs();
	setup_checks();
}
