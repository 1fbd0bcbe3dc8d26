// SPDX-License-Identifier: GPL-2.0-only
/*
 * proc.c - /proc/net/pf_ring, in every network namespace:
 *
 *   info                 the module's settings and the namespace's number of rings
 *   clusters             the namespace's clusters and their members (cluster.c)
 *   dev/<ifname>/info    one folder per device of the namespace
 *   <pid>-<dev>.<id>     one file per bound ring
 *   stats/<pid>-<dev>.<id>  the application's own stats line (PF_RING_OPT_APPL_STATS)
 *
 * Locks: the per-namespace folders live as long as the namespace (pernet init/exit).
 * Device folders are added and removed from the netdev notifier, under rtnl_lock,
 * which also guards pfr_proc_devs. A ring's files are added and removed under
 * rtnl_lock too; their show functions take ps->lock (never rtnl_lock), and
 * proc_remove() waits for them.
 */
#include <linux/if_arp.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/rtnetlink.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include "pf_ring_int.h"

struct pfr_proc_net {
	struct proc_dir_entry *root;
	struct proc_dir_entry *dev;
	struct proc_dir_entry *stats;
};

/* A device's folder; its name is kept to find it again after a rename. */
struct pfr_proc_dev {
	struct list_head list;
	struct net_device *dev;
	struct proc_dir_entry *parent;
	char name[IFNAMSIZ];
};

static unsigned int pfr_proc_net_id __read_mostly;
static LIST_HEAD(pfr_proc_devs);

static struct pfr_proc_net *pfr_proc_net(struct net *net)
{
	return net_generic(net, pfr_proc_net_id);
}

static const char *pfr_proc_dir_str(u32 dir)
{
	switch (dir) {
	case PF_RING_DIR_RX_ONLY:
		return "RX only";
	case PF_RING_DIR_TX_ONLY:
		return "TX only";
	default:
		return "RX+TX";
	}
}

static int pfr_proc_info_show(struct seq_file *m, void *v)
{
	struct net *net = seq_file_single_net(m);
	struct pfr_sock *ps;
	int rings = 0;

	mutex_lock(&pfr_hook_lock);
	list_for_each_entry(ps, &pfr_hook_rings, list)
		if (net_eq(sock_net(&ps->sk), net))
			rings++;
	mutex_unlock(&pfr_hook_lock);

	seq_printf(m, "PF_RING Version          : %s\n", PFR_VERSION_STR);
	seq_printf(m, "Socket family            : %d\n", PF_RING_AF_DEFAULT);
	seq_printf(m, "Total rings              : %d\n", rings);
	seq_puts(m, "\nStandard (non ZC) Options\n");
	seq_printf(m, "Ring slots               : %u\n", pfr_min_num_slots);
	seq_printf(m, "Slot version             : %d\n", PF_RING_ABI_VERSION);
	seq_printf(m, "Capture TX               : %s\n",
		   pfr_enable_tx_capture ? "Yes [RX+TX]" : "No [RX only]");
	seq_puts(m, "IP Defragment            : No\n");
	seq_printf(m, "Socket Mode              : %s\n",
		   pfr_quick_mode ? "Quick" : "Standard");
	return 0;
}

static int pfr_proc_ring_show(struct seq_file *m, void *v)
{
	struct pfr_sock *ps = m->private;
	struct pf_ring_cluster cluster;
	u64 unread;
	int i;

	mutex_lock(&ps->lock);
	unread = pfr_ring_unread(ps);
	seq_puts(m, "Bound Device(s)    : ");
	if (ps->bound_any)
		seq_puts(m, "any");
	for (i = 0; i < ps->nbinds; i++) {
		seq_printf(m, "%s%s", i ? "," : "", ps->binds[i].name);
		if (ps->binds[i].queue >= 0)
			seq_printf(m, "@%d", ps->binds[i].queue);
	}
	seq_puts(m, "\n");
	seq_printf(m, "Active             : %u\n", READ_ONCE(ps->enabled));
	seq_printf(m, "Device Status      : %s\n",
		   pfr_flag_test(ps, PFR_F_DEV_GONE) ? "Removed" : "Present");
	seq_printf(m, "Pid                : %d\n", ps->pid);
	seq_printf(m, "Ring ID            : %u\n", ps->id);
	seq_printf(m, "Appl. Name         : %s\n", ps->appl_name);
	seq_printf(m, "Capture Direction  : %s\n", pfr_proc_dir_str(READ_ONCE(ps->direction)));
	seq_printf(m, "Caplen             : %u\n", ps->caplen);
	seq_printf(m, "Poll Watermark     : %u\n", READ_ONCE(ps->watermark));
	seq_printf(m, "Slot Size          : %u\n", ps->ring ? ps->slot_size : 0);
	seq_printf(m, "Num Slots          : %u\n", ps->ring ? ps->num_slots : 0);
	seq_printf(m, "Free Slots         : %llu\n",
		   ps->ring ? ps->num_slots - unread : 0);
	seq_printf(m, "Tot Packets        : %llu\n", READ_ONCE(ps->prod));
	seq_printf(m, "Tot Pkt Lost       : %llu\n", READ_ONCE(ps->drops));
	seq_printf(m, "Reflected          : %lld\n", atomic64_read(&ps->reflected));
	seq_printf(m, "Reflection Errors  : %lld\n", atomic64_read(&ps->reflect_errors));
	if (!pfr_cluster_get(ps, &cluster))
		seq_printf(m, "Cluster Id         : %u\n", cluster.id);
	else
		seq_puts(m, "Cluster Id         : none\n");
	pfr_filter_proc_show(m, ps);
	mutex_unlock(&ps->lock);
	return 0;
}

static int pfr_proc_clusters_show(struct seq_file *m, void *v)
{
	pfr_cluster_proc_show(m, seq_file_single_net(m));
	return 0;
}

static int pfr_proc_stats_show(struct seq_file *m, void *v)
{
	struct pfr_sock *ps = m->private;

	mutex_lock(&ps->lock);
	if (ps->appl_stats)
		seq_printf(m, "%s\n", ps->appl_stats);
	mutex_unlock(&ps->lock);
	return 0;
}

/*
 * (Re)create the ring's files under the name of its binding. Under rtnl_lock, which
 * guards the files and the bind list they are named after, and never under ps->lock:
 * proc_remove() waits for the show functions, which take ps->lock.
 */
void pfr_proc_ring_add(struct pfr_sock *ps)
{
	struct pfr_proc_net *pn = pfr_proc_net(sock_net(&ps->sk));

	ASSERT_RTNL();
	pfr_proc_ring_del(ps);
	snprintf(ps->proc_name, sizeof(ps->proc_name), "%d-%s.%u", ps->pid,
		 ps->bound_any ? "any" : ps->binds[0].name, ps->id);
	if (!pn->root)
		return;
	ps->proc_ring = proc_create_single_data(ps->proc_name, 0444, pn->root,
						pfr_proc_ring_show, ps);
	ps->proc_stats = proc_create_single_data(ps->proc_name, 0444, pn->stats,
						 pfr_proc_stats_show, ps);
}

void pfr_proc_ring_del(struct pfr_sock *ps)
{
	ASSERT_RTNL();
	proc_remove(ps->proc_ring);
	proc_remove(ps->proc_stats);
	ps->proc_ring = NULL;
	ps->proc_stats = NULL;
}

int pfr_proc_stats_path(struct pfr_sock *ps, char *buf, size_t len)
{
	ASSERT_RTNL();
	if (!ps->proc_stats)
		return -ENOENT;
	snprintf(buf, len, "/proc/net/pf_ring/stats/%s", ps->proc_name);
	return 0;
}

static int pfr_proc_dev_show(struct seq_file *m, void *v)
{
	struct net_device *dev = m->private;

	/* No rtnl_lock here: pfr_proc_dev_del() holds it while it waits for us */
	seq_printf(m, "Name                 : %s\n", dev->name);
	seq_printf(m, "Index                : %d\n", dev->ifindex);
	seq_printf(m, "Address              : %pM\n", dev->dev_addr);
	pfr_driver_proc_show(m, dev, true);
	seq_printf(m, "Type                 : %s\n",
		   dev->type == ARPHRD_ETHER ? "Ethernet" : "Other");
	pfr_driver_proc_show(m, dev, false);
	seq_printf(m, "MTU                  : %u\n", dev->mtu);
	seq_printf(m, "Max # TX Queues      : %u\n", dev->num_tx_queues);
	seq_printf(m, "# Used RX Queues     : %u\n", dev->real_num_rx_queues);
	return 0;
}

/* From the netdev notifier, under rtnl_lock */
void pfr_proc_dev_add(struct net_device *dev)
{
	struct pfr_proc_net *pn = pfr_proc_net(dev_net(dev));
	struct proc_dir_entry *dir;
	struct pfr_proc_dev *pd;

	ASSERT_RTNL();
	if (!pn->dev)
		return;
	pd = kzalloc(sizeof(*pd), GFP_KERNEL);
	if (!pd)
		return;
	pd->dev = dev;
	pd->parent = pn->dev;
	strscpy(pd->name, dev->name, sizeof(pd->name));
	dir = proc_mkdir(pd->name, pn->dev);
	if (!dir || !proc_create_single_data("info", 0444, dir, pfr_proc_dev_show, dev)) {
		remove_proc_subtree(pd->name, pn->dev);
		kfree(pd);
		return;
	}
	list_add(&pd->list, &pfr_proc_devs);
}

void pfr_proc_dev_del(struct net_device *dev)
{
	struct pfr_proc_dev *pd, *tmp;

	ASSERT_RTNL();
	list_for_each_entry_safe(pd, tmp, &pfr_proc_devs, list) {
		if (pd->dev != dev)
			continue;
		remove_proc_subtree(pd->name, pd->parent);
		list_del(&pd->list);
		kfree(pd);
	}
}

static int __net_init pfr_proc_net_init(struct net *net)
{
	struct pfr_proc_net *pn = pfr_proc_net(net);

	pn->root = proc_net_mkdir(net, "pf_ring", net->proc_net);
	if (!pn->root)
		return -ENOMEM;
	pn->dev = proc_mkdir("dev", pn->root);
	pn->stats = proc_mkdir("stats", pn->root);
	if (!pn->dev || !pn->stats ||
	    !proc_create_net_single("info", 0444, pn->root, pfr_proc_info_show, NULL) ||
	    !proc_create_net_single("clusters", 0444, pn->root, pfr_proc_clusters_show,
				    NULL)) {
		remove_proc_subtree("pf_ring", net->proc_net);
		pn->root = NULL;
		pn->dev = NULL;
		pn->stats = NULL;
		return -ENOMEM;
	}
	return 0;
}

static void __net_exit pfr_proc_net_exit(struct net *net)
{
	struct pfr_proc_net *pn = pfr_proc_net(net);

	remove_proc_subtree("pf_ring", net->proc_net);
	pn->root = NULL;
	pn->dev = NULL;
	pn->stats = NULL;
}

static struct pernet_operations pfr_proc_net_ops = {
	.init = pfr_proc_net_init,
	.exit = pfr_proc_net_exit,
	.id = &pfr_proc_net_id,
	.size = sizeof(struct pfr_proc_net),
};

int pfr_proc_init(void)
{
	return register_pernet_subsys(&pfr_proc_net_ops);
}

void pfr_proc_exit(void)
{
	unregister_pernet_subsys(&pfr_proc_net_ops);
}
