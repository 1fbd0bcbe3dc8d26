// SPDX-License-Identifier: GPL-2.0-only
/*
 * reflect.c - reflection and bounce: what a ring takes goes out of a device instead of
 * into the ring.
 *
 * PF_RING_OPT_REFLECTOR gives the ring a reflector: every packet the ring would queue
 * (it matched the ring's device, direction and cluster) is sent out of the reflector
 * device as it was received (PF_RING_REFLECT), or back out of the device it came from
 * with its MAC addresses swapped (PF_RING_BOUNCE), and is not queued. Only received
 * Ethernet frames are reflected: a frame the stack sends (which the hook may see when
 * TX capture is on) is queued as before, so that a reflected frame is never reflected
 * again. The reflect and bounce actions of the rules (rules.c) send through
 * pfr_reflect_copy(): a copy goes out, and the rule decides whether the ring queues
 * the packet.
 *
 * The frame is copied into a new skb (the hook's skb is shared with the stack) and
 * handed to dev_queue_xmit(), which may be called from the receive softirq. A frame
 * too long for the device, or a copy that cannot be allocated, is counted as a
 * reflection error in the ring's /proc file.
 *
 * Locks: ps->reflector is written under rtnl_lock and ps->lock (the device notifier
 * takes both) and read by the hook under RCU. The reflector holds its device; the hold
 * is dropped when the reflector is replaced or removed, and the device notifier removes
 * it before the device goes. A reflector is freed after a grace period (a hook may still
 * be sending with it; unregistering a device also waits for one before it frees it).
 */
#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include "pf_ring_int.h"

struct pfr_reflector {
	struct net_device *dev;		/* held; NULL when bouncing */
	netdevice_tracker tracker;
	u32 mode;			/* enum pf_ring_reflect_mode */
	struct rcu_head rcu;
};

/* Replace the ring's reflector (NULL: none); under rtnl_lock and ps->lock */
static void pfr_reflect_replace(struct pfr_sock *ps, struct pfr_reflector *r)
{
	struct pfr_reflector *old;

	ASSERT_RTNL();
	lockdep_assert_held(&ps->lock);
	old = rcu_replace_pointer(ps->reflector, r, lockdep_is_held(&ps->lock));
	if (!old)
		return;
	if (old->dev)
		netdev_put(old->dev, &old->tracker);
	kfree_rcu(old, rcu);
}

int pfr_reflect_set(struct pfr_sock *ps, const struct pf_ring_reflector *req)
{
	struct net_device *dev = NULL;
	struct pfr_reflector *r = NULL;
	int err = 0;

	if (req->mode > PF_RING_BOUNCE || req->flags)
		return -EINVAL;
	if (req->mode == PF_RING_REFLECT && req->ifindex < 0)
		return -EINVAL;
	rtnl_lock();
	mutex_lock(&ps->lock);
	if (req->mode == PF_RING_REFLECT && !req->ifindex)
		goto replace;	/* no reflector */
	if (req->mode == PF_RING_REFLECT) {
		dev = __dev_get_by_index(sock_net(&ps->sk), req->ifindex);
		if (!dev) {
			err = -ENODEV;
			goto out;
		}
		/* The frames are Ethernet frames: only a device that sends them */
		if (dev->type != ARPHRD_ETHER) {
			err = -EINVAL;
			goto out;
		}
	}
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r) {
		err = -ENOMEM;
		goto out;
	}
	r->mode = req->mode;
	if (dev) {
		r->dev = dev;
		netdev_hold(dev, &r->tracker, GFP_KERNEL);
	}
replace:
	pfr_reflect_replace(ps, r);
out:
	mutex_unlock(&ps->lock);
	rtnl_unlock();
	return err;
}

/* The ring's reflector goes (release); under rtnl_lock and ps->lock */
void pfr_reflect_clear(struct pfr_sock *ps)
{
	pfr_reflect_replace(ps, NULL);
}

/* The device is being unregistered: a reflector to it goes; under rtnl and ps->lock */
void pfr_reflect_dev_gone(struct pfr_sock *ps, struct net_device *dev)
{
	struct pfr_reflector *r;

	r = rcu_dereference_protected(ps->reflector, lockdep_is_held(&ps->lock));
	if (r && r->dev == dev)
		pfr_reflect_replace(ps, NULL);
}

/* A copy of the frame out of dev (its MAC addresses swapped when bounce) */
static void pfr_reflect_send(struct pfr_sock *ps, struct net_device *dev,
			     const struct pfr_pkt *pkt, bool bounce)
{
	struct sk_buff *skb;
	u8 *frame;

	if (pkt->len < ETH_HLEN || pkt->len > dev->mtu + dev->hard_header_len + VLAN_HLEN)
		goto error;
	skb = alloc_skb(LL_RESERVED_SPACE(dev) + pkt->len, GFP_ATOMIC);
	if (!skb)
		goto error;
	skb_reserve(skb, LL_RESERVED_SPACE(dev));
	frame = skb_put(skb, pkt->len);
	pfr_ring_copy_frame(pkt, frame, pkt->len);
	if (bounce) {
		u8 mac[ETH_ALEN];

		ether_addr_copy(mac, frame);
		ether_addr_copy(frame, frame + ETH_ALEN);
		ether_addr_copy(frame + ETH_ALEN, mac);
	}
	skb->dev = dev;
	skb_reset_mac_header(skb);
	skb->protocol = ((struct ethhdr *)frame)->h_proto;
	skb_set_network_header(skb, ETH_HLEN);
	/* dev_queue_xmit() consumes the skb whatever it answers */
	if (dev_queue_xmit(skb) != NET_XMIT_SUCCESS)
		goto error;
	atomic64_inc(&ps->reflected);
	return;
error:
	atomic64_inc(&ps->reflect_errors);
}

/*
 * Reflect the packet if the ring has a reflector: true when it did (or tried: the
 * packet is then not queued). From the hook, under RCU.
 */
bool pfr_reflect(struct pfr_sock *ps, const struct pfr_pkt *pkt)
{
	const struct pfr_reflector *r = rcu_dereference(ps->reflector);

	if (!r || pkt->tx || pkt->link_type != PF_RING_LINK_ETHERNET)
		return false;
	if (r->mode == PF_RING_BOUNCE)
		pfr_reflect_send(ps, pkt->dev, pkt, true);
	else
		pfr_reflect_send(ps, r->dev, pkt, false);
	return true;
}

/*
 * A rule's reflect (out of device ifindex of the ring's namespace, looked up now: a
 * device gone since the rule was added means no copy) or bounce action. Received
 * Ethernet frames only. From the hook, under RCU.
 */
void pfr_reflect_copy(struct pfr_sock *ps, const struct pfr_pkt *pkt, int ifindex, bool bounce)
{
	struct net_device *dev;

	if (pkt->tx || pkt->link_type != PF_RING_LINK_ETHERNET)
		return;
	dev = bounce ? pkt->dev : dev_get_by_index_rcu(sock_net(&ps->sk), ifindex);
	if (!dev || dev->type != ARPHRD_ETHER) {
		atomic64_inc(&ps->reflect_errors);
		return;
	}
	pfr_reflect_send(ps, dev, pkt, bounce);
}

/* The reflector for getsockopt: ifindex 0 and mode PF_RING_REFLECT when there is none */
void pfr_reflect_get(struct pfr_sock *ps, struct pf_ring_reflector *out)
{
	const struct pfr_reflector *r;

	memset(out, 0, sizeof(*out));
	rcu_read_lock();
	r = rcu_dereference(ps->reflector);
	if (r) {
		out->ifindex = r->dev ? r->dev->ifindex : 0;
		out->mode = r->mode;
	}
	rcu_read_unlock();
}
