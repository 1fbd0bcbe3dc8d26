// SPDX-License-Identifier: GPL-2.0-only
/*
 * tx.c - sending: sendmsg() on a PF_RING socket takes a batch of frames and hands
 * them to a device. The record format, the choice of device and the errors are
 * described in linux/pf_ring.h ("Sending").
 *
 * A message is read one record at a time. Each frame is copied into an skb charged to
 * the socket: SO_SNDBUF so bounds what the socket has waiting in drivers' queues, and
 * the socket lives until the last of them is freed. Consecutive frames for one device,
 * up to PFR_TX_TRAIN of them, make a train; the train goes to the driver in one go
 * under its TX queue's lock, every frame but the last with the xmit_more hint, so that
 * the driver tells the NIC once per train. The stack's taps (capture rings, AF_PACKET
 * sockets) are given each frame just before the driver, as the qdisc layer's
 * xmit_one() does. With PF_RING_OPT_TX_QDISC the frames go through dev_queue_xmit()
 * one at a time instead.
 *
 * Locks: no lock of the ring's is held while sending. ps->lock (a mutex) is taken only
 * to read the bind list, which may change on a socket that has no ring (a send-only
 * one). A train goes to the driver under the queue's xmit lock (HARD_TX_LOCK) with
 * bottom halves off, as __dev_direct_xmit() does; everything that may sleep (copies
 * from user space, waiting for send-buffer room or for a stopped queue) happens
 * before, with no lock held. Senders on one socket build their own trains; the
 * queue's lock orders their trains.
 *
 * Waiting: a sender that finds its TX queue stopped, or its send buffer full, sleeps
 * on the socket's wait queue. sock_wfree() wakes it (sk_write_space) when a driver
 * frees one of the socket's frames; it also looks again every jiffy, since a queue may
 * be full of other senders' frames. The frames of a train count in the send buffer
 * too: a train that fills it goes to the driver before the sender waits for room.
 */
#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <linux/sched/signal.h>
#include <linux/skbuff.h>
#include <linux/sockptr.h>
#include <linux/uio.h>
#include <linux/wait.h>
#include <net/sock.h>
#include "pf_ring_int.h"

#define PFR_TX_TRAIN		64	/* frames handed to the driver in one go, at most */
#define PFR_TX_LINEAR_MAX	2048	/* longer frames: the headers linear, the rest paged */
#define PFR_TX_LINEAR_HEAD	256
#define PFR_TX_BUSY_TRIES	100	/* jiffies a driver may answer NETDEV_TX_BUSY */

/* What a frame's skb carries in skb->cb until it goes to the driver */
struct pfr_tx_cb {
	u32 rec_len;		/* bytes of its record: header, frame, padding */
	bool tapped;		/* the taps have had it */
};

static inline struct pfr_tx_cb *pfr_tx_cb(struct sk_buff *skb)
{
	return (struct pfr_tx_cb *)skb->cb;
}

/* The frames of one device waiting to be handed over together */
struct pfr_tx_train {
	struct sk_buff_head skbs;
	struct net_device *dev;		/* held while it is the train's */
	int ifindex;
	bool qdisc;			/* PF_RING_OPT_TX_QDISC, read once per message */
	bool stack;			/* PF_RING_OPT_TX_STACK, read once per message */
};

/*
 * The device of records with ifindex 0: the ring's first bound device, or -errno.
 * Under ps->lock: the notifier zeroes a vanished device's index under it.
 */
static int pfr_tx_default_ifindex(struct pfr_sock *ps)
{
	int ifindex;

	mutex_lock(&ps->lock);
	if (!ps->bound || ps->bound_any || !ps->nbinds)
		ifindex = -EDESTADDRREQ;
	else if (!ps->binds[0].ifindex)
		ifindex = -ENODEV;
	else
		ifindex = ps->binds[0].ifindex;
	mutex_unlock(&ps->lock);
	return ifindex;
}

static bool pfr_tx_dev_down(const struct net_device *dev)
{
	return !netif_running(dev) || !netif_carrier_ok(dev);
}

/*
 * Ready to go on: txq NULL, when the socket has send-buffer room; else when the queue
 * takes frames (*err = -ENETDOWN, and ready, when the device went down meanwhile).
 */
static bool pfr_tx_ready(struct sock *sk, struct net_device *dev, struct netdev_queue *txq,
			 int *err)
{
	if (!txq)
		return sk_wmem_alloc_get(sk) < READ_ONCE(sk->sk_sndbuf);
	if (pfr_tx_dev_down(dev)) {
		*err = -ENETDOWN;
		return true;
	}
	return !netif_xmit_frozen_or_drv_stopped(txq);
}

/* Sleep until pfr_tx_ready(), at most *timeo jiffies (what is left goes back there). */
static int pfr_tx_wait(struct sock *sk, struct net_device *dev, struct netdev_queue *txq,
		       long *timeo)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	int err = 0;

	if (pfr_tx_ready(sk, dev, txq, &err))
		return err;
	add_wait_queue(sk_sleep(sk), &wait);
	for (;;) {
		long slice, left;

		if (pfr_tx_ready(sk, dev, txq, &err))
			break;
		if (!*timeo) {
			err = -EAGAIN;
			break;
		}
		if (signal_pending(current)) {
			err = sock_intr_errno(*timeo);
			break;
		}
		slice = min_t(long, *timeo, 1);
		left = wait_woken(&wait, TASK_INTERRUPTIBLE, slice);
		if (*timeo != MAX_SCHEDULE_TIMEOUT)
			*timeo -= slice - left;
	}
	remove_wait_queue(sk_sleep(sk), &wait);
	return err;
}

/* The train's device becomes the one of ifindex; the train is empty. */
static int pfr_tx_train_dev(struct pfr_sock *ps, struct pfr_tx_train *t, int ifindex,
			    bool named)
{
	struct net_device *dev = dev_get_by_index(sock_net(&ps->sk), ifindex);

	if (!dev)
		return named ? -ENXIO : -ENODEV;
	dev_put(t->dev);
	t->dev = dev;
	t->ifindex = ifindex;
	return 0;
}

/*
 * One TX queue per ring and device, so that the ring's frames leave in their order;
 * a driver that picks queues itself (ndo_select_queue) is asked, for the train's first.
 */
static u16 pfr_tx_pick_queue(struct pfr_sock *ps, struct net_device *dev,
			     struct sk_buff *skb)
{
	const struct net_device_ops *ops = dev->netdev_ops;

	if (dev->real_num_tx_queues <= 1)
		return 0;
	if (ops->ndo_select_queue)
		return netdev_cap_txqueue(dev, ops->ndo_select_queue(dev, skb, NULL));
	return ps->id % dev->real_num_tx_queues;
}

/*
 * The train to the driver, past the qdisc. *done grows by the records of the frames
 * the driver took; those it did not take stay on the train (the caller frees them).
 */
static int pfr_tx_direct_xmit(struct pfr_sock *ps, struct pfr_tx_train *t, long *timeo,
			      size_t *done)
{
	struct net_device *dev = t->dev;
	struct netdev_queue *txq;
	struct sk_buff *skb;
	int busy = 0, err = 0;
	u16 queue;

	queue = pfr_tx_pick_queue(ps, dev, skb_peek(&t->skbs));
	txq = netdev_get_tx_queue(dev, queue);
	while (!skb_queue_empty(&t->skbs)) {
		bool refused = false;

		err = pfr_tx_wait(&ps->sk, dev, txq, timeo);
		if (err)
			break;
		local_bh_disable();
		dev_xmit_recursion_inc();
		HARD_TX_LOCK(dev, txq, smp_processor_id());
		while ((skb = skb_peek(&t->skbs)) && !netif_xmit_frozen_or_drv_stopped(txq)) {
			bool more = !skb_queue_is_last(&t->skbs, skb);
			u32 rec_len = pfr_tx_cb(skb)->rec_len;
			netdev_tx_t rc;

			skb_set_queue_mapping(skb, queue);
			if (!pfr_tx_cb(skb)->tapped && dev_nit_active(dev))
				dev_queue_xmit_nit(skb, dev);
			pfr_tx_cb(skb)->tapped = true;
			__skb_unlink(skb, &t->skbs);
			rc = netdev_start_xmit(skb, dev, txq, more);
			if (!dev_xmit_complete(rc)) {
				/* NETDEV_TX_BUSY: the frame is still ours, tried again later */
				__skb_queue_head(&t->skbs, skb);
				refused = true;
				break;
			}
			*done += rec_len;
		}
		HARD_TX_UNLOCK(dev, txq);
		dev_xmit_recursion_dec();
		local_bh_enable();
		if (refused) {
			if (++busy > PFR_TX_BUSY_TRIES) {
				err = -ENOBUFS;
				break;
			}
			schedule_timeout_uninterruptible(1);
		}
	}
	return err;
}

/* The train through the qdisc, a frame at a time; as pfr_tx_direct_xmit() for *done. */
static int pfr_tx_queue_xmit(struct pfr_tx_train *t, size_t *done)
{
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(&t->skbs))) {
		u32 rec_len = pfr_tx_cb(skb)->rec_len;
		int rc = dev_queue_xmit(skb);

		if (rc > 0)
			rc = net_xmit_errno(rc);	/* congestion is no error, a drop is */
		if (rc)
			return rc;
		*done += rec_len;
	}
	return 0;
}

/* Hand the train over; what the device did not take is freed. */
static int pfr_tx_train_send(struct pfr_sock *ps, struct pfr_tx_train *t, long *timeo,
			     size_t *done)
{
	int err;

	if (skb_queue_empty(&t->skbs))
		return 0;
	if (t->qdisc)
		err = pfr_tx_queue_xmit(t, done);
	else
		err = pfr_tx_direct_xmit(ps, t, timeo, done);
	__skb_queue_purge(&t->skbs);
	return err;
}

/* An skb for a frame of len bytes for dev, charged to the socket (waits for room). */
static struct sk_buff *pfr_tx_alloc(struct pfr_sock *ps, struct net_device *dev, u32 len,
				    long *timeo, int *err)
{
	struct sock *sk = &ps->sk;
	u32 linear = len;
	struct sk_buff *skb;

	*err = pfr_tx_wait(sk, dev, NULL, timeo);
	if (*err)
		return NULL;
	if (len > PFR_TX_LINEAR_MAX)
		linear = max_t(u32, PFR_TX_LINEAR_HEAD, dev->hard_header_len);
	skb = alloc_skb_with_frags(LL_RESERVED_SPACE(dev) + linear + dev->needed_tailroom,
				   len - linear, 0, err, sk->sk_allocation);
	if (!skb)
		return NULL;
	skb_set_owner_w(skb, sk);
	skb_reserve(skb, LL_RESERVED_SPACE(dev));
	skb_put(skb, linear);
	skb->data_len = len - linear;
	skb->len += len - linear;
	return skb;
}

/* A VLAN-tagged Ethernet frame may be 4 bytes longer than MTU + header. */
static bool pfr_tx_tagged_fits(const struct net_device *dev, const struct sk_buff *skb)
{
	const struct ethhdr *eth = (const struct ethhdr *)skb->data;

	return dev->type == ARPHRD_ETHER &&
	       skb->len <= dev->mtu + dev->hard_header_len + VLAN_HLEN &&
	       eth_type_vlan(eth->h_proto);
}

/* What the stack and the driver read of a frame's skb, once its bytes are in. */
static int pfr_tx_prepare(struct pfr_sock *ps, struct net_device *dev, struct sk_buff *skb,
			  bool qdisc)
{
	struct sock *sk = &ps->sk;
	struct sk_buff *checked;
	bool again = false;

	if (skb->len < dev->hard_header_len)
		return -EINVAL;
	if (skb->len > dev->mtu + dev->hard_header_len && !pfr_tx_tagged_fits(dev, skb))
		return -EMSGSIZE;
	skb->dev = dev;
	skb_reset_mac_header(skb);
	skb_set_network_header(skb, dev->hard_header_len);
	skb->protocol = dev_parse_header_protocol(skb);
	if (!skb->protocol && !dev->hard_header_len) {
		/* no link-layer header: the frame is an IP packet */
		u8 version = skb->data[0] >> 4;

		if (version == 4)
			skb->protocol = htons(ETH_P_IP);
		else if (version == 6)
			skb->protocol = htons(ETH_P_IPV6);
	}
	skb->priority = READ_ONCE(sk->sk_priority);
	skb->mark = READ_ONCE(sk->sk_mark);
	if (qdisc)
		return 0;	/* dev_queue_xmit() validates it */
	checked = validate_xmit_skb_list(skb, dev, &again);
	if (checked != skb) {
		/* dropped or split: nothing a raw frame should need */
		kfree_skb_list(checked);
		return -EINVAL;
	}
	return 0;
}

/*
 * PF_RING_OPT_TX_STACK: the frame enters the stack as if dev had received it. It is
 * the stack's from here (no longer in the socket's send buffer); netif_rx() queues it
 * on this CPU's backlog, which may be full (-ENOBUFS: the frame was dropped).
 */
static int pfr_tx_inject(struct sk_buff *skb, struct net_device *dev)
{
	skb_orphan(skb);
	if (dev->type == ARPHRD_ETHER) {
		skb->protocol = eth_type_trans(skb, dev);
	} else {
		skb_reset_network_header(skb);	/* a raw IP frame: its protocol is set */
		skb->pkt_type = PACKET_HOST;
	}
	skb->ip_summed = CHECKSUM_NONE;
	return netif_rx(skb) == NET_RX_SUCCESS ? 0 : -ENOBUFS;
}

/*
 * The next record of the message onto the train (which goes first when the record is
 * for another device, or when it is full). Errors per linux/pf_ring.h.
 */
static int pfr_tx_record(struct pfr_sock *ps, struct msghdr *msg, int def_ifindex,
			 struct pfr_tx_train *t, long *timeo, size_t *done)
{
	struct pf_ring_tx_hdr hdr;
	size_t left = msg_data_left(msg), pad;
	struct sk_buff *skb;
	int ifindex, err;

	if (left < sizeof(hdr))
		return -EINVAL;
	if (!copy_from_iter_full(&hdr, sizeof(hdr), &msg->msg_iter))
		return -EFAULT;
	left -= sizeof(hdr);
	if (!hdr.len || hdr.len > left || hdr.ifindex < 0)
		return -EINVAL;
	if (hdr.len > PF_RING_TX_MAX_LEN)
		return -EMSGSIZE;
	ifindex = hdr.ifindex ? hdr.ifindex : def_ifindex;
	if (ifindex < 0)
		return ifindex;
	if (t->dev && (t->ifindex != ifindex || skb_queue_len(&t->skbs) >= PFR_TX_TRAIN)) {
		err = pfr_tx_train_send(ps, t, timeo, done);
		if (err)
			return err;
	}
	if (!t->dev || t->ifindex != ifindex) {
		err = pfr_tx_train_dev(ps, t, ifindex, hdr.ifindex);
		if (err)
			return err;
	}
	if (pfr_tx_dev_down(t->dev))
		return -ENETDOWN;
	if (hdr.len > t->dev->mtu + t->dev->hard_header_len + VLAN_HLEN)
		return -EMSGSIZE;
	/* The train's frames count in the send buffer: they go before we wait for room */
	if (!skb_queue_empty(&t->skbs) && !pfr_tx_ready(&ps->sk, t->dev, NULL, &err)) {
		err = pfr_tx_train_send(ps, t, timeo, done);
		if (err)
			return err;
	}

	skb = pfr_tx_alloc(ps, t->dev, hdr.len, timeo, &err);
	if (!skb)
		return err;
	if (skb_copy_datagram_from_iter(skb, 0, &msg->msg_iter, hdr.len)) {
		kfree_skb(skb);
		return -EFAULT;
	}
	pad = PF_RING_TX_RECORD_LEN(hdr.len) - sizeof(hdr) - hdr.len;
	pad = min(pad, msg_data_left(msg));	/* the last record may leave it out */
	iov_iter_advance(&msg->msg_iter, pad);
	/* the stack validates what it receives: no transmit checks for injection */
	err = pfr_tx_prepare(ps, t->dev, skb, t->qdisc || t->stack);
	if (err) {
		kfree_skb(skb);
		return err;
	}
	if (t->stack) {
		err = pfr_tx_inject(skb, t->dev);
		if (!err)
			*done += sizeof(hdr) + hdr.len + pad;
		return err;
	}
	pfr_tx_cb(skb)->rec_len = sizeof(hdr) + hdr.len + pad;
	pfr_tx_cb(skb)->tapped = false;
	__skb_queue_tail(&t->skbs, skb);
	return 0;
}

/*
 * sendmsg(): the message's records, in order. The bytes of the records sent, or the
 * error of the first record when none was (linux/pf_ring.h, "Sending").
 */
int pfr_tx_sendmsg(struct socket *sock, struct msghdr *msg, size_t len)
{
	struct sock *sk = sock->sk;
	struct pfr_sock *ps = pfr_sk(sk);
	struct pfr_tx_train t;
	size_t done = 0;
	int def_ifindex, err = 0, send_err;
	long timeo;

	BUILD_BUG_ON(sizeof(struct pfr_tx_cb) > sizeof_field(struct sk_buff, cb));
	BUILD_BUG_ON(sizeof(struct pf_ring_tx_hdr) != 8);
	BUILD_BUG_ON(PF_RING_TX_RECORD_LEN(1) != 16);

	if (READ_ONCE(ps->socket_mode) == PF_RING_MODE_RECV_ONLY)
		return -EBADF;
	if (msg->msg_name)
		return -EINVAL;
	def_ifindex = pfr_tx_default_ifindex(ps);
	timeo = sock_sndtimeo(sk, msg->msg_flags & MSG_DONTWAIT);
	__skb_queue_head_init(&t.skbs);
	t.dev = NULL;
	t.ifindex = 0;
	t.qdisc = READ_ONCE(ps->tx_qdisc);
	t.stack = READ_ONCE(ps->tx_stack);

	while (msg_data_left(msg)) {
		err = pfr_tx_record(ps, msg, def_ifindex, &t, &timeo, &done);
		if (err)
			break;
	}
	/* The frames before a failed record go; their failure comes first */
	send_err = pfr_tx_train_send(ps, &t, &timeo, &done);
	if (send_err)
		err = send_err;
	dev_put(t.dev);
	return done ? (int)done : err;
}

int pfr_tx_setsockopt(struct pfr_sock *ps, int optname, sockptr_t optval,
		      unsigned int optlen)
{
	u32 val;
	int err;

	if (optname != PF_RING_OPT_TX_QDISC && optname != PF_RING_OPT_TX_STACK)
		return -ENOPROTOOPT;
	err = pfr_sock_opt_copy(&val, sizeof(val), optval, optlen);
	if (err)
		return err;
	if (val > 1)
		return -EINVAL;
	if (optname == PF_RING_OPT_TX_QDISC)
		WRITE_ONCE(ps->tx_qdisc, val);
	else
		WRITE_ONCE(ps->tx_stack, val);
	return 0;
}
