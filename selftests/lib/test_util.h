/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the hv selftests on top of the kselftest harness. Include this
 * (and nothing else of the harness) from the one source file of each test
 * binary: kselftest_harness.h defines functions and may be compiled into
 * one object only.
 */
#ifndef HV_SELFTEST_TEST_UTIL_H
#define HV_SELFTEST_TEST_UTIL_H

#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guest.h"

#define HV_DEV_PATH		"/dev/hv"
#define PAGE_SIZE		4096UL

#define MSR_EFER		0xc0000080
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
/* No CPU has an MSR here: unknown to hv, #GP in the guest. */
#define MSR_BOGUS		0xdeadbeef

#define X86_CR0_PE		(1ULL << 0)
#define X86_CR0_ET		(1ULL << 4)
#define X86_CR0_NE		(1ULL << 5)
#define X86_CR0_PG		(1ULL << 31)
#define X86_CR4_PAE		(1ULL << 5)
#define X86_CR4_OSXSAVE		(1ULL << 18)
#define EFER_SCE		(1ULL << 0)
#define EFER_LME		(1ULL << 8)
#define EFER_LMA		(1ULL << 10)
#define APIC_BASE_BSP		(1ULL << 8)
#define APIC_BASE_ENABLE	(1ULL << 11)

#define XFEATURE_X87		(1ULL << 0)
#define XFEATURE_SSE		(1ULL << 1)
#define XFEATURE_AVX		(1ULL << 2)
/* Offsets in the standard XSAVE layout (SDM vol. 1, 13.4). */
#define XSAVE_XMM0_OFFSET	160
#define XSAVE_XSTATE_BV_OFFSET	512

#define CPUID_1_ECX_VMX		(1U << 5)
#define CPUID_1_ECX_XSAVE	(1U << 26)
#define CPUID_80000001_ECX_SVM	(1U << 2)

#define GP_VECTOR		13
#define UD_VECTOR		6
#define NMI_VECTOR		2

/*
 * The harness of Linux 6.1 runs a test body even when its FIXTURE_SETUP
 * called SKIP(). Skip by ending the test process with the status the
 * harness reads as a skip (the reason is already in its shared page);
 * usable anywhere in a test, setup or helper.
 */
#define HARNESS_SKIP_STATUS	255

/*
 * HV_SELFTEST_STRICT=1 (the testbed sets it): the environment is known to
 * have everything, so a reason to skip is a failure. Otherwise a missing
 * module, capability or /dev/kvm skips.
 */
static inline int hv_selftest_strict(void)
{
	const char *s = getenv("HV_SELFTEST_STRICT");

	return s && s[0] == '1';
}

#define SKIP_TEST(fmt, ...) do { \
	if (hv_selftest_strict()) { \
		TH_LOG("strict mode, cannot skip: " fmt, ##__VA_ARGS__); \
		_exit(1); \
	} \
	SKIP(_exit(HARNESS_SKIP_STATUS), fmt, ##__VA_ARGS__); \
} while (0)

/*
 * The accelerator libhv drives, by the rule of hv_open(NULL): HV_ACCEL=kvm
 * runs the suite on KVM (/dev/kvm), anything else on hv (/dev/hv).
 */
static inline bool on_kvm(void)
{
	const char *a = getenv("HV_ACCEL");

	return a && !strcmp(a, "kvm");
}

static inline const char *accel_path(void)
{
	return on_kvm() ? "/dev/kvm" : HV_DEV_PATH;
}

/* Every test needs the accelerator; without it the test is skipped. */
#define REQUIRE_HV() do { \
	if (access(accel_path(), F_OK)) \
		SKIP_TEST("%s missing (%s not loaded)", accel_path(), \
			  on_kvm() ? "kvm_amd/kvm_intel" : "hv.ko"); \
} while (0)

/*
 * A known difference on KVM, said in @why: the test is skipped there,
 * strict mode or not (docs/KVM.md lists them all).
 */
#define SKIP_KVM(why) do { \
	if (on_kvm()) \
		SKIP(_exit(HARNESS_SKIP_STATUS), "%s", why); \
} while (0)

/* A test of what hv does and KVM does not (the /dev/hv ABI, hv's counters). */
#define SKIP_ON_KVM(feature)	SKIP_KVM("hv only: " feature)

/*
 * This host is QEMU's TCG (its hypervisor CPUID leaf says "TCGTCGTCGTCG"):
 * the emulated SVM the testbed runs in, with the gaps its README lists.
 */
static inline bool host_is_qemu_tcg(void)
{
	uint32_t a, b, c, d;

	__cpuid(0x40000000, a, b, c, d);
	(void)a;
	return b == 0x54474354 && c == 0x43544743 && d == 0x47435447;
}

/*
 * This host is Bochs (its BIOS names itself in the DMI tables): the
 * emulated VT-x the testbed runs in, with the gaps its README lists.
 */
static inline bool host_is_bochs(void)
{
	char buf[32] = "";
	FILE *f = fopen("/sys/class/dmi/id/bios_version", "r");

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
	}
	return !strncmp(buf, "Bochs ", 6);
}

/*
 * kvm_intel offers VMX to its guests (nested=1, its default): then CR4.VMXE
 * is theirs to set. hv never nests.
 */
static inline bool kvm_offers_vmx(void)
{
	FILE *f = fopen("/sys/module/kvm_intel/parameters/nested", "r");
	int c = f ? fgetc(f) : 0;

	if (f)
		fclose(f);
	return c == 'Y' || c == '1';
}

/*
 * Bochs 2.7's VT-x takes no external-interrupt exit from a guest that runs
 * with RFLAGS.IF clear. hv bounds every entry with the VMX-preemption timer
 * against that (vmx_arm_preempt_timer()); KVM does not, so under Bochs a
 * KVM vCPU spinning with interrupts off sees none of the host's IPIs (a
 * kick, a signal, a TLB shootdown) and holds its host CPU until it exits
 * by itself: for good, in a test that waits for it to be interrupted.
 * Such tests skip on KVM there.
 */
#define SKIP_KVM_UNDER_BOCHS_IF0_SPIN() do { \
	if (host_is_bochs()) \
		SKIP_KVM("Bochs takes no interrupt exit from a guest with " \
			 "IF=0, and KVM has no timer against that: the " \
			 "spinning vCPU would hold its host CPU for good"); \
} while (0)

/* ioctl() returning the result, or -errno. */
static inline long __hv_ioctl(int fd, unsigned long req, unsigned long arg)
{
	long r = ioctl(fd, req, arg);

	return r < 0 ? -errno : r;
}
#define hv_ioctl(fd, req, arg)	__hv_ioctl(fd, req, (unsigned long)(arg))

/* /dev/hv for raw ioctls: the hv ABI itself, which KVM does not have. */
static inline int open_dev_hv(struct __test_metadata *_metadata)
{
	int fd;

	SKIP_ON_KVM("the /dev/hv ioctls themselves (raw, not through libhv)");
	REQUIRE_HV();
	fd = open(HV_DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("open %s: %s", HV_DEV_PATH, strerror(errno));
	return fd;
}

static inline struct hv *__open_hv(struct __test_metadata *_metadata)
{
	struct hv *hv = NULL;
	int r;

	REQUIRE_HV();
	r = hv_open(NULL, &hv);
	ASSERT_EQ(0, r) TH_LOG("hv_open: %s (%s)", strerror(-r),
			       hv_error_detail());
	return hv;
}
#define open_hv()	__open_hv(_metadata)

static inline uint64_t __cap(struct __test_metadata *_metadata,
			     struct hv *hv, uint32_t cap)
{
	uint64_t v = 0;

	ASSERT_EQ(0, hv_check_cap(hv, cap, &v));
	return v;
}
#define cap(hv, c)	__cap(_metadata, hv, c)

/* Assert a libhv call returned 0; say why it did not. */
#define ASSERT_OK(call) do { \
	int __r = (call); \
	ASSERT_EQ(0, __r) TH_LOG("%s: %s %s", #call, strerror(-__r), \
				 hv_error_detail()); \
} while (0)

/* Is @index in HV_GET_MSR_LIST? (A failing list call says no.) */
static inline bool msr_listed(struct hv *hv, uint32_t index)
{
	uint32_t idx[HV_MAX_MSR_ENTRIES], n = HV_MAX_MSR_ENTRIES, i;

	if (hv_get_msr_list(hv, idx, &n))
		return false;
	for (i = 0; i < n; i++)
		if (idx[i] == index)
			return true;
	return false;
}

/* ---- one guest: a VM from guest_vm_create() and its vCPU 0 ---- */

struct guest_env {
	struct hv *hv;
	struct hv_vm *vm;
	struct hv_vcpu *vcpu;
	struct hv_run *run;
};

static inline void __guest_env_setup(struct __test_metadata *_metadata,
				     struct guest_env *g, void *entry)
{
	g->hv = open_hv();
	ASSERT_OK(guest_vm_create(g->hv, &g->vm));
	ASSERT_OK(guest_vcpu_add(g->vm, 0, entry, &g->vcpu));
	g->run = hv_vcpu_run_page(g->vcpu);
}
#define guest_env_setup(g, entry)	__guest_env_setup(_metadata, g, entry)

static inline void guest_env_teardown(struct guest_env *g)
{
	if (g->vm)
		hv_vm_destroy(g->vm);
	if (g->hv)
		hv_close(g->hv);
}

/*
 * A harness fixture named @name whose self->g is one guest, vCPU 0 starting
 * at @entry (NULL: set later with guest_vcpu_entry()).
 */
#define GUEST_FIXTURE(name, entry)					\
	FIXTURE(name) {							\
		struct guest_env g;					\
	};								\
	FIXTURE_SETUP(name)						\
	{								\
		guest_env_setup(&self->g, entry);			\
	}								\
	FIXTURE_TEARDOWN(name)						\
	{								\
		guest_env_teardown(&self->g);				\
	}

/* Run @vcpu once; assert that the ioctl worked and the exit is @reason. */
static inline void __vcpu_run_exit(struct __test_metadata *_metadata,
				   struct hv_vcpu *vcpu, uint32_t reason)
{
	struct hv_run *run = hv_vcpu_run_page(vcpu);
	char buf[256];
	int r;

	r = hv_vcpu_run(vcpu);
	ASSERT_EQ(0, r) TH_LOG("hv_vcpu_run: %s", strerror(-r));
	ASSERT_EQ(reason, run->exit_reason)
		TH_LOG("expected a %s exit, got %s", hv_exit_name(reason),
		       exit_describe(run, buf, sizeof(buf)));
}
#define vcpu_run_exit(vcpu, reason) __vcpu_run_exit(_metadata, vcpu, reason)

/*
 * Run @vcpu until its next exit and assert that it is a ucall other than
 * UCALL_ABORT (a guest assertion is reported with its source line). Returns
 * UCALL_SYNC or UCALL_DONE; @uc gets the ucall.
 */
static inline uint64_t __vcpu_ucall(struct __test_metadata *_metadata,
				    struct hv_vcpu *vcpu, struct ucall *uc)
{
	struct hv_vm *vm = hv_vcpu_vm(vcpu);
	uint64_t type;

	vcpu_run_exit(vcpu, HV_EXIT_IO);
	type = ucall_get(vcpu, uc);
	ASSERT_NE(UCALL_NONE, type) {
		char buf[256];

		TH_LOG("expected a ucall, got %s",
		       exit_describe(hv_vcpu_run_page(vcpu), buf,
				     sizeof(buf)));
	}
	ASSERT_NE(UCALL_ABORT, type)
		TH_LOG("guest failed at %s:%llu: %s (0x%llx, 0x%llx, 0x%llx)",
		       guest_string(vm, uc->file),
		       (unsigned long long)uc->line,
		       guest_string(vm, uc->msg),
		       (unsigned long long)uc->args[0],
		       (unsigned long long)uc->args[1],
		       (unsigned long long)uc->args[2]);
	return type;
}
#define vcpu_ucall(vcpu, uc)	__vcpu_ucall(_metadata, vcpu, uc)

/* Run to the next ucall; assert it is UCALL_SYNC and return its args[0]. */
static inline uint64_t __vcpu_sync(struct __test_metadata *_metadata,
				   struct hv_vcpu *vcpu, struct ucall *uc)
{
	ASSERT_EQ(UCALL_SYNC, __vcpu_ucall(_metadata, vcpu, uc));
	return uc->args[0];
}
#define vcpu_sync(vcpu, uc)	__vcpu_sync(_metadata, vcpu, uc)

/* Run to the next ucall; assert it is UCALL_DONE. */
#define vcpu_done(vcpu) do { \
	struct ucall __uc; \
	ASSERT_EQ(UCALL_DONE, vcpu_ucall(vcpu, &__uc)); \
} while (0)

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

#endif /* HV_SELFTEST_TEST_UTIL_H */
