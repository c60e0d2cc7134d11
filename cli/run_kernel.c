// SPDX-License-Identifier: GPL-2.0
/*
 * hvctl run --kernel: boot a Linux bzImage or a multiboot kernel on
 * libhv's PC machine, with COM1 on stdin and stdout, and say how the run
 * ended.
 *
 * SIGINT, SIGTERM and SIGHUP stop the machine; hvctl then cleans up (the
 * terminal above all) and dies of the same signal, so that whoever sent
 * it sees it did its job.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hvctl.h"
#include "run.h"

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };

#define NR_STOP_SIGNALS (sizeof(stop_signals) / sizeof(stop_signals[0]))

/* For the signal handler: the running machine, and the signal that came. */
static struct hv_machine *volatile running;
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
	struct hv_machine *m = running;

	stop_signal = sig;
	hv_machine_stop(m);
}

static void catch_stop_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NR_STOP_SIGNALS; i++)
		sigaction(stop_signals[i], &sa, NULL);
}

/* Die of the stop signal, now that everything is cleaned up. */
static void die_of_stop_signal(void)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigset_t set;

	sigemptyset(&sa.sa_mask);
	sigaction(stop_signal, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, stop_signal);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(stop_signal);
}

/* What can be found out about the files without /dev/hv. */
static int check_files(const struct kernel_opts *o, uint32_t *format)
{
	if (hv_kernel_probe(o->kernel, format)) {
		hvctl_err("%s", hv_error_detail());
		return -1;
	}
	if (*format == HV_KERNEL_MULTIBOOT && o->initrd) {
		hvctl_err("%s is a multiboot kernel: --initrd is for Linux bzImages only", o->kernel);
		return -1;
	}
	if (o->initrd && access(o->initrd, R_OK)) {
		hvctl_err("%s: %s", o->initrd, strerror(errno));
		return -1;
	}
	return 0;
}

static int check_vcpus(const struct kernel_opts *o, struct hv *hv)
{
	uint64_t max;

	if (hv_check_cap(hv, HV_CAP_MAX_VCPUS, &max)) {
		hvctl_err("cannot query hv: %s", hv_error_detail());
		return -1;
	}
	if (o->vcpus > max) {
		hvctl_err("--vcpus %u is more than hv's %llu (HV_CAP_MAX_VCPUS)", o->vcpus,
			  (unsigned long long)max);
		return -1;
	}
	return 0;
}

static int create(const struct kernel_opts *o, struct hv *hv, int console_in,
		  struct hv_machine **m)
{
	struct hv_machine_config config = {
		.mem = o->mem, .vcpus = o->vcpus,
		.console_in = console_in, .console_out = STDOUT_FILENO,
	};
	int err = hv_machine_create(hv, &config, m);

	if (err == -EBUSY || err == -ENOMEM)
		hvctl_explain_vm_create(err);
	else if (err == -E2BIG)
		hvctl_err("--mem %s: %s", o->mem_arg, hv_error_detail());
	else if (err)
		hvctl_err("cannot create the machine: %s", hv_error_detail());
	else if (run_name_result(o->name, hv_machine_set_name(*m, o->name->name)))
		err = -1;
	return err;
}

static int load(const struct kernel_opts *o, uint32_t format, struct hv_machine *m)
{
	int err;

	if (format == HV_KERNEL_BZIMAGE)
		err = hv_machine_load_linux(m, o->kernel, o->initrd, o->cmdline);
	else
		err = hv_machine_load_multiboot(m, o->kernel, o->cmdline);
	if (err)
		hvctl_err("cannot load %s: %s", o->kernel, hv_error_detail());
	return err;
}

/* Every vCPU's counters (zeros too, so scripts find the same lines), then the machine's. */
static void print_stats(struct hv_machine *m, const struct hv_machine_result *r)
{
	for (uint32_t v = 0; v < hv_machine_vcpus(m); v++) {
		struct hv_vcpu_stats stats;
		uint32_t nr;

		if (hv_vcpu_get_stats(hv_machine_vcpu(m, v), &stats)) {
			hvctl_err("cannot read the exit counts of vCPU %u: %s", v, hv_error_detail());
			continue;
		}
		nr = stats.nr < 63 ? stats.nr : 63;
		for (uint32_t i = 0; i < nr; i++) {
			const char *name = hv_stat_name(i);

			if (name)
				fprintf(stderr, "vcpu%u.%s: %llu\n", v, name,
					(unsigned long long)stats.count[i]);
			else
				fprintf(stderr, "vcpu%u.stat%u: %llu\n", v, i,
					(unsigned long long)stats.count[i]);
		}
	}
	fprintf(stderr, "machine.io_unclaimed: %llu\n", (unsigned long long)r->io_unclaimed);
	fprintf(stderr, "machine.mmio_unclaimed: %llu\n", (unsigned long long)r->mmio_unclaimed);
}

/* Say how the run ended; returns hvctl's exit status. */
static int report(int ret, const struct hv_machine_result *r, const struct console *c)
{
	if (ret) {
		hvctl_err("the guest stopped: %s", hv_error_detail());
		return HVCTL_FAILED;
	}
	switch (r->end) {
	case HV_MACHINE_END_POWEROFF:
		hvctl_err("guest powered off");
		return HVCTL_OK;
	case HV_MACHINE_END_RESET:
		hvctl_err("guest rebooted (a reboot ends the run)");
		return HVCTL_OK;
	case HV_MACHINE_END_DEBUG_EXIT:
		return r->status;
	case HV_MACHINE_END_SHUTDOWN:
		hvctl_err("guest shut down: vCPU %u triple-faulted (rip 0x%llx)", r->vcpu,
			  (unsigned long long)r->rip);
		return HVCTL_FAILED;
	case HV_MACHINE_END_VM_STOPPED:
		hvctl_err("the VM was stopped by an administrator");
		return HVCTL_VM_STOPPED;
	case HV_MACHINE_END_STOPPED:
		if (stop_signal)
			hvctl_err("stopped by %s", strsignal(stop_signal));
		else if (c->quit)
			hvctl_err("stopped (C-a x)");
		return HVCTL_OK;
	}
	hvctl_err("the run ended for a reason hvctl does not know (%u)", r->end);
	return HVCTL_FAILED;
}

int run_kernel(const struct kernel_opts *o)
{
	struct hv_machine_result result = { 0 };
	struct hv_machine *m = NULL;
	struct console console;
	struct hv *hv = NULL;
	int status = HVCTL_FAILED;
	uint32_t format;
	int err;

	if (check_files(o, &format))
		return HVCTL_FAILED;
	/* Before the terminal goes raw: from now on a signal only stops the run. */
	catch_stop_signals();
	err = hv_open(o->device, &hv);
	if (err) {
		hvctl_explain_open(o->device, err);
		return HVCTL_FAILED;
	}
	if (check_vcpus(o, hv) || console_open(&console))
		goto out_close;
	if (create(o, hv, console.in, &m) || load(o, format, m))
		goto out_console;

	running = m;
	/* A signal before running was set: stop at once, as if it came later. */
	if (stop_signal)
		hv_machine_stop(m);
	if (console_start(&console, m))
		goto out_console;
	err = hv_machine_run(m, &result);
	running = NULL;
	console_close(&console);
	status = report(err, &result, &console);
	if (o->stats)
		print_stats(m, &result);

out_console:
	console_close(&console);
	hv_machine_destroy(m);
out_close:
	hv_close(hv);
	if (stop_signal)
		die_of_stop_signal();
	return status;
}
