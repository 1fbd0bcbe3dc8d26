// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pfring_zc.h - the public ZC API (libpfring_zc): clusters of packet buffers in one shared
 * memory region, buffer pools, and single-producer/single-consumer queues that move
 * buffers by exchanging them (zero copy).  Names, types and values are source-compatible
 * with today's PF_RING ZC header for the calls implemented here; devices, workers
 * (balancer/fanout) and IPC attach are not implemented yet.
 *
 * Conventions: pointer returns are NULL with errno set on failure; int returns are
 * negative (-errno, errno also set) on failure.
 */
#ifndef _PF_RING_ZC_H_
#define _PF_RING_ZC_H_

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/* pfring_zc_create_cluster() flags */
#define PF_RING_ZC_ENABLE_VM_SUPPORT	(1 << 0)	/* accepted, no effect yet */
/*
 * Our own flag (not in ntop's header): back the cluster with normal pages instead of
 * 2 MB hugepages.  For development only: prints a warning; performance (TLB misses)
 * and any later DMA use are not what a real deployment gets.
 */
#define PF_RING_ZC_CLUSTER_NO_HUGEPAGES	(1 << 24)

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
 * from it, in one shared memory region backed by 2 MB hugepages (a memfd, or a file under
 * hugepages_mountpoint when not NULL).  Every queue slot and every pool entry holds one
 * buffer, so tot_num_buffers must cover the sum of all queue_len and pool_len plus the
 * handles the application keeps.  numa_node_id is recorded only.  Errors: EINVAL, ENOMEM
 * (no hugepages: a message on stderr says how many to reserve), EEXIST (file exists).
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
/* Unmaps and frees everything: queues, pools and handles of the cluster become invalid. */
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
 * to another (free) buffer that the caller owns from then on.  With flush_packet 0 the
 * packet may stay invisible to the consumer until a later flush (send or
 * pfring_zc_sync_queue(q, tx_only)); at most 32 packets are held back.
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

/* ---- multi-queues, workers, builtin hashes (zc_multi.c, zc_worker.c, zc_hash.c) ----- */

#define PF_RING_ZC_SEND_PKT_MULTI_MAX_QUEUES	64

/* pfring_zc_builtin_gtp_hash() flags (out) */
#define PF_RING_ZC_BUILTIN_GTP_HASH_FLAGS_V1	(1 << 0)
#define PF_RING_ZC_BUILTIN_GTP_HASH_FLAGS_V2	(1 << 1)
#define PF_RING_ZC_BUILTIN_GTP_HASH_FLAGS_GTPC	(1 << 2)
#define PF_RING_ZC_BUILTIN_GTP_HASH_FLAGS_GTPU	(1 << 3)

/*
 * A producer's handle on up to 64 queues of one cluster, to put the same buffer into
 * several of them without a copy (fan-out).  A queue belongs to one multi-queue at most
 * (EBUSY); from then on its sends go through the multi-queue (a plain send on it is a
 * send to that one queue), from one producer thread.  The consumers of these queues
 * treat what they receive as read-only and give it back by receiving again from a queue
 * of the same multi-queue or by releasing it; they do not receive from other queues with
 * it in their handle.  Errors: EINVAL (NULL, no queue, more than 64, a queue twice or
 * of another cluster), EBUSY, ENOMEM.
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
/* Called by a worker when a round over its ingress queues found nothing. */
typedef void (*pfring_zc_idle_callback)(void);

/*
 * Workers: a thread that moves packets from in_queues to egress queues until
 * pfring_zc_kill_worker().  working_set_pool gives the buffers the worker exchanges with
 * the queues: 8 in burst mode (round_robin_bursts_policy), 1 otherwise, and for the fifo
 * 32 per ingress queue (ENOBUFS if the pool has fewer).  active_wait: poll without
 * pause when idle (otherwise back off and sleep); core_id_affinity >= 0 pins the thread
 * (EINVAL if there is no such CPU).  A packet the egress queue has no room for is
 * dropped and counted in that queue's stats.  Errors: EINVAL, ENOBUFS, EAGAIN (thread).
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
 * working-set pool (a fan-out's spares too, after every free slot of its egress queues
 * got a buffer of its own).  The queues stay usable; a later producer on the same
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
