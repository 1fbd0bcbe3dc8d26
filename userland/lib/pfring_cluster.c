// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pfring_cluster.c - the façade's cluster calls: rings of one or many processes that
 * join the same cluster id share its traffic, per flow or in turn (linux/pf_ring.h,
 * enum pf_ring_cluster_type, says how each type chooses).
 *
 * Joining works before or after pfring_enable_ring(); a member gets packets once it is
 * enabled, and the kernel takes it out of the cluster when its ring is closed (or its
 * process dies), its flows going to the others.
 */
#include <errno.h>
#include <stdint.h>
#include "pfring_priv.h"

/* The library's cluster_type and the kernel's enum must agree: programs pass numbers */
#define SAME_CLUSTER_TYPE(lib, kernel) _Static_assert((int)(lib) == (int)(kernel), #lib)
SAME_CLUSTER_TYPE(cluster_per_flow, PF_RING_CLUSTER_PER_FLOW);
SAME_CLUSTER_TYPE(cluster_round_robin, PF_RING_CLUSTER_ROUND_ROBIN);
SAME_CLUSTER_TYPE(cluster_per_flow_5_tuple, PF_RING_CLUSTER_PER_FLOW_5_TUPLE);
SAME_CLUSTER_TYPE(cluster_per_inner_flow, PF_RING_CLUSTER_PER_INNER_FLOW);
SAME_CLUSTER_TYPE(cluster_per_flow_ip_5_tuple, PF_RING_CLUSTER_PER_FLOW_IP_5_TUPLE);
SAME_CLUSTER_TYPE(cluster_per_flow_ip_with_dup_tuple,
		  PF_RING_CLUSTER_PER_FLOW_IP_WITH_DUP_TUPLE);

static int cluster_join(pfring *ring, u_int32_t id, cluster_type type, u_int32_t consumer)
{
	CHECK_RING(ring);
	if ((unsigned int)type > MAX_CLUSTER_TYPE_ID)
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	if (!OP(ring, set_cluster))
		return pfring_err(PF_RING_ERROR_NOT_SUPPORTED, ENOTSUP);
	return OP(ring, set_cluster)(ring, id, type, consumer);
}

int pfring_set_cluster(pfring *ring, u_int clusterId, cluster_type the_type)
{
	return cluster_join(ring, clusterId, the_type, PF_RING_CLUSTER_ANY_CONSUMER);
}

/*
 * queue_id: the member's place in the cluster (0 to PF_RING_CLUSTER_MAX_MEMBERS - 1),
 * shown in /proc/net/pf_ring/clusters; a place another member has is refused (EBUSY).
 * options: none is defined (0).
 */
int pfring_set_cluster_consumer(pfring *ring, u_int16_t cluster_id, u_int16_t queue_id,
				cluster_type the_type, u_int32_t options)
{
	if (options || queue_id >= PF_RING_CLUSTER_MAX_MEMBERS)
		return pfring_err(PF_RING_ERROR_INVALID_ARGUMENT, EINVAL);
	return cluster_join(ring, cluster_id, the_type, queue_id);
}

int pfring_remove_from_cluster(pfring *ring)
{
	CHECK_RING(ring);
	if (!OP(ring, remove_from_cluster))
		return pfring_err(PF_RING_ERROR_NOT_SUPPORTED, ENOTSUP);
	return OP(ring, remove_from_cluster)(ring);
}

/*
 * Master and slave rings (today's PF_RING lets a slave send what its master received)
 * do not exist here: accepted and ignored, so that a program that sets them up starts.
 */
int pfring_set_master_id(pfring *ring, u_int32_t master_id)
{
	(void)master_id;
	CHECK_RING(ring);
	return 0;
}

int pfring_set_master(pfring *ring, pfring *master)
{
	CHECK_RING(ring);
	CHECK_RING(master);
	return 0;
}
