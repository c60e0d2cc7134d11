/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * hv - userspace ABI of the hv hypervisor module (/dev/hv).
 *
 * Rules this header keeps, so that it never has to break:
 *  - only fixed-width types; pointers travel as __u64;
 *  - every struct is a multiple of 8 bytes, with explicit padding and
 *    reserved space that must be zero on input;
 *  - HV_API_VERSION never changes; features are discovered one by one
 *    with HV_CHECK_CAP, and the ABI grows by new ioctls with new structs.
 */
#ifndef _UAPI_LINUX_HV_H
#define _UAPI_LINUX_HV_H

#include <linux/types.h>
#include <linux/ioctl.h>
#include <linux/const.h>

#define HV_API_VERSION		1

/* ioctl magic; see Documentation/userspace-api/ioctl/ioctl-number.rst */
#define HVIO			0xB9

/* ------------------------------------------------------------------ */
/* Capabilities (HV_CHECK_CAP): the return value is 0 when absent.     */
/* ------------------------------------------------------------------ */

/* Which backend drives the CPU: one of HV_BACKEND_*. */
#define HV_CAP_BACKEND		0
/* Highest number of vCPUs in one VM. */
#define HV_CAP_MAX_VCPUS	1
/* Most memory slots one VM can have at once. */
#define HV_CAP_NR_MEMSLOTS	2
/* HV_MEM_READONLY is supported. */
#define HV_CAP_READONLY_MEM	3
/* Size in bytes of the vCPU run page to mmap. */
#define HV_CAP_RUN_SIZE		4
/* struct hv_run register synchronisation (sync_regs/dirty_regs). */
#define HV_CAP_SYNC_REGS	5
/* HV_VCPU_GET_XSAVE / HV_VCPU_SET_XSAVE and XCR0 handling. */
#define HV_CAP_XSAVE		6
/* HV_VCPU_INJECT with HV_EVENT_NMI. */
#define HV_CAP_NMI		7
/* MMIO exits that hv completes with userspace data. */
#define HV_CAP_MMIO		8
/* HV_VCPU_KICK. */
#define HV_CAP_KICK		9
/* HV_VCPU_GET_STATS; the value is HV_STAT_NR. */
#define HV_CAP_STATS		10
/* Highest guest-physical address width in bits. */
#define HV_CAP_GPA_BITS		11
/* Nested paging is in use (always 1; 0 would mean no usable backend). */
#define HV_CAP_NESTED_PAGING	12
/*
 * HV_VM_CREATE_IRQCHIP: in-kernel local APICs and IOAPIC; the value is the
 * number of IOAPIC input lines (HV_IOAPIC_PINS).
 */
#define HV_CAP_IRQCHIP		13
/* The KVM-compatible paravirtual clock (kvmclock) at CPUID 0x40000100. */
#define HV_CAP_PVCLOCK		14
/*
 * The VM registry: HV_VM_SET_NAME and the generic netlink family
 * HV_GENL_NAME; the value is HV_GENL_VERSION.
 */
#define HV_CAP_REGISTRY		15

#define HV_BACKEND_NONE		0
#define HV_BACKEND_SVM		1
#define HV_BACKEND_VMX		2

/* ------------------------------------------------------------------ */
/* Memory slots                                                        */
/* ------------------------------------------------------------------ */

/* The guest may read and execute but not write the slot: writes exit as MMIO. */
#define HV_MEM_READONLY		_BITUL(0)
#define HV_MEM_FLAGS_ALL	HV_MEM_READONLY

/**
 * struct hv_memslot - a range of guest-physical memory backed by user memory
 * @slot: the caller's id for the slot (any value); at most
 *	HV_CAP_NR_MEMSLOTS slots exist at once (ENOSPC beyond).
 * @flags: HV_MEM_* flags.
 * @gpa: guest-physical start; page aligned.
 * @size: length in bytes; page aligned, non-zero.
 * @uaddr: start of the backing memory in the VM owner's address space;
 *	page aligned.
 * @reserved: must be zero.
 */
struct hv_memslot {
	__u32 slot;
	__u32 flags;
	__u64 gpa;
	__u64 size;
	__u64 uaddr;
	__u64 reserved[4];
};

/* ------------------------------------------------------------------ */
/* vCPU state                                                          */
/* ------------------------------------------------------------------ */

/**
 * struct hv_regs - general purpose registers
 * @rax: RAX.  @rbx: RBX.  @rcx: RCX.  @rdx: RDX.
 * @rsi: RSI.  @rdi: RDI.  @rsp: RSP.  @rbp: RBP.
 * @r8: R8.  @r9: R9.  @r10: R10.  @r11: R11.
 * @r12: R12.  @r13: R13.  @r14: R14.  @r15: R15.
 * @rip: instruction pointer.
 * @rflags: RFLAGS; bit 1 always reads as 1.
 */
struct hv_regs {
	__u64 rax, rbx, rcx, rdx;
	__u64 rsi, rdi, rsp, rbp;
	__u64 r8, r9, r10, r11;
	__u64 r12, r13, r14, r15;
	__u64 rip, rflags;
};

/**
 * struct hv_segment - a segment register, unpacked
 * @base: linear base address.
 * @limit: byte-granular limit (already scaled when @g is set).
 * @selector: selector.
 * @type: descriptor type field (4 bits).
 * @present: P bit.
 * @dpl: descriptor privilege level.
 * @db: D/B bit (default operand size).
 * @s: S bit (1 = code/data, 0 = system).
 * @l: L bit (64-bit code segment).
 * @g: G bit (granularity).
 * @avl: AVL bit.
 * @unusable: the segment register holds no usable segment.
 * @padding: must be zero.
 */
struct hv_segment {
	__u64 base;
	__u32 limit;
	__u16 selector;
	__u8 type;
	__u8 present;
	__u8 dpl;
	__u8 db;
	__u8 s;
	__u8 l;
	__u8 g;
	__u8 avl;
	__u8 unusable;
	__u8 padding;
};

/**
 * struct hv_dtable - a descriptor table register (GDTR/IDTR)
 * @base: linear base address.
 * @limit: limit.
 * @padding: must be zero.
 */
struct hv_dtable {
	__u64 base;
	__u16 limit;
	__u16 padding[3];
};

/**
 * struct hv_sregs - segment, descriptor table and control registers
 * @cs: CS.  @ds: DS.  @es: ES.  @fs: FS.  @gs: GS.  @ss: SS.
 * @tr: task register.
 * @ldt: LDTR.
 * @gdt: GDTR.
 * @idt: IDTR.
 * @cr0: CR0.
 * @cr2: CR2.
 * @cr3: CR3.
 * @cr4: CR4.
 * @cr8: CR8 (task priority, 4 bits).
 * @efer: IA32_EFER.
 * @apic_base: IA32_APIC_BASE.
 * @reserved: must be zero.
 */
struct hv_sregs {
	struct hv_segment cs, ds, es, fs, gs, ss;
	struct hv_segment tr, ldt;
	struct hv_dtable gdt, idt;
	__u64 cr0, cr2, cr3, cr4, cr8;
	__u64 efer;
	__u64 apic_base;
	__u64 reserved[8];
};

/**
 * struct hv_msr_entry - one model-specific register
 * @index: MSR number.
 * @reserved: must be zero.
 * @data: value.
 */
struct hv_msr_entry {
	__u32 index;
	__u32 reserved;
	__u64 data;
};

/* Most entries one HV_VCPU_GET_MSRS / HV_VCPU_SET_MSRS / HV_GET_MSR_LIST call takes. */
#define HV_MAX_MSR_ENTRIES	256

/**
 * struct hv_msrs - a batch of MSRs for HV_VCPU_GET_MSRS / HV_VCPU_SET_MSRS
 * @nmsrs: number of entries at @entries, at most HV_MAX_MSR_ENTRIES.
 * @padding: must be zero.
 * @entries: user pointer to an array of struct hv_msr_entry.
 *
 * The ioctl returns how many entries it processed; it stops at the first
 * MSR that is not in HV_GET_MSR_LIST or whose value is invalid.
 */
struct hv_msrs {
	__u32 nmsrs;
	__u32 padding;
	__u64 entries;
};

/**
 * struct hv_msr_list - the MSRs a vCPU exposes to HV_VCPU_GET/SET_MSRS
 * @nmsrs: in: room at @indices; out: number of MSRs (also when -E2BIG).
 * @padding: must be zero.
 * @indices: user pointer to an array of __u32.
 */
struct hv_msr_list {
	__u32 nmsrs;
	__u32 padding;
	__u64 indices;
};

/**
 * struct hv_xsave - FPU, SSE and extended state in the XSAVE standard format
 * @region: the XSAVE area (legacy region, header, components) as laid out
 *	by XSAVE in non-compacted form; 4096 bytes.
 */
struct hv_xsave {
	__u32 region[1024];
};

/**
 * struct hv_xcrs - extended control registers
 * @xcr0: XCR0; must include x87 and be supported by the host.
 * @reserved: must be zero.
 */
struct hv_xcrs {
	__u64 xcr0;
	__u64 reserved[7];
};

/**
 * struct hv_cpuid_entry - one CPUID leaf as the guest sees it
 * @function: EAX input.
 * @index: ECX input, when @flags has HV_CPUID_FLAG_INDEXED.
 * @flags: HV_CPUID_FLAG_*.
 * @eax: EAX output.  @ebx: EBX output.  @ecx: ECX output.  @edx: EDX output.
 * @padding: must be zero.
 */
struct hv_cpuid_entry {
	__u32 function;
	__u32 index;
	__u32 flags;
	__u32 eax;
	__u32 ebx;
	__u32 ecx;
	__u32 edx;
	__u32 padding;
};

/* The leaf depends on ECX. */
#define HV_CPUID_FLAG_INDEXED	_BITUL(0)

#define HV_MAX_CPUID_ENTRIES	256

/**
 * struct hv_cpuid - a CPUID table
 * @nent: in: entries at @entries (room, for the GET calls); out: entries
 *	written (also on -E2BIG, to say how many are needed).
 * @padding: must be zero.
 * @entries: user pointer to an array of struct hv_cpuid_entry.
 *
 * HV_GET_SUPPORTED_CPUID fills the default table: host CPUID filtered to
 * what the backend virtualizes. HV_VCPU_SET_CPUID replaces a vCPU's table;
 * bits hv cannot virtualize are cleared from it, never passed through.
 */
struct hv_cpuid {
	__u32 nent;
	__u32 padding;
	__u64 entries;
};

/* ------------------------------------------------------------------ */
/* Events                                                              */
/* ------------------------------------------------------------------ */

#define HV_EVENT_EXCEPTION	1
#define HV_EVENT_EXTINT		2
#define HV_EVENT_NMI		3

/**
 * struct hv_event - an event to inject at the next guest entry
 * @type: HV_EVENT_*.
 * @vector: exception vector (0-31) or interrupt vector (16-255); 2 for NMI.
 * @has_error_code: 1 when @error_code is pushed (exceptions only).
 * @padding: must be zero.
 * @error_code: error code of an exception.
 * @reserved: must be zero.
 *
 * An external interrupt waits until the guest can take it (RFLAGS.IF set,
 * no interrupt shadow); an NMI until NMIs are unblocked. Each type holds
 * one pending event: injecting a second one before the first was delivered
 * fails with EBUSY.
 */
struct hv_event {
	__u8 type;
	__u8 vector;
	__u8 has_error_code;
	__u8 padding;
	__u32 error_code;
	__u64 reserved[3];
};

/* ------------------------------------------------------------------ */
/* In-kernel interrupt controllers (HV_VM_CREATE_IRQCHIP)              */
/* ------------------------------------------------------------------ */

/*
 * With an irqchip every vCPU has a local APIC (xAPIC at IA32_APIC_BASE,
 * x2APIC MSRs, timer in one-shot, periodic and TSC-deadline modes) and the
 * VM has one IOAPIC at HV_IOAPIC_ADDR whose input lines are global system
 * interrupts (GSIs) 0 to HV_IOAPIC_PINS - 1. Interrupts reach the guest
 * only through them: HV_VCPU_INJECT of HV_EVENT_EXTINT fails with EINVAL.
 * HLT waits in the kernel until an interrupt is due; the vCPUs other than
 * vCPU 0 start in the wait-for-SIPI state and run once an INIT/SIPI
 * sequence from another vCPU's local APIC starts them.
 */
#define HV_IOAPIC_ADDR		0xfec00000ULL
#define HV_IOAPIC_PINS		24
/* The local APIC timer counts at this rate in one-shot and periodic modes. */
#define HV_APIC_BUS_HZ		1000000000ULL

/**
 * struct hv_irq_line - HV_VM_IRQ_LINE: drive one IOAPIC input line
 * @gsi: the line, 0 to HV_IOAPIC_PINS - 1.
 * @level: 1 asserts it, 0 deasserts it. An edge-triggered pin interrupts
 *	on each 0 -> 1 change; a level-triggered pin while it is 1 (again
 *	after each EOI).
 * @reserved: must be zero.
 */
struct hv_irq_line {
	__u32 gsi;
	__u32 level;
	__u64 reserved[3];
};

/**
 * struct hv_msi - HV_VM_SIGNAL_MSI: a message-signalled interrupt
 * @address: the MSI address (0xfeeXXXXX: destination APIC ID in bits
 *	19:12, destination mode in bit 2), as PCI writes it.
 * @data: the MSI data (vector in bits 7:0, delivery mode in bits 10:8,
 *	trigger mode in bit 15).
 * @padding: must be zero.
 * @reserved: must be zero.
 */
struct hv_msi {
	__u64 address;
	__u32 data;
	__u32 padding;
	__u64 reserved[2];
};

/* ------------------------------------------------------------------ */
/* Statistics                                                          */
/* ------------------------------------------------------------------ */

/* Hardware exits, counted by what caused them. */
#define HV_STAT_EXITS		0	/* every exit from the guest */
#define HV_STAT_EXIT_IO		1
#define HV_STAT_EXIT_MMIO	2
#define HV_STAT_EXIT_HLT	3
#define HV_STAT_EXIT_CPUID	4
#define HV_STAT_EXIT_MSR	5
#define HV_STAT_EXIT_NPF	6	/* nested page faults served in the kernel */
#define HV_STAT_EXIT_INTR	7	/* host interrupts, NMIs and kicks */
#define HV_STAT_EXIT_HYPERCALL	8
#define HV_STAT_EXIT_IRQ_WINDOW	9
#define HV_STAT_EXIT_XSETBV	10
#define HV_STAT_EXIT_EXCEPTION	11
#define HV_STAT_EXIT_SHUTDOWN	12
#define HV_STAT_EXIT_OTHER	13
#define HV_STAT_USER_EXITS	14	/* returns to userspace */
#define HV_STAT_IRQ_INJECTED	15	/* interrupts delivered by the local APIC */
#define HV_STAT_HALT_WAIT	16	/* HLTs that waited in the kernel */
#define HV_STAT_GUEST_NS	17	/* nanoseconds in guest mode */
#define HV_STAT_HALT_NS		18	/* nanoseconds waiting in HLT (or for a SIPI) */
#define HV_STAT_ENTRY_FAILED	19	/* entries the CPU refused (HV_EXIT_FAIL_ENTRY) */
#define HV_STAT_NR		20

/**
 * struct hv_vcpu_stats - counters of one vCPU since it was created
 * @nr: number of valid entries in @count (HV_STAT_NR of the running module).
 * @padding: must be zero.
 * @count: counters, indexed by HV_STAT_*.
 */
struct hv_vcpu_stats {
	__u32 nr;
	__u32 padding;
	__u64 count[63];
};

/* ------------------------------------------------------------------ */
/* The run page                                                        */
/* ------------------------------------------------------------------ */

#define HV_EXIT_NONE		0
#define HV_EXIT_IO		1	/* port I/O: see @io */
#define HV_EXIT_MMIO		2	/* access outside every slot: see @mmio */
#define HV_EXIT_HLT		3	/* HLT; RIP is past the instruction */
#define HV_EXIT_SHUTDOWN	4	/* triple fault; the vCPU must be reset */
#define HV_EXIT_HYPERCALL	5	/* VMMCALL/VMCALL: see @hypercall */
#define HV_EXIT_FAIL_ENTRY	6	/* the CPU refused the guest state: see @fail */
#define HV_EXIT_INTERNAL_ERROR	7	/* hv cannot go on: see @internal */
#define HV_EXIT_INTERRUPTED	8	/* signal, immediate_exit or a kick */
#define HV_EXIT_IRQ_WINDOW_OPEN	9	/* guest can take an external interrupt */
/* An administrator stopped the VM (HV_CMD_STOP_VM): RUN fails with EPERM. */
#define HV_EXIT_STOPPED		10

#define HV_IO_IN		0
#define HV_IO_OUT		1

/*
 * @fail.hw_reason: the hardware's reason (an SVM exit code; a VMX exit
 * reason; 1 << 32 | the VM-instruction error of a VMLAUNCH/VMRESUME that
 * failed), or one of hv's own:
 */
#define HV_FAIL_VIRT_BUSY	0x200000000ULL	/* another hypervisor holds the CPU's VT-x */

/* @internal.suberror */
#define HV_INTERNAL_UNHANDLED_EXIT	1	/* @data[0] is the raw exit code */
#define HV_INTERNAL_EMULATION		2	/* instruction hv cannot complete */
#define HV_INTERNAL_BAD_STATE		3	/* backend state access failed */
#define HV_INTERNAL_MEMORY_FAULT	4	/* slot memory is gone: @data[0] is the GPA */

/* struct hv_run sync_regs / dirty_regs bits */
#define HV_SYNC_REGS		_BITUL(0)
#define HV_SYNC_SREGS		_BITUL(1)
#define HV_SYNC_ALL		(HV_SYNC_REGS | HV_SYNC_SREGS)

/* Where the data of a port I/O exit lives in the run page. */
#define HV_RUN_IO_DATA_OFFSET	2048
#define HV_RUN_IO_DATA_SIZE	2048

/**
 * struct hv_run - the vCPU's shared page, mmap'd from the vCPU fd at offset 0
 * @immediate_exit: in: when set, HV_VCPU_RUN returns -EINTR with
 *	HV_EXIT_INTERRUPTED before entering the guest (a pending MMIO or I/O
 *	completion is still applied).
 * @request_interrupt_window: in: exit with HV_EXIT_IRQ_WINDOW_OPEN as soon
 *	as the guest can take an external interrupt.
 * @padding0: must be zero.
 * @sync_regs: in: which state (HV_SYNC_*) hv stores in @regs/@sregs at every
 *	return from HV_VCPU_RUN.
 * @dirty_regs: in: which state (HV_SYNC_*) hv loads from @regs/@sregs at the
 *	next HV_VCPU_RUN; hv clears the bits it consumed.
 * @exit_reason: out: HV_EXIT_*.
 * @ready_for_interrupt: out: the guest could take an external interrupt now.
 * @if_flag: out: guest RFLAGS.IF.
 * @padding1: reserved.
 * @cr8: out: guest CR8 (task priority).
 * @regs: general registers, see @sync_regs and @dirty_regs.
 * @sregs: special registers, see @sync_regs and @dirty_regs.
 * @io: HV_EXIT_IO: @io.port, @io.size (1, 2 or 4 bytes), @io.direction
 *	(HV_IO_IN/HV_IO_OUT), @io.count (repetitions, >1 only for string I/O),
 *	@io.data_offset (from the start of this page; @io.count * @io.size
 *	bytes). For HV_IO_IN userspace writes the data there before the next
 *	HV_VCPU_RUN, which completes the instruction.
 * @mmio: HV_EXIT_MMIO: @mmio.gpa, @mmio.size (1, 2, 4 or 8), @mmio.is_write,
 *	@mmio.data (written data, or the data userspace supplies for a read
 *	before the next HV_VCPU_RUN, which completes the instruction).
 * @hypercall: HV_EXIT_HYPERCALL: @hypercall.nr (RAX), @hypercall.args
 *	(RBX, RCX, RDX, RSI, RDI, R8); @hypercall.ret is loaded into RAX at the
 *	next HV_VCPU_RUN. RIP is already past the instruction.
 * @fail: HV_EXIT_FAIL_ENTRY: @fail.hw_reason, the raw hardware exit code,
 *	1 << 32 | VM-instruction error, or HV_FAIL_VIRT_BUSY; @fail.cpu, the
 *	host CPU.
 * @internal: HV_EXIT_INTERNAL_ERROR: @internal.suberror
 *	(HV_INTERNAL_*), @internal.ndata valid words at @internal.data (for an
 *	unhandled exit: raw exit code, exit information 1 and 2).
 * @exit_pad: reserves room for future exit types.
 * @reserved: reserved for future use.
 * @io_data: the data of port I/O exits (HV_RUN_IO_DATA_OFFSET).
 */
struct hv_run {
	__u8 immediate_exit;
	__u8 request_interrupt_window;
	__u8 padding0[6];
	__u32 sync_regs;
	__u32 dirty_regs;

	__u32 exit_reason;
	__u8 ready_for_interrupt;
	__u8 if_flag;
	__u16 padding1;
	__u64 cr8;

	struct hv_regs regs;
	struct hv_sregs sregs;

	union {
		struct {
			__u16 port;
			__u8 size;
			__u8 direction;
			__u32 count;
			__u32 data_offset;
			__u32 padding;
		} io;
		struct {
			__u64 gpa;
			__u64 data;
			__u32 size;
			__u8 is_write;
			__u8 padding[3];
		} mmio;
		struct {
			__u64 nr;
			__u64 args[6];
			__u64 ret;
		} hypercall;
		struct {
			__u64 hw_reason;
			__u32 cpu;
			__u32 padding;
		} fail;
		struct {
			__u32 suberror;
			__u32 ndata;
			__u64 data[8];
		} internal;
		__u8 exit_pad[256];
	};

	__u8 reserved[HV_RUN_IO_DATA_OFFSET - 776];
	__u8 io_data[HV_RUN_IO_DATA_SIZE];
};

/* ------------------------------------------------------------------ */
/* The VM registry: generic netlink family HV_GENL_NAME (docs/API.md)  */
/* ------------------------------------------------------------------ */

#define HV_GENL_NAME		"hv"
#define HV_GENL_VERSION		1
/* The multicast group of HV_CMD_NOTIFY messages. */
#define HV_GENL_MCGRP_EVENTS	"events"

/* Size of a VM's name with its terminating NUL. */
#define HV_VM_NAME_SIZE		64

/**
 * struct hv_vm_name - HV_VM_SET_NAME
 * @name: 1 to HV_VM_NAME_SIZE - 1 bytes, none below 0x20 nor 0x7f, then a
 *	NUL; the bytes after the NUL must be zero.
 */
struct hv_vm_name {
	char name[HV_VM_NAME_SIZE];
};

/*
 * Commands (genlmsghdr.cmd). A caller sees the VMs whose creator had its
 * real uid; one with CAP_SYS_ADMIN sees every VM. A VM the caller may not
 * see does not exist for it (ENOENT).
 */
enum hv_genl_cmd {
	HV_CMD_UNSPEC,
	/* do (HV_A_VM_ID) or dump: the HV_A_VM_* attributes of VMs */
	HV_CMD_GET_VM,
	/* do (HV_A_VM_ID): HV_A_VM_*, HV_A_STATS, and an HV_A_VCPU per vCPU */
	HV_CMD_GET_STATS,
	/*
	 * do (HV_A_VM_ID), CAP_SYS_ADMIN only: stop the VM. Its vCPUs leave
	 * HV_VCPU_RUN with HV_EXIT_STOPPED and every later RUN fails with
	 * EPERM. EALREADY when it was stopped before.
	 */
	HV_CMD_STOP_VM,
	/* from the kernel only, to HV_GENL_MCGRP_EVENTS: HV_A_NOTIFY_* */
	HV_CMD_NOTIFY,
	__HV_CMD_MAX,
};

#define HV_CMD_MAX		(__HV_CMD_MAX - 1)

/* Attributes. */
enum hv_genl_attr {
	HV_A_UNSPEC,
	HV_A_PAD,		/* alignment of 64-bit attributes */
	HV_A_VM_ID,		/* u32: the VM's id, unique while it exists */
	HV_A_VM_NAME,		/* string: HV_VM_SET_NAME's, else the creator's comm */
	HV_A_VM_PID,		/* u32: the creator's process id (init pid namespace) */
	HV_A_VM_UID,		/* u32: the creator's real uid (init user namespace) */
	HV_A_VM_NR_VCPUS,	/* u32: vCPUs created */
	HV_A_VM_MEMORY,		/* u64: bytes of guest memory in the VM's slots */
	HV_A_VM_CREATED,	/* u64: creation time, CLOCK_REALTIME nanoseconds */
	HV_A_VM_STATE,		/* u32: HV_VM_STATE_* */
	/*
	 * nested: counters, type HV_A_STAT(HV_STAT_*) -> u64 (type 0 is
	 * padding); in HV_CMD_GET_STATS, the sum over the VM's vCPUs
	 */
	HV_A_STATS,
	/* nested, one per vCPU: HV_A_VCPU_ID, HV_A_VCPU_STATE, HV_A_STATS */
	HV_A_VCPU,
	HV_A_VCPU_ID,		/* u32: the vCPU's id */
	HV_A_VCPU_STATE,	/* u32: HV_VCPU_STATE_* */
	HV_A_NOTIFY,		/* u32: HV_NOTIFY_*, what happened */
	/*
	 * u64: numbers every notification sent, from 1, in the order they
	 * are sent; a listener that may not see every VM sees gaps
	 */
	HV_A_NOTIFY_SEQ,
	HV_A_NOTIFY_TIME,	/* u64: when, CLOCK_REALTIME nanoseconds */
	/*
	 * u64: HV_NOTIFY_ENTRY_FAILED: the run page's fail.hw_reason;
	 * HV_NOTIFY_INTERNAL_ERROR: internal.suberror
	 */
	HV_A_NOTIFY_REASON,
	__HV_A_MAX,
};

#define HV_A_MAX		(__HV_A_MAX - 1)

/* Type of counter HV_STAT_* in an HV_A_STATS nest. */
#define HV_A_STAT(stat)		((stat) + 1)

#define HV_VM_STATE_RUNNING	1	/* a vCPU may be in the guest */
#define HV_VM_STATE_HALTED	2	/* every vCPU waits in HLT or for a SIPI (or none exists) */
#define HV_VM_STATE_STOPPED	3	/* stopped by an administrator */

#define HV_VCPU_STATE_RUNNABLE	1
#define HV_VCPU_STATE_HALTED	2	/* waits in HLT */
#define HV_VCPU_STATE_WAIT_SIPI	3	/* an application processor before its SIPI */

/*
 * HV_A_NOTIFY. Every notification carries HV_A_NOTIFY_SEQ, HV_A_NOTIFY_TIME
 * and the VM's HV_A_VM_ID, HV_A_VM_NAME, HV_A_VM_PID and HV_A_VM_UID; vCPU
 * notifications also HV_A_VCPU_ID. A listener receives the notifications
 * of the VMs it may see (see HV_CMD_*); on kernels without filtered
 * netlink broadcasts (5.18 to 6.7) only CAP_SYS_ADMIN may join the group.
 */
#define HV_NOTIFY_VM_CREATED		1
#define HV_NOTIFY_VM_DESTROYED		2
#define HV_NOTIFY_VCPU_SHUTDOWN		3	/* triple fault (HV_EXIT_SHUTDOWN) */
#define HV_NOTIFY_ENTRY_FAILED		4	/* HV_EXIT_FAIL_ENTRY */
#define HV_NOTIFY_INTERNAL_ERROR	5	/* HV_EXIT_INTERNAL_ERROR */
#define HV_NOTIFY_VM_STOPPED		6	/* HV_CMD_STOP_VM */

/* ------------------------------------------------------------------ */
/* ioctls                                                              */
/* ------------------------------------------------------------------ */

/* /dev/hv */
#define HV_GET_API_VERSION	_IO(HVIO, 0x00)	/* returns HV_API_VERSION */
#define HV_CHECK_CAP		_IO(HVIO, 0x01)	/* arg: HV_CAP_*; returns value */
#define HV_CREATE_VM		_IO(HVIO, 0x02)	/* arg: 0; returns a VM fd */
#define HV_GET_MSR_LIST		_IOWR(HVIO, 0x03, struct hv_msr_list)
#define HV_GET_SUPPORTED_CPUID	_IOWR(HVIO, 0x04, struct hv_cpuid)

/* VM fd */
#define HV_VM_SET_MEMSLOT	_IOW(HVIO, 0x10, struct hv_memslot)
#define HV_VM_DELETE_MEMSLOT	_IO(HVIO, 0x11)	/* arg: slot id; ENOENT if none */
#define HV_VM_CREATE_VCPU	_IO(HVIO, 0x12)	/* arg: vCPU id; returns a vCPU fd */
/* arg: 0. Before the first vCPU (else EBUSY); once (else EEXIST). */
#define HV_VM_CREATE_IRQCHIP	_IO(HVIO, 0x13)
/* Returns 0; ENXIO without an irqchip. */
#define HV_VM_IRQ_LINE		_IOW(HVIO, 0x14, struct hv_irq_line)
/* Returns 1 if a local APIC accepted it, 0 if none matched; ENXIO without an irqchip. */
#define HV_VM_SIGNAL_MSI	_IOW(HVIO, 0x15, struct hv_msi)
/* The name the registry shows (HV_CAP_REGISTRY). */
#define HV_VM_SET_NAME		_IOW(HVIO, 0x16, struct hv_vm_name)

/* vCPU fd */
#define HV_VCPU_RUN		_IO(HVIO, 0x20)
#define HV_VCPU_GET_REGS	_IOR(HVIO, 0x21, struct hv_regs)
#define HV_VCPU_SET_REGS	_IOW(HVIO, 0x22, struct hv_regs)
#define HV_VCPU_GET_SREGS	_IOR(HVIO, 0x23, struct hv_sregs)
#define HV_VCPU_SET_SREGS	_IOW(HVIO, 0x24, struct hv_sregs)
#define HV_VCPU_GET_MSRS	_IOW(HVIO, 0x25, struct hv_msrs)
#define HV_VCPU_SET_MSRS	_IOW(HVIO, 0x26, struct hv_msrs)
#define HV_VCPU_GET_XSAVE	_IOR(HVIO, 0x27, struct hv_xsave)
#define HV_VCPU_SET_XSAVE	_IOW(HVIO, 0x28, struct hv_xsave)
#define HV_VCPU_GET_XCRS	_IOR(HVIO, 0x29, struct hv_xcrs)
#define HV_VCPU_SET_XCRS	_IOW(HVIO, 0x2a, struct hv_xcrs)
#define HV_VCPU_GET_CPUID	_IOWR(HVIO, 0x2b, struct hv_cpuid)
#define HV_VCPU_SET_CPUID	_IOW(HVIO, 0x2c, struct hv_cpuid)
#define HV_VCPU_INJECT		_IOW(HVIO, 0x2d, struct hv_event)
/* Make a running HV_VCPU_RUN return HV_EXIT_INTERRUPTED; any thread may call it. */
#define HV_VCPU_KICK		_IO(HVIO, 0x2e)
#define HV_VCPU_GET_STATS	_IOR(HVIO, 0x2f, struct hv_vcpu_stats)

#endif /* _UAPI_LINUX_HV_H */
