// SPDX-License-Identifier: GPL-2.0-only
/*
 * driver_hook.c - the driver-hook API (include/pf_ring_driver.h): PF_RING-aware
 * drivers hand each received frame to pf_ring.ko from their RX clean-up, with its
 * hardware queue, before (or instead of) building an skb for the stack.
 *
 * An aware device (struct pfr_aware_dev) is attached when its driver's glue hands it
 * over (pfr_driver_api_v1.attach), and let go when it is unregistered or pf_ring.ko
 * is unloaded. While attached, its frames go to the rings of its device hook and of its
 * namespace's "any" hook (hook.c) straight from the driver, and those hooks skip the
 * frames the stack receives from it (driver_rx): each frame reaches a ring once. The
 * stack's taps still give the hooks the frames the device sends.
 *
 * Capture only (a per-device switch, off by default): a received frame that a ring
 * took does not go up the stack; the driver recycles its buffer. Set with
 * PF_RING_OPT_CAPTURE_ONLY on a ring bound to the device (CAP_NET_ADMIN),
 * /sys/class/net/<dev>/pf_ring/capture_only, or the driver's ethtool private flag
 * "pf_ring-capture-only"; shown in /proc/net/pf_ring/dev/<dev>/info. The switch is the
 * driver's (pd->capture_only): it outlives pf_ring.ko.
 *
 * Locks: the list of aware devices and each one's hook pointers are written under
 * rtnl_lock and read under RCU: the driver's NAPI poll (softirq) is a read-side
 * section. A device's context is cleared, then a grace period passes, before its state
 * is freed; pf_ring.ko's exit waits for one more before its code goes.
 */
#include <linux/module.h>
#include <linux/rculist.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/if_vlan.h>
#include <linux/seq_file.h>
#include <pf_ring_driver.h>
#include "pf_ring_int.h"

struct pfr_aware_dev {
	struct pfr_driver_ctx ctx;	/* first: what the driver calls */
	struct pfr_driver_dev *pd;
	struct net_device *dev;
	struct list_head list;		/* pfr_aware_devs: rtnl_lock, RCU */
	struct pfr_devhook __rcu *dh;	/* the device's hook, while rings are on it */
	struct pfr_devhook __rcu *any;	/* its namespace's "any" hook */
	bool sysfs;			/* the sysfs group was added */
	atomic64_t kept_from_stack;	/* frames consumed in capture-only mode */
	struct rcu_head rcu;
};

static LIST_HEAD(pfr_aware_devs);

/* Under RCU: the attached aware device of dev, or NULL */
static struct pfr_aware_dev *pfr_driver_find_rcu(const struct net_device *dev)
{
	struct pfr_aware_dev *ad;

	list_for_each_entry_rcu(ad, &pfr_aware_devs, list, lockdep_rtnl_is_held())
		if (ad->dev == dev)
			return ad;
	return NULL;
}

/* Does dev's driver hand its received frames over? (the "any" hook's test; RCU) */
bool pfr_driver_delivers(const struct net_device *dev)
{
	return !list_empty(&pfr_aware_devs) && pfr_driver_find_rcu(dev);
}

static enum pfr_driver_verdict pfr_driver_deliver(struct pfr_driver_ctx *ctx,
						  const struct pfr_driver_frame *f)
{
	struct pfr_aware_dev *ad = container_of(ctx, struct pfr_aware_dev, ctx);
	enum pfr_driver_verdict verdict = PFR_DRIVER_PASS;
	struct pfr_devhook *dh, *any;
	unsigned int taken = 0;
	struct pfr_pkt pkt;

	/* the NAPI poll is a read-side section already; this one makes it one for lockdep */
	rcu_read_lock();
	dh = rcu_dereference(ad->dh);
	any = rcu_dereference(ad->any);
	if (!dh && !any)
		goto out;
	pfr_hook_pkt_init(&pkt, ad->dev);
	/* the frame in the driver's buffer, or in its skb (skb->data at the MAC header) */
	pkt.skb = f->skb;
	pkt.data = f->skb ? NULL : f->data;
	pkt.from_driver = true;
	pkt.mac_off = 0;
	pkt.queue = f->queue;
	pkt.tx = false;
	pkt.len = f->skb ? f->skb->len : f->len;
	pfr_hook_pkt_tag(&pkt, f->vlan_present,
			 f->vlan_proto ? be16_to_cpu(f->vlan_proto) : ETH_P_8021Q, f->vlan_tci);
	if (dh)
		taken += pfr_hook_deliver(dh, &pkt);
	if (any)
		taken += pfr_hook_deliver(any, &pkt);
	if (taken && pfr_capture_only_get(ad->pd)) {
		atomic64_inc(&ad->kept_from_stack);
		verdict = PFR_DRIVER_CONSUMED;
	}
out:
	rcu_read_unlock();
	return verdict;
}

/*
 * Point every aware device at its hooks and tell the hooks which devices deliver
 * themselves. Under rtnl_lock, after a hook or an aware device came or went.
 */
void pfr_driver_refresh(void)
{
	struct pfr_aware_dev *ad;

	ASSERT_RTNL();
	list_for_each_entry(ad, &pfr_aware_devs, list) {
		struct pfr_devhook *dh = pfr_hook_find(dev_net(ad->dev), ad->dev);

		if (dh)
			WRITE_ONCE(dh->driver_rx, true);
		rcu_assign_pointer(ad->dh, dh);
		rcu_assign_pointer(ad->any, pfr_hook_find(dev_net(ad->dev), NULL));
	}
}

/* ---- capture only --------------------------------------------------------------- */

static struct pfr_aware_dev *pfr_driver_find(const struct net_device *dev)
{
	ASSERT_RTNL();
	return pfr_driver_find_rcu(dev);
}

/* The switch of an aware device; -EOPNOTSUPP for a device without an aware driver */
int pfr_driver_capture_only(struct net_device *dev, bool on)
{
	struct pfr_aware_dev *ad;

	ASSERT_RTNL();
	ad = pfr_driver_find(dev);
	if (!ad)
		return -EOPNOTSUPP;
	pfr_capture_only_set(ad->pd, on);
	return 0;
}

static ssize_t capture_only_show(struct device *d, struct device_attribute *attr,
				 char *buf)
{
	struct pfr_aware_dev *ad;
	ssize_t n = -ENODEV;

	/* as net-sysfs does: the group is removed under rtnl_lock, which waits for us */
	if (!rtnl_trylock())
		return restart_syscall();
	ad = pfr_driver_find(to_net_dev(d));
	if (ad)
		n = sysfs_emit(buf, "%d\n", pfr_capture_only_get(ad->pd));
	rtnl_unlock();
	return n;
}

static ssize_t capture_only_store(struct device *d, struct device_attribute *attr,
				  const char *buf, size_t len)
{
	bool on;
	int err;

	if (!capable(CAP_NET_ADMIN))
		return -EPERM;
	err = kstrtobool(buf, &on);
	if (err)
		return err;
	if (!rtnl_trylock())
		return restart_syscall();
	err = pfr_driver_capture_only(to_net_dev(d), on);
	rtnl_unlock();
	return err ? err : len;
}

static DEVICE_ATTR_RW(capture_only);

static struct attribute *pfr_driver_attrs[] = {
	&dev_attr_capture_only.attr,
	NULL,
};

static const struct attribute_group pfr_driver_group = {
	.name = "pf_ring",
	.attrs = pfr_driver_attrs,
};

/* ---- attach and let go ------------------------------------------------------------ */

static int pfr_driver_attach(struct pfr_driver_dev *pd)
{
	struct pfr_aware_dev *ad;
	int err = 0;

	if (pd->size < sizeof(*pd) || pd->version != PFR_DRIVER_API_VERSION || !pd->netdev)
		return -EPROTO;
	rtnl_lock();
	if (pd->netdev->reg_state != NETREG_REGISTERED) {
		err = -ENODEV;
		goto out;
	}
	if (pfr_driver_find(pd->netdev) || rcu_access_pointer(pd->ctx)) {
		err = -EEXIST;
		goto out;
	}
	ad = kzalloc(sizeof(*ad), GFP_KERNEL);
	if (!ad) {
		err = -ENOMEM;
		goto out;
	}
	ad->ctx.rx = pfr_driver_deliver;
	ad->pd = pd;
	ad->dev = pd->netdev;
	atomic64_set(&ad->kept_from_stack, 0);
	/* a sysfs failure leaves the ring option and /proc: not fatal */
	ad->sysfs = !sysfs_create_group(&ad->dev->dev.kobj, &pfr_driver_group);
	list_add_tail_rcu(&ad->list, &pfr_aware_devs);
	pfr_driver_refresh();
	/* the hooks' pointers first: the driver delivers to them once ctx is set */
	rcu_assign_pointer(pd->ctx, &ad->ctx);
	netdev_info(ad->dev, "pf_ring: %s (%s) delivers its received frames\n",
		    pd->driver, pd->series);
out:
	rtnl_unlock();
	return err;
}

const struct pfr_driver_api pfr_driver_api_v1 = {
	.size = sizeof(struct pfr_driver_api),
	.version = PFR_DRIVER_API_VERSION,
	.attach = pfr_driver_attach,
};
EXPORT_SYMBOL_GPL(pfr_driver_api_v1);

/* The driver stops delivering, the hooks take its frames from the stack again */
static void pfr_driver_detach(struct pfr_aware_dev *ad)
{
	struct pfr_devhook *dh = rtnl_dereference(ad->dh);

	ASSERT_RTNL();
	RCU_INIT_POINTER(ad->pd->ctx, NULL);
	list_del_rcu(&ad->list);
	if (dh)
		WRITE_ONCE(dh->driver_rx, false);
	if (ad->sysfs)
		sysfs_remove_group(&ad->dev->dev.kobj, &pfr_driver_group);
	/* a driver still in its poll may use ad until a grace period has passed */
	kfree_rcu(ad, rcu);
}

/* dev is being unregistered (netdev.c, under rtnl_lock) */
void pfr_driver_dev_gone(struct net_device *dev)
{
	struct pfr_aware_dev *ad = pfr_driver_find(dev);

	if (!ad)
		return;
	if (dev->reg_state == NETREG_REGISTERED) {
		/* moving to another namespace: its hooks are the new namespace's */
		pfr_driver_refresh();
		return;
	}
	pfr_driver_detach(ad);
}

/* /proc/net/pf_ring/dev/<dev>/info: its polling mode (first) or the rest (!mode) */
void pfr_driver_proc_show(struct seq_file *m, const struct net_device *dev, bool mode)
{
	struct pfr_aware_dev *ad;

	rcu_read_lock();
	ad = pfr_driver_find_rcu(dev);
	if (mode) {
		seq_printf(m, "Polling Mode         : %s\n", ad ? "NAPI/PF_RING-aware" : "NAPI");
	} else if (!ad) {
		seq_puts(m, "Family               : Standard NIC\n");
	} else {
		seq_printf(m, "Family               : Intel %s\n", ad->pd->driver);
		seq_printf(m, "Driver Series        : %s\n", ad->pd->series);
		seq_printf(m, "Capture Only         : %s\n",
			   pfr_capture_only_get(ad->pd) ? "Yes" : "No");
		seq_printf(m, "Kept From Stack      : %lld\n",
			   atomic64_read(&ad->kept_from_stack));
	}
	rcu_read_unlock();
}

/* Every device let go: the drivers stop calling us before our code goes */
void pfr_driver_exit(void)
{
	struct pfr_aware_dev *ad, *tmp;

	rtnl_lock();
	list_for_each_entry_safe(ad, tmp, &pfr_aware_devs, list)
		pfr_driver_detach(ad);
	rtnl_unlock();
	synchronize_net();
}
