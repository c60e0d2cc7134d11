// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Names: exits, statistics, modes, backends, capabilities, and the VM
 * registry's notifications and states.
 */
#include <errno.h>
#include <string.h>

#include "../libhv.h"
#include "test.h"

static void exit_names(void)
{
	static const char *const want[] = {
		[HV_EXIT_NONE] = "none", [HV_EXIT_IO] = "io",
		[HV_EXIT_MMIO] = "mmio", [HV_EXIT_HLT] = "hlt",
		[HV_EXIT_SHUTDOWN] = "shutdown",
		[HV_EXIT_HYPERCALL] = "hypercall",
		[HV_EXIT_FAIL_ENTRY] = "fail_entry",
		[HV_EXIT_INTERNAL_ERROR] = "internal_error",
		[HV_EXIT_INTERRUPTED] = "interrupted",
		[HV_EXIT_IRQ_WINDOW_OPEN] = "irq_window_open",
		[HV_EXIT_STOPPED] = "stopped",
	};
	uint32_t n = sizeof(want) / sizeof(want[0]);

	for (uint32_t i = 0; i < n; i++)
		CHECK_STR(hv_exit_name(i), want[i], "hv_exit_name(%u)", i);
	CHECK_STR(hv_exit_name(n), "unknown", "hv_exit_name past the last exit");
	CHECK_STR(hv_exit_name(UINT32_MAX), "unknown", "hv_exit_name(UINT32_MAX)");
}

static void stat_names(void)
{
	static const char *const want[HV_STAT_NR] = {
		"exits", "io", "mmio", "hlt", "cpuid", "msr", "npf", "intr",
		"hypercall", "irq_window", "xsetbv", "exception", "shutdown",
		"other", "user_exits", "irq_injected", "halt_wait", "guest_ns",
		"halt_ns", "entry_failed",
	};

	for (uint32_t i = 0; i < HV_STAT_NR; i++)
		CHECK_STR(hv_stat_name(i), want[i], "hv_stat_name(%u)", i);
	CHECK(hv_stat_name(HV_STAT_NR) == NULL, "hv_stat_name(HV_STAT_NR) is NULL");
}

/* struct hv_setup.mode carries these values: they are ABI. */
_Static_assert(HV_MODE_REAL == 0 && HV_MODE_PROTECTED == 1 && HV_MODE_LONG == 2,
	       "enum hv_cpu_mode values changed");

static void mode_names(void)
{
	static const char *const want[] = {
		[HV_MODE_REAL] = "real", [HV_MODE_PROTECTED] = "protected",
		[HV_MODE_LONG] = "long",
	};
	uint32_t mode;

	for (uint32_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		CHECK_STR(hv_mode_name(i), want[i], "hv_mode_name(%u)", i);
		mode = 99;
		CHECK_EQ(hv_mode_parse(want[i], &mode), 0, "hv_mode_parse(%s)", want[i]);
		CHECK_EQ(mode, i, "hv_mode_parse(%s) gives %u", want[i], i);
	}
	CHECK(hv_mode_name(3) == NULL, "hv_mode_name(3) is NULL");
	mode = 99;
	CHECK_EQ(hv_mode_parse("Long", &mode), -EINVAL, "parse is case sensitive");
	CHECK_EQ(mode, 99, "failed parse leaves *mode alone");
	CHECK(strstr(hv_error_detail(), "'Long'") != NULL,
	      "failed parse names the word: %s", hv_error_detail());
	CHECK_EQ(hv_mode_parse("", &mode), -EINVAL, "parse of empty string");
	CHECK_EQ(hv_mode_parse(NULL, &mode), -EINVAL, "parse of NULL");
	CHECK_STR(hv_error_detail(), "hv_mode_parse: name is NULL", "NULL parse detail");
}

static void backend_and_cap_names(void)
{
	CHECK_STR(hv_backend_name(HV_BACKEND_NONE), "none", "backend none");
	CHECK_STR(hv_backend_name(HV_BACKEND_SVM), "svm", "backend svm");
	CHECK_STR(hv_backend_name(HV_BACKEND_VMX), "vmx", "backend vmx");
	CHECK_STR(hv_backend_name(3), "unknown", "backend 3");
	CHECK_STR(hv_cap_name(HV_CAP_BACKEND), "HV_CAP_BACKEND", "cap name first");
	CHECK_STR(hv_cap_name(HV_CAP_SYNC_REGS), "HV_CAP_SYNC_REGS", "cap name sync regs");
	CHECK_STR(hv_cap_name(HV_CAP_PVCLOCK), "HV_CAP_PVCLOCK", "cap name pvclock");
	CHECK_STR(hv_cap_name(HV_CAP_REGISTRY), "HV_CAP_REGISTRY", "cap name last");
	CHECK(hv_cap_name(HV_CAP_REGISTRY + 1) == NULL, "cap name past the last is NULL");
	for (uint32_t i = 0; i <= HV_CAP_REGISTRY; i++)
		CHECK(hv_cap_name(i) != NULL, "capability %u has a name", i);
}

/*
 * A table of names indexed from 1, with NULL for 0 and past the end:
 * what hv_notify_name() and the state names promise.
 */
static void check_table(const char *(*fn)(uint32_t), const char *fn_name,
			const char *const *want, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++)
		CHECK_STR(fn(i), want[i], "%s(%u)", fn_name, i);
	CHECK(fn(0) == NULL, "%s(0) is NULL", fn_name);
	CHECK(fn(n) == NULL, "%s past the last is NULL", fn_name);
	CHECK(fn(UINT32_MAX) == NULL, "%s(UINT32_MAX) is NULL", fn_name);
}

static void registry_names(void)
{
	static const char *const notify[] = {
		[HV_NOTIFY_VM_CREATED] = "vm_created",
		[HV_NOTIFY_VM_DESTROYED] = "vm_destroyed",
		[HV_NOTIFY_VCPU_SHUTDOWN] = "vcpu_shutdown",
		[HV_NOTIFY_ENTRY_FAILED] = "entry_failed",
		[HV_NOTIFY_INTERNAL_ERROR] = "internal_error",
		[HV_NOTIFY_VM_STOPPED] = "vm_stopped",
	};
	static const char *const vm[] = {
		[HV_VM_STATE_RUNNING] = "running",
		[HV_VM_STATE_HALTED] = "halted",
		[HV_VM_STATE_STOPPED] = "stopped",
	};
	static const char *const vcpu[] = {
		[HV_VCPU_STATE_RUNNABLE] = "runnable",
		[HV_VCPU_STATE_HALTED] = "halted",
		[HV_VCPU_STATE_WAIT_SIPI] = "wait_sipi",
	};

#define CHECK_TABLE(fn, want) check_table(fn, #fn, want, sizeof(want) / sizeof(want[0]))
	CHECK_TABLE(hv_notify_name, notify);
	CHECK_TABLE(hv_vm_state_name, vm);
	CHECK_TABLE(hv_vcpu_state_name, vcpu);
#undef CHECK_TABLE
}

static void machine_end_names(void)
{
	static const char *const want[] = {
		[HV_MACHINE_END_NONE] = "none",
		[HV_MACHINE_END_POWEROFF] = "poweroff",
		[HV_MACHINE_END_RESET] = "reset",
		[HV_MACHINE_END_DEBUG_EXIT] = "debug_exit",
		[HV_MACHINE_END_SHUTDOWN] = "shutdown",
		[HV_MACHINE_END_STOPPED] = "stopped",
		[HV_MACHINE_END_ERROR] = "error",
		[HV_MACHINE_END_VM_STOPPED] = "vm_stopped",
	};
	uint32_t n = sizeof(want) / sizeof(want[0]);

	for (uint32_t i = 0; i < n; i++)
		CHECK_STR(hv_machine_end_name(i), want[i], "hv_machine_end_name(%u)", i);
	CHECK_STR(hv_machine_end_name(n), "unknown", "hv_machine_end_name past the last");
}

void test_names(void)
{
	exit_names();
	stat_names();
	mode_names();
	backend_and_cap_names();
	registry_names();
	machine_end_names();
}
