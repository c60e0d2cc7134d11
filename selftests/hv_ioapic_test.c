// SPDX-License-Identifier: GPL-2.0
/*
 * hv's in-kernel IOAPIC (Intel 82093AA data sheet; uapi/linux/hv.h,
 * HV_VM_IRQ_LINE): ID and version registers, the redirection table, edge
 * and level triggered pins (Remote IRR and redelivery after EOI), masking,
 * destinations and vector changes.
 *
 * The host drives the lines while the guest waits at a GUEST_SYNC(); the
 * guest reports through vals[]. A wanted interrupt is waited for in STI;
 * HLT (a lost one ends in the harness's timeout); an unwanted one is looked
 * for during a 20 ms spin with interrupts on.
 */
#include "apic_test.h"

static volatile uint64_t vals[64];
#define VAL(i)		(GUEST_VAR(self->e.vm, vals)[i])

/* How long the guest looks for an interrupt that must not come. */
#define QUIET_MS	20

FIXTURE(ioapic) {
	struct irq_env e;
};

FIXTURE_SETUP(ioapic)
{
	irq_env_setup(&self->e, 2, NULL, false);
}

FIXTURE_TEARDOWN(ioapic)
{
	irq_env_teardown(&self->e);
}

#define set_entry(fn) \
	ASSERT_OK(guest_vcpu_entry(self->e.vcpu[0], fn, 0, 0))
#define sync0(n) do { \
	struct ucall __uc; \
	ASSERT_EQ(n, vcpu_sync(self->e.vcpu[0], &__uc)); \
} while (0)
#define done0()		vcpu_done(self->e.vcpu[0])
#define line(gsi, level) \
	ASSERT_EQ(0, hv_vm_irq_line(self->e.vm, gsi, level))

/* Halt until this vCPU took @n interrupts; returns with IF clear. */
GUEST_INLINE void wait_irqs(uint64_t n)
{
	volatile struct guest_irq_log *l = &guest_irqs[guest_cpu()];

	GUEST_HALT_UNTIL(l->count >= n);
}

/* Interrupts on for QUIET_MS: whatever is pending comes now. */
GUEST_INLINE void quiet_window(void)
{
	guest_sti();
	guest_spin_ms(QUIET_MS);
	guest_cli();
}

static GUEST_CODE void guest_setup(void (*hook)(uint64_t))
{
	guest_irq_hook = hook;
	guest_apic_enable();
}

/* ---- registers ---- */

#define RW_PIN		3
#define RW_RTE		(IOAPIC_RTE_DEST(0x5c) | IOAPIC_RTE_MASKED | \
			 IOAPIC_RTE_LEVEL | IOAPIC_RTE_POLARITY_LOW | \
			 IOAPIC_RTE_LOGICAL | APIC_DM_LOWEST | 0x93)
#define RO_BITS		(IOAPIC_RTE_REMOTE_IRR | IOAPIC_RTE_DELIVS)

/*
 * ID (bits 27:24, read/write), version 0x11 with 24 entries (maximum
 * redirection entry 23 in bits 23:16), every entry masked after reset, and
 * entries that keep what is written but for the read-only delivery status
 * and Remote IRR (82093AA, 3.2.1 to 3.2.4).
 */
static GUEST_CODE void guest_registers(void)
{
	uint32_t pin, unmasked = 0;

	vals[0] = ioapic_read(IOAPIC_REG_ID);
	ioapic_write(IOAPIC_REG_ID, 0x0a000000);
	vals[1] = ioapic_read(IOAPIC_REG_ID);
	vals[2] = ioapic_read(IOAPIC_REG_VER);
	for (pin = 0; pin < HV_IOAPIC_PINS; pin++)
		if (!(ioapic_read_rte(pin) & IOAPIC_RTE_MASKED))
			unmasked |= 1U << pin;
	vals[3] = unmasked;
	ioapic_write_rte(RW_PIN, RW_RTE | RO_BITS);
	vals[4] = ioapic_read_rte(RW_PIN);
	ioapic_write_rte(HV_IOAPIC_PINS - 1, IOAPIC_RTE_DEST(0xff) |
					     IOAPIC_RTE_MASKED | 0x99);
	vals[5] = ioapic_read_rte(HV_IOAPIC_PINS - 1);
	/* IOREGSEL reads back. */
	guest_mmio_write32(HV_IOAPIC_ADDR + IOAPIC_REGSEL,
			   IOAPIC_REG_REDTBL(5));
	vals[6] = guest_mmio_read32(HV_IOAPIC_ADDR + IOAPIC_REGSEL);
	GUEST_DONE();
}

TEST_F(ioapic, registers)
{
	set_entry(guest_registers);
	done0();
	EXPECT_EQ(0, VAL(0));
	EXPECT_EQ(0x0a000000, VAL(1));
	EXPECT_EQ(((HV_IOAPIC_PINS - 1) << 16) | IOAPIC_VERSION, VAL(2));
	EXPECT_EQ(0, VAL(3)) TH_LOG("entries not masked after reset: 0x%llx",
				    (unsigned long long)VAL(3));
	EXPECT_EQ(RW_RTE, VAL(4));
	EXPECT_EQ(IOAPIC_RTE_DEST(0xff) | IOAPIC_RTE_MASKED | 0x99, VAL(5));
	EXPECT_EQ(IOAPIC_REG_REDTBL(5), VAL(6));
}

/* ---- edge triggered ---- */

#define EDGE_PIN	4
#define EDGE_VECTOR	0x54

/*
 * An edge pin interrupts once per rising edge: once when raised, not again
 * while it stays high, again after a lower and raise.
 */
static GUEST_CODE void guest_edge(void)
{
	guest_setup(guest_irq_log_eoi);
	ioapic_write_rte(EDGE_PIN, IOAPIC_RTE_DEST(0) | EDGE_VECTOR);
	GUEST_SYNC(0);
	wait_irqs(1);
	vals[0] = guest_irqs[0].last;
	GUEST_SYNC(1);
	quiet_window();
	vals[1] = guest_irqs[0].count;
	GUEST_SYNC(2);
	wait_irqs(2);
	vals[2] = guest_irqs[0].last;
	quiet_window();
	vals[3] = guest_irqs[0].count;
	vals[4] = apic_vector_bit(APIC_TMR, EDGE_VECTOR);
	GUEST_DONE();
}

TEST_F(ioapic, edge)
{
	set_entry(guest_edge);
	sync0(0);
	line(EDGE_PIN, 1);
	sync0(1);
	line(EDGE_PIN, 1);
	sync0(2);
	line(EDGE_PIN, 0);
	line(EDGE_PIN, 1);
	done0();
	EXPECT_EQ(EDGE_VECTOR, VAL(0));
	EXPECT_EQ(1, VAL(1)) TH_LOG("a pin that stayed high interrupted again");
	EXPECT_EQ(EDGE_VECTOR, VAL(2));
	EXPECT_EQ(2, VAL(3));
	EXPECT_EQ(0, VAL(4)) TH_LOG("edge interrupt marked level in the TMR");
}

/* ---- level triggered ---- */

#define LEVEL_PIN	6
#define LEVEL_VECTOR	0x56

/*
 * A level pin: the interrupt sets Remote IRR and the TMR bit (SDM 11.8.4);
 * no new message while Remote IRR is set, even for a new rising edge; the
 * EOI clears Remote IRR and, the line still asserted, the IOAPIC sends
 * again; once the line is low, an EOI ends it. The handler does not EOI:
 * the guest does, between the host's steps.
 */
static GUEST_CODE void guest_level(void)
{
	guest_setup(guest_irq_log);
	ioapic_write_rte(LEVEL_PIN, IOAPIC_RTE_DEST(0) | IOAPIC_RTE_LEVEL |
				    LEVEL_VECTOR);
	GUEST_SYNC(0);
	wait_irqs(1);
	vals[0] = guest_irqs[0].last;
	vals[1] = !!(ioapic_read_rte(LEVEL_PIN) & IOAPIC_RTE_REMOTE_IRR);
	vals[2] = apic_vector_bit(APIC_TMR, LEVEL_VECTOR);
	vals[3] = apic_vector_bit(APIC_ISR, LEVEL_VECTOR);
	GUEST_SYNC(1);
	quiet_window();
	/* The ISR bit holds a second one back: look in the IRR. */
	vals[4] = apic_vector_bit(APIC_IRR, LEVEL_VECTOR);
	vals[5] = guest_irqs[0].count;
	apic_eoi();
	wait_irqs(2);
	vals[6] = !!(ioapic_read_rte(LEVEL_PIN) & IOAPIC_RTE_REMOTE_IRR);
	GUEST_SYNC(2);
	apic_eoi();
	quiet_window();
	vals[7] = guest_irqs[0].count;
	vals[8] = !!(ioapic_read_rte(LEVEL_PIN) & IOAPIC_RTE_REMOTE_IRR);
	vals[9] = apic_vector_bit(APIC_IRR, LEVEL_VECTOR);
	vals[10] = apic_vector_bit(APIC_ISR, LEVEL_VECTOR);
	GUEST_DONE();
}

TEST_F(ioapic, level_remote_irr_and_eoi)
{
	set_entry(guest_level);
	sync0(0);
	line(LEVEL_PIN, 1);
	sync0(1);
	line(LEVEL_PIN, 0);
	line(LEVEL_PIN, 1);
	sync0(2);
	line(LEVEL_PIN, 0);
	done0();
	EXPECT_EQ(LEVEL_VECTOR, VAL(0));
	EXPECT_EQ(1, VAL(1)) TH_LOG("Remote IRR clear while in service");
	EXPECT_EQ(1, VAL(2)) TH_LOG("TMR bit clear for a level interrupt");
	EXPECT_EQ(1, VAL(3));
	EXPECT_EQ(0, VAL(4)) TH_LOG("sent again while Remote IRR was set");
	EXPECT_EQ(1, VAL(5));
	EXPECT_EQ(1, VAL(6)) TH_LOG("no Remote IRR for the redelivery");
	EXPECT_EQ(2, VAL(7)) TH_LOG("sent again after the line went low");
	EXPECT_EQ(0, VAL(8));
	EXPECT_EQ(0, VAL(9));
	EXPECT_EQ(0, VAL(10));
}

/* ---- masking ---- */

#define MASK_LEVEL_PIN	7
#define MASK_LEVEL_VEC	0x57
#define MASK_EDGE_PIN	8
#define MASK_EDGE_VEC	0x58

/*
 * A masked pin sends nothing. Unmasking a level pin whose line is asserted
 * sends it then; an edge that came while masked is lost (82093AA, 3.2.4:
 * "edge-sensitive interrupts signaled on a masked INTIN pin are ignored").
 */
static GUEST_CODE void guest_masked(void)
{
	guest_setup(guest_irq_log);
	ioapic_write_rte(MASK_LEVEL_PIN, IOAPIC_RTE_DEST(0) |
			 IOAPIC_RTE_MASKED | IOAPIC_RTE_LEVEL | MASK_LEVEL_VEC);
	ioapic_write_rte(MASK_EDGE_PIN, IOAPIC_RTE_DEST(0) |
			 IOAPIC_RTE_MASKED | MASK_EDGE_VEC);
	GUEST_SYNC(0);
	quiet_window();
	vals[0] = guest_irqs[0].count;
	vals[1] = apic_vector_bit(APIC_IRR, MASK_LEVEL_VEC);
	vals[2] = apic_vector_bit(APIC_IRR, MASK_EDGE_VEC);
	vals[3] = !!(ioapic_read_rte(MASK_LEVEL_PIN) & IOAPIC_RTE_REMOTE_IRR);
	ioapic_write_rte(MASK_EDGE_PIN, IOAPIC_RTE_DEST(0) | MASK_EDGE_VEC);
	quiet_window();
	vals[4] = guest_irqs[0].count;
	ioapic_write_rte(MASK_LEVEL_PIN, IOAPIC_RTE_DEST(0) |
			 IOAPIC_RTE_LEVEL | MASK_LEVEL_VEC);
	wait_irqs(1);
	vals[5] = guest_irqs[0].last;
	GUEST_SYNC(1);
	apic_eoi();
	/* The edge pin is live: a new edge comes through. */
	GUEST_SYNC(2);
	wait_irqs(2);
	vals[6] = guest_irqs[0].last;
	apic_eoi();
	GUEST_DONE();
}

TEST_F(ioapic, masked_pins)
{
	set_entry(guest_masked);
	sync0(0);
	line(MASK_LEVEL_PIN, 1);
	line(MASK_EDGE_PIN, 1);
	sync0(1);
	line(MASK_LEVEL_PIN, 0);
	sync0(2);
	line(MASK_EDGE_PIN, 0);
	line(MASK_EDGE_PIN, 1);
	done0();
	EXPECT_EQ(0, VAL(0)) TH_LOG("a masked pin interrupted");
	EXPECT_EQ(0, VAL(1));
	EXPECT_EQ(0, VAL(2));
	EXPECT_EQ(0, VAL(3));
	EXPECT_EQ(0, VAL(4)) TH_LOG("an edge seen while masked came later");
	EXPECT_EQ(MASK_LEVEL_VEC, VAL(5));
	EXPECT_EQ(MASK_EDGE_VEC, VAL(6));
}

/* ---- vector and destination ---- */

#define VEC_PIN		10
#define VEC_OLD		0x5a
#define VEC_NEW		0x6a

/* A reprogrammed entry sends its new vector. */
static GUEST_CODE void guest_vector_change(void)
{
	guest_setup(guest_irq_log_eoi);
	ioapic_write_rte(VEC_PIN, IOAPIC_RTE_DEST(0) | VEC_OLD);
	GUEST_SYNC(0);
	wait_irqs(1);
	ioapic_write_rte(VEC_PIN, IOAPIC_RTE_DEST(0) | VEC_NEW);
	GUEST_SYNC(1);
	wait_irqs(2);
	GUEST_DONE();
}

TEST_F(ioapic, vector_change)
{
	set_entry(guest_vector_change);
	sync0(0);
	line(VEC_PIN, 1);
	line(VEC_PIN, 0);
	sync0(1);
	line(VEC_PIN, 1);
	line(VEC_PIN, 0);
	done0();
	EXPECT_EQ(1, irq_log(&self->e, 0).per_vector[VEC_OLD]);
	EXPECT_EQ(1, irq_log(&self->e, 0).per_vector[VEC_NEW]);
	EXPECT_EQ(2, irq_log(&self->e, 0).count);
}

#define PHYS_PIN	9
#define PHYS_VECTOR	0x59
#define LOGICAL_PIN	11
#define LOGICAL_VECTOR	0x5b

static volatile uint64_t ap_ready;

/* vCPU 1: flat logical ID 0x02 (SDM 11.6.2.2); take two interrupts. */
static GUEST_CODE void ap_two_irqs(uint64_t arg)
{
	(void)arg;
	guest_apic_enable();
	apic_write(APIC_DFR, 0xffffffff);
	apic_write(APIC_LDR, 0x02000000);
	ap_ready = 1;
	wait_irqs(2);
	GUEST_DONE();
}

/*
 * The destination field picks the local APIC: physical APIC ID 1, then
 * logical ID 0x02, both vCPU 1 only.
 */
static GUEST_CODE void guest_destination(void)
{
	guest_setup(guest_irq_log_eoi);
	apic_write(APIC_DFR, 0xffffffff);
	apic_write(APIC_LDR, 0x01000000);
	guest_ap_start(1, ap_two_irqs, 0);
	if (!guest_wait_eq(&ap_ready, 1, 10000))
		GUEST_FAIL("vCPU 1 did not report ready");
	ioapic_write_rte(PHYS_PIN, IOAPIC_RTE_DEST(1) | PHYS_VECTOR);
	ioapic_write_rte(LOGICAL_PIN, IOAPIC_RTE_DEST(0x02) |
				      IOAPIC_RTE_LOGICAL | LOGICAL_VECTOR);
	GUEST_SYNC(0);
	if (!guest_wait_eq(&guest_irqs[1].per_vector[PHYS_VECTOR], 1, 10000))
		GUEST_FAIL("vCPU 1 did not get the physical destination");
	GUEST_SYNC(1);
	if (!guest_wait_eq(&guest_irqs[1].per_vector[LOGICAL_VECTOR], 1,
			   10000))
		GUEST_FAIL("vCPU 1 did not get the logical destination");
	quiet_window();
	GUEST_DONE();
}

TEST_F(ioapic, destination)
{
	set_entry(guest_destination);
	start_ap_thread(&self->e, 1);
	sync0(0);
	line(PHYS_PIN, 1);
	sync0(1);
	line(LOGICAL_PIN, 1);
	done0();
	join_ap_done(&self->e, 1);
	EXPECT_EQ(0, irq_log(&self->e, 0).count)
		TH_LOG("vCPU 0 took an interrupt for vCPU 1");
	EXPECT_EQ(2, irq_log(&self->e, 1).count);
}

TEST_HARNESS_MAIN
