// SPDX-License-Identifier: GPL-2.0
/*
 * hvctl run: one handler per exit reason. A handler returns 0 to go on
 * or STOP after setting ctx->status, the exit status hvctl ends with.
 */
#include <errno.h>
#include <string.h>

#include "hvctl.h"
#include "run.h"

#define STOP	1

static int stop(struct run_ctx *ctx, int status)
{
	ctx->status = status;
	return STOP;
}

static bool io_exit_valid(const struct hv_run *run)
{
	uint64_t len = (uint64_t)run->io.size * run->io.count;

	return (run->io.size == 1 || run->io.size == 2 || run->io.size == 4) &&
	       run->io.data_offset >= HV_RUN_IO_DATA_OFFSET &&
	       run->io.data_offset - HV_RUN_IO_DATA_OFFSET + len <= HV_RUN_IO_DATA_SIZE;
}

/*
 * Like QEMU's isa-debug-exit, which exits with (v << 1) | 1 and leaves the
 * OS to cut that to 8 bits: the same status, but with the cut made here
 * (only v's low 7 bits count), so it is visibly odd and below 256.
 */
static int debug_exit(struct run_ctx *ctx, const uint8_t *data, uint8_t size)
{
	uint32_t v = 0;

	memcpy(&v, data, size);
	return stop(ctx, (int)(((v & 0x7f) << 1) | 1));
}

static uint8_t in_byte(struct run_ctx *ctx, uint16_t port)
{
	uint8_t v;

	/* Nothing answers on other ports: the bus floats high. */
	return com1_in(&ctx->com1, port, &v) ? v : 0xff;
}

/*
 * A 2- or 4-byte access to port P touches ports P, P+1, ...: handled a
 * byte at a time, which is what the COM1 registers expect.
 */
static int on_io(struct hv_vcpu *vcpu, struct hv_run *run, void *opaque)
{
	struct run_ctx *ctx = opaque;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	uint8_t size = run->io.size;
	bool out = run->io.direction == HV_IO_OUT;

	(void)vcpu;
	if (!io_exit_valid(run)) {
		hvctl_err("hv reported a malformed I/O exit: port 0x%x size %u count %u offset %u",
			  run->io.port, size, run->io.count, run->io.data_offset);
		return stop(ctx, HVCTL_FAILED);
	}
	for (uint32_t i = 0; i < run->io.count; i++, data += size) {
		if (out && run->io.port == DEBUG_EXIT_PORT)
			return debug_exit(ctx, data, size);
		for (uint8_t b = 0; b < size; b++) {
			uint16_t port = (uint16_t)(run->io.port + b);

			if (out)
				com1_out(&ctx->com1, port, data[b]);
			else
				data[b] = in_byte(ctx, port);
		}
	}
	com1_flush(&ctx->com1);
	return 0;
}

/* No device lives outside guest RAM: reads float high, writes vanish. */
static int on_mmio(struct hv_vcpu *vcpu, struct hv_run *run, void *opaque)
{
	struct run_ctx *ctx = opaque;

	(void)vcpu;
	ctx->mmio_ignored++;
	if (!run->mmio.is_write)
		run->mmio.data = ~0ULL;
	return 0;
}

static int on_hlt(struct hv_vcpu *vcpu, struct hv_run *run, void *opaque)
{
	(void)vcpu;
	if (!run->if_flag)
		hvctl_err("guest halted with interrupts disabled (rip 0x%llx)",
			  (unsigned long long)run->regs.rip);
	else
		hvctl_err("guest halted waiting for an interrupt, but hvctl has no interrupt sources (rip 0x%llx)",
			  (unsigned long long)run->regs.rip);
	return stop(opaque, HVCTL_FAILED);
}

static int on_shutdown(struct hv_vcpu *vcpu, struct hv_run *run, void *opaque)
{
	(void)vcpu;
	hvctl_err("guest shut down (triple fault) (rip 0x%llx)",
		  (unsigned long long)run->regs.rip);
	return stop(opaque, HVCTL_FAILED);
}

/* No hypercalls are defined yet: the guest gets -ENOSYS in RAX and goes on. */
static int on_hypercall(struct hv_vcpu *vcpu, struct hv_run *run, void *opaque)
{
	struct run_ctx *ctx = opaque;

	(void)vcpu;
	ctx->hypercalls_refused++;
	run->hypercall.ret = (uint64_t)-ENOSYS;
	return 0;
}

static int on_fail_entry(struct hv_vcpu *vcpu, struct hv_run *run, void *opaque)
{
	(void)vcpu;
	if (run->fail.hw_reason == HV_FAIL_VIRT_BUSY)
		hvctl_err("another hypervisor (KVM?) is using VT-x on CPU %u: run the guest again once it is done",
			  run->fail.cpu);
	else
		hvctl_err("the CPU refused to enter the guest: hardware reason 0x%llx on CPU %u",
			  (unsigned long long)run->fail.hw_reason, run->fail.cpu);
	return stop(opaque, HVCTL_FAILED);
}

/* The suberrors whose data says more than the numbers alone. */
static void explain_internal(const struct hv_run *run)
{
	if (run->internal.suberror == HV_INTERNAL_MEMORY_FAULT && run->internal.ndata >= 1)
		hvctl_err("the user pages behind guest-physical address 0x%llx are gone (e.g. unmapped)",
			  (unsigned long long)run->internal.data[0]);
}

static int on_internal_error(struct hv_vcpu *vcpu, struct hv_run *run, void *opaque)
{
	uint32_t n = run->internal.ndata < 8 ? run->internal.ndata : 8;
	char data[8 * 20 + 1] = "";

	(void)vcpu;
	for (uint32_t i = 0; i < n; i++)
		snprintf(data + strlen(data), sizeof(data) - strlen(data), " 0x%llx",
			 (unsigned long long)run->internal.data[i]);
	hvctl_err("hv internal error: suberror 0x%x (%s), data:%s (rip 0x%llx)",
		  run->internal.suberror, hv_internal_error_name(run->internal.suberror),
		  n ? data : " none", (unsigned long long)run->regs.rip);
	explain_internal(run);
	return stop(opaque, HVCTL_FAILED);
}

/* A signal that did not kill us, or a window we never asked for: go on. */
static int on_resume(struct hv_vcpu *vcpu, struct hv_run *run, void *opaque)
{
	(void)vcpu;
	(void)run;
	(void)opaque;
	return 0;
}

int run_guest(struct hv_vcpu *vcpu, struct run_ctx *ctx)
{
	static const struct hv_exit_handlers handlers = {
		.io = on_io,
		.mmio = on_mmio,
		.hlt = on_hlt,
		.shutdown = on_shutdown,
		.hypercall = on_hypercall,
		.fail_entry = on_fail_entry,
		.internal_error = on_internal_error,
		.interrupted = on_resume,
		.irq_window_open = on_resume,
	};
	int ret;

	ret = hv_vcpu_run_loop(vcpu, &handlers, ctx);
	com1_flush(&ctx->com1);
	if (ret == -EPERM && hv_vcpu_run_page(vcpu)->exit_reason == HV_EXIT_STOPPED) {
		hvctl_err("the VM was stopped by an administrator");
		return HVCTL_VM_STOPPED;
	}
	if (ret < 0) {
		hvctl_err("running the guest failed: %s", hv_error_detail());
		return HVCTL_FAILED;
	}
	return ctx->status;
}
