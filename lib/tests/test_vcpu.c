// SPDX-License-Identifier: LGPL-2.1-or-later
/* vCPUs against the fake device: creation, mode setup, running, the loop. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "../internal.h"
#include "fake_hv.h"
#include "test.h"

#define MEM_SIZE	(4ULL << 20)
#define TABLES		0x200000ULL

struct env {
	struct hv *hv;
	struct hv_vm *vm;
	struct hv_vcpu *vcpu;
	uint8_t *mem;
};

static struct env env_up(void)
{
	struct env e = { 0 };

	fake_reset();
	if (hv_open(fake_path(), &e.hv) || hv_vm_create(e.hv, &e.vm) ||
	    hv_vm_alloc_memory(e.vm, 0, 0, MEM_SIZE, 0, (void **)&e.mem) ||
	    hv_vcpu_create(e.vm, 0, &e.vcpu))
		CHECK(false, "fake VM with memory and a vCPU: %s", hv_error_detail());
	return e;
}

static void env_down(struct env *e)
{
	hv_vm_destroy(e->vm);
	hv_close(e->hv);
}

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static void destroy_null(void)
{
	hv_vcpu_destroy(NULL);
	hv_vm_destroy(NULL);
}

static void create_destroy(void)
{
	struct env e = env_up();
	struct hv_vcpu *second = NULL, *bad = (struct hv_vcpu *)&bad;
	int vm_fd = hv_vm_fd(e.vm), fd0 = hv_vcpu_fd(e.vcpu), fd1;

	CHECK(hv_vcpu_run_page(e.vcpu) == fake.run, "run page is the mapping");
	CHECK_EQ(fake.run->sync_regs, HV_SYNC_REGS, "sync_regs defaults to HV_SYNC_REGS");
	CHECK_EQ(hv_vcpu_id(e.vcpu), 0, "vCPU id");
	CHECK(hv_vcpu_vm(e.vcpu) == e.vm, "vCPU knows its VM");
	CHECK_EQ(hv_vcpu_create(e.vm, 16, &bad), -EINVAL, "id beyond MAX_VCPUS refused by hv");
	CHECK(bad == (struct hv_vcpu *)&bad, "*out untouched on failure");
	CHECK_EQ(hv_vcpu_create(e.vm, 1, &second), 0, "second vCPU");
	fd1 = hv_vcpu_fd(second);
	hv_vcpu_destroy(second);
	CHECK(!fd_open(fd1), "hv_vcpu_destroy closes its fd");
	CHECK_EQ(hv_vcpu_create(e.vm, 2, &second), 0, "third vCPU, left for hv_vm_destroy");
	fd1 = hv_vcpu_fd(second);
	hv_vm_destroy(e.vm);
	CHECK(!fd_open(vm_fd) && !fd_open(fd0) && !fd_open(fd1),
	      "hv_vm_destroy closes the VM and every remaining vCPU");
	hv_close(e.hv);
	CHECK(test_survives(destroy_null), "destroying NULL handles is harmless");
}

static void setup_long(void)
{
	struct env e = env_up();
	struct hv_setup setup = { .mode = HV_MODE_LONG, .entry = 0x1000,
				  .stack = MEM_SIZE, .tables = TABLES };
	uint8_t want[HV_SETUP_TABLES_SIZE];

	fake.run->dirty_regs = HV_SYNC_ALL;
	CHECK_EQ(hv_vcpu_setup_mode(e.vcpu, &setup), 0, "long mode setup");
	libhv_build_tables(HV_MODE_LONG, TABLES, want);
	CHECK(!memcmp(e.mem + TABLES, want, sizeof(want)), "tables written to guest memory");
	CHECK_EQ(fake.nr_set_sregs, 1, "sregs set once");
	CHECK_EQ(fake.sregs.cr3, TABLES + LIBHV_TABLES_PML4, "CR3 points at the tables");
	CHECK_EQ(fake.sregs.cs.selector, HV_SETUP_SEL_CODE64, "CS is the 64-bit code selector");
	CHECK_EQ(fake.sregs.apic_base, FAKE_APIC_BASE, "APIC base kept from the vCPU");
	CHECK_EQ(fake.sregs.cr8, FAKE_CR8, "CR8 kept from the vCPU");
	CHECK_EQ(fake.nr_set_regs, 1, "regs set once");
	CHECK(fake.regs.rip == 0x1000 && fake.regs.rsp == MEM_SIZE && fake.regs.rflags == 2,
	      "RIP, RSP, RFLAGS");
	CHECK_EQ(fake.run->dirty_regs, 0, "stale dirty_regs dropped");
	env_down(&e);
}

static void setup_refused(void)
{
	struct env e = env_up();
	struct hv_setup setup = { .mode = HV_MODE_LONG, .entry = 0x1000,
				  .stack = MEM_SIZE, .tables = MEM_SIZE - 0x4000 };

	CHECK_EQ(hv_vcpu_setup_mode(e.vcpu, &setup), -EFAULT, "tables running past memory");
	CHECK(strstr(hv_error_detail(), "not inside one memory slot") != NULL,
	      "detail: %s", hv_error_detail());
	setup.tables = 0x1000;
	setup.mode = 7;
	CHECK_EQ(hv_vcpu_setup_mode(e.vcpu, &setup), -EINVAL, "bad mode");
	CHECK_EQ(fake.nr_set_sregs + fake.nr_set_regs, 0, "no state ioctl after a refusal");
	CHECK_EQ(hv_vcpu_setup_mode(e.vcpu, NULL), -EINVAL, "NULL setup");
	CHECK_EQ(hv_vcpu_setup_mode(NULL, &setup), -EINVAL, "NULL vcpu");

	setup = (struct hv_setup){ .mode = HV_MODE_REAL, .entry = 0x7c00, .stack = 0xfff0,
				   .tables = 1ULL << 40 };
	CHECK_EQ(hv_vcpu_setup_mode(e.vcpu, &setup), 0, "real mode ignores the tables address");
	CHECK_EQ(fake.sregs.cr0, 0x10, "real mode CR0 set");
	env_down(&e);
}

static void run_once(void)
{
	struct env e = env_up();

	fake.run_script[0] = HV_EXIT_HLT;
	fake.run_script[1] = -EINTR;
	fake.run_script[2] = -EINTR;
	fake.run_script[3] = -EFAULT;
	fake.run_len = 4;
	CHECK_EQ(hv_vcpu_run(e.vcpu), 0, "run: an exit");
	CHECK_EQ(fake.run->exit_reason, HV_EXIT_HLT, "HLT in the run page");
	CHECK_EQ(hv_vcpu_run(e.vcpu), 0, "EINTR is not an error");
	CHECK_EQ(fake.run->exit_reason, HV_EXIT_INTERRUPTED, "and says interrupted");
	fake.eintr_sets_reason = false;
	CHECK_EQ(hv_vcpu_run(e.vcpu), 0, "EINTR before hv wrote the run page");
	CHECK_EQ(fake.run->exit_reason, HV_EXIT_INTERRUPTED, "libhv says interrupted itself");
	CHECK_EQ(hv_vcpu_run(e.vcpu), -EFAULT, "other errors pass through");
	CHECK_EQ(hv_vcpu_run(NULL), -EINVAL, "NULL vcpu");
	env_down(&e);
}

struct loop_log {
	int calls[16];
	int stop_on;		/* exit reason whose handler stops the loop */
	int stop_with;
};

static int log_exit(struct hv_vcpu *vcpu, struct hv_run *run, void *opaque)
{
	struct loop_log *log = opaque;

	(void)vcpu;
	log->calls[run->exit_reason]++;
	return (int)run->exit_reason == log->stop_on ? log->stop_with : 0;
}

static void run_loop(void)
{
	struct env e = env_up();
	struct hv_exit_handlers h = {
		.io = log_exit, .mmio = log_exit, .hlt = log_exit,
		.interrupted = log_exit,
	};
	struct loop_log log = { .stop_on = HV_EXIT_HLT, .stop_with = 42 };
	int script[] = { HV_EXIT_IO, HV_EXIT_MMIO, -EINTR, HV_EXIT_IO, HV_EXIT_HLT,
			 HV_EXIT_SHUTDOWN };

	memcpy(fake.run_script, script, sizeof(script));
	fake.run_len = 6;
	CHECK_EQ(hv_vcpu_run_loop(e.vcpu, &h, &log), 42, "loop stops with the handler's value");
	CHECK(log.calls[HV_EXIT_IO] == 2 && log.calls[HV_EXIT_MMIO] == 1 &&
	      log.calls[HV_EXIT_INTERRUPTED] == 1 && log.calls[HV_EXIT_HLT] == 1,
	      "each exit went to its handler once");
	CHECK_EQ(hv_vcpu_run_loop(e.vcpu, &h, &log), -ENOSYS, "an exit without a handler");
	CHECK_STR(hv_error_detail(), "no handler for exit shutdown (4)", "detail names the exit");

	log.stop_on = HV_EXIT_IO;
	log.stop_with = -EIO;
	fake.run_script[0] = HV_EXIT_IO;
	fake.run_len = 1;
	fake.run_pos = 0;
	CHECK_EQ(hv_vcpu_run_loop(e.vcpu, &h, &log), -EIO, "loop stops with a handler's error");
	fake.run_script[0] = -EBADF;
	fake.run_pos = 0;
	CHECK_EQ(hv_vcpu_run_loop(e.vcpu, &h, &log), -EBADF, "loop stops on a failed run");
	fake.run_script[0] = 200;
	fake.run_pos = 0;
	CHECK_EQ(hv_vcpu_run_loop(e.vcpu, &h, &log), -ENOSYS, "unknown exit reason");
	CHECK(strstr(hv_error_detail(), "unknown (200)") != NULL, "detail: %s", hv_error_detail());
	CHECK_EQ(hv_vcpu_run_loop(e.vcpu, NULL, &log), -EINVAL, "NULL handlers");
	env_down(&e);
}

static void state_helpers(void)
{
	struct env e = env_up();
	struct hv_vcpu_stats stats;
	uint64_t value = 0;

	CHECK_EQ(hv_vcpu_get_msr(e.vcpu, FAKE_MSR, &value), 0, "get an offered MSR");
	CHECK_EQ(value, FAKE_MSR_VALUE, "its value");
	CHECK_EQ(hv_vcpu_get_msr(e.vcpu, 0xc0000080, &value), -EINVAL, "get an MSR not offered");
	CHECK(strstr(hv_error_detail(), "0xc0000080") != NULL, "detail: %s", hv_error_detail());
	CHECK_EQ(hv_vcpu_set_msr(e.vcpu, FAKE_MSR, 1), 0, "set an offered MSR");
	CHECK_EQ(hv_vcpu_set_msr(e.vcpu, 0x12345678, 1), -EINVAL, "set an MSR not offered");
	CHECK_EQ(hv_vcpu_get_msr(e.vcpu, FAKE_MSR, NULL), -EINVAL, "NULL value");
	CHECK_EQ(hv_vcpu_get_stats(e.vcpu, &stats), 0, "stats");
	CHECK(stats.nr == HV_STAT_NR && stats.count[HV_STAT_USER_EXITS] == 100 + HV_STAT_USER_EXITS,
	      "stats read back");
	CHECK_EQ(hv_vcpu_kick(e.vcpu), 0, "kick");
	CHECK_EQ(hv_vcpu_get_xcrs(e.vcpu, &(struct hv_xcrs){ 0 }), -ENOTTY, "errors pass through");
	CHECK(strstr(hv_error_detail(), "HV_VCPU_GET_XCRS failed") != NULL, "detail: %s", hv_error_detail());
	CHECK_EQ(hv_vcpu_get_regs(NULL, NULL), -EINVAL, "NULL vcpu");
	env_down(&e);
}

void test_vcpu(void)
{
	create_destroy();
	setup_long();
	setup_refused();
	run_once();
	run_loop();
	state_helpers();
}
