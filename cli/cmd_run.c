// SPDX-License-Identifier: GPL-2.0
/*
 * hvctl run: load a flat binary into a one-vCPU guest and run it, with
 * COM1 on stdout and port 0xf4 to end the run (see run_exits.c); or, with
 * --kernel, boot a kernel on libhv's PC machine (see run_kernel.c).
 *
 * Everything that can be checked without /dev/hv (options, the file, the
 * memory layout) is checked first, so mistakes are reported the same way
 * on machines with and without hv.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hvctl.h"
#include "registry.h"
#include "run.h"

#define DEFAULT_MEM	(64ULL << 20)
#define DEFAULT_KERNEL_MEM (512ULL << 20)
#define MIN_MEM		(2ULL << 20)
#define DEFAULT_LOAD	0x1000ULL
#define PAGE_SIZE	4096ULL
#define FOUR_GB		(1ULL << 32)
/* Protected/long mode: the top 1 MiB below min(mem, 4 GiB) holds tables and stack. */
#define RESERVED_TOP	(1ULL << 20)
/* Real mode: SS:SP = 0000:FFF0, and the 4 KiB below 64 KiB are the stack's. */
#define REAL_STACK	0xfff0ULL
#define REAL_STACK_LOW	0xf000ULL
#define REAL_STACK_HIGH	0x10000ULL
#define REAL_MODE_END	(1ULL << 20)

struct run_opts {
	const char *device;
	const char *file;
	const char *mem_arg;	/* as the user wrote it, for messages */
	uint64_t mem;
	uint32_t mode;
	uint64_t load;
	uint64_t entry;
	bool entry_set;
	bool stats;
	struct run_name name;
	/* --kernel and what goes with it */
	const char *kernel;
	const char *initrd;
	const char *cmdline;
	uint32_t vcpus;
	bool mem_set, mode_set, load_set, vcpus_set;
};

/* Where hvctl puts what the guest must leave alone. */
struct layout {
	uint64_t reserved_lo, reserved_hi;	/* [lo, hi): no file there */
	const char *reserved_for;
	uint64_t tables;
	uint64_t stack;
};

struct guest {
	struct hv *hv;
	struct hv_vm *vm;
	struct hv_vcpu *vcpu;
};

static void run_usage(FILE *out)
{
	fprintf(out,
		"Usage: hvctl run [OPTIONS] FILE\n"
		"       hvctl run --kernel KERNEL [--initrd FILE] [--cmdline STR] [--vcpus N] [OPTIONS]\n"
		"\n"
		"Run FILE, a flat binary, as the only code of a one-vCPU guest; or boot\n"
		"KERNEL, a Linux bzImage or a multiboot kernel, on a PC with N vCPUs.\n"
		"\n"
		"Options:\n"
		"  -m, --mem SIZE      guest memory: bytes, or with a K, M or G suffix; whole\n"
		"                      4K pages, at least 2M (default 64M, 512M with --kernel)\n"
		"  -s, --stats         after the run, print exit counts to stderr (per vCPU)\n"
		"  -n, --name NAME     the VM's name in hv's registry (hvctl list): 1 to 63\n"
		"                      bytes, no control characters (default: the base name\n"
		"                      of FILE or KERNEL)\n"
		"  -d, --device PATH   the device (default /dev/hv; /dev/kvm with HV_ACCEL=kvm)\n"
		"  -h, --help          show this help\n"
		"For FILE:\n"
		"  -M, --mode MODE     real, protected or long (default long)\n"
		"  -l, --load ADDR     guest-physical address to load FILE at (default 0x1000)\n"
		"  -e, --entry ADDR    address of the first instruction (default: --load)\n"
		"For --kernel:\n"
		"  -k, --kernel KERNEL boot KERNEL: a bzImage (Linux x86 boot protocol, 64-bit\n"
		"                      entry) or a multiboot (v1) kernel, told apart by content\n"
		"  -i, --initrd FILE   the initial RAM disk of a bzImage\n"
		"  -a, --cmdline STR   the kernel command line (default \"" DEFAULT_CMDLINE "\")\n"
		"  -c, --vcpus N       vCPUs, 1 to hv's maximum (default 1)\n"
		"\n"
		"FILE starts with interrupts off and no IDT. Protected and long mode use flat\n"
		"segments (selectors 0x08 code32, 0x10 data, 0x18 code64); long mode\n"
		"identity-maps the first 4G with 2M pages. hvctl keeps the top 1M below\n"
		"min(SIZE, 4G) for the GDT, page tables and stack (the stack pointer starts\n"
		"at the top of that). Real mode starts at CS:IP = entry (CS = bits 19:16 of\n"
		"it), other segments 0, SS:SP = 0000:FFF0, with 0xF000-0xFFFF kept for the\n"
		"stack. FILE must not overlap what hvctl keeps.\n"
		"\n"
		"FILE's devices: bytes written to COM1 (port 0x3f8) go to stdout; its line status\n"
		"(0x3fd) always says ready to send. Writing V to port 0xf4 ends the run with\n"
		"exit status ((V & 0x7f) << 1) | 1, like QEMU's isa-debug-exit: only the low\n"
		"7 bits of V are meaningful (V = 0 gives 1, as a failure does). Other ports,\n"
		"and memory outside guest RAM, read as all-ones and ignore writes.\n"
		"\n"
		"Exit status: the guest's (port 0xf4, always odd); 1 when the guest halts or\n"
		"shuts down, or hvctl or hv fails; 2 for a usage error; %d when an\n"
		"administrator stopped the VM (hvctl stop).\n"
		"\n"
		"--kernel boots a PC (docs/MACHINE.md): RAM from 0, the part above 3G moved above 4G;\n"
		"ACPI tables with every vCPU and the IOAPIC; local APICs, IOAPIC and\n"
		"kvmclock in hv; a 16550A UART at COM1 (IRQ 4); an RTC; ACPI power-off and\n"
		"reset; port 0xf4 as above. Multiboot kernels start in 32-bit protected mode.\n"
		"\n"
		"Console: COM1 (ttyS0 in Linux) reads stdin and writes stdout. When stdin is\n"
		"a terminal it is in raw mode during the run, so every key, Ctrl-C too, goes\n"
		"to the guest; Ctrl-a x quits, Ctrl-a Ctrl-a sends Ctrl-a, Ctrl-a h lists the\n"
		"keys. Otherwise the guest reads stdin as it is; at its end the guest runs on.\n"
		"\n"
		"The run ends when the guest powers off or reboots (hvctl does not restart\n"
		"it; status 0 for both), writes port 0xf4 (its status, as above), or a vCPU\n"
		"triple-faults (1); on Ctrl-a x (0); on SIGINT, SIGTERM or SIGHUP, after\n"
		"which hvctl restores the terminal and dies of the signal.\n"
		"\n"
		"Either kind of run ends when an administrator stops the VM ('hvctl stop'):\n"
		"hvctl says \"the VM was stopped by an administrator\" and exits with %d.\n",
		HVCTL_VM_STOPPED, HVCTL_VM_STOPPED);
}

static int parse_mem(struct run_opts *o, const char *arg)
{
	int err;

	o->mem_arg = arg;
	err = hvctl_parse_size(arg, &o->mem);
	if (err == -ERANGE)
		return hvctl_usage_error(&cmd_run, "--mem %s is too large", arg);
	if (err)
		return hvctl_usage_error(&cmd_run, "bad --mem value '%s': expected a size like 64M", arg);
	if (o->mem % PAGE_SIZE)
		return hvctl_usage_error(&cmd_run, "--mem %s is not a whole number of 4K pages", arg);
	if (o->mem < MIN_MEM)
		return hvctl_usage_error(&cmd_run, "--mem %s is too small: at least 2M", arg);
	return 0;
}

static int parse_addr(const char *opt, const char *arg, uint64_t *out)
{
	int err = hvctl_parse_size(arg, out);

	if (err == -ERANGE)
		return hvctl_usage_error(&cmd_run, "%s %s is too large", opt, arg);
	if (err)
		return hvctl_usage_error(&cmd_run, "bad %s value '%s': expected an address like 0x1000",
					 opt, arg);
	return 0;
}

/* A decimal number of vCPUs, 1 or more; hv's maximum is checked later. */
static int parse_vcpus(struct run_opts *o, const char *arg)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (!isdigit((unsigned char)*arg) || *end || errno || v < 1 || v > UINT32_MAX)
		return hvctl_usage_error(&cmd_run, "bad --vcpus value '%s': expected a number, 1 or more",
					 arg);
	o->vcpus = (uint32_t)v;
	o->vcpus_set = true;
	return 0;
}

/* 1 to HV_VM_NAME_SIZE - 1 bytes, none a control character: what hv takes. */
static int parse_name(struct run_opts *o, const char *arg)
{
	size_t len = strlen(arg);

	if (!len || len >= HV_VM_NAME_SIZE)
		return hvctl_usage_error(&cmd_run, "--name '%s': 1 to %d bytes", arg,
					 HV_VM_NAME_SIZE - 1);
	for (const unsigned char *p = (const unsigned char *)arg; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return hvctl_usage_error(&cmd_run, "--name: no control characters");
	memcpy(o->name.name, arg, len + 1);
	o->name.given = true;
	return 0;
}

/* The file's base name, cut to fit and with control characters as '?'. */
static void default_name(struct run_name *name, const char *path)
{
	const char *base = strrchr(path, '/');

	if (name->given)
		return;
	fmt_name(base && base[1] ? base + 1 : path, 0, name->name, sizeof(name->name));
}

int run_name_result(const struct run_name *name, int err)
{
	if (!err)
		return 0;
	if (err == -EOPNOTSUPP) {
		/* KVM, or an hv without the registry: nowhere to show it. */
		if (name->given)
			hvctl_err("warning: the VM stays unnamed: %s", hv_error_detail());
		return 0;
	}
	hvctl_err("cannot name the VM '%s': %s", name->name, hv_error_detail());
	return -1;
}

static int parse_option(struct run_opts *o, int c)
{
	switch (c) {
	case 'm':
		o->mem_set = true;
		return parse_mem(o, optarg);
	case 'M':
		o->mode_set = true;
		if (hv_mode_parse(optarg, &o->mode))
			return hvctl_usage_error(&cmd_run, "bad --mode '%s': real, protected or long",
						 optarg);
		return 0;
	case 'l':
		o->load_set = true;
		return parse_addr("--load", optarg, &o->load);
	case 'e':
		o->entry_set = true;
		return parse_addr("--entry", optarg, &o->entry);
	case 's':
		o->stats = true;
		return 0;
	case 'd':
		o->device = optarg;
		return 0;
	case 'k':
		o->kernel = optarg;
		return 0;
	case 'i':
		o->initrd = optarg;
		return 0;
	case 'a':
		o->cmdline = optarg;
		return 0;
	case 'c':
		return parse_vcpus(o, optarg);
	case 'n':
		return parse_name(o, optarg);
	}
	return hvctl_see_help(&cmd_run);
}

/* The options of one form that the other form does not take. */
static const char *flat_only_option(const struct run_opts *o)
{
	return o->mode_set ? "--mode" : o->load_set ? "--load" : o->entry_set ? "--entry" : NULL;
}

static const char *kernel_only_option(const struct run_opts *o)
{
	return o->initrd ? "--initrd" : o->cmdline ? "--cmdline" : o->vcpus_set ? "--vcpus" : NULL;
}

static int check_kernel_args(struct run_opts *o, int argc, char **argv)
{
	const char *opt = flat_only_option(o);

	if (optind != argc)
		return hvctl_usage_error(&cmd_run, "--kernel boots KERNEL: '%s' is one FILE too many",
					 argv[optind]);
	if (opt)
		return hvctl_usage_error(&cmd_run, "%s is for a flat binary FILE, not with --kernel", opt);
	if (!*o->kernel)
		return hvctl_usage_error(&cmd_run, "--kernel needs a file name");
	if (!o->cmdline)
		o->cmdline = DEFAULT_CMDLINE;
	if (!o->mem_set) {
		o->mem = DEFAULT_KERNEL_MEM;
		o->mem_arg = "512M";
	}
	return 0;
}

/* Returns -1 for --help, 0 to go on, or the usage exit status. */
static int parse_args(struct run_opts *o, int argc, char **argv)
{
	static const struct option options[] = {
		{ "mem", required_argument, NULL, 'm' },
		{ "mode", required_argument, NULL, 'M' },
		{ "load", required_argument, NULL, 'l' },
		{ "entry", required_argument, NULL, 'e' },
		{ "stats", no_argument, NULL, 's' },
		{ "device", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "cmdline", required_argument, NULL, 'a' },
		{ "vcpus", required_argument, NULL, 'c' },
		{ "name", required_argument, NULL, 'n' },
		{ 0 },
	};
	const char *opt;
	int c, err;

	*o = (struct run_opts){ .mem = DEFAULT_MEM, .mem_arg = "64M",
				.mode = HV_MODE_LONG, .load = DEFAULT_LOAD, .vcpus = 1 };
	while ((c = getopt_long(argc, argv, "m:M:l:e:sd:hk:i:a:c:n:", options, NULL)) != -1) {
		if (c == 'h')
			return -1;
		err = parse_option(o, c);
		if (err)
			return err;
	}
	if (o->kernel) {
		default_name(&o->name, o->kernel);
		return check_kernel_args(o, argc, argv);
	}
	opt = kernel_only_option(o);
	if (opt)
		return hvctl_usage_error(&cmd_run, "%s goes with --kernel", opt);
	if (optind == argc)
		return hvctl_usage_error(&cmd_run, "no FILE to run");
	if (optind + 1 != argc)
		return hvctl_usage_error(&cmd_run, "one FILE only; '%s' is one too many",
					 argv[optind + 1]);
	o->file = argv[optind];
	default_name(&o->name, o->file);
	if (!o->entry_set)
		o->entry = o->load;
	return 0;
}

static void plan_layout(const struct run_opts *o, struct layout *l)
{
	uint64_t top = o->mem < FOUR_GB ? o->mem : FOUR_GB;

	if (o->mode == HV_MODE_REAL) {
		*l = (struct layout){
			.reserved_lo = REAL_STACK_LOW, .reserved_hi = REAL_STACK_HIGH,
			.reserved_for = "the real-mode stack", .stack = REAL_STACK,
		};
		return;
	}
	*l = (struct layout){
		.reserved_lo = top - RESERVED_TOP, .reserved_hi = top,
		.reserved_for = "the GDT, page tables and stack",
		.tables = top - RESERVED_TOP, .stack = top,
	};
}

static int check_placement(const struct run_opts *o, const struct layout *l,
			   uint64_t size)
{
	uint64_t room;

	if (o->load >= o->mem) {
		hvctl_err("--load 0x%llx is outside guest memory (--mem %s)",
			  (unsigned long long)o->load, o->mem_arg);
		return -1;
	}
	if (o->load >= l->reserved_lo && o->load < l->reserved_hi) {
		hvctl_err("--load 0x%llx is inside 0x%llx-0x%llx, which hvctl keeps for %s",
			  (unsigned long long)o->load, (unsigned long long)l->reserved_lo,
			  (unsigned long long)l->reserved_hi - 1, l->reserved_for);
		return -1;
	}
	room = o->load < l->reserved_lo ? l->reserved_lo - o->load : o->mem - o->load;
	if (size > room) {
		hvctl_err("%s is %llu bytes but only %llu bytes of guest memory are free above 0x%llx",
			  o->file, (unsigned long long)size, (unsigned long long)room,
			  (unsigned long long)o->load);
		if (o->load < l->reserved_lo)
			hvctl_err("(hvctl keeps 0x%llx-0x%llx for %s)",
				  (unsigned long long)l->reserved_lo,
				  (unsigned long long)l->reserved_hi - 1, l->reserved_for);
		return -1;
	}
	return 0;
}

/* libhv checks this too, but only once /dev/hv is open. */
static int check_entry(const struct run_opts *o)
{
	uint64_t limit = o->mode == HV_MODE_REAL ? REAL_MODE_END : FOUR_GB;

	if (o->entry >= o->mem) {
		hvctl_err("--entry 0x%llx is outside guest memory (--mem %s)",
			  (unsigned long long)o->entry, o->mem_arg);
		return -1;
	}
	if (o->entry >= limit) {
		hvctl_err("--entry 0x%llx is out of reach in %s mode (must be below 0x%llx)",
			  (unsigned long long)o->entry, hv_mode_name(o->mode),
			  (unsigned long long)limit);
		return -1;
	}
	return 0;
}

static int check_file(const struct run_opts *o, const struct layout *l)
{
	struct stat st;

	if (stat(o->file, &st)) {
		hvctl_err("%s: %s", o->file, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		hvctl_err("%s is not a regular file", o->file);
		return -1;
	}
	if (st.st_size == 0) {
		hvctl_err("%s is empty", o->file);
		return -1;
	}
	if (check_placement(o, l, (uint64_t)st.st_size))
		return -1;
	return check_entry(o);
}

/* Report a failed libhv step; true when it failed. */
static bool failed(int err, const char *what)
{
	if (err)
		hvctl_err("%s: %s", what, hv_error_detail());
	return err != 0;
}

static int check_gpa_limit(const struct run_opts *o, struct hv *hv)
{
	uint64_t bits;

	if (failed(hv_check_cap(hv, HV_CAP_GPA_BITS, &bits), "cannot query hv"))
		return -1;
	if (bits && bits < 64 && o->mem > (1ULL << bits)) {
		hvctl_err("--mem %s is more than hv's %llu-bit guest-physical space",
			  o->mem_arg, (unsigned long long)bits);
		return -1;
	}
	return 0;
}

static int guest_start(const struct run_opts *o, const struct layout *l,
		       struct guest *g)
{
	struct hv_setup setup = { .mode = o->mode, .entry = o->entry,
				  .stack = l->stack, .tables = l->tables };
	int err;

	err = hv_open(o->device, &g->hv);
	if (err) {
		hvctl_explain_open(o->device, err);
		return -1;
	}
	if (check_gpa_limit(o, g->hv))
		return -1;
	err = hv_vm_create(g->hv, &g->vm);
	if (err) {
		hvctl_explain_vm_create(err);
		return -1;
	}
	if (run_name_result(&o->name, hv_vm_set_name(g->vm, o->name.name)))
		return -1;
	if (failed(hv_vm_alloc_memory(g->vm, 0, 0, o->mem, 0, NULL),
		   "cannot give the guest its memory") ||
	    failed(hv_vm_load_file(g->vm, o->load, o->file, NULL), "cannot load the guest") ||
	    failed(hv_vcpu_create(g->vm, 0, &g->vcpu), "cannot create the vCPU") ||
	    failed(hv_vcpu_setup_mode(g->vcpu, &setup), "cannot set up the vCPU"))
		return -1;
	return 0;
}

static void guest_stop(struct guest *g)
{
	hv_vm_destroy(g->vm);
	hv_close(g->hv);
}

/* All counters, zeros too, so that scripts always find the same lines. */
static void print_stats(struct hv_vcpu *vcpu, const struct run_ctx *ctx)
{
	struct hv_vcpu_stats stats;
	uint32_t nr;

	if (failed(hv_vcpu_get_stats(vcpu, &stats), "cannot read exit counts"))
		return;
	nr = stats.nr < 63 ? stats.nr : 63;
	for (uint32_t i = 0; i < nr; i++) {
		const char *name = hv_stat_name(i);

		if (name)
			fprintf(stderr, "%s: %llu\n", name, (unsigned long long)stats.count[i]);
		else
			fprintf(stderr, "stat%u: %llu\n", i, (unsigned long long)stats.count[i]);
	}
	fprintf(stderr, "hvctl.mmio_ignored: %llu\n", (unsigned long long)ctx->mmio_ignored);
	fprintf(stderr, "hvctl.hypercalls_refused: %llu\n",
		(unsigned long long)ctx->hypercalls_refused);
}

static int run_main(int argc, char **argv)
{
	struct run_ctx ctx = { 0 };
	struct guest g = { 0 };
	struct run_opts o;
	struct layout l;
	int ret;

	ret = parse_args(&o, argc, argv);
	if (ret < 0) {
		run_usage(stdout);
		return HVCTL_OK;
	}
	if (ret)
		return ret;
	if (o.kernel) {
		const struct kernel_opts k = {
			.device = o.device, .kernel = o.kernel, .initrd = o.initrd,
			.cmdline = o.cmdline, .mem_arg = o.mem_arg, .mem = o.mem,
			.vcpus = o.vcpus, .stats = o.stats, .name = &o.name,
		};

		return run_kernel(&k);
	}
	plan_layout(&o, &l);
	if (check_file(&o, &l))
		return HVCTL_FAILED;
	if (guest_start(&o, &l, &g)) {
		guest_stop(&g);
		return HVCTL_FAILED;
	}
	ret = run_guest(g.vcpu, &ctx);
	if (o.stats)
		print_stats(g.vcpu, &ctx);
	guest_stop(&g);
	return ret;
}

const struct hvctl_cmd cmd_run = {
	.name = "run",
	.summary = "run a flat binary, or boot a Linux or multiboot kernel",
	.main = run_main,
	.usage = run_usage,
};
