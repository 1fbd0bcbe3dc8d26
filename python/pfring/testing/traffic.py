# SPDX-License-Identifier: LGPL-2.1-or-later
"""Sending and receiving test traffic on a lab link: exact frames and pktgen rates."""

from __future__ import annotations

import errno
import os
import select
import socket
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pfring.testing.frames import ETH_P_LAB, Delivery, build_frame, frame_sizes

SOL_PACKET = 263
PACKET_IGNORE_OUTGOING = 23


def interface_mac(ifname: str) -> str:
    return Path(f"/sys/class/net/{ifname}/address").read_text().strip()


def _link_ready(ifname: str) -> bool:
    sysfs = Path("/sys/class/net") / ifname
    try:
        carrier = (sysfs / "carrier").read_text(errors="replace").strip()
    except OSError:  # EINVAL while the interface is down
        return False
    return carrier == "1" and (sysfs / "operstate").read_text().strip() in ("up", "unknown")


def wait_for_carrier(ifnames: Iterable[str], timeout: float = 30.0) -> None:
    """Wait until each interface reports carrier and its operational state is up (QEMU
    links come up a few seconds late; a veth's queue discipline is attached by the same
    deferred link-state work that sets operstate, and frames sent before it are lost)."""
    deadline = time.monotonic() + timeout
    pending = set(ifnames)
    while pending:
        pending = {n for n in pending if not _link_ready(n)}
        if pending and time.monotonic() > deadline:
            raise TimeoutError(f"no carrier on {', '.join(sorted(pending))} after {timeout} s")
        if pending:
            time.sleep(0.1)


class FrameReceiver:
    """An AF_PACKET socket on one interface that takes lab frames (open it before sending)."""

    def __init__(self, ifname: str, protocol: int = ETH_P_LAB, rcvbuf: int = 32 << 20) -> None:
        self.ifname = ifname
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(protocol))
        self.sock.setsockopt(socket.SOL_SOCKET, 33, rcvbuf)  # SO_RCVBUFFORCE
        self.sock.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
        self.sock.bind((ifname, protocol))  # Python applies htons() to this one

    def frames(self, expected: int, timeout: float = 10.0, idle: float = 2.0) -> list[bytes]:
        """Frames until expected have come, or none for idle seconds, or timeout."""
        out: list[bytes] = []
        deadline = time.monotonic() + timeout
        while len(out) < expected:
            left = min(idle, deadline - time.monotonic())
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                break
            out.append(self.sock.recv(65536))
        # Anything beyond what was expected is an error the caller must see (duplicates).
        while select.select([self.sock], [], [], 0.2)[0]:
            out.append(self.sock.recv(65536))
        return out

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> FrameReceiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class FrameSender:
    """An AF_PACKET socket that sends exact frames on one interface, in order.

    Until close(), the thread that made it runs on one CPU: a veth delivers what a thread
    sends through the backlog of the CPU it runs on, and when that CPU's softirq work is
    left to ksoftirqd (seen on the slow sanitizer kernel), a thread that moved to the
    other CPU could have its later frames delivered before its earlier ones."""

    def __init__(self, ifname: str) -> None:
        self.ifname = ifname
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        self.sock.bind((ifname, 0))
        self._cpus = os.sched_getaffinity(0)  # 0: the calling thread
        os.sched_setaffinity(0, {min(self._cpus)})

    def send(self, frame: bytes) -> None:
        while True:
            try:
                self.sock.send(frame)
                return
            except OSError as e:
                if e.errno != errno.ENOBUFS:  # the TX queue is full: wait, never drop
                    raise
                time.sleep(0.001)

    def close(self) -> None:
        self.sock.close()
        os.sched_setaffinity(0, self._cpus)


def lab_frames(tx_if: str, rx_if: str, count: int, sizes: Sequence[int] = (60, 512, 1514),
               stream: int = 1) -> list[bytes]:
    """count lab frames (sequence numbers 0..count-1) from tx_if's MAC to rx_if's."""
    dst, src = interface_mac(rx_if), interface_mac(tx_if)
    return [build_frame(dst, src, stream, seq, size)
            for seq, size in enumerate(frame_sizes(count, sizes))]


def send_frames(tx_if: str, frames: Iterable[bytes]) -> None:
    """Send frames on tx_if, in order, none dropped at the sender."""
    sender = FrameSender(tx_if)
    try:
        for frame in frames:
            sender.send(frame)
    finally:
        sender.close()


def wait_until_receiving(tx_if: str, rx_if: str, timeout: float = 30.0) -> None:
    """After a NIC came (back) up: carrier on both ends, then a frame that is no lab
    frame (an ARP request) every 0.2 s until rx_if's driver counts one. QEMU's NICs report
    carrier a moment before they take frames; lab frames sent then would be lost."""
    wait_for_carrier([tx_if, rx_if], timeout)
    arp = (bytes.fromhex(interface_mac(rx_if).replace(":", ""))
           + bytes.fromhex(interface_mac(tx_if).replace(":", "")) + b"\x08\x06"
           + bytes(46))
    base = rx_packets(rx_if)
    deadline = time.monotonic() + timeout
    sender = FrameSender(tx_if)
    try:
        while rx_packets(rx_if) == base:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{rx_if} received nothing from {tx_if} in {timeout} s")
            sender.send(arp)
            time.sleep(0.2)
    finally:
        sender.close()


def interface_counter(ifname: str, name: str) -> int:
    """One of ifname's counters as its driver keeps them (sysfs statistics: rx_packets,
    tx_dropped, ...); 0 for one the device does not have."""
    path = Path(f"/sys/class/net/{ifname}/statistics/{name}")
    return int(path.read_text()) if path.is_file() else 0


def rx_packets(ifname: str) -> int:
    """The packets ifname has received, as its driver counts them."""
    return interface_counter(ifname, "rx_packets")


def send_frames_paced(tx_if: str, rx_if: str, frames: Sequence[bytes], chunk: int = 512,
                      timeout: float = 60.0) -> None:
    """Send frames on tx_if in chunks, each once rx_if's driver has counted the one
    before (or after timeout), so that no more than two chunks wait between the NICs.

    Between two emulated NICs QEMU queues what the receiving NIC cannot take yet and
    drops, without counting it anywhere, beyond 10000 queued frames: a long burst from a
    sender faster than the receiving guest would lose frames that no counter shows."""
    base = rx_packets(rx_if)
    sender = FrameSender(tx_if)
    try:
        for start in range(0, len(frames), chunk):
            deadline = time.monotonic() + timeout
            while rx_packets(rx_if) - base < start - chunk and time.monotonic() < deadline:
                time.sleep(0.005)
            for frame in frames[start:start + chunk]:
                sender.send(frame)
    finally:
        sender.close()


def send_stream(
    tx_if: str, rx_if: str, count: int, sizes: Sequence[int] = (60, 512, 1514), stream: int = 1
) -> Delivery:
    """Send count lab frames from tx_if addressed to rx_if; returns the Delivery to fill."""
    frames = lab_frames(tx_if, rx_if, count, sizes, stream)
    send_frames(tx_if, frames)
    return Delivery(stream, count, sum(len(f) for f in frames))


def deliver(tx_if: str, rx_if: str, count: int, sizes: Sequence[int] = (60, 512, 1514),
            stream: int = 1, timeout: float = 30.0) -> Delivery:
    """Send count frames over a link and account for each one at the receiver."""
    with FrameReceiver(rx_if) as receiver:
        delivery = send_stream(tx_if, rx_if, count, sizes, stream)
        for frame in receiver.frames(count, timeout):
            delivery.add(frame)
    return delivery


PKTGEN = Path("/proc/net/pktgen")


@dataclass(frozen=True)
class PktgenResult:
    sent: int
    pps: int
    seconds: float


class Pktgen:
    """The in-kernel packet generator on one interface (one kernel thread, CPU 0).

    Its UDP frames carry pktgen's own magic and sequence number; with UDPCSUM they also
    carry a checksum a receiver can verify.
    """

    def __init__(self, ifname: str, thread: int = 0) -> None:
        if not PKTGEN.is_dir():
            import subprocess

            subprocess.run(["modprobe", "pktgen"], check=True)
        self.ifname = ifname
        self.thread = PKTGEN / f"kpktgend_{thread}"
        self._write(self.thread, "rem_device_all")
        self._write(self.thread, f"add_device {ifname}")
        self.dev = PKTGEN / ifname

    @staticmethod
    def _write(path: Path, command: str) -> None:
        fd = os.open(path, os.O_WRONLY)
        try:
            # pgctrl drops the last byte of a write (meant to be the newline).
            os.write(fd, command.encode() + b"\n")
        finally:
            os.close(fd)

    def configure(self, count: int, size: int, dst_mac: str, rate_pps: int = 0,
                  many_sources: bool = False, queue_xmit: bool = False) -> None:
        """count frames of size bytes (without FCS) to dst_mac, at most rate_pps (0: as
        fast as it can), from 198.18.0.1, or with many_sources each from a random address
        of 198.18.0.0/15 (flows for RSS, which hashes on the IPv4 addresses).

        Random over 17 address bits, not a run of consecutive addresses: with the random
        RSS key a driver draws at boot, consecutive addresses (which differ in their low
        8 bits only) all land on one queue about once in 256 boots.

        queue_xmit: through dev_queue_xmit() as a socket's frames go, so that the
        device's taps (the ETH_P_ALL hooks that see outgoing frames) see them too; by
        default pktgen hands frames to the driver directly, past the taps."""
        for command in (
            f"xmit_mode {'queue_xmit' if queue_xmit else 'start_xmit'}",
            f"count {count}",
            f"pkt_size {size}",
            f"dst_mac {dst_mac}",
            "dst 198.18.0.2",
            "src_min 198.18.0.1",
            "src_max 198.19.255.254" if many_sources else "src_max 198.18.0.1",
            "flag IPSRC_RND" if many_sources else "flag !IPSRC_RND",
            "flag UDPCSUM",
            "clone_skb 0",
            # pktgen ignores "ratep 0": the delay of an earlier rate would stay, so top
            # speed is asked for as no delay between frames
            f"ratep {rate_pps}" if rate_pps else "delay 0",
        ):
            self._write(self.dev, command)

    def run(self, timeout: float = 900.0) -> PktgenResult:
        """Start and wait until every frame is out."""
        self._write(PKTGEN / "pgctrl", "start")
        # The write returns when pktgen is done, or early when a signal interrupts its
        # wait (the thread then still runs): wait for the device to stop either way.
        deadline = time.monotonic() + timeout
        while self.running():
            if time.monotonic() > deadline:
                raise RuntimeError(f"pktgen on {self.ifname}: still running after {timeout} s")
            time.sleep(0.05)
        return self.result()

    def stop(self) -> None:
        """Stop every running device of pktgen (the waiting run() then returns)."""
        self._write(PKTGEN / "pgctrl", "stop")

    def running(self) -> bool:
        """Is the device in its thread's "Running:" list (net/core/pktgen.c)?"""
        text = self.thread.read_text()
        return self.ifname in text.split("Running:", 1)[1].split("Stopped:", 1)[0].split()

    def result(self) -> PktgenResult:
        """Parse the device file: "pkts-sofar: N" and "Result: OK: USEC(c..+d..) usec, ...
        NNNpps ..." (see net/core/pktgen.c)."""
        text = self.dev.read_text()
        sent = int(text.split("pkts-sofar:")[1].split()[0])
        result = text.split("Result:", 1)[1]
        if not result.strip().startswith("OK:"):
            raise RuntimeError(f"pktgen on {self.ifname}: {result.strip()}")
        usec = int(result.split("OK:")[1].split("(")[0])
        pps = int(result.split("pps")[0].split()[-1])
        return PktgenResult(sent, pps, usec / 1e6)

    def close(self) -> None:
        self._write(self.thread, "rem_device_all")
