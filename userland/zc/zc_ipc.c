// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * zc_ipc.c - clusters found by their id from other processes.
 *
 * Every cluster's region is a file named pfring_zc_cluster_<id>: on a hugetlbfs mount
 * (the mountpoint given to pfring_zc_create_cluster(), of any page size, else the one
 * given to pfring_zc_ipc_init(), else the first mount of 2 MB pages in /proc/mounts, else
 * one this library mounts at ZC_IPC_PRIVATE_MNT when run as root), or in /dev/shm with
 * PF_RING_ZC_CLUSTER_NO_HUGEPAGES.  The region is whole pages of its mount (zc_cluster.c).
 *
 * Life of the file:
 *   create   the region is built under a temporary name (<name>.tmp.<pid>) and appears
 *            under its real name by link(2) only once its header is complete, so a
 *            process that opens the real name always sees a whole header; link fails if
 *            the name exists, which makes the id exclusive.  The header records the
 *            creator (pid and start time).
 *   in use   a name whose creator is alive is busy: a second create fails with EBUSY.
 *            A name whose creator is gone (killed with -9) is stale: the create, attach
 *            or detach that notices it removes the name (if it still names the same file).
 *   destroy  the creator's destroy removes the name; the memory goes back to the system
 *            when the last process that maps the file unmaps it (detach, exit or death).
 *
 * Who uses which side of a queue, and which pool, is recorded in the header's owner table
 * (under the cluster lock) with the same pid and start time, so that a side held by a
 * live process is refused (EBUSY) and a side left by a dead one is taken over.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include "zc_priv.h"

#define ZC_IPC_SHM_DIR		"/dev/shm"
#define ZC_IPC_PRIVATE_DIR	"/run/pfring_zc"
#define ZC_IPC_PRIVATE_MNT	ZC_IPC_PRIVATE_DIR "/hugepages-2M"
#define ZC_IPC_NAME		"pfring_zc_cluster_%" PRIu32
#define ZC_IPC_MAX_DIRS		16
#define ZC_IPC_DIR_LEN		256

/*
 * Process-wide state, one mutex: the pfring_zc_ipc_init() mountpoint and this process's
 * attached mappings (one per cluster id, shared by the queues and pools attached from it).
 */
static pthread_mutex_t zc_ipc_mutex = PTHREAD_MUTEX_INITIALIZER;
static char zc_ipc_mountpoint[ZC_IPC_DIR_LEN];
static struct zc_cluster *zc_ipc_list;

struct zc_ipc_dirs {
	int n;
	char d[ZC_IPC_MAX_DIRS][ZC_IPC_DIR_LEN];
};

/* An attached queue: the handle zc_queue.c uses, and which side this process took. */
struct zc_ipc_queue {
	struct zc_queue q;	/* first: the public handle points here */
	int side;		/* 0 rx_only, 1 tx_only, -1 management_only */
};

/* ---- processes ---------------------------------------------------------------------- */

#define ZC_START_UNKNOWN	UINT64_MAX

/*
 * The start time of a live process (clock ticks since boot), 0 if gone or a zombie,
 * ZC_START_UNKNOWN if /proc does not show it to us (hidepid) although it exists.
 */
static uint64_t zc_proc_start(int32_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start;
	ssize_t n;
	int fd, i;

	snprintf(path, sizeof(path), "/proc/%" PRId32 "/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT && (kill(pid, 0) == 0 || errno == EPERM))
			return ZC_START_UNKNOWN;
		return 0;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');	/* the command name may hold spaces and parentheses */
	if (!p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
		return 0;
	p += 2;
	/* fields after the name: state is the 3rd, starttime the 22nd */
	for (i = 3; i < 22 && p; i++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p || sscanf(p, "%llu", &start) != 1)
		return 0;
	return start && start != ZC_START_UNKNOWN ? start : 1;
}

static void zc_owner_self(struct zc_ipc_owner *o)
{
	o->pid = (int32_t)getpid();
	o->pad_ = 0;
	o->start = zc_proc_start(o->pid);
}

static int zc_owner_alive(const struct zc_ipc_owner *o)
{
	uint64_t start;

	if (o->pid <= 0)
		return 0;
	start = zc_proc_start(o->pid);
	/* a process we cannot see in /proc is taken as the one recorded: never as dead */
	return start == o->start || (start == ZC_START_UNKNOWN && o->start != 0);
}

/* ---- where the files are ------------------------------------------------------------ */

static void zc_dirs_add(struct zc_ipc_dirs *d, const char *dir)
{
	int i;

	if (d->n == ZC_IPC_MAX_DIRS || strlen(dir) >= ZC_IPC_DIR_LEN)
		return;
	for (i = 0; i < d->n; i++)
		if (!strcmp(d->d[i], dir))
			return;
	strcpy(d->d[d->n++], dir);
}

/* The page size of a filesystem statfs describes if it is hugetlbfs, else 0 */
static uint64_t zc_hugetlbfs_pagesize(const struct statfs *s)
{
	return s->f_type == HUGETLBFS_MAGIC && s->f_bsize > 0 ? (uint64_t)s->f_bsize : 0;
}

/*
 * Bytes of a page of the filesystem holding fd: a hugetlbfs mount's page size (2 MB, or
 * 1 GB for pagesize=1G, or the system's default hugepage size when the mount names
 * none), else 4 KB.
 */
uint64_t zc_file_pagesize(int fd)
{
	struct statfs s;
	uint64_t page = fstatfs(fd, &s) == 0 ? zc_hugetlbfs_pagesize(&s) : 0;

	return page ? page : 4096;
}

/* The same for a mountpoint: 0 when it is not a hugetlbfs mount. */
static uint64_t zc_mount_pagesize(const char *dir)
{
	struct statfs s;

	return statfs(dir, &s) == 0 ? zc_hugetlbfs_pagesize(&s) : 0;
}

/* hugetlbfs mountpoints from /proc/mounts: those of 2 MB pages, or all. */
static void zc_dirs_hugetlbfs(struct zc_ipc_dirs *d, int only_2m)
{
	struct mntent m, *e;
	char buf[4096];
	FILE *f = setmntent("/proc/mounts", "re");

	if (!f)
		return;
	while ((e = getmntent_r(f, &m, buf, sizeof(buf))))
		if (!strcmp(e->mnt_type, "hugetlbfs") &&
		    (!only_2m || zc_mount_pagesize(e->mnt_dir) == ZC_HUGEPAGE))
			zc_dirs_add(d, e->mnt_dir);
	endmntent(f);
}

/* Every place a cluster's file may be: where attach looks, and create checks. */
static void zc_dirs_search(struct zc_ipc_dirs *d, const char *first)
{
	d->n = 0;
	if (first)
		zc_dirs_add(d, first);
	pthread_mutex_lock(&zc_ipc_mutex);
	if (zc_ipc_mountpoint[0])
		zc_dirs_add(d, zc_ipc_mountpoint);
	pthread_mutex_unlock(&zc_ipc_mutex);
	zc_dirs_hugetlbfs(d, 0);
	zc_dirs_add(d, ZC_IPC_SHM_DIR);
}

/* The directory a new cluster's file goes to (see the top of this file). */
static int zc_dir_for_create(char *dir, const char *mountpoint, uint32_t flags)
{
	struct zc_ipc_dirs d = { 0 };

	if (flags & PF_RING_ZC_CLUSTER_NO_HUGEPAGES)
		mountpoint = ZC_IPC_SHM_DIR;
	if (!mountpoint) {
		pthread_mutex_lock(&zc_ipc_mutex);
		if (zc_ipc_mountpoint[0])
			zc_dirs_add(&d, zc_ipc_mountpoint);
		pthread_mutex_unlock(&zc_ipc_mutex);
		zc_dirs_hugetlbfs(&d, 1);
		if (d.n == 0) {
			/* none mounted: mount one of our own (root only) */
			mkdir(ZC_IPC_PRIVATE_DIR, 0700);
			mkdir(ZC_IPC_PRIVATE_MNT, 0700);
			if (mount("pfring_zc", ZC_IPC_PRIVATE_MNT, "hugetlbfs", MS_NOSUID | MS_NODEV,
				  "pagesize=2M,mode=0700") < 0) {
				int err = errno;

				zc_dirs_hugetlbfs(&d, 1);	/* another process was quicker? */
				if (d.n == 0) {
					fprintf(stderr,
						"pfring_zc: no hugetlbfs mount for 2 MB pages in /proc/mounts, "
						"and mounting one at " ZC_IPC_PRIVATE_MNT " failed (%s).\n"
						"pfring_zc: as root: mount -t hugetlbfs -o pagesize=2M none "
						"/dev/hugepages\n", strerror(err));
					return -ENODEV;
				}
			} else {
				zc_dirs_add(&d, ZC_IPC_PRIVATE_MNT);
			}
		}
		mountpoint = d.d[0];
	}
	if (strlen(mountpoint) >= ZC_IPC_DIR_LEN)
		return -ENAMETOOLONG;
	strcpy(dir, mountpoint);
	return 0;
}

/* ---- files -------------------------------------------------------------------------- */

/* Remove path if it still names the file (dev, ino): not a newer cluster of the same id. */
static void zc_unlink_if(const char *path, uint64_t dev, uint64_t ino)
{
	struct stat st;

	if (path[0] && stat(path, &st) == 0 && st.st_dev == dev && st.st_ino == ino)
		unlink(path);
}

/*
 * Map an existing cluster file (the whole region, read-write).  Returns the mapping, or
 * NULL with *err: -EPROTO if it is not a cluster of this version, -ESRCH if its creator
 * is gone (then the name has been removed).
 */
static void *zc_file_map(int fd, const char *path, struct stat *st, int *err)
{
	struct zc_shm_hdr *h;
	void *p;

	if (fstat(fd, st) < 0) {
		*err = -errno;
		return NULL;
	}
	/* its offsets are trusted: only a file of our user's or root's */
	if (!S_ISREG(st->st_mode) || (st->st_uid != geteuid() && st->st_uid != 0)) {
		*err = -EACCES;
		return NULL;
	}
	if ((uint64_t)st->st_size < sizeof(*h)) {
		*err = -EPROTO;
		return NULL;
	}
	p = mmap(NULL, (size_t)st->st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		*err = -errno;
		return NULL;
	}
	h = p;
	/* published by link(2) after the header was written: magic and all are there */
	if (h->magic != ZC_SHM_MAGIC || h->version != ZC_SHM_VERSION ||
	    h->region_size != (uint64_t)st->st_size) {
		*err = -EPROTO;
	} else if (!zc_owner_alive(&h->creator)) {
		*err = -ESRCH;
		zc_unlink_if(path, st->st_dev, st->st_ino);
	} else {
		return p;
	}
	munmap(p, (size_t)st->st_size);
	return NULL;
}

/* A cluster file at path: 1 in use by a live creator, 0 none (or a stale one removed). */
static int zc_file_check(const char *path)
{
	struct stat st;
	int fd, err = 0;
	void *p;

	fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	p = zc_file_map(fd, path, &st, &err);
	close(fd);
	if (p) {
		munmap(p, (size_t)st.st_size);
		return 1;
	}
	if (err == -ESRCH)
		return 0;
	return err == -EPROTO ? -EEXIST : err;	/* not ours: leave it alone */
}

/* Temporary files of this id left by a creator killed while building its region. */
static void zc_clean_tmp(const char *dir, uint32_t cluster_id)
{
	char prefix[64], path[ZC_IPC_DIR_LEN + 128];
	struct dirent *e;
	size_t n;
	long pid;
	DIR *d;

	n = (size_t)snprintf(prefix, sizeof(prefix), ZC_IPC_NAME ".tmp.", cluster_id);
	d = opendir(dir);
	if (!d)
		return;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, prefix, n) && (pid = strtol(e->d_name + n, NULL, 10)) > 0 &&
		    !zc_proc_start((int32_t)pid)) {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
	closedir(d);
}

/*
 * For pfring_zc_create_cluster(): fails with -EBUSY if the id is in use, removes a stale
 * file of the id, and creates the region's file under a temporary name (c->path) in the
 * directory chosen for it; returns its fd.
 */
int zc_ipc_create_file(struct zc_cluster *c, uint32_t cluster_id, const char *mountpoint,
		       uint32_t flags)
{
	struct zc_ipc_dirs d;
	char dir[ZC_IPC_DIR_LEN], name[64], path[ZC_IPC_DIR_LEN + 64];
	int err, i, fd;

	/* in use anywhere attach looks (EBUSY), then where the new file goes */
	snprintf(name, sizeof(name), ZC_IPC_NAME, cluster_id);
	zc_dirs_search(&d, (flags & PF_RING_ZC_CLUSTER_NO_HUGEPAGES) ? NULL : mountpoint);
	for (i = 0; i < d.n; i++) {
		snprintf(path, sizeof(path), "%s/%s", d.d[i], name);
		err = zc_file_check(path);
		if (err > 0)
			return -EBUSY;
		if (err < 0 && err != -EACCES && err != -ENOTDIR)
			return err;
	}
	err = zc_dir_for_create(dir, mountpoint, flags);
	if (err)
		return err;
	zc_clean_tmp(dir, cluster_id);
	if (snprintf(c->path, sizeof(c->path), "%s/%s.tmp.%ld", dir, name,
		     (long)getpid()) >= (int)sizeof(c->path))
		return -ENAMETOOLONG;
	fd = open(c->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = errno == EEXIST ? -EBUSY : -errno;	/* another thread of ours */
		c->path[0] = '\0';
		return err;
	}
	return fd;
}

/* The header is complete: record the creator and give the file its real name. */
int zc_ipc_publish(struct zc_cluster *c, uint32_t cluster_id)
{
	char final[sizeof(c->path)];
	struct stat st;
	char *dot;
	int tries, err;

	(void)cluster_id;
	zc_owner_self(&c->hdr->creator);
	strcpy(final, c->path);
	dot = strstr(final, ".tmp.");
	if (!dot)
		return -EINVAL;
	*dot = '\0';
	for (tries = 0; link(c->path, final) < 0; tries++) {
		if (errno != EEXIST)
			return -errno;
		err = zc_file_check(final);	/* created meanwhile, or stale */
		if (err > 0 || tries == 3)
			return -EBUSY;
		if (err < 0)
			return err;
	}
	unlink(c->path);
	strcpy(c->path, final);
	if (fstat(c->fd, &st) == 0) {
		c->dev = st.st_dev;
		c->ino = st.st_ino;
	}
	return 0;
}

/* The creator's destroy: no creator any more, no name. */
void zc_ipc_unpublish(struct zc_cluster *c)
{
	zc_lock(c);
	memset(&c->hdr->creator, 0, sizeof(c->hdr->creator));
	zc_unlock(c);
	zc_unlink_if(c->path, c->dev, c->ino);
}

/*
 * Our own call: the cluster's file (the creator's, root's when it runs as root) becomes
 * readable and writable by group gid (mode 0660), so that processes of that group may
 * attach; the library's own mount and its folder become traversable (0711, not listable)
 * by others, who then open the file by its name.  Attach trusts a file of root's or of its
 * own user's only (zc_file_map()): this keeps the file root's.  Only the creator, in its
 * process.
 */
ZC_API int pfring_zc_cluster_set_group(pfring_zc_cluster *cluster, gid_t gid)
{
	struct zc_cluster *c = cluster;
	size_t n = strlen(ZC_IPC_PRIVATE_MNT);

	if (!c || c->attached || !c->path[0]) {
		errno = EINVAL;
		return -EINVAL;
	}
	if (fchown(c->fd, (uid_t)-1, gid) < 0 || fchmod(c->fd, 0660) < 0)
		return -errno;
	if (!strncmp(c->path, ZC_IPC_PRIVATE_MNT, n) && c->path[n] == '/' &&
	    (chmod(ZC_IPC_PRIVATE_DIR, 0711) < 0 || chmod(ZC_IPC_PRIVATE_MNT, 0711) < 0))
		return -errno;
	return 0;
}

/* ---- attached mappings -------------------------------------------------------------- */

/* Map the cluster cluster_id from its file; NULL and *err when there is none. */
static struct zc_cluster *zc_ipc_map(uint32_t cluster_id, int *err)
{
	struct zc_ipc_dirs d;
	struct zc_cluster *c;
	char name[64];
	struct stat st;
	int i, fd, e;
	void *p;

	*err = -ENOENT;
	c = calloc(1, sizeof(*c));
	if (!c) {
		*err = -ENOMEM;
		return NULL;
	}
	snprintf(name, sizeof(name), ZC_IPC_NAME, cluster_id);
	zc_dirs_search(&d, NULL);
	for (i = 0; i < d.n; i++) {
		if (snprintf(c->path, sizeof(c->path), "%s/%s", d.d[i], name) >= (int)sizeof(c->path))
			continue;
		fd = open(c->path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0) {
			if (errno != ENOENT && errno != ENOTDIR)
				*err = -errno;	/* EACCES: say so rather than ENOENT */
			continue;
		}
		e = 0;
		p = zc_file_map(fd, c->path, &st, &e);
		if (!p) {
			close(fd);
			if (e != -ESRCH)	/* a dead creator's file: as if there were none */
				*err = e;
			continue;
		}
		c->base = p;
		c->hdr = p;
		c->size = (size_t)st.st_size;
		c->fd = fd;
		c->dev = st.st_dev;
		c->ino = st.st_ino;
		c->attached = 1;
		return c;
	}
	free(c);
	return NULL;
}

/* This process's mapping of cluster_id (one reference more), made on first use. */
static struct zc_cluster *zc_ipc_get(uint32_t cluster_id, int *err)
{
	struct zc_cluster *c;
	struct stat st;

	pthread_mutex_lock(&zc_ipc_mutex);
	for (c = zc_ipc_list; c; c = c->ipc_next)
		/* the same file, its creator still there: not a recreated cluster of the id */
		if (c->hdr->cluster_id == cluster_id && stat(c->path, &st) == 0 &&
		    st.st_dev == c->dev && st.st_ino == c->ino && zc_owner_alive(&c->hdr->creator))
			break;
	if (!c) {
		pthread_mutex_unlock(&zc_ipc_mutex);
		c = zc_ipc_map(cluster_id, err);	/* no file system work under the mutex */
		if (!c)
			return NULL;
		pthread_mutex_lock(&zc_ipc_mutex);
		c->ipc_next = zc_ipc_list;
		zc_ipc_list = c;
	}
	c->refs++;
	pthread_mutex_unlock(&zc_ipc_mutex);
	*err = 0;
	return c;
}

/* One reference less; the last unmaps, and removes the name if its creator is gone. */
static void zc_ipc_put(struct zc_cluster *c)
{
	struct zc_cluster **pp;

	pthread_mutex_lock(&zc_ipc_mutex);
	if (--c->refs) {
		pthread_mutex_unlock(&zc_ipc_mutex);
		return;
	}
	for (pp = &zc_ipc_list; *pp; pp = &(*pp)->ipc_next)
		if (*pp == c) {
			*pp = c->ipc_next;
			break;
		}
	pthread_mutex_unlock(&zc_ipc_mutex);
	if (!zc_owner_alive(&c->hdr->creator))
		zc_unlink_if(c->path, c->dev, c->ino);
	munmap(c->base, c->size);
	close(c->fd);
	free(c);
}

/* Under lock: take owner slot o for this process unless a live process holds it. */
static int zc_owner_take(struct zc_ipc_owner *o)
{
	if (zc_owner_alive(o))
		return -EBUSY;
	zc_owner_self(o);
	return 0;
}

/* Under lock: give back owner slot o if this process holds it. */
static void zc_owner_drop(struct zc_ipc_owner *o)
{
	if (o->pid == (int32_t)getpid())
		memset(o, 0, sizeof(*o));
}

/*
 * A worker of this process is going to use side (0: rx, 1: tx) of q: it takes that side
 * in the owner table as an attach does, so that no other process attaches it meanwhile
 * (two producers or two consumers on one SPSC queue would lose and repeat packets).
 * 1: taken (zc_queue_unclaim() gives it back); 0: nothing to take, as this process holds
 * that side already (it attached the queue) or q is a backend's (a device's), which the
 * table does not name; -EBUSY: another live process holds it.
 */
int zc_queue_claim(struct zc_queue *q, int side)
{
	struct zc_ipc_owner *o;
	int ret;

	if (q->ops || !q->shm)
		return 0;
	o = &q->cluster->hdr->queue_owner[q->shm->id][side];
	zc_lock(q->cluster);
	if (o->pid == (int32_t)getpid() && zc_owner_alive(o))
		ret = 0;
	else
		ret = zc_owner_take(o) < 0 ? -EBUSY : 1;
	zc_unlock(q->cluster);
	return ret;
}

void zc_queue_unclaim(struct zc_queue *q, int side)
{
	zc_lock(q->cluster);
	zc_owner_drop(&q->cluster->hdr->queue_owner[q->shm->id][side]);
	zc_unlock(q->cluster);
}

/* ---- API ---------------------------------------------------------------------------- */

ZC_API void pfring_zc_ipc_init(const char *hugepages_mountpoint)
{
	pthread_mutex_lock(&zc_ipc_mutex);
	zc_ipc_mountpoint[0] = '\0';
	if (hugepages_mountpoint && strlen(hugepages_mountpoint) < sizeof(zc_ipc_mountpoint))
		strcpy(zc_ipc_mountpoint, hugepages_mountpoint);
	pthread_mutex_unlock(&zc_ipc_mutex);
}

ZC_API pfring_zc_queue *pfring_zc_ipc_attach_queue(u_int32_t cluster_id, u_int32_t queue_id,
						   pfring_zc_queue_mode queue_mode)
{
	struct zc_ipc_queue *iq;
	struct zc_shm_queue *sq;
	struct zc_cluster *c;
	struct zc_queue *q;
	struct zc_shm_hdr *h;
	int err = 0;

	if ((queue_mode != rx_only && queue_mode != tx_only && queue_mode != management_only) ||
	    queue_id >= ZC_MAX_QUEUES) {
		errno = EINVAL;
		return NULL;
	}
	iq = aligned_alloc(ZC_CACHELINE, sizeof(*iq));
	if (!iq) {
		errno = ENOMEM;
		return NULL;
	}
	memset(iq, 0, sizeof(*iq));
	c = zc_ipc_get(cluster_id, &err);
	if (!c) {
		free(iq);
		errno = -err;
		return NULL;
	}
	h = c->hdr;
	iq->side = queue_mode == management_only ? -1 : queue_mode == tx_only;
	zc_lock(c);
	if (queue_id >= h->num_queues || !h->queue_off[queue_id])
		err = -ENOENT;
	else if (iq->side >= 0)
		err = zc_owner_take(&h->queue_owner[queue_id][iq->side]);
	zc_unlock(c);
	if (err) {
		free(iq);
		zc_ipc_put(c);
		errno = -err;
		return NULL;
	}
	q = &iq->q;
	sq = zc_at(c, h->queue_off[queue_id]);
	/*
	 * Each side resumes where the shared counters are: a producer after the last packet
	 * published, a consumer after the last one taken (zc_queue_init_local()).
	 */
	zc_queue_init_local(q, c, sq);
	return q;
}

ZC_API void pfring_zc_ipc_detach_queue(pfring_zc_queue *queue)
{
	struct zc_ipc_queue *iq = queue;
	struct zc_cluster *c;

	if (!iq || !iq->q.cluster || !iq->q.cluster->attached) {
		errno = EINVAL;
		return;
	}
	c = iq->q.cluster;
	if (iq->side >= 0) {
		zc_lock(c);
		zc_owner_drop(&c->hdr->queue_owner[iq->q.shm->id][iq->side]);
		zc_unlock(c);
	}
	free(iq);
	zc_ipc_put(c);
}

ZC_API pfring_zc_buffer_pool *pfring_zc_ipc_attach_buffer_pool(u_int32_t cluster_id, u_int32_t pool_id)
{
	struct zc_shm_pool *sp = NULL;
	struct zc_cluster *c;
	struct zc_shm_hdr *h;
	struct zc_pool *p;
	int err = 0;

	if (pool_id >= ZC_MAX_POOLS) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		errno = ENOMEM;
		return NULL;
	}
	c = zc_ipc_get(cluster_id, &err);
	if (!c) {
		free(p);
		errno = -err;
		return NULL;
	}
	h = c->hdr;
	zc_lock(c);
	if (pool_id < h->num_pools && h->pool_off[pool_id])
		sp = zc_at(c, h->pool_off[pool_id]);
	if (!sp || !sp->in_use)
		err = -ENOENT;
	else
		err = zc_owner_take(&h->pool_owner[pool_id]);
	zc_unlock(c);
	if (err) {
		free(p);
		zc_ipc_put(c);
		errno = -err;
		return NULL;
	}
	p->shm = sp;
	p->stack = zc_at(c, sp->stack_off);
	p->cluster = c;
	return p;
}

ZC_API void pfring_zc_ipc_detach_buffer_pool(pfring_zc_buffer_pool *pool)
{
	struct zc_pool *p = pool;
	struct zc_cluster *c;

	if (!p || !p->cluster || !p->cluster->attached) {
		errno = EINVAL;
		return;
	}
	c = p->cluster;
	zc_lock(c);
	zc_owner_drop(&c->hdr->pool_owner[p->shm->id]);
	zc_unlock(c);
	free(p);
	zc_ipc_put(c);
}

/*
 * Under lock: a pool with exactly the id given (for a queue/pool pair).  Ids below it that
 * were never used get empty descriptors (capacity 0: never reused by another pool).
 */
static struct zc_shm_pool *zc_pool_at(struct zc_cluster *c, uint32_t id, uint32_t pool_len,
				      int *err)
{
	struct zc_shm_hdr *h = c->hdr;
	struct zc_shm_pool *sp;
	uint64_t off, stack_off = 0;

	if (id < h->num_pools) {
		sp = zc_at(c, h->pool_off[id]);
		if (sp->in_use || sp->cap < pool_len) {
			*err = -ENOSPC;
			return NULL;
		}
		return sp;
	}
	while (h->num_pools <= id) {
		uint32_t cap = h->num_pools == id ? pool_len : 0;

		if (!(sp = zc_arena_alloc(c, sizeof(*sp), &off)) ||
		    (cap && !zc_arena_alloc(c, (size_t)cap * sizeof(uint32_t), &stack_off))) {
			*err = -ENOSPC;
			return NULL;
		}
		sp->id = h->num_pools;
		sp->cap = cap;
		sp->stack_off = cap ? stack_off : 0;
		h->pool_off[h->num_pools++] = off;
	}
	return sp;
}

/*
 * Under lock: make the next queue id one whose pool id is free (pools made earlier with
 * pfring_zc_create_buffer_pool() may hold the ids of the next queues): the queue ids
 * skipped stay unused (queue_off 0: attach says ENOENT).
 */
static int zc_pair_id(struct zc_cluster *c, uint32_t pool_len)
{
	struct zc_shm_hdr *h = c->hdr;
	uint32_t id = h->num_queues;
	struct zc_shm_pool *sp;

	while (id < h->num_pools && id < ZC_MAX_POOLS) {
		sp = zc_at(c, h->pool_off[id]);
		if (!sp->in_use && sp->cap >= pool_len)
			break;
		id++;
	}
	if (id >= ZC_MAX_QUEUES || id >= ZC_MAX_POOLS)
		return -ENOSPC;
	h->num_queues = id;
	return 0;
}

ZC_API int pfring_zc_create_queue_pool_pair(pfring_zc_cluster *cluster, u_int32_t queue_len,
					    u_int32_t pool_len, pfring_zc_queue **queue,
					    pfring_zc_buffer_pool **pool)
{
	struct zc_cluster *c = cluster;
	struct zc_shm_pool *sp;
	struct zc_queue *q;
	struct zc_pool *p;
	int err = 0;

	if (!c || c->attached || !queue || !pool || queue_len == 0 || pool_len == 0 ||
	    pool_len > c->hdr->tot_num_buffers) {
		errno = EINVAL;
		return -EINVAL;
	}
	zc_lock(c);
	if ((uint64_t)c->hdr->free_count < (uint64_t)queue_len + pool_len)
		err = -ENOBUFS;
	else
		err = zc_pair_id(c, pool_len);
	zc_unlock(c);
	p = err ? NULL : calloc(1, sizeof(*p));
	if (!err && !p)
		err = -ENOMEM;
	q = err ? NULL : pfring_zc_create_queue(c, queue_len);
	if (!err && !q)
		err = -errno;
	if (err) {
		free(p);
		errno = -err;
		return err;
	}
	zc_lock(c);
	if (c->hdr->free_count < pool_len)
		err = -ENOBUFS;		/* another thread took them meanwhile */
	else if ((sp = zc_pool_at(c, q->shm->id, pool_len, &err))) {
		p->shm = sp;
		p->stack = zc_at(c, sp->stack_off);
		p->cluster = c;
		zc_take_buffers(c, p->stack, pool_len);
		sp->len = pool_len;
		sp->count = pool_len;
		sp->in_use = 1;
		c->pools[sp->id] = p;
	}
	zc_unlock(c);
	if (err) {
		/* the queue stays (there is no destroy for a queue): it is usable alone */
		free(p);
		errno = -err;
		*queue = q;
		*pool = NULL;
		return err;
	}
	*queue = q;
	*pool = p;
	return 0;
}
