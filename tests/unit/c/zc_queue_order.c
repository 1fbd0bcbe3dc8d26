// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * zc_queue_order.c - one producer thread and one consumer thread push N packets through a
 * ZC SPSC queue at full speed; every packet carries its sequence number (in its data, its
 * hash and its metadata) and the consumer checks each one.
 *
 *   zc_queue_order single|burst N QUEUE_LEN [nohuge]
 *
 * Prints one line: "sent=S recv=R drop=D refused=F bad=B mpps=X" where refused is how many
 * packets the producer saw refused (queue full) and bad how many arrived out of order or
 * damaged.  Exit 0 only if all N arrived in order and the stats agree.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pfring_zc.h>
#include "zc_test_id.h"

#define BURST 32

struct run {
	pfring_zc_cluster *zc;
	pfring_zc_queue *q;
	uint64_t n;
	int burst;
	uint64_t refused;	/* producer only */
	uint64_t bad;		/* consumer only */
	uint64_t got;		/* consumer only */
};

static void stamp(pfring_zc_pkt_buff *h, uint64_t seq)
{
	memcpy(pfring_zc_pkt_buff_data(h, NULL), &seq, sizeof(seq));
	memcpy(h->user, &seq, sizeof(seq));
	h->hash = (uint32_t)seq;
	h->len = (uint16_t)(60 + (seq & 0xff));
}

static int check(pfring_zc_pkt_buff *h, uint64_t seq)
{
	uint64_t d, m;

	memcpy(&d, pfring_zc_pkt_buff_data(h, NULL), sizeof(d));
	memcpy(&m, h->user, sizeof(m));
	return d == seq && m == seq && h->hash == (uint32_t)seq && h->len == 60 + (seq & 0xff);
}

/* Queue full: count it and, now and then, let the consumer run if it shares our CPU. */
static void refused(struct run *r)
{
	if ((++r->refused & 63) == 0)
		sched_yield();
}

static void *producer(void *arg)
{
	struct run *r = arg;
	pfring_zc_pkt_buff *h[BURST];
	uint64_t seq = 0;
	int i, k, sent;

	for (i = 0; i < BURST; i++)
		if (!(h[i] = pfring_zc_get_packet_handle(r->zc)))
			abort();
	if (!r->burst) {
		while (seq < r->n) {
			stamp(h[0], seq);
			while (pfring_zc_send_pkt(r->q, &h[0], 1) < 0)
				refused(r);
			seq++;
		}
	} else {
		while (seq < r->n) {
			k = r->n - seq < BURST ? (int)(r->n - seq) : BURST;
			for (i = 0; i < k; i++)
				stamp(h[i], seq + i);
			i = 0;
			while (i < k) {
				sent = pfring_zc_send_pkt_burst(r->q, &h[i], k - i, 1);
				if (sent < 0)
					abort();
				if (sent < k - i) {
					r->refused += (uint64_t)(k - i - sent - 1);
					refused(r);
				}
				i += sent;
			}
			seq += k;
		}
	}
	pfring_zc_sync_queue(r->q, tx_only);
	for (i = 0; i < BURST; i++)
		pfring_zc_release_packet_handle(r->zc, h[i]);
	return NULL;
}

static void *consumer(void *arg)
{
	struct run *r = arg;
	pfring_zc_pkt_buff *h[BURST];
	int i, n;

	for (i = 0; i < BURST; i++)
		if (!(h[i] = pfring_zc_get_packet_handle(r->zc)))
			abort();
	while (r->got < r->n) {
		if (!r->burst) {
			if (pfring_zc_recv_pkt(r->q, &h[0], 1) != 1)
				abort();
			r->bad += !check(h[0], r->got);
			r->got++;
		} else {
			n = pfring_zc_recv_pkt_burst(r->q, h, BURST, 1);
			if (n <= 0)
				abort();
			for (i = 0; i < n; i++) {
				r->bad += !check(h[i], r->got);
				r->got++;
			}
		}
	}
	for (i = 0; i < BURST; i++)
		pfring_zc_release_packet_handle(r->zc, h[i]);
	return NULL;
}

int main(int argc, char **argv)
{
	struct run r = { 0 };
	struct timespec t0, t1;
	pfring_zc_stat st;
	pthread_t p, c;
	uint32_t qlen;
	double secs;
	int ok;

	if (argc < 4) {
		fprintf(stderr, "usage: %s single|burst N QUEUE_LEN [nohuge]\n", argv[0]);
		return 2;
	}
	r.burst = !strcmp(argv[1], "burst");
	r.n = strtoull(argv[2], NULL, 0);
	qlen = (uint32_t)strtoul(argv[3], NULL, 0);
	r.zc = pfring_zc_create_cluster(ZC_TEST_ID(1), 1536, 8, qlen + 2 * BURST, -1, NULL,
					argc > 4 ? PF_RING_ZC_CLUSTER_NO_HUGEPAGES : 0);
	if (!r.zc) {
		perror("pfring_zc_create_cluster");
		return 1;
	}
	r.q = pfring_zc_create_queue(r.zc, qlen);
	if (!r.q) {
		perror("pfring_zc_create_queue");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_create(&c, NULL, consumer, &r);
	pthread_create(&p, NULL, producer, &r);
	pthread_join(p, NULL);
	pthread_join(c, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	pfring_zc_stats(r.q, &st);
	printf("sent=%" PRIu64 " recv=%" PRIu64 " drop=%" PRIu64 " refused=%" PRIu64
	       " bad=%" PRIu64 " mpps=%.1f\n", st.sent, st.recv, st.drop, r.refused, r.bad,
	       (double)r.n / secs / 1e6);
	ok = st.sent == r.n && st.recv == r.n && st.drop == r.refused && r.bad == 0 &&
	     pfring_zc_queue_is_empty(r.q) == 1;
	pfring_zc_destroy_cluster(r.zc);
	return ok ? 0 : 1;
}
