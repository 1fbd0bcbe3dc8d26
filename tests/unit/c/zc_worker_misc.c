// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * zc_worker_misc.c - the workers' and multi-queues' contracts: bad input gives NULL or a
 * negative value with the right errno; a multi-queue send to a mask; 128-queue multi-queues
 * (the _v3 calls: send to a 128-bit mask, a fan-out worker with a 128-bit distribution
 * function, and with none: every queue); a plain queue made before the first multi-queue
 * copies a shared buffer sent into it; a running worker's queue sides are refused to
 * other processes (EBUSY) and free after its kill; the idle callback
 * runs on the pinned CPU; pfring_zc_kill_worker() under traffic stops the worker within
 * a bounded time, every packet the worker took is accounted for (sent on or counted as
 * a drop), its buffers are back in its pool, and the queues go on working.
 *
 *   zc_worker_misc      print each failure and "N failures"
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
#include <sys/wait.h>
#include <unistd.h>

#include <pfring_zc.h>
#include "zc_check.h"
#include "zc_test_id.h"

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static int pool_count(pfring_zc_buffer_pool *p, pfring_zc_pkt_buff **keep, int max)
{
	int n = 0;
	pfring_zc_pkt_buff *h;

	while (n < max && (h = pfring_zc_get_packet_handle_from_pool(p)))
		keep[n++] = h;
	return n;
}

static void pool_refill(pfring_zc_buffer_pool *p, pfring_zc_pkt_buff **keep, int n)
{
	while (n > 0)
		pfring_zc_release_packet_handle_to_pool(p, keep[--n]);
}

static void check_errors(void)
{
	pfring_zc_cluster *zc = pfring_zc_create_cluster(ZC_TEST_ID(11), 256, 0, 4096, -1, NULL,
							 PF_RING_ZC_CLUSTER_NO_HUGEPAGES);
	pfring_zc_cluster *zc2 = pfring_zc_create_cluster(ZC_TEST_ID(12), 256, 0, 64, -1, NULL,
							  PF_RING_ZC_CLUSTER_NO_HUGEPAGES);
	pfring_zc_queue *q[130], *other = pfring_zc_create_queue(zc2, 8), *nq[2] = { NULL, NULL };
	pfring_zc_buffer_pool *wsp = pfring_zc_create_buffer_pool(zc, 64);
	pfring_zc_buffer_pool *small = pfring_zc_create_buffer_pool(zc, 4);
	pfring_zc_multi_queue *mq;
	pfring_zc_pkt_buff *h = pfring_zc_get_packet_handle(zc);
	int i;

	for (i = 0; i < 130; i++)
		q[i] = pfring_zc_create_queue(zc, 8);
	/* multi-queues */
	CHECK_NULL_ERRNO(pfring_zc_create_multi_queue(NULL, 2), EINVAL);
	CHECK_NULL_ERRNO(pfring_zc_create_multi_queue(q, 0), EINVAL);
	CHECK_NULL_ERRNO(pfring_zc_create_multi_queue(q + 1, 129), EINVAL);	/* 128 is the most */
	CHECK_NULL_ERRNO(pfring_zc_create_multi_queue(nq, 2), EINVAL);
	{
		pfring_zc_queue *twice[2] = { q[0], q[0] }, *mixed[2] = { q[0], other };

		CHECK_NULL_ERRNO(pfring_zc_create_multi_queue(twice, 2), EINVAL);
		CHECK_NULL_ERRNO(pfring_zc_create_multi_queue(mixed, 2), EINVAL);
	}
	mq = pfring_zc_create_multi_queue(q + 1, 64);
	CHECK(mq != NULL);
	CHECK_NULL_ERRNO(pfring_zc_create_multi_queue(q + 64, 2), EBUSY);	/* q[64] is taken */
	errno = 0;
	CHECK(pfring_zc_send_pkt_multi(NULL, &h, 1, 1) == -EINVAL && errno == EINVAL);
	CHECK(pfring_zc_send_pkt_multi(mq, NULL, 1, 1) == -EINVAL);
	CHECK(pfring_zc_send_pkt_multi(mq, &h, 0, 1) == 0);
	/* a mask: bits 0, 2 and 63 of 64 queues */
	{
		pfring_zc_pkt_buff *before = h, *r = pfring_zc_get_packet_handle(zc);
		pfring_zc_stat st;

		h->len = 60;
		pfring_zc_pkt_buff_data(h, NULL)[0] = 0x5a;
		CHECK(pfring_zc_send_pkt_multi(mq, &h, (1ull << 0) | (1ull << 2) | (1ull << 63), 1) == 3);
		CHECK(h != before && h != NULL);
		CHECK(pfring_zc_recv_pkt(q[1], &r, 0) == 1 && r == before);
		CHECK(pfring_zc_recv_pkt(q[2], &r, 0) == 0);
		CHECK(pfring_zc_recv_pkt(q[3], &r, 0) == 1 && r == before);
		CHECK(pfring_zc_recv_pkt(q[64], &r, 0) == 1 && r == before && r->len == 60 &&
		      pfring_zc_pkt_buff_data(r, NULL)[0] == 0x5a);
		/* a plain send on a member queue goes through the multi-queue */
		h->len = 61;
		CHECK(pfring_zc_send_pkt(q[2], &h, 1) == 61);
		/* fill q[2] (8 slots): the 9th is refused and counted */
		for (i = 0; i < 7; i++)
			CHECK(pfring_zc_send_pkt_multi(mq, &h, 1ull << 1, 1) == 1);
		errno = 0;
		CHECK(pfring_zc_send_pkt_multi(mq, &h, 1ull << 1, 1) == 0 && errno == EAGAIN);
		CHECK(pfring_zc_send_pkt(q[2], &h, 1) == -EAGAIN && errno == EAGAIN);
		CHECK(pfring_zc_stats(q[2], &st) == 0 && st.drop == 2 && st.sent == 8);
		pfring_zc_release_packet_handle(zc, r);
	}

	/* workers */
	CHECK_NULL_ERRNO(pfring_zc_run_balancer(NULL, q, 1, 1, wsp, round_robin_policy, NULL, NULL, NULL, 0, -1), EINVAL);
	CHECK_NULL_ERRNO(pfring_zc_run_balancer(q, q + 65, 0, 1, wsp, round_robin_policy, NULL, NULL, NULL, 0, -1), EINVAL);
	CHECK_NULL_ERRNO(pfring_zc_run_balancer(q, NULL, 1, 1, wsp, round_robin_policy, NULL, NULL, NULL, 0, -1), EINVAL);
	CHECK_NULL_ERRNO(pfring_zc_run_balancer(q, q + 65, 1, 0, wsp, round_robin_policy, NULL, NULL, NULL, 0, -1), EINVAL);
	CHECK_NULL_ERRNO(pfring_zc_run_balancer(q, q + 65, 1, 1, NULL, round_robin_policy, NULL, NULL, NULL, 0, -1), EINVAL);
	CHECK_NULL_ERRNO(pfring_zc_run_balancer(nq, q + 65, 1, 1, wsp, round_robin_policy, NULL, NULL, NULL, 0, -1), EINVAL);
	CHECK_NULL_ERRNO(pfring_zc_run_balancer(q, &other, 1, 1, wsp, round_robin_policy, NULL, NULL, NULL, 0, -1), EINVAL);
	CHECK_NULL_ERRNO(pfring_zc_run_balancer(q, q + 65, 1, 1, wsp, (pfring_zc_recv_policy)7, NULL, NULL, NULL, 0, -1), EINVAL);
	CHECK_NULL_ERRNO(pfring_zc_run_balancer(q, q + 65, 1, 1, wsp, round_robin_policy, NULL, NULL, NULL, 0, 1 << 20), EINVAL);
	/* burst mode needs 8 working-set buffers */
	CHECK_NULL_ERRNO(pfring_zc_run_balancer(q, q + 65, 1, 1, small, round_robin_bursts_policy, NULL, NULL, NULL, 0, -1), ENOBUFS);
	CHECK_NULL_ERRNO(pfring_zc_run_fanout(q, NULL, 1, wsp, round_robin_policy, NULL, NULL, NULL, 0, -1), EINVAL);
	CHECK_NULL_ERRNO(pfring_zc_run_fanout(NULL, mq, 1, wsp, round_robin_policy, NULL, NULL, NULL, 0, -1), EINVAL);
	CHECK_NULL_ERRNO(pfring_zc_run_fanout(q, mq, 0, wsp, round_robin_policy, NULL, NULL, NULL, 0, -1), EINVAL);
	CHECK_NULL_ERRNO(pfring_zc_run_fifo(q, NULL, 1, wsp, NULL, NULL, NULL, 1, -1, -1), EINVAL);
	CHECK_NULL_ERRNO(pfring_zc_run_fifo(q, q[65], 0, wsp, NULL, NULL, NULL, 1, -1, -1), EINVAL);
	CHECK_NULL_ERRNO(pfring_zc_run_fifo(q, q[65], 3, wsp, NULL, NULL, NULL, 1, -1, -1), ENOBUFS);	/* 96 > 64 */
	errno = 0;
	pfring_zc_kill_worker(NULL);
	CHECK(errno == EINVAL);
	{
		pfring_zc_pkt_buff *keep[64];

		CHECK(pool_count(wsp, keep, 64) == 64);	/* nothing taken by the failed starts */
		pool_refill(wsp, keep, 64);
	}
	pfring_zc_destroy_cluster(zc);
	pfring_zc_destroy_cluster(zc2);
}

static _Atomic uint64_t idle_calls;
static _Atomic int idle_cpu = -2;

static void idle_cb(void)
{
	atomic_fetch_add(&idle_calls, 1);
	atomic_store(&idle_cpu, sched_getcpu());
}

static _Atomic int stop_producer;
static _Atomic uint64_t produced;
static pfring_zc_queue *kin;
static pfring_zc_pkt_buff *kh;

static void *producer(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop_producer)) {
		kh->len = 64;
		if (pfring_zc_send_pkt(kin, &kh, 1) >= 0)
			atomic_fetch_add(&produced, 1);
	}
	return NULL;
}

#define V3_QUEUES 100
#define V3_PACKETS 50

static __int128_t distr_v3(pfring_zc_pkt_buff *b, pfring_zc_queue *in, void *user)
{
	(void)b;
	(void)in;
	(void)user;
	return ((__int128_t)1 << 70) | ((__int128_t)1 << 3);
}

/* Every packet the worker sends, taken from the queues whose bit is in want (2 words). */
static void v3_drain(pfring_zc_queue **q, pfring_zc_pkt_buff **r, const uint64_t want[2],
		     uint64_t *got)
{
	double until = now_s() + 10;
	uint64_t total = 0, expect = 0;
	int i;

	for (i = 0; i < V3_QUEUES; i++)
		expect += (want[i / 64] >> (i % 64) & 1) * V3_PACKETS;
	while (total < expect && now_s() < until)
		for (i = 0; i < V3_QUEUES; i++)
			while (pfring_zc_recv_pkt(q[i], &r[i], 0) == 1) {
				CHECK(r[i]->len == 42);
				got[i]++;
				total++;
			}
	usleep(20000);	/* nothing more comes */
	for (i = 0; i < V3_QUEUES; i++)
		while (pfring_zc_recv_pkt(q[i], &r[i], 0) == 1)
			got[i]++;
}

/*
 * A multi-queue of 100 queues: pfring_zc_send_pkt_multi_v3() to bits below and above
 * 64, the u_int64_t call reaching the first 64 only, a plain send on a member past 64;
 * pfring_zc_run_fanout_v3() with a 128-bit distribution function, and with none (every
 * queue: the 64-bit mask cannot say that).
 */
static void check_v3(void)
{
	pfring_zc_cluster *zc = pfring_zc_create_cluster(ZC_TEST_ID(16), 256, 0, 8192, -1, NULL,
							 PF_RING_ZC_CLUSTER_NO_HUGEPAGES);
	pfring_zc_queue *q[V3_QUEUES], *in;
	pfring_zc_pkt_buff *r[V3_QUEUES], *h;
	pfring_zc_buffer_pool *wsp;
	pfring_zc_multi_queue *mq;
	pfring_zc_worker *w;
	uint64_t got[V3_QUEUES];
	int i, k, distr;

	CHECK(zc != NULL);
	if (!zc)
		return;
	for (i = 0; i < V3_QUEUES; i++) {
		q[i] = pfring_zc_create_queue(zc, 64);	/* more than V3_PACKETS: no drop */
		r[i] = pfring_zc_get_packet_handle(zc);
	}
	in = pfring_zc_create_queue(zc, 64);
	wsp = pfring_zc_create_buffer_pool(zc, 16);
	h = pfring_zc_get_packet_handle(zc);
	mq = pfring_zc_create_multi_queue(q, V3_QUEUES);
	CHECK(mq != NULL && in && wsp && h);
	if (!mq || !in || !wsp || !h)
		return;
	h->len = 42;
	CHECK(pfring_zc_send_pkt_multi_v3(mq, &h, ((__int128_t)1 << 99) | ((__int128_t)1 << 64) |
					  ((__int128_t)1 << 63) | 1, 1) == 4);
	/* bits past the queues are ignored */
	CHECK(pfring_zc_send_pkt_multi_v3(mq, &h, (__int128_t)((unsigned __int128)1 << 127), 1) == 0);
	h->len = 42;
	CHECK(pfring_zc_send_pkt_multi(mq, &h, 1ull << 63, 1) == 1);
	h->len = 42;
	CHECK(pfring_zc_send_pkt(q[80], &h, 1) == 42);	/* a member past 64, through the multi-queue */
	memset(got, 0, sizeof(got));
	for (i = 0; i < V3_QUEUES; i++)
		while (pfring_zc_recv_pkt(q[i], &r[i], 0) == 1)
			got[i]++;
	for (i = 0; i < V3_QUEUES; i++)
		CHECK(got[i] == (uint64_t)(i == 0 || i == 64 || i == 99 || i == 80 ? 1 :
					   i == 63 ? 2 : 0));

	for (distr = 1; distr >= 0; distr--) {
		uint64_t want[2] = { distr ? 1ull << 3 : ~0ull,
				     distr ? 1ull << 6 : (1ull << (V3_QUEUES - 64)) - 1 };

		w = pfring_zc_run_fanout_v3(&in, mq, 1, wsp, round_robin_policy, NULL, NULL, NULL,
					    distr ? distr_v3 : NULL, NULL, 1, -1);
		CHECK(w != NULL);
		if (!w)
			return;
		for (k = 0; k < V3_PACKETS; k++) {
			h->len = 42;
			while (pfring_zc_send_pkt(in, &h, 1) < 0)
				usleep(100);
		}
		memset(got, 0, sizeof(got));
		v3_drain(q, r, want, got);
		pfring_zc_kill_worker(w);
		for (i = 0; i < V3_QUEUES; i++)
			if (got[i] != (want[i / 64] >> (i % 64) & 1) * V3_PACKETS) {
				printf("distr %d queue %d: %llu\n", distr, i, (unsigned long long)got[i]);
				CHECK(0);
			}
	}
	pfring_zc_destroy_cluster(zc);
}

/*
 * A buffer shared by one multi-queue: fanned out again by another one (copied: the
 * caller keeps it), released while another consumer still has it (not recycled), then
 * released by its last holder (recycled).
 */
static void check_shared_buffers(void)
{
	pfring_zc_cluster *zc = pfring_zc_create_cluster(ZC_TEST_ID(14), 256, 0, 64, -1, NULL,
							 PF_RING_ZC_CLUSTER_NO_HUGEPAGES);
	pfring_zc_queue *q[4];
	pfring_zc_multi_queue *m1, *m2;
	pfring_zc_buffer_pool *pool = pfring_zc_create_buffer_pool(zc, 4);
	pfring_zc_pkt_buff *h = pfring_zc_get_packet_handle(zc), *a = pfring_zc_get_packet_handle(zc);
	pfring_zc_pkt_buff *b = pfring_zc_get_packet_handle(zc), *c = pfring_zc_get_packet_handle(zc);
	pfring_zc_pkt_buff *pkt, *keep[8], *x;
	int i, n;

	for (i = 0; i < 4; i++)
		q[i] = pfring_zc_create_queue(zc, 4);
	m1 = pfring_zc_create_multi_queue(q, 2);
	m2 = pfring_zc_create_multi_queue(q + 2, 2);
	CHECK(m1 && m2 && pool && h && a && b && c);
	if (!m1 || !m2 || !pool || !h || !a || !b || !c)
		return;
	h->len = 33;
	pfring_zc_pkt_buff_data(h, NULL)[0] = 0x77;
	h->hash = 1234;
	pkt = h;
	CHECK(pfring_zc_send_pkt_multi(m1, &h, 3, 1) == 2);
	CHECK(pfring_zc_recv_pkt(q[0], &a, 0) == 1 && a == pkt);
	CHECK(pfring_zc_recv_pkt(q[1], &b, 0) == 1 && b == pkt);
	/* fanned out again while shared: the queues get a copy, a stays the caller's */
	CHECK(pfring_zc_send_pkt_multi(m2, &a, 3, 1) == 2 && a == pkt);
	CHECK(pfring_zc_recv_pkt(q[2], &c, 0) == 1 && c != pkt && c->len == 33 && c->hash == 1234 &&
	      pfring_zc_pkt_buff_data(c, NULL)[0] == 0x77);
	x = pfring_zc_get_packet_handle(zc);
	CHECK(pfring_zc_recv_pkt(q[3], &x, 0) == 1 && x == c);
	/* a is released while b still holds the packet: the pool does not get it */
	n = 0;
	while (n < 8 && (keep[n] = pfring_zc_get_packet_handle_from_pool(pool)))
		n++;
	CHECK(n == 4);
	pfring_zc_release_packet_handle_to_pool(pool, a);
	CHECK(pfring_zc_get_packet_handle_from_pool(pool) == NULL);
	CHECK(pfring_zc_pkt_buff_data(b, NULL)[0] == 0x77 && b->len == 33);
	/* the last holder's release recycles it */
	pfring_zc_release_packet_handle_to_pool(pool, b);
	CHECK(pfring_zc_get_packet_handle_from_pool(pool) == pkt);
	pfring_zc_destroy_cluster(zc);
}

/*
 * A plain queue made before the cluster had any multi-queue: its sends skip the fan-out
 * reference count while no buffer can be shared, and must check it once a multi-queue
 * exists: a shared buffer sent into it is copied (the caller keeps it), not exchanged.
 */
static void check_plain_queue_after_fanout(void)
{
	pfring_zc_cluster *zc = pfring_zc_create_cluster(ZC_TEST_ID(17), 256, 0, 64, -1, NULL,
							 PF_RING_ZC_CLUSTER_NO_HUGEPAGES);
	pfring_zc_queue *plain, *q[2];
	pfring_zc_multi_queue *m;
	pfring_zc_pkt_buff *h, *a, *b, *r, *pkt, *was;

	CHECK(zc != NULL);
	if (!zc)
		return;
	plain = pfring_zc_create_queue(zc, 4);
	q[0] = pfring_zc_create_queue(zc, 4);
	q[1] = pfring_zc_create_queue(zc, 4);
	h = pfring_zc_get_packet_handle(zc);
	a = pfring_zc_get_packet_handle(zc);
	b = pfring_zc_get_packet_handle(zc);
	r = pfring_zc_get_packet_handle(zc);
	CHECK(plain && q[0] && q[1] && h && a && b && r);
	if (!plain || !q[0] || !q[1] || !h || !a || !b || !r)
		return;
	/* before: an exchange */
	h->len = 20;
	was = h;
	CHECK(pfring_zc_send_pkt(plain, &h, 1) == 20 && h != was);
	CHECK(pfring_zc_recv_pkt(plain, &r, 0) == 1 && r == was);

	m = pfring_zc_create_multi_queue(q, 2);
	CHECK(m != NULL);
	if (!m)
		return;
	h->len = 61;
	pfring_zc_pkt_buff_data(h, NULL)[0] = 0x3c;
	pkt = h;
	CHECK(pfring_zc_send_pkt_multi(m, &h, 3, 1) == 2);
	CHECK(pfring_zc_recv_pkt(q[0], &a, 0) == 1 && a == pkt);
	CHECK(pfring_zc_recv_pkt(q[1], &b, 0) == 1 && b == pkt);
	/* after: the shared buffer goes in as a copy, single and burst */
	CHECK(pfring_zc_send_pkt(plain, &a, 1) == 61 && a == pkt);
	CHECK(pfring_zc_recv_pkt(plain, &r, 0) == 1 && r != pkt && r->len == 61 &&
	      pfring_zc_pkt_buff_data(r, NULL)[0] == 0x3c);
	CHECK(pfring_zc_send_pkt_burst(plain, &b, 1, 1) == 1 && b == pkt);
	CHECK(pfring_zc_recv_pkt_burst(plain, &r, 1, 0) == 1 && r != pkt && r->len == 61 &&
	      pfring_zc_pkt_buff_data(r, NULL)[0] == 0x3c);
	CHECK(pfring_zc_pkt_buff_data(pkt, NULL)[0] == 0x3c && pkt->len == 61);
	pfring_zc_destroy_cluster(zc);
}

/* In a child process: attach queue qid of cluster cid, side mode; 0 or the errno. */
static int attach_in_child(uint32_t cid, uint32_t qid, pfring_zc_queue_mode mode)
{
	pid_t pid = fork();
	int st;

	if (pid == 0)
		_exit(pfring_zc_ipc_attach_queue(cid, qid, mode) ? 0 : errno);
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static pfring_zc_worker *sides_balancer(pfring_zc_queue **in, pfring_zc_queue **out,
					pfring_zc_buffer_pool *wsp)
{
	return pfring_zc_run_balancer(in, out, 1, 2, wsp, round_robin_bursts_policy, NULL, NULL,
				      NULL, 0, -1);
}

/*
 * A running worker holds the rx side of its ingress queue and the tx side of its egress
 * queues: another process attaching one of them gets EBUSY, the other sides attach, and
 * after pfring_zc_kill_worker() all of them attach.  A side another live process holds
 * stops a worker from starting (EBUSY), and the failed start keeps none of the others.
 */
static void check_worker_sides(void)
{
	const uint32_t cid = ZC_TEST_ID(18);
	pfring_zc_cluster *zc = pfring_zc_create_cluster(cid, 256, 0, 256, -1, NULL,
							 PF_RING_ZC_CLUSTER_NO_HUGEPAGES);
	pfring_zc_queue *in[1], *out[2];
	pfring_zc_buffer_pool *wsp;
	pfring_zc_worker *w;
	int ready[2], hold[2], st;
	uint32_t qin, q0, q1;
	pid_t holder;
	char c;

	CHECK(zc != NULL);
	if (!zc)
		return;
	in[0] = pfring_zc_create_queue(zc, 16);
	out[0] = pfring_zc_create_queue(zc, 16);
	out[1] = pfring_zc_create_queue(zc, 16);
	wsp = pfring_zc_create_buffer_pool(zc, 16);
	CHECK(in[0] && out[0] && out[1] && wsp);
	if (!in[0] || !out[0] || !out[1] || !wsp)
		return;
	qin = pfring_zc_get_queue_id(in[0]);
	q0 = pfring_zc_get_queue_id(out[0]);
	q1 = pfring_zc_get_queue_id(out[1]);
	w = sides_balancer(in, out, wsp);
	CHECK(w != NULL);
	CHECK(attach_in_child(cid, qin, rx_only) == EBUSY);
	CHECK(attach_in_child(cid, q0, tx_only) == EBUSY);
	CHECK(attach_in_child(cid, q1, tx_only) == EBUSY);
	CHECK(attach_in_child(cid, qin, tx_only) == 0);
	CHECK(attach_in_child(cid, q1, rx_only) == 0);
	if (w)
		pfring_zc_kill_worker(w);
	CHECK(attach_in_child(cid, qin, rx_only) == 0);
	CHECK(attach_in_child(cid, q0, tx_only) == 0);

	/* a live process holds out[0]'s tx side */
	CHECK(pipe(ready) == 0 && pipe(hold) == 0);
	holder = fork();
	if (holder == 0) {
		close(ready[0]);
		close(hold[1]);
		c = pfring_zc_ipc_attach_queue(cid, q0, tx_only) ? 'y' : 'n';
		if (write(ready[1], &c, 1) == 1)
			while (read(hold[0], &c, 1) > 0)
				;
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	CHECK(read(ready[0], &c, 1) == 1 && c == 'y');
	CHECK_NULL_ERRNO(sides_balancer(in, out, wsp), EBUSY);
	CHECK(attach_in_child(cid, qin, rx_only) == 0);
	CHECK(attach_in_child(cid, q1, tx_only) == 0);
	close(hold[1]);
	close(ready[0]);
	CHECK(waitpid(holder, &st, 0) == holder);
	/* the holder is gone: its side is free for the worker */
	w = sides_balancer(in, out, wsp);
	CHECK(w != NULL);
	if (w)
		pfring_zc_kill_worker(w);
	pfring_zc_destroy_cluster(zc);
}

/* Kill under traffic, for a balancer (mode 0) and a fan-out (mode 1). */
static void check_kill(int fanout, int active)
{
	pfring_zc_cluster *zc = pfring_zc_create_cluster(ZC_TEST_ID(13), 256, 0, 4096, -1, NULL,
							 PF_RING_ZC_CLUSTER_NO_HUGEPAGES);
	pfring_zc_queue *out[2];
	pfring_zc_buffer_pool *wsp;
	pfring_zc_multi_queue *mq = NULL;
	pfring_zc_worker *w;
	pfring_zc_pkt_buff *h, *keep[8];
	pfring_zc_stat in_st, st;
	uint64_t out_sent = 0, out_drop = 0, got = 0, before;
	pthread_t th;
	double t0, killed;
	int i, n;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int core = ncpu > 1 ? 1 : 0;

	kin = pfring_zc_create_queue(zc, 256);
	out[0] = pfring_zc_create_queue(zc, 256);
	out[1] = pfring_zc_create_queue(zc, 256);
	wsp = pfring_zc_create_buffer_pool(zc, 8);
	kh = pfring_zc_get_packet_handle(zc);
	h = pfring_zc_get_packet_handle(zc);
	atomic_store(&idle_calls, 0);
	atomic_store(&idle_cpu, -2);
	if (fanout)
		mq = pfring_zc_create_multi_queue(out, 2);
	w = fanout ? pfring_zc_run_fanout(&kin, mq, 1, wsp, round_robin_bursts_policy, idle_cb, NULL, NULL,
					  (u_int32_t)active, core)
		   : pfring_zc_run_balancer(&kin, out, 1, 2, wsp, round_robin_bursts_policy, idle_cb, NULL,
					    NULL, (u_int32_t)active, core);
	CHECK(w != NULL);
	if (!w)
		return;
	/* idle first: the callback runs, on the pinned CPU */
	t0 = now_s();
	while (atomic_load(&idle_calls) < 10 && now_s() - t0 < 5)
		sched_yield();
	CHECK(atomic_load(&idle_calls) >= 10);
	CHECK(atomic_load(&idle_cpu) == core);
	/* traffic, with the consumer (this thread) draining the egress queues for a while */
	atomic_store(&stop_producer, 0);
	atomic_store(&produced, 0);
	pthread_create(&th, NULL, producer, NULL);
	t0 = now_s();
	while ((now_s() - t0 < 0.3 || atomic_load(&produced) < 100000) && now_s() - t0 < 20)
		for (i = 0; i < 2; i++)
			got += pfring_zc_recv_pkt(out[i], &h, 0) == 1;
	before = atomic_load(&produced);
	t0 = now_s();
	pfring_zc_kill_worker(w);
	killed = now_s() - t0;
	CHECK(killed < 1.0);
	if (killed >= 1.0)
		printf("kill took %.3f s\n", killed);
	CHECK(before >= 100000);
	/* the producer goes on: the ingress queue fills up and its drops are counted */
	t0 = now_s();
	while (now_s() - t0 < 20 && (pfring_zc_stats(kin, &in_st) != 0 || in_st.drop < 1000))
		sched_yield();
	atomic_store(&stop_producer, 1);
	pthread_join(th, NULL);
	pfring_zc_stats(kin, &in_st);
	CHECK(in_st.drop > 0);
	CHECK(in_st.sent == atomic_load(&produced));
	/* whatever the worker took went on or was counted as a drop */
	for (i = 0; i < 2; i++) {
		while (pfring_zc_recv_pkt(out[i], &h, 0) == 1)
			got++;
		pfring_zc_stats(out[i], &st);
		out_sent += st.sent;
		out_drop += st.drop;
	}
	if (fanout) {
		CHECK(out_sent + out_drop == 2 * in_st.recv);
		CHECK(got == out_sent);
	} else {
		CHECK(out_sent + out_drop == in_st.recv);
		CHECK(got == out_sent);
	}
	CHECK(pfring_zc_stats(out[0], &st) == 0 && st.recv == st.sent);
	n = pool_count(wsp, keep, 8);
	CHECK(n == 8);
	pool_refill(wsp, keep, n);
	/* the queues still work after the kill */
	h->len = 42;
	CHECK(pfring_zc_send_pkt(out[0], &h, 1) == 42);
	CHECK(pfring_zc_recv_pkt(out[0], &h, 0) == 1 && h->len == 42);
	pfring_zc_destroy_cluster(zc);
}

int main(void)
{
	check_errors();
	check_v3();
	check_shared_buffers();
	check_plain_queue_after_fanout();
	check_worker_sides();
	check_kill(0, 0);
	check_kill(0, 1);
	check_kill(1, 0);
	check_kill(1, 1);
	printf("%d failures\n", failures);
	return failures != 0;
}
