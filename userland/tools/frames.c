// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * frames.c - generated and replayed frames for the sending tools (see frames.h).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "frames.h"
#include "pcap_file.h"

u_int64_t frame_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u_int64_t)ts.tv_sec * 1000000000ULL + (u_int64_t)ts.tv_nsec;
}

bool frame_wait_until(u_int64_t at, bool active, u_int64_t spin_ns,
		      const volatile sig_atomic_t *stop)
{
	for (;;) {
		u_int64_t now = frame_now_ns();

		if (*stop)
			return false;
		if (now >= at)
			return true;
		if (!active && at - now > spin_ns) {
			u_int64_t nap = at - now - spin_ns / 2;
			struct timespec ts = { (time_t)(nap / 1000000000ULL),
					       (long)(nap % 1000000000ULL) };

			nanosleep(&ts, NULL);
		}
	}
}

void frame_put16(u_char *p, u_int16_t v)
{
	p[0] = (u_char)(v >> 8);
	p[1] = (u_char)v;
}

u_int16_t frame_get16(const u_char *p)
{
	return (u_int16_t)(p[0] << 8 | p[1]);
}

static u_int32_t csum_add(u_int32_t sum, const u_char *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (u_int32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (u_int32_t)(p[len - 1] << 8);
	return sum;
}

static u_int16_t csum_fold(u_int32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (u_int16_t)~sum;
}

/* A checksum field at *check after a 16-bit word of its data went from old to new */
static void csum_update16(u_char *check, u_int16_t old, u_int16_t new)
{
	/* RFC 1624: HC' = ~(~HC + ~m + m') */
	u_int32_t sum = (u_int16_t)~frame_get16(check);

	sum += (u_int16_t)~old;
	sum += new;
	frame_put16(check, csum_fold(sum));
}

int frame_build(const struct frame_spec *s, struct frame *f)
{
	u_char *p = calloc(1, s->len), *ip, *udp;
	u_int udp_len = s->len - FRAME_ETH_HDR - FRAME_IP_HDR, i;
	u_int32_t sum;

	if (!p) {
		errno = ENOMEM;
		return -1;
	}
	ip = p + FRAME_ETH_HDR;
	udp = ip + FRAME_IP_HDR;
	memcpy(p, s->dst_mac, 6);
	memcpy(p + 6, s->src_mac, 6);
	frame_put16(p + 12, 0x0800);
	ip[0] = 0x45;
	frame_put16(ip + 2, (u_int16_t)(s->len - FRAME_ETH_HDR));
	frame_put16(ip + 6, 0x4000);		/* don't fragment */
	ip[8] = 64;
	ip[9] = IPPROTO_UDP;
	frame_put16(ip + 12, (u_int16_t)(s->src_ip >> 16));
	frame_put16(ip + 14, (u_int16_t)s->src_ip);
	frame_put16(ip + 16, (u_int16_t)(s->dst_ip >> 16));
	frame_put16(ip + 18, (u_int16_t)s->dst_ip);
	frame_put16(ip + 10, csum_fold(csum_add(0, ip, FRAME_IP_HDR)));
	frame_put16(udp, s->sport);
	frame_put16(udp + 2, s->dport);
	frame_put16(udp + 4, (u_int16_t)udp_len);
	for (i = FRAME_SEQ_OFF + 4; i < s->len; i++)
		p[i] = (u_char)i;
	/* pseudo header, then the UDP header and payload (sequence number 0) */
	sum = csum_add(0, ip + 12, 8) + IPPROTO_UDP + udp_len;
	sum = csum_add(sum, udp, udp_len);
	frame_put16(udp + 6, csum_fold(sum) ? csum_fold(sum) : 0xffff);
	f->data = p;
	f->len = s->len;
	f->ts_ns = 0;
	return 0;
}

void frame_set_seq(u_char *p, u_int32_t seq)
{
	u_char *check = p + FRAME_ETH_HDR + FRAME_IP_HDR + 6;
	u_int16_t old_hi = frame_get16(p + FRAME_SEQ_OFF);
	u_int16_t old_lo = frame_get16(p + FRAME_SEQ_OFF + 2);

	frame_put16(p + FRAME_SEQ_OFF, (u_int16_t)(seq >> 16));
	frame_put16(p + FRAME_SEQ_OFF + 2, (u_int16_t)seq);
	if (frame_get16(check) == 0xffff)
		frame_put16(check, 0);	/* 0xffff stood for a computed 0 */
	csum_update16(check, old_hi, (u_int16_t)(seq >> 16));
	csum_update16(check, old_lo, (u_int16_t)seq);
	if (frame_get16(check) == 0)
		frame_put16(check, 0xffff);
}

static size_t load_fail(struct frame **frames, size_t n, struct pcap_file *pf)
{
	while (n)
		free((*frames)[--n].data);
	free(*frames);
	*frames = NULL;
	if (pf)
		pcap_file_close(pf);
	return 0;
}

size_t frame_load_pcap(const char *path, u_int max_len, struct frame **frames, char *err,
		       size_t err_len)
{
	struct pfring_pkthdr h;
	struct pcap_file pf;
	size_t n = 0, cap = 0;
	u_int64_t first = 0;
	u_char *buf;
	int rc;

	*frames = NULL;
	if (pcap_file_open(&pf, path) < 0) {
		if (errno == EINVAL)
			snprintf(err, err_len, "%s is not a pcap file (a pcapng file? convert it: "
				 "editcap -F pcap)", path);
		else
			snprintf(err, err_len, "cannot open the pcap file %s: %s", path,
				 strerror(errno));
		return 0;
	}
	if ((pf.linktype & 0x0fffffff) != PCAP_LINKTYPE_ETHERNET) {
		snprintf(err, err_len, "%s holds link type %u frames; only Ethernet (1) is replayed",
			 path, pf.linktype & 0x0fffffff);
		return load_fail(frames, n, &pf);
	}
	buf = malloc((size_t)max_len + 1);
	if (!buf) {
		snprintf(err, err_len, "out of memory");
		return load_fail(frames, n, &pf);
	}
	while ((rc = pcap_file_next(&pf, &h, buf, max_len + 1)) == 1) {
		u_int64_t ts = (u_int64_t)h.ts.tv_sec * 1000000000ULL +
			       (u_int64_t)h.ts.tv_usec * 1000ULL;
		struct frame *fr, *grown;

		if (h.caplen == 0 || h.caplen > max_len) {
			snprintf(err, err_len, "%s: frame %zu has %u bytes (1 to %u can be sent)",
				 path, n + 1, h.caplen, max_len);
			free(buf);
			return load_fail(frames, n, &pf);
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			grown = realloc(*frames, cap * sizeof(**frames));
			if (!grown)
				goto oom;
			*frames = grown;
		}
		fr = &(*frames)[n];
		fr->data = malloc(h.caplen);
		if (!fr->data)
			goto oom;
		memcpy(fr->data, buf, h.caplen);
		fr->len = h.caplen;
		if (n == 0)
			first = ts;
		fr->ts_ns = ts >= first ? ts - first : 0;
		n++;
	}
	free(buf);
	if (rc < 0) {
		snprintf(err, err_len, "%s: frame %zu is cut short", path, n + 1);
		return load_fail(frames, n, &pf);
	}
	pcap_file_close(&pf);
	if (!n)
		snprintf(err, err_len, "%s holds no frame", path);
	return n;
oom:
	free(buf);
	snprintf(err, err_len, "out of memory");
	return load_fail(frames, n, &pf);
}
