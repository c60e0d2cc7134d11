/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libhv - C interface to the hv hypervisor module.
 *
 * Handles are opaque. Every call that can fail returns 0 (or a count) on
 * success and a negative errno on failure; nothing here exits, aborts or
 * asserts. hv_error_detail() explains the last failure of the calling
 * thread in words (which capability is missing, which file is too big).
 * A NULL handle, or NULL for a pointer a call needs, is -EINVAL with a
 * detail naming the argument ("hv_vm_write: vm is NULL"); the destroy and
 * close calls accept NULL and do nothing.
 */
#ifndef LIBHV_H
#define LIBHV_H

#include <stddef.h>
#include <stdint.h>
#include <linux/hv.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LIBHV_VERSION_MAJOR 1
#define LIBHV_VERSION_MINOR 3

struct hv;
struct hv_vm;
struct hv_vcpu;

/* ---- the device ---- */

/*
 * libhv drives one of two accelerators (libhv 1.2): hv (/dev/hv, the hv
 * module) or KVM (/dev/kvm), with the same API; docs/KVM.md lists what
 * differs on KVM. Which one:
 *  - hv_open(NULL, ...): the environment variable HV_ACCEL: unset, empty or
 *    "hv" opens /dev/hv, "kvm" opens /dev/kvm; another value is -EINVAL.
 *    (A set-user-ID or set-group-ID program ignores HV_ACCEL: hv.)
 *  - hv_open(path, ...): the device at path decides, whatever HV_ACCEL
 *    says: /dev/kvm's character device (10:232, under any name) is KVM,
 *    anything else is taken for hv.
 * hv_accel_name() says which one a handle has.
 */

/*
 * Open the device (path NULL: see above), check its API version and the
 * capabilities libhv relies on. Errors: -ENOENT (no device: module not
 * loaded), -EACCES, -EPROTO (API version mismatch), -EOPNOTSUPP (a needed
 * capability is missing; hv_error_detail() names it), -ENOTTY (the file is
 * not an hv or KVM device), -EINVAL (HV_ACCEL names no accelerator). *out
 * is set only on success.
 */
int hv_open(const char *path, struct hv **out);
/*
 * hv_open() in two steps, for diagnostics (hvctl info): open the device
 * only, then check the API version and capabilities as hv_open() does.
 * vCPUs cannot be created through a handle that has not passed the check.
 * hv_open_unchecked() returns hv_open()'s open errors and -ENOTTY when the
 * file is not an hv device; hv_check_usable() returns -EPROTO or -EOPNOTSUPP.
 */
int hv_open_unchecked(const char *path, struct hv **out);
int hv_check_usable(struct hv *hv);
/*
 * The device's API version (>= 0): hv's HV_GET_API_VERSION (HV_API_VERSION),
 * or KVM's KVM_GET_API_VERSION (12); or a negative errno.
 */
int hv_api_version(struct hv *hv);
void hv_close(struct hv *hv);
int hv_fd(const struct hv *hv);
/* "hv" or "kvm" (libhv 1.2); NULL for a NULL handle. */
const char *hv_accel_name(const struct hv *hv);
/* Query one capability; *value is 0 when absent. */
int hv_check_cap(struct hv *hv, uint32_t cap, uint64_t *value);
/* "svm", "vmx" or "none"; "unknown" for values this libhv does not know. */
const char *hv_backend_name(uint64_t backend);
/* "HV_CAP_BACKEND", ...; NULL past the last capability libhv knows. */
const char *hv_cap_name(uint32_t cap);
/* Text of the last libhv failure in this thread ("" when none). */
const char *hv_error_detail(void);
/* Default CPUID table; *nent is room in, count out. */
int hv_get_supported_cpuid(struct hv *hv, struct hv_cpuid_entry *entries,
			   uint32_t *nent);
/* MSRs a vCPU exposes; *n is room in, count out. */
int hv_get_msr_list(struct hv *hv, uint32_t *indices, uint32_t *n);

/* ---- VM ---- */

int hv_vm_create(struct hv *hv, struct hv_vm **out);
/* Destroys the vCPUs created through this handle, then the VM and its memory. */
void hv_vm_destroy(struct hv_vm *vm);
int hv_vm_fd(const struct hv_vm *vm);
/* Map caller-owned memory into the guest (flags: HV_MEM_*). */
int hv_vm_set_memslot(struct hv_vm *vm, uint32_t slot, uint64_t gpa,
		      uint64_t size, void *host, uint32_t flags);
int hv_vm_delete_memslot(struct hv_vm *vm, uint32_t slot);
/*
 * Allocate zeroed anonymous memory, map it at gpa as slot; freed by
 * hv_vm_delete_memslot() or hv_vm_destroy(). *host (if not NULL) gets the
 * mapping's address.
 */
int hv_vm_alloc_memory(struct hv_vm *vm, uint32_t slot, uint64_t gpa,
		       uint64_t size, uint32_t flags, void **host);
/* Host pointer for [gpa, gpa + len) if one slot covers it all, else NULL. */
void *hv_vm_gpa_to_host(struct hv_vm *vm, uint64_t gpa, uint64_t len);
/*
 * Copy bytes into (out of) guest memory; -EFAULT when not covered by one
 * slot. len 0 succeeds without looking at gpa or data.
 */
int hv_vm_write(struct hv_vm *vm, uint64_t gpa, const void *data, size_t len);
int hv_vm_read(struct hv_vm *vm, uint64_t gpa, void *data, size_t len);
/* Load a flat binary file at gpa; -EFBIG when it does not fit in memory. */
int hv_vm_load_file(struct hv_vm *vm, uint64_t gpa, const char *path,
		    uint64_t *size);
/*
 * The name that hv's VM registry shows for the VM (libhv 1.3; see "the VM
 * registry" below): 1 to HV_VM_NAME_SIZE - 1 bytes, none below 0x20 nor
 * 0x7f (UTF-8 is fine). Until then a VM is named after its creator's
 * command (comm). Errors: -EINVAL for a name that breaks those rules,
 * before the device is asked; -EOPNOTSUPP on KVM (no registry) and on an
 * hv module without HV_CAP_REGISTRY.
 */
int hv_vm_set_name(struct hv_vm *vm, const char *name);

/* ---- vCPU ---- */

int hv_vcpu_create(struct hv_vm *vm, uint32_t id, struct hv_vcpu **out);
void hv_vcpu_destroy(struct hv_vcpu *vcpu);
int hv_vcpu_fd(const struct hv_vcpu *vcpu);
uint32_t hv_vcpu_id(const struct hv_vcpu *vcpu);
struct hv_vm *hv_vcpu_vm(const struct hv_vcpu *vcpu);
/* The mmap'd run page. */
struct hv_run *hv_vcpu_run_page(struct hv_vcpu *vcpu);
/*
 * Enter the guest until the next exit to userspace. Returns 0 when the run
 * page holds an exit, including HV_EXIT_INTERRUPTED (the ioctl's EINTR);
 * a negative errno when the ioctl itself failed. An administrator's stop
 * of the VM (hv_registry_stop()) is -EPERM with the run page's exit_reason
 * HV_EXIT_STOPPED, for this and every later run.
 */
int hv_vcpu_run(struct hv_vcpu *vcpu);
int hv_vcpu_get_regs(struct hv_vcpu *vcpu, struct hv_regs *regs);
int hv_vcpu_set_regs(struct hv_vcpu *vcpu, const struct hv_regs *regs);
int hv_vcpu_get_sregs(struct hv_vcpu *vcpu, struct hv_sregs *sregs);
int hv_vcpu_set_sregs(struct hv_vcpu *vcpu, const struct hv_sregs *sregs);
int hv_vcpu_get_msr(struct hv_vcpu *vcpu, uint32_t index, uint64_t *value);
int hv_vcpu_set_msr(struct hv_vcpu *vcpu, uint32_t index, uint64_t value);
int hv_vcpu_get_xsave(struct hv_vcpu *vcpu, struct hv_xsave *xsave);
int hv_vcpu_set_xsave(struct hv_vcpu *vcpu, const struct hv_xsave *xsave);
int hv_vcpu_get_xcrs(struct hv_vcpu *vcpu, struct hv_xcrs *xcrs);
int hv_vcpu_set_xcrs(struct hv_vcpu *vcpu, const struct hv_xcrs *xcrs);
/* *nent is room in, count out. */
int hv_vcpu_get_cpuid(struct hv_vcpu *vcpu, struct hv_cpuid_entry *entries,
		      uint32_t *nent);
int hv_vcpu_set_cpuid(struct hv_vcpu *vcpu,
		      const struct hv_cpuid_entry *entries, uint32_t nent);
int hv_vcpu_inject(struct hv_vcpu *vcpu, const struct hv_event *event);
/* Make a concurrent hv_vcpu_run() return HV_EXIT_INTERRUPTED; thread safe. */
int hv_vcpu_kick(struct hv_vcpu *vcpu);
int hv_vcpu_get_stats(struct hv_vcpu *vcpu, struct hv_vcpu_stats *stats);

/* ---- starting a guest ---- */

enum hv_cpu_mode {
	HV_MODE_REAL = 0,	/* 16-bit real mode */
	HV_MODE_PROTECTED = 1,	/* 32-bit protected mode, flat, no paging */
	HV_MODE_LONG = 2,	/* 64-bit mode, identity-mapped 4 GiB */
};

/*
 * Where the protected/long mode helper puts its GDT and page tables: a
 * HV_SETUP_TABLES_SIZE byte, page aligned area of guest memory that the
 * guest must leave alone.
 */
#define HV_SETUP_TABLES_SIZE (8 * 4096)

/*
 * Selectors of the GDT that hv_vcpu_setup_mode() builds for protected and
 * long mode (for guests that reload segments or write IDT gates). The TSS
 * is a 64-bit TSS descriptor, busy, that TR holds.
 */
#define HV_SETUP_SEL_CODE32	0x08	/* 32-bit flat code, CS in protected mode */
#define HV_SETUP_SEL_DATA	0x10	/* flat data: DS, ES, FS, GS, SS */
#define HV_SETUP_SEL_CODE64	0x18	/* 64-bit code, CS in long mode */
#define HV_SETUP_SEL_TSS	0x20

/**
 * struct hv_setup - how hv_vcpu_setup_mode() starts a vCPU
 * @mode: enum hv_cpu_mode.
 * @entry: guest-physical (= linear) address of the first instruction.
 *	Real mode: below 1 MiB; CS:IP is derived from it.
 * @stack: initial stack pointer (linear). Real mode: below 64 KiB, SS = 0.
 * @tables: guest-physical address of HV_SETUP_TABLES_SIZE bytes for the GDT
 *	and page tables; unused in real mode.
 */
struct hv_setup {
	uint32_t mode;
	uint32_t reserved;
	uint64_t entry;
	uint64_t stack;
	uint64_t tables;
};

/*
 * Put the vCPU in mode with flat segments (and, in long mode, identity-mapped
 * page tables with 2 MiB pages covering the first 4 GiB), RIP at entry, RSP at
 * stack, interrupts off. Writes the tables into guest memory, so the tables
 * area must lie in a slot. The IDT is empty: an exception before the guest
 * loads its own ends in HV_EXIT_SHUTDOWN. Errors: -EINVAL when entry, stack
 * or tables are out of the mode's reach (real: entry below 1 MiB, stack
 * below 64 KiB; else entry below 4 GiB, stack at most 4 GiB, tables page
 * aligned and below 4 GiB) or reserved is set; -EFAULT when no one slot
 * holds the tables; the state ioctls' errors.
 */
int hv_vcpu_setup_mode(struct hv_vcpu *vcpu, const struct hv_setup *setup);
/* "real", "protected", "long", or NULL; parse returns -EINVAL if unknown. */
const char *hv_mode_name(uint32_t mode);
int hv_mode_parse(const char *name, uint32_t *mode);

/* ---- exit dispatch ---- */

/*
 * One callback per exit reason. A callback returns 0 to run the guest again,
 * a positive value to stop hv_vcpu_run_loop() with that value, or a negative
 * errno to stop it with that error. An exit without a callback stops the loop
 * with -ENOSYS.
 */
typedef int (*hv_exit_fn)(struct hv_vcpu *vcpu, struct hv_run *run,
			  void *opaque);

struct hv_exit_handlers {
	hv_exit_fn io;
	hv_exit_fn mmio;
	hv_exit_fn hlt;
	hv_exit_fn shutdown;
	hv_exit_fn hypercall;
	hv_exit_fn fail_entry;
	hv_exit_fn internal_error;
	hv_exit_fn interrupted;
	hv_exit_fn irq_window_open;
};

int hv_vcpu_run_loop(struct hv_vcpu *vcpu, const struct hv_exit_handlers *h,
		     void *opaque);
/* "io", "mmio", "hlt", ...; "unknown" for values out of range. */
const char *hv_exit_name(uint32_t reason);
/* Name of a HV_STAT_* counter ("exits", "io", ...), NULL if out of range. */
const char *hv_stat_name(uint32_t index);

/* ---- in-kernel interrupt controllers (libhv 1.1) ---- */

/*
 * Give the VM local APICs and an IOAPIC in the kernel (HV_VM_CREATE_IRQCHIP;
 * uapi/linux/hv.h says what changes with them). Call it before the first
 * hv_vcpu_create(). Errors: -EOPNOTSUPP when the module has no irqchip
 * (HV_CAP_IRQCHIP absent), -EBUSY when a vCPU exists, -EEXIST the second
 * time.
 */
int hv_vm_create_irqchip(struct hv_vm *vm);
/*
 * Drive IOAPIC input gsi (0 to HV_IOAPIC_PINS - 1) to level (0 or 1). An
 * edge-triggered pin interrupts on each 0 -> 1 change, a level-triggered
 * one while the line is 1. Thread safe. Errors: -ENXIO without an irqchip,
 * -EINVAL for a gsi or level out of range.
 */
int hv_vm_irq_line(struct hv_vm *vm, uint32_t gsi, uint32_t level);
/*
 * Deliver a message-signalled interrupt (address and data as a PCI device
 * writes them). Returns 1 when a local APIC took it, 0 when none matched;
 * -ENXIO without an irqchip, -EINVAL for an address outside 0xfeexxxxx.
 */
int hv_vm_signal_msi(struct hv_vm *vm, uint64_t address, uint32_t data);

/* ---- the PC machine (libhv 1.1) ---- */

/*
 * A PC that boots an unmodified Linux (bzImage) or a multiboot kernel:
 * RAM from 0 with the PCI hole [3 GiB, 4 GiB) moved above 4 GiB, ACPI
 * tables (MADT with every vCPU and the IOAPIC), the in-kernel APICs, a
 * 16550A UART at COM1 (IRQ 4) on two file descriptors, an RTC, an i8042
 * and ACPI power management for reset and power-off, and QEMU's debug-exit
 * port 0xf4. One host thread runs each vCPU. docs/MACHINE.md describes it
 * all: layout, ports, interrupts, what is not emulated.
 *
 * Use: hv_machine_create(), one hv_machine_load_*(), hv_machine_run()
 * (once), hv_machine_destroy().
 */
struct hv_machine;

/* Guest memory of a machine: at least this much, in whole 4 KiB pages. */
#define HV_MACHINE_MIN_MEM	(2ULL << 20)

/**
 * struct hv_machine_config - what hv_machine_create() builds
 * @mem: bytes of guest RAM; whole 4 KiB pages, at least HV_MACHINE_MIN_MEM.
 *	Above 3 GiB the rest starts at 4 GiB (the PCI hole).
 * @vcpus: number of vCPUs, 1 to HV_CAP_MAX_VCPUS.
 * @console_in: file descriptor that COM1 receives from (a thread reads it
 *	while the guest has room for the bytes, until end of file), or -1.
 * @console_out: file descriptor that COM1's output is written to, or -1
 *	to drop it. A write error (EPIPE, say) drops the output too.
 * @flags: must be 0.
 * @reserved: must be 0.
 *
 * The machine does not close, and does not change the flags of, the two
 * descriptors; they must stay open until hv_machine_destroy().
 */
struct hv_machine_config {
	uint64_t mem;
	uint32_t vcpus;
	int32_t console_in;
	int32_t console_out;
	uint32_t flags;
	uint64_t reserved[4];
};

/* How a machine's run ended: struct hv_machine_result.end. */
enum hv_machine_end {
	HV_MACHINE_END_NONE = 0,
	HV_MACHINE_END_POWEROFF = 1,	/* ACPI soft-off (S5) */
	HV_MACHINE_END_RESET = 2,	/* reset: ACPI reset register, i8042 */
	HV_MACHINE_END_DEBUG_EXIT = 3,	/* a write to port 0xf4 */
	HV_MACHINE_END_SHUTDOWN = 4,	/* a vCPU triple-faulted */
	HV_MACHINE_END_STOPPED = 5,	/* hv_machine_stop() */
	HV_MACHINE_END_ERROR = 6,	/* hv_machine_run() failed */
	/*
	 * An administrator stopped the VM through hv's registry
	 * (hv_registry_stop(), HV_EXIT_STOPPED); libhv 1.3
	 */
	HV_MACHINE_END_VM_STOPPED = 7,
};

/**
 * struct hv_machine_result - how hv_machine_run() ended
 * @end: enum hv_machine_end. Newer libhv versions may add values (libhv 1.3
 *	added HV_MACHINE_END_VM_STOPPED): treat an unknown one as an end
 *	hv_machine_end_name() can still name.
 * @vcpu: the vCPU whose exit ended the run (for STOPPED: 0).
 * @status: HV_MACHINE_END_DEBUG_EXIT: ((v & 0x7f) << 1) | 1 for the value
 *	v written to port 0xf4, as QEMU's isa-debug-exit; else 0.
 * @reserved0: 0.
 * @rip: the RIP of that vCPU when its exit ended the run (0 for STOPPED).
 * @io_unclaimed: bytes of port I/O that no device took (they read as
 *	all-ones): what a guest looked for and did not find.
 * @mmio_unclaimed: accesses outside RAM and the APICs (they read as
 *	all-ones too).
 * @reserved: 0.
 */
struct hv_machine_result {
	uint32_t end;
	uint32_t vcpu;
	int32_t status;
	uint32_t reserved0;
	uint64_t rip;
	uint64_t io_unclaimed;
	uint64_t mmio_unclaimed;
	uint64_t reserved[2];
};

/*
 * Create the machine: a VM with the in-kernel irqchip, its RAM, the ACPI
 * tables, config->vcpus vCPUs and the devices. hv may be closed afterwards.
 * Errors: -EINVAL for a bad config (hv_error_detail() names the field;
 * vcpus above HV_CAP_MAX_VCPUS too), -EBADF for a console descriptor that
 * is not open, -EOPNOTSUPP when the module lacks the irqchip (or another
 * capability the machine needs), -E2BIG when the RAM would end beyond
 * HV_CAP_GPA_BITS, and the errors of hv_vm_create(), hv_vm_alloc_memory()
 * and hv_vcpu_create(). *out is set only on success.
 */
int hv_machine_create(struct hv *hv, const struct hv_machine_config *config,
		      struct hv_machine **out);
/*
 * Destroy the machine, its VM, vCPUs and memory. Not while hv_machine_run()
 * runs: stop it and let it return first.
 */
void hv_machine_destroy(struct hv_machine *machine);
/* The machine's VM and vCPUs (for statistics, state); owned by the machine. */
struct hv_vm *hv_machine_vm(struct hv_machine *machine);
uint32_t hv_machine_vcpus(const struct hv_machine *machine);
/* NULL when index is not below hv_machine_vcpus(). */
struct hv_vcpu *hv_machine_vcpu(struct hv_machine *machine, uint32_t index);

/* What hv_kernel_probe() found. */
enum hv_kernel_format {
	HV_KERNEL_BZIMAGE = 1,		/* Linux x86 boot protocol */
	HV_KERNEL_MULTIBOOT = 2,	/* multiboot v1 */
};

/*
 * Which loader a kernel file needs, from its content (a bzImage's setup
 * header first, then a multiboot header in the first 8 KiB). Needs no
 * device. -ENOEXEC when it is neither; the errors of open() and read()
 * (hv_error_detail() names the file).
 */
int hv_kernel_probe(const char *path, uint32_t *format);
/*
 * Load a bzImage with its initrd (NULL for none) and command line (NULL for
 * an empty one) by the Linux x86 boot protocol, and point vCPU 0 at its
 * 64-bit entry. Errors: -ENOEXEC when the kernel is not a bzImage this
 * loader can start, -EFBIG when kernel and initrd do not fit in guest RAM,
 * -EALREADY when a kernel was loaded already, file errors.
 */
int hv_machine_load_linux(struct hv_machine *machine, const char *kernel,
			  const char *initrd, const char *cmdline);
/*
 * Load a multiboot (v1) kernel (an ELF32 image, or one with the a.out
 * kludge) with its command line (NULL for none), and point vCPU 0 at its
 * entry. Errors as hv_machine_load_linux().
 */
int hv_machine_load_multiboot(struct hv_machine *machine, const char *kernel,
			      const char *cmdline);
/*
 * Run the machine until the guest powers off, resets, writes port 0xf4 or
 * a vCPU triple-faults, hv_machine_stop() is called, or an administrator
 * stops the VM through hv's registry (HV_MACHINE_END_VM_STOPPED, with the
 * vCPU that saw it first): one thread per vCPU, and one reading
 * config->console_in. Returns 0 with *result saying how the run ended; a
 * negative errno when it failed (a vCPU exit the machine cannot handle, an
 * internal error of hv, a failed ioctl), with
 * *result->end HV_MACHINE_END_ERROR and @vcpu/@rip saying where, and
 * hv_error_detail() naming the vCPU, the exit and hv's data. -EALREADY when
 * called a second time; -EINVAL before a kernel is loaded. While it runs
 * the vCPU threads block the asynchronous signals, so that the caller's
 * thread receives them.
 */
int hv_machine_run(struct hv_machine *machine, struct hv_machine_result *result);
/*
 * Make hv_machine_run() return (end HV_MACHINE_END_STOPPED, unless the run
 * has ended already), or return at once if it has not started yet. Safe to
 * call from any thread and from a signal handler; NULL does nothing.
 */
void hv_machine_stop(struct hv_machine *machine);
/*
 * Name the machine's VM in hv's registry: hv_vm_set_name() on
 * hv_machine_vm() (libhv 1.3), with its errors. Any time after
 * hv_machine_create(), also while it runs. A caller for which the name is
 * a nicety ignores -EOPNOTSUPP: KVM, and hv modules before the registry,
 * have nowhere to show it.
 */
int hv_machine_set_name(struct hv_machine *machine, const char *name);
/*
 * "poweroff", "reset", "debug_exit", "shutdown", "stopped", "error",
 * "vm_stopped"; "unknown" for values out of range.
 */
const char *hv_machine_end_name(uint32_t end);
/*
 * libhv on KVM (hv_accel_name() "kvm"): a KVM_EXIT_INTERNAL_ERROR suberror
 * that hv has no HV_INTERNAL_* for is this plus KVM's KVM_INTERNAL_ERROR_*
 * number, with KVM's data words (docs/KVM.md).
 */
#define HV_INTERNAL_KVM_BASE	0x100
/*
 * What an HV_EXIT_INTERNAL_ERROR's suberror (HV_INTERNAL_*) means, in words
 * ("unhandled exit", ...); "unknown" for values libhv does not know.
 */
const char *hv_internal_error_name(uint32_t suberror);

/* ---- the VM registry (libhv 1.3) ---- */

/*
 * hv.ko lists its VMs, their counters and what happens to them over
 * generic netlink (family HV_GENL_NAME, uapi/linux/hv.h and docs/API.md),
 * in the initial network namespace. A caller sees the VMs whose creator
 * had its real uid; CAP_SYS_ADMIN sees every VM. A VM it may not see does
 * not exist for it (-ENOENT). The registry needs no access to /dev/hv; it
 * knows only hv's VMs, none that libhv runs on KVM.
 *
 * A struct hv_registry is one netlink socket: use it from one thread at a
 * time (one handle per thread). Errors that the kernel answers come back as
 * their negative errno, with hv's explanation (netlink's extended ack) in
 * hv_error_detail() when it gave one; a reply libhv cannot read (a
 * mandatory attribute missing, one of the wrong size) is -EPROTO. Newer
 * modules may add attributes and counters: libhv skips what it does not
 * know.
 */
struct hv_registry;

/*
 * Open a registry handle. Errors: -ENOENT when the family "hv" is not
 * registered (the module is not loaded or predates the registry, or the
 * caller is not in the initial network namespace), the socket's errors.
 * *out is set only on success.
 */
int hv_registry_open(struct hv_registry **out);
void hv_registry_close(struct hv_registry *reg);

/**
 * struct hv_vm_info - one VM as the registry shows it
 * @id: the VM's id (HV_A_VM_ID), unique while the VM exists.
 * @pid: the creator's process id (initial pid namespace).
 * @uid: the creator's real uid (initial user namespace).
 * @nr_vcpus: vCPUs created.
 * @state: HV_VM_STATE_* (hv_vm_state_name()).
 * @padding: 0.
 * @memory: bytes of guest memory in the VM's memory slots.
 * @created_ns: creation time, CLOCK_REALTIME nanoseconds.
 * @name: hv_vm_set_name()'s name, else the creator's command; NUL-terminated.
 */
struct hv_vm_info {
	uint32_t id, pid, uid, nr_vcpus, state;
	uint32_t padding;
	uint64_t memory, created_ns;
	char name[HV_VM_NAME_SIZE];
};

/*
 * Every VM the caller may see: *vms a malloc'd array of *n, sorted by id,
 * that the caller free()s (NULL when there is none). VMs created or
 * destroyed during the listing make the kernel flag it inconsistent
 * (NLM_F_DUMP_INTR): libhv lists again, a few times, then gives up with
 * -EAGAIN. *vms and *n are set only on success.
 */
int hv_registry_list(struct hv_registry *reg, struct hv_vm_info **vms,
		     size_t *n);
/* One VM; -ENOENT when it does not exist or the caller may not see it. */
int hv_registry_get(struct hv_registry *reg, uint32_t id,
		    struct hv_vm_info *info);

/* Counters per VM and vCPU: room for this many HV_STAT_* (HV_STAT_NR now). */
#define HV_REGISTRY_MAX_STATS	64

/**
 * struct hv_vcpu_info - one vCPU in struct hv_vm_stats
 * @id: the vCPU's id.
 * @state: HV_VCPU_STATE_* (hv_vcpu_state_name()).
 * @stats: its counters, indexed by HV_STAT_* (hv_stat_name()); 0 for those
 *	the module did not report.
 */
struct hv_vcpu_info {
	uint32_t id, state;
	uint64_t stats[HV_REGISTRY_MAX_STATS];
};

/**
 * struct hv_vm_stats - hv_registry_stats()
 * @vm: the VM, as hv_registry_get() gives it.
 * @nr_stats: the highest HV_STAT_* index the module reported, plus one (at
 *	most HV_REGISTRY_MAX_STATS; the module's HV_STAT_NR, unless it knows
 *	more counters than libhv has room for, which are left out).
 * @nr_vcpus: entries at @vcpus.
 * @total: the counters summed over the VM's vCPUs, as the module reports
 *	them.
 * @vcpus: the vCPUs by ascending id; malloc'd, freed by
 *	hv_vm_stats_release().
 */
struct hv_vm_stats {
	struct hv_vm_info vm;
	uint32_t nr_stats;
	uint32_t nr_vcpus;
	uint64_t total[HV_REGISTRY_MAX_STATS];
	struct hv_vcpu_info *vcpus;
};

/*
 * The VM's counters, in total and per vCPU (HV_CMD_GET_STATS). Fills all of
 * *stats on success (release it with hv_vm_stats_release()), and leaves it
 * zeroed on failure. -ENOENT as hv_registry_get().
 */
int hv_registry_stats(struct hv_registry *reg, uint32_t id,
		      struct hv_vm_stats *stats);
/* Free stats->vcpus and zero *stats; NULL does nothing. */
void hv_vm_stats_release(struct hv_vm_stats *stats);

/*
 * Stop a VM (HV_CMD_STOP_VM): its vCPUs leave the guest and every run fails
 * from then on with -EPERM and HV_EXIT_STOPPED (hv_machine_run() ends with
 * HV_MACHINE_END_VM_STOPPED); its program still owns it and closes it.
 * Errors: -EPERM without CAP_SYS_ADMIN, -ENOENT, -EALREADY when it was
 * stopped already.
 */
int hv_registry_stop(struct hv_registry *reg, uint32_t id);

/*
 * Join the multicast group of notifications (HV_GENL_MCGRP_EVENTS); from
 * then on the handle only reads them with hv_registry_next(), and the
 * other calls fail with -EBUSY (open a second handle for them). The
 * caller receives the notifications of the VMs it may see. Errors: -EPERM
 * on kernels 5.18 to 6.7, where only CAP_SYS_ADMIN may join (they cannot
 * filter what each listener gets); -ENOENT when the module has no such
 * group; -EBUSY the second time.
 */
int hv_registry_subscribe(struct hv_registry *reg);
/*
 * The handle's socket, for poll() (POLLIN: hv_registry_next() has
 * something to read). Do not read from it or change it.
 */
int hv_registry_fd(const struct hv_registry *reg);

/**
 * struct hv_notify - one notification (hv_registry_next())
 * @type: HV_NOTIFY_* (hv_notify_name()).
 * @vm_id: the VM's id.
 * @vcpu_id: the vCPU of HV_NOTIFY_VCPU_SHUTDOWN, _ENTRY_FAILED and
 *	_INTERNAL_ERROR; UINT32_MAX for the others.
 * @pid: the VM creator's process id.
 * @uid: the VM creator's real uid.
 * @padding: 0.
 * @seq: counts the module's notifications to every listener, from 1: a
 *	gap means the caller missed some (another user's VMs, or an overrun).
 * @time_ns: when, CLOCK_REALTIME nanoseconds.
 * @reason: HV_NOTIFY_ENTRY_FAILED: the hardware's reason (the run page's
 *	fail.hw_reason); HV_NOTIFY_INTERNAL_ERROR: the suberror
 *	(hv_internal_error_name()); else 0.
 * @name: the VM's name then (for HV_NOTIFY_VM_CREATED the creator's
 *	command: the VM cannot have been named yet); NUL-terminated.
 */
struct hv_notify {
	uint32_t type, vm_id, vcpu_id, pid, uid, padding;
	uint64_t seq, time_ns, reason;
	char name[HV_VM_NAME_SIZE];
};

/*
 * The next notification, after hv_registry_subscribe() (-EINVAL before):
 * 0 with *ev filled;
 * -EAGAIN when none came within timeout_ms (0: look once without waiting;
 * -1: wait as long as it takes); -EINTR when a signal interrupted the wait;
 * -ENOBUFS when notifications arrived faster than the caller read them and
 * the kernel dropped some (the handle stays usable: go on reading, and
 * know that @seq will jump); -EPROTO for a notification libhv cannot read
 * (it is skipped: go on reading too).
 */
int hv_registry_next(struct hv_registry *reg, struct hv_notify *ev,
		     int timeout_ms);

/*
 * "vm_created", "vm_destroyed", "vcpu_shutdown", "entry_failed",
 * "internal_error", "vm_stopped"; NULL for a type libhv does not know.
 */
const char *hv_notify_name(uint32_t type);
/* "running", "halted", "stopped"; NULL for a state libhv does not know. */
const char *hv_vm_state_name(uint32_t state);
/* "runnable", "halted", "wait_sipi"; NULL for a state libhv does not know. */
const char *hv_vcpu_state_name(uint32_t state);

#ifdef __cplusplus
}
#endif

#endif /* LIBHV_H */
