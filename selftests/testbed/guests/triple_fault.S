/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 64-bit guest that triple-faults: with an empty IDT a divide error cannot be
 * delivered (#DE -> #GP -> #DF -> shutdown). hvctl reports the shutdown,
 * status 1.
 */
#include "guest.h"

	.code64
	.text
	.globl	_start
_start:
	lidt	empty_idt(%rip)
	xor	%ecx, %ecx
	div	%ecx
	EXIT	9	/* not reached */

	.balign	8
empty_idt:
	.word	0	/* limit: no vector fits */
	.quad	0	/* base */
