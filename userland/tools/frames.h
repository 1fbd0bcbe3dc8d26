/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * frames.h - the frames the sending tools (pfsend, zsend) send: generated IPv4/UDP frames
 * carrying a sequence number, and the frames of a pcap file to replay; and their pacing.
 */
#ifndef PFRING_TOOLS_FRAMES_H
#define PFRING_TOOLS_FRAMES_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "pfring.h"

#define FRAME_ETH_HDR	14
#define FRAME_IP_HDR	20
#define FRAME_UDP_HDR	8
/* Where a generated frame's sequence number is (32 bits, network order) */
#define FRAME_SEQ_OFF	(FRAME_ETH_HDR + FRAME_IP_HDR + FRAME_UDP_HDR)

struct frame {
	u_char *data;
	u_int len;
	u_int64_t ts_ns;	/* pcap: from the first frame's time */
};

/* A generated frame: addresses and ports in host order */
struct frame_spec {
	u_char dst_mac[6], src_mac[6];
	u_int32_t src_ip, dst_ip;
	u_int16_t sport, dport;
	u_int len;		/* at least FRAME_SEQ_OFF + 4 */
};

/*
 * An IPv4/UDP frame of spec->len bytes, both checksums right, sequence number 0, the
 * payload after it filled with the bytes' offsets; into *f (its data malloc'd).
 * -1 with errno ENOMEM.
 */
int frame_build(const struct frame_spec *spec, struct frame *f);

/* Set a generated frame's sequence number and update its UDP checksum to match */
void frame_set_seq(u_char *p, u_int32_t seq);

/*
 * Every frame of a classic pcap file of Ethernet frames (each 1 to max_len bytes) into
 * *frames (malloc'd), timestamps from the first frame's; their number.  0 on failure,
 * with why (for "<tool>: <why>") in err.
 */
size_t frame_load_pcap(const char *path, u_int max_len, struct frame **frames, char *err,
		       size_t err_len);

/* Nanoseconds of CLOCK_MONOTONIC */
u_int64_t frame_now_ns(void);

/*
 * Wait until the monotonic time at (ns): sleeping while more than spin_ns away unless
 * active, spinning after that.  false when *stop was set meanwhile.
 */
bool frame_wait_until(u_int64_t at, bool active, u_int64_t spin_ns,
		      const volatile sig_atomic_t *stop);

/* 16-bit big-endian helpers and the Internet checksum, for the tools' own fields */
void frame_put16(u_char *p, u_int16_t v);
u_int16_t frame_get16(const u_char *p);

#endif /* PFRING_TOOLS_FRAMES_H */
