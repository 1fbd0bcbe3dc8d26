// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * zsend - send generated frames, or replay a pcap file, on a device through the ZC API
 * (libpfring_zc): each frame is written into a ZC buffer and the buffer is sent.  The
 * rate every second on stderr; when it ends (after -n frames, the end of the file, or
 * SIGINT/SIGTERM) a last line of exact totals on stdout:
 *
 *   Sent <packets> packets, <bytes> bytes in <seconds> s: <pps> pps, <gbps> Gbps
 *
 * Generated frames are pfsend's (pfsend --help, DESCRIPTION): IPv4 UDP from 10.0.0.1 to
 * 192.168.0.1, ports 10000 to 9, the frame's sequence number (32 bits, network order,
 * from 0) first in the payload, then bytes whose value is their offset in the frame;
 * checksums right.  The options are today's PF_RING zsend's where it has them.
 */
#include <arpa/inet.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <unistd.h>

#include "pfring.h"
#include "pfring_zc.h"
#include "frames.h"
#include "pcap_file.h"
#include "zc_tool.h"

#define MIN_LEN		60
#define DEFAULT_LEN	60
#define MAX_BURST	32
#define WIRE_EXTRA	24	/* preamble 8, FCS 4, inter-frame gap 12: bytes on the wire */
#define SPIN_NS		50000	/* closer than this to a frame's time: spin, do not sleep */
#define FLUSH_GAP_NS	20000	/* paced wider apart than this: each frame goes at once */

struct options {
	const char *device;
	const char *pcap;
	unsigned long long cluster_id, count;
	bool cluster_given, count_given;
	u_int len;
	double gbps, pps;
	bool pcap_pace;
	u_int flows;
	u_char dst_mac[6];
	bool dst_mac_given;
	int core;
	bool burst, active, normal_pages;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *out)
{
	fprintf(out,
		"zsend - send generated frames, or a pcap file, on a device through PF_RING ZC\n"
		"Using PF_RING ZC v.%s\n\n"
		"Usage: zsend -i <device> -c <cluster id>\n"
		"             [-h] [-g <core id>] [-r <Gbps rate>] [-p <pps>] [-l <len>] [-n <num>]\n"
		"             [-b <num>] [-f <.pcap file>] [-m <dst MAC>] [-z] [-a] [-u]\n\n"
		"-h              Print this help\n"
		"-i <device>     Device name: ethX, ethX@Q, or stack:ethX (into the local stack,\n"
		"                as if ethX had received the frames)\n"
		"-c <cluster id> Cluster id\n"
		"-f <.pcap file> Send the frames of a (classic) pcap file, as captured\n"
		"-m <dst MAC>    Reforge the destination MAC (format AA:BB:CC:DD:EE:FF)\n"
		"-g <core id>    Bind this app to a core\n"
		"-p <pps>        Rate (packets/s)\n"
		"-r <Gbps rate>  Rate to send, counting each frame's bytes on the wire (+24)\n"
		"                (example -r 2.5 sends 2.5 Gbit/sec; -r -1: the pcap file's pace)\n"
		"-l <len>        Packet length (bytes, without FCS) of generated frames [%d]\n"
		"-n <num>        Number of packets (generated: 0, the default, sends until\n"
		"                interrupted; -f: the file once, or the file in a loop up to <num>)\n"
		"-b <num>        Number of different source IPs (10.0.0.1 on)\n"
		"-z              Use the burst API (without a rate)\n"
		"-a              Active wait (spin, do not sleep) for a full device or a rate\n"
		"-u              Normal pages instead of hugepages for the cluster, for\n"
		"                development (not in ntop's zsend)\n\n"
		"Generated frames are pfsend's: IPv4 UDP, 10.0.0.1 -> 192.168.0.1, ports 10000 -> 9,\n"
		"the sequence number first in the payload.  At the end, on stdout:\n"
		"  Sent <packets> packets, <bytes> bytes in <seconds> s: <pps> pps, <gbps> Gbps\n"
		"Exit status: 0 when every frame was sent, 1 when the device, the file or the\n"
		"kernel refused (the message says why), 2 for a wrong option.\n",
		pfring_zc_version(), DEFAULT_LEN);
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("zsend: ", stderr);
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

	fputs("zsend: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n(zsend -h says more)\n", stderr);
	exit(2);
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

static int parse_mac(const char *s, u_char mac[6])
{
	unsigned int b[6];
	char tail;
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6)
		return -1;
	for (i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			return -1;
		mac[i] = (u_char)b[i];
	}
	return 0;
}

/* ---- generated frames (pfsend's) ------------------------------------------------------ */

static void build_frame(const struct options *o, const u_char src_mac[6], u_int flow,
			struct frame *f)
{
	struct frame_spec spec = {
		.src_ip = 0x0a000001u + flow, .dst_ip = 0xc0a80001u, .sport = 10000, .dport = 9,
		.len = o->len,
	};

	memcpy(spec.dst_mac, o->dst_mac, 6);
	memcpy(spec.src_mac, src_mac, 6);
	if (frame_build(&spec, f) < 0)
		die("out of memory");
}

/* ---- sending ----------------------------------------------------------------------------- */

struct totals {
	unsigned long long frames, bytes;
	unsigned long long start_ns, last_ns, last_frames, last_bytes;
};

static void print_rate(const struct totals *t, unsigned long long now, bool final)
{
	char b1[64], b2[64], b3[64];
	double span = (double)(now - t->last_ns) / 1e9, total = (double)(now - t->start_ns) / 1e9;
	double avg_pps = total > 0 ? (double)t->frames / total : 0;
	double avg_gbps = total > 0 ? (double)t->bytes * 8 / total / 1e9 : 0;

	if (!final) {
		double pps = span > 0 ? (double)(t->frames - t->last_frames) / span : 0;
		double gbps = span > 0 ? (double)(t->bytes - t->last_bytes) * 8 / span / 1e9 : 0;

		fprintf(stderr, "TX rate: [current %s pps/%s Gbps][total %s pkts]\n",
			pfring_format_numbers(pps, b1, sizeof(b1), 1),
			pfring_format_numbers(gbps, b2, sizeof(b2), 2),
			pfring_format_numbers((double)t->frames, b3, sizeof(b3), 0));
		return;
	}
	printf("Sent %llu packets, %llu bytes in %.3f s: %.1f pps, %.6f Gbps\n", t->frames,
	       t->bytes, total, avg_pps, avg_gbps);
}

/* The frame into the buffer: its data from the default head room on */
static void fill(pfring_zc_pkt_buff *h, pfring_zc_queue *q, const struct frame *f, bool generated,
		 unsigned long long seq)
{
	u_char *data = pfring_zc_pkt_buff_data(h, q);

	memcpy(data, f->data, f->len);
	h->len = (u_int16_t)f->len;
	if (generated)
		frame_set_seq(data, (u_int32_t)seq);
}

/* Send until the device takes it: 0, or -1 when zsend must stop (reason printed) */
static int send_one(pfring_zc_queue *q, pfring_zc_pkt_buff **h, const struct options *o,
		    bool flush)
{
	for (;;) {
		int rc = pfring_zc_send_pkt(q, h, flush);

		if (rc >= 0)
			return 0;
		if (rc == -EAGAIN) {
			if (stop)
				return -1;
			if (!o->active)
				usleep(1);
			continue;
		}
		fprintf(stderr, "zsend: sending on %s failed: %s%s\n", o->device, strerror(-rc),
			rc == -EMSGSIZE ? " (the frame is longer than the device's MTU allows)" :
			rc == -ENETDOWN ? " (is the device up, with a link?)" : "");
		return -1;
	}
}

/*
 * A burst until the device took all of it: 0, or -1 when zsend must stop (a failure's
 * reason printed); *done: how many it took.
 */
static int send_burst(pfring_zc_queue *q, pfring_zc_pkt_buff **h, u_int n,
		      const struct options *o, u_int *done)
{
	*done = 0;
	while (*done < n) {
		int rc = pfring_zc_send_pkt_burst(q, h + *done, n - *done, 0);

		if (rc < 0) {
			fprintf(stderr, "zsend: sending on %s failed: %s\n", o->device,
				strerror(-rc));
			return -1;
		}
		*done += (u_int)rc;
		if (*done < n) {
			if (stop)
				return -1;
			if (!o->active)
				usleep(1);
		}
	}
	return 0;
}

static int run(pfring_zc_queue *q, pfring_zc_pkt_buff **bufs, const struct options *o,
	       struct frame *frames, size_t nframes, bool generated)
{
	unsigned long long total = o->count_given ? o->count : (generated ? 0 : nframes);
	unsigned long long i = 0, next_report, loop_start, loop_len_ns = 0, now;
	double gap_ns = 0, due_ns = 0;
	bool paced = o->pps > 0 || o->gbps > 0 || o->pcap_pace, flush = false, ok = true;
	struct totals t;

	memset(&t, 0, sizeof(t));
	if (o->pps > 0)
		gap_ns = 1e9 / o->pps;
	if (o->pcap_pace) {
		loop_len_ns = frames[nframes - 1].ts_ns;
		if (nframes > 1)	/* a loop starts again one average gap after the last */
			loop_len_ns += loop_len_ns / (nframes - 1);
		flush = true;
	}
	if (gap_ns >= FLUSH_GAP_NS || (o->gbps > 0 && (MIN_LEN + WIRE_EXTRA) * 8 / o->gbps >= FLUSH_GAP_NS))
		flush = true;
	t.start_ns = t.last_ns = loop_start = zc_tool_now_ns();
	next_report = t.start_ns + 1000000000ULL;

	while (!stop && ok && (total == 0 || i < total)) {
		if (o->burst && !paced) {
			u_int n = MAX_BURST, k, done;
			int src;

			if (total && total - i < n)
				n = (u_int)(total - i);
			for (k = 0; k < n; k++)
				fill(bufs[k], q, &frames[(i + k) % nframes], generated, i + k);
			src = send_burst(q, bufs, n, o, &done);
			for (k = 0; k < done; k++)
				t.bytes += frames[(i + k) % nframes].len;
			t.frames += done;
			i += done;
			if (src < 0) {
				ok = stop;	/* interrupted while full: not a failure */
				break;
			}
		} else {
			const struct frame *f = &frames[i % nframes];

			if (o->pcap_pace) {
				if (i && i % nframes == 0)
					loop_start += loop_len_ns;
				if (!frame_wait_until(loop_start + f->ts_ns,
								      o->active, SPIN_NS, &stop))
					break;
			} else if (paced) {
				if (!frame_wait_until(t.start_ns + (unsigned long long)due_ns,
								      o->active, SPIN_NS, &stop))
					break;
				due_ns += gap_ns > 0 ? gap_ns : (f->len + WIRE_EXTRA) * 8 / o->gbps;
			}
			fill(bufs[0], q, f, generated, i);
			if (send_one(q, &bufs[0], o, flush) < 0) {
				ok = stop;
				break;
			}
			t.frames++;
			t.bytes += f->len;
			i++;
		}
		now = (t.frames & 63) == 0 || flush || o->burst ? zc_tool_now_ns() : 0;
		if (now >= next_report) {
			print_rate(&t, now, false);
			t.last_ns = now;
			t.last_frames = t.frames;
			t.last_bytes = t.bytes;
			next_report = now + 1000000000ULL;
		}
	}
	pfring_zc_sync_queue(q, tx_only);	/* what waits goes now */
	print_rate(&t, zc_tool_now_ns(), true);
	return ok ? 0 : 1;
}

/* ---- main ----------------------------------------------------------------------------------- */

static void parse_options(int argc, char *argv[], struct options *o)
{
	bool rate_given = false, pps_given = false;
	unsigned long long v;
	int c;

	memset(o, 0, sizeof(*o));
	o->len = DEFAULT_LEN;
	o->flows = 1;
	o->core = -1;
	memset(o->dst_mac, 0xff, 6);
	while ((c = getopt(argc, argv, "ab:c:f:g:hi:l:m:n:o:p:r:uzDP:Q:S:")) != -1) {
		switch (c) {
		case 'h': usage(stdout); exit(0);
		case 'i': o->device = optarg; break;
		case 'c':
			if (zc_tool_number(optarg, 0, 0xFFFFFFFFull, &o->cluster_id) < 0)
				bad_option("-c wants a cluster id (a number), not '%s'", optarg);
			o->cluster_given = true;
			break;
		case 'n':
			if (zc_tool_number(optarg, 0, ~0ull, &o->count) < 0)
				bad_option("-n wants a number of packets, not '%s'", optarg);
			o->count_given = true;
			break;
		case 'l':
			if (zc_tool_number(optarg, MIN_LEN, 65535 - 64, &v) < 0)
				bad_option("-l wants a length from %d to %d bytes, not '%s'", MIN_LEN,
					   65535 - 64, optarg);
			o->len = (u_int)v;
			break;
		case 'f': o->pcap = optarg; break;
		case 'r':
			o->gbps = parse_rate("-r", optarg);
			rate_given = true;
			if (o->gbps == -1) {
				o->pcap_pace = true;
				o->gbps = 0;
			} else if (o->gbps <= 0) {
				bad_option("the rate (-r) must be above 0 Gbit/s (or -1: the pcap file's "
					   "own pace), not %s", optarg);
			}
			break;
		case 'p':
			o->pps = parse_rate("-p", optarg);
			pps_given = true;
			if (o->pps <= 0)
				bad_option("the rate (-p) must be above 0 packets per second, not %s",
					   optarg);
			break;
		case 'b':
			if (zc_tool_number(optarg, 1, 1u << 24, &v) < 0)
				bad_option("-b wants a number of addresses (1 to %u), not '%s'", 1u << 24,
					   optarg);
			o->flows = (u_int)v;
			break;
		case 'm':
			if (parse_mac(optarg, o->dst_mac) < 0)
				bad_option("-m wants a MAC address like 00:1b:21:aa:bb:cc, not '%s'",
					   optarg);
			o->dst_mac_given = true;
			break;
		case 'g':
			if (zc_tool_number(optarg, 0, CPU_SETSIZE - 1, &v) < 0)
				bad_option("-g wants a core id, not '%s'", optarg);
			o->core = (int)v;
			break;
		case 'z': o->burst = true; break;
		case 'a': o->active = true; break;
		case 'u': o->normal_pages = true; break;
		case 'o': case 'D': case 'P': case 'Q': case 'S':
			bad_option("-%c (of ntop's zsend) is not supported by this zsend", c);
		default:
			fputs("(zsend -h says more)\n", stderr);
			exit(2);
		}
	}
	if (optind < argc)
		bad_option("unexpected argument '%s'", argv[optind]);
	if (!o->device)
		bad_option("which device? (-i <device>)");
	if (!o->cluster_given)
		bad_option("which cluster id? (-c <cluster id>)");
	if (rate_given && pps_given)
		bad_option("-r and -p both set a rate: give one");
	if (o->pcap_pace && !o->pcap)
		bad_option("-r -1 replays a pcap file at its pace: it needs -f <file>");
	if (o->pcap && o->flows > 1)
		bad_option("-b shapes generated frames: not with -f");
}

int main(int argc, char *argv[])
{
	struct options o;
	struct frame *frames = NULL;
	pfring_zc_pkt_buff *bufs[MAX_BURST];
	pfring_zc_cluster *zc;
	pfring_zc_queue *q;
	size_t nframes = 0, k;
	u_int buffer_len;
	bool generated;
	char line[64];
	int rc;

	parse_options(argc, argv, &o);
	generated = o.pcap == NULL;
	buffer_len = zc_tool_buffer_len(o.device);
	if (generated) {
		u_char src_mac[6];
		unsigned long mtu;

		if (zc_tool_sysfs(o.device, "address", line, sizeof(line)) < 0) {
			int err = errno == ENOENT ? ENODEV : errno;

			die("cannot open device %s: %s%s", o.device, strerror(err),
			    zc_tool_open_hint(err));
		}
		if (parse_mac(line, src_mac) < 0)
			die("cannot read the MAC address of %s ('%s')", o.device, line);
		mtu = zc_tool_sysfs(o.device, "mtu", line, sizeof(line)) < 0 ? 0 :
		      strtoul(line, NULL, 10);
		if (mtu && o.len > mtu + FRAME_ETH_HDR)
			die("-l %u is longer than %s takes: its MTU is %lu, so %lu bytes at most",
			    o.len, o.device, mtu, mtu + FRAME_ETH_HDR);
		nframes = o.flows;
		frames = calloc(nframes, sizeof(*frames));
		if (!frames)
			die("out of memory");
		for (k = 0; k < nframes; k++)
			build_frame(&o, src_mac, (u_int)k, &frames[k]);
	} else {
		char err[512];

		nframes = frame_load_pcap(o.pcap, buffer_len, &frames, err, sizeof(err));
		if (!nframes)
			die("%s", err);
		for (k = 0; k < nframes; k++)
			if (o.dst_mac_given && frames[k].len >= 6)
				memcpy(frames[k].data, o.dst_mac, 6);
	}

	if (o.core >= 0 && zc_tool_bind_core(o.core) < 0)
		die("cannot bind to core %d: %s", o.core, strerror(errno));
	zc = zc_tool_cluster("zsend", (unsigned int)o.cluster_id, buffer_len, 2 * MAX_BURST,
			     o.normal_pages);
	if (!zc)
		return 1;
	q = pfring_zc_open_device(zc, o.device, tx_only, 0);
	if (!q) {
		int err = errno;

		pfring_zc_destroy_cluster(zc);
		die("cannot open device %s: %s%s", o.device, strerror(err), zc_tool_open_hint(err));
	}
	for (k = 0; k < MAX_BURST; k++) {
		bufs[k] = pfring_zc_get_packet_handle(zc);
		if (!bufs[k])
			die("no buffer: %s", strerror(errno));
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	rc = run(q, bufs, &o, frames, nframes, generated);
	pfring_zc_close_device(q);
	for (k = 0; k < MAX_BURST; k++)
		pfring_zc_release_packet_handle(zc, bufs[k]);
	pfring_zc_destroy_cluster(zc);
	for (k = 0; k < nframes; k++)
		free(frames[k].data);
	free(frames);
	return rc;
}
