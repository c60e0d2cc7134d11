// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Exit and statistic names, and the run loop that hands each exit to the
 * caller's handler for its reason.
 */
#include <errno.h>
#include <stddef.h>

#include "internal.h"

#define NO_HANDLER	SIZE_MAX

/* Per exit reason: its name and where its callback sits in hv_exit_handlers. */
static const struct {
	const char *name;
	size_t handler;
} exits[] = {
	[HV_EXIT_NONE]		 = { "none", NO_HANDLER },
	[HV_EXIT_IO]		 = { "io", offsetof(struct hv_exit_handlers, io) },
	[HV_EXIT_MMIO]		 = { "mmio", offsetof(struct hv_exit_handlers, mmio) },
	[HV_EXIT_HLT]		 = { "hlt", offsetof(struct hv_exit_handlers, hlt) },
	[HV_EXIT_SHUTDOWN]	 = { "shutdown", offsetof(struct hv_exit_handlers, shutdown) },
	[HV_EXIT_HYPERCALL]	 = { "hypercall", offsetof(struct hv_exit_handlers, hypercall) },
	[HV_EXIT_FAIL_ENTRY]	 = { "fail_entry", offsetof(struct hv_exit_handlers, fail_entry) },
	[HV_EXIT_INTERNAL_ERROR] = { "internal_error", offsetof(struct hv_exit_handlers, internal_error) },
	[HV_EXIT_INTERRUPTED]	 = { "interrupted", offsetof(struct hv_exit_handlers, interrupted) },
	[HV_EXIT_IRQ_WINDOW_OPEN] = { "irq_window_open", offsetof(struct hv_exit_handlers, irq_window_open) },
	/*
	 * Never in a run page that hv_vcpu_run() returns 0 for: it comes with
	 * -EPERM, which ends hv_vcpu_run_loop() with that error.
	 */
	[HV_EXIT_STOPPED]	 = { "stopped", NO_HANDLER },
};

#define NR_EXITS (sizeof(exits) / sizeof(exits[0]))

static const char *const stat_names[] = {
	[HV_STAT_EXITS]			= "exits",
	[HV_STAT_EXIT_IO]		= "io",
	[HV_STAT_EXIT_MMIO]		= "mmio",
	[HV_STAT_EXIT_HLT]		= "hlt",
	[HV_STAT_EXIT_CPUID]		= "cpuid",
	[HV_STAT_EXIT_MSR]		= "msr",
	[HV_STAT_EXIT_NPF]		= "npf",
	[HV_STAT_EXIT_INTR]		= "intr",
	[HV_STAT_EXIT_HYPERCALL]	= "hypercall",
	[HV_STAT_EXIT_IRQ_WINDOW]	= "irq_window",
	[HV_STAT_EXIT_XSETBV]		= "xsetbv",
	[HV_STAT_EXIT_EXCEPTION]	= "exception",
	[HV_STAT_EXIT_SHUTDOWN]		= "shutdown",
	[HV_STAT_EXIT_OTHER]		= "other",
	[HV_STAT_USER_EXITS]		= "user_exits",
	[HV_STAT_IRQ_INJECTED]		= "irq_injected",
	[HV_STAT_HALT_WAIT]		= "halt_wait",
	[HV_STAT_GUEST_NS]		= "guest_ns",
	[HV_STAT_HALT_NS]		= "halt_ns",
	[HV_STAT_ENTRY_FAILED]		= "entry_failed",
};

_Static_assert(sizeof(stat_names) / sizeof(stat_names[0]) == HV_STAT_NR,
	       "a HV_STAT_* counter has no name");

const char *hv_exit_name(uint32_t reason)
{
	return reason < NR_EXITS ? exits[reason].name : "unknown";
}

const char *hv_stat_name(uint32_t index)
{
	return index < HV_STAT_NR ? stat_names[index] : NULL;
}

/* The offset table keeps one line per reason instead of a switch. */
static hv_exit_fn exit_handler(const struct hv_exit_handlers *h, uint32_t reason)
{
	if (reason >= NR_EXITS || exits[reason].handler == NO_HANDLER)
		return NULL;
	return *(const hv_exit_fn *)((const char *)h + exits[reason].handler);
}

int hv_vcpu_run_loop(struct hv_vcpu *vcpu, const struct hv_exit_handlers *h,
		     void *opaque)
{
	if (!vcpu)
		return LIBHV_NULL_ARG(vcpu);
	if (!h)
		return LIBHV_NULL_ARG(h);
	for (;;) {
		struct hv_run *run = vcpu->run;
		hv_exit_fn fn;
		int ret;

		ret = hv_vcpu_run(vcpu);
		if (ret)
			return ret;
		fn = exit_handler(h, run->exit_reason);
		if (!fn)
			return libhv_error(-ENOSYS, "no handler for exit %s (%u)",
					   hv_exit_name(run->exit_reason),
					   run->exit_reason);
		ret = fn(vcpu, run, opaque);
		if (ret)
			return ret;
	}
}
