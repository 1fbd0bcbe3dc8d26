// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * zc_pool.c - buffer pools: a stack of buffer indexes in cluster memory, filled from the
 * cluster's free buffers at creation, used by one thread (no locking on get/release).
 */
#include <stdlib.h>

#include "zc_priv.h"

/* Under lock: a destroyed pool's descriptor big enough, or a new one from the arena. */
static struct zc_shm_pool *zc_pool_slot(struct zc_cluster *c, uint32_t pool_len, uint32_t *id)
{
	struct zc_shm_hdr *h = c->hdr;
	struct zc_shm_pool *sp;
	uint64_t off, stack_off;
	uint32_t i;

	for (i = 0; i < h->num_pools; i++) {
		sp = zc_at(c, h->pool_off[i]);
		if (!sp->in_use && sp->cap >= pool_len) {
			*id = i;
			return sp;
		}
	}
	if (h->num_pools == ZC_MAX_POOLS)
		return NULL;
	sp = zc_arena_alloc(c, sizeof(*sp), &off);
	if (!sp)
		return NULL;
	if (!zc_arena_alloc(c, (size_t)pool_len * sizeof(uint32_t), &stack_off))
		return NULL;
	*id = h->num_pools++;
	h->pool_off[*id] = off;
	sp->id = *id;
	sp->cap = pool_len;
	sp->stack_off = stack_off;
	return sp;
}

ZC_API pfring_zc_buffer_pool *pfring_zc_create_buffer_pool(pfring_zc_cluster *cluster, u_int32_t pool_len)
{
	struct zc_cluster *c = cluster;
	struct zc_shm_pool *sp;
	struct zc_pool *p;
	uint32_t id;
	int err = 0;

	if (!c || pool_len == 0 || pool_len > c->hdr->tot_num_buffers) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		errno = ENOMEM;
		return NULL;
	}
	zc_lock(c);
	if (c->hdr->free_count < pool_len) {
		err = ENOBUFS;
	} else if (!(sp = zc_pool_slot(c, pool_len, &id))) {
		err = ENOSPC;
	} else {
		p->shm = sp;
		p->stack = zc_at(c, sp->stack_off);
		p->cluster = c;
		zc_take_buffers(c, p->stack, pool_len);
		sp->len = pool_len;
		sp->count = pool_len;
		sp->in_use = 1;
		c->pools[id] = p;
	}
	zc_unlock(c);
	if (err) {
		free(p);
		errno = err;
		return NULL;
	}
	return p;
}

ZC_API u_int32_t pfring_zc_get_pool_id(pfring_zc_buffer_pool *pool)
{
	struct zc_pool *p = pool;

	if (!p) {
		errno = EINVAL;
		return UNDEFINED_QUEUEID;
	}
	return p->shm->id;
}

ZC_API pfring_zc_pkt_buff *pfring_zc_get_packet_handle_from_pool(pfring_zc_buffer_pool *pool)
{
	struct zc_pool *p = pool;
	struct zc_shm_hdr *h;
	pfring_zc_pkt_buff *b;

	if (!p) {
		errno = EINVAL;
		return NULL;
	}
	if (p->shm->count == 0) {
		errno = ENOBUFS;
		return NULL;
	}
	h = p->cluster->hdr;
	b = zc_buf_handle(p->cluster->base + h->buffers_off, h->buf_stride, p->stack[--p->shm->count]);
	zc_buf_reset(b);
	return b;
}

ZC_API void pfring_zc_release_packet_handle_to_pool(pfring_zc_buffer_pool *pool, pfring_zc_pkt_buff *pkt_handle)
{
	struct zc_pool *p = pool;

	if (!p || !zc_handle_valid(p->cluster, pkt_handle)) {
		errno = EINVAL;
		return;
	}
	if (!zc_buf_unref(pkt_handle))
		return;		/* a fan-out's other reader still has it (zc_multi.c) */
	if (p->shm->count < p->shm->len) {
		p->stack[p->shm->count++] = zc_buf_hdr(pkt_handle)->idx;
		return;
	}
	zc_lock(p->cluster);
	zc_put_buffer(p->cluster, zc_buf_hdr(pkt_handle)->idx);
	zc_unlock(p->cluster);
}

ZC_API void pfring_zc_destroy_buffer_pool(pfring_zc_buffer_pool *pool)
{
	struct zc_pool *p = pool;
	struct zc_cluster *c;

	if (!p) {
		errno = EINVAL;
		return;
	}
	c = p->cluster;
	zc_lock(c);
	while (p->shm->count)
		zc_put_buffer(c, p->stack[--p->shm->count]);
	p->shm->in_use = 0;
	c->pools[p->shm->id] = NULL;
	zc_unlock(c);
	free(p);
}

void zc_pool_free(struct zc_pool *p)
{
	free(p);
}
