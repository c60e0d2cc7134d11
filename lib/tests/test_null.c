// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * NULL handles and NULL pointers that a call needs: every public function
 * answers -EINVAL, with a detail naming itself and the argument.
 */
#include <errno.h>

#include "../internal.h"
#include "fake_hv.h"
#include "test.h"

struct env {
	struct hv *hv;
	struct hv_vm *vm;
	struct hv_vcpu *vcpu;
};

/*
 * The detail is cleared first, so that one left by an earlier call cannot
 * pass for this one's.
 */
#define CHECK_NULL(call, want_detail)					\
	do {								\
		libhv_error(0, "%s", "(not set)");			\
		CHECK_EQ((call), -EINVAL, "%s is -EINVAL", #call);	\
		CHECK_STR(hv_error_detail(), (want_detail), "%s detail", #call); \
	} while (0)

static struct env env_up(void)
{
	struct env e = { 0 };

	fake_reset();
	if (hv_open(fake_path(), &e.hv) || hv_vm_create(e.hv, &e.vm) ||
	    hv_vm_alloc_memory(e.vm, 0, 0, 1 << 20, 0, NULL) ||
	    hv_vcpu_create(e.vm, 0, &e.vcpu))
		CHECK(false, "fake VM with memory and a vCPU: %s", hv_error_detail());
	return e;
}

static void guest_copies(struct env *e)
{
	char buf[4] = "abc";

	CHECK_NULL(hv_vm_write(NULL, 0x1000, buf, sizeof(buf)), "hv_vm_write: vm is NULL");
	CHECK_NULL(hv_vm_read(NULL, 0x1000, buf, sizeof(buf)), "hv_vm_read: vm is NULL");
	CHECK_NULL(hv_vm_write(NULL, 0x1000, buf, 0), "hv_vm_write: vm is NULL");
	CHECK_NULL(hv_vm_read(NULL, 0x1000, buf, 0), "hv_vm_read: vm is NULL");
	CHECK_NULL(hv_vm_write(e->vm, 0x1000, NULL, 1), "hv_vm_write: data is NULL");
	CHECK_NULL(hv_vm_read(e->vm, 0x1000, NULL, 1), "hv_vm_read: data is NULL");
	CHECK_EQ(hv_vm_write(e->vm, 0x1000, NULL, 0), 0, "NULL data with len 0 is fine");
	CHECK_EQ(hv_vm_read(e->vm, 0x1000, NULL, 0), 0, "NULL data with len 0 is fine (read)");
	/* Still -EFAULT for a real handle and a range outside memory. */
	CHECK_EQ(hv_vm_write(e->vm, 2 << 20, buf, 1), -EFAULT, "write outside memory");
	CHECK_EQ(hv_vm_read(e->vm, 2 << 20, buf, 1), -EFAULT, "read outside memory");
}

static void device_calls(struct env *e)
{
	struct hv *hv = (struct hv *)&hv;
	uint64_t value;
	uint32_t n = 0;

	CHECK_NULL(hv_open(fake_path(), NULL), "hv_open: out is NULL");
	CHECK_NULL(hv_open_unchecked(fake_path(), NULL), "hv_open_unchecked: out is NULL");
	CHECK_NULL(hv_check_usable(NULL), "hv_check_usable: hv is NULL");
	CHECK_NULL(hv_api_version(NULL), "hv_api_version: hv is NULL");
	CHECK_NULL(hv_fd(NULL), "hv_fd: hv is NULL");
	CHECK_NULL(hv_check_cap(NULL, HV_CAP_BACKEND, &value), "hv_check_cap: hv is NULL");
	CHECK_NULL(hv_check_cap(e->hv, HV_CAP_BACKEND, NULL), "hv_check_cap: value is NULL");
	CHECK_NULL(hv_get_supported_cpuid(NULL, NULL, &n), "hv_get_supported_cpuid: hv is NULL");
	CHECK_NULL(hv_get_supported_cpuid(e->hv, NULL, NULL), "hv_get_supported_cpuid: nent is NULL");
	CHECK_NULL(hv_get_msr_list(NULL, NULL, &n), "hv_get_msr_list: hv is NULL");
	CHECK_NULL(hv_get_msr_list(e->hv, NULL, NULL), "hv_get_msr_list: n is NULL");
	CHECK_NULL(hv_mode_parse(NULL, NULL), "hv_mode_parse: name is NULL");
	CHECK(hv == (struct hv *)&hv, "no handle came out of the refused calls");
}

static void vm_calls(struct env *e)
{
	struct hv_vm *vm = (struct hv_vm *)&vm;

	CHECK_NULL(hv_vm_create(NULL, &vm), "hv_vm_create: hv is NULL");
	CHECK_NULL(hv_vm_create(e->hv, NULL), "hv_vm_create: out is NULL");
	CHECK(vm == (struct hv_vm *)&vm, "*out untouched");
	CHECK_NULL(hv_vm_fd(NULL), "hv_vm_fd: vm is NULL");
	CHECK_NULL(hv_vm_set_memslot(NULL, 1, 0, 4096, NULL, 0), "hv_vm_set_memslot: vm is NULL");
	CHECK_NULL(hv_vm_delete_memslot(NULL, 0), "hv_vm_delete_memslot: vm is NULL");
	CHECK_NULL(hv_vm_alloc_memory(NULL, 1, 0, 4096, 0, NULL), "hv_vm_alloc_memory: vm is NULL");
	CHECK_NULL(hv_vm_load_file(NULL, 0, "/dev/null", NULL), "hv_vm_load_file: vm is NULL");
	CHECK_NULL(hv_vm_load_file(e->vm, 0, NULL, NULL), "hv_vm_load_file: path is NULL");
	CHECK_NULL(hv_vm_set_name(NULL, "x"), "hv_vm_set_name: vm is NULL");
	CHECK_NULL(hv_vm_set_name(e->vm, NULL), "hv_vm_set_name: name is NULL");
}

/* The registry's calls check their arguments before any socket is made. */
static void registry_calls(void)
{
	struct hv_registry *reg = (struct hv_registry *)&reg;
	struct hv_vm_stats stats = { .nr_stats = 1 };
	struct hv_vm_info info, *vms;
	struct hv_notify ev;
	size_t n;

	CHECK_NULL(hv_registry_open(NULL), "hv_registry_open: out is NULL");
	CHECK_NULL(hv_registry_fd(NULL), "hv_registry_fd: reg is NULL");
	CHECK_NULL(hv_registry_list(NULL, &vms, &n), "hv_registry_list: reg is NULL");
	CHECK_NULL(hv_registry_list(reg, NULL, &n), "hv_registry_list: vms is NULL");
	CHECK_NULL(hv_registry_list(reg, &vms, NULL), "hv_registry_list: n is NULL");
	CHECK_NULL(hv_registry_get(NULL, 1, &info), "hv_registry_get: reg is NULL");
	CHECK_NULL(hv_registry_get(reg, 1, NULL), "hv_registry_get: info is NULL");
	CHECK_NULL(hv_registry_stats(NULL, 1, &stats), "hv_registry_stats: reg is NULL");
	CHECK_EQ(stats.nr_stats, 0, "hv_registry_stats zeroes *stats on failure");
	CHECK_NULL(hv_registry_stats(reg, 1, NULL), "hv_registry_stats: stats is NULL");
	CHECK_NULL(hv_registry_stop(NULL, 1), "hv_registry_stop: reg is NULL");
	CHECK_NULL(hv_registry_subscribe(NULL), "hv_registry_subscribe: reg is NULL");
	CHECK_NULL(hv_registry_next(NULL, &ev, 0), "hv_registry_next: reg is NULL");
	CHECK_NULL(hv_registry_next(reg, NULL, 0), "hv_registry_next: ev is NULL");
	CHECK_NULL(hv_machine_set_name(NULL, "x"), "hv_machine_set_name: m is NULL");
	CHECK(reg == (struct hv_registry *)&reg, "no handle came out of the refused calls");
	hv_registry_close(NULL);
	hv_vm_stats_release(NULL);
}

static void vcpu_calls(struct env *e)
{
	struct hv_setup setup = { .mode = HV_MODE_REAL, .entry = 0x1000, .stack = 0xfff0 };
	struct hv_exit_handlers h = { 0 };
	struct hv_vcpu *vcpu = (struct hv_vcpu *)&vcpu;
	struct hv_regs regs;
	uint64_t value;

	CHECK_NULL(hv_vcpu_create(NULL, 1, &vcpu), "hv_vcpu_create: vm is NULL");
	CHECK_NULL(hv_vcpu_create(e->vm, 1, NULL), "hv_vcpu_create: out is NULL");
	CHECK(vcpu == (struct hv_vcpu *)&vcpu, "*out untouched");
	CHECK_NULL(hv_vcpu_fd(NULL), "hv_vcpu_fd: vcpu is NULL");
	CHECK_NULL(hv_vcpu_run(NULL), "hv_vcpu_run: vcpu is NULL");
	CHECK_NULL(hv_vcpu_get_regs(NULL, &regs), "hv_vcpu_get_regs: vcpu is NULL");
	CHECK_NULL(hv_vcpu_set_regs(NULL, &regs), "hv_vcpu_set_regs: vcpu is NULL");
	CHECK_NULL(hv_vcpu_get_msr(NULL, FAKE_MSR, &value), "hv_vcpu_get_msr: vcpu is NULL");
	CHECK_NULL(hv_vcpu_get_msr(e->vcpu, FAKE_MSR, NULL), "hv_vcpu_get_msr: value is NULL");
	CHECK_NULL(hv_vcpu_get_cpuid(e->vcpu, NULL, NULL), "hv_vcpu_get_cpuid: nent is NULL");
	CHECK_NULL(hv_vcpu_kick(NULL), "hv_vcpu_kick: vcpu is NULL");
	CHECK_NULL(hv_vcpu_run_loop(NULL, &h, NULL), "hv_vcpu_run_loop: vcpu is NULL");
	CHECK_NULL(hv_vcpu_run_loop(e->vcpu, NULL, NULL), "hv_vcpu_run_loop: h is NULL");
	CHECK_NULL(hv_vcpu_setup_mode(NULL, &setup), "hv_vcpu_setup_mode: vcpu is NULL");
	CHECK_NULL(hv_vcpu_setup_mode(e->vcpu, NULL), "hv_vcpu_setup_mode: setup is NULL");
	CHECK_EQ(fake.nr_set_regs + fake.nr_set_sregs, 0, "no state ioctl for a NULL argument");
}

void test_null_args(void)
{
	struct env e = env_up();

	guest_copies(&e);
	device_calls(&e);
	vm_calls(&e);
	vcpu_calls(&e);
	registry_calls();
	hv_vm_destroy(e.vm);
	hv_close(e.hv);
}
