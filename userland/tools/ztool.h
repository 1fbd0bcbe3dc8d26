/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ztool.h - what the ZC tools (zbalance_ipc, zfanout_ipc, zcount_ipc) share: stopping on
 * a signal, pinning to a core, reading numbers from the command line.
 */
#ifndef PFRING_TOOLS_ZTOOL_H
#define PFRING_TOOLS_ZTOOL_H

#include <signal.h>
#include <stdint.h>

/* Set by SIGINT/SIGTERM (ztool_on_signals); the main loop polls it. */
extern volatile sig_atomic_t ztool_stop;

/* SIGINT and SIGTERM set ztool_stop; a second one ends the process at once. */
void ztool_on_signals(void);

/* Pin the calling thread to core; 0, or -1 with errno (EINVAL: no such core). */
int ztool_bind_core(int core);

/*
 * A decimal number in [min, max] from an option's argument; prints
 * "<prog>: -<opt>: <why>" and returns -1 on anything else.
 */
int ztool_number(const char *prog, char opt, const char *arg, uint64_t min, uint64_t max,
		 uint64_t *out);

/* Seconds since an arbitrary start (CLOCK_MONOTONIC). */
double ztool_now(void);

#endif /* PFRING_TOOLS_ZTOOL_H */
