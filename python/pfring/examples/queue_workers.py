# SPDX-License-Identifier: LGPL-2.1-or-later
"""One worker per RX queue: `python -m pfring.examples.queue_workers eth1`.

Ring.open_multichannel() opens eth1@0, eth1@1, ... (with an aware driver each ring is fed
by its queue's RX clean-up, on the CPU that serves it); each worker thread reads its own
ring, so the queues are drained in parallel with no lock between them. With --symmetric
both directions of a flow land on one queue (a symmetric RSS key), so a worker sees
whole conversations. Prints one JSON line per queue when done: packets, bytes and its
flows (each the same for both directions).
"""

from __future__ import annotations

import argparse
import json
import threading
import time

from pfring.packet import Packet
from pfring.ring import Ring


def flow_key(packet: Packet) -> str | None:
    """The packet's flow, the same for both directions ("a:p-b:q", sorted), or None."""
    if packet.ip_src is None or packet.ip_dst is None:
        return None
    ends = sorted([f"{packet.ip_src}:{packet.l4_src_port}",
                   f"{packet.ip_dst}:{packet.l4_dst_port}"])
    return f"{packet.l3_proto}/{ends[0]}-{ends[1]}"


class Tally:
    """Packets of all queues together; stop is set once there are limit (0: never)."""

    def __init__(self, limit: int) -> None:
        self.limit, self.count = limit, 0
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def add(self) -> None:
        with self.lock:
            self.count += 1
            if self.limit and self.count >= self.limit:
                self.stop.set()


def worker(ring: Ring, queue: int, tally: Tally,
           results: dict[int, dict[str, object]]) -> None:
    packets = octets = 0
    flows: set[str] = set()
    while not tally.stop.is_set():
        packet = ring.recv(wait=False)
        if packet is None:
            ring.poll(0.2)
            continue
        tally.add()
        packets += 1
        octets += packet.len
        key = flow_key(packet)
        if key is not None:
            flows.add(key)
    results[queue] = {"queue": queue, "packets": packets, "bytes": octets,
                      "flows": sorted(flows)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("device")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long to read")
    parser.add_argument("--limit", type=int, default=0, help="stop after this many packets")
    parser.add_argument("--symmetric", action="store_true",
                        help="set a symmetric RSS key first (pfring_enable_rss_rehash)")
    args = parser.parse_args(argv)
    rings = Ring.open_multichannel(args.device)
    if args.symmetric:
        rings[0].enable_rss_rehash()
    tally = Tally(args.limit)
    results: dict[int, dict[str, object]] = {}
    threads = [threading.Thread(target=worker, args=(r, q, tally, results))
               for q, r in enumerate(rings)]
    for t in threads:
        t.start()
    print("READY", flush=True)
    deadline = time.monotonic() + args.seconds
    while any(t.is_alive() for t in threads) and time.monotonic() < deadline:
        time.sleep(0.1)
    tally.stop.set()
    for t in threads:
        t.join()
    for ring in rings:
        ring.close()
    for queue in sorted(results):
        print(json.dumps(results[queue]), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
