/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A fake hv device for the unit tests. The test binary is linked with
 * --wrap=ioctl and --wrap=mmap: ioctls on the fake's file descriptors are
 * answered from struct fake_hv, every other call goes to the C library.
 */
#ifndef LIBHV_FAKE_HV_H
#define LIBHV_FAKE_HV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/hv.h>

#define FAKE_MAX_CAPS		16
#define FAKE_MAX_SLOTS		8
#define FAKE_MAX_STEPS		16
#define FAKE_MSR		0x10	/* the one MSR the fake offers (TSC) */
#define FAKE_MSR_VALUE		0x1234
#define FAKE_CR8		5	/* set in the fake's reset state */
#define FAKE_APIC_BASE		0xfee00900ULL

struct fake_hv {
	/* What the device answers; fake_reset() sets a working module. */
	int api_version;
	uint64_t caps[FAKE_MAX_CAPS];
	int create_vm_err;		/* errno of HV_CREATE_VM; 0 succeeds */
	int set_memslot_err;		/* errno of HV_VM_SET_MEMSLOT; 0 succeeds */
	int run_script[FAKE_MAX_STEPS];	/* HV_VCPU_RUN: exit reason, or -errno */
	int run_len;
	bool eintr_sets_reason;		/* EINTR comes with HV_EXIT_INTERRUPTED */
	bool eperm_stops;		/* EPERM comes with HV_EXIT_STOPPED */
	/* Called after each scripted exit is written: fills in its details. */
	void (*run_hook)(struct hv_run *run, int step);

	/* What libhv did. */
	int nr_set_memslot;
	struct hv_memslot last_memslot;
	uint32_t slot_ids[FAKE_MAX_SLOTS];
	int nr_slots;
	struct hv_memslot memslots[FAKE_MAX_SLOTS];	/* as set, by position */
	int nr_vcpus;			/* HV_VM_CREATE_VCPU calls that succeeded */
	int irqchip_after_vcpus;	/* nr_vcpus at HV_VM_CREATE_IRQCHIP; -1 none */
	int nr_irq_line;
	struct hv_irq_line irq_lines[FAKE_MAX_STEPS];	/* the first ones */
	int nr_kick;
	struct hv_sregs sregs;		/* GET_SREGS returns it, SET_SREGS stores */
	struct hv_regs regs;
	int nr_set_sregs;
	int nr_set_regs;
	struct hv_run *run;		/* last run page mapped */
	int run_pos;
	int nr_set_name;		/* HV_VM_SET_NAME calls */
	struct hv_vm_name name;		/* the last name set, as passed */
};

extern struct fake_hv fake;

/* Forget everything; the device answers as a working hv module would. */
void fake_reset(void);
/* A path that hv_open() can open and that the fake answers for. */
const char *fake_path(void);

#endif /* LIBHV_FAKE_HV_H */
