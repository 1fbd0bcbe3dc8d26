// SPDX-License-Identifier: GPL-2.0-only
/*
 * filter.c - what a ring lets in: the socket's BPF filter, the rules' verdict (with
 * the policy), then the sampling rate (linux/pf_ring.h, "Filtering").
 *
 * The hook calls pfr_filter() after the device, direction and cluster matched, and
 * only for a ring with something to do (filt.flags or a BPF filter): a ring without
 * filters keeps its cost.
 *
 * BPF is the socket's own sk_filter (SO_ATTACH_FILTER, SO_ATTACH_BPF at SOL_SOCKET,
 * which the socket layer handles for every family), run as AF_PACKET runs it: on the
 * frame from its link-layer header (skb->data moved there for the run and put back;
 * the hook's skb is the stack's, so nothing else of it changes but the control block,
 * which af_packet clears for its filters too), a hardware-stripped VLAN tag in the
 * skb's metadata for the ancillary loads.
 *
 * Locks: the options are written under filt.lock; the hook reads them with READ_ONCE
 * (a rate seen one packet late is harmless). The counters are atomic64: several CPUs
 * may deliver to one ring at once. Sampling counts the packets that reach it
 * (sample_seq) and keeps those whose count is a multiple of the rate: the 1st, the
 * (N+1)th, ...; setting a rate starts the count again.
 */
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_vlan.h>
#include <linux/uaccess.h>
#include <linux/seq_file.h>
#include "pf_ring_int.h"

void pfr_filter_init(struct pfr_sock *ps)
{
	struct pfr_filter *f = &ps->filt;

	mutex_init(&f->lock);
	f->policy_accept = 1;
	f->sampling_rate = 1;
}

/*
 * A frame an aware driver handed over has no skb, or one the driver has not finished
 * (no protocol, the stripped tag still in its descriptor), and a BPF program reads
 * those: a short-lived copy as the stack would have built it (the tag in vlan_tci).
 * Only rings with a BPF filter on an aware device pay for it; a failed allocation
 * refuses the frame.
 */
static bool pfr_filter_bpf_copy(const struct sk_filter *filter, struct pfr_pkt *pkt)
{
	u32 held = pfr_pkt_held_len(pkt);
	struct sk_buff *skb = alloc_skb(held, GFP_ATOMIC);
	unsigned int res;

	if (!skb)
		return false;
	if (!pfr_ring_held_bytes(pkt, 0, skb_put(skb, held), held)) {
		kfree_skb(skb);
		return false;
	}
	skb->dev = pkt->dev;
	skb_reset_mac_header(skb);
	if (held >= ETH_HLEN)
		skb->protocol = eth_hdr(skb)->h_proto;
	if (pkt->has_tag)
		__vlan_hwaccel_put_tag(skb, htons(ETH_P_8021Q),
				       (pkt->tag[2] << 8) | pkt->tag[3]);
	res = bpf_prog_run_clear_cb(filter->prog, skb);
	kfree_skb(skb);
	return res != 0;
}

/* The socket's BPF filter on the frame: false when it refuses it. Under RCU. */
static bool pfr_filter_bpf(struct pfr_sock *ps, struct pfr_pkt *pkt)
{
	struct sk_buff *skb = pkt->skb;
	const struct sk_filter *filter;
	unsigned int res, len;
	u8 *data;

	filter = rcu_dereference(ps->sk.sk_filter);
	if (!filter)
		return true;
	if (pkt->from_driver)
		return pfr_filter_bpf_copy(filter, pkt);
	data = skb->data;
	len = skb->len;
	/* The frame's start: before skb->data (received), or after it (raw IP, sent) */
	if (pkt->mac_off < 0)
		__skb_push(skb, -pkt->mac_off);
	else if (pkt->mac_off > 0 && pkt->mac_off <= skb_headlen(skb))
		__skb_pull(skb, pkt->mac_off);
	res = bpf_prog_run_clear_cb(filter->prog, skb);
	skb->data = data;
	skb->len = len;
	return res != 0;
}

/* Sampling: the 1st of every rate packets that reach it goes on */
static bool pfr_filter_sample(struct pfr_sock *ps)
{
	u32 rate = READ_ONCE(ps->filt.sampling_rate);
	u64 seq = atomic64_inc_return(&ps->filt.sample_seq) - 1;

	return rate <= 1 || do_div(seq, rate) == 0;
}

/*
 * Does the ring queue the packet? Called by the hook (softirq, RCU) for a ring with
 * filters, with the one snapshot of its flags the packet is judged by; counts what it
 * keeps out.
 */
bool pfr_filter(struct pfr_sock *ps, struct pfr_pkt *pkt, u32 flags)
{
	if (!pfr_filter_bpf(ps, pkt))
		goto filtered;
	if ((flags & (PFR_FILT_RULES | PFR_FILT_HASH | PFR_FILT_POLICY_DROP)) &&
	    !pfr_rules_verdict(ps, pkt, flags))
		goto filtered;
	if ((flags & PFR_FILT_SAMPLE) && !pfr_filter_sample(ps)) {
		atomic64_inc(&ps->filt.sampled_out);
		return false;
	}
	return true;
filtered:
	atomic64_inc(&ps->filt.filtered);
	return false;
}

static int pfr_filter_set_u32(struct pfr_sock *ps, int optname, u32 val)
{
	struct pfr_filter *f = &ps->filt;

	switch (optname) {
	case PF_RING_OPT_SAMPLING_RATE:
		if (!val)
			return -EINVAL;
		mutex_lock(&f->lock);
		atomic64_set(&f->sample_seq, 0);
		WRITE_ONCE(f->sampling_rate, val);
		break;
	case PF_RING_OPT_RULE_POLICY:
		if (val > 1)
			return -EINVAL;
		mutex_lock(&f->lock);
		WRITE_ONCE(f->policy_accept, val);
		break;
	case PF_RING_OPT_FILTERING_SAMPLING_RATE:
		mutex_lock(&f->lock);
		atomic64_set(&f->fsample_seq, 0);
		WRITE_ONCE(f->fsampling_rate, val);
		break;
	case PF_RING_OPT_RULE_REMOVE:
		return pfr_rules_remove(ps, val);
	case PF_RING_OPT_PURGE_IDLE_RULES:
		return pfr_rules_purge(ps, val);
	case PF_RING_OPT_PURGE_IDLE_HASH_RULES:
		return pfr_rules_hash_purge(ps, val);
	default:
		return -ENOPROTOOPT;
	}
	pfr_rules_update_flags(ps);
	mutex_unlock(&f->lock);
	return 0;
}

int pfr_filter_setsockopt(struct pfr_sock *ps, int optname, sockptr_t optval,
			  unsigned int optlen)
{
	union {
		u32 u;
		struct pf_ring_rule rule;
		struct pf_ring_hash_rule hrule;
	} v;
	int err;

	switch (optname) {
	case PF_RING_OPT_RULE_ADD:
		err = pfr_sock_opt_copy(&v.rule, sizeof(v.rule), optval, optlen);
		return err ? err : pfr_rules_add(ps, &v.rule);
	case PF_RING_OPT_HASH_RULE_ADD:
	case PF_RING_OPT_HASH_RULE_REMOVE:
		err = pfr_sock_opt_copy(&v.hrule, sizeof(v.hrule), optval, optlen);
		if (err)
			return err;
		if (optname == PF_RING_OPT_HASH_RULE_ADD)
			return pfr_rules_hash_add(ps, &v.hrule);
		return pfr_rules_hash_remove(ps, &v.hrule);
	default:
		err = pfr_sock_opt_copy(&v.u, sizeof(v.u), optval, optlen);
		return err ? err : pfr_filter_set_u32(ps, optname, v.u);
	}
}

/*
 * The filter options of getsockopt. The rule statistics take their input (a rule id,
 * a hash rule's key) in the caller's buffer.
 */
int pfr_filter_getsockopt(struct pfr_sock *ps, int optname, char __user *optval,
			  int __user *optlen)
{
	union {
		struct pf_ring_rule_stats st;
		struct pf_ring_filter_info info;
	} v;
	struct pf_ring_hash_rule key;
	struct pfr_filter *f = &ps->filt;
	int len, size, err;
	u32 id;

	if (get_user(len, optlen))
		return -EFAULT;
	memset(&v, 0, sizeof(v));
	switch (optname) {
	case PF_RING_OPT_RULE_STATS:
		if (len < (int)sizeof(v.st))
			return -EINVAL;
		if (copy_from_user(&id, optval, sizeof(id)))
			return -EFAULT;
		err = pfr_rules_stats(ps, id, &v.st);
		size = sizeof(v.st);
		break;
	case PF_RING_OPT_HASH_RULE_STATS:
		if (len < (int)max(sizeof(key), sizeof(v.st)))
			return -EINVAL;
		if (copy_from_user(&key, optval, sizeof(key)))
			return -EFAULT;
		err = pfr_rules_hash_stats(ps, &key, &v.st);
		size = sizeof(v.st);
		break;
	case PF_RING_OPT_FILTER_INFO:
		mutex_lock(&f->lock);
		v.info.num_rules = pfr_rules_count(ps);
		v.info.num_hash_rules = atomic_read(&f->nhash);
		v.info.policy = f->policy_accept;
		v.info.sampling_rate = f->sampling_rate;
		v.info.filtering_sampling_rate = f->fsampling_rate;
		v.info.last_rule_id = f->last_rule_id;
		mutex_unlock(&f->lock);
		v.info.bpf = !!rcu_access_pointer(ps->sk.sk_filter);
		v.info.hash_match = atomic64_read(&f->hash_match);
		v.info.hash_miss = atomic64_read(&f->hash_miss);
		v.info.hash_rules_not_added = atomic64_read(&f->hash_not_added);
		err = 0;
		size = sizeof(v.info);
		break;
	default:
		return -ENOPROTOOPT;
	}
	if (err)
		return err;
	if (len < size)
		return -EINVAL;
	if (copy_to_user(optval, &v, size) || put_user(size, optlen))
		return -EFAULT;
	return 0;
}

void pfr_filter_stats(struct pfr_sock *ps, struct pf_ring_stats *st)
{
	st->filtered = atomic64_read(&ps->filt.filtered);
	st->sampled_out = atomic64_read(&ps->filt.sampled_out);
}

/* The ring's /proc lines about its filters; under ps->lock */
void pfr_filter_proc_show(struct seq_file *m, struct pfr_sock *ps)
{
	struct pfr_filter *f = &ps->filt;

	seq_printf(m, "Tot Filtered       : %lld\n", atomic64_read(&f->filtered));
	seq_printf(m, "Tot Sampled Out    : %lld\n", atomic64_read(&f->sampled_out));
	seq_printf(m, "BPF Filter         : %s\n",
		   rcu_access_pointer(ps->sk.sk_filter) ? "Enabled" : "Disabled");
	mutex_lock(&f->lock);
	seq_printf(m, "Sampling Rate      : %u\n", f->sampling_rate);
	seq_printf(m, "Filtering Sampling : %u\n", f->fsampling_rate);
	seq_printf(m, "Filtering Policy   : %s\n", f->policy_accept ? "accept" : "drop");
	seq_printf(m, "Filtering Rules    : %u\n", pfr_rules_count(ps));
	seq_printf(m, "Hash Rules         : %d\n", atomic_read(&f->nhash));
	mutex_unlock(&f->lock);
}
