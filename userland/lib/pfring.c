// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pfring.c - the façade: pfring_open() picks a backend from the device name, every
 * other call checks its arguments and goes through the ring's ops table.
 *
 * Device names: "ethX", "ethX@Q", "ethX,ethY", "any", and "stack:ethX" (a ring that
 * sends into the stack as if ethX had received) -> the kernel ring backend.
 * "zc:<cluster id>@<queue id>" -> the consumer of a ZC queue of another process
 * (pfring_mod_zc_ipc.c). Other "zc:" names (the kernel-bypass devices), "multi:" and
 * other module prefixes are not implemented yet: pfring_open() fails with errno
 * EOPNOTSUPP.
 */
#include <stdarg.h>
#include <sched.h>
#include <stddef.h>
#include <sys/eventfd.h>
#include <sys/resource.h>

#include "pfring_priv.h"

_Static_assert(RING_VERSION_NUM == PF_RING_API_VERSION_NUM,
	       "RING_VERSION_NUM must match the UAPI's PF_RING_API_VERSION_NUM");
_Static_assert(offsetof(struct pfring_pkthdr, ts) == 0, "pcap_pkthdr layout");
_Static_assert(offsetof(struct pfring_pkthdr, caplen) == sizeof(struct timeval),
	       "pcap_pkthdr layout");
_Static_assert(offsetof(struct pfring_pkthdr, len) == sizeof(struct timeval) + 4,
	       "pcap_pkthdr layout");

/* Flags this implementation cannot honour: refused at open, never silently ignored. */
#define PFRING_UNSUPPORTED_FLAGS                                                    \
	(PF_RING_HW_TIMESTAMP | PF_RING_RX_PACKET_BOUNCE | PF_RING_CHUNK_MODE |      \
	 PF_RING_IXIA_TIMESTAMP | PF_RING_USERSPACE_BPF | PF_RING_VSS_APCON_TIMESTAMP | \
	 PF_RING_FLOW_OFFLOAD | PF_RING_FLOW_OFFLOAD_NOUPDATES | PF_RING_L7_FILTERING | \
	 PF_RING_DO_NOT_STRIP_FCS | PF_RING_TX_BPF | PF_RING_FLOW_OFFLOAD_RESET |    \
	 PF_RING_ARISTA_TIMESTAMP | PF_RING_METAWATCH_TIMESTAMP |                    \
	 PF_RING_HW_TIMESTAMP_UNSYNC)

/* Sets errno and returns code: the one way the library reports an error. */
int pfring_err(int code, int err)
{
	errno = err;
	return code;
}

/* Messages for the user go to stderr, unless PF_RING_QUIET is set in the environment. */
void pfring_lib_log(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	if (getenv("PF_RING_QUIET"))
		return;
	va_start(ap, fmt);
	fputs("libpfring: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	errno = saved;
}

#define NOT_SUPPORTED() pfring_err(PF_RING_ERROR_NOT_SUPPORTED, ENOTSUP)

/*
 * ---- PF_RING_REENTRANT: each thread's own copy of what it received ------------------------
 *
 * A zero-copy pointer into the ring is valid until the next receive call on the ring,
 * which gives its slot back: with several threads on one ring that next call may be
 * another thread's, and the kernel could then overwrite a packet the first thread still
 * reads. So on a PF_RING_REENTRANT ring, pfring_recv() with buffer_len 0 and
 * pfring_recv_burst() copy the packets, under the ring's lock, into a buffer of the
 * calling thread for that ring and give the slots back before the lock is dropped. The
 * pointers they return are valid until the same thread's next receive call on the same
 * ring, as without PF_RING_REENTRANT.
 *
 * The buffers: a thread-specific key per ring; each buffer is also on the ring's list
 * (under rx_lock), so that pfring_close() frees those of threads still alive, and a
 * thread that exits frees its own (the key's destructor, which leaves the list).
 */
struct thread_buf {
	struct thread_buf *next, *prev;
	struct pfring_private *owner;
	size_t size;
	u_char data[];
};

static void thread_buf_unlink(struct thread_buf *tb)
{
	if (tb->prev)
		tb->prev->next = tb->next;
	else
		tb->owner->thread_bufs = tb->next;
	if (tb->next)
		tb->next->prev = tb->prev;
}

/* A thread exits: its buffer of the ring goes. */
static void thread_buf_exit(void *value)
{
	struct thread_buf *tb = value;
	struct pfring_private *p = tb->owner;

	pthread_mutex_lock(&p->rx_lock);
	thread_buf_unlink(tb);
	pthread_mutex_unlock(&p->rx_lock);
	free(tb);
}

/* pfring_close(): every buffer still held goes, and the key (no destructor runs after) */
static void thread_bufs_free(struct pfring_private *p)
{
	pthread_key_delete(p->thread_buf_key);
	while (p->thread_bufs) {
		struct thread_buf *tb = p->thread_bufs;

		p->thread_bufs = tb->next;
		free(tb);
	}
}

/* The calling thread's buffer of at least size bytes for the ring; under rx_lock. */
static u_char *thread_buf(struct pfring_private *p, size_t size)
{
	struct thread_buf *tb = pthread_getspecific(p->thread_buf_key);

	if (!tb || tb->size < size) {
		struct thread_buf *bigger = malloc(sizeof(*tb) + size);

		if (!bigger || pthread_setspecific(p->thread_buf_key, bigger) != 0) {
			free(bigger);
			errno = ENOMEM;
			return NULL;
		}
		if (tb) {
			thread_buf_unlink(tb);
			free(tb);
		}
		bigger->owner = p;
		bigger->size = size;
		bigger->prev = NULL;
		bigger->next = p->thread_bufs;
		if (bigger->next)
			bigger->next->prev = bigger;
		p->thread_bufs = bigger;
		tb = bigger;
	}
	return tb->data;
}

/* The most a frame of the ring can take: what a thread's buffer must hold per packet. */
static size_t ring_frame_room(pfring *ring)
{
	int caplen = OP(ring, get_caplen)(ring);

	return caplen > 0 ? (size_t)caplen : 65535;
}

/* ---- open / close ---------------------------------------------------------------------- */

static const struct pfring_ops *pick_backend(const char *device)
{
	if (!strncmp(device, "stack:", 6))
		return &pfring_kernel_ops;
	if (pfring_mod_zc_ipc_name(device))
		return &pfring_mod_zc_ipc_ops;
	/* "zc:eth1", "multi:...": a module prefix, none of which exists yet */
	if (strchr(device, ':'))
		return NULL;
	return &pfring_kernel_ops;
}

static void free_ring(pfring *ring)
{
	struct pfring_private *p = ring->priv;

	if (p) {
		if (p->wake_fd >= 0)
			close(p->wake_fd);
		if (p->reentrant) {
			thread_bufs_free(p);
			pthread_mutex_destroy(&p->rx_lock);
		}
		pfring_free_bpf_filter(&p->user_bpf);
		free(p->device_name);
		free(p);
	}
	free(ring);
}

pfring *pfring_open(const char *device_name, u_int32_t caplen, u_int32_t flags)
{
	const struct pfring_ops *ops;
	struct pfring_private *p;
	pfring *ring;
	int err, saved_errno = errno;

	if (!device_name || !*device_name || caplen == 0) {
		errno = EINVAL;
		return NULL;
	}
	if (flags & PFRING_UNSUPPORTED_FLAGS) {
		pfring_lib_log("pfring_open(%s): flags 0x%x are not supported by this "
			       "implementation", device_name, flags & PFRING_UNSUPPORTED_FLAGS);
		errno = EOPNOTSUPP;
		return NULL;
	}
	ops = pick_backend(device_name);
	if (!ops) {
		pfring_lib_log("pfring_open(%s): this module is not available", device_name);
		errno = EOPNOTSUPP;
		return NULL;
	}

	ring = calloc(1, sizeof(*ring));
	p = calloc(1, sizeof(*p));
	if (!ring || !p) {
		free(ring);
		free(p);
		errno = ENOMEM;
		return NULL;
	}
	ring->priv = p;
	ring->fd = -1;
	p->wake_fd = -1;
	p->flags = flags;
	p->caplen = caplen > 65535 ? 65535 : caplen;	/* the largest frame the kernel keeps */
	p->poll_duration = DEFAULT_POLL_DURATION;
	p->device_name = strdup(device_name);
	if (!p->device_name) {
		err = ENOMEM;
		goto err_free;
	}
	if (flags & PF_RING_REENTRANT) {
		if ((err = pthread_key_create(&p->thread_buf_key, thread_buf_exit)) != 0)
			goto err_free;
		if ((err = pthread_mutex_init(&p->rx_lock, NULL)) != 0) {
			pthread_key_delete(p->thread_buf_key);
			goto err_free;
		}
		p->reentrant = 1;
	}
	p->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p->wake_fd < 0) {
		err = errno;
		goto err_free;
	}
	/* parsed headers, unless the program also said not to parse */
	ring->long_header = (flags & PF_RING_LONG_HEADER) && !(flags & PF_RING_DO_NOT_PARSE);

	if (ops->open(ring, device_name) < 0) {
		err = errno;
		goto err_free;
	}
	p->ops = ops;
	ring->initialized = 1;
	errno = saved_errno;	/* success leaves errno alone (a fallback may have set it) */
	return ring;

err_free:
	free_ring(ring);
	errno = err;
	return NULL;
}

u_int8_t pfring_open_multichannel(const char *device_name, u_int32_t caplen, u_int32_t flags,
				  pfring *ring[MAX_NUM_RX_CHANNELS])
{
	char name[IFNAMSIZ + 8];
	u_int8_t n, i;
	pfring *probe;

	if (!device_name || strchr(device_name, '@') || strlen(device_name) >= IFNAMSIZ) {
		errno = EINVAL;
		return 0;
	}
	probe = pfring_open(device_name, caplen, flags);
	if (!probe)
		return 0;
	n = pfring_get_num_rx_channels(probe);
	pfring_close(probe);
	if (n > MAX_NUM_RX_CHANNELS)
		n = MAX_NUM_RX_CHANNELS;
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s@%u", device_name, i);
		ring[i] = pfring_open(name, caplen, flags);
		if (!ring[i])
			break;
	}
	return i;
}

void pfring_close(pfring *ring)
{
	if (!ring_ok(ring))
		return;
	pfring_tx_close(ring);	/* frames still waiting are sent first */
	if (ring->priv->ops->close)
		ring->priv->ops->close(ring);
	if (ring->fd >= 0)
		close(ring->fd);
	free_ring(ring);
}

void pfring_shutdown(pfring *ring)
{
	pfring_breakloop(ring);
}

/* ---- enabling ---------------------------------------------------------------------------- */

int pfring_enable_ring(pfring *ring)
{
	int rc;

	CHECK_RING(ring);
	rc = OP(ring, enable)(ring, 1);
	if (rc == 0)
		ring->enabled = 1;
	return rc;
}

int pfring_disable_ring(pfring *ring)
{
	int rc;

	CHECK_RING(ring);
	rc = OP(ring, enable)(ring, 0);
	if (rc == 0)
		ring->enabled = 0;
	return rc;
}

/* ---- receiving ----------------------------------------------------------------------------- */

/* PF_RING_REENTRANT, buffer_len 0: a copy in the calling thread's buffer (see above). */
static int recv_into_thread_buf(pfring *ring, u_char **buffer, struct pfring_pkthdr *hdr,
				u_int8_t wait)
{
	struct pfring_private *p = ring->priv;
	size_t room = ring_frame_room(ring);
	u_char *buf;
	int rc;

	pfring_rx_lock(p);
	buf = thread_buf(p, room);
	if (!buf) {
		pfring_rx_unlock(p);
		return pfring_err(PF_RING_ERROR_NOT_ENOUGH_MEMORY, ENOMEM);
	}
	rc = p->ops->recv(ring, &buf, (u_int)room, hdr, wait);
	pfring_rx_unlock(p);
	if (rc > 0)
		*buffer = buf;
	return rc;
}

int pfring_recv(pfring *ring, u_char **buffer, u_int buffer_len, struct pfring_pkthdr *hdr,
		u_int8_t wait_for_incoming_packet)
{
	struct pfring_private *p;
	int rc;

	CHECK_RING(ring);
	if (!buffer || !hdr || (buffer_len && !*buffer))
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	if (!ring->enabled)
		return pfring_err(PF_RING_ERROR_RING_NOT_ENABLED, EINVAL);
	p = ring->priv;
	/* errno: untouched unless rc < 0 (the backend's wait undoes an interrupted poll) */
	if (p->reentrant && buffer_len == 0)
		return recv_into_thread_buf(ring, buffer, hdr, wait_for_incoming_packet);
	pfring_rx_lock(p);
	rc = p->ops->recv(ring, buffer, buffer_len, hdr, wait_for_incoming_packet);
	pfring_rx_unlock(p);
	return rc;
}

int pfring_recv_parsed(pfring *ring, u_char **buffer, u_int buffer_len,
		       struct pfring_pkthdr *hdr, u_int8_t wait_for_incoming_packet,
		       u_int8_t level, u_int8_t add_timestamp, u_int8_t add_hash)
{
	int rc = pfring_recv(ring, buffer, buffer_len, hdr, wait_for_incoming_packet);

	if (rc > 0)
		rc = pfring_parse_pkt(*buffer, hdr, level, add_timestamp, add_hash);
	return rc;
}

/*
 * PF_RING_REENTRANT: the burst's packets into buf (n * room bytes), one after the other;
 * under the lock.
 */
static void copy_burst(pfring_packet_info *packets, int n, u_char *buf, size_t room)
{
	int i;

	for (i = 0; i < n; i++) {
		if (packets[i].caplen > room)	/* never past the packet's share of buf */
			packets[i].caplen = (u_int16_t)room;
		memcpy(buf, packets[i].data, packets[i].caplen);
		packets[i].data = buf;
		buf += packets[i].caplen;
	}
}

int pfring_recv_burst(pfring *ring, pfring_packet_info *packets, u_int8_t num_packets,
		      u_int8_t wait_for_packets)
{
	struct pfring_private *p;
	u_char *buf = NULL;
	size_t room;
	int rc;

	CHECK_RING(ring);
	if (!packets || num_packets == 0)
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	if (!ring->enabled)
		return pfring_err(PF_RING_ERROR_RING_NOT_ENABLED, EINVAL);
	p = ring->priv;
	if (!p->ops->recv_burst || (p->reentrant && !p->ops->give_back))
		return NOT_SUPPORTED();
	/* sized before anything is taken from the ring, so that no packet is lost to ENOMEM */
	room = p->reentrant ? ring_frame_room(ring) : 0;
	pfring_rx_lock(p);
	if (p->reentrant && !(buf = thread_buf(p, num_packets * room))) {
		pfring_rx_unlock(p);
		return pfring_err(PF_RING_ERROR_NOT_ENOUGH_MEMORY, ENOMEM);
	}
	rc = p->ops->recv_burst(ring, packets, num_packets, wait_for_packets);
	if (rc > 0 && p->reentrant) {
		copy_burst(packets, rc, buf, room);
		p->ops->give_back(ring);
	}
	pfring_rx_unlock(p);
	return rc;
}

int pfring_loop(pfring *ring, pfringProcesssPacket looper, const u_char *user_bytes,
		u_int8_t wait_for_packet)
{
	struct pfring_pkthdr hdr;
	u_char *pkt;
	uint64_t drain;
	int rc;

	CHECK_RING(ring);
	if (!looper)
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	__atomic_store_n(&ring->priv->break_loop, 0, __ATOMIC_RELAXED);
	while (read(ring->priv->wake_fd, &drain, sizeof(drain)) > 0)
		;
	if (!ring->enabled && (rc = pfring_enable_ring(ring)) < 0)
		return rc;
	while (!pfring_break_requested(ring->priv)) {
		rc = pfring_recv(ring, &pkt, 0, &hdr, wait_for_packet);
		if (rc < 0)
			return rc;
		if (rc > 0)
			looper(&hdr, pkt, user_bytes);
		else if (!wait_for_packet)
			sched_yield();
	}
	return 0;
}

void pfring_breakloop(pfring *ring)
{
	uint64_t one = 1;
	ssize_t n;

	if (!ring_ok(ring))
		return;
	__atomic_store_n(&ring->priv->break_loop, 1, __ATOMIC_RELEASE);
	/* async-signal-safe: a signal handler may call this */
	n = write(ring->priv->wake_fd, &one, sizeof(one));
	(void)n;
}

/*
 * Gives back what the last receive handed out (the caller is done with it), then waits
 * up to wait_duration ms for a packet not received yet: 1 when there is one, 0 when none
 * came (or pfring_breakloop() was called), < 0 on an error.
 */
int pfring_poll(pfring *ring, u_int wait_duration)
{
	struct pfring_private *p;
	int rc, saved_errno = errno;

	CHECK_RING(ring);
	p = ring->priv;
	pfring_rx_lock(p);
	rc = p->ops->poll(ring, wait_duration);
	pfring_rx_unlock(p);
	if (rc >= 0)
		errno = saved_errno;
	return rc;
}

int pfring_is_pkt_available(pfring *ring)
{
	struct pfring_private *p;
	int rc;

	CHECK_RING(ring);
	p = ring->priv;
	pfring_rx_lock(p);
	rc = p->ops->is_pkt_available(ring);
	pfring_rx_unlock(p);
	return rc;
}

int pfring_next_pkt_time(pfring *ring, struct timespec *ts)
{
	struct pfring_private *p;
	int rc;

	CHECK_RING(ring);
	if (!ts)
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	p = ring->priv;
	pfring_rx_lock(p);
	rc = p->ops->next_pkt_time(ring, ts);
	pfring_rx_unlock(p);
	return rc;
}

u_int32_t pfring_get_num_queued_pkts(pfring *ring)
{
	struct pfring_private *p;
	u_int32_t n;

	if (!ring_ok(ring))
		return 0;
	p = ring->priv;
	pfring_rx_lock(p);
	n = p->ops->num_queued(ring);
	pfring_rx_unlock(p);
	return n;
}

void pfring_sync_indexes_with_kernel(pfring *ring)
{
	struct pfring_private *p;

	if (!ring_ok(ring) || !OP(ring, sync_indexes))
		return;
	p = ring->priv;
	pfring_rx_lock(p);
	p->ops->sync_indexes(ring);
	pfring_rx_unlock(p);
}

/* -1 with errno EOPNOTSUPP for a ring without one (a ZC queue): use pfring_poll() */
int pfring_get_selectable_fd(pfring *ring)
{
	CHECK_RING(ring);
	if (ring->fd < 0)
		return pfring_err(-1, EOPNOTSUPP);
	return ring->fd;
}

/* ---- statistics and settings ------------------------------------------------------------- */

int pfring_stats(pfring *ring, pfring_stat *stats)
{
	CHECK_RING(ring);
	if (!stats)
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	return OP(ring, stats)(ring, stats);
}

void pfring_version_noring(u_int32_t *version)
{
	if (version)
		*version = RING_VERSION_NUM;
}

int pfring_version(pfring *ring, u_int32_t *version)
{
	if (!version)
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	if (!ring_ok(ring) || !OP(ring, version)) {
		*version = RING_VERSION_NUM;
		return 0;
	}
	return OP(ring, version)(ring, version);
}

int pfring_set_direction(pfring *ring, packet_direction direction)
{
	CHECK_RING(ring);
	return OP(ring, set_direction)(ring, direction);
}

int pfring_set_socket_mode(pfring *ring, socket_mode mode)
{
	CHECK_RING(ring);
	return OP(ring, set_socket_mode)(ring, mode);
}

int pfring_set_poll_watermark(pfring *ring, u_int16_t watermark)
{
	CHECK_RING(ring);
	return OP(ring, set_poll_watermark)(ring, watermark);
}

int pfring_set_poll_watermark_timeout(pfring *ring, u_int16_t poll_watermark_timeout)
{
	CHECK_RING(ring);
	return OP(ring, set_poll_watermark_timeout)(ring, poll_watermark_timeout);
}

int pfring_set_capture_only(pfring *ring, u_int8_t enable)
{
	CHECK_RING(ring);
	if (enable > 1)
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	if (!OP(ring, set_capture_only))
		return pfring_err(PF_RING_ERROR_NOT_SUPPORTED, EOPNOTSUPP);
	return OP(ring, set_capture_only)(ring, enable);
}

int pfring_set_poll_duration(pfring *ring, u_int duration)
{
	CHECK_RING(ring);
	ring->priv->poll_duration = duration > 0x7FFFFFFF ? 0x7FFFFFFF : duration;
	return 0;
}

int pfring_set_application_name(pfring *ring, char *name)
{
	CHECK_RING(ring);
	if (!name)
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	return OP(ring, set_application_name)(ring, name);
}

int pfring_set_application_stats(pfring *ring, char *stats)
{
	CHECK_RING(ring);
	if (!stats)
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	return OP(ring, set_application_stats)(ring, stats);
}

char *pfring_get_appl_stats_file_name(pfring *ring, char *path, u_int path_len)
{
	if (!ring_ok(ring) || !path) {
		errno = EINVAL;
		return NULL;
	}
	return OP(ring, get_appl_stats_file_name)(ring, path, path_len);
}

static int dev_info(pfring *ring, struct pf_ring_dev_info *info)
{
	CHECK_RING(ring);
	return OP(ring, dev_info)(ring, info);
}

int pfring_get_bound_device_address(pfring *ring, u_char mac_address[6])
{
	struct pf_ring_dev_info info;
	int rc;

	if (!mac_address)
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	if ((rc = dev_info(ring, &info)) < 0)
		return rc;
	memcpy(mac_address, info.mac, 6);
	return 0;
}

int pfring_get_bound_device_ifindex(pfring *ring, int *if_index)
{
	struct pf_ring_dev_info info;
	int rc;

	if (!if_index)
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	if ((rc = dev_info(ring, &info)) < 0)
		return rc;
	*if_index = info.ifindex;
	return 0;
}

int pfring_get_device_ifindex(pfring *ring, char *device_name, int *if_index)
{
	unsigned int idx;

	CHECK_RING(ring);
	if (!device_name || !if_index)
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	idx = if_nametoindex(device_name);
	if (idx == 0)
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, errno ? errno : ENODEV);
	*if_index = (int)idx;
	return 0;
}

u_int8_t pfring_get_num_rx_channels(pfring *ring)
{
	struct pf_ring_dev_info info;

	if (dev_info(ring, &info) < 0 || info.num_rx_channels == 0)
		return UNKNOWN_NUM_RX_CHANNELS;
	return info.num_rx_channels > 255 ? 255 : (u_int8_t)info.num_rx_channels;
}

int pfring_get_mtu_size(pfring *ring)
{
	struct pf_ring_dev_info info;
	int rc;

	if ((rc = dev_info(ring, &info)) < 0)
		return rc;
	return (int)info.mtu;
}

u_int32_t pfring_get_interface_speed(pfring *ring)
{
	struct pf_ring_dev_info info;

	if (dev_info(ring, &info) < 0)
		return 0;
	return info.speed_mbps;
}

int pfring_get_link_status(pfring *ring)
{
	struct pf_ring_dev_info info;
	int rc;

	if ((rc = dev_info(ring, &info)) < 0)
		return rc;
	return info.link_up ? 1 : 0;
}

int pfring_get_card_settings(pfring *ring, pfring_card_settings *settings)
{
	struct pf_ring_dev_info info;
	int rc;

	if (!settings)
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	if ((rc = dev_info(ring, &info)) < 0)
		return rc;
	/* the largest frame: MTU + Ethernet header + one VLAN tag */
	settings->max_packet_size = info.mtu + ETH_HLEN + 4;
	settings->rx_ring_slots = OP(ring, get_num_slots)(ring);
	settings->tx_ring_slots = 0;
	return 0;
}

int pfring_get_caplen(pfring *ring)
{
	CHECK_RING(ring);
	return OP(ring, get_caplen)(ring);
}

/* DLT_EN10MB, or DLT_RAW for devices without a link-layer header (tun, WireGuard, ...) */
int pfring_get_link_type(pfring *ring)
{
	CHECK_RING(ring);
	return OP(ring, get_link_type)(ring);
}

u_int32_t pfring_get_ring_id(pfring *ring)
{
	if (!ring_ok(ring))
		return 0;
	return OP(ring, get_ring_id)(ring);
}

u_int16_t pfring_get_slot_header_len(pfring *ring)
{
	if (!ring_ok(ring))
		return 0;
	return OP(ring, get_slot_header_len)(ring);
}

/* Scheduling priority for the calling process: 0 leaves it alone, 100 is the highest. */
void pfring_config(u_short cpu_percentage)
{
	int nice_val;

	if (cpu_percentage == 0)
		return;
	if (cpu_percentage > 100)
		cpu_percentage = 100;
	nice_val = -(int)((cpu_percentage * 19u) / 100u);
	if (setpriority(PRIO_PROCESS, 0, nice_val) < 0)
		(void)0;	/* not privileged: keep the current priority */
}

/* ---- not implemented: present so that programs link ------------------------------------- */

#define UNSUPPORTED(proto) proto { return NOT_SUPPORTED(); }

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"

UNSUPPORTED(int pfring_recv_flow(pfring *r, pfring_flow_update *f, u_int8_t w))
UNSUPPORTED(int pfring_get_metadata(pfring *r, u_char **m, u_int32_t *l))
UNSUPPORTED(int pfring_set_default_hw_action(pfring *r, generic_default_action_type a))
UNSUPPORTED(int pfring_add_hw_rule(pfring *r, hw_filtering_rule *rule))
UNSUPPORTED(int pfring_remove_hw_rule(pfring *r, u_int16_t id))
UNSUPPORTED(int pfring_set_channel_id(pfring *r, u_int32_t c))
UNSUPPORTED(int pfring_set_channel_mask(pfring *r, u_int64_t m))
UNSUPPORTED(int pfring_set_vlan_id(pfring *r, u_int16_t v))
UNSUPPORTED(int pfring_bind(pfring *r, char *d))
UNSUPPORTED(int pfring_set_packet_slicing(pfring *r, packet_slicing_level l, u_int32_t b))
UNSUPPORTED(int pfring_next_pkt_raw_timestamp(pfring *r, u_int64_t *t))
UNSUPPORTED(int pfring_set_virtual_device(pfring *r, virtual_filtering_device_info *i))
UNSUPPORTED(int pfring_loopback_test(pfring *r, char *b, u_int l, u_int t))
UNSUPPORTED(int pfring_get_device_clock(pfring *r, struct timespec *t))
UNSUPPORTED(int pfring_set_device_clock(pfring *r, struct timespec *t))
UNSUPPORTED(int pfring_adjust_device_clock(pfring *r, struct timespec *o, int8_t s))
UNSUPPORTED(int pfring_search_payload(pfring *r, char *s))
UNSUPPORTED(int pfring_set_if_promisc(const char *d, int s))
UNSUPPORTED(int pfring_set_promisc(pfring *r, int s))
UNSUPPORTED(int pfring_enable_hw_timestamp(pfring *r, char *d, u_int8_t rx, u_int8_t tx))
UNSUPPORTED(int pfring_recv_chunk(pfring *r, void **c, pfring_chunk_info *i, u_int8_t w))
UNSUPPORTED(int pfring_set_bound_dev_name(pfring *r, char *n))
UNSUPPORTED(int pfring_handle_ixia_hw_timestamp(u_char *b, struct pfring_pkthdr *h))
UNSUPPORTED(int pfring_handle_metawatch_hw_timestamp(u_char *b, struct pfring_pkthdr *h))
UNSUPPORTED(int pfring_handle_arista_hw_timestamp(u_char *b, struct pfring_pkthdr *h))
UNSUPPORTED(int pfring_read_arista_7150_keyframe(u_char *b, u_int32_t l, u_int64_t *n,
						 u_int32_t *t))

#pragma GCC diagnostic pop

/* Hardware timestamp trailers: none is ever found (the length found is 0). */
int pfring_read_ixia_hw_timestamp(u_char *b, u_int32_t l, struct timespec *t)
{
	(void)b; (void)l; (void)t;
	return 0;
}

int pfring_read_metawatch_hw_timestamp(u_char *b, u_int32_t l, struct timespec *t)
{
	(void)b; (void)l; (void)t;
	return 0;
}

int pfring_read_metawatch_device_info(u_char *b, u_int32_t l, u_int16_t *d, u_int8_t *p)
{
	(void)b; (void)l; (void)d; (void)p;
	return 0;
}

int pfring_read_arista_7150_hw_timestamp(u_char *b, u_int32_t l, u_int64_t *n)
{
	(void)b; (void)l; (void)n;
	return 0;
}

void pfring_enable_hw_timestamp_debug(void)
{
}

void pfring_thirdparty_lib_init(const char *thirdparty_lib_name,
				struct thirdparty_func thirdparty_function_ptr[])
{
	(void)thirdparty_lib_name;
	(void)thirdparty_function_ptr;
}
