/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pf_ring_int.h - what the files of pf_ring.ko share.
 *
 * Files and their prefixes:
 *   core.c    pfr_sock_   socket family, create/release, options, poll, module init
 *   ring.c    pfr_ring_   ring allocation, mmap, slot write (the producer), wake-ups
 *   hook.c    pfr_hook_   the per-device ETH_P_ALL hooks, their rings, the list of rings
 *   parse.c   pfr_parse_  L2-L4 parsing into struct pf_ring_parsed
 *   proc.c    pfr_proc_   /proc/net/pf_ring
 *   netdev.c  pfr_netdev_ device notifier: rings lose their device, /proc/net/pf_ring/dev
 *   tx.c      pfr_tx_     sendmsg: batches of frames out of a device (no ring lock)
 *   cluster.c pfr_cluster_ clusters: which member ring gets a packet
 *   reflect.c pfr_reflect_ reflection and bounce: packets out of a device, not queued
 *   filter.c  pfr_filter_ what a ring lets in: BPF, rules' verdict, policy, sampling
 *   rules.c   pfr_rules_  wildcard and hash rules: storage, matching, actions
 *   driver_hook.c pfr_driver_ the driver-hook API: aware drivers deliver per queue
 *
 * Locks, outermost first:
 *   rtnl_lock          bind list, promiscuous state and protocol hooks of every ring:
 *                      written with rtnl_lock and ps->lock both held (the device
 *                      notifier takes ps->lock too), so either lock makes them stable;
 *                      the aware devices and their hook pointers (driver_hook.c)
 *   pfr_hook_lock      (hook.c) the list of rings, written under it, read under RCU
 *   ps->lock           (mutex) the ring's configuration, the ring's allocation
 *   ps->filt.lock      (mutex, rules.c) the ring's rules; the hook reads them under RCU
 *   pfr_cluster_lock   (cluster.c) clusters and their members
 *   ps->prod_lock      (spinlock, softirq) one producer at a time in the ring
 *
 * mmap() runs under mmap_lock, which ranks below rtnl_lock elsewhere in the kernel
 * (copy_to_user() under rtnl_lock): the mmap path takes ps->lock only, never rtnl_lock.
 */
#ifndef _PF_RING_INT_H
#define _PF_RING_INT_H

#include <linux/types.h>
#include <linux/bits.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/netdevice.h>
#include <linux/if_vlan.h>
#include <linux/rhashtable-types.h>
#include <net/sock.h>
#include <linux/pf_ring.h>
#include "compat.h"

struct seq_file;
struct pfr_cluster;
struct pfr_reflector;
struct pfr_rule_set;

#define PFR_VERSION_STR		"8.8.0"
#define PFR_MAX_BINDS		16
#define PFR_BIND_STR_MAX	256
#define PFR_APPL_NAME_MAX	64
#define PFR_APPL_STATS_MAX	1024
#define PFR_DEFAULT_CAPLEN	1536
#define PFR_DEFAULT_WATERMARK	128	/* packets; at most half the ring */
#define PFR_DEFAULT_WM_TIMEOUT	10	/* ms */
#define PFR_MAX_CAPLEN		65535
#define PFR_MAX_SLOTS		1048576U	/* 2^20 */
#define PFR_MIN_SLOTS		16U
#define PFR_PROC_NAME_MAX	(IFNAMSIZ + 32)
#define PFR_DEFAULT_MAX_RING_MB	1024	/* max_ring_mb */
#define PFR_MAX_RING_MB		1048576U	/* 1 TiB */

/* Module parameters (core.c); read-only once the module is loaded. */
extern unsigned int pfr_min_num_slots;
extern unsigned int pfr_enable_tx_capture;
extern unsigned int pfr_quick_mode;
extern unsigned int pfr_max_ring_mb;
extern unsigned int pfr_max_rules;
extern unsigned int pfr_max_hash_rules;

#define PFR_DEFAULT_MAX_RULES		4096
#define PFR_MAX_MAX_RULES		65535U
#define PFR_DEFAULT_MAX_HASH_RULES	1048576
#define PFR_MAX_MAX_HASH_RULES		16777216U

/*
 * One entry of the bind list: a device, and an RX queue or -1 for all of them. ifindex
 * becomes 0 when the device is unregistered, so that a new device given the same
 * index is never taken for it.
 */
struct pfr_bind {
	int ifindex;
	int queue;
	char name[IFNAMSIZ];
};

/*
 * A device's protocol hook (hook.c), shared by the rings bound to the device, or the
 * "any" hook of a namespace (dev NULL). In the stack's ptype lists while it has a ring;
 * under rtnl_lock, freed after a grace period.
 */
struct pfr_devhook {
	struct packet_type pt;
	struct list_head rings;		/* struct pfr_hook.node: written under rtnl, RCU */
	struct list_head all;		/* pfr_hook_devhooks, under rtnl_lock */
	/* the device's driver hands received frames over itself: the hook skips them */
	bool driver_rx;			/* written under rtnl_lock, READ_ONCE */
	netdevice_tracker tracker;	/* the hold on pt.dev */
	struct rcu_head rcu;
};

/* A ring's place on one device's hook: one per bound device, or one for "any" */
struct pfr_hook {
	struct list_head node;		/* in dh->rings */
	struct pfr_sock *ps;
	struct pfr_devhook *dh;
	bool on;			/* on dh->rings */
};

/*
 * What the hook must do for the ring before it queues a packet (filter.c, rules.c),
 * besides the socket's BPF filter (sk->sk_filter). flags is recomputed under lock and
 * read by the hook with READ_ONCE: 0 keeps a ring without filters at its old cost.
 */
enum {
	PFR_FILT_RULES = BIT(0),	/* wildcard rules */
	PFR_FILT_HASH = BIT(1),		/* hash rules */
	PFR_FILT_POLICY_DROP = BIT(2),	/* the policy drops what no rule decides */
	PFR_FILT_SAMPLE = BIT(3),	/* sampling rate > 1 */
};

struct pfr_filter {
	struct mutex lock;		/* writers of everything below */
	u32 flags;			/* PFR_FILT_* */
	u32 policy_accept;		/* 1: accept, 0: drop */
	u32 sampling_rate;		/* >= 1 */
	u32 fsampling_rate;		/* 0: off */
	u32 last_rule_id;
	atomic64_t sample_seq;		/* packets that reached the sampler */
	atomic64_t fsample_seq;		/* packets a DONT_FORWARD rule dropped */
	atomic64_t filtered;
	atomic64_t sampled_out;
	struct pfr_rule_set __rcu *rules;	/* wildcard, by rule_id */
	bool hash_ready;		/* hash is initialised (smp_store_release) */
	struct rhashtable hash;		/* struct pfr_hrule */
	atomic_t nhash;
	atomic64_t hash_match;
	atomic64_t hash_miss;
	atomic64_t hash_not_added;
};

/* Ring flags (ps->flags), set and tested with the bitops below. */
enum pfr_flag {
	PFR_F_DEV_GONE,		/* a bound device was unregistered */
};

struct pfr_sock {
	struct sock sk;			/* first: a struct sock is a struct pfr_sock */

	struct list_head list;		/* in pfr_hook_rings, under pfr_hook_lock / RCU */
	struct mutex lock;		/* configuration below, ring allocation */

	u32 id;
	pid_t pid;
	char appl_name[PFR_APPL_NAME_MAX];
	char *appl_stats;		/* kmalloc'ed, under lock */
	char proc_name[PFR_PROC_NAME_MAX];
	struct proc_dir_entry *proc_ring;
	struct proc_dir_entry *proc_stats;

	/* Set-up, frozen once the ring exists (the hook reads them then) */
	u32 caplen;
	u32 slots_req;
	bool bound;
	bool bound_any;
	int nbinds;
	struct pfr_bind binds[PFR_MAX_BINDS];

	/* Promiscuous mode and hooks: under rtnl_lock and ps->lock (see the lock list) */
	bool promisc_wanted;
	int npromisc;
	struct net_device *promisc_dev[PFR_MAX_BINDS];
	netdevice_tracker promisc_tracker[PFR_MAX_BINDS];
	int nhooks;			/* hooks[0 .. nhooks - 1] were set up */
	struct pfr_hook hooks[PFR_MAX_BINDS];
	bool mapped;			/* mmap() succeeded once */
	bool closing;			/* release has begun: no hook goes back */

	/* Cluster (cluster.c): written under ps->lock and pfr_cluster_lock, hook: RCU */
	struct pfr_cluster __rcu *cluster;
	int cl_slot;			/* place in the cluster's members */
	bool cl_active;			/* owns buckets: on its hooks */
	u32 cl_consumer;

	/* Reflector (reflect.c): written under rtnl_lock and ps->lock, hook: RCU */
	struct pfr_reflector __rcu *reflector;
	atomic64_t reflected;
	atomic64_t reflect_errors;

	/* Filters (filter.c, rules.c): under filt.lock, hook: RCU and READ_ONCE */
	struct pfr_filter filt;

	/* Read by the hook without lock: READ_ONCE/WRITE_ONCE */
	u32 enabled;
	u32 direction;
	u32 socket_mode;
	u32 parse;
	u32 watermark;
	u32 watermark_timeout_ms;
	unsigned long flags;
	u32 tx_qdisc;			/* PF_RING_OPT_TX_QDISC (tx.c) */
	u32 tx_stack;			/* PF_RING_OPT_TX_STACK (tx.c) */

	/* The ring: published with smp_store_release once complete */
	void *ring;
	struct pf_ring_info *info;
	size_t ring_alloc_len;
	u32 num_slots;
	u32 slot_size;
	struct mmpin pinned;		/* the ring's pages in its user's locked_vm */

	/* Producer state, under prod_lock; read elsewhere with READ_ONCE */
	spinlock_t prod_lock ____cacheline_aligned_in_smp;
	u64 prod;
	u64 drops;
	u32 prod_idx;			/* prod % num_slots */

	/*
	 * Watermark timeout: armed when a packet waits below the watermark (by the
	 * producer, or by poll), it sets wm_expired and wakes the pollers. Every poll
	 * takes wm_expired (xchg to 0) before it counts the unread packets: POLLIN if any
	 * is unread and it was set. See pfr_sock_poll() and pfr_ring_deliver() for the
	 * ordering that keeps a packet from waiting unseen with no timer armed.
	 */
	struct timer_list wm_timer;
	u32 wm_expired;
};

static inline struct pfr_sock *pfr_sk(struct sock *sk)
{
	return container_of(sk, struct pfr_sock, sk);
}

static inline void pfr_flag_set(struct pfr_sock *ps, enum pfr_flag f)
{
	set_bit(f, &ps->flags);
}

static inline bool pfr_flag_test(const struct pfr_sock *ps, enum pfr_flag f)
{
	return test_bit(f, &ps->flags);
}

/* A packet as the rings see it: the frame from its MAC header, a stripped tag put back */
struct pfr_pkt {
	struct sk_buff *skb;		/* NULL: a frame an aware driver handed over */
	const u8 *data;			/* then the frame (linear, no stripped tag) */
	struct net_device *dev;
	int mac_off;			/* frame start from skb->data (> 0: raw IP, TX) */
	int queue;			/* RX queue, -1 when unknown */
	bool from_driver;		/* handed over by an aware driver (driver_hook.c) */
	u32 len;			/* bytes of the frame, tag included */
	bool tx;
	u16 link_type;			/* enum pf_ring_link_type */
	u64 ts_ns;			/* read once for every ring; 0 until then */
	bool parsed_done;
	bool has_tag;			/* a hardware-stripped VLAN tag to put back */
	u8 tag[4];			/* TPID and TCI, network order */
	bool parsed_ok;
	u32 hash;
	struct pf_ring_parsed parsed;
	/* Cluster choice, made once per packet and cluster (cluster.c) */
	const struct pfr_cluster *cl_seen;
	const struct pfr_sock *cl_pick[2];
	u8 cl_keys_done;		/* bit i: cl_key[i] (0 outer, 1 inner) is filled */
	struct pfr_flow_key {
		u8 ip_version;		/* 0: not IP */
		u8 proto;
		u8 frag;		/* PFR_FRAG_* */
		bool ports;		/* sport and dport were read */
		u16 vlan;
		__be16 sport, dport;
		u32 frag_id;
		u8 src[16], dst[16];	/* IP addresses, IPv4 in the first 4 bytes */
		u8 smac[6], dmac[6];
	} cl_key[2];
};

enum { PFR_FRAG_NONE, PFR_FRAG_FIRST, PFR_FRAG_LATER };

/* The frame's bytes the skb (or the driver's buffer) holds: without a stripped tag */
static inline u32 pfr_pkt_held_len(const struct pfr_pkt *pkt)
{
	return pkt->len - (pkt->has_tag ? VLAN_HLEN : 0);
}

/* ring.c */
u64 pfr_ring_size(u32 num_slots, u32 slot_size);
void pfr_ring_geometry(struct pfr_sock *ps, struct pf_ring_geometry *geo);
int pfr_ring_alloc(struct pfr_sock *ps);
int pfr_ring_mmap(struct pfr_sock *ps, struct vm_area_struct *vma);
void pfr_ring_free(struct pfr_sock *ps);
bool pfr_ring_frame_bytes(const struct pfr_pkt *pkt, u32 off, void *to, u32 len);
bool pfr_ring_held_bytes(const struct pfr_pkt *pkt, u32 off, void *to, u32 len);
void pfr_ring_copy_frame(const struct pfr_pkt *pkt, void *to, u32 len);
void pfr_ring_deliver(struct pfr_sock *ps, struct pfr_pkt *pkt);
u64 pfr_ring_unread(struct pfr_sock *ps);
u32 pfr_ring_watermark(const struct pfr_sock *ps);
void pfr_ring_arm_wm_timer(struct pfr_sock *ps);

/* A timeout is set, and neither runs nor has fired unseen: inline, checked per packet */
static inline bool pfr_ring_wm_timer_wanted(const struct pfr_sock *ps)
{
	return READ_ONCE(ps->watermark_timeout_ms) && !timer_pending(&ps->wm_timer) &&
	       !READ_ONCE(ps->wm_expired);
}

/* hook.c */
extern struct mutex pfr_hook_lock;
extern struct list_head pfr_hook_rings;
void pfr_hook_add(struct pfr_sock *ps);
void pfr_hook_del(struct pfr_sock *ps);
int pfr_hook_update(struct pfr_sock *ps, bool *removed);
void pfr_hook_dev_gone(struct pfr_sock *ps, struct net_device *dev);
void pfr_hook_exit(void);
void pfr_hook_parse(struct pfr_pkt *pkt);
unsigned int pfr_hook_deliver(struct pfr_devhook *dh, struct pfr_pkt *pkt);
struct pfr_devhook *pfr_hook_find(struct net *net, const struct net_device *dev);
void pfr_hook_pkt_init(struct pfr_pkt *pkt, struct net_device *dev);
void pfr_hook_pkt_tag(struct pfr_pkt *pkt, bool stripped, u16 proto, u16 tci);

/* driver_hook.c */
void pfr_driver_exit(void);
void pfr_driver_refresh(void);
void pfr_driver_dev_gone(struct net_device *dev);
bool pfr_driver_delivers(const struct net_device *dev);
int pfr_driver_capture_only(struct net_device *dev, bool on);
void pfr_driver_proc_show(struct seq_file *m, const struct net_device *dev, bool mode);

/* parse.c */
u16 pfr_parse_link_type(const struct net_device *dev);
bool pfr_parse(const u8 *data, u32 len, u16 link_type, struct pf_ring_parsed *p, u32 *hash);

/* proc.c */
int pfr_proc_init(void);
void pfr_proc_exit(void);
void pfr_proc_ring_add(struct pfr_sock *ps);
void pfr_proc_ring_del(struct pfr_sock *ps);
void pfr_proc_dev_add(struct net_device *dev);
void pfr_proc_dev_del(struct net_device *dev);
int pfr_proc_stats_path(struct pfr_sock *ps, char *buf, size_t len);

/* reflect.c */
int pfr_reflect_set(struct pfr_sock *ps, const struct pf_ring_reflector *req);
void pfr_reflect_get(struct pfr_sock *ps, struct pf_ring_reflector *out);
void pfr_reflect_clear(struct pfr_sock *ps);
void pfr_reflect_dev_gone(struct pfr_sock *ps, struct net_device *dev);
bool pfr_reflect(struct pfr_sock *ps, const struct pfr_pkt *pkt);
void pfr_reflect_copy(struct pfr_sock *ps, const struct pfr_pkt *pkt, int ifindex, bool bounce);

/* filter.c */
void pfr_filter_init(struct pfr_sock *ps);
bool pfr_filter(struct pfr_sock *ps, struct pfr_pkt *pkt, u32 flags);
int pfr_filter_setsockopt(struct pfr_sock *ps, int optname, sockptr_t optval,
			  unsigned int optlen);
int pfr_filter_getsockopt(struct pfr_sock *ps, int optname, char __user *optval,
			  int __user *optlen);
void pfr_filter_stats(struct pfr_sock *ps, struct pf_ring_stats *st);
void pfr_filter_proc_show(struct seq_file *m, struct pfr_sock *ps);

/* rules.c */
void pfr_rules_release(struct pfr_sock *ps);
void pfr_rules_update_flags(struct pfr_sock *ps);
bool pfr_rules_verdict(struct pfr_sock *ps, struct pfr_pkt *pkt, u32 flags);
int pfr_rules_add(struct pfr_sock *ps, const struct pf_ring_rule *req);
int pfr_rules_remove(struct pfr_sock *ps, u32 rule_id);
int pfr_rules_hash_add(struct pfr_sock *ps, const struct pf_ring_hash_rule *req);
int pfr_rules_hash_remove(struct pfr_sock *ps, const struct pf_ring_hash_rule *req);
int pfr_rules_purge(struct pfr_sock *ps, u32 secs);
int pfr_rules_hash_purge(struct pfr_sock *ps, u32 secs);
int pfr_rules_stats(struct pfr_sock *ps, u32 rule_id, struct pf_ring_rule_stats *out);
int pfr_rules_hash_stats(struct pfr_sock *ps, const struct pf_ring_hash_rule *req,
			 struct pf_ring_rule_stats *out);
u32 pfr_rules_count(struct pfr_sock *ps);

/* cluster.c */
int pfr_cluster_join(struct pfr_sock *ps, const struct pf_ring_cluster *req);
void pfr_cluster_leave(struct pfr_sock *ps);
void pfr_cluster_refresh(struct pfr_sock *ps, bool active);
int pfr_cluster_get(struct pfr_sock *ps, struct pf_ring_cluster *out);
bool pfr_cluster_wants(const struct pfr_sock *ps, struct pfr_pkt *pkt);
void pfr_cluster_proc_show(struct seq_file *m, struct net *net);
void pfr_cluster_init(void);
void pfr_cluster_exit(void);

/* tx.c */
int pfr_tx_sendmsg(struct socket *sock, struct msghdr *msg, size_t len);
int pfr_tx_setsockopt(struct pfr_sock *ps, int optname, sockptr_t optval,
		      unsigned int optlen);

/* netdev.c */
int pfr_netdev_init(void);
void pfr_netdev_exit(void);

/* core.c */
void pfr_sock_promisc_put(struct pfr_sock *ps);
int pfr_sock_opt_copy(void *dst, size_t size, sockptr_t optval, unsigned int optlen);

#endif /* _PF_RING_INT_H */
