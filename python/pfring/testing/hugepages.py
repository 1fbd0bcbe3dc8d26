# SPDX-License-Identifier: LGPL-2.1-or-later
"""The kernel's hugepage pools, one per page size (/sys/kernel/mm/hugepages/hugepages-<kB>kB):
what tests reserve and read back to see a cluster take its pages and give them back."""

from __future__ import annotations

from pathlib import Path

POOLS = Path("/sys/kernel/mm/hugepages")
KB_2M = 2048
KB_1G = 1024 * 1024


def pool(kb: int) -> Path:
    """The sysfs folder of the pool of kb-kB pages (absent if the CPU has no such size)."""
    return POOLS / f"hugepages-{kb}kB"


def total(kb: int) -> int:
    """Pages of that size reserved (nr_hugepages)."""
    return int((pool(kb) / "nr_hugepages").read_text())


def free(kb: int) -> int:
    """Reserved pages of that size that nothing maps (free_hugepages)."""
    return int((pool(kb) / "free_hugepages").read_text())


def set_total(kb: int, n: int) -> int:
    """Ask for n pages of that size (root); returns how many the kernel reserved, which is
    fewer when memory is too fragmented for pages that large."""
    (pool(kb) / "nr_hugepages").write_text(f"{n}\n")
    return total(kb)
