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

/*
 * A wildcard rule, flat: what Ring.add_rule() fills from a pfring.rules.Rule, and
 * pfpy_fill_rule() turns into libpfring's packed filtering_rule. Hosts and masks in
 * network order (IPv4: the first 4 bytes); numbers in host order.
 */
struct pfpy_rule {
	unsigned short rule_id;
	unsigned char action;
	unsigned char balance_id;
	unsigned char balance_pool;
	unsigned char locked;
	unsigned char bidirectional;
	unsigned char proto;
	int ifindex;
	unsigned char smac[6];
	unsigned char dmac[6];
	unsigned short vlan_id;
	unsigned short eth_type;
	unsigned char ip_version;	/* 0 any, 4, 6 */
	unsigned char tcp_flags;
	unsigned char payload_len;	/* 0..32, no NUL byte in the pattern */
	unsigned char pad;
	unsigned short sport_low, sport_high, dport_low, dport_high;
	unsigned char shost[16];
	unsigned char shost_mask[16];
	unsigned char dhost[16];
	unsigned char dhost_mask[16];
	unsigned char payload[32];
	char reflector[8];		/* REFLECTOR_NAME_LEN: need not end in NUL */
};

/* A hash rule, flat (pfring.rules.HashRule); hosts as in struct pfpy_rule */
struct pfpy_hash_rule {
	unsigned short vlan_id;
	unsigned char ip_version;	/* 4 or 6 */
	unsigned char proto;
	unsigned char action;
	unsigned short port_a;
	unsigned short port_b;
	unsigned char host_a[16];
	unsigned char host_b[16];
	char reflector[8];
};

struct pfpy_rule_stats {
	unsigned long long match;
	unsigned long long filtered;
	unsigned long long match_forward;
	unsigned int inactivity;
};

int pfpy_add_rule(pfring *ring, const struct pfpy_rule *in, unsigned short *rule_id);
int pfpy_rule_stats(pfring *ring, unsigned short rule_id, struct pfpy_rule_stats *out);
int pfpy_hash_rule(pfring *ring, const struct pfpy_hash_rule *in, int add);
int pfpy_hash_rule_stats(pfring *ring, const struct pfpy_hash_rule *in,
			 struct pfpy_rule_stats *out);
/* Tests: what libpfring would hand the kernel for the rule (no ring, no module) */
int pfpy_rule_to_kernel(const struct pfpy_rule *in, struct pf_ring_rule *out);
int pfpy_hash_rule_to_kernel(const struct pfpy_hash_rule *in, struct pf_ring_hash_rule *out);
/* cdef-end */

/* libpfring's own (pfring_priv.h, not installed): its rules as the kernel's */
int pfring_filter_rule_to_kernel(const filtering_rule *rule, struct pf_ring_rule *out);
int pfring_filter_hash_rule_to_kernel(const hash_filtering_rule *rule, int resolve_reflector,
				      struct pf_ring_hash_rule *out);

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

/* 16 network-order bytes as libpfring's ip_addr: IPv4 in .v4 in host order */
static ip_addr pfpy_ip(const unsigned char in[16], unsigned char version)
{
	ip_addr ip;

	memset(&ip, 0, sizeof(ip));
	if (version == 4) {
		u_int32_t be;

		memcpy(&be, in, 4);
		ip.v4 = ntohl(be);
	} else if (version == 6) {
		memcpy(&ip.v6, in, 16);
	}
	return ip;
}

static void pfpy_fill_rule(const struct pfpy_rule *in, filtering_rule *out)
{
	filtering_rule_core_fields *c = &out->core_fields;

	memset(out, 0, sizeof(*out));
	out->rule_id = in->rule_id;
	out->rule_action = (rule_action_behaviour)in->action;
	out->balance_id = in->balance_id;
	out->balance_pool = in->balance_pool;
	out->locked = in->locked;
	out->bidirectional = in->bidirectional;
	c->if_index = in->ifindex;
	memcpy(c->smac, in->smac, 6);
	memcpy(c->dmac, in->dmac, 6);
	c->vlan_id = in->vlan_id;
	c->eth_type = in->eth_type;
	c->proto = in->proto;
	c->shost = pfpy_ip(in->shost, in->ip_version);
	c->shost_mask = pfpy_ip(in->shost_mask, in->ip_version);
	c->dhost = pfpy_ip(in->dhost, in->ip_version);
	c->dhost_mask = pfpy_ip(in->dhost_mask, in->ip_version);
	c->sport_low = in->sport_low;
	c->sport_high = in->sport_high;
	c->dport_low = in->dport_low;
	c->dport_high = in->dport_high;
	c->tcp.flags = in->tcp_flags;
	/* the version said outright: a /32 IPv6 mask, or no host at all, is not guessed */
	if (in->ip_version == 4)
		out->extended_fields.optional_fields = FILTER_IPV4_HOSTS_FLAG;
	else if (in->ip_version == 6)
		out->extended_fields.optional_fields = FILTER_IPV6_HOSTS_FLAG;
	memcpy(out->extended_fields.payload_pattern, in->payload,
	       in->payload_len < 32 ? in->payload_len : 32);
	memcpy(out->reflector_device_name, in->reflector, REFLECTOR_NAME_LEN);
}

static void pfpy_fill_hash_rule(const struct pfpy_hash_rule *in, hash_filtering_rule *out)
{
	memset(out, 0, sizeof(*out));
	out->vlan_id = in->vlan_id;
	out->ip_version = in->ip_version;
	out->proto = in->proto;
	out->host_peer_a = pfpy_ip(in->host_a, in->ip_version);
	out->host_peer_b = pfpy_ip(in->host_b, in->ip_version);
	out->port_peer_a = in->port_a;
	out->port_peer_b = in->port_b;
	out->rule_action = (rule_action_behaviour)in->action;
	memcpy(out->reflector_device_name, in->reflector, REFLECTOR_NAME_LEN);
}

static void pfpy_stats(const char *buf, struct pfpy_rule_stats *out)
{
	hash_filtering_rule_stats st;

	memcpy(&st, buf, sizeof(st));
	out->match = st.match;
	out->filtered = st.filtered;
	out->match_forward = st.match_forward;
	out->inactivity = st.inactivity;
}

/* 0 and the rule's id (the kernel's pick for an automatic one), or < 0 with errno set */
int pfpy_add_rule(pfring *ring, const struct pfpy_rule *in, unsigned short *rule_id)
{
	filtering_rule rule;
	int rc;

	pfpy_fill_rule(in, &rule);
	rc = pfring_add_filtering_rule(ring, &rule);
	if (rc == 0)
		*rule_id = rule.rule_id;
	return rc;
}

int pfpy_rule_stats(pfring *ring, unsigned short rule_id, struct pfpy_rule_stats *out)
{
	char buf[sizeof(hash_filtering_rule_stats)];
	u_int len = sizeof(buf);
	int rc = pfring_get_filtering_rule_stats(ring, rule_id, buf, &len);

	if (rc == 0)
		pfpy_stats(buf, out);
	return rc;
}

int pfpy_hash_rule(pfring *ring, const struct pfpy_hash_rule *in, int add)
{
	hash_filtering_rule rule;

	pfpy_fill_hash_rule(in, &rule);
	return pfring_handle_hash_filtering_rule(ring, &rule, add ? 1 : 0);
}

int pfpy_hash_rule_stats(pfring *ring, const struct pfpy_hash_rule *in,
			 struct pfpy_rule_stats *out)
{
	char buf[sizeof(hash_filtering_rule_stats)];
	u_int len = sizeof(buf);
	hash_filtering_rule rule;
	int rc;

	pfpy_fill_hash_rule(in, &rule);
	rc = pfring_get_hash_filtering_rule_stats(ring, &rule, buf, &len);
	if (rc == 0)
		pfpy_stats(buf, out);
	return rc;
}

int pfpy_rule_to_kernel(const struct pfpy_rule *in, struct pf_ring_rule *out)
{
	filtering_rule rule;

	pfpy_fill_rule(in, &rule);
	return pfring_filter_rule_to_kernel(&rule, out);
}

int pfpy_hash_rule_to_kernel(const struct pfpy_hash_rule *in, struct pf_ring_hash_rule *out)
{
	hash_filtering_rule rule;

	pfpy_fill_hash_rule(in, &rule);
	return pfring_filter_hash_rule_to_kernel(&rule, 1, out);
}
