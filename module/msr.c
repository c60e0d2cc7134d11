// SPDX-License-Identifier: GPL-2.0
/*
 * hv: the MSRs a guest has. Guest RDMSR/WRMSR of anything else raises #GP
 * (the hardware MSR never changes); userspace reaches the same list through
 * HV_VCPU_GET/SET_MSRS. State the hardware keeps in the VMCB/VMCS (syscall,
 * sysenter, PAT, TSC offset, FS/GS bases) is the backend's; the rest lives
 * in struct hv_vcpu.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/kvm_para.h>
#include <asm/msr-index.h>
#include <asm/processor.h>

#include "hv.h"

static const u32 hv_msr_list[] = {
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK,
	MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE,
	MSR_IA32_TSC, MSR_TSC_AUX, MSR_IA32_CR_PAT, MSR_EFER,
	MSR_IA32_MISC_ENABLE, MSR_IA32_APICBASE,
	MSR_KVM_WALL_CLOCK_NEW, MSR_KVM_SYSTEM_TIME_NEW,
};

static bool hv_msr_listed(u32 index)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(hv_msr_list); i++)
		if (hv_msr_list[i] == index)
			return true;
	return false;
}

/*
 * Read-only model MSRs that Linux reads without a fault handler while it
 * identifies the CPU: IA32_UCODE_REV (Intel; AMD's patch level) and, on AMD,
 * HWCR with TscFreqSel (the TSC counts at the P0 frequency: APM vol. 2,
 * 18.1, and the guest's TSC is the host's) and NB_CFG with extended PCI
 * configuration access already enabled, as firmware leaves it (Linux's
 * amd_bus.c enables it otherwise). Writes of the value read, and the zero
 * Intel's revision read starts with, are accepted.
 */
#define HV_UCODE_REV		0x100000000ULL
#define HV_HWCR_TSCFREQSEL	BIT_ULL(24)
#define HV_NB_CFG_EXT_CFG	BIT_ULL(46)

static int hv_msr_model(u32 index, u64 *data)
{
	if (index == MSR_IA32_UCODE_REV) {
		*data = HV_UCODE_REV;
		return 0;
	}
	if (boot_cpu_data.x86_vendor != X86_VENDOR_AMD)
		return -ENOENT;
	if (index == MSR_K7_HWCR) {
		*data = HV_HWCR_TSCFREQSEL;
		return 0;
	}
	if (index == MSR_AMD64_NB_CFG) {
		*data = HV_NB_CFG_EXT_CFG;
		return 0;
	}
	return -ENOENT;
}

static int hv_msr_model_write(u32 index, u64 data)
{
	u64 v;

	if (hv_msr_model(index, &v))
		return -ENOENT;
	if (data == v || (index == MSR_IA32_UCODE_REV && !data))
		return 0;
	return -EINVAL;
}

static bool hv_has_tsc_aux(void)
{
	return boot_cpu_has(X86_FEATURE_RDTSCP) ||
	       boot_cpu_has(X86_FEATURE_RDPID);
}

int hv_msr_get(struct hv_vcpu *vcpu, u32 index, u64 *data)
{
	struct hv_sregs s;
	int ret;

	if (vcpu->lapic && hv_lapic_is_msr(index))
		return hv_lapic_msr_read(vcpu, index, data);
	if (hv_pvclock_is_msr(index))
		return hv_pvclock_msr_read(vcpu, index, data);
	if (!hv_msr_listed(index))
		return hv_msr_model(index, data);
	switch (index) {
	case MSR_TSC_AUX:
		if (!hv_has_tsc_aux())
			return -ENOENT;
		*data = vcpu->tsc_aux;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		*data = vcpu->misc_enable;
		return 0;
	case MSR_IA32_APICBASE:
		*data = vcpu->apic_base;
		return 0;
	case MSR_EFER:
		ret = hv_get_sregs(vcpu, &s);
		*data = s.efer;
		return ret;
	default:
		return hv_ops->get_msr(vcpu, index, data);
	}
}

/*
 * EFER through WRMSR: LME may change only while paging is off, and LMA is
 * the CPU's to set (SDM vol. 3, 10.8.5; APM vol. 2, 14.6.1).
 */
static int hv_msr_set_efer(struct hv_vcpu *vcpu, u64 data, bool host)
{
	struct hv_sregs s;
	int ret = hv_get_sregs(vcpu, &s);

	if (ret)
		return ret;
	if (!host) {
		data = (data & ~EFER_LMA) | (s.efer & EFER_LMA);
		if ((s.cr0 & X86_CR0_PG) && ((data ^ s.efer) & EFER_LME))
			return -EINVAL;
	}
	if (data & ~hv_efer_allowed())
		return -EINVAL;
	/* Userspace changes the mode as a whole, with every check. */
	if (host) {
		s.efer = data;
		return hv_set_sregs(vcpu, &s);
	}
	return hv_ops->set_control(vcpu, HV_CTL_EFER, data);
}

static bool hv_canonical(u64 v)
{
	return (u64)((s64)(v << 16) >> 16) == v;
}

/* PAT entries must be UC, WC, WT, WP, WB or UC- (SDM vol. 3, 13.12.2). */
static bool hv_pat_valid(u64 pat)
{
	int i;

	for (i = 0; i < 8; i++) {
		u8 t = pat >> (i * 8);

		if (t > 7 || t == 2 || t == 3)
			return false;
	}
	return true;
}

/*
 * Values the backend's MSRs accept (a WRMSR of anything else raises #GP):
 * addresses canonical, 32-bit registers without high bits.
 */
static bool hv_msr_value_valid(u32 index, u64 data)
{
	switch (index) {
	case MSR_IA32_CR_PAT:
		return hv_pat_valid(data);
	case MSR_SYSCALL_MASK:
	case MSR_IA32_SYSENTER_CS:
		return !(data >> 32);
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_KERNEL_GS_BASE:
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
		return hv_canonical(data);
	default:
		return true;
	}
}

/**
 * hv_msr_set() - write an MSR of the list
 * @vcpu: the vCPU.
 * @index: MSR number.
 * @data: value.
 * @host: written by userspace (may set what a guest may not, e.g. LMA).
 *
 * Return: 0, -ENOENT for an MSR not in the list, -EINVAL for a bad value,
 * -EBUSY when the backend cannot reach the vCPU's state now (struct
 * hv_arch_ops).
 */
int hv_msr_set(struct hv_vcpu *vcpu, u32 index, u64 data, bool host)
{
	int ret;

	if (vcpu->lapic && hv_lapic_is_msr(index))
		return hv_lapic_msr_write(vcpu, index, data);
	if (hv_pvclock_is_msr(index))
		return hv_pvclock_msr_write(vcpu, index, data);
	if (!hv_msr_listed(index))
		return hv_msr_model_write(index, data);
	switch (index) {
	case MSR_TSC_AUX:
		if (!hv_has_tsc_aux())
			return -ENOENT;
		if (data >> 32)
			return -EINVAL;
		vcpu->tsc_aux = data;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		/* The guest can't change what its CPU model reports. */
		if (!host)
			return data == vcpu->misc_enable ? 0 : -EINVAL;
		vcpu->misc_enable = data;
		return 0;
	case MSR_IA32_APICBASE:
		if (vcpu->lapic)
			return hv_lapic_set_base(vcpu, data, host);
		if (!hv_apic_base_valid(data))
			return -EINVAL;
		vcpu->apic_base = data;
		return 0;
	case MSR_EFER:
		return hv_msr_set_efer(vcpu, data, host);
	default:
		if (!hv_msr_value_valid(index, data))
			return -EINVAL;
		ret = hv_ops->set_msr(vcpu, index, data);
		/* kvmclock counts from the guest's TSC: tell it the new one. */
		if (!ret && index == MSR_IA32_TSC)
			hv_pvclock_update(vcpu);
		return ret;
	}
}

long hv_ioctl_get_msr_list(void __user *argp)
{
	return hv_table_copy_out(argp, hv_msr_list, ARRAY_SIZE(hv_msr_list),
				 sizeof(hv_msr_list[0]));
}

/* HV_VCPU_GET_MSRS / HV_VCPU_SET_MSRS: returns the entries processed. */
long hv_vcpu_ioctl_msrs(struct hv_vcpu *vcpu, void __user *argp, bool set)
{
	struct hv_msr_entry *e;
	void __user *uentries;
	u32 n;
	long i;
	int ret = 0;

	e = hv_table_copy_in(argp, HV_MAX_MSR_ENTRIES, sizeof(*e), &n,
			     &uentries);
	if (IS_ERR(e))
		return PTR_ERR(e);

	for (i = 0; i < n; i++) {
		if (e[i].reserved)
			break;
		ret = set ? hv_msr_set(vcpu, e[i].index, e[i].data, true) :
			    hv_msr_get(vcpu, e[i].index, &e[i].data);
		if (ret)
			break;
	}
	/* Not an entry's fault: no count, which would blame it. */
	if (ret == -EBUSY)
		i = ret;
	else if (!set && copy_to_user(uentries, e, i * sizeof(*e)))
		i = -EFAULT;
	kfree(e);
	return i;
}
