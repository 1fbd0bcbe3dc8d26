// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pfring_reader - reads lab frames through libpfring (never the ring directly) and
 * prints, for each ring, one JSON object of exact counts.
 *
 *   pfring_reader -i DEV [-i DEV2 ...] [-n COUNT] [-m zc|copy|burst|loop] [-c CAPLEN]
 *                 [-t TIMEOUT_MS] [-I IDLE_MS] [-e ETHERTYPE] [-L] [-R] [-g]
 *                 [-A APPL_STATS] [-w WATERMARK]
 *
 * Each -i opens one ring (several rings live in one process, one thread each). A ring
 * stops after COUNT frames of ETHERTYPE (default 0x88b5), or IDLE_MS without any frame
 * (after the first), or TIMEOUT_MS in all: the main thread calls pfring_breakloop().
 * -m: zc (pfring_recv, buffer_len 0: a pointer into the ring), copy (pfring_recv into a
 * buffer), burst (pfring_recv_burst), loop (pfring_loop). -L opens with
 * PF_RING_LONG_HEADER and checks the parsed headers; -R with PF_RING_REENTRANT.
 * -g waits for a line on stdin before reading (the rings fill meanwhile) and reports
 * what pfring_get_num_queued_pkts(), pfring_is_pkt_available(), pfring_poll() and
 * pfring_next_pkt_time() said then.
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
#define MAX_SEQ		(1u << 20)

enum mode { MODE_ZC, MODE_COPY, MODE_BURST, MODE_LOOP };

struct reader {
	const char *dev;
	pfring *ring;
	pthread_t tid;
	int ifindex;
	int rc;
	_Atomic unsigned long long match;
	_Atomic int done;
	unsigned long long bytes, caplen_bytes, crc_sum, corrupt, foreign, dups, bad_hdr,
		bad_parse;
	uint8_t *seen;
	int appl_stats_seen;
	/* before reading (-g): what the ring says it holds */
	long long queued_before, avail_before, poll_before, next_ts_delta_ms;
};

static enum mode mode = MODE_ZC;
static unsigned long long want;
static uint16_t ethertype = 0x88B5;
static int long_header;
static int wait_go;
static const char *appl_stats;
static u_int16_t watermark;

static uint32_t rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* One frame: counted, checked against its own CRC and the header libpfring gave. */
static void take(struct reader *r, const struct pfring_pkthdr *h, const uint8_t *p)
{
	uint32_t c;

	if (h->caplen < 14 || ((p[12] << 8) | p[13]) != ethertype) {
		r->foreign++;
		return;
	}
	if (h->caplen > h->len || h->len < 60 ||
	    h->extended_hdr.timestamp_ns / 1000000000ULL != (u_int64_t)h->ts.tv_sec ||
	    (h->extended_hdr.timestamp_ns % 1000000000ULL) / 1000 != (u_int64_t)h->ts.tv_usec ||
	    h->extended_hdr.rx_direction != 1 || h->extended_hdr.if_index != r->ifindex)
		r->bad_hdr++;
	if (long_header) {
		const struct pkt_parsing_info *pi = &h->extended_hdr.parsed_pkt;

		if (pi->eth_type != ethertype || memcmp(pi->dmac, p, 6) != 0 ||
		    memcmp(pi->smac, p + 6, 6) != 0 || pi->offset.l3_offset != 14)
			r->bad_parse++;
	}
	r->bytes += h->len;
	r->caplen_bytes += h->caplen;
	if (h->caplen == h->len) {
		r->crc_sum += crc32_buf(p, h->caplen);
		/* a lab frame: "PFLB", stream, seq, then the CRC-32 of all but its own field */
		if (h->caplen >= 30 && memcmp(p + 14, "PFLB", 4) == 0) {
			uint32_t seq = rd32(p + 22);

			c = crc32_update(0xFFFFFFFFu, p, 26);
			c = crc32_update(c, p + 30, h->caplen - 30) ^ 0xFFFFFFFFu;
			if (c != rd32(p + 26))
				r->corrupt++;
			if (seq < MAX_SEQ) {
				if (r->seen[seq])
					r->dups++;
				r->seen[seq] = 1;
			}
		}
	}
	atomic_fetch_add(&r->match, 1);
}

static int reached(struct reader *r)
{
	return want && atomic_load(&r->match) >= want;
}

static void loop_cb(const struct pfring_pkthdr *h, const u_char *p, const u_char *user)
{
	struct reader *r = (struct reader *)user;

	take(r, h, p);
	if (reached(r))
		pfring_breakloop(r->ring);
}

static void *read_ring(void *arg)
{
	struct reader *r = arg;
	static __thread u_char buf[65536];
	pfring_packet_info pkts[32];
	struct pfring_pkthdr h;
	u_char *p;
	int rc = 0, i;

	if (mode == MODE_LOOP) {
		rc = pfring_loop(r->ring, loop_cb, (const u_char *)r, 1);
		r->rc = rc;
		atomic_store(&r->done, 1);
		return NULL;
	}
	while (!reached(r)) {
		switch (mode) {
		case MODE_ZC:
			rc = pfring_recv(r->ring, &p, 0, &h, 1);
			if (rc > 0)
				take(r, &h, p);
			break;
		case MODE_COPY:
			p = buf;
			rc = pfring_recv(r->ring, &p, sizeof(buf), &h, 1);
			if (rc > 0)
				take(r, &h, p);
			break;
		case MODE_BURST:
			rc = pfring_recv_burst(r->ring, pkts, 32, 1);
			for (i = 0; i < rc; i++) {
				memset(&h, 0, sizeof(h));
				h.ts = pkts[i].ts;
				h.caplen = pkts[i].caplen;
				h.len = pkts[i].len;
				h.extended_hdr.timestamp_ns = (u_int64_t)pkts[i].ts.tv_sec * 1000000000ULL +
					(u_int64_t)pkts[i].ts.tv_usec * 1000;
				h.extended_hdr.rx_direction = 1;
				h.extended_hdr.if_index = r->ifindex;
				if (long_header)
					pfring_parse_pkt(pkts[i].data, &h, 4, 0, 0);
				take(r, &h, pkts[i].data);
			}
			break;
		default:
			break;
		}
		if (rc < 0)
			break;
		if (rc == 0)	/* woken by pfring_breakloop() */
			break;
	}
	r->rc = rc < 0 ? rc : 0;
	atomic_store(&r->done, 1);
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
	       r->dev, atomic_load(&r->match), r->bytes, r->caplen_bytes, r->crc_sum,
	       r->corrupt, r->foreign, r->dups, r->bad_hdr, r->bad_parse,
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
	struct reader readers[MAX_RINGS];
	int nr = 0, i, c, all_done, reentrant = 0;
	u_int32_t caplen = 1536;
	uint64_t timeout_ms = 30000, idle_ms = 2000, start, last_change;
	unsigned long long last_total = 0;

	memset(readers, 0, sizeof(readers));
	while ((c = getopt(argc, argv, "i:n:m:c:t:I:e:LRgA:w:")) != -1) {
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
		case 'g': wait_go = 1; break;
		case 'A': appl_stats = optarg; break;
		case 'w': watermark = (u_int16_t)atoi(optarg); break;
		default: return 2;
		}
	}
	if (nr == 0)
		return 2;
	crc_init();
	for (i = 0; i < nr; i++) {
		struct reader *r = &readers[i];
		u_int32_t flags = (long_header ? PF_RING_LONG_HEADER : 0) |
				  (reentrant ? PF_RING_REENTRANT : 0);

		r->seen = calloc(MAX_SEQ, 1);
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

	for (i = 0; i < nr; i++)
		pthread_create(&readers[i].tid, NULL, read_ring, &readers[i]);
	start = last_change = now_ms();
	for (;;) {
		unsigned long long total = 0;

		all_done = 1;
		for (i = 0; i < nr; i++) {
			total += atomic_load(&readers[i].match);
			all_done &= atomic_load(&readers[i].done);
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

		pthread_join(r->tid, NULL);
		pfring_stats(r->ring, &st);
		print_result(r, &st);
		pfring_close(r->ring);
		free(r->seen);
	}
	return 0;
}
