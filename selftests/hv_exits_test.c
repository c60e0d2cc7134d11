// SPDX-License-Identifier: GPL-2.0
/*
 * Every exit to userspace (docs/API.md "HV_VCPU_RUN"): port I/O in and out,
 * string I/O, MMIO reads completed with userspace data and MMIO writes, HLT,
 * triple-fault shutdown, hypercalls, and the exit counters.
 *
 * Instructions whose exact encoding or register effect matters are written
 * in assembly below; the C guests call them.
 */
#include "test_util.h"

#define TEST_PORT	0x1234
#define OUT_VALUE	0x89abcdefULL
#define MMIO_ADDR	(GUEST_MMIO_GPA + 0x1238)
#define MMIO_DATA	0x1122334455667788ULL

/*
 * Guest instruction helpers (System V calling convention):
 *  io_out{b,w,l}(value): OUT of value to TEST_PORT
 *  io_in{b,w,l}(): IN from TEST_PORT into RAX preset to all ones
 *  guest_labeled_out(): OUT at guest_out_insn
 *  guest_labeled_hlt(): HLT at guest_hlt_insn, then guest_after_hlt
 *  mmio_rd_*(addr): one read of addr into RAX (preset to all ones)
 *  mmio_wr_*(addr, value): one write of value to addr
 */
uint64_t io_outb(uint64_t), io_outw(uint64_t), io_outl(uint64_t);
uint64_t io_inb(void), io_inw(void), io_inl(void);
void guest_labeled_out(void), guest_labeled_hlt(void);
extern char guest_out_insn[], guest_hlt_insn[], guest_after_hlt[];
uint64_t mmio_rd_movzb(uint64_t), mmio_rd_movzw(uint64_t);
uint64_t mmio_rd_movl(uint64_t), mmio_rd_movq(uint64_t);
uint64_t mmio_rd_movb(uint64_t), mmio_rd_movw(uint64_t);
void mmio_wr_b(uint64_t, uint64_t), mmio_wr_w(uint64_t, uint64_t);
void mmio_wr_l(uint64_t, uint64_t), mmio_wr_q(uint64_t, uint64_t);
void mmio_wr_imm32(uint64_t, uint64_t);
uint64_t mmio_lock_inc(uint64_t);

#define STR_(x) #x
#define STR(x) STR_(x)
#define PORT_DX	"mov $" STR(TEST_PORT) ", %dx; "
asm(".pushsection .text\n"
    "io_outb: mov %rdi, %rax; " PORT_DX "outb %al, %dx; ret\n"
    "io_outw: mov %rdi, %rax; " PORT_DX "outw %ax, %dx; ret\n"
    "io_outl: mov %rdi, %rax; " PORT_DX "outl %eax, %dx; ret\n"
    "io_inb: mov $-1, %rax; " PORT_DX "inb %dx, %al; ret\n"
    "io_inw: mov $-1, %rax; " PORT_DX "inw %dx, %ax; ret\n"
    "io_inl: mov $-1, %rax; " PORT_DX "inl %dx, %eax; ret\n"
    "guest_labeled_out: mov $0x42, %al\n"
    "guest_out_insn: outb %al, $0x80\n"
    "	ret\n"
    "guest_labeled_hlt:\n"
    "guest_hlt_insn: hlt\n"
    "guest_after_hlt: ret\n"
    "mmio_rd_movzb: mov $-1, %rax; movzbl (%rdi), %eax; ret\n"
    "mmio_rd_movzw: mov $-1, %rax; movzwl (%rdi), %eax; ret\n"
    "mmio_rd_movl: mov $-1, %rax; movl (%rdi), %eax; ret\n"
    "mmio_rd_movq: mov $-1, %rax; movq (%rdi), %rax; ret\n"
    "mmio_rd_movb: mov $-1, %rax; movb (%rdi), %al; ret\n"
    "mmio_rd_movw: mov $-1, %rax; movw (%rdi), %ax; ret\n"
    "mmio_wr_b: movb %sil, (%rdi); ret\n"
    "mmio_wr_w: movw %si, (%rdi); ret\n"
    "mmio_wr_l: movl %esi, (%rdi); ret\n"
    "mmio_wr_q: movq %rsi, (%rdi); ret\n"
    "mmio_wr_imm32: movl $0x12345678, (%rdi); ret\n"
    "mmio_lock_inc: lock incl (%rdi); ret\n"
    ".popsection\n");

GUEST_FIXTURE(exits, NULL);

#define set_entry(fn, a0, a1) \
	ASSERT_OK(guest_vcpu_entry(self->g.vcpu, fn, a0, a1))

/* Call fn(arg) and report its result. */
static GUEST_CODE void guest_call_report(uint64_t fn, uint64_t arg)
{
	uint64_t (*f)(uint64_t) = (uint64_t (*)(uint64_t))fn;

	GUEST_SYNC(f(arg));
	GUEST_DONE();
}

/* Write MMIO_DATA to addr with fn(addr, MMIO_DATA), then finish. */
static GUEST_CODE void guest_mmio_write(uint64_t fn, uint64_t addr)
{
	void (*f)(uint64_t, uint64_t) = (void (*)(uint64_t, uint64_t))fn;

	f(addr, MMIO_DATA);
	GUEST_DONE();
}

/* ---- port I/O ---- */

FIXTURE(io) {
	struct guest_env g;
};

FIXTURE_VARIANT(io) {
	unsigned int size;
	uint64_t (*out)(uint64_t);
	uint64_t (*in)(void);
	uint64_t in_result;	/* RAX after IN, RAX preset to ~0 */
};

FIXTURE_VARIANT_ADD(io, byte) {
	.size = 1, .out = io_outb, .in = io_inb,
	.in_result = 0xffffffffffffffefULL,
};
FIXTURE_VARIANT_ADD(io, word) {
	.size = 2, .out = io_outw, .in = io_inw,
	.in_result = 0xffffffffffffcdefULL,
};
/* A 32-bit destination clears RAX[63:32]. */
FIXTURE_VARIANT_ADD(io, dword) {
	.size = 4, .out = io_outl, .in = io_inl,
	.in_result = 0x0000000089abcdefULL,
};

FIXTURE_SETUP(io)
{
	guest_env_setup(&self->g, NULL);
}

FIXTURE_TEARDOWN(io)
{
	guest_env_teardown(&self->g);
}

static void __check_io_exit(struct __test_metadata *_metadata,
			    struct hv_run *run, uint8_t dir, unsigned int size)
{
	EXPECT_EQ(TEST_PORT, run->io.port);
	EXPECT_EQ(dir, run->io.direction);
	EXPECT_EQ(size, run->io.size);
	EXPECT_EQ(1, run->io.count);
	EXPECT_EQ(HV_RUN_IO_DATA_OFFSET, run->io.data_offset);
}
#define check_io_exit(dir, size) \
	__check_io_exit(_metadata, self->g.run, dir, size)

TEST_F(io, out_data)
{
	uint64_t want = OUT_VALUE, got = 0;
	struct ucall uc;

	set_entry(guest_call_report, (uint64_t)variant->out, OUT_VALUE);
	vcpu_run_exit(self->g.vcpu, HV_EXIT_IO);
	check_io_exit(HV_IO_OUT, variant->size);
	memcpy(&got, (char *)self->g.run + self->g.run->io.data_offset,
	       variant->size);
	ASSERT_EQ(want & ((1ULL << (8 * variant->size)) - 1), got);
	vcpu_sync(self->g.vcpu, &uc);
}

TEST_F(io, in_data_to_rax)
{
	uint64_t data = OUT_VALUE;
	struct ucall uc;

	set_entry(guest_call_report, (uint64_t)variant->in, 0);
	vcpu_run_exit(self->g.vcpu, HV_EXIT_IO);
	check_io_exit(HV_IO_IN, variant->size);
	memcpy((char *)self->g.run + self->g.run->io.data_offset, &data,
	       variant->size);
	ASSERT_EQ(variant->in_result, vcpu_sync(self->g.vcpu, &uc));
}

/* The exit leaves RIP on the OUT; the next run completes it and moves on. */
static GUEST_CODE void guest_io_rip(void)
{
	guest_labeled_out();
	GUEST_DONE();
}

TEST_F(exits, io_rip_at_instruction_until_next_run)
{
	set_entry(guest_io_rip, 0, 0);
	vcpu_run_exit(self->g.vcpu, HV_EXIT_IO);
	ASSERT_EQ(0x80, self->g.run->io.port);
	ASSERT_EQ((uint64_t)guest_out_insn, self->g.run->regs.rip);
	vcpu_done(self->g.vcpu);
}

/* SET_REGS after an IN exit drops the completion: the IN runs again. */
TEST_F(exits, set_regs_drops_in_completion)
{
	struct hv_regs regs;
	uint64_t rip, data = 0x5a;
	struct ucall uc;

	set_entry(guest_call_report, (uint64_t)io_inb, 0);
	vcpu_run_exit(self->g.vcpu, HV_EXIT_IO);
	ASSERT_EQ(HV_IO_IN, self->g.run->io.direction);
	rip = self->g.run->regs.rip;
	memcpy((char *)self->g.run + self->g.run->io.data_offset, &data, 1);
	ASSERT_OK(hv_vcpu_get_regs(self->g.vcpu, &regs));
	ASSERT_OK(hv_vcpu_set_regs(self->g.vcpu, &regs));
	vcpu_run_exit(self->g.vcpu, HV_EXIT_IO);
	ASSERT_EQ(HV_IO_IN, self->g.run->io.direction);
	ASSERT_EQ(rip, self->g.run->regs.rip);
	data = 0xa5;
	memcpy((char *)self->g.run + self->g.run->io.data_offset, &data, 1);
	ASSERT_EQ(0xffffffffffffffa5ULL, vcpu_sync(self->g.vcpu, &uc));
}

/* ---- string I/O ---- */

#define STR_LEN		16
static const char str_out[STR_LEN] = "0123456789abcdef";
static volatile char str_in[STR_LEN];

/* REP OUTSB / REP INSB of STR_LEN bytes; report the bytes left in RCX. */
static GUEST_CODE void guest_rep_outsb(void)
{
	const char *p = str_out;
	uint64_t n = STR_LEN;

	asm volatile("rep outsb" : "+S"(p), "+c"(n) : "d"(TEST_PORT) : "memory");
	GUEST_SYNC2(n, p - str_out);
	GUEST_DONE();
}

static GUEST_CODE void guest_rep_insb(void)
{
	volatile char *p = str_in;
	uint64_t n = STR_LEN;

	asm volatile("rep insb" : "+D"(p), "+c"(n) : "d"(TEST_PORT) : "memory");
	GUEST_SYNC2(n, p - str_in);
	GUEST_DONE();
}

/*
 * hv may split a string instruction over several exits (io.count each);
 * together they must carry the whole string, in order.
 */
TEST_F(exits, rep_outsb_data)
{
	struct hv_run *run = self->g.run;
	char got[STR_LEN];
	unsigned int n = 0, exits = 0;
	struct ucall uc;

	set_entry(guest_rep_outsb, 0, 0);
	for (;;) {
		vcpu_run_exit(self->g.vcpu, HV_EXIT_IO);
		if (ucall_get(self->g.vcpu, &uc) != UCALL_NONE)
			break;
		ASSERT_GT(STR_LEN, exits++);
		ASSERT_EQ(TEST_PORT, run->io.port);
		ASSERT_EQ(HV_IO_OUT, run->io.direction);
		ASSERT_EQ(1, run->io.size);
		ASSERT_LE(1, run->io.count);
		ASSERT_GE(STR_LEN - n, run->io.count);
		memcpy(got + n, (char *)run + run->io.data_offset, run->io.count);
		n += run->io.count;
	}
	ASSERT_EQ(UCALL_SYNC, uc.type);
	ASSERT_EQ(STR_LEN, n);
	ASSERT_EQ(0, memcmp(got, str_out, STR_LEN));
	EXPECT_EQ(0, uc.args[0]);		/* RCX */
	EXPECT_EQ(STR_LEN, uc.args[1]);	/* RSI advanced */
}

TEST_F(exits, rep_insb_data)
{
	struct hv_run *run = self->g.run;
	unsigned int n = 0, exits = 0, i;
	struct ucall uc;

	set_entry(guest_rep_insb, 0, 0);
	for (;;) {
		vcpu_run_exit(self->g.vcpu, HV_EXIT_IO);
		if (ucall_get(self->g.vcpu, &uc) != UCALL_NONE)
			break;
		ASSERT_GT(STR_LEN, exits++);
		ASSERT_EQ(TEST_PORT, run->io.port);
		ASSERT_EQ(HV_IO_IN, run->io.direction);
		ASSERT_EQ(1, run->io.size);
		ASSERT_LE(1, run->io.count);
		ASSERT_GE(STR_LEN - n, run->io.count);
		for (i = 0; i < run->io.count; i++)
			((char *)run + run->io.data_offset)[i] = 'A' + n + i;
		n += run->io.count;
	}
	ASSERT_EQ(UCALL_SYNC, uc.type);
	ASSERT_EQ(STR_LEN, n);
	EXPECT_EQ(0, uc.args[0]);		/* RCX */
	EXPECT_EQ(STR_LEN, uc.args[1]);	/* RDI advanced */
	for (i = 0; i < STR_LEN; i++)
		EXPECT_EQ('A' + i, GUEST_VAR(self->g.vm, str_in)[i]);
}

/* ---- MMIO ---- */

FIXTURE(mmio_read) {
	struct guest_env g;
};

FIXTURE_VARIANT(mmio_read) {
	uint64_t (*insn)(uint64_t);
	unsigned int size;
	uint64_t result;	/* RAX after the read of MMIO_DATA */
};

FIXTURE_VARIANT_ADD(mmio_read, movzbl) {
	.insn = mmio_rd_movzb, .size = 1, .result = 0x88,
};
FIXTURE_VARIANT_ADD(mmio_read, movzwl) {
	.insn = mmio_rd_movzw, .size = 2, .result = 0x7788,
};
FIXTURE_VARIANT_ADD(mmio_read, movl_zero_extends) {
	.insn = mmio_rd_movl, .size = 4, .result = 0x55667788,
};
FIXTURE_VARIANT_ADD(mmio_read, movq) {
	.insn = mmio_rd_movq, .size = 8, .result = MMIO_DATA,
};
FIXTURE_VARIANT_ADD(mmio_read, movb_keeps_upper) {
	.insn = mmio_rd_movb, .size = 1, .result = 0xffffffffffffff88ULL,
};
FIXTURE_VARIANT_ADD(mmio_read, movw_keeps_upper) {
	.insn = mmio_rd_movw, .size = 2, .result = 0xffffffffffff7788ULL,
};

FIXTURE_SETUP(mmio_read)
{
	guest_env_setup(&self->g, NULL);
}

FIXTURE_TEARDOWN(mmio_read)
{
	guest_env_teardown(&self->g);
}

TEST_F(mmio_read, completes_with_user_data)
{
	struct hv_run *run = self->g.run;
	struct ucall uc;

	ASSERT_OK(guest_vcpu_entry(self->g.vcpu, guest_call_report,
				   (uint64_t)variant->insn, MMIO_ADDR));
	vcpu_run_exit(self->g.vcpu, HV_EXIT_MMIO);
	EXPECT_EQ(MMIO_ADDR, run->mmio.gpa);
	EXPECT_EQ(0, run->mmio.is_write);
	EXPECT_EQ(variant->size, run->mmio.size);
	run->mmio.data = MMIO_DATA;
	ASSERT_EQ(variant->result, vcpu_sync(self->g.vcpu, &uc));
}

FIXTURE(mmio_write) {
	struct guest_env g;
};

FIXTURE_VARIANT(mmio_write) {
	void (*insn)(uint64_t, uint64_t);
	unsigned int size;
	uint64_t data;		/* the low size bytes of mmio.data */
};

FIXTURE_VARIANT_ADD(mmio_write, movb) {
	.insn = mmio_wr_b, .size = 1, .data = 0x88,
};
FIXTURE_VARIANT_ADD(mmio_write, movw) {
	.insn = mmio_wr_w, .size = 2, .data = 0x7788,
};
FIXTURE_VARIANT_ADD(mmio_write, movl) {
	.insn = mmio_wr_l, .size = 4, .data = 0x55667788,
};
FIXTURE_VARIANT_ADD(mmio_write, movq) {
	.insn = mmio_wr_q, .size = 8, .data = MMIO_DATA,
};
FIXTURE_VARIANT_ADD(mmio_write, movl_imm) {
	.insn = mmio_wr_imm32, .size = 4, .data = 0x12345678,
};

FIXTURE_SETUP(mmio_write)
{
	guest_env_setup(&self->g, NULL);
}

FIXTURE_TEARDOWN(mmio_write)
{
	guest_env_teardown(&self->g);
}

TEST_F(mmio_write, exit_data)
{
	struct hv_run *run = self->g.run;
	uint64_t mask = variant->size == 8 ? ~0ULL :
			(1ULL << (8 * variant->size)) - 1;

	ASSERT_OK(guest_vcpu_entry(self->g.vcpu, guest_mmio_write,
				   (uint64_t)variant->insn, MMIO_ADDR));
	vcpu_run_exit(self->g.vcpu, HV_EXIT_MMIO);
	EXPECT_EQ(MMIO_ADDR, run->mmio.gpa);
	EXPECT_EQ(1, run->mmio.is_write);
	EXPECT_EQ(variant->size, run->mmio.size);
	EXPECT_EQ(variant->data, run->mmio.data & mask);
	vcpu_done(self->g.vcpu);
}

/* ---- HLT, shutdown, hypercall ---- */

static GUEST_CODE void guest_hlt(void)
{
	guest_labeled_hlt();
	GUEST_DONE();
}

TEST_F(exits, hlt_rip_past_instruction)
{
	set_entry(guest_hlt, 0, 0);
	vcpu_run_exit(self->g.vcpu, HV_EXIT_HLT);
	ASSERT_EQ((uint64_t)guest_after_hlt, self->g.run->regs.rip);
	vcpu_done(self->g.vcpu);
}

static GUEST_CODE void guest_ud2(void)
{
	asm volatile("ud2");
	GUEST_FAIL("ud2 returned");
}

static void __no_idt(struct __test_metadata *_metadata, struct hv_vcpu *vcpu)
{
	struct hv_sregs s;

	ASSERT_OK(hv_vcpu_get_sregs(vcpu, &s));
	s.idt.base = 0;
	s.idt.limit = 0;
	ASSERT_OK(hv_vcpu_set_sregs(vcpu, &s));
}

/* #UD without an IDT: #GP, #DF, triple fault. */
/* The CPU leaves its state undefined: hv puts the reset state back. */
TEST_F(exits, triple_fault_shutdown)
{
	struct hv_vcpu_stats st;
	struct hv_sregs s;

	SKIP_ON_KVM("the power-on state after a triple fault (KVM INITs the vCPU on SVM, which keeps CR0.CD/NW, and leaves it as it is on VMX)");
	set_entry(guest_ud2, 0, 0);
	__no_idt(_metadata, self->g.vcpu);
	vcpu_run_exit(self->g.vcpu, HV_EXIT_SHUTDOWN);
	ASSERT_OK(hv_vcpu_get_sregs(self->g.vcpu, &s));
	EXPECT_EQ(0xf000, s.cs.selector);
	EXPECT_EQ(0xffff0000ULL, s.cs.base);
	EXPECT_EQ(0x60000010ULL, s.cr0);
	EXPECT_EQ(0, s.cr4);
	EXPECT_EQ(0, s.efer);
	ASSERT_OK(hv_vcpu_get_stats(self->g.vcpu, &st));
	EXPECT_EQ(1, st.count[HV_STAT_EXIT_SHUTDOWN]);
}

/* After a shutdown, new state makes the vCPU usable again. */
TEST_F(exits, shutdown_then_new_state_runs)
{
	set_entry(guest_ud2, 0, 0);
	__no_idt(_metadata, self->g.vcpu);
	vcpu_run_exit(self->g.vcpu, HV_EXIT_SHUTDOWN);
	ASSERT_OK(guest_vcpu_init(self->g.vcpu, guest_hlt));
	vcpu_run_exit(self->g.vcpu, HV_EXIT_HLT);
	vcpu_done(self->g.vcpu);
}

#define HC_NR		0x77

/* KVM answers VMCALL/VMMCALL itself (-KVM_ENOSYS for one it does not know). */
#define REQUIRE_HYPERCALL_EXITS() \
	SKIP_ON_KVM("HV_EXIT_HYPERCALL: KVM handles hypercalls in the kernel")

static GUEST_CODE void guest_hypercalls(void)
{
	GUEST_SYNC(guest_hypercall(HC_NR, 1, 2, 3, 4, 5, 6));
	GUEST_SYNC(guest_hypercall(HC_NR + 1, 0, 0, 0, 0, 0, 0));
	GUEST_DONE();
}

static void __check_hypercall_insn(struct __test_metadata *_metadata,
				   struct guest_env *g)
{
	static const uint8_t vmmcall[3] = { 0x0f, 0x01, 0xd9 };
	static const uint8_t vmcall[3] = { 0x0f, 0x01, 0xc1 };
	const uint8_t *before;

	/* RIP is past the instruction: the 3 bytes before it are it. */
	before = hv_vm_gpa_to_host(g->vm, g->run->regs.rip - 3, 3);
	ASSERT_NE(NULL, before);
	ASSERT_TRUE(!memcmp(before, vmmcall, 3) || !memcmp(before, vmcall, 3))
		TH_LOG("bytes before rip 0x%llx: %02x %02x %02x",
		       (unsigned long long)g->run->regs.rip, before[0],
		       before[1], before[2]);
}

TEST_F(exits, hypercall_args_and_ret)
{
	struct hv_run *run = self->g.run;
	struct ucall uc;
	int i;

	REQUIRE_HYPERCALL_EXITS();
	set_entry(guest_hypercalls, 0, 0);
	vcpu_run_exit(self->g.vcpu, HV_EXIT_HYPERCALL);
	EXPECT_EQ(HC_NR, run->hypercall.nr);
	for (i = 0; i < 6; i++)
		EXPECT_EQ(i + 1, run->hypercall.args[i]);
	__check_hypercall_insn(_metadata, &self->g);
	run->hypercall.ret = 0xabcdef;
	ASSERT_EQ(0xabcdef, vcpu_sync(self->g.vcpu, &uc));
}

/* ret is 0 at every hypercall exit: the guest's RAX (nr) does not stay. */
TEST_F(exits, hypercall_ret_defaults_to_zero)
{
	struct hv_run *run = self->g.run;
	struct ucall uc;

	REQUIRE_HYPERCALL_EXITS();
	set_entry(guest_hypercalls, 0, 0);
	vcpu_run_exit(self->g.vcpu, HV_EXIT_HYPERCALL);
	run->hypercall.ret = 5;
	ASSERT_EQ(5, vcpu_sync(self->g.vcpu, &uc));
	vcpu_run_exit(self->g.vcpu, HV_EXIT_HYPERCALL);
	EXPECT_EQ(HC_NR + 1, run->hypercall.nr);
	EXPECT_EQ(0, run->hypercall.ret);
	ASSERT_EQ(0, vcpu_sync(self->g.vcpu, &uc));
}

/* ---- register exchange through the run page ---- */

/* Registers set in the run page with dirty_regs are what the guest runs. */
TEST_F(exits, dirty_regs_loaded_at_run)
{
	struct hv_run *run = self->g.run;
	uint32_t out;

	set_entry(guest_hlt, 0, 0);
	ASSERT_OK(hv_vcpu_get_regs(self->g.vcpu, &run->regs));
	run->regs.rip = (uint64_t)io_outl;
	run->regs.rdi = 0x1234abcd;
	run->dirty_regs = HV_SYNC_REGS;
	vcpu_run_exit(self->g.vcpu, HV_EXIT_IO);
	EXPECT_EQ(0, run->dirty_regs);	/* consumed */
	ASSERT_EQ(TEST_PORT, run->io.port);
	memcpy(&out, (char *)run + run->io.data_offset, sizeof(out));
	EXPECT_EQ(0x1234abcd, out);
}

TEST_F(exits, dirty_regs_unknown_bit_einval)
{
	struct hv_run *run = self->g.run;

	set_entry(guest_hlt, 0, 0);
	run->dirty_regs = 1U << 7;
	EXPECT_EQ(-EINVAL, hv_vcpu_run(self->g.vcpu));
	run->dirty_regs = 0;
}

/* HV_SYNC_SREGS: the run page holds what HV_VCPU_GET_SREGS says. */
TEST_F(exits, sync_sregs_and_cr8)
{
	struct hv_run *run = self->g.run;
	struct hv_sregs s;

	set_entry(guest_hlt, 0, 0);
	ASSERT_OK(hv_vcpu_get_sregs(self->g.vcpu, &s));
	s.cr8 = 5;
	ASSERT_OK(hv_vcpu_set_sregs(self->g.vcpu, &s));
	run->sync_regs |= HV_SYNC_SREGS;
	vcpu_run_exit(self->g.vcpu, HV_EXIT_HLT);
	ASSERT_OK(hv_vcpu_get_sregs(self->g.vcpu, &s));
	EXPECT_EQ(5, run->cr8);
	EXPECT_EQ(s.cr0, run->sregs.cr0);
	EXPECT_EQ(s.cr3, run->sregs.cr3);
	EXPECT_EQ(s.cr4, run->sregs.cr4);
	EXPECT_EQ(s.efer, run->sregs.efer);
	EXPECT_EQ(1, run->sregs.cs.l);
	EXPECT_EQ(5, run->sregs.cr8);
}

/* ---- counters ---- */

static GUEST_CODE void guest_counted(void)
{
	uint32_t a, b, c, d;

	guest_cpuid(0, 0, &a, &b, &c, &d);
	GUEST_SYNC(1);
	GUEST_SYNC(2);
	guest_labeled_hlt();
	GUEST_DONE();
}

TEST_F(exits, stats_count_exits)
{
	struct hv_vcpu_stats st;
	struct ucall uc;

	SKIP_ON_KVM("HV_VCPU_GET_STATS (KVM has no such counters)");
	set_entry(guest_counted, 0, 0);
	vcpu_sync(self->g.vcpu, &uc);
	vcpu_sync(self->g.vcpu, &uc);
	vcpu_run_exit(self->g.vcpu, HV_EXIT_HLT);
	vcpu_done(self->g.vcpu);
	ASSERT_OK(hv_vcpu_get_stats(self->g.vcpu, &st));
	ASSERT_EQ(HV_STAT_NR, st.nr);
	/* Exactly this guest's exits; only NPF and INTR depend on the host. */
	EXPECT_EQ(1, st.count[HV_STAT_EXIT_CPUID]);
	EXPECT_EQ(3, st.count[HV_STAT_EXIT_IO]);
	EXPECT_EQ(1, st.count[HV_STAT_EXIT_HLT]);
	EXPECT_EQ(4, st.count[HV_STAT_USER_EXITS]);
	EXPECT_EQ(0, st.count[HV_STAT_EXIT_MMIO]);
	EXPECT_EQ(0, st.count[HV_STAT_EXIT_MSR]);
	EXPECT_EQ(0, st.count[HV_STAT_EXIT_HYPERCALL]);
	EXPECT_EQ(0, st.count[HV_STAT_EXIT_SHUTDOWN]);
	EXPECT_EQ(0, st.count[HV_STAT_EXIT_EXCEPTION]);
	EXPECT_EQ(0, st.count[HV_STAT_EXIT_IRQ_WINDOW]);
	EXPECT_EQ(st.count[HV_STAT_EXIT_CPUID] + st.count[HV_STAT_EXIT_IO] +
		  st.count[HV_STAT_EXIT_HLT] + st.count[HV_STAT_EXIT_NPF] +
		  st.count[HV_STAT_EXIT_INTR] + st.count[HV_STAT_EXIT_OTHER],
		  st.count[HV_STAT_EXITS]);
}

/*
 * A read-modify-write on MMIO is not something hv emulates: the run ends
 * with an emulation error naming the instruction and the address, and the
 * host is untouched.
 */
TEST_F(exits, mmio_unsupported_insn_internal_error)
{
	struct hv_run *run = self->g.run;

	SKIP_ON_KVM("hv's MMIO emulation refuses read-modify-write instructions; KVM's emulator completes them");
	set_entry(guest_call_report, (uint64_t)mmio_lock_inc, MMIO_ADDR);
	vcpu_run_exit(self->g.vcpu, HV_EXIT_INTERNAL_ERROR);
	ASSERT_EQ(HV_INTERNAL_EMULATION, run->internal.suberror);
	ASSERT_EQ(2, run->internal.ndata);
	EXPECT_EQ((uint64_t)mmio_lock_inc, run->internal.data[0]);	/* RIP */
	EXPECT_EQ(MMIO_ADDR, run->internal.data[1]);
}

TEST_HARNESS_MAIN
