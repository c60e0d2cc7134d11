/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv_vmx_vmenter - enter a VMX guest once and come back.
 *
 * Called with IRQs off and the vCPU's VMCS current. VM exits land at
 * hv_vmx_vmexit (the VMCS's HOST_RIP) with the stack pointer this function
 * wrote to HOST_RSP, every GPR but RSP still the guest's, RFLAGS cleared
 * but bit 1 (SDM vol. 3, 28.5.3), and the host state the VMCS holds.
 *
 * Returns 0 after a VM exit, 1 when VMLAUNCH/VMRESUME itself failed (the
 * VM-instruction error field says why, SDM vol. 3, 31.4).
 */
#include <linux/linkage.h>
#include <linux/objtool.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>
#include <asm/segment.h>

#include "compat.h"
#include "guest_gprs.S"

/* The VMCS field encoding of HOST_RSP (SDM vol. 3, appendix B.4.4). */
#define VMCS_HOST_RSP	0x00006c14

	.text

/* int hv_vmx_vmenter(u64 *gprs, bool launched) */
SYM_FUNC_START(hv_vmx_vmenter)
	push %rbp
	push %r15
	push %r14
	push %r13
	push %r12
	push %rbx
	push %rdi		/* 0(%rsp): gprs, found again after the exit */

	mov $1, %ebx		/* failed, unless the exit says otherwise */
	/* The stack pointer the exit comes back with. */
	mov $VMCS_HOST_RSP, %eax
	vmwrite %rsp, %rax
	jbe .Lout

	/* CF = launched, kept through the loads below (MOV leaves flags). */
	bt $0, %esi

	mov %rdi, %rax
	LOAD_GUEST_GPRS %rax
	mov GPR_RAX(%rax), %rax

	/* MDS and friends: clobbers ZF only, CF survives. */
	HV_VM_CLEAR_CPU_BUFFERS
	jc .Lresume
	vmlaunch
	jmp hv_vmx_vmexit	/* VMLAUNCH failed: CF or ZF is set */
.Lresume:
	vmresume
	/* VMRESUME failed: CF or ZF is set; fall through. */

/*
 * A VM exit lands here with RFLAGS clear (SDM vol. 3, 28.5.3), a failed
 * VMLAUNCH/VMRESUME with CF or ZF set; both with the guest's GPRs loaded
 * and RSP the HOST_RSP written above.
 */
SYM_INNER_LABEL(hv_vmx_vmexit, SYM_L_GLOBAL)
#ifdef HV_HAVE_ANNOTATE_NOENDBR
	ANNOTATE_NOENDBR	/* reached by a VM exit, not by a branch */
#endif
	push %rax
	setbe %al
	movzbl %al, %eax
	push %rax		/* 0: failed, 8: guest RAX, 16: gprs */
	mov 16(%rsp), %rax
	STORE_GUEST_GPRS %rax
	pop %rbx		/* failed */
	pop GPR_RAX(%rax)

	/*
	 * Stuff the RSB before the first RET after the guest ran: the guest
	 * may have filled it with its own return targets.
	 */
#ifdef X86_FEATURE_RSB_VMEXIT
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT
#else
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RETPOLINE
#endif

.Lout:
	mov %ebx, %eax
	/*
	 * Leave no guest value in a register the compiler may speculate on
	 * (the callee-saved ones are popped right after).
	 */
	CLEAR_GUEST_SCRATCH_GPRS

	add $8, %rsp
	pop %rbx
	pop %r12
	pop %r13
	pop %r14
	pop %r15
	pop %rbp
	RET
SYM_FUNC_END(hv_vmx_vmenter)

/*
 * void hv_vmx_call_nmi_handler(unsigned long handler)
 *
 * An NMI that ended the guest is not delivered to the host (SDM vol. 3,
 * 25.1.2 with "NMI exiting"): call the host's handler as if the CPU had,
 * through an interrupt frame, so that its IRET ends NMI blocking.
 */
SYM_FUNC_START(hv_vmx_call_nmi_handler)
	push %rbp
	mov %rsp, %rbp
	and $-16, %rsp
	push $__KERNEL_DS
	push %rbp
	pushf
	push $__KERNEL_CS
	CALL_NOSPEC rdi
	leave
	RET
SYM_FUNC_END(hv_vmx_call_nmi_handler)

/*
 * void hv_vmx_iret_to_self(void)
 *
 * End the NMI blocking an NMI exit left behind, without an NMI handler to
 * return from: IRET unblocks NMIs whatever frame it pops (SDM vol. 3A,
 * "NMI Handling While Processing an NMI"). The frame returns here, to the
 * next instruction, with this stack, flags and code segment, as the
 * kernel's iret_to_self() does. An NMI pending meanwhile is taken right
 * after the IRET. objtool counts an IRET inside a function as popping the
 * five words pushed before it.
 */
SYM_FUNC_START(hv_vmx_iret_to_self)
	mov %ss, %eax
	push %rax
	push %rsp
	addq $8, (%rsp)		/* RSP as it was before the SS push */
	pushf
	mov %cs, %eax
	push %rax
	push $.Liret_done
	iretq
.Liret_done:
	RET
SYM_FUNC_END(hv_vmx_iret_to_self)
