# SPDX-License-Identifier: GPL-2.0-only
"""A real client (issue 9): Suricata 7, built from Debian's source against our installed
headers and libpfring (pfring.clients.suricata), captures with --pfring-int on a lab link,
two worker threads in one cluster_flow cluster, and raises exactly one alert per probe.

The traffic: probe flows (a UDP datagram to port 4242 carrying "pfring-probe" and its
reply), frames the rule must not match (another port, other content, TCP connections
carrying the same content), each flow distinct. Checked: the cluster in /proc with its
two members while Suricata runs; one alert per probe and no other; every frame captured
(the kernel counters of both threads add up to what was sent), none dropped; both threads
got flows; no TCP segment reached a thread that does not own its connection (what
cluster_flow is for).

The cached build is found, never made here (the guest sees the host read-only): without
it the test skips with the reason. `invoke build` makes it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from ringprobe import PROC, LoadPfRing, ipv6_off
from scapy.layers.inet import IP, TCP, UDP  # type: ignore
from scapy.layers.l2 import Ether  # type: ignore
from scapy.packet import Raw  # type: ignore

from pfring.build import user_build_dir
from pfring.clients.suricata import Build, SuricataUnavailable, find_suricata
from pfring.testing import traffic
from pfring.testing.labfile import Lab
from pfring.testing.plugin import LinkEnds

PROBE_PORT = 4242
SID = 1000001
RULE = (f'alert udp any any -> any {PROBE_PORT} (msg:"pf_ring probe"; '
        f'content:"pfring-probe"; sid:{SID}; rev:1;)')
PROBES = 16
CLUSTER_ID = 55
THREADS = 2
# The guest runs under TCG, about 100 times slower than native: Suricata takes tens of
# seconds to start and to stop.
START_TIMEOUT = 600.0
STOP_TIMEOUT = 300.0
ALERT_TIMEOUT = 180.0
PACE_S = 0.02


@pytest.fixture
def suricata() -> Build:
    try:
        return find_suricata()
    except SuricataUnavailable as e:
        pytest.skip(f"suricata is not built: {e}")


@pytest.fixture
def one_link(lab: Lab) -> Iterator[LinkEnds]:
    """The lab link whose receiving port has the most RX queues (the igb link in the
    virtual lab: RSS spreads the flows over its queues before the cluster does), with
    IPv6 off on both ends so that nothing but what the test sends crosses it."""
    if not lab.links:
        pytest.skip(f"lab {lab.name!r} has no link")
    link = max(lab.links, key=lambda item: item.rx.queues)
    ends = LinkEnds(link, link.tx.interface(), link.rx.interface())
    with ipv6_off(ends.tx, ends.rx):
        traffic.wait_for_carrier([ends.tx, ends.rx])
        yield ends


def config(build: Build, workdir: Path, interface: str) -> Path:
    """A minimal suricata.yaml: the pfring section, the probe rule, eve and fast.log."""
    (workdir / "probe.rules").write_text(RULE + "\n")
    (workdir / "threshold.config").write_text("")
    (workdir / "log").mkdir()
    path = workdir / "suricata.yaml"
    path.write_text(f"""\
%YAML 1.1
---
vars:
  address-groups:
    HOME_NET: "any"
    EXTERNAL_NET: "any"
  port-groups:
    HTTP_PORTS: "80"
default-log-dir: {workdir / "log"}
default-rule-path: {workdir}
rule-files:
  - probe.rules
classification-file: {build.etc / "classification.config"}
reference-config-file: {build.etc / "reference.config"}
threshold-file: {workdir / "threshold.config"}
runmode: workers
unix-command:
  enabled: no
detect:
  profile: low
stats:
  enabled: yes
  interval: 2
outputs:
  - fast:
      enabled: yes
      filename: fast.log
  - eve-log:
      enabled: yes
      filetype: regular
      filename: eve.json
      types:
        - alert:
            payload-printable: yes
        - flow
        - stats:
            totals: yes
            threads: no
logging:
  default-log-level: perf
  outputs:
    - console:
        enabled: yes
    - file:
        enabled: yes
        level: perf
        filename: suricata.log
pfring:
  - interface: {interface}
    threads: {THREADS}
    cluster-id: {CLUSTER_ID}
    cluster-type: cluster_flow
    checksum-checks: no
""")
    return path


def frames(ends: LinkEnds) -> tuple[list[bytes], list[int], int]:
    """Every frame to send, the source ports of the probes, and how many flows there
    are."""
    eth = Ether(src=traffic.interface_mac(ends.tx), dst=traffic.interface_mac(ends.rx))
    out: list[bytes] = []
    probes = []
    for i in range(PROBES):
        client, server, port = f"10.42.{i}.1", "10.43.0.1", 20000 + i
        probes.append(port)
        out.append(bytes(eth / IP(src=client, dst=server) / UDP(sport=port, dport=PROBE_PORT)
                         / Raw(b"pfring-probe %04d" % i)))
        out.append(bytes(eth / IP(src=server, dst=client) / UDP(sport=PROBE_PORT, dport=port)
                         / Raw(b"pfring-reply %04d" % i)))
    for i in range(8):  # the right content to the wrong port, the wrong content to the right
        out.append(bytes(eth / IP(src=f"10.44.{i}.1", dst="10.43.0.1")
                         / UDP(sport=21000 + i, dport=PROBE_PORT + 1)
                         / Raw(b"pfring-probe %04d" % i)))
        out.append(bytes(eth / IP(src=f"10.45.{i}.1", dst="10.43.0.1")
                         / UDP(sport=22000 + i, dport=PROBE_PORT) / Raw(b"pfring-other %04d" % i)))
    for i in range(4):  # TCP connections to port 4242: not the rule's protocol
        client, server, port = f"10.46.{i}.1", "10.43.0.1", 23000 + i
        c, s = IP(src=client, dst=server), IP(src=server, dst=client)
        out += [bytes(eth / p) for p in (
            c / TCP(sport=port, dport=PROBE_PORT, flags="S", seq=1000),
            s / TCP(sport=PROBE_PORT, dport=port, flags="SA", seq=5000, ack=1001),
            c / TCP(sport=port, dport=PROBE_PORT, flags="A", seq=1001, ack=5001),
            c / TCP(sport=port, dport=PROBE_PORT, flags="PA", seq=1001, ack=5001)
            / Raw(b"pfring-probe tcp"),
            s / TCP(sport=PROBE_PORT, dport=port, flags="A", seq=5001, ack=1017),
        )]
    return out, probes, PROBES + 2 * 8 + 4


def wait_for(what: str, check: Callable[[], bool], timeout: float,
             proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if proc.poll() is not None:
            pytest.fail(f"suricata exited ({proc.returncode}) before {what}:\n"
                        f"{log.read_text(errors='replace')[-4000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} after {timeout} s:\n"
                        f"{log.read_text(errors='replace')[-4000:]}")
        time.sleep(0.5)


def eve(path: Path, event_type: str) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [r for r in records if r.get("event_type") == event_type]


def counters(stats: dict[str, Any]) -> dict[str, int]:
    """An eve stats record flattened: 'capture.kernel_packets' -> value."""
    flat: dict[str, int] = {}

    def walk(prefix: str, node: object) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        elif isinstance(node, int):
            flat[prefix] = node

    walk("", stats.get("stats", {}))
    return flat


def test_suricata_raises_one_alert_per_probe(pf_ring_module: LoadPfRing, suricata: Build,
                                             one_link: LinkEnds, tmp_path: Path) -> None:
    pf_ring_module()
    ends = one_link
    conf = config(suricata, tmp_path, ends.rx)
    logdir = tmp_path / "log"
    console = tmp_path / "console.log"
    env = {**os.environ, "LD_LIBRARY_PATH": str(user_build_dir() / "lib")}
    # the cached binary runs this checkout's library
    ldd = subprocess.run(["ldd", str(suricata.binary)], env=env, capture_output=True,
                         text=True, check=True).stdout
    assert re.search(rf"libpfring\.so\.\d+ => {re.escape(str(user_build_dir()))}/lib/", ldd), ldd

    with console.open("wb") as out:
        proc = subprocess.Popen([str(suricata.binary), "-c", str(conf), "-l", str(logdir),
                                 f"--pfring-int={ends.rx}"], env=env, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        wait_for("'Engine started'", lambda: "Engine started" in console.read_text(
            errors="replace"), START_TIMEOUT, proc, console)
        clusters = (PROC / "clusters").read_text()
        assert re.search(rf"^Cluster {CLUSTER_ID}: type 0 \(per flow\), {THREADS} member\(s\)$",
                         clusters, re.MULTILINE), clusters
        members = re.findall(r"^  ring \d+ pid (\d+) slot \d+", clusters.split(
            f"Cluster {CLUSTER_ID}:")[1].split("\nCluster ")[0], re.MULTILINE)
        assert members == [str(proc.pid)] * THREADS, clusters

        sent, probes, flows = frames(ends)
        sender = traffic.FrameSender(ends.tx)
        try:
            for frame in sent:
                sender.send(frame)
                time.sleep(PACE_S)
        finally:
            sender.close()
        wait_for(f"{PROBES} alerts", lambda: len(eve(logdir / "eve.json", "alert")) >= PROBES,
                 ALERT_TIMEOUT, proc, console)
        time.sleep(5)  # room for an alert too many to show
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            pytest.fail(f"suricata did not stop within {STOP_TIMEOUT} s of SIGTERM")
    log = console.read_text(errors="replace")
    assert proc.returncode == 0, log[-4000:]
    assert f"Cluster {CLUSTER_ID}:" not in (PROC / "clusters").read_text()

    alerts = eve(logdir / "eve.json", "alert")
    assert len(alerts) == PROBES, [a.get("alert") for a in alerts]
    got = sorted(a["src_port"] for a in alerts)
    assert got == sorted(probes), got
    for a in alerts:
        assert a["alert"]["signature_id"] == SID, a
        assert a["proto"] == "UDP" and a["dest_port"] == PROBE_PORT, a
        assert a["payload_printable"] == f"pfring-probe {a['src_port'] - 20000:04d}", a
    fast = (logdir / "fast.log").read_text().splitlines()
    assert len(fast) == PROBES and all("pf_ring probe" in line for line in fast), fast

    # Every flow logged once when Suricata stopped; each probe's reply joined its flow.
    records = eve(logdir / "eve.json", "flow")
    assert len(records) == flows, records
    alerted = {r["src_port"]: r for r in records if r["flow"]["alerted"]}
    assert sorted(alerted) == sorted(probes), records
    for r in alerted.values():
        counts = (r["flow"]["pkts_toserver"], r["flow"]["pkts_toclient"])
        assert counts == (1, 1), r
    assert not [r for r in records if r["flow"].get("wrong_thread")], records

    # Each worker thread: "(W#01-eth1) Kernel: Packets N, dropped D" when it exits.
    per_thread = [(int(p), int(d)) for p, d in re.findall(
        r"\) Kernel: Packets (\d+), dropped (\d+)", log)]
    assert len(per_thread) == THREADS, log[-4000:]
    assert sum(p for p, _ in per_thread) == len(sent), per_thread
    assert all(d == 0 for _, d in per_thread), per_thread
    assert all(p > 0 for p, _ in per_thread), f"one thread got every flow: {per_thread}"
    assert re.search(rf"{re.escape(ends.rx)}: packets: {len(sent)}, drops: 0 ", log), log[-4000:]

    final = counters(eve(logdir / "eve.json", "stats")[-1])
    assert final["capture.kernel_packets"] == len(sent), final
    assert final["capture.kernel_drops"] == 0, final
    assert final["decoder.pkts"] == len(sent), final
    assert final["tcp.pkt_on_wrong_thread"] == 0, final
    assert final["flow.total"] == flows, final
    assert final["detect.alert"] == PROBES, final
