// SPDX-License-Identifier: GPL-2.0-only
/*
 * core.c - the PF_RING socket: family, create/release, options, poll; module init.
 *
 * Lock: ps->lock (a mutex) guards a ring's configuration and its allocation. The
 * bind list, the promiscuous state and the hooks are written under rtnl_lock then
 * ps->lock (rtnl first, see pf_ring_int.h); options the hook reads are written with
 * WRITE_ONCE under ps->lock and read with READ_ONCE.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/net.h>
#include <linux/poll.h>
#include <linux/rtnetlink.h>
#include <linux/ethtool.h>
#include <linux/etherdevice.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sockptr.h>
#include <linux/string.h>
#include "pf_ring_int.h"

unsigned int pfr_min_num_slots = 4096;
module_param_named(min_num_slots, pfr_min_num_slots, uint, 0444);
MODULE_PARM_DESC(min_num_slots, "Minimum number of ring slots (16 to 1048576, default 4096)");

unsigned int pfr_enable_tx_capture = 1;
module_param_named(enable_tx_capture, pfr_enable_tx_capture, uint, 0444);
MODULE_PARM_DESC(enable_tx_capture, "Capture outgoing packets (0 or 1, default 1)");

unsigned int pfr_quick_mode;
module_param_named(quick_mode, pfr_quick_mode, uint, 0444);
MODULE_PARM_DESC(quick_mode,
		 "Quick mode: one ring per device, no header parsing (0 or 1, default 0)");

unsigned int pfr_max_ring_mb = PFR_DEFAULT_MAX_RING_MB;
module_param_named(max_ring_mb, pfr_max_ring_mb, uint, 0444);
MODULE_PARM_DESC(max_ring_mb, "Largest ring in MiB (1 to 1048576, default 1024)");

unsigned int pfr_max_rules = PFR_DEFAULT_MAX_RULES;
module_param_named(max_rules, pfr_max_rules, uint, 0444);
MODULE_PARM_DESC(max_rules, "Wildcard filtering rules per ring (1 to 65535, default 4096)");

unsigned int pfr_max_hash_rules = PFR_DEFAULT_MAX_HASH_RULES;
module_param_named(max_hash_rules, pfr_max_hash_rules, uint, 0444);
MODULE_PARM_DESC(max_hash_rules,
		 "Hash filtering rules per ring (1 to 16777216, default 1048576)");

static atomic_t pfr_sock_next_id = ATOMIC_INIT(0);

static struct proto pfr_sock_proto = {
	.name = "PF_RING",
	.owner = THIS_MODULE,
	.obj_size = sizeof(struct pfr_sock),
};

static const struct proto_ops pfr_sock_ops;

/* Give back the promiscuous mode the ring took; under rtnl_lock and ps->lock. */
void pfr_sock_promisc_put(struct pfr_sock *ps)
{
	ASSERT_RTNL();
	lockdep_assert_held(&ps->lock);
	while (ps->npromisc > 0) {
		int i = --ps->npromisc;

		dev_set_promiscuity(ps->promisc_dev[i], -1);
		netdev_put(ps->promisc_dev[i], &ps->promisc_tracker[i]);
		ps->promisc_dev[i] = NULL;
	}
}

/*
 * Take promiscuous mode once on each bound device; under rtnl_lock and ps->lock. On
 * failure nothing is held: what was taken is given back.
 */
static int pfr_sock_promisc_get(struct pfr_sock *ps)
{
	struct net *net = sock_net(&ps->sk);
	int i, err;

	ASSERT_RTNL();
	lockdep_assert_held(&ps->lock);
	if (ps->npromisc || !ps->promisc_wanted)
		return 0;
	for (i = 0; i < ps->nbinds; i++) {
		struct net_device *dev = __dev_get_by_index(net, ps->binds[i].ifindex);
		int j;

		if (!dev)
			continue;
		for (j = 0; j < ps->npromisc; j++)
			if (ps->promisc_dev[j] == dev)
				break;
		if (j < ps->npromisc)
			continue;
		err = dev_set_promiscuity(dev, 1);
		if (err) {
			pfr_sock_promisc_put(ps);
			return err;
		}
		netdev_hold(dev, &ps->promisc_tracker[ps->npromisc], GFP_KERNEL);
		ps->promisc_dev[ps->npromisc++] = dev;
	}
	return 0;
}

/*
 * Quick mode allows one ring per device: does another ring of the namespace already
 * take one of these? Other rings' bind lists are stable under rtnl_lock, and the
 * list walk is under RCU (a ring leaves it before it is freed).
 */
static bool pfr_sock_quick_conflict(struct pfr_sock *ps, const struct pfr_bind *binds,
				    int n, bool any)
{
	struct pfr_sock *o;
	bool conflict = false;
	int i, j;

	ASSERT_RTNL();
	rcu_read_lock();
	list_for_each_entry_rcu(o, &pfr_hook_rings, list) {
		if (o == ps || !o->bound || !net_eq(sock_net(&o->sk), sock_net(&ps->sk)))
			continue;
		if (any || o->bound_any) {
			conflict = true;
			break;
		}
		for (i = 0; i < n && !conflict; i++)
			for (j = 0; j < o->nbinds; j++)
				if (binds[i].ifindex == o->binds[j].ifindex)
					conflict = true;
		if (conflict)
			break;
	}
	rcu_read_unlock();
	return conflict;
}

/*
 * "ethX", "ethX@Q", "any", "ethX,ethY@Q,..."; under rtnl_lock and ps->lock. All or
 * nothing: on any error, promiscuous mode refused included, the ring keeps the binds
 * and the promiscuous mode it had.
 */
static int pfr_sock_parse_binds(struct pfr_sock *ps, char *list)
{
	struct net *net = sock_net(&ps->sk);
	struct pfr_bind binds[PFR_MAX_BINDS], old[PFR_MAX_BINDS];
	bool any = false, old_any, old_bound;
	int n = 0, old_n, err;
	char *tok;

	ASSERT_RTNL();
	lockdep_assert_held(&ps->lock);

	while ((tok = strsep(&list, ",")) != NULL) {
		struct net_device *dev;
		char *at = strchr(tok, '@');
		unsigned int q;

		if (!*tok)
			continue;
		if (!strcmp(tok, "any")) {
			any = true;
			continue;
		}
		if (n == PFR_MAX_BINDS)
			return -EINVAL;
		binds[n].queue = -1;
		if (at) {
			*at = '\0';
			if (kstrtouint(at + 1, 10, &q) || q > U16_MAX)
				return -EINVAL;
			binds[n].queue = q;
		}
		if (strlen(tok) >= IFNAMSIZ)
			return -ENODEV;
		dev = __dev_get_by_name(net, tok);
		if (!dev)
			return -ENODEV;
		binds[n].ifindex = dev->ifindex;
		strscpy(binds[n].name, dev->name, IFNAMSIZ);
		n++;
	}
	if (!any && !n)
		return -EINVAL;
	if (pfr_quick_mode && pfr_sock_quick_conflict(ps, binds, n, any))
		return -EBUSY;

	old_any = ps->bound_any;
	old_bound = ps->bound;
	old_n = ps->nbinds;
	memcpy(old, ps->binds, sizeof(old[0]) * old_n);

	pfr_sock_promisc_put(ps);
	ps->bound_any = any;
	ps->nbinds = any ? 0 : n;
	memcpy(ps->binds, binds, sizeof(binds[0]) * ps->nbinds);
	ps->bound = true;
	err = pfr_sock_promisc_get(ps);
	if (!err)
		return 0;
	/* Back to the binds of before, and their promiscuous mode */
	ps->bound_any = old_any;
	ps->bound = old_bound;
	ps->nbinds = old_n;
	memcpy(ps->binds, old, sizeof(old[0]) * old_n);
	if (pfr_sock_promisc_get(ps))
		pr_warn_ratelimited("pf_ring: ring %u lost promiscuous mode after a failed bind\n",
				    ps->id);
	return err;
}

static int pfr_sock_bind_opt(struct pfr_sock *ps, sockptr_t optval, unsigned int optlen)
{
	char *list;
	int err;

	if (!optlen || optlen >= PFR_BIND_STR_MAX)
		return -EINVAL;
	list = kzalloc(optlen + 1, GFP_KERNEL);
	if (!list)
		return -ENOMEM;
	if (copy_from_sockptr(list, optval, optlen)) {
		kfree(list);
		return -EFAULT;
	}
	rtnl_lock();
	mutex_lock(&ps->lock);
	if (ps->ring) {
		err = -EBUSY;
	} else {
		err = pfr_sock_parse_binds(ps, list);
		if (!err)
			clear_bit(PFR_F_DEV_GONE, &ps->flags);
	}
	mutex_unlock(&ps->lock);
	if (!err)
		pfr_proc_ring_add(ps);
	rtnl_unlock();
	kfree(list);
	return err;
}

static int pfr_sock_promisc_opt(struct pfr_sock *ps, u32 val)
{
	int err = 0;

	if (val > 1)
		return -EINVAL;
	rtnl_lock();
	mutex_lock(&ps->lock);
	ps->promisc_wanted = val;
	if (val)
		err = pfr_sock_promisc_get(ps);
	else
		pfr_sock_promisc_put(ps);
	mutex_unlock(&ps->lock);
	rtnl_unlock();
	return err;
}

/*
 * Enabling needs the ring mapped; the ring's hooks go into the stack's lists now, and
 * leave them when it is disabled.
 */
static int pfr_sock_enable_opt(struct pfr_sock *ps, u32 val)
{
	bool removed = false;
	int err = 0;

	if (val > 1)
		return -EINVAL;
	rtnl_lock();
	mutex_lock(&ps->lock);
	if (val && !ps->mapped) {
		err = -EINVAL;
	} else {
		WRITE_ONCE(ps->enabled, val);
		err = pfr_hook_update(ps, &removed);
		if (err)
			WRITE_ONCE(ps->enabled, 0);
	}
	mutex_unlock(&ps->lock);
	/* Before a hook may go back on a list: see hook.c */
	if (removed)
		synchronize_net();
	rtnl_unlock();
	return err;
}

static int pfr_sock_string_opt(struct pfr_sock *ps, int optname, sockptr_t optval,
			       unsigned int optlen)
{
	size_t max = optname == PF_RING_OPT_APPL_NAME ? PFR_APPL_NAME_MAX : PFR_APPL_STATS_MAX;
	char *s;

	if (optlen >= max)
		return -EINVAL;
	s = kzalloc(optlen + 1, GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	if (copy_from_sockptr(s, optval, optlen)) {
		kfree(s);
		return -EFAULT;
	}
	mutex_lock(&ps->lock);
	if (optname == PF_RING_OPT_APPL_NAME) {
		strscpy(ps->appl_name, s, sizeof(ps->appl_name));
		kfree(s);
	} else {
		kfree(ps->appl_stats);
		ps->appl_stats = s;
	}
	mutex_unlock(&ps->lock);
	return 0;
}

static int pfr_sock_u32_opt(struct pfr_sock *ps, int optname, u32 val)
{
	int err = 0;

	mutex_lock(&ps->lock);
	switch (optname) {
	case PF_RING_OPT_CAPLEN:
		if (!val || val > PFR_MAX_CAPLEN)
			err = -EINVAL;
		else if (ps->ring)
			err = -EBUSY;
		else
			ps->caplen = val;
		break;
	case PF_RING_OPT_SLOTS:
		if (!val || val > PFR_MAX_SLOTS)
			err = -EINVAL;
		else if (ps->ring)
			err = -EBUSY;
		else
			ps->slots_req = val;
		break;
	case PF_RING_OPT_DIRECTION:
		if (val > PF_RING_DIR_TX_ONLY)
			err = -EINVAL;
		else
			WRITE_ONCE(ps->direction, val);
		break;
	case PF_RING_OPT_SOCKET_MODE:
		if (val > PF_RING_MODE_RECV_ONLY)
			err = -EINVAL;
		else
			WRITE_ONCE(ps->socket_mode, val);
		break;
	case PF_RING_OPT_POLL_WATERMARK:
		if (!val)
			err = -EINVAL;
		else
			WRITE_ONCE(ps->watermark, val);
		break;
	case PF_RING_OPT_POLL_WATERMARK_TIMEOUT:
		WRITE_ONCE(ps->watermark_timeout_ms, val);
		break;
	case PF_RING_OPT_PARSE:
		if (val > PF_RING_PARSE_L2_L4)
			err = -EINVAL;
		else
			WRITE_ONCE(ps->parse, val);
		break;
	default:
		err = -ENOPROTOOPT;
	}
	mutex_unlock(&ps->lock);
	return err;
}

/* A fixed-size option value: at least size bytes given (else EINVAL), the first size */
int pfr_sock_opt_copy(void *dst, size_t size, sockptr_t optval, unsigned int optlen)
{
	if (optlen < size)
		return -EINVAL;
	return copy_from_sockptr(dst, optval, size) ? -EFAULT : 0;
}

static int pfr_sock_cluster_opt(struct pfr_sock *ps, sockptr_t optval, unsigned int optlen)
{
	struct pf_ring_cluster req;
	int err = pfr_sock_opt_copy(&req, sizeof(req), optval, optlen);

	return err ? err : pfr_cluster_join(ps, &req);
}

static int pfr_sock_reflector_opt(struct pfr_sock *ps, sockptr_t optval,
				  unsigned int optlen)
{
	struct pf_ring_reflector req;
	int err = pfr_sock_opt_copy(&req, sizeof(req), optval, optlen);

	return err ? err : pfr_reflect_set(ps, &req);
}

/*
 * Capture only on every device the ring is bound to (each must have an aware driver:
 * EOPNOTSUPP otherwise, and none is switched). A device switch: it outlives the ring.
 */
static int pfr_sock_capture_only_opt(struct pfr_sock *ps, u32 val)
{
	struct net *net = sock_net(&ps->sk);
	struct net_device *dev;
	int i, err = 0;

	if (val > 1)
		return -EINVAL;
	if (!ns_capable(net->user_ns, CAP_NET_ADMIN))
		return -EPERM;
	rtnl_lock();
	mutex_lock(&ps->lock);
	if (ps->bound_any || !ps->nbinds)
		err = -EOPNOTSUPP;
	for (i = 0; i < ps->nbinds && !err; i++) {
		dev = ps->binds[i].ifindex ? __dev_get_by_index(net, ps->binds[i].ifindex) : NULL;
		if (!dev)
			err = -ENODEV;
		else if (!pfr_driver_delivers(dev))
			err = -EOPNOTSUPP;
	}
	/* every device checked: none is switched unless all can be */
	for (i = 0; i < ps->nbinds && !err; i++)
		err = pfr_driver_capture_only(__dev_get_by_index(net, ps->binds[i].ifindex),
					      val);
	mutex_unlock(&ps->lock);
	rtnl_unlock();
	return err;
}

static int pfr_sock_setsockopt(struct socket *sock, int level, int optname,
			       sockptr_t optval, unsigned int optlen)
{
	struct pfr_sock *ps = pfr_sk(sock->sk);
	u32 val;
	int err;

	if (level != SOL_PF_RING)
		return -ENOPROTOOPT;
	switch (optname) {
	case PF_RING_OPT_BIND:
		return pfr_sock_bind_opt(ps, optval, optlen);
	case PF_RING_OPT_CLUSTER:
		return pfr_sock_cluster_opt(ps, optval, optlen);
	case PF_RING_OPT_CLUSTER_LEAVE:
		pfr_cluster_leave(ps);
		return 0;
	case PF_RING_OPT_REFLECTOR:
		return pfr_sock_reflector_opt(ps, optval, optlen);
	case PF_RING_OPT_APPL_NAME:
	case PF_RING_OPT_APPL_STATS:
		return pfr_sock_string_opt(ps, optname, optval, optlen);
	case PF_RING_OPT_TX_QDISC:
	case PF_RING_OPT_TX_STACK:
		return pfr_tx_setsockopt(ps, optname, optval, optlen);
	case PF_RING_OPT_SAMPLING_RATE:
	case PF_RING_OPT_RULE_POLICY:
	case PF_RING_OPT_FILTERING_SAMPLING_RATE:
	case PF_RING_OPT_RULE_ADD:
	case PF_RING_OPT_RULE_REMOVE:
	case PF_RING_OPT_HASH_RULE_ADD:
	case PF_RING_OPT_HASH_RULE_REMOVE:
	case PF_RING_OPT_PURGE_IDLE_RULES:
	case PF_RING_OPT_PURGE_IDLE_HASH_RULES:
		return pfr_filter_setsockopt(ps, optname, optval, optlen);
	case PF_RING_OPT_CAPLEN:
	case PF_RING_OPT_SLOTS:
	case PF_RING_OPT_ENABLE:
	case PF_RING_OPT_DIRECTION:
	case PF_RING_OPT_SOCKET_MODE:
	case PF_RING_OPT_POLL_WATERMARK:
	case PF_RING_OPT_POLL_WATERMARK_TIMEOUT:
	case PF_RING_OPT_PARSE:
	case PF_RING_OPT_PROMISC:
	case PF_RING_OPT_CAPTURE_ONLY:
		break;
	default:
		return -ENOPROTOOPT;
	}
	err = pfr_sock_opt_copy(&val, sizeof(val), optval, optlen);
	if (err)
		return err;
	if (optname == PF_RING_OPT_CAPTURE_ONLY)
		return pfr_sock_capture_only_opt(ps, val);
	if (optname == PF_RING_OPT_PROMISC)
		return pfr_sock_promisc_opt(ps, val);
	if (optname == PF_RING_OPT_ENABLE)
		return pfr_sock_enable_opt(ps, val);
	return pfr_sock_u32_opt(ps, optname, val);
}

static int pfr_sock_dev_info(struct pfr_sock *ps, struct pf_ring_dev_info *di)
{
	struct ethtool_link_ksettings ks;
	struct net_device *dev;
	int err = 0;

	memset(di, 0, sizeof(*di));
	rtnl_lock();
	mutex_lock(&ps->lock);
	if (!ps->nbinds || pfr_flag_test(ps, PFR_F_DEV_GONE)) {
		err = -ENODEV;
		goto out;
	}
	dev = __dev_get_by_index(sock_net(&ps->sk), ps->binds[0].ifindex);
	if (!dev) {
		err = -ENODEV;
		goto out;
	}
	di->ifindex = dev->ifindex;
	di->mtu = dev->mtu;
	di->num_rx_channels = dev->real_num_rx_queues;
	if (dev->addr_len >= ETH_ALEN)
		memcpy(di->mac, dev->dev_addr, ETH_ALEN);
	di->link_up = netif_running(dev) && netif_carrier_ok(dev);
	if (!__ethtool_get_link_ksettings(dev, &ks) && ks.base.speed != SPEED_UNKNOWN)
		di->speed_mbps = ks.base.speed;
out:
	mutex_unlock(&ps->lock);
	rtnl_unlock();
	return err;
}

/* The link type of the bound devices (linux/pf_ring.h, enum pf_ring_link_type) */
static int pfr_sock_link_type(struct pfr_sock *ps, u32 *type)
{
	int i, err = -ENODEV;

	rtnl_lock();
	mutex_lock(&ps->lock);
	if (ps->bound_any) {
		*type = PF_RING_LINK_ETHERNET;
		err = 0;
	}
	for (i = 0; i < ps->nbinds; i++) {
		struct net_device *dev = ps->binds[i].ifindex ?
			__dev_get_by_index(sock_net(&ps->sk), ps->binds[i].ifindex) : NULL;
		u32 t;

		if (!dev)
			continue;
		t = pfr_parse_link_type(dev);
		*type = err || *type == t ? t : PF_RING_LINK_OTHER;
		err = 0;
	}
	mutex_unlock(&ps->lock);
	rtnl_unlock();
	return err;
}

static int pfr_sock_getsockopt(struct socket *sock, int level, int optname,
			       char __user *optval, int __user *optlen)
{
	struct pfr_sock *ps = pfr_sk(sock->sk);
	union {
		u32 u;
		struct pf_ring_geometry geo;
		struct pf_ring_stats st;
		struct pf_ring_dev_info di;
		struct pf_ring_cluster cl;
		struct pf_ring_reflector refl;
		char path[PFR_PROC_NAME_MAX + 32];
	} v;
	int len, size, err;

	if (level != SOL_PF_RING)
		return -ENOPROTOOPT;
	if (get_user(len, optlen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	memset(&v, 0, sizeof(v));

	switch (optname) {
	case PF_RING_OPT_VERSION:
		v.u = PF_RING_API_VERSION_NUM;
		size = sizeof(v.u);
		break;
	case PF_RING_OPT_RING_ID:
		v.u = ps->id;
		size = sizeof(v.u);
		break;
	case PF_RING_OPT_RING_GEOMETRY:
		/* The ring is allocated (and charged) here, outside mmap_lock */
		mutex_lock(&ps->lock);
		err = ps->bound ? pfr_ring_alloc(ps) : -EINVAL;
		if (!err)
			pfr_ring_geometry(ps, &v.geo);
		mutex_unlock(&ps->lock);
		if (err)
			return err;
		size = sizeof(v.geo);
		break;
	case PF_RING_OPT_STATS:
		v.st.recv = READ_ONCE(ps->prod);
		v.st.drop = READ_ONCE(ps->drops);
		pfr_filter_stats(ps, &v.st);
		/* a caller of the first version gets recv and drop */
		size = len >= (int)sizeof(v.st) ? sizeof(v.st) : PF_RING_STATS_V1_LEN;
		break;
	case PF_RING_OPT_DEV_INFO:
		err = pfr_sock_dev_info(ps, &v.di);
		if (err)
			return err;
		size = sizeof(v.di);
		break;
	case PF_RING_OPT_REFLECTOR:
		pfr_reflect_get(ps, &v.refl);
		size = sizeof(v.refl);
		break;
	case PF_RING_OPT_CLUSTER:
		err = pfr_cluster_get(ps, &v.cl);
		if (err)
			return err;
		size = sizeof(v.cl);
		break;
	case PF_RING_OPT_LINK_TYPE:
		err = pfr_sock_link_type(ps, &v.u);
		if (err)
			return err;
		size = sizeof(v.u);
		break;
	case PF_RING_OPT_RULE_STATS:
	case PF_RING_OPT_HASH_RULE_STATS:
	case PF_RING_OPT_FILTER_INFO:
		return pfr_filter_getsockopt(ps, optname, optval, optlen);
	case PF_RING_OPT_APPL_STATS_FILE:
		rtnl_lock();
		err = pfr_proc_stats_path(ps, v.path, sizeof(v.path));
		rtnl_unlock();
		if (err)
			return err;
		size = strlen(v.path) + 1;
		break;
	default:
		return -ENOPROTOOPT;
	}
	if (len < size)
		return -EINVAL;
	if (copy_to_user(optval, &v, size) || put_user(size, optlen))
		return -EFAULT;
	return 0;
}

static int pfr_sock_mmap(struct file *file, struct socket *sock,
			 struct vm_area_struct *vma)
{
	return pfr_ring_mmap(pfr_sk(sock->sk), vma);
}

static void pfr_sock_wm_timer(struct timer_list *t)
{
	struct pfr_sock *ps = timer_container_of(ps, t, wm_timer);

	WRITE_ONCE(ps->wm_expired, 1);
	ps->sk.sk_data_ready(&ps->sk);
}

static __poll_t pfr_sock_poll(struct file *file, struct socket *sock, poll_table *wait)
{
	struct sock *sk = sock->sk;
	struct pfr_sock *ps = pfr_sk(sk);
	__poll_t mask = 0;
	bool expired;
	u64 unread;

	/* Its barrier pairs with the one in sk_data_ready() in pfr_ring_deliver() (K5) */
	sock_poll_wait(file, sock, wait);
	if (READ_ONCE(sk->sk_err) || pfr_flag_test(ps, PFR_F_DEV_GONE))
		mask |= EPOLLERR;
	/* Paired with smp_store_release() in pfr_ring_alloc() */
	if (!smp_load_acquire(&ps->ring))
		return mask;

	/*
	 * Readable at the watermark, or with anything unread once the watermark timeout
	 * has passed (wm_timer, armed by the producer when a packet waits below the
	 * watermark). A ring with nothing unread arms no timer: an idle reader sleeps.
	 *
	 * wm_expired is taken (xchg: a full barrier) before prod is read, so that an
	 * expiry is never left set over an empty ring, where it would keep the producer
	 * from arming the timer for the next packet (see the pairing in
	 * pfr_ring_deliver(), K5). When there is nothing to read, the expiry is spent.
	 */
	expired = xchg(&ps->wm_expired, 0);
	unread = pfr_ring_unread(ps);
	if (unread >= pfr_ring_watermark(ps) || (unread && expired))
		return mask | EPOLLIN | EPOLLRDNORM;
	if (unread && pfr_ring_wm_timer_wanted(ps))
		pfr_ring_arm_wm_timer(ps);	/* packets left unread below the watermark */
	return mask;
}

static void pfr_sock_destruct(struct sock *sk)
{
	struct pfr_sock *ps = pfr_sk(sk);

	pfr_ring_free(ps);
	kfree(ps->appl_stats);
	ps->appl_stats = NULL;
}

static int pfr_sock_release(struct socket *sock)
{
	struct sock *sk = sock->sk;
	struct pfr_sock *ps;
	bool removed;

	if (!sk)
		return 0;
	ps = pfr_sk(sk);

	/*
	 * Everything the ring holds on devices goes under rtnl_lock, with the ring still
	 * on the list the device notifier walks: a device unregistered meanwhile either
	 * finds the ring and takes its holds back, or finds them gone.
	 */
	rtnl_lock();
	mutex_lock(&ps->lock);
	ps->closing = true;
	pfr_hook_update(ps, &removed);	/* leaving hooks cannot fail */
	pfr_sock_promisc_put(ps);
	pfr_reflect_clear(ps);
	mutex_unlock(&ps->lock);
	pfr_proc_ring_del(ps);
	pfr_hook_del(ps);
	rtnl_unlock();
	synchronize_net();	/* after it, no CPU is in a hook of the ring or walks past it */
	timer_shutdown_sync(&ps->wm_timer);
	pfr_rules_release(ps);

	sock_orphan(sk);
	sock->sk = NULL;
	sock_put(sk);
	return 0;
}

static int pfr_sock_create(struct net *net, struct socket *sock, int protocol, int kern)
{
	struct pfr_sock *ps;
	struct sock *sk;

	if (!ns_capable(net->user_ns, CAP_NET_RAW))
		return -EPERM;
	if (sock->type != SOCK_RAW)
		return -ESOCKTNOSUPPORT;

	sk = sk_alloc(net, PF_RING_AF_DEFAULT, GFP_KERNEL, &pfr_sock_proto, kern);
	if (!sk)
		return -ENOMEM;
	sock->ops = &pfr_sock_ops;
	sock->state = SS_UNCONNECTED;
	sock_init_data(sock, sk);
	sk->sk_destruct = pfr_sock_destruct;
	sk->sk_protocol = protocol;

	ps = pfr_sk(sk);
	INIT_LIST_HEAD(&ps->list);
	mutex_init(&ps->lock);
	spin_lock_init(&ps->prod_lock);
	pfr_filter_init(ps);
	timer_setup(&ps->wm_timer, pfr_sock_wm_timer, 0);
	ps->id = atomic_inc_return(&pfr_sock_next_id);
	ps->pid = task_tgid_vnr(current);
	{
		char comm[TASK_COMM_LEN];

		strscpy(ps->appl_name, get_task_comm(comm, current), sizeof(ps->appl_name));
	}
	ps->caplen = PFR_DEFAULT_CAPLEN;
	ps->watermark = PFR_DEFAULT_WATERMARK;
	ps->watermark_timeout_ms = PFR_DEFAULT_WM_TIMEOUT;
	ps->parse = pfr_quick_mode ? PF_RING_PARSE_NONE : PF_RING_PARSE_L2_L4;
	ps->direction = PF_RING_DIR_RX_AND_TX;
	ps->socket_mode = PF_RING_MODE_SEND_AND_RECV;
	/* the rest (ring, binds, counters) is zero: sk_alloc zeroes the object */

	pfr_hook_add(ps);	/* on the list of rings; no hook in the stack yet */
	return 0;
}

static const struct proto_ops pfr_sock_ops = {
	.family = PF_RING_AF_DEFAULT,
	.owner = THIS_MODULE,
	.release = pfr_sock_release,
	.bind = sock_no_bind,
	.connect = sock_no_connect,
	.socketpair = sock_no_socketpair,
	.accept = sock_no_accept,
	.getname = sock_no_getname,
	.poll = pfr_sock_poll,
	.ioctl = sock_no_ioctl,
	.listen = sock_no_listen,
	.shutdown = sock_no_shutdown,
	.setsockopt = pfr_sock_setsockopt,
	.getsockopt = pfr_sock_getsockopt,
	.sendmsg = pfr_tx_sendmsg,
	.recvmsg = sock_no_recvmsg,
	.mmap = pfr_sock_mmap,
};

static const struct net_proto_family pfr_sock_family = {
	.family = PF_RING_AF_DEFAULT,
	.create = pfr_sock_create,
	.owner = THIS_MODULE,
};

static int __init pfr_check_params(void)
{
	if (pfr_min_num_slots < PFR_MIN_SLOTS || pfr_min_num_slots > PFR_MAX_SLOTS) {
		pr_err("pf_ring: min_num_slots=%u is out of range (%u to %u)\n",
		       pfr_min_num_slots, PFR_MIN_SLOTS, PFR_MAX_SLOTS);
		return -EINVAL;
	}
	if (pfr_enable_tx_capture > 1) {
		pr_err("pf_ring: enable_tx_capture=%u is out of range (0 or 1)\n",
		       pfr_enable_tx_capture);
		return -EINVAL;
	}
	if (pfr_quick_mode > 1) {
		pr_err("pf_ring: quick_mode=%u is out of range (0 or 1)\n", pfr_quick_mode);
		return -EINVAL;
	}
	if (pfr_max_ring_mb < 1 || pfr_max_ring_mb > PFR_MAX_RING_MB) {
		pr_err("pf_ring: max_ring_mb=%u is out of range (1 to %u)\n", pfr_max_ring_mb,
		       PFR_MAX_RING_MB);
		return -EINVAL;
	}
	if (pfr_max_rules < 1 || pfr_max_rules > PFR_MAX_MAX_RULES) {
		pr_err("pf_ring: max_rules=%u is out of range (1 to %u)\n", pfr_max_rules,
		       PFR_MAX_MAX_RULES);
		return -EINVAL;
	}
	if (pfr_max_hash_rules < 1 || pfr_max_hash_rules > PFR_MAX_MAX_HASH_RULES) {
		pr_err("pf_ring: max_hash_rules=%u is out of range (1 to %u)\n",
		       pfr_max_hash_rules, PFR_MAX_MAX_HASH_RULES);
		return -EINVAL;
	}
	return 0;
}

/* The UAPI structures have no implicit padding: their sizes are part of the ABI */
static void __init pfr_check_abi(void)
{
	BUILD_BUG_ON(sizeof(struct pf_ring_geometry) != 24);
	BUILD_BUG_ON(sizeof(struct pf_ring_stats) != 32);
	BUILD_BUG_ON(offsetof(struct pf_ring_stats, filtered) != PF_RING_STATS_V1_LEN);
	BUILD_BUG_ON(sizeof(struct pf_ring_rule) != 140);
	BUILD_BUG_ON(sizeof(struct pf_ring_hash_rule) != 48);
	BUILD_BUG_ON(sizeof(struct pf_ring_rule_stats) != 32);
	BUILD_BUG_ON(sizeof(struct pf_ring_filter_info) != 56);
	BUILD_BUG_ON(sizeof(struct pf_ring_cluster) != 16);
	BUILD_BUG_ON(sizeof(struct pf_ring_reflector) != 12);
	BUILD_BUG_ON(sizeof(struct pf_ring_dev_info) != 24);
	BUILD_BUG_ON(sizeof(struct pf_ring_info) != 3 * PF_RING_CACHELINE);
	BUILD_BUG_ON(offsetof(struct pf_ring_info, prod) != PF_RING_CACHELINE);
	BUILD_BUG_ON(offsetof(struct pf_ring_info, cons) != 2 * PF_RING_CACHELINE);
	BUILD_BUG_ON(sizeof(struct pf_ring_parsed) != 80);
	BUILD_BUG_ON(offsetof(struct pf_ring_parsed, tcp_seq) != 60);
	BUILD_BUG_ON(offsetof(struct pf_ring_parsed, eth_offset) != 68);
	BUILD_BUG_ON(sizeof(struct pf_ring_slot_hdr) != 112);
	BUILD_BUG_ON(offsetof(struct pf_ring_slot_hdr, parsed) != 32);
}

static int __init pfr_init(void)
{
	int err;

	pfr_check_abi();
	err = pfr_check_params();
	if (err)
		return err;
	pfr_cluster_init();
	err = proto_register(&pfr_sock_proto, 0);
	if (err)
		return err;
	err = pfr_proc_init();
	if (err)
		goto err_proto;
	err = pfr_netdev_init();
	if (err)
		goto err_proc;
	err = sock_register(&pfr_sock_family);
	if (err)
		goto err_netdev;
	pr_info("pf_ring: version %s, socket family %d, %u slots, TX capture %s%s\n",
		PFR_VERSION_STR, PF_RING_AF_DEFAULT, pfr_min_num_slots,
		pfr_enable_tx_capture ? "on" : "off", pfr_quick_mode ? ", quick mode" : "");
	return 0;

err_netdev:
	pfr_netdev_exit();
err_proc:
	pfr_proc_exit();
err_proto:
	proto_unregister(&pfr_sock_proto);
	return err;
}

static void __exit pfr_exit(void)
{
	pfr_driver_exit();	/* aware drivers stop calling us */
	pfr_hook_exit();
	pfr_cluster_exit();
	sock_unregister(PF_RING_AF_DEFAULT);
	pfr_netdev_exit();
	pfr_proc_exit();
	proto_unregister(&pfr_sock_proto);
}

module_init(pfr_init);
module_exit(pfr_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("PF_RING: high-speed packet capture sockets");
MODULE_VERSION(PFR_VERSION_STR);
MODULE_ALIAS_NETPROTO(PF_RING_AF_DEFAULT);
