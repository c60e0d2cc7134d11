/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest interrupt and exception entry points (64-bit), see guest.h.
 *
 * guest_isr_stubs holds 256 stubs of GUEST_ISR_STUB_SIZE (16) bytes, one per
 * vector: each pushes a zero error code where the CPU pushes none, then its
 * vector, and jumps to guest_isr_common. Vectors with an error code: 8,
 * 10-14, 17, 21, 29, 30 (SDM vol. 3, table 6-1; APM vol. 2, table 8-1).
 */

#define UCALL_PORT	0xe9
#define UCALL_ABORT	3

	.text
	.balign 16
	.globl guest_isr_stubs
guest_isr_stubs:
	.set vec, 0
	.rept 256
	.balign 16
	.if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || \
	    (vec == 21) || (vec == 29) || (vec == 30)
	.else
	pushq $0
	.endif
	pushq $vec
	jmp guest_isr_common
	.set vec, vec + 1
	.endr

/*
 * Stack on entry: vector, error code, RIP, CS, RFLAGS, RSP, SS.
 * Records the event in the guest_exc_* globals. Exceptions other than NMI
 * are fatal unless guest_exc_expected is set; then RIP += guest_exc_skip.
 * Interrupts and NMIs then go to guest_irq_hook, if set.
 */
guest_isr_common:
	pushq %rax
	movq 8(%rsp), %rax
	movq %rax, guest_exc_vector(%rip)
	movq 16(%rsp), %rax
	movq %rax, guest_exc_error(%rip)
	movq 24(%rsp), %rax
	movq %rax, guest_exc_rip(%rip)
	lock incq guest_exc_count(%rip)
	movq 8(%rsp), %rax
	cmpq $32, %rax
	jae 4f
	cmpq $2, %rax
	je 4f
	cmpq $0, guest_exc_expected(%rip)
	je guest_isr_fatal
	movq guest_exc_skip(%rip), %rax
	addq %rax, 24(%rsp)
1:	popq %rax
	addq $16, %rsp
	iretq

/*
 * An interrupt or NMI: guest_irq_hook(vector), if set, with the registers
 * the C calling convention lets it clobber saved and the stack aligned.
 */
4:	cmpq $0, guest_irq_hook(%rip)
	je 1b
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %rbp
	movq %rsp, %rbp
	movq 80(%rsp), %rdi	/* the vector, above the 9 pushes and RAX */
	andq $-16, %rsp
	cld
	call *guest_irq_hook(%rip)
	movq %rbp, %rsp
	popq %rbp
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	jmp 1b

/* Report an unexpected exception as a UCALL_ABORT and stop. */
guest_isr_fatal:
	movq $UCALL_ABORT, guest_isr_ucall(%rip)
	movq 8(%rsp), %rax
	movq %rax, guest_isr_ucall + 8(%rip)	/* args[0]: vector */
	movq 24(%rsp), %rax
	movq %rax, guest_isr_ucall + 16(%rip)	/* args[1]: RIP */
	movq 16(%rsp), %rax
	movq %rax, guest_isr_ucall + 24(%rip)	/* args[2]: error code */
	leaq guest_isr_msg(%rip), %rax
	movq %rax, guest_isr_ucall + 56(%rip)	/* msg */
	leaq guest_isr_ucall(%rip), %rdi
	xorl %eax, %eax
	outb %al, $UCALL_PORT
2:	hlt
	jmp 2b

/* A guest entry function's return address: report it and stop. */
	.globl guest_return_trap
guest_return_trap:
	leaq guest_return_ucall(%rip), %rdi
	xorl %eax, %eax
	outb %al, $UCALL_PORT
3:	hlt
	jmp 3b

	.section .rodata
guest_isr_msg:
	.asciz "unexpected exception: args = vector, rip, error code"
guest_return_msg:
	.asciz "guest entry function returned (or no entry was set)"

	.data
	.balign 8
/* struct ucall: type, args[4], file, line, msg */
guest_isr_ucall:
	.quad 0, 0, 0, 0, 0, 0, 0, 0
guest_return_ucall:
	.quad UCALL_ABORT, 0, 0, 0, 0, 0, 0, guest_return_msg

	.section .note.GNU-stack, "", @progbits
