# SPDX-License-Identifier: LGPL-2.1-or-later
"""The kernel-log check: any BUG, Oops, WARNING, KASAN, lockdep, kmemleak or refcount report,
or a device that cannot be unregistered because a reference to it leaked.

Used after every lab run (on the whole log the guest leaves behind) and by the pytest
fixtures (on what one test added to the log). A report fails the run; nothing is
allow-listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# What starts a report. Lockdep's and KASAN's reports begin with "WARNING:" or "BUG:";
# they are named too so that a report cut short still counts.
_REPORT_STARTS = (
    ("BUG", re.compile(r"\bBUG: |kernel BUG at ")),
    ("KASAN", re.compile(r"\bKASAN: ")),
    ("Oops", re.compile(r"\bOops\b|general protection fault|Kernel panic")),
    ("WARNING", re.compile(r"\bWARNING: ")),
    ("lockdep", re.compile(r"possible (circular|recursive) locking|inconsistent lock state"
                           r"|DEBUG_LOCKS_WARN_ON|lockdep: ")),
    ("refcount", re.compile(r"refcount_t: ")),
    # netdev_wait_allrefs: a reference to an unregistered device was never dropped
    ("netdev refcount", re.compile(r"unregister_netdevice: waiting for .+ to become free")),
    ("kmemleak", re.compile(r"unreferenced object 0x|kmemleak: .*new suspected memory leak")),
    ("UBSAN", re.compile(r"\bUBSAN: ")),
    ("hung task", re.compile(r"INFO: task .* blocked for more than")),
    ("Call Trace", re.compile(r"Call Trace:")),
)

SHOWN_LINES = 30
_TIMESTAMP = re.compile(r"^\[\s*\d+\.\d+\]\s?")


@dataclass(frozen=True)
class KernelReport:
    """One report: its kind, the line it starts at, and the lines that follow it."""

    kind: str
    line: int
    excerpt: tuple[str, ...]

    def __str__(self) -> str:
        shown = self.excerpt[:SHOWN_LINES]
        more = len(self.excerpt) - len(shown)
        body = "\n".join(f"    {text}" for text in shown)
        if more:
            body += f"\n    ... ({more} more lines)"
        return f"{self.kind} report at log line {self.line}:\n{body}"


_REPORT_END = re.compile(r"---\[ end |^={20,}")


def _report_end(lines: list[str], start: int, limit: int) -> int:
    """The index after a report's last line: its end marker, or limit lines on."""
    for index in range(start + 1, min(len(lines), start + limit)):
        if _REPORT_END.search(_TIMESTAMP.sub("", lines[index])):
            return index + 1
    return min(len(lines), start + limit)


def find_reports(log: str, limit: int = 60, before: int = 2) -> list[KernelReport]:
    """Every report in a kernel log, one per block: a block runs to its end marker
    ("---[ end trace", KASAN's closing rule) or limit lines, and its excerpt starts
    up to before lines earlier (WARN() prints its message ahead of the report)."""
    lines = log.splitlines()
    reports: list[KernelReport] = []
    covered_until = 0
    for index, raw in enumerate(lines):
        if index < covered_until:
            continue
        text = _TIMESTAMP.sub("", raw)
        for kind, pattern in _REPORT_STARTS:
            if pattern.search(text):
                end = _report_end(lines, index, limit)
                first = max(covered_until, index - before)
                reports.append(KernelReport(kind, index + 1, tuple(lines[first:end])))
                covered_until = end
                break
    return reports


def format_reports(reports: list[KernelReport]) -> str:
    """A readable summary, for a failed run."""
    head = f"the kernel log has {len(reports)} report(s):"
    return "\n".join([head, *(str(r) for r in reports)])
