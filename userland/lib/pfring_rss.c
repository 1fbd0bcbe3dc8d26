// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pfring_rss.c - pfring_enable_rss_rehash(): a symmetric RSS key on the ring's device,
 * so that both directions of a flow hash to one RX queue (ethX@Q captures whole flows).
 *
 * The key is the repeated 0x6d5a pattern: with it the Toeplitz hash of (src, dst) and
 * (dst, src) are equal for addresses and ports alike. It is set through the kernel's
 * ethtool interface (ETHTOOL_SRSSH, as `ethtool -X DEV hkey ...`), the indirection
 * table left as it is: any driver that takes a key takes it (igb does with our aware
 * driver; ixgbe, i40e, ice do in-tree). A device that refuses a key, or has no RSS, gives
 * PF_RING_ERROR_NOT_SUPPORTED with errno EOPNOTSUPP.
 */
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pfring_priv.h"

/* ioctl(SIOCETHTOOL) on ifname; -1 with errno on failure */
static int ethtool_call(const char *ifname, void *cmd)
{
	struct ifreq ifr;
	int fd, rc, err;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = cmd;
	rc = ioctl(fd, SIOCETHTOOL, &ifr);
	err = errno;
	close(fd);
	errno = err;
	return rc;
}

/* The symmetric key on one device: 0, or -1 with errno */
static int rss_symmetric_key(const char *ifname)
{
	struct ethtool_rxfh head = { .cmd = ETHTOOL_GRSSH };
	struct ethtool_rxfh *set;
	u_int32_t i;
	int rc;

	if (ethtool_call(ifname, &head) < 0)
		return -1;
	if (head.key_size == 0 || head.key_size > 256) {
		errno = EOPNOTSUPP;
		return -1;
	}
	set = calloc(1, sizeof(*set) + head.key_size);
	if (!set)
		return -1;
	set->cmd = ETHTOOL_SRSSH;
	set->indir_size = ETH_RXFH_INDIR_NO_CHANGE;
	set->key_size = head.key_size;
	set->hfunc = 0;		/* ETH_RSS_HASH_NO_CHANGE */
	for (i = 0; i < head.key_size; i++)
		((u_int8_t *)set->rss_config)[i] = i % 2 ? 0x5a : 0x6d;
	rc = ethtool_call(ifname, set);
	free(set);
	return rc;
}

int pfring_enable_rss_rehash(pfring *ring)
{
	char name[IFNAMSIZ];
	size_t n;

	CHECK_RING(ring);
	/* the device of "ethX", "ethX@Q"; a list or "any" names no one device */
	n = strcspn(ring->priv->device_name, "@,");
	if (n == 0 || n >= sizeof(name) || ring->priv->device_name[n] == ',' ||
	    !strcmp(ring->priv->device_name, "any"))
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	memcpy(name, ring->priv->device_name, n);
	name[n] = '\0';
	if (rss_symmetric_key(name) < 0) {
		if (errno == EOPNOTSUPP || errno == EINVAL)
			return pfring_err(PF_RING_ERROR_NOT_SUPPORTED, EOPNOTSUPP);
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, errno);
	}
	return 0;
}
