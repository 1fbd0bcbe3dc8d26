// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * zc_worker_fanout.c - the fan-out worker end to end, and where the buffers are
 * afterwards.  A producer thread sends PACKETS frames into one ingress queue; a fan-out
 * worker puts each into the queues of a multi-queue without a copy; K consumer threads
 * receive from them.  Every consumer checks each packet it gets (sequence in order,
 * every payload byte) and, just before its next receive gives the buffer back, checks
 * the previous packet again: a buffer recycled while it was still being read would show.
 * Consumer 0 is slow (it sleeps now and then) so the others return shared buffers while
 * it still holds them.
 *
 *   zc_worker_fanout MODE K PACKETS [huge]
 *     MODE  all (NULL distribution: every queue), mask (a distribution returning a
 *           per-packet mask, sometimes 0, sometimes with bits beyond the K queues),
 *           forward (all, and consumer 0 also forwards every packet through a plain
 *           queue to itself: a shared buffer is copied, not exchanged, and comes back
 *           intact)
 *
 * Afterwards the consumers release their handles, the producer its own, the worker is
 * killed, and every pool and the cluster are emptied and counted.  One line:
 *   recv=r0,r1,.. expected=e0,e1,.. bad=B copied=F drops=D wsp=W/8 src=S/64 cluster=C/CE
 *   distinct=1
 * (copied: packets consumer 0 forwarded while their buffer was still shared)
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

#define MAXK 8
#define QLEN 512
#define INLEN 1024
#define WINDOW 256
#define SRCLEN 64
#define WSPLEN 8
#define FWDLEN 64

enum mode { M_ALL, M_MASK, M_FORWARD };

static enum mode mode;
static uint32_t k_cons, npkts, tot_buffers;
static pfring_zc_cluster *zc;
static pfring_zc_queue *inq, *outq[MAXK], *fwdq;
static pfring_zc_buffer_pool *srcpool;
static _Atomic uint64_t recv_n[MAXK];
static uint64_t expected[MAXK];
static _Atomic uint64_t bad, copied;
static _Atomic int stop;

static uint64_t mask_of(uint32_t seq)
{
	uint32_t x = seq * 2654435761u;

	if (mode != M_MASK)
		return ~0ull;
	x ^= x >> 13;
	return (x % (1u << k_cons)) | (seq % 5 == 0 ? 1ull << 50 : 0);
}

static int64_t distr_fn(pfring_zc_pkt_buff *b, pfring_zc_queue *q, void *user)
{
	const u_char *d = pfring_zc_pkt_buff_data(b, q) + b->len - FRAME_PAYLOAD;

	(void)user;
	return (int64_t)mask_of((uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3]);
}

static uint32_t seq_of(pfring_zc_pkt_buff *b)
{
	const u_char *d = pfring_zc_pkt_buff_data(b, NULL) + b->len - FRAME_PAYLOAD;

	return (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
}

static int packet_ok(pfring_zc_pkt_buff *b, uint32_t seq)
{
	return b->len > FRAME_PAYLOAD &&
	       frame_payload_ok(pfring_zc_pkt_buff_data(b, NULL) + b->len - FRAME_PAYLOAD, seq) &&
	       b->hash == seq;
}

static void *consumer(void *arg)
{
	uint32_t k = (uint32_t)(uintptr_t)arg, next = 0, prev = UINT32_MAX, seq;
	pfring_zc_pkt_buff *h = pfring_zc_get_packet_handle(zc), *f = NULL;
	struct timespec nap = { 0, 20000 };

	if (k == 0 && mode == M_FORWARD)
		f = pfring_zc_get_packet_handle(zc);
	while (!atomic_load(&stop)) {
		/* the packet we hold: still what it was, just before it is given back */
		if (prev != UINT32_MAX && !packet_ok(h, prev))
			atomic_fetch_add(&bad, 1);
		if (pfring_zc_recv_pkt(outq[k], &h, 0) <= 0) {
			sched_yield();
			continue;
		}
		seq = seq_of(h);
		while (next < npkts && !(mask_of(next) & (1ull << k)))
			next++;
		if (seq != next || !packet_ok(h, seq))
			atomic_fetch_add(&bad, 1);
		next = seq + 1;
		prev = seq;
		if (f) {
			/*
			 * Forward it: while the buffer is shared the queue gets a copy and
			 * we keep ours; if we were its last holder it is exchanged as usual.
			 * Either way what comes out is the packet, and h is again the packet.
			 */
			pfring_zc_pkt_buff *mine = h, *t;

			if (pfring_zc_send_pkt(fwdq, &h, 1) < 0 || pfring_zc_recv_pkt(fwdq, &f, 0) != 1 ||
			    !packet_ok(f, seq))
				atomic_fetch_add(&bad, 1);
			if (h == mine)
				atomic_fetch_add(&copied, 1);
			else
				t = h, h = f, f = t;
		}
		atomic_fetch_add_explicit(&recv_n[k], 1, memory_order_release);
		if (k == 0 && seq % 64 == 0)
			nanosleep(&nap, NULL);
	}
	if (prev != UINT32_MAX && !packet_ok(h, prev))
		atomic_fetch_add(&bad, 1);
	pfring_zc_release_packet_handle(zc, h);
	if (f)
		pfring_zc_release_packet_handle(zc, f);
	return NULL;
}

static void *producer(void *arg)
{
	pfring_zc_pkt_buff *h = pfring_zc_get_packet_handle_from_pool(srcpool);
	uint64_t sent[MAXK] = { 0 }, m;
	uint32_t seq, k;

	(void)arg;
	for (seq = 0; seq < npkts; seq++) {
		struct frame_spec s;

		m = mask_of(seq);
		for (k = 0; k < k_cons; k++)
			while ((m & (1ull << k)) &&
			       sent[k] - atomic_load_explicit(&recv_n[k], memory_order_acquire) >= WINDOW)
				sched_yield();
		frame_flow(&s, seq % 97, 0, seq & 1, (int)(seq & 2), (int)(seq % 3), 17, ENCAP_NONE);
		h->len = (u_int16_t)frame_build(pfring_zc_pkt_buff_data(h, NULL), &s, seq);
		h->hash = seq;
		while (pfring_zc_send_pkt(inq, &h, 1) < 0)
			sched_yield();
		for (k = 0; k < k_cons; k++)
			sent[k] += (m >> k) & 1;
	}
	pfring_zc_release_packet_handle_to_pool(srcpool, h);
	return NULL;
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	pfring_zc_buffer_pool *wsp;
	pfring_zc_multi_queue *mq;
	pfring_zc_worker *w;
	pfring_zc_pkt_buff **all, *h;
	pfring_zc_stat st;
	pthread_t prod, cons[MAXK];
	uint64_t drops = 0;
	uint32_t i, k, nall = 0, n_wsp = 0, n_src = 0, n_cl = 0, distinct = 1, done;
	uint32_t cluster_expected;
	double deadline;

	if (argc < 4)
		return 2;
	mode = !strcmp(argv[1], "mask") ? M_MASK : !strcmp(argv[1], "forward") ? M_FORWARD : M_ALL;
	k_cons = (uint32_t)atoi(argv[2]);
	npkts = (uint32_t)atoi(argv[3]);
	if (k_cons < 1 || k_cons > MAXK)
		return 2;
	tot_buffers = INLEN + k_cons * QLEN + FWDLEN + SRCLEN + WSPLEN + 64;
	zc = pfring_zc_create_cluster(ZC_TEST_ID(4), 256, 0, tot_buffers, -1, NULL,
				      argc > 4 ? 0 : PF_RING_ZC_CLUSTER_NO_HUGEPAGES);
	if (!zc) {
		perror("create_cluster");
		return 2;
	}
	inq = pfring_zc_create_queue(zc, INLEN);
	for (k = 0; k < k_cons; k++)
		outq[k] = pfring_zc_create_queue(zc, QLEN);
	fwdq = pfring_zc_create_queue(zc, FWDLEN);
	srcpool = pfring_zc_create_buffer_pool(zc, SRCLEN);
	wsp = pfring_zc_create_buffer_pool(zc, WSPLEN);
	mq = pfring_zc_create_multi_queue(outq, k_cons);
	if (!mq) {
		perror("create_multi_queue");
		return 2;
	}
	for (i = 0; i < npkts; i++)
		for (k = 0; k < k_cons; k++)
			expected[k] += (mask_of(i) >> k) & 1;
	w = pfring_zc_run_fanout_v2(&inq, mq, 1, wsp, round_robin_bursts_policy, NULL, NULL, NULL,
				    mode == M_MASK ? distr_fn : NULL, NULL, 0, -1);
	if (!w) {
		perror("run_fanout");
		return 2;
	}
	for (k = 0; k < k_cons; k++)
		pthread_create(&cons[k], NULL, consumer, (void *)(uintptr_t)k);
	pthread_create(&prod, NULL, producer, NULL);
	deadline = now_s() + 120;
	do {
		struct timespec t = { 0, 1000000 };

		nanosleep(&t, NULL);
		for (done = 0, k = 0; k < k_cons; k++)
			done += atomic_load(&recv_n[k]) >= expected[k];
	} while (done < k_cons && now_s() < deadline);
	pthread_join(prod, NULL);
	atomic_store(&stop, 1);
	for (k = 0; k < k_cons; k++)
		pthread_join(cons[k], NULL);
	pfring_zc_kill_worker(w);

	for (k = 0; k < k_cons; k++) {
		pfring_zc_stats(outq[k], &st);
		drops += st.drop;
	}
	all = calloc(tot_buffers, sizeof(*all));
	while ((h = pfring_zc_get_packet_handle_from_pool(wsp)))
		all[nall++] = h, n_wsp++;
	while ((h = pfring_zc_get_packet_handle_from_pool(srcpool)))
		all[nall++] = h, n_src++;
	while (nall < tot_buffers && (h = pfring_zc_get_packet_handle(zc)))
		all[nall++] = h, n_cl++;
	qsort(all, nall, sizeof(*all), cmp_ptr);
	for (i = 1; i < nall; i++)
		if (all[i] == all[i - 1])
			distinct = 0;
	cluster_expected = tot_buffers - INLEN - k_cons * QLEN - FWDLEN - SRCLEN - WSPLEN;
	printf("recv=");
	for (k = 0; k < k_cons; k++)
		printf("%s%llu", k ? "," : "", (unsigned long long)atomic_load(&recv_n[k]));
	printf(" expected=");
	for (k = 0; k < k_cons; k++)
		printf("%s%llu", k ? "," : "", (unsigned long long)expected[k]);
	printf(" bad=%llu copied=%llu drops=%llu wsp=%u/%u src=%u/%u cluster=%u/%u distinct=%u\n",
	       (unsigned long long)atomic_load(&bad), (unsigned long long)atomic_load(&copied), (unsigned long long)drops, n_wsp, WSPLEN, n_src,
	       SRCLEN, n_cl, cluster_expected, distinct);
	free(all);
	pfring_zc_destroy_cluster(zc);
	return 0;
}
