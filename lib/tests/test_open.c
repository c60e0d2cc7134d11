// SPDX-License-Identifier: LGPL-2.1-or-later
/* hv_open() on missing, foreign and fake devices; the device-level queries. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../internal.h"
#include "fake_hv.h"
#include "test.h"

static bool detail_has(const char *text)
{
	return strstr(hv_error_detail(), text) != NULL;
}

static void open_not_hv(void)
{
	char path[] = "/tmp/libhv-test-XXXXXX";
	struct hv *hv = (struct hv *)&hv;	/* must be left alone on failure */
	int fd;

	CHECK_EQ(hv_open("/nonexistent/hv", &hv), -ENOENT, "missing device is -ENOENT");
	CHECK(detail_has("/nonexistent/hv") && detail_has("module is not loaded"),
	      "missing device detail: %s", hv_error_detail());
	CHECK(hv == (struct hv *)&hv, "*out untouched on failure");
	CHECK_EQ(hv_open("/dev/null", &hv), -ENOTTY, "/dev/null is -ENOTTY");
	CHECK_STR(hv_error_detail(), "/dev/null is not an hv device", "/dev/null detail");
	CHECK_EQ(hv_open("/", &hv), -EISDIR, "a directory is -EISDIR");
	CHECK(detail_has("cannot open /"), "directory detail: %s", hv_error_detail());

	fd = mkstemp(path);
	CHECK(fd >= 0, "temporary file");
	CHECK_EQ(hv_open(path, &hv), -ENOTTY, "a regular file is -ENOTTY");
	close(fd);
	unlink(path);
	CHECK_EQ(hv_open(NULL, NULL), -EINVAL, "NULL out is -EINVAL");
}

static void close_null(void)
{
	hv_close(NULL);
}

static void open_fake(void)
{
	struct hv *hv = NULL;
	uint64_t value = 0;

	fake_reset();
	CHECK_EQ(hv_open(fake_path(), &hv), 0, "open the fake device");
	CHECK(hv && hv_fd(hv) >= 0, "handle and fd");
	CHECK_EQ(hv_api_version(hv), HV_API_VERSION, "API version");
	CHECK_EQ(hv_check_cap(hv, HV_CAP_BACKEND, &value), 0, "check cap");
	CHECK_EQ(value, HV_BACKEND_SVM, "backend value");
	CHECK_EQ(hv_check_cap(hv, 40, &value), 0, "unknown cap is not an error");
	CHECK_EQ(value, 0, "unknown cap reads 0");
	CHECK_EQ(hv_check_cap(hv, HV_CAP_BACKEND, NULL), -EINVAL, "check cap NULL value");
	CHECK_EQ(hv_check_cap(NULL, HV_CAP_BACKEND, &value), -EINVAL, "check cap NULL hv");
	hv_close(hv);
	CHECK(test_survives(close_null), "hv_close(NULL) is harmless");
}

static void open_refused(void)
{
	struct hv *hv = NULL;

	fake_reset();
	fake.api_version = 2;
	CHECK_EQ(hv_open(fake_path(), &hv), -EPROTO, "API version 2 is -EPROTO");
	CHECK_STR(hv_error_detail(), "hv speaks API version 2, libhv speaks 1", "version detail");

	fake_reset();
	fake.caps[HV_CAP_SYNC_REGS] = 0;
	CHECK_EQ(hv_open(fake_path(), &hv), -EOPNOTSUPP, "no SYNC_REGS is -EOPNOTSUPP");
	CHECK_STR(hv_error_detail(), "capability HV_CAP_SYNC_REGS is missing", "sync regs detail");

	fake_reset();
	fake.caps[HV_CAP_RUN_SIZE] = sizeof(struct hv_run) - 8;
	CHECK_EQ(hv_open(fake_path(), &hv), -EOPNOTSUPP, "small run page is -EOPNOTSUPP");
	CHECK(detail_has("HV_CAP_RUN_SIZE is 4088, libhv needs at least 4096"),
	      "run size detail: %s", hv_error_detail());

	fake_reset();
	fake.caps[HV_CAP_RUN_SIZE] = 0;
	CHECK_EQ(hv_open(fake_path(), &hv), -EOPNOTSUPP, "no RUN_SIZE is -EOPNOTSUPP");
	CHECK_STR(hv_error_detail(), "capability HV_CAP_RUN_SIZE is missing", "run size missing detail");
}

static void unchecked_open(void)
{
	struct hv_vm *vm = NULL;
	struct hv_vcpu *vcpu = NULL;
	struct hv *hv = NULL;

	fake_reset();
	fake.api_version = 7;
	CHECK_EQ(hv_open_unchecked(fake_path(), &hv), 0, "unchecked open ignores the version");
	CHECK_EQ(hv_api_version(hv), 7, "and reports it");
	CHECK_EQ(hv_check_usable(hv), -EPROTO, "hv_check_usable says why");
	fake.api_version = HV_API_VERSION;
	CHECK_EQ(hv_vm_create(hv, &vm), 0, "VM on an unchecked handle");
	CHECK_EQ(hv_vcpu_create(vm, 0, &vcpu), -EOPNOTSUPP, "but no vCPU: run size unknown");
	hv_vm_destroy(vm);
	CHECK_EQ(hv_check_usable(hv), 0, "check passes once the device is fine");
	hv_close(hv);

	CHECK_EQ(hv_open_unchecked("/dev/null", &hv), 0, "unchecked open of /dev/null");
	CHECK_EQ(hv_check_usable(hv), -ENOTTY, "is not hv");
	CHECK(detail_has("not hv"), "detail: %s", hv_error_detail());
	hv_close(hv);
}

static void device_queries(void)
{
	struct hv_cpuid_entry entries[4];
	struct hv_vm *vm = (struct hv_vm *)&vm;
	struct hv *hv;
	uint32_t n;

	fake_reset();
	CHECK_EQ(hv_open(fake_path(), &hv), 0, "open for queries");
	n = 1;
	CHECK_EQ(hv_get_supported_cpuid(hv, entries, &n), -E2BIG, "CPUID with too little room");
	CHECK_EQ(n, 2, "E2BIG reports the count needed");
	n = 4;
	CHECK_EQ(hv_get_supported_cpuid(hv, entries, &n), 0, "CPUID with room");
	CHECK_EQ(n, 2, "count written");
	CHECK_EQ(hv_get_supported_cpuid(hv, entries, NULL), -EINVAL, "CPUID NULL count");
	n = 4;
	CHECK_EQ(hv_get_msr_list(hv, NULL, &n), -ENOTTY, "MSR list error passes through");
	CHECK(detail_has("HV_GET_MSR_LIST failed"), "ioctl detail names it: %s", hv_error_detail());

	fake.create_vm_err = EBUSY;
	CHECK_EQ(hv_vm_create(hv, &vm), -EBUSY, "VM creation busy");
	CHECK(detail_has("another hypervisor"), "EBUSY detail: %s", hv_error_detail());
	CHECK(vm == (struct hv_vm *)&vm, "*out untouched on failure");
	CHECK_EQ(hv_vm_create(NULL, &vm), -EINVAL, "VM from NULL hv");
	hv_close(hv);
}

void test_open(void)
{
	open_not_hv();
	open_fake();
	open_refused();
	unchecked_open();
	device_queries();
}
