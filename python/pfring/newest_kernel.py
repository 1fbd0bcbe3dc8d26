# SPDX-License-Identifier: LGPL-2.1-or-later
"""Build pf_ring.ko against the newest kernel Debian has (unstable), to catch interfaces
that changed upstream before a lab kernel gets them. A build only: nothing boots it.

Debian's linux-headers packages for unstable carry tools built against unstable's C
library, which bookworm cannot run, so the kernel's own source is used instead:
linux-source-X.Y from unstable (an architecture-independent package) is downloaded with
apt through a private list of sources (the machine's apt set-up is not touched),
unpacked into the cache, configured with x86_64_defconfig and prepared for out-of-tree
modules with bookworm's compiler. The module is built with modpost's missing-symbol
errors turned into warnings: a prepared tree has no Module.symvers of its own.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pfring.paths import cache_root, repo_root

SUITE = "sid"
DEBIAN_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
SYSTEM_SOURCES = Path("/etc/apt/sources.list.d/debian.sources")


@dataclass(frozen=True)
class NewestSource:
    package: str  # linux-source-X.Y
    version: str  # Debian's version of it


def mirror_uri(sources: Path = SYSTEM_SOURCES) -> str:
    """The Debian mirror this machine's apt already uses (its main archive)."""
    if sources.is_file():
        for line in sources.read_text().splitlines():
            uri = line.removeprefix("URIs:").strip()
            if line.startswith("URIs:") and not uri.endswith("-security"):
                return uri.split()[0]
    for line in Path("/etc/apt/sources.list").read_text().splitlines():
        fields = line.split()
        if fields[:1] == ["deb"]:
            return next(f for f in fields[1:] if "://" in f)
    raise RuntimeError("no Debian mirror in this machine's apt sources")


def apt_dir() -> Path:
    return cache_root() / "apt-unstable"


def apt_options() -> list[str]:
    """apt options for a private sources list and package lists (unstable only)."""
    root = apt_dir()
    return ["-o", f"Dir::Etc::sourcelist={root / 'sources.list'}",
            "-o", "Dir::Etc::sourceparts=/nonexistent",
            "-o", f"Dir::State::Lists={root / 'lists'}",
            "-o", "APT::Get::List-Cleanup=0",
            "-o", "APT::Sandbox::User=root"]  # the cache is root's: no _apt user needed


def update_lists() -> None:
    root = apt_dir()
    (root / "lists" / "partial").mkdir(parents=True, exist_ok=True)
    (root / "sources.list").write_text(
        f"deb [signed-by={DEBIAN_KEYRING}] {mirror_uri()} {SUITE} main\n")
    subprocess.run(["apt-get", *apt_options(), "update"], check=True,
                   stdout=subprocess.DEVNULL)


def newest_package(search_text: str) -> str:
    """linux-source-X.Y with the highest X.Y among 'apt-cache search' lines."""
    found = [(tuple(int(n) for n in m.groups()[1:]), m.group(1))
             for m in (re.match(r"^(linux-source-(\d+)\.(\d+)) ", line)
                       for line in search_text.splitlines()) if m]
    if not found:
        raise RuntimeError("Debian unstable lists no linux-source-X.Y package")
    return max(found)[1]


def find_newest() -> NewestSource:
    update_lists()
    found = subprocess.run(["apt-cache", *apt_options(), "search", "^linux-source-[0-9]"],
                           check=True, capture_output=True, text=True).stdout
    package = newest_package(found)
    show = subprocess.run(["apt-cache", *apt_options(), "show", package], check=True,
                          capture_output=True, text=True).stdout
    version = re.search(r"^Version: (\S+)", show, re.M)
    if version is None:
        raise RuntimeError(f"apt-cache show {package} gives no version")
    return NewestSource(package, version.group(1))


def prepared_tree(source: NewestSource, jobs: int) -> Path:
    """The unpacked, configured and prepared source tree (cached per version)."""
    top = cache_root() / "kernels" / f"{source.package}-{source.version}"
    tree = top / "tree"
    if (tree / ".pfring-prepared").is_file():
        return tree
    shutil.rmtree(top, ignore_errors=True)
    top.mkdir(parents=True)
    print(f"==> downloading {source.package} {source.version} (Debian unstable)", flush=True)
    subprocess.run(["apt-get", *apt_options(), "download", f"{source.package}={source.version}"],
                   cwd=top, check=True)
    (deb,) = list(top.glob("*.deb"))
    subprocess.run(["dpkg-deb", "-x", str(deb), str(top / "deb")], check=True)
    (tarball,) = list((top / "deb/usr/src").glob("linux-source-*.tar.*"))
    print(f"==> unpacking {tarball.name}", flush=True)
    (top / "src").mkdir()
    subprocess.run(["tar", "-xf", str(tarball), "-C", str(top / "src")], check=True)
    (unpacked,) = list((top / "src").iterdir())
    unpacked.rename(tree)
    shutil.rmtree(top / "deb")
    shutil.rmtree(top / "src")
    deb.unlink()
    print("==> x86_64_defconfig, modules_prepare", flush=True)
    subprocess.run(["make", "-s", "x86_64_defconfig"], cwd=tree, check=True)
    subprocess.run(["make", "-s", f"-j{jobs}", "modules_prepare"], cwd=tree, check=True)
    (tree / ".pfring-prepared").write_text(f"{source.package} {source.version}\n")
    return tree


def build_against_newest(jobs: int) -> Path:
    """Build kernel/ against the newest Debian kernel; returns the .ko (warnings fail:
    the module's Kbuild has -Werror)."""
    source = find_newest()
    tree = prepared_tree(source, jobs)
    work = cache_root() / "kernels" / "newest-build" / "pf_ring"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(repo_root() / "kernel", work)
    print(f"==> building pf_ring.ko against {source.package} {source.version}", flush=True)
    subprocess.run(["make", "-C", str(tree), f"M={work}", f"-j{jobs}",
                    "KBUILD_MODPOST_WARN=1", "modules"], check=True)
    ko = work / "pf_ring.ko"
    if not ko.is_file():
        raise RuntimeError(f"the build against {source.package} made no pf_ring.ko")
    return ko
