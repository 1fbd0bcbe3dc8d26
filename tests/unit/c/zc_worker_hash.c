// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * zc_worker_hash.c - the builtin hashes on real frames: symmetric (both directions of a
 * flow alike), blind to VLAN tags, IP hash blind to ports, 5-tuple hash not, GTP-U and
 * GRE hashes on the inner header (the same inner flow in other tunnels hashes alike, the
 * outer header alone does not tell flows apart), GTP-C on its sequence number, the GTP
 * flags, and a spread over 4 queues.
 *
 *   zc_worker_hash        print each failure and "N failures"
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pfring_zc.h>

#include "zc_frames.h"
#include "zc_check.h"
#include "zc_test_id.h"

static pfring_zc_cluster *zc;
static pfring_zc_pkt_buff *pk;

enum kind { K_IP, K_5T, K_GTP, K_GRE };

static u_int32_t gtp_flags;

static u_int32_t hash_of(const struct frame_spec *s, enum kind k)
{
	u_char *d = pfring_zc_pkt_buff_data(pk, NULL);

	pk->len = (u_int16_t)frame_build(d, s, 1);
	switch (k) {
	case K_IP: return pfring_zc_builtin_ip_hash(pk, NULL);
	case K_5T: return pfring_zc_builtin_5tuple_hash(pk, NULL);
	case K_GTP: return pfring_zc_builtin_gtp_hash(pk, NULL, &gtp_flags);
	default: return pfring_zc_builtin_gre_hash(pk, NULL);
	}
}

static void check_symmetry(void)
{
	struct frame_spec a, b;
	enum frame_encap encs[] = { ENCAP_NONE, ENCAP_GTPU, ENCAP_GRE };
	uint32_t f, e, k, v6, vl, differ = 0;

	for (f = 0; f < 64; f++)
		for (e = 0; e < 3; e++)
			for (v6 = 0; v6 < 2; v6++)
				for (vl = 0; vl < 3; vl++)
					for (k = K_IP; k <= K_GRE; k++) {
						frame_flow(&a, f, f % 5, 0, (int)v6, (int)vl, f & 1 ? 6 : 17, encs[e]);
						frame_flow(&b, f, f % 5, 1, (int)v6, (int)vl, f & 1 ? 6 : 17, encs[e]);
						CHECK(hash_of(&a, k) == hash_of(&b, k));
						/* the tags change nothing */
						frame_flow(&b, f, f % 5, 0, (int)v6, 0, f & 1 ? 6 : 17, encs[e]);
						CHECK(hash_of(&a, k) == hash_of(&b, k));
					}
	/* IP hash: ports do not count; 5-tuple: they do */
	for (f = 0; f < 64; f++) {
		frame_flow(&a, f, 0, 0, 0, 0, 6, ENCAP_NONE);
		frame_flow(&b, f, 1, 0, 0, 0, 6, ENCAP_NONE);
		CHECK(hash_of(&a, K_IP) == hash_of(&b, K_IP));
		differ += hash_of(&a, K_5T) != hash_of(&b, K_5T);
		/* the protocol counts in the 5-tuple */
		frame_flow(&b, f, 0, 0, 0, 0, 17, ENCAP_NONE);
		CHECK(hash_of(&a, K_5T) != hash_of(&b, K_5T));
	}
	CHECK(differ == 64);
}

static void check_tunnels(void)
{
	struct frame_spec a, b;
	uint32_t f, inner_differ = 0;

	for (f = 0; f < 64; f++) {
		/* the same inner flow in another tunnel (endpoints, TEID/key) hashes alike */
		frame_flow(&a, f, 0, 0, f & 1, 0, 17, ENCAP_GTPU);
		frame_flow(&b, f, 0, 0, f & 1, 0, 17, ENCAP_GTPU);
		b.osrc[3] = 77; b.odst[3] = 78; b.teid = 0xabcdef;
		CHECK(hash_of(&a, K_GTP) == hash_of(&b, K_GTP));
		CHECK(gtp_flags == (PF_RING_ZC_BUILTIN_GTP_HASH_FLAGS_V1 | PF_RING_ZC_BUILTIN_GTP_HASH_FLAGS_GTPU));
		/* the outer header alone: every flow alike (same tunnel) */
		frame_flow(&b, f + 1, 0, 0, f & 1, 0, 17, ENCAP_GTPU);
		CHECK(hash_of(&a, K_IP) == hash_of(&b, K_IP));
		inner_differ += hash_of(&a, K_GTP) != hash_of(&b, K_GTP);

		frame_flow(&a, f, 0, 0, f & 1, 1, 6, ENCAP_GRE);
		frame_flow(&b, f, 3, 0, f & 1, 1, 6, ENCAP_GRE);	/* other ports: the GRE hash is on IPs */
		b.osrc[3] = 99; b.teid = 42;
		CHECK(hash_of(&a, K_GRE) == hash_of(&b, K_GRE));
		frame_flow(&b, f + 1, 0, 0, f & 1, 1, 6, ENCAP_GRE);
		CHECK(hash_of(&a, K_5T) == hash_of(&b, K_5T));	/* outer: GRE has no ports */
		inner_differ += hash_of(&a, K_GRE) != hash_of(&b, K_GRE);
	}
	CHECK(inner_differ == 128);

	/* no GTP: flags 0, the outer <ips, ports> */
	frame_flow(&a, 5, 0, 0, 0, 0, 17, ENCAP_NONE);
	gtp_flags = 99;
	hash_of(&a, K_GTP);
	CHECK(gtp_flags == 0);
}

/* GTP-C: v1 and v2 requests and responses pair up on their sequence number. */
static void check_gtpc(void)
{
	u_char *d = pfring_zc_pkt_buff_data(pk, NULL);
	uint8_t g[16], src[4] = { 10, 0, 0, 1 }, dst[4] = { 10, 0, 0, 2 }, eth[14] = { 0 };
	u_int32_t h1, h2, h3, fl;
	struct frame_spec s;

	memset(&s, 0, sizeof(s));
	eth[12] = 0x08;
	/* v2 with TEID: flags, type, length, TEID, 3-byte sequence, spare */
	memset(g, 0, sizeof(g));
	g[0] = 0x48; g[1] = 32; put16(g + 2, 8); put32(g + 4, 0x1111);
	g[8] = 0x01; g[9] = 0x02; g[10] = 0x03;
	memcpy(d, eth, 14);
	pk->len = (u_int16_t)(14 + frame_ip_l4(d + 14, &s, 0, src, dst, 17, 40000, 2123, g, 12));
	h1 = pfring_zc_builtin_gtp_hash(pk, NULL, &fl);
	CHECK(fl == (PF_RING_ZC_BUILTIN_GTP_HASH_FLAGS_V2 | PF_RING_ZC_BUILTIN_GTP_HASH_FLAGS_GTPC));
	/* the response: other hosts, other TEID, same sequence */
	put32(g + 4, 0x2222);
	src[3] = 9;
	pk->len = (u_int16_t)(14 + frame_ip_l4(d + 14, &s, 0, dst, src, 17, 2123, 2123, g, 12));
	h2 = pfring_zc_builtin_gtp_hash(pk, NULL, &fl);
	CHECK(h1 == h2);
	g[10] = 0x04;
	pk->len = (u_int16_t)(14 + frame_ip_l4(d + 14, &s, 0, dst, src, 17, 2123, 2123, g, 12));
	h3 = pfring_zc_builtin_gtp_hash(pk, NULL, &fl);
	CHECK(h3 != h2);
	/* v1-C with S: sequence at 8 */
	memset(g, 0, sizeof(g));
	g[0] = 0x32; g[1] = 16; put16(g + 2, 4); put32(g + 4, 7); put16(g + 8, 0x4242);
	pk->len = (u_int16_t)(14 + frame_ip_l4(d + 14, &s, 0, src, dst, 17, 2123, 2123, g, 12));
	h1 = pfring_zc_builtin_gtp_hash(pk, NULL, &fl);
	CHECK(fl == (PF_RING_ZC_BUILTIN_GTP_HASH_FLAGS_V1 | PF_RING_ZC_BUILTIN_GTP_HASH_FLAGS_GTPC));
	put32(g + 4, 8);
	pk->len = (u_int16_t)(14 + frame_ip_l4(d + 14, &s, 0, dst, src, 17, 2123, 2123, g, 12));
	CHECK(pfring_zc_builtin_gtp_hash(pk, NULL, &fl) == h1);
}

/* 4096 flows over 4 queues: each between 20% and 30%, for every hash. */
static void check_spread(void)
{
	struct frame_spec s;
	enum frame_encap encs[] = { ENCAP_NONE, ENCAP_NONE, ENCAP_GTPU, ENCAP_GRE };
	uint32_t k, f, n[4];

	for (k = K_IP; k <= K_GRE; k++) {
		memset(n, 0, sizeof(n));
		for (f = 0; f < 4096; f++) {
			frame_flow(&s, f, 0, f & 1, (f >> 1) & 1, 0, 6, encs[k]);
			n[hash_of(&s, k) % 4]++;
		}
		for (f = 0; f < 4; f++) {
			CHECK(n[f] > 4096 / 5 && n[f] < 4096 * 3 / 10);
			if (n[f] <= 4096 / 5 || n[f] >= 4096 * 3 / 10)
				printf("hash %u queue %u: %u of 4096\n", k, f, n[f]);
		}
	}
}

static void check_truncated(void)
{
	struct frame_spec s;
	u_int32_t full, len;

	/* every prefix of a GTP frame parses without reading past len (run under ASan too) */
	frame_flow(&s, 3, 0, 0, 1, 2, 6, ENCAP_GTPU);
	full = hash_of(&s, K_GTP);
	for (len = 0; len < pk->len; len++) {
		u_int16_t keep = pk->len;

		pk->len = (u_int16_t)len;
		(void)pfring_zc_builtin_gtp_hash(pk, NULL, NULL);
		(void)pfring_zc_builtin_gre_hash(pk, NULL);
		(void)pfring_zc_builtin_5tuple_hash(pk, NULL);
		pk->len = keep;
	}
	CHECK(pfring_zc_builtin_gtp_hash(pk, NULL, NULL) == full);
	CHECK(pfring_zc_builtin_ip_hash(NULL, NULL) == 0);
}

int main(void)
{
	zc = pfring_zc_create_cluster(ZC_TEST_ID(7), 1536, 0, 4, -1, NULL, PF_RING_ZC_CLUSTER_NO_HUGEPAGES);
	if (!zc) {
		perror("create_cluster");
		return 2;
	}
	pk = pfring_zc_get_packet_handle(zc);
	check_symmetry();
	check_tunnels();
	check_gtpc();
	check_spread();
	check_truncated();
	pfring_zc_release_packet_handle(zc, pk);
	pfring_zc_destroy_cluster(zc);
	printf("%d failures\n", failures);
	return failures != 0;
}
