// SPDX-License-Identifier: GPL-2.0
/*
 * CPU modes: code that only computes the right value in its own mode runs in
 * real, protected and long mode and reports with OUT to MODE_PORT; the guest
 * switches real -> protected and protected -> long mode itself; a fresh vCPU
 * starts at the reset vector.
 *
 * The 16- and 32-bit code is assembly below, position dependent on
 * GUEST_CODE16_GPA: the host copies each blob there.
 */
#include "test_util.h"

/* Plain numbers: the assembly below uses them too. */
#define MODE_PORT	0x10
#define BLOB_GPA	0x8000		/* GUEST_CODE16_GPA */
#define DATA_GPA	0x200000	/* above 1 MiB: out of real mode's reach */
#define PML4_GPA	0x20000		/* GUEST_SCRATCH_GPA */

_Static_assert(BLOB_GPA == GUEST_CODE16_GPA, "blob address");
_Static_assert(PML4_GPA == GUEST_SCRATCH_GPA, "page table address");

#define STR_(x) #x
#define STR(x) STR_(x)
/* Where label of the blob that begins at start lies once copied. */
#define BLOB_AT(label, start) \
	"(" STR(BLOB_GPA) " + " #label " - " #start ")"

/* Blob boundaries. */
extern char rm_sum_start[], rm_sum_end[];
extern char pm_calc_start[], pm_calc_end[];
extern char rm2pm_start[], rm2pm_end[];
extern char pm2lm_start[], pm2lm_end[];

asm(".pushsection .text\n"
    /*
     * Real mode: AX = 1 + 2 + ... + 100 + the word at 0x0900:0x0010
     * (linear 0x9010), through a real-mode segment base.
     */
    ".code16\n"
    "rm_sum_start:\n"
    "	xor %ax, %ax\n"
    "	mov $100, %cx\n"
    "1:	add %cx, %ax\n"
    "	loop 1b\n"
    "	mov $0x900, %bx\n"
    "	mov %bx, %ds\n"
    "	add 0x10, %ax\n"
    "	out %ax, $" STR(MODE_PORT) "\n"
    "	hlt\n"
    "rm_sum_end:\n"

    /* 32-bit protected mode: 32-bit arithmetic and a flat read above 1 MiB. */
    ".code32\n"
    "pm_calc_start:\n"
    "	mov $0x12345678, %eax\n"
    "	mov $0x1000, %ecx\n"
    "	imul %ecx, %eax\n"
    "	add " STR(DATA_GPA) ", %eax\n"
    "	out %eax, $" STR(MODE_PORT) "\n"
    "	hlt\n"
    "pm_calc_end:\n"

    /* Real mode enables protection itself, then reads above 1 MiB. */
    ".code16\n"
    "rm2pm_start:\n"
    "	cli\n"
    "	xor %ax, %ax\n"
    "	mov %ax, %ds\n"
    "	lgdtl " BLOB_AT(rm2pm_gdtr, rm2pm_start) "\n"
    "	mov %cr0, %eax\n"
    "	or $1, %eax\n"
    "	mov %eax, %cr0\n"
    "	ljmpl $0x08, $" BLOB_AT(rm2pm_32, rm2pm_start) "\n"
    ".code32\n"
    "rm2pm_32:\n"
    "	mov $0x10, %ax\n"
    "	mov %ax, %ds\n"
    "	mov %ax, %ss\n"
    "	mov " STR(DATA_GPA) ", %eax\n"
    "	out %eax, $" STR(MODE_PORT) "\n"
    "	hlt\n"
    "	.balign 8\n"
    "rm2pm_gdt:\n"
    "	.quad 0\n"
    "	.quad 0x00cf9a000000ffff\n"	/* flat 32-bit code */
    "	.quad 0x00cf92000000ffff\n"	/* flat data */
    "rm2pm_gdtr:\n"
    "	.word 23\n"
    "	.long " BLOB_AT(rm2pm_gdt, rm2pm_start) "\n"
    "rm2pm_end:\n"

    /*
     * Protected mode enters long mode itself (SDM vol. 3A 10.8.5): CR3, PAE,
     * EFER.LME, CR0.PG, a far jump to a 64-bit segment; then 64-bit math.
     */
    ".code32\n"
    "pm2lm_start:\n"
    "	lgdt " BLOB_AT(pm2lm_gdtr, pm2lm_start) "\n"
    "	mov $" STR(PML4_GPA) ", %eax\n"
    "	mov %eax, %cr3\n"
    "	mov %cr4, %eax\n"
    "	or $0x20, %eax\n"
    "	mov %eax, %cr4\n"
    "	mov $0xc0000080, %ecx\n"
    "	rdmsr\n"
    "	or $0x100, %eax\n"
    "	wrmsr\n"
    "	mov %cr0, %eax\n"
    "	or $0x80000001, %eax\n"
    "	mov %eax, %cr0\n"
    "	ljmp $0x08, $" BLOB_AT(pm2lm_64, pm2lm_start) "\n"
    ".code64\n"
    "pm2lm_64:\n"
    "	movabs $0x1122334455667788, %rax\n"
    "	add " STR(DATA_GPA) ", %rax\n"
    "	shr $32, %rax\n"
    "	out %eax, $" STR(MODE_PORT) "\n"
    "	hlt\n"
    "	.balign 8\n"
    "pm2lm_gdt:\n"
    "	.quad 0\n"
    "	.quad 0x00af9a000000ffff\n"	/* 64-bit code: L=1, D=0 */
    "	.quad 0x00cf92000000ffff\n"	/* flat data */
    "pm2lm_gdtr:\n"
    "	.word 23\n"
    "	.long " BLOB_AT(pm2lm_gdt, pm2lm_start) "\n"
    "pm2lm_end:\n"
    ".popsection\n");

GUEST_FIXTURE(modes, NULL);

static void __start_blob(struct __test_metadata *_metadata,
			 struct guest_env *g, uint32_t mode, const char *start,
			 const char *end)
{
	struct hv_setup setup = {
		.mode = mode,
		.entry = BLOB_GPA,
		.stack = GUEST_STACK16,
		.tables = GUEST_TABLES_GPA,
	};

	ASSERT_OK(guest_load_blob(g->vm, BLOB_GPA, start, end));
	ASSERT_OK(hv_vcpu_setup_mode(g->vcpu, &setup));
}
#define start_blob(mode, name) \
	__start_blob(_metadata, &self->g, mode, name##_start, name##_end)

/* Run to the blob's OUT to MODE_PORT; return the value; then expect HLT. */
static uint64_t __mode_out(struct __test_metadata *_metadata,
			   struct guest_env *g, unsigned int size)
{
	uint64_t v = 0;

	vcpu_run_exit(g->vcpu, HV_EXIT_IO);
	EXPECT_EQ(MODE_PORT, g->run->io.port);
	EXPECT_EQ(HV_IO_OUT, g->run->io.direction);
	EXPECT_EQ(size, g->run->io.size);
	memcpy(&v, (char *)g->run + g->run->io.data_offset, size);
	return v;
}
#define mode_out(size)	__mode_out(_metadata, &self->g, size)

static void __put32(struct __test_metadata *_metadata, struct hv_vm *vm,
		    uint64_t gpa, uint32_t v)
{
	ASSERT_OK(hv_vm_write(vm, gpa, &v, sizeof(v)));
}
#define put32(gpa, v)	__put32(_metadata, self->g.vm, gpa, v)

TEST_F(modes, real_mode)
{
	struct hv_sregs s;

	put32(0x9010, 0x1111);
	start_blob(HV_MODE_REAL, rm_sum);
	ASSERT_EQ(5050 + 0x1111, mode_out(2));
	ASSERT_OK(hv_vcpu_get_sregs(self->g.vcpu, &s));
	EXPECT_EQ(0, s.cr0 & X86_CR0_PE);
	EXPECT_EQ(0x900, s.ds.selector);
	EXPECT_EQ(0x9000, s.ds.base);
	vcpu_run_exit(self->g.vcpu, HV_EXIT_HLT);
}

TEST_F(modes, protected_mode)
{
	struct hv_sregs s;

	put32(DATA_GPA, 0x01010101);
	start_blob(HV_MODE_PROTECTED, pm_calc);
	ASSERT_EQ(0x45678000 + 0x01010101, mode_out(4));
	ASSERT_OK(hv_vcpu_get_sregs(self->g.vcpu, &s));
	EXPECT_EQ(X86_CR0_PE, s.cr0 & (X86_CR0_PE | X86_CR0_PG));
	EXPECT_EQ(1, s.cs.db);
	EXPECT_EQ(0, s.efer & EFER_LMA);
	vcpu_run_exit(self->g.vcpu, HV_EXIT_HLT);
}

static volatile uint64_t long_input = 0x0000000123456789ULL;

static GUEST_CODE void guest_long_mode(void)
{
	/* Needs 64-bit registers: the product does not fit in 32 bits. */
	GUEST_SYNC(long_input * 0x1000);
	GUEST_DONE();
}

TEST_F(modes, long_mode)
{
	struct hv_sregs s;
	struct ucall uc;

	ASSERT_OK(guest_vcpu_entry(self->g.vcpu, guest_long_mode, 0, 0));
	ASSERT_EQ(0x0000123456789000ULL, vcpu_sync(self->g.vcpu, &uc));
	ASSERT_OK(hv_vcpu_get_sregs(self->g.vcpu, &s));
	EXPECT_EQ(EFER_LME | EFER_LMA, s.efer & (EFER_LME | EFER_LMA));
	EXPECT_EQ(1, s.cs.l);
	EXPECT_EQ(X86_CR0_PE | X86_CR0_PG, s.cr0 & (X86_CR0_PE | X86_CR0_PG));
	vcpu_done(self->g.vcpu);
}

TEST_F(modes, real_to_protected_by_guest)
{
	struct hv_sregs s;

	put32(DATA_GPA, 0xc0ffee42);
	start_blob(HV_MODE_REAL, rm2pm);
	ASSERT_EQ(0xc0ffee42, mode_out(4));
	ASSERT_OK(hv_vcpu_get_sregs(self->g.vcpu, &s));
	EXPECT_EQ(X86_CR0_PE, s.cr0 & X86_CR0_PE);
	EXPECT_EQ(0x08, s.cs.selector);
	EXPECT_EQ(1, s.cs.db);
	vcpu_run_exit(self->g.vcpu, HV_EXIT_HLT);
}

/* Identity map of the first GiB with 2 MiB pages at PML4_GPA. */
static void __build_page_tables(struct __test_metadata *_metadata,
				struct hv_vm *vm)
{
	uint64_t *pml4 = hv_vm_gpa_to_host(vm, PML4_GPA, 3 * PAGE_SIZE);
	uint64_t *pdpt = pml4 + 512, *pd = pml4 + 1024;
	int i;

	ASSERT_NE(NULL, pml4);
	memset(pml4, 0, 3 * PAGE_SIZE);
	pml4[0] = (PML4_GPA + PAGE_SIZE) | 0x3;		/* P, RW */
	pdpt[0] = (PML4_GPA + 2 * PAGE_SIZE) | 0x3;
	for (i = 0; i < 512; i++)
		pd[i] = ((uint64_t)i << 21) | 0x83;	/* P, RW, PS */
}

TEST_F(modes, protected_to_long_by_guest)
{
	uint64_t data = 1ULL << 32;
	struct hv_sregs s;

	/*
	 * Without EFER in hv's list the guest's WRMSR would #GP. KVM handles
	 * EFER whatever its list says (it leaves EFER out: KVM_SET_SREGS
	 * carries it).
	 */
	if (!on_kvm() && !msr_listed(self->g.hv, MSR_EFER))
		SKIP_TEST("MSR_EFER not in HV_GET_MSR_LIST");
	ASSERT_OK(hv_vm_write(self->g.vm, DATA_GPA, &data, sizeof(data)));
	__build_page_tables(_metadata, self->g.vm);
	start_blob(HV_MODE_PROTECTED, pm2lm);
	ASSERT_EQ(0x11223345, mode_out(4));
	ASSERT_OK(hv_vcpu_get_sregs(self->g.vcpu, &s));
	EXPECT_EQ(EFER_LME | EFER_LMA, s.efer & (EFER_LME | EFER_LMA));
	EXPECT_EQ(1, s.cs.l);
	EXPECT_EQ(PML4_GPA, s.cr3);
	vcpu_run_exit(self->g.vcpu, HV_EXIT_HLT);
}

/* A fresh vCPU runs from 0xfffffff0 (CS base 0xffff0000, IP 0xfff0). */
TEST(reset_vector)
{
	/* mov $0x42, %al; out %al, $MODE_PORT; hlt */
	static const uint8_t code[] = { 0xb0, 0x42, 0xe6, MODE_PORT, 0xf4 };
	struct hv_vcpu *vcpu;
	struct hv_vm *vm;
	struct hv_run *run;
	struct hv *hv;

	hv = open_hv();
	ASSERT_OK(hv_vm_create(hv, &vm));
	ASSERT_OK(hv_vm_alloc_memory(vm, 0, 0xfffff000, PAGE_SIZE, 0, NULL));
	ASSERT_OK(hv_vm_write(vm, 0xfffffff0, code, sizeof(code)));
	ASSERT_OK(hv_vcpu_create(vm, 0, &vcpu));
	run = hv_vcpu_run_page(vcpu);
	vcpu_run_exit(vcpu, HV_EXIT_IO);
	EXPECT_EQ(MODE_PORT, run->io.port);
	EXPECT_EQ(1, run->io.size);
	EXPECT_EQ(0x42, *((uint8_t *)run + run->io.data_offset));
	vcpu_run_exit(vcpu, HV_EXIT_HLT);
	hv_vm_destroy(vm);
	hv_close(hv);
}

TEST_HARNESS_MAIN
