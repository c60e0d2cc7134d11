// SPDX-License-Identifier: GPL-2.0
/*
 * hv_bench: microbenchmarks of one accelerator, hv or KVM, with the same
 * guest code on both, timed from the host side (CLOCK_MONOTONIC around the
 * runs), for `make bench` (docs/BENCH.md).
 *
 *   hv_bench [-a hv|kvm] [-t MS] [-l] [NAME...]
 *
 * -a: the accelerator (default: HV_ACCEL, as libhv's hv_open(NULL));
 * -t: how long one measurement runs at least, in milliseconds (default
 * 200); -l: list the benchmarks and what they time. NAMEs pick benchmarks
 * (default: all). Each prints one line,
 *
 *   bench NAME ACCEL VALUE UNIT ITERATIONS
 *
 * and the scripts run it again and again, alternating the accelerators.
 *
 * Both accelerators are driven through libhv (lib/backend.h): the guest code
 * is C inside this binary (selftests/lib/guest.h), the VM has the in-kernel
 * irqchip, as a real guest would. A guest benchmark runs its operation N
 * times in a loop and then makes one ucall; its figure is
 * (T(N) - T(0)) / N, where T is the host time from the first RUN to the
 * ucall: the ucall's own exit and the entry cancel out. N grows until one
 * measurement takes -t milliseconds. Exits to userspace (port I/O, MMIO)
 * cost one RUN each; on KVM that includes libhv's translation of struct
 * kvm_run to struct hv_run (a few dozen instructions), and sync_regs is
 * empty during the loop on both, so that neither copies registers out.
 *
 * Where a benchmark times what kvm-unit-tests' x86/vmexit.c times, it has
 * that name: cpuid, inl_from_qemu (here "qemu" is this program),
 * self_ipi_sti_hlt, x2apic_self_ipi_sti_hlt, mmio-no-eventfd:pci-mem and
 * portio-no-eventfd:pci-io (a write that userspace completes).
 *
 * One idle VM is held for the whole run on either accelerator: KVM (before
 * 6.12) and hv turn virtualization on with the first VM and off with the
 * last, which VM creation would time otherwise; kvm_amd's switch also
 * freezes QEMU's emulated SVM every few dozen times.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "apic.h"

#define MSR_IA32_MISC_ENABLE	0x1a0

/* A port and an MMIO address nothing else uses: userspace completes them. */
#define BENCH_PORT		0x5000
#define BENCH_MMIO_GPA		(GUEST_MMIO_GPA + 0x1000)

/* Memory for fault_in: its own slot, new for each measurement. */
#define TOUCH_SLOT		1
#define TOUCH_GPA		GUEST_EXTRA_GPA
#define TOUCH_MAX_PAGES		(256ULL << 20 >> 12)

/* memslot_set_1g / memslot_delete_1g */
#define BIG_SLOT		2
#define BIG_GPA			(4ULL << 30)
#define BIG_SIZE		(1ULL << 30)

#define SELF_VECTOR		0x40
#define PING_VECTOR		0x41
#define PONG_VECTOR		0x42
#define VCPU_CREATE_PER_VM	4

#define NSEC_PER_SEC		1000000000ULL

enum guest_op {
	OP_NOP,
	OP_CPUID,
	OP_RDMSR,
	OP_INL,
	OP_OUTL,
	OP_MMIO_READ,
	OP_MMIO_WRITE,
	OP_SELF_IPI,
	OP_PING,
	OP_TOUCH,
	OP_AP_START,
};

/* Set by the host before each batch (the guest's copies, GUEST_VAR). */
static volatile uint64_t bench_op, bench_iters;
/* Interrupts counted by the guest's handler; the AP's APIC is enabled. */
static volatile uint64_t bench_ping, bench_pong, bench_ap_ready;
/* Operations done in this batch, and interrupts taken, for hang reports. */
static volatile uint64_t bench_done, bench_irqs;

/* ---- guest ---- */

static GUEST_CODE void guest_bench_irq(uint64_t vector)
{
	bench_irqs++;
	if (vector == PING_VECTOR)
		bench_ping++;
	else if (vector == PONG_VECTOR)
		bench_pong++;
	apic_eoi();
}

/*
 * The self IPI of x86/vmexit.c: one ICR write with the self shorthand,
 * then STI; HLT. The interrupt is already pending when HLT executes (IF was
 * 0 until the STI, whose shadow covers the HLT), so HLT exits and the
 * interrupt comes at once; its handler's EOI is the third exit.
 */
GUEST_INLINE void guest_self_ipi_sti_hlt(void)
{
	apic_write(APIC_ICR, APIC_DEST_SELF | SELF_VECTOR);
	guest_sti_hlt();
	guest_cli();
}

/* vCPU 1 of ipi_pingpong: answer every ping with a pong, halted between. */
static GUEST_CODE void guest_pong(uint64_t arg)
{
	uint64_t seen = 0;

	(void)arg;
	guest_apic_enable();
	bench_ap_ready = 1;
	for (;;) {
		GUEST_HALT_UNTIL(bench_ping != seen);
		seen = bench_ping;
		apic_send_ipi(0, PONG_VECTOR);
	}
}

GUEST_INLINE void guest_ping(void)
{
	uint64_t pong = bench_pong;

	apic_send_ipi(1, PING_VECTOR);
	GUEST_HALT_UNTIL(bench_pong != pong);
}

GUEST_INLINE void guest_bench_op(uint64_t op, uint64_t i)
{
	uint32_t a, b, c, d;

	switch (op) {
	case OP_CPUID:
		guest_cpuid(0, 0, &a, &b, &c, &d);
		break;
	case OP_RDMSR:
		(void)guest_rdmsr(MSR_IA32_MISC_ENABLE);
		break;
	case OP_INL:
		(void)guest_inl(BENCH_PORT);
		break;
	case OP_OUTL:
		guest_outl(BENCH_PORT, (uint32_t)i);
		break;
	case OP_MMIO_READ:
		(void)guest_mmio_read32(BENCH_MMIO_GPA);
		break;
	case OP_MMIO_WRITE:
		guest_mmio_write32(BENCH_MMIO_GPA, (uint32_t)i);
		break;
	case OP_SELF_IPI:
		guest_self_ipi_sti_hlt();
		break;
	case OP_PING:
		guest_ping();
		break;
	case OP_TOUCH:
		*(volatile uint64_t *)(TOUCH_GPA + (i << 12)) = i;
		break;
	case OP_AP_START:
		/* A software-disabled APIC drops fixed IPIs (SDM 11.4.7.2). */
		guest_ap_start(1, guest_pong, 0);
		if (!guest_wait_eq(&bench_ap_ready, 1, 10000))
			GUEST_FAIL("the AP did not enable its APIC");
		break;
	}
}

/* vCPU 0: batches of bench_iters operations, each followed by a ucall. */
static GUEST_CODE void guest_bench(void)
{
	uint64_t i, n, op;

	guest_irq_hook = guest_bench_irq;
	guest_apic_enable();
	for (;;) {
		n = bench_iters;
		op = bench_op;
		for (i = 0; i < n; i++) {
			guest_bench_op(op, i);
			bench_done = i + 1;
		}
		GUEST_SYNC(n);
	}
}

/* ---- host ---- */

struct bench_vm {
	struct hv_vm *vm;
	struct hv_vcpu *vcpu;
	struct hv_run *run;
	struct vcpu_thread ap;		/* ipi_pingpong's second vCPU */
	bool has_ap;
};

struct bench_ctx {
	struct hv *hv;
	const char *accel;
	uint64_t target_ns;
	struct bench_vm vm;		/* the guest benchmarks' VM, once made */
};

struct bench {
	const char *name;
	const char *what;
	int (*run)(struct bench_ctx *c, const struct bench *b, double *ns,
		   uint64_t *iters);
	enum guest_op op;
	bool x2apic;
	bool two_vcpus;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "hv_bench: %s: %s%s%s\n", what, strerror(-err),
		*hv_error_detail() ? ": " : "", hv_error_detail());
	return err ? err : -EIO;
}

static void bench_vm_destroy(struct bench_vm *v)
{
	if (v->has_ap)
		vcpu_thread_stop(&v->ap);
	if (v->vm)
		hv_vm_destroy(v->vm);
	memset(v, 0, sizeof(*v));
}

static int bench_vm_create(struct bench_ctx *c, struct bench_vm *v,
			   bool x2apic, bool two_vcpus)
{
	struct hv_vcpu *ap;
	int r;

	memset(v, 0, sizeof(*v));
	r = irqchip_vm_create(c->hv, &v->vm);
	if (r)
		return fail("creating the VM", r);
	GUEST_VAR(v->vm, guest_x2apic) = x2apic;
	r = irqchip_vcpu_add(v->vm, 0, guest_bench, &v->vcpu);
	if (!r && two_vcpus) {
		r = irqchip_vcpu_add(v->vm, 1, NULL, &ap);
		if (!r)
			r = vcpu_thread_start(&v->ap, ap, false);
		v->has_ap = !r;
	}
	if (r) {
		bench_vm_destroy(v);
		return fail("creating the vCPUs", r);
	}
	v->run = hv_vcpu_run_page(v->vcpu);
	return 0;
}

/*
 * A batch that takes far longer than it should is a guest that waits for
 * something that will not come (a lost interrupt): the watchdog kicks the
 * vCPU out, and batch() reports where it was instead of hanging the run.
 */
struct watchdog {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct hv_vcpu *vcpu;
	uint64_t deadline_ns;		/* 0: disarmed */
	bool fired, quit;
};

static struct watchdog wd = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
};

static void *watchdog_thread(void *arg)
{
	struct timespec ts;

	(void)arg;
	pthread_mutex_lock(&wd.lock);
	while (!wd.quit) {
		if (wd.deadline_ns && now_ns() >= wd.deadline_ns) {
			wd.fired = true;
			wd.deadline_ns = 0;
			hv_vcpu_kick(wd.vcpu);
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&wd.cond, &wd.lock, &ts);
	}
	pthread_mutex_unlock(&wd.lock);
	return NULL;
}

static void watchdog_arm(struct hv_vcpu *vcpu, uint64_t ns)
{
	pthread_mutex_lock(&wd.lock);
	wd.vcpu = vcpu;
	wd.fired = false;
	wd.deadline_ns = ns ? now_ns() + ns : 0;
	pthread_mutex_unlock(&wd.lock);
}

static void hang_report(struct bench_vm *v, uint64_t n)
{
	struct hv_vcpu_stats st = { 0 };
	struct hv_regs regs;
	unsigned int i;

	fprintf(stderr, "hv_bench: the batch of %llu did not end: the guest did %llu, took %llu interrupts\n",
		(unsigned long long)n,
		(unsigned long long)GUEST_VAR(v->vm, bench_done),
		(unsigned long long)GUEST_VAR(v->vm, bench_irqs));
	fprintf(stderr, "hv_bench:   the last interrupt: vector 0x%llx at rip 0x%llx\n",
		(unsigned long long)GUEST_VAR(v->vm, guest_exc_vector),
		(unsigned long long)GUEST_VAR(v->vm, guest_exc_rip));
	if (!hv_vcpu_get_regs(v->vcpu, &regs))
		fprintf(stderr, "hv_bench:   rip 0x%llx rflags 0x%llx\n",
			(unsigned long long)regs.rip,
			(unsigned long long)regs.rflags);
	if (hv_vcpu_get_stats(v->vcpu, &st))
		return;
	for (i = 0; i < st.nr && i < 63; i++)
		if (st.count[i])
			fprintf(stderr, "hv_bench:   %s %llu\n", hv_stat_name(i),
				(unsigned long long)st.count[i]);
}

/* The ucall that ends a batch: RDI (not synced during the loop) points at it. */
static int batch_end(struct bench_vm *v)
{
	struct hv_regs regs;
	struct ucall uc;
	const struct ucall *guest_uc;
	char buf[256];
	int r;

	r = hv_vcpu_get_regs(v->vcpu, &regs);
	if (r)
		return fail("reading the registers", r);
	guest_uc = hv_vm_gpa_to_host(v->vm, regs.rdi, sizeof(*guest_uc));
	if (!guest_uc) {
		fprintf(stderr, "hv_bench: ucall at bad address 0x%llx\n",
			(unsigned long long)regs.rdi);
		return -EIO;
	}
	memcpy(&uc, guest_uc, sizeof(uc));
	if (uc.type == UCALL_SYNC)
		return 0;
	snprintf(buf, sizeof(buf), "%s:%llu: %s (0x%llx, 0x%llx)",
		 guest_string(v->vm, uc.file), (unsigned long long)uc.line,
		 guest_string(v->vm, uc.msg), (unsigned long long)uc.args[0],
		 (unsigned long long)uc.args[1]);
	fprintf(stderr, "hv_bench: the guest stopped: %s\n", buf);
	return -EIO;
}

/*
 * Run @n operations @op on vCPU 0 and return the host time, from the first
 * RUN to the ucall, in *@ns. Exits to userspace for the benchmark's port or
 * MMIO address are completed (reads get 0) and run on.
 */
static int batch(struct bench_vm *v, enum guest_op op, uint64_t n,
		 uint64_t *ns)
{
	struct hv_run *run = v->run;
	char buf[256];
	uint64_t t0;
	int r;

	GUEST_VAR(v->vm, bench_op) = op;
	GUEST_VAR(v->vm, bench_iters) = n;
	GUEST_VAR(v->vm, bench_done) = 0;
	run->sync_regs = 0;
	watchdog_arm(v->vcpu, 20 * NSEC_PER_SEC);
	t0 = now_ns();
	for (;;) {
		r = hv_vcpu_run(v->vcpu);
		if (r)
			return fail("running the vCPU", r);
		if (run->exit_reason == HV_EXIT_INTERRUPTED) {
			if (!wd.fired)
				continue;
			hang_report(v, n);
			return -ETIMEDOUT;
		}
		if (run->exit_reason == HV_EXIT_IO && run->io.port == BENCH_PORT)
			continue;
		if (run->exit_reason == HV_EXIT_MMIO &&
		    run->mmio.gpa == BENCH_MMIO_GPA) {
			run->mmio.data = 0;
			continue;
		}
		break;
	}
	*ns = now_ns() - t0;
	watchdog_arm(NULL, 0);
	if (run->exit_reason == HV_EXIT_IO && run->io.port == UCALL_PORT)
		return batch_end(v);
	fprintf(stderr, "hv_bench: unexpected exit: %s\n",
		exit_describe(run, buf, sizeof(buf)));
	return -EIO;
}

/*
 * A measurement of @op: T(0), the least of three empty batches, then
 * batches of growing N until one takes the target time.
 */
static int measure(struct bench_ctx *c, struct bench_vm *v, enum guest_op op,
		   uint64_t max_n, int (*before)(struct bench_ctx *, uint64_t),
		   int (*after)(struct bench_ctx *), double *per_op,
		   uint64_t *iters)
{
	uint64_t t, t0 = UINT64_MAX, n = 8;
	int i, r;

	for (i = 0; i < 3; i++) {
		r = batch(v, op, 0, &t);
		if (r)
			return r;
		t0 = t < t0 ? t : t0;
	}
	for (;;) {
		r = before ? before(c, n) : 0;
		if (!r)
			r = batch(v, op, n, &t);
		if (after)
			after(c);
		if (r)
			return r;
		if (t >= c->target_ns || n >= max_n)
			break;
		/* Aim past the target, at most 16 times more. */
		n = t ? n * 2 * c->target_ns / t : n * 16;
		n = n > max_n ? max_n : n;
	}
	*per_op = t > t0 ? (double)(t - t0) / n : 0;
	*iters = n;
	return 0;
}

/* The VM the guest benchmarks share: made on first use. */
static int shared_vm(struct bench_ctx *c)
{
	return c->vm.vm ? 0 : bench_vm_create(c, &c->vm, false, false);
}

static int guest_bench_run(struct bench_ctx *c, const struct bench *b,
			   double *ns, uint64_t *iters)
{
	struct bench_vm own, *v = &c->vm;
	int r;

	if (b->x2apic || b->two_vcpus) {
		v = &own;
		r = bench_vm_create(c, v, b->x2apic, b->two_vcpus);
	} else {
		r = shared_vm(c);
	}
	if (r)
		return r;
	r = b->two_vcpus ? batch(v, OP_AP_START, 1, &(uint64_t){ 0 }) : 0;
	if (!r)
		r = measure(c, v, b->op, UINT64_MAX / 2, NULL, NULL, ns, iters);
	/* A guest that lost a wake-up stays halted: never reuse it. */
	if (v == &own || r == -ETIMEDOUT)
		bench_vm_destroy(v);
	return r;
}

/* fault_in: a new, untouched slot of N pages for each batch. */
static void *touch_mem;
static uint64_t touch_len;

static int touch_slot_add(struct bench_ctx *c, uint64_t pages)
{
	int r;

	touch_len = pages << 12;
	touch_mem = mmap(NULL, touch_len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (touch_mem == MAP_FAILED) {
		touch_mem = NULL;
		return fail("mmap", -errno);
	}
	r = hv_vm_set_memslot(c->vm.vm, TOUCH_SLOT, TOUCH_GPA, touch_len,
			      touch_mem, 0);
	return r ? fail("adding the slot", r) : 0;
}

static int touch_slot_remove(struct bench_ctx *c)
{
	if (!touch_mem)
		return 0;
	hv_vm_delete_memslot(c->vm.vm, TOUCH_SLOT);
	munmap(touch_mem, touch_len);
	touch_mem = NULL;
	return 0;
}

static int fault_in_run(struct bench_ctx *c, const struct bench *b,
			double *ns, uint64_t *iters)
{
	int r = shared_vm(c);

	if (!r)
		r = measure(c, &c->vm, b->op, TOUCH_MAX_PAGES, touch_slot_add,
			    touch_slot_remove, ns, iters);
	if (r == -ETIMEDOUT)
		bench_vm_destroy(&c->vm);
	return r;
}

/* Host-only benchmarks: repeat @one until the target time has passed. */
static int repeat(struct bench_ctx *c, int (*one)(struct bench_ctx *,
						    uint64_t *, uint64_t *),
		  double *ns, uint64_t *iters)
{
	uint64_t spent = 0, n = 0, wall = now_ns(), ops, t;
	int r;

	/* One untimed round first: caches, page tables, libhv's own state. */
	r = one(c, &t, &ops);
	while (!r && (spent < c->target_ns || n < 3) &&
	       now_ns() - wall < 20 * c->target_ns) {
		r = one(c, &t, &ops);
		spent += t;
		n += ops;
	}
	if (r)
		return r;
	*ns = (double)spent / n;
	*iters = n;
	return 0;
}

static int vm_create_one(struct bench_ctx *c, uint64_t *ns, uint64_t *ops)
{
	struct hv_vm *vm;
	uint64_t t0 = now_ns();
	int r = hv_vm_create(c->hv, &vm);

	if (r)
		return fail("creating a VM", r);
	hv_vm_destroy(vm);
	*ns = now_ns() - t0;
	*ops = 1;
	return 0;
}

static int vcpu_create_one(struct bench_ctx *c, uint64_t *ns, uint64_t *ops)
{
	struct hv_vcpu *vcpu;
	struct hv_vm *vm;
	uint64_t t0;
	uint32_t i;
	int r;

	r = hv_vm_create(c->hv, &vm);
	if (r)
		return fail("creating a VM", r);
	t0 = now_ns();
	for (i = 0; i < VCPU_CREATE_PER_VM && !r; i++)
		r = hv_vcpu_create(vm, i, &vcpu);
	*ns = now_ns() - t0;
	*ops = VCPU_CREATE_PER_VM;
	hv_vm_destroy(vm);
	return r ? fail("creating a vCPU", r) : 0;
}

/* memslot_set_1g and memslot_delete_1g: which half is timed. */
static bool big_slot_time_delete;

static int memslot_one(struct bench_ctx *c, uint64_t *ns, uint64_t *ops)
{
	uint64_t t0, t1, t2;
	struct hv_vm *vm;
	void *mem;
	int r;

	mem = mmap(NULL, BIG_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		return fail("mmap 1 GiB", -errno);
	r = hv_vm_create(c->hv, &vm);
	if (r) {
		munmap(mem, BIG_SIZE);
		return fail("creating a VM", r);
	}
	t0 = now_ns();
	r = hv_vm_set_memslot(vm, BIG_SLOT, BIG_GPA, BIG_SIZE, mem, 0);
	t1 = now_ns();
	if (!r)
		r = hv_vm_delete_memslot(vm, BIG_SLOT);
	t2 = now_ns();
	hv_vm_destroy(vm);
	munmap(mem, BIG_SIZE);
	*ns = big_slot_time_delete ? t2 - t1 : t1 - t0;
	*ops = 1;
	return r ? fail("setting a 1 GiB slot", r) : 0;
}

static int vm_create_run(struct bench_ctx *c, const struct bench *b,
			 double *ns, uint64_t *iters)
{
	(void)b;
	return repeat(c, vm_create_one, ns, iters);
}

static int vcpu_create_run(struct bench_ctx *c, const struct bench *b,
			   double *ns, uint64_t *iters)
{
	(void)b;
	return repeat(c, vcpu_create_one, ns, iters);
}

static int memslot_run(struct bench_ctx *c, const struct bench *b,
		       double *ns, uint64_t *iters)
{
	big_slot_time_delete = !strcmp(b->name, "memslot_delete_1g");
	return repeat(c, memslot_one, ns, iters);
}

/* Guest benchmarks: @op in vCPU 0's loop (guest_bench). */
#define GUEST_BENCH(n, w, o, ...) \
	{ .name = n, .what = w, .run = guest_bench_run, .op = o, __VA_ARGS__ }
#define HOST_BENCH(n, w, fn) { .name = n, .what = w, .run = fn }

static const struct bench benches[] = {
	GUEST_BENCH("cpuid", "CPUID leaf 0, handled in the kernel", OP_CPUID),
	GUEST_BENCH("rd_misc_enable_msr",
		    "RDMSR IA32_MISC_ENABLE, handled in the kernel", OP_RDMSR),
	GUEST_BENCH("inl_from_qemu", "IN from a port userspace completes",
		    OP_INL),
	GUEST_BENCH("portio-no-eventfd:pci-io",
		    "OUT to a port userspace handles", OP_OUTL),
	GUEST_BENCH("mmio_read", "MMIO read that userspace completes",
		    OP_MMIO_READ),
	GUEST_BENCH("mmio-no-eventfd:pci-mem",
		    "MMIO write that userspace handles", OP_MMIO_WRITE),
	GUEST_BENCH("self_ipi_sti_hlt",
		    "xAPIC self IPI, then STI; HLT (3 exits)", OP_SELF_IPI),
	GUEST_BENCH("x2apic_self_ipi_sti_hlt",
		    "x2APIC self IPI, then STI; HLT (3 exits)", OP_SELF_IPI,
		    .x2apic = true),
	GUEST_BENCH("ipi_pingpong",
		    "x2APIC IPI to a halted vCPU and one back: the round trip",
		    OP_PING, .x2apic = true, .two_vcpus = true),
	{ .name = "fault_in", .what = "first touch of a guest page, per page",
	  .run = fault_in_run, .op = OP_TOUCH },
	HOST_BENCH("memslot_set_1g", "set a 1 GiB memory slot (untouched memory)",
		   memslot_run),
	HOST_BENCH("memslot_delete_1g", "delete that slot", memslot_run),
	HOST_BENCH("vm_create", "create and destroy a VM (no memory, no vCPU)",
		   vm_create_run),
	HOST_BENCH("vcpu_create", "create a vCPU (4 to a VM), per vCPU",
		   vcpu_create_run),
};

#define NR_BENCHES	(sizeof(benches) / sizeof(benches[0]))

static const struct bench *bench_find(const char *name)
{
	size_t i;

	for (i = 0; i < NR_BENCHES; i++)
		if (!strcmp(benches[i].name, name))
			return &benches[i];
	return NULL;
}

static void usage(void)
{
	fprintf(stderr, "usage: hv_bench [-a hv|kvm] [-t MS] [-l] [NAME...]\n");
	exit(2);
}

static int run_one(struct bench_ctx *c, const struct bench *b)
{
	uint64_t iters = 0, t0 = now_ns();
	double ns = 0;
	int r;

	r = b->run(c, b, &ns, &iters);
	fprintf(stderr, "# %s on %s: %.1f s\n", b->name, c->accel,
		(now_ns() - t0) / 1e9);
	if (r == -ETIMEDOUT) {
		/* Known on KVM under QEMU: see docs/BENCH.md. */
		printf("# %s on %s: the guest lost a wake-up; no figure this round\n",
		       b->name, c->accel);
		fflush(stdout);
		return 0;
	}
	if (r) {
		fprintf(stderr, "hv_bench: %s on %s failed\n", b->name, c->accel);
		return r;
	}
	printf("bench %s %s %.1f ns %llu\n", b->name, c->accel, ns,
	       (unsigned long long)iters);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	struct bench_ctx c = { .target_ns = 200 * 1000000ULL };
	const char *path = NULL;
	struct hv_vm *keeper;
	int opt, r, i, failed = 0;
	size_t k;

	while ((opt = getopt(argc, argv, "a:t:l")) != -1) {
		switch (opt) {
		case 'a':
			if (!strcmp(optarg, "hv"))
				path = "/dev/hv";
			else if (!strcmp(optarg, "kvm"))
				path = "/dev/kvm";
			else
				usage();
			break;
		case 't':
			c.target_ns = strtoull(optarg, NULL, 0) * 1000000ULL;
			if (!c.target_ns)
				usage();
			break;
		case 'l':
			for (k = 0; k < NR_BENCHES; k++)
				printf("%-26s %s\n", benches[k].name,
				       benches[k].what);
			return 0;
		default:
			usage();
		}
	}
	for (i = optind; i < argc; i++)
		if (!bench_find(argv[i])) {
			fprintf(stderr, "hv_bench: no benchmark %s\n", argv[i]);
			usage();
		}

	r = hv_open(path, &c.hv);
	if (r) {
		fail(path ? path : "opening the accelerator", r);
		return 1;
	}
	c.accel = hv_accel_name(c.hv);
	r = hv_vm_create(c.hv, &keeper);
	if (r) {
		fail("creating the idle VM", r);
		return 1;
	}
	if (pthread_create(&wd.thread, NULL, watchdog_thread, NULL)) {
		fprintf(stderr, "hv_bench: no watchdog thread\n");
		return 1;
	}

	if (optind == argc) {
		for (k = 0; k < NR_BENCHES; k++)
			failed |= !!run_one(&c, &benches[k]);
	} else {
		for (i = optind; i < argc; i++)
			failed |= !!run_one(&c, bench_find(argv[i]));
	}

	pthread_mutex_lock(&wd.lock);
	wd.quit = true;
	pthread_cond_signal(&wd.cond);
	pthread_mutex_unlock(&wd.lock);
	pthread_join(wd.thread, NULL);
	bench_vm_destroy(&c.vm);
	hv_vm_destroy(keeper);
	hv_close(c.hv);
	return failed;
}
