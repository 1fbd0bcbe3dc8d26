// SPDX-License-Identifier: GPL-2.0-only
/*
 * netdev.c - device events: a ring whose device goes away is told so, and the
 * /proc/net/pf_ring/dev folders follow the devices.
 *
 * Lock: the notifier runs under rtnl_lock; it walks the rings under pfr_hook_lock and
 * changes a ring's binds, promiscuous state and hooks under its ps->lock (the order of
 * pf_ring_int.h: rtnl_lock, pfr_hook_lock, ps->lock).
 *
 * A ring leaves the list only in release, under rtnl_lock, after it gave back every
 * hold on a device: a device being unregistered never waits for a closing ring.
 */
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include "pf_ring_int.h"

/*
 * Forget the device's index in the bind list (a new device may be given it); true
 * when the ring was bound to the device.
 */
static bool pfr_netdev_unbind(struct pfr_sock *ps, const struct net_device *dev)
{
	bool bound = false;
	int i;

	lockdep_assert_held(&ps->lock);
	for (i = 0; i < ps->nbinds; i++) {
		if (ps->binds[i].ifindex != dev->ifindex)
			continue;
		WRITE_ONCE(ps->binds[i].ifindex, 0);	/* read by the hook */
		bound = true;
	}
	return bound;
}

/* Drop the ring's hold (and promiscuous mode) on a device being unregistered. */
static void pfr_netdev_promisc_drop(struct pfr_sock *ps, struct net_device *dev)
{
	int i;

	ASSERT_RTNL();
	lockdep_assert_held(&ps->lock);
	for (i = 0; i < ps->npromisc; i++) {
		if (ps->promisc_dev[i] != dev)
			continue;
		dev_set_promiscuity(dev, -1);
		netdev_put(dev, &ps->promisc_tracker[i]);
		ps->npromisc--;
		ps->promisc_dev[i] = ps->promisc_dev[ps->npromisc];
		ps->promisc_tracker[i] = ps->promisc_tracker[ps->npromisc];
		ps->promisc_dev[ps->npromisc] = NULL;
		i--;
	}
}

static void pfr_netdev_gone(struct net_device *dev)
{
	struct pfr_sock *ps;

	ASSERT_RTNL();
	mutex_lock(&pfr_hook_lock);
	list_for_each_entry(ps, &pfr_hook_rings, list) {
		bool bound;

		if (!net_eq(sock_net(&ps->sk), dev_net(dev)))
			continue;
		mutex_lock(&ps->lock);
		pfr_netdev_promisc_drop(ps, dev);
		pfr_hook_dev_gone(ps, dev);
		pfr_reflect_dev_gone(ps, dev);
		bound = pfr_netdev_unbind(ps, dev);
		mutex_unlock(&ps->lock);
		if (!bound)
			continue;
		pfr_flag_set(ps, PFR_F_DEV_GONE);
		WRITE_ONCE(ps->sk.sk_err, ENODEV);
		/* Wakes pollers and readers with EPOLLERR */
		sk_error_report(&ps->sk);
	}
	mutex_unlock(&pfr_hook_lock);
}

static int pfr_netdev_event(struct notifier_block *nb, unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);

	switch (event) {
	case NETDEV_REGISTER:
		pfr_proc_dev_add(dev);
		pfr_driver_refresh();	/* an aware device moved in: its new hooks */
		break;
	case NETDEV_UNREGISTER:
		pfr_proc_dev_del(dev);
		pfr_netdev_gone(dev);
		pfr_driver_dev_gone(dev);
		break;
	case NETDEV_CHANGENAME:
		pfr_proc_dev_del(dev);
		pfr_proc_dev_add(dev);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block pfr_netdev_nb = {
	.notifier_call = pfr_netdev_event,
};

int pfr_netdev_init(void)
{
	return register_netdevice_notifier(&pfr_netdev_nb);
}

void pfr_netdev_exit(void)
{
	unregister_netdevice_notifier(&pfr_netdev_nb);
}
