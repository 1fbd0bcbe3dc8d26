/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * zc_tool.h - what the ZC tools (zcount, zsend, zcount_ipc, zbalance_ipc, zfanout_ipc)
 * share: numbers from the command line, binding to a core, stopping on a signal, a
 * device's MTU and MAC address from sysfs, and the cluster they create for their device.
 */
#ifndef PFRING_TOOLS_ZC_TOOL_H
#define PFRING_TOOLS_ZC_TOOL_H

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pfring_zc.h"

#define ZC_TOOL_MIN_BUFFER	1536	/* a 1500-byte MTU frame with tags, rounded */

static inline unsigned long long zc_tool_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
}

/* A whole number in [min, max]: 0, or -1 when s is not one */
static inline int zc_tool_number(const char *s, unsigned long long min, unsigned long long max,
				 unsigned long long *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* An option's number in [min, max]; else "<prog>: -<opt>: <why>" on stderr and -1 */
static inline int zc_tool_option(const char *prog, char opt, const char *arg, uint64_t min,
				 uint64_t max, uint64_t *out)
{
	unsigned long long v;

	if (zc_tool_number(arg, 0, ~0ull, &v) < 0) {
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

/* Seconds since an arbitrary start (CLOCK_MONOTONIC) */
static inline double zc_tool_now(void)
{
	return (double)zc_tool_now_ns() / 1e9;
}

/* Set by SIGINT/SIGTERM once zc_tool_on_signals() ran; a second signal ends the process */
static volatile sig_atomic_t zc_tool_stop;

static inline void zc_tool_signal(int sig)
{
	if (zc_tool_stop)
		_exit(128 + sig);
	zc_tool_stop = 1;
}

static inline void zc_tool_on_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = zc_tool_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* Bind the calling thread to CPU core: 0, or -1 with errno */
static inline int zc_tool_bind_core(int core)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(core, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* "stack:eth1" -> "eth1", "eth1@2" -> "eth1": the interface's own name into out */
static inline void zc_tool_ifname(const char *device, char *out, size_t len)
{
	const char *colon = strchr(device, ':');
	size_t n;

	if (colon)
		device = colon + 1;
	n = strcspn(device, "@,");
	if (n >= len)
		n = len - 1;
	memcpy(out, device, n);
	out[n] = '\0';
}

/* A line of /sys/class/net/IF/<attr> of device's (first) interface; 0, or -1 */
static inline int zc_tool_sysfs(const char *device, const char *attr, char *buf, size_t len)
{
	char ifname[64], path[192];
	FILE *f;
	int ok;

	zc_tool_ifname(device, ifname, sizeof(ifname));
	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", ifname, attr);
	f = fopen(path, "re");
	if (!f)
		return -1;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (!ok)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* The biggest frame device takes (MTU + Ethernet header + two VLAN tags), at least 1536 */
static inline unsigned int zc_tool_buffer_len(const char *device)
{
	char line[32];
	unsigned long mtu;

	if (zc_tool_sysfs(device, "mtu", line, sizeof(line)) < 0)
		return ZC_TOOL_MIN_BUFFER;
	mtu = strtoul(line, NULL, 10);
	if (mtu + 14 + 8 <= ZC_TOOL_MIN_BUFFER)
		return ZC_TOOL_MIN_BUFFER;
	return mtu + 14 + 8 > 65535 - 64 ? 65535 - 64 : (unsigned int)(mtu + 14 + 8);
}

/*
 * The tools' cluster: tot_buffers buffers of buffer_len bytes, on hugepages (the library
 * says how many to reserve when there are not enough), or on normal pages with -u.
 */
static inline pfring_zc_cluster *zc_tool_cluster(const char *tool, unsigned int cluster_id,
						 unsigned int buffer_len, unsigned int tot_buffers,
						 int normal_pages)
{
	pfring_zc_cluster *zc = pfring_zc_create_cluster(cluster_id, buffer_len, 0, tot_buffers,
							 -1, NULL,
							 normal_pages ? PF_RING_ZC_CLUSTER_NO_HUGEPAGES : 0);

	if (!zc)
		fprintf(stderr, "%s: cannot create cluster %u: %s%s\n", tool, cluster_id,
			strerror(errno), errno == ENOMEM && !normal_pages ?
			" (not enough hugepages: see above, or -u for normal pages)" : "");
	return zc;
}

/* Why pfring_zc_open_device() failed, for a person */
static inline const char *zc_tool_open_hint(int err)
{
	switch (err) {
	case ENODEV: return " (there is no such interface)";
	case EAFNOSUPPORT: return " (is pf_ring.ko loaded? modprobe pf_ring)";
	case EPERM: case EACCES: return " (run as root)";
	case EOPNOTSUPP: return " (not available for this device or direction)";
	default: return "";
	}
}

#endif /* PFRING_TOOLS_ZC_TOOL_H */
