/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pcap_file.h - classic pcap savefiles for the tools (no libpcap needed).
 *
 * Written with microsecond timestamps in the host's byte order; read in either byte
 * order, with microsecond or nanosecond timestamps (the header's magic says which).
 */
#ifndef PFRING_TOOLS_PCAP_FILE_H
#define PFRING_TOOLS_PCAP_FILE_H

#include <stdio.h>
#include "pfring.h"

#define PCAP_LINKTYPE_ETHERNET	1
#define PCAP_LINKTYPE_RAW	101	/* the file's number for DLT_RAW */

struct pcap_file {
	FILE *f;
	const char *path;
	int swapped;		/* read: the file's byte order is not ours */
	int nsec;		/* read: nanosecond timestamps */
	u_int32_t snaplen;
	u_int32_t linktype;
};

/* Create path for a ring whose pfring_get_link_type() is dlt; -1 with errno set */
int pcap_file_create(struct pcap_file *pf, const char *path, u_int32_t snaplen, int dlt);
int pcap_file_write(struct pcap_file *pf, const struct pfring_pkthdr *h, const u_char *p);

/* Open path to read: -1 with errno (EINVAL: not a pcap savefile) */
int pcap_file_open(struct pcap_file *pf, const char *path);
/*
 * The next record into buf (at most buflen bytes kept, h->caplen says how many; ts in
 * microseconds): 1, 0 at the end of the file, -1 with errno (EINVAL: a cut or corrupt
 * record).
 */
int pcap_file_next(struct pcap_file *pf, struct pfring_pkthdr *h, u_char *buf, u_int buflen);

/* 0, or -1 with errno when what was written could not be flushed */
int pcap_file_close(struct pcap_file *pf);

#endif /* PFRING_TOOLS_PCAP_FILE_H */
