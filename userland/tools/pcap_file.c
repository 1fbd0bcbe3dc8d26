// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pcap_file.c - classic pcap savefiles for the tools (see pcap_file.h).
 */
#include <byteswap.h>
#include <errno.h>
#include <string.h>
#include "pcap_file.h"

#define MAGIC_USEC	0xA1B2C3D4U
#define MAGIC_NSEC	0xA1B23C4DU

struct file_hdr {
	u_int32_t magic;
	u_int16_t major, minor;
	int32_t thiszone;
	u_int32_t sigfigs, snaplen, linktype;
};

int pcap_file_create(struct pcap_file *pf, const char *path, u_int32_t snaplen, int dlt)
{
	struct file_hdr fh = {
		MAGIC_USEC, 2, 4, 0, 0, snaplen,
		dlt == 12 ? PCAP_LINKTYPE_RAW : PCAP_LINKTYPE_ETHERNET,
	};

	memset(pf, 0, sizeof(*pf));
	pf->path = path;
	pf->snaplen = snaplen;
	pf->linktype = fh.linktype;
	pf->f = fopen(path, "wb");
	if (!pf->f)
		return -1;
	if (fwrite(&fh, sizeof(fh), 1, pf->f) != 1) {
		fclose(pf->f);
		pf->f = NULL;
		return -1;
	}
	return 0;
}

int pcap_file_write(struct pcap_file *pf, const struct pfring_pkthdr *h, const u_char *p)
{
	u_int32_t rec[4] = {
		(u_int32_t)h->ts.tv_sec, (u_int32_t)h->ts.tv_usec, h->caplen, h->len,
	};

	if (fwrite(rec, sizeof(rec), 1, pf->f) != 1 ||
	    (h->caplen && fwrite(p, h->caplen, 1, pf->f) != 1))
		return -1;
	return 0;
}

static u_int32_t file_u32(const struct pcap_file *pf, u_int32_t v)
{
	return pf->swapped ? bswap_32(v) : v;
}

int pcap_file_open(struct pcap_file *pf, const char *path)
{
	struct file_hdr fh;

	memset(pf, 0, sizeof(*pf));
	pf->path = path;
	pf->f = fopen(path, "rb");
	if (!pf->f)
		return -1;
	if (fread(&fh, sizeof(fh), 1, pf->f) != 1)
		goto not_pcap;
	if (fh.magic == MAGIC_USEC || fh.magic == MAGIC_NSEC) {
		pf->nsec = fh.magic == MAGIC_NSEC;
	} else if (fh.magic == bswap_32(MAGIC_USEC) || fh.magic == bswap_32(MAGIC_NSEC)) {
		pf->swapped = 1;
		pf->nsec = fh.magic == bswap_32(MAGIC_NSEC);
	} else {
		goto not_pcap;
	}
	pf->snaplen = file_u32(pf, fh.snaplen);
	pf->linktype = file_u32(pf, fh.linktype);
	return 0;
not_pcap:
	fclose(pf->f);
	pf->f = NULL;
	errno = EINVAL;
	return -1;
}

int pcap_file_next(struct pcap_file *pf, struct pfring_pkthdr *h, u_char *buf, u_int buflen)
{
	u_int32_t rec[4], caplen, keep;
	size_t got;

	got = fread(rec, 1, sizeof(rec), pf->f);
	if (got == 0 && feof(pf->f))
		return 0;
	if (got != sizeof(rec))
		goto cut;
	caplen = file_u32(pf, rec[2]);
	if (caplen > 262144)	/* larger than any snaplen a writer uses: corrupt */
		goto cut;
	memset(h, 0, sizeof(*h));
	h->ts.tv_sec = file_u32(pf, rec[0]);
	h->ts.tv_usec = pf->nsec ? file_u32(pf, rec[1]) / 1000 : file_u32(pf, rec[1]);
	h->len = file_u32(pf, rec[3]);
	keep = caplen < buflen ? caplen : buflen;
	h->caplen = keep;
	if (keep && fread(buf, keep, 1, pf->f) != 1)
		goto cut;
	if (caplen > keep && fseek(pf->f, (long)(caplen - keep), SEEK_CUR) != 0)
		goto cut;
	return 1;
cut:
	if (!ferror(pf->f))
		errno = EINVAL;
	return -1;
}

int pcap_file_close(struct pcap_file *pf)
{
	int rc = 0;

	if (pf->f && fclose(pf->f) != 0)
		rc = -1;
	pf->f = NULL;
	return rc;
}
