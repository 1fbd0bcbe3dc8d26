// SPDX-License-Identifier: GPL-2.0-only
/*
 * pfr_probe - opens a PF_RING socket with the UAPI header only, reads its ring by the
 * protocol of linux/pf_ring.h and prints what it saw as one JSON object.
 *
 *   pfr_probe -i DEV [-c CAPLEN] [-s SLOTS] [-d rx|tx|both] [-w WATERMARK]
 *             [-W WM_TIMEOUT_MS] [-n COUNT] [-t TIMEOUT_MS] [-I IDLE_MS] [-e ETHERTYPE]
 *             [-a APPL_NAME] [-o DUMP_FILE] [-B DEVLIST] [-g] [-m] [-D] [-P] [-U] [-x] [-k]
 *             [-C[0]]
 *
 *   -n  stop once COUNT frames of ETHERTYPE (default 0x88b5; 0x0800 means pktgen's
 *       UDP frames to 198.18.0.2) have been read
 *   -I  stop when nothing came for IDLE_MS (after the first frame; default 2000)
 *   -t  stop after TIMEOUT_MS in all (default 30000)
 *   -o  write each matching frame: u32 len, u32 caplen, u16 queue, u8 dir, u8 pad, bytes
 *   -g  wait for a line on stdin before reading anything (the ring fills meanwhile)
 *   -P  take promiscuous mode (-U: and give it back, PF_RING_OPT_PROMISC 0)
 *   -B  after the first bind (and -P), bind again to DEVLIST; its errno is reported
 *       as "rebind_errno" and the probe goes on with whatever bind is in force
 *   -m  poll-wake: block in poll() once, report what woke it and the unread count
 *   -D  drain, then poll-wake: wait for a packet, leave it unread (without polling)
 *       until the watermark timeout has passed, read it, print "DRAINED", then as -m
 *   -x  enable the ring only after a line on stdin, then print "ENABLED"
 *   -k  keep reading when the device goes away (POLLERR), until -t or -I
 *   -C  after the bind, PF_RING_OPT_CAPTURE_ONLY 1 (-C0: 0); its errno is reported as
 *       "capture_only_errno" and the probe goes on
 *
 * It prints "READY" on its own line once packets flow. On a failing call it prints
 * {"error": "<step>", "errno": N} and exits 2.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/pf_ring.h>
#include "lab_crc32.h"

#define ETH_P_ALL_ 0x0003

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void fail(const char *step)
{
	int e = errno;

	printf("{\"error\": \"%s\", \"errno\": %d}\n", step, e);
	fflush(stdout);
	exit(2);
}

static int set_u32(int fd, int opt, uint32_t v)
{
	return setsockopt(fd, SOL_PF_RING, opt, &v, sizeof(v));
}

int main(int argc, char **argv)
{
	const char *dev = NULL, *appl = NULL, *dump_path = NULL, *appl_stats = NULL;
	char stats_file[256] = "";
	struct pf_ring_dev_info di;
	int di_errno = 0;
	uint32_t version = 0, ring_id = 0;
	uint32_t caplen = 0, slots = 0, watermark = 0;
	long wm_timeout = -1;	/* -1: the module's default */
	uint32_t direction = PF_RING_DIR_RX_AND_TX;
	unsigned long count = 0, timeout_ms = 30000, idle_ms = 2000;
	unsigned int ethertype = 0x88b5;
	int promisc = 0, unpromisc = 0, wait_stdin = 0, poll_wake = 0, drain_first = 0;
	int enable_late = 0, keep_on_err = 0, caplen_set = 0, rebind_errno = 0, opt, fd;
	int capture_only = -1, capture_only_errno = 0;
	const char *rebind = NULL;
	struct pf_ring_geometry geo;
	struct pf_ring_stats st;
	socklen_t len;
	FILE *dump = NULL;
	uint8_t *ring;
	struct pf_ring_info *info;
	uint64_t cons = 0, t0, last;
	unsigned long recv = 0, match = 0, other = 0, rx = 0, tx = 0, q[8] = { 0 };
	unsigned long long bytes = 0, wire_bytes = 0, crc_sum = 0;
	unsigned long bad_hdr = 0, parsed_udp9 = 0, raw_ip = 0, raw_udp9 = 0;
	unsigned long long raw_bytes = 0, raw_crc_sum = 0;
	uint32_t link_type = 0;
	int link_errno = 0;
	unsigned int vlan_last = 0, qinq_last = 0, eth_type_last = 0;

	while ((opt = getopt(argc, argv, "i:c:s:d:w:W:n:t:I:e:a:o:B:gmDPUxkS:C::")) != -1) {
		switch (opt) {
		case 'i': dev = optarg; break;
		case 'c':
			caplen = strtoul(optarg, NULL, 0);
			caplen_set = 1;
			break;
		case 's': slots = strtoul(optarg, NULL, 0); break;
		case 'd':
			direction = !strcmp(optarg, "rx") ? PF_RING_DIR_RX_ONLY :
				    !strcmp(optarg, "tx") ? PF_RING_DIR_TX_ONLY :
				    PF_RING_DIR_RX_AND_TX;
			break;
		case 'w': watermark = strtoul(optarg, NULL, 0); break;
		case 'W': wm_timeout = strtol(optarg, NULL, 0); break;
		case 'n': count = strtoul(optarg, NULL, 0); break;
		case 't': timeout_ms = strtoul(optarg, NULL, 0); break;
		case 'I': idle_ms = strtoul(optarg, NULL, 0); break;
		case 'e': ethertype = strtoul(optarg, NULL, 0); break;
		case 'a': appl = optarg; break;
		case 'o': dump_path = optarg; break;
		case 'g': wait_stdin = 1; break;
		case 'm': poll_wake = 1; break;
		case 'D':
			poll_wake = 1;
			drain_first = 1;
			break;
		case 'P': promisc = 1; break;
		case 'U': unpromisc = 1; break;
		case 'B': rebind = optarg; break;
		case 'x': enable_late = 1; break;
		case 'k': keep_on_err = 1; break;
		case 'C': capture_only = optarg ? atoi(optarg) : 1; break;
		case 'S': appl_stats = optarg; break;
		default: return 1;
		}
	}
	if (!dev)
		return 1;
	crc_init();

	fd = socket(PF_RING_AF_DEFAULT, SOCK_RAW, htons(ETH_P_ALL_));
	if (fd < 0)
		fail("socket");
	if (caplen_set && set_u32(fd, PF_RING_OPT_CAPLEN, caplen))
		fail("caplen");
	if (slots && set_u32(fd, PF_RING_OPT_SLOTS, slots))
		fail("slots");
	if (setsockopt(fd, SOL_PF_RING, PF_RING_OPT_BIND, dev, strlen(dev)))
		fail("bind");
	if (appl && setsockopt(fd, SOL_PF_RING, PF_RING_OPT_APPL_NAME, appl, strlen(appl)))
		fail("appl_name");
	if (set_u32(fd, PF_RING_OPT_DIRECTION, direction))
		fail("direction");
	if (watermark && set_u32(fd, PF_RING_OPT_POLL_WATERMARK, watermark))
		fail("watermark");
	if (wm_timeout >= 0 &&
	    set_u32(fd, PF_RING_OPT_POLL_WATERMARK_TIMEOUT, (uint32_t)wm_timeout))
		fail("watermark_timeout");
	if (promisc && set_u32(fd, PF_RING_OPT_PROMISC, 1))
		fail("promisc");
	if (unpromisc && set_u32(fd, PF_RING_OPT_PROMISC, 0))
		fail("unpromisc");
	if (capture_only >= 0 && set_u32(fd, PF_RING_OPT_CAPTURE_ONLY, (uint32_t)capture_only))
		capture_only_errno = errno;
	if (rebind && setsockopt(fd, SOL_PF_RING, PF_RING_OPT_BIND, rebind, strlen(rebind)))
		rebind_errno = errno;
	if (appl_stats) {
		if (setsockopt(fd, SOL_PF_RING, PF_RING_OPT_APPL_STATS, appl_stats,
			       strlen(appl_stats)))
			fail("appl_stats");
		len = sizeof(stats_file);
		if (getsockopt(fd, SOL_PF_RING, PF_RING_OPT_APPL_STATS_FILE, stats_file, &len))
			fail("appl_stats_file");
	}
	len = sizeof(link_type);
	if (getsockopt(fd, SOL_PF_RING, PF_RING_OPT_LINK_TYPE, &link_type, &len))
		link_errno = errno;
	len = sizeof(version);
	if (getsockopt(fd, SOL_PF_RING, PF_RING_OPT_VERSION, &version, &len))
		fail("version");
	len = sizeof(ring_id);
	if (getsockopt(fd, SOL_PF_RING, PF_RING_OPT_RING_ID, &ring_id, &len))
		fail("ring_id");
	memset(&di, 0, sizeof(di));
	len = sizeof(di);
	if (getsockopt(fd, SOL_PF_RING, PF_RING_OPT_DEV_INFO, &di, &len))
		di_errno = errno;
	len = sizeof(geo);
	if (getsockopt(fd, SOL_PF_RING, PF_RING_OPT_RING_GEOMETRY, &geo, &len))
		fail("geometry");
	ring = mmap(NULL, geo.mmap_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (ring == MAP_FAILED)
		fail("mmap");
	info = (struct pf_ring_info *)ring;
	if (info->abi_version != PF_RING_ABI_VERSION) {
		errno = EPROTO;
		fail("abi_version");
	}
	if (!enable_late && set_u32(fd, PF_RING_OPT_ENABLE, 1))
		fail("enable");
	if (dump_path) {
		dump = fopen(dump_path, "wb");
		if (!dump)
			fail("dump");
	}
	printf("READY\n");
	fflush(stdout);
	if (enable_late) {
		char line[16];

		if (!fgets(line, sizeof(line), stdin))
			return 1;
		if (set_u32(fd, PF_RING_OPT_ENABLE, 1))
			fail("enable");
		printf("ENABLED\n");
		fflush(stdout);
	}

	if (poll_wake) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t start, prod;
		int rc, so_error = 0, dev_errno = 0;

		if (drain_first) {
			/* a packet waits below the watermark; nobody polls while its timer fires */
			start = now_ms();
			while (__atomic_load_n(&info->prod, __ATOMIC_ACQUIRE) == cons &&
			       now_ms() - start < timeout_ms)
				usleep(1000);
			usleep((wm_timeout > 0 ? wm_timeout : 10) * 3000 + 100000);
			cons = __atomic_load_n(&info->prod, __ATOMIC_ACQUIRE);
			__atomic_store_n(&info->cons, cons, __ATOMIC_RELEASE);
			printf("DRAINED\n");
			fflush(stdout);
		}
		start = now_ms();
		rc = poll(&pfd, 1, (int)timeout_ms);
		prod = __atomic_load_n(&info->prod, __ATOMIC_ACQUIRE);
		len = sizeof(so_error);
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
		len = sizeof(di);
		if (getsockopt(fd, SOL_PF_RING, PF_RING_OPT_DEV_INFO, &di, &len))
			dev_errno = errno;
		printf("{\"poll_rc\": %d, \"pollin\": %d, \"pollerr\": %d, \"unread\": %llu, "
		       "\"elapsed_ms\": %llu, \"so_error\": %d, \"dev_info_errno\": %d}\n",
		       rc, !!(pfd.revents & POLLIN), !!(pfd.revents & POLLERR),
		       (unsigned long long)(prod - cons),
		       (unsigned long long)(now_ms() - start), so_error, dev_errno);
		return 0;
	}

	if (wait_stdin) {
		char line[16];

		if (!fgets(line, sizeof(line), stdin))
			return 1;
	}

	t0 = last = now_ms();
	for (;;) {
		uint64_t prod = __atomic_load_n(&info->prod, __ATOMIC_ACQUIRE);	/* U1 */
		uint64_t t = now_ms();

		if (cons < prod)
			last = t;

		while (cons < prod) {	/* U2 */
			struct pf_ring_slot_hdr *h = (struct pf_ring_slot_hdr *)
				(ring + geo.slots_offset + (cons % geo.num_slots) * geo.slot_size);
			const uint8_t *frame = (const uint8_t *)h + info->slot_hdr_size;
			unsigned int type = h->caplen >= 14 ? frame[12] << 8 | frame[13] : 0;

			/* IPv4: pktgen's UDP frames to 198.18.0.2 only */
			if (type == 0x0800 && (h->caplen < 34 || frame[23] != 17 ||
					       memcmp(frame + 30, "\xc6\x12\x00\x02", 4)))
				type = 0;

			recv++;
			if (h->caplen > geo.caplen || h->caplen > h->len)
				bad_hdr++;
			/* a device without link-layer header: IPv4 UDP to port 9, parsed as such */
			if (h->link_type == PF_RING_LINK_RAW_IP) {
				raw_ip++;
				raw_bytes += h->caplen;
				raw_crc_sum += crc32_buf(frame, h->caplen);
				type = 0;
				if (h->parsed_valid && h->parsed.eth_offset == -1 &&
				    h->parsed.eth_type == 0x0800 && h->parsed.l3_offset == 0 &&
				    h->parsed.l3_proto == 17 && h->parsed.l4_offset == 20 &&
				    h->parsed.l4_dst_port == 9 && h->parsed.payload_offset == 28)
					raw_udp9++;
			}
			if (type == ethertype) {
				match++;
				bytes += h->caplen;
				wire_bytes += h->len;
				crc_sum += crc32_buf(frame, h->caplen);
				if (h->rx_direction == PF_RING_PKT_TX)
					tx++;
				else
					rx++;
				if (h->rx_queue < 8)
					q[h->rx_queue]++;
				if (h->parsed_valid) {
					vlan_last = h->parsed.vlan_id;
					qinq_last = h->parsed.qinq_vlan_id;
					eth_type_last = h->parsed.eth_type;
				}
				if (h->parsed_valid && h->parsed.ip_version == 4 &&
				    h->parsed.l3_proto == 17 && h->parsed.l4_dst_port == 9 &&
				    h->parsed.l3_offset == 14 && h->parsed.l4_offset == 34 &&
				    h->parsed.payload_offset == 42 && h->hash != 0)
					parsed_udp9++;
				if (dump) {
					uint32_t hl[2] = { h->len, h->caplen };
					uint16_t qu = h->rx_queue;
					uint8_t d[2] = { h->rx_direction, 0 };

					fwrite(hl, sizeof(hl), 1, dump);
					fwrite(&qu, sizeof(qu), 1, dump);
					fwrite(d, sizeof(d), 1, dump);
					fwrite(frame, h->caplen, 1, dump);
				}
			} else {
				other++;
			}
			cons++;
		}
		__atomic_store_n(&info->cons, cons, __ATOMIC_RELEASE);	/* U3 */

		if (count && match >= count && t - last >= 300)
			break;
		if (t - t0 >= timeout_ms)
			break;
		if (recv && t - last >= idle_ms)
			break;
		{
			struct pollfd pfd = { .fd = fd, .events = POLLIN };

			if (poll(&pfd, 1, 100) > 0 && (pfd.revents & POLLERR) && !keep_on_err)
				break;
		}
	}

	len = sizeof(st);
	if (getsockopt(fd, SOL_PF_RING, PF_RING_OPT_STATS, &st, &len))
		fail("stats");
	if (dump)
		fclose(dump);
	printf("{\"recv\": %lu, \"match\": %lu, \"other\": %lu, \"bytes\": %llu, "
	       "\"wire_bytes\": %llu, \"crc_sum\": %llu, \"rx\": %lu, \"tx\": %lu, "
	       "\"queues\": [%lu, %lu, %lu, %lu], \"bad_hdr\": %lu, \"parsed_udp9\": %lu, "
	       "\"stats_recv\": %llu, \"stats_drop\": %llu, \"info_drops\": %llu, "
	       "\"num_slots\": %u, \"slot_size\": %u, \"caplen\": %u, \"mmap_len\": %llu, "
	       "\"version\": %u, \"ring_id\": %u, \"stats_file\": \"%s\", \"dev_errno\": %d, "
	       "\"ifindex\": %d, \"mtu\": %u, \"rx_channels\": %u, \"link_up\": %u, "
	       "\"vlan_id\": %u, \"qinq_vlan_id\": %u, \"eth_type\": %u, "
	       "\"rebind_errno\": %d, \"capture_only_errno\": %d, "
	       "\"link_type\": %d, \"raw_ip\": %lu, "
	       "\"raw_udp9\": %lu, \"raw_bytes\": %llu, \"raw_crc_sum\": %llu, \"mac\": \"%02x:%02x:%02x:%02x:%02x:%02x\"}\n",
	       recv, match, other, bytes, wire_bytes, crc_sum, rx, tx, q[0], q[1], q[2], q[3],
	       bad_hdr, parsed_udp9, (unsigned long long)st.recv, (unsigned long long)st.drop,
	       (unsigned long long)__atomic_load_n(&info->drops, __ATOMIC_RELAXED),
	       geo.num_slots, geo.slot_size, geo.caplen, (unsigned long long)geo.mmap_len,
	       version, ring_id, stats_file, di_errno, di.ifindex, di.mtu, di.num_rx_channels,
	       di.link_up, vlan_last, qinq_last, eth_type_last, rebind_errno, capture_only_errno,
	       link_errno ? -link_errno : (int)link_type, raw_ip, raw_udp9, raw_bytes,
	       raw_crc_sum, di.mac[0],
	       di.mac[1], di.mac[2], di.mac[3], di.mac[4], di.mac[5]);
	munmap(ring, geo.mmap_len);
	close(fd);
	return 0;
}
