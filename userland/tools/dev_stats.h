/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dev_stats.h - a device's own packet counters (/sys/class/net/DEV/statistics), for the
 * tools that forward in the kernel and have no ring counters to show.
 */
#ifndef PFRING_TOOLS_DEV_STATS_H
#define PFRING_TOOLS_DEV_STATS_H

#include <stdio.h>

/* The counter name ("rx_packets", "tx_packets", ...) of dev, or 0 when unreadable */
static inline unsigned long long dev_counter(const char *dev, const char *name)
{
	unsigned long long v = 0;
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", dev, name);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

#endif /* PFRING_TOOLS_DEV_STATS_H */
