# SPDX-License-Identifier: LGPL-2.1-or-later
"""The Python Ring over libpfring and pf_ring.ko: exact delivery, one packet at a time
and in numpy batches, parsed fields, errors with their errno, asyncio."""

from __future__ import annotations

import asyncio
import errno
import time
from collections.abc import Callable
from typing import Any

import pytest
from ringprobe import ifindex

from pfring.testing.frames import ETH_P_LAB, Delivery, parse_pktgen_frame
from pfring.testing.plugin import LinkEnds
from pfring.testing.traffic import Pktgen, interface_mac, send_stream

ring_module = pytest.importorskip("pfring.ring", reason="the binding is not built")
Ring = ring_module.Ring
ETH_P_IP = 0x0800


def drain(ring: object, count: int, eth_type: int, timeout: float = 30.0) -> list[Any]:
    """Packets of eth_type until count have come or timeout passed (then whatever came).
    Other frames (the guest's own IPv6 neighbour discovery, say) are passed over."""
    packets: list[Any] = []
    deadline = time.monotonic() + timeout
    while len(packets) < count and time.monotonic() < deadline:
        packet = ring.recv(wait=False)  # type: ignore[attr-defined]
        if packet is None:
            ring.poll(0.2)  # type: ignore[attr-defined]
        elif packet.eth_type == eth_type:
            packets.append(packet)
    return packets


def test_every_frame_arrives_once_unaltered_with_its_fields(
    link_ifs: LinkEnds, pf_ring_module: Callable[..., str]
) -> None:
    pf_ring_module()
    count = 300
    with Ring(link_ifs.rx) as ring:
        delivery = send_stream(link_ifs.tx, link_ifs.rx, count, sizes=(60, 333, 1514))
        ours = drain(ring, count, ETH_P_LAB)
        time.sleep(0.5)
        extra = drain(ring, 1, ETH_P_LAB, timeout=0.5)
        stats = ring.stats()
    for packet in ours:
        delivery.add(packet.data)
    assert delivery.exact, delivery.summary()
    assert not extra, "a frame arrived twice"
    assert stats.drop == 0 and stats.recv >= count
    mac_rx, mac_tx = interface_mac(link_ifs.rx), interface_mac(link_ifs.tx)
    for packet in ours:
        assert packet.caplen == packet.len == len(packet.data)
        assert packet.direction == 1 and packet.ifindex == ifindex(link_ifs.rx)
        assert packet.dmac.hex(":") == mac_rx and packet.smac.hex(":") == mac_tx
        assert packet.ts_ns > 1_600_000_000 * 10**9


def test_recv_batch_fills_numpy_arrays_exactly(
    link_ifs: LinkEnds, pf_ring_module: Callable[..., str]
) -> None:
    pf_ring_module()
    count, size = 1000, 200
    with Ring(link_ifs.rx, caplen=1514) as ring:
        gen = Pktgen(link_ifs.tx)
        try:
            gen.configure(count, size, interface_mac(link_ifs.rx), rate_pps=3000)
            gen.run()
        finally:
            gen.close()
        seqs: list[int] = []
        batches = []
        deadline = time.monotonic() + 30
        while len(seqs) < count and time.monotonic() < deadline:
            batch = ring.recv_batch(256, timeout=0.5)
            assert int(batch.headers["caplen"].sum()) == len(batch.data)
            batches.append(batch)
            for i in range(len(batch)):
                seq = parse_pktgen_frame(batch.payload(i))
                if seq is not None:
                    assert batch.headers[i]["len"] == size
                    seqs.append(seq)
    # Every batch keeps its own bytes after later calls (the ring's scratch is reused)
    kept = [s for b in batches for i in range(len(b))
            if (s := parse_pktgen_frame(b.payload(i))) is not None]
    assert kept == seqs
    assert len(seqs) == count and len(set(seqs)) == count, f"{len(seqs)} of {count}"
    assert sorted(seqs) == list(range(min(seqs), min(seqs) + count))


def test_parsed_fields_of_a_udp_frame(
    link_ifs: LinkEnds, pf_ring_module: Callable[..., str]
) -> None:
    pf_ring_module()
    with Ring(link_ifs.rx) as ring:
        gen = Pktgen(link_ifs.tx)
        try:
            gen.configure(3, 128, interface_mac(link_ifs.rx), rate_pps=1000)
            gen.run()
        finally:
            gen.close()
        packets = drain(ring, 3, ETH_P_IP, timeout=10)
    assert len(packets) == 3
    for packet in packets:
        check_udp_fields(packet)


def check_udp_fields(packet: Any) -> None:
    assert (packet.ip_version, packet.l3_proto) == (4, 17)
    assert str(packet.ip_src) == "198.18.0.1" and str(packet.ip_dst) == "198.18.0.2"
    assert packet.l4_src_port == 9 and packet.l4_dst_port == 9


def test_errors_raise_oserror_with_the_errno(pf_ring_module: Callable[..., str]) -> None:
    pf_ring_module()
    with pytest.raises(OSError) as unknown:
        Ring("nosuchdev0")
    assert unknown.value.errno == errno.ENODEV
    with pytest.raises(OSError) as bad_caplen:
        Ring("lo", caplen=0)
    assert bad_caplen.value.errno == errno.EINVAL
    # like today's PF_RING, a caplen above the largest frame is clamped, not refused
    with Ring("lo", caplen=70000) as ring:
        assert ring.caplen == 65535


def test_arecv_waits_in_an_event_loop(
    link_ifs: LinkEnds, pf_ring_module: Callable[..., str]
) -> None:
    pf_ring_module()

    async def first_lab_frame() -> object:
        with Ring(link_ifs.rx) as ring:
            loop = asyncio.get_running_loop()
            sent = loop.run_in_executor(None, send_stream, link_ifs.tx, link_ifs.rx, 3)
            while True:
                packet = await asyncio.wait_for(ring.arecv(), timeout=20)
                if packet.eth_type == ETH_P_LAB:
                    await sent
                    return packet

    packet = asyncio.run(first_lab_frame())
    delivery = Delivery(stream=1, sent=1, sent_bytes=packet.len)  # type: ignore[attr-defined]
    delivery.add(packet.data)  # type: ignore[attr-defined]
    assert delivery.received == 1 and not delivery.corrupt
