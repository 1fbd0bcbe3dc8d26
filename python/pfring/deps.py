# SPDX-License-Identifier: LGPL-2.1-or-later
"""What a fresh Debian 12 machine needs from apt, and installing it (idempotently).

QEMU 10 (for the emulated igb) and the 6.12 lab kernel come from bookworm-backports,
whose apt source is added here. The lab kernels are resolved to their current ABI names
from apt's metapackages, so a Debian security update does not break the lab.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

BACKPORTS_SOURCE = Path("/etc/apt/sources.list.d/pfring-backports.sources")
BACKPORTS = """\
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""

# From bookworm itself.
BASE_PACKAGES = (
    "bc", "bison", "build-essential", "busybox-static", "dwarves", "ethtool", "flex",
    "iproute2", "kmod", "libbpf-dev", "libcap2-bin", "libelf-dev", "libpcap-dev",
    "libssl-dev", "libxdp-dev", "python3-dev", "python3-venv",
    "tcpdump", "udev",
    # Suricata, the lab's real client (pfring.clients.suricata): Debian's Rust toolchain,
    # the libraries it cannot do without, and the two optional ones its configure finds
    # when present (so that every machine builds, and links, the same binary)
    "cargo", "libcap-ng-dev", "libjansson-dev", "liblz4-dev", "libpcre2-dev", "libyaml-dev",
    "pkgconf", "rustc", "zlib1g-dev",
    # DPDK 22.11's rte_ring, the reference of the ZC queue's bench (invoke bench --zc)
    "libdpdk-dev",
)
# From bookworm-backports.
BACKPORTS_PACKAGES = ("linux-perf", "qemu-system-x86", "qemu-utils",  # perf: invoke bench --profile
                      "libhtp-dev")  # Suricata 7.0.10 goes with libhtp 0.5.50 (bookworm: 0.5.42)
# Lab kernels: (series, from bookworm-backports?).
LAB_KERNEL_SERIES = (("6.1", False), ("6.12", True))


def apt_env() -> dict[str, str]:
    return {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}


def installed(packages: list[str]) -> list[str]:
    """Which of packages dpkg has installed."""
    out = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Package} ${db:Status-Status}\\n", *packages],
        capture_output=True, text=True, check=False,
    ).stdout
    return [line.split()[0] for line in out.splitlines() if line.endswith(" installed")]


def has_backports_source() -> bool:
    sources = Path("/etc/apt/sources.list.d")
    texts = [p.read_text() for p in sources.glob("*") if p.is_file()]
    list_file = Path("/etc/apt/sources.list")
    if list_file.is_file():
        texts.append(list_file.read_text())
    return any("bookworm-backports" in t for t in texts)


def lab_kernel_packages() -> list[tuple[str, bool]]:
    """(package, from backports?): linux-image-<abi>, linux-headers-<abi> and the kernel's
    source (linux-source-<series>=<version>, what the aware drivers are patched from) for
    the newest 6.1 and 6.12."""
    madison = subprocess.run(
        ["apt-cache", "madison", "linux-image-amd64"], capture_output=True, text=True,
        check=True,
    ).stdout
    rows = [[f.strip() for f in line.split("|")] for line in madison.splitlines()]
    packages = []
    for series, from_backports in LAB_KERNEL_SERIES:
        # madison lists the newest version first
        versions = [
            version for _, version, origin in rows
            if version.startswith(series + ".") and ("-backports" in origin) == from_backports
        ]
        if not versions:
            raise RuntimeError(f"apt knows no linux-image-amd64 {series} (apt-get update?)")
        depends = subprocess.run(
            ["apt-cache", "depends", f"linux-image-amd64={versions[0]}"],
            capture_output=True, text=True, check=True,
        ).stdout
        image = re.search(r"Depends: (linux-image-\S+)", depends)
        if image is None:
            raise RuntimeError(f"cannot tell which kernel linux-image-amd64={versions[0]} is")
        headers = image.group(1).replace("linux-image-", "linux-headers-")
        packages += [(image.group(1), from_backports), (headers, from_backports),
                     (f"linux-source-{series}={versions[0]}", from_backports)]
    return packages


def install(dry_run: bool = False) -> None:
    """Add bookworm-backports, then install whatever of the lists is missing."""

    def run(argv: list[str]) -> None:
        print(f"+ {' '.join(argv)}", flush=True)
        if not dry_run:
            subprocess.run(argv, check=True, env=apt_env())

    if not has_backports_source():
        print(f"==> adding bookworm-backports ({BACKPORTS_SOURCE})", flush=True)
        if not dry_run:
            BACKPORTS_SOURCE.write_text(BACKPORTS)
        run(["apt-get", "update"])
    elif not any(Path("/var/lib/apt/lists").glob("*bookworm-backports*Packages*")):
        run(["apt-get", "update"])
    kernels = lab_kernel_packages()
    have = installed([*BASE_PACKAGES, *BACKPORTS_PACKAGES,
                      *(name.split("=")[0] for name, _ in kernels)])
    base = [p for p in BASE_PACKAGES if p not in have]
    base += [name for name, bpo in kernels if not bpo and name.split("=")[0] not in have]
    backports = [p for p in BACKPORTS_PACKAGES if p not in have]
    backports += [name for name, bpo in kernels if bpo and name.split("=")[0] not in have]
    qemu = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "qemu-system-x86"],
                          capture_output=True, text=True, check=False).stdout
    if qemu and "bpo" not in qemu and "qemu-system-x86" not in backports:
        backports.append("qemu-system-x86")  # bookworm's QEMU 7.2 has no igb
    if not base and not backports:
        print("==> apt: everything is installed", flush=True)
        return
    no_rec = ["apt-get", "install", "-y", "--no-install-recommends"]
    if base:
        print(f"==> apt: installing {' '.join(base)}", flush=True)
        run([*no_rec, *base])
    if backports:
        print(f"==> apt: installing from bookworm-backports: {' '.join(backports)}", flush=True)
        run([*no_rec, "-t", "bookworm-backports", *backports])
