// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * KVM's structures into libhv's and back (backend_kvm.h): pure functions,
 * no ioctl, so that the unit tests can feed them anything.
 *
 * KVM's layouts are the model hv's uapi followed (struct kvm_regs and
 * struct hv_regs have the same fields in the same order, and so on), but
 * every field is copied by name: the two ABIs may grow apart, and a
 * memcpy would not notice.
 */
#include <errno.h>
#include <string.h>

#include "backend_kvm.h"

/* CPUID bits libhv fixes up (SDM vol. 2A, CPUID; APM vol. 3, E.3). */
#define CPUID1_ECX_X2APIC	(1U << 21)
#define CPUID1_ECX_TSC_DEADLINE	(1U << 24)
#define CPUID1_ECX_HYPERVISOR	(1U << 31)
#define CPUID1_EDX_APIC		(1U << 9)
#define CPUID6_EAX_ARAT		(1U << 2)

/* ---- exits ---- */

typedef int (*exit_fill_fn)(const struct kvm_run *kr, size_t kr_size,
			    struct hv_run *run, struct libhv_kvm_completion *c);

static int fill_io(const struct kvm_run *kr, size_t kr_size, struct hv_run *run,
		   struct libhv_kvm_completion *c)
{
	uint64_t len = (uint64_t)kr->io.size * kr->io.count;

	if (kr->io.data_offset > kr_size || len > kr_size - kr->io.data_offset ||
	    len > HV_RUN_IO_DATA_SIZE)
		return libhv_error(-EPROTO,
				   "KVM reported an I/O exit libhv cannot pass on: port 0x%x, %u x %u bytes at offset %llu of %zu",
				   kr->io.port, kr->io.count, kr->io.size,
				   (unsigned long long)kr->io.data_offset, kr_size);
	run->io.port = kr->io.port;
	run->io.size = kr->io.size;
	run->io.direction = kr->io.direction == KVM_EXIT_IO_OUT ? HV_IO_OUT : HV_IO_IN;
	run->io.count = kr->io.count;
	run->io.data_offset = HV_RUN_IO_DATA_OFFSET;
	run->io.padding = 0;
	if (run->io.direction == HV_IO_OUT) {
		memcpy(run->io_data, (const char *)kr + kr->io.data_offset, len);
		c->kind = LIBHV_KVM_PENDING;
		return 0;
	}
	*c = (struct libhv_kvm_completion){
		.kind = LIBHV_KVM_IO_IN, .len = (uint32_t)len,
		.kvm_offset = kr->io.data_offset,
	};
	return 0;
}

static int fill_mmio(const struct kvm_run *kr, size_t kr_size, struct hv_run *run,
		     struct libhv_kvm_completion *c)
{
	(void)kr_size;
	if (kr->mmio.len == 0 || kr->mmio.len > sizeof(kr->mmio.data))
		return libhv_error(-EPROTO, "KVM reported an MMIO exit of %u bytes at 0x%llx",
				   kr->mmio.len, (unsigned long long)kr->mmio.phys_addr);
	run->mmio.gpa = kr->mmio.phys_addr;
	run->mmio.data = 0;
	run->mmio.size = kr->mmio.len;
	run->mmio.is_write = !!kr->mmio.is_write;
	memset(run->mmio.padding, 0, sizeof(run->mmio.padding));
	if (run->mmio.is_write) {
		/* x86 is little-endian: the low bytes of data are the access. */
		memcpy(&run->mmio.data, kr->mmio.data, kr->mmio.len);
		c->kind = LIBHV_KVM_PENDING;
	} else {
		*c = (struct libhv_kvm_completion){
			.kind = LIBHV_KVM_MMIO_READ, .len = kr->mmio.len,
		};
	}
	return 0;
}

static int fill_hypercall(const struct kvm_run *kr, size_t kr_size,
			  struct hv_run *run, struct libhv_kvm_completion *c)
{
	(void)kr_size;
	run->hypercall.nr = kr->hypercall.nr;
	for (size_t i = 0; i < LIBHV_ARRAY_SIZE(run->hypercall.args); i++)
		run->hypercall.args[i] = kr->hypercall.args[i];
	run->hypercall.ret = 0;		/* hv's default, whatever KVM left there */
	c->kind = LIBHV_KVM_HYPERCALL;
	return 0;
}

static int fill_fail_entry(const struct kvm_run *kr, size_t kr_size,
			   struct hv_run *run, struct libhv_kvm_completion *c)
{
	(void)kr_size;
	(void)c;
	run->fail.hw_reason = kr->fail_entry.hardware_entry_failure_reason;
	run->fail.cpu = kr->fail_entry.cpu;
	run->fail.padding = 0;
	return 0;
}

/* KVM's suberrors that hv has one for; the rest become HV_INTERNAL_KVM_BASE + n. */
static uint32_t internal_suberror(uint32_t kvm)
{
	switch (kvm) {
	case KVM_INTERNAL_ERROR_EMULATION:
		return HV_INTERNAL_EMULATION;
	case KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON:
		return HV_INTERNAL_UNHANDLED_EXIT;
	}
	return HV_INTERNAL_KVM_BASE + kvm;
}

/* KVM's data words as they are: docs/KVM.md says what they hold. */
static int fill_internal(const struct kvm_run *kr, size_t kr_size,
			 struct hv_run *run, struct libhv_kvm_completion *c)
{
	uint32_t n = kr->internal.ndata;

	(void)kr_size;
	(void)c;
	if (n > LIBHV_ARRAY_SIZE(run->internal.data))
		n = LIBHV_ARRAY_SIZE(run->internal.data);
	run->internal.suberror = internal_suberror(kr->internal.suberror);
	run->internal.ndata = n;
	for (uint32_t i = 0; i < n; i++)
		run->internal.data[i] = kr->internal.data[i];
	return 0;
}

/* An exit libhv cannot name: KVM's exit reason (and hardware reason). */
static int fill_unhandled(const struct kvm_run *kr, size_t kr_size,
			  struct hv_run *run, struct libhv_kvm_completion *c)
{
	(void)kr_size;
	(void)c;
	run->exit_reason = HV_EXIT_INTERNAL_ERROR;
	run->internal.suberror = HV_INTERNAL_UNHANDLED_EXIT;
	run->internal.ndata = 1;
	run->internal.data[0] = kr->exit_reason;
	if (kr->exit_reason == KVM_EXIT_UNKNOWN) {
		run->internal.ndata = 2;
		run->internal.data[1] = kr->hw.hardware_exit_reason;
	}
	return 0;
}

/* Per KVM exit reason: hv's, and what fills its part of the run page. */
static const struct {
	uint32_t reason;	/* HV_EXIT_*; HV_EXIT_NONE: not in the table */
	exit_fill_fn fill;
} exits[] = {
	[KVM_EXIT_IO]			= { HV_EXIT_IO, fill_io },
	[KVM_EXIT_MMIO]			= { HV_EXIT_MMIO, fill_mmio },
	[KVM_EXIT_HLT]			= { HV_EXIT_HLT, NULL },
	[KVM_EXIT_SHUTDOWN]		= { HV_EXIT_SHUTDOWN, NULL },
	[KVM_EXIT_HYPERCALL]		= { HV_EXIT_HYPERCALL, fill_hypercall },
	[KVM_EXIT_FAIL_ENTRY]		= { HV_EXIT_FAIL_ENTRY, fill_fail_entry },
	[KVM_EXIT_INTERNAL_ERROR]	= { HV_EXIT_INTERNAL_ERROR, fill_internal },
	[KVM_EXIT_INTR]			= { HV_EXIT_INTERRUPTED, NULL },
	[KVM_EXIT_IRQ_WINDOW_OPEN]	= { HV_EXIT_IRQ_WINDOW_OPEN, NULL },
};

int libhv_kvm_exit_to_hv(const struct kvm_run *kr, size_t kr_size,
			 struct hv_run *run, struct libhv_kvm_completion *c)
{
	uint32_t reason = kr->exit_reason;
	exit_fill_fn fill = fill_unhandled;

	*c = (struct libhv_kvm_completion){ .kind = LIBHV_KVM_NONE };
	run->if_flag = kr->if_flag;
	run->ready_for_interrupt = kr->ready_for_interrupt_injection;
	run->cr8 = kr->cr8;
	if (reason < LIBHV_ARRAY_SIZE(exits) && exits[reason].reason != HV_EXIT_NONE) {
		run->exit_reason = exits[reason].reason;
		fill = exits[reason].fill;
	}
	return fill ? fill(kr, kr_size, run, c) : 0;
}

void libhv_kvm_complete(const struct hv_run *run, struct kvm_run *kr,
			const struct libhv_kvm_completion *c)
{
	switch (c->kind) {
	case LIBHV_KVM_IO_IN:
		memcpy((char *)kr + c->kvm_offset, run->io_data, c->len);
		break;
	case LIBHV_KVM_MMIO_READ:
		memcpy(kr->mmio.data, &run->mmio.data, c->len);
		break;
	case LIBHV_KVM_HYPERCALL:
		kr->hypercall.ret = run->hypercall.ret;
		break;
	}
}

uint64_t libhv_kvm_sync_bits(uint32_t hv_bits)
{
	return (hv_bits & HV_SYNC_REGS ? KVM_SYNC_X86_REGS : 0) |
	       (hv_bits & HV_SYNC_SREGS ? KVM_SYNC_X86_SREGS : 0);
}

/* ---- registers ---- */

#define GPRS(X)							\
	X(rax) X(rbx) X(rcx) X(rdx) X(rsi) X(rdi) X(rsp) X(rbp)	\
	X(r8) X(r9) X(r10) X(r11) X(r12) X(r13) X(r14) X(r15)	\
	X(rip) X(rflags)

void libhv_kvm_regs_to_hv(const struct kvm_regs *k, struct hv_regs *h)
{
#define COPY(r) h->r = k->r;
	GPRS(COPY)
#undef COPY
}

void libhv_kvm_regs_from_hv(const struct hv_regs *h, struct kvm_regs *k)
{
#define COPY(r) k->r = h->r;
	GPRS(COPY)
#undef COPY
}

#define SEGMENTS(X) X(cs) X(ds) X(es) X(fs) X(gs) X(ss) X(tr) X(ldt)
#define SEGMENT_FIELDS(X)					\
	X(base) X(limit) X(selector) X(type) X(present) X(dpl)	\
	X(db) X(s) X(l) X(g) X(avl) X(unusable)
#define CONTROL_REGS(X) X(cr0) X(cr2) X(cr3) X(cr4) X(cr8) X(efer) X(apic_base)

static void seg_to_hv(const struct kvm_segment *k, struct hv_segment *h)
{
#define COPY(f) h->f = k->f;
	SEGMENT_FIELDS(COPY)
#undef COPY
	h->padding = 0;
}

static void seg_from_hv(const struct hv_segment *h, struct kvm_segment *k)
{
#define COPY(f) k->f = h->f;
	SEGMENT_FIELDS(COPY)
#undef COPY
	k->padding = 0;
}

static void dtable_to_hv(const struct kvm_dtable *k, struct hv_dtable *h)
{
	h->base = k->base;
	h->limit = k->limit;
	memset(h->padding, 0, sizeof(h->padding));
}

static void dtable_from_hv(const struct hv_dtable *h, struct kvm_dtable *k)
{
	k->base = h->base;
	k->limit = h->limit;
	memset(k->padding, 0, sizeof(k->padding));
}

void libhv_kvm_sregs_to_hv(const struct kvm_sregs *k, struct hv_sregs *h)
{
#define SEG(s) seg_to_hv(&k->s, &h->s);
	SEGMENTS(SEG)
#undef SEG
	dtable_to_hv(&k->gdt, &h->gdt);
	dtable_to_hv(&k->idt, &h->idt);
#define COPY(r) h->r = k->r;
	CONTROL_REGS(COPY)
#undef COPY
	memset(h->reserved, 0, sizeof(h->reserved));
}

static bool zero(const void *p, size_t len)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

/* hv refuses what its ABI says must be zero; so does libhv on KVM. */
static bool sregs_padding_zero(const struct hv_sregs *h)
{
	bool ok = zero(h->reserved, sizeof(h->reserved)) &&
		  zero(h->gdt.padding, sizeof(h->gdt.padding)) &&
		  zero(h->idt.padding, sizeof(h->idt.padding));

#define SEG(s) ok = ok && !h->s.padding;
	SEGMENTS(SEG)
#undef SEG
	return ok;
}

int libhv_kvm_sregs_from_hv(const struct hv_sregs *h, struct kvm_sregs *k)
{
	if (!sregs_padding_zero(h))
		return libhv_error(-EINVAL, "hv_vcpu_set_sregs: non-zero padding or reserved field");
#define SEG(s) seg_from_hv(&h->s, &k->s);
	SEGMENTS(SEG)
#undef SEG
	dtable_from_hv(&h->gdt, &k->gdt);
	dtable_from_hv(&h->idt, &k->idt);
#define COPY(r) k->r = h->r;
	CONTROL_REGS(COPY)
#undef COPY
	return 0;
}

/* ---- CPUID ---- */

_Static_assert(HV_CPUID_FLAG_INDEXED == KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
	       "the index flag is the same bit");

void libhv_kvm_cpuid_to_hv(const struct kvm_cpuid_entry2 *k, struct hv_cpuid_entry *h)
{
	*h = (struct hv_cpuid_entry){
		.function = k->function,
		.index = k->index,
		.flags = k->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
		.eax = k->eax, .ebx = k->ebx, .ecx = k->ecx, .edx = k->edx,
	};
}

int libhv_kvm_cpuid_from_hv(const struct hv_cpuid_entry *h, struct kvm_cpuid_entry2 *k)
{
	if (h->flags & ~HV_CPUID_FLAG_INDEXED || h->padding)
		return libhv_error(-EINVAL,
				   "CPUID leaf 0x%x: unknown flags 0x%x or non-zero padding",
				   h->function, h->flags);
	*k = (struct kvm_cpuid_entry2){
		.function = h->function,
		/* Not indexed: the index means nothing, as in hv. */
		.index = h->flags & HV_CPUID_FLAG_INDEXED ? h->index : 0,
		.flags = h->flags & HV_CPUID_FLAG_INDEXED ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0,
		.eax = h->eax, .ebx = h->ebx, .ecx = h->ecx, .edx = h->edx,
	};
	return 0;
}

static void cpuid_fix_one(struct hv_cpuid_entry *e, const struct libhv_kvm_cpuid_fix *fix)
{
	switch (e->function) {
	case 0x1:
		e->ecx |= CPUID1_ECX_HYPERVISOR;
		e->ecx &= ~(CPUID1_ECX_X2APIC | CPUID1_ECX_TSC_DEADLINE);
		e->edx &= ~CPUID1_EDX_APIC;
		if (fix->irqchip) {
			e->ecx |= CPUID1_ECX_X2APIC;
			e->edx |= CPUID1_EDX_APIC;
			if (fix->tsc_deadline)
				e->ecx |= CPUID1_ECX_TSC_DEADLINE;
		}
		if (fix->apic_id)
			e->ebx = (e->ebx & 0x00ffffff) | fix->vcpu_id << 24;
		break;
	case 0x6:
		if (!fix->irqchip)
			e->eax &= ~CPUID6_EAX_ARAT;
		break;
	case 0xb:
	case 0x1f:
		/* The x2APIC ID of this logical processor. */
		if (fix->apic_id)
			e->edx = fix->vcpu_id;
		break;
	}
}

void libhv_kvm_cpuid_fixup(struct hv_cpuid_entry *e, uint32_t n,
			   const struct libhv_kvm_cpuid_fix *fix)
{
	for (uint32_t i = 0; i < n; i++)
		cpuid_fix_one(&e[i], fix);
}

/* ---- events ---- */

int libhv_kvm_event_check(const struct hv_event *ev)
{
	bool ok;

	switch (ev->type) {
	case HV_EVENT_EXCEPTION:
		ok = ev->vector <= 31 && ev->has_error_code <= 1;
		break;
	case HV_EVENT_EXTINT:
		ok = ev->vector >= 16 && !ev->has_error_code;
		break;
	case HV_EVENT_NMI:
		ok = ev->vector == 2 && !ev->has_error_code;
		break;
	default:
		ok = false;
		break;
	}
	if (!ok || ev->padding || !zero(ev->reserved, sizeof(ev->reserved)))
		return libhv_error(-EINVAL,
				   "hv_vcpu_inject: invalid event (type %u, vector %u, has_error_code %u) or non-zero padding",
				   ev->type, ev->vector, ev->has_error_code);
	return 0;
}

/*
 * "Injected", not "pending": without KVM_CAP_EXCEPTION_PAYLOAD that is the
 * only kind userspace may set, and it is delivered at the next entry, as
 * hv delivers its own.
 */
int libhv_kvm_exception_apply(const struct hv_event *ev,
			      struct kvm_vcpu_events *events)
{
	if (events->exception.injected || events->exception.pending)
		return libhv_error(-EBUSY, "hv_vcpu_inject: an exception is pending already");
	events->exception.injected = 1;
	events->exception.pending = 0;
	events->exception.nr = ev->vector;
	events->exception.has_error_code = ev->has_error_code;
	events->exception.error_code = ev->error_code;
	return 0;
}
