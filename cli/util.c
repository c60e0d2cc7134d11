// SPDX-License-Identifier: GPL-2.0
/* What the subcommands share: messages, size parsing, diagnosis. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hvctl.h"

void hvctl_err(const char *fmt, ...)
{
	va_list ap;

	fputs("hvctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int hvctl_usage_error(const struct hvctl_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "hvctl %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return hvctl_see_help(cmd);
}

int hvctl_see_help(const struct hvctl_cmd *cmd)
{
	fprintf(stderr, "See 'hvctl %s --help'.\n", cmd->name);
	return HVCTL_USAGE;
}

static int suffix_shift(const char *s)
{
	if (!*s)
		return 0;
	if (s[1])
		return -1;
	switch (toupper((unsigned char)*s)) {
	case 'K':
		return 10;
	case 'M':
		return 20;
	case 'G':
		return 30;
	}
	return -1;
}

int hvctl_parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;
	int shift;

	/* strtoull() would accept "-1" and leading blanks. */
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno)
		return -errno;
	shift = suffix_shift(end);
	if (shift < 0)
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = (uint64_t)v << shift;
	return 0;
}

/*
 * 1 when /proc/cpuinfo lists svm or vmx, 0 when it lists neither, -1 when
 * it cannot be read (then we say nothing about the CPU).
 */
static int cpu_has_virt(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[4096];
	int found = -1;

	if (!f)
		return -1;
	while (found != 1 && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5))
			continue;
		found = 0;
		for (char *tok = strtok(line, " \t\n"); tok; tok = strtok(NULL, " \t\n"))
			if (!strcmp(tok, "svm") || !strcmp(tok, "vmx"))
				found = 1;
	}
	fclose(f);
	return found;
}

/*
 * Whether a failed open was for KVM, for the hints below: libhv's rule
 * (libhv.h), guessed from the path where there is no device to ask.
 */
static bool meant_kvm(const char *path)
{
	const char *accel = getenv("HV_ACCEL"), *base;

	if (!path)
		return accel && !strcmp(accel, "kvm");
	base = strrchr(path, '/');
	return !strcmp(base ? base + 1 : path, "kvm");
}

void hvctl_explain_open(const char *path, int err)
{
	bool kvm = meant_kvm(path);

	hvctl_err("%s", hv_error_detail());
	switch (err) {
	case -ENOENT:
	case -ENXIO:
	case -ENODEV:
		if (kvm)
			hvctl_err("load KVM with 'modprobe kvm_amd' or 'modprobe kvm_intel'; if that fails, 'dmesg' says why");
		else
			hvctl_err("load it with 'modprobe hv' (or 'insmod hv.ko'); if that fails, 'dmesg' says why");
		if (cpu_has_virt() == 0)
			hvctl_err("this CPU has no AMD-V or VT-x (no svm or vmx flag in /proc/cpuinfo;"
				  " the firmware may have it disabled), so hv cannot work here");
		break;
	case -EACCES:
	case -EPERM:
		hvctl_err("run as root, or give your user read and write access to %s",
			  path ? path : kvm ? "/dev/kvm" : "/dev/hv");
		break;
	case -EPROTO:
		if (!kvm)
			hvctl_err("libhv and the hv module are from different versions: build and install both from one tree");
		break;
	case -EOPNOTSUPP:
		if (!kvm)
			hvctl_err("the loaded hv module lacks what this libhv needs: load the module built with it");
		break;
	}
}

void hvctl_explain_vm_create(int err)
{
	hvctl_err("cannot create a VM: %s", hv_error_detail());
	if (err == -EBUSY)
		hvctl_err("stop the other hypervisor's VMs or unload it (e.g. 'modprobe -r kvm_amd kvm_intel');"
			  " since Linux 6.12 KVM holds SVM/VMX from the moment it loads unless"
			  " kvm.enable_virt_at_load=0");
	else if (err == -ENOMEM)
		hvctl_err("the host is out of memory");
}
