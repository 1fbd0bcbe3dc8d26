# SPDX-License-Identifier: LGPL-2.1-or-later
"""The sending scenario (issue 9): pfsend against the reference AF_PACKET sender
(bench/consumers/afp_sender.c, a socket with PACKET_QDISC_BYPASS) in its two ways,
sendmmsg() of 64 frames and a TPACKET_V2 TX ring flushed every 64 frames, each sending
the same frames on veth's first end, pinned to the CPU pktgen uses, in turns. pfsend is
measured against the faster of the two (in the lab, sendmmsg: the TX ring's per-frame
page handling costs more under emulation).

A run is accounted when the sender says it sent every frame asked for and the link
counted each of them: what the other end received plus what the sending end dropped
(veth counts a frame its peer's backlog refused as a transmit drop). The frames go to a
unicast address neither end has, so the receiving end drops them before IP, for both
senders alike.
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import time
from typing import Any

from pfring.build import user_build_dir
from pfring.testing.traffic import interface_counter, rx_packets

PFSEND = "pfsend"
AF_PACKET = "af-packet-mmsg"
AF_PACKET_RING = "af-packet-tx-ring"
REFERENCES = (AF_PACKET, AF_PACKET_RING)
SENDERS = (PFSEND, *REFERENCES)
LABELS = {PFSEND: "pfsend (libpfring, watermark 64)",
          AF_PACKET: "AF_PACKET, PACKET_QDISC_BYPASS, sendmmsg() of 64",
          AF_PACKET_RING: "AF_PACKET TX ring, PACKET_QDISC_BYPASS, send() per 64"}
_AFP_MODE = {AF_PACKET: "mmsg", AF_PACKET_RING: "ring"}
SENDER_CPU = 0
DST_MAC = "02:00:00:00:00:01"
SETTLE_S = 0.5
_PFSEND_DONE = re.compile(r"Sent (\d+) frames, (\d+) bytes in ([\d.]+) s")


def sender_argv(name: str, device: str, count: int, size: int) -> list[str]:
    build = user_build_dir()
    common = ["-i", device, "-n", str(count), "-l", str(size), "-m", DST_MAC]
    if name == PFSEND:
        program = [str(build / "bin/pfsend")]
    else:
        program = [str(build / "bench/afp_sender"), "-M", _AFP_MODE[name]]
    return ["taskset", "-c", str(SENDER_CPU), *program, *common]


def parse_output(name: str, stdout: str) -> tuple[int, int, float]:
    """(frames, bytes, seconds) as the sender reported them."""
    if name == PFSEND:
        done = _PFSEND_DONE.search(stdout)
        if not done:
            raise RuntimeError(f"pfsend printed no totals: {stdout[-300:]!r}")
        return int(done[1]), int(done[2]), float(done[3])
    doc = json.loads(stdout.strip().splitlines()[-1])
    return int(doc["sent"]), int(doc["bytes"]), float(doc["seconds"])


def link_counts(tx: str, rx: str) -> dict[str, int]:
    return {"delivered": rx_packets(rx), "rx_dropped": interface_counter(rx, "rx_dropped"),
            "tx_dropped": interface_counter(tx, "tx_dropped")}


def settled_counts(tx: str, rx: str, expected: dict[str, int], frames: int) -> dict[str, int]:
    """The link's counters once they account for frames since expected, or stood still
    for SETTLE_S."""
    deadline = time.monotonic() + 10.0
    last = link_counts(tx, rx)
    while time.monotonic() < deadline:
        if sum(last[k] - expected[k] for k in last) >= frames:
            break
        time.sleep(SETTLE_S)
        now = link_counts(tx, rx)
        if now == last:
            break
        last = now
    return {k: last[k] - expected[k] for k in last}


def send_run(name: str, tx: str, rx: str, count: int, size: int, rep: int) -> dict[str, Any]:
    """One sender's run: its own totals and what the link counted."""
    before = link_counts(tx, rx)
    done = subprocess.run(sender_argv(name, tx, count, size), capture_output=True,
                          text=True, timeout=600, check=False)
    if done.returncode:
        raise RuntimeError(f"{name} exited {done.returncode}: {done.stderr.strip()[-300:]}")
    frames, sent_bytes, seconds = parse_output(name, done.stdout)
    link = settled_counts(tx, rx, before, frames)
    return {"sender": name, "rep": rep, "size": size, "asked": count, "sent": frames,
            "bytes": sent_bytes, "seconds": seconds,
            "pps": frames / seconds if seconds > 0 else 0.0, **link}


def accounted(run: dict[str, Any]) -> bool:
    """Every frame asked for was sent, and the link counted each one once."""
    counted = run["delivered"] + run["rx_dropped"] + run["tx_dropped"]
    return bool(run["sent"] == run["asked"] == counted)


def run_senders(tx: str, rx: str, count: int, size: int, reps: int) -> list[dict[str, Any]]:
    """reps rounds, each sender once per round (in turns, so that a drift of the
    machine's speed touches both alike)."""
    return [send_run(name, tx, rx, count, size, rep)
            for rep in range(reps) for name in SENDERS]


def summarize(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per sender: its median rate over the accounted runs, and the ratio of its
    median to the faster reference's."""
    rows: list[dict[str, Any]] = []
    for name in SENDERS:
        mine = [r for r in runs if r["sender"] == name]
        good = [r["pps"] for r in mine if accounted(r)]
        rows.append({"sender": name, "label": LABELS[name],
                     "size": mine[0]["size"] if mine else None,
                     "runs": len(mine), "accounted": len(good),
                     "median_pps": statistics.median(good) if good else None,
                     "min_pps": min(good) if good else None,
                     "max_pps": max(good) if good else None})
    ref = max((r["median_pps"] for r in rows
               if r["sender"] in REFERENCES and r["median_pps"] is not None), default=None)
    for row in rows:
        row["vs_af_packet"] = (row["median_pps"] / ref
                               if row["median_pps"] is not None and ref else None)
    return rows


def accounting_problems(runs: list[dict[str, Any]]) -> list[str]:
    return [f"veth {r['size']} B {r['sender']} run {r['rep']}: asked {r['asked']}, sent "
            f"{r['sent']}, the link counted {r['delivered']} delivered + {r['rx_dropped']} "
            f"dropped at rx + {r['tx_dropped']} dropped at tx"
            for r in runs if not accounted(r)]
