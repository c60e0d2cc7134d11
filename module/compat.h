/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where hv adapts to kernel interfaces that change between
 * versions. compat-gen.h is produced by compat-probe.sh, which compiles the
 * snippets in module/probes/ against the kernel being built for (HV_HAVE_X
 * when probes/x.c compiles and all it uses is exported to hv); nothing else
 * in hv tests versions. hv's code uses the newest interface; the fallbacks
 * for older kernels, or for exports that newer kernels keep for the KVM
 * modules only, are here and in compat.c, each behind one probe.
 */
#ifndef HV_COMPAT_H
#define HV_COMPAT_H

#include "compat-gen.h"

/*
 * Speculation barriers around guest entry, for the assembler (svm_vmrun.S,
 * vmx_vmenter.S). Where the kernel's use symbols it exports to KVM only
 * (write_ibpb, x86_verw_sel: 6.19+), hv uses its own (compat_asm.S).
 */
#if !defined(HV_HAVE_UNTRAIN_RET) || \
	(!defined(HV_HAVE_WRITE_IBPB) && !defined(HV_HAVE_ENTRY_IBPB))
#define HV_OWN_WRITE_IBPB 1
#endif

/* VERW before entering a guest (MDS, TSA). */
#if defined(HV_HAVE_VM_CLEAR_CPU_BUFFERS)
#define HV_VM_CLEAR_CPU_BUFFERS	VM_CLEAR_CPU_BUFFERS
#elif defined(HV_HAVE_CLEAR_CPU_BUF_VM)
#define HV_OWN_VERW_SEL 1
#define HV_VM_CLEAR_CPU_BUFFERS \
	ALTERNATIVE "", "verw hv_verw_sel(%rip)", X86_FEATURE_CLEAR_CPU_BUF_VM
#else
#define HV_VM_CLEAR_CPU_BUFFERS
#endif

#ifdef __ASSEMBLY__
/* After a guest ran: the return predictor untrained, IBPB if asked for. */
.macro HV_UNTRAIN_RET
#ifdef HV_HAVE_UNTRAIN_RET
	UNTRAIN_RET
#else
	CALL_UNTRAIN_RET
	ALTERNATIVE "", "call hv_write_ibpb", X86_FEATURE_ENTRY_IBPB
#endif
.endm
#endif

#if defined(HV_HAVE_WRITE_IBPB)
#define HV_IBPB_ON_VMEXIT \
	ALTERNATIVE "", "call write_ibpb", X86_FEATURE_IBPB_ON_VMEXIT
#elif defined(HV_HAVE_ENTRY_IBPB)
#define HV_IBPB_ON_VMEXIT \
	ALTERNATIVE "", "call entry_ibpb", X86_FEATURE_IBPB_ON_VMEXIT
#else
#define HV_IBPB_ON_VMEXIT \
	ALTERNATIVE "", "call hv_write_ibpb", X86_FEATURE_IBPB_ON_VMEXIT
#endif

#ifndef __ASSEMBLY__

#include <linux/hrtimer.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <net/genetlink.h>
#include <asm/asm.h>
#include <asm/debugreg.h>
#include <asm/fpu/api.h>
#include <asm/hw_breakpoint.h>
#include <asm/msr.h>
#include <asm/tlbflush.h>

/* 6.15 moved the CPUID accessors (cpuid_count()...) to a header of their own. */
#ifdef HV_HAVE_CPUID_API_H
#include <asm/cpuid/api.h>
#endif

#ifndef HV_HAVE_GUP_UNLOCKED
#error "hv needs get_user_pages_unlocked()"
#endif

/* 6.16 renamed the 64-bit MSR accessors. */
#ifndef HV_HAVE_RDMSRQ
#define rdmsrq(msr, val)		rdmsrl(msr, val)
#define wrmsrq(msr, val)		wrmsrl(msr, val)
#define rdmsrq_safe(msr, p)		rdmsrl_safe(msr, p)
#define wrmsrq_safe(msr, val)		wrmsrl_safe(msr, val)
#endif

/* 6.13 replaced hrtimer_init() and setting .function by hrtimer_setup(). */
/*
 * Generic netlink (genl.c). A family names the first command that gets
 * strict checks (6.1+); before, every command did.
 */
#ifdef HV_HAVE_GENL_RESV_START_OP
#define HV_GENL_RESV_START_OP(op)	.resv_start_op = (op),
#else
#define HV_GENL_RESV_START_OP(op)
#endif

/*
 * The notification group: each listener gets the notifications of the VMs
 * it may see where the kernel filters broadcasts per listener; elsewhere
 * (5.18 to 6.7) only CAP_SYS_ADMIN may join it.
 */
#if defined(HV_HAVE_NETLINK_BROADCAST_FILTERED)
#define HV_GENL_MCGRP_FLAGS	0
#elif defined(GENL_MCAST_CAP_SYS_ADMIN)
#define HV_GENL_MCGRP_FLAGS	GENL_MCAST_CAP_SYS_ADMIN
#else
#error "hv needs netlink_broadcast_filtered() or GENL_MCAST_CAP_SYS_ADMIN"
#endif
void hv_genl_multicast_filtered(const struct genl_family *family,
				struct sk_buff *skb,
				int (*filter)(struct sock *dsk,
					      struct sk_buff *skb, void *data),
				void *data);

#ifndef HV_HAVE_HRTIMER_SETUP
static inline void hrtimer_setup(struct hrtimer *timer,
				 enum hrtimer_restart (*function)(struct hrtimer *),
				 clockid_t clock_id, enum hrtimer_mode mode)
{
	hrtimer_init(timer, clock_id, mode);
	timer->function = function;
}
#endif

/*
 * Condition codes out of inline assembly (asm flag outputs). 7.x dropped
 * these wrappers, as every compiler it supports has flag outputs: these are
 * the kernel's own definitions for such compilers.
 */
#ifndef HV_HAVE_CC_SET
#define CC_SET(c)	"\n\t/* output condition code " #c "*/\n"
#define CC_OUT(c)	"=@cc" #c
#endif

/* Take a reference on the page backing @addr in current->mm. */
static inline int hv_get_user_page(unsigned long addr, bool write,
				   struct page **page)
{
	long n = get_user_pages_unlocked(addr, 1, page,
					 write ? FOLL_WRITE : 0);

	if (n == 1)
		return 0;
	return n < 0 ? n : -EFAULT;
}

/*
 * The guest's FPU state. With KVM's guest FPU API (5.16+, exported to
 * modules other than KVM's until 6.19) it is a struct fpu_guest, swapped in
 * for the whole of HV_VCPU_RUN. Without it, hv keeps an XSAVE area of its
 * own and loads it around each guest entry only (compat.c).
 */
#ifdef HV_HAVE_FPU_GUEST
struct hv_fpu {
	struct fpu_guest guest;
};
#else
struct hv_fpu {
	void *area;		/* XSAVE standard format (FXSAVE without XSAVE) */
	unsigned int size;	/* bytes used in it: hv's XCR0 components */
};
#endif

int hv_fpu_alloc(struct hv_fpu *fpu);
void hv_fpu_free(struct hv_fpu *fpu);
int hv_fpu_from_uabi(struct hv_fpu *fpu, const void *buf, u64 xcr0);
void hv_fpu_to_uabi(struct hv_fpu *fpu, void *buf, unsigned int size);

#ifdef HV_HAVE_FPU_GUEST
static inline unsigned int hv_fpu_uabi_size(struct hv_fpu *fpu)
{
	return fpu->guest.uabi_size;
}

/* HV_VCPU_RUN begins and ends: the guest's registers replace the task's. */
static inline void hv_fpu_run_begin(struct hv_fpu *fpu)
{
	fpu_swap_kvm_fpstate(&fpu->guest, true);
}

static inline void hv_fpu_run_end(struct hv_fpu *fpu)
{
	fpu_swap_kvm_fpstate(&fpu->guest, false);
}

/* Around one guest entry, preemption off and interrupts on: nothing. */
static inline void hv_fpu_enter(struct hv_fpu *fpu) { }
static inline void hv_fpu_exit(struct hv_fpu *fpu) { }

/*
 * Interrupts off, right before the entry: a kernel_fpu_begin() since the
 * swap (in a softirq, say) left the registers to be loaded again.
 */
static inline void hv_fpu_load_irqsoff(void)
{
	if (test_thread_flag(TIF_NEED_FPU_LOAD))
		switch_fpu_return();
}
#else
static inline unsigned int hv_fpu_uabi_size(struct hv_fpu *fpu)
{
	return fpu->size;
}

static inline void hv_fpu_run_begin(struct hv_fpu *fpu) { }
static inline void hv_fpu_run_end(struct hv_fpu *fpu) { }
void hv_fpu_enter(struct hv_fpu *fpu);
void hv_fpu_exit(struct hv_fpu *fpu);
static inline void hv_fpu_load_irqsoff(void) { }
#endif

/* Guest mode is an RCU quiescent state, as for KVM (6.2 dropped the cpu). */
static inline void hv_rcu_guest_enter(int cpu)
{
#ifdef HV_HAVE_RCU_VIRT_NOTE_CPU
	rcu_virt_note_context_switch(cpu);
#else
	rcu_virt_note_context_switch();
#endif
}

/*
 * Host debug registers after a guest ran: entry and exit leave DR7
 * disabled. hw_breakpoint_restore() is for KVM only since 6.19; DR0-3 are
 * never the guest's (hv emulates its debug register accesses), so putting
 * back DR7 (and DR6's fixed value) from the per-CPU copy is all it does.
 */
static inline void hv_host_debugregs_restore(void)
{
	if (!hw_breakpoint_active())
		return;
#ifdef HV_HAVE_HW_BREAKPOINT_RESTORE
	hw_breakpoint_restore();
#else
	set_debugreg(DR6_RESERVED, 6);
	set_debugreg(__this_cpu_read(cpu_dr7), 7);
#endif
}

/*
 * Write CR4 behind the kernel's back: its shadow (cpu_tlbstate.cr4) keeps
 * the old value, so the caller must put CR4 back before interrupts are
 * enabled again. native_write_cr4() is not exported to hv on 6.19+.
 */
static __always_inline void hv_write_cr4_irqsoff(unsigned long cr4)
{
	asm volatile("mov %0, %%cr4" : : "r" (cr4) : "memory");
}

/*
 * Flush this CPU's TLB, global entries included (SVM erratum 383).
 * __flush_tlb_all() is for KVM only since 6.19: toggling CR4.PGE does the
 * same (SDM vol. 3, 4.10.4.1) and leaves CR4 as it was.
 */
static inline void hv_flush_tlb_all_local(void)
{
#ifdef HV_HAVE_FLUSH_TLB_ALL_LOCAL
	__flush_tlb_all();
#else
	unsigned long flags, cr4;

	local_irq_save(flags);
	cr4 = __read_cr4();
	if (cr4 & X86_CR4_PGE) {
		hv_write_cr4_irqsoff(cr4 ^ X86_CR4_PGE);
		hv_write_cr4_irqsoff(cr4);
	} else {
		native_write_cr3(__native_read_cr3());
	}
	local_irq_restore(flags);
#endif
}

/*
 * An NMI that ended a VMX guest belongs to the host (vmx.c). The kernel's
 * NMI entry hands it over: 6.3 gave KVM one of its own, older kernels
 * export the no-IST entry, and 6.19+ keep both for the KVM modules.
 */
#if defined(HV_HAVE_NMI_KVM_VMX)
#define HV_HAVE_NMI_ENTRY	1
#define hv_host_nmi_entry	asm_exc_nmi_kvm_vmx
#elif defined(HV_HAVE_NMI_NOIST)
#define HV_HAVE_NMI_ENTRY	1
#define hv_host_nmi_entry	asm_exc_nmi_noist
#else
#define hv_host_nmi_entry	NULL
#endif

/*
 * Without the entry, hv sends the NMI to this CPU again through its local
 * APIC (compat.c).
 */
#if defined(HV_HAVE_APIC_SEND_IPI_MASK) || defined(HV_HAVE_APIC_SEND_IPI_HOOK)
#define HV_HAVE_APIC_SELF_NMI	1
#endif
void hv_apic_self_nmi(void);

/*
 * What hv's VT-x backend needs from the kernel and cannot do itself: one
 * of the two ways above to hand the host its NMIs. VT-x is refused at
 * load, with this reason, without both. (The CR4 shadow, also KVM's alone
 * since 6.19, hv can do without: VMX operation is then local to
 * interrupts-off windows, vmx_local in vmx.c.)
 */
#if !defined(HV_HAVE_NMI_ENTRY) && !defined(HV_HAVE_APIC_SELF_NMI)
#define HV_VMX_UNSUPPORTED "this kernel exports neither an NMI entry nor the local APIC's IPIs to hv"
#endif

/*
 * The same, as 0 or 1, for the choice made at load (vmx_pick_mode()):
 * whether the kernel exports an NMI entry, and the local APIC's IPIs, to hv.
 */
#ifdef HV_HAVE_NMI_ENTRY
#define HV_HAS_NMI_ENTRY	1
#else
#define HV_HAS_NMI_ENTRY	0
#endif
#ifdef HV_HAVE_APIC_SELF_NMI
#define HV_HAS_APIC_SELF_NMI	1
#else
#define HV_HAS_APIC_SELF_NMI	0
#endif

/*
 * FRED (6.9+, CONFIG_X86_FRED and the CPU) replaces IDT event delivery and
 * IRET. KVM hands NMIs to the host with fred_entry_from_kvm() there, which
 * is not exported; whether IRET to self still ends NMI blocking under FRED
 * hv has not been able to check.
 */
static inline bool hv_fred_enabled(void)
{
#ifdef X86_FEATURE_FRED
	return cpu_feature_enabled(X86_FEATURE_FRED);
#else
	return false;
#endif
}

/*
 * The kernel's CR4 shadow, where it is exported to hv (up to 6.18). Without
 * it the VT-x backend runs in local mode only, which never calls these.
 * HV_HAS_CR4_SHADOW: the same, as 0 or 1, for the choice at load.
 */
#ifndef HV_HAVE_CR4_SHADOW
#define HV_HAS_CR4_SHADOW	0
static inline unsigned long hv_cr4_read_shadow(void)
{
	WARN_ON_ONCE(1);
	return __read_cr4();
}

static inline void hv_cr4_set_bits(unsigned long mask) { WARN_ON_ONCE(1); }
static inline void hv_cr4_clear_bits(unsigned long mask) { WARN_ON_ONCE(1); }
#else
#define HV_HAS_CR4_SHADOW	1
#define hv_cr4_read_shadow()	cr4_read_shadow()
#define hv_cr4_set_bits(mask)	cr4_set_bits(mask)
#define hv_cr4_clear_bits(mask)	cr4_clear_bits(mask)
#endif

/*
 * L1TF: the administrator's choice (l1tf=, kvm-intel.vmentry_l1d_flush=),
 * exported to KVM only since 6.19. Without it, flush whenever the CPU is
 * affected: the safe default.
 */
#ifdef HV_HAVE_L1TF_MITIGATION
#define hv_l1tf_flush_wanted()	(l1tf_mitigation != L1TF_MITIGATION_OFF && \
				 l1tf_vmx_mitigation != VMENTER_L1D_FLUSH_NEVER)
#define hv_l1tf_flush_always()	(l1tf_vmx_mitigation == VMENTER_L1D_FLUSH_ALWAYS)
#else
#define hv_l1tf_flush_wanted()	true
#define hv_l1tf_flush_always()	false
#endif

/*
 * Whether an interrupt or NMI ran on this CPU since the last clear: the
 * entry code notes it for KVM's conditional L1D flush. Without the note,
 * assume one did (the flush then happens before every entry).
 */
#ifdef HV_HAVE_L1TF_IRQ_FLAG
#define hv_l1tf_irq_seen()	kvm_get_cpu_l1tf_flush_l1d()
#define hv_l1tf_irq_clear()	kvm_clear_cpu_l1tf_flush_l1d()
#else
#define hv_l1tf_irq_seen()	true
#define hv_l1tf_irq_clear()	do { } while (0)
#endif

/* An indirect branch prediction barrier between two guests' runs. */
static inline void hv_ibpb(void)
{
#ifdef HV_HAVE_IBPB_BARRIER
	indirect_branch_prediction_barrier();
#else
	/* write_ibpb() is for KVM only (6.19+): the same MSR write */
	if (boot_cpu_has(X86_FEATURE_IBPB))
		wrmsrq(MSR_IA32_PRED_CMD, PRED_CMD_IBPB);
#endif
}

#endif /* !__ASSEMBLY__ */
#endif /* HV_COMPAT_H */
