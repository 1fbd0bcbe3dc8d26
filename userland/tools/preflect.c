// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * preflect - reflect what a device receives out of another device (or bounce it back
 * out of the same one), in the kernel, until SIGINT/SIGTERM.
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
		"    preflect - send what a device receives out of another device, in the kernel\n"
		"\n"
		"SYNOPSIS\n"
		"    preflect -i IN -o OUT [-q]\n"
		"    preflect -i IN -b [-q]\n"
		"\n"
		"DESCRIPTION\n"
		"    Opens a ring on IN (promiscuous) whose every received frame pf_ring.ko sends\n"
		"    out of OUT as it is (-o), or back out of IN with its MAC addresses swapped\n"
		"    (-b, bounce), instead of queueing it: no frame crosses into user space. Every\n"
		"    second it prints what IN received and OUT sent (the devices' own counters),\n"
		"    until SIGINT or SIGTERM.\n"
		"\n"
		"OPTIONS\n"
		"    -i IN     the device to take frames from (ethX, ethX@QUEUE)\n"
		"    -o OUT    the device to send them out of\n"
		"    -b        bounce: back out of IN, MAC addresses swapped\n"
		"    -q        no statistics\n"
		"    -h        this help\n"
		"\n"
		"EXIT STATUS\n"
		"    0 after a signal; 1 when the ring could not be set up; 2 for a wrong option.\n");
}

static void on_signal(int sig)
{
	(void)sig;
	do_shutdown = 1;
}

int main(int argc, char **argv)
{
	const char *in = NULL, *out = NULL;
	int c, bounce = 0, quiet = 0, rc;
	unsigned long long rx0, tx0;
	pfring *ring;

	while ((c = getopt(argc, argv, "hi:o:bq")) != -1) {
		switch (c) {
		case 'h': usage(stdout); return 0;
		case 'i': in = optarg; break;
		case 'o': out = optarg; break;
		case 'b': bounce = 1; break;
		case 'q': quiet = 1; break;
		default: usage(stderr); return 2;
		}
	}
	if (!in || (!out) == !bounce || optind != argc) {
		fprintf(stderr, "preflect: -i IN and one of -o OUT or -b are required "
			"(see preflect -h)\n");
		return 2;
	}
	ring = pfring_open(in, 1536, PF_RING_PROMISC);
	if (!ring) {
		fprintf(stderr, "preflect: cannot open a ring on %s: %s\n", in, strerror(errno));
		return 1;
	}
	pfring_set_application_name(ring, (char *)"preflect");
	rc = pfring_set_direction(ring, rx_only_direction);
	if (!rc)
		rc = bounce ? pfring_set_bounce(ring, 1) :
			      pfring_set_reflector_device(ring, (char *)out);
	if (!rc)
		rc = pfring_enable_ring(ring);
	if (rc) {
		fprintf(stderr, "preflect: cannot reflect %s to %s: %s\n", in, bounce ? in : out,
			strerror(errno));
		pfring_close(ring);
		return 1;
	}
	if (bounce)
		out = in;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "preflect: %s -> %s%s\n", in, out, bounce ? " (bounce)" : "");
	rx0 = dev_counter(in, "rx_packets");
	tx0 = dev_counter(out, "tx_packets");
	while (!do_shutdown) {
		sleep(1);
		if (!quiet && !do_shutdown)
			fprintf(stderr, "%s received %llu, %s sent %llu\n", in,
				dev_counter(in, "rx_packets") - rx0, out,
				dev_counter(out, "tx_packets") - tx0);
	}
	pfring_close(ring);
	return 0;
}
