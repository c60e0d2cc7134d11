// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink on a raw socket for the selftests (genl.h).
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "genl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK		270
#endif

int genl_open(struct genl_sock *s)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t salen = sizeof(sa);
	int one = 1;

	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (s->fd < 0)
		return -errno;
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(s->fd, (struct sockaddr *)&sa, &salen)) {
		int err = -errno;

		close(s->fd);
		s->fd = -1;
		return err;
	}
	/*
	 * The kernel's reason comes back in an error (NETLINK_EXT_ACK), and
	 * an error quotes the request's header only (NETLINK_CAP_ACK), not
	 * a 64 KiB request in full. Both are optional: without them the
	 * errors are still there.
	 */
	setsockopt(s->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(s->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	s->portid = sa.nl_pid;
	s->seq = (uint32_t)getpid() << 12;
	s->recv_size = GENL_RECV_MAX;
	s->timeout_ms = 10000;
	s->err_msg[0] = 0;
	return 0;
}

void genl_close(struct genl_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

static int genl_membership(struct genl_sock *s, int opt, uint32_t group)
{
	if (setsockopt(s->fd, SOL_NETLINK, opt, &group, sizeof(group)))
		return -errno;
	return 0;
}

int genl_join(struct genl_sock *s, uint32_t group)
{
	return genl_membership(s, NETLINK_ADD_MEMBERSHIP, group);
}

int genl_leave(struct genl_sock *s, uint32_t group)
{
	return genl_membership(s, NETLINK_DROP_MEMBERSHIP, group);
}

void genl_msg_init(struct genl_msg *m, uint16_t type, uint16_t flags,
		   uint8_t cmd, uint8_t version)
{
	struct nlmsghdr *nlh = genl_msg_hdr(m);
	struct genlmsghdr *g = NLMSG_DATA(nlh);

	memset(m->buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	g->cmd = cmd;
	g->version = version;
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
}

int genl_put_raw(struct genl_msg *m, const void *data, size_t len)
{
	if (len > sizeof(m->buf) - m->len)
		return -EMSGSIZE;
	memcpy(m->buf + m->len, data, len);
	m->len += len;
	return 0;
}

int genl_put(struct genl_msg *m, uint16_t type, const void *data,
	     size_t len)
{
	struct nlattr a = { .nla_type = type, .nla_len = NLA_HDRLEN + len };
	size_t pad = NLA_ALIGN(len) - len;
	static const uint8_t zero[NLA_ALIGNTO];

	if (NLA_HDRLEN + NLA_ALIGN(len) > sizeof(m->buf) - m->len ||
	    NLA_HDRLEN + len > UINT16_MAX)
		return -EMSGSIZE;
	genl_put_raw(m, &a, sizeof(a));
	genl_put_raw(m, data, len);
	genl_put_raw(m, zero, pad);
	return 0;
}

int genl_put_u32(struct genl_msg *m, uint16_t type, uint32_t v)
{
	return genl_put(m, type, &v, sizeof(v));
}

int genl_put_u64(struct genl_msg *m, uint16_t type, uint64_t v)
{
	return genl_put(m, type, &v, sizeof(v));
}

int genl_put_str(struct genl_msg *m, uint16_t type, const char *str)
{
	return genl_put(m, type, str, strlen(str) + 1);
}

int genl_send(struct genl_sock *s, struct genl_msg *m)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct nlmsghdr *nlh = genl_msg_hdr(m);
	ssize_t n;

	nlh->nlmsg_len = m->len;
	nlh->nlmsg_seq = ++s->seq;
	nlh->nlmsg_pid = 0;
	n = sendto(s->fd, m->buf, m->len, 0, (struct sockaddr *)&sa,
		   sizeof(sa));
	if (n < 0)
		return -errno;
	if ((size_t)n != m->len)
		return -EIO;
	return (int)(s->seq & 0x7fffffff);
}

int genl_recv(struct genl_sock *s, int timeout_ms)
{
	struct pollfd p = { .fd = s->fd, .events = POLLIN };
	size_t size = s->recv_size < sizeof(s->buf) ? s->recv_size :
						      sizeof(s->buf);
	ssize_t n;
	int r;

	r = poll(&p, 1, timeout_ms);
	if (r < 0)
		return -errno;
	if (r == 0)
		return -EAGAIN;
	n = recv(s->fd, s->buf, size, MSG_TRUNC);
	if (n < 0)
		return -errno;
	if ((size_t)n > size)
		return -EMSGSIZE;
	return (int)n;
}

/* Keep the extended ACK's message of an error, if it has one. */
static void genl_note_extack(struct genl_sock *s, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	const struct nlattr *a, *start;
	size_t off, len;

	s->err_msg[0] = 0;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	/* With NLM_F_CAPPED only the request's header is quoted. */
	off = NLMSG_HDRLEN + sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	off = NLMSG_ALIGN(off);
	if (off > nlh->nlmsg_len)
		return;
	start = (const struct nlattr *)((const uint8_t *)nlh + off);
	len = nlh->nlmsg_len - off;
	if (genl_validate(start, len))
		return;
	genl_for_each(a, start, len) {
		if (genl_type(a) == NLMSGERR_ATTR_MSG)
			genl_str(a, s->err_msg, sizeof(s->err_msg));
	}
}

/* Hand out the messages of one datagram; see genl_transact_part(). */
static int genl_walk(struct genl_sock *s, size_t n, genl_cb cb, void *arg,
		     struct genl_answer *ans, int *result)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)s->buf;
	int left = (int)n;

	for (; NLMSG_OK(nlh, left); nlh = NLMSG_NEXT(nlh, left)) {
		/* Stale answers (of a request that timed out) are skipped. */
		if (nlh->nlmsg_seq != s->seq || nlh->nlmsg_pid != s->portid)
			continue;
		ans->flags |= nlh->nlmsg_flags;
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(nlh);

			if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e))) {
				*result = -EPROTO;
				return 1;
			}
			if (e->error)
				genl_note_extack(s, nlh);
			if (!*result || e->error)
				*result = e->error;
			return 1;
		}
		if (nlh->nlmsg_type == NLMSG_DONE) {
			int err = 0;

			if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
				memcpy(&err, NLMSG_DATA(nlh), sizeof(err));
			ans->done = true;
			if (!*result || err)
				*result = err;
			return 1;
		}
		if (nlh->nlmsg_type == NLMSG_NOOP)
			continue;
		ans->msgs++;
		if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN) {
			*result = *result ? *result : -EPROTO;
			continue;
		}
		if (cb && !*result)
			*result = cb(nlh, arg);
	}
	if (left) {
		*result = -EPROTO;
		return 1;
	}
	return 0;
}

int genl_transact_part(struct genl_sock *s, genl_cb cb, void *arg,
		       struct genl_answer *ans, int *result)
{
	int n = genl_recv(s, s->timeout_ms);

	if (n < 0)
		return n;
	ans->parts++;
	return genl_walk(s, n, cb, arg, ans, result);
}

int genl_transact(struct genl_sock *s, struct genl_msg *m, genl_cb cb,
		  void *arg, struct genl_answer *ans)
{
	struct genl_answer local;
	int r, result = 0;

	if (!ans)
		ans = &local;
	memset(ans, 0, sizeof(*ans));
	s->err_msg[0] = 0;
	r = genl_send(s, m);
	if (r < 0)
		return r;
	do {
		r = genl_transact_part(s, cb, arg, ans, &result);
		if (r < 0)
			return r;
	} while (!r);
	return result;
}

/* ---- nlctrl ---- */

static void genl_family_ops(struct genl_family *f, const struct nlattr *ops)
{
	const struct nlattr *op, *a;

	genl_for_each(op, genl_nested(ops), genl_len(ops)) {
		const struct nlattr *tb[CTRL_ATTR_OP_MAX + 1];
		uint32_t flags = 0;

		if (f->nr_ops == GENL_MAX_OPS ||
		    genl_parse(genl_nested(op), genl_len(op), tb,
			       CTRL_ATTR_OP_MAX, 0))
			continue;
		a = tb[CTRL_ATTR_OP_ID];
		if (genl_u32(a, &f->ops[f->nr_ops].cmd))
			continue;
		genl_u32(tb[CTRL_ATTR_OP_FLAGS], &flags);
		f->ops[f->nr_ops++].flags = flags;
	}
}

static void genl_family_groups(struct genl_family *f,
			       const struct nlattr *grps)
{
	const struct nlattr *g;

	genl_for_each(g, genl_nested(grps), genl_len(grps)) {
		const struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1];
		unsigned int i = f->nr_groups;

		if (i == GENL_MAX_GROUPS ||
		    genl_parse(genl_nested(g), genl_len(g), tb,
			       CTRL_ATTR_MCAST_GRP_MAX, 0) ||
		    genl_str(tb[CTRL_ATTR_MCAST_GRP_NAME], f->groups[i].name,
			     sizeof(f->groups[i].name)) ||
		    genl_u32(tb[CTRL_ATTR_MCAST_GRP_ID], &f->groups[i].id))
			continue;
		f->nr_groups++;
	}
}

static int genl_family_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct genl_family *f = arg;
	const struct nlattr *a;
	int r;

	r = genl_parse(genl_attrs(nlh), genl_attrs_len(nlh), tb, CTRL_ATTR_MAX,
		       0);
	if (r)
		return r;
	a = tb[CTRL_ATTR_FAMILY_ID];
	if (!a || genl_len(a) != sizeof(uint16_t))
		return -EPROTO;
	memcpy(&f->id, genl_data(a), sizeof(f->id));
	if (genl_u32(tb[CTRL_ATTR_VERSION], &f->version))
		return -EPROTO;
	genl_u32(tb[CTRL_ATTR_HDRSIZE], &f->hdrsize);
	genl_u32(tb[CTRL_ATTR_MAXATTR], &f->maxattr);
	if (tb[CTRL_ATTR_OPS])
		genl_family_ops(f, tb[CTRL_ATTR_OPS]);
	if (tb[CTRL_ATTR_MCAST_GROUPS])
		genl_family_groups(f, tb[CTRL_ATTR_MCAST_GROUPS]);
	return 0;
}

int genl_get_family(struct genl_sock *s, const char *name,
		    struct genl_family *f)
{
	struct genl_msg m;
	int r;

	memset(f, 0, sizeof(*f));
	genl_msg_init(&m, GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK,
		      CTRL_CMD_GETFAMILY, 1);
	r = genl_put_str(&m, CTRL_ATTR_FAMILY_NAME, name);
	if (r)
		return r;
	r = genl_transact(s, &m, genl_family_cb, f, NULL);
	if (!r && !f->id)
		return -EPROTO;
	return r;
}

int64_t genl_family_group(const struct genl_family *f, const char *name)
{
	unsigned int i;

	for (i = 0; i < f->nr_groups; i++)
		if (!strcmp(f->groups[i].name, name))
			return f->groups[i].id;
	return -ENOENT;
}

int64_t genl_family_op(const struct genl_family *f, uint32_t cmd)
{
	unsigned int i;

	for (i = 0; i < f->nr_ops; i++)
		if (f->ops[i].cmd == cmd)
			return f->ops[i].flags;
	return -ENOENT;
}

/* ---- parsing ---- */

int genl_validate(const struct nlattr *start, size_t len)
{
	const uint8_t *p = (const uint8_t *)start;
	size_t off = 0;

	while (len - off >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)(p + off);

		if (a->nla_len < NLA_HDRLEN || a->nla_len > len - off)
			return -EINVAL;
		off += NLA_ALIGN(a->nla_len);
		/* The last one's alignment padding may be cut off. */
		if (off > len)
			off = len;
	}
	return off == len ? 0 : -EINVAL;
}

int genl_parse(const struct nlattr *start, size_t len,
	       const struct nlattr **tb, unsigned int max, uint64_t multi)
{
	const struct nlattr *a;
	int r = genl_validate(start, len);

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (r)
		return r;
	genl_for_each(a, start, len) {
		uint16_t type = genl_type(a);

		if (type > max)
			continue;
		if (tb[type]) {
			if (type < 64 && (multi & (1ULL << type)))
				continue;
			return -EEXIST;
		}
		tb[type] = a;
	}
	return 0;
}

/* An attribute of exactly @size bytes, copied to @v. */
static int genl_fixed(const struct nlattr *a, void *v, size_t size)
{
	if (!a)
		return -ENOENT;
	if (genl_len(a) != size)
		return -EINVAL;
	memcpy(v, genl_data(a), size);
	return 0;
}

int genl_u32(const struct nlattr *a, uint32_t *v)
{
	return genl_fixed(a, v, sizeof(*v));
}

int genl_u64(const struct nlattr *a, uint64_t *v)
{
	return genl_fixed(a, v, sizeof(*v));
}

int genl_str(const struct nlattr *a, char *buf, size_t size)
{
	const char *s;
	size_t n;

	if (!a)
		return -ENOENT;
	s = genl_data(a);
	n = strnlen(s, genl_len(a));
	if (n == genl_len(a) || n >= size)
		return -EINVAL;
	memcpy(buf, s, n + 1);
	return 0;
}
