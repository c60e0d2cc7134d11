// SPDX-License-Identifier: GPL-2.0
/*
 * hv: the VM registry and its generic netlink family (docs/API.md, "The VM
 * registry"). Every VM is listed from its creation to its release; the
 * family lists them, returns a VM's counters, lets an administrator stop
 * one and sends notifications to the group HV_GENL_MCGRP_EVENTS.
 *
 * Locking: hv_registry_lock guards hv_vms, hv_registry_gen and every VM's
 * name; notifications are numbered and sent under it too, so that they
 * leave in the order of their numbers. A VM is taken off the list before
 * anything of it is freed (hv_vm_release()), so whoever holds the lock
 * may look at every VM it finds there and at its vCPUs, which live as long
 * as the VM. Counters are read without a lock: each is a u64 that only
 * its vCPU's thread writes.
 *
 * Who sees what: the VMs whose creator had the caller's real uid, or all
 * of them with CAP_SYS_ADMIN; any other VM does not exist for the caller.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/net.h>
#include <linux/netlink.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/xarray.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "hv.h"
#include "lapic.h"

static DEFINE_MUTEX(hv_registry_lock);
static DEFINE_XARRAY_ALLOC(hv_vms);
static u32 hv_next_id = 1;
/* Never 0: the netlink dump check takes 0 for "not set". */
static unsigned int hv_registry_gen = 1;
static u64 hv_notify_seq;

static struct genl_family hv_genl_family;

/* Room for the HV_A_VM_* attributes of one VM. */
#define HV_VM_ATTRS_SIZE						\
	(5 * nla_total_size(sizeof(u32)) + nla_total_size(HV_VM_NAME_SIZE) + \
	 2 * nla_total_size_64bit(sizeof(u64)))
#define HV_STATS_SIZE							\
	(nla_total_size(0) + HV_STAT_NR * nla_total_size_64bit(sizeof(u64)))
#define HV_VCPU_SIZE							\
	(nla_total_size(0) + 2 * nla_total_size(sizeof(u32)) + HV_STATS_SIZE)
#define HV_NOTIFY_SIZE							\
	(HV_VM_ATTRS_SIZE + 2 * nla_total_size(sizeof(u32)) +		\
	 3 * nla_total_size_64bit(sizeof(u64)))

static void hv_registry_changed(void)
{
	if (!++hv_registry_gen)
		hv_registry_gen = 1;
}

static bool hv_may_see(const struct hv_vm *vm, kuid_t uid, bool admin)
{
	return admin || uid_eq(vm->uid, uid);
}

static struct hv_vcpu *hv_vm_vcpu(const struct hv_vm *vm, unsigned int i)
{
	/* vCPUs live as long as the VM; pairs with hv_vcpu_create(). */
	return smp_load_acquire(&vm->vcpus[i]);
}

static u32 hv_vcpu_state(const struct hv_vcpu *vcpu)
{
	switch (READ_ONCE(vcpu->mp_state)) {
	case HV_MP_HALTED:
		return HV_VCPU_STATE_HALTED;
	case HV_MP_WAIT_SIPI:
		return HV_VCPU_STATE_WAIT_SIPI;
	default:
		return HV_VCPU_STATE_RUNNABLE;
	}
}

static u32 hv_vm_state(const struct hv_vm *vm)
{
	unsigned int i;

	if (READ_ONCE(vm->stopped))
		return HV_VM_STATE_STOPPED;
	for (i = 0; i < HV_MAX_VCPUS; i++) {
		struct hv_vcpu *vcpu = hv_vm_vcpu(vm, i);

		if (vcpu && hv_vcpu_state(vcpu) == HV_VCPU_STATE_RUNNABLE)
			return HV_VM_STATE_RUNNING;
	}
	return HV_VM_STATE_HALTED;
}

static u32 hv_vm_nr_vcpus(const struct hv_vm *vm)
{
	unsigned int i, n = 0;

	for (i = 0; i < HV_MAX_VCPUS; i++)
		n += !!hv_vm_vcpu(vm, i);
	return n;
}

static u64 hv_vm_memory(struct hv_vm *vm)
{
	unsigned int i;
	u64 pages = 0;

	spin_lock(&vm->mmu_lock);
	for (i = 0; i < vm->nr_slots; i++)
		pages += vm->slots[i].npages;
	spin_unlock(&vm->mmu_lock);
	return pages << PAGE_SHIFT;
}

/* Who the VM is: in every message about it. Registry lock held. */
static int hv_put_vm_id(struct sk_buff *skb, const struct hv_vm *vm)
{
	if (nla_put_u32(skb, HV_A_VM_ID, vm->id) ||
	    nla_put_string(skb, HV_A_VM_NAME, vm->name) ||
	    nla_put_u32(skb, HV_A_VM_PID, vm->pid) ||
	    nla_put_u32(skb, HV_A_VM_UID,
			from_kuid_munged(&init_user_ns, vm->uid)))
		return -EMSGSIZE;
	return 0;
}

/* HV_CMD_GET_VM's attributes. Registry lock held. */
static int hv_put_vm(struct sk_buff *skb, struct hv_vm *vm)
{
	if (hv_put_vm_id(skb, vm) ||
	    nla_put_u32(skb, HV_A_VM_NR_VCPUS, hv_vm_nr_vcpus(vm)) ||
	    nla_put_u64_64bit(skb, HV_A_VM_MEMORY, hv_vm_memory(vm), HV_A_PAD) ||
	    nla_put_u64_64bit(skb, HV_A_VM_CREATED, vm->created_ns, HV_A_PAD) ||
	    nla_put_u32(skb, HV_A_VM_STATE, hv_vm_state(vm)))
		return -EMSGSIZE;
	return 0;
}

/* An HV_A_STATS nest; type 0 pads the counters to 8 bytes. */
static int hv_put_stats(struct sk_buff *skb, const u64 *count)
{
	struct nlattr *nest = nla_nest_start(skb, HV_A_STATS);
	unsigned int i;

	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < HV_STAT_NR; i++) {
		if (nla_put_u64_64bit(skb, HV_A_STAT(i), count[i], 0)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int hv_put_vcpu(struct sk_buff *skb, const struct hv_vcpu *vcpu,
		       const u64 *count)
{
	struct nlattr *nest = nla_nest_start(skb, HV_A_VCPU);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, HV_A_VCPU_ID, vcpu->id) ||
	    nla_put_u32(skb, HV_A_VCPU_STATE, hv_vcpu_state(vcpu)) ||
	    hv_put_stats(skb, count)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* The counters of every vCPU, read once so that the totals add up. */
struct hv_stats_snapshot {
	u64 total[HV_STAT_NR];
	u64 count[HV_MAX_VCPUS][HV_STAT_NR];
	struct hv_vcpu *vcpus[HV_MAX_VCPUS];
};

/* HV_CMD_GET_STATS: the totals, then each vCPU. Registry lock held. */
static int hv_put_vm_stats(struct sk_buff *skb, struct hv_vm *vm)
{
	struct hv_stats_snapshot *s = kzalloc(sizeof(*s), GFP_KERNEL);
	unsigned int i, j, n = 0;
	int ret = -EMSGSIZE;

	if (!s)
		return -ENOMEM;
	for (i = 0; i < HV_MAX_VCPUS; i++) {
		struct hv_vcpu *vcpu = hv_vm_vcpu(vm, i);

		if (!vcpu)
			continue;
		hv_vcpu_get_stats(vcpu, s->count[n]);
		for (j = 0; j < HV_STAT_NR; j++)
			s->total[j] += s->count[n][j];
		s->vcpus[n++] = vcpu;
	}
	if (hv_put_vm(skb, vm) || hv_put_stats(skb, s->total))
		goto out;
	for (i = 0; i < n; i++)
		if (hv_put_vcpu(skb, s->vcpus[i], s->count[i]))
			goto out;
	ret = 0;
out:
	kfree(s);
	return ret;
}

/* The VM a request names, if the sender may see it. Registry lock held. */
static struct hv_vm *hv_genl_find(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *id = info->attrs[HV_A_VM_ID];
	struct hv_vm *vm;

	if (!id) {
		NL_SET_ERR_MSG(info->extack, "HV_A_VM_ID is required");
		return ERR_PTR(-EINVAL);
	}
	vm = xa_load(&hv_vms, nla_get_u32(id));
	if (!vm || !hv_may_see(vm, NETLINK_CB(skb).creds.uid,
			       netlink_capable(skb, CAP_SYS_ADMIN))) {
		NL_SET_ERR_MSG_ATTR(info->extack, id, "no such VM");
		return ERR_PTR(-ENOENT);
	}
	return vm;
}

/* A reply about one VM: HV_CMD_GET_VM or HV_CMD_GET_STATS. */
static int hv_genl_reply_vm(struct sk_buff *skb, struct genl_info *info,
			    size_t size,
			    int (*put)(struct sk_buff *, struct hv_vm *))
{
	struct sk_buff *msg;
	struct hv_vm *vm;
	void *hdr;
	int ret;

	msg = genlmsg_new(size, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &hv_genl_family, 0,
				info->genlhdr->cmd);
	if (!hdr) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}

	mutex_lock(&hv_registry_lock);
	vm = hv_genl_find(skb, info);
	ret = IS_ERR(vm) ? PTR_ERR(vm) : put(msg, vm);
	mutex_unlock(&hv_registry_lock);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int hv_genl_get_vm(struct sk_buff *skb, struct genl_info *info)
{
	return hv_genl_reply_vm(skb, info, HV_VM_ATTRS_SIZE, hv_put_vm);
}

static int hv_genl_get_stats(struct sk_buff *skb, struct genl_info *info)
{
	return hv_genl_reply_vm(skb, info,
				HV_VM_ATTRS_SIZE + HV_STATS_SIZE +
				HV_MAX_VCPUS * HV_VCPU_SIZE,
				hv_put_vm_stats);
}

/*
 * The dump goes on from cb->args[0], the next id; cb->seq is the registry's
 * generation, which the netlink core compares between the parts of the
 * dump (NLM_F_DUMP_INTR when VMs came or went in between).
 */
static int hv_genl_dump_vms(struct sk_buff *skb, struct netlink_callback *cb)
{
	bool admin = netlink_capable(cb->skb, CAP_SYS_ADMIN);
	kuid_t uid = NETLINK_CB(cb->skb).creds.uid;
	unsigned long id, next = cb->args[0];
	struct hv_vm *vm;

	mutex_lock(&hv_registry_lock);
	cb->seq = hv_registry_gen;
	xa_for_each_start(&hv_vms, id, vm, next) {
		void *hdr;

		if (!hv_may_see(vm, uid, admin))
			continue;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &hv_genl_family,
				  NLM_F_MULTI, HV_CMD_GET_VM);
		if (!hdr)
			break;
		genl_dump_check_consistent(cb, hdr);
		if (hv_put_vm(skb, vm)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		next = id + 1;
	}
	mutex_unlock(&hv_registry_lock);
	cb->args[0] = next;
	return skb->len;
}

/*
 * Does a listener of the group not get a notification about a VM of
 * owner *data? Asked for each listener where the kernel filters
 * broadcasts (compat.h, HV_GENL_MCGRP_FLAGS).
 */
static int __maybe_unused hv_notify_filter(struct sock *dsk,
					   struct sk_buff *skb, void *data)
{
	const kuid_t *owner = data;
	struct socket *sock = dsk->sk_socket;
	struct file *file = sock ? sock->file : NULL;

	if (!file)
		return 1;
	if (uid_eq(file->f_cred->uid, *owner))
		return 0;
	return !file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN);
}

/*
 * Tell the group: what happened to @vm (HV_NOTIFY_*), to which vCPU if
 * @vcpu, with @reason if @has_reason. Registry lock held.
 */
static void hv_notify_locked(struct hv_vm *vm, u32 what,
			     const struct hv_vcpu *vcpu, u64 reason,
			     bool has_reason)
{
	struct sk_buff *skb;
	void *hdr;

	lockdep_assert_held(&hv_registry_lock);
	if (!genl_has_listeners(&hv_genl_family, &init_net, 0))
		return;
	skb = genlmsg_new(HV_NOTIFY_SIZE, GFP_KERNEL);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &hv_genl_family, 0, HV_CMD_NOTIFY);
	if (!hdr ||
	    nla_put_u32(skb, HV_A_NOTIFY, what) ||
	    nla_put_u64_64bit(skb, HV_A_NOTIFY_SEQ, hv_notify_seq + 1,
			      HV_A_PAD) ||
	    nla_put_u64_64bit(skb, HV_A_NOTIFY_TIME, ktime_get_real_ns(),
			      HV_A_PAD) ||
	    hv_put_vm_id(skb, vm) ||
	    (vcpu && nla_put_u32(skb, HV_A_VCPU_ID, vcpu->id)) ||
	    (has_reason && nla_put_u64_64bit(skb, HV_A_NOTIFY_REASON, reason,
					     HV_A_PAD))) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	hv_notify_seq++;
	hv_genl_multicast_filtered(&hv_genl_family, skb, hv_notify_filter,
				   &vm->uid);
}

static int hv_genl_stop_vm(struct sk_buff *skb, struct genl_info *info)
{
	struct hv_vm *vm;
	unsigned int i;
	int ret = 0;

	if (!netlink_capable(skb, CAP_SYS_ADMIN)) {
		NL_SET_ERR_MSG(info->extack, "stopping a VM needs CAP_SYS_ADMIN");
		return -EPERM;
	}
	mutex_lock(&hv_registry_lock);
	vm = hv_genl_find(skb, info);
	if (IS_ERR(vm)) {
		ret = PTR_ERR(vm);
	} else if (vm->stopped) {
		NL_SET_ERR_MSG(info->extack, "the VM is stopped already");
		ret = -EALREADY;
	} else {
		/* Pairs with the check at the top of the run loop. */
		WRITE_ONCE(vm->stopped, true);
		for (i = 0; i < HV_MAX_VCPUS; i++) {
			struct hv_vcpu *vcpu = hv_vm_vcpu(vm, i);

			if (vcpu)
				hv_vcpu_kick(vcpu);
		}
		pr_info("vm%d (%s) stopped by an administrator (pid %d)\n",
			vm->id, vm->name, task_tgid_nr(current));
		hv_notify_locked(vm, HV_NOTIFY_VM_STOPPED, NULL, 0, false);
	}
	mutex_unlock(&hv_registry_lock);
	return ret;
}

/**
 * hv_notify_vcpu_exit() - tell the group about the exit HV_VCPU_RUN returns
 * @vcpu: the vCPU, whose run page holds the exit; in its thread.
 *
 * Only the exits an administrator wants to hear about: a triple fault, an
 * entry the CPU refused, an error of hv.
 */
void hv_notify_vcpu_exit(struct hv_vcpu *vcpu)
{
	const struct hv_run *run = vcpu->run;
	u64 reason = 0;
	u32 what;

	switch (run->exit_reason) {
	case HV_EXIT_SHUTDOWN:
		what = HV_NOTIFY_VCPU_SHUTDOWN;
		break;
	case HV_EXIT_FAIL_ENTRY:
		what = HV_NOTIFY_ENTRY_FAILED;
		reason = run->fail.hw_reason;
		break;
	case HV_EXIT_INTERNAL_ERROR:
		what = HV_NOTIFY_INTERNAL_ERROR;
		reason = run->internal.suberror;
		break;
	default:
		return;
	}
	mutex_lock(&hv_registry_lock);
	hv_notify_locked(vcpu->vm, what, vcpu, reason,
			 what != HV_NOTIFY_VCPU_SHUTDOWN);
	mutex_unlock(&hv_registry_lock);
}

/**
 * hv_registry_add() - list a new VM, owned by the calling process
 * @vm: the VM, ready but for its id, which this assigns.
 *
 * Return: 0, or -EBUSY when every id is taken, -ENOMEM.
 */
int hv_registry_add(struct hv_vm *vm)
{
	char comm[TASK_COMM_LEN];
	u32 id;
	int ret;

	vm->uid = current_uid();
	vm->pid = task_tgid_nr(current);
	vm->created_ns = ktime_get_real_ns();
	get_task_comm(comm, current);
	strscpy(vm->name, comm, sizeof(vm->name));

	mutex_lock(&hv_registry_lock);
	ret = xa_alloc_cyclic(&hv_vms, &id, vm, XA_LIMIT(1, INT_MAX),
			      &hv_next_id, GFP_KERNEL_ACCOUNT);
	if (ret >= 0) {
		vm->id = id;
		hv_registry_changed();
		hv_notify_locked(vm, HV_NOTIFY_VM_CREATED, NULL, 0, false);
		ret = 0;
	}
	mutex_unlock(&hv_registry_lock);
	return ret;
}

/**
 * hv_registry_remove() - take a VM off the list, before it is freed
 * @vm: a VM hv_registry_add() listed.
 */
void hv_registry_remove(struct hv_vm *vm)
{
	mutex_lock(&hv_registry_lock);
	xa_erase(&hv_vms, vm->id);
	hv_registry_changed();
	hv_notify_locked(vm, HV_NOTIFY_VM_DESTROYED, NULL, 0, false);
	mutex_unlock(&hv_registry_lock);
}

/**
 * hv_registry_set_name() - HV_VM_SET_NAME
 * @vm: the VM.
 * @n: the new name, from userspace: checked here.
 *
 * Return: 0, or -EINVAL for a name struct hv_vm_name does not allow.
 */
int hv_registry_set_name(struct hv_vm *vm, const struct hv_vm_name *n)
{
	size_t len = strnlen(n->name, sizeof(n->name));
	size_t i;

	if (!len || len == sizeof(n->name) ||
	    memchr_inv(n->name + len, 0, sizeof(n->name) - len))
		return -EINVAL;
	for (i = 0; i < len; i++) {
		u8 c = n->name[i];

		if (c < 0x20 || c == 0x7f)
			return -EINVAL;
	}
	mutex_lock(&hv_registry_lock);
	memcpy(vm->name, n->name, sizeof(vm->name));
	mutex_unlock(&hv_registry_lock);
	return 0;
}

static const struct nla_policy hv_genl_policy[HV_A_MAX + 1] = {
	[HV_A_VM_ID]	= { .type = NLA_U32 },
};

static const struct genl_small_ops hv_genl_ops[] = {
	{
		.cmd	= HV_CMD_GET_VM,
		.doit	= hv_genl_get_vm,
		.dumpit	= hv_genl_dump_vms,
	},
	{
		.cmd	= HV_CMD_GET_STATS,
		.doit	= hv_genl_get_stats,
	},
	{
		.cmd	= HV_CMD_STOP_VM,
		.doit	= hv_genl_stop_vm,
	},
};

static const struct genl_multicast_group hv_genl_mcgrps[] = {
	{ .name = HV_GENL_MCGRP_EVENTS, .flags = HV_GENL_MCGRP_FLAGS },
};

static struct genl_family hv_genl_family = {
	.name		= HV_GENL_NAME,
	.version	= HV_GENL_VERSION,
	.maxattr	= HV_A_MAX,
	.policy		= hv_genl_policy,
	.module		= THIS_MODULE,
	.small_ops	= hv_genl_ops,
	.n_small_ops	= ARRAY_SIZE(hv_genl_ops),
	HV_GENL_RESV_START_OP(HV_CMD_GET_VM)
	.mcgrps		= hv_genl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(hv_genl_mcgrps),
};

int __init hv_genl_init(void)
{
	return genl_register_family(&hv_genl_family);
}

void hv_genl_exit(void)
{
	genl_unregister_family(&hv_genl_family);
}
