/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the smoke-test guests: flat binaries that hvctl loads at 0x1000
 * and starts at their first byte (see ../smoke.sh for what each one must do).
 */
#ifndef TESTBED_GUEST_H
#define TESTBED_GUEST_H

/* hvctl copies bytes written to the COM1 data port to its stdout. */
#define COM1		0x3f8
/* Writing v here ends `hvctl run` with exit status (v << 1) | 1. */
#define EXIT_PORT	0xf4

/* Print the NUL-terminated string at DS:(E/R)SI on COM1 (AL, DX clobbered). */
.macro	PUTS
	cld
	mov	$COM1, %dx
.Lputs\@:
	lodsb
	test	%al, %al
	jz	.Lputs_done\@
	out	%al, %dx
	jmp	.Lputs\@
.Lputs_done\@:
.endm

/*
 * End the run with exit value v. Should hvctl not stop there, spin rather
 * than halt: a halt would end the run with status 1 too, and hide the bug
 * behind a plausible status (the smoke test times out instead).
 */
.macro	EXIT v
	mov	$\v, %al
	out	%al, $EXIT_PORT
.Lspin\@:
	jmp	.Lspin\@
.endm

#endif
