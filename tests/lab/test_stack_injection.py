# SPDX-License-Identifier: GPL-2.0-only
"""stack:ethX (issue 9): what a ring sends on it enters the Linux stack as if ethX had
received it: a plain AF_PACKET socket on ethX sees it arrive, and the stack answers it
(an ICMP echo request injected draws an echo reply on the wire)."""

from __future__ import annotations

import errno
import select
import socket
import subprocess
import time
from pathlib import Path

import pytest
from ringprobe import LoadPfRing
from scapy.layers.inet import ICMP, IP  # type: ignore
from scapy.layers.l2 import Ether  # type: ignore

from pfring.ring import Ring
from pfring.testing.traffic import interface_mac

ETH_P_IP = 0x0800
PACKET_IGNORE_OUTGOING = 23
SOL_PACKET = 263
PEER_IP, OUR_IP, PEER_MAC = "10.77.0.9", "10.77.0.2", "02:00:00:00:77:09"


def ip_socket(ifname: str) -> socket.socket:
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP))
    sock.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
    sock.bind((ifname, ETH_P_IP))
    return sock


def wait_for(sock: socket.socket, match: bytes, timeout: float = 10.0) -> bytes | None:
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        if select.select([sock], [], [], left)[0]:
            frame = sock.recv(65536)
            if match in frame:
                return frame
    return None


def icmp_counters() -> dict[str, int]:
    """The stack's ICMP counters (/proc/net/snmp's Icmp lines)."""
    lines = [line.split() for line in Path("/proc/net/snmp").read_text().splitlines()
             if line.startswith("Icmp:")]
    return {name: int(value) for name, value in zip(lines[0][1:], lines[1][1:], strict=True)}


def link_counters(ifname: str) -> dict[str, int]:
    stats = Path(f"/sys/class/net/{ifname}/statistics")
    return {f"{ifname}.{n}": int((stats / n).read_text())
            for n in ("rx_packets", "rx_dropped", "tx_packets", "tx_dropped")}


def test_injected_echo_request_is_received_and_answered(
    pfr_module: LoadPfRing, veth: tuple[str, str],
) -> None:
    pfr_module()
    subprocess.run(["ip", "addr", "add", f"{OUR_IP}/24", "dev", veth[1]], check=True)
    subprocess.run(["ip", "neigh", "replace", PEER_IP, "lladdr", PEER_MAC, "dev", veth[1]],
                   check=True)
    payload = b"pf_ring stack injection"
    request = bytes(Ether(src=PEER_MAC, dst=interface_mac(veth[1])) /
                    IP(src=PEER_IP, dst=OUR_IP) / ICMP(type=8, id=0x4242, seq=7) / payload)
    with ip_socket(veth[1]) as local, ip_socket(veth[0]) as wire, \
            Ring(f"stack:{veth[1]}") as ring:
        icmp_before = icmp_counters()
        assert ring.send(request) == len(request)
        # seen on veth1 as received, byte for byte
        assert wait_for(local, payload) == request
        # answered by the stack: the echo reply leaves veth1 and arrives on veth0
        reply = wait_for(wire, payload)
        icmp = {k: v - icmp_before[k] for k, v in icmp_counters().items()
                if v != icmp_before[k]}
        assert reply is not None, (
            f"no echo reply on the wire; ICMP counters that moved: {icmp}; "
            f"{link_counters(veth[0])} {link_counters(veth[1])}; sent to "
            f"{request[:6].hex(':')}, {veth[1]}'s address now {interface_mac(veth[1])}")
        assert icmp == {"InMsgs": 1, "InEchos": 1, "OutMsgs": 1, "OutEchoReps": 1}
        answer = Ether(reply)
        assert answer[IP].src == OUR_IP and answer[IP].dst == PEER_IP
        assert answer[ICMP].type == 0 and answer[ICMP].id == 0x4242
        assert answer[ICMP].seq == 7
        assert answer.dst == PEER_MAC


def test_stack_rings_refuse_what_they_cannot_do(pfr_module: LoadPfRing,
                                                veth: tuple[str, str]) -> None:
    pfr_module()
    for device, code in ((f"stack:{veth[1]},{veth[0]}", errno.EINVAL), ("stack:", errno.EINVAL),
                         ("stack:pfrnosuch0", errno.ENODEV)):
        with pytest.raises(OSError) as refused:
            Ring(device)
        assert refused.value.errno == code, device
    with Ring(f"stack:{veth[1]}") as ring:
        # it only sends: a receive says so
        with pytest.raises(OSError) as no_recv:
            ring.recv(wait=False)
        assert no_recv.value.errno == errno.EBADF
        # a frame longer than the device takes
        with pytest.raises(OSError) as too_long:
            ring.send(bytes(14) + bytes(3000))
        assert too_long.value.errno == errno.EMSGSIZE
