// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * zc_device_api.c - pfring_zc_open_device()'s refusals on the host, where pf_ring.ko is
 * not loaded: each bad input gives NULL with its own errno (EINVAL, ENODEV, EOPNOTSUPP,
 * and libpfring's EAFNOSUPPORT for a real interface without the module), no buffer of the
 * cluster is lost to a failed open, pfring_zc_close_device() refuses what is not a
 * device, and the queue-id macros of devices.  Traffic through devices is tested in the
 * lab (tests/lab/test_zc_device.py).
 *
 *   zc_device_api IFNAME    IFNAME: an interface that exists (lo); prints each failure,
 *                           "module=absent" or "module=loaded", and "N failures"
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pfring_zc.h>
#include "zc_check.h"
#include "zc_test_id.h"

/* open_device(...) gives NULL with exactly errno e */
static const char *show(const char *s)
{
	return s ? s : "NULL";
}

#define CHECK_OPEN_ERRNO(zc, name, mode, flags, e) do {				\
	errno = 0;								\
	pfring_zc_queue *q_ = pfring_zc_open_device(zc, name, mode, flags);	\
	if (q_ != NULL || errno != (e)) {					\
		failures++;							\
		printf("FAIL %s:%d: open_device(%s, %d, 0x%x): %p errno %d, want %d\n", \
		       __FILE__, __LINE__, show(name), (int)(mode), (unsigned)(flags), \
		       (void *)q_, errno, (e));					\
		if (q_)								\
			pfring_zc_close_device(q_);				\
	}									\
} while (0)

static int count_free(pfring_zc_cluster *zc, int max)
{
	pfring_zc_pkt_buff **h = calloc((size_t)max + 1, sizeof(*h));
	int n = 0, i;

	while (n <= max && (h[n] = pfring_zc_get_packet_handle(zc)) != NULL)
		n++;
	for (i = 0; i < n; i++)
		pfring_zc_release_packet_handle(zc, h[i]);
	free(h);
	return n;
}

int main(int argc, char **argv)
{
	const u_int32_t nohuge = PF_RING_ZC_CLUSTER_NO_HUGEPAGES;
	int module = access("/proc/net/pf_ring", F_OK) == 0;
	pfring_zc_cluster *zc;
	pfring_zc_queue *spsc;
	pfring_zc_pkt_buff *h;
	char name[64];
	int before;

	if (argc != 2) {
		fprintf(stderr, "usage: %s IFNAME\n", argv[0]);
		return 2;
	}
	zc = pfring_zc_create_cluster(ZC_TEST_ID(7), 1536, 0, 64, -1, NULL, nohuge);
	if (!zc) {
		printf("cluster: %s\n", strerror(errno));
		return 1;
	}
	spsc = pfring_zc_create_queue(zc, 8);
	CHECK(spsc != NULL);
	before = count_free(zc, 64);
	CHECK(before == 64 - 8);

	/* arguments */
	CHECK_OPEN_ERRNO(NULL, argv[1], rx_only, 0, EINVAL);
	CHECK_OPEN_ERRNO(zc, NULL, rx_only, 0, EINVAL);
	CHECK_OPEN_ERRNO(zc, "", rx_only, 0, EINVAL);
	CHECK_OPEN_ERRNO(zc, argv[1], (pfring_zc_queue_mode)7, 0, EINVAL);
	CHECK_OPEN_ERRNO(zc, argv[1], rx_only, 1u << 20, EINVAL);	/* no such flag */
	CHECK_OPEN_ERRNO(zc, ",", rx_only, 0, EINVAL);			/* an empty list */

	/* no such interface: ENODEV, before any socket is opened (module or not) */
	CHECK_OPEN_ERRNO(zc, "nosuchdev0", rx_only, 0, ENODEV);
	CHECK_OPEN_ERRNO(zc, "nosuchdev0", tx_only, 0, ENODEV);
	CHECK_OPEN_ERRNO(zc, "nosuchdev0@1", rx_only, 0, ENODEV);
	CHECK_OPEN_ERRNO(zc, "nosuchdev0", management_only, 0, ENODEV);
	snprintf(name, sizeof(name), "%s,nosuchdev0", argv[1]);
	CHECK_OPEN_ERRNO(zc, name, rx_only, 0, ENODEV);
	CHECK_OPEN_ERRNO(zc, "stack:nosuchdev0", tx_only, 0, ENODEV);
	CHECK_OPEN_ERRNO(zc, "averyveryverylongname0", rx_only, 0, ENODEV);	/* > IFNAMSIZ */

	/* what one-copy devices do not do */
	snprintf(name, sizeof(name), "zc:%s", argv[1]);
	CHECK_OPEN_ERRNO(zc, name, rx_only, 0, EOPNOTSUPP);
	CHECK_OPEN_ERRNO(zc, argv[1], rx_only, PF_RING_ZC_DEVICE_IXIA_TIMESTAMP, EOPNOTSUPP);
	CHECK_OPEN_ERRNO(zc, argv[1], rx_only, PF_RING_ZC_DO_NOT_STRIP_FCS, EOPNOTSUPP);
	CHECK_OPEN_ERRNO(zc, argv[1], rx_only, PF_RING_ZC_DEVICE_ARISTA_TIMESTAMP, EOPNOTSUPP);
	snprintf(name, sizeof(name), "stack:%s", argv[1]);
	CHECK_OPEN_ERRNO(zc, name, rx_only, 0, EOPNOTSUPP);	/* injection only sends */
	CHECK_OPEN_ERRNO(zc, name, management_only, 0, EOPNOTSUPP);
	snprintf(name, sizeof(name), "stack:%s,%s", argv[1], argv[1]);
	CHECK_OPEN_ERRNO(zc, name, tx_only, 0, EINVAL);		/* one whole device */
	snprintf(name, sizeof(name), "stack:%s@0", argv[1]);
	CHECK_OPEN_ERRNO(zc, name, tx_only, 0, EINVAL);
	CHECK_OPEN_ERRNO(zc, "any", tx_only, 0, EINVAL);		/* TX: one device */
	snprintf(name, sizeof(name), "%s,%s", argv[1], argv[1]);
	CHECK_OPEN_ERRNO(zc, name, tx_only, 0, EINVAL);

	/* a real interface without pf_ring.ko: libpfring's errno */
	if (!module) {
		printf("module=absent\n");
		CHECK_OPEN_ERRNO(zc, argv[1], rx_only, 0, EAFNOSUPPORT);
		CHECK_OPEN_ERRNO(zc, argv[1], tx_only, PF_RING_ZC_DEVICE_NOT_PROMISC, EAFNOSUPPORT);
		snprintf(name, sizeof(name), "stack:%s", argv[1]);
		CHECK_OPEN_ERRNO(zc, name, tx_only, 0, EAFNOSUPPORT);
		CHECK_OPEN_ERRNO(zc, "any", rx_only, 0, EAFNOSUPPORT);
	} else {
		printf("module=loaded\n");
	}

	/* failed opens took no buffer */
	CHECK(count_free(zc, 64) == before);

	/* close_device(): devices only; the SPSC queue still works after */
	errno = 0;
	pfring_zc_close_device(NULL);
	CHECK(errno == EINVAL);
	errno = 0;
	pfring_zc_close_device(spsc);
	CHECK(errno == EINVAL);
	h = pfring_zc_get_packet_handle(zc);
	CHECK(h != NULL);
	if (h) {
		h->len = 60;
		CHECK(pfring_zc_send_pkt(spsc, &h, 1) == 60);
		CHECK(pfring_zc_recv_pkt(spsc, &h, 0) == 1 && h->len == 60);
		pfring_zc_release_packet_handle(zc, h);
	}

	/* device queue ids */
	CHECK(QUEUE_IS_DEVICE(IFINDEX_TO_QUEUEID(1u)));
	CHECK(QUEUEID_TO_IFINDEX(IFINDEX_TO_QUEUEID(7u)) == 7u);
	CHECK(!QUEUE_IS_DEVICE(pfring_zc_get_queue_id(spsc)));
	CHECK(!QUEUE_IS_DEVICE(255u));

	pfring_zc_destroy_cluster(zc);
	printf("%d failures\n", failures);
	return failures ? 1 : 0;
}
