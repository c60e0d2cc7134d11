// SPDX-License-Identifier: GPL-2.0
/*
 * hvctl top: every visible VM's exit rate, top exit reasons and guest and
 * halt time, refreshed every interval; full-screen on a terminal, else
 * snapshots one after another.
 */
#include <getopt.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "hvctl.h"
#include "live.h"
#include "registry.h"

#define DEFAULT_DELAY_MS	1000
/* Rows fit 80 columns with a busy exit reason or two. */
#define NAME_W			14
/* How many of the busiest exit reasons a row shows. */
#define TOP_REASONS		3

struct top_vm {
	struct hv_vm_info info;
	uint32_t nr_stats;
	uint64_t when;			/* CLOCK_MONOTONIC ns of the counters */
	uint64_t total[HV_REGISTRY_MAX_STATS];
	bool rated;			/* in the previous sample too: rate[] is known */
	double rate[HV_REGISTRY_MAX_STATS];	/* per second */
};

/* Every visible VM at one time, sorted by id. */
struct top_sample {
	uint64_t time;			/* CLOCK_REALTIME ns */
	size_t n;
	struct top_vm *vms;
};

struct sort_field {
	const char *name;
	/* < 0 when a comes first */
	int (*cmp)(const struct top_vm *a, const struct top_vm *b);
};

struct top_opts {
	uint32_t delay_ms;
	uint64_t iterations;		/* 0: until stopped */
	const struct sort_field *sort;
};

static int cmp_u64(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

/* Biggest rate first; VMs without rates yet last. */
static int cmp_rate(const struct top_vm *a, const struct top_vm *b, uint32_t stat)
{
	if (a->rated != b->rated)
		return a->rated ? -1 : 1;
	if (!a->rated)
		return 0;
	return (a->rate[stat] < b->rate[stat]) - (a->rate[stat] > b->rate[stat]);
}

static int cmp_exits(const struct top_vm *a, const struct top_vm *b)
{
	return cmp_rate(a, b, HV_STAT_EXITS);
}

static int cmp_guest(const struct top_vm *a, const struct top_vm *b)
{
	return cmp_rate(a, b, HV_STAT_GUEST_NS);
}

static int cmp_halt(const struct top_vm *a, const struct top_vm *b)
{
	return cmp_rate(a, b, HV_STAT_HALT_NS);
}

static int cmp_id(const struct top_vm *a, const struct top_vm *b)
{
	return cmp_u64(a->info.id, b->info.id);
}

static int cmp_name(const struct top_vm *a, const struct top_vm *b)
{
	return strcmp(a->info.name, b->info.name);
}

static int cmp_vcpus(const struct top_vm *a, const struct top_vm *b)
{
	return cmp_u64(b->info.nr_vcpus, a->info.nr_vcpus);
}

static int cmp_memory(const struct top_vm *a, const struct top_vm *b)
{
	return cmp_u64(b->info.memory, a->info.memory);
}

static const struct sort_field sort_fields[] = {
	{ "exits", cmp_exits },
	{ "guest", cmp_guest },
	{ "halt", cmp_halt },
	{ "id", cmp_id },
	{ "name", cmp_name },
	{ "vcpus", cmp_vcpus },
	{ "memory", cmp_memory },
};

#define NR_SORT_FIELDS (sizeof(sort_fields) / sizeof(sort_fields[0]))

static void top_usage(FILE *out)
{
	fprintf(out,
		"Usage: hvctl top [--delay SECONDS] [--iterations N] [--sort FIELD]\n"
		"\n"
		"Show every VM you may see (see 'hvctl list') with, over the last\n"
		"interval: its exits per second, the busiest exit reasons, and the time\n"
		"its vCPUs spent in the guest and halted, in %% of one CPU (2 vCPUs busy\n"
		"all the time: 200%%). On a terminal the screen is redrawn every interval\n"
		"until 'q', Ctrl-C or SIGTERM; otherwise a snapshot is printed every\n"
		"interval (a line with the time, then a line per VM), without escapes.\n"
		"\n"
		"Options:\n"
		"  -d, --delay SECONDS    the interval (default 1; 0.01 to 86400)\n"
		"  -n, --iterations N     stop after N intervals (default: never)\n"
		"  -s, --sort FIELD       exits (the default), guest, halt (the biggest\n"
		"                         first), id, name, vcpus or memory\n"
		"  -h, --help             show this help\n"
		"\n"
		"Exit status: 0 when ended as asked, 1 when the registry cannot be read\n"
		"(e.g. the hv module is not loaded), 2 for a usage error.\n");
}

static void sample_free(struct top_sample *s)
{
	free(s->vms);
	*s = (struct top_sample){ 0 };
}

/* 0 when added, 1 when the VM went away meanwhile, -1 after an error. */
static int add_vm(struct hv_registry *reg, uint32_t id, struct top_vm *vm)
{
	struct hv_vm_stats st;
	int err = hv_registry_stats(reg, id, &st);

	if (err == -ENOENT)
		return 1;
	if (err) {
		reg_err("cannot read the VM's counters");
		return -1;
	}
	*vm = (struct top_vm){ .info = st.vm, .when = reg_monotonic_ns(),
			       .nr_stats = st.nr_stats < HV_REGISTRY_MAX_STATS ?
					   st.nr_stats : HV_REGISTRY_MAX_STATS };
	memcpy(vm->total, st.total, sizeof(vm->total));
	hv_vm_stats_release(&st);
	return 0;
}

static int take_sample(struct hv_registry *reg, struct top_sample *s)
{
	struct hv_vm_info *list;
	size_t n;
	int ret = 0;

	if (hv_registry_list(reg, &list, &n)) {
		reg_err("cannot list the VMs");
		return -1;
	}
	*s = (struct top_sample){ .time = reg_now_ns(), .vms = calloc(n ? n : 1, sizeof(*s->vms)) };
	if (!s->vms) {
		hvctl_err("out of memory");
		ret = -1;
	}
	for (size_t i = 0; !ret && i < n; i++) {
		ret = add_vm(reg, list[i].id, &s->vms[s->n]);
		if (!ret)
			s->n++;
		else if (ret > 0)
			ret = 0;
	}
	free(list);
	return ret;
}

static int by_id(const void *key, const void *elem)
{
	return cmp_u64(*(const uint32_t *)key, ((const struct top_vm *)elem)->info.id);
}

/* Rates of the VMs that were in @old too (the same VM: the same creation time). */
static void compute_rates(struct top_sample *cur, const struct top_sample *old)
{
	for (size_t i = 0; i < cur->n; i++) {
		struct top_vm *vm = &cur->vms[i];
		const struct top_vm *was = bsearch(&vm->info.id, old->vms, old->n,
						   sizeof(*old->vms), by_id);
		uint64_t ns;

		if (!was || was->info.created_ns != vm->info.created_ns || vm->when <= was->when)
			continue;
		ns = vm->when - was->when;
		/* A counter that went back (it should not) has no rate. */
		for (uint32_t k = 0; k < vm->nr_stats && k < was->nr_stats; k++)
			if (vm->total[k] > was->total[k])
				vm->rate[k] = (double)(vm->total[k] - was->total[k]) * 1e9 /
					      (double)ns;
		vm->rated = true;
	}
}

static int by_field(const void *a, const void *b, void *arg)
{
	const struct top_vm *x = *(const struct top_vm *const *)a;
	const struct top_vm *y = *(const struct top_vm *const *)b;
	const struct sort_field *field = arg;
	int c = field->cmp(x, y);

	return c ? c : cmp_id(x, y);
}

/* "intr 250 io 12": the busiest exit reasons with their rates. */
static void add_reasons(struct live_buf *b, const struct top_vm *vm)
{
	bool used[HV_REGISTRY_MAX_STATS] = { false };
	char buf[REG_FIELD_SIZE];

	for (int n = 0; n < TOP_REASONS; n++) {
		uint32_t best = 0;

		for (uint32_t k = HV_STAT_EXIT_IO; k <= HV_STAT_EXIT_OTHER && k < vm->nr_stats; k++)
			if (!used[k] && vm->rate[k] > 0 && (!best || vm->rate[k] > vm->rate[best]))
				best = k;
		if (!best)
			return;
		used[best] = true;
		live_add(b, "%s%s %.0f", n ? " " : "  ", reg_stat_name(best, buf, sizeof(buf)),
			 vm->rate[best]);
	}
}

static void vm_row(struct live *l, const struct top_vm *vm)
{
	char name[HV_VM_NAME_SIZE * 2], state[REG_FIELD_SIZE], size[REG_FIELD_SIZE];
	struct live_buf b = { 0 };

	fmt_name(vm->info.name, NAME_W, name, sizeof(name));
	fmt_size(vm->info.memory, size);
	live_add(&b, "%5" PRIu32 " %s %-7s %5" PRIu32 " %6s", vm->info.id, name,
		 reg_vm_state(vm->info.state, state, sizeof(state)), vm->info.nr_vcpus, size);
	if (vm->rated) {
		live_add(&b, " %8.0f %6.1f %6.1f", vm->rate[HV_STAT_EXITS],
			 vm->rate[HV_STAT_GUEST_NS] / 1e7, vm->rate[HV_STAT_HALT_NS] / 1e7);
		add_reasons(&b, vm);
	} else {
		live_add(&b, " %8s %6s %6s", "-", "-", "-");
	}
	live_put(l, &b);
}

static void summary_line(struct live *l, const struct top_sample *s)
{
	size_t running = 0, halted = 0, stopped = 0;
	char time[REG_FIELD_SIZE];
	double exits = 0;

	for (size_t i = 0; i < s->n; i++) {
		running += s->vms[i].info.state == HV_VM_STATE_RUNNING;
		halted += s->vms[i].info.state == HV_VM_STATE_HALTED;
		stopped += s->vms[i].info.state == HV_VM_STATE_STOPPED;
		exits += s->vms[i].rate[HV_STAT_EXITS];
	}
	fmt_time(s->time, 0, time);
	/* A screen shows the time of day (after "YYYY-MM-DD "); a file, read later, the date too. */
	live_line(l, "hvctl top - %s - %zu VM%s: %zu running, %zu halted, %zu stopped"
		  " - %.0f exits/s", l->screen && strlen(time) > 11 ? time + 11 : time, s->n,
		  s->n == 1 ? "" : "s", running, halted, stopped, exits);
}

static int draw(struct live *l, const struct top_sample *s, const struct top_opts *o)
{
	const struct top_vm **order = calloc(s->n ? s->n : 1, sizeof(*order));

	if (!order) {
		hvctl_err("out of memory");
		return HVCTL_FAILED;
	}
	for (size_t i = 0; i < s->n; i++)
		order[i] = &s->vms[i];
	qsort_r(order, s->n, sizeof(*order), by_field, (void *)o->sort);
	live_frame_begin(l);
	summary_line(l, s);
	live_line(l, "%5s %-*s %-7s %5s %6s %8s %6s %6s  %s", "ID", NAME_W, "NAME", "STATE",
		  "VCPUS", "MEMORY", "EXITS/S", "GUEST%", "HALT%", "TOP EXITS/S");
	for (size_t i = 0; i < s->n; i++)
		vm_row(l, order[i]);
	if (!l->screen)
		live_line(l, "%s", "");
	live_frame_end(l);
	free(order);
	return reg_flush_stdout();
}

/* Wait for the deadline, redrawing @shown when asked: 0 to go on, 1 to end, -1 failed. */
static int pause_until(struct live *l, uint64_t deadline, const struct top_sample *shown,
		       const struct top_opts *o)
{
	for (;;) {
		switch (live_wait(l, -1, deadline)) {
		case LIVE_TIMEOUT:
			return 0;
		case LIVE_QUIT:
			return 1;
		case LIVE_REDRAW:
			if (shown && draw(l, shown, o))
				return -1;
			break;
		default:
			return -1;
		}
	}
}

static uint64_t next_deadline(uint64_t deadline, uint32_t delay_ms)
{
	uint64_t now = reg_monotonic_ns(), delay = (uint64_t)delay_ms * 1000000;

	return deadline + delay > now ? deadline + delay : now + delay;
}

/*
 * The first sample only starts the rates: on a screen it is drawn at
 * once (rates "-"), elsewhere not, so that every snapshot has them.
 */
static int loop(struct hv_registry *reg, struct live *l, const struct top_opts *o)
{
	struct top_sample old = { 0 }, cur = { 0 };
	uint64_t deadline = reg_monotonic_ns(), count = 0;
	int ret;

	if (take_sample(reg, &cur))
		return HVCTL_FAILED;
	ret = l->screen && draw(l, &cur, o) ? -1 : 0;
	while (!ret) {
		deadline = next_deadline(deadline, o->delay_ms);
		ret = pause_until(l, deadline, l->screen ? &cur : NULL, o);
		if (ret)
			break;
		sample_free(&old);
		old = cur;
		if (take_sample(reg, &cur)) {
			ret = -1;
			break;
		}
		compute_rates(&cur, &old);
		if (draw(l, &cur, o))
			ret = -1;
		else if (o->iterations && ++count >= o->iterations)
			ret = 1;
	}
	sample_free(&old);
	sample_free(&cur);
	return ret < 0 ? HVCTL_FAILED : HVCTL_OK;
}

static int top(const struct top_opts *o)
{
	struct hv_registry *reg;
	struct live l;
	int ret;

	if (reg_open(&reg))
		return HVCTL_FAILED;
	if (live_start(&l, true))
		ret = HVCTL_FAILED;
	else
		ret = loop(reg, &l, o);
	live_stop(&l);
	hv_registry_close(reg);
	return ret;
}

static const struct sort_field *find_sort_field(const char *name)
{
	for (size_t i = 0; i < NR_SORT_FIELDS; i++)
		if (!strcmp(sort_fields[i].name, name))
			return &sort_fields[i];
	return NULL;
}

static int parse_option(struct top_opts *o, int c)
{
	switch (c) {
	case 'd':
		if (reg_parse_seconds(optarg, &o->delay_ms))
			return hvctl_usage_error(&cmd_top, "bad --delay '%s': seconds, 0.01 to 86400",
						 optarg);
		return 0;
	case 'n':
		if (reg_parse_count(optarg, &o->iterations))
			return hvctl_usage_error(&cmd_top,
						 "bad --iterations value '%s': a number, 1 or more",
						 optarg);
		return 0;
	case 's':
		o->sort = find_sort_field(optarg);
		if (!o->sort)
			return hvctl_usage_error(&cmd_top,
						 "bad --sort field '%s': exits, guest, halt, id, name, vcpus or memory",
						 optarg);
		return 0;
	}
	return hvctl_see_help(&cmd_top);
}

static int top_main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "delay", required_argument, NULL, 'd' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "sort", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct top_opts o = { .delay_ms = DEFAULT_DELAY_MS, .sort = &sort_fields[0] };
	int c, err;

	while ((c = getopt_long(argc, argv, "d:n:s:h", options, NULL)) != -1) {
		if (c == 'h') {
			top_usage(stdout);
			return HVCTL_OK;
		}
		err = parse_option(&o, c);
		if (err)
			return err;
	}
	if (optind != argc)
		return hvctl_usage_error(&cmd_top, "unexpected argument '%s'", argv[optind]);
	return top(&o);
}

const struct hvctl_cmd cmd_top = {
	.name = "top",
	.summary = "show the VMs' exit rates, exit reasons, guest and halt time, live",
	.main = top_main,
	.usage = top_usage,
};
