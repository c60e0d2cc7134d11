// SPDX-License-Identifier: GPL-2.0
/*
 * Several vCPUs and VMs at once, and everything that ends HV_VCPU_RUN from
 * outside the guest (docs/API.md "HV_VCPU_RUN"): signals, immediate_exit,
 * HV_VCPU_KICK from another thread and a kick remembered before RUN.
 *
 * Harness assertions may only run on the test's main thread: helper threads
 * record what they saw and the main thread checks it after pthread_join().
 */
#include <pthread.h>
#include <sys/time.h>

#include "test_util.h"

/*
 * How long a run that should be interrupted may take at most: generous, the
 * tests also run on emulated (TCG) hosts.
 */
#define INTERRUPT_BOUND_NS	(5ULL * 1000000000)
#define RETRY_US		20000

static volatile uint64_t spin_stop;
static volatile uint64_t spin_count;

/* Spin until the host sets spin_stop, then report the spin count. */
static GUEST_CODE void guest_spin(void)
{
	while (!spin_stop)
		spin_count++;
	GUEST_SYNC(spin_count);
	GUEST_DONE();
}

/*
 * HV_VCPU_RUN itself, to see the ioctl's own errno and exit reason. On
 * KVM, which has no such ioctl, hv_vcpu_run() with its
 * HV_EXIT_INTERRUPTED told as the ioctl's -EINTR.
 */
static int run_raw(struct hv_vcpu *vcpu)
{
	int r;

	if (!on_kvm())
		return ioctl(hv_vcpu_fd(vcpu), HV_VCPU_RUN, 0) ? -errno : 0;
	r = hv_vcpu_run(vcpu);
	if (!r && hv_vcpu_run_page(vcpu)->exit_reason == HV_EXIT_INTERRUPTED)
		r = -EINTR;
	return r;
}

static void noop_handler(int sig)
{
	(void)sig;
}

/* No SA_RESTART: the ioctl must come back with EINTR. */
static void install_noop(int sig)
{
	struct sigaction sa = { .sa_handler = noop_handler };

	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

GUEST_FIXTURE(spin, guest_spin);

/*
 * The guest was interrupted by something other than an exit of its own:
 * check how, then let it finish and check it resumes where it was.
 */
static void __check_interrupted(struct __test_metadata *_metadata,
				struct guest_env *g, int r, uint64_t t0)
{
	struct ucall uc;

	ASSERT_EQ(-EINTR, r) TH_LOG("HV_VCPU_RUN: %s", strerror(-r));
	ASSERT_EQ(HV_EXIT_INTERRUPTED, g->run->exit_reason);
	ASSERT_GT(t0 + INTERRUPT_BOUND_NS, now_ns());
	GUEST_VAR(g->vm, spin_stop) = 1;
	vcpu_sync(g->vcpu, &uc);
	vcpu_done(g->vcpu);
}
#define check_interrupted(r, t0) __check_interrupted(_metadata, &self->g, r, t0)

TEST_F(spin, timer_signal_ends_run)
{
	struct itimerval it = {
		.it_interval = { .tv_usec = RETRY_US },
		.it_value = { .tv_usec = RETRY_US },
	};
	struct itimerval off = { 0 };
	uint64_t t0 = now_ns();
	int r;

	SKIP_KVM_UNDER_BOCHS_IF0_SPIN();
	install_noop(SIGALRM);
	self->g.run->exit_reason = HV_EXIT_NONE;
	/* Periodic: one that fires before the ioctl started does no harm. */
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	r = run_raw(self->g.vcpu);
	setitimer(ITIMER_REAL, &off, NULL);
	check_interrupted(r, t0);
}

struct signaller {
	pthread_t target;
	volatile bool stop;
	int sig;
	struct hv_vcpu *kick;	/* NULL: send sig; else kick this vCPU */
	volatile uint64_t *wait_nonzero;	/* act only once this is set */
	uint64_t delay_ns;	/* act only after this long */
	int errors;
};

/* Signal or kick the target until told to stop. */
static void *signaller_fn(void *arg)
{
	struct signaller *s = arg;
	uint64_t t0 = now_ns();

	while (s->wait_nonzero && !*s->wait_nonzero && !s->stop)
		usleep(1000);
	while (now_ns() - t0 < s->delay_ns && !s->stop)
		usleep(1000);
	while (!s->stop) {
		if (s->kick) {
			if (hv_vcpu_kick(s->kick))
				s->errors++;
		} else if (pthread_kill(s->target, s->sig)) {
			s->errors++;
		}
		usleep(RETRY_US);
	}
	return NULL;
}

/* A signal from another thread while the guest spins. */
TEST_F(spin, thread_signal_ends_run)
{
	struct signaller s = {
		.target = pthread_self(), .sig = SIGUSR1,
		.wait_nonzero = &GUEST_VAR(self->g.vm, spin_count),
	};
	uint64_t t0 = now_ns();
	pthread_t t;
	int r;

	SKIP_KVM_UNDER_BOCHS_IF0_SPIN();
	install_noop(SIGUSR1);
	self->g.run->exit_reason = HV_EXIT_NONE;
	ASSERT_EQ(0, pthread_create(&t, NULL, signaller_fn, &s));
	r = run_raw(self->g.vcpu);
	s.stop = true;
	pthread_join(t, NULL);
	ASSERT_EQ(0, s.errors);
	check_interrupted(r, t0);
}

TEST_F(spin, immediate_exit_does_not_enter)
{
	struct hv_regs regs;
	uint64_t rip;
	int r;

	ASSERT_OK(hv_vcpu_get_regs(self->g.vcpu, &regs));
	rip = regs.rip;
	self->g.run->immediate_exit = 1;
	r = run_raw(self->g.vcpu);
	ASSERT_EQ(-EINTR, r);
	ASSERT_EQ(HV_EXIT_INTERRUPTED, self->g.run->exit_reason);
	ASSERT_EQ(0, GUEST_VAR(self->g.vm, spin_count));
	ASSERT_OK(hv_vcpu_get_regs(self->g.vcpu, &regs));
	ASSERT_EQ(rip, regs.rip);
	/* Cleared, the next run enters. */
	self->g.run->immediate_exit = 0;
	GUEST_VAR(self->g.vm, spin_stop) = 1;
	{
		struct ucall uc;

		vcpu_sync(self->g.vcpu, &uc);
	}
}

/* A kick from another thread while the guest spins. */
TEST_F(spin, kick_ends_run)
{
	struct signaller s = {
		.kick = self->g.vcpu,
		.wait_nonzero = &GUEST_VAR(self->g.vm, spin_count),
	};
	uint64_t t0 = now_ns();
	pthread_t t;
	int r;

	if (!cap(self->g.hv, HV_CAP_KICK))
		SKIP_TEST("no HV_CAP_KICK");
	SKIP_KVM_UNDER_BOCHS_IF0_SPIN();
	self->g.run->exit_reason = HV_EXIT_NONE;
	ASSERT_EQ(0, pthread_create(&t, NULL, signaller_fn, &s));
	r = run_raw(self->g.vcpu);
	s.stop = true;
	pthread_join(t, NULL);
	ASSERT_EQ(0, s.errors);
	check_interrupted(r, t0);
}

/* A kick before RUN ends the next RUN, and only that one. */
TEST_F(spin, kick_before_run_is_remembered)
{
	/* Should the kick be lost, a signal ends the spinning guest's run. */
	struct signaller rescue = {
		.target = pthread_self(), .sig = SIGUSR1,
		.delay_ns = INTERRUPT_BOUND_NS / 2,
	};
	struct ucall uc;
	pthread_t t;
	uint64_t t0;
	int r;

	if (!cap(self->g.hv, HV_CAP_KICK))
		SKIP_TEST("no HV_CAP_KICK");
	install_noop(SIGUSR1);
	ASSERT_OK(hv_vcpu_kick(self->g.vcpu));
	ASSERT_EQ(0, pthread_create(&t, NULL, signaller_fn, &rescue));
	t0 = now_ns();
	r = run_raw(self->g.vcpu);
	rescue.stop = true;
	pthread_join(t, NULL);
	ASSERT_EQ(-EINTR, r);
	ASSERT_EQ(HV_EXIT_INTERRUPTED, self->g.run->exit_reason);
	ASSERT_GT(t0 + INTERRUPT_BOUND_NS / 4, now_ns())
		TH_LOG("RUN took %llu ms: the kick was not remembered",
		       (unsigned long long)(now_ns() - t0) / 1000000);
	/* The kick is used up: this run reaches the guest's SYNC. */
	GUEST_VAR(self->g.vm, spin_stop) = 1;
	ASSERT_EQ(0, run_raw(self->g.vcpu))
		TH_LOG("a used kick interrupted a second run");
	ASSERT_EQ(UCALL_SYNC, ucall_get(self->g.vcpu, &uc));
}

/* Kicks and signals from several threads while the guest works: no errors. */
TEST_F(spin, kick_storm)
{
	struct signaller s[3] = {
		{ .kick = self->g.vcpu },
		{ .kick = self->g.vcpu },
		{ .target = pthread_self(), .sig = SIGUSR1 },
	};
	uint64_t t0 = now_ns(), interrupted = 0;
	pthread_t t[3];
	struct ucall uc;
	int i, r = 0;

	if (!cap(self->g.hv, HV_CAP_KICK))
		SKIP_TEST("no HV_CAP_KICK");
	SKIP_KVM_UNDER_BOCHS_IF0_SPIN();
	install_noop(SIGUSR1);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, signaller_fn, &s[i]));
	while (now_ns() - t0 < 500000000ULL) {
		r = run_raw(self->g.vcpu);
		if (r != -EINTR)
			break;
		interrupted++;
	}
	for (i = 0; i < 3; i++) {
		s[i].stop = true;
		pthread_join(t[i], NULL);
		EXPECT_EQ(0, s[i].errors);
	}
	ASSERT_EQ(-EINTR, r) TH_LOG("RUN: %s, exit %s", strerror(-r),
				    hv_exit_name(self->g.run->exit_reason));
	ASSERT_LT(0, interrupted);
	/* The guest made progress through all that and still finishes. */
	ASSERT_LT(0, GUEST_VAR(self->g.vm, spin_count));
	GUEST_VAR(self->g.vm, spin_stop) = 1;
	do {
		r = run_raw(self->g.vcpu);
	} while (r == -EINTR);
	ASSERT_EQ(0, r);
	ASSERT_EQ(UCALL_SYNC, ucall_get(self->g.vcpu, &uc));
}

/* immediate_exit still applies a pending IN: data in EAX, RIP past the IN. */
static GUEST_CODE void guest_in(void)
{
	GUEST_SYNC(guest_inl(0x1234));
	GUEST_DONE();
}

TEST_F(spin, immediate_exit_completes_in)
{
	uint32_t data = 0xfeedf00d;
	struct hv_regs regs;
	uint64_t in_rip;
	struct ucall uc;

	ASSERT_OK(guest_vcpu_entry(self->g.vcpu, guest_in, 0, 0));
	vcpu_run_exit(self->g.vcpu, HV_EXIT_IO);
	ASSERT_EQ(HV_IO_IN, self->g.run->io.direction);
	in_rip = self->g.run->regs.rip;
	memcpy((char *)self->g.run + self->g.run->io.data_offset, &data, 4);
	self->g.run->immediate_exit = 1;
	ASSERT_EQ(-EINTR, run_raw(self->g.vcpu));
	ASSERT_EQ(HV_EXIT_INTERRUPTED, self->g.run->exit_reason);
	ASSERT_OK(hv_vcpu_get_regs(self->g.vcpu, &regs));
	EXPECT_EQ(data, (uint32_t)regs.rax);
	EXPECT_LT(in_rip, regs.rip);
	self->g.run->immediate_exit = 0;
	ASSERT_EQ(data, vcpu_sync(self->g.vcpu, &uc));
}

/* ---- several vCPUs ---- */

#define COUNT_ITERS	20000
#define SYNC_EVERY	5000
#define PINGPONG_ROUNDS	500

static volatile uint64_t shared_counter;
static volatile uint64_t ping, pong;

/* Count into shared_counter, stopping by the host every SYNC_EVERY. */
static GUEST_CODE void guest_count(uint64_t id)
{
	uint64_t i;

	for (i = 1; i <= COUNT_ITERS; i++) {
		__atomic_fetch_add(&shared_counter, 1, __ATOMIC_SEQ_CST);
		if (!(i % SYNC_EVERY))
			GUEST_SYNC2(id, i);
	}
	GUEST_DONE();
}

/* vCPU 0 and 1 answer each other through memory alone: both must run. */
static GUEST_CODE void guest_pingpong(uint64_t id)
{
	uint64_t r;

	for (r = 1; r <= PINGPONG_ROUNDS; r++) {
		if (id == 0) {
			ping = r;
			while (pong != r)
				guest_pause();
		} else {
			while (ping != r)
				guest_pause();
			pong = r;
		}
	}
	GUEST_DONE();
}

struct vcpu_thread {
	struct hv_vcpu *vcpu;
	uint64_t id;
	uint64_t syncs;
	char error[128];
};

/* Run a vCPU to UCALL_DONE; SYNCs must carry (id, a multiple of SYNC_EVERY). */
static void *vcpu_thread_fn(void *arg)
{
	struct vcpu_thread *t = arg;
	struct hv_run *run = hv_vcpu_run_page(t->vcpu);
	struct ucall uc;
	char buf[128];
	int r;

	for (;;) {
		r = hv_vcpu_run(t->vcpu);
		if (r) {
			snprintf(t->error, sizeof(t->error), "run: %s",
				 strerror(-r));
			return NULL;
		}
		if (run->exit_reason == HV_EXIT_INTERRUPTED)
			continue;
		switch (ucall_get(t->vcpu, &uc)) {
		case UCALL_DONE:
			return NULL;
		case UCALL_SYNC:
			if (uc.args[0] != t->id ||
			    uc.args[1] != (t->syncs + 1) * SYNC_EVERY) {
				snprintf(t->error, sizeof(t->error),
					 "sync (%llu, %llu)",
					 (unsigned long long)uc.args[0],
					 (unsigned long long)uc.args[1]);
				return NULL;
			}
			t->syncs++;
			break;
		default:
			snprintf(t->error, sizeof(t->error), "%s",
				 exit_describe(run, buf, sizeof(buf)));
			return NULL;
		}
	}
}

FIXTURE(smp) {
	struct hv *hv;
	struct hv_vm *vm;
	struct vcpu_thread t[4];
	int n;
};

FIXTURE_SETUP(smp)
{
	long max;
	int i;

	self->hv = open_hv();
	max = cap(self->hv, HV_CAP_MAX_VCPUS);
	if (max < 2)
		SKIP_TEST("HV_CAP_MAX_VCPUS is %ld", max);
	self->n = max < 4 ? max : 4;
	ASSERT_OK(guest_vm_create(self->hv, &self->vm));
	for (i = 0; i < self->n; i++) {
		self->t[i].id = i;
		ASSERT_OK(guest_vcpu_add(self->vm, i, NULL, &self->t[i].vcpu));
	}
}

FIXTURE_TEARDOWN(smp)
{
	hv_vm_destroy(self->vm);
	hv_close(self->hv);
}

static void __run_threads(struct __test_metadata *_metadata,
			  struct vcpu_thread *t, int n)
{
	pthread_t th[4];
	int i;

	for (i = 0; i < n; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, vcpu_thread_fn, &t[i]));
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(0, t[i].error[0]) TH_LOG("vCPU %d: %s", i, t[i].error);
	}
}
#define run_threads(t, n)	__run_threads(_metadata, t, n)

TEST_F_TIMEOUT(smp, parallel_vcpus_share_memory, 120)
{
	int i;

	for (i = 0; i < self->n; i++)
		ASSERT_OK(guest_vcpu_entry(self->t[i].vcpu, guest_count, i, 0));
	run_threads(self->t, self->n);
	for (i = 0; i < self->n; i++)
		EXPECT_EQ(COUNT_ITERS / SYNC_EVERY, self->t[i].syncs);
	ASSERT_EQ((uint64_t)self->n * COUNT_ITERS,
		  GUEST_VAR(self->vm, shared_counter));
}

TEST_F_TIMEOUT(smp, vcpus_run_at_the_same_time, 120)
{
	int i;

	for (i = 0; i < 2; i++)
		ASSERT_OK(guest_vcpu_entry(self->t[i].vcpu, guest_pingpong, i, 0));
	run_threads(self->t, 2);
	ASSERT_EQ(PINGPONG_ROUNDS, GUEST_VAR(self->vm, pong));
}

/* ---- several VMs ---- */

#define NR_VMS		3

static volatile uint64_t vm_tag;

/* Report this VM's tag, store it doubled, report again. */
static GUEST_CODE void guest_tag(void)
{
	GUEST_SYNC(vm_tag);
	vm_tag = vm_tag * 2;
	GUEST_SYNC(vm_tag);
	GUEST_DONE();
}

/* Interleaved runs of several VMs: each sees only its own memory. */
TEST(several_vms_isolated)
{
	struct hv_vcpu *vcpu[NR_VMS];
	struct hv_vm *vm[NR_VMS];
	struct ucall uc;
	struct hv *hv;
	int i;

	hv = open_hv();
	for (i = 0; i < NR_VMS; i++) {
		ASSERT_OK(guest_vm_create(hv, &vm[i]));
		ASSERT_OK(guest_vcpu_add(vm[i], 0, guest_tag, &vcpu[i]));
		GUEST_VAR(vm[i], vm_tag) = 100 + i;
	}
	for (i = 0; i < NR_VMS; i++)
		ASSERT_EQ(100 + i, vcpu_sync(vcpu[i], &uc));
	for (i = 0; i < NR_VMS; i++)
		ASSERT_EQ(2 * (100 + i), vcpu_sync(vcpu[i], &uc));
	for (i = 0; i < NR_VMS; i++) {
		vcpu_done(vcpu[i]);
		EXPECT_EQ(2 * (100 + i), GUEST_VAR(vm[i], vm_tag));
	}
	for (i = 0; i < NR_VMS; i++)
		hv_vm_destroy(vm[i]);
	hv_close(hv);
}

/* Two VMs running at once on different threads. */
TEST(several_vms_in_parallel)
{
	struct vcpu_thread t[2] = { { .id = 0 }, { .id = 0 } };
	struct hv_vm *vm[2];
	struct hv *hv;
	int i;

	hv = open_hv();
	for (i = 0; i < 2; i++) {
		ASSERT_OK(guest_vm_create(hv, &vm[i]));
		ASSERT_OK(guest_vcpu_add(vm[i], 0, guest_count, &t[i].vcpu));
	}
	run_threads(t, 2);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(COUNT_ITERS, GUEST_VAR(vm[i], shared_counter));
		hv_vm_destroy(vm[i]);
	}
	hv_close(hv);
}

TEST_HARNESS_MAIN
