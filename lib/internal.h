/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libhv internals: handle layouts, error helpers and the pure builders of
 * the mode-setup state. Not installed; the unit tests in tests/ use it.
 *
 * Internal symbols are named libhv_*: the version script (libhv.map)
 * exports only hv_*, so none of this leaks out of libhv.so.
 */
#ifndef LIBHV_INTERNAL_H
#define LIBHV_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include "libhv.h"

/* The ABI's "page aligned" is the x86 base page, whatever the host uses. */
#define LIBHV_PAGE_SIZE		4096ULL

#define LIBHV_DEFAULT_PATH	"/dev/hv"

/* One accelerator: backend.h. */
struct libhv_backend_ops;

#define LIBHV_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Sizes in the messages and range checks below. */
#define LIBHV_1M		(1ULL << 20)
#define LIBHV_4G		(1ULL << 32)

struct hv {
	int fd;
	/*
	 * The size of the run page, set by hv_check_usable(); 0 until then,
	 * which makes hv_vcpu_create() refuse (it would not know what to map).
	 */
	uint32_t run_size;
	const struct libhv_backend_ops *ops;	/* the accelerator */
	void *priv;				/* the accelerator's */
};

/* A memory slot as libhv remembers it, for hv_vm_gpa_to_host(). */
struct libhv_slot {
	uint32_t id;
	uint32_t flags;
	uint64_t gpa;
	uint64_t size;
	void *host;
	bool owned;	/* mmap'd by hv_vm_alloc_memory(): unmapped with the slot */
	uint32_t backend_slot;	/* the accelerator's number for it, if it has one */
};

struct hv_vm {
	int fd;
	uint32_t run_size;	/* copied from struct hv: the VM outlives hv_close() */
	const struct libhv_backend_ops *ops;	/* copied from struct hv */
	void *priv;				/* the accelerator's */
	struct libhv_slot *slots;
	size_t nr_slots;
	size_t max_slots;	/* room at @slots */
	struct hv_vcpu *vcpus;	/* singly linked through hv_vcpu.next */
};

struct hv_vcpu {
	struct hv_vm *vm;
	struct hv_vcpu *next;
	int fd;
	uint32_t id;
	struct hv_run *run;	/* what the caller sees, set by the accelerator */
	size_t run_size;
	void *priv;		/* the accelerator's */
};

/*
 * Record a failure for hv_error_detail() and return err, so that failure
 * paths read "return libhv_error(-EINVAL, ...)".
 */
int libhv_error(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * The failure of a public function given NULL for a handle or a pointer it
 * needs: -EINVAL, with a detail naming the function and the argument
 * ("hv_vm_write: vm is NULL"), so every entry point reports it the same way.
 */
#define LIBHV_NULL_ARG(arg) \
	libhv_error(-EINVAL, "%s: %s is NULL", __func__, #arg)

/* ioctl() that returns -errno and records "NAME failed: reason" on failure. */
int libhv_ioctl(int fd, unsigned long req, unsigned long arg, const char *name);

/* For ioctls whose argument is a number (or nothing). */
#define LIBHV_IOCTL(fd, req, arg) \
	libhv_ioctl(fd, req, (unsigned long)(arg), #req)

/*
 * For ioctls with a struct argument: the size encoded in the ioctl number
 * must be the size of what we pass, checked at compile time at every call.
 * (A struct declaration is the C11 way to put a _Static_assert inside an
 * expression.)
 */
#define LIBHV_IOCTL_PTR(fd, req, ptr)					\
	((void)sizeof(struct {						\
		_Static_assert(sizeof(*(ptr)) == _IOC_SIZE(req),	\
			       "argument size of " #req);		\
		char unused;						\
	}),								\
	 libhv_ioctl(fd, req, (unsigned long)(uintptr_t)(ptr), #req))

/* libhv's record of memory slot id, or NULL (vm.c). */
struct libhv_slot *libhv_slot_by_id(struct hv_vm *vm, uint32_t id);

/*
 * hv_vcpu_kick() without the error detail: async-signal-safe, for
 * hv_machine_stop() (0 or a negative errno).
 */
int libhv_vcpu_kick(struct hv_vcpu *vcpu);

/* ---- mode setup (setup.c): pure, so that tests can check every byte ---- */

/* Layout of the HV_SETUP_TABLES_SIZE area. */
#define LIBHV_TABLES_GDT	0x0000
#define LIBHV_TABLES_TSS	0x0080
#define LIBHV_TABLES_PML4	0x1000
#define LIBHV_TABLES_PDPT	0x2000
#define LIBHV_TABLES_PD		0x3000	/* 4 pages: one page directory per GiB */
#define LIBHV_NR_PDS		4

/* GDT slots; HV_SETUP_SEL_* in libhv.h are these times 8. */
#define LIBHV_GDT_CODE32	1
#define LIBHV_GDT_DATA		2
#define LIBHV_GDT_CODE64	3
#define LIBHV_GDT_TSS		4	/* a 16-byte system descriptor: 4 and 5 */
#define LIBHV_GDT_ENTRIES	6

/* The 32-bit TSS limit; with the I/O map base past it there is no I/O map. */
#define LIBHV_TSS_LIMIT		0x67

/*
 * The selectors of the flat GDT that the builders below write (a zero
 * code selector: no such descriptor). hv_vcpu_setup_mode() uses
 * libhv_setup_gdt (HV_SETUP_SEL_*); a kernel loader whose boot protocol
 * names other selectors passes its own. The descriptors must lie inside
 * the LIBHV_GDT_ENTRIES slots, the TSS taking two.
 */
struct libhv_gdt_layout {
	uint16_t code32;
	uint16_t code64;
	uint16_t data;
	uint16_t tss;
};

extern const struct libhv_gdt_layout libhv_setup_gdt;

/* -EINVAL (with a detail) when setup cannot be honoured, else 0. */
int libhv_setup_check(const struct hv_setup *setup);
/* Fill HV_SETUP_TABLES_SIZE bytes at buf, to live at guest-physical tables. */
void libhv_build_tables(uint32_t mode, uint64_t tables, void *buf);
/*
 * The same with the GDT laid out as gdt says and, in long mode, RAM in
 * [4 GiB, map_end) identity-mapped too (1 GiB pages, up to 512 GiB).
 */
void libhv_build_tables_with(const struct libhv_gdt_layout *gdt, uint32_t mode,
			     uint64_t tables, uint64_t map_end, void *buf);
/*
 * Overwrite the segment, descriptor table and control registers that the
 * mode defines; apic_base, cr2, cr8 and the reserved words stay as read.
 */
void libhv_setup_sregs(const struct hv_setup *setup, struct hv_sregs *sregs);
void libhv_setup_sregs_with(const struct libhv_gdt_layout *gdt,
			    const struct hv_setup *setup, struct hv_sregs *sregs);
void libhv_setup_regs(const struct hv_setup *setup, struct hv_regs *regs);

#endif /* LIBHV_INTERNAL_H */
