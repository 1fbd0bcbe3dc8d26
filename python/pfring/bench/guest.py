# SPDX-License-Identifier: LGPL-2.1-or-later
"""The bench inside the guest: every scenario in one boot, the raw numbers to a JSON file.

    python -m pfring.bench.guest --out RAW.json [--quick] [--veth A:B] [--e1000e A:B]

pktgen (kernel thread 0, CPU 0) sends on one end of a link; the consumer captures on the
other end, pinned to the last CPU. On veth the frames are delivered on the generator's
CPU, so what a consumer's capture path costs there slows the generator down.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from pfring.bench.consumers import Consumer
from pfring.bench.plan import Plan, plan_for
from pfring.testing.kmod import ModuleLoader
from pfring.testing.plugin import built_module
from pfring.testing.traffic import Pktgen, interface_mac, wait_for_carrier

VETH = ("bench0", "bench1")
CONSUMER_CPU = (os.cpu_count() or 2) - 1


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


def make_veth() -> tuple[str, str]:
    ip("link", "add", VETH[0], "type", "veth", "peer", "name", VETH[1])
    for name in VETH:
        ip("link", "set", name, "up")
    return VETH


class Bench:
    """One link: pktgen on tx, consumers on rx; every number appended to self.raw."""

    def __init__(self, plan: Plan, link: str, tx: str, rx: str, work: Path,
                 raw: dict[str, Any]) -> None:
        self.plan, self.link, self.tx, self.rx, self.work = plan, link, tx, rx, work
        self.raw = raw
        self.gen = Pktgen(tx)
        self.dst = interface_mac(rx)

    def log(self, text: str) -> None:
        print(f"bench[{self.link}]: {text}", flush=True)

    def send(self, count: int, size: int, rate: int = 0) -> tuple[int, float]:
        """count frames at rate pps (0: pktgen's top speed); (sent, achieved pps)."""
        self.gen.configure(count, size, self.dst, rate_pps=rate)
        r = self.gen.run()
        return r.sent, float(r.pps)

    def rate_reps(self, size: int, consumers: list[Consumer], label: str, rings: int = 0,
                  baseline_for: str = "") -> list[float]:
        """plan.reps generator runs at full speed with consumers running; one record each.

        A run without consumers is the baseline of the block that follows it
        (baseline_for names it): the host is shared, so the nearest baseline is the
        fairest."""
        out = []
        for rep in range(self.plan.reps):
            before = [c.totals() for c in consumers]
            cpu0 = [c.cpu_seconds() for c in consumers]
            ticks0 = [c.cpu_ticks_seconds() for c in consumers]
            sent, pps = self.send(self.plan.count, size)
            record: dict[str, Any] = {"link": self.link, "size": size, "consumer": label,
                                      "rep": rep, "sent": sent, "pps": pps}
            if baseline_for:
                record["baseline_for"] = baseline_for
            if consumers:
                after = [c.settled(b, sent) for c, b in zip(consumers, before, strict=True)]
                cpu = sum(c.cpu_seconds() for c in consumers) - sum(cpu0)
                ticks = sum(c.cpu_ticks_seconds() for c in consumers) - sum(ticks0)
                got = [a.minus(b) for a, b in zip(after, before, strict=True)]
                record |= {"received": sum(g.received for g in got),
                           "drops": sum(g.drops for g in got), "cpu_s": cpu,
                           "cpu_ticks_s": ticks}
            if rings:
                record["rings"] = rings
                self.raw["scaling"].append(record)
            else:
                self.raw["rate"].append(record)
            out.append(pps)
        self.log(f"{size} B {label}{f' x{rings}' if rings else ''}: "
                 f"{', '.join(f'{p:.0f}' for p in out)} pps")
        return out

    def search(self, size: int, consumer: Consumer, top_pps: float) -> None:
        """Raise the rate in steps until the consumer drops; one record per repetition."""
        for rep in range(self.plan.reps):
            steps = []
            clean = 0.0
            for fraction in self.plan.steps:
                rate = int(fraction * top_pps)
                before = consumer.totals()
                sent, pps = self.send(self.plan.search_count, size, rate)
                got = consumer.settled(before, sent).minus(before)
                lost = got.drops > 0  # the consumer's own count, as users see it
                steps.append({"ratep": rate, "sent": sent, "pps": pps,
                              "received": got.received, "drops": got.drops, "lost": lost})
                if lost:
                    break
                clean = max(clean, pps)
            self.raw["search"].append({
                "link": self.link, "size": size, "consumer": consumer.name, "rep": rep,
                "steps": steps, "loss_free_pps": clean,
                "capped": not steps[-1]["lost"],
            })
            self.log(f"{size} B {consumer.name} loss-free rep {rep}: {clean:.0f} pps"
                     f"{' (no loss at the top step)' if not steps[-1]['lost'] else ''}")

    def run_size(self, size: int) -> None:
        for name in self.plan.consumers:
            try:
                top = self.rate_reps(size, [], "none", baseline_for=name)
                self.run_consumer(size, name, sorted(top)[len(top) // 2])
            except Exception as e:  # one consumer's failure must not lose the others
                self.error(f"{self.link} {size} B {name}", e)

    def run_consumer(self, size: int, name: str, top_pps: float) -> None:
        consumer = Consumer(name, self.rx, CONSUMER_CPU, self.work, f"-{self.link}-{size}")
        try:
            consumer.wait_ready()
            self.rate_reps(size, [consumer], name)
            if size in self.plan.search_sizes:
                self.search(size, consumer, top_pps)
        finally:
            consumer.stop()

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


def run(plan: Plan, links: dict[str, tuple[str, str]], out: Path) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "kernel": platform.release(), "cpu_model": cpu_model(), "cpus": os.cpu_count(),
        "plan": plan.as_dict(), "rate": [], "search": [], "scaling": [], "errors": [],
    }
    loader = ModuleLoader()
    loader.load(built_module("pf_ring"))
    mount_bpffs()
    start = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="bench-", dir=out.parent))
    try:
        for link in plan.links:
            tx, rx = make_veth() if link == "veth" else links[link]
            if link != "veth":
                for name in (tx, rx):
                    ip("link", "set", name, "up")
            wait_for_carrier([tx, rx])
            bench = Bench(plan, link, tx, rx, work, raw)
            try:
                for size in plan.sizes:
                    bench.run_size(size)
                if link == "veth":
                    bench.run_scaling(plan.sizes[0])
            finally:
                bench.close()
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
    parser.add_argument("--e1000e", default="enp0s12:enp0s14", help="TX:RX interfaces")
    args = parser.parse_args(argv)
    tx, rx = args.e1000e.split(":")
    raw = run(plan_for(args.quick), {"e1000e": (tx, rx)}, args.out)
    print(f"bench: {len(raw['errors'])} error(s), {raw['seconds']:.0f} s; raw numbers in "
          f"{args.out}", flush=True)
    return 1 if raw["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
