// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * zc_control.c - the rest of today's API: what a device queue passes to its ring (BPF
 * filters, hardware rules, clocks, link speed, the names and statistics under
 * /proc/net/pf_ring), a send that returns its time, the NUMA helpers, and the calls of
 * features this library does not have (VM support, RSS indirection on a queue that is
 * not a device's), which fail with EOPNOTSUPP so that programs written for them build
 * and say why they cannot run.
 *
 * A queue has a ring when a backend gives one (zc_queue_ops.ring: the one-copy devices'
 * pf_ring socket); an SPSC queue has none.
 */
#include <dirent.h>
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zc_priv.h"

#define ZC_RXFH_CELLS		128	/* the table today's call takes */

/* The ring behind a device queue; NULL with errno EINVAL (no queue) or EOPNOTSUPP. */
static pfring *zc_ring_of(pfring_zc_queue *queue)
{
	struct zc_queue *q = queue;

	if (!q) {
		errno = EINVAL;
		return NULL;
	}
	if (!q->ops || !q->ops->ring) {
		errno = EOPNOTSUPP;
		return NULL;
	}
	return q->ops->ring(q);
}

/* A libpfring call's result as ours: 0, or -errno with errno set (EIO if it set none). */
static int zc_ring_result(int rc)
{
	if (rc >= 0)
		return rc;
	return zc_fail(errno ? errno : EIO);
}

ZC_API int pfring_zc_set_bpf_filter(pfring_zc_queue *queue, const char *filter)
{
	pfring *ring = zc_ring_of(queue);

	if (!ring)
		return -errno;
	if (!filter)
		return zc_fail(EINVAL);
	errno = 0;
	return zc_ring_result(pfring_set_bpf_filter(ring, filter));
}

ZC_API int pfring_zc_remove_bpf_filter(pfring_zc_queue *queue)
{
	pfring *ring = zc_ring_of(queue);

	if (!ring)
		return -errno;
	errno = 0;
	return zc_ring_result(pfring_remove_bpf_filter(ring));
}

ZC_API int pfring_zc_add_hw_rule(pfring_zc_queue *queue, hw_filtering_rule *rule)
{
	pfring *ring = zc_ring_of(queue);

	if (!ring)
		return -errno;
	errno = 0;
	return zc_ring_result(pfring_add_hw_rule(ring, rule));
}

ZC_API int pfring_zc_remove_hw_rule(pfring_zc_queue *queue, u_int16_t rule_id)
{
	pfring *ring = zc_ring_of(queue);

	if (!ring)
		return -errno;
	errno = 0;
	return zc_ring_result(pfring_remove_hw_rule(ring, rule_id));
}

ZC_API int pfring_zc_get_device_clock(pfring_zc_queue *queue, struct timespec *ts)
{
	pfring *ring = zc_ring_of(queue);

	if (!ring)
		return -errno;
	errno = 0;
	return zc_ring_result(pfring_get_device_clock(ring, ts));
}

ZC_API int pfring_zc_set_device_clock(pfring_zc_queue *queue, struct timespec *ts)
{
	pfring *ring = zc_ring_of(queue);

	if (!ring)
		return -errno;
	errno = 0;
	return zc_ring_result(pfring_set_device_clock(ring, ts));
}

ZC_API int pfring_zc_adjust_device_clock(pfring_zc_queue *queue, struct timespec *offset,
					 int8_t sign)
{
	pfring *ring = zc_ring_of(queue);

	if (!ring)
		return -errno;
	errno = 0;
	return zc_ring_result(pfring_adjust_device_clock(ring, offset, sign));
}

/* Mbit/s of a device queue's link; 0 when unknown (no device, link down) */
ZC_API u_int32_t pfring_zc_get_queue_speed(pfring_zc_queue *queue)
{
	pfring *ring = zc_ring_of(queue);

	return ring ? pfring_get_interface_speed(ring) : 0;
}

/* A send, then the time it returned (software: no device here stamps its transmissions) */
ZC_API int pfring_zc_send_pkt_get_time(pfring_zc_queue *queue, pfring_zc_pkt_buff **pkt_handle,
				       u_int8_t flush_packet, struct timespec *ts)
{
	int rc = pfring_zc_send_pkt(queue, pkt_handle, flush_packet);

	if (rc >= 0 && ts)
		clock_gettime(CLOCK_REALTIME, ts);
	return rc;
}

ZC_API int pfring_zc_set_device_app_name(pfring_zc_queue *queue, const char *name)
{
	pfring *ring = zc_ring_of(queue);
	char copy[ZC_APP_NAME_LEN];

	if (!ring)
		return -errno;
	if (!name || strlen(name) >= sizeof(copy))
		return zc_fail(EINVAL);
	strcpy(copy, name);
	errno = 0;
	return zc_ring_result(pfring_set_application_name(ring, copy));
}

ZC_API int pfring_zc_set_device_proc_stats(pfring_zc_queue *queue, const char *stats)
{
	pfring *ring = zc_ring_of(queue);
	char *copy;
	int rc;

	if (!ring)
		return -errno;
	if (!stats)
		return zc_fail(EINVAL);
	copy = strdup(stats);
	if (!copy)
		return zc_fail(ENOMEM);
	errno = 0;
	rc = pfring_set_application_stats(ring, copy);
	free(copy);
	return zc_ring_result(rc);
}

/*
 * The cluster's application name: given to every device it has open, and to those it
 * opens later (pfring_zc_open_device()).
 */
ZC_API int pfring_zc_set_app_name(pfring_zc_cluster *cluster, const char *name)
{
	struct zc_cluster *c = cluster;
	struct zc_queue *q;
	int rc = 0;

	if (!c || !name || strlen(name) >= sizeof(c->app_name))
		return zc_fail(EINVAL);
	zc_lock(c);
	strcpy(c->app_name, name);
	for (q = c->backends; q; q = q->backend_next)
		if (q->ops->ring && rc == 0)
			rc = pfring_zc_set_device_app_name(q, name);
	zc_unlock(c);
	return rc;
}

/*
 * The cluster's statistics line: written where its first open device's ring keeps its
 * statistics (/proc/net/pf_ring/stats/); ENODEV when it has no device open.
 */
ZC_API int pfring_zc_set_proc_stats(pfring_zc_cluster *cluster, char *stats)
{
	struct zc_cluster *c = cluster;
	struct zc_queue *q, *dev = NULL;
	int rc;

	if (!c || !stats)
		return zc_fail(EINVAL);
	zc_lock(c);		/* the device stays open while it is written to */
	for (q = c->backends; q; q = q->backend_next)
		if (q->ops->ring)
			dev = q;	/* the list is newest first: the last is the first opened */
	rc = dev ? pfring_zc_set_device_proc_stats(dev, stats) : zc_fail(ENODEV);
	zc_unlock(c);
	return rc;
}

/*
 * RSS indirection of a device queue's interface: cell i of the device's table takes
 * indir_table[i % 128] (today's call passes 128 cells).  Through ethtool; errno says why
 * when the device has no such table (EOPNOTSUPP) or the queue is no device's.
 */
ZC_API void pfring_zc_set_rxfh_indir(pfring_zc_queue *queue, u_int8_t *indir_table)
{
	struct zc_queue *q = queue;
	struct ethtool_rxfh_indir query = { .cmd = ETHTOOL_GRXFHINDIR }, *set;
	unsigned int ifindex;
	struct ifreq ifr;
	int fd, err = 0;

	if (!zc_ring_of(queue))
		return;
	ifindex = q->ops->ifindex ? q->ops->ifindex(q) : 0;
	memset(&ifr, 0, sizeof(ifr));
	if (!indir_table || !ifindex || !if_indextoname(ifindex, ifr.ifr_name)) {
		errno = EINVAL;		/* a table, and a device of one interface */
		return;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	ifr.ifr_data = (void *)&query;
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0) {
		err = errno;
	} else if (query.size == 0) {
		err = EOPNOTSUPP;
	} else {
		set = calloc(1, sizeof(*set) + query.size * sizeof(set->ring_index[0]));
		if (!set) {
			err = ENOMEM;
		} else {
			set->cmd = ETHTOOL_SRXFHINDIR;
			set->size = query.size;
			for (u_int32_t i = 0; i < query.size; i++)
				set->ring_index[i] = indir_table[i % ZC_RXFH_CELLS];
			ifr.ifr_data = (void *)set;
			if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
				err = errno;
			free(set);
		}
	}
	close(fd);
	errno = err;
}

/* ---- NUMA ---------------------------------------------------------------------------- */

/* The NUMA node of a CPU (its cpuN/nodeM entry in sysfs), -1 if unknown */
ZC_API int pfring_zc_numa_get_cpu_node(int core_id)
{
	char path[64];
	struct dirent *e;
	int node = -1;
	DIR *d;

	if (core_id < 0) {
		errno = EINVAL;
		return -1;
	}
	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d", core_id);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "node", 4) && e->d_name[4] >= '0' && e->d_name[4] <= '9') {
			node = atoi(e->d_name + 4);
			break;
		}
	closedir(d);
	return node;
}

/*
 * The calling thread's memory from node_id first (MPOL_PREFERRED: other nodes when it
 * has none left), as clusters and pools created next by this thread take it.  -1 for the
 * default policy again.
 */
ZC_API int pfring_zc_numa_set_numa_affinity(int node_id)
{
	unsigned long mask[ZC_NODE_MASK_LONGS], maxnode;

	if (node_id < -1 || node_id > ZC_MAX_NUMA_NODE)
		return zc_fail(EINVAL);
	if (node_id == -1)
		return syscall(SYS_set_mempolicy, 0 /* MPOL_DEFAULT */, NULL, 0UL) < 0 ?
		       -errno : 0;
	maxnode = zc_node_mask(mask, node_id);
	if (syscall(SYS_set_mempolicy, ZC_MPOL_PREFERRED, mask, maxnode) < 0)
		return -errno;
	return 0;
}

/* ---- what is not here ------------------------------------------------------------------ */

/* No debug output to turn on: errors are always reported (errno, and stderr where set up) */
ZC_API void pfring_zc_debug(void)
{
}

ZC_API int pfring_zc_vm_register(pfring_zc_cluster *cluster, const char *vm_monitor_socket_path)
{
	(void)cluster;
	(void)vm_monitor_socket_path;
	return zc_fail(EOPNOTSUPP);
}

ZC_API int pfring_zc_vm_backend_enable(pfring_zc_cluster *cluster)
{
	(void)cluster;
	return zc_fail(EOPNOTSUPP);
}

ZC_API void pfring_zc_vm_guest_init(const char *uio_device)
{
	(void)uio_device;
	errno = EOPNOTSUPP;
}
