// SPDX-License-Identifier: GPL-2.0-only
/*
 * rules.c - a ring's filtering rules: wildcard rules evaluated by rule_id, hash rules
 * looked up by flow, their actions and counters (linux/pf_ring.h, "Filtering").
 *
 * Wildcard rules: an array of pointers sorted by rule_id (struct pfr_rule_set),
 * replaced as a whole on every change and published with RCU; a rule object lives on
 * from one array to the next, so its counters do. Hash rules: an rhashtable keyed by
 * the flow with its two ends in a canonical order (the lower address and port first),
 * so that both directions of a flow find one rule in constant time however many
 * there are. It is set up with the ring's first hash rule (or first FORWARD_ADD_RULE
 * rule) and torn down when the socket is released.
 *
 * Locks: writers (setsockopt) take ps->filt.lock; the hook reads under RCU and takes
 * no lock: the rule array through rcu_dereference(), the hash table through its own
 * RCU lookups. The one writer from the hook is FORWARD_ADD_RULE, which inserts a hash
 * rule with GFP_ATOMIC; the rhashtable serialises it with the others by its bucket
 * locks. nhash counts the hash rules (a slot is taken before the insert, so the limit
 * holds). Objects are freed after a grace period (kfree_rcu). Counters are atomic64;
 * last_match is a jiffies stamp written with WRITE_ONCE.
 */
#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/if_vlan.h>
#include <linux/in.h>
#include <linux/rhashtable.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "pf_ring_int.h"

struct pfr_rule_counters {
	atomic64_t match;
	atomic64_t filtered;
	atomic64_t match_forward;
	unsigned long last_match;	/* jiffies: the last match, or the addition */
};

struct pfr_rule {
	struct pf_ring_rule r;
	struct pfr_rule_counters cnt;
	bool doomed;			/* pfr_rules_drop_if(), under filt.lock */
	struct rcu_head rcu;
};

struct pfr_rule_set {
	u32 n;
	struct rcu_head rcu;
	struct pfr_rule *rule[];	/* rule_id ascending */
};

/* A flow, its ends in canonical order; no padding (it is hashed and compared whole) */
struct pfr_hkey {
	u8 host_lo[16];
	u8 host_hi[16];
	u16 port_lo;
	u16 port_hi;
	u16 vlan_id;
	u8 ip_version;
	u8 proto;
};

struct pfr_hrule {
	struct rhash_head node;
	struct pfr_hkey key;
	u8 action;
	int reflector_ifindex;
	struct pfr_rule_counters cnt;
	struct rcu_head rcu;
};

static const struct rhashtable_params pfr_rules_hparams = {
	.key_len = sizeof(struct pfr_hkey),
	.key_offset = offsetof(struct pfr_hrule, key),
	.head_offset = offsetof(struct pfr_hrule, node),
	.automatic_shrinking = true,
};

/* What the evaluation of one packet has decided so far */
struct pfr_eval {
	bool deliver;
	bool stop;
};

static void pfr_rules_counters_init(struct pfr_rule_counters *c)
{
	atomic64_set(&c->match, 0);
	atomic64_set(&c->filtered, 0);
	atomic64_set(&c->match_forward, 0);
	c->last_match = jiffies;
}

static void pfr_rules_counters_get(const struct pfr_rule_counters *c,
				   struct pf_ring_rule_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->match = atomic64_read(&c->match);
	out->filtered = atomic64_read(&c->filtered);
	out->match_forward = atomic64_read(&c->match_forward);
	out->inactivity = jiffies_to_msecs(jiffies - READ_ONCE(c->last_match)) / 1000;
}

static bool pfr_rules_idle(const struct pfr_rule_counters *c, u32 secs)
{
	return time_after_eq(jiffies, READ_ONCE(c->last_match) + secs * (unsigned long)HZ);
}

/* Recompute the hook's flags; under filt.lock */
void pfr_rules_update_flags(struct pfr_sock *ps)
{
	struct pfr_filter *f = &ps->filt;
	struct pfr_rule_set *set;
	u32 flags = 0;

	lockdep_assert_held(&f->lock);
	set = rcu_dereference_protected(f->rules, lockdep_is_held(&f->lock));
	if (set && set->n)
		flags |= PFR_FILT_RULES;
	if (f->hash_ready && atomic_read(&f->nhash))
		flags |= PFR_FILT_HASH;
	/* FORWARD_ADD_RULE may add the first hash rule from the hook */
	if (f->hash_ready && (flags & PFR_FILT_RULES))
		flags |= PFR_FILT_HASH;
	if (!f->policy_accept)
		flags |= PFR_FILT_POLICY_DROP;
	if (f->sampling_rate > 1)
		flags |= PFR_FILT_SAMPLE;
	WRITE_ONCE(f->flags, flags);
}

u32 pfr_rules_count(struct pfr_sock *ps)
{
	struct pfr_rule_set *set;
	u32 n;

	rcu_read_lock();
	set = rcu_dereference(ps->filt.rules);
	n = set ? set->n : 0;
	rcu_read_unlock();
	return n;
}

/* ---- the hash table ------------------------------------------------------------------ */

static int pfr_rules_hash_setup(struct pfr_sock *ps)
{
	struct pfr_filter *f = &ps->filt;
	int err;

	lockdep_assert_held(&f->lock);
	if (f->hash_ready)
		return 0;
	err = rhashtable_init(&f->hash, &pfr_rules_hparams);
	if (err)
		return err;
	/* Paired with smp_load_acquire() in the readers: the table is complete */
	smp_store_release(&f->hash_ready, true);
	return 0;
}

static bool pfr_rules_hash_on(struct pfr_sock *ps)
{
	/* Paired with smp_store_release() in pfr_rules_hash_setup() */
	return smp_load_acquire(&ps->filt.hash_ready);
}

/* The canonical key of a flow: the lower (address, port) end first */
static void pfr_rules_hkey(struct pfr_hkey *k, u16 vlan, u8 ipv, u8 proto,
			   const u8 *a, u16 pa, const u8 *b, u16 pb)
{
	int c = memcmp(a, b, 16);

	memset(k, 0, sizeof(*k));
	if (c > 0 || (c == 0 && pa > pb)) {
		swap(a, b);
		swap(pa, pb);
	}
	memcpy(k->host_lo, a, 16);
	memcpy(k->host_hi, b, 16);
	k->port_lo = pa;
	k->port_hi = pb;
	k->vlan_id = vlan;
	k->ip_version = ipv;
	k->proto = proto;
}

/* The packet has ports (a TCP, UDP or UDP-Lite header) */
static bool pfr_rules_has_ports(const struct pf_ring_parsed *p)
{
	return p->l4_offset >= 0 && (p->l3_proto == IPPROTO_TCP || p->l3_proto == IPPROTO_UDP ||
				     p->l3_proto == IPPROTO_UDPLITE);
}

static void pfr_rules_pkt_hkey(struct pfr_hkey *k, const struct pf_ring_parsed *p)
{
	bool ports = pfr_rules_has_ports(p);

	pfr_rules_hkey(k, p->vlan_id, p->ip_version, p->l3_proto, p->ip_src,
		       ports ? p->l4_src_port : 0, p->ip_dst, ports ? p->l4_dst_port : 0);
}

static int pfr_rules_hkey_from_req(struct pfr_hkey *k, const struct pf_ring_hash_rule *req)
{
	if (req->ip_version != 4 && req->ip_version != 6)
		return -EINVAL;
	if (req->ip_version == 4 &&
	    (memchr_inv(req->host_a + 4, 0, 12) || memchr_inv(req->host_b + 4, 0, 12)))
		return -EINVAL;
	pfr_rules_hkey(k, req->vlan_id, req->ip_version, req->proto, req->host_a,
		       req->port_a, req->host_b, req->port_b);
	return 0;
}

/* A reflect action's device: it exists and sends Ethernet frames */
static int pfr_rules_check_reflector(struct pfr_sock *ps, u8 action, int ifindex)
{
	struct net_device *dev;
	int err = 0;

	if (action != PF_RING_RULE_REFLECT_AND_STOP && action != PF_RING_RULE_REFLECT_AND_CONTINUE)
		return 0;
	if (ifindex <= 0)
		return -EINVAL;
	rcu_read_lock();
	dev = dev_get_by_index_rcu(sock_net(&ps->sk), ifindex);
	if (!dev)
		err = -ENODEV;
	else if (dev->type != ARPHRD_ETHER)
		err = -EINVAL;
	rcu_read_unlock();
	return err;
}

/* Insert a hash rule, taking a place under the limit first; the hook may call it */
static int pfr_rules_hash_insert(struct pfr_sock *ps, struct pfr_hrule *h)
{
	struct pfr_filter *f = &ps->filt;
	int err;

	if (atomic_inc_return(&f->nhash) > (int)pfr_max_hash_rules) {
		atomic_dec(&f->nhash);
		return -ENOSPC;
	}
	pfr_rules_counters_init(&h->cnt);
	err = rhashtable_lookup_insert_fast(&f->hash, &h->node, pfr_rules_hparams);
	if (err)
		atomic_dec(&f->nhash);
	return err;
}

int pfr_rules_hash_add(struct pfr_sock *ps, const struct pf_ring_hash_rule *req)
{
	struct pfr_filter *f = &ps->filt;
	struct pfr_hrule *h;
	int err;

	if (req->action > PF_RING_RULE_BOUNCE_AND_CONTINUE ||
	    req->action == PF_RING_RULE_FORWARD_ADD_RULE || memchr_inv(req->pad0, 0, 3))
		return -EINVAL;
	err = pfr_rules_check_reflector(ps, req->action, req->reflector_ifindex);
	if (err)
		return err;
	h = kzalloc(sizeof(*h), GFP_KERNEL_ACCOUNT);
	if (!h)
		return -ENOMEM;
	err = pfr_rules_hkey_from_req(&h->key, req);
	if (err)
		goto out_free;
	h->action = req->action;
	h->reflector_ifindex = req->reflector_ifindex;
	mutex_lock(&f->lock);
	err = pfr_rules_hash_setup(ps);
	if (!err)
		err = pfr_rules_hash_insert(ps, h);
	if (!err)
		pfr_rules_update_flags(ps);
	mutex_unlock(&f->lock);
	if (!err)
		return 0;
out_free:
	kfree(h);
	return err;
}

static void pfr_rules_hash_del(struct pfr_sock *ps, struct pfr_hrule *h)
{
	if (rhashtable_remove_fast(&ps->filt.hash, &h->node, pfr_rules_hparams))
		return;		/* gone already (a concurrent purge) */
	atomic_dec(&ps->filt.nhash);
	kfree_rcu(h, rcu);
}

int pfr_rules_hash_remove(struct pfr_sock *ps, const struct pf_ring_hash_rule *req)
{
	struct pfr_filter *f = &ps->filt;
	struct pfr_hrule *h;
	struct pfr_hkey key;
	int err = pfr_rules_hkey_from_req(&key, req);

	if (err)
		return err;
	mutex_lock(&f->lock);
	err = -ENOENT;
	if (f->hash_ready) {
		rcu_read_lock();
		h = rhashtable_lookup_fast(&f->hash, &key, pfr_rules_hparams);
		if (h) {
			pfr_rules_hash_del(ps, h);
			err = 0;
		}
		rcu_read_unlock();
	}
	pfr_rules_update_flags(ps);
	mutex_unlock(&f->lock);
	return err;
}

int pfr_rules_hash_stats(struct pfr_sock *ps, const struct pf_ring_hash_rule *req,
			 struct pf_ring_rule_stats *out)
{
	struct pfr_hrule *h;
	struct pfr_hkey key;
	int err = pfr_rules_hkey_from_req(&key, req);

	if (err)
		return err;
	if (!pfr_rules_hash_on(ps))
		return -ENOENT;
	rcu_read_lock();
	h = rhashtable_lookup_fast(&ps->filt.hash, &key, pfr_rules_hparams);
	if (h)
		pfr_rules_counters_get(&h->cnt, out);
	rcu_read_unlock();
	return h ? 0 : -ENOENT;
}

int pfr_rules_hash_purge(struct pfr_sock *ps, u32 secs)
{
	struct pfr_filter *f = &ps->filt;
	struct rhashtable_iter iter;
	struct pfr_hrule *h;

	mutex_lock(&f->lock);
	if (!f->hash_ready)
		goto out;
	rhashtable_walk_enter(&f->hash, &iter);
	rhashtable_walk_start(&iter);
	while ((h = rhashtable_walk_next(&iter))) {
		if (IS_ERR(h))
			continue;	/* -EAGAIN: the table was resized, the walk goes on */
		if (pfr_rules_idle(&h->cnt, secs))
			pfr_rules_hash_del(ps, h);
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	pfr_rules_update_flags(ps);
out:
	mutex_unlock(&f->lock);
	return 0;
}

/* ---- wildcard rules ---------------------------------------------------------------- */

/* mask is a prefix (ones, then zeros) over n bytes, and zero after them */
static bool pfr_rules_prefix(const u8 *mask, int n)
{
	bool zeros = false;
	int i;

	for (i = 0; i < n; i++) {
		u8 m = mask[i];

		if (zeros ? m != 0 : (u8)(m | (m >> 1)) != m)
			return false;	/* a one after a zero */
		if (m != 0xff)
			zeros = true;
	}
	return !memchr_inv(mask + n, 0, 16 - n);
}

/* A host with its mask: a prefix, and no bit of the host outside it */
static bool pfr_rules_host_ok(const u8 *host, const u8 *mask, int n)
{
	int i;

	if (!pfr_rules_prefix(mask, n))
		return false;
	for (i = 0; i < 16; i++)
		if (host[i] & ~mask[i])
			return false;
	return true;
}

static int pfr_rules_check(struct pfr_sock *ps, const struct pf_ring_rule *r)
{
	int n = r->ip_version == 6 ? 16 : 4;

	if (r->action > PF_RING_RULE_BOUNCE_AND_CONTINUE || r->pad0 || r->ifindex < 0)
		return -EINVAL;
	if (r->ip_version != 0 && r->ip_version != 4 && r->ip_version != 6)
		return -EINVAL;
	if (!r->ip_version) {
		if (memchr_inv(r->shost, 0, 16) || memchr_inv(r->shost_mask, 0, 16) ||
		    memchr_inv(r->dhost, 0, 16) || memchr_inv(r->dhost_mask, 0, 16))
			return -EINVAL;
	} else if (!pfr_rules_host_ok(r->shost, r->shost_mask, n) ||
		   !pfr_rules_host_ok(r->dhost, r->dhost_mask, n)) {
		return -EINVAL;
	}
	if (r->sport_low > r->sport_high || r->dport_low > r->dport_high)
		return -EINVAL;
	if (r->payload_len > PF_RING_RULE_PAYLOAD_MAX)
		return -EINVAL;
	if (r->balance_pool && r->balance_id >= r->balance_pool)
		return -EINVAL;
	return pfr_rules_check_reflector(ps, r->action, r->reflector_ifindex);
}

/* The ring's rules, for a writer (under filt.lock) */
static struct pfr_rule_set *pfr_rules_set(struct pfr_sock *ps)
{
	return rcu_dereference_protected(ps->filt.rules, lockdep_is_held(&ps->filt.lock));
}

static struct pfr_rule_set *pfr_rules_set_alloc(u32 n)
{
	struct pfr_rule_set *set;

	set = kzalloc(struct_size(set, rule, n), GFP_KERNEL_ACCOUNT);
	if (set)
		set->n = n;
	return set;
}

/* Publish a new array (sorted by rule_id); the old one goes after a grace period */
static void pfr_rules_publish(struct pfr_sock *ps, struct pfr_rule_set *set)
{
	struct pfr_rule_set *old = pfr_rules_set(ps);

	rcu_assign_pointer(ps->filt.rules, set);
	if (old)
		kfree_rcu(old, rcu);
	pfr_rules_update_flags(ps);
}

/* Where rule id is, or would go, in the array */
static u32 pfr_rules_pos(struct pfr_rule_set *set, u32 id)
{
	u32 lo = 0, hi = set ? set->n : 0;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (set->rule[mid]->r.rule_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct pfr_rule *pfr_rules_find(struct pfr_rule_set *set, u32 id)
{
	u32 pos = pfr_rules_pos(set, id);

	return set && pos < set->n && set->rule[pos]->r.rule_id == id ? set->rule[pos] : NULL;
}

/* An id for PF_RING_RULE_AUTO_ID: the highest + 1, else the lowest free one */
static int pfr_rules_auto_id(struct pfr_rule_set *set)
{
	u32 i, id = 0;

	if (!set || !set->n)
		return 0;
	if (set->rule[set->n - 1]->r.rule_id < PF_RING_RULE_AUTO_ID - 1)
		return set->rule[set->n - 1]->r.rule_id + 1;
	for (i = 0; i < set->n && set->rule[i]->r.rule_id == id; i++)
		id++;
	return id < PF_RING_RULE_AUTO_ID ? id : -ENOSPC;
}

int pfr_rules_add(struct pfr_sock *ps, const struct pf_ring_rule *req)
{
	struct pfr_filter *f = &ps->filt;
	struct pfr_rule_set *set, *nset;
	struct pfr_rule *rule;
	int err, id;
	u32 pos, n;

	err = pfr_rules_check(ps, req);
	if (err)
		return err;
	rule = kzalloc(sizeof(*rule), GFP_KERNEL_ACCOUNT);
	if (!rule)
		return -ENOMEM;
	rule->r = *req;
	pfr_rules_counters_init(&rule->cnt);

	mutex_lock(&f->lock);
	set = pfr_rules_set(ps);
	err = -ENOSPC;
	if (set && set->n >= pfr_max_rules)
		goto out;
	id = req->rule_id;
	if (id == PF_RING_RULE_AUTO_ID) {
		id = pfr_rules_auto_id(set);
		if (id < 0)
			goto out;
	}
	err = -EEXIST;
	if (pfr_rules_find(set, id))
		goto out;
	rule->r.rule_id = id;
	if (req->action == PF_RING_RULE_FORWARD_ADD_RULE) {
		err = pfr_rules_hash_setup(ps);
		if (err)
			goto out;
	}
	err = -ENOMEM;
	n = set ? set->n : 0;
	nset = pfr_rules_set_alloc(n + 1);
	if (!nset)
		goto out;
	pos = pfr_rules_pos(set, id);
	if (pos)
		memcpy(nset->rule, set->rule, pos * sizeof(set->rule[0]));
	nset->rule[pos] = rule;
	if (n > pos)
		memcpy(nset->rule + pos + 1, set->rule + pos, (n - pos) * sizeof(set->rule[0]));
	f->last_rule_id = id;
	pfr_rules_publish(ps, nset);
	mutex_unlock(&f->lock);
	return 0;
out:
	mutex_unlock(&f->lock);
	kfree(rule);
	return err;
}

/* The array without its rules for which drop() says so (they are freed); under lock */
static int pfr_rules_drop_if(struct pfr_sock *ps, bool (*drop)(struct pfr_rule *, u32),
			     u32 arg)
{
	struct pfr_rule_set *set = pfr_rules_set(ps), *nset;
	u32 i, n = 0, gone = 0;

	if (!set)
		return 0;
	for (i = 0; i < set->n; i++) {
		set->rule[i]->doomed = drop(set->rule[i], arg);
		gone += set->rule[i]->doomed;
	}
	if (!gone)
		return 0;
	nset = NULL;
	if (gone < set->n) {
		nset = pfr_rules_set_alloc(set->n - gone);
		if (!nset)
			return -ENOMEM;
	}
	for (i = 0; i < set->n; i++) {
		if (set->rule[i]->doomed)
			kfree_rcu(set->rule[i], rcu);
		else
			nset->rule[n++] = set->rule[i];
	}
	pfr_rules_publish(ps, nset);
	return gone;
}

static bool pfr_rules_has_id(struct pfr_rule *rule, u32 id)
{
	return rule->r.rule_id == id;
}

static bool pfr_rules_is_idle(struct pfr_rule *rule, u32 secs)
{
	return !rule->r.locked && pfr_rules_idle(&rule->cnt, secs);
}

int pfr_rules_remove(struct pfr_sock *ps, u32 rule_id)
{
	int gone;

	mutex_lock(&ps->filt.lock);
	gone = pfr_rules_drop_if(ps, pfr_rules_has_id, rule_id);
	mutex_unlock(&ps->filt.lock);
	if (gone < 0)
		return gone;
	return gone ? 0 : -ENOENT;
}

int pfr_rules_purge(struct pfr_sock *ps, u32 secs)
{
	int gone;

	mutex_lock(&ps->filt.lock);
	gone = pfr_rules_drop_if(ps, pfr_rules_is_idle, secs);
	mutex_unlock(&ps->filt.lock);
	return gone < 0 ? gone : 0;
}

int pfr_rules_stats(struct pfr_sock *ps, u32 rule_id, struct pf_ring_rule_stats *out)
{
	struct pfr_rule *rule;

	rcu_read_lock();
	rule = pfr_rules_find(rcu_dereference(ps->filt.rules), rule_id);
	if (rule)
		pfr_rules_counters_get(&rule->cnt, out);
	rcu_read_unlock();
	return rule ? 0 : -ENOENT;
}

static void pfr_rules_hfree(void *ptr, void *arg)
{
	kfree(ptr);
}

/* ---- evaluation (the hook, under RCU) ------------------------------------------------- */

/* The payload (from off to the frame's end) holds the pattern */
static bool pfr_rules_payload(const struct pfr_pkt *pkt, u32 off, const u8 *pat, u32 plen)
{
	u8 buf[256];
	u32 chunk, i;

	while (off + plen <= pkt->len) {
		chunk = min_t(u32, sizeof(buf), pkt->len - off);
		if (!pfr_ring_frame_bytes(pkt, off, buf, chunk))
			return false;
		for (i = 0; i + plen <= chunk; i++)
			if (buf[i] == pat[0] && !memcmp(buf + i, pat, plen))
				return true;
		if (off + chunk >= pkt->len)
			break;
		off += chunk - plen + 1;	/* overlap: a match across two chunks */
	}
	return false;
}

static bool pfr_rules_masked(const u8 *addr, const u8 *host, const u8 *mask, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if ((addr[i] ^ host[i]) & mask[i])
			return false;
	return true;
}

static bool pfr_rules_in(u16 port, u16 low, u16 high, bool has_ports)
{
	if (!high)
		return true;	/* 0..0: any */
	return has_ports && port >= low && port <= high;
}

/* The fields that have a direction, seen from src (or from dst when swapped) */
static bool pfr_rules_match_dir(const struct pf_ring_rule *r, const struct pf_ring_parsed *p,
				bool swapped)
{
	const u8 *smac = swapped ? p->dmac : p->smac, *dmac = swapped ? p->smac : p->dmac;
	const u8 *src = swapped ? p->ip_dst : p->ip_src, *dst = swapped ? p->ip_src : p->ip_dst;
	u16 sport = swapped ? p->l4_dst_port : p->l4_src_port;
	u16 dport = swapped ? p->l4_src_port : p->l4_dst_port;
	bool ports = pfr_rules_has_ports(p);
	int n = r->ip_version == 6 ? 16 : 4;

	if (!is_zero_ether_addr(r->smac) && !ether_addr_equal(r->smac, smac))
		return false;
	if (!is_zero_ether_addr(r->dmac) && !ether_addr_equal(r->dmac, dmac))
		return false;
	if (r->ip_version && (!pfr_rules_masked(src, r->shost, r->shost_mask, n) ||
			      !pfr_rules_masked(dst, r->dhost, r->dhost_mask, n)))
		return false;
	return pfr_rules_in(sport, r->sport_low, r->sport_high, ports) &&
	       pfr_rules_in(dport, r->dport_low, r->dport_high, ports);
}

static bool pfr_rules_match(const struct pf_ring_rule *r, const struct pfr_pkt *pkt)
{
	const struct pf_ring_parsed *p = &pkt->parsed;

	if (r->ifindex && r->ifindex != pkt->dev->ifindex)
		return false;
	if (r->vlan_id && r->vlan_id != p->vlan_id)
		return false;
	if (r->eth_type && r->eth_type != p->eth_type)
		return false;
	if (r->ip_version && r->ip_version != p->ip_version)
		return false;
	if (r->proto && (!p->ip_version || r->proto != p->l3_proto))
		return false;
	if (r->tcp_flags && (p->l3_proto != IPPROTO_TCP || !pfr_rules_has_ports(p) ||
			     (p->tcp_flags & r->tcp_flags) != r->tcp_flags))
		return false;
	if (r->balance_pool && pkt->hash % r->balance_pool != r->balance_id)
		return false;
	if (!pfr_rules_match_dir(r, p, false) &&
	    !(r->bidirectional && pfr_rules_match_dir(r, p, true)))
		return false;
	if (r->payload_len) {
		s16 off = pfr_rules_has_ports(p) ? p->payload_offset : p->l4_offset;

		if (!p->ip_version || off < 0 ||
		    !pfr_rules_payload(pkt, off, r->payload, r->payload_len))
			return false;
	}
	return true;
}

/* FORWARD_ADD_RULE: a hash rule (FORWARD) for the packet's flow */
static void pfr_rules_add_flow(struct pfr_sock *ps, const struct pfr_pkt *pkt)
{
	struct pfr_filter *f = &ps->filt;
	struct pfr_hrule *h;
	int err;

	if (!pkt->parsed.ip_version || !pfr_rules_hash_on(ps))
		return;
	h = kzalloc(sizeof(*h), GFP_ATOMIC);
	if (!h) {
		atomic64_inc(&f->hash_not_added);
		return;
	}
	pfr_rules_pkt_hkey(&h->key, &pkt->parsed);
	h->action = PF_RING_RULE_FORWARD;
	err = pfr_rules_hash_insert(ps, h);
	if (err) {
		if (err != -EEXIST)
			atomic64_inc(&f->hash_not_added);
		kfree(h);
	}
}

/* Apply a matching rule's action to the evaluation, and count it */
static void pfr_rules_act(struct pfr_sock *ps, struct pfr_pkt *pkt, u8 action, int reflector,
			  struct pfr_rule_counters *cnt, struct pfr_eval *ev)
{
	unsigned long now = jiffies;
	u32 frate;
	u64 seq;

	atomic64_inc(&cnt->match);
	if (READ_ONCE(cnt->last_match) != now)	/* the line stays clean within a tick */
		WRITE_ONCE(cnt->last_match, now);
	switch (action) {
	case PF_RING_RULE_FORWARD:
		ev->deliver = true;
		ev->stop = true;
		break;
	case PF_RING_RULE_DONT_FORWARD:
		ev->stop = true;
		frate = READ_ONCE(ps->filt.fsampling_rate);
		seq = atomic64_inc_return(&ps->filt.fsample_seq) - 1;
		if (frate && do_div(seq, frate) == 0) {
			atomic64_inc(&cnt->match_forward);
			ev->deliver = true;
		} else {
			atomic64_inc(&cnt->filtered);
			ev->deliver = false;
		}
		break;
	case PF_RING_RULE_EXECUTE_AND_STOP:
		ev->stop = true;
		break;
	case PF_RING_RULE_FORWARD_ADD_RULE:
		pfr_rules_add_flow(ps, pkt);
		ev->deliver = true;
		ev->stop = true;
		break;
	case PF_RING_RULE_REFLECT_AND_STOP:
	case PF_RING_RULE_BOUNCE_AND_STOP:
		ev->deliver = false;
		ev->stop = true;
		atomic64_inc(&cnt->filtered);
		fallthrough;
	case PF_RING_RULE_REFLECT_AND_CONTINUE:
	case PF_RING_RULE_BOUNCE_AND_CONTINUE:
		pfr_reflect_copy(ps, pkt, reflector, action == PF_RING_RULE_BOUNCE_AND_STOP ||
				 action == PF_RING_RULE_BOUNCE_AND_CONTINUE);
		break;
	default:	/* EXECUTE_AND_CONTINUE */
		break;
	}
}

static void pfr_rules_eval_hash(struct pfr_sock *ps, struct pfr_pkt *pkt, struct pfr_eval *ev)
{
	struct pfr_filter *f = &ps->filt;
	struct pfr_hrule *h;
	struct pfr_hkey key;

	if (!pkt->parsed.ip_version || !pfr_rules_hash_on(ps))
		return;
	pfr_rules_pkt_hkey(&key, &pkt->parsed);
	h = rhashtable_lookup_fast(&f->hash, &key, pfr_rules_hparams);
	if (!h) {
		atomic64_inc(&f->hash_miss);
		return;
	}
	atomic64_inc(&f->hash_match);
	pfr_rules_act(ps, pkt, h->action, h->reflector_ifindex, &h->cnt, ev);
}

/*
 * The rules' verdict on the packet: hash rules, then wildcard rules by rule_id, from
 * the policy's verdict; flags is pfr_filter()'s snapshot. True: deliver. From the
 * hook, under RCU.
 */
bool pfr_rules_verdict(struct pfr_sock *ps, struct pfr_pkt *pkt, u32 flags)
{
	struct pfr_eval ev = { .deliver = READ_ONCE(ps->filt.policy_accept) };
	struct pfr_rule_set *set;
	u32 i;

	if (!(flags & (PFR_FILT_RULES | PFR_FILT_HASH)))
		return ev.deliver;
	if (!pkt->parsed_done)
		pfr_hook_parse(pkt);
	if (flags & PFR_FILT_HASH)
		pfr_rules_eval_hash(ps, pkt, &ev);
	set = rcu_dereference(ps->filt.rules);
	for (i = 0; !ev.stop && set && i < set->n; i++) {
		struct pfr_rule *rule = set->rule[i];

		if (pfr_rules_match(&rule->r, pkt))
			pfr_rules_act(ps, pkt, rule->r.action, rule->r.reflector_ifindex,
				      &rule->cnt, &ev);
	}
	return ev.deliver;
}

/* Everything goes with the socket; after synchronize_net(), no hook runs for it */
void pfr_rules_release(struct pfr_sock *ps)
{
	struct pfr_filter *f = &ps->filt;
	struct pfr_rule_set *set;
	u32 i;

	mutex_lock(&f->lock);
	set = pfr_rules_set(ps);
	RCU_INIT_POINTER(f->rules, NULL);
	if (set) {
		for (i = 0; i < set->n; i++)
			kfree(set->rule[i]);
		kfree(set);
	}
	if (f->hash_ready) {
		rhashtable_free_and_destroy(&f->hash, pfr_rules_hfree, NULL);
		f->hash_ready = false;
		atomic_set(&f->nhash, 0);
	}
	WRITE_ONCE(f->flags, 0);
	mutex_unlock(&f->lock);
}
