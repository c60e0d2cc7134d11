// SPDX-License-Identifier: GPL-2.0
/* hvctl: control and run hv guests. Dispatches to the subcommands. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "hvctl.h"

/* One line per subcommand, in the order "hvctl help" lists them. */
static const struct hvctl_cmd *const commands[] = {
	&cmd_info,
	&cmd_run,
	&cmd_list,
	&cmd_stat,
	&cmd_top,
	&cmd_events,
	&cmd_stop,
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: hvctl [--help] [--version] COMMAND [ARGS]\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < NR_COMMANDS; i++)
		fprintf(out, "  %-8s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(out,
		"  %-8s %s\n"
		"\n"
		"'hvctl help COMMAND' or 'hvctl COMMAND --help' describes a command.\n"
		"Exit status: 0 done, 1 failed, 2 usage error (hvctl run: also the guest's,\n"
		"and %d when an administrator stopped the VM).\n",
		"help", "show this help, or a command's", HVCTL_VM_STOPPED);
}

static const struct hvctl_cmd *find_command(const char *name)
{
	for (size_t i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	return NULL;
}

static int unknown_command(const char *name)
{
	hvctl_err("unknown command '%s'; 'hvctl help' lists them", name);
	return HVCTL_USAGE;
}

static int help(int argc, char **argv)
{
	const struct hvctl_cmd *cmd;

	if (argc < 2) {
		usage(stdout);
		return HVCTL_OK;
	}
	if (argc > 2) {
		hvctl_err("help takes one command name");
		return HVCTL_USAGE;
	}
	cmd = find_command(argv[1]);
	if (!cmd)
		return unknown_command(argv[1]);
	cmd->usage(stdout);
	return HVCTL_OK;
}

static int run_command(const struct hvctl_cmd *cmd, int argc, char **argv)
{
	char prog[64];

	/* getopt names argv[0] in its messages: make that "hvctl run". */
	snprintf(prog, sizeof(prog), "hvctl %s", cmd->name);
	argv[0] = prog;
	optind = 0;	/* glibc: full getopt reset for the command's own parsing */
	return cmd->main(argc, argv);
}

static void version(void)
{
	/* HV_VERSION: the package's (the tree's VERSION file, via cli/Makefile). */
	printf("hvctl %s (libhv %d.%d, hv API %d)\n", HV_VERSION,
	       LIBHV_VERSION_MAJOR, LIBHV_VERSION_MINOR, HV_API_VERSION);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	const struct hvctl_cmd *cmd;
	int c;

	/*
	 * When stdout's reader goes away (hvctl run g.bin | head -1), write()
	 * must fail with EPIPE rather than kill us: the run then goes on
	 * without output (com1.c), ends with the guest's status and still
	 * prints --stats to stderr.
	 */
	signal(SIGPIPE, SIG_IGN);
	/* "+": stop at the command name; its options are its own. */
	while ((c = getopt_long(argc, argv, "+hV", options, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return HVCTL_OK;
		case 'V':
			version();
			return HVCTL_OK;
		default:
			usage(stderr);
			return HVCTL_USAGE;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return HVCTL_USAGE;
	}
	argc -= optind;
	argv += optind;
	if (!strcmp(argv[0], "help"))
		return help(argc, argv);
	cmd = find_command(argv[0]);
	if (!cmd)
		return unknown_command(argv[0]);
	return run_command(cmd, argc, argv);
}
