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

#define VMCS_READER(name, type, width)					\
static __always_inline type vmcs_read##name(unsigned long field)	\
{									\
	BUILD_BUG_ON(vmx_field_width(field) != (width));		\
	return __vmcs_read(field);					\
}

#define VMCS_WRITER(name, type, width)					\
static __always_inline void vmcs_write##name(unsigned long field,	\
					     type value)		\
{									\
	BUILD_BUG_ON(vmx_field_width(field) != (width));		\
	__vmcs_write(field, value);					\
}

VMCS_READER(16, u16, VMX_W16)
VMCS_WRITER(16, u16, VMX_W16)
VMCS_READER(32, u32, VMX_W32)
VMCS_WRITER(32, u32, VMX_W32)
VMCS_READER(64, u64, VMX_W64)
VMCS_WRITER(64, u64, VMX_W64)
VMCS_READER(l, unsigned long, VMX_WNAT)
VMCS_WRITER(l, unsigned long, VMX_WNAT)

#undef VMCS_READER
#undef VMCS_WRITER

/* VMXON, VMCLEAR, VMPTRLD take a physical address in memory (31.3). */
#define VMX_PA_ASM(insn, pa, fail)					\
	asm volatile(insn " %[pa]" CC_SET(na)				\
		     : CC_OUT(na) (fail) : [pa] "m" (pa) : "cc", "memory")

static __always_inline int vmx_vmxon(u64 pa)
{
	bool fail;

	VMX_PA_ASM("vmxon", pa, fail);
	return fail ? -EIO : 0;
}

static __always_inline int vmx_vmclear(u64 pa)
{
	bool fail;

	VMX_PA_ASM("vmclear", pa, fail);
	return fail ? -EIO : 0;
}

static __always_inline int vmx_vmptrld(u64 pa)
{
	bool fail;

	VMX_PA_ASM("vmptrld", pa, fail);
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

#endif /* HV_VMX_VMCS_H */
