// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * zc_ipc_peer.c - the processes of the ZC IPC tests (tests/unit/test_zc_ipc.py,
 * test_pfring_zc_py.py): a producer that creates a cluster and its queue/pool pairs, and
 * consumers that attach to one queue by cluster id and check every packet.
 *
 *   zc_ipc_peer producer ID NQ QLEN N block|drop [nohuge]
 *	Creates cluster ID with NQ queue/pool pairs (pool of 32 buffers each), prints
 *	"ready", then sends packets round robin over the queues.  block: N packets in all,
 *	retrying while a queue is full.  drop: one try per packet (a full queue counts a
 *	drop) until a line arrives on stdin.  Then an end marker to every queue (retried for
 *	up to 10 s), one line per queue "q=K sent=S drop=D stat_sent=S' stat_drop=D'", and
 *	"done"; waits for a line (or EOF) on stdin, destroys the cluster, prints "destroyed".
 *	Packet k of a queue (k counts the packets that queue accepted) is stamp(k).
 *
 *   zc_ipc_peer consumer ID QID [burst] [idle] [hold] [die=K]
 *	Attaches pool QID and queue QID (rx_only), prints "ready", receives until the end
 *	marker (or, with idle, until nothing came for 1 s) and prints
 *	"got=G first=F last=L g2=Y gaps=X bad=B end=E": g2 is 1 if the second packet's
 *	number is not the first's plus one, gaps counts the later packets whose number is not
 *	the previous one's plus one, bad those whose bytes are not stamp()'s.  With hold,
 *	waits for a line on stdin before it detaches and exits.  With die=K (single packets),
 *	after K packets it does the first half of the next receive (its buffer into the free
 *	ring, white box: zc_priv.h) and kills itself with SIGKILL before publishing it.
 *
 *   zc_ipc_peer lockdie ID
 *	Attaches queue 0 for management, takes the cluster's lock (white box: zc_priv.h),
 *	prints "locked" and kills itself with SIGKILL.
 *
 *   zc_ipc_peer stats ID NQ
 *	Attaches every queue for management and prints "q=K sent=S recv=R drop=D".
 *
 *   zc_ipc_peer errors ID NQ
 *	Bad attach input against live cluster ID (NQ queues, queue 0's rx side attached by
 *	another process): prints one line per failed check and "F failures".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pfring_zc.h>
/* white box (lockdie, die=K): the cluster header and the queue handle; found beside this
 * file's source tree, so that no -I is needed */
#include "../../../userland/zc/zc_priv.h"

#define POOL_LEN	32
#define BURST		16
#define END_MARK	UINT64_MAX

static uint16_t stamp_len(uint64_t k)
{
	return (uint16_t)(60 + k % 200);
}

/* Packet k of a queue: k in the first 8 bytes, then (7k + i) & 0xff, ts = (k, k % 1e9). */
static void stamp(pfring_zc_pkt_buff *h, uint64_t k)
{
	u_char *d = pfring_zc_pkt_buff_data(h, NULL);
	uint16_t i, len = stamp_len(k);

	memcpy(d, &k, sizeof(k));
	for (i = 8; i < len; i++)
		d[i] = (u_char)(7 * k + i);
	h->len = len;
	h->ts.tv_sec = (uint32_t)k;
	h->ts.tv_nsec = (uint32_t)(k % 1000000000u);
}

static int stamp_ok(pfring_zc_pkt_buff *h, uint64_t k)
{
	u_char *d = pfring_zc_pkt_buff_data(h, NULL);
	uint16_t i;

	if (h->len != stamp_len(k) || h->ts.tv_sec != (uint32_t)k ||
	    h->ts.tv_nsec != (uint32_t)(k % 1000000000u))
		return 0;
	for (i = 8; i < h->len; i++)
		if (d[i] != (u_char)(7 * k + i))
			return 0;
	return 1;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int stdin_ready(void)
{
	struct pollfd p = { .fd = 0, .events = POLLIN };

	return poll(&p, 1, 0) > 0;
}

static void wait_line(void)
{
	char line[64];

	if (!fgets(line, sizeof(line), stdin))
		return;
}

static int producer(int argc, char **argv)
{
	uint32_t id = (uint32_t)atoi(argv[2]), nq = (uint32_t)atoi(argv[3]), i;
	uint32_t qlen = (uint32_t)atoi(argv[4]);
	uint64_t n = strtoull(argv[5], NULL, 10), sent_all = 0, tries = 0;
	int drop = !strcmp(argv[6], "drop");
	uint32_t flags = argc > 7 && !strcmp(argv[7], "nohuge") ? PF_RING_ZC_CLUSTER_NO_HUGEPAGES : 0;
	pfring_zc_queue *q[64];
	pfring_zc_buffer_pool *pool[64];
	uint64_t sent[64] = { 0 }, dropped[64] = { 0 }, end = END_MARK;
	pfring_zc_pkt_buff *h;
	pfring_zc_cluster *zc;
	pfring_zc_stat st;
	double t0;

	if (nq == 0 || nq > 64)
		return 2;
	zc = pfring_zc_create_cluster(id, 1536, 0, nq * (qlen + POOL_LEN) + 64, -1, NULL, flags);
	if (!zc) {
		printf("create errno=%d\n", errno);
		return 1;
	}
	for (i = 0; i < nq; i++)
		if (pfring_zc_create_queue_pool_pair(zc, qlen, POOL_LEN, &q[i], &pool[i]) < 0 ||
		    pfring_zc_get_queue_id(q[i]) != i || pfring_zc_get_pool_id(pool[i]) != i) {
			printf("pair errno=%d\n", errno);
			return 1;
		}
	h = pfring_zc_get_packet_handle(zc);
	if (!h)
		return 1;
	printf("ready\n");
	fflush(stdout);
	for (i = 0;; i = i + 1 == nq ? 0 : i + 1) {
		if (drop ? (++tries & 1023) == 0 && stdin_ready() : sent_all == n)
			break;
		stamp(h, sent[i]);
		if (pfring_zc_send_pkt(q[i], &h, 1) >= 0) {
			sent[i]++;
			sent_all++;
		} else if (drop) {
			dropped[i]++;
			if ((dropped[i] & 63) == 0)
				sched_yield();
		} else {
			sched_yield();
			i = i == 0 ? nq - 1 : i - 1;	/* the same queue again */
		}
	}
	if (drop)
		wait_line();
	for (i = 0; i < nq; i++) {
		t0 = now();
		memcpy(pfring_zc_pkt_buff_data(h, NULL), &end, sizeof(end));
		h->len = 60;
		while (pfring_zc_send_pkt(q[i], &h, 1) < 0 && now() - t0 < 10)
			usleep(100);
	}
	for (i = 0; i < nq; i++) {
		pfring_zc_stats(q[i], &st);
		printf("q=%u sent=%" PRIu64 " drop=%" PRIu64 " stat_sent=%" PRIu64 " stat_drop=%" PRIu64 "\n",
		       i, sent[i], dropped[i], st.sent, st.drop);
	}
	printf("done\n");
	fflush(stdout);
	wait_line();
	pfring_zc_release_packet_handle(zc, h);
	pfring_zc_destroy_cluster(zc);
	printf("destroyed\n");
	return 0;
}

/* The first half of zc_queue.c's receive: our buffer into the free ring, then death. */
static void die_in_exchange(pfring_zc_queue *queue, pfring_zc_pkt_buff *mine)
{
	struct zc_queue *q = queue;
	uint64_t tail = atomic_load_explicit(&q->shm->tail, memory_order_acquire);

	while (atomic_load_explicit(&q->shm->head, memory_order_acquire) == tail)
		sched_yield();	/* the slot must hold a published packet */
	q->ret[(q->len + tail) % q->ret_len] = zc_buf_hdr(mine)->idx;
	printf("dying\n");
	fflush(stdout);
	kill(getpid(), SIGKILL);
}

static int consumer(int argc, char **argv)
{
	uint32_t id = (uint32_t)atoi(argv[2]), qid = (uint32_t)atoi(argv[3]);
	int burst = 0, idle = 0, hold = 0, i, n, end = 0;
	uint64_t die = UINT64_MAX;
	pfring_zc_buffer_pool *pool;
	pfring_zc_pkt_buff *h[BURST];
	uint64_t got = 0, gaps = 0, g2 = 0, bad = 0, k;
	int64_t first = -1, last = -1;
	pfring_zc_queue *q;
	double t_last;

	for (i = 4; i < argc; i++) {
		burst |= !strcmp(argv[i], "burst");
		idle |= !strcmp(argv[i], "idle");
		hold |= !strcmp(argv[i], "hold");
		if (!strncmp(argv[i], "die=", 4))
			die = strtoull(argv[i] + 4, NULL, 10);
	}
	alarm(120);	/* a lost end marker must not hang the test */
	pool = pfring_zc_ipc_attach_buffer_pool(id, qid);
	if (!pool) {
		printf("attach pool errno=%d\n", errno);
		return 1;
	}
	q = pfring_zc_ipc_attach_queue(id, qid, rx_only);
	if (!q) {
		printf("attach queue errno=%d\n", errno);
		return 1;
	}
	for (i = 0; i < BURST; i++)
		if (!(h[i] = pfring_zc_get_packet_handle_from_pool(pool)))
			return 1;
	printf("ready\n");
	fflush(stdout);
	t_last = now();
	while (!end) {
		if (got == die)
			die_in_exchange(q, h[0]);
		n = burst ? pfring_zc_recv_pkt_burst(q, h, BURST, !idle)
			  : pfring_zc_recv_pkt(q, &h[0], !idle);
		if (n < 0)
			return 1;
		if (n == 0) {
			if (idle && now() - t_last > 1.0)
				break;
			usleep(50);
			continue;
		}
		t_last = now();
		for (i = 0; i < n; i++) {
			memcpy(&k, pfring_zc_pkt_buff_data(h[i], q), sizeof(k));
			if (k == END_MARK) {
				end = 1;
				break;
			}
			if (got >= 2 && (int64_t)k != last + 1)
				gaps++;
			if (got == 1 && (int64_t)k != last + 1)
				g2 = 1;
			if (got == 0)
				first = (int64_t)k;
			if (!stamp_ok(h[i], k))
				bad++;
			last = (int64_t)k;
			got++;
		}
	}
	printf("got=%" PRIu64 " first=%" PRId64 " last=%" PRId64 " g2=%" PRIu64 " gaps=%" PRIu64
	       " bad=%" PRIu64 " end=%d\n", got, first, last, g2, gaps, bad, end);
	if (hold)
		wait_line();
	for (i = 0; i < BURST; i++)
		pfring_zc_release_packet_handle_to_pool(pool, h[i]);
	pfring_zc_ipc_detach_queue(q);
	pfring_zc_ipc_detach_buffer_pool(pool);
	return 0;
}

static int lockdie(char **argv)
{
	pfring_zc_queue *q = pfring_zc_ipc_attach_queue((uint32_t)atoi(argv[2]), 0, management_only);
	struct zc_queue *zq = q;

	if (!q) {
		printf("attach errno=%d\n", errno);
		return 1;
	}
	pthread_mutex_lock(&zq->cluster->hdr->lock);
	printf("locked\n");
	fflush(stdout);
	kill(getpid(), SIGKILL);
	return 1;
}

static int stats(char **argv)
{
	uint32_t id = (uint32_t)atoi(argv[2]), nq = (uint32_t)atoi(argv[3]), i;
	pfring_zc_queue *q;
	pfring_zc_stat st;

	for (i = 0; i < nq; i++) {
		q = pfring_zc_ipc_attach_queue(id, i, management_only);
		if (!q || pfring_zc_stats(q, &st) < 0) {
			printf("attach errno=%d\n", errno);
			return 1;
		}
		printf("q=%u sent=%" PRIu64 " recv=%" PRIu64 " drop=%" PRIu64 "\n", i, st.sent,
		       st.recv, st.drop);
		pfring_zc_ipc_detach_queue(q);
	}
	return 0;
}

static int failures;

#define CHECK_ERRNO(expr, want) do {						\
	errno = 0;								\
	if ((expr) != NULL || errno != (want)) {				\
		printf("FAIL line %d: %s: errno %d, want %d\n", __LINE__, #expr,	\
		       errno, (want));						\
		failures++;							\
	}									\
} while (0)

/* Queue/pool pairs after pools of their own: the pair skips the pool ids in use. */
static void pair_ids(uint32_t id)
{
	pfring_zc_cluster *zc = pfring_zc_create_cluster(id, 1536, 0, 256, -1, NULL,
							 PF_RING_ZC_CLUSTER_NO_HUGEPAGES);
	pfring_zc_buffer_pool *p0, *p1, *pp, *pa;
	pfring_zc_queue *q, *qa;

	if (!zc) {
		printf("FAIL pair cluster errno=%d\n", errno);
		failures++;
		return;
	}
	p0 = pfring_zc_create_buffer_pool(zc, 16);
	p1 = pfring_zc_create_buffer_pool(zc, 16);
	pfring_zc_destroy_buffer_pool(p0);	/* id 0 free but too small for 32 */
	if (pfring_zc_create_queue_pool_pair(zc, 8, 32, &q, &pp) != 0 ||
	    pfring_zc_get_queue_id(q) != 2 || pfring_zc_get_pool_id(pp) != 2) {
		printf("FAIL pair after pools: errno=%d\n", errno);
		failures++;
	}
	CHECK_ERRNO(pfring_zc_ipc_attach_queue(id, 0, rx_only), ENOENT);	/* skipped */
	qa = pfring_zc_ipc_attach_queue(id, 2, rx_only);
	pa = pfring_zc_ipc_attach_buffer_pool(id, 2);
	if (!qa || !pa) {
		printf("FAIL attach pair 2 errno=%d\n", errno);
		failures++;
	}
	pfring_zc_ipc_detach_queue(qa);
	pfring_zc_ipc_detach_buffer_pool(pa);
	if (pfring_zc_create_queue_pool_pair(zc, 8, 200, &q, &pp) != -ENOBUFS || errno != ENOBUFS) {
		printf("FAIL pair without buffers: errno=%d\n", errno);
		failures++;
	}
	(void)p1;
	pfring_zc_destroy_cluster(zc);
}

static int errors(char **argv)
{
	uint32_t id = (uint32_t)atoi(argv[2]), nq = (uint32_t)atoi(argv[3]);
	pfring_zc_queue *a, *b;
	pfring_zc_buffer_pool *p;
	pfring_zc_stat st;

	CHECK_ERRNO(pfring_zc_ipc_attach_queue(id + 1000, 0, rx_only), ENOENT);
	CHECK_ERRNO(pfring_zc_ipc_attach_buffer_pool(id + 1000, 0), ENOENT);
	CHECK_ERRNO(pfring_zc_ipc_attach_queue(id, 256, rx_only), EINVAL);
	CHECK_ERRNO(pfring_zc_ipc_attach_queue(id, 0, (pfring_zc_queue_mode)7), EINVAL);
	CHECK_ERRNO(pfring_zc_ipc_attach_queue(id, nq, rx_only), ENOENT);
	CHECK_ERRNO(pfring_zc_ipc_attach_buffer_pool(id, 256), EINVAL);
	CHECK_ERRNO(pfring_zc_ipc_attach_buffer_pool(id, nq), ENOENT);
	/* queue 0's rx side and pool 0 are held by a live consumer process */
	CHECK_ERRNO(pfring_zc_ipc_attach_queue(id, 0, rx_only), EBUSY);
	CHECK_ERRNO(pfring_zc_ipc_attach_buffer_pool(id, 0), EBUSY);
	CHECK_ERRNO(pfring_zc_create_cluster(id, 1536, 0, 64, -1, NULL,
					     PF_RING_ZC_CLUSTER_NO_HUGEPAGES), EBUSY);
	CHECK_ERRNO(pfring_zc_create_cluster(id, 1536, 0, 64, -1, NULL, 0), EBUSY);
	/* the other side, and management views, are free */
	a = pfring_zc_ipc_attach_queue(id, 0, management_only);
	b = pfring_zc_ipc_attach_queue(id, 0, management_only);
	if (!a || !b || pfring_zc_stats(a, &st) != 0) {
		printf("FAIL management attach errno=%d\n", errno);
		failures++;
	}
	pfring_zc_ipc_detach_queue(a);
	pfring_zc_ipc_detach_queue(b);
	if (nq > 1) {
		/* in this process too: a side attached twice is busy; detached, it is free */
		a = pfring_zc_ipc_attach_queue(id, 1, rx_only);
		CHECK_ERRNO(pfring_zc_ipc_attach_queue(id, 1, rx_only), EBUSY);
		pfring_zc_ipc_detach_queue(a);
		a = pfring_zc_ipc_attach_queue(id, 1, rx_only);
		if (!a) {
			printf("FAIL re-attach after detach errno=%d\n", errno);
			failures++;
		}
		pfring_zc_ipc_detach_queue(a);
		p = pfring_zc_ipc_attach_buffer_pool(id, 1);
		CHECK_ERRNO(pfring_zc_ipc_attach_buffer_pool(id, 1), EBUSY);
		pfring_zc_ipc_detach_buffer_pool(p);
	}
	pair_ids(id + 500);
	errno = 0;
	pfring_zc_ipc_detach_queue(NULL);
	if (errno != EINVAL) {
		printf("FAIL detach NULL errno=%d\n", errno);
		failures++;
	}
	printf("%d failures\n", failures);
	return failures != 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 6 && !strcmp(argv[1], "producer"))
		return producer(argc, argv);
	if (argc > 3 && !strcmp(argv[1], "consumer"))
		return consumer(argc, argv);
	if (argc > 2 && !strcmp(argv[1], "lockdie"))
		return lockdie(argv);
	if (argc > 3 && !strcmp(argv[1], "stats"))
		return stats(argv);
	if (argc > 3 && !strcmp(argv[1], "errors"))
		return errors(argv);
	fprintf(stderr, "usage: see the top of zc_ipc_peer.c\n");
	return 2;
}
