// SPDX-License-Identifier: GPL-2.0
/*
 * hv's in-kernel local APIC (SDM vol. 3A, chapter 11), every test once
 * through the xAPIC MMIO page and once through the x2APIC MSRs: CPUID bits,
 * register reset values and access rules, the x2APIC #GP cases, self-IPIs,
 * ISR/IRR/PPR and EOI, priority classes and TPR/CR8, the timer in one-shot,
 * periodic and TSC-deadline modes, and IPIs between two vCPUs (fixed,
 * shorthands, logical destinations, NMI) after vCPU 1 was started with
 * INIT/SIPI (guest_ap_start()).
 *
 * Timing is never asserted tightly (the tests run on emulators): only the
 * order and number of interrupts, and rate ratios with wide margins.
 * Guests report through vals[], which the host reads after a ucall.
 */
#include "apic_test.h"

static volatile uint64_t vals[64];
#define VAL(i)		(GUEST_VAR(self->e.vm, vals)[i])

#define CPUID_1_ECX_X2APIC	(1U << 21)
#define CPUID_1_ECX_TSC_DEADLINE (1U << 24)
#define CPUID_1_EDX_APIC	(1U << 9)

IRQCHIP_FIXTURE(lapic, 1);

#define set_entry(fn) \
	ASSERT_OK(guest_vcpu_entry(self->e.vcpu[0], fn, 0, 0))

/* Run vCPU 0 to its next GUEST_SYNC(), to GUEST_DONE(). */
#define sync0()		({ struct ucall __uc; \
			   vcpu_sync(self->e.vcpu[0], &__uc); })
#define done0()		vcpu_done(self->e.vcpu[0])

/* The guest waits at most this long for what another vCPU does. */
#define WAIT_MS		10000
#define GUEST_WAIT_EQ(p, v, msg) do { \
	if (!guest_wait_eq(p, v, WAIT_MS)) \
		GUEST_FAIL(msg); \
} while (0)

/* ---- CPUID ---- */

static GUEST_CODE void guest_cpuid_1(void)
{
	uint32_t a, b, c, d;

	guest_cpuid(1, 0, &a, &b, &c, &d);
	GUEST_SYNC2(c, d);
	GUEST_SYNC(b >> 24);
	GUEST_DONE();
}

/* x2APIC, TSC deadline and the APIC itself are offered with an irqchip. */
TEST_F(lapic, cpuid_bits)
{
	struct ucall uc;

	set_entry(guest_cpuid_1);
	vcpu_sync(self->e.vcpu[0], &uc);
	EXPECT_TRUE(uc.args[0] & CPUID_1_ECX_X2APIC);
	EXPECT_TRUE(uc.args[0] & CPUID_1_ECX_TSC_DEADLINE);
	EXPECT_TRUE(uc.args[1] & CPUID_1_EDX_APIC);
	/* CPUID.1:EBX[31:24], the initial APIC ID. */
	EXPECT_EQ(0, sync0());
	done0();
}

/* ---- registers ---- */

/*
 * What a write of @tpr to the TPR reads back. KVM on SVM keeps TPR[7:4]
 * only: it copies the 4-bit V_TPR (CR8) back into the APIC's TPR at every
 * exit (docs/KVM.md). hv, and the hardware's APIC, keep all 8 bits.
 */
#define TPR_KEPT(tpr)	(on_kvm() && cap(self->e.hv, HV_CAP_BACKEND) == HV_BACKEND_SVM ? \
			 (tpr) & 0xf0 : (tpr))

GUEST_INLINE void guest_x2apic_mode(void)
{
	if (guest_x2apic)
		guest_wrmsr(MSR_IA32_APICBASE,
			    guest_rdmsr(MSR_IA32_APICBASE) | APIC_BASE_EXTD);
}

#define NR_LVT		7
static const uint32_t lvt_regs[NR_LVT] = {
	APIC_LVTT, APIC_LVTTHMR, APIC_LVTPC, APIC_LVT0, APIC_LVT1,
	APIC_LVTERR, APIC_LVTCMCI,
};

/* The LVT registers the version register says exist (SDM 11.4.8). */
GUEST_INLINE uint32_t nr_lvt(void)
{
	return APIC_LVR_MAXLVT(apic_read(APIC_LVR)) + 1;
}

/*
 * Register values after reset (SDM 11.4.7.1): IRR, ISR, TMR, ICR, LDR, TPR,
 * timer counts and divide 0; DFR all ones; LVT entries masked; SVR 0xff.
 * In x2APIC mode (entered before anything else) LDR is derived from the ID
 * (SDM 11.12.10.2) and DFR does not exist.
 */
#define R_VER		0
#define R_ID		1
#define R_SVR		2
#define R_TPR		3
#define R_PPR		4
#define R_TMICT		5
#define R_TMCCT		6
#define R_TDCR		7
#define R_LDR		8
#define R_DFR		9
#define R_ESR		10
#define R_VEC_ANY	11	/* OR of ISR, TMR and IRR */
#define R_LVT		16	/* 16 + i: lvt_regs[i] */

static GUEST_CODE void guest_reset_state(void)
{
	uint32_t i, any = 0;

	guest_x2apic_mode();
	vals[R_VER] = apic_read(APIC_LVR);
	vals[R_ID] = apic_read(APIC_ID);
	vals[R_SVR] = apic_read(APIC_SVR);
	vals[R_TPR] = apic_read(APIC_TPR);
	vals[R_PPR] = apic_read(APIC_PPR);
	vals[R_TMICT] = apic_read(APIC_TMICT);
	vals[R_TMCCT] = apic_read(APIC_TMCCT);
	vals[R_TDCR] = apic_read(APIC_TDCR);
	vals[R_LDR] = apic_read(APIC_LDR);
	if (!guest_x2apic) {
		vals[R_DFR] = apic_read(APIC_DFR);
		/* The ESR is written before it is read (SDM 11.5.3). */
		apic_write(APIC_ESR, 0);
	}
	vals[R_ESR] = apic_read(APIC_ESR);
	for (i = 0; i < 8; i++)
		any |= apic_read(APIC_ISR + i * 0x10) |
		       apic_read(APIC_TMR + i * 0x10) |
		       apic_read(APIC_IRR + i * 0x10);
	vals[R_VEC_ANY] = any;
	for (i = 0; i < nr_lvt() && i < NR_LVT; i++)
		vals[R_LVT + i] = apic_read(lvt_regs[i]);
	GUEST_DONE();
}

TEST_F(lapic, reset_state)
{
	uint32_t ver, maxlvt, i;

	set_entry(guest_reset_state);
	done0();
	ver = VAL(R_VER);
	maxlvt = APIC_LVR_MAXLVT(ver);
	EXPECT_EQ(APIC_VERSION, ver & 0xff);
	/* 6 LVT entries, or 7 with CMCI (SDM 11.4.8): max LVT 5 or 6. */
	EXPECT_TRUE(maxlvt == 5 || maxlvt == 6) TH_LOG("max LVT %u", maxlvt);
	EXPECT_EQ(0, ver & 0xff00);
	EXPECT_EQ(0, VAL(R_ID));
	EXPECT_EQ(APIC_SPURIOUS_VECTOR, VAL(R_SVR));
	EXPECT_EQ(0, VAL(R_TPR));
	EXPECT_EQ(0, VAL(R_PPR));
	EXPECT_EQ(0, VAL(R_TMICT));
	EXPECT_EQ(0, VAL(R_TMCCT));
	EXPECT_EQ(0, VAL(R_TDCR));
	EXPECT_EQ(0, VAL(R_ESR));
	EXPECT_EQ(0, VAL(R_VEC_ANY));
	if (variant->x2apic) {
		/* Cluster 0, bit 0: x2APIC ID 0. */
		EXPECT_EQ(1, VAL(R_LDR));
	} else {
		EXPECT_EQ(0, VAL(R_LDR));
		EXPECT_EQ(0xffffffff, VAL(R_DFR));
	}
	for (i = 0; i <= maxlvt && i < NR_LVT; i++) {
		EXPECT_EQ(APIC_LVT_RESET, VAL(R_LVT + i))
			TH_LOG("LVT register 0x%x", lvt_regs[i]);
	}
}

/*
 * Read/write registers keep what was written; PPR follows TPR with nothing
 * in service (SDM 11.8.3.1); while the APIC is software-disabled every LVT
 * entry reads masked and cannot be unmasked (SDM 11.4.7.2).
 */
static GUEST_CODE void guest_register_rw(void)
{
	uint32_t i, n;

	guest_x2apic_mode();
	n = nr_lvt();
	/* Software-disabled (SVR 0xff after reset). */
	apic_write(APIC_LVTT, 0x42);
	vals[0] = apic_read(APIC_LVTT);
	apic_write(APIC_SVR, APIC_SVR_ENABLE | APIC_SPURIOUS_VECTOR);
	vals[1] = apic_read(APIC_SVR);
	apic_write(APIC_LVTT, APIC_LVT_TIMER_PERIODIC | 0x42);
	vals[2] = apic_read(APIC_LVTT);
	for (i = 1; i < n && i < NR_LVT; i++) {
		/* LINT1 as NMI, the others fixed. */
		apic_write(lvt_regs[i], lvt_regs[i] == APIC_LVT1 ?
			   APIC_DM_NMI : 0x50 + i);
		vals[16 + i] = apic_read(lvt_regs[i]);
	}
	apic_write(APIC_TPR, 0x5a);
	vals[3] = apic_read(APIC_TPR);
	vals[4] = apic_read(APIC_PPR);
	apic_write(APIC_TPR, 0);
	apic_write(APIC_TDCR, APIC_TDCR_128);
	vals[5] = apic_read(APIC_TDCR);
	if (!guest_x2apic) {
		apic_write(APIC_LDR, 0x03000000);
		vals[6] = apic_read(APIC_LDR);
		apic_write(APIC_DFR, 0x0fffffff);
		vals[7] = apic_read(APIC_DFR);
		apic_write(APIC_DFR, 0xffffffff);
		vals[8] = apic_read(APIC_DFR);
	}
	/* Software-disable again: every LVT entry is masked (SDM 11.4.7.2). */
	apic_write(APIC_SVR, APIC_SPURIOUS_VECTOR);
	vals[9] = apic_read(APIC_LVTT);
	vals[10] = apic_read(APIC_LVTERR);
	GUEST_DONE();
}

TEST_F(lapic, register_rw)
{
	uint32_t i;

	set_entry(guest_register_rw);
	done0();
	EXPECT_EQ(APIC_LVT_MASKED | 0x42, VAL(0))
		TH_LOG("unmasked an LVT entry while software-disabled");
	EXPECT_EQ(APIC_SVR_ENABLE | APIC_SPURIOUS_VECTOR, VAL(1));
	EXPECT_EQ(APIC_LVT_TIMER_PERIODIC | 0x42, VAL(2));
	for (i = 1; i < 6; i++) {
		EXPECT_EQ(lvt_regs[i] == APIC_LVT1 ? APIC_DM_NMI : 0x50 + i,
			  VAL(16 + i))
			TH_LOG("LVT register 0x%x", lvt_regs[i]);
	}
	EXPECT_EQ(TPR_KEPT(0x5a), VAL(3));
	EXPECT_EQ(TPR_KEPT(0x5a), VAL(4));
	EXPECT_EQ(APIC_TDCR_128, VAL(5));
	if (!variant->x2apic) {
		EXPECT_EQ(0x03000000, VAL(6));
		EXPECT_EQ(0x0fffffff, VAL(7));
		EXPECT_EQ(0xffffffff, VAL(8));
	}
	EXPECT_EQ(APIC_LVT_MASKED | APIC_LVT_TIMER_PERIODIC | 0x42, VAL(9));
	EXPECT_EQ(APIC_LVT_MASKED | 0x55, VAL(10));
}

/* Did RDMSR / WRMSR of @msr raise #GP? (guest_exc_expected is set.) */
static GUEST_CODE bool rdmsr_gp(uint32_t msr)
{
	uint64_t n = guest_exc_count;

	guest_rdmsr(msr);
	return guest_exc_count == n + 1 && guest_exc_vector == GP_VECTOR;
}

static GUEST_CODE bool wrmsr_gp(uint32_t msr, uint64_t v)
{
	uint64_t n = guest_exc_count;

	guest_wrmsr(msr, v);
	return guest_exc_count == n + 1 && guest_exc_vector == GP_VECTOR;
}

/*
 * x2APIC MSR access rules (SDM 11.12.1.2 and 11.12.1.3): read-only
 * registers fault on WRMSR, write-only ones on RDMSR, registers x2APIC mode
 * lacks (DFR, ICR2, APR) on both; a non-zero EOI write faults. In xAPIC
 * mode every x2APIC MSR faults. IA32_APIC_BASE: x2APIC -> xAPIC directly,
 * and EXTD without EN, are invalid transitions (SDM 11.12.5, figure 11-26);
 * x2APIC -> disabled -> xAPIC is the valid way back.
 */
#define X2_ID		X2APIC_MSR(APIC_ID)
#define X2_VER		X2APIC_MSR(APIC_LVR)
#define X2_TPR		X2APIC_MSR(APIC_TPR)
#define X2_APR		X2APIC_MSR(APIC_APR)
#define X2_PPR		X2APIC_MSR(APIC_PPR)
#define X2_EOI		X2APIC_MSR(APIC_EOI)
#define X2_LDR		X2APIC_MSR(APIC_LDR)
#define X2_DFR		X2APIC_MSR(APIC_DFR)
#define X2_ICR2		X2APIC_MSR(APIC_ICR2)
#define X2_TMCCT	X2APIC_MSR(APIC_TMCCT)
#define X2_SELF_IPI	X2APIC_MSR(APIC_SELF_IPI)

static GUEST_CODE void guest_x2apic_msr_rules(void)
{
	uint64_t base = guest_rdmsr(MSR_IA32_APICBASE);
	int i = 0;

	guest_exc_expected = 1;
	guest_exc_skip = 2;	/* RDMSR and WRMSR are 2 bytes long */
	if (!guest_x2apic) {
		vals[i++] = rdmsr_gp(X2_ID);
		vals[i++] = wrmsr_gp(X2_TPR, 0);
		vals[i++] = rdmsr_gp(X2_VER);
		vals[i++] = wrmsr_gp(X2_EOI, 0);
		vals[63] = i;
		GUEST_DONE();
		return;
	}
	guest_wrmsr(MSR_IA32_APICBASE, base | APIC_BASE_EXTD);
	vals[i++] = wrmsr_gp(X2_ID, 0);
	vals[i++] = wrmsr_gp(X2_VER, 0);
	vals[i++] = wrmsr_gp(X2_PPR, 0);
	vals[i++] = wrmsr_gp(X2_LDR, 0);
	vals[i++] = wrmsr_gp(X2_TMCCT, 0);
	vals[i++] = rdmsr_gp(X2_EOI);
	vals[i++] = rdmsr_gp(X2_SELF_IPI);
	vals[i++] = rdmsr_gp(X2_DFR);
	vals[i++] = wrmsr_gp(X2_DFR, 0xffffffff);
	vals[i++] = rdmsr_gp(X2_ICR2);
	vals[i++] = rdmsr_gp(X2_APR);
	/* x2APIC -> xAPIC: invalid. */
	vals[i++] = wrmsr_gp(MSR_IA32_APICBASE, base);
	/* EXTD without EN: invalid. */
	vals[i++] = wrmsr_gp(MSR_IA32_APICBASE,
			     (base & ~APIC_BASE_EN) | APIC_BASE_EXTD);
	vals[63] = i;
	/* The valid way back: disable, then enable in xAPIC mode. */
	vals[32] = wrmsr_gp(MSR_IA32_APICBASE,
			    base & ~(APIC_BASE_EN | APIC_BASE_EXTD));
	vals[33] = wrmsr_gp(MSR_IA32_APICBASE, base);
	vals[34] = guest_rdmsr(MSR_IA32_APICBASE);
	/* Back in xAPIC mode, the x2APIC MSRs fault again. */
	vals[35] = rdmsr_gp(X2_ID);
	GUEST_DONE();
}

TEST_F(lapic, x2apic_msr_rules)
{
	int i, n;

	set_entry(guest_x2apic_msr_rules);
	done0();
	n = VAL(63);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(1, VAL(i)) TH_LOG("check %d: no #GP", i);
	}
	if (!variant->x2apic) {
		EXPECT_EQ(4, n);
		return;
	}
	EXPECT_EQ(13, n);
	EXPECT_EQ(0, VAL(32)) TH_LOG("x2APIC -> disabled raised #GP");
	EXPECT_EQ(0, VAL(33)) TH_LOG("disabled -> xAPIC raised #GP");
	EXPECT_EQ(APIC_BASE_EN, VAL(34) & (APIC_BASE_EN | APIC_BASE_EXTD));
	EXPECT_EQ(APIC_DEFAULT_GPA, VAL(34) & APIC_BASE_ADDR_MASK);
	EXPECT_EQ(1, VAL(35)) TH_LOG("x2APIC MSR readable in xAPIC mode");
}

/* In x2APIC mode a WRMSR of a non-zero value to EOI #GPs (SDM 11.12.1.2). */
static GUEST_CODE void guest_x2apic_eoi_nonzero(void)
{
	uint64_t base = guest_rdmsr(MSR_IA32_APICBASE);

	guest_exc_expected = 1;
	guest_exc_skip = 2;
	guest_wrmsr(MSR_IA32_APICBASE, base | APIC_BASE_EXTD);
	vals[0] = wrmsr_gp(X2_EOI, 1);
	vals[1] = wrmsr_gp(X2_EOI, 0);
	GUEST_DONE();
}

TEST_F(lapic, x2apic_eoi_nonzero_gp)
{
	SKIP_KVM("KVM (Linux 6.1) takes any value written to the x2APIC EOI MSR");
	set_entry(guest_x2apic_eoi_nonzero);
	done0();
	EXPECT_EQ(1, VAL(0)) TH_LOG("EOI of 1: no #GP");
	EXPECT_EQ(0, VAL(1)) TH_LOG("EOI of 0: #GP");
}

/* ---- self-IPIs, ISR, EOI, priorities ---- */

#define SELF_VECTOR	0x40
#define SELF_MSR_VECTOR	0x41

/*
 * A self-IPI with IF clear waits in the IRR; STI delivers it; the handler's
 * EOI clears the ISR (SDM 11.8.4). The ICR reads back what was sent (its
 * delivery status idle). x2APIC also has the SELF IPI MSR (SDM 11.12.11).
 */
static GUEST_CODE void guest_self_ipi(void)
{
	guest_irq_hook = guest_irq_log_eoi;
	guest_apic_enable();
	apic_send_ipi(0, APIC_DEST_SELF | SELF_VECTOR);
	vals[0] = apic_vector_bit(APIC_IRR, SELF_VECTOR);
	vals[1] = apic_vector_bit(APIC_ISR, SELF_VECTOR);
	vals[2] = guest_irqs[0].count;
	vals[3] = guest_x2apic ? guest_rdmsr(X2APIC_MSR(APIC_ICR)) :
				 xapic_read(APIC_ICR);
	asm volatile("sti; nop; cli" : : : "memory");
	vals[4] = guest_irqs[0].count;
	vals[5] = guest_irqs[0].last;
	vals[6] = apic_vector_bit(APIC_IRR, SELF_VECTOR);
	vals[7] = apic_vector_bit(APIC_ISR, SELF_VECTOR);
	if (guest_x2apic) {
		guest_wrmsr(X2_SELF_IPI, SELF_MSR_VECTOR);
		vals[8] = apic_vector_bit(APIC_IRR, SELF_MSR_VECTOR);
		asm volatile("sti; nop; cli" : : : "memory");
		vals[9] = guest_irqs[0].count;
		vals[10] = guest_irqs[0].last;
	}
	GUEST_DONE();
}

TEST_F(lapic, self_ipi)
{
	set_entry(guest_self_ipi);
	done0();
	EXPECT_EQ(1, VAL(0)) TH_LOG("not in the IRR");
	EXPECT_EQ(0, VAL(1));
	EXPECT_EQ(0, VAL(2)) TH_LOG("delivered with IF clear");
	EXPECT_EQ(APIC_DEST_SELF | SELF_VECTOR, VAL(3));
	EXPECT_EQ(1, VAL(4));
	EXPECT_EQ(SELF_VECTOR, VAL(5));
	EXPECT_EQ(0, VAL(6));
	EXPECT_EQ(0, VAL(7));
	if (variant->x2apic) {
		EXPECT_EQ(1, VAL(8));
		EXPECT_EQ(2, VAL(9));
		EXPECT_EQ(SELF_MSR_VECTOR, VAL(10));
	}
}

/*
 * STI; HLT with an interrupt already pending, many times over: the
 * interrupt must come after the HLT (its return address is the CLI), never
 * inside the STI shadow, or the HLT halts the guest for good. Two hv bugs
 * did that: a shadow kept after hv completed the HLT, and trusting QEMU's
 * SVM, which loses the shadow at VMRUN (svm_note_shadow()); host
 * interrupts between STI and HLT are what makes the second one show.
 */
#define STI_HLT_ROUNDS	2000

extern char lapic_test_hlt[];

static GUEST_CODE void guest_sti_hlt_rounds(void)
{
	uint64_t i, early = 0;

	guest_irq_hook = guest_irq_log_eoi;
	guest_apic_enable();
	for (i = 0; i < STI_HLT_ROUNDS; i++) {
		apic_write(APIC_ICR, APIC_DEST_SELF | SELF_VECTOR);
		asm volatile("sti\n\t"
			     ".globl lapic_test_hlt\n"
			     "lapic_test_hlt: hlt\n\t"
			     "cli" : : : "memory");
		if (guest_exc_rip == (uint64_t)lapic_test_hlt)
			early++;
	}
	vals[0] = guest_irqs[0].count;
	vals[1] = early;
	GUEST_DONE();
}

TEST_F(lapic, sti_hlt_pending_wakes)
{
	if (host_is_qemu_tcg())
		SKIP_KVM("QEMU's SVM loses the STI shadow at VMRUN and KVM takes its word: interrupts come inside the shadow (hv works around it)");
	set_entry(guest_sti_hlt_rounds);
	done0();
	EXPECT_EQ(STI_HLT_ROUNDS, VAL(0));
	EXPECT_EQ(0, VAL(1)) TH_LOG("interrupts taken inside the STI shadow");
}

#define ISR_VECTOR	0x45

/* In the handler: ISR set, IRR clear, PPR = the vector's class; EOI clears. */
static GUEST_CODE void hook_isr(uint64_t vector)
{
	guest_irq_log(vector);
	vals[0] = apic_vector_bit(APIC_ISR, vector);
	vals[1] = apic_vector_bit(APIC_IRR, vector);
	vals[2] = apic_read(APIC_PPR);
	apic_eoi();
	vals[3] = apic_vector_bit(APIC_ISR, vector);
	vals[4] = apic_read(APIC_PPR);
}

static GUEST_CODE void guest_isr_eoi(void)
{
	guest_irq_hook = hook_isr;
	guest_apic_enable();
	guest_sti();
	apic_send_ipi(0, APIC_DEST_SELF | ISR_VECTOR);
	guest_cli();
	vals[5] = guest_irqs[0].count;
	GUEST_DONE();
}

TEST_F(lapic, isr_until_eoi)
{
	set_entry(guest_isr_eoi);
	done0();
	EXPECT_EQ(1, VAL(5));
	EXPECT_EQ(1, VAL(0)) TH_LOG("ISR bit clear in the handler");
	EXPECT_EQ(0, VAL(1));
	/* SDM 11.8.3.1: PPR[7:4] = max(TPR[7:4], ISRV[7:4]), PPR[3:0] = 0. */
	EXPECT_EQ(ISR_VECTOR & 0xf0, VAL(2));
	EXPECT_EQ(0, VAL(3)) TH_LOG("EOI left the ISR bit set");
	EXPECT_EQ(0, VAL(4));
}

/*
 * Priority classes (SDM 11.8.3): in the handler of 0x40 (IF set again), a
 * self-IPI of class 8 nests at once; one of the same class (0x4a) and one
 * of a lower class (0x30) wait in the IRR until the EOI, then come highest
 * first. Every step goes into ev[] with IF clear.
 */
#define PRIO_OUTER	0x40
#define PRIO_HIGH	0x80
#define PRIO_SAME	0x4a
#define PRIO_LOW	0x30
#define EV_EXIT(v)	(0x100 | (v))
#define EV_SENT		0x200
#define EV_EOI		0x201
#define EV_AFTER_EOI	0x202

static volatile uint64_t ev[32], nev;

GUEST_INLINE void ev_add(uint64_t e)
{
	if (nev < 32)
		ev[nev] = e;
	nev++;
}

static GUEST_CODE void hook_prio(uint64_t vector)
{
	ev_add(vector);
	if (vector != PRIO_OUTER) {
		apic_eoi();
		ev_add(EV_EXIT(vector));
		return;
	}
	guest_sti();
	apic_send_ipi(0, APIC_DEST_SELF | PRIO_HIGH);
	guest_cli();
	ev_add(EV_SENT);
	guest_sti();
	apic_send_ipi(0, APIC_DEST_SELF | PRIO_SAME);
	apic_send_ipi(0, APIC_DEST_SELF | PRIO_LOW);
	asm volatile("nop; cli" : : : "memory");
	vals[0] = apic_vector_bit(APIC_IRR, PRIO_SAME);
	vals[1] = apic_vector_bit(APIC_IRR, PRIO_LOW);
	vals[2] = apic_read(APIC_PPR);
	ev_add(EV_EOI);
	guest_sti();
	apic_eoi();
	asm volatile("nop; cli" : : : "memory");
	ev_add(EV_AFTER_EOI);
	ev_add(EV_EXIT(vector));
}

static GUEST_CODE void guest_priorities(void)
{
	guest_irq_hook = hook_prio;
	guest_apic_enable();
	guest_sti();
	apic_send_ipi(0, APIC_DEST_SELF | PRIO_OUTER);
	guest_cli();
	GUEST_DONE();
}

TEST_F(lapic, priority_classes)
{
	static const uint64_t want[] = {
		PRIO_OUTER, PRIO_HIGH, EV_EXIT(PRIO_HIGH), EV_SENT, EV_EOI,
		PRIO_SAME, EV_EXIT(PRIO_SAME), PRIO_LOW, EV_EXIT(PRIO_LOW),
		EV_AFTER_EOI, EV_EXIT(PRIO_OUTER),
	};
	uint64_t n;
	size_t i;

	set_entry(guest_priorities);
	done0();
	EXPECT_EQ(1, VAL(0)) TH_LOG("same class not held in the IRR");
	EXPECT_EQ(1, VAL(1)) TH_LOG("lower class not held in the IRR");
	EXPECT_EQ(PRIO_OUTER & 0xf0, VAL(2));
	n = GUEST_VAR(self->e.vm, nev);
	EXPECT_EQ(ARRAY_SIZE(want), n);
	for (i = 0; i < ARRAY_SIZE(want) && i < n; i++) {
		EXPECT_EQ(want[i], GUEST_VAR(self->e.vm, ev)[i])
			TH_LOG("event %zu", i);
	}
}

/*
 * TPR: classes up to TPR[7:4] are held (SDM 11.8.3.1); lowering it lets
 * them in, highest first. CR8 is TPR[7:4] (SDM 11.8.6: MOV to CR8 writes
 * TPR[7:4] and clears TPR[3:0]).
 */
static GUEST_CODE void guest_tpr(void)
{
	guest_irq_hook = guest_irq_log_eoi;
	guest_apic_enable();
	apic_write(APIC_TPR, 0x5a);
	vals[0] = apic_read(APIC_PPR);
	guest_sti();
	apic_send_ipi(0, APIC_DEST_SELF | 0x50);
	apic_send_ipi(0, APIC_DEST_SELF | 0x5f);
	apic_send_ipi(0, APIC_DEST_SELF | 0x61);
	asm volatile("nop; cli" : : : "memory");
	vals[1] = guest_irqs[0].count;
	vals[2] = apic_vector_bit(APIC_IRR, 0x50);
	vals[3] = apic_vector_bit(APIC_IRR, 0x5f);
	guest_sti();
	apic_write(APIC_TPR, 0x40);
	asm volatile("nop; cli" : : : "memory");
	vals[4] = guest_irqs[0].count;

	/* CR8 and TPR are two views of one register. */
	guest_write_cr8(6);
	vals[5] = apic_read(APIC_TPR);
	apic_write(APIC_TPR, 0x3c);
	vals[6] = guest_read_cr8();
	guest_write_cr8(7);
	guest_sti();
	apic_send_ipi(0, APIC_DEST_SELF | 0x72);
	asm volatile("nop; cli" : : : "memory");
	vals[7] = guest_irqs[0].count;
	guest_sti();
	guest_write_cr8(0);
	asm volatile("nop; cli" : : : "memory");
	vals[8] = guest_irqs[0].count;
	vals[9] = apic_read(APIC_TPR);
	GUEST_DONE();
}

TEST_F(lapic, tpr_and_cr8)
{
	static const uint64_t order[] = { 0x61, 0x5f, 0x50, 0x72 };
	size_t i;

	set_entry(guest_tpr);
	done0();
	EXPECT_EQ(TPR_KEPT(0x5a), VAL(0));
	EXPECT_EQ(1, VAL(1)) TH_LOG("TPR 0x5a: only 0x61 may come");
	EXPECT_EQ(1, VAL(2));
	EXPECT_EQ(1, VAL(3));
	EXPECT_EQ(3, VAL(4));
	EXPECT_EQ(0x60, VAL(5));
	EXPECT_EQ(3, VAL(6));
	EXPECT_EQ(3, VAL(7)) TH_LOG("CR8 7 let vector 0x72 in");
	EXPECT_EQ(4, VAL(8));
	EXPECT_EQ(0, VAL(9));
	for (i = 0; i < ARRAY_SIZE(order); i++) {
		EXPECT_EQ(order[i], irq_log(&self->e, 0).seq[i])
			TH_LOG("interrupt %zu", i);
	}
}

/* ---- the timer (SDM 11.5.4) ---- */

#define TIMER_VECTOR	0x60

static GUEST_CODE void guest_timer_setup(uint32_t lvtt, uint32_t tdcr)
{
	guest_irq_hook = guest_irq_log_eoi;
	guest_apic_enable();
	apic_write(APIC_TDCR, tdcr);
	apic_write(APIC_LVTT, lvtt);
}

/* Halt until the interrupt count reaches @n; returns with IF clear. */
GUEST_INLINE void wait_irqs(uint64_t n)
{
	GUEST_HALT_UNTIL(guest_irqs[0].count >= n);
}

#define ONESHOT_NS	20000000U

/*
 * One-shot: one interrupt with the LVT vector; the current count then stays
 * 0, and nothing more comes in three more periods.
 */
static GUEST_CODE void guest_timer_oneshot(void)
{
	uint64_t t0, t1;

	guest_timer_setup(APIC_LVT_TIMER_ONESHOT | TIMER_VECTOR, APIC_TDCR_1);
	t0 = guest_rdtsc();
	apic_write(APIC_TMICT, ONESHOT_NS);
	vals[0] = apic_read(APIC_TMICT);
	vals[1] = apic_read(APIC_TMCCT);
	wait_irqs(1);
	t1 = guest_rdtsc();
	vals[2] = guest_irqs[0].count;
	vals[3] = guest_irqs[0].last;
	vals[4] = apic_read(APIC_TMCCT);
	guest_sti();
	while (guest_rdtsc() < t1 + 3 * (t1 - t0))
		guest_pause();
	guest_cli();
	vals[5] = guest_irqs[0].count;
	vals[6] = apic_read(APIC_TMCCT);
	GUEST_DONE();
}

TEST_F(lapic, timer_oneshot)
{
	set_entry(guest_timer_oneshot);
	done0();
	EXPECT_EQ(ONESHOT_NS, VAL(0));
	EXPECT_GE(ONESHOT_NS, VAL(1));
	EXPECT_EQ(1, VAL(2));
	EXPECT_EQ(TIMER_VECTOR, VAL(3));
	EXPECT_EQ(0, VAL(4));
	EXPECT_EQ(1, VAL(5)) TH_LOG("a one-shot timer fired again");
	EXPECT_EQ(0, VAL(6));
}

/*
 * The current count goes down from the initial count; writing 0 to the
 * initial count stops the timer (SDM 11.5.4): it reads 0 and never fires.
 */
static GUEST_CODE void guest_timer_countdown(void)
{
	guest_timer_setup(APIC_LVT_TIMER_ONESHOT | TIMER_VECTOR, APIC_TDCR_1);
	apic_write(APIC_TMICT, 0xffffffff);
	vals[0] = apic_read(APIC_TMCCT);
	vals[1] = apic_read(APIC_TMCCT);
	apic_write(APIC_TMICT, 0);
	vals[2] = apic_read(APIC_TMCCT);
	guest_sti();
	guest_spin_ms(30);
	guest_cli();
	vals[3] = guest_irqs[0].count;
	GUEST_DONE();
}

TEST_F(lapic, timer_counts_down_and_stops)
{
	set_entry(guest_timer_countdown);
	done0();
	EXPECT_GT(0xffffffffULL, VAL(0));
	EXPECT_LT(VAL(1), VAL(0)) TH_LOG("the current count did not move");
	EXPECT_LT(0, VAL(1));
	EXPECT_EQ(0, VAL(2));
	EXPECT_EQ(0, VAL(3));
}

/*
 * The divide configuration (SDM 11.5.4, figure 11-10): the count goes down
 * @div times slower than with divide by 1. Each rate is measured against
 * the TSC over the same TSC interval; the TSC and the timer may both run at
 * an emulator's pace, but at a steady ratio.
 */
static const struct {
	uint32_t tdcr, div;
} divides[] = {
	{ APIC_TDCR_2, 2 }, { APIC_TDCR_4, 4 }, { APIC_TDCR_8, 8 },
	{ APIC_TDCR_16, 16 }, { APIC_TDCR_32, 32 }, { APIC_TDCR_64, 64 },
	{ APIC_TDCR_128, 128 },
};
#define NR_DIVIDES	7
/* Divide by 1 counts this much in the interval all divides are timed over. */
#define DIVIDE_REF_TICKS 10000000U

/*
 * The current count and the TSC at (nearly) the same moment: a read that
 * took longer than 2 ms waited for a CPU on a loaded host (the vCPU thread
 * was preempted) and is taken again, or the rates below would be off by
 * however long that was.
 */
static GUEST_CODE void timer_sample(uint64_t *count, uint64_t *tsc)
{
	uint64_t a, b;
	int tries = 100;

	do {
		a = guest_rdtsc();
		*count = apic_read(APIC_TMCCT);
		b = guest_rdtsc();
	} while (b - a > 2 * guest_tsc_khz && --tries);
	*tsc = a + (b - a) / 2;
}

static GUEST_CODE void guest_timer_divide(void)
{
	uint64_t c0, c1, t0, t1, interval;
	uint32_t i;

	guest_timer_setup(APIC_LVT_MASKED | TIMER_VECTOR, APIC_TDCR_1);
	apic_write(APIC_TMICT, 0xffffffff);
	timer_sample(&c0, &t0);
	do
		timer_sample(&c1, &t1);
	while (c0 - c1 < DIVIDE_REF_TICKS);
	interval = t1 - t0;
	vals[0] = c0 - c1;
	vals[1] = interval;
	for (i = 0; i < NR_DIVIDES; i++) {
		apic_write(APIC_TDCR, divides[i].tdcr);
		apic_write(APIC_TMICT, 0xffffffff);
		timer_sample(&c0, &t0);
		while (guest_rdtsc() - t0 < interval)
			guest_pause();
		timer_sample(&c1, &t1);
		vals[2 + 2 * i] = c0 - c1;
		vals[3 + 2 * i] = t1 - t0;
	}
	GUEST_DONE();
}

TEST_F(lapic, timer_divide)
{
	double ref, rate, ratio;
	uint32_t i;

	set_entry(guest_timer_divide);
	done0();
	ASSERT_NE(0, VAL(1));
	ref = (double)VAL(0) / VAL(1);
	for (i = 0; i < NR_DIVIDES; i++) {
		ASSERT_NE(0, VAL(2 + 2 * i));
		rate = (double)VAL(2 + 2 * i) / VAL(3 + 2 * i);
		ratio = ref / rate;
		EXPECT_TRUE(ratio > divides[i].div / 2.0 &&
			    ratio < divides[i].div * 2.0)
			TH_LOG("divide by %u: %.1f times slower than by 1",
			       divides[i].div, ratio);
	}
}

#define PERIOD_NS	5000000U

/*
 * Periodic: interrupts keep coming; the current count reloads. Stopped by
 * an initial count of 0 (with IF clear: one already in the IRR still
 * comes), nothing more arrives in five more periods.
 */
static GUEST_CODE void guest_timer_periodic(void)
{
	uint64_t t0, t1, pending, n;

	guest_timer_setup(APIC_LVT_TIMER_PERIODIC | TIMER_VECTOR,
			  APIC_TDCR_1);
	t0 = guest_rdtsc();
	apic_write(APIC_TMICT, PERIOD_NS);
	wait_irqs(3);
	t1 = guest_rdtsc();
	vals[0] = guest_irqs[0].per_vector[TIMER_VECTOR];
	vals[1] = apic_read(APIC_TMCCT);
	apic_write(APIC_TMICT, 0);
	pending = apic_vector_bit(APIC_IRR, TIMER_VECTOR);
	n = guest_irqs[0].count;
	guest_sti();
	while (guest_rdtsc() < t1 + 5 * (t1 - t0) / 3)
		guest_pause();
	guest_cli();
	vals[2] = guest_irqs[0].count - n - pending;
	vals[3] = apic_read(APIC_TMCCT);
	vals[4] = guest_irqs[0].count;
	GUEST_DONE();
}

TEST_F(lapic, timer_periodic)
{
	set_entry(guest_timer_periodic);
	done0();
	EXPECT_LE(3, VAL(0));
	EXPECT_EQ(VAL(4), irq_log(&self->e, 0).per_vector[TIMER_VECTOR])
		TH_LOG("an interrupt with another vector");
	EXPECT_GE(PERIOD_NS, VAL(1));
	EXPECT_EQ(0, VAL(2)) TH_LOG("interrupts after the timer was stopped");
	EXPECT_EQ(0, VAL(3));
}

/*
 * Masked: no interrupt (not even in the IRR), but the count still runs
 * down (SDM 11.5.1); unmasking later does not deliver the lost one.
 */
static GUEST_CODE void guest_timer_masked(void)
{
	guest_timer_setup(APIC_LVT_MASKED | TIMER_VECTOR, APIC_TDCR_1);
	guest_sti();
	apic_write(APIC_TMICT, 1000000);
	while (apic_read(APIC_TMCCT))
		guest_pause();
	guest_spin_ms(5);
	guest_cli();
	vals[0] = guest_irqs[0].count;
	vals[1] = apic_vector_bit(APIC_IRR, TIMER_VECTOR);
	apic_write(APIC_LVTT, TIMER_VECTOR);
	asm volatile("sti; nop; cli" : : : "memory");
	vals[2] = guest_irqs[0].count;
	GUEST_DONE();
}

TEST_F(lapic, timer_masked)
{
	if (host_is_qemu_tcg() || host_is_bochs())
		SKIP_KVM("KVM applies the LVT mask when it delivers an expired timer, which under an emulator comes after the guest has unmasked it");
	set_entry(guest_timer_masked);
	done0();
	EXPECT_EQ(0, VAL(0));
	EXPECT_EQ(0, VAL(1));
	EXPECT_EQ(0, VAL(2));
}

/*
 * TSC-deadline mode (SDM 11.5.4.1): the interrupt comes once the TSC
 * reaches IA32_TSC_DEADLINE, which then reads 0; the current count reads 0
 * in this mode.
 */
#define DEADLINE_MS	100

static GUEST_CODE void guest_tsc_deadline(void)
{
	uint64_t deadline;

	guest_timer_setup(APIC_LVT_TIMER_TSCDEADLINE | TIMER_VECTOR,
			  APIC_TDCR_1);
	vals[0] = guest_rdmsr(MSR_IA32_TSC_DEADLINE);
	deadline = guest_rdtsc() + DEADLINE_MS * guest_tsc_khz;
	guest_wrmsr(MSR_IA32_TSC_DEADLINE, deadline);
	vals[1] = guest_rdmsr(MSR_IA32_TSC_DEADLINE) == deadline;
	vals[2] = apic_read(APIC_TMCCT);
	wait_irqs(1);
	vals[3] = guest_rdtsc() >= deadline;
	vals[4] = guest_irqs[0].last;
	vals[5] = guest_rdmsr(MSR_IA32_TSC_DEADLINE);
	guest_sti();
	guest_spin_ms(DEADLINE_MS);
	guest_cli();
	vals[6] = guest_irqs[0].count;
	GUEST_DONE();
}

TEST_F(lapic, tsc_deadline_fires_once)
{
	set_entry(guest_tsc_deadline);
	done0();
	EXPECT_EQ(0, VAL(0));
	EXPECT_EQ(1, VAL(1)) TH_LOG("IA32_TSC_DEADLINE does not read back");
	EXPECT_EQ(0, VAL(2));
	EXPECT_EQ(1, VAL(3)) TH_LOG("fired before the deadline");
	EXPECT_EQ(TIMER_VECTOR, VAL(4));
	EXPECT_EQ(0, VAL(5));
	EXPECT_EQ(1, VAL(6));
}

/*
 * Writing 0 disarms; a deadline already past fires at once (the halt below
 * would otherwise never end). The deadline disarmed is 10 s away, so that
 * it cannot expire before the disarming write however long the vCPU
 * thread waits for a CPU in between (a loaded host).
 */
static GUEST_CODE void guest_tsc_deadline_disarm_past(void)
{
	guest_timer_setup(APIC_LVT_TIMER_TSCDEADLINE | TIMER_VECTOR,
			  APIC_TDCR_1);
	guest_wrmsr(MSR_IA32_TSC_DEADLINE,
		    guest_rdtsc() + 10000 * guest_tsc_khz);
	guest_wrmsr(MSR_IA32_TSC_DEADLINE, 0);
	vals[0] = guest_rdmsr(MSR_IA32_TSC_DEADLINE);
	guest_sti();
	guest_spin_ms(30);
	guest_cli();
	vals[1] = guest_irqs[0].count;
	guest_wrmsr(MSR_IA32_TSC_DEADLINE, guest_rdtsc() - 1);
	wait_irqs(1);
	vals[2] = guest_irqs[0].last;
	vals[3] = guest_rdmsr(MSR_IA32_TSC_DEADLINE);
	GUEST_DONE();
}

TEST_F(lapic, tsc_deadline_disarm_and_past)
{
	set_entry(guest_tsc_deadline_disarm_past);
	done0();
	EXPECT_EQ(0, VAL(0));
	EXPECT_EQ(0, VAL(1)) TH_LOG("a disarmed deadline fired");
	EXPECT_EQ(TIMER_VECTOR, VAL(2));
	EXPECT_EQ(0, VAL(3));
}

/*
 * Mode rules (SDM 11.5.4.1): outside TSC-deadline mode IA32_TSC_DEADLINE
 * reads 0 and ignores writes; in it the initial count ignores writes (and
 * so leaves an armed deadline alone); a change of mode disarms the
 * deadline.
 */
static GUEST_CODE void guest_tsc_deadline_modes(void)
{
	uint64_t deadline;

	guest_timer_setup(APIC_LVT_TIMER_ONESHOT | TIMER_VECTOR, APIC_TDCR_1);
	guest_wrmsr(MSR_IA32_TSC_DEADLINE, guest_rdtsc() + 1);
	vals[0] = guest_rdmsr(MSR_IA32_TSC_DEADLINE);
	apic_write(APIC_LVTT, APIC_LVT_TIMER_TSCDEADLINE | TIMER_VECTOR);
	vals[1] = guest_rdmsr(MSR_IA32_TSC_DEADLINE);
	apic_write(APIC_TMICT, 1000);
	vals[2] = apic_read(APIC_TMICT);
	guest_wrmsr(MSR_IA32_TSC_DEADLINE,
		    guest_rdtsc() + 10000 * guest_tsc_khz);
	apic_write(APIC_LVTT, APIC_LVT_TIMER_ONESHOT | TIMER_VECTOR);
	vals[3] = guest_rdmsr(MSR_IA32_TSC_DEADLINE);
	apic_write(APIC_LVTT, APIC_LVT_TIMER_TSCDEADLINE | TIMER_VECTOR);
	vals[4] = guest_rdmsr(MSR_IA32_TSC_DEADLINE);
	guest_sti();
	guest_spin_ms(30);
	guest_cli();
	vals[5] = guest_irqs[0].count;
	/* Far enough that it cannot fire before the read-back on a loaded host. */
	deadline = guest_rdtsc() + DEADLINE_MS * guest_tsc_khz;
	guest_wrmsr(MSR_IA32_TSC_DEADLINE, deadline);
	apic_write(APIC_TMICT, 1000);
	vals[6] = guest_rdmsr(MSR_IA32_TSC_DEADLINE) == deadline;
	guest_sti();
	guest_spin_ms(3 * DEADLINE_MS);
	guest_cli();
	vals[7] = guest_irqs[0].count;
	vals[8] = guest_irqs[0].last;
	GUEST_DONE();
}

TEST_F(lapic, tsc_deadline_mode_rules)
{
	set_entry(guest_tsc_deadline_modes);
	done0();
	EXPECT_EQ(0, VAL(0)) TH_LOG("deadline kept in one-shot mode");
	EXPECT_EQ(0, VAL(1));
	EXPECT_EQ(0, VAL(2)) TH_LOG("initial count written in deadline mode");
	EXPECT_EQ(0, VAL(3));
	EXPECT_EQ(0, VAL(4)) TH_LOG("a mode change did not disarm");
	EXPECT_EQ(0, VAL(5));
	EXPECT_EQ(1, VAL(6)) TH_LOG("writing TMICT changed the deadline");
	EXPECT_EQ(1, VAL(7)) TH_LOG("writing TMICT disarmed the deadline");
	EXPECT_EQ(TIMER_VECTOR, VAL(8));
}

/* ---- IPIs between two vCPUs ---- */

IRQCHIP_FIXTURE(ipi, 2);

#define AP_ID		1
#define IPI_PHYS	0x70
#define IPI_ALLBUT	0x71
#define IPI_ALLINC	0x72
#define IPI_LOG_AP	0x73
#define IPI_LOG_BSP	0x74
#define IPI_LOG_BOTH	0x75
#define IPI_MARKER	0x31	/* below the others: comes after them */
#define IPI_WAKE	0x32

static volatile uint64_t ap_ready, ap_exit, ap_id_reg, ap_ldr, ap_cpuid_id;

/*
 * Flat logical model in xAPIC mode: logical ID 1 << APIC ID (SDM 11.6.2.2).
 * x2APIC derives the same bits (cluster 0, SDM 11.12.10.2).
 */
GUEST_INLINE void set_flat_ldr(void)
{
	if (guest_x2apic)
		return;
	apic_write(APIC_DFR, 0xffffffff);
	apic_write(APIC_LDR, (1U << apic_id()) << 24);
}

/* The AP: report who it is, then take interrupts until told to stop. */
static GUEST_CODE void ap_idle(uint64_t arg)
{
	uint32_t a, b, c, d;

	(void)arg;
	guest_apic_enable();
	set_flat_ldr();
	ap_id_reg = apic_read(APIC_ID);
	ap_ldr = apic_read(APIC_LDR);
	guest_cpuid(1, 0, &a, &b, &c, &d);
	ap_cpuid_id = b >> 24;
	ap_ready = 1;
	GUEST_HALT_UNTIL(ap_exit);
	GUEST_DONE();
}

static GUEST_CODE void bsp_start_ap(guest_ap_entry_t entry)
{
	guest_irq_hook = guest_irq_log_eoi;
	guest_apic_enable();
	set_flat_ldr();
	guest_ap_start(AP_ID, entry, 0);
	GUEST_WAIT_EQ(&ap_ready, 1, "the AP did not report ready");
}

static GUEST_CODE void bsp_stop_ap(void)
{
	ap_exit = 1;
	apic_send_ipi(AP_ID, IPI_WAKE);
}

#define WAIT_IRQ(cpu, vector, n, msg) \
	GUEST_WAIT_EQ(&guest_irqs[cpu].per_vector[vector], n, msg)

static GUEST_CODE void guest_ipis(void)
{
	bsp_start_ap(ap_idle);
	GUEST_SYNC(0);
	guest_sti();
	apic_send_ipi(AP_ID, IPI_PHYS);
	WAIT_IRQ(1, IPI_PHYS, 1, "fixed IPI to APIC ID 1");
	apic_send_ipi(0, APIC_DEST_ALLBUT | IPI_ALLBUT);
	WAIT_IRQ(1, IPI_ALLBUT, 1, "all-excluding-self IPI");
	apic_send_ipi(0, APIC_DEST_ALLINC | IPI_ALLINC);
	WAIT_IRQ(1, IPI_ALLINC, 1, "all-including-self IPI, AP");
	WAIT_IRQ(0, IPI_ALLINC, 1, "all-including-self IPI, self");
	apic_send_ipi(2, APIC_DEST_LOGICAL | IPI_LOG_AP);
	WAIT_IRQ(1, IPI_LOG_AP, 1, "logical IPI to the AP");
	apic_send_ipi(1, APIC_DEST_LOGICAL | IPI_LOG_BSP);
	WAIT_IRQ(0, IPI_LOG_BSP, 1, "logical IPI to self");
	apic_send_ipi(3, APIC_DEST_LOGICAL | IPI_LOG_BOTH);
	WAIT_IRQ(1, IPI_LOG_BOTH, 1, "logical IPI to both, AP");
	WAIT_IRQ(0, IPI_LOG_BOTH, 1, "logical IPI to both, self");
	/* Anything sent to the AP before came before this. */
	apic_send_ipi(AP_ID, IPI_MARKER);
	WAIT_IRQ(1, IPI_MARKER, 1, "marker IPI");
	guest_cli();
	bsp_stop_ap();
	GUEST_DONE();
}

TEST_F(ipi, fixed_shorthand_logical)
{
	static const struct {
		uint8_t vector;
		uint64_t bsp, ap;
	} want[] = {
		{ IPI_PHYS, 0, 1 }, { IPI_ALLBUT, 0, 1 }, { IPI_ALLINC, 1, 1 },
		{ IPI_LOG_AP, 0, 1 }, { IPI_LOG_BSP, 1, 0 },
		{ IPI_LOG_BOTH, 1, 1 }, { IPI_MARKER, 0, 1 },
	};
	struct ucall uc;
	size_t i;

	ASSERT_OK(guest_vcpu_entry(self->e.vcpu[0], guest_ipis, 0, 0));
	start_ap_thread(&self->e, 1);
	ASSERT_EQ(0, vcpu_sync(self->e.vcpu[0], &uc));
	if (variant->x2apic) {
		EXPECT_EQ(AP_ID, GUEST_VAR(self->e.vm, ap_id_reg));
		/* Cluster 0, bit 1 (SDM 11.12.10.2). */
		EXPECT_EQ(2, GUEST_VAR(self->e.vm, ap_ldr));
	} else {
		EXPECT_EQ(AP_ID << 24, GUEST_VAR(self->e.vm, ap_id_reg));
		EXPECT_EQ(2 << 24, GUEST_VAR(self->e.vm, ap_ldr));
	}
	EXPECT_EQ(AP_ID, GUEST_VAR(self->e.vm, ap_cpuid_id));
	vcpu_done(self->e.vcpu[0]);
	join_ap_done(&self->e, 1);
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		EXPECT_EQ(want[i].bsp,
			  irq_log(&self->e, 0).per_vector[want[i].vector])
			TH_LOG("vCPU 0, vector 0x%x", want[i].vector);
		EXPECT_EQ(want[i].ap,
			  irq_log(&self->e, 1).per_vector[want[i].vector])
			TH_LOG("vCPU 1, vector 0x%x", want[i].vector);
	}
	/*
	 * And nothing else, but the IPI that ended the AP's wait, if the AP
	 * took it: between the marker's handler and its next HLT it may see
	 * ap_exit first and stop with interrupts off, the IPI left pending.
	 */
	EXPECT_EQ(3, irq_log(&self->e, 0).count);
	EXPECT_GE(1, irq_log(&self->e, 1).per_vector[IPI_WAKE]);
	EXPECT_EQ(6 + irq_log(&self->e, 1).per_vector[IPI_WAKE],
		  irq_log(&self->e, 1).count);
}

/*
 * NMI IPIs ignore the vector field and RFLAGS.IF (SDM 11.6.1): the AP
 * takes one with IF clear; vCPU 0 sends one to its own APIC ID too.
 */
static GUEST_CODE void ap_nmi(uint64_t arg)
{
	(void)arg;
	guest_apic_enable();
	guest_cli();
	ap_ready = 1;
	while (!guest_irqs[1].per_vector[GUEST_NMI_VECTOR])
		guest_pause();
	GUEST_DONE();
}

static GUEST_CODE void guest_nmi_ipi(void)
{
	bsp_start_ap(ap_nmi);
	apic_send_ipi(AP_ID, APIC_DM_NMI | IPI_PHYS);
	WAIT_IRQ(1, GUEST_NMI_VECTOR, 1, "NMI IPI to the AP");
	apic_send_ipi(0, APIC_DM_NMI | IPI_PHYS);
	WAIT_IRQ(0, GUEST_NMI_VECTOR, 1, "NMI IPI to self");
	GUEST_DONE();
}

TEST_F(ipi, nmi)
{
	ASSERT_OK(guest_vcpu_entry(self->e.vcpu[0], guest_nmi_ipi, 0, 0));
	start_ap_thread(&self->e, 1);
	vcpu_done(self->e.vcpu[0]);
	join_ap_done(&self->e, 1);
	EXPECT_EQ(1, irq_log(&self->e, 0).count);
	EXPECT_EQ(1, irq_log(&self->e, 1).count);
	EXPECT_EQ(0, irq_log(&self->e, 1).per_vector[IPI_PHYS]);
}

TEST_HARNESS_MAIN
