/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 64-bit guest that spins until hvctl is stopped: the CPU stays in the
 * guest but for the exits the host forces (interrupts, the VMX-preemption
 * timer), for host_nmi.sh to send NMIs at.
 */
#include "guest.h"

	.code64
	.text
	.globl	_start
_start:
	sti
.Lspin:
	pause
	jmp	.Lspin
