# SPDX-License-Identifier: LGPL-2.1-or-later
"""pfring.zc on the host, against a C process through ZC IPC (tests/unit/c/zc_ipc_peer.c,
normal pages): a C producer's N packets received by Python one by one and in numpy
batches, every byte, length and timestamp checked; a Python producer's packets received by
a C consumer; attach errors raise OSError with the library's errno. The binding is
compiled here against the session's install of libpfring_zc."""

from __future__ import annotations

import errno
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from pfring.testing import hugepages

ID_BASE = 200_000 + (os.getpid() % 100_000) * 10
END = b"\xff" * 8


def stamp(k: int) -> tuple[bytes, int]:
    """zc_ipc_peer.c's packet k of a queue: its bytes and its timestamp in ns."""
    length = 60 + k % 200
    body = bytes((7 * k + i) & 0xFF for i in range(8, length))
    return k.to_bytes(8, "little") + body, k * 1_000_000_000 + k % 1_000_000_000


class Producer:
    """zc_ipc_peer producer: creates the cluster, sends n packets to 1 queue, waits."""

    def __init__(self, peer: Path, cluster_id: int, n: int) -> None:
        self.proc = subprocess.Popen(
            [str(peer), "producer", str(cluster_id), "1", "1024", str(n), "block", "nohuge"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self.proc.stdout is not None
        assert self.proc.stdout.readline() == "ready\n"

    def finish(self) -> str:
        out, _ = self.proc.communicate("exit\n", timeout=60)
        assert self.proc.returncode == 0
        return out

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def test_recv_one_by_one(zc: ModuleType, programs: dict[str, Path]) -> None:
    n = 20_000
    cid = ID_BASE + 1
    prod = Producer(programs["zc_ipc_peer"], cid, n)
    try:
        with zc.Queue.attach(cid, 0) as q:
            assert q.buffer_len == 1536
            for k in range(n):
                p = q.recv(timeout=10)
                assert p is not None, f"packet {k} did not come"
                data, ts = stamp(k)
                assert (p.data, p.length, p.ts_ns) == (data, len(data), ts)
            end = q.recv(timeout=10)
            assert end is not None and end.data[:8] == END
            assert q.recv(timeout=0) is None
            assert q.stats().recv == n + 1
        out = prod.finish()
        assert f"q=0 sent={n} " in out
    finally:
        prod.kill()


def test_recv_numpy_batches(zc: ModuleType, programs: dict[str, Path]) -> None:
    n = 20_000
    cid = ID_BASE + 2
    prod = Producer(programs["zc_ipc_peer"], cid, n)
    try:
        got = 0
        with zc.Queue.attach(cid, 0) as q:  # burst 32: the pool has 32 buffers
            while True:
                batch = q.recv_batch(64, timeout=10, width=256)
                assert len(batch) > 0, f"nothing after {got} packets"
                assert batch.data.dtype == np.uint8 and batch.data.shape == (len(batch), 256)
                for i in range(len(batch)):
                    if batch.data[i, :8].tobytes() == END:
                        assert got == n
                        assert i == len(batch) - 1
                        break
                    data, ts = stamp(got)
                    assert int(batch.lengths[i]) == len(data)
                    assert int(batch.ts_ns[i]) == ts
                    assert batch.packet(i) == data[:256]  # up to 259 bytes: cut at width
                    assert not batch.data[i, len(data):].any()  # zeros after the packet
                    got += 1
                else:
                    continue
                break
        assert got == n
        prod.finish()
    finally:
        prod.kill()


@contextmanager
def c_consumer(peer: Path, cid: int, n: int) -> Iterator[None]:
    """A zc_ipc_peer consumer of queue 0 of cluster cid, attached and ready inside the
    block; after it, it must have got stamp(0) .. stamp(n - 1) and the end marker."""
    cons = subprocess.Popen([str(peer), "consumer", str(cid), "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert cons.stdout is not None
        assert cons.stdout.readline() == "ready\n"
        yield
        out, err = cons.communicate(timeout=60)
    finally:
        if cons.poll() is None:
            cons.kill()
            cons.wait()
    assert cons.returncode == 0, err
    assert out.splitlines()[-1] == f"got={n} first=0 last={n - 1} g2=0 gaps=0 bad=0 end=1"


def send_stamps(q: Any, n: int) -> None:
    """stamp(0) .. stamp(n - 1) and the end marker into q, waiting while it is full."""
    for k in [*range(n), -1]:
        data, ts = stamp(k) if k >= 0 else (END + bytes(52), 0)
        t0 = time.monotonic()
        while not q.send(data, ts_ns=ts):
            assert time.monotonic() - t0 < 10, f"queue stayed full at packet {k}"
            time.sleep(0)


def send_to_c_consumer(q: Any, peer: Path, cid: int, n: int) -> None:
    """Queue 0 of cluster cid, whose producer side q is here: a zc_ipc_peer consumer
    attaches it by id and gets every packet; the queue's counters agree."""
    with c_consumer(peer, cid, n):
        send_stamps(q, n)
    stats = q.stats()
    assert (stats.sent, stats.recv) == (n + 1, n + 1)


def test_python_producer_c_consumer(zc: ModuleType, programs: dict[str, Path]) -> None:
    n = 20_000
    cid = ID_BASE + 3
    with zc.Cluster(cid, num_buffers=1024 + 32 + 64, hugepages=False) as cluster:
        q = cluster.create_queue(1024, pool_len=32)
        assert q.queue_id == 0
        send_to_c_consumer(q, programs["zc_ipc_peer"], cid, n)
    # destroyed: no file left, and the id is free again
    assert not Path(f"/dev/shm/pfring_zc_cluster_{cid}").exists()
    with pytest.raises(OSError) as e:
        zc.Queue.attach(cid, 0)
    assert e.value.errno == errno.ENOENT


def test_attach_errors(zc: ModuleType) -> None:
    cid = ID_BASE + 4
    with pytest.raises(OSError) as e:
        zc.Queue.attach(cid, 0)  # no such cluster
    assert e.value.errno == errno.ENOENT
    with zc.Cluster(cid, num_buffers=512, hugepages=False) as cluster:
        cluster.create_queue(64, pool_len=32)
        with pytest.raises(OSError) as e:
            zc.Cluster(cid, num_buffers=512, hugepages=False)  # the id is taken
        assert e.value.errno == errno.EBUSY
        with pytest.raises(OSError) as e:
            zc.Queue.attach(cid, 1)  # queue 1 (and pool 1) were never created
        assert e.value.errno == errno.ENOENT
        with pytest.raises(OSError) as e:
            zc.Queue.attach(cid, 256, zc.QueueMode.MANAGEMENT)
        assert e.value.errno == errno.EINVAL
        with zc.Queue.attach(cid, 0) as rx:
            with pytest.raises(OSError) as e:
                zc.Queue.attach(cid, 0)  # the rx side is held (by this process)
            assert e.value.errno == errno.EBUSY
            with zc.Queue.attach(cid, 0, zc.QueueMode.MANAGEMENT) as m:
                assert m.stats().sent == 0
            assert rx.recv(timeout=0) is None
        with zc.Queue.attach(cid, 0) as again:  # detached: free again
            assert again.recv(timeout=0) is None


def test_attached_producer(zc: ModuleType, programs: dict[str, Path]) -> None:
    """The producer side attached by id (tx_only, with the buffers of another pool) while
    a C consumer has the receiving side of the same queue."""
    n = 5_000
    cid = ID_BASE + 5
    with zc.Cluster(cid, num_buffers=2 * (256 + 32 + 32) + 64, hugepages=False) as cluster:
        cluster.create_queue(256, pool_len=32)  # queue 0 and pool 0: the consumer's
        cluster.create_queue(256, pool_len=32)  # pool 1: the attached producer's buffers
        with c_consumer(programs["zc_ipc_peer"], cid, n), \
                zc.Queue.attach(cid, 0, zc.QueueMode.TX, pool_id=1) as tx:
            with pytest.raises(OSError) as e:
                zc.Queue.attach(cid, 0, zc.QueueMode.TX, pool_id=1)
            assert e.value.errno == errno.EBUSY  # pool 1 is held
            send_stamps(tx, n)


def test_python_consumer_of_its_own_cluster(zc: ModuleType) -> None:
    """Both sides in this process: the creator's queue received here (RX), the producer
    attached by id; a side used the wrong way round raises before the library is called."""
    cid = ID_BASE + 6
    with zc.Cluster(cid, num_buffers=64 + 32 + 2 * 32, hugepages=False) as cluster:
        rx = cluster.create_queue(64, pool_len=32, mode=zc.QueueMode.RX)
        with zc.Queue.attach(cid, 0, zc.QueueMode.TX) as tx:
            for k in range(200):
                data, ts = stamp(k)
                assert tx.send(data, ts_ns=ts, hash=k, flush=k % 10 == 9)
                if k % 10 == 9:
                    for j in range(k - 9, k + 1):
                        p = rx.recv(timeout=1)
                        assert p is not None
                        assert (p.data, p.ts_ns, p.hash) == (stamp(j)[0], stamp(j)[1], j)
            assert rx.recv(timeout=0) is None
            with pytest.raises(ValueError):
                tx.recv(timeout=0)
            with pytest.raises(ValueError):
                rx.send(b"x" * 60)
            with pytest.raises(OSError) as e:
                tx.send(b"x" * 1537)  # beyond buffer_len
            assert e.value.errno == errno.EMSGSIZE
        assert rx.stats() == zc.QueueStats(sent=200, recv=200, drop=0)
    with pytest.raises(ValueError):
        rx.recv(timeout=0)  # its cluster is gone


def test_cluster_on_1g_hugepages(zc: ModuleType, programs: dict[str, Path],
                                 hugepages_1g: Callable[[int], Path]) -> None:
    """A cluster created on a hugetlbfs mount of 1 GB pages: its region is one whole 1 GB
    page, taken while the cluster lives and given back after; a C process finds it by id
    there and gets every packet."""
    mnt = hugepages_1g(2)
    n = 20_000
    cid = ID_BASE + 7
    region = mnt / f"pfring_zc_cluster_{cid}"
    with zc.Cluster(cid, num_buffers=1024 + 32 + 64, mountpoint=str(mnt)) as cluster:
        assert region.stat().st_size == 1 << 30
        assert hugepages.free(hugepages.KB_1G) == 1
        q = cluster.create_queue(1024, pool_len=32)
        send_to_c_consumer(q, programs["zc_ipc_peer"], cid, n)
    assert not region.exists()
    assert hugepages.free(hugepages.KB_1G) == 2
