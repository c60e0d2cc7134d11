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
#define LIBHV_VERSION_MINOR 0

struct hv;
struct hv_vm;
struct hv_vcpu;

/* ---- /dev/hv ---- */

/*
 * Open the hv device (path NULL means /dev/hv), check HV_API_VERSION and the
 * capabilities libhv relies on. Errors: -ENOENT (no device: module not
 * loaded), -EACCES, -EPROTO (API version mismatch), -EOPNOTSUPP (a needed
 * capability is missing; hv_error_detail() names it), -ENOTTY (the file is
 * not an hv device). *out is set only on success.
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
/* HV_GET_API_VERSION of the device (>= 0), or a negative errno. */
int hv_api_version(struct hv *hv);
void hv_close(struct hv *hv);
int hv_fd(const struct hv *hv);
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
 * a negative errno when the ioctl itself failed.
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

#ifdef __cplusplus
}
#endif

#endif /* LIBHV_H */
