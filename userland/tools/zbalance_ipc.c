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
 * id, for a producer process that attaches to it with tx_only.  Each -i is a balancer
 * (a worker) of its own with the -n queues: with two, the first's are 0 .. N-1 and the
 * second's N .. 2N-1.
 *
 * As a service:
 *   -d       the process forks; the parent returns (status 0) once the child has its
 *            cluster, queues and devices, so that a consumer started next can attach,
 *            or with the child's status when the set-up failed.
 *   -P       the pid of the process that runs the cluster, removed at exit.
 *   -l       everything the tool prints goes to that file (appended).
 *   -D       after the set-up, the process runs as that user, and so may the consumers:
 *            the cluster's file is open to the user's group (pfring_zc_cluster_set_group()).
 *            It lives in a directory only root may change, so a helper process forked
 *            before the drop stays root and does nothing but wait for the end of the tool:
 *            it then removes the cluster's name (the hugepages go back) and the pid file.
 *   -W       the worker starts that many seconds after the set-up (the queues exist).
 *
 * Options may come from a file instead of the command line (conf_file.h for its format):
 * the file given as the only argument, or with no argument at all (zbalance_ipc only)
 * /etc/cluster/cluster.conf, as today's PF_RING packages' cluster@<id> services run it.
 *
 * Filters run in the worker before a packet's queue is chosen (-x VLAN ids, -f a BPF
 * expression read from a file, reloaded on SIGUSR1), or after it for the queues of a
 * -f <file>@<queues>; what they refuse (once per queue a packet is kept from) is counted
 * as "filtered" and shown at the end of the counter lines when a filter or -m 7 is set.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf_file.h"
#include "pfring.h"
#include "pfring_zc.h"
#include "zc_tool.h"

/* the service options and the filters are in both builds */
#define COMMON_OPTIONS	"dP:l:D:W:x:f:S:R:Q:Xw"
#ifdef ZFANOUT_IPC
#define PROG "zfanout_ipc"
#define OPTIONS "hi:c:n:q:g:au:p" COMMON_OPTIONS
#else
#define PROG "zbalance_ipc"
#define OPTIONS "hi:c:n:m:r:q:b:g:au:pvM:Y:G:" COMMON_OPTIONS
#endif

#ifndef ZFANOUT_IPC
#define DEFAULT_CONF_FILE "/etc/cluster/cluster.conf"
#endif

#define MAX_INPUTS	32
#define MAX_BAL	16	/* -i repeated: a balancer each */
#define MAX_APPS	16
#define MAX_OUT		64	/* a fan-out mask's bits */
#define DEF_QUEUE_LEN	8192
#define DEF_POOL_LEN	16
#define BUFFER_LEN	1536
#define ETH_VLAN_ENCAP	0x8585	/* -m 7's default Ethernet type */

enum mode { M_RR, M_IP, M_FANOUT, M_FANOUT_RR, M_GTP, M_GRE, M_INPUT, M_VLAN_ENCAP, NUM_MODES };

struct app {
	uint32_t first;		/* its first queue id */
	uint32_t count;		/* its instances (queues) */
	uint64_t rr;		/* round-robin position (worker thread only) */
};

/* A BPF program as the worker sees it; replaced ones are kept until the worker is gone */
struct bpf {
	struct pfring_bpf_program prog;
	struct bpf *retired;
};

#define MAX_BPF		16

/* One -f: its file and current program, for the input or for the queues of its @list */
struct bpf_slot {
	char *path;		/* absolute */
	uint64_t queues;	/* -f file@list: a mask of out queues; 0 for the input */
	struct bpf *prog;	/* see struct config */
};

struct config {
	char *inputs[MAX_INPUTS];
	uint32_t num_inputs;
	uint32_t bal_end[MAX_BAL];	/* the k-th -i: inputs bal_end[k - 1] .. bal_end[k] - 1 */
	uint32_t num_bal;
	uint32_t cluster_id;
	struct app apps[MAX_APPS];
	uint32_t num_apps;
	uint32_t num_out;		/* queues per balancer (-n) */
	uint32_t total_out;		/* num_out for each balancer */
	enum mode mode;
	char *egress[MAX_OUT];	/* -r: a device in place of queue i */
	uint64_t queue_len, pool_len;
	int cores[MAX_BAL];		/* -g a:b: the k-th balancer's core, -1 for any */
	uint32_t num_cores;
	int active;
	int absolute;		/* -p: absolute counters, not rates */
	int verbose;
	const char *mountpoint;
	/* service */
	int daemon;
	char *pid_file, *log_file;	/* absolute paths (-d changes to /) */
	const char *user;
	uid_t uid;
	gid_t gid;
	uint64_t wait_secs;
	int capture_tx;
	/* filters and -m 6/7 */
	int vlan_filter;
	uint64_t vlans[4096 / 64];	/* -x: allowed VLAN ids */
	uint16_t map_vlan[MAX_OUT];	/* -M: the i-th to queue i + 1 */
	uint32_t num_map_vlan;
	uint16_t encap_type;		/* -Y */
	int gtpc_queue;			/* -G: the queue of GTP-C ... (-1: none) */
	uint32_t gtpc_version;		/* ... of this version (1 or 2) */
	pfring_zc_queue **in;		/* the inputs, for -m 6 */
	struct bpf_slot bpf[MAX_BPF];	/* -f */
	uint32_t num_bpf;
	int in_bpf;			/* the input's slot + 1; 0: none */
	uint8_t out_bpf[MAX_OUT];	/* queue i's slot + 1; 0: none */
	/*
	 * Shared between the workers (readers) and the main thread: each slot's current
	 * BPF program, published by the main thread with a release store and read by the
	 * workers with an acquire load (its instructions are complete before a worker can
	 * see it; a replaced one is never freed while the workers run).
	 */
};

/* One balancer (one -i): its worker's inputs and queues, and what only that worker writes */
struct balancer {
	struct config *cfg;
	uint32_t first_in, num_in;	/* its inputs: cfg->inputs[first_in ...] */
	uint32_t first_out;		/* its queue k is queue first_out + k of the cluster */
	struct app apps[MAX_APPS];	/* cfg's, with this worker's round-robin positions */
	uint64_t filtered;		/* written by its worker, read relaxed by the main thread */
	pfring_zc_multi_queue *multi;
	pfring_zc_buffer_pool *working_set;
	pfring_zc_worker *worker;
};

static volatile sig_atomic_t reload_bpf;

static void on_sigusr1(int sig)
{
	(void)sig;
	reload_bpf = 1;
}

static void usage(void)
{
	printf(PROG " - spread the packets of devices over zero-copy queues for other processes\n"
	       "usage: " PROG " -i <device>[,<device>...] -c <cluster id> -n <instances> [options]\n"
	       "       " PROG " <configuration file>   the options from a file, one per line\n"
	       "                 ('-i=eth1' or '-i eth1'; '#' starts a comment line)\n"
#ifdef DEFAULT_CONF_FILE
	       "       " PROG "   with no argument: the options from " DEFAULT_CONF_FILE "\n"
#endif
	       "-h               this help\n"
	       "-i <devices>     devices to read, comma-separated ('Q': an ingress software queue\n"
	       "                 a producer process attaches to); -i repeated: a balancer for\n"
	       "                 each, with -n queues of its own (the first -i's first)\n"
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
	       "                 6 - input i to queue i (as many -i inputs as queues)\n"
	       "                 7 - a VLAN id carried in Ethernet type 0x8585 (see -Y): the\n"
	       "                     k-th VLAN of -M to queue k (k from 1), the type rewritten\n"
	       "                     to 802.1Q; other VLANs filtered; other Ethernet types to\n"
	       "                     queue 0\n"
	       "-M <vlans>       -m 7's VLAN ids, comma-separated (or -M repeated)\n"
	       "-Y <eth type>    -m 7's Ethernet type (default 0x8585)\n"
	       "-G <queue>:<ver> with -m 4: GTP-C packets of version <ver> (1 or 2) to that queue,\n"
	       "                 which gets nothing else (its application's other queues share\n"
	       "                 the rest; the other applications get them as usual)\n"
	       "-r <queue>:<dev> send what queue <queue> would get out of device <dev> instead\n"
	       "-b <size>        buffers in each consumer's pool (default %u)\n", DEF_POOL_LEN);
#endif
	printf("-q <size>        slots of each consumer queue (default %u)\n"
	       "-g <core>        pin the worker to a core; with several -i, one per balancer,\n"
	       "                 colon-separated (-g 1:2); the buffers are taken on the NUMA\n"
	       "                 node of the first one\n"
	       "-a               active wait (busy polling)\n"
	       "-u <mountpoint>  hugetlbfs mount point for the cluster's memory (its pages: 2 MB,\n"
	       "                 or 1 GB on a pagesize=1G mount)\n"
	       "-p               print absolute counters each second rather than rates\n"
	       "-x <vlans>       forward only packets tagged (802.1Q) with one of these VLAN ids,\n"
	       "                 comma-separated; the others are counted as filtered\n"
	       "-f <bpf file>    forward only packets matching the BPF expression in that file;\n"
	       "                 SIGUSR1 reads the file again.  <bpf file>@<queues> (e.g.\n"
	       "                 f1@0,2): the filter of those consumer queues only (the packet\n"
	       "                 is kept from a queue whose filter refuses it); -f repeated\n"
	       "-X               capture the devices' transmitted packets too\n"
	       "-d               run in the background once the cluster and queues are ready\n"
	       "-P <pid file>    write the pid to that file, removed at exit\n"
	       "-l <log file>    messages and statistics to that file (appended)\n"
	       "-D <user>        run as that user once the cluster and devices are set up\n"
	       "-W <seconds>     wait that long before processing packets\n"
	       "-w               hardware aggregation: accepted and ignored (the worker\n"
	       "                 aggregates the devices of an -i)\n"
	       "-S <core>, -R <nsec>  time pulse: accepted and ignored (the devices take the\n"
	       "                 kernel's timestamp of each packet)\n"
	       "-Q <sockets>     VM support: not available\n",
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

/* -i: a comma-separated list of inputs, one balancer's; each -i makes a balancer */
static int parse_inputs(struct config *cfg, char *arg)
{
	char *save = NULL, *tok;
	uint32_t first = cfg->num_inputs;

	if (cfg->num_bal == MAX_BAL) {
		fprintf(stderr, PROG ": -i: at most %u balancers (-i given once each)\n", MAX_BAL);
		return -1;
	}
	for (tok = strtok_r(arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (cfg->num_inputs == MAX_INPUTS) {
			fprintf(stderr, PROG ": -i: at most %u devices\n", MAX_INPUTS);
			return -1;
		}
		cfg->inputs[cfg->num_inputs++] = tok;
	}
	if (cfg->num_inputs == first) {
		fprintf(stderr, PROG ": -i: no device in '%s'\n", arg);
		return -1;
	}
	cfg->bal_end[cfg->num_bal++] = cfg->num_inputs;
	return 0;
}

/* -g: a core, or one per balancer (-i) separated by ':' */
static int parse_cores(struct config *cfg, char *arg)
{
	char *save = NULL, *tok;
	uint64_t v;

	cfg->num_cores = 0;
	for (tok = strtok_r(arg, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
		if (cfg->num_cores == MAX_BAL) {
			fprintf(stderr, PROG ": -g: at most %u cores\n", MAX_BAL);
			return -1;
		}
		if (zc_tool_option(PROG, 'g', tok, 0, CPU_SETSIZE - 1, &v) < 0)
			return -1;
		cfg->cores[cfg->num_cores++] = (int)v;
	}
	if (!cfg->num_cores) {
		fprintf(stderr, PROG ": -g: no core in '%s'\n", arg);
		return -1;
	}
	return 0;
}

/* -x: VLAN ids 0-4095, comma-separated */
static int parse_vlan_filter(struct config *cfg, char *arg)
{
	char *save = NULL, *tok;
	uint64_t v;

	for (tok = strtok_r(arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (zc_tool_option(PROG, 'x', tok, 0, 4095, &v) < 0)
			return -1;
		cfg->vlans[v / 64] |= 1ull << (v % 64);
		cfg->vlan_filter = 1;
	}
	if (!cfg->vlan_filter) {
		fprintf(stderr, PROG ": -x: no VLAN id in '%s'\n", arg);
		return -1;
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

/* -G: <queue>:<version>, the queue checked once -n is known */
static int parse_gtpc(struct config *cfg, char *arg)
{
	char *colon = strchr(arg, ':');
	uint64_t q, v;

	if (!colon || !colon[1]) {
		fprintf(stderr, PROG ": -G: expected <queue>:<version>, got '%s'\n", arg);
		return -1;
	}
	*colon = '\0';
	if (zc_tool_option(PROG, 'G', arg, 0, MAX_OUT - 1, &q) < 0 ||
	    zc_tool_option(PROG, 'G', colon + 1, 1, 2, &v) < 0)
		return -1;
	cfg->gtpc_queue = (int)q;
	cfg->gtpc_version = (uint32_t)v;
	return 0;
}

/* -M: VLAN ids, comma-separated, appended to those of earlier -M */
static int parse_map_vlan(struct config *cfg, char *arg)
{
	char *save = NULL, *tok;
	uint64_t v;

	for (tok = strtok_r(arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (zc_tool_option(PROG, 'M', tok, 0, 4095, &v) < 0)
			return -1;
		if (cfg->num_map_vlan == MAX_OUT - 1) {
			fprintf(stderr, PROG ": -M: at most %u VLANs\n", MAX_OUT - 1);
			return -1;
		}
		cfg->map_vlan[cfg->num_map_vlan++] = (uint16_t)v;
	}
	return 0;
}

/* -Y: an Ethernet type, decimal or 0x hex */
static int parse_eth_type(struct config *cfg, const char *arg)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 0);
	if (!*arg || *arg == '-' || errno || *end || v < 0x600 || v > 0xffff) {
		fprintf(stderr, PROG ": -Y: '%s' is not an Ethernet type (0x600-0xffff)\n", arg);
		return -1;
	}
	cfg->encap_type = (uint16_t)v;
	return 0;
}
#endif

/* path made absolute (the daemon changes its directory to /); NULL when out of memory */
static char *absolute_path(const char *path)
{
	char cwd[4096], *out;

	if (path[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		return strdup(path);
	if (asprintf(&out, "%s/%s", cwd, path) < 0)
		return NULL;
	return out;
}

/* -f <file> or -f <file>@<queue list>: a slot; the queue ids are checked after -n */
static int parse_bpf_option(struct config *cfg, char *arg)
{
	char *at = strrchr(arg, '@'), *save = NULL, *tok;
	struct bpf_slot *slot;
	uint64_t q;

	if (cfg->num_bpf == MAX_BPF) {
		fprintf(stderr, PROG ": -f: at most %u filters\n", MAX_BPF);
		return -1;
	}
	slot = &cfg->bpf[cfg->num_bpf];
	if (at) {
		*at = '\0';
		for (tok = strtok_r(at + 1, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			if (zc_tool_option(PROG, 'f', tok, 0, MAX_OUT - 1, &q) < 0)
				return -1;
			slot->queues |= 1ull << q;
		}
		if (!slot->queues) {
			fprintf(stderr, PROG ": -f: no queue after '@'\n");
			return -1;
		}
	} else if (cfg->in_bpf) {
		fprintf(stderr, PROG ": -f: one filter for the input (others: <file>@<queues>)\n");
		return -1;
	}
	slot->path = absolute_path(arg);
	if (!slot->path) {
		fprintf(stderr, PROG ": -f: %s\n", strerror(errno));
		return -1;
	}
	cfg->num_bpf++;
	if (!at)
		cfg->in_bpf = (int)cfg->num_bpf;
	return 0;
}

/* Several -i (a balancer each, with -n queues each): what goes with that */
static int check_balancers(struct config *cfg)
{
	uint32_t q;

	cfg->total_out = cfg->num_bal * cfg->num_out;
	if (cfg->total_out > MAX_OUT) {
		fprintf(stderr, PROG ": %u balancers (-i) of %u queues (-n): more than %u queues\n",
			cfg->num_bal, cfg->num_out, MAX_OUT);
		return -1;
	}
	if (cfg->num_cores > cfg->num_bal) {
		fprintf(stderr, PROG ": -g: %u cores for %u balancers (one per -i)\n",
			cfg->num_cores, cfg->num_bal);
		return -1;
	}
	if (cfg->num_bal == 1)
		return 0;
	for (q = 0; q < MAX_OUT; q++)
		if (cfg->egress[q]) {
			fprintf(stderr, PROG ": -r goes with one balancer (one -i) only\n");
			return -1;
		}
#ifndef ZFANOUT_IPC
	if (cfg->mode == M_INPUT) {
		fprintf(stderr, PROG ": -m 6 goes with one balancer (one -i) only\n");
		return -1;
	}
#endif
	return 0;
}

/* The @queue lists against the queues: each queue in one list at most */
static int check_bpf_queues(struct config *cfg)
{
	uint32_t i, q;

	for (i = 0; i < cfg->num_bpf; i++)
		for (q = 0; q < MAX_OUT; q++) {
			if (!(cfg->bpf[i].queues & (1ull << q)))
				continue;
			if (q >= cfg->total_out) {
				fprintf(stderr, PROG ": -f: queue %u does not exist "
					"(-n and -i make %u)\n", q, cfg->total_out);
				return -1;
			}
			if (cfg->out_bpf[q]) {
				fprintf(stderr, PROG ": -f: queue %u has two filters\n", q);
				return -1;
			}
			cfg->out_bpf[q] = (uint8_t)(i + 1);
		}
	return 0;
}

static int parse_user(struct config *cfg, const char *name)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(name);
	if (!pw) {
		fprintf(stderr, PROG ": -D: no such user '%s'%s%s\n", name, errno ? ": " : "",
			errno ? strerror(errno) : "");
		return -1;
	}
	cfg->user = name;
	cfg->uid = pw->pw_uid;
	cfg->gid = pw->pw_gid;
	return 0;
}

/*
 * Where the options are: a configuration file given as the only argument, or (no
 * argument) the default one if it exists, else the command line.  The vector to parse,
 * or NULL after a message.
 */
static char **options_source(int *argc, char **argv)
{
	const char *path = NULL;

	if (*argc == 2 && argv[1][0] != '-')
		path = argv[1];
#ifdef DEFAULT_CONF_FILE
	else if (*argc == 1 && access(DEFAULT_CONF_FILE, F_OK) == 0)
		path = DEFAULT_CONF_FILE;
#endif
	if (!path)
		return argv;
	/* kept for the whole run: cfg points into it */
	return conf_file_args(PROG, path, argv[0], argc);
}

#ifndef ZFANOUT_IPC
/* -G once the queues are known: -m 4, an existing queue, another one for the rest */
static int check_gtpc(struct config *cfg)
{
	if (cfg->mode != M_GTP) {
		fprintf(stderr, PROG ": -G goes with -m 4 (GTP hash)\n");
		return -1;
	}
	if ((uint32_t)cfg->gtpc_queue >= cfg->num_out) {
		fprintf(stderr, PROG ": -G: queue %d does not exist (-n makes %u)\n",
			cfg->gtpc_queue, cfg->num_out);
		return -1;
	}
	if (cfg->num_apps == 1 && cfg->num_out == 1) {
		fprintf(stderr, PROG ": -G: queue %d is the only queue: no queue is left for the "
			"other packets\n", cfg->gtpc_queue);
		return -1;
	}
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
	for (v = 0; v < MAX_BAL; v++)
		cfg->cores[v] = -1;
	cfg->cluster_id = UINT32_MAX;
	cfg->encap_type = ETH_VLAN_ENCAP;
	cfg->gtpc_queue = -1;
#ifdef ZFANOUT_IPC
	cfg->mode = M_FANOUT;
#else
	int mode_set = 0, map_set = 0, type_set = 0;
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
			mode_set = 1;
			break;
		case 'M':
			if (parse_map_vlan(cfg, optarg) < 0)
				return -1;
			map_set = 1;
			break;
		case 'Y':
			if (parse_eth_type(cfg, optarg) < 0)
				return -1;
			type_set = 1;
			break;
		case 'r':
			if (parse_egress(cfg, optarg) < 0)
				return -1;
			break;
		case 'G':
			if (parse_gtpc(cfg, optarg) < 0)
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
			if (parse_cores(cfg, optarg) < 0)
				return -1;
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
		case 'd':
			cfg->daemon = 1;
			break;
		case 'P':
		case 'l': {
			char *path = absolute_path(optarg);

			if (!path) {
				fprintf(stderr, PROG ": -%c: %s\n", c, strerror(errno));
				return -1;
			}
			*(c == 'P' ? &cfg->pid_file : &cfg->log_file) = path;
			break;
		}
		case 'f':
			if (parse_bpf_option(cfg, optarg) < 0)
				return -1;
			break;
		case 'D':
			if (parse_user(cfg, optarg) < 0)
				return -1;
			break;
		case 'W':
			if (zc_tool_option(PROG, 'W', optarg, 0, 86400, &cfg->wait_secs) < 0)
				return -1;
			break;
		case 'x':
			if (parse_vlan_filter(cfg, optarg) < 0)
				return -1;
			break;
		case 'S':
		case 'R':
			if (zc_tool_option(PROG, (char)c, optarg, 0, UINT32_MAX, &v) < 0)
				return -1;
			printf(PROG ": -%c (time pulse) is not needed and ignored: the "
			       "devices take the kernel's timestamp of each packet\n", c);
			break;
		case 'w':
			printf(PROG ": -w (hardware aggregation) is not needed and ignored: the "
			       "worker aggregates the devices of an -i\n");
			break;
		case 'Q':
			fprintf(stderr, PROG ": -Q: VM support (QEMU guests) is not available in "
				"this implementation\n");
			return -1;
		case 'X':
			cfg->capture_tx = 1;
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
		fprintf(stderr, PROG ": -i, -c and -n are required, on the command line or in a "
			"configuration file (-h for help)\n");
		return -1;
	}
	if (check_balancers(cfg) < 0)
		return -1;
	if (check_bpf_queues(cfg) < 0)
		return -1;
	for (v = cfg->num_out; v < MAX_OUT; v++)
		if (cfg->egress[v]) {
			fprintf(stderr, PROG ": -r: queue %" PRIu64 " does not exist (-n makes %u)\n",
				v, cfg->num_out);
			return -1;
		}
#ifndef ZFANOUT_IPC
	(void)mode_set;
	if ((cfg->mode == M_INPUT || cfg->mode == M_VLAN_ENCAP) && cfg->num_apps > 1) {
		fprintf(stderr, PROG ": -m %d: one application only (-n <instances>)\n", cfg->mode);
		return -1;
	}
	if (cfg->mode == M_INPUT && cfg->num_inputs != cfg->num_out) {
		fprintf(stderr, PROG ": -m 6: as many inputs (-i) as queues (-n) are needed: %u "
			"inputs, %u queues\n", cfg->num_inputs, cfg->num_out);
		return -1;
	}
	if (cfg->gtpc_queue >= 0 && check_gtpc(cfg) < 0)
		return -1;
	if ((map_set || type_set) && cfg->mode != M_VLAN_ENCAP) {
		fprintf(stderr, PROG ": -M and -Y go with -m 7\n");
		return -1;
	}
	if (cfg->mode == M_VLAN_ENCAP &&
	    (!cfg->num_map_vlan || cfg->num_map_vlan >= cfg->num_out)) {
		fprintf(stderr, PROG ": -m 7: -M needs 1 to %u VLANs with -n %u (queue 0 takes the "
			"other Ethernet types)\n", cfg->num_out - 1, cfg->num_out);
		return -1;
	}
#endif
	return 0;
}

/* ---- filters (the worker thread, and the main thread's -f reload) -------------------- */

/* The BPF expression in path, compiled; NULL with a message */
static struct bpf *load_bpf(const char *path)
{
	char expr[4096];
	struct bpf *b;
	size_t n;
	FILE *f = fopen(path, "re");

	if (!f) {
		fprintf(stderr, PROG ": -f: cannot read %s: %s\n", path, strerror(errno));
		return NULL;
	}
	n = fread(expr, 1, sizeof(expr) - 1, f);
	fclose(f);
	expr[n] = '\0';
	for (char *p = expr; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	if (pfring_parse_bpf_filter(expr, 65535, &b->prog) < 0) {
		fprintf(stderr, PROG ": -f: %s: not a valid BPF expression: '%s'\n", path, expr);
		free(b);
		return NULL;
	}
	return b;
}

/* Does the packet pass -x? Any of its 802.1Q (or 802.1ad) tags in the list */
static int vlan_pass(const struct config *cfg, const u_char *d, uint32_t len)
{
	uint32_t off = 12;

	while (off + 4 <= len) {
		uint16_t type = (uint16_t)(d[off] << 8 | d[off + 1]), vid;

		if (type != 0x8100 && type != 0x88a8)
			break;
		vid = (uint16_t)((d[off + 2] << 8 | d[off + 3]) & 0xfff);
		if (cfg->vlans[vid / 64] & (1ull << (vid % 64)))
			return 1;
		off += 4;
	}
	return 0;
}

static void count_filtered(struct balancer *g)
{
	__atomic_store_n(&g->filtered, g->filtered + 1, __ATOMIC_RELAXED);
}

/* The worker's filter: 1 to forward, 0 (counted) to drop */
static int64_t filter_packet(pfring_zc_pkt_buff *h, pfring_zc_queue *in, void *user)
{
	struct balancer *g = user;
	struct config *cfg = g->cfg;
	u_char *d = pfring_zc_pkt_buff_data(h, in);
	struct bpf *b;

	if (cfg->vlan_filter && !vlan_pass(cfg, d, h->len)) {
		count_filtered(g);
		return 0;
	}
	if (cfg->in_bpf) {
		b = __atomic_load_n(&cfg->bpf[cfg->in_bpf - 1].prog, __ATOMIC_ACQUIRE);
		if (!pfring_bpf_filter(b->prog.bf_insns, d, h->len, h->len)) {
			count_filtered(g);
			return 0;
		}
	}
	return 1;
}

/*
 * Does the filter (-f file@list) of the balancer's queue k let the packet in? Counted when
 * it does not.
 */
static int out_pass(struct balancer *g, uint32_t k, pfring_zc_pkt_buff *h, pfring_zc_queue *in)
{
	struct config *cfg = g->cfg;
	uint32_t q = g->first_out + k;
	struct bpf *b;

	if (!cfg->out_bpf[q])
		return 1;
	b = __atomic_load_n(&cfg->bpf[cfg->out_bpf[q] - 1].prog, __ATOMIC_ACQUIRE);
	if (pfring_bpf_filter(b->prog.bf_insns, pfring_zc_pkt_buff_data(h, in), h->len, h->len))
		return 1;
	count_filtered(g);
	return 0;
}

/* ---- distribution (the worker thread only) ------------------------------------------ */

/* The packet's hash for -m; *gtpc: 1 if it is GTP-C of -G's version */
static uint32_t packet_hash(const struct config *cfg, pfring_zc_pkt_buff *h, pfring_zc_queue *in,
			    int *gtpc)
{
	uint32_t flags, hash;

	*gtpc = 0;
	switch (cfg->mode) {
	case M_IP:
		return pfring_zc_builtin_ip_hash(h, in);
	case M_GTP:
		hash = pfring_zc_builtin_gtp_hash(h, in, &flags);
		*gtpc = cfg->gtpc_queue >= 0 && (flags & PF_RING_ZC_BUILTIN_GTP_HASH_FLAGS_GTPC) &&
			(flags & (cfg->gtpc_version == 1 ? PF_RING_ZC_BUILTIN_GTP_HASH_FLAGS_V1 :
							    PF_RING_ZC_BUILTIN_GTP_HASH_FLAGS_V2));
		return hash;
	case M_GRE:
		return pfring_zc_builtin_gre_hash(h, in);
	default:
		return 0;
	}
}

/*
 * Where a packet goes within application a: a queue id, or -1 for none.  The application
 * that has -G's queue sends the GTP-C of its version there and the rest to its other
 * queues (none if it has no other).
 */
static int64_t app_pick(struct config *cfg, struct app *a, uint32_t hash, int gtpc)
{
	uint32_t g = (uint32_t)cfg->gtpc_queue, q;

	if (cfg->gtpc_queue < 0 || g - a->first >= a->count) {
		if (cfg->mode == M_RR || cfg->mode == M_FANOUT_RR)
			return a->first + (uint32_t)(a->rr++ % a->count);
		return a->first + hash % a->count;
	}
	if (gtpc)
		return g;
	if (a->count == 1)
		return -1;
	q = a->first + hash % (a->count - 1);
	return q >= g ? q + 1 : q;
}

#ifndef ZFANOUT_IPC
/* -m 7: the queue of the VLAN id carried in Ethernet type -Y; -1 (filtered) for others */
static int64_t vlan_encap_pick(struct balancer *g, pfring_zc_pkt_buff *h, pfring_zc_queue *in)
{
	struct config *cfg = g->cfg;
	u_char *d = pfring_zc_pkt_buff_data(h, in);
	uint16_t vid;
	uint32_t i;

	if (h->len < 18 || (uint16_t)(d[12] << 8 | d[13]) != cfg->encap_type)
		return 0;
	vid = (uint16_t)((d[14] << 8 | d[15]) & 0xfff);
	for (i = 0; i < cfg->num_map_vlan; i++)
		if (cfg->map_vlan[i] == vid) {
			d[12] = 0x81;	/* an 802.1Q tag again for the consumer */
			d[13] = 0x00;
			return i + 1;
		}
	count_filtered(g);
	return -1;
}
#endif

/* One application: the balancer's out queue index (-1: dropped). */
static int64_t balance_pick(pfring_zc_pkt_buff *h, pfring_zc_queue *in, void *user)
{
	struct balancer *g = user;
	struct config *cfg = g->cfg;
	uint32_t hash;
	int gtpc;

#ifndef ZFANOUT_IPC
	if (cfg->mode == M_INPUT) {
		uint32_t i;

		for (i = 0; i < cfg->num_inputs; i++)
			if (cfg->in[i] == in)
				return i;
		return 0;
	}
	if (cfg->mode == M_VLAN_ENCAP)
		return vlan_encap_pick(g, h, in);
#endif
	hash = packet_hash(cfg, h, in, &gtpc);
	return app_pick(cfg, &g->apps[0], hash, gtpc);
}

static int64_t balance_one(pfring_zc_pkt_buff *h, pfring_zc_queue *in, void *user)
{
	struct balancer *g = user;
	int64_t q = balance_pick(h, in, user);

	if (q >= 0 && !out_pass(g, (uint32_t)q % g->cfg->num_out, h, in))
		return -1;
	return q;
}

/* Several applications or a fan-out mode: a mask of out queues. */
static int64_t fan_pick(pfring_zc_pkt_buff *h, pfring_zc_queue *in, void *user)
{
	struct balancer *g = user;
	struct config *cfg = g->cfg;
	uint64_t mask = 0;
	uint32_t hash, i;
	int64_t q;
	int gtpc;

	if (cfg->mode == M_FANOUT)
		return cfg->num_out == 64 ? -1 : (int64_t)((1ull << cfg->num_out) - 1);
	hash = packet_hash(cfg, h, in, &gtpc);
	for (i = 0; i < cfg->num_apps; i++) {
		struct app *a = &g->apps[i];

		if (cfg->mode == M_FANOUT_RR && i == 0)
			mask |= (a->count == 64 ? ~0ull : ((1ull << a->count) - 1)) << a->first;
		else if ((q = app_pick(cfg, a, hash, gtpc)) >= 0)
			mask |= 1ull << q;
	}
	return (int64_t)mask;
}

/* fan_pick's mask less the queues whose filter refuses the packet */
static int64_t fan_mask(pfring_zc_pkt_buff *h, pfring_zc_queue *in, void *user)
{
	struct balancer *g = user;
	uint64_t mask = (uint64_t)fan_pick(h, in, user);
	uint32_t q;

	for (q = 0; q < g->cfg->num_out; q++)
		if ((mask & (1ull << q)) && !out_pass(g, q, h, in))
			mask &= ~(1ull << q);
	return (int64_t)mask;
}

/* ---- set-up and statistics ------------------------------------------------------------ */

struct zb {
	struct config cfg;
	pfring_zc_cluster *cluster;
	pfring_zc_queue *in[MAX_INPUTS];
	pfring_zc_queue *out[MAX_OUT];	/* what the worker sends to */
	pfring_zc_queue *ipc[MAX_OUT];	/* the consumers' queues */
	struct balancer bal[MAX_BAL];	/* a balancer (worker) per -i */
	int ready_fd;			/* -d: tells the waiting parent; -1 */
	int caller_err;			/* the caller's stderr (-l redirects ours); -1 */
	int pid_written;
	int reaper;			/* -D's root helper runs: it removes the pid file */
};

static uint32_t cluster_buffers(const struct config *cfg)
{
	uint64_t n = (uint64_t)cfg->total_out * (cfg->queue_len + cfg->pool_len) +
		     (uint64_t)cfg->num_inputs * (cfg->queue_len + cfg->pool_len) +
		     cfg->num_inputs + cfg->total_out + 32 * cfg->num_bal + 1024;

	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

/* Remove the pid file if it still holds pid */
static void remove_pid_file(const char *path, pid_t pid)
{
	char buf[32];
	FILE *f = fopen(path, "re");

	if (!f)
		return;
	if (fgets(buf, sizeof(buf), f) && strtol(buf, NULL, 10) == (long)pid)
		unlink(path);
	fclose(f);
}

/* Standard input to /dev/null, and standard output and error too when output is set */
static void stdio_to_null(int output)
{
	int fd = open("/dev/null", O_RDWR);

	if (fd < 0)
		return;
	dup2(fd, 0);
	if (output) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	if (fd > 2)
		close(fd);
}

/*
 * -D: a process that stays root, forked right after the cluster's creation (it shares
 * the mapping and nothing else: no queue, no device, no thread): it waits for the end of
 * the tool (the pipe's other end closes when the tool's process is gone, however it
 * ends), then removes the cluster's name, which the tool, no longer root, may not, and
 * the pid file.
 */
static int fork_reaper(struct zb *z)
{
	int p[2];
	pid_t tool = getpid(), pid;
	char c;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid > 0) {
		close(p[0]);	/* p[1] stays open in the tool until its end */
		z->reaper = 1;
		return 0;
	}
	close(p[1]);
	if (z->ready_fd >= 0)
		close(z->ready_fd);
	if (z->caller_err >= 0)
		close(z->caller_err);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	stdio_to_null(1);
	while (read(p[0], &c, 1) < 0 && errno == EINTR)
		;
	pfring_zc_destroy_cluster(z->cluster);
	if (z->cfg.pid_file)
		remove_pid_file(z->cfg.pid_file, tool);
	_exit(0);
}

static int setup(struct zb *z)
{
	struct config *cfg = &z->cfg;
	pfring_zc_buffer_pool *pool;
	int node = -1;
	uint32_t i;

	/* the buffers on the NUMA node of the first worker's core (-g), as today's tool */
	if (cfg->num_cores && cfg->cores[0] >= 0)
		node = pfring_zc_numa_get_cpu_node(cfg->cores[0]);
	z->cluster = pfring_zc_create_cluster(cfg->cluster_id, BUFFER_LEN, 0, cluster_buffers(cfg),
					      node < 0 ? -1 : node, cfg->mountpoint, 0);
	if (!z->cluster) {
		fprintf(stderr, PROG ": cannot create cluster %u%s: %s\n", cfg->cluster_id,
			node >= 0 && errno == ENOMEM ? " (on the NUMA node of -g's core)" : "",
			strerror(errno));
		return -1;
	}
	if (cfg->user && fork_reaper(z) < 0) {
		fprintf(stderr, PROG ": -D: cannot fork: %s\n", strerror(errno));
		return -1;
	}
	/*
	 * the consumers' queue-pool pairs first: their ids are 0 .. N-1, the first balancer's
	 * (-i) first
	 */
	for (i = 0; i < cfg->total_out; i++) {
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
		z->in[i] = pfring_zc_open_device(z->cluster, cfg->inputs[i], rx_only,
						 cfg->capture_tx ? PF_RING_ZC_DEVICE_CAPTURE_TX : 0);
		if (!z->in[i]) {
			fprintf(stderr, PROG ": cannot open %s: %s%s\n", cfg->inputs[i],
				strerror(errno), zc_tool_open_hint(errno));
			return -1;
		}
	}
	cfg->in = z->in;
	for (i = 0; i < cfg->num_bal; i++) {
		struct balancer *g = &z->bal[i];

		g->cfg = cfg;
		g->first_in = i ? cfg->bal_end[i - 1] : 0;
		g->num_in = cfg->bal_end[i] - g->first_in;
		g->first_out = i * cfg->num_out;
		memcpy(g->apps, cfg->apps, sizeof(g->apps));
		g->working_set = pfring_zc_create_buffer_pool(z->cluster,
							      g->num_in + cfg->num_out + 32);
		if (!g->working_set) {
			fprintf(stderr, PROG ": cannot create the working set: %s\n",
				strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* The worker of balancer g, on its core (-g) if it has one */
static int start_balancer(struct zb *z, struct balancer *g, int core)
{
	struct config *cfg = &z->cfg;
	pfring_zc_filtering_func filter = cfg->vlan_filter || cfg->in_bpf ? filter_packet : NULL;
	pfring_zc_queue **in = z->in + g->first_in, **out = z->out + g->first_out;

	if (cfg->num_apps == 1 && cfg->mode != M_FANOUT && cfg->mode != M_FANOUT_RR) {
		g->worker = pfring_zc_run_balancer_v2(in, out, g->num_in, cfg->num_out,
						      g->working_set, round_robin_bursts_policy,
						      NULL, filter, g, balance_one, g, cfg->active,
						      core);
	} else {
		g->multi = pfring_zc_create_multi_queue(out, cfg->num_out);
		if (!g->multi) {
			fprintf(stderr, PROG ": cannot create the multi-queue: %s\n", strerror(errno));
			return -1;
		}
		g->worker = pfring_zc_run_fanout_v2(in, g->multi, g->num_in, g->working_set,
						    round_robin_bursts_policy, NULL, filter, g,
						    fan_mask, g, cfg->active, core);
	}
	if (!g->worker) {
		fprintf(stderr, PROG ": cannot start the worker: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static int start(struct zb *z)
{
	for (uint32_t i = 0; i < z->cfg.num_bal; i++)
		if (start_balancer(z, &z->bal[i], z->cfg.cores[i]) < 0)
			return -1;
	return 0;
}

static void stop_workers(struct zb *z)
{
	for (uint32_t i = 0; i < z->cfg.num_bal; i++)
		if (z->bal[i].worker) {
			pfring_zc_kill_worker(z->bal[i].worker);
			z->bal[i].worker = NULL;
		}
}

struct totals {
	uint64_t in_recv, in_drop, filtered;
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
	for (i = 0; i < z->cfg.total_out; i++)
		if (pfring_zc_stats(z->out[i], &st) == 0) {
			t->out_sent[i] = st.sent;
			t->out_drop[i] = st.drop;
		}
	for (i = 0; i < z->cfg.num_bal; i++)
		t->filtered += __atomic_load_n(&z->bal[i].filtered, __ATOMIC_RELAXED);
}

/* The filtered count ends the line ("; filtered N") when something may filter */
static int shows_filtered(const struct config *cfg)
{
	return cfg->vlan_filter || cfg->num_bpf || cfg->mode == M_VLAN_ENCAP;
}

static void print_totals(const struct zb *z, const struct totals *t, const struct totals *prev,
			 double secs, int final)
{
	uint32_t i;

	if (final || z->cfg.absolute || !prev) {
		printf("%s: in %" PRIu64 " packets, %" PRIu64 " dropped by the devices; out",
		       final ? PROG " totals" : PROG, t->in_recv, t->in_drop);
		for (i = 0; i < z->cfg.total_out; i++)
			printf(" q%u %" PRIu64 " (%" PRIu64 " dropped)", i, t->out_sent[i],
			       t->out_drop[i]);
		if (shows_filtered(&z->cfg))
			printf("; filtered %" PRIu64, t->filtered);
	} else {
		printf(PROG ": in %.0f pps, %" PRIu64 " dropped by the devices; out",
		       (double)(t->in_recv - prev->in_recv) / secs, t->in_drop - prev->in_drop);
		for (i = 0; i < z->cfg.total_out; i++)
			printf(" q%u %.0f pps (%" PRIu64 " dropped)", i,
			       (double)(t->out_sent[i] - prev->out_sent[i]) / secs,
			       t->out_drop[i] - prev->out_drop[i]);
		if (shows_filtered(&z->cfg))
			printf("; filtered %.0f pps",
			       (double)(t->filtered - prev->filtered) / secs);
	}
	printf("\n");
	fflush(stdout);
}

/* ---- service ------------------------------------------------------------------------ */

/*
 * -d: the parent waits for one byte from the child (ready) and exits 0, or, when the
 * pipe closes without it, exits with the child's status.  The child goes on in its own
 * session; returns the pipe's write end in the child.
 */
static int daemonize(const struct config *cfg, int caller_err)
{
	int p[2], status;
	pid_t pid;
	char c;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
		fprintf(stderr, PROG ": -d: %s\n", strerror(errno));
		exit(1);
	}
	if (pid > 0) {
		close(p[1]);
		while ((n = read(p[0], &c, 1)) < 0 && errno == EINTR)
			;
		if (n == 1)
			exit(0);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		status = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
		if (cfg->log_file && caller_err >= 0)
			dprintf(caller_err, PROG ": could not start (status %d): see %s\n", status,
				cfg->log_file);
		exit(status ? status : 1);
	}
	close(p[0]);
	setsid();
	/* nothing depends on the directory: the paths are absolute */
	if (chdir("/") < 0)
		fprintf(stderr, PROG ": -d: cannot change to /: %s\n", strerror(errno));
	return p[1];
}


static int write_pid_file(const char *path)
{
	FILE *f = fopen(path, "we");

	if (!f || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f) != 0) {
		fprintf(stderr, PROG ": -P: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int drop_privileges(const struct config *cfg)
{
	if (initgroups(cfg->user, cfg->gid) < 0 || setgid(cfg->gid) < 0 || setuid(cfg->uid) < 0) {
		fprintf(stderr, PROG ": -D: cannot run as %s: %s\n", cfg->user, strerror(errno));
		return -1;
	}
	printf(PROG ": running as %s (uid %u)\n", cfg->user, (unsigned)cfg->uid);
	return 0;
}

/* -f files again on SIGUSR1: each new program in place of the old one, or the old kept */
static void reload_filters(struct config *cfg)
{
	uint32_t i;

	for (i = 0; i < cfg->num_bpf; i++) {
		struct bpf_slot *slot = &cfg->bpf[i];
		struct bpf *b = load_bpf(slot->path);

		if (!b) {
			fprintf(stderr, PROG ": -f: keeping the previous filter of %s\n",
				slot->path);
			continue;
		}
		b->retired = slot->prog;	/* freed after the worker: it may be running it */
		__atomic_store_n(&slot->prog, b, __ATOMIC_RELEASE);
		printf(PROG ": -f: %s loaded again\n", slot->path);
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct zb z = { 0 };
	struct totals now, prev;
	struct sigaction sa;
	double t0, t;
	int rc = 1;

	z.ready_fd = -1;
	z.caller_err = -1;
	argv = options_source(&argc, argv);
	if (!argv || parse_args(&z.cfg, argc, argv) < 0)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (z.cfg.log_file) {
		int fd = open(z.cfg.log_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

		if (fd < 0) {
			fprintf(stderr, PROG ": -l: cannot open %s: %s\n", z.cfg.log_file,
				strerror(errno));
			return 2;
		}
		fflush(stdout);
		z.caller_err = fcntl(2, F_DUPFD_CLOEXEC, 3);
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	for (uint32_t i = 0; i < z.cfg.num_bpf; i++) {
		z.cfg.bpf[i].prog = load_bpf(z.cfg.bpf[i].path);
		if (!z.cfg.bpf[i].prog)
			return 2;
	}
	if (z.cfg.daemon)
		z.ready_fd = daemonize(&z.cfg, z.caller_err);
	if (z.caller_err >= 0) {
		close(z.caller_err);
		z.caller_err = -1;
	}
	zc_tool_on_signals();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigusr1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	if (z.cfg.pid_file) {
		if (write_pid_file(z.cfg.pid_file) < 0)
			goto out;
		z.pid_written = 1;
	}
	if (setup(&z) < 0)
		goto out;
	if (z.cfg.user && pfring_zc_cluster_set_group(z.cluster, z.cfg.gid) < 0) {
		fprintf(stderr, PROG ": -D: cannot open cluster %u to %s's group: %s\n",
			z.cfg.cluster_id, z.cfg.user, strerror(errno));
		goto out;
	}
	if (z.cfg.user && drop_privileges(&z.cfg) < 0)
		goto out;
	printf(PROG ": ready: the queues of cluster %u may be attached\n", z.cfg.cluster_id);
	if (z.ready_fd >= 0) {
		stdio_to_null(!z.cfg.log_file);	/* the caller is gone; -l keeps our output */
		if (write(z.ready_fd, "R", 1) != 1)
			goto out;
		close(z.ready_fd);
		z.ready_fd = -1;
	}
	if (z.cfg.wait_secs) {
		printf(PROG ": waiting %" PRIu64 " s before processing packets\n", z.cfg.wait_secs);
		t0 = zc_tool_now();
		while (!zc_tool_stop && zc_tool_now() - t0 < (double)z.cfg.wait_secs)
			usleep(10 * 1000);
	}
	if (start(&z) < 0)
		goto out;
	printf(PROG ": cluster %u, %u consumer queues (ids 0-%u), %u inputs; running\n",
	       z.cfg.cluster_id, z.cfg.total_out, z.cfg.total_out - 1, z.cfg.num_inputs);
	for (uint32_t i = 0; z.cfg.num_bal > 1 && i < z.cfg.num_bal; i++) {
		struct balancer *g = &z.bal[i];

		printf(PROG ": balancer %u: inputs %u-%u, queues %u-%u\n", i, g->first_in,
		       g->first_in + g->num_in - 1, g->first_out, g->first_out + z.cfg.num_out - 1);
	}
	read_totals(&z, &prev);
	t0 = zc_tool_now();
	while (!zc_tool_stop) {
		usleep(100 * 1000);
		if (reload_bpf) {
			reload_bpf = 0;
			reload_filters(&z.cfg);
		}
		t = zc_tool_now();
		if (t - t0 < 1.0)
			continue;
		read_totals(&z, &now);
		print_totals(&z, &now, &prev, t - t0, 0);
		prev = now;
		t0 = t;
	}
	stop_workers(&z);
	read_totals(&z, &now);
	print_totals(&z, &now, NULL, 0, 1);
	rc = 0;
out:
	stop_workers(&z);
	if (z.cluster)
		pfring_zc_destroy_cluster(z.cluster);
	for (uint32_t i = 0; i < z.cfg.num_bpf; i++)
		while (z.cfg.bpf[i].prog) {
			struct bpf *b = z.cfg.bpf[i].prog;

			z.cfg.bpf[i].prog = b->retired;
			pfring_free_bpf_filter(&b->prog);
			free(b);
		}
	if (z.pid_written && !z.reaper)	/* else the root helper removes it */
		remove_pid_file(z.cfg.pid_file, getpid());
	fflush(stdout);
	return rc;
}
