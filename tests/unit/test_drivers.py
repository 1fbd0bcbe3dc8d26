# SPDX-License-Identifier: LGPL-2.1-or-later
"""The aware drivers' build glue (pfring.drivers): which series a kernel takes, the
message when it has none, the Kbuild beside the patched driver, and every series
applying to Debian's source without fuzz."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pfring import drivers
from pfring.paths import repo_root


def test_a_release_names_its_kernel_series() -> None:
    assert drivers.kernel_series("6.1.0-57-amd64") == "6.1"
    assert drivers.kernel_series("6.12.95+deb12-amd64") == "6.12"
    assert drivers.kernel_series("6.1.192") == "6.1"
    with pytest.raises(ValueError):
        drivers.kernel_series("vmlinuz")


def test_every_driver_has_a_series_for_both_lab_kernels() -> None:
    assert drivers.patched_drivers() == list(drivers.DRIVERS)
    for driver in drivers.DRIVERS:
        for release in ("6.1.0-57-amd64", "6.12.95+deb12-amd64"):
            series = drivers.series_for(driver, release)
            assert series.patches and all(p.suffix == ".patch" for p in series.patches)
            # what ethtool -i can show (its version field holds 31 bytes)
            assert len(series.name) <= 31 and series.name.startswith("pfring-aware ")


def test_a_kernel_without_a_series_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "drivers/igb/6.1").mkdir(parents=True)
    (tmp_path / "drivers/igb/6.1/0001-x.patch").write_text("")
    with pytest.raises(drivers.NoSeries, match=r"no patch series for kernel 6\.15 .*"
                       r"drivers/igb/6\.15/ is missing \(series exist for 6\.1\).*README"):
        drivers.series_for("igb", "6.15.2-1-amd64", root=tmp_path)


def test_aware_drivers_are_built_where_the_in_tree_one_is_a_module(tmp_path: Path) -> None:
    (tmp_path / ".config").write_text(
        "CONFIG_E1000E=m\nCONFIG_IGB=y\n# CONFIG_IXGBE is not set\nCONFIG_I40E=m\n"
        "CONFIG_ICE_SWITCHDEV=m\n")
    assert drivers.modular_drivers(tmp_path) == ["e1000e", "i40e"]
    assert drivers.modular_drivers(tmp_path / "no-tree") == []
    for debian in Path("/lib/modules").glob("*-amd64/build"):  # the lab kernels' headers
        assert drivers.modular_drivers(debian) == list(drivers.DRIVERS), debian


def test_the_kbuild_adds_the_glue_and_our_headers() -> None:
    series = drivers.series_for("igb", "6.1.0-57-amd64")
    text = drivers.kbuild_text(series)
    assert "include $(src)/Makefile" in text and "igb-y += pfr_aware.o" in text
    assert f"-I{repo_root() / 'kernel/include'}" in text
    assert f"-DPFR_AWARE_SERIES='\"{series.name}\"'" in text


@pytest.mark.parametrize("kernel", ["6.1", "6.12"])
def test_every_series_applies_to_debians_source_without_fuzz(kernel: str,
                                                             tmp_path: Path) -> None:
    if not drivers.source_tarball(kernel).is_file():
        pytest.skip(f"{drivers.source_tarball(kernel)} is not installed (invoke deps)")
    tree = drivers.unpacked_tree(kernel)
    for driver in drivers.DRIVERS:
        work = tmp_path / driver
        (work / drivers.INTEL).mkdir(parents=True)
        subprocess.run(["cp", "-a", str(tree / drivers.INTEL / driver),
                        str(work / drivers.INTEL)], check=True)
        for patch in drivers.series_for(driver, f"{kernel}.0").patches:
            done = subprocess.run(["patch", "-p1", "-F0", "--batch", "--forward", "--dry-run",
                                   "-d", str(work), "-i", str(patch)],
                                  capture_output=True, text=True, check=False)
            assert done.returncode == 0, f"{patch}: {done.stdout}{done.stderr}"
            subprocess.run(["patch", "-p1", "-F0", "--batch", "-s", "-d", str(work), "-i",
                            str(patch)], check=True)
