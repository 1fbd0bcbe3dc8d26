// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * zc_hash.c - the builtin packet hashes of the balancer and fan-out workers.
 *
 * Every hash is symmetric: the two addresses are folded to 32 bits each and added, the
 * two ports added, so that A->B and B->A give the same input; a final 32-bit mixer
 * (multiply-xorshift) spreads that input over all bits, so that the hash modulo a small
 * number of queues is balanced.  Parsing is bounds-checked against the packet length; a
 * truncated or unknown header ends the parse at the last layer understood.
 */
#include <string.h>

#include "zc_priv.h"

#define ZC_ETH_IPV4	0x0800
#define ZC_ETH_IPV6	0x86dd
#define ZC_ETH_8021Q	0x8100
#define ZC_ETH_8021AD	0x88a8
#define ZC_ETH_QINQ1	0x9100
#define ZC_ETH_TEB	0x6558		/* GRE: transparent Ethernet bridging */
#define IPPROTO_TCP_	6
#define IPPROTO_UDP_	17
#define IPPROTO_GRE_	47
#define IPPROTO_SCTP_	132
#define GTP_U_PORT	2152
#define GTP_C_PORT	2123

struct zc_flow {
	uint32_t src, dst;	/* addresses folded to 32 bits */
	uint16_t sport, dport;	/* 0 without ports */
	uint8_t proto;
	uint8_t is_ip;
	const u_char *l4;	/* the transport header, NULL if none */
	uint32_t l4_len;
	uint32_t mac_fold;	/* a non-IP frame: its MAC addresses */
};

static inline uint16_t rd16(const u_char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const u_char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint32_t zc_mix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x7feb352du;
	h ^= h >> 15;
	h *= 0x846ca68bu;
	h ^= h >> 16;
	return h;
}

/* IPv4 or IPv6 at p (len bytes); fills f and returns 0, -1 if not a complete IP header. */
static int zc_parse_ip(const u_char *p, uint32_t len, struct zc_flow *f)
{
	uint32_t hl, i, frag = 0;
	uint8_t nh;

	if (len < 1)
		return -1;
	if (p[0] >> 4 == 4) {
		if (len < 20 || (hl = (uint32_t)(p[0] & 0x0f) * 4) < 20 || hl > len)
			return -1;
		f->src = rd32(p + 12);
		f->dst = rd32(p + 16);
		f->proto = p[9];
		frag = rd16(p + 6) & 0x1fff;	/* fragment offset: no ports after the first */
		p += hl;
		len -= hl;
	} else if (p[0] >> 4 == 6) {
		if (len < 40)
			return -1;
		f->src = rd32(p + 8) ^ rd32(p + 12) ^ rd32(p + 16) ^ rd32(p + 20);
		f->dst = rd32(p + 24) ^ rd32(p + 28) ^ rd32(p + 32) ^ rd32(p + 36);
		nh = p[6];
		p += 40;
		len -= 40;
		/* hop-by-hop, routing, destination options, fragment: skip to the transport */
		for (i = 0; i < 8 && (nh == 0 || nh == 43 || nh == 60 || nh == 44); i++) {
			if (len < 8)
				break;
			if (nh == 44) {
				frag = rd16(p + 2) >> 3;
				hl = 8;
			} else {
				hl = ((uint32_t)p[1] + 1) * 8;
			}
			if (hl > len)
				break;
			nh = p[0];
			p += hl;
			len -= hl;
		}
		f->proto = nh;
	} else {
		return -1;
	}
	f->is_ip = 1;
	if (!frag) {
		f->l4 = p;
		f->l4_len = len;
		if ((f->proto == IPPROTO_TCP_ || f->proto == IPPROTO_UDP_ || f->proto == IPPROTO_SCTP_) &&
		    len >= 4) {
			f->sport = rd16(p);
			f->dport = rd16(p + 2);
		}
	}
	return 0;
}

/* An Ethernet frame: VLAN tags skipped, then IP.  Returns 0 if IP was found. */
static int zc_parse_eth(const u_char *p, uint32_t len, struct zc_flow *f)
{
	uint16_t type;
	int tags = 0;

	memset(f, 0, sizeof(*f));
	if (len < 14)
		return -1;
	f->mac_fold = (rd32(p) ^ rd16(p + 4)) + (rd32(p + 6) ^ rd16(p + 10));
	type = rd16(p + 12);
	p += 14;
	len -= 14;
	while ((type == ZC_ETH_8021Q || type == ZC_ETH_8021AD || type == ZC_ETH_QINQ1) && tags++ < 8) {
		if (len < 4)
			return -1;
		type = rd16(p + 2);
		p += 4;
		len -= 4;
	}
	if (type != ZC_ETH_IPV4 && type != ZC_ETH_IPV6)
		return -1;
	return zc_parse_ip(p, len, f);
}

static const u_char *zc_pkt(pfring_zc_pkt_buff *h)
{
	return (const u_char *)h + zc_buf_hdr(h)->data_off;
}

static uint32_t zc_hash_ips(const struct zc_flow *f)
{
	return zc_mix32(f->src + f->dst);
}

static uint32_t zc_hash_ports(const struct zc_flow *f)
{
	return zc_mix32((f->src + f->dst) ^ ((uint32_t)(f->sport + f->dport) * 0x9e3779b1u));
}

static uint32_t zc_hash_5tuple(const struct zc_flow *f)
{
	return zc_mix32((f->src + f->dst) ^ ((uint32_t)(f->sport + f->dport) * 0x9e3779b1u) ^
			((uint32_t)f->proto << 24));
}

ZC_API u_int32_t pfring_zc_builtin_ip_hash(pfring_zc_pkt_buff *pkt_handle, pfring_zc_queue *queue)
{
	struct zc_flow f;

	(void)queue;
	if (!pkt_handle)
		return 0;
	if (zc_parse_eth(zc_pkt(pkt_handle), pkt_handle->len, &f) < 0)
		return zc_mix32(f.mac_fold);
	return zc_hash_ips(&f);
}

ZC_API u_int32_t pfring_zc_builtin_5tuple_hash(pfring_zc_pkt_buff *pkt_handle, pfring_zc_queue *queue)
{
	struct zc_flow f;

	(void)queue;
	if (!pkt_handle)
		return 0;
	if (zc_parse_eth(zc_pkt(pkt_handle), pkt_handle->len, &f) < 0)
		return zc_mix32(f.mac_fold);
	return zc_hash_5tuple(&f);
}

/*
 * GTPv1 (3GPP TS 29.281 / 29.060): flags (version 3 bits, PT, E, S, PN), message type,
 * length, TEID; E, S or PN add 4 bytes (sequence number, N-PDU, next extension type),
 * followed by extension headers of 4 * n bytes each.  GTPv2-C (TS 29.274): flags
 * (version, P, T), type, length, TEID if T, then a 3-byte sequence number.
 */
ZC_API u_int32_t pfring_zc_builtin_gtp_hash(pfring_zc_pkt_buff *pkt_handle, pfring_zc_queue *queue,
					    u_int32_t *flags)
{
	struct zc_flow f, in;
	const u_char *g;
	uint32_t glen, off, ver, fl = 0, h;
	uint8_t next;

	(void)queue;
	if (flags)
		*flags = 0;
	if (!pkt_handle)
		return 0;
	if (zc_parse_eth(zc_pkt(pkt_handle), pkt_handle->len, &f) < 0)
		return zc_mix32(f.mac_fold);
	h = zc_hash_ports(&f);
	if (f.proto != IPPROTO_UDP_ || !f.l4 || f.l4_len < 8 + 8)
		return h;
	g = f.l4 + 8;
	glen = f.l4_len - 8;
	ver = g[0] >> 5;
	if (f.sport == GTP_U_PORT || f.dport == GTP_U_PORT) {
		if (ver != 1 || !(g[0] & 0x10) || g[1] != 0xff)	/* GTPv1, not GTP', G-PDU */
			return h;
		fl = PF_RING_ZC_BUILTIN_GTP_HASH_FLAGS_V1 | PF_RING_ZC_BUILTIN_GTP_HASH_FLAGS_GTPU;
		off = 8;
		if (g[0] & 0x07) {
			if (glen < 12)
				goto out;
			next = g[11];
			off = 12;
			while (next) {
				if (off + 4 > glen || g[off] == 0)
					goto out;
				off += (uint32_t)g[off] * 4;
				if (off > glen)
					goto out;
				next = g[off - 1];
			}
		}
		memset(&in, 0, sizeof(in));
		if (off < glen && zc_parse_ip(g + off, glen - off, &in) == 0)
			h = zc_hash_ports(&in);
	} else if (f.sport == GTP_C_PORT || f.dport == GTP_C_PORT) {
		if (ver == 1 && (g[0] & 0x10)) {
			fl = PF_RING_ZC_BUILTIN_GTP_HASH_FLAGS_V1 | PF_RING_ZC_BUILTIN_GTP_HASH_FLAGS_GTPC;
			if ((g[0] & 0x02) && glen >= 12)	/* S: sequence number present */
				h = zc_mix32(rd16(g + 8));
		} else if (ver == 2) {
			fl = PF_RING_ZC_BUILTIN_GTP_HASH_FLAGS_V2 | PF_RING_ZC_BUILTIN_GTP_HASH_FLAGS_GTPC;
			off = (g[0] & 0x08) ? 8 : 4;	/* T: TEID present */
			if (off + 3 <= glen)
				h = zc_mix32(rd32(g + off) >> 8);
		}
	}
out:
	if (flags)
		*flags = fl;
	return h;
}

/* GRE (RFC 2784/2890): flags C (checksum + reserved), K (key), S (sequence), 4 bytes each. */
ZC_API u_int32_t pfring_zc_builtin_gre_hash(pfring_zc_pkt_buff *pkt_handle, pfring_zc_queue *queue)
{
	struct zc_flow f, in;
	const u_char *g;
	uint32_t glen, off;
	uint16_t fl, proto;

	(void)queue;
	if (!pkt_handle)
		return 0;
	if (zc_parse_eth(zc_pkt(pkt_handle), pkt_handle->len, &f) < 0)
		return zc_mix32(f.mac_fold);
	if (f.proto != IPPROTO_GRE_ || !f.l4 || f.l4_len < 4)
		return zc_hash_ports(&f);
	g = f.l4;
	glen = f.l4_len;
	fl = rd16(g);
	proto = rd16(g + 2);
	if ((fl & 0x0007) != 0)		/* version 1 (PPTP) carries PPP: not looked into */
		return zc_hash_ports(&f);
	off = 4 + ((fl & 0x8000) ? 4 : 0) + ((fl & 0x2000) ? 4 : 0) + ((fl & 0x1000) ? 4 : 0);
	if (off > glen)
		return zc_hash_ports(&f);
	if (proto == ZC_ETH_IPV4 || proto == ZC_ETH_IPV6) {
		memset(&in, 0, sizeof(in));
		if (zc_parse_ip(g + off, glen - off, &in) == 0)
			return zc_hash_ips(&in);
	} else if (proto == ZC_ETH_TEB) {
		if (zc_parse_eth(g + off, glen - off, &in) == 0)
			return zc_hash_ips(&in);
	}
	return zc_hash_ports(&f);
}
