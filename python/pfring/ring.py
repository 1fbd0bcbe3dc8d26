# SPDX-License-Identifier: LGPL-2.1-or-later
"""Ring: a PF_RING socket from Python, through libpfring (never the ring layout itself).

    with Ring("eth1", promisc=True) as ring:
        for packet in ring:
            print(packet.len, packet.ip_src)

Errors raise OSError with the errno libpfring set. recv_batch() fills numpy arrays, a
batch at a time, for speed. The in-kernel filters (BPF, rules, sampling) are
RingFilter's methods (pfring/ring_filter.py).
"""

from __future__ import annotations

import asyncio
import os
import time
import weakref
from collections.abc import Iterator, Sequence
from enum import IntEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from pfring.packet import BATCH_DTYPE, Batch, Packet, Stats

try:
    from pfring.native._pfring import ffi, lib  # type: ignore[import-not-found]
except ImportError as e:  # pragma: no cover - depends on the build
    raise ImportError(
        "the pfring binding is not built: run 'invoke build' (it needs libpfring)"
    ) from e

from pfring.ring_filter import RingFilter

DEFAULT_CAPLEN = 1536

# What send() takes: a frame's bytes, from the destination MAC address on
Frame = bytes | bytearray | memoryview | npt.NDArray[np.uint8]


class Direction(IntEnum):
    RX_AND_TX = 0
    RX_ONLY = 1
    TX_ONLY = 2


class SocketMode(IntEnum):
    SEND_AND_RECV = 0
    SEND_ONLY = 1
    RECV_ONLY = 2


class ClusterType(IntEnum):
    """How a cluster spreads packets over its members (libpfring's cluster_type; the
    values are the ones programs pass). The per-flow types send both directions of a
    flow to one member; the INNER types hash what a GRE, VXLAN or GTP-U tunnel carries;
    PER_FLOW_IP_WITH_DUP_TUPLE sends a packet to its source address's member and its
    destination address's."""

    PER_FLOW = 0  # VLAN, protocol, addresses, ports
    ROUND_ROBIN = 1
    PER_FLOW_2_TUPLE = 2
    PER_FLOW_4_TUPLE = 3
    PER_FLOW_5_TUPLE = 4
    PER_FLOW_TCP_5_TUPLE = 5
    PER_INNER_FLOW = 6
    PER_INNER_FLOW_2_TUPLE = 7
    PER_INNER_FLOW_4_TUPLE = 8
    PER_INNER_FLOW_5_TUPLE = 9
    PER_INNER_FLOW_TCP_5_TUPLE = 10
    PER_FLOW_IP_5_TUPLE = 11
    PER_INNER_FLOW_IP_5_TUPLE = 12
    PER_FLOW_IP_WITH_DUP_TUPLE = 13


def _raise(what: str) -> None:
    err = ffi.errno or 5  # EIO when the library said nothing more
    raise OSError(err, f"{what}: {os.strerror(err)}")


def _check(rc: int, what: str) -> int:
    if rc < 0:
        _raise(what)
    return rc


class Ring(RingFilter):
    """A ring bound to a device ("eth1", "eth1@0", "any", "eth1,eth2").

    The ring is enabled at once unless enable=False; parse=True fills each Packet's
    L2-L4 fields (the library parses them from the frame).
    """

    def __init__(
        self,
        device: str,
        caplen: int = DEFAULT_CAPLEN,
        *,
        promisc: bool = False,
        long_header: bool = False,
        reentrant: bool = False,
        parse: bool = True,
        enable: bool = True,
        mode: SocketMode | None = None,
    ) -> None:
        self._ring: Any = None
        flags = 0
        flags |= lib.PF_RING_PROMISC if promisc else 0
        flags |= lib.PF_RING_LONG_HEADER if long_header else 0
        flags |= lib.PF_RING_REENTRANT if reentrant else 0
        ffi.errno = 0
        handle = lib.pfring_open(device.encode(), caplen, flags)
        if handle == ffi.NULL:
            _raise(f"pfring_open({device!r}, caplen={caplen})")
        self._ring = handle
        # Closed by close(), by garbage collection, or at interpreter exit while the
        # library is still there (a __del__ may run after the binding is torn down).
        self._finalizer = weakref.finalize(self, lib.pfring_close, handle)
        self.device = device
        self.parse = parse
        self._packet = ffi.new("struct pfpy_packet *")
        # recv_batch's scratch space, grown on demand and reused: the library copies
        # into it, and each batch gets arrays of exactly its own size.
        self._rows: npt.NDArray[np.void] = np.empty(0, dtype=BATCH_DTYPE)
        self._bytes: npt.NDArray[np.uint8] = np.empty(0, dtype=np.uint8)
        self._rows_ptr: Any = ffi.NULL
        self._bytes_ptr: Any = ffi.NULL
        if mode is not None:
            self.set_socket_mode(mode)
        if enable:
            self.enable()

    # -- life cycle ------------------------------------------------------------------

    def _handle(self) -> Any:
        if self._ring is None:
            raise ValueError("the ring is closed")
        return self._ring

    def close(self) -> None:
        if self._ring is not None:
            self._ring = None
            self._finalizer()

    def __enter__(self) -> Ring:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def enable(self) -> None:
        _check(lib.pfring_enable_ring(self._handle()), "pfring_enable_ring")

    def disable(self) -> None:
        _check(lib.pfring_disable_ring(self._handle()), "pfring_disable_ring")

    def breakloop(self) -> None:
        """Make a blocked recv() return None."""
        lib.pfring_breakloop(self._handle())

    def fileno(self) -> int:
        """A descriptor that poll()/select()/asyncio can wait on."""
        return int(_check(lib.pfring_get_selectable_fd(self._handle()), "selectable fd"))

    # -- receiving ---------------------------------------------------------------------

    def recv(self, wait: bool = True) -> Packet | None:
        """The next packet; None when wait is False and the ring is empty, or after
        breakloop()."""
        ffi.errno = 0
        rc = lib.pfpy_recv(self._handle(), int(wait), int(self.parse), self._packet)
        if rc < 0:
            _raise("pfring_recv")
        if rc == 0:
            return None
        p = self._packet
        return Packet(
            ts_ns=p.ts_ns, caplen=p.caplen, len=p.len, ifindex=p.ifindex,
            direction=p.direction, hash=p.hash,
            data=bytes(ffi.buffer(p.data, p.caplen)),
            dmac=bytes(p.dmac), smac=bytes(p.smac), eth_type=p.eth_type,
            vlan_id=p.vlan_id, ip_version=p.ip_version, l3_proto=p.l3_proto,
            ip_src_raw=bytes(p.ip_src), ip_dst_raw=bytes(p.ip_dst),
            l4_src_port=p.l4_src_port, l4_dst_port=p.l4_dst_port, tcp_flags=p.tcp_flags,
        )

    def __iter__(self) -> Iterator[Packet]:
        """Packets as they come, until breakloop()."""
        while (packet := self.recv(wait=True)) is not None:
            yield packet

    def recv_batch(self, n: int, timeout: float | None = None) -> Batch:
        """Up to n packets into numpy arrays. Waits up to timeout seconds (None: for ever,
        0: not at all) for the first packet, then takes what is there."""
        if n < 1:
            raise ValueError("n must be at least 1")
        handle = self._handle()
        need = n * self.caplen  # room for n packets of the ring's caplen
        if len(self._rows) < n or len(self._bytes) < need:
            self._rows = np.empty(n, dtype=BATCH_DTYPE)
            self._bytes = np.empty(need, dtype=np.uint8)
            self._rows_ptr = ffi.cast("struct pfpy_batch_row *", ffi.from_buffer(self._rows))
            self._bytes_ptr = ffi.cast("unsigned char *", ffi.from_buffer(self._bytes))
        timeout_ms = -1 if timeout is None else int(timeout * 1000)
        ffi.errno = 0
        got = lib.pfpy_recv_batch(handle, self._rows_ptr, n, self._bytes_ptr, need,
                                  timeout_ms)
        if got < 0:
            _raise("pfring_recv (batch)")
        rows = self._rows[:got]
        used = int(rows["offset"][got - 1] + rows["caplen"][got - 1]) if got else 0
        return Batch(rows.copy(), self._bytes[:used].copy())

    # -- sending -------------------------------------------------------------------------

    def send(self, frame: Frame, *, flush: bool = True, ifindex: int = 0) -> int:
        """Send one frame (its bytes from the destination MAC on, no FCS) out of the
        ring's device, or out of ifindex; returns its length. flush=False leaves it to
        go with the next frames (at the tx watermark, flush(), or close())."""
        data = ffi.from_buffer("char[]", frame)
        handle = self._handle()
        while True:
            ffi.errno = 0
            rc = int(lib.pfring_send_ifindex(handle, data, len(data), int(flush), ifindex))
            if rc != lib.PF_RING_ERROR_NO_TX_SLOT_AVAILABLE:
                break
            time.sleep(0.0001)  # the device's queue stays full: not taken, try again
        if rc < 0:
            _raise(f"pfring_send ({len(data)} bytes)")
        return rc

    def send_batch(self, frames: npt.NDArray[np.uint8] | Sequence[Frame],
                   lengths: npt.ArrayLike | None = None, *, ifindex: int = 0) -> int:
        """Send frames in order, in as few system calls as the tx watermark allows,
        then flush; returns how many were sent. frames is a 2-D uint8 array, a frame per
        row, whose lengths (one per row, each at most the row's width) say how many of
        its bytes are the frame (default: all of them); or a sequence of bytes-like
        frames. A failure raises OSError naming how many frames went before it."""
        if isinstance(frames, np.ndarray):
            if frames.ndim != 2 or frames.dtype != np.uint8:
                raise ValueError("frames must be a 2-D uint8 array (one frame per row)")
            rows = np.ascontiguousarray(frames)
            n, width = rows.shape
            lens = (np.full(n, width, dtype=np.uint32) if lengths is None
                    else np.ascontiguousarray(lengths, dtype=np.uint32))
            if lens.shape != (n,):
                raise ValueError(f"lengths must hold {n} values, one per row")
            if n and (int(lens.max()) > width or int(lens.min()) == 0):
                raise ValueError(f"each length must be 1 to {width} (the rows' width)")
            buf = ffi.from_buffer("unsigned char[]", rows)
            offsets = ffi.NULL
            stride = width
        else:
            if lengths is not None:
                raise ValueError("lengths go with a 2-D array of frames")
            views = [f.tobytes() if isinstance(f, np.ndarray) else memoryview(f).cast("B")
                     for f in frames]
            n = len(views)
            lens = np.array([len(v) for v in views], dtype=np.uint32)
            starts = np.zeros(n, dtype=np.uint64)
            if n:
                np.cumsum(lens[:-1], out=starts[1:])
            joined = b"".join(views)
            buf = ffi.from_buffer("unsigned char[]", joined)
            offsets = ffi.cast("unsigned long long *", ffi.from_buffer(starts))
            stride = 0
        if n == 0:
            return 0
        rc = ffi.new("int *")
        ffi.errno = 0
        sent = int(lib.pfpy_send_batch(self._handle(), buf, stride, offsets,
                                       ffi.cast("unsigned int *", ffi.from_buffer(lens)),
                                       n, ifindex, rc))
        if rc[0] < 0:
            _raise(f"send_batch: {sent} of {n} frames sent, then")
        return sent

    def flush(self) -> None:
        """Send the frames that wait (send(flush=False)) now."""
        _check(lib.pfring_flush_tx_packets(self._handle()), "pfring_flush_tx_packets")

    def set_tx_watermark(self, frames: int) -> None:
        """How many frames send(flush=False) gathers before they go (default 64)."""
        _check(lib.pfring_set_tx_watermark(self._handle(), frames), "set tx watermark")

    def poll(self, timeout: float) -> bool:
        """Wait up to timeout seconds for the poll watermark; True when there is data."""
        rc = _check(lib.pfring_poll(self._handle(), int(timeout * 1000)), "pfring_poll")
        return rc > 0

    async def arecv(self) -> Packet:
        """The next packet, awaiting readiness of fileno() in the running event loop."""
        while (packet := self.recv(wait=False)) is None:
            loop = asyncio.get_running_loop()
            ready: asyncio.Future[None] = loop.create_future()
            fd = self.fileno()
            loop.add_reader(fd, ready.set_result, None)
            try:
                await ready
            finally:
                loop.remove_reader(fd)
        return packet

    # -- queries -------------------------------------------------------------------------

    def stats(self) -> Stats:
        """The ring's counters, read together: packets put in the ring (recv), lost to a
        full ring (drop), kept out by the filters (filtered) or the sampling rate
        (sampled_out)."""
        out = ffi.new("struct pf_ring_stats *")
        _check(lib.pfring_get_stats_ext(self._handle(), out), "pfring_get_stats_ext")
        return Stats(recv=int(out.recv), drop=int(out.drop), filtered=int(out.filtered),
                     sampled_out=int(out.sampled_out))

    @property
    def version(self) -> tuple[int, int, int]:
        out = ffi.new("uint32_t *")
        _check(lib.pfring_version(self._handle(), out), "pfring_version")
        v = int(out[0])
        return (v >> 16, (v >> 8) & 0xFF, v & 0xFF)

    @property
    def caplen(self) -> int:
        return int(_check(lib.pfring_get_caplen(self._handle()), "pfring_get_caplen"))

    @property
    def mac(self) -> str:
        out = ffi.new("unsigned char[6]")
        _check(lib.pfring_get_bound_device_address(self._handle(), out), "device address")
        return ":".join(f"{b:02x}" for b in bytes(out))

    @property
    def ifindex(self) -> int:
        out = ffi.new("int *")
        _check(lib.pfring_get_bound_device_ifindex(self._handle(), out), "device ifindex")
        return int(out[0])

    @property
    def num_rx_channels(self) -> int:
        return int(lib.pfring_get_num_rx_channels(self._handle()))

    @classmethod
    def open_multichannel(cls, device: str, caplen: int = DEFAULT_CAPLEN,
                          **options: Any) -> list[Ring]:
        """One ring per RX queue of device ("eth1@0", "eth1@1", ...), as many as the
        device has (pfring_open_multichannel); options as Ring's. With an aware driver
        each ring reads its queue straight from the driver."""
        if "@" in device or "," in device or device == "any":
            raise ValueError(f"open_multichannel takes one device, not {device!r}")
        with cls(device, caplen, enable=False) as probe:
            queues = probe.num_rx_channels
        rings: list[Ring] = []
        try:
            for queue in range(queues):
                rings.append(cls(f"{device}@{queue}", caplen, **options))
        except BaseException:
            for ring in rings:
                ring.close()
            raise
        return rings

    def enable_rss_rehash(self) -> None:
        """A symmetric RSS key on the ring's device: both directions of a flow reach
        one queue (OSError EOPNOTSUPP where the NIC takes no key)."""
        _check(lib.pfring_enable_rss_rehash(self._handle()), "RSS rehash")

    def set_capture_only(self, on: bool = True) -> None:
        """Keep the frames this ring takes on its devices from the stack (on), or give
        them back: a switch of each device, which outlives the ring (CAP_NET_ADMIN; an
        aware driver on every device: OSError EOPNOTSUPP otherwise, none switched)."""
        _check(lib.pfring_set_capture_only(self._handle(), int(on)), "set capture only")

    @property
    def link_up(self) -> bool:
        return _check(lib.pfring_get_link_status(self._handle()), "link status") == 1

    @property
    def speed_mbps(self) -> int:
        return int(lib.pfring_get_interface_speed(self._handle()))

    @property
    def mtu(self) -> int:
        return int(_check(lib.pfring_get_mtu_size(self._handle()), "pfring_get_mtu_size"))

    @property
    def ring_id(self) -> int:
        return int(lib.pfring_get_ring_id(self._handle()))

    # -- options ---------------------------------------------------------------------------

    def set_cluster(self, cluster_id: int, cluster_type: ClusterType,
                    consumer: int | None = None) -> None:
        """Join a cluster (before or after enable()): rings of any process on the same id
        share its packets. consumer asks for a place (0-63) in the cluster."""
        handle = self._handle()
        if consumer is None:
            rc = lib.pfring_set_cluster(handle, cluster_id, int(cluster_type))
        else:
            rc = lib.pfring_set_cluster_consumer(handle, cluster_id, consumer,
                                                 int(cluster_type), 0)
        _check(rc, f"set cluster {cluster_id} ({cluster_type.name.lower()})")

    def remove_from_cluster(self) -> None:
        """Leave the cluster: the ring gets every packet again."""
        _check(lib.pfring_remove_from_cluster(self._handle()), "remove from cluster")

    def set_reflector(self, device: str | None) -> None:
        """Every received frame the ring takes goes out of device, as it is, instead of
        into the ring (in the kernel); None stops it."""
        name = ffi.new("char[]", (device or "").encode())
        _check(lib.pfring_set_reflector_device(self._handle(), name),
               f"set reflector device {device!r}")

    def set_bounce(self, on: bool = True) -> None:
        """Every received frame the ring takes goes back out of the device it came from,
        its MAC addresses swapped, instead of into the ring."""
        _check(lib.pfring_set_bounce(self._handle(), int(on)), "set bounce")

    def set_direction(self, direction: Direction) -> None:
        _check(lib.pfring_set_direction(self._handle(), int(direction)), "set direction")

    def set_socket_mode(self, mode: SocketMode) -> None:
        _check(lib.pfring_set_socket_mode(self._handle(), int(mode)), "set socket mode")

    def set_poll_watermark(self, packets: int) -> None:
        _check(lib.pfring_set_poll_watermark(self._handle(), packets), "set poll watermark")

    def set_poll_watermark_timeout(self, ms: int) -> None:
        _check(lib.pfring_set_poll_watermark_timeout(self._handle(), ms),
               "set poll watermark timeout")

    def set_poll_duration(self, ms: int) -> None:
        _check(lib.pfring_set_poll_duration(self._handle(), ms), "set poll duration")

    def set_application_name(self, name: str) -> None:
        buf = ffi.new("char[]", name.encode())
        _check(lib.pfring_set_application_name(self._handle(), buf), "set application name")
