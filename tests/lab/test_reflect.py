# SPDX-License-Identifier: GPL-2.0-only
"""Reflection and bounce (issue 9): what a ring takes goes out of another device, or
back out of its own with the MAC addresses swapped, in the kernel; preflect and
pfbridge on top of it."""

from __future__ import annotations

import errno
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from ringprobe import PROC, TUN, LoadPfRing, quiet_veth

from pfring.paths import build_root
from pfring.ring import Ring
from pfring.testing import traffic
from pfring.testing.labfile import Lab
from pfring.testing.traffic import FrameReceiver, interface_mac, wait_for_carrier

OTHER = ("pfrrefl0", "pfrrefl1")
BIN = build_root() / "user" / "bin"


@pytest.fixture
def other_veth() -> Iterator[tuple[str, str]]:
    """A second quiet veth pair, for frames to be reflected into."""
    with quiet_veth(OTHER) as ends:
        yield ends


def ring_file(ring: Ring) -> str:
    found = [p for p in PROC.iterdir() if p.is_file() and p.name.endswith(f".{ring.ring_id}")]
    assert len(found) == 1, found
    return found[0].read_text()


def proc_count(text: str, field: str) -> int:
    m = re.search(rf"^{field}\s*: (\d+)$", text, re.MULTILINE)
    assert m, text
    return int(m[1])


def swapped(frame: bytes) -> bytes:
    return frame[6:12] + frame[0:6] + frame[12:]


def test_reflected_frames_leave_by_the_other_device_and_are_not_queued(
    pfr_module: LoadPfRing, veth: tuple[str, str], other_veth: tuple[str, str],
) -> None:
    pfr_module()
    frames = traffic.lab_frames(veth[0], veth[1], 200, (60, 61, 512, 1514), 51)
    with Ring(veth[1]) as ring, FrameReceiver(other_veth[1]) as out:
        ring.set_reflector(other_veth[0])
        traffic.send_frames(veth[0], frames)
        assert out.frames(len(frames)) == frames
        assert ring.recv(wait=False) is None
        text = ring_file(ring)
        assert proc_count(text, "Reflected") == len(frames)
        assert proc_count(text, "Reflection Errors") == 0
        assert proc_count(text, "Tot Packets") == 0
        # no reflector: the ring queues again
        ring.set_reflector(None)
        traffic.send_frames(veth[0], frames[:5])
        time.sleep(0.5)
        got = [p.data for p in iter(lambda: ring.recv(wait=False), None)]
        assert got == frames[:5]


def test_bounce_returns_frames_with_swapped_macs(pfr_module: LoadPfRing,
                                                  veth: tuple[str, str]) -> None:
    pfr_module()
    frames = traffic.lab_frames(veth[0], veth[1], 100, (60, 700), 52)
    with Ring(veth[1]) as ring, FrameReceiver(veth[0]) as back:
        ring.set_bounce(True)
        traffic.send_frames(veth[0], frames)
        assert back.frames(len(frames)) == [swapped(f) for f in frames]
        assert proc_count(ring_file(ring), "Reflected") == len(frames)


def test_reflection_from_one_lab_port_out_of_another(pfr_module: LoadPfRing, lab: Lab) -> None:
    """igb-a -> igb-b, whose ring reflects out of e1000e-a -> e1000e-b: the frames (to
    e1000e-b's address) arrive there exactly, through two emulated NICs."""
    pfr_module()
    by_driver = {link.rx.driver: link for link in lab.links}
    if not {"igb", "e1000e"} <= set(by_driver):
        pytest.skip("needs an igb link and an e1000e link")
    igb, e1000e = by_driver["igb"], by_driver["e1000e"]
    src, via = igb.tx.interface(), igb.rx.interface()
    out, dst = e1000e.tx.interface(), e1000e.rx.interface()
    wait_for_carrier([src, via, out, dst])
    frames = traffic.lab_frames(src, dst, 100, (60, 512, 1514), 53)
    with Ring(via, promisc=True) as ring, FrameReceiver(dst) as receiver:
        ring.set_reflector(out)
        traffic.send_frames_paced(src, via, frames, chunk=50)
        assert receiver.frames(len(frames), timeout=30) == frames


def test_bad_reflectors_are_refused_and_a_gone_device_ends_reflection(
    pfr_module: LoadPfRing, veth: tuple[str, str], other_veth: tuple[str, str],
    tun: int,
) -> None:
    pfr_module()
    with Ring(veth[1]) as ring:
        with pytest.raises(OSError) as nodev:
            ring.set_reflector("pfrnosuch0")
        assert nodev.value.errno == errno.ENODEV
        with pytest.raises(OSError) as not_ether:
            ring.set_reflector(TUN)
        assert not_ether.value.errno == errno.EINVAL
        ring.set_reflector(other_veth[0])
        subprocess.run(["ip", "link", "del", other_veth[0]], check=True)
        frames = traffic.lab_frames(veth[0], veth[1], 10, (60,), 54)
        traffic.send_frames(veth[0], frames)
        time.sleep(0.5)
        assert [p.data for p in iter(lambda: ring.recv(wait=False), None)] == frames


def tool(name: str) -> Path:
    path = BIN / name
    if not path.is_file():
        pytest.skip(f"{path} is not built (invoke build)")
    return path


def started(argv: list[str], marker: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    line = proc.stderr.readline()
    assert marker in line, line + proc.stderr.read()
    return proc


def stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err


def test_preflect_reflects_and_bounces(pfr_module: LoadPfRing, veth: tuple[str, str],
                                       other_veth: tuple[str, str]) -> None:
    pfr_module()
    frames = traffic.lab_frames(veth[0], veth[1], 50, (60, 1000), 55)
    proc = started([str(tool("preflect")), "-i", veth[1], "-o", other_veth[0], "-q"],
                   f"preflect: {veth[1]} -> {other_veth[0]}")
    try:
        with FrameReceiver(other_veth[1]) as out:
            traffic.send_frames(veth[0], frames)
            assert out.frames(len(frames)) == frames
    finally:
        stop(proc)
    proc = started([str(tool("preflect")), "-i", veth[1], "-b", "-q"], "(bounce)")
    try:
        with FrameReceiver(veth[0]) as back:
            traffic.send_frames(veth[0], frames)
            assert back.frames(len(frames)) == [swapped(f) for f in frames]
    finally:
        stop(proc)


def test_pfbridge_forwards_both_ways(pfr_module: LoadPfRing, veth: tuple[str, str],
                                     other_veth: tuple[str, str]) -> None:
    pfr_module()
    there = traffic.lab_frames(veth[0], other_veth[1], 60, (60, 1514), 56)
    back = traffic.lab_frames(other_veth[1], veth[0], 60, (60, 1514), 57)
    proc = started([str(tool("pfbridge")), "-a", veth[1], "-b", other_veth[0], "-q"],
                   f"pfbridge: {veth[1]} <-> {other_veth[0]}")
    try:
        with FrameReceiver(other_veth[1]) as far, FrameReceiver(veth[0]) as near:
            traffic.send_frames(veth[0], there)
            traffic.send_frames(other_veth[1], back)
            assert far.frames(len(there)) == there
            assert near.frames(len(back)) == back
    finally:
        stop(proc)
    assert interface_mac(veth[0]) != interface_mac(other_veth[1])


@pytest.mark.parametrize(("name", "args", "message"), [
    ("preflect", ["-i", "lo"], "one of -o OUT or -b are required"),
    ("preflect", ["-i", "lo", "-o", "lo", "-b"], "one of -o OUT or -b are required"),
    ("preflect", ["-i", "pfrnosuch0", "-b"], "cannot open a ring on pfrnosuch0"),
    ("preflect", ["-i", "lo", "-o", "pfrnosuch0"], "cannot reflect lo to pfrnosuch0"),
    ("pfbridge", ["-a", "lo"], "two devices, are required"),
    ("pfbridge", ["-a", "lo", "-b", "lo"], "two devices, are required"),
    ("pfbridge", ["-a", "lo", "-b", "pfrnosuch0"], "cannot send lo's frames out of"),
])
def test_forwarding_tools_refuse_bad_input(pfr_module: LoadPfRing, name: str,
                                           args: list[str], message: str) -> None:
    pfr_module()
    done = subprocess.run([str(tool(name)), *args], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode in (1, 2), done.stderr
    assert message in done.stderr
    assert done.returncode == (2 if "required" in message else 1)
