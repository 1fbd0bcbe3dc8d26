// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * zc_queue.c - single-producer/single-consumer queues in cluster memory.
 *
 * A queue of length n has n slots, each always holding one buffer index.  head and tail
 * are free-running 64-bit packet counters (they never wrap in practice); slot positions
 * are kept modulo n by each side, so n needs not be a power of two and exactly n buffers
 * are taken from the cluster.
 *
 * Sending exchanges the sender's buffer with the (already consumed) buffer in slot
 * head % n; receiving exchanges the receiver's buffer with the packet in slot tail % n.
 * Ownership of slot i passes between the sides only through head and tail:
 *
 *   producer: slot[p] = mine, mine = old   ... store-release head   (A)
 *   consumer: load-acquire head (pairs with A); pkt = slot[c], slot[c] = mine;
 *             store-release tail                                    (B)
 *   producer: load-acquire tail (pairs with B) before reusing slot c
 *
 * Each side keeps a private cached copy of the other side's counter and reloads it only
 * when the copy says "full" / "empty", so the shared lines move only when needed.
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "zc_priv.h"

#if defined(__x86_64__) || defined(__i386__)
#define zc_cpu_relax() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define zc_cpu_relax() __asm__ __volatile__("yield" ::: "memory")
#else
#define zc_cpu_relax() __asm__ __volatile__("" ::: "memory")
#endif

#define ZC_SPINS_BEFORE_YIELD 1024

ZC_API pfring_zc_queue *pfring_zc_create_queue(pfring_zc_cluster *cluster, u_int32_t queue_len)
{
	struct zc_cluster *c = cluster;
	struct zc_shm_hdr *h;
	struct zc_shm_queue *sq;
	struct zc_queue *q;
	uint64_t off, slots_off;
	int err = 0;

	if (!c || queue_len == 0) {
		errno = EINVAL;
		return NULL;
	}
	q = aligned_alloc(ZC_CACHELINE, sizeof(*q));
	if (!q) {
		errno = ENOMEM;
		return NULL;
	}
	memset(q, 0, sizeof(*q));
	h = c->hdr;
	zc_lock(c);
	if (h->free_count < queue_len) {
		err = ENOBUFS;
	} else if (h->num_queues == ZC_MAX_QUEUES ||
		   !(sq = zc_arena_alloc(c, sizeof(*sq), &off)) ||
		   !zc_arena_alloc(c, (size_t)queue_len * sizeof(uint32_t), &slots_off)) {
		err = ENOSPC;
	} else {
		sq->id = h->num_queues++;
		sq->len = queue_len;
		sq->slots_off = slots_off;
		zc_take_buffers(c, zc_at(c, slots_off), queue_len);
		atomic_init(&sq->head, 0);
		atomic_init(&sq->tail, 0);
		atomic_init(&sq->drop, 0);
		h->queue_off[sq->id] = off;
		q->shm = sq;
		q->slots = zc_at(c, slots_off);
		q->buffers = c->base + h->buffers_off;
		q->stride = h->buf_stride;
		q->len = queue_len;
		q->cluster = c;
		atomic_init(&q->breakloop, 0);
		c->queues[sq->id] = q;
	}
	zc_unlock(c);
	if (err) {
		free(q);
		errno = err;
		return NULL;
	}
	return q;
}

void zc_queue_free(struct zc_queue *q)
{
	free(q);
}

ZC_API u_int32_t pfring_zc_get_queue_id(pfring_zc_queue *queue)
{
	struct zc_queue *q = queue;

	if (!q) {
		errno = EINVAL;
		return UNDEFINED_QUEUEID;
	}
	return q->shm->id;
}

ZC_API void pfring_zc_get_queue_settings(pfring_zc_queue *queue, pfring_zc_queue_info *info)
{
	struct zc_queue *q = queue;

	if (!q || !info) {
		errno = EINVAL;
		return;
	}
	info->buffer_len = q->cluster->hdr->buffer_len;
	info->metadata_len = q->cluster->hdr->metadata_len;
}

/* ---- producer side ---------------------------------------------------------------- */

/* Free slots, at least want if there are; reloads the tail only when the cache is short. */
static inline uint32_t zc_queue_room(struct zc_queue *q, uint32_t want)
{
	uint32_t room = q->len - (uint32_t)(q->prod_head - q->prod_tail_cache);

	if (room < want) {
		/* Paired with the consumer's store-release of tail in zc_queue_consumed(). */
		q->prod_tail_cache = atomic_load_explicit(&q->shm->tail, memory_order_acquire);
		room = q->len - (uint32_t)(q->prod_head - q->prod_tail_cache);
	}
	return room;
}

static inline void zc_queue_publish(struct zc_queue *q)
{
	/* Paired with the consumer's load-acquire of head in zc_queue_avail(). */
	atomic_store_explicit(&q->shm->head, q->prod_head, memory_order_release);
	q->prod_published = q->prod_head;
}

static inline void zc_queue_count_drops(struct zc_queue *q, uint64_t n)
{
	/* one writer (the producer): a relaxed load and store, no read-modify-write */
	uint64_t d = atomic_load_explicit(&q->shm->drop, memory_order_relaxed);

	atomic_store_explicit(&q->shm->drop, d + n, memory_order_relaxed);
}

static inline void zc_queue_advance(struct zc_queue *q, uint32_t pos)
{
	q->prod_pos = pos + 1 == q->len ? 0 : pos + 1;
	q->prod_head++;
}

/* Exchange: the caller's buffer into the slot, the slot's (consumed) buffer to the caller. */
static inline void zc_queue_put_plain(struct zc_queue *q, pfring_zc_pkt_buff **ph)
{
	uint32_t pos = q->prod_pos;
	uint32_t old = q->slots[pos];

	q->slots[pos] = zc_buf_hdr(*ph)->idx;
	*ph = zc_buf_handle(q->buffers, q->stride, old);
	zc_queue_advance(q, pos);
}

/*
 * A buffer that a fan-out shares (refs > 1, see zc_multi.c) is never exchanged into a
 * plain queue: its other readers would find it overwritten once it came back to this
 * queue's producer.  The packet is copied into the slot's own buffer instead and the
 * caller keeps the shared one (which it gives back to its fan-out queue by its next
 * receive there, or releases).  refs is in the cache line of idx, read here anyway.
 */
static void zc_queue_put_copy(struct zc_queue *q, pfring_zc_pkt_buff *h)
{
	uint32_t pos = q->prod_pos;

	zc_buf_copy(q->cluster, zc_buf_handle(q->buffers, q->stride, q->slots[pos]), h);
	zc_queue_advance(q, pos);
}

static inline void zc_queue_put(struct zc_queue *q, pfring_zc_pkt_buff **ph)
{
	if (__builtin_expect(zc_buf_shared(*ph), 0))
		zc_queue_put_copy(q, *ph);
	else
		zc_queue_put_plain(q, ph);
}

/*
 * pfring_zc_send_pkt() when the queue belongs to a multi-queue or the buffer is shared:
 * out of line, so that the fast path has no call and no extra saved register.
 */
static __attribute__((noinline, cold)) int zc_send_slow(struct zc_queue *q, pfring_zc_pkt_buff **ph,
							 u_int8_t flush_packet)
{
	int len;

	if (q->mq)
		return zc_multi_send_one(q, ph, flush_packet);
	if (zc_queue_room(q, 1) == 0) {
		zc_queue_count_drops(q, 1);
		if (q->prod_head != q->prod_published)
			zc_queue_publish(q);
		errno = EAGAIN;
		return -EAGAIN;
	}
	len = (*ph)->len;
	zc_queue_put_copy(q, *ph);
	if (flush_packet || q->prod_head - q->prod_published >= ZC_FLUSH_BATCH)
		zc_queue_publish(q);
	return len;
}

ZC_API int pfring_zc_send_pkt(pfring_zc_queue *queue, pfring_zc_pkt_buff **pkt_handle, u_int8_t flush_packet)
{
	struct zc_queue *q = queue;
	int len;

	if (__builtin_expect(!q || !pkt_handle || !*pkt_handle, 0)) {
		errno = EINVAL;
		return -EINVAL;
	}
	/* one predictable branch for multi-queues and fan-out buffers (zc_multi.c) */
	if (__builtin_expect(q->mq != NULL || zc_buf_shared(*pkt_handle), 0))
		return zc_send_slow(q, pkt_handle, flush_packet);
	if (__builtin_expect(zc_queue_room(q, 1) == 0, 0)) {
		zc_queue_count_drops(q, 1);
		if (q->prod_head != q->prod_published)
			zc_queue_publish(q);	/* a full queue must not hold packets back */
		errno = EAGAIN;
		return -EAGAIN;
	}
	len = (*pkt_handle)->len;
	zc_queue_put_plain(q, pkt_handle);
	if (flush_packet || q->prod_head - q->prod_published >= ZC_FLUSH_BATCH)
		zc_queue_publish(q);
	return len;
}

ZC_API int pfring_zc_send_pkt_burst(pfring_zc_queue *queue, pfring_zc_pkt_buff **pkt_handles,
				    u_int32_t num_packets, u_int8_t flush_packets)
{
	struct zc_queue *q = queue;
	uint32_t n, i;

	if (__builtin_expect(!q || (!pkt_handles && num_packets), 0)) {
		errno = EINVAL;
		return -EINVAL;
	}
	if (__builtin_expect(q->mq != NULL, 0)) {
		int r = 0;

		for (n = 0; n < num_packets; n++)
			if ((r = zc_multi_send_one(q, &pkt_handles[n], flush_packets)) < 0)
				break;
		if (n < num_packets)	/* a full queue counted the first refusal already */
			zc_queue_count_drops(q, num_packets - n - (r == -EAGAIN));
		return (int)n;
	}
	n = zc_queue_room(q, num_packets);
	if (n > num_packets)
		n = num_packets;
	for (i = 0; i < n; i++)
		zc_queue_put(q, &pkt_handles[i]);
	if (n < num_packets)
		zc_queue_count_drops(q, num_packets - n);
	if (flush_packets || n < num_packets || q->prod_head - q->prod_published >= ZC_FLUSH_BATCH)
		zc_queue_publish(q);
	return (int)n;
}

void zc_queue_flush(struct zc_queue *q)
{
	if (q->prod_head != q->prod_published)
		zc_queue_publish(q);
}

uint32_t zc_queue_free_slots(struct zc_queue *q, uint32_t want)
{
	return zc_queue_room(q, want);
}

ZC_API int pfring_zc_queue_is_full(pfring_zc_queue *queue)
{
	struct zc_queue *q = queue;

	if (!q) {
		errno = EINVAL;
		return -EINVAL;
	}
	return zc_queue_room(q, 1) == 0;
}

/* ---- consumer side ---------------------------------------------------------------- */

/* Packets ready, at least want if there are; reloads head only when the cache is short. */
static inline uint32_t zc_queue_avail(struct zc_queue *q, uint32_t want)
{
	uint32_t avail = (uint32_t)(q->cons_head_cache - q->cons_tail);

	if (avail < want) {
		/* Paired with the producer's store-release of head in zc_queue_publish(). */
		q->cons_head_cache = atomic_load_explicit(&q->shm->head, memory_order_acquire);
		avail = (uint32_t)(q->cons_head_cache - q->cons_tail);
	}
	return avail;
}

/* Wait for at least one packet; 0 when interrupted by pfring_zc_queue_breakloop(). */
static uint32_t zc_queue_wait(struct zc_queue *q)
{
	unsigned spins = 0;
	uint32_t avail;

	while ((avail = zc_queue_avail(q, 1)) == 0) {
		if (atomic_load_explicit(&q->breakloop, memory_order_relaxed)) {
			atomic_store_explicit(&q->breakloop, 0, memory_order_relaxed);
			return 0;
		}
		if (++spins == ZC_SPINS_BEFORE_YIELD) {
			spins = 0;
			sched_yield();
		} else {
			zc_cpu_relax();
		}
	}
	return avail;
}

static inline void zc_queue_get(struct zc_queue *q, pfring_zc_pkt_buff **ph)
{
	uint32_t pos = q->cons_pos;
	uint32_t idx = q->slots[pos];

	q->slots[pos] = zc_buf_hdr(*ph)->idx;
	*ph = zc_buf_handle(q->buffers, q->stride, idx);
	q->cons_pos = pos + 1 == q->len ? 0 : pos + 1;
	q->cons_tail++;
}

static inline void zc_queue_consumed(struct zc_queue *q)
{
	/*
	 * Paired with the producer's load-acquire of tail in zc_queue_room(): our reads of
	 * the slots and our writes of the buffers we left in them happen before the producer
	 * reuses those slots.
	 */
	atomic_store_explicit(&q->shm->tail, q->cons_tail, memory_order_release);
}

ZC_API int pfring_zc_recv_pkt(pfring_zc_queue *queue, pfring_zc_pkt_buff **pkt_handle,
			      u_int8_t wait_for_incoming_packet)
{
	struct zc_queue *q = queue;

	if (__builtin_expect(!q || !pkt_handle || !*pkt_handle, 0)) {
		errno = EINVAL;
		return -EINVAL;
	}
	if (zc_queue_avail(q, 1) == 0 && (!wait_for_incoming_packet || zc_queue_wait(q) == 0))
		return 0;
	zc_queue_get(q, pkt_handle);
	zc_queue_consumed(q);
	return 1;
}

ZC_API int pfring_zc_recv_pkt_burst(pfring_zc_queue *queue, pfring_zc_pkt_buff **pkt_handles,
				    u_int32_t max_num_packets, u_int8_t wait_for_incoming_packet)
{
	struct zc_queue *q = queue;
	uint32_t n, i;

	if (__builtin_expect(!q || !pkt_handles || max_num_packets == 0, 0)) {
		errno = EINVAL;
		return -EINVAL;
	}
	n = zc_queue_avail(q, max_num_packets);
	if (n == 0 && (!wait_for_incoming_packet || (n = zc_queue_wait(q)) == 0))
		return 0;
	if (n > max_num_packets)
		n = max_num_packets;
	for (i = 0; i < n; i++)
		zc_queue_get(q, &pkt_handles[i]);
	zc_queue_consumed(q);
	return (int)n;
}

ZC_API int pfring_zc_queue_is_empty(pfring_zc_queue *queue)
{
	struct zc_queue *q = queue;

	if (!q) {
		errno = EINVAL;
		return -EINVAL;
	}
	return atomic_load_explicit(&q->shm->head, memory_order_acquire) ==
	       atomic_load_explicit(&q->shm->tail, memory_order_acquire);
}

ZC_API void pfring_zc_queue_breakloop(pfring_zc_queue *queue)
{
	struct zc_queue *q = queue;

	if (!q) {
		errno = EINVAL;
		return;
	}
	atomic_store_explicit(&q->breakloop, 1, memory_order_relaxed);
}

/* ---- both --------------------------------------------------------------------------- */

ZC_API void pfring_zc_sync_queue(pfring_zc_queue *queue, pfring_zc_queue_mode direction)
{
	struct zc_queue *q = queue;

	if (!q) {
		errno = EINVAL;
		return;
	}
	if (direction == tx_only)
		zc_queue_publish(q);
	else if (direction == rx_only)
		zc_queue_avail(q, UINT32_MAX);	/* refreshes the cached head */
}

ZC_API int pfring_zc_stats(pfring_zc_queue *queue, pfring_zc_stat *stats)
{
	struct zc_queue *q = queue;

	if (!q || !stats) {
		errno = EINVAL;
		return -EINVAL;
	}
	/* published counts: packets held back by a producer without flush are not in sent */
	stats->sent = atomic_load_explicit(&q->shm->head, memory_order_relaxed);
	stats->recv = atomic_load_explicit(&q->shm->tail, memory_order_relaxed);
	stats->drop = atomic_load_explicit(&q->shm->drop, memory_order_relaxed);
	return 0;
}
