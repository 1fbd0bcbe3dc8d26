// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ring_zc_ipc.c - a program of the pfring_* API reading "zc:<cluster>@<queue>" rings, as
 * Suricata or daq_pfring do (tests/unit/test_ring_zc_ipc.py). The packets come from
 * tests/unit/c/zc_ipc_peer.c's producer: packet k of a queue carries k in its first 8
 * bytes, then (7k + i) & 0xff, len 60 + k % 200, ts (k s, k % 1e9 ns); the end marker's
 * first 8 bytes are all ones.
 *
 *   ring_zc_ipc recv DEVICE zc|copy|burst|loop CAPLEN [max=M] [hold] [bpf=EXPR step=S]
 *		[reentrant] [long]
 *	Opens DEVICE, receives until the end marker (or M packets) and prints
 *	"got=G first=F last=L gaps=X bad=B end=E zc=Z" then "recv=R drop=D" (pfring_stats)
 *	and "ready" before the first receive. zc: pfring_recv() with buffer_len 0 (Z counts
 *	the packets whose pointer lies in the cluster's mapping, /proc/self/maps); copy: into
 *	a buffer of 128 bytes (packets longer are cut: caplen 128, len whole); burst:
 *	pfring_recv_burst() of up to 8; loop: pfring_loop(). B counts packets whose bytes
 *	(up to caplen), caplen, len or timestamps (ts, extended_hdr.timestamp_ns) are wrong.
 *	With hold, waits for a line on stdin before pfring_close(). bpf=EXPR: set with
 *	pfring_set_bpf_filter() before enabling; step=S: packet numbers S apart are in order.
 *	reentrant, long: opened with PF_RING_REENTRANT, PF_RING_LONG_HEADER (then B also
 *	counts packets whose parsed_pkt MAC addresses are not the frame's first 12 bytes).
 *
 *   ring_zc_ipc two CLUSTER
 *	Two rings of one process, zc:CLUSTER@0 and zc:CLUSTER@1, read in turn until both end
 *	markers: prints a result line per ring, as recv does.
 *
 *   ring_zc_ipc block DEVICE
 *	After draining the queue (the producer sent only its end marker): a blocking
 *	pfring_recv() broken by pfring_breakloop() from another thread, pfring_poll() timing
 *	out, a blocking receive broken from a signal handler, pfring_loop() broken. Prints
 *	one line per failed check and "F failures".
 *
 *   ring_zc_ipc errors CLUSTER
 *	Bad names and calls against live cluster CLUSTER (2 queues, queue 0 held by another
 *	process): one line per failed check and "F failures".
 *
 *   ring_zc_ipc open DEVICE
 *	pfring_open() only: prints "errno=E".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pfring.h>

#define END_MARK	UINT64_MAX
#define COPY_LEN	128

static int failures;
static int64_t step = 1;	/* the difference of two packet numbers in order */
static u_int32_t open_flags;	/* recv: PF_RING_REENTRANT, PF_RING_LONG_HEADER */

#define CHECK(cond, ...) do {							\
	if (!(cond)) {								\
		printf("FAIL line %d: %s: ", __LINE__, #cond);			\
		printf(__VA_ARGS__);						\
		printf("\n");							\
		failures++;							\
	}									\
} while (0)

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* ---- the cluster's mapping: where zero-copy pointers must point ------------------- */

static uintptr_t map_lo[16], map_hi[16];
static int num_maps;

static void find_cluster_maps(u_int32_t cluster_id)
{
	char line[512], name[64];
	FILE *f = fopen("/proc/self/maps", "r");

	snprintf(name, sizeof(name), "/pfring_zc_cluster_%u", cluster_id);
	num_maps = 0;
	while (f && fgets(line, sizeof(line), f) && num_maps < 16) {
		unsigned long lo, hi;
		char *nl = strchr(line, '\n');

		if (nl)
			*nl = '\0';
		if (strlen(line) < strlen(name) ||
		    strcmp(line + strlen(line) - strlen(name), name) != 0)
			continue;
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2) {
			map_lo[num_maps] = lo;
			map_hi[num_maps++] = hi;
		}
	}
	if (f)
		fclose(f);
}

static int in_cluster(const u_char *p)
{
	int i;

	for (i = 0; i < num_maps; i++)
		if ((uintptr_t)p >= map_lo[i] && (uintptr_t)p < map_hi[i])
			return 1;
	return 0;
}

/* ---- checking what was received ------------------------------------------------------ */

struct result {
	uint64_t got, gaps, bad, zc;
	int64_t first, last;
	int end;
};

static void result_init(struct result *r)
{
	memset(r, 0, sizeof(*r));
	r->first = r->last = -1;
}

/* Packet k as the producer made it, seen through caplen (the ring's or a copy's cut) */
static int packet_ok(const u_char *d, u_int caplen, u_int len, struct timeval ts,
		     uint64_t ts_ns, uint64_t k, u_int cut)
{
	u_int want_len = 60 + k % 200, i;

	if (len != want_len || caplen != (want_len < cut ? want_len : cut))
		return 0;
	if ((uint64_t)ts.tv_sec != (uint32_t)k ||
	    (uint64_t)ts.tv_usec != (k % 1000000000u) / 1000)
		return 0;
	if (ts_ns != UINT64_MAX && ts_ns != (uint64_t)(uint32_t)k * 1000000000ULL + k % 1000000000u)
		return 0;
	for (i = 8; i < caplen; i++)
		if (d[i] != (u_char)(7 * k + i))
			return 0;
	return 1;
}

/* One packet into r: 1 when it was the end marker */
static int account(struct result *r, const u_char *d, u_int caplen, u_int len,
		   struct timeval ts, uint64_t ts_ns, u_int cut)
{
	uint64_t k;

	memcpy(&k, d, sizeof(k));
	if (k == END_MARK) {
		r->end = 1;
		return 1;
	}
	if (r->got > 0 && (int64_t)k != r->last + step)
		r->gaps++;
	if (r->got == 0)
		r->first = (int64_t)k;
	if (!packet_ok(d, caplen, len, ts, ts_ns, k, cut))
		r->bad++;
	if (in_cluster(d))
		r->zc++;
	r->last = (int64_t)k;
	r->got++;
	return 0;
}

static void print_result(pfring *ring, const struct result *r)
{
	pfring_stat st;

	printf("got=%" PRIu64 " first=%" PRId64 " last=%" PRId64 " gaps=%" PRIu64 " bad=%" PRIu64
	       " end=%d zc=%" PRIu64 "\n", r->got, r->first, r->last, r->gaps, r->bad, r->end,
	       r->zc);
	if (pfring_stats(ring, &st) == 0)
		printf("recv=%" PRIu64 " drop=%" PRIu64 "\n", st.recv, st.drop);
	else
		printf("stats errno=%d\n", errno);
}

static pfring *open_ring(const char *device, u_int32_t caplen, const char *bpf)
{
	pfring *ring = pfring_open(device, caplen, open_flags);

	if (!ring) {
		printf("open errno=%d\n", errno);
		exit(1);
	}
	if (bpf && pfring_set_bpf_filter(ring, (char *)bpf) != 0) {
		printf("bpf errno=%d\n", errno);
		exit(1);
	}
	if (pfring_set_application_name(ring, (char *)"ring_zc_ipc") != 0 ||
	    pfring_set_socket_mode(ring, recv_only_mode) != 0 ||
	    pfring_set_direction(ring, rx_and_tx_direction) != 0 ||
	    pfring_set_poll_watermark(ring, 1) != 0 || pfring_enable_ring(ring) != 0) {
		printf("setup errno=%d\n", errno);
		exit(1);
	}
	return ring;
}

static u_int32_t cluster_of(const char *device)
{
	return (u_int32_t)strtoul(device + 3, NULL, 10);
}

struct loop_state {
	struct result *r;
	pfring *ring;
	uint64_t max;
	u_int cut;
};

static void on_packet(const struct pfring_pkthdr *h, const u_char *p, const u_char *user)
{
	struct loop_state *s = (struct loop_state *)user;

	if (account(s->r, p, h->caplen, h->len, h->ts, h->extended_hdr.timestamp_ns, s->cut) ||
	    s->r->got == s->max)
		pfring_breakloop(s->ring);
}

static int recv_main(int argc, char **argv)
{
	const char *device = argv[2], *mode = argv[3];
	u_int32_t caplen = (u_int32_t)atoi(argv[4]);
	uint64_t max = UINT64_MAX;
	const char *bpf = NULL;
	int hold = 0, i, n;
	struct pfring_pkthdr hdr;
	struct result r;
	pfring *ring;
	u_char copy[COPY_LEN], *p;

	for (i = 5; i < argc; i++) {
		if (!strncmp(argv[i], "max=", 4))
			max = strtoull(argv[i] + 4, NULL, 10);
		hold |= !strcmp(argv[i], "hold");
		if (!strncmp(argv[i], "bpf=", 4))
			bpf = argv[i] + 4;
		if (!strncmp(argv[i], "step=", 5))
			step = strtoll(argv[i] + 5, NULL, 10);
		if (!strcmp(argv[i], "reentrant"))
			open_flags |= PF_RING_REENTRANT;
		if (!strcmp(argv[i], "long"))
			open_flags |= PF_RING_LONG_HEADER;
	}
	alarm(120);
	ring = open_ring(device, caplen, bpf);
	find_cluster_maps(cluster_of(device));
	if (num_maps == 0) {
		printf("no mapping of the cluster\n");
		return 1;
	}
	result_init(&r);
	printf("ready\n");
	fflush(stdout);
	if (!strcmp(mode, "loop")) {
		struct loop_state s = { .r = &r, .ring = ring, .max = max, .cut = caplen };

		if (pfring_loop(ring, on_packet, (const u_char *)&s, 1) != 0) {
			printf("loop errno=%d\n", errno);
			return 1;
		}
	} else if (!strcmp(mode, "burst")) {
		pfring_packet_info pkts[8];

		while (!r.end && r.got < max) {
			n = pfring_recv_burst(ring, pkts, 8, 1);
			if (n < 0) {
				printf("burst errno=%d\n", errno);
				return 1;
			}
			for (i = 0; i < n; i++)
				if (account(&r, pkts[i].data, pkts[i].caplen, pkts[i].len, pkts[i].ts,
					    UINT64_MAX, caplen))
					break;
		}
	} else {
		int zc = !strcmp(mode, "zc");

		while (!r.end && r.got < max) {
			p = copy;
			memset(&hdr, 0, sizeof(hdr));
			n = pfring_recv(ring, &p, zc ? 0 : sizeof(copy), &hdr, 1);
			if (n < 0) {
				printf("recv errno=%d\n", errno);
				return 1;
			}
			if (n == 0)
				continue;
			if (!zc && p != copy) {
				printf("copy mode returned another buffer\n");
				return 1;
			}
			account(&r, p, hdr.caplen, hdr.len, hdr.ts, hdr.extended_hdr.timestamp_ns,
				zc ? caplen : (caplen < COPY_LEN ? caplen : COPY_LEN));
			if ((open_flags & PF_RING_LONG_HEADER) &&
			    (memcmp(hdr.extended_hdr.parsed_pkt.dmac, p, 6) != 0 ||
			     memcmp(hdr.extended_hdr.parsed_pkt.smac, p + 6, 6) != 0))
				r.bad++;
		}
	}
	print_result(ring, &r);
	fflush(stdout);
	if (hold) {
		char line[16];

		if (!fgets(line, sizeof(line), stdin))
			line[0] = '\0';
	}
	pfring_close(ring);
	return 0;
}

static int two_main(char **argv)
{
	char dev[2][64];
	pfring *ring[2];
	struct result r[2];
	struct pfring_pkthdr hdr;
	u_char *p;
	int i, n;

	alarm(120);
	for (i = 0; i < 2; i++) {
		snprintf(dev[i], sizeof(dev[i]), "zc:%s@%d", argv[2], i);
		ring[i] = open_ring(dev[i], 1536, NULL);
		result_init(&r[i]);
	}
	find_cluster_maps((u_int32_t)atoi(argv[2]));
	printf("ready\n");
	fflush(stdout);
	while (!r[0].end || !r[1].end) {
		for (i = 0; i < 2; i++) {
			if (r[i].end)
				continue;
			n = pfring_recv(ring[i], &p, 0, &hdr, 0);
			if (n < 0) {
				printf("recv errno=%d\n", errno);
				return 1;
			}
			if (n > 0)
				account(&r[i], p, hdr.caplen, hdr.len, hdr.ts,
					hdr.extended_hdr.timestamp_ns, 1536);
		}
	}
	for (i = 0; i < 2; i++) {
		print_result(ring[i], &r[i]);
		pfring_close(ring[i]);
	}
	return 0;
}

/* ---- blocking, breakloop, poll --------------------------------------------------------- */

static pfring *block_ring;

static void *break_later(void *arg)
{
	usleep(300000);
	pfring_breakloop(arg);
	return NULL;
}

static void on_alarm(int sig)
{
	(void)sig;
	pfring_breakloop(block_ring);
}

static void on_nothing(const struct pfring_pkthdr *h, const u_char *p, const u_char *user)
{
	(void)h;
	(void)p;
	(void)user;
	failures++;
}

static int block_main(char **argv)
{
	struct pfring_pkthdr hdr;
	struct sigaction sa;
	pthread_t t;
	u_char *p;
	double t0, dt;
	int rc;

	block_ring = open_ring(argv[2], 1536, NULL);
	/* the producer's end marker: poll says it is there, at once */
	t0 = now();
	rc = pfring_poll(block_ring, 5000);
	CHECK(rc == 1 && now() - t0 < 2, "poll with a packet: %d after %.3f s", rc, now() - t0);
	CHECK(pfring_get_num_queued_pkts(block_ring) == 1, "queued %u",
	      pfring_get_num_queued_pkts(block_ring));
	rc = pfring_recv(block_ring, &p, 0, &hdr, 1);
	CHECK(rc == 1 && hdr.len == 60, "end marker: rc %d len %u", rc, hdr.len);
	CHECK(pfring_is_pkt_available(block_ring) == 0, "empty queue available");
	rc = pfring_recv(block_ring, &p, 0, &hdr, 0);
	CHECK(rc == 0, "non-blocking recv of an empty queue: %d", rc);

	/* pfring_poll() times out */
	t0 = now();
	rc = pfring_poll(block_ring, 200);
	dt = now() - t0;
	CHECK(rc == 0 && dt >= 0.19 && dt < 1.5, "poll timeout: %d after %.3f s", rc, dt);

	/* a blocking receive, broken by another thread */
	pthread_create(&t, NULL, break_later, block_ring);
	t0 = now();
	rc = pfring_recv(block_ring, &p, 0, &hdr, 1);
	dt = now() - t0;
	pthread_join(t, NULL);
	CHECK(rc == 0 && dt >= 0.29 && dt < 2, "breakloop from a thread: %d after %.3f s", rc, dt);

	/* pfring_loop() clears the request, then is broken from a signal handler */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	alarm(1);
	t0 = now();
	rc = pfring_loop(block_ring, on_nothing, NULL, 1);
	dt = now() - t0;
	CHECK(rc == 0 && dt >= 0.9 && dt < 3, "loop broken by a signal: %d after %.3f s", rc, dt);
	pfring_close(block_ring);
	printf("%d failures\n", failures);
	return failures != 0;
}

/* ---- bad names and calls ----------------------------------------------------------------- */

static void open_fails(const char *device, int want)
{
	pfring *ring;

	errno = 0;
	ring = pfring_open(device, 1536, 0);
	CHECK(ring == NULL && errno == want, "%s: errno %d, want %d", device, errno, want);
	if (ring)
		pfring_close(ring);
}

static int errors_main(char **argv)
{
	u_int32_t id = (u_int32_t)atoi(argv[2]);
	char dev[64], bad[64] = { 0 };
	pfring *ring, *again;
	int ifindex, fd;

	snprintf(dev, sizeof(dev), "zc:%u@", id);
	open_fails(dev, EINVAL);
	open_fails("zc:99@x", EINVAL);
	open_fails("zc:1x@0", EINVAL);
	open_fails("zc:4294967296@0", EINVAL);
	snprintf(dev, sizeof(dev), "zc:%u@999", id);
	open_fails(dev, EINVAL);		/* queue ids end at 255 */
	snprintf(dev, sizeof(dev), "zc:%u@5", id);
	open_fails(dev, ENOENT);		/* no such queue */
	snprintf(dev, sizeof(dev), "zc:%u@0", id + 7777);
	open_fails(dev, ENOENT);		/* no such cluster */
	snprintf(dev, sizeof(dev), "zc:%u@0", id);
	open_fails(dev, EBUSY);			/* another process consumes it */
	open_fails("zc:x@0", EOPNOTSUPP);	/* a device queue: kernel bypass, not here */
	open_fails("zc:eth0", EOPNOTSUPP);
	open_fails("zc:99", EOPNOTSUPP);

	snprintf(dev, sizeof(dev), "zc:%u@1", id);
	ring = pfring_open(dev, 1536, 0);
	CHECK(ring != NULL, "%s: errno %d", dev, errno);
	if (!ring)
		goto out;
	CHECK(ring->zc_device == 1, "zc_device %u", ring->zc_device);
	open_fails(dev, EBUSY);			/* one consumer per queue, in this process too */
	CHECK(pfring_enable_ring(ring) == 0, "enable errno %d", errno);
	errno = 0;
	CHECK(pfring_send(ring, bad, 60, 1) < 0 && errno == EOPNOTSUPP, "send errno %d", errno);
	errno = 0;
	fd = pfring_get_selectable_fd(ring);
	CHECK(fd == -1 && errno == EOPNOTSUPP, "selectable fd %d errno %d", fd, errno);
	errno = 0;
	CHECK(pfring_get_bound_device_ifindex(ring, &ifindex) < 0 && errno == ENODEV,
	      "ifindex errno %d", errno);
	/* BPF runs in the library (no kernel feeds the ring); filtering rules do not */
	CHECK(pfring_set_bpf_filter(ring, (char *)"udp") == 0, "bpf errno %d", errno);
	errno = 0;
	CHECK(pfring_set_bpf_filter(ring, (char *)"udp and (") < 0 && errno == EINVAL,
	      "bad bpf errno %d", errno);
	CHECK(pfring_remove_bpf_filter(ring) == 0, "remove bpf errno %d", errno);
	errno = 0;
	CHECK(pfring_remove_bpf_filter(ring) < 0 && errno == ENOENT, "remove none errno %d",
	      errno);
	errno = 0;
	CHECK(pfring_set_filtering_sampling_rate(ring, 2) < 0 && errno == ENOTSUP,
	      "sampling errno %d", errno);
	errno = 0;
	CHECK(pfring_set_direction(ring, tx_only_direction) < 0 && errno == EOPNOTSUPP,
	      "tx_only direction errno %d", errno);
	CHECK(pfring_set_direction(ring, rx_only_direction) == 0, "rx_only direction");
	errno = 0;
	CHECK(pfring_set_socket_mode(ring, send_only_mode) < 0 && errno == EOPNOTSUPP,
	      "send_only mode errno %d", errno);
	CHECK(pfring_get_link_type(ring) == 1, "link type %d", pfring_get_link_type(ring));
	CHECK(pfring_get_caplen(ring) == 1536, "caplen %d", pfring_get_caplen(ring));
	CHECK(pfring_get_ring_id(ring) == 1, "ring id %u", pfring_get_ring_id(ring));
	pfring_close(ring);
	/* closed: the queue and its pool are free again */
	again = pfring_open(dev, 1536, 0);
	CHECK(again != NULL, "re-open %s: errno %d", dev, errno);
	if (again)
		pfring_close(again);
out:
	printf("%d failures\n", failures);
	return failures != 0;
}

int main(int argc, char **argv)
{
	pfring *ring;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 4 && !strcmp(argv[1], "recv"))
		return recv_main(argc, argv);
	if (argc > 2 && !strcmp(argv[1], "two"))
		return two_main(argv);
	if (argc > 2 && !strcmp(argv[1], "block"))
		return block_main(argv);
	if (argc > 2 && !strcmp(argv[1], "errors"))
		return errors_main(argv);
	if (argc > 2 && !strcmp(argv[1], "open")) {
		errno = 0;
		ring = pfring_open(argv[2], 1536, 0);
		printf("errno=%d\n", ring ? 0 : errno);
		if (ring)
			pfring_close(ring);
		return 0;
	}
	fprintf(stderr, "usage: see the top of ring_zc_ipc.c\n");
	return 2;
}
