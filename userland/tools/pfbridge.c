// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pfbridge - bridge two devices in the kernel: what one receives goes out of the
 * other, both ways, until SIGINT/SIGTERM.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pfring.h"
#include "dev_stats.h"

static volatile sig_atomic_t do_shutdown;

static void usage(FILE *to)
{
	fprintf(to,
		"NAME\n"
		"    pfbridge - bridge two devices: each one's received frames out of the other\n"
		"\n"
		"SYNOPSIS\n"
		"    pfbridge -a DEV_A -b DEV_B [-q]\n"
		"\n"
		"DESCRIPTION\n"
		"    Opens a ring on each device (promiscuous, received frames only) whose frames\n"
		"    pf_ring.ko sends out of the other device as they are, instead of queueing\n"
		"    them: a transparent bridge (no MAC learning, no spanning tree) in which no\n"
		"    frame crosses into user space. Every second it prints each direction's\n"
		"    frames (the devices' own counters), until SIGINT or SIGTERM.\n"
		"\n"
		"OPTIONS\n"
		"    -a DEV_A  one side\n"
		"    -b DEV_B  the other side\n"
		"    -q        no statistics\n"
		"    -h        this help\n"
		"\n"
		"EXIT STATUS\n"
		"    0 after a signal; 1 when a ring could not be set up; 2 for a wrong option.\n");
}

static void on_signal(int sig)
{
	(void)sig;
	do_shutdown = 1;
}

/* A ring on from whose received frames go out of to */
static pfring *bridge_side(const char *from, const char *to)
{
	pfring *ring = pfring_open(from, 1536, PF_RING_PROMISC);

	if (!ring) {
		fprintf(stderr, "pfbridge: cannot open a ring on %s: %s\n", from, strerror(errno));
		return NULL;
	}
	pfring_set_application_name(ring, (char *)"pfbridge");
	if (pfring_set_direction(ring, rx_only_direction) ||
	    pfring_set_reflector_device(ring, (char *)to) || pfring_enable_ring(ring)) {
		fprintf(stderr, "pfbridge: cannot send %s's frames out of %s: %s\n", from, to,
			strerror(errno));
		pfring_close(ring);
		return NULL;
	}
	return ring;
}

int main(int argc, char **argv)
{
	const char *a = NULL, *b = NULL;
	unsigned long long a0, b0;
	pfring *ab, *ba;
	int c, quiet = 0;

	while ((c = getopt(argc, argv, "ha:b:q")) != -1) {
		switch (c) {
		case 'h': usage(stdout); return 0;
		case 'a': a = optarg; break;
		case 'b': b = optarg; break;
		case 'q': quiet = 1; break;
		default: usage(stderr); return 2;
		}
	}
	if (!a || !b || !strcmp(a, b) || optind != argc) {
		fprintf(stderr, "pfbridge: -a DEV_A and -b DEV_B, two devices, are required "
			"(see pfbridge -h)\n");
		return 2;
	}
	ab = bridge_side(a, b);
	if (!ab)
		return 1;
	ba = bridge_side(b, a);
	if (!ba) {
		pfring_close(ab);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "pfbridge: %s <-> %s\n", a, b);
	a0 = dev_counter(a, "rx_packets");
	b0 = dev_counter(b, "rx_packets");
	while (!do_shutdown) {
		sleep(1);
		if (!quiet && !do_shutdown)
			fprintf(stderr, "%s -> %s %llu, %s -> %s %llu\n", a, b,
				dev_counter(a, "rx_packets") - a0, b, a,
				dev_counter(b, "rx_packets") - b0);
	}
	pfring_close(ba);
	pfring_close(ab);
	return 0;
}
