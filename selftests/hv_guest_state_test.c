// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU state as the guest sees it: CPUID from the vCPU's table (filtered),
 * RDMSR/WRMSR of listed and unknown MSRs, XMM registers against
 * HV_VCPU_GET/SET_XSAVE, XSETBV against HV_VCPU_GET_XCRS.
 */
#include "test_util.h"

GUEST_FIXTURE(guest, NULL);

#define set_entry(fn)	ASSERT_OK(guest_vcpu_entry(self->g.vcpu, fn, 0, 0))

/* ---- CPUID ---- */

/* Report CPUID(leaf, index): EAX/EBX, then ECX/EDX. */
static GUEST_CODE void guest_cpuid_report(uint64_t leaf, uint64_t index)
{
	uint32_t a, b, c, d;

	guest_cpuid(leaf, index, &a, &b, &c, &d);
	GUEST_SYNC2(a, b);
	GUEST_SYNC2(c, d);
	GUEST_DONE();
}

/* "hvselftest.." */
#define SIG_EBX		0x65737668
#define SIG_ECX		0x65746c66
#define SIG_EDX		0x00007473

/* The default table plus @extra entries (replacing same-leaf ones). */
static uint32_t table_with(struct hv *hv, struct hv_cpuid_entry *t,
			   const struct hv_cpuid_entry *extra, uint32_t nextra)
{
	uint32_t n = HV_MAX_CPUID_ENTRIES - nextra, i, j;

	if (hv_get_supported_cpuid(hv, t, &n))
		return 0;
	for (j = 0; j < nextra; j++) {
		for (i = 0; i < n; i++)
			if (t[i].function == extra[j].function &&
			    t[i].index == extra[j].index)
				break;
		t[i] = extra[j];
		if (i == n)
			n++;
	}
	return n;
}

/* Run guest_cpuid_report(leaf, index): out[0..3] = EAX, EBX, ECX, EDX. */
static void __guest_cpuid(struct __test_metadata *_metadata,
			  struct guest_env *g, uint32_t leaf, uint32_t index,
			  uint32_t out[4])
{
	struct ucall uc;

	ASSERT_OK(guest_vcpu_entry(g->vcpu, guest_cpuid_report, leaf, index));
	vcpu_sync(g->vcpu, &uc);
	out[0] = uc.args[0];
	out[1] = uc.args[1];
	vcpu_sync(g->vcpu, &uc);
	out[2] = uc.args[0];
	out[3] = uc.args[1];
	vcpu_done(g->vcpu);
}
#define run_cpuid(leaf, index, out) \
	__guest_cpuid(_metadata, &self->g, leaf, index, out)

TEST_F(guest, cpuid_hides_vmx)
{
	struct hv_cpuid_entry t[HV_MAX_CPUID_ENTRIES];
	uint32_t n = HV_MAX_CPUID_ENTRIES, i, r[4];

	SKIP_ON_KVM("CPUID bits it cannot virtualize cleared from any table (KVM_SET_CPUID2 takes the table as given)");
	/* The default table with VMX forced on in leaf 1. */
	ASSERT_OK(hv_get_supported_cpuid(self->g.hv, t, &n));
	for (i = 0; i < n; i++)
		if (t[i].function == 1)
			t[i].ecx |= CPUID_1_ECX_VMX;
	ASSERT_OK(hv_vcpu_set_cpuid(self->g.vcpu, t, n));
	run_cpuid(1, 0, r);
	ASSERT_EQ(0, r[2] & CPUID_1_ECX_VMX);
}

TEST_F(guest, cpuid_hides_svm)
{
	struct hv_cpuid_entry t[HV_MAX_CPUID_ENTRIES];
	struct hv_cpuid_entry ext[2] = {
		{ .function = 0x80000000, .eax = 0x80000001 },
		{ .function = 0x80000001, .ecx = CPUID_80000001_ECX_SVM },
	};
	uint32_t n, r[4];

	SKIP_ON_KVM("CPUID bits it cannot virtualize cleared from any table (KVM_SET_CPUID2 takes the table as given)");
	n = table_with(self->g.hv, t, ext, 2);
	ASSERT_LT(0, n);
	ASSERT_OK(hv_vcpu_set_cpuid(self->g.vcpu, t, n));
	run_cpuid(0x80000001, 0, r);
	ASSERT_EQ(0, r[2] & CPUID_80000001_ECX_SVM);
}

TEST_F(guest, cpuid_user_leaf_visible)
{
	struct hv_cpuid_entry t[HV_MAX_CPUID_ENTRIES];
	struct hv_cpuid_entry sig = {
		.function = 0x40000000, .eax = 0x40000001,
		.ebx = SIG_EBX, .ecx = SIG_ECX, .edx = SIG_EDX,
	};
	uint32_t n, r[4];

	n = table_with(self->g.hv, t, &sig, 1);
	ASSERT_OK(hv_vcpu_set_cpuid(self->g.vcpu, t, n));
	run_cpuid(0x40000000, 0, r);
	EXPECT_EQ(0x40000001, r[0]);
	EXPECT_EQ(SIG_EBX, r[1]);
	EXPECT_EQ(SIG_ECX, r[2]);
	EXPECT_EQ(SIG_EDX, r[3]);
}

TEST_F(guest, cpuid_indexed_leaf_by_ecx)
{
	struct hv_cpuid_entry t[HV_MAX_CPUID_ENTRIES];
	struct hv_cpuid_entry sub[3] = {
		{ .function = 0x40000000, .eax = 0x40000001 },
		{ .function = 0x40000001, .index = 0,
		  .flags = HV_CPUID_FLAG_INDEXED, .eax = 0xa0 },
		{ .function = 0x40000001, .index = 1,
		  .flags = HV_CPUID_FLAG_INDEXED, .eax = 0xa1 },
	};
	uint32_t n, r[4];

	n = table_with(self->g.hv, t, sub, 3);
	ASSERT_OK(hv_vcpu_set_cpuid(self->g.vcpu, t, n));
	run_cpuid(0x40000001, 1, r);
	ASSERT_EQ(0xa1, r[0]);
}

TEST_F(guest, cpuid_missing_leaf_reads_zero)
{
	struct hv_cpuid_entry t[HV_MAX_CPUID_ENTRIES];
	struct hv_cpuid_entry sig = { .function = 0x40000000, .eax = 0x40000010 };
	uint32_t n, r[4];

	n = table_with(self->g.hv, t, &sig, 1);
	ASSERT_OK(hv_vcpu_set_cpuid(self->g.vcpu, t, n));
	run_cpuid(0x40000007, 0, r);
	EXPECT_EQ(0, r[0]);
	EXPECT_EQ(0, r[1]);
	EXPECT_EQ(0, r[2]);
	EXPECT_EQ(0, r[3]);
}

/* ---- MSRs ---- */

#define STAR_GUEST	0x001b000800001234ULL
#define STAR_HOST	0x0023001000005678ULL

/* RDMSR/WRMSR of an MSR hv does not list: #GP, skipping the 2-byte insn. */
static GUEST_CODE void guest_unknown_msr(uint64_t write)
{
	guest_exc_expected = 1;
	guest_exc_skip = 2;
	if (write)
		guest_wrmsr(MSR_BOGUS, 0);
	else
		(void)guest_rdmsr(MSR_BOGUS);
	guest_exc_expected = 0;
	GUEST_SYNC2(guest_exc_vector, guest_exc_count);
	GUEST_DONE();
}

TEST_F(guest, rdmsr_unknown_gp)
{
	struct ucall uc;

	ASSERT_OK(guest_vcpu_entry(self->g.vcpu, guest_unknown_msr, 0, 0));
	vcpu_sync(self->g.vcpu, &uc);
	EXPECT_EQ(GP_VECTOR, uc.args[0]);
	EXPECT_EQ(1, uc.args[1]);
}

TEST_F(guest, wrmsr_unknown_gp)
{
	struct ucall uc;

	ASSERT_OK(guest_vcpu_entry(self->g.vcpu, guest_unknown_msr, 1, 0));
	vcpu_sync(self->g.vcpu, &uc);
	EXPECT_EQ(GP_VECTOR, uc.args[0]);
	EXPECT_EQ(1, uc.args[1]);
}

static GUEST_CODE void guest_star(void)
{
	guest_wrmsr(MSR_STAR, STAR_GUEST);
	GUEST_SYNC(guest_rdmsr(MSR_STAR));
	/* The host changed it meanwhile. */
	GUEST_SYNC(guest_rdmsr(MSR_STAR));
	GUEST_DONE();
}

TEST_F(guest, msr_star_guest_and_host_agree)
{
	struct ucall uc;
	uint64_t v;

	if (!msr_listed(self->g.hv, MSR_STAR))
		SKIP_TEST("MSR_STAR not in HV_GET_MSR_LIST");
	set_entry(guest_star);
	ASSERT_EQ(STAR_GUEST, vcpu_sync(self->g.vcpu, &uc));
	ASSERT_OK(hv_vcpu_get_msr(self->g.vcpu, MSR_STAR, &v));
	ASSERT_EQ(STAR_GUEST, v);
	ASSERT_OK(hv_vcpu_set_msr(self->g.vcpu, MSR_STAR, STAR_HOST));
	ASSERT_EQ(STAR_HOST, vcpu_sync(self->g.vcpu, &uc));
	vcpu_done(self->g.vcpu);
}

/* ---- XSAVE / XCR0 ---- */

/* SSE by hand: guest C code is general-regs-only. Return XMM0, XMM0[127:64]. */
uint64_t guest_xmm0_lo(void);
uint64_t guest_xmm0_hi(void);
void guest_set_xmm1(uint64_t lo, uint64_t hi);
asm(".pushsection .text\n"
    "guest_xmm0_lo:\n"
    "	movq %xmm0, %rax\n"
    "	ret\n"
    "guest_xmm0_hi:\n"
    "	pshufd $0xee, %xmm0, %xmm7\n"
    "	movq %xmm7, %rax\n"
    "	ret\n"
    "guest_set_xmm1:\n"
    "	movq %rdi, %xmm1\n"
    "	movq %rsi, %xmm7\n"
    "	punpcklqdq %xmm7, %xmm1\n"
    "	ret\n"
    ".popsection\n");

static GUEST_CODE void guest_read_xmm0(void)
{
	GUEST_SYNC2(guest_xmm0_lo(), guest_xmm0_hi());
	GUEST_DONE();
}

static GUEST_CODE void guest_write_xmm1(void)
{
	guest_set_xmm1(0x1111222233334444ULL, 0x5555666677778888ULL);
	GUEST_SYNC(0);
	GUEST_DONE();
}

#define REQUIRE_XSAVE() do { \
	if (!cap(self->g.hv, HV_CAP_XSAVE)) \
		SKIP_TEST("no HV_CAP_XSAVE"); \
} while (0)

static uint64_t *xsave_u64(struct hv_xsave *x, unsigned int offset)
{
	return (uint64_t *)((char *)x->region + offset);
}

TEST_F(guest, set_xsave_xmm0_seen_by_guest)
{
	struct hv_xcrs xcrs = { .xcr0 = XFEATURE_X87 | XFEATURE_SSE };
	struct hv_xsave x;
	struct ucall uc;

	REQUIRE_XSAVE();
	ASSERT_OK(hv_vcpu_set_xcrs(self->g.vcpu, &xcrs));
	ASSERT_OK(hv_vcpu_get_xsave(self->g.vcpu, &x));
	*xsave_u64(&x, XSAVE_XMM0_OFFSET) = 0x0123456789abcdefULL;
	*xsave_u64(&x, XSAVE_XMM0_OFFSET + 8) = 0xfedcba9876543210ULL;
	*xsave_u64(&x, XSAVE_XSTATE_BV_OFFSET) |= XFEATURE_SSE;
	ASSERT_OK(hv_vcpu_set_xsave(self->g.vcpu, &x));
	set_entry(guest_read_xmm0);
	vcpu_sync(self->g.vcpu, &uc);
	EXPECT_EQ(0x0123456789abcdefULL, uc.args[0]);
	EXPECT_EQ(0xfedcba9876543210ULL, uc.args[1]);
}

TEST_F(guest, guest_xmm1_seen_by_get_xsave)
{
	struct hv_xsave x;
	struct ucall uc;

	REQUIRE_XSAVE();
	set_entry(guest_write_xmm1);
	vcpu_sync(self->g.vcpu, &uc);
	ASSERT_OK(hv_vcpu_get_xsave(self->g.vcpu, &x));
	EXPECT_EQ(0x1111222233334444ULL, *xsave_u64(&x, XSAVE_XMM0_OFFSET + 16));
	EXPECT_EQ(0x5555666677778888ULL, *xsave_u64(&x, XSAVE_XMM0_OFFSET + 24));
}

/* XSETBV needs CPUID.1:ECX.XSAVE for the guest and CR4.OSXSAVE. */
static void __enable_osxsave(struct __test_metadata *_metadata,
			     struct guest_env *g)
{
	struct hv_cpuid_entry t[HV_MAX_CPUID_ENTRIES];
	uint32_t n = HV_MAX_CPUID_ENTRIES, i;
	struct hv_sregs s;
	bool xsave = false;

	if (!cap(g->hv, HV_CAP_XSAVE))
		SKIP_TEST("no HV_CAP_XSAVE");
	ASSERT_OK(hv_vcpu_get_cpuid(g->vcpu, t, &n));
	for (i = 0; i < n; i++)
		if (t[i].function == 1 && (t[i].ecx & CPUID_1_ECX_XSAVE))
			xsave = true;
	if (!xsave)
		SKIP_TEST("the vCPU's CPUID has no XSAVE");
	ASSERT_OK(hv_vcpu_get_sregs(g->vcpu, &s));
	s.cr4 |= X86_CR4_OSXSAVE;
	ASSERT_OK(hv_vcpu_set_sregs(g->vcpu, &s));
}
#define enable_osxsave()	__enable_osxsave(_metadata, &self->g)

static GUEST_CODE void guest_xsetbv_sse(void)
{
	guest_xsetbv(0, XFEATURE_X87 | XFEATURE_SSE);
	GUEST_SYNC(guest_xgetbv(0));
	GUEST_DONE();
}

TEST_F(guest, guest_xsetbv_seen_by_get_xcrs)
{
	struct hv_xcrs x;
	struct ucall uc;

	if (host_is_qemu_tcg())
		SKIP_KVM("QEMU TCG's SVM does not intercept XSETBV, so KVM never sees the guest's");
	enable_osxsave();
	set_entry(guest_xsetbv_sse);
	ASSERT_EQ(XFEATURE_X87 | XFEATURE_SSE, vcpu_sync(self->g.vcpu, &uc));
	ASSERT_OK(hv_vcpu_get_xcrs(self->g.vcpu, &x));
	ASSERT_EQ(XFEATURE_X87 | XFEATURE_SSE, x.xcr0);
}

/* XCR0 without x87 is invalid: #GP, skipping the 3-byte XSETBV. */
static GUEST_CODE void guest_xsetbv_invalid(void)
{
	guest_exc_expected = 1;
	guest_exc_skip = 3;
	guest_xsetbv(0, XFEATURE_SSE);
	guest_exc_expected = 0;
	GUEST_SYNC2(guest_exc_vector, guest_exc_count);
	GUEST_DONE();
}

TEST_F(guest, guest_xsetbv_invalid_gp)
{
	struct hv_xcrs x;
	struct ucall uc;

	enable_osxsave();
	set_entry(guest_xsetbv_invalid);
	vcpu_sync(self->g.vcpu, &uc);
	EXPECT_EQ(GP_VECTOR, uc.args[0]);
	EXPECT_EQ(1, uc.args[1]);
	ASSERT_OK(hv_vcpu_get_xcrs(self->g.vcpu, &x));
	ASSERT_EQ(XFEATURE_X87, x.xcr0);
}

/* ---- control registers and privileged instructions ---- */

#define CR4_PGE		(1ULL << 7)
#define CR4_VMXE	(1ULL << 13)
#define CR4_MCE		(1ULL << 6)

/* MOV to CR4 of @bit (one hv does not offer: #GP, 3-byte insn skipped). */
static GUEST_CODE void guest_cr4_set(uint64_t bit, uint64_t expect_gp)
{
	uint64_t cr4 = guest_read_cr4();

	guest_exc_expected = expect_gp;
	guest_exc_skip = 3;
	guest_write_cr4(cr4 | bit);
	guest_exc_expected = 0;
	GUEST_SYNC2(guest_exc_count, guest_read_cr4());
	GUEST_DONE();
}

TEST_F(guest, cr4_write_seen_by_get_sregs)
{
	struct hv_sregs s;
	struct ucall uc;

	ASSERT_OK(guest_vcpu_entry(self->g.vcpu, guest_cr4_set, CR4_PGE, 0));
	vcpu_sync(self->g.vcpu, &uc);
	EXPECT_EQ(0, uc.args[0]);
	EXPECT_TRUE(uc.args[1] & CR4_PGE);
	ASSERT_OK(hv_vcpu_get_sregs(self->g.vcpu, &s));
	EXPECT_TRUE(s.cr4 & CR4_PGE);
}

/*
 * Machine checks exist on every x86-64 CPU, but hv does not offer them
 * (no MCA MSRs): the CPU would accept CR4.MCE, so only hv's own check of
 * the write can refuse it.
 */
TEST_F(guest, cr4_hidden_feature_gp)
{
	struct hv_sregs s;
	struct ucall uc;

	SKIP_ON_KVM("no machine checks: CR4.MCE #GPs (KVM offers MCE)");
	ASSERT_OK(guest_vcpu_entry(self->g.vcpu, guest_cr4_set, CR4_MCE, 1));
	vcpu_sync(self->g.vcpu, &uc);
	EXPECT_EQ(1, uc.args[0]);
	EXPECT_FALSE(uc.args[1] & CR4_MCE);
	EXPECT_EQ(GP_VECTOR, GUEST_VAR(self->g.vm, guest_exc_vector));
	ASSERT_OK(hv_vcpu_get_sregs(self->g.vcpu, &s));
	EXPECT_FALSE(s.cr4 & CR4_MCE);
}

/* VMX is never offered (no nesting); on AMD the bit is also reserved. */
TEST_F(guest, cr4_vmxe_gp)
{
	struct ucall uc;

	if (kvm_offers_vmx())
		SKIP_KVM("kvm_intel offers VMX to guests (nested=1): CR4.VMXE is allowed");
	ASSERT_OK(guest_vcpu_entry(self->g.vcpu, guest_cr4_set, CR4_VMXE, 1));
	vcpu_sync(self->g.vcpu, &uc);
	EXPECT_EQ(1, uc.args[0]);
	EXPECT_FALSE(uc.args[1] & CR4_VMXE);
}

/* RDPMC would read the host's performance counters: #GP. */
static GUEST_CODE void guest_rdpmc(void)
{
	uint32_t lo, hi;

	guest_exc_expected = 1;
	guest_exc_skip = 2;
	asm volatile("rdpmc" : "=a"(lo), "=d"(hi) : "c"(0));
	guest_exc_expected = 0;
	GUEST_SYNC2(guest_exc_vector, guest_exc_count);
	GUEST_DONE();
}

TEST_F(guest, rdpmc_gp)
{
	struct ucall uc;

	SKIP_ON_KVM("no PMU: RDPMC #GPs (KVM virtualizes the PMU)");
	ASSERT_OK(guest_vcpu_entry(self->g.vcpu, guest_rdpmc, 0, 0));
	vcpu_sync(self->g.vcpu, &uc);
	EXPECT_EQ(GP_VECTOR, uc.args[0]);
	EXPECT_EQ(1, uc.args[1]);
}

/* WBINVD and INVD complete (as no-ops for the host's caches). */
static GUEST_CODE void guest_cache_flushes(void)
{
	asm volatile("wbinvd; invd" ::: "memory");
	GUEST_SYNC(guest_exc_count);
	GUEST_DONE();
}

TEST_F(guest, wbinvd_invd_complete)
{
	struct ucall uc;

	ASSERT_OK(guest_vcpu_entry(self->g.vcpu, guest_cache_flushes, 0, 0));
	EXPECT_EQ(0, vcpu_sync(self->g.vcpu, &uc));
}

TEST_HARNESS_MAIN
