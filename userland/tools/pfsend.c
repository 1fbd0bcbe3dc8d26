// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pfsend - send generated frames, or replay a pcap file, out of a device through
 * libpfring, at full speed or at a rate. The options are today's PF_RING pfsend's
 * where it has them; pfsend --help is the manual.
 */
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "pfring.h"
#include "frames.h"
#include "pcap_file.h"

#define MIN_LEN		60
#define DEFAULT_LEN	60
#define WIRE_EXTRA	24	/* preamble 8, FCS 4, inter-frame gap 12: bytes on the wire */
#define SPIN_NS		50000	/* closer than this to a frame's time: spin, do not sleep */
#define FLUSH_GAP_NS	20000	/* paced wider apart than this: each frame goes at once */

static const char help_text[] =
"NAME\n"
"    pfsend - send generated frames, or replay a pcap file, with PF_RING\n"
"\n"
"SYNOPSIS\n"
"    pfsend -i DEVICE [-n COUNT] [-l LENGTH] [-r GBPS | -p PPS] [-b FLOWS | -c FLOWS]\n"
"           [-t PORTS] [-S IP] [-D IP] [-m MAC] [-M MAC] [-K N] [-w FRAMES] [-F] [-a]\n"
"           [-v]\n"
"    pfsend -i DEVICE -f FILE.pcap [-n COUNT] [-r GBPS | -r -1 | -p PPS] [-m MAC] ...\n"
"\n"
"DESCRIPTION\n"
"    pfsend sends Ethernet frames out of DEVICE, as they are, through a send-only\n"
"    PF_RING socket (nothing is captured). The frames are either generated -- IPv4\n"
"    UDP frames of LENGTH bytes from 10.0.0.1 to 192.168.0.1, ports 10000 to 9, whose\n"
"    UDP payload begins with the frame's sequence number (32 bits, network order,\n"
"    from 0) and whose checksums are right -- or read from a pcap file and sent in its\n"
"    order, byte for byte as captured.\n"
"\n"
"    Without a rate, frames go as fast as the device takes them, a batch per system\n"
"    call (see -w). A rate spreads them evenly in time; with -r -1 a pcap file is\n"
"    replayed with the gaps between its timestamps. pfsend prints the rate every\n"
"    second, and the totals when it ends: after COUNT frames, at the end of the file,\n"
"    or on SIGINT or SIGTERM.\n"
"\n"
"OPTIONS\n"
"    -i, --device DEVICE\n"
"        The device to send on (required).\n"
"    -n, --count COUNT\n"
"        Send COUNT frames, then stop; 0 sends until interrupted. Default: 0 for\n"
"        generated frames, the file once with -f (with -n, the file is sent again\n"
"        and again until COUNT frames have gone).\n"
"    -l, --length LENGTH\n"
"        Bytes of each generated frame, from the destination MAC address to the end\n"
"        of the payload, without the FCS: 60 (the default) to the device's MTU + 14.\n"
"        Ignored with -f.\n"
"    -f, --pcap FILE\n"
"        Replay the frames of FILE, a classic pcap file (microsecond or nanosecond\n"
"        timestamps, either byte order) of Ethernet frames.\n"
"    -r, --rate GBPS\n"
"        Send at GBPS gigabits per second, counting what each frame takes on the\n"
"        wire (its bytes, FCS, preamble and inter-frame gap: LENGTH + 24 bytes).\n"
"        -r -1 replays a pcap file at its own pace (the gaps of its timestamps).\n"
"    -p, --pps PPS\n"
"        Send PPS frames per second.\n"
"    -b, --flows N\n"
"        Generate N flows: N source addresses from the -S address on (10.0.0.1,\n"
"        10.0.0.2, ...), taken in turn.\n"
"    -c, --dst-flows N\n"
"        As -b, with N destination addresses from the -D address on instead.\n"
"    -t, --ports N\n"
"        N source ports per address (10000, 10001, ...): with -b or -c, N times as\n"
"        many flows.\n"
"    -S, --src-ip IP\n"
"        The (first) source address of generated frames. Default: 10.0.0.1.\n"
"    -D, --dst-ip IP\n"
"        The (first) destination address of generated frames. Default: 192.168.0.1.\n"
"    -m, --dst-mac MAC\n"
"        The destination MAC address (AA:BB:CC:DD:EE:FF) of every frame, pcap frames\n"
"        included. Default for generated frames: ff:ff:ff:ff:ff:ff.\n"
"    -M, --src-mac MAC\n"
"        The source MAC address of every frame. Default for generated frames: the\n"
"        device's own.\n"
"    -K, --bad-checksum N\n"
"        Every N-th frame (1: every frame) leaves with a wrong IPv4 header checksum\n"
"        (its one's complement), to test how receivers count them. Frames that are\n"
"        not IPv4 are sent as they are.\n"
"    -w, --watermark FRAMES\n"
"        Frames gathered before they go to the kernel in one call (libpfring's tx\n"
"        watermark; default 64). With a rate whose frames are more than 20 us apart,\n"
"        each frame goes on its own.\n"
"    -F, --flush\n"
"        Hand each frame to the kernel on its own (low latency, low throughput).\n"
"    -a, --active\n"
"        Spin instead of sleeping while the device's queue is full, and between\n"
"        paced frames.\n"
"    -v, --verbose\n"
"        Say what is being sent before starting.\n"
"    -h, --help\n"
"        Print this manual.\n"
"\n"
"EXIT STATUS\n"
"    0 when every frame was sent; 1 when the device, the file or the kernel refused\n"
"    (the message says why); 2 for a wrong option.\n"
"\n"
"EXAMPLES\n"
"    pfsend -i eth1 -n 1000000 -l 1514 -r 2.5     1514-byte frames at 2.5 Gbit/s\n"
"    pfsend -i eth1 -p 2000 -b 16 -m 00:1b:21:aa:bb:cc\n"
"                                                 16 flows at 2000 frames/s\n"
"    pfsend -i eth1 -f trace.pcap -r -1           the capture, at its own pace\n"
"    pfsend -i eth1 -f trace.pcap -n 0            the capture in a loop, full speed\n";

struct options {
	const char *device;
	const char *pcap;
	u_int64_t count;
	bool count_given;
	u_int len;
	double gbps;
	double pps;
	bool pcap_pace;
	u_int src_ips, dst_ips, ports;
	struct in_addr src_ip, dst_ip;
	u_char dst_mac[6], src_mac[6];
	bool dst_mac_given, src_mac_given;
	u_int bad_every;
	int watermark;
	bool flush, active, verbose;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("pfsend: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void bad_option(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void bad_option(const char *fmt, ...)
{
	va_list ap;

	fputs("pfsend: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n(pfsend --help says more)\n", stderr);
	exit(2);
}

static u_int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u_int64_t)ts.tv_sec * 1000000000ULL + (u_int64_t)ts.tv_nsec;
}

/* ---- numbers and addresses ------------------------------------------------------- */

static u_int64_t parse_count(const char *opt, const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-')
		bad_option("%s wants a whole number, not '%s'", opt, s);
	return v;
}

static double parse_rate(const char *opt, const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v))
		bad_option("%s wants a number, not '%s'", opt, s);
	return v;
}

static void parse_mac(const char *opt, const char *s, u_char mac[6])
{
	unsigned int b[6];
	char tail;
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6)
		bad_option("%s wants a MAC address like 00:1b:21:aa:bb:cc, not '%s'", opt, s);
	for (i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			bad_option("%s: '%s' is not a MAC address", opt, s);
		mac[i] = (u_char)b[i];
	}
}

static void parse_ip(const char *opt, const char *s, struct in_addr *ip)
{
	if (inet_pton(AF_INET, s, ip) != 1)
		bad_option("%s wants an IPv4 address, not '%s'", opt, s);
}

/* ---- frames ---------------------------------------------------------------------------- */

#define UDP_SPORT	10000
#define UDP_DPORT	9

/* Generated frame number flow: its addresses and port from -b, -c and -t */
static void build_frame(const struct options *o, u_int flow, struct frame *f)
{
	struct frame_spec spec = {
		.src_ip = ntohl(o->src_ip.s_addr), .dst_ip = ntohl(o->dst_ip.s_addr),
		.sport = (u_int16_t)(UDP_SPORT + flow % o->ports), .dport = UDP_DPORT,
		.len = o->len,
	};
	u_int addr = flow / o->ports;

	if (o->src_ips > 1)
		spec.src_ip += addr;
	if (o->dst_ips > 1)
		spec.dst_ip += addr;
	memcpy(spec.dst_mac, o->dst_mac, 6);
	memcpy(spec.src_mac, o->src_mac, 6);
	if (frame_build(&spec, f) < 0)
		die("out of memory");
}

/* The frame's IPv4 header checksum field, or NULL (an untagged or 802.1Q frame) */
static u_char *ipv4_check(u_char *p, u_int len)
{
	u_int off = FRAME_ETH_HDR;
	u_int16_t type = len >= FRAME_ETH_HDR ? frame_get16(p + 12) : 0;

	while ((type == 0x8100 || type == 0x88a8) && len >= off + 4) {
		type = frame_get16(p + off + 2);
		off += 4;
	}
	if (type != 0x0800 || len < off + FRAME_IP_HDR || (p[off] >> 4) != 4)
		return NULL;
	return p + off + 10;
}

/* ---- sending ----------------------------------------------------------------------------- */

struct totals {
	u_int64_t frames, bytes;
	u_int64_t start_ns, last_ns, last_frames, last_bytes;
};

static void print_rate(const struct totals *t, u_int64_t now, bool final)
{
	char b1[64], b2[64], b3[64], b4[64], b5[64];
	double span = (double)(now - t->last_ns) / 1e9, total = (double)(now - t->start_ns) / 1e9;
	double cur_pps = span > 0 ? (double)(t->frames - t->last_frames) / span : 0;
	double cur_bps = span > 0 ? (double)(t->bytes - t->last_bytes) * 8 / span : 0;
	double avg_pps = total > 0 ? (double)t->frames / total : 0;
	double avg_bps = total > 0 ? (double)t->bytes * 8 / total : 0;

	if (!final) {
		printf("TX rate: [current %s pps/%s Gbps][average %s pps/%s Gbps][total %s pkts]\n",
		       pfring_format_numbers(cur_pps, b1, sizeof(b1), 1),
		       pfring_format_numbers(cur_bps / 1e9, b2, sizeof(b2), 1),
		       pfring_format_numbers(avg_pps, b3, sizeof(b3), 1),
		       pfring_format_numbers(avg_bps / 1e9, b4, sizeof(b4), 1),
		       pfring_format_numbers((double)t->frames, b5, sizeof(b5), 0));
	} else {
		printf("Sent %llu frames, %llu bytes in %.3f s: %.1f pps, %.6f Gbps\n",
		       (unsigned long long)t->frames, (unsigned long long)t->bytes, total,
		       avg_pps, avg_bps / 1e9);
	}
	fflush(stdout);
}

/* One frame out; false when pfsend must stop (the reason printed). */
static bool send_one(pfring *ring, const struct options *o, u_char *data, u_int len,
		     bool flush)
{
	for (;;) {
		int rc = pfring_send(ring, (char *)data, len, flush);

		if (rc >= 0)
			return true;
		if (rc == PF_RING_ERROR_NO_TX_SLOT_AVAILABLE) {
			if (stop)
				return false;
			if (!o->active)
				usleep(1);
			continue;
		}
		fprintf(stderr, "pfsend: sending on %s failed: %s%s\n", o->device, strerror(errno),
			errno == EMSGSIZE ? " (the frame is longer than the device's MTU allows)" :
			errno == ENETDOWN ? " (is the device up, with a link?)" : "");
		return false;
	}
}

static int run(pfring *ring, const struct options *o, struct frame *frames, size_t nframes,
	       bool generated)
{
	u_int64_t total = o->count_given ? o->count : (generated ? 0 : nframes);
	double gap_ns = 0;
	bool per_frame_flush = o->flush, ok = true;
	struct totals t = { 0 };
	u_int64_t i, next_report, loop_start, loop_len_ns = 0;
	double due_ns = 0;	/* -r, -p: when the next frame is due, from the start */

	if (o->pps > 0)
		gap_ns = 1e9 / o->pps;
	if (!generated && o->pcap_pace) {
		loop_len_ns = frames[nframes - 1].ts_ns;
		/* a loop starts again one average gap after the file's last frame */
		if (nframes > 1)
			loop_len_ns += loop_len_ns / (nframes - 1);
		per_frame_flush = true;
	}
	if (gap_ns >= FLUSH_GAP_NS || (o->gbps > 0 &&
				       (MIN_LEN + WIRE_EXTRA) * 8 / o->gbps >= FLUSH_GAP_NS))
		per_frame_flush = true;

	t.start_ns = t.last_ns = loop_start = now_ns();
	next_report = t.start_ns + 1000000000ULL;

	for (i = 0; !stop && (total == 0 || i < total); i++) {
		struct frame *f = &frames[i % nframes];
		u_int64_t now;

		if (!generated && o->pcap_pace) {
			if (i && i % nframes == 0)
				loop_start += loop_len_ns;
			if (!frame_wait_until(loop_start + f->ts_ns, o->active, SPIN_NS, &stop))
				break;
		} else if (gap_ns > 0 || o->gbps > 0) {
			if (!frame_wait_until(t.start_ns + (u_int64_t)due_ns,
							      o->active, SPIN_NS, &stop))
				break;
			due_ns += gap_ns > 0 ? gap_ns : (f->len + WIRE_EXTRA) * 8 / o->gbps;
		}
		if (generated)
			frame_set_seq(f->data, (u_int32_t)i);
		if (o->bad_every && (i + 1) % o->bad_every == 0) {
			u_char *check = ipv4_check(f->data, f->len);

			if (check) {
				u_char saved[2] = { check[0], check[1] };

				frame_put16(check, (u_int16_t)~frame_get16(check));
				ok = send_one(ring, o, f->data, f->len, per_frame_flush);
				check[0] = saved[0];
				check[1] = saved[1];
			} else {
				ok = send_one(ring, o, f->data, f->len, per_frame_flush);
			}
		} else {
			ok = send_one(ring, o, f->data, f->len, per_frame_flush);
		}
		if (!ok)
			break;
		t.frames++;
		t.bytes += f->len;
		now = (t.frames & 63) == 0 || per_frame_flush ? now_ns() : 0;
		if (now >= next_report) {
			print_rate(&t, now, false);
			t.last_ns = now;
			t.last_frames = t.frames;
			t.last_bytes = t.bytes;
			next_report = now + 1000000000ULL;
		}
	}
	if (pfring_flush_tx_packets(ring) < 0 && ok) {
		fprintf(stderr, "pfsend: sending on %s failed: %s\n", o->device, strerror(errno));
		ok = false;
	}
	print_rate(&t, now_ns(), true);
	return ok ? 0 : 1;
}

/* ---- main ----------------------------------------------------------------------------------- */

static const struct option long_options[] = {
	{ "device", required_argument, NULL, 'i' },
	{ "count", required_argument, NULL, 'n' },
	{ "length", required_argument, NULL, 'l' },
	{ "pcap", required_argument, NULL, 'f' },
	{ "rate", required_argument, NULL, 'r' },
	{ "pps", required_argument, NULL, 'p' },
	{ "flows", required_argument, NULL, 'b' },
	{ "dst-flows", required_argument, NULL, 'c' },
	{ "ports", required_argument, NULL, 't' },
	{ "src-ip", required_argument, NULL, 'S' },
	{ "dst-ip", required_argument, NULL, 'D' },
	{ "dst-mac", required_argument, NULL, 'm' },
	{ "src-mac", required_argument, NULL, 'M' },
	{ "bad-checksum", required_argument, NULL, 'K' },
	{ "watermark", required_argument, NULL, 'w' },
	{ "flush", no_argument, NULL, 'F' },
	{ "active", no_argument, NULL, 'a' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static u_int parse_small(const char *opt, const char *s, u_int min, u_int max)
{
	u_int64_t v = parse_count(opt, s);

	if (v < min || v > max)
		bad_option("%s must be between %u and %u, not %s", opt, min, max, s);
	return (u_int)v;
}

static void parse_options(int argc, char *argv[], struct options *o)
{
	bool rate_given = false, pps_given = false;
	int c;

	memset(o, 0, sizeof(*o));
	o->len = DEFAULT_LEN;
	o->src_ips = o->dst_ips = o->ports = 1;
	o->watermark = -1;
	inet_pton(AF_INET, "10.0.0.1", &o->src_ip);
	inet_pton(AF_INET, "192.168.0.1", &o->dst_ip);
	memset(o->dst_mac, 0xff, 6);

	while ((c = getopt_long(argc, argv, "i:n:l:f:r:p:b:c:t:S:D:m:M:K:w:Favh", long_options,
				NULL)) != -1) {
		switch (c) {
		case 'i': o->device = optarg; break;
		case 'n': o->count = parse_count("-n", optarg); o->count_given = true; break;
		case 'l': o->len = parse_small("-l", optarg, MIN_LEN, PF_RING_TX_MAX_LEN); break;
		case 'f': o->pcap = optarg; break;
		case 'r':
			o->gbps = parse_rate("-r", optarg);
			rate_given = true;
			if (o->gbps == -1) {
				o->pcap_pace = true;
				o->gbps = 0;
			} else if (o->gbps <= 0) {
				bad_option("the rate (-r) must be above 0 Gbit/s (or -1: the pcap "
					   "file's own pace), not %s", optarg);
			}
			break;
		case 'p':
			o->pps = parse_rate("-p", optarg);
			pps_given = true;
			if (o->pps <= 0)
				bad_option("the rate (-p) must be above 0 frames per second, not %s",
					   optarg);
			break;
		case 'b': o->src_ips = parse_small("-b", optarg, 1, 1 << 24); o->dst_ips = 1; break;
		case 'c': o->dst_ips = parse_small("-c", optarg, 1, 1 << 24); o->src_ips = 1; break;
		case 't': o->ports = parse_small("-t", optarg, 1, 55535); break;
		case 'S': parse_ip("-S", optarg, &o->src_ip); break;
		case 'D': parse_ip("-D", optarg, &o->dst_ip); break;
		case 'm': parse_mac("-m", optarg, o->dst_mac); o->dst_mac_given = true; break;
		case 'M': parse_mac("-M", optarg, o->src_mac); o->src_mac_given = true; break;
		case 'K': o->bad_every = parse_small("-K", optarg, 1, UINT_MAX); break;
		case 'w': o->watermark = (int)parse_small("-w", optarg, 1, 65535); break;
		case 'F': o->flush = true; break;
		case 'a': o->active = true; break;
		case 'v': o->verbose = true; break;
		case 'h':
			fputs(help_text, stdout);
			exit(0);
		default:
			fputs("(pfsend --help says more)\n", stderr);
			exit(2);
		}
	}
	if (optind < argc)
		bad_option("unexpected argument '%s'", argv[optind]);
	if (!o->device)
		bad_option("which device? (-i DEVICE)");
	if (rate_given && pps_given)
		bad_option("-r and -p both set a rate: give one");
	if (o->pcap_pace && !o->pcap)
		bad_option("-r -1 replays a pcap file at its pace: it needs -f FILE");
	if (o->pcap && (o->src_ips > 1 || o->dst_ips > 1 || o->ports > 1))
		bad_option("-b, -c and -t shape generated frames: not with -f");
}

int main(int argc, char *argv[])
{
	struct options o;
	struct frame *frames = NULL;
	size_t nframes = 0, k;
	pfring *ring;
	int mtu, rc;
	bool generated;

	parse_options(argc, argv, &o);
	setvbuf(stdout, NULL, _IOLBF, 0);
	generated = o.pcap == NULL;
	if (!generated) {
		char err[512];

		nframes = frame_load_pcap(o.pcap, PF_RING_TX_MAX_LEN, &frames, err, sizeof(err));
		if (!nframes)
			die("%s", err);
		for (k = 0; k < nframes; k++) {
			if (o.dst_mac_given && frames[k].len >= 6)
				memcpy(frames[k].data, o.dst_mac, 6);
			if (o.src_mac_given && frames[k].len >= 12)
				memcpy(frames[k].data + 6, o.src_mac, 6);
		}
	}

	/* caplen 64: the ring (allocated before it is made send-only) stays small */
	ring = pfring_open(o.device, 64, 0);
	if (!ring) {
		int err = errno;

		if (err == ENODEV)
			die("there is no device %s", o.device);
		die("cannot open %s: %s", o.device, strerror(err));
	}
	pfring_set_application_name(ring, (char *)"pfsend");
	if (pfring_set_socket_mode(ring, send_only_mode) < 0)
		die("cannot make the ring send-only: %s", strerror(errno));
	if (o.watermark > 0 && pfring_set_tx_watermark(ring, (u_int16_t)o.watermark) < 0)
		die("cannot set the tx watermark: %s", strerror(errno));
	mtu = pfring_get_mtu_size(ring);

	if (generated) {
		if (!o.src_mac_given && pfring_get_bound_device_address(ring, o.src_mac) < 0)
			die("cannot read the MAC address of %s: %s", o.device, strerror(errno));
		nframes = (size_t)o.src_ips * o.dst_ips * o.ports;
		if (mtu > 0 && o.len > (u_int)mtu + FRAME_ETH_HDR)
			die("-l %u is longer than %s takes: its MTU is %d, so %d bytes at most",
			    o.len, o.device, mtu, mtu + FRAME_ETH_HDR);
		frames = calloc(nframes, sizeof(*frames));
		if (!frames)
			die("out of memory");
		for (k = 0; k < nframes; k++)
			build_frame(&o, (u_int)k, &frames[k]);
	}
	if (pfring_enable_ring(ring) < 0)
		die("cannot enable the ring on %s: %s", o.device, strerror(errno));
	if (o.verbose) {
		if (generated)
			printf("Sending %u-byte frames, %zu flow(s), on %s\n", o.len, nframes,
			       o.device);
		else
			printf("Replaying %zu frame(s) of %s on %s\n", nframes, o.pcap, o.device);
	}

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	rc = run(ring, &o, frames, nframes, generated);
	pfring_close(ring);
	for (k = 0; k < nframes; k++)
		free(frames[k].data);
	free(frames);
	return rc;
}
