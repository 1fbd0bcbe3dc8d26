// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * zc_worker.c - workers: a thread each, moving packets from ingress queues to egress
 * queues until pfring_zc_kill_worker().
 *
 *   balancer  each packet to exactly one egress queue (distribution function or the
 *             builtin IP hash); pfring_zc_send_pkt() exchanges it, a full queue counts a
 *             drop there
 *   fan-out   each packet to a mask of the queues of a multi-queue, without a copy
 *             (pfring_zc_send_pkt_multi(), reference counts in zc_multi.c)
 *   fifo      several ingress queues, each in timestamp order, merged into one stream
 *             in timestamp order
 *
 * The worker is the consumer of its ingress queues and the producer of its egress
 * queues: it exchanges its working-set buffers (taken from working_set_pool at start,
 * given back at kill) with them, so nothing is copied and no lock is taken.  It holds
 * those sides in the cluster's owner table while it runs (zc_worker_claim()).  Egress
 * packets are published at the end of each round over the ingress queues (or every
 * ZC_FLUSH_BATCH packets), and before the worker waits.
 *
 * Waiting: after a round that found nothing, the idle callback is called; then, with
 * active_wait, the thread polls again after a pause instruction; without it, it spins
 * a while and then sleeps (50 us) between rounds.  The stop flag is read every round,
 * so a kill is seen within one round or one sleep.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "zc_priv.h"

#if defined(__x86_64__) || defined(__i386__)
#define zc_cpu_relax() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define zc_cpu_relax() __asm__ __volatile__("yield" ::: "memory")
#else
#define zc_cpu_relax() __asm__ __volatile__("" ::: "memory")
#endif

#define ZC_WORKER_BURST		8	/* working-set buffers in burst mode (as ntop documents) */
#define ZC_FIFO_DEPTH		32	/* packets held per ingress queue by the fifo */
#define ZC_FIFO_WINDOW_NS	1000000ull	/* the longest a packet waits for comparison */
#define ZC_IDLE_SPINS		256	/* passive wait: rounds before sleeping */
#define ZC_IDLE_SLEEP_NS	50000

enum zc_worker_kind { ZC_BALANCER, ZC_FANOUT, ZC_FIFO };

struct zc_fifo_in {
	pfring_zc_pkt_buff *buf[ZC_FIFO_DEPTH];	/* [head, head+count): packets; rest: free */
	uint64_t arrival[ZC_FIFO_DEPTH];	/* monotonic ns the worker took each one */
	uint32_t head, count;
};

/* A queue side a worker took in the cluster's owner table (0 rx, 1 tx) */
struct zc_claim {
	struct zc_queue *q;
	int side;
};

struct zc_worker {
	enum zc_worker_kind kind;
	pthread_t thread;
	/* set by pfring_zc_kill_worker(), read by the worker every round (relaxed: a flag) */
	_Atomic int stop;
	struct zc_cluster *cluster;
	struct zc_pool *wsp;
	struct zc_queue **in;
	uint32_t num_in;
	struct zc_queue **out;
	uint32_t num_out;
	struct zc_multi *mq;
	pfring_zc_recv_policy policy;
	pfring_zc_idle_callback idle;
	pfring_zc_filtering_func filter;
	void *filter_user;
	pfring_zc_distribution_func distr;
#ifdef __SIZEOF_INT128__
	pfring_zc_distribution_func_v3 distr3;	/* pfring_zc_run_fanout_v3(): in place of distr */
#endif
	void *distr_user;
	int active_wait;
	uint32_t nbufs;				/* working-set buffers held in bufs or fifo */
	pfring_zc_pkt_buff *bufs[ZC_WORKER_BURST];
	struct zc_fifo_in *fifo;		/* num_in of them */
	struct zc_claim *claims;		/* the sides it took (zc_worker_claim()) */
	uint32_t nclaims;
};

/* ---- waiting ------------------------------------------------------------------------- */

static void zc_worker_idle(struct zc_worker *w, unsigned *idle_rounds)
{
	uint32_t i;

	for (i = 0; i < w->num_out; i++)
		zc_queue_flush(w->out[i]);
	if (w->idle)
		w->idle();
	if (w->active_wait) {
		zc_cpu_relax();
	} else if (++*idle_rounds < ZC_IDLE_SPINS) {
		zc_cpu_relax();
	} else {
		struct timespec ts = { 0, ZC_IDLE_SLEEP_NS };

		nanosleep(&ts, NULL);
	}
}

/* ---- balancer and fan-out ------------------------------------------------------------ */

static inline int zc_worker_pass(struct zc_worker *w, pfring_zc_pkt_buff *b, struct zc_queue *iq)
{
	return !w->filter || w->filter(b, iq, w->filter_user);
}

/* Fan-out: each packet to its mask of queues. */
static void zc_fanout_forward(struct zc_worker *w, uint32_t n, struct zc_queue *iq)
{
	uint32_t j;
	int64_t d;

	for (j = 0; j < n; j++) {
		if (!zc_worker_pass(w, w->bufs[j], iq))
			continue;
#ifdef __SIZEOF_INT128__
		if (w->distr3) {
			(void)pfring_zc_send_pkt_multi_v3(w->mq, &w->bufs[j],
							  w->distr3(w->bufs[j], iq, w->distr_user), 0);
			continue;
		}
		if (!w->distr) {	/* every queue, beyond the 64 a u_int64_t mask reaches */
			(void)pfring_zc_send_pkt_multi_v3(w->mq, &w->bufs[j], -1, 0);
			continue;
		}
#endif
		d = w->distr ? w->distr(w->bufs[j], iq, w->distr_user) : -1;	/* NULL: every queue */
		(void)pfring_zc_send_pkt_multi(w->mq, &w->bufs[j], (uint64_t)d, 0);
	}
}

/*
 * Balancer: the egress queue of each packet of the burst first, then one burst send per
 * egress queue (fewer calls and one room check per queue and burst); the handles the
 * sends give back (or the packets a full queue refused) go back to bufs.
 */
static void zc_balance_forward(struct zc_worker *w, uint32_t n, struct zc_queue *iq)
{
	pfring_zc_pkt_buff *batch[ZC_WORKER_BURST];
	uint32_t dest[ZC_WORKER_BURST], pos[ZC_WORKER_BURST];
	uint32_t j, k, m, q;
	int64_t d;

	for (j = 0; j < n; j++) {
		if (!zc_worker_pass(w, w->bufs[j], iq)) {
			dest[j] = UINT32_MAX;
			continue;
		}
		if (w->distr) {
			d = w->distr(w->bufs[j], iq, w->distr_user);
			if (d < 0) {		/* the function's choice: dropped */
				dest[j] = UINT32_MAX;
				continue;
			}
		} else {
			d = pfring_zc_builtin_ip_hash(w->bufs[j], iq);
		}
		dest[j] = (uint32_t)((uint64_t)d % w->num_out);
	}
	for (j = 0; j < n; j++) {
		if (dest[j] == UINT32_MAX)
			continue;
		q = dest[j];
		for (m = 0, k = j; k < n; k++)
			if (dest[k] == q) {
				batch[m] = w->bufs[k];
				pos[m++] = k;
				dest[k] = UINT32_MAX;
			}
		(void)pfring_zc_send_pkt_burst(w->out[q], batch, m, 0);
		for (k = 0; k < m; k++)
			w->bufs[pos[k]] = batch[k];
	}
}

static void *zc_worker_run(void *arg)
{
	struct zc_worker *w = arg;
	uint32_t burst = w->policy == round_robin_bursts_policy ? ZC_WORKER_BURST : 1;
	unsigned idle_rounds = 0;
	uint32_t i, j, got;
	int n;

	while (!atomic_load_explicit(&w->stop, memory_order_relaxed)) {
		got = 0;
		for (i = 0; i < w->num_in; i++) {
			n = burst == 1 ? pfring_zc_recv_pkt(w->in[i], &w->bufs[0], 0)
				       : pfring_zc_recv_pkt_burst(w->in[i], w->bufs, burst, 0);
			if (n <= 0)
				continue;
			/* the packets' first bytes come from the producer's CPU: ask for all at once */
			for (j = 0; j < (uint32_t)n; j++)
				__builtin_prefetch((char *)w->bufs[j] + zc_buf_hdr(w->bufs[j])->data_off);
			if (w->kind == ZC_BALANCER)
				zc_balance_forward(w, (uint32_t)n, w->in[i]);
			else
				zc_fanout_forward(w, (uint32_t)n, w->in[i]);
			got += (uint32_t)n;
		}
		if (got) {
			idle_rounds = 0;
			for (i = 0; i < w->num_out; i++)
				zc_queue_flush(w->out[i]);
		} else {
			zc_worker_idle(w, &idle_rounds);
		}
	}
	return NULL;
}

/* ---- fifo ---------------------------------------------------------------------------- */

static inline uint64_t zc_ts(const pfring_zc_pkt_buff *b)
{
	return (uint64_t)b->ts.tv_sec * 1000000000ull + b->ts.tv_nsec;
}

static inline uint64_t zc_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* Deliver the packet at the head of ingress i: to the out queue or the function. */
static void zc_fifo_emit(struct zc_worker *w, uint32_t i)
{
	struct zc_fifo_in *f = &w->fifo[i];
	pfring_zc_pkt_buff **b = &f->buf[f->head];

	if (w->out) {
		if (!w->distr || w->distr(*b, w->in[i], w->distr_user) >= 0)
			(void)pfring_zc_send_pkt(w->out[0], b, 0);	/* *b: a free buffer back */
	} else {
		(void)w->distr(*b, w->in[i], w->distr_user);
	}
	f->head = (f->head + 1) % ZC_FIFO_DEPTH;
	f->count--;
}

static void *zc_fifo_run(void *arg)
{
	struct zc_worker *w = arg;
	unsigned idle_rounds = 0;
	uint64_t now, ts, best_ts;
	uint32_t i, best, moved;
	struct zc_fifo_in *f;
	int refill;

	while (!atomic_load_explicit(&w->stop, memory_order_relaxed)) {
		moved = 0;
		now = 0;
		/*
		 * 1. fill every ingress queue's look-ahead as far as it has room; a queue
		 * whose look-ahead is not full after this is dry (nothing more was waiting)
		 */
		for (i = 0; i < w->num_in; i++) {
			f = &w->fifo[i];
			while (f->count < ZC_FIFO_DEPTH) {
				uint32_t pos = (f->head + f->count) % ZC_FIFO_DEPTH;

				if (pfring_zc_recv_pkt(w->in[i], &f->buf[pos], 0) <= 0)
					break;
				if (!now)
					now = zc_now_ns();
				f->arrival[pos] = now;
				f->count++;
				moved++;
			}
		}
		/*
		 * 2. emit the smallest timestamp while every queue has a packet to compare it
		 * with; if some are dry, only once that packet has waited the whole window.
		 * A look-ahead emptied here is refilled (step 1) before anything else goes.
		 */
		for (;;) {
			best = UINT32_MAX;
			best_ts = UINT64_MAX;
			refill = 0;
			for (i = 0; i < w->num_in; i++) {
				f = &w->fifo[i];
				if (!f->count)
					continue;
				ts = zc_ts(f->buf[f->head]);
				if (ts < best_ts) {
					best_ts = ts;
					best = i;
				}
			}
			if (best == UINT32_MAX)
				break;
			for (i = 0; i < w->num_in; i++)
				if (!w->fifo[i].count)
					refill = 1;
			if (refill) {
				f = &w->fifo[best];
				if (zc_now_ns() - f->arrival[f->head] < ZC_FIFO_WINDOW_NS)
					break;
			}
			zc_fifo_emit(w, best);
			moved++;
			if (!w->fifo[best].count)
				break;		/* emptied: look for more in its queue first */
		}
		if (moved) {
			idle_rounds = 0;
			if (w->out)
				zc_queue_flush(w->out[0]);
		} else {
			zc_worker_idle(w, &idle_rounds);
		}
	}
	return NULL;
}

/* ---- start and stop ------------------------------------------------------------------ */

static void zc_worker_free(struct zc_worker *w)
{
	free(w->in);
	free(w->out);
	free(w->fifo);
	free(w->claims);
	free(w);
}

/* Give back the queue sides the worker took. */
static void zc_worker_unclaim(struct zc_worker *w)
{
	while (w->nclaims > 0) {
		w->nclaims--;
		zc_queue_unclaim(w->claims[w->nclaims].q, w->claims[w->nclaims].side);
	}
}

/*
 * The worker consumes its ingress queues and produces into its egress queues: it takes
 * those sides in the cluster's owner table, so that a process attaching one of them is
 * refused (EBUSY) while the worker runs.  -EBUSY, with none kept, when another live
 * process holds one already; -ENOMEM.
 */
static int zc_worker_claim(struct zc_worker *w)
{
	uint32_t i, n = w->num_in + w->num_out;
	int r;

	w->claims = calloc(n, sizeof(*w->claims));
	if (!w->claims)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct zc_queue *q = i < w->num_in ? w->in[i] : w->out[i - w->num_in];
		int side = i >= w->num_in;

		r = zc_queue_claim(q, side);
		if (r < 0) {
			zc_worker_unclaim(w);
			return r;
		}
		if (r > 0)
			w->claims[w->nclaims++] = (struct zc_claim){ .q = q, .side = side };
	}
	return 0;
}

/* Give every working-set buffer back to the pool. */
static void zc_worker_return_buffers(struct zc_worker *w)
{
	uint32_t i, j;

	if (w->fifo) {
		for (i = 0; i < w->num_in; i++)
			for (j = 0; j < ZC_FIFO_DEPTH; j++)
				if (w->fifo[i].buf[j])
					pfring_zc_release_packet_handle_to_pool(w->wsp, w->fifo[i].buf[j]);
	} else {
		for (i = 0; i < w->nbufs; i++)
			pfring_zc_release_packet_handle_to_pool(w->wsp, w->bufs[i]);
	}
}

static int zc_queues_ok(pfring_zc_queue *qs[], uint32_t n, struct zc_cluster *c)
{
	uint32_t i;

	if (!qs || n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!qs[i] || ((struct zc_queue *)qs[i])->cluster != c)
			return 0;
	return 1;
}

static struct zc_worker *zc_worker_new(enum zc_worker_kind kind, pfring_zc_queue *in_queues[],
				       uint32_t num_in, pfring_zc_buffer_pool *pool,
				       pfring_zc_recv_policy policy, uint32_t nbufs)
{
	struct zc_pool *wsp = pool;
	struct zc_worker *w;
	struct zc_cluster *c;
	uint32_t i;

	if (!wsp || !in_queues || num_in == 0 || !in_queues[0] ||
	    (policy != round_robin_policy && policy != round_robin_bursts_policy)) {
		errno = EINVAL;
		return NULL;
	}
	c = wsp->cluster;
	if (!zc_queues_ok(in_queues, num_in, c)) {
		errno = EINVAL;
		return NULL;
	}
	if (wsp->shm->count < nbufs) {
		errno = ENOBUFS;
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w || !(w->in = calloc(num_in, sizeof(*w->in)))) {
		free(w);
		errno = ENOMEM;
		return NULL;
	}
	w->kind = kind;
	w->cluster = c;
	w->wsp = wsp;
	w->policy = policy;
	w->num_in = num_in;
	for (i = 0; i < num_in; i++)
		w->in[i] = in_queues[i];
	atomic_init(&w->stop, 0);
	return w;
}

/*
 * Take the worker's queue sides and the working set from the pool and start the thread;
 * frees w on failure.
 */
static pfring_zc_worker *zc_worker_start(struct zc_worker *w, void *(*run)(void *), int32_t core)
{
	pthread_attr_t attr;
	cpu_set_t set;
	uint32_t i, j;
	int err;

	if (core >= 0 && (core >= CPU_SETSIZE || core >= sysconf(_SC_NPROCESSORS_CONF))) {
		zc_worker_free(w);
		errno = EINVAL;
		return NULL;
	}
	err = zc_worker_claim(w);
	if (err) {
		zc_worker_free(w);
		errno = -err;
		return NULL;
	}
	if (w->fifo) {
		for (i = 0; i < w->num_in; i++)
			for (j = 0; j < ZC_FIFO_DEPTH; j++)
				w->fifo[i].buf[j] = pfring_zc_get_packet_handle_from_pool(w->wsp);
	} else {
		for (i = 0; i < w->nbufs; i++)
			w->bufs[i] = pfring_zc_get_packet_handle_from_pool(w->wsp);
	}
	err = pthread_attr_init(&attr);
	if (!err && core >= 0) {
		CPU_ZERO(&set);
		CPU_SET(core, &set);
		err = pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	}
	if (!err)
		err = pthread_create(&w->thread, &attr, run, w);
	pthread_attr_destroy(&attr);
	if (err) {
		zc_worker_return_buffers(w);
		zc_worker_unclaim(w);
		zc_worker_free(w);
		errno = err == EPERM ? EPERM : (err == EINVAL ? EINVAL : EAGAIN);
		return NULL;
	}
	return w;
}

ZC_API pfring_zc_worker *pfring_zc_run_balancer_v2(pfring_zc_queue *in_queues[], pfring_zc_queue *out_queues[],
						   u_int32_t num_in_queues, u_int32_t num_out_queues,
						   pfring_zc_buffer_pool *working_set_pool,
						   pfring_zc_recv_policy recv_policy, pfring_zc_idle_callback idle_func,
						   pfring_zc_filtering_func filter_func, void *filter_user_data,
						   pfring_zc_distribution_func distr_func, void *distr_user_data,
						   u_int32_t active_wait, int32_t core_id_affinity)
{
	uint32_t nbufs = recv_policy == round_robin_bursts_policy ? ZC_WORKER_BURST : 1;
	struct zc_worker *w;
	uint32_t i;

	w = zc_worker_new(ZC_BALANCER, in_queues, num_in_queues, working_set_pool, recv_policy, nbufs);
	if (!w)
		return NULL;
	if (!zc_queues_ok(out_queues, num_out_queues, w->cluster)) {
		zc_worker_free(w);
		errno = EINVAL;
		return NULL;
	}
	w->out = calloc(num_out_queues, sizeof(*w->out));
	if (!w->out) {
		zc_worker_free(w);
		errno = ENOMEM;
		return NULL;
	}
	for (i = 0; i < num_out_queues; i++)
		w->out[i] = out_queues[i];
	w->num_out = num_out_queues;
	w->idle = idle_func;
	w->filter = filter_func;
	w->filter_user = filter_user_data;
	w->distr = distr_func;
	w->distr_user = distr_user_data;
	w->active_wait = active_wait != 0;
	w->nbufs = nbufs;
	return zc_worker_start(w, zc_worker_run, core_id_affinity);
}

ZC_API pfring_zc_worker *pfring_zc_run_balancer(pfring_zc_queue *in_queues[], pfring_zc_queue *out_queues[],
						u_int32_t num_in_queues, u_int32_t num_out_queues,
						pfring_zc_buffer_pool *working_set_pool,
						pfring_zc_recv_policy recv_policy, pfring_zc_idle_callback idle_func,
						pfring_zc_distribution_func distr_func, void *distr_user_data,
						u_int32_t active_wait, int32_t core_id_affinity)
{
	return pfring_zc_run_balancer_v2(in_queues, out_queues, num_in_queues, num_out_queues,
					 working_set_pool, recv_policy, idle_func, NULL, NULL,
					 distr_func, distr_user_data, active_wait, core_id_affinity);
}

/* A fan-out worker on out_multi_queue, not started: the callers set its distribution. */
static struct zc_worker *zc_fanout_new(pfring_zc_queue *in_queues[], struct zc_multi *m,
				       u_int32_t num_in_queues, pfring_zc_buffer_pool *working_set_pool,
				       pfring_zc_recv_policy recv_policy, pfring_zc_idle_callback idle_func,
				       pfring_zc_filtering_func filter_func, void *filter_user_data,
				       void *distr_user_data, u_int32_t active_wait)
{
	uint32_t nbufs = recv_policy == round_robin_bursts_policy ? ZC_WORKER_BURST : 1;
	struct zc_worker *w;
	uint32_t i;

	if (!m) {
		errno = EINVAL;
		return NULL;
	}
	w = zc_worker_new(ZC_FANOUT, in_queues, num_in_queues, working_set_pool, recv_policy, nbufs);
	if (!w)
		return NULL;
	if (m->cluster != w->cluster || !(w->out = calloc(m->num, sizeof(*w->out)))) {
		errno = m->cluster != w->cluster ? EINVAL : ENOMEM;
		zc_worker_free(w);
		return NULL;
	}
	for (i = 0; i < m->num; i++)
		w->out[i] = m->q[i];
	w->num_out = m->num;
	w->mq = m;
	w->idle = idle_func;
	w->filter = filter_func;
	w->filter_user = filter_user_data;
	w->distr_user = distr_user_data;
	w->active_wait = active_wait != 0;
	w->nbufs = nbufs;
	return w;
}

ZC_API pfring_zc_worker *pfring_zc_run_fanout_v2(pfring_zc_queue *in_queues[], pfring_zc_multi_queue *out_multi_queue,
						 u_int32_t num_in_queues, pfring_zc_buffer_pool *working_set_pool,
						 pfring_zc_recv_policy recv_policy, pfring_zc_idle_callback idle_func,
						 pfring_zc_filtering_func filter_func, void *filter_user_data,
						 pfring_zc_distribution_func distr_func, void *distr_user_data,
						 u_int32_t active_wait, int32_t core_id_affinity)
{
	struct zc_worker *w = zc_fanout_new(in_queues, out_multi_queue, num_in_queues,
					    working_set_pool, recv_policy, idle_func, filter_func,
					    filter_user_data, distr_user_data, active_wait);

	if (!w)
		return NULL;
	w->distr = distr_func;
	return zc_worker_start(w, zc_worker_run, core_id_affinity);
}

#ifdef __SIZEOF_INT128__
ZC_API pfring_zc_worker *pfring_zc_run_fanout_v3(pfring_zc_queue *in_queues[], pfring_zc_multi_queue *out_multi_queue,
						 u_int32_t num_in_queues, pfring_zc_buffer_pool *working_set_pool,
						 pfring_zc_recv_policy recv_policy, pfring_zc_idle_callback idle_func,
						 pfring_zc_filtering_func filter_func, void *filter_user_data,
						 pfring_zc_distribution_func_v3 distr_func, void *distr_user_data,
						 u_int32_t active_wait, int32_t core_id_affinity)
{
	struct zc_worker *w = zc_fanout_new(in_queues, out_multi_queue, num_in_queues,
					    working_set_pool, recv_policy, idle_func, filter_func,
					    filter_user_data, distr_user_data, active_wait);

	if (!w)
		return NULL;
	w->distr3 = distr_func;
	return zc_worker_start(w, zc_worker_run, core_id_affinity);
}
#endif

ZC_API pfring_zc_worker *pfring_zc_run_fanout(pfring_zc_queue *in_queues[], pfring_zc_multi_queue *out_multi_queue,
					      u_int32_t num_in_queues, pfring_zc_buffer_pool *working_set_pool,
					      pfring_zc_recv_policy recv_policy, pfring_zc_idle_callback idle_func,
					      pfring_zc_distribution_func distr_func, void *distr_user_data,
					      u_int32_t active_wait, int32_t core_id_affinity)
{
	return pfring_zc_run_fanout_v2(in_queues, out_multi_queue, num_in_queues, working_set_pool,
				       recv_policy, idle_func, NULL, NULL, distr_func, distr_user_data,
				       active_wait, core_id_affinity);
}

ZC_API pfring_zc_worker *pfring_zc_run_fifo(pfring_zc_queue *in_queues[], pfring_zc_queue *out_queue,
					    u_int32_t num_in_queues, pfring_zc_buffer_pool *working_set_pool,
					    pfring_zc_idle_callback callback, pfring_zc_distribution_func func,
					    void *user_data, u_int32_t active_wait, int32_t core_id_affinity_sorter,
					    int32_t core_id_affinity_timer)
{
	struct zc_worker *w;

	(void)core_id_affinity_timer;
	if (!out_queue && !func) {
		errno = EINVAL;
		return NULL;
	}
	if (num_in_queues > UINT32_MAX / ZC_FIFO_DEPTH) {
		errno = EINVAL;
		return NULL;
	}
	w = zc_worker_new(ZC_FIFO, in_queues, num_in_queues, working_set_pool, round_robin_policy,
			  num_in_queues * ZC_FIFO_DEPTH);
	if (!w)
		return NULL;
	if (out_queue) {
		if (!zc_queues_ok(&out_queue, 1, w->cluster) || !(w->out = calloc(1, sizeof(*w->out)))) {
			errno = EINVAL;
			zc_worker_free(w);
			return NULL;
		}
		w->out[0] = out_queue;
		w->num_out = 1;
	}
	w->fifo = calloc(num_in_queues, sizeof(*w->fifo));
	if (!w->fifo) {
		zc_worker_free(w);
		errno = ENOMEM;
		return NULL;
	}
	w->idle = callback;
	w->distr = func;
	w->distr_user = user_data;
	w->active_wait = active_wait != 0;
	return zc_worker_start(w, zc_fifo_run, core_id_affinity_sorter);
}

ZC_API void pfring_zc_kill_worker(pfring_zc_worker *worker)
{
	struct zc_worker *w = worker;
	uint32_t i;

	if (!w) {
		errno = EINVAL;
		return;
	}
	atomic_store_explicit(&w->stop, 1, memory_order_relaxed);
	pthread_join(w->thread, NULL);
	/* the thread's writes are ours now (pthread_join synchronises) */
	for (i = 0; i < w->num_out; i++)
		zc_queue_flush(w->out[i]);
	zc_worker_return_buffers(w);
	if (w->mq)
		zc_multi_settle(w->mq, w->wsp);
	zc_worker_unclaim(w);
	zc_worker_free(w);
}
