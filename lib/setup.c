// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Starting a vCPU in real, protected or long mode: the GDT, TSS and page
 * tables in guest memory, and the register state that goes with them.
 *
 * The builders are pure functions of struct hv_setup so that the unit
 * tests can check every entry; hv_vcpu_setup_mode() only glues them to
 * guest memory and the state ioctls.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

/* Control register and EFER bits (SDM vol. 3A 2.5, 2.2.1). */
#define CR0_PE		(1ULL << 0)
#define CR0_MP		(1ULL << 1)
#define CR0_ET		(1ULL << 4)
#define CR0_NE		(1ULL << 5)
#define CR0_WP		(1ULL << 16)
#define CR0_PG		(1ULL << 31)
#define CR4_PAE		(1ULL << 5)
#define CR4_OSFXSR	(1ULL << 9)
#define CR4_OSXMMEXCPT	(1ULL << 10)
#define EFER_SCE	(1ULL << 0)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)

/* Descriptor types (SDM vol. 3A 3.4.5.1, table 3-2). */
#define SEG_TYPE_DATA_RW	0x3	/* read/write, accessed */
#define SEG_TYPE_CODE_RX	0xb	/* execute/read, accessed */
#define SEG_TYPE_LDT		0x2
#define SEG_TYPE_TSS_BUSY	0xb	/* 32-bit busy TSS; 64-bit busy TSS in long mode */

/* Paging entry bits (SDM vol. 3A 4.5). */
#define PTE_P		(1ULL << 0)
#define PTE_RW		(1ULL << 1)
#define PTE_PS		(1ULL << 7)

#define REAL_MODE_LIMIT	0xffff
/* RFLAGS bit 1 is reserved and always 1; IF and everything else clear. */
#define RFLAGS_RESET	0x2ULL
/* The TSS field holding the I/O permission map base (SDM vol. 3A 8.7). */
#define TSS_IOMAP_BASE	0x66

static const char *const mode_names[] = {
	[HV_MODE_REAL]		= "real",
	[HV_MODE_PROTECTED]	= "protected",
	[HV_MODE_LONG]		= "long",
};

#define NR_MODES (sizeof(mode_names) / sizeof(mode_names[0]))

const char *hv_mode_name(uint32_t mode)
{
	return mode < NR_MODES ? mode_names[mode] : NULL;
}

int hv_mode_parse(const char *name, uint32_t *mode)
{
	if (!name)
		return LIBHV_NULL_ARG(name);
	for (uint32_t i = 0; i < NR_MODES; i++) {
		if (!strcmp(name, mode_names[i])) {
			if (mode)
				*mode = i;
			return 0;
		}
	}
	return libhv_error(-EINVAL, "unknown CPU mode '%s' (real, protected or long)",
			   name);
}

/* ---- segments: one description feeds both the GDT and the sregs cache ---- */

const struct libhv_gdt_layout libhv_setup_gdt = {
	.code32 = HV_SETUP_SEL_CODE32, .code64 = HV_SETUP_SEL_CODE64,
	.data = HV_SETUP_SEL_DATA, .tss = HV_SETUP_SEL_TSS,
};

/*
 * A flat segment: base 0, limit 4 GiB - 1, page granular. 64-bit code has
 * L=1, which needs D=0 (SDM vol. 3A 5.2.1); everything else is 32-bit.
 */
static struct hv_segment flat_segment(uint16_t selector, uint8_t type,
				      bool code64)
{
	return (struct hv_segment){
		.limit = 0xffffffff, .selector = selector, .type = type,
		.present = 1, .l = code64, .db = !code64, .s = 1, .g = 1,
	};
}

static struct hv_segment flat_code(uint16_t selector, bool code64)
{
	return flat_segment(selector, SEG_TYPE_CODE_RX, code64);
}

static struct hv_segment flat_data(uint16_t selector)
{
	return flat_segment(selector, SEG_TYPE_DATA_RW, false);
}

static struct hv_segment tss_segment(uint64_t tables, uint16_t selector)
{
	return (struct hv_segment){
		.base = tables + LIBHV_TABLES_TSS, .limit = LIBHV_TSS_LIMIT,
		.selector = selector, .type = SEG_TYPE_TSS_BUSY,
		.present = 1,
	};
}

/* Descriptor layout: SDM vol. 3A 3.4.5, figure 3-8. */
static uint64_t gdt_encode(const struct hv_segment *seg)
{
	uint64_t limit = seg->g ? seg->limit >> 12 : seg->limit;
	uint64_t access = seg->type | seg->s << 4 | seg->dpl << 5 |
			  seg->present << 7;
	uint64_t flags = seg->avl | seg->l << 1 | seg->db << 2 | seg->g << 3;

	return (limit & 0xffff) | (seg->base & 0xffffff) << 16 |
	       access << 40 | ((limit >> 16) & 0xf) << 48 | flags << 52 |
	       ((seg->base >> 24) & 0xff) << 56;
}

/* Little-endian stores that need no alignment of the guest buffer. */
static void put64(void *buf, uint64_t off, uint64_t value)
{
	memcpy((char *)buf + off, &value, sizeof(value));
}

static void put16(void *buf, uint64_t off, uint16_t value)
{
	memcpy((char *)buf + off, &value, sizeof(value));
}

static void put_desc(void *buf, struct hv_segment seg)
{
	put64(buf, LIBHV_TABLES_GDT + (seg.selector & ~7u), gdt_encode(&seg));
}

static void build_gdt(void *buf, uint64_t tables,
		      const struct libhv_gdt_layout *gdt)
{
	struct hv_segment tss = tss_segment(tables, gdt->tss);

	if (gdt->code32)
		put_desc(buf, flat_code(gdt->code32, false));
	if (gdt->code64)
		put_desc(buf, flat_code(gdt->code64, true));
	put_desc(buf, flat_data(gdt->data));
	/* A system descriptor in long mode is 16 bytes: base 63:32 follows. */
	put_desc(buf, tss);
	put64(buf, LIBHV_TABLES_GDT + gdt->tss + 8, tss.base >> 32);
	/* No I/O permission map: its base lies past the TSS limit. */
	put16(buf, LIBHV_TABLES_TSS + TSS_IOMAP_BASE, LIBHV_TSS_LIMIT + 1);
}

/*
 * Identity map with PML4[0] -> PDPT: the first 4 GiB with 2 MiB pages
 * through four page directories, [4 GiB, map_end) with 1 GiB pages in
 * PDPT[4..511] (every CPU with EPT or NPT has them: CPUID 0x80000001
 * EDX.Page1GB). One PDPT reaches 512 GiB, where the map stops.
 */
static void build_page_tables(void *buf, uint64_t tables, uint64_t map_end)
{
	uint64_t gib = (map_end + (1ULL << 30) - 1) >> 30;

	if (gib > 512)
		gib = 512;
	put64(buf, LIBHV_TABLES_PML4,
	      (tables + LIBHV_TABLES_PDPT) | PTE_P | PTE_RW);
	for (uint64_t i = 0; i < LIBHV_NR_PDS; i++) {
		uint64_t pd = LIBHV_TABLES_PD + i * LIBHV_PAGE_SIZE;

		put64(buf, LIBHV_TABLES_PDPT + 8 * i,
		      (tables + pd) | PTE_P | PTE_RW);
		for (uint64_t j = 0; j < 512; j++)
			put64(buf, pd + 8 * j,
			      (i << 30 | j << 21) | PTE_P | PTE_RW | PTE_PS);
	}
	for (uint64_t i = LIBHV_NR_PDS; i < gib; i++)
		put64(buf, LIBHV_TABLES_PDPT + 8 * i,
		      i << 30 | PTE_P | PTE_RW | PTE_PS);
}

void libhv_build_tables_with(const struct libhv_gdt_layout *gdt, uint32_t mode,
			     uint64_t tables, uint64_t map_end, void *buf)
{
	memset(buf, 0, HV_SETUP_TABLES_SIZE);
	if (mode == HV_MODE_REAL)
		return;
	build_gdt(buf, tables, gdt);
	if (mode == HV_MODE_LONG)
		build_page_tables(buf, tables, map_end);
}

void libhv_build_tables(uint32_t mode, uint64_t tables, void *buf)
{
	libhv_build_tables_with(&libhv_setup_gdt, mode, tables, LIBHV_4G, buf);
}

/* ---- validation ---- */

static int check_real(const struct hv_setup *s)
{
	if (s->entry >= LIBHV_1M)
		return libhv_error(-EINVAL, "real mode entry 0x%llx is not below 1 MiB",
				   (unsigned long long)s->entry);
	if (s->stack > REAL_MODE_LIMIT)
		return libhv_error(-EINVAL, "real mode stack 0x%llx is not below 64 KiB",
				   (unsigned long long)s->stack);
	return 0;
}

/*
 * Protected and long mode: everything must be reachable through 32-bit
 * linear addresses or the 4 GiB identity map. The stack may be exactly
 * 4 GiB: the first push goes below it.
 */
static int check_flat(const struct hv_setup *s)
{
	const char *mode = hv_mode_name(s->mode);

	if (s->entry >= LIBHV_4G)
		return libhv_error(-EINVAL, "%s mode entry 0x%llx is not below 4 GiB",
				   mode, (unsigned long long)s->entry);
	if (s->stack > LIBHV_4G)
		return libhv_error(-EINVAL, "%s mode stack 0x%llx is above 4 GiB",
				   mode, (unsigned long long)s->stack);
	if (s->tables % LIBHV_PAGE_SIZE)
		return libhv_error(-EINVAL, "setup tables at 0x%llx are not page aligned",
				   (unsigned long long)s->tables);
	if (s->tables > LIBHV_4G - HV_SETUP_TABLES_SIZE)
		return libhv_error(-EINVAL, "setup tables at 0x%llx do not end below 4 GiB",
				   (unsigned long long)s->tables);
	return 0;
}

int libhv_setup_check(const struct hv_setup *setup)
{
	if (setup->reserved)
		return libhv_error(-EINVAL, "struct hv_setup: reserved is not zero");
	switch (setup->mode) {
	case HV_MODE_REAL:
		return check_real(setup);
	case HV_MODE_PROTECTED:
	case HV_MODE_LONG:
		return check_flat(setup);
	}
	return libhv_error(-EINVAL, "unknown CPU mode %u", setup->mode);
}

/* ---- register state ---- */

static struct hv_segment real_segment(uint16_t selector, uint8_t type)
{
	return (struct hv_segment){
		.base = (uint64_t)selector << 4, .limit = REAL_MODE_LIMIT,
		.selector = selector, .type = type, .present = 1, .s = 1,
	};
}

/* Real mode as after reset, except CS:IP and CR0 (no CD/NW: caching on). */
static void setup_real(const struct hv_setup *setup, struct hv_sregs *s)
{
	/* CS takes bits 19:16 of entry, so IP is its low 16 bits. */
	uint16_t cs = (uint16_t)((setup->entry >> 4) & 0xf000);

	s->cs = real_segment(cs, SEG_TYPE_CODE_RX);
	s->ds = s->es = s->fs = s->gs = s->ss = real_segment(0, SEG_TYPE_DATA_RW);
	s->tr = (struct hv_segment){
		.limit = REAL_MODE_LIMIT, .type = SEG_TYPE_TSS_BUSY, .present = 1,
	};
	s->ldt = (struct hv_segment){
		.limit = REAL_MODE_LIMIT, .type = SEG_TYPE_LDT, .present = 1,
	};
	s->gdt = (struct hv_dtable){ .limit = REAL_MODE_LIMIT };
	s->idt = (struct hv_dtable){ .limit = REAL_MODE_LIMIT };
	s->cr0 = CR0_ET;
	s->cr3 = 0;
	s->cr4 = 0;
	s->efer = 0;
}

/*
 * Protected and long mode share everything but CS and the paging bits.
 * The IDT is empty (limit 0): until the guest loads its own, any
 * exception becomes a triple fault, which userspace sees as SHUTDOWN.
 */
static void setup_flat(const struct libhv_gdt_layout *gdt,
		       const struct hv_setup *setup, struct hv_sregs *s)
{
	bool lm = setup->mode == HV_MODE_LONG;

	s->cs = flat_code(lm ? gdt->code64 : gdt->code32, lm);
	s->ds = s->es = s->fs = s->gs = s->ss = flat_data(gdt->data);
	s->tr = tss_segment(setup->tables, gdt->tss);
	s->ldt = (struct hv_segment){ .type = SEG_TYPE_LDT, .unusable = 1 };
	s->gdt = (struct hv_dtable){
		.base = setup->tables + LIBHV_TABLES_GDT,
		.limit = 8 * LIBHV_GDT_ENTRIES - 1,
	};
	s->idt = (struct hv_dtable){ 0 };
	/* OSFXSR/OSXMMEXCPT so that compiled guest code may use SSE. */
	s->cr4 = CR4_OSFXSR | CR4_OSXMMEXCPT;
	if (lm) {
		s->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
		s->cr3 = setup->tables + LIBHV_TABLES_PML4;
		s->cr4 |= CR4_PAE;
		s->efer = EFER_LME | EFER_LMA | EFER_SCE;
	} else {
		s->cr0 = CR0_PE | CR0_ET | CR0_NE;
		s->cr3 = 0;
		s->efer = 0;
	}
}

void libhv_setup_sregs_with(const struct libhv_gdt_layout *gdt,
			    const struct hv_setup *setup, struct hv_sregs *sregs)
{
	if (setup->mode == HV_MODE_REAL)
		setup_real(setup, sregs);
	else
		setup_flat(gdt, setup, sregs);
}

void libhv_setup_sregs(const struct hv_setup *setup, struct hv_sregs *sregs)
{
	libhv_setup_sregs_with(&libhv_setup_gdt, setup, sregs);
}

void libhv_setup_regs(const struct hv_setup *setup, struct hv_regs *regs)
{
	memset(regs, 0, sizeof(*regs));
	regs->rflags = RFLAGS_RESET;
	if (setup->mode == HV_MODE_REAL) {
		regs->rip = setup->entry & 0xffff;
		regs->rsp = setup->stack;
	} else {
		regs->rip = setup->entry;
		/* 4 GiB in protected mode is ESP 0: the first push wraps below 4 GiB. */
		regs->rsp = setup->mode == HV_MODE_LONG ?
			    setup->stack : (uint32_t)setup->stack;
	}
}

/* ---- gluing it to a vCPU ---- */

static int write_tables(struct hv_vcpu *vcpu, const struct hv_setup *setup)
{
	void *buf;

	if (setup->mode == HV_MODE_REAL)
		return 0;
	buf = hv_vm_gpa_to_host(vcpu->vm, setup->tables, HV_SETUP_TABLES_SIZE);
	if (!buf)
		return libhv_error(-EFAULT, "setup tables 0x%llx+0x%x are not inside one memory slot",
				   (unsigned long long)setup->tables,
				   HV_SETUP_TABLES_SIZE);
	libhv_build_tables(setup->mode, setup->tables, buf);
	return 0;
}

int hv_vcpu_setup_mode(struct hv_vcpu *vcpu, const struct hv_setup *setup)
{
	struct hv_sregs sregs;
	struct hv_regs regs;
	int err;

	if (!vcpu)
		return LIBHV_NULL_ARG(vcpu);
	if (!setup)
		return LIBHV_NULL_ARG(setup);
	err = libhv_setup_check(setup);
	if (err)
		return err;
	err = write_tables(vcpu, setup);
	if (err)
		return err;
	/* Start from the vCPU's own state: it keeps APIC base, CR8 and the like. */
	err = hv_vcpu_get_sregs(vcpu, &sregs);
	if (err)
		return err;
	libhv_setup_sregs(setup, &sregs);
	err = hv_vcpu_set_sregs(vcpu, &sregs);
	if (err)
		return err;
	libhv_setup_regs(setup, &regs);
	err = hv_vcpu_set_regs(vcpu, &regs);
	if (err)
		return err;
	/* State set by ioctl must not be overwritten by stale run-page state. */
	vcpu->run->dirty_regs &= ~HV_SYNC_ALL;
	return 0;
}
