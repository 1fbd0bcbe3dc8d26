// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * zc_device.c - one-copy devices: a network device as a queue of the cluster, through a
 * standard PF_RING socket (libpfring, pf_ring.ko), whatever its driver.
 *
 * A device is a backend queue (zc_priv.h, "Queue backends"): the public queue calls hand
 * it to the ops below.  RX copies each packet once, from the kernel ring straight into
 * the caller's buffer (pfring_recv() with a buffer: the ring slot goes back at once); TX
 * gives the buffer's data to libpfring's send path, which batches frames into one
 * send() per flush.  Kernel-bypass ("zc:") devices will be another backend.
 *
 * Threads: one thread receives (or sends) on a device, as on an SPSC queue's side.
 * pfring_zc_queue_breakloop() and pfring_zc_stats() may come from any thread: breakloop
 * is a flag plus an eventfd that the blocked receiver polls beside the socket, and the
 * TX counters have one writer (relaxed atomics, read by stats).
 */
#include <net/if.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "pfring.h"
#include "zc_priv.h"

#define ZC_DEV_STACK_PREFIX	"stack:"
#define ZC_DEV_WAIT_MS		1000	/* a blocked receive looks again at least this often */

/* Flags with an effect, or none to have here (pfring_zc.h), and those refused. */
#define ZC_DEV_FLAGS_ACCEPTED                                                          \
	(PF_RING_ZC_DEVICE_ASYMMETRIC_RSS | PF_RING_ZC_DEVICE_FIXED_RSS_Q_0 |          \
	 PF_RING_ZC_DEVICE_SW_TIMESTAMP | PF_RING_ZC_DEVICE_HW_TIMESTAMP |             \
	 PF_RING_ZC_DEVICE_STRIP_HW_TIMESTAMP | PF_RING_ZC_DEVICE_NOT_REPROGRAM_RSS |  \
	 PF_RING_ZC_DEVICE_CAPTURE_TX | PF_RING_ZC_DEVICE_IPONLY_RSS |                 \
	 PF_RING_ZC_DEVICE_NOT_PROMISC | PF_RING_ZC_DEVICE_CAPTURE_INJECTED)
#define ZC_DEV_FLAGS_REFUSED                                                           \
	(PF_RING_ZC_DEVICE_IXIA_TIMESTAMP | PF_RING_ZC_DO_NOT_STRIP_FCS |              \
	 PF_RING_ZC_DEVICE_ARISTA_TIMESTAMP)

struct zc_device {
	struct zc_queue q;		/* first: the handle the API sees */
	pfring *ring;
	pfring_zc_queue_mode mode;
	u_int32_t queue_id;		/* IFINDEX_TO_QUEUEID(ifindex), or UNDEFINED_QUEUEID */
	unsigned int ifindex;		/* its one interface; 0 for a list of several */
	u_int32_t buffer_len;		/* the most a packet copied in may take */
	int wake_fd;			/* eventfd: breakloop wakes a blocked receive */
	/* set by any thread (breakloop), taken by the receiver in zc_dev_wait() */
	_Atomic int breakloop;
	/* TX: written by the sending thread only, read by stats (relaxed) */
	_Atomic u_int64_t tx_sent;
	_Atomic u_int64_t tx_drop;
};

static inline struct zc_device *zc_dev(struct zc_queue *q)
{
	return (struct zc_device *)q;
}

/* One writer: a relaxed load and store, no read-modify-write */
static inline void zc_dev_count(_Atomic u_int64_t *c, u_int64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

/* libpfring's failure as -errno (it sets errno; a code without one is EIO) */
static int zc_dev_ring_err(void)
{
	return zc_fail(errno ? errno : EIO);
}

/* ---- RX ---------------------------------------------------------------------------- */

/*
 * Sleep until the socket may have a packet: 1, or 0 when pfring_zc_queue_breakloop()
 * was called (the request is taken), or < 0 on an error (the device went away).
 */
static int zc_dev_wait(struct zc_device *d)
{
	struct pollfd fds[2] = {
		{ .fd = pfring_get_selectable_fd(d->ring), .events = POLLIN },
		{ .fd = d->wake_fd, .events = POLLIN },
	};
	uint64_t drain;
	int rc;

	/*
	 * breakloop stores the flag, then writes the eventfd: either we see the flag here,
	 * or poll() sees the eventfd readable.  Either way no request is lost.
	 */
	if (atomic_exchange_explicit(&d->breakloop, 0, memory_order_acquire))
		return 0;
	rc = poll(fds, 2, ZC_DEV_WAIT_MS);
	if (rc < 0 && errno != EINTR)
		return zc_fail(errno);
	if (rc > 0 && (fds[1].revents & POLLIN)) {
		while (read(d->wake_fd, &drain, sizeof(drain)) > 0)
			;
	}
	if (atomic_exchange_explicit(&d->breakloop, 0, memory_order_acquire))
		return 0;
	if (rc > 0 && (fds[0].revents & (POLLERR | POLLNVAL)))
		return zc_fail(ENETDOWN);
	return 1;
}

/* The data of h from the start of its head room's default place */
static inline u_char *zc_dev_reset_data(pfring_zc_pkt_buff *h)
{
	struct zc_buf_hdr *bh = zc_buf_hdr(h);

	bh->data_off = (uint16_t)(bh->data_min + PF_RING_ZC_BUFFER_HEAD_ROOM);
	return (u_char *)h + bh->data_off;
}

/* One packet into h (the one copy): 1, 0 when none waits, < 0 on an error */
static inline int zc_dev_recv_one(struct zc_device *d, pfring_zc_pkt_buff *h)
{
	struct pfring_pkthdr hdr;
	u_char *data = zc_dev_reset_data(h);
	int rc = pfring_recv(d->ring, &data, d->buffer_len, &hdr, 0);

	if (rc <= 0)
		return rc < 0 ? zc_dev_ring_err() : 0;
	h->len = (u_int16_t)hdr.caplen;		/* <= buffer_len < 65536 */
	h->flags = 0;
	h->hash = hdr.extended_hdr.pkt_hash;
	h->ts.tv_sec = (u_int32_t)(hdr.extended_hdr.timestamp_ns / 1000000000ULL);
	h->ts.tv_nsec = (u_int32_t)(hdr.extended_hdr.timestamp_ns % 1000000000ULL);
	return 1;
}

static int zc_dev_recv_pkt(struct zc_queue *q, pfring_zc_pkt_buff **ph, u_int8_t wait)
{
	struct zc_device *d = zc_dev(q);
	int rc;

	if (d->mode != rx_only)
		return zc_fail(EOPNOTSUPP);
	for (;;) {
		rc = zc_dev_recv_one(d, *ph);
		if (rc != 0 || !wait)
			return rc;
		rc = zc_dev_wait(d);
		if (rc <= 0)
			return rc;
	}
}

static int zc_dev_recv_pkt_burst(struct zc_queue *q, pfring_zc_pkt_buff **ph, u_int32_t n,
				 u_int8_t wait)
{
	struct zc_device *d = zc_dev(q);
	u_int32_t i = 0;
	int rc = 0;

	if (d->mode != rx_only)
		return zc_fail(EOPNOTSUPP);
	for (;;) {
		while (i < n && (rc = zc_dev_recv_one(d, ph[i])) > 0)
			i++;
		if (i > 0)
			return (int)i;		/* an error after packets: the next call sees it */
		if (rc < 0 || !wait)
			return rc;
		rc = zc_dev_wait(d);
		if (rc <= 0)
			return rc;
	}
}

static int zc_dev_is_empty(struct zc_queue *q)
{
	struct zc_device *d = zc_dev(q);
	int rc;

	if (d->mode != rx_only)
		return zc_fail(EOPNOTSUPP);
	rc = pfring_is_pkt_available(d->ring);
	if (rc < 0)
		return zc_dev_ring_err();
	return !rc;
}

static void zc_dev_breakloop(struct zc_queue *q)
{
	struct zc_device *d = zc_dev(q);
	uint64_t one = 1;
	ssize_t n;

	/* Paired with the receiver's exchange in zc_dev_wait() */
	atomic_store_explicit(&d->breakloop, 1, memory_order_release);
	n = write(d->wake_fd, &one, sizeof(one));	/* async-signal-safe */
	(void)n;
}

/* ---- TX ---------------------------------------------------------------------------- */

static inline int zc_dev_send_one(struct zc_device *d, pfring_zc_pkt_buff *h, u_int8_t flush)
{
	u_char *data = (u_char *)h + zc_buf_hdr(h)->data_off;
	int rc = pfring_send(d->ring, (char *)data, h->len, flush);

	if (rc >= 0) {
		zc_dev_count(&d->tx_sent, 1);
		return h->len;
	}
	if (rc == PF_RING_ERROR_NO_TX_SLOT_AVAILABLE)
		zc_dev_count(&d->tx_drop, 1);
	return zc_dev_ring_err();
}

static int zc_dev_send_pkt(struct zc_queue *q, pfring_zc_pkt_buff **ph, u_int8_t flush)
{
	struct zc_device *d = zc_dev(q);

	if (d->mode != tx_only)
		return zc_fail(EOPNOTSUPP);
	return zc_dev_send_one(d, *ph, flush);
}

/*
 * The first packets the device takes: their number (0 when the first finds the device
 * queue full), or < 0 when the first fails otherwise.
 */
static int zc_dev_send_pkt_burst(struct zc_queue *q, pfring_zc_pkt_buff **ph, u_int32_t n,
				 u_int8_t flush)
{
	struct zc_device *d = zc_dev(q);
	u_int32_t i;
	int rc = 0;

	if (d->mode != tx_only)
		return zc_fail(EOPNOTSUPP);
	for (i = 0; i < n; i++) {
		rc = zc_dev_send_one(d, ph[i], 0);
		if (rc < 0)
			break;
	}
	if (i < n && rc == -EAGAIN)	/* the refused one is counted: the rest too */
		zc_dev_count(&d->tx_drop, n - i - 1);
	if (flush && i > 0)
		pfring_flush_tx_packets(d->ring);	/* its errors: on the next call */
	if (i == 0 && n > 0 && rc < 0 && rc != -EAGAIN)
		return rc;
	return (int)i;
}

static int zc_dev_is_full(struct zc_queue *q)
{
	struct zc_device *d = zc_dev(q);

	if (d->mode != tx_only)
		return zc_fail(EOPNOTSUPP);
	return 0;	/* the send path cannot tell before it tries */
}

/* ---- both ---------------------------------------------------------------------------- */

static void zc_dev_sync(struct zc_queue *q, pfring_zc_queue_mode direction)
{
	struct zc_device *d = zc_dev(q);

	if (direction == tx_only && d->mode == tx_only)
		pfring_flush_tx_packets(d->ring);
	else if (direction == rx_only && d->mode == rx_only)
		pfring_sync_indexes_with_kernel(d->ring);
	else
		errno = EOPNOTSUPP;
}

static int zc_dev_stats(struct zc_queue *q, pfring_zc_stat *stats)
{
	struct zc_device *d = zc_dev(q);
	pfring_stat st;

	memset(stats, 0, sizeof(*stats));
	if (d->mode == tx_only) {
		stats->sent = atomic_load_explicit(&d->tx_sent, memory_order_relaxed);
		stats->drop = atomic_load_explicit(&d->tx_drop, memory_order_relaxed);
		return 0;
	}
	if (pfring_stats(d->ring, &st) < 0)
		return zc_dev_ring_err();
	stats->recv = st.recv;
	stats->drop = st.drop;
	return 0;
}

static u_int32_t zc_dev_queue_id(struct zc_queue *q)
{
	return zc_dev(q)->queue_id;
}

static void zc_dev_close(struct zc_queue *q)
{
	struct zc_device *d = zc_dev(q);

	pfring_close(d->ring);		/* frames waiting to be sent go first */
	close(d->wake_fd);
	free(d);
}

static pfring *zc_dev_ring(struct zc_queue *q)
{
	return zc_dev(q)->ring;
}

static unsigned int zc_dev_ifindex(struct zc_queue *q)
{
	return zc_dev(q)->ifindex;
}

static const struct zc_queue_ops zc_device_ops = {
	.name = "pf_ring",
	.send_pkt = zc_dev_send_pkt,
	.send_pkt_burst = zc_dev_send_pkt_burst,
	.recv_pkt = zc_dev_recv_pkt,
	.recv_pkt_burst = zc_dev_recv_pkt_burst,
	.is_empty = zc_dev_is_empty,
	.is_full = zc_dev_is_full,
	.sync = zc_dev_sync,
	.breakloop = zc_dev_breakloop,
	.stats = zc_dev_stats,
	.queue_id = zc_dev_queue_id,
	.close = zc_dev_close,
	.ring = zc_dev_ring,
	.ifindex = zc_dev_ifindex,
};

/* ---- open / close ---------------------------------------------------------------------- */

/*
 * The interfaces of a device name ("ethX", "ethX@Q", "ethX,ethY@1-2", "any") exist:
 * 0, or ENODEV (EINVAL: an empty name in the list).  *first: the ifindex of the first
 * (0 for "any"); *count: how many there are ("any" counts 2: not one device).
 */
static int zc_dev_check_names(const char *name, unsigned int *first, unsigned int *count)
{
	size_t len = strcspn(name, "@");
	char *list = strndup(name, len), *save = NULL, *tok;
	int err = 0;

	if (!list)
		return ENOMEM;
	*first = 0;
	*count = 0;
	for (tok = strtok_r(list, ",", &save); tok && !err; tok = strtok_r(NULL, ",", &save)) {
		unsigned int idx;

		if (!strcmp(tok, "any")) {
			*count += 2;
			continue;
		}
		idx = strlen(tok) < IFNAMSIZ ? if_nametoindex(tok) : 0;
		if (!idx)
			err = ENODEV;
		else if ((*count)++ == 0)
			*first = idx;
	}
	if (!err && *count == 0)
		err = EINVAL;
	free(list);
	return err;
}

/* The socket, set up for the mode and enabled: 0, or an errno */
static int zc_dev_open_ring(struct zc_device *d, const char *name, int stack, u_int32_t flags)
{
	/* a socket that does not receive keeps a small ring (it is mapped all the same) */
	u_int32_t caplen = d->mode == rx_only ? d->buffer_len : 64, rflags = 0;
	int err;

	if (d->mode == rx_only && !(flags & PF_RING_ZC_DEVICE_NOT_PROMISC))
		rflags |= PF_RING_PROMISC;
	d->ring = pfring_open(name, caplen, rflags);
	if (!d->ring)
		return errno ? errno : EIO;
	pfring_set_application_name(d->ring, (char *)"pfring_zc");
	if (stack)
		return pfring_enable_ring(d->ring) < 0 ? errno : 0;	/* send-only already */
	switch (d->mode) {
	case rx_only:
		if (pfring_set_socket_mode(d->ring, recv_only_mode) < 0 ||
		    pfring_set_direction(d->ring, (flags & PF_RING_ZC_DEVICE_CAPTURE_TX) ?
					 rx_and_tx_direction : rx_only_direction) < 0)
			goto fail;
		break;
	case tx_only:
		if (pfring_set_socket_mode(d->ring, send_only_mode) < 0)
			goto fail;
		break;
	default:
		return 0;	/* management_only: bound, not enabled */
	}
	if (pfring_enable_ring(d->ring) < 0)
		goto fail;
	return 0;
fail:
	err = errno ? errno : EIO;
	pfring_close(d->ring);
	d->ring = NULL;
	return err;
}

ZC_API pfring_zc_queue *pfring_zc_open_device(pfring_zc_cluster *cluster, const char *device_name,
					      pfring_zc_queue_mode queue_mode, u_int32_t flags)
{
	struct zc_cluster *c = cluster;
	struct zc_device *d;
	const char *dev;
	unsigned int ifindex, count;
	int stack, err;

	if (!c || !device_name || !*device_name ||
	    (queue_mode != rx_only && queue_mode != tx_only && queue_mode != management_only) ||
	    (flags & ~(ZC_DEV_FLAGS_ACCEPTED | ZC_DEV_FLAGS_REFUSED))) {
		errno = EINVAL;
		return NULL;
	}
	if (!strncmp(device_name, "zc:", 3)) {
		fprintf(stderr, "pfring_zc: %s: kernel-bypass (zc:) devices are not available yet; "
			"open %s for a one-copy device through pf_ring.ko\n", device_name,
			device_name + 3);
		errno = EOPNOTSUPP;
		return NULL;
	}
	if (flags & ZC_DEV_FLAGS_REFUSED) {
		fprintf(stderr, "pfring_zc: %s: flags 0x%x (hardware timestamp trailers, FCS) are "
			"not supported on one-copy devices\n", device_name,
			flags & ZC_DEV_FLAGS_REFUSED);
		errno = EOPNOTSUPP;
		return NULL;
	}
	stack = !strncmp(device_name, ZC_DEV_STACK_PREFIX, strlen(ZC_DEV_STACK_PREFIX));
	dev = stack ? device_name + strlen(ZC_DEV_STACK_PREFIX) : device_name;
	if (stack && queue_mode != tx_only) {
		errno = EOPNOTSUPP;	/* stack injection only sends */
		return NULL;
	}
	if (stack && (!*dev || strpbrk(dev, ",@:"))) {
		errno = EINVAL;		/* one whole device */
		return NULL;
	}
	err = zc_dev_check_names(dev, &ifindex, &count);
	if (!err && count > 1 && queue_mode == tx_only)
		err = EINVAL;		/* a frame goes out of one device */
	if (err) {
		errno = err;
		return NULL;
	}

	d = aligned_alloc(ZC_CACHELINE, sizeof(*d));
	if (!d) {
		errno = ENOMEM;
		return NULL;
	}
	memset(d, 0, sizeof(*d));
	d->q.cluster = c;
	d->q.ops = &zc_device_ops;
	d->q.stride = c->hdr->buf_stride;
	d->q.buffers = c->base + c->hdr->buffers_off;
	d->mode = queue_mode;
	d->queue_id = count == 1 ? IFINDEX_TO_QUEUEID(ifindex) : UNDEFINED_QUEUEID;
	d->ifindex = count == 1 ? ifindex : 0;
	d->buffer_len = c->hdr->buffer_len > 0xffff ? 0xffff : c->hdr->buffer_len;
	atomic_init(&d->q.breakloop, 0);
	atomic_init(&d->breakloop, 0);
	atomic_init(&d->tx_sent, 0);
	atomic_init(&d->tx_drop, 0);
	d->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->wake_fd < 0) {
		err = errno;
		free(d);
		errno = err;
		return NULL;
	}
	err = zc_dev_open_ring(d, device_name, stack, flags);
	if (err) {
		close(d->wake_fd);
		free(d);
		errno = err;
		return NULL;
	}
	zc_backend_add(c, &d->q);
	zc_lock(c);
	if (c->app_name[0])
		pfring_zc_set_device_app_name(&d->q, c->app_name);	/* best effort */
	zc_unlock(c);
	return &d->q;
}

ZC_API void pfring_zc_close_device(pfring_zc_queue *queue)
{
	struct zc_queue *q = queue;

	if (!q || q->ops != &zc_device_ops || !zc_backend_remove(q->cluster, q)) {
		errno = EINVAL;
		return;
	}
	q->ops->close(q);
}
