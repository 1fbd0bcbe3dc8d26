// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xdp_consumer - the bench's AF_XDP reference: one XDP socket on RX queue 0 of a device,
 * in copy mode (veth and the emulated NICs have no zero-copy), fed by libxdp's default
 * redirect program, attached natively where the driver can (veth), else generically. Frames are counted in place in the UMEM and their buffers go
 * straight back to the fill ring. Drops are the socket's XDP_STATISTICS (rx_dropped +
 * rx_ring_full). See consumer.h for the signals and the lines it prints.
 *
 *   xdp_consumer DEVICE
 */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xdp/xsk.h>

#include "consumer.h"

/* 8 MiB of UMEM, as much as the TPACKET_V3 reference's blocks; every buffer is either
 * in the fill ring, in the RX ring or being counted, so the fill ring always has room */
#define RING_SIZE	2048u				/* RX and fill ring descriptors */
#define NUM_FRAMES	RING_SIZE
#define FRAME_SIZE	XSK_UMEM__DEFAULT_FRAME_SIZE	/* 4096 */
#define BATCH		64u

#ifndef SOL_XDP
#define SOL_XDP 283
#endif

struct xdp_rx {
	void *area;
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fill;
	struct xsk_ring_cons comp;
	struct xsk_ring_cons rx;
};

static unsigned long long xdp_drops(const struct xdp_rx *x)
{
	struct xdp_statistics st;
	socklen_t len = sizeof(st);

	memset(&st, 0, sizeof(st));
	if (getsockopt(xsk_socket__fd(x->xsk), SOL_XDP, XDP_STATISTICS, &st, &len))
		return 0;
	return st.rx_dropped + st.rx_ring_full;
}

/* Every buffer of the UMEM goes to the fill ring. */
static int xdp_fill(struct xdp_rx *x)
{
	unsigned int n = NUM_FRAMES;
	uint32_t idx;
	unsigned int i;

	if (xsk_ring_prod__reserve(&x->fill, n, &idx) != n)
		return -1;
	for (i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&x->fill, idx + i) = (uint64_t)i * FRAME_SIZE;
	xsk_ring_prod__submit(&x->fill, n);
	return 0;
}

static void xdp_close(struct xdp_rx *x)
{
	if (x->xsk)
		xsk_socket__delete(x->xsk);
	if (x->umem)
		xsk_umem__delete(x->umem);
	if (x->area && x->area != MAP_FAILED)
		munmap(x->area, (size_t)NUM_FRAMES * FRAME_SIZE);
	memset(x, 0, sizeof(*x));
}

/* One try in one XDP mode (0: native, or XDP_FLAGS_SKB_MODE: generic). */
static int xdp_open_mode(struct xdp_rx *x, const char *dev, __u32 xdp_flags)
{
	struct xsk_socket_config cfg;
	size_t len = (size_t)NUM_FRAMES * FRAME_SIZE;
	int err;

	x->area = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (x->area == MAP_FAILED)
		return -errno;
	err = xsk_umem__create(&x->umem, x->area, len, &x->fill, &x->comp, NULL);
	if (err)
		return err;
	memset(&cfg, 0, sizeof(cfg));
	cfg.rx_size = RING_SIZE;
	cfg.tx_size = 0;
	cfg.xdp_flags = xdp_flags;
	cfg.bind_flags = XDP_COPY;
	err = xsk_socket__create(&x->xsk, dev, 0, x->umem, &x->rx, NULL, &cfg);
	if (err)
		return err;
	return xdp_fill(x) ? -ENOSPC : 0;
}

/* Native XDP where the driver has it (veth), else generic XDP (e1000e). */
static int xdp_open(struct xdp_rx *x, const char *dev)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	int err;

	setrlimit(RLIMIT_MEMLOCK, &unlimited);	/* older kernels charge BPF maps there */
	err = xdp_open_mode(x, dev, 0);
	if (err != -EOPNOTSUPP)
		return err;
	xdp_close(x);
	fprintf(stderr, "xdp_consumer: no native XDP on %s, using generic XDP\n", dev);
	return xdp_open_mode(x, dev, XDP_FLAGS_SKB_MODE);
}

int main(int argc, char **argv)
{
	unsigned long long pkts = 0, bytes = 0;
	struct xdp_rx x;
	struct pollfd pfd;
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: xdp_consumer DEVICE\n");
		return 2;
	}
	memset(&x, 0, sizeof(x));
	consumer_install_signals();
	err = xdp_open(&x, argv[1]);
	if (err) {
		fprintf(stderr, "AF_XDP socket on %s queue 0: %s\n", argv[1], strerror(-err));
		return 1;
	}
	pfd.fd = xsk_socket__fd(x.xsk);
	pfd.events = POLLIN;
	consumer_ready();
	while (!consumer_stop_wanted) {
		uint32_t idx_rx, idx_fill, i, n;

		if (consumer_report_wanted) {
			consumer_report_wanted = 0;
			consumer_print(pkts, bytes, xdp_drops(&x), 0);
		}
		n = xsk_ring_cons__peek(&x.rx, BATCH, &idx_rx);
		if (!n) {
			poll(&pfd, 1, CONSUMER_POLL_MS);
			continue;
		}
		while (xsk_ring_prod__reserve(&x.fill, n, &idx_fill) != n)
			;	/* the fill ring has room for every buffer the RX ring held */
		for (i = 0; i < n; i++) {
			const struct xdp_desc *d = xsk_ring_cons__rx_desc(&x.rx, idx_rx + i);

			pkts++;
			bytes += d->len;
			*xsk_ring_prod__fill_addr(&x.fill, idx_fill + i) =
				xsk_umem__extract_addr(d->addr);
		}
		xsk_ring_prod__submit(&x.fill, n);
		xsk_ring_cons__release(&x.rx, n);
	}
	consumer_print(pkts, bytes, xdp_drops(&x), 1);
	xdp_close(&x);
	return 0;
}
