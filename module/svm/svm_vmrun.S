/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv_svm_vmrun - enter an SVM guest once and come back.
 *
 * Called with GIF clear (CLGI) and RFLAGS.IF set: with V_INTR_MASKING the
 * host IF at VMRUN decides whether physical interrupts end the guest, and
 * GIF=0 keeps them from being taken here (APM vol. 2, 15.17 and 15.21.1).
 *
 * VMRUN saves and restores only part of the host state (APM 15.5.1); FS,
 * GS, TR, LDTR, KernelGSbase, STAR/LSTAR/CSTAR/SFMASK and SYSENTER_* are
 * switched here with VMSAVE/VMLOAD (APM 15.5.2), which is why nothing may
 * touch per-CPU data between the two VMLOADs.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>

#include "compat.h"
#include "guest_gprs.S"

	.text

/* void hv_svm_vmrun(u64 vmcb_pa, u64 host_save_pa, u64 *gprs) */
SYM_FUNC_START(hv_svm_vmrun)
	push %rbp
	push %r15
	push %r14
	push %r13
	push %r12
	push %rbx

	push %rdx		/* 16(%rsp): gprs */
	push %rsi		/*  8(%rsp): host save area */
	push %rdi		/*  0(%rsp): VMCB */

	mov %rsi, %rax
	vmsave %rax
	mov %rdi, %rax
	vmload %rax

	mov %rdx, %rax
	LOAD_GUEST_GPRS %rax
	mov 0(%rsp), %rax

	/* Clobbers EFLAGS.ZF only. */
	HV_VM_CLEAR_CPU_BUFFERS
	vmrun %rax

	/* Host RAX and RSP are back (from the host save area); RAX = VMCB. */
	mov 16(%rsp), %rax
	STORE_GUEST_GPRS %rax

	mov 0(%rsp), %rax
	vmsave %rax
	mov 8(%rsp), %rax
	vmload %rax

	/* Stuff the RSB before the first RET after the guest ran. */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RETPOLINE
	/* RETBleed/SRSO: untrain the return predictor (clobbers AX, CX, DX). */
	HV_UNTRAIN_RET
#ifdef X86_FEATURE_IBPB_ON_VMEXIT
	/* spec_rstack_overflow=ibpb-vmexit: the guest's predictions go now. */
	HV_IBPB_ON_VMEXIT
#endif

	/*
	 * Leave no guest value in a register the compiler may speculate on
	 * (the callee-saved ones are popped right after).
	 */
	CLEAR_GUEST_SCRATCH_GPRS

	add $24, %rsp
	pop %rbx
	pop %r12
	pop %r13
	pop %r14
	pop %r15
	pop %rbp
	RET
SYM_FUNC_END(hv_svm_vmrun)
