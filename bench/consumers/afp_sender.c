// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The bench's reference sender: what a program that sends fast with AF_PACKET does, on
 * a socket with PACKET_QDISC_BYPASS, in one of two ways (-M):
 *
 *   mmsg  sendmmsg() of BATCH frames per call (the default)
 *   ring  a TPACKET_V2 TX ring: frames are written into the ring and handed to the
 *         kernel a batch at a time (one non-blocking send() per BATCH frames), then it
 *         waits until the kernel has taken every one
 *
 * BATCH is 64, as pfsend hands libpfring's default watermark of 64 frames per call.
 *
 *   afp_sender -i DEVICE -n COUNT [-l LENGTH] [-m DST_MAC] [-M mmsg|ring]
 *
 * The frames are the ones pfsend generates: IPv4 UDP from 10.0.0.1:10000 to
 * 192.168.0.1:9, the payload starting with the frame's sequence number. When done it
 * prints {"sent": N, "bytes": B, "seconds": S} (from the first frame to the last taken)
 * and exits 0; 1 when the kernel refused a frame or the socket could not be set up.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FRAME_SIZE 2048u
#define BLOCK_SIZE (1u << 16)
#define BLOCKS 32u
#define FRAMES (BLOCK_SIZE / FRAME_SIZE * BLOCKS)
#define BATCH 64u
#define MIN_LEN 60u
#define MAX_LEN ((unsigned int)(FRAME_SIZE - TPACKET2_HDRLEN))

struct sender {
	int fd;
	unsigned char *ring;
	unsigned int next;	/* the slot the next frame goes into */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static struct tpacket2_hdr *slot(const struct sender *s, unsigned int i)
{
	return (struct tpacket2_hdr *)(s->ring + (size_t)i * FRAME_SIZE);
}

static uint16_t ip_checksum(const unsigned char *h, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < len; i += 2)
		sum += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* pfsend's generated frame: Ethernet, IPv4, UDP, then the sequence number. */
static void build_frame(unsigned char *f, unsigned int len, const unsigned char *dst,
			const unsigned char *src)
{
	unsigned int ip_len = len - 14, udp_len = ip_len - 20;

	memset(f, 0, len);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x08;
	f[14] = 0x45;
	f[16] = (unsigned char)(ip_len >> 8);
	f[17] = (unsigned char)ip_len;
	f[22] = 64;
	f[23] = 17;
	memcpy(f + 26, (unsigned char[]){ 10, 0, 0, 1, 192, 168, 0, 1 }, 8);
	uint16_t check = ip_checksum(f + 14, 20);

	f[24] = (unsigned char)(check >> 8);
	f[25] = (unsigned char)check;
	f[34] = 10000 >> 8;
	f[35] = 10000 & 0xff;
	f[37] = 9;
	f[38] = (unsigned char)(udp_len >> 8);
	f[39] = (unsigned char)udp_len;	/* UDP checksum 0: none, as IPv4 allows */
}

static int setup(struct sender *s, const char *dev, unsigned char *mac, int ring)
{
	int version = TPACKET_V2, one = 1;
	struct tpacket_req req = { BLOCK_SIZE, BLOCKS, FRAME_SIZE, FRAMES };
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct ifreq ifr = { 0 };

	s->fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (s->fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(s->fd, SIOCGIFHWADDR, &ifr) < 0)
		return -1;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	sll.sll_ifindex = (int)if_nametoindex(dev);
	if (!sll.sll_ifindex ||
	    setsockopt(s->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)))
		return -1;
	if (ring && (setsockopt(s->fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) ||
		     setsockopt(s->fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof(req))))
		return -1;
	if (bind(s->fd, (struct sockaddr *)&sll, sizeof(sll)))
		return -1;
	if (!ring)
		return 0;
	s->ring = mmap(NULL, (size_t)BLOCK_SIZE * BLOCKS, PROT_READ | PROT_WRITE, MAP_SHARED,
		       s->fd, 0);
	return s->ring == MAP_FAILED ? -1 : 0;
}

/* Hand the kernel what is in the ring; with wait, until it took all of it. */
static int flush(struct sender *s, int wait)
{
	for (;;) {
		if (send(s->fd, NULL, 0, wait ? 0 : MSG_DONTWAIT) < 0 && errno != EAGAIN &&
		    errno != ENOBUFS)
			return -1;
		if (!wait)
			return 0;
		unsigned int busy = 0;

		for (unsigned int i = 0; i < FRAMES; i++) {
			uint32_t st = __atomic_load_n(&slot(s, i)->tp_status, __ATOMIC_ACQUIRE);

			if (st == TP_STATUS_WRONG_FORMAT) {
				errno = EINVAL;
				return -1;
			}
			busy += st != TP_STATUS_AVAILABLE;
		}
		if (!busy)
			return 0;
		poll(&(struct pollfd){ .fd = s->fd, .events = POLLOUT }, 1, 1);
	}
}

/* count frames through the TX ring; 0, or -1 with errno set */
static int send_ring(struct sender *s, unsigned char *frame, unsigned int len,
		     unsigned long long count)
{
	for (unsigned long long sent = 0; sent < count; sent++) {
		struct tpacket2_hdr *h = slot(s, s->next);
		uint32_t seq = htonl((uint32_t)sent);

		while (__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) != TP_STATUS_AVAILABLE) {
			if (flush(s, 0))
				return -1;
			if (__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) ==
			    TP_STATUS_WRONG_FORMAT) {
				errno = EINVAL;
				return -1;
			}
			poll(&(struct pollfd){ .fd = s->fd, .events = POLLOUT }, 1, 1);
		}
		memcpy(frame + 42, &seq, sizeof(seq));
		memcpy((unsigned char *)h + TPACKET2_HDRLEN - sizeof(struct sockaddr_ll), frame,
		       len);
		h->tp_len = len;
		__atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
		s->next = (s->next + 1) % FRAMES;
		if ((sent + 1) % BATCH == 0 && flush(s, 0))
			return -1;
	}
	return flush(s, 1);
}

/* count frames, BATCH per sendmmsg(); 0, or -1 with errno set */
static int send_mmsg(struct sender *s, const unsigned char *frame, unsigned int len,
		     unsigned long long count)
{
	static unsigned char frames[BATCH][FRAME_SIZE];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	unsigned long long sent = 0;

	memset(msgs, 0, sizeof(msgs));
	for (unsigned int i = 0; i < BATCH; i++) {
		memcpy(frames[i], frame, len);
		iov[i] = (struct iovec){ frames[i], len };
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	while (sent < count) {
		unsigned int n = count - sent < BATCH ? (unsigned int)(count - sent) : BATCH;

		for (unsigned int i = 0; i < n; i++) {
			uint32_t seq = htonl((uint32_t)(sent + i));

			memcpy(frames[i] + 42, &seq, sizeof(seq));
		}
		int done = sendmmsg(s->fd, msgs, n, 0);

		if (done < 0) {
			if (errno == ENOBUFS || errno == EAGAIN)
				continue;
			return -1;
		}
		sent += (unsigned int)done;	/* the rest go in the next call, renumbered */
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *dev = NULL;
	unsigned long long count = 0;
	int ring = 0;
	unsigned int len = MIN_LEN;
	unsigned char dst[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, src[6];
	unsigned char frame[FRAME_SIZE];
	struct sender s = { 0 };
	int opt;

	while ((opt = getopt(argc, argv, "i:n:l:m:M:")) != -1) {
		switch (opt) {
		case 'i':
			dev = optarg;
			break;
		case 'n':
			count = strtoull(optarg, NULL, 10);
			break;
		case 'l':
			len = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'm':
			if (sscanf(optarg, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &dst[0], &dst[1],
				   &dst[2], &dst[3], &dst[4], &dst[5]) != 6)
				count = 0;
			break;
		case 'M':
			ring = !strcmp(optarg, "ring");
			if (!ring && strcmp(optarg, "mmsg"))
				count = 0;
			break;
		default:
			count = 0;
		}
	}
	if (!dev || !count || len < MIN_LEN || len > MAX_LEN) {
		fprintf(stderr, "usage: afp_sender -i DEVICE -n COUNT [-l %u..%u] [-m MAC] "
			"[-M mmsg|ring]\n", MIN_LEN, MAX_LEN);
		return 2;
	}
	if (setup(&s, dev, src, ring)) {
		perror("afp_sender: the socket");
		return 1;
	}
	build_frame(frame, len, dst, src);

	uint64_t start = now_ns();

	if ((ring ? send_ring(&s, frame, len, count) : send_mmsg(&s, frame, len, count)) < 0) {
		perror("afp_sender: send");
		return 1;
	}
	printf("{\"sent\": %llu, \"bytes\": %llu, \"seconds\": %.6f}\n", count,
	       count * len, (double)(now_ns() - start) / 1e9);
	return 0;
}
