# SPDX-License-Identifier: LGPL-2.1-or-later
"""pfring.zc: libpfring_zc from Python (the cffi binding pfring.native._pfring_zc).

Attach to a queue that another process created (a producer, zbalance_ipc) by its cluster
id and queue id, and read packets one at a time or in numpy batches:

    with Queue.attach(cluster_id=10, queue_id=0) as q:
        while (p := q.recv(timeout=1.0)) is not None:
            print(p.length, p.ts_ns, p.data[:14].hex())

or create a cluster and its queues here (a producer):

    with Cluster(10, hugepages=False) as cluster:
        q = cluster.create_queue(1024, pool_len=32)   # another process attaches 0
        q.send(frame)

Packets are copied out of the cluster's buffers (the queue takes its buffers back at the
next receive). Errors raise OSError with libpfring_zc's errno: ENOENT for a cluster id with
no live cluster or a queue never created, EBUSY for a queue side or pool that a live
process holds, EINVAL for bad ids (see pfring_zc.h, "IPC").
"""

from __future__ import annotations

import os
import weakref
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import numpy as np
import numpy.typing as npt

try:
    from pfring.native._pfring_zc import ffi, lib  # type: ignore[import-not-found]
except ImportError as e:  # pragma: no cover - depends on the build
    raise ImportError(
        "the pfring.zc binding is not built: run 'invoke build' (it needs libpfring_zc)"
    ) from e

DEFAULT_BUFFER_LEN = 1536
DEFAULT_BURST = 32


class QueueMode(IntEnum):
    """A queue side (pfring_zc_queue_mode)."""

    RX = 0  # the consumer
    TX = 1  # the producer
    MANAGEMENT = 2  # statistics only; any number of processes


@dataclass(frozen=True)
class ZcPacket:
    """One packet: its bytes, its length, its timestamp (ns), hash and flags."""

    data: bytes
    length: int
    ts_ns: int
    hash: int
    flags: int


@dataclass(frozen=True)
class ZcBatch:
    """Packets received together: row i of data holds the first min(lengths[i], width)
    bytes of packet i (zeros after them), lengths[i] its length, ts_ns[i] its time."""

    data: npt.NDArray[np.uint8]
    lengths: npt.NDArray[np.uint32]
    ts_ns: npt.NDArray[np.uint64]

    def __len__(self) -> int:
        return len(self.lengths)

    def packet(self, index: int) -> bytes:
        n = min(int(self.lengths[index]), self.data.shape[1])
        return self.data[index, :n].tobytes()


@dataclass(frozen=True)
class QueueStats:
    sent: int  # packets published into the queue
    recv: int  # packets taken out of it
    drop: int  # sends refused because it was full


def _raise(what: str) -> None:
    err = ffi.errno or 5  # EIO when the library said nothing more
    raise OSError(err, f"{what}: {os.strerror(err)}")


class _Handles:
    """What a Queue must give back, apart from the Queue itself (so that its finalizer
    does not keep it alive): its buffer handles, then its attachments."""

    def __init__(self, queue: Any, pool: Any, cluster: Any, attached: bool, burst: int) -> None:
        self.queue = queue
        self.pool = pool
        self.cluster = cluster  # the creator's cluster handle, or None when attached
        self.attached = attached
        self.handles: Any = ffi.new("pfring_zc_pkt_buff *[]", burst)
        self.count = 0
        self.done = False

    def take(self, n: int, at_least: int) -> int:
        """Up to n buffers (at least at_least: else OSError ENOBUFS); how many."""
        for i in range(n):
            if self.pool is not None:
                h = lib.pfring_zc_get_packet_handle_from_pool(self.pool)
            else:
                h = lib.pfring_zc_get_packet_handle(self.cluster)
            if h == ffi.NULL:
                if i >= at_least:
                    return i
                self.free()
                _raise("no buffer for the queue's handles (its pool or cluster is empty)")
            self.handles[i] = h
            self.count = i + 1
        return n

    def free(self) -> None:
        if self.done:
            return
        self.done = True
        for i in range(self.count):
            if self.pool is not None:
                lib.pfring_zc_release_packet_handle_to_pool(self.pool, self.handles[i])
            else:
                lib.pfring_zc_release_packet_handle(self.cluster, self.handles[i])
        self.count = 0
        if self.attached:
            lib.pfring_zc_ipc_detach_queue(self.queue)
            if self.pool is not None:
                lib.pfring_zc_ipc_detach_buffer_pool(self.pool)


class Queue:
    """A ZC queue: attached from another process's cluster (Queue.attach) or created in
    a Cluster here (Cluster.create_queue). A receiving or sending queue holds burst
    buffer handles of its own (from its pool, or from the cluster) to exchange with the
    queue; close() gives them back and detaches."""

    def __init__(self, handle: Any, *, mode: QueueMode, pool: Any = None,
                 cluster: Cluster | None = None, burst: int = DEFAULT_BURST,
                 at_least: int | None = None) -> None:
        self._q: Any = handle
        self.mode = mode
        self.cluster = cluster
        self.burst = burst
        self.attached = cluster is None
        info = ffi.new("pfring_zc_queue_info *")
        lib.pfring_zc_get_queue_settings(handle, info)
        self.buffer_len = int(info.buffer_len)
        self.queue_id = int(lib.pfring_zc_get_queue_id(handle))
        self._packet = ffi.new("struct pfzc_packet *")
        self._state = _Handles(handle, pool, cluster._handle() if cluster else None,
                               self.attached, burst)
        self._handles = self._state.handles
        self._finalizer = weakref.finalize(self, self._state.free)
        if mode != QueueMode.MANAGEMENT:
            try:
                self.burst = self._state.take(burst, burst if at_least is None else at_least)
            except OSError:
                self._q = None
                raise
        if cluster is not None:
            cluster._states.append(self._state)

    @classmethod
    def attach(cls, cluster_id: int, queue_id: int, mode: QueueMode = QueueMode.RX, *,
               pool_id: int | None = None, burst: int | None = None) -> Queue:
        """Attach side mode of queue queue_id of the live cluster cluster_id. The buffers
        to exchange come from pool pool_id (default: queue_id, the pool of a queue/pool
        pair; pfring_zc_create_queue_pool_pair); MANAGEMENT needs none. burst: how many
        (None: up to 32, fewer if the pool has fewer, as zbalance_ipc's 16 by default)."""
        if burst is not None and burst < 1:
            raise ValueError("burst must be at least 1")
        pool: Any = None
        if mode != QueueMode.MANAGEMENT:
            pid = queue_id if pool_id is None else pool_id
            ffi.errno = 0
            pool = lib.pfring_zc_ipc_attach_buffer_pool(cluster_id, pid)
            if pool == ffi.NULL:
                _raise(f"pfring_zc_ipc_attach_buffer_pool({cluster_id}, {pid})")
        ffi.errno = 0
        handle = lib.pfring_zc_ipc_attach_queue(cluster_id, queue_id, int(mode))
        if handle == ffi.NULL:
            err = ffi.errno
            if pool is not None:
                lib.pfring_zc_ipc_detach_buffer_pool(pool)
            ffi.errno = err
            _raise(f"pfring_zc_ipc_attach_queue({cluster_id}, {queue_id}, {mode.name})")
        # burst None: up to DEFAULT_BURST, as many as the pool gives (zbalance_ipc's are 16)
        return cls(handle, mode=mode, pool=pool, burst=burst or DEFAULT_BURST,
                   at_least=1 if burst is None else None)

    # -- life cycle ------------------------------------------------------------------

    def _handle(self) -> Any:
        if self._q is None or self._state.done:
            raise ValueError("the queue is closed (or its cluster is)")
        return self._q

    def close(self) -> None:
        if self._q is not None:
            self._q = None
            self._finalizer()

    def __enter__(self) -> Queue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- receiving ---------------------------------------------------------------------

    @staticmethod
    def _timeout_ms(timeout: float | None) -> int:
        return -1 if timeout is None else max(0, int(timeout * 1000))

    def _side(self, mode: QueueMode) -> Any:
        """The handle, if this queue is used on side mode (two producers or two consumers
        on one queue would break it; the library does not check it per packet)."""
        if self.mode != mode:
            raise ValueError(f"this is the queue's {self.mode.name} side, not {mode.name}")
        return self._handle()

    def recv(self, timeout: float | None = None) -> ZcPacket | None:
        """The next packet; None if none came within timeout seconds (None: wait until
        one comes or breakloop(), 0: do not wait)."""
        handle = self._side(QueueMode.RX)
        ffi.errno = 0
        rc = lib.pfzc_recv(handle, self._handles, self._timeout_ms(timeout), self._packet)
        if rc < 0:
            _raise("pfring_zc_recv_pkt")
        if rc == 0:
            return None
        p = self._packet
        return ZcPacket(data=bytes(ffi.buffer(p.data, p.len)), length=int(p.len),
                        ts_ns=int(p.ts_ns), hash=int(p.hash), flags=int(p.flags))

    def recv_batch(self, n: int, timeout: float | None = None,
                   width: int | None = None) -> ZcBatch:
        """Up to n packets (at most burst at a time: the rest at the next call) into a
        (count, width) uint8 array, width defaulting to the cluster's buffer_len. Waits up
        to timeout seconds (None: until one comes) for the first, then takes what is
        there."""
        if n < 1:
            raise ValueError("n must be at least 1")
        handle = self._side(QueueMode.RX)
        n = min(n, self.burst)
        width = self.buffer_len if width is None else width
        if width < 1:
            raise ValueError("width must be at least 1")
        rows = np.empty((n, width), dtype=np.uint8)
        lens = np.empty(n, dtype=np.uint32)
        ts = np.empty(n, dtype=np.uint64)
        ffi.errno = 0
        got = int(lib.pfzc_recv_batch(
            handle, self._handles, n, self._timeout_ms(timeout),
            ffi.cast("unsigned char *", ffi.from_buffer(rows)), width,
            ffi.cast("unsigned int *", ffi.from_buffer(lens)),
            ffi.cast("unsigned long long *", ffi.from_buffer(ts))))
        if got < 0:
            _raise("pfring_zc_recv_pkt_burst")
        return ZcBatch(rows[:got], lens[:got], ts[:got])

    def breakloop(self) -> None:
        """Make a recv() waiting for ever return None (from another thread)."""
        lib.pfring_zc_queue_breakloop(self._handle())

    # -- sending -------------------------------------------------------------------------

    def send(self, data: bytes | bytearray | memoryview, *, ts_ns: int = 0, hash: int = 0,
             flush: bool = True) -> bool:
        """Copy data into a buffer and enqueue it. False when the queue is full (the
        queue counts a drop); flush=False may hold it back until flush()."""
        handle = self._side(QueueMode.TX)
        buf = ffi.from_buffer("unsigned char[]", data)
        ffi.errno = 0
        rc = int(lib.pfzc_send(handle, self._handles, buf, len(buf), ts_ns, hash,
                               int(flush)))
        if rc >= 0:
            return True
        if ffi.errno == 11:  # EAGAIN: full
            return False
        _raise(f"pfring_zc_send_pkt ({len(buf)} bytes)")
        return False  # not reached

    def flush(self) -> None:
        """Publish packets sent with flush=False."""
        lib.pfring_zc_sync_queue(self._side(QueueMode.TX), lib.tx_only)

    def stats(self) -> QueueStats:
        out = ffi.new("pfring_zc_stat *")
        ffi.errno = 0
        if lib.pfring_zc_stats(self._handle(), out) < 0:
            _raise("pfring_zc_stats")
        return QueueStats(sent=int(out.sent), recv=int(out.recv), drop=int(out.drop))


class Cluster:
    """A cluster created in this process: num_buffers buffers of buffer_len bytes in
    hugepages (or normal pages with hugepages=False, for development), found by other
    processes by cluster_id while it lives. mountpoint: the hugetlbfs mount to take its
    pages from (their size is the mount's: 2 MB, or 1 GB with pagesize=1G). Every queue
    slot and pool entry holds a buffer, and each local Queue keeps burst: size num_buffers
    for all of them."""

    def __init__(self, cluster_id: int, *, buffer_len: int = DEFAULT_BUFFER_LEN,
                 num_buffers: int = 4096, hugepages: bool = True,
                 mountpoint: str | None = None) -> None:
        flags = 0 if hugepages else lib.PF_RING_ZC_CLUSTER_NO_HUGEPAGES
        mnt = ffi.new("char[]", mountpoint.encode()) if mountpoint else ffi.NULL
        ffi.errno = 0
        handle = lib.pfring_zc_create_cluster(cluster_id, buffer_len, 0, num_buffers, -1, mnt,
                                              flags)
        if handle == ffi.NULL:
            _raise(f"pfring_zc_create_cluster({cluster_id})")
        self._c: Any = handle
        self.cluster_id = cluster_id
        # the local queues' handles go back before the cluster goes, whatever the order
        # in which the garbage collector finds a Cluster and its Queues
        self._states: list[_Handles] = []
        self._finalizer = weakref.finalize(self, _destroy_cluster, handle, self._states)

    def _handle(self) -> Any:
        if self._c is None:
            raise ValueError("the cluster is closed")
        return self._c

    def create_queue(self, queue_len: int, *, pool_len: int = 0, mode: QueueMode = QueueMode.TX,
                     burst: int = DEFAULT_BURST) -> Queue:
        """A queue of queue_len slots, with (pool_len > 0) a pool of the same id for the
        process that attaches it. The returned Queue is this process's side mode (TX: a
        producer here, RX: a consumer here); it takes burst buffers from the cluster to
        exchange with the queue. The other side is for a process that attaches."""
        c = self._handle()
        ffi.errno = 0
        if pool_len > 0:
            q = ffi.new("pfring_zc_queue **")
            p = ffi.new("pfring_zc_buffer_pool **")
            if lib.pfring_zc_create_queue_pool_pair(c, queue_len, pool_len, q, p) < 0:
                _raise("pfring_zc_create_queue_pool_pair")
            handle = q[0]
        else:
            handle = lib.pfring_zc_create_queue(c, queue_len)
            if handle == ffi.NULL:
                _raise("pfring_zc_create_queue")
        return Queue(handle, mode=mode, cluster=self, burst=burst)

    def close(self) -> None:
        """Give the queues' handles back and destroy the cluster (attached processes keep
        their mapping until they detach)."""
        if self._c is not None:
            self._c = None
            self._finalizer()

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _destroy_cluster(handle: Any, states: list[_Handles]) -> None:
    for state in states:
        state.free()
    lib.pfring_zc_destroy_cluster(handle)


def ipc_init(hugepages_mountpoint: str | None) -> None:
    """Where attach looks first for clusters (pfring_zc_ipc_init)."""
    lib.pfring_zc_ipc_init(ffi.new("char[]", hugepages_mountpoint.encode())
                           if hugepages_mountpoint else ffi.NULL)
