/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvctl: the command table and what the subcommands share.
 *
 * A subcommand is one cmd_<name>.c defining a const struct hvctl_cmd and
 * one line in the table in hvctl.c. It parses its own options and returns
 * an exit status: HVCTL_OK, HVCTL_FAILED or HVCTL_USAGE.
 */
#ifndef HVCTL_H
#define HVCTL_H

#include <stdint.h>
#include <stdio.h>

#include <libhv.h>

#define HVCTL_OK	0
#define HVCTL_FAILED	1
#define HVCTL_USAGE	2
/*
 * hvctl run: an administrator stopped the VM (hvctl stop). Even, so that
 * it is none of the statuses a guest gives itself through port 0xf4 (odd).
 */
#define HVCTL_VM_STOPPED	4

struct hvctl_cmd {
	const char *name;
	const char *summary;		/* one line for "hvctl help" */
	/* argv[0] is the command name; getopt is reset before the call. */
	int (*main)(int argc, char **argv);
	void (*usage)(FILE *out);
};

extern const struct hvctl_cmd cmd_info;
extern const struct hvctl_cmd cmd_run;
extern const struct hvctl_cmd cmd_list;
extern const struct hvctl_cmd cmd_stat;
extern const struct hvctl_cmd cmd_top;
extern const struct hvctl_cmd cmd_events;
extern const struct hvctl_cmd cmd_stop;

/* "hvctl: " + message + newline on stderr. */
void hvctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Report a usage error the standard way ("see 'hvctl CMD --help'") and
 * return HVCTL_USAGE.
 */
int hvctl_usage_error(const struct hvctl_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* After getopt has complained itself: only the pointer to --help. */
int hvctl_see_help(const struct hvctl_cmd *cmd);

/*
 * A byte count or address: decimal, 0x hex or 0 octal, with an optional
 * K, M or G suffix (powers of 1024). -EINVAL for anything else, -ERANGE
 * on overflow.
 */
int hvctl_parse_size(const char *s, uint64_t *out);

/* Why hv_open() or hv_check_usable() failed, and what to do about it. */
void hvctl_explain_open(const char *path, int err);
/* Why hv_vm_create() failed, and what to do about it. */
void hvctl_explain_vm_create(int err);

#endif /* HVCTL_H */
