// SPDX-License-Identifier: GPL-2.0
/*
 * hv: the little instruction emulation hv needs.
 *
 * Without decode assists (QEMU's SVM has none; VMX gives only partial
 * information) hv must read the instruction that faulted itself: walk the
 * guest's page tables for RIP, fetch the bytes from slot memory, and decode
 * the forms that compilers emit for device access: MOV (88/89/8A/8B/C6/C7/
 * A0-A3), MOVZX/MOVSX (0F B6/B7/BE/BF), and MOV to/from debug registers
 * (0F 21/23). Anything else ends the run with an emulation error for
 * userspace, never a guess.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <asm/processor-flags.h>
#include <asm/traps.h>

#include "hv.h"

#define HV_MAX_INSN	15

#define PTE_P		BIT_ULL(0)
#define PTE_PS		BIT_ULL(7)

/* A decoded instruction (only what hv needs of it). */
struct hv_insn {
	u8 bytes[HV_MAX_INSN];
	unsigned int len;	/* bytes fetched, then instruction length */
	unsigned int pos;
	u8 op_size;		/* 2, 4, 8 */
	u8 addr_size;		/* 2, 4, 8 */
	u8 rex;
	int seg;		/* segment override prefix, or -1 */
	bool long_mode;		/* 64-bit code segment */
	u8 modrm;
};

static bool hv_long_mode(const struct hv_sregs *s)
{
	return (s->efer & EFER_LMA) && s->cs.l;
}

/* Read one guest paging-structure entry of @size bytes. */
static int hv_read_pte(struct hv_vcpu *vcpu, u64 gpa, int size, u64 *pte)
{
	*pte = 0;
	return hv_guest_read(vcpu->vm, gpa, pte, size);
}

/*
 * Translate a linear address with the guest's own paging (SDM vol. 3, 4.3
 * 32-bit, 4.4 PAE, 4.5 4-level). Only presence is checked: the hardware
 * already checked the access that brought us here.
 */
static int hv_walk(struct hv_vcpu *vcpu, const struct hv_sregs *s, u64 gva,
		   u64 *gpa)
{
	u64 addr_mask = GENMASK_ULL(hv_gpa_bits - 1, 12);
	int levels, shift, pte_size = 8, bits = 9;
	u64 table, pte = 0;

	if (!(s->cr0 & X86_CR0_PG)) {
		*gpa = hv_long_mode(s) ? gva : (u32)gva;
		return 0;
	}
	if (s->efer & EFER_LMA) {
		levels = 4;
		table = s->cr3 & addr_mask;
	} else if (s->cr4 & X86_CR4_PAE) {
		/* The four PDPTEs sit at CR3[31:5] (SDM vol. 3, 4.4.1). */
		if (hv_read_pte(vcpu, (s->cr3 & GENMASK_ULL(31, 5)) +
				((gva >> 30) & 3) * 8, 8, &pte) || !(pte & PTE_P))
			return -EFAULT;
		levels = 2;
		table = pte & addr_mask;
	} else {
		levels = 2;
		pte_size = 4;
		bits = 10;
		table = s->cr3 & GENMASK_ULL(31, 12);
	}

	for (shift = 12 + bits * (levels - 1); ; shift -= bits) {
		u64 index = (gva >> shift) & ((1ULL << bits) - 1);

		if (hv_read_pte(vcpu, table + index * pte_size, pte_size, &pte) ||
		    !(pte & PTE_P))
			return -EFAULT;
		if (shift == 12)
			break;
		/* A large page: 1 GiB, 2 MiB, or 4 MiB with CR4.PSE. */
		if ((pte & PTE_PS) && shift < 39 &&
		    (pte_size == 8 || (s->cr4 & X86_CR4_PSE))) {
			u64 base = pte_size == 4 ?
				   (pte & GENMASK_ULL(31, 22)) |
				   ((pte & GENMASK_ULL(20, 13)) << 19) :
				   pte & addr_mask & ~((1ULL << shift) - 1);

			*gpa = base | (gva & ((1ULL << shift) - 1));
			return 0;
		}
		table = pte & (pte_size == 4 ? GENMASK_ULL(31, 12) : addr_mask);
	}
	*gpa = (pte & (pte_size == 4 ? GENMASK_ULL(31, 12) : addr_mask)) |
	       (gva & 0xfff);
	return 0;
}

int hv_gva_to_gpa(struct hv_vcpu *vcpu, u64 gva, bool write, u64 *gpa)
{
	struct hv_sregs s;

	return hv_get_sregs(vcpu, &s) ?: hv_walk(vcpu, &s, gva, gpa);
}

/* Fetch up to 15 bytes at CS:RIP, page by page. */
static int hv_fetch(struct hv_vcpu *vcpu, const struct hv_sregs *s,
		    struct hv_insn *insn)
{
	u64 lin = s->cs.base + vcpu->rip;
	unsigned int got = 0;

	if (!hv_long_mode(s))
		lin = (u32)lin;
	while (got < HV_MAX_INSN) {
		unsigned int n = min_t(unsigned int, HV_MAX_INSN - got,
				       PAGE_SIZE - offset_in_page(lin + got));
		u64 gpa;

		if (hv_walk(vcpu, s, lin + got, &gpa) ||
		    hv_guest_read(vcpu->vm, gpa, insn->bytes + got, n))
			break;
		got += n;
	}
	insn->len = got;
	return got ? 0 : -EFAULT;
}

static int hv_next_byte(struct hv_insn *insn, u8 *b)
{
	if (insn->pos >= insn->len)
		return -EINVAL;
	*b = insn->bytes[insn->pos++];
	return 0;
}

/* Legacy and REX prefixes (SDM vol. 2, 2.1.1 and 2.2.1). */
static int hv_decode_prefixes(struct hv_insn *insn, const struct hv_sregs *s)
{
	static const int seg_of[] = {
		[0x26] = 0 + 1, [0x2e] = 1 + 1, [0x36] = 2 + 1,
		[0x3e] = 3 + 1, [0x64] = 4 + 1, [0x65] = 5 + 1,
	};
	bool def32 = s->cs.db;
	u8 b;

	insn->long_mode = hv_long_mode(s);
	insn->op_size = insn->long_mode || def32 ? 4 : 2;
	insn->addr_size = insn->long_mode ? 8 : def32 ? 4 : 2;
	insn->seg = -1;

	for (;;) {
		if (hv_next_byte(insn, &b))
			return -EINVAL;
		switch (b) {
		case 0x66:
			insn->op_size = insn->op_size == 2 ? 4 : 2;
			continue;
		case 0x67:
			insn->addr_size = insn->long_mode ? 4 :
					  insn->addr_size == 2 ? 4 : 2;
			continue;
		case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
			insn->seg = seg_of[b] - 1;
			continue;
		case 0xf0: case 0xf2: case 0xf3:
			continue;
		}
		break;
	}
	if (insn->long_mode && (b & 0xf0) == 0x40) {
		insn->rex = b;
		if (b & 0x08)
			insn->op_size = 8;
		if (hv_next_byte(insn, &b))
			return -EINVAL;
	}
	insn->pos--;	/* leave the opcode for the caller */
	return 0;
}

/* Skip the memory operand after ModRM: SIB and displacement. */
static int hv_skip_modrm_mem(struct hv_insn *insn)
{
	u8 mod = insn->modrm >> 6, rm = insn->modrm & 7, sib;
	unsigned int disp;

	if (mod == 3)
		return -EINVAL;	/* a register operand cannot fault on memory */
	if (insn->addr_size == 2) {
		disp = mod == 1 ? 1 : (mod == 2 || (mod == 0 && rm == 6)) ? 2 : 0;
	} else {
		if (rm == 4) {
			if (hv_next_byte(insn, &sib))
				return -EINVAL;
			if (mod == 0 && (sib & 7) == 5)
				disp = 4;
			else
				disp = mod == 1 ? 1 : mod == 2 ? 4 : 0;
		} else {
			disp = mod == 1 ? 1 : (mod == 2 || (mod == 0 && rm == 5)) ? 4 : 0;
		}
	}
	insn->pos += disp;
	return insn->pos <= insn->len ? 0 : -EINVAL;
}

static int hv_read_imm(struct hv_insn *insn, unsigned int size, u64 *imm)
{
	u64 v = 0;

	if (insn->pos + size > insn->len)
		return -EINVAL;
	memcpy(&v, insn->bytes + insn->pos, size);
	insn->pos += size;
	*imm = v;
	return 0;
}

/* The register named by ModRM.reg, as (index, high-byte) for byte ops. */
static void hv_modrm_reg(const struct hv_insn *insn, int size, int *reg,
			 bool *high)
{
	int r = ((insn->modrm >> 3) & 7) | (insn->rex & 0x04 ? 8 : 0);

	/* Without REX, byte registers 4-7 are AH, CH, DH, BH. */
	*high = size == 1 && !insn->rex && r >= 4 && r < 8;
	*reg = *high ? r - 4 : r;
}

static u64 hv_reg_value(struct hv_vcpu *vcpu, int reg, bool high, int size)
{
	if (high)
		return (vcpu->gprs[reg] >> 8) & 0xff;
	return hv_gpr_read(vcpu, reg, size);
}

/* Queue the read completion; the value arrives in hv_complete_mmio_read. */
static void hv_mmio_read_dest(struct hv_vcpu *vcpu, int reg, bool high,
			      u8 size, u8 dest_size, bool sign)
{
	struct hv_pending_io *p = &vcpu->pending;

	p->kind = HV_COMPLETE_MMIO_READ;
	p->reg = reg | (high ? 0x80 : 0);
	p->size = size;
	p->dest_size = dest_size;
	p->sign_extend = sign;
}

void hv_complete_mmio_read(struct hv_vcpu *vcpu, u64 data)
{
	struct hv_pending_io *p = &vcpu->pending;
	int reg = p->reg & 0x7f;
	u64 v = p->size == 8 ? data : data & ((1ULL << (p->size * 8)) - 1);

	if (p->sign_extend)
		v = (u64)((s64)(v << (64 - p->size * 8)) >> (64 - p->size * 8));
	if (p->reg & 0x80)
		vcpu->gprs[reg] = (vcpu->gprs[reg] & ~0xff00ULL) | (v & 0xff) << 8;
	else
		hv_gpr_write(vcpu, reg, p->dest_size, v);
}

/* The local APIC and the IOAPIC answer MMIO without leaving the kernel. */
static bool hv_mmio_in_kernel(struct hv_vcpu *vcpu, u64 gpa, u8 size,
			      bool write, u64 *val)
{
	if (!vcpu->lapic)
		return false;
	return hv_lapic_mmio(vcpu, gpa, size, write, val) ||
	       hv_ioapic_mmio(vcpu, gpa, size, write, val);
}

/*
 * Decode the MOV-family instruction at RIP that touched MMIO at @gpa and
 * complete it in the kernel (local APIC, IOAPIC: returns 1) or fill the run
 * page (returns 0): either an MMIO exit or an emulation error.
 */
int hv_emulate_mmio(struct hv_vcpu *vcpu, u64 gpa, bool write)
{
	struct hv_run *run = vcpu->run;
	struct hv_insn insn = { 0 };
	struct hv_sregs s;
	u8 op, size = 0, dest_size = 0;
	bool is_write = false, sign = false, high = false;
	u64 val = 0;
	int reg = 0;

	reg = hv_get_sregs(vcpu, &s);
	if (reg)
		return reg;
	if (hv_fetch(vcpu, &s, &insn) || hv_decode_prefixes(&insn, &s) ||
	    hv_next_byte(&insn, &op))
		return hv_exit_emulation_failed(vcpu, gpa);

	switch (op) {
	case 0x88: case 0x89: case 0x8a: case 0x8b:
		size = op & 1 ? insn.op_size : 1;
		is_write = !(op & 2);
		if (hv_next_byte(&insn, &insn.modrm) || hv_skip_modrm_mem(&insn))
			goto fail;
		hv_modrm_reg(&insn, size, &reg, &high);
		if (is_write)
			val = hv_reg_value(vcpu, reg, high, size);
		dest_size = size;
		break;
	case 0xc6: case 0xc7:
		size = op & 1 ? insn.op_size : 1;
		is_write = true;
		if (hv_next_byte(&insn, &insn.modrm) ||
		    (insn.modrm & 0x38) || hv_skip_modrm_mem(&insn) ||
		    hv_read_imm(&insn, min_t(u8, size, 4), &val))
			goto fail;
		if (size == 8)	/* imm32 sign-extended to 64 bits */
			val = (u64)(s64)(s32)val;
		break;
	case 0xa0: case 0xa1: case 0xa2: case 0xa3:
		size = op & 1 ? insn.op_size : 1;
		is_write = op & 2;
		insn.pos += insn.addr_size;	/* moffs */
		if (insn.pos > insn.len)
			goto fail;
		reg = HV_RAX;
		if (is_write)
			val = hv_gpr_read(vcpu, HV_RAX, size);
		dest_size = size;
		break;
	case 0x0f:
		if (hv_next_byte(&insn, &op) ||
		    (op != 0xb6 && op != 0xb7 && op != 0xbe && op != 0xbf))
			goto fail;
		size = op & 1 ? 2 : 1;
		sign = op >= 0xbe;
		dest_size = insn.op_size;
		if (hv_next_byte(&insn, &insn.modrm) || hv_skip_modrm_mem(&insn))
			goto fail;
		hv_modrm_reg(&insn, dest_size, &reg, &high);
		break;
	default:
		goto fail;
	}
	if (is_write != write)
		goto fail;

	vcpu->pending.next_rip = vcpu->rip + insn.pos;
	if (is_write)
		vcpu->pending.kind = HV_COMPLETE_RIP;
	else
		hv_mmio_read_dest(vcpu, reg, high, size, dest_size, sign);

	if (hv_mmio_in_kernel(vcpu, gpa, size, is_write, &val)) {
		if (!is_write)
			hv_complete_mmio_read(vcpu, val);
		vcpu->rip = vcpu->pending.next_rip;
		vcpu->pending.kind = HV_COMPLETE_NONE;
		return 1;
	}

	run->exit_reason = HV_EXIT_MMIO;
	run->mmio.gpa = gpa;
	run->mmio.size = size;
	run->mmio.is_write = is_write;
	run->mmio.data = is_write ? val : 0;
	return 0;

fail:
	return hv_exit_emulation_failed(vcpu, gpa);
}

/*
 * Fetch and decode the start of a two-byte-opcode instruction with a
 * register ModRM (0F xx /r: MOV to/from CR and DR) at RIP; @op is the
 * second opcode byte. -EINVAL when it is no such instruction, or
 * hv_get_sregs()'s error.
 */
static int hv_decode_0f_modrm(struct hv_vcpu *vcpu, struct hv_sregs *s,
			      struct hv_insn *insn, u8 *op)
{
	int ret = hv_get_sregs(vcpu, s);
	u8 b;

	if (ret)
		return ret;
	if (hv_fetch(vcpu, s, insn) || hv_decode_prefixes(insn, s) ||
	    hv_next_byte(insn, &b) || b != 0x0f || hv_next_byte(insn, op) ||
	    hv_next_byte(insn, &insn->modrm))
		return -EINVAL;
	return 0;
}

/*
 * MOV to/from DR0-DR7 (SDM vol. 2, MOV-Move to/from Debug Registers). The
 * guest's values are kept in vcpu->dr and never reach the hardware, so the
 * host's breakpoints are safe and the guest sees consistent registers.
 */
int hv_emulate_mov_dr(struct hv_vcpu *vcpu)
{
	struct hv_insn insn = { 0 };
	struct hv_sregs s;
	int dr, gpr, size;
	u8 op;

	dr = hv_decode_0f_modrm(vcpu, &s, &insn, &op);
	if (dr == -EBUSY)
		return dr;
	if (dr || (op != 0x21 && op != 0x23))
		return hv_exit_emulation_failed(vcpu, 0);

	dr = (insn.modrm >> 3) & 7;
	gpr = (insn.modrm & 7) | (insn.rex & 0x01 ? 8 : 0);
	size = insn.long_mode ? 8 : 4;
	if (dr == 4 || dr == 5) {
		if (s.cr4 & X86_CR4_DE) {
			hv_queue_exception(vcpu, X86_TRAP_UD, false, 0);
			return 1;
		}
		dr += 2;
	}
	if (op == 0x21) {
		hv_gpr_write(vcpu, gpr, size, vcpu->dr[dr]);
	} else {
		u64 val = hv_gpr_read(vcpu, gpr, size);

		if (dr >= 6 && val >> 32) {
			hv_queue_exception(vcpu, X86_TRAP_GP, true, 0);
			return 1;
		}
		vcpu->dr[dr] = dr == 6 ? val | HV_DR6_INIT :
			       dr == 7 ? (val | HV_DR7_INIT) : val;
	}
	vcpu->rip += insn.pos;
	return 1;
}

/**
 * hv_emulate_mov_to_cr() - decode the MOV to CRn at RIP
 * @vcpu: the vCPU.
 * @cr: out: the control register number.
 * @val: out: the value written (64 bits in 64-bit mode, else 32).
 * @next_rip: out: RIP after the instruction (the caller advances RIP only
 *	if the write is allowed: a #GP leaves RIP on the instruction).
 *
 * SDM vol. 2, MOV-Move to/from Control Registers: 0F 22 /r, where ModRM.reg
 * (with REX.R) names the CR and ModRM.rm (with REX.B) the GPR.
 *
 * Return: 0, -EINVAL if RIP is not at such an instruction, or
 * hv_get_sregs()'s error.
 */
int hv_emulate_mov_to_cr(struct hv_vcpu *vcpu, int *cr, u64 *val,
			 u64 *next_rip)
{
	struct hv_insn insn = { 0 };
	struct hv_sregs s;
	u8 op;
	int gpr;

	gpr = hv_decode_0f_modrm(vcpu, &s, &insn, &op);
	if (gpr)
		return gpr;
	if (op != 0x22)
		return -EINVAL;
	*cr = ((insn.modrm >> 3) & 7) | (insn.rex & 0x04 ? 8 : 0);
	gpr = (insn.modrm & 7) | (insn.rex & 0x01 ? 8 : 0);
	*val = hv_gpr_read(vcpu, gpr, insn.long_mode ? 8 : 4);
	*next_rip = vcpu->rip + insn.pos;
	return 0;
}

/*
 * A string I/O instruction's memory operand: the segment base (ES for INS,
 * where no override is allowed; DS or the override prefix for OUTS) and
 * the address size (SDM vol. 2, INS/OUTS). -EFAULT when it cannot be
 * decoded, or hv_get_sregs()'s error.
 */
int hv_decode_string_io(struct hv_vcpu *vcpu, bool in, u64 *base,
			u8 *addr_size)
{
	struct hv_insn insn = { 0 };
	struct hv_sregs s;
	const struct hv_segment *segs[6];
	int ret = hv_get_sregs(vcpu, &s);

	if (ret)
		return ret;
	segs[0] = &s.es;
	segs[1] = &s.cs;
	segs[2] = &s.ss;
	segs[3] = &s.ds;
	segs[4] = &s.fs;
	segs[5] = &s.gs;
	if (hv_fetch(vcpu, &s, &insn) || hv_decode_prefixes(&insn, &s))
		return -EFAULT;
	*addr_size = insn.addr_size;
	if (in || insn.seg < 0)
		insn.seg = in ? 0 : 3;
	/* In 64-bit mode only FS and GS have a base (SDM vol. 1, 3.4.2.1). */
	if (hv_long_mode(&s) && insn.seg < 4)
		*base = 0;
	else
		*base = segs[insn.seg]->base;
	return 0;
}
