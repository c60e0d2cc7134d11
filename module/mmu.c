// SPDX-License-Identifier: GPL-2.0
/*
 * hv: nested page tables (NPT or EPT), filled on demand from slot memory.
 *
 * Every leaf holds a reference on the user page it maps. A leaf goes away
 * when its slot is deleted or when the host takes the page back (MMU
 * notifier); the reference is dropped only after every vCPU of the VM has
 * left guest mode and been told to flush its TLB, so a guest can never
 * reach a page the host has reused.
 *
 * Locking: vm->mmu_lock (a spinlock, since MMU notifiers may not sleep)
 * guards the tables, the slots and the invalidation sequence. The fault
 * path looks up the slot and the sequence under the lock, drops it to get
 * the page (which may sleep), and installs the leaf under the lock only if
 * no invalidation ran in between (the same scheme as KVM's mmu_seq).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/smp.h>
#include <linux/io.h>

#include "hv.h"

#define HV_PTE_ADDR_MASK	GENMASK_ULL(51, 12)
#define HV_PT_ENTRIES		512

static unsigned int hv_pt_index(u64 gpa, int level)
{
	return (gpa >> (PAGE_SHIFT + 9 * (level - 1))) & (HV_PT_ENTRIES - 1);
}

static u64 hv_pt_span(int level)
{
	return 1ULL << (PAGE_SHIFT + 9 * (level - 1));
}

static u64 *hv_pt_next(u64 pte)
{
	return __va(pte & HV_PTE_ADDR_MASK);
}

int hv_mmu_init(struct hv_vm *vm)
{
	vm->mmu.fmt = hv_ops->pt_format;
	vm->mmu.root = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vm->mmu.root)
		return -ENOMEM;
	vm->mmu.root_pa = __pa(vm->mmu.root);
	return 0;
}

static void hv_pt_free(struct hv_mmu *mmu, u64 *table, int level)
{
	unsigned int i;

	for (i = 0; i < HV_PT_ENTRIES; i++) {
		if (!(table[i] & mmu->fmt->present))
			continue;
		if (level == 1)
			put_page(pfn_to_page((table[i] & HV_PTE_ADDR_MASK) >>
					     PAGE_SHIFT));
		else
			hv_pt_free(mmu, hv_pt_next(table[i]), level - 1);
	}
	free_page((unsigned long)table);
}

/* The VM is dead: no vCPU can run, no notifier can fire. */
void hv_mmu_destroy(struct hv_vm *vm)
{
	if (vm->mmu.root)
		hv_pt_free(&vm->mmu, vm->mmu.root, vm->mmu.fmt->levels);
	vm->mmu.root = NULL;
}

static void hv_ipi_noop(void *unused)
{
}

/**
 * hv_flush_remote_tlbs() - make every vCPU of @vm drop its guest TLB entries
 * @vm: the VM; caller holds mmu_lock (so preemption is off).
 *
 * Each vCPU gets a flush request, checked with interrupts off right before
 * guest entry. vCPUs in guest mode are interrupted with a synchronous IPI:
 * when it returns they have left the guest and will flush before going
 * back, so the caller may then free what the old translations pointed to.
 */
static void hv_flush_remote_tlbs(struct hv_vm *vm)
{
	unsigned int i;

	cpumask_clear(vm->flush_mask);
	for (i = 0; i < HV_MAX_VCPUS; i++) {
		/* Pairs with the release in hv_vcpu_create(). */
		struct hv_vcpu *vcpu = smp_load_acquire(&vm->vcpus[i]);
		int cpu;

		if (!vcpu)
			continue;
		set_bit(HV_REQ_TLB_FLUSH, &vcpu->requests);
		/* Pairs with the barrier after vcpu->mode = HV_IN_GUEST. */
		smp_mb__after_atomic();
		cpu = READ_ONCE(vcpu->cpu);
		if (READ_ONCE(vcpu->mode) == HV_IN_GUEST && cpu >= 0)
			cpumask_set_cpu(cpu, vm->flush_mask);
	}
	smp_call_function_many(vm->flush_mask, hv_ipi_noop, NULL, true);
}

/* Release the pages of zapped leaves, once no vCPU can reach them. */
static void hv_zap_finish(struct hv_vm *vm)
{
	unsigned int i;

	if (!vm->zap_n)
		return;
	hv_flush_remote_tlbs(vm);
	for (i = 0; i < vm->zap_n; i++)
		put_page(vm->zap_pages[i]);
	vm->zap_n = 0;
}

static void hv_zap_leaf(struct hv_vm *vm, u64 *pte)
{
	vm->zap_pages[vm->zap_n++] =
		pfn_to_page((*pte & HV_PTE_ADDR_MASK) >> PAGE_SHIFT);
	WRITE_ONCE(*pte, 0);
	if (vm->zap_n == HV_ZAP_BATCH)
		hv_zap_finish(vm);
}

/* Clear the leaves for guest-physical [start, end) below @table. */
static void hv_pt_zap(struct hv_vm *vm, u64 *table, int level, u64 base,
		      u64 start, u64 end)
{
	u64 span = hv_pt_span(level);
	unsigned int i = start > base ? hv_pt_index(start, level) : 0;

	for (; i < HV_PT_ENTRIES; i++) {
		u64 lo = base + i * span;

		if (lo >= end)
			break;
		if (!(table[i] & vm->mmu.fmt->present))
			continue;
		if (level == 1)
			hv_zap_leaf(vm, &table[i]);
		else
			hv_pt_zap(vm, hv_pt_next(table[i]), level - 1, lo,
				  start, end);
	}
}

/*
 * Zap guest frames [gfn, gfn + npages) 2 MiB at a time. A large range
 * must not hold mmu_lock, with preemption off, for its whole length: when
 * the caller may sleep, others get their turn between chunks (the tables
 * themselves are never freed before the VM, so the walk can resume).
 * Caller holds mmu_lock. Returns true if it was dropped meanwhile.
 */
static bool hv_mmu_zap_gfns(struct hv_vm *vm, u64 gfn, u64 npages,
			    bool can_sleep)
{
	u64 end = gfn + npages;
	bool dropped = false;

	lockdep_assert_held(&vm->mmu_lock);
	while (gfn < end) {
		u64 n = min_t(u64, end - gfn, HV_PT_ENTRIES);

		hv_pt_zap(vm, vm->mmu.root, vm->mmu.fmt->levels, 0,
			  gfn << PAGE_SHIFT, (gfn + n) << PAGE_SHIFT);
		gfn += n;
		if (gfn < end && can_sleep &&
		    (need_resched() || spin_needbreak(&vm->mmu_lock))) {
			hv_zap_finish(vm);
			cond_resched_lock(&vm->mmu_lock);
			dropped = true;
		}
	}
	hv_zap_finish(vm);
	return dropped;
}

/* Caller holds vm->lock (slots stay put) and mmu_lock; @slot is unlinked. */
void hv_mmu_zap_slot(struct hv_vm *vm, const struct hv_slot *slot)
{
	hv_mmu_zap_gfns(vm, slot->gfn, slot->npages, true);
}

/*
 * Zap whatever maps host virtual [start, end). Caller holds mmu_lock. If
 * the lock was dropped and the slot array changed meanwhile, start over:
 * zapping twice is harmless, skipping a slot that moved is not.
 */
static void hv_mmu_zap_hva(struct hv_vm *vm, unsigned long start,
			   unsigned long end, bool can_sleep)
{
	unsigned int i, gen;

restart:
	gen = vm->slots_gen;
	for (i = 0; i < vm->nr_slots; i++) {
		const struct hv_slot *s = &vm->slots[i];
		unsigned long s_end = s->uaddr + (s->npages << PAGE_SHIFT);
		unsigned long lo = max(start, s->uaddr);
		unsigned long hi = min(end, s_end);

		if (lo >= hi)
			continue;
		if (hv_mmu_zap_gfns(vm, s->gfn + ((lo - s->uaddr) >> PAGE_SHIFT),
				    (PAGE_ALIGN(hi) - (lo & PAGE_MASK)) >> PAGE_SHIFT,
				    can_sleep) && vm->slots_gen != gen)
			goto restart;
	}
}

static int hv_pt_cache_topup(struct hv_vcpu *vcpu)
{
	while (vcpu->pt_cache_n < vcpu->vm->mmu.fmt->levels - 1) {
		void *page = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);

		if (!page)
			return -ENOMEM;
		vcpu->pt_cache[vcpu->pt_cache_n++] = page;
	}
	return 0;
}

void hv_mmu_vcpu_free(struct hv_vcpu *vcpu)
{
	while (vcpu->pt_cache_n)
		free_page((unsigned long)vcpu->pt_cache[--vcpu->pt_cache_n]);
}

/* The leaf entry for @gpa, with missing tables taken from the vCPU's cache. */
static u64 *hv_pt_walk_alloc(struct hv_vcpu *vcpu, u64 gpa)
{
	struct hv_mmu *mmu = &vcpu->vm->mmu;
	u64 *table = mmu->root;
	int level;

	for (level = mmu->fmt->levels; level > 1; level--) {
		u64 *pte = &table[hv_pt_index(gpa, level)];

		if (!(*pte & mmu->fmt->present)) {
			void *page = vcpu->pt_cache[--vcpu->pt_cache_n];

			WRITE_ONCE(*pte, __pa(page) | mmu->fmt->table);
		}
		table = hv_pt_next(*pte);
	}
	return &table[hv_pt_index(gpa, 1)];
}

/**
 * hv_mmu_page_fault() - map the slot page behind a guest-physical address
 * @vcpu: faulting vCPU (its thread is in the VM's mm).
 * @gpa: faulting guest-physical address.
 * @write: the access was a write.
 *
 * Return: 1 to re-enter the guest (mapped, or raced with an invalidation
 * and will fault again), 0 when @gpa is not slot memory or is a write to a
 * read-only slot (the caller emulates it as MMIO), -EFAULT when the slot's
 * user memory is gone, -ENOMEM.
 */
int hv_mmu_page_fault(struct hv_vcpu *vcpu, u64 gpa, bool write)
{
	struct hv_vm *vm = vcpu->vm;
	const struct hv_slot *slot;
	unsigned long hva, seq;
	struct page *page;
	bool writable;
	u64 *pte;
	int ret;

	spin_lock(&vm->mmu_lock);
	seq = vm->mmu_seq;
	slot = hv_slot_find(vm, gpa >> PAGE_SHIFT);
	if (slot) {
		writable = !(slot->flags & HV_MEM_READONLY);
		hva = slot->uaddr + ((gpa >> PAGE_SHIFT) - slot->gfn) * PAGE_SIZE;
	}
	spin_unlock(&vm->mmu_lock);
	if (!slot || (write && !writable))
		return 0;

	ret = hv_pt_cache_topup(vcpu);
	if (ret)
		return ret;
	/* Writable slots are faulted for write: no COW page can stay mapped. */
	vcpu->host_ran = true;
	ret = hv_get_user_page(hva, writable, &page);
	if (ret == -EINTR || ret == -EAGAIN)
		return 1;	/* a fatal signal: the run loop sees it */
	if (ret)
		return -EFAULT;

	spin_lock(&vm->mmu_lock);
	if (vm->mmu_invalidating || vm->mmu_seq != seq) {
		spin_unlock(&vm->mmu_lock);
		put_page(page);
		return 1;
	}
	pte = hv_pt_walk_alloc(vcpu, gpa);
	if (*pte & vm->mmu.fmt->present) {
		/* Another vCPU mapped it first. */
		put_page(page);
	} else {
		WRITE_ONCE(*pte, page_to_phys(page) | vm->mmu.fmt->leaf |
			   (writable ? vm->mmu.fmt->writable : 0));
	}
	spin_unlock(&vm->mmu_lock);
	return 1;
}

static struct hv_vm *hv_mn_vm(struct mmu_notifier *mn)
{
	return container_of(mn, struct hv_vm, notifier);
}

static int hv_mn_invalidate_range_start(struct mmu_notifier *mn,
					const struct mmu_notifier_range *range)
{
	struct hv_vm *vm = hv_mn_vm(mn);

	spin_lock(&vm->mmu_lock);
	vm->mmu_invalidating++;
	vm->mmu_seq++;
	hv_mmu_zap_hva(vm, range->start, range->end,
		       mmu_notifier_range_blockable(range));
	spin_unlock(&vm->mmu_lock);
	return 0;
}

static void hv_mn_invalidate_range_end(struct mmu_notifier *mn,
				       const struct mmu_notifier_range *range)
{
	struct hv_vm *vm = hv_mn_vm(mn);

	spin_lock(&vm->mmu_lock);
	vm->mmu_seq++;
	if (!WARN_ON_ONCE(!vm->mmu_invalidating))
		vm->mmu_invalidating--;
	spin_unlock(&vm->mmu_lock);
}

/*
 * The address space is going away (process exit): unmap everything. Every
 * leaf belongs to a slot (deleting a slot zaps its leaves).
 */
static void hv_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct hv_vm *vm = hv_mn_vm(mn);

	spin_lock(&vm->mmu_lock);
	vm->mmu_seq++;
	hv_mmu_zap_hva(vm, 0, ULONG_MAX, true);
	spin_unlock(&vm->mmu_lock);
}

static const struct mmu_notifier_ops hv_mn_ops = {
	.invalidate_range_start	= hv_mn_invalidate_range_start,
	.invalidate_range_end	= hv_mn_invalidate_range_end,
	.release		= hv_mn_release,
};

int hv_mmu_notifier_register(struct hv_vm *vm)
{
	vm->notifier.ops = &hv_mn_ops;
	return mmu_notifier_register(&vm->notifier, vm->mm);
}
