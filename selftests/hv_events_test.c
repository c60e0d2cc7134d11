// SPDX-License-Identifier: GPL-2.0
/*
 * Events into the guest (docs/API.md HV_VCPU_INJECT, request_interrupt_window):
 * injected exceptions with and without error code, external interrupts held
 * back while RFLAGS.IF is clear, NMIs, interrupt-window exits, and the
 * guest's own exceptions staying in the guest. The guest's IDT (from
 * guest_vcpu_init()) records every vector it takes in guest_exc_*.
 */
#include "test_util.h"

#define IRQ_VECTOR	0x40
#define GP_ERROR_CODE	0x1234

GUEST_FIXTURE(events, NULL);

#define set_entry(fn)	ASSERT_OK(guest_vcpu_entry(self->g.vcpu, fn, 0, 0))

static long __inject(struct hv_vcpu *vcpu, uint8_t type, uint8_t vector,
		     bool has_error_code, uint32_t error_code)
{
	struct hv_event ev = {
		.type = type, .vector = vector,
		.has_error_code = has_error_code, .error_code = error_code,
	};

	return hv_vcpu_inject(vcpu, &ev);
}
#define inject(type, vector) \
	ASSERT_EQ(0, __inject(self->g.vcpu, type, vector, false, 0))

/*
 * SYNC(0) gives the host a stop to inject at; the event arrives as the
 * guest resumes after that OUT. Then report what the IDT saw.
 */
static GUEST_CODE void guest_take_exception(void)
{
	guest_exc_expected = 1;
	guest_exc_skip = 0;
	GUEST_SYNC(0);
	GUEST_SYNC2(guest_exc_vector, guest_exc_error);
	GUEST_SYNC2(guest_exc_count, guest_exc_rip);
	GUEST_DONE();
}

TEST_F(events, exception_with_error_code)
{
	struct ucall uc;

	set_entry(guest_take_exception);
	ASSERT_EQ(0, vcpu_sync(self->g.vcpu, &uc));
	ASSERT_EQ(0, __inject(self->g.vcpu, HV_EVENT_EXCEPTION, GP_VECTOR, true,
			      GP_ERROR_CODE));
	vcpu_sync(self->g.vcpu, &uc);
	EXPECT_EQ(GP_VECTOR, uc.args[0]);
	EXPECT_EQ(GP_ERROR_CODE, uc.args[1]);
	vcpu_sync(self->g.vcpu, &uc);
	EXPECT_EQ(1, uc.args[0]);
}

/* #UD has no error code: one pushed anyway would derail the handler's IRET. */
TEST_F(events, exception_without_error_code)
{
	struct ucall uc;

	set_entry(guest_take_exception);
	ASSERT_EQ(0, vcpu_sync(self->g.vcpu, &uc));
	inject(HV_EVENT_EXCEPTION, UD_VECTOR);
	vcpu_sync(self->g.vcpu, &uc);
	EXPECT_EQ(UD_VECTOR, uc.args[0]);
	EXPECT_EQ(0, uc.args[1]);
	vcpu_sync(self->g.vcpu, &uc);
	EXPECT_EQ(1, uc.args[0]);
	vcpu_done(self->g.vcpu);
}

/* The event comes after the OUT completed: it returns past the OUT. */
TEST_F(events, exception_delivered_after_io_completion)
{
	struct ucall uc;
	uint64_t out_rip;

	set_entry(guest_take_exception);
	ASSERT_EQ(0, vcpu_sync(self->g.vcpu, &uc));
	out_rip = self->g.run->regs.rip;
	inject(HV_EVENT_EXCEPTION, UD_VECTOR);
	vcpu_sync(self->g.vcpu, &uc);
	vcpu_sync(self->g.vcpu, &uc);
	EXPECT_EQ(1, uc.args[0]);
	/* OUT %al, imm8 is 2 bytes long. */
	EXPECT_EQ(out_rip + 2, uc.args[1]);
}

/* With IF set: wait in STI; HLT until the interrupt came. */
static GUEST_CODE void guest_take_irq(void)
{
	guest_sti();
	GUEST_SYNC(0);
	while (!guest_exc_count)
		guest_sti_hlt();
	GUEST_SYNC2(guest_exc_count, guest_exc_vector);
	GUEST_SYNC(0);
	while (guest_exc_count < 2)
		guest_sti_hlt();
	GUEST_SYNC2(guest_exc_count, guest_exc_vector);
	GUEST_DONE();
}

TEST_F(events, extint_delivered)
{
	struct ucall uc;

	set_entry(guest_take_irq);
	ASSERT_EQ(0, vcpu_sync(self->g.vcpu, &uc));
	inject(HV_EVENT_EXTINT, IRQ_VECTOR);
	/* A HLT exit here means the interrupt never came. */
	vcpu_sync(self->g.vcpu, &uc);
	EXPECT_EQ(1, uc.args[0]);
	EXPECT_EQ(IRQ_VECTOR, uc.args[1]);
}

/* Delivery frees the slot: a second interrupt can be injected. */
TEST_F(events, extint_again_after_delivery)
{
	struct ucall uc;

	set_entry(guest_take_irq);
	ASSERT_EQ(0, vcpu_sync(self->g.vcpu, &uc));
	inject(HV_EVENT_EXTINT, IRQ_VECTOR);
	vcpu_sync(self->g.vcpu, &uc);
	ASSERT_EQ(1, uc.args[0]);
	ASSERT_EQ(0, vcpu_sync(self->g.vcpu, &uc));
	inject(HV_EVENT_EXTINT, IRQ_VECTOR + 1);
	vcpu_sync(self->g.vcpu, &uc);
	EXPECT_EQ(2, uc.args[0]);
	EXPECT_EQ(IRQ_VECTOR + 1, uc.args[1]);
	vcpu_done(self->g.vcpu);
}

/* With IF clear the interrupt waits; STI lets it in after the next insn. */
static GUEST_CODE void guest_irq_after_sti(void)
{
	guest_cli();
	GUEST_SYNC(0);
	GUEST_SYNC(guest_exc_count);
	asm volatile("sti; nop" : : : "memory");
	GUEST_SYNC2(guest_exc_count, guest_exc_vector);
	GUEST_DONE();
}

TEST_F(events, extint_waits_for_if)
{
	struct ucall uc;

	set_entry(guest_irq_after_sti);
	ASSERT_EQ(0, vcpu_sync(self->g.vcpu, &uc));
	inject(HV_EVENT_EXTINT, IRQ_VECTOR);
	ASSERT_EQ(0, vcpu_sync(self->g.vcpu, &uc))
		TH_LOG("interrupt delivered with RFLAGS.IF clear");
	vcpu_sync(self->g.vcpu, &uc);
	EXPECT_EQ(1, uc.args[0]);
	EXPECT_EQ(IRQ_VECTOR, uc.args[1]);
	vcpu_done(self->g.vcpu);
}

/* NMIs ignore RFLAGS.IF (clear here). */
TEST_F(events, nmi_delivered)
{
	struct ucall uc;

	if (!cap(self->g.hv, HV_CAP_NMI))
		SKIP_TEST("no HV_CAP_NMI");
	set_entry(guest_irq_after_sti);
	ASSERT_EQ(0, vcpu_sync(self->g.vcpu, &uc));
	inject(HV_EVENT_NMI, NMI_VECTOR);
	ASSERT_EQ(1, vcpu_sync(self->g.vcpu, &uc));
	EXPECT_EQ(NMI_VECTOR, GUEST_VAR(self->g.vm, guest_exc_vector));
}

/*
 * An NMI handler that leaves to the host half way (OUT to port 0x80), so
 * the host can raise a second NMI while the first is being handled. An NMI
 * that arrives inside the handler (its saved RIP is in the handler, up to
 * and including the IRET) counts as nested.
 */
volatile uint64_t nmi_depth, nmi_max, nmi_count, nmi_nested;
void nmi_nesting_handler(void);
asm(".pushsection .text\n"
    "nmi_nesting_handler:\n"
    "	pushq %rax\n"
    "	leaq nmi_nesting_handler(%rip), %rax\n"
    "	cmpq %rax, 8(%rsp)\n"
    "	jb 2f\n"
    "	leaq nmi_nesting_end(%rip), %rax\n"
    "	cmpq %rax, 8(%rsp)\n"
    "	jae 2f\n"
    "	lock incq nmi_nested(%rip)\n"
    "2:	lock incq nmi_depth(%rip)\n"
    "	movq nmi_depth(%rip), %rax\n"
    "	cmpq nmi_max(%rip), %rax\n"
    "	jbe 1f\n"
    "	movq %rax, nmi_max(%rip)\n"
    "1:	outb %al, $0x80\n"
    "	lock decq nmi_depth(%rip)\n"
    "	lock incq nmi_count(%rip)\n"
    "	popq %rax\n"
    "	iretq\n"
    "nmi_nesting_end:\n"
    ".popsection\n");

static GUEST_CODE void guest_wait_two_nmis(void)
{
	GUEST_SYNC(0);
	while (nmi_count < 2)
		guest_pause();
	GUEST_SYNC2(nmi_count, nmi_max);
	GUEST_DONE();
}

/* Point the guest's NMI gate (vector 2) at @handler. */
static void set_nmi_gate(struct __test_metadata *_metadata, struct hv_vm *vm,
			 void (*handler)(void))
{
	uint8_t *gate = hv_vm_gpa_to_host(vm, GUEST_IDT_GPA + 2 * 16, 16);
	uint64_t isr = (uint64_t)handler;

	ASSERT_NE(NULL, gate);
	gate[0] = isr;
	gate[1] = isr >> 8;
	gate[6] = isr >> 16;
	gate[7] = isr >> 24;
	memcpy(gate + 8, (uint32_t[]){ isr >> 32 }, 4);
}

/* A second NMI waits for the first handler's IRET (SDM vol. 3, 6.7.1). */
TEST_F(events, nmi_blocked_until_iret)
{
	struct hv_run *run = self->g.run;
	struct ucall uc;

	if (!cap(self->g.hv, HV_CAP_NMI))
		SKIP_TEST("no HV_CAP_NMI");
	set_entry(guest_wait_two_nmis);
	set_nmi_gate(_metadata, self->g.vm, nmi_nesting_handler);
	ASSERT_EQ(0, vcpu_sync(self->g.vcpu, &uc));

	inject(HV_EVENT_NMI, NMI_VECTOR);
	vcpu_run_exit(self->g.vcpu, HV_EXIT_IO);
	ASSERT_EQ(0x80, run->io.port);
	ASSERT_EQ(1, GUEST_VAR(self->g.vm, nmi_depth));

	inject(HV_EVENT_NMI, NMI_VECTOR);
	vcpu_run_exit(self->g.vcpu, HV_EXIT_IO);
	ASSERT_EQ(0x80, run->io.port);
	EXPECT_EQ(1, GUEST_VAR(self->g.vm, nmi_depth))
		TH_LOG("the second NMI nested in the first one's handler");

	vcpu_sync(self->g.vcpu, &uc);
	EXPECT_EQ(2, uc.args[0]);
	EXPECT_EQ(1, uc.args[1]);
	EXPECT_EQ(0, GUEST_VAR(self->g.vm, nmi_nested))
		TH_LOG("the second NMI interrupted the first one's handler");
	vcpu_done(self->g.vcpu);
}

/* Report RFLAGS.IF state changes: SYNC with IF clear, then with IF set. */
static GUEST_CODE void guest_if_off_on(void)
{
	guest_cli();
	GUEST_SYNC(0);
	guest_sti();
	GUEST_SYNC(1);
	for (;;)
		guest_pause();
}

TEST_F(events, if_flag_and_ready_for_interrupt)
{
	struct hv_run *run = self->g.run;
	struct ucall uc;

	set_entry(guest_if_off_on);
	ASSERT_EQ(0, vcpu_sync(self->g.vcpu, &uc));
	EXPECT_EQ(0, run->if_flag);
	EXPECT_EQ(0, run->ready_for_interrupt);
	ASSERT_EQ(1, vcpu_sync(self->g.vcpu, &uc));
	EXPECT_EQ(1, run->if_flag);
	EXPECT_EQ(1, run->ready_for_interrupt);
}

/* Requested while IF is clear: no exit until the guest sets IF. */
TEST_F(events, irq_window_opens_at_sti)
{
	struct hv_run *run = self->g.run;
	struct ucall uc;

	set_entry(guest_if_off_on);
	ASSERT_EQ(0, vcpu_sync(self->g.vcpu, &uc));
	run->request_interrupt_window = 1;
	/* The guest reaches SYNC(1) only after its STI... */
	vcpu_run_exit(self->g.vcpu, HV_EXIT_IRQ_WINDOW_OPEN);
	EXPECT_EQ(1, run->if_flag);
	EXPECT_EQ(1, run->ready_for_interrupt);
	/* ...and it is not there yet: RIP is not past that OUT. */
	run->request_interrupt_window = 0;
	ASSERT_EQ(1, vcpu_sync(self->g.vcpu, &uc));
}

/* Requested while IF is set: the very next exit is the window. */
TEST_F(events, irq_window_open_at_once)
{
	struct hv_run *run = self->g.run;
	struct ucall uc;

	set_entry(guest_if_off_on);
	ASSERT_EQ(0, vcpu_sync(self->g.vcpu, &uc));
	ASSERT_EQ(1, vcpu_sync(self->g.vcpu, &uc));
	run->request_interrupt_window = 1;
	vcpu_run_exit(self->g.vcpu, HV_EXIT_IRQ_WINDOW_OPEN);
	EXPECT_EQ(1, run->ready_for_interrupt);
}

/* The window exit is the moment to inject: the interrupt goes straight in. */
TEST_F(events, inject_at_irq_window)
{
	struct hv_run *run = self->g.run;
	struct ucall uc;

	set_entry(guest_take_irq);
	ASSERT_EQ(0, vcpu_sync(self->g.vcpu, &uc));
	run->request_interrupt_window = 1;
	vcpu_run_exit(self->g.vcpu, HV_EXIT_IRQ_WINDOW_OPEN);
	run->request_interrupt_window = 0;
	inject(HV_EVENT_EXTINT, IRQ_VECTOR);
	vcpu_sync(self->g.vcpu, &uc);
	EXPECT_EQ(1, uc.args[0]);
	EXPECT_EQ(IRQ_VECTOR, uc.args[1]);
}

/* A #UD the guest causes itself goes to its IDT, not to userspace. */
static GUEST_CODE void guest_own_ud(void)
{
	guest_exc_expected = 1;
	guest_exc_skip = 2;
	asm volatile("ud2" : : : "memory");
	guest_exc_expected = 0;
	GUEST_SYNC2(guest_exc_count, guest_exc_vector);
	GUEST_DONE();
}

TEST_F(events, guest_exception_stays_in_guest)
{
	struct ucall uc;

	set_entry(guest_own_ud);
	vcpu_sync(self->g.vcpu, &uc);
	EXPECT_EQ(1, uc.args[0]);
	EXPECT_EQ(UD_VECTOR, uc.args[1]);
	vcpu_done(self->g.vcpu);
}

TEST_HARNESS_MAIN
