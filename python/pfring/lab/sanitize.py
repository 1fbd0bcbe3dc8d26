# SPDX-License-Identifier: LGPL-2.1-or-later
"""The lab's sanitizer kernel: Debian's linux-source-6.1 with KASAN, lockdep and kmemleak.

It is built once (about 18 minutes on two cores) into the cache outside the repository
and booted with '--kernel sanitize'. The NIC drivers, veth and pktgen are built in, so the
guest needs no module tree for them; out-of-tree modules (pf_ring.ko, test modules) build
against the tree itself.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

from pfring.lab.kernels import sanitize_tree
from pfring.lab.vng import vng_argv, vng_env

SOURCE_TARBALL = Path("/usr/src/linux-source-6.1.tar.xz")

# Added to virtme-ng's minimal configuration.
CONFIG_ITEMS = (
    # the sanitizers
    "CONFIG_KASAN=y",
    "CONFIG_KASAN_GENERIC=y",
    "CONFIG_KASAN_INLINE=y",
    "CONFIG_PROVE_LOCKING=y",
    "CONFIG_DEBUG_ATOMIC_SLEEP=y",
    "CONFIG_DEBUG_KMEMLEAK=y",
    "CONFIG_DEBUG_KMEMLEAK_MEM_POOL_SIZE=16000",
    "CONFIG_DEBUG_KMEMLEAK_AUTO_SCAN=n",
    "CONFIG_DEBUG_FS=y",
    "CONFIG_DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT=n",
    "CONFIG_DEBUG_INFO_NONE=y",
    # out-of-tree modules
    "CONFIG_MODULES=y",
    "CONFIG_MODULE_UNLOAD=y",
    "CONFIG_MODULE_FORCE_UNLOAD=y",
    # the lab's NICs and traffic
    "CONFIG_PCI=y",
    "CONFIG_PCI_MSI=y",
    "CONFIG_NETDEVICES=y",
    "CONFIG_ETHERNET=y",
    "CONFIG_NET_VENDOR_INTEL=y",
    "CONFIG_E1000E=y",
    "CONFIG_IGB=y",
    "CONFIG_VETH=y",
    "CONFIG_NET_PKTGEN=y",
    "CONFIG_PACKET=y",
    "CONFIG_IPV6=y",
    "CONFIG_XDP_SOCKETS=y",
    "CONFIG_BPF_SYSCALL=y",
)


def unpack_source(tree: Path, tarball: Path = SOURCE_TARBALL) -> None:
    """Unpack Debian's kernel source into the cache, once."""
    if (tree / "Makefile").is_file():
        return
    if not tarball.is_file():
        raise FileNotFoundError(f"{tarball} is missing: run 'invoke deps' (linux-source-6.1)")
    tree.parent.mkdir(parents=True, exist_ok=True)
    staging = tree.parent / "unpacking"
    shutil.rmtree(staging, ignore_errors=True)
    print(f"==> unpacking {tarball} into {tree}", flush=True)
    staging.mkdir()
    subprocess.run(["tar", "-xf", str(tarball), "-C", str(staging)], check=True)
    (top,) = list(staging.iterdir())
    top.rename(tree)
    staging.rmdir()


def kconfig_argv() -> list[str]:
    """virtme-ng's minimal configuration for the lab (written to .config, nothing built)."""
    return vng_argv("--kconfig", "--force")


def apply_config_items(tree: Path) -> None:
    """Set CONFIG_ITEMS on top of vng's configuration and check that every one of them held.

    vng's own list switches a few options off (IPv6 among them) after our --configitem
    values, so the items are applied here with the kernel's scripts/config instead.
    """
    config = tree / ".config"
    for item in CONFIG_ITEMS:
        name, value = item.removeprefix("CONFIG_").split("=", 1)
        subprocess.run(
            ["scripts/config", "--file", str(config), "--set-val", name, value],
            cwd=tree,
            check=True,
        )
    subprocess.run(["make", "olddefconfig"], cwd=tree, check=True, stdout=subprocess.DEVNULL)
    have = set(config.read_text().splitlines())
    missing = [
        item
        for item in CONFIG_ITEMS
        if item not in have and not (item.endswith("=n") and f"# {item[:-2]} is not set" in have)
    ]
    if missing:
        raise RuntimeError(f"the sanitizer configuration lost: {', '.join(missing)}")


def build_sanitizer_kernel(jobs: int, dry_run: bool = False) -> Path:
    """Build (or bring up to date) the sanitizer kernel; returns its tree."""
    tree = sanitize_tree()
    if dry_run:
        print(f"(cd {tree} && {shlex.join(kconfig_argv())})")
        print(f"(cd {tree} && scripts/config --set-val ... {' '.join(CONFIG_ITEMS)})")
        print(f"(cd {tree} && make -j{jobs} && make modules_prepare)")
        return tree
    unpack_source(tree)
    print(f"==> configuring the sanitizer kernel in {tree}", flush=True)
    subprocess.run(kconfig_argv(), cwd=tree, check=True, env=vng_env())
    apply_config_items(tree)
    print(f"==> building it (about 18 minutes on {jobs} cores)", flush=True)
    subprocess.run(["make", f"-j{jobs}"], cwd=tree, check=True)
    # Out-of-tree modules need the tree's Module.symvers and generated headers.
    subprocess.run(["make", f"-j{jobs}", "modules_prepare"], cwd=tree, check=True)
    return tree
