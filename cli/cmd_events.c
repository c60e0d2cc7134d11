// SPDX-License-Identifier: GPL-2.0
/* hvctl events: follow the registry's notifications, one line each. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <sys/utsname.h>

#include "hvctl.h"
#include "live.h"
#include "registry.h"

static void events_usage(FILE *out)
{
	fprintf(out,
		"Usage: hvctl events [--json]\n"
		"\n"
		"Follow the VM registry: print a line for each notification as it comes,\n"
		"until SIGINT (Ctrl-C) or SIGTERM. Notifications: vm_created,\n"
		"vm_destroyed (its last file descriptor closed), vm_stopped (hvctl stop),\n"
		"vcpu_shutdown (a triple fault), entry_failed (the CPU refused to enter\n"
		"the guest) and internal_error (hv could not go on with a vCPU).\n"
		"A shell starts background jobs with SIGINT ignored, and hvctl leaves it\n"
		"so: end those with SIGTERM.\n"
		"\n"
		"A line: the time, seq=N (numbers every notification hv sends, from 1),\n"
		"the notification, vm=ID, name=NAME (quoted when it has blanks or quotes),\n"
		"pid=PID and uid=UID of the VM's creator, then vcpu=N and reason=0xN for\n"
		"the notifications that have them (entry_failed: the hardware's reason;\n"
		"internal_error: hv's suberror, with its meaning).\n"
		"\n"
		"You get the notifications of the VMs you may see (see 'hvctl list'). On\n"
		"Linux 5.18 to 6.7, which cannot filter what netlink broadcasts, only\n"
		"CAP_SYS_ADMIN (root) may follow them at all.\n"
		"\n"
		"Options:\n"
		"  -j, --json   one JSON object per line: time_ns (CLOCK_REALTIME), seq,\n"
		"               event, type (HV_NOTIFY_*), vm_id, name, pid, uid, and vcpu\n"
		"               and reason when the notification has them\n"
		"  -h, --help   show this help\n"
		"\n"
		"Each line is flushed at once. Lost notifications (the socket's buffer\n"
		"overflowed) are reported on stderr, and following goes on.\n"
		"\n"
		"Exit status: 0 when ended by SIGINT or SIGTERM, 1 when following failed\n"
		"(e.g. the hv module is not loaded, or not allowed), 2 for a usage error.\n");
}

static bool has_reason(uint32_t type)
{
	return type == HV_NOTIFY_ENTRY_FAILED || type == HV_NOTIFY_INTERNAL_ERROR;
}

static const char *event_name(uint32_t type, char *buf, size_t size)
{
	const char *name = hv_notify_name(type);

	if (name)
		return name;
	snprintf(buf, size, "notify%" PRIu32, type);
	return buf;
}

static bool plain_value(const char *s)
{
	if (!*s)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' || *p == 0x7f)
			return false;
	return true;
}

/* name=VALUE as logfmt has it: quoted when it must be. */
static void print_value(const char *s)
{
	char buf[HV_VM_NAME_SIZE];

	fmt_name(s, 0, buf, sizeof(buf));
	if (plain_value(buf)) {
		fputs(buf, stdout);
		return;
	}
	putchar('"');
	for (const char *p = buf; *p; p++) {
		if (*p == '"' || *p == '\\')
			putchar('\\');
		putchar(*p);
	}
	putchar('"');
}

static void print_text(const struct hv_notify *ev)
{
	char time[REG_FIELD_SIZE], type[REG_FIELD_SIZE];

	fmt_time(ev->time_ns, 6, time);
	printf("%s seq=%" PRIu64 " %s vm=%" PRIu32 " name=", time, ev->seq,
	       event_name(ev->type, type, sizeof(type)), ev->vm_id);
	print_value(ev->name);
	printf(" pid=%" PRIu32 " uid=%" PRIu32, ev->pid, ev->uid);
	if (ev->vcpu_id != UINT32_MAX)
		printf(" vcpu=%" PRIu32, ev->vcpu_id);
	if (ev->type == HV_NOTIFY_INTERNAL_ERROR)
		printf(" reason=0x%" PRIx64 " (%s)", ev->reason,
		       hv_internal_error_name((uint32_t)ev->reason));
	else if (has_reason(ev->type))
		printf(" reason=0x%" PRIx64, ev->reason);
	putchar('\n');
}

static void print_json(const struct hv_notify *ev)
{
	char type[REG_FIELD_SIZE];

	printf("{\"time_ns\":%" PRIu64 ",\"seq\":%" PRIu64 ",\"event\":", ev->time_ns, ev->seq);
	json_string(stdout, event_name(ev->type, type, sizeof(type)));
	printf(",\"type\":%" PRIu32 ",\"vm_id\":%" PRIu32 ",\"name\":", ev->type, ev->vm_id);
	json_string(stdout, ev->name);
	printf(",\"pid\":%" PRIu32 ",\"uid\":%" PRIu32, ev->pid, ev->uid);
	if (ev->vcpu_id != UINT32_MAX)
		printf(",\"vcpu\":%" PRIu32, ev->vcpu_id);
	if (has_reason(ev->type))
		printf(",\"reason\":%" PRIu64, ev->reason);
	puts("}");
}

/* Print what has come; HVCTL_OK when all of it was read. */
static int drain(struct hv_registry *reg, bool json)
{
	struct hv_notify ev;
	int err;

	while ((err = hv_registry_next(reg, &ev, 0)) != -EAGAIN) {
		if (err == -ENOBUFS) {
			hvctl_err("warning: notifications were lost (the socket's buffer overflowed); going on");
			continue;
		}
		/* libhv skipped one it cannot read (a newer module's?): the next may do. */
		if (err == -EPROTO) {
			hvctl_err("warning: %s; going on", hv_error_detail());
			continue;
		}
		if (err) {
			reg_err("cannot read the notifications");
			return HVCTL_FAILED;
		}
		if (json)
			print_json(&ev);
		else
			print_text(&ev);
		if (reg_flush_stdout())
			return HVCTL_FAILED;
	}
	return HVCTL_OK;
}

static int follow(struct hv_registry *reg, bool json)
{
	int ret = HVCTL_OK;
	struct live l;

	if (live_start(&l, false)) {
		live_stop(&l);
		return HVCTL_FAILED;
	}
	while (!ret) {
		enum live_event e = live_wait(&l, hv_registry_fd(reg), 0);

		if (e == LIVE_QUIT)
			break;
		if (e == LIVE_ERROR)
			ret = HVCTL_FAILED;
		else if (e == LIVE_READY)
			ret = drain(reg, json);
	}
	live_stop(&l);
	return ret;
}

static void explain_subscribe(int err)
{
	struct utsname u;

	if (err != -EPERM) {
		reg_err("cannot follow the notifications");
		return;
	}
	hvctl_err("following the notifications needs CAP_SYS_ADMIN (root) on this kernel (Linux %s)",
		  uname(&u) ? "?" : u.release);
	hvctl_err("Linux 5.18 to 6.7 cannot filter netlink broadcasts, so hv lets only CAP_SYS_ADMIN"
		  " join its \"events\" group; on other kernels you get the notifications of your VMs");
}

static int events(bool json)
{
	struct hv_registry *reg;
	int err, ret;

	if (reg_open(&reg))
		return HVCTL_FAILED;
	err = hv_registry_subscribe(reg);
	if (err) {
		explain_subscribe(err);
		hv_registry_close(reg);
		return HVCTL_FAILED;
	}
	ret = follow(reg, json);
	hv_registry_close(reg);
	return ret;
}

static int events_main(int argc, char **argv)
{
	bool json;
	int ret = reg_json_only_options(&cmd_events, argc, argv, &json);

	return ret >= 0 ? ret : events(json);
}

const struct hvctl_cmd cmd_events = {
	.name = "events",
	.summary = "follow the VM registry's notifications (VMs created, stopped, ...)",
	.main = events_main,
	.usage = events_usage,
};
