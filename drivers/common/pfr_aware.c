// SPDX-License-Identifier: GPL-2.0-only
/*
 * pfr_aware.c - the glue compiled into every PF_RING-aware driver (see
 * kernel/include/pf_ring_driver.h): the driver's devices are handed to pf_ring.ko
 * whenever it is there, without a link-time dependency on it.
 *
 * The driver registers each net_device after register_netdev() and unregisters it
 * before unregister_netdev(). A device is attached at once when pf_ring.ko is loaded,
 * and otherwise when it comes (a module notifier sees it go live). pf_ring.ko lets the
 * device go by itself: when it is unregistered, or when pf_ring.ko is unloaded.
 *
 * pf_ring.ko's API is taken with symbol_get() for each call and given back after it,
 * so the driver never pins pf_ring.ko: it may be unloaded while the driver stays.
 * Locks: pfr_aware_lock guards the device list and is taken before rtnl_lock (which
 * attach takes).
 */
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <pf_ring_driver.h>

#ifndef PFR_AWARE_SERIES
#error "PFR_AWARE_SERIES names the patch series; the build glue defines it"
#endif

const char pfr_aware_series[] = PFR_AWARE_SERIES;
MODULE_INFO(pf_ring, "aware: " PFR_AWARE_SERIES);

static LIST_HEAD(pfr_aware_devs);
static DEFINE_MUTEX(pfr_aware_lock);

/* Under pfr_aware_lock */
static void pfr_aware_attach(struct pfr_driver_dev *pd)
{
	const struct pfr_driver_api *api = symbol_get(pfr_driver_api_v1);
	int err;

	if (!api)
		return;		/* pf_ring.ko is not there (or going) */
	err = api->attach(pd);
	if (err)
		netdev_warn(pd->netdev, "pf_ring.ko did not take the device (%d)\n", err);
	symbol_put(pfr_driver_api_v1);
}

static int pfr_aware_module_event(struct notifier_block *nb, unsigned long state,
				  void *data)
{
	struct module *mod = data;
	struct pfr_driver_dev *pd;

	if (state != MODULE_STATE_LIVE || strcmp(mod->name, "pf_ring"))
		return NOTIFY_DONE;
	mutex_lock(&pfr_aware_lock);
	list_for_each_entry(pd, &pfr_aware_devs, glue)
		pfr_aware_attach(pd);
	mutex_unlock(&pfr_aware_lock);
	return NOTIFY_OK;
}

static struct notifier_block pfr_aware_notifier = {
	.notifier_call = pfr_aware_module_event,
};

int pfr_aware_init(void)
{
	return register_module_notifier(&pfr_aware_notifier);
}

void pfr_aware_exit(void)
{
	unregister_module_notifier(&pfr_aware_notifier);
	WARN_ON_ONCE(!list_empty(&pfr_aware_devs));
}

void pfr_aware_register(struct pfr_driver_dev *pd, struct net_device *netdev,
			const char *driver)
{
	pd->size = sizeof(*pd);
	pd->version = PFR_DRIVER_API_VERSION;
	pd->netdev = netdev;
	pd->driver = driver;
	pd->series = pfr_aware_series;
	pd->capture_only = 0;
	RCU_INIT_POINTER(pd->ctx, NULL);
	mutex_lock(&pfr_aware_lock);
	list_add_tail(&pd->glue, &pfr_aware_devs);
	pfr_aware_attach(pd);
	mutex_unlock(&pfr_aware_lock);
}

/* Before unregister_netdev(): pf_ring.ko lets the device go when it is unregistered */
void pfr_aware_unregister(struct pfr_driver_dev *pd)
{
	mutex_lock(&pfr_aware_lock);
	list_del(&pd->glue);
	mutex_unlock(&pfr_aware_lock);
}
