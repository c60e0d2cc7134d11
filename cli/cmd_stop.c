// SPDX-License-Identifier: GPL-2.0
/* hvctl stop: stop a VM for good, as an administrator. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>

#include "hvctl.h"
#include "registry.h"

static void stop_usage(FILE *out)
{
	fprintf(out,
		"Usage: hvctl stop VM\n"
		"\n"
		"Stop VM, an id or a name as 'hvctl list' shows them, for good: its vCPUs\n"
		"leave the guest and never enter it again. The program that runs it sees\n"
		"its vCPUs fail (hvctl run ends with status %d and says that an\n"
		"administrator stopped the VM); the VM goes away once that program closes\n"
		"it. Needs CAP_SYS_ADMIN (root).\n"
		"\n"
		"Options:\n"
		"  -h, --help   show this help\n"
		"\n"
		"Exit status: 0 when stopped, 1 when it was not (no such VM, stopped\n"
		"already, no permission), 2 for a usage error.\n",
		HVCTL_VM_STOPPED);
}

static int stop(const char *arg)
{
	struct hv_registry *reg;
	struct hv_vm_info vm;
	char name[HV_VM_NAME_SIZE];
	int err;

	if (reg_open(&reg))
		return HVCTL_FAILED;
	if (reg_find_vm(reg, arg, &vm)) {
		hv_registry_close(reg);
		return HVCTL_FAILED;
	}
	err = hv_registry_stop(reg, vm.id);
	hv_registry_close(reg);
	fmt_name(vm.name, 0, name, sizeof(name));
	switch (err) {
	case 0:
		printf("stopped VM %" PRIu32 " (%s, pid %" PRIu32 ")\n", vm.id, name, vm.pid);
		return reg_flush_stdout();
	case -EPERM:
		hvctl_err("cannot stop VM %" PRIu32 " (%s): stopping a VM needs CAP_SYS_ADMIN (root)",
			  vm.id, name);
		break;
	case -ENOENT:
		hvctl_err("no VM %" PRIu32 " (%s) any more: it went away", vm.id, name);
		break;
	case -EALREADY:
		hvctl_err("VM %" PRIu32 " (%s) is already stopped", vm.id, name);
		break;
	default:
		reg_err("cannot stop the VM");
	}
	return HVCTL_FAILED;
}

static int stop_main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (c != 'h')
			return hvctl_see_help(&cmd_stop);
		stop_usage(stdout);
		return HVCTL_OK;
	}
	if (optind == argc)
		return hvctl_usage_error(&cmd_stop, "which VM? Give its id or name");
	if (optind + 1 != argc)
		return hvctl_usage_error(&cmd_stop, "one VM only; '%s' is one too many",
					 argv[optind + 1]);
	return stop(argv[optind]);
}

const struct hvctl_cmd cmd_stop = {
	.name = "stop",
	.summary = "stop a VM for good (CAP_SYS_ADMIN)",
	.main = stop_main,
	.usage = stop_usage,
};
