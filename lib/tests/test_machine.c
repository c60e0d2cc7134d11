// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The PC machine on the fake device: what hv_machine_create() asks of hv
 * (the irqchip before any vCPU, RAM around the PCI hole, the checks of its
 * configuration), kernel probing and loading, and runs of one vCPU whose
 * exits the fake scripts: console output, interrupt lines, how each kind
 * of end is reported, console input through the reader thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../libhv.h"
#include "fake_hv.h"
#include "test.h"

#define MIB	(1ULL << 20)
#define GIB	(1ULL << 30)

static struct hv_machine_config config(uint64_t mem, uint32_t vcpus)
{
	return (struct hv_machine_config){ .mem = mem, .vcpus = vcpus,
					   .console_in = -1, .console_out = -1 };
}

static struct hv *open_fake(void)
{
	struct hv *hv = NULL;

	fake_reset();
	if (hv_open(fake_path(), &hv))
		CHECK(false, "open the fake device: %s", hv_error_detail());
	return hv;
}

static const struct hv_memslot *slot_at(uint64_t gpa)
{
	for (int i = 0; i < fake.nr_slots; i++)
		if (fake.memslots[i].gpa == gpa)
			return &fake.memslots[i];
	return NULL;
}

/* RAM around the PCI hole: mem bytes give low and high slots of these sizes. */
static void check_slots(uint64_t mem, uint64_t low, uint64_t high)
{
	struct hv_machine_config c = config(mem, 2);
	struct hv_machine *m = NULL;
	const struct hv_memslot *s;
	struct hv *hv = open_fake();
	unsigned long long gib = (unsigned long long)(mem >> 30);

	CHECK_EQ(hv_machine_create(hv, &c, &m), 0, "%llu GiB machine: %s", gib, hv_error_detail());
	CHECK_EQ(fake.nr_slots, high ? 2 : 1, "%llu GiB: %d slot(s)", gib, high ? 2 : 1);
	s = slot_at(0);
	CHECK(s && s->size == low, "%llu GiB: RAM at 0, 0x%llx bytes", gib, (unsigned long long)low);
	s = slot_at(4 * GIB);
	if (high)
		CHECK(s && s->size == high, "%llu GiB: RAM at 4 GiB, 0x%llx bytes", gib,
		      (unsigned long long)high);
	CHECK(hv_vm_gpa_to_host(hv_machine_vm(m), 3 * GIB, 1) == NULL,
	      "%llu GiB: nothing in the PCI hole", gib);
	CHECK_EQ(fake.irqchip_after_vcpus, 0, "%llu GiB: irqchip created before any vCPU", gib);
	CHECK_EQ(fake.nr_vcpus, 2, "%llu GiB: two vCPUs", gib);
	CHECK_EQ(hv_machine_vcpus(m), 2, "hv_machine_vcpus");
	CHECK(hv_machine_vcpu(m, 1) && hv_vcpu_id(hv_machine_vcpu(m, 1)) == 1, "vCPU 1 handle");
	CHECK(hv_machine_vcpu(m, 2) == NULL, "no vCPU 2");
	hv_machine_destroy(m);
	hv_close(hv);
}

static void memory_layout(void)
{
	check_slots(512 * MIB, 512 * MIB, 0);
	check_slots(3 * GIB, 3 * GIB, 0);
	check_slots(4 * GIB, 3 * GIB, 1 * GIB);
	check_slots(5 * GIB, 3 * GIB, 2 * GIB);
}

static void create_refused(void)
{
	struct hv_machine *m = (struct hv_machine *)&m;
	struct hv *hv = open_fake();
	struct hv_machine_config c;

	c = config(64 * MIB + 1, 1);
	CHECK_EQ(hv_machine_create(hv, &c, &m), -EINVAL, "mem not whole pages");
	c = config(MIB, 1);
	CHECK_EQ(hv_machine_create(hv, &c, &m), -EINVAL, "mem below 2 MiB");
	c = config(64 * MIB, 0);
	CHECK_EQ(hv_machine_create(hv, &c, &m), -EINVAL, "0 vCPUs");
	CHECK(strstr(hv_error_detail(), "vcpus") != NULL, "detail names vcpus: %s", hv_error_detail());
	c = config(64 * MIB, 17);
	CHECK_EQ(hv_machine_create(hv, &c, &m), -EINVAL, "more vCPUs than HV_CAP_MAX_VCPUS");
	c = config(64 * MIB, 1);
	c.reserved[3] = 1;
	CHECK_EQ(hv_machine_create(hv, &c, &m), -EINVAL, "reserved not 0");
	c = config(64 * MIB, 1);
	c.console_out = 1000;
	CHECK_EQ(hv_machine_create(hv, &c, &m), -EBADF, "console_out not open");
	c = config(64 * MIB, 1);
	CHECK_EQ(hv_machine_create(hv, NULL, &m), -EINVAL, "NULL config");
	CHECK_EQ(hv_machine_create(NULL, &c, &m), -EINVAL, "NULL hv");
	CHECK_EQ(hv_machine_create(hv, &c, NULL), -EINVAL, "NULL out");
	fake.caps[HV_CAP_GPA_BITS] = 32;
	c = config(4 * GIB, 1);
	CHECK_EQ(hv_machine_create(hv, &c, &m), -E2BIG, "4 GiB ends above a 32-bit guest-physical space");
	fake.caps[HV_CAP_GPA_BITS] = 48;
	fake.caps[HV_CAP_IRQCHIP] = 0;
	CHECK_EQ(hv_machine_create(hv, &c, &m), -EOPNOTSUPP, "a module without the irqchip");
	CHECK(strstr(hv_error_detail(), "HV_CAP_IRQCHIP") != NULL, "detail: %s", hv_error_detail());
	CHECK(m == (struct hv_machine *)&m, "*out untouched on failure");
	CHECK_EQ(fake.nr_slots, 0, "no memory left behind");
	hv_close(hv);
}

/* A multiboot kernel with the a.out kludge: 64 bytes loaded at 1 MiB. */
static char *write_kernel(bool multiboot)
{
	static char path[64];
	uint32_t hdr[8] = {
		0x1badb002, 0x10000, (uint32_t)-(0x1badb002 + 0x10000),
		0x100000, 0x100000, 0, 0, 0x100020,
	};
	int fd;

	if (!multiboot)
		hdr[0] = 0;
	snprintf(path, sizeof(path), "/tmp/libhv-test-kernel.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, hdr, sizeof(hdr)) != (ssize_t)sizeof(hdr) ||
	    write(fd, hdr, sizeof(hdr)) != (ssize_t)sizeof(hdr))
		CHECK(false, "write a test kernel");
	if (fd >= 0)
		close(fd);
	return path;
}

static void probe_and_load(void)
{
	struct hv_machine_config c = config(64 * MIB, 1);
	struct hv_machine *m = NULL;
	struct hv_machine_result r;
	struct hv *hv = open_fake();
	char *path = write_kernel(true);
	uint32_t format = 0;

	CHECK_EQ(hv_kernel_probe(path, &format), 0, "probe a multiboot kernel");
	CHECK_EQ(format, HV_KERNEL_MULTIBOOT, "it is multiboot");
	CHECK_EQ(hv_machine_create(hv, &c, &m), 0, "machine: %s", hv_error_detail());
	CHECK_EQ(hv_machine_run(m, &r), -EINVAL, "run before a kernel is loaded");
	CHECK_EQ(hv_machine_load_linux(m, path, NULL, NULL), -ENOEXEC,
		 "a multiboot kernel is not a bzImage");
	CHECK_EQ(hv_machine_load_multiboot(m, path, "console=ttyS0"), 0,
		 "load it: %s", hv_error_detail());
	CHECK_EQ(fake.regs.rip, 0x100020, "vCPU 0 starts at the entry");
	CHECK_EQ(fake.regs.rax, 0x2badb002, "with the multiboot magic");
	CHECK_EQ(hv_machine_load_multiboot(m, path, NULL), -EALREADY, "only one kernel");
	hv_machine_destroy(m);
	unlink(path);

	path = write_kernel(false);
	CHECK_EQ(hv_kernel_probe(path, &format), -ENOEXEC, "neither bzImage nor multiboot");
	CHECK(strstr(hv_error_detail(), "neither") != NULL, "detail: %s", hv_error_detail());
	unlink(path);
	CHECK_EQ(hv_kernel_probe("/nonexistent/kernel", &format), -ENOENT, "missing file");
	CHECK_EQ(hv_kernel_probe("/", &format), -EINVAL, "a directory");
	hv_close(hv);
}

/* ---- runs ---- */

struct io_step {
	uint16_t port;
	uint8_t out;		/* 1: OUT of value */
	uint8_t value;
};

static struct io_step io_script[FAKE_MAX_STEPS];
static uint8_t in_data[FAKE_MAX_STEPS];	/* what each IN got */

/* Fill in the details of the scripted exit at step. */
static void fill_exit(struct hv_run *run, int step)
{
	run->regs.rip = 0x1000 + (uint64_t)step;
	switch (run->exit_reason) {
	case HV_EXIT_IO:
		run->io.port = io_script[step].port;
		run->io.size = 1;
		run->io.count = 1;
		run->io.direction = io_script[step].out ? HV_IO_OUT : HV_IO_IN;
		run->io.data_offset = HV_RUN_IO_DATA_OFFSET;
		run->io_data[0] = io_script[step].value;
		break;
	case HV_EXIT_MMIO:
		run->mmio.gpa = 0xfed00000;
		run->mmio.size = 4;
		run->mmio.is_write = 0;
		run->mmio.data = 0;
		break;
	case HV_EXIT_INTERNAL_ERROR:
		run->internal.suberror = HV_INTERNAL_UNHANDLED_EXIT;
		run->internal.ndata = 2;
		run->internal.data[0] = 0x7b;
		run->internal.data[1] = 0xdead;
		break;
	case HV_EXIT_FAIL_ENTRY:
		run->fail.hw_reason = 0x21;
		run->fail.cpu = 1;
		break;
	}
}

/* Before each step: keep what the previous step's IN read. */
static void record_in(const struct hv_run *run, int step)
{
	if (step > 0 && !io_script[step - 1].out)
		in_data[step - 1] = run->io_data[0];
}

static void io_hook(struct hv_run *run, int step)
{
	record_in(run, step);
	fill_exit(run, step);
}

struct run_env {
	struct hv *hv;
	struct hv_machine *m;
	int out[2];		/* console output pipe */
	char *kernel;
};

static bool run_env_up(struct run_env *e, int console_in)
{
	struct hv_machine_config c = config(64 * MIB, 1);

	memset(e, 0, sizeof(*e));
	e->hv = open_fake();
	e->kernel = write_kernel(true);
	if (pipe(e->out)) {
		CHECK(false, "pipe");
		return false;
	}
	c.console_in = console_in;
	c.console_out = e->out[1];
	if (hv_machine_create(e->hv, &c, &e->m) ||
	    hv_machine_load_multiboot(e->m, e->kernel, NULL)) {
		CHECK(false, "a machine with a kernel: %s", hv_error_detail());
		return false;
	}
	memset(io_script, 0, sizeof(io_script));
	memset(in_data, 0, sizeof(in_data));
	fake.run_hook = io_hook;
	fake.run_pos = 0;
	return true;
}

static void script(const int *steps, int n)
{
	memcpy(fake.run_script, steps, (size_t)n * sizeof(*steps));
	fake.run_len = n;
}

static size_t console_text(struct run_env *e, char *buf, size_t size)
{
	ssize_t n;

	close(e->out[1]);
	e->out[1] = -1;
	n = read(e->out[0], buf, size - 1);
	buf[n > 0 ? n : 0] = 0;
	return n > 0 ? (size_t)n : 0;
}

static void run_env_down(struct run_env *e)
{
	hv_machine_destroy(e->m);
	hv_close(e->hv);
	if (e->out[1] >= 0)
		close(e->out[1]);
	close(e->out[0]);
	unlink(e->kernel);
	fake.run_hook = NULL;
}

static void run_debug_exit(void)
{
	static const int steps[] = { HV_EXIT_IO, HV_EXIT_IO, HV_EXIT_IO, HV_EXIT_IO,
				     HV_EXIT_IO, HV_EXIT_IO, HV_EXIT_IO };
	struct hv_machine_result r;
	struct run_env e;
	char text[64];

	if (!run_env_up(&e, -1))
		return;
	io_script[0] = (struct io_step){ 0x3f8, 1, 'h' };
	io_script[1] = (struct io_step){ 0x3f8, 1, 'i' };
	io_script[2] = (struct io_step){ 0x3fc, 1, 0x08 };	/* MCR: OUT2 */
	io_script[3] = (struct io_step){ 0x3f9, 1, 0x02 };	/* IER: ETBEI */
	io_script[4] = (struct io_step){ 0x2f8, 0, 0 };		/* COM2: absent */
	io_script[5] = (struct io_step){ 0x3fa, 0, 0 };		/* IIR */
	io_script[6] = (struct io_step){ 0xf4, 1, 0x03 };
	script(steps, 7);
	CHECK_EQ(hv_machine_run(e.m, &r), 0, "run: %s", hv_error_detail());
	CHECK_EQ(r.end, HV_MACHINE_END_DEBUG_EXIT, "ended by the debug-exit port");
	CHECK_EQ(r.status, 7, "status (3 << 1) | 1");
	CHECK_EQ(r.rip, 0x1006, "at the OUT's RIP");
	CHECK_EQ(fake.run_pos, 7, "no HV_VCPU_RUN after the end");
	CHECK_EQ(in_data[4], 0xff, "COM2 reads all-ones");
	CHECK_EQ(r.io_unclaimed, 1, "one unclaimed byte");
	CHECK_EQ(in_data[5], 0x02, "IIR: THRE");
	CHECK(fake.nr_irq_line == 2 && fake.irq_lines[0].gsi == 4 && fake.irq_lines[0].level == 1 &&
	      fake.irq_lines[1].gsi == 4 && fake.irq_lines[1].level == 0,
	      "IRQ 4 rose with ETBEI and fell with the IIR read");
	CHECK_EQ(console_text(&e, text, sizeof(text)), 2, "two bytes of output");
	CHECK_STR(text, "hi", "the console got them");
	CHECK_EQ(hv_machine_run(e.m, &r), -EALREADY, "one run per machine");
	run_env_down(&e);
}

static void run_ends(void)
{
	static const struct {
		int steps[3];
		int n;
		int ret;
		uint32_t end;
		const char *detail;
		const char *what;
	} cases[] = {
		{ { HV_EXIT_SHUTDOWN }, 1, 0, HV_MACHINE_END_SHUTDOWN, NULL, "triple fault" },
		{ { HV_EXIT_INTERNAL_ERROR }, 1, -EIO, HV_MACHINE_END_ERROR,
		  "vCPU 0: hv internal error: suberror 1 (unhandled exit), data: 0x7b 0xdead (rip 0x1000)",
		  "internal error" },
		{ { HV_EXIT_FAIL_ENTRY }, 1, -EIO, HV_MACHINE_END_ERROR,
		  "vCPU 0: the CPU refused to enter the guest: hardware reason 0x21 on CPU 1 (rip 0x1000)",
		  "failed entry" },
		{ { HV_EXIT_HLT }, 1, -EPROTO, HV_MACHINE_END_ERROR,
		  "vCPU 0: unexpected exit hlt (3) from hv (rip 0x1000)", "HLT exit" },
		{ { -ENOMEM }, 1, -ENOMEM, HV_MACHINE_END_ERROR,
		  "vCPU 0: HV_VCPU_RUN failed: Cannot allocate memory", "HV_VCPU_RUN fails" },
		{ { -EINTR, HV_EXIT_IRQ_WINDOW_OPEN, HV_EXIT_SHUTDOWN }, 3, 0,
		  HV_MACHINE_END_SHUTDOWN, NULL, "interruptions go on" },
	};
	struct hv_machine_result r;
	struct run_env e;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!run_env_up(&e, -1))
			return;
		script(cases[i].steps, cases[i].n);
		CHECK_EQ(hv_machine_run(e.m, &r), cases[i].ret, "%s: run's return", cases[i].what);
		CHECK_EQ(r.end, cases[i].end, "%s: ends as %s", cases[i].what,
			 hv_machine_end_name(cases[i].end));
		CHECK_EQ(r.vcpu, 0, "%s: vCPU 0", cases[i].what);
		if (cases[i].detail)
			CHECK_STR(hv_error_detail(), cases[i].detail, "%s: detail", cases[i].what);
		CHECK_EQ(fake.run_pos, cases[i].n, "%s: ran the whole script", cases[i].what);
		run_env_down(&e);
	}
}

static void run_hypercall_mmio(void)
{
	static const int steps[] = { HV_EXIT_HYPERCALL, HV_EXIT_MMIO, HV_EXIT_SHUTDOWN };
	struct hv_machine_result r;
	struct run_env e;

	if (!run_env_up(&e, -1))
		return;
	script(steps, 3);
	CHECK_EQ(hv_machine_run(e.m, &r), 0, "run");
	CHECK_EQ(fake.run->hypercall.ret, (uint64_t)-1000, "a hypercall gets -KVM_ENOSYS");
	CHECK_EQ(fake.run->mmio.data, ~0ULL, "an MMIO read outside RAM gets all-ones");
	CHECK_EQ(r.mmio_unclaimed, 1, "one unclaimed MMIO access");
	run_env_down(&e);
}

/* HV_CMD_STOP_VM: EPERM with HV_EXIT_STOPPED ends the run, not as an error. */
static void run_vm_stopped(void)
{
	static const int steps[] = { HV_EXIT_IRQ_WINDOW_OPEN, -EPERM, HV_EXIT_SHUTDOWN };
	struct hv_machine_result r;
	struct run_env e;

	if (!run_env_up(&e, -1))
		return;
	script(steps, 3);
	fake.eperm_stops = true;
	CHECK_EQ(hv_machine_run(e.m, &r), 0, "run: %s", hv_error_detail());
	CHECK_EQ(r.end, HV_MACHINE_END_VM_STOPPED, "ends as stopped by an administrator");
	CHECK_STR(hv_machine_end_name(r.end), "vm_stopped", "named");
	CHECK_EQ(r.vcpu, 0, "by vCPU 0");
	CHECK_EQ(fake.run_pos, 2, "no HV_VCPU_RUN after the stop");
	run_env_down(&e);

	/* EPERM without HV_EXIT_STOPPED is an error as before. */
	if (!run_env_up(&e, -1))
		return;
	script(steps, 3);
	fake.eperm_stops = false;
	CHECK_EQ(hv_machine_run(e.m, &r), -EPERM, "a bare EPERM fails the run");
	CHECK_EQ(r.end, HV_MACHINE_END_ERROR, "as an error");
	run_env_down(&e);
}

static void machine_name(void)
{
	struct hv_machine_config c = config(64 * MIB, 1);
	struct hv_machine *m = NULL;
	struct hv *hv = open_fake();

	CHECK_EQ(hv_machine_create(hv, &c, &m), 0, "machine: %s", hv_error_detail());
	CHECK_EQ(hv_machine_set_name(m, "guest-7"), 0, "name it: %s", hv_error_detail());
	CHECK_STR(fake.name.name, "guest-7", "its VM got the name");
	CHECK_EQ(hv_machine_set_name(m, "bad\n"), -EINVAL, "a bad name");
	CHECK_EQ(hv_machine_set_name(NULL, "x"), -EINVAL, "NULL machine");
	CHECK_STR(hv_error_detail(), "hv_machine_set_name: m is NULL", "NULL machine detail");
	hv_machine_destroy(m);
	hv_close(hv);
}

static void run_stopped(void)
{
	static const int steps[] = { HV_EXIT_SHUTDOWN };
	struct hv_machine_result r;
	struct run_env e;

	if (!run_env_up(&e, -1))
		return;
	script(steps, 1);
	hv_machine_stop(e.m);
	hv_machine_stop(e.m);
	hv_machine_stop(NULL);
	CHECK(fake.nr_kick >= 1, "stop kicks the vCPUs");
	CHECK_EQ(hv_machine_run(e.m, &r), 0, "run after a stop");
	CHECK_EQ(r.end, HV_MACHINE_END_STOPPED, "ends at once as stopped");
	CHECK_EQ(fake.run_pos, 0, "the vCPU never ran");
	run_env_down(&e);
}

/*
 * A guest that polls LSR until the reader thread has put a byte in, reads
 * it from RBR, three times, then writes the debug-exit port.
 */
static void input_hook(struct hv_run *run, int step)
{
	static int got;
	uint16_t prev = step > 0 ? io_script[step - 1].port : 0;

	record_in(run, step);
	if (step == 0)
		got = 0;
	if (prev == 0x3f8)
		got++;
	if (prev == 0x3fd && (in_data[step - 1] & 0x01)) {
		io_script[step] = (struct io_step){ 0x3f8, 0, 0 };
	} else if (got == 3) {
		io_script[step] = (struct io_step){ 0xf4, 1, 0 };
	} else {
		if (prev == 0x3fd)
			usleep(50000);	/* nothing yet: give the reader time */
		io_script[step] = (struct io_step){ 0x3fd, 0, 0 };
	}
	fill_exit(run, step);
}

static void run_console_input(void)
{
	int steps[FAKE_MAX_STEPS], in[2];
	struct hv_machine_result r;
	struct run_env e;
	char got[4] = "";
	int n = 0;

	if (pipe(in) || write(in[1], "abc", 3) != 3) {
		CHECK(false, "an input pipe");
		return;
	}
	close(in[1]);
	if (!run_env_up(&e, in[0]))
		return;
	for (int i = 0; i < FAKE_MAX_STEPS; i++)
		steps[i] = HV_EXIT_IO;
	script(steps, FAKE_MAX_STEPS);
	fake.run_hook = input_hook;
	CHECK_EQ(hv_machine_run(e.m, &r), 0, "run: %s", hv_error_detail());
	CHECK_EQ(r.end, HV_MACHINE_END_DEBUG_EXIT, "the guest read its input and ended");
	for (int i = 0; i < FAKE_MAX_STEPS && n < 3; i++)
		if (io_script[i].port == 0x3f8 && !io_script[i].out)
			got[n++] = (char)in_data[i];
	CHECK_STR(got, "abc", "the guest read the console input, in order");
	run_env_down(&e);
	close(in[0]);
}

void test_machine(void)
{
	memory_layout();
	create_refused();
	probe_and_load();
	run_debug_exit();
	run_ends();
	run_hypercall_mmio();
	run_stopped();
	run_vm_stopped();
	machine_name();
	run_console_input();
	CHECK_STR(hv_machine_end_name(HV_MACHINE_END_POWEROFF), "poweroff", "end name");
	CHECK_STR(hv_machine_end_name(99), "unknown", "end name out of range");
	CHECK_STR(hv_internal_error_name(HV_INTERNAL_EMULATION), "instruction hv cannot emulate",
		  "internal error name");
}
