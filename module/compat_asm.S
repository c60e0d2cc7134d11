/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The assembler half of compat.h: hv's own copies of what newer kernels
 * export to the KVM modules only (6.19+), each built only where its probe
 * failed.
 */
#include <linux/linkage.h>
#include <asm/msr-index.h>
#include <asm/nospec-branch.h>
#include <asm/segment.h>

#include "compat.h"

#ifdef HV_OWN_WRITE_IBPB
/*
 * An indirect branch prediction barrier, as the kernel's write_ibpb():
 * clobbers AX, CX and DX. Always a full IBPB (the kernel may use the
 * lighter SBPB where that suffices), and the RSB refilled where IBPB
 * leaves return predictions.
 */
SYM_FUNC_START(hv_write_ibpb)
	movl	$MSR_IA32_PRED_CMD, %ecx
	movl	$PRED_CMD_IBPB, %eax
	xorl	%edx, %edx
	wrmsr
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_BUG_IBPB_NO_RET
	RET
SYM_FUNC_END(hv_write_ibpb)
#endif

#ifdef HV_OWN_VERW_SEL
/* VERW's memory operand: any valid writable data segment (the kernel's). */
	.section .rodata, "a"
	.balign 2
SYM_DATA(hv_verw_sel, .word __KERNEL_DS)
#endif
