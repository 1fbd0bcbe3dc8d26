// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * queue_bench.c - SPSC throughput of the ZC queue (libpfring_zc) against DPDK's rte_ring,
 * measured side by side in one run: a producer thread pinned to CPU 0 pushes N packets
 * to a consumer thread pinned to CPU 1, in nine modes:
 *
 *   zc-single    pfring_zc_send_pkt(flush) / pfring_zc_recv_pkt
 *   zc-burst     pfring_zc_send_pkt_burst(flush) / pfring_zc_recv_pkt_burst
 *   ring-single  rte_ring_sp_enqueue / rte_ring_sc_dequeue (one pointer each)
 *   ring-burst   rte_ring_sp_enqueue_burst / rte_ring_sc_dequeue_burst
 *   zc-balancer  a balancer worker (pfring_zc_run_balancer, builtin IP hash, burst
 *                policy) between one ingress queue and 2 egress queues; see below
 *   ring-single-data, ring-burst-data
 *                as the two above, but what goes through the ring is a pointer to a
 *                buffer (a cycle of queue_len + 2 * burst + 2 buffers of the ZC
 *                cluster's stride) whose length and sequence number the producer
 *                writes and the consumer reads, as in the ZC modes: the same memory
 *                traffic per packet, to tell the queue's cost from the data's
 *   ring-single-mbuf, ring-burst-mbuf
 *                packets as DPDK moves them between two cores: the producer takes mbufs
 *                from an rte_mempool (rte_pktmbuf_alloc / _alloc_bulk, each thread with
 *                its per-lcore cache of 256), writes the number at rte_pktmbuf_mtod() and
 *                the length in pkt_len and data_len, and enqueues them on the same
 *                rte_ring; the consumer checks them and gives them back
 *                (rte_pktmbuf_free / _free_bulk).  Like a ZC queue, a buffer goes back to
 *                a pool the producer takes from, and the consumer may keep or pass on
 *                what it received, which the fixed rotation of ring-*-data cannot do
 *
 *   queue_bench [-n PACKETS] [-b BURST] [-q QUEUE_LEN] [-r REPETITIONS] [-m MODE] [-N]
 *
 * -m: only that mode.  -N: no hugepages (the ZC cluster, the -data buffers, DPDK's memory).
 * Every repetition runs the modes one
 * after the other, so drift touches all of them alike.  Both sides poll without blocking
 * and back off the same way (pause; sched_yield once per 64 failed tries).
 *
 * Correctness: the ZC producer writes the sequence number into the packet data, the
 * rte_ring producer enqueues the sequence number itself (in the -data modes: the
 * buffer's pointer, the number in the buffer); the consumer checks every one
 * and counts them.  Output: one JSON line per mode and repetition
 *   {"mode", "rep", "packets", "seconds", "mpps", "hugepages", "queue_len", "burst", "ok"}
 * The exit status is 1 as soon as a mode lost, duplicated or reordered a packet, 2 on a
 * usage or set-up error.
 *
 * zc-balancer: the machine this was written for has 2 CPUs, so the thread on CPU 0 is
 * both the producer (bursts of IPv4/UDP frames from 1024 source addresses into the
 * ingress queue) and the consumer of the 2 egress queues (it polls both), and the
 * balancer worker runs on CPU 1 (core_id_affinity 1, active wait); the other thread of
 * the harness does nothing.  At most queue_len packets are in flight, so the egress
 * queues (queue_len each) can never be full: a drop would be a failure.  The consumer
 * checks that each egress queue delivers increasing sequence numbers and, with a bitmap,
 * that every packet arrives exactly once.  It has a cluster of its own (3 queues).
 *
 * The rte_ring lives in memory of our own (rte_ring_get_memsize, aligned_alloc,
 * rte_ring_init).  The -mbuf modes' mempool needs DPDK's EAL: it is started with one
 * lcore, no PCI, no telemetry and no files but its empty runtime directory (--in-memory
 * on hugepages; with -N or too few hugepages free, --no-huge --no-shconf on normal
 * pages), and both threads register with it for their lcore caches.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <pfring_zc.h>

#define MAX_BURST 256
#define ZC_BUFFER_LEN 1536
#define HUGEPAGE_BYTES (2u << 20)

enum mode { ZC_SINGLE, ZC_BURST, RING_SINGLE, RING_BURST, RING_SINGLE_DATA,
	     RING_BURST_DATA, RING_SINGLE_MBUF, RING_BURST_MBUF, ZC_BALANCER, NUM_MODES };

static const char *const mode_names[NUM_MODES] = {
	"zc-single", "zc-burst", "ring-single", "ring-burst", "ring-single-data",
	"ring-burst-data", "ring-single-mbuf", "ring-burst-mbuf", "zc-balancer",
};

/* The -mbuf modes' pool: DPDK's usual per-lcore cache, and its flush threshold (1.5x). */
#define MBUF_CACHE 256
#define MBUF_CACHE_MAX (MBUF_CACHE * 3 / 2)

/* Where the -data modes write in a buffer: a length at its head, the number further on. */
#define DATA_LEN_OFF 0
#define DATA_SEQ_OFF 128

struct options {
	uint64_t packets;
	uint32_t burst;
	uint32_t queue_len;
	uint32_t reps;
	bool no_hugepages;
	int only;		/* -m: one mode, or -1 for all */
};

/* What both threads of one measurement share. */
struct run {
	enum mode mode;
	uint64_t n;
	uint32_t burst;
	pfring_zc_cluster *zc;
	pfring_zc_queue *zq;
	struct rte_ring *ring;
	struct rte_mempool *mbufs;	/* the -mbuf modes' pool */
	uint8_t *bufs;		/* the -data modes' buffers */
	uint64_t nbufs;
	size_t stride;
	size_t bufs_bytes;
	pthread_barrier_t start;
	struct timespec t0;	/* written by the producer once both are ready */
	struct timespec t1;	/* written by the consumer after the last packet */
	uint64_t got;		/* consumer only */
	uint64_t bad;		/* consumer only: out of order or damaged */
	/* zc-balancer */
	pfring_zc_cluster *bzc;
	pfring_zc_queue *bin, *bout[2];
	pfring_zc_buffer_pool *bwsp;
	uint32_t queue_len;
	uint64_t bdrops;
	uint64_t per_queue[2];
};

/* Waiting on a full or empty queue, the same for every mode. */
static inline void backoff(unsigned int *tries)
{
	if ((++*tries & 63) == 0)
		sched_yield();
	else
		__builtin_ia32_pause();
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0)
		fprintf(stderr, "queue_bench: cannot pin a thread to CPU %d\n", cpu);
}

/* ---- ZC ------------------------------------------------------------------------------ */

static inline void zc_stamp(pfring_zc_pkt_buff *h, uint64_t seq)
{
	memcpy(pfring_zc_pkt_buff_data(h, NULL), &seq, sizeof(seq));
	h->len = 60;
}

static inline bool zc_good(pfring_zc_pkt_buff *h, uint64_t seq)
{
	uint64_t v;

	memcpy(&v, pfring_zc_pkt_buff_data(h, NULL), sizeof(v));
	return v == seq && h->len == 60;
}

static bool zc_take_handles(struct run *r, pfring_zc_pkt_buff **h, uint32_t k)
{
	for (uint32_t i = 0; i < k; i++)
		if (!(h[i] = pfring_zc_get_packet_handle(r->zc)))
			return false;
	return true;
}

static void zc_give_handles(struct run *r, pfring_zc_pkt_buff **h, uint32_t k)
{
	for (uint32_t i = 0; i < k; i++)
		if (h[i])
			pfring_zc_release_packet_handle(r->zc, h[i]);
}

static void zc_produce_single(struct run *r)
{
	pfring_zc_pkt_buff *h;
	unsigned int tries = 0;

	h = pfring_zc_get_packet_handle(r->zc);
	if (!h)
		abort();
	for (uint64_t seq = 0; seq < r->n; seq++) {
		zc_stamp(h, seq);
		while (pfring_zc_send_pkt(r->zq, &h, 1) < 0)
			backoff(&tries);
	}
	pfring_zc_release_packet_handle(r->zc, h);
}

static void zc_consume_single(struct run *r)
{
	pfring_zc_pkt_buff *h;
	unsigned int tries = 0;

	h = pfring_zc_get_packet_handle(r->zc);
	if (!h)
		abort();
	while (r->got < r->n) {
		if (pfring_zc_recv_pkt(r->zq, &h, 0) != 1) {
			backoff(&tries);
			continue;
		}
		r->bad += !zc_good(h, r->got);
		r->got++;
	}
	pfring_zc_release_packet_handle(r->zc, h);
}

static void zc_produce_burst(struct run *r)
{
	pfring_zc_pkt_buff *h[MAX_BURST] = { 0 };
	unsigned int tries = 0;
	uint64_t seq = 0;

	if (!zc_take_handles(r, h, r->burst))
		abort();
	while (seq < r->n) {
		uint32_t k = r->n - seq < r->burst ? (uint32_t)(r->n - seq) : r->burst;
		uint32_t done = 0;

		for (uint32_t i = 0; i < k; i++)
			zc_stamp(h[i], seq + i);
		while (done < k) {
			int sent = pfring_zc_send_pkt_burst(r->zq, &h[done], k - done, 1);

			if (sent < 0)
				abort();
			if (sent == 0)
				backoff(&tries);
			done += (uint32_t)sent;
		}
		seq += k;
	}
	zc_give_handles(r, h, r->burst);
}

static void zc_consume_burst(struct run *r)
{
	pfring_zc_pkt_buff *h[MAX_BURST] = { 0 };
	unsigned int tries = 0;

	if (!zc_take_handles(r, h, r->burst))
		abort();
	while (r->got < r->n) {
		int got = pfring_zc_recv_pkt_burst(r->zq, h, r->burst, 0);

		if (got <= 0) {
			backoff(&tries);
			continue;
		}
		for (int i = 0; i < got; i++) {
			r->bad += !zc_good(h[i], r->got);
			r->got++;
		}
	}
	zc_give_handles(r, h, r->burst);
}

/* ---- rte_ring, three ways ------------------------------------------------------------ */

/*
 * What the rte_ring modes carry (see the top): the number itself, a pointer into a fixed
 * rotation of buffers, or an mbuf.  One loop per side and call form serves all three;
 * always_inline with a constant kind gives each mode its own loop, as if written out.
 */
enum ring_kind { RING_BARE, RING_DATA, RING_MBUF };

#define ring_inline static inline __attribute__((always_inline))

/*
 * -data: buffer seq % nbufs carries packet seq.  The producer rewrites a buffer only
 * nbufs packets later, when at most queue_len - 1 packets are in the ring and at most a
 * burst each is held by the two threads: the consumer is done with it by then.
 */
ring_inline void *data_stamp(struct run *r, uint64_t seq)
{
	uint8_t *b = r->bufs + (seq % r->nbufs) * r->stride;
	uint16_t len = 60;

	memcpy(b + DATA_LEN_OFF, &len, sizeof(len));
	memcpy(b + DATA_SEQ_OFF, &seq, sizeof(seq));
	return b;
}

ring_inline bool data_good(struct run *r, void *obj, uint64_t seq)
{
	uint8_t *b = obj;
	uint64_t v;
	uint16_t len;

	memcpy(&len, b + DATA_LEN_OFF, sizeof(len));
	memcpy(&v, b + DATA_SEQ_OFF, sizeof(v));
	return b == r->bufs + (seq % r->nbufs) * r->stride && v == seq && len == 60;
}

/* -mbuf: the number at the packet's start, its length in the mbuf's header. */
ring_inline void mbuf_stamp(struct rte_mbuf *m, uint64_t seq)
{
	memcpy(rte_pktmbuf_mtod(m, uint8_t *), &seq, sizeof(seq));
	m->data_len = 60;
	m->pkt_len = 60;
}

ring_inline bool mbuf_good(struct rte_mbuf *m, uint64_t seq)
{
	uint64_t v;

	memcpy(&v, rte_pktmbuf_mtod(m, uint8_t *), sizeof(v));
	return v == seq && m->pkt_len == 60 && m->data_len == 60;
}

/* The producer's objects for packets seq .. seq + k - 1. */
ring_inline void ring_fill(struct run *r, enum ring_kind kind, void **objs, uint64_t seq,
			   uint32_t k, unsigned int *tries)
{
	if (kind == RING_MBUF) {
		struct rte_mbuf **m = (struct rte_mbuf **)objs;

		if (k == 1) {
			while (!(m[0] = rte_pktmbuf_alloc(r->mbufs)))
				backoff(tries);
		} else {
			while (rte_pktmbuf_alloc_bulk(r->mbufs, m, k) != 0)
				backoff(tries);
		}
		for (uint32_t i = 0; i < k; i++)
			mbuf_stamp(m[i], seq + i);
		return;
	}
	for (uint32_t i = 0; i < k; i++)
		objs[i] = kind == RING_DATA ? data_stamp(r, seq + i) : (void *)(uintptr_t)(seq + i);
}

/* The consumer's check of got objects, the next expected being r->got; mbufs go back. */
ring_inline void ring_check(struct run *r, enum ring_kind kind, void **objs, uint32_t got)
{
	for (uint32_t i = 0; i < got; i++) {
		if (kind == RING_BARE)
			r->bad += (uintptr_t)objs[i] != r->got;
		else if (kind == RING_DATA)
			r->bad += !data_good(r, objs[i], r->got);
		else
			r->bad += !mbuf_good(objs[i], r->got);
		r->got++;
	}
	if (kind == RING_MBUF) {
		if (got == 1)
			rte_pktmbuf_free(objs[0]);
		else
			rte_pktmbuf_free_bulk((struct rte_mbuf **)objs, got);
	}
}

/* rte_ring_sp_enqueue / rte_ring_sc_dequeue, one object each */
ring_inline void ring_produce_single(struct run *r, enum ring_kind kind)
{
	unsigned int tries = 0;
	void *obj;

	for (uint64_t seq = 0; seq < r->n; seq++) {
		ring_fill(r, kind, &obj, seq, 1, &tries);
		while (rte_ring_sp_enqueue(r->ring, obj) != 0)
			backoff(&tries);
	}
}

ring_inline void ring_consume_single(struct run *r, enum ring_kind kind)
{
	unsigned int tries = 0;
	void *obj;

	while (r->got < r->n) {
		if (rte_ring_sc_dequeue(r->ring, &obj) != 0) {
			backoff(&tries);
			continue;
		}
		ring_check(r, kind, &obj, 1);
	}
}

/* the _burst forms, r->burst at a time */
ring_inline void ring_produce_burst(struct run *r, enum ring_kind kind)
{
	void *objs[MAX_BURST];
	unsigned int tries = 0;
	uint64_t seq = 0;

	while (seq < r->n) {
		uint32_t k = r->n - seq < r->burst ? (uint32_t)(r->n - seq) : r->burst;
		uint32_t done = 0;

		ring_fill(r, kind, objs, seq, k, &tries);
		while (done < k) {
			unsigned int sent = rte_ring_sp_enqueue_burst(r->ring, &objs[done],
								      k - done, NULL);

			if (sent == 0)
				backoff(&tries);
			done += sent;
		}
		seq += k;
	}
}

ring_inline void ring_consume_burst(struct run *r, enum ring_kind kind)
{
	void *objs[MAX_BURST];
	unsigned int tries = 0;

	while (r->got < r->n) {
		unsigned int got = rte_ring_sc_dequeue_burst(r->ring, objs, r->burst, NULL);

		if (got == 0) {
			backoff(&tries);
			continue;
		}
		ring_check(r, kind, objs, got);
	}
}

/* ---- zc-balancer ---------------------------------------------------------------------- */

#define BAL_FLOWS 1024
#define BAL_SEQ_OFF 42		/* after Ethernet, IPv4, UDP */

static const uint8_t bal_template[BAL_SEQ_OFF] = {
	0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00,		/* Ethernet, IPv4 */
	0x45, 0, 0, 46, 0, 0, 0, 0, 64, 17, 0, 0,			/* IPv4: 46 bytes, UDP */
	10, 0, 0, 0, 192, 168, 0, 1,					/* src (varies), dst */
	0x30, 0x39, 0x00, 0x35, 0, 26, 0, 0,				/* UDP 12345 -> 53 */
};

static inline void bal_stamp(pfring_zc_pkt_buff *h, uint64_t seq)
{
	uint8_t *d = pfring_zc_pkt_buff_data(h, NULL);
	uint32_t flow = (uint32_t)(seq % BAL_FLOWS);

	memcpy(d, bal_template, sizeof(bal_template));
	d[28] = (uint8_t)(flow >> 8);
	d[29] = (uint8_t)flow;
	memcpy(d + BAL_SEQ_OFF, &seq, sizeof(seq));
	h->len = 60;
}

/* CPU 0: produce into the ingress queue and consume both egress queues. */
static void bal_run(struct run *r)
{
	pfring_zc_pkt_buff *ph[MAX_BURST] = { 0 }, *ch[MAX_BURST] = { 0 };
	uint64_t *seen = calloc(r->n / 64 + 1, sizeof(uint64_t));
	uint64_t seq = 0, last[2] = { UINT64_MAX, UINT64_MAX }, s;
	pfring_zc_worker *w;
	pfring_zc_stat st;
	unsigned int tries = 0;

	if (!seen)
		abort();
	for (uint32_t i = 0; i < r->burst; i++)
		if (!(ph[i] = pfring_zc_get_packet_handle(r->bzc)) ||
		    !(ch[i] = pfring_zc_get_packet_handle(r->bzc)))
			abort();
	w = pfring_zc_run_balancer(&r->bin, r->bout, 1, 2, r->bwsp, round_robin_bursts_policy, NULL,
				   NULL, NULL, 1, 1);
	if (!w) {
		perror("queue_bench: pfring_zc_run_balancer");
		exit(2);
	}
	r->per_queue[0] = r->per_queue[1] = 0;
	clock_gettime(CLOCK_MONOTONIC, &r->t0);
	while (r->got < r->n) {
		bool busy = false;

		/* at most queue_len in flight: an egress queue can hold them all */
		if (seq < r->n && seq - r->got + r->burst <= r->queue_len) {
			uint32_t k = r->n - seq < r->burst ? (uint32_t)(r->n - seq) : r->burst;
			int sent;

			for (uint32_t i = 0; i < k; i++)
				bal_stamp(ph[i], seq + i);
			sent = pfring_zc_send_pkt_burst(r->bin, ph, k, 1);
			if (sent < 0)
				abort();
			seq += (uint32_t)sent;
			busy = sent > 0;
		}
		for (int q = 0; q < 2; q++) {
			int got = pfring_zc_recv_pkt_burst(r->bout[q], ch, r->burst, 0);
			uint8_t *data[MAX_BURST];

			/* the packets' lines come from the other CPU: ask for all of them at once */
			for (int i = 0; i < got; i++)
				__builtin_prefetch(data[i] = pfring_zc_pkt_buff_data(ch[i], NULL));
			for (int i = 0; i < got; i++) {
				memcpy(&s, data[i] + BAL_SEQ_OFF, sizeof(s));
				if (s >= r->n || (last[q] != UINT64_MAX && s <= last[q]) ||
				    (seen[s / 64] & (1ull << (s % 64))) || ch[i]->len != 60) {
					r->bad++;
				} else {
					seen[s / 64] |= 1ull << (s % 64);
					last[q] = s;
				}
			}
			if (got > 0) {
				r->got += (uint64_t)got;
				r->per_queue[q] += (uint64_t)got;
				busy = true;
			}
		}
		if (!busy)
			backoff(&tries);
	}
	clock_gettime(CLOCK_MONOTONIC, &r->t1);
	pfring_zc_kill_worker(w);
	r->bdrops = 0;
	for (int q = 0; q < 2; q++)
		if (pfring_zc_stats(r->bout[q], &st) == 0)
			r->bdrops += st.drop;
	for (uint32_t i = 0; i < r->burst; i++) {
		pfring_zc_release_packet_handle(r->bzc, ph[i]);
		pfring_zc_release_packet_handle(r->bzc, ch[i]);
	}
	free(seen);
}

/* ---- threads ------------------------------------------------------------------------- */

/* Each mode's two sides (zc-balancer's are both on CPU 0: bal_run). */
static void produce(struct run *r)
{
	switch (r->mode) {
	case ZC_SINGLE: zc_produce_single(r); break;
	case ZC_BURST: zc_produce_burst(r); break;
	case RING_SINGLE: ring_produce_single(r, RING_BARE); break;
	case RING_BURST: ring_produce_burst(r, RING_BARE); break;
	case RING_SINGLE_DATA: ring_produce_single(r, RING_DATA); break;
	case RING_BURST_DATA: ring_produce_burst(r, RING_DATA); break;
	case RING_SINGLE_MBUF: ring_produce_single(r, RING_MBUF); break;
	case RING_BURST_MBUF: ring_produce_burst(r, RING_MBUF); break;
	case ZC_BALANCER: bal_run(r); break;
	case NUM_MODES: break;
	}
}

static void consume(struct run *r)
{
	switch (r->mode) {
	case ZC_SINGLE: zc_consume_single(r); break;
	case ZC_BURST: zc_consume_burst(r); break;
	case RING_SINGLE: ring_consume_single(r, RING_BARE); break;
	case RING_BURST: ring_consume_burst(r, RING_BARE); break;
	case RING_SINGLE_DATA: ring_consume_single(r, RING_DATA); break;
	case RING_BURST_DATA: ring_consume_burst(r, RING_DATA); break;
	case RING_SINGLE_MBUF: ring_consume_single(r, RING_MBUF); break;
	case RING_BURST_MBUF: ring_consume_burst(r, RING_MBUF); break;
	case ZC_BALANCER: case NUM_MODES: break;	/* CPU 1 is the balancer worker's */
	}
}

static bool mbuf_mode(enum mode m)
{
	return m == RING_SINGLE_MBUF || m == RING_BURST_MBUF;
}

/* An -mbuf mode's thread takes an lcore id of DPDK's, for its cache of the mempool. */
static void lcore_register(const struct run *r)
{
	if (mbuf_mode(r->mode) && rte_thread_register() != 0) {
		fprintf(stderr, "queue_bench: rte_thread_register: %s\n", rte_strerror(rte_errno));
		exit(2);
	}
}

static void lcore_unregister(const struct run *r)
{
	if (mbuf_mode(r->mode))
		rte_thread_unregister();
}

static void *producer_thread(void *arg)
{
	struct run *r = arg;

	pin(0);
	lcore_register(r);
	pthread_barrier_wait(&r->start);
	clock_gettime(CLOCK_MONOTONIC, &r->t0);
	produce(r);
	lcore_unregister(r);
	return NULL;
}

static void *consumer_thread(void *arg)
{
	struct run *r = arg;

	pin(1);
	lcore_register(r);
	pthread_barrier_wait(&r->start);
	consume(r);
	if (r->mode != ZC_BALANCER)	/* bal_run times itself */
		clock_gettime(CLOCK_MONOTONIC, &r->t1);
	lcore_unregister(r);
	return NULL;
}

static double seconds_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/*
 * The queue must be empty again after a run: nothing left behind, nothing made up; and
 * every mbuf back in its pool (the count includes the lcore caches).
 */
static bool queue_empty(const struct run *r)
{
	if (r->mode == ZC_SINGLE || r->mode == ZC_BURST)
		return pfring_zc_queue_is_empty(r->zq) == 1;
	if (r->mode == ZC_BALANCER)
		return pfring_zc_queue_is_empty(r->bin) == 1 && pfring_zc_queue_is_empty(r->bout[0]) == 1 &&
		       pfring_zc_queue_is_empty(r->bout[1]) == 1 && r->bdrops == 0;
	if (mbuf_mode(r->mode) && rte_mempool_full(r->mbufs) != 1)
		return false;
	return rte_ring_empty(r->ring) == 1;
}

/* One measurement; prints its JSON line; false when the packets did not add up. */
static bool measure(struct run *r, enum mode mode, uint32_t rep, const struct options *o,
		    bool hugepages)
{
	pthread_t p, c;
	double secs;
	bool ok;

	r->mode = mode;
	r->got = 0;
	r->bad = 0;
	if (pthread_barrier_init(&r->start, NULL, 2) != 0)
		return false;
	if (pthread_create(&c, NULL, consumer_thread, r) != 0 ||
	    pthread_create(&p, NULL, producer_thread, r) != 0) {
		fprintf(stderr, "queue_bench: pthread_create failed\n");
		exit(2);
	}
	pthread_join(p, NULL);
	pthread_join(c, NULL);
	pthread_barrier_destroy(&r->start);
	secs = seconds_between(&r->t0, &r->t1);
	ok = r->got == r->n && r->bad == 0 && queue_empty(r);
	printf("{\"mode\": \"%s\", \"rep\": %" PRIu32 ", \"packets\": %" PRIu64
	       ", \"seconds\": %.6f, \"mpps\": %.3f, \"hugepages\": %s, \"queue_len\": %" PRIu32
	       ", \"burst\": %" PRIu32 ", \"ok\": %s}\n",
	       mode_names[mode], rep, r->got, secs, secs > 0 ? (double)r->got / secs / 1e6 : 0.0,
	       hugepages ? "true" : "false", o->queue_len,
	       (mode == ZC_BURST || mode == RING_BURST || mode == RING_BURST_DATA ||
		mode == RING_BURST_MBUF || mode == ZC_BALANCER) ?
	       o->burst : 1, ok ? "true" : "false");
	fflush(stdout);
	if (!ok)
		fprintf(stderr, "queue_bench: %s: %" PRIu64 " of %" PRIu64
			" packets, %" PRIu64 " out of order or damaged\n",
			mode_names[mode], r->got, r->n, r->bad);
	if (mode == ZC_BALANCER)
		fprintf(stderr, "queue_bench: zc-balancer: %" PRIu64 " + %" PRIu64 " packets on the "
			"2 egress queues, %" PRIu64 " dropped\n", r->per_queue[0], r->per_queue[1],
			r->bdrops);
	return ok;
}

/* ---- set-up -------------------------------------------------------------------------- */

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-n PACKETS] [-b BURST (1..%d)] [-q QUEUE_LEN (power of 2)] "
		"[-r REPETITIONS] [-m MODE (only this one)] [-N (no hugepages)]\n", prog, MAX_BURST);
	exit(2);
}

static struct options parse_options(int argc, char **argv)
{
	struct options o = { .packets = 100000000, .burst = 32, .queue_len = 4096, .reps = 3,
			     .only = -1 };
	int opt;

	while ((opt = getopt(argc, argv, "n:b:q:r:m:Nh")) != -1) {
		switch (opt) {
		case 'n': o.packets = strtoull(optarg, NULL, 0); break;
		case 'b': o.burst = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'q': o.queue_len = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'r': o.reps = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'N': o.no_hugepages = true; break;
		case 'm':
			for (o.only = 0; o.only < NUM_MODES && strcmp(optarg, mode_names[o.only]); o.only++)
				;
			if (o.only == NUM_MODES)
				usage(argv[0]);
			break;
		default: usage(argv[0]);
		}
	}
	if (o.packets == 0 || o.burst == 0 || o.burst > MAX_BURST || o.reps == 0 ||
	    o.queue_len < 2 || (o.queue_len & (o.queue_len - 1)) != 0)
		usage(argv[0]);
	return o;
}

/* The ZC cluster: hugepages when there are enough, else normal pages. */
static pfring_zc_cluster *make_cluster(const struct options *o, bool *hugepages)
{
	/* the queue's slots, and the handles both threads hold */
	uint32_t buffers = o->queue_len + 2 * o->burst + 2;
	pfring_zc_cluster *zc = NULL;

	if (!o->no_hugepages) {
		zc = pfring_zc_create_cluster(1, ZC_BUFFER_LEN, 0, buffers, -1, NULL, 0);
		if (zc) {
			*hugepages = true;
			return zc;
		}
		fprintf(stderr, "queue_bench: no hugepages for the ZC cluster (%s): "
			"normal pages instead\n", strerror(errno));
	}
	*hugepages = false;
	return pfring_zc_create_cluster(1, ZC_BUFFER_LEN, 0, buffers, -1, NULL,
					PF_RING_ZC_CLUSTER_NO_HUGEPAGES);
}

/*
 * The -data modes' buffers, with the ZC cluster's stride: hugepages when the cluster got
 * them and there are enough left, else normal pages.
 */
static bool make_data_buffers(struct run *r, const struct options *o, bool want_huge,
			      bool *hugepages)
{
	pfring_zc_cluster_info info;
	size_t bytes;
	void *p = MAP_FAILED;

	if (pfring_zc_precompute_cluster_settings(&info, ZC_BUFFER_LEN, 0, 1, 0) != 0)
		return false;
	r->stride = info.real_buffer_len;
	r->nbufs = o->queue_len + 2 * (uint64_t)o->burst + 2;
	bytes = (r->nbufs * r->stride + HUGEPAGE_BYTES - 1) & ~(size_t)(HUGEPAGE_BYTES - 1);
	if (want_huge)
		p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE, -1, 0);
	*hugepages = p != MAP_FAILED;
	if (p == MAP_FAILED)
		p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (p == MAP_FAILED)
		return false;
	r->bufs = p;
	r->bufs_bytes = bytes;
	return true;
}

/* An rte_ring in memory of our own, without DPDK's EAL or its memzones. */
static struct rte_ring *make_ring(uint32_t count)
{
	ssize_t size = rte_ring_get_memsize(count);
	struct rte_ring *ring;
	size_t bytes;

	if (size < 0)
		return NULL;
	bytes = ((size_t)size + RTE_CACHE_LINE_SIZE - 1) & ~(size_t)(RTE_CACHE_LINE_SIZE - 1);
	ring = aligned_alloc(RTE_CACHE_LINE_SIZE, bytes);
	if (!ring)
		return NULL;
	if (rte_ring_init(ring, "queue_bench", count, RING_F_SP_ENQ | RING_F_SC_DEQ) != 0) {
		free(ring);
		return NULL;
	}
	return ring;
}

static uint64_t meminfo_kb(const char *key)
{
	char line[128];
	uint64_t v = 0;
	size_t n = strlen(key);
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, n) == 0 && line[n] == ':') {
			v = strtoull(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/*
 * DPDK's EAL and the -mbuf modes' pool: in flight at most a ring's worth and a burst
 * held by each thread, plus what each lcore cache may keep (its flush threshold and a
 * burst), so the producer never waits for an mbuf that only a cache holds.  The pool's
 * memory comes from hugepages when enough are free, else from normal pages (--no-huge);
 * *hugepages says which.  rte_eal_cleanup() gives it back.
 */
static struct rte_mempool *make_mbuf_pool(const struct options *o, bool *hugepages)
{
	unsigned int n = o->queue_len + 2 * o->burst + 2 + 2 * (MBUF_CACHE_MAX + o->burst);
	uint64_t kb = ((uint64_t)n * (sizeof(struct rte_mbuf) + RTE_MBUF_DEFAULT_BUF_SIZE + 128)) /
		      1024 + 16 * 1024;
	char mem[32];
	char *argv[16] = { "queue_bench", "-l", "0", "--no-pci", "--no-telemetry",
			   "--log-level=*:error" };
	int argc = 6;
	struct rte_mempool *mp;

	*hugepages = !o->no_hugepages && meminfo_kb("HugePages_Free") * meminfo_kb("Hugepagesize") >= kb;
	if (*hugepages) {
		argv[argc++] = "--in-memory";	/* no hugepage files; pages taken as needed */
	} else {
		/* malloc'ed memory of a fixed size; no shared configuration files either */
		snprintf(mem, sizeof(mem), "%" PRIu64, kb / 1024);
		argv[argc++] = "--no-huge";
		argv[argc++] = "--no-shconf";
		argv[argc++] = "-m";
		argv[argc++] = mem;
	}
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "queue_bench: rte_eal_init: %s\n", rte_strerror(rte_errno));
		return NULL;
	}
	mp = rte_pktmbuf_pool_create("queue_bench", n, MBUF_CACHE, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     SOCKET_ID_ANY);
	if (!mp)
		fprintf(stderr, "queue_bench: rte_pktmbuf_pool_create: %s\n", rte_strerror(rte_errno));
	return mp;
}

/* Whether a mode's buffers are on hugepages. */
struct pages {
	bool zc, balancer, data, mbuf;
};

static bool mode_hugepages(enum mode m, const struct pages *p)
{
	switch (m) {
	case ZC_SINGLE:
	case ZC_BURST:
		return p->zc;
	case RING_SINGLE_DATA:
	case RING_BURST_DATA:
		return p->data;
	case RING_SINGLE_MBUF:
	case RING_BURST_MBUF:
		return p->mbuf;
	case ZC_BALANCER:
		return p->balancer;
	default:
		return false;	/* bare rte_ring: no buffers */
	}
}

int main(int argc, char **argv)
{
	struct options o = parse_options(argc, argv);
	struct run r = { .n = o.packets, .burst = o.burst };
	struct pages pages;
	bool ok = true;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		fprintf(stderr, "queue_bench: fewer than 2 CPUs online: both threads share one\n");
	r.zc = make_cluster(&o, &pages.zc);
	if (!r.zc) {
		perror("queue_bench: pfring_zc_create_cluster");
		return 2;
	}
	r.zq = pfring_zc_create_queue(r.zc, o.queue_len);
	if (!r.zq) {
		perror("queue_bench: pfring_zc_create_queue");
		return 2;
	}
	/* zc-balancer: its own cluster, with the ZC cluster's kind of pages */
	r.queue_len = o.queue_len;
	{
		uint32_t nb = 3 * o.queue_len + 8 + 2 * o.burst + 2;

		r.bzc = pfring_zc_create_cluster(2, ZC_BUFFER_LEN, 0, nb, -1, NULL,
						 pages.zc ? 0 : PF_RING_ZC_CLUSTER_NO_HUGEPAGES);
		pages.balancer = r.bzc != NULL && pages.zc;
		if (!r.bzc && pages.zc) {
			fprintf(stderr, "queue_bench: no hugepages for the balancer's cluster: "
				"normal pages instead\n");
			r.bzc = pfring_zc_create_cluster(2, ZC_BUFFER_LEN, 0, nb, -1, NULL,
							 PF_RING_ZC_CLUSTER_NO_HUGEPAGES);
		}
		if (!r.bzc || !(r.bin = pfring_zc_create_queue(r.bzc, o.queue_len)) ||
		    !(r.bout[0] = pfring_zc_create_queue(r.bzc, o.queue_len)) ||
		    !(r.bout[1] = pfring_zc_create_queue(r.bzc, o.queue_len)) ||
		    !(r.bwsp = pfring_zc_create_buffer_pool(r.bzc, 8))) {
			perror("queue_bench: the balancer's cluster");
			return 2;
		}
	}
	r.ring = make_ring(o.queue_len);
	if (!r.ring) {
		fprintf(stderr, "queue_bench: rte_ring_init failed\n");
		return 2;
	}
	if (!make_data_buffers(&r, &o, pages.zc, &pages.data)) {
		perror("queue_bench: buffers of the -data modes");
		return 2;
	}
	r.mbufs = make_mbuf_pool(&o, &pages.mbuf);
	if (!r.mbufs)
		return 2;
	fprintf(stderr, "queue_bench: %" PRIu64 " packets, queue %" PRIu32 " (rte_ring capacity %u), "
		"burst %" PRIu32 ", %" PRIu32 " repetitions, ZC cluster on %s, -data buffers on %s, "
		"%u mbufs on %s\n",
		o.packets, o.queue_len, rte_ring_get_capacity(r.ring), o.burst, o.reps,
		pages.zc ? "hugepages" : "normal pages", pages.data ? "hugepages" : "normal pages",
		r.mbufs->size, pages.mbuf ? "hugepages" : "normal pages");
	for (uint32_t rep = 1; rep <= o.reps && ok; rep++)
		for (int m = 0; m < NUM_MODES && ok; m++)
			ok = (o.only >= 0 && m != o.only) ||
			     measure(&r, (enum mode)m, rep, &o, mode_hugepages((enum mode)m, &pages));
	rte_mempool_free(r.mbufs);
	rte_eal_cleanup();
	munmap(r.bufs, r.bufs_bytes);
	free(r.ring);
	pfring_zc_destroy_cluster(r.bzc);
	pfring_zc_destroy_cluster(r.zc);
	return ok ? 0 : 1;
}
