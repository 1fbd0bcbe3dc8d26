// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pfr_consumer - the bench's PF_RING consumer: libpfring's zero-copy receive
 * (pfring_recv with buffer_len 0: a pointer into the ring) in a tight loop that counts
 * packets and bytes. Drops are the ring's own (pfring_get_stats_ext). See consumer.h for
 * the signals and the lines it prints.
 *
 *   pfr_consumer [-w WATERMARK] [-P] [-c CLUSTER_ID [-H TYPE]]
 *                [-R RULES | -K HASH_RULES -k FLOW | -f EXPRESSION] DEVICE
 *
 * -w sets the poll watermark: the kernel wakes a sleeping reader once that many packets
 * wait. -P asks the kernel not to parse headers (PF_RING_OPT_PARSE, PF_RING_PARSE_NONE):
 * what parsing costs the delivering CPU. -c joins the ring to cluster CLUSTER_ID before
 * it is enabled (pfring_set_cluster), so that it gets its share of the device's flows,
 * and -H says how the cluster shares them: a cluster_type number (default 4, per flow
 * 5-tuple).
 *
 * The filters of the bench's filtering scenario (issue 10), set before the ring is
 * enabled; each lets every frame of the bench's traffic (UDP from pktgen) through:
 *  -R RULES       that many wildcard rules (pfring_add_filtering_rule) that the traffic
 *                 does not match: TCP, each with its own destination port, action
 *                 DONT_FORWARD; the accept policy delivers what none matched, so each
 *                 packet walks every rule. -R 0 adds one such rule and removes it: a
 *                 ring whose rules are all gone.
 *  -K HASH_RULES  that many hash rules (pfring_handle_hash_filtering_rule) and the drop
 *  -k FLOW        policy: the traffic's flow FLOW ("SRC:SPORT,DST:DPORT", IPv4, UDP) as
 *                 a FORWARD rule, and HASH_RULES - 1 other UDP flows (10.0.0.0/9 to
 *                 10.128.0.1) as DONT_FORWARD rules. Each packet is looked up and found:
 *                 one that were not would be filtered.
 *  -f EXPRESSION  a BPF filter (pfring_set_bpf_filter, libpcap's syntax).
 * The totals carry the ring's "filtered" and "sampled_out" counters too
 * (pfring_get_stats_ext). With a filter, a line {"event": "filters", ...} (what
 * pfring_get_filtering_info says: rule counts, policy, BPF, hash rule hits and misses)
 * comes before "ready" and after the final totals.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <linux/pf_ring.h>

#include "pfring.h"

#include "consumer.h"

#define CAPLEN 1536
#define NO_CLUSTER (-1L)
/* The wildcard rules' destination ports start here (rule i: port FIRST_DPORT + i) */
#define FIRST_DPORT 1000
/* The other flows' addresses: 10.0.0.0 + i to 10.128.0.1, UDP ports 1000 to 2000 */
#define OTHER_FLOW_A 0x0a000000u
#define OTHER_FLOW_B 0x0a800001u
#define MAX_OTHER_FLOWS (1L << 23)

struct filters {
	long rules;		/* -R, or -1 */
	long hash_rules;	/* -K, or 0 */
	const char *flow;	/* -k */
	const char *bpf;	/* -f */
};

static int has_filters(const struct filters *f)
{
	return f->rules >= 0 || f->hash_rules > 0 || f->bpf;
}

/* The totals, with the ring's filtered and sampled_out (what a module that has no
 * pfring_get_stats_ext cannot give: then without them) */
static void report(pfring *ring, unsigned long long pkts, unsigned long long bytes,
		   int final)
{
	struct pf_ring_stats ext;
	pfring_stat st = { 0, 0, 0 };

	if (pfring_get_stats_ext(ring, &ext) == 0) {
		consumer_print_filtered(pkts, bytes, ext.drop, ext.filtered, ext.sampled_out,
					final);
		return;
	}
	pfring_stats(ring, &st);
	consumer_print(pkts, bytes, (unsigned long long)st.drop, final);
}

static void print_filter_info(pfring *ring)
{
	struct pf_ring_filter_info fi;

	if (pfring_get_filtering_info(ring, &fi) != 0) {
		fprintf(stderr, "pfring_get_filtering_info: %s\n", strerror(errno));
		return;
	}
	printf("{\"event\": \"filters\", \"rules\": %u, \"hash_rules\": %u, \"policy\": %u, "
	       "\"bpf\": %u, \"hash_match\": %llu, \"hash_miss\": %llu}\n", fi.num_rules,
	       fi.num_hash_rules, fi.policy, fi.bpf, (unsigned long long)fi.hash_match,
	       (unsigned long long)fi.hash_miss);
	fflush(stdout);
}

/* A TCP rule for destination port dport that drops what it matches */
static int add_tcp_rule(pfring *ring, u_int16_t id, u_int16_t dport)
{
	filtering_rule r;

	memset(&r, 0, sizeof(r));
	r.rule_id = id;
	r.rule_action = dont_forward_packet_and_stop_rule_evaluation;
	r.core_fields.proto = IPPROTO_TCP;
	r.core_fields.dport_low = dport;
	r.core_fields.dport_high = dport;
	if (pfring_add_filtering_rule(ring, &r) != 0) {
		fprintf(stderr, "pfring_add_filtering_rule(%u): %s\n", id, strerror(errno));
		return -1;
	}
	return 0;
}

/* n wildcard rules the traffic misses, the accept policy; n 0: one added and removed */
static int add_wildcard_rules(pfring *ring, long n)
{
	long i;

	if (pfring_toggle_filtering_policy(ring, 1) != 0) {
		fprintf(stderr, "pfring_toggle_filtering_policy(accept): %s\n", strerror(errno));
		return -1;
	}
	if (n == 0) {
		if (add_tcp_rule(ring, 0, FIRST_DPORT) != 0)
			return -1;
		if (pfring_remove_filtering_rule(ring, 0) != 0) {
			fprintf(stderr, "pfring_remove_filtering_rule(0): %s\n", strerror(errno));
			return -1;
		}
		return 0;
	}
	for (i = 0; i < n; i++)
		if (add_tcp_rule(ring, (u_int16_t)i, (u_int16_t)(FIRST_DPORT + i)) != 0)
			return -1;
	return 0;
}

/* "SRC:SPORT,DST:DPORT" (IPv4) into a UDP hash rule's key; -1 when it is not that */
static int parse_flow(const char *text, hash_filtering_rule *r)
{
	char a[16], b[16], tail;
	unsigned int pa, pb;
	struct in_addr ia, ib;

	if (sscanf(text, "%15[0-9.]:%u,%15[0-9.]:%u%c", a, &pa, b, &pb, &tail) != 4 ||
	    pa > 65535 || pb > 65535 || inet_pton(AF_INET, a, &ia) != 1 ||
	    inet_pton(AF_INET, b, &ib) != 1) {
		errno = EINVAL;
		return -1;
	}
	r->ip_version = 4;
	r->proto = IPPROTO_UDP;
	r->host_peer_a.v4 = ntohl(ia.s_addr);
	r->host_peer_b.v4 = ntohl(ib.s_addr);
	r->port_peer_a = (u_int16_t)pa;
	r->port_peer_b = (u_int16_t)pb;
	return 0;
}

/*
 * Adds one hash rule. The kernel's hash table grows behind the inserts; an insert that
 * finds it due to grow before it did may fail for want of memory it could not take at
 * once (ENOMEM, EBUSY): tried again after a pause, up to HASH_ADD_TRIES times, the
 * retries counted in *retries.
 */
#define HASH_ADD_TRIES 1000
static int add_hash_rule(pfring *ring, hash_filtering_rule *r, unsigned long *retries)
{
	const struct timespec pause = { .tv_nsec = 1000000 };
	int tries = 0;

	while (pfring_handle_hash_filtering_rule(ring, r, 1) != 0) {
		if ((errno != ENOMEM && errno != EBUSY) || ++tries >= HASH_ADD_TRIES) {
			fprintf(stderr, "pfring_handle_hash_filtering_rule(add): %s\n",
				strerror(errno));
			return -1;
		}
		(*retries)++;
		nanosleep(&pause, NULL);
	}
	return 0;
}

/* The drop policy, the flow as a FORWARD rule and n - 1 other flows dropped */
static int add_hash_rules(pfring *ring, long n, const char *flow)
{
	hash_filtering_rule r;
	unsigned long retries = 0;
	long i;

	memset(&r, 0, sizeof(r));
	if (parse_flow(flow, &r) != 0) {
		fprintf(stderr, "-k %s: not SRC:SPORT,DST:DPORT\n", flow);
		return -1;
	}
	r.rule_action = forward_packet_and_stop_rule_evaluation;
	if (pfring_toggle_filtering_policy(ring, 0) != 0) {
		fprintf(stderr, "pfring_toggle_filtering_policy(drop): %s\n", strerror(errno));
		return -1;
	}
	if (add_hash_rule(ring, &r, &retries) != 0)
		return -1;
	for (i = 0; i < n - 1; i++) {
		memset(&r, 0, sizeof(r));
		r.ip_version = 4;
		r.proto = IPPROTO_UDP;
		r.host_peer_a.v4 = OTHER_FLOW_A + (u_int32_t)i;
		r.host_peer_b.v4 = OTHER_FLOW_B;
		r.port_peer_a = (u_int16_t)(1000 + i % 1000);
		r.port_peer_b = 2000;
		r.rule_action = dont_forward_packet_and_stop_rule_evaluation;
		if (add_hash_rule(ring, &r, &retries) != 0)
			return -1;
	}
	if (retries)
		fprintf(stderr, "%ld hash rules added, %lu insert(s) tried again\n", n, retries);
	return 0;
}

static int set_filters(pfring *ring, const struct filters *f)
{
	if (f->rules >= 0 && add_wildcard_rules(ring, f->rules) != 0)
		return -1;
	if (f->hash_rules > 0 && add_hash_rules(ring, f->hash_rules, f->flow) != 0)
		return -1;
	if (f->bpf && pfring_set_bpf_filter(ring, f->bpf) != 0) {
		fprintf(stderr, "pfring_set_bpf_filter(%s): %s (%s)\n", f->bpf, strerror(errno),
			pfring_get_bpf_error(ring));
		return -1;
	}
	return 0;
}

/* The ring on dev as the options ask, enabled; NULL after saying why */
static pfring *open_ring(const char *dev, long watermark, int no_parse, long cluster_id,
			 long type, const struct filters *f)
{
	pfring *ring = pfring_open(dev, CAPLEN, PF_RING_PROMISC);

	if (!ring) {
		fprintf(stderr, "pfring_open(%s): %s\n", dev, strerror(errno));
		return NULL;
	}
	if (watermark && pfring_set_poll_watermark(ring, (u_int16_t)watermark) != 0) {
		fprintf(stderr, "pfring_set_poll_watermark(%ld): %s\n", watermark, strerror(errno));
		goto fail;
	}
	if (no_parse) {
		unsigned int level = PF_RING_PARSE_NONE;

		if (setsockopt(ring->fd, SOL_PF_RING, PF_RING_OPT_PARSE, &level, sizeof(level))) {
			fprintf(stderr, "PF_RING_OPT_PARSE: %s\n", strerror(errno));
			goto fail;
		}
	}
	if (cluster_id != NO_CLUSTER &&
	    pfring_set_cluster(ring, (u_int)cluster_id, (cluster_type)type) != 0) {
		fprintf(stderr, "pfring_set_cluster(%ld, type %ld): %s\n", cluster_id, type,
			strerror(errno));
		goto fail;
	}
	if (set_filters(ring, f) != 0)
		goto fail;
	if (pfring_enable_ring(ring) != 0) {
		fprintf(stderr, "pfring_enable_ring(%s): %s\n", dev, strerror(errno));
		goto fail;
	}
	return ring;
fail:
	pfring_close(ring);
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned long long pkts = 0, bytes = 0;
	struct filters f = { .rules = -1 };
	struct pfring_pkthdr hdr;
	u_char *frame;
	pfring *ring;
	long watermark = 0, cluster_id = NO_CLUSTER, type = cluster_per_flow_5_tuple;
	int rc, opt, no_parse = 0, type_given = 0, filters;

	while ((opt = getopt(argc, argv, "w:Pc:H:R:K:k:f:")) != -1) {
		switch (opt) {
		case 'P':
			no_parse = 1;
			break;
		case 'w':
			watermark = strtol(optarg, NULL, 10);
			if (watermark < 1 || watermark > 65535)
				goto usage;
			break;
		case 'c':
			cluster_id = strtol(optarg, NULL, 10);
			if (cluster_id < 0 || cluster_id > 65535)
				goto usage;
			break;
		case 'H':
			type = strtol(optarg, NULL, 10);
			if (type < 0 || type > MAX_CLUSTER_TYPE_ID)
				goto usage;
			type_given = 1;
			break;
		case 'R':
			f.rules = strtol(optarg, NULL, 10);
			if (f.rules < 0 || f.rules > 65535 - FIRST_DPORT)
				goto usage;
			break;
		case 'K':
			f.hash_rules = strtol(optarg, NULL, 10);
			if (f.hash_rules < 1 || f.hash_rules > MAX_OTHER_FLOWS)
				goto usage;
			break;
		case 'k':
			f.flow = optarg;
			break;
		case 'f':
			f.bpf = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1 || (type_given && cluster_id == NO_CLUSTER) ||
	    (f.hash_rules > 0) != (f.flow != NULL))
		goto usage;
	consumer_install_signals();
	filters = has_filters(&f);
	ring = open_ring(argv[optind], watermark, no_parse, cluster_id, type, &f);
	if (!ring)
		return 1;
	if (filters)
		print_filter_info(ring);
	consumer_ready();
	while (!consumer_stop_wanted) {
		if (consumer_report_wanted) {
			consumer_report_wanted = 0;
			report(ring, pkts, bytes, 0);
		}
		rc = pfring_recv(ring, &frame, 0, &hdr, 0);
		if (rc > 0) {
			pkts++;
			bytes += hdr.len;
			continue;
		}
		if (rc < 0 && errno != EINTR) {
			fprintf(stderr, "pfring_recv: %s\n", strerror(errno));
			break;
		}
		pfring_poll(ring, CONSUMER_POLL_MS);
	}
	report(ring, pkts, bytes, 1);
	if (filters)
		print_filter_info(ring);
	pfring_close(ring);
	return 0;

usage:
	fprintf(stderr, "usage: pfr_consumer [-w WATERMARK (1-65535)] [-P] %s %s DEVICE\n",
		"[-c CLUSTER_ID (0-65535) [-H TYPE (0-13, default 4)]]",
		"[-R RULES | -K HASH_RULES -k SRC:SPORT,DST:DPORT | -f BPF_EXPRESSION]");
	return 2;
}
