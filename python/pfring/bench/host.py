# SPDX-License-Identifier: LGPL-2.1-or-later
"""invoke bench on the host: build, one lab boot running every scenario, then the results
file, the table, the README section and the plot."""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pfring.bench import plot, report
from pfring.bench.plan import plan_for, select
from pfring.bench.summary import GUEST_FACTS, schema_problems, summarize_raw
from pfring.lab.kernels import LabKernel
from pfring.lab.runner import new_run_dir, run_in_lab
from pfring.paths import repo_root
from pfring.suite import build_for

RESULTS = Path("bench/results")
PLOT = RESULTS / "latest.png"


def commit() -> tuple[str, bool]:
    """HEAD's hash, and whether the working tree differs from it."""
    root = repo_root()
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                          text=True, check=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                           cwd=root, capture_output=True, text=True, check=True).stdout
    return head, bool(dirty.strip())


def results_path(date: str, kernel: LabKernel, quick: bool, smoke: bool = False) -> Path:
    suffix = "-smoke" if smoke else "-quick" if quick else ""
    return repo_root() / RESULTS / f"{date}-{kernel.name}{suffix}.json"


def run_guest(kernel: LabKernel, quick: bool, only: Sequence[str] = (),
              smoke: bool = False) -> dict[str, Any]:
    """The guest's raw numbers; only: the scenarios to run (pfring.bench.plan.SCENARIOS;
    none named: all); smoke: the quick plan once (plan.SMOKE)."""
    out_dir = new_run_dir()
    raw_path = out_dir / "bench-raw.json"
    command = [sys.executable, "-m", "pfring.bench.guest", "--out", str(raw_path),
               *(["--quick"] if quick else []), *(["--smoke"] if smoke else []),
               *(f"--only={name}" for name in only)]
    result = run_in_lab(command, kernel, out_dir=out_dir,
                        timeout=(15 if quick else 90) * 60)
    if result.reports:
        raise RuntimeError(f"the guest's kernel log has reports: {out_dir / 'dmesg.log'}")
    if not raw_path.is_file():
        raise RuntimeError(f"the guest left no raw numbers (exit code {result.returncode}); "
                           f"see {out_dir}")
    raw: dict[str, Any] = json.loads(raw_path.read_text())
    raw["run_dir"] = str(out_dir)
    return raw


def publish(raw: dict[str, Any], kernel: LabKernel, quick: bool,
            smoke: bool = False) -> dict[str, Any]:
    date = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d")
    head, dirty = commit()
    doc = summarize_raw(raw, {"date": date, "commit": head, "dirty_tree": dirty,
                              "quick": quick, "kernel_series": kernel.name})
    problems = schema_problems(doc)
    if problems:
        raise RuntimeError("the results document is malformed: " + "; ".join(problems))
    path = results_path(date, kernel, quick, smoke)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1) + "\n")
    if doc["plan"].get("only"):
        # README's table is every scenario's: one scenario's run would replace it
        print(report.markdown(doc) + "\n", flush=True)
        print(f"bench: results in {path}; README.md and the plot unchanged (a run of "
              f"only {', '.join(doc['plan']['only'])})", flush=True)
        return doc
    show(doc)
    print(f"bench: results in {path}, plot in {repo_root() / PLOT}, README.md updated",
          flush=True)
    return doc


def show(doc: dict[str, Any]) -> None:
    """The plot, README's Performance section and the printed table, from one results
    document (python -c 'from pfring.bench.host import show_file; show_file(PATH)' shows
    an earlier run again)."""
    plot.render(doc, repo_root() / PLOT)
    text = report.markdown(doc)
    readme = repo_root() / "README.md"
    readme.write_text(report.rewrite_section(readme.read_text(), text, str(PLOT)))
    print(text + "\n", flush=True)


def show_file(path: str | Path) -> None:
    show(json.loads(Path(path).read_text()))


def resummarize(path: str | Path, out: str | Path | None = None) -> dict[str, Any]:
    """A saved results file summed up again from its raw numbers with this code (after a
    fix to the summary), written to out (default: over itself), then shown; the
    measurement's own date and commit are kept."""
    path = Path(path)
    old = json.loads(path.read_text())
    raw = {**old["raw"], **{k: old.get(k) for k in (
        "kernel", "cpu_model", "cpus", "plan", "errors", "seconds", *GUEST_FACTS)}}
    meta = {k: old.get(k) for k in ("date", "commit", "dirty_tree", "quick", "kernel_series")}
    doc = summarize_raw(raw, meta)
    Path(out or path).write_text(json.dumps(doc, indent=1) + "\n")
    show(doc)
    return doc


def run_profile(kernel: LabKernel) -> Path:
    """perf profiles of the delivering and the consuming CPU, one per consumer
    (pfring.bench.profile), left in a run folder whose path is returned."""
    build_for([kernel])
    out_dir = new_run_dir()
    prof_dir = out_dir / "profile"
    result = run_in_lab([sys.executable, "-m", "pfring.bench.profile", "--out", str(prof_dir)],
                        kernel, out_dir=out_dir, timeout=30 * 60)
    if result.reports or result.returncode:
        raise RuntimeError(f"the profile run failed (exit code {result.returncode}, "
                           f"{len(result.reports)} kernel report(s)); see {out_dir}")
    return prof_dir


def run_bench(kernel: LabKernel, quick: bool, only: Sequence[str] = (),
              smoke: bool = False) -> dict[str, Any]:
    """Build, run the bench in one boot (only: some of its scenarios), publish."""
    select(plan_for(quick, smoke), only)  # an unknown scenario fails before the build
    build_for([kernel])
    return publish(run_guest(kernel, quick, only, smoke), kernel, quick, smoke)
