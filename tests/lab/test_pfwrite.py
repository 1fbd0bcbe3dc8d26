# SPDX-License-Identifier: GPL-2.0-only
"""pfwrite: the packets of a device (or of a cluster member) into a pcap file, byte for
byte; its errors."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from ringprobe import LoadPfRing
from scapy.utils import PcapReader  # type: ignore

from pfring.paths import build_root
from pfring.testing import traffic

PFWRITE = build_root() / "user" / "bin" / "pfwrite"


def need_pfwrite() -> Path:
    if not PFWRITE.is_file():
        pytest.skip(f"{PFWRITE} is not built (invoke build)")
    return PFWRITE


def start(*args: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen([str(need_pfwrite()), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    line = proc.stderr.readline()
    assert "pfwrite: writing" in line, line + proc.stderr.read()
    return proc


def read_pcap(path: Path) -> tuple[int, list[bytes]]:
    with PcapReader(str(path)) as reader:
        frames = [bytes(p) for p in reader]
        return int(reader.linktype), frames


def test_pfwrite_writes_every_frame_exactly(pfr_module: LoadPfRing, veth: tuple[str, str],
                                            tmp_path: Path) -> None:
    pfr_module()
    frames = traffic.lab_frames(veth[0], veth[1], 60, (60, 61, 512, 1514), 41)
    out = tmp_path / "out.pcap"
    proc = start("-i", veth[1], "-w", str(out), "-n", str(len(frames)))
    traffic.send_frames(veth[0], frames)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert f"saved {len(frames)} packets, 0 dropped by the ring" in err
    linktype, written = read_pcap(out)
    assert linktype == 1
    assert written == frames


def test_pfwrite_members_of_a_cluster_share_the_frames(pfr_module: LoadPfRing,
                                                       veth: tuple[str, str],
                                                       tmp_path: Path) -> None:
    """Two pfwrite -c 12 (round robin): the two files hold every frame once."""
    pfr_module()
    frames = traffic.lab_frames(veth[0], veth[1], 100, (60, 300), 42)
    paths = [tmp_path / f"m{i}.pcap" for i in range(2)]
    procs = [start("-i", veth[1], "-w", str(p), "-c", "12", "-H", "1") for p in paths]
    traffic.send_frames(veth[0], frames)
    time.sleep(1.5)
    for proc in procs:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
    shares = [read_pcap(p)[1] for p in paths]
    assert sorted(shares[0] + shares[1]) == sorted(frames)
    assert abs(len(shares[0]) - len(shares[1])) <= 1, [len(s) for s in shares]


@pytest.mark.parametrize(("args", "code", "message"), [
    (["-i", "lo"], 2, "-i DEVICE and -w FILE are required"),
    (["-i", "lo", "-w", "/tmp/x.pcap", "-l", "0"], 2, "-l 0: not a valid value"),
    (["-i", "lo", "-w", "/tmp/x.pcap", "-H", "14"], 2, "-H 14: not a valid value"),
    (["-i", "pfrnosuch0", "-w", "/tmp/x.pcap"], 1, "cannot open a ring on pfrnosuch0"),
    (["-i", "lo", "-w", "/nonexistent/dir/x.pcap"], 1, "cannot write /nonexistent/dir"),
])
def test_pfwrite_bad_input(pfr_module: LoadPfRing, args: list[str], code: int,
                           message: str) -> None:
    pfr_module()
    done = subprocess.run([str(need_pfwrite()), *args], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == code, done.stderr
    assert message in done.stderr


def test_pfwrite_help_reads_like_a_man_page() -> None:
    done = subprocess.run([str(need_pfwrite()), "-h"], capture_output=True, text=True,
                          timeout=30, check=False)
    assert done.returncode == 0
    for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS"):
        assert f"\n{section}\n" in f"\n{done.stdout}", section
