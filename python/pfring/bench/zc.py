# SPDX-License-Identifier: LGPL-2.1-or-later
"""The ZC SPSC queue against DPDK's rte_ring, on the host (no guest): `invoke bench --zc`.

Builds bench/zc/queue_bench (make BUILD_DIR=build/user, which asks userland's make for
libpfring_zc.a), reserves the hugepages of its ZC cluster and of DPDK's mbuf pool for the
run when root (and gives them back), runs it, parses its JSON lines and reports the
median Mpps of every mode and the ratios of the ZC queue to rte_ring, single
(pfring_zc_send_pkt/recv_pkt against rte_ring_sp_enqueue/sc_dequeue) and burst (the
burst calls of both, burst 32), with rte_ring used three ways:

  ring-*-mbuf   packets as DPDK moves them between two cores: mbufs taken from an
                rte_mempool (per-lcore caches), written, enqueued, read and freed back.
                Like a ZC queue it carries packets whose buffers come back to a pool, so
                the issue's target (>= 1.0x rte_ring, single and burst) is judged here.
  ring-*-data   pointers to a fixed rotation of buffers that both threads write and read
                as the ZC modes do: the same packet cache lines cross between the CPUs,
                but no buffer goes back to a pool (the producer knows by arithmetic when
                one is free), which only a strict FIFO with nothing kept allows.
  ring-*        the number itself: the ring alone, no packet memory at all.

The last two are printed for information.

zc-balancer is measured against an absolute target (TARGETS): a balancer worker
(pfring_zc_run_balancer, builtin IP hash) from one queue to 2 egress queues; with 2 CPUs
the producer and both consumers are one thread on CPU 0 and the worker runs on CPU 1.

Every mode runs at each queue length of QUEUE_LENS: how far apart a buffer's reuses are
decides where its cache lines are when a CPU takes them again (the other CPU's L1 or L2,
or L3), and the two queues do not respond alike to it; one length would show one point
of that curve. Each length is reported on its own, with its verdicts.

Writes bench/results/<date>-host-zc.json. A missed target is reported, not failed; only
a program that could not run or failed its own correctness checks is an error.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pfring.paths import build_root, repo_root

MODES = ("zc-single", "zc-burst", "ring-single", "ring-burst", "ring-single-data",
         "ring-burst-data", "ring-single-mbuf", "ring-burst-mbuf", "zc-balancer")
# (mode, target: at least this many Mpps)
TARGETS: tuple[tuple[str, float], ...] = (
    ("zc-balancer", 10.0),  # a balancer to 2 consumers (issue 12)
)
# (name, numerator mode, denominator mode, target: at least this; None: for information)
RATIOS: tuple[tuple[str, str, str, float | None], ...] = (
    # packets with their buffers given back to a pool, on both sides (issue 12's target)
    ("zc-single / ring-single-mbuf", "zc-single", "ring-single-mbuf", 1.0),
    ("zc-burst / ring-burst-mbuf", "zc-burst", "ring-burst-mbuf", 1.0),
    # the same packet lines per packet on both sides, no pool on rte_ring's
    ("zc-single / ring-single-data", "zc-single", "ring-single-data", None),
    ("zc-burst / ring-burst-data", "zc-burst", "ring-burst-data", None),
    # rte_ring moving numbers: no packet memory
    ("zc-single / ring-single", "zc-single", "ring-single", None),
    ("zc-burst / ring-burst", "zc-burst", "ring-burst", None),
)
DEFAULT_PACKETS = 10**8
DEFAULT_REPS = 3
# queue (and rte_ring) lengths: zbalance_ipc's default is 8192
QUEUE_LENS = (1024, 4096, 8192, 16384)
BURST = 32
BUFFER_BYTES = 2048  # a 1536-byte ZC buffer with its handle and head room, rounded up
MBUF_BYTES = 2432  # an mbuf: 128-byte header, default 2176-byte buffer, 128 for the pool
MBUF_CACHE_MAX = 384  # an lcore cache's flush threshold (queue_bench.c: 1.5 x 256)
HUGEPAGE_KB = 2048
NR_HUGEPAGES = Path("/proc/sys/vm/nr_hugepages")
NOTE = ("host run; the machine may be shared (e.g. with a running VM), so the figures are "
        "approximate. ZC modes write and read a sequence number in each packet's data; "
        "ring-single/ring-burst enqueue the number itself, ring-*-data a pointer to a "
        "buffer holding it (the same data traffic as ZC's), ring-*-mbuf an mbuf from an "
        "rte_mempool holding it, freed back by the consumer (the issue's target is judged "
        "against these). zc-balancer: producer and the 2 "
        "consumers polled by one thread on CPU 0, the balancer worker on CPU 1; every "
        "packet checked to arrive once.")


class ZcBenchError(RuntimeError):
    """The program could not be built or run, or failed its correctness checks."""


@dataclass(frozen=True)
class ModeRun:
    mode: str
    rep: int
    packets: int
    seconds: float
    mpps: float
    hugepages: bool
    ok: bool


@dataclass(frozen=True)
class Ratio:
    name: str
    value: float | None
    target: float | None

    @property
    def met(self) -> bool | None:
        if self.value is None or self.target is None:
            return None
        return self.value >= self.target


def program_path() -> Path:
    return build_root() / "user/bench/queue_bench"


def build_program() -> Path:
    """make in bench/zc; the program, or ZcBenchError when it was not built (no DPDK)."""
    argv = ["make", "-C", str(repo_root() / "bench/zc"), "-j1",
            f"BUILD_DIR={build_root() / 'user'}"]
    print(f"+ {' '.join(argv)}", flush=True)
    if subprocess.run(argv, check=False).returncode != 0:
        raise ZcBenchError("building bench/zc failed")
    exe = program_path()
    if not exe.is_file():
        raise ZcBenchError(f"{exe} was not built (DPDK missing? apt-get install libdpdk-dev)")
    return exe


def parse_line(line: str) -> ModeRun:
    d = json.loads(line)
    return ModeRun(mode=str(d["mode"]), rep=int(d.get("rep", 0)), packets=int(d["packets"]),
                   seconds=float(d["seconds"]), mpps=float(d["mpps"]),
                   hugepages=bool(d["hugepages"]), ok=bool(d.get("ok", True)))


def parse_output(text: str) -> list[ModeRun]:
    """Every JSON line of the program's stdout (other lines are ignored)."""
    return [parse_line(line) for line in text.splitlines() if line.lstrip().startswith("{")]


def check_runs(runs: list[ModeRun], packets: int, reps: int) -> list[str]:
    """What is wrong with a run's output: modes missing, counts off, checks failed."""
    problems = [f"{r.mode} rep {r.rep}: {r.packets} packets of {packets}"
                for r in runs if r.packets != packets]
    problems += [f"{r.mode} rep {r.rep}: failed its checks" for r in runs if not r.ok]
    for mode in MODES:
        n = sum(1 for r in runs if r.mode == mode)
        if n != reps:
            problems.append(f"{mode}: {n} repetition(s) of {reps}")
    return problems


def medians(runs: list[ModeRun]) -> dict[str, float]:
    """Median Mpps per mode (modes without a run left out)."""
    out = {}
    for mode in MODES:
        values = [r.mpps for r in runs if r.mode == mode]
        if values:
            out[mode] = statistics.median(values)
    return out


def ratios(median: dict[str, float]) -> list[Ratio]:
    out = []
    for name, num, den, target in RATIOS:
        value = (median[num] / median[den]
                 if num in median and den in median and median[den] > 0 else None)
        out.append(Ratio(name, value, target))
    return out


@dataclass(frozen=True)
class Target:
    mode: str
    value: float | None
    target: float

    @property
    def met(self) -> bool | None:
        return None if self.value is None else self.value >= self.target


def targets(median: dict[str, float]) -> list[Target]:
    return [Target(mode, median.get(mode), target) for mode, target in TARGETS]


def _verdict(r: Ratio | Target) -> str:
    if r.target is None:
        return "(information)"
    return {None: "n/a", True: "met", False: "missed"}[r.met]


def format_table(median: dict[str, float], rat: list[Ratio], hugepages: bool,
                 queue_len: int | None = None) -> str:
    pages = "hugepages" if hugepages else "normal pages"
    length = f", queues of {queue_len}" if queue_len else ""
    lines = [f"ZC queue against rte_ring (ZC cluster on {pages}{length})", "",
             f"{'mode':<30}{'median Mpps':>12}"]
    lines += [f"{mode:<30}{median[mode]:>12.2f}" for mode in MODES if mode in median]
    lines += ["", f"{'ratio':<30}{'value':>8}{'target':>10}  verdict"]
    for r in rat:
        value = "n/a" if r.value is None else f"{r.value:.2f}"
        target = "-" if r.target is None else f">= {r.target:.1f}"
        lines.append(f"{r.name:<30}{value:>8}{target:>10}  {_verdict(r)}")
    lines += ["", f"{'Mpps':<30}{'value':>8}{'target':>10}  verdict"]
    for t in targets(median):
        value = "n/a" if t.value is None else f"{t.value:.2f}"
        lines.append(f"{t.mode:<30}{value:>8}{f'>= {t.target:.1f}':>10}  {_verdict(t)}")
    return "\n".join(lines)


def hugepages_needed(queue_len: int = max(QUEUE_LENS), burst: int = BURST) -> int:
    """2 MB pages for the cluster (the queue's buffers, the threads' handles, rings), for
    the same number of buffers of the ring-*-data modes, for zc-balancer's cluster
    (3 queues, the worker's 8 buffers, the thread's handles), and for the mbuf pool (as
    many mbufs again, and what the two lcore caches may hold) with 16 MB for DPDK's EAL:
    queue_bench's own reckoning, below which it puts the pool on normal pages."""
    page = HUGEPAGE_KB * 1024
    buffers = queue_len + 2 * burst + 2
    balancer = 3 * queue_len + 8 + 2 * burst + 2
    mbufs = buffers + 2 * (MBUF_CACHE_MAX + burst)
    return (2 * (-(-buffers * BUFFER_BYTES // page) + 1)
            + -(-balancer * BUFFER_BYTES // page) + 1
            + -(-mbufs * MBUF_BYTES // page) + 8)


def _meminfo(key: str) -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        name, _, value = line.partition(":")
        if name == key:
            return int(value.split()[0])
    return 0


@contextmanager
def hugepages_reserved(pages: int) -> Iterator[bool]:
    """Make sure pages 2 MB hugepages are free while the block runs (root only); the old
    count is written back afterwards. Yields whether they are there."""
    if _meminfo("HugePages_Free") >= pages:
        yield True
        return
    if os.geteuid() != 0 or _meminfo("Hugepagesize") != HUGEPAGE_KB:
        yield False
        return
    old = NR_HUGEPAGES.read_text().strip()
    try:
        NR_HUGEPAGES.write_text(f"{int(old) + pages - _meminfo('HugePages_Free')}\n")
        yield _meminfo("HugePages_Free") >= pages
    finally:
        NR_HUGEPAGES.write_text(f"{old}\n")


def run_program(exe: Path, packets: int, reps: int,
                queue_len: int) -> tuple[list[ModeRun], int]:
    """The program's runs and exit status; its stderr goes to ours."""
    argv = [str(exe), "-n", str(packets), "-r", str(reps), "-q", str(queue_len),
            "-b", str(BURST)]
    print(f"+ {' '.join(argv)}", flush=True)
    proc = subprocess.run(argv, stdout=subprocess.PIPE, text=True, check=False)
    return parse_output(proc.stdout), proc.returncode


def length_doc(runs: list[ModeRun]) -> dict[str, Any]:
    """One queue length's runs, medians, ratios and targets."""
    median = medians(runs)
    return {
        "runs": [r.__dict__ for r in runs],
        "median_mpps": median,
        "ratios": {r.name: {"value": r.value, "target": r.target, "met": r.met}
                   for r in ratios(median)},
        "targets_mpps": {t.mode: {"value": t.value, "target": t.target, "met": t.met}
                         for t in targets(median)},
    }


# the modes whose packets are in buffers of their own (the bare ring's are not)
BUFFER_MODES = tuple(m for m in MODES if m not in ("ring-single", "ring-burst"))


def normal_pages(runs: list[ModeRun]) -> list[str]:
    """The buffer-carrying modes that ran on normal pages at least once, when others had
    hugepages: their figures do not compare with the others' (TLB misses)."""
    small = sorted({r.mode for r in runs if r.mode in BUFFER_MODES and not r.hugepages})
    huge = any(r.hugepages for r in runs if r.mode in BUFFER_MODES)
    return small if huge else []


def results_doc(by_len: dict[int, list[ModeRun]], packets: int, reps: int) -> dict[str, Any]:
    everything = [r for runs in by_len.values() for r in runs]
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "packets": packets, "repetitions": reps, "queue_lens": sorted(by_len), "burst": BURST,
        "hugepages": any(r.hugepages for r in everything if r.mode.startswith("zc-")),
        "normal_pages": normal_pages(everything),
        "note": NOTE,
        "by_queue_len": {str(q): length_doc(runs) for q, runs in sorted(by_len.items())},
    }


def format_summary(doc: dict[str, Any]) -> str:
    """The ratios and targets at every queue length, one column each."""
    lens = [str(q) for q in doc["queue_lens"]]
    lines = ["ratios by queue length", "",
             f"{'':<30}" + "".join(f"{q:>8}" for q in lens) + "  target"]
    for name, _, _, target in RATIOS:
        cells = [doc["by_queue_len"][q]["ratios"][name]["value"] for q in lens]
        lines.append(f"{name:<30}" + "".join("     n/a" if v is None else f"{v:>8.2f}"
                                              for v in cells)
                     + ("  -" if target is None else f"  >= {target:.1f}"))
    for mode, target in TARGETS:
        cells = [doc["by_queue_len"][q]["targets_mpps"][mode]["value"] for q in lens]
        lines.append(f"{mode + ' (Mpps)':<30}" + "".join("     n/a" if v is None
                                                         else f"{v:>8.2f}" for v in cells)
                     + f"  >= {target:.1f}")
    return "\n".join(lines)


def write_results(doc: dict[str, Any]) -> Path:
    day = dt.date.today().isoformat()
    path = repo_root() / "bench/results" / f"{day}-host-zc.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2) + "\n")
    return path


def run_zc_bench(packets: int = DEFAULT_PACKETS, reps: int = DEFAULT_REPS) -> dict[str, Any]:
    """Build, run, check, write the results file, print the table. ZcBenchError when the
    program could not run or failed its checks."""
    exe = build_program()
    by_len: dict[int, list[ModeRun]] = {}
    with hugepages_reserved(hugepages_needed()):
        for queue_len in QUEUE_LENS:
            runs, status = run_program(exe, packets, reps, queue_len)
            problems = check_runs(runs, packets, reps)
            if status != 0 or problems:
                raise ZcBenchError(f"queue_bench -q {queue_len} exited {status}: "
                                   + "; ".join(problems))
            by_len[queue_len] = runs
    doc = results_doc(by_len, packets, reps)
    path = write_results(doc)
    for q, length in doc["by_queue_len"].items():
        median = length["median_mpps"]
        print(format_table(median, ratios(median), doc["hugepages"], int(q)) + "\n")
    print(format_summary(doc))
    if doc["normal_pages"]:
        print("\nWARNING: on normal pages while the others had hugepages (not comparable): "
              + ", ".join(doc["normal_pages"]))
    print(f"\n{NOTE}\nresults: {path}", flush=True)
    return doc
