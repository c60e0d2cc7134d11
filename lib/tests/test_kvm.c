// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The KVM accelerator's translations (kvm_xlate.c) with made-up KVM
 * structures, and how hv_open() picks an accelerator. No /dev/kvm needed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "../backend.h"
#include "../backend_kvm.h"
#include "fake_hv.h"
#include "test.h"

/* A KVM run mapping as KVM_GET_VCPU_MMAP_SIZE often says: three pages. */
#define KR_SIZE		(3 * 4096)

struct xlate {
	union {
		struct kvm_run kr;
		unsigned char bytes[KR_SIZE];
	};
	struct hv_run run;
	struct libhv_kvm_completion c;
};

static struct xlate *xlate_new(uint32_t kvm_reason)
{
	struct xlate *x = calloc(1, sizeof(*x));

	memset(&x->run, 0xaa, sizeof(x->run));	/* stale: what libhv must overwrite */
	x->kr.exit_reason = kvm_reason;
	x->kr.if_flag = 1;
	x->kr.ready_for_interrupt_injection = 1;
	x->kr.cr8 = 7;
	return x;
}

/* A KVM_EXIT_IO with its data at KVM's usual offset. */
static struct xlate *xlate_io(uint8_t direction, uint8_t size, uint16_t port,
			      uint32_t count)
{
	struct xlate *x = xlate_new(KVM_EXIT_IO);

	x->kr.io.direction = direction;
	x->kr.io.size = size;
	x->kr.io.port = port;
	x->kr.io.count = count;
	x->kr.io.data_offset = LIBHV_KVM_PIO_OFFSET;
	return x;
}

static int xlate(struct xlate *x)
{
	return libhv_kvm_exit_to_hv(&x->kr, KR_SIZE, &x->run, &x->c);
}

static void exit_io_out(void)
{
	struct xlate *x = xlate_io(KVM_EXIT_IO_OUT, 2, 0x3f8, 1);

	x->bytes[LIBHV_KVM_PIO_OFFSET] = 0x34;
	x->bytes[LIBHV_KVM_PIO_OFFSET + 1] = 0x12;
	CHECK_EQ(xlate(x), 0, "KVM_EXIT_IO out translates");
	CHECK_EQ(x->run.exit_reason, HV_EXIT_IO, "OUT is HV_EXIT_IO");
	CHECK_EQ(x->run.io.port, 0x3f8, "OUT port");
	CHECK_EQ(x->run.io.size, 2, "OUT size");
	CHECK_EQ(x->run.io.direction, HV_IO_OUT, "OUT direction");
	CHECK_EQ(x->run.io.count, 1, "OUT count");
	CHECK_EQ(x->run.io.data_offset, HV_RUN_IO_DATA_OFFSET, "OUT data at hv's offset");
	CHECK_EQ(x->run.io.padding, 0, "OUT padding cleared");
	CHECK(x->run.io_data[0] == 0x34 && x->run.io_data[1] == 0x12,
	      "OUT data copied from KVM's data offset");
	CHECK_EQ(x->c.kind, LIBHV_KVM_PENDING, "OUT leaves a completion without data");
	CHECK_EQ(x->run.if_flag, 1, "if_flag");
	CHECK_EQ(x->run.ready_for_interrupt, 1, "ready_for_interrupt");
	CHECK_EQ(x->run.cr8, 7, "cr8");
	free(x);
}

/* REP INSB of 16: the IN data goes back to KVM's data offset. */
static void exit_io_in_string(void)
{
	struct xlate *x = xlate_io(KVM_EXIT_IO_IN, 1, 0x1234, 16);

	CHECK_EQ(xlate(x), 0, "KVM_EXIT_IO in translates");
	CHECK_EQ(x->run.io.direction, HV_IO_IN, "IN direction");
	CHECK_EQ(x->run.io.count, 16, "string IN count");
	CHECK_EQ(x->c.kind, LIBHV_KVM_IO_IN, "IN owes its data");
	CHECK_EQ(x->c.len, 16, "IN owes size x count bytes");
	CHECK_EQ(x->c.kvm_offset, LIBHV_KVM_PIO_OFFSET, "IN data goes to KVM's offset");
	for (int i = 0; i < 16; i++)
		((uint8_t *)&x->run + x->run.io.data_offset)[i] = (uint8_t)('A' + i);
	libhv_kvm_complete(&x->run, &x->kr, &x->c);
	CHECK(!memcmp(x->bytes + LIBHV_KVM_PIO_OFFSET, "ABCDEFGHIJKLMNOP", 16),
	      "completion copies the IN data to KVM");
	CHECK_EQ(x->bytes[LIBHV_KVM_PIO_OFFSET + 16], 0, "and no more");
	free(x);
}

static void exit_io_malformed(void)
{
	struct xlate *x = xlate_io(KVM_EXIT_IO_OUT, 4, 0x80, 1);

	x->kr.io.data_offset = KR_SIZE - 2;
	CHECK_EQ(xlate(x), -EPROTO, "I/O data past KVM's mapping is -EPROTO");
	CHECK(strstr(hv_error_detail(), "I/O exit") != NULL, "detail: %s", hv_error_detail());
	x->kr.io.data_offset = LIBHV_KVM_PIO_OFFSET;
	x->kr.io.count = HV_RUN_IO_DATA_SIZE / 4 + 1;
	CHECK_EQ(xlate(x), -EPROTO, "I/O data larger than hv's data area is -EPROTO");
	x->kr.io.count = HV_RUN_IO_DATA_SIZE / 4;
	CHECK_EQ(xlate(x), 0, "exactly hv's data area fits");
	free(x);
}

static void exit_mmio(void)
{
	struct xlate *x = xlate_new(KVM_EXIT_MMIO);
	uint64_t data = 0x1122334455667788ULL;

	x->kr.mmio.phys_addr = 0xc0001238;
	x->kr.mmio.len = 4;
	x->kr.mmio.is_write = 0;
	memset(x->kr.mmio.data, 0xee, sizeof(x->kr.mmio.data));
	CHECK_EQ(xlate(x), 0, "MMIO read translates");
	CHECK_EQ(x->run.exit_reason, HV_EXIT_MMIO, "HV_EXIT_MMIO");
	CHECK_EQ(x->run.mmio.gpa, 0xc0001238, "MMIO gpa");
	CHECK_EQ(x->run.mmio.size, 4, "MMIO size");
	CHECK_EQ(x->run.mmio.is_write, 0, "MMIO read");
	CHECK_EQ(x->run.mmio.data, 0, "a read's data starts at 0");
	CHECK_EQ(x->c.kind, LIBHV_KVM_MMIO_READ, "a read owes its value");
	x->run.mmio.data = data;
	libhv_kvm_complete(&x->run, &x->kr, &x->c);
	CHECK(!memcmp(x->kr.mmio.data, &data, 4) && x->kr.mmio.data[4] == 0xee,
	      "completion copies the low size bytes");

	x->kr.mmio.is_write = 1;
	x->kr.mmio.len = 2;
	memcpy(x->kr.mmio.data, &data, 8);
	CHECK_EQ(xlate(x), 0, "MMIO write translates");
	CHECK_EQ(x->run.mmio.is_write, 1, "MMIO write");
	CHECK_EQ(x->run.mmio.data, 0x7788, "a write's data: the low size bytes");
	CHECK_EQ(x->c.kind, LIBHV_KVM_PENDING, "a write owes nothing but the re-entry");

	x->kr.mmio.len = 9;
	CHECK_EQ(xlate(x), -EPROTO, "a 9-byte MMIO access is -EPROTO");
	x->kr.mmio.len = 0;
	CHECK_EQ(xlate(x), -EPROTO, "a 0-byte MMIO access is -EPROTO");
	free(x);
}

static void exit_plain(void)
{
	static const struct {
		uint32_t kvm, hv;
	} plain[] = {
		{ KVM_EXIT_HLT, HV_EXIT_HLT },
		{ KVM_EXIT_SHUTDOWN, HV_EXIT_SHUTDOWN },
		{ KVM_EXIT_IRQ_WINDOW_OPEN, HV_EXIT_IRQ_WINDOW_OPEN },
		{ KVM_EXIT_INTR, HV_EXIT_INTERRUPTED },
	};

	for (size_t i = 0; i < LIBHV_ARRAY_SIZE(plain); i++) {
		struct xlate *x = xlate_new(plain[i].kvm);

		CHECK_EQ(xlate(x), 0, "KVM exit %u translates", plain[i].kvm);
		CHECK_EQ(x->run.exit_reason, plain[i].hv, "KVM exit %u is %s", plain[i].kvm,
			 hv_exit_name(plain[i].hv));
		CHECK_EQ(x->c.kind, LIBHV_KVM_NONE, "KVM exit %u owes nothing", plain[i].kvm);
		free(x);
	}
}

static void exit_fail_entry(void)
{
	struct xlate *x = xlate_new(KVM_EXIT_FAIL_ENTRY);

	x->kr.fail_entry.hardware_entry_failure_reason = 0x80000021;
	x->kr.fail_entry.cpu = 3;
	CHECK_EQ(xlate(x), 0, "FAIL_ENTRY translates");
	CHECK_EQ(x->run.exit_reason, HV_EXIT_FAIL_ENTRY, "HV_EXIT_FAIL_ENTRY");
	CHECK_EQ(x->run.fail.hw_reason, 0x80000021, "hardware reason");
	CHECK_EQ(x->run.fail.cpu, 3, "host CPU");
	free(x);
}

static void exit_internal(void)
{
	static const struct {
		uint32_t kvm, hv;
	} sub[] = {
		{ KVM_INTERNAL_ERROR_EMULATION, HV_INTERNAL_EMULATION },
		{ KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON, HV_INTERNAL_UNHANDLED_EXIT },
		{ KVM_INTERNAL_ERROR_SIMUL_EX, HV_INTERNAL_KVM_BASE + KVM_INTERNAL_ERROR_SIMUL_EX },
		{ KVM_INTERNAL_ERROR_DELIVERY_EV, HV_INTERNAL_KVM_BASE + KVM_INTERNAL_ERROR_DELIVERY_EV },
	};

	for (size_t i = 0; i < LIBHV_ARRAY_SIZE(sub); i++) {
		struct xlate *x = xlate_new(KVM_EXIT_INTERNAL_ERROR);

		x->kr.internal.suberror = sub[i].kvm;
		x->kr.internal.ndata = 16;
		for (int w = 0; w < 16; w++)
			x->kr.internal.data[w] = 0x100 + w;
		CHECK_EQ(xlate(x), 0, "internal error %u translates", sub[i].kvm);
		CHECK_EQ(x->run.exit_reason, HV_EXIT_INTERNAL_ERROR, "HV_EXIT_INTERNAL_ERROR");
		CHECK_EQ(x->run.internal.suberror, sub[i].hv, "KVM suberror %u", sub[i].kvm);
		CHECK_EQ(x->run.internal.ndata, 8, "16 data words are cut to hv's 8");
		CHECK_EQ(x->run.internal.data[7], 0x107, "data words as KVM gave them");
		free(x);
	}
	CHECK_STR(hv_internal_error_name(HV_INTERNAL_KVM_BASE + KVM_INTERNAL_ERROR_SIMUL_EX),
		  "KVM: simultaneous exceptions", "name of KVM's SIMUL_EX");
	CHECK_STR(hv_internal_error_name(HV_INTERNAL_KVM_BASE + 99), "KVM internal error",
		  "name of a KVM suberror libhv does not know");
}

static void exit_hypercall(void)
{
	struct xlate *x = xlate_new(KVM_EXIT_HYPERCALL);

	x->kr.hypercall.nr = 12;
	for (int i = 0; i < 6; i++)
		x->kr.hypercall.args[i] = i + 1;
	x->kr.hypercall.ret = 99;
	CHECK_EQ(xlate(x), 0, "hypercall translates");
	CHECK_EQ(x->run.exit_reason, HV_EXIT_HYPERCALL, "HV_EXIT_HYPERCALL");
	CHECK_EQ(x->run.hypercall.nr, 12, "nr");
	CHECK_EQ(x->run.hypercall.args[5], 6, "args");
	CHECK_EQ(x->run.hypercall.ret, 0, "ret starts at 0, as on hv");
	x->run.hypercall.ret = 0xabc;
	libhv_kvm_complete(&x->run, &x->kr, &x->c);
	CHECK_EQ(x->kr.hypercall.ret, 0xabc, "completion copies ret");
	free(x);
}

static void exit_unknown(void)
{
	struct xlate *x = xlate_new(KVM_EXIT_DEBUG);

	CHECK_EQ(xlate(x), 0, "an exit libhv has no name for translates");
	CHECK_EQ(x->run.exit_reason, HV_EXIT_INTERNAL_ERROR, "as HV_EXIT_INTERNAL_ERROR");
	CHECK_EQ(x->run.internal.suberror, HV_INTERNAL_UNHANDLED_EXIT, "unhandled exit");
	CHECK_EQ(x->run.internal.ndata, 1, "one data word");
	CHECK_EQ(x->run.internal.data[0], KVM_EXIT_DEBUG, "KVM's exit reason");
	free(x);

	x = xlate_new(KVM_EXIT_UNKNOWN);
	x->kr.hw.hardware_exit_reason = 0x7b;
	CHECK_EQ(xlate(x), 0, "KVM_EXIT_UNKNOWN translates");
	CHECK_EQ(x->run.internal.ndata, 2, "with the hardware reason");
	CHECK_EQ(x->run.internal.data[1], 0x7b, "hardware reason");
	free(x);

	x = xlate_new(1000);
	CHECK_EQ(xlate(x), 0, "an exit reason past KVM's table translates");
	CHECK_EQ(x->run.internal.data[0], 1000, "its number");
	free(x);
}

static void sync_bits(void)
{
	CHECK_EQ(libhv_kvm_sync_bits(0), 0, "nothing");
	CHECK_EQ(libhv_kvm_sync_bits(HV_SYNC_REGS), KVM_SYNC_X86_REGS, "regs");
	CHECK_EQ(libhv_kvm_sync_bits(HV_SYNC_ALL), KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS,
		 "regs and sregs");
	CHECK_EQ(libhv_kvm_sync_bits(1U << 7), 0, "unknown bits ask KVM for nothing");
}

static void regs(void)
{
	struct kvm_regs k, back;
	struct hv_regs h;
	uint64_t *w = (uint64_t *)&k;

	for (size_t i = 0; i < sizeof(k) / 8; i++)
		w[i] = 0x0101010101010101ULL * (i + 1);
	libhv_kvm_regs_to_hv(&k, &h);
	CHECK(h.rax == k.rax && h.rbx == k.rbx && h.rsp == k.rsp && h.r8 == k.r8 &&
	      h.r15 == k.r15 && h.rip == k.rip && h.rflags == k.rflags,
	      "kvm_regs to hv_regs, field by field");
	memset(&back, 0, sizeof(back));
	libhv_kvm_regs_from_hv(&h, &back);
	CHECK(!memcmp(&k, &back, sizeof(k)), "and back");
}

static void fill_seg(struct kvm_segment *s, int n)
{
	*s = (struct kvm_segment){
		.base = 0x1000ULL * n, .limit = 0xfffff, .selector = (uint16_t)(8 * n),
		.type = 0xb, .present = 1, .dpl = 3, .db = 1, .s = 1, .l = 0, .g = 1,
		.avl = 1, .unusable = 0,
	};
}

static void sregs(void)
{
	struct kvm_sregs k, back;
	struct hv_sregs h;

	memset(&k, 0, sizeof(k));
	fill_seg(&k.cs, 1);
	fill_seg(&k.ss, 2);
	fill_seg(&k.tr, 3);
	k.ldt.unusable = 1;
	k.gdt = (struct kvm_dtable){ .base = 0x5000, .limit = 0x3f };
	k.idt = (struct kvm_dtable){ .base = 0x6000, .limit = 0xfff };
	k.cr0 = 0x80050033;
	k.cr2 = 0x12345000;
	k.cr3 = 0x7000;
	k.cr4 = 0x6f0;
	k.cr8 = 5;
	k.efer = 0xd01;
	k.apic_base = 0xfee00900;
	k.interrupt_bitmap[1] = 1ULL << 3;	/* KVM's pending vector 67 */
	memset(&h, 0xff, sizeof(h));
	libhv_kvm_sregs_to_hv(&k, &h);
	CHECK(h.cs.base == 0x1000 && h.cs.selector == 8 && h.cs.type == 0xb &&
	      h.cs.dpl == 3 && h.cs.g == 1 && h.cs.avl == 1 && h.cs.padding == 0,
	      "segment fields");
	CHECK(h.ss.selector == 16 && h.tr.base == 0x3000 && h.ldt.unusable == 1,
	      "every segment register");
	CHECK(h.gdt.base == 0x5000 && h.gdt.limit == 0x3f && h.idt.limit == 0xfff &&
	      !h.gdt.padding[0] && !h.idt.padding[2], "descriptor tables");
	CHECK(h.cr0 == k.cr0 && h.cr2 == k.cr2 && h.cr3 == k.cr3 && h.cr4 == k.cr4 &&
	      h.cr8 == 5 && h.efer == 0xd01 && h.apic_base == 0xfee00900,
	      "control registers, EFER, APIC base");
	CHECK(!h.reserved[0] && !h.reserved[7], "reserved cleared");

	back = k;
	memset(&back.cs, 0, sizeof(back.cs));
	back.cr3 = 0;
	CHECK_EQ(libhv_kvm_sregs_from_hv(&h, &back), 0, "hv_sregs to kvm_sregs");
	CHECK(!memcmp(&back, &k, sizeof(k)), "round trip, KVM's interrupt bitmap kept");

	h.cs.padding = 1;
	back = k;
	back.cr3 = 0x9000;
	CHECK_EQ(libhv_kvm_sregs_from_hv(&h, &back), -EINVAL, "segment padding is -EINVAL");
	CHECK_EQ(back.cr3, 0x9000, "and changes nothing");
	h.cs.padding = 0;
	h.idt.padding[1] = 1;
	CHECK_EQ(libhv_kvm_sregs_from_hv(&h, &back), -EINVAL, "table padding is -EINVAL");
	h.idt.padding[1] = 0;
	h.reserved[7] = 1;
	CHECK_EQ(libhv_kvm_sregs_from_hv(&h, &back), -EINVAL, "reserved is -EINVAL");
}

static void cpuid_entries(void)
{
	struct kvm_cpuid_entry2 k = {
		.function = 7, .index = 0,
		.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX | KVM_CPUID_FLAG_STATEFUL_FUNC,
		.eax = 1, .ebx = 2, .ecx = 3, .edx = 4,
	}, back;
	struct hv_cpuid_entry h;

	libhv_kvm_cpuid_to_hv(&k, &h);
	CHECK(h.function == 7 && h.eax == 1 && h.ebx == 2 && h.ecx == 3 && h.edx == 4,
	      "leaf and registers");
	CHECK_EQ(h.flags, HV_CPUID_FLAG_INDEXED, "KVM's other flags are not hv's");
	CHECK_EQ(libhv_kvm_cpuid_from_hv(&h, &back), 0, "back to KVM");
	CHECK_EQ(back.flags, KVM_CPUID_FLAG_SIGNIFCANT_INDEX, "indexed");

	h = (struct hv_cpuid_entry){ .function = 0x40000000, .index = 5 };
	CHECK_EQ(libhv_kvm_cpuid_from_hv(&h, &back), 0, "a leaf without index");
	CHECK_EQ(back.index, 0, "its index means nothing: 0");
	h.flags = 1U << 1;
	CHECK_EQ(libhv_kvm_cpuid_from_hv(&h, &back), -EINVAL, "unknown flags are -EINVAL");
	h.flags = 0;
	h.padding = 1;
	CHECK_EQ(libhv_kvm_cpuid_from_hv(&h, &back), -EINVAL, "padding is -EINVAL");
}

static void cpuid_fixup(void)
{
	struct hv_cpuid_entry t[4] = {
		{ .function = 1, .ebx = 0xff0800, .ecx = 1U << 21 | 1U << 24, .edx = 1U << 9 | 1 },
		{ .function = 6, .eax = 1U << 2 | 1 },
		{ .function = 0xb, .index = 1, .flags = HV_CPUID_FLAG_INDEXED, .edx = 9 },
		{ .function = 0x80000001, .ecx = 0x1234 },
	};
	struct libhv_kvm_cpuid_fix fix = { .irqchip = false };

	libhv_kvm_cpuid_fixup(t, 4, &fix);
	CHECK_EQ(t[0].ecx, 1U << 31, "no irqchip: no x2APIC, no TSC deadline; HYPERVISOR set");
	CHECK_EQ(t[0].edx, 1, "no irqchip: no APIC");
	CHECK_EQ(t[1].eax, 1, "no irqchip: no ARAT");
	CHECK_EQ(t[0].ebx, 0xff0800, "no apic_id: EBX kept");
	CHECK_EQ(t[2].edx, 9, "no apic_id: leaf 0xb kept");
	CHECK_EQ(t[3].ecx, 0x1234, "other leaves kept");

	fix = (struct libhv_kvm_cpuid_fix){
		.irqchip = true, .tsc_deadline = true, .apic_id = true, .vcpu_id = 3,
	};
	libhv_kvm_cpuid_fixup(t, 4, &fix);
	CHECK_EQ(t[0].ecx, 1U << 31 | 1U << 21 | 1U << 24, "irqchip: x2APIC, TSC deadline");
	CHECK_EQ(t[0].edx, 1U << 9 | 1, "irqchip: APIC");
	CHECK_EQ(t[0].ebx, 0x03ff0800, "initial APIC ID in CPUID.1:EBX[31:24]");
	CHECK_EQ(t[2].edx, 3, "x2APIC ID in leaf 0xb");
	fix.tsc_deadline = false;
	libhv_kvm_cpuid_fixup(t, 4, &fix);
	CHECK_EQ(t[0].ecx & (1U << 24), 0, "no TSC deadline without KVM's capability");
}

static void events(void)
{
	static const struct hv_event bad[] = {
		{ .type = 0, .vector = 13 },
		{ .type = 4, .vector = 13 },
		{ .type = HV_EVENT_EXCEPTION, .vector = 32 },
		{ .type = HV_EVENT_EXCEPTION, .vector = 13, .has_error_code = 2 },
		{ .type = HV_EVENT_EXTINT, .vector = 15 },
		{ .type = HV_EVENT_EXTINT, .vector = 0x40, .has_error_code = 1 },
		{ .type = HV_EVENT_NMI, .vector = 3 },
		{ .type = HV_EVENT_NMI, .vector = 2, .has_error_code = 1 },
		{ .type = HV_EVENT_EXCEPTION, .vector = 13, .padding = 1 },
		{ .type = HV_EVENT_EXCEPTION, .vector = 13, .reserved[2] = 1 },
	};
	struct hv_event gp = { .type = HV_EVENT_EXCEPTION, .vector = 13,
			       .has_error_code = 1, .error_code = 0x18 };
	struct kvm_vcpu_events ev;

	for (size_t i = 0; i < LIBHV_ARRAY_SIZE(bad); i++)
		CHECK_EQ(libhv_kvm_event_check(&bad[i]), -EINVAL, "invalid event %zu", i);
	CHECK_EQ(libhv_kvm_event_check(&gp), 0, "#GP(0x18) is valid");
	CHECK_EQ(libhv_kvm_event_check(&(struct hv_event){ .type = HV_EVENT_EXTINT,
							    .vector = 0x40 }), 0,
		 "interrupt 0x40 is valid");
	CHECK_EQ(libhv_kvm_event_check(&(struct hv_event){ .type = HV_EVENT_NMI,
							    .vector = 2 }), 0, "NMI is valid");

	memset(&ev, 0, sizeof(ev));
	ev.nmi.pending = 1;
	CHECK_EQ(libhv_kvm_exception_apply(&gp, &ev), 0, "exception into KVM's events");
	CHECK(ev.exception.injected == 1 && ev.exception.pending == 0 &&
	      ev.exception.nr == 13 && ev.exception.has_error_code == 1 &&
	      ev.exception.error_code == 0x18, "as an injected exception");
	CHECK_EQ(ev.nmi.pending, 1, "the rest of the events kept");
	CHECK_EQ(libhv_kvm_exception_apply(&gp, &ev), -EBUSY, "a second one is -EBUSY");
}

static void accel_pick(void)
{
	const struct libhv_backend_ops *ops = NULL;
	struct stat st = { .st_mode = S_IFCHR, .st_rdev = makedev(10, 232) };
	struct hv *hv = NULL;

	CHECK(!libhv_accel_by_name(NULL, &ops) && ops == &libhv_backend_hv, "unset: hv");
	CHECK(!libhv_accel_by_name("", &ops) && ops == &libhv_backend_hv, "empty: hv");
	CHECK(!libhv_accel_by_name("hv", &ops) && ops == &libhv_backend_hv, "hv");
	CHECK(!libhv_accel_by_name("kvm", &ops) && ops == &libhv_backend_kvm, "kvm");
	CHECK_EQ(libhv_accel_by_name("xen", &ops), -EINVAL, "anything else is -EINVAL");
	CHECK_STR(hv_error_detail(), "HV_ACCEL=xen: unknown accelerator (hv or kvm)",
		  "and says so");
	CHECK(libhv_accel_of_device(&st) == &libhv_backend_kvm, "10:232 is KVM");
	st.st_rdev = makedev(10, 233);
	CHECK(libhv_accel_of_device(&st) == &libhv_backend_hv, "another misc device is hv");
	st = (struct stat){ .st_mode = S_IFREG, .st_rdev = makedev(10, 232) };
	CHECK(libhv_accel_of_device(&st) == &libhv_backend_hv, "a regular file is hv");

	setenv(LIBHV_ACCEL_ENV, "bochs", 1);
	CHECK_EQ(hv_open(NULL, &hv), -EINVAL, "hv_open(NULL) with HV_ACCEL=bochs");
	fake_reset();
	CHECK_EQ(hv_open(fake_path(), &hv), 0, "a path wins over HV_ACCEL");
	CHECK_STR(hv_accel_name(hv), "hv", "the fake device is hv");
	hv_close(hv);
	unsetenv(LIBHV_ACCEL_ENV);
	CHECK(hv_accel_name(NULL) == NULL, "hv_accel_name(NULL) is NULL");
	CHECK_EQ(hv_open("/nonexistent/kvm", &hv), -ENOENT, "a missing kvm device");
	CHECK(strstr(hv_error_detail(), "KVM is not available") != NULL,
	      "says KVM is missing: %s", hv_error_detail());
}

void test_kvm(void)
{
	exit_io_out();
	exit_io_in_string();
	exit_io_malformed();
	exit_mmio();
	exit_plain();
	exit_fail_entry();
	exit_internal();
	exit_hypercall();
	exit_unknown();
	sync_bits();
	regs();
	sregs();
	cpuid_entries();
	cpuid_fixup();
	events();
	accel_pick();
}
