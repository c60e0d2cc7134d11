// SPDX-License-Identifier: LGPL-2.1-or-later
/* Unit tests of libhv that need no module: the harness and the group list. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

static int passed, failed;

static void report(bool ok, const char *file, int line, const char *why,
		   const char *fmt, va_list ap)
{
	printf("%sok %d - ", ok ? "" : "not ", passed + failed + 1);
	vprintf(fmt, ap);
	if (!ok)
		printf("  # %s:%d%s%s", file, line, why ? ": " : "", why ? why : "");
	printf("\n");
	if (ok)
		passed++;
	else
		failed++;
}

void test_ok(bool ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(ok, file, line, NULL, fmt, ap);
	va_end(ap);
}

void test_eq(uint64_t got, uint64_t want, const char *file, int line,
	     const char *fmt, ...)
{
	char why[128];
	va_list ap;

	snprintf(why, sizeof(why), "got %#llx (%lld), want %#llx (%lld)",
		 (unsigned long long)got, (long long)got,
		 (unsigned long long)want, (long long)want);
	va_start(ap, fmt);
	report(got == want, file, line, why, fmt, ap);
	va_end(ap);
}

void test_streq(const char *got, const char *want, const char *file, int line,
		const char *fmt, ...)
{
	bool ok = got && want ? !strcmp(got, want) : got == want;
	char why[512];
	va_list ap;

	snprintf(why, sizeof(why), "got \"%s\", want \"%s\"",
		 got ? got : "(null)", want ? want : "(null)");
	va_start(ap, fmt);
	report(ok, file, line, why, fmt, ap);
	va_end(ap);
}

bool test_survives(void (*fn)(void))
{
	pid_t pid;
	int status;

	fflush(stdout);	/* or the child's copy of the buffer is printed twice */
	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		fn();
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int main(void)
{
	static void (*const groups[])(void) = {
		test_names, test_setup, test_open, test_vm, test_vcpu,
		test_null_args, test_layout, test_acpi, test_linux_boot,
		test_multiboot, test_uart, test_rtc, test_devices, test_machine,
		test_kvm, test_registry,
	};

	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		groups[i]();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
