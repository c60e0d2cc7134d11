// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Guest memory: slots, address translation, copies and file loading; the
 * VM's name.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../backend.h"
#include "fake_hv.h"
#include "test.h"

#define MB	(1ULL << 20)

static struct hv *hv;

static struct hv_vm *new_vm(void)
{
	struct hv_vm *vm = NULL;

	fake_reset();
	if (hv_open(fake_path(), &hv) || hv_vm_create(hv, &vm))
		CHECK(false, "open the fake device and create a VM: %s", hv_error_detail());
	return vm;
}

static void done(struct hv_vm *vm)
{
	hv_vm_destroy(vm);
	hv_close(hv);
}

static void alloc_and_translate(void)
{
	struct hv_vm *vm = new_vm();
	uint8_t *low = NULL, *high = NULL;

	CHECK_EQ(hv_vm_alloc_memory(vm, 0, 0, 2 * MB, 0, (void **)&low), 0, "slot 0: 0..2M");
	CHECK_EQ(fake.last_memslot.gpa, 0, "memslot gpa passed");
	CHECK_EQ(fake.last_memslot.size, 2 * MB, "memslot size passed");
	CHECK_EQ(fake.last_memslot.uaddr, (uintptr_t)low, "memslot uaddr is the mapping");
	CHECK_EQ(hv_vm_alloc_memory(vm, 1, 2 * MB, MB, HV_MEM_READONLY, (void **)&high), 0,
		 "slot 1: 2M..3M read-only");
	CHECK_EQ(fake.last_memslot.flags, HV_MEM_READONLY, "flags passed");
	CHECK(low[0] == 0 && low[2 * MB - 1] == 0, "memory is zeroed");

	CHECK(hv_vm_gpa_to_host(vm, 0, 1) == low, "gpa 0");
	CHECK(hv_vm_gpa_to_host(vm, 2 * MB - 1, 1) == low + 2 * MB - 1, "last byte of slot 0");
	CHECK(hv_vm_gpa_to_host(vm, 0, 2 * MB) == low, "all of slot 0");
	CHECK(hv_vm_gpa_to_host(vm, 0, 2 * MB + 1) == NULL, "one byte too many");
	CHECK(hv_vm_gpa_to_host(vm, 2 * MB - 4, 8) == NULL, "range across two slots");
	CHECK(hv_vm_gpa_to_host(vm, 2 * MB, 1) == high, "first byte of slot 1");
	CHECK(hv_vm_gpa_to_host(vm, 3 * MB, 1) == NULL, "past the end of memory");
	CHECK(hv_vm_gpa_to_host(vm, 3 * MB, 0) == NULL, "empty range outside memory");
	CHECK(hv_vm_gpa_to_host(vm, 4096, UINT64_MAX) == NULL, "huge length does not wrap");
	CHECK(hv_vm_gpa_to_host(vm, UINT64_MAX, 2) == NULL, "gpa near 2^64");
	CHECK(hv_vm_gpa_to_host(NULL, 0, 1) == NULL, "NULL vm");

	CHECK_EQ(hv_vm_delete_memslot(vm, 1), 0, "delete slot 1");
	CHECK(hv_vm_gpa_to_host(vm, 2 * MB, 1) == NULL, "deleted slot no longer translates");
	CHECK(hv_vm_gpa_to_host(vm, 0, 1) == low, "slot 0 still does");
	CHECK_EQ(hv_vm_delete_memslot(vm, 1), -ENOENT, "delete it again");
	done(vm);
}

static void alloc_refused(void)
{
	struct hv_vm *vm = new_vm();
	void *host = (void *)&host;
	int calls;

	calls = fake.nr_set_memslot;
	CHECK_EQ(hv_vm_alloc_memory(vm, 0, 0, 0, 0, &host), -EINVAL, "size 0");
	CHECK_EQ(hv_vm_alloc_memory(vm, 0, 0, 4095, 0, &host), -EINVAL, "size not pages");
	CHECK_EQ(hv_vm_alloc_memory(vm, 0, 0x800, 4096, 0, &host), -EINVAL, "gpa not aligned");
	CHECK(strstr(hv_error_detail(), "not whole pages") != NULL, "detail: %s", hv_error_detail());
	CHECK_EQ(fake.nr_set_memslot, calls, "no ioctl for bad arguments");
	CHECK(host == (void *)&host, "*host untouched");
	CHECK_EQ(hv_vm_alloc_memory(NULL, 0, 0, 4096, 0, &host), -EINVAL, "NULL vm");

	fake.set_memslot_err = EINVAL;
	CHECK_EQ(hv_vm_alloc_memory(vm, 0, 0, 4096, 0, &host), -EINVAL, "kernel refusal passes through");
	CHECK(strstr(hv_error_detail(), "HV_VM_SET_MEMSLOT failed") != NULL,
	      "detail: %s", hv_error_detail());
	CHECK(hv_vm_gpa_to_host(vm, 0, 1) == NULL, "refused slot is not remembered");
	fake.set_memslot_err = 0;

	CHECK_EQ(hv_vm_alloc_memory(vm, 0, 0, 4096, 0, NULL), 0, "slot 0 (host not wanted)");
	CHECK_EQ(hv_vm_alloc_memory(vm, 0, 8192, 4096, 0, NULL), -EEXIST, "slot id taken");
	CHECK(hv_vm_gpa_to_host(vm, 8192, 1) == NULL, "EEXIST slot not remembered");
	done(vm);
}

static void caller_memory_and_copies(void)
{
	struct hv_vm *vm = new_vm();
	uint8_t *mem = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t buf[16] = "hello, guest";

	CHECK_EQ(hv_vm_set_memslot(vm, 5, 0x10000, 8192, mem, 0), 0, "caller memory as slot 5");
	CHECK_EQ(hv_vm_write(vm, 0x10000 + 8190, buf, 2), 0, "write at the very end");
	CHECK(mem[8190] == 'h' && mem[8191] == 'e', "bytes landed");
	CHECK_EQ(hv_vm_write(vm, 0x10000 + 8190, buf, 3), -EFAULT, "write one past the end");
	CHECK(strstr(hv_error_detail(), "0x11ffe+0x3") != NULL, "detail: %s", hv_error_detail());
	CHECK_EQ(hv_vm_write(vm, 0, buf, 1), -EFAULT, "write outside memory");
	CHECK_EQ(hv_vm_write(vm, 0, buf, 0), 0, "empty write anywhere");
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(hv_vm_read(vm, 0x10000 + 8190, buf, 2), 0, "read back");
	CHECK(buf[0] == 'h' && buf[1] == 'e', "same bytes");
	CHECK_EQ(hv_vm_read(vm, 0x20000, buf, 1), -EFAULT, "read outside memory");
	/* Caller memory must outlive the VM: destroy must not unmap it. */
	done(vm);
	mem[0] = 1;
	CHECK(mem[0] == 1, "caller memory still mapped after hv_vm_destroy");
	munmap(mem, 8192);
}

static void write_file(const char *path, size_t size)
{
	FILE *f = fopen(path, "w");

	for (size_t i = 0; i < size; i++)
		fputc((int)(i & 0xff), f);
	fclose(f);
}

static void load_file(void)
{
	char path[] = "/tmp/libhv-load-XXXXXX";
	struct hv_vm *vm = new_vm();
	uint8_t *mem = NULL;
	uint64_t size = 0;

	close(mkstemp(path));
	hv_vm_alloc_memory(vm, 0, 0, 64 * 1024, 0, (void **)&mem);
	write_file(path, 4096 + 3);
	CHECK_EQ(hv_vm_load_file(vm, 0x1000, path, &size), 0, "load 4099 bytes");
	CHECK_EQ(size, 4099, "size reported");
	CHECK(mem[0x1000] == 0 && mem[0x1001] == 1 && mem[0x2002] == 2, "bytes in place");
	CHECK_EQ(hv_vm_load_file(vm, 64 * 1024 - 4099, path, NULL), 0, "load that ends at the slot end");
	CHECK_EQ(hv_vm_load_file(vm, 64 * 1024 - 4098, path, &size), -EFBIG, "one byte too big");
	CHECK_EQ(size, 4099, "size untouched on failure");
	CHECK(strstr(hv_error_detail(), " is 4099 bytes but only 4098 bytes of guest memory are free above 0xeffe") != NULL,
	      "EFBIG detail: %s", hv_error_detail());
	CHECK_EQ(hv_vm_load_file(vm, 1 << 20, path, NULL), -EFAULT, "no memory at the address");
	CHECK_EQ(hv_vm_load_file(vm, 0, "/nonexistent/file", NULL), -ENOENT, "missing file");
	CHECK(strstr(hv_error_detail(), "/nonexistent/file") != NULL, "detail: %s", hv_error_detail());
	CHECK_EQ(hv_vm_load_file(vm, 0, "/tmp", NULL), -EINVAL, "a directory");
	CHECK_EQ(hv_vm_load_file(vm, 0, NULL, NULL), -EINVAL, "NULL path");
	write_file(path, 0);
	CHECK_EQ(hv_vm_load_file(vm, 0, path, &size), 0, "empty file");
	CHECK_EQ(size, 0, "empty file size");
	unlink(path);
	done(vm);
}

/* A refused name: -EINVAL with a detail that says why, before any ioctl. */
static void name_refused(struct hv_vm *vm, const char *name, const char *why,
			 const char *what)
{
	int calls = fake.nr_set_name;

	CHECK_EQ(hv_vm_set_name(vm, name), -EINVAL, "name refused: %s", what);
	CHECK(strstr(hv_error_detail(), why) != NULL, "%s: detail: %s", what, hv_error_detail());
	CHECK_EQ(fake.nr_set_name, calls, "%s: no ioctl", what);
}

static void set_name(void)
{
	struct hv_vm *vm = new_vm();
	char name[HV_VM_NAME_SIZE + 1];
	const struct libhv_backend_ops *ops;
	bool zero = true;

	CHECK_EQ(hv_vm_set_name(vm, "web-1"), 0, "name a VM: %s", hv_error_detail());
	CHECK_EQ(fake.nr_set_name, 1, "one HV_VM_SET_NAME");
	CHECK_STR(fake.name.name, "web-1", "the name passed");
	for (size_t i = strlen("web-1"); i < sizeof(fake.name.name); i++)
		zero &= fake.name.name[i] == 0;
	CHECK(zero, "the bytes after the NUL are zero");
	CHECK_EQ(hv_vm_set_name(vm, "caf\xc3\xa9 \x80~"), 0, "bytes from 0x20 up, but 0x7f, are fine");

	memset(name, 'x', sizeof(name));
	name[HV_VM_NAME_SIZE - 1] = 0;
	CHECK_EQ(hv_vm_set_name(vm, name), 0, "a name of HV_VM_NAME_SIZE - 1 bytes");
	CHECK_EQ(strlen(fake.name.name), HV_VM_NAME_SIZE - 1, "passed whole");
	name[HV_VM_NAME_SIZE - 1] = 'x';
	name[HV_VM_NAME_SIZE] = 0;
	name_refused(vm, name, "1 to 63 bytes", "HV_VM_NAME_SIZE bytes");
	name_refused(vm, "", "1 to 63 bytes", "empty");
	name_refused(vm, "tab\there", "byte 3 of the name is a control character (0x09)", "a tab");
	name_refused(vm, "del\x7f", "(0x7f)", "DEL");
	name_refused(vm, "\x1b[31m", "byte 0", "an escape sequence");
	CHECK_EQ(hv_vm_set_name(vm, NULL), -EINVAL, "NULL name");
	CHECK_STR(hv_error_detail(), "hv_vm_set_name: name is NULL", "NULL name detail");
	CHECK_EQ(hv_vm_set_name(NULL, "x"), -EINVAL, "NULL vm");

	fake.caps[HV_CAP_REGISTRY] = 0;
	CHECK_EQ(hv_vm_set_name(vm, "old"), -EOPNOTSUPP, "a module without the registry");
	CHECK(strstr(hv_error_detail(), "HV_CAP_REGISTRY") != NULL, "detail: %s", hv_error_detail());

	/* The same VM handle driven through the KVM accelerator's op. */
	ops = vm->ops;
	vm->ops = &libhv_backend_kvm;
	CHECK_EQ(hv_vm_set_name(vm, "on-kvm"), -EOPNOTSUPP, "KVM has no registry");
	CHECK(strstr(hv_error_detail(), "KVM has no VM registry") != NULL, "detail: %s",
	      hv_error_detail());
	CHECK_EQ(hv_vm_set_name(vm, ""), -EINVAL, "KVM checks the name first too");
	vm->ops = ops;
	done(vm);
}

void test_vm(void)
{
	alloc_and_translate();
	alloc_refused();
	caller_memory_and_copies();
	load_file();
	set_name();
}
