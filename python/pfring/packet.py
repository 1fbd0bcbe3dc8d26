# SPDX-License-Identifier: LGPL-2.1-or-later
"""What a Ring gives back: one Packet at a time, or a Batch in numpy arrays."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

# One row per packet of a batch; the layout of struct pfpy_batch_row (native/glue.h).
BATCH_DTYPE = np.dtype(
    {
        "names": ["ts_ns", "offset", "caplen", "len", "ifindex", "direction"],
        "formats": [np.uint64, np.uint64, np.uint32, np.uint32, np.int32, np.uint8],
        "offsets": [0, 8, 16, 20, 24, 28],
        "itemsize": 32,
    }
)

RX, TX = 1, 0  # Packet.direction


@dataclass(frozen=True)
class Packet:
    """One captured frame: timestamps, lengths, the bytes kept, and the parsed headers and
    flow hash (zeros when the ring was opened with parse=False)."""

    ts_ns: int
    caplen: int
    len: int
    ifindex: int
    direction: int
    hash: int
    data: bytes
    dmac: bytes
    smac: bytes
    eth_type: int
    vlan_id: int
    ip_version: int
    l3_proto: int
    ip_src_raw: bytes
    ip_dst_raw: bytes
    l4_src_port: int
    l4_dst_port: int
    tcp_flags: int

    @property
    def ip_src(self) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
        return _ip(self.ip_version, self.ip_src_raw)

    @property
    def ip_dst(self) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
        return _ip(self.ip_version, self.ip_dst_raw)


def _ip(version: int, raw: bytes) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if version == 4:
        return ipaddress.IPv4Address(raw[:4])
    if version == 6:
        return ipaddress.IPv6Address(raw)
    return None


@dataclass(frozen=True)
class Batch:
    """Packets received together: headers[i] describes the bytes
    data[headers[i]['offset'] : headers[i]['offset'] + headers[i]['caplen']]."""

    headers: npt.NDArray[np.void]
    data: npt.NDArray[np.uint8]

    def __len__(self) -> int:
        return len(self.headers)

    def payload(self, index: int) -> bytes:
        row = self.headers[index]
        start = int(row["offset"])
        return self.data[start : start + int(row["caplen"])].tobytes()


@dataclass(frozen=True)
class Stats:
    recv: int  # packets put in the ring
    drop: int  # lost because the ring was full
    filtered: int = 0  # kept out by the BPF filter, a rule or the policy
    sampled_out: int = 0  # passed the filters, kept out by the sampling rate
