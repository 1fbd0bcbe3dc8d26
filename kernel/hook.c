// SPDX-License-Identifier: GPL-2.0-only
/*
 * hook.c - standard-mode capture: ETH_P_ALL protocol hooks feed the rings.
 *
 * A hook per device (struct pfr_devhook), shared by the rings bound to that device,
 * and one per namespace for the rings bound to "any". The stack calls a device's hook
 * only for that device's packets, so rings cost nothing to the traffic of devices they
 * are not bound to, and a socket that is not enabled and mapped is on no hook. The hook
 * walks its own rings, reading the clock (and parsing) once per packet for all of
 * them. With enable_tx_capture=0 the hooks set ignore_outgoing, so the stack does not
 * hand them (clone for them) what it sends.
 *
 * Locks: hooks and their ring lists are written under rtnl_lock (and the ring's
 * ps->lock); the stack walks its ptype lists, and the hook its ring list, under RCU. A
 * hook with no ring left leaves the stack's list and is freed after a grace period; a
 * ring's place (struct pfr_hook) goes back on a list, and a ring is freed, only after
 * synchronize_net().
 *
 * pfr_hook_rings is the list of every ring (open socket), for /proc, quick mode and
 * the device notifier: written under pfr_hook_lock (a mutex), walked under it or RCU.
 */
#include <linux/if_arp.h>
#include <linux/if_packet.h>
#include <linux/if_vlan.h>
#include <linux/rculist.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include "pf_ring_int.h"

/* Serialises writers of pfr_hook_rings */
DEFINE_MUTEX(pfr_hook_lock);
LIST_HEAD(pfr_hook_rings);

/* Every device hook in the stack's lists; under rtnl_lock */
static LIST_HEAD(pfr_hook_devhooks);

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

/* The hook of dev (of net's "any" when dev is NULL), or NULL; under rtnl_lock */
struct pfr_devhook *pfr_hook_find(struct net *net, const struct net_device *dev)
{
	struct pfr_devhook *dh;

	ASSERT_RTNL();
	list_for_each_entry(dh, &pfr_hook_devhooks, all)
		if (dh->pt.dev == dev && (dev || net_eq(dh->pt.af_packet_net, net)))
			return dh;
	return NULL;
}

/* The hook of dev (of net's "any" when dev is NULL), made and registered if needed */
static struct pfr_devhook *pfr_hook_devhook_get(struct net *net, struct net_device *dev)
{
	struct pfr_devhook *dh = pfr_hook_find(net, dev);

	if (dh)
		return dh;
	dh = kzalloc(sizeof(*dh), GFP_KERNEL);
	if (!dh)
		return NULL;
	dh->pt.type = htons(ETH_P_ALL);
	dh->pt.func = pfr_hook_rcv;
	dh->pt.ignore_outgoing = !pfr_enable_tx_capture;
	/* /proc/net/ptype shows a hook of no device in its namespace only */
	dh->pt.af_packet_net = net;
	INIT_LIST_HEAD(&dh->rings);
	if (dev) {
		netdev_hold(dev, &dh->tracker, GFP_KERNEL);
		dh->pt.dev = dev;
	}
	list_add(&dh->all, &pfr_hook_devhooks);
	pfr_driver_refresh();	/* an aware driver delivers to it from now on */
	dev_add_pack(&dh->pt);
	return dh;
}

static int pfr_hook_on(struct pfr_hook *h, struct pfr_sock *ps, struct net_device *dev)
{
	struct pfr_devhook *dh = pfr_hook_devhook_get(sock_net(&ps->sk), dev);

	if (!dh)
		return -ENOMEM;
	h->ps = ps;
	h->dh = dh;
	list_add_tail_rcu(&h->node, &dh->rings);
	h->on = true;
	return 0;
}

/*
 * The ring leaves the device's hook, and the hook the stack's list when it was the last
 * ring: the hook may still run on another CPU until the next grace period (it is freed
 * after one; it never dereferences pt.dev, whose hold goes now).
 */
static void pfr_hook_off(struct pfr_hook *h)
{
	struct pfr_devhook *dh = h->dh;

	if (!h->on)
		return;
	list_del_rcu(&h->node);
	h->on = false;
	if (!list_empty(&dh->rings))
		return;
	__dev_remove_pack(&dh->pt);
	list_del(&dh->all);
	pfr_driver_refresh();	/* no aware driver delivers to it any more */
	if (dh->pt.dev)
		netdev_put(dh->pt.dev, &dh->tracker);
	kfree_rcu(dh, rcu);
}

/* One place per bound device still present, or one on the "any" hook */
static int pfr_hook_register(struct pfr_sock *ps)
{
	struct net *net = sock_net(&ps->sk);
	int i, j;

	if (ps->bound_any)
		return pfr_hook_on(&ps->hooks[ps->nhooks++], ps, NULL);
	for (i = 0; i < ps->nbinds; i++) {
		struct net_device *dev;
		int err;

		if (!ps->binds[i].ifindex)
			continue;	/* unregistered */
		for (j = 0; j < i; j++)
			if (ps->binds[j].ifindex == ps->binds[i].ifindex)
				break;
		if (j < i)
			continue;	/* dev@0,dev@1: one place on the device's hook */
		dev = __dev_get_by_index(net, ps->binds[i].ifindex);
		if (!dev)
			continue;
		err = pfr_hook_on(&ps->hooks[ps->nhooks++], ps, dev);
		if (err)
			return err;
	}
	return 0;
}

static void pfr_hook_unregister(struct pfr_sock *ps)
{
	int i;

	for (i = 0; i < ps->nhooks; i++)
		pfr_hook_off(&ps->hooks[i]);
	ps->nhooks = 0;
}

/*
 * On the hooks while the ring is enabled and mapped (and not closing): join or leave
 * them, and take or give up the ring's share of its cluster. Under rtnl_lock and
 * ps->lock. *removed is set when the ring left hooks: the caller must then let a grace
 * period pass (synchronize_net()) before its places go back on a list or the ring is
 * freed. A failed join leaves every hook (-ENOMEM).
 */
int pfr_hook_update(struct pfr_sock *ps, bool *removed)
{
	bool want = READ_ONCE(ps->enabled) && ps->mapped && !ps->closing;
	bool have = ps->nhooks > 0;
	int err;

	ASSERT_RTNL();
	lockdep_assert_held(&ps->lock);
	*removed = false;
	if (want == have) {
		err = 0;
		goto out;
	}
	if (!want) {
		/* its cluster buckets go before it leaves the hooks that would feed them */
		pfr_cluster_refresh(ps, false);
		pfr_hook_unregister(ps);
		*removed = true;
		return 0;
	}
	err = pfr_hook_register(ps);
	if (err) {
		pfr_hook_unregister(ps);
		*removed = true;
	}
out:
	pfr_cluster_refresh(ps, ps->nhooks > 0);
	return err;
}

/*
 * The device is being unregistered: the ring leaves its hook (which goes with its
 * hold when it was the last). No grace period is needed here: unregistering waits for
 * one before the device goes, and the ring's place goes back on a list only after
 * pfr_hook_update() removed them all and waited. Under rtnl_lock and ps->lock.
 */
void pfr_hook_dev_gone(struct pfr_sock *ps, struct net_device *dev)
{
	int i;

	ASSERT_RTNL();
	lockdep_assert_held(&ps->lock);
	for (i = 0; i < ps->nhooks; i++)
		if (ps->hooks[i].on && ps->hooks[i].dh->pt.dev == dev)
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
		if (!pkt->tx && pkt->queue == b->queue)
			return true;
	}
	return false;
}

/* The packet's headers into pkt->parsed, once per packet (the rings' parse, rules) */
void pfr_hook_parse(struct pfr_pkt *pkt)
{
	const struct sk_buff *skb = pkt->skb;
	u8 buf[160];
	u32 len = min_t(u32, pkt->len, sizeof(buf));
	const u8 *data = buf;

	pkt->parsed_done = true;
	/* In place when the headers are linear and no stripped tag must go back in */
	if (!pkt->has_tag && !skb)
		data = pkt->data;
	else if (!pkt->has_tag && pkt->mac_off + (int)len <= (int)skb_headlen(skb))
		data = skb->data + pkt->mac_off;
	else
		pfr_ring_copy_frame(pkt, buf, len);
	pkt->parsed_ok = pfr_parse(data, len, pkt->link_type, &pkt->parsed, &pkt->hash);
}

/* The per-packet state every ring's path fills lazily (clock, parse, cluster keys) */
void pfr_hook_pkt_init(struct pfr_pkt *pkt, struct net_device *dev)
{
	pkt->dev = dev;
	pkt->link_type = pfr_parse_link_type(dev);
	pkt->ts_ns = 0;
	pkt->parsed_done = false;
	pkt->parsed_ok = false;
	pkt->hash = 0;
	pkt->cl_seen = NULL;
	pkt->cl_keys_done = 0;
}

/*
 * A VLAN tag the NIC stripped (stripped: there is one) goes back in after the MACs:
 * pkt->len counts it. Needs pkt->len set first.
 */
void pfr_hook_pkt_tag(struct pfr_pkt *pkt, bool stripped, u16 proto, u16 tci)
{
	pkt->has_tag = stripped && pkt->len >= 2 * ETH_ALEN;
	if (!pkt->has_tag)
		return;
	pkt->tag[0] = proto >> 8;
	pkt->tag[1] = proto & 0xff;
	pkt->tag[2] = tci >> 8;
	pkt->tag[3] = tci & 0xff;
	pkt->len += VLAN_HLEN;
}

/*
 * The packet to each ring of the hook that wants it; returns how many took it (queued
 * it, counted it dropped for want of room, or reflected it). Under RCU (softirq).
 */
unsigned int pfr_hook_deliver(struct pfr_devhook *dh, struct pfr_pkt *pkt)
{
	unsigned int taken = 0;
	struct pfr_hook *h;

	list_for_each_entry_rcu(h, &dh->rings, node) {
		struct pfr_sock *ps = h->ps;
		u32 filt;

		/* Paired with smp_store_release() in pfr_ring_alloc(); a place implies a ring */
		if (!smp_load_acquire(&ps->ring))
			continue;
		if (!pfr_hook_match(ps, &dh->pt, pkt))
			continue;
		/* a ring in no cluster and with no reflector pays a load for each */
		if (rcu_access_pointer(ps->cluster) && !pfr_cluster_wants(ps, pkt))
			continue;
		/* a ring without filters pays two loads for them; one flags snapshot a packet */
		filt = READ_ONCE(ps->filt.flags);
		if ((filt || rcu_access_pointer(ps->sk.sk_filter)) && !pfr_filter(ps, pkt, filt))
			continue;
		taken++;
		if (rcu_access_pointer(ps->reflector) && pfr_reflect(ps, pkt))
			continue;	/* sent out, not queued */
		if (!pkt->parsed_done && !pfr_quick_mode &&
		    READ_ONCE(ps->parse) == PF_RING_PARSE_L2_L4)
			pfr_hook_parse(pkt);
		pfr_ring_deliver(ps, pkt);
	}
	return taken;
}

static int pfr_hook_rcv(struct sk_buff *skb, struct net_device *dev,
			struct packet_type *pt, struct net_device *orig_dev)
{
	struct pfr_devhook *dh = container_of(pt, struct pfr_devhook, pt);
	struct pfr_pkt pkt;

	pkt.tx = skb->pkt_type == PACKET_OUTGOING;
	/* An aware driver handed its received frames over already (driver_hook.c) */
	if (!pkt.tx && (pt->dev ? READ_ONCE(dh->driver_rx) : pfr_driver_delivers(dev))) {
		consume_skb(skb);
		return 0;
	}
	pfr_hook_pkt_init(&pkt, dev);
	pkt.skb = skb;
	pkt.data = NULL;
	pkt.from_driver = false;
	pkt.queue = skb_rx_queue_recorded(skb) ? skb_get_rx_queue(skb) : -1;
	/*
	 * The frame starts at the MAC header, or (as af_packet's SOCK_RAW sees it) at the
	 * network header on a device that has no link-layer header.
	 */
	if (pkt.link_type == PF_RING_LINK_RAW_IP) {
		pkt.mac_off = pkt.tx ? max(skb_network_offset(skb), 0) : 0;
	} else {
		pkt.mac_off = skb_mac_header_was_set(skb) ? skb_mac_offset(skb) : 0;
		if (pkt.mac_off > 0)
			pkt.mac_off = 0;
	}
	pkt.len = skb->len - pkt.mac_off;
	pfr_hook_pkt_tag(&pkt, skb_vlan_tag_present(skb) && dev->type == ARPHRD_ETHER,
			 be16_to_cpu(skb->vlan_proto), skb_vlan_tag_get(skb));

	rcu_read_lock();
	pfr_hook_deliver(dh, &pkt);
	rcu_read_unlock();
	consume_skb(skb);
	return 0;
}

/* No ring is left (each holds a module reference), so no hook either. */
void pfr_hook_exit(void)
{
	WARN_ON_ONCE(!list_empty(&pfr_hook_rings));
	WARN_ON_ONCE(!list_empty(&pfr_hook_devhooks));
}
