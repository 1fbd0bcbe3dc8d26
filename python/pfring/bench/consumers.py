# SPDX-License-Identifier: LGPL-2.1-or-later
"""The consumers, run in the guest as processes pinned to one CPU and asked for their
running totals with SIGUSR1 (see bench/consumers/consumer.h).

pfr_consumer, tpv3_consumer and pyconsumer print JSON lines on stdout; tcpdump prints
"N packets captured, N packets received by filter, N packets dropped by kernel" on
stderr (one line on SIGUSR1, three lines at exit).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pfring.build import user_build_dir

CONSUMERS = ("pfring-c", "pfring-py", "tpacket-v3", "tcpdump", "af-xdp")
# pfr_consumer bound to another device than the link's rx end (the plan's other_device):
# it should capture none of the link's frames, and cost the link nothing.
OTHER_DEVICE = "pfring-c-other"
# pfr_consumer bound to the sending end of veth, the module loaded with
# enable_tx_capture=0: frames the device sends are not its business and must cost nothing.
TX_CAPTURE_OFF = "pfring-c-txoff"
# Consumers that must count none of the generator's frames
NOT_ADDRESSED = (OTHER_DEVICE, TX_CAPTURE_OFF)
# The members of a flow-sharing group (a ConsumerGroup), each with its share of the
# device's flows: pfr_consumer rings in one pf_ring cluster, and tpv3_consumer sockets in
# one PACKET_FANOUT_HASH group, its AF_PACKET counterpart.
CLUSTER = "pfring-c-cluster"
# pf_ring C through the aware driver, and with the device in capture-only mode
AWARE = "pfring-c-aware"
CAPTURE_ONLY = "pfring-c-capture-only"
FANOUT = "tpacket-v3-fanout"
# The cluster type of the bench's pf_ring clusters: per flow 5-tuple
# (PF_RING_CLUSTER_PER_FLOW_5_TUPLE in linux/pf_ring.h)
CLUSTER_TYPE = 4
LABELS = {
    "none": "no consumer",
    "pfring-c": "pf_ring, C zero-copy",
    "pfring-py": "pf_ring, Python recv_batch",
    "tpacket-v3": "AF_PACKET TPACKET_V3",
    "tcpdump": "tcpdump (libpcap)",
    "af-xdp": "AF_XDP (copy mode)",
    OTHER_DEVICE: "pf_ring, C, ring on another device",
    TX_CAPTURE_OFF: "pf_ring, C, ring on the sending device, TX capture off",
    CLUSTER: "pf_ring, C, cluster per flow 5-tuple",
    FANOUT: "AF_PACKET TPACKET_V3, PACKET_FANOUT_HASH",
    AWARE: "pf_ring, C, aware driver",
    CAPTURE_ONLY: "pf_ring, C, aware driver, capture only",
}
# The pf_ring consumers' poll watermark: the kernel wakes a sleeping reader once this
# many packets wait (TPACKET_V3 wakes once per block), or 10 ms after a packet came to
# wait below it. 128 is also the module's default (it was 1 before: a wake-up per packet
# on the delivering CPU while the reader keeps up); the bench says it explicitly.
PFRING_WATERMARK = 128


@dataclass(frozen=True)
class Totals:
    """A consumer's running totals; a group's are its members' sums, each member's
    totals kept in parts (in the members' order). filtered and sampled_out: what the
    ring's filters and sampling kept out (a pf_ring ring with filters; 0 for the
    others)."""

    received: int
    drops: int
    parts: tuple[Totals, ...] = ()
    filtered: int = 0
    sampled_out: int = 0

    @property
    def counted(self) -> int:
        """Every frame the consumer accounts for: received, dropped or kept out."""
        return self.received + self.drops + self.filtered + self.sampled_out

    def minus(self, before: Totals) -> Totals:
        return Totals(self.received - before.received, self.drops - before.drops,
                      tuple(p.minus(b) for p, b in zip(self.parts, before.parts,
                                                        strict=True)),
                      self.filtered - before.filtered,
                      self.sampled_out - before.sampled_out)

    @staticmethod
    def of_members(parts: Sequence[Totals]) -> Totals:
        return Totals(sum(p.received for p in parts), sum(p.drops for p in parts),
                      tuple(parts), sum(p.filtered for p in parts),
                      sum(p.sampled_out for p in parts))


def consumer_argv(name: str, device: str, group: int | None = None,
                  options: Sequence[str] = ()) -> list[str]:
    """The command line of consumer name on device; group: the pf_ring cluster id
    (CLUSTER) or the PACKET_FANOUT group id (FANOUT) the consumer joins; options: more
    options of pfr_consumer (pfring-c) or tpv3_consumer (tpacket-v3), such as their
    filters."""
    bench_bin = user_build_dir() / "bench"
    if (group is None) != (name not in (CLUSTER, FANOUT)):
        raise ValueError(f"{name}: a group id is for {CLUSTER} and {FANOUT} only, and "
                         "they need one")
    if options and name not in ("pfring-c", "tpacket-v3"):
        raise ValueError(f"{name}: options are for pfring-c and tpacket-v3 only")
    if name == "pfring-c":
        return [str(bench_bin / "pfr_consumer"), "-w", str(PFRING_WATERMARK), *options,
                device]
    if name in NOT_ADDRESSED:
        return [str(bench_bin / "pfr_consumer"), "-w", str(PFRING_WATERMARK), device]
    if name == CLUSTER:
        return [str(bench_bin / "pfr_consumer"), "-w", str(PFRING_WATERMARK),
                "-c", str(group), "-H", str(CLUSTER_TYPE), device]
    if name == "tpacket-v3":
        return [str(bench_bin / "tpv3_consumer"), *options, device]
    if name == FANOUT:
        return [str(bench_bin / "tpv3_consumer"), "-F", str(group), device]
    if name == "pfring-py":
        return [sys.executable, "-m", "pfring.bench.pyconsumer", device,
                str(PFRING_WATERMARK)]
    if name == "tcpdump":
        return ["tcpdump", "-i", device, "-w", "/dev/null", "-Z", "root"]
    if name == "af-xdp":
        return [str(bench_bin / "xdp_consumer"), device]
    raise ValueError(f"unknown consumer {name!r}")


_TCPDUMP = re.compile(r"(\d+) packets? captured.*?(\d+) packets? dropped by kernel", re.S)


def parse_tcpdump(text: str) -> list[Totals]:
    """Every report tcpdump has printed so far, oldest first."""
    return [Totals(int(m[1]), int(m[2])) for m in _TCPDUMP.finditer(text)]


def parse_json_lines(text: str) -> list[Totals]:
    """Every totals line a bench consumer has printed so far (complete lines only)."""
    out = []
    for line in text.splitlines(keepends=True):
        if line.endswith("\n") and '"received"' in line:
            d = json.loads(line)
            out.append(Totals(int(d["received"]), int(d["drops"]),
                              filtered=int(d.get("filtered", 0)),
                              sampled_out=int(d.get("sampled_out", 0))))
    return out


def parse_filter_events(text: str) -> list[dict[str, int]]:
    """Every {"event": "filters", ...} line pfr_consumer has printed so far: what the
    kernel says the ring holds (rule counts, policy, BPF, hash rule hits and misses)."""
    out = []
    for line in text.splitlines(keepends=True):
        if line.endswith("\n") and '"filters"' in line:
            d = json.loads(line)
            out.append({k: int(v) for k, v in d.items() if k != "event"})
    return out


class Consumer:
    """One consumer process on device, pinned to cpu; its output goes to files in work.
    group: the cluster or fanout group id of a ConsumerGroup's member."""

    def __init__(self, name: str, device: str, cpu: int, work: Path, tag: str = "",
                 group: int | None = None, options: Sequence[str] = ()) -> None:
        self.name = name
        self.device = device
        self.stdout_path = work / f"{name}{tag}.out"
        self.stderr_path = work / f"{name}{tag}.err"
        argv = ["taskset", "-c", str(cpu), *consumer_argv(name, device, group, options)]
        with self.stdout_path.open("w") as out, self.stderr_path.open("w") as err:
            self.proc = subprocess.Popen(argv, stdout=out, stderr=err)

    def _reports(self) -> list[Totals]:
        if self.name == "tcpdump":
            return parse_tcpdump(self.stderr_path.read_text(errors="replace"))
        return parse_json_lines(self.stdout_path.read_text(errors="replace"))

    def _fail(self, what: str) -> RuntimeError:
        err = self.stderr_path.read_text(errors="replace")[-2000:]
        return RuntimeError(f"{self.name}: {what}; rc={self.proc.poll()}; stderr: {err}")

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        marker, path = (("listening on", self.stderr_path) if self.name == "tcpdump"
                        else ('"ready"', self.stdout_path))
        while marker not in path.read_text(errors="replace"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise self._fail("not ready")
            time.sleep(0.05)
        time.sleep(0.2)  # tcpdump says "listening" just before its first read

    def totals(self, timeout: float = 10.0) -> Totals:
        """Ask for the running totals and wait for the answer."""
        seen = len(self._reports())
        self.proc.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + timeout
        while True:
            reports = self._reports()
            if len(reports) > seen:
                return reports[-1]
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise self._fail("no totals")
            time.sleep(0.02)

    def filter_events(self) -> list[dict[str, int]]:
        """What pfr_consumer said of its filters so far (parse_filter_events)."""
        return parse_filter_events(self.stdout_path.read_text(errors="replace"))

    def cpu_seconds(self) -> float:
        """CPU time of the process so far: its on-CPU time from /proc/PID/schedstat
        (nanoseconds), or utime + stime from /proc/PID/stat (clock ticks, 10 ms: too
        coarse for short runs) when the kernel has no schedstat."""
        schedstat = Path(f"/proc/{self.proc.pid}/schedstat")
        if schedstat.is_file():
            return int(schedstat.read_text().split()[0]) / 1e9
        return self.cpu_ticks_seconds()

    def cpu_ticks_seconds(self) -> float:
        """utime + stime of the process so far (/proc/PID/stat fields 14 and 15)."""
        stat = Path(f"/proc/{self.proc.pid}/stat").read_text()
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class ConsumerGroup:
    """Consumer processes that share one traffic (a pf_ring cluster, a fanout group),
    counted as one consumer: its totals are the members' sums. Each member gets the
    flows the group's hash gives it, so what one member should count is unknown; what
    the members count together must be every frame, once.

    Used wherever a Consumer is (the same methods); the members' own totals are in
    totals().parts."""

    def __init__(self, name: str, device: str, members: int, cpus: Sequence[int],
                 work: Path, tag: str, group: int) -> None:
        """members processes of consumer name, joined to group, member i pinned to
        cpus[i % len(cpus)]."""
        if members < 1 or not cpus:
            raise ValueError(f"{name}: a group needs members and CPUs")
        self.name = name
        self.device = device
        self.group = group
        self.members: list[Consumer] = []
        try:
            for i in range(members):
                self.members.append(Consumer(name, device, cpus[i % len(cpus)], work,
                                             f"{tag}-m{i}", group))
        except BaseException:
            self.stop()
            raise

    def __len__(self) -> int:
        return len(self.members)

    def wait_ready(self, timeout: float = 120.0) -> None:
        for member in self.members:
            member.wait_ready(timeout)

    def totals(self, timeout: float = 10.0) -> Totals:
        return Totals.of_members([member.totals(timeout) for member in self.members])

    def cpu_seconds(self) -> float:
        return sum(member.cpu_seconds() for member in self.members)

    def cpu_ticks_seconds(self) -> float:
        return sum(member.cpu_ticks_seconds() for member in self.members)

    def stop(self) -> None:
        for member in self.members:
            member.stop()


# What the bench runs and accounts as one consumer
AnyConsumer = Consumer | ConsumerGroup


class Counted(Protocol):
    """What a run is accounted with (Bench.measure): a consumer, a group, or another
    receiver with running totals (the ingestion scenario's pfcount and zbalance_ipc,
    pfring.bench.ingestion)."""

    name: str
    device: str

    def totals(self, timeout: float = 10.0) -> Totals: ...

    def cpu_seconds(self) -> float: ...

    def cpu_ticks_seconds(self) -> float: ...
