// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * zc_worker_balance.c - the balancer end to end: a producer thread sends frames of 64
 * host pairs x 4 port pairs, both directions (IPv4/IPv6, TCP/UDP, 0-2 VLAN tags; inside
 * GTP-U or GRE tunnels for those modes) over 2 ingress queues; a balancer worker spreads
 * them over NOUT egress queues; the main thread receives from all of them and checks
 * every packet (sequence number and payload bytes), where it went and how often.
 *
 *   zc_worker_balance MODE POLICY NOUT PACKETS [huge]
 *     MODE    default (NULL distribution: the builtin IP hash), ip, 5tuple, gtp, gre (a
 *             distribution function returning that builtin hash), user (a filter
 *             dropping seq % 7 == 0, a distribution returning seq % NOUT, or -1 to drop
 *             when seq % 10 == 3)
 *     POLICY  single | burst
 *
 * Prints one line:
 *   expected=E recv=R dup=D missing=M bad=B wrong_queue=W split_flows=S split_pairs=P
 *   queues_used=U drops=X wsp_back=K
 * (split_flows: flows, both directions together, seen on more than one queue;
 * split_pairs: host pairs whose port pairs went to more than one queue; wrong_queue:
 * packets not on the queue the mode's function says; wsp_back: working-set buffers back
 * in the pool after pfring_zc_kill_worker, of 8).  Exit 0 if the run finished.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pfring_zc.h>

#include "zc_frames.h"
#include "zc_test_id.h"

#define PAIRS 64
#define VARIANTS 4
#define NIN 2
#define QLEN 1024
#define WINDOW 512
#define MAXOUT 8

enum mode { M_DEFAULT, M_IP, M_5T, M_GTP, M_GRE, M_USER };

static enum mode mode;
static uint32_t nout, npkts;
static pfring_zc_cluster *zc;
static pfring_zc_queue *inq[NIN], *outq[MAXOUT];
static pfring_zc_buffer_pool *srcpool;
static _Atomic uint64_t consumed;	/* packets the main thread has taken, or that will never come */

/* The flow of packet seq: host pair, port variant, direction. */
static void flow_of(uint32_t seq, uint32_t *pair, uint32_t *var, int *dir)
{
	uint32_t x = seq * 2654435761u;

	x ^= x >> 15;
	*pair = x % PAIRS;
	*var = (x >> 8) % VARIANTS;
	*dir = (x >> 13) & 1;
}

static void spec_of(uint32_t seq, struct frame_spec *s)
{
	uint32_t pair, var;
	int dir;
	enum frame_encap e = mode == M_GTP ? ENCAP_GTPU : mode == M_GRE ? ENCAP_GRE : ENCAP_NONE;

	flow_of(seq, &pair, &var, &dir);
	frame_flow(s, pair, var, dir, (int)(pair & 1), (int)(pair % 3), var & 1 ? 6 : 17, e);
}

static int filtered(uint32_t seq)
{
	return mode == M_USER && (seq % 7 == 0 || seq % 10 == 3);
}

static int64_t filter_fn(pfring_zc_pkt_buff *b, pfring_zc_queue *q, void *user)
{
	const u_char *d = pfring_zc_pkt_buff_data(b, q);
	uint32_t seq = (uint32_t)d[b->len - FRAME_PAYLOAD] << 24 | (uint32_t)d[b->len - FRAME_PAYLOAD + 1] << 16 |
		       (uint32_t)d[b->len - FRAME_PAYLOAD + 2] << 8 | d[b->len - FRAME_PAYLOAD + 3];

	(void)user;
	return seq % 7 != 0;
}

static uint32_t seq_of(pfring_zc_pkt_buff *b)
{
	const u_char *d = pfring_zc_pkt_buff_data(b, NULL) + b->len - FRAME_PAYLOAD;

	return (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
}

static uint32_t mode_hash(pfring_zc_pkt_buff *b, pfring_zc_queue *q)
{
	switch (mode) {
	case M_5T: return pfring_zc_builtin_5tuple_hash(b, q);
	case M_GTP: return pfring_zc_builtin_gtp_hash(b, q, NULL);
	case M_GRE: return pfring_zc_builtin_gre_hash(b, q);
	default: return pfring_zc_builtin_ip_hash(b, q);
	}
}

static int64_t distr_fn(pfring_zc_pkt_buff *b, pfring_zc_queue *q, void *user)
{
	uint32_t n = (uint32_t)(uintptr_t)user;

	if (mode == M_USER) {
		uint32_t seq = seq_of(b);

		return seq % 10 == 3 ? -1 : (int64_t)(seq % n);
	}
	return mode_hash(b, q) % n;
}

static void *producer(void *arg)
{
	pfring_zc_pkt_buff *h = pfring_zc_get_packet_handle_from_pool(srcpool);
	uint32_t seq;

	(void)arg;
	for (seq = 0; seq < npkts; seq++) {
		struct frame_spec s;

		while (seq - atomic_load_explicit(&consumed, memory_order_acquire) >= WINDOW)
			sched_yield();
		spec_of(seq, &s);
		h->len = (u_int16_t)frame_build(pfring_zc_pkt_buff_data(h, NULL), &s, seq);
		if (filtered(seq))
			atomic_fetch_add_explicit(&consumed, 1, memory_order_release);
		while (pfring_zc_send_pkt(inq[seq % NIN], &h, 1) < 0)
			sched_yield();
	}
	pfring_zc_release_packet_handle_to_pool(srcpool, h);
	return NULL;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static const char *const names[] = { "default", "ip", "5tuple", "gtp", "gre", "user" };
	pfring_zc_buffer_pool *wsp;
	pfring_zc_worker *w;
	pfring_zc_pkt_buff *h, *hs[WINDOW];
	pfring_zc_stat st;
	pthread_t th;
	uint8_t *seen;
	int8_t flowq[PAIRS * VARIANTS], pairq[PAIRS];
	uint8_t used[MAXOUT] = { 0 }, pair_split[PAIRS] = { 0 }, flow_split[PAIRS * VARIANTS] = { 0 };
	uint64_t expected = 0, recv = 0, dup = 0, missing = 0, bad = 0, wrong = 0, drops = 0;
	uint32_t i, qi, seq, pair, var, burst, split_flows = 0, split_pairs = 0, queues_used = 0, wsp_back = 0;
	int dir, m, n, j;
	double deadline;

	if (argc < 5) {
		fprintf(stderr, "usage: %s MODE single|burst NOUT PACKETS [huge]\n", argv[0]);
		return 2;
	}
	for (m = 0; m < 6 && strcmp(argv[1], names[m]); m++)
		;
	mode = (enum mode)m;
	burst = !strcmp(argv[2], "burst");
	nout = (uint32_t)atoi(argv[3]);
	npkts = (uint32_t)atoi(argv[4]);
	if (m == 6 || nout < 1 || nout > MAXOUT || npkts == 0)
		return 2;
	zc = pfring_zc_create_cluster(ZC_TEST_ID(3), 256, 0, NIN * QLEN + nout * QLEN + 64 + 8 + WINDOW + 8, -1, NULL,
				      argc > 5 ? 0 : PF_RING_ZC_CLUSTER_NO_HUGEPAGES);
	if (!zc) {
		perror("create_cluster");
		return 2;
	}
	for (i = 0; i < NIN; i++)
		inq[i] = pfring_zc_create_queue(zc, QLEN);
	for (i = 0; i < nout; i++)
		outq[i] = pfring_zc_create_queue(zc, QLEN);
	srcpool = pfring_zc_create_buffer_pool(zc, 64);
	wsp = pfring_zc_create_buffer_pool(zc, 8);
	seen = calloc(npkts, 1);
	memset(flowq, -1, sizeof(flowq));
	memset(pairq, -1, sizeof(pairq));
	for (i = 0; i < WINDOW; i++)
		hs[i] = pfring_zc_get_packet_handle(zc);
	w = pfring_zc_run_balancer_v2(inq, outq, NIN, nout, wsp,
				      burst ? round_robin_bursts_policy : round_robin_policy, NULL,
				      mode == M_USER ? filter_fn : NULL, NULL,
				      mode == M_DEFAULT ? NULL : distr_fn, (void *)(uintptr_t)nout, 0, -1);
	if (!w) {
		perror("run_balancer");
		return 2;
	}
	for (i = 0; i < npkts; i++)
		expected += !filtered(i);
	pthread_create(&th, NULL, producer, NULL);
	deadline = now_s() + 120;
	while (recv < expected && now_s() < deadline) {
		int got = 0;

		for (qi = 0; qi < nout; qi++) {
			n = pfring_zc_recv_pkt_burst(outq[qi], hs, 64, 0);
			for (j = 0; j < n; j++) {
				h = hs[j];
				got = 1;
				recv++;
				seq = seq_of(h);
				if (seq >= npkts || !frame_payload_ok(pfring_zc_pkt_buff_data(h, NULL) + h->len -
								     FRAME_PAYLOAD, seq)) {
					bad++;
					continue;
				}
				if (seen[seq]++) {
					dup++;
					continue;
				}
				used[qi] = 1;
				flow_of(seq, &pair, &var, &dir);
				if (flowq[pair * VARIANTS + var] < 0)
					flowq[pair * VARIANTS + var] = (int8_t)qi;
				else if (flowq[pair * VARIANTS + var] != (int8_t)qi)
					flow_split[pair * VARIANTS + var] = 1;
				if (pairq[pair] < 0)
					pairq[pair] = (int8_t)qi;
				else if (pairq[pair] != (int8_t)qi)
					pair_split[pair] = 1;
				if (mode == M_USER ? qi != seq % nout : qi != mode_hash(h, NULL) % nout)
					wrong++;
				if (filtered(seq))
					wrong++;	/* should never have come */
			}
			if (n > 0)
				atomic_fetch_add_explicit(&consumed, (uint64_t)n, memory_order_release);
		}
		if (!got)
			sched_yield();
	}
	pthread_join(th, NULL);
	pfring_zc_kill_worker(w);
	for (i = 0; i < npkts; i++)
		missing += !filtered(i) && !seen[i];
	for (i = 0; i < nout; i++) {
		pfring_zc_stats(outq[i], &st);
		drops += st.drop;
		queues_used += used[i];
	}
	for (i = 0; i < PAIRS * VARIANTS; i++)
		split_flows += flow_split[i];
	for (i = 0; i < PAIRS; i++)
		split_pairs += pair_split[i];
	while ((h = pfring_zc_get_packet_handle_from_pool(wsp)))
		wsp_back++;
	printf("expected=%llu recv=%llu dup=%llu missing=%llu bad=%llu wrong_queue=%llu split_flows=%u "
	       "split_pairs=%u queues_used=%u drops=%llu wsp_back=%u\n",
	       (unsigned long long)expected, (unsigned long long)recv, (unsigned long long)dup,
	       (unsigned long long)missing, (unsigned long long)bad, (unsigned long long)wrong, split_flows,
	       split_pairs, queues_used, (unsigned long long)drops, wsp_back);
	pfring_zc_destroy_cluster(zc);
	free(seen);
	return 0;
}
