// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * zc_multi.c - multi-queues: one producer putting the same buffer into several queues
 * (fan-out) without a copy, and the reference counts that keep such a buffer from being
 * written again while one of its readers may still read it.
 *
 * Queues move buffers without a copy (zc_queue.c): a packet's buffer goes forward in a
 * packet slot, and each receive gives the consumer's previous buffer back in the queue's
 * free ring, where a later send takes it.  Call each packet slot, each consumer handle
 * and each free-ring entry a place.  A fan-out of buffer B to k queues puts B in k
 * places at once; its header's refs is set to k, the number of places that hold it.  A
 * consumer's receive only moves B between places (slot -> its handle, and into the free
 * ring at its next receive), so refs stays right without being touched on the consumer
 * side.  The place is given up when the multi-queue's producer takes B out of a free
 * ring (a later send): it drops one reference (zc_buf_unref()).
 * Only the last holder gets B back as a writable buffer; before that B is "dead" to the
 * producer, which takes one of its spares instead.
 *
 * Spares: a fan-out of B to k queues gives one buffer (B) and takes k back, so k - 1
 * spares are set aside; B's first k - 1 returns are dead and take one spare each.  So at
 * any time spares = sum over shared buffers of (refs - 1) >= 0: the producer always has
 * a buffer to hand back to its caller (if there are no spares, nothing is shared, and
 * every buffer taken from a slot is writable).  The spares live in process memory (a
 * multi-queue is process-local); beyond their room they go to the cluster, and at
 * pfring_zc_kill_worker() they go to the worker's working-set pool.
 *
 * What this asks of the consumers of a multi-queue's queues (as in ntop's ZC, whose
 * multi-queue constraints are the same): a received buffer is read-only; it is given
 * back by receiving again from a queue of the same multi-queue, or by
 * pfring_zc_release_packet_handle[_to_pool]() (which drop one reference and recycle the
 * buffer only if it was the last).  Sending it to any queue is fine too: a plain send
 * copies a shared buffer into the slot's buffer and leaves the caller its own
 * (zc_queue_put()).  What is not supported: receiving from a queue of another
 * multi-queue, or from a plain queue, with a shared buffer in the handle.
 *
 * Cost for everyone else: the plain send tests q->mq (read-only, beside the slot
 * pointer) and, once the cluster has a multi-queue (zc_shm_hdr.fanout), the given
 * buffer's refs; the receive is unchanged.
 *
 * Ordering: refs is written by the producer before the queues' head store-release that
 * publishes B, so consumers see it (their head load-acquire); every holder's decrement
 * is a release, and the last holder's acquire (zc_buf_unref()) orders all the other
 * readers' reads of the packet before its writes.
 */
#include <stdlib.h>
#include <string.h>

#include "zc_priv.h"

#define ZC_NO_BUFFER UINT32_MAX

static inline pfring_zc_pkt_buff *zc_multi_buf(struct zc_multi *m, uint32_t idx)
{
	return zc_buf_handle(m->buffers, m->stride, idx);
}

static void zc_spare_push(struct zc_multi *m, uint32_t idx)
{
	if (__builtin_expect(m->nspare < m->spare_cap, 1)) {
		m->spare[m->nspare++] = idx;
		return;
	}
	zc_lock(m->cluster);
	zc_put_buffer(m->cluster, idx);
	zc_unlock(m->cluster);
}

/* A spare, or a free buffer of the cluster when there is none; ZC_NO_BUFFER if neither. */
static uint32_t zc_spare_pop(struct zc_multi *m)
{
	uint32_t idx;

	if (__builtin_expect(m->nspare > 0, 1))
		return m->spare[--m->nspare];
	zc_lock(m->cluster);
	if (zc_take_buffers(m->cluster, &idx, 1) < 0)
		idx = ZC_NO_BUFFER;
	zc_unlock(m->cluster);
	return idx;
}

void zc_buf_copy(struct zc_cluster *c, pfring_zc_pkt_buff *dst, pfring_zc_pkt_buff *src)
{
	uint16_t off = zc_buf_hdr(src)->data_off;

	zc_buf_hdr(dst)->data_off = off;
	dst->len = src->len;
	dst->flags = src->flags;
	dst->hash = src->hash;
	dst->ts = src->ts;
	memcpy(dst->user, src->user, c->hdr->metadata_len);
	memcpy((u_char *)dst + off, (u_char *)src + off, src->len);
}

ZC_API pfring_zc_multi_queue *pfring_zc_create_multi_queue(pfring_zc_queue *queues[], u_int32_t num_queues)
{
	struct zc_multi *m;
	struct zc_queue *q;
	uint64_t cap = 0;
	uint32_t i, j;

	if (!queues || num_queues == 0 || num_queues > ZC_MULTI_MAX) {
		errno = EINVAL;
		return NULL;
	}
	for (i = 0; i < num_queues; i++) {
		q = queues[i];
		if (!q || q->cluster != ((struct zc_queue *)queues[0])->cluster) {
			errno = EINVAL;
			return NULL;
		}
		for (j = 0; j < i; j++)
			if (queues[j] == q) {
				errno = EINVAL;	/* the same queue twice */
				return NULL;
			}
		if (q->mq) {
			errno = EBUSY;		/* already in a multi-queue */
			return NULL;
		}
		cap += q->len;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		errno = ENOMEM;
		return NULL;
	}
	/* room for a spare per slot and for bursts held by the consumers; more go to the cluster */
	m->spare_cap = (uint32_t)(cap + 64u * num_queues);
	m->spare = malloc((size_t)m->spare_cap * sizeof(uint32_t));
	if (!m->spare) {
		free(m);
		errno = ENOMEM;
		return NULL;
	}
	q = queues[0];
	m->cluster = q->cluster;
	m->buffers = q->buffers;
	m->stride = q->stride;
	m->num = num_queues;
	for (i = 0; i < num_queues; i++) {
		m->q[i] = queues[i];
		m->q[i]->mq_bit = i;
		m->q[i]->mq = m;
	}
	zc_lock(m->cluster);
	m->next = m->cluster->multis;
	m->cluster->multis = m;
	/* from now on plain sends in any process check refs (zc_priv.h, fanout) */
	atomic_store_explicit(&m->cluster->hdr->fanout, 1, memory_order_relaxed);
	zc_unlock(m->cluster);
	return m;
}

/* Bits 0-63 of a mask in lo, 64-127 in hi; those beyond the multi-queue's queues cleared. */
static inline void zc_multi_clip(const struct zc_multi *m, uint64_t *lo, uint64_t *hi)
{
	if (m->num < 64) {
		*lo &= (1ull << m->num) - 1;
		*hi = 0;
	} else if (m->num < 128) {
		*hi &= (1ull << (m->num - 64)) - 1;
	}
}

/* pfring_zc_send_pkt_multi() and its _v3 form: the mask as two 64-bit words. */
static int zc_multi_send(struct zc_multi *m, pfring_zc_pkt_buff **pkt_handle, uint64_t lo,
			 uint64_t hi, u_int8_t flush_packet)
{
	struct zc_queue *tq[ZC_MULTI_MAX], *q;
	uint32_t old[ZC_MULTI_MAX];
	uint32_t n = 0, sure, k, idx, pidx, base;
	uint64_t bits;
	pfring_zc_pkt_buff *b;
	int keep;

	if (__builtin_expect(!m || !pkt_handle || !*pkt_handle, 0)) {
		errno = EINVAL;
		return -EINVAL;
	}
	zc_multi_clip(m, &lo, &hi);	/* bits beyond the queues are ignored */
	if (!lo && !hi)
		return 0;

	/*
	 * 1. The queues with room, and the free buffers their next sends take.  A buffer
	 * with refs <= 1 there has that free-ring entry as its only place: it will be ours.  If none
	 * will and there is no spare, take one from the cluster now, before anything
	 * changes (this cannot happen while consumers keep the rules above).
	 */
	sure = m->nspare;
	for (base = 0, bits = lo; base < 128; base += 64, bits = hi) {
		while (bits) {
			q = m->q[base + (uint32_t)__builtin_ctzll(bits)];
			bits &= bits - 1;
			if (zc_queue_free_slots(q, 1) == 0) {
				uint64_t d = atomic_load_explicit(&q->shm->drop, memory_order_relaxed);

				atomic_store_explicit(&q->shm->drop, d + 1, memory_order_relaxed);
				zc_queue_flush(q);	/* a full queue must not hold packets back */
				continue;
			}
			tq[n] = q;
			old[n] = zc_queue_next_free(q);
			if (atomic_load_explicit(&zc_buf_hdr(zc_multi_buf(m, old[n]))->refs,
						 memory_order_acquire) <= 1)
				sure++;
			n++;
		}
	}
	if (n == 0) {
		errno = EAGAIN;
		return 0;
	}
	if (sure == 0) {
		idx = zc_spare_pop(m);
		if (idx == ZC_NO_BUFFER) {
			errno = ENOBUFS;
			return -ENOBUFS;
		}
		zc_spare_push(m, idx);
	}

	/* 2. Give up the free-ring places: the buffers of which we were the last holder are ours. */
	for (k = 0; k < n; k++)
		if (zc_buf_unref(zc_multi_buf(m, old[k])))
			zc_spare_push(m, old[k]);

	/* 3. The packet: the caller's buffer, or a copy of it if someone else shares it. */
	b = *pkt_handle;
	keep = zc_buf_shared(b);
	if (__builtin_expect(keep, 0)) {
		pidx = zc_spare_pop(m);		/* there is one: see 1. */
		zc_buf_copy(m->cluster, zc_multi_buf(m, pidx), b);
	} else {
		pidx = zc_buf_hdr(b)->idx;
	}
	if (n > 1)	/* published by the queues' head store-release below */
		atomic_store_explicit(&zc_buf_hdr(zc_multi_buf(m, pidx))->refs, n, memory_order_relaxed);
	for (k = 0; k < n; k++) {
		q = tq[k];
		zc_queue_push(q, pidx);
		if (flush_packet || q->prod_head - q->prod_published >= ZC_FLUSH_BATCH)
			zc_queue_flush(q);
	}
	if (!keep)
		*pkt_handle = zc_multi_buf(m, zc_spare_pop(m));	/* there is one: see 1. */
	return (int)n;
}

ZC_API int pfring_zc_send_pkt_multi(pfring_zc_multi_queue *multi_queue, pfring_zc_pkt_buff **pkt_handle,
				    u_int64_t queues_mask, u_int8_t flush_packet)
{
	return zc_multi_send(multi_queue, pkt_handle, queues_mask, 0, flush_packet);
}

#ifdef __SIZEOF_INT128__
ZC_API int pfring_zc_send_pkt_multi_v3(pfring_zc_multi_queue *multi_queue, pfring_zc_pkt_buff **pkt_handle,
				       __int128_t queues_mask, u_int8_t flush_packet)
{
	unsigned __int128 mask = (unsigned __int128)queues_mask;

	return zc_multi_send(multi_queue, pkt_handle, (uint64_t)mask, (uint64_t)(mask >> 64),
			     flush_packet);
}
#endif

int zc_multi_send_one(struct zc_queue *q, pfring_zc_pkt_buff **ph, uint8_t flush)
{
	int len = (*ph)->len;
	int r = zc_multi_send(q->mq, ph, q->mq_bit < 64 ? 1ull << q->mq_bit : 0,
			      q->mq_bit < 64 ? 0 : 1ull << (q->mq_bit - 64), flush);

	if (r == 1)
		return len;
	if (r == 0) {
		errno = EAGAIN;
		return -EAGAIN;
	}
	return r;
}

void zc_multi_settle(struct zc_multi *m, struct zc_pool *pool)
{
	uint32_t i, j, free_, rpos, idx, rep;
	struct zc_queue *q;
	pfring_zc_pkt_buff *h;

	for (i = 0; i < m->num; i++) {
		q = m->q[i];
		zc_queue_flush(q);
		free_ = zc_queue_free_slots(q, q->len);
		/* the free ring's entries the next sends take */
		for (j = 0, rpos = q->prod_rpos; j < free_;
		     j++, rpos = rpos + 1 == q->ret_len ? 0 : rpos + 1) {
			idx = q->ret[rpos];
			h = zc_multi_buf(m, idx);
			if (atomic_load_explicit(&zc_buf_hdr(h)->refs, memory_order_acquire) <= 1)
				continue;
			if (zc_buf_unref(h))
				continue;	/* we were the last: it stays, ours alone */
			rep = zc_spare_pop(m);
			if (rep == ZC_NO_BUFFER) {	/* keep our reference: nothing to put instead */
				atomic_fetch_add_explicit(&zc_buf_hdr(h)->refs, 1, memory_order_relaxed);
				continue;
			}
			q->ret[rpos] = rep;
		}
	}
	while (m->nspare) {
		idx = m->spare[--m->nspare];
		if (pool) {
			pfring_zc_release_packet_handle_to_pool(pool, zc_multi_buf(m, idx));
		} else {
			zc_lock(m->cluster);
			zc_put_buffer(m->cluster, idx);
			zc_unlock(m->cluster);
		}
	}
}

void zc_multi_free_all(struct zc_cluster *c)
{
	struct zc_multi *m, *next;

	for (m = c->multis; m; m = next) {
		next = m->next;
		free(m->spare);
		free(m);
	}
	c->multis = NULL;
}
