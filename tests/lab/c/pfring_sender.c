// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pfring_sender - sends lab frames through libpfring's pfring_send() (never the socket
 * directly) and prints what each call returned, as JSON.
 *
 *   pfring_sender -i DEV -d DSTMAC [-n COUNT] [-l LEN] [-s STREAM] [-x IFINDEX]
 *                 [-M both|send|recv] [-w WATERMARK] [-F 0|1] [-R]
 *
 * Opens DEV ("none": bound to nothing), sets the socket mode (-M, default send), the tx
 * watermark (-w), enables the ring, then sends COUNT (default 1) lab frames of LEN
 * bytes (default 60; stream STREAM, sequence numbers from 0, the CRC-32 the Python side
 * checks) with flush_packet -F (default 1), through pfring_send(), or
 * pfring_send_ifindex() with -x. Then pfring_flush_tx_packets(). Prints one line:
 *   {"sent": N, "errors": E, "first_rc": RC, "first_errno": ERRNO, "flush_rc": RC,
 *    "flush_errno": ERRNO}
 * sent counts the calls that returned LEN, errors the others (first_*: the first of
 * them).
 *
 * -R (reflect): instead, prints READY once the ring is enabled, receives one frame of
 * the lab's EtherType in zero copy (30 s at most) and sends it out of IFINDEX (-x, 0:
 * the ring's device) with pfring_send_last_rx_packet(); prints
 *   {"len": LEN, "rc": RC, "errno": ERRNO}
 */
#include <stdint.h>

#include "pfring.h"
#include "lab_crc32.h"

#define ETH_P_LAB	0x88B5

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* A lab frame (python/pfring/testing/frames.py, build_frame) */
static void lab_frame(uint8_t *f, unsigned int len, const uint8_t dst[6], const uint8_t src[6],
		      uint32_t stream, uint32_t seq)
{
	uint8_t pattern[4];
	uint32_t crc;
	unsigned int i;

	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = ETH_P_LAB >> 8;
	f[13] = ETH_P_LAB & 0xFF;
	memcpy(f + 14, "PFLB", 4);
	put32(f + 18, stream);
	put32(f + 22, seq);
	put32(pattern, seq * 2654435761u);
	for (i = 30; i < len; i++)
		f[i] = pattern[(i - 30) % 4];
	crc = crc32_update(0xFFFFFFFFu, f, 26);
	crc = crc32_update(crc, f + 30, len - 30) ^ 0xFFFFFFFFu;
	put32(f + 26, crc);
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

static int reflect(pfring *ring, int ifindex)
{
	struct pfring_pkthdr hdr;
	u_char *pkt = NULL;
	int i, rc = -1;

	printf("READY\n");
	fflush(stdout);
	pfring_set_poll_duration(ring, 1000);
	for (i = 0; i < 30; i++) {
		rc = pfring_recv(ring, &pkt, 0, &hdr, 1);
		if (rc < 0)
			break;
		if (rc > 0 && hdr.caplen >= 14 && pkt[12] == (ETH_P_LAB >> 8) &&
		    pkt[13] == (ETH_P_LAB & 0xFF))
			break;
		rc = 0;
	}
	if (rc <= 0) {
		printf("{\"len\": 0, \"rc\": %d, \"errno\": %d}\n", rc, errno);
		return 1;
	}
	errno = 0;
	rc = pfring_send_last_rx_packet(ring, ifindex);
	printf("{\"len\": %u, \"rc\": %d, \"errno\": %d}\n", hdr.len, rc, rc < 0 ? errno : 0);
	return 0;
}

int main(int argc, char *argv[])
{
	const char *dev = NULL, *mode = "send";
	uint8_t dst[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, src[6] = { 0 };
	unsigned long count = 1, i, sent = 0, errors = 0;
	unsigned int len = 60, stream = 1;
	int ifindex = -1, watermark = 0, flush = 1, do_reflect = 0, c;
	int first_rc = 0, first_errno = 0, flush_rc, flush_errno;
	uint8_t *frame;
	pfring *ring;

	while ((c = getopt(argc, argv, "i:d:n:l:s:x:M:w:F:R")) != -1) {
		switch (c) {
		case 'i': dev = optarg; break;
		case 'd':
			if (parse_mac(optarg, dst) < 0) {
				fprintf(stderr, "bad MAC %s\n", optarg);
				return 2;
			}
			break;
		case 'n': count = strtoul(optarg, NULL, 10); break;
		case 'l': len = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 's': stream = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'x': ifindex = atoi(optarg); break;
		case 'M': mode = optarg; break;
		case 'w': watermark = atoi(optarg); break;
		case 'F': flush = atoi(optarg); break;
		case 'R': do_reflect = 1; break;
		default: return 2;
		}
	}
	if (!dev || len < 30) {
		fprintf(stderr, "usage: pfring_sender -i DEV -d DSTMAC [options]\n");
		return 2;
	}
	crc_init();
	ring = pfring_open(dev, 1536, 0);
	if (!ring) {
		printf("{\"error\": \"pfring_open\", \"errno\": %d}\n", errno);
		return 1;
	}
	if (strcmp(mode, "both")) {
		socket_mode m = !strcmp(mode, "recv") ? recv_only_mode : send_only_mode;

		if (pfring_set_socket_mode(ring, m) < 0) {
			printf("{\"error\": \"socket_mode\", \"errno\": %d}\n", errno);
			return 1;
		}
	}
	if (watermark > 0 && pfring_set_tx_watermark(ring, (u_int16_t)watermark) < 0) {
		printf("{\"error\": \"tx_watermark\", \"errno\": %d}\n", errno);
		return 1;
	}
	if (pfring_enable_ring(ring) < 0) {
		printf("{\"error\": \"enable\", \"errno\": %d}\n", errno);
		return 1;
	}
	if (do_reflect) {
		c = reflect(ring, ifindex < 0 ? 0 : ifindex);
		pfring_close(ring);
		return c;
	}
	pfring_get_bound_device_address(ring, src);
	frame = malloc(len);
	if (!frame)
		return 1;
	for (i = 0; i < count; i++) {
		int rc;

		lab_frame(frame, len, dst, src, stream, (uint32_t)i);
		errno = 0;
		if (ifindex >= 0)
			rc = pfring_send_ifindex(ring, (char *)frame, len, (u_int8_t)flush, ifindex);
		else
			rc = pfring_send(ring, (char *)frame, len, (u_int8_t)flush);
		if (rc == (int)len) {
			sent++;
		} else if (!errors++) {
			first_rc = rc;
			first_errno = errno;
		}
	}
	errno = 0;
	flush_rc = pfring_flush_tx_packets(ring);
	flush_errno = flush_rc < 0 ? errno : 0;
	printf("{\"sent\": %lu, \"errors\": %lu, \"first_rc\": %d, \"first_errno\": %d, "
	       "\"flush_rc\": %d, \"flush_errno\": %d}\n", sent, errors, first_rc, first_errno,
	       flush_rc, flush_errno);
	free(frame);
	pfring_close(ring);
	return 0;
}
