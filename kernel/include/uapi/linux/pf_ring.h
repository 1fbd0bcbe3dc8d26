/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * pf_ring.h - the PF_RING socket's interface with user space.
 *
 * This is the one definition of everything the kernel module and user space share:
 * the socket family, the socket options, the layout of the mmapped ring and the
 * protocol by which the kernel fills it and user space empties it. libpfring's
 * pfring.h (the source-compatible API of today's PF_RING) is built on top of it.
 *
 * Types are __u8..__u64 only; no __KERNEL__ branches; every padding byte is a named
 * field (the module checks the sizes at build time). An option number is never
 * reused; an extended structure gets a new option.
 *
 * 1. The socket
 *
 *   fd = socket(family, SOCK_RAW, htons(ETH_P_ALL));
 *
 * family is PF_RING_AF_DEFAULT; the module says which it registered in
 * /proc/net/pf_ring/info ("Socket family : N"), and libpfring reads it there, so that
 * a future change of number never needs applications to be rebuilt. Opening a
 * ring needs CAP_NET_RAW in the socket's network namespace (else EPERM).
 *
 * 2. Set-up, before the ring is mapped
 *
 *   setsockopt(fd, SOL_PF_RING, PF_RING_OPT_CAPLEN, &u32, 4);       optional
 *   setsockopt(fd, SOL_PF_RING, PF_RING_OPT_SLOTS, &u32, 4);        optional
 *   setsockopt(fd, SOL_PF_RING, PF_RING_OPT_BIND, "eth1@0", len);   the device(s)
 *   getsockopt(fd, SOL_PF_RING, PF_RING_OPT_RING_GEOMETRY, &geo, &len);
 *   ring = mmap(NULL, geo.mmap_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
 *   setsockopt(fd, SOL_PF_RING, PF_RING_OPT_ENABLE, &one, 4);       packets flow
 *
 * PF_RING_OPT_BIND takes a device list: "ethX", "ethX@Q" (RX queue Q only), "any"
 * (every device of the namespace) or "ethX,ethY[@Q],...". The ring is allocated
 * (zeroed) when PF_RING_OPT_RING_GEOMETRY is read, or at the first mmap if it was
 * not; caplen, slots and the bind list cannot change after it (EBUSY). Enabling
 * needs the ring mapped (EINVAL before); packets reach the ring only while it is
 * enabled.
 *
 * The ring's memory is charged to the caller's memory cgroup (over memory.max:
 * ENOMEM), may not exceed the module's max_ring_mb (ENOMEM) and, for a caller
 * without CAP_IPC_LOCK, counts against its user's RLIMIT_MEMLOCK, with every other
 * ring, AF_XDP UMEM and io_uring buffer of that user (over it: EPERM). These errors
 * come from PF_RING_OPT_RING_GEOMETRY (or mmap).
 *
 * 3. The ring (mmap offset 0)
 *
 *   +---------------------------------------------+ 0
 *   | struct pf_ring_info                          |
 *   |   line 0: geometry, written once (kernel)    |
 *   |   line 1: producer index, counters (kernel)  |
 *   |   line 2: consumer index (user space)        |
 *   +---------------------------------------------+ info.slots_offset (a page)
 *   | slot 0: struct pf_ring_slot_hdr | frame ...  | each info.slot_size bytes
 *   | slot 1                                       |
 *   | ...                                          |
 *   | slot num_slots - 1                           |
 *   +---------------------------------------------+ info.mmap_len
 *
 * 4. The producer/consumer protocol
 *
 * prod and cons are free-running 64-bit packet counts; packet n lives in slot
 * n % num_slots. The kernel is the only writer of prod, user space the only writer of
 * cons. prod - cons is the number of unread packets, never more than num_slots.
 *
 * Kernel, for each packet (several CPUs may deliver to one ring; they serialise on the
 * ring's producer lock, so there is one producer at a time):
 *   K1  cons = load-acquire(info.cons)            pairs with U3: the slot is free
 *   K2  if (prod - cons == num_slots): drops++, stop (never overwrite an unread slot)
 *   K3  write the slot (header, then frame)
 *   K4  store-release(info.prod, prod + 1)        pairs with U1: the slot is complete
 *   K5  wake readers if prod + 1 - cons >= the poll watermark
 *
 * User space:
 *   U1  prod = load-acquire(info.prod)            pairs with K4
 *   U2  read slots cons .. prod - 1 (in place: zero copy)
 *   U3  store-release(info.cons, cons + k)        pairs with K1: slots given back
 *
 * A reader that found the ring empty calls poll(): POLLIN once at least the watermark
 * (PF_RING_OPT_POLL_WATERMARK, default 128, at most half the ring) packets are unread,
 * or once the watermark timeout (PF_RING_OPT_POLL_WATERMARK_TIMEOUT, in ms, default 10;
 * 0: none) has passed since a packet came to wait below the watermark; POLLERR when
 * the bound device has gone away. An empty ring arms no timer.
 *
 * info.abi_version is PF_RING_ABI_VERSION; a library built for another layout must
 * refuse the ring with a message naming both versions.
 *
 * 5. Sending: sendmsg() takes a batch of frames, see "Sending" near the end.
 *
 * 6. Filtering: what a ring lets in, see "Filtering" near the end.
 */
#ifndef _UAPI_LINUX_PF_RING_H
#define _UAPI_LINUX_PF_RING_H

#include <linux/types.h>

/*
 * The socket family. 13 is AF_NETBEUI's number, which no Linux kernel has ever
 * implemented (include/linux/socket.h keeps it reserved; net/ has no NetBEUI family),
 * so sock_register() finds it free on every kernel we support. ntop's PF_RING uses 27,
 * which has been AF_IB since Linux 3.11.
 */
#define PF_RING_AF_DEFAULT		13

/*
 * The API level the module implements, as major << 16 | minor << 8 | patch. Programs
 * written for ntop's PF_RING compare RING_VERSION_NUM against the releases that
 * brought the functions they use, so we report the level whose API we match.
 */
#define PF_RING_API_MAJOR		8
#define PF_RING_API_MINOR		8
#define PF_RING_API_PATCH		0
#define PF_RING_API_VERSION_NUM \
	((PF_RING_API_MAJOR << 16) | (PF_RING_API_MINOR << 8) | PF_RING_API_PATCH)

/* The version of the ring layout below; checked at mmap by the library. */
#define PF_RING_ABI_VERSION		1

/* getsockopt/setsockopt level */
#define SOL_PF_RING			0x5052	/* "PR" */

/* setsockopt (before mmap) */
#define PF_RING_OPT_CAPLEN		1	/* __u32: bytes kept of each frame */
#define PF_RING_OPT_SLOTS		2	/* __u32: at least this many slots */
#define PF_RING_OPT_BIND		3	/* char[]: device list, see above */
/* setsockopt (at any time) */
#define PF_RING_OPT_ENABLE		4	/* __u32: 1 packets flow, 0 they stop */
#define PF_RING_OPT_DIRECTION		5	/* __u32: enum pf_ring_direction */
#define PF_RING_OPT_SOCKET_MODE		6	/* __u32: enum pf_ring_socket_mode */
#define PF_RING_OPT_POLL_WATERMARK	7	/* __u32: packets, >= 1 */
#define PF_RING_OPT_POLL_WATERMARK_TIMEOUT 8	/* __u32: ms */
#define PF_RING_OPT_APPL_NAME		9	/* char[]: shown in /proc */
#define PF_RING_OPT_PARSE		10	/* __u32: enum pf_ring_parse */
#define PF_RING_OPT_PROMISC		11	/* __u32: 1 takes promiscuous mode */
#define PF_RING_OPT_APPL_STATS		12	/* char[]: the application's own stats line */
#define PF_RING_OPT_CLUSTER		13	/* struct pf_ring_cluster: join (get: which) */
#define PF_RING_OPT_CLUSTER_LEAVE	14	/* no value: leave the cluster */
#define PF_RING_OPT_REFLECTOR		15	/* struct pf_ring_reflector (get: the one set) */
/*
 * __u32 1: the bound devices' aware drivers keep the frames a ring takes from the stack
 * (0: they go up as well, the default). A switch of each device, not of the ring: it
 * stays when the ring closes, shows in /proc/net/pf_ring/dev/<dev>/info and in
 * /sys/class/net/<dev>/pf_ring/capture_only. Needs CAP_NET_ADMIN (EPERM); EOPNOTSUPP
 * when a bound device (or "any") has no PF_RING-aware driver.
 */
#define PF_RING_OPT_CAPTURE_ONLY	22
/* 16 to 19, 30 to 39 and 71 to 74: filtering, see "Filtering" */
/* getsockopt */
#define PF_RING_OPT_VERSION		64	/* __u32: RING_VERSION_NUM of the module */
#define PF_RING_OPT_RING_GEOMETRY	65	/* struct pf_ring_geometry */
#define PF_RING_OPT_STATS		66	/* struct pf_ring_stats */
#define PF_RING_OPT_DEV_INFO		67	/* struct pf_ring_dev_info (bound device) */
#define PF_RING_OPT_RING_ID		68	/* __u32 */
#define PF_RING_OPT_APPL_STATS_FILE	69	/* char[]: the /proc file of the stats */
#define PF_RING_OPT_LINK_TYPE		70	/* __u32: enum pf_ring_link_type, see there */

enum pf_ring_direction {
	PF_RING_DIR_RX_AND_TX = 0,
	PF_RING_DIR_RX_ONLY = 1,
	PF_RING_DIR_TX_ONLY = 2,
};

enum pf_ring_socket_mode {
	PF_RING_MODE_SEND_AND_RECV = 0,
	PF_RING_MODE_SEND_ONLY = 1,
	PF_RING_MODE_RECV_ONLY = 2,
};

enum pf_ring_parse {
	PF_RING_PARSE_NONE = 0,		/* quick mode: timestamp, lengths, ifindex only */
	PF_RING_PARSE_L2_L4 = 1,	/* fill struct pf_ring_parsed */
};

/*
 * What a frame in a slot starts with (the slot's link_type), by the device it came
 * from: Ethernet and loopback devices give Ethernet frames; devices without a
 * link-layer header (tun, WireGuard, ipip, sit, ...) give the IPv4 or IPv6 packet
 * itself. PF_RING_OPT_LINK_TYPE answers for the ring: the bound devices' type when
 * they agree, PF_RING_LINK_OTHER when they do not, PF_RING_LINK_ETHERNET for "any"
 * (whose slots from devices without a header still say PF_RING_LINK_RAW_IP).
 */
enum pf_ring_link_type {
	PF_RING_LINK_ETHERNET = 0,
	PF_RING_LINK_RAW_IP = 1,
	PF_RING_LINK_OTHER = 2,		/* another link-layer header: not parsed */
};

/*
 * Clusters (PF_RING_OPT_CLUSTER): rings of one namespace that join the same id share
 * its traffic, each packet going to one member (two for
 * PF_RING_CLUSTER_PER_FLOW_IP_WITH_DUP_TUPLE), chosen in turn or by a hash of the flow
 * that is the same in both directions. The values are those of the library's
 * cluster_type, which programs pass as numbers. The members of a cluster must be bound
 * to the same devices and ask for the same type (else EINVAL); a cluster has at most
 * PF_RING_CLUSTER_MAX_MEMBERS (then ENOSPC); a ring is in one cluster at a time
 * (EBUSY). Only a member that is enabled and mapped gets packets; one that closes
 * (or dies) leaves, and only the flows it had move, to the others.
 *
 * Types without a port (2-tuple) or for frames that are not IP hash what they have:
 * the IP addresses, or for non-IP frames the two MAC addresses. A fragment of an IP
 * datagram goes where the datagram's first fragment went. The inner types hash the
 * packet that a GRE, VXLAN (UDP 4789) or GTP-U (UDP 2152) tunnel carries, and the
 * packet itself when it is not tunnelled.
 */
enum pf_ring_cluster_type {
	PF_RING_CLUSTER_PER_FLOW = 0,		/* VLAN, protocol, IPs, ports */
	PF_RING_CLUSTER_ROUND_ROBIN = 1,
	PF_RING_CLUSTER_PER_FLOW_2_TUPLE = 2,	/* IPs */
	PF_RING_CLUSTER_PER_FLOW_4_TUPLE = 3,	/* IPs, ports */
	PF_RING_CLUSTER_PER_FLOW_5_TUPLE = 4,	/* IPs, ports, protocol */
	PF_RING_CLUSTER_PER_FLOW_TCP_5_TUPLE = 5, /* 5-tuple for TCP, 2-tuple otherwise */
	PF_RING_CLUSTER_PER_INNER_FLOW = 6,
	PF_RING_CLUSTER_PER_INNER_FLOW_2_TUPLE = 7,
	PF_RING_CLUSTER_PER_INNER_FLOW_4_TUPLE = 8,
	PF_RING_CLUSTER_PER_INNER_FLOW_5_TUPLE = 9,
	PF_RING_CLUSTER_PER_INNER_FLOW_TCP_5_TUPLE = 10,
	PF_RING_CLUSTER_PER_FLOW_IP_5_TUPLE = 11, /* 5-tuple for IP, MACs otherwise */
	PF_RING_CLUSTER_PER_INNER_FLOW_IP_5_TUPLE = 12,
	/* to the source address's member and to the destination address's */
	PF_RING_CLUSTER_PER_FLOW_IP_WITH_DUP_TUPLE = 13,
};

#define PF_RING_CLUSTER_MAX_MEMBERS	64
#define PF_RING_CLUSTER_ANY_CONSUMER	0xffffffffU

struct pf_ring_cluster {
	__u32 id;
	__u32 type;		/* enum pf_ring_cluster_type */
	/* the member's place: pfring_set_cluster_consumer()'s queue id, or ANY_CONSUMER */
	__u32 consumer;
	__u32 flags;		/* 0 */
};

/*
 * Reflection (PF_RING_OPT_REFLECTOR): every received Ethernet frame the ring would
 * queue goes out of the device ifindex as it is (PF_RING_REFLECT), or back out of the
 * device it came from with its MAC addresses swapped (PF_RING_BOUNCE, ifindex
 * ignored), instead of into the ring. PF_RING_REFLECT with ifindex 0 removes the
 * reflector. A device that does not send Ethernet frames, or a mode or flags unknown:
 * EINVAL; no such device in the ring's namespace: ENODEV. The reflector goes when its
 * device is unregistered.
 */
enum pf_ring_reflect_mode {
	PF_RING_REFLECT = 0,
	PF_RING_BOUNCE = 1,
};

struct pf_ring_reflector {
	__s32 ifindex;
	__u32 mode;		/* enum pf_ring_reflect_mode */
	__u32 flags;		/* 0 */
};

struct pf_ring_geometry {
	__u64 mmap_len;		/* bytes to mmap at offset 0 */
	__u32 num_slots;
	__u32 slot_size;	/* bytes, a multiple of 64 */
	__u32 slots_offset;	/* from the start of the mapping */
	__u32 caplen;
};

/*
 * The ring's counters. A packet the ring saw (its device, direction and cluster
 * matched) is counted in exactly one of them, unless the ring's reflector sent it out.
 * A caller that gives 16 bytes gets recv and drop (the first version of the struct).
 */
struct pf_ring_stats {
	__u64 recv;		/* packets put in the ring */
	__u64 drop;		/* packets lost because the ring was full */
	__u64 filtered;		/* kept out by the BPF filter, a rule or the policy */
	__u64 sampled_out;	/* passed the filters, kept out by the sampling rate */
};

#define PF_RING_STATS_V1_LEN	16

struct pf_ring_dev_info {
	__s32 ifindex;
	__u32 mtu;
	__u32 speed_mbps;	/* 0 when unknown */
	__u32 num_rx_channels;
	__u8 mac[6];
	__u8 link_up;
	__u8 pad;
};

#define PF_RING_CACHELINE	64

/* The ring's first page. Each line is written by one side only (see 4. above). */
struct pf_ring_info {
	/* line 0: written by the kernel before the ring is mapped, then constant */
	__u32 abi_version;
	__u32 num_slots;
	__u32 slot_size;
	__u32 slots_offset;
	__u64 mmap_len;
	__u32 caplen;
	__u32 slot_hdr_size;	/* sizeof(struct pf_ring_slot_hdr) of the kernel */
	__u8 pad0[PF_RING_CACHELINE - 32];

	/* line 1: written by the kernel (the producer) */
	__u64 prod;
	__u64 drops;		/* ring full */
	__u8 pad1[PF_RING_CACHELINE - 16];

	/* line 2: written by user space (the consumer) */
	__u64 cons;
	__u8 pad2[PF_RING_CACHELINE - 8];
};

/*
 * Parsed headers (PF_RING_PARSE_L2_L4); offsets are from the frame's start, -1 absent.
 * A PF_RING_LINK_RAW_IP frame has no MAC addresses, eth_offset -1, l3_offset 0, and
 * eth_type the IP version's EtherType.
 */
struct pf_ring_parsed {
	__u8 dmac[6];
	__u8 smac[6];
	__u16 eth_type;		/* after VLAN tags */
	__u16 vlan_id;		/* 0: none; a hardware-stripped tag is restored here */
	__u16 qinq_vlan_id;
	__u8 ip_version;	/* 0, 4 or 6 */
	__u8 l3_proto;		/* IPPROTO_* */
	__u8 ip_tos;
	__u8 tcp_flags;
	__u8 ip_src[16];	/* IPv4: the first 4 bytes */
	__u8 ip_dst[16];
	__u16 l4_src_port;
	__u16 l4_dst_port;
	__u16 pad0;		/* 0; keeps tcp_seq at offset 60, as it always was */
	__u32 tcp_seq;
	__u32 tcp_ack;
	__s16 eth_offset;
	__s16 vlan_offset;
	__s16 l3_offset;
	__s16 l4_offset;
	__s16 payload_offset;
	__u16 pad1;		/* 0 */
};

/* rx_direction */
#define PF_RING_PKT_TX		0
#define PF_RING_PKT_RX		1

/* At the start of each slot; the frame follows at slot_hdr_size. */
struct pf_ring_slot_hdr {
	__u64 ts_ns;		/* CLOCK_REALTIME, ns */
	__u32 caplen;		/* bytes of the frame in the slot */
	__u32 len;		/* bytes of the frame on the wire */
	__s32 ifindex;
	__u32 hash;		/* symmetric flow hash, 0 when not parsed */
	__u8 rx_direction;	/* PF_RING_PKT_RX or PF_RING_PKT_TX */
	__u8 parsed_valid;	/* 1 when parsed below is filled; else ignore it */
	__u16 rx_queue;
	__u16 link_type;	/* enum pf_ring_link_type */
	__u16 pad;
	struct pf_ring_parsed parsed;
};

/*
 * Sending
 *
 * send(), sendmsg() and write() on a ring take a batch: one or more records, each a
 * struct pf_ring_tx_hdr then hdr.len bytes of frame, padded with zeroes to the next
 * multiple of PF_RING_TX_ALIGN bytes (PF_RING_TX_RECORD_LEN(len) bytes in all; the
 * last record may leave its padding out):
 *
 *   0          8                      8 + len      PF_RING_TX_RECORD_LEN(len)
 *   | hdr      | frame (len bytes)    | pad 0..7   | next hdr ...
 *
 * A frame is sent as it is, link-layer header first (Ethernet: from the destination
 * MAC address; no FCS), out of device hdr.ifindex of the socket's network namespace,
 * or, when it is 0, the ring's device: the first of its bind list. The frames of a
 * message leave in their order, all of one ring's through one TX queue of a device
 * (the ring id modulo its queues, unless the driver picks queues itself), handed to
 * the driver one train at a time with the stack's xmit_more hint (one doorbell per
 * train), past the device's queueing discipline as af_packet's PACKET_QDISC_BYPASS
 * does, unless PF_RING_OPT_TX_QDISC is 1. The stack's taps see them as sent frames:
 * rings capturing TX on the device (module parameter enable_tx_capture=1, direction
 * RX_AND_TX or TX_ONLY), this one included, and AF_PACKET sockets.
 *
 * Sending needs no ring (no mmap, no PF_RING_OPT_ENABLE): a socket in
 * PF_RING_MODE_SEND_ONLY with only a bind, or with none when every record names its
 * device, captures nothing and takes no memory for a ring.
 *
 * A full device queue, or more than SO_SNDBUF bytes of the socket's frames not yet
 * sent by the driver, makes the call wait (up to SO_SNDTIMEO), or fail with EAGAIN
 * under MSG_DONTWAIT. The result is the number of bytes of the records sent: all of
 * the message's, or, when a record fails after others were sent, those before it
 * (sending from there again reports the error). The error, when the first record
 * fails:
 *   EINVAL        a record shorter than its header, len 0 or past the message's end,
 *                 a frame shorter than the device's link-layer header, ifindex < 0,
 *                 a message with an address (msg_name)
 *   EMSGSIZE      len > PF_RING_TX_MAX_LEN, or more than the device's MTU plus its
 *                 link-layer header (plus 4 for a frame with an 802.1Q/802.1ad tag)
 *   EDESTADDRREQ  ifindex 0 and the ring is bound to no device, or to "any"
 *   ENODEV        ifindex 0 and the ring's device was unregistered
 *   ENXIO         no device of the namespace has index ifindex
 *   ENETDOWN      the device is down, or has no carrier
 *   EBADF         the socket is in PF_RING_MODE_RECV_ONLY (it never sends)
 *   EAGAIN        see above; ENOBUFS: the queueing discipline dropped the frame
 *   EINTR         a signal came while the call waited
 */
#define PF_RING_OPT_TX_QDISC		20	/* __u32: 1 frames go through the qdisc */
/*
 * PF_RING_OPT_TX_STACK 1 (libpfring's "stack:ethX"): the frames do not leave; each
 * enters the stack as if the device had received it (taps, AF_PACKET sockets and
 * capture rings see it as received, and the stack answers it). The errors are those
 * above, and ENOBUFS when the stack's input backlog is full (the frame was not taken).
 */
#define PF_RING_OPT_TX_STACK		21	/* __u32: 1 frames enter the stack */
/* Options 20 to 29 are kept for sending. */

struct pf_ring_tx_hdr {
	__u32 len;		/* bytes of the frame that follows */
	__s32 ifindex;		/* 0: the ring's device */
};

#define PF_RING_TX_ALIGN	8
#define PF_RING_TX_MAX_LEN	65535
#define PF_RING_TX_RECORD_LEN(len) \
	((sizeof(struct pf_ring_tx_hdr) + (len) + PF_RING_TX_ALIGN - 1) & \
	 ~(unsigned long)(PF_RING_TX_ALIGN - 1))

/*
 * Filtering
 *
 * What a ring lets in, in this order, for each packet its device, direction and
 * cluster gave it:
 *
 *   1. the socket's BPF filter: classic BPF attached with setsockopt(SOL_SOCKET,
 *      SO_ATTACH_FILTER) (or an eBPF socket filter, SO_ATTACH_BPF), run on the frame
 *      from its link-layer header (the IP header on a device without one), a
 *      hardware-stripped VLAN tag in the ancillary fields as for AF_PACKET;
 *      SO_DETACH_FILTER removes it. A packet it refuses is filtered.
 *   2. the hash rules, then 3. the wildcard rules in rule_id order, then 4. the policy
 *      (PF_RING_OPT_RULE_POLICY), which decide together, as below.
 *   5. the sampling rate (PF_RING_OPT_SAMPLING_RATE N): of the packets that passed,
 *      the 1st, the (N+1)th, the (2N+1)th ... go on; the others are sampled_out.
 *   6. the ring's reflector (PF_RING_OPT_REFLECTOR), then the ring.
 *
 * A ring with no BPF filter, no rule, the accept policy and sampling rate 1 does none
 * of this; a ring parses a packet's headers for its rules only when it has rules.
 *
 * Rules decide a verdict, deliver or drop, which starts as the policy's (accept: 1,
 * the default; drop: 0). A hash rule the packet matches is applied first; then each
 * wildcard rule it matches, lowest rule_id first, until an action stops evaluation:
 *
 *   FORWARD              deliver; stop
 *   DONT_FORWARD         drop; stop
 *   EXECUTE_AND_CONTINUE no action to execute (plugins are not supported); count the
 *                        match and go on
 *   EXECUTE_AND_STOP     count the match; stop with the verdict as it is
 *   FORWARD_ADD_RULE     deliver, and add a hash rule (action FORWARD) for the packet's
 *                        VLAN, protocol, addresses and ports; stop. A wildcard rule's
 *                        action only; the packet must be IPv4 or IPv6 (else the rule
 *                        acts as FORWARD). When the hash rule limit is reached, none is
 *                        added (counted in struct pf_ring_filter_info).
 *   REFLECT_AND_STOP     a copy of the frame goes out of the rule's reflector device;
 *                        drop; stop
 *   REFLECT_AND_CONTINUE a copy goes out; go on, the verdict as it is
 *   BOUNCE_AND_STOP      a copy goes back out of the device the packet came from, its
 *                        MAC addresses swapped; drop; stop
 *   BOUNCE_AND_CONTINUE  a copy goes back out so; go on, the verdict as it is
 *
 * Only received Ethernet frames are reflected or bounced (a frame the ring sees sent
 * is not, so a copy is never copied again); for others the copy is not made and the
 * rest of the action applies. A hash rule that matches and whose action does not stop
 * (the _CONTINUE ones) lets the wildcard rules be evaluated as well. The verdict
 * after the last rule is final.
 *
 * PF_RING_OPT_FILTERING_SAMPLING_RATE N (0: off, the default): of the packets a rule
 * dropped (DONT_FORWARD, not the policy nor a reflect or bounce), the 1st, (N+1)th, ...
 * are delivered all the same, and counted in that rule's match_forward.
 *
 * A wildcard rule (struct pf_ring_rule) matches a packet when every field it sets
 * does (0 in a field: any):
 *   ifindex        the device the packet came in on or went out of
 *   smac, dmac     the frame's MAC addresses (00:00:00:00:00:00: any)
 *   vlan_id        the outer VLAN tag's VID (the only tag, for a single-tagged frame)
 *   eth_type       the EtherType after the VLAN tags
 *   ip_version     4 or 6: the packet is IPv4 or IPv6; 0: any, and then the host
 *                  masks must be zero
 *   proto          the IP protocol (of the header after IPv6 extension headers); the
 *                  packet must be IP
 *   shost, dhost   with shost_mask, dhost_mask: (address & mask) == (host & mask),
 *                  on the packet's ip_version bytes (4 or 16, network order); a zero
 *                  mask: any. A host with bits outside its mask, or a mask that is not
 *                  a prefix (ones then zeros): EINVAL
 *   sport_low..sport_high, dport_low..dport_high
 *                  the TCP, UDP or UDP-Lite port is in the range (inclusive); 0..0:
 *                  any; low > high: EINVAL. A packet without such a header (another
 *                  protocol, a fragment other than the first) has no port and matches
 *                  no range
 *   tcp_flags      TCP, and every flag set here is set in the packet
 *   payload        payload_len (1..32) bytes that occur in the packet's payload, up to
 *                  the frame's end: after the TCP, UDP or UDP-Lite header, or after the
 *                  IP header(s) for another protocol. An IP packet whose L4 header is
 *                  missing (a fragment other than the first, a truncated header) or a
 *                  packet that is not IP has no payload to search
 *   balance_pool   > 0: only packets whose flow hash (the slot's hash, below) modulo
 *                  balance_pool is balance_id (balance_id >= balance_pool: EINVAL)
 * A bidirectional rule also matches with source and destination swapped (MACs, hosts
 * with their masks, port ranges). A packet whose headers stop early (a short or
 * truncated frame) matches only rules whose fields it has.
 *
 * The flow hash: the sum, modulo 2^32, of the IP protocol, both ports, and the
 * eight big-endian 32-bit words of the two 16-byte addresses (IPv4: the first four
 * bytes, the rest zero); 0 for a packet that is not IP.
 *
 * A hash rule (struct pf_ring_hash_rule) matches an IP packet of its ip_version whose
 * VLAN id (0: untagged), protocol and two (address, port) ends are the rule's, in
 * either direction; a packet without ports has ports 0. A rule is identified by these
 * fields (its key): adding a key twice is EEXIST, removing one not there ENOENT.
 * Lookup takes constant time however many rules a ring has.
 *
 * Errors: a rule_id already used EEXIST, unknown ENOENT; an unknown action, a field
 * out of range (see above), a hash rule of ip_version other than 4 or 6, or a reflect
 * action without a reflector device: EINVAL; no such reflector device ENODEV; more
 * rules than the module's max_rules (wildcard) or max_hash_rules (hash) per ring:
 * ENOSPC; a sampling rate of 0: EINVAL. A rule's reflector device is looked up by
 * index for each copy: when it has gone, no copy is sent (counted as a reflection error).
 *
 * Rule statistics (PF_RING_OPT_RULE_STATS, PF_RING_OPT_HASH_RULE_STATS): getsockopt
 * whose buffer holds the rule's id (a __u32) or the hash rule's key on input, and
 * struct pf_ring_rule_stats on return.
 */
#define PF_RING_OPT_SAMPLING_RATE	16	/* __u32 >= 1, 1 (the default): no sampling */
#define PF_RING_OPT_RULE_POLICY		17	/* __u32: 1 accept (the default), 0 drop */
#define PF_RING_OPT_FILTERING_SAMPLING_RATE 18	/* __u32, 0 (the default): off */
#define PF_RING_OPT_RULE_ADD		30	/* struct pf_ring_rule */
#define PF_RING_OPT_RULE_REMOVE		31	/* __u32: rule_id */
#define PF_RING_OPT_HASH_RULE_ADD	32	/* struct pf_ring_hash_rule */
#define PF_RING_OPT_HASH_RULE_REMOVE	33	/* struct pf_ring_hash_rule: its key */
#define PF_RING_OPT_PURGE_IDLE_RULES	34	/* __u32 s: rules idle that long go */
#define PF_RING_OPT_PURGE_IDLE_HASH_RULES 35	/* __u32 s: hash rules idle that long go */
#define PF_RING_OPT_RULE_STATS		71	/* in: __u32 rule_id; out: rule stats */
#define PF_RING_OPT_HASH_RULE_STATS	72	/* in: hash rule key; out: rule stats */
#define PF_RING_OPT_FILTER_INFO		73	/* struct pf_ring_filter_info */

/* The values of the library's rule_action_behaviour */
enum pf_ring_rule_action {
	PF_RING_RULE_FORWARD = 0,
	PF_RING_RULE_DONT_FORWARD = 1,
	PF_RING_RULE_EXECUTE_AND_CONTINUE = 2,
	PF_RING_RULE_EXECUTE_AND_STOP = 3,
	PF_RING_RULE_FORWARD_ADD_RULE = 4,
	PF_RING_RULE_REFLECT_AND_STOP = 5,
	PF_RING_RULE_REFLECT_AND_CONTINUE = 6,
	PF_RING_RULE_BOUNCE_AND_STOP = 7,
	PF_RING_RULE_BOUNCE_AND_CONTINUE = 8,
};

#define PF_RING_RULE_AUTO_ID		0xffff	/* the module picks: the highest + 1 */
#define PF_RING_RULE_PAYLOAD_MAX	32

struct pf_ring_rule {
	__u16 rule_id;		/* 0 .. 0xfffe, or PF_RING_RULE_AUTO_ID */
	__u8 action;		/* enum pf_ring_rule_action */
	__u8 balance_id;
	__u8 balance_pool;
	__u8 locked;		/* 1: not purged by PF_RING_OPT_PURGE_IDLE_RULES */
	__u8 bidirectional;
	__u8 proto;
	__s32 ifindex;
	__s32 reflector_ifindex;	/* the REFLECT actions */
	__u8 smac[6];
	__u8 dmac[6];
	__u16 vlan_id;
	__u16 eth_type;
	__u8 ip_version;
	__u8 tcp_flags;
	__u8 payload_len;
	__u8 pad0;		/* 0 */
	__u16 sport_low;
	__u16 sport_high;
	__u16 dport_low;
	__u16 dport_high;
	__u8 shost[16];		/* network order; IPv4 in the first 4 bytes */
	__u8 shost_mask[16];
	__u8 dhost[16];
	__u8 dhost_mask[16];
	__u8 payload[PF_RING_RULE_PAYLOAD_MAX];
};

struct pf_ring_hash_rule {
	__u16 vlan_id;
	__u8 ip_version;	/* 4 or 6 */
	__u8 proto;
	__u8 host_a[16];	/* network order; IPv4 in the first 4 bytes */
	__u8 host_b[16];
	__u16 port_a;
	__u16 port_b;
	/* not part of the key */
	__u8 action;		/* enum pf_ring_rule_action, not FORWARD_ADD_RULE */
	__u8 pad0[3];		/* 0 */
	__s32 reflector_ifindex;
};

struct pf_ring_rule_stats {
	__u64 match;		/* packets that matched the rule */
	__u64 filtered;		/* of those, dropped by its action (not those below) */
	__u64 match_forward;	/* of those, delivered by the filtering sampling rate */
	__u32 inactivity;	/* seconds since the last match (or the rule's addition) */
	__u32 pad0;
};

struct pf_ring_filter_info {
	__u32 num_rules;		/* wildcard */
	__u32 num_hash_rules;
	__u32 policy;			/* 1 accept, 0 drop */
	__u32 sampling_rate;
	__u32 filtering_sampling_rate;
	__u32 bpf;			/* 1: a BPF filter is attached */
	__u32 last_rule_id;		/* of the last rule added (PF_RING_RULE_AUTO_ID) */
	__u32 pad0;
	__u64 hash_match;		/* packets that matched a hash rule */
	__u64 hash_miss;		/* packets looked up that matched none */
	__u64 hash_rules_not_added;	/* FORWARD_ADD_RULE over max_hash_rules */
};

#endif /* _UAPI_LINUX_PF_RING_H */
