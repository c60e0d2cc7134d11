// SPDX-License-Identifier: GPL-2.0
/* What the registry commands share: opening it, finding a VM, formatting. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hvctl.h"
#include "registry.h"

#define NSEC_PER_SEC	1000000000ULL

void reg_err(const char *what)
{
	hvctl_err("%s: %s", what, hv_error_detail());
}

int reg_open(struct hv_registry **reg)
{
	int err = hv_registry_open(reg);

	if (!err)
		return 0;
	if (err != -ENOENT) {
		reg_err("cannot open the VM registry");
		return -1;
	}
	/*
	 * The family comes and goes with the module; it is missing too for a
	 * module that predates it, and outside the initial network namespace.
	 */
	if (!access("/sys/module/hv", F_OK)) {
		hvctl_err("hv is loaded, but its VM registry is not here (no generic netlink family"
			  " \"hv\"): the module is older than this hvctl, or this is a container's"
			  " network namespace (the registry is in the host's only)");
		return -1;
	}
	hvctl_err("the hv module is not loaded (no generic netlink family \"hv\")");
	hvctl_err("load it with 'modprobe hv' (or 'insmod hv.ko'); if that fails, 'dmesg' says why");
	return -1;
}

int reg_flush_stdout(void)
{
	if (fflush(stdout) != EOF && !ferror(stdout))
		return HVCTL_OK;
	if (errno != EPIPE)
		hvctl_err("cannot write to stdout: %s", strerror(errno));
	return HVCTL_FAILED;
}

static bool is_decimal(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* 0 when found, 1 when no VM has that id, -1 after an error. */
static int find_by_id(struct hv_registry *reg, const char *arg, struct hv_vm_info *info)
{
	unsigned long long id;
	int err;

	if (!is_decimal(arg) || strlen(arg) > 10)
		return 1;
	id = strtoull(arg, NULL, 10);
	if (id > UINT32_MAX)
		return 1;
	err = hv_registry_get(reg, (uint32_t)id, info);
	if (err == -ENOENT)
		return 1;
	if (err) {
		reg_err("cannot look up the VM");
		return -1;
	}
	return 0;
}

static void list_namesakes(const struct hv_vm_info *vms, size_t n, const char *name)
{
	char user[REG_FIELD_SIZE], age[REG_FIELD_SIZE];
	uint64_t now = reg_now_ns();

	for (size_t i = 0; i < n; i++) {
		if (strcmp(vms[i].name, name))
			continue;
		fmt_user(vms[i].uid, user);
		fmt_age(vms[i].created_ns, now, age);
		fprintf(stderr, "  id %" PRIu32 ": pid %" PRIu32 ", user %s, age %s\n",
			vms[i].id, vms[i].pid, user, age);
	}
}

static int find_by_name(struct hv_registry *reg, const char *arg, struct hv_vm_info *info)
{
	struct hv_vm_info *vms;
	size_t n, found = 0, match = 0;

	if (hv_registry_list(reg, &vms, &n)) {
		reg_err("cannot list the VMs");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(vms[i].name, arg) && !found++)
			match = i;
	}
	if (found == 1)
		*info = vms[match];
	else if (!found)
		hvctl_err("no VM with id or name '%s'%s", arg,
			  getuid() ? " (without CAP_SYS_ADMIN you see only the VMs of your user)" : "");
	else {
		hvctl_err("%zu VMs are named '%s': give the id of one", found, arg);
		list_namesakes(vms, n, arg);
	}
	free(vms);
	return found == 1 ? 0 : -1;
}

int reg_find_vm(struct hv_registry *reg, const char *arg, struct hv_vm_info *info)
{
	int ret = find_by_id(reg, arg, info);

	if (ret <= 0)
		return ret;
	return find_by_name(reg, arg, info);
}

/* @name, or @prefix and the number where libhv has no name for @value. */
static const char *name_or_number(const char *name, const char *prefix,
				  uint32_t value, char *buf, size_t size)
{
	if (name)
		return name;
	snprintf(buf, size, "%s%" PRIu32, prefix, value);
	return buf;
}

const char *reg_vm_state(uint32_t state, char *buf, size_t size)
{
	return name_or_number(hv_vm_state_name(state), "state", state, buf, size);
}

const char *reg_vcpu_state(uint32_t state, char *buf, size_t size)
{
	return name_or_number(hv_vcpu_state_name(state), "state", state, buf, size);
}

const char *reg_stat_name(uint32_t index, char *buf, size_t size)
{
	return name_or_number(hv_stat_name(index), "stat", index, buf, size);
}

bool reg_stat_is_time(uint32_t index)
{
	const char *name = hv_stat_name(index);
	size_t len = name ? strlen(name) : 0;

	return len > 3 && !strcmp(name + len - 3, "_ns");
}

static uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t reg_now_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

uint64_t reg_monotonic_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

int reg_parse_seconds(const char *s, uint32_t *ms)
{
	double v;
	char *end;

	/* strtod() would take blanks, signs, hex, "inf" and "nan" too. */
	if (!*s || strspn(s, "0123456789.") != strlen(s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || v < 0.01 || v > 86400)
		return -1;
	*ms = (uint32_t)(v * 1000 + 0.5);
	return 0;
}

int reg_parse_count(const char *s, uint64_t *n)
{
	unsigned long long v;
	char *end;

	if (!is_decimal(s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < 1)
		return -1;
	*n = v;
	return 0;
}

void fmt_size(uint64_t bytes, char buf[REG_FIELD_SIZE])
{
	static const char units[] = "KMGTPE";
	unsigned int shift = 0;
	int unit = -1;

	while (unit < 5 && bytes >= 1ULL << (shift + 10)) {
		shift += 10;
		unit++;
	}
	if (unit < 0)
		snprintf(buf, REG_FIELD_SIZE, "%" PRIu64, bytes);
	else if (!(bytes & ((1ULL << shift) - 1)))
		snprintf(buf, REG_FIELD_SIZE, "%" PRIu64 "%c", bytes >> shift, units[unit]);
	else
		snprintf(buf, REG_FIELD_SIZE, "%.1f%c", (double)bytes / (double)(1ULL << shift),
			 units[unit]);
}

void fmt_age(uint64_t created_ns, uint64_t now_ns, char buf[REG_FIELD_SIZE])
{
	uint64_t s;

	if (!created_ns || now_ns < created_ns) {
		snprintf(buf, REG_FIELD_SIZE, "-");
		return;
	}
	s = (now_ns - created_ns) / NSEC_PER_SEC;
	if (s < 60)
		snprintf(buf, REG_FIELD_SIZE, "%" PRIu64 "s", s);
	else if (s < 3600)
		snprintf(buf, REG_FIELD_SIZE, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, REG_FIELD_SIZE, "%" PRIu64 "h%02" PRIu64 "m", s / 3600, s / 60 % 60);
	else
		snprintf(buf, REG_FIELD_SIZE, "%" PRIu64 "d%02" PRIu64 "h", s / 86400,
			 s / 3600 % 24);
}

void fmt_user(uint32_t uid, char buf[REG_FIELD_SIZE])
{
	struct passwd pw, *found = NULL;
	char tmp[1024];

	if (!getpwuid_r(uid, &pw, tmp, sizeof(tmp), &found) && found &&
	    strlen(found->pw_name) < REG_FIELD_SIZE)
		snprintf(buf, REG_FIELD_SIZE, "%s", found->pw_name);
	else
		snprintf(buf, REG_FIELD_SIZE, "%" PRIu32, uid);
}

void fmt_time(uint64_t ns, int digits, char buf[REG_FIELD_SIZE])
{
	time_t secs = (time_t)(ns / NSEC_PER_SEC);
	uint64_t frac = ns % NSEC_PER_SEC;
	struct tm tm;
	size_t len;

	if (!localtime_r(&secs, &tm) ||
	    !(len = strftime(buf, REG_FIELD_SIZE, "%Y-%m-%d %H:%M:%S", &tm))) {
		snprintf(buf, REG_FIELD_SIZE, "%" PRIu64, ns);
		return;
	}
	if (digits <= 0)
		return;
	for (int i = digits; i < 9; i++)
		frac /= 10;
	snprintf(buf + len, REG_FIELD_SIZE - len, ".%0*" PRIu64, digits > 9 ? 9 : digits, frac);
}

/* A UTF-8 lead or single byte starts a column; continuation bytes do not. */
static bool starts_column(unsigned char c)
{
	return (c & 0xc0) != 0x80;
}

unsigned int name_width(const char *name)
{
	unsigned int cols = 0;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		cols += starts_column(*p);
	return cols;
}

void fmt_name(const char *name, unsigned int width, char *buf, size_t size)
{
	const unsigned char *p = (const unsigned char *)name;
	unsigned int cols = 0;
	size_t len = 0;

	if (!size)
		return;
	for (; *p && len + 1 < size; p++) {
		if (starts_column(*p)) {
			if (width && cols == width)
				break;
			cols++;
		}
		buf[len++] = *p < 0x20 || *p == 0x7f ? '?' : (char)*p;
	}
	if (*p && !starts_column(*p)) {
		/* The buffer ended inside a character: drop all of it. */
		while (len && !starts_column((unsigned char)buf[len - 1]))
			len--;
		if (len) {
			len--;
			cols--;
		}
	}
	for (; cols < width && len + 1 < size; cols++)
		buf[len++] = ' ';
	buf[len] = '\0';
}

/* Length of the valid UTF-8 sequence at s (1 for ASCII), 0 when invalid. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned int n;
	uint32_t cp, min;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	cp = s[0] & (0x3fu >> (n - 1));
	/* Stops at the NUL too: it is no continuation byte. */
	for (unsigned int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	min = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static void json_char(FILE *out, unsigned char c)
{
	switch (c) {
	case '"':
		fputs("\\\"", out);
		return;
	case '\\':
		fputs("\\\\", out);
		return;
	case '\n':
		fputs("\\n", out);
		return;
	case '\r':
		fputs("\\r", out);
		return;
	case '\t':
		fputs("\\t", out);
		return;
	}
	if (c < 0x20 || c == 0x7f)
		fprintf(out, "\\u%04x", c);
	else
		fputc(c, out);
}

void json_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', out);
	while (*p) {
		size_t n = utf8_len(p);

		if (!n) {
			fputs("\\ufffd", out);
			p++;
		} else if (n > 1) {
			fwrite(p, 1, n, out);
			p += n;
		} else {
			json_char(out, *p++);
		}
	}
	fputc('"', out);
}

void json_vm_members(FILE *out, const struct hv_vm_info *vm)
{
	char state[REG_FIELD_SIZE];

	fprintf(out, "\"id\":%" PRIu32 ",\"name\":", vm->id);
	json_string(out, vm->name);
	fprintf(out, ",\"pid\":%" PRIu32 ",\"uid\":%" PRIu32 ",\"vcpus\":%" PRIu32
		",\"memory_bytes\":%" PRIu64 ",\"created_ns\":%" PRIu64 ",\"state\":",
		vm->pid, vm->uid, vm->nr_vcpus, vm->memory, vm->created_ns);
	json_string(out, reg_vm_state(vm->state, state, sizeof(state)));
}

int reg_json_only_options(const struct hvctl_cmd *cmd, int argc, char **argv,
			  bool *json)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	*json = false;
	while ((c = getopt_long(argc, argv, "jh", options, NULL)) != -1) {
		switch (c) {
		case 'j':
			*json = true;
			break;
		case 'h':
			cmd->usage(stdout);
			return HVCTL_OK;
		default:
			return hvctl_see_help(cmd);
		}
	}
	if (optind != argc)
		return hvctl_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	return -1;
}
