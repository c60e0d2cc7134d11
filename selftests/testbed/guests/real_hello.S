/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Real-mode guest (hvctl --mode real): print a line, exit value 2 (status 5).
 * hvctl may split the entry point into CS:IP either way, so the code uses only
 * relative jumps and reads its data through DS = 0.
 */
#include "guest.h"

	.code16
	.text
	.globl	_start
_start:
	xor	%ax, %ax
	mov	%ax, %ds
	mov	$msg, %si
	PUTS
	EXIT	2

msg:	.asciz	"Hello from a real-mode guest\n"
