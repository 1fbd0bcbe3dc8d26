/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pfring.h - libpfring, the documented pfring_* API of PF_RING.
 *
 * Source-compatible with today's PF_RING: the same function prototypes, type names,
 * enum values, macros and public structure members, so that programs written for
 * PF_RING build against this header unchanged. The layout of the kernel's ring is
 * not here: it is in <linux/pf_ring.h> and only the library reads it.
 *
 * Conventions
 *  - int results: >= 0 on success, a PF_RING_ERROR_* code (< 0) on failure, with
 *    errno set to the cause. errno is left alone on success.
 *  - pointer results: NULL on failure with errno set.
 *  - A function this implementation does not provide returns
 *    PF_RING_ERROR_NOT_SUPPORTED with errno ENOTSUP.
 */
#ifndef _PFRING_H_
#define _PFRING_H_

#include <sys/types.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <time.h>
#include <poll.h>
#include <unistd.h>
#include <pthread.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_ether.h>
#include <linux/pf_ring.h>

/*
 * The BSD type names of the API. glibc declares them only with _DEFAULT_SOURCE, which a
 * strict ISO build (-std=c11, as Suricata's configure compiles this header) lacks.
 */
#ifndef __USE_MISC
typedef unsigned char u_char;
typedef unsigned short u_short;
typedef unsigned int u_int;
typedef unsigned long u_long;
#endif
#ifndef IFNAMSIZ
#define IFNAMSIZ IF_NAMESIZE
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- versions ------------------------------------------------------------------ */

#define RING_VERSION			"8.8.0"
#define RING_VERSION_NUM		0x080800	/* == PF_RING_API_VERSION_NUM */

/* ---- limits and constants ------------------------------------------------------- */

#define MAX_CAPLEN			65600
#ifndef PAGE_SIZE
#define PAGE_SIZE			4096
#endif
#define DEFAULT_POLL_DURATION		500		/* ms */
#define REFLECTOR_NAME_LEN		8
#define MAX_NUM_RX_CHANNELS		64
#define UNKNOWN_NUM_RX_CHANNELS		1
#define RING_ANY_CHANNEL		((u_int64_t)-1)
#define RING_ANY_VLAN			((u_int16_t)0xFFFF)
#define RING_NO_VLAN			((u_int16_t)0)
#define UNKNOWN_INTERFACE		-1
#define FAKE_PACKET			-2
#define NO_TUNNEL_ID			0xFFFFFFFF
#define DEFAULT_MIN_PKT_QUEUED		128
#ifndef ETH_ALEN
#define ETH_ALEN			6
#endif

/* ---- error codes ----------------------------------------------------------------- */

#define PF_RING_ERROR_GENERIC			-1
#define PF_RING_ERROR_INVALID_ARGUMENT		-2
#define PF_RING_ERROR_NO_PKT_AVAILABLE		-3
#define PF_RING_ERROR_NO_TX_SLOT_AVAILABLE	-4
#define PF_RING_ERROR_WRONG_CONFIGURATION	-5
#define PF_RING_ERROR_END_OF_DEMO_MODE		-6
#define PF_RING_ERROR_NOT_SUPPORTED		-7
#define PF_RING_ERROR_INVALID_LIB_VERSION	-8
#define PF_RING_ERROR_UNKNOWN_ADAPTER		-9
#define PF_RING_ERROR_NOT_ENOUGH_MEMORY		-10
#define PF_RING_ERROR_INVALID_STATUS		-11
#define PF_RING_ERROR_RING_NOT_ENABLED		-12

/* ---- pfring_open() flags --------------------------------------------------------- */

#define PF_RING_ZC_SYMMETRIC_RSS	(1 <<  0)
/*
 * PF_RING_REENTRANT: several threads may use the ring at once. Every call that reads
 * the ring (receives, pfring_poll(), pfring_is_pkt_available(), pfring_next_pkt_time(),
 * pfring_get_num_queued_pkts(), pfring_sync_indexes_with_kernel()) takes the ring's
 * mutex; a blocked receive or pfring_poll() lets go of it while it sleeps, and
 * pfring_breakloop() wakes every thread blocked on the ring. Zero copy cannot be shared
 * safely (the slot one thread reads would be given back by another thread's receive),
 * so on such a ring pfring_recv() with buffer_len 0 and pfring_recv_burst() copy the
 * packets into a buffer of the calling thread for that ring: the pointers they return
 * are valid until the same thread's next receive on the same ring, and the buffer is
 * freed when the thread exits or the ring is closed.
 */
#define PF_RING_REENTRANT		(1 <<  1)
#define PF_RING_LONG_HEADER		(1 <<  2)
#define PF_RING_PROMISC			(1 <<  3)
#define PF_RING_TIMESTAMP		(1 <<  4)
#define PF_RING_HW_TIMESTAMP		(1 <<  5)
#define PF_RING_RX_PACKET_BOUNCE	(1 <<  6)
#define PF_RING_ZC_FIXED_RSS_Q_0	(1 <<  7)
#define PF_RING_STRIP_HW_TIMESTAMP	(1 <<  8)
#define PF_RING_DO_NOT_PARSE		(1 <<  9)
#define PF_RING_DO_NOT_TIMESTAMP	(1 << 10)
#define PF_RING_CHUNK_MODE		(1 << 11)
#define PF_RING_IXIA_TIMESTAMP		(1 << 12)
#define PF_RING_USERSPACE_BPF		(1 << 13)
#define PF_RING_ZC_NOT_REPROGRAM_RSS	(1 << 14)
#define PF_RING_VSS_APCON_TIMESTAMP	(1 << 15)
#define PF_RING_ZC_IPONLY_RSS		(1 << 16)
#define PF_RING_FLOW_OFFLOAD		(1 << 17)
#define PF_RING_FLOW_OFFLOAD_NOUPDATES	(1 << 18)
#define PF_RING_KEEP_CRC		(1 << 19)
#define PF_RING_L7_FILTERING		(1 << 20)
#define PF_RING_DO_NOT_STRIP_FCS	(1 << 21)
#define PF_RING_TX_BPF			(1 << 22)
#define PF_RING_FLOW_OFFLOAD_RESET	(1 << 23)
#define PF_RING_DISCARD_INJECTED_PKTS	(1 << 24)
#define PF_RING_ARISTA_TIMESTAMP	(1 << 25)
#define PF_RING_METAWATCH_TIMESTAMP	(1 << 26)
#define PF_RING_HW_TIMESTAMP_UNSYNC	(1 << 27)

/* older names */
#define PF_RING_DNA_SYMMETRIC_RSS	PF_RING_ZC_SYMMETRIC_RSS
#define PF_RING_DNA_FIXED_RSS_Q_0	PF_RING_ZC_FIXED_RSS_Q_0

/* features a program may test for */
#define PF_RING_API_RECV_BURST

/* ---- packet header ----------------------------------------------------------------- */

typedef union {
	struct in6_addr v6;	/* network byte order */
	u_int32_t v4;		/* host byte order (as filled by pfring_parse_pkt) */
} ip_addr;

#define ipv4_tos	ip_tos
#define ipv6_tos	ip_tos
#define ipv4_src	ip_src.v4
#define ipv4_dst	ip_dst.v4
#define ipv6_src	ip_src.v6
#define ipv6_dst	ip_dst.v6
#define host4_low	host_low.v4
#define host4_high	host_high.v4
#define host6_low	host_low.v6
#define host6_high	host_high.v6
#define host4_peer_a	host_peer_a.v4
#define host4_peer_b	host_peer_b.v4
#define host6_peer_a	host_peer_a.v6
#define host6_peer_b	host_peer_b.v6

/* Offsets from the start of the frame; 0 when the layer is absent (eth_offset is 0). */
struct pkt_offset {
	int16_t eth_offset;
	int16_t vlan_offset;
	int16_t l3_offset;
	int16_t l4_offset;
	int16_t payload_offset;
} __attribute__((packed));

typedef struct {
	u_int32_t tunnel_id;		/* NO_TUNNEL_ID when none */
	u_int8_t tunneled_ip_version;
	u_int8_t tunneled_proto;
	ip_addr tunneled_ip_src, tunneled_ip_dst;
	u_int16_t tunneled_l4_src_port, tunneled_l4_dst_port;
} __attribute__((packed)) tunnel_info;

/*
 * Parsed headers. Numbers are in host byte order (eth_type, vlan_id, ports, IPv4
 * addresses, TCP sequence numbers); IPv6 addresses are kept in network order.
 */
struct pkt_parsing_info {
	u_int8_t dmac[ETH_ALEN], smac[ETH_ALEN];
	u_int16_t eth_type;		/* after any VLAN tags */
	u_int16_t vlan_id;		/* 0: untagged */
	u_int16_t qinq_vlan_id;		/* inner tag of a QinQ frame */
	u_int8_t ip_version;
	u_int8_t l3_proto, ip_tos;
	ip_addr ip_src, ip_dst;
	u_int16_t l4_src_port, l4_dst_port;
	u_int8_t icmp_type, icmp_code;
	struct {
		u_int8_t flags;
		u_int32_t seq_num, ack_num;
	} __attribute__((packed)) tcp;
	tunnel_info tunnel;
	int32_t last_matched_rule_id;
	struct pkt_offset offset;
} __attribute__((packed));

/* An 802.1Q tag as it follows the MAC addresses (today's pf_ring.h has it; tools parse with it) */
struct eth_vlan_hdr {
	u_int16_t h_vlan_id;		/* TCI: priority, DEI, VLAN id */
	u_int16_t h_proto;		/* the type that follows */
} __attribute__((packed));

#define PKT_FLAGS_CHECKSUM_OFFLOAD	(1 << 0)
#define PKT_FLAGS_CHECKSUM_OK		(1 << 1)
#define PKT_FLAGS_IP_MORE_FRAG		(1 << 2)
#define PKT_FLAGS_IP_FRAG_OFFSET	(1 << 3)
#define PKT_FLAGS_VLAN_HWACCEL		(1 << 4)
#define PKT_FLAGS_FLOW_OFFLOAD_UPDATE	(1 << 6)
#define PKT_FLAGS_FLOW_OFFLOAD_PACKET	(1 << 7)
#define PKT_FLAGS_FLOW_OFFLOAD_MARKER	(1 << 8)

struct pfring_extended_pkthdr {
	u_int64_t timestamp_ns;		/* always filled */
	u_int32_t flags;		/* PKT_FLAGS_* */
	u_int8_t rx_direction;		/* 1: received, 0: transmitted */
	int32_t if_index;
	u_int32_t pkt_hash;		/* symmetric flow hash */
	struct {
		int32_t bounce_interface;
		void *reserved;
	} __attribute__((packed)) tx;
	struct pkt_parsing_info parsed_pkt;	/* PF_RING_LONG_HEADER, pfring_parse_pkt() */
} __attribute__((packed));

/* Begins exactly like struct pcap_pkthdr: a program may pass it where one is expected. */
struct pfring_pkthdr {
	struct timeval ts;
	u_int32_t caplen;
	u_int32_t len;
	struct pfring_extended_pkthdr extended_hdr;
} __attribute__((packed));

/* ---- enums --------------------------------------------------------------------------- */

typedef enum {
	rx_and_tx_direction = 0,
	rx_only_direction,
	tx_only_direction
} packet_direction;

typedef enum {
	send_and_recv_mode = 0,
	send_only_mode,
	recv_only_mode
} socket_mode;

typedef enum {
	cluster_per_flow = 0,
	cluster_round_robin,
	cluster_per_flow_2_tuple,
	cluster_per_flow_4_tuple,
	cluster_per_flow_5_tuple,
	cluster_per_flow_tcp_5_tuple,
	cluster_per_inner_flow,
	cluster_per_inner_flow_2_tuple,
	cluster_per_inner_flow_4_tuple,
	cluster_per_inner_flow_5_tuple,
	cluster_per_inner_flow_tcp_5_tuple,
	cluster_per_flow_ip_5_tuple,
	cluster_per_inner_flow_ip_5_tuple,
	cluster_per_flow_ip_with_dup_tuple
} cluster_type;

#define MAX_CLUSTER_TYPE_ID		cluster_per_flow_ip_with_dup_tuple
#define CLUSTER_OPTION_RELAXED_DISTRIBUTION	(1 << 0)

typedef enum {
	forward_packet_and_stop_rule_evaluation = 0,
	dont_forward_packet_and_stop_rule_evaluation,
	execute_action_and_continue_rule_evaluation,
	execute_action_and_stop_rule_evaluation,
	forward_packet_add_rule_and_stop_rule_evaluation,
	reflect_packet_and_stop_rule_evaluation,
	reflect_packet_and_continue_rule_evaluation,
	bounce_packet_and_stop_rule_evaluation,
	bounce_packet_and_continue_rule_evaluation
} rule_action_behaviour;

typedef enum {
	pkt_detail_flow,
	pkt_detail_aggregation
} pkt_detail_mode;

typedef enum {
	hardware_and_software = 0,
	hardware_only,
	software_only
} filtering_mode;

typedef enum {
	FULL_PACKET_SLICING = 0,
	L2_SLICING = 2,
	L3_SLICING = 3,
	L4_SLICING = 4
} packet_slicing_level;

typedef enum {
	long_pkt_header = 0,
	short_pkt_header
} pkt_header_len;

typedef enum {
	standard_nic_family = 0,
	intel_82599_family
} pfring_device_type;

typedef enum {
	default_drop = 0,
	default_pass
} generic_default_action_type;

typedef enum {
	PCAP_CHUNK,
	PCAP_NSEC_CHUNK,
	PCAPNG_NSEC_CHUNK,
	UNKNOWN_CHUNK_TYPE
} pfring_chunk_type;

/*
 * ---- filtering rules ------------------------------------------------------------------
 *
 * Software rules, run by the kernel module on each packet before it reaches the ring
 * (linux/pf_ring.h, "Filtering", says how they match and decide). The hardware rules
 * (hw_filtering_rule and the NIC families below) are not implemented: NOT_SUPPORTED.
 *
 * filtering_rule, as pfring_add_filtering_rule() reads it:
 *  - Numbers (vlan_id, eth_type, ports) in host byte order; a field left 0 is any.
 *  - Hosts: IPv4 in .v4 in host byte order, IPv6 in .v6 in network order, each with its
 *    mask (a prefix: ones, then zeros). The IP version is told from the masks: none set,
 *    any version; bytes 4 to 15 of both masks zero, IPv4; otherwise IPv6. So an IPv6
 *    mask of exactly 32 bits (and none longer) reads as IPv4: set
 *    FILTER_IPV6_HOSTS_FLAG for such a rule. With zero masks the two flags below make a
 *    rule that matches only IPv4 or only IPv6 packets.
 *  - Tunnel fields (FILTER_TUNNEL_ID_FLAG, extended_fields.tunnel) are not supported:
 *    a rule that sets the flag is refused (NOT_SUPPORTED, errno ENOTSUP).
 *  - payload_pattern: its bytes up to the first NUL (at most 32) must occur in the
 *    packet's payload; empty: any.
 *  - reflector_device_name: the device of the REFLECT actions (a name of at most 8
 *    bytes, REFLECTOR_NAME_LEN; no such device: INVALID_ARGUMENT, errno ENODEV).
 *  - internals: ignored.
 */

typedef struct {
	unsigned long jiffies_last_match;
	void *reflector_dev;
} __attribute__((packed)) filtering_internals;

typedef struct {
	int32_t if_index;
	u_int8_t smac[ETH_ALEN], dmac[ETH_ALEN];
	u_int16_t vlan_id;
	u_int16_t eth_type;
	u_int8_t proto;
	ip_addr shost, dhost;
	ip_addr shost_mask, dhost_mask;
	u_int16_t sport_low, sport_high;
	u_int16_t dport_low, dport_high;
	struct {
		u_int8_t flags;
	} tcp;
} __attribute__((packed)) filtering_rule_core_fields;

#define FILTER_TUNNEL_ID_FLAG		(1 << 0)	/* not supported: refused */
/*
 * extended_fields.optional_fields: this library's own flags (not ntop's PF_RING): the
 * rule's hosts are of this IP version, and so must the packet be, whatever the masks
 * say (with zero masks: any host of that version). Both at once: INVALID_ARGUMENT.
 */
#define FILTER_IPV4_HOSTS_FLAG		(1 << 14)
#define FILTER_IPV6_HOSTS_FLAG		(1 << 15)

typedef struct {
	u_int16_t optional_fields;
	struct {
		u_int32_t tunnel_id;
		ip_addr shost, dhost;
		ip_addr shost_mask, dhost_mask;
	} __attribute__((packed)) tunnel;
	char payload_pattern[32];
} __attribute__((packed)) filtering_rule_extended_fields;

#define FILTERING_RULE_AUTO_RULE_ID	0xFFFF

typedef struct {
	u_int16_t rule_id;
	rule_action_behaviour rule_action;
	u_int8_t balance_id, balance_pool;
	u_int8_t locked;
	u_int8_t bidirectional;
	filtering_rule_core_fields core_fields;
	filtering_rule_extended_fields extended_fields;
	char reflector_device_name[REFLECTOR_NAME_LEN];
	filtering_internals internals;
} __attribute__((packed)) filtering_rule;

/*
 * A hash rule: one flow, matched in both directions. Hosts as in filtering_rule (IPv4
 * in .v4 in host byte order, IPv6 in .v6 in network order), of ip_version 4 or 6; 0
 * means 4 (what programs that never set ip_version meant). rule_id is ignored: a hash
 * rule is known by its vlan_id, proto, hosts and ports (its key).
 */
typedef struct {
	u_int16_t rule_id;
	u_int16_t vlan_id;
	u_int8_t ip_version;
	u_int8_t proto;
	ip_addr host_peer_a, host_peer_b;
	u_int16_t port_peer_a, port_peer_b;
	rule_action_behaviour rule_action;
	char reflector_device_name[REFLECTOR_NAME_LEN];
	filtering_internals internals;
} __attribute__((packed)) hash_filtering_rule;

/* What pfring_get_filtering_rule_stats() and pfring_get_hash_filtering_rule_stats() give */
typedef struct {
	u_int64_t match;		/* packets that matched the rule */
	u_int64_t filtered;		/* of those, dropped by its action */
	u_int64_t match_forward;	/* of those, delivered by the filtering sampling rate */
	u_int32_t inactivity;		/* seconds since the last match (or the addition) */
} __attribute__((packed)) hash_filtering_rule_stats;

typedef struct {
	u_int8_t proto;
	u_int32_t s_addr, d_addr;
	u_int16_t s_port, d_port;
	u_int16_t queue_id;
} __attribute__((packed)) intel_82599_five_tuple_filter_hw_rule;

typedef struct {
	u_int16_t vlan_id;
	u_int8_t proto;
	u_int32_t s_addr, d_addr;
	u_int16_t s_port, d_port;
	u_int16_t queue_id;
} __attribute__((packed)) intel_82599_perfect_filter_hw_rule;

typedef enum {
	drop_rule,
	redirect_rule,
	mirror_rule
} silicom_redirector_rule_type;

typedef struct {
	silicom_redirector_rule_type rule_type;
	u_int8_t rule_port;
	u_int8_t rule_target_port;
	u_int16_t vlan_id_low, vlan_id_high;
	u_int8_t l3_proto;
	ip_addr src_addr, dst_addr;
	u_int32_t src_mask, dst_mask;
	u_int16_t src_port_low, src_port_high;
	u_int16_t dst_port_low, dst_port_high;
} __attribute__((packed)) silicom_redirector_hw_rule;

typedef enum {
	accolade_drop,
	accolade_pass
} accolade_rule_action_type;

typedef struct {
	accolade_rule_action_type action;
	u_int32_t port_mask;
	u_int8_t ip_version;
	u_int8_t protocol;
	u_int16_t vlan_id;
	u_int32_t mpls_label;
	ip_addr src_addr, dst_addr;
	u_int32_t src_addr_bits, dst_addr_bits;
	u_int16_t src_port_low;
	u_int16_t src_port_high;
	u_int16_t dst_port_low;
	u_int16_t dst_port_high;
	u_int8_t l4_port_not;
} __attribute__((packed)) accolade_hw_rule;

typedef enum {
	flow_drop_rule,
	flow_mark_rule
} generic_flow_rule_action_type;

typedef struct {
	generic_flow_rule_action_type action;
	u_int32_t flow_id;
	u_int32_t thread;
} __attribute__((packed)) generic_flow_id_hw_rule;

typedef struct {
	generic_flow_rule_action_type action;
	ip_addr src_ip;
	ip_addr dst_ip;
	u_int16_t src_port;
	u_int16_t dst_port;
	u_int8_t ip_version;
	u_int8_t protocol;
	u_int8_t interface;
} __attribute__((packed)) generic_flow_tuple_hw_rule;

typedef enum {
	intel_82599_five_tuple_rule,
	intel_82599_perfect_filter_rule,
	silicom_redirector_rule,
	generic_flow_id_rule,
	generic_flow_tuple_rule,
	accolade_rule,
	accolade_default
} hw_filtering_rule_type;

typedef struct {
	hw_filtering_rule_type rule_family_type;
	u_int16_t rule_id;
	union {
		intel_82599_five_tuple_filter_hw_rule five_tuple_rule;
		intel_82599_perfect_filter_hw_rule perfect_rule;
		silicom_redirector_hw_rule redirector_rule;
		generic_flow_id_hw_rule flow_id_rule;
		generic_flow_tuple_hw_rule flow_tuple_rule;
		accolade_hw_rule accolade_rule;
	} rule_family;
} __attribute__((packed)) hw_filtering_rule;

typedef enum {
	add_hw_rule,
	remove_hw_rule
} hw_filtering_rule_command;

typedef struct {
	char device_name[IFNAMSIZ];
	pfring_device_type device_type;
	void *proc_entry;
} __attribute__((packed)) virtual_filtering_device_info;

struct pfring_timespec {
	u_int32_t tv_sec;
	u_int32_t tv_nsec;
} __attribute__((packed));

typedef struct {
	u_int32_t flow_id;
	u_int8_t ip_version;
	u_int8_t l4_protocol;
	u_int8_t tos;
	u_int8_t tcp_flags;
	ip_addr src_ip;
	ip_addr dst_ip;
	u_int16_t vlan_id;
	u_int16_t reserved;
	u_int16_t src_port;
	u_int16_t dst_port;
	u_int32_t fwd_packets;
	u_int32_t fwd_bytes;
	u_int32_t rev_packets;
	u_int32_t rev_bytes;
	struct pfring_timespec fwd_ts_first;
	struct pfring_timespec fwd_ts_last;
	struct pfring_timespec rev_ts_first;
	struct pfring_timespec rev_ts_last;
} __attribute__((packed)) generic_flow_update;

typedef generic_flow_update pfring_flow_update;

/* ---- library types ---------------------------------------------------------------------- */

typedef struct __pfring pfring;

typedef void (*pfringProcesssPacket)(const struct pfring_pkthdr *h, const u_char *p,
				     const u_char *user_bytes);

typedef struct {
	u_int32_t max_packet_size;
	u_int32_t rx_ring_slots;
	u_int32_t tx_ring_slots;
} pfring_card_settings;

typedef struct {
	u_int64_t recv;
	u_int64_t drop;
	u_int64_t shunt;
} pfring_stat;

typedef struct {
	u_int32_t length;
	pfring_chunk_type type;
} pfring_chunk_info;

/*
 * One packet of pfring_recv_burst(): data points into the ring until the next receive or
 * pfring_poll() on the ring (PF_RING_REENTRANT: into the thread's copy, see there).
 */
typedef struct {
	u_char *data;
	struct timeval ts;
	u_int16_t caplen;
	u_int16_t len;
	u_int32_t flags;
	u_int32_t hash;
} pfring_packet_info;

struct pfring_bpf_program {
	u_int bf_len;
	void *bf_insns;
};

typedef struct pfring_if {
	char *name;
	char *system_name;
	char *module;
	char *module_version;
	char *sn;
	char mac[6];
	struct {		/* PCI address: slot is the domain */
		int slot;
		int bus;
		int device;
		int function;
	} bus_id;
	int ifindex;
	int status;		/* 1 up, 0 down, -1 unknown */
	int license;
	time_t license_expiration;
	struct pfring_if *next;
} pfring_if_t;

struct pfring_private;

/*
 * A ring. Programs may read fd, enabled and zc_device; everything else is private to
 * the library.
 */
struct __pfring {
	u_int8_t initialized;
	u_int8_t enabled;
	u_int8_t zc_device;
	u_int8_t long_header;
	int fd;
	struct pfring_private *priv;
	void *__reserved[4];
};

/* ---- the API ------------------------------------------------------------------------------- */

#pragma GCC visibility push(default)

/*
 * Device names: "ethX", "ethX@Q" (one RX queue), "ethX,ethY" and channel lists
 * ("eth0@1-3"), "any", "stack:ethX" (sends enter the stack as if ethX had received), and
 * "zc:<cluster id>@<queue id>" ("zc:99@0"): the consumer of a queue (and the pool of the
 * same id) of a ZC cluster another process created, such as zbalance_ipc's. libpfring
 * loads libpfring_zc.so.8 for it at run time (errno ENOPKG when it cannot); errors
 * EINVAL (malformed, queue id above 255), ENOENT (no such cluster, queue or pool), EBUSY
 * (consumed by another ring or process). Zero copy with buffer_len 0 (valid until the
 * next receive), ts from the ZC buffer (ns in extended_hdr.timestamp_ns), stats are the
 * queue's counters, no selectable fd (-1, EOPNOTSUPP: use pfring_poll()), BPF run by
 * the library, no sending (EOPNOTSUPP). Other "zc:" names (kernel-bypass devices) and
 * other module prefixes: EOPNOTSUPP.
 */
pfring *pfring_open(const char *device_name, u_int32_t caplen, u_int32_t flags);
u_int8_t pfring_open_multichannel(const char *device_name, u_int32_t caplen, u_int32_t flags,
				  pfring *ring[MAX_NUM_RX_CHANNELS]);
void pfring_shutdown(pfring *ring);
void pfring_config(u_short cpu_percentage);
int pfring_loop(pfring *ring, pfringProcesssPacket looper, const u_char *user_bytes,
		u_int8_t wait_for_packet);
void pfring_breakloop(pfring *ring);
void pfring_close(pfring *ring);
int pfring_stats(pfring *ring, pfring_stat *stats);
int pfring_recv(pfring *ring, u_char **buffer, u_int buffer_len, struct pfring_pkthdr *hdr,
		u_int8_t wait_for_incoming_packet);
int pfring_recv_burst(pfring *ring, pfring_packet_info *packets, u_int8_t num_packets,
		      u_int8_t wait_for_packets);
int pfring_recv_parsed(pfring *ring, u_char **buffer, u_int buffer_len,
		       struct pfring_pkthdr *hdr, u_int8_t wait_for_incoming_packet,
		       u_int8_t level, u_int8_t add_timestamp, u_int8_t add_hash);
int pfring_recv_flow(pfring *ring, pfring_flow_update *flow, u_int8_t wait_for_flows);
int pfring_get_metadata(pfring *ring, u_char **metadata, u_int32_t *metadata_len);
int pfring_set_poll_watermark(pfring *ring, u_int16_t watermark);
int pfring_set_poll_watermark_timeout(pfring *ring, u_int16_t poll_watermark_timeout);
int pfring_set_poll_duration(pfring *ring, u_int duration);
int pfring_set_tx_watermark(pfring *ring, u_int16_t watermark);
int pfring_set_default_hw_action(pfring *ring, generic_default_action_type action);
int pfring_add_hw_rule(pfring *ring, hw_filtering_rule *rule);
int pfring_remove_hw_rule(pfring *ring, u_int16_t rule_id);
int pfring_set_channel_id(pfring *ring, u_int32_t channel_id);
int pfring_set_channel_mask(pfring *ring, u_int64_t channel_mask);
int pfring_set_application_name(pfring *ring, char *name);
int pfring_set_application_stats(pfring *ring, char *stats);
char *pfring_get_appl_stats_file_name(pfring *ring, char *path, u_int path_len);
int pfring_set_vlan_id(pfring *ring, u_int16_t vlan_id);
int pfring_bind(pfring *ring, char *device_name);
/*
 * Sending: frames wait in the ring's buffer until the tx watermark (64 frames by
 * default, pfring_set_tx_watermark()) or a flush (flush_packet 1,
 * pfring_flush_tx_packets(), a receive about to sleep, pfring_close()), then go in one
 * system call. PF_RING_ERROR_NO_TX_SLOT_AVAILABLE: the frame was not taken, send it
 * again; any other error: it was taken (or refused), do not (pfring_send.c says more).
 */
int pfring_send(pfring *ring, char *pkt, u_int pkt_len, u_int8_t flush_packet);
int pfring_send_ifindex(pfring *ring, char *pkt, u_int pkt_len, u_int8_t flush_packet,
			int if_index);
int pfring_send_get_time(pfring *ring, char *pkt, u_int pkt_len, struct timespec *ts);
u_int8_t pfring_get_num_rx_channels(pfring *ring);
/*
 * Sampling, in the kernel: of the packets that passed the filters, one in rate reaches
 * the ring (1, the default: all; 0: INVALID_ARGUMENT). pfring_set_filtering_sampling_rate:
 * of the packets a DONT_FORWARD rule drops, one in rate is delivered all the same (0,
 * the default: none).
 */
int pfring_set_sampling_rate(pfring *ring, u_int32_t rate);
int pfring_set_filtering_sampling_rate(pfring *ring, u_int32_t rate);
int pfring_set_packet_slicing(pfring *ring, packet_slicing_level level,
			      u_int32_t additional_bytes);
int pfring_get_selectable_fd(pfring *ring);
int pfring_set_direction(pfring *ring, packet_direction direction);
int pfring_set_socket_mode(pfring *ring, socket_mode mode);
int pfring_set_cluster_consumer(pfring *ring, u_int16_t cluster_id, u_int16_t queue_id,
				cluster_type the_type, u_int32_t options);
int pfring_set_cluster(pfring *ring, u_int clusterId, cluster_type the_type);
int pfring_remove_from_cluster(pfring *ring);
int pfring_set_master_id(pfring *ring, u_int32_t master_id);
int pfring_set_master(pfring *ring, pfring *master);
u_int32_t pfring_get_ring_id(pfring *ring);
u_int32_t pfring_get_num_queued_pkts(pfring *ring);
/*
 * Rules (see "filtering rules" above). A ring has its own rules and policy; they work
 * before or after pfring_enable_ring(). The kernel's refusals keep its errno: a rule_id
 * or hash rule already there EEXIST, unknown ENOENT, a field out of range EINVAL, too
 * many rules ENOSPC, no such device ENODEV. Codes: INVALID_ARGUMENT for EINVAL, EEXIST,
 * ENOENT and ENODEV, NOT_SUPPORTED for ENOTSUP, GENERIC otherwise. NULL ring or rule:
 * INVALID_ARGUMENT (EINVAL).
 *
 * pfring_add_filtering_rule: rule_id FILTERING_RULE_AUTO_RULE_ID lets the kernel pick
 * (the highest id + 1), and the id it picked is written back into rule_to_add->rule_id.
 * pfring_purge_idle_rules: rules that matched nothing for inactivity_sec go, except
 * those locked. The rule statistics fill stats with a hash_filtering_rule_stats
 * (*stats_len at least its size, else INVALID_ARGUMENT; set to the bytes written).
 */
int pfring_handle_hash_filtering_rule(pfring *ring, hash_filtering_rule *rule_to_add,
				      u_char add_rule);
int pfring_add_filtering_rule(pfring *ring, filtering_rule *rule_to_add);
int pfring_remove_filtering_rule(pfring *ring, u_int16_t rule_id);
int pfring_purge_idle_hash_rules(pfring *ring, u_int16_t inactivity_sec);
int pfring_purge_idle_rules(pfring *ring, u_int16_t inactivity_sec);
int pfring_get_hash_filtering_rule_stats(pfring *ring, hash_filtering_rule *rule,
					 char *stats, u_int *stats_len);
int pfring_get_filtering_rule_stats(pfring *ring, u_int16_t rule_id, char *stats,
				    u_int *stats_len);
/* What no rule decides: delivered (1, the default; any value > 0) or dropped (0) */
int pfring_toggle_filtering_policy(pfring *ring, u_int8_t rules_default_accept_policy);
int pfring_enable_rss_rehash(pfring *ring);
/*
 * Capture only (this implementation's addition): enable 1 keeps the frames a ring takes
 * on the ring's devices from the stack, 0 gives them back. A switch of each device (it
 * outlives the ring; the same as the driver's ethtool private flag
 * "pf_ring-capture-only"), which needs CAP_NET_ADMIN and a PF_RING-aware driver on
 * every device of the ring: PF_RING_ERROR_NOT_SUPPORTED (errno EOPNOTSUPP) otherwise,
 * and no device is switched.
 */
int pfring_set_capture_only(pfring *ring, u_int8_t enable);
/*
 * Waits up to wait_duration ms for a packet the program has not received yet: 1 when
 * there is one, 0 when none came (or pfring_breakloop() was called), < 0 on an error.
 * Like a receive, it first gives back what the last receive handed out (the ring's
 * indexes are synchronised with the kernel): zero-copy pointers are then no longer valid.
 */
int pfring_poll(pfring *ring, u_int wait_duration);
int pfring_is_pkt_available(pfring *ring);
int pfring_next_pkt_time(pfring *ring, struct timespec *ts);
int pfring_next_pkt_raw_timestamp(pfring *ring, u_int64_t *timestamp_ns);
void pfring_version_noring(u_int32_t *version);
int pfring_version(pfring *ring, u_int32_t *version);
int pfring_set_reflector_device(pfring *ring, char *device_name);
/*
 * This library's own (not in ntop's PF_RING): every received frame the ring takes goes
 * back out of the device it came from, its MAC addresses swapped, instead of into the
 * ring (on 1); 0 stops it. See PF_RING_OPT_REFLECTOR in linux/pf_ring.h.
 */
int pfring_set_bounce(pfring *ring, u_int8_t on);
int pfring_get_bound_device_address(pfring *ring, u_char mac_address[6]);
u_int16_t pfring_get_slot_header_len(pfring *ring);
int pfring_get_bound_device_ifindex(pfring *ring, int *if_index);
int pfring_get_device_ifindex(pfring *ring, char *device_name, int *if_index);
int pfring_set_virtual_device(pfring *ring, virtual_filtering_device_info *info);
int pfring_loopback_test(pfring *ring, char *buffer, u_int buffer_len, u_int test_len);
int pfring_enable_ring(pfring *ring);
int pfring_disable_ring(pfring *ring);
/*
 * BPF: the expression (tcpdump's syntax) is compiled by libpcap and attached to the
 * ring's socket (SO_ATTACH_FILTER), replacing the one there; the kernel runs it on each
 * packet from its link-layer header, with VLAN tags the NIC stripped seen as "vlan" sees
 * them on a live capture (raw IP devices: from the IP header). libpcap is loaded when
 * first needed (libpcap.so.0.8 or .1): no -lpcap is needed to link; without it the BPF
 * functions fail with NOT_SUPPORTED (ENOTSUP). An expression libpcap refuses:
 * INVALID_ARGUMENT (EINVAL), with libpcap's message in pfring_get_bpf_error(); a ring
 * bound to devices of different link types: NOT_SUPPORTED. pfring_remove_bpf_filter
 * with no filter attached: INVALID_ARGUMENT, errno ENOENT. On a "zc:<cluster>@<queue>"
 * ring (no kernel before it) the library runs the program on each packet it receives,
 * skipping those refused; set it before receiving.
 */
int pfring_set_bpf_filter(pfring *ring, const char *filter_buffer);
int pfring_remove_bpf_filter(pfring *ring);
/*
 * No NIC this library drives has hardware rules: software_only and
 * hardware_and_software (the default, which includes software) both run the rules in
 * the kernel module and succeed; hardware_only fails with NOT_SUPPORTED (ENOTSUP).
 */
int pfring_set_filtering_mode(pfring *ring, filtering_mode mode);
/*
 * This library's own (not in ntop's PF_RING):
 *  - pfring_get_bpf_error: why the last pfring_set_bpf_filter() on the ring failed
 *    (libpcap's message for an expression it refused); "" after a success.
 *  - pfring_get_filtering_info: the ring's rule counts, policy, sampling rates, whether
 *    a BPF filter is attached, and the hash rules' counters (linux/pf_ring.h).
 *  - pfring_get_stats_ext: all the ring's counters at once: recv and drop (as
 *    pfring_stats()), filtered (kept out by the BPF filter, a rule or the policy) and
 *    sampled_out (kept out by the sampling rate).
 */
const char *pfring_get_bpf_error(pfring *ring);
int pfring_get_filtering_info(pfring *ring, struct pf_ring_filter_info *info);
int pfring_get_stats_ext(pfring *ring, struct pf_ring_stats *stats);
int pfring_get_device_clock(pfring *ring, struct timespec *ts);
int pfring_set_device_clock(pfring *ring, struct timespec *ts);
int pfring_adjust_device_clock(pfring *ring, struct timespec *offset, int8_t sign);
void pfring_sync_indexes_with_kernel(pfring *ring);
int pfring_send_last_rx_packet(pfring *ring, int tx_interface_id);
int pfring_get_link_status(pfring *ring);
int pfring_get_link_type(pfring *ring);
int pfring_get_caplen(pfring *ring);
int pfring_flush_tx_packets(pfring *ring);
int pfring_search_payload(pfring *ring, char *string_to_search);

/* utilities */
int pfring_parse_pkt(u_char *pkt, struct pfring_pkthdr *hdr, u_int8_t level,
		     u_int8_t add_timestamp, u_int8_t add_hash);
int pfring_set_if_promisc(const char *device, int set_promisc);
int pfring_set_promisc(pfring *ring, int set_promisc);
char *pfring_format_numbers(double val, char *buf, u_int buf_len, u_int8_t add_decimals);
int pfring_enable_hw_timestamp(pfring *ring, char *device_name, u_int8_t enable_rx,
			       u_int8_t enable_tx);
int pfring_get_mtu_size(pfring *ring);
int pfring_get_card_settings(pfring *ring, pfring_card_settings *settings);
int pfring_print_parsed_pkt(char *buff, u_int buff_len, const u_char *p,
			    const struct pfring_pkthdr *h);
int pfring_print_pkt(char *buff, u_int buff_len, const u_char *p, u_int len, u_int caplen);
int pfring_recv_chunk(pfring *ring, void **chunk, pfring_chunk_info *chunk_info,
		      u_int8_t wait_for_incoming_chunk);
int pfring_set_bound_dev_name(pfring *ring, char *custom_dev_name);
void pfring_enable_hw_timestamp_debug(void);
int pfring_read_ixia_hw_timestamp(u_char *buffer, u_int32_t buffer_len, struct timespec *ts);
int pfring_handle_ixia_hw_timestamp(u_char *buffer, struct pfring_pkthdr *hdr);
int pfring_read_metawatch_hw_timestamp(u_char *buffer, u_int32_t buffer_len,
				       struct timespec *ts);
int pfring_read_metawatch_device_info(u_char *buffer, u_int32_t buffer_len,
				      u_int16_t *device_id, u_int8_t *port_id);
int pfring_handle_metawatch_hw_timestamp(u_char *buffer, struct pfring_pkthdr *hdr);
int pfring_read_arista_7150_keyframe(u_char *buffer, u_int32_t buffer_len, u_int64_t *ns_ts,
				     u_int32_t *ticks_ts);
int pfring_read_arista_7150_hw_timestamp(u_char *buffer, u_int32_t buffer_len,
					 u_int64_t *ns_ts);
int pfring_handle_arista_hw_timestamp(u_char *buffer, struct pfring_pkthdr *hdr);
u_int32_t pfring_get_interface_speed(pfring *ring);
u_int32_t pfring_get_ethtool_link_speed(const char *ifname);
pfring_if_t *pfring_findalldevs(void);
void pfring_freealldevs(pfring_if_t *list);

/*
 * A BPF program the caller runs itself: pfring_bpf_filter() is non-zero when the frame
 * (Ethernet, caplen bytes of a frame of len) matches. The expression is compiled for
 * Ethernet frames of caplen bytes (0: MAX_CAPLEN); refused: INVALID_ARGUMENT, libpcap's
 * message on stderr. pfring_free_bpf_filter frees what pfring_parse_bpf_filter gave.
 */
int pfring_parse_bpf_filter(const char *filter_buffer, u_int caplen,
			    struct pfring_bpf_program *filter);
void pfring_free_bpf_filter(struct pfring_bpf_program *filter);
u_int32_t pfring_bpf_filter(void *bpf_insn, u_char *buffer, u_int32_t caplen, u_int32_t len);

int32_t gmt_to_local(time_t t);

struct thirdparty_func {
	const char *name;
	void (*ptr)(void);
};

void pfring_thirdparty_lib_init(const char *thirdparty_lib_name,
				struct thirdparty_func thirdparty_function_ptr[]);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* _PFRING_H_ */
