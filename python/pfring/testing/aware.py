# SPDX-License-Identifier: LGPL-2.1-or-later
"""The PF_RING-aware drivers in lab tests: put ours in place of the in-tree module (or
back), and read what the device says about its driver.

The same helpers serve the virtual lab (e1000e, igb) and a real lab host (ixgbe, i40e,
ice): every port of the driver goes down with the module and comes back up under the
other one, its ring sizes as the lab set them up.
"""

from __future__ import annotations

import platform
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pfring.testing.kmod import ModuleLoader
from pfring.testing.labfile import Lab


def aware_module(driver: str, release: str | None = None) -> Path:
    """Where 'invoke build' leaves the aware driver for a kernel release."""
    from pfring.paths import build_root

    return build_root() / (release or platform.release()) / "drivers" / f"{driver}.ko"


def ethtool_version(ifname: str) -> str:
    out = subprocess.run(["ethtool", "-i", ifname], capture_output=True, text=True,
                         check=True).stdout
    return next(line.split(":", 1)[1].strip() for line in out.splitlines()
                if line.startswith("version:"))


def bring_back(lab: Lab, driver: str) -> None:
    """Every port of the lab bound to its driver again, with its interface up."""
    from pfring.lab.guest import bring_up, wait_for_ports

    problems = wait_for_ports(lab)
    if problems:
        raise RuntimeError(f"after loading {driver}: {'; '.join(problems)}")
    bring_up(lab)


def swap_module(driver: str, aware: bool) -> None:
    """Unload driver's module and load ours (aware) or the in-tree one (modprobe)."""
    loader = ModuleLoader()
    if loader.is_loaded(driver):
        loader.unload(driver)
    if aware:
        loader.load(aware_module(driver))
    else:
        subprocess.run(["modprobe", driver], check=True)


def use_driver(lab: Lab, driver: str, aware: bool) -> None:
    """swap_module(), then every port of the lab back up."""
    swap_module(driver, aware)
    bring_back(lab, driver)


@contextmanager
def aware_driver(lab: Lab, driver: str) -> Iterator[None]:
    """Our driver in place of the in-tree one while the block runs."""
    use_driver(lab, driver, aware=True)
    try:
        yield
    finally:
        use_driver(lab, driver, aware=False)
