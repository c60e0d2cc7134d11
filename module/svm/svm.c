// SPDX-License-Identifier: GPL-2.0
/*
 * hv: the AMD-V (SVM) backend, with nested paging and ASIDs.
 *
 * References are to the AMD64 Architecture Programmer's Manual, vol. 2,
 * chapter 15 ("Secure Virtual Machine") unless they say otherwise.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <asm/cpufeature.h>
#include <asm/debugreg.h>
#include <asm/mce.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/tlbflush.h>
#include <asm/processor.h>
#include <asm/traps.h>

#include "hv.h"
#include "vmcb.h"

#define SVM_CPUID_FEATURES	0x8000000a
#define SVM_FEAT_NPT		BIT(0)
#define SVM_FEAT_NRIPS		BIT(3)
#define SVM_FEAT_FLUSHBYASID	BIT(6)
#define SVM_FEAT_DECODEASSISTS	BIT(7)

#define MSR_VM_CR_SVMDIS	BIT(4)
#define SVM_PAT_DEFAULT		0x0007040600070406ULL

#define SVM_IOPM_ORDER		2	/* 12 KiB used (15.10.1) */
#define SVM_MSRPM_ORDER		1	/* 8 KiB (15.11) */

/* Per host CPU state. */
struct svm_cpu {
	struct page *hsave;		/* VM_HSAVE_PA: the CPU's own */
	struct page *host_save;		/* VMSAVE area for host state */
	u64 hsave_pa;
	u64 host_save_pa;
	u64 asid_generation;
	u32 next_asid;
};

static DEFINE_PER_CPU(struct svm_cpu, svm_cpu);

static struct {
	u32 max_asid;
	bool nrips;
	bool flushbyasid;
	struct page *iopm;
	struct page *msrpm;
} svm;

struct svm_vcpu {
	struct svm_vmcb *vmcb;
	u64 vmcb_pa;
	u64 asid_generation;
	u32 last_event_inj;	/* what the last entry injected */
	bool mce_kill;		/* the guest raised #MC on purpose */
	bool iret_seen;		/* the NMI handler's IRET was intercepted */
	u64 iret_rip;		/* ... at this RIP, not executed yet */
	bool shadow_lost;	/* svm_note_shadow() */
	u64 shadow_rip;		/* the guest was last seen in a shadow here */
};

static struct svm_vcpu *to_svm(struct hv_vcpu *vcpu)
{
	return hv_vcpu_arch(vcpu);
}

static struct svm_vmcb *to_vmcb(struct hv_vcpu *vcpu)
{
	return to_svm(vcpu)->vmcb;
}

void hv_svm_vmrun(u64 vmcb_pa, u64 host_save_pa, u64 *gprs);

/* GIF: while clear, no interrupt, NMI or SMI is taken (15.17). */
static __always_inline void svm_clgi(void)
{
	asm volatile("clgi" ::: "memory");
}

static __always_inline void svm_stgi(void)
{
	asm volatile("stgi" ::: "memory");
}

/*
 * NPT entries: x86-64 format, always user (nested walks are user accesses),
 * as deep as the host's own paging (15.25.3): set by svm_probe().
 */
static struct hv_pt_format svm_pt_format = {
	.present	= _PAGE_PRESENT,
	.table		= _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED,
	.leaf		= _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED |
			  _PAGE_DIRTY,
	.writable	= _PAGE_RW,
	.levels		= 4,
};

/* ---- bring-up ---- */

static int svm_probe(void)
{
	u32 edx;
	u64 vm_cr;

	if (!boot_cpu_has(X86_FEATURE_SVM))
		return -ENODEV;
	rdmsrq(MSR_VM_CR, vm_cr);
	if (vm_cr & MSR_VM_CR_SVMDIS) {
		pr_err("SVM is disabled by the firmware (VM_CR.SVMDIS): enable it in the BIOS setup\n");
		return -EOPNOTSUPP;
	}
	edx = cpuid_edx(SVM_CPUID_FEATURES);
	if (!(edx & SVM_FEAT_NPT)) {
		pr_err("this CPU's SVM has no nested paging, which hv requires\n");
		return -EOPNOTSUPP;
	}
	svm_pt_format.levels = pgtable_l5_enabled() ? 5 : 4;
	svm.nrips = edx & SVM_FEAT_NRIPS;
	svm.flushbyasid = edx & SVM_FEAT_FLUSHBYASID;
	svm.max_asid = cpuid_ebx(SVM_CPUID_FEATURES) - 1;
	if (svm.max_asid < 1) {
		pr_err("SVM reports no usable ASIDs\n");
		return -EOPNOTSUPP;
	}
	pr_info("SVM with nested paging, %u ASIDs%s%s%s\n", svm.max_asid,
		svm.nrips ? ", next-RIP save" : "",
		svm.flushbyasid ? ", flush by ASID" : "",
		edx & SVM_FEAT_DECODEASSISTS ? ", decode assists" : "");
	return 0;
}

/* Pass an MSR through: its state is switched by VMLOAD/VMSAVE (15.11). */
static void svm_msrpm_allow(u8 *msrpm, u32 msr)
{
	u32 base, bit;

	if (msr < 0x2000)
		base = 0;
	else if (msr - 0xc0000000 < 0x2000)
		base = 0x800 * 8;
	else
		base = 0x1000 * 8;
	bit = base + (msr & 0x1fff) * 2;
	msrpm[bit / 8] &= ~(3 << (bit % 8));
}

static void svm_free_cpus(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct svm_cpu *sd = per_cpu_ptr(&svm_cpu, cpu);

		if (sd->hsave)
			__free_page(sd->hsave);
		if (sd->host_save)
			__free_page(sd->host_save);
		sd->hsave = NULL;
		sd->host_save = NULL;
	}
}

static int svm_hardware_setup(void)
{
	static const u32 passthrough[] = {
		MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_STAR,
		MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK, MSR_IA32_SYSENTER_CS,
		MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	};
	int cpu, i;

	for_each_possible_cpu(cpu) {
		struct svm_cpu *sd = per_cpu_ptr(&svm_cpu, cpu);
		int node = cpu_to_node(cpu);

		sd->hsave = alloc_pages_node(node, GFP_KERNEL | __GFP_ZERO, 0);
		sd->host_save = alloc_pages_node(node, GFP_KERNEL | __GFP_ZERO, 0);
		if (!sd->hsave || !sd->host_save)
			goto err;
		sd->hsave_pa = page_to_phys(sd->hsave);
		sd->host_save_pa = page_to_phys(sd->host_save);
		sd->asid_generation = 1;
	}
	/* Intercept every port and every MSR but the few switched by VMLOAD. */
	svm.iopm = alloc_pages(GFP_KERNEL, SVM_IOPM_ORDER);
	svm.msrpm = alloc_pages(GFP_KERNEL, SVM_MSRPM_ORDER);
	if (!svm.iopm || !svm.msrpm)
		goto err;
	memset(page_address(svm.iopm), 0xff, PAGE_SIZE << SVM_IOPM_ORDER);
	memset(page_address(svm.msrpm), 0xff, PAGE_SIZE << SVM_MSRPM_ORDER);
	for (i = 0; i < ARRAY_SIZE(passthrough); i++)
		svm_msrpm_allow(page_address(svm.msrpm), passthrough[i]);
	return 0;

err:
	if (svm.iopm)
		__free_pages(svm.iopm, SVM_IOPM_ORDER);
	if (svm.msrpm)
		__free_pages(svm.msrpm, SVM_MSRPM_ORDER);
	svm_free_cpus();
	return -ENOMEM;
}

static void svm_hardware_unsetup(void)
{
	__free_pages(svm.iopm, SVM_IOPM_ORDER);
	__free_pages(svm.msrpm, SVM_MSRPM_ORDER);
	svm_free_cpus();
}

/* EFER.SVME already set means another hypervisor owns SVM on this CPU. */
static int svm_cpu_enable(void)
{
	struct svm_cpu *sd = this_cpu_ptr(&svm_cpu);
	u64 efer;

	rdmsrq(MSR_EFER, efer);
	if (efer & EFER_SVME)
		return -EBUSY;
	wrmsrq(MSR_EFER, efer | EFER_SVME);
	wrmsrq(MSR_VM_HSAVE_PA, sd->hsave_pa);
	/* ASIDs handed out before are stale: start a new generation. */
	sd->asid_generation++;
	sd->next_asid = svm.max_asid + 1;
	return 0;
}

static void svm_cpu_disable(void)
{
	u64 efer;

	wrmsrq(MSR_VM_HSAVE_PA, 0);
	rdmsrq(MSR_EFER, efer);
	wrmsrq(MSR_EFER, efer & ~EFER_SVME);
}

/* ---- VMCB set-up ---- */

static void svm_set_intercepts(struct svm_vmcb_ctrl *c)
{
	/* CR4 writes: the guest gets only the CR4 features hv offers. */
	c->intercepts[SVM_ICPT_CR] = SVM_ICPT_CR_WRITE(4);
	/* DR0-DR7 reads and writes: the core emulates them. */
	c->intercepts[SVM_ICPT_DR] = 0x00ff00ff;
	/*
	 * #DB and #AC: a guest can make their delivery loop forever inside
	 * the CPU (CVE-2015-8104, CVE-2015-5307); intercepted, each one is
	 * an exit the host can interrupt. #MC goes to the host's handler.
	 */
	c->intercepts[SVM_ICPT_EXC] = BIT(X86_TRAP_DB) | BIT(X86_TRAP_AC) |
				      BIT(X86_TRAP_MC);
	c->intercepts[SVM_ICPT_MISC1] = SVM_ICPT_INTR | SVM_ICPT_NMI |
		SVM_ICPT_SMI | SVM_ICPT_RDPMC | SVM_ICPT_CPUID | SVM_ICPT_RSM |
		SVM_ICPT_INVD |
		SVM_ICPT_HLT | SVM_ICPT_INVLPGA | SVM_ICPT_IOIO |
		SVM_ICPT_MSR | SVM_ICPT_TASK_SWITCH | SVM_ICPT_FERR_FREEZE |
		SVM_ICPT_SHUTDOWN;
	/* VMRUN must be intercepted (15.5.1); the rest are hidden features. */
	c->intercepts[SVM_ICPT_MISC2] = SVM_ICPT_VMRUN | SVM_ICPT_VMMCALL |
		SVM_ICPT_VMLOAD | SVM_ICPT_VMSAVE | SVM_ICPT_STGI |
		SVM_ICPT_CLGI | SVM_ICPT_SKINIT | SVM_ICPT_WBINVD |
		SVM_ICPT_MONITOR |
		SVM_ICPT_MWAIT | SVM_ICPT_MWAIT_COND | SVM_ICPT_XSETBV |
		SVM_ICPT_RDPRU;
}

/*
 * The VMCB of a vCPU in the reset state (APM vol. 2, 14.1.3), but for the
 * segment and control registers, which the core loads (hv_reset_sregs()).
 */
static void svm_vmcb_reset(struct hv_vcpu *vcpu)
{
	struct svm_vmcb *vmcb = to_vmcb(vcpu);
	struct svm_vmcb_ctrl *c = &vmcb->ctrl;
	struct svm_vmcb_save *s = &vmcb->save;

	memset(vmcb, 0, PAGE_SIZE);
	svm_set_intercepts(c);
	c->iopm_base_pa = page_to_phys(svm.iopm);
	c->msrpm_base_pa = page_to_phys(svm.msrpm);
	c->tsc_offset = vcpu->vm->tsc_offset;
	c->int_ctl = SVM_V_INTR_MASKING;
	c->nested_ctl = SVM_NP_ENABLE;
	c->nested_cr3 = vcpu->vm->mmu.root_pa;
	s->dr6 = HV_DR6_INIT;
	s->dr7 = HV_DR7_INIT;
	s->g_pat = SVM_PAT_DEFAULT;
	/* The next entry must get an ASID and a clean TLB. */
	to_svm(vcpu)->asid_generation = 0;
}

static int svm_vm_init(struct hv_vm *vm)
{
	return 0;
}

static void svm_vm_destroy(struct hv_vm *vm)
{
}

static int svm_vcpu_init(struct hv_vcpu *vcpu)
{
	struct svm_vcpu *sv = to_svm(vcpu);

	sv->vmcb = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!sv->vmcb)
		return -ENOMEM;
	sv->vmcb_pa = __pa(sv->vmcb);
	sv->shadow_rip = ~0ULL;
	svm_vmcb_reset(vcpu);
	return 0;
}

static void svm_vcpu_destroy(struct hv_vcpu *vcpu)
{
	free_page((unsigned long)to_svm(vcpu)->vmcb);
}

/* ---- running ---- */

static void svm_vcpu_load(struct hv_vcpu *vcpu, int cpu)
{
	/* Another CPU's TLB: take a fresh ASID there (15.16). */
	to_svm(vcpu)->asid_generation = 0;
	/* Another guest ran here: it must not steer this one's branches. */
	hv_ibpb();
}

static void svm_new_asid(struct svm_vcpu *sv, struct svm_cpu *sd)
{
	if (sd->next_asid > svm.max_asid) {
		sd->asid_generation++;
		sd->next_asid = 1;
		sv->vmcb->ctrl.tlb_ctl = SVM_TLB_FLUSH_ALL;
	}
	sv->asid_generation = sd->asid_generation;
	sv->vmcb->ctrl.asid = sd->next_asid++;
}

static void svm_flush_tlb(struct hv_vcpu *vcpu)
{
	to_vmcb(vcpu)->ctrl.tlb_ctl = svm.flushbyasid ? SVM_TLB_FLUSH_ASID :
					SVM_TLB_FLUSH_ALL;
}

/*
 * An event whose delivery the exit interrupted is delivered again on the
 * next entry (15.7.2), except software interrupts and INT3/INTO, which the
 * guest re-executes since RIP still points at the instruction.
 */
static void svm_reinject(struct svm_vcpu *sv, struct svm_vmcb_ctrl *c)
{
	u32 info = c->exit_int_info;
	u32 type = info & SVM_EVT_TYPE_MASK;
	u8 vector = info & SVM_EVT_VECTOR_MASK;

	c->event_inj = 0;
	if (!(info & SVM_EVT_VALID) || type == SVM_EVT_TYPE_SOFT)
		return;
	/* The guest's own INT3/INTO, not one hv injected. */
	if (type == SVM_EVT_TYPE_EXC && info != sv->last_event_inj &&
	    (vector == X86_TRAP_BP || vector == X86_TRAP_OF))
		return;
	c->event_inj = info;
	c->event_inj_err = c->exit_int_info_err;
}

/*
 * Family 10h erratum 383: a guest can make the CPU raise a machine check
 * with this signature at will. It is the guest's, not the host's: clear it
 * and end the guest (as KVM does) instead of letting the host panic.
 */
static bool svm_is_erratum_383(void)
{
	u64 status;
	int i;

	if (boot_cpu_data.x86 != 0x10 ||
	    rdmsrq_safe(MSR_IA32_MC0_STATUS, &status))
		return false;
	if ((status & ~BIT_ULL(62)) != 0xb600000000010015ULL)
		return false;
	for (i = 0; i < 6; i++)
		wrmsrq_safe(MSR_IA32_MC0_STATUS + 4 * i, 0);	/* banks are 4 MSRs apart */
	if (!rdmsrq_safe(MSR_IA32_MCG_STATUS, &status))
		wrmsrq_safe(MSR_IA32_MCG_STATUS, status & ~BIT_ULL(2));
	hv_flush_tlb_all_local();
	return true;
}

static void svm_handle_mce(struct svm_vcpu *sv)
{
	if (svm_is_erratum_383())
		sv->mce_kill = true;
	else
		hv_host_machine_check();
}

/*
 * CR8 is the APIC's TPR[7:4] (APM vol. 2, 16.6.4): load it into V_TPR, and
 * intercept CR8 writes while the TPR holds back a requested interrupt, so
 * that lowering it lets the interrupt in (as KVM's update_cr8_intercept).
 * Returns the V_TPR loaded.
 */
static u32 svm_sync_tpr(struct hv_vcpu *vcpu, struct svm_vmcb_ctrl *c)
{
	u32 v_tpr = hv_lapic_get_cr8(vcpu);

	c->int_ctl = (c->int_ctl & ~SVM_V_TPR_MASK) | v_tpr;
	if (hv_lapic_tpr_blocks(vcpu))
		c->intercepts[SVM_ICPT_CR] |= SVM_ICPT_CR_WRITE(8);
	else
		c->intercepts[SVM_ICPT_CR] &= ~SVM_ICPT_CR_WRITE(8);
	return v_tpr;
}

/*
 * QEMU's emulated SVM (TCG) drops the interrupt shadow that VMCB int_state
 * gives VMRUN: a guest that exited between STI and HLT (a host interrupt)
 * then takes the VINTR exit at the HLT itself, int_state clear, where a CPU
 * never opens the window (APM vol. 2, 15.21.4). Injecting there delivers
 * the interrupt before the HLT, which then halts the guest for good. So a
 * VINTR exit at the very RIP where the guest was last seen in a shadow
 * counts as still in it, and the next entry goes without a window: the
 * shadowed instruction runs first (svm_request_window()). Never seen on a
 * CPU; free there.
 */
static void svm_note_shadow(struct svm_vcpu *sv, struct hv_vcpu *vcpu)
{
	const struct svm_vmcb_ctrl *c = &sv->vmcb->ctrl;

	if (c->int_state & SVM_INT_SHADOW) {
		sv->shadow_rip = vcpu->rip;
		return;
	}
	if (c->exit_code == VMEXIT_VINTR && vcpu->rip == sv->shadow_rip &&
	    !sv->shadow_lost)
		sv->shadow_lost = true;
	else
		sv->shadow_rip = ~0ULL;
}

/*
 * The CPU refused the VMRUN: exit code -1, VMEXIT_INVALID (APM vol. 2,
 * 15.5.1). QEMU's emulated SVM writes only its low 32 bits; KVM too reads
 * only those.
 */
static bool svm_entry_refused(u64 exit_code)
{
	return lower_32_bits(exit_code) == lower_32_bits(VMEXIT_INVALID);
}

static void svm_run(struct hv_vcpu *vcpu)
{
	struct svm_vcpu *sv = to_svm(vcpu);
	struct svm_cpu *sd = this_cpu_ptr(&svm_cpu);
	struct svm_vmcb *vmcb = sv->vmcb;
	u32 v_tpr = 0;

	if (sv->asid_generation != sd->asid_generation)
		svm_new_asid(sv, sd);
	vmcb->save.rax = vcpu->gprs[HV_RAX];
	vmcb->save.rsp = vcpu->gprs[HV_RSP];
	if (hv_shadow_over(vcpu)) {
		vmcb->ctrl.int_state &= ~SVM_INT_SHADOW;
		sv->shadow_lost = false;
	}
	vmcb->save.rip = vcpu->rip;
	vmcb->save.rflags = vcpu->rflags;

	sv->last_event_inj = vmcb->ctrl.event_inj;
	if (vcpu->lapic)
		v_tpr = svm_sync_tpr(vcpu, &vmcb->ctrl);

	svm_clgi();
	hv_guest_xstate_load(vcpu);
	raw_local_irq_enable();
	hv_svm_vmrun(sv->vmcb_pa, sd->host_save_pa, vcpu->gprs);
	raw_local_irq_disable();
	hv_guest_xstate_put(vcpu);
	svm_stgi();
	if (vmcb->ctrl.exit_code == VMEXIT_EXCP_MC)
		svm_handle_mce(sv);

	vcpu->gprs[HV_RAX] = vmcb->save.rax;
	vcpu->gprs[HV_RSP] = vmcb->save.rsp;
	vcpu->rip = vmcb->save.rip;
	vcpu->rflags = vmcb->save.rflags;
	/* A guest MOV to CR8 changed V_TPR: TPR[3:0] are gone then, as on hardware. */
	if (vcpu->lapic && (vmcb->ctrl.int_ctl & SVM_V_TPR_MASK) != v_tpr)
		hv_lapic_set_cr8(vcpu, vmcb->ctrl.int_ctl & SVM_V_TPR_MASK);
	vmcb->ctrl.tlb_ctl = SVM_TLB_NONE;
	/* Windows are re-requested by the core before every entry. */
	vmcb->ctrl.int_ctl &= ~(SVM_V_IRQ | SVM_V_IGN_TPR |
				(0xfU << SVM_V_INTR_PRIO_SHIFT));
	vmcb->ctrl.intercepts[SVM_ICPT_MISC1] &= ~SVM_ICPT_VINTR;
	/* A refused VMRUN may not have flushed: use an unused ASID next. */
	if (svm_entry_refused(vmcb->ctrl.exit_code))
		sv->asid_generation = 0;
	svm_reinject(sv, &vmcb->ctrl);
	svm_note_shadow(sv, vcpu);
	/* NMIs are unblocked once the intercepted IRET has run (15.21.4). */
	if (sv->iret_seen && vcpu->rip != sv->iret_rip) {
		sv->iret_seen = false;
		hv_nmi_iret(vcpu);
	}
}

/* ---- events ---- */

static bool svm_in_shadow(struct hv_vcpu *vcpu)
{
	return ((to_vmcb(vcpu)->ctrl.int_state & SVM_INT_SHADOW) ||
		to_svm(vcpu)->shadow_lost) && !hv_shadow_over(vcpu);
}

static bool svm_interrupt_allowed(struct hv_vcpu *vcpu)
{
	return (vcpu->rflags & X86_EFLAGS_IF) && !svm_in_shadow(vcpu);
}

static bool svm_nmi_allowed(struct hv_vcpu *vcpu)
{
	return !svm_in_shadow(vcpu);
}

static bool svm_event_in_flight(struct hv_vcpu *vcpu)
{
	return to_vmcb(vcpu)->ctrl.event_inj & SVM_EVT_VALID;
}

static void svm_inject(struct hv_vcpu *vcpu, enum hv_event_kind kind,
		       u8 vector, bool has_error, u32 error)
{
	static const u32 type[] = {
		[HV_INJECT_EXCEPTION] = SVM_EVT_TYPE_EXC,
		[HV_INJECT_NMI] = SVM_EVT_TYPE_NMI,
		[HV_INJECT_IRQ] = SVM_EVT_TYPE_INTR,
	};
	struct svm_vmcb_ctrl *c = &to_vmcb(vcpu)->ctrl;

	c->event_inj = vector | type[kind] | SVM_EVT_VALID |
		       (has_error ? SVM_EVT_ERR_VALID : 0);
	c->event_inj_err = error;
	/* NMIs stay blocked until the guest's IRET (15.21.4): watch for it. */
	if (kind == HV_INJECT_NMI)
		c->intercepts[SVM_ICPT_MISC1] |= SVM_ICPT_IRET;
}

/*
 * Interrupt window: a virtual interrupt the guest can never take, with the
 * VINTR intercept, exits exactly when the guest could take one (15.21.4).
 */
static void svm_request_window(struct hv_vcpu *vcpu, bool nmi)
{
	struct svm_vmcb_ctrl *c = &to_vmcb(vcpu)->ctrl;

	/* Still in the NMI handler: the IRET intercept ends the window. */
	if (nmi && vcpu->events.nmi_masked && !to_svm(vcpu)->iret_seen)
		return;
	/* The emulator lost the shadow once: the instruction runs first. */
	if (to_svm(vcpu)->shadow_lost && !hv_shadow_over(vcpu))
		return;
	c->int_ctl |= SVM_V_IRQ | SVM_V_IGN_TPR |
		      (0xfU << SVM_V_INTR_PRIO_SHIFT);
	c->int_vector = 0;
	c->intercepts[SVM_ICPT_MISC1] |= SVM_ICPT_VINTR;
}

/* ---- state ---- */

static void svm_seg_get(const struct svm_vmcb_seg *v, struct hv_segment *s)
{
	s->base = v->base;
	s->limit = v->limit;
	s->selector = v->selector;
	hv_seg_from_ar(s, (v->attrib & 0xff) | (v->attrib & 0xf00) << 4);
	s->unusable = !s->present;
}

static void svm_seg_set(struct svm_vmcb_seg *v, const struct hv_segment *s)
{
	u32 ar = hv_seg_to_ar(s);

	v->base = s->base;
	v->limit = s->limit;
	v->selector = s->selector;
	v->attrib = s->unusable ? 0 : (ar & 0xff) | (ar >> 4 & 0xf00);
}

static int svm_get_sregs(struct hv_vcpu *vcpu, struct hv_sregs *s)
{
	const struct svm_vmcb *vmcb = to_vmcb(vcpu);
	const struct svm_vmcb_save *v = &vmcb->save;

	svm_seg_get(&v->cs, &s->cs);
	svm_seg_get(&v->ds, &s->ds);
	svm_seg_get(&v->es, &s->es);
	svm_seg_get(&v->fs, &s->fs);
	svm_seg_get(&v->gs, &s->gs);
	svm_seg_get(&v->ss, &s->ss);
	svm_seg_get(&v->tr, &s->tr);
	svm_seg_get(&v->ldtr, &s->ldt);
	s->gdt.base = v->gdtr.base;
	s->gdt.limit = v->gdtr.limit;
	s->idt.base = v->idtr.base;
	s->idt.limit = v->idtr.limit;
	s->cr0 = v->cr0;
	s->cr2 = v->cr2;
	s->cr3 = v->cr3;
	s->cr4 = v->cr4;
	s->cr8 = vmcb->ctrl.int_ctl & SVM_V_TPR_MASK;
	s->efer = v->efer & ~EFER_SVME;	/* the guest has no SVM */
	return 0;
}

static int svm_set_sregs(struct hv_vcpu *vcpu, const struct hv_sregs *s)
{
	struct svm_vmcb *vmcb = to_vmcb(vcpu);
	struct svm_vmcb_save *v = &vmcb->save;

	svm_seg_set(&v->cs, &s->cs);
	svm_seg_set(&v->ds, &s->ds);
	svm_seg_set(&v->es, &s->es);
	svm_seg_set(&v->fs, &s->fs);
	svm_seg_set(&v->gs, &s->gs);
	svm_seg_set(&v->ss, &s->ss);
	svm_seg_set(&v->tr, &s->tr);
	svm_seg_set(&v->ldtr, &s->ldt);
	v->gdtr.base = s->gdt.base;
	v->gdtr.limit = s->gdt.limit;
	v->idtr.base = s->idt.base;
	v->idtr.limit = s->idt.limit;
	/* The VMCB's CPL is SS.DPL in protected mode (15.5.1). */
	v->cpl = (s->cr0 & X86_CR0_PE) ? s->ss.dpl & 3 : 0;
	v->cr0 = s->cr0;
	v->cr2 = s->cr2;
	v->cr3 = s->cr3;
	v->cr4 = s->cr4;
	v->efer = s->efer | EFER_SVME;
	vmcb->ctrl.int_ctl = (vmcb->ctrl.int_ctl & ~SVM_V_TPR_MASK) |
			     (s->cr8 & SVM_V_TPR_MASK);
	return 0;
}

static int svm_set_control(struct hv_vcpu *vcpu, enum hv_ctl reg, u64 val)
{
	struct svm_vmcb_save *v = &to_vmcb(vcpu)->save;

	switch (reg) {
	case HV_CTL_CR0:
		v->cr0 = val;
		break;
	case HV_CTL_CR4:
		v->cr4 = val;
		break;
	case HV_CTL_EFER:
		v->efer = val | EFER_SVME;
		break;
	}
	return 0;
}

static u64 *svm_msr_slot(struct svm_vmcb_save *v, u32 index)
{
	switch (index) {
	case MSR_FS_BASE:		return &v->fs.base;
	case MSR_GS_BASE:		return &v->gs.base;
	case MSR_KERNEL_GS_BASE:	return &v->kernel_gs_base;
	case MSR_STAR:			return &v->star;
	case MSR_LSTAR:			return &v->lstar;
	case MSR_CSTAR:			return &v->cstar;
	case MSR_SYSCALL_MASK:		return &v->sfmask;
	case MSR_IA32_SYSENTER_CS:	return &v->sysenter_cs;
	case MSR_IA32_SYSENTER_ESP:	return &v->sysenter_esp;
	case MSR_IA32_SYSENTER_EIP:	return &v->sysenter_eip;
	case MSR_IA32_CR_PAT:		return &v->g_pat;
	default:			return NULL;
	}
}

static int svm_get_msr(struct hv_vcpu *vcpu, u32 index, u64 *data)
{
	struct svm_vmcb *vmcb = to_vmcb(vcpu);
	u64 *slot;

	if (index == MSR_IA32_TSC) {
		*data = rdtsc() + vmcb->ctrl.tsc_offset;
		return 0;
	}
	slot = svm_msr_slot(&vmcb->save, index);
	if (!slot)
		return -ENOENT;
	*data = *slot;
	return 0;
}

static u64 svm_tsc_offset(struct hv_vcpu *vcpu)
{
	return to_vmcb(vcpu)->ctrl.tsc_offset;
}

static int svm_set_msr(struct hv_vcpu *vcpu, u32 index, u64 data)
{
	struct svm_vmcb *vmcb = to_vmcb(vcpu);
	u64 *slot;

	if (index == MSR_IA32_TSC) {
		vmcb->ctrl.tsc_offset = data - rdtsc();
		return 0;
	}
	slot = svm_msr_slot(&vmcb->save, index);
	if (!slot)
		return -ENOENT;
	*slot = data;
	return 0;
}

/* ---- exits ---- */

typedef int (*svm_exit_fn)(struct hv_vcpu *vcpu);

/* RIP after an intercepted instruction of @len bytes (15.7.1). */
static u64 svm_next_rip(struct hv_vcpu *vcpu, unsigned int len)
{
	return svm.nrips ? to_vmcb(vcpu)->ctrl.next_rip : vcpu->rip + len;
}

static int svm_exit_resume(struct hv_vcpu *vcpu)
{
	vcpu->stats[HV_STAT_EXIT_INTR]++;
	return 1;
}

static int svm_exit_shutdown(struct hv_vcpu *vcpu)
{
	/* The VMCB is undefined after a shutdown intercept (15.12). */
	svm_vmcb_reset(vcpu);
	return hv_exit_shutdown(vcpu);
}

/* The host's handler already ran (svm_handle_mce). */
static int svm_exit_mc(struct hv_vcpu *vcpu)
{
	struct svm_vcpu *sv = to_svm(vcpu);

	vcpu->stats[HV_STAT_EXIT_EXCEPTION]++;
	if (!sv->mce_kill)
		return 1;
	sv->mce_kill = false;
	vcpu_err_ratelimited(vcpu, "machine check from the guest (erratum 383): stopped\n");
	return svm_exit_shutdown(vcpu);
}

/*
 * The intercept comes before the IRET executes: NMIs stay blocked until
 * RIP has moved on (see svm_run), or one would nest in the handler.
 */
static int svm_exit_iret(struct hv_vcpu *vcpu)
{
	struct svm_vcpu *sv = to_svm(vcpu);

	to_vmcb(vcpu)->ctrl.intercepts[SVM_ICPT_MISC1] &= ~SVM_ICPT_IRET;
	sv->iret_seen = true;
	sv->iret_rip = vcpu->rip;
	return 1;
}

/*
 * INVD would drop the host's dirty cache lines, WBINVD stall the whole
 * package for the guest's sake: both run as NOPs.
 */
static int svm_exit_nop2(struct hv_vcpu *vcpu)
{
	vcpu->rip = svm_next_rip(vcpu, 2);
	return 1;
}

static int svm_exit_cpuid(struct hv_vcpu *vcpu)
{
	return hv_exit_cpuid(vcpu, svm_next_rip(vcpu, 2));
}

static int svm_exit_hlt(struct hv_vcpu *vcpu)
{
	return hv_exit_hlt(vcpu, svm_next_rip(vcpu, 1));
}

static int svm_exit_vmmcall(struct hv_vcpu *vcpu)
{
	return hv_exit_hypercall(vcpu, svm_next_rip(vcpu, 3));
}

static int svm_exit_xsetbv(struct hv_vcpu *vcpu)
{
	return hv_exit_xsetbv(vcpu, svm_next_rip(vcpu, 3));
}

static int svm_exit_msr(struct hv_vcpu *vcpu)
{
	u64 next = svm_next_rip(vcpu, 2);

	return to_vmcb(vcpu)->ctrl.exit_info_1 ? hv_exit_wrmsr(vcpu, next) :
						  hv_exit_rdmsr(vcpu, next);
}

/* IOIO exit information (15.10.2); EXITINFO2 is the next RIP. */
static int svm_exit_ioio(struct hv_vcpu *vcpu)
{
	const struct svm_vmcb_ctrl *c = &to_vmcb(vcpu)->ctrl;
	u64 info = c->exit_info_1;
	struct hv_io_exit io = {
		.port = info >> SVM_IOIO_PORT_SHIFT,
		.size = info & SVM_IOIO_SZ32 ? 4 : info & SVM_IOIO_SZ16 ? 2 : 1,
		.in = info & SVM_IOIO_IN,
		.string = info & SVM_IOIO_STR,
		.rep = info & SVM_IOIO_REP,
		.next_rip = c->exit_info_2,
	};

	return hv_exit_io(vcpu, &io);
}

/* Nested page fault: EXITINFO1 is the error code, EXITINFO2 the GPA (15.25.6). */
static int svm_exit_npf(struct hv_vcpu *vcpu)
{
	const struct svm_vmcb_ctrl *c = &to_vmcb(vcpu)->ctrl;
	u64 err = c->exit_info_1;
	bool emulate = (err & SVM_NPF_FINAL) && !(err & SVM_NPF_FETCH);

	return hv_exit_npf(vcpu, c->exit_info_2, err & SVM_NPF_WRITE, emulate);
}

/* Exits the core handles whole take the core's handler directly. */
static const svm_exit_fn svm_exit_handlers[VMEXIT_NR_HANDLED] = {
	[VMEXIT_CR4_WRITE]	= hv_exit_cr4_write,
	[VMEXIT_CR8_WRITE]	= hv_exit_cr8_write,
	[VMEXIT_READ_DR0 ... VMEXIT_READ_DR7]	= hv_exit_dr,
	[VMEXIT_WRITE_DR0 ... VMEXIT_WRITE_DR7]	= hv_exit_dr,
	[VMEXIT_EXCP_DB]	= hv_exit_db,
	[VMEXIT_EXCP_AC]	= hv_exit_ac,
	[VMEXIT_EXCP_MC]	= svm_exit_mc,
	[VMEXIT_INTR]		= svm_exit_resume,
	[VMEXIT_NMI]		= svm_exit_resume,
	[VMEXIT_SMI]		= svm_exit_resume,
	[VMEXIT_VINTR]		= hv_exit_irq_window,
	[VMEXIT_RDPMC]		= hv_exit_gp,
	[VMEXIT_CPUID]		= svm_exit_cpuid,
	[VMEXIT_RSM]		= hv_exit_ud,
	[VMEXIT_IRET]		= svm_exit_iret,
	[VMEXIT_INVD]		= svm_exit_nop2,
	[VMEXIT_HLT]		= svm_exit_hlt,
	[VMEXIT_INVLPGA]	= hv_exit_ud,
	[VMEXIT_IOIO]		= svm_exit_ioio,
	[VMEXIT_MSR]		= svm_exit_msr,
	[VMEXIT_SHUTDOWN]	= svm_exit_shutdown,
	[VMEXIT_VMRUN]		= hv_exit_ud,
	[VMEXIT_VMMCALL]	= svm_exit_vmmcall,
	[VMEXIT_VMLOAD]		= hv_exit_ud,
	[VMEXIT_VMSAVE]		= hv_exit_ud,
	[VMEXIT_STGI]		= hv_exit_ud,
	[VMEXIT_CLGI]		= hv_exit_ud,
	[VMEXIT_SKINIT]		= hv_exit_ud,
	[VMEXIT_WBINVD]		= svm_exit_nop2,
	[VMEXIT_MONITOR]	= hv_exit_ud,
	[VMEXIT_MWAIT]		= hv_exit_ud,
	[VMEXIT_MWAIT_COND]	= hv_exit_ud,
	[VMEXIT_XSETBV]		= svm_exit_xsetbv,
	[VMEXIT_RDPRU]		= hv_exit_ud,
	[VMEXIT_NPF]		= svm_exit_npf,
};

static int svm_handle_exit(struct hv_vcpu *vcpu)
{
	const struct svm_vmcb_ctrl *c = &to_vmcb(vcpu)->ctrl;
	u64 code = c->exit_code;

	if (svm_entry_refused(code))
		return hv_exit_fail_entry(vcpu, VMEXIT_INVALID);
	if (code < ARRAY_SIZE(svm_exit_handlers) && svm_exit_handlers[code])
		return svm_exit_handlers[code](vcpu);
	return hv_exit_unhandled(vcpu, code, c->exit_info_1, c->exit_info_2);
}

const struct hv_arch_ops hv_svm_ops = {
	.name			= "svm",
	.backend		= HV_BACKEND_SVM,
	.pt_format		= &svm_pt_format,
	.vm_size		= 0,
	.vcpu_size		= sizeof(struct svm_vcpu),
	.probe			= svm_probe,
	.hardware_setup		= svm_hardware_setup,
	.hardware_unsetup	= svm_hardware_unsetup,
	.cpu_enable		= svm_cpu_enable,
	.cpu_disable		= svm_cpu_disable,
	.vm_init		= svm_vm_init,
	.vm_destroy		= svm_vm_destroy,
	.vcpu_init		= svm_vcpu_init,
	.vcpu_destroy		= svm_vcpu_destroy,
	.vcpu_load		= svm_vcpu_load,
	.run			= svm_run,
	.handle_exit		= svm_handle_exit,
	.flush_tlb		= svm_flush_tlb,
	.get_sregs		= svm_get_sregs,
	.set_sregs		= svm_set_sregs,
	.set_control		= svm_set_control,
	.get_msr		= svm_get_msr,
	.set_msr		= svm_set_msr,
	.interrupt_allowed	= svm_interrupt_allowed,
	.nmi_allowed		= svm_nmi_allowed,
	.inject			= svm_inject,
	.request_window		= svm_request_window,
	.event_in_flight	= svm_event_in_flight,
	.tsc_offset		= svm_tsc_offset,
};
