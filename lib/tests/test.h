/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A small TAP-like harness: one "ok N - what" or "not ok N - what" line per
 * check, then "N passed, N failed"; the exit status is non-zero on failure.
 */
#ifndef LIBHV_TEST_H
#define LIBHV_TEST_H

#include <stdbool.h>
#include <stdint.h>

void test_ok(bool ok, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void test_eq(uint64_t got, uint64_t want, const char *file, int line,
	     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void test_streq(const char *got, const char *want, const char *file, int line,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * Call fn in a child process; true when it returned. For "harmless" calls
 * (hv_close(NULL)): a crash becomes a failed check, not the end of the run.
 */
bool test_survives(void (*fn)(void));

#define CHECK(cond, ...) test_ok((cond), __FILE__, __LINE__, __VA_ARGS__)
#define CHECK_EQ(got, want, ...) \
	test_eq((uint64_t)(got), (uint64_t)(want), __FILE__, __LINE__, __VA_ARGS__)
#define CHECK_STR(got, want, ...) \
	test_streq((got), (want), __FILE__, __LINE__, __VA_ARGS__)

/* The groups main() runs, one per file. */
void test_names(void);
void test_setup(void);
void test_open(void);
void test_vm(void);
void test_vcpu(void);
void test_null_args(void);
void test_uart(void);
void test_rtc(void);
void test_devices(void);
void test_machine(void);
void test_layout(void);
void test_acpi(void);
void test_linux_boot(void);
void test_multiboot(void);
void test_kvm(void);
void test_registry(void);

#endif /* LIBHV_TEST_H */
