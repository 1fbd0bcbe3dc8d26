// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fake_pf_ring.c - an LD_PRELOAD stand-in for pf_ring.ko, so that the library's ring
 * code runs on a host that cannot load the module (tests/unit/test_c_api.py).
 *
 * socket(PF_RING_AF_DEFAULT, ...) returns a memfd laid out as linux/pf_ring.h's ring;
 * setsockopt()/getsockopt() at SOL_PF_RING answer as the module would. mmap() needs no
 * help: the memfd maps. The test program plays the producer itself (K3, K4) through
 * its own mapping of ring->fd.
 *
 * Environment: FAKE_PFR_ABI (the ring's abi_version, default PF_RING_ABI_VERSION),
 * FAKE_PFR_SLOTS (default 8), FAKE_PFR_BIND_LOG (a file that receives each bind list).
 * Binding "nosuchdev" fails with ENODEV.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/pf_ring.h>

#define FAKE_SLOT_SIZE	256
#define FAKE_MAX_FDS	16

struct fake {
	int fd;
	u_int32_t caplen;
	struct pf_ring_geometry geo;
};

static struct fake fakes[FAKE_MAX_FDS];
static int nfakes;

static struct fake *find(int fd)
{
	for (int i = 0; i < nfakes; i++)
		if (fakes[i].fd == fd)
			return &fakes[i];
	return NULL;
}

static unsigned env_u(const char *name, unsigned dflt)
{
	const char *v = getenv(name);

	return v ? (unsigned)strtoul(v, NULL, 0) : dflt;
}

int socket(int domain, int type, int protocol)
{
	static int (*real)(int, int, int);
	struct fake *f;

	if (!real)
		real = (int (*)(int, int, int))dlsym(RTLD_NEXT, "socket");
	if (domain != PF_RING_AF_DEFAULT)
		return real(domain, type, protocol);
	if (nfakes == FAKE_MAX_FDS) {
		errno = EMFILE;
		return -1;
	}
	f = &fakes[nfakes];
	f->fd = memfd_create("fake_pf_ring", MFD_CLOEXEC);
	if (f->fd < 0)
		return -1;
	f->caplen = 1536;
	nfakes++;
	return f->fd;
}

int setsockopt(int fd, int level, int optname, const void *optval, socklen_t optlen)
{
	static int (*real)(int, int, int, const void *, socklen_t);
	struct fake *f = find(fd);

	if (!real)
		real = (int (*)(int, int, int, const void *, socklen_t))dlsym(RTLD_NEXT,
									      "setsockopt");
	if (!f || level != SOL_PF_RING)
		return real(fd, level, optname, optval, optlen);
	if (optname == PF_RING_OPT_CAPLEN) {
		f->caplen = *(const u_int32_t *)optval;
	} else if (optname == PF_RING_OPT_BIND) {
		struct pf_ring_info info;
		u_int32_t slots = env_u("FAKE_PFR_SLOTS", 8);

		const char *log = getenv("FAKE_PFR_BIND_LOG");

		if (log) {
			FILE *f = fopen(log, "a");

			if (f) {
				fprintf(f, "%.*s\n", (int)optlen, (const char *)optval);
				fclose(f);
			}
		}
		if (optlen == 9 && memcmp(optval, "nosuchdev", 9) == 0) {
			errno = ENODEV;
			return -1;
		}
		f->geo.num_slots = slots;
		f->geo.slot_size = FAKE_SLOT_SIZE;
		f->geo.slots_offset = 4096;
		f->geo.mmap_len = 4096 + (u_int64_t)slots * FAKE_SLOT_SIZE;
		f->geo.caplen = f->caplen;
		memset(&info, 0, sizeof(info));
		info.abi_version = env_u("FAKE_PFR_ABI", PF_RING_ABI_VERSION);
		info.num_slots = slots;
		info.slot_size = FAKE_SLOT_SIZE;
		info.slots_offset = 4096;
		info.mmap_len = f->geo.mmap_len;
		info.caplen = f->caplen;
		info.slot_hdr_size = sizeof(struct pf_ring_slot_hdr);
		if (ftruncate(fd, (off_t)f->geo.mmap_len) < 0 ||
		    pwrite(fd, &info, sizeof(info), 0) != (ssize_t)sizeof(info))
			return -1;
	}
	return 0;
}

int getsockopt(int fd, int level, int optname, void *optval, socklen_t *optlen)
{
	static int (*real)(int, int, int, void *, socklen_t *);
	struct fake *f = find(fd);

	if (!real)
		real = (int (*)(int, int, int, void *, socklen_t *))dlsym(RTLD_NEXT, "getsockopt");
	if (!f || level != SOL_PF_RING)
		return real(fd, level, optname, optval, optlen);
	switch (optname) {
	case PF_RING_OPT_RING_GEOMETRY:
		memcpy(optval, &f->geo, sizeof(f->geo));
		*optlen = sizeof(f->geo);
		return 0;
	case PF_RING_OPT_STATS: {
		struct pf_ring_stats st = { 0, 3 };
		struct pf_ring_info info;

		if (pread(fd, &info, sizeof(info), 0) != (ssize_t)sizeof(info))
			return -1;
		st.recv = info.prod;
		memcpy(optval, &st, sizeof(st));
		*optlen = sizeof(st);
		return 0;
	}
	case PF_RING_OPT_VERSION:
	case PF_RING_OPT_RING_ID: {
		u_int32_t v = optname == PF_RING_OPT_VERSION ? PF_RING_API_VERSION_NUM : 42;

		memcpy(optval, &v, sizeof(v));
		*optlen = sizeof(v);
		return 0;
	}
	case PF_RING_OPT_DEV_INFO: {
		struct pf_ring_dev_info di = { 7, 1500, 1000, 2, { 2, 0, 0, 0, 0, 7 }, 1, 0 };

		memcpy(optval, &di, sizeof(di));
		*optlen = sizeof(di);
		return 0;
	}
	case PF_RING_OPT_APPL_STATS_FILE: {
		static const char path[] = "/proc/net/pf_ring/stats/fake";

		if (*optlen < sizeof(path)) {
			errno = EINVAL;
			return -1;
		}
		memcpy(optval, path, sizeof(path));
		*optlen = sizeof(path);
		return 0;
	}
	default:
		errno = ENOPROTOOPT;
		return -1;
	}
}
