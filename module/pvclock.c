// SPDX-License-Identifier: GPL-2.0
/*
 * hv: the paravirtual clock - KVM's kvmclock ABI (Documentation/virt/kvm/
 * x86/msr.rst), which unmodified Linux guests already speak.
 *
 * The guest registers a struct pvclock_vcpu_time_info per vCPU; hv fills it
 * once (and again when the guest's TSC offset changes) with the scale from
 * the host's TSC frequency, counting from the VM's creation. Every vCPU of a
 * VM shares one TSC offset and one time zero, so all see the same clock;
 * with a constant, non-stop, stable host TSC hv sets PVCLOCK_TSC_STABLE_BIT
 * and the guest reads time without a global cmpxchg.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include <asm/kvm_para.h>
#include <asm/pvclock-abi.h>
#include <asm/tsc.h>

#include "hv.h"

bool hv_pvclock_is_msr(u32 index)
{
	return index == MSR_KVM_WALL_CLOCK_NEW ||
	       index == MSR_KVM_SYSTEM_TIME_NEW;
}

/* mul and shift with ns = ((ticks << shift) * mul) >> 32 (pvclock ABI). */
static void pvclock_scale(u32 *mul, s8 *shift)
{
	u64 hz = (u64)hv_tsc_khz * 1000;
	int s = 0;

	if (!hz)
		hz = NSEC_PER_SEC;	/* no TSC frequency: hv never loads then */
	/* mul < 2^32 needs hz > 1e9; keep it below 2e9 for precision. */
	while (hz <= NSEC_PER_SEC) {
		hz <<= 1;
		s++;
	}
	while (hz > 2 * NSEC_PER_SEC) {
		hz >>= 1;
		s--;
	}
	*mul = div64_u64((u64)NSEC_PER_SEC << 32, hz);
	*shift = s;
}

static u64 pvclock_ns(u64 ticks)
{
	u32 mul;
	s8 shift;

	pvclock_scale(&mul, &shift);
	ticks = shift < 0 ? ticks >> -shift : ticks << shift;
	return mul_u64_u32_shr(ticks, mul, 32);
}

static bool pvclock_stable(void)
{
	return boot_cpu_has(X86_FEATURE_CONSTANT_TSC) &&
	       boot_cpu_has(X86_FEATURE_NONSTOP_TSC) && !check_tsc_unstable();
}

/* Write @len bytes at @gpa whose first u32 is a version, odd while torn. */
static void pvclock_publish(struct hv_vcpu *vcpu, u64 gpa, void *data,
			    unsigned int len)
{
	u32 *version = data;

	vcpu->pvclock.version += 2;
	*version = vcpu->pvclock.version - 1;
	if (hv_guest_write(vcpu->vm, gpa, version, sizeof(*version)))
		return;
	/* Stores reach guest memory in order (x86 TSO); the version last. */
	if (hv_guest_write(vcpu->vm, gpa + 4, data + 4, len - 4))
		return;
	*version = vcpu->pvclock.version;
	hv_guest_write(vcpu->vm, gpa, version, sizeof(*version));
}

/**
 * hv_pvclock_update() - publish the vCPU's kvmclock time structure
 * @vcpu: the vCPU (its own thread, or an ioctl on it).
 */
void hv_pvclock_update(struct hv_vcpu *vcpu)
{
	struct pvclock_vcpu_time_info t = { 0 };
	u64 msr = vcpu->pvclock.system_time;

	if (!(msr & KVM_MSR_ENABLED))
		return;
	pvclock_scale(&t.tsc_to_system_mul, &t.tsc_shift);
	t.tsc_timestamp = vcpu->vm->clock_tsc + hv_ops->tsc_offset(vcpu);
	t.system_time = 0;
	t.flags = pvclock_stable() ? PVCLOCK_TSC_STABLE_BIT : 0;
	pvclock_publish(vcpu, msr & ~KVM_MSR_ENABLED, &t, sizeof(t));
}

/* The wall-clock time at which kvmclock read zero. */
static void pvclock_wall_clock(struct hv_vcpu *vcpu, u64 gpa)
{
	struct pvclock_wall_clock wc = { 0 };
	u64 now = ktime_get_real_ns();
	u64 zero = now - pvclock_ns(rdtsc() - vcpu->vm->clock_tsc);
	u32 nsec;

	wc.sec = div_u64_rem(zero, NSEC_PER_SEC, &nsec);
	wc.nsec = nsec;
	pvclock_publish(vcpu, gpa, &wc, sizeof(wc));
}

int hv_pvclock_msr_read(struct hv_vcpu *vcpu, u32 index, u64 *data)
{
	*data = index == MSR_KVM_WALL_CLOCK_NEW ? vcpu->pvclock.wall_clock :
		vcpu->pvclock.system_time;
	return 0;
}

/* Return: 0, or -EINVAL (#GP) for a structure that would cross a page. */
int hv_pvclock_msr_write(struct hv_vcpu *vcpu, u32 index, u64 data)
{
	if (index == MSR_KVM_WALL_CLOCK_NEW) {
		if (offset_in_page(data) > PAGE_SIZE -
		    sizeof(struct pvclock_wall_clock))
			return -EINVAL;
		vcpu->pvclock.wall_clock = data;
		pvclock_wall_clock(vcpu, data);
		return 0;
	}
	if (offset_in_page(data & ~KVM_MSR_ENABLED) > PAGE_SIZE -
	    sizeof(struct pvclock_vcpu_time_info))
		return -EINVAL;
	vcpu->pvclock.system_time = data;
	hv_pvclock_update(vcpu);
	return 0;
}
