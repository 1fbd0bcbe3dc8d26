# SPDX-License-Identifier: LGPL-2.1-or-later
"""The bench's Python consumer: pf_ring through Ring.recv_batch in a small loop, counting
packets and bytes. It answers SIGUSR1 and SIGTERM like the C consumers
(bench/consumers/consumer.h):

    python -m pfring.bench.pyconsumer DEVICE [WATERMARK]
"""

from __future__ import annotations

import json
import signal
import sys
from types import FrameType

from pfring.ring import Ring

BATCH = 256
WAIT_S = 0.01

_wanted = {"report": False, "stop": False}


def _on_signal(sig: int, frame: FrameType | None) -> None:
    _wanted["report" if sig == signal.SIGUSR1 else "stop"] = True


def _print(ring: Ring, packets: int, nbytes: int, final: bool) -> None:
    line: dict[str, int] = {"received": packets, "bytes": nbytes, "drops": ring.stats().drop}
    if final:
        line["final"] = 1
    print(json.dumps(line), flush=True)


def main(argv: list[str]) -> int:
    if len(argv) not in (1, 2):
        print("usage: python -m pfring.bench.pyconsumer DEVICE [WATERMARK]", file=sys.stderr)
        return 2
    for sig in (signal.SIGUSR1, signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _on_signal)
    packets = nbytes = 0
    with Ring(argv[0], promisc=True, parse=False) as ring:
        if len(argv) == 2:
            ring.set_poll_watermark(int(argv[1]))
        print(json.dumps({"event": "ready"}), flush=True)
        while not _wanted["stop"]:
            if _wanted["report"]:
                _wanted["report"] = False
                _print(ring, packets, nbytes, False)
            try:
                batch = ring.recv_batch(BATCH, WAIT_S)
            except InterruptedError:
                continue
            packets += len(batch.headers)
            nbytes += int(batch.headers["len"].sum())
        _print(ring, packets, nbytes, True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
