// SPDX-License-Identifier: GPL-2.0
/*
 * hv: HV_VCPU_RUN - the run loop, guest entry, event injection and the
 * completion of instructions that userspace finished.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/math64.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/smp.h>
#include <linux/timekeeping.h>
#include <asm/debugreg.h>
#include <asm/fpu/xcr.h>
#include <asm/msr.h>
#include <asm/traps.h>
/* smp_send_reschedule() traces through it on newer kernels */
#include <trace/events/ipi.h>

#include "hv.h"

/* The vCPU whose state is loaded on each CPU (see hv_arch_ops.vcpu_load). */
static DEFINE_PER_CPU(struct hv_vcpu *, hv_loaded_vcpu);

bool hv_xcr0_valid(u64 xcr0)
{
	if (!(xcr0 & XFEATURE_MASK_FP) || xcr0 & ~hv_guest_xcr0_mask)
		return false;
	/* AVX needs SSE state; AVX-512 needs AVX and all three of its parts. */
	if ((xcr0 & XFEATURE_MASK_YMM) && !(xcr0 & XFEATURE_MASK_SSE))
		return false;
	if (xcr0 & XFEATURE_MASK_AVX512)
		return (xcr0 & XFEATURE_MASK_YMM) &&
		       (xcr0 & XFEATURE_MASK_AVX512) == XFEATURE_MASK_AVX512;
	return true;
}

/**
 * hv_vcpu_kick() - make the vCPU leave HV_VCPU_RUN with HV_EXIT_INTERRUPTED
 * @vcpu: any vCPU; may be called from any thread.
 *
 * The request stays set until a RUN consumes it, so a kick that arrives
 * before RUN starts is not lost.
 */
void hv_vcpu_kick(struct hv_vcpu *vcpu)
{
	set_bit(HV_REQ_KICK, &vcpu->requests);
	hv_vcpu_wake(vcpu);
}

/**
 * hv_vcpu_wake() - make the vCPU look at its interrupts and requests
 * @vcpu: any vCPU; any context but NMI (the APIC timer calls it from its
 *	hrtimer, in hard interrupt context).
 *
 * The caller already set what the vCPU must see (an IRR bit, a request).
 * A vCPU in the guest gets an IPI, which exits it; one waiting in HLT or
 * for a SIPI is woken.
 */
void hv_vcpu_wake(struct hv_vcpu *vcpu)
{
	int cpu;

	/* Request before mode: pairs with the smp_mb() in hv_enter_guest(). */
	smp_mb();
	cpu = READ_ONCE(vcpu->cpu);
	/*
	 * Any interrupt makes the guest exit; a reschedule IPI is the one
	 * that may be sent from hard interrupt context (as KVM does).
	 */
	if (READ_ONCE(vcpu->mode) == HV_IN_GUEST && cpu >= 0 &&
	    cpu != raw_smp_processor_id())
		smp_send_reschedule(cpu);
	wake_up_interruptible(&vcpu->wq);
}

static int hv_exit_to_user(struct hv_vcpu *vcpu, u32 reason)
{
	vcpu->run->exit_reason = reason;
	return 0;
}

/* Apply what userspace supplied for the instruction that exited last. */
static int hv_complete_pending(struct hv_vcpu *vcpu)
{
	struct hv_pending_io *p = &vcpu->pending;
	struct hv_run *run = vcpu->run;
	u64 val;

	switch (p->kind) {
	case HV_COMPLETE_NONE:
		return 0;
	case HV_COMPLETE_PIO_IN:
		memcpy(&val, run->io_data, sizeof(val));
		hv_gpr_write(vcpu, HV_RAX, p->size, val);
		break;
	case HV_COMPLETE_STRING_IO:
		return hv_complete_string_io(vcpu);
	case HV_COMPLETE_MMIO_READ:
		hv_complete_mmio_read(vcpu, run->mmio.data);
		break;
	case HV_COMPLETE_HYPERCALL:
		vcpu->gprs[HV_RAX] = run->hypercall.ret;
		break;
	}
	vcpu->rip = p->next_rip;
	p->kind = HV_COMPLETE_NONE;
	return 0;
}

/*
 * The run page is shared with userspace, which may change it at any time:
 * copy before checking, so what was checked is what gets loaded.
 */
static int hv_load_dirty_regs(struct hv_vcpu *vcpu)
{
	struct hv_run *run = vcpu->run;
	u32 dirty = READ_ONCE(run->dirty_regs);
	struct hv_sregs sregs;
	struct hv_regs regs;
	int ret;

	if (dirty & ~HV_SYNC_ALL)
		return -EINVAL;
	if (dirty & HV_SYNC_REGS) {
		memcpy(&regs, &run->regs, sizeof(regs));
		ret = hv_set_regs(vcpu, &regs);
		if (ret)
			return ret;
	}
	if (dirty & HV_SYNC_SREGS) {
		memcpy(&sregs, &run->sregs, sizeof(sregs));
		ret = hv_set_sregs(vcpu, &sregs);
		if (ret)
			return ret;
	}
	run->dirty_regs = 0;
	return 0;
}

/*
 * What the run page reports at every return. The backend's registers are
 * read only when userspace asked for them, or for CR8 without a local
 * APIC. Should the backend fail to reach them (-EBUSY, struct
 * hv_arch_ops), the exit still stands and those fields keep their last
 * values: failing the ioctl instead would lose the exit, and with it the
 * completion userspace owes.
 */
static void hv_sync_run_page(struct hv_vcpu *vcpu)
{
	struct hv_run *run = vcpu->run;
	u32 sync = READ_ONCE(run->sync_regs);
	struct hv_sregs sregs;

	if (sync & HV_SYNC_REGS)
		hv_get_regs(vcpu, &run->regs);
	if (vcpu->lapic)
		run->cr8 = hv_lapic_get_cr8(vcpu);
	if (((sync & HV_SYNC_SREGS) || !vcpu->lapic) &&
	    !hv_get_sregs(vcpu, &sregs)) {
		if (sync & HV_SYNC_SREGS)
			run->sregs = sregs;
		run->cr8 = sregs.cr8;
	}
	run->if_flag = !!(vcpu->rflags & X86_EFLAGS_IF);
	run->ready_for_interrupt = !vcpu->events.irq_pending &&
				   hv_ops->interrupt_allowed(vcpu);
}

/*
 * Queue at most one event for this entry: an exception first, then an NMI,
 * then an external interrupt (SDM vol. 3, 6.9 priorities), and ask for an
 * exit when what is left could be delivered. Called with IRQs off.
 */
static void hv_inject_events(struct hv_vcpu *vcpu)
{
	struct hv_events *ev = &vcpu->events;
	bool want_window = vcpu->run->request_interrupt_window;
	int apic = hv_lapic_pending_vector(vcpu);

	if (!hv_ops->event_in_flight(vcpu)) {
		if (ev->exc_pending) {
			hv_ops->inject(vcpu, HV_INJECT_EXCEPTION, ev->exc_vector,
				       ev->exc_has_error, ev->exc_error);
			ev->exc_pending = false;
		} else if (ev->nmi_pending && !ev->nmi_masked &&
			   hv_ops->nmi_allowed(vcpu)) {
			hv_ops->inject(vcpu, HV_INJECT_NMI, X86_TRAP_NMI, false,
				       0);
			ev->nmi_pending = false;
			ev->nmi_masked = true;
		} else if (ev->irq_pending && hv_ops->interrupt_allowed(vcpu)) {
			hv_ops->inject(vcpu, HV_INJECT_IRQ, ev->irq_vector,
				       false, 0);
			ev->irq_pending = false;
		} else if (apic >= 0 && hv_ops->interrupt_allowed(vcpu)) {
			hv_ops->inject(vcpu, HV_INJECT_IRQ, apic, false, 0);
			hv_lapic_ack(vcpu, apic);
			apic = hv_lapic_pending_vector(vcpu);
		}
	}
	if (ev->nmi_pending)
		hv_ops->request_window(vcpu, true);
	if (ev->irq_pending || apic >= 0 || want_window)
		hv_ops->request_window(vcpu, false);
}

/**
 * hv_guest_xstate_load() - load the guest's XCR0 and TSC_AUX
 * @vcpu: the vCPU about to enter.
 *
 * Host state the hardware does not switch. The backend calls this where
 * no NMI or machine check can run host code in between (SVM: after CLGI),
 * since their handlers must see the host's XCR0 and TSC_AUX. The guest's
 * FPU registers are already loaded (hv_fpu_enter, hv_fpu_load_irqsoff).
 */
void hv_guest_xstate_load(struct hv_vcpu *vcpu)
{
	if (vcpu->osxsave && vcpu->xcr0 != hv_host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, vcpu->xcr0);
	if (vcpu->tsc_aux != this_cpu_read(hv_host_tsc_aux))
		wrmsrq(MSR_TSC_AUX, vcpu->tsc_aux);
}

/*
 * XCR0 is read back rather than assumed: where the XSETBV intercept is
 * missing (QEMU's SVM does not implement it) the guest wrote the register
 * itself. Its value is kept if valid, and the host's is always restored.
 */
static void hv_restore_xcr0(struct hv_vcpu *vcpu)
{
	u64 xcr0;

	/* Without CR4.OSXSAVE the guest cannot have written XCR0 (#UD). */
	if (!vcpu->osxsave)
		return;
	xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
	if (xcr0 != vcpu->xcr0 && hv_xcr0_valid(xcr0))
		vcpu->xcr0 = xcr0;
	if (xcr0 != hv_host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, hv_host_xcr0);
}

/**
 * hv_guest_xstate_put() - put the host's XCR0 and TSC_AUX back
 * @vcpu: the vCPU that just exited; called where hv_guest_xstate_load() was.
 */
void hv_guest_xstate_put(struct hv_vcpu *vcpu)
{
	if (vcpu->tsc_aux != this_cpu_read(hv_host_tsc_aux))
		wrmsrq(MSR_TSC_AUX, this_cpu_read(hv_host_tsc_aux));
	hv_restore_xcr0(vcpu);
}

/**
 * hv_vcpu_load() - make the vCPU's hardware state usable on this CPU
 * @vcpu: the vCPU; its mutex is held.
 *
 * Called with preemption off and IRQs on, before every entry and by a
 * backend before it touches state that lives in the CPU (a VMCS must be
 * current on the CPU that reads it). Cheap when nothing changed.
 */
void hv_vcpu_load(struct hv_vcpu *vcpu)
{
	int cpu = smp_processor_id();

	lockdep_assert_preemption_disabled();
	if (vcpu->cpu == cpu && this_cpu_read(hv_loaded_vcpu) == vcpu)
		return;
	hv_ops->vcpu_load(vcpu, cpu);
	WRITE_ONCE(vcpu->cpu, cpu);
	this_cpu_write(hv_loaded_vcpu, vcpu);
}

/**
 * hv_vcpu_unload_cpu() - forget which vCPU is loaded on this CPU
 *
 * Called after hv_arch_ops.cpu_disable, which drops every vCPU's state from
 * this CPU: the next hv_vcpu_load() here calls hv_arch_ops.vcpu_load again.
 */
void hv_vcpu_unload_cpu(void)
{
	this_cpu_write(hv_loaded_vcpu, NULL);
}

/*
 * Enter the guest once. Returns false if a kick, signal or reschedule
 * arrived after the checks in the loop: those must end or delay the entry,
 * never wait for the next exit.
 */
static bool hv_enter_guest(struct hv_vcpu *vcpu)
{
	u64 t0;
	int cpu;

	preempt_disable();
	hv_vcpu_load(vcpu);
	hv_fpu_enter(&vcpu->fpu);
	cpu = smp_processor_id();
	local_irq_disable();

	WRITE_ONCE(vcpu->mode, HV_IN_GUEST);
	/* Pairs with the barrier in hv_vcpu_kick() / hv_flush_remote_tlbs(). */
	smp_mb();
	if (test_bit(HV_REQ_KICK, &vcpu->requests) || need_resched() ||
	    signal_pending(current)) {
		WRITE_ONCE(vcpu->mode, HV_OUTSIDE_GUEST);
		local_irq_enable();
		hv_fpu_exit(&vcpu->fpu);
		preempt_enable();
		return false;
	}
	if (test_and_clear_bit(HV_REQ_TLB_FLUSH, &vcpu->requests))
		hv_ops->flush_tlb(vcpu);
	hv_inject_events(vcpu);
	hv_fpu_load_irqsoff();
	/* Guest mode is a quiescent state for RCU (tasks RCU included). */
	hv_rcu_guest_enter(cpu);

	t0 = rdtsc();
	hv_ops->run(vcpu);
	vcpu->guest_tsc += rdtsc() - t0;
	vcpu->exit_rip = vcpu->rip;

	/*
	 * Debug registers stay the host's (guest accesses are emulated), but
	 * guest entry and exit leave DR7 disabled: re-arm host breakpoints.
	 */
	hv_host_debugregs_restore();

	WRITE_ONCE(vcpu->mode, HV_OUTSIDE_GUEST);
	vcpu->stats[HV_STAT_EXITS]++;
	/* The host interrupt that ended the guest, if any, is taken here. */
	local_irq_enable();
	hv_fpu_exit(&vcpu->fpu);
	preempt_enable();
	return true;
}

static bool hv_irq_window_open(struct hv_vcpu *vcpu)
{
	return vcpu->run->request_interrupt_window &&
	       !vcpu->events.irq_pending && !hv_ops->event_in_flight(vcpu) &&
	       hv_ops->interrupt_allowed(vcpu);
}

/* Can a halted vCPU go on: an NMI, or an interrupt it can take? */
static bool hv_vcpu_halt_over(struct hv_vcpu *vcpu)
{
	if (vcpu->mp_state == HV_MP_WAIT_SIPI)
		return false;
	return vcpu->events.nmi_pending ||
	       ((vcpu->rflags & X86_EFLAGS_IF) &&
		hv_lapic_pending_vector(vcpu) >= 0);
}

static bool hv_vcpu_woken(struct hv_vcpu *vcpu)
{
	return test_bit(HV_REQ_KICK, &vcpu->requests) ||
	       hv_lapic_has_events(vcpu) || hv_vcpu_halt_over(vcpu);
}

/*
 * With a local APIC, a vCPU in HLT or waiting for a SIPI sleeps here, not
 * in the guest (SDM vol. 3, 9.4 and HLT). Returns 1 when it may enter the
 * guest, 0 to look again (woken), -EINTR for a signal.
 */
static int hv_vcpu_wait(struct hv_vcpu *vcpu)
{
	int ret = hv_lapic_process_events(vcpu);
	u64 t0;

	if (ret)
		return ret;
	if (vcpu->mp_state == HV_MP_HALTED && hv_vcpu_halt_over(vcpu))
		vcpu->mp_state = HV_MP_RUNNABLE;
	if (vcpu->mp_state == HV_MP_RUNNABLE)
		return 1;
	vcpu->stats[HV_STAT_HALT_WAIT]++;
	/* Readers add the wait so far (hv_vcpu_get_stats()). */
	t0 = ktime_get_ns();
	WRITE_ONCE(vcpu->halt_since, t0);
	ret = wait_event_interruptible(vcpu->wq, hv_vcpu_woken(vcpu));
	vcpu->stats[HV_STAT_HALT_NS] += ktime_get_ns() - t0;
	smp_wmb();	/* the sum before the end of the wait */
	WRITE_ONCE(vcpu->halt_since, 0);
	return ret ? -EINTR : 0;
}

/* An administrator stopped the VM (genl.c): no RUN succeeds any more. */
static int hv_vcpu_stopped(struct hv_vcpu *vcpu)
{
	hv_exit_to_user(vcpu, HV_EXIT_STOPPED);
	return -EPERM;
}

/* The loop: 1 from a handler means "again", anything else returns. */
static int hv_run_loop(struct hv_vcpu *vcpu)
{
	int ret;

	for (;;) {
		/* HV_CMD_STOP_VM kicks after it set this. */
		if (READ_ONCE(vcpu->vm->stopped))
			return hv_vcpu_stopped(vcpu);
		if (READ_ONCE(vcpu->run->immediate_exit) ||
		    test_and_clear_bit(HV_REQ_KICK, &vcpu->requests) ||
		    signal_pending(current)) {
			hv_exit_to_user(vcpu, HV_EXIT_INTERRUPTED);
			return -EINTR;
		}
		if (hv_irq_window_open(vcpu))
			return hv_exit_to_user(vcpu, HV_EXIT_IRQ_WINDOW_OPEN);
		if (vcpu->lapic) {
			ret = hv_vcpu_wait(vcpu);
			if (ret < 0 && ret != -EINTR)
				return ret;
			if (ret <= 0)
				continue;
		}
		cond_resched();

		if (!hv_enter_guest(vcpu))
			continue;
		ret = hv_ops->handle_exit(vcpu);
		if (ret <= 0)
			return ret;
	}
}

/*
 * A backend may leave guest values in host registers that the kernel uses
 * only in user mode or across a context switch (VMX: the syscall MSRs, the
 * user's GS base): it puts them back once, when the vCPU thread is switched
 * out or HV_VCPU_RUN returns, rather than after every exit. The next entry
 * loads them again, on whichever CPU.
 */
static void hv_sched_in(struct preempt_notifier *pn, int cpu)
{
}

static void hv_sched_out(struct preempt_notifier *pn,
			 struct task_struct *next)
{
	hv_ops->vcpu_put(container_of(pn, struct hv_vcpu, preempt_notifier));
}

static struct preempt_ops hv_preempt_ops = {
	.sched_in	= hv_sched_in,
	.sched_out	= hv_sched_out,
};

static void hv_vcpu_run_begin(struct hv_vcpu *vcpu)
{
	if (!hv_ops->vcpu_put)
		return;
	preempt_notifier_init(&vcpu->preempt_notifier, &hv_preempt_ops);
	preempt_disable();
	preempt_notifier_register(&vcpu->preempt_notifier);
	preempt_enable();
}

static void hv_vcpu_run_end(struct hv_vcpu *vcpu)
{
	if (!hv_ops->vcpu_put)
		return;
	preempt_disable();
	hv_ops->vcpu_put(vcpu);
	preempt_notifier_unregister(&vcpu->preempt_notifier);
	preempt_enable();
}

/**
 * hv_vcpu_run() - HV_VCPU_RUN
 * @vcpu: the vCPU; caller holds vcpu->mutex and is in the VM's mm.
 *
 * Return: 0 with an exit in the run page, -EINTR with HV_EXIT_INTERRUPTED,
 * a negative errno when the run page asked for something invalid, or
 * -EBUSY when the backend could not reach the vCPU's state (struct
 * hv_arch_ops); the guest then stays where it was.
 */
long hv_vcpu_run(struct hv_vcpu *vcpu)
{
	long ret;

	/* Before the completion: the guest's state stays as it was stopped. */
	if (READ_ONCE(vcpu->vm->stopped))
		return hv_vcpu_stopped(vcpu);
	ret = hv_complete_pending(vcpu);
	if (!ret)
		ret = hv_load_dirty_regs(vcpu);
	if (ret)
		return ret;
	vcpu->run->exit_reason = HV_EXIT_NONE;
	vcpu->host_ran = true;

	hv_fpu_run_begin(&vcpu->fpu);
	hv_vcpu_run_begin(vcpu);
	ret = hv_run_loop(vcpu);
	hv_vcpu_run_end(vcpu);
	hv_fpu_run_end(&vcpu->fpu);

	hv_sync_run_page(vcpu);
	vcpu->stats[HV_STAT_USER_EXITS]++;
	hv_notify_vcpu_exit(vcpu);
	return ret;
}

/**
 * hv_vcpu_get_stats() - read a vCPU's counters
 * @vcpu: the vCPU, maybe running in another thread.
 * @count: HV_STAT_NR counters out.
 *
 * Each counter is a u64 only the vCPU's thread writes, so each read is
 * whole; together they are a snapshot only of a vCPU outside RUN. Time
 * halted includes a wait in progress.
 */
void hv_vcpu_get_stats(const struct hv_vcpu *vcpu, u64 *count)
{
	unsigned int i;

	u64 since;

	for (i = 0; i < HV_STAT_NR; i++)
		count[i] = READ_ONCE(vcpu->stats[i]);
	count[HV_STAT_GUEST_NS] = mul_u64_u32_div(READ_ONCE(vcpu->guest_tsc),
						  USEC_PER_SEC, hv_tsc_khz);
	/*
	 * A vCPU waiting in HLT now has halted since then: the sum and the
	 * start of the wait must be of one wait (pairs with hv_vcpu_wait()).
	 */
	do {
		since = READ_ONCE(vcpu->halt_since);
		smp_rmb();	/* the start before the sum */
		count[HV_STAT_HALT_NS] = READ_ONCE(vcpu->stats[HV_STAT_HALT_NS]);
		smp_rmb();	/* the sum before the start again */
	} while (since != READ_ONCE(vcpu->halt_since));
	if (since)
		count[HV_STAT_HALT_NS] += ktime_get_ns() - since;
}
