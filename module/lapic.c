// SPDX-License-Identifier: GPL-2.0
/*
 * hv: the local APIC of each vCPU (SDM vol. 3, chapter 11), in the kernel.
 *
 * Registers are kept in xAPIC layout and reached through MMIO at
 * IA32_APIC_BASE or, in x2APIC mode, through MSRs 0x800-0x8ff (SDM 11.12).
 * IRR and TMR are bitmaps any CPU sets atomically when it delivers an
 * interrupt; ISR and the other registers are only touched by the vCPU's own
 * thread. The timer runs on a host hrtimer; the bus clock is HV_APIC_BUS_HZ.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <asm/apicdef.h>
#include <asm/msr-index.h>
#include <asm/tsc.h>

#include "hv.h"

#define APIC_VERSION		0x14	/* integrated APIC (SDM 11.4.8) */
#define APIC_MAX_LVT		5	/* timer, thermal, PMC, LINT0/1, error */
#define APIC_X2APIC_MSR_BASE	0x800
#define APIC_X2APIC_MSR_END	0x8ff
#define APIC_ESR_SEND_ILLEGAL	BIT(5)
#define APIC_ESR_RECV_ILLEGAL	BIT(6)
#define APIC_TIMER_MODE_MASK	(3 << 17)
#define APIC_LVT_DM_MASK	(7 << 8)
/* A periodic timer faster than this would flood the host (KVM: 200 us too). */
#define APIC_MIN_PERIOD_NS	(200 * NSEC_PER_USEC)

static u32 apic_reg(const struct hv_lapic *apic, u32 off)
{
	return READ_ONCE(apic->regs[off >> 2]);
}

static void apic_set_reg(struct hv_lapic *apic, u32 off, u32 val)
{
	WRITE_ONCE(apic->regs[off >> 2], val);
}

static bool apic_hw_enabled(const struct hv_vcpu *vcpu)
{
	return vcpu->apic_base & MSR_IA32_APICBASE_ENABLE;
}

static bool apic_x2apic(const struct hv_vcpu *vcpu)
{
	return vcpu->apic_base & X2APIC_ENABLE;
}

static bool apic_sw_enabled(const struct hv_lapic *apic)
{
	return apic_reg(apic, APIC_SPIV) & APIC_SPIV_APIC_ENABLED;
}

static u32 apic_timer_mode(const struct hv_lapic *apic)
{
	return apic_reg(apic, APIC_LVTT) & APIC_TIMER_MODE_MASK;
}

/* Highest set bit of a 256-bit vector bitmap, or -1. */
static int apic_highest(const unsigned long *map)
{
	int i, w = BITS_TO_LONGS(256);

	for (i = w - 1; i >= 0; i--) {
		unsigned long v = READ_ONCE(map[i]);

		if (v)
			return i * BITS_PER_LONG + __fls(v);
	}
	return -1;
}

/* PPR (SDM 11.8.3.1): the higher of TPR and the in-service class. */
static u32 apic_ppr(const struct hv_lapic *apic)
{
	u32 tpr = apic_reg(apic, APIC_TASKPRI) & 0xff;
	int isr = apic_highest(apic->isr);
	u32 isrv = isr < 0 ? 0 : isr;

	return (tpr & 0xf0) >= (isrv & 0xf0) ? tpr : isrv & 0xf0;
}

/**
 * hv_lapic_pending_vector() - the interrupt the vCPU would take next
 * @vcpu: the vCPU (its own thread).
 *
 * Return: the highest requested vector whose priority class is above the
 * processor priority (SDM 11.8.4), or -1.
 */
int hv_lapic_pending_vector(struct hv_vcpu *vcpu)
{
	struct hv_lapic *apic = vcpu->lapic;
	int irr;

	if (!apic || !apic_hw_enabled(vcpu))
		return -1;
	irr = apic_highest(apic->irr);
	if (irr < 0 || (irr & 0xf0) <= (apic_ppr(apic) & 0xf0))
		return -1;
	return irr;
}

/* Does the TPR alone hold back the highest requested interrupt? */
bool hv_lapic_tpr_blocks(struct hv_vcpu *vcpu)
{
	struct hv_lapic *apic = vcpu->lapic;
	int irr = apic_highest(apic->irr);

	return irr >= 0 && (irr & 0xf0) <= (apic_reg(apic, APIC_TASKPRI) & 0xf0);
}

/* The interrupt was injected: it moves from IRR to ISR (SDM 11.8.4). */
void hv_lapic_ack(struct hv_vcpu *vcpu, int vector)
{
	struct hv_lapic *apic = vcpu->lapic;

	clear_bit(vector, apic->irr);
	__set_bit(vector, apic->isr);
	vcpu->stats[HV_STAT_IRQ_INJECTED]++;
}

static void apic_eoi(struct hv_vcpu *vcpu)
{
	struct hv_lapic *apic = vcpu->lapic;
	int vector = apic_highest(apic->isr);

	if (vector < 0)
		return;
	__clear_bit(vector, apic->isr);
	/* A level-triggered interrupt: the IOAPIC may deliver it again. */
	if (test_bit(vector, apic->tmr))
		hv_ioapic_eoi(vcpu->vm, vector);
}

/* Request @vector; any CPU. */
static bool apic_set_irr(struct hv_lapic *apic, u8 vector, bool level)
{
	if (vector < 16) {
		apic_set_reg(apic, APIC_ESR, apic_reg(apic, APIC_ESR) |
			     APIC_ESR_RECV_ILLEGAL);
		return false;
	}
	if (level)
		set_bit(vector, apic->tmr);
	else
		clear_bit(vector, apic->tmr);
	set_bit(vector, apic->irr);
	return true;
}

/* ---- timer ---- */

/* TDCR bits 3, 1:0 (SDM figure 11-10): 0b111 is 1, n is 2^(n+1). */
static u32 apic_divide(const struct hv_lapic *apic)
{
	u32 v = apic_reg(apic, APIC_TDCR);
	u32 n = (v & 3) | ((v & 8) >> 1);

	return n == 7 ? 1 : 2 << n;
}

static u64 apic_ticks_to_ns(u64 ticks, u32 divide)
{
	return div64_u64(ticks * divide * NSEC_PER_SEC, HV_APIC_BUS_HZ);
}

static void apic_timer_expired(struct hv_lapic *apic)
{
	u32 lvt = apic_reg(apic, APIC_LVTT);

	if (!(lvt & APIC_LVT_MASKED) && apic_set_irr(apic, lvt & 0xff, false))
		hv_vcpu_wake(apic->vcpu);
}

static enum hrtimer_restart apic_timer_fn(struct hrtimer *timer)
{
	struct hv_lapic *apic = container_of(timer, struct hv_lapic, timer);

	if (apic_timer_mode(apic) == APIC_LVT_TIMER_TSCDEADLINE) {
		u64 deadline = READ_ONCE(apic->tsc_deadline), now;

		/* Not before the TSC reaches it (SDM 11.5.4.1), whatever the rate. */
		now = hv_guest_tsc(apic->vcpu);
		if (deadline && now < deadline && hv_tsc_khz) {
			u64 ns = mul_u64_u32_div(deadline - now, USEC_PER_SEC,
						 hv_tsc_khz);

			hrtimer_forward_now(timer, max_t(u64, ns, NSEC_PER_USEC));
			return HRTIMER_RESTART;
		}
	}
	apic_timer_expired(apic);
	if (apic_timer_mode(apic) == APIC_LVT_TIMER_PERIODIC &&
	    apic->timer_period) {
		hrtimer_forward_now(timer, ns_to_ktime(apic->timer_period));
		return HRTIMER_RESTART;
	}
	if (apic_timer_mode(apic) == APIC_LVT_TIMER_TSCDEADLINE)
		WRITE_ONCE(apic->tsc_deadline, 0);
	return HRTIMER_NORESTART;
}

static void apic_timer_stop(struct hv_lapic *apic)
{
	hrtimer_cancel(&apic->timer);
	apic->timer_period = 0;
}

/* A write of TMICT (re)starts one-shot and periodic counting (SDM 11.5.4). */
static void apic_timer_start(struct hv_lapic *apic, u32 count)
{
	u64 ns;

	apic_timer_stop(apic);
	apic_set_reg(apic, APIC_TMICT, count);
	if (!count || apic_timer_mode(apic) == APIC_LVT_TIMER_TSCDEADLINE)
		return;
	ns = apic_ticks_to_ns(count, apic_divide(apic));
	if (apic_timer_mode(apic) == APIC_LVT_TIMER_PERIODIC) {
		ns = max_t(u64, ns, APIC_MIN_PERIOD_NS);
		apic->timer_period = ns;
	}
	apic->timer_start = ktime_get();
	hrtimer_start(&apic->timer, ktime_add_ns(apic->timer_start, ns),
		      HRTIMER_MODE_ABS_HARD);
}

/* TMCCT: what is left of the count, 0 once a one-shot count ran out. */
static u32 apic_timer_current(struct hv_lapic *apic)
{
	u32 divide = apic_divide(apic);
	u64 elapsed, left;

	if (apic_timer_mode(apic) == APIC_LVT_TIMER_TSCDEADLINE ||
	    !hrtimer_active(&apic->timer))
		return 0;
	elapsed = ktime_to_ns(ktime_sub(ktime_get(), apic->timer_start));
	if (apic->timer_period)
		left = apic->timer_period - do_div(elapsed, apic->timer_period);
	else
		left = ktime_to_ns(hrtimer_get_remaining(&apic->timer));
	if ((s64)left <= 0)
		return 0;
	return min_t(u64, div64_u64(left * HV_APIC_BUS_HZ,
				    (u64)divide * NSEC_PER_SEC),
		     apic_reg(apic, APIC_TMICT));
}

/**
 * hv_guest_tsc() - the guest's TSC now
 * @vcpu: the vCPU.
 */
u64 hv_guest_tsc(struct hv_vcpu *vcpu)
{
	return rdtsc() + hv_ops->tsc_offset(vcpu);
}

/* IA32_TSC_DEADLINE (SDM 11.5.4.1): writes count only in TSC-deadline mode. */
static void apic_set_tsc_deadline(struct hv_lapic *apic, u64 deadline)
{
	u64 now, ns = 0;

	if (apic_timer_mode(apic) != APIC_LVT_TIMER_TSCDEADLINE)
		return;
	apic_timer_stop(apic);
	WRITE_ONCE(apic->tsc_deadline, deadline);
	if (!deadline)
		return;
	now = hv_guest_tsc(apic->vcpu);
	if (deadline > now && hv_tsc_khz)
		ns = mul_u64_u32_div(deadline - now, USEC_PER_SEC, hv_tsc_khz);
	if (!ns) {
		WRITE_ONCE(apic->tsc_deadline, 0);
		apic_timer_expired(apic);
		return;
	}
	hrtimer_start(&apic->timer, ktime_add_ns(ktime_get(), ns),
		      HRTIMER_MODE_ABS_HARD);
}

/* ---- interrupt messages ---- */

static u32 apic_id(const struct hv_vcpu *vcpu)
{
	return vcpu->id;
}

static u32 apic_x2apic_ldr(u32 id)
{
	return ((id >> 4) << 16) | BIT(id & 0xf);
}

/* Does the APIC match a logical destination (SDM 11.6.2.2, 11.12.10.2)? */
static bool apic_match_logical(struct hv_vcpu *vcpu, u32 dest)
{
	struct hv_lapic *apic = vcpu->lapic;
	u32 ldr = apic_reg(apic, APIC_LDR);

	if (apic_x2apic(vcpu))
		return (ldr >> 16) == (dest >> 16) && (ldr & dest & 0xffff);
	ldr >>= 24;
	dest &= 0xff;
	if ((apic_reg(apic, APIC_DFR) >> 28) == 0xf)	/* flat model */
		return ldr & dest;
	return (ldr >> 4) == (dest >> 4) && (ldr & dest & 0xf);
}

static bool apic_match(struct hv_vcpu *vcpu, const struct hv_irq_msg *msg,
		       struct hv_vcpu *src)
{
	u32 bcast = msg->broadcast_ok && src && apic_x2apic(src) ?
		    0xffffffff : 0xff;

	switch (msg->shorthand) {
	case APIC_DEST_SELF >> 18:
		return vcpu == src;
	case APIC_DEST_ALLINC >> 18:
		return true;
	case APIC_DEST_ALLBUT >> 18:
		return vcpu != src;
	}
	if (msg->dest == bcast)
		return true;
	if (msg->logical)
		return apic_match_logical(vcpu, msg->dest);
	return msg->dest == apic_id(vcpu);
}

/* Accept a message at one local APIC (SDM 11.6.1, delivery modes). */
static bool apic_accept(struct hv_vcpu *vcpu, const struct hv_irq_msg *msg,
			bool assert)
{
	struct hv_lapic *apic = vcpu->lapic;

	switch (msg->delivery) {
	case APIC_DM_FIXED >> 8:
	case APIC_DM_LOWEST >> 8:
		if (!apic_sw_enabled(apic) ||
		    !apic_set_irr(apic, msg->vector, msg->level))
			return false;
		break;
	case APIC_DM_NMI >> 8:
		set_bit(HV_LAPIC_EV_NMI, &apic->events);
		break;
	case APIC_DM_INIT >> 8:
		/* INIT level de-assert only synchronises arbitration IDs. */
		if (msg->level && !assert)
			return false;
		/* A SIPI that came before this INIT is void (SDM 9.4.4). */
		clear_bit(HV_LAPIC_EV_SIPI, &apic->events);
		set_bit(HV_LAPIC_EV_INIT, &apic->events);
		break;
	case APIC_DM_STARTUP >> 8:
		WRITE_ONCE(apic->sipi_vector, msg->vector);
		/* The vector before the event: pairs with process_events. */
		smp_mb__before_atomic();
		set_bit(HV_LAPIC_EV_SIPI, &apic->events);
		break;
	default:
		/* SMI and ExtINT: no SMM and no 8259 in the kernel. */
		return false;
	}
	hv_vcpu_wake(vcpu);
	return true;
}

static int apic_deliver(struct hv_vm *vm, const struct hv_irq_msg *msg,
			struct hv_vcpu *src, bool assert)
{
	bool lowest = msg->delivery == APIC_DM_LOWEST >> 8;
	int i, n = 0;

	for (i = 0; i < HV_MAX_VCPUS; i++) {
		/* vCPUs live as long as the VM; pairs with hv_vcpu_create(). */
		struct hv_vcpu *vcpu = smp_load_acquire(&vm->vcpus[i]);

		if (!vcpu || !vcpu->lapic || !apic_hw_enabled(vcpu) ||
		    !apic_match(vcpu, msg, src))
			continue;
		n += apic_accept(vcpu, msg, assert);
		/* Lowest priority: the first APIC that takes it (SDM 11.6.2.4). */
		if (lowest && n)
			break;
	}
	return n;
}

/**
 * hv_lapic_deliver() - send an interrupt message to the local APICs
 * @vm: the VM.
 * @msg: the message (from the IOAPIC, an MSI or an ICR write).
 * @src: the sending vCPU for shorthands and x2APIC broadcasts, else NULL.
 *
 * Return: how many local APICs accepted it.
 */
int hv_lapic_deliver(struct hv_vm *vm, const struct hv_irq_msg *msg,
		     struct hv_vcpu *src)
{
	return apic_deliver(vm, msg, src, true);
}

/* A write of ICR low (xAPIC) or of the 64-bit ICR (x2APIC) sends an IPI. */
static void apic_send_ipi(struct hv_vcpu *vcpu, u64 icr)
{
	struct hv_irq_msg msg = {
		.vector = icr & APIC_VECTOR_MASK,
		.delivery = (icr & APIC_LVT_DM_MASK) >> 8,
		.logical = icr & APIC_DEST_LOGICAL,
		.level = icr & APIC_INT_LEVELTRIG,
		.shorthand = (icr >> 18) & 3,
		.broadcast_ok = true,
	};
	struct hv_lapic *apic = vcpu->lapic;

	msg.dest = apic_x2apic(vcpu) ? icr >> 32 : (icr >> 56) & 0xff;
	if (msg.vector < 16 && (msg.delivery == APIC_DM_FIXED >> 8 ||
				msg.delivery == APIC_DM_LOWEST >> 8)) {
		apic_set_reg(apic, APIC_ESR, apic_reg(apic, APIC_ESR) |
			     APIC_ESR_SEND_ILLEGAL);
		return;
	}
	apic_deliver(vcpu->vm, &msg, vcpu, icr & APIC_INT_ASSERT);
}

/* ---- registers ---- */

/* Bits 32n..32n+31 of a vector bitmap, for the register at 16n. */
static u32 apic_map_word(const unsigned long *map, u32 off)
{
	unsigned int bit = (off >> 4) * 32;

	return READ_ONCE(map[BIT_WORD(bit)]) >> (bit % BITS_PER_LONG);
}

static u32 apic_read(struct hv_vcpu *vcpu, u32 off)
{
	struct hv_lapic *apic = vcpu->lapic;

	switch (off) {
	case APIC_ID:
		return apic_x2apic(vcpu) ? apic_id(vcpu) : apic_id(vcpu) << 24;
	case APIC_PROCPRI:
		return apic_ppr(apic);
	case APIC_ISR ... APIC_ISR + 0x70:
		return apic_map_word(apic->isr, off - APIC_ISR);
	case APIC_TMR ... APIC_TMR + 0x70:
		return apic_map_word(apic->tmr, off - APIC_TMR);
	case APIC_IRR ... APIC_IRR + 0x70:
		return apic_map_word(apic->irr, off - APIC_IRR);
	case APIC_TMCCT:
		return apic_timer_current(apic);
	default:
		return apic_reg(apic, off);
	}
}

static void apic_write_lvt(struct hv_lapic *apic, u32 off, u32 val)
{
	static const u32 mask[] = {
		[(APIC_LVTT - APIC_LVTT) >> 4] = 0x700ff,
		[(APIC_LVTTHMR - APIC_LVTT) >> 4] = 0x107ff,
		[(APIC_LVTPC - APIC_LVTT) >> 4] = 0x107ff,
		[(APIC_LVT0 - APIC_LVTT) >> 4] = 0x1a7ff,
		[(APIC_LVT1 - APIC_LVTT) >> 4] = 0x1a7ff,
		[(APIC_LVTERR - APIC_LVTT) >> 4] = 0x100ff,
	};
	u32 old = apic_reg(apic, off);

	val &= mask[(off - APIC_LVTT) >> 4];
	/* A software-disabled APIC keeps every LVT masked (SDM 11.4.7.2). */
	if (!apic_sw_enabled(apic))
		val |= APIC_LVT_MASKED;
	apic_set_reg(apic, off, val);
	/* Changing the timer mode stops the timer (as KVM does). */
	if (off == APIC_LVTT && ((old ^ val) & APIC_TIMER_MODE_MASK)) {
		apic_timer_stop(apic);
		apic_set_reg(apic, APIC_TMICT, 0);
		WRITE_ONCE(apic->tsc_deadline, 0);
	}
}

static void apic_write_svr(struct hv_lapic *apic, u32 val)
{
	u32 off;

	apic_set_reg(apic, APIC_SPIV, val & 0x3ff);
	if (val & APIC_SPIV_APIC_ENABLED)
		return;
	for (off = APIC_LVTT; off <= APIC_LVTERR; off += 0x10)
		apic_set_reg(apic, off, apic_reg(apic, off) | APIC_LVT_MASKED);
}

/*
 * Write a register; -EINVAL for a register that cannot be written (the
 * caller turns that into #GP in x2APIC mode, or ignores it for MMIO).
 */
static int apic_write(struct hv_vcpu *vcpu, u32 off, u32 val)
{
	struct hv_lapic *apic = vcpu->lapic;

	switch (off) {
	case APIC_TASKPRI:
		apic_set_reg(apic, off, val & 0xff);
		return 0;
	case APIC_EOI:
		apic_eoi(vcpu);
		return 0;
	case APIC_LDR:
		if (apic_x2apic(vcpu))
			return -EINVAL;
		apic_set_reg(apic, off, val & 0xff000000);
		return 0;
	case APIC_DFR:
		if (apic_x2apic(vcpu))
			return -EINVAL;
		apic_set_reg(apic, off, val | 0x0fffffff);
		return 0;
	case APIC_SPIV:
		apic_write_svr(apic, val);
		return 0;
	case APIC_ESR:
		apic_set_reg(apic, off, 0);
		return 0;
	case APIC_ICR:
		apic_set_reg(apic, off, val & ~APIC_ICR_BUSY);
		apic_send_ipi(vcpu, (u64)apic_reg(apic, APIC_ICR2) << 32 | val);
		return 0;
	case APIC_ICR2:
		if (apic_x2apic(vcpu))
			return -EINVAL;
		apic_set_reg(apic, off, val & 0xff000000);
		return 0;
	case APIC_LVTT:
	case APIC_LVTTHMR:
	case APIC_LVTPC:
	case APIC_LVT0:
	case APIC_LVT1:
	case APIC_LVTERR:
		apic_write_lvt(apic, off, val);
		return 0;
	case APIC_TMICT:
		/* Ignored in TSC-deadline mode (SDM 11.5.4.1). */
		if (apic_timer_mode(apic) != APIC_LVT_TIMER_TSCDEADLINE)
			apic_timer_start(apic, val);
		return 0;
	case APIC_TDCR:
		apic_set_reg(apic, off, val & 0xb);
		return 0;
	case APIC_SELF_IPI:
		if (!apic_x2apic(vcpu))
			return -EINVAL;
		apic_send_ipi(vcpu, APIC_DEST_SELF | (val & APIC_VECTOR_MASK));
		return 0;
	default:
		return -EINVAL;	/* read-only or reserved */
	}
}

/**
 * hv_lapic_mmio() - an xAPIC access at IA32_APIC_BASE
 * @vcpu: the vCPU.
 * @gpa: the guest-physical address.
 * @size: access size.
 * @write: a write.
 * @val: the data written, or where the data read goes.
 *
 * Return: false if the address is not this vCPU's APIC page (x2APIC mode
 * and a disabled APIC do not decode it).
 */
bool hv_lapic_mmio(struct hv_vcpu *vcpu, u64 gpa, unsigned int size,
		   bool write, u64 *val)
{
	u64 base = vcpu->apic_base & MSR_IA32_APICBASE_BASE;
	u32 off = gpa - base;

	if (!vcpu->lapic || !apic_hw_enabled(vcpu) || apic_x2apic(vcpu) ||
	    gpa < base || gpa - base >= PAGE_SIZE)
		return false;
	/* Registers are 32 bits on 16-byte boundaries (SDM 11.4.1). */
	if (write) {
		if (size == 4 && !(off & 0xf))
			apic_write(vcpu, off, *val);
		return true;
	}
	*val = (off & 0xf) + size > 4 || off >= 0x400 ? 0 :
	       apic_read(vcpu, off & ~0xf) >> ((off & 3) * 8);
	return true;
}

bool hv_lapic_is_msr(u32 index)
{
	return (index >= APIC_X2APIC_MSR_BASE &&
		index <= APIC_X2APIC_MSR_END) || index == MSR_IA32_TSC_DEADLINE;
}

/* x2APIC registers that exist as MSRs (SDM table 11-6). */
static bool x2apic_readable(u32 off)
{
	switch (off) {
	case APIC_ID: case APIC_LVR: case APIC_TASKPRI: case APIC_PROCPRI:
	case APIC_LDR: case APIC_SPIV: case APIC_ESR: case APIC_ICR:
	case APIC_LVTT ... APIC_TMCCT: case APIC_TDCR:
	case APIC_ISR ... APIC_IRR + 0x70:
		return !(off & 0xf);
	default:
		return false;
	}
}

/**
 * hv_lapic_msr_read() - RDMSR of an x2APIC register or IA32_TSC_DEADLINE
 * @vcpu: the vCPU.
 * @index: the MSR.
 * @data: the value.
 *
 * Return: 0, or -EINVAL for #GP (x2APIC off, write-only or absent register).
 */
int hv_lapic_msr_read(struct hv_vcpu *vcpu, u32 index, u64 *data)
{
	struct hv_lapic *apic = vcpu->lapic;
	u32 off = (index - APIC_X2APIC_MSR_BASE) << 4;

	if (index == MSR_IA32_TSC_DEADLINE) {
		*data = READ_ONCE(apic->tsc_deadline);
		return 0;
	}
	if (!apic_x2apic(vcpu) || !x2apic_readable(off))
		return -EINVAL;
	*data = apic_read(vcpu, off);
	if (off == APIC_ICR)
		*data |= (u64)apic_reg(apic, APIC_ICR2) << 32;
	return 0;
}

/**
 * hv_lapic_msr_write() - WRMSR of an x2APIC register or IA32_TSC_DEADLINE
 * @vcpu: the vCPU.
 * @index: the MSR.
 * @data: the value.
 *
 * Return: 0, or -EINVAL for #GP (SDM 11.12.1.2: x2APIC off, read-only or
 * absent register, reserved bits, a non-zero EOI).
 */
int hv_lapic_msr_write(struct hv_vcpu *vcpu, u32 index, u64 data)
{
	struct hv_lapic *apic = vcpu->lapic;
	u32 off = (index - APIC_X2APIC_MSR_BASE) << 4;

	if (index == MSR_IA32_TSC_DEADLINE) {
		apic_set_tsc_deadline(apic, data);
		return 0;
	}
	if (!apic_x2apic(vcpu))
		return -EINVAL;
	if (off == APIC_ICR) {
		apic_set_reg(apic, APIC_ICR2, data >> 32);
		return apic_write(vcpu, APIC_ICR, data);
	}
	if (data >> 32 || (off == APIC_EOI && data) ||
	    (off == APIC_TASKPRI && data > 0xff) ||
	    (off == APIC_SELF_IPI && data > 0xff))
		return -EINVAL;
	return apic_write(vcpu, off, data);
}

/*
 * IA32_APIC_BASE (SDM 11.12.5, figure 11-27): x2APIC only from enabled
 * xAPIC, back only through disabled; entering x2APIC fixes ID and LDR.
 */
int hv_lapic_set_base(struct hv_vcpu *vcpu, u64 data, bool host)
{
	struct hv_lapic *apic = vcpu->lapic;
	u64 old = vcpu->apic_base;
	bool en = data & MSR_IA32_APICBASE_ENABLE, x2 = data & X2APIC_ENABLE;

	if (!hv_apic_base_valid(data & ~X2APIC_ENABLE) || (x2 && !en))
		return -EINVAL;
	if (!host && (old & X2APIC_ENABLE) && en && !x2)
		return -EINVAL;
	vcpu->apic_base = data;
	if (x2 && !(old & X2APIC_ENABLE))
		apic_set_reg(apic, APIC_LDR, apic_x2apic_ldr(apic_id(vcpu)));
	if (!en && (old & MSR_IA32_APICBASE_ENABLE))
		apic_write_svr(apic, apic_reg(apic, APIC_SPIV) &
			       ~APIC_SPIV_APIC_ENABLED);
	return 0;
}

void hv_lapic_set_cr8(struct hv_vcpu *vcpu, u64 cr8)
{
	apic_set_reg(vcpu->lapic, APIC_TASKPRI, (cr8 & 0xf) << 4);
}

u64 hv_lapic_get_cr8(struct hv_vcpu *vcpu)
{
	return (apic_reg(vcpu->lapic, APIC_TASKPRI) >> 4) & 0xf;
}

/* ---- INIT, SIPI, NMI ---- */

bool hv_lapic_has_events(struct hv_vcpu *vcpu)
{
	return vcpu->lapic && READ_ONCE(vcpu->lapic->events);
}

/* INIT (SDM 10.4.1, table 10-1): reset, and an AP waits for a SIPI. */
static int apic_init_vcpu(struct hv_vcpu *vcpu)
{
	struct hv_regs regs = { .rip = 0xfff0, .rflags = X86_EFLAGS_FIXED };
	struct hv_events *ev = &vcpu->events;
	int ret;

	ret = hv_set_regs(vcpu, &regs) ?: hv_reset_sregs(vcpu);
	if (ret)
		return ret;
	ev->exc_pending = false;
	ev->nmi_pending = false;
	ev->nmi_masked = false;
	vcpu->pending.kind = HV_COMPLETE_NONE;
	hv_lapic_reset(vcpu);
	vcpu->mp_state = vcpu->apic_base & MSR_IA32_APICBASE_BSP ?
			 HV_MP_RUNNABLE : HV_MP_WAIT_SIPI;
	return 0;
}

/* SIPI: real mode at vector:0000 (SDM 9.4.4.1), only while waiting. */
static int apic_sipi_vcpu(struct hv_vcpu *vcpu, u8 vector)
{
	struct hv_sregs s;
	struct hv_regs r;
	int ret;

	if (vcpu->mp_state != HV_MP_WAIT_SIPI)
		return 0;
	hv_get_regs(vcpu, &r);
	ret = hv_get_sregs(vcpu, &s);
	if (ret)
		return ret;
	r.rip = 0;
	s.cs.selector = vector << 8;
	s.cs.base = (u64)vector << 12;
	ret = hv_set_regs(vcpu, &r) ?: hv_set_sregs(vcpu, &s);
	if (!ret)
		vcpu->mp_state = HV_MP_RUNNABLE;
	return ret;
}

/**
 * hv_lapic_process_events() - act on INIT, SIPI and NMI messages
 * @vcpu: the vCPU, from its own thread before an entry.
 *
 * Return: 0 or a negative errno from the state ioctls' checks. An INIT or
 * SIPI that failed with -EBUSY (the backend could not reach the vCPU's
 * state, struct hv_arch_ops) stays pending for the next HV_VCPU_RUN.
 */
int hv_lapic_process_events(struct hv_vcpu *vcpu)
{
	struct hv_lapic *apic = vcpu->lapic;
	int ret = 0;

	if (!apic || !READ_ONCE(apic->events))
		return 0;
	if (test_and_clear_bit(HV_LAPIC_EV_INIT, &apic->events)) {
		ret = apic_init_vcpu(vcpu);
		if (ret == -EBUSY)
			set_bit(HV_LAPIC_EV_INIT, &apic->events);
		if (ret)
			return ret;
	}
	if (test_and_clear_bit(HV_LAPIC_EV_SIPI, &apic->events)) {
		/* Pairs with the barrier in apic_accept(). */
		smp_mb__after_atomic();
		ret = apic_sipi_vcpu(vcpu, READ_ONCE(apic->sipi_vector));
		if (ret == -EBUSY)
			set_bit(HV_LAPIC_EV_SIPI, &apic->events);
		if (ret)
			return ret;
	}
	if (test_and_clear_bit(HV_LAPIC_EV_NMI, &apic->events) &&
	    vcpu->mp_state != HV_MP_WAIT_SIPI)
		vcpu->events.nmi_pending = true;
	return 0;
}

/* ---- life cycle ---- */

/**
 * hv_lapic_reset() - the local APIC after RESET or INIT (SDM 11.4.7.1)
 * @vcpu: the vCPU; APIC ID and IA32_APIC_BASE are kept.
 */
void hv_lapic_reset(struct hv_vcpu *vcpu)
{
	struct hv_lapic *apic = vcpu->lapic;
	u32 off;

	apic_timer_stop(apic);
	memset(apic->regs, 0, sizeof(apic->regs));
	bitmap_zero(apic->irr, 256);
	bitmap_zero(apic->isr, 256);
	bitmap_zero(apic->tmr, 256);
	apic->tsc_deadline = 0;
	apic_set_reg(apic, APIC_LVR, APIC_VERSION | APIC_MAX_LVT << 16);
	apic_set_reg(apic, APIC_DFR, 0xffffffff);
	apic_set_reg(apic, APIC_SPIV, 0xff);
	for (off = APIC_LVTT; off <= APIC_LVTERR; off += 0x10)
		apic_set_reg(apic, off, APIC_LVT_MASKED);
	if (apic_x2apic(vcpu))
		apic_set_reg(apic, APIC_LDR, apic_x2apic_ldr(apic_id(vcpu)));
}

int hv_lapic_create(struct hv_vcpu *vcpu)
{
	struct hv_lapic *apic;

	apic = kzalloc(sizeof(*apic), GFP_KERNEL_ACCOUNT);
	if (!apic)
		return -ENOMEM;
	apic->vcpu = vcpu;
	hrtimer_setup(&apic->timer, apic_timer_fn, CLOCK_MONOTONIC,
		      HRTIMER_MODE_ABS_HARD);
	vcpu->lapic = apic;
	hv_lapic_reset(vcpu);
	vcpu->mp_state = vcpu->id == 0 ? HV_MP_RUNNABLE : HV_MP_WAIT_SIPI;
	return 0;
}

void hv_lapic_destroy(struct hv_vcpu *vcpu)
{
	if (!vcpu->lapic)
		return;
	hrtimer_cancel(&vcpu->lapic->timer);
	kfree(vcpu->lapic);
	vcpu->lapic = NULL;
}
