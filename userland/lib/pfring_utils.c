// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pfring_utils.c - packet parsing and printing in user space, number formatting and
 * small helpers that need no ring.
 */
#include <math.h>	/* isnan(), a macro: no libm */
#include <stdarg.h>

#include "pfring_priv.h"

#define ETH_P_8021Q_	0x8100
#define ETH_P_8021AD_	0x88A8
#define ETH_P_QINQ1_	0x9100
#define ETH_P_IP_	0x0800
#define ETH_P_IPV6_	0x86DD

static inline u_int16_t rd16(const u_char *p)
{
	return (u_int16_t)((p[0] << 8) | p[1]);
}

static inline u_int32_t rd32(const u_char *p)
{
	return ((u_int32_t)p[0] << 24) | ((u_int32_t)p[1] << 16) | ((u_int32_t)p[2] << 8) | p[3];
}

/* A symmetric flow hash: the same for both directions of a flow. */
static u_int32_t flow_hash(const struct pkt_parsing_info *pi)
{
	u_int32_t h = pi->vlan_id + pi->l3_proto + pi->l4_src_port + pi->l4_dst_port;
	int i;

	if (pi->ip_version == 4) {
		h += pi->ip_src.v4 + pi->ip_dst.v4;
	} else if (pi->ip_version == 6) {
		for (i = 0; i < 4; i++) {
			u_int32_t a, b;

			memcpy(&a, &pi->ip_src.v6.s6_addr[i * 4], 4);
			memcpy(&b, &pi->ip_dst.v6.s6_addr[i * 4], 4);
			h += ntohl(a) + ntohl(b);
		}
	} else {
		for (i = 0; i < ETH_ALEN; i++)
			h += pi->smac[i] + pi->dmac[i];
		h += pi->eth_type;
	}
	return h;
}

static void parse_l4(const u_char *pkt, u_int caplen, struct pkt_parsing_info *pi, u_int off)
{
	const u_char *l4 = pkt + off;

	pi->offset.l4_offset = (int16_t)off;
	switch (pi->l3_proto) {
	case IPPROTO_TCP:
		if (off + 20 > caplen)
			return;
		pi->l4_src_port = rd16(l4);
		pi->l4_dst_port = rd16(l4 + 2);
		pi->tcp.seq_num = rd32(l4 + 4);
		pi->tcp.ack_num = rd32(l4 + 8);
		pi->tcp.flags = l4[13];
		pi->offset.payload_offset = (int16_t)(off + ((l4[12] >> 4) * 4u));
		break;
	case IPPROTO_UDP:
		if (off + 8 > caplen)
			return;
		pi->l4_src_port = rd16(l4);
		pi->l4_dst_port = rd16(l4 + 2);
		pi->offset.payload_offset = (int16_t)(off + 8);
		break;
	case IPPROTO_SCTP:
		if (off + 12 > caplen)
			return;
		pi->l4_src_port = rd16(l4);
		pi->l4_dst_port = rd16(l4 + 2);
		pi->offset.payload_offset = (int16_t)(off + 12);
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (off + 8 > caplen)
			return;
		pi->icmp_type = l4[0];
		pi->icmp_code = l4[1];
		pi->offset.payload_offset = (int16_t)(off + 8);
		break;
	default:
		break;
	}
}

/*
 * The IP header at off (its EtherType already in pi->eth_type) and what follows, up to
 * level. Returns the highest level parsed: 2 when the IP header is cut.
 */
static int parse_l3_l4(const u_char *pkt, u_int caplen, struct pfring_pkthdr *hdr,
		       u_int off, u_int8_t level)
{
	struct pkt_parsing_info *pi = &hdr->extended_hdr.parsed_pkt;
	u_int16_t type = pi->eth_type;
	int reached = 2;

	if (type == ETH_P_IP_) {
		const u_char *ip = pkt + off;
		u_int ihl;
		u_int16_t frag;

		if (off + 20 > caplen || (ip[0] >> 4) != 4)
			return reached;
		ihl = (ip[0] & 0x0F) * 4u;
		if (ihl < 20)
			return reached;
		pi->ip_version = 4;
		pi->ip_tos = ip[1];
		pi->l3_proto = ip[9];
		pi->ip_src.v4 = rd32(ip + 12);
		pi->ip_dst.v4 = rd32(ip + 16);
		reached = 3;
		frag = rd16(ip + 6);
		if (frag & 0x2000)
			hdr->extended_hdr.flags |= PKT_FLAGS_IP_MORE_FRAG;
		if (frag & 0x1FFF) {
			hdr->extended_hdr.flags |= PKT_FLAGS_IP_FRAG_OFFSET;
			return reached;	/* not the first fragment: no L4 header here */
		}
		off += ihl;
	} else if (type == ETH_P_IPV6_) {
		const u_char *ip6 = pkt + off;
		u_int8_t next;
		int more = 1;

		if (off + 40 > caplen || (ip6[0] >> 4) != 6)
			return reached;
		pi->ip_version = 6;
		pi->ip_tos = (u_int8_t)((rd16(ip6) >> 4) & 0xFF);
		memcpy(pi->ip_src.v6.s6_addr, ip6 + 8, 16);
		memcpy(pi->ip_dst.v6.s6_addr, ip6 + 24, 16);
		next = ip6[6];
		off += 40;
		reached = 3;
		while (more) {
			switch (next) {
			case 0:		/* hop-by-hop */
			case 43:	/* routing */
			case 60:	/* destination options */
				if (off + 8 > caplen)
					return reached;
				next = pkt[off];
				off += (pkt[off + 1] + 1u) * 8u;
				break;
			case 51:	/* authentication header */
				if (off + 8 > caplen)
					return reached;
				next = pkt[off];
				off += (pkt[off + 1] + 2u) * 4u;
				break;
			case 44:	/* fragment */
				if (off + 8 > caplen)
					return reached;
				next = pkt[off];
				if (pkt[off + 3] & 0x01)
					hdr->extended_hdr.flags |= PKT_FLAGS_IP_MORE_FRAG;
				if (rd16(pkt + off + 2) & 0xFFF8) {
					hdr->extended_hdr.flags |= PKT_FLAGS_IP_FRAG_OFFSET;
					pi->l3_proto = next;
					return reached;
				}
				off += 8;
				break;
			default:
				more = 0;
				break;
			}
		}
		pi->l3_proto = next;
	} else {
		return reached;
	}
	if (level < 4 || off >= caplen)
		return reached;
	parse_l4(pkt, caplen, pi, off);
	return 4;
}

/* parsed_pkt cleared, the fragment flags too; a timestamp when asked and missing */
static struct pkt_parsing_info *parse_begin(struct pfring_pkthdr *hdr, u_int8_t add_timestamp)
{
	struct pkt_parsing_info *pi = &hdr->extended_hdr.parsed_pkt;

	memset(pi, 0, sizeof(*pi));
	pi->tunnel.tunnel_id = NO_TUNNEL_ID;
	hdr->extended_hdr.flags &= ~(u_int32_t)(PKT_FLAGS_IP_MORE_FRAG | PKT_FLAGS_IP_FRAG_OFFSET);
	if (add_timestamp && hdr->ts.tv_sec == 0) {
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		hdr->ts.tv_sec = now.tv_sec;
		hdr->ts.tv_usec = now.tv_nsec / 1000;
		hdr->extended_hdr.timestamp_ns =
			(u_int64_t)now.tv_sec * 1000000000ULL + (u_int64_t)now.tv_nsec;
	}
	return pi;
}

/*
 * Parses the frame's L2-L4 headers into hdr->extended_hdr.parsed_pkt (cleared first),
 * never reading past hdr->caplen. level: 2 stops after Ethernet and VLAN tags, 3 after
 * IP, 4 (and above) after TCP/UDP/SCTP/ICMP. Returns the highest level parsed (0 when
 * even the Ethernet header is cut).
 */
int pfring_parse_pkt(u_char *pkt, struct pfring_pkthdr *hdr, u_int8_t level,
		     u_int8_t add_timestamp, u_int8_t add_hash)
{
	struct pkt_parsing_info *pi;
	u_int caplen, off, tags = 0;
	u_int16_t type;
	int reached = 0;

	if (!pkt || !hdr)
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	pi = parse_begin(hdr, add_timestamp);
	caplen = hdr->caplen;
	if (caplen < ETH_HLEN)
		goto out;
	memcpy(pi->dmac, pkt, ETH_ALEN);
	memcpy(pi->smac, pkt + ETH_ALEN, ETH_ALEN);
	type = rd16(pkt + 12);
	off = ETH_HLEN;
	while ((type == ETH_P_8021Q_ || type == ETH_P_8021AD_ || type == ETH_P_QINQ1_) &&
	       off + 4 <= caplen) {
		u_int16_t vid = rd16(pkt + off) & 0x0FFF;

		if (tags == 0) {
			pi->vlan_id = vid;
			pi->offset.vlan_offset = (int16_t)off;
		} else if (tags == 1) {
			pi->qinq_vlan_id = vid;
		}
		tags++;
		type = rd16(pkt + off + 2);
		off += 4;
	}
	pi->eth_type = type;
	pi->offset.l3_offset = (int16_t)off;
	reached = 2;
	if (level < 3)
		goto out;

	reached = parse_l3_l4(pkt, caplen, hdr, off, level);

out:
	if (add_hash)
		hdr->extended_hdr.pkt_hash = flow_hash(pi);
	return reached;
}

/*
 * A packet of a device without a link-layer header (a tun, WireGuard or ipip device):
 * the IPv4 or IPv6 header at byte 0. No MAC addresses; eth_offset -1, l3_offset 0,
 * eth_type the IP version's EtherType. Returns the highest level parsed (0: not IP).
 */
static int parse_raw_ip(const u_char *pkt, struct pfring_pkthdr *hdr, u_int8_t add_hash)
{
	struct pkt_parsing_info *pi = parse_begin(hdr, 0);
	int reached = 0;

	pi->offset.eth_offset = -1;
	if (hdr->caplen >= 1 && (pkt[0] >> 4) == 4)
		pi->eth_type = ETH_P_IP_;
	else if (hdr->caplen >= 1 && (pkt[0] >> 4) == 6)
		pi->eth_type = ETH_P_IPV6_;
	if (pi->eth_type)
		reached = parse_l3_l4(pkt, hdr->caplen, hdr, 0, 4);
	if (add_hash)
		hdr->extended_hdr.pkt_hash = flow_hash(pi);
	return reached;
}

/*
 * PF_RING_LONG_HEADER: parsed_pkt filled in user space, the kernel's hash kept if any;
 * raw_ip for a frame that starts with its IP header (linux/pf_ring.h, link_type).
 */
void pfring_fill_hdr_from_parse(struct pfring_pkthdr *hdr, const u_char *pkt, int raw_ip)
{
	if (raw_ip)
		parse_raw_ip(pkt, hdr, hdr->extended_hdr.pkt_hash == 0);
	else
		pfring_parse_pkt((u_char *)pkt, hdr, 4, 0, hdr->extended_hdr.pkt_hash == 0);
}

static const char *proto_name(u_int8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP: return "TCP";
	case IPPROTO_UDP: return "UDP";
	case IPPROTO_ICMP: return "ICMP";
	case IPPROTO_ICMPV6: return "ICMPv6";
	case IPPROTO_SCTP: return "SCTP";
	case IPPROTO_GRE: return "GRE";
	case IPPROTO_ESP: return "ESP";
	default: return NULL;
	}
}

/* Appends to buff at *used, never past buff_len; keeps counting what would be needed. */
static void put(char *buff, u_int buff_len, u_int *used, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void put(char *buff, u_int buff_len, u_int *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buff + (*used < buff_len ? *used : buff_len),
		      *used < buff_len ? buff_len - *used : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		*used += (u_int)n;
}

int pfring_print_parsed_pkt(char *buff, u_int buff_len, const u_char *p,
			    const struct pfring_pkthdr *h)
{
	const struct pkt_parsing_info *pi;
	u_int used = 0;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	const char *pn;

	(void)p;
	if (!buff || buff_len == 0 || !h)
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	buff[0] = '\0';
	pi = &h->extended_hdr.parsed_pkt;

	if (h->ts.tv_sec) {
		struct tm tm;
		time_t t = h->ts.tv_sec;

		localtime_r(&t, &tm);
		put(buff, buff_len, &used, "%02d:%02d:%02d.%09u ", tm.tm_hour, tm.tm_min,
		    tm.tm_sec, (unsigned)(h->extended_hdr.timestamp_ns % 1000000000ULL));
	}
	put(buff, buff_len, &used, "[%s]",
	    h->extended_hdr.rx_direction ? "RX" : "TX");
	if (h->extended_hdr.if_index)
		put(buff, buff_len, &used, "[if_index=%d]", h->extended_hdr.if_index);
	put(buff, buff_len, &used,
	    "[%02X:%02X:%02X:%02X:%02X:%02X -> %02X:%02X:%02X:%02X:%02X:%02X]",
	    pi->smac[0], pi->smac[1], pi->smac[2], pi->smac[3], pi->smac[4], pi->smac[5],
	    pi->dmac[0], pi->dmac[1], pi->dmac[2], pi->dmac[3], pi->dmac[4], pi->dmac[5]);
	if (pi->offset.vlan_offset)
		put(buff, buff_len, &used, "[vlan %u]", pi->vlan_id);
	if (pi->qinq_vlan_id)
		put(buff, buff_len, &used, "[qinq vlan %u]", pi->qinq_vlan_id);
	put(buff, buff_len, &used, "[eth_type=0x%04X]", pi->eth_type);

	if (pi->ip_version == 4 || pi->ip_version == 6) {
		if (pi->ip_version == 4) {
			struct in_addr s = { htonl(pi->ip_src.v4) }, d = { htonl(pi->ip_dst.v4) };

			inet_ntop(AF_INET, &s, a, sizeof(a));
			inet_ntop(AF_INET, &d, b, sizeof(b));
		} else {
			inet_ntop(AF_INET6, &pi->ip_src.v6, a, sizeof(a));
			inet_ntop(AF_INET6, &pi->ip_dst.v6, b, sizeof(b));
		}
		put(buff, buff_len, &used, "[IPv%u][%s:%u -> %s:%u]", pi->ip_version, a,
		    pi->l4_src_port, b, pi->l4_dst_port);
		pn = proto_name(pi->l3_proto);
		if (pn)
			put(buff, buff_len, &used, "[l3_proto=%s]", pn);
		else
			put(buff, buff_len, &used, "[l3_proto=%u]", pi->l3_proto);
		put(buff, buff_len, &used, "[tos=%u]", pi->ip_tos);
		if (pi->l3_proto == IPPROTO_TCP)
			put(buff, buff_len, &used, "[tcp_flags=0x%02X][tcp_seq=%u][tcp_ack=%u]",
			    pi->tcp.flags, pi->tcp.seq_num, pi->tcp.ack_num);
		if (pi->l3_proto == IPPROTO_ICMP || pi->l3_proto == IPPROTO_ICMPV6)
			put(buff, buff_len, &used, "[icmp_type=%u][icmp_code=%u]",
			    pi->icmp_type, pi->icmp_code);
	}
	put(buff, buff_len, &used, "[hash=%u][caplen=%u][len=%u]"
	    "[eth_offset=%d][l3_offset=%d][l4_offset=%d][payload_offset=%d]\n",
	    h->extended_hdr.pkt_hash, h->caplen, h->len, pi->offset.eth_offset,
	    pi->offset.l3_offset, pi->offset.l4_offset, pi->offset.payload_offset);
	return (int)(used < buff_len ? used : buff_len - 1);
}

int pfring_print_pkt(char *buff, u_int buff_len, const u_char *p, u_int len, u_int caplen)
{
	struct pfring_pkthdr hdr;

	if (!buff || !p)
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	memset(&hdr, 0, sizeof(hdr));
	hdr.caplen = caplen;
	hdr.len = len;
	hdr.extended_hdr.rx_direction = 1;
	pfring_parse_pkt((u_char *)p, &hdr, 4, 0, 1);
	return pfring_print_parsed_pkt(buff, buff_len, p, &hdr);
}

/*
 * 1234567.891 -> "1'234'567.89" (add_decimals) or "1'234'567": thousands separated
 * by an apostrophe, two decimals rounded half up, or the integer part truncated.
 * Written without libm (the documented link line is libpfring.a and -lpthread only).
 */
char *pfring_format_numbers(double val, char *buf, u_int buf_len, u_int8_t add_decimals)
{
	char digits[32], out[64];
	unsigned long long ip;
	unsigned cents = 0;
	int neg = val < 0, n, i, o = 0;
	double a = neg ? -val : val;

	if (!buf || buf_len == 0)
		return buf;
	if (isnan(val) || a >= 1e19) {		/* also infinities; isnan() is no libm call */
		snprintf(buf, buf_len, "%s", isnan(val) ? "nan" : (neg ? "-inf" : "inf"));
		return buf;
	}
	ip = (unsigned long long)a;
	if (add_decimals) {
		/* the fraction alone: a * 100 would not fit in 64 bits near 1e19 */
		cents = (unsigned)((a - (double)ip) * 100.0 + 0.5);
		if (cents == 100) {
			ip++;
			cents = 0;
		}
	}
	n = snprintf(digits, sizeof(digits), "%llu", ip);
	if (neg && (ip || cents))
		out[o++] = '-';
	for (i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			out[o++] = '\'';
		out[o++] = digits[i];
	}
	out[o] = '\0';
	if (add_decimals)
		snprintf(buf, buf_len, "%s.%02u", out, cents);
	else
		snprintf(buf, buf_len, "%s", out);
	return buf;
}

/* Seconds east of UTC of the local time zone at t. */
int32_t gmt_to_local(time_t t)
{
	struct tm tm;

	if (t == 0)
		t = time(NULL);
	if (!localtime_r(&t, &tm))
		return 0;
	return (int32_t)tm.tm_gmtoff;
}

u_int32_t pfring_get_ethtool_link_speed(const char *ifname)
{
	char path[128];
	long speed = 0;
	int saved_errno = errno;
	FILE *f;

	if (!ifname || strlen(ifname) >= IFNAMSIZ || strchr(ifname, '/'))
		return 0;
	snprintf(path, sizeof(path), "/sys/class/net/%s/speed", ifname);
	f = fopen(path, "re");
	if (f) {
		if (fscanf(f, "%ld", &speed) != 1 || speed < 0)
			speed = 0;	/* no link: the speed is unknown */
		fclose(f);
	}
	errno = saved_errno;
	return (u_int32_t)speed;
}
