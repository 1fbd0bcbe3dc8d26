/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pf_ring_driver.h - the driver-hook API: how a PF_RING-aware NIC driver hands the
 * frames it receives to pf_ring.ko, queue by queue, from its RX clean-up.
 *
 * A kernel-internal API between two kinds of module, versioned like a UAPI: the driver
 * fills a struct pfr_driver_dev (size and version first) and pf_ring.ko checks both
 * before it uses any other field. A later version only adds fields at the end (a larger
 * size) or takes a new version number and symbol; pf_ring.ko keeps serving the older.
 *
 * Neither module needs the other. The driver never links against pf_ring.ko: its glue
 * (drivers/common/pfr_aware.c) keeps a list of the driver's devices and hands each to
 * pf_ring.ko's exported pfr_driver_api_v1 whenever that is there: at probe, and when
 * pf_ring.ko is loaded later (a module notifier). pf_ring.ko then publishes a context in
 * pd->ctx; the driver's RX path calls ctx->rx() for every frame while it is set. It lets
 * the device go when the device is unregistered, and every device when it is unloaded:
 * ctx goes back to NULL and pf_ring.ko waits a grace period before its code and memory
 * go. Without a context the driver works exactly as the in-tree one.
 *
 * Locking: pd->ctx is written by pf_ring.ko under rtnl_lock and read by the driver in
 * its NAPI poll (bottom halves off: an RCU read-side section) with rcu_dereference_bh();
 * pf_ring.ko clears it and waits with synchronize_net() before its state goes. The
 * driver's list (pd->glue) is the glue's and is guarded by the glue's mutex.
 */
#ifndef _PF_RING_DRIVER_H
#define _PF_RING_DRIVER_H

#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/rtnetlink.h>
#include <linux/types.h>

#define PFR_DRIVER_API_VERSION	1

/* One received frame, as the driver found it in its RX buffer */
struct pfr_driver_frame {
	const void *data;	/* from the MAC header; linear */
	u32 len;		/* bytes at data, the FCS not included (skb: skb->len) */
	u16 queue;		/* the hardware RX queue it came from */
	u16 vlan_tci;		/* a VLAN tag the NIC stripped, when vlan_present */
	u8 vlan_present;
	u8 pad0;
	__be16 vlan_proto;	/* that tag's TPID: htons(ETH_P_8021AD), or 0 for 802.1Q */
	u8 pad[4];
	struct sk_buff *skb;	/* the skb holding data when the driver has one, or NULL */
};

enum pfr_driver_verdict {
	PFR_DRIVER_PASS,	/* the frame goes up the stack as usual */
	PFR_DRIVER_CONSUMED,	/* capture only: a ring took it; the driver recycles it */
};

/* What pf_ring.ko publishes for an attached device (the start of its own state) */
struct pfr_driver_ctx {
	enum pfr_driver_verdict (*rx)(struct pfr_driver_ctx *ctx,
				      const struct pfr_driver_frame *frame);
};

/* Embedded in the driver's private struct, for each net_device it registers */
struct pfr_driver_dev {
	/* the driver's, constant once registered */
	u32 size;			/* sizeof(struct pfr_driver_dev) when built */
	u32 version;			/* PFR_DRIVER_API_VERSION */
	struct net_device *netdev;
	const char *driver;		/* the driver's name, e.g. "igb" */
	const char *series;		/* the patch series that built it */
	/* pf_ring.ko's */
	struct pfr_driver_ctx __rcu *ctx;
	/* the glue's */
	struct list_head glue;
	/*
	 * Capture only: a frame a ring took does not go up the stack. The device's switch,
	 * kept here so that it outlives pf_ring.ko: written under rtnl_lock by the
	 * driver's ethtool private flag (PFR_DRIVER_PRIV_FLAG) and by pf_ring.ko (sysfs,
	 * the ring option); read by pf_ring.ko's RX path (READ_ONCE).
	 */
	u8 capture_only;
};

/* What pf_ring.ko exports as pfr_driver_api_v1 (EXPORT_SYMBOL_GPL) */
struct pfr_driver_api {
	u32 size;
	u32 version;
	/* Under no lock of the caller's; takes rtnl_lock. 0 or -errno. */
	int (*attach)(struct pfr_driver_dev *pd);
};

extern const struct pfr_driver_api pfr_driver_api_v1;

/*
 * The driver's RX path, for each frame (in its NAPI poll). Cheap when pf_ring.ko is not
 * there: one load and a test.
 */
static inline enum pfr_driver_verdict
pfr_driver_rx(struct pfr_driver_dev *pd, const struct pfr_driver_frame *frame)
{
	struct pfr_driver_ctx *ctx = rcu_dereference_bh(pd->ctx);

	return ctx ? ctx->rx(ctx, frame) : PFR_DRIVER_PASS;
}

static inline bool pfr_driver_active(struct pfr_driver_dev *pd)
{
	return rcu_access_pointer(pd->ctx);
}

/* The name of the switch among the driver's ethtool private flags */
#define PFR_DRIVER_PRIV_FLAG	"pf_ring-capture-only"

static inline bool pfr_capture_only_get(const struct pfr_driver_dev *pd)
{
	return READ_ONCE(pd->capture_only);
}

/* Under rtnl_lock (ethtool's set_priv_flags holds it) */
static inline void pfr_capture_only_set(struct pfr_driver_dev *pd, bool on)
{
	ASSERT_RTNL();
	WRITE_ONCE(pd->capture_only, on);
}

/* The glue (drivers/common/pfr_aware.c), compiled into each aware driver */
int pfr_aware_init(void);
void pfr_aware_exit(void);
void pfr_aware_register(struct pfr_driver_dev *pd, struct net_device *netdev,
			const char *driver);
void pfr_aware_unregister(struct pfr_driver_dev *pd);
extern const char pfr_aware_series[];

#endif /* _PF_RING_DRIVER_H */
