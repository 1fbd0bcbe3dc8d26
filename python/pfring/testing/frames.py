# SPDX-License-Identifier: LGPL-2.1-or-later
"""Test frames that prove their own delivery: each carries a stream id, a sequence number
and a CRC-32 of every other byte, so a receiver can tell that each arrived once, unaltered.

    0      6      12   14     18       22    26     30
    | dst  | src  |type|"PFLB"| stream |  seq | crc32 | filler (a function of seq) ...

type is 0x88B5 (IEEE 802 local experimental), so no stack on either side takes it.
"""

from __future__ import annotations

import struct
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from pfring.rules import mac_bytes

ETH_P_LAB = 0x88B5
MAGIC = b"PFLB"
HEADER = struct.Struct("!6s6sH4sIII")
CRC_OFFSET = 26
MIN_FRAME = 60  # without the FCS
MAX_FRAME = 1514
MAX_JUMBO_FRAME = 9014  # an MTU of 9000


class CorruptFrame(ValueError):
    """A lab frame whose CRC does not match its bytes."""


def build_frame(dst: str, src: str, stream: int, seq: int, size: int) -> bytes:
    """One frame of exactly size bytes (60 to 1514, or to 9014 for a jumbo MTU)."""
    if not MIN_FRAME <= size <= MAX_JUMBO_FRAME:
        raise ValueError(f"frame size {size} outside {MIN_FRAME}..{MAX_JUMBO_FRAME}")
    filler_len = size - HEADER.size
    pattern = struct.pack("!I", seq * 2654435761 & 0xFFFFFFFF)
    filler = (pattern * (filler_len // 4 + 1))[:filler_len]
    head = HEADER.pack(mac_bytes(dst), mac_bytes(src), ETH_P_LAB, MAGIC, stream, seq, 0)
    crc = zlib.crc32(head[:CRC_OFFSET] + filler)
    return head[:CRC_OFFSET] + struct.pack("!I", crc) + filler


def parse_frame(frame: bytes) -> tuple[int, int] | None:
    """(stream, seq) of a lab frame; None for another kind of frame; CorruptFrame if altered."""
    if len(frame) < HEADER.size or frame[12:18] != struct.pack("!H", ETH_P_LAB) + MAGIC:
        return None
    _, _, _, _, stream, seq, crc = HEADER.unpack_from(frame)
    if zlib.crc32(frame[:CRC_OFFSET] + frame[HEADER.size :]) != crc:
        raise CorruptFrame(f"stream {stream} seq {seq}: CRC mismatch")
    return stream, seq


@dataclass
class Delivery:
    """What a receiver saw of one stream, against what was sent."""

    stream: int
    sent: int
    sent_bytes: int
    received: int = 0
    received_bytes: int = 0
    corrupt: int = 0
    foreign: int = 0
    seqs: Counter[int] = field(default_factory=Counter)

    def add(self, frame: bytes) -> None:
        try:
            parsed = parse_frame(frame)
        except CorruptFrame:
            self.corrupt += 1
            return
        if parsed is None or parsed[0] != self.stream:
            self.foreign += 1
            return
        self.received += 1
        self.received_bytes += len(frame)
        self.seqs[parsed[1]] += 1

    @property
    def missing(self) -> list[int]:
        return [s for s in range(self.sent) if s not in self.seqs]

    @property
    def duplicated(self) -> list[int]:
        return sorted(s for s, n in self.seqs.items() if n > 1)

    @property
    def exact(self) -> bool:
        return (
            self.received == self.sent
            and self.received_bytes == self.sent_bytes
            and not self.corrupt
            and not self.missing
            and not self.duplicated
        )

    def summary(self) -> str:
        return (
            f"stream {self.stream}: sent {self.sent} ({self.sent_bytes} B), received "
            f"{self.received} ({self.received_bytes} B), missing {len(self.missing)}, "
            f"duplicated {len(self.duplicated)}, corrupt {self.corrupt}"
        )


def frame_sizes(count: int, sizes: Iterable[int]) -> list[int]:
    """count sizes cycling through the given ones."""
    pool = list(sizes)
    return [pool[i % len(pool)] for i in range(count)]


PKTGEN_MAGIC = 0xBE9BE955
_ETH_IPV4 = struct.pack("!H", 0x0800)


def _ones_complement_sum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return int(total)


def parse_pktgen_frame(frame: bytes) -> int | None:
    """pktgen's sequence number of an IPv4/UDP pktgen frame; None for other frames;
    CorruptFrame when the IPv4 or UDP checksum (pktgen's UDPCSUM flag) does not hold."""
    if len(frame) < 14 + 20 + 8 + 8 or frame[12:14] != _ETH_IPV4 or frame[23] != 17:
        return None
    ihl = (frame[14] & 0x0F) * 4
    ip = frame[14 : 14 + ihl]
    total_len = struct.unpack_from("!H", ip, 2)[0]
    udp = frame[14 + ihl : 14 + total_len]
    if len(udp) < 16 or struct.unpack_from("!I", udp, 8)[0] != PKTGEN_MAGIC:
        return None
    if _ones_complement_sum(ip) != 0xFFFF:
        raise CorruptFrame("IPv4 header checksum mismatch")
    pseudo = ip[12:20] + struct.pack("!BBH", 0, 17, len(udp))
    if struct.unpack_from("!H", udp, 6)[0] and _ones_complement_sum(pseudo + udp) != 0xFFFF:
        raise CorruptFrame("UDP checksum mismatch")
    return int(struct.unpack_from("!I", udp, 12)[0])


def ipv4_udp(src: bytes, dst: bytes, payload: bytes, dport: int = 9) -> bytes:
    """An IPv4/UDP packet from port 4000 (header checksum right, UDP checksum 0), as a
    device without a link-layer header (tun) carries it."""
    udp = struct.pack("!HHHH", 4000, dport, 8 + len(payload), 0) + payload
    head = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0, src, dst)
    check = ~_ones_complement_sum(head) & 0xFFFF
    return head[:10] + struct.pack("!H", check) + head[12:] + udp
