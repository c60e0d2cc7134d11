// SPDX-License-Identifier: GPL-2.0
/* hvctl list: the VMs of the registry, as a table or JSON. */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>

#include "hvctl.h"
#include "registry.h"

enum { COL_ID, COL_NAME, COL_PID, COL_USER, COL_VCPUS, COL_MEMORY, COL_STATE, COL_AGE, NR_COLS };

static const struct {
	const char *title;
	bool right;		/* numbers are right-aligned */
} columns[NR_COLS] = {
	[COL_ID]	= { "ID", true },
	[COL_NAME]	= { "NAME", false },
	[COL_PID]	= { "PID", true },
	[COL_USER]	= { "USER", false },
	[COL_VCPUS]	= { "VCPUS", true },
	[COL_MEMORY]	= { "MEMORY", true },
	[COL_STATE]	= { "STATE", false },
	[COL_AGE]	= { "AGE", true },
};

/* Room for a name of HV_VM_NAME_SIZE - 1 bytes, and for every other cell. */
#define CELL_SIZE	80

struct row {
	char cell[NR_COLS][CELL_SIZE];
};

static void list_usage(FILE *out)
{
	fprintf(out,
		"Usage: hvctl list [--json]\n"
		"\n"
		"List the VMs that hv runs and you may see: those created by your user,\n"
		"or every VM with CAP_SYS_ADMIN (root).\n"
		"\n"
		"Columns: ID (the VM's id in the registry), NAME (hvctl run --name, else the\n"
		"creating program's), PID and USER of the process that created it, VCPUS,\n"
		"MEMORY (guest memory), STATE (running; halted: every vCPU waits in HLT or\n"
		"for a SIPI; stopped: by an administrator, hvctl stop) and AGE.\n"
		"\n"
		"Options:\n"
		"  -j, --json   a JSON array, one object per VM with the raw values: id, name,\n"
		"               pid, uid, vcpus, memory_bytes, created_ns (CLOCK_REALTIME\n"
		"               nanoseconds) and state (its name)\n"
		"  -h, --help   show this help\n"
		"\n"
		"Exit status: 0 when listed (no VMs too), 1 when the registry cannot be read\n"
		"(e.g. the hv module is not loaded), 2 for a usage error.\n");
}

static void fill_row(struct row *r, const struct hv_vm_info *vm, uint64_t now)
{
	char state[REG_FIELD_SIZE];

	snprintf(r->cell[COL_ID], CELL_SIZE, "%" PRIu32, vm->id);
	fmt_name(vm->name, 0, r->cell[COL_NAME], CELL_SIZE);
	snprintf(r->cell[COL_PID], CELL_SIZE, "%" PRIu32, vm->pid);
	fmt_user(vm->uid, r->cell[COL_USER]);
	snprintf(r->cell[COL_VCPUS], CELL_SIZE, "%" PRIu32, vm->nr_vcpus);
	fmt_size(vm->memory, r->cell[COL_MEMORY]);
	snprintf(r->cell[COL_STATE], CELL_SIZE, "%s",
		 reg_vm_state(vm->state, state, sizeof(state)));
	fmt_age(vm->created_ns, now, r->cell[COL_AGE]);
}

static void print_row(const struct row *r, const unsigned int *width)
{
	for (int c = 0; c < NR_COLS; c++) {
		int pad = (int)(width[c] - name_width(r->cell[c]));

		if (c)
			fputs("  ", stdout);
		if (columns[c].right)
			printf("%*s%s", pad, "", r->cell[c]);
		else if (c == NR_COLS - 1)
			fputs(r->cell[c], stdout);
		else
			printf("%s%*s", r->cell[c], pad, "");
	}
	putchar('\n');
}

/* rows[0] is the header. */
static void print_table(const struct row *rows, size_t n)
{
	unsigned int width[NR_COLS] = { 0 };

	for (size_t i = 0; i < n; i++) {
		for (int c = 0; c < NR_COLS; c++) {
			unsigned int w = name_width(rows[i].cell[c]);

			if (w > width[c])
				width[c] = w;
		}
	}
	for (size_t i = 0; i < n; i++)
		print_row(&rows[i], width);
}

static int list_table(const struct hv_vm_info *vms, size_t n)
{
	uint64_t now = reg_now_ns();
	struct row *rows = calloc(n + 1, sizeof(*rows));

	if (!rows) {
		hvctl_err("out of memory");
		return HVCTL_FAILED;
	}
	for (int c = 0; c < NR_COLS; c++)
		snprintf(rows[0].cell[c], CELL_SIZE, "%s", columns[c].title);
	for (size_t i = 0; i < n; i++)
		fill_row(&rows[i + 1], &vms[i], now);
	print_table(rows, n + 1);
	free(rows);
	return HVCTL_OK;
}

/* One object a line, for line-oriented tools. */
static int list_json(const struct hv_vm_info *vms, size_t n)
{
	if (!n) {
		puts("[]");
		return HVCTL_OK;
	}
	puts("[");
	for (size_t i = 0; i < n; i++) {
		putchar('{');
		json_vm_members(stdout, &vms[i]);
		puts(i + 1 < n ? "}," : "}");
	}
	puts("]");
	return HVCTL_OK;
}

static int list(bool json)
{
	struct hv_registry *reg;
	struct hv_vm_info *vms;
	size_t n;
	int ret;

	if (reg_open(&reg))
		return HVCTL_FAILED;
	if (hv_registry_list(reg, &vms, &n)) {
		reg_err("cannot list the VMs");
		hv_registry_close(reg);
		return HVCTL_FAILED;
	}
	hv_registry_close(reg);
	ret = json ? list_json(vms, n) : list_table(vms, n);
	free(vms);
	if (ret)
		return ret;
	return reg_flush_stdout();
}

static int list_main(int argc, char **argv)
{
	bool json;
	int ret = reg_json_only_options(&cmd_list, argc, argv, &json);

	return ret >= 0 ? ret : list(json);
}

const struct hvctl_cmd cmd_list = {
	.name = "list",
	.summary = "list the VMs that hv runs (the VM registry)",
	.main = list_main,
	.usage = list_usage,
};
