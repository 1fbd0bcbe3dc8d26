# SPDX-License-Identifier: LGPL-2.1-or-later
"""The kernels the lab boots: Debian's 6.1, 6.12 from bookworm-backports, the sanitizer build.

A kernel is named by its series ("6.1", "6.12"), by "sanitize", by a release string
("6.1.0-56-amd64") or by a path to a bzImage inside a built tree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pfring.paths import cache_root

SERIES = ("6.1", "6.12")
DEFAULT_KERNEL = "6.1"
SANITIZE = "sanitize"


@dataclass(frozen=True)
class LabKernel:
    """A bootable kernel and the tree that out-of-tree modules build against."""

    name: str
    release: str
    image: Path
    build_dir: Path

    @property
    def run_target(self) -> str:
        """What vng --run takes: the image, or the built tree for a self-built kernel."""
        if self.image.name == "bzImage":
            return str(self.build_dir)
        return str(self.image)


def _version_key(release: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", release))


def installed_releases(series: str, boot: Path = Path("/boot")) -> list[str]:
    """Debian amd64 releases of one series with an image in /boot, oldest first."""
    found = []
    for image in boot.glob("vmlinuz-*-amd64"):
        release = image.name.removeprefix("vmlinuz-")
        if release.startswith(series + ".") and re.match(r"^\d+\.\d+\.\d+", release):
            found.append(release)
    return sorted(found, key=_version_key)


def sanitize_tree() -> Path:
    """The sanitizer kernel's build tree (outside the repository)."""
    return cache_root() / "kernels" / "sanitize-6.1"


def resolve_kernel(spec: str = DEFAULT_KERNEL, boot: Path = Path("/boot")) -> LabKernel:
    """Turn a kernel name into a LabKernel, or raise FileNotFoundError saying what to do."""
    if spec == SANITIZE:
        tree = sanitize_tree()
        image = tree / "arch/x86/boot/bzImage"
        release_file = tree / "include/config/kernel.release"
        if not image.is_file() or not release_file.is_file():
            raise FileNotFoundError(
                f"no sanitizer kernel in {tree}: build it with 'invoke lab.kernel --sanitize'"
            )
        return LabKernel(SANITIZE, release_file.read_text().strip(), image, tree)
    path = Path(spec)
    if path.name == "bzImage" or path.is_dir():
        tree = path.parents[2] if path.name == "bzImage" else path
        release = (tree / "include/config/kernel.release").read_text().strip()
        return LabKernel(str(tree), release, tree / "arch/x86/boot/bzImage", tree)
    if spec in SERIES:
        releases = installed_releases(spec, boot)
        if not releases:
            raise FileNotFoundError(
                f"no Debian {spec} kernel in {boot}: run 'invoke deps' to install the lab kernels"
            )
        release = releases[-1]
    else:
        release = spec
    image = boot / f"vmlinuz-{release}"
    if not image.is_file():
        raise FileNotFoundError(f"no kernel image {image}: run 'invoke deps'")
    return LabKernel(spec, release, image, Path(f"/lib/modules/{release}/build"))
