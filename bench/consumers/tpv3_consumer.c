// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tpv3_consumer - the bench's AF_PACKET reference: a PACKET_RX_RING of TPACKET_V3
 * blocks, walked in place (the best AF_PACKET offers without XDP). Counts packets and
 * bytes; drops are the socket's PACKET_STATISTICS tp_drops. See consumer.h for the
 * signals and the lines it prints.
 *
 *   tpv3_consumer [-F GROUP] [-f EXPRESSION] DEVICE
 *
 * -F joins the socket to fanout group GROUP with PACKET_FANOUT_HASH once it is bound:
 * the sockets of one group share the device's packets by their flow hash (the
 * AF_PACKET counterpart of a pf_ring cluster, per flow).
 *
 * -f attaches a classic BPF filter (SO_ATTACH_FILTER) before the socket is bound:
 * EXPRESSION compiled by libpcap for Ethernet frames as pfring_set_bpf_filter compiles
 * it for a pf_ring ring (optimised, no netmask, kept to SNAPLEN bytes: pfr_consumer's
 * caplen). AF_PACKET does not count the frames its filter refuses.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "consumer.h"

#define BLOCK_SIZE	(1u << 18)	/* 256 KiB */
#define BLOCK_COUNT	32u		/* 8 MiB in all */
#define FRAME_SIZE	2048u
#define RETIRE_MS	10u
#define SNAPLEN		1536	/* pfr_consumer's caplen */

struct rx_ring {
	int fd;
	uint8_t *map;
	size_t map_len;
	unsigned int next_block;
	unsigned long long drops;	/* PACKET_STATISTICS resets on read: summed here */
};

#define NO_FANOUT (-1L)

/* expr compiled by libpcap and attached to fd: 0, or -errno after saying why */
static int attach_bpf(int fd, const char *expr)
{
	pcap_t *p = pcap_open_dead(DLT_EN10MB, SNAPLEN);
	struct bpf_program prog;
	struct sock_fprog fprog;
	int err = 0;

	if (!p)
		return -ENOMEM;
	if (pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		fprintf(stderr, "pcap_compile(%s): %s\n", expr, pcap_geterr(p));
		pcap_close(p);
		return -EINVAL;
	}
	fprog.len = (unsigned short)prog.bf_len;
	fprog.filter = (struct sock_filter *)prog.bf_insns;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(fprog)))
		err = -errno;
	pcap_freecode(&prog);
	pcap_close(p);
	return err;
}

/*
 * fanout: a PACKET_FANOUT group id to join after bind (it wants a bound socket), or
 * NO_FANOUT; bpf: an expression to filter with, or NULL.
 */
static int ring_open(struct rx_ring *r, const char *dev, long fanout, const char *bpf)
{
	struct tpacket_req3 req = {
		.tp_block_size = BLOCK_SIZE,
		.tp_block_nr = BLOCK_COUNT,
		.tp_frame_size = FRAME_SIZE,
		.tp_frame_nr = BLOCK_SIZE / FRAME_SIZE * BLOCK_COUNT,
		.tp_retire_blk_tov = RETIRE_MS,
	};
	struct packet_mreq mreq = { .mr_type = PACKET_MR_PROMISC };
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	int version = TPACKET_V3;

	r->fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (r->fd < 0)
		return -errno;
	if (bpf) {
		int err = attach_bpf(r->fd, bpf);

		if (err) {
			close(r->fd);
			return err;
		}
	}
	sll.sll_ifindex = (int)if_nametoindex(dev);
	mreq.mr_ifindex = sll.sll_ifindex;
	if (!sll.sll_ifindex ||
	    setsockopt(r->fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) ||
	    setsockopt(r->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) ||
	    setsockopt(r->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mreq, sizeof(mreq)))
		goto fail;
	r->map_len = (size_t)BLOCK_SIZE * BLOCK_COUNT;
	r->map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED,
		      r->fd, 0);
	if (r->map == MAP_FAILED)
		goto fail;
	if (bind(r->fd, (struct sockaddr *)&sll, sizeof(sll)))
		goto fail_unmap;
	if (fanout != NO_FANOUT) {
		int arg = (int)fanout | (PACKET_FANOUT_HASH << 16);

		if (setsockopt(r->fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof(arg)))
			goto fail_unmap;
	}
	return 0;

fail_unmap:
	munmap(r->map, r->map_len);
fail:
	{
		int err = errno ? -errno : -ENODEV;

		close(r->fd);
		return err;
	}
}

static void ring_take_drops(struct rx_ring *r)
{
	struct tpacket_stats_v3 st;
	socklen_t len = sizeof(st);

	if (getsockopt(r->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0)
		r->drops += st.tp_drops;
}

/* One retired block, if the kernel has handed the next one to us: counts its packets
 * and gives it back. Returns 1 when a block was read, 0 when the next is still the
 * kernel's. */
static int ring_read_block(struct rx_ring *r, unsigned long long *pkts,
			   unsigned long long *bytes)
{
	struct tpacket_block_desc *bd =
		(struct tpacket_block_desc *)(r->map + (size_t)r->next_block * BLOCK_SIZE);
	struct tpacket3_hdr *h;
	uint32_t i, n;

	/* Paired with the kernel's smp_wmb() before it sets TP_STATUS_USER on retiring. */
	if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER))
		return 0;
	n = bd->hdr.bh1.num_pkts;
	h = (struct tpacket3_hdr *)((uint8_t *)bd + bd->hdr.bh1.offset_to_first_pkt);
	for (i = 0; i < n; i++) {
		*bytes += h->tp_len;
		h = (struct tpacket3_hdr *)((uint8_t *)h + h->tp_next_offset);
	}
	*pkts += n;
	/* The kernel reads the status before it writes into the block again. */
	__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
	r->next_block = (r->next_block + 1) % BLOCK_COUNT;
	return 1;
}

int main(int argc, char **argv)
{
	unsigned long long pkts = 0, bytes = 0;
	struct rx_ring r = { 0 };
	long fanout = NO_FANOUT;
	const char *bpf = NULL;
	struct pollfd pfd;
	const char *dev;
	int err, opt;

	while ((opt = getopt(argc, argv, "F:f:")) != -1) {
		switch (opt) {
		case 'F':
			fanout = strtol(optarg, NULL, 10);
			if (fanout < 0 || fanout > 65535)
				goto usage;
			break;
		case 'f':
			bpf = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1)
		goto usage;
	dev = argv[optind];
	consumer_install_signals();
	err = ring_open(&r, dev, fanout, bpf);
	if (err) {
		fprintf(stderr, "TPACKET_V3 ring on %s%s%s: %s\n", dev,
			fanout == NO_FANOUT ? "" : " (fanout hash)", bpf ? " (BPF)" : "",
			strerror(-err));
		return 1;
	}
	consumer_ready();
	pfd.fd = r.fd;
	pfd.events = POLLIN | POLLERR;
	while (!consumer_stop_wanted) {
		if (consumer_report_wanted) {
			consumer_report_wanted = 0;
			ring_take_drops(&r);
			consumer_print(pkts, bytes, r.drops, 0);
		}
		if (!ring_read_block(&r, &pkts, &bytes))
			poll(&pfd, 1, CONSUMER_POLL_MS);
	}
	ring_take_drops(&r);
	consumer_print(pkts, bytes, r.drops, 1);
	munmap(r.map, r.map_len);
	close(r.fd);
	return 0;

usage:
	fprintf(stderr, "usage: tpv3_consumer [-F GROUP (0-65535)] [-f BPF_EXPRESSION] DEVICE\n");
	return 2;
}
