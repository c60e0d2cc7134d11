/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvctl run: a flat binary's devices and exit handling (run_exits.c,
 * com1.c); a kernel on libhv's PC machine (run_kernel.c, console.c).
 */
#ifndef HVCTL_RUN_H
#define HVCTL_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pthread.h>
#include <termios.h>

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

/* The VM's name in hv's registry: --name, else the file's base name. */
struct run_name {
	char name[HV_VM_NAME_SIZE];
	bool given;		/* by --name */
};

/*
 * What hv_vm_set_name() or hv_machine_set_name() returned: 0 to go on
 * (named, or nowhere to show a name), -1 after saying why not.
 */
int run_name_result(const struct run_name *name, int err);

/* Run the vCPU until the guest ends; returns hvctl's exit status. */
int run_guest(struct hv_vcpu *vcpu, struct run_ctx *ctx);

/* ---- hvctl run --kernel (run_kernel.c, console.c) ---- */

#define DEFAULT_CMDLINE	"console=ttyS0"

/* What hvctl run --kernel boots; checked by the option parser already. */
struct kernel_opts {
	const char *device;
	const char *kernel;
	const char *initrd;	/* NULL: none */
	const char *cmdline;
	const char *mem_arg;	/* as the user wrote it, for messages */
	uint64_t mem;
	uint32_t vcpus;
	bool stats;
	const struct run_name *name;
};

/* Boot the kernel on the PC machine; returns hvctl's exit status. */
int run_kernel(const struct kernel_opts *o);

/*
 * The guest's console on stdin: raw mode and the escape keys when stdin is
 * a terminal (console_open() sets @in to the pipe the machine reads),
 * stdin itself otherwise.
 */
struct console {
	int in;			/* what the machine reads: the pipe, or stdin */
	bool raw;		/* stdin is a terminal in raw mode */
	struct termios saved;	/* its settings before */
	int pipe[2];
	int stop_fd;		/* eventfd that ends the thread */
	pthread_t thread;
	bool started;
	bool escape;		/* Ctrl-a was the last key */
	bool quit;		/* Ctrl-a x ended the run */
	struct hv_machine *machine;
};

/* 0, or -1 after saying why; console_close() undoes what it did either way. */
int console_open(struct console *console);
/* Start passing keys to the machine (nothing to do without a terminal). */
int console_start(struct console *console, struct hv_machine *machine);
/* Stop the thread, restore the terminal, close the pipe. Idempotent. */
void console_close(struct console *console);

#endif /* HVCTL_RUN_H */
