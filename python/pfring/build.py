# SPDX-License-Identifier: LGPL-2.1-or-later
"""Building what exists in the tree: out-of-tree kernel modules and the C userland.

A module source folder is one with a Kbuild file (kernel/, tests/lab/modules/*). It is
copied to build/<release>/src/<name>/ and built there against the kernel tree, so that
builds for several kernels never share object files; the .ko lands in
build/<release>/modules/.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pfring.paths import build_root, repo_root


def default_jobs() -> int:
    """make -j for a build on this machine: one job per CPU."""
    return os.cpu_count() or 2


@dataclass(frozen=True)
class ModuleSource:
    name: str
    path: Path


def module_sources(root: Path | None = None) -> list[ModuleSource]:
    """Every folder with a Kbuild file that the build knows about."""
    root = root or repo_root()
    candidates = [root / "kernel", *sorted((root / "tests/lab/modules").glob("*"))]
    return [
        ModuleSource("pf_ring" if p.name == "kernel" else p.name, p)
        for p in candidates
        if (p / "Kbuild").is_file()
    ]


def module_dir(release: str) -> Path:
    return build_root() / release / "modules"


def run(argv: list[str], cwd: Path | None = None, dry_run: bool = False) -> None:
    print(f"+ {shlex.join(argv)}", flush=True)
    if not dry_run:
        subprocess.run(argv, cwd=cwd, check=True)


def build_module(source: ModuleSource, release: str, kdir: Path, jobs: int = 2,
                 dry_run: bool = False) -> list[Path]:
    """Build one module folder against kdir; returns the .ko files it made."""
    if not (kdir / "Makefile").exists():
        raise FileNotFoundError(
            f"no kernel build tree at {kdir}: install the headers ('invoke deps') or pass "
            "--kernel-src"
        )
    work = build_root() / release / "src" / source.name
    if not dry_run:
        shutil.copytree(source.path, work, dirs_exist_ok=True)
    run(["make", "-C", str(kdir), f"M={work}", f"-j{jobs}", "modules"], dry_run=dry_run)
    out = module_dir(release)
    made = []
    if not dry_run:
        out.mkdir(parents=True, exist_ok=True)
        for ko in sorted(work.glob("*.ko")):
            shutil.copy2(ko, out / ko.name)
            made.append(out / ko.name)
    return made


def c_dirs(root: Path | None = None) -> list[Path]:
    """Folders of C userland code with a Makefile: the userland, the lab's C test
    programs, the bench's consumers and its ZC queue bench (after userland/, whose
    libpfring_zc.a it links). Their output goes to build/user/ (make BUILD_DIR=...)."""
    root = root or repo_root()
    folders = (root / "userland", root / "tests/lab/c", root / "bench/consumers",
               root / "bench/zc")
    return [d for d in folders if (d / "Makefile").is_file()]


def user_build_dir() -> Path:
    return build_root() / "user"


def build_userland(jobs: int = 2, dry_run: bool = False) -> bool:
    """make in each C folder (userland/, tests/lab/c/, bench/consumers/, bench/zc/); False
    when there is none."""
    dirs = c_dirs()
    for folder in dirs:
        run(["make", "-C", str(folder), f"-j{jobs}", f"BUILD_DIR={user_build_dir()}"],
            dry_run=dry_run)
    return bool(dirs)


def build_python_extension(dry_run: bool = False) -> Path | None:
    """The cffi binding to libpfring, once libpfring.a is built; None when it is not."""
    if not (user_build_dir() / "lib/libpfring.a").is_file():
        return None
    print("+ cffi: compiling pfring.native._pfring", flush=True)
    if dry_run:
        return None
    from pfring.native.build import build_extension

    built = build_extension(repo_root(), build_root())
    build_python_zc_extension()
    return built


def build_python_zc_extension(dry_run: bool = False) -> Path | None:
    """The cffi binding to libpfring_zc (pfring.zc), once libpfring_zc.a is built."""
    if not (user_build_dir() / "lib/libpfring_zc.a").is_file():
        return None
    print("+ cffi: compiling pfring.native._pfring_zc", flush=True)
    if dry_run:
        return None
    from pfring.native.zc_build import build_extension

    return build_extension(repo_root(), build_root())
