// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The KVM accelerator: libhv's API on /dev/kvm. docs/KVM.md has the
 * mapping and every difference from hv; the pure translations are in
 * kvm_xlate.c. The parts with more to them than a translation:
 *
 *  - The run page. The caller sees a struct hv_run that libhv allocates;
 *    KVM's struct kvm_run is mapped beside it. Each hv_vcpu_run() copies
 *    the completion of the last exit (IN data, an MMIO read's value, a
 *    hypercall's return) into kvm_run, enters KVM_RUN, and translates the
 *    exit back, with the registers from KVM's sync_regs area.
 *
 *  - Dropping a completion. hv applies the state of HV_VCPU_SET_REGS /
 *    SET_SREGS (and dirty_regs) after a pending completion, so the new
 *    state wins; KVM finishes a pending instruction at the next KVM_RUN,
 *    after any KVM_SET_REGS. So before setting state with one pending,
 *    libhv lets KVM finish it at once: KVM_RUN with immediate_exit, which
 *    completes pending operations and returns -EINTR without running the
 *    guest (Documentation/virt/kvm/api.rst, "kvm_run").
 *
 *  - Kicks. KVM has no kick ioctl. hv_vcpu_kick() sets a flag and
 *    kvm_run.immediate_exit, then sends LIBHV_KVM_KICK_SIGNAL to the thread
 *    inside KVM_RUN, if any: the signal ends a KVM_RUN in progress,
 *    immediate_exit one about to start, and the flag re-arms
 *    immediate_exit should libhv have cleared it in between. The vCPU
 *    thread and a kicker pair a store with a load (tid then kick, kick then
 *    tid), so at least one of them sees the other: no kick is lost. The
 *    signal is unblocked in the vCPU thread for the KVM_RUN alone, and
 *    libhv installs a handler that does nothing (unless the program has
 *    one): its only job is to make KVM_RUN return -EINTR.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm_para.h>

#include "backend.h"
#include "backend_kvm.h"

/* The signal that kicks a vCPU thread out of KVM_RUN (docs/KVM.md). */
#define LIBHV_KVM_KICK_SIGNAL	(SIGRTMAX)

/* The hv run page libhv gives the caller: one page, like hv's. */
#define KVM_HV_RUN_SIZE		4096

/* What KVM's API version has been since Linux 2.6.22. */
#define LIBHV_KVM_API_VERSION	12

/* KVM_CAP_* names for messages. */
#define CAP(name)		{ name, #name }

/* Bound on the KVM_RUNs that finish one dropped string instruction. */
#define FLUSH_MAX_RUNS		64

#define APIC_BASE_DEFAULT	0xfee00000ULL
#define APIC_BASE_BSP		(1ULL << 8)
#define APIC_BASE_ENABLE	(1ULL << 11)

/* The device: its supported CPUID, fetched once. */
struct kvm_dev {
	struct hv_cpuid_entry cpuid[HV_MAX_CPUID_ENTRIES];
	uint32_t cpuid_nent;		/* 0: not fetched yet */
};

struct kvm_vm {
	int run_mmap_size;		/* KVM_GET_VCPU_MMAP_SIZE */
	uint32_t max_vcpus;		/* HV_CAP_MAX_VCPUS: ids below it */
	uint64_t sync_mask;		/* KVM_CAP_SYNC_REGS & what libhv uses */
	uint32_t nr_memslots;		/* KVM_CAP_NR_MEMSLOTS */
	bool irqchip;
	bool tsc_deadline;		/* KVM_CAP_TSC_DEADLINE_TIMER */
	struct hv_cpuid_entry cpuid[HV_MAX_CPUID_ENTRIES];	/* the device's */
	uint32_t cpuid_nent;
};

struct kvm_vcpu {
	struct kvm_run *kr;
	size_t kr_size;
	struct libhv_kvm_completion pending;
	/*
	 * The table KVM_SET_CPUID2 last got: KVM_GET_CPUID2 never says how
	 * many entries it has (not even with -E2BIG).
	 */
	uint32_t cpuid_nent;
	/*
	 * HV_EVENT_EXTINT waiting for the guest to take it (see
	 * deliver_extint()); ready_stale: the state may have changed since
	 * KVM last said ready_for_interrupt_injection.
	 */
	bool extint_pending;
	uint8_t extint_vector;
	bool ready_stale;
	_Atomic int kick;		/* a kick KVM_RUN has not answered yet */
	_Atomic pid_t tid;		/* the thread in KVM_RUN, or 0 */
};

static struct kvm_vm *vm_of_vm(const struct hv_vm *vm)
{
	return vm->priv;
}

static struct kvm_vm *vm_of(const struct hv_vcpu *vcpu)
{
	return vm_of_vm(vcpu->vm);
}

static struct kvm_vcpu *kvcpu(const struct hv_vcpu *vcpu)
{
	return vcpu->priv;
}

/* ---- the kick signal ---- */

static sigset_t kick_set;
static pthread_once_t kick_once = PTHREAD_ONCE_INIT;

static void kick_handler(int sig)
{
	(void)sig;	/* KVM_RUN returns -EINTR: that is all it is for */
}

/* A program's own handler stays (docs/KVM.md); SIG_DFL would kill it. */
static void kick_setup(void)
{
	struct sigaction old, sa = { .sa_handler = kick_handler, .sa_flags = SA_RESTART };

	sigemptyset(&kick_set);
	sigaddset(&kick_set, LIBHV_KVM_KICK_SIGNAL);
	sigemptyset(&sa.sa_mask);
	if (!sigaction(LIBHV_KVM_KICK_SIGNAL, NULL, &old) &&
	    (old.sa_handler == SIG_DFL || old.sa_handler == SIG_IGN) &&
	    !(old.sa_flags & SA_SIGINFO))
		sigaction(LIBHV_KVM_KICK_SIGNAL, &sa, NULL);
}

/* ---- the device ---- */

static int kvm_dev_init(struct hv *hv)
{
	hv->priv = calloc(1, sizeof(struct kvm_dev));
	return hv->priv ? 0 : libhv_error(-ENOMEM, "out of memory");
}

static void kvm_dev_free(struct hv *hv)
{
	free(hv->priv);
}

static int kvm_api_version_op(struct hv *hv)
{
	return LIBHV_IOCTL(hv->fd, KVM_GET_API_VERSION, 0);
}

/* KVM_CHECK_EXTENSION: the value, 0 when absent (a failure counts as absent). */
static int kvm_ext(int fd, int cap)
{
	int r = ioctl(fd, KVM_CHECK_EXTENSION, cap);

	return r < 0 ? 0 : r;
}

/* What libhv itself relies on, with the reason in the refusal. */
static const struct {
	int cap;
	const char *name;
} required_caps[] = {
	CAP(KVM_CAP_IMMEDIATE_EXIT),	/* kicks; dropping a completion */
	CAP(KVM_CAP_EXT_CPUID),		/* the CPUID table of every vCPU */
	CAP(KVM_CAP_VCPU_EVENTS),	/* exceptions for hv_vcpu_inject() */
	CAP(KVM_CAP_USER_MEMORY),
};

static int kvm_check_usable_op(struct hv *hv)
{
	int version = kvm_api_version_op(hv);

	if (version == -ENOTTY)
		return libhv_error(-ENOTTY, "the device does not answer KVM_GET_API_VERSION: it is not KVM");
	if (version < 0)
		return version;
	if (version != LIBHV_KVM_API_VERSION)
		return libhv_error(-EPROTO, "KVM speaks API version %d, libhv speaks %d",
				   version, LIBHV_KVM_API_VERSION);
	for (size_t i = 0; i < LIBHV_ARRAY_SIZE(required_caps); i++)
		if (!kvm_ext(hv->fd, required_caps[i].cap))
			return libhv_error(-EOPNOTSUPP, "KVM lacks %s, which libhv needs",
					   required_caps[i].name);
	hv->run_size = KVM_HV_RUN_SIZE;
	return 0;
}

/* Copy a table out with hv's protocol: -E2BIG and the count when it does not fit. */
static int table_out(const struct hv_cpuid_entry *src, uint32_t count,
		     struct hv_cpuid_entry *dst, uint32_t *nent, const char *what)
{
	uint32_t room = *nent;

	*nent = count;
	if (room < count)
		return libhv_error(-E2BIG, "%s has %u entries, room for %u", what, count, room);
	if (count)
		memcpy(dst, src, count * sizeof(*src));
	return 0;
}

/* A struct kvm_cpuid2 with room for every entry KVM may have. */
union kvm_cpuid_buf {
	struct kvm_cpuid2 c;
	char room[sizeof(struct kvm_cpuid2) +
		  HV_MAX_CPUID_ENTRIES * sizeof(struct kvm_cpuid_entry2)];
};

/*
 * KVM_GET_SUPPORTED_CPUID, made what a vCPU of a VM with an irqchip may
 * have (libhv_kvm_cpuid_fixup()), as hv's supported table is.
 */
static int fetch_supported(struct hv *hv, struct kvm_dev *dev)
{
	/* APIC IDs 0, filled in per vCPU, as in hv's supported table. */
	struct libhv_kvm_cpuid_fix fix = {
		.irqchip = true,
		.tsc_deadline = kvm_ext(hv->fd, KVM_CAP_TSC_DEADLINE_TIMER),
		.apic_id = true, .vcpu_id = 0,
	};
	union kvm_cpuid_buf *buf;
	int err;

	buf = calloc(1, sizeof(*buf));
	if (!buf)
		return libhv_error(-ENOMEM, "out of memory");
	buf->c.nent = HV_MAX_CPUID_ENTRIES;
	err = LIBHV_IOCTL(hv->fd, KVM_GET_SUPPORTED_CPUID, buf);
	if (!err) {
		for (uint32_t i = 0; i < buf->c.nent; i++)
			libhv_kvm_cpuid_to_hv(&buf->c.entries[i], &dev->cpuid[i]);
		libhv_kvm_cpuid_fixup(dev->cpuid, buf->c.nent, &fix);
		dev->cpuid_nent = buf->c.nent;
	}
	free(buf);
	return err;
}

static int supported(struct hv *hv, struct kvm_dev **out)
{
	struct kvm_dev *dev = hv->priv;
	int err = dev->cpuid_nent ? 0 : fetch_supported(hv, dev);

	*out = dev;
	return err;
}

static int kvm_get_supported_cpuid_op(struct hv *hv, struct hv_cpuid_entry *entries,
				      uint32_t *nent)
{
	struct kvm_dev *dev;
	int err = supported(hv, &dev);

	return err ? err : table_out(dev->cpuid, dev->cpuid_nent, entries, nent,
				     "KVM's supported CPUID table");
}

static const struct hv_cpuid_entry *cpuid_leaf(const struct hv_cpuid_entry *e,
					       uint32_t n, uint32_t function)
{
	for (uint32_t i = 0; i < n; i++)
		if (e[i].function == function)
			return &e[i];
	return NULL;
}

static int kvm_get_msr_list_op(struct hv *hv, uint32_t *indices, uint32_t *n)
{
	struct kvm_msr_list probe = { .nmsrs = 0 }, *list;
	int err;

	/* KVM says how many with -E2BIG, as hv does. */
	err = ioctl(hv->fd, KVM_GET_MSR_INDEX_LIST, &probe) ? -errno : 0;
	if (err && err != -E2BIG)
		return libhv_error(err, "KVM_GET_MSR_INDEX_LIST failed: %s", strerror(-err));
	list = calloc(1, sizeof(*list) + probe.nmsrs * sizeof(list->indices[0]));
	if (!list)
		return libhv_error(-ENOMEM, "out of memory");
	list->nmsrs = probe.nmsrs;
	err = LIBHV_IOCTL(hv->fd, KVM_GET_MSR_INDEX_LIST, list);
	if (!err) {
		uint32_t room = *n;

		*n = list->nmsrs;
		if (room < list->nmsrs)
			err = libhv_error(-E2BIG, "KVM offers %u MSRs, room for %u",
					  list->nmsrs, room);
		else if (list->nmsrs)
			memcpy(indices, list->indices, list->nmsrs * sizeof(*indices));
	}
	free(list);
	return err;
}

/* ---- capabilities ---- */

/* The vendor module's parameter (Y/N or 1/0), -1 when it cannot be read. */
static int module_param(const char *module, const char *param)
{
	char path[128], c = 0;
	int fd;

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s", module, param);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (read(fd, &c, 1) != 1)
		c = 0;
	close(fd);
	return c == 'Y' || c == '1';
}

/* Which of KVM's vendor modules is loaded: that is the backend. */
static uint64_t cap_backend(struct hv *hv)
{
	(void)hv;
	if (!access("/sys/module/kvm_amd", F_OK))
		return HV_BACKEND_SVM;
	if (!access("/sys/module/kvm_intel", F_OK))
		return HV_BACKEND_VMX;
	return HV_BACKEND_NONE;
}

/* kvm_amd's npt or kvm_intel's ept; 0 when neither says. */
static uint64_t cap_nested_paging(struct hv *hv)
{
	switch (cap_backend(hv)) {
	case HV_BACKEND_SVM:
		return module_param("kvm_amd", "npt") == 1;
	case HV_BACKEND_VMX:
		return module_param("kvm_intel", "ept") == 1;
	}
	return 0;
}

/* vCPU ids are below both limits (hv: below HV_CAP_MAX_VCPUS). */
static uint64_t cap_max_vcpus(struct hv *hv)
{
	int vcpus = kvm_ext(hv->fd, KVM_CAP_MAX_VCPUS);
	int ids = kvm_ext(hv->fd, KVM_CAP_MAX_VCPU_ID);

	return (uint64_t)(ids && ids < vcpus ? ids : vcpus);
}

static uint64_t cap_xsave(struct hv *hv)
{
	return kvm_ext(hv->fd, KVM_CAP_XSAVE) && kvm_ext(hv->fd, KVM_CAP_XCRS);
}

/* CPUID 0x80000008 EAX[7:0] of the supported table: the guest's MAXPHYADDR. */
static uint64_t cap_gpa_bits(struct hv *hv)
{
	const struct hv_cpuid_entry *e;
	struct kvm_dev *dev;

	if (supported(hv, &dev))
		return 0;
	e = cpuid_leaf(dev->cpuid, dev->cpuid_nent, 0x80000008);
	return e ? e->eax & 0xff : 0;
}

/* kvmclock: KVM_FEATURE_CLOCKSOURCE2 in KVM's feature leaf (0x40000001). */
static uint64_t cap_pvclock(struct hv *hv)
{
	const struct hv_cpuid_entry *e;
	struct kvm_dev *dev;

	if (supported(hv, &dev))
		return 0;
	e = cpuid_leaf(dev->cpuid, dev->cpuid_nent, KVM_CPUID_FEATURES);
	return e && (e->eax & (1U << KVM_FEATURE_CLOCKSOURCE2));
}

enum cap_kind {
	CAP_CONST,	/* @value */
	CAP_KVM,	/* @value when KVM has @kvm_cap (0: KVM's own value) */
	CAP_FN,		/* @fn's */
};

/* Every HV_CAP_* as KVM answers it (docs/KVM.md); absent ones are 0. */
static const struct {
	enum cap_kind kind;
	int kvm_cap;
	uint64_t value;
	uint64_t (*fn)(struct hv *hv);
} caps[] = {
	[HV_CAP_BACKEND]	= { CAP_FN, .fn = cap_backend },
	[HV_CAP_MAX_VCPUS]	= { CAP_FN, .fn = cap_max_vcpus },
	[HV_CAP_NR_MEMSLOTS]	= { CAP_KVM, KVM_CAP_NR_MEMSLOTS, 0 },
	[HV_CAP_READONLY_MEM]	= { CAP_KVM, KVM_CAP_READONLY_MEM, 1 },
	[HV_CAP_RUN_SIZE]	= { CAP_CONST, .value = KVM_HV_RUN_SIZE },
	[HV_CAP_SYNC_REGS]	= { CAP_CONST, .value = 1 },	/* libhv's own */
	[HV_CAP_XSAVE]		= { CAP_FN, .fn = cap_xsave },
	[HV_CAP_NMI]		= { CAP_KVM, KVM_CAP_USER_NMI, 1 },
	[HV_CAP_MMIO]		= { CAP_CONST, .value = 1 },
	[HV_CAP_KICK]		= { CAP_KVM, KVM_CAP_IMMEDIATE_EXIT, 1 },
	[HV_CAP_STATS]		= { CAP_CONST, .value = 0 },	/* hv_vcpu_get_stats() */
	[HV_CAP_GPA_BITS]	= { CAP_FN, .fn = cap_gpa_bits },
	[HV_CAP_NESTED_PAGING]	= { CAP_FN, .fn = cap_nested_paging },
	[HV_CAP_IRQCHIP]	= { CAP_KVM, KVM_CAP_IRQCHIP, HV_IOAPIC_PINS },
	[HV_CAP_PVCLOCK]	= { CAP_FN, .fn = cap_pvclock },
	[HV_CAP_REGISTRY]	= { CAP_CONST, .value = 0 },	/* hv_vm_set_name() */
};

static int kvm_check_cap_op(struct hv *hv, uint32_t cap, uint64_t *value)
{
	int have;

	*value = 0;
	if (cap >= LIBHV_ARRAY_SIZE(caps))
		return 0;
	switch (caps[cap].kind) {
	case CAP_CONST:
		*value = caps[cap].value;
		break;
	case CAP_KVM:
		have = kvm_ext(hv->fd, caps[cap].kvm_cap);
		*value = have && caps[cap].value ? caps[cap].value : (uint64_t)have;
		break;
	case CAP_FN:
		*value = caps[cap].fn(hv);
		break;
	}
	return 0;
}

/* ---- VM ---- */

/*
 * KVM behaviours that hv, and the hardware, do not have: LINT0 of the BSP
 * reset to ExtINT unmasked (the SDM resets every LVT entry masked), and
 * RIP already past an OUT to port 0x7e at its exit (hv completes every
 * I/O instruction at the next run). A KVM without KVM_CAP_DISABLE_QUIRKS
 * (before Linux 4.2) has them.
 */
static int disable_quirks(int vm_fd)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_DISABLE_QUIRKS,
		.args[0] = KVM_X86_QUIRK_LINT0_REENABLED | KVM_X86_QUIRK_OUT_7E_INC_RIP,
	};

	if (!kvm_ext(vm_fd, KVM_CAP_DISABLE_QUIRKS))
		return 0;
	return LIBHV_IOCTL_PTR(vm_fd, KVM_ENABLE_CAP, &cap);
}

static int kvm_vm_create_op(struct hv *hv, struct hv_vm *vm)
{
	struct kvm_dev *dev;
	struct kvm_vm *k;
	int fd, err;

	err = supported(hv, &dev);
	if (err)
		return err;
	k = calloc(1, sizeof(*k));
	if (!k)
		return libhv_error(-ENOMEM, "out of memory");
	k->run_mmap_size = LIBHV_IOCTL(hv->fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (k->run_mmap_size < 0) {
		err = k->run_mmap_size;
		goto err_free;
	}
	fd = LIBHV_IOCTL(hv->fd, KVM_CREATE_VM, 0);
	if (fd < 0) {
		err = fd;
		if (fd == -EBUSY)
			libhv_error(fd, "another hypervisor (e.g. hv) is using SVM/VMX");
		goto err_free;
	}
	err = disable_quirks(fd);
	if (err) {
		close(fd);
		goto err_free;
	}
	k->max_vcpus = (uint32_t)cap_max_vcpus(hv);
	k->sync_mask = (uint64_t)kvm_ext(fd, KVM_CAP_SYNC_REGS) &
		       (KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS);
	k->nr_memslots = (uint32_t)kvm_ext(fd, KVM_CAP_NR_MEMSLOTS);
	k->tsc_deadline = kvm_ext(fd, KVM_CAP_TSC_DEADLINE_TIMER);
	/* The VM outlives hv_close(): it keeps its own copy. */
	memcpy(k->cpuid, dev->cpuid, dev->cpuid_nent * sizeof(dev->cpuid[0]));
	k->cpuid_nent = dev->cpuid_nent;
	vm->fd = fd;
	vm->priv = k;
	return 0;

err_free:
	free(k);
	return err;
}

static void kvm_vm_destroy_op(struct hv_vm *vm)
{
	close(vm->fd);
	free(vm->priv);
}

static int set_region(struct hv_vm *vm, uint32_t number, uint32_t flags,
		      uint64_t gpa, uint64_t size, const void *host)
{
	struct kvm_userspace_memory_region r = {
		.slot = number,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)host,
	};

	return LIBHV_IOCTL_PTR(vm->fd, KVM_SET_USER_MEMORY_REGION, &r);
}

/* The lowest KVM slot number libhv does not use, or -ENOSPC. */
static int free_slot_number(struct hv_vm *vm, uint32_t *number)
{
	struct kvm_vm *k = vm->priv;

	for (uint32_t n = 0; n < k->nr_memslots; n++) {
		size_t i;

		for (i = 0; i < vm->nr_slots && vm->slots[i].backend_slot != n; i++)
			;
		if (i == vm->nr_slots) {
			*number = n;
			return 0;
		}
	}
	return libhv_error(-ENOSPC, "all %u of KVM's memory slots are in use", k->nr_memslots);
}

/*
 * hv's ids are the caller's; KVM's slots are numbered 0 to
 * KVM_CAP_NR_MEMSLOTS - 1: libhv picks a free number. Size 0 would delete
 * a KVM slot, and KVM does not know hv's flags: both are refused here.
 */
static int kvm_set_memslot_op(struct hv_vm *vm, struct libhv_slot *slot)
{
	uint32_t number = 0;
	int err;

	if (slot->flags & ~HV_MEM_FLAGS_ALL || slot->size == 0)
		return libhv_error(-EINVAL, "memory slot %u: unknown flags 0x%x or size 0",
				   slot->id, slot->flags);
	if (libhv_slot_by_id(vm, slot->id))
		return libhv_error(-EEXIST, "memory slot %u exists already", slot->id);
	err = free_slot_number(vm, &number);
	if (err)
		return err;
	err = set_region(vm, number, slot->flags & HV_MEM_READONLY ? KVM_MEM_READONLY : 0,
			 slot->gpa, slot->size, slot->host);
	if (err == -EEXIST)
		libhv_error(err, "memory at 0x%llx size 0x%llx overlaps another slot",
			    (unsigned long long)slot->gpa, (unsigned long long)slot->size);
	if (!err)
		slot->backend_slot = number;
	return err;
}

static int kvm_delete_memslot_op(struct hv_vm *vm, uint32_t id,
				 const struct libhv_slot *slot)
{
	if (!slot)
		return libhv_error(-ENOENT, "no memory slot %u", id);
	return set_region(vm, slot->backend_slot, 0, slot->gpa, 0, NULL);
}

/* A struct kvm_irq_routing with an entry per IOAPIC pin. */
union kvm_routing_buf {
	struct kvm_irq_routing r;
	char room[sizeof(struct kvm_irq_routing) +
		  HV_IOAPIC_PINS * sizeof(struct kvm_irq_routing_entry)];
};

/*
 * KVM's default routing sends GSIs 0-15 to its 8259 PIC too, whose
 * interrupts (vectors from 0 before the guest programs it) reach a guest
 * whose local APIC takes ExtINT. hv has no PIC: GSI n is IOAPIC pin n and
 * nothing else, so the PIC never raises an interrupt.
 */
static int route_gsis_to_ioapic(struct hv_vm *vm)
{
	union kvm_routing_buf buf = { .r.nr = HV_IOAPIC_PINS };

	for (uint32_t gsi = 0; gsi < HV_IOAPIC_PINS; gsi++)
		buf.r.entries[gsi] = (struct kvm_irq_routing_entry){
			.gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
			.u.irqchip = { .irqchip = KVM_IRQCHIP_IOAPIC, .pin = gsi },
		};
	return LIBHV_IOCTL(vm->fd, KVM_SET_GSI_ROUTING, &buf);
}

/*
 * KVM_CREATE_IRQCHIP gives the local APICs and the IOAPIC hv has, and an
 * 8259 PIC pair that hv has not (docs/KVM.md). hv's errors: -EBUSY once
 * vCPUs exist (KVM: -EINVAL once any existed), -EEXIST the second time.
 */
static int kvm_create_irqchip_op(struct hv_vm *vm)
{
	struct kvm_vm *k = vm->priv;
	int err;

	if (!kvm_ext(vm->fd, KVM_CAP_IRQCHIP))
		return libhv_error(-EOPNOTSUPP, "KVM has no in-kernel irqchip (KVM_CAP_IRQCHIP)");
	if (vm->vcpus)
		return libhv_error(-EBUSY, "KVM_CREATE_IRQCHIP: the VM has vCPUs already");
	err = ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0) ? -errno : 0;
	switch (err) {
	case 0:
		k->irqchip = true;
		return route_gsis_to_ioapic(vm);
	case -EEXIST:
		return libhv_error(err, "KVM_CREATE_IRQCHIP: the VM has an irqchip already");
	case -EINVAL:
		return libhv_error(-EBUSY, "KVM_CREATE_IRQCHIP: the VM has had vCPUs");
	}
	return libhv_error(err, "KVM_CREATE_IRQCHIP failed: %s", strerror(-err));
}

static int need_irqchip(struct hv_vm *vm, const char *what)
{
	struct kvm_vm *k = vm->priv;

	return k->irqchip ? 0 : libhv_error(-ENXIO, "%s: the VM has no in-kernel irqchip", what);
}

/* KVM takes any GSI and level quietly; hv refuses what is out of range. */
static int kvm_irq_line_op(struct hv_vm *vm, uint32_t gsi, uint32_t level)
{
	struct kvm_irq_level line = { .irq = gsi, .level = level };
	int err = need_irqchip(vm, "hv_vm_irq_line");

	if (err)
		return err;
	if (gsi >= HV_IOAPIC_PINS || level > 1)
		return libhv_error(-EINVAL, "hv_vm_irq_line: GSI %u level %u out of range",
				   gsi, level);
	return LIBHV_IOCTL_PTR(vm->fd, KVM_IRQ_LINE, &line);
}

/*
 * KVM_SIGNAL_MSI returns how many local APICs took it, 0 when the guest
 * blocked it, and -1 (seen as EPERM) when no APIC matched.
 */
static int kvm_signal_msi_op(struct hv_vm *vm, uint64_t address, uint32_t data)
{
	struct kvm_msi msi = {
		.address_lo = (uint32_t)address,
		.address_hi = (uint32_t)(address >> 32),
		.data = data,
	};
	int err = need_irqchip(vm, "hv_vm_signal_msi"), r;

	if (err)
		return err;
	if ((address & ~0xfffffULL) != 0xfee00000ULL)
		return libhv_error(-EINVAL, "hv_vm_signal_msi: address 0x%llx is not 0xfeexxxxx",
				   (unsigned long long)address);
	r = ioctl(vm->fd, KVM_SIGNAL_MSI, &msi);
	if (r > 0)
		return 1;
	if (r == 0 || errno == EPERM)
		return 0;
	return libhv_error(-errno, "KVM_SIGNAL_MSI failed: %s", strerror(errno));
}

/* The name is for hv's VM registry, which knows nothing of KVM's VMs. */
static int kvm_set_name_op(struct hv_vm *vm, const struct hv_vm_name *name)
{
	(void)vm;
	(void)name;
	return libhv_error(-EOPNOTSUPP,
			   "KVM has no VM registry to show a name in (hv_vm_set_name() needs hv)");
}

/* ---- vCPU state ---- */

static int kvm_get_regs_op(struct hv_vcpu *vcpu, struct hv_regs *regs)
{
	struct kvm_regs k;
	int err = LIBHV_IOCTL_PTR(vcpu->fd, KVM_GET_REGS, &k);

	if (!err)
		libhv_kvm_regs_to_hv(&k, regs);
	return err;
}

static int kvm_get_sregs_op(struct hv_vcpu *vcpu, struct hv_sregs *sregs)
{
	struct kvm_sregs k;
	int err = LIBHV_IOCTL_PTR(vcpu->fd, KVM_GET_SREGS, &k);

	if (!err)
		libhv_kvm_sregs_to_hv(&k, sregs);
	return err;
}

/* The KVM_RUN that finishes a pending instruction without running on. */
static int run_immediate(struct hv_vcpu *vcpu, struct kvm_vcpu *k)
{
	int r, err;

	k->kr->immediate_exit = 1;
	k->kr->kvm_valid_regs = 0;
	r = ioctl(vcpu->fd, KVM_RUN, 0);
	err = r < 0 ? errno : 0;
	/* A kick meanwhile re-arms it before the next KVM_RUN (enter()). */
	k->kr->immediate_exit = 0;
	if (err == EINTR)
		return 0;
	if (err)
		return libhv_error(-err, "KVM_RUN (finishing the last exit) failed: %s",
				   strerror(err));
	return 1;	/* KVM needs userspace again */
}

/*
 * Let KVM finish the instruction of the last exit now (see the top of the
 * file), with the completion data the caller left in the run page. A string
 * instruction may need more exits: their data is dropped as well.
 */
static int flush_completion(struct hv_vcpu *vcpu)
{
	struct kvm_vcpu *k = vcpu->priv;
	struct hv_run scratch;
	int r;

	if (k->pending.kind == LIBHV_KVM_NONE)
		return 0;
	libhv_kvm_complete(vcpu->run, k->kr, &k->pending);
	for (int i = 0; i < FLUSH_MAX_RUNS; i++) {
		k->pending.kind = LIBHV_KVM_NONE;
		r = run_immediate(vcpu, k);
		if (r <= 0)
			return r;
		r = libhv_kvm_exit_to_hv(k->kr, k->kr_size, &scratch, &k->pending);
		if (r)
			return r;
	}
	return libhv_error(-EBUSY, "vCPU %u: KVM did not finish the last instruction in %d runs",
			   vcpu->id, FLUSH_MAX_RUNS);
}

static int set_regs(struct hv_vcpu *vcpu, const struct hv_regs *regs)
{
	struct kvm_regs k;

	libhv_kvm_regs_from_hv(regs, &k);
	return LIBHV_IOCTL_PTR(vcpu->fd, KVM_SET_REGS, &k);
}

/*
 * Read, change, write: KVM's sregs also hold its pending interrupt bitmap,
 * which must survive. Without an in-kernel APIC, KVM_RUN loads CR8 from
 * kvm_run.cr8 (the TPR of a userspace APIC): it must say the same.
 */
static int set_sregs(struct hv_vcpu *vcpu, const struct hv_sregs *sregs)
{
	struct kvm_vcpu *kv = vcpu->priv;
	struct kvm_sregs k;
	int err;

	err = LIBHV_IOCTL_PTR(vcpu->fd, KVM_GET_SREGS, &k);
	if (err)
		return err;
	err = libhv_kvm_sregs_from_hv(sregs, &k);
	if (err)
		return err;
	err = LIBHV_IOCTL_PTR(vcpu->fd, KVM_SET_SREGS, &k);
	if (!err && !vm_of(vcpu)->irqchip)
		kv->kr->cr8 = sregs->cr8;
	return err;
}

/*
 * hv: the new state wins over a pending completion. It may also close the
 * interrupt window KVM last saw open (RFLAGS.IF).
 */
static int kvm_set_regs_op(struct hv_vcpu *vcpu, const struct hv_regs *regs)
{
	int err = flush_completion(vcpu);

	kvcpu(vcpu)->ready_stale = true;
	return err ? err : set_regs(vcpu, regs);
}

static int kvm_set_sregs_op(struct hv_vcpu *vcpu, const struct hv_sregs *sregs)
{
	int err = flush_completion(vcpu);

	kvcpu(vcpu)->ready_stale = true;
	return err ? err : set_sregs(vcpu, sregs);
}

/* KVM_GET/SET_MSRS with one entry: they return how many they processed. */
union kvm_msr_buf {
	struct kvm_msrs m;
	char room[sizeof(struct kvm_msrs) + sizeof(struct kvm_msr_entry)];
};

static int msr_io(struct hv_vcpu *vcpu, unsigned long req, const char *name,
		  uint32_t index, uint64_t *value)
{
	union kvm_msr_buf b = { .m.nmsrs = 1 };
	int ret;

	b.m.entries[0].index = index;
	b.m.entries[0].data = *value;
	ret = libhv_ioctl(vcpu->fd, req, (unsigned long)(uintptr_t)&b, name);
	if (ret < 0)
		return ret;
	*value = b.m.entries[0].data;
	return ret;
}

static int kvm_get_msr_op(struct hv_vcpu *vcpu, uint32_t index, uint64_t *value)
{
	uint64_t v = 0;
	int ret = msr_io(vcpu, KVM_GET_MSRS, "KVM_GET_MSRS", index, &v);

	if (ret < 0)
		return ret;
	if (ret != 1)
		return libhv_error(-EINVAL, "KVM has no MSR 0x%x", index);
	*value = v;
	return 0;
}

static int kvm_set_msr_op(struct hv_vcpu *vcpu, uint32_t index, uint64_t value)
{
	int ret = msr_io(vcpu, KVM_SET_MSRS, "KVM_SET_MSRS", index, &value);

	if (ret < 0)
		return ret;
	if (ret != 1)
		return libhv_error(-EINVAL,
				   "KVM has no MSR 0x%x or 0x%llx is not a valid value for it",
				   index, (unsigned long long)value);
	return 0;
}

/* KVM's struct kvm_xsave is the same 4 KiB standard-format area. */
_Static_assert(sizeof(struct kvm_xsave) == sizeof(struct hv_xsave), "XSAVE area size");

static int kvm_get_xsave_op(struct hv_vcpu *vcpu, struct hv_xsave *xsave)
{
	struct kvm_xsave k;
	int err = LIBHV_IOCTL_PTR(vcpu->fd, KVM_GET_XSAVE, &k);

	if (!err)
		memcpy(xsave->region, k.region, sizeof(xsave->region));
	return err;
}

static int kvm_set_xsave_op(struct hv_vcpu *vcpu, const struct hv_xsave *xsave)
{
	struct kvm_xsave k;

	memcpy(k.region, xsave->region, sizeof(k.region));
	return LIBHV_IOCTL_PTR(vcpu->fd, KVM_SET_XSAVE, &k);
}

static int kvm_get_xcrs_op(struct hv_vcpu *vcpu, struct hv_xcrs *xcrs)
{
	struct kvm_xcrs k;
	int err = LIBHV_IOCTL_PTR(vcpu->fd, KVM_GET_XCRS, &k);

	if (err)
		return err;
	memset(xcrs, 0, sizeof(*xcrs));
	for (uint32_t i = 0; i < k.nr_xcrs && i < KVM_MAX_XCRS; i++)
		if (k.xcrs[i].xcr == 0)
			xcrs->xcr0 = k.xcrs[i].value;
	return 0;
}

static int kvm_set_xcrs_op(struct hv_vcpu *vcpu, const struct hv_xcrs *xcrs)
{
	struct kvm_xcrs k = { .nr_xcrs = 1, .xcrs[0] = { .xcr = 0, .value = xcrs->xcr0 } };

	for (size_t i = 0; i < LIBHV_ARRAY_SIZE(xcrs->reserved); i++)
		if (xcrs->reserved[i])
			return libhv_error(-EINVAL, "hv_vcpu_set_xcrs: reserved is not zero");
	return LIBHV_IOCTL_PTR(vcpu->fd, KVM_SET_XCRS, &k);
}

static int kvm_get_cpuid_op(struct hv_vcpu *vcpu, struct hv_cpuid_entry *entries,
			    uint32_t *nent)
{
	struct hv_cpuid_entry *table;
	union kvm_cpuid_buf *buf;
	int err;

	buf = calloc(1, sizeof(*buf));
	table = calloc(HV_MAX_CPUID_ENTRIES, sizeof(*table));
	if (!buf || !table) {
		err = libhv_error(-ENOMEM, "out of memory");
		goto out;
	}
	buf->c.nent = kvcpu(vcpu)->cpuid_nent;
	err = LIBHV_IOCTL(vcpu->fd, KVM_GET_CPUID2, buf);
	if (err)
		goto out;
	for (uint32_t i = 0; i < buf->c.nent; i++)
		libhv_kvm_cpuid_to_hv(&buf->c.entries[i], &table[i]);
	err = table_out(table, buf->c.nent, entries, nent, "the vCPU's CPUID table");
out:
	free(table);
	free(buf);
	return err;
}

static int kvm_set_cpuid_op(struct hv_vcpu *vcpu,
			    const struct hv_cpuid_entry *entries, uint32_t nent)
{
	union kvm_cpuid_buf *buf;
	int err = 0;

	if (nent > HV_MAX_CPUID_ENTRIES)
		return libhv_error(-E2BIG, "%u CPUID entries, at most %u", nent,
				   HV_MAX_CPUID_ENTRIES);
	buf = calloc(1, sizeof(*buf));
	if (!buf)
		return libhv_error(-ENOMEM, "out of memory");
	buf->c.nent = nent;
	for (uint32_t i = 0; i < nent && !err; i++)
		err = libhv_kvm_cpuid_from_hv(&entries[i], &buf->c.entries[i]);
	if (!err)
		err = LIBHV_IOCTL(vcpu->fd, KVM_SET_CPUID2, buf);
	if (!err)
		kvcpu(vcpu)->cpuid_nent = nent;
	free(buf);
	return err;
}

/* ---- events ---- */

static int get_events(struct hv_vcpu *vcpu, struct kvm_vcpu_events *ev)
{
	return LIBHV_IOCTL_PTR(vcpu->fd, KVM_GET_VCPU_EVENTS, ev);
}

static int inject_exception(struct hv_vcpu *vcpu, const struct hv_event *event)
{
	struct kvm_vcpu_events ev;
	int err;

	if ((err = get_events(vcpu, &ev)) ||
	    (err = libhv_kvm_exception_apply(event, &ev)))
		return err;
	return LIBHV_IOCTL_PTR(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev);
}

/*
 * Without an in-kernel APIC, KVM_INTERRUPT injects at the next entry
 * whatever RFLAGS.IF says: userspace must wait for the window itself. hv
 * holds the vector until the guest can take it, so libhv does, and
 * deliver_extint() hands it to KVM when the window is open.
 */
static int inject_extint(struct hv_vcpu *vcpu, const struct hv_event *event)
{
	struct kvm_vcpu *k = vcpu->priv;

	if (vm_of(vcpu)->irqchip)
		return libhv_error(-EINVAL,
				   "hv_vcpu_inject: with the in-kernel irqchip interrupts come from the IOAPIC or an MSI");
	if (k->extint_pending)
		return libhv_error(-EBUSY, "hv_vcpu_inject: an interrupt is pending already");
	k->extint_pending = true;
	k->extint_vector = event->vector;
	return 0;
}

/* KVM queues two NMIs; hv holds one, so the second is -EBUSY here too. */
static int inject_nmi(struct hv_vcpu *vcpu, const struct hv_event *event)
{
	struct kvm_vcpu_events ev;
	int err;

	(void)event;
	err = get_events(vcpu, &ev);
	if (err)
		return err;
	if (ev.nmi.pending)
		return libhv_error(-EBUSY, "hv_vcpu_inject: an NMI is pending already");
	return LIBHV_IOCTL(vcpu->fd, KVM_NMI, 0);
}

static int kvm_inject_op(struct hv_vcpu *vcpu, const struct hv_event *event)
{
	static int (*const inject[])(struct hv_vcpu *, const struct hv_event *) = {
		[HV_EVENT_EXCEPTION] = inject_exception,
		[HV_EVENT_EXTINT] = inject_extint,
		[HV_EVENT_NMI] = inject_nmi,
	};
	int err = libhv_kvm_event_check(event);

	return err ? err : inject[event->type](vcpu, event);
}

static int kvm_get_stats_op(struct hv_vcpu *vcpu, struct hv_vcpu_stats *stats)
{
	(void)vcpu;
	(void)stats;
	return libhv_error(-EOPNOTSUPP,
			   "KVM keeps no per-exit counters like HV_STAT_* (HV_CAP_STATS is 0): read its own with KVM_GET_STATS_FD");
}

/* ---- vCPUs ---- */

/*
 * KVM's supported table made this vCPU's, as hv's default table: APIC
 * bits as the VM's irqchip says, its own APIC ID.
 */
static int set_default_cpuid(struct hv_vcpu *vcpu)
{
	struct kvm_vm *k = vm_of(vcpu);
	struct libhv_kvm_cpuid_fix fix = {
		.irqchip = k->irqchip, .tsc_deadline = k->tsc_deadline,
		.apic_id = true, .vcpu_id = vcpu->id,
	};
	struct hv_cpuid_entry *table;
	int err;

	table = malloc(k->cpuid_nent * sizeof(*table));
	if (!table)
		return libhv_error(-ENOMEM, "out of memory");
	memcpy(table, k->cpuid, k->cpuid_nent * sizeof(*table));
	libhv_kvm_cpuid_fixup(table, k->cpuid_nent, &fix);
	err = kvm_set_cpuid_op(vcpu, table, k->cpuid_nent);
	free(table);
	return err;
}

/*
 * KVM builds the APIC map that MSIs and IPIs are routed by while it
 * creates a vCPU, before the vCPU is in the VM's list: until something
 * rebuilds it, an MSI to the new vCPU reaches no APIC (Linux 6.1). Setting
 * the APIC's state back unchanged rebuilds it, as QEMU's reset of each vCPU
 * does.
 */
static int rebuild_apic_map(struct hv_vcpu *vcpu)
{
	struct kvm_lapic_state *lapic;
	int err;

	lapic = malloc(sizeof(*lapic));
	if (!lapic)
		return libhv_error(-ENOMEM, "out of memory");
	err = LIBHV_IOCTL_PTR(vcpu->fd, KVM_GET_LAPIC, lapic);
	if (!err)
		err = LIBHV_IOCTL_PTR(vcpu->fd, KVM_SET_LAPIC, lapic);
	free(lapic);
	return err;
}

/*
 * hv's reset state (docs/API.md) where KVM's differs: without an in-kernel
 * APIC KVM leaves IA32_APIC_BASE 0; hv says where the APIC is, enabled,
 * BSP for vCPU 0.
 */
static int reset_state(struct hv_vcpu *vcpu)
{
	struct hv_sregs s;
	int err;

	if (vm_of(vcpu)->irqchip)
		return rebuild_apic_map(vcpu);
	err = kvm_get_sregs_op(vcpu, &s);
	if (err)
		return err;
	s.apic_base = APIC_BASE_DEFAULT | APIC_BASE_ENABLE | (vcpu->id ? 0 : APIC_BASE_BSP);
	return set_sregs(vcpu, &s);
}

static void vcpu_unmap(struct hv_vcpu *vcpu, struct kvm_vcpu *k)
{
	if (k->kr)
		munmap(k->kr, k->kr_size);
	if (vcpu->run)
		munmap(vcpu->run, KVM_HV_RUN_SIZE);
}

static int map_runs(struct hv_vcpu *vcpu, struct kvm_vcpu *k)
{
	void *p;

	k->kr_size = (size_t)vm_of(vcpu)->run_mmap_size;
	p = mmap(NULL, k->kr_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
	if (p == MAP_FAILED)
		return libhv_error(-errno, "cannot map KVM's run page of vCPU %u: %s",
				   vcpu->id, strerror(errno));
	k->kr = p;
	p = mmap(NULL, KVM_HV_RUN_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return libhv_error(-errno, "cannot allocate the run page of vCPU %u: %s",
				   vcpu->id, strerror(errno));
	vcpu->run = p;
	return 0;
}

static int kvm_vcpu_create_op(struct hv_vm *vm, struct hv_vcpu *vcpu)
{
	struct kvm_vcpu *k;
	int fd, err;

	if (vcpu->id >= vm_of_vm(vm)->max_vcpus)
		return libhv_error(-EINVAL, "vCPU id %u is not below HV_CAP_MAX_VCPUS (%u)",
				   vcpu->id, vm_of_vm(vm)->max_vcpus);
	pthread_once(&kick_once, kick_setup);
	k = calloc(1, sizeof(*k));
	if (!k)
		return libhv_error(-ENOMEM, "out of memory");
	fd = LIBHV_IOCTL(vm->fd, KVM_CREATE_VCPU, vcpu->id);
	if (fd < 0) {
		free(k);
		return fd;
	}
	vcpu->fd = fd;
	vcpu->priv = k;
	if ((err = map_runs(vcpu, k)) || (err = set_default_cpuid(vcpu)) ||
	    (err = reset_state(vcpu))) {
		vcpu_unmap(vcpu, k);
		vcpu->run = NULL;
		close(fd);
		free(k);
		return err;
	}
	return 0;
}

static void kvm_vcpu_destroy_op(struct hv_vcpu *vcpu)
{
	vcpu_unmap(vcpu, vcpu->priv);
	close(vcpu->fd);
	free(vcpu->priv);
}

/* ---- running ---- */

/* Async-signal-safe: atomics, getpid() and tgkill() only. */
static int kvm_kick_op(struct hv_vcpu *vcpu)
{
	struct kvm_vcpu *k = vcpu->priv;
	pid_t tid;

	atomic_store(&k->kick, 1);
	__atomic_store_n(&k->kr->immediate_exit, 1, __ATOMIC_SEQ_CST);
	tid = atomic_load(&k->tid);
	if (tid && tgkill(getpid(), tid, LIBHV_KVM_KICK_SIGNAL) && errno != ESRCH)
		return -errno;
	return 0;
}

/*
 * One KVM_RUN, the kick protocol around it (top of the file): 0, or the
 * errno of the ioctl. -EAGAIN is KVM's "woken from wait-for-SIPI, call
 * again"; hv waits in the kernel instead, so libhv calls again.
 */
static int enter(struct hv_vcpu *vcpu, struct kvm_vcpu *k)
{
	sigset_t old;
	int r, err;

	do {
		atomic_store(&k->tid, gettid());
		if (atomic_load(&k->kick) || vcpu->run->immediate_exit)
			k->kr->immediate_exit = 1;
		pthread_sigmask(SIG_UNBLOCK, &kick_set, &old);
		r = ioctl(vcpu->fd, KVM_RUN, 0);
		err = r < 0 ? errno : 0;
		if (sigismember(&old, LIBHV_KVM_KICK_SIGNAL))
			pthread_sigmask(SIG_BLOCK, &kick_set, NULL);
		atomic_store(&k->tid, 0);
	} while (err == EAGAIN);
	if (err == EINTR) {
		k->kr->immediate_exit = 0;
		atomic_store(&k->kick, 0);
	}
	return -err;
}

/* hv's order: the pending completion, then the registers of dirty_regs. */
static int load_dirty_regs(struct hv_vcpu *vcpu)
{
	struct hv_run *run = vcpu->run;
	uint32_t dirty = run->dirty_regs;
	int err;

	if (!dirty)
		return 0;
	err = flush_completion(vcpu);
	if (err)
		return err;
	if (dirty & ~HV_SYNC_ALL)
		return libhv_error(-EINVAL, "dirty_regs 0x%x has unknown bits", dirty);
	if (dirty & HV_SYNC_REGS && (err = set_regs(vcpu, &run->regs)))
		return err;
	if (dirty & HV_SYNC_SREGS && (err = set_sregs(vcpu, &run->sregs)))
		return err;
	run->dirty_regs = 0;
	return 0;
}

/* What sync_regs asks for, from KVM's sync area or, without one, by ioctl. */
static int sync_out(struct hv_vcpu *vcpu, struct kvm_vcpu *k)
{
	uint64_t have = vm_of(vcpu)->sync_mask;
	struct hv_run *run = vcpu->run;
	uint32_t want = run->sync_regs;
	int err = 0;

	if (want & HV_SYNC_REGS) {
		if (have & KVM_SYNC_X86_REGS)
			libhv_kvm_regs_to_hv(&k->kr->s.regs.regs, &run->regs);
		else
			err = kvm_get_regs_op(vcpu, &run->regs);
	}
	if (!err && want & HV_SYNC_SREGS) {
		if (have & KVM_SYNC_X86_SREGS)
			libhv_kvm_sregs_to_hv(&k->kr->s.regs.sregs, &run->sregs);
		else
			err = kvm_get_sregs_op(vcpu, &run->sregs);
	}
	return err;
}

/*
 * A held HV_EVENT_EXTINT goes to KVM once KVM's last exit said the guest can
 * take an interrupt now, and nothing changed the state since; else libhv
 * asks KVM for an interrupt window. True when it still waits.
 */
static int deliver_extint(struct hv_vcpu *vcpu, struct kvm_vcpu *k, bool *waits)
{
	struct kvm_interrupt irq = { .irq = k->extint_vector };

	*waits = k->extint_pending;
	if (!k->extint_pending || k->ready_stale || !k->kr->ready_for_interrupt_injection)
		return 0;
	*waits = false;
	k->extint_pending = false;
	return LIBHV_IOCTL_PTR(vcpu->fd, KVM_INTERRUPT, &irq);
}

/*
 * One KVM_RUN and its exit. KVM_RUN's -EFAULT is KVM failing to fault in
 * slot memory (its backing unmapped, say): hv's memory-fault exit, without
 * the GPA, which KVM before Linux 6.8 does not give.
 */
static int run_once(struct hv_vcpu *vcpu, struct kvm_vcpu *k, bool window)
{
	struct hv_run *run = vcpu->run;
	struct kvm_run *kr = k->kr;
	int err;

	libhv_kvm_complete(run, kr, &k->pending);
	kr->request_interrupt_window = window;
	kr->kvm_valid_regs = vm_of(vcpu)->sync_mask & libhv_kvm_sync_bits(run->sync_regs);
	run->exit_reason = HV_EXIT_NONE;
	err = enter(vcpu, k);
	/* Whatever came back, KVM has taken the completion. */
	k->pending.kind = LIBHV_KVM_NONE;
	k->ready_stale = false;
	switch (err) {
	case 0:
		return libhv_kvm_exit_to_hv(kr, k->kr_size, run, &k->pending);
	case -EINTR:
		kr->exit_reason = KVM_EXIT_INTR;	/* also for immediate_exit */
		return libhv_kvm_exit_to_hv(kr, k->kr_size, run, &k->pending);
	case -EFAULT:
		run->exit_reason = HV_EXIT_INTERNAL_ERROR;
		run->internal.suberror = HV_INTERNAL_MEMORY_FAULT;
		run->internal.ndata = 0;
		return 0;
	}
	return libhv_error(err, "KVM_RUN failed: %s", strerror(-err));
}

static int kvm_vcpu_run_op(struct hv_vcpu *vcpu)
{
	struct kvm_vcpu *k = vcpu->priv;
	struct hv_run *run = vcpu->run;
	bool asked, waits;
	int err;

	err = load_dirty_regs(vcpu);
	for (;;) {
		if (err || (err = deliver_extint(vcpu, k, &waits)))
			return err;
		asked = run->request_interrupt_window;
		err = run_once(vcpu, k, asked || waits);
		/* A window only libhv wanted: the interrupt goes in, on we run. */
		if (err || !waits || asked || run->exit_reason != HV_EXIT_IRQ_WINDOW_OPEN)
			break;
	}
	if (!err)
		err = sync_out(vcpu, k);
	run->ready_for_interrupt = run->ready_for_interrupt && !k->extint_pending;
	return err;
}

const struct libhv_backend_ops libhv_backend_kvm = {
	.name			= "kvm",
	.default_path		= "/dev/kvm",
	.missing		= "KVM is not available (load kvm_amd or kvm_intel)",
	.device			= "a KVM device",
	.dev_init		= kvm_dev_init,
	.dev_free		= kvm_dev_free,
	.api_version		= kvm_api_version_op,
	.check_usable		= kvm_check_usable_op,
	.check_cap		= kvm_check_cap_op,
	.get_supported_cpuid	= kvm_get_supported_cpuid_op,
	.get_msr_list		= kvm_get_msr_list_op,
	.vm_create		= kvm_vm_create_op,
	.vm_destroy		= kvm_vm_destroy_op,
	.set_memslot		= kvm_set_memslot_op,
	.delete_memslot		= kvm_delete_memslot_op,
	.create_irqchip		= kvm_create_irqchip_op,
	.irq_line		= kvm_irq_line_op,
	.signal_msi		= kvm_signal_msi_op,
	.set_name		= kvm_set_name_op,
	.vcpu_create		= kvm_vcpu_create_op,
	.vcpu_destroy		= kvm_vcpu_destroy_op,
	.vcpu_run		= kvm_vcpu_run_op,
	.get_regs		= kvm_get_regs_op,
	.set_regs		= kvm_set_regs_op,
	.get_sregs		= kvm_get_sregs_op,
	.set_sregs		= kvm_set_sregs_op,
	.get_msr		= kvm_get_msr_op,
	.set_msr		= kvm_set_msr_op,
	.get_xsave		= kvm_get_xsave_op,
	.set_xsave		= kvm_set_xsave_op,
	.get_xcrs		= kvm_get_xcrs_op,
	.set_xcrs		= kvm_set_xcrs_op,
	.get_cpuid		= kvm_get_cpuid_op,
	.set_cpuid		= kvm_set_cpuid_op,
	.inject			= kvm_inject_op,
	.kick			= kvm_kick_op,
	.get_stats		= kvm_get_stats_op,
};
