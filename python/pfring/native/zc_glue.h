/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Python ZC binding's C layer over libpfring_zc (pfring/zc.py). Compiled into the
 * extension module pfring.native._pfring_zc by cffi (pfring/native/zc_build.py): one call
 * per packet or per batch, with the packet's bytes copied out of cluster memory, so that
 * Python never holds a buffer that the queue takes back at the next receive.
 */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <time.h>
#include <pfring_zc.h>

/* cdef-begin: zc_build.py hands this block to cffi as it is */
/* One received packet: its bytes stay in the handle's buffer until the next receive. */
struct pfzc_packet {
	unsigned long long ts_ns;
	unsigned int len;
	unsigned int hash;
	unsigned short flags;
	const unsigned char *data;
};

int pfzc_recv(pfring_zc_queue *q, pfring_zc_pkt_buff **h, int timeout_ms,
	      struct pfzc_packet *out);
long pfzc_recv_batch(pfring_zc_queue *q, pfring_zc_pkt_buff **h, long max, int timeout_ms,
		     unsigned char *rows, unsigned int width, unsigned int *lens,
		     unsigned long long *ts_ns);
int pfzc_send(pfring_zc_queue *q, pfring_zc_pkt_buff **h, const unsigned char *data,
	      unsigned int len, unsigned long long ts_ns, unsigned int hash, int flush);
/* cdef-end */

static unsigned long long pfzc_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (unsigned long long)t.tv_sec * 1000 + (unsigned long long)t.tv_nsec / 1000000;
}

/*
 * Up to max packets into h[0..max) (each h[i] must hold a buffer of the cluster: it is
 * exchanged).  Waits up to timeout_ms (-1: until a packet or pfring_zc_queue_breakloop(),
 * 0: not at all) for the first.  Returns how many, 0 when none came, < 0 with errno set.
 */
static long pfzc_recv_some(pfring_zc_queue *q, pfring_zc_pkt_buff **h, long max, int timeout_ms)
{
	unsigned long long end;
	unsigned int spins = 0;
	int n;

	if (timeout_ms < 0)
		return max == 1 ? pfring_zc_recv_pkt(q, h, 1) : pfring_zc_recv_pkt_burst(q, h, (u_int32_t)max, 1);
	end = pfzc_now_ms() + (unsigned long long)timeout_ms;
	for (;;) {
		n = max == 1 ? pfring_zc_recv_pkt(q, h, 0) : pfring_zc_recv_pkt_burst(q, h, (u_int32_t)max, 0);
		if (n != 0 || timeout_ms == 0)
			return n;
		/* spin a little (a ZC consumer's way), then check the clock and let others run */
		if (++spins % 256 == 0) {
			if (pfzc_now_ms() >= end)
				return 0;
			sched_yield();
		}
	}
}

static unsigned long long pfzc_ts(const pfring_zc_pkt_buff *b)
{
	return (unsigned long long)b->ts.tv_sec * 1000000000ull + b->ts.tv_nsec;
}

/* 1: a packet in *out, 0: none in time, < 0: errno set */
int pfzc_recv(pfring_zc_queue *q, pfring_zc_pkt_buff **h, int timeout_ms,
	      struct pfzc_packet *out)
{
	long n = pfzc_recv_some(q, h, 1, timeout_ms);

	if (n <= 0)
		return (int)n;
	out->ts_ns = pfzc_ts(*h);
	out->len = (*h)->len;
	out->hash = (*h)->hash;
	out->flags = (*h)->flags;
	out->data = pfring_zc_pkt_buff_data(*h, q);
	return 1;
}

/*
 * Up to max packets (at most the number of handles in h) as rows of a 2-D array: row i
 * gets the first min(len, width) bytes of packet i and zeros after them, lens[i] its
 * length, ts_ns[i] its timestamp.  Returns how many, 0 if none in time, < 0 errno set.
 */
long pfzc_recv_batch(pfring_zc_queue *q, pfring_zc_pkt_buff **h, long max, int timeout_ms,
		     unsigned char *rows, unsigned int width, unsigned int *lens,
		     unsigned long long *ts_ns)
{
	long n = pfzc_recv_some(q, h, max, timeout_ms), i;

	for (i = 0; i < n; i++) {
		unsigned int len = h[i]->len, k = len < width ? len : width;
		unsigned char *row = rows + (size_t)i * width;

		memcpy(row, pfring_zc_pkt_buff_data(h[i], q), k);
		memset(row + k, 0, width - k);
		lens[i] = len;
		ts_ns[i] = pfzc_ts(h[i]);
	}
	return n;
}

/*
 * Copy data into *h and enqueue it (the buffer is exchanged).  Returns len, -EAGAIN when
 * the queue is full (a drop is counted), -EMSGSIZE when len exceeds buffer_len.
 */
int pfzc_send(pfring_zc_queue *q, pfring_zc_pkt_buff **h, const unsigned char *data,
	      unsigned int len, unsigned long long ts_ns, unsigned int hash, int flush)
{
	pfring_zc_queue_info info;

	pfring_zc_get_queue_settings(q, &info);
	if (len > info.buffer_len) {
		errno = EMSGSIZE;
		return -EMSGSIZE;
	}
	memcpy(pfring_zc_pkt_buff_data(*h, q), data, len);
	(*h)->len = (u_int16_t)len;
	(*h)->flags = 0;
	(*h)->hash = hash;
	(*h)->ts.tv_sec = (u_int32_t)(ts_ns / 1000000000ull);
	(*h)->ts.tv_nsec = (u_int32_t)(ts_ns % 1000000000ull);
	return pfring_zc_send_pkt(q, h, (u_int8_t)flush);
}
