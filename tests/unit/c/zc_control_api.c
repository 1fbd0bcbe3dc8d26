// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * zc_control_api.c - the calls of today's API beyond queues and workers, where no device
 * is needed (the device side is tests/lab/test_zc_device.py's): on an SPSC queue the
 * device calls fail with EOPNOTSUPP (a NULL queue with EINVAL), a send returns its time,
 * the cluster's name and statistics, the NUMA helpers against sysfs and get_mempolicy(2),
 * and the VM calls that are not here.
 *
 *   zc_control_api NODE [huge]   NODE: CPU 0's NUMA node as sysfs says (-1 if none);
 *                                prints each failure and "N failures".  The cluster bound
 *                                to NODE (numa_node_id) is on hugepages with huge, else
 *                                on normal pages.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <pfring_zc.h>
#include "zc_check.h"
#include "zc_test_id.h"

#define MPOL_DEFAULT_	0
#define MPOL_PREFERRED_	1

/* an int call's result is -e with errno e */
#define CHECK_ERR(expr, e) do {							\
	errno = 0;								\
	int r_ = (expr);							\
	CHECK(r_ == -(e) && errno == (e));					\
} while (0)

static int policy(unsigned long *nodes)
{
	int mode = -1;

	*nodes = 0;
	if (syscall(SYS_get_mempolicy, &mode, nodes, 8 * sizeof(*nodes), NULL, 0UL) < 0)
		return -1;
	return mode;
}

static void check_device_calls_on_a_queue(pfring_zc_queue *q)
{
	struct timespec ts = { 0 };
	u_int8_t table[128] = { 0 };

	CHECK_ERR(pfring_zc_set_bpf_filter(q, "udp"), EOPNOTSUPP);
	CHECK_ERR(pfring_zc_remove_bpf_filter(q), EOPNOTSUPP);
	CHECK_ERR(pfring_zc_add_hw_rule(q, NULL), EOPNOTSUPP);
	CHECK_ERR(pfring_zc_remove_hw_rule(q, 1), EOPNOTSUPP);
	CHECK_ERR(pfring_zc_get_device_clock(q, &ts), EOPNOTSUPP);
	CHECK_ERR(pfring_zc_set_device_clock(q, &ts), EOPNOTSUPP);
	CHECK_ERR(pfring_zc_adjust_device_clock(q, &ts, 1), EOPNOTSUPP);
	CHECK_ERR(pfring_zc_set_device_app_name(q, "x"), EOPNOTSUPP);
	CHECK_ERR(pfring_zc_set_device_proc_stats(q, "x"), EOPNOTSUPP);
	errno = 0;
	CHECK(pfring_zc_get_queue_speed(q) == 0 && errno == EOPNOTSUPP);
	errno = 0;
	pfring_zc_set_rxfh_indir(q, table);
	CHECK(errno == EOPNOTSUPP);
	/* no queue at all */
	CHECK_ERR(pfring_zc_set_bpf_filter(NULL, "udp"), EINVAL);
	CHECK_ERR(pfring_zc_get_device_clock(NULL, &ts), EINVAL);
	errno = 0;
	CHECK(pfring_zc_get_queue_speed(NULL) == 0 && errno == EINVAL);
}

static void check_send_get_time(pfring_zc_cluster *zc, pfring_zc_queue *q)
{
	pfring_zc_pkt_buff *h = pfring_zc_get_packet_handle(zc), *r = pfring_zc_get_packet_handle(zc);
	struct timespec before, at = { 0 }, after;

	CHECK(h && r);
	if (!h || !r)
		return;
	h->len = 60;
	clock_gettime(CLOCK_REALTIME, &before);
	CHECK(pfring_zc_send_pkt_get_time(q, &h, 1, &at) == 60);
	clock_gettime(CLOCK_REALTIME, &after);
	CHECK((at.tv_sec > before.tv_sec ||
	       (at.tv_sec == before.tv_sec && at.tv_nsec >= before.tv_nsec)) &&
	      (at.tv_sec < after.tv_sec ||
	       (at.tv_sec == after.tv_sec && at.tv_nsec <= after.tv_nsec)));
	CHECK(pfring_zc_recv_pkt(q, &r, 0) == 1 && r->len == 60);
	/* a full queue: the send's error, and *ts left alone */
	at.tv_sec = 7;
	while (pfring_zc_send_pkt(q, &h, 1) >= 0)
		;
	CHECK(pfring_zc_send_pkt_get_time(q, &h, 1, &at) == -EAGAIN && at.tv_sec == 7);
	pfring_zc_release_packet_handle(zc, h);
	pfring_zc_release_packet_handle(zc, r);
}

static void check_cluster_calls(pfring_zc_cluster *zc)
{
	char name[80];

	CHECK(pfring_zc_set_app_name(zc, "zc-control-test") == 0);
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	CHECK_ERR(pfring_zc_set_app_name(zc, name), EINVAL);
	CHECK_ERR(pfring_zc_set_app_name(NULL, "x"), EINVAL);
	CHECK_ERR(pfring_zc_set_proc_stats(zc, "rx 1"), ENODEV);	/* no device open */
	CHECK_ERR(pfring_zc_set_proc_stats(NULL, "rx 1"), EINVAL);
	CHECK_ERR(pfring_zc_vm_register(zc, "/tmp/qemu.sock"), EOPNOTSUPP);
	CHECK_ERR(pfring_zc_vm_backend_enable(zc), EOPNOTSUPP);
	errno = 0;
	pfring_zc_vm_guest_init("/dev/uio0");
	CHECK(errno == EOPNOTSUPP);
	pfring_zc_debug();
}

/* The line of /proc/self/numa_maps for the mapping at base, into line; 0 if found */
static int numa_maps_line(const void *base, char *line, size_t len)
{
	char want[32];
	FILE *f = fopen("/proc/self/numa_maps", "r");
	int found = -1;

	if (!f)
		return -1;
	snprintf(want, sizeof(want), "%lx ", (unsigned long)base);
	while (found && fgets(line, (int)len, f))
		found = strncmp(line, want, strlen(want)) ? -1 : 0;
	fclose(f);
	return found;
}

/* numa_node_id binds the cluster's pages to that node; a node the machine has not: EINVAL */
static void check_numa_cluster(int node0, u_int32_t flags)
{
	pfring_zc_cluster_mem_info mem = { 0 };
	pfring_zc_cluster *zc;
	char line[1024], bind[32];

	if (node0 >= 0) {
		zc = pfring_zc_create_cluster(ZC_TEST_ID(41), 1536, 0, 1024, node0, NULL, flags);
		CHECK(zc != NULL);
		if (zc) {
			CHECK(pfring_zc_get_memory_info(zc, &mem) == 0);
			CHECK(numa_maps_line(mem.base_addr, line, sizeof(line)) == 0);
			snprintf(bind, sizeof(bind), " bind:%d ", node0);
			CHECK(strstr(line, bind) != NULL);
			if (!strstr(line, bind))
				printf("numa_maps: %s", line);
			pfring_zc_destroy_cluster(zc);
		}
	}
	CHECK_NULL_ERRNO(pfring_zc_create_cluster(ZC_TEST_ID(41), 1536, 0, 1024, 1023, NULL, flags),
			 EINVAL);	/* no machine here has node 1023 */
	CHECK_NULL_ERRNO(pfring_zc_create_cluster(ZC_TEST_ID(41), 1536, 0, 1024, 1024, NULL, flags),
			 EINVAL);
	/* the id is free again after the failures */
	zc = pfring_zc_create_cluster(ZC_TEST_ID(41), 1536, 0, 1024, -1, NULL, flags);
	CHECK(zc != NULL);
	if (zc)
		pfring_zc_destroy_cluster(zc);
}

static void check_numa(int node0)
{
	unsigned long nodes;

	CHECK(pfring_zc_numa_get_cpu_node(0) == node0);
	CHECK(pfring_zc_numa_get_cpu_node(1 << 20) == -1);
	CHECK(pfring_zc_numa_get_cpu_node(-1) == -1);
	if (node0 >= 0) {
		CHECK(pfring_zc_numa_set_numa_affinity(node0) == 0);
		CHECK(policy(&nodes) == MPOL_PREFERRED_ && nodes == 1UL << node0);
	}
	CHECK(pfring_zc_numa_set_numa_affinity(-1) == 0);
	CHECK(policy(&nodes) == MPOL_DEFAULT_);
	CHECK_ERR(pfring_zc_numa_set_numa_affinity(5000), EINVAL);
	CHECK_ERR(pfring_zc_numa_set_numa_affinity(-2), EINVAL);
}

int main(int argc, char **argv)
{
	pfring_zc_cluster *zc;
	pfring_zc_queue *q;

	if (argc < 2)
		return 2;
	zc = pfring_zc_create_cluster(ZC_TEST_ID(40), 1536, 0, 64, -1, NULL,
				      PF_RING_ZC_CLUSTER_NO_HUGEPAGES);
	q = zc ? pfring_zc_create_queue(zc, 8) : NULL;
	CHECK(zc && q);
	if (q) {
		check_device_calls_on_a_queue(q);
		check_send_get_time(zc, q);
		check_cluster_calls(zc);
	}
	check_numa(atoi(argv[1]));
	check_numa_cluster(atoi(argv[1]), argc > 2 && !strcmp(argv[2], "huge") ? 0 :
					  PF_RING_ZC_CLUSTER_NO_HUGEPAGES);
	if (zc)
		pfring_zc_destroy_cluster(zc);
	printf("%d failures\n", failures);
	return failures != 0;
}
