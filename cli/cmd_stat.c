// SPDX-License-Identifier: GPL-2.0
/*
 * hvctl stat: one VM's counters (HV_STAT_*), in all and per vCPU; with
 * --watch again every interval, with their rates.
 */
#include <getopt.h>
#include <inttypes.h>
#include <errno.h>
#include <string.h>

#include "hvctl.h"
#include "live.h"
#include "registry.h"

/* More vCPUs than this get a summary table instead of a column each. */
#define VCPU_COLUMNS	4
#define LABEL_W		16
#define VALUE_W		14
#define RATE_W		10
#define DEFAULT_INTERVAL_MS 1000
/* take_sample(), pause_until(): the watch is over, not failed. */
#define STAT_END	(-1)

struct stat_opts {
	const char *vm;
	bool json;
	bool watch;
	uint32_t interval_ms;
	uint64_t iterations;	/* 0: until stopped */
};

struct sample {
	bool valid;		/* stats holds counters to release */
	uint64_t when;		/* CLOCK_MONOTONIC ns */
	uint64_t time;		/* CLOCK_REALTIME ns */
	struct hv_vm_stats stats;
};

static void stat_usage(FILE *out)
{
	fprintf(out,
		"Usage: hvctl stat [--json] [--watch[=SECONDS]] [--iterations N] VM\n"
		"\n"
		"Show the counters of VM, an id or a name as 'hvctl list' shows them:\n"
		"exits by reason, time in the guest and halted, interrupts injected, ...\n"
		"(see HV_STAT_* in <linux/hv.h>), in all and per vCPU. With up to %d vCPUs\n"
		"each has a column, with more a summary line each. Times are in seconds.\n"
		"\n"
		"Options:\n"
		"  -w, --watch[=SECONDS]  show them again every SECONDS (default 1; 0.01 to\n"
		"                         86400), with their rates per second (times: the\n"
		"                         share of one CPU, in %%), until 'q', Ctrl-C or\n"
		"                         SIGTERM; on a terminal the screen is redrawn\n"
		"  -n, --iterations N     with --watch, stop after N times\n"
		"  -j, --json             a JSON object: the VM's members as 'hvctl list\n"
		"                         --json' has them, time_ns, stats (name: value,\n"
		"                         times in ns) and per_vcpu (id, state, stats); with\n"
		"                         --watch one per line, also interval_ns and rates\n"
		"                         (per second) from the second one on\n"
		"  -h, --help             show this help\n"
		"\n"
		"A name that several VMs have is an error: they are listed, give the id.\n"
		"\n"
		"Exit status: 0 when shown (--watch: also when the VM goes away), 1 when\n"
		"not (no such VM, the hv module is not loaded), 2 for a usage error.\n",
		VCPU_COLUMNS);
}

static uint32_t nr_stats(const struct hv_vm_stats *s)
{
	return s->nr_stats < HV_REGISTRY_MAX_STATS ? s->nr_stats : HV_REGISTRY_MAX_STATS;
}

static void release(struct sample *s)
{
	if (s->valid)
		hv_vm_stats_release(&s->stats);
	s->valid = false;
}

/* @created: the VM's creation time in the first sample (0 for the first). */
static int take_sample(struct hv_registry *reg, uint32_t id, uint64_t created, struct sample *s)
{
	int err = hv_registry_stats(reg, id, &s->stats);

	s->when = reg_monotonic_ns();
	s->time = reg_now_ns();
	if (!err)
		s->valid = true;
	/* A VM with the same id but a new creation time is another one. */
	if (err == -ENOENT || (!err && created && s->stats.vm.created_ns != created)) {
		hvctl_err("VM %" PRIu32 " is gone", id);
		return STAT_END;
	}
	if (err) {
		reg_err("cannot read the VM's counters");
		return HVCTL_FAILED;
	}
	return HVCTL_OK;
}

static const struct hv_vcpu_info *find_vcpu(const struct hv_vm_stats *s, uint32_t id)
{
	for (uint32_t i = 0; i < s->nr_vcpus; i++)
		if (s->vcpus[i].id == id)
			return &s->vcpus[i];
	return NULL;
}

/* Per second; counters that went backwards (they should not) count as 0. */
static double rate(uint64_t now, uint64_t then, uint64_t ns)
{
	return now > then && ns ? (double)(now - then) * 1e9 / (double)ns : 0;
}

static void add_value(struct live_buf *b, uint32_t index, uint64_t v, int width)
{
	if (reg_stat_is_time(index))
		live_add(b, " %*.3fs", width - 1, (double)v / 1e9);
	else
		live_add(b, " %*" PRIu64, width, v);
}

static void add_rate(struct live_buf *b, uint32_t index, double r, int width)
{
	if (reg_stat_is_time(index))
		live_add(b, " %*.1f%%", width - 1, r / 1e7);
	else
		live_add(b, " %*.*f", width, r < 100 ? 1 : 0, r);
}

/* "guest time" for guest_ns: the values are in seconds. */
static void add_label(struct live_buf *b, uint32_t index)
{
	char buf[REG_FIELD_SIZE], label[REG_FIELD_SIZE + 8];
	const char *name = reg_stat_name(index, buf, sizeof(buf));

	if (reg_stat_is_time(index))
		snprintf(label, sizeof(label), "%.*s time", (int)strlen(name) - 3, name);
	else
		snprintf(label, sizeof(label), "%s", name);
	live_add(b, "%-*s", LABEL_W, label);
}

static void vm_line(struct live *l, const struct sample *s, const struct stat_opts *o)
{
	const struct hv_vm_info *vm = &s->stats.vm;
	char name[HV_VM_NAME_SIZE], state[REG_FIELD_SIZE], size[REG_FIELD_SIZE];
	char user[REG_FIELD_SIZE], age[REG_FIELD_SIZE], time[REG_FIELD_SIZE];

	fmt_name(vm->name, 0, name, sizeof(name));
	fmt_size(vm->memory, size);
	fmt_user(vm->uid, user);
	fmt_age(vm->created_ns, s->time, age);
	if (o->watch) {
		fmt_time(s->time, 0, time);
		live_line(l, "%s, every %gs%s", time, o->interval_ms / 1000.0,
			  l->keys ? " (q quits)" : "");
	}
	live_line(l, "VM %" PRIu32 " %s: %s, %" PRIu32 " vCPU%s, %s, pid %" PRIu32
		  ", user %s, age %s", vm->id, name, reg_vm_state(vm->state, state, sizeof(state)), vm->nr_vcpus,
		  vm->nr_vcpus == 1 ? "" : "s", size, vm->pid, user, age);
	/* On a screen every row counts: 24 hold a one-vCPU watch. */
	if (!l->screen)
		live_line(l, "%s", "");
}

static void counters_header(struct live *l, const struct sample *s, bool watch, bool columns)
{
	struct live_buf b = { 0 };
	char vcpu[REG_FIELD_SIZE];

	live_add(&b, "%-*s %*s", LABEL_W, "counter", VALUE_W, "total");
	if (watch)
		live_add(&b, " %*s", RATE_W, "/s");
	for (uint32_t v = 0; columns && v < s->stats.nr_vcpus; v++) {
		snprintf(vcpu, sizeof(vcpu), "vcpu%" PRIu32, s->stats.vcpus[v].id);
		live_add(&b, " %*s", VALUE_W, vcpu);
	}
	live_put(l, &b);
}

static void counter_row(struct live *l, uint32_t i, const struct sample *s,
			const struct sample *old, bool watch, bool columns)
{
	const struct hv_vm_stats *st = &s->stats;
	struct live_buf b = { 0 };

	add_label(&b, i);
	add_value(&b, i, st->total[i], VALUE_W);
	if (watch && old)
		add_rate(&b, i, rate(st->total[i], old->stats.total[i], s->when - old->when),
			 RATE_W);
	else if (watch)
		live_add(&b, " %*s", RATE_W, "-");
	for (uint32_t v = 0; columns && v < st->nr_vcpus; v++)
		add_value(&b, i, st->vcpus[v].stats[i], VALUE_W);
	live_put(l, &b);
}

static void states_row(struct live *l, const struct sample *s, bool watch)
{
	struct live_buf b = { 0 };
	char state[REG_FIELD_SIZE];

	live_add(&b, "%-*s %*s", LABEL_W, "state", VALUE_W, "");
	if (watch)
		live_add(&b, " %*s", RATE_W, "");
	for (uint32_t v = 0; v < s->stats.nr_vcpus; v++)
		live_add(&b, " %*s", VALUE_W,
			 reg_vcpu_state(s->stats.vcpus[v].state, state, sizeof(state)));
	live_put(l, &b);
}

static void counters(struct live *l, const struct sample *s, const struct sample *old, bool watch)
{
	bool columns = s->stats.nr_vcpus <= VCPU_COLUMNS;

	counters_header(l, s, watch, columns);
	for (uint32_t i = 0; i < nr_stats(&s->stats); i++)
		counter_row(l, i, s, old, watch, columns);
	if (columns)
		states_row(l, s, watch);
}

/* The many-vCPU summary: a line per vCPU with its main counters. */
static void vcpu_line(struct live *l, const struct hv_vcpu_info *v, const struct hv_vcpu_info *ov,
		      uint64_t ns, bool watch)
{
	static const uint32_t shown[] = { HV_STAT_EXITS, HV_STAT_GUEST_NS, HV_STAT_HALT_NS };
	char state[REG_FIELD_SIZE];
	struct live_buf b = { 0 };

	live_add(&b, "%6" PRIu32 " %-10s", v->id, reg_vcpu_state(v->state, state, sizeof(state)));
	for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++) {
		uint32_t k = shown[i];

		if (watch && ov)
			add_rate(&b, k, rate(v->stats[k], ov->stats[k], ns), VALUE_W);
		else if (watch)
			live_add(&b, " %*s", VALUE_W, "-");
		else
			add_value(&b, k, v->stats[k], VALUE_W);
	}
	live_put(l, &b);
}

static void vcpu_summary(struct live *l, const struct sample *s, const struct sample *old,
			 bool watch)
{
	live_line(l, "%s", "");
	if (watch)
		live_line(l, "%6s %-10s %*s %*s %*s", "vcpu", "state", VALUE_W, "exits/s",
			  VALUE_W, "guest", VALUE_W, "halted");
	else
		live_line(l, "%6s %-10s %*s %*s %*s", "vcpu", "state", VALUE_W, "exits",
			  VALUE_W, "guest time", VALUE_W, "halt time");
	for (uint32_t v = 0; v < s->stats.nr_vcpus; v++) {
		const struct hv_vcpu_info *vcpu = &s->stats.vcpus[v];

		vcpu_line(l, vcpu, old ? find_vcpu(&old->stats, vcpu->id) : NULL,
			  old ? s->when - old->when : 0, watch);
	}
}

static void json_stats(const uint64_t *stats, uint32_t n)
{
	char buf[REG_FIELD_SIZE];

	putchar('{');
	for (uint32_t i = 0; i < n; i++) {
		if (i)
			putchar(',');
		json_string(stdout, reg_stat_name(i, buf, sizeof(buf)));
		printf(":%" PRIu64, stats[i]);
	}
	putchar('}');
}

static void json_rates(const struct sample *s, const struct sample *old)
{
	uint64_t ns = s->when - old->when;
	char buf[REG_FIELD_SIZE];

	printf(",\"interval_ns\":%" PRIu64 ",\"rates\":{", ns);
	for (uint32_t i = 0; i < nr_stats(&s->stats); i++) {
		if (i)
			putchar(',');
		json_string(stdout, reg_stat_name(i, buf, sizeof(buf)));
		printf(":%.3f", rate(s->stats.total[i], old->stats.total[i], ns));
	}
	putchar('}');
}

static void json_sample(const struct sample *s, const struct sample *old)
{
	const struct hv_vm_stats *st = &s->stats;
	char state[REG_FIELD_SIZE];

	printf("{\"time_ns\":%" PRIu64 ",", s->time);
	json_vm_members(stdout, &st->vm);
	fputs(",\"stats\":", stdout);
	json_stats(st->total, nr_stats(st));
	fputs(",\"per_vcpu\":[", stdout);
	for (uint32_t v = 0; v < st->nr_vcpus; v++) {
		printf("%s{\"id\":%" PRIu32 ",\"state\":", v ? "," : "", st->vcpus[v].id);
		json_string(stdout, reg_vcpu_state(st->vcpus[v].state, state, sizeof(state)));
		fputs(",\"stats\":", stdout);
		json_stats(st->vcpus[v].stats, nr_stats(st));
		putchar('}');
	}
	putchar(']');
	if (old)
		json_rates(s, old);
	puts("}");
}

static int show(struct live *l, const struct stat_opts *o, const struct sample *s,
		const struct sample *old)
{
	if (o->json) {
		json_sample(s, old);
		return reg_flush_stdout();
	}
	live_frame_begin(l);
	vm_line(l, s, o);
	counters(l, s, old, o->watch);
	if (s->stats.nr_vcpus > VCPU_COLUMNS)
		vcpu_summary(l, s, old, o->watch);
	/* Snapshots one after another: a blank line between them. */
	if (o->watch && !l->screen)
		live_line(l, "%s", "");
	live_frame_end(l);
	return reg_flush_stdout();
}

/* Until the deadline, redrawing as asked: HVCTL_OK, STAT_END or HVCTL_FAILED. */
static int pause_until(struct live *l, const struct stat_opts *o, uint64_t deadline,
		       const struct sample *s, const struct sample *old)
{
	for (;;) {
		switch (live_wait(l, -1, deadline)) {
		case LIVE_TIMEOUT:
			return HVCTL_OK;
		case LIVE_QUIT:
			return STAT_END;
		case LIVE_REDRAW:
			if (show(l, o, s, old))
				return HVCTL_FAILED;
			break;
		default:
			return HVCTL_FAILED;
		}
	}
}

static uint64_t next_deadline(uint64_t deadline, uint32_t interval_ms)
{
	uint64_t now = reg_monotonic_ns();

	deadline += (uint64_t)interval_ms * 1000000;
	/* Behind (a slow terminal, a stopped process): from now on, no burst. */
	return deadline > now ? deadline : now + (uint64_t)interval_ms * 1000000;
}

static int watch(struct hv_registry *reg, uint32_t id, const struct stat_opts *o)
{
	struct sample samples[2] = { 0 };
	struct sample *cur = &samples[0], *old = &samples[1], *t;
	uint64_t deadline = reg_monotonic_ns(), created = 0, count = 0;
	struct live l;
	int ret;

	ret = live_start(&l, !o->json) ? HVCTL_FAILED : HVCTL_OK;
	while (!ret) {
		t = old;
		old = cur;
		cur = t;
		release(cur);
		ret = take_sample(reg, id, created, cur);
		if (ret)
			break;
		created = cur->stats.vm.created_ns;
		ret = show(&l, o, cur, old->valid ? old : NULL);
		if (ret || (o->iterations && ++count >= o->iterations))
			break;
		deadline = next_deadline(deadline, o->interval_ms);
		ret = pause_until(&l, o, deadline, cur, old->valid ? old : NULL);
	}
	live_stop(&l);
	release(&samples[0]);
	release(&samples[1]);
	return ret == STAT_END ? HVCTL_OK : ret;
}

static int once(struct hv_registry *reg, uint32_t id, const struct stat_opts *o)
{
	struct sample s = { 0 };
	struct live plain = { 0 };
	int ret = take_sample(reg, id, 0, &s);

	if (ret == STAT_END)
		ret = HVCTL_FAILED;
	if (!ret)
		ret = show(&plain, o, &s, NULL);
	release(&s);
	return ret;
}

static int stat(const struct stat_opts *o)
{
	struct hv_registry *reg;
	struct hv_vm_info vm;
	int ret;

	if (reg_open(&reg))
		return HVCTL_FAILED;
	if (reg_find_vm(reg, o->vm, &vm))
		ret = HVCTL_FAILED;
	else if (o->watch)
		ret = watch(reg, vm.id, o);
	else
		ret = once(reg, vm.id, o);
	hv_registry_close(reg);
	return ret;
}

static int parse_option(struct stat_opts *o, int c)
{
	switch (c) {
	case 'j':
		o->json = true;
		return 0;
	case 'w':
		o->watch = true;
		if (optarg && reg_parse_seconds(optarg, &o->interval_ms))
			return hvctl_usage_error(&cmd_stat,
						 "bad --watch interval '%s': seconds, 0.01 to 86400",
						 optarg);
		return 0;
	case 'n':
		if (reg_parse_count(optarg, &o->iterations))
			return hvctl_usage_error(&cmd_stat,
						 "bad --iterations value '%s': a number, 1 or more",
						 optarg);
		return 0;
	}
	return hvctl_see_help(&cmd_stat);
}

static int stat_main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "watch", optional_argument, NULL, 'w' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct stat_opts o = { .interval_ms = DEFAULT_INTERVAL_MS };
	int c, err;

	while ((c = getopt_long(argc, argv, "jw::n:h", options, NULL)) != -1) {
		if (c == 'h') {
			stat_usage(stdout);
			return HVCTL_OK;
		}
		err = parse_option(&o, c);
		if (err)
			return err;
	}
	if (o.iterations && !o.watch)
		return hvctl_usage_error(&cmd_stat, "--iterations goes with --watch");
	if (optind == argc)
		return hvctl_usage_error(&cmd_stat, "which VM? Give its id or name");
	if (optind + 1 != argc)
		return hvctl_usage_error(&cmd_stat, "one VM only; '%s' is one too many",
					 argv[optind + 1]);
	o.vm = argv[optind];
	return stat(&o);
}

const struct hvctl_cmd cmd_stat = {
	.name = "stat",
	.summary = "show a VM's counters (exits by reason, guest and halt time, ...)",
	.main = stat_main,
	.usage = stat_usage,
};
