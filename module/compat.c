// SPDX-License-Identifier: GPL-2.0
/*
 * The out-of-line half of compat.h: hv's guest FPU state, through KVM's
 * guest FPU API where the kernel exports it to hv, else hv's own; an NMI
 * to this CPU through the local APIC; a filtered netlink broadcast.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <asm/apic.h>
#include <asm/fpu/api.h>
#include <asm/fpu/types.h>
#include <asm/irq_vectors.h>
#include <asm/processor.h>

#include "hv.h"

#ifdef HV_HAVE_FPU_GUEST

int hv_fpu_alloc(struct hv_fpu *fpu)
{
	return fpu_alloc_guest_fpstate(&fpu->guest) ? 0 : -ENOMEM;
}

void hv_fpu_free(struct hv_fpu *fpu)
{
	fpu_free_guest_fpstate(&fpu->guest);
}

int hv_fpu_from_uabi(struct hv_fpu *fpu, const void *buf, u64 xcr0)
{
	u32 pkru = 0;

	return fpu_copy_uabi_to_guest_fpstate(&fpu->guest, buf, xcr0, &pkru);
}

/* The guest's FPU state in the XSAVE UABI layout, all components it has. */
void hv_fpu_to_uabi(struct hv_fpu *fpu, void *buf, unsigned int size)
{
#ifdef HV_HAVE_FPU_TO_UABI_XFEATURES
	fpu_copy_guest_fpstate_to_uabi(&fpu->guest, buf, size,
				       fpu->guest.fpstate->user_xfeatures, 0);
#else
	fpu_copy_guest_fpstate_to_uabi(&fpu->guest, buf, size, 0);
#endif
}

#else /* !HV_HAVE_FPU_GUEST */

/*
 * Linux before 5.16 has no guest FPU API, and 6.19+ exports it to the KVM
 * modules only. hv then keeps the guest's FPU, SSE and AVX registers in an
 * XSAVE area of its own, in the standard (non-compacted) format, which is
 * also the UABI layout of HV_VCPU_GET/SET_XSAVE. They are loaded around each
 * guest entry only, between kernel_fpu_begin() and kernel_fpu_end(): the
 * first saves the task's registers (and has them reloaded on its return to
 * user space), and no other kernel code uses the FPU in between. That costs
 * an XRSTOR and an XSAVE per entry, small beside a VM exit.
 */

#define HV_MXCSR_DEFAULT	0x1f80
#define HV_MXCSR_MASK_DEFAULT	0xffbf	/* SDM vol. 1, 11.6.6 */
#define HV_XSAVE_HDR_OFFSET	512
#define HV_XSAVE_HDR_SIZE	64

static u32 hv_mxcsr_mask;

static bool hv_use_xsave(void)
{
	return boot_cpu_has(X86_FEATURE_XSAVE) && boot_cpu_has(X86_FEATURE_OSXSAVE);
}

/* Bytes the standard format takes for hv's guest XCR0 components. */
static unsigned int hv_xsave_size(void)
{
	unsigned int size = HV_XSAVE_HDR_OFFSET + HV_XSAVE_HDR_SIZE;
	u32 eax, ebx, ecx, edx;
	int i;

	for (i = 2; i < 64; i++) {
		if (!(hv_guest_xcr0_mask & BIT_ULL(i)))
			continue;
		cpuid_count(0xd, i, &eax, &ebx, &ecx, &edx);
		size = max(size, ebx + eax);
	}
	return size;
}

/* The MXCSR bits this CPU accepts: a bad value would make FXRSTOR fault. */
static void hv_read_mxcsr_mask(void)
{
	struct fxregs_state *fx;

	fx = (void *)get_zeroed_page(GFP_KERNEL);
	if (!fx) {
		hv_mxcsr_mask = HV_MXCSR_MASK_DEFAULT;
		return;
	}
	kernel_fpu_begin();
	asm volatile("fxsaveq %0" : "=m" (*fx));
	kernel_fpu_end();
	hv_mxcsr_mask = fx->mxcsr_mask ? fx->mxcsr_mask : HV_MXCSR_MASK_DEFAULT;
	free_page((unsigned long)fx);
}

int hv_fpu_alloc(struct hv_fpu *fpu)
{
	struct fxregs_state *fx;

	if (!READ_ONCE(hv_mxcsr_mask))
		hv_read_mxcsr_mask();
	fpu->size = hv_use_xsave() ? hv_xsave_size() : sizeof(*fx);
	/* page-aligned, as XSAVE (64) and FXSAVE (16) want */
	fpu->area = (void *)__get_free_pages(GFP_KERNEL_ACCOUNT | __GFP_ZERO,
					     get_order(fpu->size));
	if (!fpu->area)
		return -ENOMEM;
	/* The reset state (SDM vol. 1, 13.6): XSTATE_BV 0 is the rest. */
	fx = fpu->area;
	fx->cwd = 0x37f;
	fx->mxcsr = HV_MXCSR_DEFAULT;
	return 0;
}

void hv_fpu_free(struct hv_fpu *fpu)
{
	if (fpu->area)
		free_pages((unsigned long)fpu->area, get_order(fpu->size));
	fpu->area = NULL;
}

/*
 * XRSTOR faults on a bad header or MXCSR (SDM vol. 1, 13.8): check all of
 * it here, since hv's XRSTOR has no fault handler.
 */
int hv_fpu_from_uabi(struct hv_fpu *fpu, const void *buf, u64 xcr0)
{
	const struct fxregs_state *fx = buf;
	const struct xstate_header *hdr = buf + HV_XSAVE_HDR_OFFSET;

	if (fx->mxcsr & ~hv_mxcsr_mask)
		return -EINVAL;
	if (hv_use_xsave() &&
	    ((hdr->xfeatures & ~xcr0) || hdr->xcomp_bv ||
	     memchr_inv(hdr->reserved, 0, sizeof(hdr->reserved))))
		return -EINVAL;
	memcpy(fpu->area, buf, fpu->size);
	return 0;
}

void hv_fpu_to_uabi(struct hv_fpu *fpu, void *buf, unsigned int size)
{
	memset(buf, 0, size);
	memcpy(buf, fpu->area, min(size, fpu->size));
}

/* Preemption off, interrupts on: the guest's registers in, the task's out. */
void hv_fpu_enter(struct hv_fpu *fpu)
{
	u32 lo = hv_guest_xcr0_mask, hi = hv_guest_xcr0_mask >> 32;

	kernel_fpu_begin();
	if (hv_use_xsave())
		asm volatile("xrstor64 %0" : : "m" (*(u8 *)fpu->area),
			     "a" (lo), "d" (hi) : "memory");
	else
		asm volatile("fxrstor64 %0" : : "m" (*(u8 *)fpu->area));
}

/* After the guest ran, interrupts on again: the host's XCR0 is back. */
void hv_fpu_exit(struct hv_fpu *fpu)
{
	u32 lo = hv_guest_xcr0_mask, hi = hv_guest_xcr0_mask >> 32;

	if (hv_use_xsave())
		asm volatile("xsave64 %0" : "=m" (*(u8 *)fpu->area)
			     : "a" (lo), "d" (hi) : "memory");
	else
		asm volatile("fxsave64 %0" : "=m" (*(u8 *)fpu->area));
	kernel_fpu_end();
}

#endif /* HV_HAVE_FPU_GUEST */

/**
 * hv_apic_self_nmi() - send an NMI to this CPU through its local APIC
 *
 * An IPI with delivery mode NMI (SDM vol. 3A, "Interrupt Command
 * Register"), through the APIC driver: the static call of 6.6+ or else its
 * hook. Interrupts are off; the NMI waits while NMIs are blocked.
 */
void hv_apic_self_nmi(void)
{
#if defined(HV_HAVE_APIC_SEND_IPI_MASK)
	__apic_send_IPI_mask(cpumask_of(smp_processor_id()), NMI_VECTOR);
#elif defined(HV_HAVE_APIC_SEND_IPI_HOOK)
	apic->send_IPI_mask(cpumask_of(smp_processor_id()), NMI_VECTOR);
#else
	WARN_ON_ONCE(1);	/* never called: hv uses the NMI entry */
#endif
}

/**
 * hv_genl_multicast_filtered() - send to a family's first multicast group
 * @family: the family, registered in the initial network namespace.
 * @skb: the message; consumed.
 * @filter: for each listener: non-zero when it must not get @skb.
 * @data: for @filter.
 *
 * Where the kernel cannot filter (5.18 to 6.7), the group is for
 * CAP_SYS_ADMIN only (HV_GENL_MCGRP_FLAGS) and everyone in it gets @skb.
 */
void hv_genl_multicast_filtered(const struct genl_family *family,
				struct sk_buff *skb,
				int (*filter)(struct sock *dsk,
					      struct sk_buff *skb, void *data),
				void *data)
{
#ifdef HV_HAVE_NETLINK_BROADCAST_FILTERED
	u32 group = family->mcgrp_offset;

	NETLINK_CB(skb).dst_group = group;
	netlink_broadcast_filtered(init_net.genl_sock, skb, 0, group,
				   GFP_KERNEL, filter, data);
#else
	genlmsg_multicast(family, skb, 0, 0, GFP_KERNEL);
#endif
}
