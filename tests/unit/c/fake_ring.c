// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fake_ring.c - the library's ring code against fake_pf_ring.so (LD_PRELOAD), on a host
 * without the module. This program plays the kernel's part of the protocol (K3: write
 * a slot, K4: store-release prod) through its own mapping of ring->fd, and checks the
 * library's part (U1-U3): what each receive returns, and when the consumer index moves.
 *
 *   fake_ring            run every check, print "N checks, 0 failures"
 *   fake_ring open [DEV] only pfring_open(DEV, default "fake0"): exit 0 if it opened,
 *                        else print errno and exit 1
 */
#include <pfring.h>
#include <sys/mman.h>

static int failures, checks;

#define CHECK(cond, ...)                                                           \
	do {                                                                       \
		checks++;                                                          \
		if (!(cond)) {                                                     \
			failures++;                                                \
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                              \
			fputc('\n', stderr);                                       \
		}                                                                  \
	} while (0)

#define EXPECT_INT(expr, want)                                                     \
	do {                                                                       \
		long long got_ = (long long)(expr);                                \
		CHECK(got_ == (long long)(want), "got %lld, want %lld", got_,      \
		      (long long)(want));                                          \
	} while (0)

#define TS_BASE 1700000000000000000ULL

/* The kernel's side of one ring, as this program sees it. */
struct kside {
	struct pf_ring_info *info;
	u_char *slots;
	u_int32_t num_slots, slot_size;
};

static struct kside kmap(pfring *ring)
{
	struct kside k;
	struct pf_ring_info *info = mmap(NULL, 4096, PROT_READ, MAP_SHARED, ring->fd, 0);
	size_t len = info->mmap_len;

	munmap(info, 4096);
	k.info = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, ring->fd, 0);
	k.slots = (u_char *)k.info + k.info->slots_offset;
	k.num_slots = k.info->num_slots;
	k.slot_size = k.info->slot_size;
	return k;
}

static u_int64_t cons_of(const struct kside *k)
{
	return __atomic_load_n(&k->info->cons, __ATOMIC_ACQUIRE);
}

static u_int32_t frame_len(u_int64_t n)
{
	return 60 + (u_int32_t)(n % 7) * 10;
}

/* K1-K4 for packet number prod: returns 0 when the ring is full (K2). */
static int produce(struct kside *k, u_int32_t claimed_caplen)
{
	u_int64_t prod = k->info->prod, i;
	struct pf_ring_slot_hdr *h;
	u_char *frame;
	u_int32_t len = frame_len(prod);

	if (prod - cons_of(k) == k->num_slots)
		return 0;
	h = (struct pf_ring_slot_hdr *)(k->slots + (prod % k->num_slots) * k->slot_size);
	memset(h, 0, sizeof(*h));
	h->ts_ns = TS_BASE + prod * 1000 + 123;
	h->caplen = claimed_caplen ? claimed_caplen : len;
	h->len = len;
	h->ifindex = 7;
	h->rx_direction = PF_RING_PKT_RX;
	frame = (u_char *)h + k->info->slot_hdr_size;
	for (i = 0; i < len; i++)
		frame[i] = (u_char)(prod + i);
	frame[12] = 0x88;
	frame[13] = 0xB5;
	__atomic_store_n(&k->info->prod, prod + 1, __ATOMIC_RELEASE);
	return 1;
}

/* Packet n as the library must return it. */
static void check_pkt(u_int64_t n, const struct pfring_pkthdr *h, const u_char *p,
		      int long_header)
{
	u_int32_t len = frame_len(n), i, bad = 0;

	EXPECT_INT(h->caplen, len);
	EXPECT_INT(h->len, len);
	EXPECT_INT(h->extended_hdr.timestamp_ns, TS_BASE + n * 1000 + 123);
	EXPECT_INT(h->ts.tv_sec, (TS_BASE + n * 1000 + 123) / 1000000000ULL);
	EXPECT_INT(h->ts.tv_usec, ((TS_BASE + n * 1000 + 123) % 1000000000ULL) / 1000);
	EXPECT_INT(h->extended_hdr.if_index, 7);
	EXPECT_INT(h->extended_hdr.rx_direction, 1);
	for (i = 0; i < len; i++)
		if (i != 12 && i != 13 && p[i] != (u_char)(n + i))
			bad++;
	CHECK(bad == 0 && p[12] == 0x88 && p[13] == 0xB5, "packet %llu: %u bad bytes",
	      (unsigned long long)n, bad);
	if (long_header) {
		EXPECT_INT(h->extended_hdr.parsed_pkt.eth_type, 0x88B5);
		CHECK(memcmp(h->extended_hdr.parsed_pkt.dmac, p, 6) == 0, "dmac");
		EXPECT_INT(h->extended_hdr.parsed_pkt.offset.l3_offset, 14);
		CHECK(h->extended_hdr.pkt_hash != 0, "hash");
	} else {
		EXPECT_INT(h->extended_hdr.parsed_pkt.eth_type, 0);
	}
}

static int loop_count;
static pfring *loop_ring;

static void loop_cb(const struct pfring_pkthdr *h, const u_char *p, const u_char *user)
{
	check_pkt((u_int64_t)(uintptr_t)user + (u_int64_t)loop_count, h, p, 0);
	if (++loop_count == 3)
		pfring_breakloop(loop_ring);
}

static void test_protocol(void)
{
	struct pfring_pkthdr h;
	pfring_packet_info pkts[8];
	pfring_stat st;
	struct timespec ts;
	u_char *p, buf[2048], *bp = buf;
	struct kside k;
	pfring *ring = pfring_open("fake0", 128, PF_RING_PROMISC);
	int i, n;

	CHECK(ring != NULL, "open: %s", strerror(errno));
	if (!ring)
		return;
	k = kmap(ring);
	EXPECT_INT(k.num_slots, 8);
	EXPECT_INT(pfring_get_caplen(ring), 128);
	EXPECT_INT(pfring_get_slot_header_len(ring), sizeof(struct pf_ring_slot_hdr));
	EXPECT_INT(ring->enabled, 0);
	EXPECT_INT(pfring_recv(ring, &p, 0, &h, 0), PF_RING_ERROR_RING_NOT_ENABLED);
	EXPECT_INT(pfring_enable_ring(ring), 0);
	EXPECT_INT(ring->enabled, 1);

	/* empty: a non-blocking receive returns 0, nothing is queued */
	EXPECT_INT(pfring_recv(ring, &p, 0, &h, 0), 0);
	EXPECT_INT(pfring_is_pkt_available(ring), 0);
	EXPECT_INT(pfring_get_num_queued_pkts(ring), 0);
	EXPECT_INT(pfring_next_pkt_time(ring, &ts), PF_RING_ERROR_NO_PKT_AVAILABLE);

	for (i = 0; i < 5; i++)
		produce(&k, 0);
	EXPECT_INT(pfring_get_num_queued_pkts(ring), 5);
	EXPECT_INT(pfring_is_pkt_available(ring), 1);
	EXPECT_INT(pfring_poll(ring, 0), 1);
	EXPECT_INT(pfring_next_pkt_time(ring, &ts), 0);
	EXPECT_INT(ts.tv_sec, TS_BASE / 1000000000ULL);
	EXPECT_INT(ts.tv_nsec, 123);

	/* zero copy: a pointer into slot 0, which stays ours until the next receive */
	EXPECT_INT(pfring_recv(ring, &p, 0, &h, 0), 1);
	check_pkt(0, &h, p, 0);
	/* zero copy: p is slot 0 itself, what the producer writes there shows through it */
	k.slots[k.info->slot_hdr_size + 20] ^= 0xFF;
	CHECK(p[20] == (u_char)~(u_char)20, "not a pointer into slot 0");
	k.slots[k.info->slot_hdr_size + 20] ^= 0xFF;
	EXPECT_INT(cons_of(&k), 0);
	EXPECT_INT(pfring_get_num_queued_pkts(ring), 4);
	pfring_sync_indexes_with_kernel(ring);
	EXPECT_INT(cons_of(&k), 0);		/* a held slot is not given back by a sync */

	/* copy: slot 0 given back first (U3), slot 1 copied and given back at once */
	EXPECT_INT(pfring_recv(ring, &bp, sizeof(buf), &h, 0), 1);
	check_pkt(1, &h, buf, 0);
	EXPECT_INT(cons_of(&k), 2);
	/* a buffer smaller than the frame: cut to its size */
	EXPECT_INT(pfring_recv(ring, &bp, 20, &h, 0), 1);
	EXPECT_INT(h.caplen, 20);
	EXPECT_INT(h.len, frame_len(2));
	EXPECT_INT(cons_of(&k), 3);

	/* burst: packets 3 and 4 held together until the next call */
	n = pfring_recv_burst(ring, pkts, 8, 0);
	EXPECT_INT(n, 2);
	for (i = 0; i < n && i < 2; i++) {
		struct pfring_pkthdr bh;

		memset(&bh, 0, sizeof(bh));
		bh.caplen = pkts[i].caplen;
		bh.len = pkts[i].len;
		bh.ts = pkts[i].ts;
		bh.extended_hdr.timestamp_ns = TS_BASE + (3 + (u_int64_t)i) * 1000 + 123;
		bh.extended_hdr.if_index = 7;
		bh.extended_hdr.rx_direction = 1;
		check_pkt(3 + (u_int64_t)i, &bh, pkts[i].data, 0);
	}
	EXPECT_INT(cons_of(&k), 3);
	EXPECT_INT(pfring_recv_burst(ring, pkts, 8, 0), 0);
	EXPECT_INT(cons_of(&k), 5);

	/* wrap-around: fill all 8 slots (packets 5..12), a 9th does not fit (K2) */
	for (i = 0; i < 8; i++)
		EXPECT_INT(produce(&k, 0), 1);
	EXPECT_INT(produce(&k, 0), 0);
	for (i = 5; i < 13; i++) {
		EXPECT_INT(pfring_recv(ring, &p, 0, &h, 0), 1);
		check_pkt((u_int64_t)i, &h, p, 0);
	}
	EXPECT_INT(pfring_recv(ring, &p, 0, &h, 0), 0);
	EXPECT_INT(cons_of(&k), 13);

	/* a slot claiming more than it can hold is never read past its end */
	produce(&k, 5000);
	EXPECT_INT(pfring_recv(ring, &p, 0, &h, 0), 1);
	EXPECT_INT(h.caplen, k.slot_size - k.info->slot_hdr_size);

	/* pfring_loop until the callback breaks it */
	for (i = 0; i < 3; i++)
		produce(&k, 0);
	loop_ring = ring;
	EXPECT_INT(pfring_loop(ring, loop_cb, (const u_char *)(uintptr_t)14, 0), 0);
	EXPECT_INT(loop_count, 3);

	/* after pfring_breakloop(), a blocking receive on an empty ring returns 0 */
	EXPECT_INT(pfring_recv(ring, &p, 0, &h, 1), 0);

	EXPECT_INT(pfring_stats(ring, &st), 0);
	EXPECT_INT(st.recv, 17);
	EXPECT_INT(st.drop, 3);
	EXPECT_INT(pfring_disable_ring(ring), 0);
	EXPECT_INT(ring->enabled, 0);
	munmap(k.info, k.info->mmap_len);
	pfring_close(ring);
}

static void test_two_rings_and_long_header(void)
{
	pfring *a = pfring_open("fake0", 1536, PF_RING_LONG_HEADER);
	pfring *b = pfring_open("fake1", 1536, PF_RING_REENTRANT);
	struct pfring_pkthdr h;
	struct kside ka, kb;
	u_char *p;
	int i;

	CHECK(a && b, "open: %s", strerror(errno));
	if (!a || !b)
		return;
	ka = kmap(a);
	kb = kmap(b);
	pfring_enable_ring(a);
	pfring_enable_ring(b);
	for (i = 0; i < 3; i++)
		produce(&ka, 0);
	produce(&kb, 0);
	EXPECT_INT(pfring_recv(a, &p, 0, &h, 0), 1);
	check_pkt(0, &h, p, 1);
	EXPECT_INT(pfring_recv(b, &p, 0, &h, 0), 1);
	check_pkt(0, &h, p, 0);
	EXPECT_INT(pfring_recv(b, &p, 0, &h, 0), 0);
	EXPECT_INT(cons_of(&kb), 1);
	EXPECT_INT(cons_of(&ka), 0);	/* a's slot still held: the rings are independent */
	EXPECT_INT(pfring_recv(a, &p, 0, &h, 0), 1);
	check_pkt(1, &h, p, 1);
	EXPECT_INT(cons_of(&ka), 1);
	/* pfring_recv_parsed fills parsed_pkt on a short-header ring */
	produce(&kb, 0);
	EXPECT_INT(pfring_recv_parsed(b, &p, 0, &h, 0, 4, 0, 1), 2);
	EXPECT_INT(h.extended_hdr.parsed_pkt.eth_type, 0x88B5);
	munmap(ka.info, ka.info->mmap_len);
	munmap(kb.info, kb.info->mmap_len);
	pfring_close(a);
	pfring_close(b);
}

static void test_queries(void)
{
	pfring *r = pfring_open("fake0", 256, 0);
	pfring_card_settings cs;
	u_char mac[6];
	char path[64];
	u_int32_t v = 0;
	int idx = 0;

	CHECK(r != NULL, "open");
	if (!r)
		return;
	EXPECT_INT(pfring_get_bound_device_address(r, mac), 0);
	CHECK(mac[0] == 2 && mac[5] == 7, "mac");
	EXPECT_INT(pfring_get_bound_device_ifindex(r, &idx), 0);
	EXPECT_INT(idx, 7);
	EXPECT_INT(pfring_get_mtu_size(r), 1500);
	EXPECT_INT(pfring_get_interface_speed(r), 1000);
	EXPECT_INT(pfring_get_num_rx_channels(r), 2);
	EXPECT_INT(pfring_get_link_status(r), 1);
	EXPECT_INT(pfring_get_link_type(r), 1);
	EXPECT_INT(pfring_get_ring_id(r), 42);
	EXPECT_INT(pfring_version(r, &v), 0);
	EXPECT_INT(v, RING_VERSION_NUM);
	EXPECT_INT(pfring_get_card_settings(r, &cs), 0);
	EXPECT_INT(cs.max_packet_size, 1518);
	EXPECT_INT(cs.rx_ring_slots, 8);
	CHECK(pfring_get_appl_stats_file_name(r, path, sizeof(path)) == path &&
	      strcmp(path, "/proc/net/pf_ring/stats/fake") == 0, "stats file");
	EXPECT_INT(pfring_get_selectable_fd(r), r->fd);
	EXPECT_INT(pfring_set_direction(r, rx_only_direction), 0);
	EXPECT_INT(pfring_set_direction(r, (packet_direction)7), PF_RING_ERROR_INVALID_ARGUMENT);
	EXPECT_INT(pfring_set_socket_mode(r, recv_only_mode), 0);
	EXPECT_INT(pfring_set_poll_watermark(r, 16), 0);
	EXPECT_INT(pfring_set_poll_watermark_timeout(r, 10), 0);
	EXPECT_INT(pfring_set_poll_duration(r, 10), 0);
	EXPECT_INT(pfring_set_application_name(r, (char *)"fake"), 0);
	EXPECT_INT(pfring_set_application_stats(r, (char *)"x=1"), 0);
	EXPECT_INT(pfring_enable_rss_rehash(r), 0);
	EXPECT_INT(pfring_get_device_ifindex(r, (char *)"lo", &idx), 0);
	EXPECT_INT(idx, (int)if_nametoindex("lo"));
	pfring_close(r);

	errno = 0;
	CHECK(pfring_open("nosuchdev", 128, 0) == NULL && errno == ENODEV, "errno %d", errno);
}

int main(int argc, char *argv[])
{
	if (argc > 1 && strcmp(argv[1], "open") == 0) {
		pfring *r = pfring_open(argc > 2 ? argv[2] : "fake0", 128, 0);

		if (!r) {
			printf("errno %d\n", errno);
			return 1;
		}
		pfring_close(r);
		return 0;
	}
	test_protocol();
	test_two_rings_and_long_header();
	test_queries();
	printf("%d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
