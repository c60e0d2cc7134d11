// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The /dev/hv handle: open, API version and capability checks, and the
 * system-wide queries (capabilities, default CPUID, MSR list).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static const char *const cap_names[] = {
	[HV_CAP_BACKEND]	= "HV_CAP_BACKEND",
	[HV_CAP_MAX_VCPUS]	= "HV_CAP_MAX_VCPUS",
	[HV_CAP_NR_MEMSLOTS]	= "HV_CAP_NR_MEMSLOTS",
	[HV_CAP_READONLY_MEM]	= "HV_CAP_READONLY_MEM",
	[HV_CAP_RUN_SIZE]	= "HV_CAP_RUN_SIZE",
	[HV_CAP_SYNC_REGS]	= "HV_CAP_SYNC_REGS",
	[HV_CAP_XSAVE]		= "HV_CAP_XSAVE",
	[HV_CAP_NMI]		= "HV_CAP_NMI",
	[HV_CAP_MMIO]		= "HV_CAP_MMIO",
	[HV_CAP_KICK]		= "HV_CAP_KICK",
	[HV_CAP_STATS]		= "HV_CAP_STATS",
	[HV_CAP_GPA_BITS]	= "HV_CAP_GPA_BITS",
	[HV_CAP_NESTED_PAGING]	= "HV_CAP_NESTED_PAGING",
	[HV_CAP_IRQCHIP]	= "HV_CAP_IRQCHIP",
	[HV_CAP_PVCLOCK]	= "HV_CAP_PVCLOCK",
};

/* What libhv itself relies on; everything else is the caller's business. */
static const struct {
	uint32_t cap;
	uint64_t min;
} required_caps[] = {
	/* hv_vcpu_create() asks for HV_SYNC_REGS in every run page. */
	{ HV_CAP_SYNC_REGS, 1 },
	/* The mapping must hold all of struct hv_run. */
	{ HV_CAP_RUN_SIZE, sizeof(struct hv_run) },
};

const char *hv_cap_name(uint32_t cap)
{
	return cap < sizeof(cap_names) / sizeof(cap_names[0]) ?
	       cap_names[cap] : NULL;
}

const char *hv_backend_name(uint64_t backend)
{
	switch (backend) {
	case HV_BACKEND_NONE:
		return "none";
	case HV_BACKEND_SVM:
		return "svm";
	case HV_BACKEND_VMX:
		return "vmx";
	}
	return "unknown";
}

static int open_error(const char *path, int err)
{
	switch (err) {
	case ENOENT:
		return libhv_error(-err, "%s does not exist: the hv module is not loaded",
				   path);
	case ENXIO:
	case ENODEV:
		return libhv_error(-err, "%s has no driver behind it: the hv module is not loaded",
				   path);
	case EACCES:
	case EPERM:
		return libhv_error(-err, "no permission to open %s", path);
	}
	return libhv_error(-err, "cannot open %s: %s", path, strerror(err));
}

int hv_open_unchecked(const char *path, struct hv **out)
{
	struct hv *hv;

	if (!out)
		return LIBHV_NULL_ARG(out);
	if (!path)
		path = LIBHV_DEFAULT_PATH;

	hv = calloc(1, sizeof(*hv));
	if (!hv)
		return libhv_error(-ENOMEM, "out of memory");
	hv->fd = open(path, O_RDWR | O_CLOEXEC);
	if (hv->fd < 0) {
		int err = errno;

		free(hv);
		return open_error(path, err);
	}
	*out = hv;
	return 0;
}

int hv_api_version(struct hv *hv)
{
	if (!hv)
		return LIBHV_NULL_ARG(hv);
	return LIBHV_IOCTL(hv->fd, HV_GET_API_VERSION, 0);
}

static int check_caps(struct hv *hv)
{
	for (size_t i = 0; i < sizeof(required_caps) / sizeof(required_caps[0]); i++) {
		const char *name = hv_cap_name(required_caps[i].cap);
		uint64_t value;
		int err;

		err = hv_check_cap(hv, required_caps[i].cap, &value);
		if (err)
			return err;
		if (value == 0)
			return libhv_error(-EOPNOTSUPP, "capability %s is missing", name);
		if (value < required_caps[i].min)
			return libhv_error(-EOPNOTSUPP,
					   "capability %s is %llu, libhv needs at least %llu",
					   name, (unsigned long long)value,
					   (unsigned long long)required_caps[i].min);
	}
	return 0;
}

int hv_check_usable(struct hv *hv)
{
	uint64_t run_size;
	int version, err;

	if (!hv)
		return LIBHV_NULL_ARG(hv);
	version = hv_api_version(hv);
	if (version == -ENOTTY)
		return libhv_error(-ENOTTY, "the device does not answer HV_GET_API_VERSION: it is not hv");
	if (version < 0)
		return version;
	if (version != HV_API_VERSION)
		return libhv_error(-EPROTO, "hv speaks API version %d, libhv speaks %d",
				   version, HV_API_VERSION);
	err = check_caps(hv);
	if (err)
		return err;
	err = hv_check_cap(hv, HV_CAP_RUN_SIZE, &run_size);
	if (err)
		return err;
	hv->run_size = (uint32_t)run_size;
	return 0;
}

int hv_open(const char *path, struct hv **out)
{
	struct hv *hv;
	int err;

	if (!out)
		return LIBHV_NULL_ARG(out);
	err = hv_open_unchecked(path, &hv);
	if (err)
		return err;
	err = hv_check_usable(hv);
	if (err) {
		hv_close(hv);
		if (err == -ENOTTY)
			libhv_error(err, "%s is not an hv device",
				    path ? path : LIBHV_DEFAULT_PATH);
		return err;
	}
	*out = hv;
	return 0;
}

void hv_close(struct hv *hv)
{
	if (!hv)
		return;
	close(hv->fd);
	free(hv);
}

int hv_fd(const struct hv *hv)
{
	return hv ? hv->fd : LIBHV_NULL_ARG(hv);
}

int hv_check_cap(struct hv *hv, uint32_t cap, uint64_t *value)
{
	int ret;

	if (!hv)
		return LIBHV_NULL_ARG(hv);
	if (!value)
		return LIBHV_NULL_ARG(value);
	ret = LIBHV_IOCTL(hv->fd, HV_CHECK_CAP, cap);
	if (ret < 0)
		return ret;
	*value = (uint64_t)ret;
	return 0;
}

int hv_get_supported_cpuid(struct hv *hv, struct hv_cpuid_entry *entries,
			   uint32_t *nent)
{
	struct hv_cpuid cpuid = { 0 };
	int ret;

	if (!hv)
		return LIBHV_NULL_ARG(hv);
	if (!nent)
		return LIBHV_NULL_ARG(nent);
	cpuid.nent = *nent;
	cpuid.entries = (uintptr_t)entries;
	ret = LIBHV_IOCTL_PTR(hv->fd, HV_GET_SUPPORTED_CPUID, &cpuid);
	/* On -E2BIG too: nent says how much room is needed. */
	if (ret >= 0 || ret == -E2BIG)
		*nent = cpuid.nent;
	return ret < 0 ? ret : 0;
}

int hv_get_msr_list(struct hv *hv, uint32_t *indices, uint32_t *n)
{
	struct hv_msr_list list = { 0 };
	int ret;

	if (!hv)
		return LIBHV_NULL_ARG(hv);
	if (!n)
		return LIBHV_NULL_ARG(n);
	list.nmsrs = *n;
	list.indices = (uintptr_t)indices;
	ret = LIBHV_IOCTL_PTR(hv->fd, HV_GET_MSR_LIST, &list);
	if (ret >= 0 || ret == -E2BIG)
		*n = list.nmsrs;
	return ret < 0 ? ret : 0;
}
