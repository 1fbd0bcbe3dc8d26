// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * zcount - count the packets and bytes of a device through the ZC API (libpfring_zc):
 * statistics every second on stderr, and when it ends (SIGINT/SIGTERM, or -N packets)
 * a last line of exact totals on stdout:
 *
 *   Total: <packets> packets, <bytes> bytes, <drops> drops
 *
 * The options are today's PF_RING zcount's where it has them.  What is read from is a
 * "source" (struct source): a one-copy device today; an IPC queue of another process's
 * cluster is the other kind to come (source_open() is where -i tells them apart).
 */
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <unistd.h>

#include "pfring.h"
#include "pfring_zc.h"
#include "zc_tool.h"

#define BUFFERS		64	/* the cluster: the handle we read into, and room to spare */

static volatile sig_atomic_t stop;
static pfring_zc_queue *stop_queue;	/* breakloop'ed by the signal handler */
/* written by the reading thread only, read by the statistics thread */
static _Atomic unsigned long long num_pkts, num_bytes;

static void usage(FILE *out)
{
	fprintf(out,
		"zcount - count the packets of a device through PF_RING ZC\n"
		"Using PF_RING ZC v.%s\n\n"
		"Usage: zcount -i <device> -c <cluster id>\n"
		"              [-h] [-g <core id>] [-a] [-v <level>] [-T] [-t] [-X] [-N <count>] [-u]\n\n"
		"-h              Print this help\n"
		"-i <device>     Device name: ethX, ethX@Q (one queue), ethX,ethY, any\n"
		"                (a one-copy device through pf_ring.ko, any driver)\n"
		"-c <cluster id> Cluster id\n"
		"-g <core id>    Bind this app to a core\n"
		"-a              Active packet wait (spin instead of sleeping)\n"
		"-v <level>      Verbose: 1 print each packet's headers, 2 also its bytes in hex\n"
		"-T              Capture also TX\n"
		"-t              Touch payload (read every byte of each packet)\n"
		"-X              Enable hardware timestamps (when supported: never on one-copy\n"
		"                devices, which have the kernel's software timestamps)\n"
		"-N <count>      Stop after <count> packets (not in ntop's zcount)\n"
		"-u              Normal pages instead of hugepages for the cluster, for\n"
		"                development (not in ntop's zcount)\n\n"
		"Statistics every second on stderr; at the end, on stdout:\n"
		"  Total: <packets> packets, <bytes> bytes, <drops> drops\n"
		"Exit status: 0, 1 when the device or cluster could not be opened or reading\n"
		"failed, 2 for a wrong option.\n",
		pfring_zc_version());
}

static void bad_option(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void bad_option(const char *fmt, ...)
{
	va_list ap;

	fputs("zcount: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n(zcount -h says more)\n", stderr);
	exit(2);
}

static void on_signal(int sig)
{
	(void)sig;
	if (stop) {		/* a second signal: the default action */
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
	}
	stop = 1;
	if (stop_queue)
		pfring_zc_queue_breakloop(stop_queue);	/* an atomic store and a write() */
}

/* ---- what packets are read from -------------------------------------------------------- */

struct source {
	const char *name;	/* -i */
	u_int32_t flags;	/* PF_RING_ZC_DEVICE_* */
	pfring_zc_queue *q;
};

/* 0, or -1 with the reason printed (errno set) */
static int source_open(struct source *s, pfring_zc_cluster *zc)
{
	s->q = pfring_zc_open_device(zc, s->name, rx_only, s->flags);
	if (!s->q) {
		int err = errno;

		fprintf(stderr, "zcount: cannot open device %s: %s%s\n", s->name, strerror(err),
			zc_tool_open_hint(err));
		errno = err;
		return -1;
	}
	return 0;
}

static void source_close(struct source *s)
{
	pfring_zc_close_device(s->q);
	s->q = NULL;
}

/* ---- statistics ---------------------------------------------------------------------------- */

struct stats_ctx {
	pfring_zc_queue *q;
	unsigned long long start_ns;
};

static void print_stats(struct stats_ctx *ctx, unsigned long long *last_ns,
			unsigned long long *last_pkts, unsigned long long *last_bytes)
{
	unsigned long long now = zc_tool_now_ns();
	unsigned long long pkts = atomic_load_explicit(&num_pkts, memory_order_relaxed);
	unsigned long long bytes = atomic_load_explicit(&num_bytes, memory_order_relaxed);
	double span = (double)(now - *last_ns) / 1e9;
	pfring_zc_stat st = { 0, 0, 0 };
	char b1[64], b2[64], b3[64], b4[64];

	pfring_zc_stats(ctx->q, &st);
	fprintf(stderr, "=========================\n"
		"Absolute Stats: %s pkts (%s drops) - %s bytes\n",
		pfring_format_numbers((double)pkts, b1, sizeof(b1), 0),
		pfring_format_numbers((double)st.drop, b2, sizeof(b2), 0),
		pfring_format_numbers((double)bytes, b3, sizeof(b3), 0));
	if (span > 0) {
		double pps = (double)(pkts - *last_pkts) / span;
		/* on the wire: each frame's bytes, FCS, preamble and gap (24 bytes) */
		double gbps = ((double)(bytes - *last_bytes) + 24.0 * (double)(pkts - *last_pkts)) *
			      8.0 / span / 1e9;

		fprintf(stderr, "Actual Stats: %s pps - %s Gbps [%.1f ms]\n",
			pfring_format_numbers(pps, b1, sizeof(b1), 1),
			pfring_format_numbers(gbps, b4, sizeof(b4), 2), span * 1000.0);
	}
	fprintf(stderr, "=========================\n\n");
	*last_ns = now;
	*last_pkts = pkts;
	*last_bytes = bytes;
}

static void *stats_thread(void *arg)
{
	struct stats_ctx *ctx = arg;
	unsigned long long last_ns = ctx->start_ns, last_pkts = 0, last_bytes = 0;

	while (!stop) {
		sleep(1);
		if (!stop)
			print_stats(ctx, &last_ns, &last_pkts, &last_bytes);
	}
	return NULL;
}

/* ---- packets ---------------------------------------------------------------------------------- */

static void print_packet(pfring_zc_pkt_buff *h, pfring_zc_queue *q, int verbose)
{
	u_char *data = pfring_zc_pkt_buff_data(h, q);
	char line[1024];
	u_int i;

	if (h->ts.tv_sec)
		printf("[%u.%09u] ", h->ts.tv_sec, h->ts.tv_nsec);
	if (h->hash)
		printf("[hash=%08X] ", h->hash);
	pfring_print_pkt(line, sizeof(line), data, h->len, h->len);
	fputs(line, stdout);
	if (verbose >= 2)
		for (i = 0; i < h->len; i++)
			printf("%02X%s", data[i], (i % 16 == 15 || i + 1 == h->len) ? "\n" : " ");
}

/* Read every byte of the packet, as an application that looks at its payload would */
static u_int8_t touch(pfring_zc_pkt_buff *h, pfring_zc_queue *q)
{
	const volatile u_char *data = pfring_zc_pkt_buff_data(h, q);
	u_int8_t sum = 0;
	u_int i;

	for (i = 0; i < h->len; i++)
		sum = (u_int8_t)(sum + data[i]);
	return sum;
}

int main(int argc, char *argv[])
{
	struct source src = { .name = NULL, .flags = 0, .q = NULL };
	unsigned long long v, max_pkts = 0, cluster_id = 0;
	int c, core = -1, active = 0, verbose = 0, do_touch = 0, normal_pages = 0;
	int cluster_given = 0, rc, exit_code = 0;
	pfring_zc_cluster *zc;
	pfring_zc_pkt_buff *buffer;
	struct stats_ctx ctx;
	pfring_zc_stat st = { 0, 0, 0 };
	pthread_t stats_tid;
	u_int8_t touched = 0;

	while ((c = getopt(argc, argv, "ac:d:f:g:hi:v:CDHMN:RS:s:TtuX")) != -1) {
		switch (c) {
		case 'h': usage(stdout); return 0;
		case 'i': src.name = optarg; break;
		case 'c':
			if (zc_tool_number(optarg, 0, 0xFFFFFFFFull, &cluster_id) < 0)
				bad_option("-c wants a cluster id (a number), not '%s'", optarg);
			cluster_given = 1;
			break;
		case 'g':
			if (zc_tool_number(optarg, 0, CPU_SETSIZE - 1, &v) < 0)
				bad_option("-g wants a core id, not '%s'", optarg);
			core = (int)v;
			break;
		case 'a': active = 1; break;
		case 'v':
			if (zc_tool_number(optarg, 1, 2, &v) < 0)
				bad_option("-v wants a level, 1 or 2, not '%s'", optarg);
			verbose = (int)v;
			break;
		case 'T': src.flags |= PF_RING_ZC_DEVICE_CAPTURE_TX; break;
		case 't': do_touch = 1; break;
		case 'X': src.flags |= PF_RING_ZC_DEVICE_HW_TIMESTAMP; break;
		case 'N':
			if (zc_tool_number(optarg, 1, ~0ull, &max_pkts) < 0)
				bad_option("-N wants a packet count (1 or more), not '%s'", optarg);
			break;
		case 'u': normal_pages = 1; break;
		case 'f': case 'R': case 'H': case 's': case 'd': case 'S': case 'D': case 'C':
		case 'M': {
			char opt[3] = { '-', (char)c, '\0' };

			bad_option("%s (of ntop's zcount) is not supported by this zcount", opt);
			break;
		}
		default:
			fputs("(zcount -h says more)\n", stderr);
			return 2;
		}
	}
	if (optind < argc)
		bad_option("unexpected argument '%s'", argv[optind]);
	if (!src.name)
		bad_option("which device? (-i <device>)");
	if (!cluster_given)
		bad_option("which cluster id? (-c <cluster id>)");

	if (core >= 0 && zc_tool_bind_core(core) < 0) {
		fprintf(stderr, "zcount: cannot bind to core %d: %s\n", core, strerror(errno));
		return 1;
	}
	zc = zc_tool_cluster("zcount", (unsigned int)cluster_id, zc_tool_buffer_len(src.name),
			     BUFFERS, normal_pages);
	if (!zc)
		return 1;
	if (source_open(&src, zc) < 0) {
		pfring_zc_destroy_cluster(zc);
		return 1;
	}
	buffer = pfring_zc_get_packet_handle(zc);
	if (!buffer) {
		fprintf(stderr, "zcount: no buffer: %s\n", strerror(errno));
		pfring_zc_destroy_cluster(zc);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	stop_queue = src.q;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	/* the device takes packets from here on (tests wait for this line) */
	fprintf(stderr, "Counting on %s (cluster %llu)\n", src.name, cluster_id);

	ctx.q = src.q;
	ctx.start_ns = zc_tool_now_ns();
	pthread_create(&stats_tid, NULL, stats_thread, &ctx);
	while (!stop) {
		rc = pfring_zc_recv_pkt(src.q, &buffer, !active);
		if (rc < 0) {
			fprintf(stderr, "zcount: receiving from %s failed: %s\n", src.name,
				strerror(errno));
			exit_code = 1;
			break;
		}
		if (rc == 0)
			continue;	/* nothing yet (-a), or a breakloop: look at stop */
		atomic_store_explicit(&num_pkts, atomic_load_explicit(&num_pkts, memory_order_relaxed) + 1,
				      memory_order_relaxed);
		atomic_store_explicit(&num_bytes, atomic_load_explicit(&num_bytes, memory_order_relaxed) +
				      buffer->len, memory_order_relaxed);
		if (do_touch)
			touched = (u_int8_t)(touched + touch(buffer, src.q));
		if (verbose)
			print_packet(buffer, src.q, verbose);
		if (max_pkts && atomic_load_explicit(&num_pkts, memory_order_relaxed) >= max_pkts)
			break;
	}
	stop = 1;
	pthread_join(stats_tid, NULL);
	pfring_zc_stats(src.q, &st);
	if (do_touch)
		fprintf(stderr, "Touched every byte (sum %u)\n", touched);
	printf("Total: %llu packets, %llu bytes, %llu drops\n",
	       atomic_load(&num_pkts), atomic_load(&num_bytes), (unsigned long long)st.drop);
	signal(SIGINT, SIG_IGN);	/* no breakloop on a device being closed */
	signal(SIGTERM, SIG_IGN);
	stop_queue = NULL;
	source_close(&src);
	pfring_zc_release_packet_handle(zc, buffer);
	pfring_zc_destroy_cluster(zc);
	return exit_code;
}
