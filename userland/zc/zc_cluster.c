// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * zc_cluster.c - a cluster's shared memory region: sizing, hugepage (or normal page)
 * backing (its file: zc_ipc.c), the header, the free-buffer stack and the arena that
 * queues and pools are carved from; cluster-level packet handles; version and licence
 * calls.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zc_priv.h"

#ifndef ZC_VERSION
#define ZC_VERSION "0.0.0"
#endif

struct zc_layout {
	uint32_t buffer_len, meta_len, stride;
	uint64_t free_off, arena_off, arena_size, buffers_off, size;
};

static int zc_layout(struct zc_layout *l, uint32_t buffer_len, uint32_t metadata_len,
		     uint32_t tot_num_buffers, uint32_t flags)
{
	uint64_t t = tot_num_buffers;

	if (buffer_len == 0 || buffer_len > 0xffff - 63 || metadata_len > 4096 ||
	    tot_num_buffers == 0 || tot_num_buffers > (1u << 28))
		return -EINVAL;
	l->buffer_len = ZC_ALIGN(buffer_len, 64);
	l->meta_len = ZC_ALIGN(sizeof(struct zc_buf_hdr) + sizeof(pfring_zc_pkt_buff) + metadata_len,
			       ZC_CACHELINE);
	l->stride = l->meta_len + PF_RING_ZC_BUFFER_HEAD_ROOM + l->buffer_len;
	l->free_off = ZC_ALIGN(sizeof(struct zc_shm_hdr), ZC_CACHELINE);
	l->arena_off = ZC_ALIGN(l->free_off + t * sizeof(uint32_t), ZC_CACHELINE);
	/*
	 * A queue has len packet slots and len + ZC_RET_GAP free-ring slots for len
	 * buffers, a pool one stack entry per buffer: <= t of each, plus the gaps.
	 */
	l->arena_size = 3 * ZC_ALIGN(t * sizeof(uint32_t), ZC_CACHELINE) +
			ZC_MAX_QUEUES * (sizeof(struct zc_shm_queue) + 3 * ZC_CACHELINE +
					 ZC_RET_GAP * sizeof(uint32_t)) +
			ZC_MAX_POOLS * (sizeof(struct zc_shm_pool) + 2 * ZC_CACHELINE);
	l->buffers_off = ZC_ALIGN(l->arena_off + l->arena_size, 4096);
	l->size = l->buffers_off + t * l->stride;
	l->size = ZC_ALIGN(l->size, (flags & PF_RING_ZC_CLUSTER_NO_HUGEPAGES) ? 4096 : ZC_HUGEPAGE);
	return 0;
}

static unsigned long meminfo_value(const char *key)
{
	char line[256];
	unsigned long v = 0;
	size_t n = strlen(key);
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':') {
			v = strtoul(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* One number from /sys/kernel/mm/hugepages/hugepages-<kb>kB/<file>; 0 if unreadable. */
static unsigned long hugepages_value(uint64_t kb, const char *file)
{
	char path[128];
	unsigned long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/hugepages-%" PRIu64 "kB/%s", kb, file);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fscanf(f, "%lu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

/*
 * Why a cluster could not have its hugepages, and how to reserve them: in pages of the
 * size its file's mount gives (2 MB, or 1 GB for a pagesize=1G mount), counted in that
 * size's own pool; the default size's pool is also /proc/sys/vm/nr_hugepages.
 */
static void zc_hugepages_hint(uint32_t cluster_id, uint64_t size, uint64_t page)
{
	uint64_t kb = page >> 10;
	unsigned long need = (unsigned long)(size / page);
	unsigned long total = hugepages_value(kb, "nr_hugepages");
	unsigned long free_ = hugepages_value(kb, "free_hugepages");
	unsigned long want = total - (free_ < total ? free_ : total) + need;
	char knob[128];

	if (kb == meminfo_value("Hugepagesize"))
		snprintf(knob, sizeof(knob), "/proc/sys/vm/nr_hugepages");
	else
		snprintf(knob, sizeof(knob), "/sys/kernel/mm/hugepages/hugepages-%" PRIu64 "kB/nr_hugepages",
			 kb);
	fprintf(stderr,
		"pfring_zc: cluster %" PRIu32 " needs %lu hugepages of %" PRIu64 " %s (%lu free of %lu).\n"
		"pfring_zc: reserve them as root: echo %lu > %s\n"
		"pfring_zc: (or, for development only, create the cluster with "
		"PF_RING_ZC_CLUSTER_NO_HUGEPAGES)\n",
		cluster_id, need, page >= (1u << 30) ? page >> 30 : page >> 20,
		page >= (1u << 30) ? "GB" : "MB", free_, total, want, knob);
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23	/* Linux 5.14 */
#endif

/*
 * The region's pages on NUMA node numa: the policy is set on the mapping before any page
 * is taken, then every page is taken now, so that a node without free hugepages fails
 * here (ENOMEM) and not with SIGBUS later.  0 or -errno: EINVAL for a node the machine
 * has not.
 */
static int zc_bind_node(void *p, size_t size, int32_t numa)
{
	unsigned long mask[ZC_NODE_MASK_LONGS];
	unsigned long maxnode = zc_node_mask(mask, numa);

	if (syscall(SYS_mbind, p, size, ZC_MPOL_BIND, mask, maxnode, 0UL) < 0)
		return -errno;
	if (madvise(p, size, MADV_POPULATE_WRITE) < 0)
		return errno == EFAULT ? -ENOMEM : -errno;	/* EFAULT: no page on the node */
	return 0;
}

/*
 * Create the region's file (zc_ipc.c: hugetlbfs or /dev/shm, under a temporary name until
 * the header is complete) and map it, its pages on NUMA node numa when >= 0; returns the
 * fd or -errno.
 */
static int zc_map(struct zc_cluster *c, uint32_t cluster_id, const char *mountpoint,
		  int32_t numa, uint32_t flags)
{
	uint64_t page;
	int fd, err;
	void *p;

	if (flags & PF_RING_ZC_CLUSTER_NO_HUGEPAGES)
		fprintf(stderr,
			"pfring_zc: WARNING: cluster %" PRIu32 " uses normal pages, not hugepages "
			"(PF_RING_ZC_CLUSTER_NO_HUGEPAGES): for development only, slower and not "
			"usable for DMA\n", cluster_id);
	fd = zc_ipc_create_file(c, cluster_id, mountpoint, flags);
	if (fd < 0)
		return fd;
	/* whole pages of the file's mount: 2 MB, 1 GB on a pagesize=1G mount, 4 KB in /dev/shm */
	page = zc_file_pagesize(fd);
	c->size = ZC_ALIGN(c->size, page);
	if (ftruncate(fd, (off_t)c->size) < 0) {
		err = -errno;
		goto fail_close;
	}
	/*
	 * MAP_POPULATE: hugetlb pages are reserved here, so a shortage fails now, not SIGBUS
	 * later; with a node, they are taken once the mapping has its policy.
	 */
	p = mmap(NULL, c->size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | (numa < 0 ? MAP_POPULATE : 0), fd, 0);
	if (p == MAP_FAILED) {
		err = -errno;
		goto fail_close;
	}
	if (numa >= 0) {
		err = zc_bind_node(p, c->size, numa);
		if (err) {
			munmap(p, c->size);
			goto fail_close;
		}
	}
	c->base = p;
	return fd;

fail_close:
	close(fd);
	unlink(c->path);
	c->path[0] = '\0';
	if (err == -ENOMEM && !(flags & PF_RING_ZC_CLUSTER_NO_HUGEPAGES))
		zc_hugepages_hint(cluster_id, c->size, page);
	return err;
}

static int zc_hdr_init(struct zc_cluster *c, const struct zc_layout *l, uint32_t cluster_id,
		       uint32_t metadata_len, uint32_t tot, int32_t numa, uint32_t flags)
{
	struct zc_shm_hdr *h = c->hdr;
	pthread_mutexattr_t a;
	uint32_t *free_stack;
	char *buffers;
	uint32_t i;
	int err;

	memset(h, 0, sizeof(*h));
	h->version = ZC_SHM_VERSION;
	h->cluster_id = cluster_id;
	h->flags = flags;
	h->buffer_len = l->buffer_len;
	h->metadata_len = metadata_len;
	h->meta_len = l->meta_len;
	h->buf_stride = l->stride;
	h->tot_num_buffers = tot;
	h->numa_node = numa;
	h->region_size = c->size;
	h->free_off = l->free_off;
	h->arena_off = l->arena_off;
	h->arena_size = l->arena_size;
	h->buffers_off = l->buffers_off;

	err = pthread_mutexattr_init(&a);
	if (!err)
		err = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	/* robust: a process killed while holding it does not stop the others (zc_lock()) */
	if (!err)
		err = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	if (!err)
		err = pthread_mutex_init(&h->lock, &a);
	pthread_mutexattr_destroy(&a);
	if (err)
		return -err;

	buffers = c->base + l->buffers_off;
	free_stack = zc_at(c, l->free_off);
	for (i = 0; i < tot; i++) {
		pfring_zc_pkt_buff *b = zc_buf_handle(buffers, l->stride, i);
		struct zc_buf_hdr *bh = zc_buf_hdr(b);

		bh->idx = i;
		bh->data_min = (uint16_t)(l->meta_len - sizeof(struct zc_buf_hdr));
		bh->data_off = (uint16_t)(bh->data_min + PF_RING_ZC_BUFFER_HEAD_ROOM);
		/* lowest indexes on top of the stack: handed out first */
		free_stack[i] = tot - 1 - i;
	}
	h->free_count = tot;
	/* the magic last: a process attaching by id sees a complete header or none */
	atomic_thread_fence(memory_order_release);
	h->magic = ZC_SHM_MAGIC;
	return 0;
}

ZC_API int pfring_zc_precompute_cluster_settings(pfring_zc_cluster_info *info, u_int32_t buffer_len,
						 u_int32_t metadata_len, u_int32_t tot_num_buffers,
						 u_int32_t flags)
{
	struct zc_layout l;
	int err;

	if (!info) {
		errno = EINVAL;
		return -EINVAL;
	}
	err = zc_layout(&l, buffer_len, metadata_len, tot_num_buffers, flags);
	if (err) {
		errno = -err;
		return err;
	}
	info->total_memory = l.size;
	info->buffer_len = l.buffer_len;
	info->real_buffer_len = l.stride;
	return 0;
}

ZC_API pfring_zc_cluster *pfring_zc_create_cluster(u_int32_t cluster_id, u_int32_t buffer_len,
						   u_int32_t metadata_len, u_int32_t tot_num_buffers,
						   int32_t numa_node_id, const char *hugepages_mountpoint,
						   u_int32_t flags)
{
	struct zc_layout l;
	struct zc_cluster *c;
	int err, fd;

	err = zc_layout(&l, buffer_len, metadata_len, tot_num_buffers, flags);
	if (!err && numa_node_id > ZC_MAX_NUMA_NODE)
		err = -EINVAL;
	if (err)
		goto fail;
	c = calloc(1, sizeof(*c));
	if (!c) {
		err = -ENOMEM;
		goto fail;
	}
	c->size = l.size;
	fd = zc_map(c, cluster_id, hugepages_mountpoint, numa_node_id, flags);
	if (fd < 0) {
		err = fd;
		goto fail_free;
	}
	c->fd = fd;
	c->hdr = (struct zc_shm_hdr *)c->base;
	err = zc_hdr_init(c, &l, cluster_id, metadata_len, tot_num_buffers, numa_node_id, flags);
	if (!err)
		err = zc_ipc_publish(c, cluster_id);	/* now findable by its id */
	if (err)
		goto fail_unmap;
	return c;

fail_unmap:
	munmap(c->base, c->size);
	close(c->fd);
	if (c->path[0])
		unlink(c->path);	/* the temporary name: not published */
fail_free:
	free(c);
fail:
	errno = -err;
	return NULL;
}

ZC_API void pfring_zc_destroy_cluster(pfring_zc_cluster *cluster)
{
	struct zc_cluster *c = cluster;
	int i;

	if (!c || c->attached) {
		errno = EINVAL;
		return;
	}
	/* devices first: frames they still hold go out, their sockets close */
	while (c->backends) {
		struct zc_queue *q = c->backends;

		c->backends = q->backend_next;
		q->ops->close(q);
	}
	for (i = 0; i < ZC_MAX_QUEUES; i++)
		zc_queue_free(c->queues[i]);
	for (i = 0; i < ZC_MAX_POOLS; i++)
		zc_pool_free(c->pools[i]);
	/*
	 * The lock is not destroyed: attached processes may still use it.  The file's name
	 * goes now (no new attach); the memory goes when the last process unmaps it.
	 */
	zc_ipc_unpublish(c);
	zc_multi_free_all(c);
	munmap(c->base, c->size);
	close(c->fd);
	free(c);
}

ZC_API int pfring_zc_get_memory_info(pfring_zc_cluster *cluster, pfring_zc_cluster_mem_info *mem_info)
{
	struct zc_cluster *c = cluster;

	if (!c || !mem_info) {
		errno = EINVAL;
		return -EINVAL;
	}
	mem_info->base_addr = c->base;
	mem_info->size = c->size;
	return 0;
}

ZC_API u_int32_t pfring_zc_get_cluster_id(pfring_zc_cluster *cluster)
{
	struct zc_cluster *c = cluster;

	if (!c) {
		errno = EINVAL;
		return UNDEFINED_QUEUEID;
	}
	return c->hdr->cluster_id;
}

void zc_backend_add(struct zc_cluster *c, struct zc_queue *q)
{
	zc_lock(c);
	q->backend_next = c->backends;
	c->backends = q;
	zc_unlock(c);
}

int zc_backend_remove(struct zc_cluster *c, struct zc_queue *q)
{
	struct zc_queue **pp;
	int found = 0;

	zc_lock(c);
	for (pp = &c->backends; *pp; pp = &(*pp)->backend_next)
		if (*pp == q) {
			*pp = q->backend_next;
			found = 1;
			break;
		}
	zc_unlock(c);
	return found;
}

/*
 * The lock is robust: if its holder died, we get it with EOWNERDEAD and mark it usable
 * again.  What the dead holder was changing is left as it was: every change under the
 * lock moves buffer indexes one at a time and counts them as it goes (free stack, pool
 * stacks, the entry before the count), so at worst the buffers it was moving are lost,
 * not handed out twice.
 */
void zc_lock(struct zc_cluster *c)
{
	if (pthread_mutex_lock(&c->hdr->lock) == EOWNERDEAD)
		pthread_mutex_consistent(&c->hdr->lock);
}

void zc_unlock(struct zc_cluster *c)
{
	pthread_mutex_unlock(&c->hdr->lock);
}

int zc_handle_valid(const struct zc_cluster *c, const pfring_zc_pkt_buff *h)
{
	const char *first = c->base + c->hdr->buffers_off + sizeof(struct zc_buf_hdr);
	const char *p = (const char *)h;
	uint64_t off;

	if (!h || p < first)
		return 0;
	off = (uint64_t)(p - first);
	return off % c->hdr->buf_stride == 0 && off / c->hdr->buf_stride < c->hdr->tot_num_buffers;
}

void *zc_arena_alloc(struct zc_cluster *c, size_t size, uint64_t *off)
{
	struct zc_shm_hdr *h = c->hdr;
	uint64_t o = ZC_ALIGN(h->arena_used, ZC_CACHELINE);

	size = ZC_ALIGN(size, ZC_CACHELINE);
	if (o + size > h->arena_size)
		return NULL;
	h->arena_used = o + size;
	*off = h->arena_off + o;
	return memset(zc_at(c, *off), 0, size);
}

int zc_take_buffers(struct zc_cluster *c, uint32_t *dst, uint32_t n)
{
	struct zc_shm_hdr *h = c->hdr;
	uint32_t *free_stack = zc_at(c, h->free_off);
	uint32_t i;

	if (h->free_count < n)
		return -ENOBUFS;
	for (i = 0; i < n; i++)
		dst[i] = free_stack[--h->free_count];
	return 0;
}

void zc_put_buffer(struct zc_cluster *c, uint32_t idx)
{
	uint32_t *free_stack = zc_at(c, c->hdr->free_off);

	uint32_t n = c->hdr->free_count;

	if (n < c->hdr->tot_num_buffers) {
		/* the entry before the count: a holder killed in between loses idx, no more */
		free_stack[n] = idx;
		atomic_signal_fence(memory_order_seq_cst);
		c->hdr->free_count = n + 1;
	}
}

void zc_buf_reset(pfring_zc_pkt_buff *h)
{
	struct zc_buf_hdr *bh = zc_buf_hdr(h);

	h->len = 0;
	h->flags = 0;
	h->hash = 0;
	h->ts.tv_sec = 0;
	h->ts.tv_nsec = 0;
	bh->data_off = (uint16_t)(bh->data_min + PF_RING_ZC_BUFFER_HEAD_ROOM);
}

ZC_API pfring_zc_pkt_buff *pfring_zc_get_packet_handle(pfring_zc_cluster *cluster)
{
	struct zc_cluster *c = cluster;
	pfring_zc_pkt_buff *h;
	uint32_t idx;
	int err;

	if (!c) {
		errno = EINVAL;
		return NULL;
	}
	zc_lock(c);
	err = zc_take_buffers(c, &idx, 1);
	zc_unlock(c);
	if (err) {
		errno = -err;
		return NULL;
	}
	h = zc_buf_handle(c->base + c->hdr->buffers_off, c->hdr->buf_stride, idx);
	zc_buf_reset(h);
	return h;
}

ZC_API void pfring_zc_release_packet_handle(pfring_zc_cluster *cluster, pfring_zc_pkt_buff *pkt_handle)
{
	struct zc_cluster *c = cluster;

	if (!c || !zc_handle_valid(c, pkt_handle)) {
		errno = EINVAL;
		return;
	}
	if (!zc_buf_unref(pkt_handle))
		return;		/* a fan-out's other reader still has it (zc_multi.c) */
	zc_lock(c);
	zc_put_buffer(c, zc_buf_hdr(pkt_handle)->idx);
	zc_unlock(c);
}

ZC_API char *pfring_zc_version(void)
{
	static char version[] = ZC_VERSION;

	return version;
}

ZC_API int pfring_zc_check_license(void)
{
	return 1;
}

ZC_API int pfring_zc_check_device_license(pfring_zc_queue *queue, u_int32_t *expiration_epoch)
{
	(void)queue;
	if (expiration_epoch)
		*expiration_epoch = 0xffffffffu;
	return 1;
}

ZC_API int pfring_zc_check_device_license_by_name(char *device_name, u_int32_t *expiration_epoch)
{
	(void)device_name;
	if (expiration_epoch)
		*expiration_epoch = 0xffffffffu;
	return 1;
}
