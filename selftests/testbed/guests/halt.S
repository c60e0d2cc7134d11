/* SPDX-License-Identifier: GPL-2.0 */
/* 64-bit guest that halts with interrupts off: hvctl reports it, status 1. */
#include "guest.h"

	.code64
	.text
	.globl	_start
_start:
	cli
	hlt
	EXIT	9	/* not reached: a wrong status if HLT does not stop the run */
