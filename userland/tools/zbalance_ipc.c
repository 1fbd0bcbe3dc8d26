// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * zbalance_ipc - read one or more devices through libpfring_zc and spread the packets
 * over zero-copy queues that other processes attach to by cluster id and queue id
 * (zcount_ipc, pfring.zc in Python, or any pfring_zc_ipc_attach_queue() consumer).
 *
 * Built twice: as zbalance_ipc, and with ZFANOUT_IPC defined as zfanout_ipc, which
 * always fans every packet out to every queue and takes only the options that fit.
 *
 * Queue ids: the consumers' queues are 0 .. N-1 in the order of -n (application 0's
 * instances first), each with a buffer pool of the same id for the consumer's own
 * buffers.  An ingress software queue (-i Q) gets the next id, with a pool of the same
 * id, for a producer process that attaches to it with tx_only.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pfring_zc.h"
#include "zc_tool.h"

#ifdef ZFANOUT_IPC
#define PROG "zfanout_ipc"
#define OPTIONS "hi:c:n:q:g:au:p"
#else
#define PROG "zbalance_ipc"
#define OPTIONS "hi:c:n:m:r:q:b:g:au:pv"
#endif

#define MAX_INPUTS	32
#define MAX_APPS	16
#define MAX_OUT		64	/* a fan-out mask's bits */
#define DEF_QUEUE_LEN	8192
#define DEF_POOL_LEN	16
#define BUFFER_LEN	1536

enum mode { M_RR, M_IP, M_FANOUT, M_FANOUT_RR, M_GTP, M_GRE, NUM_MODES };

struct app {
	uint32_t first;		/* its first queue id */
	uint32_t count;		/* its instances (queues) */
	uint64_t rr;		/* round-robin position (worker thread only) */
};

struct config {
	char *inputs[MAX_INPUTS];
	uint32_t num_inputs;
	uint32_t cluster_id;
	struct app apps[MAX_APPS];
	uint32_t num_apps;
	uint32_t num_out;
	enum mode mode;
	char *egress[MAX_OUT];	/* -r: a device in place of queue i */
	uint64_t queue_len, pool_len;
	int core;
	int active;
	int absolute;		/* -p: absolute counters, not rates */
	int verbose;
	const char *mountpoint;
};

static void usage(void)
{
	printf(PROG " - spread the packets of devices over zero-copy queues for other processes\n"
	       "usage: " PROG " -i <device>[,<device>...] -c <cluster id> -n <instances> [options]\n"
	       "-h               this help\n"
	       "-i <devices>     devices to read, comma-separated ('Q': an ingress software queue\n"
	       "                 a producer process attaches to)\n"
	       "-c <cluster id>  cluster id the consumers attach to\n");
#ifdef ZFANOUT_IPC
	printf("-n <instances>   number of consumer queues, each receiving every packet\n");
#else
	printf("-n <instances>   number of consumer queues; a comma-separated list for several\n"
	       "                 applications, e.g. 2,1 (queues 0-1 for the first, 2 for the\n"
	       "                 second): every application sees every packet\n"
	       "-m <hash mode>   how a packet picks its queue within an application:\n"
	       "                 0 - round robin (default)\n"
	       "                 1 - source/destination IP hash (both directions alike)\n"
	       "                 2 - fan-out: every queue gets every packet\n"
	       "                 3 - fan-out to every queue of the first application, round robin\n"
	       "                     within the others\n"
	       "                 4 - GTP hash (the inner IP header of GTP-U)\n"
	       "                 5 - GRE hash (the inner IP header)\n"
	       "-r <queue>:<dev> send what queue <queue> would get out of device <dev> instead\n"
	       "-b <size>        buffers in each consumer's pool (default %u)\n", DEF_POOL_LEN);
#endif
	printf("-q <size>        slots of each consumer queue (default %u)\n"
	       "-g <core>        pin the worker to a core\n"
	       "-a               active wait (busy polling)\n"
	       "-u <mountpoint>  hugetlbfs mount point for the cluster's memory\n"
	       "-p               print absolute counters each second rather than rates\n",
	       DEF_QUEUE_LEN);
#ifndef ZFANOUT_IPC
	printf("-v               verbose\n");
#endif
}

/* "4" or "2,1,3" into cfg->apps; -1 on a malformed list */
static int parse_instances(struct config *cfg, char *arg)
{
	char *save = NULL, *tok;
	uint64_t n;

	cfg->num_apps = 0;
	cfg->num_out = 0;
	for (tok = strtok_r(arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (cfg->num_apps == MAX_APPS) {
			fprintf(stderr, PROG ": -n: at most %u applications\n", MAX_APPS);
			return -1;
		}
		if (zc_tool_option(PROG, 'n', tok, 1, MAX_OUT, &n) < 0)
			return -1;
		cfg->apps[cfg->num_apps].first = cfg->num_out;
		cfg->apps[cfg->num_apps].count = (uint32_t)n;
		cfg->num_apps++;
		cfg->num_out += (uint32_t)n;
	}
	if (cfg->num_apps == 0 || cfg->num_out > MAX_OUT) {
		fprintf(stderr, PROG ": -n: 1 to %u queues in all\n", MAX_OUT);
		return -1;
	}
	return 0;
}

static int parse_inputs(struct config *cfg, char *arg)
{
	char *save = NULL, *tok;

	for (tok = strtok_r(arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (cfg->num_inputs == MAX_INPUTS) {
			fprintf(stderr, PROG ": -i: at most %u devices\n", MAX_INPUTS);
			return -1;
		}
		cfg->inputs[cfg->num_inputs++] = tok;
	}
	return 0;
}

#ifndef ZFANOUT_IPC
static int parse_egress(struct config *cfg, char *arg)
{
	char *colon = strchr(arg, ':');
	uint64_t q;

	if (!colon || !colon[1]) {
		fprintf(stderr, PROG ": -r: expected <queue>:<device>, got '%s'\n", arg);
		return -1;
	}
	*colon = '\0';
	if (zc_tool_option(PROG, 'r', arg, 0, MAX_OUT - 1, &q) < 0)
		return -1;
	cfg->egress[q] = colon + 1;
	return 0;
}
#endif

static int parse_args(struct config *cfg, int argc, char **argv)
{
	uint64_t v;
	int c;

	memset(cfg, 0, sizeof(*cfg));
	cfg->queue_len = DEF_QUEUE_LEN;
	cfg->pool_len = DEF_POOL_LEN;
	cfg->core = -1;
	cfg->cluster_id = UINT32_MAX;
#ifdef ZFANOUT_IPC
	cfg->mode = M_FANOUT;
#endif
	while ((c = getopt(argc, argv, OPTIONS)) != -1) {
		switch (c) {
		case 'h':
			usage();
			exit(0);
		case 'i':
			if (parse_inputs(cfg, optarg) < 0)
				return -1;
			break;
		case 'c':
			if (zc_tool_option(PROG, 'c', optarg, 0, UINT32_MAX - 1, &v) < 0)
				return -1;
			cfg->cluster_id = (uint32_t)v;
			break;
		case 'n':
			if (parse_instances(cfg, optarg) < 0)
				return -1;
			break;
#ifndef ZFANOUT_IPC
		case 'm':
			if (zc_tool_option(PROG, 'm', optarg, 0, NUM_MODES - 1, &v) < 0)
				return -1;
			cfg->mode = (enum mode)v;
			break;
		case 'r':
			if (parse_egress(cfg, optarg) < 0)
				return -1;
			break;
		case 'b':
			if (zc_tool_option(PROG, 'b', optarg, 1, 1u << 20, &cfg->pool_len) < 0)
				return -1;
			break;
		case 'v':
			cfg->verbose = 1;
			break;
#endif
		case 'q':
			if (zc_tool_option(PROG, 'q', optarg, 1, 1u << 22, &cfg->queue_len) < 0)
				return -1;
			break;
		case 'g':
			if (zc_tool_option(PROG, 'g', optarg, 0, CPU_SETSIZE - 1, &v) < 0)
				return -1;
			cfg->core = (int)v;
			break;
		case 'a':
			cfg->active = 1;
			break;
		case 'u':
			cfg->mountpoint = optarg;
			break;
		case 'p':
			cfg->absolute = 1;
			break;
		default:
			usage();
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (!cfg->num_inputs || cfg->cluster_id == UINT32_MAX || !cfg->num_apps) {
		fprintf(stderr, PROG ": -i, -c and -n are required (-h for help)\n");
		return -1;
	}
	for (v = cfg->num_out; v < MAX_OUT; v++)
		if (cfg->egress[v]) {
			fprintf(stderr, PROG ": -r: queue %" PRIu64 " does not exist (-n makes %u)\n",
				v, cfg->num_out);
			return -1;
		}
	return 0;
}

/* ---- distribution (the worker thread only) ------------------------------------------ */

static uint32_t packet_hash(const struct config *cfg, pfring_zc_pkt_buff *h, pfring_zc_queue *in)
{
	uint32_t flags;

	switch (cfg->mode) {
	case M_IP:
		return pfring_zc_builtin_ip_hash(h, in);
	case M_GTP:
		return pfring_zc_builtin_gtp_hash(h, in, &flags);
	case M_GRE:
		return pfring_zc_builtin_gre_hash(h, in);
	default:
		return 0;
	}
}

/* Where a packet goes within application a: a queue id. */
static uint32_t app_pick(struct config *cfg, struct app *a, uint32_t hash)
{
	if (cfg->mode == M_RR || cfg->mode == M_FANOUT_RR)
		return a->first + (uint32_t)(a->rr++ % a->count);
	return a->first + hash % a->count;
}

/* One application: the balancer's out queue index. */
static int64_t balance_one(pfring_zc_pkt_buff *h, pfring_zc_queue *in, void *user)
{
	struct config *cfg = user;

	return app_pick(cfg, &cfg->apps[0], packet_hash(cfg, h, in));
}

/* Several applications or a fan-out mode: a mask of out queues. */
static int64_t fan_mask(pfring_zc_pkt_buff *h, pfring_zc_queue *in, void *user)
{
	struct config *cfg = user;
	uint64_t mask = 0;
	uint32_t hash, i;

	if (cfg->mode == M_FANOUT)
		return cfg->num_out == 64 ? -1 : (int64_t)((1ull << cfg->num_out) - 1);
	hash = packet_hash(cfg, h, in);
	for (i = 0; i < cfg->num_apps; i++) {
		struct app *a = &cfg->apps[i];

		if (cfg->mode == M_FANOUT_RR && i == 0)
			mask |= (a->count == 64 ? ~0ull : ((1ull << a->count) - 1)) << a->first;
		else
			mask |= 1ull << app_pick(cfg, a, hash);
	}
	return (int64_t)mask;
}

/* ---- set-up and statistics ------------------------------------------------------------ */

struct zb {
	struct config cfg;
	pfring_zc_cluster *cluster;
	pfring_zc_queue *in[MAX_INPUTS];
	pfring_zc_queue *out[MAX_OUT];	/* what the worker sends to */
	pfring_zc_queue *ipc[MAX_OUT];	/* the consumers' queues */
	pfring_zc_multi_queue *multi;
	pfring_zc_buffer_pool *working_set;
	pfring_zc_worker *worker;
};

static uint32_t cluster_buffers(const struct config *cfg)
{
	uint64_t n = (uint64_t)cfg->num_out * (cfg->queue_len + cfg->pool_len) +
		     (uint64_t)cfg->num_inputs * (cfg->queue_len + cfg->pool_len) +
		     cfg->num_inputs + cfg->num_out + 1024;

	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

static int setup(struct zb *z)
{
	struct config *cfg = &z->cfg;
	pfring_zc_buffer_pool *pool;
	uint32_t i;

	z->cluster = pfring_zc_create_cluster(cfg->cluster_id, BUFFER_LEN, 0, cluster_buffers(cfg),
					      -1, cfg->mountpoint, 0);
	if (!z->cluster) {
		fprintf(stderr, PROG ": cannot create cluster %u: %s\n", cfg->cluster_id,
			strerror(errno));
		return -1;
	}
	/* the consumers' queue-pool pairs first: their ids are 0 .. N-1 */
	for (i = 0; i < cfg->num_out; i++) {
		if (pfring_zc_create_queue_pool_pair(z->cluster, (uint32_t)cfg->queue_len,
						     (uint32_t)cfg->pool_len, &z->ipc[i], &pool) < 0) {
			fprintf(stderr, PROG ": cannot create queue %u: %s\n", i, strerror(errno));
			return -1;
		}
		z->out[i] = z->ipc[i];
	}
	for (i = 0; i < cfg->num_out; i++) {
		if (!cfg->egress[i])
			continue;
		z->out[i] = pfring_zc_open_device(z->cluster, cfg->egress[i], tx_only, 0);
		if (!z->out[i]) {
			fprintf(stderr, PROG ": cannot open %s to send: %s\n", cfg->egress[i],
				strerror(errno));
			return -1;
		}
	}
	for (i = 0; i < cfg->num_inputs; i++) {
		if (!strcmp(cfg->inputs[i], "Q")) {
			if (pfring_zc_create_queue_pool_pair(z->cluster, (uint32_t)cfg->queue_len,
							     (uint32_t)cfg->pool_len, &z->in[i],
							     &pool) < 0) {
				fprintf(stderr, PROG ": cannot create an ingress queue: %s\n",
					strerror(errno));
				return -1;
			}
			printf(PROG ": ingress queue %u: attach a producer to cluster %u queue %u\n",
			       i, cfg->cluster_id, pfring_zc_get_queue_id(z->in[i]));
			continue;
		}
		z->in[i] = pfring_zc_open_device(z->cluster, cfg->inputs[i], rx_only, 0);
		if (!z->in[i]) {
			fprintf(stderr, PROG ": cannot open %s: %s\n", cfg->inputs[i], strerror(errno));
			return -1;
		}
	}
	z->working_set = pfring_zc_create_buffer_pool(z->cluster, cfg->num_inputs + cfg->num_out + 32);
	if (!z->working_set) {
		fprintf(stderr, PROG ": cannot create the working set: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static int start(struct zb *z)
{
	struct config *cfg = &z->cfg;

	if (cfg->num_apps == 1 && cfg->mode != M_FANOUT && cfg->mode != M_FANOUT_RR) {
		z->worker = pfring_zc_run_balancer(z->in, z->out, cfg->num_inputs, cfg->num_out,
						   z->working_set, round_robin_bursts_policy, NULL,
						   balance_one, cfg, cfg->active, cfg->core);
	} else {
		z->multi = pfring_zc_create_multi_queue(z->out, cfg->num_out);
		if (!z->multi) {
			fprintf(stderr, PROG ": cannot create the multi-queue: %s\n", strerror(errno));
			return -1;
		}
		z->worker = pfring_zc_run_fanout(z->in, z->multi, cfg->num_inputs, z->working_set,
						 round_robin_bursts_policy, NULL, fan_mask, cfg,
						 cfg->active, cfg->core);
	}
	if (!z->worker) {
		fprintf(stderr, PROG ": cannot start the worker: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

struct totals {
	uint64_t in_recv, in_drop;
	uint64_t out_sent[MAX_OUT], out_drop[MAX_OUT];
};

static void read_totals(struct zb *z, struct totals *t)
{
	pfring_zc_stat st;
	uint32_t i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < z->cfg.num_inputs; i++)
		if (pfring_zc_stats(z->in[i], &st) == 0) {
			t->in_recv += st.recv;
			t->in_drop += st.drop;
		}
	for (i = 0; i < z->cfg.num_out; i++)
		if (pfring_zc_stats(z->out[i], &st) == 0) {
			t->out_sent[i] = st.sent;
			t->out_drop[i] = st.drop;
		}
}

static void print_totals(const struct zb *z, const struct totals *t, const struct totals *prev,
			 double secs, int final)
{
	uint32_t i;

	if (final || z->cfg.absolute || !prev) {
		printf("%s: in %" PRIu64 " packets, %" PRIu64 " dropped by the devices; out",
		       final ? PROG " totals" : PROG, t->in_recv, t->in_drop);
		for (i = 0; i < z->cfg.num_out; i++)
			printf(" q%u %" PRIu64 " (%" PRIu64 " dropped)", i, t->out_sent[i],
			       t->out_drop[i]);
	} else {
		printf(PROG ": in %.0f pps, %" PRIu64 " dropped by the devices; out",
		       (double)(t->in_recv - prev->in_recv) / secs, t->in_drop - prev->in_drop);
		for (i = 0; i < z->cfg.num_out; i++)
			printf(" q%u %.0f pps (%" PRIu64 " dropped)", i,
			       (double)(t->out_sent[i] - prev->out_sent[i]) / secs,
			       t->out_drop[i] - prev->out_drop[i]);
	}
	printf("\n");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct zb z = { 0 };
	struct totals now, prev;
	double t0, t;
	int rc = 1;

	if (parse_args(&z.cfg, argc, argv) < 0)
		return 2;
	zc_tool_on_signals();
	if (setup(&z) < 0 || start(&z) < 0)
		goto out;
	printf(PROG ": cluster %u, %u consumer queues (ids 0-%u), %u inputs; running\n",
	       z.cfg.cluster_id, z.cfg.num_out, z.cfg.num_out - 1, z.cfg.num_inputs);
	fflush(stdout);
	read_totals(&z, &prev);
	t0 = zc_tool_now();
	while (!zc_tool_stop) {
		usleep(100 * 1000);
		t = zc_tool_now();
		if (t - t0 < 1.0)
			continue;
		read_totals(&z, &now);
		print_totals(&z, &now, &prev, t - t0, 0);
		prev = now;
		t0 = t;
	}
	pfring_zc_kill_worker(z.worker);
	z.worker = NULL;
	read_totals(&z, &now);
	print_totals(&z, &now, NULL, 0, 1);
	rc = 0;
out:
	if (z.worker)
		pfring_zc_kill_worker(z.worker);
	if (z.cluster)
		pfring_zc_destroy_cluster(z.cluster);
	return rc;
}
