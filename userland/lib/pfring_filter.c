// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pfring_filter.c - what a ring lets in, decided by the kernel module before a packet
 * reaches the ring (linux/pf_ring.h, "Filtering"): the socket's BPF filter, the wildcard
 * and hash rules, the policy and the sampling rates; and BPF programs that a program
 * runs itself (pfring_parse_bpf_filter).
 *
 * libpcap compiles the BPF expressions. It is loaded the first time one is compiled
 * (dlopen) rather than linked: the documented link line (libpfring.a -lpthread) stays
 * enough for every program, and a program that never sets a filter never loads it.
 *
 * Only the kernel backend filters; a ring of another backend gets NOT_SUPPORTED, except
 * for BPF on a backend with ops->user_bpf (the "zc:<cluster>@<queue>" rings, which no
 * kernel feeds): the program is kept in the ring and the backend runs it on each packet
 * it receives (libpcap's bpf_filter), dropping those it refuses.
 */
#include <dlfcn.h>
#include <limits.h>
#include <linux/filter.h>
#include <pcap/pcap.h>

#include "pfring_priv.h"

_Static_assert(PFRING_BPF_ERROR_LEN >= PCAP_ERRBUF_SIZE, "libpcap's messages must fit");
_Static_assert(sizeof(struct bpf_insn) == sizeof(struct sock_filter), "one instruction");

/* The values of rule_action_behaviour are the kernel's: programs pass numbers */
#define SAME_ACTION(lib, kernel) _Static_assert((int)(lib) == (int)(kernel), #lib)
SAME_ACTION(forward_packet_and_stop_rule_evaluation, PF_RING_RULE_FORWARD);
SAME_ACTION(dont_forward_packet_and_stop_rule_evaluation, PF_RING_RULE_DONT_FORWARD);
SAME_ACTION(forward_packet_add_rule_and_stop_rule_evaluation, PF_RING_RULE_FORWARD_ADD_RULE);
SAME_ACTION(bounce_packet_and_continue_rule_evaluation, PF_RING_RULE_BOUNCE_AND_CONTINUE);
_Static_assert(FILTERING_RULE_AUTO_RULE_ID == PF_RING_RULE_AUTO_ID, "auto rule id");
_Static_assert(sizeof(((filtering_rule_extended_fields *)0)->payload_pattern) ==
	       PF_RING_RULE_PAYLOAD_MAX, "payload pattern");

#define MAX_ACTION	bounce_packet_and_continue_rule_evaluation

/* ---- libpcap, loaded on first use -------------------------------------------------- */

static struct {
	__typeof__(pcap_create) *create;
	__typeof__(pcap_set_snaplen) *set_snaplen;
	__typeof__(pcap_set_buffer_size) *set_buffer_size;
	__typeof__(pcap_activate) *activate;
	__typeof__(pcap_open_dead) *open_dead;
	__typeof__(pcap_compile) *compile;
	__typeof__(pcap_geterr) *geterr;
	__typeof__(pcap_freecode) *freecode;
	__typeof__(pcap_close) *close;
	__typeof__(bpf_filter) *filter;
} pcap;
static int pcap_ready;
static pthread_once_t pcap_once = PTHREAD_ONCE_INIT;

#define PCAP_SYM(h, field, name) \
	((pcap.field = (__typeof__(pcap.field))dlsym(h, name)) != NULL)

static void pcap_load_once(void)
{
	/* Debian's soname, then upstream's; the library stays loaded for good */
	static const char *const names[] = { "libpcap.so.0.8", "libpcap.so.1", "libpcap.so" };
	void *h = NULL;
	size_t i;

	for (i = 0; !h && i < sizeof(names) / sizeof(names[0]); i++)
		h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return;
	if (PCAP_SYM(h, create, "pcap_create") && PCAP_SYM(h, set_snaplen, "pcap_set_snaplen") &&
	    PCAP_SYM(h, set_buffer_size, "pcap_set_buffer_size") &&
	    PCAP_SYM(h, activate, "pcap_activate") && PCAP_SYM(h, open_dead, "pcap_open_dead") &&
	    PCAP_SYM(h, compile, "pcap_compile") && PCAP_SYM(h, geterr, "pcap_geterr") &&
	    PCAP_SYM(h, freecode, "pcap_freecode") && PCAP_SYM(h, close, "pcap_close") &&
	    PCAP_SYM(h, filter, "bpf_filter"))
		pcap_ready = 1;
	else
		dlclose(h);
}

/* 1 when libpcap can be used; 0 with err filled when it cannot */
static int pcap_load(char *err, size_t len)
{
	int saved = errno;

	pthread_once(&pcap_once, pcap_load_once);
	errno = saved;
	if (!pcap_ready && err)
		snprintf(err, len, "libpcap (libpcap.so.0.8 or libpcap.so.1) cannot be loaded: "
			 "BPF filters need it installed");
	return pcap_ready;
}

/*
 * A live handle of "lo": libpcap emits the kernel's VLAN ancillary loads for "vlan"
 * (SKF_AD_VLAN_TAG_PRESENT, SKF_AD_VLAN_TAG) only when it compiles for a live Linux
 * capture, as AF_PACKET sockets run the program. NULL when none can be had (no
 * CAP_NET_RAW, no lo); the caller then compiles without them.
 */
static pcap_t *pcap_live_lo(int snaplen)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap.create("lo", err);

	if (!p)
		return NULL;
	if (pcap.set_snaplen(p, snaplen) != 0 || pcap.set_buffer_size(p, 1 << 16) != 0 ||
	    pcap.activate(p) < 0) {
		pcap.close(p);
		return NULL;
	}
	return p;
}

/*
 * Compiles expr for frames of link type dlt, kept to snaplen bytes (what the program
 * returns for a match); live: try a live handle first (Ethernet only). 0, or -1 with
 * libpcap's message in err (PCAP_ERRBUF_SIZE bytes).
 */
static int bpf_compile(const char *expr, int dlt, int snaplen, int live,
		       struct bpf_program *prog, char *err)
{
	pcap_t *p = NULL;
	int rc;

	if (live && dlt == DLT_EN10MB)
		p = pcap_live_lo(snaplen);
	if (!p)
		p = pcap.open_dead(dlt, snaplen);
	if (!p) {
		snprintf(err, PCAP_ERRBUF_SIZE, "libpcap cannot make a handle to compile with");
		return -1;
	}
	rc = pcap.compile(p, prog, expr, 1, PCAP_NETMASK_UNKNOWN);
	if (rc < 0)
		snprintf(err, PCAP_ERRBUF_SIZE, "%s", pcap.geterr(p));
	pcap.close(p);
	return rc < 0 ? -1 : 0;
}

/* ---- the ring ------------------------------------------------------------------------ */

/* 0 when the ring can filter; else the error (errno set) */
static int filter_ring(pfring *ring)
{
	if (!ring_ok(ring))
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	if (ring->priv->ops != &pfring_kernel_ops)
		return pfring_err(PF_RING_ERROR_NOT_SUPPORTED, ENOTSUP);
	return 0;
}

#define CHECK_FILTER_RING(ring)                  \
	do {                                     \
		int rc_ = filter_ring(ring);     \
		if (rc_)                         \
			return rc_;              \
	} while (0)

/* The kernel's refusal as a PF_RING error code; errno stays the kernel's */
static int filter_kernel_err(int err)
{
	int code;

	switch (err) {
	case EINVAL:
	case EEXIST:
	case ENOENT:
	case ENODEV:
		code = PF_RING_ERROR_INVALID_ARGUMENT;
		break;
	case ENOTSUP:
		code = PF_RING_ERROR_NOT_SUPPORTED;
		break;
	case ENOMEM:
		code = PF_RING_ERROR_NOT_ENOUGH_MEMORY;
		break;
	default:
		code = PF_RING_ERROR_GENERIC;
	}
	return pfring_err(code, err);
}

static int filter_setopt(pfring *ring, int opt, const void *val, socklen_t len)
{
	CHECK_FILTER_RING(ring);
	if (setsockopt(ring->fd, SOL_PF_RING, opt, val, len) < 0)
		return filter_kernel_err(errno);
	return 0;
}

static int filter_setopt_u32(pfring *ring, int opt, u_int32_t val)
{
	return filter_setopt(ring, opt, &val, sizeof(val));
}

/* getsockopt of a result of exactly size bytes (the buffer may hold an input) */
static int filter_getopt(pfring *ring, int opt, void *buf, socklen_t buflen, socklen_t size)
{
	socklen_t len = buflen;

	CHECK_FILTER_RING(ring);
	if (getsockopt(ring->fd, SOL_PF_RING, opt, buf, &len) < 0)
		return filter_kernel_err(errno);
	if (len < size)
		return pfring_err(PF_RING_ERROR_GENERIC, EPROTO);
	return 0;
}

/* ---- BPF on the ring's socket ------------------------------------------------------- */

static void bpf_error_set(pfring *ring, const char *msg)
{
	snprintf(ring->priv->bpf_error, sizeof(ring->priv->bpf_error), "%s", msg);
}

/* The pcap link type to compile for: 0, or an error (errno set, the reason recorded) */
static int ring_dlt(pfring *ring, int *dlt)
{
	u_int32_t type;
	socklen_t len = sizeof(type);

	if (getsockopt(ring->fd, SOL_PF_RING, PF_RING_OPT_LINK_TYPE, &type, &len) < 0) {
		int err = errno;

		bpf_error_set(ring, "cannot tell the ring's link type");
		return filter_kernel_err(err);
	}
	switch (type) {
	case PF_RING_LINK_ETHERNET:
		*dlt = DLT_EN10MB;
		return 0;
	case PF_RING_LINK_RAW_IP:
		*dlt = DLT_RAW;
		return 0;
	default:
		bpf_error_set(ring, "the ring's devices have different link types: no one BPF "
			      "program fits their frames");
		return pfring_err(PF_RING_ERROR_NOT_SUPPORTED, ENOTSUP);
	}
}

static int bpf_attach(pfring *ring, const struct bpf_program *prog)
{
	struct sock_fprog fprog = {
		.len = (unsigned short)prog->bf_len,
		.filter = (struct sock_filter *)prog->bf_insns,
	};
	int err;

	if (prog->bf_len > USHRT_MAX) {
		bpf_error_set(ring, "the compiled program is too long for the kernel");
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	}
	if (setsockopt(ring->fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(fprog)) == 0)
		return 0;
	err = errno;
	snprintf(ring->priv->bpf_error, sizeof(ring->priv->bpf_error),
		 "the kernel refused the program (%u instructions): %s", prog->bf_len,
		 strerror(err));
	return filter_kernel_err(err);
}

/*
 * A ring whose backend runs BPF itself: the program replaces the ring's (set it before
 * receiving: the backend reads it without a lock).
 */
static int user_bpf_set(pfring *ring, const char *filter_buffer)
{
	struct pfring_bpf_program prog;
	int caplen = OP(ring, get_caplen)(ring), rc;

	ring->priv->bpf_error[0] = '\0';
	if (!filter_buffer) {
		bpf_error_set(ring, "no expression");
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	}
	rc = pfring_parse_bpf_filter(filter_buffer, caplen > 0 ? (u_int)caplen : 0, &prog);
	if (rc < 0) {
		bpf_error_set(ring, errno == ENOTSUP ? "libpcap cannot be loaded" :
			      "libpcap refused the expression");
		return rc;
	}
	pfring_free_bpf_filter(&ring->priv->user_bpf);
	ring->priv->user_bpf = prog;
	return 0;
}

int pfring_user_bpf_run(pfring *ring, const u_char *frame, u_int caplen, u_int len)
{
	const struct pfring_bpf_program *prog = &ring->priv->user_bpf;

	return pcap.filter((const struct bpf_insn *)prog->bf_insns, frame, len, caplen) != 0;
}

int pfring_set_bpf_filter(pfring *ring, const char *filter_buffer)
{
	char err[PCAP_ERRBUF_SIZE];
	struct bpf_program prog;
	int dlt = DLT_EN10MB, caplen, rc, saved = errno;

	if (ring_ok(ring) && ring->priv->ops->user_bpf)
		return user_bpf_set(ring, filter_buffer);
	CHECK_FILTER_RING(ring);
	ring->priv->bpf_error[0] = '\0';
	if (!filter_buffer) {
		bpf_error_set(ring, "no expression");
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	}
	if (!pcap_load(err, sizeof(err))) {
		bpf_error_set(ring, err);
		return pfring_err(PF_RING_ERROR_NOT_SUPPORTED, ENOTSUP);
	}
	rc = ring_dlt(ring, &dlt);
	if (rc)
		return rc;
	caplen = OP(ring, get_caplen)(ring);
	if (caplen <= 0)
		caplen = MAX_CAPLEN;
	if (bpf_compile(filter_buffer, dlt, caplen, 1, &prog, err) < 0) {
		bpf_error_set(ring, err);
		pfring_lib_log("pfring_set_bpf_filter: %s", err);
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	}
	rc = bpf_attach(ring, &prog);
	pcap.freecode(&prog);
	if (rc == 0)
		errno = saved;	/* libpcap's calls leave errno as they please */
	return rc;
}

int pfring_remove_bpf_filter(pfring *ring)
{
	int zero = 0;

	if (ring_ok(ring) && ring->priv->ops->user_bpf) {
		if (ring->priv->user_bpf.bf_len == 0)
			return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, ENOENT);
		pfring_free_bpf_filter(&ring->priv->user_bpf);
		return 0;
	}
	CHECK_FILTER_RING(ring);
	if (setsockopt(ring->fd, SOL_SOCKET, SO_DETACH_FILTER, &zero, sizeof(zero)) < 0)
		return filter_kernel_err(errno);
	return 0;
}

const char *pfring_get_bpf_error(pfring *ring)
{
	return ring_ok(ring) ? ring->priv->bpf_error : "";
}

/* ---- BPF programs the caller runs -------------------------------------------------- */

int pfring_parse_bpf_filter(const char *filter_buffer, u_int caplen,
			    struct pfring_bpf_program *filter)
{
	char err[PCAP_ERRBUF_SIZE];
	struct bpf_program prog;
	size_t size;
	int saved = errno;

	if (filter) {
		filter->bf_len = 0;
		filter->bf_insns = NULL;
	}
	if (!filter_buffer || !filter)
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	if (!pcap_load(err, sizeof(err))) {
		pfring_lib_log("pfring_parse_bpf_filter: %s", err);
		return pfring_err(PF_RING_ERROR_NOT_SUPPORTED, ENOTSUP);
	}
	if (caplen == 0 || caplen > INT_MAX)
		caplen = MAX_CAPLEN;
	if (bpf_compile(filter_buffer, DLT_EN10MB, (int)caplen, 0, &prog, err) < 0) {
		pfring_lib_log("pfring_parse_bpf_filter: %s", err);
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	}
	/* our own copy: pfring_free_bpf_filter() needs no libpcap */
	size = (size_t)prog.bf_len * sizeof(struct bpf_insn);
	filter->bf_insns = malloc(size ? size : 1);
	if (!filter->bf_insns) {
		pcap.freecode(&prog);
		return pfring_err(PF_RING_ERROR_NOT_ENOUGH_MEMORY, ENOMEM);
	}
	memcpy(filter->bf_insns, prog.bf_insns, size);
	filter->bf_len = prog.bf_len;
	pcap.freecode(&prog);
	errno = saved;
	return 0;
}

void pfring_free_bpf_filter(struct pfring_bpf_program *filter)
{
	if (!filter)
		return;
	free(filter->bf_insns);
	filter->bf_insns = NULL;
	filter->bf_len = 0;
}

u_int32_t pfring_bpf_filter(void *bpf_insn, u_char *buffer, u_int32_t caplen, u_int32_t len)
{
	if (!bpf_insn || !buffer || !pcap_load(NULL, 0))
		return 0;
	return pcap.filter((const struct bpf_insn *)bpf_insn, buffer, len, caplen);
}

/* ---- rules as the kernel takes them -------------------------------------------------- */

/* ip is passed by value: it sits unaligned in the packed rules */
static void ip_to_kernel(ip_addr ip, int version, __u8 out[16])
{
	memset(out, 0, 16);
	if (version == 4) {
		u_int32_t be = htonl(ip.v4);	/* the library keeps IPv4 in host order */

		memcpy(out, &be, 4);
	} else if (version == 6) {
		memcpy(out, &ip.v6, 16);
	}
}

/* Bytes from..15 of the address are all zero */
static int ip_zero_from(ip_addr ip, size_t from)
{
	const u_char *b = (const u_char *)&ip;
	size_t i;

	for (i = from; i < sizeof(ip.v6); i++)
		if (b[i])
			return 0;
	return 1;
}

/* The rule's IP version (pfring.h, "filtering rules"): 0, 4, 6; or -1 when both flags */
static int rule_ip_version(const filtering_rule *r)
{
	u_int16_t opt = r->extended_fields.optional_fields;
	ip_addr sm = r->core_fields.shost_mask, dm = r->core_fields.dhost_mask;

	if ((opt & FILTER_IPV4_HOSTS_FLAG) && (opt & FILTER_IPV6_HOSTS_FLAG))
		return -1;
	if (opt & FILTER_IPV6_HOSTS_FLAG)
		return 6;
	if (opt & FILTER_IPV4_HOSTS_FLAG)
		return 4;
	if (ip_zero_from(sm, 0) && ip_zero_from(dm, 0))
		return 0;
	if (ip_zero_from(sm, 4) && ip_zero_from(dm, 4))
		return 4;
	return 6;
}

/* A reflector device's name (not always NUL-terminated) as an ifindex; 0: none */
static int reflector_ifindex(const char name[REFLECTOR_NAME_LEN], __s32 *ifindex)
{
	char dev[REFLECTOR_NAME_LEN + 1];
	unsigned int idx;

	memcpy(dev, name, REFLECTOR_NAME_LEN);
	dev[REFLECTOR_NAME_LEN] = '\0';
	*ifindex = 0;
	if (!dev[0])
		return 0;
	idx = if_nametoindex(dev);
	if (!idx)
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, ENODEV);
	*ifindex = (__s32)idx;
	return 0;
}

int pfring_filter_rule_to_kernel(const filtering_rule *r, struct pf_ring_rule *k)
{
	const filtering_rule_core_fields *c = &r->core_fields;
	int version = rule_ip_version(r);

	memset(k, 0, sizeof(*k));
	if (r->extended_fields.optional_fields & FILTER_TUNNEL_ID_FLAG)
		return pfring_err(PF_RING_ERROR_NOT_SUPPORTED, ENOTSUP);
	if (version < 0 || (unsigned int)r->rule_action > MAX_ACTION)
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	k->rule_id = r->rule_id;
	k->action = (__u8)r->rule_action;
	k->balance_id = r->balance_id;
	k->balance_pool = r->balance_pool;
	k->locked = r->locked ? 1 : 0;
	k->bidirectional = r->bidirectional ? 1 : 0;
	k->proto = c->proto;
	k->ifindex = c->if_index;
	memcpy(k->smac, c->smac, sizeof(k->smac));
	memcpy(k->dmac, c->dmac, sizeof(k->dmac));
	k->vlan_id = c->vlan_id;
	k->eth_type = c->eth_type;
	k->ip_version = (__u8)version;
	k->tcp_flags = c->tcp.flags;
	k->sport_low = c->sport_low;
	k->sport_high = c->sport_high;
	k->dport_low = c->dport_low;
	k->dport_high = c->dport_high;
	ip_to_kernel(c->shost, version, k->shost);
	ip_to_kernel(c->shost_mask, version, k->shost_mask);
	ip_to_kernel(c->dhost, version, k->dhost);
	ip_to_kernel(c->dhost_mask, version, k->dhost_mask);
	k->payload_len = (__u8)strnlen(r->extended_fields.payload_pattern,
				       sizeof(r->extended_fields.payload_pattern));
	memcpy(k->payload, r->extended_fields.payload_pattern, k->payload_len);
	return reflector_ifindex(r->reflector_device_name, &k->reflector_ifindex);
}

int pfring_filter_hash_rule_to_kernel(const hash_filtering_rule *r, int resolve_reflector,
				      struct pf_ring_hash_rule *k)
{
	int version = r->ip_version ? r->ip_version : 4;	/* 0: what programs meant */

	memset(k, 0, sizeof(*k));
	if ((version != 4 && version != 6) || (unsigned int)r->rule_action > MAX_ACTION)
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	k->vlan_id = r->vlan_id;
	k->ip_version = (__u8)version;
	k->proto = r->proto;
	ip_to_kernel(r->host_peer_a, version, k->host_a);
	ip_to_kernel(r->host_peer_b, version, k->host_b);
	k->port_a = r->port_peer_a;
	k->port_b = r->port_peer_b;
	k->action = (__u8)r->rule_action;
	if (!resolve_reflector)
		return 0;
	return reflector_ifindex(r->reflector_device_name, &k->reflector_ifindex);
}

/* ---- rules ------------------------------------------------------------------------------ */

int pfring_get_filtering_info(pfring *ring, struct pf_ring_filter_info *info)
{
	struct pf_ring_filter_info got;
	int rc;

	if (!info)
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	memset(&got, 0, sizeof(got));
	rc = filter_getopt(ring, PF_RING_OPT_FILTER_INFO, &got, sizeof(got), sizeof(got));
	if (rc)
		return rc;
	*info = got;
	return 0;
}

int pfring_add_filtering_rule(pfring *ring, filtering_rule *rule_to_add)
{
	struct pf_ring_filter_info info;
	struct pf_ring_rule k;
	int rc;

	CHECK_FILTER_RING(ring);
	if (!rule_to_add)
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	rc = pfring_filter_rule_to_kernel(rule_to_add, &k);
	if (rc)
		return rc;
	rc = filter_setopt(ring, PF_RING_OPT_RULE_ADD, &k, sizeof(k));
	if (rc || rule_to_add->rule_id != FILTERING_RULE_AUTO_RULE_ID)
		return rc;
	/* the id the kernel picked; another thread adding on this ring meanwhile races */
	rc = pfring_get_filtering_info(ring, &info);
	if (rc)
		return rc;
	rule_to_add->rule_id = (u_int16_t)info.last_rule_id;
	return 0;
}

int pfring_remove_filtering_rule(pfring *ring, u_int16_t rule_id)
{
	return filter_setopt_u32(ring, PF_RING_OPT_RULE_REMOVE, rule_id);
}

int pfring_handle_hash_filtering_rule(pfring *ring, hash_filtering_rule *rule_to_add,
				      u_char add_rule)
{
	struct pf_ring_hash_rule k;
	int rc;

	CHECK_FILTER_RING(ring);
	if (!rule_to_add)
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	rc = pfring_filter_hash_rule_to_kernel(rule_to_add, add_rule, &k);
	if (rc)
		return rc;
	return filter_setopt(ring, add_rule ? PF_RING_OPT_HASH_RULE_ADD :
			     PF_RING_OPT_HASH_RULE_REMOVE, &k, sizeof(k));
}

int pfring_purge_idle_rules(pfring *ring, u_int16_t inactivity_sec)
{
	return filter_setopt_u32(ring, PF_RING_OPT_PURGE_IDLE_RULES, inactivity_sec);
}

int pfring_purge_idle_hash_rules(pfring *ring, u_int16_t inactivity_sec)
{
	return filter_setopt_u32(ring, PF_RING_OPT_PURGE_IDLE_HASH_RULES, inactivity_sec);
}

/* The caller's buffer can take a hash_filtering_rule_stats */
static int stats_buffer_ok(const char *stats, const u_int *stats_len)
{
	return stats && stats_len && *stats_len >= sizeof(hash_filtering_rule_stats);
}

static void stats_out(const struct pf_ring_rule_stats *st, char *stats, u_int *stats_len)
{
	hash_filtering_rule_stats out = {
		.match = st->match,
		.filtered = st->filtered,
		.match_forward = st->match_forward,
		.inactivity = st->inactivity,
	};

	memcpy(stats, &out, sizeof(out));
	*stats_len = sizeof(out);
}

int pfring_get_filtering_rule_stats(pfring *ring, u_int16_t rule_id, char *stats,
				    u_int *stats_len)
{
	union {
		__u32 rule_id;			/* in */
		struct pf_ring_rule_stats st;	/* out */
	} buf;
	int rc;

	CHECK_FILTER_RING(ring);
	if (!stats_buffer_ok(stats, stats_len))
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	memset(&buf, 0, sizeof(buf));
	buf.rule_id = rule_id;
	rc = filter_getopt(ring, PF_RING_OPT_RULE_STATS, &buf, sizeof(buf), sizeof(buf.st));
	if (rc)
		return rc;
	stats_out(&buf.st, stats, stats_len);
	return 0;
}

int pfring_get_hash_filtering_rule_stats(pfring *ring, hash_filtering_rule *rule, char *stats,
					 u_int *stats_len)
{
	union {
		struct pf_ring_hash_rule key;	/* in */
		struct pf_ring_rule_stats st;	/* out */
	} buf;
	int rc;

	CHECK_FILTER_RING(ring);
	if (!rule || !stats_buffer_ok(stats, stats_len))
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	memset(&buf, 0, sizeof(buf));
	rc = pfring_filter_hash_rule_to_kernel(rule, 0, &buf.key);
	if (rc)
		return rc;
	rc = filter_getopt(ring, PF_RING_OPT_HASH_RULE_STATS, &buf, sizeof(buf),
			   sizeof(buf.st));
	if (rc)
		return rc;
	stats_out(&buf.st, stats, stats_len);
	return 0;
}

int pfring_toggle_filtering_policy(pfring *ring, u_int8_t rules_default_accept_policy)
{
	return filter_setopt_u32(ring, PF_RING_OPT_RULE_POLICY,
				 rules_default_accept_policy ? 1 : 0);
}

int pfring_set_sampling_rate(pfring *ring, u_int32_t rate)
{
	return filter_setopt_u32(ring, PF_RING_OPT_SAMPLING_RATE, rate);
}

int pfring_set_filtering_sampling_rate(pfring *ring, u_int32_t rate)
{
	return filter_setopt_u32(ring, PF_RING_OPT_FILTERING_SAMPLING_RATE, rate);
}

/* pfring.h: no hardware rules, so "hardware and software" is software alone */
int pfring_set_filtering_mode(pfring *ring, filtering_mode mode)
{
	CHECK_FILTER_RING(ring);
	switch (mode) {
	case software_only:
	case hardware_and_software:
		ring->priv->filter_mode = mode;
		return 0;
	case hardware_only:
		return pfring_err(PF_RING_ERROR_NOT_SUPPORTED, ENOTSUP);
	default:
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	}
}

int pfring_get_stats_ext(pfring *ring, struct pf_ring_stats *stats)
{
	struct pf_ring_stats st;
	socklen_t len = sizeof(st);

	CHECK_FILTER_RING(ring);
	if (!stats)
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	memset(&st, 0, sizeof(st));
	if (getsockopt(ring->fd, SOL_PF_RING, PF_RING_OPT_STATS, &st, &len) < 0)
		return filter_kernel_err(errno);
	if (len < PF_RING_STATS_V1_LEN)
		return pfring_err(PF_RING_ERROR_GENERIC, EPROTO);
	*stats = st;	/* a module of the first version: filtered and sampled_out 0 */
	return 0;
}
