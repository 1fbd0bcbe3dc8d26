# SPDX-License-Identifier: LGPL-2.1-or-later
"""Where a capture path's time goes on the delivering CPU: ftrace's function_graph
tracer in the guest, on each consumer's receive hook, while pktgen sends on the veth
pair.

    python -m pfring.bench.profile --out DIR [--consumers pfring-c,tpacket-v3]

perf cannot sample under TCG (no PMU, and its cpu-clock samples hardly ever land), so
the hook of each consumer (pf_ring's pfr_hook_rcv, AF_PACKET's tpacket_rcv) is traced
with function_graph to a depth of 3 for a burst of frames, and the time of each callee
is summed: DIR/<consumer>.txt, one line per function with calls, total and mean
microseconds. The tracer's own cost inflates every number; compare the shares within
one run and between the two hooks of the same run.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from pfring.bench.consumers import Consumer
from pfring.bench.guest import CONSUMER_CPU, make_veth
from pfring.testing.kmod import ModuleLoader
from pfring.testing.plugin import built_module
from pfring.testing.traffic import Pktgen, interface_mac, wait_for_carrier

TRACING = Path("/sys/kernel/tracing")
HOOKS = {"pfring-c": "pfr_hook_rcv", "tpacket-v3": "tpacket_rcv", "pfring-py": "pfr_hook_rcv",
         "tcpdump": "tpacket_rcv"}
FRAMES = 3000
SIZE = 60
DEPTH = 3
# " 0)   0.512 us    |      foo();"  or  " 0) + 12.345 us   |    } /* foo */"
_LINE = re.compile(r"^\s*\d+\)\s+[-+!#*@$]?\s*([\d.]+) us\s+\|(\s*)"
                   r"(?:\} /\* (.+?) \*/|(\S+)(?: \[\S+\])?\(\);)")


@dataclass
class Cost:
    calls: int = 0
    total_us: float = 0.0


def summarize_trace(text: str) -> dict[tuple[int, str], Cost]:
    """(depth, function) -> calls and summed duration, from function_graph output with
    funcgraph-tail (closing braces name their function). Depth 0 is the traced hook."""
    costs: dict[tuple[int, str], Cost] = defaultdict(Cost)
    for line in text.splitlines():
        m = _LINE.match(line)
        if not m:
            continue
        depth = max(0, (len(m[2]) - 2) // 2)
        name = re.sub(r"\s*\[.*\]$", "", m[3] or m[4])
        cost = costs[(depth, name)]
        cost.calls += 1
        cost.total_us += float(m[1])
    return costs


def format_costs(costs: dict[tuple[int, str], Cost]) -> str:
    roots = [c for (d, _), c in costs.items() if d == 0]
    per = max(1, sum(c.calls for c in roots))
    lines = [f"{'function':<40} {'depth':>5} {'calls/pkt':>9} {'us/pkt':>8}"]
    for (depth, name), c in sorted(costs.items(), key=lambda kv: (-kv[1].total_us)):
        if c.total_us / per < 0.05:
            continue
        lines.append(f"{'  ' * depth + name:<40} {depth:>5} {c.calls / per:>9.2f} "
                     f"{c.total_us / per:>8.2f}")
    return "\n".join(lines)


def tracefs(name: str, value: str) -> None:
    (TRACING / name).write_text(value + "\n")


def mount_tracefs() -> None:
    if not (TRACING / "trace").exists():
        subprocess.run(["mount", "-t", "tracefs", "nodev", str(TRACING)], check=True)


def trace_hook(hook: str, send: Pktgen, dst: str) -> str:
    tracefs("tracing_on", "0")
    tracefs("current_tracer", "nop")
    tracefs("trace", "")
    tracefs("buffer_size_kb", "16384")
    tracefs("set_graph_function", hook)
    tracefs("max_graph_depth", str(DEPTH))
    tracefs("options/funcgraph-tail", "1")
    tracefs("options/funcgraph-irqs", "0")
    tracefs("current_tracer", "function_graph")
    send.configure(FRAMES, SIZE, dst)
    tracefs("tracing_on", "1")
    send.run()
    tracefs("tracing_on", "0")
    text = (TRACING / "trace").read_text(errors="replace")
    tracefs("current_tracer", "nop")
    tracefs("set_graph_function", "")
    return text


def profile_one(name: str, tx: str, rx: str, work: Path, out: Path) -> str:
    consumer = Consumer(name, rx, CONSUMER_CPU, work, "-profile")
    gen = Pktgen(tx)
    try:
        consumer.wait_ready()
        trace = trace_hook(HOOKS[name], gen, interface_mac(rx))
    finally:
        consumer.stop()
        gen.close()
    (work / f"{name}.trace").write_text(trace)
    text = f"consumer {name}: {HOOKS[name]} and its callees, per packet\n"
    text += format_costs(summarize_trace(trace)) + "\n"
    (out / f"{name}.txt").write_text(text)
    print(text, flush=True)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pfring.bench.profile")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--consumers", default="pfring-c,tpacket-v3")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    mount_tracefs()
    loader = ModuleLoader()
    loader.load(built_module("pf_ring"))
    work = Path(tempfile.mkdtemp(prefix="profile-", dir=args.out))
    try:
        tx, rx = make_veth()
        wait_for_carrier([tx, rx])
        for name in args.consumers.split(","):
            profile_one(name, tx, rx, work, args.out)
    finally:
        loader.unload("pf_ring")
    return 0


if __name__ == "__main__":
    sys.exit(main())
