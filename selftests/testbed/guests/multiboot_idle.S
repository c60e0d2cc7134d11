/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A multiboot (version 1) kernel that idles for good: it prints a line, then
 * halts with interrupts enabled, again and again. libhv's PC machine has no
 * timer that ticks by itself, so nothing wakes it: vCPU 0 waits in HLT in hv
 * and the others wait for a SIPI that never comes, which makes the VM
 * "halted" in the registry (registry.sh; `hvctl run --kernel`, any --vcpus).
 * Built by lib.sh (build_guests) into multiboot_idle.elf, as multiboot.S.
 */
#include "guest.h"

#define MB_HEADER_MAGIC		0x1badb002

	.code32
	.text
	.globl	_start
	/* The header: 4-byte aligned in the first 8 KiB of the file. No flags. */
	.align	4
mb_header:
	.long	MB_HEADER_MAGIC
	.long	0
	.long	-MB_HEADER_MAGIC

_start:
	mov	$idle, %esi
	PUTS
	sti
1:	hlt
	jmp	1b

idle:	.asciz	"multiboot idle kernel: halting\n"
