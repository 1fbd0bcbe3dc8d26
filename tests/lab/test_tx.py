# SPDX-License-Identifier: LGPL-2.1-or-later
"""Sending through pf_ring.ko, end to end on an e1000e link: pfsend, libpfring's
pfring_send() (tests/lab/c/pfring_sender.c), the Python Ring's send() and send_batch(),
and the socket's own sendmsg() batches.

What leaves one port is counted at the other by a plain AF_PACKET socket: every frame
once, in order, byte for byte. The kernel's refusals are checked by their errno, and
malformed batches must leave the kernel healthy (the kernel-log check runs after each
test)."""

from __future__ import annotations

import errno
import json
import os
import random
import select
import socket
import struct
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from ringprobe import LoadPfRing, ifindex, kasan_kernel, need

from pfring.paths import build_root
from pfring.rules import mac_bytes
from pfring.testing.frames import ETH_P_LAB
from pfring.testing.plugin import LinkEnds
from pfring.testing.traffic import (
    FrameReceiver,
    FrameSender,
    interface_mac,
    lab_frames,
    wait_for_carrier,
)

USER = build_root() / "user"
PFSEND = USER / "bin" / "pfsend"
SENDER = USER / "pfring_sender"

ETH_P_IP = 0x0800
ETH_P_ALL = 0x0003
PF_RING_FAMILY = 13
SOL_PF_RING = 0x5052
OPT_BIND, OPT_SOCKET_MODE, OPT_TX_QDISC = 3, 6, 20
MODE_SEND_ONLY, MODE_RECV_ONLY = 1, 2
SO_TIMESTAMPNS = 35
# libpfring's codes
ERROR_GENERIC, ERROR_INVALID_ARGUMENT, ERROR_WRONG_CONFIGURATION = -1, -2, -5


def set_link(ifname: str, up: bool) -> None:
    subprocess.run(["ip", "link", "set", ifname, "up" if up else "down"], check=True)
    if up:
        wait_for_carrier([ifname])


# ---- what pfsend generates ------------------------------------------------------------


def csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def pfsend_frame(dst: str, src: str, seq: int, length: int, src_ip: str = "10.0.0.1",
                 dst_ip: str = "192.168.0.1", sport: int = 10000) -> bytes:
    """The frame pfsend generates (pfsend --help, DESCRIPTION), built independently."""
    udp_len = length - 34
    payload = struct.pack("!I", seq & 0xFFFFFFFF) + bytes(i & 0xFF for i in range(46, length))
    saddr, daddr = socket.inet_aton(src_ip), socket.inet_aton(dst_ip)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, length - 14, 0, 0x4000, 64, 17, 0, saddr, daddr)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    udp = struct.pack("!HHHH", sport, 9, udp_len, 0) + payload
    check = csum(saddr + daddr + struct.pack("!BBH", 0, 17, udp_len) + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", check) + udp[8:]
    return mac_bytes(dst) + mac_bytes(src) + b"\x08\x00" + ip + udp


def pfsend(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(need(PFSEND)), *args], capture_output=True, text=True,
                          timeout=timeout)


def first_difference(got: list[bytes], want: list[bytes]) -> str:
    for i, (g, w) in enumerate(zip(got, want, strict=False)):
        if g != w:
            return f"frame {i} differs: got {g[:48].hex()}..., want {w[:48].hex()}..."
    return f"got {len(got)} frames, want {len(want)}"


def ipv4_frames(frames: list[bytes]) -> list[bytes]:
    """The UDP frames to port 9 (pfsend's), without whatever else came."""
    return [f for f in frames if len(f) >= 42 and f[12:14] == b"\x08\x00" and f[23] == 17
            and f[36:38] == b"\x00\x09"]


class TimedReceiver(FrameReceiver):
    """A FrameReceiver that keeps each frame's kernel receive time (SO_TIMESTAMPNS),
    for rates measured at the receiver."""

    def __init__(self, ifname: str, protocol: int) -> None:
        super().__init__(ifname, protocol)
        self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)

    def timed_frames(self, expected: int, timeout: float) -> list[tuple[int, bytes]]:
        out: list[tuple[int, bytes]] = []
        deadline = time.monotonic() + timeout
        while len(out) < expected:
            left = min(2.0, deadline - time.monotonic())
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                break
            data, anc, _, _ = self.sock.recvmsg(65536, 64)
            ts = next(struct.unpack("=qq", d[:16]) for lvl, typ, d in anc
                      if lvl == socket.SOL_SOCKET and typ == SO_TIMESTAMPNS)
            out.append((ts[0] * 10**9 + ts[1], data))
        return out


def measured_pps(stamped: list[tuple[int, bytes]]) -> float:
    span = stamped[-1][0] - stamped[0][0]
    return (len(stamped) - 1) * 1e9 / span


# ---- pcap files -------------------------------------------------------------------------


def write_pcap(path: Path, frames: list[bytes], times_us: list[int]) -> None:
    """A classic pcap file (microseconds, Ethernet) of frames at times_us."""
    out = [struct.pack("=IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    base = 1_700_000_000 * 10**6
    for frame, t in zip(frames, times_us, strict=True):
        sec, usec = divmod(base + t, 10**6)
        out.append(struct.pack("=IIII", sec, usec, len(frame), len(frame)) + frame)
    path.write_bytes(b"".join(out))


# ---- pfsend ----------------------------------------------------------------------------


def test_pfsend_every_frame_arrives_once_byte_for_byte(
    e1000e_wire: LinkEnds, pf_ring_module: LoadPfRing
) -> None:
    """Generated frames at full speed: exactly COUNT arrive, in order, each the frame
    pfsend says it makes (sequence numbers, checksums), at the smallest and the largest
    Ethernet size."""
    pf_ring_module()
    dst, src = interface_mac(e1000e_wire.rx), interface_mac(e1000e_wire.tx)
    for length, count in ((60, 3000), (1514, 1000)):
        with FrameReceiver(e1000e_wire.rx, ETH_P_IP) as receiver:
            done = pfsend("-i", e1000e_wire.tx, "-n", str(count), "-l", str(length), "-m", dst)
            got = ipv4_frames(receiver.frames(count, timeout=120))
        assert done.returncode == 0, done.stderr
        assert f"Sent {count} frames, {count * length} bytes" in done.stdout, done.stdout
        want = [pfsend_frame(dst, src, seq, length) for seq in range(count)]
        assert got == want, first_difference(got, want)


def test_pfsend_flows_and_bad_checksums(e1000e_wire: LinkEnds, pf_ring_module: LoadPfRing) -> None:
    """-b N -t P: N x P flows in turn, each from its own address and port; -K 3: every
    third frame with a wrong IPv4 header checksum, the others right."""
    pf_ring_module()
    dst, src = interface_mac(e1000e_wire.rx), interface_mac(e1000e_wire.tx)
    count = 320
    with FrameReceiver(e1000e_wire.rx, ETH_P_IP) as receiver:
        done = pfsend("-i", e1000e_wire.tx, "-n", str(count), "-b", "16", "-t", "2", "-m", dst,
                      "-S", "10.1.0.1")
        got = ipv4_frames(receiver.frames(count, timeout=60))
    assert done.returncode == 0, done.stderr
    flows = Counter((socket.inet_ntoa(f[26:30]), struct.unpack("!H", f[34:36])[0])
                    for f in got)
    assert len(got) == count
    assert flows == {(f"10.1.0.{1 + a}", 10000 + p): 10 for a in range(16) for p in range(2)}
    for seq, frame in enumerate(got):
        flow = seq % 32
        assert frame == pfsend_frame(dst, src, seq, 60, src_ip=f"10.1.0.{1 + flow // 2}",
                                     sport=10000 + flow % 2)

    with FrameReceiver(e1000e_wire.rx, ETH_P_IP) as receiver:
        done = pfsend("-i", e1000e_wire.tx, "-n", "30", "-K", "3", "-m", dst)
        got = ipv4_frames(receiver.frames(30, timeout=60))
    assert done.returncode == 0, done.stderr
    assert len(got) == 30
    for seq, frame in enumerate(got):
        good = pfsend_frame(dst, src, seq, 60)
        if (seq + 1) % 3:
            assert frame == good, seq
        else:
            assert csum(frame[14:34]) != 0, f"frame {seq}: the IPv4 checksum is right"
            wrong = struct.pack("!H", ~struct.unpack("!H", good[24:26])[0] & 0xFFFF)
            assert frame == good[:24] + wrong + good[26:], seq


@pytest.mark.parametrize(("args", "pps"), [(("-p", "2000"), 2000.0),
                                           (("-r", "0.001"), 1e6 / (84 * 8))])
def test_pfsend_rate_is_kept_within_5_percent(
    e1000e_wire: LinkEnds, pf_ring_module: LoadPfRing, args: tuple[str, str], pps: float
) -> None:
    """-p PPS, or -r GBPS (a 60-byte frame takes 84 bytes of the wire): the rate measured
    at the receiver, over 3 s, within 5 %."""
    pf_ring_module()
    count = int(pps * 3)
    with TimedReceiver(e1000e_wire.rx, ETH_P_IP) as receiver:
        done = pfsend("-i", e1000e_wire.tx, "-n", str(count), "-m",
                      interface_mac(e1000e_wire.rx), *args)
        stamped = receiver.timed_frames(count, timeout=60)
    assert done.returncode == 0, done.stderr
    assert len(stamped) == count
    if kasan_kernel():
        pytest.skip("every frame arrived; rates are not measured on the sanitizer kernel")
    rate = measured_pps(stamped)
    assert abs(rate - pps) / pps < 0.05, f"{rate:.1f} pps measured, {pps:.1f} asked"


def test_pfsend_replays_a_pcap_byte_for_byte(
    e1000e_wire: LinkEnds, pf_ring_module: LoadPfRing, tmp_path: Path
) -> None:
    """A pcap file at full speed: its frames arrive in its order, each as it is in the
    file; -n twice the file's frames sends it twice; -m rewrites the destination."""
    pf_ring_module()
    frames = lab_frames(e1000e_wire.tx, e1000e_wire.rx, 300, (60, 61, 100, 512, 1000, 1514),
                        stream=31)
    pcap = tmp_path / "lab.pcap"
    write_pcap(pcap, frames, [i * 100 for i in range(len(frames))])
    with FrameReceiver(e1000e_wire.rx) as receiver:
        done = pfsend("-i", e1000e_wire.tx, "-f", str(pcap))
        got = receiver.frames(len(frames), timeout=60)
    assert done.returncode == 0, done.stderr
    assert got == frames, first_difference(got, frames)

    with FrameReceiver(e1000e_wire.rx) as receiver:
        done = pfsend("-i", e1000e_wire.tx, "-f", str(pcap), "-n", str(2 * len(frames)))
        got = receiver.frames(2 * len(frames), timeout=60)
    assert done.returncode == 0, done.stderr
    assert got == frames + frames, first_difference(got, frames + frames)

    # frames to another address, rewritten to rx's on the way out
    other = [b"\x02\x00\x00\x00\x00\x99" + f[6:] for f in frames[:50]]
    write_pcap(pcap, other, [i * 100 for i in range(len(other))])
    with FrameReceiver(e1000e_wire.rx) as receiver:
        done = pfsend("-i", e1000e_wire.tx, "-f", str(pcap), "-m", interface_mac(e1000e_wire.rx))
        got = receiver.frames(50, timeout=60)
    assert done.returncode == 0, done.stderr
    assert got == frames[:50]


def test_pfsend_replays_a_pcap_at_its_own_pace(
    e1000e_wire: LinkEnds, pf_ring_module: LoadPfRing, tmp_path: Path
) -> None:
    """-r -1: the gaps between the file's timestamps are kept (20 frames 20 ms apart, a
    400 ms pause, 20 more); without it the file goes at full speed."""
    pf_ring_module()
    frames = lab_frames(e1000e_wire.tx, e1000e_wire.rx, 40, (60, 512), stream=32)
    times = [i * 20_000 for i in range(20)] + [780_000 + i * 20_000 for i in range(20)]
    pcap = tmp_path / "paced.pcap"
    write_pcap(pcap, frames, times)
    with TimedReceiver(e1000e_wire.rx, ETH_P_LAB) as receiver:
        done = pfsend("-i", e1000e_wire.tx, "-f", str(pcap), "-r", "-1")
        stamped = receiver.timed_frames(40, timeout=30)
    assert done.returncode == 0, done.stderr
    assert [f for _, f in stamped] == frames
    span = (stamped[-1][0] - stamped[0][0]) / 1e6
    pause = (stamped[20][0] - stamped[19][0]) / 1e6
    # The sanitizer kernel's receive path is several times slower and its delays uneven
    # (as for the rate tests): there the gaps are kept within 15 %, elsewhere within 5 %
    slack = 0.15 if kasan_kernel() else 0.05
    assert abs(span - 1160) < 1160 * slack, f"{span:.1f} ms from first to last, 1160 wanted"
    assert abs(pause - 400) < 400 * slack * 1.5, f"{pause:.1f} ms pause, 400 wanted"

    with TimedReceiver(e1000e_wire.rx, ETH_P_LAB) as receiver:
        done = pfsend("-i", e1000e_wire.tx, "-f", str(pcap))
        stamped = receiver.timed_frames(40, timeout=30)
    assert done.returncode == 0, done.stderr
    assert [f for _, f in stamped] == frames
    assert (stamped[-1][0] - stamped[0][0]) / 1e6 < 300


def test_pfsend_bad_input_is_a_clear_error(
    e1000e_wire: LinkEnds, pf_ring_module: LoadPfRing, tmp_path: Path
) -> None:
    pf_ring_module()
    cases: list[tuple[tuple[str, ...], int, str]] = [
        (("-i", e1000e_wire.tx, "-f", str(tmp_path / "missing.pcap")), 1,
         f"cannot open the pcap file {tmp_path / 'missing.pcap'}: No such file or directory"),
        (("-i", e1000e_wire.tx, "-r", "0"), 2, "the rate (-r) must be above 0"),
        (("-i", e1000e_wire.tx, "-p", "0"), 2, "the rate (-p) must be above 0"),
        (("-i", "nosuch0", "-n", "1"), 1, "there is no device nosuch0"),
        (("-i", e1000e_wire.tx, "-l", "1515", "-n", "1"), 1,
         "its MTU is 1500, so 1514 bytes at most"),
        (("-n", "1",), 2, "which device?"),
        (("-i", e1000e_wire.tx, "-r", "-1"), 2, "it needs -f FILE"),
        (("-i", e1000e_wire.tx, "-m", "00:11"), 2, "wants a MAC address"),
    ]
    junk = tmp_path / "junk.pcap"
    junk.write_bytes(b"this is not a capture file at all")
    cases.append((("-i", e1000e_wire.tx, "-f", str(junk)), 1, "is not a pcap file"))
    for args, code, message in cases:
        done = pfsend(*args, timeout=30)
        assert done.returncode == code, (args, done.returncode, done.stderr)
        assert message in done.stderr, (args, done.stderr)
    shown = pfsend("--help")
    assert shown.returncode == 0
    for part in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS", "EXAMPLES",
                 "--bad-checksum", "-r -1"):
        assert part in shown.stdout, part


# ---- pfring_send() (C) and Ring.send() (Python): the kernel's errors -----------------


def sender(*args: str) -> dict[str, Any]:
    done = subprocess.run([str(need(SENDER)), *args], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def refused(rc: int, err: int) -> dict[str, int]:
    return {"sent": 0, "errors": 1, "first_rc": rc, "first_errno": err, "flush_rc": 0,
            "flush_errno": 0}


def test_pfring_send_reports_the_kernels_errno(
    e1000e_wire: LinkEnds, pf_ring_module: LoadPfRing, defer: Callable[[Callable[[], object]], None]
) -> None:
    """pfring_send() with flush: 1514 bytes go; 1515 (past the MTU) EMSGSIZE; a ring
    bound to "any", or to nothing, without an ifindex EDESTADDRREQ; an ifindex nothing
    has ENXIO; recv_only_mode EBADF; a device down ENETDOWN."""
    pf_ring_module()
    dst = interface_mac(e1000e_wire.rx)
    with FrameReceiver(e1000e_wire.rx) as receiver:
        assert sender("-i", e1000e_wire.tx, "-d", dst, "-l", "1514", "-n", "3")["sent"] == 3
        assert len(receiver.frames(3, timeout=10)) == 3
    assert sender("-i", e1000e_wire.tx, "-d", dst, "-l", "1515") == refused(
        ERROR_INVALID_ARGUMENT, errno.EMSGSIZE)
    assert sender("-i", "any", "-d", dst) == refused(
        ERROR_WRONG_CONFIGURATION, errno.EDESTADDRREQ)
    assert sender("-i", "none", "-d", dst) == refused(
        ERROR_WRONG_CONFIGURATION, errno.EDESTADDRREQ)
    assert sender("-i", e1000e_wire.tx, "-d", dst, "-x", "99999") == refused(
        ERROR_INVALID_ARGUMENT, errno.ENXIO)
    assert sender("-i", e1000e_wire.tx, "-d", dst, "-M", "recv") == refused(
        ERROR_WRONG_CONFIGURATION, errno.EBADF)
    # a ring bound to nothing sends where each frame says
    with FrameReceiver(e1000e_wire.rx) as receiver:
        result = sender("-i", "none", "-d", dst, "-x", str(ifindex(e1000e_wire.tx)), "-n", "5")
        assert result["sent"] == 5
        assert len(receiver.frames(5, timeout=10)) == 5
    set_link(e1000e_wire.tx, False)
    defer(lambda: set_link(e1000e_wire.tx, True))
    assert sender("-i", e1000e_wire.tx, "-d", dst) == refused(ERROR_GENERIC, errno.ENETDOWN)


def test_ring_send_raises_the_kernels_errno(
    e1000e_wire: LinkEnds, pf_ring_module: LoadPfRing, defer: Callable[[Callable[[], object]], None]
) -> None:
    """Ring.send(): OSError with the errno of each refusal, and a frame sent otherwise."""
    pf_ring_module()
    from pfring.ring import Ring, SocketMode

    frames = lab_frames(e1000e_wire.tx, e1000e_wire.rx, 4, (1514,), stream=41)

    def errno_of(ring: Ring, frame: bytes, **kw: int) -> int:
        with pytest.raises(OSError) as e:
            ring.send(frame, **kw)
        return int(e.value.errno or 0)

    with (FrameReceiver(e1000e_wire.rx) as receiver,
          Ring(e1000e_wire.tx, mode=SocketMode.SEND_ONLY) as ring):
        assert ring.send(frames[0]) == 1514
        assert errno_of(ring, frames[1] + b"\0") == errno.EMSGSIZE
        assert errno_of(ring, frames[1], ifindex=99999) == errno.ENXIO
        assert receiver.frames(1, timeout=10) == [frames[0]]
    for device in ("any", "none"):
        with Ring(device, mode=SocketMode.SEND_ONLY) as ring:
            assert errno_of(ring, frames[1]) == errno.EDESTADDRREQ
    with FrameReceiver(e1000e_wire.rx) as receiver, Ring("none", mode=SocketMode.SEND_ONLY) as ring:
        assert ring.send(frames[2], ifindex=ifindex(e1000e_wire.tx)) == 1514
        assert receiver.frames(1, timeout=10) == [frames[2]]
    with Ring(e1000e_wire.tx, mode=SocketMode.RECV_ONLY) as ring:
        assert errno_of(ring, frames[3]) == errno.EBADF
    with Ring(e1000e_wire.tx, mode=SocketMode.SEND_ONLY) as ring:
        set_link(e1000e_wire.tx, False)
        defer(lambda: set_link(e1000e_wire.tx, True))
        assert errno_of(ring, frames[3]) == errno.ENETDOWN


def test_send_batch_delivers_every_frame_once_in_order(
    e1000e_wire: LinkEnds, pf_ring_module: LoadPfRing
) -> None:
    """Ring.send_batch() from a 2-D numpy array with lengths, and from a list of bytes:
    every frame arrives once, in order, unaltered."""
    pf_ring_module()
    from pfring.ring import Ring, SocketMode

    frames = lab_frames(e1000e_wire.tx, e1000e_wire.rx, 1000, (60, 61, 333, 1514), stream=51)
    rows = np.zeros((len(frames), 1514), dtype=np.uint8)
    for i, frame in enumerate(frames):
        rows[i, :len(frame)] = np.frombuffer(frame, dtype=np.uint8)
    lengths = np.array([len(f) for f in frames], dtype=np.uint32)
    more = lab_frames(e1000e_wire.tx, e1000e_wire.rx, 1000, (1514, 60, 777), stream=52)
    with Ring(e1000e_wire.tx, mode=SocketMode.SEND_ONLY) as ring:
        with FrameReceiver(e1000e_wire.rx) as receiver:
            assert ring.send_batch(rows, lengths) == len(frames)
            got = receiver.frames(len(frames), timeout=60)
        assert got == frames, first_difference(got, frames)
        ring.set_tx_watermark(16)
        with FrameReceiver(e1000e_wire.rx) as receiver:
            assert ring.send_batch(more) == len(more)
            got = receiver.frames(len(more), timeout=60)
        assert got == more, first_difference(got, more)
        # frames sent without a flush wait for it (the watermark is 16)
        with FrameReceiver(e1000e_wire.rx) as receiver:
            for frame in frames[:5]:
                ring.send(frame, flush=False)
            assert receiver.frames(1, timeout=1.0, idle=1.0) == []
            ring.flush()
            assert receiver.frames(5, timeout=10) == frames[:5]


def test_send_last_rx_packet_sends_the_frame_received(
    e1000e_wire: LinkEnds, pf_ring_module: LoadPfRing
) -> None:
    """pfring_send_last_rx_packet(): the frame a ring on rx received goes back out of rx
    (its ifindex), and tx receives it as it was sent."""
    pf_ring_module()
    frame = lab_frames(e1000e_wire.tx, e1000e_wire.rx, 1, (200,), stream=61)[0]
    frame = b"\xff" * 6 + frame[6:]  # broadcast: tx takes it back without promiscuity
    proc = subprocess.Popen([str(need(SENDER)), "-i", e1000e_wire.rx, "-d", "ff:ff:ff:ff:ff:ff",
                             "-M", "both", "-R", "-x", str(ifindex(e1000e_wire.rx))],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "READY"
        with FrameReceiver(e1000e_wire.tx) as receiver:
            sender_sock = FrameSender(e1000e_wire.tx)
            try:
                sender_sock.send(frame)
            finally:
                sender_sock.close()
            out, _ = proc.communicate(timeout=60)
            got = receiver.frames(1, timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert json.loads(out.strip().splitlines()[-1]) == {"len": 200, "rc": 0, "errno": 0}
    assert got == [frame]


# ---- the socket's own batches (linux/pf_ring.h, "Sending") ------------------------------


def record(frame: bytes, ifindex: int = 0, pad: bool = True) -> bytes:
    rec = struct.pack("=Ii", len(frame), ifindex) + frame
    return rec + bytes(-len(rec) % 8) if pad else rec


def pf_socket(bind: str | None = None, mode: int = MODE_SEND_ONLY) -> socket.socket:
    sock = socket.socket(PF_RING_FAMILY, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.setsockopt(SOL_PF_RING, OPT_SOCKET_MODE, struct.pack("=I", mode))
    if bind:
        sock.setsockopt(SOL_PF_RING, OPT_BIND, bind.encode())
    return sock


def send_errno(sock: socket.socket, message: bytes) -> int:
    with pytest.raises(OSError) as e:
        sock.send(message)
    return int(e.value.errno or 0)


def test_sendmsg_batches_and_their_errors(e1000e_wire: LinkEnds,
                                          pf_ring_module: LoadPfRing) -> None:
    """One sendmsg() carries many frames, each out once and in order; a record that
    fails stops the batch after the ones before it (their bytes are the result); a
    malformed batch is EINVAL; no bind is EDESTADDRREQ; recv-only EBADF."""
    pf_ring_module()
    frames = lab_frames(e1000e_wire.tx, e1000e_wire.rx, 12, (60, 61, 1514, 100), stream=71)
    with pf_socket(e1000e_wire.tx) as sock:
        batch = b"".join(record(f) for f in frames[:8])
        with FrameReceiver(e1000e_wire.rx) as receiver:
            assert sock.send(batch) == len(batch)
            # the last record may leave its padding out; write() works as send()
            tail = record(frames[8]) + record(frames[9], pad=False)
            assert os.write(sock.fileno(), tail) == len(tail)
            assert receiver.frames(10, timeout=10) == frames[:10]

        good = record(frames[10]) + record(frames[11])
        with FrameReceiver(e1000e_wire.rx) as receiver:
            assert sock.send(good + struct.pack("=Ii", 0, 0)) == len(good)
            assert receiver.frames(2, timeout=10) == frames[10:]

        frame = frames[0]
        assert send_errno(sock, b"\1\0\0") == errno.EINVAL  # shorter than a header
        assert send_errno(sock, struct.pack("=Ii", 0, 0)) == errno.EINVAL  # len 0
        assert send_errno(sock, struct.pack("=Ii", 100, 0) + frame) == errno.EINVAL  # short
        assert send_errno(sock, record(frame, ifindex=-1)) == errno.EINVAL
        assert send_errno(sock, record(frame[:13])) == errno.EINVAL  # no Ethernet header
        assert send_errno(sock, record(bytes(70000))) == errno.EMSGSIZE
        assert send_errno(sock, record(frame + bytes(1455))) == errno.EMSGSIZE  # 1515
        assert send_errno(sock, record(frame, ifindex=99999)) == errno.ENXIO
        assert sock.send(b"") == 0
    with pf_socket() as sock:  # bound to nothing, never mapped
        assert send_errno(sock, record(frames[0])) == errno.EDESTADDRREQ
        with FrameReceiver(e1000e_wire.rx) as receiver:
            tx_index = ifindex(e1000e_wire.tx)
            message = record(frames[0], tx_index) + record(frames[1], tx_index)
            assert sock.send(message) == len(message)
            assert receiver.frames(2, timeout=10) == frames[:2]
    with pf_socket(e1000e_wire.tx, MODE_RECV_ONLY) as sock:
        assert send_errno(sock, record(frames[0])) == errno.EBADF
    with pf_socket(e1000e_wire.tx) as sock, FrameReceiver(e1000e_wire.rx) as receiver:
        # a send buffer smaller than one train: the train goes as the buffer fills
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1)
        big = lab_frames(e1000e_wire.tx, e1000e_wire.rx, 40, (1514,), stream=72)
        message = b"".join(record(f) for f in big)
        assert sock.send(message) == len(message)
        assert receiver.frames(40, timeout=10) == big
    with pf_socket(e1000e_wire.tx) as sock, FrameReceiver(e1000e_wire.rx) as receiver:
        # through the queueing discipline instead of past it
        sock.setsockopt(SOL_PF_RING, OPT_TX_QDISC, struct.pack("=I", 1))
        message = b"".join(record(f) for f in frames[:4])
        assert sock.send(message, socket.MSG_DONTWAIT) == len(message)
        assert receiver.frames(4, timeout=10) == frames[:4]


def test_garbled_batches_leave_the_kernel_healthy(
    e1000e_wire: LinkEnds, pf_ring_module: LoadPfRing
) -> None:
    """Random messages, some with plausible headers: each is sent in part or refused
    with EINVAL, EMSGSIZE or ENXIO, and nothing goes wrong in the kernel (the kernel-log
    check after the test)."""
    pf_ring_module()
    rng = random.Random(9)
    allowed = {errno.EINVAL, errno.EMSGSIZE, errno.ENXIO}
    src = mac_bytes(interface_mac(e1000e_wire.tx))
    with pf_socket(e1000e_wire.tx) as sock:
        for _ in range(400):
            parts = []
            for _ in range(rng.randint(0, 5)):
                size = rng.choice([0, 1, 13, 14, 59, 60, 1514, 1515, rng.randint(0, 3000)])
                # ethertype 0x88b6 (local experimental): nobody at rx takes it
                body = b"\x02\0\0\0\0\x01" + src + b"\x88\xb6" + rng.randbytes(size)
                body = body[:size]
                length = rng.choice([len(body), len(body), rng.randint(0, 4000)])
                ifi = rng.choice([0, 0, 0, -1, 99999])
                parts.append(struct.pack("=Ii", length, ifi) + body + bytes(rng.randint(0, 9)))
            message = b"".join(parts) + rng.randbytes(rng.choice([0, 0, 3, 9]))
            try:
                n = sock.send(message)
            except OSError as e:
                assert e.errno in allowed, e
            else:
                assert 0 <= n <= len(message)


# ---- what capture rings see of sent frames ------------------------------------------------


@pytest.mark.parametrize("tx_capture", [1, 0])
def test_sent_frames_reach_capture_rings_as_tx_capture_says(
    e1000e_wire: LinkEnds, pf_ring_module: LoadPfRing, tx_capture: int
) -> None:
    """A ring capturing on tx sees the frames another ring sends there, as sent
    (direction TX), with enable_tx_capture=1; none of them with enable_tx_capture=0;
    the frames arrive at rx either way."""
    pf_ring_module(enable_tx_capture=tx_capture)
    from pfring.ring import Ring, SocketMode

    frames = lab_frames(e1000e_wire.tx, e1000e_wire.rx, 20, (60, 500), stream=81)
    with Ring(e1000e_wire.tx) as capture, FrameReceiver(e1000e_wire.rx) as receiver:
        with Ring(e1000e_wire.tx, mode=SocketMode.SEND_ONLY) as ring:
            assert ring.send_batch(frames) == len(frames)
        assert receiver.frames(len(frames), timeout=10) == frames
        seen = []
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            packet = capture.recv(wait=False)
            if packet is None:
                capture.poll(0.2)
            elif packet.eth_type == ETH_P_LAB:
                seen.append(packet)
    if tx_capture:
        assert [p.data for p in seen] == frames
        assert all(p.direction == 0 for p in seen)
    else:
        assert seen == []
