// SPDX-License-Identifier: GPL-2.0
/*
 * The paravirtual clock (HV_CAP_PVCLOCK): KVM's kvmclock ABI, which Linux
 * guests use unmodified (Linux Documentation/virt/kvm/x86/cpuid.rst and
 * msr.rst). The CPUID signature and feature leaf, MSR_KVM_SYSTEM_TIME_NEW
 * filling a struct pvclock_vcpu_time_info whose time advances with the TSC
 * at the host's pace, MSR_KVM_WALL_CLOCK_NEW giving the wall-clock time of
 * kvmclock's zero, one clock for all vCPUs, and the clock against the local
 * APIC timer.
 */
#include "apic_test.h"

/*
 * Where the KVM leaves are (Linux scans 0x40000000 to 0x4000ff00 in steps
 * of 0x100 for the signature): hv has its own signature at 0x40000000 and
 * KVM's at 0x40000100; KVM itself (HV_ACCEL=kvm) at 0x40000000.
 */
#define HV_KVM_CPUID_BASE	0x40000100
#define KVM_KVM_CPUID_BASE	0x40000000
#define CPUID_BASE_LAST		0x4000ff00
/* "KVMKVMKVM\0\0\0" in EBX, ECX, EDX. */
#define KVM_SIG_EBX		0x4b4d564b
#define KVM_SIG_ECX		0x564b4d56
#define KVM_SIG_EDX		0x0000004d
#define KVM_FEATURE_CLOCKSOURCE2 (1U << 3)
#define CPUID_1_ECX_HYPERVISOR	(1U << 31)
#define MSR_KVM_WALL_CLOCK_NEW	0x4b564d00
#define MSR_KVM_SYSTEM_TIME_NEW	0x4b564d01
#define KVM_MSR_ENABLED		1ULL

/* The ABI's layouts (arch/x86/include/asm/pvclock-abi.h). */
struct pvclock_vcpu_time_info {
	uint32_t version;
	uint32_t pad0;
	uint64_t tsc_timestamp;
	uint64_t system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags;
	uint8_t pad[2];
};

struct pvclock_wall_clock {
	uint32_t version;
	uint32_t sec;
	uint32_t nsec;
};

_Static_assert(sizeof(struct pvclock_vcpu_time_info) == 32, "pvti");
_Static_assert(sizeof(struct pvclock_wall_clock) == 12, "wall clock");

/* One per vCPU: a structure must not cross a page (msr.rst). */
static volatile struct pvclock_vcpu_time_info pvti[2]
	__attribute__((aligned(64)));
static volatile struct pvclock_wall_clock wall __attribute__((aligned(64)));
static volatile uint64_t vals[64];

/*
 * kvmclock now, in ns: system_time + scaled TSC delta, retried while the
 * version is odd or changed (the pvclock read protocol).
 */
static GUEST_CODE uint64_t
pvclock_read(volatile struct pvclock_vcpu_time_info *p)
{
	uint32_t version;
	uint64_t delta, ns;
	int8_t shift;

	do {
		version = p->version;
		asm volatile("" : : : "memory");
		delta = guest_rdtsc() - p->tsc_timestamp;
		shift = p->tsc_shift;
		if (shift < 0)
			delta >>= -shift;
		else
			delta <<= shift;
		ns = p->system_time +
		     (uint64_t)(((unsigned __int128)delta *
				 p->tsc_to_system_mul) >> 32);
		asm volatile("" : : : "memory");
	} while ((version & 1) || version != p->version);
	return ns;
}

static GUEST_CODE void
pvclock_enable(volatile struct pvclock_vcpu_time_info *p)
{
	guest_wrmsr(MSR_KVM_SYSTEM_TIME_NEW, (uint64_t)p | KVM_MSR_ENABLED);
}

/* ---- without an irqchip ---- */

GUEST_FIXTURE(kvmclock, NULL);

#define set_entry(fn) ASSERT_OK(guest_vcpu_entry(self->g.vcpu, fn, 0, 0))
#define VAL(i)	(GUEST_VAR(self->g.vm, vals)[i])

static GUEST_CODE void guest_cpuid_leaves(void)
{
	uint32_t a, b, c, d, base;

	for (base = 0x40000000; base <= CPUID_BASE_LAST; base += 0x100) {
		guest_cpuid(base, 0, &a, &b, &c, &d);
		if (b == KVM_SIG_EBX && c == KVM_SIG_ECX && d == KVM_SIG_EDX)
			break;
	}
	vals[0] = a;
	vals[1] = b;
	vals[2] = c;
	vals[3] = d;
	vals[6] = base;
	guest_cpuid(base + 1, 0, &a, &b, &c, &d);
	vals[4] = a;
	guest_cpuid(1, 0, &a, &b, &c, &d);
	vals[5] = c;
	GUEST_DONE();
}

/*
 * "KVMKVMKVM\0\0\0" at 0x40000100 (KVM: 0x40000000) with the highest leaf
 * in EAX, the CLOCKSOURCE2 feature in the next leaf, and
 * CPUID.1:ECX.HYPERVISOR, without which Linux does not look for hypervisor
 * leaves at all.
 */
TEST_F(kvmclock, cpuid)
{
	char sig[12];
	uint32_t r;
	int i;

	set_entry(guest_cpuid_leaves);
	vcpu_done(self->g.vcpu);
	EXPECT_EQ(on_kvm() ? KVM_KVM_CPUID_BASE : HV_KVM_CPUID_BASE, VAL(6));
	EXPECT_LE(VAL(6) + 1, VAL(0));
	for (i = 0; i < 3; i++) {
		r = VAL(1 + i);
		memcpy(sig + 4 * i, &r, 4);
	}
	EXPECT_EQ(0, memcmp(sig, "KVMKVMKVM\0\0\0", 12))
		TH_LOG("signature \"%.12s\"", sig);
	EXPECT_TRUE(VAL(4) & KVM_FEATURE_CLOCKSOURCE2);
	EXPECT_TRUE(VAL(5) & CPUID_1_ECX_HYPERVISOR);
}

/*
 * The time structure after MSR_KVM_SYSTEM_TIME_NEW: a complete update (even
 * version, not 0), a scale; the MSR reads back. Then the time read at two
 * ucalls, with the host sleeping in between: it advances by about the time
 * the host saw pass.
 */
#define HOST_SLEEP_MS	200

static GUEST_CODE void guest_system_time(void)
{
	pvclock_enable(&pvti[0]);
	vals[0] = pvti[0].version;
	vals[1] = pvti[0].tsc_to_system_mul;
	vals[2] = guest_rdmsr(MSR_KVM_SYSTEM_TIME_NEW);
	GUEST_SYNC(pvclock_read(&pvti[0]));
	GUEST_SYNC(pvclock_read(&pvti[0]));
	GUEST_DONE();
}

TEST_F(kvmclock, system_time)
{
	uint64_t t1, t2, h1, h2;
	struct ucall uc;

	set_entry(guest_system_time);
	t1 = vcpu_sync(self->g.vcpu, &uc);
	h1 = now_ns();
	EXPECT_EQ(0, VAL(0) & 1);
	EXPECT_NE(0, VAL(0));
	EXPECT_NE(0, VAL(1));
	EXPECT_EQ((uint64_t)&pvti[0] | KVM_MSR_ENABLED, VAL(2));
	usleep(HOST_SLEEP_MS * 1000);
	t2 = vcpu_sync(self->g.vcpu, &uc);
	h2 = now_ns();
	vcpu_done(self->g.vcpu);
	ASSERT_LT(t1, t2);
	/* At least the sleep (half of it: emulated clocks), at most it all. */
	EXPECT_LE(HOST_SLEEP_MS * 1000000ULL / 2, t2 - t1)
		TH_LOG("kvmclock advanced %llu ns in a %u ms sleep",
		       (unsigned long long)(t2 - t1), HOST_SLEEP_MS);
	EXPECT_GE(2 * (h2 - h1) + 50000000ULL, t2 - t1)
		TH_LOG("kvmclock advanced %llu ns while the host saw %llu",
		       (unsigned long long)(t2 - t1),
		       (unsigned long long)(h2 - h1));
}

/*
 * MSR_KVM_WALL_CLOCK_NEW: {version, sec, nsec} is the wall-clock time at
 * which kvmclock read 0, so it plus kvmclock now is the time of day.
 */
static GUEST_CODE void guest_wall_clock(void)
{
	pvclock_enable(&pvti[0]);
	guest_wrmsr(MSR_KVM_WALL_CLOCK_NEW, (uint64_t)&wall);
	vals[0] = wall.version;
	vals[1] = wall.sec;
	vals[2] = wall.nsec;
	vals[3] = pvclock_read(&pvti[0]);
	vals[4] = guest_rdmsr(MSR_KVM_WALL_CLOCK_NEW);
	GUEST_DONE();
}

TEST_F(kvmclock, wall_clock)
{
	struct timespec ts;
	double guest, host;

	set_entry(guest_wall_clock);
	vcpu_done(self->g.vcpu);
	clock_gettime(CLOCK_REALTIME, &ts);
	EXPECT_EQ(0, VAL(0) & 1);
	EXPECT_NE(0, VAL(0));
	EXPECT_GT(1000000000ULL, VAL(2));
	EXPECT_EQ((uint64_t)&wall, VAL(4));
	guest = VAL(1) + VAL(2) / 1e9 + VAL(3) / 1e9;
	host = ts.tv_sec + ts.tv_nsec / 1e9;
	/* Emulated hosts keep poor time: a day is the bound. */
	EXPECT_GT(86400.0, guest > host ? guest - host : host - guest)
		TH_LOG("guest time %.0f, host time %.0f", guest, host);
}

/* ---- with an irqchip: two vCPUs and the APIC timer ---- */

FIXTURE(smp) {
	struct irq_env e;
};

FIXTURE_SETUP(smp)
{
	irq_env_setup(&self->e, 2, NULL, false);
}

FIXTURE_TEARDOWN(smp)
{
	irq_env_teardown(&self->e);
}

#define SVAL(i)	(GUEST_VAR(self->e.vm, vals)[i])

static volatile uint64_t turn;

/* vCPU 1 reads its own structure between two reads of vCPU 0's. */
static GUEST_CODE void ap_clock(uint64_t arg)
{
	(void)arg;
	pvclock_enable(&pvti[1]);
	turn = 1;
	if (!guest_wait_eq(&turn, 2, 10000))
		GUEST_FAIL("vCPU 0 did not take its turn");
	vals[1] = pvclock_read(&pvti[1]);
	turn = 3;
	GUEST_DONE();
}

#define TIMER_VECTOR	0x60
#define TIMER_NS	50000000U

static GUEST_CODE void guest_two_clocks_and_timer(void)
{
	uint64_t t0;

	guest_irq_hook = guest_irq_log_eoi;
	guest_apic_enable();
	pvclock_enable(&pvti[0]);
	guest_ap_start(1, ap_clock, 0);
	if (!guest_wait_eq(&turn, 1, 10000))
		GUEST_FAIL("vCPU 1 did not start its clock");
	vals[0] = pvclock_read(&pvti[0]);
	turn = 2;
	if (!guest_wait_eq(&turn, 3, 10000))
		GUEST_FAIL("vCPU 1 did not read its clock");
	vals[2] = pvclock_read(&pvti[0]);

	apic_write(APIC_TDCR, APIC_TDCR_1);
	apic_write(APIC_LVTT, TIMER_VECTOR);
	t0 = pvclock_read(&pvti[0]);
	apic_write(APIC_TMICT, TIMER_NS);
	GUEST_HALT_UNTIL(guest_irqs[0].count);
	vals[3] = pvclock_read(&pvti[0]) - t0;
	GUEST_DONE();
}

/*
 * One clock: vCPU 1's reading lies between two of vCPU 0's. The APIC
 * timer (HV_APIC_BUS_HZ, divide by 1) fires after TIMER_NS of kvmclock time:
 * both come from the host's clock, so not much less (a tenth off at most
 * for rounding and TSC calibration).
 */
TEST_F(smp, one_clock_and_apic_timer)
{
	ASSERT_OK(guest_vcpu_entry(self->e.vcpu[0], guest_two_clocks_and_timer,
				   0, 0));
	start_ap_thread(&self->e, 1);
	vcpu_done(self->e.vcpu[0]);
	join_ap_done(&self->e, 1);
	EXPECT_LE(SVAL(0), SVAL(1)) TH_LOG("vCPU 1's clock is behind");
	EXPECT_LE(SVAL(1), SVAL(2)) TH_LOG("vCPU 1's clock is ahead");
	EXPECT_LE(TIMER_NS / 10 * 9, SVAL(3))
		TH_LOG("a %u ns timer fired after %llu ns of kvmclock",
		       TIMER_NS, (unsigned long long)SVAL(3));
}

TEST_HARNESS_MAIN
