# SPDX-License-Identifier: LGPL-2.1-or-later
"""A cluster from Python: N worker processes, each with its own ring on one cluster id,
and their results gathered.

    def count(ring: Ring, index: int) -> int:
        return sum(1 for _ in frames_until_idle(ring, idle=2.0))

    with Cluster("eth1", 7, ClusterType.PER_FLOW_5_TUPLE, workers=4, work=count) as cl:
        ...                     # every member has joined and is enabled: send traffic
        per_worker = cl.results(timeout=60)

Each worker opens its ring, joins the cluster, enables the ring and says it is ready
before start() (or the with block) returns; then it runs work(ring, index) and sends
back what it returns (which must pickle). Workers are forked, so work may be any
callable. A worker that fails is reported with its exception by results().
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Generic, Protocol, TypeVar

from pfring.packet import Packet
from pfring.ring import DEFAULT_CAPLEN, ClusterType, Ring

__all__ = ["Cluster", "ClusterType", "Flag", "WorkerFailed", "frames_until_idle"]

T = TypeVar("T")


class WorkerFailed(RuntimeError):
    """A worker could not join the cluster or its work raised."""


class Flag(Protocol):
    """What frames_until_idle waits on: a threading or multiprocessing Event, say."""

    def is_set(self) -> bool: ...


def frames_until_idle(ring: Ring, idle: float, poll: float = 0.05, *,
                      after: Flag | None = None) -> Iterator[Packet]:
    """The ring's packets until none came for idle seconds; with after, the idle clock
    starts only once it is set (the sender sets it when all is sent: a slow start of the
    traffic then ends no member's work early)."""
    last = time.monotonic()
    while time.monotonic() - last < idle:
        packet = ring.recv(wait=False)
        if packet is None:
            ring.poll(poll)
            if after is not None and not after.is_set():
                last = time.monotonic()
            continue
        last = time.monotonic()
        yield packet


@dataclass(frozen=True)
class _Spec(Generic[T]):
    device: str
    cluster_id: int
    cluster_type: ClusterType
    work: Callable[[Ring, int], T]
    caplen: int
    promisc: bool


def _worker(spec: _Spec[Any], index: int, conn: Connection) -> None:
    try:
        ring = Ring(spec.device, spec.caplen, promisc=spec.promisc, enable=False)
        ring.set_cluster(spec.cluster_id, spec.cluster_type)
        ring.enable()
        conn.send(("ready", os.getpid()))
        result = spec.work(ring, index)
        ring.close()
        conn.send(("done", result))
    except BaseException as e:  # the parent says which worker failed and how
        conn.send(("error", f"{type(e).__name__}: {e}"))
    finally:
        conn.close()


class Cluster(Generic[T]):
    """workers processes, each a member of cluster cluster_id on device."""

    def __init__(self, device: str, cluster_id: int, cluster_type: ClusterType, workers: int,
                 work: Callable[[Ring, int], T], *, caplen: int = DEFAULT_CAPLEN,
                 promisc: bool = False, ready_timeout: float = 60.0) -> None:
        if workers < 1:
            raise ValueError("a cluster needs at least one worker")
        self._spec = _Spec(device, cluster_id, cluster_type, work, caplen, promisc)
        self.workers = workers
        self.ready_timeout = ready_timeout
        self._ctx = multiprocessing.get_context("fork")
        self._procs: list[Any] = []
        self._conns: list[Connection] = []
        self.pids: list[int] = []

    def start(self) -> None:
        """Fork the workers and wait until each has joined and enabled its ring."""
        for index in range(self.workers):
            parent, child = self._ctx.Pipe(duplex=False)
            proc = self._ctx.Process(target=_worker, args=(self._spec, index, child),
                                     name=f"pfring-cluster-{index}", daemon=True)
            proc.start()
            child.close()
            self._procs.append(proc)
            self._conns.append(parent)
        for index, conn in enumerate(self._conns):
            if not conn.poll(self.ready_timeout):
                self.stop()
                raise WorkerFailed(f"worker {index} was not ready after "
                                   f"{self.ready_timeout} s")
            kind, value = conn.recv()
            if kind != "ready":
                self.stop()
                raise WorkerFailed(f"worker {index}: {value}")
            self.pids.append(int(value))

    def kill(self, index: int) -> None:
        """SIGKILL one worker (its ring leaves the cluster as the process dies)."""
        os.kill(self.pids[index], signal.SIGKILL)
        self._procs[index].join(timeout=30)

    def results(self, timeout: float, *, skip_killed: bool = True) -> list[T | None]:
        """Each worker's result, in worker order (None for a worker that was killed)."""
        out: list[T | None] = []
        deadline = time.monotonic() + timeout
        for index, (proc, conn) in enumerate(zip(self._procs, self._conns, strict=True)):
            if skip_killed and proc.exitcode == -signal.SIGKILL:
                out.append(None)
                continue
            if not conn.poll(max(0.0, deadline - time.monotonic())):
                self.stop()
                raise WorkerFailed(f"worker {index} gave no result within {timeout} s")
            try:
                kind, value = conn.recv()
            except EOFError:
                raise WorkerFailed(f"worker {index} died (exit code {proc.exitcode})") from None
            if kind != "done":
                raise WorkerFailed(f"worker {index}: {value}")
            out.append(value)
            proc.join(timeout=30)
        return out

    def stop(self) -> None:
        for proc in self._procs:
            if proc.is_alive():
                proc.kill()
            proc.join(timeout=30)
        for conn in self._conns:
            conn.close()

    def __enter__(self) -> Cluster[T]:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
