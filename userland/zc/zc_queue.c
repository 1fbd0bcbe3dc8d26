// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * zc_queue.c - single-producer/single-consumer queues in cluster memory.
 *
 * A queue of length n owns n buffers and has two rings in cluster memory: n packet
 * slots (producer to consumer) and a free ring of n + ZC_RET_GAP slots (consumer to
 * producer) that holds the buffers no packet is in; at creation all n are free.  head
 * and tail are free-running 64-bit packet counters (they never wrap in practice); ring
 * positions are kept modulo each ring's length by each side, so n needs not be a power
 * of two and exactly n buffers are taken from the cluster.
 *
 * Sending puts the sender's buffer in packet slot head % n and gives it the free buffer
 * at free-ring position head % (n + gap); receiving gives the receiver the packet in
 * slot tail % n and puts the receiver's buffer at free-ring position (n + tail) % (n +
 * gap).  Every packet sent takes one free buffer and every packet received gives one
 * back, so the producer has room exactly when head - tail < n, and the consumer's write
 * position in the free ring is always ahead of the producer's read position by the
 * number of free buffers (<= n): never on an entry not yet read.  Ownership passes only
 * through head and tail:
 *
 *   producer: mine = free[head], slot[head] = pkt  ... store-release head   (A)
 *   consumer: load-acquire head (pairs with A); pkt = slot[tail];
 *             free[n + tail] = mine; store-release tail                     (B)
 *   producer: load-acquire tail (pairs with B) before reading free[] entries up to
 *             n + tail, and before reusing the packet slots below tail
 *
 * Why two rings rather than exchanging buffers in one slot: when the consumer keeps up,
 * it works one slot behind the producer, and a slot that both write would move its cache
 * line between the CPUs on every packet, with the producer waiting for the line before
 * it even knows which buffer to fill.  The producer reads the free ring n entries behind
 * where the consumer writes it (ZC_RET_GAP keeps them apart when the queue is empty), so
 * those lines are cold; its loads are independent of the consumer's latest writes.
 *
 * Each side keeps a private cached copy of the other side's counter and reloads it only
 * when the copy says "full" / "empty", so the shared lines move only when needed.
 *
 * The producer's path loads nothing from the buffers' lines: a buffer's index comes from
 * its address, the data offset of the buffer it hands back is stored, not read, and the
 * fan-out reference count is read only once the cluster has a multi-queue.  The lines
 * the application then writes were last read by the consumer; the stores wait for them
 * in the store buffer without stalling the sends behind them.
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zc_priv.h"

#if defined(__x86_64__) || defined(__i386__)
#define zc_cpu_relax() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define zc_cpu_relax() __asm__ __volatile__("yield" ::: "memory")
#else
#define zc_cpu_relax() __asm__ __volatile__("" ::: "memory")
#endif

#define ZC_SPINS_BEFORE_YIELD 1024
#ifndef ZC_CONS_AHEAD
#define ZC_CONS_AHEAD 16u	/* the consumer's prefetch distance once it has a backlog */
#endif
#ifndef ZC_PREFETCH_AHEAD
#define ZC_PREFETCH_AHEAD 8u	/* the producer's free buffers prefetched this many ahead */
#endif

/*
 * Whether a burst send prefetches the free buffers it hands out (a single send always
 * does: without, each packet's stores wait for the last one's lines, 10 Mpps).  A free
 * buffer comes back to the producer about a queue length after the consumer read it.
 * While the two lines per packet of a queue's buffers take at most a third of L2 (len *
 * 128 bytes), they are still in the caches then, and prefetchw on a burst's 64 lines only
 * stalls the producer on its fill buffers; beyond, they come from L3 and the prefetch
 * pays.  queue_bench on the host (L2 2 MB, 2026-12-04), zc-burst in Mpps with / without:
 * 1024: 46.6 / 52.4, 4096: 49.0 / 61.2, 8192: 68.6 / 59.0, 16384: 74.2 / 63.1.  (A
 * balancer worker forwarding to 1024-packet queues does better with it, 22 against 19
 * Mpps, and at 4096 without it, 24 against 21.5.)  Unknown L2 size: 2 MB.
 */
static uint8_t zc_burst_prefetch(uint32_t len)
{
	long l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);

	if (l2 <= 0)
		l2 = 2L << 20;
	return (uint64_t)len * 128u * 3u > (uint64_t)l2;
}

/*
 * Fill a process-local handle for the queue sq of cluster c, each side's positions taken
 * from the shared counters: for a new queue, and for a process that attaches to a queue
 * another one created (the side it does not use is never touched through this handle).
 */
void zc_queue_init_local(struct zc_queue *q, struct zc_cluster *c, struct zc_shm_queue *sq)
{
	const struct zc_shm_hdr *h = c->hdr;
	uint64_t head = atomic_load_explicit(&sq->head, memory_order_acquire);
	uint64_t tail = atomic_load_explicit(&sq->tail, memory_order_acquire);

	q->shm = sq;
	q->slots = zc_at(c, sq->slots_off);
	q->ret = zc_at(c, sq->ret_off);
	q->buffers = c->base + h->buffers_off;
	q->stride = h->buf_stride;
	q->len = sq->len;
	q->ret_len = sq->ret_len;
	q->data0 = h->meta_len + PF_RING_ZC_BUFFER_HEAD_ROOM;
	q->stride_shift = (uint32_t)__builtin_ctz(h->buf_stride);
	q->stride_inv = zc_inverse_odd(h->buf_stride >> q->stride_shift);
	q->cluster = c;
	q->fanout = &c->hdr->fanout;
	q->data_off0 = (uint16_t)(q->data0 - sizeof(struct zc_buf_hdr));
	q->burst_prefetch = zc_burst_prefetch(sq->len);

	q->prod_head = head;
	q->prod_published = head;
	q->prod_tail_cache = tail;
	q->prod_pos = (uint32_t)(head % sq->len);
	q->prod_rpos = (uint32_t)(head % sq->ret_len);

	q->cons_tail = tail;
	q->cons_head_cache = head;
	q->cons_pos = (uint32_t)(tail % sq->len);
	q->cons_rpos = (uint32_t)((sq->len + tail) % sq->ret_len);
	atomic_init(&q->breakloop, 0);
}

/*
 * A backend's queue (a device) goes to its op: one predictable branch on the SPSC path
 * (zc_priv.h, "Queue backends").  ZC_BACKEND(q) is that test.
 */
#define ZC_BACKEND(q) __builtin_expect((q)->ops != NULL, 0)

static int zc_no_op(void)
{
	errno = EOPNOTSUPP;
	return -EOPNOTSUPP;
}

ZC_API pfring_zc_queue *pfring_zc_create_queue(pfring_zc_cluster *cluster, u_int32_t queue_len)
{
	struct zc_cluster *c = cluster;
	struct zc_shm_hdr *h;
	struct zc_shm_queue *sq;
	struct zc_queue *q;
	uint64_t off, slots_off, ret_off;
	uint32_t ret_len;
	int err = 0;

	if (!c || queue_len == 0 || queue_len > UINT32_MAX - ZC_RET_GAP) {
		errno = EINVAL;
		return NULL;
	}
	q = aligned_alloc(ZC_CACHELINE, sizeof(*q));
	if (!q) {
		errno = ENOMEM;
		return NULL;
	}
	memset(q, 0, sizeof(*q));
	ret_len = queue_len + ZC_RET_GAP;
	h = c->hdr;
	zc_lock(c);
	if (h->free_count < queue_len) {
		err = ENOBUFS;
	} else if (h->num_queues == ZC_MAX_QUEUES ||
		   !(sq = zc_arena_alloc(c, sizeof(*sq), &off)) ||
		   !zc_arena_alloc(c, (size_t)queue_len * sizeof(uint32_t), &slots_off) ||
		   !zc_arena_alloc(c, (size_t)ret_len * sizeof(uint32_t), &ret_off)) {
		err = ENOSPC;
	} else {
		sq->id = h->num_queues++;
		sq->len = queue_len;
		sq->ret_len = ret_len;
		sq->slots_off = slots_off;
		sq->ret_off = ret_off;
		zc_take_buffers(c, zc_at(c, ret_off), queue_len);	/* all free */
		atomic_init(&sq->head, 0);
		atomic_init(&sq->tail, 0);
		atomic_init(&sq->drop, 0);
		h->queue_off[sq->id] = off;
		zc_queue_init_local(q, c, sq);
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
	if (ZC_BACKEND(q)) {
		if (!q->ops->queue_id) {
			errno = EOPNOTSUPP;
			return UNDEFINED_QUEUEID;
		}
		return q->ops->queue_id(q);
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

/*
 * Start loading a buffer's first line (header, handle) and first data line: the side
 * that gets the buffer next touches both, and the data line's address otherwise waits
 * for the header's data offset.  The producer asks for the lines to own (prefetchw:
 * a no-op where the CPU lacks it), as it is going to write them.
 */
#if defined(__x86_64__) || defined(__i386__)
#define zc_prefetch_w(p) __asm__ __volatile__("prefetchw %0" : : "m"(*(const char *)(p)))
#else
#define zc_prefetch_w(p) __builtin_prefetch(p, 1, 3)
#endif

static inline void zc_prefetch_write(const struct zc_queue *q, uint32_t idx)
{
	const char *b = q->buffers + (size_t)idx * q->stride;

	zc_prefetch_w(b);
	zc_prefetch_w(b + q->data0);
}

/*
 * The consumer asks for its packets' lines into L2 only (prefetcht2 on x86): a burst
 * asks for 64 lines at once, more than L1 can have in flight, and the L1-bound variant
 * stalled the receive on them.  queue_bench measured +4-5% for single and burst (host,
 * 2026-12-04); everything else tried on the consumer (no prefetch, read or write into
 * L1, cldemote on the producer) was level or slower.
 */
static inline void zc_prefetch_read(const struct zc_queue *q, uint32_t idx)
{
	const char *b = q->buffers + (size_t)idx * q->stride;

	__builtin_prefetch(b, 0, 1);
	__builtin_prefetch(b + q->data0, 0, 1);
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

/*
 * Past one packet: both rings' positions and head.  Then the free buffer
 * ZC_PREFETCH_AHEAD sends from now, if the cached tail says its entry is written: owning
 * its lines takes longer than one packet's time.
 */
static inline void zc_queue_advance(struct zc_queue *q, int prefetch)
{
	uint32_t pos = q->prod_pos, rpos = q->prod_rpos;

	q->prod_pos = pos + 1 == q->len ? 0 : pos + 1;
	rpos = rpos + 1 == q->ret_len ? 0 : rpos + 1;
	q->prod_rpos = rpos;
	q->prod_head++;
	if (prefetch && q->prod_head + ZC_PREFETCH_AHEAD - q->prod_tail_cache <= q->len) {
		rpos += ZC_PREFETCH_AHEAD - 1;
		zc_prefetch_write(q, q->ret[rpos >= q->ret_len ? rpos - q->ret_len : rpos]);
	}
}

/*
 * Only with room: the free-ring entry at prod_rpos is then below n + tail (see top).
 * The caller's buffer goes into the packet slot, the free buffer to the caller, its data
 * starting where a fresh buffer's does (after the whole head room).  That is a store to
 * the line the caller is about to write, not a load: pfring_zc_pkt_buff_data() on the
 * new handle then reads data_off from the store buffer instead of waiting for the line,
 * which the consumer held last.
 */
static inline void zc_queue_put_plain(struct zc_queue *q, pfring_zc_pkt_buff **ph, int prefetch)
{
	uint32_t free_idx = q->ret[q->prod_rpos];
	pfring_zc_pkt_buff *h = zc_buf_handle(q->buffers, q->stride, free_idx);

	q->slots[q->prod_pos] = zc_buf_index(q->buffers, q->stride_shift, q->stride_inv, *ph);
	zc_buf_hdr(h)->data_off = q->data_off0;
	*ph = h;
	zc_queue_advance(q, prefetch);
}

/*
 * A buffer that a fan-out shares (refs > 1, see zc_multi.c) never goes into a plain
 * queue: it would come back to this queue's producer as a free buffer while its other
 * readers may still read it.  The packet is copied into the free buffer instead, which
 * goes into the slot, and the caller keeps the shared one (which it gives back to its
 * fan-out queue by its next receive there, or releases).  refs is read only once the
 * cluster has a multi-queue (zc_queue_shared(), zc_priv.h's fanout): it is on the line
 * the application has just written and whose ownership may still be on its way, and the
 * load would wait for it.
 */
static void zc_queue_put_copy(struct zc_queue *q, pfring_zc_pkt_buff *h)
{
	uint32_t free_idx = zc_queue_next_free(q);

	zc_buf_copy(q->cluster, zc_buf_handle(q->buffers, q->stride, free_idx), h);
	zc_queue_push(q, free_idx);
}

static inline void zc_queue_put(struct zc_queue *q, pfring_zc_pkt_buff **ph)
{
	if (__builtin_expect(zc_buf_shared(*ph), 0))
		zc_queue_put_copy(q, *ph);
	else
		zc_queue_put_plain(q, ph, q->burst_prefetch);
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
	if (ZC_BACKEND(q))
		return q->ops->send_pkt ? q->ops->send_pkt(q, pkt_handle, flush_packet) : zc_no_op();
	/* one predictable branch for multi-queues and fan-out buffers (zc_multi.c) */
	if (__builtin_expect(q->mq != NULL, 0) || zc_queue_shared(q, *pkt_handle))
		return zc_send_slow(q, pkt_handle, flush_packet);
	if (__builtin_expect(zc_queue_room(q, 1) == 0, 0)) {
		zc_queue_count_drops(q, 1);
		if (q->prod_head != q->prod_published)
			zc_queue_publish(q);	/* a full queue must not hold packets back */
		errno = EAGAIN;
		return -EAGAIN;
	}
	len = (*pkt_handle)->len;
	zc_queue_put_plain(q, pkt_handle, 1);
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
	if (ZC_BACKEND(q))
		return q->ops->send_pkt_burst ?
		       q->ops->send_pkt_burst(q, pkt_handles, num_packets, flush_packets) :
		       zc_no_op();
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
	if (zc_queue_fanout(q))
		for (i = 0; i < n; i++)
			zc_queue_put(q, &pkt_handles[i]);
	else
		for (i = 0; i < n; i++)
			zc_queue_put_plain(q, &pkt_handles[i], q->burst_prefetch);
	if (n < num_packets)
		zc_queue_count_drops(q, num_packets - n);
	if (flush_packets || n < num_packets || q->prod_head - q->prod_published >= ZC_FLUSH_BATCH)
		zc_queue_publish(q);
	return (int)n;
}

/* zc_multi.c, only with room: the free buffer the next send takes ... */
uint32_t zc_queue_next_free(const struct zc_queue *q)
{
	return q->ret[q->prod_rpos];
}

/* ... and that send: idx into the next packet slot, the free buffer taken. */
void zc_queue_push(struct zc_queue *q, uint32_t idx)
{
	q->slots[q->prod_pos] = idx;
	zc_queue_advance(q, 1);
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
	if (ZC_BACKEND(q))
		return q->ops->is_full ? q->ops->is_full(q) : zc_no_op();
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

static inline void zc_queue_get(struct zc_queue *q, pfring_zc_pkt_buff **ph, int next)
{
	uint32_t pos = q->cons_pos, rpos = q->cons_rpos;
	uint32_t idx = q->slots[pos];

	zc_prefetch_read(q, idx);

	q->ret[rpos] = zc_buf_index(q->buffers, q->stride_shift, q->stride_inv, *ph);
	*ph = zc_buf_handle(q->buffers, q->stride, idx);
	pos = pos + 1 == q->len ? 0 : pos + 1;
	/*
	 * A packet the caller reads soon, if the cached head says it is published: with a
	 * backlog of more than ZC_CONS_AHEAD, the one ZC_CONS_AHEAD - 1 after the next (a
	 * producer that got ahead wrote it long ago: its lines may have left the producer's
	 * caches, and one packet ahead does not hide L3's latency), else the next one.  A
	 * burst asks at its last packet only (the others are the burst's).
	 */
	if (next && q->cons_head_cache - q->cons_tail > 1) {
		uint32_t ahead = q->cons_head_cache - q->cons_tail > ZC_CONS_AHEAD ?
				 pos + ZC_CONS_AHEAD - 1 : pos;

		zc_prefetch_read(q, q->slots[ahead >= q->len ? ahead - q->len : ahead]);
	}
	q->cons_pos = pos;
	q->cons_rpos = rpos + 1 == q->ret_len ? 0 : rpos + 1;
	q->cons_tail++;
}

static inline void zc_queue_consumed(struct zc_queue *q)
{
	/*
	 * Paired with the producer's load-acquire of tail in zc_queue_room(): our reads of
	 * the packet slots, and our writes of the free-ring entries and of the buffers we
	 * put there, happen before the producer reuses those slots and reads those entries.
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
	if (ZC_BACKEND(q))
		return q->ops->recv_pkt ? q->ops->recv_pkt(q, pkt_handle, wait_for_incoming_packet) :
		       zc_no_op();
	if (zc_queue_avail(q, 1) == 0 && (!wait_for_incoming_packet || zc_queue_wait(q) == 0))
		return 0;
	zc_queue_get(q, pkt_handle, 1);
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
	if (ZC_BACKEND(q))
		return q->ops->recv_pkt_burst ?
		       q->ops->recv_pkt_burst(q, pkt_handles, max_num_packets,
					      wait_for_incoming_packet) :
		       zc_no_op();
	n = zc_queue_avail(q, max_num_packets);
	if (n == 0 && (!wait_for_incoming_packet || (n = zc_queue_wait(q)) == 0))
		return 0;
	if (n > max_num_packets)
		n = max_num_packets;
	for (i = 0; i < n; i++)
		zc_queue_get(q, &pkt_handles[i], i + 1 == n);
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
	if (ZC_BACKEND(q))
		return q->ops->is_empty ? q->ops->is_empty(q) : zc_no_op();
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
	if (ZC_BACKEND(q)) {
		if (q->ops->breakloop)
			q->ops->breakloop(q);
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
	if (ZC_BACKEND(q)) {
		if (q->ops->sync)
			q->ops->sync(q, direction);
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
	if (ZC_BACKEND(q))
		return q->ops->stats ? q->ops->stats(q, stats) : zc_no_op();
	/* published counts: packets held back by a producer without flush are not in sent */
	stats->sent = atomic_load_explicit(&q->shm->head, memory_order_relaxed);
	stats->recv = atomic_load_explicit(&q->shm->tail, memory_order_relaxed);
	stats->drop = atomic_load_explicit(&q->shm->drop, memory_order_relaxed);
	return 0;
}
