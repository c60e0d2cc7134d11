// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU creation, the run page mmap, and the state ioctls (docs/API.md "vCPU
 * fd"): initial state, round trips and every error path. Through libhv
 * where it has the call (on hv a wrapper that passes the ioctl's answer
 * on unchanged, so these run on KVM too, HV_ACCEL=kvm); with raw ioctls on
 * the fds libhv created where the ABI itself is under test (MSR batches,
 * the run page mmap, ioctl arguments), which is hv's alone. What the guest
 * sees of this state is in hv_guest_state_test.c.
 */
#include "test_util.h"

/* Enough memory at GPA 0 for hv_vcpu_setup_mode()'s tables. */
#define MEM_SIZE	(1ULL << 20)
#define TABLES_GPA	0x10000ULL

FIXTURE(vcpu) {
	struct hv *hv;
	struct hv_vm *vm;
	struct hv_vcpu *vcpu;
	int fd;		/* the vCPU's */
};

FIXTURE_SETUP(vcpu)
{
	self->hv = open_hv();
	ASSERT_OK(hv_vm_create(self->hv, &self->vm));
	ASSERT_OK(hv_vm_alloc_memory(self->vm, 0, 0, MEM_SIZE, 0, NULL));
	ASSERT_OK(hv_vcpu_create(self->vm, 0, &self->vcpu));
	self->fd = hv_vcpu_fd(self->vcpu);
}

FIXTURE_TEARDOWN(vcpu)
{
	hv_vm_destroy(self->vm);
	hv_close(self->hv);
}

/* Valid long mode state (from libhv), for tests that break one rule of it. */
static void __long_mode_sregs(struct __test_metadata *_metadata,
			      struct hv_vcpu *vcpu, struct hv_sregs *sregs)
{
	struct hv_setup setup = {
		.mode = HV_MODE_LONG, .entry = 0x1000, .stack = 0x8000,
		.tables = TABLES_GPA,
	};

	ASSERT_OK(hv_vcpu_setup_mode(vcpu, &setup));
	ASSERT_OK(hv_vcpu_get_sregs(vcpu, sregs));
}
#define long_mode_sregs(s)	__long_mode_sregs(_metadata, self->vcpu, s)

static long set_sregs(struct hv_vcpu *vcpu, struct hv_sregs *sregs)
{
	return hv_vcpu_set_sregs(vcpu, sregs);
}

/* The tests of hv's ioctl ABI itself. */
#define REQUIRE_HV_ABI() SKIP_ON_KVM("the /dev/hv vCPU ioctls themselves")

/* ---- creation ---- */

TEST_F(vcpu, create_id_out_of_range_einval)
{
	long max = cap(self->hv, HV_CAP_MAX_VCPUS);

	struct hv_vcpu *v;

	ASSERT_EQ(-EINVAL, hv_vcpu_create(self->vm, max, &v));
	ASSERT_EQ(-EINVAL, hv_vcpu_create(self->vm, ~0U, &v));
}

TEST_F(vcpu, create_duplicate_id_eexist)
{
	struct hv_vcpu *v;

	ASSERT_EQ(-EEXIST, hv_vcpu_create(self->vm, 0, &v));
}

TEST_F(vcpu, create_highest_id)
{
	long max = cap(self->hv, HV_CAP_MAX_VCPUS);
	struct hv_vcpu *v;

	if (max < 2)
		SKIP_TEST("HV_CAP_MAX_VCPUS is %ld", max);
	ASSERT_OK(hv_vcpu_create(self->vm, max - 1, &v));
}

/* ---- initial state ---- */

TEST_F(vcpu, initial_regs)
{
	struct hv_regs regs;

	ASSERT_EQ(0, hv_vcpu_get_regs(self->vcpu, &regs));
	EXPECT_EQ(0xfff0, regs.rip);
	EXPECT_EQ(0x2, regs.rflags);
}

TEST_F(vcpu, initial_sregs)
{
	struct hv_sregs s;

	ASSERT_EQ(0, hv_vcpu_get_sregs(self->vcpu, &s));
	EXPECT_EQ(0xf000, s.cs.selector);
	EXPECT_EQ(0xffff0000, s.cs.base);
	EXPECT_EQ(0x60000010, s.cr0);
	EXPECT_EQ(0, s.cr2);
	EXPECT_EQ(0, s.cr3);
	EXPECT_EQ(0, s.cr4);
	EXPECT_EQ(0, s.efer);
	EXPECT_EQ(0xfee00000 | APIC_BASE_ENABLE | APIC_BASE_BSP, s.apic_base);
}

TEST_F(vcpu, initial_apic_base_not_bsp)
{
	struct hv_vcpu *ap;
	struct hv_sregs s;

	if (cap(self->hv, HV_CAP_MAX_VCPUS) < 2)
		SKIP_TEST("one vCPU per VM");
	ASSERT_OK(hv_vcpu_create(self->vm, 1, &ap));
	ASSERT_EQ(0, hv_vcpu_get_sregs(ap, &s));
	EXPECT_EQ(0xfee00000 | APIC_BASE_ENABLE, s.apic_base);
}

TEST_F(vcpu, initial_xcr0_is_x87)
{
	struct hv_xcrs xcrs;

	if (!cap(self->hv, HV_CAP_XSAVE))
		SKIP_TEST("no HV_CAP_XSAVE");
	ASSERT_EQ(0, hv_vcpu_get_xcrs(self->vcpu, &xcrs));
	ASSERT_EQ(XFEATURE_X87, xcrs.xcr0);
}

/*
 * What the supported table offers that a vCPU without an in-kernel irqchip
 * does not have: CPUID.1 APIC, x2APIC and TSC-deadline, CPUID.6 ARAT.
 */
static void drop_irqchip_bits(struct hv_cpuid_entry *e)
{
	if (e->function == 1) {
		e->ecx &= ~((1u << 21) | (1u << 24));
		e->edx &= ~(1u << 9);
	} else if (e->function == 6) {
		e->eax &= ~(1u << 2);
	}
}

/*
 * KVM keeps some fields of a vCPU's table current as the state changes:
 * OSXSAVE with CR4, the APIC bit with IA32_APIC_BASE (so it is set even
 * without an in-kernel APIC), the XSAVE area size with XCR0; hv computes
 * them when the guest executes CPUID. Compared without them on KVM.
 */
static void drop_kvm_runtime_bits(struct hv_cpuid_entry *e)
{
	if (!on_kvm())
		return;
	if (e->function == 1) {
		e->ecx &= ~(1u << 27);
		e->edx &= ~(1u << 9);
	} else if (e->function == 0xd && e->index <= 1) {
		e->ebx = 0;
	}
}

TEST_F(vcpu, initial_cpuid_is_default)
{
	static struct hv_cpuid_entry def[HV_MAX_CPUID_ENTRIES];
	static struct hv_cpuid_entry mine[HV_MAX_CPUID_ENTRIES];
	uint32_t ndef = HV_MAX_CPUID_ENTRIES, nmine = HV_MAX_CPUID_ENTRIES;
	uint32_t i, j;

	ASSERT_OK(hv_get_supported_cpuid(self->hv, def, &ndef));
	ASSERT_OK(hv_vcpu_get_cpuid(self->vcpu, mine, &nmine));
	ASSERT_EQ(ndef, nmine);
	for (i = 0; i < ndef; i++) {
		if (def[i].function == 1) {
			EXPECT_EQ(1u << 9, def[i].edx & (1u << 9))
				TH_LOG("the supported table offers the APIC");
		}
		drop_irqchip_bits(&def[i]);
		drop_kvm_runtime_bits(&def[i]);
	}
	for (j = 0; j < nmine; j++)
		drop_kvm_runtime_bits(&mine[j]);
	for (i = 0; i < ndef; i++) {
		for (j = 0; j < nmine; j++)
			if (!memcmp(&def[i], &mine[j], sizeof(def[i])))
				break;
		EXPECT_LT(j, nmine) TH_LOG("leaf 0x%x.%u differs", def[i].function,
					   def[i].index);
	}
}

TEST_F(vcpu, initial_stats_zero)
{
	struct hv_vcpu_stats st;
	uint32_t i;

	SKIP_ON_KVM("HV_VCPU_GET_STATS (KVM has no such counters)");
	memset(&st, 0xff, sizeof(st));
	ASSERT_EQ(0, hv_ioctl(self->fd, HV_VCPU_GET_STATS, &st));
	ASSERT_EQ(HV_STAT_NR, st.nr);
	for (i = 0; i < HV_STAT_NR; i++) {
		EXPECT_EQ(0, st.count[i]) TH_LOG("%s", hv_stat_name(i));
	}
}

/* ---- the run page ---- */

TEST_F(vcpu, mmap_run_page)
{
	long size = cap(self->hv, HV_CAP_RUN_SIZE);
	struct hv_run *run;

	REQUIRE_HV_ABI();
	run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, run) TH_LOG("mmap: %s", strerror(errno));
	/* The same page libhv mapped. */
	run->request_interrupt_window = 1;
	EXPECT_EQ(1, hv_vcpu_run_page(self->vcpu)->request_interrupt_window);
	run->request_interrupt_window = 0;
	munmap(run, size);
}

TEST_F(vcpu, mmap_wrong_offset_einval)
{
	long size = cap(self->hv, HV_CAP_RUN_SIZE);
	void *p;

	REQUIRE_HV_ABI();
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
		 PAGE_SIZE);
	ASSERT_EQ(MAP_FAILED, p);
	ASSERT_EQ(EINVAL, errno);
}

/* A private mapping would copy on write: hv could never see userspace's data. */
TEST_F(vcpu, mmap_private_einval)
{
	long size = cap(self->hv, HV_CAP_RUN_SIZE);
	void *p;

	REQUIRE_HV_ABI();
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, self->fd, 0);
	ASSERT_EQ(MAP_FAILED, p);
	ASSERT_EQ(EINVAL, errno);
}

TEST_F(vcpu, kick_nonzero_arg_einval)
{
	REQUIRE_HV_ABI();
	EXPECT_EQ(-EINVAL, hv_ioctl(self->fd, HV_VCPU_KICK, 1));
	EXPECT_EQ(0, hv_ioctl(self->fd, HV_VCPU_KICK, 0));
}

TEST_F(vcpu, mmap_too_large_einval)
{
	long size = cap(self->hv, HV_CAP_RUN_SIZE);
	void *p;

	REQUIRE_HV_ABI();
	p = mmap(NULL, size + PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->fd, 0);
	ASSERT_EQ(MAP_FAILED, p);
	ASSERT_EQ(EINVAL, errno);
}

TEST_F(vcpu, run_nonzero_arg_einval)
{
	REQUIRE_HV_ABI();
	ASSERT_EQ(-EINVAL, hv_ioctl(self->fd, HV_VCPU_RUN, 1));
}

/* ---- regs ---- */

TEST_F(vcpu, regs_roundtrip)
{
	struct hv_regs in, out;
	uint64_t *w = (uint64_t *)&in;
	size_t i;

	for (i = 0; i < sizeof(in) / 8; i++)
		w[i] = 0x0101010101010101ULL * (i + 1);
	in.rip = 0x1000;
	in.rflags = 0x2 | 0x1 | 0x40 | 0x80;	/* CF, ZF, SF */
	ASSERT_EQ(0, hv_vcpu_set_regs(self->vcpu, &in));
	ASSERT_EQ(0, hv_vcpu_get_regs(self->vcpu, &out));
	ASSERT_EQ(0, memcmp(&in, &out, sizeof(in)));
}

/* ---- sregs ---- */

TEST_F(vcpu, sregs_roundtrip)
{
	struct hv_sregs in, out;

	ASSERT_EQ(0, hv_vcpu_get_sregs(self->vcpu, &in));
	in.ds.selector = 0x100;
	in.ds.base = 0x1000;
	in.gdt.base = 0x5000;
	in.gdt.limit = 0x3f;
	in.idt.base = 0x6000;
	in.idt.limit = 0x3ff;
	in.cr2 = 0x12345000;
	in.cr8 = 5;
	ASSERT_EQ(0, set_sregs(self->vcpu, &in));
	ASSERT_EQ(0, hv_vcpu_get_sregs(self->vcpu, &out));
	EXPECT_EQ(in.ds.selector, out.ds.selector);
	EXPECT_EQ(in.ds.base, out.ds.base);
	EXPECT_EQ(in.gdt.base, out.gdt.base);
	EXPECT_EQ(in.gdt.limit, out.gdt.limit);
	EXPECT_EQ(in.idt.base, out.idt.base);
	EXPECT_EQ(in.idt.limit, out.idt.limit);
	EXPECT_EQ(in.cr2, out.cr2);
	EXPECT_EQ(in.cr8, out.cr8);
}

TEST_F(vcpu, sregs_long_mode_roundtrip)
{
	struct hv_sregs in, out;

	long_mode_sregs(&in);
	ASSERT_EQ(0, set_sregs(self->vcpu, &in));
	ASSERT_EQ(0, hv_vcpu_get_sregs(self->vcpu, &out));
	EXPECT_EQ(in.cr0, out.cr0);
	EXPECT_EQ(in.cr3, out.cr3);
	EXPECT_EQ(in.cr4, out.cr4);
	EXPECT_EQ(in.efer, out.efer);
	EXPECT_EQ(1, out.cs.l);
	EXPECT_EQ(in.cs.selector, out.cs.selector);
	EXPECT_EQ(in.tr.base, out.tr.base);
}

TEST_F(vcpu, sregs_reserved_einval)
{
	struct hv_sregs s;

	ASSERT_EQ(0, hv_vcpu_get_sregs(self->vcpu, &s));
	s.reserved[7] = 1;
	ASSERT_EQ(-EINVAL, set_sregs(self->vcpu, &s));
}

TEST_F(vcpu, sregs_padding_einval)
{
	struct hv_sregs s, bad;

	ASSERT_EQ(0, hv_vcpu_get_sregs(self->vcpu, &s));
	bad = s;
	bad.cs.padding = 1;
	EXPECT_EQ(-EINVAL, set_sregs(self->vcpu, &bad));
	bad = s;
	bad.gdt.padding[2] = 1;
	EXPECT_EQ(-EINVAL, set_sregs(self->vcpu, &bad));
}

TEST_F(vcpu, sregs_pg_without_pe_einval)
{
	struct hv_sregs s;

	ASSERT_EQ(0, hv_vcpu_get_sregs(self->vcpu, &s));
	s.cr0 = X86_CR0_PG | X86_CR0_ET;
	ASSERT_EQ(-EINVAL, set_sregs(self->vcpu, &s));
}

TEST_F(vcpu, sregs_lma_without_long_mode_einval)
{
	struct hv_sregs s;

	ASSERT_EQ(0, hv_vcpu_get_sregs(self->vcpu, &s));
	s.efer = EFER_LMA;	/* real mode: LME and PG clear */
	ASSERT_EQ(-EINVAL, set_sregs(self->vcpu, &s));
}

TEST_F(vcpu, sregs_long_mode_without_lma_einval)
{
	struct hv_sregs s;

	long_mode_sregs(&s);
	s.efer &= ~EFER_LMA;	/* LME and PG set */
	ASSERT_EQ(-EINVAL, set_sregs(self->vcpu, &s));
}

TEST_F(vcpu, sregs_long_mode_without_pae_einval)
{
	struct hv_sregs s;

	long_mode_sregs(&s);
	s.cr4 &= ~X86_CR4_PAE;
	ASSERT_EQ(-EINVAL, set_sregs(self->vcpu, &s));
}

TEST_F(vcpu, sregs_cr0_reserved_einval)
{
	struct hv_sregs s;

	long_mode_sregs(&s);
	s.cr0 |= 1ULL << 32;
	ASSERT_EQ(-EINVAL, set_sregs(self->vcpu, &s));
}

TEST_F(vcpu, sregs_cr4_reserved_einval)
{
	struct hv_sregs s;

	long_mode_sregs(&s);
	s.cr4 |= 1ULL << 63;
	ASSERT_EQ(-EINVAL, set_sregs(self->vcpu, &s));
}

/* hv does not offer VMX to guests, so CR4.VMXE is reserved for them. */
TEST_F(vcpu, sregs_cr4_vmxe_einval)
{
	struct hv_sregs s;

	if (kvm_offers_vmx())
		SKIP_KVM("kvm_intel offers VMX to guests (nested=1): CR4.VMXE is allowed");
	long_mode_sregs(&s);
	s.cr4 |= 1ULL << 13;
	ASSERT_EQ(-EINVAL, set_sregs(self->vcpu, &s));
}

TEST_F(vcpu, sregs_efer_reserved_einval)
{
	struct hv_sregs s;

	SKIP_ON_KVM("KVM_SET_SREGS (Linux 6.1) does not check EFER's reserved bits");
	long_mode_sregs(&s);
	s.efer |= 1ULL << 62;
	ASSERT_EQ(-EINVAL, set_sregs(self->vcpu, &s));
}

TEST_F(vcpu, sregs_einval_changes_nothing)
{
	struct hv_sregs before, bad, after;

	long_mode_sregs(&before);
	bad = before;
	bad.cr4 &= ~X86_CR4_PAE;
	bad.cr2 = 0xdead000;
	ASSERT_EQ(-EINVAL, set_sregs(self->vcpu, &bad));
	ASSERT_EQ(0, hv_vcpu_get_sregs(self->vcpu, &after));
	ASSERT_EQ(0, memcmp(&before, &after, sizeof(before)));
}

/* ---- MSRs ---- */

static long msrs(int fd, unsigned long req, struct hv_msr_entry *e,
		 uint32_t n)
{
	struct hv_msrs m = { .nmsrs = n, .entries = (uintptr_t)e };

	return hv_ioctl(fd, req, &m);
}

#define REQUIRE_MSR(index) do { \
	if (!msr_listed(self->hv, index)) \
		SKIP_TEST("MSR 0x%x not in HV_GET_MSR_LIST", index); \
} while (0)

#define STAR_VALUE	0x0023001000abcdefULL
#define LSTAR_VALUE	0xffffffff81234560ULL

TEST_F(vcpu, msrs_roundtrip)
{
	struct hv_msr_entry e[2] = {
		{ .index = MSR_STAR, .data = STAR_VALUE },
		{ .index = MSR_LSTAR, .data = LSTAR_VALUE },
	};

	REQUIRE_MSR(MSR_STAR);
	REQUIRE_MSR(MSR_LSTAR);
	REQUIRE_HV_ABI();
	ASSERT_EQ(2, msrs(self->fd, HV_VCPU_SET_MSRS, e, 2));
	e[0].data = e[1].data = 0;
	ASSERT_EQ(2, msrs(self->fd, HV_VCPU_GET_MSRS, e, 2));
	EXPECT_EQ(STAR_VALUE, e[0].data);
	EXPECT_EQ(LSTAR_VALUE, e[1].data);
}

/* One at a time, through libhv: on either accelerator. */
TEST_F(vcpu, msr_roundtrip)
{
	uint64_t star = 0, lstar = 0;

	REQUIRE_MSR(MSR_STAR);
	REQUIRE_MSR(MSR_LSTAR);
	ASSERT_OK(hv_vcpu_set_msr(self->vcpu, MSR_STAR, STAR_VALUE));
	ASSERT_OK(hv_vcpu_set_msr(self->vcpu, MSR_LSTAR, LSTAR_VALUE));
	ASSERT_OK(hv_vcpu_get_msr(self->vcpu, MSR_STAR, &star));
	ASSERT_OK(hv_vcpu_get_msr(self->vcpu, MSR_LSTAR, &lstar));
	EXPECT_EQ(STAR_VALUE, star);
	EXPECT_EQ(LSTAR_VALUE, lstar);
	EXPECT_EQ(-EINVAL, hv_vcpu_get_msr(self->vcpu, MSR_BOGUS, &star));
	EXPECT_EQ(-EINVAL, hv_vcpu_set_msr(self->vcpu, MSR_BOGUS, 1));
}

TEST_F(vcpu, msrs_too_many_e2big)
{
	static struct hv_msr_entry e[HV_MAX_MSR_ENTRIES + 1];
	uint32_t i;

	REQUIRE_HV_ABI();
	for (i = 0; i <= HV_MAX_MSR_ENTRIES; i++)
		e[i].index = MSR_STAR;
	EXPECT_EQ(-E2BIG, msrs(self->fd, HV_VCPU_GET_MSRS, e,
			       HV_MAX_MSR_ENTRIES + 1));
	EXPECT_EQ(-E2BIG, msrs(self->fd, HV_VCPU_SET_MSRS, e,
			       HV_MAX_MSR_ENTRIES + 1));
}

TEST_F(vcpu, msrs_padding_einval)
{
	struct hv_msr_entry e = { .index = MSR_STAR };
	struct hv_msrs m = { .nmsrs = 1, .padding = 1, .entries = (uintptr_t)&e };

	REQUIRE_HV_ABI();
	ASSERT_EQ(-EINVAL, hv_ioctl(self->fd, HV_VCPU_GET_MSRS, &m));
}

TEST_F(vcpu, msrs_bad_pointer_efault)
{
	REQUIRE_HV_ABI();
	ASSERT_EQ(-EFAULT, msrs(self->fd, HV_VCPU_GET_MSRS,
				(struct hv_msr_entry *)8, 1));
}

TEST_F(vcpu, set_msrs_stops_at_unknown)
{
	struct hv_msr_entry e[3] = {
		{ .index = MSR_STAR, .data = STAR_VALUE },
		{ .index = MSR_BOGUS, .data = 1 },
		{ .index = MSR_LSTAR, .data = LSTAR_VALUE },
	};
	uint64_t lstar;

	REQUIRE_HV_ABI();
	REQUIRE_MSR(MSR_STAR);
	REQUIRE_MSR(MSR_LSTAR);
	ASSERT_OK(hv_vcpu_get_msr(self->vcpu, MSR_LSTAR, &lstar));
	ASSERT_NE(LSTAR_VALUE, lstar);
	ASSERT_EQ(1, msrs(self->fd, HV_VCPU_SET_MSRS, e, 3));
	/* The entry after the unknown one was not written. */
	ASSERT_OK(hv_vcpu_get_msr(self->vcpu, MSR_LSTAR, &lstar));
	ASSERT_NE(LSTAR_VALUE, lstar);
}

TEST_F(vcpu, get_msrs_stops_at_unknown)
{
	struct hv_msr_entry e[3] = {
		{ .index = MSR_STAR },
		{ .index = MSR_BOGUS },
		{ .index = MSR_LSTAR },
	};

	REQUIRE_HV_ABI();
	REQUIRE_MSR(MSR_STAR);
	ASSERT_EQ(1, msrs(self->fd, HV_VCPU_GET_MSRS, e, 3));
}

TEST_F(vcpu, set_msrs_stops_at_entry_reserved)
{
	struct hv_msr_entry e = {
		.index = MSR_STAR, .reserved = 1, .data = STAR_VALUE,
	};

	REQUIRE_HV_ABI();
	REQUIRE_MSR(MSR_STAR);
	ASSERT_EQ(0, msrs(self->fd, HV_VCPU_SET_MSRS, &e, 1));
}

/* LSTAR takes canonical addresses only (WRMSR would #GP). */
TEST_F(vcpu, set_msrs_stops_at_invalid_value)
{
	struct hv_msr_entry e = {
		.index = MSR_LSTAR, .data = 0x8000000000000000ULL,
	};

	REQUIRE_HV_ABI();
	REQUIRE_MSR(MSR_LSTAR);
	ASSERT_EQ(0, msrs(self->fd, HV_VCPU_SET_MSRS, &e, 1));
}

/* Every MSR in the list can be read (one at a time, through libhv). */
TEST_F(vcpu, msr_list_all_get)
{
	uint32_t idx[HV_MAX_MSR_ENTRIES], n = HV_MAX_MSR_ENTRIES, i;
	uint64_t v;

	ASSERT_OK(hv_get_msr_list(self->hv, idx, &n));
	for (i = 0; i < n; i++)
		ASSERT_OK(hv_vcpu_get_msr(self->vcpu, idx[i], &v));
}

/*
 * ... and written back with what was read. KVM lists MSRs that need what
 * the VM may lack (MSR_KVM_ASYNC_PF_INT refuses any value without an
 * in-kernel APIC).
 */
TEST_F(vcpu, msr_list_all_set_back)
{
	uint32_t idx[HV_MAX_MSR_ENTRIES], n = HV_MAX_MSR_ENTRIES, i;
	uint64_t v;

	SKIP_ON_KVM("every MSR of the list takes back what it read (KVM lists some it refuses)");
	ASSERT_OK(hv_get_msr_list(self->hv, idx, &n));
	for (i = 0; i < n; i++) {
		ASSERT_OK(hv_vcpu_get_msr(self->vcpu, idx[i], &v));
		ASSERT_OK(hv_vcpu_set_msr(self->vcpu, idx[i], v));
	}
}

/* ---- XSAVE and XCRs ---- */

#define REQUIRE_XSAVE() do { \
	if (!cap(self->hv, HV_CAP_XSAVE)) \
		SKIP_TEST("no HV_CAP_XSAVE"); \
} while (0)

static long set_xcr0(struct hv_vcpu *vcpu, uint64_t xcr0)
{
	struct hv_xcrs x = { .xcr0 = xcr0 };

	return hv_vcpu_set_xcrs(vcpu, &x);
}

TEST_F(vcpu, xcrs_roundtrip)
{
	struct hv_xcrs x;

	REQUIRE_XSAVE();
	ASSERT_EQ(0, set_xcr0(self->vcpu, XFEATURE_X87 | XFEATURE_SSE));
	ASSERT_EQ(0, hv_vcpu_get_xcrs(self->vcpu, &x));
	ASSERT_EQ(XFEATURE_X87 | XFEATURE_SSE, x.xcr0);
}

TEST_F(vcpu, xcrs_without_x87_einval)
{
	REQUIRE_XSAVE();
	ASSERT_EQ(-EINVAL, set_xcr0(self->vcpu, XFEATURE_SSE));
}

TEST_F(vcpu, xcrs_avx_without_sse_einval)
{
	REQUIRE_XSAVE();
	ASSERT_EQ(-EINVAL, set_xcr0(self->vcpu, XFEATURE_X87 | XFEATURE_AVX));
}

TEST_F(vcpu, xcrs_unsupported_component_einval)
{
	REQUIRE_XSAVE();
	/* Bit 62 names no component on any CPU. */
	ASSERT_EQ(-EINVAL, set_xcr0(self->vcpu, XFEATURE_X87 | (1ULL << 62)));
}

TEST_F(vcpu, xcrs_reserved_einval)
{
	struct hv_xcrs x = { .xcr0 = XFEATURE_X87 | XFEATURE_SSE };

	REQUIRE_XSAVE();
	x.reserved[0] = 1;
	ASSERT_EQ(-EINVAL, hv_vcpu_set_xcrs(self->vcpu, &x));
}

TEST_F(vcpu, xcrs_einval_keeps_xcr0)
{
	struct hv_xcrs x;

	REQUIRE_XSAVE();
	ASSERT_EQ(0, set_xcr0(self->vcpu, XFEATURE_X87 | XFEATURE_SSE));
	ASSERT_EQ(-EINVAL, set_xcr0(self->vcpu, XFEATURE_SSE));
	ASSERT_EQ(0, hv_vcpu_get_xcrs(self->vcpu, &x));
	ASSERT_EQ(XFEATURE_X87 | XFEATURE_SSE, x.xcr0);
}

static uint64_t *xstate_bv(struct hv_xsave *x)
{
	return (uint64_t *)((char *)x->region + XSAVE_XSTATE_BV_OFFSET);
}

TEST_F(vcpu, xsave_roundtrip_xmm0)
{
	static const uint8_t xmm0[16] = {
		0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe,
		0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	};
	struct hv_xsave x;

	REQUIRE_XSAVE();
	/* SSE in XCR0 too, whatever "components the guest can have" means. */
	ASSERT_EQ(0, set_xcr0(self->vcpu, XFEATURE_X87 | XFEATURE_SSE));
	ASSERT_EQ(0, hv_vcpu_get_xsave(self->vcpu, &x));
	memcpy((char *)x.region + XSAVE_XMM0_OFFSET, xmm0, sizeof(xmm0));
	*xstate_bv(&x) |= XFEATURE_SSE;
	ASSERT_EQ(0, hv_vcpu_set_xsave(self->vcpu, &x));
	memset(&x, 0, sizeof(x));
	ASSERT_EQ(0, hv_vcpu_get_xsave(self->vcpu, &x));
	ASSERT_EQ(0, memcmp((char *)x.region + XSAVE_XMM0_OFFSET, xmm0,
			    sizeof(xmm0)));
}

TEST_F(vcpu, xsave_unknown_component_einval)
{
	struct hv_xsave x;

	REQUIRE_XSAVE();
	ASSERT_EQ(0, hv_vcpu_get_xsave(self->vcpu, &x));
	ASSERT_EQ(0, hv_vcpu_set_xsave(self->vcpu, &x));
	*xstate_bv(&x) |= 1ULL << 62;
	ASSERT_EQ(-EINVAL, hv_vcpu_set_xsave(self->vcpu, &x));
}

/* ---- CPUID ---- */

static long set_cpuid(struct hv_vcpu *vcpu, struct hv_cpuid_entry *e, uint32_t n)
{
	return hv_vcpu_set_cpuid(vcpu, e, n);
}

static long get_cpuid(struct hv_vcpu *vcpu, struct hv_cpuid_entry *e, uint32_t *n)
{
	return hv_vcpu_get_cpuid(vcpu, e, n);
}

/* "hvselftest.." in EBX, ECX, EDX. */
#define SIG_EBX		0x65737668
#define SIG_ECX		0x65746c66
#define SIG_EDX		0x00007473

TEST_F(vcpu, cpuid_roundtrip)
{
	struct hv_cpuid_entry in[2] = {
		{ .function = 0x40000000, .eax = 0x40000001,
		  .ebx = SIG_EBX, .ecx = SIG_ECX, .edx = SIG_EDX },
		{ .function = 0x40000001, .index = 3,
		  .flags = HV_CPUID_FLAG_INDEXED, .eax = 0x1234 },
	};
	struct hv_cpuid_entry out[HV_MAX_CPUID_ENTRIES];
	uint32_t n = HV_MAX_CPUID_ENTRIES, i, found = 0;

	ASSERT_EQ(0, set_cpuid(self->vcpu, in, 2));
	ASSERT_EQ(0, get_cpuid(self->vcpu, out, &n));
	ASSERT_EQ(2, n);
	for (i = 0; i < n; i++) {
		if (!memcmp(&out[i], &in[0], sizeof(in[0])))
			found |= 1;
		if (!memcmp(&out[i], &in[1], sizeof(in[1])))
			found |= 2;
	}
	ASSERT_EQ(3, found);
}

TEST_F(vcpu, set_cpuid_too_many_e2big)
{
	static struct hv_cpuid_entry e[HV_MAX_CPUID_ENTRIES + 1];
	uint32_t i;

	for (i = 0; i <= HV_MAX_CPUID_ENTRIES; i++)
		e[i].function = 0x40000000 + i;
	ASSERT_EQ(-E2BIG, set_cpuid(self->vcpu, e, HV_MAX_CPUID_ENTRIES + 1));
}

TEST_F(vcpu, get_cpuid_too_small_e2big_with_count)
{
	struct hv_cpuid_entry e[3] = {
		{ .function = 0 }, { .function = 1 }, { .function = 0x40000000 },
	};
	uint32_t n = 1;

	ASSERT_EQ(0, set_cpuid(self->vcpu, e, 3));
	ASSERT_EQ(-E2BIG, get_cpuid(self->vcpu, e, &n));
	ASSERT_EQ(3, n);
}

TEST_F(vcpu, set_cpuid_unknown_flags_einval)
{
	struct hv_cpuid_entry e = { .function = 0x40000000, .flags = 1U << 1 };

	ASSERT_EQ(-EINVAL, set_cpuid(self->vcpu, &e, 1));
}

TEST_F(vcpu, set_cpuid_padding_einval)
{
	struct hv_cpuid_entry e = { .function = 0x40000000, .padding = 1 };
	struct hv_cpuid_entry ok = { .function = 0x40000000 };
	struct hv_cpuid c = { .nent = 1, .padding = 1, .entries = (uintptr_t)&ok };

	EXPECT_EQ(-EINVAL, set_cpuid(self->vcpu, &e, 1));
	if (!on_kvm())	/* struct hv_cpuid is the ioctl's own */
		EXPECT_EQ(-EINVAL, hv_ioctl(self->fd, HV_VCPU_SET_CPUID, &c));
}

/* Bits hv cannot virtualize are cleared from the table, never passed on. */
TEST_F(vcpu, set_cpuid_clears_vmx_svm)
{
	struct hv_cpuid_entry e[2] = {
		{ .function = 1, .ecx = CPUID_1_ECX_VMX },
		{ .function = 0x80000001, .ecx = CPUID_80000001_ECX_SVM },
	};
	uint32_t n = 2, i;

	SKIP_ON_KVM("hv clears the CPUID bits it cannot virtualize; KVM_SET_CPUID2 takes the table as given");
	ASSERT_EQ(0, set_cpuid(self->vcpu, e, 2));
	memset(e, 0xff, sizeof(e));
	ASSERT_EQ(0, get_cpuid(self->vcpu, e, &n));
	ASSERT_EQ(2, n);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(0, e[i].ecx) TH_LOG("leaf 0x%x", e[i].function);
	}
}

/* ---- event injection ---- */

static long inject(struct hv_vcpu *vcpu, uint8_t type, uint8_t vector)
{
	struct hv_event ev = { .type = type, .vector = vector };

	return hv_vcpu_inject(vcpu, &ev);
}

TEST_F(vcpu, inject_one_of_each_type)
{
	ASSERT_EQ(0, inject(self->vcpu, HV_EVENT_EXCEPTION, UD_VECTOR));
	ASSERT_EQ(0, inject(self->vcpu, HV_EVENT_EXTINT, 0x40));
	if (cap(self->hv, HV_CAP_NMI))
		ASSERT_EQ(0, inject(self->vcpu, HV_EVENT_NMI, NMI_VECTOR));
}

TEST_F(vcpu, inject_second_exception_ebusy)
{
	ASSERT_EQ(0, inject(self->vcpu, HV_EVENT_EXCEPTION, UD_VECTOR));
	ASSERT_EQ(-EBUSY, inject(self->vcpu, HV_EVENT_EXCEPTION, UD_VECTOR));
}

TEST_F(vcpu, inject_second_extint_ebusy)
{
	ASSERT_EQ(0, inject(self->vcpu, HV_EVENT_EXTINT, 0x40));
	ASSERT_EQ(-EBUSY, inject(self->vcpu, HV_EVENT_EXTINT, 0x41));
}

TEST_F(vcpu, inject_second_nmi_ebusy)
{
	if (!cap(self->hv, HV_CAP_NMI))
		SKIP_TEST("no HV_CAP_NMI");
	ASSERT_EQ(0, inject(self->vcpu, HV_EVENT_NMI, NMI_VECTOR));
	ASSERT_EQ(-EBUSY, inject(self->vcpu, HV_EVENT_NMI, NMI_VECTOR));
}

/* One invalid field each; everything else is a valid #GP(0). */
FIXTURE(inject_invalid) {
	struct hv *hv;
	struct hv_vm *vm;
	struct hv_vcpu *vcpu;
};

FIXTURE_VARIANT(inject_invalid) {
	struct hv_event ev;
	int reserved_word;	/* 1-based index into ev.reserved, 0 = none */
};

FIXTURE_VARIANT_ADD(inject_invalid, unknown_type) {
	.ev = { .type = 4, .vector = GP_VECTOR },
};
FIXTURE_VARIANT_ADD(inject_invalid, type_zero) {
	.ev = { .type = 0, .vector = GP_VECTOR },
};
FIXTURE_VARIANT_ADD(inject_invalid, exception_vector_32) {
	.ev = { .type = HV_EVENT_EXCEPTION, .vector = 32 },
};
FIXTURE_VARIANT_ADD(inject_invalid, extint_vector_15) {
	.ev = { .type = HV_EVENT_EXTINT, .vector = 15 },
};
FIXTURE_VARIANT_ADD(inject_invalid, nmi_vector_not_2) {
	.ev = { .type = HV_EVENT_NMI, .vector = 3 },
};
FIXTURE_VARIANT_ADD(inject_invalid, extint_error_code) {
	.ev = { .type = HV_EVENT_EXTINT, .vector = 0x40, .has_error_code = 1 },
};
FIXTURE_VARIANT_ADD(inject_invalid, nmi_error_code) {
	.ev = { .type = HV_EVENT_NMI, .vector = 2, .has_error_code = 1 },
};
FIXTURE_VARIANT_ADD(inject_invalid, has_error_code_2) {
	.ev = { .type = HV_EVENT_EXCEPTION, .vector = GP_VECTOR,
		.has_error_code = 2 },
};
FIXTURE_VARIANT_ADD(inject_invalid, padding) {
	.ev = { .type = HV_EVENT_EXCEPTION, .vector = GP_VECTOR,
		.has_error_code = 1, .padding = 1 },
};
FIXTURE_VARIANT_ADD(inject_invalid, reserved) {
	.ev = { .type = HV_EVENT_EXCEPTION, .vector = GP_VECTOR,
		.has_error_code = 1 },
	.reserved_word = 3,
};

FIXTURE_SETUP(inject_invalid)
{
	self->hv = open_hv();
	ASSERT_OK(hv_vm_create(self->hv, &self->vm));
	ASSERT_OK(hv_vcpu_create(self->vm, 0, &self->vcpu));
}

FIXTURE_TEARDOWN(inject_invalid)
{
	hv_vm_destroy(self->vm);
	hv_close(self->hv);
}

TEST_F(inject_invalid, einval)
{
	struct hv_event ev = variant->ev;

	if (ev.type == HV_EVENT_NMI && !cap(self->hv, HV_CAP_NMI))
		SKIP_TEST("no HV_CAP_NMI");
	if (variant->reserved_word)
		ev.reserved[variant->reserved_word - 1] = 1;
	ASSERT_EQ(-EINVAL, hv_vcpu_inject(self->vcpu, &ev));
	/* Nothing was queued: the valid event of that type goes in. */
	if (ev.type >= HV_EVENT_EXCEPTION && ev.type <= HV_EVENT_NMI)
		ASSERT_EQ(0, inject(self->vcpu, ev.type,
				    ev.type == HV_EVENT_NMI ? NMI_VECTOR :
				    ev.type == HV_EVENT_EXTINT ? 0x40 :
				    UD_VECTOR));
}

TEST_HARNESS_MAIN
