/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where hv adapts to kernel interfaces that change between
 * versions. compat-gen.h is produced by compat-probe.sh from the headers of
 * the kernel being built against; nothing else in hv tests versions.
 */
#ifndef HV_COMPAT_H
#define HV_COMPAT_H

#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <asm/fpu/api.h>

#include "compat-gen.h"

#ifndef HV_HAVE_FPU_GUEST
#error "hv needs the guest FPU API (fpu_alloc_guest_fpstate, Linux 5.16+)"
#endif

#ifndef HV_HAVE_GUP_UNLOCKED
#error "hv needs get_user_pages_unlocked()"
#endif

/* Take a reference on the page backing @addr in current->mm. */
static inline int hv_get_user_page(unsigned long addr, bool write,
				   struct page **page)
{
	long n = get_user_pages_unlocked(addr, 1, page,
					 write ? FOLL_WRITE : 0);

	if (n == 1)
		return 0;
	return n < 0 ? n : -EFAULT;
}

static inline int hv_fpu_from_uabi(struct fpu_guest *fpu, const void *buf,
				   u64 xcr0)
{
	u32 pkru = 0;

	return fpu_copy_uabi_to_guest_fpstate(fpu, buf, xcr0, &pkru);
}

/* The guest's FPU state in the XSAVE UABI layout, all components it has. */
static inline void hv_fpu_to_uabi(struct fpu_guest *fpu, void *buf,
				  unsigned int size)
{
#ifdef HV_HAVE_FPU_TO_UABI_XFEATURES
	fpu_copy_guest_fpstate_to_uabi(fpu, buf, size, fpu->fpstate->user_xfeatures, 0);
#else
	fpu_copy_guest_fpstate_to_uabi(fpu, buf, size, 0);
#endif
}

/* Guest mode is an RCU quiescent state, as for KVM (6.2 dropped the cpu). */
static inline void hv_rcu_guest_enter(int cpu)
{
#ifdef HV_HAVE_RCU_VIRT_NOTE_CPU
	rcu_virt_note_context_switch(cpu);
#else
	rcu_virt_note_context_switch();
#endif
}

/*
 * The host's NMI entry for a VMX backend that took an NMI exit: 6.3 gave
 * KVM one of its own, older kernels export the no-IST entry.
 */
#ifdef HV_HAVE_NMI_KVM_VMX
#define hv_host_nmi_entry	asm_exc_nmi_kvm_vmx
#else
#define hv_host_nmi_entry	asm_exc_nmi_noist
#endif

#endif /* HV_COMPAT_H */
