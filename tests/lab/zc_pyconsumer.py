# SPDX-License-Identifier: LGPL-2.1-or-later
"""A pfring.zc consumer in a process of its own, for test_zc_balance.py.

usage: python zc_pyconsumer.py CLUSTER_ID QUEUE_ID OUT_FILE

Attaches to queue QUEUE_ID of cluster CLUSTER_ID (Queue.attach: the queue's pool of the
same id), says "zc_pyconsumer: attached" on stdout, writes each packet it receives to
OUT_FILE as one line of hex, and on SIGINT/SIGTERM ends with
"zc_pyconsumer totals: P packets B bytes"."""

from __future__ import annotations

import signal
import sys
from types import FrameType

from pfring.zc import Queue

stopping = False


def stop(signum: int, frame: FrameType | None) -> None:
    global stopping
    stopping = True


def main() -> int:
    cluster_id, queue_id, out_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    packets = nbytes = 0
    # burst=1: recv() takes one packet at a time, and zbalance_ipc gives each queue a
    # pool of 16 buffers by default (-b), fewer than the default burst of 32
    with Queue.attach(cluster_id, queue_id, burst=1) as queue, open(out_path, "w") as out:
        print("zc_pyconsumer: attached", flush=True)
        while not stopping:
            packet = queue.recv(timeout=0.1)
            if packet is None:
                continue
            out.write(packet.data.hex() + "\n")
            packets += 1
            nbytes += packet.length
    print(f"zc_pyconsumer totals: {packets} packets {nbytes} bytes", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
