// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The VM registry client: hv's generic netlink family HV_GENL_NAME
 * (uapi/linux/hv.h, "The VM registry"; docs/API.md), over libnl.
 *
 * Requests go out with libnl's automatic sequence numbers and acks, and
 * its sequence check stays on: a request is over when its ack, the end of
 * its dump or its error has come, and every message before that is read,
 * so that the next request starts on an empty socket. libnl turns the
 * kernel's errno into its own codes (EALREADY, for one, does not survive),
 * so the errors are taken from the messages themselves, with the extended
 * ack's text.
 *
 * Notifications are read with recvmsg() on the socket itself rather than
 * through libnl, which reports an overrun (ENOBUFS) as NLE_NOMEM, the same
 * as its own allocation failures; libnl parses them.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <netlink/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "registry.h"

/* Listings flagged inconsistent (NLM_F_DUMP_INTR) before libhv gives up. */
#define DUMP_TRIES		5
/* Room for one datagram of notifications; one is a few hundred bytes. */
#define EVENT_BUF_SIZE		8192
/* The longest extended ack text kept for the error detail. */
#define EXTACK_SIZE		160

struct hv_registry {
	struct nl_sock *sk;
	struct nl_cb *cb;	/* the request callbacks (transact()) */
	int family;		/* the id of the family HV_GENL_NAME */
	bool events;		/* subscribed: reads notifications only */
	/* Subscribed: the last datagram, and where its next message starts. */
	unsigned char *buf;
	size_t pos, len;
};

/* ---- errors ---- */

/* libnl's error codes (NLE_*) of its own calls, back to errnos. */
static int nl_errno(int nle)
{
	static const int errnos[] = {
		[NLE_INTR] = EINTR, [NLE_BAD_SOCK] = EBADF, [NLE_AGAIN] = EAGAIN,
		[NLE_NOMEM] = ENOMEM, [NLE_EXIST] = EEXIST, [NLE_INVAL] = EINVAL,
		[NLE_RANGE] = ERANGE, [NLE_MSGSIZE] = EMSGSIZE,
		[NLE_OPNOTSUPP] = EOPNOTSUPP, [NLE_AF_NOSUPPORT] = EAFNOSUPPORT,
		[NLE_OBJ_NOTFOUND] = ENOENT, [NLE_MSG_TRUNC] = EMSGSIZE,
		[NLE_PROTO_MISMATCH] = EPROTONOSUPPORT, [NLE_NOACCESS] = EACCES,
		[NLE_PERM] = EPERM, [NLE_BUSY] = EBUSY, [NLE_NODEV] = ENODEV,
	};

	nle = nle < 0 ? -nle : nle;
	if ((size_t)nle < LIBHV_ARRAY_SIZE(errnos) && errnos[nle])
		return -errnos[nle];
	return -EIO;
}

static int nl_fail(int nle, const char *what)
{
	return libhv_error(nl_errno(nle), "%s: %s", what, nl_geterror(nle));
}

/* ---- parsing replies ---- */

/* How one attribute of a message is read into a struct. */
struct field {
	uint16_t type;
	uint16_t size;		/* 4 or 8; 0: the VM name */
	bool optional;
	size_t offset;
	const char *name;
};

#define FIELD(type, size, optional, st, member) \
	{ type, size, optional, offsetof(st, member), #type }

static const struct field vm_fields[] = {
	FIELD(HV_A_VM_ID, 4, false, struct hv_vm_info, id),
	FIELD(HV_A_VM_NAME, 0, false, struct hv_vm_info, name),
	FIELD(HV_A_VM_PID, 4, false, struct hv_vm_info, pid),
	FIELD(HV_A_VM_UID, 4, false, struct hv_vm_info, uid),
	FIELD(HV_A_VM_NR_VCPUS, 4, false, struct hv_vm_info, nr_vcpus),
	FIELD(HV_A_VM_MEMORY, 8, false, struct hv_vm_info, memory),
	FIELD(HV_A_VM_CREATED, 8, false, struct hv_vm_info, created_ns),
	FIELD(HV_A_VM_STATE, 4, false, struct hv_vm_info, state),
};

static const struct field vcpu_fields[] = {
	FIELD(HV_A_VCPU_ID, 4, false, struct hv_vcpu_info, id),
	FIELD(HV_A_VCPU_STATE, 4, false, struct hv_vcpu_info, state),
};

/* Only vCPU notifications have a vCPU, only two kinds a reason. */
static const struct field notify_fields[] = {
	FIELD(HV_A_NOTIFY, 4, false, struct hv_notify, type),
	FIELD(HV_A_NOTIFY_SEQ, 8, false, struct hv_notify, seq),
	FIELD(HV_A_NOTIFY_TIME, 8, false, struct hv_notify, time_ns),
	FIELD(HV_A_VM_ID, 4, false, struct hv_notify, vm_id),
	FIELD(HV_A_VM_NAME, 0, false, struct hv_notify, name),
	FIELD(HV_A_VM_PID, 4, false, struct hv_notify, pid),
	FIELD(HV_A_VM_UID, 4, false, struct hv_notify, uid),
	FIELD(HV_A_VCPU_ID, 4, true, struct hv_notify, vcpu_id),
	FIELD(HV_A_NOTIFY_REASON, 8, true, struct hv_notify, reason),
};

/* A NUL-terminated string of at most HV_VM_NAME_SIZE bytes with the NUL. */
static int get_name(const struct nlattr *a, char *name, const char *where)
{
	const char *s = nla_data(a);
	size_t len = (size_t)nla_len(a);
	size_t n = strnlen(s, len);

	if (n == len)
		return libhv_error(-EPROTO, "%s: HV_A_VM_NAME has no NUL", where);
	if (n >= HV_VM_NAME_SIZE)
		return libhv_error(-EPROTO, "%s: HV_A_VM_NAME is %zu bytes, more than %d",
				   where, n, HV_VM_NAME_SIZE - 1);
	memcpy(name, s, n);
	name[n] = 0;
	return 0;
}

/* The attributes of fields from tb into out: all there, each of its size. */
static int get_fields(struct nlattr **tb, const struct field *f, size_t n,
		      void *out, const char *where)
{
	for (; n; n--, f++) {
		const struct nlattr *a = tb[f->type];
		char *dst = (char *)out + f->offset;
		int err;

		if (!a) {
			if (f->optional)
				continue;
			return libhv_error(-EPROTO, "%s lacks %s", where, f->name);
		}
		if (f->size == 0) {
			err = get_name(a, dst, where);
			if (err)
				return err;
		} else if (nla_len(a) != f->size) {
			return libhv_error(-EPROTO, "%s: %s has %d bytes, not %u",
					   where, f->name, nla_len(a), f->size);
		} else {
			memcpy(dst, nla_data(a), f->size);
		}
	}
	return 0;
}

/*
 * The counters of an HV_A_STATS nest into counters[]; *nr becomes at least
 * the highest index seen plus one.
 */
static int get_counters(struct nlattr *nest, uint64_t *counters, uint32_t *nr,
			const char *where)
{
	struct nlattr *a;
	int rem;

	nla_for_each_nested(a, nest, rem) {
		int type = nla_type(a);

		/* Type 0 aligns the next counter's 64 bits. */
		if (type == 0)
			continue;
		/* A counter newer than this libhv has room for. */
		if (type > HV_REGISTRY_MAX_STATS)
			continue;
		if (nla_len(a) != 8)
			return libhv_error(-EPROTO, "%s: counter %d has %d bytes, not 8",
					   where, type - 1, nla_len(a));
		memcpy(&counters[type - 1], nla_data(a), 8);
		if (*nr < (uint32_t)type)
			*nr = (uint32_t)type;
	}
	return 0;
}

/* Check the generic netlink header; the message's attributes into tb. */
static int parse_attrs(struct nlmsghdr *nlh, struct nlattr **tb, const char *where)
{
	int err;

	if (!genlmsg_valid_hdr(nlh, 0))
		return libhv_error(-EPROTO, "%s: too short for a generic netlink header", where);
	err = genlmsg_parse(nlh, 0, tb, HV_A_MAX, NULL);
	if (err < 0)
		return libhv_error(-EPROTO, "%s: unreadable attributes: %s", where,
				   nl_geterror(err));
	return 0;
}

static uint8_t genl_cmd(struct nlmsghdr *nlh)
{
	return ((const struct genlmsghdr *)nlmsg_data(nlh))->cmd;
}

int libhv_registry_parse_vm(struct nlmsghdr *nlh, struct hv_vm_info *info)
{
	static const char where[] = "HV_CMD_GET_VM's reply";
	struct nlattr *tb[HV_A_MAX + 1];
	int err;

	memset(info, 0, sizeof(*info));
	err = parse_attrs(nlh, tb, where);
	if (err)
		return err;
	return get_fields(tb, vm_fields, LIBHV_ARRAY_SIZE(vm_fields), info, where);
}

static int parse_vcpu(struct nlattr *nest, struct hv_vcpu_info *vcpu,
		      uint32_t *nr_stats, uint32_t index)
{
	struct nlattr *tb[HV_A_MAX + 1];
	char where[64];
	int err;

	snprintf(where, sizeof(where), "HV_A_VCPU %u of HV_CMD_GET_STATS's reply", index);
	err = nla_parse_nested(tb, HV_A_MAX, nest, NULL);
	if (err < 0)
		return libhv_error(-EPROTO, "%s: unreadable attributes: %s", where,
				   nl_geterror(err));
	err = get_fields(tb, vcpu_fields, LIBHV_ARRAY_SIZE(vcpu_fields), vcpu, where);
	if (err)
		return err;
	if (!tb[HV_A_STATS])
		return libhv_error(-EPROTO, "%s lacks HV_A_STATS", where);
	return get_counters(tb[HV_A_STATS], vcpu->stats, nr_stats, where);
}

/* Every HV_A_VCPU nest, in the order the module sent them. */
static int parse_vcpus(struct nlmsghdr *nlh, struct hv_vm_stats *stats)
{
	struct genlmsghdr *gnlh = nlmsg_data(nlh);
	struct nlattr *head = genlmsg_attrdata(gnlh, 0), *a;
	int len = genlmsg_attrlen(gnlh, 0), rem, err;
	uint32_t n = 0;

	nla_for_each_attr(a, head, len, rem)
		n += nla_type(a) == HV_A_VCPU;
	if (!n)
		return 0;
	stats->vcpus = calloc(n, sizeof(*stats->vcpus));
	if (!stats->vcpus)
		return libhv_error(-ENOMEM, "out of memory");
	nla_for_each_attr(a, head, len, rem) {
		if (nla_type(a) != HV_A_VCPU)
			continue;
		err = parse_vcpu(a, &stats->vcpus[stats->nr_vcpus], &stats->nr_stats,
				 stats->nr_vcpus);
		if (err)
			return err;
		stats->nr_vcpus++;
	}
	return 0;
}

int libhv_registry_parse_stats(struct nlmsghdr *nlh, struct hv_vm_stats *stats)
{
	static const char where[] = "HV_CMD_GET_STATS's reply";
	struct nlattr *tb[HV_A_MAX + 1];
	int err;

	memset(stats, 0, sizeof(*stats));
	err = parse_attrs(nlh, tb, where);
	if (!err)
		err = get_fields(tb, vm_fields, LIBHV_ARRAY_SIZE(vm_fields), &stats->vm, where);
	if (!err && !tb[HV_A_STATS])
		err = libhv_error(-EPROTO, "%s lacks HV_A_STATS", where);
	if (!err)
		err = get_counters(tb[HV_A_STATS], stats->total, &stats->nr_stats, where);
	if (!err)
		err = parse_vcpus(nlh, stats);
	if (err)
		hv_vm_stats_release(stats);
	return err;
}

int libhv_registry_parse_notify(struct nlmsghdr *nlh, struct hv_notify *ev)
{
	static const char where[] = "notification";
	struct nlattr *tb[HV_A_MAX + 1];
	int err;

	memset(ev, 0, sizeof(*ev));
	ev->vcpu_id = UINT32_MAX;
	err = parse_attrs(nlh, tb, where);
	if (err)
		return err;
	if (genl_cmd(nlh) != HV_CMD_NOTIFY)
		return libhv_error(-EPROTO, "%s: command %u, not HV_CMD_NOTIFY", where,
				   genl_cmd(nlh));
	return get_fields(tb, notify_fields, LIBHV_ARRAY_SIZE(notify_fields), ev, where);
}

void hv_vm_stats_release(struct hv_vm_stats *stats)
{
	if (!stats)
		return;
	free(stats->vcpus);
	memset(stats, 0, sizeof(*stats));
}

/* ---- requests ---- */

/*
 * One request and what came back. err is the first failure: the kernel's
 * (from_kernel, with its extended ack's text in extack) or a reply that
 * did not parse (the detail is set then).
 */
struct request {
	char what[48];		/* "HV_CMD_GET_VM for VM 3", for the details */
	int (*reply)(struct request *rq, struct nlmsghdr *nlh);
	void *out;		/* for reply */
	int family;
	unsigned int replies;
	int err;
	bool from_kernel;
	bool done;		/* the ack, the end of the dump or an error came */
	bool intr;		/* the dump was inconsistent (NLM_F_DUMP_INTR) */
	char extack[EXTACK_SIZE];
};

/*
 * Keep the kernel's error err (the first one) and the text of the extended
 * ack that nlh carries from offset tlvs on.
 */
static void kernel_error(struct request *rq, int err, struct nlmsghdr *nlh,
			 size_t tlvs)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	const struct nlattr *msg;
	int len;

	if (err >= 0 || rq->err)
		return;
	rq->err = err;
	rq->from_kernel = true;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || tlvs >= nlh->nlmsg_len ||
	    nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)nlh + tlvs),
		      (int)(nlh->nlmsg_len - tlvs), NULL) < 0)
		return;
	msg = tb[NLMSGERR_ATTR_MSG];
	len = msg ? nla_len(msg) : 0;
	if (len > 0 && strnlen(nla_data(msg), (size_t)len) < (size_t)len)
		snprintf(rq->extack, sizeof(rq->extack), "%s", (const char *)nla_data(msg));
}

/*
 * NLMSG_ERROR: struct nlmsgerr, the request (only its header when the
 * kernel caps acks), then the extended ack attributes.
 */
static void error_msg(struct request *rq, struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = nlmsg_data(nlh);
	size_t tlvs = NLMSG_HDRLEN + sizeof(*e);

	if (nlmsg_datalen(nlh) < (int)sizeof(*e) || !e->error)
		return;		/* libnl refuses the former; the latter is an ack */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) && e->msg.nlmsg_len > NLMSG_HDRLEN)
		tlvs += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
	kernel_error(rq, e->error, nlh, tlvs);
}

/* NLMSG_DONE: an int, the dump's error (0), then the extended ack. */
static void done_msg(struct request *rq, struct nlmsghdr *nlh)
{
	int err;

	if (nlmsg_datalen(nlh) < (int)sizeof(err))
		return;
	memcpy(&err, nlmsg_data(nlh), sizeof(err));
	kernel_error(rq, err, nlh, NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(err)));
}

/* Every message, before libnl looks at it: errors and the dump's consistency. */
static int on_msg_in(struct nl_msg *msg, void *arg)
{
	struct request *rq = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		rq->intr = true;
	if (nlh->nlmsg_type == NLMSG_ERROR)
		error_msg(rq, nlh);
	else if (nlh->nlmsg_type == NLMSG_DONE)
		done_msg(rq, nlh);
	return NL_OK;
}

/* A reply; after a failure the rest is only read, so that none is left. */
static int on_valid(struct nl_msg *msg, void *arg)
{
	struct request *rq = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	int err;

	if (rq->err || nlh->nlmsg_type != rq->family)
		return NL_SKIP;
	err = rq->reply ? rq->reply(rq, nlh) : 0;
	if (err)
		rq->err = err;
	rq->replies++;
	return NL_OK;
}

/* Seen by on_msg_in() already; processing goes on as for any message. */
static int on_dump_intr(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

static int on_done(struct nl_msg *msg, void *arg)
{
	struct request *rq = arg;

	(void)msg;
	rq->done = true;
	return NL_STOP;
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct request *rq = arg;

	(void)nla;
	(void)e;
	rq->done = true;
	return NL_STOP;
}

/* What an errno means for a request about one VM, when hv did not say. */
static const char *hint(int err)
{
	switch (err) {
	case -ENOENT:
		return "no such VM, or not one of this user's";
	case -EPERM:
		return "it needs CAP_SYS_ADMIN";
	case -EALREADY:
		return "the VM is stopped already";
	}
	return NULL;
}

/* The request's outcome: the kernel's errno with its words, or a parse error. */
static int request_result(const struct request *rq)
{
	const char *why = rq->extack[0] ? rq->extack : hint(rq->err);

	if (!rq->err || !rq->from_kernel)
		return rq->err;
	return libhv_error(rq->err, "%s: %s%s%s", rq->what, strerror(-rq->err),
			   why ? ": " : "", why ? why : "");
}

/* Send msg (freed here) and read everything that answers it. */
static int transact(struct hv_registry *reg, struct nl_msg *msg, struct request *rq)
{
	struct nl_cb *cb = reg->cb;
	int ret;

	nl_cb_set(cb, NL_CB_MSG_IN, NL_CB_CUSTOM, on_msg_in, rq);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, rq);
	nl_cb_set(cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, on_dump_intr, rq);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_done, rq);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_done, rq);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, rq);
	ret = nl_send_auto(reg->sk, msg);
	nlmsg_free(msg);
	if (ret < 0)
		return nl_fail(ret, rq->what);
	while (!rq->done) {
		ret = nl_recvmsgs(reg->sk, cb);
		if (ret < 0 && !rq->done)
			return nl_fail(ret, rq->what);
	}
	return request_result(rq);
}

static int busy(const struct hv_registry *reg, const char *fn)
{
	if (!reg->events)
		return 0;
	return libhv_error(-EBUSY, "%s: this handle reads notifications (hv_registry_subscribe()): open another",
			   fn);
}

/*
 * Command cmd with flags (NLM_F_DUMP or 0) about VM *id (NULL: none): fill
 * in rq's what and family, send it, read its answer.
 */
static int request(struct hv_registry *reg, uint8_t cmd, int flags,
		   const uint32_t *id, struct request *rq)
{
	static const char *const cmds[] = {
		[HV_CMD_GET_VM] = "HV_CMD_GET_VM", [HV_CMD_GET_STATS] = "HV_CMD_GET_STATS",
		[HV_CMD_STOP_VM] = "HV_CMD_STOP_VM",
	};
	struct nl_msg *msg;

	if (id)
		snprintf(rq->what, sizeof(rq->what), "%s for VM %u", cmds[cmd], *id);
	else
		snprintf(rq->what, sizeof(rq->what), "%s", cmds[cmd]);
	rq->family = reg->family;
	msg = nlmsg_alloc();
	if (!msg)
		return libhv_error(-ENOMEM, "out of memory");
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, reg->family, 0, flags, cmd,
			 HV_GENL_VERSION) ||
	    (id && nla_put_u32(msg, HV_A_VM_ID, *id) < 0)) {
		nlmsg_free(msg);
		return libhv_error(-ENOMEM, "%s: cannot build the request", rq->what);
	}
	return transact(reg, msg, rq);
}

/* ---- the handle ---- */

static int registry_connect(struct hv_registry *reg)
{
	int one = 1, err;

	reg->sk = nl_socket_alloc();
	reg->cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!reg->sk || !reg->cb)
		return libhv_error(-ENOMEM, "out of memory");
	err = genl_connect(reg->sk);
	if (err < 0)
		return nl_fail(err, "cannot open a generic netlink socket");
	/* hv explains its refusals in an extended ack; nothing is lost without. */
	(void)setsockopt(nl_socket_get_fd(reg->sk), SOL_NETLINK, NETLINK_EXT_ACK,
			 &one, sizeof(one));
	/* A reply with many vCPUs outgrows a page: size each datagram first. */
	nl_socket_enable_msg_peek(reg->sk);
	reg->family = genl_ctrl_resolve(reg->sk, HV_GENL_NAME);
	if (reg->family == -NLE_OBJ_NOTFOUND)
		return libhv_error(-ENOENT,
				   "no generic netlink family \"%s\": the hv module is not loaded or has no VM registry (HV_CAP_REGISTRY), or this is not the initial network namespace",
				   HV_GENL_NAME);
	if (reg->family < 0)
		return nl_fail(reg->family, "cannot look up the generic netlink family \"" HV_GENL_NAME "\"");
	return 0;
}

int hv_registry_open(struct hv_registry **out)
{
	struct hv_registry *reg;
	int err;

	if (!out)
		return LIBHV_NULL_ARG(out);
	reg = calloc(1, sizeof(*reg));
	if (!reg)
		return libhv_error(-ENOMEM, "out of memory");
	err = registry_connect(reg);
	if (err) {
		hv_registry_close(reg);
		return err;
	}
	*out = reg;
	return 0;
}

void hv_registry_close(struct hv_registry *reg)
{
	if (!reg)
		return;
	if (reg->cb)
		nl_cb_put(reg->cb);
	if (reg->sk)
		nl_socket_free(reg->sk);
	free(reg->buf);
	free(reg);
}

int hv_registry_fd(const struct hv_registry *reg)
{
	return reg ? nl_socket_get_fd(reg->sk) : LIBHV_NULL_ARG(reg);
}

/* ---- VMs ---- */

struct vm_list {
	struct hv_vm_info *vms;
	size_t n, max;
};

static int list_reply(struct request *rq, struct nlmsghdr *nlh)
{
	struct vm_list *l = rq->out;
	int err;

	if (l->n == l->max) {
		size_t max = l->max ? 2 * l->max : 16;
		struct hv_vm_info *vms = reallocarray(l->vms, max, sizeof(*vms));

		if (!vms)
			return libhv_error(-ENOMEM, "out of memory");
		l->vms = vms;
		l->max = max;
	}
	err = libhv_registry_parse_vm(nlh, &l->vms[l->n]);
	if (!err)
		l->n++;
	return err;
}

static int by_id(const void *a, const void *b)
{
	uint32_t x = ((const struct hv_vm_info *)a)->id;
	uint32_t y = ((const struct hv_vm_info *)b)->id;

	return x < y ? -1 : x > y;
}

int hv_registry_list(struct hv_registry *reg, struct hv_vm_info **vms, size_t *n)
{
	if (!reg)
		return LIBHV_NULL_ARG(reg);
	if (!vms)
		return LIBHV_NULL_ARG(vms);
	if (!n)
		return LIBHV_NULL_ARG(n);
	if (busy(reg, __func__))
		return -EBUSY;
	for (int i = 0; i < DUMP_TRIES; i++) {
		struct vm_list l = { 0 };
		struct request rq = { .reply = list_reply, .out = &l };
		int err = request(reg, HV_CMD_GET_VM, NLM_F_DUMP, NULL, &rq);

		if (err || rq.intr) {
			free(l.vms);
			if (err)
				return err;
			continue;
		}
		/* The module sends them by id; the promise is libhv's. */
		if (l.n)
			qsort(l.vms, l.n, sizeof(*l.vms), by_id);
		*vms = l.vms;
		*n = l.n;
		return 0;
	}
	return libhv_error(-EAGAIN, "hv_registry_list: VMs came and went during each of %d listings",
			   DUMP_TRIES);
}

static int get_reply(struct request *rq, struct nlmsghdr *nlh)
{
	return rq->replies ? 0 : libhv_registry_parse_vm(nlh, rq->out);
}

/* A doit that must have answered with a reply before its ack. */
static int no_reply(const struct request *rq)
{
	return libhv_error(-EPROTO, "%s: hv acknowledged without a reply", rq->what);
}

int hv_registry_get(struct hv_registry *reg, uint32_t id, struct hv_vm_info *info)
{
	struct hv_vm_info vm;
	struct request rq = { .reply = get_reply, .out = &vm };
	int err;

	if (!reg)
		return LIBHV_NULL_ARG(reg);
	if (!info)
		return LIBHV_NULL_ARG(info);
	if (busy(reg, __func__))
		return -EBUSY;
	err = request(reg, HV_CMD_GET_VM, 0, &id, &rq);
	if (!err && !rq.replies)
		err = no_reply(&rq);
	if (!err)
		*info = vm;
	return err;
}

static int stats_reply(struct request *rq, struct nlmsghdr *nlh)
{
	return rq->replies ? 0 : libhv_registry_parse_stats(nlh, rq->out);
}

int hv_registry_stats(struct hv_registry *reg, uint32_t id, struct hv_vm_stats *stats)
{
	struct request rq = { .reply = stats_reply };
	int err;

	if (!stats)
		return LIBHV_NULL_ARG(stats);
	memset(stats, 0, sizeof(*stats));
	if (!reg)
		return LIBHV_NULL_ARG(reg);
	if (busy(reg, __func__))
		return -EBUSY;
	rq.out = stats;
	err = request(reg, HV_CMD_GET_STATS, 0, &id, &rq);
	if (!err && !rq.replies)
		err = no_reply(&rq);
	if (err)
		hv_vm_stats_release(stats);
	return err;
}

int hv_registry_stop(struct hv_registry *reg, uint32_t id)
{
	struct request rq = { 0 };

	if (!reg)
		return LIBHV_NULL_ARG(reg);
	if (busy(reg, __func__))
		return -EBUSY;
	return request(reg, HV_CMD_STOP_VM, 0, &id, &rq);
}

/* ---- notifications ---- */

int hv_registry_subscribe(struct hv_registry *reg)
{
	int group, err;

	if (!reg)
		return LIBHV_NULL_ARG(reg);
	if (reg->events)
		return libhv_error(-EBUSY, "hv_registry_subscribe: subscribed already");
	group = genl_ctrl_resolve_grp(reg->sk, HV_GENL_NAME, HV_GENL_MCGRP_EVENTS);
	if (group == -NLE_OBJ_NOTFOUND)
		return libhv_error(-ENOENT, "the hv module has no \"%s\" group: load a newer one",
				   HV_GENL_MCGRP_EVENTS);
	if (group < 0)
		return nl_fail(group, "cannot look up hv's \"" HV_GENL_MCGRP_EVENTS "\" group");
	if (!reg->buf)
		reg->buf = malloc(EVENT_BUF_SIZE);
	if (!reg->buf)
		return libhv_error(-ENOMEM, "out of memory");
	err = nl_socket_add_membership(reg->sk, group);
	if (err == -NLE_PERM || err == -NLE_NOACCESS)
		return libhv_error(-EPERM,
				   "only CAP_SYS_ADMIN may receive hv's notifications on this kernel (Linux 5.18 to 6.7 cannot filter them for each listener)");
	if (err < 0)
		return nl_fail(err, "cannot join hv's \"" HV_GENL_MCGRP_EVENTS "\" group");
	reg->events = true;
	return 0;
}

/* The next message of family reg->family in the last datagram, or NULL. */
static struct nlmsghdr *next_message(struct hv_registry *reg)
{
	while (reg->pos < reg->len) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)(reg->buf + reg->pos);
		int rem = (int)(reg->len - reg->pos);

		if (!nlmsg_ok(nlh, rem)) {
			reg->pos = reg->len;
			break;
		}
		reg->pos += NLMSG_ALIGN(nlh->nlmsg_len);
		if (reg->pos > reg->len)
			reg->pos = reg->len;
		if (nlh->nlmsg_type == reg->family)
			return nlh;
	}
	return NULL;
}

/* Milliseconds left until deadline, for poll(); -1 stays -1 (no limit). */
static int time_left(int timeout_ms, const struct timespec *deadline)
{
	struct timespec now;
	long long ms;

	if (timeout_ms <= 0)
		return timeout_ms;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (deadline->tv_sec - now.tv_sec) * 1000LL +
	     (deadline->tv_nsec - now.tv_nsec + 999999) / 1000000;
	return ms > 0 ? (int)ms : 0;
}

static int wait_readable(struct hv_registry *reg, int timeout_ms,
			 const struct timespec *deadline)
{
	struct pollfd p = { .fd = nl_socket_get_fd(reg->sk), .events = POLLIN };
	int n = poll(&p, 1, time_left(timeout_ms, deadline));

	if (n < 0 && errno == EINTR)
		return libhv_error(-EINTR, "hv_registry_next: a signal came");
	if (n < 0)
		return libhv_error(-errno, "hv_registry_next: poll: %s", strerror(errno));
	if (n == 0)
		return libhv_error(-EAGAIN, "hv_registry_next: no notification within %d ms",
				   timeout_ms);
	return 0;
}

/*
 * Read one datagram into reg->buf: 0, -EAGAIN when there was none after
 * all (or only a stranger's), -ENOBUFS after an overrun.
 */
static int receive(struct hv_registry *reg)
{
	struct sockaddr_nl from = { 0 };
	struct iovec iov = { .iov_base = reg->buf, .iov_len = EVENT_BUF_SIZE };
	struct msghdr mh = {
		.msg_name = &from, .msg_namelen = sizeof(from),
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	ssize_t n = recvmsg(nl_socket_get_fd(reg->sk), &mh, MSG_DONTWAIT);

	reg->pos = reg->len = 0;
	if (n < 0) {
		int err = errno;

		if (err == EAGAIN || err == EINTR)
			return -EAGAIN;
		if (err == ENOBUFS)
			return libhv_error(-ENOBUFS,
					   "hv_registry_next: notifications came faster than they were read; the kernel dropped some");
		return libhv_error(-err, "hv_registry_next: recvmsg: %s", strerror(err));
	}
	if (mh.msg_flags & MSG_TRUNC)
		return libhv_error(-EPROTO, "hv_registry_next: a datagram of more than %d bytes",
				   EVENT_BUF_SIZE);
	/* Only the kernel (port 0) speaks for hv. */
	if (from.nl_pid != 0)
		return -EAGAIN;
	reg->len = (size_t)n;
	return 0;
}

int hv_registry_next(struct hv_registry *reg, struct hv_notify *ev, int timeout_ms)
{
	struct timespec deadline = { 0 };

	if (!reg)
		return LIBHV_NULL_ARG(reg);
	if (!ev)
		return LIBHV_NULL_ARG(ev);
	if (!reg->events)
		return libhv_error(-EINVAL, "hv_registry_next: call hv_registry_subscribe() first");
	if (timeout_ms < -1)
		return libhv_error(-EINVAL, "hv_registry_next: timeout_ms %d is below -1", timeout_ms);
	if (timeout_ms > 0) {
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += timeout_ms / 1000;
		deadline.tv_nsec += (timeout_ms % 1000) * 1000000L;
		if (deadline.tv_nsec >= 1000000000L) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000L;
		}
	}
	for (;;) {
		struct nlmsghdr *nlh = next_message(reg);
		int err;

		if (nlh && genlmsg_valid_hdr(nlh, 0) && genl_cmd(nlh) != HV_CMD_NOTIFY)
			continue;
		if (nlh)
			return libhv_registry_parse_notify(nlh, ev);
		err = wait_readable(reg, timeout_ms, &deadline);
		if (err)
			return err;
		/* -EAGAIN: none after all, or a stranger's: look again. */
		err = receive(reg);
		if (err && err != -EAGAIN)
			return err;
	}
}

/* ---- names ---- */

const char *hv_notify_name(uint32_t type)
{
	static const char *const names[] = {
		[HV_NOTIFY_VM_CREATED] = "vm_created",
		[HV_NOTIFY_VM_DESTROYED] = "vm_destroyed",
		[HV_NOTIFY_VCPU_SHUTDOWN] = "vcpu_shutdown",
		[HV_NOTIFY_ENTRY_FAILED] = "entry_failed",
		[HV_NOTIFY_INTERNAL_ERROR] = "internal_error",
		[HV_NOTIFY_VM_STOPPED] = "vm_stopped",
	};

	return type < LIBHV_ARRAY_SIZE(names) ? names[type] : NULL;
}

const char *hv_vm_state_name(uint32_t state)
{
	static const char *const names[] = {
		[HV_VM_STATE_RUNNING] = "running",
		[HV_VM_STATE_HALTED] = "halted",
		[HV_VM_STATE_STOPPED] = "stopped",
	};

	return state < LIBHV_ARRAY_SIZE(names) ? names[state] : NULL;
}

const char *hv_vcpu_state_name(uint32_t state)
{
	static const char *const names[] = {
		[HV_VCPU_STATE_RUNNABLE] = "runnable",
		[HV_VCPU_STATE_HALTED] = "halted",
		[HV_VCPU_STATE_WAIT_SIPI] = "wait_sipi",
	};

	return state < LIBHV_ARRAY_SIZE(names) ? names[state] : NULL;
}
