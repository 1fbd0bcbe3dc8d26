// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * zc_priv.h - the layout of a cluster's shared memory region and the process-local
 * handles that point into it.
 *
 * One region per cluster; everything in it is located by offsets from its start, never
 * by pointers, so that another process can map it at another address:
 *
 *   0             struct zc_shm_hdr   magic, version, geometry, offsets, lock, id tables
 *   free_off      u32[tot_num_buffers] the cluster's stack of free buffer indexes
 *   arena_off     queues and pools (bump allocated, cache-line aligned)
 *   buffers_off   tot_num_buffers buffers of buf_stride bytes, 4 KB aligned
 *
 * A buffer (buf_stride bytes, a multiple of 64):
 *
 *   +0  struct zc_buf_hdr   (private: index, data offset, fan-out reference count)
 *   +16 pfring_zc_pkt_buff  (the handle applications hold) + metadata_len bytes
 *   meta_len                rounded up to 64
 *   +meta_len               PF_RING_ZC_BUFFER_HEAD_ROOM bytes of head room
 *   +meta_len+64            buffer_len bytes of data, rounded up to 64
 */
#ifndef ZC_PRIV_H
#define ZC_PRIV_H

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "pfring_zc.h"

#define ZC_API		__attribute__((visibility("default")))
#define ZC_CACHELINE	64
#define ZC_ALIGN(x, a)	(((x) + (a) - 1) / (a) * (a))

#define ZC_SHM_MAGIC	0x505a4331u	/* "PZC1" */
#define ZC_SHM_VERSION	3u	/* 2: IPC owner table, robust lock; 3: fanout flag */
#define ZC_MAX_QUEUES	256		/* queue ids 0..255 per cluster */
#define ZC_MAX_POOLS	256		/* pool ids 0..255 per cluster */
#define ZC_HUGEPAGE	(2u << 20)
#define ZC_APP_NAME_LEN	64	/* an application name given to a device's ring */
#define ZC_MAX_NUMA_NODE	1023	/* the highest node id a node mask here holds */
#define ZC_NODE_MASK_LONGS	(ZC_MAX_NUMA_NODE / (8 * sizeof(unsigned long)) + 1)
#define ZC_FLUSH_BATCH	32u		/* packets a producer may hold back without flush */
#define ZC_RET_GAP	64u		/* free-ring slots beyond len: 4 cache lines apart */

/* The failure convention of the int calls: errno set to err, -err returned */
static inline int zc_fail(int err)
{
	errno = err;
	return -err;
}

/* Policies of mbind/set_mempolicy (<linux/mempolicy.h>) */
#define ZC_MPOL_PREFERRED	1
#define ZC_MPOL_BIND		2

/*
 * A mask of NUMA node node alone (0 <= node <= ZC_MAX_NUMA_NODE) for mbind/set_mempolicy;
 * returns the maxnode argument that goes with it (the kernel reads maxnode - 1 bits).
 */
static inline unsigned long zc_node_mask(unsigned long mask[ZC_NODE_MASK_LONGS], int node)
{
	const unsigned int bits = 8 * sizeof(unsigned long);

	for (unsigned int i = 0; i < ZC_NODE_MASK_LONGS; i++)
		mask[i] = 0;
	mask[node / bits] = 1UL << (node % bits);
	return (unsigned long)node + 2;
}

/* In front of every pfring_zc_pkt_buff, inside the buffer (one cache line with it). */
struct zc_buf_hdr {
	uint32_t idx;		/* the buffer's index in the cluster */
	uint16_t data_off;	/* from the handle to the first packet byte */
	uint16_t data_min;	/* data_off at the very start of the head room */
	/*
	 * Fan-out reference count (zc_multi.c): how many places (packet slots, free-ring
	 * entries, the handles of the consumers that received it) hold this buffer since a
	 * pfring_zc_send_pkt_multi() put it into several queues.  0 or 1: one owner, the
	 * ordinary case, never touched by an atomic read-modify-write.
	 */
	_Atomic uint32_t refs;
	uint32_t pad_;
};

/* The queue as it lives in shared memory: producer and consumer lines apart. */
struct zc_shm_queue {
	/* read-only after creation */
	uint32_t id;
	uint32_t len;		/* capacity and number of slots */
	uint32_t ret_len;	/* len + ZC_RET_GAP: slots of the ring of free buffers */
	uint64_t slots_off;	/* u32[len]: the packets' buffer indexes, from the region start */
	uint64_t ret_off;	/* u32[ret_len]: the free buffers' indexes */
	/*
	 * head: count of packets ever published by the producer.  Written by the producer
	 * only, store-release after it has written the slots; paired with the consumer's
	 * load-acquire in zc_queue_avail(), so the slot contents (buffer indexes) and the
	 * packet bytes written before the send are visible to the consumer.
	 */
	_Alignas(ZC_CACHELINE) _Atomic uint64_t head;
	_Atomic uint64_t drop;	/* producer only (relaxed); read by pfring_zc_stats() */
	/*
	 * tail: count of packets ever taken by the consumer, which is also the count of
	 * buffers it gave back to the free ring (one for each).  Written by the consumer
	 * only, store-release after it has read the packet's slot and written its own
	 * buffer into the free ring; paired with the producer's load-acquire in
	 * zc_queue_room(), so the producer reads those free-ring entries only once written.
	 */
	_Alignas(ZC_CACHELINE) _Atomic uint64_t tail;
	char pad_[ZC_CACHELINE - sizeof(uint64_t)];
};

struct zc_shm_pool {
	uint32_t id;
	uint32_t cap;		/* room of the stack (a reused descriptor may have more) */
	uint32_t len;		/* pool_len of the pool that uses it: the most it keeps */
	uint32_t count;		/* buffers in the stack (one user: no atomics) */
	uint32_t in_use;
	uint32_t pad_;
	uint64_t stack_off;	/* u32[cap] of buffer indexes */
};

/*
 * IPC (zc_ipc.c): a process that uses part of a cluster, identified by its pid and the
 * start time the kernel gives it (/proc/PID/stat field 22), so that a reused pid is not
 * taken for the process that died.  pid 0: nobody.
 */
struct zc_ipc_owner {
	int32_t pid;
	uint32_t pad_;
	uint64_t start;
};

struct zc_shm_hdr {
	uint32_t magic;
	uint32_t version;
	uint32_t cluster_id;
	uint32_t flags;
	uint32_t buffer_len;	/* usable data bytes per buffer (rounded to 64) */
	uint32_t metadata_len;
	uint32_t meta_len;	/* bytes from buffer start to head room */
	uint32_t buf_stride;
	uint32_t tot_num_buffers;
	int32_t numa_node;
	/*
	 * Set to 1 (never back) by pfring_zc_create_multi_queue() on this cluster, in any
	 * process, before that multi-queue can share a buffer.  While it is 0 no buffer has
	 * a refs above 1, and a plain send need not read refs in the buffer's first line:
	 * that load would wait for the line the application has just written and does not
	 * own yet.  Relaxed: a shared buffer reaches a sender only through a queue's head
	 * store-release / load-acquire made after the flag was set (or by the thread that
	 * set it), so the sender sees it.  On the header's first line, which nothing
	 * writes after creation but this, so the load is a hit in every process.
	 */
	_Atomic uint32_t fanout;
	uint32_t pad0_;
	uint64_t region_size;
	uint64_t free_off;
	uint64_t arena_off;
	uint64_t arena_size;
	uint64_t buffers_off;
	/* mutable, under lock (process-shared) */
	pthread_mutex_t lock;
	uint32_t free_count;
	uint32_t num_queues;
	uint32_t num_pools;
	uint32_t pad_;
	uint64_t arena_used;
	uint64_t queue_off[ZC_MAX_QUEUES];
	uint64_t pool_off[ZC_MAX_POOLS];	/* 0: free id */
	/* IPC (zc_ipc.c), under lock: the creator and the attached side of each queue/pool */
	struct zc_ipc_owner creator;
	struct zc_ipc_owner queue_owner[ZC_MAX_QUEUES][2];	/* [0] rx_only, [1] tx_only */
	struct zc_ipc_owner pool_owner[ZC_MAX_POOLS];
};

struct zc_cluster;
struct zc_queue;

/*
 * Queue backends.  A queue whose ops is NULL is an SPSC queue in cluster memory (shm,
 * slots: zc_queue.c); any other queue is a backend's (ops set, shm and slots NULL, its
 * state behind the handle -- zc_device.c's one-copy devices today).  Every public queue
 * call tests ops once, after its argument checks, and hands a backend's queue to the op:
 * the SPSC fast path pays one predictable branch.  An op may be NULL: the call then fails
 * with EOPNOTSUPP.  Ops return as the public call does (-errno with errno set).
 */
struct zc_queue_ops {
	const char *name;
	int (*send_pkt)(struct zc_queue *q, pfring_zc_pkt_buff **h, u_int8_t flush);
	int (*send_pkt_burst)(struct zc_queue *q, pfring_zc_pkt_buff **h, u_int32_t n,
			      u_int8_t flush);
	int (*recv_pkt)(struct zc_queue *q, pfring_zc_pkt_buff **h, u_int8_t wait);
	int (*recv_pkt_burst)(struct zc_queue *q, pfring_zc_pkt_buff **h, u_int32_t n,
			      u_int8_t wait);
	int (*is_empty)(struct zc_queue *q);
	int (*is_full)(struct zc_queue *q);
	void (*sync)(struct zc_queue *q, pfring_zc_queue_mode direction);
	void (*breakloop)(struct zc_queue *q);
	int (*stats)(struct zc_queue *q, pfring_zc_stat *stats);
	u_int32_t (*queue_id)(struct zc_queue *q);
	void (*close)(struct zc_queue *q);	/* frees q; the cluster's lock is not held */
	/* device control (zc_control.c): the backend's pf_ring socket, its one interface */
	pfring *(*ring)(struct zc_queue *q);
	unsigned int (*ifindex)(struct zc_queue *q);	/* 0: none, or several */
};

/*
 * A process-local queue handle.  One thread sends while another receives through the
 * same handle, so each side's private state has its own cache line.
 */
struct zc_queue {
	/* read-only */
	struct zc_shm_queue *shm;
	uint32_t *slots;
	uint32_t *ret;		/* the free ring */
	char *buffers;		/* base of the buffer area */
	uint32_t stride;
	uint32_t len;
	uint32_t ret_len;
	uint32_t data0;		/* a fresh buffer's first data byte, from its start */
	uint32_t stride_shift;	/* stride = stride_odd << stride_shift */
	uint32_t stride_inv;	/* stride_odd's inverse modulo 2^32 (zc_buf_index()) */
	struct zc_cluster *cluster;
	const struct zc_queue_ops *ops;	/* NULL: SPSC queue; else a backend (above) */
	/*
	 * Set when the queue joins a multi-queue (pfring_zc_create_multi_queue()): its
	 * producer side is then the multi-queue's, and a plain send goes through
	 * pfring_zc_send_pkt_multi() to this one bit (zc_multi.c), which takes back the
	 * fan-out buffers consumers return.  NULL: the plain fast path.
	 */
	struct zc_multi *mq;
	uint32_t mq_bit;
	const _Atomic uint32_t *fanout;	/* &the cluster's hdr->fanout */
	/*
	 * A fresh buffer's data_off (see zc_queue_put_plain()); kept rather than derived
	 * from data0 in the send: that build measured ~7 % slower (zc-burst at 1024).
	 */
	uint16_t data_off0;
	uint8_t burst_prefetch;		/* the burst send prefetches (zc_queue_init_local()) */

	/* producer only */
	_Alignas(ZC_CACHELINE) uint64_t prod_head;	/* next packet number to write */
	uint64_t prod_published;			/* last head stored to shm */
	uint64_t prod_tail_cache;			/* a copy of shm->tail, may be stale */
	uint32_t prod_pos;				/* prod_head % len */
	uint32_t prod_rpos;				/* prod_head % ret_len */

	/* consumer only */
	_Alignas(ZC_CACHELINE) uint64_t cons_tail;
	uint64_t cons_head_cache;			/* a copy of shm->head, may be stale */
	uint32_t cons_pos;				/* cons_tail % len */
	uint32_t cons_rpos;				/* (len + cons_tail) % ret_len */

	/* set by any thread, read and cleared by the consumer */
	_Alignas(ZC_CACHELINE) _Atomic int breakloop;

	/* backends: the cluster's list of its open backend queues (under the cluster lock) */
	struct zc_queue *backend_next;
};

/* The shared layout is an ABI between processes (a later attach by cluster id). */
_Static_assert(sizeof(pfring_zc_pkt_buff) == 16, "public handle layout");
_Static_assert(sizeof(struct zc_buf_hdr) == 16, "buffer header layout");
_Static_assert(offsetof(struct zc_shm_queue, head) == ZC_CACHELINE, "head on its own line");
_Static_assert(offsetof(struct zc_shm_queue, tail) == 2 * ZC_CACHELINE, "tail on its own line");
_Static_assert(sizeof(struct zc_shm_queue) == 3 * ZC_CACHELINE, "queue descriptor size");
_Static_assert(offsetof(struct zc_shm_hdr, fanout) + sizeof(uint32_t) <= ZC_CACHELINE,
	       "fanout on the header's read-mostly first line");
_Static_assert(offsetof(struct zc_queue, cons_tail) - offsetof(struct zc_queue, prod_head) >=
	       ZC_CACHELINE, "producer and consumer state on separate lines");

struct zc_pool {
	struct zc_shm_pool *shm;
	uint32_t *stack;
	struct zc_cluster *cluster;
};

/* A process-local cluster handle. */
struct zc_cluster {
	struct zc_shm_hdr *hdr;
	char *base;
	size_t size;
	int fd;
	char path[4096];	/* the region's file (zc_ipc.c), or "" */
	struct zc_queue *queues[ZC_MAX_QUEUES];
	struct zc_pool *pools[ZC_MAX_POOLS];
	struct zc_queue *backends;	/* open backend queues (devices), under lock */
	/* IPC (zc_ipc.c) */
	int attached;			/* mapped by pfring_zc_ipc_attach_*(), not created here */
	unsigned int refs;		/* attached queues and pools using this mapping */
	uint64_t ino, dev;		/* the file at path: unlink it only if still this one */
	struct zc_cluster *ipc_next;	/* this process's list of attached mappings */
	struct zc_multi *multis;	/* multi-queues (zc_multi.c), freed at destroy */
	char app_name[ZC_APP_NAME_LEN];	/* pfring_zc_set_app_name(): for its devices */
};

static inline pfring_zc_pkt_buff *zc_buf_handle(char *buffers, uint32_t stride, uint32_t idx)
{
	return (pfring_zc_pkt_buff *)(buffers + (size_t)idx * stride + sizeof(struct zc_buf_hdr));
}

static inline struct zc_buf_hdr *zc_buf_hdr(pfring_zc_pkt_buff *h)
{
	return (struct zc_buf_hdr *)((char *)h - sizeof(struct zc_buf_hdr));
}

/*
 * A handle's buffer index from its address alone, as zc_buf_hdr(h)->idx holds it: the
 * offset is an exact multiple of the stride, so dividing is a shift by the stride's
 * power of two and a multiplication by the inverse of its odd part modulo 2^32.  The
 * queues use it so as not to load the buffer's first line, which the other CPU may
 * hold: the line would then move between the CPUs for every packet.
 */
static inline uint32_t zc_buf_index(const char *buffers, uint32_t shift, uint32_t inv,
				    const pfring_zc_pkt_buff *h)
{
	uint64_t off = (uint64_t)((const char *)h - sizeof(struct zc_buf_hdr) - buffers);

	return (uint32_t)(off >> shift) * inv;
}

/* The inverse modulo 2^32 of odd d (Newton's iteration doubles the exact bits). */
static inline uint32_t zc_inverse_odd(uint32_t d)
{
	uint32_t x = d;		/* exact to 3 bits: d * d == 1 mod 8 for odd d */
	int i;

	for (i = 0; i < 4; i++)
		x *= 2 - d * x;
	return x;
}

static inline void *zc_at(const struct zc_cluster *c, uint64_t off)
{
	return c->base + off;
}

/* zc_cluster.c */
int zc_handle_valid(const struct zc_cluster *c, const pfring_zc_pkt_buff *h);
void *zc_arena_alloc(struct zc_cluster *c, size_t size, uint64_t *off);	/* under lock */
int zc_take_buffers(struct zc_cluster *c, uint32_t *dst, uint32_t n);	/* under lock */
void zc_put_buffer(struct zc_cluster *c, uint32_t idx);			/* under lock */
void zc_buf_reset(pfring_zc_pkt_buff *h);
void zc_lock(struct zc_cluster *c);
void zc_unlock(struct zc_cluster *c);

/* backend queues: link into / unlink from the cluster's list (take the lock) */
void zc_backend_add(struct zc_cluster *c, struct zc_queue *q);
int zc_backend_remove(struct zc_cluster *c, struct zc_queue *q);	/* 0: not listed */
/* zc_ipc.c: the region's file, findable by cluster id */
uint64_t zc_file_pagesize(int fd);
int zc_ipc_create_file(struct zc_cluster *c, uint32_t cluster_id, const char *mountpoint,
		       uint32_t flags);
int zc_ipc_publish(struct zc_cluster *c, uint32_t cluster_id);
void zc_ipc_unpublish(struct zc_cluster *c);
/* zc_ipc.c: a worker's sides of its SPSC queues in the owner table (0 rx, 1 tx) */
int zc_queue_claim(struct zc_queue *q, int side);	/* 1 taken, 0 nothing to take, -EBUSY */
void zc_queue_unclaim(struct zc_queue *q, int side);
/* zc_queue.c */
void zc_queue_init_local(struct zc_queue *q, struct zc_cluster *c, struct zc_shm_queue *sq);

/* zc_queue.c, zc_pool.c: release process-local handles at cluster destroy */
void zc_queue_free(struct zc_queue *q);
void zc_pool_free(struct zc_pool *p);

/* ---- fan-out reference counts, multi-queues and workers (zc_multi.c, zc_worker.c) ---- */

/*
 * Drop one reference to a buffer; 1 when the caller held the last one (the buffer may
 * be written again or recycled), 0 when another holder still reads it.  A buffer with
 * refs <= 1 has one holder, the caller: no atomic read-modify-write.  The acquire load
 * and the acq_rel decrement order every other holder's reads of the packet (each
 * released by its own decrement) before the last holder's reuse.
 */
static inline int zc_buf_unref(pfring_zc_pkt_buff *h)
{
	struct zc_buf_hdr *bh = zc_buf_hdr(h);

	if (atomic_load_explicit(&bh->refs, memory_order_acquire) <= 1)
		return 1;
	return atomic_fetch_sub_explicit(&bh->refs, 1, memory_order_acq_rel) == 1;
}

static inline int zc_buf_shared(pfring_zc_pkt_buff *h)
{
	return atomic_load_explicit(&zc_buf_hdr(h)->refs, memory_order_relaxed) > 1;
}

/* Whether q's cluster has had a multi-queue: only then can a buffer be shared. */
static inline int zc_queue_fanout(const struct zc_queue *q)
{
	return __builtin_expect(atomic_load_explicit(q->fanout, memory_order_relaxed) != 0, 0);
}

/* zc_buf_shared() for a send into q: refs is read only once the cluster has a fan-out. */
static inline int zc_queue_shared(const struct zc_queue *q, pfring_zc_pkt_buff *h)
{
	return zc_queue_fanout(q) && zc_buf_shared(h);
}

#define ZC_MULTI_MAX PF_RING_ZC_SEND_PKT_MULTI_V3_MAX_QUEUES

/* A multi-queue (process-local): its queues and its producer's spare buffers. */
struct zc_multi {
	struct zc_cluster *cluster;
	struct zc_multi *next;		/* the cluster's list, freed at destroy */
	char *buffers;
	uint32_t stride;
	uint32_t num;
	struct zc_queue *q[ZC_MULTI_MAX];
	/* the producer's spares (buffer indexes): one producer thread, no locking */
	uint32_t *spare;
	uint32_t nspare;
	uint32_t spare_cap;
};

/* Copy a packet (fields, metadata, data) into another buffer of the same cluster. */
void zc_buf_copy(struct zc_cluster *c, pfring_zc_pkt_buff *dst, pfring_zc_pkt_buff *src);
/* A plain send on a queue of a multi-queue: pfring_zc_send_pkt_multi() to its bit. */
int zc_multi_send_one(struct zc_queue *q, pfring_zc_pkt_buff **ph, uint8_t flush);
/* Producer side: publish held-back packets, if any. */
void zc_queue_flush(struct zc_queue *q);
/* Free slots as the producer sees them (reloads the consumer's tail when short). */
uint32_t zc_queue_free_slots(struct zc_queue *q, uint32_t want);
uint32_t zc_queue_next_free(const struct zc_queue *q);
void zc_queue_push(struct zc_queue *q, uint32_t idx);
/*
 * After the multi-queue's producer stopped: every free-ring entry its queues' next sends
 * take gets a buffer of its own (a still shared one is replaced from the spares), and
 * the spares left over go to pool (or to the cluster when pool is NULL).
 */
void zc_multi_settle(struct zc_multi *m, struct zc_pool *pool);
void zc_multi_free_all(struct zc_cluster *c);

#endif /* ZC_PRIV_H */
