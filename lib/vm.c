// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * VM handles and guest memory. libhv keeps its own table of the slots it
 * set, so that guest-physical addresses can be turned into host pointers
 * without asking the kernel.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"

int hv_vm_create(struct hv *hv, struct hv_vm **out)
{
	struct hv_vm *vm;
	int err;

	if (!hv)
		return LIBHV_NULL_ARG(hv);
	if (!out)
		return LIBHV_NULL_ARG(out);
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return libhv_error(-ENOMEM, "out of memory");
	vm->ops = hv->ops;
	vm->run_size = hv->run_size;
	err = vm->ops->vm_create(hv, vm);
	if (err) {
		free(vm);
		return err;
	}
	*out = vm;
	return 0;
}

static void slot_release(struct libhv_slot *slot)
{
	if (slot->owned)
		munmap(slot->host, slot->size);
}

void hv_vm_destroy(struct hv_vm *vm)
{
	if (!vm)
		return;
	while (vm->vcpus)
		hv_vcpu_destroy(vm->vcpus);
	/* Unmap only after the VM is gone, so the guest never sees a hole. */
	vm->ops->vm_destroy(vm);
	for (size_t i = 0; i < vm->nr_slots; i++)
		slot_release(&vm->slots[i]);
	free(vm->slots);
	free(vm);
}

int hv_vm_fd(const struct hv_vm *vm)
{
	return vm ? vm->fd : LIBHV_NULL_ARG(vm);
}

/* Room for one more slot, taken before the ioctl so that it cannot fail after. */
static int slot_reserve(struct hv_vm *vm)
{
	struct libhv_slot *slots;
	size_t max;

	if (vm->nr_slots < vm->max_slots)
		return 0;
	max = vm->max_slots ? 2 * vm->max_slots : 8;
	slots = realloc(vm->slots, max * sizeof(*slots));
	if (!slots)
		return libhv_error(-ENOMEM, "out of memory");
	vm->slots = slots;
	vm->max_slots = max;
	return 0;
}

/*
 * The accelerator validates the arguments (alignment, overlap, flags):
 * libhv passes them unchanged so that its callers see its answer.
 */
static int slot_add(struct hv_vm *vm, uint32_t id, uint64_t gpa, uint64_t size,
		    void *host, uint32_t flags, bool owned)
{
	struct libhv_slot slot = {
		.id = id, .flags = flags, .gpa = gpa, .size = size,
		.host = host, .owned = owned,
	};
	int err;

	err = slot_reserve(vm);
	if (err)
		return err;
	err = vm->ops->set_memslot(vm, &slot);
	if (err)
		return err;
	vm->slots[vm->nr_slots++] = slot;
	return 0;
}

struct libhv_slot *libhv_slot_by_id(struct hv_vm *vm, uint32_t id)
{
	for (size_t i = 0; i < vm->nr_slots; i++)
		if (vm->slots[i].id == id)
			return &vm->slots[i];
	return NULL;
}

int hv_vm_set_memslot(struct hv_vm *vm, uint32_t slot, uint64_t gpa,
		      uint64_t size, void *host, uint32_t flags)
{
	if (!vm)
		return LIBHV_NULL_ARG(vm);
	return slot_add(vm, slot, gpa, size, host, flags, false);
}

int hv_vm_delete_memslot(struct hv_vm *vm, uint32_t slot)
{
	struct libhv_slot *s;
	int err;

	if (!vm)
		return LIBHV_NULL_ARG(vm);
	s = libhv_slot_by_id(vm, slot);
	err = vm->ops->delete_memslot(vm, slot, s);
	if (err || !s)
		return err;
	slot_release(s);
	*s = vm->slots[--vm->nr_slots];
	return 0;
}

int hv_vm_alloc_memory(struct hv_vm *vm, uint32_t slot, uint64_t gpa,
		       uint64_t size, uint32_t flags, void **host)
{
	void *mem;
	int err;

	if (!vm)
		return LIBHV_NULL_ARG(vm);
	/* mmap() would round a bad size up: refuse it before allocating. */
	if (size == 0 || size % LIBHV_PAGE_SIZE || gpa % LIBHV_PAGE_SIZE)
		return libhv_error(-EINVAL, "guest memory at 0x%llx size 0x%llx is not whole pages",
				   (unsigned long long)gpa, (unsigned long long)size);
	/* NORESERVE: the kernel faults guest memory in lazily anyway. */
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED) {
		err = errno;
		return libhv_error(-err, "cannot allocate %llu bytes of guest memory: %s",
				   (unsigned long long)size, strerror(err));
	}
	err = slot_add(vm, slot, gpa, size, mem, flags, true);
	if (err) {
		munmap(mem, size);
		return err;
	}
	if (host)
		*host = mem;
	return 0;
}

static const struct libhv_slot *slot_at(const struct hv_vm *vm, uint64_t gpa)
{
	for (size_t i = 0; i < vm->nr_slots; i++) {
		const struct libhv_slot *s = &vm->slots[i];

		if (gpa >= s->gpa && gpa - s->gpa < s->size)
			return s;
	}
	return NULL;
}

void *hv_vm_gpa_to_host(struct hv_vm *vm, uint64_t gpa, uint64_t len)
{
	const struct libhv_slot *s;
	uint64_t off;

	if (!vm)
		return NULL;
	s = slot_at(vm, gpa);
	if (!s)
		return NULL;
	off = gpa - s->gpa;
	if (len > s->size - off)
		return NULL;
	return (char *)s->host + off;
}

/* vm is not NULL: the callers check it, so that the detail names them. */
static void *guest_range(struct hv_vm *vm, uint64_t gpa, size_t len)
{
	void *p = hv_vm_gpa_to_host(vm, gpa, len);

	if (!p)
		libhv_error(-EFAULT, "guest range 0x%llx+0x%zx is not inside one memory slot",
			    (unsigned long long)gpa, len);
	return p;
}

/*
 * Copy between @buf and guest memory at @gpa. A NULL vm is refused even for
 * len 0: it is a bug whatever the length.
 */
static int guest_copy(const char *fn, struct hv_vm *vm, uint64_t gpa,
		      void *buf, const void *src, size_t len, int to_guest)
{
	void *p;

	if (!vm)
		return libhv_error(-EINVAL, "%s: vm is NULL", fn);
	if (len == 0)
		return 0;
	if (!buf)
		return libhv_error(-EINVAL, "%s: data is NULL", fn);
	p = guest_range(vm, gpa, len);
	if (!p)
		return -EFAULT;
	if (to_guest)
		memcpy(p, src, len);
	else
		memcpy(buf, p, len);
	return 0;
}

int hv_vm_write(struct hv_vm *vm, uint64_t gpa, const void *data, size_t len)
{
	return guest_copy(__func__, vm, gpa, (void *)data, data, len, 1);
}

int hv_vm_read(struct hv_vm *vm, uint64_t gpa, void *data, size_t len)
{
	return guest_copy(__func__, vm, gpa, data, NULL, len, 0);
}

static int read_full(int fd, char *buf, size_t len, const char *path)
{
	while (len) {
		ssize_t n = read(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;

			return libhv_error(-err, "cannot read %s: %s", path, strerror(err));
		}
		if (n == 0)
			return libhv_error(-EIO, "%s got shorter while it was read", path);
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Size check and copy, once the file is open. */
static int load_fd(struct hv_vm *vm, uint64_t gpa, int fd, const char *path,
		   uint64_t *size)
{
	const struct libhv_slot *s;
	struct stat st;
	uint64_t room;
	int err;

	if (fstat(fd, &st)) {
		err = errno;
		return libhv_error(-err, "cannot stat %s: %s", path, strerror(err));
	}
	if (!S_ISREG(st.st_mode))
		return libhv_error(-EINVAL, "%s is not a regular file", path);
	s = slot_at(vm, gpa);
	if (!s)
		return libhv_error(-EFAULT, "no guest memory at 0x%llx to load %s into",
				   (unsigned long long)gpa, path);
	room = s->size - (gpa - s->gpa);
	if ((uint64_t)st.st_size > room)
		return libhv_error(-EFBIG, "%s is %llu bytes but only %llu bytes of guest memory are free above 0x%llx",
				   path, (unsigned long long)st.st_size,
				   (unsigned long long)room, (unsigned long long)gpa);
	err = read_full(fd, (char *)s->host + (gpa - s->gpa), (size_t)st.st_size, path);
	if (err)
		return err;
	if (size)
		*size = (uint64_t)st.st_size;
	return 0;
}

/* HV_VM_SET_NAME's rules (uapi/linux/hv.h), so that KVM refuses the same. */
static int name_check(const char *name, struct hv_vm_name *out)
{
	size_t len = strnlen(name, HV_VM_NAME_SIZE);

	if (len == 0 || len == HV_VM_NAME_SIZE)
		return libhv_error(-EINVAL, "hv_vm_set_name: a name is 1 to %d bytes",
				   HV_VM_NAME_SIZE - 1);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 0x20 || c == 0x7f)
			return libhv_error(-EINVAL,
					   "hv_vm_set_name: byte %zu of the name is a control character (0x%02x)",
					   i, c);
	}
	/* The bytes after the NUL must be zero too. */
	memset(out, 0, sizeof(*out));
	memcpy(out->name, name, len);
	return 0;
}

int hv_vm_set_name(struct hv_vm *vm, const char *name)
{
	struct hv_vm_name n;
	int err;

	if (!vm)
		return LIBHV_NULL_ARG(vm);
	if (!name)
		return LIBHV_NULL_ARG(name);
	err = name_check(name, &n);
	return err ? err : vm->ops->set_name(vm, &n);
}

int hv_vm_load_file(struct hv_vm *vm, uint64_t gpa, const char *path,
		    uint64_t *size)
{
	int fd, err;

	if (!vm)
		return LIBHV_NULL_ARG(vm);
	if (!path)
		return LIBHV_NULL_ARG(path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		return libhv_error(-err, "cannot open %s: %s", path, strerror(err));
	}
	err = load_fd(vm, gpa, fd, path, size);
	close(fd);
	return err;
}
