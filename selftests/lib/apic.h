/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Local APIC and IOAPIC helpers for the selftests of hv's in-kernel irqchip
 * (uapi/linux/hv.h, "In-kernel interrupt controllers").
 *
 * Guest side: xAPIC MMIO and x2APIC MSR accessors (SDM vol. 3A, 11.4 and
 * 11.12), IOAPIC indirect register access (82093AA data sheet, 3.0), a log
 * of the interrupts each vCPU took, and guest_ap_start(), which brings
 * another vCPU up the way Linux does (INIT, INIT de-assert, two SIPIs)
 * through a real-mode trampoline that enters long mode and calls a C
 * function on that vCPU's own stack.
 *
 * Host side: a guest_vm_create() VM with an irqchip, vCPUs that run in
 * threads of their own, the HV_VM_IRQ_LINE/HV_VM_SIGNAL_MSI ioctls, and a
 * way to tell that a vCPU thread sleeps in the kernel (a halted vCPU).
 */
#ifndef HV_SELFTEST_APIC_H
#define HV_SELFTEST_APIC_H

#include <pthread.h>
#include <sys/types.h>

#include "guest.h"

/* ---- architecture ---- */

#define MSR_IA32_APICBASE	0x1b
#define MSR_IA32_TSC_DEADLINE	0x6e0
/* IA32_APIC_BASE.EXTD: x2APIC mode (SDM vol. 3A, 11.12.1). */
#define APIC_BASE_EXTD		(1ULL << 10)
#define APIC_BASE_EN		(1ULL << 11)
#define APIC_BASE_ADDR_MASK	0xfffff000ULL
#define APIC_DEFAULT_GPA	0xfee00000ULL

/* Local APIC register offsets (SDM vol. 3A, table 11-1). */
#define APIC_ID			0x020
#define APIC_LVR		0x030
#define APIC_TPR		0x080
#define APIC_APR		0x090
#define APIC_PPR		0x0a0
#define APIC_EOI		0x0b0
#define APIC_LDR		0x0d0
#define APIC_DFR		0x0e0
#define APIC_SVR		0x0f0
#define APIC_ISR		0x100
#define APIC_TMR		0x180
#define APIC_IRR		0x200
#define APIC_ESR		0x280
#define APIC_LVTCMCI		0x2f0
#define APIC_ICR		0x300
#define APIC_ICR2		0x310
#define APIC_LVTT		0x320
#define APIC_LVTTHMR		0x330
#define APIC_LVTPC		0x340
#define APIC_LVT0		0x350
#define APIC_LVT1		0x360
#define APIC_LVTERR		0x370
#define APIC_TMICT		0x380
#define APIC_TMCCT		0x390
#define APIC_TDCR		0x3e0
#define APIC_SELF_IPI		0x3f0	/* x2APIC only */

/* The x2APIC MSR of an xAPIC register offset (SDM vol. 3A, 11.12.1.2). */
#define X2APIC_MSR(reg)		(0x800 + ((reg) >> 4))

/* Version register: version 0x14, max LVT entry in 23:16 (SDM 11.4.8). */
#define APIC_VERSION		0x14
#define APIC_LVR_MAXLVT(v)	(((v) >> 16) & 0xff)

/* SVR (SDM 11.9). */
#define APIC_SVR_ENABLE		(1U << 8)
#define APIC_SPURIOUS_VECTOR	0xff

/* ICR (SDM 11.6.1, figure 11-12). */
#define APIC_DM_FIXED		(0U << 8)
#define APIC_DM_LOWEST		(1U << 8)
#define APIC_DM_NMI		(4U << 8)
#define APIC_DM_INIT		(5U << 8)
#define APIC_DM_STARTUP		(6U << 8)
#define APIC_DEST_LOGICAL	(1U << 11)
#define APIC_ICR_BUSY		(1U << 12)
#define APIC_INT_ASSERT		(1U << 14)
#define APIC_INT_LEVELTRIG	(1U << 15)
#define APIC_DEST_SELF		(1U << 18)
#define APIC_DEST_ALLINC	(2U << 18)
#define APIC_DEST_ALLBUT	(3U << 18)

/* LVT entries (SDM 11.5.1, figure 11-8). */
#define APIC_LVT_MASKED		(1U << 16)
#define APIC_LVT_LEVELTRIG	(1U << 15)
#define APIC_LVT_TIMER_ONESHOT	(0U << 17)
#define APIC_LVT_TIMER_PERIODIC	(1U << 17)
#define APIC_LVT_TIMER_TSCDEADLINE (2U << 17)
#define APIC_LVT_RESET		APIC_LVT_MASKED

/* Divide configuration register values (SDM 11.5.4, figure 11-10). */
#define APIC_TDCR_1		0xb
#define APIC_TDCR_2		0x0
#define APIC_TDCR_4		0x1
#define APIC_TDCR_8		0x2
#define APIC_TDCR_16		0x3
#define APIC_TDCR_32		0x8
#define APIC_TDCR_64		0x9
#define APIC_TDCR_128		0xa

/* IOAPIC (82093AA data sheet, 3.0 and 3.2). */
#define IOAPIC_REGSEL		0x00
#define IOAPIC_WINDOW		0x10
#define IOAPIC_REG_ID		0x00
#define IOAPIC_REG_VER		0x01
#define IOAPIC_REG_ARB		0x02
#define IOAPIC_REG_REDTBL(pin)	(0x10 + 2 * (pin))
#define IOAPIC_VERSION		0x11
#define IOAPIC_RTE_MASKED	(1ULL << 16)
#define IOAPIC_RTE_LEVEL	(1ULL << 15)
#define IOAPIC_RTE_REMOTE_IRR	(1ULL << 14)
#define IOAPIC_RTE_POLARITY_LOW	(1ULL << 13)
#define IOAPIC_RTE_DELIVS	(1ULL << 12)
#define IOAPIC_RTE_LOGICAL	(1ULL << 11)
#define IOAPIC_RTE_DEST(id)	((uint64_t)(id) << 56)

#define GUEST_NMI_VECTOR	2

/* MSI address and data (SDM vol. 3A, 11.11.1 and 11.11.2). */
#define MSI_ADDR_BASE		0xfee00000ULL
#define MSI_ADDR_DEST(id)	((uint64_t)(id) << 12)
#define MSI_DATA_NMI		(4U << 8)

/* ---- guest layout ---- */

/*
 * The AP trampoline's copy: SIPI vector GUEST_AP_SIPI_VECTOR starts a vCPU
 * in real mode at CS = vector << 8, IP = 0, that is here (SDM vol. 3A,
 * 9.4.4.1 and 11.6.1 "Start-Up"). Between GUEST_CODE16_GPA and
 * GUEST_TABLES_GPA; tests leave this page alone.
 */
#define GUEST_AP_TRAMPOLINE_GPA	0x9000ULL
#define GUEST_AP_SIPI_VECTOR	(GUEST_AP_TRAMPOLINE_GPA >> 12)

/* vCPUs an irqchip test VM has at most (stacks, interrupt logs). */
#define GUEST_MAX_CPUS		4

/* ---- guest side ---- */

/* Set by the tests (host or guest): the guest uses the x2APIC MSRs. */
extern volatile uint64_t guest_x2apic;
/* Set by irqchip_vm_create(): the TSC rate, for bounded waits. */
extern volatile uint64_t guest_tsc_khz;

GUEST_INLINE uint64_t guest_rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

/* 32-bit MMIO with a plain MOV, the form hv's instruction decoder knows. */
GUEST_INLINE uint32_t guest_mmio_read32(uint64_t gpa)
{
	uint32_t v;

	asm volatile("movl (%1), %0" : "=r"(v) : "r"(gpa) : "memory");
	return v;
}

GUEST_INLINE void guest_mmio_write32(uint64_t gpa, uint32_t v)
{
	asm volatile("movl %0, (%1)" : : "r"(v), "r"(gpa) : "memory");
}

GUEST_INLINE uint32_t xapic_read(uint32_t reg)
{
	return guest_mmio_read32(APIC_DEFAULT_GPA + reg);
}

GUEST_INLINE void xapic_write(uint32_t reg, uint32_t v)
{
	guest_mmio_write32(APIC_DEFAULT_GPA + reg, v);
}

/* The register in whichever interface guest_x2apic selects. */
GUEST_INLINE uint32_t apic_read(uint32_t reg)
{
	if (guest_x2apic)
		return (uint32_t)guest_rdmsr(X2APIC_MSR(reg));
	return xapic_read(reg);
}

GUEST_INLINE void apic_write(uint32_t reg, uint32_t v)
{
	if (guest_x2apic)
		guest_wrmsr(X2APIC_MSR(reg), v);
	else
		xapic_write(reg, v);
}

/* The APIC ID: xAPIC ID register bits 31:24, the whole x2APIC ID register. */
GUEST_INLINE uint32_t apic_id(void)
{
	uint32_t id = apic_read(APIC_ID);

	return guest_x2apic ? id : id >> 24;
}

GUEST_INLINE void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

/*
 * Send an IPI: @dest is the destination field (APIC ID or logical ID), @low
 * the ICR's low half. xAPIC: ICR2 first, the write of the low half sends;
 * then wait for the delivery status to go idle (SDM 11.6.1). x2APIC: one
 * 64-bit write of MSR 0x830 (SDM 11.12.9).
 */
GUEST_INLINE void apic_send_ipi(uint32_t dest, uint32_t low)
{
	if (guest_x2apic) {
		guest_wrmsr(X2APIC_MSR(APIC_ICR), ((uint64_t)dest << 32) | low);
		return;
	}
	xapic_write(APIC_ICR2, dest << 24);
	xapic_write(APIC_ICR, low);
	while (xapic_read(APIC_ICR) & APIC_ICR_BUSY)
		guest_pause();
}

/* Bit @vector of the 256-bit ISR, TMR or IRR at @base (SDM 11.8.4). */
GUEST_INLINE bool apic_vector_bit(uint32_t base, uint8_t vector)
{
	return (apic_read(base + (vector / 32) * 0x10) >> (vector % 32)) & 1;
}

GUEST_INLINE void guest_write_cr8(uint64_t v)
{
	asm volatile("mov %0, %%cr8" : : "r"(v) : "memory");
}

GUEST_INLINE uint64_t guest_read_cr8(void)
{
	uint64_t v;

	asm volatile("mov %%cr8, %0" : "=r"(v) : : "memory");
	return v;
}

GUEST_INLINE uint32_t ioapic_read(uint32_t reg)
{
	guest_mmio_write32(HV_IOAPIC_ADDR + IOAPIC_REGSEL, reg);
	return guest_mmio_read32(HV_IOAPIC_ADDR + IOAPIC_WINDOW);
}

GUEST_INLINE void ioapic_write(uint32_t reg, uint32_t v)
{
	guest_mmio_write32(HV_IOAPIC_ADDR + IOAPIC_REGSEL, reg);
	guest_mmio_write32(HV_IOAPIC_ADDR + IOAPIC_WINDOW, v);
}

GUEST_INLINE uint64_t ioapic_read_rte(uint32_t pin)
{
	uint64_t lo = ioapic_read(IOAPIC_REG_REDTBL(pin));

	return ((uint64_t)ioapic_read(IOAPIC_REG_REDTBL(pin) + 1) << 32) | lo;
}

/* High half (destination) first, so the entry is whole when @rte's low
 * half unmasks it. */
GUEST_INLINE void ioapic_write_rte(uint32_t pin, uint64_t rte)
{
	ioapic_write(IOAPIC_REG_REDTBL(pin) + 1, rte >> 32);
	ioapic_write(IOAPIC_REG_REDTBL(pin), (uint32_t)rte);
}

/*
 * Which vCPU the code runs on, from its stack pointer: each vCPU has its
 * own stack (guest_vcpu_init(), guest_ap_start()), id 0 at the top.
 */
GUEST_INLINE uint32_t guest_cpu(void)
{
	uint64_t rsp;

	asm volatile("mov %%rsp, %0" : "=r"(rsp));
	return (GUEST_STACK_TOP - rsp) / GUEST_STACK_SIZE;
}

/*
 * The interrupts a vCPU took (vectors 32-255 and NMI), kept by
 * guest_irq_log() / guest_irq_log_eoi() when a test makes one of them its
 * guest_irq_hook. @seq holds the first IRQ_SEQ_LEN vectors in arrival
 * order.
 */
#define IRQ_SEQ_LEN		32

struct guest_irq_log {
	uint64_t count;
	uint64_t last;
	uint64_t per_vector[256];
	uint64_t seq[IRQ_SEQ_LEN];
};

extern volatile struct guest_irq_log guest_irqs[GUEST_MAX_CPUS];

/* Record @vector in this vCPU's log. */
GUEST_CODE void guest_irq_log(uint64_t vector);
/* Record @vector, then EOI it (not for NMIs or the spurious vector). */
GUEST_CODE void guest_irq_log_eoi(uint64_t vector);

/*
 * Enable this vCPU's local APIC: x2APIC mode first when guest_x2apic is
 * set (IA32_APIC_BASE.EXTD), then the software enable bit with the
 * spurious vector 0xff (SDM 11.4.3 and 11.9). Does not touch the IDT hook.
 */
GUEST_CODE void guest_apic_enable(void);

/*
 * Wait until *@p == @v, at most @ms milliseconds of TSC time; false on
 * timeout. For flags another vCPU sets.
 */
GUEST_CODE bool guest_wait_eq(const volatile uint64_t *p, uint64_t v,
			      uint64_t ms);
/* Spin for @ms milliseconds of TSC time (no interrupt needed). */
GUEST_CODE void guest_spin_ms(uint64_t ms);

/* AP entry functions: never return (a return is reported as a failure). */
typedef void (*guest_ap_entry_t)(uint64_t arg);

/*
 * Start the vCPU with APIC ID @apic_id at @entry(@arg) in long mode, on its
 * own stack, with the IDT, page tables and control registers of vCPU 0's
 * start state. The sequence is the MP initialisation protocol Linux uses
 * (SDM vol. 3A, 9.4.4.1): INIT assert, INIT de-assert, two STARTUP IPIs
 * with GUEST_AP_SIPI_VECTOR. Returns once the AP runs in long mode; fails
 * the guest (UCALL_ABORT) if it does not within 10 seconds.
 */
GUEST_CODE void guest_ap_start(uint32_t apic_id, guest_ap_entry_t entry,
			       uint64_t arg);

/* ---- host side ---- */

/*
 * guest_vm_create(), then HV_VM_CREATE_IRQCHIP, the AP trampoline copied to
 * GUEST_AP_TRAMPOLINE_GPA and guest_tsc_khz measured. 0 or -errno.
 */
int irqchip_vm_create(struct hv *hv, struct hv_vm **out);

/*
 * guest_vcpu_add() for a VM from irqchip_vm_create(); vCPU 0's start state
 * also becomes the one guest_ap_start() gives the APs. 0 or -errno.
 */
int irqchip_vcpu_add(struct hv_vm *vm, uint32_t id, void *entry,
		     struct hv_vcpu **out);

/*
 * A vCPU running in a thread of its own. Harness assertions work only on
 * the test's main thread: the thread records how its run ended and the
 * main thread checks that after vcpu_thread_join().
 */
struct vcpu_thread {
	struct hv_vcpu *vcpu;
	pthread_t thread;
	bool started;
	/* One HV_VCPU_RUN; else run until UCALL_DONE, UCALL_ABORT or an
	 * exit that is no ucall (UCALL_SYNCs and kicks are passed over). */
	bool once;
	volatile bool stop;	/* vcpu_thread_stop(): end at next exit */
	volatile pid_t tid;	/* kernel thread id, 0 until it started */
	volatile bool done;	/* the thread has finished */
	/* How the run ended: */
	int err;		/* hv_vcpu_run()'s error, 0 if none */
	uint32_t exit_reason;	/* the last exit */
	uint64_t ucall;		/* its UCALL_* (UCALL_NONE: none) */
	struct ucall uc;
};

int vcpu_thread_start(struct vcpu_thread *t, struct hv_vcpu *vcpu,
		      bool once);
void vcpu_thread_join(struct vcpu_thread *t);
/* Ask a running thread to stop, kick its vCPU and join it (no-op if none). */
void vcpu_thread_stop(struct vcpu_thread *t);
/*
 * Wait (at most @timeout_ms) until the thread is asleep in the kernel,
 * seen in /proc on several reads in a row: a vCPU halted in HLT or waiting
 * for SIPI. False if it finished or never slept.
 */
bool vcpu_thread_wait_asleep(struct vcpu_thread *t, unsigned int timeout_ms);

/*
 * A test that hangs is ended by the harness with nothing but "terminated by
 * timeout". hang_report_start() starts a thread that, unless
 * hang_report_stop() comes first, prints after @ms milliseconds the state
 * and kernel stack of every thread of the process to stderr: which vCPU
 * waits where.
 */
struct hang_report {
	pthread_t thread;
	int pipe[2];
	unsigned int ms;
	bool started;
};

int hang_report_start(struct hang_report *h, unsigned int ms);
void hang_report_stop(struct hang_report *h);

/* One line about how a thread's run ended, for assertion messages. */
const char *vcpu_thread_describe(struct vcpu_thread *t, char *buf,
				 size_t len);

#endif /* HV_SELFTEST_APIC_H */
