// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pfr_consumer - the bench's PF_RING consumer: libpfring's zero-copy receive
 * (pfring_recv with buffer_len 0: a pointer into the ring) in a tight loop that counts
 * packets and bytes. Drops are the ring's own (pfring_stats). See consumer.h for the
 * signals and the lines it prints.
 *
 *   pfr_consumer [-w WATERMARK] [-P] [-c CLUSTER_ID [-H TYPE]] DEVICE
 *
 * -w sets the poll watermark: the kernel wakes a sleeping reader once that many packets
 * wait. -P asks the kernel not to parse headers (PF_RING_OPT_PARSE, PF_RING_PARSE_NONE):
 * what parsing costs the delivering CPU. -c joins the ring to cluster CLUSTER_ID before
 * it is enabled (pfring_set_cluster), so that it gets its share of the device's flows,
 * and -H says how the cluster shares them: a cluster_type number (default 4, per flow
 * 5-tuple).
 */
#include <getopt.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <linux/pf_ring.h>

#include "pfring.h"

#include "consumer.h"

#define CAPLEN 1536
#define NO_CLUSTER (-1L)

static void report(pfring *ring, unsigned long long pkts, unsigned long long bytes, int final)
{
	pfring_stat st = { 0, 0, 0 };

	pfring_stats(ring, &st);
	consumer_print(pkts, bytes, (unsigned long long)st.drop, final);
}

int main(int argc, char **argv)
{
	unsigned long long pkts = 0, bytes = 0;
	struct pfring_pkthdr hdr;
	u_char *frame;
	pfring *ring;
	long watermark = 0, cluster_id = NO_CLUSTER, type = cluster_per_flow_5_tuple;
	const char *dev;
	int rc, opt, no_parse = 0, type_given = 0;

	while ((opt = getopt(argc, argv, "w:Pc:H:")) != -1) {
		switch (opt) {
		case 'P':
			no_parse = 1;
			break;
		case 'w':
			watermark = strtol(optarg, NULL, 10);
			if (watermark < 1 || watermark > 65535)
				goto usage;
			break;
		case 'c':
			cluster_id = strtol(optarg, NULL, 10);
			if (cluster_id < 0 || cluster_id > 65535)
				goto usage;
			break;
		case 'H':
			type = strtol(optarg, NULL, 10);
			if (type < 0 || type > MAX_CLUSTER_TYPE_ID)
				goto usage;
			type_given = 1;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1 || (type_given && cluster_id == NO_CLUSTER))
		goto usage;
	dev = argv[optind];
	consumer_install_signals();
	ring = pfring_open(dev, CAPLEN, PF_RING_PROMISC);
	if (!ring) {
		fprintf(stderr, "pfring_open(%s): %s\n", dev, strerror(errno));
		return 1;
	}
	if (watermark && pfring_set_poll_watermark(ring, (u_int16_t)watermark) != 0) {
		fprintf(stderr, "pfring_set_poll_watermark(%ld): %s\n", watermark, strerror(errno));
		pfring_close(ring);
		return 1;
	}
	if (no_parse) {
		unsigned int level = PF_RING_PARSE_NONE;

		if (setsockopt(ring->fd, SOL_PF_RING, PF_RING_OPT_PARSE, &level, sizeof(level))) {
			fprintf(stderr, "PF_RING_OPT_PARSE: %s\n", strerror(errno));
			pfring_close(ring);
			return 1;
		}
	}
	if (cluster_id != NO_CLUSTER &&
	    pfring_set_cluster(ring, (u_int)cluster_id, (cluster_type)type) != 0) {
		fprintf(stderr, "pfring_set_cluster(%ld, type %ld): %s\n", cluster_id, type,
			strerror(errno));
		pfring_close(ring);
		return 1;
	}
	if (pfring_enable_ring(ring) != 0) {
		fprintf(stderr, "pfring_enable_ring(%s): %s\n", dev, strerror(errno));
		pfring_close(ring);
		return 1;
	}
	consumer_ready();
	while (!consumer_stop_wanted) {
		if (consumer_report_wanted) {
			consumer_report_wanted = 0;
			report(ring, pkts, bytes, 0);
		}
		rc = pfring_recv(ring, &frame, 0, &hdr, 0);
		if (rc > 0) {
			pkts++;
			bytes += hdr.len;
			continue;
		}
		if (rc < 0 && errno != EINTR) {
			fprintf(stderr, "pfring_recv: %s\n", strerror(errno));
			break;
		}
		pfring_poll(ring, CONSUMER_POLL_MS);
	}
	report(ring, pkts, bytes, 1);
	pfring_close(ring);
	return 0;

usage:
	fprintf(stderr, "usage: pfr_consumer [-w WATERMARK (1-65535)] [-P] %s DEVICE\n",
		"[-c CLUSTER_ID (0-65535) [-H TYPE (0-13, default 4)]]");
	return 2;
}
