# SPDX-License-Identifier: LGPL-2.1-or-later
"""One-copy ingestion (issue 12): zbalance_ipc reading a device through pf_ring.ko into
one ZC queue that one zcount_ipc empties, against pfcount (pf_ring's standard mode, the C
consumer) on the same device, in the same boot, at the same offered loads.

The loads are fractions of the same boot's no-consumer rate (plan.zc_loads), each asked
of pktgen with its rate limit (ratep), so that both receivers are offered the same
frames at the same pace: at pktgen's top speed the generator shares the guest's CPUs with
the receivers, and the two sides would not be offered the same load. At each load, a
pfcount block (plan.reps runs) and then a zbalance_ipc block, each receiver started for
its block and stopped after it; both pinned to the consumer CPU (zbalance_ipc's worker
with -g, zcount_ipc with -g, both processes with taskset), pktgen and the link's
interrupts on the other one.

Every run is accounted (pfring.bench.accounting):
  pfcount        received (what it read of its ring) + the ring's drops = sent; read from
                 its ring's /proc/net/pf_ring file during the block (Tot Packets less the
                 unread slots, Tot Pkt Lost), and checked at the end of the block against
                 what pfcount itself prints when it stops
  zbalance_ipc   the device's received + dropped (its ring) = sent, received = what went
                 into the queue + what the full queue refused, what zcount_ipc took = what
                 went into the queue (the run's "stages"); the balancer's counters from
                 its -p line (printed each second), the queue's through a management
                 attachment (pfring.zc), both checked at the end of the block against
                 what zbalance_ipc and zcount_ipc print when they stop
and, for both, the rx interface's rx_packets difference ("delivered") says whether the
frames reached the driver at all.
"""

from __future__ import annotations

import os
import re
import signal
import statistics
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pfring.bench import accounting as acc
from pfring.bench.consumers import Totals
from pfring.bench.stats import ratio, summarize
from pfring.build import user_build_dir

SCENARIO = "zc-ingestion"
PFCOUNT = "pfcount"
ZBALANCE = "zbalance-ipc"
INGESTERS = (PFCOUNT, ZBALANCE)
LABELS = {PFCOUNT: "pfcount (pf_ring standard mode, C)",
          ZBALANCE: "zbalance_ipc one-copy, 1 queue, zcount_ipc"}
SIZE = 60
CLUSTER_ID = 61
HUGEPAGES = 64  # 2 MB pages for zbalance_ipc's cluster (as tests/lab/test_zc_balance.py)
# Two loads' achieved rates differ by at most this share: the same offered load
EQUAL_LOAD = 0.05

_NUM = r"[\d',.]+"
BALANCER = re.compile(r"^(zbalance_ipc|zfanout_ipc)( totals)?: in (\d+) packets, (\d+) dropped "
                      r"by the devices; out((?: q\d+ \d+ \(\d+ dropped\))+)"
                      r"(?:; filtered (\d+))?$", re.M)  # filtered: with -x, -f or -m 7
_OUT = re.compile(r" q(\d+) (\d+) \((\d+) dropped\)")
CONSUMER_TOTALS = re.compile(r"^(?:zcount_ipc|zc_pyconsumer) totals: (\d+) packets (\d+) bytes$",
                             re.M)
PFCOUNT_STATS = re.compile(rf"^Absolute Stats: \[({_NUM}) pkts rcvd\]\[({_NUM}) pkts dropped\]",
                           re.M)
PFCOUNT_TOTAL = re.compile(rf"^({_NUM}) pkts - ", re.M)


# ---- the tools' output ------------------------------------------------------------------


@dataclass(frozen=True)
class BalancerTotals:
    """zbalance_ipc's counters: what it read from its devices and their rings dropped,
    and per consumer queue what went in and what the full queue refused."""

    recv: int
    dev_drops: int
    sent: tuple[int, ...]
    drops: tuple[int, ...]
    final: bool = False  # the "totals" line printed at exit
    filtered: int = 0  # refused by its filters (-x, -f) or -m 7; 0 when not shown


def parse_balancer(text: str) -> list[BalancerTotals]:
    """Every line of absolute counters (zbalance_ipc -p, and its totals at exit) printed
    so far, oldest first; rate lines and partial lines are left out."""
    out = []
    for m in BALANCER.finditer(text):
        if not text[m.end():].startswith("\n"):
            continue
        queues = _OUT.findall(m[5])
        if [int(q) for q, _, _ in queues] != list(range(len(queues))):
            raise ValueError(f"queues out of order: {m[0]!r}")
        out.append(BalancerTotals(int(m[3]), int(m[4]), tuple(int(s) for _, s, _ in queues),
                                  tuple(int(d) for _, _, d in queues), bool(m[2]),
                                  int(m[6] or 0)))
    return out


def parse_consumer_totals(text: str) -> tuple[int, int] | None:
    """(packets, bytes) of zcount_ipc's (or zc_pyconsumer's) totals line at exit."""
    found = CONSUMER_TOTALS.findall(text)
    return (int(found[-1][0]), int(found[-1][1])) if found else None


def _number(text: str) -> int:
    return int(re.sub(r"[',.]", "", text))


def parse_pfcount(text: str) -> tuple[int, int, int] | None:
    """pfcount's last report (stderr): (packets it counted, the ring's received, the
    ring's dropped); None before its first."""
    stats, total = PFCOUNT_STATS.findall(text), PFCOUNT_TOTAL.findall(text)
    if not stats or not total:
        return None
    return _number(total[-1]), _number(stats[-1][0]), _number(stats[-1][1])


def proc_fields(text: str) -> dict[str, str]:
    """A /proc/net/pf_ring ring file's "Name : value" lines."""
    out = {}
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        if sep:
            out[name.strip()] = value.strip()
    return out


def ring_file(pid: int) -> Path:
    """Process pid's one ring's /proc/net/pf_ring file (RuntimeError: none or several)."""
    found = [p for p in Path("/proc/net/pf_ring").iterdir() if p.name.startswith(f"{pid}-")]
    if len(found) != 1:
        raise RuntimeError(f"process {pid}: ring files {found}")
    return found[0]


def pid_ring_totals(pid: int) -> Totals:
    """What process pid's one ring's reader has read and what the ring lost (its /proc
    file, ring_totals())."""
    return ring_totals(proc_fields(ring_file(pid).read_text()))


def ring_totals(fields: dict[str, str]) -> Totals:
    """A ring's reader's totals from its /proc file: received = what the reader has
    read (Tot Packets less the unread slots), drops = Tot Pkt Lost."""
    unread = int(fields["Num Slots"]) - int(fields["Free Slots"])
    return Totals(int(fields["Tot Packets"]) - unread, int(fields["Tot Pkt Lost"]))


def balancer_totals(bal: BalancerTotals, taken: int) -> Totals:
    """zbalance_ipc and its one consumer as one receiver: received = what zcount_ipc
    took, drops = the device ring's + the queue's; the stages as parts (device, queue,
    consumer) so that Bench.measure's record keeps them (as "shares")."""
    return Totals(taken, bal.dev_drops + bal.drops[0],
                  (Totals(bal.recv, bal.dev_drops), Totals(bal.sent[0], bal.drops[0]),
                   Totals(taken, 0)))


def with_stages(record: dict[str, Any]) -> dict[str, Any]:
    """A zbalance_ipc run's record with its stages (accounting.stage_problems) named in
    place of the group shares Bench.measure recorded them as."""
    shares = record.pop("shares", None)
    if shares:
        (dev, queue, consumer), = shares
        record["stages"] = {"device": dev, "queue": queue, "consumer": consumer[0]}
    return record


# ---- the receivers, in the guest --------------------------------------------------------


def _started(argv: list[str], out: Path, err: Path) -> subprocess.Popen[bytes]:
    with out.open("w") as o, err.open("w") as e:
        return subprocess.Popen(argv, stdout=o, stderr=e)


def _stopped(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> int:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def _cpu(pid: int) -> tuple[float, float]:
    """(on-CPU seconds from schedstat, utime + stime seconds) of a process so far."""
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
    schedstat = Path(f"/proc/{pid}/schedstat")
    return (int(schedstat.read_text().split()[0]) / 1e9 if schedstat.is_file() else ticks,
            ticks)


def _wait_for(what: str, path: Path, procs: Sequence[subprocess.Popen[bytes]],
              timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while what not in path.read_text(errors="replace"):
        if any(p.poll() is not None for p in procs) or time.monotonic() > deadline:
            raise RuntimeError(f"{path.name}: no {what!r}: "
                               f"{path.read_text(errors='replace')[-1000:]} rc="
                               f"{[p.poll() for p in procs]}")
        time.sleep(0.05)


class Pfcount:
    """pfcount on device, pinned to cpu, for a block of runs; its totals from its ring's
    /proc file."""

    name = PFCOUNT

    def __init__(self, device: str, cpu: int, work: Path, tag: str) -> None:
        self.device = device
        self.out, self.err = work / f"pfcount{tag}.out", work / f"pfcount{tag}.err"
        self.proc = _started(["taskset", "-c", str(cpu),
                              str(user_build_dir() / "bin/pfcount"), "-i", device],
                             self.out, self.err)
        self.final: tuple[int, int, int] | None = None

    def wait_ready(self) -> None:
        _wait_for("Capturing from", self.err, [self.proc])

    def totals(self, timeout: float = 10.0) -> Totals:
        return pid_ring_totals(self.proc.pid)

    def cpu_seconds(self) -> float:
        return _cpu(self.proc.pid)[0]

    def cpu_ticks_seconds(self) -> float:
        return _cpu(self.proc.pid)[1]

    def stop(self) -> list[str]:
        """SIGINT; what disagrees between its last totals and what it printed."""
        last = self.totals()
        rc = _stopped(self.proc, signal.SIGINT)
        self.final = parse_pfcount(self.err.read_text(errors="replace"))
        if rc != 0 or self.final is None:
            return [f"pfcount exited {rc} with no totals"]
        counted, _, dropped = self.final
        if (counted, dropped) != (last.received, last.drops):
            return [f"pfcount printed {counted} packets, {dropped} dropped; its ring "
                    f"said {last.received} read, {last.drops} lost"]
        return []


class Balancer:
    """zbalance_ipc -m 0 on device into one queue of cluster CLUSTER_ID, one zcount_ipc
    on it, both pinned to cpu; a management attachment to the queue."""

    name = ZBALANCE

    def __init__(self, device: str, cpu: int, work: Path, tag: str) -> None:
        bin_dir = user_build_dir() / "bin"
        self.device = device
        self.cpu = cpu
        self.b_out, self.b_err = work / f"zbalance{tag}.out", work / f"zbalance{tag}.err"
        self.c_out, self.c_err = work / f"zcount{tag}.out", work / f"zcount{tag}.err"
        self.balancer = _started(
            ["taskset", "-c", str(cpu), str(bin_dir / "zbalance_ipc"), "-i", device, "-c",
             str(CLUSTER_ID), "-n", "1", "-m", "0", "-g", str(cpu), "-p"],
            self.b_out, self.b_err)
        self.consumer: subprocess.Popen[bytes] | None = None
        self.watch: Any = None
        self.zbalance_final: BalancerTotals | None = None
        self.zcount_final: int | None = None

    def wait_ready(self) -> None:
        from pfring.zc import Queue, QueueMode

        _wait_for("running", self.b_out, [self.balancer])
        self.consumer = _started(
            ["taskset", "-c", str(self.cpu), str(user_build_dir() / "bin/zcount_ipc"),
             "-c", str(CLUSTER_ID), "-i", "0", "-g", str(self.cpu)], self.c_out, self.c_err)
        _wait_for("attached", self.c_out, [self.balancer, self.consumer])
        self.watch = Queue.attach(CLUSTER_ID, 0, QueueMode.MANAGEMENT)

    def totals(self, timeout: float = 10.0) -> Totals:
        """The balancer's counters from a line it printed after the call (it prints one
        a second), with what the consumer took from the queue read right after; a line
        whose device count is not what went through the queue (the queue's own live
        counters) was printed while frames moved: the next one is awaited, for up to
        timeout seconds (then the last is taken: the accounting will say so)."""
        seen = len(parse_balancer(self.b_out.read_text(errors="replace")))
        deadline = time.monotonic() + timeout
        while True:
            lines = parse_balancer(self.b_out.read_text(errors="replace"))
            if len(lines) > seen:
                stats = self.watch.stats()
                found = balancer_totals(lines[-1], int(stats.recv))
                if lines[-1].recv == stats.sent + stats.drop or time.monotonic() > deadline:
                    return found
                seen = len(lines)
            elif self.balancer.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"zbalance_ipc printed no counters in {timeout} s "
                                   f"(rc {self.balancer.poll()})")
            time.sleep(0.05)

    def _pids(self) -> list[int]:
        return [p.pid for p in (self.balancer, self.consumer) if p is not None]

    def cpu_seconds(self) -> float:
        return sum(_cpu(pid)[0] for pid in self._pids())

    def cpu_ticks_seconds(self) -> float:
        return sum(_cpu(pid)[1] for pid in self._pids())

    def stop(self) -> list[str]:
        """The consumer, then the balancer, by SIGTERM; what disagrees between the last
        totals and what they printed."""
        last = self.totals() if self.watch is not None else None
        if self.watch is not None:
            self.watch.close()
            self.watch = None
        problems = []
        if self.consumer is not None:
            rc = _stopped(self.consumer)
            got = parse_consumer_totals(self.c_out.read_text(errors="replace"))
            self.zcount_final = got[0] if got else None
            if rc != 0 or got is None:
                problems.append(f"zcount_ipc exited {rc} with no totals")
        rc = _stopped(self.balancer)
        finals = [t for t in parse_balancer(self.b_out.read_text(errors="replace")) if t.final]
        self.zbalance_final = finals[-1] if finals else None
        if rc != 0 or self.zbalance_final is None:
            problems.append(f"zbalance_ipc exited {rc} with no totals")
        elif last is not None:
            now = balancer_totals(self.zbalance_final, self.zcount_final or 0)
            if now != last:
                problems.append(f"zbalance_ipc/zcount_ipc printed {now} at exit; the last "
                                f"counters read were {last}")
        return problems


IDLE_S = 2.0


def idle_cpu(receiver: Pfcount | Balancer, seconds: float = IDLE_S) -> float:
    """CPU seconds per second the receiver's processes use with no traffic (zcount_ipc
    and the balancer's worker poll their queue and device; pfcount sleeps in poll())."""
    cpu0, t0 = receiver.cpu_seconds(), time.monotonic()
    time.sleep(seconds)
    return (receiver.cpu_seconds() - cpu0) / (time.monotonic() - t0)


def start(name: str, device: str, cpu: int, work: Path, tag: str) -> Pfcount | Balancer:
    return Pfcount(device, cpu, work, tag) if name == PFCOUNT else Balancer(device, cpu,
                                                                              work, tag)


# ---- the summary ------------------------------------------------------------------------


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def side(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One receiver at one load: the sums of its runs' frames, the medians of its share
    received, achieved rate and CPU per packet."""
    if not runs:
        return {}
    spread = summarize([r["received"] / r["sent"] for r in runs if r["sent"]])
    cpu = summarize([(r["cpu_s"] + r["softirq_s"]) / r["received"] * 1e6
                     for r in runs if r.get("received")])
    # less what the receiver's processes burn idle over the run's time (polling)
    busy = summarize([(max(r["cpu_s"] - r["idle_cpu_per_s"] * r["seconds"], 0.0)
                       + r["softirq_s"]) / r["received"] * 1e6
                      for r in runs if r.get("received") and "idle_cpu_per_s" in r])
    return {
        "runs": len(runs),
        "sent": sum(r["sent"] for r in runs),
        "delivered": sum(r.get("delivered") or 0 for r in runs),
        "received": sum(r["received"] for r in runs),
        "drops": sum(r["drops"] for r in runs),
        "received_share": spread.as_dict() if spread else None,
        "pps": _median([float(r["pps"]) for r in runs]),
        "cpu_softirq_us_per_packet": cpu.as_dict() if cpu else None,
        "busy_cpu_softirq_us_per_packet": busy.as_dict() if busy else None,
        "loss_free_runs": sum(acc.status(r) == acc.LOSS_FREE for r in runs),
        "runs_accounted": {"good": acc.tally_runs(runs).good, "total": len(runs)},
    }


def _share(s: dict[str, Any]) -> float | None:
    value = s.get("received_share")
    return float(value["median"]) if value else None


def rows(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per link and load: both receivers side by side, the ratio of their
    shares received (zbalance_ipc / pfcount) and of their CPU per packet, and whether
    pktgen achieved the same rate for both (equal_load)."""
    records = raw.get("zc_ingestion") or []
    out = []
    for link, load in dict.fromkeys((r["link"], r["load"]) for r in records
                                    if r["consumer"] != "none"):
        runs = [r for r in records if r["link"] == link and r.get("load") == load]
        base = [r["pps"] for r in records if r["link"] == link and r["consumer"] == "none"]
        pf = side([r for r in runs if r["consumer"] == PFCOUNT])
        zc = side([r for r in runs if r["consumer"] == ZBALANCE])
        rates = [s["pps"] for s in (pf, zc) if s.get("pps")]
        cpu = [(s.get("cpu_softirq_us_per_packet") or {}).get("median") for s in (zc, pf)]
        busy = [(s.get("busy_cpu_softirq_us_per_packet") or {}).get("median")
                for s in (zc, pf)]
        out.append({
            "link": link, "size": runs[0]["size"], "load": load, "ratep": runs[0]["ratep"],
            "baseline_pps": _median(base), PFCOUNT: pf, ZBALANCE: zc,
            "received_ratio": ratio(_share(zc), _share(pf)),
            "cpu_ratio": ratio(cpu[0], cpu[1]),
            "busy_cpu_ratio": ratio(busy[0], busy[1]),
            "equal_load": (len(rates) == 2 and abs(rates[0] - rates[1])
                           <= EQUAL_LOAD * max(rates)),
        })
    return out


def loss_free(table: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per link and receiver: the highest load of the ladder at which it, and it at
    every lower load, lost nothing in any run (None: it lost frames at the lowest), and
    whether that was the ladder's top (a lower bound)."""
    out = []
    for link in dict.fromkeys(r["link"] for r in table):
        ladder = sorted((r for r in table if r["link"] == link), key=lambda r: r["load"])
        for name in INGESTERS:
            best: dict[str, Any] | None = None
            for row in ladder:
                s = row[name]
                if not s or s["loss_free_runs"] != s["runs"]:
                    break
                best = row
            out.append({"link": link, "consumer": name,
                        "load": best["load"] if best else None,
                        "pps": best[name]["pps"] if best else None,
                        "capped": best is ladder[-1] if best else False})
    return out

