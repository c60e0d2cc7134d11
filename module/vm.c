// SPDX-License-Identifier: GPL-2.0
/*
 * hv: the VM object, its file descriptor and its memory slots.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <asm/msr.h>

#include "hv.h"

static void hv_vm_release(struct kref *kref)
{
	struct hv_vm *vm = container_of(kref, struct hv_vm, kref);
	unsigned int i;

	/* Off the list first: who finds it there may look at its vCPUs. */
	hv_registry_remove(vm);
	/*
	 * The notifier next: its ->release zaps and flushes through every
	 * vCPU, so they must still be there.
	 */
	mmu_notifier_unregister(&vm->notifier, vm->mm);
	for (i = 0; i < HV_MAX_VCPUS; i++) {
		struct hv_vcpu *vcpu = vm->vcpus[i];

		if (!vcpu)
			continue;
		WRITE_ONCE(vm->vcpus[i], NULL);
		hv_vcpu_free(vcpu);
	}
	hv_ioapic_destroy(vm);
	hv_ops->vm_destroy(vm);
	hv_mmu_destroy(vm);
	mmdrop(vm->mm);
	free_cpumask_var(vm->flush_mask);
	kfree(vm);
	hv_virt_put();
}

void hv_vm_put(struct hv_vm *vm)
{
	kref_put(&vm->kref, hv_vm_release);
}

/* Caller holds mmu_lock. */
const struct hv_slot *hv_slot_find(struct hv_vm *vm, u64 gfn)
{
	unsigned int i;

	for (i = 0; i < vm->nr_slots; i++) {
		const struct hv_slot *s = &vm->slots[i];

		if (gfn >= s->gfn && gfn - s->gfn < s->npages)
			return s;
	}
	return NULL;
}

static int hv_slot_index(struct hv_vm *vm, u32 id)
{
	unsigned int i;

	for (i = 0; i < vm->nr_slots; i++)
		if (vm->slots[i].id == id)
			return i;
	return -1;
}

static bool hv_slot_overlaps(struct hv_vm *vm, u64 gfn, u64 npages)
{
	unsigned int i;

	for (i = 0; i < vm->nr_slots; i++) {
		const struct hv_slot *s = &vm->slots[i];

		if (gfn < s->gfn + s->npages && s->gfn < gfn + npages)
			return true;
	}
	return false;
}

static int hv_memslot_check(const struct hv_memslot *m)
{
	u64 gpa_limit = 1ULL << hv_gpa_bits;

	if (m->flags & ~HV_MEM_FLAGS_ALL)
		return -EINVAL;
	if (memchr_inv(m->reserved, 0, sizeof(m->reserved)))
		return -EINVAL;
	if (!m->size || !PAGE_ALIGNED(m->size) || !PAGE_ALIGNED(m->gpa) ||
	    !PAGE_ALIGNED(m->uaddr))
		return -EINVAL;
	if (m->gpa + m->size < m->gpa || m->gpa + m->size > gpa_limit)
		return -EINVAL;
	if (m->uaddr + m->size < m->uaddr ||
	    !access_ok(u64_to_user_ptr(m->uaddr), m->size))
		return -EINVAL;
	return 0;
}

static long hv_vm_set_memslot(struct hv_vm *vm, void __user *argp)
{
	struct hv_memslot m;
	struct hv_slot *s;
	u64 gfn, npages;
	int ret;

	if (copy_from_user(&m, argp, sizeof(m)))
		return -EFAULT;
	ret = hv_memslot_check(&m);
	if (ret)
		return ret;
	gfn = m.gpa >> PAGE_SHIFT;
	npages = m.size >> PAGE_SHIFT;

	mutex_lock(&vm->lock);
	spin_lock(&vm->mmu_lock);
	if (hv_slot_index(vm, m.slot) >= 0 || hv_slot_overlaps(vm, gfn, npages))
		ret = -EEXIST;
	else if (vm->nr_slots == HV_MAX_MEMSLOTS)
		ret = -ENOSPC;
	if (!ret) {
		s = &vm->slots[vm->nr_slots++];
		s->id = m.slot;
		s->flags = m.flags;
		s->gfn = gfn;
		s->npages = npages;
		s->uaddr = m.uaddr;
		vm->slots_gen++;
	}
	spin_unlock(&vm->mmu_lock);
	mutex_unlock(&vm->lock);
	return ret;
}

static long hv_vm_delete_memslot(struct hv_vm *vm, unsigned long id)
{
	struct hv_slot slot;
	int i;

	if (id > U32_MAX)
		return -EINVAL;

	mutex_lock(&vm->lock);
	spin_lock(&vm->mmu_lock);
	i = hv_slot_index(vm, id);
	if (i < 0) {
		spin_unlock(&vm->mmu_lock);
		mutex_unlock(&vm->lock);
		return -ENOENT;
	}
	slot = vm->slots[i];
	vm->slots[i] = vm->slots[--vm->nr_slots];
	vm->slots_gen++;
	vm->mmu_seq++;
	/* Unmap, flush every vCPU's TLB, then release the pages. */
	hv_mmu_zap_slot(vm, &slot);
	spin_unlock(&vm->mmu_lock);
	mutex_unlock(&vm->lock);
	return 0;
}

/*
 * Copy to or from guest-physical memory, for the instruction emulator. Only
 * the VM's own process calls this (vCPU thread), so the slot's user address
 * is in current->mm; a slot that disappears meanwhile just makes the user
 * copy fail.
 */
static int hv_guest_access(struct hv_vm *vm, u64 gpa, void *buf,
			   unsigned int len, bool write)
{
	while (len) {
		unsigned int n = min_t(unsigned int, len,
				       PAGE_SIZE - offset_in_page(gpa));
		const struct hv_slot *s;
		unsigned long hva;
		bool ro;

		spin_lock(&vm->mmu_lock);
		s = hv_slot_find(vm, gpa >> PAGE_SHIFT);
		if (s) {
			hva = s->uaddr + (gpa - (s->gfn << PAGE_SHIFT));
			ro = s->flags & HV_MEM_READONLY;
		}
		spin_unlock(&vm->mmu_lock);
		if (!s)
			return -ENOENT;
		if (write && ro)
			return -EACCES;
		if (write ? copy_to_user((void __user *)hva, buf, n) :
			    copy_from_user(buf, (void __user *)hva, n))
			return -EFAULT;
		gpa += n;
		buf += n;
		len -= n;
	}
	return 0;
}

int hv_guest_read(struct hv_vm *vm, u64 gpa, void *buf, unsigned int len)
{
	return hv_guest_access(vm, gpa, buf, len, false);
}

int hv_guest_write(struct hv_vm *vm, u64 gpa, const void *buf,
		   unsigned int len)
{
	return hv_guest_access(vm, gpa, (void *)buf, len, true);
}

/* HV_VM_CREATE_IRQCHIP: local APICs come with vCPUs, so none may exist. */
static long hv_vm_create_irqchip(struct hv_vm *vm)
{
	unsigned int i;
	long ret = 0;

	mutex_lock(&vm->lock);
	if (vm->ioapic) {
		ret = -EEXIST;
		goto out;
	}
	for (i = 0; i < HV_MAX_VCPUS; i++) {
		if (vm->vcpus[i]) {
			ret = -EBUSY;
			goto out;
		}
	}
	ret = hv_ioapic_create(vm);
out:
	mutex_unlock(&vm->lock);
	return ret;
}

static long hv_vm_irq_line(struct hv_vm *vm, void __user *argp)
{
	struct hv_irq_line l;

	if (copy_from_user(&l, argp, sizeof(l)))
		return -EFAULT;
	if (l.gsi >= HV_IOAPIC_PINS || l.level > 1 ||
	    memchr_inv(l.reserved, 0, sizeof(l.reserved)))
		return -EINVAL;
	if (!hv_irqchip(vm))
		return -ENXIO;
	return hv_ioapic_set_line(vm, l.gsi, l.level);
}

/* MSI address and data (SDM vol. 3, 11.11.1 and 11.11.2). */
#define HV_MSI_ADDR_BASE	0xfee00000ULL
#define HV_MSI_ADDR_MASK	0xfff00000ULL
#define HV_MSI_ADDR_VALID	(0xff000ULL | BIT(3) | BIT(2))
#define HV_MSI_DATA_VALID	(0xffU | 7U << 8 | BIT(14) | BIT(15))

static long hv_vm_signal_msi(struct hv_vm *vm, void __user *argp)
{
	struct hv_irq_msg msg = { .broadcast_ok = true };
	struct hv_msi m;

	if (copy_from_user(&m, argp, sizeof(m)))
		return -EFAULT;
	if ((m.address & ~(HV_MSI_ADDR_MASK | HV_MSI_ADDR_VALID)) ||
	    (m.address & HV_MSI_ADDR_MASK) != HV_MSI_ADDR_BASE ||
	    m.data & ~HV_MSI_DATA_VALID || m.padding ||
	    memchr_inv(m.reserved, 0, sizeof(m.reserved)))
		return -EINVAL;
	if (!hv_irqchip(vm))
		return -ENXIO;
	msg.dest = (m.address >> 12) & 0xff;
	msg.logical = m.address & BIT(2);
	msg.vector = m.data & 0xff;
	msg.delivery = (m.data >> 8) & 7;
	msg.level = m.data & BIT(15);
	return hv_lapic_deliver(vm, &msg, NULL) > 0;
}

static long hv_vm_set_name(struct hv_vm *vm, void __user *argp)
{
	struct hv_vm_name n;

	if (copy_from_user(&n, argp, sizeof(n)))
		return -EFAULT;
	return hv_registry_set_name(vm, &n);
}

static long hv_vm_ioctl(struct file *file, unsigned int cmd,
			unsigned long arg)
{
	struct hv_vm *vm = file->private_data;

	if (vm->mm != current->mm)
		return -EIO;

	switch (cmd) {
	case HV_VM_SET_MEMSLOT:
		return hv_vm_set_memslot(vm, (void __user *)arg);
	case HV_VM_DELETE_MEMSLOT:
		return hv_vm_delete_memslot(vm, arg);
	case HV_VM_CREATE_VCPU:
		return hv_vcpu_create(vm, arg);
	case HV_VM_CREATE_IRQCHIP:
		return arg ? -EINVAL : hv_vm_create_irqchip(vm);
	case HV_VM_IRQ_LINE:
		return hv_vm_irq_line(vm, (void __user *)arg);
	case HV_VM_SIGNAL_MSI:
		return hv_vm_signal_msi(vm, (void __user *)arg);
	case HV_VM_SET_NAME:
		return hv_vm_set_name(vm, (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static int hv_vm_file_release(struct inode *inode, struct file *file)
{
	hv_vm_put(file->private_data);
	return 0;
}

static const struct file_operations hv_vm_fops = {
	.owner		= THIS_MODULE,
	.release	= hv_vm_file_release,
	.unlocked_ioctl	= hv_vm_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

/**
 * hv_vm_create() - create a VM owned by the calling process
 *
 * Return: a new VM file descriptor or a negative errno.
 */
int hv_vm_create(void)
{
	struct hv_vm *vm;
	int ret;

	ret = hv_virt_get();
	if (ret)
		return ret;

	ret = -ENOMEM;
	vm = kzalloc(sizeof(*vm) + hv_ops->vm_size, GFP_KERNEL_ACCOUNT);
	if (!vm)
		goto err_virt;
	kref_init(&vm->kref);
	mutex_init(&vm->lock);
	spin_lock_init(&vm->mmu_lock);
	if (!zalloc_cpumask_var(&vm->flush_mask, GFP_KERNEL_ACCOUNT))
		goto err_free;
	vm->mm = current->mm;
	mmgrab(vm->mm);
	/* One TSC for all vCPUs, starting near 0, and kvmclock's time zero. */
	vm->clock_tsc = rdtsc();
	vm->tsc_offset = -vm->clock_tsc;

	ret = hv_mmu_init(vm);
	if (ret)
		goto err_mm;
	ret = hv_ops->vm_init(vm);
	if (ret)
		goto err_mmu;
	ret = hv_mmu_notifier_register(vm);
	if (ret)
		goto err_arch;
	/* Listed once whole; from here on, release takes it off the list. */
	ret = hv_registry_add(vm);
	if (ret)
		goto err_notifier;
	ret = anon_inode_getfd("hv-vm", &hv_vm_fops, vm, O_RDWR | O_CLOEXEC);
	if (ret < 0)
		goto err_registry;
	return ret;

err_registry:
	hv_registry_remove(vm);
err_notifier:
	mmu_notifier_unregister(&vm->notifier, vm->mm);
err_arch:
	hv_ops->vm_destroy(vm);
err_mmu:
	hv_mmu_destroy(vm);
err_mm:
	mmdrop(vm->mm);
	free_cpumask_var(vm->flush_mask);
err_free:
	kfree(vm);
err_virt:
	hv_virt_put();
	return ret;
}
