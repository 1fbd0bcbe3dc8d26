// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pfring_zc.h - the public ZC API (libpfring_zc): clusters of packet buffers in one shared
 * memory region, buffer pools, and single-producer/single-consumer queues that move
 * buffers by exchanging them (zero copy).  Names, types and values are source-compatible
 * with today's PF_RING ZC header, every call of which is declared here; those of features
 * this library has not (VM support, the kernel-bypass "zc:" devices, which come next)
 * fail with EOPNOTSUPP.
 *
 * Conventions: pointer returns are NULL with errno set on failure; int returns are
 * negative (-errno, errno also set) on failure.
 */
#ifndef _PF_RING_ZC_H_
#define _PF_RING_ZC_H_

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "pfring.h"	/* hw_filtering_rule, as today's header has it (linux/pf_ring.h there) */

/* pfring_zc_create_cluster() flags */
#define PF_RING_ZC_ENABLE_VM_SUPPORT	(1 << 0)	/* accepted, no effect yet */
/*
 * Our own flag (not in ntop's header): back the cluster with normal pages instead of
 * 2 MB hugepages.  For development only: prints a warning; performance (TLB misses)
 * and any later DMA use are not what a real deployment gets.
 */
#define PF_RING_ZC_CLUSTER_NO_HUGEPAGES	(1 << 24)

/*
 * pfring_zc_open_device() flags (values as in today's ntop header).  On the one-copy
 * devices of this library (a standard PF_RING socket, see pfring_zc_open_device()):
 *   NOT_PROMISC, CAPTURE_TX             honoured
 *   SW_TIMESTAMP                        always on: the kernel stamps every packet (ns)
 *   HW_TIMESTAMP, STRIP_HW_TIMESTAMP    "when available": never here (software stamps)
 *   ASYMMETRIC_RSS, FIXED_RSS_Q_0, NOT_REPROGRAM_RSS, IPONLY_RSS
 *                                       accepted, no effect: they program the NIC's RSS
 *                                       in kernel-bypass mode (open "ethX@Q" for a queue)
 *   CAPTURE_INJECTED                    accepted: the kernel never hides injected packets
 *   IXIA_TIMESTAMP, ARISTA/METAWATCH_TIMESTAMP, DO_NOT_STRIP_FCS
 *                                       refused: EOPNOTSUPP
 */
#define PF_RING_ZC_DEVICE_ASYMMETRIC_RSS	(1 << 0)
#define PF_RING_ZC_DEVICE_FIXED_RSS_Q_0		(1 << 1)
#define PF_RING_ZC_DEVICE_SW_TIMESTAMP		(1 << 2)
#define PF_RING_ZC_DEVICE_HW_TIMESTAMP		(1 << 3)
#define PF_RING_ZC_DEVICE_STRIP_HW_TIMESTAMP	(1 << 4)
#define PF_RING_ZC_DEVICE_IXIA_TIMESTAMP	(1 << 5)
#define PF_RING_ZC_DEVICE_NOT_REPROGRAM_RSS	(1 << 6)
#define PF_RING_ZC_DEVICE_CAPTURE_TX		(1 << 7)
#define PF_RING_ZC_DEVICE_IPONLY_RSS		(1 << 8)
#define PF_RING_ZC_DEVICE_NOT_PROMISC		(1 << 9)
#define PF_RING_ZC_DO_NOT_STRIP_FCS		(1 << 10)
#define PF_RING_ZC_DEVICE_ARISTA_TIMESTAMP	(1 << 11)
#define PF_RING_ZC_DEVICE_METAWATCH_TIMESTAMP	(1 << 11)
#define PF_RING_ZC_DEVICE_CAPTURE_INJECTED	(1 << 12)

/* pfring_zc_pkt_buff.flags */
#define PF_RING_ZC_PKT_FLAGS_GOOD_IP_CS		(1 << 0)
#define PF_RING_ZC_PKT_FLAGS_BAD_IP_CS		(1 << 1)
#define PF_RING_ZC_PKT_FLAGS_GOOD_L4_CS		(1 << 2)
#define PF_RING_ZC_PKT_FLAGS_BAD_L4_CS		(1 << 3)
#define PF_RING_ZC_PKT_FLAGS_FLOW_OFFLOAD_UPDATE	(1 << 6)
#define PF_RING_ZC_PKT_FLAGS_FLOW_OFFLOAD_PACKET	(1 << 7)
#define PF_RING_ZC_PKT_FLAGS_FLOW_OFFLOAD_MARKER	(1 << 8)
#define PF_RING_ZC_PKT_FLAGS_FLOW_OFFLOAD_1ST		(1 << 9)

#define PF_RING_ZC_API_CLUSTER_INFO

/* Room kept in front of every packet for pfring_zc_pkt_buff_push(). */
#define PF_RING_ZC_BUFFER_HEAD_ROOM	64

#define UNDEFINED_QUEUEID	0xFFFFFFFF
/* pfring_zc_get_queue_id() of a device: its ifindex << 16 (queues have ids below 65536) */
#define QUEUE_IS_DEVICE(i)	((i) > 0xFFFF)
#define QUEUEID_TO_IFINDEX(i)	((i) >> 16)
#define IFINDEX_TO_QUEUEID(i)	((i) << 16)

#ifdef __cplusplus
extern "C" {
#endif

typedef void pfring_zc_cluster;
typedef void pfring_zc_queue;
typedef void pfring_zc_buffer_pool;
typedef void pfring_zc_worker;
typedef void pfring_zc_multi_queue;

typedef enum {
	rx_only,
	tx_only,
	management_only
} pfring_zc_queue_mode;

typedef struct {
	u_int64_t recv;	/* packets taken out of the queue */
	u_int64_t sent;	/* packets put into the queue */
	u_int64_t drop;	/* sends refused because the queue was full */
} pfring_zc_stat;

typedef struct {
	u_int32_t tv_sec;
	u_int32_t tv_nsec;
} pfring_zc_timespec;

/*
 * A packet handle: lives in cluster memory at the head of its buffer.  The packet data
 * is reached with pfring_zc_pkt_buff_data(); user[] is the metadata area
 * (metadata_len bytes given to pfring_zc_create_cluster()).
 */
typedef struct {
	u_int16_t len;
	u_int16_t flags;
	u_int32_t hash;
	pfring_zc_timespec ts;
	u_char user[];
} pfring_zc_pkt_buff;

typedef struct {
	u_int32_t buffer_len;
	u_int32_t metadata_len;
} pfring_zc_queue_info;

typedef struct {
	u_int64_t total_memory;		/* bytes mapped for the cluster */
	u_int32_t buffer_len;		/* usable packet bytes per buffer */
	u_int32_t real_buffer_len;	/* stride between buffers (handle, metadata, head room, data) */
} pfring_zc_cluster_info;

typedef struct {
	void *base_addr;
	u_int64_t size;
} pfring_zc_cluster_mem_info;

/* ---- clusters ---------------------------------------------------------------------- */

/*
 * Create a cluster: tot_num_buffers buffers of buffer_len bytes (rounded up to 64) plus
 * metadata_len bytes of metadata each, and room for the rings of the queues and pools made
 * from it, in one shared memory region backed by hugepages: a file on a hugetlbfs mount,
 * hugepages_mountpoint when not NULL (see "IPC" below for the other places and how other
 * processes find it by cluster_id).  The pages are the mount's: 2 MB by default, 1 GB on a
 * mount with pagesize=1G (the region is then rounded up to whole 1 GB pages).  Every queue
 * slot and every pool entry holds one buffer, so tot_num_buffers must cover the sum of all
 * queue_len and pool_len plus the handles the application keeps.  numa_node_id >= 0: the
 * pages are taken on that NUMA node, bound to it (EINVAL for a node the machine has not);
 * negative: where the kernel puts them.  Errors: EINVAL, ENOMEM (not enough free
 * hugepages of that size, or on that node: a message on stderr says how many to reserve,
 * and where), EBUSY (cluster_id is in use
 * by a live process), ENODEV (no hugetlbfs mount and none could be mounted: not root),
 * ENOENT (hugepages_mountpoint does not exist), EEXIST (a file of that name that is not a
 * cluster of this library is in the way).
 */
pfring_zc_cluster *pfring_zc_create_cluster(u_int32_t cluster_id, u_int32_t buffer_len,
					    u_int32_t metadata_len, u_int32_t tot_num_buffers,
					    int32_t numa_node_id, const char *hugepages_mountpoint,
					    u_int32_t flags);
int pfring_zc_precompute_cluster_settings(pfring_zc_cluster_info *info, u_int32_t buffer_len,
					  u_int32_t metadata_len, u_int32_t tot_num_buffers,
					  u_int32_t flags);
int pfring_zc_get_memory_info(pfring_zc_cluster *cluster, pfring_zc_cluster_mem_info *mem_info);
u_int32_t pfring_zc_get_cluster_id(pfring_zc_cluster *cluster);
/*
 * Unmaps and frees everything: queues, pools and handles of the cluster become invalid in
 * this process.  Processes attached to it keep their mapping until they detach; the memory
 * goes back to the system when the last one has.  Not for an attached cluster (EINVAL).
 */
void pfring_zc_destroy_cluster(pfring_zc_cluster *cluster);

/* ---- packet handles and pools ------------------------------------------------------ */

/* A free buffer from the cluster (thread-safe); NULL + ENOBUFS when none is left. */
pfring_zc_pkt_buff *pfring_zc_get_packet_handle(pfring_zc_cluster *cluster);
void pfring_zc_release_packet_handle(pfring_zc_cluster *cluster, pfring_zc_pkt_buff *pkt_handle);

/* A pool reserves pool_len buffers of the cluster for one user (not thread-safe). */
pfring_zc_buffer_pool *pfring_zc_create_buffer_pool(pfring_zc_cluster *cluster, u_int32_t pool_len);
u_int32_t pfring_zc_get_pool_id(pfring_zc_buffer_pool *pool);
/* NULL + ENOBUFS when the pool is empty. */
pfring_zc_pkt_buff *pfring_zc_get_packet_handle_from_pool(pfring_zc_buffer_pool *pool);
/* Any buffer of the cluster is accepted; beyond pool_len it goes back to the cluster. */
void pfring_zc_release_packet_handle_to_pool(pfring_zc_buffer_pool *pool, pfring_zc_pkt_buff *pkt_handle);
/* Gives the pool's buffers back to the cluster. */
void pfring_zc_destroy_buffer_pool(pfring_zc_buffer_pool *pool);

/* ---- packet data ------------------------------------------------------------------- */

/* queue (any queue of the cluster) may be NULL: the handle alone locates its data. */
u_char *pfring_zc_pkt_buff_data(pfring_zc_pkt_buff *pkt_handle, pfring_zc_queue *queue);
u_char *pfring_zc_pkt_buff_data_from_cluster(pfring_zc_pkt_buff *pkt_handle, pfring_zc_cluster *cluster);
pfring_zc_pkt_buff *pfring_zc_pkt_data_buff(u_char *data, pfring_zc_cluster *cluster);
/* Remove len bytes from the start (len shrinks); NULL + EINVAL if len > pkt len. */
u_char *pfring_zc_pkt_buff_pull(pfring_zc_pkt_buff *pkt_handle, pfring_zc_queue *queue, u_int16_t len);
/* Add len bytes at the start, taken from the head room; NULL + ENOSPC if it has no room. */
u_char *pfring_zc_pkt_buff_push(pfring_zc_pkt_buff *pkt_handle, pfring_zc_queue *queue, u_int16_t len);
void pfring_zc_pkt_buff_pull_only(pfring_zc_pkt_buff *pkt_handle, u_int16_t len);

/* ---- SPSC queues ------------------------------------------------------------------- */

/*
 * A single-producer/single-consumer queue holding exactly queue_len packets; queue_len
 * buffers are taken from the cluster to fill its slots (ENOBUFS if not available).
 * One thread may send and one other thread may receive at the same time.
 */
pfring_zc_queue *pfring_zc_create_queue(pfring_zc_cluster *cluster, u_int32_t queue_len);
u_int32_t pfring_zc_get_queue_id(pfring_zc_queue *queue);
void pfring_zc_get_queue_settings(pfring_zc_queue *queue, pfring_zc_queue_info *info);

/*
 * Enqueue *pkt_handle.  The buffer is exchanged, not copied: on success *pkt_handle points
 * to another (free) buffer that the caller owns from then on, its data starting after the
 * whole head room as a fresh buffer's does (its len and the rest are what its last user
 * left).  With flush_packet 0 the packet may stay invisible to the consumer until a later
 * flush (send or pfring_zc_sync_queue(q, tx_only)); at most 32 packets are held back.
 * Returns the packet length; -EAGAIN (and a drop counted) when the queue is full.
 */
int pfring_zc_send_pkt(pfring_zc_queue *queue, pfring_zc_pkt_buff **pkt_handle, u_int8_t flush_packet);
/* As above for num_packets handles; returns how many were enqueued (the first ones). */
int pfring_zc_send_pkt_burst(pfring_zc_queue *queue, pfring_zc_pkt_buff **pkt_handles,
			     u_int32_t num_packets, u_int8_t flush_packets);
/*
 * Dequeue into *pkt_handle, which must hold a buffer of the cluster: that buffer is left
 * in the queue in exchange.  Returns 1, or 0 when empty (non-blocking) or when
 * pfring_zc_queue_breakloop() interrupted a blocking wait.
 */
int pfring_zc_recv_pkt(pfring_zc_queue *queue, pfring_zc_pkt_buff **pkt_handle,
		       u_int8_t wait_for_incoming_packet);
int pfring_zc_recv_pkt_burst(pfring_zc_queue *queue, pfring_zc_pkt_buff **pkt_handles,
			     u_int32_t max_num_packets, u_int8_t wait_for_incoming_packet);
/* 1 if no published packet is waiting (any thread). */
int pfring_zc_queue_is_empty(pfring_zc_queue *queue);
/* Producer's view, from the producer thread: 1 if a send would fail. */
int pfring_zc_queue_is_full(pfring_zc_queue *queue);
/* tx_only: publish held-back packets; rx_only: refresh the consumer's view. */
void pfring_zc_sync_queue(pfring_zc_queue *queue, pfring_zc_queue_mode direction);
void pfring_zc_queue_breakloop(pfring_zc_queue *queue);
int pfring_zc_stats(pfring_zc_queue *queue, pfring_zc_stat *stats);

/* ---- devices (one-copy, through pf_ring.ko) ----------------------------------------- */

/*
 * Open a network device as a queue of the cluster, through a standard PF_RING socket
 * (libpfring and pf_ring.ko; any driver).  device_name: "ethX", "ethX@Q" (one hardware
 * queue), "ethX,ethY" (RX), "any" (RX), "stack:ethX" (TX only: what is sent enters the
 * local stack as if ethX had received it).  "zc:ethX" (kernel bypass) is not available
 * yet: EOPNOTSUPP.
 *
 * rx_only: pfring_zc_recv_pkt()/_burst() copy each packet once into the caller's buffer
 * (*pkt_handle stays the same handle: len, ts in ns, hash when the ring has one -- 0
 * today -- flags 0, data from the default head room; frames longer than the cluster's
 * buffer_len are cut to it).  From there on the buffer moves in zero copy.  A blocking
 * receive sleeps in poll() and returns 0 after pfring_zc_queue_breakloop().
 * tx_only: pfring_zc_send_pkt()/_burst() hand the buffer's data to the socket's send path
 * (the caller keeps its handle); without flush up to 64 frames wait for a later send with
 * flush or pfring_zc_sync_queue(q, tx_only).  A full device queue: -EAGAIN, counted as a
 * drop.  TX needs one device (no list, no "any").
 * management_only: the socket is opened and bound, neither RX nor TX.
 *
 * A call of the wrong direction (send on rx_only, receive or is_empty on tx_only, either
 * on management_only) fails with EOPNOTSUPP.  pfring_zc_stats(): RX, recv and drop of the
 * ring as the kernel counts them (sent 0); TX, sent = frames taken, drop = refused with
 * EAGAIN (recv 0).  pfring_zc_queue_is_full() of a TX device is 0 (the send path cannot
 * tell before trying).  pfring_zc_get_queue_id(): IFINDEX_TO_QUEUEID(ifindex) of the
 * (first) device, UNDEFINED_QUEUEID for "any".  One thread uses a device (plus breakloop
 * and stats from any thread).
 *
 * Errors (NULL, errno): EINVAL (bad argument or flag, "stack:" with several devices, TX
 * on a list or "any"), ENODEV (no such interface), EOPNOTSUPP ("zc:", "stack:" not
 * tx_only, a refused flag), and libpfring's for the socket itself (EAFNOSUPPORT:
 * pf_ring.ko not loaded; EPERM: not root).  Link with libpfring too (-lpfring_zc -lpfring).
 */
pfring_zc_queue *pfring_zc_open_device(pfring_zc_cluster *cluster, const char *device_name,
				       pfring_zc_queue_mode queue_mode, u_int32_t flags);
/*
 * Close a device opened by pfring_zc_open_device() (frames waiting to be sent go first).
 * pfring_zc_destroy_cluster() closes those still open.  EINVAL for anything else.
 */
void pfring_zc_close_device(pfring_zc_queue *queue);
/* ---- IPC: queues and pools of a cluster used from other processes ------------------ */

/*
 * Every cluster is findable by its id while its creator lives: its region is the file
 * pfring_zc_cluster_<cluster_id> on a hugetlbfs mount (hugepages_mountpoint, of 2 MB or
 * 1 GB pages, else the pfring_zc_ipc_init() one, else the first of 2 MB pages in
 * /proc/mounts, else one mounted at /run/pfring_zc/hugepages-2M when run as root; attach
 * looks on every hugetlbfs mount) or in /dev/shm with PF_RING_ZC_CLUSTER_NO_HUGEPAGES.
 * The file is mode 0600: attach as the creator's user, or in the group that
 * pfring_zc_cluster_set_group() opened a root creator's file to.
 *
 * - Creating a cluster whose id is in use by a live creator fails with EBUSY.  The file of
 *   a creator that died (killed with -9) is stale: the next create of the id, an attach or
 *   the last detach of an attached process removes it.  Memory goes back to the system
 *   when the file is removed and the last process mapping it has detached or exited.
 * - The cluster lock is a robust process-shared mutex: a process killed while holding it
 *   does not block the others (the next locker makes it consistent; the buffers the dead
 *   process was moving under the lock may be lost, never handed out twice).
 * - An attached process maps the region at its own address; handles, packet data and
 *   pfring_zc_pkt_buff_data()/push()/pull() work on them as in the creator.
 * - Liveness is the recorded process's pid and start time in /proc: all processes of a
 *   cluster must share a pid namespace, and a program that daemonizes (forks and lets
 *   its parent exit) must do so before it creates the cluster.
 *
 * A queue has two sides, rx_only (the consumer) and tx_only (the producer); each may be
 * attached by one live process at a time.  The creator's own handle of a queue or pool is
 * not recorded: do not attach a side or a pool that the creator itself uses.
 * management_only attaches for pfring_zc_stats()/pfring_zc_queue_is_empty() only and may
 * be done by any number of processes.  Sending on an rx_only handle (or the reverse) is
 * not checked (no cost on the packet path): do not.
 *
 * When an attached process dies (kill -9):
 * - the other side and every other queue go on: a producer whose consumer died sees the
 *   queue fill up and counts drops (pfring_zc_stats); a consumer whose producer died
 *   receives nothing more.
 * - its side of the queue becomes free: a new process attaches it (no EBUSY) and resumes
 *   where the shared counters are: a consumer at the first packet not yet taken.
 * - a consumer killed inside pfring_zc_recv_pkt*() before it published the packets it
 *   took as taken: the next consumer receives those packets again (the dead one may have
 *   seen them too: at most one burst), no packet is lost.  The buffers the dead one was
 *   giving back in exchange are lost with the others it held (below).
 *   A producer killed inside pfring_zc_send_pkt*() loses only the packets it had not
 *   published yet (the next producer reuses those slots).
 * - its attached pool stays in the cluster with the buffers that were in it: the next
 *   process attaching the pool gets them.  The buffers the dead process held outside any
 *   pool or queue (the handle it received into, typically one, or one burst) are lost to
 *   the cluster until it is destroyed: size tot_num_buffers with that in mind.
 */

/* The hugetlbfs mountpoint attach looks in first (NULL: the default places above). */
void pfring_zc_ipc_init(const char *hugepages_mountpoint);
/*
 * Our own call (not in ntop's header), for a creator that runs as root and lets processes
 * of a group attach (zbalance_ipc -D: the user's group): the cluster's file becomes
 * readable and writable by group gid (mode 0660, still the creator's), and the library's
 * own mount (/run/pfring_zc/hugepages-2M) traversable by others (0711).  A mount given as
 * hugepages_mountpoint must let them through itself.  0, or -errno (errno set): EINVAL (no
 * cluster, or one this process attached rather than created), EPERM (not root, nor a
 * member of gid).
 */
int pfring_zc_cluster_set_group(pfring_zc_cluster *cluster, gid_t gid);
/*
 * Attach this process to queue_id of the cluster cluster_id, side queue_mode.  Errors:
 * ENOENT (no live cluster of that id, or the queue was not created), EINVAL (queue_id
 * beyond 255, bad queue_mode), EBUSY (that side is attached by a live process, or a live
 * process's worker uses it: see "Workers"), EPROTO (the file is not a cluster of this
 * version), EACCES (file of another user).
 */
pfring_zc_queue *pfring_zc_ipc_attach_queue(u_int32_t cluster_id, u_int32_t queue_id,
					    pfring_zc_queue_mode queue_mode);
/* Frees the side for another process; packets in the queue stay.  EINVAL if not attached. */
void pfring_zc_ipc_detach_queue(pfring_zc_queue *queue);
/* Attach pool_id (one process at a time); errors as pfring_zc_ipc_attach_queue(). */
pfring_zc_buffer_pool *pfring_zc_ipc_attach_buffer_pool(u_int32_t cluster_id, u_int32_t pool_id);
/* The pool's buffers stay in it, for the next process that attaches it. */
void pfring_zc_ipc_detach_buffer_pool(pfring_zc_buffer_pool *pool);
/*
 * A queue and a pool with the same id, for another process to attach both by that id (its
 * pool gives it the buffers it receives into, or sends from).  The id is the next queue id
 * whose pool id is free (queue ids skipped over pools made before stay unused).  Returns 0,
 * or -errno with
 * errno set: EINVAL, ENOBUFS (queue_len + pool_len buffers not free), ENOSPC; if the queue
 * was made but the pool could not be, *queue is set and *pool is NULL.
 */
int pfring_zc_create_queue_pool_pair(pfring_zc_cluster *cluster, u_int32_t queue_len,
				     u_int32_t pool_len, pfring_zc_queue **queue,
				     pfring_zc_buffer_pool **pool);
/* ---- multi-queues, workers, builtin hashes (zc_multi.c, zc_worker.c, zc_hash.c) ----- */

#define PF_RING_ZC_SEND_PKT_MULTI_MAX_QUEUES	64	/* the bits of a u_int64_t mask */
#define PF_RING_ZC_SEND_PKT_MULTI_V3_MAX_QUEUES	128	/* queues of a multi-queue; _v3 masks */

/* pfring_zc_builtin_gtp_hash() flags (out) */
#define PF_RING_ZC_BUILTIN_GTP_HASH_FLAGS_V1	(1 << 0)
#define PF_RING_ZC_BUILTIN_GTP_HASH_FLAGS_V2	(1 << 1)
#define PF_RING_ZC_BUILTIN_GTP_HASH_FLAGS_GTPC	(1 << 2)
#define PF_RING_ZC_BUILTIN_GTP_HASH_FLAGS_GTPU	(1 << 3)

/*
 * A producer's handle on up to 128 queues of one cluster, to put the same buffer into
 * several of them without a copy (fan-out).  A queue belongs to one multi-queue at most
 * (EBUSY); from then on its sends go through the multi-queue (a plain send on it is a
 * send to that one queue), from one producer thread.  The consumers of these queues
 * treat what they receive as read-only and give it back by receiving again from a queue
 * of the same multi-queue or by releasing it; they do not receive from other queues with
 * it in their handle.  A u_int64_t mask reaches its first 64 queues, the _v3 calls'
 * 128-bit masks all of them.  Errors: EINVAL (NULL, no queue, more than 128, a queue
 * twice or of another cluster), EBUSY, ENOMEM.
 */
pfring_zc_multi_queue *pfring_zc_create_multi_queue(pfring_zc_queue *queues[], u_int32_t num_queues);
/*
 * Put *pkt_handle into every queue of the multi-queue whose bit is set in queues_mask
 * (bit 0: queues[0]; bits beyond the queues are ignored).  A full queue is skipped and a
 * drop counted in its stats.  As with pfring_zc_send_pkt(), *pkt_handle then holds
 * another buffer the caller owns.  Returns the number of queues the packet went to (0:
 * none, errno EAGAIN when they were full); -EINVAL; -ENOBUFS if no buffer could be handed
 * back (consumers broke the rules above and the cluster has no free buffer).
 */
int pfring_zc_send_pkt_multi(pfring_zc_multi_queue *multi_queue, pfring_zc_pkt_buff **pkt_handle,
			     u_int64_t queues_mask, u_int8_t flush_packet);
#ifdef __SIZEOF_INT128__
/* The same with a 128-bit mask: every queue of a multi-queue of up to 128. */
int pfring_zc_send_pkt_multi_v3(pfring_zc_multi_queue *multi_queue, pfring_zc_pkt_buff **pkt_handle,
				__int128_t queues_mask, u_int8_t flush_packet);
#endif

typedef enum {
	round_robin_policy = 0,		/* one packet from each ingress queue in turn */
	round_robin_bursts_policy	/* up to a burst from each ingress queue in turn */
} pfring_zc_recv_policy;

/* 0 drops the packet, anything else lets it through. */
typedef int64_t (*pfring_zc_filtering_func)(pfring_zc_pkt_buff *pkt_handle, pfring_zc_queue *in_queue,
					    void *user);
/*
 * Balancer: the egress queue index (taken modulo the number of egress queues), or a
 * negative value to drop the packet.  Fan-out: the mask of egress queues.
 */
typedef int64_t (*pfring_zc_distribution_func)(pfring_zc_pkt_buff *pkt_handle, pfring_zc_queue *in_queue,
					       void *user);
#ifdef __SIZEOF_INT128__
/* Fan-out to up to 128 queues (pfring_zc_run_fanout_v3()): the 128-bit mask of them. */
typedef __int128_t (*pfring_zc_distribution_func_v3)(pfring_zc_pkt_buff *pkt_handle,
						     pfring_zc_queue *in_queue, void *user);
#endif
/* Called by a worker when a round over its ingress queues found nothing. */
typedef void (*pfring_zc_idle_callback)(void);

/*
 * Workers: a thread that moves packets from in_queues to egress queues until
 * pfring_zc_kill_worker().  working_set_pool gives the buffers the worker exchanges with
 * the queues: 8 in burst mode (round_robin_bursts_policy), 1 otherwise, and for the fifo
 * 32 per ingress queue (ENOBUFS if the pool has fewer).  active_wait: poll without
 * pause when idle (otherwise back off and sleep); core_id_affinity >= 0 pins the thread
 * (EINVAL if there is no such CPU).  A packet the egress queue has no room for is
 * dropped and counted in that queue's stats.  While it runs, the worker holds the rx side
 * of its ingress queues and the tx side of its egress queues as an attach would: another
 * process's pfring_zc_ipc_attach_queue() of one of them fails with EBUSY.  Errors: EINVAL,
 * ENOBUFS, EBUSY (another live process has attached one of those sides), EAGAIN (thread).
 *
 * Balancer: each packet goes to exactly one of out_queues, chosen by distr_func (NULL:
 * pfring_zc_builtin_ip_hash() modulo num_out_queues, so both directions of a host pair
 * stay together).
 */
pfring_zc_worker *pfring_zc_run_balancer_v2(pfring_zc_queue *in_queues[], pfring_zc_queue *out_queues[],
					    u_int32_t num_in_queues, u_int32_t num_out_queues,
					    pfring_zc_buffer_pool *working_set_pool,
					    pfring_zc_recv_policy recv_policy, pfring_zc_idle_callback idle_func,
					    pfring_zc_filtering_func filter_func, void *filter_user_data,
					    pfring_zc_distribution_func distr_func, void *distr_user_data,
					    u_int32_t active_wait, int32_t core_id_affinity);
pfring_zc_worker *pfring_zc_run_balancer(pfring_zc_queue *in_queues[], pfring_zc_queue *out_queues[],
					 u_int32_t num_in_queues, u_int32_t num_out_queues,
					 pfring_zc_buffer_pool *working_set_pool,
					 pfring_zc_recv_policy recv_policy, pfring_zc_idle_callback idle_func,
					 pfring_zc_distribution_func distr_func, void *distr_user_data,
					 u_int32_t active_wait, int32_t core_id_affinity);
/*
 * Fan-out: each packet goes, without a copy, to the queues of out_multi_queue whose bit
 * distr_func returns (NULL: all of them).  The worker is the multi-queue's producer.
 */
pfring_zc_worker *pfring_zc_run_fanout_v2(pfring_zc_queue *in_queues[], pfring_zc_multi_queue *out_multi_queue,
					  u_int32_t num_in_queues, pfring_zc_buffer_pool *working_set_pool,
					  pfring_zc_recv_policy recv_policy, pfring_zc_idle_callback idle_func,
					  pfring_zc_filtering_func filter_func, void *filter_user_data,
					  pfring_zc_distribution_func distr_func, void *distr_user_data,
					  u_int32_t active_wait, int32_t core_id_affinity);
pfring_zc_worker *pfring_zc_run_fanout(pfring_zc_queue *in_queues[], pfring_zc_multi_queue *out_multi_queue,
				       u_int32_t num_in_queues, pfring_zc_buffer_pool *working_set_pool,
				       pfring_zc_recv_policy recv_policy, pfring_zc_idle_callback idle_func,
				       pfring_zc_distribution_func distr_func, void *distr_user_data,
				       u_int32_t active_wait, int32_t core_id_affinity);
#ifdef __SIZEOF_INT128__
/* Fan-out with a 128-bit mask: all the queues of a multi-queue of up to 128. */
pfring_zc_worker *pfring_zc_run_fanout_v3(pfring_zc_queue *in_queues[], pfring_zc_multi_queue *out_multi_queue,
					  u_int32_t num_in_queues, pfring_zc_buffer_pool *working_set_pool,
					  pfring_zc_recv_policy recv_policy, pfring_zc_idle_callback idle_func,
					  pfring_zc_filtering_func filter_func, void *filter_user_data,
					  pfring_zc_distribution_func_v3 distr_func, void *distr_user_data,
					  u_int32_t active_wait, int32_t core_id_affinity);
#endif
/*
 * Fifo: merges in_queues, each in timestamp order, into one stream in timestamp order
 * (pfring_zc_pkt_buff.ts).  A packet waits until every ingress queue has a packet to
 * compare it with, or at most 1 ms (the reordering window).  The packets go to out_queue,
 * or, when out_queue is NULL, to func(packet, its ingress queue, user_data); with an
 * out_queue, func (if any) is called first and a negative return drops the packet.
 * core_id_affinity_timer is accepted and unused (there is no timer thread).
 */
pfring_zc_worker *pfring_zc_run_fifo(pfring_zc_queue *in_queues[], pfring_zc_queue *out_queue,
				     u_int32_t num_in_queues, pfring_zc_buffer_pool *working_set_pool,
				     pfring_zc_idle_callback callback, pfring_zc_distribution_func func,
				     void *user_data, u_int32_t active_wait, int32_t core_id_affinity_sorter,
				     int32_t core_id_affinity_timer);
/*
 * Stop the worker and wait for its thread; the buffers it holds go back to its
 * working-set pool (a fan-out's spares too, after every free buffer of its egress queues
 * is one of its own).  The queues stay usable; a later producer on the same
 * multi-queue takes from the cluster's free buffers the spares that packets still in
 * flight at the kill need.
 */
void pfring_zc_kill_worker(pfring_zc_worker *worker);

/*
 * Builtin hashes, symmetric (both directions of a flow hash alike).  They read Ethernet
 * with any number of 802.1Q/802.1ad tags, then IPv4 or IPv6 (extension headers skipped),
 * then TCP, UDP or SCTP ports (none in a non-first fragment).  A non-IP frame hashes its
 * two MAC addresses.  queue is unused (the handle locates its data).
 *
 * ip: <src ip, dst ip>.  5tuple: <src ip, dst ip, src port, dst port, protocol>.
 * gtp: GTP-U (UDP port 2152, G-PDU): the inner IP packet's <ips, ports>; GTP-C (UDP port
 * 2123): its sequence number; anything else <ips, ports>; *flags (may be NULL) gets
 * PF_RING_ZC_BUILTIN_GTP_HASH_FLAGS_* for what was found, 0 for no GTP.
 * gre: GRE (IP protocol 47, version 0, IPv4, IPv6 or Ethernet inside): the inner
 * <src ip, dst ip>; anything else <ips, ports>.
 */
u_int32_t pfring_zc_builtin_ip_hash(pfring_zc_pkt_buff *pkt_handle, pfring_zc_queue *queue);
u_int32_t pfring_zc_builtin_5tuple_hash(pfring_zc_pkt_buff *pkt_handle, pfring_zc_queue *queue);
u_int32_t pfring_zc_builtin_gtp_hash(pfring_zc_pkt_buff *pkt_handle, pfring_zc_queue *queue,
				     u_int32_t *flags);
u_int32_t pfring_zc_builtin_gre_hash(pfring_zc_pkt_buff *pkt_handle, pfring_zc_queue *queue);

/* ---- device control, NUMA, and what is not here (zc_control.c) --------------------- */

/*
 * On a device queue these pass to its pf_ring socket as the pfring_* call of the same
 * name does (BPF filter: the kernel drops what it refuses before the copy); on any other
 * queue they fail with EOPNOTSUPP (0 Mbit/s for the speed, errno set by the void ones).
 */
int pfring_zc_set_bpf_filter(pfring_zc_queue *queue, const char *filter);
int pfring_zc_remove_bpf_filter(pfring_zc_queue *queue);
int pfring_zc_add_hw_rule(pfring_zc_queue *queue, hw_filtering_rule *rule);
int pfring_zc_remove_hw_rule(pfring_zc_queue *queue, u_int16_t rule_id);
int pfring_zc_get_device_clock(pfring_zc_queue *queue, struct timespec *ts);
int pfring_zc_set_device_clock(pfring_zc_queue *queue, struct timespec *ts);
int pfring_zc_adjust_device_clock(pfring_zc_queue *queue, struct timespec *offset, int8_t sign);
/* The link's speed in Mbit/s; 0 if unknown */
u_int32_t pfring_zc_get_queue_speed(pfring_zc_queue *queue);
/* Application name and statistics line of the device's entry under /proc/net/pf_ring */
int pfring_zc_set_device_app_name(pfring_zc_queue *queue, const char *name);
int pfring_zc_set_device_proc_stats(pfring_zc_queue *queue, const char *stats);
/* RSS indirection of the device's one interface: cell i gets indir_table[i % 128] */
void pfring_zc_set_rxfh_indir(pfring_zc_queue *queue, u_int8_t *indir_table);
/* pfring_zc_send_pkt(), and the time it returned in *ts (software) */
int pfring_zc_send_pkt_get_time(pfring_zc_queue *queue, pfring_zc_pkt_buff **pkt_handle,
				u_int8_t flush_packet, struct timespec *ts);
/* The cluster's name, given to its devices (open ones and later ones); EINVAL if >= 64 */
int pfring_zc_set_app_name(pfring_zc_cluster *cluster, const char *name);
/* The cluster's statistics line, in its first open device's entry; ENODEV without one */
int pfring_zc_set_proc_stats(pfring_zc_cluster *cluster, char *stats);

/* The NUMA node of a CPU, -1 if unknown */
int pfring_zc_numa_get_cpu_node(int core_id);
/* The calling thread's memory from node_id first (-1: the default policy again) */
int pfring_zc_numa_set_numa_affinity(int node_id);

/* No debug output to turn on: a no-op */
void pfring_zc_debug(void);
/* VM support (QEMU guests attached to a cluster) is not available: EOPNOTSUPP */
int pfring_zc_vm_register(pfring_zc_cluster *cluster, const char *vm_monitor_socket_path);
int pfring_zc_vm_backend_enable(pfring_zc_cluster *cluster);
void pfring_zc_vm_guest_init(const char *uio_device);

/* ---- licence and version ----------------------------------------------------------- */

char *pfring_zc_version(void);
/* There is no licence: these always report a valid one. */
int pfring_zc_check_license(void);
int pfring_zc_check_device_license(pfring_zc_queue *queue, u_int32_t *expiration_epoch);
int pfring_zc_check_device_license_by_name(char *device_name, u_int32_t *expiration_epoch);

#ifdef __cplusplus
}
#endif

#endif /* _PF_RING_ZC_H_ */
