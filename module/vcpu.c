// SPDX-License-Identifier: GPL-2.0
/*
 * hv: the vCPU object, its file descriptor, run page and state ioctls.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>

#include "hv.h"

/* RFLAGS bits a guest may hold; bit 1 always reads as 1 (SDM 3.4.3). */
#define HV_RFLAGS_VALID		(X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | \
				 X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_TF | \
				 X86_EFLAGS_IF | X86_EFLAGS_DF | X86_EFLAGS_OF | \
				 X86_EFLAGS_IOPL | X86_EFLAGS_NT | X86_EFLAGS_RF | \
				 X86_EFLAGS_VM | X86_EFLAGS_AC | X86_EFLAGS_VIF | \
				 X86_EFLAGS_VIP | X86_EFLAGS_ID | X86_EFLAGS_FIXED)

#define HV_APIC_BASE_DEFAULT	(0xfee00000ULL | MSR_IA32_APICBASE_ENABLE)

void hv_get_regs(struct hv_vcpu *vcpu, struct hv_regs *r)
{
	const u64 *g = vcpu->gprs;

	r->rax = g[HV_RAX];
	r->rbx = g[HV_RBX];
	r->rcx = g[HV_RCX];
	r->rdx = g[HV_RDX];
	r->rsi = g[HV_RSI];
	r->rdi = g[HV_RDI];
	r->rsp = g[HV_RSP];
	r->rbp = g[HV_RBP];
	r->r8 = g[HV_R8];
	r->r9 = g[HV_R9];
	r->r10 = g[HV_R10];
	r->r11 = g[HV_R11];
	r->r12 = g[HV_R12];
	r->r13 = g[HV_R13];
	r->r14 = g[HV_R14];
	r->r15 = g[HV_R15];
	r->rip = vcpu->rip;
	r->rflags = vcpu->rflags;
}

int hv_set_regs(struct hv_vcpu *vcpu, const struct hv_regs *r)
{
	u64 *g = vcpu->gprs;

	if (r->rflags & ~HV_RFLAGS_VALID)
		return -EINVAL;
	g[HV_RAX] = r->rax;
	g[HV_RBX] = r->rbx;
	g[HV_RCX] = r->rcx;
	g[HV_RDX] = r->rdx;
	g[HV_RSI] = r->rsi;
	g[HV_RDI] = r->rdi;
	g[HV_RSP] = r->rsp;
	g[HV_RBP] = r->rbp;
	g[HV_R8] = r->r8;
	g[HV_R9] = r->r9;
	g[HV_R10] = r->r10;
	g[HV_R11] = r->r11;
	g[HV_R12] = r->r12;
	g[HV_R13] = r->r13;
	g[HV_R14] = r->r14;
	g[HV_R15] = r->r15;
	vcpu->rip = r->rip;
	vcpu->rflags = r->rflags | X86_EFLAGS_FIXED;
	/* New state from userspace wins over a half-done instruction. */
	vcpu->pending.kind = HV_COMPLETE_NONE;
	return 0;
}

static bool hv_segment_padding_ok(const struct hv_sregs *s)
{
	const struct hv_segment *segs[] = {
		&s->cs, &s->ds, &s->es, &s->fs, &s->gs, &s->ss, &s->tr, &s->ldt,
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(segs); i++)
		if (segs[i]->padding)
			return false;
	return !memchr_inv(s->gdt.padding, 0, sizeof(s->gdt.padding)) &&
	       !memchr_inv(s->idt.padding, 0, sizeof(s->idt.padding)) &&
	       !memchr_inv(s->reserved, 0, sizeof(s->reserved));
}

/* CR4 bits a guest may set: those whose features hv exposes. */
u64 hv_cr4_allowed(void)
{
	u64 bits = X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE |
		   X86_CR4_PSE | X86_CR4_PAE | X86_CR4_PGE | X86_CR4_PCE |
		   X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;

	if (boot_cpu_has(X86_FEATURE_XSAVE))
		bits |= X86_CR4_OSXSAVE;
	if (boot_cpu_has(X86_FEATURE_FSGSBASE))
		bits |= X86_CR4_FSGSBASE;
	if (boot_cpu_has(X86_FEATURE_SMEP))
		bits |= X86_CR4_SMEP;
	if (boot_cpu_has(X86_FEATURE_SMAP))
		bits |= X86_CR4_SMAP;
	if (boot_cpu_has(X86_FEATURE_UMIP))
		bits |= X86_CR4_UMIP;
	return bits;
}

u64 hv_efer_allowed(void)
{
	return EFER_SCE | EFER_LME | EFER_LMA | EFER_NX;
}

bool hv_apic_base_valid(u64 v)
{
	u64 reserved = ~(MSR_IA32_APICBASE_BSP | MSR_IA32_APICBASE_ENABLE |
			 (GENMASK_ULL(hv_gpa_bits - 1, 12)));

	return !(v & reserved);
}

/**
 * hv_seg_to_ar() - a segment's attributes in descriptor order
 * @s: the segment.
 *
 * Bits 0-7 are byte 5 of the descriptor (type, S, DPL, P), bits 12-15 the
 * high nibble of byte 6 (AVL, L, D/B, G): the VMCS access-rights layout
 * (SDM vol. 3, table 25-2) without its "unusable" bit 16, and the VMCB's
 * attribute field once bits 12-15 are moved down to 8-11.
 *
 * Return: the attributes.
 */
u32 hv_seg_to_ar(const struct hv_segment *s)
{
	return (s->type & 0xf) | (s->s & 1) << 4 | (s->dpl & 3) << 5 |
	       (s->present & 1) << 7 | (s->avl & 1) << 12 | (s->l & 1) << 13 |
	       (s->db & 1) << 14 | (s->g & 1) << 15;
}

/**
 * hv_seg_from_ar() - set a segment's attributes from descriptor order
 * @s: the segment; base, limit, selector and unusable are left alone.
 * @ar: attributes as hv_seg_to_ar() returns them.
 */
void hv_seg_from_ar(struct hv_segment *s, u32 ar)
{
	s->type = ar & 0xf;
	s->s = (ar >> 4) & 1;
	s->dpl = (ar >> 5) & 3;
	s->present = (ar >> 7) & 1;
	s->avl = (ar >> 12) & 1;
	s->l = (ar >> 13) & 1;
	s->db = (ar >> 14) & 1;
	s->g = (ar >> 15) & 1;
}

static struct hv_segment hv_reset_segment(u32 ar)
{
	struct hv_segment s = { .limit = 0xffff };

	hv_seg_from_ar(&s, ar);
	return s;
}

/**
 * hv_reset_sregs() - load the segment and control registers of RESET
 * @vcpu: the vCPU.
 *
 * SDM vol. 3, table 10-1: CS F000:FFF0 with base FFFF0000, data segments
 * read/write, LDTR and TR present, caching off.
 *
 * Return: 0, or the backend's -EBUSY (struct hv_arch_ops).
 */
int hv_reset_sregs(struct hv_vcpu *vcpu)
{
	struct hv_sregs s = {
		.cs = hv_reset_segment(0x9b),
		.ds = hv_reset_segment(0x93),
		.es = hv_reset_segment(0x93),
		.fs = hv_reset_segment(0x93),
		.gs = hv_reset_segment(0x93),
		.ss = hv_reset_segment(0x93),
		.tr = hv_reset_segment(0x8b),
		.ldt = hv_reset_segment(0x82),
		.gdt = { .limit = 0xffff },
		.idt = { .limit = 0xffff },
		.cr0 = X86_CR0_CD | X86_CR0_NW | X86_CR0_ET,
	};

	s.cs.selector = 0xf000;
	s.cs.base = 0xffff0000;
	vcpu->osxsave = false;
	return hv_ops->set_sregs(vcpu, &s);
}

/*
 * Reject what the CPU cannot run (APM vol. 2, 15.5.1 "Canonicalization and
 * Consistency Checks"; SDM vol. 3, 27.3.1): a bad combination is an EINVAL
 * now instead of a failed entry later.
 */
static int hv_sregs_check(const struct hv_sregs *s)
{
	bool pg = s->cr0 & X86_CR0_PG;
	bool lme = s->efer & EFER_LME;

	if (!hv_segment_padding_ok(s))
		return -EINVAL;
	if (s->cr0 >> 32 || (pg && !(s->cr0 & X86_CR0_PE)) ||
	    ((s->cr0 & X86_CR0_NW) && !(s->cr0 & X86_CR0_CD)))
		return -EINVAL;
	if (s->cr4 & ~hv_cr4_allowed() || s->efer & ~hv_efer_allowed())
		return -EINVAL;
	if (!!(s->efer & EFER_LMA) != (lme && pg))
		return -EINVAL;
	if (lme && pg && !(s->cr4 & X86_CR4_PAE))
		return -EINVAL;
	if (lme && pg && s->cs.l && s->cs.db)
		return -EINVAL;
	/* x2APIC mode: checked by the local APIC, when there is one. */
	if (s->cr8 > 15 || !hv_apic_base_valid(s->apic_base & ~X2APIC_ENABLE))
		return -EINVAL;
	if (pg && (s->efer & EFER_LMA) && s->cr3 >> hv_gpa_bits)
		return -EINVAL;
	return 0;
}

int hv_set_sregs(struct hv_vcpu *vcpu, const struct hv_sregs *s)
{
	int ret = hv_sregs_check(s);

	if (ret)
		return ret;
	if (!vcpu->lapic && (s->apic_base & X2APIC_ENABLE))
		return -EINVAL;
	if (vcpu->lapic) {
		ret = hv_lapic_set_base(vcpu, s->apic_base, true);
		if (ret)
			return ret;
		hv_lapic_set_cr8(vcpu, s->cr8);
	} else {
		vcpu->apic_base = s->apic_base;
	}
	ret = hv_ops->set_sregs(vcpu, s);
	if (ret)
		return ret;
	vcpu->osxsave = s->cr4 & X86_CR4_OSXSAVE;
	vcpu->pending.kind = HV_COMPLETE_NONE;
	return 0;
}

/**
 * hv_get_sregs() - the vCPU's segment, descriptor table and control registers
 * @vcpu: the vCPU.
 * @s: filled in; all zero on failure.
 *
 * Return: 0, or the backend's -EBUSY (struct hv_arch_ops).
 */
int hv_get_sregs(struct hv_vcpu *vcpu, struct hv_sregs *s)
{
	int ret;

	memset(s, 0, sizeof(*s));
	ret = hv_ops->get_sregs(vcpu, s);
	if (ret) {
		memset(s, 0, sizeof(*s));
		return ret;
	}
	s->apic_base = vcpu->apic_base;
	if (vcpu->lapic)
		s->cr8 = hv_lapic_get_cr8(vcpu);
	return 0;
}

static long hv_vcpu_ioctl_xcrs(struct hv_vcpu *vcpu, void __user *argp,
			       bool set)
{
	struct hv_xcrs x;

	if (!set) {
		memset(&x, 0, sizeof(x));
		x.xcr0 = vcpu->xcr0;
		return copy_to_user(argp, &x, sizeof(x)) ? -EFAULT : 0;
	}
	if (copy_from_user(&x, argp, sizeof(x)))
		return -EFAULT;
	if (memchr_inv(x.reserved, 0, sizeof(x.reserved)) ||
	    !hv_xcr0_valid(x.xcr0))
		return -EINVAL;
	vcpu->xcr0 = x.xcr0;
	return 0;
}

static long hv_vcpu_ioctl_xsave(struct hv_vcpu *vcpu, void __user *argp,
				bool set)
{
	struct hv_xsave *x;
	long ret = 0;

	if (hv_fpu_uabi_size(&vcpu->fpu) > sizeof(*x))
		return -EOPNOTSUPP;
	if (set) {
		x = memdup_user(argp, sizeof(*x));
		if (IS_ERR(x))
			return PTR_ERR(x);
		ret = hv_fpu_from_uabi(&vcpu->fpu, x, hv_guest_xcr0_mask);
	} else {
		x = kzalloc(sizeof(*x), GFP_KERNEL_ACCOUNT);
		if (!x)
			return -ENOMEM;
		hv_fpu_to_uabi(&vcpu->fpu, x, sizeof(*x));
		if (copy_to_user(argp, x, sizeof(*x)))
			ret = -EFAULT;
	}
	kfree(x);
	return ret;
}

static long hv_vcpu_ioctl_inject(struct hv_vcpu *vcpu, void __user *argp)
{
	struct hv_events *ev = &vcpu->events;
	struct hv_event e;

	if (copy_from_user(&e, argp, sizeof(e)))
		return -EFAULT;
	if (e.padding || memchr_inv(e.reserved, 0, sizeof(e.reserved)) ||
	    e.has_error_code > 1)
		return -EINVAL;
	if (e.has_error_code && e.type != HV_EVENT_EXCEPTION)
		return -EINVAL;

	switch (e.type) {
	case HV_EVENT_EXCEPTION:
		if (e.vector > 31)
			return -EINVAL;
		if (ev->exc_pending)
			return -EBUSY;
		hv_queue_exception(vcpu, e.vector, e.has_error_code,
				   e.error_code);
		return 0;
	case HV_EVENT_EXTINT:
		/* With a local APIC, interrupts come through it only. */
		if (e.vector < 16 || vcpu->lapic)
			return -EINVAL;
		if (ev->irq_pending)
			return -EBUSY;
		ev->irq_vector = e.vector;
		ev->irq_pending = true;
		return 0;
	case HV_EVENT_NMI:
		if (e.vector != 2)
			return -EINVAL;
		if (ev->nmi_pending)
			return -EBUSY;
		ev->nmi_pending = true;
		return 0;
	default:
		return -EINVAL;
	}
}

static long hv_vcpu_ioctl_stats(struct hv_vcpu *vcpu, void __user *argp)
{
	struct hv_vcpu_stats st;

	memset(&st, 0, sizeof(st));
	st.nr = HV_STAT_NR;
	hv_vcpu_get_stats(vcpu, st.count);
	return copy_to_user(argp, &st, sizeof(st)) ? -EFAULT : 0;
}

/* Copy-in/out wrappers for the fixed-size state structs. */
static long hv_vcpu_ioctl_regs(struct hv_vcpu *vcpu, void __user *argp,
			       bool set)
{
	struct hv_regs r;

	if (!set) {
		hv_get_regs(vcpu, &r);
		return copy_to_user(argp, &r, sizeof(r)) ? -EFAULT : 0;
	}
	if (copy_from_user(&r, argp, sizeof(r)))
		return -EFAULT;
	return hv_set_regs(vcpu, &r);
}

static long hv_vcpu_ioctl_sregs(struct hv_vcpu *vcpu, void __user *argp,
				bool set)
{
	struct hv_sregs s;

	if (!set) {
		int ret = hv_get_sregs(vcpu, &s);

		if (ret)
			return ret;
		return copy_to_user(argp, &s, sizeof(s)) ? -EFAULT : 0;
	}
	if (copy_from_user(&s, argp, sizeof(s)))
		return -EFAULT;
	return hv_set_sregs(vcpu, &s);
}

static long hv_vcpu_ioctl_locked(struct hv_vcpu *vcpu, unsigned int cmd,
				 unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case HV_VCPU_RUN:
		return arg ? -EINVAL : hv_vcpu_run(vcpu);
	case HV_VCPU_GET_REGS:
	case HV_VCPU_SET_REGS:
		return hv_vcpu_ioctl_regs(vcpu, argp, cmd == HV_VCPU_SET_REGS);
	case HV_VCPU_GET_SREGS:
	case HV_VCPU_SET_SREGS:
		return hv_vcpu_ioctl_sregs(vcpu, argp, cmd == HV_VCPU_SET_SREGS);
	case HV_VCPU_GET_MSRS:
	case HV_VCPU_SET_MSRS:
		return hv_vcpu_ioctl_msrs(vcpu, argp, cmd == HV_VCPU_SET_MSRS);
	case HV_VCPU_GET_XSAVE:
	case HV_VCPU_SET_XSAVE:
		return hv_vcpu_ioctl_xsave(vcpu, argp, cmd == HV_VCPU_SET_XSAVE);
	case HV_VCPU_GET_XCRS:
	case HV_VCPU_SET_XCRS:
		return hv_vcpu_ioctl_xcrs(vcpu, argp, cmd == HV_VCPU_SET_XCRS);
	case HV_VCPU_GET_CPUID:
		return hv_vcpu_ioctl_get_cpuid(vcpu, argp);
	case HV_VCPU_SET_CPUID:
		return hv_vcpu_ioctl_set_cpuid(vcpu, argp);
	case HV_VCPU_INJECT:
		return hv_vcpu_ioctl_inject(vcpu, argp);
	case HV_VCPU_GET_STATS:
		return hv_vcpu_ioctl_stats(vcpu, argp);
	default:
		return -ENOTTY;
	}
}

static long hv_vcpu_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	struct hv_vcpu *vcpu = file->private_data;
	long ret;

	if (vcpu->vm->mm != current->mm)
		return -EIO;
	/* The one call that must not wait for a running vCPU. */
	if (cmd == HV_VCPU_KICK)
		return arg ? -EINVAL : (hv_vcpu_kick(vcpu), 0);

	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;
	ret = hv_vcpu_ioctl_locked(vcpu, cmd, arg);
	mutex_unlock(&vcpu->mutex);
	return ret;
}

static vm_fault_t hv_vcpu_fault(struct vm_fault *vmf)
{
	struct hv_vcpu *vcpu = vmf->vma->vm_file->private_data;

	if (vmf->pgoff)
		return VM_FAULT_SIGBUS;
	vmf->page = virt_to_page(vcpu->run);
	get_page(vmf->page);
	return 0;
}

static const struct vm_operations_struct hv_vcpu_vm_ops = {
	.fault = hv_vcpu_fault,
};

static int hv_vcpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	/* A private mapping would copy on write: the kernel would never see it. */
	if (vma->vm_pgoff || vma->vm_end - vma->vm_start > PAGE_SIZE ||
	    !(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	vma->vm_ops = &hv_vcpu_vm_ops;
	return 0;
}

static int hv_vcpu_release(struct inode *inode, struct file *file)
{
	struct hv_vcpu *vcpu = file->private_data;

	hv_vm_put(vcpu->vm);
	return 0;
}

static const struct file_operations hv_vcpu_fops = {
	.owner		= THIS_MODULE,
	.release	= hv_vcpu_release,
	.unlocked_ioctl	= hv_vcpu_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= hv_vcpu_mmap,
	.llseek		= noop_llseek,
};

/* The architectural state after RESET (SDM vol. 3, 10.1.1). */
static void hv_vcpu_reset(struct hv_vcpu *vcpu)
{
	vcpu->rip = 0xfff0;
	vcpu->rflags = X86_EFLAGS_FIXED;
	vcpu->xcr0 = XFEATURE_MASK_FP;
	vcpu->dr[6] = HV_DR6_INIT;
	vcpu->dr[7] = HV_DR7_INIT;
	vcpu->apic_base = HV_APIC_BASE_DEFAULT |
			  (vcpu->id == 0 ? MSR_IA32_APICBASE_BSP : 0);
	vcpu->misc_enable = MSR_IA32_MISC_ENABLE_FAST_STRING;
}

void hv_vcpu_free(struct hv_vcpu *vcpu)
{
	hv_lapic_destroy(vcpu);
	hv_ops->vcpu_destroy(vcpu);
	hv_mmu_vcpu_free(vcpu);
	kfree(vcpu->cpuid);
	hv_fpu_free(&vcpu->fpu);
	free_page((unsigned long)vcpu->run);
	kfree(vcpu);
}

static struct hv_vcpu *hv_vcpu_alloc(struct hv_vm *vm, u32 id)
{
	struct hv_vcpu *vcpu;
	int ret = -ENOMEM;

	vcpu = kzalloc(sizeof(*vcpu) + hv_ops->vcpu_size, GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		return ERR_PTR(-ENOMEM);
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->cpu = -1;
	mutex_init(&vcpu->mutex);
	init_waitqueue_head(&vcpu->wq);
	vcpu->run = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vcpu->run)
		goto err_free;
	if (hv_fpu_alloc(&vcpu->fpu))
		goto err_run;
	if (hv_cpuid_default(vcpu))
		goto err_fpu;
	hv_vcpu_reset(vcpu);
	ret = hv_ops->vcpu_init(vcpu);
	if (ret)
		goto err_cpuid;
	ret = hv_reset_sregs(vcpu);
	if (ret)
		goto err_arch;
	/* vm->lock is held: the irqchip cannot appear in between. */
	ret = vcpu->vm->ioapic ? hv_lapic_create(vcpu) : 0;
	if (ret)
		goto err_arch;
	return vcpu;

err_arch:
	hv_ops->vcpu_destroy(vcpu);
err_cpuid:
	kfree(vcpu->cpuid);
err_fpu:
	hv_fpu_free(&vcpu->fpu);
err_run:
	free_page((unsigned long)vcpu->run);
err_free:
	kfree(vcpu);
	return ERR_PTR(ret);
}

/**
 * hv_vcpu_create() - add vCPU @id to @vm
 * @vm: the VM (caller's file holds a reference).
 * @id: vCPU id from userspace, checked before anything is allocated.
 *
 * Return: a vCPU file descriptor, or -EINVAL / -EEXIST / -ENOMEM, or the
 * backend's -EBUSY (struct hv_arch_ops).
 */
int hv_vcpu_create(struct hv_vm *vm, unsigned long id)
{
	struct hv_vcpu *vcpu;
	int fd;

	if (id >= HV_MAX_VCPUS)
		return -EINVAL;

	mutex_lock(&vm->lock);
	if (vm->vcpus[id]) {
		fd = -EEXIST;
		goto out;
	}
	vcpu = hv_vcpu_alloc(vm, id);
	if (IS_ERR(vcpu)) {
		fd = PTR_ERR(vcpu);
		goto out;
	}
	kref_get(&vm->kref);
	/*
	 * The fd is live once installed: hold the vCPU's mutex until TLB
	 * shootdowns can see it, so no RUN can enter the guest before.
	 */
	mutex_lock(&vcpu->mutex);
	fd = anon_inode_getfd("hv-vcpu", &hv_vcpu_fops, vcpu,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		mutex_unlock(&vcpu->mutex);
		hv_vm_put(vm);	/* never the last reference: the VM fd has one */
		hv_vcpu_free(vcpu);
		goto out;
	}
	/* Pairs with the acquire in hv_flush_remote_tlbs(). */
	smp_store_release(&vm->vcpus[id], vcpu);
	mutex_unlock(&vcpu->mutex);
out:
	mutex_unlock(&vm->lock);
	return fd;
}
