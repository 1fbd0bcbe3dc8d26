# SPDX-License-Identifier: GPL-2.0-only
"""What the pf_ring.ko tests share: tests/lab/c/pfr_probe (a ring read with the UAPI
header only) in the background, its dump files, and exact delivery checks."""

from __future__ import annotations

import json
import struct
import subprocess
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar

import pytest
from pyroute2 import IPRoute

from pfring.paths import build_root
from pfring.testing import traffic
from pfring.testing.frames import Delivery

PROBE = build_root() / "user" / "pfr_probe"
PROC = Path("/proc/net/pf_ring")
SIZES = (60, 61, 512, 1514)
PACED_PPS = 3000
VETH = ("pfrveth0", "pfrveth1")
TUN = "pfrtun0"
LoadPfRing = Callable[..., str]  # the pfr_module fixture: load pf_ring.ko with parameters
# capsh runs bash with what follows "--": exec the program given as $0 with its args
CAPSH_NO_NET_RAW = ("capsh", "--drop=cap_net_raw", "--", "-c", 'exec "$0" "$@"')


def need(path: Path) -> Path:
    """path, or the test skipped when that program is not built."""
    if not path.is_file():
        pytest.skip(f"{path} is not built (invoke build)")
    return path


def ifindex(ifname: str) -> int:
    return int(Path(f"/sys/class/net/{ifname}/ifindex").read_text())


def kasan_kernel() -> bool:
    """The sanitizer kernel (KASAN, lockdep): several times slower, and unevenly so;
    rates mean nothing there, and long tests are cut short."""
    with open("/proc/kallsyms") as symbols:
        return any(line.endswith(" kasan_report\n") for line in symbols)


@contextmanager
def ipv6_off(*names: str) -> Iterator[None]:
    """IPv6 off on the interfaces (no router solicitation, MLD or DAD frame of their
    own: nothing but what a test sends crosses them), as it was again after."""
    saved: list[tuple[Path, str]] = []
    try:
        for name in names:
            knob = Path(f"/proc/sys/net/ipv6/conf/{name}/disable_ipv6")
            if knob.exists():
                saved.append((knob, knob.read_text()))
                knob.write_text("1\n")
        yield
    finally:
        for knob, value in reversed(saved):
            knob.write_text(value)


# The veth pair's addresses (locally administered). Given at creation, they stay: a
# random one is replaced by udev (MACAddressPolicy=persistent) whenever it gets to the
# new device, which on a slow kernel is after a test has read the address and sent to it.
VETH_MACS = ("02:50:46:52:00:01", "02:50:46:52:00:02")


@contextmanager
def quiet_veth(names: tuple[str, str]) -> Iterator[tuple[str, str]]:
    """A veth pair made anew, up, with fixed addresses (VETH_MACS) and no IPv6 (nothing
    but what a test sends crosses it), deleted after."""
    with IPRoute() as ipr:
        if ipr.link_lookup(ifname=names[0]):
            ipr.link("del", index=ipr.link_lookup(ifname=names[0])[0])
        ipr.link("add", ifname=names[0], kind="veth", address=VETH_MACS[0],
                 peer={"ifname": names[1], "address": VETH_MACS[1]})
        for name in names:
            Path(f"/proc/sys/net/ipv6/conf/{name}/disable_ipv6").write_text("1\n")
            ipr.link("set", index=ipr.link_lookup(ifname=name)[0], state="up")
        traffic.wait_for_carrier(names)
        try:
            yield names
        finally:
            if ipr.link_lookup(ifname=names[0]):
                ipr.link("del", index=ipr.link_lookup(ifname=names[0])[0])


class Probe:
    """pfr_probe running in the background; READY once its ring takes packets."""

    running: ClassVar[list[Probe]] = []

    def __init__(self, *args: str, prefix: tuple[str, ...] = ()) -> None:
        if not PROBE.is_file():
            pytest.skip(f"{PROBE} is not built (invoke build)")
        self.proc = subprocess.Popen([*prefix, str(PROBE), *args], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        Probe.running.append(self)
        assert self.proc.stdout is not None
        first = self.proc.stdout.readline().strip()
        self.ready = first == "READY"
        self.early = None if self.ready else json.loads(first or "{}")

    @property
    def pid(self) -> int:
        return self.proc.pid

    def go(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def expect(self, line: str) -> None:
        """Wait for the probe to print line (ENABLED, DRAINED)."""
        assert self.proc.stdout is not None
        got = self.proc.stdout.readline().strip()
        assert got == line, f"pfr_probe printed {got!r}, not {line!r}"

    def result(self, timeout: float = 120) -> dict[str, int]:
        if self.early is not None:
            self.proc.wait(timeout)
            return self.early
        out, _ = self.proc.communicate(timeout=timeout)
        lines = [line for line in out.splitlines() if line.strip()]
        assert lines, f"pfr_probe printed nothing (rc {self.proc.returncode})"
        return json.loads(lines[-1])

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def probe_error(*args: str, prefix: tuple[str, ...] = ()) -> dict[str, int]:
    probe = Probe(*args, prefix=prefix)
    assert not probe.ready, "the probe opened a ring it should have been refused"
    return probe.result()


def lab_frames(tx_if: str, rx_if: str, count: int, stream: int = 7,
               sizes: tuple[int, ...] = SIZES) -> list[bytes]:
    return traffic.lab_frames(tx_if, rx_if, count, sizes, stream)


send = traffic.send_frames


def read_dump(path: Path) -> list[tuple[int, int, int, bytes]]:
    """(len, queue, direction, bytes) of each frame pfr_probe wrote."""
    data = path.read_bytes()
    out, off = [], 0
    while off < len(data):
        length, caplen, queue, direction, _ = struct.unpack_from("=IIHBB", data, off)
        off += 12
        out.append((length, queue, direction, data[off:off + caplen]))
        off += caplen
    return out


def crc_sum(frames: list[bytes]) -> int:
    return sum(zlib.crc32(f) for f in frames)


def assert_exact(result: dict[str, int], dump: Path, frames: list[bytes], stream: int = 7) -> None:
    """The ring saw each frame once, unaltered, and nothing was dropped."""
    delivery = Delivery(stream, len(frames), sum(len(f) for f in frames))
    for length, _, _, frame in read_dump(dump):
        assert length == len(frame)
        delivery.add(frame)
    assert delivery.exact, delivery.summary()
    assert result["match"] == len(frames)
    assert result["bytes"] == result["wire_bytes"] == sum(len(f) for f in frames)
    assert result["crc_sum"] == crc_sum(frames)
    assert result["stats_drop"] == 0 and result["bad_hdr"] == 0


def proc_fields(path: Path) -> dict[str, str]:
    return {k.strip(): v.strip() for k, v in
            (line.split(":", 1) for line in path.read_text().splitlines() if ":" in line)}


def assert_queues_split(tx_if: str, rx_if: str, count: int = 2000) -> None:
    """pktgen's flows from many sources over rx_if's two RX queues: a ring on the whole
    device gets every frame, one on each queue (rx_if@0, rx_if@1) only that queue's,
    the two adding up to all of them."""
    args = ("-e", "0x0800", "-n", str(count), "-I", "4000", "-t", "120000")
    whole = Probe("-i", rx_if, *args)
    q0 = Probe("-i", f"{rx_if}@0", *args)
    q1 = Probe("-i", f"{rx_if}@1", *args)
    assert whole.ready and q0.ready and q1.ready
    gen = traffic.Pktgen(tx_if)
    try:
        gen.configure(count, 128, traffic.interface_mac(rx_if), rate_pps=PACED_PPS,
                      many_sources=True)
        sent = gen.run().sent
    finally:
        gen.close()
    assert sent == count
    r_all, r0, r1 = whole.result(), q0.result(), q1.result()
    assert r_all["match"] == count, r_all
    assert r0["match"] + r1["match"] == count, (r0, r1)
    assert r0["match"] > 0 and r1["match"] > 0, (r0, r1)
    assert r0["queues"][0] == r0["match"] and r1["queues"][1] == r1["match"]
    assert r_all["queues"][0] == r0["match"] and r_all["queues"][1] == r1["match"]
    # parsed in the kernel: IPv4, UDP to port 9, offsets 14/34/42, a flow hash
    assert r_all["parsed_udp9"] == count
    assert r_all["stats_drop"] == 0
