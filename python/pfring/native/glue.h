/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Python binding's C layer over libpfring. Compiled into the extension module by
 * cffi (pfring/native/build.py); Python calls these instead of reading packed structs.
 */
#include <errno.h>
#include <string.h>
#include <pfring.h>

/* cdef-begin: build.py hands this block to cffi as it is */
/* One packet, flat: what Ring.recv() turns into a Packet. */
struct pfpy_packet {
	unsigned long long ts_ns;
	unsigned int caplen;
	unsigned int len;
	int ifindex;
	unsigned int hash;
	unsigned char direction;
	unsigned char ip_version;
	unsigned char l3_proto;
	unsigned char tcp_flags;
	unsigned short eth_type;
	unsigned short vlan_id;
	unsigned short l4_src_port;
	unsigned short l4_dst_port;
	unsigned char dmac[6];
	unsigned char smac[6];
	unsigned char ip_src[16];	/* IPv4: first 4 bytes, network order */
	unsigned char ip_dst[16];
	const unsigned char *data;	/* into the ring: valid until the next receive */
};

/* One row of a batch's header array (numpy dtype BATCH_DTYPE in pfring/packet.py). */
struct pfpy_batch_row {
	unsigned long long ts_ns;
	unsigned long long offset;	/* of the packet's bytes in the batch buffer */
	unsigned int caplen;
	unsigned int len;
	int ifindex;
	unsigned char direction;
	unsigned char pad[3];
};

int pfpy_recv(pfring *ring, int wait, int parse, struct pfpy_packet *out);
long pfpy_recv_batch(pfring *ring, struct pfpy_batch_row *rows, long max,
		     unsigned char *buf, unsigned long long buflen, int timeout_ms);
long pfpy_send_batch(pfring *ring, const unsigned char *buf, unsigned long long stride,
		     const unsigned long long *offsets, const unsigned int *lens, long n,
		     int ifindex, int *rc);
/* cdef-end */

/* ip is passed by value: it sits unaligned in the packed header */
static void pfpy_put_ip(unsigned char out[16], ip_addr ip, unsigned char version)
{
	memset(out, 0, 16);
	if (version == 4) {
		/* libpfring keeps IPv4 in host order */
		u_int32_t be = htonl(ip.v4);

		memcpy(out, &be, 4);
	} else if (version == 6) {
		memcpy(out, &ip.v6, 16);
	}
}

/* 1: a packet, 0: none (no wait, or broken out), < 0: a PF_RING_ERROR_* (errno set) */
int pfpy_recv(pfring *ring, int wait, int parse, struct pfpy_packet *out)
{
	struct pfring_pkthdr hdr;
	u_char *data = NULL;
	int rc;

	memset(&hdr, 0, sizeof(hdr));
	rc = pfring_recv(ring, &data, 0, &hdr, (u_int8_t)wait);
	if (rc <= 0)
		return rc;
	memset(out, 0, sizeof(*out));
	out->ts_ns = hdr.extended_hdr.timestamp_ns;
	out->caplen = hdr.caplen;
	out->len = hdr.len;
	out->ifindex = hdr.extended_hdr.if_index;
	out->hash = hdr.extended_hdr.pkt_hash;
	out->direction = hdr.extended_hdr.rx_direction;
	out->data = data;
	if (parse) {
		struct pkt_parsing_info *p;

		if (!ring->long_header) {
			pfring_parse_pkt(data, &hdr, 4, 0, 1);
			out->hash = hdr.extended_hdr.pkt_hash;
		}
		p = &hdr.extended_hdr.parsed_pkt;
		memcpy(out->dmac, p->dmac, 6);
		memcpy(out->smac, p->smac, 6);
		out->eth_type = p->eth_type;
		out->vlan_id = p->vlan_id;
		out->ip_version = p->ip_version;
		out->l3_proto = p->l3_proto;
		out->l4_src_port = p->l4_src_port;
		out->l4_dst_port = p->l4_dst_port;
		out->tcp_flags = p->tcp.flags;
		pfpy_put_ip(out->ip_src, p->ip_src, p->ip_version);
		pfpy_put_ip(out->ip_dst, p->ip_dst, p->ip_version);
	}
	return 1;
}

/*
 * Up to max packets into rows[] and buf (bytes packed back to back). Waits up to
 * timeout_ms (-1: for ever) for the first packet only, then takes what is there.
 * Returns the number of packets, or < 0 with errno set.
 */
long pfpy_recv_batch(pfring *ring, struct pfpy_batch_row *rows, long max,
			    unsigned char *buf, unsigned long long buflen, int timeout_ms)
{
	unsigned long long used = 0;
	int waited = 0;
	long n = 0;

	while (n < max) {
		struct pfring_pkthdr hdr;
		u_char *data = NULL;
		int rc = pfring_recv(ring, &data, 0, &hdr, 0);

		if (rc < 0)
			return n ? n : rc;
		if (rc == 0) {
			if (n || waited || timeout_ms == 0)
				break;
			waited = 1;
			rc = pfring_poll(ring, timeout_ms < 0 ? 1000000000u : (u_int)timeout_ms);
			if (rc < 0 && errno != EINTR)
				return rc;
			continue;
		}
		if (used + hdr.caplen > buflen) {
			/* the caller sizes buf for max packets of the ring's caplen */
			errno = ENOBUFS;
			return -1;
		}
		memcpy(buf + used, data, hdr.caplen);
		rows[n].ts_ns = hdr.extended_hdr.timestamp_ns;
		rows[n].offset = used;
		rows[n].caplen = hdr.caplen;
		rows[n].len = hdr.len;
		rows[n].ifindex = hdr.extended_hdr.if_index;
		rows[n].direction = hdr.extended_hdr.rx_direction;
		memset(rows[n].pad, 0, sizeof(rows[n].pad));
		used += hdr.caplen;
		n++;
	}
	return n;
}

/*
 * n frames out of ifindex (0: the ring's device), in order, then flushed: frame i is
 * lens[i] bytes at buf + offsets[i] (offsets NULL: at buf + i * stride). Returns the
 * number of frames taken; *rc is 0, or the PF_RING error that stopped the batch (errno
 * set): a full device queue is waited out here, a signal (EINTR) is handed back.
 */
long pfpy_send_batch(pfring *ring, const unsigned char *buf, unsigned long long stride,
		     const unsigned long long *offsets, const unsigned int *lens, long n,
		     int ifindex, int *rc)
{
	long i = 0;

	*rc = 0;
	while (i < n) {
		const unsigned char *frame = buf + (offsets ? offsets[i] : (unsigned long long)i * stride);
		int r = pfring_send_ifindex(ring, (char *)frame, lens[i], 0, ifindex);

		if (r == PF_RING_ERROR_NO_TX_SLOT_AVAILABLE && errno != EINTR) {
			usleep(50);
			continue;
		}
		if (r < 0) {
			*rc = r;
			return i;
		}
		i++;
	}
	*rc = pfring_flush_tx_packets(ring);
	while (*rc == PF_RING_ERROR_NO_TX_SLOT_AVAILABLE && errno != EINTR) {
		usleep(50);
		*rc = pfring_flush_tx_packets(ring);
	}
	return i;
}
