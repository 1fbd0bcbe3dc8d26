// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * zc_api.c - the ZC API's contracts, one check at a time: bad input and exhaustion give
 * NULL/negative with the right errno, pools and queues conserve buffers, push/pull and
 * metadata stay inside their buffer, a send hands back a buffer with its data start
 * reset, two clusters live side by side.
 *
 *   zc_api checks [nohuge]     run every check, print each failure and "N failures"
 *   zc_api create TOT [nohuge|/MNT] print "pages=P" (2 MB pages a cluster of TOT 2 KB buffers
 *                              needs), create it, print "created free_during=F"
 *                              (HugePages_Free while it lives), destroy it; or print
 *                              "errno=E" if creation failed; with /MNT (a hugetlbfs
 *                              mount) the cluster lives in a file there: "file=1"
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pfring_zc.h>
#include "zc_check.h"
#include "zc_test_id.h"

static u_int32_t cflags;

static long hugepages_free(void)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "HugePages_Free:", 15))
			v = strtol(line + 15, NULL, 10);
	fclose(f);
	return v;
}

/* Take every handle left in the cluster; returns how many there were, gives them back. */
static int count_free(pfring_zc_cluster *zc, int max)
{
	pfring_zc_pkt_buff **h = calloc((size_t)max + 1, sizeof(*h));
	int n = 0, i;

	while (n <= max && (h[n] = pfring_zc_get_packet_handle(zc)))
		n++;
	CHECK(errno == ENOBUFS);
	for (i = 0; i < n; i++)
		pfring_zc_release_packet_handle(zc, h[i]);
	free(h);
	return n;
}

static void check_create_errors(void)
{
	CHECK_NULL_ERRNO(pfring_zc_create_cluster(ZC_TEST_ID(9), 0, 0, 16, -1, NULL, cflags), EINVAL);
	CHECK_NULL_ERRNO(pfring_zc_create_cluster(ZC_TEST_ID(9), 1536, 0, 0, -1, NULL, cflags), EINVAL);
	CHECK_NULL_ERRNO(pfring_zc_create_cluster(ZC_TEST_ID(9), 70000, 0, 16, -1, NULL, cflags), EINVAL);
	CHECK_NULL_ERRNO(pfring_zc_create_cluster(ZC_TEST_ID(9), 1536, 1 << 20, 16, -1, NULL, cflags), EINVAL);
	CHECK_NULL_ERRNO(pfring_zc_create_cluster(ZC_TEST_ID(9), 1536, 0, 16, -1,
						  "/nonexistent/dir", 0), ENOENT);
	CHECK_NULL_ERRNO(pfring_zc_create_queue(NULL, 8), EINVAL);
	errno = 0;
	CHECK(pfring_zc_cluster_set_group(NULL, 0) == -EINVAL && errno == EINVAL);
	CHECK_NULL_ERRNO(pfring_zc_create_buffer_pool(NULL, 8), EINVAL);
	CHECK_NULL_ERRNO(pfring_zc_get_packet_handle(NULL), EINVAL);
	CHECK_NULL_ERRNO(pfring_zc_get_packet_handle_from_pool(NULL), EINVAL);
}

static void check_settings(void)
{
	pfring_zc_cluster_info info;

	CHECK(pfring_zc_precompute_cluster_settings(&info, 1500, 0, 16, 0) == 0);
	CHECK(info.buffer_len == 1536);
	CHECK(info.real_buffer_len % 64 == 0);
	CHECK(info.real_buffer_len >= 1536 + PF_RING_ZC_BUFFER_HEAD_ROOM + sizeof(pfring_zc_pkt_buff));
	CHECK(info.total_memory % (2 << 20) == 0);
	errno = 0;
	CHECK(pfring_zc_precompute_cluster_settings(&info, 0, 0, 16, 0) == -EINVAL && errno == EINVAL);
}

static void check_handles_and_pools(pfring_zc_cluster *zc)
{
	pfring_zc_pkt_buff *h[64], *x;
	pfring_zc_buffer_pool *pool, *pool2;
	int i;

	CHECK(count_free(zc, 64) == 64);
	for (i = 0; i < 64; i++) {
		h[i] = pfring_zc_get_packet_handle(zc);
		CHECK(h[i] != NULL);
	}
	CHECK_NULL_ERRNO(pfring_zc_get_packet_handle(zc), ENOBUFS);
	CHECK(h[1] != h[0]);
	for (i = 0; i < 64; i++)
		pfring_zc_release_packet_handle(zc, h[i]);

	CHECK_NULL_ERRNO(pfring_zc_create_buffer_pool(zc, 0), EINVAL);
	CHECK_NULL_ERRNO(pfring_zc_create_buffer_pool(zc, 65), EINVAL);
	pool = pfring_zc_create_buffer_pool(zc, 16);
	CHECK(pool != NULL);
	if (!pool)
		return;
	CHECK(pfring_zc_get_pool_id(pool) == 0);
	CHECK(count_free(zc, 64) == 48);
	CHECK_NULL_ERRNO(pfring_zc_create_buffer_pool(zc, 49), ENOBUFS);
	for (i = 0; i < 16; i++) {
		h[i] = pfring_zc_get_packet_handle_from_pool(pool);
		CHECK(h[i] != NULL);
	}
	CHECK_NULL_ERRNO(pfring_zc_get_packet_handle_from_pool(pool), ENOBUFS);
	for (i = 0; i < 16; i++)
		pfring_zc_release_packet_handle_to_pool(pool, h[i]);
	x = pfring_zc_get_packet_handle_from_pool(pool);
	CHECK(x == h[15]);	/* a stack: the last released comes back first */
	pfring_zc_release_packet_handle_to_pool(pool, x);
	pfring_zc_destroy_buffer_pool(pool);
	CHECK(count_free(zc, 64) == 64);
	/* a destroyed pool's id and room are reused */
	pool2 = pfring_zc_create_buffer_pool(zc, 8);
	CHECK(pool2 != NULL && pfring_zc_get_pool_id(pool2) == 0);
	CHECK(count_free(zc, 64) == 56);
	/* it keeps its own 8, not the 16 the descriptor has room for: the rest go back */
	for (i = 0; i < 8; i++)
		h[i] = pfring_zc_get_packet_handle(zc);
	for (i = 0; i < 8; i++)
		pfring_zc_release_packet_handle_to_pool(pool2, h[i]);
	CHECK(count_free(zc, 64) == 56);
	pfring_zc_destroy_buffer_pool(pool2);
	CHECK(count_free(zc, 64) == 64);
}

static void check_buffer(pfring_zc_cluster *zc)
{
	pfring_zc_pkt_buff *h = pfring_zc_get_packet_handle(zc);
	u_char *d, *p;

	CHECK(h != NULL);
	if (!h)
		return;
	d = pfring_zc_pkt_buff_data(h, NULL);
	CHECK(d != NULL && h->len == 0);
	CHECK(d >= h->user + 16 + PF_RING_ZC_BUFFER_HEAD_ROOM);	/* metadata_len 16 */
	CHECK(pfring_zc_pkt_data_buff(d, zc) == h);
	CHECK_NULL_ERRNO(pfring_zc_pkt_data_buff(d + 1, zc), EINVAL);
	memset(h->user, 0xaa, 16);
	memset(d, 0x55, 2048);	/* buffer_len 2048: the whole data area is ours */
	CHECK(h->user[15] == 0xaa);
	h->len = 100;
	p = pfring_zc_pkt_buff_push(h, NULL, 14);
	CHECK(p == d - 14 && h->len == 114);
	CHECK(pfring_zc_pkt_buff_data(h, NULL) == p);
	CHECK_NULL_ERRNO(pfring_zc_pkt_buff_push(h, NULL, PF_RING_ZC_BUFFER_HEAD_ROOM - 13), ENOSPC);
	p = pfring_zc_pkt_buff_push(h, NULL, PF_RING_ZC_BUFFER_HEAD_ROOM - 14);
	CHECK(p == d - PF_RING_ZC_BUFFER_HEAD_ROOM && h->len == 100 + PF_RING_ZC_BUFFER_HEAD_ROOM);
	CHECK(h->user[15] == 0xaa);
	p = pfring_zc_pkt_buff_pull(h, NULL, PF_RING_ZC_BUFFER_HEAD_ROOM + 20);
	CHECK(p == d + 20 && h->len == 80);
	CHECK_NULL_ERRNO(pfring_zc_pkt_buff_pull(h, NULL, 81), EINVAL);
	CHECK_NULL_ERRNO(pfring_zc_pkt_buff_data(NULL, NULL), EINVAL);
	pfring_zc_release_packet_handle(zc, h);
	/* a handle from the cluster starts clean again */
	h = pfring_zc_get_packet_handle(zc);
	CHECK(h && h->len == 0 && pfring_zc_pkt_buff_data(h, NULL) == d);
	pfring_zc_release_packet_handle(zc, h);
}

static void *break_later(void *q)
{
	usleep(100 * 1000);
	pfring_zc_queue_breakloop(q);
	return NULL;
}

static void check_queue(pfring_zc_cluster *zc)
{
	pfring_zc_pkt_buff *h, *r, *burst[8], *nul = NULL;
	pfring_zc_queue *q;
	pfring_zc_stat st;
	pfring_zc_queue_info qi;
	pthread_t t;
	u_int16_t held;
	ptrdiff_t fresh;
	int i, j;

	CHECK_NULL_ERRNO(pfring_zc_create_queue(zc, 0), EINVAL);
	CHECK_NULL_ERRNO(pfring_zc_create_queue(zc, 65), ENOBUFS);
	q = pfring_zc_create_queue(zc, 8);
	CHECK(q != NULL);
	if (!q)
		return;
	CHECK(pfring_zc_get_queue_id(q) == 0);
	pfring_zc_get_queue_settings(q, &qi);
	CHECK(qi.buffer_len == 2048 && qi.metadata_len == 16);
	CHECK(count_free(zc, 64) == 56);	/* the 8 slots hold 8 buffers */
	h = pfring_zc_get_packet_handle(zc);
	r = pfring_zc_get_packet_handle(zc);
	CHECK(h && r);
	if (!h || !r)
		return;

	errno = 0;
	CHECK(pfring_zc_send_pkt(q, NULL, 1) == -EINVAL && errno == EINVAL);
	errno = 0;
	CHECK(pfring_zc_recv_pkt(q, NULL, 0) == -EINVAL && errno == EINVAL);
	errno = 0;
	CHECK(pfring_zc_send_pkt(NULL, &h, 1) == -EINVAL && errno == EINVAL);
	errno = 0;
	CHECK(pfring_zc_recv_pkt_burst(q, burst, 0, 0) == -EINVAL && errno == EINVAL);
	errno = 0;
	CHECK(pfring_zc_send_pkt(q, &nul, 1) == -EINVAL && errno == EINVAL);
	errno = 0;
	CHECK(pfring_zc_recv_pkt(q, &nul, 0) == -EINVAL && errno == EINVAL);
	CHECK(pfring_zc_recv_pkt(q, &r, 0) == 0);
	CHECK(pfring_zc_queue_is_empty(q) == 1 && pfring_zc_queue_is_full(q) == 0);

	for (i = 0; i < 8; i++) {
		pfring_zc_pkt_buff *before = h;

		h->len = (u_int16_t)(100 + i);
		h->hash = (u_int32_t)i;
		CHECK(pfring_zc_send_pkt(q, &h, 1) == 100 + i);
		CHECK(h != before);	/* exchanged for another buffer */
	}
	CHECK(pfring_zc_queue_is_full(q) == 1 && pfring_zc_queue_is_empty(q) == 0);
	errno = 0;
	CHECK(pfring_zc_send_pkt(q, &h, 1) == -EAGAIN && errno == EAGAIN);
	pfring_zc_stats(q, &st);
	CHECK(st.sent == 8 && st.recv == 0 && st.drop == 1);
	for (i = 0; i < 8; i++) {
		CHECK(pfring_zc_recv_pkt(q, &r, 0) == 1);
		CHECK(r->len == 100 + i && r->hash == (u_int32_t)i);
	}
	CHECK(pfring_zc_recv_pkt(q, &r, 0) == 0);
	pfring_zc_stats(q, &st);
	CHECK(st.sent == 8 && st.recv == 8 && st.drop == 1);

	/* without flush a packet may wait; sync makes it visible */
	h->len = 7;
	CHECK(pfring_zc_send_pkt(q, &h, 0) == 7);
	CHECK(pfring_zc_queue_is_empty(q) == 1);
	pfring_zc_sync_queue(q, tx_only);
	CHECK(pfring_zc_queue_is_empty(q) == 0);
	CHECK(pfring_zc_recv_pkt(q, &r, 1) == 1 && r->len == 7);

	/* bursts: partial when the queue has less room */
	for (i = 0; i < 8; i++)
		burst[i] = pfring_zc_get_packet_handle(zc);
	for (i = 0; i < 8; i++)
		CHECK(burst[i] != NULL);
	CHECK(pfring_zc_send_pkt(q, &h, 1) >= 0);
	for (i = 0; i < 8; i++)
		burst[i]->len = (u_int16_t)(200 + i);
	CHECK(pfring_zc_send_pkt_burst(q, burst, 8, 1) == 7);
	pfring_zc_stats(q, &st);
	CHECK(st.sent == 17 && st.drop == 2);
	CHECK(pfring_zc_recv_pkt(q, &r, 0) == 1);
	CHECK(pfring_zc_recv_pkt_burst(q, burst, 3, 0) == 3);	/* no more than asked */
	CHECK(pfring_zc_recv_pkt_burst(q, burst + 3, 5, 0) == 4);
	for (i = 0; i < 7; i++)
		CHECK(burst[i]->len == 200 + i);
	CHECK(pfring_zc_recv_pkt_burst(q, burst, 8, 0) == 0);

	/* one owner per buffer: what the consumer holds never comes back to the producer */
	held = r->len;
	for (i = 0; i < 8; i++) {
		h->len = (u_int16_t)(300 + i);
		CHECK(pfring_zc_send_pkt(q, &h, 1) == 300 + i);
		CHECK(h != r && r->len == held);
		for (j = 0; j < 8; j++)
			CHECK(h != burst[j]);
	}
	for (i = 0; i < 8; i++)
		CHECK(pfring_zc_recv_pkt(q, &r, 0) == 1 && r->len == 300 + i);

	/*
	 * A send hands back a buffer whose data starts where a fresh buffer's does, whatever
	 * its last user pushed or pulled; the packet sent keeps its own start.
	 */
	fresh = pfring_zc_pkt_buff_data(h, NULL) - (u_char *)h;	/* nothing pushed yet */
	for (i = 0; i < 24; i++) {
		h->len = 40;
		CHECK(pfring_zc_pkt_buff_push(h, NULL, 4) != NULL && h->len == 44);
		CHECK(pfring_zc_send_pkt(q, &h, 1) == 44);
		CHECK(pfring_zc_pkt_buff_data(h, NULL) - (u_char *)h == fresh);
		CHECK(pfring_zc_pkt_buff_pull(r, NULL, 6) != NULL);
		CHECK(pfring_zc_recv_pkt(q, &r, 0) == 1 && r->len == 44 &&
		      pfring_zc_pkt_buff_data(r, NULL) - (u_char *)r == fresh - 4);
	}

	/* breakloop ends a blocking wait on an empty queue */
	pthread_create(&t, NULL, break_later, q);
	CHECK(pfring_zc_recv_pkt(q, &r, 1) == 0);
	pthread_join(t, NULL);
	pthread_create(&t, NULL, break_later, q);
	CHECK(pfring_zc_recv_pkt_burst(q, burst, 8, 1) == 0);
	pthread_join(t, NULL);

	/* buffers are conserved: 8 in the queue, h, r and the 8 of burst[] */
	CHECK(count_free(zc, 64) == 64 - 8 - 2 - 8);
	pfring_zc_release_packet_handle(zc, h);
	pfring_zc_release_packet_handle(zc, r);
	for (i = 0; i < 8; i++)
		pfring_zc_release_packet_handle(zc, burst[i]);
	CHECK(count_free(zc, 64) == 56);
	errno = 0;
	pfring_zc_release_packet_handle(zc, (pfring_zc_pkt_buff *)((char *)h + 1));
	CHECK(errno == EINVAL && count_free(zc, 64) == 56);
}

static void check_two_clusters(void)
{
	pfring_zc_cluster *a = pfring_zc_create_cluster(ZC_TEST_ID(11), 128, 0, 8, -1, NULL, cflags);
	pfring_zc_cluster *b = pfring_zc_create_cluster(ZC_TEST_ID(12), 128, 0, 8, -1, NULL, cflags);
	pfring_zc_queue *qa, *qb;
	pfring_zc_pkt_buff *ha, *hb;

	CHECK(a && b);
	if (!a || !b)
		return;
	CHECK(pfring_zc_get_cluster_id(a) == ZC_TEST_ID(11) && pfring_zc_get_cluster_id(b) == ZC_TEST_ID(12));
	qa = pfring_zc_create_queue(a, 4);
	qb = pfring_zc_create_queue(b, 4);
	CHECK(qa && qb && pfring_zc_get_queue_id(qa) == 0 && pfring_zc_get_queue_id(qb) == 0);
	ha = pfring_zc_get_packet_handle(a);
	hb = pfring_zc_get_packet_handle(b);
	CHECK(ha && hb);
	if (!qa || !qb || !ha || !hb)
		return;
	ha->len = 1;
	hb->len = 2;
	CHECK(pfring_zc_send_pkt(qa, &ha, 1) == 1 && pfring_zc_send_pkt(qb, &hb, 1) == 2);
	CHECK(pfring_zc_recv_pkt(qb, &hb, 0) == 1 && hb->len == 2);
	pfring_zc_destroy_cluster(b);
	CHECK(pfring_zc_recv_pkt(qa, &ha, 0) == 1 && ha->len == 1);
	CHECK(count_free(a, 8) == 3);
	pfring_zc_destroy_cluster(a);
}

static int run_checks(void)
{
	pfring_zc_cluster *zc;
	pfring_zc_cluster_mem_info mi;

	check_create_errors();
	check_settings();
	CHECK(pfring_zc_check_license() == 1);
	zc = pfring_zc_create_cluster(ZC_TEST_ID(7), 2000, 16, 64, -1, NULL, cflags);
	CHECK(zc != NULL);
	if (zc) {
		CHECK(pfring_zc_get_cluster_id(zc) == ZC_TEST_ID(7));
		CHECK(pfring_zc_get_memory_info(zc, &mi) == 0 && mi.base_addr && mi.size > 64 * 2048);
		check_handles_and_pools(zc);
		check_buffer(zc);
		check_queue(zc);
		pfring_zc_destroy_cluster(zc);
	}
	check_two_clusters();
	printf("%d failures\n", failures);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	pfring_zc_cluster *zc;

	if (argc < 2)
		return 2;
	if (!strcmp(argv[1], "checks")) {
		cflags = argc > 2 ? PF_RING_ZC_CLUSTER_NO_HUGEPAGES : 0;
		return run_checks();
	}
	if (!strcmp(argv[1], "create") && argc > 2) {
		pfring_zc_cluster_info info;

		const char *mnt = argc > 3 && argv[3][0] == '/' ? argv[3] : NULL;
		char path[4096];

		cflags = argc > 3 && !mnt ? PF_RING_ZC_CLUSTER_NO_HUGEPAGES : 0;
		if (pfring_zc_precompute_cluster_settings(&info, 2048, 0, (u_int32_t)atoi(argv[2]), 0))
			return 2;
		printf("pages=%llu\n", (unsigned long long)(info.total_memory / (2 << 20)));
		errno = 0;
		zc = pfring_zc_create_cluster(ZC_TEST_ID(3), 2048, 0, (u_int32_t)atoi(argv[2]), -1, mnt, cflags);
		if (!zc) {
			printf("errno=%d\n", errno);
			return 1;
		}
		printf("created free_during=%ld\n", hugepages_free());
		if (mnt) {
			snprintf(path, sizeof(path), "%s/pfring_zc_cluster_%u", mnt, ZC_TEST_ID(3));
			printf("file=%d\n", access(path, F_OK) == 0);
		}
		fflush(stdout);
		pfring_zc_destroy_cluster(zc);
		return 0;
	}
	return 2;
}
