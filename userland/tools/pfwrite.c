// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pfwrite - write the packets of a device (or of one member of a cluster) to a pcap
 * file, until SIGINT/SIGTERM or a count.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pfring.h"
#include "pcap_file.h"

static pfring *ring;
static volatile sig_atomic_t do_shutdown;

static void usage(FILE *to)
{
	fprintf(to,
		"NAME\n"
		"    pfwrite - write the packets a PF_RING ring captures to a pcap file\n"
		"\n"
		"SYNOPSIS\n"
		"    pfwrite -i DEVICE -w FILE [-l CAPLEN] [-n COUNT] [-e DIRECTION]\n"
		"            [-c CLUSTER_ID [-H TYPE]] [-J] [-q]\n"
		"\n"
		"DESCRIPTION\n"
		"    Opens a ring on DEVICE (ethX, ethX@QUEUE, ethX,ethY or any) and writes each\n"
		"    packet to FILE, a classic pcap savefile (microsecond timestamps) whose link\n"
		"    type is the ring's: Ethernet, or raw IP for devices without a link-layer\n"
		"    header (tun, WireGuard, ...). It stops on SIGINT or SIGTERM, or after COUNT\n"
		"    packets, and prints how many it saved and how many the ring dropped.\n"
		"\n"
		"OPTIONS\n"
		"    -i DEVICE      the device to capture on (required)\n"
		"    -w FILE        the pcap file to write (required; - is standard output)\n"
		"    -l CAPLEN      bytes kept of each packet [1536]\n"
		"    -n COUNT       stop after COUNT packets [0: never]\n"
		"    -e DIRECTION   0 received and sent, 1 received only, 2 sent only [0]\n"
		"    -c CLUSTER_ID  join this cluster: several pfwrite (or other programs) on the\n"
		"                   same id share the traffic, each writing its own share\n"
		"    -H TYPE        the cluster's type, a cluster_type number [4: per flow\n"
		"                   5-tuple]; see pfcount -h\n"
		"    -J             do not put the device in promiscuous mode\n"
		"    -q             no summary at the end\n"
		"    -h             this help\n"
		"\n"
		"EXIT STATUS\n"
		"    0 when every packet captured was written; 1 when the ring could not be\n"
		"    opened or the file written; 2 for a wrong option.\n");
}

static void on_signal(int sig)
{
	(void)sig;
	do_shutdown = 1;
	pfring_breakloop(ring);
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno || *end || !*s || s[0] == '-' || *out > max ? -1 : 0;
}

int main(int argc, char **argv)
{
	const char *device = NULL, *path = NULL;
	unsigned long caplen = 1536, count = 0, direction = 0, cluster = 0, type = 4;
	int c, rc, promisc = 1, quiet = 0, in_cluster = 0, exit_code = 0;
	unsigned long long saved = 0;
	struct pcap_file out;
	struct pfring_pkthdr hdr;
	pfring_stat st = { 0, 0, 0 };
	u_char *pkt;

	while ((c = getopt(argc, argv, "hi:w:l:n:e:c:H:Jq")) != -1) {
		int bad = 0;

		switch (c) {
		case 'h': usage(stdout); return 0;
		case 'i': device = optarg; break;
		case 'w': path = optarg; break;
		case 'l': bad = parse_uint(optarg, 65535, &caplen) || !caplen; break;
		case 'n': bad = parse_uint(optarg, ~0UL, &count); break;
		case 'e': bad = parse_uint(optarg, 2, &direction); break;
		case 'c': bad = parse_uint(optarg, ~0U, &cluster); in_cluster = 1; break;
		case 'H': bad = parse_uint(optarg, MAX_CLUSTER_TYPE_ID, &type); break;
		case 'J': promisc = 0; break;
		case 'q': quiet = 1; break;
		default: usage(stderr); return 2;
		}
		if (bad) {
			fprintf(stderr, "pfwrite: -%c %s: not a valid value (see pfwrite -h)\n", c,
				optarg);
			return 2;
		}
	}
	if (!device || !path || optind != argc) {
		fprintf(stderr, "pfwrite: -i DEVICE and -w FILE are required (see pfwrite -h)\n");
		return 2;
	}

	ring = pfring_open(device, (u_int32_t)caplen, promisc ? PF_RING_PROMISC : 0);
	if (!ring) {
		fprintf(stderr, "pfwrite: cannot open a ring on %s: %s\n", device, strerror(errno));
		return 1;
	}
	pfring_set_application_name(ring, (char *)"pfwrite");
	if (pfring_set_direction(ring, (packet_direction)direction) < 0 ||
	    (in_cluster && pfring_set_cluster(ring, (u_int)cluster, (cluster_type)type) < 0)) {
		fprintf(stderr, "pfwrite: %s: %s\n", in_cluster ? "cannot join the cluster" :
			"cannot set the direction", strerror(errno));
		pfring_close(ring);
		return 1;
	}
	if (pcap_file_create(&out, strcmp(path, "-") ? path : "/dev/stdout", (u_int32_t)caplen,
			     pfring_get_link_type(ring)) < 0) {
		fprintf(stderr, "pfwrite: cannot write %s: %s\n", path, strerror(errno));
		pfring_close(ring);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (pfring_enable_ring(ring) != 0) {
		fprintf(stderr, "pfwrite: cannot enable the ring: %s\n", strerror(errno));
		pcap_file_close(&out);
		pfring_close(ring);
		return 1;
	}
	fprintf(stderr, "pfwrite: writing %s to %s\n", device, path);

	while (!do_shutdown && (!count || saved < count)) {
		rc = pfring_recv(ring, &pkt, 0, &hdr, 1);
		if (rc < 0) {
			fprintf(stderr, "pfwrite: pfring_recv: %s\n", strerror(errno));
			exit_code = 1;
			break;
		}
		if (rc == 0)
			continue;
		if (pcap_file_write(&out, &hdr, pkt) < 0) {
			fprintf(stderr, "pfwrite: writing %s: %s\n", path, strerror(errno));
			exit_code = 1;
			break;
		}
		saved++;
	}
	pfring_stats(ring, &st);
	if (pcap_file_close(&out) < 0) {
		fprintf(stderr, "pfwrite: writing %s: %s\n", path, strerror(errno));
		exit_code = 1;
	}
	if (!quiet)
		fprintf(stderr, "pfwrite: saved %llu packets, %llu dropped by the ring\n", saved,
			(unsigned long long)st.drop);
	pfring_close(ring);
	return exit_code;
}
