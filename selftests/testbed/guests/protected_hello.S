/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 32-bit protected-mode guest (hvctl --mode protected, flat segments, no
 * paging): print a line, exit value 3 (status 7).
 */
#include "guest.h"

	.code32
	.text
	.globl	_start
_start:
	mov	$msg, %esi
	PUTS
	EXIT	3

msg:	.asciz	"Hello from a protected-mode guest\n"
