// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * zc_worker_fifo.c - the fifo worker merges ingress queues, each in timestamp order, into
 * one stream in timestamp order.  N ingress queues are filled first: PACKETS packets with
 * increasing timestamps (1 to 3 us apart, some seconds roll over), each put into a
 * pseudo-random queue; then the worker starts and the main thread receives from its
 * egress queue (MODE queue) or the worker calls a function for each packet (MODE func).
 *
 *   zc_worker_fifo MODE N PACKETS
 *
 * One line: got=G in_order=O dup=D bad=B wsp=W/WL
 * (in_order: packets that came exactly as the global sequence; wsp: working-set buffers
 * back in the pool after pfring_zc_kill_worker).
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

#define MAXIN 8

static uint32_t npkts;
static uint8_t *seen;
static _Atomic uint64_t got, in_order, dups, bad;
static uint64_t next_seq;

static uint32_t seq_of(pfring_zc_pkt_buff *b)
{
	const u_char *d = pfring_zc_pkt_buff_data(b, NULL) + b->len - FRAME_PAYLOAD;

	return (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
}

static void ts_of(uint32_t seq, pfring_zc_timespec *ts)
{
	/* 2 us apart on average, across second boundaries */
	uint64_t ns = 999000000ull + (uint64_t)seq * 2000 + (seq * 7919u) % 1000;

	ts->tv_sec = (uint32_t)(1700000000ull + ns / 1000000000ull);
	ts->tv_nsec = (uint32_t)(ns % 1000000000ull);
}

static void check(pfring_zc_pkt_buff *b)
{
	uint32_t seq = seq_of(b);
	pfring_zc_timespec ts;

	atomic_fetch_add(&got, 1);
	if (seq >= npkts || !frame_payload_ok(pfring_zc_pkt_buff_data(b, NULL) + b->len - FRAME_PAYLOAD, seq)) {
		atomic_fetch_add(&bad, 1);
		return;
	}
	ts_of(seq, &ts);
	if (ts.tv_sec != b->ts.tv_sec || ts.tv_nsec != b->ts.tv_nsec)
		atomic_fetch_add(&bad, 1);
	if (seen[seq]++)
		atomic_fetch_add(&dups, 1);
	if (seq == next_seq)
		atomic_fetch_add(&in_order, 1);
	next_seq = seq + 1;
}

static int64_t func(pfring_zc_pkt_buff *b, pfring_zc_queue *in_queue, void *user)
{
	(void)in_queue;
	(void)user;
	check(b);
	return 0;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	pfring_zc_queue *inq[MAXIN], *outq = NULL;
	pfring_zc_buffer_pool *wsp;
	pfring_zc_cluster *zc;
	pfring_zc_worker *w;
	pfring_zc_pkt_buff *h;
	uint32_t n, i, seq, wsp_back = 0, wsp_len;
	int use_queue;
	double deadline;

	if (argc < 4)
		return 2;
	use_queue = !strcmp(argv[1], "queue");
	n = (uint32_t)atoi(argv[2]);
	npkts = (uint32_t)atoi(argv[3]);
	if (n < 1 || n > MAXIN || npkts == 0)
		return 2;
	wsp_len = n * 32;
	zc = pfring_zc_create_cluster(ZC_TEST_ID(5), 256, 0, n * npkts + npkts + wsp_len + 8, -1, NULL,
				      PF_RING_ZC_CLUSTER_NO_HUGEPAGES);
	if (!zc) {
		perror("create_cluster");
		return 2;
	}
	for (i = 0; i < n; i++)
		inq[i] = pfring_zc_create_queue(zc, npkts);
	if (use_queue)
		outq = pfring_zc_create_queue(zc, npkts);
	wsp = pfring_zc_create_buffer_pool(zc, wsp_len);
	seen = calloc(npkts, 1);
	h = pfring_zc_get_packet_handle(zc);
	for (seq = 0; seq < npkts; seq++) {
		struct frame_spec s;
		uint32_t x = seq * 2654435761u;

		frame_flow(&s, seq % 50, 0, 0, 0, 0, 17, ENCAP_NONE);
		h->len = (u_int16_t)frame_build(pfring_zc_pkt_buff_data(h, NULL), &s, seq);
		ts_of(seq, &h->ts);
		if (pfring_zc_send_pkt(inq[(x >> 16) % n], &h, 1) < 0)
			return 2;
	}
	w = pfring_zc_run_fifo(inq, outq, n, wsp, NULL, use_queue ? NULL : func, NULL, 1, -1, -1);
	if (!w) {
		perror("run_fifo");
		return 2;
	}
	deadline = now_s() + 60;
	while (atomic_load(&got) < npkts && now_s() < deadline) {
		if (use_queue && pfring_zc_recv_pkt(outq, &h, 0) == 1)
			check(h);
		else
			sched_yield();
	}
	pfring_zc_kill_worker(w);
	while (pfring_zc_get_packet_handle_from_pool(wsp))
		wsp_back++;
	printf("got=%llu in_order=%llu dup=%llu bad=%llu wsp=%u/%u\n", (unsigned long long)atomic_load(&got),
	       (unsigned long long)atomic_load(&in_order), (unsigned long long)atomic_load(&dups),
	       (unsigned long long)atomic_load(&bad), wsp_back, wsp_len);
	pfring_zc_destroy_cluster(zc);
	free(seen);
	return 0;
}
