// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The VM registry's reply parsers (registry.h) on messages built here with
 * libnl, laid out as the kernel lays them out (nla_put_64bit()'s padding
 * before each u64); no module needed. Also what a handle does with no hv
 * family to talk to.
 */
#include <errno.h>
#include <string.h>

#include <netlink/genl/genl.h>

#include "../registry.h"
#include "test.h"

/* Any id: the parsers do not look at the family. */
#define FAMILY		0x1234
/* Attribute types no hv knows yet: a newer module's. */
#define NEW_ATTR	(HV_A_MAX + 3)

#define VM_ID		7
#define VM_MEMORY	(64ULL << 20)
#define VM_CREATED	1700000000123456789ULL

/* Leave out one attribute (0: none), or add one nobody knows. */
struct shape {
	int skip;
	bool unknown;
};

static struct nl_msg *message(uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg || !genlmsg_put(msg, 0, 1, FAMILY, 0, 0, cmd, HV_GENL_VERSION))
		CHECK(false, "build a message");
	return msg;
}

/* A u64 as the kernel puts it: an alignment pad (padtype) first. */
static void put_u64(struct nl_msg *msg, int type, uint64_t value, int padtype)
{
	nla_put(msg, padtype, 0, NULL);
	nla_put_u64(msg, type, value);
}

static void put_vm(struct nl_msg *msg, const struct shape *s)
{
	if (s->skip != HV_A_VM_ID)
		nla_put_u32(msg, HV_A_VM_ID, VM_ID);
	if (s->unknown)
		nla_put_u32(msg, NEW_ATTR, 0xfeed);
	if (s->skip != HV_A_VM_NAME)
		nla_put_string(msg, HV_A_VM_NAME, "web-1");
	if (s->skip != HV_A_VM_PID)
		nla_put_u32(msg, HV_A_VM_PID, 4321);
	if (s->skip != HV_A_VM_UID)
		nla_put_u32(msg, HV_A_VM_UID, 1000);
	if (s->skip != HV_A_VM_NR_VCPUS)
		nla_put_u32(msg, HV_A_VM_NR_VCPUS, 2);
	if (s->skip != HV_A_VM_MEMORY)
		put_u64(msg, HV_A_VM_MEMORY, VM_MEMORY, HV_A_PAD);
	if (s->skip != HV_A_VM_CREATED)
		put_u64(msg, HV_A_VM_CREATED, VM_CREATED, HV_A_PAD);
	if (s->skip != HV_A_VM_STATE)
		nla_put_u32(msg, HV_A_VM_STATE, HV_VM_STATE_RUNNING);
}

/* Counters base + i for HV_STAT_* i, each after a type-0 pad. */
static void put_counters(struct nl_msg *msg, uint64_t base)
{
	struct nlattr *nest = nla_nest_start(msg, HV_A_STATS);

	for (uint32_t i = 0; i < HV_STAT_NR; i++)
		put_u64(msg, HV_A_STAT(i), base + i, 0);
	nla_nest_end(msg, nest);
}

static void put_vcpu(struct nl_msg *msg, uint32_t id, uint32_t state,
		     const struct shape *s)
{
	struct nlattr *nest = nla_nest_start(msg, HV_A_VCPU);

	if (s->skip != HV_A_VCPU_ID)
		nla_put_u32(msg, HV_A_VCPU_ID, id);
	if (s->unknown)
		nla_put_string(msg, NEW_ATTR, "from the future");
	if (s->skip != HV_A_VCPU_STATE)
		nla_put_u32(msg, HV_A_VCPU_STATE, state);
	put_counters(msg, 1000 * (id + 1));
	nla_nest_end(msg, nest);
}

/* HV_CMD_GET_STATS's reply for VM_ID with two vCPUs. */
static struct nl_msg *stats_reply(const struct shape *vm, const struct shape *vcpu1)
{
	static const struct shape plain;
	struct nl_msg *msg = message(HV_CMD_GET_STATS);

	put_vm(msg, vm);
	put_counters(msg, 100);
	put_vcpu(msg, 0, HV_VCPU_STATE_RUNNABLE, &plain);
	put_vcpu(msg, 1, HV_VCPU_STATE_HALTED, vcpu1);
	return msg;
}

static void check_vm(const struct hv_vm_info *vm, const char *what)
{
	CHECK_EQ(vm->id, VM_ID, "%s: id", what);
	CHECK_STR(vm->name, "web-1", "%s: name", what);
	CHECK_EQ(vm->pid, 4321, "%s: pid", what);
	CHECK_EQ(vm->uid, 1000, "%s: uid", what);
	CHECK_EQ(vm->nr_vcpus, 2, "%s: nr_vcpus", what);
	CHECK_EQ(vm->memory, VM_MEMORY, "%s: memory", what);
	CHECK_EQ(vm->created_ns, VM_CREATED, "%s: created_ns", what);
	CHECK_EQ(vm->state, HV_VM_STATE_RUNNING, "%s: state", what);
	CHECK_EQ(vm->padding, 0, "%s: padding", what);
}

static void vm_reply(void)
{
	const struct shape full = { .unknown = true };
	const struct shape no_id = { .skip = HV_A_VM_ID };
	struct nl_msg *msg = message(HV_CMD_GET_VM);
	struct hv_vm_info vm;

	put_vm(msg, &full);
	memset(&vm, 0xaa, sizeof(vm));
	CHECK_EQ(libhv_registry_parse_vm(nlmsg_hdr(msg), &vm), 0, "GET_VM reply: %s",
		 hv_error_detail());
	check_vm(&vm, "GET_VM reply");
	nlmsg_free(msg);

	msg = message(HV_CMD_GET_VM);
	put_vm(msg, &no_id);
	CHECK_EQ(libhv_registry_parse_vm(nlmsg_hdr(msg), &vm), -EPROTO, "no HV_A_VM_ID");
	CHECK_STR(hv_error_detail(), "HV_CMD_GET_VM's reply lacks HV_A_VM_ID", "detail");
	nlmsg_free(msg);
}

static void stats_full(void)
{
	const struct shape unknown = { .unknown = true };
	struct nl_msg *msg = stats_reply(&unknown, &unknown);
	struct hv_vm_stats st;
	bool ok = true;

	memset(&st, 0xaa, sizeof(st));
	CHECK_EQ(libhv_registry_parse_stats(nlmsg_hdr(msg), &st), 0,
		 "a stats reply with padding and unknown attributes: %s", hv_error_detail());
	check_vm(&st.vm, "stats reply");
	CHECK_EQ(st.nr_stats, HV_STAT_NR, "nr_stats is the module's HV_STAT_NR");
	for (uint32_t i = 0; i < HV_REGISTRY_MAX_STATS; i++)
		ok &= st.total[i] == (i < HV_STAT_NR ? 100 + i : 0);
	CHECK(ok, "the totals, and 0 past them");
	CHECK_EQ(st.nr_vcpus, 2, "two vCPUs");
	if (st.nr_vcpus == 2) {
		CHECK_EQ(st.vcpus[0].id, 0, "vCPU 0's id");
		CHECK_EQ(st.vcpus[0].state, HV_VCPU_STATE_RUNNABLE, "vCPU 0 runnable");
		CHECK_EQ(st.vcpus[1].id, 1, "vCPU 1's id");
		CHECK_EQ(st.vcpus[1].state, HV_VCPU_STATE_HALTED, "vCPU 1 halted");
		CHECK_EQ(st.vcpus[1].stats[HV_STAT_GUEST_NS], 2000 + HV_STAT_GUEST_NS,
			 "vCPU 1's guest_ns");
		CHECK_EQ(st.vcpus[0].stats[HV_STAT_NR], 0, "nothing past HV_STAT_NR");
	}
	hv_vm_stats_release(&st);
	CHECK(st.vcpus == NULL && st.nr_vcpus == 0 && st.vm.id == 0,
	      "hv_vm_stats_release frees and zeroes");
	nlmsg_free(msg);
}

/*
 * The last counter libhv has room for is kept; the next ones (a module
 * with more counters than HV_REGISTRY_MAX_STATS) are skipped.
 */
static void stats_past_max(void)
{
	static const struct shape plain;
	struct nl_msg *msg = message(HV_CMD_GET_STATS);
	struct hv_vm_stats st;
	struct nlattr *nest;

	put_vm(msg, &plain);
	nest = nla_nest_start(msg, HV_A_STATS);
	put_u64(msg, HV_A_STAT(HV_STAT_EXITS), 5, 0);
	put_u64(msg, HV_A_STAT(HV_REGISTRY_MAX_STATS), 0xdead, 0);
	put_u64(msg, HV_A_STAT(HV_REGISTRY_MAX_STATS + 100), 0xbeef, 0);
	nla_nest_end(msg, nest);
	CHECK_EQ(libhv_registry_parse_stats(nlmsg_hdr(msg), &st), 0,
		 "counters past the maximum: %s", hv_error_detail());
	CHECK_EQ(st.nr_stats, 1, "they do not count in nr_stats");
	CHECK_EQ(st.total[HV_STAT_EXITS], 5, "the known one is read");
	CHECK_EQ(st.total[HV_REGISTRY_MAX_STATS - 1], 0, "nothing lands in the last slot");
	CHECK_EQ(st.nr_vcpus, 0, "no vCPU");
	CHECK(st.vcpus == NULL, "no vCPU array");
	hv_vm_stats_release(&st);
	nlmsg_free(msg);

	msg = message(HV_CMD_GET_STATS);
	put_vm(msg, &plain);
	nest = nla_nest_start(msg, HV_A_STATS);
	put_u64(msg, HV_A_STAT(HV_REGISTRY_MAX_STATS - 1), 9, 0);
	nla_nest_end(msg, nest);
	CHECK_EQ(libhv_registry_parse_stats(nlmsg_hdr(msg), &st), 0, "the last counter with room");
	CHECK_EQ(st.nr_stats, HV_REGISTRY_MAX_STATS, "nr_stats reaches the maximum");
	CHECK_EQ(st.total[HV_REGISTRY_MAX_STATS - 1], 9, "and holds it");
	hv_vm_stats_release(&st);
	nlmsg_free(msg);
}

/* Each broken reply is -EPROTO with a detail, leaving nothing allocated. */
static void stats_broken(void)
{
	const struct shape plain = { 0 };
	const struct shape no_id = { .skip = HV_A_VM_ID };
	const struct shape no_state = { .skip = HV_A_VCPU_STATE };
	struct hv_vm_stats st;
	struct nl_msg *msg;
	struct nlattr *nest;

	msg = stats_reply(&no_id, &plain);
	CHECK_EQ(libhv_registry_parse_stats(nlmsg_hdr(msg), &st), -EPROTO, "stats without HV_A_VM_ID");
	CHECK_STR(hv_error_detail(), "HV_CMD_GET_STATS's reply lacks HV_A_VM_ID", "its detail");
	CHECK(st.vcpus == NULL && st.nr_vcpus == 0, "*stats zeroed");
	nlmsg_free(msg);

	msg = stats_reply(&plain, &no_state);
	CHECK_EQ(libhv_registry_parse_stats(nlmsg_hdr(msg), &st), -EPROTO, "a vCPU without its state");
	CHECK_STR(hv_error_detail(), "HV_A_VCPU 1 of HV_CMD_GET_STATS's reply lacks HV_A_VCPU_STATE",
		  "its detail");
	CHECK(st.vcpus == NULL && st.nr_vcpus == 0, "the vCPU array is freed");
	nlmsg_free(msg);

	msg = message(HV_CMD_GET_STATS);
	put_vm(msg, &plain);
	CHECK_EQ(libhv_registry_parse_stats(nlmsg_hdr(msg), &st), -EPROTO, "no HV_A_STATS");
	nlmsg_free(msg);

	msg = message(HV_CMD_GET_STATS);
	put_vm(msg, &plain);
	nest = nla_nest_start(msg, HV_A_STATS);
	nla_put_u32(msg, HV_A_STAT(HV_STAT_EXITS), 5);
	nla_nest_end(msg, nest);
	CHECK_EQ(libhv_registry_parse_stats(nlmsg_hdr(msg), &st), -EPROTO, "a 32-bit counter");
	CHECK(strstr(hv_error_detail(), "counter 0 has 4 bytes, not 8") != NULL, "detail: %s",
	      hv_error_detail());
	nlmsg_free(msg);
}

/* Sizes and names: strict about what libhv knows. */
static void vm_attr_sizes(void)
{
	const struct shape no_pid = { .skip = HV_A_VM_PID };
	const struct shape no_name = { .skip = HV_A_VM_NAME };
	char long_name[HV_VM_NAME_SIZE + 1];
	struct hv_vm_info vm;
	struct nl_msg *msg;

	msg = message(HV_CMD_GET_VM);
	put_vm(msg, &no_pid);
	nla_put_u64(msg, HV_A_VM_PID, 4321);
	CHECK_EQ(libhv_registry_parse_vm(nlmsg_hdr(msg), &vm), -EPROTO, "a 64-bit pid");
	CHECK_STR(hv_error_detail(), "HV_CMD_GET_VM's reply: HV_A_VM_PID has 8 bytes, not 4",
		  "its detail");
	nlmsg_free(msg);

	msg = message(HV_CMD_GET_VM);
	put_vm(msg, &no_name);
	nla_put(msg, HV_A_VM_NAME, 3, "abc");
	CHECK_EQ(libhv_registry_parse_vm(nlmsg_hdr(msg), &vm), -EPROTO, "a name without its NUL");
	nlmsg_free(msg);

	memset(long_name, 'n', sizeof(long_name));
	long_name[HV_VM_NAME_SIZE] = 0;
	msg = message(HV_CMD_GET_VM);
	put_vm(msg, &no_name);
	nla_put_string(msg, HV_A_VM_NAME, long_name);
	CHECK_EQ(libhv_registry_parse_vm(nlmsg_hdr(msg), &vm), -EPROTO, "a name too long");
	nlmsg_free(msg);

	msg = message(HV_CMD_GET_VM);
	nlmsg_hdr(msg)->nlmsg_len = NLMSG_HDRLEN;	/* no room for the genl header */
	CHECK_EQ(libhv_registry_parse_vm(nlmsg_hdr(msg), &vm), -EPROTO, "no generic netlink header");
	nlmsg_free(msg);
}

static struct nl_msg *notification(uint32_t type, bool vcpu, int skip)
{
	struct nl_msg *msg = message(HV_CMD_NOTIFY);

	nla_put_u32(msg, HV_A_NOTIFY, type);
	if (skip != HV_A_NOTIFY_SEQ)
		put_u64(msg, HV_A_NOTIFY_SEQ, 42, HV_A_PAD);
	put_u64(msg, HV_A_NOTIFY_TIME, VM_CREATED, HV_A_PAD);
	nla_put_u32(msg, HV_A_VM_ID, VM_ID);
	nla_put_string(msg, HV_A_VM_NAME, "web-1");
	nla_put_u32(msg, HV_A_VM_PID, 4321);
	nla_put_u32(msg, HV_A_VM_UID, 1000);
	nla_put_u32(msg, NEW_ATTR, 1);
	if (vcpu) {
		nla_put_u32(msg, HV_A_VCPU_ID, 1);
		put_u64(msg, HV_A_NOTIFY_REASON, 0x21, HV_A_PAD);
	}
	return msg;
}

static void notifications(void)
{
	struct nl_msg *msg = notification(HV_NOTIFY_ENTRY_FAILED, true, 0);
	struct hv_notify ev;

	CHECK_EQ(libhv_registry_parse_notify(nlmsg_hdr(msg), &ev), 0, "a vCPU notification: %s",
		 hv_error_detail());
	CHECK_EQ(ev.type, HV_NOTIFY_ENTRY_FAILED, "type");
	CHECK_EQ(ev.seq, 42, "seq");
	CHECK_EQ(ev.time_ns, VM_CREATED, "time");
	CHECK(ev.vm_id == VM_ID && ev.pid == 4321 && ev.uid == 1000, "the VM's id, pid and uid");
	CHECK_STR(ev.name, "web-1", "name");
	CHECK_EQ(ev.vcpu_id, 1, "vCPU");
	CHECK_EQ(ev.reason, 0x21, "reason");
	nlmsg_free(msg);

	msg = notification(HV_NOTIFY_VM_CREATED, false, 0);
	CHECK_EQ(libhv_registry_parse_notify(nlmsg_hdr(msg), &ev), 0, "a VM notification");
	CHECK_EQ(ev.vcpu_id, UINT32_MAX, "no vCPU: UINT32_MAX");
	CHECK_EQ(ev.reason, 0, "no reason: 0");
	nlmsg_free(msg);

	msg = notification(HV_NOTIFY_VM_STOPPED, false, HV_A_NOTIFY_SEQ);
	CHECK_EQ(libhv_registry_parse_notify(nlmsg_hdr(msg), &ev), -EPROTO, "no sequence number");
	CHECK_STR(hv_error_detail(), "notification lacks HV_A_NOTIFY_SEQ", "its detail");
	nlmsg_free(msg);

	msg = message(HV_CMD_GET_VM);
	CHECK_EQ(libhv_registry_parse_notify(nlmsg_hdr(msg), &ev), -EPROTO, "another command");
	nlmsg_free(msg);
}

/*
 * Without hv.ko (make test-lib needs none) there is no family "hv": the
 * open says so. With it loaded, a handle that has not subscribed reads no
 * notifications.
 */
static void open_without_module(void)
{
	struct hv_registry *reg = NULL;
	struct hv_notify ev;
	int err = hv_registry_open(&reg);

	if (err == -ENOENT) {
		CHECK(strstr(hv_error_detail(), "no generic netlink family \"hv\"") != NULL,
		      "no hv family: %s", hv_error_detail());
		CHECK(reg == NULL, "no handle");
		return;
	}
	CHECK_EQ(err, 0, "hv_registry_open: -ENOENT without hv, else 0: %s", hv_error_detail());
	if (err)
		return;
	CHECK(hv_registry_fd(reg) >= 0, "the handle has a socket");
	CHECK_EQ(hv_registry_next(reg, &ev, 0), -EINVAL, "next before subscribe");
	hv_registry_close(reg);
}

void test_registry(void)
{
	vm_reply();
	stats_full();
	stats_past_max();
	stats_broken();
	vm_attr_sizes();
	notifications();
	open_without_module();
}
