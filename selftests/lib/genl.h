/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Generic netlink on a raw socket, for the selftests of hv's VM registry
 * (uapi/linux/hv.h, "The VM registry"). No libnl: the tests look at the
 * kernel's messages byte by byte, and build the malformed ones themselves.
 *
 * A struct genl_msg is one request under construction; genl_transact()
 * sends it and reads the answer up to its end (the ACK, NLMSG_DONE or an
 * error), handing each data message to a callback. Attributes are parsed
 * with genl_parse() into a table indexed by type; genl_u32()/genl_u64()
 * read a value and insist on its exact size.
 *
 * Nothing here asserts: every call returns 0 (or a count) or a negative
 * errno, so that threads and forked children can use it too.
 */
#ifndef HV_SELFTEST_GENL_H
#define HV_SELFTEST_GENL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

/* Room for one request: enough for the 64 KiB one of the malformed tests. */
#define GENL_MSG_MAX		(80 * 1024)
/* Receive buffer: a GET_STATS reply of 64 vCPUs is about 18 KiB. */
#define GENL_RECV_MAX		(128 * 1024)

/**
 * struct genl_sock - a NETLINK_GENERIC socket
 * @fd: the socket.
 * @portid: its netlink port id.
 * @seq: sequence number of the last request sent.
 * @recv_size: bytes asked of each recvmsg(); the kernel sizes the parts of
 *	a dump after it (at most 32 KiB), so a small one gives many parts.
 * @timeout_ms: how long genl_transact() waits for each message.
 * @err_msg: the extended ACK's message of the last error, or "".
 * @buf: the receive buffer.
 */
struct genl_sock {
	int fd;
	uint32_t portid;
	uint32_t seq;
	size_t recv_size;
	int timeout_ms;
	char err_msg[256];
	uint8_t buf[GENL_RECV_MAX];
};

/** struct genl_msg - a request being built: the headers, then attributes */
struct genl_msg {
	size_t len;
	uint8_t buf[GENL_MSG_MAX] __attribute__((aligned(NLMSG_ALIGNTO)));
};

#define GENL_MAX_OPS		32
#define GENL_MAX_GROUPS		8

/** struct genl_family - what CTRL_CMD_GETFAMILY says of a family */
struct genl_family {
	uint16_t id;
	uint32_t version;
	uint32_t hdrsize;
	uint32_t maxattr;
	unsigned int nr_ops;
	struct {
		uint32_t cmd;
		uint32_t flags;	/* GENL_CMD_CAP_*, GENL_ADMIN_PERM */
	} ops[GENL_MAX_OPS];
	unsigned int nr_groups;
	struct {
		char name[GENL_NAMSIZ];
		uint32_t id;
	} groups[GENL_MAX_GROUPS];
};

/* Open and bind a socket, with extended ACKs and capped ACKs. 0 or -errno. */
int genl_open(struct genl_sock *s);
void genl_close(struct genl_sock *s);

/* Join (leave) multicast group @group. 0 or -errno. */
int genl_join(struct genl_sock *s, uint32_t group);
int genl_leave(struct genl_sock *s, uint32_t group);

/* Start a request: nlmsghdr of @type and @flags, then genlmsghdr. */
void genl_msg_init(struct genl_msg *m, uint16_t type, uint16_t flags,
		   uint8_t cmd, uint8_t version);
/* Append an attribute; -EMSGSIZE when the message is full. */
int genl_put(struct genl_msg *m, uint16_t type, const void *data,
	     size_t len);
int genl_put_u32(struct genl_msg *m, uint16_t type, uint32_t v);
int genl_put_u64(struct genl_msg *m, uint16_t type, uint64_t v);
int genl_put_str(struct genl_msg *m, uint16_t type, const char *str);
/* Append raw bytes (no attribute header, no alignment): broken messages. */
int genl_put_raw(struct genl_msg *m, const void *data, size_t len);
static inline struct nlmsghdr *genl_msg_hdr(struct genl_msg *m)
{
	return (struct nlmsghdr *)m->buf;
}

/*
 * Send @m (nlmsg_len = m->len) with the next sequence number. Returns the
 * sequence number used (its low 31 bits), or -errno.
 */
int genl_send(struct genl_sock *s, struct genl_msg *m);

/*
 * Receive one datagram into s->buf, waiting at most @timeout_ms (-1:
 * forever). The byte count, -EAGAIN on timeout, -EMSGSIZE when the
 * datagram did not fit in s->recv_size, or -errno.
 */
int genl_recv(struct genl_sock *s, int timeout_ms);

/*
 * Called for each data message of an answer; a non-zero return is kept
 * (the first one) and returned by genl_transact() once the answer is read
 * to its end, so that the socket stays in step.
 */
typedef int (*genl_cb)(const struct nlmsghdr *nlh, void *arg);

/**
 * struct genl_answer - how an answer went, for the tests that look closer
 * @msgs: data messages.
 * @parts: datagrams read.
 * @flags: every nlmsg_flags seen, NLMSG_DONE's included, or'ed together.
 * @done: it ended with NLMSG_DONE (a dump) rather than an ACK or error.
 */
struct genl_answer {
	unsigned int msgs;
	unsigned int parts;
	uint16_t flags;
	bool done;
};

/*
 * Send @m and read its answer: each data message goes to @cb (may be NULL),
 * until an NLMSG_ERROR (an ACK when its error is 0) or NLMSG_DONE. Add
 * NLM_F_ACK to a do request's flags so that its end is known. Returns 0,
 * the kernel's negative error (s->err_msg says why, when it said), the
 * callback's, or -errno (-EAGAIN when the answer stopped coming, -EPROTO
 * when it made no sense). @ans (may be NULL) gets the details.
 */
int genl_transact(struct genl_sock *s, struct genl_msg *m, genl_cb cb,
		  void *arg, struct genl_answer *ans);

/*
 * Read one datagram of the answer to the last request sent (genl_send(),
 * for those who want to act between the parts of a dump): its messages go
 * to @cb and into @ans as in genl_transact(). 1 when the answer ended
 * (*result, which starts at 0, is then genl_transact()'s return value), 0
 * when more is to come, or -errno (-EAGAIN: nothing came in time).
 */
int genl_transact_part(struct genl_sock *s, genl_cb cb, void *arg,
		       struct genl_answer *ans, int *result);

/*
 * Resolve family @name through nlctrl: its id, version, operations and
 * multicast groups. 0, -ENOENT when the kernel has no such family, or
 * another -errno.
 */
int genl_get_family(struct genl_sock *s, const char *name,
		    struct genl_family *f);
/* The id of group @name of @f, or -ENOENT. */
int64_t genl_family_group(const struct genl_family *f, const char *name);
/* The GENL_CMD_CAP_* flags of command @cmd of @f, or -ENOENT. */
int64_t genl_family_op(const struct genl_family *f, uint32_t cmd);

/* ---- parsing ---- */

/* The attributes of a genl message: after the genlmsghdr (no user header). */
static inline const struct nlattr *genl_attrs(const struct nlmsghdr *nlh)
{
	return (const struct nlattr *)((const uint8_t *)NLMSG_DATA(nlh) +
				       GENL_HDRLEN);
}

static inline size_t genl_attrs_len(const struct nlmsghdr *nlh)
{
	return nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
}

static inline const struct genlmsghdr *genl_hdr(const struct nlmsghdr *nlh)
{
	return NLMSG_DATA(nlh);
}

static inline const void *genl_data(const struct nlattr *a)
{
	return (const uint8_t *)a + NLA_HDRLEN;
}

static inline size_t genl_len(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

static inline uint16_t genl_type(const struct nlattr *a)
{
	return a->nla_type & NLA_TYPE_MASK;
}

/* The payload of a nested attribute, as a stream of attributes. */
static inline const struct nlattr *genl_nested(const struct nlattr *a)
{
	return genl_data(a);
}

/*
 * Each attribute of the stream [start, start + len). Walks well-formed
 * attributes only: genl_parse() (or genl_validate()) first.
 */
#define genl_for_each(a, start, len)					\
	for ((a) = (start);						\
	     (size_t)((const uint8_t *)(a) - (const uint8_t *)(start)) + \
		     NLA_HDRLEN <= (len) &&				\
	     (a)->nla_len >= NLA_HDRLEN &&				\
	     (size_t)((const uint8_t *)(a) - (const uint8_t *)(start)) + \
		     (a)->nla_len <= (len);				\
	     (a) = (const struct nlattr *)((const uint8_t *)(a) +	\
					   NLA_ALIGN((a)->nla_len)))

/*
 * Is [start, start + len) a well-formed stream of attributes: each header
 * whole, each length within the stream, nothing left over but alignment
 * padding? 0 or -EINVAL.
 */
int genl_validate(const struct nlattr *start, size_t len);

/*
 * Fill tb[0..max] with the attributes of the stream (NULL where absent,
 * the first one of a type that repeats); types above @max are ignored.
 * -EINVAL for a malformed stream, -EEXIST when a type up to @max comes
 * twice and is not in the mask @multi (bit n: type n may repeat, as
 * padding or a list of nests does).
 */
int genl_parse(const struct nlattr *start, size_t len,
	       const struct nlattr **tb, unsigned int max, uint64_t multi);

/* The value of @a: -ENOENT when @a is NULL, -EINVAL for a wrong size. */
int genl_u32(const struct nlattr *a, uint32_t *v);
int genl_u64(const struct nlattr *a, uint64_t *v);
/*
 * A string attribute: NUL-terminated within the attribute, its length
 * (without the NUL) below @size; copied to @buf. -ENOENT, -EINVAL.
 */
int genl_str(const struct nlattr *a, char *buf, size_t size);

#endif /* HV_SELFTEST_GENL_H */
