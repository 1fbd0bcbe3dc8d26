# SPDX-License-Identifier: GPL-2.0-only
"""Fixtures of the lab suite's pf_ring.ko tests: a quiet veth pair, a tun device (no
link-layer header), and the module loaded with no probe left holding a ring when it is
unloaded."""

from __future__ import annotations

import fcntl
import os
import struct
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from ringprobe import TUN, VETH, LoadPfRing, Probe, quiet_veth

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
