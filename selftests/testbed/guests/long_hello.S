/* SPDX-License-Identifier: GPL-2.0 */
/* 64-bit guest (hvctl's default mode): print a line, exit value 0 (status 1). */
#include "guest.h"

	.code64
	.text
	.globl	_start
_start:
	lea	msg(%rip), %rsi
	PUTS
	EXIT	0

msg:	.asciz	"Hello from a long-mode guest\n"
