// SPDX-License-Identifier: GPL-2.0
/*
 * Up to 5.17 and again from 6.8: a netlink broadcast that asks, for each
 * listener, whether it may have the message.
 */
#include <linux/netlink.h>

static int hv_probe_filter(struct sock *dsk, struct sk_buff *skb, void *data)
{
	return 0;
}

int hv_probe(struct sock *ssk, struct sk_buff *skb);
int hv_probe(struct sock *ssk, struct sk_buff *skb)
{
	return netlink_broadcast_filtered(ssk, skb, 0, 1, GFP_KERNEL,
					  hv_probe_filter, NULL);
}
