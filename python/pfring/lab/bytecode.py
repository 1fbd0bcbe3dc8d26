# SPDX-License-Identifier: LGPL-2.1-or-later
"""Python bytecode for the guest, written on the host before a boot.

The guest sees the tree read-only and runs with PYTHONDONTWRITEBYTECODE=1: whatever
cache the host has not written, the guest makes again at every start, and under TCG
(on the sanitizer kernel every 9p read goes through KASAN too) that is minutes: each
changed module of ours compiled, each test file's asserts rewritten by pytest. So the
host compiles the package and the tests (compileall) and lets pytest write its
rewritten test modules (a collection of tests/lab, a few seconds here). Both caches
are checked against their source's mtime and size, which the guest sees unchanged.
"""

from __future__ import annotations

import compileall
import os
import subprocess
import sys

from pfring.paths import repo_root

# What the guest imports from the tree: our package, and the lab tests with their helpers
PACKAGE = "python/pfring"
LAB_TESTS = "tests/lab"


def warm_bytecode() -> None:
    """Write the caches the guest reads; a failure only costs the guest its time."""
    root = repo_root()
    for folder in (PACKAGE, LAB_TESTS):
        compileall.compile_dir(root / folder, quiet=2)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    collect = [sys.executable, "-m", "pytest", "--collect-only", "-q", LAB_TESTS]
    done = subprocess.run(collect, cwd=root, env=env, check=False,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        print(f"lab: pytest could not collect {LAB_TESTS} on the host (the guest will "
              f"rewrite its tests itself): {done.stderr.strip()[-500:]}", flush=True)
