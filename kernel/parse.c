// SPDX-License-Identifier: GPL-2.0-only
/*
 * parse.c - L2-L4 headers of a frame into struct pf_ring_parsed.
 *
 * Lock: none; it works on a private copy of the frame's first bytes (the hook's
 * stack buffer, a hardware-stripped VLAN tag already put back in it).
 *
 * Integers (eth_type, VLAN ids, ports, seq, ack) are in host order; addresses are
 * the frame's bytes. A frame starts with an Ethernet header, or with the IP header on
 * a device that has no link-layer header (enum pf_ring_link_type). vlan_id is the
 * outer tag's VID, qinq_vlan_id the inner one's;
 * vlan_offset is where the first tag (its TPID) starts. Offsets absent are -1.
 */
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/if_vlan.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include "pf_ring_int.h"

#define PFR_PARSE_MAX_EXTHDRS	4

static u16 pfr_parse_be16(const u8 *p)
{
	return (u16)p[0] << 8 | p[1];
}

static u32 pfr_parse_be32(const u8 *p)
{
	return (u32)pfr_parse_be16(p) << 16 | pfr_parse_be16(p + 2);
}

static bool pfr_parse_is_vlan(u16 type)
{
	return type == ETH_P_8021Q || type == ETH_P_8021AD;
}

/* Symmetric: both directions of a flow hash alike. */
static u32 pfr_parse_hash(const struct pf_ring_parsed *p)
{
	u32 h = p->l3_proto + p->l4_src_port + p->l4_dst_port;
	int i;

	for (i = 0; i < 16; i += 4)
		h += pfr_parse_be32(p->ip_src + i) + pfr_parse_be32(p->ip_dst + i);
	return h;
}

static void pfr_parse_l4(const u8 *data, u32 len, u32 off, struct pf_ring_parsed *p)
{
	switch (p->l3_proto) {
	case IPPROTO_TCP:
		if (off + sizeof(struct tcphdr) > len)
			return;
		p->l4_offset = off;
		p->l4_src_port = pfr_parse_be16(data + off);
		p->l4_dst_port = pfr_parse_be16(data + off + 2);
		p->tcp_seq = pfr_parse_be32(data + off + 4);
		p->tcp_ack = pfr_parse_be32(data + off + 8);
		p->tcp_flags = data[off + 13];
		off += (data[off + 12] >> 4) * 4;
		if (off <= len)
			p->payload_offset = off;
		break;
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
		if (off + sizeof(struct udphdr) > len)
			return;
		p->l4_offset = off;
		p->l4_src_port = pfr_parse_be16(data + off);
		p->l4_dst_port = pfr_parse_be16(data + off + 2);
		p->payload_offset = off + sizeof(struct udphdr);
		break;
	default:
		p->l4_offset = off;
		break;
	}
}

/* Returns the L4 offset, or 0 when there is no L4 header to look at. */
static u32 pfr_parse_ipv4(const u8 *data, u32 len, u32 off, struct pf_ring_parsed *p)
{
	u32 ihl;

	if (off + sizeof(struct iphdr) > len)
		return 0;
	ihl = (data[off] & 0x0f) * 4;
	if ((data[off] >> 4) != 4 || ihl < sizeof(struct iphdr))
		return 0;
	p->ip_version = 4;
	p->ip_tos = data[off + 1];
	p->l3_proto = data[off + 9];
	memcpy(p->ip_src, data + off + 12, 4);
	memcpy(p->ip_dst, data + off + 16, 4);
	/* A fragment other than the first has no L4 header */
	if (pfr_parse_be16(data + off + 6) & IP_OFFSET)
		return 0;
	return off + ihl;
}

static bool pfr_parse_ipv6_ext(u8 next)
{
	return next == NEXTHDR_HOP || next == NEXTHDR_ROUTING || next == NEXTHDR_DEST ||
	       next == NEXTHDR_FRAGMENT;
}

static u32 pfr_parse_ipv6(const u8 *data, u32 len, u32 off, struct pf_ring_parsed *p)
{
	u8 next;
	int i;

	if (off + sizeof(struct ipv6hdr) > len || (data[off] >> 4) != 6)
		return 0;
	p->ip_version = 6;
	p->ip_tos = (pfr_parse_be16(data + off) >> 4) & 0xff;
	next = data[off + 6];
	memcpy(p->ip_src, data + off + 8, 16);
	memcpy(p->ip_dst, data + off + 24, 16);
	off += sizeof(struct ipv6hdr);
	/*
	 * Extension headers: at most PFR_PARSE_MAX_EXTHDRS. One not all there, or one more
	 * than that, ends the walk: l3_proto is its type and there is no L4 header.
	 */
	for (i = 0; i <= PFR_PARSE_MAX_EXTHDRS && pfr_parse_ipv6_ext(next); i++) {
		u32 hlen;

		if (i == PFR_PARSE_MAX_EXTHDRS || off + 8 > len)
			break;
		hlen = next == NEXTHDR_FRAGMENT ? 8 : (data[off + 1] + 1) * 8;
		if (off + hlen > len)
			break;
		if (next == NEXTHDR_FRAGMENT && (pfr_parse_be16(data + off + 2) & IP6_OFFSET)) {
			p->l3_proto = data[off];	/* a later fragment: no L4 header */
			return 0;
		}
		next = data[off];
		off += hlen;
	}
	p->l3_proto = next;
	return pfr_parse_ipv6_ext(next) ? 0 : off;
}

/* What the device's frames start with (linux/pf_ring.h, enum pf_ring_link_type) */
u16 pfr_parse_link_type(const struct net_device *dev)
{
	if (dev->type == ARPHRD_ETHER || dev->type == ARPHRD_LOOPBACK)
		return PF_RING_LINK_ETHERNET;
	return dev_has_header(dev) ? PF_RING_LINK_OTHER : PF_RING_LINK_RAW_IP;
}

/* The L3 and L4 headers from off, for an EtherType; returns true */
static bool pfr_parse_l3(const u8 *data, u32 len, u32 off, u16 type,
			 struct pf_ring_parsed *p, u32 *hash)
{
	u32 l4;

	p->eth_type = type;
	switch (type) {
	case ETH_P_IP:
		l4 = pfr_parse_ipv4(data, len, off, p);
		break;
	case ETH_P_IPV6:
		l4 = pfr_parse_ipv6(data, len, off, p);
		break;
	default:
		return true;
	}
	if (p->ip_version)
		p->l3_offset = off;
	if (l4)
		pfr_parse_l4(data, len, l4, p);
	if (p->ip_version)
		*hash = pfr_parse_hash(p);
	return true;
}

/* A packet of a device without a link-layer header: IPv4 or IPv6 from byte 0 */
static bool pfr_parse_raw_ip(const u8 *data, u32 len, struct pf_ring_parsed *p, u32 *hash)
{
	p->eth_offset = -1;
	if (!len)
		return false;
	switch (data[0] >> 4) {
	case 4:
		return pfr_parse_l3(data, len, 0, ETH_P_IP, p, hash);
	case 6:
		return pfr_parse_l3(data, len, 0, ETH_P_IPV6, p, hash);
	default:
		return false;
	}
}

/*
 * Parse the frame's first len bytes, by what it starts with (link_type). Returns false
 * when not even the first header is there (or the link type is not one we parse);
 * what is found up to the first missing header is kept.
 */
bool pfr_parse(const u8 *data, u32 len, u16 link_type, struct pf_ring_parsed *p, u32 *hash)
{
	u32 off = ETH_HLEN;
	u16 type;
	int tags = 0;

	memset(p, 0, sizeof(*p));
	p->eth_offset = 0;
	p->vlan_offset = -1;
	p->l3_offset = -1;
	p->l4_offset = -1;
	p->payload_offset = -1;
	*hash = 0;
	if (link_type == PF_RING_LINK_RAW_IP)
		return pfr_parse_raw_ip(data, len, p, hash);
	if (link_type != PF_RING_LINK_ETHERNET || len < ETH_HLEN)
		return false;

	memcpy(p->dmac, data, ETH_ALEN);
	memcpy(p->smac, data + ETH_ALEN, ETH_ALEN);
	type = pfr_parse_be16(data + 2 * ETH_ALEN);
	while (pfr_parse_is_vlan(type) && tags < 2) {
		u16 vid;

		if (off + VLAN_HLEN > len)
			break;
		vid = pfr_parse_be16(data + off) & VLAN_VID_MASK;
		if (tags == 0) {
			p->vlan_offset = off - 2;
			p->vlan_id = vid;
		} else {
			p->qinq_vlan_id = vid;
		}
		type = pfr_parse_be16(data + off + 2);
		off += VLAN_HLEN;
		tags++;
	}
	return pfr_parse_l3(data, len, off, type, p, hash);
}
