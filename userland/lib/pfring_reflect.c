// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pfring_reflect.c - the façade's reflection calls: what a ring takes goes out of a
 * device (or back out of its own, bounced) instead of into the ring, in the kernel.
 */
#include <errno.h>
#include <net/if.h>
#include "pfring_priv.h"

static int reflector(pfring *ring, int ifindex, u_int32_t mode)
{
	CHECK_RING(ring);
	if (!OP(ring, set_reflector))
		return pfring_err(PF_RING_ERROR_NOT_SUPPORTED, ENOTSUP);
	return OP(ring, set_reflector)(ring, ifindex, mode);
}

/* NULL or "" removes the reflector; a device that does not exist: ENODEV */
int pfring_set_reflector_device(pfring *ring, char *device_name)
{
	unsigned int ifindex = 0;

	if (device_name && *device_name) {
		ifindex = if_nametoindex(device_name);
		if (!ifindex)
			return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, ENODEV);
	}
	return reflector(ring, (int)ifindex, PF_RING_REFLECT);
}

int pfring_set_bounce(pfring *ring, u_int8_t on)
{
	return reflector(ring, 0, on ? PF_RING_BOUNCE : PF_RING_REFLECT);
}
