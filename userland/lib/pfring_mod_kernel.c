// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pfring_mod_kernel.c - the standard backend: a PF_RING socket and its mmapped ring.
 *
 * The only user-space code that knows the ring layout (<linux/pf_ring.h>, parts 3 and
 * 4). The reader keeps a private copy of the consumer index (cons) and the number of
 * slots it still holds (held): a zero-copy pfring_recv() hands out a pointer into
 * slot cons and keeps the slot until the next call (a receive or pfring_poll()), which
 * gives it back before looking for the next packet. Under PF_RING_REENTRANT the façade
 * holds the ring's lock around every call here, copies what a receive handed out and
 * gives it back before it lets go; kring_wait() drops the lock while it sleeps.
 *
 * What the reader touches per packet is kept off the lines the kernel writes: it reads
 * the kernel's prod (U1) only when it has used up the packets it last saw there, and it
 * shows the kernel its cons (U3) once per give_back_batch slots, and whenever it finds
 * the ring empty (so always before it sleeps). The kernel may so see up to
 * give_back_batch - 1 slots as still held: 1/64 of a ring of 4096 slots or more, none
 * for rings under 128 slots.
 *
 * Sending: pfring_send.c hands over batches of records, which go to the kernel in one
 * send() (kring_send_batch). A ring opened on "none" is bound to no device and has no
 * ring mapped: it can only send, to the devices its records name. A ring in
 * send_only_mode is never put on the kernel's capture hooks: pfring_enable_ring() only
 * lets it send (the hooks would have the stack copy every frame sent for nothing).
 */
#include <fcntl.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "pfring_priv.h"

/*
 * The ring layout this library reads. A build may set it (-DPFRING_RING_ABI=N) to be a
 * libpfring of another release: the lab builds one so, to prove that a library and a
 * module that disagree fail with a clear message instead of misreading the ring.
 */
#ifndef PFRING_RING_ABI
#define PFRING_RING_ABI PF_RING_ABI_VERSION
#endif

#define PROC_INFO "/proc/net/pf_ring/info"

struct kring {
	struct pf_ring_info *info;	/* the mapping; the ring's first page */
	u_char *slots;
	u_int64_t mmap_len;
	u_int32_t num_slots;
	u_int32_t slot_size;
	u_int32_t slot_hdr_size;
	u_int32_t caplen;
	u_int64_t cons;			/* our copy; the kernel sees it at U3 */
	u_int64_t cons_shown;		/* the last cons stored for the kernel */
	u_int64_t prod_seen;		/* the last prod read: slots below it are whole */
	u_int32_t cons_idx;		/* cons % num_slots */
	u_int32_t held;			/* slots handed out, given back at the next recv */
	u_int32_t give_back_batch;	/* store cons once this many slots are back */
	const u_char *last_frame;	/* of the last zero-copy receive, while held */
	u_int last_caplen, last_len;
	u_int32_t mode;			/* PF_RING_MODE_*, as last set */
};

/* Opened on "none": no bind, no ring to read */
static inline int kring_unmapped(const struct kring *k)
{
	return k->info == NULL;
}

static inline struct kring *kring_of(pfring *ring)
{
	return ring->priv->backend;
}

/* ---- the producer/consumer protocol (UAPI header, part 4) ------------------------- */

/* U1: pairs with the kernel's store-release of prod (K4): slots before prod are whole. */
static inline u_int64_t kring_load_prod(const struct kring *k)
{
	return __atomic_load_n(&k->info->prod, __ATOMIC_ACQUIRE);
}

/*
 * U3: pairs with the kernel's load-acquire of cons (K1): we are done with the slots.
 * Only when the kernel has not seen this cons yet (the store is to a shared line).
 */
static inline void kring_store_cons(struct kring *k)
{
	if (k->cons_shown == k->cons)
		return;
	__atomic_store_n(&k->info->cons, k->cons, __ATOMIC_RELEASE);
	k->cons_shown = k->cons;
}

/* What we still hold goes back; the kernel sees it at the batch's end (header comment). */
static inline void kring_give_back(struct kring *k)
{
	if (k->held) {
		k->cons += k->held;
		k->cons_idx += k->held;		/* held <= num_slots: one wrap at most */
		if (k->cons_idx >= k->num_slots)
			k->cons_idx -= k->num_slots;
		k->held = 0;
		if (k->cons - k->cons_shown >= k->give_back_batch)
			kring_store_cons(k);
	}
}

/* Slot idx (< num_slots) */
static inline struct pf_ring_slot_hdr *kring_slot_at(const struct kring *k, u_int32_t idx)
{
	return (struct pf_ring_slot_hdr *)(k->slots + (size_t)idx * k->slot_size);
}

/* The slot of packet n */
static inline struct pf_ring_slot_hdr *kring_slot(const struct kring *k, u_int64_t n)
{
	return kring_slot_at(k, (u_int32_t)(n % k->num_slots));
}

/* The slot's caplen, never past the slot's end whatever the header says */
static inline u_int kring_caplen(const struct kring *k, const struct pf_ring_slot_hdr *s)
{
	u_int room = k->slot_size - k->slot_hdr_size;

	return s->caplen > room ? room : s->caplen;
}

/* ---- set-up -------------------------------------------------------------------------- */

/* The module says which family it registered; PF_RING_AF_DEFAULT when it cannot tell. */
static int kring_family(void)
{
	char line[256];
	int family = PF_RING_AF_DEFAULT;
	FILE *f = fopen(PROC_INFO, "re");

	if (!f)
		return family;
	while (fgets(line, sizeof(line), f)) {
		int n;

		if (sscanf(line, "Socket family : %d", &n) == 1 && n > 0) {
			family = n;
			break;
		}
	}
	fclose(f);
	return family;
}

/*
 * The API's device syntax into the module's bind list. The API puts the channels after
 * the device list, for all of its devices: "eth0,eth1@1" is queue 1 of both,
 * "eth0@1,5" queues 1 and 5, "eth0@1-3" queues 1 to 3. The module takes one entry per
 * device or device@queue: "eth0@1,eth1@1". Returns a malloc'ed string, NULL + errno.
 */
static char *kring_bind_list(const char *device)
{
	const char *at = strchr(device, '@');
	char *devs, *chans, *out, *dsave, *csave, *d, *c;
	size_t len, used = 0;

	if (!at)
		return strdup(device);
	devs = strndup(device, (size_t)(at - device));
	len = strlen(device) * 16 + 64;
	out = malloc(len);
	if (!devs || !out)
		goto nomem;
	out[0] = '\0';
	for (d = strtok_r(devs, ",", &dsave); d; d = strtok_r(NULL, ",", &dsave)) {
		chans = strdup(at + 1);
		if (!chans)
			goto nomem;
		for (c = strtok_r(chans, ",", &csave); c; c = strtok_r(NULL, ",", &csave)) {
			char *end;
			unsigned long lo = strtoul(c, &end, 10), hi = lo, q;

			if (end == c || (*end && *end != '-'))
				goto inval;
			if (*end == '-') {
				const char *h = end + 1;

				hi = strtoul(h, &end, 10);
				if (end == h || *end || hi < lo || hi - lo >= MAX_NUM_RX_CHANNELS)
					goto inval;
			}
			for (q = lo; q <= hi; q++) {
				int n = snprintf(out + used, len - used, "%s%s@%lu", used ? "," : "",
						 d, q);

				if (n < 0 || (size_t)n >= len - used) {
					free(chans);
					free(devs);
					free(out);
					errno = E2BIG;
					return NULL;
				}
				used += (size_t)n;
			}
			continue;
inval:
			free(chans);
			free(devs);
			free(out);
			errno = EINVAL;
			return NULL;
		}
		free(chans);
	}
	free(devs);
	return out;
nomem:
	free(devs);
	free(out);
	errno = ENOMEM;
	return NULL;
}

static int kring_setopt_u32(pfring *ring, int opt, u_int32_t val)
{
	if (setsockopt(ring->fd, SOL_PF_RING, opt, &val, sizeof(val)) < 0)
		return pfring_err(PF_RING_ERROR_GENERIC, errno);
	return 0;
}

#define STACK_PREFIX "stack:"

/*
 * "stack:ethX": a send-only socket bound to ethX whose frames enter the stack as if
 * ethX had received them (PF_RING_OPT_TX_STACK). 0, or an errno.
 */
static int kring_open_stack(int fd, const char *dev)
{
	u_int32_t one = 1, send_only = PF_RING_MODE_SEND_ONLY;

	if (!*dev || strpbrk(dev, ",@:"))
		return EINVAL;	/* one whole device */
	if (setsockopt(fd, SOL_PF_RING, PF_RING_OPT_BIND, dev, strlen(dev)) < 0 ||
	    setsockopt(fd, SOL_PF_RING, PF_RING_OPT_SOCKET_MODE, &send_only,
		       sizeof(send_only)) < 0 ||
	    setsockopt(fd, SOL_PF_RING, PF_RING_OPT_TX_STACK, &one, sizeof(one)) < 0)
		return errno;
	return 0;
}

static int kring_open(pfring *ring, const char *device)
{
	struct pfring_private *p = ring->priv;
	struct pf_ring_geometry geo;
	socklen_t len = sizeof(geo);
	u_int32_t parse_none = PF_RING_PARSE_NONE;
	struct kring *k;
	char *binds = NULL;
	void *map;
	int fd, err;

	k = calloc(1, sizeof(*k));
	if (!k)
		return pfring_err(PF_RING_ERROR_NOT_ENOUGH_MEMORY, ENOMEM);

	fd = socket(kring_family(), SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0) {
		err = errno;
		if (err == EAFNOSUPPORT || err == EINVAL)
			pfring_lib_log("PF_RING socket family unavailable: is pf_ring.ko loaded? "
				       "(modprobe pf_ring)");
		else if (err == EPERM || err == EACCES)
			pfring_lib_log("opening a PF_RING socket needs CAP_NET_RAW (run as root)");
		goto err_free;
	}
	ring->fd = fd;
	if (!strcmp(device, "none")) {
		p->backend = k;		/* bound to nothing, nothing mapped: sending only */
		return 0;
	}
	if (!strncmp(device, STACK_PREFIX, strlen(STACK_PREFIX))) {
		err = kring_open_stack(fd, device + strlen(STACK_PREFIX));
		if (err)
			goto err_close;
		k->mode = PF_RING_MODE_SEND_ONLY;
		p->backend = k;		/* bound, nothing mapped: what it sends is received */
		return 0;
	}

	if (setsockopt(fd, SOL_PF_RING, PF_RING_OPT_CAPLEN, &p->caplen, sizeof(p->caplen)) < 0)
		goto err_errno;
	/*
	 * This library parses in user space (PF_RING_LONG_HEADER, pfring_parse_pkt(), which
	 * also computes pkt_hash): the kernel's parsing would be work nobody reads.
	 */
	if (setsockopt(fd, SOL_PF_RING, PF_RING_OPT_PARSE, &parse_none, sizeof(parse_none)) < 0)
		goto err_errno;
	binds = kring_bind_list(device);
	if (!binds)
		goto err_errno;
	if (setsockopt(fd, SOL_PF_RING, PF_RING_OPT_BIND, binds, strlen(binds)) < 0)
		goto err_errno;
	free(binds);
	binds = NULL;
	if (p->flags & PF_RING_PROMISC) {
		u_int32_t one = 1;

		if (setsockopt(fd, SOL_PF_RING, PF_RING_OPT_PROMISC, &one, sizeof(one)) < 0)
			goto err_errno;
	}
	if (getsockopt(fd, SOL_PF_RING, PF_RING_OPT_RING_GEOMETRY, &geo, &len) < 0)
		goto err_errno;
	if (len < sizeof(geo) || geo.num_slots == 0 || geo.slot_size == 0 ||
	    geo.slots_offset < sizeof(struct pf_ring_info) ||
	    geo.slots_offset + (u_int64_t)geo.num_slots * geo.slot_size > geo.mmap_len) {
		pfring_lib_log("the kernel reported an unusable ring geometry");
		err = EPROTO;
		goto err_close;
	}

	map = mmap(NULL, geo.mmap_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		goto err_errno;
	k->info = map;
	k->mmap_len = geo.mmap_len;

	if (k->info->abi_version != PFRING_RING_ABI) {
		pfring_lib_log("ring layout version mismatch: the kernel module has %u, this "
			       "libpfring was built for %u; install the libpfring that comes "
			       "with the loaded pf_ring.ko (or load the matching module)",
			       k->info->abi_version, PFRING_RING_ABI);
		err = EPROTO;
		goto err_unmap;
	}
	k->num_slots = k->info->num_slots;
	k->slot_size = k->info->slot_size;
	k->slot_hdr_size = k->info->slot_hdr_size;
	k->caplen = k->info->caplen;
	if (k->num_slots != geo.num_slots || k->slot_size != geo.slot_size ||
	    k->info->slots_offset != geo.slots_offset ||
	    k->slot_hdr_size < sizeof(struct pf_ring_slot_hdr) - sizeof(struct pf_ring_parsed) ||
	    k->slot_hdr_size >= k->slot_size) {
		pfring_lib_log("the ring's header disagrees with its geometry");
		err = EPROTO;
		goto err_unmap;
	}
	k->slots = (u_char *)map + k->info->slots_offset;
	/* a new ring starts at 0; read it rather than assume it */
	k->cons = __atomic_load_n(&k->info->cons, __ATOMIC_ACQUIRE);
	k->cons_shown = k->cons;
	k->prod_seen = k->cons;
	k->cons_idx = (u_int32_t)(k->cons % k->num_slots);
	k->give_back_batch = k->num_slots / 64;
	if (k->give_back_batch < 1)
		k->give_back_batch = 1;
	if (k->give_back_batch > 64)
		k->give_back_batch = 64;
	p->backend = k;
	return 0;

err_errno:
	err = errno;
	goto err_close;
err_unmap:
	munmap(map, geo.mmap_len);
err_close:
	free(binds);
	close(fd);
	ring->fd = -1;
err_free:
	free(k);
	return pfring_err(PF_RING_ERROR_GENERIC, err);
}

static void kring_close(pfring *ring)
{
	struct kring *k = kring_of(ring);

	if (!k)
		return;
	if (!kring_unmapped(k))
		munmap(k->info, k->mmap_len);
	free(k);
	ring->priv->backend = NULL;
}

static int kring_enable(pfring *ring, int on)
{
	if (kring_of(ring)->mode == PF_RING_MODE_SEND_ONLY)
		return 0;	/* sending needs no enabling; capture is off (see the top) */
	return kring_setopt_u32(ring, PF_RING_OPT_ENABLE, on ? 1 : 0);
}

/* ---- receiving ----------------------------------------------------------------------- */

static void kring_fill_hdr(pfring *ring, const struct pf_ring_slot_hdr *s, u_int caplen,
			   struct pfring_pkthdr *hdr)
{
	hdr->ts.tv_sec = (time_t)(s->ts_ns / 1000000000ULL);
	hdr->ts.tv_usec = (suseconds_t)((s->ts_ns % 1000000000ULL) / 1000);
	hdr->caplen = caplen;
	hdr->len = s->len;
	hdr->extended_hdr.timestamp_ns = s->ts_ns;
	hdr->extended_hdr.flags = 0;
	hdr->extended_hdr.rx_direction = s->rx_direction == PF_RING_PKT_RX ? 1 : 0;
	hdr->extended_hdr.if_index = s->ifindex;
	hdr->extended_hdr.pkt_hash = s->hash;
	hdr->extended_hdr.tx.bounce_interface = UNKNOWN_INTERFACE;
	hdr->extended_hdr.tx.reserved = NULL;
	/* Without PF_RING_LONG_HEADER parsed_pkt is not written, as in today's PF_RING */
	if (ring->long_header)
		pfring_fill_hdr_from_parse(hdr, (const u_char *)s + kring_of(ring)->slot_hdr_size,
					   s->link_type == PF_RING_LINK_RAW_IP);
}

/*
 * Sleep until the ring may have a packet: 1 when poll() says so, 2 when timeout_ms
 * passed (or a signal came), 0 when pfring_breakloop() was called, < 0 on an error
 * (POLLERR: the device went away). The caller looks at the ring again in cases 1, 2:
 * under PF_RING_REENTRANT another thread may have read the ring while this one slept
 * (the ring's lock is dropped across poll()).
 */
static int kring_wait(pfring *ring, int timeout_ms)
{
	struct pfring_private *p = ring->priv;
	struct kring *k = kring_of(ring);
	struct pollfd fds[2] = {
		{ .fd = ring->fd, .events = POLLIN },
		{ .fd = p->wake_fd, .events = POLLIN },
	};
	int rc, saved_errno = errno;

	if (pfring_break_requested(p))
		return 0;
	pfring_tx_flush_before_wait(ring);	/* frames sent must not wait with us */
	kring_store_cons(k);	/* every slot we are done with is free while we sleep */
	pfring_rx_unlock(p);	/* PF_RING_REENTRANT: other threads read meanwhile */
	rc = poll(fds, p->wake_fd >= 0 ? 2 : 1, timeout_ms);
	pfring_rx_lock(p);
	if (rc < 0) {
		if (errno == EINTR) {
			errno = saved_errno;	/* an interrupted poll() is no error */
			return pfring_break_requested(p) ? 0 : 2;
		}
		return pfring_err(PF_RING_ERROR_GENERIC, errno);
	}
	if (pfring_break_requested(p))
		return 0;
	if (fds[0].revents & (POLLERR | POLLNVAL))
		return pfring_err(PF_RING_ERROR_GENERIC, ENETDOWN);
	return rc == 0 ? 2 : 1;		/* 2: timed out, look again */
}

/*
 * The number of unread packets, after giving back what the last call handed out. The
 * kernel's prod is read only once the packets seen there are used up; finding the ring
 * empty shows the kernel every slot we gave back.
 */
static u_int64_t kring_avail(struct kring *k)
{
	kring_give_back(k);
	if (k->prod_seen == k->cons) {
		k->prod_seen = kring_load_prod(k);
		if (k->prod_seen == k->cons)
			kring_store_cons(k);
	}
	return k->prod_seen - k->cons;
}

/*
 * The number of packets to read (> 0), waiting for one when wait is set; 0 when there
 * is none and no wait, or the wait was broken out of; < 0 on an error of the wait.
 */
static int64_t kring_wait_avail(pfring *ring, u_int8_t wait)
{
	struct kring *k = kring_of(ring);
	u_int64_t avail;
	int rc;

	if (kring_unmapped(k))
		return pfring_err(PF_RING_ERROR_WRONG_CONFIGURATION, EBADF);
	while ((avail = kring_avail(k)) == 0) {
		if (!wait)
			return 0;
		rc = kring_wait(ring, (int)ring->priv->poll_duration);
		if (rc <= 0)
			return rc;
	}
	return (int64_t)avail;
}

static int kring_recv(pfring *ring, u_char **buffer, u_int buffer_len,
		      struct pfring_pkthdr *hdr, u_int8_t wait)
{
	struct kring *k = kring_of(ring);
	struct pf_ring_slot_hdr *s;
	u_char *frame;
	u_int caplen;
	int64_t avail = kring_wait_avail(ring, wait);

	if (avail <= 0)
		return (int)avail;
	/* U2: the slot is ours until we give it back. */
	s = kring_slot_at(k, k->cons_idx);
	frame = (u_char *)s + k->slot_hdr_size;
	caplen = kring_caplen(k, s);
	if (buffer_len == 0) {
		*buffer = frame;
	} else {
		if (caplen > buffer_len)
			caplen = buffer_len;
		memcpy(*buffer, frame, caplen);
	}
	kring_fill_hdr(ring, s, caplen, hdr);
	k->held = 1;
	k->last_frame = frame;
	k->last_caplen = caplen;
	k->last_len = s->len;
	if (buffer_len)
		kring_give_back(k);	/* copied out: the slot goes back at once */
	return 1;
}

static int kring_recv_burst(pfring *ring, pfring_packet_info *pkts, u_int8_t n, u_int8_t wait)
{
	struct kring *k = kring_of(ring);
	int64_t avail = kring_wait_avail(ring, wait);
	u_int i, idx;

	if (avail <= 0)
		return (int)avail;
	if (avail < n) {	/* more may have come since prod was read */
		k->prod_seen = kring_load_prod(k);
		avail = (int64_t)(k->prod_seen - k->cons);
	}
	if (avail > n)
		avail = n;
	for (i = 0, idx = k->cons_idx; i < avail; i++) {
		struct pf_ring_slot_hdr *s = kring_slot_at(k, idx);
		u_int caplen = kring_caplen(k, s);

		if (++idx == k->num_slots)
			idx = 0;
		pkts[i].data = (u_char *)s + k->slot_hdr_size;
		pkts[i].ts.tv_sec = (time_t)(s->ts_ns / 1000000000ULL);
		pkts[i].ts.tv_usec = (suseconds_t)((s->ts_ns % 1000000000ULL) / 1000);
		pkts[i].caplen = caplen > 0xFFFF ? 0xFFFF : (u_int16_t)caplen;
		pkts[i].len = s->len > 0xFFFF ? 0xFFFF : (u_int16_t)s->len;
		pkts[i].flags = 0;
		pkts[i].hash = s->hash;
		k->last_frame = pkts[i].data;
		k->last_caplen = caplen;
		k->last_len = s->len;
	}
	k->held = (u_int32_t)avail;
	return (int)avail;
}

static void kring_give_back_held(pfring *ring)
{
	kring_give_back(kring_of(ring));
}

static int kring_is_pkt_available(pfring *ring)
{
	struct kring *k = kring_of(ring);

	if (kring_unmapped(k))
		return 0;
	return kring_load_prod(k) - k->cons > k->held;
}

static u_int64_t kring_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u_int64_t)ts.tv_sec * 1000 + (u_int64_t)ts.tv_nsec / 1000000;
}

/*
 * pfring_poll(): the caller is done with what the last receive handed out, so those
 * slots go back first (as at a receive; the ring's indexes are synchronised with the
 * kernel), then it waits up to wait_ms (INT_MAX and above: no limit) for a packet it
 * has not been given yet. 1: there is one; 0: wait_ms passed without one, or
 * pfring_breakloop() was called; < 0: an error. A wake-up that brings nothing new (a
 * signal, a watermark timer, another thread reading it first) sleeps again for what is
 * left of wait_ms.
 */
static int kring_poll(pfring *ring, u_int wait_ms)
{
	struct kring *k = kring_of(ring);
	int forever = wait_ms > INT_MAX;
	u_int64_t deadline = kring_now_ms() + wait_ms;
	int rc;

	if (kring_unmapped(k))
		return pfring_err(PF_RING_ERROR_WRONG_CONFIGURATION, EBADF);
	for (;;) {
		u_int64_t now;

		if (kring_avail(k))	/* gives back what was held */
			return 1;
		now = kring_now_ms();
		if (!forever && now >= deadline)
			return 0;
		rc = kring_wait(ring, forever ? -1 : (int)(deadline - now));
		if (rc <= 0)
			return rc;
	}
}

static int kring_next_pkt_time(pfring *ring, struct timespec *ts)
{
	struct kring *k = kring_of(ring);
	const struct pf_ring_slot_hdr *s;

	if (!kring_is_pkt_available(ring))
		return pfring_err(PF_RING_ERROR_NO_PKT_AVAILABLE, EAGAIN);
	s = kring_slot(k, k->cons + k->held);
	ts->tv_sec = (time_t)(s->ts_ns / 1000000000ULL);
	ts->tv_nsec = (long)(s->ts_ns % 1000000000ULL);
	return 0;
}

static u_int32_t kring_num_queued(pfring *ring)
{
	struct kring *k = kring_of(ring);

	if (kring_unmapped(k))
		return 0;
	return (u_int32_t)(kring_load_prod(k) - k->cons - k->held);
}

static void kring_sync_indexes(pfring *ring)
{
	kring_store_cons(kring_of(ring));
}

/* ---- options and queries --------------------------------------------------------------- */

static int kring_stats(pfring *ring, pfring_stat *stats)
{
	struct pf_ring_stats st;
	socklen_t len = sizeof(st);

	if (getsockopt(ring->fd, SOL_PF_RING, PF_RING_OPT_STATS, &st, &len) < 0)
		return pfring_err(PF_RING_ERROR_GENERIC, errno);
	stats->recv = st.recv;
	stats->drop = st.drop;
	stats->shunt = 0;
	return 0;
}

static int kring_version(pfring *ring, u_int32_t *version)
{
	u_int32_t v;
	socklen_t len = sizeof(v);

	if (getsockopt(ring->fd, SOL_PF_RING, PF_RING_OPT_VERSION, &v, &len) < 0)
		return pfring_err(PF_RING_ERROR_GENERIC, errno);
	*version = v;
	return 0;
}

static int kring_set_direction(pfring *ring, packet_direction dir)
{
	u_int32_t d;

	switch (dir) {
	case rx_and_tx_direction: d = PF_RING_DIR_RX_AND_TX; break;
	case rx_only_direction: d = PF_RING_DIR_RX_ONLY; break;
	case tx_only_direction: d = PF_RING_DIR_TX_ONLY; break;
	default: return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	}
	return kring_setopt_u32(ring, PF_RING_OPT_DIRECTION, d);
}

static int kring_set_socket_mode(pfring *ring, socket_mode mode)
{
	struct kring *k = kring_of(ring);
	u_int32_t m;

	switch (mode) {
	case send_and_recv_mode: m = PF_RING_MODE_SEND_AND_RECV; break;
	case send_only_mode: m = PF_RING_MODE_SEND_ONLY; break;
	case recv_only_mode: m = PF_RING_MODE_RECV_ONLY; break;
	default: return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	}
	if (kring_setopt_u32(ring, PF_RING_OPT_SOCKET_MODE, m) < 0)
		return PF_RING_ERROR_GENERIC;
	/* An enabled ring leaves the capture hooks in send-only mode, and comes back after */
	if (ring->enabled && (m == PF_RING_MODE_SEND_ONLY) != (k->mode == PF_RING_MODE_SEND_ONLY) &&
	    kring_setopt_u32(ring, PF_RING_OPT_ENABLE, m != PF_RING_MODE_SEND_ONLY) < 0)
		return PF_RING_ERROR_GENERIC;
	k->mode = m;
	return 0;
}

static int kring_set_poll_watermark(pfring *ring, u_int16_t watermark)
{
	return kring_setopt_u32(ring, PF_RING_OPT_POLL_WATERMARK, watermark ? watermark : 1);
}

static int kring_set_poll_watermark_timeout(pfring *ring, u_int16_t ms)
{
	return kring_setopt_u32(ring, PF_RING_OPT_POLL_WATERMARK_TIMEOUT, ms);
}

/* The switch of every device the ring is bound to; EOPNOTSUPP: one has no aware driver */
static int kring_set_capture_only(pfring *ring, u_int32_t on)
{
	if (setsockopt(ring->fd, SOL_PF_RING, PF_RING_OPT_CAPTURE_ONLY, &on, sizeof(on)) < 0)
		return pfring_err(errno == EOPNOTSUPP ? PF_RING_ERROR_NOT_SUPPORTED :
				  PF_RING_ERROR_GENERIC, errno);
	return 0;
}

static int kring_set_string(pfring *ring, int opt, const char *s)
{
	if (setsockopt(ring->fd, SOL_PF_RING, opt, s, strlen(s)) < 0)
		return pfring_err(PF_RING_ERROR_GENERIC, errno);
	return 0;
}

static int kring_set_application_name(pfring *ring, const char *name)
{
	return kring_set_string(ring, PF_RING_OPT_APPL_NAME, name);
}

static int kring_set_application_stats(pfring *ring, const char *stats)
{
	return kring_set_string(ring, PF_RING_OPT_APPL_STATS, stats);
}

static char *kring_get_appl_stats_file_name(pfring *ring, char *path, u_int path_len)
{
	socklen_t len = path_len;

	if (path_len == 0) {
		errno = EINVAL;
		return NULL;
	}
	if (getsockopt(ring->fd, SOL_PF_RING, PF_RING_OPT_APPL_STATS_FILE, path, &len) < 0)
		return NULL;
	path[len < path_len ? len : path_len - 1] = '\0';
	return path;
}

static int kring_dev_info(pfring *ring, struct pf_ring_dev_info *info)
{
	socklen_t len = sizeof(*info);

	if (getsockopt(ring->fd, SOL_PF_RING, PF_RING_OPT_DEV_INFO, info, &len) < 0)
		return pfring_err(PF_RING_ERROR_GENERIC, errno);
	return 0;
}

/* The pcap link type of the ring's frames (linux/pf_ring.h, PF_RING_OPT_LINK_TYPE) */
static int kring_get_link_type(pfring *ring)
{
	u_int32_t type;
	socklen_t len = sizeof(type);

	if (getsockopt(ring->fd, SOL_PF_RING, PF_RING_OPT_LINK_TYPE, &type, &len) < 0)
		return pfring_err(PF_RING_ERROR_GENERIC, errno);
	switch (type) {
	case PF_RING_LINK_ETHERNET:
		return DLT_EN10MB_;
	case PF_RING_LINK_RAW_IP:
		return DLT_RAW_;
	default:	/* devices of different kinds: no one link type for the ring */
		return pfring_err(PF_RING_ERROR_NOT_SUPPORTED, ENOTSUP);
	}
}

static u_int32_t kring_get_ring_id(pfring *ring)
{
	u_int32_t id = 0;
	socklen_t len = sizeof(id);

	if (getsockopt(ring->fd, SOL_PF_RING, PF_RING_OPT_RING_ID, &id, &len) < 0)
		return 0;
	return id;
}

/* Kernel errnos as PF_RING error codes: a request the kernel found wrong, or refused */
static int kring_option_err(int err)
{
	return pfring_err(err == EINVAL ? PF_RING_ERROR_INVALID_ARGUMENT :
			  err == ENOMEM ? PF_RING_ERROR_NOT_ENOUGH_MEMORY : PF_RING_ERROR_GENERIC,
			  err);
}

static int kring_set_cluster(pfring *ring, u_int32_t id, u_int32_t type, u_int32_t consumer)
{
	struct pf_ring_cluster req = { .id = id, .type = type, .consumer = consumer };

	if (setsockopt(ring->fd, SOL_PF_RING, PF_RING_OPT_CLUSTER, &req, sizeof(req)) < 0)
		return kring_option_err(errno);
	return 0;
}

static int kring_remove_from_cluster(pfring *ring)
{
	if (setsockopt(ring->fd, SOL_PF_RING, PF_RING_OPT_CLUSTER_LEAVE, NULL, 0) < 0)
		return kring_option_err(errno);
	return 0;
}

static int kring_set_reflector(pfring *ring, int ifindex, u_int32_t mode)
{
	struct pf_ring_reflector req = { .ifindex = ifindex, .mode = mode };

	if (setsockopt(ring->fd, SOL_PF_RING, PF_RING_OPT_REFLECTOR, &req, sizeof(req)) < 0)
		return kring_option_err(errno);
	return 0;
}

static int kring_get_caplen(pfring *ring)
{
	if (kring_unmapped(kring_of(ring)))
		return (int)ring->priv->caplen;
	return (int)kring_of(ring)->caplen;
}

/* ---- sending (pfring_send.c) ------------------------------------------------------ */

static ssize_t kring_send_batch(pfring *ring, const void *records, size_t len)
{
	return send(ring->fd, records, len, 0);
}

static int kring_last_rx(pfring *ring, const u_char **frame, u_int *caplen, u_int *len)
{
	struct kring *k = kring_of(ring);

	if (!k->held || !k->last_frame) {
		errno = ENOENT;		/* nothing received, or given back since */
		return -1;
	}
	*frame = k->last_frame;
	*caplen = k->last_caplen;
	*len = k->last_len;
	return 0;
}

static u_int32_t kring_get_num_slots(pfring *ring)
{
	return kring_of(ring)->num_slots;
}

static u_int16_t kring_get_slot_header_len(pfring *ring)
{
	return (u_int16_t)kring_of(ring)->slot_hdr_size;
}

const struct pfring_ops pfring_kernel_ops = {
	.name = "kernel",
	.open = kring_open,
	.close = kring_close,
	.enable = kring_enable,
	.recv = kring_recv,
	.recv_burst = kring_recv_burst,
	.give_back = kring_give_back_held,
	.poll = kring_poll,
	.is_pkt_available = kring_is_pkt_available,
	.next_pkt_time = kring_next_pkt_time,
	.num_queued = kring_num_queued,
	.sync_indexes = kring_sync_indexes,
	.stats = kring_stats,
	.version = kring_version,
	.set_direction = kring_set_direction,
	.set_socket_mode = kring_set_socket_mode,
	.set_poll_watermark = kring_set_poll_watermark,
	.set_poll_watermark_timeout = kring_set_poll_watermark_timeout,
	.set_application_name = kring_set_application_name,
	.set_application_stats = kring_set_application_stats,
	.get_appl_stats_file_name = kring_get_appl_stats_file_name,
	.dev_info = kring_dev_info,
	.get_ring_id = kring_get_ring_id,
	.get_link_type = kring_get_link_type,
	.get_caplen = kring_get_caplen,
	.set_cluster = kring_set_cluster,
	.remove_from_cluster = kring_remove_from_cluster,
	.set_reflector = kring_set_reflector,
	.set_capture_only = kring_set_capture_only,
	.get_num_slots = kring_get_num_slots,
	.get_slot_header_len = kring_get_slot_header_len,
	.send_batch = kring_send_batch,
	.last_rx = kring_last_rx,
};
