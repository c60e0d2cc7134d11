// SPDX-License-Identifier: GPL-2.0
/*
 * hv: what CPUID tells a guest.
 *
 * The default table is the host's CPUID with every feature bit cleared that
 * hv does not virtualize. A table set by userspace goes through the same
 * filter: a guest never sees a feature hv cannot back, whoever asked.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/kvm_para.h>
#include <asm/processor.h>

#include "hv.h"

#define HV_CPUID_SIGNATURE	"HvHvHvHvHvHv"
/*
 * The KVM paravirtual interface hv offers, at the next hypervisor base
 * (Linux scans 0x40000000-0x4000ff00 in steps of 0x100 for it): kvmclock,
 * no port 0x80 delays. See pvclock.c.
 */
#define HV_KVM_BASE		0x40000100
#define HV_KVM_SIGNATURE	"KVMKVMKVM\0\0\0"
#define HV_KVM_FEATURES		(BIT(KVM_FEATURE_NOP_IO_DELAY) | \
				 BIT(KVM_FEATURE_CLOCKSOURCE2) | \
				 BIT(KVM_FEATURE_CLOCKSOURCE_STABLE_BIT))

/* What a vCPU has only with a local APIC: APIC, x2APIC, TSC deadline, ARAT. */
#define HV_CPUID1_EDX_APIC	BIT(9)
#define HV_CPUID1_ECX_APIC	(BIT(21) | BIT(24))
#define HV_CPUID6_EAX_ARAT	BIT(2)

/*
 * Feature bits hv can back, per register. Everything not listed is cleared:
 * VMX/SVM (no nesting), MONITOR/MWAIT, MTRR/MCE/MCA (no MSRs for them), PCID/PKU,
 * speculation-control bits (SPEC_CTRL is not switched), XSAVES.
 */
#define F(x)	BIT(x)
static const struct {
	u32 function, index;
	u32 eax, ebx, ecx, edx;
} hv_cpuid_allow[] = {
	/*
	 * SSE3 PCLMUL SSSE3 FMA CX16 SSE4.1 SSE4.2 X2APIC MOVBE POPCNT
	 * TSC-DEADLINE AES XSAVE OSXSAVE AVX F16C RDRAND HYPERVISOR; FPU VME DE
	 * PSE TSC MSR PAE CX8 APIC SEP PGE CMOV PAT PSE36 CLFSH MMX FXSR SSE
	 * SSE2 (the APIC bits only with a local APIC: hv_cpuid_fixup())
	 */
	{ 0x1, 0, ~0U, ~0U,
	  F(0) | F(1) | F(9) | F(12) | F(13) | F(19) | F(20) | F(21) | F(22) |
	  F(23) | F(24) | F(25) | F(26) | F(27) | F(28) | F(29) | F(30) | F(31),
	  F(0) | F(1) | F(2) | F(3) | F(4) | F(5) | F(6) | F(8) | F(9) | F(11) |
	  F(13) | F(15) | F(16) | F(17) | F(19) | F(23) | F(24) | F(25) | F(26) },
	/*
	 * FSGSBASE BMI1 AVX2 SMEP BMI2 ERMS AVX512F/DQ RDSEED ADX SMAP
	 * AVX512IFMA CLFLUSHOPT CLWB AVX512CD SHA AVX512BW/VL; UMIP
	 * AVX512VBMI
	 */
	{ 0x7, 0, 0, F(0) | F(3) | F(5) | F(7) | F(8) | F(9) | F(16) | F(17) |
	  F(18) | F(19) | F(20) | F(21) | F(23) | F(24) | F(28) | F(29) |
	  F(30) | F(31), F(1) | F(2), 0 },
	/*
	 * LAHF ABM SSE4A MISALIGNSSE 3DNOWPREFETCH; FPU..PSE36 copies,
	 * SYSCALL NX MMXEXT MMX FXSR PDPE1GB RDTSCP LM
	 */
	{ 0x80000001, 0, ~0U, ~0U, F(0) | F(5) | F(6) | F(7) | F(8),
	  F(0) | F(1) | F(2) | F(3) | F(4) | F(5) | F(6) | F(8) | F(11) |
	  F(13) | F(15) | F(16) | F(17) | F(20) | F(22) | F(23) | F(24) |
	  F(26) | F(27) | F(29) },
	/* invariant TSC */
	{ 0x80000007, 0, 0, 0, 0, F(8) },
	/* ARAT: the APIC timer runs in every C-state (hv's runs on the host) */
	{ 0x6, 0, F(2), 0, 0, 0 },
	{ HV_KVM_BASE + 1, 0, HV_KVM_FEATURES, 0, 0, 0 },
};

#undef F

static struct hv_cpuid_entry *hv_default_cpuid;
static u32 hv_default_nent;
/* XSAVE component offsets and sizes (CPUID 0xD.i), for leaf 0xD.0 EBX. */
static u32 hv_xsave_end[64];

/* Leaves that only describe (vendor, brand, caches, sizes) or are hv's own. */
static bool hv_cpuid_leaf_known(const struct hv_cpuid_entry *e)
{
	u32 f = e->function;

	if (f == 0x7)
		return e->index == 0;
	return f <= 0xd || (f >= 0x40000000 && f <= 0x400000ff) ||
	       f == HV_KVM_BASE || f == HV_KVM_BASE + 1 ||
	       (f >= 0x80000000 && f <= 0x80000008);
}

static void hv_cpuid_clear(struct hv_cpuid_entry *e)
{
	e->eax = 0;
	e->ebx = 0;
	e->ecx = 0;
	e->edx = 0;
}

/* Clear what hv cannot virtualize from one entry. */
static void hv_cpuid_filter(struct hv_cpuid_entry *e)
{
	int i;

	if (!hv_cpuid_leaf_known(e) || e->function == 0xa ||
	    e->function == 0xb) {
		hv_cpuid_clear(e);
		return;
	}
	if (e->function == 0x80000008)
		e->ebx = 0;	/* IBPB/IBRS/SSBD...: SPEC_CTRL is not switched */
	for (i = 0; i < ARRAY_SIZE(hv_cpuid_allow); i++) {
		/* Feature leaves are filtered whatever index they claim. */
		if (hv_cpuid_allow[i].function != e->function)
			continue;
		e->eax &= hv_cpuid_allow[i].eax;
		e->ebx &= hv_cpuid_allow[i].ebx;
		e->ecx &= hv_cpuid_allow[i].ecx;
		e->edx &= hv_cpuid_allow[i].edx;
	}
	if (e->function == 0xd && e->index == 0) {
		e->eax &= (u32)hv_guest_xcr0_mask;
		e->edx &= hv_guest_xcr0_mask >> 32;
	} else if (e->function == 0xd && e->index == 1) {
		e->eax &= BIT(0) | BIT(1) | BIT(2);	/* no XSAVES: no IA32_XSS */
		e->ebx = 0;
		e->ecx = 0;
		e->edx = 0;
	}
	/* AVX-512 only when its state can be switched. */
	if (e->function == 0x7 && e->index == 0 &&
	    (hv_guest_xcr0_mask & XFEATURE_MASK_AVX512) != XFEATURE_MASK_AVX512)
		e->ebx &= ~(BIT(16) | BIT(17) | BIT(21) | BIT(28) | BIT(30) |
			    BIT(31));
	if (e->function == 0x7 && e->index == 0 &&
	    !(hv_guest_xcr0_mask & XFEATURE_MASK_YMM))
		e->ebx &= ~BIT(5);
	if (e->function == 0x1 && !(hv_guest_xcr0_mask & XFEATURE_MASK_YMM))
		e->ecx &= ~(BIT(12) | BIT(28) | BIT(29));
	if (e->function == 0x1 && !boot_cpu_has(X86_FEATURE_XSAVE))
		e->ecx &= ~(BIT(26) | BIT(27));
}

static void hv_cpuid_add(u32 function, u32 index, u32 flags)
{
	struct hv_cpuid_entry *e;

	if (WARN_ON_ONCE(hv_default_nent >= HV_MAX_CPUID_ENTRIES))
		return;
	e = &hv_default_cpuid[hv_default_nent++];
	e->function = function;
	e->index = index;
	e->flags = flags;
	cpuid_count(function, index, &e->eax, &e->ebx, &e->ecx, &e->edx);
}

static struct hv_cpuid_entry *hv_cpuid_last(void)
{
	return &hv_default_cpuid[hv_default_nent - 1];
}

static void hv_cpuid_build_basic(void)
{
	u32 max = min_t(u32, cpuid_eax(0), 0xd), i;
	struct hv_cpuid_entry *e;

	hv_cpuid_add(0, 0, 0);
	hv_cpuid_last()->eax = max;
	hv_cpuid_add(1, 0, 0);
	e = hv_cpuid_last();
	/* One logical processor per package; APIC ID filled per vCPU. */
	e->ebx &= 0xffff;
	e->ebx |= 1 << 16;
	e->ecx |= BIT(31);	/* running under a hypervisor */
	if (max >= 7)
		hv_cpuid_add(7, 0, HV_CPUID_FLAG_INDEXED);
	if (max >= 7)
		hv_cpuid_last()->eax = 0;
	if (max >= 0xd && boot_cpu_has(X86_FEATURE_XSAVE)) {
		hv_cpuid_add(0xd, 0, HV_CPUID_FLAG_INDEXED);
		hv_cpuid_add(0xd, 1, HV_CPUID_FLAG_INDEXED);
		for (i = 2; i < 64; i++) {
			if (!(hv_guest_xcr0_mask & BIT_ULL(i)))
				continue;
			hv_cpuid_add(0xd, i, HV_CPUID_FLAG_INDEXED);
			e = hv_cpuid_last();
			hv_xsave_end[i] = e->ebx + e->eax;
		}
	}
}

static struct hv_cpuid_entry *hv_cpuid_new(u32 function)
{
	struct hv_cpuid_entry *e;

	if (WARN_ON_ONCE(hv_default_nent >= HV_MAX_CPUID_ENTRIES))
		return NULL;
	e = &hv_default_cpuid[hv_default_nent++];
	e->function = function;
	return e;
}

static void hv_cpuid_signature(u32 base, u32 max, const char *sig)
{
	struct hv_cpuid_entry *e = hv_cpuid_new(base);

	if (!e)
		return;
	e->eax = max;
	memcpy(&e->ebx, sig, 4);
	memcpy(&e->ecx, sig + 4, 4);
	memcpy(&e->edx, sig + 8, 4);
}

/* hv's own leaf, then the KVM-compatible ones Linux guests look for. */
static void hv_cpuid_build_hv(void)
{
	struct hv_cpuid_entry *e;

	hv_cpuid_signature(0x40000000, 0x40000000, HV_CPUID_SIGNATURE);
	hv_cpuid_signature(HV_KVM_BASE, HV_KVM_BASE + 1, HV_KVM_SIGNATURE);
	e = hv_cpuid_new(HV_KVM_BASE + 1);
	if (e)
		e->eax = HV_KVM_FEATURES;
	/* Leaf 6: ARAT only (thermal and power management are the host's). */
	e = hv_cpuid_new(0x6);
	if (e)
		e->eax = HV_CPUID6_EAX_ARAT;
}

/*
 * The APIC bits: the supported table offers them (hv emulates them, the host
 * need not have them); a vCPU has them only with a local APIC.
 */
static void hv_cpuid_fixup(struct hv_cpuid_entry *e, bool irqchip, bool set)
{
	if (e->function == 0x1) {
		e->ecx &= ~HV_CPUID1_ECX_APIC;
		e->edx &= ~HV_CPUID1_EDX_APIC;
		if (irqchip && set) {
			e->ecx |= HV_CPUID1_ECX_APIC;
			e->edx |= HV_CPUID1_EDX_APIC;
		}
	} else if (e->function == 0x6 && !irqchip) {
		e->eax &= ~HV_CPUID6_EAX_ARAT;
	}
}

static void hv_cpuid_build_ext(void)
{
	u32 max = min_t(u32, cpuid_eax(0x80000000), 0x80000008), f;
	struct hv_cpuid_entry *e;

	if (max < 0x80000001)
		return;
	hv_cpuid_add(0x80000000, 0, 0);
	hv_cpuid_last()->eax = max;
	for (f = 0x80000001; f <= max; f++) {
		hv_cpuid_add(f, 0, 0);
		e = hv_cpuid_last();
		if (f == 0x80000008) {
			/* Guest-physical width is hv's; no speculation bits. */
			e->eax = (e->eax & 0xff00) | hv_gpa_bits;
			e->ebx = 0;
			e->ecx = 0;
			e->edx = 0;
		}
	}
}

int hv_cpuid_init(void)
{
	unsigned int i;

	hv_default_cpuid = kcalloc(HV_MAX_CPUID_ENTRIES,
				   sizeof(*hv_default_cpuid), GFP_KERNEL);
	if (!hv_default_cpuid)
		return -ENOMEM;
	hv_cpuid_build_basic();
	hv_cpuid_build_hv();
	hv_cpuid_build_ext();
	for (i = 0; i < hv_default_nent; i++) {
		hv_cpuid_filter(&hv_default_cpuid[i]);
		hv_cpuid_fixup(&hv_default_cpuid[i], true, true);
	}
	return 0;
}

void hv_cpuid_exit(void)
{
	kfree(hv_default_cpuid);
}

int hv_cpuid_default(struct hv_vcpu *vcpu)
{
	bool irqchip = vcpu->vm->ioapic;
	u32 i;

	vcpu->cpuid = kmemdup(hv_default_cpuid,
			      hv_default_nent * sizeof(*hv_default_cpuid),
			      GFP_KERNEL_ACCOUNT);
	if (!vcpu->cpuid)
		return -ENOMEM;
	vcpu->cpuid_nent = hv_default_nent;
	for (i = 0; i < vcpu->cpuid_nent; i++)
		hv_cpuid_fixup(&vcpu->cpuid[i], irqchip, true);
	return 0;
}

static u32 hv_xsave_size(u64 xcr0)
{
	u32 size = 512 + 64;	/* legacy area + XSAVE header */
	int i;

	for (i = 2; i < 64; i++)
		if (xcr0 & BIT_ULL(i))
			size = max(size, hv_xsave_end[i]);
	return size;
}

/* CPUID as the guest executes it: the table, plus per-vCPU fields. */
void hv_cpuid_lookup(struct hv_vcpu *vcpu, u32 function, u32 index,
		     u32 out[4])
{
	const struct hv_cpuid_entry *e = NULL;
	u32 i;

	for (i = 0; i < vcpu->cpuid_nent; i++) {
		e = &vcpu->cpuid[i];
		if (e->function == function &&
		    (!(e->flags & HV_CPUID_FLAG_INDEXED) || e->index == index))
			break;
		e = NULL;
	}
	if (!e) {
		memset(out, 0, 4 * sizeof(u32));
		return;
	}
	out[0] = e->eax;
	out[1] = e->ebx;
	out[2] = e->ecx;
	out[3] = e->edx;
	if (function == 1) {
		out[1] = (out[1] & 0x00ffffff) | vcpu->id << 24;
		out[2] &= ~BIT(27);
		if (vcpu->osxsave)
			out[2] |= BIT(27);
		/* The APIC bit follows IA32_APIC_BASE's global enable. */
		if (vcpu->lapic && !(vcpu->apic_base & MSR_IA32_APICBASE_ENABLE))
			out[3] &= ~HV_CPUID1_EDX_APIC;
	} else if (function == 0xd && index == 0) {
		out[1] = hv_xsave_size(vcpu->xcr0);
	}
}

long hv_ioctl_get_supported_cpuid(void __user *argp)
{
	return hv_table_copy_out(argp, hv_default_cpuid, hv_default_nent,
				 sizeof(*hv_default_cpuid));
}

long hv_vcpu_ioctl_get_cpuid(struct hv_vcpu *vcpu, void __user *argp)
{
	return hv_table_copy_out(argp, vcpu->cpuid, vcpu->cpuid_nent,
				 sizeof(*vcpu->cpuid));
}

long hv_vcpu_ioctl_set_cpuid(struct hv_vcpu *vcpu, void __user *argp)
{
	struct hv_cpuid_entry *table;
	u32 i, nent;

	table = hv_table_copy_in(argp, HV_MAX_CPUID_ENTRIES, sizeof(*table),
				 &nent, NULL);
	if (IS_ERR(table))
		return PTR_ERR(table);
	for (i = 0; i < nent; i++) {
		if (table[i].flags & ~HV_CPUID_FLAG_INDEXED ||
		    table[i].padding) {
			kfree(table);
			return -EINVAL;
		}
		if (!(table[i].flags & HV_CPUID_FLAG_INDEXED))
			table[i].index = 0;
		hv_cpuid_filter(&table[i]);
		if (!vcpu->lapic)
			hv_cpuid_fixup(&table[i], false, false);
	}
	kfree(vcpu->cpuid);
	vcpu->cpuid = table;
	vcpu->cpuid_nent = nent;
	return 0;
}
