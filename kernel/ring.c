// SPDX-License-Identifier: GPL-2.0-only
/*
 * ring.c - the mmapped ring: allocation, mapping, the producer side of the protocol.
 *
 * Lock: ps->prod_lock serialises the producers (the hook, in softirq context, on any
 * CPU). It guards ps->prod, ps->prod_idx and ps->drops, and every slot write. The
 * ring's allocation is done once, under ps->lock, and published with
 * smp_store_release(&ps->ring); it is freed only when the socket is destroyed, after
 * an RCU grace period has passed since the ring's hooks left the stack's lists.
 *
 * Memory: the ring is charged to the memory cgroup of its allocator
 * (GFP_KERNEL_ACCOUNT; over memory.max the allocation fails with ENOMEM instead of
 * invoking the OOM killer), is at most max_ring_mb (ENOMEM) and half of RAM, and a
 * caller without CAP_IPC_LOCK has it counted in its user's locked_vm against
 * RLIMIT_MEMLOCK (EPERM), as AF_XDP counts its UMEM. The allocation (and its zeroing)
 * happens when the geometry is read, outside mmap_lock; mmap() then only maps it.
 *
 * The protocol (linux/pf_ring.h, section 4) with real numbers: num_slots = 4,
 * watermark = 2. The consumer has given back 5 packets (cons = 5), the kernel has
 * written 8 (prod = 8): slots 5 % 4 = 1, 2, 3 hold unread packets 5, 6, 7.
 * Packet 8 arrives: K1 reads cons = 5; K2 8 - 5 = 3 < 4, there is room; K3 writes
 * slot 8 % 4 = 0; K4 publishes prod = 9; K5 9 - 5 = 4 >= 2 wakes the readers.
 * Packet 9 arrives before the consumer moves: 9 - 5 = 4 = num_slots, drops++ and
 * slot 1 (packet 5, unread) is left alone.
 *
 * The frame is copied under prod_lock. Reserving the slot under the lock, copying
 * outside it and publishing prod in order (a private done-flag per slot) was measured
 * with both igb RX queues into one ring (bench/results/2026-12-02-6.1-copy-outside-
 * prod-lock.json, same boot, alternating loads): 60 B 0.74 -> 0.78 and 1500 B
 * 0.63 -> 0.60 of the generator's rate, within the noise, and the consumer lost
 * nothing either way. Two lock round trips per packet bought nothing, so it was not kept.
 */
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/skbuff.h>
#include <linux/vmalloc.h>
#include <linux/timekeeping.h>
#include <linux/if_vlan.h>
#include "pf_ring_int.h"

u64 pfr_ring_size(u32 num_slots, u32 slot_size)
{
	return (u64)PAGE_SIZE + (u64)num_slots * slot_size;
}

/* The geometry the ring has, or will have when it is allocated; under ps->lock. */
void pfr_ring_geometry(struct pfr_sock *ps, struct pf_ring_geometry *geo)
{
	lockdep_assert_held(&ps->lock);
	memset(geo, 0, sizeof(*geo));
	if (ps->ring) {
		geo->num_slots = ps->num_slots;
		geo->slot_size = ps->slot_size;
		geo->caplen = ps->caplen;
	} else {
		geo->num_slots = max(pfr_min_num_slots, ps->slots_req);
		geo->slot_size = ALIGN(sizeof(struct pf_ring_slot_hdr) + ps->caplen,
				       PF_RING_CACHELINE);
		geo->caplen = ps->caplen;
	}
	geo->slots_offset = PAGE_SIZE;
	geo->mmap_len = pfr_ring_size(geo->num_slots, geo->slot_size);
}

/*
 * The ring in its user's locked memory (RLIMIT_MEMLOCK) unless the caller has
 * CAP_IPC_LOCK: the kernel's own accounting of pinned socket memory (MSG_ZEROCOPY),
 * the rule AF_XDP applies to its UMEM. Over the limit: EPERM (the helper says ENOBUFS).
 */
static int pfr_ring_charge_memlock(struct pfr_sock *ps, size_t len)
{
	return mm_account_pinned_pages(&ps->pinned, len) ? -EPERM : 0;
}

static void pfr_ring_uncharge_memlock(struct pfr_sock *ps)
{
	mm_unaccount_pinned_pages(&ps->pinned);
	memset(&ps->pinned, 0, sizeof(ps->pinned));	/* a later charge starts afresh */
}

/* Allocate the ring once, zeroed; under ps->lock, never under mmap_lock (see above). */
int pfr_ring_alloc(struct pfr_sock *ps)
{
	const gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_ZERO | __GFP_RETRY_MAYFAIL | __GFP_NOWARN;
	struct pf_ring_geometry geo;
	struct pf_ring_info *info;
	size_t len;
	void *ring;
	int err;

	lockdep_assert_held(&ps->lock);
	if (ps->ring)
		return 0;
	pfr_ring_geometry(ps, &geo);
	if (geo.mmap_len > (u64)pfr_max_ring_mb << 20) {
		pr_info_ratelimited("pf_ring: a ring of %llu MiB is over max_ring_mb=%u\n",
				    geo.mmap_len >> 20, pfr_max_ring_mb);
		return -ENOMEM;
	}
	/* Refuse what cannot fit instead of letting vmalloc try */
	if (geo.mmap_len > ((u64)totalram_pages() << PAGE_SHIFT) / 2)
		return -ENOMEM;
	len = PAGE_ALIGN(geo.mmap_len);
	err = pfr_ring_charge_memlock(ps, len);
	if (err)
		return err;
	ring = __vmalloc(len, gfp);
	if (!ring) {
		pfr_ring_uncharge_memlock(ps);
		return -ENOMEM;
	}

	info = ring;
	info->abi_version = PF_RING_ABI_VERSION;
	info->num_slots = geo.num_slots;
	info->slot_size = geo.slot_size;
	info->slots_offset = geo.slots_offset;
	info->mmap_len = geo.mmap_len;
	info->caplen = geo.caplen;
	info->slot_hdr_size = sizeof(struct pf_ring_slot_hdr);

	ps->info = info;
	ps->ring_alloc_len = len;
	ps->num_slots = geo.num_slots;
	ps->slot_size = geo.slot_size;
	ps->prod = 0;
	ps->prod_idx = 0;
	ps->drops = 0;
	/*
	 * Publish the ring last: the hook's smp_load_acquire(&ps->ring) in
	 * pfr_hook_rcv() pairs with this and sees the fields above complete.
	 */
	smp_store_release(&ps->ring, ring);
	return 0;
}

/*
 * Map the ring (allocated when the geometry was read, or here for a caller that did
 * not read it). Called under mmap_lock: takes ps->lock only.
 */
int pfr_ring_mmap(struct pfr_sock *ps, struct vm_area_struct *vma)
{
	unsigned long size = vma->vm_end - vma->vm_start, off;
	int err;

	mutex_lock(&ps->lock);
	if (!ps->bound) {
		err = -EINVAL;
		goto out;
	}
	err = pfr_ring_alloc(ps);
	if (err)
		goto out;
	if (vma->vm_pgoff || size > ps->ring_alloc_len) {
		err = -EINVAL;
		goto out;
	}
	/* vmalloc'ed pages one by one, as remap_vmalloc_range() does for vmalloc_user() */
	for (off = 0; off < size; off += PAGE_SIZE) {
		err = vm_insert_page(vma, vma->vm_start + off, vmalloc_to_page(ps->ring + off));
		if (err)
			goto out;
	}
	pfr_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	ps->mapped = true;
out:
	mutex_unlock(&ps->lock);
	return err;
}

/* From the socket's destructor: no producer or reader is left. */
void pfr_ring_free(struct pfr_sock *ps)
{
	vfree(ps->ring);
	ps->ring = NULL;
	ps->info = NULL;
	pfr_ring_uncharge_memlock(ps);
}

/* Unread packets, from outside the producer lock (poll, /proc). */
u64 pfr_ring_unread(struct pfr_sock *ps)
{
	struct pf_ring_info *info;
	u64 prod, cons;

	/* Paired with smp_store_release() in pfr_ring_alloc() */
	if (!smp_load_acquire(&ps->ring))
		return 0;
	info = ps->info;
	prod = READ_ONCE(ps->prod);
	cons = READ_ONCE(info->cons);
	return prod - cons > ps->num_slots ? ps->num_slots : prod - cons;
}

/* The poll watermark in force: the one set, at most half the ring (at least 1). */
u32 pfr_ring_watermark(const struct pfr_sock *ps)
{
	return clamp(READ_ONCE(ps->watermark), 1U, max(ps->num_slots / 2, 1U));
}

/*
 * A packet waits below the watermark and no timer runs (pfr_ring_wm_timer_wanted()):
 * arm the timeout that will wake the pollers. Two CPUs arming it at once is harmless
 * (mod_timer serialises them, the later one wins).
 */
void pfr_ring_arm_wm_timer(struct pfr_sock *ps)
{
	u32 tmo = READ_ONCE(ps->watermark_timeout_ms);

	mod_timer(&ps->wm_timer, jiffies + max(msecs_to_jiffies(tmo), 1UL));
}

/* Bytes off..off + len of what the skb (or the driver's buffer) holds of the frame */
bool pfr_ring_held_bytes(const struct pfr_pkt *pkt, u32 off, void *to, u32 len)
{
	u32 held;

	if (pkt->skb)
		return !skb_copy_bits(pkt->skb, pkt->mac_off + off, to, len);
	held = pfr_pkt_held_len(pkt);
	if (off > held || len > held - off)
		return false;
	memcpy(to, pkt->data + off, len);
	return true;
}

/*
 * Bytes off..off + len of the frame as it was on the wire: a VLAN tag the NIC stripped
 * is put back after the MACs. False when the skb holds fewer.
 */
bool pfr_ring_frame_bytes(const struct pfr_pkt *pkt, u32 off, void *to, u32 len)
{
	const u32 macs = 2 * ETH_ALEN;
	u8 *dst = to;
	u32 n;

	if (!pkt->has_tag)
		return pfr_ring_held_bytes(pkt, off, dst, len);
	if (len && off < macs) {
		n = min_t(u32, len, macs - off);
		if (!pfr_ring_held_bytes(pkt, off, dst, n))
			return false;
		dst += n;
		off += n;
		len -= n;
	}
	if (len && off < macs + VLAN_HLEN) {
		n = min_t(u32, len, macs + VLAN_HLEN - off);
		memcpy(dst, pkt->tag + (off - macs), n);
		dst += n;
		off += n;
		len -= n;
	}
	return !len || pfr_ring_held_bytes(pkt, off - VLAN_HLEN, dst, len);
}

/* The first len bytes of the frame; zeros if the skb is shorter (it never should be) */
void pfr_ring_copy_frame(const struct pfr_pkt *pkt, void *to, u32 len)
{
	if (!pfr_ring_frame_bytes(pkt, 0, to, len))
		memset(to, 0, len);
}

/* The slot's header (step K3); under prod_lock, which owns the slot until K4 */
static void pfr_ring_fill_hdr(struct pfr_sock *ps, struct pfr_pkt *pkt,
			      struct pf_ring_slot_hdr *hdr, u32 caplen)
{
	lockdep_assert_held(&ps->prod_lock);
	/* One clock read per packet, whatever the number of rings it goes to */
	if (!pkt->ts_ns)
		pkt->ts_ns = ktime_get_real_ns();
	hdr->ts_ns = pkt->ts_ns;
	hdr->caplen = caplen;
	hdr->len = pkt->len;
	hdr->ifindex = pkt->dev->ifindex;
	hdr->rx_direction = pkt->tx ? PF_RING_PKT_TX : PF_RING_PKT_RX;
	hdr->rx_queue = max(pkt->queue, 0);
	hdr->link_type = pkt->link_type;
	hdr->pad = 0;
	if (pkt->parsed_ok && READ_ONCE(ps->parse) == PF_RING_PARSE_L2_L4) {
		hdr->hash = pkt->hash;
		hdr->parsed_valid = 1;
		hdr->parsed = pkt->parsed;
	} else {
		/* parsed is left as it is: parsed_valid says it means nothing */
		hdr->hash = 0;
		hdr->parsed_valid = 0;
	}
}

/*
 * Put one packet in the ring (steps K1-K5 of linux/pf_ring.h), or count it dropped.
 * Called from the hook in softirq context, with the ring published.
 */
void pfr_ring_deliver(struct pfr_sock *ps, struct pfr_pkt *pkt)
{
	struct pf_ring_info *info = ps->info;
	struct pf_ring_slot_hdr *hdr;
	u64 prod, cons, unread;
	u32 caplen;

	caplen = min(pkt->len, ps->caplen);

	spin_lock(&ps->prod_lock);
	prod = ps->prod;
	/* K1: paired with the consumer's store-release of cons (U3): the slot is free */
	cons = smp_load_acquire(&info->cons);
	/* K2: a full ring (or a cons beyond prod, which user space must not write) */
	if (prod - cons >= ps->num_slots) {
		ps->drops++;
		WRITE_ONCE(info->drops, ps->drops);
		spin_unlock(&ps->prod_lock);
		return;
	}
	/* K3: the slot, header first, then the frame */
	hdr = ps->ring + PAGE_SIZE + (size_t)ps->prod_idx * ps->slot_size;
	pfr_ring_fill_hdr(ps, pkt, hdr, caplen);
	pfr_ring_copy_frame(pkt, (u8 *)hdr + sizeof(*hdr), caplen);
	/* K4: paired with the consumer's load-acquire of prod (U1): the slot is complete */
	smp_store_release(&info->prod, prod + 1);
	WRITE_ONCE(ps->prod, prod + 1);
	if (++ps->prod_idx == ps->num_slots)
		ps->prod_idx = 0;
	unread = prod + 1 - cons;
	spin_unlock(&ps->prod_lock);

	/*
	 * K5: wake readers only at the watermark. sk_data_ready() checks for sleepers
	 * with a full barrier (skwq_has_sleeper), paired with the one in
	 * sock_poll_wait() in pfr_sock_poll(): a reader either sees prod + 1 or is woken.
	 *
	 * Below it, the watermark timeout will wake them. The full barrier orders our
	 * store of prod before our load of wm_expired; pfr_sock_poll() clears wm_expired
	 * (xchg, a full barrier) before it loads prod. So either that poll sees this
	 * packet (and says POLLIN if wm_expired was set), or we see wm_expired clear and
	 * arm the timer: a packet never waits below the watermark with nobody to wake.
	 */
	if (unread >= pfr_ring_watermark(ps)) {
		ps->sk.sk_data_ready(&ps->sk);
	} else if (READ_ONCE(ps->watermark_timeout_ms)) {
		smp_mb();	/* prod, then wm_expired: pairs with pfr_sock_poll()'s xchg */
		if (pfr_ring_wm_timer_wanted(ps))
			pfr_ring_arm_wm_timer(ps);
	}
}
