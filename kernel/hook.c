// SPDX-License-Identifier: GPL-2.0-only
/*
 * hook.c - standard-mode capture: an ETH_P_ALL protocol hook feeds the rings.
 *
 * Lock: pfr_hook_lock (a mutex) serialises changes to pfr_hook_rings; the hook walks
 * the list under RCU only, so a packet takes no global lock. A ring leaves the list
 * in pfr_hook_del(), which waits for a grace period: after it no CPU is inside the
 * hook with that ring, and the ring's memory may go.
 *
 * The hook is registered only while a ring exists: with the module loaded and no ring
 * open, packets do not pass through here at all (every ETH_P_ALL hook costs each
 * packet a reference and a call). The first ring registers it; the last one removes
 * it and waits for a grace period under pfr_hook_lock, so the packet_type is never
 * added back while a CPU may still be walking past it.
 */
#include <linux/if_arp.h>
#include <linux/if_packet.h>
#include <linux/if_vlan.h>
#include <linux/rculist.h>
#include "pf_ring_int.h"

/* Serialises writers of pfr_hook_rings; the hook reads the list under RCU */
DEFINE_MUTEX(pfr_hook_lock);
LIST_HEAD(pfr_hook_rings);

static int pfr_hook_rcv(struct sk_buff *skb, struct net_device *dev,
			struct packet_type *pt, struct net_device *orig_dev);

static struct packet_type pfr_hook_pt __read_mostly = {
	.type = cpu_to_be16(ETH_P_ALL),
	.func = pfr_hook_rcv,
};

/* The hook is registered exactly while pfr_hook_rings is not empty (both under the lock) */
void pfr_hook_add(struct pfr_sock *ps)
{
	mutex_lock(&pfr_hook_lock);
	if (list_empty(&pfr_hook_rings))
		dev_add_pack(&pfr_hook_pt);
	list_add_tail_rcu(&ps->list, &pfr_hook_rings);
	mutex_unlock(&pfr_hook_lock);
}

void pfr_hook_del(struct pfr_sock *ps)
{
	bool removed = false;

	mutex_lock(&pfr_hook_lock);
	list_del_rcu(&ps->list);
	if (list_empty(&pfr_hook_rings)) {
		dev_remove_pack(&pfr_hook_pt);	/* waits for a grace period */
		removed = true;
	}
	mutex_unlock(&pfr_hook_lock);
	if (!removed)
		synchronize_net();
}

/* Does the ring want this packet? Its bind list is frozen once the ring exists. */
static bool pfr_hook_match(struct pfr_sock *ps, const struct pfr_pkt *pkt)
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
	if (!net_eq(dev_net(pkt->dev), sock_net(&ps->sk)))
		return false;
	if (ps->bound_any)
		return true;
	for (i = 0; i < ps->nbinds; i++) {
		const struct pfr_bind *b = &ps->binds[i];

		if (b->ifindex != pkt->dev->ifindex)
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

	pkt->parsed_done = true;
	/* In place when the headers are linear and no stripped tag must go back in */
	if (!pkt->has_tag && pkt->mac_off + (int)len <= (int)skb_headlen(skb))
		data = skb->data + pkt->mac_off;
	else
		pfr_ring_copy_frame(pkt, buf, len);
	pkt->parsed_ok = pfr_parse(data, len, &pkt->parsed, &pkt->hash);
}

static int pfr_hook_rcv(struct sk_buff *skb, struct net_device *dev,
			struct packet_type *pt, struct net_device *orig_dev)
{
	struct pfr_pkt pkt;
	struct pfr_sock *ps;

	pkt.tx = skb->pkt_type == PACKET_OUTGOING;
	if (pkt.tx && !pfr_enable_tx_capture)
		goto out;

	pkt.skb = skb;
	pkt.dev = dev;
	pkt.mac_off = skb_mac_header_was_set(skb) ? skb_mac_offset(skb) : 0;
	if (pkt.mac_off > 0)
		pkt.mac_off = 0;
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
	pkt.ts_ns = 0;
	pkt.parsed_done = false;
	pkt.parsed_ok = false;
	pkt.hash = 0;

	rcu_read_lock();
	list_for_each_entry_rcu(ps, &pfr_hook_rings, list) {
		/* Paired with smp_store_release() in pfr_ring_alloc() */
		if (!smp_load_acquire(&ps->ring))
			continue;
		if (!pfr_hook_match(ps, &pkt))
			continue;
		if (!pkt.parsed_done && !pfr_quick_mode &&
		    READ_ONCE(ps->parse) == PF_RING_PARSE_L2_L4)
			pfr_hook_parse(&pkt);
		pfr_ring_deliver(ps, &pkt);
	}
	rcu_read_unlock();
out:
	consume_skb(skb);
	return 0;
}

int pfr_hook_init(void)
{
	return 0;	/* the first ring registers the hook */
}

/* No ring is left (each holds a module reference): the last one removed the hook. */
void pfr_hook_exit(void)
{
	WARN_ON_ONCE(!list_empty(&pfr_hook_rings));
}
