// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pfring_send.c - sending: pfring_send() and its relatives.
 *
 * A ring keeps the frames it is given in a buffer of its own, as the records the
 * kernel takes (linux/pf_ring.h, "Sending"), and hands them over in one call (one
 * sendmsg() for the kernel backend) when the tx watermark of frames wait
 * (pfring_set_tx_watermark(), TX_DEFAULT_WATERMARK by default), when a call asks for
 * a flush (flush_packet 1, pfring_flush_tx_packets(), pfring_send_get_time(),
 * pfring_send_last_rx_packet()), before a receive or pfring_poll() sleeps, and at
 * pfring_close(). A frame sent with flush_packet 0 may so wait in the buffer until one
 * of these comes.
 *
 * Results of pfring_send() and pfring_send_ifindex():
 *   pkt_len                             the frame was taken (sent, or waiting)
 *   PF_RING_ERROR_NO_TX_SLOT_AVAILABLE  it was not taken: the device's queue is full,
 *                                       and stays so (EAGAIN, ENOBUFS), or a signal
 *                                       came (EINTR); send it again
 *   PF_RING_ERROR_INVALID_ARGUMENT      a frame of the flush this call made was refused
 *                                       and dropped (EMSGSIZE: longer than the device's
 *                                       MTU allows; EINVAL; ENXIO: no such ifindex);
 *                                       the others went
 *   PF_RING_ERROR_WRONG_CONFIGURATION   the ring cannot send: EDESTADDRREQ (bound to
 *                                       no device, or "any", and no ifindex given),
 *                                       EBADF (recv_only_mode), ENODEV (its device is
 *                                       gone); the frames of the flush were dropped
 *   PF_RING_ERROR_GENERIC               ENETDOWN (the device is down) and other
 *                                       errors; the frames of the flush were dropped
 *   PF_RING_ERROR_RING_NOT_ENABLED      pfring_enable_ring() was not called
 * When a flush failed (the three above with the kernel's errno), the call's own frame
 * was taken (it went, or was the one refused): sending it again may send it twice,
 * whereas a frame refused by the checks before (a NULL or empty frame, EINVAL; more
 * than PF_RING_TX_MAX_LEN bytes, EMSGSIZE) was not taken. Errors of a flush come
 * back from the call that made it, whichever frame they were about; a flush before a
 * receive sleeps, or at pfring_close(), reports none. A refused frame is never tried
 * again. The state is behind its own mutex: one thread may send while another
 * receives on the ring.
 */
#include <limits.h>
#include <pthread.h>
#include <sys/socket.h>

#include "pfring_priv.h"

#define TX_DEFAULT_WATERMARK	64
#define TX_BUF_MIN		(64 * 1024)
#define TX_BUF_MAX		(1024 * 1024)	/* bytes of records waiting, at most */

struct pfring_tx {
	pthread_mutex_t lock;
	u_char *buf;		/* records, back to back */
	size_t len;		/* bytes used */
	size_t cap;
	u_int count;		/* records in buf */
	u_int watermark;	/* records that make a flush */
};

static struct pfring_tx *tx_new(void)
{
	struct pfring_tx *tx = calloc(1, sizeof(*tx));

	if (!tx)
		return NULL;
	if (pthread_mutex_init(&tx->lock, NULL) != 0) {
		free(tx);
		return NULL;
	}
	tx->watermark = TX_DEFAULT_WATERMARK;
	return tx;
}

static void tx_free(struct pfring_tx *tx)
{
	pthread_mutex_destroy(&tx->lock);
	free(tx->buf);
	free(tx);
}

/* The ring's TX state, made at its first use (two threads may race to make it). */
static struct pfring_tx *tx_of(pfring *ring)
{
	struct pfring_private *p = ring->priv;
	struct pfring_tx *tx = __atomic_load_n(&p->tx, __ATOMIC_ACQUIRE), *none = NULL;

	if (tx)
		return tx;
	tx = tx_new();
	if (!tx) {
		errno = ENOMEM;
		return NULL;
	}
	/* Paired with the load-acquire above: another thread sees the state whole */
	if (!__atomic_compare_exchange_n(&p->tx, &none, tx, 0, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		tx_free(tx);
		tx = none;
	}
	return tx;
}

static size_t tx_record_len(const u_char *rec)
{
	struct pf_ring_tx_hdr hdr;

	memcpy(&hdr, rec, sizeof(hdr));
	return PF_RING_TX_RECORD_LEN(hdr.len);
}

/* The records of buf[0 .. len - 1] */
static u_int tx_count(const u_char *buf, size_t len)
{
	size_t off = 0;
	u_int n = 0;

	while (off < len) {
		off += tx_record_len(buf + off);
		n++;
	}
	return n;
}

/* What an errno of the kernel's does to the records of a flush (see the top comment) */
enum tx_fate { TX_KEEP, TX_DROP_ONE, TX_DROP_ALL };

static enum tx_fate tx_fate(int err, int *code)
{
	switch (err) {
	case EAGAIN:
	case ENOBUFS:
	case EINTR:
		*code = PF_RING_ERROR_NO_TX_SLOT_AVAILABLE;
		return TX_KEEP;
	case EMSGSIZE:
	case EINVAL:
	case ENXIO:
		*code = PF_RING_ERROR_INVALID_ARGUMENT;
		return TX_DROP_ONE;
	case EDESTADDRREQ:
	case EBADF:
	case ENODEV:
		*code = PF_RING_ERROR_WRONG_CONFIGURATION;
		return TX_DROP_ALL;
	default:
		*code = PF_RING_ERROR_GENERIC;
		return TX_DROP_ALL;
	}
}

/*
 * Hand the buffer over; under tx->lock. 0, or the PF_RING error of the first failure
 * with errno set. Frames the kernel refused are gone; on a transient failure the
 * frames not sent stay, in order.
 */
static int tx_flush_locked(pfring *ring, struct pfring_tx *tx)
{
	ssize_t (*send_batch)(pfring *, const void *, size_t) = OP(ring, send_batch);
	size_t off = 0;
	int rc = 0, err = 0;

	while (off < tx->len) {
		ssize_t n = send_batch(ring, tx->buf + off, tx->len - off);
		enum tx_fate fate;
		int code;

		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n == 0)
			errno = EIO;	/* the kernel took nothing and said nothing */
		fate = tx_fate(errno, &code);
		if (!rc) {
			rc = code;
			err = errno;
		}
		if (fate == TX_KEEP)
			break;
		if (fate == TX_DROP_ALL) {
			off = tx->len;
			break;
		}
		off += tx_record_len(tx->buf + off);	/* this one was refused */
	}
	if (off) {
		memmove(tx->buf, tx->buf + off, tx->len - off);
		tx->len -= off;
		tx->count = tx_count(tx->buf, tx->len);
	}
	if (rc)
		errno = err;
	return rc;
}

/* Room for a record of rec bytes; under tx->lock. */
static int tx_reserve(struct pfring_tx *tx, size_t rec)
{
	size_t cap = tx->cap ? tx->cap : TX_BUF_MIN;
	u_char *buf;

	if (tx->len + rec <= tx->cap)
		return 0;
	while (cap < tx->len + rec)
		cap *= 2;
	buf = realloc(tx->buf, cap);
	if (!buf)
		return -1;
	tx->buf = buf;
	tx->cap = cap;
	return 0;
}

static void tx_append(struct pfring_tx *tx, const void *pkt, u_int len, int ifindex)
{
	struct pf_ring_tx_hdr hdr = { .len = len, .ifindex = ifindex };
	size_t rec = PF_RING_TX_RECORD_LEN(len);
	u_char *at = tx->buf + tx->len;

	memcpy(at, &hdr, sizeof(hdr));
	memcpy(at + sizeof(hdr), pkt, len);
	memset(at + sizeof(hdr) + len, 0, rec - sizeof(hdr) - len);
	tx->len += rec;
	tx->count++;
}

/* The arguments every sending call checks; 0 or a PF_RING error (errno set). */
static int tx_check(pfring *ring, const void *pkt, u_int len, int ifindex)
{
	CHECK_RING(ring);
	if (!pkt || len == 0 || ifindex < 0)
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	if (len > PF_RING_TX_MAX_LEN)
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EMSGSIZE);
	if (!ring->enabled)
		return pfring_err(PF_RING_ERROR_RING_NOT_ENABLED, EINVAL);
	if (!OP(ring, send_batch))
		return pfring_err(PF_RING_ERROR_NOT_SUPPORTED, ENOTSUP);
	return 0;
}

/* One frame for ifindex (0: the ring's device); see the top comment for the result. */
static int tx_send(pfring *ring, const void *pkt, u_int len, int flush, int ifindex)
{
	size_t rec = PF_RING_TX_RECORD_LEN(len);
	struct pfring_tx *tx;
	int rc, saved_errno = errno;

	if ((rc = tx_check(ring, pkt, len, ifindex)) < 0)
		return rc;
	if (!(tx = tx_of(ring)))
		return pfring_err(PF_RING_ERROR_NOT_ENOUGH_MEMORY, ENOMEM);
	pthread_mutex_lock(&tx->lock);
	rc = (int)len;
	if (tx->count >= tx->watermark || tx->len + rec > TX_BUF_MAX) {
		/* Full: what waits goes first. Still full (a transient failure): not taken */
		int frc = tx_flush_locked(ring, tx);

		if (tx->count && (tx->count >= tx->watermark || tx->len + rec > TX_BUF_MAX)) {
			pthread_mutex_unlock(&tx->lock);
			return pfring_err(PF_RING_ERROR_NO_TX_SLOT_AVAILABLE,
					  frc ? errno : EAGAIN);
		}
		if (frc < 0)
			rc = frc;	/* an earlier frame's; this one is taken */
	}
	if (tx_reserve(tx, rec) < 0) {
		pthread_mutex_unlock(&tx->lock);
		return pfring_err(PF_RING_ERROR_NOT_ENOUGH_MEMORY, ENOMEM);
	}
	tx_append(tx, pkt, len, ifindex);
	if (flush || tx->count >= tx->watermark) {
		int frc = tx_flush_locked(ring, tx);

		if (frc == PF_RING_ERROR_NO_TX_SLOT_AVAILABLE) {
			/*
			 * What was not sent stayed, in order: this frame is the last of it.
			 * Asked to go now, it is taken back, to be sent again by the caller.
			 */
			if (flush && tx->count) {
				tx->len -= rec;
				tx->count--;
				rc = frc;
			}
		} else if (frc < 0) {
			rc = frc;
		}
	}
	pthread_mutex_unlock(&tx->lock);
	if (rc >= 0)
		errno = saved_errno;
	return rc;
}

int pfring_send(pfring *ring, char *pkt, u_int pkt_len, u_int8_t flush_packet)
{
	return tx_send(ring, pkt, pkt_len, flush_packet, 0);
}

/* if_index 0: the ring's device, as pfring_send() */
int pfring_send_ifindex(pfring *ring, char *pkt, u_int pkt_len, u_int8_t flush_packet,
			int if_index)
{
	return tx_send(ring, pkt, pkt_len, flush_packet, if_index);
}

/*
 * Sends the frame at once (and what waited before it); *ts is when the driver had
 * taken it (CLOCK_REALTIME, read in user space after the kernel returned): the lab's
 * NICs have no hardware TX timestamps.
 */
int pfring_send_get_time(pfring *ring, char *pkt, u_int pkt_len, struct timespec *ts)
{
	int rc;

	if (!ts)
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	rc = tx_send(ring, pkt, pkt_len, 1, 0);
	if (rc >= 0)
		clock_gettime(CLOCK_REALTIME, ts);
	return rc;
}

/*
 * The frame of the last zero-copy receive (pfring_recv() with buffer_len 0, or the last
 * of pfring_recv_burst()), while the ring still holds it, out of tx_interface_id (an
 * ifindex; 0: the ring's device), at once. 0 when sent.
 */
int pfring_send_last_rx_packet(pfring *ring, int tx_interface_id)
{
	const u_char *frame = NULL;
	u_int caplen = 0, len = 0;
	int rc;

	CHECK_RING(ring);
	if (tx_interface_id < 0)
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	if (!OP(ring, last_rx))
		return pfring_err(PF_RING_ERROR_NOT_SUPPORTED, ENOTSUP);
	/*
	 * Under the receive lock (PF_RING_REENTRANT), which another thread's receive would
	 * need to give the slot back, until the frame is copied (the receive lock ranks
	 * above the TX state's, as in a receive that flushes before it sleeps).
	 */
	pfring_rx_lock(ring->priv);
	if (OP(ring, last_rx)(ring, &frame, &caplen, &len) < 0)
		rc = pfring_err(PF_RING_ERROR_NO_PKT_AVAILABLE, errno);
	else if (caplen != len)		/* the ring kept only part of the frame */
		rc = pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EMSGSIZE);
	else
		rc = tx_send(ring, frame, caplen, 1, tx_interface_id);
	pfring_rx_unlock(ring->priv);
	return rc < 0 ? rc : 0;
}

/* Frames that wait before a flush; 0 is taken as 1 (every frame goes at once). */
int pfring_set_tx_watermark(pfring *ring, u_int16_t watermark)
{
	struct pfring_tx *tx;
	int rc = 0;

	CHECK_RING(ring);
	if (!(tx = tx_of(ring)))
		return pfring_err(PF_RING_ERROR_NOT_ENOUGH_MEMORY, ENOMEM);
	pthread_mutex_lock(&tx->lock);
	tx->watermark = watermark ? watermark : 1;
	if (tx->count >= tx->watermark && OP(ring, send_batch))
		rc = tx_flush_locked(ring, tx);
	pthread_mutex_unlock(&tx->lock);
	return rc;
}

/* Everything that waits goes: 0, or the first failure (see the top comment). */
int pfring_flush_tx_packets(pfring *ring)
{
	struct pfring_tx *tx;
	int rc = 0;

	CHECK_RING(ring);
	if (!OP(ring, send_batch))
		return pfring_err(PF_RING_ERROR_NOT_SUPPORTED, ENOTSUP);
	tx = __atomic_load_n(&ring->priv->tx, __ATOMIC_ACQUIRE);
	if (!tx)
		return 0;
	pthread_mutex_lock(&tx->lock);
	if (tx->count)
		rc = tx_flush_locked(ring, tx);
	pthread_mutex_unlock(&tx->lock);
	return rc;
}

/* A receive is about to sleep: the frames that wait must not wait with it. */
void pfring_tx_flush_before_wait(pfring *ring)
{
	struct pfring_tx *tx = __atomic_load_n(&ring->priv->tx, __ATOMIC_ACQUIRE);
	int saved_errno = errno;

	if (!tx || !OP(ring, send_batch))
		return;
	pthread_mutex_lock(&tx->lock);
	if (tx->count)
		tx_flush_locked(ring, tx);	/* its errors belong to the senders' calls */
	pthread_mutex_unlock(&tx->lock);
	errno = saved_errno;
}

/* pfring_close(): what waits is sent, then the state goes. */
void pfring_tx_close(pfring *ring)
{
	struct pfring_tx *tx = ring->priv->tx;

	if (!tx)
		return;
	if (tx->count && OP(ring, send_batch))
		tx_flush_locked(ring, tx);
	ring->priv->tx = NULL;
	tx_free(tx);
}
