/* SPDX-License-Identifier: GPL-2.0 */
/* hvctl run: the guest's devices and exit handling (run_exits.c, com1.c). */
#ifndef HVCTL_RUN_H
#define HVCTL_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libhv.h>

/* Port that ends the run, like QEMU's isa-debug-exit at iobase 0xf4. */
#define DEBUG_EXIT_PORT	0xf4

#define COM1_BASE	0x3f8
#define COM1_PORTS	8

/*
 * The 16550 UART at COM1, as much of it as a polling guest needs: a
 * transmitter that is always ready. Transmitted bytes collect in @tx until
 * com1_flush() writes them to stdout, once per exit.
 */
struct com1 {
	uint8_t lcr;		/* line control: DLAB decides what port 0 is */
	size_t ntx;
	uint8_t tx[256];
};

/* false when port is not a COM1 register. */
bool com1_out(struct com1 *uart, uint16_t port, uint8_t value);
bool com1_in(struct com1 *uart, uint16_t port, uint8_t *value);
void com1_flush(struct com1 *uart);

struct run_ctx {
	struct com1 com1;
	int status;			/* hvctl's exit status once the guest ended */
	uint64_t mmio_ignored;		/* accesses outside guest memory */
	uint64_t hypercalls_refused;
};

/* Run the vCPU until the guest ends; returns hvctl's exit status. */
int run_guest(struct hv_vcpu *vcpu, struct run_ctx *ctx);

#endif /* HVCTL_RUN_H */
