/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv core: objects shared by the core and the vendor backends.
 *
 * The core (the files in module/) owns file descriptors, memory slots, nested paging,
 * the run loop and every exit that is the same on both vendors (CPUID, MSRs,
 * port I/O, MMIO, HLT, hypercalls). A backend (module/svm, module/vmx) owns
 * the hardware: it enters the guest and turns hardware exits into calls of
 * the core's exit helpers. The core never includes a backend header.
 */
#ifndef HV_CORE_H
#define HV_CORE_H

#include <linux/kref.h>
#include <linux/wait.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/mmu_notifier.h>
#include <linux/cpumask.h>
#include <linux/ratelimit.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <asm/fpu/api.h>
#include <linux/hv.h>

#include "compat.h"
#include "lapic.h"

/* hv_vcpu_run()'s preempt notifier; KVM selects it too. */
#ifndef CONFIG_PREEMPT_NOTIFIERS
#error "hv needs a kernel with CONFIG_PREEMPT_NOTIFIERS (CONFIG_KVM selects it)"
#endif

#define HV_MAX_VCPUS		64
#define HV_MAX_MEMSLOTS		64
/*
 * Guest-physical addresses hv maps: 48 bits, what 4-level tables cover
 * (with 5 levels only the first top-level entry is used).
 */
#define HV_MAX_GPA_BITS		48
#define HV_PT_MAX_LEVELS	5
/* Leaves zapped between two TLB shootdowns. */
#define HV_ZAP_BATCH		512

/* Debug register values after reset (SDM vol. 3, 18.2.3 and 18.2.4). */
#define HV_DR6_INIT		0xffff0ff0ULL
#define HV_DR7_INIT		0x400ULL

/* General purpose registers, in x86 encoding order (ModRM reg numbers). */
enum hv_gpr {
	HV_RAX, HV_RCX, HV_RDX, HV_RBX, HV_RSP, HV_RBP, HV_RSI, HV_RDI,
	HV_R8, HV_R9, HV_R10, HV_R11, HV_R12, HV_R13, HV_R14, HV_R15,
	HV_NR_GPRS
};

/**
 * struct hv_slot - a memory slot as the kernel keeps it
 * @id: the user's slot id.
 * @flags: HV_MEM_*.
 * @gfn: first guest frame.
 * @npages: length in pages.
 * @uaddr: start of the backing memory in the VM owner's address space.
 */
struct hv_slot {
	u32 id;
	u32 flags;
	u64 gfn;
	u64 npages;
	unsigned long uaddr;
};

/**
 * struct hv_pt_format - how a backend encodes nested page table entries
 * @present: bits any of which make an entry present.
 * @table: bits of an entry that points to the next level table.
 * @leaf: bits of a 4 KiB leaf entry, read and execute allowed.
 * @writable: bit that allows writes through a leaf entry.
 * @levels: table depth, 4 or 5.
 *
 * NPT uses the x86-64 page table format (with U set, since nested walks are
 * user accesses: APM vol. 2, 15.25.5); EPT its own (SDM vol. 3, 29.3.2).
 */
struct hv_pt_format {
	u64 present;
	u64 table;
	u64 leaf;
	u64 writable;
	int levels;
};

/**
 * struct hv_mmu - nested page tables of a VM
 * @root: the top level table (PML4).
 * @root_pa: its physical address, for the backend's nested CR3 / EPTP.
 * @fmt: entry encoding of the backend.
 */
struct hv_mmu {
	u64 *root;
	phys_addr_t root_pa;
	const struct hv_pt_format *fmt;
};

/**
 * struct hv_vm - a virtual machine; one per VM file descriptor
 * @kref: one reference from the VM file, one from each vCPU file.
 * @id: the VM's number in the registry (genl.c) and log messages
 *	(vm<id>/vcpu<n>).
 * @mm: address space of the creating process (mmgrab'd). Only it may use
 *	the VM, and slot addresses refer to it.
 * @lock: serialises vCPU creation and slot changes.
 * @vcpus: vCPUs by id, written under @lock; vCPUs live as long as the VM,
 *	so lockless readers (TLB shootdowns) only need acquire semantics.
 * @mmu_lock: guards @slots, @nr_slots, @mmu (the tables), @mmu_seq,
 *	@mmu_invalidating and @flush_mask.
 * @slots: memory slots, unsorted.
 * @nr_slots: slots in use.
 * @mmu: nested page tables.
 * @mmu_seq: bumped whenever a mapping may have become stale; a fault that
 *	saw another value before it looked up a page must retry.
 * @mmu_invalidating: invalidations in progress (notifier start..end).
 * @flush_mask: scratch CPU mask for remote TLB flushes.
 * @slots_gen: bumped when a slot is added or deleted, so a zap that dropped
 *	@mmu_lock knows the slot array may have moved.
 * @zap_pages: pages of zapped leaves waiting for the TLB shootdown.
 * @zap_n: entries in @zap_pages.
 * @notifier: MMU notifier on @mm.
 * @ioapic: the IOAPIC; non-NULL once HV_VM_CREATE_IRQCHIP made the irqchip
 *	(then every vCPU has a local APIC).
 * @tsc_offset: the TSC offset vCPUs start with, so all see one TSC.
 * @clock_tsc: host TSC when the VM was created: time zero of kvmclock.
 * @name: the registry's name for it; guarded by the registry's lock.
 * @uid: the creator's real uid: who may see it in the registry.
 * @pid: the creator's process id, in the initial pid namespace.
 * @created_ns: creation time, CLOCK_REALTIME.
 * @stopped: an administrator stopped it (HV_CMD_STOP_VM): no more RUN.
 * @arch: backend data (ops->vm_size bytes follow this struct).
 */
struct hv_vm {
	struct kref kref;
	int id;
	struct mm_struct *mm;
	struct mutex lock;		/* vCPU creation, slot changes */
	struct hv_vcpu *vcpus[HV_MAX_VCPUS];

	spinlock_t mmu_lock;		/* see the kernel-doc above */
	struct hv_slot slots[HV_MAX_MEMSLOTS];
	unsigned int nr_slots;
	struct hv_mmu mmu;
	unsigned long mmu_seq;
	unsigned int mmu_invalidating;
	cpumask_var_t flush_mask;
	unsigned int slots_gen;
	struct page *zap_pages[HV_ZAP_BATCH];
	unsigned int zap_n;
	struct mmu_notifier notifier;
	struct hv_ioapic *ioapic;
	u64 tsc_offset;
	u64 clock_tsc;

	char name[HV_VM_NAME_SIZE];
	kuid_t uid;
	pid_t pid;
	u64 created_ns;
	bool stopped;

	unsigned long arch[] __aligned(8);
};

static inline bool hv_irqchip(const struct hv_vm *vm)
{
	return READ_ONCE(vm->ioapic);
}

/* vcpu->mode: where the vCPU thread is, for kicks and TLB shootdowns. */
enum hv_vcpu_mode {
	HV_OUTSIDE_GUEST,
	HV_IN_GUEST,
};

/* vcpu->requests bits */
#define HV_REQ_TLB_FLUSH	0	/* flush this VM's guest TLB entries */
#define HV_REQ_KICK		1	/* leave RUN with HV_EXIT_INTERRUPTED */

/* What the next HV_VCPU_RUN finishes before it enters the guest. */
enum hv_completion {
	HV_COMPLETE_NONE,
	HV_COMPLETE_RIP,	/* only advance RIP */
	HV_COMPLETE_PIO_IN,	/* IN: data to AL/AX/EAX */
	HV_COMPLETE_STRING_IO,	/* INS/OUTS: memory, RSI/RDI, RCX */
	HV_COMPLETE_MMIO_READ,	/* MOV from MMIO: data to a register */
	HV_COMPLETE_HYPERCALL,	/* hypercall.ret to RAX */
};

/**
 * struct hv_pending_io - an instruction userspace completes
 * @kind: enum hv_completion.
 * @size: access size in bytes.
 * @reg: destination register (MMIO read).
 * @sign_extend: MOVSX-style read.
 * @dest_size: size of the destination register write (MMIO read).
 * @count: repetitions (string I/O).
 * @is_in: string I/O direction.
 * @rep: string I/O has a REP prefix.
 * @addr_size: string I/O address size (2, 4 or 8).
 * @gpa: string I/O: guest-physical address of the data in memory.
 * @next_rip: RIP after the instruction.
 */
struct hv_pending_io {
	u8 kind;
	u8 size;
	u8 reg;
	u8 sign_extend;
	u8 dest_size;
	u8 is_in;
	u8 rep;
	u8 addr_size;
	u32 count;
	u64 gpa;
	u64 next_rip;
};

/**
 * struct hv_events - events userspace asked for, not yet delivered
 * @exc_pending: an exception waits.
 * @exc_vector: its vector.
 * @exc_has_error: it pushes an error code.
 * @exc_error: the error code.
 * @nmi_pending: an NMI waits.
 * @nmi_masked: the guest is handling an NMI (no IRET yet).
 * @irq_pending: an external interrupt waits.
 * @irq_vector: its vector.
 */
struct hv_events {
	bool exc_pending;
	u8 exc_vector;
	bool exc_has_error;
	u32 exc_error;
	bool nmi_pending;
	bool nmi_masked;
	bool irq_pending;
	u8 irq_vector;
};

/**
 * struct hv_vcpu - a virtual CPU; one per vCPU file descriptor
 * @vm: owning VM (a reference is held).
 * @id: vCPU id.
 * @mutex: one thread at a time in the vCPU's ioctls.
 * @run: the shared run page.
 * @cpu: host CPU the vCPU last ran on, or -1.
 * @mode: enum hv_vcpu_mode; written by the vCPU thread, read by kickers.
 * @requests: HV_REQ_* bits, set by anyone, consumed before guest entry.
 * @gprs: general purpose registers (the backend keeps RIP, RFLAGS and, on
 *	SVM, RAX/RSP in its own state and syncs them around each entry).
 * @rip: guest RIP.
 * @exit_rip: guest RIP at the last exit (see hv_shadow_over()).
 * @host_ran: since the last entry the host did more than hv's exit
 *	handlers (came back from userspace, faulted memory in): an
 *	L1TF-affected CPU flushes L1D before the next entry.
 * @rflags: guest RFLAGS.
 * @xcr0: guest XCR0.
 * @osxsave: guest CR4.OSXSAVE: without it XCR0 does not affect the guest,
 *	which then runs with the host's.
 * @fpu: guest FPU/XSAVE state.
 * @dr: guest DR0-DR3, DR6, DR7 as the guest sees them (DR accesses are
 *	emulated; the hardware debug registers stay the host's).
 * @tsc_aux: guest TSC_AUX.
 * @misc_enable: guest IA32_MISC_ENABLE.
 * @apic_base: guest IA32_APIC_BASE.
 * @pending: instruction completion owed to the guest.
 * @events: events to inject.
 * @cpuid: CPUID table the guest sees.
 * @cpuid_nent: entries in @cpuid.
 * @stats: HV_STAT_* counters; only the vCPU's thread writes them. Time
 *	in the guest is counted in TSC ticks, in @guest_tsc, and turned
 *	into HV_STAT_GUEST_NS when read (hv_vcpu_get_stats()).
 * @guest_tsc: TSC ticks in guest mode.
 * @halt_since: when the vCPU began to wait in HLT (ktime_get_ns()), 0 when
 *	it is not waiting; for readers of HV_STAT_HALT_NS.
 * @pt_cache: page table pages allocated before taking mmu_lock, so the
 *	fault path never allocates under the spinlock.
 * @pt_cache_n: pages in @pt_cache.
 * @lapic: local APIC (with an irqchip), else NULL.
 * @mp_state: enum hv_mp_state (with an irqchip).
 * @wq: where the vCPU thread waits in HLT or for a SIPI.
 * @pvclock: kvmclock registrations.
 * @preempt_notifier: during HV_VCPU_RUN, calls hv_arch_ops.vcpu_put when
 *	the vCPU thread is switched out.
 * @arch: backend data (ops->vcpu_size bytes follow this struct).
 */
struct hv_vcpu {
	struct hv_vm *vm;
	u32 id;
	struct mutex mutex;		/* one ioctl at a time, but KICK */
	struct hv_run *run;
	int cpu;
	int mode;
	unsigned long requests;

	u64 gprs[HV_NR_GPRS];
	u64 rip;
	u64 exit_rip;
	bool host_ran;
	u64 rflags;
	u64 xcr0;
	bool osxsave;
	struct hv_fpu fpu;
	u64 dr[8];
	u64 tsc_aux;
	u64 misc_enable;
	u64 apic_base;

	struct hv_pending_io pending;
	struct hv_events events;

	struct hv_cpuid_entry *cpuid;
	u32 cpuid_nent;
	u64 stats[HV_STAT_NR];
	u64 guest_tsc;
	u64 halt_since;
	void *pt_cache[HV_PT_MAX_LEVELS];
	unsigned int pt_cache_n;
	struct hv_lapic *lapic;
	int mp_state;
	wait_queue_head_t wq;
	struct hv_pvclock pvclock;
	struct preempt_notifier preempt_notifier;

	unsigned long arch[] __aligned(8);
};

/* Control registers hv_arch_ops.set_control writes */
enum hv_ctl {
	HV_CTL_CR0,
	HV_CTL_CR4,
	HV_CTL_EFER,
};

/* Event kinds for hv_arch_ops.inject */
enum hv_event_kind {
	HV_INJECT_EXCEPTION,
	HV_INJECT_NMI,
	HV_INJECT_IRQ,
};

/**
 * struct hv_arch_ops - what a vendor backend provides
 * @name: "svm" or "vmx".
 * @backend: HV_BACKEND_*.
 * @pt_format: nested page table entry encoding.
 * @vm_size: bytes of backend data after struct hv_vm.
 * @vcpu_size: bytes of backend data after struct hv_vcpu.
 * @probe: can this CPU run the backend? Logs the precise reason if not.
 *	Called once at module load.
 * @hardware_setup: allocate per-CPU data after a successful probe.
 * @hardware_unsetup: free it, at module unload.
 * @cpu_enable: turn virtualization on for this CPU (IRQs off, on the CPU).
 *	-EBUSY if someone else already did.
 * @cpu_disable: turn it off again (IRQs off, on the CPU).
 * @vm_init: initialise the backend part of a VM.
 * @vm_destroy: undo @vm_init.
 * @vcpu_init: initialise the backend part of a vCPU, in the reset state;
 *	the core then loads the RESET segment and control registers.
 * @vcpu_destroy: undo @vcpu_init.
 * @vcpu_load: the vCPU's hardware state is about to be used on @cpu
 *	(preemption off, IRQs on); called through hv_vcpu_load() when the
 *	vCPU changes CPU or another vCPU was loaded on this CPU in between.
 * @vcpu_put: optional: put back the host state that @run left in the CPU
 *	across entries (preemption off): the vCPU thread is being switched
 *	out, or HV_VCPU_RUN returns (hv_vcpu_run()'s preempt notifier).
 * @run: enter the guest once and return after the exit (IRQs off). Syncs
 *	@gprs/@rip/@rflags both ways, and calls hv_guest_xstate_load() and
 *	hv_guest_xstate_put() where no NMI can be taken (SVM: GIF clear).
 * @handle_exit: handle the last exit: 1 to re-enter, 0 to return to
 *	userspace (run->exit_reason set), negative errno on failure.
 * @flush_tlb: flush this vCPU's guest TLB entries before the next entry.
 * @get_sregs: read segment, descriptor table and control registers.
 * @set_sregs: write them (already validated by the core).
 * @set_control: write one control register (validated by the core), for
 *	the guest's own MOV to CR0/CR4 and WRMSR to EFER.
 * @get_msr: read an MSR whose state lives in the backend's guest state
 *	(syscall MSRs, sysenter MSRs, PAT, TSC offset): 0 or -ENOENT.
 * @set_msr: write one: 0, -ENOENT (not a backend MSR) or -EINVAL.
 * @interrupt_allowed: can the guest take an external interrupt now?
 * @nmi_allowed: can the guest take an NMI now?
 * @inject: deliver an event at the next entry.
 * @request_window: exit as soon as an interrupt (@nmi false) or NMI (@nmi
 *	true) could be injected.
 * @event_in_flight: an event is already queued for the next entry
 *	(re-injection of an interrupted delivery, or @inject).
 * @tsc_offset: the guest's TSC offset (guest TSC = host TSC + offset).
 *
 * @vcpu_init, @get_sregs, @set_sregs, @set_control, @get_msr and @set_msr
 * may also fail with -EBUSY: a backend that turns virtualization on only
 * around each use of the hardware state cannot reach that state while
 * another hypervisor has the CPU's virtualization. Nothing was read or
 * written then.
 */
struct hv_arch_ops {
	const char *name;
	u32 backend;
	const struct hv_pt_format *pt_format;
	size_t vm_size;
	size_t vcpu_size;

	int (*probe)(void);
	int (*hardware_setup)(void);
	void (*hardware_unsetup)(void);
	int (*cpu_enable)(void);
	void (*cpu_disable)(void);

	int (*vm_init)(struct hv_vm *vm);
	void (*vm_destroy)(struct hv_vm *vm);
	int (*vcpu_init)(struct hv_vcpu *vcpu);
	void (*vcpu_destroy)(struct hv_vcpu *vcpu);

	void (*vcpu_load)(struct hv_vcpu *vcpu, int cpu);
	void (*vcpu_put)(struct hv_vcpu *vcpu);
	void (*run)(struct hv_vcpu *vcpu);
	int (*handle_exit)(struct hv_vcpu *vcpu);
	void (*flush_tlb)(struct hv_vcpu *vcpu);

	int (*get_sregs)(struct hv_vcpu *vcpu, struct hv_sregs *sregs);
	int (*set_sregs)(struct hv_vcpu *vcpu, const struct hv_sregs *sregs);
	int (*set_control)(struct hv_vcpu *vcpu, enum hv_ctl reg, u64 val);
	int (*get_msr)(struct hv_vcpu *vcpu, u32 index, u64 *data);
	int (*set_msr)(struct hv_vcpu *vcpu, u32 index, u64 data);

	bool (*interrupt_allowed)(struct hv_vcpu *vcpu);
	bool (*nmi_allowed)(struct hv_vcpu *vcpu);
	void (*inject)(struct hv_vcpu *vcpu, enum hv_event_kind kind, u8 vector,
		       bool has_error, u32 error);
	void (*request_window)(struct hv_vcpu *vcpu, bool nmi);
	bool (*event_in_flight)(struct hv_vcpu *vcpu);
	u64 (*tsc_offset)(struct hv_vcpu *vcpu);
};

extern const struct hv_arch_ops hv_svm_ops;
extern const struct hv_arch_ops hv_vmx_ops;
/* The backend picked at load time. */
extern const struct hv_arch_ops *hv_ops;

#define hv_vm_arch(vm)		((void *)(vm)->arch)
#define hv_vcpu_arch(vcpu)	((void *)(vcpu)->arch)

#define vcpu_err_ratelimited(vcpu, fmt, ...)				\
	({								\
		const struct hv_vcpu *__v = (vcpu);			\
									\
		pr_err_ratelimited("vm%d/vcpu%u: " fmt, __v->vm->id,	\
				   __v->id, ##__VA_ARGS__);		\
	})

/* main.c */
int hv_virt_get(void);
void hv_virt_put(void);
extern u64 hv_host_xcr0;
DECLARE_PER_CPU(u64, hv_host_tsc_aux);
extern u64 hv_guest_xcr0_mask;
extern unsigned int hv_gpa_bits;
extern unsigned int hv_tsc_khz;

/* main.c: the {count, padding, pointer} tables of the ABI */
long hv_table_copy_out(void __user *uhdr, const void *table, u32 n,
		       size_t size);
void *hv_table_copy_in(void __user *uhdr, u32 max, size_t size, u32 *n,
		       void __user **uptr);

/* vm.c */
int hv_vm_create(void);
void hv_vm_put(struct hv_vm *vm);

/* The VM registry and its generic netlink family (genl.c) */
int hv_registry_add(struct hv_vm *vm);
void hv_registry_remove(struct hv_vm *vm);
int hv_registry_set_name(struct hv_vm *vm, const struct hv_vm_name *n);
void hv_notify_vcpu_exit(struct hv_vcpu *vcpu);
int hv_genl_init(void);
void hv_genl_exit(void);
const struct hv_slot *hv_slot_find(struct hv_vm *vm, u64 gfn);
int hv_guest_read(struct hv_vm *vm, u64 gpa, void *buf, unsigned int len);
int hv_guest_write(struct hv_vm *vm, u64 gpa, const void *buf,
		   unsigned int len);

/* vcpu.c */
int hv_vcpu_create(struct hv_vm *vm, unsigned long id);
void hv_vcpu_free(struct hv_vcpu *vcpu);
void hv_get_regs(struct hv_vcpu *vcpu, struct hv_regs *r);
int hv_set_regs(struct hv_vcpu *vcpu, const struct hv_regs *r);
int hv_get_sregs(struct hv_vcpu *vcpu, struct hv_sregs *s);
int hv_set_sregs(struct hv_vcpu *vcpu, const struct hv_sregs *s);
u64 hv_cr4_allowed(void);
u64 hv_efer_allowed(void);
bool hv_apic_base_valid(u64 v);
int hv_reset_sregs(struct hv_vcpu *vcpu);
u32 hv_seg_to_ar(const struct hv_segment *s);
void hv_seg_from_ar(struct hv_segment *s, u32 ar);

/* run.c */
long hv_vcpu_run(struct hv_vcpu *vcpu);
void hv_vcpu_get_stats(const struct hv_vcpu *vcpu, u64 *count);
void hv_vcpu_load(struct hv_vcpu *vcpu);
void hv_vcpu_unload_cpu(void);
void hv_guest_xstate_load(struct hv_vcpu *vcpu);
void hv_guest_xstate_put(struct hv_vcpu *vcpu);
void hv_vcpu_kick(struct hv_vcpu *vcpu);
void hv_vcpu_wake(struct hv_vcpu *vcpu);
bool hv_xcr0_valid(u64 xcr0);

/* mmu.c */
int hv_mmu_init(struct hv_vm *vm);
void hv_mmu_destroy(struct hv_vm *vm);
int hv_mmu_page_fault(struct hv_vcpu *vcpu, u64 gpa, bool write);
void hv_mmu_zap_slot(struct hv_vm *vm, const struct hv_slot *slot);
int hv_mmu_notifier_register(struct hv_vm *vm);
void hv_mmu_vcpu_free(struct hv_vcpu *vcpu);

/* Exit helpers shared by both backends (exits.c-style, in vcpu.c/emulate.c). */
int hv_exit_cpuid(struct hv_vcpu *vcpu, u64 next_rip);
int hv_exit_hlt(struct hv_vcpu *vcpu, u64 next_rip);
int hv_exit_hypercall(struct hv_vcpu *vcpu, u64 next_rip);
int hv_exit_rdmsr(struct hv_vcpu *vcpu, u64 next_rip);
int hv_exit_wrmsr(struct hv_vcpu *vcpu, u64 next_rip);
int hv_exit_xsetbv(struct hv_vcpu *vcpu, u64 next_rip);
int hv_exit_cr4_write(struct hv_vcpu *vcpu);
int hv_exit_cr8_write(struct hv_vcpu *vcpu);
int hv_exit_mov_to_cr(struct hv_vcpu *vcpu, int cr, u64 val, u64 next_rip);
void hv_host_machine_check(void);
int hv_exit_shutdown(struct hv_vcpu *vcpu);
int hv_exit_ud(struct hv_vcpu *vcpu);
int hv_exit_gp(struct hv_vcpu *vcpu);
int hv_exit_db(struct hv_vcpu *vcpu);
int hv_exit_ac(struct hv_vcpu *vcpu);
int hv_exit_fail_entry(struct hv_vcpu *vcpu, u64 hw_reason);
int hv_exit_unhandled(struct hv_vcpu *vcpu, u64 code, u64 info1, u64 info2);

/**
 * struct hv_io_exit - a port I/O exit as the hardware reports it
 * @port: port number.
 * @size: operand size (1, 2, 4).
 * @in: IN/INS.
 * @string: INS/OUTS.
 * @rep: REP prefix.
 * @next_rip: RIP after the instruction.
 *
 * The segment and address size of a string instruction are not here: the
 * core decodes them (hardware reports them unreliably, see exits.c).
 */
struct hv_io_exit {
	u16 port;
	u8 size;
	bool in;
	bool string;
	bool rep;
	u64 next_rip;
};

int hv_exit_io(struct hv_vcpu *vcpu, const struct hv_io_exit *io);
int hv_complete_string_io(struct hv_vcpu *vcpu);
int hv_exit_npf(struct hv_vcpu *vcpu, u64 gpa, bool write, bool emulate);
/* MOV to/from a debug register: decoded and emulated by the core. */
int hv_exit_dr(struct hv_vcpu *vcpu);
int hv_exit_emulation_failed(struct hv_vcpu *vcpu, u64 gpa);
void hv_queue_exception(struct hv_vcpu *vcpu, u8 vector, bool has_error,
			u32 error);
/* The guest returned from its NMI handler. */
void hv_nmi_iret(struct hv_vcpu *vcpu);
int hv_exit_irq_window(struct hv_vcpu *vcpu);

/* emulate.c */
int hv_gva_to_gpa(struct hv_vcpu *vcpu, u64 gva, bool write, u64 *gpa);
int hv_emulate_mmio(struct hv_vcpu *vcpu, u64 gpa, bool write);
void hv_complete_mmio_read(struct hv_vcpu *vcpu, u64 data);
int hv_emulate_mov_dr(struct hv_vcpu *vcpu);
int hv_emulate_mov_to_cr(struct hv_vcpu *vcpu, int *cr, u64 *val,
			 u64 *next_rip);
int hv_decode_string_io(struct hv_vcpu *vcpu, bool in, u64 *base,
			u8 *addr_size);

/* cpuid.c */
int hv_cpuid_init(void);
void hv_cpuid_exit(void);
int hv_cpuid_default(struct hv_vcpu *vcpu);
long hv_ioctl_get_supported_cpuid(void __user *argp);
long hv_vcpu_ioctl_get_cpuid(struct hv_vcpu *vcpu, void __user *argp);
long hv_vcpu_ioctl_set_cpuid(struct hv_vcpu *vcpu, void __user *argp);
void hv_cpuid_lookup(struct hv_vcpu *vcpu, u32 function, u32 index,
		     u32 out[4]);

/* msr.c */
long hv_ioctl_get_msr_list(void __user *argp);
long hv_vcpu_ioctl_msrs(struct hv_vcpu *vcpu, void __user *argp, bool set);
int hv_msr_get(struct hv_vcpu *vcpu, u32 index, u64 *data);
int hv_msr_set(struct hv_vcpu *vcpu, u32 index, u64 data, bool host);

/**
 * hv_shadow_over() - has the STI / MOV SS interrupt shadow of the last exit
 *	ended?
 * @vcpu: the vCPU, between an exit and the next entry.
 *
 * The shadow covers the one instruction after STI or MOV SS (SDM vol. 2B
 * "STI"; APM vol. 2, 15.21.5). When hv completed that instruction (a HLT,
 * an I/O, an MSR access) and moved RIP past it, or userspace moved RIP,
 * the shadow the exit reported is over: entering with it would hold off
 * interrupts for one more instruction, and an interrupt that should have
 * ended a STI; HLT would come after the guest's next CLI instead. The
 * backends drop it at entry and ignore it before.
 */
static inline bool hv_shadow_over(const struct hv_vcpu *vcpu)
{
	return vcpu->rip != vcpu->exit_rip;
}

/* Inline helpers on the guest's register state. */
static inline u64 hv_gpr_read(struct hv_vcpu *vcpu, int reg, int size)
{
	u64 v = vcpu->gprs[reg];

	return size == 8 ? v : v & ((1ULL << (size * 8)) - 1);
}

/* Write @size bytes of @reg; 32-bit writes zero the upper half (SDM 3.4.1.1). */
static inline void hv_gpr_write(struct hv_vcpu *vcpu, int reg, int size,
				u64 val)
{
	u64 *r = &vcpu->gprs[reg];

	switch (size) {
	case 1:
		*r = (*r & ~0xffULL) | (val & 0xff);
		break;
	case 2:
		*r = (*r & ~0xffffULL) | (val & 0xffff);
		break;
	case 4:
		*r = (u32)val;
		break;
	default:
		*r = val;
	}
}

#endif /* HV_CORE_H */
