/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest code for the hv selftests, after the KVM selftests: guest code is
 * plain C inside the (static, non-PIE) test binary. The host copies its own
 * loaded image into guest memory at GPA == virtual address and runs the vCPU
 * in long mode on identity-mapped page tables, so a guest function runs at
 * the address it was linked at and sees the binary's .rodata and .data.
 *
 * The guest talks to the host with "ucalls": it fills a struct ucall on its
 * stack and executes OUT to UCALL_PORT with the struct's address in RDI. The
 * host sees HV_EXIT_IO on that port, reads RDI from the run page (sync_regs
 * includes HV_SYNC_REGS) and copies the struct out of guest memory.
 *
 * Guest functions must be self-contained: no libc (the compiler must not
 * emit memset/memcpy calls either: the selftests build with
 * -fno-tree-loop-distribute-patterns and guest code avoids struct copies),
 * no SSE (GUEST_CODE is general-regs-only, so XMM state stays what the test
 * put there), no TLS, no stack protector. Mark every guest function
 * GUEST_CODE and every guest helper GUEST_INLINE.
 *
 * This header does not include the kselftest harness; test_util.h adds the
 * assertion helpers on top of it.
 */
#ifndef HV_SELFTEST_GUEST_H
#define HV_SELFTEST_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libhv.h"

/* ---- guest-physical layout of a test VM ---- */

/* One slot of this size at GPA 0 holds everything below. */
#define GUEST_MEM_SLOT		0
#define GUEST_MEM_SIZE		(64ULL << 20)
/* Real and protected mode code blobs are copied here (below 64 KiB). */
#define GUEST_CODE16_GPA	0x8000ULL
/* Real mode stack pointer (below 64 KiB, SS = 0). */
#define GUEST_STACK16		0x7000ULL
/* hv_vcpu_setup_mode() GDT and page tables (HV_SETUP_TABLES_SIZE bytes). */
#define GUEST_TABLES_GPA	0x10000ULL
/* The 64-bit IDT built by guest_vcpu_init(): 256 gates of 16 bytes. */
#define GUEST_IDT_GPA		0x18000ULL
/* Scratch pages tests may use freely (page tables of their own...). */
#define GUEST_SCRATCH_GPA	0x20000ULL
#define GUEST_SCRATCH_SIZE	0x20000ULL
/* The test binary's image starts at 0x400000 (the default link address). */
/* vCPU stacks, from the top of the slot down, one per vCPU id. */
#define GUEST_STACK_TOP		(GUEST_MEM_SIZE - 0x1000)
#define GUEST_STACK_SIZE	0x40000ULL
#define GUEST_MAX_STACKS	16
/* Extra slots of the tests go here (identity mapped, outside slot 0). */
#define GUEST_EXTRA_GPA		0x10000000ULL
/* In no slot: accesses here are MMIO exits. Below 4 GiB (mapped). */
#define GUEST_MMIO_GPA		0xc0000000ULL

/* ---- ucall ---- */

/* Not 0x3f8 (serial) or 0xf4 (QEMU exit); 0xe9 is the Bochs debug port. */
#define UCALL_PORT		0xe9

#define UCALL_NONE		0	/* the exit was not a ucall */
#define UCALL_SYNC		1	/* args[] hold values for the host */
#define UCALL_DONE		2	/* the guest finished */
#define UCALL_ABORT		3	/* a guest assertion failed */

/**
 * struct ucall - a guest request to the host; lives on the guest's stack
 * @type: UCALL_*.
 * @args: values (for UCALL_ABORT: the two compared values, or the
 *	exception vector, RIP and error code of an unexpected exception).
 * @file: guest address of the source file name (a string in .rodata).
 * @line: source line.
 * @msg: guest address of a message, 0 for none.
 */
struct ucall {
	uint64_t type;
	uint64_t args[4];
	uint64_t file;
	uint64_t line;
	uint64_t msg;
};

/* ---- guest code ---- */

#define GUEST_CODE	__attribute__((noinline, target("general-regs-only")))
#define GUEST_INLINE \
	static inline __attribute__((always_inline, target("general-regs-only")))

GUEST_CODE void guest_ucall(uint64_t type, uint64_t a0, uint64_t a1,
			    uint64_t a2, const char *file, uint64_t line,
			    const char *msg);

#define GUEST_SYNC(v) \
	guest_ucall(UCALL_SYNC, (uint64_t)(v), 0, 0, __FILE__, __LINE__, NULL)
#define GUEST_SYNC2(a, b) \
	guest_ucall(UCALL_SYNC, (uint64_t)(a), (uint64_t)(b), 0, __FILE__, \
		    __LINE__, NULL)
#define GUEST_DONE() \
	guest_ucall(UCALL_DONE, 0, 0, 0, __FILE__, __LINE__, NULL)
#define GUEST_FAIL(msg) \
	guest_ucall(UCALL_ABORT, 0, 0, 0, __FILE__, __LINE__, msg)
#define GUEST_ASSERT(cond) do { \
	if (!(cond)) \
		guest_ucall(UCALL_ABORT, 0, 0, 0, __FILE__, __LINE__, \
			    "GUEST_ASSERT(" #cond ")"); \
} while (0)
#define GUEST_ASSERT_EQ(a, b) do { \
	uint64_t __ga = (uint64_t)(a), __gb = (uint64_t)(b); \
	if (__ga != __gb) \
		guest_ucall(UCALL_ABORT, __ga, __gb, 0, __FILE__, __LINE__, \
			    "GUEST_ASSERT_EQ(" #a ", " #b ")"); \
} while (0)

/*
 * Guest exception bookkeeping, written by the IDT stubs (lib/guest_idt.S)
 * for every vector the guest takes. Exceptions (vectors 0-31 but NMI) are
 * fatal, reported as UCALL_ABORT with the vector, RIP and error code in
 * args[0..2], unless guest_exc_expected is set: then the handler records the
 * exception and returns to the faulting RIP plus guest_exc_skip bytes.
 * Interrupts and NMIs are recorded and return where they interrupted.
 */
extern volatile uint64_t guest_exc_vector;
extern volatile uint64_t guest_exc_error;
extern volatile uint64_t guest_exc_rip;
extern volatile uint64_t guest_exc_count;
extern volatile uint64_t guest_exc_expected;
extern volatile uint64_t guest_exc_skip;
extern char guest_isr_stubs[];

/*
 * Called by the IDT stubs for interrupts (vectors 32-255) and NMIs, after
 * the bookkeeping above, with the vector as argument, when not NULL.
 * It runs on the interrupted stack with the caller-saved registers saved
 * and RFLAGS.IF clear (interrupt gates); the stub's IRETQ follows. For the
 * local APIC tests (apic.h): the hook is where an EOI goes.
 */
extern void (*volatile guest_irq_hook)(uint64_t vector);

/* Set by the host: HV_CAP_BACKEND, to pick VMMCALL or VMCALL. */
extern volatile uint64_t guest_backend;

GUEST_INLINE void guest_outb(uint16_t port, uint8_t v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

GUEST_INLINE void guest_outl(uint16_t port, uint32_t v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

GUEST_INLINE uint32_t guest_inl(uint16_t port)
{
	uint32_t v;

	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

GUEST_INLINE void guest_cpuid(uint32_t leaf, uint32_t index, uint32_t *a,
			      uint32_t *b, uint32_t *c, uint32_t *d)
{
	asm volatile("cpuid"
		     : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
		     : "a"(leaf), "c"(index));
}

GUEST_INLINE uint64_t guest_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
	return ((uint64_t)hi << 32) | lo;
}

GUEST_INLINE void guest_wrmsr(uint32_t msr, uint64_t v)
{
	asm volatile("wrmsr"
		     : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
		     : "memory");
}

GUEST_INLINE uint64_t guest_read_cr4(void)
{
	uint64_t v;

	asm volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

GUEST_INLINE void guest_write_cr4(uint64_t v)
{
	asm volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

GUEST_INLINE void guest_xsetbv(uint32_t xcr, uint64_t v)
{
	asm volatile("xsetbv"
		     : : "c"(xcr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
		     : "memory");
}

GUEST_INLINE uint64_t guest_xgetbv(uint32_t xcr)
{
	uint32_t lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(xcr));
	return ((uint64_t)hi << 32) | lo;
}

GUEST_INLINE void guest_sti(void)
{
	asm volatile("sti" : : : "memory");
}

GUEST_INLINE void guest_cli(void)
{
	asm volatile("cli" : : : "memory");
}

/* STI; HLT: the interrupt shadow of STI keeps the wake-up from being lost. */
GUEST_INLINE void guest_sti_hlt(void)
{
	asm volatile("sti; hlt" : : : "memory");
}

/*
 * Halt until @cond holds; returns with interrupts off. @cond is only ever
 * tested with interrupts off, and STI; HLT opens them for the halt alone:
 * an interrupt that makes @cond true either comes before the test or wakes
 * the halt (the STI shadow, SDM vol. 2B "STI"). Testing with interrupts on
 * loses a wake-up that lands between the test and the HLT: the guest then
 * halts for good.
 */
#define GUEST_HALT_UNTIL(cond)			\
	do {					\
		guest_cli();			\
		while (!(cond)) {		\
			guest_sti_hlt();	\
			guest_cli();		\
		}				\
	} while (0)

GUEST_INLINE void guest_pause(void)
{
	asm volatile("pause" : : : "memory");
}

/*
 * VMMCALL on SVM, VMCALL on VMX: nr in RAX, arguments in RBX, RCX, RDX, RSI,
 * RDI, R8 (struct hv_run.hypercall); the result comes back in RAX.
 */
GUEST_INLINE uint64_t guest_hypercall(uint64_t nr, uint64_t a0, uint64_t a1,
				      uint64_t a2, uint64_t a3, uint64_t a4,
				      uint64_t a5)
{
	register uint64_t r8 asm("r8") = a5;
	uint64_t ret;

	if (guest_backend == HV_BACKEND_SVM)
		asm volatile("vmmcall"
			     : "=a"(ret)
			     : "a"(nr), "b"(a0), "c"(a1), "d"(a2), "S"(a3),
			       "D"(a4), "r"(r8)
			     : "memory");
	else
		asm volatile("vmcall"
			     : "=a"(ret)
			     : "a"(nr), "b"(a0), "c"(a1), "d"(a2), "S"(a3),
			       "D"(a4), "r"(r8)
			     : "memory");
	return ret;
}

/* ---- host side ---- */

/*
 * Create a VM with GUEST_MEM_SIZE bytes at GPA 0 holding a copy of this
 * binary's loaded segments (at their link addresses). 0 or -errno.
 */
int guest_vm_create(struct hv *hv, struct hv_vm **out);

/*
 * Create vCPU @id (< GUEST_MAX_STACKS) of a guest_vm_create() VM and
 * guest_vcpu_init() it. 0 or -errno.
 */
int guest_vcpu_add(struct hv_vm *vm, uint32_t id, void *entry,
		   struct hv_vcpu **out);

/*
 * Give a vCPU of a guest_vm_create() VM its start state: long mode
 * (hv_vcpu_setup_mode() with the tables at GUEST_TABLES_GPA),
 * CR4.OSFXSR/OSXMMEXCPT set, the IDT at GUEST_IDT_GPA, a stack of its own
 * whose return address traps, RIP at @entry (NULL: set it later with
 * guest_vcpu_entry()), sync_regs = HV_SYNC_REGS. Also brings a vCPU back
 * after a shutdown. 0 or -errno.
 */
int guest_vcpu_init(struct hv_vcpu *vcpu, void *entry);

/* Point RIP at @entry and pass @arg0/@arg1 in RDI/RSI. 0 or -errno. */
int guest_vcpu_entry(struct hv_vcpu *vcpu, void *entry, uint64_t arg0,
		     uint64_t arg1);

/* Copy a code blob [start, end) to @gpa. 0 or -errno. */
int guest_load_blob(struct hv_vm *vm, uint64_t gpa, const void *start,
		    const void *end);

/*
 * If the last exit of @vcpu is a ucall, copy it to @uc and return its type;
 * UCALL_NONE otherwise.
 */
uint64_t ucall_get(struct hv_vcpu *vcpu, struct ucall *uc);

/* Guest string at @gva, or a placeholder; for messages only. */
const char *guest_string(struct hv_vm *vm, uint64_t gva);

/* Describe the last exit of @vcpu in words, in @buf. */
const char *exit_describe(struct hv_run *run, char *buf, size_t len);

/*
 * The guest's copy of a host object (a global of this binary): guest and
 * host run the same image, so the guest's copy sits at the object's own
 * address in guest memory.
 */
void *guest_obj(struct hv_vm *vm, const volatile void *obj, size_t len);
#define GUEST_VAR(vm, var) \
	(*(__typeof__(var) *)guest_obj((vm), &(var), sizeof(var)))

#endif /* HV_SELFTEST_GUEST_H */
