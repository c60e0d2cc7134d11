/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The KVM accelerator's pure half (kvm_xlate.c): turning KVM's structures
 * into libhv's and back, with no file descriptor in sight, so that the
 * unit tests can check every field with made-up structures. The half with
 * the ioctls is backend_kvm.c; docs/KVM.md says what maps to what.
 */
#ifndef LIBHV_BACKEND_KVM_H
#define LIBHV_BACKEND_KVM_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/kvm.h>

#include "internal.h"

/* Where KVM puts the data of a port I/O exit: the page after struct kvm_run. */
#define LIBHV_KVM_PIO_OFFSET	4096

/**
 * enum libhv_kvm_pending - what the last exit leaves for the next KVM_RUN
 * @LIBHV_KVM_NONE: nothing: KVM_SET_REGS and friends take effect as they are.
 * @LIBHV_KVM_PENDING: KVM finishes the instruction at the next KVM_RUN
 *	(an OUT, an MMIO write) but needs nothing from userspace.
 * @LIBHV_KVM_IO_IN: the IN data goes from the hv run page to KVM's.
 * @LIBHV_KVM_MMIO_READ: hv_run.mmio.data goes to kvm_run.mmio.data.
 * @LIBHV_KVM_HYPERCALL: hv_run.hypercall.ret goes to kvm_run.hypercall.ret.
 */
enum libhv_kvm_pending {
	LIBHV_KVM_NONE = 0,
	LIBHV_KVM_PENDING,
	LIBHV_KVM_IO_IN,
	LIBHV_KVM_MMIO_READ,
	LIBHV_KVM_HYPERCALL,
};

/**
 * struct libhv_kvm_completion - the completion owed to KVM
 * @kind: enum libhv_kvm_pending.
 * @len: LIBHV_KVM_IO_IN: bytes of data; LIBHV_KVM_MMIO_READ: the access size.
 * @kvm_offset: LIBHV_KVM_IO_IN: where the data goes in KVM's run mapping.
 */
struct libhv_kvm_completion {
	uint32_t kind;
	uint32_t len;
	uint64_t kvm_offset;
};

/*
 * Translate the exit in kr (a run mapping of kr_size bytes, KVM's
 * KVM_GET_VCPU_MMAP_SIZE) into run: exit_reason and its union member, the
 * data of an OUT, if_flag, ready_for_interrupt and cr8; and say in *c what
 * the next KVM_RUN owes KVM. An exit libhv has no name for becomes
 * HV_EXIT_INTERNAL_ERROR, HV_INTERNAL_UNHANDLED_EXIT with KVM's exit reason
 * in data[0]. -EPROTO (with a detail) for an I/O exit whose data lies
 * outside the mapping or does not fit in hv's run page.
 */
int libhv_kvm_exit_to_hv(const struct kvm_run *kr, size_t kr_size,
			 struct hv_run *run, struct libhv_kvm_completion *c);

/* Copy what *c names from run into kr, before the KVM_RUN that completes it. */
void libhv_kvm_complete(const struct hv_run *run, struct kvm_run *kr,
			const struct libhv_kvm_completion *c);

/* hv_run.sync_regs / dirty_regs bits as KVM's kvm_valid_regs bits. */
uint64_t libhv_kvm_sync_bits(uint32_t hv_bits);

void libhv_kvm_regs_to_hv(const struct kvm_regs *k, struct hv_regs *h);
void libhv_kvm_regs_from_hv(const struct hv_regs *h, struct kvm_regs *k);

void libhv_kvm_sregs_to_hv(const struct kvm_sregs *k, struct hv_sregs *h);
/*
 * Overwrite what hv_sregs holds in k; the rest (KVM's pending interrupt
 * bitmap) stays. -EINVAL (with a detail) for non-zero padding or reserved
 * fields, which hv refuses too; k is untouched then.
 */
int libhv_kvm_sregs_from_hv(const struct hv_sregs *h, struct kvm_sregs *k);

void libhv_kvm_cpuid_to_hv(const struct kvm_cpuid_entry2 *k, struct hv_cpuid_entry *h);
/* -EINVAL (with a detail) for unknown flags or non-zero padding. */
int libhv_kvm_cpuid_from_hv(const struct hv_cpuid_entry *h, struct kvm_cpuid_entry2 *k);

/**
 * struct libhv_kvm_cpuid_fix - what libhv changes in KVM's supported CPUID
 * @irqchip: the vCPU has an in-kernel local APIC (or, for the supported
 *	table, may have one): APIC and x2APIC offered, ARAT kept; without,
 *	all of them cleared, as hv does.
 * @tsc_deadline: KVM_CAP_TSC_DEADLINE_TIMER, which KVM_GET_SUPPORTED_CPUID
 *	does not show: offered with an irqchip.
 * @apic_id: set the initial APIC ID fields (leaves 0x1, 0xb, 0x1f) to
 *	@vcpu_id, as a CPU reports its own (KVM leaves that to userspace).
 * @vcpu_id: see @apic_id.
 */
struct libhv_kvm_cpuid_fix {
	bool irqchip;
	bool tsc_deadline;
	bool apic_id;
	uint32_t vcpu_id;
};

/* Apply fix to n entries; CPUID.1:ECX.HYPERVISOR is always set. */
void libhv_kvm_cpuid_fixup(struct hv_cpuid_entry *e, uint32_t n,
			   const struct libhv_kvm_cpuid_fix *fix);

/*
 * hv's rules for an event (HV_VCPU_INJECT): -EINVAL (with a detail) for an
 * unknown type, a vector out of the type's range, an error code on
 * anything but an exception, non-zero padding or reserved words.
 */
int libhv_kvm_event_check(const struct hv_event *ev);

/*
 * Put exception ev into events (from KVM_GET_VCPU_EVENTS, for
 * KVM_SET_VCPU_EVENTS): -EBUSY when one is pending or being delivered.
 */
int libhv_kvm_exception_apply(const struct hv_event *ev,
			      struct kvm_vcpu_events *events);

#endif /* LIBHV_BACKEND_KVM_H */
