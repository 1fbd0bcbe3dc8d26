// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * zcount_ipc - attach to a zero-copy queue of another process (zbalance_ipc,
 * zfanout_ipc, or any pfring_zc cluster) by cluster id and queue id, and count what
 * arrives: rates each second, exact totals at the end (SIGINT/SIGTERM, or -N packets).
 * The queue's buffer pool of the same id gives the buffer exchanged for each packet.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "pfring.h"
#include "pfring_zc.h"
#include "pcap_file.h"
#include "zc_tool.h"

#define PROG "zcount_ipc"

struct config {
	uint32_t cluster_id, queue_id;
	int core;
	int active;
	int verbose;
	int touch;
	uint64_t max_packets;	/* 0: until a signal */
	const char *dump;	/* -o: a pcap file of what was received */
};

static void usage(void)
{
	printf(PROG " - count the packets of a zero-copy queue another process feeds\n"
	       "usage: " PROG " -c <cluster id> -i <queue id> [options]\n"
	       "-h               this help\n"
	       "-c <cluster id>  cluster id\n"
	       "-i <queue id>    queue id\n"
	       "-g <core>        pin to a core\n"
	       "-a               active wait (busy polling)\n"
	       "-t               touch every payload byte (to load it in the cache)\n"
	       "-v               print every packet's length and first bytes\n"
	       "-N <packets>     stop after this many packets\n"
	       "-o <file>        also write what arrives to a pcap file\n");
}

static int parse_args(struct config *cfg, int argc, char **argv)
{
	uint64_t v;
	int c, have_c = 0, have_i = 0;

	memset(cfg, 0, sizeof(*cfg));
	cfg->core = -1;
	while ((c = getopt(argc, argv, "hc:i:g:atvN:o:")) != -1) {
		switch (c) {
		case 'h':
			usage();
			exit(0);
		case 'c':
			if (zc_tool_option(PROG, 'c', optarg, 0, UINT32_MAX - 1, &v) < 0)
				return -1;
			cfg->cluster_id = (uint32_t)v;
			have_c = 1;
			break;
		case 'i':
			if (zc_tool_option(PROG, 'i', optarg, 0, UINT32_MAX - 1, &v) < 0)
				return -1;
			cfg->queue_id = (uint32_t)v;
			have_i = 1;
			break;
		case 'g':
			if (zc_tool_option(PROG, 'g', optarg, 0, CPU_SETSIZE - 1, &v) < 0)
				return -1;
			cfg->core = (int)v;
			break;
		case 'a':
			cfg->active = 1;
			break;
		case 't':
			cfg->touch = 1;
			break;
		case 'v':
			cfg->verbose = 1;
			break;
		case 'N':
			if (zc_tool_option(PROG, 'N', optarg, 1, UINT64_MAX, &cfg->max_packets) < 0)
				return -1;
			break;
		case 'o':
			cfg->dump = optarg;
			break;
		default:
			usage();
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (!have_c || !have_i) {
		fprintf(stderr, PROG ": -c and -i are required (-h for help)\n");
		return -1;
	}
	return 0;
}

static void print_packet(const pfring_zc_pkt_buff *h, const u_char *data)
{
	uint32_t i, n = h->len < 32 ? h->len : 32;

	printf("[%u.%09u] len %u:", h->ts.tv_sec, h->ts.tv_nsec, h->len);
	for (i = 0; i < n; i++)
		printf(" %02x", data[i]);
	printf("\n");
}

static int dump_packet(struct pcap_file *pf, const pfring_zc_pkt_buff *h, const u_char *data)
{
	struct pfring_pkthdr ph;

	memset(&ph, 0, sizeof(ph));
	ph.ts.tv_sec = h->ts.tv_sec;
	ph.ts.tv_usec = h->ts.tv_nsec / 1000;
	ph.caplen = ph.len = h->len;
	return pcap_file_write(pf, &ph, data);
}

int main(int argc, char **argv)
{
	struct config cfg;
	struct pcap_file pf;
	pfring_zc_queue *q;
	pfring_zc_buffer_pool *pool;
	pfring_zc_pkt_buff *h;
	uint64_t pkts = 0, bytes = 0, last_pkts = 0, last_bytes = 0;
	volatile uint64_t sink = 0;
	double t0, t;
	unsigned int polls = 0;
	int rc = 1, dumping = 0;

	if (parse_args(&cfg, argc, argv) < 0)
		return 2;
	zc_tool_on_signals();
	if (cfg.core >= 0 && zc_tool_bind_core(cfg.core) < 0)
		fprintf(stderr, PROG ": cannot pin to core %d: %s\n", cfg.core, strerror(errno));
	q = pfring_zc_ipc_attach_queue(cfg.cluster_id, cfg.queue_id, rx_only);
	if (!q) {
		fprintf(stderr, PROG ": cannot attach to cluster %u queue %u: %s\n", cfg.cluster_id,
			cfg.queue_id, strerror(errno));
		return 1;
	}
	pool = pfring_zc_ipc_attach_buffer_pool(cfg.cluster_id, cfg.queue_id);
	if (!pool) {
		fprintf(stderr, PROG ": cannot attach to cluster %u pool %u: %s\n", cfg.cluster_id,
			cfg.queue_id, strerror(errno));
		goto out_queue;
	}
	h = pfring_zc_get_packet_handle_from_pool(pool);
	if (!h) {
		fprintf(stderr, PROG ": pool %u has no free buffer: %s\n", cfg.queue_id,
			strerror(errno));
		goto out_pool;
	}
	if (cfg.dump) {
		if (pcap_file_create(&pf, cfg.dump, 65535, 1 /* DLT_EN10MB */) < 0) {
			fprintf(stderr, PROG ": %s: %s\n", cfg.dump, strerror(errno));
			goto out_handle;
		}
		dumping = 1;
	}
	printf(PROG ": attached to cluster %u queue %u\n", cfg.cluster_id, cfg.queue_id);
	fflush(stdout);
	t0 = zc_tool_now();
	while (!zc_tool_stop && (!cfg.max_packets || pkts < cfg.max_packets)) {
		int got = pfring_zc_recv_pkt(q, &h, 0);

		if (got > 0) {
			u_char *data = pfring_zc_pkt_buff_data(h, q);

			pkts++;
			bytes += h->len;
			if (cfg.touch)
				for (uint32_t i = 0; i < h->len; i++)
					sink += data[i];
			if (cfg.verbose)
				print_packet(h, data);
			if (dumping && dump_packet(&pf, h, data) < 0) {
				fprintf(stderr, PROG ": %s: %s\n", cfg.dump, strerror(errno));
				break;
			}
		} else if (got < 0) {
			fprintf(stderr, PROG ": receive: %s\n", strerror(errno));
			break;
		} else if (!cfg.active) {
			usleep(1);
		}
		if (++polls % 4096 && got > 0)
			continue;	/* the clock read once per 4096 packets, or when idle */
		t = zc_tool_now();
		if (t - t0 >= 1.0) {
			printf(PROG ": %.0f pps %.0f bps\n", (double)(pkts - last_pkts) / (t - t0),
			       8.0 * (double)(bytes - last_bytes) / (t - t0));
			fflush(stdout);
			last_pkts = pkts;
			last_bytes = bytes;
			t0 = t;
		}
	}
	(void)sink;
	printf(PROG " totals: %" PRIu64 " packets %" PRIu64 " bytes\n", pkts, bytes);
	fflush(stdout);
	rc = 0;
	if (dumping && pcap_file_close(&pf) < 0) {
		fprintf(stderr, PROG ": %s: %s\n", cfg.dump, strerror(errno));
		rc = 1;
	}
out_handle:
	pfring_zc_release_packet_handle_to_pool(pool, h);
out_pool:
	pfring_zc_ipc_detach_buffer_pool(pool);
out_queue:
	pfring_zc_ipc_detach_queue(q);
	return rc;
}
