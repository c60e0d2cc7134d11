/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Harness helpers for the irqchip selftests: a VM with an in-kernel irqchip
 * and up to GUEST_MAX_CPUS vCPUs, whose vCPUs other than 0 run in threads.
 * Include this instead of test_util.h (it includes it).
 */
#ifndef HV_SELFTEST_APIC_TEST_H
#define HV_SELFTEST_APIC_TEST_H

#include "test_util.h"
#include "apic.h"

/* How long a vCPU thread may take to fall asleep in HLT or wait-for-SIPI. */
#define ASLEEP_TIMEOUT_MS	10000

/**
 * struct irq_env - a VM with an irqchip
 * @hv: the device.
 * @vm: from irqchip_vm_create().
 * @vcpu: vCPUs 0 to @nr - 1; vCPU 0 starts at the fixture's entry, the
 *	others wait for SIPI (guest_ap_start()).
 * @run: vCPU 0's run page.
 * @th: the threads vCPUs 1 and up run in (vCPU 0 runs in the test's main
 *	thread), stopped by the teardown.
 * @nr: number of vCPUs.
 * @hang: reports where the threads wait if the test runs into the
 *	harness's timeout.
 */
struct irq_env {
	struct hv *hv;
	struct hv_vm *vm;
	struct hv_vcpu *vcpu[GUEST_MAX_CPUS];
	struct hv_run *run;
	struct vcpu_thread th[GUEST_MAX_CPUS];
	unsigned int nr;
	struct hang_report hang;
};

/* Just before the harness's own timeout (TEST_TIMEOUT_DEFAULT, 30 s). */
#define HANG_REPORT_MS	((TEST_TIMEOUT_DEFAULT - 3) * 1000)

static inline void __irq_env_setup(struct __test_metadata *_metadata,
				   struct irq_env *e, unsigned int nr,
				   void *entry, bool x2apic)
{
	unsigned int i;

	ASSERT_EQ(0, hang_report_start(&e->hang, HANG_REPORT_MS));
	e->hv = open_hv();
	if (cap(e->hv, HV_CAP_IRQCHIP) != HV_IOAPIC_PINS)
		SKIP_TEST("HV_CAP_IRQCHIP is not %d", HV_IOAPIC_PINS);
	ASSERT_OK(irqchip_vm_create(e->hv, &e->vm));
	GUEST_VAR(e->vm, guest_x2apic) = x2apic;
	for (i = 0; i < nr; i++) {
		ASSERT_OK(irqchip_vcpu_add(e->vm, i, i ? NULL : entry,
					   &e->vcpu[i]));
		e->nr = i + 1;
	}
	e->run = hv_vcpu_run_page(e->vcpu[0]);
}
#define irq_env_setup(e, nr, entry, x2apic) \
	__irq_env_setup(_metadata, e, nr, entry, x2apic)

static inline void irq_env_teardown(struct irq_env *e)
{
	unsigned int i;

	for (i = 0; i < GUEST_MAX_CPUS; i++)
		vcpu_thread_stop(&e->th[i]);
	if (e->vm)
		hv_vm_destroy(e->vm);
	if (e->hv)
		hv_close(e->hv);
	hang_report_stop(&e->hang);
}

/*
 * A harness fixture @name whose self->e has @nr vCPUs, vCPU 0 starting at
 * NULL (set it with guest_vcpu_entry()), and a variant that says whether
 * the guest uses xAPIC or x2APIC: each test runs in both.
 */
#define IRQCHIP_FIXTURE(name, nr)					\
	FIXTURE(name) {							\
		struct irq_env e;					\
	};								\
	FIXTURE_VARIANT(name) {						\
		bool x2apic;						\
	};								\
	FIXTURE_VARIANT_ADD(name, xapic) {				\
		.x2apic = false,					\
	};								\
	FIXTURE_VARIANT_ADD(name, x2apic) {				\
		.x2apic = true,						\
	};								\
	FIXTURE_SETUP(name)						\
	{								\
		irq_env_setup(&self->e, nr, NULL, variant->x2apic);	\
	}								\
	FIXTURE_TEARDOWN(name)						\
	{								\
		irq_env_teardown(&self->e);				\
	}

/* Start vCPU @id's thread: it waits for SIPI, then runs to UCALL_DONE. */
#define start_ap_thread(e, id) \
	ASSERT_EQ(0, vcpu_thread_start(&(e)->th[id], (e)->vcpu[id], false))

/* Join vCPU @id's thread and assert that its guest reached GUEST_DONE(). */
#define join_ap_done(e, id) do { \
	char __buf[512]; \
	vcpu_thread_join(&(e)->th[id]); \
	ASSERT_EQ(UCALL_DONE, (e)->th[id].ucall) \
		TH_LOG("%s", vcpu_thread_describe(&(e)->th[id], __buf, \
						  sizeof(__buf))); \
} while (0)

/* The interrupt log of vCPU @cpu, as the host sees it. */
#define irq_log(e, cpu)	(GUEST_VAR((e)->vm, guest_irqs)[cpu])

static inline uint64_t __vcpu_stat(struct __test_metadata *_metadata,
				   struct hv_vcpu *vcpu, unsigned int stat)
{
	struct hv_vcpu_stats st;

	ASSERT_OK(hv_vcpu_get_stats(vcpu, &st));
	ASSERT_LT(stat, st.nr);
	return st.count[stat];
}
#define vcpu_stat(vcpu, stat)	__vcpu_stat(_metadata, vcpu, stat)

#endif /* HV_SELFTEST_APIC_TEST_H */
