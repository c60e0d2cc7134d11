// SPDX-License-Identifier: GPL-2.0
/*
 * hvctl info: what hv offers here, or why it is unusable. Goes step by
 * step (open, API version, capabilities, a test VM) so that the first
 * step that fails is the one reported.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <string.h>

#include "hvctl.h"

static void info_usage(FILE *out)
{
	fprintf(out,
		"Usage: hvctl info [--device PATH]\n"
		"\n"
		"Show the accelerator, backend, API version and every capability, then\n"
		"check that it is usable by creating and destroying a VM. When it is not,\n"
		"say why.\n"
		"\n"
		"Options:\n"
		"  -d, --device PATH   the device (default /dev/hv; /dev/kvm with HV_ACCEL=kvm)\n"
		"  -h, --help          show this help\n"
		"\n"
		"Exit status: 0 when hv is usable, 1 when it is not, 2 for a usage error.\n");
}

static void show_caps(struct hv *hv)
{
	const char *name;
	uint64_t value;

	printf("capabilities:\n");
	for (uint32_t cap = 0; (name = hv_cap_name(cap)); cap++) {
		if (hv_check_cap(hv, cap, &value)) {
			printf("  %-22s ? (%s)\n", name, hv_error_detail());
			continue;
		}
		printf("  %-22s %llu", name, (unsigned long long)value);
		if (cap == HV_CAP_BACKEND)
			printf(" (%s)", hv_backend_name(value));
		printf("\n");
	}
}

static bool is_kvm(const struct hv *hv)
{
	return !strcmp(hv_accel_name(hv), "kvm");
}

static void show_device(struct hv *hv)
{
	uint64_t backend;
	int version = hv_api_version(hv);

	if (version < 0)
		printf("api version:  ? (%s)\n", hv_error_detail());
	else if (is_kvm(hv))
		printf("api version:  %d (KVM's)\n", version);
	else
		printf("api version:  %d (libhv speaks %d)\n", version, HV_API_VERSION);
	if (!hv_check_cap(hv, HV_CAP_BACKEND, &backend))
		printf("backend:      %s\n", hv_backend_name(backend));
}

/* A VM exercises what capabilities cannot show: SVM/VMX really being ours. */
static int try_vm(struct hv *hv)
{
	struct hv_vm *vm;
	int err;

	err = hv_vm_create(hv, &vm);
	if (err) {
		printf("status:       unusable\n");
		fflush(stdout);
		hvctl_explain_vm_create(err);
		return HVCTL_FAILED;
	}
	hv_vm_destroy(vm);
	printf("status:       usable (a test VM was created and destroyed)\n");
	return HVCTL_OK;
}

static int info(const char *path)
{
	struct hv *hv;
	int err, ret;

	err = hv_open_unchecked(path, &hv);
	if (err) {
		hvctl_explain_open(path, err);
		return HVCTL_FAILED;
	}
	if (!path)
		path = is_kvm(hv) ? "/dev/kvm" : "/dev/hv";
	printf("device:       %s\n", path);
	printf("accelerator:  %s\n", hv_accel_name(hv));
	err = hv_check_usable(hv);
	if (err == -ENOTTY) {
		printf("status:       unusable\n");
		fflush(stdout);
		hvctl_err("%s is not %s device", path, is_kvm(hv) ? "a KVM" : "an hv");
		hv_close(hv);
		return HVCTL_FAILED;
	}
	show_device(hv);
	show_caps(hv);
	if (err) {
		printf("status:       unusable\n");
		fflush(stdout);
		hvctl_explain_open(path, err);
		ret = HVCTL_FAILED;
	} else {
		ret = try_vm(hv);
	}
	hv_close(hv);
	return ret;
}

static int info_main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *path = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "d:h", options, NULL)) != -1) {
		switch (c) {
		case 'd':
			path = optarg;
			break;
		case 'h':
			info_usage(stdout);
			return HVCTL_OK;
		default:
			return hvctl_see_help(&cmd_info);
		}
	}
	if (optind != argc)
		return hvctl_usage_error(&cmd_info, "unexpected argument '%s'", argv[optind]);
	return info(path);
}

const struct hvctl_cmd cmd_info = {
	.name = "info",
	.summary = "show the accelerator, backend, API version and capabilities, or why it is unusable",
	.main = info_main,
	.usage = info_usage,
};
