# SPDX-License-Identifier: LGPL-2.1-or-later
"""libpfring over pf_ring.ko, seen the way applications see it: pfcount, and a C program
(tests/lab/c/pfring_reader.c) that reads through the pfring_* API only.

Every count is exact: what a ring saw is compared with what was sent, frame by frame
(each lab frame carries its own CRC-32) and byte by byte.
"""

from __future__ import annotations

import json
import os
import re
import struct
import subprocess
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from ringprobe import TUN, ipv6_off

from pfring.paths import build_root
from pfring.testing import traffic
from pfring.testing.frames import Delivery, ipv4_udp
from pfring.testing.labfile import Lab
from pfring.testing.plugin import LinkEnds
from pfring.testing.traffic import interface_mac, wait_for_carrier

USER = build_root() / "user"
PFCOUNT = USER / "bin" / "pfcount"
READER = USER / "pfring_reader"
SIZES = (60, 61, 512, 1514)
LoadPfRing = Callable[..., str]


def need(path: Path) -> Path:
    if not path.is_file():
        pytest.skip(f"{path} is not built (invoke build)")
    return path


def lab_frames(tx_if: str, rx_if: str, count: int, stream: int) -> list[bytes]:
    return traffic.lab_frames(tx_if, rx_if, count, SIZES, stream)


send = traffic.send_frames


def crc_sum(frames: list[bytes]) -> int:
    return sum(zlib.crc32(f) for f in frames)


@pytest.fixture
def quiet() -> Iterator[Callable[..., None]]:
    """Turns IPv6 off on interfaces (restored after), so that nothing but what a test
    sends crosses them: pfcount counts every frame."""
    with ExitStack() as stack:
        yield lambda *names: stack.enter_context(ipv6_off(*names))


class Reader:
    """pfring_reader in the background; READY once its rings are enabled."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen([str(need(READER)), *args], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        first = self.proc.stdout.readline().strip()
        if first != "READY":
            self.proc.kill()
            self.proc.wait()
            pytest.fail(f"pfring_reader did not start: {first!r}")

    def go(self) -> None:
        """Lets a reader started with -g begin reading."""
        assert self.proc.stdin is not None
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def results(self, timeout: float = 120) -> dict[str, dict[str, Any]]:
        out, _ = self.proc.communicate(input="" if self.proc.stdin else None, timeout=timeout)
        assert self.proc.returncode == 0, out
        rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        return {row["dev"]: row for row in rows}


def assert_exact(row: dict[str, Any], frames: list[bytes]) -> None:
    assert row["rc"] == 0, row
    assert row["match"] == len(frames), row
    assert row["bytes"] == row["caplen_bytes"] == sum(len(f) for f in frames), row
    assert row["crc_sum"] == crc_sum(frames), row
    assert row["corrupt"] == row["dups"] == row["bad_hdr"] == row["bad_parse"] == 0, row
    assert row["stats_drop"] == 0, row


def read_pcap(path: Path, linktype: int = 1) -> list[tuple[int, bytes]]:
    """(wire length, bytes) of each record of a classic pcap file (Ethernet: 1)."""
    data = path.read_bytes()
    head = struct.unpack_from("=IHHiIII", data)
    assert (head[0], head[1], head[2], head[6]) == (0xA1B2C3D4, 2, 4, linktype), head
    out, off = [], 24
    while off < len(data):
        _, _, caplen, length = struct.unpack_from("=IIII", data, off)
        off += 16
        out.append((length, data[off:off + caplen]))
        off += caplen
    return out


def final_stats(stderr: str) -> tuple[int, int]:
    """Packets and bytes of pfcount's last statistics block."""
    found = re.findall(r"^([\d']+) pkts - ([\d']+) bytes", stderr, re.MULTILINE)
    assert found, stderr
    pkts, nbytes = found[-1]
    return int(pkts.replace("'", "")), int(nbytes.replace("'", ""))


# ---- pfcount ------------------------------------------------------------------------


def test_pfcount_counts_exactly_the_frames_sent(
    pf_ring_module: LoadPfRing, link_ifs: LinkEnds, quiet: Callable[..., None], tmp_path: Path
) -> None:
    pf_ring_module()
    quiet(link_ifs.tx, link_ifs.rx)
    frames = lab_frames(link_ifs.tx, link_ifs.rx, 400, stream=11)
    pcap = tmp_path / "out.pcap"
    proc = subprocess.Popen(
        [str(need(PFCOUNT)), "-i", link_ifs.rx, "-e", "1", "-N", str(len(frames)), "-o",
         str(pcap)], stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:  # the ring is enabled once pfcount says it is capturing
        seen.append(line)
        if line.startswith("Capturing from"):
            break
    else:
        pytest.fail(f"pfcount did not start: {''.join(seen)}")
    send(link_ifs.tx, frames)
    try:
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert final_stats(err) == (len(frames), sum(len(f) for f in frames))
    assert re.search(rf"Absolute Stats: \[{len(frames):,} pkts rcvd\]\[0 pkts dropped\]"
                     .replace(",", "'"), err), err

    delivery = Delivery(11, len(frames), sum(len(f) for f in frames))
    records = read_pcap(pcap)
    for length, frame in records:
        assert length == len(frame)
        delivery.add(frame)
    assert delivery.exact, delivery.summary()
    assert sorted(frame for _, frame in records) == sorted(frames)


def test_pfcount_verbose_prints_parsed_headers(
    pf_ring_module: LoadPfRing, link_ifs: LinkEnds, quiet: Callable[..., None]
) -> None:
    pf_ring_module()
    quiet(link_ifs.tx, link_ifs.rx)
    frames = lab_frames(link_ifs.tx, link_ifs.rx, 5, stream=16)
    proc = subprocess.Popen([str(need(PFCOUNT)), "-i", link_ifs.rx, "-e", "1", "-N", "5",
                             "-v", "2", "-m"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith("Capturing from"):
            break
    send(link_ifs.tx, frames)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    heads = [line for line in out.splitlines() if "[RX]" in line]
    src, dst = interface_mac(link_ifs.tx).upper(), interface_mac(link_ifs.rx).upper()
    assert len(heads) == 5, out
    for line in heads:
        assert f"[{src} -> {dst}][eth_type=0x88B5]" in line
    lengths = sorted(int(m) for line in heads for m in re.findall(r"\[len=(\d+)\]", line))
    assert lengths == sorted(len(f) for f in frames)
    first_bytes = " ".join(f"{b:02X}" for b in frames[0][:16])
    assert first_bytes in out  # -v 2 also prints the bytes


def test_pfcount_on_a_device_without_link_layer_header(
    pf_ring_module: LoadPfRing, tun: int, tmp_path: Path
) -> None:
    """A tun device's packets start with their IP header: pfcount writes a LINKTYPE_RAW
    pcap file and PF_RING_LONG_HEADER parses them from the IP header on."""
    pf_ring_module()
    packets = [ipv4_udp(bytes([198, 18, 0, 5]), bytes([198, 18, 0, 2]), bytes(n + 1))
               for n in range(5)]
    pcap = tmp_path / "raw.pcap"
    proc = subprocess.Popen([str(need(PFCOUNT)), "-i", TUN, "-N", "5", "-v", "1", "-m",
                             "-o", str(pcap)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith("Capturing from"):
            break
    for packet in packets:
        os.write(tun, packet)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert read_pcap(pcap, linktype=101) == [(len(p), p) for p in packets]
    heads = [line for line in out.splitlines() if "[RX]" in line]
    assert len(heads) == 5, out
    for line in heads:
        assert "[eth_type=0x0800][IPv4][198.18.0.5:4000 -> 198.18.0.2:9][l3_proto=UDP]" in line


def test_pfcount_names_the_error_of_a_missing_device(pf_ring_module: LoadPfRing) -> None:
    pf_ring_module()
    out = subprocess.run([str(need(PFCOUNT)), "-i", "nosuchdev0", "-N", "1"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 1
    assert "pfring_open error [No such device]" in out.stderr, out.stderr


def test_pfcount_stops_on_sigterm_with_final_stats(
    pf_ring_module: LoadPfRing, link_ifs: LinkEnds, quiet: Callable[..., None]
) -> None:
    pf_ring_module()
    quiet(link_ifs.tx, link_ifs.rx)
    frames = lab_frames(link_ifs.tx, link_ifs.rx, 50, stream=12)
    proc = subprocess.Popen([str(need(PFCOUNT)), "-i", link_ifs.rx, "-e", "1"],
                            stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith("Capturing from"):
            break
    send(link_ifs.tx, frames)
    time.sleep(2)
    proc.terminate()  # a blocked pfring_recv() returns 0 through pfring_breakloop()
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert final_stats(err) == (len(frames), sum(len(f) for f in frames))


# ---- the API, from C ------------------------------------------------------------------


@pytest.mark.parametrize("mode,flags", [
    ("zc", ()), ("zc", ("-L",)), ("copy", ()), ("burst", ()), ("loop", ("-L", "-R")),
])
def test_reader_sees_each_frame_once_unaltered(
    pf_ring_module: LoadPfRing, link_ifs: LinkEnds, mode: str, flags: tuple[str, ...]
) -> None:
    pf_ring_module()
    frames = lab_frames(link_ifs.tx, link_ifs.rx, 300, stream=13)
    reader = Reader("-i", link_ifs.rx, "-m", mode, *flags, "-n", str(len(frames)))
    send(link_ifs.tx, frames)
    assert_exact(reader.results()[link_ifs.rx], frames)


def test_caplen_cuts_frames(pf_ring_module: LoadPfRing, link_ifs: LinkEnds) -> None:
    pf_ring_module()
    frames = lab_frames(link_ifs.tx, link_ifs.rx, 100, stream=14)
    reader = Reader("-i", link_ifs.rx, "-c", "128", "-n", str(len(frames)))
    send(link_ifs.tx, frames)
    row = reader.results()[link_ifs.rx]
    assert row["caplen"] == 128
    assert row["match"] == len(frames)
    assert row["bytes"] == sum(len(f) for f in frames)
    assert row["caplen_bytes"] == sum(min(len(f), 128) for f in frames)
    assert row["bad_hdr"] == 0


def test_two_rings_in_one_process(pf_ring_module: LoadPfRing, lab: Lab) -> None:
    """One ring per link's receiving end, one thread each, in a single process: each
    sees its own link's frames, exactly, and nothing of the other's."""
    pf_ring_module()
    ends = [(link.tx.interface(), link.rx.interface()) for link in lab.links]
    wait_for_carrier([name for pair in ends for name in pair])
    if len(ends) < 2:
        pytest.skip("the lab has a single link")
    ends = ends[:2]
    streams = {rx: 20 + i for i, (_, rx) in enumerate(ends)}
    sent = {rx: lab_frames(tx, rx, 200, streams[rx]) for tx, rx in ends}
    args = [a for _, rx in ends for a in ("-i", rx)]
    reader = Reader(*args, "-n", "200")
    for tx, rx in ends:
        send(tx, sent[rx])
    results = reader.results()
    for _, rx in ends:
        assert_exact(results[rx], sent[rx])


def sysfs(dev: str, attr: str) -> str:
    return Path(f"/sys/class/net/{dev}/{attr}").read_text().strip()


def test_ring_queries_and_breakloop(pf_ring_module: LoadPfRing, link_ifs: LinkEnds) -> None:
    """What the query functions say of a bound ring matches sysfs; with no traffic the
    blocked readers return through pfring_breakloop() when the timeout comes."""
    pf_ring_module()
    rx = link_ifs.rx
    started = time.monotonic()
    reader = Reader("-i", rx, "-t", "1500", "-e", "0x9999", "-w", "4",
                    "-A", "Custom: libpfring-lab 42")
    row = reader.results(timeout=30)[rx]
    assert time.monotonic() - started < 15
    assert row["rc"] == 0 and row["match"] == 0
    assert row["mac"] == interface_mac(rx).lower()
    assert row["mtu"] == int(sysfs(rx, "mtu"))
    queues = len(list(Path(f"/sys/class/net/{rx}/queues").glob("rx-*")))
    assert row["rx_channels"] == queues
    assert row["link_up"] == 1
    assert row["speed"] == max(int(sysfs(rx, "speed")), 0)
    assert row["ifindex"] == int(sysfs(rx, "ifindex"))
    assert row["version"] == 0x080800
    assert row["link_type"] == 1
    assert row["card_max_packet"] == row["mtu"] + 18
    assert row["card_rx_slots"] >= 16
    assert row["slot_hdr_len"] >= 32
    assert row["stats_file"].startswith("/proc/net/pf_ring/"), row["stats_file"]
    assert row["fd_ok"] == 1
    assert row["appl_stats_seen"] == 1  # pfring_set_application_stats() reached /proc
    assert row["ring_id"] > 0


def test_a_full_ring_keeps_the_first_frames_and_counts_the_rest(
    pf_ring_module: LoadPfRing, link_ifs: LinkEnds, quiet: Callable[..., None]
) -> None:
    """Nothing is read while 100 frames arrive at a 16-slot ring: it holds the first 16
    unread (queued, available, poll says so), drops and counts the other 84."""
    pf_ring_module(min_num_slots=16)
    quiet(link_ifs.tx, link_ifs.rx)
    frames = lab_frames(link_ifs.tx, link_ifs.rx, 100, stream=15)
    reader = Reader("-i", link_ifs.rx, "-g", "-I", "1500")
    send(link_ifs.tx, frames)
    time.sleep(1)
    reader.go()
    row = reader.results()[link_ifs.rx]
    slots = row["card_rx_slots"]
    assert slots == 16
    assert row["queued_before"] == slots
    assert row["avail_before"] == 1 and row["poll_before"] == 1
    assert 0 <= row["next_ts_delta_ms"] < 60_000
    kept = frames[:slots]
    assert row["match"] == slots
    assert row["crc_sum"] == crc_sum(kept)
    assert row["stats_recv"] == slots
    assert row["stats_drop"] == len(frames) - slots
    assert row["bad_hdr"] == row["corrupt"] == row["dups"] == 0


@pytest.mark.require_queues(2)
def test_channel_range_covers_the_device(pf_ring_module: LoadPfRing, link_ifs: LinkEnds) -> None:
    """"dev@0-1" (the API's channel range) is both RX queues: every frame, exactly once."""
    pf_ring_module()
    frames = lab_frames(link_ifs.tx, link_ifs.rx, 200, stream=17)
    dev = f"{link_ifs.rx}@0-1"
    reader = Reader("-i", dev, "-n", str(len(frames)))
    send(link_ifs.tx, frames)
    assert_exact(reader.results()[dev], frames)


def test_a_libpfring_of_another_ring_layout_is_refused(pf_ring_module: LoadPfRing) -> None:
    """A library and a module that disagree on the ring layout: the library refuses the
    ring with EPROTO and says what to do, instead of misreading it."""
    pf_ring_module()
    mismatched = need(USER / "pfring_reader_abi99")
    done = subprocess.run([str(mismatched), "-i", "lo"], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 2, done.stdout + done.stderr
    assert json.loads(done.stdout.splitlines()[0]) == {
        "error": "pfring_open", "dev": "lo", "errno": 71,  # EPROTO
    }
    assert "the kernel module has 1, this libpfring was built for 99" in done.stderr
    assert "install the libpfring that comes with the loaded pf_ring.ko" in done.stderr
    # the same program with the matching library opens the same device
    matching = subprocess.run([str(need(READER)), "-i", "lo", "-n", "1", "-t", "300"],
                              capture_output=True, text=True, timeout=60, check=False)
    assert matching.stdout.splitlines()[0] == "READY", matching.stdout + matching.stderr


@pytest.mark.parametrize("device", ["lo@x", "lo@3-1", "lo@"])
def test_malformed_device_names_are_refused(pf_ring_module: LoadPfRing, device: str) -> None:
    pf_ring_module()
    done = subprocess.run([str(need(READER)), "-i", device], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 2, done.stdout
    assert json.loads(done.stdout.splitlines()[0])["errno"] == 22  # EINVAL


# ---- wrap-around, threads, pfring_poll ------------------------------------------------


def assert_accounted(row: dict[str, Any], frames: list[bytes], slots: int) -> None:
    """Every frame sent was either read (once, unaltered, its header right) or dropped
    and counted by the ring; the ring wrapped (more frames read than it has slots)."""
    assert row["rc"] == 0, row
    assert row["card_rx_slots"] == slots, row
    assert row["match"] + row["stats_drop"] == len(frames), row
    assert row["stats_recv"] == row["match"], row
    assert row["corrupt"] == row["dups"] == row["bad_hdr"] == row["foreign"] == 0, row
    assert row["match"] > 2 * slots, row
    if row["stats_drop"] == 0:
        assert row["crc_sum"] == crc_sum(frames), row
        assert row["bytes"] == sum(len(f) for f in frames), row


@pytest.mark.parametrize("mode", ["zc", "burst"])
def test_a_small_ring_wraps_ten_times(
    pf_ring_module: LoadPfRing, link_ifs: LinkEnds, quiet: Callable[..., None], mode: str,
) -> None:
    """10 x 256 frames through a ring of 256 slots: zero-copy slots held across
    pfring_recv() (cons shown to the kernel once per 256/64 = 4 slots) or bursts held
    until the next one. Each frame is read once, unaltered, or counted as a drop."""
    slots = 256
    pf_ring_module(min_num_slots=slots)
    quiet(link_ifs.tx, link_ifs.rx)
    frames = lab_frames(link_ifs.tx, link_ifs.rx, 10 * slots, stream=31)
    reader = Reader("-i", link_ifs.rx, "-m", mode, "-n", str(len(frames)), "-I", "3000")
    # paced (half a ring, then 20 ms) so that the reader wraps the ring even when the
    # lab's host is busy; a reader that falls behind still has to count every frame
    for start in range(0, len(frames), slots // 2):
        send(link_ifs.tx, frames[start:start + slots // 2])
        time.sleep(0.02)
    row = reader.results()[link_ifs.rx]
    assert_accounted(row, frames, slots)


@pytest.mark.parametrize("mode", ["zc", "burst"])
def test_four_threads_on_one_reentrant_ring(
    pf_ring_module: LoadPfRing, link_ifs: LinkEnds, quiet: Callable[..., None], mode: str,
) -> None:
    """PF_RING_REENTRANT, 4 threads reading one ring of 64 slots, each working 200 us on
    what it received before it checks it: no packet is overwritten while a thread still
    reads it (its CRC), none is read twice, and read + dropped == sent."""
    slots = 64
    pf_ring_module(min_num_slots=slots)
    quiet(link_ifs.tx, link_ifs.rx)
    frames = lab_frames(link_ifs.tx, link_ifs.rx, 2000, stream=32)
    reader = Reader("-i", link_ifs.rx, "-m", mode, "-R", "-T", "4", "-D", "200",
                    "-n", str(len(frames)), "-I", "3000")
    # paced (half a ring, then 10 ms): in one burst the threads read little more than
    # one ring's worth before the rest is dropped (seen in CI: 93 read, under 2 rings),
    # and the ring would not wrap under the threads' hands
    for start in range(0, len(frames), slots // 2):
        send(link_ifs.tx, frames[start:start + slots // 2])
        time.sleep(0.01)
    row = reader.results()[link_ifs.rx]
    assert_accounted(row, frames, slots)


def read_line(reader: Reader) -> str:
    assert reader.proc.stdout is not None
    return reader.proc.stdout.readline().strip()


@pytest.mark.parametrize("mode", ["zc", "burst"])
def test_poll_waits_for_a_new_packet_while_one_is_held(
    pf_ring_module: LoadPfRing, link_ifs: LinkEnds, quiet: Callable[..., None], mode: str,
) -> None:
    """pfring_poll(2000) while the last receive's slot is still held: with nothing new
    it sleeps the whole 2 s and returns 0; a new frame wakes it with 1."""
    pf_ring_module()
    quiet(link_ifs.tx, link_ifs.rx)
    frames = lab_frames(link_ifs.tx, link_ifs.rx, 2, stream=33)
    reader = Reader("-i", link_ifs.rx, "-m", mode, "-P", "2000")
    try:
        send(link_ifs.tx, frames[:1])
        assert read_line(reader) == "HELD"
        idle = json.loads(read_line(reader))
        assert idle["poll_rc"] == 0, idle
        assert 1990 <= idle["poll_ms"] <= 3500, idle
        assert read_line(reader) == "POLLING"
        time.sleep(0.3)
        send(link_ifs.tx, frames[1:])
        woken = json.loads(read_line(reader))
        assert woken["poll_rc"] == 1 and woken["next_seq"] == 1, woken
        assert woken["poll_ms"] < 10_000, woken
        assert reader.proc.wait(timeout=30) == 0
    finally:
        if reader.proc.poll() is None:
            reader.proc.kill()
            reader.proc.wait()


def test_a_default_ring_wraps_ten_times(
    pf_ring_module: LoadPfRing, lab: Lab, quiet: Callable[..., None],
) -> None:
    """The default ring (4096 slots: cons shown to the kernel once per 64 slots given
    back) wraps ten times under zero-copy reads, on the lab's first link."""
    slots = 4096
    pf_ring_module()
    link = lab.links[0]
    tx, rx = link.tx.interface(), link.rx.interface()
    wait_for_carrier([tx, rx])
    quiet(tx, rx)
    frames = traffic.lab_frames(tx, rx, 10 * slots, (60, 61, 512), 34)
    reader = Reader("-i", rx, "-m", "zc", "-n", str(len(frames)), "-I", "3000")
    # 40960 frames in one burst can outrun the receiving guest; QEMU then drops frames
    # queued between the NICs without counting them (seen in CI: 1979 missing, none
    # counted by the ring). Paced by the receiving NIC's own count, the ring still wraps
    # ten times and every frame must be read or counted as the ring's drop.
    traffic.send_frames_paced(tx, rx, frames, chunk=1024)
    row = reader.results(timeout=600)[rx]
    assert_accounted(row, frames, slots)
