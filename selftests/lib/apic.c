// SPDX-License-Identifier: GPL-2.0
/*
 * Local APIC and IOAPIC helpers for the irqchip selftests: see apic.h.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "apic.h"

volatile uint64_t guest_x2apic;
volatile uint64_t guest_tsc_khz;
volatile struct guest_irq_log guest_irqs[GUEST_MAX_CPUS];

/*
 * What the AP trampoline loads: the GDT and IDT pseudo-descriptors (LGDT and
 * LIDT operands), the control registers and EFER of vCPU 0's start state
 * (irqchip_vcpu_add()), and from guest_ap_start() the stack, entry and
 * argument of the AP being started. @started counts APs that reached long
 * mode and no longer need the fields above. The assembly uses the offsets.
 */
struct guest_ap_boot {
	uint8_t gdtr[16];	/* 16-bit limit, then the base */
	uint8_t idtr[16];
	uint64_t cr0, cr3, cr4, efer;
	uint64_t rsp, entry, arg;
	uint64_t started;
};

_Static_assert(offsetof(struct guest_ap_boot, idtr) == 16, "idtr");
_Static_assert(offsetof(struct guest_ap_boot, cr0) == 32, "cr0");
_Static_assert(offsetof(struct guest_ap_boot, cr3) == 40, "cr3");
_Static_assert(offsetof(struct guest_ap_boot, cr4) == 48, "cr4");
_Static_assert(offsetof(struct guest_ap_boot, efer) == 56, "efer");
_Static_assert(offsetof(struct guest_ap_boot, rsp) == 64, "rsp");
_Static_assert(offsetof(struct guest_ap_boot, entry) == 72, "entry");
_Static_assert(offsetof(struct guest_ap_boot, arg) == 80, "arg");
_Static_assert(offsetof(struct guest_ap_boot, started) == 88, "started");

volatile struct guest_ap_boot guest_ap_boot;

extern char guest_ap_trampoline[], guest_ap_trampoline_end[];
extern char guest_return_trap[];

#define STR_(x) #x
#define STR(x) STR_(x)
/* Where @label of the trampoline lies in its copy. */
#define AP_AT(label) \
	STR(GUEST_AP_TRAMPOLINE_GPA) " + " #label " - guest_ap_trampoline"

/*
 * The AP trampoline. Only the 16-bit part, [guest_ap_trampoline,
 * guest_ap_trampoline_end), is copied to GUEST_AP_TRAMPOLINE_GPA, where the
 * SIPI starts it with CS = 0x900, IP = 0 (its own small GDT addressed
 * through DS = CS). It enters protected mode and jumps to the 32-bit part
 * at its link address in the test binary's image (flat segments, no
 * paging: linear = physical = link address), which enters long mode the way
 * SDM vol. 3A, 10.8.5 describes (CR4.PAE, CR3, EFER.LME, CR0.PG) and jumps
 * to the 64-bit part. That loads vCPU 0's GDT and IDT and calls the entry
 * with the AP's stack; the entry's return address is guest_return_trap.
 * Like Linux's trampoline it runs in long mode with the task register as
 * INIT left it (SDM vol. 3A, 9.1.1); the hypervisor must cope with that.
 */
asm(".pushsection .text\n"
    ".code16\n"
    ".globl guest_ap_trampoline, guest_ap_trampoline_end\n"
    "guest_ap_trampoline:\n"
    "	cli\n"
    "	movw %cs, %ax\n"
    "	movw %ax, %ds\n"
    "	lgdtl (ap_gdtr - guest_ap_trampoline)\n"
    "	movl %cr0, %eax\n"
    "	orl $1, %eax\n"
    "	movl %eax, %cr0\n"
    "	ljmpl $0x08, $ap_trampoline_32\n"
    "	.balign 8\n"
    "ap_gdt:\n"
    "	.quad 0\n"
    "	.quad 0x00cf9b000000ffff\n"	/* 0x08: flat 32-bit code */
    "	.quad 0x00cf93000000ffff\n"	/* 0x10: flat data */
    "ap_gdtr:\n"
    "	.word ap_gdtr - ap_gdt - 1\n"
    "	.long " AP_AT(ap_gdt) "\n"
    "guest_ap_trampoline_end:\n"
    ".code32\n"
    "ap_trampoline_32:\n"
    "	movw $0x10, %ax\n"
    "	movw %ax, %ds\n"
    "	movw %ax, %es\n"
    "	movw %ax, %ss\n"
    "	movl guest_ap_boot + 48, %eax\n"
    "	movl %eax, %cr4\n"
    "	movl guest_ap_boot + 40, %eax\n"
    "	movl %eax, %cr3\n"
    "	movl $0xc0000080, %ecx\n"
    "	movl guest_ap_boot + 56, %eax\n"
    "	movl guest_ap_boot + 60, %edx\n"
    "	wrmsr\n"
    "	movl guest_ap_boot + 32, %eax\n"
    "	movl %eax, %cr0\n"
    /* The small GDT has no 64-bit code segment: vCPU 0's has, at 0x18. */
    "	lgdtl guest_ap_boot\n"
    "	ljmpl $" STR(HV_SETUP_SEL_CODE64) ", $ap_trampoline_64\n"
    ".code64\n"
    "ap_trampoline_64:\n"
    "	movw $" STR(HV_SETUP_SEL_DATA) ", %ax\n"
    "	movw %ax, %ds\n"
    "	movw %ax, %es\n"
    "	movw %ax, %ss\n"
    "	lidt guest_ap_boot + 16(%rip)\n"
    "	movq guest_ap_boot + 64(%rip), %rsp\n"
    "	movq guest_ap_boot + 80(%rip), %rdi\n"
    "	movq guest_ap_boot + 72(%rip), %rax\n"
    "	lock incq guest_ap_boot + 88(%rip)\n"
    "	pushq $guest_return_trap\n"
    "	jmpq *%rax\n"
    ".popsection\n");

GUEST_CODE void guest_irq_log(uint64_t vector)
{
	uint32_t cpu = guest_cpu();
	volatile struct guest_irq_log *l;

	if (cpu >= GUEST_MAX_CPUS)
		GUEST_FAIL("interrupt on a stack guest_cpu() does not know");
	l = &guest_irqs[cpu];
	if (l->count < IRQ_SEQ_LEN)
		l->seq[l->count] = vector;
	l->per_vector[vector & 0xff]++;
	l->last = vector;
	/* Last: a waiter that sees the count sees the rest. */
	l->count++;
}

GUEST_CODE void guest_irq_log_eoi(uint64_t vector)
{
	guest_irq_log(vector);
	/* No EOI for NMIs or the spurious vector (SDM 11.8.5, 11.9). */
	if (vector != GUEST_NMI_VECTOR && vector != APIC_SPURIOUS_VECTOR)
		apic_eoi();
}

GUEST_CODE void guest_apic_enable(void)
{
	if (guest_x2apic)
		guest_wrmsr(MSR_IA32_APICBASE,
			    guest_rdmsr(MSR_IA32_APICBASE) | APIC_BASE_EXTD);
	apic_write(APIC_SVR, APIC_SVR_ENABLE | APIC_SPURIOUS_VECTOR);
}

GUEST_CODE bool guest_wait_eq(const volatile uint64_t *p, uint64_t v,
			      uint64_t ms)
{
	uint64_t end = guest_rdtsc() + ms * guest_tsc_khz;

	while (*p != v) {
		if (guest_tsc_khz && guest_rdtsc() > end)
			return false;
		guest_pause();
	}
	return true;
}

GUEST_CODE void guest_spin_ms(uint64_t ms)
{
	uint64_t end = guest_rdtsc() + ms * guest_tsc_khz;

	while (guest_rdtsc() < end)
		guest_pause();
}

GUEST_CODE void guest_ap_start(uint32_t apic_id, guest_ap_entry_t entry,
			       uint64_t arg)
{
	uint64_t started = guest_ap_boot.started;

	guest_ap_boot.rsp = GUEST_STACK_TOP -
			    (uint64_t)apic_id * GUEST_STACK_SIZE;
	guest_ap_boot.entry = (uint64_t)entry;
	guest_ap_boot.arg = arg;
	apic_send_ipi(apic_id, APIC_DM_INIT | APIC_INT_LEVELTRIG |
			       APIC_INT_ASSERT);
	apic_send_ipi(apic_id, APIC_DM_INIT | APIC_INT_LEVELTRIG);
	apic_send_ipi(apic_id, APIC_DM_STARTUP | GUEST_AP_SIPI_VECTOR);
	apic_send_ipi(apic_id, APIC_DM_STARTUP | GUEST_AP_SIPI_VECTOR);
	if (!guest_wait_eq(&guest_ap_boot.started, started + 1, 10000))
		GUEST_FAIL("the AP did not reach long mode within 10 s");
}

/* ---- host side ---- */

static inline uint64_t host_rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * The TSC rate over 20 ms of CLOCK_MONOTONIC. The guest's TSC runs at the
 * host's rate (hv offsets it, never scales it); the value only bounds
 * waits, so an emulator's irregular clock does no harm.
 */
static uint64_t measure_tsc_khz(void)
{
	uint64_t t0 = mono_ns(), c0 = host_rdtsc(), t1, c1;

	do
		t1 = mono_ns();
	while (t1 - t0 < 20000000);
	c1 = host_rdtsc();
	return (c1 - c0) * 1000000 / (t1 - t0) ?: 1;
}

int irqchip_vm_create(struct hv *hv, struct hv_vm **out)
{
	struct hv_vm *vm;
	int r;

	r = guest_vm_create(hv, &vm);
	if (r)
		return r;
	r = hv_vm_create_irqchip(vm);
	if (r)
		goto err;
	r = guest_load_blob(vm, GUEST_AP_TRAMPOLINE_GPA, guest_ap_trampoline,
			    guest_ap_trampoline_end);
	if (r)
		goto err;
	GUEST_VAR(vm, guest_tsc_khz) = measure_tsc_khz();
	*out = vm;
	return 0;
err:
	hv_vm_destroy(vm);
	return r;
}

int irqchip_vcpu_add(struct hv_vm *vm, uint32_t id, void *entry,
		     struct hv_vcpu **out)
{
	volatile struct guest_ap_boot *b;
	struct hv_sregs sregs;
	int r;

	r = guest_vcpu_add(vm, id, entry, out);
	if (r || id)
		return r;
	r = hv_vcpu_get_sregs(*out, &sregs);
	if (r)
		return r;
	b = guest_obj(vm, &guest_ap_boot, sizeof(guest_ap_boot));
	if (!b)
		return -EFAULT;
	/* LGDT/LIDT operands: the limit, then the base (SDM vol. 2, LGDT). */
	memcpy((void *)b->gdtr, &sregs.gdt.limit, 2);
	memcpy((void *)(b->gdtr + 2), &sregs.gdt.base, 8);
	memcpy((void *)b->idtr, &sregs.idt.limit, 2);
	memcpy((void *)(b->idtr + 2), &sregs.idt.base, 8);
	b->cr0 = sregs.cr0;
	b->cr3 = sregs.cr3;
	b->cr4 = sregs.cr4;
	/* EFER.LMA is the CPU's to set once CR0.PG is. */
	b->efer = sregs.efer & ~(1ULL << 10);
	return 0;
}

static void *vcpu_thread_fn(void *arg)
{
	struct vcpu_thread *t = arg;
	struct hv_run *run = hv_vcpu_run_page(t->vcpu);
	int r;

	t->tid = gettid();
	while (!t->stop) {
		r = hv_vcpu_run(t->vcpu);
		if (r) {
			t->err = r;
			break;
		}
		t->exit_reason = run->exit_reason;
		t->ucall = ucall_get(t->vcpu, &t->uc);
		if (t->once)
			break;
		if (t->exit_reason == HV_EXIT_INTERRUPTED)
			continue;
		if (t->ucall != UCALL_SYNC)
			break;
	}
	t->done = true;
	return NULL;
}

int vcpu_thread_start(struct vcpu_thread *t, struct hv_vcpu *vcpu,
		      bool once)
{
	int r;

	memset(t, 0, sizeof(*t));
	t->vcpu = vcpu;
	t->once = once;
	t->exit_reason = HV_EXIT_NONE;
	r = pthread_create(&t->thread, NULL, vcpu_thread_fn, t);
	if (r)
		return -r;
	t->started = true;
	return 0;
}

void vcpu_thread_join(struct vcpu_thread *t)
{
	if (!t->started)
		return;
	pthread_join(t->thread, NULL);
	t->started = false;
}

void vcpu_thread_stop(struct vcpu_thread *t)
{
	if (!t->started)
		return;
	t->stop = true;
	/* A kick is remembered: one before the next RUN ends that one. */
	hv_vcpu_kick(t->vcpu);
	vcpu_thread_join(t);
}

/* The state letter of /proc/self/task/<tid>/stat, or 0. */
static char thread_state(pid_t tid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	/* "pid (comm) S ...": comm may hold anything, even ")". */
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

#define ASLEEP_READS	5
#define ASLEEP_STEP_US	10000

bool vcpu_thread_wait_asleep(struct vcpu_thread *t, unsigned int timeout_ms)
{
	uint64_t end = mono_ns() + (uint64_t)timeout_ms * 1000000;
	int seen = 0;
	char s;

	while (mono_ns() < end) {
		if (t->done)
			return false;
		s = t->tid ? thread_state(t->tid) : 0;
		if (s == 'S' || s == 'D' || s == 'I')
			seen++;
		else
			seen = 0;
		if (seen == ASLEEP_READS)
			return !t->done;
		usleep(ASLEEP_STEP_US);
	}
	return false;
}

/* Print /proc/self/task/<tid>/@file, each line prefixed. */
static void print_task_file(const char *tid, const char *file)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%s/%s", tid, file);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		fprintf(stderr, "# hang: task %s %s: %s", tid, file, line);
	fclose(f);
}

static void *hang_report_fn(void *arg)
{
	struct hang_report *h = arg;
	struct pollfd pfd = { .fd = h->pipe[0], .events = POLLIN };
	struct dirent *d;
	DIR *dir;

	if (poll(&pfd, 1, h->ms) != 0)
		return NULL;	/* stopped (or poll failed: no report) */
	fprintf(stderr, "# hang: still running after %u ms\n", h->ms);
	dir = opendir("/proc/self/task");
	if (!dir)
		return NULL;
	while ((d = readdir(dir))) {
		pid_t tid = atoi(d->d_name);

		if (d->d_name[0] == '.' || tid == gettid())
			continue;
		fprintf(stderr, "# hang: task %d state %c\n", (int)tid,
			thread_state(tid) ?: '?');
		print_task_file(d->d_name, "stack");
	}
	closedir(dir);
	return NULL;
}

int hang_report_start(struct hang_report *h, unsigned int ms)
{
	int r;

	h->started = false;
	h->ms = ms;
	if (pipe(h->pipe))
		return -errno;
	r = pthread_create(&h->thread, NULL, hang_report_fn, h);
	if (r) {
		close(h->pipe[0]);
		close(h->pipe[1]);
		return -r;
	}
	h->started = true;
	return 0;
}

void hang_report_stop(struct hang_report *h)
{
	if (!h->started)
		return;
	close(h->pipe[1]);	/* POLLHUP ends the wait */
	pthread_join(h->thread, NULL);
	close(h->pipe[0]);
	h->started = false;
}

const char *vcpu_thread_describe(struct vcpu_thread *t, char *buf,
				 size_t len)
{
	struct hv_vm *vm = hv_vcpu_vm(t->vcpu);
	char exit[256];

	if (t->err) {
		snprintf(buf, len, "vCPU %u: HV_VCPU_RUN failed: %s",
			 hv_vcpu_id(t->vcpu), strerror(-t->err));
	} else if (t->ucall == UCALL_ABORT) {
		snprintf(buf, len,
			 "vCPU %u: guest failed at %s:%llu: %s "
			 "(0x%llx, 0x%llx, 0x%llx)",
			 hv_vcpu_id(t->vcpu), guest_string(vm, t->uc.file),
			 (unsigned long long)t->uc.line,
			 guest_string(vm, t->uc.msg),
			 (unsigned long long)t->uc.args[0],
			 (unsigned long long)t->uc.args[1],
			 (unsigned long long)t->uc.args[2]);
	} else {
		snprintf(buf, len, "vCPU %u: %s, ucall %llu%s",
			 hv_vcpu_id(t->vcpu),
			 exit_describe(hv_vcpu_run_page(t->vcpu), exit,
				       sizeof(exit)),
			 (unsigned long long)t->ucall,
			 t->done ? "" : " (still running)");
	}
	return buf;
}
