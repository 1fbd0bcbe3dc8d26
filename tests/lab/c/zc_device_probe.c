// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * zc_device_probe.c - libpfring_zc's one-copy devices over pf_ring.ko, for
 * tests/lab/test_zc_device.py.
 *
 *   zc_device_probe rx DEV COUNT IDLE_MS [burst]
 *       Open DEV rx_only in a cluster (hugepages when reserved, else normal pages), print
 *       "READY", then receive with blocking calls (pfring_zc_recv_pkt, or _burst of 32)
 *       until COUNT packets came, or none for IDLE_MS (a watchdog thread calls
 *       pfring_zc_queue_breakloop()).  One line per packet, "P <len> <crc32 of its bytes,
 *       hex> <ts_ns>", then one JSON line: recv, bytes, the queue's stats, whether every
 *       packet landed in the caller's own buffer (same_handles), queue id, settings.
 *   zc_device_probe api RXDEV TXDEV
 *       The device calls' contracts on real interfaces, and today's device-control calls
 *       through the device's ring, one check at a time; prints each failure and
 *       "N failures".
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pfring_zc.h"
#include "lab_crc32.h"

#define BURST 32

static int failures;

#define CHECK(cond) do {							\
	if (!(cond)) {								\
		failures++;							\
		printf("FAIL %s:%d: %s (errno %d)\n", __FILE__, __LINE__, #cond, errno); \
	}									\
} while (0)

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A cluster on hugepages when there are, else on normal pages; stderr says which */
static pfring_zc_cluster *cluster(u_int32_t id, u_int32_t buffers, int *huge)
{
	pfring_zc_cluster *zc = pfring_zc_create_cluster(id, 1536, 0, buffers, -1, NULL, 0);

	*huge = zc != NULL;
	if (!zc)
		zc = pfring_zc_create_cluster(id, 1536, 0, buffers, -1, NULL,
					      PF_RING_ZC_CLUSTER_NO_HUGEPAGES);
	return zc;
}

/* ---- rx ------------------------------------------------------------------------------- */

struct watchdog {
	pfring_zc_queue *q;
	_Atomic unsigned long long *progress;
	_Atomic int done;
	unsigned idle_ms;
};

/* Breaks the receive loop once no packet came for idle_ms */
static void *watch(void *arg)
{
	struct watchdog *w = arg;
	unsigned long long last = ~0ull;

	while (!atomic_load(&w->done)) {
		unsigned long long now = atomic_load(w->progress);

		if (now == last) {
			pfring_zc_queue_breakloop(w->q);
			last = ~0ull;	/* again after another idle period, if still waiting */
		} else {
			last = now;
		}
		usleep(w->idle_ms * 1000);
	}
	return NULL;
}

static int rx(const char *dev, unsigned long long count, unsigned idle_ms, int burst)
{
	_Atomic unsigned long long got = 0;
	unsigned long long bytes = 0;
	pfring_zc_pkt_buff *h[BURST], *mine[BURST];
	pfring_zc_queue_info info = { 0, 0 };
	pfring_zc_stat st = { 0, 0, 0 };
	struct watchdog w;
	pthread_t tid;
	int huge, same = 1, i, n, breaks = 0, rc = 0;
	pfring_zc_cluster *zc = cluster((u_int32_t)getpid() & 0xffff, 4 * BURST, &huge);
	pfring_zc_queue *q;

	crc_init();
	if (!zc) {
		printf("{\"error\": \"cluster\", \"errno\": %d}\n", errno);
		return 1;
	}
	q = pfring_zc_open_device(zc, dev, rx_only, 0);
	if (!q) {
		printf("{\"error\": \"open\", \"errno\": %d}\n", errno);
		return 1;
	}
	for (i = 0; i < BURST; i++)
		mine[i] = h[i] = pfring_zc_get_packet_handle(zc);
	pfring_zc_get_queue_settings(q, &info);
	printf("READY\n");
	fflush(stdout);

	w.q = q;
	w.progress = &got;
	w.idle_ms = idle_ms;
	atomic_init(&w.done, 0);
	pthread_create(&tid, NULL, watch, &w);
	while (atomic_load(&got) < count) {
		if (burst) {
			unsigned long long left = count - atomic_load(&got);

			n = pfring_zc_recv_pkt_burst(q, h, left < BURST ? (u_int32_t)left : BURST, 1);
		} else {
			n = pfring_zc_recv_pkt(q, &h[0], 1);
		}
		if (n < 0) {
			rc = -n;
			break;
		}
		if (n == 0) {		/* the watchdog's breakloop: nothing for idle_ms */
			breaks++;
			break;
		}
		for (i = 0; i < n; i++) {
			u_char *data = pfring_zc_pkt_buff_data(h[i], q);
			unsigned long long ts = (unsigned long long)h[i]->ts.tv_sec * 1000000000ull +
						h[i]->ts.tv_nsec;

			if (h[i] != mine[i])
				same = 0;
			printf("P %u %08x %llu\n", h[i]->len, crc32_buf(data, h[i]->len), ts);
			bytes += h[i]->len;
		}
		atomic_store(&got, atomic_load(&got) + (unsigned long long)n);
	}
	atomic_store(&w.done, 1);
	pthread_join(tid, NULL);
	pfring_zc_stats(q, &st);
	printf("{\"recv\": %llu, \"bytes\": %llu, \"rc\": %d, \"breaks\": %d, "
	       "\"stats_recv\": %llu, \"stats_drop\": %llu, \"stats_sent\": %llu, "
	       "\"same_handles\": %d, \"queue_id\": %u, \"ifindex\": %u, \"buffer_len\": %u, "
	       "\"hugepages\": %d}\n",
	       atomic_load(&got), bytes, rc, breaks, (unsigned long long)st.recv,
	       (unsigned long long)st.drop, (unsigned long long)st.sent, same,
	       pfring_zc_get_queue_id(q), if_nametoindex(dev), info.buffer_len, huge);
	pfring_zc_close_device(q);
	pfring_zc_destroy_cluster(zc);
	return 0;
}

/* ---- api ------------------------------------------------------------------------------- */

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/*
 * How many of this process's entries for dev under /proc/net/pf_ring/<sub> ("" or
 * "stats/") contain needle.
 */
static int proc_entries_with(const char *sub, const char *dev, const char *needle)
{
	char dir[64], prefix[64], path[512], buf[4096];
	struct dirent *e;
	int n = 0;
	size_t len;
	FILE *f;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/net/pf_ring/%s", sub);
	snprintf(prefix, sizeof(prefix), "%d-%s.", (int)getpid(), dev);
	d = opendir(dir);
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, prefix, strlen(prefix)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		len = fread(buf, 1, sizeof(buf) - 1, f);
		buf[len] = '\0';
		fclose(f);
		n += strstr(buf, needle) != NULL;
	}
	closedir(d);
	return n;
}

/* The link speed sysfs gives the interface, in Mbit/s; 0 if unknown */
static u_int32_t sysfs_speed(const char *dev)
{
	char path[128];
	long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/speed", dev);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%ld", &v) != 1 || v < 0)
		v = 0;
	fclose(f);
	return (u_int32_t)v;
}

/* Today's device-control calls, through the device's ring */
static void check_device_control(pfring_zc_cluster *zc, pfring_zc_queue *rq, pfring_zc_queue *tq,
				 const char *rxdev, const char *txdev)
{
	struct timespec ts;
	hw_filtering_rule rule;

	CHECK(sysfs_speed(rxdev) > 0 && pfring_zc_get_queue_speed(rq) == sysfs_speed(rxdev));
	CHECK(pfring_zc_set_bpf_filter(rq, "udp and port 9") == 0);
	errno = 0;
	CHECK(pfring_zc_set_bpf_filter(rq, "udp and (") < 0 && errno != 0);
	CHECK(pfring_zc_remove_bpf_filter(rq) == 0);
	CHECK(pfring_zc_set_device_app_name(rq, "zc-probe-device") == 0);
	CHECK(proc_entries_with("", rxdev, "zc-probe-device") == 1);
	CHECK(pfring_zc_set_device_proc_stats(rq, "probe-stats 42") == 0);
	CHECK(proc_entries_with("stats/", rxdev, "probe-stats 42") == 1);
	/* the cluster's name: on both its open devices */
	CHECK(pfring_zc_set_app_name(zc, "zc-probe-cluster") == 0);
	CHECK(proc_entries_with("", rxdev, "zc-probe-cluster") >= 1);
	CHECK(proc_entries_with("", txdev, "zc-probe-cluster") >= 1);
	CHECK(pfring_zc_set_proc_stats(zc, "cluster-stats 7") == 0);
	CHECK(proc_entries_with("stats/", rxdev, "cluster-stats 7") +
	      proc_entries_with("stats/", txdev, "cluster-stats 7") == 1);
	/* what libpfring has not: its error passes through */
	memset(&rule, 0, sizeof(rule));
	errno = 0;
	CHECK(pfring_zc_add_hw_rule(rq, &rule) < 0 && errno == EOPNOTSUPP);
	errno = 0;
	CHECK(pfring_zc_get_device_clock(tq, &ts) < 0 && errno == EOPNOTSUPP);
}

struct breaker {
	pfring_zc_queue *q;
	unsigned delay_ms;
};

static void *break_later(void *arg)
{
	struct breaker *b = arg;

	usleep(b->delay_ms * 1000);
	pfring_zc_queue_breakloop(b->q);
	return NULL;
}

/* A blocking receive on a quiet device, broken out of by another thread after 300 ms */
static void check_breakloop(pfring_zc_queue *q, pfring_zc_pkt_buff **h, int burst)
{
	struct breaker b = { q, 300 };
	pthread_t tid;
	double t0 = now_s(), dt;
	int rc;

	pthread_create(&tid, NULL, break_later, &b);
	rc = burst ? pfring_zc_recv_pkt_burst(q, h, BURST, 1) : pfring_zc_recv_pkt(q, h, 1);
	dt = now_s() - t0;
	pthread_join(tid, NULL);
	CHECK(rc == 0);
	/* woken by the eventfd, not by the 1 s timeout of the device's poll() */
	CHECK(dt >= 0.25 && dt < 0.9);
	if (!(dt >= 0.25 && dt < 0.9))
		printf("breakloop after %.3f s (burst %d)\n", dt, burst);
}

static void api(const char *rxdev, const char *txdev)
{
	int huge, fds0 = count_fds(), fds1;
	unsigned rx_ifindex = if_nametoindex(rxdev), tx_ifindex = if_nametoindex(txdev);
	pfring_zc_cluster *zc = cluster(41, 4 * BURST, &huge), *zc2;
	pfring_zc_queue *rq, *tq, *mq, *sq, *q2;
	pfring_zc_pkt_buff *h[BURST];
	pfring_zc_queue_info info = { 0, 0 };
	pfring_zc_stat st;
	char name[64];
	double t0;
	int i, rc;

	CHECK(zc != NULL);
	if (!zc)
		return;
	for (i = 0; i < BURST; i++)
		h[i] = pfring_zc_get_packet_handle(zc);

	/* RX device */
	rq = pfring_zc_open_device(zc, rxdev, rx_only, 0);
	CHECK(rq != NULL);
	if (!rq)
		return;
	CHECK(pfring_zc_get_queue_id(rq) == IFINDEX_TO_QUEUEID(rx_ifindex));
	CHECK(QUEUE_IS_DEVICE(pfring_zc_get_queue_id(rq)));
	CHECK(QUEUEID_TO_IFINDEX(pfring_zc_get_queue_id(rq)) == rx_ifindex);
	pfring_zc_get_queue_settings(rq, &info);
	CHECK(info.buffer_len == 1536 && info.metadata_len == 0);
	errno = 0;
	CHECK(pfring_zc_send_pkt(rq, &h[0], 1) == -EOPNOTSUPP && errno == EOPNOTSUPP);
	errno = 0;
	CHECK(pfring_zc_send_pkt_burst(rq, h, 4, 1) == -EOPNOTSUPP && errno == EOPNOTSUPP);
	errno = 0;
	CHECK(pfring_zc_queue_is_full(rq) == -EOPNOTSUPP && errno == EOPNOTSUPP);
	CHECK(pfring_zc_recv_pkt(rq, &h[0], 0) == 0);		/* a quiet link */
	CHECK(pfring_zc_recv_pkt_burst(rq, h, BURST, 0) == 0);
	CHECK(pfring_zc_queue_is_empty(rq) == 1);
	pfring_zc_sync_queue(rq, rx_only);
	CHECK(pfring_zc_stats(rq, &st) == 0 && st.sent == 0 && st.drop == 0);
	/* bad arguments are refused before the device sees them */
	errno = 0;
	CHECK(pfring_zc_recv_pkt(rq, NULL, 0) == -EINVAL && errno == EINVAL);
	errno = 0;
	CHECK(pfring_zc_recv_pkt_burst(rq, h, 0, 0) == -EINVAL && errno == EINVAL);
	/* breakloop wakes a blocked receive, single and burst, and is taken by it */
	check_breakloop(rq, &h[0], 0);
	check_breakloop(rq, h, 1);
	/* a breakloop before the wait: the next blocking receive returns 0 at once */
	pfring_zc_queue_breakloop(rq);
	t0 = now_s();
	CHECK(pfring_zc_recv_pkt(rq, &h[0], 1) == 0);
	CHECK(now_s() - t0 < 0.2);
	check_breakloop(rq, &h[0], 0);	/* and it was taken: the next one waits again */

	/* TX device */
	tq = pfring_zc_open_device(zc, txdev, tx_only, 0);
	CHECK(tq != NULL);
	if (tq) {
		CHECK(pfring_zc_get_queue_id(tq) == IFINDEX_TO_QUEUEID(tx_ifindex));
		errno = 0;
		CHECK(pfring_zc_recv_pkt(tq, &h[0], 0) == -EOPNOTSUPP && errno == EOPNOTSUPP);
		errno = 0;
		CHECK(pfring_zc_recv_pkt_burst(tq, h, 4, 0) == -EOPNOTSUPP && errno == EOPNOTSUPP);
		errno = 0;
		CHECK(pfring_zc_queue_is_empty(tq) == -EOPNOTSUPP && errno == EOPNOTSUPP);
		CHECK(pfring_zc_queue_is_full(tq) == 0);
		h[0]->len = 0;		/* an empty frame: refused by the send path */
		errno = 0;
		rc = pfring_zc_send_pkt(tq, &h[0], 1);
		CHECK(rc == -EINVAL && errno == EINVAL);
		h[0]->len = 9000;	/* longer than the MTU allows: the kernel's EMSGSIZE */
		errno = 0;
		rc = pfring_zc_send_pkt(tq, &h[0], 1);
		CHECK(rc == -EMSGSIZE && errno == EMSGSIZE);
		if (rc != -EMSGSIZE)
			printf("send of 9000 bytes: %d\n", rc);
		CHECK(pfring_zc_stats(tq, &st) == 0 && st.recv == 0 && st.sent == 0);
		check_device_control(zc, rq, tq, rxdev, txdev);
	}

	/* management_only: neither direction */
	mq = pfring_zc_open_device(zc, rxdev, management_only, 0);
	CHECK(mq != NULL);
	if (mq) {
		errno = 0;
		CHECK(pfring_zc_recv_pkt(mq, &h[0], 0) == -EOPNOTSUPP && errno == EOPNOTSUPP);
		errno = 0;
		CHECK(pfring_zc_send_pkt(mq, &h[0], 0) == -EOPNOTSUPP && errno == EOPNOTSUPP);
	}

	/* stack injection, a hardware queue, a list, any */
	snprintf(name, sizeof(name), "stack:%s", rxdev);
	sq = pfring_zc_open_device(zc, name, tx_only, 0);
	CHECK(sq != NULL);
	snprintf(name, sizeof(name), "%s@0", rxdev);
	q2 = pfring_zc_open_device(zc, name, rx_only, PF_RING_ZC_DEVICE_NOT_PROMISC);
	CHECK(q2 != NULL);
	if (q2) {
		CHECK(pfring_zc_get_queue_id(q2) == IFINDEX_TO_QUEUEID(rx_ifindex));
		pfring_zc_close_device(q2);
	}
	snprintf(name, sizeof(name), "%s,%s", rxdev, txdev);
	q2 = pfring_zc_open_device(zc, name, rx_only, PF_RING_ZC_DEVICE_CAPTURE_TX);
	CHECK(q2 != NULL);
	if (q2) {
		CHECK(pfring_zc_get_queue_id(q2) == UNDEFINED_QUEUEID);
		pfring_zc_close_device(q2);
	}
	q2 = pfring_zc_open_device(zc, "any", rx_only, 0);
	CHECK(q2 != NULL);
	if (q2) {
		CHECK(pfring_zc_get_queue_id(q2) == UNDEFINED_QUEUEID);
		pfring_zc_close_device(q2);
	}

	/* with the module loaded: still ENODEV for a missing interface */
	errno = 0;
	CHECK(pfring_zc_open_device(zc, "nosuchdev0", rx_only, 0) == NULL && errno == ENODEV);
	errno = 0;
	CHECK(pfring_zc_open_device(zc, "stack:nosuchdev0", tx_only, 0) == NULL &&
	      errno == ENODEV);

	/* a second cluster with its own device, beside the first */
	zc2 = cluster(42, 2 * BURST, &huge);
	CHECK(zc2 != NULL);
	if (zc2) {
		q2 = pfring_zc_open_device(zc2, rxdev, rx_only, 0);
		CHECK(q2 != NULL);
		CHECK(q2 && pfring_zc_get_queue_id(q2) == pfring_zc_get_queue_id(rq));
		pfring_zc_destroy_cluster(zc2);	/* closes q2 */
	}
	CHECK(pfring_zc_recv_pkt(rq, &h[0], 0) == 0);	/* the first cluster's is untouched */

	/* closing: close_device for one, destroy_cluster for the rest; no fd left over */
	fds1 = count_fds();
	CHECK(fds1 > fds0);
	pfring_zc_close_device(rq);
	CHECK(count_fds() < fds1);
	for (i = 0; i < BURST; i++)
		pfring_zc_release_packet_handle(zc, h[i]);
	pfring_zc_destroy_cluster(zc);	/* tq, mq, sq still open; the memfd goes too */
	CHECK(count_fds() == fds0);
	if (count_fds() != fds0)
		printf("fds: %d before, %d after\n", fds0, count_fds());
}

int main(int argc, char **argv)
{
	if (argc >= 5 && !strcmp(argv[1], "rx"))
		return rx(argv[2], strtoull(argv[3], NULL, 10), (unsigned)atoi(argv[4]),
			  argc > 5 && !strcmp(argv[5], "burst"));
	if (argc == 4 && !strcmp(argv[1], "api")) {
		api(argv[2], argv[3]);
		printf("%d failures\n", failures);
		return failures ? 1 : 0;
	}
	fprintf(stderr, "usage: %s rx DEV COUNT IDLE_MS [burst] | api RXDEV TXDEV\n", argv[0]);
	return 2;
}
