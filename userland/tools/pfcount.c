// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pfcount - count the packets of a device (or queue) through libpfring and print
 * statistics: every second, and once more at the end (SIGINT/SIGTERM, or -N packets).
 * The kernel can filter what the ring gets: a BPF expression (-f), rules (-X, -D) and
 * a sampling rate (-k).
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

#include "pfring.h"
#include "pcap_file.h"

#define DEFAULT_DEVICE	"eth0"
#define DEFAULT_CAPLEN	1536
#define MAX_RULES	64

static pfring *ring;
static int show_filter_stats;
static volatile sig_atomic_t do_shutdown;
static _Atomic unsigned long long num_pkts, num_bytes;
static struct timeval start_time;
static struct pcap_file pcap_out;

static void usage(void)
{
	printf("pfcount - count packets with PF_RING\n\n"
	       "Usage: pfcount [-i device] [options]\n"
	       "  -h               this help\n"
	       "  -i <device>      device, queue (ethX@Q) or list (ethX,ethY) [%s]\n"
	       "  -l <len>         capture length (snaplen) [%d]\n"
	       "  -e <direction>   0 RX+TX, 1 RX only, 2 TX only [0]\n"
	       "  -w <watermark>   poll watermark (packets) [1]\n"
	       "  -p <ms>          poll duration of a blocking receive [%d]\n"
	       "  -a               active wait (never sleep in poll)\n"
	       "  -N <count>       stop after <count> packets\n"
	       "  -m               long packet header (parsed headers)\n"
	       "  -v <1|2>         print each packet: 1 parsed headers, 2 also its bytes\n"
	       "  -J               do not set the device in promiscuous mode\n"
	       "  -L               list the interfaces and exit\n"
	       "  -o <file>        write the packets to a pcap file\n"
	       "  -c <id>          join cluster <id>: processes on one id share the traffic\n"
	       "  -H <type>        the cluster's type (a cluster_type number) [4: per flow\n"
	       "                   5-tuple]; 0 per flow, 1 round robin, 2/3/4 per flow 2-,\n"
	       "                   4-, 5-tuple, 5 TCP 5-tuple, 6-10 the same of the packet\n"
	       "                   inside a GRE/VXLAN/GTP-U tunnel, 11/12 IP 5-tuple (outer,\n"
	       "                   inner), 13 source and destination address (duplicates)\n"
	       "  -f <expression>  BPF filter (tcpdump's syntax), run in the kernel\n"
	       "  -k <n>           sampling: one packet in <n> reaches the ring [1: all]\n"
	       "  -X <rule>        add a filtering rule (repeat for more, up to %d): the\n"
	       "                   fields action,proto,src,dst,sport,dport, trailing ones\n"
	       "                   may be left out, an empty one matches any:\n"
	       "                     action  forward | drop\n"
	       "                     proto   tcp | udp | icmp | icmp6 | a number\n"
	       "                     src dst an IPv4 or IPv6 address[/prefix length]\n"
	       "                     sport dport  a port, or low-high\n"
	       "                   e.g. -X drop,udp,,,,53  -X forward,tcp,10.0.0.0/8,,,80-89\n"
	       "  -D               drop the packets that no rule forwards (default: accept)\n",
	       DEFAULT_DEVICE, DEFAULT_CAPLEN, DEFAULT_POLL_DURATION, MAX_RULES);
}

/* ---- -X: a rule from the command line ---------------------------------------------- */

/* "N" or "LOW-HIGH" (empty: any, 0-0) */
static int parse_ports(const char *s, u_int16_t *low, u_int16_t *high)
{
	unsigned long lo, hi;
	char *end;

	*low = *high = 0;
	if (!*s)
		return 0;
	lo = strtoul(s, &end, 10);
	hi = lo;
	if (end != s && *end == '-') {
		const char *h = end + 1;

		hi = strtoul(h, &end, 10);
		if (end == h)
			return -1;
	}
	if (end == s || *end || lo > hi || hi > 0xFFFF)
		return -1;
	*low = (u_int16_t)lo;
	*high = (u_int16_t)hi;
	return 0;
}

/* "ADDR[/LEN]" (empty: any): 0 none, 4 or 6 the version, -1 not an address */
static int parse_host(const char *s, ip_addr *host, ip_addr *mask)
{
	char addr[INET6_ADDRSTRLEN + 8], *slash, *end;
	struct in_addr a4;
	long len = -1;
	int i, bits;

	memset(host, 0, sizeof(*host));
	memset(mask, 0, sizeof(*mask));
	if (!*s)
		return 0;
	snprintf(addr, sizeof(addr), "%s", s);
	slash = strchr(addr, '/');
	if (slash) {
		*slash = '\0';
		len = strtol(slash + 1, &end, 10);
		if (end == slash + 1 || *end || len < 0)
			return -1;
	}
	if (inet_pton(AF_INET, addr, &a4) == 1) {
		if (len > 32)
			return -1;
		bits = len < 0 ? 32 : (int)len;
		mask->v4 = bits ? 0xFFFFFFFFu << (32 - bits) : 0;
		host->v4 = ntohl(a4.s_addr) & mask->v4;	/* host order, as libpfring keeps it */
		return 4;
	}
	if (inet_pton(AF_INET6, addr, &host->v6) == 1) {
		if (len > 128)
			return -1;
		bits = len < 0 ? 128 : (int)len;
		for (i = 0; i < 16; i++, bits -= 8)
			mask->v6.s6_addr[i] = bits >= 8 ? 0xFF : bits > 0 ? (u_char)(0xFF << (8 - bits)) : 0;
		for (i = 0; i < 16; i++)
			host->v6.s6_addr[i] &= mask->v6.s6_addr[i];
		return 6;
	}
	return -1;
}

static int parse_proto(const char *s, u_int8_t *proto)
{
	static const struct { const char *name; u_int8_t num; } names[] = {
		{ "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP }, { "icmp", IPPROTO_ICMP },
		{ "icmp6", IPPROTO_ICMPV6 },
	};
	unsigned long n;
	char *end;
	size_t i;

	*proto = 0;
	if (!*s)
		return 0;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i].name)) {
			*proto = names[i].num;
			return 0;
		}
	n = strtoul(s, &end, 10);
	if (end == s || *end || n > 255)
		return -1;
	*proto = (u_int8_t)n;
	return 0;
}

/* -X's syntax (see usage()) into a rule with an automatic id; NULL, or what is wrong */
static const char *parse_rule(const char *spec, filtering_rule *r)
{
	char buf[256], *rest = buf, *f[6] = { "", "", "", "", "", "" };
	filtering_rule_core_fields *c = &r->core_fields;
	ip_addr host, mask;
	u_int16_t low, high;
	u_int8_t proto;
	int n = 0, v_src, v_dst;

	memset(r, 0, sizeof(*r));
	r->rule_id = FILTERING_RULE_AUTO_RULE_ID;
	if (snprintf(buf, sizeof(buf), "%s", spec) >= (int)sizeof(buf))
		return "too long";
	while (rest && n < 6)
		f[n++] = strsep(&rest, ",");
	if (rest)
		return "more than 6 fields";
	if (!strcmp(f[0], "forward"))
		r->rule_action = forward_packet_and_stop_rule_evaluation;
	else if (!strcmp(f[0], "drop"))
		r->rule_action = dont_forward_packet_and_stop_rule_evaluation;
	else
		return "the action is forward or drop";
	if (parse_proto(f[1], &proto) < 0)
		return "unknown protocol";
	c->proto = proto;
	v_src = parse_host(f[2], &host, &mask);
	c->shost = host;
	c->shost_mask = mask;
	v_dst = parse_host(f[3], &host, &mask);
	c->dhost = host;
	c->dhost_mask = mask;
	if (v_src < 0 || v_dst < 0)
		return "not an address[/prefix length]";
	if (v_src && v_dst && v_src != v_dst)
		return "source and destination of different IP versions";
	if (v_src == 6 || v_dst == 6)
		r->extended_fields.optional_fields = FILTER_IPV6_HOSTS_FLAG;
	else if (v_src == 4 || v_dst == 4)
		r->extended_fields.optional_fields = FILTER_IPV4_HOSTS_FLAG;
	if (parse_ports(f[4], &low, &high) < 0)
		return "not a port or port range";
	c->sport_low = low;
	c->sport_high = high;
	if (parse_ports(f[5], &low, &high) < 0)
		return "not a port or port range";
	c->dport_low = low;
	c->dport_high = high;
	return NULL;
}

/* ---- filters on the ring -------------------------------------------------------------- */

struct filters {
	const char *bpf;
	unsigned long sampling_rate;	/* 0: not set */
	int drop_policy;
	int num_rules;
	const char *specs[MAX_RULES];	/* -X as given */
	filtering_rule rules[MAX_RULES];
};

/* 0, or 1 with the reason printed */
static int set_filters(const struct filters *fl)
{
	int i;

	if (fl->bpf && pfring_set_bpf_filter(ring, fl->bpf) < 0) {
		fprintf(stderr, "pfring_set_bpf_filter(\"%s\"): %s\n", fl->bpf,
			*pfring_get_bpf_error(ring) ? pfring_get_bpf_error(ring) : strerror(errno));
		return 1;
	}
	if (fl->sampling_rate &&
	    pfring_set_sampling_rate(ring, (u_int32_t)fl->sampling_rate) < 0) {
		fprintf(stderr, "pfring_set_sampling_rate(%lu): %s\n", fl->sampling_rate,
			strerror(errno));
		return 1;
	}
	for (i = 0; i < fl->num_rules; i++) {
		filtering_rule rule = fl->rules[i];

		if (pfring_add_filtering_rule(ring, &rule) < 0) {
			fprintf(stderr, "pfring_add_filtering_rule(%s): %s\n", fl->specs[i],
				strerror(errno));
			return 1;
		}
		fprintf(stderr, "Rule %u: %s\n", rule.rule_id, fl->specs[i]);
	}
	if (fl->drop_policy && pfring_toggle_filtering_policy(ring, 0) < 0) {
		fprintf(stderr, "pfring_toggle_filtering_policy(drop): %s\n", strerror(errno));
		return 1;
	}
	show_filter_stats = fl->bpf || fl->sampling_rate > 1 || fl->num_rules || fl->drop_policy;
	return 0;
}

static double delta_ms(const struct timeval *now, const struct timeval *before)
{
	return (double)(now->tv_sec - before->tv_sec) * 1000.0 +
	       (double)(now->tv_usec - before->tv_usec) / 1000.0;
}

static void print_stats(int final)
{
	static struct timeval last_time;
	static unsigned long long last_pkts, last_bytes;
	unsigned long long pkts = atomic_load(&num_pkts), bytes = atomic_load(&num_bytes);
	char b1[64], b2[64], b3[64], b4[64];
	struct timeval now;
	pfring_stat st = { 0, 0, 0 };
	double ms, total_ms;

	gettimeofday(&now, NULL);
	if (last_time.tv_sec == 0)
		last_time = start_time;
	total_ms = delta_ms(&now, &start_time);
	ms = delta_ms(&now, &last_time);

	fprintf(stderr, "=========================\n");
	if (pfring_stats(ring, &st) == 0) {
		fprintf(stderr, "Absolute Stats: [%s pkts rcvd][%s pkts dropped]\n",
			pfring_format_numbers((double)st.recv, b1, sizeof(b1), 0),
			pfring_format_numbers((double)st.drop, b2, sizeof(b2), 0));
		fprintf(stderr, "Total Pkts=%llu/Dropped=%.1f %%\n",
			(unsigned long long)(st.recv + st.drop),
			st.recv + st.drop ? (double)st.drop * 100.0 / (double)(st.recv + st.drop)
					  : 0.0);
	}
	if (show_filter_stats) {
		struct pf_ring_stats ext;

		if (pfring_get_stats_ext(ring, &ext) == 0)
			fprintf(stderr, "Filtered: [%s pkts filtered][%s pkts sampled out]\n",
				pfring_format_numbers((double)ext.filtered, b1, sizeof(b1), 0),
				pfring_format_numbers((double)ext.sampled_out, b2, sizeof(b2), 0));
	}
	fprintf(stderr, "%s pkts - %s bytes", pfring_format_numbers((double)pkts, b1, sizeof(b1), 0),
		pfring_format_numbers((double)bytes, b2, sizeof(b2), 0));
	if (total_ms > 0)
		fprintf(stderr, " [%s pkt/sec - %s Mbit/sec]",
			pfring_format_numbers((double)pkts * 1000.0 / total_ms, b3, sizeof(b3), 1),
			pfring_format_numbers((double)bytes * 8.0 / 1000.0 / total_ms, b4,
					      sizeof(b4), 1));
	fprintf(stderr, "\n");
	if (!final && ms > 0) {
		unsigned long long dp = pkts - last_pkts, db = bytes - last_bytes;

		fprintf(stderr, "=========================\n");
		fprintf(stderr, "Actual Stats: %s pkts [%s ms][%s pps/%s Gbps]\n",
			pfring_format_numbers((double)dp, b1, sizeof(b1), 0),
			pfring_format_numbers(ms, b2, sizeof(b2), 1),
			pfring_format_numbers((double)dp * 1000.0 / ms, b3, sizeof(b3), 1),
			pfring_format_numbers((double)(db + dp * 24) * 8.0 / 1e6 / ms, b4,
					      sizeof(b4), 2));
	}
	fprintf(stderr, "=========================\n\n");
	last_time = now;
	last_pkts = pkts;
	last_bytes = bytes;
}

static void on_signal(int sig)
{
	(void)sig;
	if (do_shutdown) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
	}
	do_shutdown = 1;
	pfring_breakloop(ring);
}

static void *stats_thread(void *arg)
{
	(void)arg;
	while (!do_shutdown) {
		sleep(1);
		if (!do_shutdown)
			print_stats(0);
	}
	return NULL;
}

static int list_interfaces(void)
{
	pfring_if_t *all = pfring_findalldevs(), *d;

	if (!all) {
		fprintf(stderr, "no interfaces found: %s\n", strerror(errno));
		return 1;
	}
	printf("%-16s %-12s %-17s %-14s %s\n", "Name", "Driver", "MAC", "Bus", "Status");
	for (d = all; d; d = d->next) {
		char mac[18], bus[16] = "-";
		const u_char *m = (const u_char *)d->mac;

		snprintf(mac, sizeof(mac), "%02X:%02X:%02X:%02X:%02X:%02X", m[0], m[1], m[2],
			 m[3], m[4], m[5]);
		if (d->bus_id.slot >= 0)
			snprintf(bus, sizeof(bus), "%04X:%02X:%02X.%X", d->bus_id.slot & 0xFFFF,
				 d->bus_id.bus & 0xFF, d->bus_id.device & 0xFF,
				 d->bus_id.function & 0xF);
		printf("%-16s %-12s %-17s %-14s %s\n", d->name, d->module ? d->module : "-", mac,
		       bus, d->status == 1 ? "up" : d->status == 0 ? "down" : "unknown");
	}
	pfring_freealldevs(all);
	return 0;
}

static void dump_packet(const struct pfring_pkthdr *h, const u_char *p, int mode,
			int long_header)
{
	struct pfring_pkthdr copy = *h;
	char line[1024];
	u_int i;

	if (!long_header)
		pfring_parse_pkt((u_char *)p, &copy, 4, 0, 1);
	pfring_print_parsed_pkt(line, sizeof(line), p, &copy);
	fputs(line, stdout);
	if (mode >= 2) {
		for (i = 0; i < h->caplen; i++)
			printf("%02X%s", p[i], (i % 16 == 15 || i + 1 == h->caplen) ? "\n" : " ");
	}
}

int main(int argc, char *argv[])
{
	const char *device = DEFAULT_DEVICE, *pcap_path = NULL;
	u_int32_t caplen = DEFAULT_CAPLEN, flags, version = 0;
	int c, direction = 0, watermark = 0, poll_ms = -1, active = 0, long_header = 0;
	int verbose = 0, promisc = 1, rc, exit_code = 0;
	unsigned long long max_pkts = 0;
	int cluster_id = -1, cluster_hash = cluster_per_flow_5_tuple;
	static struct filters filters;
	struct pfring_pkthdr hdr;
	const char *why;
	char *end;
	pthread_t stats_tid;
	u_char *pkt;

	while ((c = getopt(argc, argv, "hi:l:e:w:p:aN:mv:JLo:c:H:f:k:X:D")) != -1) {
		switch (c) {
		case 'h': usage(); return 0;
		case 'i': device = optarg; break;
		case 'l': caplen = (u_int32_t)strtoul(optarg, NULL, 10); break;
		case 'e': direction = atoi(optarg); break;
		case 'w': watermark = atoi(optarg); break;
		case 'p': poll_ms = atoi(optarg); break;
		case 'a': active = 1; break;
		case 'N': max_pkts = strtoull(optarg, NULL, 10); break;
		case 'm': long_header = 1; break;
		case 'v': verbose = atoi(optarg) > 1 ? 2 : 1; break;
		case 'J': promisc = 0; break;
		case 'L': return list_interfaces();
		case 'o': pcap_path = optarg; break;
		case 'c': cluster_id = atoi(optarg); break;
		case 'H': cluster_hash = atoi(optarg); break;
		case 'f': filters.bpf = optarg; break;
		case 'k':
			filters.sampling_rate = strtoul(optarg, &end, 10);
			if (end == optarg || *end || filters.sampling_rate == 0 ||
			    filters.sampling_rate > 0xFFFFFFFFul) {
				fprintf(stderr, "-k %s: not a sampling rate (1 or more)\n", optarg);
				return 2;
			}
			break;
		case 'X':
			if (filters.num_rules == MAX_RULES) {
				fprintf(stderr, "-X: at most %d rules\n", MAX_RULES);
				return 2;
			}
			why = parse_rule(optarg, &filters.rules[filters.num_rules]);
			if (why) {
				fprintf(stderr, "-X %s: %s\n", optarg, why);
				return 2;
			}
			filters.specs[filters.num_rules++] = optarg;
			break;
		case 'D': filters.drop_policy = 1; break;
		default: usage(); return 2;
		}
	}
	if (direction < 0 || direction > 2 || caplen == 0 || cluster_hash < 0 ||
	    cluster_hash > MAX_CLUSTER_TYPE_ID) {
		usage();
		return 2;
	}

	flags = (promisc ? PF_RING_PROMISC : 0) | (long_header ? PF_RING_LONG_HEADER : 0);
	ring = pfring_open(device, caplen, flags);
	if (!ring) {
		fprintf(stderr, "pfring_open error [%s] (pf_ring not loaded or interface %s is "
			"down?)\n", strerror(errno), device);
		return 1;
	}
	pfring_version(ring, &version);
	fprintf(stderr, "Using PF_RING v.%u.%u.%u\n", (version >> 16) & 0xFF,
		(version >> 8) & 0xFF, version & 0xFF);

	pfring_set_application_name(ring, (char *)"pfcount");
	if (pfring_set_direction(ring, (packet_direction)direction) < 0)
		fprintf(stderr, "pfring_set_direction: %s\n", strerror(errno));
	if (watermark > 0 && pfring_set_poll_watermark(ring, (u_int16_t)watermark) < 0)
		fprintf(stderr, "pfring_set_poll_watermark: %s\n", strerror(errno));
	if (poll_ms >= 0)
		pfring_set_poll_duration(ring, (u_int)poll_ms);
	if (cluster_id >= 0 &&
	    pfring_set_cluster(ring, (u_int)cluster_id, (cluster_type)cluster_hash) < 0) {
		fprintf(stderr, "pfring_set_cluster(%d, type %d): %s\n", cluster_id, cluster_hash,
			strerror(errno));
		pfring_close(ring);
		return 1;
	}
	if (set_filters(&filters) != 0) {
		pfring_close(ring);
		return 1;
	}
	/* the file's link type is the ring's: Ethernet, or raw IP (tun, WireGuard, ...) */
	if (pcap_path &&
	    pcap_file_create(&pcap_out, pcap_path, caplen, pfring_get_link_type(ring)) < 0) {
		fprintf(stderr, "cannot write %s: %s\n", pcap_path, strerror(errno));
		pfring_close(ring);
		return 1;
	}

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	if (pfring_enable_ring(ring) != 0) {
		fprintf(stderr, "pfring_enable_ring: %s\n", strerror(errno));
		pfring_close(ring);
		return 1;
	}
	/* the ring takes packets from here on (tests wait for this line) */
	fprintf(stderr, "Capturing from %s [caplen %d, ring id %u]\n", device,
		pfring_get_caplen(ring), pfring_get_ring_id(ring));
	gettimeofday(&start_time, NULL);
	pthread_create(&stats_tid, NULL, stats_thread, NULL);

	while (!do_shutdown) {
		rc = pfring_recv(ring, &pkt, 0, &hdr, active ? 0 : 1);
		if (rc < 0) {
			fprintf(stderr, "pfring_recv: %s\n", strerror(errno));
			exit_code = 1;
			break;
		}
		if (rc == 0)
			continue;
		atomic_fetch_add(&num_pkts, 1);
		atomic_fetch_add(&num_bytes, hdr.len);
		if (verbose)
			dump_packet(&hdr, pkt, verbose, long_header);
		if (pcap_out.f && pcap_file_write(&pcap_out, &hdr, pkt) < 0) {
			fprintf(stderr, "writing %s: %s\n", pcap_path, strerror(errno));
			exit_code = 1;
			break;
		}
		if (max_pkts && atomic_load(&num_pkts) >= max_pkts)
			break;
	}
	do_shutdown = 1;
	pthread_join(stats_tid, NULL);
	print_stats(1);
	if (pcap_out.f && pcap_file_close(&pcap_out) != 0) {
		fprintf(stderr, "writing %s: %s\n", pcap_path, strerror(errno));
		exit_code = 1;
	}
	fflush(stdout);
	pfring_close(ring);
	return exit_code;
}
