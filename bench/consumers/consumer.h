// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What every bench consumer shares: the signals it answers and the lines it prints.
 *
 *   {"event": "ready"}                                   once it is capturing
 *   {"received": N, "bytes": B, "drops": D}              on SIGUSR1 (running totals)
 *   {"received": N, "bytes": B, "drops": D, "final": 1}  on SIGTERM, then it exits 0
 *
 * A consumer whose kernel counts what its filters kept out (pfr_consumer) adds
 * "filtered": F and "sampled_out": S to its totals; the others' are 0.
 *
 * The handlers only raise flags; the receive loop looks at them between packets and at
 * least every CONSUMER_POLL_MS while the ring is empty.
 */
#ifndef BENCH_CONSUMER_H
#define BENCH_CONSUMER_H

#include <signal.h>
#include <stdio.h>
#include <string.h>

#define CONSUMER_POLL_MS 10

static volatile sig_atomic_t consumer_report_wanted, consumer_stop_wanted;

static void consumer_on_signal(int sig)
{
	if (sig == SIGUSR1)
		consumer_report_wanted = 1;
	else
		consumer_stop_wanted = 1;
}

static void consumer_install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = consumer_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

static void consumer_ready(void)
{
	printf("{\"event\": \"ready\"}\n");
	fflush(stdout);
}

static void consumer_print(unsigned long long received, unsigned long long bytes,
			   unsigned long long drops, int final)
{
	printf("{\"received\": %llu, \"bytes\": %llu, \"drops\": %llu%s}\n", received, bytes,
	       drops, final ? ", \"final\": 1" : "");
	fflush(stdout);
}

static inline void consumer_print_filtered(unsigned long long received,
					   unsigned long long bytes, unsigned long long drops,
					   unsigned long long filtered,
					   unsigned long long sampled_out, int final)
{
	printf("{\"received\": %llu, \"bytes\": %llu, \"drops\": %llu, \"filtered\": %llu, "
	       "\"sampled_out\": %llu%s}\n", received, bytes, drops, filtered, sampled_out,
	       final ? ", \"final\": 1" : "");
	fflush(stdout);
}

#endif
