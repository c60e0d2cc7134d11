/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A multiboot (version 1) kernel: an ELF32 file linked at 1 MiB, for
 * `hvctl run --kernel` (linux.sh). The loader starts it in 32-bit protected
 * mode, flat segments, no paging, interrupts off, with EAX = 0x2BADB002 and
 * EBX = the physical address of the multiboot information. It prints a line,
 * the memory sizes and the command line it was given (when the information
 * has them), and exits with value 0 (status 1); with value 1 (status 3) when
 * EAX lacks the magic. Built by lib.sh (build_guests) into multiboot.elf.
 */
#include "guest.h"

#define MB_HEADER_MAGIC		0x1badb002
#define MB_HEADER_MEMINFO	(1 << 1)	/* ask for mem_lower/mem_upper */
#define MB_LOADER_MAGIC		0x2badb002

/* struct multiboot_info: its flags say which fields are valid. */
#define MBI_FLAGS		0
#define MBI_MEM_LOWER		4
#define MBI_MEM_UPPER		8
#define MBI_CMDLINE		16
#define MBI_FLAG_MEM		(1 << 0)
#define MBI_FLAG_CMDLINE	(1 << 2)

	.code32
	.text
	.globl	_start
	/*
	 * The header: 4-byte aligned in the first 8 KiB of the file; the
	 * start of .text, which the link puts first.
	 */
	.align	4
mb_header:
	.long	MB_HEADER_MAGIC
	.long	MB_HEADER_MEMINFO
	.long	-(MB_HEADER_MAGIC + MB_HEADER_MEMINFO)

_start:
	mov	$stack_top, %esp
	mov	%ebx, %edi
	cmp	$MB_LOADER_MAGIC, %eax
	jne	bad_magic

	mov	$hello, %esi
	PUTS

	testl	$MBI_FLAG_MEM, MBI_FLAGS(%edi)
	jz	1f
	mov	$mem_lower, %esi
	PUTS
	mov	MBI_MEM_LOWER(%edi), %eax
	call	putdec
	mov	$mem_upper, %esi
	PUTS
	mov	MBI_MEM_UPPER(%edi), %eax
	call	putdec
	mov	$kib, %esi
	PUTS
1:
	testl	$MBI_FLAG_CMDLINE, MBI_FLAGS(%edi)
	jz	2f
	mov	$cmdline, %esi
	PUTS
	mov	MBI_CMDLINE(%edi), %esi
	PUTS
	mov	$quote_nl, %esi
	PUTS
2:
	EXIT	0

bad_magic:
	mov	$bad, %esi
	PUTS
	EXIT	1

/* Print EAX in decimal on COM1 (EAX, ECX, EDX clobbered). */
putdec:
	push	%ebx
	mov	$10, %ebx
	xor	%ecx, %ecx
3:	xor	%edx, %edx
	div	%ebx
	add	$'0', %dl
	push	%edx
	inc	%ecx
	test	%eax, %eax
	jnz	3b
	mov	$COM1, %dx
4:	pop	%eax
	out	%al, %dx
	loop	4b
	pop	%ebx
	ret

hello:		.asciz	"Hello from a multiboot kernel\n"
mem_lower:	.asciz	"mem_lower "
mem_upper:	.asciz	" KiB, mem_upper "
kib:		.asciz	" KiB\n"
cmdline:	.asciz	"cmdline \""
quote_nl:	.asciz	"\"\n"
bad:		.asciz	"EAX does not hold the multiboot loader magic\n"

	.bss
	.align	16
	.skip	4096
stack_top:
