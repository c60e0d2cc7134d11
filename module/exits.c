// SPDX-License-Identifier: GPL-2.0
/*
 * hv: exits that are the same on both vendors. A backend decodes its
 * hardware exit information and calls one of these; each returns 1 to
 * re-enter the guest, 0 with an exit for userspace in the run page, or a
 * negative errno.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <asm/mce.h>
#include <asm/processor-flags.h>
#include <asm/traps.h>

#include "hv.h"

void hv_queue_exception(struct hv_vcpu *vcpu, u8 vector, bool has_error,
			u32 error)
{
	struct hv_events *ev = &vcpu->events;

	ev->exc_pending = true;
	ev->exc_vector = vector;
	ev->exc_has_error = has_error;
	ev->exc_error = error;
}

static int hv_inject_gp(struct hv_vcpu *vcpu)
{
	hv_queue_exception(vcpu, X86_TRAP_GP, true, 0);
	return 1;
}

/* An exit whose answer is an exception in the guest. */
static int hv_exit_exception(struct hv_vcpu *vcpu, u8 vector, bool has_error)
{
	vcpu->stats[HV_STAT_EXIT_EXCEPTION]++;
	hv_queue_exception(vcpu, vector, has_error, 0);
	return 1;
}

/* An instruction of a feature the guest does not have. */
int hv_exit_ud(struct hv_vcpu *vcpu)
{
	return hv_exit_exception(vcpu, X86_TRAP_UD, false);
}

/* RDPMC would read the host's performance counters. */
int hv_exit_gp(struct hv_vcpu *vcpu)
{
	return hv_exit_exception(vcpu, X86_TRAP_GP, true);
}

/* Intercepted #DB and #AC (see the backends) go back to the guest. */
int hv_exit_db(struct hv_vcpu *vcpu)
{
	return hv_exit_exception(vcpu, X86_TRAP_DB, false);
}

int hv_exit_ac(struct hv_vcpu *vcpu)
{
	return hv_exit_exception(vcpu, X86_TRAP_AC, true);
}

int hv_exit_cpuid(struct hv_vcpu *vcpu, u64 next_rip)
{
	u32 out[4];

	vcpu->stats[HV_STAT_EXIT_CPUID]++;
	hv_cpuid_lookup(vcpu, vcpu->gprs[HV_RAX], vcpu->gprs[HV_RCX], out);
	vcpu->gprs[HV_RAX] = out[0];
	vcpu->gprs[HV_RBX] = out[1];
	vcpu->gprs[HV_RCX] = out[2];
	vcpu->gprs[HV_RDX] = out[3];
	vcpu->rip = next_rip;
	return 1;
}

int hv_exit_hlt(struct hv_vcpu *vcpu, u64 next_rip)
{
	vcpu->stats[HV_STAT_EXIT_HLT]++;
	vcpu->rip = next_rip;
	/* With a local APIC the run loop waits for the wake-up event. */
	if (vcpu->lapic) {
		vcpu->mp_state = HV_MP_HALTED;
		return 1;
	}
	vcpu->run->exit_reason = HV_EXIT_HLT;
	return 0;
}

int hv_exit_rdmsr(struct hv_vcpu *vcpu, u64 next_rip)
{
	u64 data;
	int ret;

	vcpu->stats[HV_STAT_EXIT_MSR]++;
	ret = hv_msr_get(vcpu, vcpu->gprs[HV_RCX], &data);
	if (ret == -EBUSY)
		return ret;
	if (ret)
		return hv_inject_gp(vcpu);
	vcpu->gprs[HV_RAX] = (u32)data;
	vcpu->gprs[HV_RDX] = data >> 32;
	vcpu->rip = next_rip;
	return 1;
}

int hv_exit_wrmsr(struct hv_vcpu *vcpu, u64 next_rip)
{
	u64 data = (u32)vcpu->gprs[HV_RAX] | (vcpu->gprs[HV_RDX] << 32);
	int ret;

	vcpu->stats[HV_STAT_EXIT_MSR]++;
	ret = hv_msr_set(vcpu, vcpu->gprs[HV_RCX], data, false);
	if (ret == -EBUSY)
		return ret;
	if (ret)
		return hv_inject_gp(vcpu);
	vcpu->rip = next_rip;
	return 1;
}

/* XSETBV (SDM vol. 2, XSETBV): only XCR0, only valid combinations. */
int hv_exit_xsetbv(struct hv_vcpu *vcpu, u64 next_rip)
{
	u64 val = (u32)vcpu->gprs[HV_RAX] | (vcpu->gprs[HV_RDX] << 32);

	vcpu->stats[HV_STAT_EXIT_XSETBV]++;
	if ((u32)vcpu->gprs[HV_RCX] != 0 || !hv_xcr0_valid(val))
		return hv_inject_gp(vcpu);
	vcpu->xcr0 = val;
	vcpu->rip = next_rip;
	return 1;
}

/*
 * MOV to CR0 (SDM vol. 2, MOV to/from Control Registers; vol. 3, 10.8.5):
 * #GP (-EINVAL) for reserved bits, PG without PE and NW without CD. Setting
 * PG with EFER.LME activates long mode (PAE required, not from a 64-bit
 * code segment); clearing it deactivates long mode (not from 64-bit code).
 */
static int hv_set_cr0(struct hv_vcpu *vcpu, const struct hv_sregs *s,
		      u64 val)
{
	bool pg = val & X86_CR0_PG, was_pg = s->cr0 & X86_CR0_PG;
	u64 efer = s->efer;
	int ret;

	if (val >> 32 || (pg && !(val & X86_CR0_PE)) ||
	    ((val & X86_CR0_NW) && !(val & X86_CR0_CD)))
		return -EINVAL;
	if (pg && !was_pg && (efer & EFER_LME)) {
		if (!(s->cr4 & X86_CR4_PAE) || s->cs.l)
			return -EINVAL;
		efer |= EFER_LMA;
	} else if (!pg && was_pg && (efer & EFER_LMA)) {
		if (s->cs.l)
			return -EINVAL;
		efer &= ~EFER_LMA;
	}
	/* ET is hardwired to 1 on everything since the 486. */
	ret = hv_ops->set_control(vcpu, HV_CTL_CR0, val | X86_CR0_ET);
	if (!ret && efer != s->efer)
		ret = hv_ops->set_control(vcpu, HV_CTL_EFER, efer);
	return ret;
}

/* MOV to CR4: only bits whose features hv exposes; PAE stays set in long mode. */
static int hv_set_cr4(struct hv_vcpu *vcpu, const struct hv_sregs *s,
		      u64 val)
{
	int ret;

	if (val & ~hv_cr4_allowed() ||
	    ((s->efer & EFER_LMA) && !(val & X86_CR4_PAE)))
		return -EINVAL;
	ret = hv_ops->set_control(vcpu, HV_CTL_CR4, val);
	if (!ret)
		vcpu->osxsave = val & X86_CR4_OSXSAVE;
	return ret;
}

/**
 * hv_exit_mov_to_cr() - the guest wrote CR0 or CR4
 * @vcpu: the vCPU.
 * @cr: 0 or 4 (anything else raises #UD: the backend intercepts no other).
 * @val: the value written.
 * @next_rip: RIP after the instruction.
 *
 * The write may change how the guest translates addresses, so its TLB is
 * flushed as the CPU would. A refused write raises #GP with RIP left on
 * the instruction.
 *
 * Return: as the other exit helpers.
 */
int hv_exit_mov_to_cr(struct hv_vcpu *vcpu, int cr, u64 val, u64 next_rip)
{
	struct hv_sregs s;
	int ret;

	vcpu->stats[HV_STAT_EXIT_OTHER]++;
	ret = hv_get_sregs(vcpu, &s);
	if (ret)
		return ret;
	switch (cr) {
	case 0:
		ret = hv_set_cr0(vcpu, &s, val);
		break;
	case 4:
		ret = hv_set_cr4(vcpu, &s, val);
		break;
	default:
		hv_queue_exception(vcpu, X86_TRAP_UD, false, 0);
		return 1;
	}
	if (ret == -EBUSY)
		return ret;
	if (ret)
		return hv_inject_gp(vcpu);
	set_bit(HV_REQ_TLB_FLUSH, &vcpu->requests);
	vcpu->rip = next_rip;
	return 1;
}

/* A CR4 write intercepted without decode information: decode it here. */
int hv_exit_cr4_write(struct hv_vcpu *vcpu)
{
	u64 val, next_rip;
	int cr, ret;

	ret = hv_emulate_mov_to_cr(vcpu, &cr, &val, &next_rip);
	if (ret == -EBUSY)
		return ret;
	if (ret)
		return hv_exit_emulation_failed(vcpu, 0);
	if (cr != 4)
		return hv_inject_gp(vcpu);
	return hv_exit_mov_to_cr(vcpu, cr, val, next_rip);
}

/**
 * hv_exit_cr8_write() - an intercepted MOV to CR8, without decode assists
 * @vcpu: the vCPU (it has a local APIC: only then is the write intercepted,
 *	while the TPR holds back a requested interrupt).
 *
 * Return: 1; the run loop then injects what the lower TPR lets through.
 */
int hv_exit_cr8_write(struct hv_vcpu *vcpu)
{
	u64 val, next_rip;
	int cr, ret;

	vcpu->stats[HV_STAT_EXIT_OTHER]++;
	ret = hv_emulate_mov_to_cr(vcpu, &cr, &val, &next_rip);
	if (ret == -EBUSY)
		return ret;
	if (ret)
		return hv_exit_emulation_failed(vcpu, 0);
	if (cr != 8 || val > 15 || !vcpu->lapic)
		return hv_inject_gp(vcpu);
	hv_lapic_set_cr8(vcpu, val);
	vcpu->rip = next_rip;
	return 1;
}

int hv_exit_hypercall(struct hv_vcpu *vcpu, u64 next_rip)
{
	struct hv_run *run = vcpu->run;
	const u64 *g = vcpu->gprs;

	vcpu->stats[HV_STAT_EXIT_HYPERCALL]++;
	run->exit_reason = HV_EXIT_HYPERCALL;
	run->hypercall.nr = g[HV_RAX];
	run->hypercall.args[0] = g[HV_RBX];
	run->hypercall.args[1] = g[HV_RCX];
	run->hypercall.args[2] = g[HV_RDX];
	run->hypercall.args[3] = g[HV_RSI];
	run->hypercall.args[4] = g[HV_RDI];
	run->hypercall.args[5] = g[HV_R8];
	run->hypercall.ret = 0;
	vcpu->rip = next_rip;
	vcpu->pending.kind = HV_COMPLETE_HYPERCALL;
	vcpu->pending.next_rip = next_rip;
	return 0;
}

/* The CPU leaves its state undefined after a shutdown: reset it (API.md). */
int hv_exit_shutdown(struct hv_vcpu *vcpu)
{
	int ret = hv_reset_sregs(vcpu);

	if (ret)
		return ret;
	vcpu->stats[HV_STAT_EXIT_SHUTDOWN]++;
	vcpu->run->exit_reason = HV_EXIT_SHUTDOWN;
	return 0;
}

int hv_exit_fail_entry(struct hv_vcpu *vcpu, u64 hw_reason)
{
	struct hv_run *run = vcpu->run;

	vcpu_err_ratelimited(vcpu, "guest entry failed, hardware reason %#llx\n",
			     hw_reason);
	vcpu->stats[HV_STAT_ENTRY_FAILED]++;
	run->exit_reason = HV_EXIT_FAIL_ENTRY;
	run->fail.hw_reason = hw_reason;
	run->fail.cpu = vcpu->cpu;
	return 0;
}

static int hv_internal_error(struct hv_vcpu *vcpu, u32 suberror,
			     unsigned int ndata, const u64 *data)
{
	struct hv_run *run = vcpu->run;
	unsigned int i;

	run->exit_reason = HV_EXIT_INTERNAL_ERROR;
	run->internal.suberror = suberror;
	run->internal.ndata = min_t(unsigned int, ndata,
				    ARRAY_SIZE(run->internal.data));
	for (i = 0; i < run->internal.ndata; i++)
		run->internal.data[i] = data[i];
	return 0;
}

int hv_exit_unhandled(struct hv_vcpu *vcpu, u64 code, u64 info1, u64 info2)
{
	u64 data[] = { code, info1, info2, vcpu->rip };

	vcpu->stats[HV_STAT_EXIT_OTHER]++;
	vcpu_err_ratelimited(vcpu, "unhandled exit %#llx (info %#llx %#llx) at rip %#llx\n",
			     code, info1, info2, vcpu->rip);
	return hv_internal_error(vcpu, HV_INTERNAL_UNHANDLED_EXIT,
				 ARRAY_SIZE(data), data);
}

/* An instruction hv had to emulate and could not: stop with its address. */
int hv_exit_emulation_failed(struct hv_vcpu *vcpu, u64 gpa)
{
	u64 data[] = { vcpu->rip, gpa };

	vcpu_err_ratelimited(vcpu, "cannot emulate instruction at rip %#llx (gpa %#llx)\n",
			     vcpu->rip, gpa);
	return hv_internal_error(vcpu, HV_INTERNAL_EMULATION,
				 ARRAY_SIZE(data), data);
}

static int hv_exit_memory_fault(struct hv_vcpu *vcpu, u64 gpa)
{
	u64 data[] = { gpa };

	return hv_internal_error(vcpu, HV_INTERNAL_MEMORY_FAULT,
				 ARRAY_SIZE(data), data);
}

/**
 * hv_exit_npf() - a nested page fault
 * @vcpu: the vCPU.
 * @gpa: the guest-physical address.
 * @write: the access was a write.
 * @emulate: the fault is on the data access of an instruction hv may
 *	emulate (not a guest page-table walk or an instruction fetch).
 *
 * Return: as the other exit helpers.
 */
int hv_exit_npf(struct hv_vcpu *vcpu, u64 gpa, bool write, bool emulate)
{
	int ret = hv_mmu_page_fault(vcpu, gpa, write);

	if (ret == -EFAULT)
		return hv_exit_memory_fault(vcpu, gpa);
	if (ret) {
		vcpu->stats[HV_STAT_EXIT_NPF]++;
		return ret;
	}
	if (!emulate)
		return hv_exit_emulation_failed(vcpu, gpa);
	vcpu->stats[HV_STAT_EXIT_MMIO]++;
	return hv_emulate_mmio(vcpu, gpa, write);
}

static u64 hv_addr_mask(int addr_size)
{
	return addr_size == 8 ? ~0ULL : (1ULL << (addr_size * 8)) - 1;
}

/* Fill the run page's I/O exit; only on success (io shares a union). */
static int hv_io_exit_report(struct hv_vcpu *vcpu, const struct hv_io_exit *io,
			     u32 count)
{
	struct hv_run *run = vcpu->run;

	run->exit_reason = HV_EXIT_IO;
	run->io.port = io->port;
	run->io.size = io->size;
	run->io.direction = io->in ? HV_IO_IN : HV_IO_OUT;
	run->io.count = count;
	run->io.data_offset = HV_RUN_IO_DATA_OFFSET;
	return 0;
}

/*
 * INS/OUTS: move as many elements as fit in the run page's data area and
 * in the current guest page; a REP instruction with more left re-executes
 * and exits again (SDM vol. 2, INS/OUTS: RCX, RSI/RDI advance per element).
 */
static int hv_exit_string_io(struct hv_vcpu *vcpu, const struct hv_io_exit *io)
{
	struct hv_pending_io *p = &vcpu->pending;
	int reg = io->in ? HV_RDI : HV_RSI;
	u64 gva, gpa, room, mask, count;
	u8 addr_size;
	int ret;

	/*
	 * Segment and address size come from decoding the instruction, not
	 * from the exit information: QEMU's SVM reports the address size one
	 * bit off, and older VMX parts leave it out.
	 */
	ret = hv_decode_string_io(vcpu, io->in, &gva, &addr_size);
	if (ret == -EBUSY)
		return ret;
	if (ret)
		return hv_exit_emulation_failed(vcpu, 0);
	mask = hv_addr_mask(addr_size);
	count = io->rep ? vcpu->gprs[HV_RCX] & mask : 1;
	if (!count) {
		vcpu->rip = io->next_rip;
		return 1;
	}
	gva += vcpu->gprs[reg] & mask;
	ret = hv_gva_to_gpa(vcpu, gva, io->in, &gpa);
	if (ret == -EBUSY)
		return ret;
	if (ret)
		return hv_exit_emulation_failed(vcpu, 0);

	/* Backwards (DF=1) goes one element at a time. */
	room = vcpu->rflags & X86_EFLAGS_DF ? io->size :
	       PAGE_SIZE - offset_in_page(gpa);
	room = min_t(u64, room, HV_RUN_IO_DATA_SIZE);
	count = min_t(u64, count, room / io->size);
	if (!count)	/* an element straddles two pages */
		return hv_exit_emulation_failed(vcpu, gpa);

	if (!io->in &&
	    hv_guest_read(vcpu->vm, gpa, vcpu->run->io_data, count * io->size))
		return hv_exit_emulation_failed(vcpu, gpa);

	p->kind = HV_COMPLETE_STRING_IO;
	p->size = io->size;
	p->count = count;
	p->is_in = io->in;
	p->rep = io->rep;
	p->addr_size = addr_size;
	p->gpa = gpa;
	p->next_rip = io->next_rip;
	return hv_io_exit_report(vcpu, io, count);
}

int hv_complete_string_io(struct hv_vcpu *vcpu)
{
	struct hv_pending_io *p = &vcpu->pending;
	u64 bytes = (u64)p->count * p->size;
	int reg = p->is_in ? HV_RDI : HV_RSI;
	u64 ptr = vcpu->gprs[reg];

	p->kind = HV_COMPLETE_NONE;
	if (p->is_in && hv_guest_write(vcpu->vm, p->gpa, vcpu->run->io_data,
				       bytes))
		return -EFAULT;
	ptr = vcpu->rflags & X86_EFLAGS_DF ? ptr - bytes : ptr + bytes;
	hv_gpr_write(vcpu, reg, p->addr_size, ptr);
	if (p->rep) {
		u64 left = (vcpu->gprs[HV_RCX] - p->count) &
			   hv_addr_mask(p->addr_size);

		hv_gpr_write(vcpu, HV_RCX, p->addr_size, left);
		if (left)
			return 0;	/* re-execute for the rest */
	}
	vcpu->rip = p->next_rip;
	return 0;
}

int hv_exit_io(struct hv_vcpu *vcpu, const struct hv_io_exit *io)
{
	struct hv_pending_io *p = &vcpu->pending;
	struct hv_run *run = vcpu->run;

	vcpu->stats[HV_STAT_EXIT_IO]++;
	if (io->string)
		return hv_exit_string_io(vcpu, io);
	if (io->in) {
		memset(run->io_data, 0, sizeof(u64));
		p->kind = HV_COMPLETE_PIO_IN;
	} else {
		memcpy(run->io_data, &vcpu->gprs[HV_RAX], io->size);
		p->kind = HV_COMPLETE_RIP;
	}
	p->size = io->size;
	p->next_rip = io->next_rip;
	return hv_io_exit_report(vcpu, io, 1);
}

int hv_exit_irq_window(struct hv_vcpu *vcpu)
{
	vcpu->stats[HV_STAT_EXIT_IRQ_WINDOW]++;
	return 1;	/* the run loop injects or reports the open window */
}

void hv_nmi_iret(struct hv_vcpu *vcpu)
{
	vcpu->events.nmi_masked = false;
}

int hv_exit_dr(struct hv_vcpu *vcpu)
{
	vcpu->stats[HV_STAT_EXIT_OTHER]++;
	return hv_emulate_mov_dr(vcpu);
}

/**
 * hv_host_machine_check() - run the host's #MC handler for a guest exit
 *
 * A machine check that hit the guest belongs to the host: run its handler
 * now, on this CPU with IRQs still off, with registers that say "user
 * mode" so that a recoverable error in guest memory is not taken for a
 * kernel one (the same approach as KVM's kvm_machine_check()).
 */
void hv_host_machine_check(void)
{
	struct pt_regs regs = { .cs = 3, .flags = X86_EFLAGS_IF };

	if (IS_ENABLED(CONFIG_X86_MCE))
		do_machine_check(&regs);
}
