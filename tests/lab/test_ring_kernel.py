# SPDX-License-Identifier: GPL-2.0-only
"""pf_ring.ko in standard mode, seen the way applications see it: a socket of family 13,
its mmapped ring read by tests/lab/c/pfr_probe (the UAPI header only), and /proc.

Every count is exact: the frames a ring saw are compared, byte for byte, with the ones
that were sent.
"""

from __future__ import annotations

import errno
import os
import re
import signal
import sys
import time
from pathlib import Path

import pytest
from pyroute2 import IPRoute
from ringprobe import (
    CAPSH_NO_NET_RAW,
    PROC,
    LoadPfRing,
    Probe,
    assert_exact,
    assert_queues_split,
    crc_sum,
    lab_frames,
    probe_error,
    proc_fields,
    read_dump,
    send,
)

from pfring.testing.plugin import LinkEnds, LoadedModules
from pfring.testing.traffic import interface_mac

# ---- delivery ---------------------------------------------------------------------


def test_frames_arrive_exactly_once_on_each_link(
    pfr_module: LoadPfRing, link_ifs: LinkEnds, tmp_path: Path
) -> None:
    pfr_module()
    frames = lab_frames(link_ifs.tx, link_ifs.rx, 300)
    dump = tmp_path / "dump"
    probe = Probe("-i", link_ifs.rx, "-d", "rx", "-n", str(len(frames)), "-o", str(dump))
    assert probe.ready, probe.early
    send(link_ifs.tx, frames)
    result = probe.result()
    assert_exact(result, dump, frames)
    # the bound device as PF_RING_OPT_DEV_INFO tells it, and the module's version
    sysfs = Path("/sys/class/net") / link_ifs.rx
    assert result["dev_errno"] == 0
    assert result["ifindex"] == int((sysfs / "ifindex").read_text())
    assert result["mtu"] == int((sysfs / "mtu").read_text())
    assert result["mac"] == interface_mac(link_ifs.rx)
    assert result["rx_channels"] == len(list((sysfs / "queues").glob("rx-*")))
    assert result["link_up"] == 1
    assert result["version"] == 8 << 16 | 8 << 8


def test_frames_arrive_exactly_once_on_veth(
    pfr_module: LoadPfRing, veth: tuple[str, str], tmp_path: Path
) -> None:
    pfr_module()
    frames = lab_frames(veth[0], veth[1], 500)
    dump = tmp_path / "dump"
    probe = Probe("-i", veth[1], "-n", str(len(frames)), "-o", str(dump))
    assert probe.ready, probe.early
    send(veth[0], frames)
    result = probe.result()
    assert_exact(result, dump, frames)
    assert result["rx"] == len(frames) and result["tx"] == 0


def test_two_rings_on_one_device_both_get_everything(
    pfr_module: LoadPfRing, veth: tuple[str, str], tmp_path: Path
) -> None:
    pfr_module()
    frames = lab_frames(veth[0], veth[1], 400)
    dumps = [tmp_path / "a", tmp_path / "b"]
    probes = [Probe("-i", veth[1], "-n", str(len(frames)), "-o", str(d)) for d in dumps]
    assert all(p.ready for p in probes)
    send(veth[0], frames)
    for probe, dump in zip(probes, dumps, strict=True):
        assert_exact(probe.result(), dump, frames)


@pytest.mark.require_driver("igb")
@pytest.mark.require_queues(2)
def test_device_at_queue_sees_only_its_queue(
    pfr_module: LoadPfRing, link_ifs: LinkEnds
) -> None:
    pfr_module()
    assert_queues_split(link_ifs.tx, link_ifs.rx)


def test_any_sees_every_device(
    pfr_module: LoadPfRing, veth: tuple[str, str], tmp_path: Path
) -> None:
    pfr_module(enable_tx_capture=1)
    frames = lab_frames(veth[0], veth[1], 200)
    rx_only = Probe("-i", "any", "-d", "rx", "-n", str(len(frames)), "-o", str(tmp_path / "rx"))
    both = Probe("-i", "any", "-n", str(2 * len(frames)), "-I", "3000")
    assert rx_only.ready and both.ready
    send(veth[0], frames)
    assert_exact(rx_only.result(), tmp_path / "rx", frames)
    result = both.result()
    assert (result["match"], result["rx"], result["tx"]) == (400, 200, 200), result


@pytest.mark.parametrize("tx_capture", [0, 1])
def test_tx_capture_follows_the_module_parameter(
    pfr_module: LoadPfRing, veth: tuple[str, str], tx_capture: int, tmp_path: Path
) -> None:
    pfr_module(enable_tx_capture=tx_capture)
    info = (PROC / "info").read_text()
    assert ("Yes [RX+TX]" if tx_capture else "No [RX only]") in info
    frames = lab_frames(veth[0], veth[1], 100)
    dump = tmp_path / "tx"
    probe = Probe("-i", veth[0], "-n", str(len(frames)), "-t", "8000", "-o", str(dump))
    assert probe.ready
    send(veth[0], frames)
    result = probe.result()
    if tx_capture:
        assert_exact(result, dump, frames)
        assert result["tx"] == len(frames) and result["rx"] == 0
    else:
        assert result["match"] == 0, result


def test_caplen_truncates_frames(
    pfr_module: LoadPfRing, veth: tuple[str, str], tmp_path: Path
) -> None:
    pfr_module()
    frames = lab_frames(veth[0], veth[1], 120)
    dump = tmp_path / "dump"
    probe = Probe("-i", veth[1], "-c", "100", "-n", str(len(frames)), "-o", str(dump))
    assert probe.ready
    send(veth[0], frames)
    result = probe.result()
    assert result["caplen"] == 100 and result["slot_size"] % 64 == 0
    got = read_dump(dump)
    assert [(length, data) for length, _, _, data in got] == [
        (len(f), f[:100]) for f in frames
    ]
    assert result["bytes"] == sum(min(len(f), 100) for f in frames)
    assert result["wire_bytes"] == sum(len(f) for f in frames)


def test_tiny_ring_counts_every_frame_kept_or_dropped(
    pfr_module: LoadPfRing, veth: tuple[str, str]
) -> None:
    pfr_module(min_num_slots=16)
    frames = lab_frames(veth[0], veth[1], 300)
    probe = Probe("-i", veth[1], "-s", "16", "-g", "-I", "1000")
    assert probe.ready
    send(veth[0], frames)
    time.sleep(1)
    probe.go()
    result = probe.result()
    assert result["num_slots"] == 16
    assert result["match"] == result["recv"] == result["stats_recv"] == 16, result
    assert result["stats_recv"] + result["stats_drop"] == len(frames), result
    assert result["info_drops"] == result["stats_drop"]


# ---- poll ---------------------------------------------------------------------------


@pytest.mark.parametrize(("slots", "options"), [
    (4096, ("-w", "8")),
    (16, ("-s", "16", "-w", "1000")),  # capped at half the ring: 8
])
def test_poll_wakes_at_the_watermark(
    pfr_module: LoadPfRing, veth: tuple[str, str], slots: int, options: tuple[str, ...]
) -> None:
    pfr_module(min_num_slots=slots)
    frames = lab_frames(veth[0], veth[1], 8)
    probe = Probe("-i", veth[1], "-m", *options, "-W", "0", "-t", "30000")
    assert probe.ready
    send(veth[0], frames[:7])
    time.sleep(2)
    assert probe.proc.poll() is None, "poll() returned below the watermark"
    send(veth[0], frames[7:])
    result = probe.result()
    assert result["poll_rc"] == 1 and result["pollin"] == 1 and result["pollerr"] == 0
    assert result["unread"] == 8


@pytest.mark.parametrize(("options", "watermark", "timeout_ms", "count"), [
    ((), "128", 10, 1),  # the defaults: 128 and 10 ms; one packet needs no 127 more
    (("-w", "100", "-W", "500"), "100", 500, 3),
    (("-w", "100", "-W", "1500"), "100", 1500, 1),
])
def test_poll_wakes_after_the_watermark_timeout(
    pfr_module: LoadPfRing, veth: tuple[str, str], options: tuple[str, ...], watermark: str,
    timeout_ms: int, count: int,
) -> None:
    pfr_module()
    probe = Probe("-i", veth[1], "-m", *options, "-t", "60000")
    assert probe.ready
    ring_file = next(PROC.glob(f"{probe.pid}-{veth[1]}.*"))
    assert proc_fields(ring_file)["Poll Watermark"] == watermark
    frames = lab_frames(veth[0], veth[1], count)
    sent_at = time.monotonic()
    send(veth[0], frames)
    result = probe.result()
    woke_after = time.monotonic() - sent_at
    assert result["poll_rc"] == 1 and result["pollin"] == 1, result
    assert result["unread"] == count
    # the timer counts from the first frame's arrival (after sent_at), in jiffies (4 ms
    # at HZ=250): never early by more than a tick; late by the guest's slowness only
    assert timeout_ms / 1000 - 0.005 <= woke_after <= timeout_ms / 1000 + 3.0, woke_after


def test_device_deleted_under_a_blocked_reader(
    pfr_module: LoadPfRing, veth: tuple[str, str]
) -> None:
    pfr_module()
    probe = Probe("-i", veth[1], "-m", "-t", "60000")
    assert probe.ready
    time.sleep(0.5)
    with IPRoute() as ipr:
        ipr.link("del", index=ipr.link_lookup(ifname=veth[0])[0])
    result = probe.result()
    assert result["pollerr"] == 1, result
    assert result["so_error"] == errno.ENODEV
    assert result["dev_info_errno"] == errno.ENODEV


# ---- lifetime ---------------------------------------------------------------------


def test_kill_9_while_capturing_then_rmmod(
    kernel_modules: LoadedModules, pfr_module: LoadPfRing, veth: tuple[str, str]
) -> None:
    pfr_module()
    probe = Probe("-i", veth[1], "-P", "-t", "60000")
    assert probe.ready
    promisc = int(Path(f"/sys/class/net/{veth[1]}/flags").read_text(), 16) & 0x100
    assert promisc, "PF_RING_OPT_PROMISC did not set IFF_PROMISC"
    send(veth[0], lab_frames(veth[0], veth[1], 50))
    os.kill(probe.pid, signal.SIGKILL)
    probe.proc.wait()
    flags = int(Path(f"/sys/class/net/{veth[1]}/flags").read_text(), 16)
    assert not flags & 0x100, "promiscuous mode was not given back"
    kernel_modules.unload_all()
    assert not Path("/sys/module/pf_ring").exists()


# ---- refusals ---------------------------------------------------------------------


def test_unprivileged_open_is_refused(pfr_module: LoadPfRing) -> None:
    pfr_module()
    result = probe_error("-i", "lo", prefix=CAPSH_NO_NET_RAW)
    assert result == {"error": "socket", "errno": errno.EPERM}


def test_bad_device_and_bad_caplen(pfr_module: LoadPfRing) -> None:
    pfr_module()
    assert probe_error("-i", "nosuchdev0") == {"error": "bind", "errno": errno.ENODEV}
    assert probe_error("-i", "lo,nosuchdev0") == {"error": "bind", "errno": errno.ENODEV}
    for caplen in ("0", "65536"):
        assert probe_error("-i", "lo", "-c", caplen) == {"error": "caplen",
                                                         "errno": errno.EINVAL}


@pytest.mark.parametrize("params", [
    {"min_num_slots": 15}, {"min_num_slots": (1 << 20) + 1}, {"enable_tx_capture": 2},
    {"quick_mode": 2},
])
def test_bad_module_parameters_are_refused(
    pfr_module: LoadPfRing, params: dict[str, int]
) -> None:
    with pytest.raises(OSError) as refused:
        pfr_module(**params)
    assert refused.value.errno == errno.EINVAL
    assert not Path("/sys/module/pf_ring").exists()


# ---- /proc --------------------------------------------------------------------------


def test_proc_files_match_the_open_rings(
    pfr_module: LoadPfRing, veth: tuple[str, str]
) -> None:
    pfr_module()
    info = proc_fields(PROC / "info")
    assert info["Socket family"] == "13"
    assert info["Total rings"] == "0"
    assert info["Ring slots"] == "4096"
    assert (PROC / "dev" / veth[1] / "info").is_file()
    assert proc_fields(PROC / "dev" / veth[1] / "info")["Name"] == veth[1]

    probe = Probe("-i", veth[1], "-a", "proctest", "-S", "pkts=5 drops=0", "-g", "-I", "500")
    other = Probe("-i", veth[0], "-a", "proctest2", "-s", "8192", "-g", "-I", "500")
    assert probe.ready and other.ready
    send(veth[0], lab_frames(veth[0], veth[1], 5))
    time.sleep(0.5)
    assert proc_fields(PROC / "info")["Total rings"] == "2"
    files = sorted(p.name for p in PROC.iterdir() if re.fullmatch(r"\d+-.+\.\d+", p.name))
    assert len(files) == 2, files
    ring_file = next(PROC.glob(f"{probe.pid}-{veth[1]}.*"))
    assert (PROC / "stats" / ring_file.name).read_text() == "pkts=5 drops=0\n"
    mine = proc_fields(ring_file)
    assert mine["Pid"] == str(probe.pid)
    assert mine["Appl. Name"] == "proctest"
    assert mine["Bound Device(s)"] == veth[1]
    assert mine["Num Slots"] == "4096"
    assert mine["Free Slots"] == "4091"
    assert mine["Tot Packets"] == "5" and mine["Tot Pkt Lost"] == "0"
    theirs = proc_fields(next(PROC.glob(f"{other.pid}-{veth[0]}.*")))
    assert theirs["Appl. Name"] == "proctest2" and theirs["Num Slots"] == "8192"
    probe.go()
    other.go()
    assert probe.result()["stats_file"] == f"/proc/net/pf_ring/stats/{ring_file.name}"
    other.result()
    assert proc_fields(PROC / "info")["Total rings"] == "0"
    assert not [p for p in PROC.iterdir() if re.fullmatch(r"\d+-.+\.\d+", p.name)]


def test_rings_see_only_their_namespace(pfr_module: LoadPfRing, veth: tuple[str, str]) -> None:
    pfr_module()
    netns = ("unshare", "--net", "--")
    assert probe_error("-i", veth[1], prefix=netns) == {"error": "bind", "errno": errno.ENODEV}
    frames = lab_frames(veth[0], veth[1], 50)
    # The other namespace's ring does see its own namespace's traffic (three datagrams
    # on its loopback, to a bound socket, once the ring is open): a ring that saw
    # nothing at all would prove nothing about where the veth's frames went.
    datagrams = ("import socket, time; r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
                 "r.bind(('127.0.0.1', 9)); s = socket.socket(socket.AF_INET, "
                 "socket.SOCK_DGRAM); time.sleep(1); "
                 "[s.sendto(b'x', ('127.0.0.1', 9)) for _ in range(3)]; time.sleep(3)")
    own_traffic = f'ip link set lo up; ({sys.executable} -c "{datagrams}" &); exec "$0" "$@"'
    elsewhere = Probe("-i", "any", "-d", "rx", "-t", "30000", "-I", "3000",
                      prefix=(*netns, "sh", "-c", own_traffic))
    here = Probe("-i", "any", "-d", "rx", "-n", str(len(frames)))
    assert elsewhere.ready and here.ready
    send(veth[0], frames)
    assert here.result()["match"] == len(frames)
    theirs = elsewhere.result()
    assert theirs["match"] == 0, theirs
    assert theirs["recv"] == 3, theirs  # the three datagrams, received on lo


@pytest.mark.parametrize(("tags", "outer", "inner"), [
    (b"\x81\x00\x00\x2a", 42, 0),
    (b"\x88\xa8\x00\x64\x81\x00\x00\x2a", 100, 42),
])
def test_vlan_tags_are_kept_and_parsed(
    pfr_module: LoadPfRing, veth: tuple[str, str], tmp_path: Path,
    tags: bytes, outer: int, inner: int,
) -> None:
    """The stack takes the outer tag off before the hook (skb_vlan_untag): the ring puts
    it back, so the frame is the one sent, and the parser finds both ids."""
    pfr_module()
    frames = [f[:12] + tags + f[12:]
              for f in lab_frames(veth[0], veth[1], 40, sizes=(60, 200, 1000))]
    dump = tmp_path / "dump"
    probe = Probe("-i", veth[1], "-e", hex(tags[0] << 8 | tags[1]), "-n", str(len(frames)),
                  "-o", str(dump))
    assert probe.ready
    send(veth[0], frames)
    result = probe.result()
    assert [data for _, _, _, data in read_dump(dump)] == frames
    assert result["crc_sum"] == crc_sum(frames)
    assert (result["vlan_id"], result["qinq_vlan_id"], result["eth_type"]) == (
        outer, inner, 0x88B5)


def test_quick_mode_one_ring_per_device_and_no_parsing(
    pfr_module: LoadPfRing, veth: tuple[str, str], tmp_path: Path
) -> None:
    pfr_module(quick_mode=1)
    assert proc_fields(PROC / "info")["Socket Mode"] == "Quick"
    frames = lab_frames(veth[0], veth[1], 50)
    dump = tmp_path / "dump"
    first = Probe("-i", veth[1], "-n", str(len(frames)), "-o", str(dump))
    assert first.ready
    assert probe_error("-i", veth[1]) == {"error": "bind", "errno": errno.EBUSY}
    assert probe_error("-i", f"{veth[0]},{veth[1]}") == {"error": "bind", "errno": errno.EBUSY}
    assert probe_error("-i", "any") == {"error": "bind", "errno": errno.EBUSY}
    send(veth[0], frames)
    result = first.result()
    assert_exact(result, dump, frames)
    assert result["eth_type"] == 0, "a slot was parsed in quick mode"
