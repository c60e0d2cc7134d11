// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The device handle: which accelerator (hv or KVM, backend.h), open, the
 * API version and capability checks, and the system-wide queries
 * (capabilities, default CPUID, MSR list).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/sysmacros.h>

#include "backend.h"

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
	[HV_CAP_REGISTRY]	= "HV_CAP_REGISTRY",
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

static int open_error(const struct libhv_backend_ops *ops, const char *path, int err)
{
	switch (err) {
	case ENOENT:
		return libhv_error(-err, "%s does not exist: %s", path, ops->missing);
	case ENXIO:
	case ENODEV:
		return libhv_error(-err, "%s has no driver behind it: %s", path, ops->missing);
	case EACCES:
	case EPERM:
		return libhv_error(-err, "no permission to open %s", path);
	}
	return libhv_error(-err, "cannot open %s: %s", path, strerror(err));
}

int libhv_accel_by_name(const char *name, const struct libhv_backend_ops **ops)
{
	static const struct libhv_backend_ops *const all[] = {
		&libhv_backend_hv, &libhv_backend_kvm,
	};

	if (!name || !name[0]) {
		*ops = &libhv_backend_hv;
		return 0;
	}
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (!strcmp(name, all[i]->name)) {
			*ops = all[i];
			return 0;
		}
	}
	return libhv_error(-EINVAL, "%s=%s: unknown accelerator (hv or kvm)",
			   LIBHV_ACCEL_ENV, name);
}

const struct libhv_backend_ops *libhv_accel_of_device(const struct stat *st)
{
	if (S_ISCHR(st->st_mode) && major(st->st_rdev) == LIBHV_KVM_MAJOR &&
	    minor(st->st_rdev) == LIBHV_KVM_MINOR)
		return &libhv_backend_kvm;
	return &libhv_backend_hv;
}

/*
 * Which accelerator an open error is about: the one picked, or for a path
 * that cannot be opened (so has no device to ask), the one whose default
 * device has its name.
 */
static const struct libhv_backend_ops *guess_accel(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	return strcmp(base, "kvm") ? &libhv_backend_hv : &libhv_backend_kvm;
}

/*
 * The accelerator: HV_ACCEL's when path is NULL (secure_getenv: a setuid
 * program does not let its caller pick), else the device's (backend.h).
 */
static int open_device(const char *path, struct hv *hv)
{
	const struct libhv_backend_ops *ops = NULL;
	struct stat st;
	int err;

	if (!path) {
		err = libhv_accel_by_name(secure_getenv(LIBHV_ACCEL_ENV), &ops);
		if (err)
			return err;
		path = ops->default_path;
	}
	hv->fd = open(path, O_RDWR | O_CLOEXEC);
	if (hv->fd < 0)
		return open_error(ops ? ops : guess_accel(path), path, errno);
	if (!ops) {
		if (fstat(hv->fd, &st))
			st.st_mode = 0;
		ops = libhv_accel_of_device(&st);
	}
	hv->ops = ops;
	if (ops->dev_init && (err = ops->dev_init(hv))) {
		close(hv->fd);
		return err;
	}
	return 0;
}

int hv_open_unchecked(const char *path, struct hv **out)
{
	struct hv *hv;
	int err;

	if (!out)
		return LIBHV_NULL_ARG(out);
	hv = calloc(1, sizeof(*hv));
	if (!hv)
		return libhv_error(-ENOMEM, "out of memory");
	err = open_device(path, hv);
	if (err) {
		free(hv);
		return err;
	}
	*out = hv;
	return 0;
}

int hv_api_version(struct hv *hv)
{
	if (!hv)
		return LIBHV_NULL_ARG(hv);
	return hv->ops->api_version(hv);
}

int hv_check_usable(struct hv *hv)
{
	if (!hv)
		return LIBHV_NULL_ARG(hv);
	return hv->ops->check_usable(hv);
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
		if (err == -ENOTTY)
			libhv_error(err, "%s is not %s",
				    path ? path : hv->ops->default_path, hv->ops->device);
		hv_close(hv);
		return err;
	}
	*out = hv;
	return 0;
}

void hv_close(struct hv *hv)
{
	if (!hv)
		return;
	if (hv->ops->dev_free)
		hv->ops->dev_free(hv);
	close(hv->fd);
	free(hv);
}

int hv_fd(const struct hv *hv)
{
	return hv ? hv->fd : LIBHV_NULL_ARG(hv);
}

const char *hv_accel_name(const struct hv *hv)
{
	return hv ? hv->ops->name : NULL;
}

int hv_check_cap(struct hv *hv, uint32_t cap, uint64_t *value)
{
	if (!hv)
		return LIBHV_NULL_ARG(hv);
	if (!value)
		return LIBHV_NULL_ARG(value);
	return hv->ops->check_cap(hv, cap, value);
}

int hv_get_supported_cpuid(struct hv *hv, struct hv_cpuid_entry *entries,
			   uint32_t *nent)
{
	if (!hv)
		return LIBHV_NULL_ARG(hv);
	if (!nent)
		return LIBHV_NULL_ARG(nent);
	return hv->ops->get_supported_cpuid(hv, entries, nent);
}

int hv_get_msr_list(struct hv *hv, uint32_t *indices, uint32_t *n)
{
	if (!hv)
		return LIBHV_NULL_ARG(hv);
	if (!n)
		return LIBHV_NULL_ARG(n);
	return hv->ops->get_msr_list(hv, indices, n);
}
