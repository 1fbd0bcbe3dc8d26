// SPDX-License-Identifier: GPL-2.0-only
/*
 * hook.c - standard-mode capture: ETH_P_ALL protocol hooks feed the rings.
 *
 * Each ring has hooks of its own (af_packet's idiom): one packet_type per bound
 * device, or one for every device when it is bound to "any". The stack calls a
 * device's hooks only for that device's packets, so a ring costs nothing to the
 * traffic of devices it is not bound to, and a socket that is not enabled and mapped
 * has no hook at all. With enable_tx_capture=0 the hooks set ignore_outgoing, so the
 * stack does not hand them (clone for them) what it sends.
 *
 * Locks: a ring's hooks are registered and removed under rtnl_lock and ps->lock.
 * The stack walks its ptype lists under RCU; a hook taken off a list may still be
 * running on another CPU until a grace period has passed, so a hook's packet_type is
 * put back on a list, and a ring freed, only after synchronize_net().
 *
 * pfr_hook_rings is the list of every ring (open socket), for /proc, quick mode and
 * the device notifier: written under pfr_hook_lock (a mutex), walked under it or RCU.
 */
#include <linux/if_arp.h>
#include <linux/if_packet.h>
#include <linux/if_vlan.h>
#include <linux/rculist.h>
#include <linux/rtnetlink.h>
#include "pf_ring_int.h"

/* Serialises writers of pfr_hook_rings */
DEFINE_MUTEX(pfr_hook_lock);
LIST_HEAD(pfr_hook_rings);

static int pfr_hook_rcv(struct sk_buff *skb, struct net_device *dev,
			struct packet_type *pt, struct net_device *orig_dev);

void pfr_hook_add(struct pfr_sock *ps)
{
	mutex_lock(&pfr_hook_lock);
	list_add_tail_rcu(&ps->list, &pfr_hook_rings);
	mutex_unlock(&pfr_hook_lock);
}

/* The caller waits for a grace period (synchronize_net()) before the ring is freed */
void pfr_hook_del(struct pfr_sock *ps)
{
	mutex_lock(&pfr_hook_lock);
	list_del_rcu(&ps->list);
	mutex_unlock(&pfr_hook_lock);
}

static void pfr_hook_on(struct pfr_hook *h, struct pfr_sock *ps, struct net_device *dev)
{
	memset(&h->pt, 0, sizeof(h->pt));
	h->pt.type = htons(ETH_P_ALL);
	h->pt.func = pfr_hook_rcv;
	h->pt.ignore_outgoing = !pfr_enable_tx_capture;
	/* /proc/net/ptype shows a hook of no device in its namespace only */
	h->pt.af_packet_net = sock_net(&ps->sk);
	h->ps = ps;
	if (dev) {
		netdev_hold(dev, &h->tracker, GFP_KERNEL);
		h->pt.dev = dev;
	}
	dev_add_pack(&h->pt);
	h->on = true;
}

/*
 * Off the stack's list; it may run on another CPU until the next grace period, so
 * pt.dev is left as it is (the hook reads it; it is never dereferenced once the hold
 * is given back).
 */
static void pfr_hook_off(struct pfr_hook *h)
{
	if (!h->on)
		return;
	__dev_remove_pack(&h->pt);
	if (h->pt.dev)
		netdev_put(h->pt.dev, &h->tracker);
	h->on = false;
}

/* One hook per bound device still present, or one for "any" */
static void pfr_hook_register(struct pfr_sock *ps)
{
	struct net *net = sock_net(&ps->sk);
	int i, j;

	if (ps->bound_any) {
		pfr_hook_on(&ps->hooks[ps->nhooks++], ps, NULL);
		return;
	}
	for (i = 0; i < ps->nbinds; i++) {
		struct net_device *dev;

		if (!ps->binds[i].ifindex)
			continue;	/* unregistered */
		for (j = 0; j < i; j++)
			if (ps->binds[j].ifindex == ps->binds[i].ifindex)
				break;
		if (j < i)
			continue;	/* dev@0,dev@1: one hook for the device */
		dev = __dev_get_by_index(net, ps->binds[i].ifindex);
		if (dev)
			pfr_hook_on(&ps->hooks[ps->nhooks++], ps, dev);
	}
}

/*
 * Hooks wanted while the ring is enabled and mapped (and not closing): register or
 * remove them. Under rtnl_lock and ps->lock. Returns true when hooks were removed:
 * the caller must then let a grace period pass (synchronize_net()) before they go
 * back on a list or the ring is freed.
 */
bool pfr_hook_update(struct pfr_sock *ps)
{
	bool want = READ_ONCE(ps->enabled) && ps->mapped && !ps->closing;
	bool have = ps->nhooks > 0;
	int i;

	ASSERT_RTNL();
	lockdep_assert_held(&ps->lock);
	if (want == have)
		return false;
	if (want) {
		pfr_hook_register(ps);
		return false;
	}
	for (i = 0; i < ps->nhooks; i++)
		pfr_hook_off(&ps->hooks[i]);
	ps->nhooks = 0;
	return true;
}

/*
 * The device is being unregistered: its hook goes, and so does the hold on it. No
 * grace period is needed here: unregistering waits for one before the device goes,
 * and the hook's packet_type goes back on a list only after pfr_hook_update() removed
 * every hook and waited. Under rtnl_lock and ps->lock.
 */
void pfr_hook_dev_gone(struct pfr_sock *ps, struct net_device *dev)
{
	int i;

	ASSERT_RTNL();
	lockdep_assert_held(&ps->lock);
	for (i = 0; i < ps->nhooks; i++)
		if (ps->hooks[i].on && ps->hooks[i].pt.dev == dev)
			pfr_hook_off(&ps->hooks[i]);
}

/*
 * Does the ring want this packet? The stack calls a device's hook only for that
 * device; a hook of "any" sees every device of every namespace. The bind list is
 * frozen once the ring is mapped, but for the notifier zeroing an ifindex.
 */
static bool pfr_hook_match(struct pfr_sock *ps, const struct packet_type *pt,
			   const struct pfr_pkt *pkt)
{
	const struct sk_buff *skb = pkt->skb;
	u32 dir, i;

	if (!READ_ONCE(ps->enabled))
		return false;
	if (READ_ONCE(ps->socket_mode) == PF_RING_MODE_SEND_ONLY)
		return false;
	dir = READ_ONCE(ps->direction);
	if (pkt->tx ? dir == PF_RING_DIR_RX_ONLY : dir == PF_RING_DIR_TX_ONLY)
		return false;
	if (!pt->dev)	/* "any" */
		return net_eq(dev_net(pkt->dev), sock_net(&ps->sk));
	for (i = 0; i < ps->nbinds; i++) {
		const struct pfr_bind *b = &ps->binds[i];

		if (READ_ONCE(b->ifindex) != pkt->dev->ifindex)
			continue;
		if (b->queue < 0)
			return true;
		/* ethX@Q: received packets of RX queue Q only */
		if (!pkt->tx && skb_rx_queue_recorded(skb) &&
		    skb_get_rx_queue(skb) == b->queue)
			return true;
	}
	return false;
}

static void pfr_hook_parse(struct pfr_pkt *pkt)
{
	const struct sk_buff *skb = pkt->skb;
	u8 buf[160];
	u32 len = min_t(u32, pkt->len, sizeof(buf));
	const u8 *data = buf;

	/* In place when the headers are linear and no stripped tag must go back in */
	if (!pkt->has_tag && pkt->mac_off + (int)len <= (int)skb_headlen(skb))
		data = skb->data + pkt->mac_off;
	else
		pfr_ring_copy_frame(pkt, buf, len);
	pkt->parsed_ok = pfr_parse(data, len, pkt->link_type, &pkt->parsed, &pkt->hash);
}

static int pfr_hook_rcv(struct sk_buff *skb, struct net_device *dev,
			struct packet_type *pt, struct net_device *orig_dev)
{
	struct pfr_sock *ps = container_of(pt, struct pfr_hook, pt)->ps;
	struct pfr_pkt pkt;

	/* Paired with smp_store_release() in pfr_ring_alloc(); a hook implies a ring */
	if (!smp_load_acquire(&ps->ring))
		goto out;
	pkt.tx = skb->pkt_type == PACKET_OUTGOING;
	pkt.skb = skb;
	pkt.dev = dev;
	if (!pfr_hook_match(ps, pt, &pkt))
		goto out;

	/*
	 * The frame starts at the MAC header, or (as af_packet's SOCK_RAW sees it) at the
	 * network header on a device that has no link-layer header.
	 */
	pkt.link_type = pfr_parse_link_type(dev);
	if (pkt.link_type == PF_RING_LINK_RAW_IP) {
		pkt.mac_off = pkt.tx ? max(skb_network_offset(skb), 0) : 0;
	} else {
		pkt.mac_off = skb_mac_header_was_set(skb) ? skb_mac_offset(skb) : 0;
		if (pkt.mac_off > 0)
			pkt.mac_off = 0;
	}
	pkt.len = skb->len - pkt.mac_off;
	pkt.has_tag = skb_vlan_tag_present(skb) && dev->type == ARPHRD_ETHER &&
		      pkt.len >= 2 * ETH_ALEN;
	if (pkt.has_tag) {
		u16 proto = be16_to_cpu(skb->vlan_proto), tci = skb_vlan_tag_get(skb);

		pkt.tag[0] = proto >> 8;
		pkt.tag[1] = proto & 0xff;
		pkt.tag[2] = tci >> 8;
		pkt.tag[3] = tci & 0xff;
		pkt.len += VLAN_HLEN;
	}
	pkt.parsed_ok = false;
	pkt.hash = 0;
	if (!pfr_quick_mode && READ_ONCE(ps->parse) == PF_RING_PARSE_L2_L4)
		pfr_hook_parse(&pkt);
	pfr_ring_deliver(ps, &pkt);
out:
	consume_skb(skb);
	return 0;
}

/* No ring is left (each holds a module reference), so no hook either. */
void pfr_hook_exit(void)
{
	WARN_ON_ONCE(!list_empty(&pfr_hook_rings));
}
