/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Included by the backends' entry code, not built on its own: where each guest GPR lives
 * in struct hv_vcpu's gprs[] (enum hv_gpr, x86 encoding order), and macros
 * that move the fourteen both backends switch by hand (all but RAX and
 * RSP, which SVM keeps in the VMCB and VMX handles around the base
 * register) between that array and the CPU.
 */
#ifndef HV_GUEST_GPRS_H
#define HV_GUEST_GPRS_H

#ifndef __ASSEMBLY__
#error "guest_gprs.S is for assembly files"
#endif

#define GPR_RAX		(0 * 8)
#define GPR_RCX		(1 * 8)
#define GPR_RDX		(2 * 8)
#define GPR_RBX		(3 * 8)
#define GPR_RBP		(5 * 8)
#define GPR_RSI		(6 * 8)
#define GPR_RDI		(7 * 8)
#define GPR_R8		(8 * 8)
#define GPR_R9		(9 * 8)
#define GPR_R10		(10 * 8)
#define GPR_R11		(11 * 8)
#define GPR_R12		(12 * 8)
#define GPR_R13		(13 * 8)
#define GPR_R14		(14 * 8)
#define GPR_R15		(15 * 8)

/* Load RCX..R15 from the gprs[] array at \base (not one of them). */
.macro LOAD_GUEST_GPRS base
	mov GPR_RCX(\base), %rcx
	mov GPR_RDX(\base), %rdx
	mov GPR_RBX(\base), %rbx
	mov GPR_RBP(\base), %rbp
	mov GPR_RSI(\base), %rsi
	mov GPR_RDI(\base), %rdi
	mov GPR_R8(\base), %r8
	mov GPR_R9(\base), %r9
	mov GPR_R10(\base), %r10
	mov GPR_R11(\base), %r11
	mov GPR_R12(\base), %r12
	mov GPR_R13(\base), %r13
	mov GPR_R14(\base), %r14
	mov GPR_R15(\base), %r15
.endm

/* Store RCX..R15 to the gprs[] array at \base. */
.macro STORE_GUEST_GPRS base
	mov %rcx, GPR_RCX(\base)
	mov %rdx, GPR_RDX(\base)
	mov %rbx, GPR_RBX(\base)
	mov %rbp, GPR_RBP(\base)
	mov %rsi, GPR_RSI(\base)
	mov %rdi, GPR_RDI(\base)
	mov %r8, GPR_R8(\base)
	mov %r9, GPR_R9(\base)
	mov %r10, GPR_R10(\base)
	mov %r11, GPR_R11(\base)
	mov %r12, GPR_R12(\base)
	mov %r13, GPR_R13(\base)
	mov %r14, GPR_R14(\base)
	mov %r15, GPR_R15(\base)
.endm

/*
 * Zero the caller-saved GPRs but RAX (the return value) after an exit:
 * the entry code restores the callee-saved ones from its stack.
 */
.macro CLEAR_GUEST_SCRATCH_GPRS
	xor %ecx, %ecx
	xor %edx, %edx
	xor %esi, %esi
	xor %edi, %edi
	xor %r8d, %r8d
	xor %r9d, %r9d
	xor %r10d, %r10d
	xor %r11d, %r11d
.endm

#endif /* HV_GUEST_GPRS_H */
