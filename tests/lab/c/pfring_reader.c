// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pfring_reader - reads lab frames through libpfring (never the ring directly) and
 * prints, for each ring, one JSON object of exact counts.
 *
 *   pfring_reader -i DEV [-i DEV2 ...] [-n COUNT] [-m zc|copy|burst|loop] [-c CAPLEN]
 *                 [-t TIMEOUT_MS] [-I IDLE_MS] [-e ETHERTYPE] [-L] [-R [-T THREADS]]
 *                 [-D DWELL_US] [-g] [-A APPL_STATS] [-w WATERMARK]
 *
 * Each -i opens one ring (several rings live in one process, one thread each, or
 * THREADS each with -T, which needs -R). A ring stops after COUNT frames of ETHERTYPE
 * (default 0x88b5), or IDLE_MS without any frame (after the first), or TIMEOUT_MS in
 * all: the main thread calls pfring_breakloop().
 * -m: zc (pfring_recv, buffer_len 0: a pointer into the ring), copy (pfring_recv into a
 * buffer), burst (pfring_recv_burst), loop (pfring_loop). -L opens with
 * PF_RING_LONG_HEADER and checks the parsed headers; -R with PF_RING_REENTRANT.
 * -D: each thread sleeps DWELL_US between receiving a frame (or a burst) and checking
 * it, as a program that works on its packets would: a slot given back too early (to
 * the kernel, which may reuse it meanwhile) shows as a corrupt frame.
 *
 * What is checked of each frame's header is what the API returned: for pfring_recv()
 * and pfring_loop() the pfring_pkthdr (ts against timestamp_ns, both within the run,
 * caplen, len, direction, ifindex); for pfring_recv_burst() the pfring_packet_info
 * (ts within the run, caplen, len), which has no direction nor ifindex.
 * -g waits for a line on stdin before reading (the rings fill meanwhile) and reports
 * what pfring_get_num_queued_pkts(), pfring_is_pkt_available(), pfring_poll() and
 * pfring_next_pkt_time() said then.
 *
 * -P POLL_MS (one ring; zc or burst): pfring_poll() while a receive's slots are still
 * held. The reader takes one frame (or burst) and keeps it, prints HELD, calls
 * pfring_poll(POLL_MS) and prints {"poll_rc", "poll_ms"} (no traffic is sent then), then
 * prints POLLING and polls again for up to 30 s, while one new frame is sent: it prints
 * {"poll_rc", "poll_ms", "next_seq"}, the lab sequence number of the frame then received.
 *
 * -A sets the application's stats line (pfring_set_application_stats) and reports
 * whether the ring's /proc stats file shows it; -w sets the poll watermark.
 *
 * Each result also carries what the ring's query functions answer (mac, mtu,
 * rx_channels, link_up, speed, ring_id, version, link_type, card settings, the /proc
 * stats file, the slot header length).
 *
 * Prints READY once every ring is enabled, then one line per ring:
 *   {"dev": .., "match": N, "bytes": B, "caplen_bytes": C, "crc_sum": S, "corrupt": ..,
 *    "foreign": .., "dups": .., "bad_hdr": .., "bad_parse": .., "stats_recv": ..,
 *    "stats_drop": .., "ifindex": .., "rc": ..}
 * crc_sum is the sum of the CRC-32 of each whole matching frame (order-independent).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "pfring.h"
#include "lab_crc32.h"

#define MAX_RINGS	8
#define MAX_THREADS	8
#define MAX_SEQ		(1u << 20)

enum mode { MODE_ZC, MODE_COPY, MODE_BURST, MODE_LOOP };

/* What one thread saw; added to its ring's totals when the thread ends. */
struct tally {
	unsigned long long bytes, caplen_bytes, crc_sum, corrupt, foreign, dups, bad_hdr,
		bad_parse;
};

struct reader {
	const char *dev;
	pfring *ring;
	pthread_t tids[MAX_THREADS];
	int ifindex;
	int rc;
	_Atomic unsigned long long match;
	_Atomic int done;		/* threads that ended */
	pthread_mutex_t merge_lock;	/* guards total and rc */
	struct tally total;
	uint8_t *seen;			/* per sequence number, set atomically */
	int appl_stats_seen;
	/* before reading (-g): what the ring says it holds */
	long long queued_before, avail_before, poll_before, next_ts_delta_ms;
};

/* One reading thread: its ring and its own counts. */
struct worker {
	struct reader *r;
	struct tally t;
};

static enum mode mode = MODE_ZC;
static unsigned long long want;
static uint16_t ethertype = 0x88B5;
static int long_header;
static int wait_go;
static const char *appl_stats;
static u_int16_t watermark;
static int threads_per_ring = 1;
static int poll_check_ms = -1;
static unsigned dwell_us;
static int64_t start_wall_ns;	/* frames are stamped after this (the rings opened later) */

static uint32_t rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static int64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* A timestamp taken while this program ran (1 s of slack for the clock's steps). */
static int ts_in_run(struct timeval tv)
{
	int64_t ns = (int64_t)tv.tv_sec * 1000000000LL + (int64_t)tv.tv_usec * 1000;

	return ns >= start_wall_ns - 1000000000LL && ns <= wall_ns() + 1000000000LL;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The pfring_pkthdr of pfring_recv()/pfring_loop(): every field the library fills. */
static int pkthdr_ok(const struct reader *r, const struct pfring_pkthdr *h)
{
	return h->extended_hdr.timestamp_ns / 1000000000ULL == (u_int64_t)h->ts.tv_sec &&
	       (h->extended_hdr.timestamp_ns % 1000000000ULL) / 1000 ==
			(u_int64_t)h->ts.tv_usec &&
	       h->extended_hdr.rx_direction == 1 && h->extended_hdr.if_index == r->ifindex;
}

/*
 * One frame: counted, checked against its own CRC and the header libpfring gave (ts,
 * caplen, len here; the rest of a pfring_pkthdr by the caller, in hdr_ok).
 */
static void take(struct worker *w, const struct pfring_pkthdr *h, const uint8_t *p,
		 int hdr_ok)
{
	struct reader *r = w->r;
	struct tally *t = &w->t;
	uint32_t c;

	if (h->caplen < 14 || ((p[12] << 8) | p[13]) != ethertype) {
		t->foreign++;
		return;
	}
	if (!hdr_ok || h->caplen > h->len || h->len < 60 || !ts_in_run(h->ts))
		t->bad_hdr++;
	if (long_header) {
		const struct pkt_parsing_info *pi = &h->extended_hdr.parsed_pkt;

		if (pi->eth_type != ethertype || memcmp(pi->dmac, p, 6) != 0 ||
		    memcmp(pi->smac, p + 6, 6) != 0 || pi->offset.l3_offset != 14)
			t->bad_parse++;
	}
	t->bytes += h->len;
	t->caplen_bytes += h->caplen;
	if (h->caplen == h->len) {
		t->crc_sum += crc32_buf(p, h->caplen);
		/* a lab frame: "PFLB", stream, seq, then the CRC-32 of all but its own field */
		if (h->caplen >= 30 && memcmp(p + 14, "PFLB", 4) == 0) {
			uint32_t seq = rd32(p + 22);

			c = crc32_update(0xFFFFFFFFu, p, 26);
			c = crc32_update(c, p + 30, h->caplen - 30) ^ 0xFFFFFFFFu;
			if (c != rd32(p + 26))
				t->corrupt++;
			if (seq < MAX_SEQ && __atomic_exchange_n(&r->seen[seq], 1, __ATOMIC_RELAXED))
				t->dups++;
		}
	}
	atomic_fetch_add(&r->match, 1);
}

static void dwell(void)
{
	if (dwell_us)
		usleep(dwell_us);
}

static int reached(struct reader *r)
{
	return want && atomic_load(&r->match) >= want;
}

static void loop_cb(const struct pfring_pkthdr *h, const u_char *p, const u_char *user)
{
	struct worker *w = (struct worker *)user;

	dwell();
	take(w, h, p, pkthdr_ok(w->r, h));
	if (reached(w->r))
		pfring_breakloop(w->r->ring);
}

/* pfring_recv_burst(): what each pfring_packet_info says, nothing made up. */
static void take_burst(struct worker *w, const pfring_packet_info *pkts, int n)
{
	struct pfring_pkthdr h;
	int i;

	dwell();
	for (i = 0; i < n; i++) {
		memset(&h, 0, sizeof(h));
		h.ts = pkts[i].ts;
		h.caplen = pkts[i].caplen;
		h.len = pkts[i].len;
		if (long_header)
			pfring_parse_pkt(pkts[i].data, &h, 4, 0, 0);
		take(w, &h, pkts[i].data, 1);
	}
}

/* One receive in the reader's mode (zc or burst), kept; the lab seq of its first frame. */
static int recv_and_hold(struct reader *r, uint32_t *seq)
{
	pfring_packet_info pkts[32];
	struct pfring_pkthdr h;
	u_char *p;
	int rc;

	if (mode == MODE_BURST) {
		rc = pfring_recv_burst(r->ring, pkts, 32, 1);
		p = rc > 0 ? pkts[0].data : NULL;
		h.caplen = rc > 0 ? pkts[0].caplen : 0;
	} else {
		rc = pfring_recv(r->ring, &p, 0, &h, 1);
	}
	*seq = rc > 0 && h.caplen >= 26 ? rd32(p + 22) : UINT32_MAX;
	return rc;
}

static double elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - since->tv_sec) * 1e3 +
	       (double)(now.tv_nsec - since->tv_nsec) / 1e6;
}

/* -P: pfring_poll() with a slot held, first with no traffic, then with a new frame. */
static int poll_check(struct reader *r)
{
	struct timespec t0;
	uint32_t seq;
	int rc;

	if (recv_and_hold(r, &seq) <= 0)
		return 2;
	printf("HELD\n");
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = pfring_poll(r->ring, (u_int)poll_check_ms);
	printf("{\"poll_rc\": %d, \"poll_ms\": %.1f}\n", rc, elapsed_ms(&t0));
	/* the first frame is still the program's: pfring_poll() gave it back, no later */
	printf("POLLING\n");
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = pfring_poll(r->ring, 30000);
	printf("{\"poll_rc\": %d, \"poll_ms\": %.1f, ", rc, elapsed_ms(&t0));
	seq = UINT32_MAX;
	if (rc == 1)
		recv_and_hold(r, &seq);
	printf("\"next_seq\": %lld}\n", seq == UINT32_MAX ? -1LL : (long long)seq);
	fflush(stdout);
	return 0;
}

/* The thread's counts into its ring's totals; the last one out says the ring is done. */
static void merge(struct worker *w, int rc)
{
	struct reader *r = w->r;
	struct tally *t = &w->t, *sum = &r->total;

	pthread_mutex_lock(&r->merge_lock);
	sum->bytes += t->bytes;
	sum->caplen_bytes += t->caplen_bytes;
	sum->crc_sum += t->crc_sum;
	sum->corrupt += t->corrupt;
	sum->foreign += t->foreign;
	sum->dups += t->dups;
	sum->bad_hdr += t->bad_hdr;
	sum->bad_parse += t->bad_parse;
	if (rc < 0)
		r->rc = rc;
	pthread_mutex_unlock(&r->merge_lock);
	atomic_fetch_add(&r->done, 1);
}

static void *read_ring(void *arg)
{
	struct worker *w = arg;
	struct reader *r = w->r;
	static __thread u_char buf[65536];
	pfring_packet_info pkts[32];
	struct pfring_pkthdr h;
	u_char *p;
	int rc = 0;

	if (mode == MODE_LOOP) {
		rc = pfring_loop(r->ring, loop_cb, (const u_char *)w, 1);
		merge(w, rc);
		return NULL;
	}
	while (!reached(r)) {
		switch (mode) {
		case MODE_ZC:
			rc = pfring_recv(r->ring, &p, 0, &h, 1);
			if (rc > 0) {
				dwell();
				take(w, &h, p, pkthdr_ok(r, &h));
			}
			break;
		case MODE_COPY:
			p = buf;
			rc = pfring_recv(r->ring, &p, sizeof(buf), &h, 1);
			if (rc > 0) {
				dwell();
				take(w, &h, p, pkthdr_ok(r, &h));
			}
			break;
		case MODE_BURST:
			rc = pfring_recv_burst(r->ring, pkts, 32, 1);
			if (rc > 0)
				take_burst(w, pkts, rc);
			break;
		default:
			break;
		}
		if (rc < 0)
			break;
		if (rc == 0)	/* woken by pfring_breakloop() */
			break;
	}
	if (reached(r))		/* the ring's other threads are done too */
		pfring_breakloop(r->ring);
	merge(w, rc < 0 ? rc : 0);
	return NULL;
}

static void print_result(struct reader *r, const pfring_stat *st)
{
	pfring_card_settings cs = { 0, 0, 0 };
	u_char mac[6] = { 0 };
	char stats_file[256] = "";
	u_int32_t version = 0;

	pfring_get_bound_device_address(r->ring, mac);
	pfring_version(r->ring, &version);
	pfring_get_card_settings(r->ring, &cs);
	if (!pfring_get_appl_stats_file_name(r->ring, stats_file, sizeof(stats_file)))
		snprintf(stats_file, sizeof(stats_file), "error %d", errno);
	else if (appl_stats) {
		char content[4096];
		size_t n = 0;
		FILE *f = fopen(stats_file, "r");

		if (f) {
			n = fread(content, 1, sizeof(content) - 1, f);
			fclose(f);
		}
		content[n] = '\0';
		r->appl_stats_seen = strstr(content, appl_stats) != NULL;
	}
	printf("{\"dev\": \"%s\", \"match\": %llu, \"bytes\": %llu, \"caplen_bytes\": %llu, "
	       "\"crc_sum\": %llu, \"corrupt\": %llu, \"foreign\": %llu, \"dups\": %llu, "
	       "\"bad_hdr\": %llu, \"bad_parse\": %llu, \"stats_recv\": %llu, "
	       "\"stats_drop\": %llu, \"ifindex\": %d, \"caplen\": %d, \"rc\": %d, "
	       "\"queued_before\": %lld, \"avail_before\": %lld, \"poll_before\": %lld, "
	       "\"next_ts_delta_ms\": %lld, "
	       "\"mac\": \"%02x:%02x:%02x:%02x:%02x:%02x\", \"mtu\": %d, \"rx_channels\": %u, "
	       "\"link_up\": %d, \"speed\": %u, \"ring_id\": %u, \"version\": %u, "
	       "\"link_type\": %d, \"card_max_packet\": %u, \"card_rx_slots\": %u, "
	       "\"stats_file\": \"%s\", \"slot_hdr_len\": %u, \"fd_ok\": %d, "
	       "\"appl_stats_seen\": %d}\n",
	       r->dev, atomic_load(&r->match), r->total.bytes, r->total.caplen_bytes,
	       r->total.crc_sum, r->total.corrupt, r->total.foreign, r->total.dups,
	       r->total.bad_hdr, r->total.bad_parse,
	       (unsigned long long)st->recv, (unsigned long long)st->drop, r->ifindex,
	       pfring_get_caplen(r->ring), r->rc, r->queued_before, r->avail_before,
	       r->poll_before, r->next_ts_delta_ms, mac[0], mac[1], mac[2], mac[3], mac[4],
	       mac[5], pfring_get_mtu_size(r->ring), pfring_get_num_rx_channels(r->ring),
	       pfring_get_link_status(r->ring), pfring_get_interface_speed(r->ring),
	       pfring_get_ring_id(r->ring), version, pfring_get_link_type(r->ring),
	       cs.max_packet_size, cs.rx_ring_slots, stats_file,
	       pfring_get_slot_header_len(r->ring),
	       pfring_get_selectable_fd(r->ring) == r->ring->fd && r->ring->fd >= 0,
	       r->appl_stats_seen);
}

int main(int argc, char *argv[])
{
	static struct worker workers[MAX_RINGS][MAX_THREADS];
	struct reader readers[MAX_RINGS];
	int nr = 0, i, j, c, rc, all_done, reentrant = 0;
	u_int32_t caplen = 1536;
	uint64_t timeout_ms = 30000, idle_ms = 2000, start, last_change;
	unsigned long long last_total = 0;

	memset(readers, 0, sizeof(readers));
	while ((c = getopt(argc, argv, "i:n:m:c:t:I:e:LRT:D:P:gA:w:")) != -1) {
		switch (c) {
		case 'i':
			if (nr == MAX_RINGS)
				return 2;
			readers[nr++].dev = optarg;
			break;
		case 'n': want = strtoull(optarg, NULL, 0); break;
		case 'm':
			mode = !strcmp(optarg, "copy") ? MODE_COPY : !strcmp(optarg, "burst") ?
			       MODE_BURST : !strcmp(optarg, "loop") ? MODE_LOOP : MODE_ZC;
			break;
		case 'c': caplen = (u_int32_t)strtoul(optarg, NULL, 0); break;
		case 't': timeout_ms = strtoull(optarg, NULL, 0); break;
		case 'I': idle_ms = strtoull(optarg, NULL, 0); break;
		case 'e': ethertype = (uint16_t)strtoul(optarg, NULL, 0); break;
		case 'L': long_header = 1; break;
		case 'R': reentrant = 1; break;
		case 'T': threads_per_ring = atoi(optarg); break;
		case 'P': poll_check_ms = atoi(optarg); break;
		case 'D': dwell_us = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'g': wait_go = 1; break;
		case 'A': appl_stats = optarg; break;
		case 'w': watermark = (u_int16_t)atoi(optarg); break;
		default: return 2;
		}
	}
	/* several threads on one ring: only a PF_RING_REENTRANT ring may be so read */
	if (nr == 0 || threads_per_ring < 1 || threads_per_ring > MAX_THREADS ||
	    (threads_per_ring > 1 && !reentrant))
		return 2;
	crc_init();
	start_wall_ns = wall_ns();
	for (i = 0; i < nr; i++) {
		struct reader *r = &readers[i];
		u_int32_t flags = (long_header ? PF_RING_LONG_HEADER : 0) |
				  (reentrant ? PF_RING_REENTRANT : 0);

		r->seen = calloc(MAX_SEQ, 1);
		pthread_mutex_init(&r->merge_lock, NULL);
		r->ring = pfring_open(r->dev, caplen, flags);
		if (!r->ring) {
			printf("{\"error\": \"pfring_open\", \"dev\": \"%s\", \"errno\": %d}\n",
			       r->dev, errno);
			return 2;
		}
		if (pfring_get_bound_device_ifindex(r->ring, &r->ifindex) < 0 ||
		    pfring_set_direction(r->ring, rx_only_direction) < 0 ||
		    pfring_set_poll_duration(r->ring, 100) < 0 ||
		    pfring_set_socket_mode(r->ring, recv_only_mode) < 0 ||
		    (watermark && pfring_set_poll_watermark(r->ring, watermark) < 0) ||
		    (watermark && pfring_set_poll_watermark_timeout(r->ring, 100) < 0) ||
		    (appl_stats && pfring_set_application_stats(r->ring, (char *)appl_stats) < 0) ||
		    pfring_set_application_name(r->ring, (char *)"pfring_reader") < 0) {
			printf("{\"error\": \"setup\", \"dev\": \"%s\", \"errno\": %d}\n", r->dev,
			       errno);
			return 2;
		}
		if (pfring_enable_ring(r->ring) < 0 || !r->ring->enabled) {
			printf("{\"error\": \"enable\", \"dev\": \"%s\", \"errno\": %d}\n", r->dev,
			       errno);
			return 2;
		}
	}
	printf("READY\n");
	fflush(stdout);
	if (poll_check_ms >= 0) {
		rc = poll_check(&readers[0]);
		pfring_close(readers[0].ring);
		return rc;
	}
	if (wait_go) {
		char line[16];

		if (!fgets(line, sizeof(line), stdin))
			return 2;
		for (i = 0; i < nr; i++) {
			struct reader *r = &readers[i];
			struct timespec next, now;

			r->queued_before = pfring_get_num_queued_pkts(r->ring);
			r->avail_before = pfring_is_pkt_available(r->ring);
			r->poll_before = pfring_poll(r->ring, 0);
			r->next_ts_delta_ms = -1;
			if (pfring_next_pkt_time(r->ring, &next) == 0) {
				clock_gettime(CLOCK_REALTIME, &now);
				r->next_ts_delta_ms = (now.tv_sec - next.tv_sec) * 1000LL +
						      (now.tv_nsec - next.tv_nsec) / 1000000;
			}
		}
	}

	for (i = 0; i < nr; i++) {
		for (j = 0; j < threads_per_ring; j++) {
			workers[i][j].r = &readers[i];
			pthread_create(&readers[i].tids[j], NULL, read_ring, &workers[i][j]);
		}
	}
	start = last_change = now_ms();
	for (;;) {
		unsigned long long total = 0;

		all_done = 1;
		for (i = 0; i < nr; i++) {
			total += atomic_load(&readers[i].match);
			all_done &= atomic_load(&readers[i].done) == threads_per_ring;
		}
		if (all_done)
			break;
		if (total != last_total) {
			last_total = total;
			last_change = now_ms();
		}
		if (now_ms() - start > timeout_ms || (total && now_ms() - last_change > idle_ms))
			break;
		usleep(10000);
	}
	for (i = 0; i < nr; i++)
		pfring_breakloop(readers[i].ring);
	for (i = 0; i < nr; i++) {
		struct reader *r = &readers[i];
		pfring_stat st = { 0, 0, 0 };

		for (j = 0; j < threads_per_ring; j++)
			pthread_join(r->tids[j], NULL);
		pfring_stats(r->ring, &st);
		print_result(r, &st);
		pfring_close(r->ring);
		pthread_mutex_destroy(&r->merge_lock);
		free(r->seen);
	}
	return 0;
}
