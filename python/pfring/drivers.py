# SPDX-License-Identifier: LGPL-2.1-or-later
"""Building the PF_RING-aware drivers: drivers/<driver>/<series>/*.patch applied to the
in-tree driver of Debian's linux-source-<series>, built against a kernel tree.

The driver's folder is unpacked from /usr/src/linux-source-<series>.tar.xz (once per
series, into build/drivers-src/<series>/), copied to build/<release>/drivers/<driver>/,
patched there (patch -p1, no fuzz), given the glue (drivers/common/pfr_aware.c and a
Kbuild file that adds it and kernel/include to the driver's own Makefile) and built with
the driver's CONFIG_ option set to m. The module keeps its in-tree name; its .ko lands in
build/<release>/drivers/. The series string (modinfo's pf_ring field, ethtool -i's
version) names the kernel series and a digest of the patches and glue.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pfring.paths import build_root, repo_root

# The in-tree drivers we patch, and the Kconfig option that builds each
DRIVERS = {"e1000e": "CONFIG_E1000E", "igb": "CONFIG_IGB", "ixgbe": "CONFIG_IXGBE",
           "i40e": "CONFIG_I40E", "ice": "CONFIG_ICE"}
# What QEMU emulates: the lab tests these; the others are built and tested on hardware
LAB_DRIVERS = ("e1000e", "igb")
INTEL = "drivers/net/ethernet/intel"


class NoSeries(RuntimeError):
    """A kernel for which a driver has no patch series."""


@dataclass(frozen=True)
class Series:
    driver: str
    kernel: str          # "6.1", "6.12"
    patches: tuple[Path, ...]

    @property
    def digest(self) -> str:
        h = hashlib.sha256()
        for p in (*self.patches, glue_source(), repo_root() / "kernel/include/pf_ring_driver.h"):
            h.update(p.read_bytes())
        return h.hexdigest()[:8]

    @property
    def name(self) -> str:
        """What modinfo and ethtool -i show (ethtool's version field holds 31 bytes)."""
        return f"pfring-aware {self.kernel} {self.digest}"


def glue_source() -> Path:
    return repo_root() / "drivers/common/pfr_aware.c"


def kernel_series(release: str) -> str:
    """'6.1.0-57-amd64', '6.1.192' -> '6.1'; '6.12.95+deb12-amd64' -> '6.12'."""
    m = re.match(r"(\d+\.\d+)", release)
    if m is None:
        raise ValueError(f"not a kernel release: {release!r}")
    return m.group(1)


def series_for(driver: str, release: str, root: Path | None = None) -> Series:
    """The patch series of driver for release's kernel series, or NoSeries saying how to
    make one."""
    root = root or repo_root()
    kernel = kernel_series(release)
    folder = root / "drivers" / driver / kernel
    patches = tuple(sorted(folder.glob("*.patch")))
    if not patches:
        known = sorted(p.name for p in (root / "drivers" / driver).glob("*") if p.is_dir())
        raise NoSeries(
            f"the aware {driver} has no patch series for kernel {kernel} ({release}): "
            f"drivers/{driver}/{kernel}/ is missing (series exist for "
            f"{', '.join(known) or 'no kernel'}); drivers/README.md says how to rebase one")
    return Series(driver, kernel, patches)


def source_tarball(kernel: str) -> Path:
    return Path(f"/usr/src/linux-source-{kernel}.tar.xz")


def unpacked_tree(kernel: str) -> Path:
    """Debian's in-tree Intel drivers of a kernel series, unpacked once."""
    tree = build_root() / "drivers-src" / kernel
    if (tree / INTEL).is_dir():
        return tree
    tarball = source_tarball(kernel)
    if not tarball.is_file():
        raise FileNotFoundError(f"{tarball} is missing: run 'invoke deps' "
                                f"(linux-source-{kernel})")
    print(f"==> unpacking {INTEL} from {tarball}", flush=True)
    staging = tree.with_name(kernel + ".unpacking")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    subprocess.run(["tar", "-xJf", str(tarball), "-C", str(staging), "--strip-components=1",
                    f"linux-source-{kernel}/{INTEL}"], check=True)
    shutil.rmtree(tree, ignore_errors=True)
    staging.rename(tree)
    return tree


def kbuild_text(series: Series) -> str:
    """The Kbuild file beside the patched driver: its Makefile, the glue, our headers."""
    include = repo_root() / "kernel/include"
    return (f"# Written by pfring.drivers: the in-tree Makefile plus the PF_RING glue\n"
            f"include $(src)/Makefile\n"
            f"{series.driver}-y += pfr_aware.o\n"
            f"ccflags-y += -I{include} -DPFR_AWARE_SERIES='\"{series.name}\"'\n")


def prepare(series: Series, release: str) -> Path:
    """The patched driver folder for release, ready for make. The whole Intel folder is
    copied: some drivers include a sibling's headers."""
    top = build_root() / release / "drivers" / series.driver
    shutil.rmtree(top, ignore_errors=True)
    shutil.copytree(unpacked_tree(series.kernel) / INTEL, top / INTEL)
    for patch in series.patches:
        done = subprocess.run(["patch", "-p1", "-F0", "--batch", "--forward", "-d", str(top),
                               "-i", str(patch)], capture_output=True, text=True, check=False)
        if done.returncode:
            raise NoSeries(f"{patch.relative_to(repo_root())} does not apply to Debian's "
                           f"linux-source-{series.kernel}:\n{done.stdout}{done.stderr}"
                           "drivers/README.md says how to rebase the series")
    work = top / INTEL / series.driver
    shutil.copy2(glue_source(), work / "pfr_aware.c")
    (work / "Kbuild").write_text(kbuild_text(series))
    return work


def build_driver(driver: str, release: str, kdir: Path, jobs: int = 2) -> Path:
    """Build the aware driver for release against kdir; returns its .ko. A .ko built
    from the same series, glue and API header (its stamp names their digest) is kept."""
    series = series_for(driver, release)
    out = build_root() / release / "drivers" / f"{driver}.ko"
    stamp = out.with_suffix(".stamp")
    if out.is_file() and stamp.is_file() and stamp.read_text() == series.name:
        return out
    stamp.unlink(missing_ok=True)
    work = prepare(series, release)
    print(f"==> building the aware {driver}.ko for {release} ({series.name})", flush=True)
    subprocess.run(["make", "-C", str(kdir), f"M={work}", f"-j{jobs}",
                    f"{DRIVERS[driver]}=m", "modules"], check=True,
                   stdout=subprocess.DEVNULL)
    shutil.copy2(work / f"{driver}.ko", out)
    stamp.write_text(series.name)
    return out


def patched_drivers(root: Path | None = None) -> list[str]:
    """The drivers that have a patch series for some kernel."""
    root = root or repo_root()
    return [d for d in DRIVERS if any((root / "drivers" / d).glob("*/*.patch"))]


def modular_drivers(kdir: Path) -> list[str]:
    """The drivers that the kernel built in kdir builds as modules: those an aware one
    can take the place of (all five on Debian's kernels, e1000e and igb on the lab's
    sanitizer kernel)."""
    config = kdir / ".config"
    text = config.read_text() if config.is_file() else ""
    return [d for d, option in DRIVERS.items()
            if re.search(rf"^{option}=m$", text, re.MULTILINE)]


def built_drivers(release: str) -> list[Path]:
    return sorted((build_root() / release / "drivers").glob("*.ko"))
