// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * every_function.c - calls every function of the pfring_* API, built against the
 * installed headers only and linked statically or dynamically (tests/unit/test_c_api.py).
 * Runs without the kernel module: pfring_open() must fail with a meaningful errno,
 * the ring-less functions must give exact results, the missing ones must say so.
 */
#include <pfring.h>

#if defined(__has_include)
#if __has_include(<pcap/pcap.h>)
#include <pcap/pcap.h>
#define HAVE_PCAP_H 1
#endif
#endif
#include <stddef.h>

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

#define EXPECT_STR(expr, want)                                                     \
	do {                                                                       \
		const char *got_ = (expr);                                         \
		CHECK(got_ && strcmp(got_, want) == 0, "got \"%s\", want \"%s\"",  \
		      got_ ? got_ : "(null)", want);                               \
	} while (0)

/* A not-implemented function: PF_RING_ERROR_NOT_SUPPORTED and errno ENOTSUP. */
#define EXPECT_NOT_SUPPORTED(call)                                                 \
	do {                                                                       \
		errno = 0;                                                         \
		int rc_ = (call);                                                  \
		CHECK(rc_ == PF_RING_ERROR_NOT_SUPPORTED && errno == ENOTSUP,      \
		      "rc %d errno %d", rc_, errno);                               \
	} while (0)

/* A ring function given no ring: PF_RING_ERROR_INVALID_ARGUMENT and errno EINVAL. */
#define EXPECT_INVALID(call)                                                       \
	do {                                                                       \
		errno = 0;                                                         \
		int rc_ = (call);                                                  \
		CHECK(rc_ == PF_RING_ERROR_INVALID_ARGUMENT && errno == EINVAL,    \
		      "rc %d errno %d", rc_, errno);                               \
	} while (0)

static const u_char tcp4[] = {
	/* Ethernet */
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0x08, 0x00,
	/* IPv4: 20 bytes, TOS 0x10, total 45, DF, TTL 64, TCP, 192.168.1.10 -> 10.0.0.1 */
	0x45, 0x10, 0x00, 0x2D, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
	0xC0, 0xA8, 0x01, 0x0A, 0x0A, 0x00, 0x00, 0x01,
	/* TCP: 12345 -> 80, seq 0x01020304, ack 0x0A0B0C0D, 20 bytes, PSH|ACK */
	0x30, 0x39, 0x00, 0x50, 0x01, 0x02, 0x03, 0x04, 0x0A, 0x0B, 0x0C, 0x0D,
	0x50, 0x18, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00,
	/* payload */
	'h', 'e', 'l', 'l', 'o',
};

static const u_char udp6_vlan[] = {
	/* Ethernet, 802.1Q tag: priority 3, VLAN 100 */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x81, 0x00, 0x60, 0x64, 0x86, 0xDD,
	/* IPv6: traffic class 0xB8, payload 12, UDP, hop limit 64, 2001:db8::1 -> 2001:db8::2 */
	0x6B, 0x80, 0x00, 0x00, 0x00, 0x0C, 0x11, 0x40,
	0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
	0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
	/* UDP: 5353 -> 53, length 12 */
	0x14, 0xE9, 0x00, 0x35, 0x00, 0x0C, 0x00, 0x00,
	/* payload */
	0xDE, 0xAD, 0xBE, 0xEF,
};

static void hdr_for(struct pfring_pkthdr *h, u_int caplen)
{
	memset(h, 0, sizeof(*h));
	h->caplen = caplen;
	h->len = caplen;
}

static void test_layout(void)
{
	EXPECT_INT(offsetof(struct pfring_pkthdr, ts), 0);
	EXPECT_INT(offsetof(struct pfring_pkthdr, caplen), sizeof(struct timeval));
	EXPECT_INT(offsetof(struct pfring_pkthdr, len), sizeof(struct timeval) + 4);
	EXPECT_INT(offsetof(struct pfring_pkthdr, extended_hdr), sizeof(struct timeval) + 8);
#ifdef HAVE_PCAP_H
	EXPECT_INT(offsetof(struct pfring_pkthdr, caplen), offsetof(struct pcap_pkthdr, caplen));
	EXPECT_INT(offsetof(struct pfring_pkthdr, len), offsetof(struct pcap_pkthdr, len));
	EXPECT_INT(offsetof(struct pfring_pkthdr, extended_hdr), sizeof(struct pcap_pkthdr));
	printf("pcap_pkthdr compared: %zu bytes\n", sizeof(struct pcap_pkthdr));
#endif
	EXPECT_INT(RING_VERSION_NUM, 0x080800);
	EXPECT_INT(RING_VERSION_NUM, PF_RING_API_VERSION_NUM);
	EXPECT_STR(RING_VERSION, "8.8.0");
	EXPECT_INT(REFLECTOR_NAME_LEN, 8);
	EXPECT_INT(FILTERING_RULE_AUTO_RULE_ID, 0xFFFF);
	EXPECT_INT(PF_RING_PROMISC, 8);
	EXPECT_INT(PF_RING_LONG_HEADER, 4);
	EXPECT_INT(PF_RING_REENTRANT, 2);
	EXPECT_INT(PF_RING_ERROR_NOT_SUPPORTED, -7);
	EXPECT_INT(PF_RING_ERROR_RING_NOT_ENABLED, -12);
	EXPECT_INT(rx_only_direction, 1);
	EXPECT_INT(recv_only_mode, 2);
	EXPECT_INT(cluster_per_flow_5_tuple, 4);
	EXPECT_INT(cluster_per_flow_ip_with_dup_tuple, 13);
	EXPECT_INT(L4_SLICING, 4);
	EXPECT_INT(software_only, 2);
	EXPECT_INT(bounce_packet_and_continue_rule_evaluation, 8);
}

static void test_parse_tcp4(void)
{
	struct pfring_pkthdr h, r;
	const struct pkt_parsing_info *pi = &h.extended_hdr.parsed_pkt;
	const u_char dmac[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
	const u_char smac[6] = { 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB };
	char line[512];

	hdr_for(&h, sizeof(tcp4));
	errno = 4242;
	EXPECT_INT(pfring_parse_pkt((u_char *)tcp4, &h, 4, 0, 1), 4);
	EXPECT_INT(errno, 4242);
	CHECK(memcmp(pi->dmac, dmac, 6) == 0, "dmac");
	CHECK(memcmp(pi->smac, smac, 6) == 0, "smac");
	EXPECT_INT(pi->eth_type, 0x0800);
	EXPECT_INT(pi->vlan_id, 0);
	EXPECT_INT(pi->qinq_vlan_id, 0);
	EXPECT_INT(pi->ip_version, 4);
	EXPECT_INT(pi->l3_proto, 6);
	EXPECT_INT(pi->ip_tos, 0x10);
	EXPECT_INT(pi->ipv4_src, 0xC0A8010A);
	EXPECT_INT(pi->ipv4_dst, 0x0A000001);
	EXPECT_INT(pi->l4_src_port, 12345);
	EXPECT_INT(pi->l4_dst_port, 80);
	EXPECT_INT(pi->tcp.seq_num, 0x01020304);
	EXPECT_INT(pi->tcp.ack_num, 0x0A0B0C0D);
	EXPECT_INT(pi->tcp.flags, 0x18);
	EXPECT_INT(pi->icmp_type, 0);
	EXPECT_INT(pi->tunnel.tunnel_id, NO_TUNNEL_ID);
	EXPECT_INT(pi->offset.eth_offset, 0);
	EXPECT_INT(pi->offset.vlan_offset, 0);
	EXPECT_INT(pi->offset.l3_offset, 14);
	EXPECT_INT(pi->offset.l4_offset, 34);
	EXPECT_INT(pi->offset.payload_offset, 54);
	EXPECT_INT(h.extended_hdr.flags & (PKT_FLAGS_IP_MORE_FRAG | PKT_FLAGS_IP_FRAG_OFFSET), 0);
	CHECK(h.extended_hdr.pkt_hash != 0, "hash is 0");

	/* the hash is symmetric: the same flow seen the other way round */
	{
		u_char rev[sizeof(tcp4)];

		memcpy(rev, tcp4, sizeof(rev));
		memcpy(rev, tcp4 + 6, 6);
		memcpy(rev + 6, tcp4, 6);
		memcpy(rev + 26, tcp4 + 30, 4);
		memcpy(rev + 30, tcp4 + 26, 4);
		memcpy(rev + 34, tcp4 + 36, 2);
		memcpy(rev + 36, tcp4 + 34, 2);
		hdr_for(&r, sizeof(rev));
		EXPECT_INT(pfring_parse_pkt(rev, &r, 4, 0, 1), 4);
		EXPECT_INT(r.extended_hdr.parsed_pkt.l4_src_port, 80);
		EXPECT_INT(r.extended_hdr.pkt_hash, h.extended_hdr.pkt_hash);
	}

	errno = 4242;
	CHECK(pfring_print_parsed_pkt(line, sizeof(line), tcp4, &h) > 0, "print");
	EXPECT_INT(errno, 4242);
	CHECK(strstr(line, "[IPv4][192.168.1.10:12345 -> 10.0.0.1:80]") != NULL, "%s", line);
	CHECK(strstr(line, "[66:77:88:99:AA:BB -> 00:11:22:33:44:55]") != NULL, "%s", line);
	CHECK(strstr(line, "[l3_proto=TCP]") != NULL, "%s", line);
	CHECK(strstr(line, "[l4_offset=34][payload_offset=54]") != NULL, "%s", line);
	printf("parsed: %s", line);
	CHECK(pfring_print_pkt(line, sizeof(line), tcp4, sizeof(tcp4), sizeof(tcp4)) > 0, "print_pkt");
	CHECK(strstr(line, "[IPv4][192.168.1.10:12345 -> 10.0.0.1:80]") != NULL, "%s", line);
	/* a short buffer is filled and terminated, never overrun */
	memset(line, 'X', sizeof(line));
	CHECK(pfring_print_parsed_pkt(line, 10, tcp4, &h) == 9 && line[9] == '\0' &&
	      line[10] == 'X', "truncation");

	/* level 2: Ethernet only */
	hdr_for(&h, sizeof(tcp4));
	EXPECT_INT(pfring_parse_pkt((u_char *)tcp4, &h, 2, 0, 0), 2);
	EXPECT_INT(pi->eth_type, 0x0800);
	EXPECT_INT(pi->ip_version, 0);
	EXPECT_INT(pi->offset.l3_offset, 14);
	EXPECT_INT(h.extended_hdr.pkt_hash, 0);
	/* level 3: IP, no ports */
	hdr_for(&h, sizeof(tcp4));
	EXPECT_INT(pfring_parse_pkt((u_char *)tcp4, &h, 3, 0, 0), 3);
	EXPECT_INT(pi->l3_proto, 6);
	EXPECT_INT(pi->l4_src_port, 0);
	/* cut inside the IP header: nothing is read past caplen */
	hdr_for(&h, 20);
	EXPECT_INT(pfring_parse_pkt((u_char *)tcp4, &h, 4, 0, 0), 2);
	EXPECT_INT(pi->ip_version, 0);
	/* cut before the end of Ethernet */
	hdr_for(&h, 10);
	EXPECT_INT(pfring_parse_pkt((u_char *)tcp4, &h, 4, 0, 0), 0);
	/* add_timestamp fills a zero timestamp */
	hdr_for(&h, sizeof(tcp4));
	pfring_parse_pkt((u_char *)tcp4, &h, 4, 1, 0);
	CHECK(h.ts.tv_sec > 1600000000 && h.extended_hdr.timestamp_ns / 1000000000ULL ==
	      (u_int64_t)h.ts.tv_sec, "timestamp %ld", (long)h.ts.tv_sec);
	/* a later fragment: no L4 */
	{
		u_char frag[sizeof(tcp4)];

		memcpy(frag, tcp4, sizeof(frag));
		frag[20] = 0x20;	/* MF */
		frag[21] = 0x10;	/* offset 16 * 8 */
		hdr_for(&h, sizeof(frag));
		EXPECT_INT(pfring_parse_pkt(frag, &h, 4, 0, 0), 3);
		EXPECT_INT(pi->l4_src_port, 0);
		EXPECT_INT(h.extended_hdr.flags & (PKT_FLAGS_IP_MORE_FRAG | PKT_FLAGS_IP_FRAG_OFFSET),
			   PKT_FLAGS_IP_MORE_FRAG | PKT_FLAGS_IP_FRAG_OFFSET);
	}
	EXPECT_INVALID(pfring_parse_pkt(NULL, &h, 4, 0, 0));
}

static void test_parse_udp6_vlan(void)
{
	struct pfring_pkthdr h;
	const struct pkt_parsing_info *pi = &h.extended_hdr.parsed_pkt;
	const u_char src[16] = { 0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	const u_char dst[16] = { 0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
	const u_char dmac[6] = { 0x02, 0, 0, 0, 0, 0x02 }, smac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	char line[512];

	hdr_for(&h, sizeof(udp6_vlan));
	EXPECT_INT(pfring_parse_pkt((u_char *)udp6_vlan, &h, 4, 0, 1), 4);
	CHECK(memcmp(pi->dmac, dmac, 6) == 0, "dmac");
	CHECK(memcmp(pi->smac, smac, 6) == 0, "smac");
	EXPECT_INT(pi->eth_type, 0x86DD);
	EXPECT_INT(pi->vlan_id, 100);
	EXPECT_INT(pi->qinq_vlan_id, 0);
	EXPECT_INT(pi->ip_version, 6);
	EXPECT_INT(pi->l3_proto, 17);
	EXPECT_INT(pi->ip_tos, 0xB8);
	CHECK(memcmp(pi->ipv6_src.s6_addr, src, 16) == 0, "ipv6 src");
	CHECK(memcmp(pi->ipv6_dst.s6_addr, dst, 16) == 0, "ipv6 dst");
	EXPECT_INT(pi->l4_src_port, 5353);
	EXPECT_INT(pi->l4_dst_port, 53);
	EXPECT_INT(pi->tcp.flags, 0);
	EXPECT_INT(pi->tcp.seq_num, 0);
	EXPECT_INT(pi->offset.eth_offset, 0);
	EXPECT_INT(pi->offset.vlan_offset, 14);
	EXPECT_INT(pi->offset.l3_offset, 18);
	EXPECT_INT(pi->offset.l4_offset, 58);
	EXPECT_INT(pi->offset.payload_offset, 66);
	CHECK(h.extended_hdr.pkt_hash != 0, "hash");
	CHECK(pfring_print_parsed_pkt(line, sizeof(line), udp6_vlan, &h) > 0, "print");
	CHECK(strstr(line, "[vlan 100]") != NULL, "%s", line);
	CHECK(strstr(line, "[IPv6][2001:db8::1:5353 -> 2001:db8::2:53]") != NULL, "%s", line);
	CHECK(strstr(line, "[l3_proto=UDP]") != NULL, "%s", line);
	printf("parsed: %s", line);
}

static void test_format_numbers(void)
{
	char buf[64], small[6];

	errno = 4242;
	EXPECT_STR(pfring_format_numbers(1234567.891, buf, sizeof(buf), 1), "1'234'567.89");
	EXPECT_INT(errno, 4242);
	EXPECT_STR(pfring_format_numbers(1234567.891, buf, sizeof(buf), 0), "1'234'567");
	EXPECT_STR(pfring_format_numbers(0, buf, sizeof(buf), 0), "0");
	EXPECT_STR(pfring_format_numbers(0, buf, sizeof(buf), 1), "0.00");
	EXPECT_STR(pfring_format_numbers(100, buf, sizeof(buf), 0), "100");
	EXPECT_STR(pfring_format_numbers(1000, buf, sizeof(buf), 0), "1'000");
	EXPECT_STR(pfring_format_numbers(999.999, buf, sizeof(buf), 1), "1'000.00");
	EXPECT_STR(pfring_format_numbers(-1234.5, buf, sizeof(buf), 1), "-1'234.50");
	EXPECT_STR(pfring_format_numbers(64415543, buf, sizeof(buf), 0), "64'415'543");
	EXPECT_STR(pfring_format_numbers(4293748.94, buf, sizeof(buf), 1), "4'293'748.94");
	EXPECT_STR(pfring_format_numbers(1e15, buf, sizeof(buf), 0), "1'000'000'000'000'000");
	/* near the top of the range the decimals must not overflow 64 bits */
	EXPECT_STR(pfring_format_numbers(1e18, buf, sizeof(buf), 1),
		   "1'000'000'000'000'000'000.00");
	EXPECT_STR(pfring_format_numbers(0.125, buf, sizeof(buf), 1), "0.13");
	EXPECT_STR(pfring_format_numbers(-0.001, buf, sizeof(buf), 1), "0.00");
	EXPECT_STR(pfring_format_numbers(123456, small, sizeof(small), 0), "123'4");
}

static void test_open_without_module(void)
{
	pfring *rings[MAX_NUM_RX_CHANNELS];

	errno = 0;
	CHECK(pfring_open("lo", 1536, PF_RING_PROMISC) == NULL, "opened without module");
	CHECK(errno == EAFNOSUPPORT, "errno %d (%s)", errno, strerror(errno));
	errno = 0;
	CHECK(pfring_open("lo", 1536, PF_RING_HW_TIMESTAMP) == NULL && errno == EOPNOTSUPP,
	      "HW_TIMESTAMP errno %d", errno);
	errno = 0;
	CHECK(pfring_open("lo", 1536, PF_RING_RX_PACKET_BOUNCE) == NULL && errno == EOPNOTSUPP,
	      "RX_PACKET_BOUNCE errno %d", errno);
	errno = 0;
	CHECK(pfring_open("zc:eth0", 1536, 0) == NULL && errno == EOPNOTSUPP, "zc errno %d", errno);
	errno = 0;
	CHECK(pfring_open("lo", 0, 0) == NULL && errno == EINVAL, "caplen 0 errno %d", errno);
	errno = 0;
	CHECK(pfring_open(NULL, 128, 0) == NULL && errno == EINVAL, "NULL errno %d", errno);
	errno = 0;
	EXPECT_INT(pfring_open_multichannel("lo", 1536, 0, rings), 0);
	CHECK(errno == EAFNOSUPPORT, "multichannel errno %d", errno);
}

static void looper(const struct pfring_pkthdr *h, const u_char *p, const u_char *user)
{
	(void)h; (void)p; (void)user;
}

static void test_ring_functions_without_ring(void)
{
	pfring *r = NULL;
	pfring_stat st;
	pfring_card_settings cs;
	pfring_packet_info pkts[4];
	struct pfring_pkthdr h;
	struct timespec ts;
	u_char *buf = NULL, mac[6];
	char path[64];
	u_int32_t v = 0;
	int idx;

	EXPECT_INVALID(pfring_enable_ring(r));
	EXPECT_INVALID(pfring_disable_ring(r));
	EXPECT_INVALID(pfring_recv(r, &buf, 0, &h, 0));
	EXPECT_INVALID(pfring_recv_parsed(r, &buf, 0, &h, 0, 4, 0, 0));
	EXPECT_INVALID(pfring_recv_burst(r, pkts, 4, 0));
	EXPECT_INVALID(pfring_loop(r, looper, NULL, 1));
	EXPECT_INVALID(pfring_poll(r, 0));
	EXPECT_INVALID(pfring_is_pkt_available(r));
	EXPECT_INVALID(pfring_get_selectable_fd(r));
	EXPECT_INVALID(pfring_stats(r, &st));
	EXPECT_INVALID(pfring_set_direction(r, rx_only_direction));
	EXPECT_INVALID(pfring_set_socket_mode(r, recv_only_mode));
	EXPECT_INVALID(pfring_set_poll_watermark(r, 1));
	EXPECT_INVALID(pfring_set_poll_watermark_timeout(r, 1));
	EXPECT_INVALID(pfring_set_poll_duration(r, 1));
	EXPECT_INVALID(pfring_set_application_name(r, (char *)"x"));
	EXPECT_INVALID(pfring_set_application_stats(r, (char *)"x"));
	EXPECT_INVALID(pfring_get_bound_device_address(r, mac));
	EXPECT_INVALID(pfring_get_bound_device_ifindex(r, &idx));
	EXPECT_INVALID(pfring_get_device_ifindex(r, (char *)"lo", &idx));
	EXPECT_INVALID(pfring_get_card_settings(r, &cs));
	EXPECT_INVALID(pfring_get_caplen(r));
	EXPECT_INVALID(pfring_get_link_type(r));
	EXPECT_INVALID(pfring_get_link_status(r));
	EXPECT_INVALID(pfring_get_mtu_size(r));
	EXPECT_INVALID(pfring_enable_rss_rehash(r));
	EXPECT_INVALID(pfring_set_capture_only(r, 1));
	EXPECT_INVALID(pfring_set_cluster(r, 1, cluster_round_robin));
	EXPECT_INVALID(pfring_set_cluster_consumer(r, 1, 0, cluster_per_flow, 0));
	EXPECT_INVALID(pfring_remove_from_cluster(r));
	EXPECT_INVALID(pfring_set_master_id(r, 1));
	EXPECT_INVALID(pfring_set_master(r, r));
	EXPECT_INVALID(pfring_set_reflector_device(r, (char *)"lo"));
	EXPECT_INVALID(pfring_set_bounce(r, 1));
	EXPECT_INVALID(pfring_send(r, (char *)mac, sizeof(mac), 1));
	EXPECT_INVALID(pfring_send_ifindex(r, (char *)mac, sizeof(mac), 1, 1));
	EXPECT_INVALID(pfring_send_get_time(r, (char *)mac, sizeof(mac), &ts));
	EXPECT_INVALID(pfring_send_last_rx_packet(r, 1));
	EXPECT_INVALID(pfring_set_tx_watermark(r, 1));
	EXPECT_INVALID(pfring_flush_tx_packets(r));
	EXPECT_INVALID(pfring_next_pkt_time(r, &ts));
	errno = 0;
	CHECK(pfring_get_appl_stats_file_name(r, path, sizeof(path)) == NULL && errno == EINVAL,
	      "appl stats file");
	EXPECT_INT(pfring_get_num_rx_channels(r), 1);
	EXPECT_INT(pfring_get_interface_speed(r), 0);
	EXPECT_INT(pfring_get_ring_id(r), 0);
	EXPECT_INT(pfring_get_num_queued_pkts(r), 0);
	EXPECT_INT(pfring_get_slot_header_len(r), 0);
	pfring_breakloop(r);
	pfring_sync_indexes_with_kernel(r);
	pfring_shutdown(r);
	pfring_close(r);

	errno = 4242;
	EXPECT_INT(pfring_version(r, &v), 0);
	EXPECT_INT(v, RING_VERSION_NUM);
	EXPECT_INT(errno, 4242);
	v = 0;
	pfring_version_noring(&v);
	EXPECT_INT(v, RING_VERSION_NUM);
	pfring_config(0);
	(void)gmt_to_local(0);
	(void)pfring_get_ethtool_link_speed("lo");
}

static void test_not_supported(void)
{
	pfring *r = NULL;
	hw_filtering_rule hw;
	filtering_rule fr;
	hash_filtering_rule hr;
	virtual_filtering_device_info vd;
	pfring_flow_update fu;
	pfring_chunk_info ci;
	struct pfring_bpf_program bpf;
	struct pfring_pkthdr h;
	struct timespec ts;
	u_char *m = NULL, pkt[64] = { 0 };
	u_int32_t ml = 0, ticks = 0;
	u_int64_t ns = 0;
	u_int len = 0;
	void *chunk = NULL;
	char stats[64], name[] = "lo";

	memset(&hw, 0, sizeof(hw));
	memset(&fr, 0, sizeof(fr));
	memset(&hr, 0, sizeof(hr));
	memset(&vd, 0, sizeof(vd));
	memset(&h, 0, sizeof(h));
	EXPECT_NOT_SUPPORTED(pfring_recv_flow(r, &fu, 0));
	EXPECT_NOT_SUPPORTED(pfring_get_metadata(r, &m, &ml));
	EXPECT_NOT_SUPPORTED(pfring_set_default_hw_action(r, default_pass));
	EXPECT_NOT_SUPPORTED(pfring_add_hw_rule(r, &hw));
	EXPECT_NOT_SUPPORTED(pfring_remove_hw_rule(r, 1));
	EXPECT_NOT_SUPPORTED(pfring_set_channel_id(r, 1));
	EXPECT_NOT_SUPPORTED(pfring_set_channel_mask(r, 1));
	EXPECT_NOT_SUPPORTED(pfring_set_vlan_id(r, 1));
	EXPECT_NOT_SUPPORTED(pfring_bind(r, name));
	EXPECT_INVALID(pfring_set_sampling_rate(r, 2));	/* NULL ring */
	EXPECT_INVALID(pfring_set_filtering_sampling_rate(r, 2));	/* NULL ring */
	EXPECT_NOT_SUPPORTED(pfring_set_packet_slicing(r, L3_SLICING, 0));
	EXPECT_INVALID(pfring_handle_hash_filtering_rule(r, &hr, 1));	/* NULL ring */
	EXPECT_INVALID(pfring_add_filtering_rule(r, &fr));	/* NULL ring */
	EXPECT_INVALID(pfring_remove_filtering_rule(r, 1));	/* NULL ring */
	EXPECT_INVALID(pfring_purge_idle_hash_rules(r, 1));	/* NULL ring */
	EXPECT_INVALID(pfring_purge_idle_rules(r, 1));	/* NULL ring */
	EXPECT_INVALID(pfring_get_hash_filtering_rule_stats(r, &hr, stats, &len));	/* NULL ring */
	EXPECT_INVALID(pfring_get_filtering_rule_stats(r, 1, stats, &len));	/* NULL ring */
	EXPECT_INVALID(pfring_toggle_filtering_policy(r, 1));	/* NULL ring */
	EXPECT_NOT_SUPPORTED(pfring_next_pkt_raw_timestamp(r, &ns));
	EXPECT_NOT_SUPPORTED(pfring_set_virtual_device(r, &vd));
	EXPECT_NOT_SUPPORTED(pfring_loopback_test(r, (char *)pkt, sizeof(pkt), 1));
	EXPECT_INVALID(pfring_set_bpf_filter(r, "tcp"));	/* NULL ring */
	EXPECT_INVALID(pfring_remove_bpf_filter(r));	/* NULL ring */
	EXPECT_INVALID(pfring_set_filtering_mode(r, software_only));	/* NULL ring */
	EXPECT_NOT_SUPPORTED(pfring_get_device_clock(r, &ts));
	EXPECT_NOT_SUPPORTED(pfring_set_device_clock(r, &ts));
	EXPECT_NOT_SUPPORTED(pfring_adjust_device_clock(r, &ts, 1));
	EXPECT_NOT_SUPPORTED(pfring_search_payload(r, name));
	EXPECT_NOT_SUPPORTED(pfring_set_if_promisc("lo", 1));
	EXPECT_NOT_SUPPORTED(pfring_set_promisc(r, 1));
	EXPECT_NOT_SUPPORTED(pfring_enable_hw_timestamp(r, name, 1, 1));
	EXPECT_NOT_SUPPORTED(pfring_recv_chunk(r, &chunk, &ci, 0));
	EXPECT_NOT_SUPPORTED(pfring_set_bound_dev_name(r, name));
	EXPECT_NOT_SUPPORTED(pfring_handle_ixia_hw_timestamp(pkt, &h));
	EXPECT_NOT_SUPPORTED(pfring_handle_metawatch_hw_timestamp(pkt, &h));
	EXPECT_NOT_SUPPORTED(pfring_handle_arista_hw_timestamp(pkt, &h));
	EXPECT_NOT_SUPPORTED(pfring_read_arista_7150_keyframe(pkt, sizeof(pkt), &ns, &ticks));
	/* libpcap is loaded by the library: compiled when it is installed */
	EXPECT_INT(pfring_parse_bpf_filter("tcp", 128, &bpf), 0);
	/* trailers that are never present: found length 0 */
	EXPECT_INT(pfring_read_ixia_hw_timestamp(pkt, sizeof(pkt), &ts), 0);
	EXPECT_INT(pfring_read_metawatch_hw_timestamp(pkt, sizeof(pkt), &ts), 0);
	EXPECT_INT(pfring_read_metawatch_device_info(pkt, sizeof(pkt), NULL, NULL), 0);
	EXPECT_INT(pfring_read_arista_7150_hw_timestamp(pkt, sizeof(pkt), &ns), 0);
	EXPECT_INT(pfring_bpf_filter(NULL, pkt, sizeof(pkt), sizeof(pkt)), 0);
	pfring_free_bpf_filter(&bpf);
	pfring_enable_hw_timestamp_debug();
	pfring_thirdparty_lib_init("none", NULL);
}

static void test_findalldevs(void)
{
	pfring_if_t *all = pfring_findalldevs(), *d;
	int saw_lo = 0, n = 0, last = 0;

	CHECK(all != NULL, "no devices: %s", strerror(errno));
	for (d = all; d; d = d->next) {
		n++;
		CHECK(d->name && d->system_name && strcmp(d->name, d->system_name) == 0, "names");
		CHECK(d->ifindex > last, "not sorted by ifindex");
		last = d->ifindex;
		if (strcmp(d->name, "lo") == 0) {
			saw_lo = 1;
			EXPECT_INT(d->ifindex, (int)if_nametoindex("lo"));
		}
	}
	CHECK(saw_lo, "lo not listed");
	printf("findalldevs: %d devices\n", n);
	pfring_freealldevs(all);
}

int main(void)
{
	test_layout();
	test_parse_tcp4();
	test_parse_udp6_vlan();
	test_format_numbers();
	test_open_without_module();
	test_ring_functions_without_ring();
	test_not_supported();
	test_findalldevs();
	printf("%d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
