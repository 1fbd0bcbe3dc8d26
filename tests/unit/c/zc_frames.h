// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * zc_frames.h - test frames with real headers for the ZC worker tests: Ethernet with 0..n
 * VLAN tags, IPv4 or IPv6, TCP or UDP, optionally inside GTP-U (UDP 2152) or GRE (IP
 * protocol 47, with a key) tunnels; a 32-bit sequence number and a pattern derived from
 * it fill the payload so that consumers can check every byte.  Flow n of a test has
 * endpoints derived from n; dir 1 swaps them (the reply direction).
 */
#ifndef ZC_FRAMES_H
#define ZC_FRAMES_H

#include <stdint.h>
#include <string.h>

enum frame_encap { ENCAP_NONE, ENCAP_GTPU, ENCAP_GRE };

struct frame_spec {
	int v6;			/* inner (or only) IP version 6 */
	int vlans;		/* outer VLAN tags */
	uint8_t proto;		/* 6 or 17 */
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	enum frame_encap encap;
	/* tunnel: outer endpoints (IPv4) and the tunnel id */
	uint8_t osrc[4], odst[4];
	uint32_t teid;
};

#define FRAME_PAYLOAD 24	/* seq (4 bytes) + pattern */

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* IP header + TCP/UDP header + payload at p; returns the bytes written. */
static inline size_t frame_ip_l4(uint8_t *p, const struct frame_spec *s, int v6, const uint8_t *src,
				 const uint8_t *dst, uint8_t proto, uint16_t sport, uint16_t dport,
				 const uint8_t *payload, size_t plen)
{
	size_t l4 = proto == 6 ? 20 : 8, ihl = v6 ? 40 : 20, tot = ihl + l4 + plen;
	uint8_t *q = p + ihl;

	(void)s;
	if (v6) {
		memset(p, 0, 40);
		p[0] = 0x60;
		put16(p + 4, (uint16_t)(l4 + plen));
		p[6] = proto;
		p[7] = 64;
		memcpy(p + 8, src, 16);
		memcpy(p + 24, dst, 16);
	} else {
		memset(p, 0, 20);
		p[0] = 0x45;
		put16(p + 2, (uint16_t)tot);
		p[8] = 64;
		p[9] = proto;
		memcpy(p + 12, src, 4);
		memcpy(p + 16, dst, 4);
	}
	memset(q, 0, l4);
	put16(q, sport);
	put16(q + 2, dport);
	if (proto == 6)
		q[12] = 5 << 4;
	else
		put16(q + 4, (uint16_t)(l4 + plen));
	memcpy(q + l4, payload, plen);
	return tot;
}

static inline void frame_payload(uint8_t *pl, uint32_t seq)
{
	uint32_t i;

	put32(pl, seq);
	for (i = 4; i < FRAME_PAYLOAD; i++)
		pl[i] = (uint8_t)(seq * 31 + i * 7);
}

/* 1 if the payload carries seq and its pattern. */
static inline int frame_payload_ok(const uint8_t *pl, uint32_t seq)
{
	uint8_t want[FRAME_PAYLOAD];

	frame_payload(want, seq);
	return memcmp(pl, want, FRAME_PAYLOAD) == 0;
}

/* The whole frame at p; returns its length.  The payload is the last FRAME_PAYLOAD bytes. */
static inline size_t frame_build(uint8_t *p, const struct frame_spec *s, uint32_t seq)
{
	uint8_t pl[FRAME_PAYLOAD], inner[128];
	size_t off = 12, n;
	int i;

	memset(p, 0, 12);
	p[0] = 0x02; p[5] = 0x01;	/* dst MAC */
	p[6] = 0x02; p[11] = 0x02;	/* src MAC */
	for (i = 0; i < s->vlans; i++) {
		put16(p + off, i == 0 && s->vlans > 1 ? 0x88a8 : 0x8100);
		put16(p + off + 2, (uint16_t)(100 + i));
		off += 4;
	}
	frame_payload(pl, seq);
	if (s->encap == ENCAP_NONE) {
		put16(p + off, s->v6 ? 0x86dd : 0x0800);
		off += 2;
		return off + frame_ip_l4(p + off, s, s->v6, s->src, s->dst, s->proto, s->sport, s->dport,
					 pl, sizeof(pl));
	}
	n = frame_ip_l4(inner, s, s->v6, s->src, s->dst, s->proto, s->sport, s->dport, pl, sizeof(pl));
	put16(p + off, 0x0800);
	off += 2;
	if (s->encap == ENCAP_GTPU) {
		/* GTPv1-U G-PDU with the S flag: 12-byte header */
		uint8_t g[12 + 128];

		g[0] = 0x32;	/* version 1, PT, S */
		g[1] = 0xff;
		put16(g + 2, (uint16_t)(n + 4));
		put32(g + 4, s->teid);
		put16(g + 8, (uint16_t)seq);
		g[10] = 0;
		g[11] = 0;
		memcpy(g + 12, inner, n);
		return off + frame_ip_l4(p + off, s, 0, s->osrc, s->odst, 17, 2152, 2152, g, 12 + n);
	}
	/* GRE with the K flag, carrying IPv4 or IPv6: a 4-byte key after the base header */
	{
		uint8_t ip[20], *q = p + off;
		size_t glen = 8 + n;

		memset(ip, 0, sizeof(ip));
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(20 + glen));
		ip[8] = 64;
		ip[9] = 47;
		memcpy(ip + 12, s->osrc, 4);
		memcpy(ip + 16, s->odst, 4);
		memcpy(q, ip, 20);
		put16(q + 20, 0x2000);
		put16(q + 22, s->v6 ? 0x86dd : 0x0800);
		put32(q + 24, s->teid);
		memcpy(q + 28, inner, n);
		return off + 20 + glen;
	}
}

/*
 * Flow n, direction dir: endpoints 10.x.y.z <-> 172.16.y.z (or fd00::... <-> fd01::...),
 * ports from n; port_variant gives other port pairs between the same two hosts.
 */
static inline void frame_flow(struct frame_spec *s, uint32_t host_pair, uint32_t port_variant, int dir,
			      int v6, int vlans, uint8_t proto, enum frame_encap encap)
{
	uint8_t a[16], b[16];
	uint16_t pa = (uint16_t)(1024 + host_pair * 7 + port_variant * 131), pb = (uint16_t)(80 + port_variant);

	memset(s, 0, sizeof(*s));
	memset(a, 0, 16);
	memset(b, 0, 16);
	if (v6) {
		a[0] = 0xfd; a[13] = (uint8_t)(host_pair >> 16); a[14] = (uint8_t)(host_pair >> 8); a[15] = (uint8_t)host_pair;
		b[0] = 0xfd; b[1] = 1; b[14] = (uint8_t)(host_pair >> 8); b[15] = (uint8_t)(host_pair * 3);
	} else {
		a[0] = 10; a[1] = (uint8_t)(host_pair >> 16); a[2] = (uint8_t)(host_pair >> 8); a[3] = (uint8_t)host_pair;
		b[0] = 172; b[1] = 16; b[2] = (uint8_t)(host_pair >> 8); b[3] = (uint8_t)(host_pair * 3);
	}
	s->v6 = v6;
	s->vlans = vlans;
	s->proto = proto;
	s->encap = encap;
	memcpy(dir ? s->dst : s->src, a, 16);
	memcpy(dir ? s->src : s->dst, b, 16);
	s->sport = dir ? pb : pa;
	s->dport = dir ? pa : pb;
	/* every flow in the same tunnel: only the inner header tells flows apart */
	s->osrc[0] = 192; s->osrc[1] = 0; s->osrc[2] = 2; s->osrc[3] = dir ? 2 : 1;
	s->odst[0] = 192; s->odst[1] = 0; s->odst[2] = 2; s->odst[3] = dir ? 1 : 2;
	s->teid = dir ? 0x2000 : 0x1000;
}

#endif /* ZC_FRAMES_H */
