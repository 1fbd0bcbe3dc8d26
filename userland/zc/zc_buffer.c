// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * zc_buffer.c - packet data inside a buffer: locating it from a handle and back, and
 * moving its start into or out of the head room (push/pull).
 */
#include "zc_priv.h"

ZC_API u_char *pfring_zc_pkt_buff_data(pfring_zc_pkt_buff *pkt_handle, pfring_zc_queue *queue)
{
	(void)queue;	/* the handle carries its own data offset */
	if (!pkt_handle) {
		errno = EINVAL;
		return NULL;
	}
	return (u_char *)pkt_handle + zc_buf_hdr(pkt_handle)->data_off;
}

ZC_API u_char *pfring_zc_pkt_buff_data_from_cluster(pfring_zc_pkt_buff *pkt_handle, pfring_zc_cluster *cluster)
{
	return pfring_zc_pkt_buff_data(pkt_handle, cluster);
}

ZC_API pfring_zc_pkt_buff *pfring_zc_pkt_data_buff(u_char *data, pfring_zc_cluster *cluster)
{
	struct zc_cluster *c = cluster;
	char *buffers;
	uint64_t off;
	pfring_zc_pkt_buff *h;

	if (!c || !data) {
		errno = EINVAL;
		return NULL;
	}
	buffers = c->base + c->hdr->buffers_off;
	if ((char *)data < buffers || (off = (uint64_t)((char *)data - buffers)) >=
	    (uint64_t)c->hdr->tot_num_buffers * c->hdr->buf_stride) {
		errno = EINVAL;
		return NULL;
	}
	h = zc_buf_handle(buffers, c->hdr->buf_stride, (uint32_t)(off / c->hdr->buf_stride));
	if ((u_char *)h + zc_buf_hdr(h)->data_off != data) {
		errno = EINVAL;
		return NULL;
	}
	return h;
}

ZC_API u_char *pfring_zc_pkt_buff_pull(pfring_zc_pkt_buff *pkt_handle, pfring_zc_queue *queue, u_int16_t len)
{
	struct zc_buf_hdr *bh;

	(void)queue;
	if (!pkt_handle || len > pkt_handle->len) {
		errno = EINVAL;
		return NULL;
	}
	bh = zc_buf_hdr(pkt_handle);
	bh->data_off = (uint16_t)(bh->data_off + len);
	pkt_handle->len = (uint16_t)(pkt_handle->len - len);
	return (u_char *)pkt_handle + bh->data_off;
}

ZC_API u_char *pfring_zc_pkt_buff_push(pfring_zc_pkt_buff *pkt_handle, pfring_zc_queue *queue, u_int16_t len)
{
	struct zc_buf_hdr *bh;

	(void)queue;
	if (!pkt_handle) {
		errno = EINVAL;
		return NULL;
	}
	bh = zc_buf_hdr(pkt_handle);
	if (len > bh->data_off - bh->data_min || (uint32_t)pkt_handle->len + len > 0xffff) {
		errno = ENOSPC;
		return NULL;
	}
	bh->data_off = (uint16_t)(bh->data_off - len);
	pkt_handle->len = (uint16_t)(pkt_handle->len + len);
	return (u_char *)pkt_handle + bh->data_off;
}

ZC_API void pfring_zc_pkt_buff_pull_only(pfring_zc_pkt_buff *pkt_handle, u_int16_t len)
{
	(void)pfring_zc_pkt_buff_pull(pkt_handle, NULL, len);
}
