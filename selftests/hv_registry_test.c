// SPDX-License-Identifier: GPL-2.0
/*
 * The VM registry (uapi/linux/hv.h, "The VM registry"; docs/API.md): the
 * generic netlink family "hv" spoken on a raw socket (lib/genl.h, no
 * libnl, so that these tests see the kernel's own bytes), HV_VM_SET_NAME,
 * HV_CAP_REGISTRY, the counters of HV_CMD_GET_STATS against
 * HV_VCPU_GET_STATS, vCPU and VM states, HV_CMD_STOP_VM, who sees which VM,
 * the "events" group, malformed requests, and dumps while VMs come and go.
 *
 * VMs are found in the registry by a name the test gives them (and the
 * test's pid): the registry is the only place that says a VM's id. The
 * tests that need a second uid, the power to stop a VM or (on Linux 5.18
 * to 6.7) the events group need root and skip without it.
 *
 * hv only: KVM has no registry; every test skips on KVM.
 */
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include "genl.h"
#include "test_util.h"

#define NOBODY			65534
/* vCPU ids the parser takes (HV_MAX_VCPUS of the module is 64). */
#define MAX_VCPUS		64
/* An I/O port no test uses for anything else: OUT exits only. */
#define COUNT_PORT		0x80
#define NSEC_PER_SEC		1000000000ULL
#define X86_EFLAGS_VM		(1ULL << 17)

#define BIT64(n)		(1ULL << (n))
/* The attributes of HV_CMD_GET_VM, each exactly once. */
#define VM_ATTRS	(BIT64(HV_A_VM_ID) | BIT64(HV_A_VM_NAME) | \
			 BIT64(HV_A_VM_PID) | BIT64(HV_A_VM_UID) | \
			 BIT64(HV_A_VM_NR_VCPUS) | BIT64(HV_A_VM_MEMORY) | \
			 BIT64(HV_A_VM_CREATED) | BIT64(HV_A_VM_STATE))
/* The VM's attributes in a notification. */
#define NOTE_VM_ATTRS	(BIT64(HV_A_VM_ID) | BIT64(HV_A_VM_NAME) | \
			 BIT64(HV_A_VM_PID) | BIT64(HV_A_VM_UID))

/* Why the last parse failed, for the assertion's message. */
static __thread char why[256];

#define BAD(fmt, ...) ({ \
	snprintf(why, sizeof(why), fmt, ##__VA_ARGS__); \
	-EBADMSG; \
})

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/* The calling thread's comm: the name a new VM gets. */
static void get_comm(char buf[16])
{
	memset(buf, 0, 16);
	prctl(PR_GET_NAME, buf);
}

static bool is_root(void)
{
	return geteuid() == 0;
}

#define REQUIRE_ROOT(what) do { \
	if (!is_root()) \
		SKIP_TEST("%s needs root", what); \
} while (0)

/* ---- the registry: a socket and the family ---- */

struct reg {
	int dev;			/* /dev/hv */
	struct genl_family fam;
	struct genl_sock s;
};

static void __reg_open(struct __test_metadata *_metadata, struct reg *r)
{
	long v;
	int err;

	r->s.fd = -1;
	SKIP_ON_KVM("the VM registry (KVM has no generic netlink family "
		    "\"hv\")");
	r->dev = open_dev_hv(_metadata);
	v = hv_ioctl(r->dev, HV_CHECK_CAP, HV_CAP_REGISTRY);
	if (v == 0)
		SKIP_TEST("hv.ko has no VM registry (HV_CAP_REGISTRY is 0)");
	ASSERT_EQ(HV_GENL_VERSION, v);
	err = genl_open(&r->s);
	ASSERT_EQ(0, err) TH_LOG("netlink socket: %s", strerror(-err));
	err = genl_get_family(&r->s, HV_GENL_NAME, &r->fam);
	ASSERT_EQ(0, err) TH_LOG("CTRL_CMD_GETFAMILY \"%s\": %s (%s)",
				 HV_GENL_NAME, strerror(-err), r->s.err_msg);
}
#define reg_open(r)	__reg_open(_metadata, r)

static void reg_close(struct reg *r)
{
	genl_close(&r->s);
	if (r->dev >= 0)
		close(r->dev);
	r->dev = -1;
}

/* ---- parsing the family's messages ---- */

struct vm_rec {
	uint32_t id, pid, uid, nr_vcpus, state;
	uint64_t memory, created;
	char name[HV_VM_NAME_SIZE];
};

struct vcpu_rec {
	uint32_t id, state;
	uint64_t stats[HV_STAT_NR];
};

struct vm_stats {
	struct vm_rec vm;
	uint64_t total[HV_STAT_NR];
	unsigned int nr_vcpus;
	struct vcpu_rec vcpu[MAX_VCPUS];
};

/* A message of the family: its type, command and version. */
static int check_genl_hdr(const struct nlmsghdr *nlh, uint16_t family,
			  uint8_t cmd)
{
	const struct genlmsghdr *g = genl_hdr(nlh);

	if (nlh->nlmsg_type != family)
		return BAD("message type %u, not the family's %u",
			   nlh->nlmsg_type, family);
	if (g->cmd != cmd)
		return BAD("command %u, expected %u", g->cmd, cmd);
	if (g->version != HV_GENL_VERSION)
		return BAD("version %u in the genl header", g->version);
	return 0;
}

/*
 * The attributes of the stream, each type in @allowed exactly once but
 * those in @multi (any number of times); any other type is an error.
 */
static int parse_strict(const struct nlattr *start, size_t len,
			const struct nlattr **tb, uint64_t allowed,
			uint64_t multi)
{
	const struct nlattr *a;
	int r = genl_parse(start, len, tb, HV_A_MAX, multi);

	if (r == -EEXIST)
		return BAD("an attribute comes twice");
	if (r)
		return BAD("malformed attributes");
	genl_for_each(a, start, len) {
		if (genl_type(a) > HV_A_MAX ||
		    !((allowed | multi) & BIT64(genl_type(a))))
			return BAD("unexpected attribute %u", genl_type(a));
	}
	return 0;
}

static int parse_vm_attrs(const struct nlattr **tb, struct vm_rec *v,
			  uint64_t need)
{
	static const struct {
		int type;
		const char *name;
		size_t off;
	} u32s[] = {
		{ HV_A_VM_ID, "HV_A_VM_ID", offsetof(struct vm_rec, id) },
		{ HV_A_VM_PID, "HV_A_VM_PID", offsetof(struct vm_rec, pid) },
		{ HV_A_VM_UID, "HV_A_VM_UID", offsetof(struct vm_rec, uid) },
		{ HV_A_VM_NR_VCPUS, "HV_A_VM_NR_VCPUS",
		  offsetof(struct vm_rec, nr_vcpus) },
		{ HV_A_VM_STATE, "HV_A_VM_STATE",
		  offsetof(struct vm_rec, state) },
	}, u64s[] = {
		{ HV_A_VM_MEMORY, "HV_A_VM_MEMORY",
		  offsetof(struct vm_rec, memory) },
		{ HV_A_VM_CREATED, "HV_A_VM_CREATED",
		  offsetof(struct vm_rec, created) },
	};
	unsigned int i;

	memset(v, 0, sizeof(*v));
	for (i = 0; i < sizeof(u32s) / sizeof(u32s[0]); i++) {
		if (!(need & BIT64(u32s[i].type)))
			continue;
		if (genl_u32(tb[u32s[i].type],
			     (uint32_t *)((char *)v + u32s[i].off)))
			return BAD("%s missing or not 4 bytes", u32s[i].name);
	}
	for (i = 0; i < sizeof(u64s) / sizeof(u64s[0]); i++) {
		if (!(need & BIT64(u64s[i].type)))
			continue;
		if (genl_u64(tb[u64s[i].type],
			     (uint64_t *)((char *)v + u64s[i].off)))
			return BAD("%s missing or not 8 bytes", u64s[i].name);
	}
	if ((need & BIT64(HV_A_VM_NAME)) &&
	    genl_str(tb[HV_A_VM_NAME], v->name, sizeof(v->name)))
		return BAD("HV_A_VM_NAME missing, not NUL-terminated or longer "
			   "than %d bytes", HV_VM_NAME_SIZE - 1);
	return 0;
}

/* An HV_CMD_GET_VM message (a dump's or a doit's reply). */
static int parse_vm_msg(const struct nlmsghdr *nlh, uint16_t family,
			struct vm_rec *v)
{
	const struct nlattr *tb[HV_A_MAX + 1];
	int r = check_genl_hdr(nlh, family, HV_CMD_GET_VM);

	if (!r)
		r = parse_strict(genl_attrs(nlh), genl_attrs_len(nlh), tb,
				 VM_ATTRS, BIT64(HV_A_PAD));
	if (!r)
		r = parse_vm_attrs(tb, v, VM_ATTRS);
	return r;
}

/* An HV_A_STATS nest: every counter exactly once; type 0 pads. */
static int parse_stats(const struct nlattr *nest, uint64_t *count)
{
	const struct nlattr *a;
	uint64_t seen = 0;

	if (genl_validate(genl_nested(nest), genl_len(nest)))
		return BAD("malformed HV_A_STATS");
	genl_for_each(a, genl_nested(nest), genl_len(nest)) {
		unsigned int t = genl_type(a);

		if (t == 0)
			continue;
		if (t > HV_STAT_NR)
			return BAD("counter type %u beyond HV_STAT_NR", t);
		if (seen & BIT64(t - 1))
			return BAD("counter %u twice", t - 1);
		if (genl_u64(a, &count[t - 1]))
			return BAD("counter %u not 8 bytes", t - 1);
		seen |= BIT64(t - 1);
	}
	if (seen != BIT64(HV_STAT_NR) - 1)
		return BAD("counters missing: seen 0x%llx",
			   (unsigned long long)seen);
	return 0;
}

static int parse_vcpu(const struct nlattr *nest, struct vcpu_rec *c)
{
	const struct nlattr *tb[HV_A_MAX + 1];
	int r;

	r = parse_strict(genl_nested(nest), genl_len(nest), tb,
			 BIT64(HV_A_VCPU_ID) | BIT64(HV_A_VCPU_STATE) |
			 BIT64(HV_A_STATS), 0);
	if (r)
		return r;
	if (genl_u32(tb[HV_A_VCPU_ID], &c->id) ||
	    genl_u32(tb[HV_A_VCPU_STATE], &c->state))
		return BAD("HV_A_VCPU_ID or HV_A_VCPU_STATE missing or not "
			   "4 bytes");
	if (!tb[HV_A_STATS])
		return BAD("vCPU %u has no HV_A_STATS", c->id);
	return parse_stats(tb[HV_A_STATS], c->stats);
}

/*
 * An HV_CMD_GET_STATS reply: the VM, HV_A_STATS, then the vCPUs in
 * ascending id order.
 */
static int parse_stats_msg(const struct nlmsghdr *nlh, uint16_t family,
			   struct vm_stats *st)
{
	const struct nlattr *tb[HV_A_MAX + 1], *a;
	bool totals_seen = false;
	int r;

	memset(st, 0, sizeof(*st));
	r = check_genl_hdr(nlh, family, HV_CMD_GET_STATS);
	if (!r)
		r = parse_strict(genl_attrs(nlh), genl_attrs_len(nlh), tb,
				 VM_ATTRS | BIT64(HV_A_STATS),
				 BIT64(HV_A_PAD) | BIT64(HV_A_VCPU));
	if (!r)
		r = parse_vm_attrs(tb, &st->vm, VM_ATTRS);
	if (r)
		return r;
	if (!tb[HV_A_STATS])
		return BAD("no HV_A_STATS");
	genl_for_each(a, genl_attrs(nlh), genl_attrs_len(nlh)) {
		struct vcpu_rec *c = &st->vcpu[st->nr_vcpus];

		if (genl_type(a) == HV_A_STATS) {
			r = parse_stats(a, st->total);
			if (r)
				return r;
			totals_seen = true;
		}
		if (genl_type(a) != HV_A_VCPU)
			continue;
		if (!totals_seen)
			return BAD("an HV_A_VCPU before HV_A_STATS");
		if (st->nr_vcpus == MAX_VCPUS)
			return BAD("more than %d HV_A_VCPU", MAX_VCPUS);
		r = parse_vcpu(a, c);
		if (r)
			return r;
		if (st->nr_vcpus && c->id <= c[-1].id)
			return BAD("vCPU %u after vCPU %u", c->id, c[-1].id);
		st->nr_vcpus++;
	}
	return 0;
}

/* ---- requests ---- */

/* A request of the family, with HV_A_VM_ID = *id unless @id is NULL. */
static void msg_init(struct genl_msg *m, struct reg *r, uint8_t cmd,
		     uint16_t flags, const uint32_t *id)
{
	genl_msg_init(m, r->fam.id, NLM_F_REQUEST | flags, cmd,
		      HV_GENL_VERSION);
	if (id)
		genl_put_u32(m, HV_A_VM_ID, *id);
}

struct one_reply {
	uint16_t family;
	uint8_t cmd;
	unsigned int n;
	struct vm_rec vm;
	struct vm_stats *st;
};

static int one_reply_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct one_reply *o = arg;

	if (o->n++)
		return BAD("more than one reply");
	if (o->cmd == HV_CMD_GET_STATS)
		return parse_stats_msg(nlh, o->family, o->st);
	return parse_vm_msg(nlh, o->family, &o->vm);
}

/* HV_CMD_GET_VM doit: 0, or the error (-EBADMSG: see why). */
static int get_vm(struct reg *r, const uint32_t *id, struct vm_rec *v)
{
	struct one_reply o = { .family = r->fam.id, .cmd = HV_CMD_GET_VM };
	struct genl_msg m;
	int err;

	msg_init(&m, r, HV_CMD_GET_VM, NLM_F_ACK, id);
	err = genl_transact(&r->s, &m, one_reply_cb, &o, NULL);
	if (!err && o.n != 1)
		err = BAD("no reply before the ACK");
	if (!err && v)
		*v = o.vm;
	return err;
}

static int get_stats(struct reg *r, const uint32_t *id, struct vm_stats *st)
{
	struct one_reply o = {
		.family = r->fam.id, .cmd = HV_CMD_GET_STATS, .st = st,
	};
	struct genl_msg m;
	int err;

	msg_init(&m, r, HV_CMD_GET_STATS, NLM_F_ACK, id);
	err = genl_transact(&r->s, &m, one_reply_cb, &o, NULL);
	if (!err && o.n != 1)
		err = BAD("no reply before the ACK");
	return err;
}

static int no_reply_cb(const struct nlmsghdr *nlh, void *arg)
{
	(void)nlh;
	(void)arg;
	return BAD("a reply to HV_CMD_STOP_VM");
}

static int stop_vm(struct reg *r, const uint32_t *id)
{
	struct genl_msg m;

	msg_init(&m, r, HV_CMD_STOP_VM, NLM_F_ACK, id);
	return genl_transact(&r->s, &m, no_reply_cb, NULL, NULL);
}

/* ---- dumps ---- */

struct vm_list {
	uint16_t family;
	unsigned int n, cap;
	struct vm_rec *v;
};

static int dump_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct vm_list *l = arg;
	int r;

	if (l->n == l->cap) {
		unsigned int cap = l->cap ? 2 * l->cap : 64;
		struct vm_rec *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	r = parse_vm_msg(nlh, l->family, &l->v[l->n]);
	if (!r)
		l->n++;
	return r;
}

/* HV_CMD_GET_VM dump into @l (emptied first): 0 or an error. */
static int dump_vms(struct reg *r, struct genl_sock *s, struct vm_list *l,
		    struct genl_answer *ans)
{
	struct genl_msg m;

	l->family = r->fam.id;
	l->n = 0;
	msg_init(&m, r, HV_CMD_GET_VM, NLM_F_DUMP, NULL);
	return genl_transact(s ? s : &r->s, &m, dump_cb, l, ans);
}

/* Ids strictly ascending (sorted, no duplicates)? */
static int check_sorted(const struct vm_list *l)
{
	unsigned int i;

	for (i = 1; i < l->n; i++)
		if (l->v[i].id <= l->v[i - 1].id)
			return BAD("id %u after id %u at %u", l->v[i].id,
				   l->v[i - 1].id, i);
	return 0;
}

/* A dump that must work and be consistent (nothing changes meanwhile). */
static void __dump(struct __test_metadata *_metadata, struct reg *r,
		   struct vm_list *l)
{
	struct genl_answer ans;
	int err = dump_vms(r, NULL, l, &ans);

	ASSERT_EQ(0, err) TH_LOG("HV_CMD_GET_VM dump: %s (%s) %s",
				 strerror(-err), r->s.err_msg, why);
	ASSERT_TRUE(ans.done) TH_LOG("the dump did not end in NLMSG_DONE");
	ASSERT_EQ(0, check_sorted(l)) TH_LOG("dump: %s", why);
	ASSERT_FALSE(ans.flags & NLM_F_DUMP_INTR)
		TH_LOG("NLM_F_DUMP_INTR while no VM came or went");
}
#define dump(r, l)	__dump(_metadata, r, l)

static const struct vm_rec *find_id(const struct vm_list *l, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].id == id)
			return &l->v[i];
	return NULL;
}

/* The VMs of this process named @name: how many, and the first. */
static unsigned int find_named(const struct vm_list *l, const char *name,
			       const struct vm_rec **out)
{
	unsigned int i, n = 0;

	*out = NULL;
	for (i = 0; i < l->n; i++) {
		if (l->v[i].pid != (uint32_t)getpid() ||
		    strcmp(l->v[i].name, name))
			continue;
		if (!n++)
			*out = &l->v[i];
	}
	return n;
}

static unsigned int count_pid(const struct vm_list *l, pid_t pid)
{
	unsigned int i, n = 0;

	for (i = 0; i < l->n; i++)
		n += l->v[i].pid == (uint32_t)pid;
	return n;
}

/* An id no VM in @l has (seen by root: no VM at all has it). */
static uint32_t unused_id(const struct vm_list *l)
{
	uint32_t id = 0x7ffffff0;

	while (find_id(l, id))
		id--;
	return id;
}

/* ---- VMs ---- */

static int set_name_raw(int vm, const struct hv_vm_name *n)
{
	return hv_ioctl(vm, HV_VM_SET_NAME, n);
}

static int set_name(int vm, const char *name)
{
	struct hv_vm_name n;

	memset(&n, 0, sizeof(n));
	strncpy(n.name, name, sizeof(n.name) - 1);
	return set_name_raw(vm, &n);
}

/* A name unique to this process and @tag. */
static void unique_name(char *buf, const char *tag)
{
	static unsigned int n;

	snprintf(buf, HV_VM_NAME_SIZE, "reg-%s-%d-%u", tag, getpid(), n++);
}

/* Name VM fd @vm uniquely after @tag and return its id. */
static uint32_t __name_vm(struct __test_metadata *_metadata, struct reg *r,
			  int vm, const char *tag, char *name)
{
	const struct vm_rec *v;
	struct vm_list l = { 0 };
	uint32_t id;

	unique_name(name, tag);
	ASSERT_EQ(0, set_name(vm, name));
	dump(r, &l);
	ASSERT_EQ(1, find_named(&l, name, &v))
		TH_LOG("VM \"%s\" not once in the dump", name);
	id = v->id;
	free(l.v);
	return id;
}
#define name_vm(r, vm, tag, name)	__name_vm(_metadata, r, vm, tag, name)

/* A VM of raw ioctls: memory slots and vCPUs, no guest. */
struct raw_vm {
	int fd;
	unsigned int nr_vcpus, nr_slots;
	int vcpu[4];
	void *mem[4];
	uint64_t size[4];
	uint64_t memory;
};

static void __raw_vm_create(struct __test_metadata *_metadata, int dev,
			    struct raw_vm *v)
{
	memset(v, 0, sizeof(*v));
	v->fd = hv_ioctl(dev, HV_CREATE_VM, 0);
	ASSERT_LE(0, v->fd) TH_LOG("HV_CREATE_VM: %s", strerror(-v->fd));
}
#define raw_vm_create(dev, v)	__raw_vm_create(_metadata, dev, v)

static void __raw_vm_slot(struct __test_metadata *_metadata,
			  struct raw_vm *v, uint64_t gpa, uint64_t size)
{
	struct hv_memslot s = {
		.slot = v->nr_slots, .gpa = gpa, .size = size,
	};
	void *mem;

	ASSERT_GT(4, v->nr_slots);
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	s.uaddr = (uintptr_t)mem;
	ASSERT_EQ(0, hv_ioctl(v->fd, HV_VM_SET_MEMSLOT, &s));
	v->mem[v->nr_slots] = mem;
	v->size[v->nr_slots++] = size;
	v->memory += size;
}
#define raw_vm_slot(v, gpa, size)	__raw_vm_slot(_metadata, v, gpa, size)

static void __raw_vm_vcpu(struct __test_metadata *_metadata,
			  struct raw_vm *v, uint32_t id)
{
	int fd;

	ASSERT_GT(4, v->nr_vcpus);
	fd = hv_ioctl(v->fd, HV_VM_CREATE_VCPU, id);
	ASSERT_LE(0, fd) TH_LOG("HV_VM_CREATE_VCPU %u: %s", id, strerror(-fd));
	v->vcpu[v->nr_vcpus++] = fd;
}
#define raw_vm_vcpu(v, id)	__raw_vm_vcpu(_metadata, v, id)

static void raw_vm_close(struct raw_vm *v)
{
	unsigned int i;

	for (i = 0; i < v->nr_vcpus; i++)
		if (v->vcpu[i] >= 0)
			close(v->vcpu[i]);
	if (v->fd >= 0)
		close(v->fd);
	for (i = 0; i < v->nr_slots; i++)
		munmap(v->mem[i], v->size[i]);
	v->fd = -1;
	v->nr_vcpus = v->nr_slots = 0;
}

/* ---- guest code ---- */

/* CPUID @ncpuid times, OUT to COUNT_PORT @nout times, HLT, done. */
static GUEST_CODE void guest_count(uint64_t ncpuid, uint64_t nout)
{
	uint32_t a, b, c, d;
	uint64_t i;

	for (i = 0; i < ncpuid; i++)
		guest_cpuid(0, 0, &a, &b, &c, &d);
	for (i = 0; i < nout; i++)
		guest_outb(COUNT_PORT, i);
	asm volatile("hlt" : : : "memory");
	GUEST_DONE();
}

static volatile uint64_t spin_count;

/* Never leaves the guest by itself (RFLAGS.IF is clear: no HLT either). */
static GUEST_CODE void guest_spin(void)
{
	for (;;)
		spin_count++;
}

/* Interrupts on, none ever comes: HLT waits in the kernel for good. */
static GUEST_CODE void guest_halt(void)
{
	for (;;)
		guest_sti_hlt();
}

static GUEST_CODE void guest_ud2(void)
{
	asm volatile("ud2");
	GUEST_FAIL("ud2 returned");
}

static GUEST_CODE void guest_done(void)
{
	GUEST_DONE();
}

/* A read-modify-write on MMIO, which hv's emulator refuses. */
static GUEST_CODE void guest_mmio_rmw(void)
{
	asm volatile("lock incl (%0)" : : "r"(GUEST_MMIO_GPA) : "memory");
	GUEST_FAIL("lock incl on MMIO completed");
}

/* No IDT: the guest's first exception ends in a triple fault. */
static void __no_idt(struct __test_metadata *_metadata, struct hv_vcpu *vcpu)
{
	struct hv_sregs s;

	ASSERT_OK(hv_vcpu_get_sregs(vcpu, &s));
	s.idt.base = 0;
	s.idt.limit = 0;
	ASSERT_OK(hv_vcpu_set_sregs(vcpu, &s));
}
#define no_idt(vcpu)	__no_idt(_metadata, vcpu)

/*
 * One HV_VCPU_RUN in a thread of its own, as a raw ioctl: its return
 * value, errno and exit reason.
 */
struct runner {
	struct hv_vcpu *vcpu;
	pthread_t thread;
	int done;
	int ret, err;
	uint32_t exit_reason;
};

static void *runner_fn(void *arg)
{
	struct runner *r = arg;

	r->ret = ioctl(hv_vcpu_fd(r->vcpu), HV_VCPU_RUN, 0);
	r->err = errno;
	r->exit_reason = hv_vcpu_run_page(r->vcpu)->exit_reason;
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void __runner_start(struct __test_metadata *_metadata,
			   struct runner *r, struct hv_vcpu *vcpu)
{
	memset(r, 0, sizeof(*r));
	r->vcpu = vcpu;
	ASSERT_EQ(0, pthread_create(&r->thread, NULL, runner_fn, r));
}
#define runner_start(r, vcpu)	__runner_start(_metadata, r, vcpu)

/* Wait up to @ms for the thread's RUN to return; joined if it did. */
static bool runner_wait(struct runner *r, int ms)
{
	int i;

	for (i = 0; i < ms; i++) {
		if (__atomic_load_n(&r->done, __ATOMIC_ACQUIRE)) {
			pthread_join(r->thread, NULL);
			return true;
		}
		usleep(1000);
	}
	return false;
}

/* Kick the thread's vCPU out of RUN (10 s at most) and join it. */
static bool runner_stop(struct runner *r)
{
	int i;

	for (i = 0; i < 1000; i++) {
		hv_vcpu_kick(r->vcpu);
		if (runner_wait(r, 10))
			return true;
	}
	return false;
}

/* Wait (10 s at most) until the guest's spin_count moves. */
static bool wait_spinning(struct hv_vm *vm)
{
	int i;

	for (i = 0; i < 10000; i++) {
		if (GUEST_VAR(vm, spin_count))
			return true;
		usleep(1000);
	}
	return false;
}

/* ---- the family ---- */

FIXTURE(registry) {
	struct reg r;
};

FIXTURE_SETUP(registry)
{
	reg_open(&self->r);
}

FIXTURE_TEARDOWN(registry)
{
	reg_close(&self->r);
}

TEST_F(registry, cap_is_genl_version)
{
	ASSERT_EQ(HV_GENL_VERSION,
		  hv_ioctl(self->r.dev, HV_CHECK_CAP, HV_CAP_REGISTRY));
}

TEST_F(registry, family_version)
{
	EXPECT_NE(0, self->r.fam.id);
	EXPECT_EQ(HV_GENL_VERSION, self->r.fam.version);
	EXPECT_EQ(0, self->r.fam.hdrsize);
	EXPECT_EQ(HV_A_MAX, self->r.fam.maxattr);
}

/* Exactly the three commands, GET_VM the only one that dumps. */
TEST_F(registry, family_operations)
{
	static const struct {
		uint32_t cmd;
		uint32_t caps;
	} want[] = {
		{ HV_CMD_GET_VM, GENL_CMD_CAP_DO | GENL_CMD_CAP_DUMP },
		{ HV_CMD_GET_STATS, GENL_CMD_CAP_DO },
		{ HV_CMD_STOP_VM, GENL_CMD_CAP_DO },
	};
	const uint32_t caps = GENL_CMD_CAP_DO | GENL_CMD_CAP_DUMP;
	unsigned int i;

	EXPECT_EQ(3, self->r.fam.nr_ops);
	for (i = 0; i < 3; i++) {
		int64_t flags = genl_family_op(&self->r.fam, want[i].cmd);

		ASSERT_LE(0, flags) TH_LOG("command %u missing", want[i].cmd);
		EXPECT_EQ(want[i].caps, flags & caps)
			TH_LOG("command %u: flags 0x%llx", want[i].cmd,
			       (unsigned long long)flags);
	}
	EXPECT_GT(0, genl_family_op(&self->r.fam, HV_CMD_NOTIFY))
		TH_LOG("HV_CMD_NOTIFY is the kernel's to send, not a request");
}

TEST_F(registry, family_events_group)
{
	EXPECT_EQ(1, self->r.fam.nr_groups);
	EXPECT_LT(0, genl_family_group(&self->r.fam, HV_GENL_MCGRP_EVENTS))
		TH_LOG("no multicast group \"%s\"", HV_GENL_MCGRP_EVENTS);
}

/* The family lives in the initial network namespace only. */
TEST(family_absent_in_other_netns)
{
	struct genl_family *f = malloc(sizeof(*f));
	struct reg r;
	int err;

	reg_open(&r);
	REQUIRE_ROOT("a network namespace of its own");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(0, unshare(CLONE_NEWNET)) TH_LOG("unshare: %s",
						   strerror(errno));
	genl_close(&r.s);
	ASSERT_EQ(0, genl_open(&r.s));
	/* nlctrl answers there: the socket works. */
	ASSERT_EQ(0, genl_get_family(&r.s, "nlctrl", f));
	err = genl_get_family(&r.s, HV_GENL_NAME, f);
	EXPECT_EQ(-ENOENT, err) TH_LOG("family \"hv\" in a new netns: %s",
				       strerror(-err));
	free(f);
	reg_close(&r);
}

/* ---- names ---- */

FIXTURE(name) {
	struct reg r;
	struct raw_vm vm;
	uint32_t id;
	char comm[16];
};

FIXTURE_SETUP(name)
{
	struct vm_list l = { 0 };
	const struct vm_rec *v = NULL;
	unsigned int i;

	self->vm.fd = -1;
	reg_open(&self->r);
	get_comm(self->comm);
	raw_vm_create(self->r.dev, &self->vm);
	/* Unnamed yet: it is this process' only VM. */
	dump(&self->r, &l);
	ASSERT_EQ(1, count_pid(&l, getpid()));
	for (i = 0; i < l.n; i++)
		if (l.v[i].pid == (uint32_t)getpid())
			v = &l.v[i];
	self->id = v->id;
	free(l.v);
}

FIXTURE_TEARDOWN(name)
{
	raw_vm_close(&self->vm);
	reg_close(&self->r);
}

/* The name HV_CMD_GET_VM shows now. */
static const char *__shown_name(struct __test_metadata *_metadata,
				struct reg *r, uint32_t id)
{
	static struct vm_rec v;
	int err = get_vm(r, &id, &v);

	EXPECT_EQ(0, err) TH_LOG("HV_CMD_GET_VM %u: %s %s", id,
				 strerror(-err), why);
	return err ? "" : v.name;
}
#define shown_name(id)	__shown_name(_metadata, &self->r, id)

TEST_F(name, default_is_creator_comm)
{
	struct raw_vm second;
	struct vm_list l = { 0 };
	const struct vm_rec *v;

	ASSERT_STREQ(self->comm, shown_name(self->id));
	/* The comm at creation: a later one names the next VM only. */
	ASSERT_EQ(0, prctl(PR_SET_NAME, "hvreg-comm"));
	raw_vm_create(self->r.dev, &second);
	prctl(PR_SET_NAME, self->comm);
	dump(&self->r, &l);
	EXPECT_EQ(1, find_named(&l, "hvreg-comm", &v));
	EXPECT_STREQ(self->comm, shown_name(self->id));
	raw_vm_close(&second);
	free(l.v);
}

TEST_F(name, good_names_shown)
{
	static const char *const names[] = {
		"a",
		"web-01_test.vm",
		" spaces and ~!@#$%^&*()[]{}<>?/\\|'\"` ",
		/* Bytes above 0x7f (UTF-8 here) are allowed. */
		"caf\xc3\xa9 \xe2\x9c\x93",
		/* 63 bytes, the most. */
		"1234567890123456789012345678901234567890"
		"12345678901234567890123",
	};
	struct vm_list l = { 0 };
	const struct vm_rec *v;
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		ASSERT_EQ(0, set_name(self->vm.fd, names[i]))
			TH_LOG("HV_VM_SET_NAME \"%s\"", names[i]);
		EXPECT_STREQ(names[i], shown_name(self->id));
	}
	/* The dump shows it too. */
	dump(&self->r, &l);
	ASSERT_EQ(1, find_named(&l, names[i - 1], &v));
	EXPECT_EQ(self->id, v->id);
	free(l.v);
}

/* A name that is not 1..63 bytes of 0x20..0x7e/0x80..0xff, NUL, zeros. */
TEST_F(name, bad_names_einval)
{
	static const struct {
		const char *what;
		const char *bytes;	/* then zeros */
		int fill;		/* or: this byte everywhere */
		int at, byte;		/* then this byte at @at, if @at */
	} bad[] = {
		{ "empty", "", 0, 0, 0 },
		{ "no NUL in 64 bytes", NULL, 'x', 0, 0 },
		{ "0x01", "ab\x01" "cd", 0, 0, 0 },
		{ "tab", "a\tb", 0, 0, 0 },
		{ "newline", "line\n", 0, 0, 0 },
		{ "escape", "\x1b[31mred", 0, 0, 0 },
		{ "0x1f", "\x1f", 0, 0, 0 },
		{ "DEL (0x7f)", "a\x7f", 0, 0, 0 },
		{ "a byte after the NUL", "abc", 0, 5, 'x' },
		{ "a byte at the very end", "abc", 0, 63, 'x' },
	};
	struct hv_vm_name n;
	unsigned int i;

	ASSERT_EQ(0, set_name(self->vm.fd, "good"));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&n, bad[i].fill, sizeof(n));
		if (bad[i].bytes)
			strcpy(n.name, bad[i].bytes);
		if (bad[i].at)
			n.name[bad[i].at] = bad[i].byte;
		EXPECT_EQ(-EINVAL, set_name_raw(self->vm.fd, &n))
			TH_LOG("name %s accepted", bad[i].what);
		EXPECT_STREQ("good", shown_name(self->id))
			TH_LOG("after name %s", bad[i].what);
	}
	EXPECT_EQ(-EFAULT, hv_ioctl(self->vm.fd, HV_VM_SET_NAME, NULL));
}

/* ---- listing VMs ---- */

FIXTURE(vms) {
	struct reg r;
	struct raw_vm vm[3];
	char name[3][HV_VM_NAME_SIZE];
	uint64_t t0, t1;
};

/*
 * Three VMs: 0 vCPUs and two slots, 1 vCPU and one slot, 2 vCPUs (ids 0
 * and 3) and three slots, created between t0 and t1.
 */
FIXTURE_SETUP(vms)
{
	unsigned int i;

	for (i = 0; i < 3; i++)
		self->vm[i].fd = -1;
	reg_open(&self->r);
	if (hv_ioctl(self->r.dev, HV_CHECK_CAP, HV_CAP_NR_MEMSLOTS) < 3)
		SKIP_TEST("fewer than 3 memory slots");
	self->t0 = realtime_ns();
	raw_vm_create(self->r.dev, &self->vm[0]);
	raw_vm_slot(&self->vm[0], 0, 2 * PAGE_SIZE);
	raw_vm_slot(&self->vm[0], 0x100000, 16 * PAGE_SIZE);
	raw_vm_create(self->r.dev, &self->vm[1]);
	raw_vm_slot(&self->vm[1], 0, 256 * 1024);
	raw_vm_vcpu(&self->vm[1], 0);
	raw_vm_create(self->r.dev, &self->vm[2]);
	raw_vm_slot(&self->vm[2], 0, PAGE_SIZE);
	raw_vm_vcpu(&self->vm[2], 0);
	raw_vm_slot(&self->vm[2], 0x10000, 64 * 1024);
	raw_vm_vcpu(&self->vm[2], 3);
	raw_vm_slot(&self->vm[2], 0x100000, 1024 * 1024);
	self->t1 = realtime_ns();
	for (i = 0; i < 3; i++) {
		unique_name(self->name[i], "vms");
		ASSERT_EQ(0, set_name(self->vm[i].fd, self->name[i]));
	}
}

FIXTURE_TEARDOWN(vms)
{
	unsigned int i;

	for (i = 0; i < 3; i++)
		raw_vm_close(&self->vm[i]);
	reg_close(&self->r);
}

/* Find the fixture's VMs in a dump; ids out. */
static void __find_three(struct __test_metadata *_metadata,
			 FIXTURE_DATA(vms) *self, const struct vm_list *l,
			 const struct vm_rec **v)
{
	unsigned int i;

	for (i = 0; i < 3; i++) {
		ASSERT_EQ(1, find_named(l, self->name[i], &v[i]))
			TH_LOG("VM %u (\"%s\") not once in the dump", i,
			       self->name[i]);
	}
}
#define find_three(l, v)	__find_three(_metadata, self, l, v)

TEST_F(vms, dump_shows_each)
{
	static const uint32_t nr_vcpus[3] = { 0, 1, 2 };
	/* No vCPU: halted; a vCPU that has not run yet is runnable. */
	static const uint32_t state[3] = {
		HV_VM_STATE_HALTED, HV_VM_STATE_RUNNING, HV_VM_STATE_RUNNING,
	};
	const struct vm_rec *v[3];
	struct vm_list l = { 0 };
	unsigned int i;

	dump(&self->r, &l);
	find_three(&l, v);
	EXPECT_EQ(3, count_pid(&l, getpid()));
	for (i = 0; i < 3; i++) {
		EXPECT_EQ((uint32_t)getpid(), v[i]->pid);
		EXPECT_EQ(getuid(), v[i]->uid);
		EXPECT_EQ(nr_vcpus[i], v[i]->nr_vcpus) TH_LOG("VM %u", i);
		EXPECT_EQ(self->vm[i].memory, v[i]->memory) TH_LOG("VM %u", i);
		EXPECT_EQ(state[i], v[i]->state) TH_LOG("VM %u", i);
		EXPECT_LE(self->t0, v[i]->created) TH_LOG("VM %u", i);
		EXPECT_GE(self->t1, v[i]->created) TH_LOG("VM %u", i);
	}
	EXPECT_LE(v[0]->created, v[1]->created);
	EXPECT_LE(v[1]->created, v[2]->created);
	EXPECT_NE(v[0]->id, v[1]->id);
	EXPECT_NE(v[1]->id, v[2]->id);
	EXPECT_NE(v[0]->id, v[2]->id);
	free(l.v);
}

/* The doit says what the dump says. */
TEST_F(vms, get_vm_matches_dump)
{
	const struct vm_rec *v[3];
	struct vm_list l = { 0 };
	struct vm_rec g;
	unsigned int i;
	int err;

	dump(&self->r, &l);
	find_three(&l, v);
	for (i = 0; i < 3; i++) {
		err = get_vm(&self->r, &v[i]->id, &g);
		ASSERT_EQ(0, err) TH_LOG("HV_CMD_GET_VM %u: %s %s", v[i]->id,
					 strerror(-err), why);
		EXPECT_EQ(0, memcmp(v[i], &g, sizeof(g)))
			TH_LOG("VM %u: the doit and the dump differ", i);
	}
	free(l.v);
}

/* A VM's memory is what its slots hold now. */
TEST_F(vms, memory_follows_slots)
{
	struct vm_rec g;
	uint32_t id;
	char name[HV_VM_NAME_SIZE];

	id = name_vm(&self->r, self->vm[2].fd, "mem", name);
	/* Slot 1 of VM 2 is the 64 KiB one. */
	ASSERT_EQ(0, hv_ioctl(self->vm[2].fd, HV_VM_DELETE_MEMSLOT, 1));
	ASSERT_EQ(0, get_vm(&self->r, &id, &g));
	EXPECT_EQ(self->vm[2].memory - 64 * 1024, g.memory);
	EXPECT_EQ(2, g.nr_vcpus);
}

TEST_F(vms, dump_sorted_by_id)
{
	struct vm_list l = { 0 };
	struct raw_vm more[4];
	unsigned int i;

	/* A few more, so that there is something to sort. */
	for (i = 0; i < 4; i++)
		raw_vm_create(self->r.dev, &more[i]);
	dump(&self->r, &l);		/* asserts ascending ids */
	EXPECT_EQ(7, count_pid(&l, getpid()));
	for (i = 0; i < 4; i++)
		raw_vm_close(&more[i]);
	free(l.v);
}

/* Listed while any fd holds the VM: its own or a vCPU's. */
TEST_F(vms, gone_after_last_fd)
{
	const struct vm_rec *v[3];
	struct vm_list l = { 0 };
	uint32_t id[3];
	unsigned int i;

	dump(&self->r, &l);
	find_three(&l, v);
	for (i = 0; i < 3; i++)
		id[i] = v[i]->id;

	/* VM 1: its vCPU fd keeps it once the VM fd is closed. */
	close(self->vm[1].fd);
	self->vm[1].fd = -1;
	ASSERT_EQ(0, get_vm(&self->r, &id[1], NULL))
		TH_LOG("gone while its vCPU fd is open");
	close(self->vm[1].vcpu[0]);
	self->vm[1].vcpu[0] = -1;
	EXPECT_EQ(-ENOENT, get_vm(&self->r, &id[1], NULL));

	/* VM 2: vCPU fds first, then the VM fd. */
	close(self->vm[2].vcpu[0]);
	close(self->vm[2].vcpu[1]);
	self->vm[2].vcpu[0] = self->vm[2].vcpu[1] = -1;
	ASSERT_EQ(0, get_vm(&self->r, &id[2], NULL));
	close(self->vm[2].fd);
	self->vm[2].fd = -1;
	EXPECT_EQ(-ENOENT, get_vm(&self->r, &id[2], NULL));

	/* VM 0: no vCPU. */
	close(self->vm[0].fd);
	self->vm[0].fd = -1;
	EXPECT_EQ(-ENOENT, get_vm(&self->r, &id[0], NULL));

	dump(&self->r, &l);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(NULL, find_id(&l, id[i])) TH_LOG("VM %u listed", i);
	}
	EXPECT_EQ(0, count_pid(&l, getpid()));
	free(l.v);
}

TEST_F(vms, doit_errors)
{
	struct vm_list l = { 0 };
	struct vm_stats *st = malloc(sizeof(*st));
	uint32_t id;

	ASSERT_NE(NULL, st);
	dump(&self->r, &l);
	id = unused_id(&l);
	EXPECT_EQ(-EINVAL, get_vm(&self->r, NULL, NULL))
		TH_LOG("HV_CMD_GET_VM without HV_A_VM_ID");
	EXPECT_EQ(-EINVAL, get_stats(&self->r, NULL, st))
		TH_LOG("HV_CMD_GET_STATS without HV_A_VM_ID");
	EXPECT_EQ(-ENOENT, get_vm(&self->r, &id, NULL));
	EXPECT_EQ(-ENOENT, get_stats(&self->r, &id, st));
	/* 0 is no VM's id either (ids start at 1): unless it is listed. */
	if (!find_id(&l, 0)) {
		id = 0;
		EXPECT_EQ(-ENOENT, get_vm(&self->r, &id, NULL));
	}
	free(st);
	free(l.v);
}

/* ---- counters and states: VMs that run guest code ---- */

FIXTURE(guest) {
	struct reg r;
	struct hv *hv;
	struct hv_vm *vm;
	uint32_t id;
	char name[HV_VM_NAME_SIZE];
	struct vm_stats st;
};

FIXTURE_SETUP(guest)
{
	reg_open(&self->r);
	self->hv = open_hv();
	ASSERT_OK(guest_vm_create(self->hv, &self->vm));
	self->id = name_vm(&self->r, hv_vm_fd(self->vm), "guest",
			   self->name);
}

FIXTURE_TEARDOWN(guest)
{
	hv_vm_destroy(self->vm);
	hv_close(self->hv);
	reg_close(&self->r);
}

#define get_st() do { \
	int __e = get_stats(&self->r, &self->id, &self->st); \
	ASSERT_EQ(0, __e) TH_LOG("HV_CMD_GET_STATS: %s (%s) %s", \
				 strerror(-__e), self->r.s.err_msg, why); \
} while (0)

static uint32_t __vm_state(struct __test_metadata *_metadata, struct reg *r,
			   uint32_t id)
{
	struct vm_rec v;
	int err = get_vm(r, &id, &v);

	EXPECT_EQ(0, err) TH_LOG("HV_CMD_GET_VM: %s %s", strerror(-err), why);
	return err ? 0 : v.state;
}
#define vm_state()	__vm_state(_metadata, &self->r, self->id)

/*
 * Two vCPUs (ids 0 and 2) run to their end; the registry's counters are
 * HV_VCPU_GET_STATS' to the last bit, and the totals their sums.
 */
TEST_F(guest, stats_equal_vcpu_counters)
{
	static const uint64_t ncpuid[2] = { 2, 7 }, nout[2] = { 3, 5 };
	static const uint32_t ids[2] = { 0, 2 };
	struct hv_vcpu_stats vs[2];
	struct hv_vcpu *vcpu[2];
	unsigned int i, k;

	ASSERT_EQ(HV_STAT_NR, cap(self->hv, HV_CAP_STATS));
	for (i = 0; i < 2; i++) {
		struct hv_run *run;

		ASSERT_OK(guest_vcpu_add(self->vm, ids[i], NULL, &vcpu[i]));
		ASSERT_OK(guest_vcpu_entry(vcpu[i], guest_count, ncpuid[i],
					   nout[i]));
		run = hv_vcpu_run_page(vcpu[i]);
		for (k = 0; k < nout[i]; k++) {
			vcpu_run_exit(vcpu[i], HV_EXIT_IO);
			ASSERT_EQ(COUNT_PORT, run->io.port);
		}
		vcpu_run_exit(vcpu[i], HV_EXIT_HLT);
		vcpu_done(vcpu[i]);
	}
	for (i = 0; i < 2; i++) {
		ASSERT_OK(hv_vcpu_get_stats(vcpu[i], &vs[i]));
		/* The guest did what it says: a check of the test itself. */
		ASSERT_EQ(ncpuid[i], vs[i].count[HV_STAT_EXIT_CPUID]);
		ASSERT_EQ(nout[i] + 1, vs[i].count[HV_STAT_EXIT_IO]);
		ASSERT_EQ(1, vs[i].count[HV_STAT_EXIT_HLT]);
		ASSERT_EQ(nout[i] + 2, vs[i].count[HV_STAT_USER_EXITS]);
	}
	get_st();
	EXPECT_EQ(self->id, self->st.vm.id);
	EXPECT_STREQ(self->name, self->st.vm.name);
	EXPECT_EQ(2, self->st.vm.nr_vcpus);
	EXPECT_EQ(GUEST_MEM_SIZE, self->st.vm.memory);
	EXPECT_EQ(HV_VM_STATE_RUNNING, self->st.vm.state);
	ASSERT_EQ(2, self->st.nr_vcpus);
	for (i = 0; i < 2; i++) {
		struct vcpu_rec *c = &self->st.vcpu[i];

		EXPECT_EQ(ids[i], c->id);
		EXPECT_EQ(HV_VCPU_STATE_RUNNABLE, c->state);
		for (k = 0; k < HV_STAT_NR; k++) {
			EXPECT_EQ(vs[i].count[k], c->stats[k])
				TH_LOG("vCPU %u counter %u (%s)", ids[i], k,
				       hv_stat_name(k));
		}
		EXPECT_LT(0, c->stats[HV_STAT_GUEST_NS]);
	}
	for (k = 0; k < HV_STAT_NR; k++) {
		EXPECT_EQ(vs[0].count[k] + vs[1].count[k], self->st.total[k])
			TH_LOG("total of counter %u (%s)", k, hv_stat_name(k));
	}
	EXPECT_EQ(ncpuid[0] + ncpuid[1],
		  self->st.total[HV_STAT_EXIT_CPUID]);
	EXPECT_EQ(nout[0] + nout[1] + 2, self->st.total[HV_STAT_EXIT_IO]);
}

/* A VM whose vCPUs never ran: zeros. */
TEST_F(guest, stats_zero_before_running)
{
	struct hv_vcpu *vcpu;
	unsigned int k;

	ASSERT_OK(guest_vcpu_add(self->vm, 0, guest_done, &vcpu));
	get_st();
	ASSERT_EQ(1, self->st.nr_vcpus);
	for (k = 0; k < HV_STAT_NR; k++) {
		EXPECT_EQ(0, self->st.vcpu[0].stats[k]) TH_LOG("counter %u", k);
		EXPECT_EQ(0, self->st.total[k]) TH_LOG("total %u", k);
	}
}

/* A spinning vCPU: the VM runs, the vCPU is runnable. */
TEST_F(guest, state_running_while_spinning)
{
	struct hv_vcpu *vcpu;
	struct runner t;

	ASSERT_OK(guest_vcpu_add(self->vm, 0, guest_spin, &vcpu));
	runner_start(&t, vcpu);
	ASSERT_TRUE(wait_spinning(self->vm)) TH_LOG("the guest never ran");
	EXPECT_EQ(HV_VM_STATE_RUNNING, vm_state());
	get_st();
	EXPECT_EQ(HV_VM_STATE_RUNNING, self->st.vm.state);
	EXPECT_EQ(HV_VCPU_STATE_RUNNABLE, self->st.vcpu[0].state);
	ASSERT_TRUE(runner_stop(&t)) TH_LOG("HV_VCPU_KICK did not end RUN");
	EXPECT_EQ(-1, t.ret);
	EXPECT_EQ(EINTR, t.err);
	EXPECT_EQ(HV_EXIT_INTERRUPTED, t.exit_reason);
}

/*
 * With the irqchip, vCPU 0 halts with interrupts on and nothing pending:
 * it sleeps in HV_VCPU_RUN, halted; vCPU 1 waits for its SIPI. Then the
 * VM is halted: no vCPU runnable.
 */
TEST_F(guest, state_halted_in_kernel)
{
	struct vm_list l = { 0 };
	struct hv_vcpu *vcpu[2];
	const struct vm_rec *v;
	struct runner t;
	int i;

	if (!cap(self->hv, HV_CAP_IRQCHIP))
		SKIP_TEST("no HV_CAP_IRQCHIP: HLT never waits in the kernel");
	ASSERT_OK(hv_vm_create_irqchip(self->vm));
	ASSERT_OK(guest_vcpu_add(self->vm, 0, guest_halt, &vcpu[0]));
	ASSERT_OK(guest_vcpu_add(self->vm, 1, guest_halt, &vcpu[1]));
	get_st();
	ASSERT_EQ(2, self->st.nr_vcpus);
	EXPECT_EQ(HV_VCPU_STATE_RUNNABLE, self->st.vcpu[0].state);
	EXPECT_EQ(HV_VCPU_STATE_WAIT_SIPI, self->st.vcpu[1].state);
	EXPECT_EQ(HV_VM_STATE_RUNNING, self->st.vm.state);

	runner_start(&t, vcpu[0]);
	for (i = 0; i < 10000 && vm_state() != HV_VM_STATE_HALTED; i++)
		usleep(1000);
	EXPECT_EQ(HV_VM_STATE_HALTED, vm_state())
		TH_LOG("vCPU 0 never seen halted in 10 s");
	get_st();
	EXPECT_EQ(HV_VM_STATE_HALTED, self->st.vm.state);
	EXPECT_EQ(HV_VCPU_STATE_HALTED, self->st.vcpu[0].state);
	EXPECT_EQ(HV_VCPU_STATE_WAIT_SIPI, self->st.vcpu[1].state);
	dump(&self->r, &l);
	ASSERT_EQ(1, find_named(&l, self->name, &v));
	EXPECT_EQ(HV_VM_STATE_HALTED, v->state);
	free(l.v);
	EXPECT_FALSE(__atomic_load_n(&t.done, __ATOMIC_ACQUIRE))
		TH_LOG("RUN returned: exit %u", t.exit_reason);

	ASSERT_TRUE(runner_stop(&t)) TH_LOG("HV_VCPU_KICK did not end RUN");
	EXPECT_EQ(HV_EXIT_INTERRUPTED, t.exit_reason);
	/* The time it slept is in its counters. */
	get_st();
	EXPECT_LE(1, self->st.vcpu[0].stats[HV_STAT_HALT_WAIT]);
	EXPECT_LT(0, self->st.vcpu[0].stats[HV_STAT_HALT_NS]);
}

/* ---- stopping a VM ---- */

/*
 * vCPU 0 spins in RUN in a thread, vCPU 1 is outside RUN: after
 * HV_CMD_STOP_VM neither enters the guest again.
 */
TEST_F(guest, stop_vm)
{
	struct hv_vcpu *vcpu[2];
	struct vm_list l = { 0 };
	struct hv_run *run;
	struct runner t;
	uint32_t id;
	int i, err;

	REQUIRE_ROOT("HV_CMD_STOP_VM (CAP_SYS_ADMIN)");
	ASSERT_OK(guest_vcpu_add(self->vm, 0, guest_spin, &vcpu[0]));
	ASSERT_OK(guest_vcpu_add(self->vm, 1, guest_done, &vcpu[1]));
	runner_start(&t, vcpu[0]);
	ASSERT_TRUE(wait_spinning(self->vm)) TH_LOG("the guest never ran");

	err = stop_vm(&self->r, &self->id);
	ASSERT_EQ(0, err) TH_LOG("HV_CMD_STOP_VM: %s (%s) %s", strerror(-err),
				 self->r.s.err_msg, why);
	if (!runner_wait(&t, 10000)) {
		runner_stop(&t);
		ASSERT_TRUE(false) TH_LOG("the spinning vCPU stayed in RUN");
	}
	EXPECT_EQ(-1, t.ret);
	EXPECT_EQ(EPERM, t.err) TH_LOG("RUN: %s", strerror(t.err));
	EXPECT_EQ(HV_EXIT_STOPPED, t.exit_reason);

	/* Again, and for the vCPU that was not in RUN. */
	for (i = 0; i < 2; i++) {
		run = hv_vcpu_run_page(vcpu[i]);
		run->exit_reason = HV_EXIT_NONE;
		EXPECT_EQ(-EPERM, hv_ioctl(hv_vcpu_fd(vcpu[i]), HV_VCPU_RUN, 0))
			TH_LOG("vCPU %d", i);
		EXPECT_EQ(HV_EXIT_STOPPED, run->exit_reason)
			TH_LOG("vCPU %d", i);
	}

	EXPECT_EQ(HV_VM_STATE_STOPPED, vm_state());
	get_st();
	EXPECT_EQ(HV_VM_STATE_STOPPED, self->st.vm.state);

	EXPECT_EQ(-EALREADY, stop_vm(&self->r, &self->id));
	EXPECT_EQ(-EINVAL, stop_vm(&self->r, NULL))
		TH_LOG("HV_CMD_STOP_VM without HV_A_VM_ID");
	dump(&self->r, &l);
	id = unused_id(&l);
	EXPECT_EQ(-ENOENT, stop_vm(&self->r, &id));
	free(l.v);
}

/* A vCPU asleep in HLT leaves RUN too. */
TEST_F(guest, stop_vm_wakes_halted_vcpu)
{
	struct hv_vcpu *vcpu;
	struct runner t;
	int i, err;

	REQUIRE_ROOT("HV_CMD_STOP_VM (CAP_SYS_ADMIN)");
	if (!cap(self->hv, HV_CAP_IRQCHIP))
		SKIP_TEST("no HV_CAP_IRQCHIP: HLT never waits in the kernel");
	ASSERT_OK(hv_vm_create_irqchip(self->vm));
	ASSERT_OK(guest_vcpu_add(self->vm, 0, guest_halt, &vcpu));
	runner_start(&t, vcpu);
	for (i = 0; i < 10000 && vm_state() != HV_VM_STATE_HALTED; i++)
		usleep(1000);
	ASSERT_EQ(HV_VM_STATE_HALTED, vm_state());
	err = stop_vm(&self->r, &self->id);
	ASSERT_EQ(0, err) TH_LOG("HV_CMD_STOP_VM: %s", strerror(-err));
	if (!runner_wait(&t, 10000)) {
		runner_stop(&t);
		ASSERT_TRUE(false) TH_LOG("the halted vCPU stayed in RUN");
	}
	EXPECT_EQ(-1, t.ret);
	EXPECT_EQ(EPERM, t.err);
	EXPECT_EQ(HV_EXIT_STOPPED, t.exit_reason);
	EXPECT_EQ(HV_VM_STATE_STOPPED, vm_state());
}

/* ---- notifications ---- */

struct note {
	uint32_t what;
	uint64_t seq, time;
	struct vm_rec vm;		/* id, name, pid and uid */
	bool has_vcpu, has_reason;
	uint32_t vcpu_id;
	uint64_t reason;
};

struct notes {
	unsigned int n;
	struct note v[128];
};

static const char *note_name(uint32_t what)
{
	static const char *const names[] = {
		[HV_NOTIFY_VM_CREATED] = "VM_CREATED",
		[HV_NOTIFY_VM_DESTROYED] = "VM_DESTROYED",
		[HV_NOTIFY_VCPU_SHUTDOWN] = "VCPU_SHUTDOWN",
		[HV_NOTIFY_ENTRY_FAILED] = "ENTRY_FAILED",
		[HV_NOTIFY_INTERNAL_ERROR] = "INTERNAL_ERROR",
		[HV_NOTIFY_VM_STOPPED] = "VM_STOPPED",
	};

	if (what < sizeof(names) / sizeof(names[0]) && names[what])
		return names[what];
	return "?";
}

/*
 * An HV_CMD_NOTIFY message: the VM's attributes always, HV_A_VCPU_ID for
 * the vCPU ones and HV_A_NOTIFY_REASON for the failures only.
 */
static int parse_note(const struct nlmsghdr *nlh, uint16_t family,
		      struct note *n)
{
	const uint64_t allowed = NOTE_VM_ATTRS | BIT64(HV_A_NOTIFY) |
				 BIT64(HV_A_NOTIFY_SEQ) |
				 BIT64(HV_A_NOTIFY_TIME) | BIT64(HV_A_VCPU_ID) |
				 BIT64(HV_A_NOTIFY_REASON);
	const struct nlattr *tb[HV_A_MAX + 1];
	bool vcpu_kind, reason_kind;
	int r;

	memset(n, 0, sizeof(*n));
	r = check_genl_hdr(nlh, family, HV_CMD_NOTIFY);
	if (!r)
		r = parse_strict(genl_attrs(nlh), genl_attrs_len(nlh), tb,
				 allowed, BIT64(HV_A_PAD));
	if (!r)
		r = parse_vm_attrs(tb, &n->vm, NOTE_VM_ATTRS);
	if (r)
		return r;
	if (genl_u32(tb[HV_A_NOTIFY], &n->what) ||
	    genl_u64(tb[HV_A_NOTIFY_SEQ], &n->seq) ||
	    genl_u64(tb[HV_A_NOTIFY_TIME], &n->time))
		return BAD("HV_A_NOTIFY, _SEQ or _TIME missing or of a wrong "
			   "size");
	n->has_vcpu = tb[HV_A_VCPU_ID];
	n->has_reason = tb[HV_A_NOTIFY_REASON];
	if ((n->has_vcpu && genl_u32(tb[HV_A_VCPU_ID], &n->vcpu_id)) ||
	    (n->has_reason && genl_u64(tb[HV_A_NOTIFY_REASON], &n->reason)))
		return BAD("HV_A_VCPU_ID or HV_A_NOTIFY_REASON of a wrong "
			   "size");
	vcpu_kind = n->what == HV_NOTIFY_VCPU_SHUTDOWN ||
		    n->what == HV_NOTIFY_ENTRY_FAILED ||
		    n->what == HV_NOTIFY_INTERNAL_ERROR;
	reason_kind = n->what == HV_NOTIFY_ENTRY_FAILED ||
		      n->what == HV_NOTIFY_INTERNAL_ERROR;
	if (!n->what || n->what > HV_NOTIFY_VM_STOPPED)
		return BAD("unknown notification %u", n->what);
	if (n->has_vcpu != vcpu_kind)
		return BAD("%s %s HV_A_VCPU_ID", note_name(n->what),
			   n->has_vcpu ? "with" : "without");
	if (n->has_reason != reason_kind)
		return BAD("%s %s HV_A_NOTIFY_REASON", note_name(n->what),
			   n->has_reason ? "with" : "without");
	return 0;
}

/*
 * Read notifications into @ns until VM @id's notification @what came
 * (0: until @ms passed). 0; -ETIMEDOUT when @what did not come in @ms;
 * -EBADMSG (see why), -ENOBUFS (the socket overran: lost notifications).
 */
static int read_notes(struct genl_sock *ev, uint16_t family,
		      struct notes *ns, uint32_t id, uint32_t what, int ms)
{
	uint64_t end = now_ns() + (uint64_t)ms * 1000000;

	for (;;) {
		const struct nlmsghdr *nlh = (const void *)ev->buf;
		uint64_t now = now_ns();
		bool found = false;
		int n, r;

		if (now >= end)
			return what ? -ETIMEDOUT : 0;
		n = genl_recv(ev, (int)((end - now) / 1000000) + 1);
		if (n == -EAGAIN)
			continue;
		if (n < 0)
			return n;
		for (; NLMSG_OK(nlh, n); nlh = NLMSG_NEXT(nlh, n)) {
			struct note *note = &ns->v[ns->n];

			if (ns->n == sizeof(ns->v) / sizeof(ns->v[0]))
				return BAD("more than %u notifications",
					   ns->n);
			r = parse_note(nlh, family, note);
			if (r)
				return r;
			ns->n++;
			found |= note->vm.id == id && note->what == what;
		}
		if (found)
			return 0;
	}
}

static void log_notes(struct __test_metadata *_metadata,
		      const struct notes *ns)
{
	unsigned int i;

	for (i = 0; i < ns->n; i++)
		TH_LOG("  seq %llu VM %u %s", (unsigned long long)ns->v[i].seq,
		       ns->v[i].vm.id, note_name(ns->v[i].what));
}

/* The notifications of VM @id, in the order they came. */
static unsigned int notes_of(const struct notes *ns, uint32_t id,
			     const struct note **out, unsigned int max)
{
	unsigned int i, n = 0;

	for (i = 0; i < ns->n && n < max; i++)
		if (ns->v[i].vm.id == id)
			out[n++] = &ns->v[i];
	return n;
}

/*
 * Numbered in the order they came: increasing, and with no gap at all for
 * a listener that sees every VM (root).
 */
static void __check_seq(struct __test_metadata *_metadata,
			const struct notes *ns, bool sees_all)
{
	unsigned int i;

	for (i = 1; i < ns->n; i++) {
		const struct note *a = &ns->v[i - 1], *b = &ns->v[i];
		bool ok = a->seq < b->seq && a->time <= b->time &&
			  (!sees_all || a->seq + 1 == b->seq);

		EXPECT_TRUE(ok) {
			TH_LOG("notification %u (seq %llu, time %llu) after "
			       "seq %llu, time %llu%s", i,
			       (unsigned long long)b->seq,
			       (unsigned long long)b->time,
			       (unsigned long long)a->seq,
			       (unsigned long long)a->time,
			       sees_all ? " (a listener that sees all)" : "");
			log_notes(_metadata, ns);
		}
		if (!ok)
			return;
	}
}
#define check_seq(ns, all)	__check_seq(_metadata, ns, all)

/* A listener of "events". */
static int events_open(struct reg *r, struct genl_sock *ev)
{
	int64_t group = genl_family_group(&r->fam, HV_GENL_MCGRP_EVENTS);
	int size = 4 << 20, err;

	if (group < 0)
		return (int)group;
	err = genl_open(ev);
	if (err)
		return err;
	/* Room for bursts; root may go beyond rmem_max. */
	if (setsockopt(ev->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(ev->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return genl_join(ev, (uint32_t)group);
}

/*
 * Does this kernel filter netlink broadcasts per listener
 * (netlink_broadcast_filtered: Linux 5.10, and 6.8 on)? 1 yes, 0 no, -1
 * cannot tell. Where it does not, hv lets only CAP_SYS_ADMIN join.
 */
static int kernel_filters_broadcasts(void)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[512], name[256];
	int found = 0, lines = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		lines++;
		if (sscanf(line, "%*s %*s %255s", name) == 1 &&
		    !strcmp(name, "netlink_broadcast_filtered")) {
			found = 1;
			break;
		}
	}
	fclose(f);
	return lines ? found : -1;
}

FIXTURE(events) {
	struct reg r;
	struct genl_sock ev;
	struct notes ns;
	uint64_t t0;
	char comm[16];
};

FIXTURE_SETUP(events)
{
	int err;

	self->ev.fd = -1;
	reg_open(&self->r);
	err = events_open(&self->r, &self->ev);
	if (err == -EPERM && !is_root())
		SKIP_TEST("joining \"%s\" needs CAP_SYS_ADMIN on this kernel",
			  HV_GENL_MCGRP_EVENTS);
	ASSERT_EQ(0, err) TH_LOG("joining \"%s\": %s", HV_GENL_MCGRP_EVENTS,
				 strerror(-err));
	get_comm(self->comm);
	self->t0 = realtime_ns();
}

FIXTURE_TEARDOWN(events)
{
	genl_close(&self->ev);
	reg_close(&self->r);
}

#define read_until(id, what) do { \
	int __e = read_notes(&self->ev, self->r.fam.id, &self->ns, id, what, \
			     10000); \
	ASSERT_EQ(0, __e) { \
		TH_LOG("waiting for %s of VM %u: %s %s", note_name(what), id, \
		       strerror(-__e), __e == -EBADMSG ? why : ""); \
		log_notes(_metadata, &self->ns); \
	} \
} while (0)

/* Who the VM is, in a notification. */
static void __check_note_vm(struct __test_metadata *_metadata,
			    const struct note *n, uint32_t id,
			    const char *name, uint64_t t0, uint64_t t1)
{
	EXPECT_EQ(id, n->vm.id);
	EXPECT_STREQ(name, n->vm.name) TH_LOG("%s", note_name(n->what));
	EXPECT_EQ((uint32_t)getpid(), n->vm.pid);
	EXPECT_EQ(getuid(), n->vm.uid);
	EXPECT_LE(t0, n->time) TH_LOG("%s", note_name(n->what));
	EXPECT_GE(t1, n->time) TH_LOG("%s", note_name(n->what));
}
#define check_note_vm(n, id, name, t1) \
	__check_note_vm(_metadata, n, id, name, self->t0, t1)

/*
 * A VM's life: created (under its creator's comm), renamed, a vCPU that
 * triple-faults, closed.
 */
TEST_F(events, vm_lifecycle)
{
	const struct note *mine[8];
	char name[HV_VM_NAME_SIZE];
	struct hv_vcpu *vcpu;
	struct hv_vm *vm;
	struct hv *hv;
	uint64_t t1;
	uint32_t id;

	hv = open_hv();
	ASSERT_OK(guest_vm_create(hv, &vm));
	id = name_vm(&self->r, hv_vm_fd(vm), "ev", name);
	ASSERT_OK(guest_vcpu_add(vm, 0, guest_ud2, &vcpu));
	no_idt(vcpu);
	vcpu_run_exit(vcpu, HV_EXIT_SHUTDOWN);
	hv_vm_destroy(vm);
	hv_close(hv);
	t1 = realtime_ns();

	read_until(id, HV_NOTIFY_VM_DESTROYED);
	ASSERT_EQ(3, notes_of(&self->ns, id, mine, 8)) {
		log_notes(_metadata, &self->ns);
	}
	EXPECT_EQ(HV_NOTIFY_VM_CREATED, mine[0]->what);
	EXPECT_EQ(HV_NOTIFY_VCPU_SHUTDOWN, mine[1]->what);
	EXPECT_EQ(HV_NOTIFY_VM_DESTROYED, mine[2]->what);
	check_note_vm(mine[0], id, self->comm, t1);
	check_note_vm(mine[1], id, name, t1);
	check_note_vm(mine[2], id, name, t1);
	EXPECT_EQ(0, mine[1]->vcpu_id);
	check_seq(&self->ns, is_root());
}

/* Exits that return to userspace as usual are nobody's business. */
TEST_F(events, ordinary_exits_silent)
{
	const struct note *mine[8];
	char name[HV_VM_NAME_SIZE];
	struct hv_vcpu *vcpu;
	struct hv_vm *vm;
	struct hv *hv;
	uint32_t id;

	hv = open_hv();
	ASSERT_OK(guest_vm_create(hv, &vm));
	id = name_vm(&self->r, hv_vm_fd(vm), "ev", name);
	ASSERT_OK(guest_vcpu_add(vm, 0, NULL, &vcpu));
	ASSERT_OK(guest_vcpu_entry(vcpu, guest_count, 2, 2));
	vcpu_run_exit(vcpu, HV_EXIT_IO);
	vcpu_run_exit(vcpu, HV_EXIT_IO);
	vcpu_run_exit(vcpu, HV_EXIT_HLT);
	vcpu_done(vcpu);
	hv_vm_destroy(vm);
	hv_close(hv);

	read_until(id, HV_NOTIFY_VM_DESTROYED);
	ASSERT_EQ(2, notes_of(&self->ns, id, mine, 8)) {
		log_notes(_metadata, &self->ns);
	}
	EXPECT_EQ(HV_NOTIFY_VM_CREATED, mine[0]->what);
	EXPECT_EQ(HV_NOTIFY_VM_DESTROYED, mine[1]->what);
	check_seq(&self->ns, is_root());
}

/* Skip even in strict mode: what the environment cannot offer. */
#define SKIP_ALWAYS(fmt, ...) \
	SKIP(_exit(HARNESS_SKIP_STATUS), fmt, ##__VA_ARGS__)

/*
 * A guest state the CPU refuses to enter, which hv lets through to the
 * hardware. SVM (APM vol. 2, 15.20): an exception with vector 2 (NMI) in
 * EVENTINJ is illegal, VMRUN fails with VMEXIT_INVALID. VT-x (SDM vol. 3,
 * 27.3.1.4): RFLAGS.VM must be 0 in an IA-32e mode guest.
 */
static void __make_entry_fail(struct __test_metadata *_metadata,
			      struct hv *hv, struct hv_vcpu *vcpu)
{
	struct hv_event ev = {
		.type = HV_EVENT_EXCEPTION, .vector = NMI_VECTOR,
	};
	struct hv_regs regs;
	int err;

	if (cap(hv, HV_CAP_BACKEND) == HV_BACKEND_SVM) {
		err = hv_vcpu_inject(vcpu, &ev);
		if (err == -EINVAL)
			SKIP_ALWAYS("hv refuses an exception with vector 2, "
				    "this test's way to make VMRUN fail");
		ASSERT_EQ(0, err);
		return;
	}
	ASSERT_OK(hv_vcpu_get_regs(vcpu, &regs));
	regs.rflags |= X86_EFLAGS_VM;
	err = hv_vcpu_set_regs(vcpu, &regs);
	if (err == -EINVAL)
		SKIP_ALWAYS("hv refuses RFLAGS.VM in long mode, this test's "
			    "way to make VM entry fail");
	ASSERT_EQ(0, err);
}
#define make_entry_fail(hv, vcpu)	__make_entry_fail(_metadata, hv, vcpu)

TEST_F(events, entry_failed)
{
	const struct note *mine[8];
	char name[HV_VM_NAME_SIZE], buf[256];
	struct hv_vcpu_stats vs;
	struct vm_stats *st;
	struct hv_vcpu *vcpu;
	struct hv_run *run;
	struct hv_vm *vm;
	struct hv *hv;
	uint32_t id;
	int err;

	hv = open_hv();
	ASSERT_OK(guest_vm_create(hv, &vm));
	id = name_vm(&self->r, hv_vm_fd(vm), "ev", name);
	ASSERT_OK(guest_vcpu_add(vm, 0, guest_done, &vcpu));
	run = hv_vcpu_run_page(vcpu);
	make_entry_fail(hv, vcpu);
	ASSERT_OK(hv_vcpu_run(vcpu));
	if (run->exit_reason != HV_EXIT_FAIL_ENTRY &&
	    cap(hv, HV_CAP_BACKEND) == HV_BACKEND_VMX)
		SKIP_ALWAYS("VT-x entered the guest with RFLAGS.VM set in long "
			    "mode (%s): no failed entry to watch here",
			    exit_describe(run, buf, sizeof(buf)));
	ASSERT_EQ(HV_EXIT_FAIL_ENTRY, run->exit_reason)
		TH_LOG("%s", exit_describe(run, buf, sizeof(buf)));

	read_until(id, HV_NOTIFY_ENTRY_FAILED);
	ASSERT_EQ(2, notes_of(&self->ns, id, mine, 8)) {
		log_notes(_metadata, &self->ns);
	}
	EXPECT_EQ(HV_NOTIFY_VM_CREATED, mine[0]->what);
	EXPECT_EQ(HV_NOTIFY_ENTRY_FAILED, mine[1]->what);
	check_note_vm(mine[1], id, name, realtime_ns());
	EXPECT_EQ(0, mine[1]->vcpu_id);
	EXPECT_EQ(run->fail.hw_reason, mine[1]->reason);

	/* Counted, here and in the registry. */
	ASSERT_OK(hv_vcpu_get_stats(vcpu, &vs));
	EXPECT_EQ(1, vs.count[HV_STAT_ENTRY_FAILED]);
	st = malloc(sizeof(*st));
	ASSERT_NE(NULL, st);
	err = get_stats(&self->r, &id, st);
	ASSERT_EQ(0, err) TH_LOG("HV_CMD_GET_STATS: %s %s", strerror(-err),
				 why);
	EXPECT_EQ(1, st->vcpu[0].stats[HV_STAT_ENTRY_FAILED]);
	EXPECT_EQ(1, st->total[HV_STAT_ENTRY_FAILED]);
	free(st);
	hv_vm_destroy(vm);
	hv_close(hv);
	check_seq(&self->ns, is_root());
}

/* An exit hv cannot handle: HV_NOTIFY_INTERNAL_ERROR with the suberror. */
TEST_F(events, internal_error)
{
	const struct note *mine[8];
	char name[HV_VM_NAME_SIZE], buf[256];
	struct hv_vcpu *vcpu;
	struct hv_run *run;
	struct hv_vm *vm;
	struct hv *hv;
	uint32_t id;

	hv = open_hv();
	ASSERT_OK(guest_vm_create(hv, &vm));
	id = name_vm(&self->r, hv_vm_fd(vm), "ev", name);
	ASSERT_OK(guest_vcpu_add(vm, 1, guest_mmio_rmw, &vcpu));
	run = hv_vcpu_run_page(vcpu);
	ASSERT_OK(hv_vcpu_run(vcpu));
	ASSERT_EQ(HV_EXIT_INTERNAL_ERROR, run->exit_reason)
		TH_LOG("%s", exit_describe(run, buf, sizeof(buf)));

	read_until(id, HV_NOTIFY_INTERNAL_ERROR);
	ASSERT_EQ(2, notes_of(&self->ns, id, mine, 8)) {
		log_notes(_metadata, &self->ns);
	}
	EXPECT_EQ(HV_NOTIFY_VM_CREATED, mine[0]->what);
	EXPECT_EQ(HV_NOTIFY_INTERNAL_ERROR, mine[1]->what);
	check_note_vm(mine[1], id, name, realtime_ns());
	EXPECT_EQ(1, mine[1]->vcpu_id);
	EXPECT_EQ(run->internal.suberror, mine[1]->reason);
	hv_vm_destroy(vm);
	hv_close(hv);
	check_seq(&self->ns, is_root());
}

TEST_F(events, vm_stopped)
{
	const struct note *mine[8];
	char name[HV_VM_NAME_SIZE];
	struct raw_vm vm;
	uint32_t id;
	int err;

	REQUIRE_ROOT("HV_CMD_STOP_VM (CAP_SYS_ADMIN)");
	raw_vm_create(self->r.dev, &vm);
	id = name_vm(&self->r, vm.fd, "ev", name);
	err = stop_vm(&self->r, &id);
	ASSERT_EQ(0, err) TH_LOG("HV_CMD_STOP_VM: %s", strerror(-err));
	raw_vm_close(&vm);

	read_until(id, HV_NOTIFY_VM_DESTROYED);
	ASSERT_EQ(3, notes_of(&self->ns, id, mine, 8)) {
		log_notes(_metadata, &self->ns);
	}
	EXPECT_EQ(HV_NOTIFY_VM_CREATED, mine[0]->what);
	EXPECT_EQ(HV_NOTIFY_VM_STOPPED, mine[1]->what);
	EXPECT_EQ(HV_NOTIFY_VM_DESTROYED, mine[2]->what);
	check_note_vm(mine[1], id, name, realtime_ns());
	check_seq(&self->ns, true);
}

/* ---- a second user ---- */

struct other_uid {
	int dev;			/* /dev/hv, opened by root */
	uint32_t root_vm;		/* a VM of root's */
	int filtered;			/* kernel_filters_broadcasts() */
	int to_parent, from_parent;	/* pipes */
	char *msg;			/* shared: what went wrong, or info */
};

#define CHILD_FAIL(o, fmt, ...) ({ \
	snprintf((o)->msg, PAGE_SIZE, fmt, ##__VA_ARGS__); \
	__LINE__; \
})

/* The second user's events: its own VM's, nobody else's. */
static int other_uid_events(struct other_uid *o, struct reg *r,
			    struct genl_sock *ev, uint32_t id)
{
	struct notes *ns = calloc(1, sizeof(*ns));
	bool created = false, destroyed = false;
	unsigned int i;
	int err;

	if (!ns)
		return CHILD_FAIL(o, "out of memory");
	err = read_notes(ev, r->fam.id, ns, id, HV_NOTIFY_VM_DESTROYED, 10000);
	if (err)
		return CHILD_FAIL(o, "uid %d waiting for its VM's VM_DESTROYED:"
				  " %s %s", NOBODY, strerror(-err), why);
	for (i = 0; i < ns->n; i++) {
		const struct note *n = &ns->v[i];

		if (n->vm.id != id || n->vm.uid != NOBODY)
			return CHILD_FAIL(o, "uid %d got %s of VM %u of uid %u",
					  NOBODY, note_name(n->what),
					  n->vm.id, n->vm.uid);
		created |= n->what == HV_NOTIFY_VM_CREATED;
		destroyed |= n->what == HV_NOTIFY_VM_DESTROYED;
	}
	free(ns);
	if (!created || !destroyed)
		return CHILD_FAIL(o, "uid %d missed its VM's VM_CREATED",
				  NOBODY);
	snprintf(o->msg, PAGE_SIZE, "events: uid %d joined and got its own "
		 "VM's only", NOBODY);
	return 0;
}

/* What the second user may do with root's VM: nothing. */
static int other_uid_root_vm(struct other_uid *o, struct reg *r,
			     struct vm_stats *st)
{
	struct vm_list l = { 0 };
	unsigned int i;
	int err;

	err = dump_vms(r, NULL, &l, NULL);
	if (err)
		return CHILD_FAIL(o, "dump as uid %d: %s %s", NOBODY,
				  strerror(-err), why);
	for (i = 0; i < l.n; i++)
		if (l.v[i].uid != NOBODY || l.v[i].id == o->root_vm)
			return CHILD_FAIL(o, "uid %d's dump lists VM %u of "
					  "uid %u", NOBODY, l.v[i].id,
					  l.v[i].uid);
	free(l.v);
	err = get_vm(r, &o->root_vm, NULL);
	if (err != -ENOENT)
		return CHILD_FAIL(o, "HV_CMD_GET_VM of root's VM as uid %d: "
				  "%s, not ENOENT", NOBODY, strerror(-err));
	err = get_stats(r, &o->root_vm, st);
	if (err != -ENOENT)
		return CHILD_FAIL(o, "HV_CMD_GET_STATS of root's VM as uid %d:"
				  " %s, not ENOENT", NOBODY, strerror(-err));
	err = stop_vm(r, &o->root_vm);
	if (err != -EPERM)
		return CHILD_FAIL(o, "HV_CMD_STOP_VM of root's VM as uid %d: "
				  "%s, not EPERM", NOBODY, strerror(-err));
	return 0;
}

/* The second user's own VM: listed, alone, as its. */
static int other_uid_own_vm(struct other_uid *o, struct reg *r,
			    struct vm_stats *st, int vm, uint32_t *id)
{
	char name[HV_VM_NAME_SIZE];
	struct vm_list l = { 0 };
	int err;

	unique_name(name, "nobody");
	if (set_name(vm, name))
		return CHILD_FAIL(o, "HV_VM_SET_NAME as uid %d", NOBODY);
	err = dump_vms(r, NULL, &l, NULL);
	if (err)
		return CHILD_FAIL(o, "dump as uid %d: %s", NOBODY,
				  strerror(-err));
	if (l.n != 1 || strcmp(l.v[0].name, name) || l.v[0].uid != NOBODY ||
	    l.v[0].pid != (uint32_t)getpid())
		return CHILD_FAIL(o, "uid %d's dump: %u VMs, not its own one "
				  "(\"%s\" uid %u pid %u)", NOBODY, l.n,
				  l.n ? l.v[0].name : "", l.n ? l.v[0].uid : 0,
				  l.n ? l.v[0].pid : 0);
	*id = l.v[0].id;
	free(l.v);
	err = get_vm(r, id, NULL);
	if (!err)
		err = get_stats(r, id, st);
	if (err)
		return CHILD_FAIL(o, "uid %d asking about its own VM: %s %s",
				  NOBODY, strerror(-err), why);
	err = stop_vm(r, id);
	if (err != -EPERM)
		return CHILD_FAIL(o, "HV_CMD_STOP_VM of its own VM as uid %d: "
				  "%s, not EPERM", NOBODY, strerror(-err));
	return 0;
}

/* In a child: become uid 65534 and look around. 0 when all held. */
static int other_uid_child(struct other_uid *o)
{
	struct genl_sock *ev = calloc(1, sizeof(*ev));
	struct vm_stats *st = calloc(1, sizeof(*st));
	struct reg *r = calloc(1, sizeof(*r));
	int64_t group;
	int vm, err;
	uint32_t id;
	bool joined;
	char go;

	if (!ev || !st || !r)
		return CHILD_FAIL(o, "out of memory");
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return CHILD_FAIL(o, "becoming uid %d: %s", NOBODY,
				  strerror(errno));
	r->dev = o->dev;
	err = genl_open(&r->s);
	if (!err)
		err = genl_get_family(&r->s, HV_GENL_NAME, &r->fam);
	if (err)
		return CHILD_FAIL(o, "family \"hv\" as uid %d: %s", NOBODY,
				  strerror(-err));
	group = genl_family_group(&r->fam, HV_GENL_MCGRP_EVENTS);
	err = genl_open(ev);
	if (!err)
		err = group < 0 ? (int)group : genl_join(ev, group);
	if (err && (o->filtered == 1 || err != -EPERM))
		return CHILD_FAIL(o, "joining \"events\" as uid %d: %s", NOBODY,
				  strerror(-err));
	if (!err && o->filtered == 0)
		return CHILD_FAIL(o, "uid %d joined \"events\" on a kernel "
				  "that cannot filter what it gets", NOBODY);
	joined = !err;

	err = other_uid_root_vm(o, r, st);
	if (err)
		return err;
	vm = hv_ioctl(o->dev, HV_CREATE_VM, 0);
	if (vm < 0)
		return CHILD_FAIL(o, "HV_CREATE_VM as uid %d: %s", NOBODY,
				  strerror(-vm));
	err = other_uid_own_vm(o, r, st, vm, &id);
	if (err)
		return err;
	/* Root looks, and makes a VM of its own meanwhile. */
	if (write(o->to_parent, &id, sizeof(id)) != sizeof(id) ||
	    read(o->from_parent, &go, 1) != 1)
		return CHILD_FAIL(o, "talking to the parent");
	close(vm);
	if (!joined) {
		snprintf(o->msg, PAGE_SIZE, "events: uid %d may not join "
			 "(EPERM: no filtered broadcasts here), not checked",
			 NOBODY);
		return 0;
	}
	return other_uid_events(o, r, ev, id);
}

/*
 * uid 65534 sees its own VMs only and may stop none; root sees them all.
 * The child keeps a /dev/hv fd root opened: the device may be root's only.
 */
TEST(other_uid_sees_only_its_own)
{
	struct other_uid o = { 0 };
	char name[HV_VM_NAME_SIZE];
	struct vm_list l = { 0 };
	const struct vm_rec *v;
	struct raw_vm a, c;
	int p[2], q[2], status;
	uint32_t other;
	struct reg r;
	pid_t pid;

	reg_open(&r);
	REQUIRE_ROOT("switching to uid 65534");
	raw_vm_create(r.dev, &a);
	o.root_vm = name_vm(&r, a.fd, "root", name);
	o.dev = r.dev;
	o.filtered = kernel_filters_broadcasts();
	o.msg = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, o.msg);
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, pipe(q));
	o.to_parent = p[1];
	o.from_parent = q[0];
	fflush(NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(p[0]);
		close(q[1]);
		_exit(other_uid_child(&o));
	}
	close(p[1]);
	close(q[0]);

	if (read(p[0], &other, sizeof(other)) == sizeof(other)) {
		/* Root sees both, each with its owner. */
		dump(&r, &l);
		v = find_id(&l, o.root_vm);
		ASSERT_NE(NULL, v);
		EXPECT_EQ(0, v->uid);
		v = find_id(&l, other);
		ASSERT_NE(NULL, v);
		EXPECT_EQ(NOBODY, v->uid);
		EXPECT_EQ((uint32_t)pid, v->pid);
		free(l.v);
		/* Notifications of a root VM the other user must not get. */
		raw_vm_create(r.dev, &c);
		raw_vm_close(&c);
		ASSERT_EQ(1, write(q[1], "g", 1));
	}
	close(q[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("child status 0x%x", status);
	ASSERT_EQ(0, WEXITSTATUS(status))
		TH_LOG("child, line %d: %s", WEXITSTATUS(status), o.msg);
	TH_LOG("%s", o.msg);
	raw_vm_close(&a);
	reg_close(&r);
}

/* ---- malformed requests ---- */

/* Does a reply come at all? Counted, the reply itself is wrong. */
static int count_cb(const struct nlmsghdr *nlh, void *arg)
{
	(void)nlh;
	++*(unsigned int *)arg;
	return 0;
}

/*
 * Request @i of the malformed ones, about VM @id: its words in *what, the
 * error it must get in *expect (0: any). False past the last one.
 */
static bool bad_request(unsigned int i, struct genl_msg *m, struct reg *r,
			uint32_t id, const char **what, int *expect)
{
	const uint16_t ack = NLM_F_ACK;
	uint64_t id64 = id;
	struct nlattr a;
	int k;

	*expect = 0;
	switch (i) {
	case 0:
		*what = "an attribute outside the policy (HV_A_VM_NAME)";
		*expect = -EINVAL;
		msg_init(m, r, HV_CMD_GET_VM, ack, &id);
		genl_put_str(m, HV_A_VM_NAME, "x");
		break;
	case 1:
		*what = "an attribute type above HV_A_MAX";
		*expect = -EINVAL;
		msg_init(m, r, HV_CMD_GET_VM, ack, &id);
		genl_put_u32(m, HV_A_MAX + 1, 0);
		break;
	case 2:
		*what = "attribute type 0";
		*expect = -EINVAL;
		msg_init(m, r, HV_CMD_GET_VM, ack, &id);
		genl_put_u32(m, 0, 0);
		break;
	case 3:
		*what = "an unknown attribute in a dump request";
		*expect = -EINVAL;
		msg_init(m, r, HV_CMD_GET_VM, NLM_F_DUMP, NULL);
		genl_put_str(m, HV_A_VM_NAME, "x");
		break;
	case 4:
		*what = "HV_A_VM_ID of 2 bytes";
		msg_init(m, r, HV_CMD_GET_VM, ack, NULL);
		genl_put(m, HV_A_VM_ID, &id, 2);
		break;
	case 5:
		*what = "HV_A_VM_ID of 8 bytes";
		msg_init(m, r, HV_CMD_GET_VM, ack, NULL);
		genl_put(m, HV_A_VM_ID, &id64, 8);
		break;
	case 6:
		*what = "HV_A_VM_ID of 0 bytes";
		msg_init(m, r, HV_CMD_GET_VM, ack, NULL);
		genl_put(m, HV_A_VM_ID, &id, 0);
		break;
	case 7:
		*what = "HV_A_VM_ID marked nested";
		msg_init(m, r, HV_CMD_GET_VM, ack, NULL);
		genl_put_u32(m, HV_A_VM_ID | NLA_F_NESTED, id);
		break;
	case 8:
		*what = "a truncated attribute header after HV_A_VM_ID";
		msg_init(m, r, HV_CMD_GET_VM, ack, &id);
		genl_put_raw(m, "\x08\x00", 2);
		break;
	case 9:
		*what = "nla_len beyond the message";
		msg_init(m, r, HV_CMD_GET_VM, ack, &id);
		a.nla_len = 64;
		a.nla_type = HV_A_VM_ID;
		genl_put_raw(m, &a, sizeof(a));
		genl_put_raw(m, &id, sizeof(id));
		break;
	case 10:
		*what = "nla_len below the attribute header";
		msg_init(m, r, HV_CMD_GET_VM, ack, &id);
		a.nla_len = 2;
		a.nla_type = HV_A_VM_ID;
		genl_put_raw(m, &a, sizeof(a));
		genl_put_raw(m, &id, sizeof(id));
		break;
	case 11:
		*what = "a message shorter than the genl header";
		msg_init(m, r, HV_CMD_GET_VM, ack, NULL);
		m->len = NLMSG_HDRLEN + 2;
		break;
	case 12:
	case 13:
	case 14:
	case 15: {
		static const uint8_t cmds[] = {
			HV_CMD_UNSPEC, HV_CMD_NOTIFY, HV_CMD_MAX + 1, 255,
		};
		static const char *const words[] = {
			"command 0 (HV_CMD_UNSPEC)",
			"command HV_CMD_NOTIFY (the kernel's own)",
			"command HV_CMD_MAX + 1", "command 255",
		};

		*what = words[i - 12];
		*expect = -EOPNOTSUPP;
		msg_init(m, r, cmds[i - 12], ack, &id);
		break;
	}
	case 16:
		*what = "HV_CMD_GET_STATS as a dump";
		*expect = -EOPNOTSUPP;
		msg_init(m, r, HV_CMD_GET_STATS, NLM_F_DUMP, &id);
		break;
	case 17:
		*what = "HV_CMD_STOP_VM as a dump";
		*expect = -EOPNOTSUPP;
		msg_init(m, r, HV_CMD_STOP_VM, NLM_F_DUMP, &id);
		break;
	case 18:
		*what = "64 KiB of HV_A_PAD attributes";
		msg_init(m, r, HV_CMD_GET_VM, ack, &id);
		for (k = 0; k < 16384; k++)
			genl_put(m, HV_A_PAD, &id, 0);
		break;
	case 19:
		*what = "HV_CMD_STOP_VM with an 8-byte HV_A_VM_ID";
		msg_init(m, r, HV_CMD_STOP_VM, ack, NULL);
		genl_put(m, HV_A_VM_ID, &id64, 8);
		break;
	case 20:
		*what = "HV_CMD_STOP_VM with an attribute outside the policy";
		msg_init(m, r, HV_CMD_STOP_VM, ack, &id);
		genl_put_u32(m, HV_A_VM_STATE, HV_VM_STATE_STOPPED);
		break;
	default:
		return false;
	}
	return true;
}

/*
 * Each malformed request gets an error and no data, and the socket goes
 * on: a good request right after it works. None may stop the VM.
 */
TEST_F(registry, malformed_requests_rejected)
{
	struct genl_msg *m = malloc(sizeof(*m));
	char name[HV_VM_NAME_SIZE];
	struct genl_answer ans;
	unsigned int i, replies;
	const char *what;
	struct raw_vm vm;
	struct vm_rec v;
	int expect, err;
	uint32_t id;

	ASSERT_NE(NULL, m);
	raw_vm_create(self->r.dev, &vm);
	id = name_vm(&self->r, vm.fd, "bad", name);
	for (i = 0; bad_request(i, m, &self->r, id, &what, &expect); i++) {
		replies = 0;
		err = genl_transact(&self->r.s, m, count_cb, &replies, &ans);
		EXPECT_GT(0, err) TH_LOG("%s: accepted", what);
		if (expect) {
			EXPECT_EQ(expect, err) TH_LOG("%s: %s (%s)", what,
						      strerror(-err),
						      self->r.s.err_msg);
		}
		EXPECT_EQ(0, replies) TH_LOG("%s: a reply", what);
		/* The socket still works. */
		err = get_vm(&self->r, &id, &v);
		ASSERT_EQ(0, err) TH_LOG("after %s: %s %s", what,
					 strerror(-err), why);
		EXPECT_STREQ(name, v.name);
		EXPECT_NE(HV_VM_STATE_STOPPED, v.state)
			TH_LOG("stopped by %s", what);
	}
	raw_vm_close(&vm);
	free(m);
}

/* ---- dumps while VMs come and go ---- */

#define POOL		150

static void __vms_create(struct __test_metadata *_metadata, int dev,
			 int *fds, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		fds[i] = hv_ioctl(dev, HV_CREATE_VM, 0);
		ASSERT_LE(0, fds[i]) TH_LOG("HV_CREATE_VM %u: %s", i,
					    strerror(-fds[i]));
	}
}
#define vms_create(dev, fds, n)	__vms_create(_metadata, dev, fds, n)

static void vms_close(int *fds, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* A socket whose dumps come in parts of 8 KiB at most. */
static struct genl_sock *__small_parts(struct __test_metadata *_metadata)
{
	struct genl_sock *s = malloc(sizeof(*s));

	ASSERT_NE(NULL, s);
	ASSERT_EQ(0, genl_open(s));
	s->recv_size = 8192;
	return s;
}
#define small_parts()	__small_parts(_metadata)

/*
 * The dump consistency check: a dump in parts, with no VM coming or going
 * in between, is whole and unmarked; with one coming and going between
 * its first part and the rest, NLM_F_DUMP_INTR marks what follows.
 */
TEST_F_TIMEOUT(registry, dump_intr_when_vms_change, 120)
{
	struct genl_sock *s = small_parts();
	struct vm_list l = { .family = self->r.fam.id };
	struct genl_answer ans = { 0 };
	int fds[POOL], extra, err, result = 0;
	struct genl_msg m;

	vms_create(self->r.dev, fds, POOL);

	err = dump_vms(&self->r, s, &l, &ans);
	ASSERT_EQ(0, err) TH_LOG("dump: %s %s", strerror(-err), why);
	ASSERT_LE(2, ans.parts) TH_LOG("%u VMs in one part of a dump",
				       l.n);
	EXPECT_FALSE(ans.flags & NLM_F_DUMP_INTR);
	EXPECT_EQ(0, check_sorted(&l)) TH_LOG("%s", why);
	EXPECT_EQ(POOL, count_pid(&l, getpid()));

	/* The first part is made as the request arrives... */
	l.n = 0;
	msg_init(&m, &self->r, HV_CMD_GET_VM, NLM_F_DUMP, NULL);
	ASSERT_LE(0, genl_send(s, &m));
	/* ...the rest after this. */
	extra = hv_ioctl(self->r.dev, HV_CREATE_VM, 0);
	ASSERT_LE(0, extra);
	close(extra);
	memset(&ans, 0, sizeof(ans));
	do {
		err = genl_transact_part(s, dump_cb, &l, &ans, &result);
		ASSERT_LE(0, err) TH_LOG("reading the dump: %s",
					 strerror(-err));
	} while (!err);
	ASSERT_EQ(0, result) TH_LOG("dump: %s %s", strerror(-result), why);
	EXPECT_TRUE(ans.done);
	EXPECT_TRUE(ans.flags & NLM_F_DUMP_INTR)
		TH_LOG("a VM came and went during the dump (%u parts): no "
		       "NLM_F_DUMP_INTR", ans.parts);

	vms_close(fds, POOL);
	genl_close(s);
	free(s);
	free(l.v);
}

struct churn {
	int dev;
	int fds[POOL];
	int stop;
	unsigned int ops;
	int err;
};

/* Close a random VM of the pool, or create one where there is none. */
static void *churn_fn(void *arg)
{
	struct churn *c = arg;
	unsigned int seed = 7;

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE) &&
	       __atomic_add_fetch(&c->ops, 1, __ATOMIC_RELAXED) < 100000) {
		unsigned int k = rand_r(&seed) % POOL;
		int vcpu;

		if (c->fds[k] >= 0) {
			close(c->fds[k]);
			c->fds[k] = -1;
			continue;
		}
		c->fds[k] = ioctl(c->dev, HV_CREATE_VM, 0);
		if (c->fds[k] < 0) {
			__atomic_store_n(&c->err, errno, __ATOMIC_RELAXED);
			break;
		}
		/* Some with a vCPU, whose fd goes at once. */
		if (k % 4)
			continue;
		vcpu = ioctl(c->fds[k], HV_VM_CREATE_VCPU, 0);
		if (vcpu < 0) {
			__atomic_store_n(&c->err, errno, __ATOMIC_RELAXED);
			break;
		}
		close(vcpu);
	}
	return NULL;
}

/*
 * One thread creates and destroys VMs while this one dumps: every dump
 * ends well, and is either whole (ascending ids, every attribute) or
 * marked NLM_F_DUMP_INTR.
 */
TEST_F_TIMEOUT(registry, dump_while_vms_come_and_go, 300)
{
	unsigned int dumps = 0, intr = 0, parts = 0, errors = 0, bad = 0;
	unsigned int i, alive;
	struct genl_sock *s = small_parts();
	struct churn *c = calloc(1, sizeof(*c));
	struct vm_list l = { 0 };
	struct genl_answer ans;
	char first[512] = "";
	uint64_t t0 = now_ns();
	pthread_t t;
	int err;

	ASSERT_NE(NULL, c);
	c->dev = self->r.dev;
	vms_create(c->dev, c->fds, POOL);
	vms_close(c->fds + POOL / 2, POOL - POOL / 2);
	memset(c->fds + POOL / 2, 0xff, (POOL - POOL / 2) * sizeof(int));
	ASSERT_EQ(0, pthread_create(&t, NULL, churn_fn, c));

	while (dumps < 50 || __atomic_load_n(&c->ops, __ATOMIC_RELAXED) < 500) {
		if (now_ns() - t0 > 120 * NSEC_PER_SEC ||
		    __atomic_load_n(&c->err, __ATOMIC_RELAXED))
			break;
		err = dump_vms(&self->r, s, &l, &ans);
		dumps++;
		parts += ans.parts > 1;
		if (err || !ans.done) {
			if (!errors++)
				snprintf(first, sizeof(first), "%s %s",
					 strerror(-err), why);
			continue;
		}
		if (ans.flags & NLM_F_DUMP_INTR) {
			intr++;
			continue;
		}
		if (check_sorted(&l) && !bad++)
			snprintf(first, sizeof(first), "%s", why);
	}
	__atomic_store_n(&c->stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	TH_LOG("%u dumps (%u in parts, %u marked interrupted) beside %u "
	       "creations and destructions", dumps, parts, intr, c->ops);
	ASSERT_EQ(0, c->err) TH_LOG("the churning thread: %s",
				    strerror(c->err));
	EXPECT_EQ(0, errors) TH_LOG("first failed dump: %s", first);
	EXPECT_EQ(0, bad) TH_LOG("unmarked dump out of order: %s", first);
	EXPECT_LE(500, c->ops) TH_LOG("too few VMs came and went");
	EXPECT_LE(50, dumps);

	/* All quiet again: the pool exactly, unmarked. */
	dump(&self->r, &l);
	for (i = 0, alive = 0; i < POOL; i++)
		alive += c->fds[i] >= 0;
	EXPECT_EQ(alive, count_pid(&l, getpid()));
	vms_close(c->fds, POOL);
	dump(&self->r, &l);
	EXPECT_EQ(0, count_pid(&l, getpid()));
	genl_close(s);
	free(s);
	free(c);
	free(l.v);
}

TEST_HARNESS_MAIN
