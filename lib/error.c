// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The per-thread explanation behind a negative errno: errno alone cannot
 * say which capability is missing or which file did not fit.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "internal.h"

static _Thread_local char detail[256];

const char *hv_error_detail(void)
{
	return detail;
}

int libhv_error(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	return err;
}

int libhv_ioctl(int fd, unsigned long req, unsigned long arg, const char *name)
{
	int ret = ioctl(fd, req, arg);

	if (ret < 0) {
		int err = errno;

		return libhv_error(-err, "%s failed: %s", name, strerror(err));
	}
	return ret;
}
