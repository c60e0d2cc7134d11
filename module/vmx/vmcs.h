/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv: VMX instructions and typed VMCS accessors.
 *
 * A VMCS field's encoding says its width (SDM vol. 3, appendix B): bits
 * 14:13 are 0 for 16-bit, 1 for 64-bit, 2 for 32-bit and 3 for natural-width
 * fields. Each accessor checks at build time that it is used on a field of
 * its width, so a 16-bit selector can never be written as a 64-bit value.
 *
 * VMREAD and VMWRITE fail with CF or ZF set (SDM vol. 3, 31.2). A failure
 * means hv's own bookkeeping is wrong (no current VMCS, a field this CPU
 * lacks): it is logged with the field and the VM-instruction error, and
 * counted, and the run loop refuses to enter the guest until the vCPU is
 * reset, instead of running a guest from a half-written VMCS.
 */
#ifndef HV_VMX_VMCS_H
#define HV_VMX_VMCS_H

#include <linux/build_bug.h>
#include <linux/percpu.h>
#include <asm/asm.h>
#include <asm/vmx.h>

#include "compat.h"

enum vmx_width {
	VMX_W16 = 0,
	VMX_W64 = 1,
	VMX_W32 = 2,
	VMX_WNAT = 3,
};

#define vmx_field_width(f)	(((f) >> 13) & 3)

/* VMREAD/VMWRITE failures on this CPU since the last vmx_vmcs_check(). */
DECLARE_PER_CPU(unsigned int, vmx_vmcs_failures);

void vmx_vmcs_failed(const char *insn, unsigned long field);

static __always_inline unsigned long __vmcs_read(unsigned long field)
{
	unsigned long value;
	bool fail;

	asm volatile("vmread %[field], %[value]" CC_SET(na)
		     : CC_OUT(na) (fail), [value] "=rm" (value)
		     : [field] "r" (field)
		     : "cc");
	if (unlikely(fail)) {
		vmx_vmcs_failed("vmread", field);
		return 0;
	}
	return value;
}

static __always_inline void __vmcs_write(unsigned long field,
					 unsigned long value)
{
	bool fail;

	asm volatile("vmwrite %[value], %[field]" CC_SET(na)
		     : CC_OUT(na) (fail)
		     : [value] "rm" (value), [field] "r" (field)
		     : "cc", "memory");
	if (unlikely(fail))
		vmx_vmcs_failed("vmwrite", field);
}

/* A field used with the accessor of another width fails the build. */
static __always_inline void vmcs_check_width(unsigned long field, int width)
{
	BUILD_BUG_ON(__builtin_constant_p(field) &&
		     vmx_field_width(field) != width);
}

static __always_inline u16 vmcs_read16(unsigned long field)
{
	vmcs_check_width(field, VMX_W16);
	return __vmcs_read(field);
}

static __always_inline void vmcs_write16(unsigned long field, u16 value)
{
	vmcs_check_width(field, VMX_W16);
	__vmcs_write(field, value);
}

static __always_inline u32 vmcs_read32(unsigned long field)
{
	vmcs_check_width(field, VMX_W32);
	return __vmcs_read(field);
}

static __always_inline void vmcs_write32(unsigned long field, u32 value)
{
	vmcs_check_width(field, VMX_W32);
	__vmcs_write(field, value);
}

static __always_inline u64 vmcs_read64(unsigned long field)
{
	vmcs_check_width(field, VMX_W64);
	return __vmcs_read(field);
}

static __always_inline void vmcs_write64(unsigned long field, u64 value)
{
	vmcs_check_width(field, VMX_W64);
	__vmcs_write(field, value);
}

static __always_inline unsigned long vmcs_readl(unsigned long field)
{
	vmcs_check_width(field, VMX_WNAT);
	return __vmcs_read(field);
}

static __always_inline void vmcs_writel(unsigned long field, unsigned long value)
{
	vmcs_check_width(field, VMX_WNAT);
	__vmcs_write(field, value);
}

/* VMXON, VMCLEAR, VMPTRLD take a physical address in memory (31.3). */
static __always_inline int vmx_vmxon(u64 pa)
{
	bool fail;

	asm volatile("vmxon %[pa]" CC_SET(na)
		     : CC_OUT(na) (fail) : [pa] "m" (pa) : "cc", "memory");
	return fail ? -EIO : 0;
}

static __always_inline int vmx_vmclear(u64 pa)
{
	bool fail;

	asm volatile("vmclear %[pa]" CC_SET(na)
		     : CC_OUT(na) (fail) : [pa] "m" (pa) : "cc", "memory");
	return fail ? -EIO : 0;
}

static __always_inline int vmx_vmptrld(u64 pa)
{
	bool fail;

	asm volatile("vmptrld %[pa]" CC_SET(na)
		     : CC_OUT(na) (fail) : [pa] "m" (pa) : "cc", "memory");
	return fail ? -EIO : 0;
}

/* INVEPT / INVVPID take a 128-bit descriptor in memory (SDM vol. 3, 30.3). */
static __always_inline int vmx_invept(unsigned long ext, u64 eptp)
{
	struct { u64 eptp, reserved; } desc = { eptp, 0 };
	bool fail;

	asm volatile("invept %[desc], %[ext]" CC_SET(na)
		     : CC_OUT(na) (fail)
		     : [desc] "m" (desc), [ext] "r" (ext) : "cc", "memory");
	return fail ? -EIO : 0;
}

static __always_inline int vmx_invvpid(unsigned long ext, u16 vpid)
{
	struct { u64 vpid, gva; } desc = { vpid, 0 };
	bool fail;

	asm volatile("invvpid %[desc], %[ext]" CC_SET(na)
		     : CC_OUT(na) (fail)
		     : [desc] "m" (desc), [ext] "r" (ext) : "cc", "memory");
	return fail ? -EIO : 0;
}

/* vmx_vmenter.S */
int hv_vmx_vmenter(u64 *gprs, bool launched);
void hv_vmx_vmexit(void);
void hv_vmx_call_nmi_handler(unsigned long handler);
void hv_vmx_iret_to_self(void);

#endif /* HV_VMX_VMCS_H */
