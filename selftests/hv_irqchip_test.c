// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel irqchip as a whole (uapi/linux/hv.h, "In-kernel interrupt
 * controllers"): the ABI of HV_VM_CREATE_IRQCHIP, HV_VM_IRQ_LINE and
 * HV_VM_SIGNAL_MSI and its errors; a VM without an irqchip keeping the old
 * behaviour; HLT waiting in the kernel until an interrupt (a timer, an
 * IOAPIC line or an MSI from another thread) and HV_VCPU_KICK ending such a
 * wait; vCPUs other than vCPU 0 waiting for SIPI and starting in real mode
 * at the SIPI vector (SDM vol. 3A, 9.4.4 and 11.6.1).
 *
 * The local APIC and IOAPIC themselves: hv_lapic_test.c, hv_ioapic_test.c.
 */
#include "apic_test.h"

/* ---- the ABI ---- */

TEST(uapi_layout)
{
	EXPECT_EQ(32, sizeof(struct hv_irq_line));
	EXPECT_EQ(8, offsetof(struct hv_irq_line, reserved));
	EXPECT_EQ(32, sizeof(struct hv_msi));
	EXPECT_EQ(8, offsetof(struct hv_msi, data));
	EXPECT_EQ(12, offsetof(struct hv_msi, padding));
	EXPECT_EQ(16, offsetof(struct hv_msi, reserved));
	EXPECT_EQ(sizeof(struct hv_irq_line), _IOC_SIZE(HV_VM_IRQ_LINE));
	EXPECT_EQ(sizeof(struct hv_msi), _IOC_SIZE(HV_VM_SIGNAL_MSI));
	EXPECT_EQ(0, _IOC_SIZE(HV_VM_CREATE_IRQCHIP));
}

TEST(caps)
{
	struct hv *hv = open_hv();

	EXPECT_EQ(HV_IOAPIC_PINS, cap(hv, HV_CAP_IRQCHIP));
	EXPECT_EQ(1, cap(hv, HV_CAP_PVCLOCK));
	hv_close(hv);
}

/*
 * A VM without memory or vCPUs: the argument checks, through libhv (on
 * either accelerator) and, for the ioctls' own words, raw.
 */
FIXTURE(abi) {
	struct hv *hv;
	struct hv_vm *vm;
	int fd;
};

FIXTURE_SETUP(abi)
{
	self->hv = open_hv();
	if (!cap(self->hv, HV_CAP_IRQCHIP))
		SKIP_TEST("no HV_CAP_IRQCHIP");
	ASSERT_OK(hv_vm_create(self->hv, &self->vm));
	self->fd = hv_vm_fd(self->vm);
}

FIXTURE_TEARDOWN(abi)
{
	hv_vm_destroy(self->vm);
	hv_close(self->hv);
}

/* The ioctls' own argument words: hv's ABI, which KVM does not have. */
#define REQUIRE_HV_ABI() SKIP_ON_KVM("the /dev/hv irqchip ioctls themselves")

TEST_F(abi, create_irqchip_once)
{
	ASSERT_OK(hv_vm_create_irqchip(self->vm));
	EXPECT_EQ(-EEXIST, hv_vm_create_irqchip(self->vm));
}

TEST_F(abi, create_irqchip_after_vcpu)
{
	struct hv_vcpu *vcpu;

	ASSERT_OK(hv_vcpu_create(self->vm, 0, &vcpu));
	EXPECT_EQ(-EBUSY, hv_vm_create_irqchip(self->vm));
}

/* The argument must be 0; a refused call creates nothing. */
TEST_F(abi, create_irqchip_nonzero_arg)
{
	REQUIRE_HV_ABI();
	EXPECT_EQ(-EINVAL, hv_ioctl(self->fd, HV_VM_CREATE_IRQCHIP, 1));
	EXPECT_EQ(0, hv_ioctl(self->fd, HV_VM_CREATE_IRQCHIP, 0));
}

TEST_F(abi, no_irqchip_enxio)
{
	EXPECT_EQ(-ENXIO, hv_vm_irq_line(self->vm, 0, 1));
	EXPECT_EQ(-ENXIO, hv_vm_signal_msi(self->vm, MSI_ADDR_BASE, 0x40));
}

TEST_F(abi, irq_line_args)
{
	ASSERT_OK(hv_vm_create_irqchip(self->vm));
	EXPECT_EQ(0, hv_vm_irq_line(self->vm, HV_IOAPIC_PINS - 1, 1));
	EXPECT_EQ(0, hv_vm_irq_line(self->vm, HV_IOAPIC_PINS - 1, 0));
	EXPECT_EQ(-EINVAL, hv_vm_irq_line(self->vm, HV_IOAPIC_PINS, 1));
	EXPECT_EQ(-EINVAL, hv_vm_irq_line(self->vm, ~0U, 1));
	EXPECT_EQ(-EINVAL, hv_vm_irq_line(self->vm, 0, 2));
}

TEST_F(abi, irq_line_reserved)
{
	struct hv_irq_line line;
	int i;

	REQUIRE_HV_ABI();
	ASSERT_OK(hv_vm_create_irqchip(self->vm));
	for (i = 0; i < 3; i++) {
		line = (struct hv_irq_line){ .gsi = 0, .level = 1 };
		line.reserved[i] = 1;
		EXPECT_EQ(-EINVAL, hv_ioctl(self->fd, HV_VM_IRQ_LINE, &line))
			TH_LOG("reserved[%d] set", i);
	}
}

TEST_F(abi, signal_msi_args)
{
	/* An NMI: accepted even by a software-disabled APIC (SDM 11.4.7.2). */
	const uint32_t nmi = MSI_DATA_NMI;
	struct hv_vcpu *vcpu;

	ASSERT_OK(hv_vm_create_irqchip(self->vm));
	ASSERT_OK(hv_vcpu_create(self->vm, 0, &vcpu));
	EXPECT_EQ(1, hv_vm_signal_msi(self->vm, MSI_ADDR_BASE | MSI_ADDR_DEST(0), nmi));
	/* No local APIC has ID 3. */
	EXPECT_EQ(0, hv_vm_signal_msi(self->vm, MSI_ADDR_BASE | MSI_ADDR_DEST(3), nmi));
	EXPECT_EQ(-EINVAL, hv_vm_signal_msi(self->vm, 0xfed00000, nmi));
	EXPECT_EQ(-EINVAL, hv_vm_signal_msi(self->vm, 0xfef00000, nmi));
	EXPECT_EQ(-EINVAL, hv_vm_signal_msi(self->vm, (1ULL << 32) | MSI_ADDR_BASE, nmi));
}

TEST_F(abi, signal_msi_padding_reserved)
{
	struct hv_msi msi = { .address = MSI_ADDR_BASE, .data = MSI_DATA_NMI,
			      .padding = 1 };

	REQUIRE_HV_ABI();
	ASSERT_OK(hv_vm_create_irqchip(self->vm));
	EXPECT_EQ(-EINVAL, hv_ioctl(self->fd, HV_VM_SIGNAL_MSI, &msi));
	msi.padding = 0;
	msi.reserved[0] = 1;
	EXPECT_EQ(-EINVAL, hv_ioctl(self->fd, HV_VM_SIGNAL_MSI, &msi));
	msi.reserved[0] = 0;
	msi.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, hv_ioctl(self->fd, HV_VM_SIGNAL_MSI, &msi));
}

/* With an irqchip, interrupts come only through the local APICs. */
TEST_F(abi, inject_extint_refused)
{
	struct hv_event ev = { .type = HV_EVENT_EXTINT, .vector = 0x40 };
	struct hv_vcpu *vcpu;

	ASSERT_OK(hv_vm_create_irqchip(self->vm));
	ASSERT_OK(hv_vcpu_create(self->vm, 0, &vcpu));
	EXPECT_EQ(-EINVAL, hv_vcpu_inject(vcpu, &ev));
}

/* ---- a VM without an irqchip: APIC and IOAPIC are userspace's ---- */

#define FAKE_APIC_ID	0x5a000000U

static GUEST_CODE void guest_no_irqchip(void)
{
	GUEST_SYNC(xapic_read(APIC_ID));
	guest_mmio_write32(HV_IOAPIC_ADDR + IOAPIC_REGSEL, IOAPIC_REG_VER);
	guest_sti_hlt();
	GUEST_DONE();
}

GUEST_FIXTURE(plain, guest_no_irqchip);

TEST_F(plain, apic_ioapic_mmio_and_hlt_exit)
{
	struct hv_run *run = self->g.run;
	struct ucall uc;

	vcpu_run_exit(self->g.vcpu, HV_EXIT_MMIO);
	EXPECT_EQ(APIC_DEFAULT_GPA + APIC_ID, run->mmio.gpa);
	EXPECT_EQ(4, run->mmio.size);
	EXPECT_EQ(0, run->mmio.is_write);
	run->mmio.data = FAKE_APIC_ID;
	ASSERT_EQ(FAKE_APIC_ID, vcpu_sync(self->g.vcpu, &uc));

	vcpu_run_exit(self->g.vcpu, HV_EXIT_MMIO);
	EXPECT_EQ(HV_IOAPIC_ADDR + IOAPIC_REGSEL, run->mmio.gpa);
	EXPECT_EQ(1, run->mmio.is_write);
	EXPECT_EQ(IOAPIC_REG_VER, (uint32_t)run->mmio.data);

	vcpu_run_exit(self->g.vcpu, HV_EXIT_HLT);
	vcpu_done(self->g.vcpu);
}

/* ---- HLT waits in the kernel ---- */

FIXTURE(halt) {
	struct irq_env e;
};

FIXTURE_SETUP(halt)
{
	irq_env_setup(&self->e, 1, NULL, false);
}

FIXTURE_TEARDOWN(halt)
{
	irq_env_teardown(&self->e);
}

#define set_entry(fn, a0, a1) \
	ASSERT_OK(guest_vcpu_entry(self->e.vcpu[0], fn, a0, a1))

#define TIMER_VECTOR	0x60
#define LINE_PIN	5
#define LINE_VECTOR	0x55
#define MSI_VECTOR	0x56
#define KICK_VECTOR	0x57
#define MASKED_VECTOR	0x58
/* The one-shot timer of the HLT test: long enough to be halted by then. */
#define HALT_TIMER_NS	50000000U

static GUEST_CODE void guest_halt_timer(void)
{
	guest_irq_hook = guest_irq_log_eoi;
	guest_apic_enable();
	apic_write(APIC_TDCR, APIC_TDCR_1);
	apic_write(APIC_LVTT, TIMER_VECTOR);
	GUEST_SYNC(0);
	apic_write(APIC_TMICT, HALT_TIMER_NS);
	GUEST_HALT_UNTIL(guest_irqs[0].count);
	GUEST_SYNC2(guest_irqs[0].count, guest_irqs[0].last);
	GUEST_DONE();
}

/*
 * STI; HLT with the timer armed: the vCPU waits in the kernel and the timer
 * wakes it; userspace sees nothing between the two ucalls (no
 * HV_EXIT_HLT: vcpu_sync() would fail on it).
 */
TEST_F(halt, timer_wakes_without_exit)
{
	struct hv_vcpu *vcpu = self->e.vcpu[0];
	bool stats = cap(self->e.hv, HV_CAP_STATS);	/* KVM: none */
	uint64_t waits = 0, user_exits = 0;
	struct ucall uc;

	set_entry(guest_halt_timer, 0, 0);
	ASSERT_EQ(0, vcpu_sync(vcpu, &uc));
	if (stats) {
		waits = vcpu_stat(vcpu, HV_STAT_HALT_WAIT);
		user_exits = vcpu_stat(vcpu, HV_STAT_USER_EXITS);
	}
	vcpu_sync(vcpu, &uc);
	EXPECT_EQ(1, uc.args[0]);
	EXPECT_EQ(TIMER_VECTOR, uc.args[1]);
	if (stats) {
		EXPECT_LT(waits, vcpu_stat(vcpu, HV_STAT_HALT_WAIT));
		EXPECT_EQ(user_exits + 1, vcpu_stat(vcpu, HV_STAT_USER_EXITS));
		EXPECT_LE(1, vcpu_stat(vcpu, HV_STAT_IRQ_INJECTED));
	}
	vcpu_done(vcpu);
}

/*
 * Enable the APIC, route IOAPIC @pin (none if >= HV_IOAPIC_PINS) edge
 * triggered to @vector on vCPU 0, then halt until an interrupt came.
 */
static GUEST_CODE void guest_halt_for_irq(uint64_t pin, uint64_t vector)
{
	guest_irq_hook = guest_irq_log_eoi;
	guest_apic_enable();
	if (pin < HV_IOAPIC_PINS)
		ioapic_write_rte(pin, vector | IOAPIC_RTE_DEST(0));
	GUEST_SYNC(0);
	GUEST_HALT_UNTIL(guest_irqs[0].count);
	GUEST_SYNC2(guest_irqs[0].count, guest_irqs[0].last);
	GUEST_DONE();
}

/*
 * Run vCPU 0 in a thread until it sleeps in HLT; @wake (run on the main
 * thread) must then end the halt with an interrupt of @vector.
 */
#define halt_then(wake, vector) do { \
	struct vcpu_thread *__t = &self->e.th[0]; \
	struct hv_vcpu *__v = self->e.vcpu[0]; \
	bool __stats = cap(self->e.hv, HV_CAP_STATS); /* KVM: none */ \
	uint64_t __waits = __stats ? vcpu_stat(__v, HV_STAT_HALT_WAIT) : 0; \
	char __buf[512]; \
	ASSERT_EQ(0, vcpu_thread_start(__t, __v, true)); \
	ASSERT_TRUE(vcpu_thread_wait_asleep(__t, ASLEEP_TIMEOUT_MS)) \
		TH_LOG("vCPU 0 did not halt in the kernel: %s", \
		       vcpu_thread_describe(__t, __buf, sizeof(__buf))); \
	wake; \
	vcpu_thread_join(__t); \
	ASSERT_EQ(UCALL_SYNC, __t->ucall) \
		TH_LOG("%s", vcpu_thread_describe(__t, __buf, sizeof(__buf))); \
	EXPECT_EQ(1, __t->uc.args[0]); \
	EXPECT_EQ(vector, __t->uc.args[1]); \
	if (__stats) \
		EXPECT_LT(__waits, vcpu_stat(__v, HV_STAT_HALT_WAIT)); \
} while (0)

TEST_F(halt, woken_by_irq_line)
{
	struct ucall uc;

	set_entry(guest_halt_for_irq, LINE_PIN, LINE_VECTOR);
	ASSERT_EQ(0, vcpu_sync(self->e.vcpu[0], &uc));
	halt_then(ASSERT_EQ(0, hv_vm_irq_line(self->e.vm, LINE_PIN, 1)),
		  LINE_VECTOR);
	ASSERT_EQ(0, hv_vm_irq_line(self->e.vm, LINE_PIN, 0));
	vcpu_done(self->e.vcpu[0]);
}

TEST_F(halt, woken_by_msi)
{
	struct ucall uc;

	set_entry(guest_halt_for_irq, HV_IOAPIC_PINS, MSI_VECTOR);
	ASSERT_EQ(0, vcpu_sync(self->e.vcpu[0], &uc));
	halt_then(ASSERT_EQ(1, hv_vm_signal_msi(self->e.vm,
					  MSI_ADDR_BASE | MSI_ADDR_DEST(0),
					  MSI_VECTOR)),
		  MSI_VECTOR);
	vcpu_done(self->e.vcpu[0]);
}

/* One STI; HLT: anything but an interrupt that ends it shows as count 0. */
static GUEST_CODE void guest_halt_once(void)
{
	guest_irq_hook = guest_irq_log_eoi;
	guest_apic_enable();
	GUEST_SYNC(0);
	guest_sti_hlt();
	guest_cli();
	GUEST_SYNC2(guest_irqs[0].count, guest_irqs[0].last);
	GUEST_DONE();
}

/*
 * A kick ends the RUN of a halted vCPU with HV_EXIT_INTERRUPTED; the vCPU
 * stays halted: the next RUN waits again until an interrupt comes.
 */
TEST_F(halt, kick_leaves_vcpu_halted)
{
	struct vcpu_thread *t = &self->e.th[0];
	struct hv_vcpu *vcpu = self->e.vcpu[0];
	struct ucall uc;
	char buf[512];

	set_entry(guest_halt_once, 0, 0);
	ASSERT_EQ(0, vcpu_sync(vcpu, &uc));
	ASSERT_EQ(0, vcpu_thread_start(t, vcpu, true));
	ASSERT_TRUE(vcpu_thread_wait_asleep(t, ASLEEP_TIMEOUT_MS))
		TH_LOG("%s", vcpu_thread_describe(t, buf, sizeof(buf)));
	ASSERT_OK(hv_vcpu_kick(vcpu));
	vcpu_thread_join(t);
	ASSERT_EQ(0, t->err);
	ASSERT_EQ(HV_EXIT_INTERRUPTED, t->exit_reason)
		TH_LOG("%s", vcpu_thread_describe(t, buf, sizeof(buf)));

	halt_then(ASSERT_EQ(1, hv_vm_signal_msi(self->e.vm,
					  MSI_ADDR_BASE | MSI_ADDR_DEST(0),
					  KICK_VECTOR)),
		  KICK_VECTOR);
	vcpu_done(vcpu);
}

/*
 * CLI; HLT: a maskable interrupt does not end the halt (it waits in the
 * IRR), an NMI does (SDM vol. 2, HLT; vol. 3A, 6.8.1).
 */
static GUEST_CODE void guest_cli_halt(void)
{
	guest_irq_hook = guest_irq_log_eoi;
	guest_apic_enable();
	GUEST_SYNC(0);
	asm volatile("cli; hlt" : : : "memory");
	GUEST_SYNC2(guest_irqs[0].count, guest_irqs[0].last);
	GUEST_SYNC(apic_vector_bit(APIC_IRR, MASKED_VECTOR));
	asm volatile("sti; nop; cli" : : : "memory");
	GUEST_SYNC2(guest_irqs[0].count, guest_irqs[0].last);
	GUEST_DONE();
}

TEST_F(halt, cli_hlt_woken_by_nmi_only)
{
	struct vcpu_thread *t = &self->e.th[0];
	struct hv_vcpu *vcpu = self->e.vcpu[0];
	uint64_t dest0 = MSI_ADDR_BASE | MSI_ADDR_DEST(0);
	struct ucall uc;
	char buf[512];

	set_entry(guest_cli_halt, 0, 0);
	ASSERT_EQ(0, vcpu_sync(vcpu, &uc));
	ASSERT_EQ(0, vcpu_thread_start(t, vcpu, true));
	ASSERT_TRUE(vcpu_thread_wait_asleep(t, ASLEEP_TIMEOUT_MS))
		TH_LOG("%s", vcpu_thread_describe(t, buf, sizeof(buf)));
	ASSERT_EQ(1, hv_vm_signal_msi(self->e.vm, dest0, MASKED_VECTOR));
	ASSERT_TRUE(vcpu_thread_wait_asleep(t, ASLEEP_TIMEOUT_MS))
		TH_LOG("a maskable interrupt ended HLT with IF clear: %s",
		       vcpu_thread_describe(t, buf, sizeof(buf)));
	ASSERT_EQ(1, hv_vm_signal_msi(self->e.vm, dest0, MSI_DATA_NMI));
	vcpu_thread_join(t);
	ASSERT_EQ(UCALL_SYNC, t->ucall)
		TH_LOG("%s", vcpu_thread_describe(t, buf, sizeof(buf)));
	EXPECT_EQ(1, t->uc.args[0]);
	EXPECT_EQ(GUEST_NMI_VECTOR, t->uc.args[1]);
	EXPECT_EQ(1, vcpu_sync(vcpu, &uc));
	vcpu_sync(vcpu, &uc);
	EXPECT_EQ(2, uc.args[0]);
	EXPECT_EQ(MASKED_VECTOR, uc.args[1]);
	vcpu_done(vcpu);
}

/* ---- INIT and SIPI ---- */

IRQCHIP_FIXTURE(smp, 2);

/*
 * A vCPU other than vCPU 0 waits for SIPI in the kernel: it runs no code
 * (its RIP, from guest_vcpu_init(), is guest_return_trap, which would
 * report). A kick ends that RUN and the next one waits again.
 */
TEST_F(smp, ap_waits_for_sipi)
{
	struct vcpu_thread *t = &self->e.th[1];
	char buf[512];
	int i;

	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, vcpu_thread_start(t, self->e.vcpu[1], true));
		ASSERT_TRUE(vcpu_thread_wait_asleep(t, ASLEEP_TIMEOUT_MS))
			TH_LOG("%s", vcpu_thread_describe(t, buf,
							  sizeof(buf)));
		ASSERT_OK(hv_vcpu_kick(self->e.vcpu[1]));
		vcpu_thread_join(t);
		ASSERT_EQ(0, t->err);
		ASSERT_EQ(HV_EXIT_INTERRUPTED, t->exit_reason)
			TH_LOG("%s", vcpu_thread_describe(t, buf,
							  sizeof(buf)));
	}
}

/*
 * Real-mode code a SIPI starts: count the starts at SIPI_COUNT_GPA, report
 * CS with OUT to SIPI_PORT, then halt with interrupts off. Position
 * independent: a copy sits at each SIPI vector's page.
 */
#define SIPI_PORT	0x84
#define SIPI_COUNT_GPA	0x500
#define SIPI_VECTOR_A	0x0a
#define SIPI_VECTOR_B	0x0b

#define STR_(x) #x
#define STR(x) STR_(x)

extern char sipi_stub[], sipi_stub_out[], sipi_stub_end[];
asm(".pushsection .text\n"
    ".code16\n"
    "sipi_stub:\n"
    "	xorw %ax, %ax\n"
    "	movw %ax, %ds\n"
    "	lock incw " STR(SIPI_COUNT_GPA) "\n"
    "	movw %cs, %ax\n"
    "sipi_stub_out:\n"
    "	outw %ax, $" STR(SIPI_PORT) "\n"
    "1:	cli\n"
    "	hlt\n"
    "	jmp 1b\n"
    "sipi_stub_end:\n"
    ".code64\n"
    ".popsection\n");

static GUEST_CODE void guest_send_init(uint32_t dest)
{
	apic_send_ipi(dest, APIC_DM_INIT | APIC_INT_LEVELTRIG |
			    APIC_INT_ASSERT);
	apic_send_ipi(dest, APIC_DM_INIT | APIC_INT_LEVELTRIG);
}

/*
 * vCPU 0: INIT and SIPI A to vCPU 1; a lone SIPI while vCPU 1 runs (it is
 * halted, not waiting for SIPI: ignored, SDM 9.4.4.1 and 11.6.1); INIT
 * while it is halted, then SIPI B.
 */
static GUEST_CODE void guest_sipi_bsp(void)
{
	guest_apic_enable();
	GUEST_SYNC(1);
	guest_send_init(1);
	apic_send_ipi(1, APIC_DM_STARTUP | SIPI_VECTOR_A);
	GUEST_SYNC(2);
	apic_send_ipi(1, APIC_DM_STARTUP | SIPI_VECTOR_A);
	GUEST_SYNC(3);
	guest_send_init(1);
	apic_send_ipi(1, APIC_DM_STARTUP | SIPI_VECTOR_B);
	GUEST_SYNC(4);
	GUEST_DONE();
}

/* vCPU 1's thread ended at the stub's OUT, started by SIPI @vector. */
static void __check_sipi_start(struct __test_metadata *_metadata,
			       struct vcpu_thread *t, uint8_t vector)
{
	struct hv_run *run = hv_vcpu_run_page(t->vcpu);
	struct hv_sregs sregs;
	uint16_t data;
	char buf[512];

	vcpu_thread_join(t);
	ASSERT_EQ(HV_EXIT_IO, t->exit_reason)
		TH_LOG("%s", vcpu_thread_describe(t, buf, sizeof(buf)));
	ASSERT_EQ(SIPI_PORT, run->io.port);
	ASSERT_EQ(HV_IO_OUT, run->io.direction);
	ASSERT_EQ(2, run->io.size);
	memcpy(&data, (char *)run + run->io.data_offset, 2);
	EXPECT_EQ(vector << 8, data);
	EXPECT_EQ(sipi_stub_out - sipi_stub, run->regs.rip);
	ASSERT_OK(hv_vcpu_get_sregs(t->vcpu, &sregs));
	EXPECT_EQ(vector << 8, sregs.cs.selector);
	EXPECT_EQ((uint64_t)vector << 12, sregs.cs.base);
	EXPECT_EQ(0, sregs.cr0 & X86_CR0_PE);
	EXPECT_EQ(0, sregs.efer & EFER_LMA);
}
#define check_sipi_start(t, vector) __check_sipi_start(_metadata, t, vector)

TEST_F(smp, init_sipi_starts_real_mode)
{
	struct vcpu_thread *t = &self->e.th[1];
	struct hv_vcpu *bsp = self->e.vcpu[0], *ap = self->e.vcpu[1];
	uint16_t *count = hv_vm_gpa_to_host(self->e.vm, SIPI_COUNT_GPA, 2);
	struct ucall uc;
	char buf[512];

	ASSERT_NE(NULL, count);
	ASSERT_OK(guest_load_blob(self->e.vm, SIPI_VECTOR_A << 12, sipi_stub,
				  sipi_stub_end));
	ASSERT_OK(guest_load_blob(self->e.vm, SIPI_VECTOR_B << 12, sipi_stub,
				  sipi_stub_end));
	ASSERT_OK(guest_vcpu_entry(bsp, guest_sipi_bsp, 0, 0));
	ASSERT_EQ(1, vcpu_sync(bsp, &uc));

	ASSERT_EQ(0, vcpu_thread_start(t, ap, true));
	ASSERT_TRUE(vcpu_thread_wait_asleep(t, ASLEEP_TIMEOUT_MS))
		TH_LOG("vCPU 1 does not wait for SIPI: %s",
		       vcpu_thread_describe(t, buf, sizeof(buf)));
	ASSERT_EQ(2, vcpu_sync(bsp, &uc));
	check_sipi_start(t, SIPI_VECTOR_A);
	ASSERT_EQ(1, *count);

	/* On to the CLI; HLT. */
	ASSERT_EQ(0, vcpu_thread_start(t, ap, true));
	ASSERT_TRUE(vcpu_thread_wait_asleep(t, ASLEEP_TIMEOUT_MS))
		TH_LOG("%s", vcpu_thread_describe(t, buf, sizeof(buf)));
	ASSERT_EQ(3, vcpu_sync(bsp, &uc));
	ASSERT_TRUE(vcpu_thread_wait_asleep(t, ASLEEP_TIMEOUT_MS))
		TH_LOG("a SIPI outside wait-for-SIPI restarted vCPU 1: %s",
		       vcpu_thread_describe(t, buf, sizeof(buf)));
	ASSERT_EQ(1, *count);

	ASSERT_EQ(4, vcpu_sync(bsp, &uc));
	check_sipi_start(t, SIPI_VECTOR_B);
	EXPECT_EQ(2, *count);
	vcpu_done(bsp);
}

TEST_HARNESS_MAIN
