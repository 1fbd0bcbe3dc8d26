# SPDX-License-Identifier: LGPL-2.1-or-later
from __future__ import annotations

import pytest

from pfring.testing.kernel_log import find_reports

CLEAN_BOOT = """\
[    0.000000] Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org)
[    0.281609] TOMOYO Linux initialized
[    1.100000] KernelAddressSanitizer initialized (generic)
[    1.200000] Lock dependency validator: Copyright (c) 2006 Red Hat, Inc., Ingo Molnar
[    1.300000] ... MAX_LOCKDEP_SUBCLASSES:  8
[    2.000000] lab_warn: loading out-of-tree module taints kernel.
[    2.000001] e1000e 0000:00:0c.0 enp0s12: NIC Link is Up 1000 Mbps Full Duplex
"""


def test_a_clean_boot_has_no_reports() -> None:
    assert find_reports(CLEAN_BOOT) == []


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("[ 5.1] WARNING: CPU: 0 PID: 1 at lab_warn.c:12 lab_warn_init+0x1/0x2", "WARNING"),
        ("[ 5.1] BUG: kernel NULL pointer dereference, address: 0000000000000008", "BUG"),
        ("[ 5.1] kernel BUG at net/core/skbuff.c:110!", "BUG"),
        ("[ 5.1] ==================================================================", None),
        ("[ 5.1] BUG: KASAN: slab-out-of-bounds in ring_write+0x10/0x20", "BUG"),
        ("[ 5.1] Oops: 0000 [#1] PREEMPT SMP NOPTI", "Oops"),
        ("[ 5.1] general protection fault, probably for non-canonical address", "Oops"),
        ("[ 5.1] refcount_t: underflow; use-after-free.", "refcount"),
        ("[ 5.1] kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)",
         "kmemleak"),
        ("unreferenced object 0xffff888003b1c000 (size 4096):", "kmemleak"),
        ("[ 5.1] UBSAN: shift-out-of-bounds in net/foo.c:1:2", "UBSAN"),
        ("[ 5.1] INFO: task pfcount:123 blocked for more than 120 seconds.", "hung task"),
        ("[ 5.1] Call Trace:", "Call Trace"),
        ("[ 5.1] DEBUG_LOCKS_WARN_ON(1)", "lockdep"),
    ],
)
def test_each_kind_of_report_is_found(line: str, kind: str | None) -> None:
    reports = find_reports(CLEAN_BOOT + line + "\n")
    assert [r.kind for r in reports] == ([kind] if kind else [])


def test_a_report_and_its_trace_count_once_and_keep_their_lines() -> None:
    log = CLEAN_BOOT + "\n".join([
        "[ 9.0] WARNING: possible circular locking dependency detected",
        "[ 9.0] 6.1.0 #1 Not tainted",
        "[ 9.0] Call Trace:",
        "[ 9.0]  <TASK>",
    ]) + "\n[20.0] BUG: sleeping function called from invalid context\n"
    reports = find_reports(log, context=4)
    assert [r.kind for r in reports] == ["WARNING", "BUG"]
    assert reports[0].line == len(CLEAN_BOOT.splitlines()) + 1
    assert reports[0].excerpt[0].endswith("possible circular locking dependency detected")
