// SPDX-License-Identifier: GPL-2.0
/*
 * Host side of the selftest guests: build a VM that runs this binary's own
 * code (see guest.h), and decode ucalls.
 */
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>

#include "guest.h"

#define X86_CR0_MP	(1ULL << 1)
#define X86_CR0_EM	(1ULL << 2)
#define X86_CR0_TS	(1ULL << 3)
#define X86_CR4_OSFXSR	(1ULL << 9)
#define X86_CR4_OSXMMEXCPT (1ULL << 10)

/* See guest.h; the IDT stubs in guest_idt.S write these. */
volatile uint64_t guest_exc_vector;
volatile uint64_t guest_exc_error;
volatile uint64_t guest_exc_rip;
volatile uint64_t guest_exc_count;
volatile uint64_t guest_exc_expected;
volatile uint64_t guest_exc_skip;
volatile uint64_t guest_backend;
void (*volatile guest_irq_hook)(uint64_t vector);

/* Where a guest entry function returns to (guest_idt.S). */
extern char guest_return_trap[];

GUEST_CODE void guest_ucall(uint64_t type, uint64_t a0, uint64_t a1,
			    uint64_t a2, const char *file, uint64_t line,
			    const char *msg)
{
	struct ucall uc;

	/* Field by field: a struct initializer may become a memset call. */
	uc.type = type;
	uc.args[0] = a0;
	uc.args[1] = a1;
	uc.args[2] = a2;
	uc.args[3] = 0;
	uc.file = (uint64_t)file;
	uc.line = line;
	uc.msg = (uint64_t)msg;
	asm volatile("outb %%al, %[port]"
		     : : "a"(0), [port] "i"(UCALL_PORT), "D"(&uc) : "memory");
}

void *guest_obj(struct hv_vm *vm, const volatile void *obj, size_t len)
{
	return hv_vm_gpa_to_host(vm, (uint64_t)(uintptr_t)obj, len);
}

int guest_load_blob(struct hv_vm *vm, uint64_t gpa, const void *start,
		    const void *end)
{
	return hv_vm_write(vm, gpa, start,
			   (const char *)end - (const char *)start);
}

/* Copy every PT_LOAD segment of this (static, non-PIE) binary to its GPA. */
static int copy_image(struct hv_vm *vm)
{
	const ElfW(Phdr) *phdr = (const void *)getauxval(AT_PHDR);
	unsigned long phnum = getauxval(AT_PHNUM);
	unsigned long i;
	int r;

	if (!phdr || !phnum)
		return -ENOEXEC;
	for (i = 0; i < phnum; i++) {
		const ElfW(Phdr) *ph = &phdr[i];

		if (ph->p_type != PT_LOAD || !ph->p_memsz)
			continue;
		if (ph->p_vaddr + ph->p_memsz >
		    GUEST_STACK_TOP - GUEST_MAX_STACKS * GUEST_STACK_SIZE)
			return -EFBIG;
		r = hv_vm_write(vm, ph->p_vaddr, (const void *)ph->p_vaddr,
				ph->p_memsz);
		if (r)
			return r;
	}
	return 0;
}

int guest_vm_create(struct hv *hv, struct hv_vm **out)
{
	struct hv_vm *vm;
	uint64_t backend;
	int r;

	r = hv_check_cap(hv, HV_CAP_BACKEND, &backend);
	if (r)
		return r;
	r = hv_vm_create(hv, &vm);
	if (r)
		return r;
	r = hv_vm_alloc_memory(vm, GUEST_MEM_SLOT, 0, GUEST_MEM_SIZE, 0, NULL);
	if (r)
		goto err;
	r = copy_image(vm);
	if (r)
		goto err;
	GUEST_VAR(vm, guest_backend) = backend;
	*out = vm;
	return 0;
err:
	hv_vm_destroy(vm);
	return r;
}

/* A 64-bit interrupt gate (AMD APM vol. 2, 4.8.3; SDM vol. 3, 6.14.1). */
struct idt_gate64 {
	uint16_t offset0;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset1;
	uint32_t offset2;
	uint32_t reserved;
};

#define IDT_INTERRUPT_GATE	0x8e	/* present, DPL 0, type 0xe */
#define GUEST_ISR_STUB_SIZE	16

static int write_idt(struct hv_vm *vm, uint16_t cs)
{
	struct idt_gate64 *idt;
	int v;

	idt = hv_vm_gpa_to_host(vm, GUEST_IDT_GPA, 256 * sizeof(*idt));
	if (!idt)
		return -EFAULT;
	for (v = 0; v < 256; v++) {
		uint64_t isr = (uint64_t)(uintptr_t)guest_isr_stubs +
			       v * GUEST_ISR_STUB_SIZE;

		idt[v].offset0 = isr & 0xffff;
		idt[v].selector = cs;
		idt[v].ist = 0;
		idt[v].type_attr = IDT_INTERRUPT_GATE;
		idt[v].offset1 = (isr >> 16) & 0xffff;
		idt[v].offset2 = isr >> 32;
		idt[v].reserved = 0;
	}
	return 0;
}

int guest_vcpu_entry(struct hv_vcpu *vcpu, void *entry, uint64_t arg0,
		     uint64_t arg1)
{
	struct hv_regs regs;
	int r;

	r = hv_vcpu_get_regs(vcpu, &regs);
	if (r)
		return r;
	regs.rip = (uint64_t)(uintptr_t)entry;
	regs.rdi = arg0;
	regs.rsi = arg1;
	return hv_vcpu_set_regs(vcpu, &regs);
}

int guest_vcpu_init(struct hv_vcpu *vcpu, void *entry)
{
	struct hv_vm *vm = hv_vcpu_vm(vcpu);
	uint64_t stack = GUEST_STACK_TOP -
			 (uint64_t)hv_vcpu_id(vcpu) * GUEST_STACK_SIZE;
	uint64_t ret_addr = (uint64_t)(uintptr_t)guest_return_trap;
	struct hv_setup setup = {
		.mode = HV_MODE_LONG,
		/* As if called: RSP + 8 is 16-byte aligned at the entry. */
		.stack = stack - 8,
		.entry = (uint64_t)(uintptr_t)(entry ? entry : guest_return_trap),
		.tables = GUEST_TABLES_GPA,
	};
	struct hv_sregs sregs;
	int r;

	if (hv_vcpu_id(vcpu) >= GUEST_MAX_STACKS)
		return -EINVAL;
	r = hv_vcpu_setup_mode(vcpu, &setup);
	if (r)
		return r;
	r = hv_vm_write(vm, stack - 8, &ret_addr, sizeof(ret_addr));
	if (r)
		return r;
	r = hv_vcpu_get_sregs(vcpu, &sregs);
	if (r)
		return r;
	r = write_idt(vm, sregs.cs.selector);
	if (r)
		return r;
	sregs.idt.base = GUEST_IDT_GPA;
	sregs.idt.limit = 256 * sizeof(struct idt_gate64) - 1;
	/* SSE usable whatever the mode helper chose (the XSAVE tests use it). */
	sregs.cr0 = (sregs.cr0 & ~(X86_CR0_EM | X86_CR0_TS)) | X86_CR0_MP;
	sregs.cr4 |= X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	r = hv_vcpu_set_sregs(vcpu, &sregs);
	if (r)
		return r;
	hv_vcpu_run_page(vcpu)->sync_regs |= HV_SYNC_REGS;
	return 0;
}

int guest_vcpu_add(struct hv_vm *vm, uint32_t id, void *entry,
		   struct hv_vcpu **out)
{
	struct hv_vcpu *vcpu;
	int r;

	if (id >= GUEST_MAX_STACKS)
		return -EINVAL;
	r = hv_vcpu_create(vm, id, &vcpu);
	if (r)
		return r;
	r = guest_vcpu_init(vcpu, entry);
	if (r) {
		hv_vcpu_destroy(vcpu);
		return r;
	}
	*out = vcpu;
	return 0;
}

uint64_t ucall_get(struct hv_vcpu *vcpu, struct ucall *uc)
{
	struct hv_run *run = hv_vcpu_run_page(vcpu);
	const struct ucall *guest_uc;

	if (run->exit_reason != HV_EXIT_IO || run->io.port != UCALL_PORT ||
	    run->io.direction != HV_IO_OUT)
		return UCALL_NONE;
	guest_uc = hv_vm_gpa_to_host(hv_vcpu_vm(vcpu), run->regs.rdi,
				     sizeof(*guest_uc));
	if (!guest_uc)
		return UCALL_NONE;
	memcpy(uc, guest_uc, sizeof(*uc));
	return uc->type;
}

const char *guest_string(struct hv_vm *vm, uint64_t gva)
{
	const char *s;
	size_t n;

	if (!gva)
		return "";
	/* A string must end inside the slot; look at most 256 bytes ahead. */
	for (n = 256; n; n /= 2) {
		s = hv_vm_gpa_to_host(vm, gva, n);
		if (s && memchr(s, 0, n))
			return s;
	}
	return "(bad guest string)";
}

const char *exit_describe(struct hv_run *run, char *buf, size_t len)
{
	const char *name = hv_exit_name(run->exit_reason);

	switch (run->exit_reason) {
	case HV_EXIT_IO:
		snprintf(buf, len, "%s: port 0x%x %s size %u count %u", name,
			 run->io.port,
			 run->io.direction == HV_IO_OUT ? "out" : "in",
			 run->io.size, run->io.count);
		break;
	case HV_EXIT_MMIO:
		snprintf(buf, len, "%s: gpa 0x%llx %s size %u data 0x%llx",
			 name, (unsigned long long)run->mmio.gpa,
			 run->mmio.is_write ? "write" : "read", run->mmio.size,
			 (unsigned long long)run->mmio.data);
		break;
	case HV_EXIT_HYPERCALL:
		snprintf(buf, len, "%s: nr 0x%llx", name,
			 (unsigned long long)run->hypercall.nr);
		break;
	case HV_EXIT_FAIL_ENTRY:
		snprintf(buf, len, "%s: hw_reason 0x%llx cpu %u", name,
			 (unsigned long long)run->fail.hw_reason,
			 run->fail.cpu);
		break;
	case HV_EXIT_INTERNAL_ERROR:
		snprintf(buf, len, "%s: suberror %u data 0x%llx 0x%llx 0x%llx",
			 name, run->internal.suberror,
			 (unsigned long long)run->internal.data[0],
			 (unsigned long long)run->internal.data[1],
			 (unsigned long long)run->internal.data[2]);
		break;
	default:
		snprintf(buf, len, "%s (%u)", name, run->exit_reason);
		break;
	}
	snprintf(buf + strlen(buf), len - strlen(buf), " at rip 0x%llx",
		 (unsigned long long)run->regs.rip);
	return buf;
}
