// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ztool.c - helpers shared by the ZC tools (see ztool.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "ztool.h"

volatile sig_atomic_t ztool_stop;

static void ztool_signal(int sig)
{
	if (ztool_stop)
		_exit(128 + sig);	/* asked twice: the user wants out now */
	ztool_stop = 1;
}

void ztool_on_signals(void)
{
	struct sigaction sa = { .sa_handler = ztool_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int ztool_bind_core(int core)
{
	cpu_set_t set;
	int err;

	if (core < 0 || core >= CPU_SETSIZE) {
		errno = EINVAL;
		return -1;
	}
	CPU_ZERO(&set);
	CPU_SET(core, &set);
	err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

int ztool_number(const char *prog, char opt, const char *arg, uint64_t min, uint64_t max,
		 uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-') {
		fprintf(stderr, "%s: -%c: '%s' is not a number\n", prog, opt, arg);
		return -1;
	}
	if (v < min || v > max) {
		fprintf(stderr, "%s: -%c: %llu is out of range [%" PRIu64 ", %" PRIu64 "]\n",
			prog, opt, v, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

double ztool_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
