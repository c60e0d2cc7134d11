// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The fake hv device (see fake_hv.h). Each kind of object (device, VM,
 * vCPU) is one memfd; its file descriptors are dups or reopenings of it,
 * so fstat() tells the kind of any descriptor without a table that could
 * go stale when descriptors are closed and reused.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake_hv.h"

int __real_ioctl(int fd, unsigned long req, ...);
int __wrap_ioctl(int fd, unsigned long req, ...);
void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);

struct fake_hv fake;

_Static_assert(HV_CAP_REGISTRY < FAKE_MAX_CAPS, "fake.caps has no room for every capability");

enum kind { KIND_OTHER, KIND_DEV, KIND_VM, KIND_VCPU, NR_KINDS };

static int kind_fd[NR_KINDS] = { -1, -1, -1, -1 };
static char dev_path[64];

static int kind_memfd(enum kind k)
{
	static const char *const names[NR_KINDS] = {
		[KIND_DEV] = "fake-hv", [KIND_VM] = "fake-vm", [KIND_VCPU] = "fake-vcpu",
	};

	if (kind_fd[k] < 0)
		kind_fd[k] = memfd_create(names[k], 0);
	return kind_fd[k];
}

const char *fake_path(void)
{
	snprintf(dev_path, sizeof(dev_path), "/proc/self/fd/%d", kind_memfd(KIND_DEV));
	return dev_path;
}

static enum kind kind_of(int fd)
{
	struct stat st, ref;

	if (fstat(fd, &st))
		return KIND_OTHER;
	for (int k = KIND_DEV; k < NR_KINDS; k++) {
		if (kind_fd[k] >= 0 && !fstat(kind_fd[k], &ref) &&
		    st.st_dev == ref.st_dev && st.st_ino == ref.st_ino)
			return k;
	}
	return KIND_OTHER;
}

void fake_reset(void)
{
	memset(&fake, 0, sizeof(fake));
	fake.api_version = HV_API_VERSION;
	fake.caps[HV_CAP_BACKEND] = HV_BACKEND_SVM;
	fake.caps[HV_CAP_MAX_VCPUS] = 16;
	fake.caps[HV_CAP_NR_MEMSLOTS] = FAKE_MAX_SLOTS;
	fake.caps[HV_CAP_RUN_SIZE] = 4096;
	fake.caps[HV_CAP_SYNC_REGS] = 1;
	fake.caps[HV_CAP_STATS] = HV_STAT_NR;
	fake.caps[HV_CAP_GPA_BITS] = 48;
	fake.caps[HV_CAP_NESTED_PAGING] = 1;
	fake.caps[HV_CAP_MMIO] = 1;
	fake.caps[HV_CAP_KICK] = 1;
	fake.caps[HV_CAP_IRQCHIP] = HV_IOAPIC_PINS;
	fake.caps[HV_CAP_REGISTRY] = HV_GENL_VERSION;
	fake.irqchip_after_vcpus = -1;
	fake.eintr_sets_reason = true;
	fake.sregs.cr0 = 0x60000010;
	fake.sregs.cr8 = FAKE_CR8;
	fake.sregs.apic_base = FAKE_APIC_BASE;
}

static int fail(int err)
{
	errno = err;
	return -1;
}

static int dev_ioctl(unsigned long req, unsigned long arg)
{
	struct hv_cpuid *cpuid = (struct hv_cpuid *)arg;

	switch (req) {
	case HV_GET_API_VERSION:
		return fake.api_version;
	case HV_CHECK_CAP:
		return arg < FAKE_MAX_CAPS ? (int)fake.caps[arg] : 0;
	case HV_CREATE_VM:
		return fake.create_vm_err ? fail(fake.create_vm_err) :
		       dup(kind_memfd(KIND_VM));
	case HV_GET_SUPPORTED_CPUID:
		/* Two leaves: enough to see the E2BIG protocol. */
		if (cpuid->nent < 2) {
			cpuid->nent = 2;
			return fail(E2BIG);
		}
		memset((void *)cpuid->entries, 0, 2 * sizeof(struct hv_cpuid_entry));
		cpuid->nent = 2;
		return 0;
	}
	return fail(ENOTTY);
}

static int slot_index(uint32_t id)
{
	for (int i = 0; i < fake.nr_slots; i++)
		if (fake.slot_ids[i] == id)
			return i;
	return -1;
}

static int vm_ioctl(unsigned long req, unsigned long arg)
{
	const struct hv_memslot *ms = (const struct hv_memslot *)arg;
	int i;

	switch (req) {
	case HV_VM_SET_MEMSLOT:
		fake.nr_set_memslot++;
		fake.last_memslot = *ms;
		if (fake.set_memslot_err)
			return fail(fake.set_memslot_err);
		if (slot_index(ms->slot) >= 0)
			return fail(EEXIST);
		if (fake.nr_slots == FAKE_MAX_SLOTS)
			return fail(ENOSPC);
		fake.memslots[fake.nr_slots] = *ms;
		fake.slot_ids[fake.nr_slots++] = ms->slot;
		return 0;
	case HV_VM_DELETE_MEMSLOT:
		i = slot_index((uint32_t)arg);
		if (i < 0)
			return fail(ENOENT);
		fake.memslots[i] = fake.memslots[--fake.nr_slots];
		fake.slot_ids[i] = fake.slot_ids[fake.nr_slots];
		return 0;
	case HV_VM_CREATE_VCPU:
		if (arg >= fake.caps[HV_CAP_MAX_VCPUS])
			return fail(EINVAL);
		fake.nr_vcpus++;
		return dup(kind_memfd(KIND_VCPU));
	case HV_VM_CREATE_IRQCHIP:
		if (!fake.caps[HV_CAP_IRQCHIP])
			return fail(ENOTTY);
		if (fake.irqchip_after_vcpus >= 0)
			return fail(EEXIST);
		fake.irqchip_after_vcpus = fake.nr_vcpus;
		return 0;
	case HV_VM_IRQ_LINE:
		if (fake.irqchip_after_vcpus < 0)
			return fail(ENXIO);
		if (fake.nr_irq_line < FAKE_MAX_STEPS)
			fake.irq_lines[fake.nr_irq_line] = *(const struct hv_irq_line *)arg;
		fake.nr_irq_line++;
		return 0;
	case HV_VM_SET_NAME:
		/* A module from before the registry does not know it. */
		if (!fake.caps[HV_CAP_REGISTRY])
			return fail(ENOTTY);
		fake.nr_set_name++;
		fake.name = *(const struct hv_vm_name *)arg;
		return 0;
	}
	return fail(ENOTTY);
}

static int vcpu_run(void)
{
	int step;

	if (fake.run_pos >= fake.run_len) {
		fake.run->exit_reason = HV_EXIT_NONE;
		return 0;
	}
	step = fake.run_script[fake.run_pos++];
	if (step >= 0) {
		fake.run->exit_reason = (uint32_t)step;
		if (fake.run_hook)
			fake.run_hook(fake.run, fake.run_pos - 1);
		return 0;
	}
	fake.run->exit_reason = HV_EXIT_NONE;
	if (step == -EINTR && fake.eintr_sets_reason)
		fake.run->exit_reason = HV_EXIT_INTERRUPTED;
	if (step == -EPERM && fake.eperm_stops)
		fake.run->exit_reason = HV_EXIT_STOPPED;
	return fail(-step);
}

/* One offered MSR; the ioctls return how many entries they processed. */
static int vcpu_msrs(const struct hv_msrs *msrs, bool set)
{
	struct hv_msr_entry *e = (struct hv_msr_entry *)msrs->entries;
	uint32_t n;

	for (n = 0; n < msrs->nmsrs && e[n].index == FAKE_MSR; n++) {
		if (!set)
			e[n].data = FAKE_MSR_VALUE;
	}
	return (int)n;
}

static int vcpu_ioctl(unsigned long req, unsigned long arg)
{
	struct hv_vcpu_stats *stats = (struct hv_vcpu_stats *)arg;

	switch (req) {
	case HV_VCPU_RUN:
		return vcpu_run();
	case HV_VCPU_GET_SREGS:
		memcpy((void *)arg, &fake.sregs, sizeof(fake.sregs));
		return 0;
	case HV_VCPU_SET_SREGS:
		memcpy(&fake.sregs, (void *)arg, sizeof(fake.sregs));
		fake.nr_set_sregs++;
		return 0;
	case HV_VCPU_SET_REGS:
		memcpy(&fake.regs, (void *)arg, sizeof(fake.regs));
		fake.nr_set_regs++;
		return 0;
	case HV_VCPU_GET_MSRS:
	case HV_VCPU_SET_MSRS:
		return vcpu_msrs((const struct hv_msrs *)arg, req == HV_VCPU_SET_MSRS);
	case HV_VCPU_GET_STATS:
		memset(stats, 0, sizeof(*stats));
		stats->nr = HV_STAT_NR;
		for (uint32_t i = 0; i < HV_STAT_NR; i++)
			stats->count[i] = 100 + i;
		return 0;
	case HV_VCPU_KICK:
		fake.nr_kick++;
		return 0;
	}
	return fail(ENOTTY);
}

int __wrap_ioctl(int fd, unsigned long req, ...)
{
	unsigned long arg;
	va_list ap;

	va_start(ap, req);
	arg = va_arg(ap, unsigned long);
	va_end(ap);

	switch (kind_of(fd)) {
	case KIND_DEV:
		return dev_ioctl(req, arg);
	case KIND_VM:
		return vm_ioctl(req, arg);
	case KIND_VCPU:
		return vcpu_ioctl(req, arg);
	default:
		return __real_ioctl(fd, req, arg);
	}
}

/* The run page of a fake vCPU is plain shared anonymous memory. */
void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void *p;

	if (fd < 0 || kind_of(fd) != KIND_VCPU)
		return __real_mmap(addr, len, prot, flags, fd, off);
	p = __real_mmap(addr, len, prot, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED)
		fake.run = p;
	return p;
}
