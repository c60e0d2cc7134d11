/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvctl list, stat, top, events and stop: the VM registry (the generic
 * netlink family "hv", through libhv) and the formatting they share.
 */
#ifndef HVCTL_REGISTRY_H
#define HVCTL_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <libhv.h>

/* hv_registry_open(), or say why not (no module, ...) and return -1. */
int reg_open(struct hv_registry **reg);
/*
 * The options of a command that takes only --json and --help: -1 to go on
 * (*json set), else the exit status to return.
 */
int reg_json_only_options(const struct hvctl_cmd *cmd, int argc, char **argv,
			  bool *json);

/*
 * The visible VM that ARG names: a decimal id, else (or when no VM has that
 * id) a name. -1 after saying why not: none, or several with that name (then
 * they are listed).
 */
int reg_find_vm(struct hv_registry *reg, const char *arg, struct hv_vm_info *info);

/* "hvctl: WHAT: hv_error_detail()". */
void reg_err(const char *what);

/*
 * Flush stdout: HVCTL_OK, or HVCTL_FAILED after saying why (a reader that
 * went away, EPIPE, ends us quietly).
 */
int reg_flush_stdout(void);

/* Never NULL: the names libhv knows, else "stateN" or "statN" in @buf. */
const char *reg_vm_state(uint32_t state, char *buf, size_t size);
const char *reg_vcpu_state(uint32_t state, char *buf, size_t size);
const char *reg_stat_name(uint32_t index, char *buf, size_t size);
/* Counters of nanoseconds (HV_STAT_GUEST_NS, ...): their names end in "_ns". */
bool reg_stat_is_time(uint32_t index);

/* The clocks, in nanoseconds. */
uint64_t reg_now_ns(void);		/* CLOCK_REALTIME, as the registry's times */
uint64_t reg_monotonic_ns(void);	/* for intervals */

/*
 * Options: SECONDS as a decimal with an optional fraction, 0.01 to 86400,
 * in milliseconds; N as a decimal from 1. -1 when malformed or out of range.
 */
int reg_parse_seconds(const char *s, uint32_t *ms);
int reg_parse_count(const char *s, uint64_t *n);

/* ---- text ---- */

#define REG_FIELD_SIZE	32

/* 256M, 1.5G, 4096: powers of 1024. */
void fmt_size(uint64_t bytes, char buf[REG_FIELD_SIZE]);
/* Time since created_ns (realtime): 42s, 5m03s, 2h05m, 3d04h; "-" in the future. */
void fmt_age(uint64_t created_ns, uint64_t now_ns, char buf[REG_FIELD_SIZE]);
/* The user's name, else the number. */
void fmt_user(uint32_t uid, char buf[REG_FIELD_SIZE]);
/* CLOCK_REALTIME ns as local "YYYY-MM-DD HH:MM:SS" and DIGITS of fraction (0 to 9). */
void fmt_time(uint64_t ns, int digits, char buf[REG_FIELD_SIZE]);
/*
 * NAME for a terminal, padded with spaces to @width columns (UTF-8
 * characters counted as one column each) and cut at @width, control
 * characters shown as '?'. @width 0: neither padded nor cut.
 */
void fmt_name(const char *name, unsigned int width, char *buf, size_t size);
/* Columns that fmt_name(name, 0, ...) takes. */
unsigned int name_width(const char *name);

/* A JSON string: quoted, escaped, invalid UTF-8 as U+FFFD. */
void json_string(FILE *out, const char *s);
/* The members of a VM object, without the braces (list --json, stat --json). */
void json_vm_members(FILE *out, const struct hv_vm_info *vm);

#endif /* HVCTL_REGISTRY_H */
