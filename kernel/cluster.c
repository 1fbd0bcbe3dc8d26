// SPDX-License-Identifier: GPL-2.0-only
/*
 * cluster.c - clusters: rings that share one traffic, each packet going to one member
 * (two for the duplicating type), chosen in turn or by its flow.
 *
 * A cluster is a (namespace, id) pair, made by its first member and freed after its
 * last has left. Its members are the rings that joined it; only its active members,
 * those on their devices' hooks (enabled and mapped), get packets. So a member that
 * joined but is not enabled yet loses nothing, and one that is closed or killed leaves
 * its share to the others.
 *
 * The per-flow types hash the flow's two endpoints, in an order that does not depend on
 * the direction, into one of PFR_CLUSTER_BUCKETS buckets, and every bucket belongs to an
 * active member. A member that becomes active takes a fair share of the buckets from
 * the members that have the most; one that stops gives each of its buckets to the
 * member with the fewest. A flow moves only when the membership changes, and then only
 * to or from the member that came or went.
 *
 * The hook (hook.c) asks pfr_cluster_wants() for every member ring it visits. The
 * choice is made once per packet and cluster (cached in struct pfr_pkt), and the flow
 * key is read from the frame only when a cluster needs it: a ring that is in no cluster
 * pays nothing.
 *
 * Locks: pfr_cluster_lock (a mutex, inside rtnl_lock and ps->lock) guards the list of
 * clusters, every cluster's members and buckets, and ps->cl_*. What the hook reads, a
 * cluster's map (struct pfr_cluster_map), is published with rcu_assign_pointer() and
 * freed after a grace period, as is a cluster. ps->cluster is written under ps->lock
 * and pfr_cluster_lock, after the map that includes the ring was published, and read
 * by the hook under RCU. The fragment table has its own spinlock, taken only for
 * fragments.
 */
#include <linux/if_ether.h>
#include <linux/if_vlan.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/jhash.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include "pf_ring_int.h"

#define PFR_CLUSTER_BUCKETS	1024	/* a power of 2 */
#define PFR_CLUSTER_FRAGS	256	/* a power of 2 */
#define PFR_CLUSTER_FRAG_TTL	(5 * HZ)
#define PFR_NO_MEMBER		0xff
#define PFR_UDP_VXLAN		4789
#define PFR_UDP_GTPU		2152
#define PFR_MAX_EXT_HDRS	8	/* IPv6 extension headers, GTP-U extensions */

/* What the hook reads: the active members, and each bucket's as an index into them */
struct pfr_cluster_map {
	struct rcu_head rcu;
	u32 nactive;
	const struct pfr_sock *active[PF_RING_CLUSTER_MAX_MEMBERS];
	u8 bucket[PFR_CLUSTER_BUCKETS];
};

/* A datagram whose first fragment was seen: where its other fragments go */
struct pfr_cluster_frag {
	u32 tag;
	u32 hash;
	unsigned long expires;
};

struct pfr_cluster {
	struct rcu_head rcu;			/* first: kvfree_rcu() wants it near */
	struct list_head list;			/* pfr_clusters */
	const struct net *net;			/* held by the members' sockets */
	u32 id;
	u32 type;
	int nmembers;
	struct pfr_sock *members[PF_RING_CLUSTER_MAX_MEMBERS];	/* NULL: a free slot */
	u8 owner[PFR_CLUSTER_BUCKETS];		/* a slot of members[], or PFR_NO_MEMBER */
	struct pfr_cluster_map __rcu *map;
	atomic_t rr;				/* round robin: packets handed out */
	spinlock_t frag_lock;			/* frags[] */
	struct pfr_cluster_frag frags[PFR_CLUSTER_FRAGS];
};

static DEFINE_MUTEX(pfr_cluster_lock);
static LIST_HEAD(pfr_clusters);
static u32 pfr_cluster_seed __read_mostly;

static const char * const pfr_cluster_type_names[] = {
	[PF_RING_CLUSTER_PER_FLOW] = "per flow",
	[PF_RING_CLUSTER_ROUND_ROBIN] = "round robin",
	[PF_RING_CLUSTER_PER_FLOW_2_TUPLE] = "per flow 2-tuple",
	[PF_RING_CLUSTER_PER_FLOW_4_TUPLE] = "per flow 4-tuple",
	[PF_RING_CLUSTER_PER_FLOW_5_TUPLE] = "per flow 5-tuple",
	[PF_RING_CLUSTER_PER_FLOW_TCP_5_TUPLE] = "per flow TCP 5-tuple",
	[PF_RING_CLUSTER_PER_INNER_FLOW] = "per inner flow",
	[PF_RING_CLUSTER_PER_INNER_FLOW_2_TUPLE] = "per inner flow 2-tuple",
	[PF_RING_CLUSTER_PER_INNER_FLOW_4_TUPLE] = "per inner flow 4-tuple",
	[PF_RING_CLUSTER_PER_INNER_FLOW_5_TUPLE] = "per inner flow 5-tuple",
	[PF_RING_CLUSTER_PER_INNER_FLOW_TCP_5_TUPLE] = "per inner flow TCP 5-tuple",
	[PF_RING_CLUSTER_PER_FLOW_IP_5_TUPLE] = "per flow IP 5-tuple",
	[PF_RING_CLUSTER_PER_INNER_FLOW_IP_5_TUPLE] = "per inner flow IP 5-tuple",
	[PF_RING_CLUSTER_PER_FLOW_IP_WITH_DUP_TUPLE] = "per flow IP with dup tuple",
};

static bool pfr_cluster_inner(u32 type)
{
	return (type >= PF_RING_CLUSTER_PER_INNER_FLOW &&
		type <= PF_RING_CLUSTER_PER_INNER_FLOW_TCP_5_TUPLE) ||
	       type == PF_RING_CLUSTER_PER_INNER_FLOW_IP_5_TUPLE;
}

/* The outer type an inner type hashes like */
static u32 pfr_cluster_base_type(u32 type)
{
	if (type == PF_RING_CLUSTER_PER_INNER_FLOW)
		return PF_RING_CLUSTER_PER_FLOW;
	if (type == PF_RING_CLUSTER_PER_INNER_FLOW_IP_5_TUPLE)
		return PF_RING_CLUSTER_PER_FLOW_IP_5_TUPLE;
	if (pfr_cluster_inner(type))
		return type - PF_RING_CLUSTER_PER_INNER_FLOW_2_TUPLE +
		       PF_RING_CLUSTER_PER_FLOW_2_TUPLE;
	return type;
}

/* ---- the flow key, read from the frame (softirq, under RCU) ---------------------- */

/* len bytes at off of the frame as it is in the skb (without a stripped tag) */
static const u8 *pfr_cluster_bytes(const struct pfr_pkt *pkt, u32 off, u32 len, void *buf)
{
	u32 frame_len = pfr_pkt_held_len(pkt);

	if (off > frame_len || len > frame_len - off)
		return NULL;
	if (!pkt->skb)
		return pkt->data + off;	/* an aware driver's linear buffer */
	return skb_header_pointer(pkt->skb, pkt->mac_off + off, len, buf);
}

/* The Ethernet header at *off and its in-band VLAN tags: *off past them, *type after */
static bool pfr_cluster_eth(const struct pfr_pkt *pkt, u32 *off, u16 *type,
			    struct pfr_flow_key *k)
{
	const u8 *p;
	u8 buf[ETH_HLEN];
	int tags;

	p = pfr_cluster_bytes(pkt, *off, ETH_HLEN, buf);
	if (!p)
		return false;
	memcpy(k->dmac, p, ETH_ALEN);
	memcpy(k->smac, p + ETH_ALEN, ETH_ALEN);
	*type = get_unaligned_be16(p + 2 * ETH_ALEN);
	*off += ETH_HLEN;
	for (tags = 0; tags < 2 && (*type == ETH_P_8021Q || *type == ETH_P_8021AD); tags++) {
		p = pfr_cluster_bytes(pkt, *off, VLAN_HLEN, buf);
		if (!p)
			return false;
		if (!k->vlan)
			k->vlan = get_unaligned_be16(p) & VLAN_VID_MASK;
		*type = get_unaligned_be16(p + 2);
		*off += VLAN_HLEN;
	}
	return true;
}

static bool pfr_cluster_has_ports(u8 proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP ||
	       proto == IPPROTO_UDPLITE;
}

/* IPv6 extension headers from *off: *nh the upper protocol, fragment facts in k */
static bool pfr_cluster_ipv6_ext(const struct pfr_pkt *pkt, u32 *off, u8 *nh,
				 struct pfr_flow_key *k)
{
	u8 buf[8];
	const u8 *p;
	u16 fo;
	int i;

	for (i = 0; i < PFR_MAX_EXT_HDRS; i++) {
		switch (*nh) {
		case NEXTHDR_HOP:
		case NEXTHDR_ROUTING:
		case NEXTHDR_DEST:
			p = pfr_cluster_bytes(pkt, *off, 2, buf);
			if (!p)
				return false;
			*nh = p[0];
			*off += (p[1] + 1) * 8;
			break;
		case NEXTHDR_AUTH:
			p = pfr_cluster_bytes(pkt, *off, 2, buf);
			if (!p)
				return false;
			*nh = p[0];
			*off += (p[1] + 2) * 4;
			break;
		case NEXTHDR_FRAGMENT:
			p = pfr_cluster_bytes(pkt, *off, 8, buf);
			if (!p)
				return false;
			*nh = p[0];
			fo = get_unaligned_be16(p + 2);
			if (fo & 0xfff8)
				k->frag = PFR_FRAG_LATER;
			else if (fo & 1)
				k->frag = PFR_FRAG_FIRST;
			k->frag_id = get_unaligned_be32(p + 4);
			*off += 8;
			break;
		default:
			return true;
		}
	}
	return true;
}

/* The IP header at off (and the ports after it): the L4 offset, or 0 */
static u32 pfr_cluster_ip(const struct pfr_pkt *pkt, u32 off, u16 type, struct pfr_flow_key *k)
{
	u8 buf[40];
	const u8 *p;
	u16 fo;
	u8 nh;

	if (type == ETH_P_IP) {
		p = pfr_cluster_bytes(pkt, off, 20, buf);
		if (!p || p[0] >> 4 != 4 || (p[0] & 0xf) < 5)
			return 0;
		k->ip_version = 4;
		k->proto = p[9];
		memcpy(k->src, p + 12, 4);
		memcpy(k->dst, p + 16, 4);
		fo = get_unaligned_be16(p + 6);
		if (fo & IP_OFFSET)
			k->frag = PFR_FRAG_LATER;
		else if (fo & IP_MF)
			k->frag = PFR_FRAG_FIRST;
		k->frag_id = get_unaligned_be16(p + 4);
		off += (p[0] & 0xf) * 4;
	} else if (type == ETH_P_IPV6) {
		p = pfr_cluster_bytes(pkt, off, 40, buf);
		if (!p || p[0] >> 4 != 6)
			return 0;
		k->ip_version = 6;
		memcpy(k->src, p + 8, 16);
		memcpy(k->dst, p + 24, 16);
		nh = p[6];
		off += 40;
		if (!pfr_cluster_ipv6_ext(pkt, &off, &nh, k))
			return 0;
		k->proto = nh;
	} else {
		return 0;
	}
	if (k->frag != PFR_FRAG_LATER && pfr_cluster_has_ports(k->proto)) {
		p = pfr_cluster_bytes(pkt, off, 4, buf);
		if (p) {
			k->sport = get_unaligned((const __be16 *)p);
			k->dport = get_unaligned((const __be16 *)(p + 2));
			k->ports = true;
		}
	}
	return off;
}

/* The EtherType of the IP packet at off, by its version, or 0 */
static u16 pfr_cluster_ip_type(const struct pfr_pkt *pkt, u32 off)
{
	const u8 *p;
	u8 buf[1];

	p = pfr_cluster_bytes(pkt, off, 1, buf);
	if (!p)
		return 0;
	if (p[0] >> 4 == 4)
		return ETH_P_IP;
	return p[0] >> 4 == 6 ? ETH_P_IPV6 : 0;
}

/* GTP-U's header length (with its extension headers) at off, or 0: not a G-PDU */
static u32 pfr_cluster_gtpu_len(const struct pfr_pkt *pkt, u32 off)
{
	const u8 *p;
	u8 buf[12];
	u32 len = 8;
	u8 next;
	int i;

	p = pfr_cluster_bytes(pkt, off, 8, buf);
	/* version 1, protocol type GTP, message type G-PDU */
	if (!p || p[0] >> 5 != 1 || !(p[0] & 0x10) || p[1] != 0xff)
		return 0;
	if (!(p[0] & 0x07))
		return len;
	p = pfr_cluster_bytes(pkt, off, 12, buf);
	if (!p)
		return 0;
	len = 12;
	next = (p[0] & 0x04) ? p[11] : 0;	/* E: an extension header follows */
	for (i = 0; next && i < PFR_MAX_EXT_HDRS; i++) {
		u32 ext;

		p = pfr_cluster_bytes(pkt, off + len, 1, buf);
		if (!p || !p[0])
			return 0;
		ext = p[0] * 4;
		p = pfr_cluster_bytes(pkt, off + len + ext - 1, 1, buf);
		if (!p)
			return 0;
		next = p[0];
		len += ext;
	}
	return next ? 0 : len;
}

/*
 * Where the packet a tunnel carries starts (*type: its EtherType, or 0 for an Ethernet
 * frame), from the outer key and its L4 offset; false when it is not tunnelled.
 */
static bool pfr_cluster_tunnel(const struct pfr_pkt *pkt, const struct pfr_flow_key *k,
			       u32 l4, u32 *inner, u16 *type)
{
	const u8 *p;
	u8 buf[4];
	u16 flags;
	u32 len;

	if (k->proto == IPPROTO_GRE) {
		p = pfr_cluster_bytes(pkt, l4, 4, buf);
		if (!p)
			return false;
		flags = get_unaligned_be16(p);
		if (flags & 0x7)	/* version 0 only */
			return false;
		/* checksum, key and sequence number, each 4 bytes when present */
		len = 4 + (flags & 0x8000 ? 4 : 0) + (flags & 0x2000 ? 4 : 0) +
		      (flags & 0x1000 ? 4 : 0);
		*type = get_unaligned_be16(p + 2);
		if (*type == ETH_P_TEB)
			*type = 0;
		else if (*type != ETH_P_IP && *type != ETH_P_IPV6)
			return false;
		*inner = l4 + len;
		return true;
	}
	if (k->proto != IPPROTO_UDP || !k->ports)
		return false;
	if (ntohs(k->dport) == PFR_UDP_VXLAN) {
		*inner = l4 + 8 + 8;
		*type = 0;
		return true;
	}
	if (ntohs(k->dport) == PFR_UDP_GTPU || ntohs(k->sport) == PFR_UDP_GTPU) {
		len = pfr_cluster_gtpu_len(pkt, l4 + 8);
		if (!len)
			return false;
		*inner = l4 + 8 + len;
		*type = pfr_cluster_ip_type(pkt, *inner);
		return *type != 0;
	}
	return false;
}

static void pfr_cluster_key_fill(const struct pfr_pkt *pkt, struct pfr_flow_key *k,
				 bool inner)
{
	struct pfr_flow_key tun;
	u32 off = 0, l4;
	u16 type = 0;

	memset(k, 0, sizeof(*k));
	if (pkt->link_type == PF_RING_LINK_RAW_IP) {
		type = pfr_cluster_ip_type(pkt, 0);
	} else if (pkt->link_type == PF_RING_LINK_ETHERNET) {
		/* a tag the NIC stripped was the outermost */
		if (pkt->has_tag)
			k->vlan = ((pkt->tag[2] << 8) | pkt->tag[3]) & VLAN_VID_MASK;
		if (!pfr_cluster_eth(pkt, &off, &type, k))
			return;
	} else {
		return;
	}
	l4 = pfr_cluster_ip(pkt, off, type, k);
	if (!inner || !l4 || k->frag == PFR_FRAG_LATER ||
	    !pfr_cluster_tunnel(pkt, k, l4, &off, &type))
		return;
	/*
	 * The packet inside. The outer one stands when the inner cannot be read: an IP
	 * packet too short, or an Ethernet frame without its header (one that carries
	 * something else than IP is hashed by its MAC addresses).
	 */
	memset(&tun, 0, sizeof(tun));
	if (!type) {
		if (!pfr_cluster_eth(pkt, &off, &type, &tun))
			return;
		pfr_cluster_ip(pkt, off, type, &tun);
	} else if (!pfr_cluster_ip(pkt, off, type, &tun)) {
		return;
	}
	*k = tun;
}

static const struct pfr_flow_key *pfr_cluster_key(struct pfr_pkt *pkt, bool inner)
{
	if (!(pkt->cl_keys_done & BIT(inner))) {
		pfr_cluster_key_fill(pkt, &pkt->cl_key[inner], inner);
		pkt->cl_keys_done |= BIT(inner);
	}
	return &pkt->cl_key[inner];
}

/* ---- hashing and the choice ------------------------------------------------------- */

/* The two endpoints (address and port), in an order that does not depend on direction */
static u32 pfr_cluster_endpoints_hash(const struct pfr_flow_key *k, bool ports, bool proto,
				      bool vlan)
{
	u16 pa = ports ? ntohs(k->sport) : 0, pb = ports ? ntohs(k->dport) : 0;
	const u8 *a = k->src, *b = k->dst;
	u32 w[11];
	int c;

	c = memcmp(a, b, sizeof(k->src));
	if (c > 0 || (c == 0 && pa > pb)) {
		swap(a, b);
		swap(pa, pb);
	}
	memcpy(&w[0], a, 16);
	memcpy(&w[4], b, 16);
	w[8] = (u32)pa << 16 | pb;
	w[9] = proto ? k->proto : 0;
	w[10] = vlan ? k->vlan : 0;
	return jhash2(w, ARRAY_SIZE(w), pfr_cluster_seed);
}

/* A frame that is not IP: its two MAC addresses, in either order */
static u32 pfr_cluster_mac_hash(const struct pfr_flow_key *k, bool vlan)
{
	const u8 *a = k->smac, *b = k->dmac;
	u32 w[4] = {};

	if (memcmp(a, b, ETH_ALEN) > 0)
		swap(a, b);
	memcpy(w, a, ETH_ALEN);
	memcpy((u8 *)w + ETH_ALEN, b, ETH_ALEN);
	w[3] = vlan ? k->vlan : 0;
	return jhash2(w, ARRAY_SIZE(w), pfr_cluster_seed);
}

static u32 pfr_cluster_frag_tag(const struct pfr_flow_key *k)
{
	u32 w[10];

	memcpy(&w[0], k->src, 16);
	memcpy(&w[4], k->dst, 16);
	w[8] = k->frag_id;
	w[9] = k->proto;
	return jhash2(w, ARRAY_SIZE(w), pfr_cluster_seed);
}

/*
 * The hash of a fragment's datagram: its first fragment's, which had the ports, when
 * it was seen; else (a fragment come before the first) the addresses' alone.
 */
static u32 pfr_cluster_frag_hash(struct pfr_cluster *cl, const struct pfr_flow_key *k,
				 bool proto, bool vlan)
{
	u32 tag = pfr_cluster_frag_tag(k), hash;
	struct pfr_cluster_frag *f = &cl->frags[tag & (PFR_CLUSTER_FRAGS - 1)];

	spin_lock(&cl->frag_lock);
	if (k->frag == PFR_FRAG_FIRST) {
		hash = pfr_cluster_endpoints_hash(k, true, proto, vlan);
		f->tag = tag;
		f->hash = hash;
		f->expires = jiffies + PFR_CLUSTER_FRAG_TTL;
	} else if (f->expires && f->tag == tag && time_before(jiffies, f->expires)) {
		hash = f->hash;
	} else {
		hash = pfr_cluster_endpoints_hash(k, false, proto, vlan);
	}
	spin_unlock(&cl->frag_lock);
	return hash;
}

static u32 pfr_cluster_flow_hash(struct pfr_cluster *cl, const struct pfr_flow_key *k)
{
	u32 type = pfr_cluster_base_type(cl->type);
	/* 2-tuple: the addresses alone */
	bool vlan = type == PF_RING_CLUSTER_PER_FLOW;
	bool proto = vlan || type == PF_RING_CLUSTER_PER_FLOW_5_TUPLE ||
		     type == PF_RING_CLUSTER_PER_FLOW_IP_5_TUPLE ||
		     (type == PF_RING_CLUSTER_PER_FLOW_TCP_5_TUPLE && k->proto == IPPROTO_TCP);
	bool ports = proto || type == PF_RING_CLUSTER_PER_FLOW_4_TUPLE;

	if (!k->ip_version)
		return pfr_cluster_mac_hash(k, vlan);
	if (ports && k->frag != PFR_FRAG_NONE)
		return pfr_cluster_frag_hash(cl, k, proto, vlan);
	return pfr_cluster_endpoints_hash(k, ports, proto, vlan);
}

/* One address (or MAC) alone, for the duplicating type */
static u32 pfr_cluster_addr_hash(const struct pfr_flow_key *k, bool src)
{
	u32 w[4] = {};

	if (k->ip_version)
		memcpy(w, src ? k->src : k->dst, 16);
	else
		memcpy(w, src ? k->smac : k->dmac, ETH_ALEN);
	return jhash2(w, ARRAY_SIZE(w), pfr_cluster_seed);
}

static const struct pfr_sock *pfr_cluster_member(const struct pfr_cluster_map *map, u32 hash)
{
	u8 i = map->bucket[hash & (PFR_CLUSTER_BUCKETS - 1)];

	return i == PFR_NO_MEMBER ? NULL : map->active[i];
}

static void pfr_cluster_pick(struct pfr_cluster *cl, struct pfr_pkt *pkt)
{
	const struct pfr_cluster_map *map = rcu_dereference(cl->map);
	const struct pfr_flow_key *k;

	pkt->cl_pick[0] = NULL;
	pkt->cl_pick[1] = NULL;
	if (!map || !map->nactive)
		return;
	switch (cl->type) {
	case PF_RING_CLUSTER_ROUND_ROBIN:
		pkt->cl_pick[0] = map->active[(u32)atomic_inc_return(&cl->rr) % map->nactive];
		return;
	case PF_RING_CLUSTER_PER_FLOW_IP_WITH_DUP_TUPLE:
		k = pfr_cluster_key(pkt, false);
		pkt->cl_pick[0] = pfr_cluster_member(map, pfr_cluster_addr_hash(k, true));
		pkt->cl_pick[1] = pfr_cluster_member(map, pfr_cluster_addr_hash(k, false));
		return;
	default:
		k = pfr_cluster_key(pkt, pfr_cluster_inner(cl->type));
		pkt->cl_pick[0] = pfr_cluster_member(map, pfr_cluster_flow_hash(cl, k));
	}
}

/*
 * Does the ring get this packet? Yes when it is in no cluster, else when the cluster
 * chose it. From the hook, under RCU.
 */
bool pfr_cluster_wants(const struct pfr_sock *ps, struct pfr_pkt *pkt)
{
	struct pfr_cluster *cl = rcu_dereference(ps->cluster);

	if (!cl)
		return true;
	if (pkt->cl_seen != cl) {
		pfr_cluster_pick(cl, pkt);
		pkt->cl_seen = cl;
	}
	return pkt->cl_pick[0] == ps || pkt->cl_pick[1] == ps;
}

/* ---- membership (process context, pfr_cluster_lock) ------------------------------- */

static int pfr_cluster_active_count(const struct pfr_cluster *cl, u16 *count)
{
	int i, n = 0;

	memset(count, 0, PF_RING_CLUSTER_MAX_MEMBERS * sizeof(*count));
	for (i = 0; i < PFR_CLUSTER_BUCKETS; i++)
		if (cl->owner[i] != PFR_NO_MEMBER)
			count[cl->owner[i]]++;
	for (i = 0; i < PF_RING_CLUSTER_MAX_MEMBERS; i++)
		n += cl->members[i] && cl->members[i]->cl_active;
	return n;
}

/* The active member with the most buckets (most) or the fewest, but not slot skip */
static int pfr_cluster_extreme(const struct pfr_cluster *cl, const u16 *count, bool most,
			       int skip)
{
	int i, best = -1;

	for (i = 0; i < PF_RING_CLUSTER_MAX_MEMBERS; i++) {
		if (i == skip || !cl->members[i] || !cl->members[i]->cl_active)
			continue;
		if (best < 0 || (most ? count[i] > count[best] : count[i] < count[best]))
			best = i;
	}
	return best;
}

/* Slot s has become active: it takes its share, from those with the most */
static void pfr_cluster_take_share(struct pfr_cluster *cl, int s)
{
	u16 count[PF_RING_CLUSTER_MAX_MEMBERS];
	int i, share, top;

	share = PFR_CLUSTER_BUCKETS / pfr_cluster_active_count(cl, count);
	for (i = 0; i < PFR_CLUSTER_BUCKETS; i++) {
		if (cl->owner[i] == PFR_NO_MEMBER) {
			cl->owner[i] = s;
			count[s]++;
		}
	}
	while (count[s] < share) {
		top = pfr_cluster_extreme(cl, count, true, s);
		if (top < 0 || count[top] <= count[s] + 1)
			break;
		for (i = PFR_CLUSTER_BUCKETS - 1; i >= 0; i--)
			if (cl->owner[i] == top)
				break;
		cl->owner[i] = s;
		count[top]--;
		count[s]++;
	}
}

/* Slot s is no longer active: each of its buckets goes to the member with the fewest */
static void pfr_cluster_give_share(struct pfr_cluster *cl, int s)
{
	u16 count[PF_RING_CLUSTER_MAX_MEMBERS];
	int i, least;

	pfr_cluster_active_count(cl, count);
	for (i = 0; i < PFR_CLUSTER_BUCKETS; i++) {
		if (cl->owner[i] != s)
			continue;
		least = pfr_cluster_extreme(cl, count, false, s);
		cl->owner[i] = least < 0 ? PFR_NO_MEMBER : least;
		if (least >= 0)
			count[least]++;
	}
}

/*
 * Publish what the hook reads. The map is small: __GFP_NOFAIL, since a member that
 * leaves must not stay in it.
 */
static void pfr_cluster_publish(struct pfr_cluster *cl)
{
	struct pfr_cluster_map *map, *old;
	u8 index[PF_RING_CLUSTER_MAX_MEMBERS];
	int i;

	lockdep_assert_held(&pfr_cluster_lock);
	map = kzalloc(sizeof(*map), GFP_KERNEL | __GFP_NOFAIL);
	for (i = 0; i < PF_RING_CLUSTER_MAX_MEMBERS; i++) {
		const struct pfr_sock *m = cl->members[i];

		index[i] = PFR_NO_MEMBER;
		if (m && m->cl_active) {
			index[i] = map->nactive;
			map->active[map->nactive++] = m;
		}
	}
	for (i = 0; i < PFR_CLUSTER_BUCKETS; i++)
		map->bucket[i] = cl->owner[i] == PFR_NO_MEMBER ? PFR_NO_MEMBER :
				 index[cl->owner[i]];
	old = rcu_replace_pointer(cl->map, map, lockdep_is_held(&pfr_cluster_lock));
	if (old)
		kfree_rcu(old, rcu);
}

static bool pfr_cluster_binds_in(const struct pfr_sock *a, const struct pfr_sock *b)
{
	int i, j;

	for (i = 0; i < a->nbinds; i++) {
		for (j = 0; j < b->nbinds; j++)
			if (a->binds[i].ifindex == b->binds[j].ifindex &&
			    a->binds[i].queue == b->binds[j].queue)
				break;
		if (j == b->nbinds)
			return false;
	}
	return true;
}

/* Members must see the same packets: the same devices (and queues), or both "any" */
static bool pfr_cluster_same_binds(const struct pfr_sock *a, const struct pfr_sock *b)
{
	return a->bound_any == b->bound_any && pfr_cluster_binds_in(a, b) &&
	       pfr_cluster_binds_in(b, a);
}

static struct pfr_cluster *pfr_cluster_find(const struct net *net, u32 id)
{
	struct pfr_cluster *cl;

	list_for_each_entry(cl, &pfr_clusters, list)
		if (cl->net == net && cl->id == id)
			return cl;
	return NULL;
}

static struct pfr_sock *pfr_cluster_any_member(const struct pfr_cluster *cl)
{
	int i;

	for (i = 0; i < PF_RING_CLUSTER_MAX_MEMBERS; i++)
		if (cl->members[i])
			return cl->members[i];
	return NULL;
}

/* The slot of a new member: the consumer id asked for, or the first free one */
static int pfr_cluster_slot(const struct pfr_cluster *cl, u32 consumer)
{
	int i;

	if (consumer != PF_RING_CLUSTER_ANY_CONSUMER)
		return cl->members[consumer] ? -EBUSY : consumer;
	for (i = 0; i < PF_RING_CLUSTER_MAX_MEMBERS; i++)
		if (!cl->members[i])
			return i;
	return -ENOSPC;
}

static struct pfr_cluster *pfr_cluster_new(const struct net *net, const struct pf_ring_cluster *req)
{
	struct pfr_cluster *cl = kvzalloc(sizeof(*cl), GFP_KERNEL_ACCOUNT);

	if (!cl)
		return NULL;
	cl->net = net;
	cl->id = req->id;
	cl->type = req->type;
	memset(cl->owner, PFR_NO_MEMBER, sizeof(cl->owner));
	spin_lock_init(&cl->frag_lock);
	list_add(&cl->list, &pfr_clusters);
	return cl;
}

int pfr_cluster_join(struct pfr_sock *ps, const struct pf_ring_cluster *req)
{
	const struct net *net = sock_net(&ps->sk);
	struct pfr_cluster *cl, *cur;
	struct pfr_sock *other;
	int slot, err = 0;

	if (req->type > PF_RING_CLUSTER_PER_FLOW_IP_WITH_DUP_TUPLE || req->flags ||
	    (req->consumer != PF_RING_CLUSTER_ANY_CONSUMER &&
	     req->consumer >= PF_RING_CLUSTER_MAX_MEMBERS))
		return -EINVAL;
	mutex_lock(&ps->lock);
	if (!ps->bound || ps->closing) {
		err = -EINVAL;
		goto out;
	}
	mutex_lock(&pfr_cluster_lock);
	cur = rcu_dereference_protected(ps->cluster, lockdep_is_held(&pfr_cluster_lock));
	if (cur) {	/* asking again for the same is no error */
		if (cur->id != req->id || cur->type != req->type)
			err = -EBUSY;
		goto unlock;
	}
	cl = pfr_cluster_find(net, req->id);
	if (cl) {
		other = pfr_cluster_any_member(cl);
		if (cl->type != req->type || (other && !pfr_cluster_same_binds(ps, other))) {
			err = -EINVAL;
			goto unlock;
		}
	} else {
		cl = pfr_cluster_new(net, req);
		if (!cl) {
			err = -ENOMEM;
			goto unlock;
		}
	}
	slot = pfr_cluster_slot(cl, req->consumer);
	if (slot < 0) {
		err = slot;
		if (!cl->nmembers) {
			list_del(&cl->list);
			kvfree(cl);
		}
		goto unlock;
	}
	cl->members[slot] = ps;
	cl->nmembers++;
	ps->cl_slot = slot;
	ps->cl_consumer = req->consumer;
	ps->cl_active = ps->nhooks > 0;
	if (ps->cl_active)
		pfr_cluster_take_share(cl, slot);
	pfr_cluster_publish(cl);
	/* The hook sees the cluster only once a map that includes the ring is out */
	rcu_assign_pointer(ps->cluster, cl);
unlock:
	mutex_unlock(&pfr_cluster_lock);
out:
	mutex_unlock(&ps->lock);
	return err;
}

/* Under ps->lock: the ring leaves its cluster (if any), which goes with its last member */
static void __pfr_cluster_leave(struct pfr_sock *ps)
{
	struct pfr_cluster *cl;
	struct pfr_cluster_map *map;

	lockdep_assert_held(&ps->lock);
	mutex_lock(&pfr_cluster_lock);
	cl = rcu_dereference_protected(ps->cluster, lockdep_is_held(&pfr_cluster_lock));
	if (!cl)
		goto unlock;
	RCU_INIT_POINTER(ps->cluster, NULL);
	cl->members[ps->cl_slot] = NULL;
	cl->nmembers--;
	if (ps->cl_active) {
		ps->cl_active = false;
		pfr_cluster_give_share(cl, ps->cl_slot);
	}
	if (cl->nmembers) {
		pfr_cluster_publish(cl);
		goto unlock;
	}
	list_del(&cl->list);
	map = rcu_replace_pointer(cl->map, NULL, lockdep_is_held(&pfr_cluster_lock));
	if (map)
		kfree_rcu(map, rcu);
	kvfree_rcu(cl, rcu);
unlock:
	mutex_unlock(&pfr_cluster_lock);
}

void pfr_cluster_leave(struct pfr_sock *ps)
{
	mutex_lock(&ps->lock);
	__pfr_cluster_leave(ps);
	mutex_unlock(&ps->lock);
}

/*
 * The ring is joining or leaving its hooks (pfr_hook_update(), under rtnl_lock and
 * ps->lock): it takes its buckets (once on them) or gives them away (before it leaves
 * them, so that no packet goes to a ring that the hooks no longer visit). A closing ring
 * leaves its cluster.
 */
void pfr_cluster_refresh(struct pfr_sock *ps, bool active)
{
	struct pfr_cluster *cl;

	lockdep_assert_held(&ps->lock);
	if (ps->closing) {
		__pfr_cluster_leave(ps);
		return;
	}
	mutex_lock(&pfr_cluster_lock);
	cl = rcu_dereference_protected(ps->cluster, lockdep_is_held(&pfr_cluster_lock));
	if (cl && active != ps->cl_active) {
		ps->cl_active = active;
		if (active)
			pfr_cluster_take_share(cl, ps->cl_slot);
		else
			pfr_cluster_give_share(cl, ps->cl_slot);
		pfr_cluster_publish(cl);
	}
	mutex_unlock(&pfr_cluster_lock);
}

int pfr_cluster_get(struct pfr_sock *ps, struct pf_ring_cluster *out)
{
	struct pfr_cluster *cl;
	int err = 0;

	memset(out, 0, sizeof(*out));
	mutex_lock(&pfr_cluster_lock);
	cl = rcu_dereference_protected(ps->cluster, lockdep_is_held(&pfr_cluster_lock));
	if (cl) {
		out->id = cl->id;
		out->type = cl->type;
		out->consumer = ps->cl_consumer;
	} else {
		err = -ENOENT;
	}
	mutex_unlock(&pfr_cluster_lock);
	return err;
}

/* /proc/net/pf_ring/clusters: each cluster of the namespace, and its members */
void pfr_cluster_proc_show(struct seq_file *m, struct net *net)
{
	u16 count[PF_RING_CLUSTER_MAX_MEMBERS];
	struct pfr_cluster *cl;
	int i;

	mutex_lock(&pfr_cluster_lock);
	list_for_each_entry(cl, &pfr_clusters, list) {
		if (cl->net != net)
			continue;
		pfr_cluster_active_count(cl, count);
		seq_printf(m, "Cluster %u: type %u (%s), %d member(s)\n", cl->id, cl->type,
			   pfr_cluster_type_names[cl->type], cl->nmembers);
		for (i = 0; i < PF_RING_CLUSTER_MAX_MEMBERS; i++) {
			const struct pfr_sock *ps = cl->members[i];

			if (!ps)
				continue;
			seq_printf(m, "  ring %u pid %d slot %d consumer ", ps->id, ps->pid, i);
			if (ps->cl_consumer == PF_RING_CLUSTER_ANY_CONSUMER)
				seq_puts(m, "any");
			else
				seq_printf(m, "%u", ps->cl_consumer);
			seq_printf(m, " active %d buckets %u\n", ps->cl_active, count[i]);
		}
	}
	mutex_unlock(&pfr_cluster_lock);
}

void pfr_cluster_init(void)
{
	pfr_cluster_seed = get_random_u32();
}

void pfr_cluster_exit(void)
{
	WARN_ON_ONCE(!list_empty(&pfr_clusters));
}
