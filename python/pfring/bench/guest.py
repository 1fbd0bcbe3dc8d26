# SPDX-License-Identifier: LGPL-2.1-or-later
"""The bench inside the guest: every scenario in one boot, the raw numbers to a JSON file.

    python -m pfring.bench.guest --out RAW.json [--quick] [--e1000e TX:RX] [--igb TX:RX]
                                 [--only SCENARIO ...]

pktgen (kernel thread 0, CPU 0) sends on one end of a link; the consumer captures on the
other end, pinned to the last CPU. On veth the frames are delivered on the generator's
CPU, so what a consumer's capture path costs there slows the generator down.

Every run is accounted for (pfring.bench.accounting): after pktgen stops, the bench waits
until each consumer has counted (received or dropped) every frame sent, or until its
counters and the rx interface's stood still for SETTLE_QUIET_S; the run's frames are the
difference between that snapshot and the one taken before pktgen started.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pfring.bench import filtering, ingestion
from pfring.bench.accounting import LOSS_FREE, describe, saw_nothing, search_outcome, status
from pfring.bench.consumers import (
    AWARE,
    CAPTURE_ONLY,
    CLUSTER,
    FANOUT,
    NOT_ADDRESSED,
    OTHER_DEVICE,
    TX_CAPTURE_OFF,
    AnyConsumer,
    Consumer,
    ConsumerGroup,
    Counted,
    Totals,
)
from pfring.bench.plan import MULTIQUEUE_LINK, SCENARIOS, Plan, plan_for, select
from pfring.bench.senders import run_senders
from pfring.testing.kmod import ModuleLoader
from pfring.testing.labfile import load_lab, select_links
from pfring.testing.plugin import built_module
from pfring.testing.traffic import Pktgen, interface_counter, interface_mac, wait_for_carrier

VETH = ("bench0", "bench1")
CONSUMER_CPU = (os.cpu_count() or 2) - 1
PKTGEN_CPU = 0  # Pktgen's default thread, kpktgend_0
# A run's counters have settled once they stood still this long: longer than the slowest
# consumer takes to report a frame (tcpdump: libpcap's TPACKET_V3 block is handed over
# when full or after tcpdump's 1 s timeout).
SETTLE_QUIET_S = 1.5
SETTLE_POLL_S = 0.1
SETTLE_TIMEOUT_S = 30.0
RX_COUNTERS = ("rx_packets", "rx_dropped", "rx_missed_errors", "rx_fifo_errors")
TX_COUNTERS = ("tx_packets", "tx_dropped")
# The lab drivers of the links besides veth, and the RX queues the rx end needs.
LAB_LINKS = {"e1000e": ("e1000e", 1), "igb": ("igb", 2)}
LOOPBACK_CONTROL_DATAGRAMS = 20
# The pf_ring cluster id and the PACKET_FANOUT group id of a group of N members: this
# plus N (a new group for every N; the last one's members have all exited by then).
GROUP_ID_BASE = 100
STARTED = time.monotonic()  # the log's clock (the CI budget is in minutes)


def softirq_seconds() -> float:
    """Time all CPUs spent in softirq context (ksoftirqd's included), from /proc/stat.

    The lab kernels sample it at each tick (no CONFIG_IRQ_TIME_ACCOUNTING): over a run of
    seconds that is an estimate within a few ticks. It holds the sending side's softirq
    work too, the same with and without capture, so a ratio of two set-ups' totals
    understates the difference on the receiving side."""
    ticks = 0
    for line in Path("/proc/stat").read_text().splitlines():
        fields = line.split()
        if fields and fields[0].startswith("cpu") and fields[0] != "cpu":
            ticks += int(fields[7])  # user nice system idle iowait irq softirq
    return ticks / os.sysconf("SC_CLK_TCK")


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True)


def proc_snapshot() -> dict[str, str]:
    """/proc/net/pf_ring's files at the end, every ring closed (for a reader who wonders
    what the module still holds)."""
    root = Path("/proc/net/pf_ring")
    out = {}
    for path in sorted(root.rglob("*")) if root.is_dir() else []:
        if path.is_file():
            out[str(path.relative_to(root))] = path.read_text(errors="replace")[:4000]
    return out


def mount_bpffs() -> None:
    """libxdp (the AF_XDP consumer) keeps its XDP dispatcher's state in bpffs."""
    if not os.path.ismount("/sys/fs/bpf"):
        subprocess.run(["mount", "-t", "bpf", "bpf", "/sys/fs/bpf"], check=True)


def quiet(ifname: str) -> None:
    """No IPv6 on the interface: no router solicitation, MLD or DAD frame of its own
    that a consumer would count beside pktgen's (the bench's links carry no IPv4)."""
    knob = Path(f"/proc/sys/net/ipv6/conf/{ifname}/disable_ipv6")
    if knob.is_file():
        knob.write_text("1\n")


def make_veth() -> tuple[str, str]:
    ip("link", "add", VETH[0], "type", "veth", "peer", "name", VETH[1])
    for name in VETH:
        quiet(name)
        ip("link", "set", name, "up")
    return VETH


def lab_link_ends(link: str, override: str | None) -> tuple[str, str]:
    """The tx and rx interfaces of a lab link: TX:RX when given, else the first link of
    the lab file (PFRING_LAB_FILE, which the lab's guest wrapper sets) whose two ends are
    bound to the link's driver and have the RX queues it needs."""
    if override:
        tx, rx = override.split(":")
        return tx, rx
    driver, queues = LAB_LINKS[link]
    path = os.environ.get("PFRING_LAB_FILE")
    if not path:
        raise RuntimeError(f"{link}: no lab file (PFRING_LAB_FILE) and no --{link} TX:RX")
    found = select_links(load_lab(Path(path)), drivers=[driver], min_queues=queues)
    if not found:
        raise RuntimeError(f"{link}: the lab file {path} has no {driver} link with "
                           f"{queues} RX queue(s)")
    return found[0].tx.interface(), found[0].rx.interface()


def _irq_lines(ifname: str) -> list[tuple[str, str]]:
    """(irq number, action name) of every interrupt of ifname: the vectors a driver names
    after the interface ("enp0s14", "enp0s14-rx-0", "enp0s13-TxRx-1", ...)."""
    lines = []
    for line in Path("/proc/interrupts").read_text().splitlines():
        fields = line.split()
        if fields and (fields[-1] == ifname or fields[-1].startswith(f"{ifname}-")):
            lines.append((fields[0].rstrip(":"), fields[-1]))
    return lines


def _pin_irq(irq: str, cpu: int) -> None:
    Path(f"/proc/irq/{irq}/smp_affinity_list").write_text(f"{cpu}\n")


def pin_link_irqs(ends: Sequence[str], cpu: int = PKTGEN_CPU) -> dict[str, int]:
    """Every interrupt of a NIC link's ports on one CPU, pktgen's: the receiving end's
    clean-up then runs where the generator rate is measured (as it does on veth), and on
    the same CPU whichever driver is loaded; {irq name: cpu}.

    Left to the kernel, a module's vectors land where its allocator puts them: in one
    boot (2026-12-04, 6.1) e1000e's RX vector sat on the consumer's CPU, under the in-tree
    module and again after the aware one replaced it, and pktgen ran ahead of the
    guest's clean-up: the receiving NIC counted 40,000 to 48,000 of 50,000 frames, the
    rest lost inside QEMU and counted by nobody. With the vector on pktgen's CPU every
    run delivered all 50,000 and the rates stopped swinging between runs."""
    pinned = {}
    for ifname in ends:
        for irq, name in _irq_lines(ifname):
            _pin_irq(irq, cpu)
            pinned[name] = cpu
    return pinned


def pin_queue_irqs(ifname: str) -> dict[str, int]:
    """Each RX queue's interrupt on its own CPU (queue i on CPU i modulo the CPUs), so
    that several queues deliver into one ring at the same time; {irq name: cpu}."""
    cpus = os.cpu_count() or 1
    pinned = {}
    for irq, name in _irq_lines(ifname):
        found = re.search(r"-(?:TxRx|rx)-(\d+)$", name)
        if found:
            cpu = int(found.group(1)) % cpus
            _pin_irq(irq, cpu)
            pinned[name] = cpu
    return pinned


def rx_queue_packets(ifname: str) -> dict[str, int]:
    """ethtool's per-queue receive counts (rx_queue_N_packets); empty where the driver
    has none."""
    stats = subprocess.run(["ethtool", "-S", ifname], capture_output=True, text=True,
                           check=False).stdout
    return {name: int(n) for name, n in re.findall(r"(rx_queue_\d+_packets): (\d+)", stats)}


def interface_counters(tx: str, rx: str) -> tuple[tuple[str, int], ...]:
    """The rx end's receive and the tx end's transmit counters (sysfs statistics)."""
    return tuple((f"{side}.{name}", interface_counter(ifname, name))
                 for ifname, names, side in ((rx, RX_COUNTERS, "rx"), (tx, TX_COUNTERS, "tx"))
                 for name in names)


@dataclass(frozen=True)
class Snapshot:
    """Every counter a run is accounted with, at one moment."""

    totals: tuple[Totals, ...]                 # each consumer's (or group's) totals
    interfaces: tuple[tuple[str, int], ...]    # interface_counters()

    def delivered_since(self, before: Snapshot) -> int:
        now, then = dict(self.interfaces), dict(before.interfaces)
        return now["rx.rx_packets"] - then["rx.rx_packets"]

    def interfaces_since(self, before: Snapshot) -> dict[str, int]:
        then = dict(before.interfaces)
        return {name: value - then[name] for name, value in self.interfaces}


class Bench:
    """One link: pktgen on tx, consumers on rx; every number appended to self.raw."""

    def __init__(self, plan: Plan, link: str, tx: str, rx: str, work: Path,
                 raw: dict[str, Any], many_sources: bool = False,
                 queue_xmit: bool = False, counts: tuple[int, int] | None = None,
                 queues: bool = False) -> None:
        """many_sources: pktgen's frames from random source addresses (flows);
        counts: frames per timed run and per search step (default: the plan's count
        and search_count); queues: record each RX queue's count of every timed run."""
        self.plan, self.link, self.tx, self.rx, self.work = plan, link, tx, rx, work
        self.raw = raw
        self.many_sources = many_sources
        self.queue_xmit = queue_xmit
        self.queues = queues
        self.count, self.search_count = counts or (plan.count, plan.search_count)
        self.gen = Pktgen(tx)
        self.dst = interface_mac(rx)

    def log(self, text: str) -> None:
        print(f"bench[{self.link}] {time.monotonic() - STARTED:5.0f} s: {text}", flush=True)

    def send(self, count: int, size: int, rate: int = 0) -> tuple[int, float]:
        """count frames at rate pps (0: pktgen's top speed); (sent, achieved pps)."""
        self.gen.configure(count, size, self.dst, rate_pps=rate,
                           many_sources=self.many_sources, queue_xmit=self.queue_xmit)
        r = self.gen.run()
        return r.sent, float(r.pps)

    @staticmethod
    def expected(consumer: Counted, sent: int) -> int:
        """What a consumer should count of a run: every frame, but none for a ring bound
        to another device or to the sending one with TX capture off. A group's members
        together: every frame (what each should count is their hash's business)."""
        return 0 if consumer.name in NOT_ADDRESSED else sent

    def snapshot(self, consumers: Sequence[Counted]) -> Snapshot:
        return Snapshot(tuple(c.totals() for c in consumers),
                        interface_counters(self.tx, self.rx))

    def complete(self, consumers: Sequence[Counted], before: Snapshot, now: Snapshot,
                 sent: int) -> bool:
        """Has everything of the run been counted: every consumer's received + drops (+
        what its filters kept out) is what it should see, and the rx interface counted
        what pktgen sent?"""
        for consumer, was, current in zip(consumers, before.totals, now.totals, strict=True):
            got = current.minus(was)
            if got.counted != self.expected(consumer, sent):
                return False
        return now.delivered_since(before) == sent

    def settle(self, consumers: Sequence[Counted], before: Snapshot,
               sent: int) -> Snapshot:
        """The snapshot once the run is complete, or once nothing moved for
        SETTLE_QUIET_S (frames are missing: the accounting will say so)."""
        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        last = self.snapshot(consumers)
        changed = time.monotonic()
        while not self.complete(consumers, before, last, sent):
            now = time.monotonic()
            if now - changed >= SETTLE_QUIET_S or now > deadline:
                break
            time.sleep(SETTLE_POLL_S)
            current = self.snapshot(consumers)
            if current != last:
                last, changed = current, time.monotonic()
        return last

    def measure(self, consumers: Sequence[Counted], count: int, size: int,
                rate: int = 0, queues: bool = False) -> dict[str, Any]:
        """One run of pktgen, accounted: what was sent, at what rate, what the rx
        interface counted and what each consumer received and dropped, a group's
        members' own counts as its shares (and with queues, what each RX queue
        received: ethtool is slow to start under emulation)."""
        queues0 = rx_queue_packets(self.rx) if queues else {}
        before = self.snapshot(consumers)
        cpu0 = sum(c.cpu_seconds() for c in consumers)
        ticks0 = sum(c.cpu_ticks_seconds() for c in consumers)
        softirq0 = softirq_seconds()
        sent, pps = self.send(count, size, rate)
        after = self.settle(consumers, before, sent)
        record: dict[str, Any] = {
            "sent": sent, "pps": pps, "delivered": after.delivered_since(before),
            "interfaces": after.interfaces_since(before),
            "softirq_s": softirq_seconds() - softirq0,
        }
        if queues:
            record["rx_queues"] = {q: n - queues0.get(q, 0)
                                   for q, n in rx_queue_packets(self.rx).items()}
        if consumers:
            got = [a.minus(b) for a, b in zip(after.totals, before.totals, strict=True)]
            record |= {
                "received": sum(g.received for g in got),
                "drops": sum(g.drops for g in got),
                "filtered": sum(g.filtered for g in got),
                "sampled_out": sum(g.sampled_out for g in got),
                "each": [[g.received, g.drops, g.filtered, g.sampled_out] for g in got],
                "expected_each": [self.expected(c, sent) for c in consumers],
                **({"shares": [[[p.received, p.drops] for p in g.parts] for g in got]}
                   if any(g.parts for g in got) else {}),
                "cpu_s": sum(c.cpu_seconds() for c in consumers) - cpu0,
                "cpu_ticks_s": sum(c.cpu_ticks_seconds() for c in consumers) - ticks0,
            }
        return record

    def rate_reps(self, size: int, consumers: Sequence[AnyConsumer], label: str,
                  rings: int = 0, baseline_for: str = "", into: str = "",
                  extra: dict[str, Any] | None = None) -> list[float]:
        """plan.reps generator runs at full speed with consumers running; one record each,
        appended to raw[into] (default: "scaling" with rings, else "rate"), extra's
        fields added to it.

        A run without consumers is the baseline of the block that follows it
        (baseline_for names it): the host is shared, so the nearest baseline is the
        fairest. A consumer (or a group's members together) that counted none of a
        run's frames fails the block: it was not capturing what the bench measures."""
        out = []
        for rep in range(self.plan.reps):
            record: dict[str, Any] = {"link": self.link, "size": size, "consumer": label,
                                      "rep": rep, **(extra or {})}
            record |= self.measure(consumers, self.count, size, queues=self.queues)
            if saw_nothing(record):
                raise RuntimeError(f"{label} saw none of the frames: {describe(record)}")
            if baseline_for:
                record["baseline_for"] = baseline_for
            if rings:
                record["rings"] = rings
            self.raw[into or ("scaling" if rings else "rate")].append(record)
            out.append(record["pps"])
        members = (extra or {}).get("members")
        case = (extra or {}).get("case")
        self.log(f"{size} B {label}{f' x{rings}' if rings else ''}"
                 f"{f' of {members}' if members else ''}"
                 f"{f' (filtering: {case})' if case else ''}: "
                 f"{', '.join(f'{p:.0f}' for p in out)} pps")
        return out

    def search(self, size: int, consumer: Consumer, top_pps: float) -> None:
        """Raise the rate in steps until a step is not loss-free; one record per
        repetition. A step whose frames do not add up voids its repetition."""
        for rep in range(self.plan.reps):
            steps = []
            for fraction in self.plan.steps:
                rate = int(fraction * top_pps)
                step = {"ratep": rate,
                        **self.measure([consumer], self.search_count, size, rate)}
                step["status"] = status(step)
                steps.append(step)
                if step["status"] != LOSS_FREE:
                    break
            outcome = search_outcome(steps)
            self.raw["search"].append({
                "link": self.link, "size": size, "consumer": consumer.name, "rep": rep,
                "steps": steps, "loss_free_pps": outcome.loss_free_pps,
                "capped": outcome.capped, "void_step": outcome.void_step,
            })
            if outcome.loss_free_pps is None:
                note = f"void: {describe(steps[-1])}"
            else:
                note = f"{outcome.loss_free_pps:.0f} pps" + (
                    " (no loss at the top step)" if outcome.capped else "")
            self.log(f"{size} B {consumer.name} loss-free rep {rep}: {note}")

    def run_size(self, size: int, consumers: tuple[str, ...]) -> None:
        for name in consumers:
            try:
                top = self.rate_reps(size, [], "none", baseline_for=name)
                self.run_consumer(size, name, sorted(top)[len(top) // 2])
            except Exception as e:  # one consumer's failure must not lose the others
                self.error(f"{self.link} {size} B {name}", e)

    def run_labelled(self, size: int, name: str, label: str) -> None:
        """consumer name's generator runs recorded as label, after their own
        no-consumer block (the aware scenario: one consumer, several set-ups)."""
        try:
            self.rate_reps(size, [], "none", baseline_for=label)
            consumer = Consumer(name, self.rx, CONSUMER_CPU, self.work,
                                f"-{self.link}-{size}-{label}")
            try:
                consumer.wait_ready()
                self.rate_reps(size, [consumer], label)
            finally:
                consumer.stop()
        except Exception as e:  # one set-up's failure must not lose the others
            self.error(f"{self.link} {size} B {label}", e)

    def run_consumer(self, size: int, name: str, top_pps: float) -> None:
        consumer = Consumer(name, self.rx, CONSUMER_CPU, self.work, f"-{self.link}-{size}")
        try:
            consumer.wait_ready()
            self.rate_reps(size, [consumer], name)
            if size in self.plan.search_sizes:
                self.search(size, consumer, top_pps)
        finally:
            consumer.stop()

    def run_other_device(self, size: int) -> None:
        """pktgen on this link while a pf_ring C ring is bound to plan.other_device: what
        the capture hook costs traffic no ring asked for. The ring must count none of the
        link's frames, and (lo) must count frames sent over lo after the runs."""
        device = self.plan.other_device
        try:
            self.rate_reps(size, [], "none", baseline_for=OTHER_DEVICE)
            consumer = Consumer(OTHER_DEVICE, device, CONSUMER_CPU, self.work,
                                f"-{self.link}-{size}")
            try:
                consumer.wait_ready()
                self.rate_reps(size, [consumer], OTHER_DEVICE)
                self.raw["other_device"] = {"device": device, **self.control(consumer)}
            finally:
                consumer.stop()
        except Exception as e:
            self.error(f"{self.link} {size} B {OTHER_DEVICE} ({device})", e)

    def run_tx_capture_off(self, size: int) -> None:
        """pktgen through dev_queue_xmit (the taps see its frames) on tx, with and
        without a ring bound to tx, the module loaded with enable_tx_capture=0: the ring
        must count none of what tx sends, and cost it nothing; it must count the frames
        tx receives after the runs (its positive control)."""
        try:
            self.rate_reps(size, [], "none", baseline_for=TX_CAPTURE_OFF)
            consumer = Consumer(TX_CAPTURE_OFF, self.tx, CONSUMER_CPU, self.work,
                                f"-{self.link}-{size}")
            try:
                consumer.wait_ready()
                self.rate_reps(size, [consumer], TX_CAPTURE_OFF)
                self.raw["tx_capture_off"] = {"device": self.tx,
                                              **self.receive_control(consumer)}
            finally:
                consumer.stop()
        except Exception as e:
            self.error(f"{self.link} {size} B {TX_CAPTURE_OFF} ({self.tx})", e)

    def receive_control(self, consumer: Consumer) -> dict[str, int]:
        """The positive control of a ring on the sending end: frames sent from rx to tx
        (which tx receives) must reach it."""
        before = consumer.totals()
        with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as sock:
            sock.bind((self.rx, 0))
            macs = [bytes.fromhex(interface_mac(i).replace(":", "")) for i in (self.tx, self.rx)]
            frame = macs[0] + macs[1] + b"\x88\xb5" + bytes(46)
            for _ in range(LOOPBACK_CONTROL_DATAGRAMS):
                sock.send(frame)
        deadline = time.monotonic() + 5.0
        got = consumer.totals().minus(before)
        while got.received < LOOPBACK_CONTROL_DATAGRAMS and time.monotonic() < deadline:
            time.sleep(0.1)
            got = consumer.totals().minus(before)
        if got.received != LOOPBACK_CONTROL_DATAGRAMS:
            raise RuntimeError(f"the ring on {consumer.device} captured {got.received} of "
                               f"{LOOPBACK_CONTROL_DATAGRAMS} frames it received")
        return {"control_frames": LOOPBACK_CONTROL_DATAGRAMS,
                "control_received": got.received}

    @staticmethod
    def control(consumer: Consumer) -> dict[str, int]:
        """The positive control of a ring on lo: UDP datagrams to 127.0.0.1 must reach
        it (each is a frame on lo, and so is the ICMP error it draws)."""
        if consumer.device != "lo":
            return {}
        before = consumer.totals()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            for _ in range(LOOPBACK_CONTROL_DATAGRAMS):
                sock.sendto(b"bench", ("127.0.0.1", 9))
        deadline = time.monotonic() + 5.0
        got = consumer.totals().minus(before)
        while got.received == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
            got = consumer.totals().minus(before)
        if got.received == 0:
            raise RuntimeError(f"the ring on {consumer.device} captured none of "
                               f"{LOOPBACK_CONTROL_DATAGRAMS} datagrams sent over it")
        return {"control_datagrams": LOOPBACK_CONTROL_DATAGRAMS,
                "control_received": got.received}

    def run_cluster(self, size: int) -> None:
        """Flows from many sources shared by a group of N consumers, for N in
        plan.cluster: a pf_ring cluster (per flow 5-tuple) of N pf_ring C rings against
        a PACKET_FANOUT_HASH group of N TPACKET_V3 sockets, each N's block after its own
        no-consumer block; the first block also measures one plain ring and one plain
        socket (no group): what a cluster of one costs over no cluster. Every member is
        pinned to CONSUMER_CPU (see bench/README.md)."""
        for index, n in enumerate(self.plan.cluster):
            block = f"x{n}"
            try:
                self.rate_reps(size, [], "none", baseline_for=block, into="cluster",
                               extra={"block": block})
            except Exception as e:
                self.error(f"{self.link} {size} B flows: no consumer, block {block}", e)
                continue
            plain = ("pfring-c", "tpacket-v3") if index == 0 else ()
            for name, members in [*((p, 0) for p in plain), (CLUSTER, n), (FANOUT, n)]:
                try:
                    self.flow_block(size, name, members, block)
                except Exception as e:
                    self.error(f"{self.link} {size} B flows: {name}"
                               f"{f' x{members}' if members else ''}", e)

    def flow_block(self, size: int, name: str, members: int, block: str) -> None:
        """plan.reps runs of one consumer (members 0) or one group of members, into
        raw["cluster"]."""
        tag = f"-{self.link}-{size}-flows"
        consumer: AnyConsumer = (
            ConsumerGroup(name, self.rx, members, [CONSUMER_CPU], self.work,
                          f"{tag}-x{members}", GROUP_ID_BASE + members) if members
            else Consumer(name, self.rx, CONSUMER_CPU, self.work, tag))
        try:
            consumer.wait_ready()
            extra: dict[str, Any] = {"block": block}
            if members:
                extra["members"] = members
            self.rate_reps(size, [consumer], name, into="cluster", extra=extra)
        finally:
            consumer.stop()

    def run_filtering(self, size: int) -> None:
        """Each filter case of the plan (pfring.bench.filtering) after its own
        no-consumer block, into raw["filtering"]."""
        for case in filtering.cases(self.plan):
            try:
                self.rate_reps(size, [], "none", baseline_for=case.key, into="filtering",
                               extra={"case": case.key})
                self.filter_block(size, case)
            except Exception as e:
                self.error(f"{self.link} {size} B filtering: {case.key}", e)

    def filter_block(self, size: int, case: filtering.FilterCase) -> None:
        """plan.reps runs of one consumer with one filter; each record also holds what
        the kernel said the ring's filters were when it started and (hash rule hits
        and misses) when it stopped."""
        consumer = Consumer(case.consumer, self.rx, CONSUMER_CPU, self.work,
                            f"-{self.link}-{size}-{case.tag}", options=case.options())
        first = len(self.raw["filtering"])
        try:
            consumer.wait_ready(filtering.READY_TIMEOUT_S)
            events = consumer.filter_events()
            case.check_filters(events[0] if events else None)
            extra: dict[str, Any] = {"case": case.key, "label": case.label()}
            if events:
                extra["filters_at_start"] = events[0]
            self.rate_reps(size, [consumer], case.consumer, into="filtering", extra=extra)
        finally:
            consumer.stop()
        events = consumer.filter_events()
        if len(events) > 1:
            for record in self.raw["filtering"][first:]:
                record["filters_at_end"] = events[-1]

    def run_zc_ingestion(self, size: int) -> None:
        """The no-consumer rate, then at each load of plan.zc_loads (a fraction of it,
        asked of pktgen as its rate limit) a block of pfcount runs and a block of
        zbalance_ipc runs (pfring.bench.ingestion), into raw["zc_ingestion"]; after
        each block, what the receivers printed when they stopped must agree with the
        counters the runs were accounted with."""
        top = self.rate_reps(size, [], "none", baseline_for=ingestion.SCENARIO,
                             into="zc_ingestion")
        top_pps = statistics.median(top)
        for load in self.plan.zc_loads:
            rate = int(load * top_pps)
            for name in ingestion.INGESTERS:
                try:
                    self.ingestion_block(size, name, load, rate)
                except Exception as e:  # one block's failure must not lose the others
                    self.error(f"{self.link} {size} B {name} at load {load}", e)

    def ingestion_block(self, size: int, name: str, load: float, rate: int) -> None:
        receiver = ingestion.start(name, self.rx, CONSUMER_CPU, self.work,
                                   f"-{self.link}-{load}")
        records = []
        try:
            receiver.wait_ready()
            idle = ingestion.idle_cpu(receiver)
            for rep in range(self.plan.reps):
                start = time.monotonic()
                record = {"link": self.link, "size": size, "consumer": name, "rep": rep,
                          "load": load, "ratep": rate,
                          **self.measure([receiver], self.count, size, rate),
                          "seconds": time.monotonic() - start, "idle_cpu_per_s": idle}
                ingestion.with_stages(record)
                record["status"] = status(record)
                if saw_nothing(record):
                    raise RuntimeError(f"{name} saw none of the frames: {describe(record)}")
                self.raw["zc_ingestion"].append(record)
                records.append(record)
        finally:
            problems = receiver.stop()
        self.log(f"{size} B {name} at {load} ({rate} pps asked): "
                 + ", ".join(f"{r['received']}/{r['sent']} at {r['pps']:.0f} pps"
                             for r in records))
        if problems:
            raise RuntimeError("; ".join(problems))

    def run_scaling(self, size: int) -> None:
        self.rate_reps(size, [], "none", baseline_for="rings")
        for n in self.plan.rings:
            rings = [Consumer("pfring-c", self.rx, CONSUMER_CPU, self.work, f"-x{n}-{i}")
                     for i in range(n)]
            try:
                for ring in rings:
                    ring.wait_ready()
                self.rate_reps(size, rings, "pfring-c", rings=n)
            except Exception as e:
                self.error(f"{self.link} scaling x{n}", e)
            finally:
                for ring in rings:
                    ring.stop()

    def error(self, where: str, e: Exception) -> None:
        self.log(f"ERROR {where}: {e}")
        traceback.print_exc()
        self.raw["errors"].append(f"{where}: {e}")

    def close(self) -> None:
        self.gen.close()


def open_link(link: str, overrides: dict[str, str | None],
              pinning: dict[str, dict[str, int]] | None = None) -> tuple[str, str]:
    """The link's two interfaces, up and quiet, with carrier; a NIC link's interrupts on
    pktgen's CPU (pin_link_irqs), recorded in pinning[link]."""
    if link == "veth":
        tx, rx = make_veth()
    else:
        tx, rx = lab_link_ends(link, overrides.get(link))
        for name in (tx, rx):
            quiet(name)
            ip("link", "set", name, "up")
    wait_for_carrier([tx, rx])
    if link != "veth":
        pinned = pin_link_irqs((tx, rx))
        if pinning is not None:
            pinning[link] = pinned
    return tx, rx


def run_link(plan: Plan, link: str, overrides: dict[str, str | None], work: Path,
             raw: dict[str, Any]) -> None:
    """The plan's consumers at every size on one link (and on veth, the other-device
    and scaling scenarios)."""
    tx, rx = open_link(link, overrides, raw["irq_pinning"])
    raw["links"][link] = [tx, rx]
    bench = Bench(plan, link, tx, rx, work, raw)
    try:
        for size in plan.sizes:
            bench.run_size(size, plan.consumers)
        if link == "veth":
            if plan.other_device:
                bench.run_other_device(plan.sizes[0])
            bench.run_scaling(plan.sizes[0])
    finally:
        bench.close()


def veth_ends(raw: dict[str, Any]) -> tuple[str, str]:
    """The bench's veth pair (made when the veth link did not run), with carrier."""
    if not Path(f"/sys/class/net/{VETH[0]}").exists():
        make_veth()
    wait_for_carrier(list(VETH))
    raw["links"].setdefault("veth", list(VETH))
    return VETH


def run_tx_capture_off(plan: Plan, loader: ModuleLoader, work: Path,
                       raw: dict[str, Any]) -> None:
    """The module reloaded with enable_tx_capture=0 for the scenario, then as it was."""
    loader.unload("pf_ring")
    loader.load(built_module("pf_ring"), {"enable_tx_capture": 0})
    try:
        bench = Bench(plan, "veth", *veth_ends(raw), work, raw, queue_xmit=True)
        try:
            bench.run_tx_capture_off(plan.sizes[0])
        finally:
            bench.close()
    finally:
        loader.unload("pf_ring")
        loader.load(built_module("pf_ring"))


def run_cluster(plan: Plan, work: Path, raw: dict[str, Any]) -> None:
    """Flows from many source addresses on veth, shared by the members of a pf_ring
    cluster or of a PACKET_FANOUT_HASH group."""
    bench = Bench(plan, "veth", *veth_ends(raw), work, raw, many_sources=True)
    try:
        bench.run_cluster(plan.sizes[0])
    finally:
        bench.close()


def run_filtering(plan: Plan, work: Path, raw: dict[str, Any]) -> None:
    """pktgen's one flow on veth, captured by rings with filters that let it through
    (pfring.bench.filtering)."""
    bench = Bench(plan, "veth", *veth_ends(raw), work, raw)
    try:
        bench.run_filtering(plan.sizes[0])
    finally:
        bench.close()


def run_multiqueue(plan: Plan, overrides: dict[str, str | None], work: Path,
                   raw: dict[str, Any]) -> None:
    """Flows from many sources over both RX queues of the igb link's rx end (each
    queue's interrupt on its own CPU), into one ring bound to the whole device."""
    tx, rx = open_link(MULTIQUEUE_LINK, overrides)
    raw["links"][MULTIQUEUE_LINK] = [tx, rx]
    raw["irq_pinning"][f"{MULTIQUEUE_LINK} queues"] = pin_queue_irqs(rx)
    bench = Bench(plan, MULTIQUEUE_LINK, tx, rx, work, raw, many_sources=True,
                  counts=(plan.multiqueue_count, plan.multiqueue_search_count),
                  queues=True)
    try:
        bench.run_size(plan.sizes[0], plan.multiqueue)
    finally:
        bench.close()


def load_lab_driver(link: str, overrides: dict[str, str | None], aware: bool) -> None:
    """The link's driver module replaced: our aware one (aware) or the in-tree one; its
    ports come back with the largest RX ring, as the lab set them up."""
    from pfring.lab.guest import largest_rx_ring
    from pfring.testing.aware import swap_module

    driver = LAB_LINKS[link][0]
    swap_module(driver, aware)
    deadline = time.monotonic() + 60
    while True:
        try:
            ends = lab_link_ends(link, overrides.get(link))
            if all(Path(f"/sys/class/net/{name}").exists() for name in ends):
                break
        except (LookupError, RuntimeError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{link}: its ports did not come back under {driver}")
        time.sleep(0.2)
    for name in ends:
        largest_rx_ring(name)


def set_capture_only(ifname: str, on: bool) -> None:
    Path(f"/sys/class/net/{ifname}/pf_ring/capture_only").write_text("1\n" if on else "0\n")


def run_aware(plan: Plan, link: str, overrides: dict[str, str | None], work: Path,
              raw: dict[str, Any]) -> None:
    """Standard mode and TPACKET_V3 with the in-tree driver (unless the links scenario
    measured them), then pf_ring C through the aware driver, without and with capture
    only; the in-tree driver back at the end."""
    if link not in plan.links:
        tx, rx = open_link(link, overrides, raw["irq_pinning"])
        raw["links"][link] = [tx, rx]
        bench = Bench(plan, link, tx, rx, work, raw)
        try:
            for size in plan.sizes:
                for name in ("pfring-c", "tpacket-v3"):
                    bench.run_labelled(size, name, name)
        finally:
            bench.close()
    load_lab_driver(link, overrides, aware=True)
    try:
        pinning: dict[str, dict[str, int]] = {}
        tx, rx = open_link(link, overrides, pinning)
        raw["irq_pinning"][f"{link} aware"] = pinning[link]
        bench = Bench(plan, link, tx, rx, work, raw)
        try:
            for size in plan.sizes:
                bench.run_labelled(size, "pfring-c", AWARE)
                set_capture_only(rx, True)
                try:
                    bench.run_labelled(size, "pfring-c", CAPTURE_ONLY)
                finally:
                    set_capture_only(rx, False)
        finally:
            bench.close()
    finally:
        load_lab_driver(link, overrides, aware=False)
        open_link(link, overrides)


def run_zc_ingestion(plan: Plan, link: str, overrides: dict[str, str | None], work: Path,
                     raw: dict[str, Any]) -> None:
    """zbalance_ipc's one-copy ingestion against pfcount on one link
    (pfring.bench.ingestion), with the hugepages of zbalance_ipc's cluster."""
    from pfring.bench.zc import hugepages_reserved

    if link == "veth":
        tx, rx = veth_ends(raw)
    else:
        tx, rx = open_link(link, overrides, raw["irq_pinning"])
        raw["links"][link] = [tx, rx]
    bench = Bench(plan, link, tx, rx, work, raw, counts=(plan.zc_count, plan.zc_count))
    try:
        with hugepages_reserved(ingestion.HUGEPAGES) as reserved:
            if not reserved:
                raise RuntimeError(f"could not reserve {ingestion.HUGEPAGES} hugepages")
            bench.run_zc_ingestion(ingestion.SIZE)
    finally:
        bench.close()


def run(plan: Plan, overrides: dict[str, str | None], out: Path) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "kernel": platform.release(), "cpu_model": cpu_model(), "cpus": os.cpu_count(),
        "plan": plan.as_dict(), "rate": [], "search": [], "scaling": [], "cluster": [],
        "senders": [], "filtering": [], "zc_ingestion": [], "errors": [], "links": {},
        "irq_pinning": {},
    }
    loader = ModuleLoader()
    loader.load(built_module("pf_ring"))
    mount_bpffs()
    start = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="bench-", dir=out.parent))
    # Each scenario on its own: one that fails is an error in the results, the others run
    scenarios: list[tuple[str, Callable[[], None]]] = [
        (link, functools.partial(run_link, plan, link, overrides, work, raw))
        for link in plan.links
    ]
    if plan.cluster:
        scenarios.append(("cluster", lambda: run_cluster(plan, work, raw)))
    if plan.tx_capture_off:
        scenarios.append(("tx capture off",
                          lambda: run_tx_capture_off(plan, loader, work, raw)))
    if plan.senders:
        scenarios.append(("senders", lambda: raw["senders"].extend(
            run_senders(*veth_ends(raw), plan.count, plan.sizes[0], plan.reps))))
    if plan.multiqueue:
        scenarios.append((MULTIQUEUE_LINK,
                          lambda: run_multiqueue(plan, overrides, work, raw)))
    if plan.filtering:
        scenarios.append(("filtering", lambda: run_filtering(plan, work, raw)))
    for link in plan.aware:
        scenarios.append((f"aware {link}",
                          functools.partial(run_aware, plan, link, overrides, work, raw)))
    for link in plan.zc_ingestion:
        scenarios.append((f"zc-ingestion {link}", functools.partial(
            run_zc_ingestion, plan, link, overrides, work, raw)))
    try:
        for name, scenario in scenarios:
            try:
                scenario()
            except Exception as e:
                raw["errors"].append(f"{name}: {e}")
                traceback.print_exc()
    finally:
        raw["pf_ring_proc"] = proc_snapshot()
        loader.unload("pf_ring")
        raw["seconds"] = time.monotonic() - start
        out.write_text(json.dumps(raw, indent=1) + "\n")
    return raw


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pfring.bench.guest")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--smoke", action="store_true",
                        help="every quick scenario once, few frames (CI)")
    parser.add_argument("--only", action="append", default=[], choices=SCENARIOS,
                        help="run only this scenario (repeat for more; default: all)")
    for link in LAB_LINKS:
        parser.add_argument(f"--{link}", default=None,
                            help="TX:RX interfaces (default: from the lab file)")
    args = parser.parse_args(argv)
    overrides = {link: getattr(args, link) for link in LAB_LINKS}
    raw = run(select(plan_for(args.quick, args.smoke), args.only), overrides, args.out)
    print(f"bench: {len(raw['errors'])} error(s), {raw['seconds']:.0f} s; raw numbers in "
          f"{args.out}", flush=True)
    return 1 if raw["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
