# SPDX-License-Identifier: LGPL-2.1-or-later
from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pfring.testing.frames import (
    CorruptFrame,
    Delivery,
    build_frame,
    parse_frame,
    parse_pktgen_frame,
)

DST, SRC = "52:54:00:1e:00:0e", "52:54:00:1e:00:0c"


@given(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1), st.integers(60, 1514))
def test_a_frame_parses_back_to_its_stream_and_seq(stream: int, seq: int, size: int) -> None:
    frame = build_frame(DST, SRC, stream, seq, size)
    assert len(frame) == size
    assert parse_frame(frame) == (stream, seq)


@given(st.integers(0, 1513), st.integers(1, 255))
def test_any_altered_byte_is_caught(offset: int, flip: int) -> None:
    frame = bytearray(build_frame(DST, SRC, 3, 99, 1514))
    frame[offset] ^= flip
    if 12 <= offset < 18:  # ethertype or magic changed: no longer a lab frame
        assert parse_frame(bytes(frame)) is None
    else:
        with pytest.raises(CorruptFrame):
            parse_frame(bytes(frame))


@pytest.mark.parametrize("size", [59, 9015])
def test_sizes_outside_ethernet_are_refused(size: int) -> None:
    with pytest.raises(ValueError, match="outside"):
        build_frame(DST, SRC, 1, 1, size)


def test_delivery_counts_missing_duplicated_corrupt_and_foreign() -> None:
    frames = [build_frame(DST, SRC, 1, seq, 100) for seq in range(5)]
    delivery = Delivery(stream=1, sent=5, sent_bytes=500)
    for frame in [*frames[:3], frames[1]]:
        delivery.add(frame)
    delivery.add(build_frame(DST, SRC, 2, 0, 100))
    delivery.add(frames[4][:-1] + bytes([frames[4][-1] ^ 1]))
    assert delivery.missing == [3, 4]
    assert delivery.duplicated == [1]
    assert delivery.corrupt == 1
    assert delivery.foreign == 1
    assert not delivery.exact
    good = Delivery(stream=1, sent=5, sent_bytes=500)
    for frame in frames:
        good.add(frame)
    assert good.exact


def pktgen_frame(seq: int, udp_csum: bool = True) -> bytes:
    """A frame laid out as pktgen makes it: Ethernet, IPv4, UDP, pktgen header."""
    payload = struct.pack("!IIII", 0xBE9BE955, seq, 0, 0) + bytes(20)
    src, dst = bytes([198, 18, 0, 1]), bytes([198, 18, 0, 2])
    udp_len = 8 + len(payload)
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, 0, 0, 32, 17, 0,
                               src, dst))
    ip[10:12] = struct.pack("!H", 0xFFFF - _sum(bytes(ip)))
    udp = bytearray(struct.pack("!HHHH", 9, 9, udp_len, 0) + payload)
    if udp_csum:
        pseudo = src + dst + struct.pack("!BBH", 0, 17, udp_len)
        udp[6:8] = struct.pack("!H", (0xFFFF - _sum(pseudo + bytes(udp))) or 0xFFFF)
    return bytes(6) + bytes(6) + b"\x08\x00" + bytes(ip) + bytes(udp)


def _sum(data: bytes) -> int:
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total


def test_pktgen_frames_give_their_seq_and_checksums_are_checked() -> None:
    assert parse_pktgen_frame(pktgen_frame(41)) == 41
    assert parse_pktgen_frame(pktgen_frame(41, udp_csum=False)) == 41
    bad = bytearray(pktgen_frame(41))
    bad[-1] ^= 0x55
    with pytest.raises(CorruptFrame, match="UDP"):
        parse_pktgen_frame(bytes(bad))
    assert parse_pktgen_frame(build_frame(DST, SRC, 1, 1, 100)) is None


def test_a_jumbo_frame_is_built_and_parsed() -> None:
    frame = build_frame(DST, SRC, 3, 9, 9014)
    assert len(frame) == 9014 and parse_frame(frame) == (3, 9)
