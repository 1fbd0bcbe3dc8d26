/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pfring_priv.h - what the façade (pfring.c) and the backends share. Not installed.
 *
 * A ring is a struct __pfring (the few public members) and a struct pfring_private:
 * the options common to every backend, the backend's ops table and its own state.
 * A backend leaves an op NULL when it has no such operation; the façade then answers
 * PF_RING_ERROR_NOT_SUPPORTED with errno ENOTSUP.
 */
#ifndef PFRING_PRIV_H
#define PFRING_PRIV_H

#include "pfring.h"

#define PFRING_HIDDEN __attribute__((visibility("hidden")))

/* pcap link types (DLT_ values as Linux's libpcap numbers them; no pcap.h needed) */
#define DLT_EN10MB_	1
#define DLT_RAW_	12

/* libpcap's PCAP_ERRBUF_SIZE: its messages fit */
#define PFRING_BPF_ERROR_LEN	256

struct pfring_ops {
	const char *name;
	int (*open)(pfring *ring, const char *device);
	void (*close)(pfring *ring);
	int (*enable)(pfring *ring, int on);
	int (*recv)(pfring *ring, u_char **buffer, u_int buffer_len,
		    struct pfring_pkthdr *hdr, u_int8_t wait);
	int (*recv_burst)(pfring *ring, pfring_packet_info *pkts, u_int8_t n, u_int8_t wait);
	void (*give_back)(pfring *ring);	/* the slots the last receive handed out */
	int (*poll)(pfring *ring, u_int wait_ms);
	int (*is_pkt_available)(pfring *ring);
	int (*next_pkt_time)(pfring *ring, struct timespec *ts);
	u_int32_t (*num_queued)(pfring *ring);
	void (*sync_indexes)(pfring *ring);
	int (*stats)(pfring *ring, pfring_stat *stats);
	int (*version)(pfring *ring, u_int32_t *version);
	int (*set_direction)(pfring *ring, packet_direction dir);
	int (*set_socket_mode)(pfring *ring, socket_mode mode);
	int (*set_poll_watermark)(pfring *ring, u_int16_t watermark);
	int (*set_poll_watermark_timeout)(pfring *ring, u_int16_t ms);
	int (*set_application_name)(pfring *ring, const char *name);
	int (*set_application_stats)(pfring *ring, const char *stats);
	char *(*get_appl_stats_file_name)(pfring *ring, char *path, u_int path_len);
	int (*dev_info)(pfring *ring, struct pf_ring_dev_info *info);
	u_int32_t (*get_ring_id)(pfring *ring);
	int (*get_link_type)(pfring *ring);	/* a pcap DLT_ value */
	int (*get_caplen)(pfring *ring);
	u_int32_t (*get_num_slots)(pfring *ring);
	u_int16_t (*get_slot_header_len)(pfring *ring);
	/*
	 * Sending (pfring_send.c buffers the frames): records as linux/pf_ring.h's
	 * "Sending" describes them; returns the bytes of the records sent, or -1 + errno.
	 */
	ssize_t (*send_batch)(pfring *ring, const void *records, size_t len);
	/* The frame of the last receive while the ring still holds it: 0, or -1 + errno */
	int (*last_rx)(pfring *ring, const u_char **frame, u_int *caplen, u_int *len);
	int (*set_cluster)(pfring *ring, u_int32_t id, u_int32_t type, u_int32_t consumer);
	int (*remove_from_cluster)(pfring *ring);
	int (*set_reflector)(pfring *ring, int ifindex, u_int32_t mode);
	int (*set_capture_only)(pfring *ring, u_int32_t on);
	/*
	 * 1: nothing filters before the ring (no kernel): pfring_set_bpf_filter() keeps the
	 * program in user_bpf and the backend runs it (pfring_user_bpf_pass()).
	 */
	int user_bpf;
};

struct pfring_private {
	const struct pfring_ops *ops;
	void *backend;			/* the backend's state */
	char *device_name;
	u_int32_t flags;		/* PF_RING_* open flags */
	u_int32_t caplen;
	u_int poll_duration;		/* ms, for a blocking recv */
	int break_loop;			/* set by pfring_breakloop(), atomically */
	int wake_fd;			/* eventfd: pfring_breakloop() wakes a blocked recv */
	int reentrant;
	pthread_mutex_t rx_lock;	/* reentrant: held by every call that reads the ring */
	pthread_key_t thread_buf_key;	/* reentrant: each thread's copy (pfring.c) */
	struct thread_buf *thread_bufs;	/* every thread's, under rx_lock */
	struct pfring_tx *tx;		/* pfring_send.c: frames waiting to be sent */
	/* pfring_filter.c */
	filtering_mode filter_mode;	/* as last set (0: hardware_and_software) */
	char bpf_error[PFRING_BPF_ERROR_LEN];	/* why the last BPF filter was refused */
	struct pfring_bpf_program user_bpf;	/* ops->user_bpf: the program (bf_len 0: none) */
};

static inline struct pfring_private *pfring_priv(pfring *ring)
{
	return ring->priv;
}

/*
 * PF_RING_REENTRANT: the reader's state (the backend's indexes and held slots) is
 * touched only under rx_lock. A backend drops it only while it sleeps (rx_unlock before
 * poll(), rx_lock after) and looks at the ring again once it has it back.
 */
static inline void pfring_rx_lock(struct pfring_private *p)
{
	if (p->reentrant)
		pthread_mutex_lock(&p->rx_lock);
}

static inline void pfring_rx_unlock(struct pfring_private *p)
{
	if (p->reentrant)
		pthread_mutex_unlock(&p->rx_lock);
}

/* The façade's checks, shared by its modules (pfring.c, pfring_cluster.c, ...) */
static inline int ring_ok(pfring *ring)
{
	return ring && ring->priv && ring->priv->ops;
}

#define CHECK_RING(ring)                                                           \
	do {                                                                       \
		if (!ring_ok(ring))                                                \
			return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL); \
	} while (0)

#define OP(ring, op) ((ring)->priv->ops->op)

/* Paired with the store-release in pfring_breakloop(). */
static inline int pfring_break_requested(struct pfring_private *p)
{
	return __atomic_load_n(&p->break_loop, __ATOMIC_ACQUIRE);
}

/* backends */
extern const struct pfring_ops pfring_kernel_ops PFRING_HIDDEN;
/* pfring_mod_zc_ipc.c: "zc:<cluster id>@<queue id>", a consumer of a ZC queue */
extern const struct pfring_ops pfring_mod_zc_ipc_ops PFRING_HIDDEN;
int pfring_mod_zc_ipc_name(const char *device) PFRING_HIDDEN;

/* helpers shared by the modules */
int pfring_err(int code, int err) PFRING_HIDDEN;
void pfring_lib_log(const char *fmt, ...) PFRING_HIDDEN
	__attribute__((format(printf, 1, 2)));
void pfring_fill_hdr_from_parse(struct pfring_pkthdr *hdr, const u_char *pkt, int raw_ip)
	PFRING_HIDDEN;
/*
 * pfring_filter.c: libpfring's rules as the kernel's (linux/pf_ring.h, "Filtering"):
 * 0, or a PF_RING_ERROR_* with errno set. Not exported; tests link libpfring.a to reach
 * them. resolve_reflector 0 leaves reflector_ifindex 0 (a key to remove or look up).
 */
int pfring_filter_rule_to_kernel(const filtering_rule *rule, struct pf_ring_rule *out)
	PFRING_HIDDEN;
int pfring_filter_hash_rule_to_kernel(const hash_filtering_rule *rule, int resolve_reflector,
				      struct pf_ring_hash_rule *out) PFRING_HIDDEN;
/* pfring_filter.c: 1 when the ring's user-space BPF program (if any) accepts the frame */
int pfring_user_bpf_run(pfring *ring, const u_char *frame, u_int caplen, u_int len)
	PFRING_HIDDEN;

static inline int pfring_user_bpf_pass(pfring *ring, const u_char *frame, u_int caplen,
				       u_int len)
{
	return ring->priv->user_bpf.bf_len == 0 || pfring_user_bpf_run(ring, frame, caplen, len);
}
/* pfring_send.c: what waits is sent before a receive sleeps, and at pfring_close() */
void pfring_tx_flush_before_wait(pfring *ring) PFRING_HIDDEN;
void pfring_tx_close(pfring *ring) PFRING_HIDDEN;

#endif /* PFRING_PRIV_H */
