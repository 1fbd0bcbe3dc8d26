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
        ("[ 5.1] unregister_netdevice: waiting for eth1 to become free. Usage count = 2",
         "netdev refcount"),
    ],
)
def test_each_kind_of_report_is_found(line: str, kind: str | None) -> None:
    reports = find_reports(CLEAN_BOOT + line + "\n")
    assert [r.kind for r in reports] == ([kind] if kind else [])


def test_a_report_and_its_trace_count_once_and_keep_their_lines() -> None:
    log = CLEAN_BOOT + "\n".join([
        "[ 8.9] lab_fault: deliberate warning for the kernel-log check",
        "[ 9.0] WARNING: CPU: 0 PID: 263 at lab_fault.c:44 lab_fault_init+0x2c/0x1000",
        "[ 9.0] Modules linked in: lab_fault(OE+)",
        "[ 9.0] Call Trace:",
        "[ 9.0]  <TASK>",
        "[ 9.0] ---[ end trace 0000000000000000 ]---",
        "[ 9.5] e1000e 0000:00:0c.0 enp0s12: NIC Link is Up",
    ]) + "\n[20.0] BUG: sleeping function called from invalid context\n"
    reports = find_reports(log)
    assert [r.kind for r in reports] == ["WARNING", "BUG"]
    assert reports[0].line == len(CLEAN_BOOT.splitlines()) + 2
    assert reports[0].excerpt[1].endswith("deliberate warning for the kernel-log check")
    assert reports[0].excerpt[-1].endswith("---[ end trace 0000000000000000 ]---")
    assert len(reports[0].excerpt) == 7  # two lines before the report, five of it


def test_a_kasan_report_ends_at_its_closing_rule() -> None:
    rule = "[ 7.0] " + "=" * 66
    log = "\n".join([
        rule,
        "[ 7.0] BUG: KASAN: slab-out-of-bounds in lab_fault_oob+0x5/0x9 [lab_fault]",
        "[ 7.0] Read of size 1 at addr ffff888003b1c028 by task insmod/263",
        "[ 7.0] Call Trace:",
        rule,
        "[ 7.1] Disabling lock debugging due to kernel taint",
    ])
    reports = find_reports(log)
    assert [r.kind for r in reports] == ["BUG"]
    assert reports[0].excerpt[-1] == rule


def test_a_leaked_device_reference_is_reported_once_with_its_repeats() -> None:
    # netdev_wait_allrefs repeats its message every 10 s while 'ip link del' hangs
    waiting = "unregister_netdevice: waiting for veth-lab0 to become free. Usage count = 2"
    log = CLEAN_BOOT + "\n".join([
        "[   30.912004] IPv6: ADDRCONF(NETDEV_CHANGE): veth-lab0: link becomes ready",
        "[   31.400317] pf_ring: ring 3 bound to veth-lab0",
        f"[   41.636112] {waiting}",
        f"[   51.876097] {waiting}",
        f"[   62.116085] {waiting}",
    ]) + "\n"
    reports = find_reports(log)
    assert [r.kind for r in reports] == ["netdev refcount"]
    assert reports[0].line == len(CLEAN_BOOT.splitlines()) + 3
    assert sum(waiting in line for line in reports[0].excerpt) == 3
    assert reports[0].excerpt[0].endswith("link becomes ready")
