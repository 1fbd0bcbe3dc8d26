# SPDX-License-Identifier: GPL-2.0-only
"""Fixtures of the lab suite's pf_ring.ko tests: a quiet veth pair, a tun device (no
link-layer header), and the module loaded with no probe left holding a ring when it is
unloaded; for the ZC tests, the lab's first e1000e link and hugepages."""

from __future__ import annotations

import fcntl
import os
import struct
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from ringprobe import TUN, VETH, LoadPfRing, Probe, ipv6_off, quiet_veth

from pfring.testing.labfile import Lab, select_links
from pfring.testing.plugin import LinkEnds
from pfring.testing.traffic import wait_for_carrier

NR_HUGEPAGES = Path("/proc/sys/vm/nr_hugepages")
TUNSETIFF = 0x400454CA
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000


@pytest.fixture
def veth() -> Iterator[tuple[str, str]]:
    """A quiet veth pair (no IPv6, so nothing but what a test sends crosses it)."""
    with quiet_veth(VETH) as ends:
        yield ends


@pytest.fixture
def pfr_module(pf_ring_module: LoadPfRing) -> Iterator[LoadPfRing]:
    """pf_ring_module, and no probe left holding a ring when the module is unloaded
    after the test (even a failed one)."""
    yield pf_ring_module
    while Probe.running:
        Probe.running.pop().kill()


@pytest.fixture
def tun() -> Iterator[int]:
    """A tun device (raw IP, no link-layer header), up; yields the fd whose writes the
    kernel receives on it."""
    if not Path("/dev/net/tun").exists():
        subprocess.run(["modprobe", "tun"], check=True)  # devtmpfs adds the node
    fd = os.open("/dev/net/tun", os.O_RDWR)
    try:
        fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", TUN.encode(), IFF_TUN | IFF_NO_PI))
        Path(f"/proc/sys/net/ipv6/conf/{TUN}/disable_ipv6").write_text("1\n")
        subprocess.run(["ip", "link", "set", TUN, "up"], check=True)
        yield fd
    finally:
        os.close(fd)


@pytest.fixture
def e1000e_wire(lab: Lab) -> Iterator[LinkEnds]:
    """The first e1000e link of the lab, carrier up, IPv6 off on both ends."""
    links = select_links(lab, ["e1000e"])
    if not links:
        pytest.skip(f"lab {lab.name!r} has no e1000e link")
    ends = LinkEnds(links[0], links[0].tx.interface(), links[0].rx.interface())
    with ipv6_off(ends.tx, ends.rx):
        wait_for_carrier([ends.tx, ends.rx])
        yield ends


@pytest.fixture
def zc_hugepages(request: pytest.FixtureRequest) -> Iterator[None]:
    """64 hugepages of 2 MB for a ZC test's clusters (the test is skipped when the guest
    could not reserve the module's ZC_HUGEPAGES_NEEDED of them); the old count after."""
    need = int(getattr(request.module, "ZC_HUGEPAGES_NEEDED", 64))
    old = NR_HUGEPAGES.read_text().strip()
    NR_HUGEPAGES.write_text("64\n")
    try:
        if int(NR_HUGEPAGES.read_text()) < need:
            pytest.skip("the guest could not reserve hugepages")
        yield
    finally:
        NR_HUGEPAGES.write_text(f"{old}\n")
