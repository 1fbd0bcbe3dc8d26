// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pfring_mod_zc_ipc.c - "zc:<cluster id>@<queue id>": a ring that is the consumer of a
 * ZC queue another process created (zbalance_ipc, zfanout_ipc, or any program that made
 * a queue with a buffer pool of the same id, pfring_zc_create_queue_pool_pair()). This is
 * how programs written for the pfring_* API (Suricata, Snort's daq_pfring, Arkime, pfcount,
 * a PF_RING-aware libpcap) read what a ZC balancer hands them.
 *
 * libpfring_zc links libpfring (its one-copy devices open standard rings), so libpfring
 * cannot link libpfring_zc: the first such open loads libpfring_zc.so.8 with dlopen()
 * (RTLD_NOW | RTLD_LOCAL, once per process, kept loaded) and resolves the few calls used
 * here. Not installed: pfring_open() fails with errno ENOPKG and says so; a library that
 * lacks one of the calls: ELIBBAD. PF_RING_ZC_LIBRARY in the environment (ignored in
 * set-uid programs) names another file to load: a non-standard place, and the tests.
 *
 * The ring attaches pool <queue id> (the buffers it receives into) and queue <queue id>
 * (side rx_only) of the cluster; pfring_close() gives the buffers back to the pool and
 * detaches both, so that another process can attach them and resume where the queue
 * stands. Everything is per ring (struct zc_ipc): two rings of one process are two
 * consumers of two queues.
 *
 * Receiving: a ZC receive exchanges a buffer of ours for the packet's (zero copy); the
 * packet stays in that buffer until the buffer is exchanged again, at the next receive.
 * So pfring_recv() with buffer_len 0 points into the ZC buffer, valid until the next
 * receive on the ring; with buffer_len > 0 the packet is copied (caplen cut to it).
 * Waiting: the queue has no file descriptor and no wake-up; a waiting receive or
 * pfring_poll() looks at the queue 64 times, yielding the CPU in between, then sleeps on
 * the ring's eventfd (what pfring_breakloop() writes) for 10 us, doubling up to 1 ms,
 * looking again after each sleep. At most 1 ms of latency once idle, no busy CPU.
 * BPF: no kernel filters for us (ops.user_bpf): pfring_set_bpf_filter() keeps the program
 * in the ring and the receives skip the packets it refuses (they are taken from the queue).
 */
#include <dlfcn.h>
#include <limits.h>
#include <sched.h>

#include "pfring_priv.h"
#include "../zc/pfring_zc.h"	/* the types and prototypes; nothing is linked */

#define ZC_IPC_SONAME		"libpfring_zc.so.8"
#define ZC_IPC_HANDLES		16	/* buffers taken from the pool: zbalance_ipc's default */
#define ZC_IPC_SPINS		64	/* looks at the queue, yielding, before sleeping */
#define ZC_IPC_SLEEP_MIN_NS	10000ULL
#define ZC_IPC_SLEEP_MAX_NS	1000000ULL

/* ---- libpfring_zc, loaded once per process ----------------------------------------- */

#define ZC_FN(name) __typeof__(name) *name
struct zc_api {
	ZC_FN(pfring_zc_ipc_attach_queue);
	ZC_FN(pfring_zc_ipc_detach_queue);
	ZC_FN(pfring_zc_ipc_attach_buffer_pool);
	ZC_FN(pfring_zc_ipc_detach_buffer_pool);
	ZC_FN(pfring_zc_get_packet_handle_from_pool);
	ZC_FN(pfring_zc_release_packet_handle_to_pool);
	ZC_FN(pfring_zc_recv_pkt);
	ZC_FN(pfring_zc_recv_pkt_burst);
	ZC_FN(pfring_zc_queue_is_empty);
	ZC_FN(pfring_zc_stats);
	ZC_FN(pfring_zc_pkt_buff_data);
	ZC_FN(pfring_zc_get_queue_settings);
};
#undef ZC_FN

static struct zc_api zc;
static int zc_load_err;			/* 0: loaded; else the errno of every open */
static char zc_load_msg[PATH_MAX + 512];
static pthread_once_t zc_once = PTHREAD_ONCE_INIT;

#define ZC_SYM(h, name) ((zc.name = (__typeof__(zc.name))dlsym(h, #name)) != NULL)

static void zc_load_once(void)
{
	const char *name = secure_getenv("PF_RING_ZC_LIBRARY");
	void *h;

	if (!name || !*name)
		name = ZC_IPC_SONAME;
	h = dlopen(name, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		zc_load_err = ENOPKG;
		snprintf(zc_load_msg, sizeof(zc_load_msg), "%s cannot be loaded: install "
			 "libpfring_zc to open ZC queues (%s)", name, dlerror());
		return;
	}
	if (ZC_SYM(h, pfring_zc_ipc_attach_queue) && ZC_SYM(h, pfring_zc_ipc_detach_queue) &&
	    ZC_SYM(h, pfring_zc_ipc_attach_buffer_pool) &&
	    ZC_SYM(h, pfring_zc_ipc_detach_buffer_pool) &&
	    ZC_SYM(h, pfring_zc_get_packet_handle_from_pool) &&
	    ZC_SYM(h, pfring_zc_release_packet_handle_to_pool) && ZC_SYM(h, pfring_zc_recv_pkt) &&
	    ZC_SYM(h, pfring_zc_recv_pkt_burst) && ZC_SYM(h, pfring_zc_queue_is_empty) &&
	    ZC_SYM(h, pfring_zc_stats) && ZC_SYM(h, pfring_zc_pkt_buff_data) &&
	    ZC_SYM(h, pfring_zc_get_queue_settings))
		return;
	zc_load_err = ELIBBAD;
	snprintf(zc_load_msg, sizeof(zc_load_msg), "%s lacks a call this library needs (%s)",
		 name, dlerror());
	dlclose(h);
}

/* ---- names --------------------------------------------------------------------------- */

/*
 * What pfring.c routes here: "zc:" then a decimal digit and an '@' somewhere. Every
 * other "zc:" name is a device ("zc:eth1", "zc:eth1@0"), refused by pfring.c.
 */
int pfring_mod_zc_ipc_name(const char *device)
{
	return !strncmp(device, "zc:", 3) && device[3] >= '0' && device[3] <= '9' &&
	       strchr(device + 3, '@') != NULL;
}

/* A decimal number of at most UINT32_MAX that ends at *end (one of stops): 0, or -1 */
static int parse_u32(const char *s, const char *stops, u_int32_t *out, const char **end)
{
	unsigned long long v = 0;
	const char *c = s;

	for (; *c >= '0' && *c <= '9'; c++) {
		v = v * 10 + (unsigned)(*c - '0');
		if (v > UINT32_MAX)
			return -1;
	}
	if (c == s || !strchr(stops, *c))
		return -1;
	*out = (u_int32_t)v;
	*end = c;
	return 0;
}

/* "zc:<cluster>@<queue>": 0, or -1 (malformed) */
static int parse_name(const char *device, u_int32_t *cluster_id, u_int32_t *queue_id)
{
	const char *end;

	if (parse_u32(device + 3, "@", cluster_id, &end) < 0)
		return -1;
	return parse_u32(end + 1, "", queue_id, &end);
}

/* ---- the ring ---------------------------------------------------------------------- */

struct zc_ipc {
	pfring_zc_queue *queue;
	pfring_zc_buffer_pool *pool;
	u_int32_t cluster_id, queue_id;
	u_int32_t buffer_len;		/* the cluster's: no packet is longer */
	u_int32_t num_handles;
	pfring_zc_pkt_buff *handles[ZC_IPC_HANDLES];	/* ours; [0..held) hold packets */
};

static inline struct zc_ipc *zc_ipc_of(pfring *ring)
{
	return ring->priv->backend;
}

static void zc_ipc_release(struct zc_ipc *z)
{
	u_int32_t i;

	for (i = 0; i < z->num_handles; i++)
		zc.pfring_zc_release_packet_handle_to_pool(z->pool, z->handles[i]);
	z->num_handles = 0;
	if (z->queue)
		zc.pfring_zc_ipc_detach_queue(z->queue);
	if (z->pool)
		zc.pfring_zc_ipc_detach_buffer_pool(z->pool);
	free(z);
}

static int zc_ipc_open(pfring *ring, const char *device)
{
	struct pfring_private *p = ring->priv;
	pfring_zc_queue_info info;
	struct zc_ipc *z;
	int err;

	pthread_once(&zc_once, zc_load_once);
	if (zc_load_err) {
		pfring_lib_log("pfring_open(%s): %s", device, zc_load_msg);
		return pfring_err(PF_RING_ERROR_NOT_SUPPORTED, zc_load_err);
	}
	z = calloc(1, sizeof(*z));
	if (!z)
		return pfring_err(PF_RING_ERROR_NOT_ENOUGH_MEMORY, ENOMEM);
	if (parse_name(device, &z->cluster_id, &z->queue_id) < 0) {
		free(z);
		pfring_lib_log("pfring_open(%s): not zc:<cluster id>@<queue id> (two decimal "
			       "numbers)", device);
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	}
	/* the pool first: its buffers are what the queue's packets are exchanged for */
	z->pool = zc.pfring_zc_ipc_attach_buffer_pool(z->cluster_id, z->queue_id);
	if (z->pool)
		z->queue = zc.pfring_zc_ipc_attach_queue(z->cluster_id, z->queue_id, rx_only);
	if (!z->pool || !z->queue)
		goto err;
	while (z->num_handles < ZC_IPC_HANDLES &&
	       (z->handles[z->num_handles] = zc.pfring_zc_get_packet_handle_from_pool(z->pool)))
		z->num_handles++;
	if (z->num_handles == 0) {
		errno = ENOBUFS;
		goto err;
	}
	zc.pfring_zc_get_queue_settings(z->queue, &info);
	z->buffer_len = info.buffer_len;
	if (p->caplen > z->buffer_len)
		p->caplen = z->buffer_len;
	p->backend = z;
	ring->zc_device = 1;
	return 0;

err:
	err = errno;
	pfring_lib_log("pfring_open(%s): queue %u of ZC cluster %u: %s", device, z->queue_id,
		       z->cluster_id, err == ENOENT ? "no such cluster, queue or pool (is the "
		       "balancer running?)" : strerror(err));
	zc_ipc_release(z);
	return pfring_err(err == EINVAL ? PF_RING_ERROR_INVALID_ARGUMENT : PF_RING_ERROR_GENERIC,
			  err);
}

static void zc_ipc_close(pfring *ring)
{
	zc_ipc_release(zc_ipc_of(ring));
	ring->priv->backend = NULL;
}

static int zc_ipc_enable(pfring *ring, int on)
{
	(void)ring;
	(void)on;
	return 0;	/* the queue fills whether or not the ring is enabled */
}

static u_int64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (u_int64_t)t.tv_sec * 1000000000ULL + (u_int64_t)t.tv_nsec;
}

/*
 * Wait for the queue not to be empty (see the top): 1 when it is not, 0 when
 * pfring_breakloop() was called, 2 when deadline (CLOCK_MONOTONIC ns, 0: none) passed.
 * Under PF_RING_REENTRANT the ring's lock is dropped while sleeping.
 */
static int zc_ipc_wait(pfring *ring, u_int64_t deadline)
{
	struct pfring_private *p = ring->priv;
	struct zc_ipc *z = zc_ipc_of(ring);
	u_int64_t sleep_ns = ZC_IPC_SLEEP_MIN_NS, now = 0;
	unsigned spins = 0;
	int saved_errno = errno;

	for (;;) {
		if (pfring_break_requested(p))
			return 0;
		if (zc.pfring_zc_queue_is_empty(z->queue) == 0)
			return 1;
		if (deadline && (now = now_ns()) >= deadline)
			return 2;
		if (spins < ZC_IPC_SPINS) {
			spins++;
			sched_yield();
			continue;
		}
		{
			struct pollfd fd = { .fd = p->wake_fd, .events = POLLIN };
			u_int64_t ns = sleep_ns;
			struct timespec ts;

			if (deadline && deadline - now < ns)
				ns = deadline - now;
			ts.tv_sec = 0;
			ts.tv_nsec = (long)ns;
			pfring_rx_unlock(p);
			/* the eventfd stays readable after a breakloop: checked above first */
			if (ppoll(&fd, 1, &ts, NULL) < 0)
				errno = saved_errno;	/* a signal: look again */
			pfring_rx_lock(p);
		}
		if (sleep_ns < ZC_IPC_SLEEP_MAX_NS)
			sleep_ns *= 2;
	}
}

/* The header of the packet in h (caplen already decided) */
static void zc_ipc_fill_hdr(pfring *ring, pfring_zc_pkt_buff *h, const u_char *data,
			    u_int caplen, struct pfring_pkthdr *hdr)
{
	hdr->ts.tv_sec = (time_t)h->ts.tv_sec;
	hdr->ts.tv_usec = (suseconds_t)(h->ts.tv_nsec / 1000);
	hdr->caplen = caplen;
	hdr->len = h->len;
	hdr->extended_hdr.timestamp_ns = (u_int64_t)h->ts.tv_sec * 1000000000ULL + h->ts.tv_nsec;
	hdr->extended_hdr.flags = 0;
	hdr->extended_hdr.rx_direction = 1;
	hdr->extended_hdr.if_index = UNKNOWN_INTERFACE;	/* a queue, no device */
	hdr->extended_hdr.pkt_hash = h->hash;
	hdr->extended_hdr.tx.bounce_interface = UNKNOWN_INTERFACE;
	hdr->extended_hdr.tx.reserved = NULL;
	if (ring->long_header)
		pfring_fill_hdr_from_parse(hdr, data, 0);
}

static int zc_ipc_recv(pfring *ring, u_char **buffer, u_int buffer_len,
		       struct pfring_pkthdr *hdr, u_int8_t wait)
{
	struct zc_ipc *z = zc_ipc_of(ring);
	u_char *data;
	u_int caplen;
	int rc;

	for (;;) {
		/* our handles[0] goes into the queue, the packet's buffer comes out in it */
		rc = zc.pfring_zc_recv_pkt(z->queue, &z->handles[0], 0);
		if (rc > 0) {
			data = zc.pfring_zc_pkt_buff_data(z->handles[0], z->queue);
			caplen = z->handles[0]->len;
			if (caplen > ring->priv->caplen)
				caplen = ring->priv->caplen;
			if (pfring_user_bpf_pass(ring, data, caplen, z->handles[0]->len))
				break;
			continue;	/* refused by the ring's BPF program */
		}
		if (rc < 0)
			return pfring_err(PF_RING_ERROR_GENERIC, errno);
		if (!wait)
			return 0;
		if ((rc = zc_ipc_wait(ring, 0)) == 0)
			return 0;
	}
	if (buffer_len == 0) {
		*buffer = data;		/* ours until the next receive exchanges it */
	} else {
		if (caplen > buffer_len)
			caplen = buffer_len;
		memcpy(*buffer, data, caplen);
	}
	zc_ipc_fill_hdr(ring, z->handles[0], data, caplen, hdr);
	return 1;
}

static int zc_ipc_recv_burst(pfring *ring, pfring_packet_info *pkts, u_int8_t n, u_int8_t wait)
{
	struct zc_ipc *z = zc_ipc_of(ring);
	u_int32_t max = n < z->num_handles ? n : z->num_handles;
	int i, got;

	int out = 0;

	for (;;) {
		got = zc.pfring_zc_recv_pkt_burst(z->queue, z->handles, max, 0);
		if (got < 0)
			return pfring_err(PF_RING_ERROR_GENERIC, errno);
		/* the packets the ring's BPF program (if any) lets through, in order */
		for (i = 0; i < got; i++) {
			pfring_zc_pkt_buff *h = z->handles[i];
			u_int caplen = h->len < ring->priv->caplen ? h->len : ring->priv->caplen;
			u_char *data = zc.pfring_zc_pkt_buff_data(h, z->queue);

			if (!pfring_user_bpf_pass(ring, data, caplen, h->len))
				continue;
			pkts[out].data = data;
			pkts[out].ts.tv_sec = (time_t)h->ts.tv_sec;
			pkts[out].ts.tv_usec = (suseconds_t)(h->ts.tv_nsec / 1000);
			pkts[out].caplen = (u_int16_t)caplen;
			pkts[out].len = h->len;
			pkts[out].flags = 0;
			pkts[out].hash = h->hash;
			out++;
		}
		if (out > 0)
			return out;
		if (got > 0)
			continue;	/* all refused: look again */
		if (!wait || zc_ipc_wait(ring, 0) == 0)
			return 0;
	}
}

/* Nothing to give back: the buffers go back to the queue at the next receive. */
static void zc_ipc_give_back(pfring *ring)
{
	(void)ring;
}

/* 1: a packet waits; 0: wait_ms (above INT_MAX: no limit) passed, or a breakloop */
static int zc_ipc_poll(pfring *ring, u_int wait_ms)
{
	u_int64_t deadline = wait_ms > INT_MAX ? 0 : now_ns() + (u_int64_t)wait_ms * 1000000ULL;

	return zc_ipc_wait(ring, deadline) == 1 ? 1 : 0;
}

static int zc_ipc_is_pkt_available(pfring *ring)
{
	return zc.pfring_zc_queue_is_empty(zc_ipc_of(ring)->queue) == 0;
}

static int zc_ipc_next_pkt_time(pfring *ring, struct timespec *ts)
{
	(void)ring;
	(void)ts;
	return pfring_err(PF_RING_ERROR_NOT_SUPPORTED, EOPNOTSUPP);	/* no peeking */
}

/* Packets put in the queue and not taken yet (published ones: a balancer flushes) */
static u_int32_t zc_ipc_num_queued(pfring *ring)
{
	pfring_zc_stat st;

	if (zc.pfring_zc_stats(zc_ipc_of(ring)->queue, &st) < 0 || st.sent < st.recv)
		return 0;
	return (u_int32_t)(st.sent - st.recv);
}

/*
 * The queue's own counters, since it was created: recv, the packets its consumers took
 * (this ring's and those of consumers before it); drop, the packets its producer could
 * not put in because it was full.
 */
static int zc_ipc_stats(pfring *ring, pfring_stat *stats)
{
	pfring_zc_stat st;

	if (zc.pfring_zc_stats(zc_ipc_of(ring)->queue, &st) < 0)
		return pfring_err(PF_RING_ERROR_GENERIC, errno);
	stats->recv = st.recv;
	stats->drop = st.drop;
	stats->shunt = 0;
	return 0;
}

/* The ring only receives: what would restrict it to sending is refused. */
static int zc_ipc_set_direction(pfring *ring, packet_direction dir)
{
	(void)ring;
	if (dir == tx_only_direction)
		return pfring_err(PF_RING_ERROR_NOT_SUPPORTED, EOPNOTSUPP);
	return 0;
}

static int zc_ipc_set_socket_mode(pfring *ring, socket_mode mode)
{
	(void)ring;
	if (mode == send_only_mode)
		return pfring_err(PF_RING_ERROR_NOT_SUPPORTED, EOPNOTSUPP);
	return 0;
}

/* Accepted, no effect: there is no kernel to wake the reader (see the top). */
static int zc_ipc_set_poll_watermark(pfring *ring, u_int16_t watermark)
{
	(void)ring;
	(void)watermark;
	return 0;
}

static int zc_ipc_set_poll_watermark_timeout(pfring *ring, u_int16_t ms)
{
	(void)ring;
	(void)ms;
	return 0;
}

/* Accepted: there is no /proc/net/pf_ring entry to show them in. */
static int zc_ipc_set_application_name(pfring *ring, const char *name)
{
	(void)ring;
	(void)name;
	return 0;
}

static int zc_ipc_set_application_stats(pfring *ring, const char *stats)
{
	(void)ring;
	(void)stats;
	return 0;
}

static char *zc_ipc_get_appl_stats_file_name(pfring *ring, char *path, u_int path_len)
{
	(void)ring;
	(void)path;
	(void)path_len;
	errno = EOPNOTSUPP;
	return NULL;
}

/* No device is bound: ifindex, MAC, MTU, speed and link status are not there (ENODEV). */
static int zc_ipc_dev_info(pfring *ring, struct pf_ring_dev_info *info)
{
	(void)ring;
	(void)info;
	return pfring_err(PF_RING_ERROR_NOT_SUPPORTED, ENODEV);
}

static u_int32_t zc_ipc_get_ring_id(pfring *ring)
{
	return zc_ipc_of(ring)->queue_id;
}

static int zc_ipc_get_link_type(pfring *ring)
{
	(void)ring;
	return DLT_EN10MB_;	/* what the ZC devices and balancers carry */
}

static int zc_ipc_get_caplen(pfring *ring)
{
	return (int)ring->priv->caplen;
}

static u_int32_t zc_ipc_get_num_slots(pfring *ring)
{
	(void)ring;
	return 0;	/* not known to a consumer (pfring_zc_queue_info has no length) */
}

static u_int16_t zc_ipc_get_slot_header_len(pfring *ring)
{
	(void)ring;
	return 0;
}

/* No send_batch: pfring_send() on the ring fails with ENOTSUP (== EOPNOTSUPP). */
const struct pfring_ops pfring_mod_zc_ipc_ops = {
	.name = "zc-ipc",
	.open = zc_ipc_open,
	.close = zc_ipc_close,
	.enable = zc_ipc_enable,
	.recv = zc_ipc_recv,
	.recv_burst = zc_ipc_recv_burst,
	.give_back = zc_ipc_give_back,
	.poll = zc_ipc_poll,
	.is_pkt_available = zc_ipc_is_pkt_available,
	.next_pkt_time = zc_ipc_next_pkt_time,
	.num_queued = zc_ipc_num_queued,
	.stats = zc_ipc_stats,
	.set_direction = zc_ipc_set_direction,
	.set_socket_mode = zc_ipc_set_socket_mode,
	.set_poll_watermark = zc_ipc_set_poll_watermark,
	.set_poll_watermark_timeout = zc_ipc_set_poll_watermark_timeout,
	.set_application_name = zc_ipc_set_application_name,
	.set_application_stats = zc_ipc_set_application_stats,
	.get_appl_stats_file_name = zc_ipc_get_appl_stats_file_name,
	.dev_info = zc_ipc_dev_info,
	.get_ring_id = zc_ipc_get_ring_id,
	.get_link_type = zc_ipc_get_link_type,
	.get_caplen = zc_ipc_get_caplen,
	.get_num_slots = zc_ipc_get_num_slots,
	.get_slot_header_len = zc_ipc_get_slot_header_len,
	.user_bpf = 1,
};
