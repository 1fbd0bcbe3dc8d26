# SPDX-License-Identifier: GPL-2.0-only
"""pf_ring.ko under pressure: memory limits, wake-ups that must not be lost, the reach of
its protocol hooks, devices that go away under a ring, promiscuous-mode bookkeeping.

Each test fails on the defect it names (issue 8): the numbers are exact, the errors are
the kernel's errno.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyroute2 import IPRoute
from ringprobe import (
    PROC,
    TUN,
    LoadPfRing,
    Probe,
    kasan_kernel,
    lab_frames,
    probe_error,
    proc_fields,
    send,
)

from pfring.testing.frames import ipv4_udp
from pfring.testing.plugin import LoadedModules, built_module

NO_IPC_LOCK = ("capsh", "--drop=cap_ipc_lock", "--", "-c", 'exec "$0" "$@"')


def memlock(limit: int) -> tuple[str, ...]:
    return ("prlimit", f"--memlock={limit}:{limit}", "--")


# ---- memory -------------------------------------------------------------------------


def test_a_ring_over_max_ring_mb_is_refused(
    pfr_module: LoadPfRing, veth: tuple[str, str]
) -> None:
    pfr_module(max_ring_mb=8)  # a slot of the default caplen takes 1664 bytes
    assert probe_error("-i", veth[1], "-s", "8192") == {"error": "geometry",
                                                       "errno": errno.ENOMEM}
    ok = Probe("-i", veth[1], "-s", "4096", "-n", "10")  # 6.8 MB: fits
    assert ok.ready, ok.early
    send(veth[0], lab_frames(veth[0], veth[1], 10))
    assert ok.result()["match"] == 10


@pytest.mark.parametrize("value", [0, (1 << 20) + 1])
def test_max_ring_mb_out_of_range_refuses_the_load(pfr_module: LoadPfRing, value: int) -> None:
    with pytest.raises(OSError) as refused:
        pfr_module(max_ring_mb=value)
    assert refused.value.errno == errno.EINVAL


def test_rings_count_against_the_users_memlock_limit(
    pfr_module: LoadPfRing, veth: tuple[str, str]
) -> None:
    """Without CAP_IPC_LOCK every ring of a user adds to its locked memory: one ring of
    the default size fits under 10 MB, a second does not, and closing the first gives
    its pages back."""
    pfr_module()
    limited = (*memlock(10 << 20), *NO_IPC_LOCK)
    assert probe_error("-i", veth[1], "-s", "65536", prefix=limited) == {
        "error": "geometry", "errno": errno.EPERM}
    first = Probe("-i", veth[1], "-t", "60000", prefix=limited)
    assert first.ready, first.early
    assert probe_error("-i", veth[1], prefix=limited) == {"error": "geometry",
                                                          "errno": errno.EPERM}
    first.kill()
    again = Probe("-i", veth[1], "-n", "5", prefix=limited)
    assert again.ready, again.early
    send(veth[0], lab_frames(veth[0], veth[1], 5))
    assert again.result()["match"] == 5
    # CAP_IPC_LOCK lifts the limit, as for mlock()
    big = Probe("-i", veth[1], "-s", "16384", "-t", "100", prefix=memlock(10 << 20))
    assert big.ready, big.early


def test_an_unprivileged_user_namespace_cannot_pin_the_hosts_memory(
    pfr_module: LoadPfRing
) -> None:
    """'unshare -rn' gives CAP_NET_RAW over a new namespace's devices, never
    CAP_IPC_LOCK over the host: a ring there is held to RLIMIT_MEMLOCK."""
    pfr_module()
    userns = ("unshare", "-rn", "--")
    assert probe_error("-i", "lo", "-s", "65536", prefix=(*memlock(8 << 20), *userns)) == {
        "error": "geometry", "errno": errno.EPERM}
    small = Probe("-i", "lo", "-t", "100", prefix=(*memlock(8 << 20), *userns))
    assert small.ready, small.early


@pytest.fixture
def memory_cgroup() -> Iterator[Path]:
    """A cgroup v2 with memory.max = 32 MiB (cgroup2 mounted if the guest has not)."""
    root = Path("/sys/fs/cgroup")
    if not (root / "cgroup.controllers").is_file():
        root = Path("/tmp/pfr-cgroup2")
        root.mkdir(exist_ok=True)
        if subprocess.run(["mount", "-t", "cgroup2", "none", str(root)]).returncode:
            pytest.skip("no cgroup2 hierarchy can be mounted here")
    if "memory" not in (root / "cgroup.controllers").read_text().split():
        pytest.skip("the memory controller is not on the cgroup2 hierarchy")
    (root / "cgroup.subtree_control").write_text("+memory\n")
    group = root / "pfr-ring-test"
    group.mkdir(exist_ok=True)
    (group / "memory.max").write_text(f"{32 << 20}\n")
    try:
        yield group
    finally:
        for _ in range(50):
            try:
                group.rmdir()
                break
            except OSError:
                time.sleep(0.1)


def test_a_ring_over_the_cgroups_memory_max_fails_cleanly(
    pfr_module: LoadPfRing, veth: tuple[str, str], memory_cgroup: Path
) -> None:
    """The ring is charged to the cgroup: over memory.max the allocation fails with
    ENOMEM (no OOM kill of the caller, no allocation-failure splat in the log), and a
    ring that fits works in the same cgroup afterwards."""
    pfr_module()
    join = ("sh", "-c", f'echo $$ > {memory_cgroup}/cgroup.procs && exec "$0" "$@"')
    assert probe_error("-i", veth[1], "-s", "65536", prefix=join) == {"error": "geometry",
                                                                      "errno": errno.ENOMEM}
    ok = Probe("-i", veth[1], "-s", "8192", "-n", "20", prefix=join)  # 13.6 MB
    assert ok.ready, ok.early
    charged = int((memory_cgroup / "memory.current").read_text())
    assert charged >= 8192 * 1664, f"the ring is not charged to its cgroup: {charged}"
    send(veth[0], lab_frames(veth[0], veth[1], 20))
    assert ok.result()["match"] == 20


# ---- wake-ups -----------------------------------------------------------------------


def test_a_drained_ring_still_wakes_its_poller_for_the_next_packet(
    pfr_module: LoadPfRing, veth: tuple[str, str]
) -> None:
    """The watermark timer fires while the reader drains the ring without poll(); a
    later packet below the watermark must still wake the poller within the timeout."""
    pfr_module()
    timeout_ms = 300
    probe = Probe("-i", veth[1], "-D", "-w", "100", "-W", str(timeout_ms), "-t", "20000")
    assert probe.ready
    frames = lab_frames(veth[0], veth[1], 2)
    send(veth[0], frames[:1])
    probe.expect("DRAINED")
    time.sleep(0.2)  # the probe is in poll()
    sent_at = time.monotonic()
    send(veth[0], frames[1:])
    result = probe.result()
    woke_after = time.monotonic() - sent_at
    assert result["poll_rc"] == 1 and result["pollin"] == 1, result
    assert result["unread"] == 1
    assert timeout_ms / 1000 - 0.005 <= woke_after <= timeout_ms / 1000 + 3.0, woke_after


# ---- the hooks' reach ---------------------------------------------------------------


def hooks() -> list[str]:
    """The devices of pf_ring's protocol hooks in /proc/net/ptype ('' for all devices)."""
    found = []
    for line in Path("/proc/net/ptype").read_text().splitlines()[1:]:
        fields = line.split()  # ALL [device] pfr_hook_rcv+0x0/0x.. [pf_ring]
        if any(f.startswith("pfr_hook_rcv") for f in fields):
            found.append("" if fields[1].startswith("pfr_hook_rcv") else fields[1])
    return sorted(found)


def wait_for_hooks(expected: list[str]) -> list[str]:
    deadline = time.monotonic() + 10
    while hooks() != expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return hooks()


def test_hooks_follow_the_bound_devices_and_the_enabled_ring(
    pfr_module: LoadPfRing, veth: tuple[str, str]
) -> None:
    pfr_module()
    assert hooks() == [], "a loaded module with no ring must cost packets nothing"
    # bound and mapped, not yet enabled: no hook
    late = Probe("-i", veth[1], "-x", "-n", "20")
    assert late.ready
    assert hooks() == []
    late.go()
    late.expect("ENABLED")
    assert hooks() == [veth[1]], "one hook, on the bound device only"
    send(veth[0], lab_frames(veth[0], veth[1], 20))
    assert late.result()["match"] == 20
    assert wait_for_hooks([]) == []

    queues = Probe("-i", f"lo,{veth[1]}@0,{veth[1]}@1", "-t", "60000")
    anydev = Probe("-i", "any", "-t", "60000")
    assert queues.ready and anydev.ready
    assert hooks() == sorted(["", "lo", veth[1]]), "one hook per device, one for 'any'"
    queues.kill()
    anydev.kill()
    assert wait_for_hooks([]) == [], "closing a ring must take its hooks out"


# ---- devices that go away -------------------------------------------------------------


def link_index(name: str) -> int:
    return int(Path(f"/sys/class/net/{name}/ifindex").read_text())


def test_a_new_device_with_the_old_index_is_not_the_bound_device(
    pfr_module: LoadPfRing, veth: tuple[str, str]
) -> None:
    pfr_module()
    index = link_index(veth[1])
    probe = Probe("-i", veth[1], "-k", "-t", "8000", "-I", "6000")
    assert probe.ready
    send(veth[0], lab_frames(veth[0], veth[1], 10))
    with IPRoute() as ipr:
        ipr.link("del", index=link_index(veth[0]))
    subprocess.run(["ip", "link", "add", veth[1], "index", str(index), "type", "veth", "peer",
                    "name", veth[0]], check=True)
    with IPRoute() as ipr:
        for name in veth:
            Path(f"/proc/sys/net/ipv6/conf/{name}/disable_ipv6").write_text("1\n")
            ipr.link("set", index=link_index(name), state="up")
    assert link_index(veth[1]) == index
    send(veth[0], lab_frames(veth[0], veth[1], 30, stream=8))
    send(veth[0], lab_frames(veth[0], veth[1], 30))
    result = probe.result()
    assert result["match"] == 10, result  # only the frames sent before the device went
    assert result["recv"] == 10, result


def test_close_racing_device_removal(
    pfr_module: LoadPfRing, kernel_modules: LoadedModules
) -> None:
    """Rings in promiscuous mode closed (killed) while their device is deleted, over and
    over: no device waits for a reference, no ring is left behind, the module unloads.
    (Fewer rounds under KASAN, 4 s each there: what it checks is each round's memory.)"""
    pfr_module()
    with IPRoute() as ipr:
        for round_ in range(6 if kasan_kernel() else 25):
            a, b = f"pfrrace{round_}a", f"pfrrace{round_}b"
            ipr.link("add", ifname=a, kind="veth", peer=b)
            ipr.link("set", index=link_index(b), state="up")
            probes = [Probe("-i", b, "-P", "-t", "60000") for _ in range(2)]
            assert all(p.ready for p in probes)
            started = time.monotonic()
            for p in probes:
                os.kill(p.pid, signal.SIGKILL)
            ipr.link("del", index=link_index(a))
            for p in probes:
                p.proc.wait(timeout=30)
            assert time.monotonic() - started < 5, "a device waited for a ring's reference"
    assert proc_fields(PROC / "info")["Total rings"] == "0"
    kernel_modules.unload_all()
    assert not Path("/sys/module/pf_ring").exists()


# ---- promiscuous mode ---------------------------------------------------------------


def promiscuity(name: str) -> int:
    """The device's promiscuous count (ip -d: IFLA_PROMISCUITY)."""
    out = subprocess.run(["ip", "-d", "-j", "link", "show", "dev", name], check=True,
                         capture_output=True, text=True).stdout
    return int(json.loads(out)[0]["promiscuity"])


def is_promisc(name: str) -> bool:
    return bool(int(Path(f"/sys/class/net/{name}/flags").read_text(), 16) & 0x100)


def test_two_rings_share_a_device_in_promiscuous_mode(
    pfr_module: LoadPfRing, veth: tuple[str, str]
) -> None:
    pfr_module()
    first = Probe("-i", veth[1], "-P", "-t", "60000")
    second = Probe("-i", veth[1], "-P", "-t", "60000")
    assert first.ready and second.ready
    assert promiscuity(veth[1]) == 2
    first.kill()
    assert promiscuity(veth[1]) == 1 and is_promisc(veth[1])
    second.kill()
    assert promiscuity(veth[1]) == 0 and not is_promisc(veth[1])


def test_promiscuous_mode_set_by_the_admin_stays(
    pfr_module: LoadPfRing, veth: tuple[str, str]
) -> None:
    pfr_module()
    subprocess.run(["ip", "link", "set", veth[1], "promisc", "on"], check=True)
    assert promiscuity(veth[1]) == 1
    ring = Probe("-i", veth[1], "-P", "-t", "60000")
    assert ring.ready
    assert promiscuity(veth[1]) == 2
    ring.kill()
    assert promiscuity(veth[1]) == 1 and is_promisc(veth[1])
    given_back = Probe("-i", veth[1], "-P", "-U", "-t", "60000")  # PF_RING_OPT_PROMISC 0
    assert given_back.ready
    assert promiscuity(veth[1]) == 1
    given_back.kill()
    assert promiscuity(veth[1]) == 1


def test_device_removed_while_held_promiscuous(
    pfr_module: LoadPfRing, veth: tuple[str, str]
) -> None:
    pfr_module()
    probe = Probe("-i", veth[1], "-P", "-m", "-t", "60000")
    assert probe.ready
    assert promiscuity(veth[1]) == 1
    started = time.monotonic()
    with IPRoute() as ipr:
        ipr.link("del", index=link_index(veth[0]))
    assert time.monotonic() - started < 5, "the device waited for the ring's reference"
    result = probe.result()
    assert result["pollerr"] == 1 and result["so_error"] == errno.ENODEV, result


def test_a_bind_refused_promiscuous_mode_keeps_the_old_bind(
    pfr_module: LoadPfRing, kernel_modules: LoadedModules, veth: tuple[str, str]
) -> None:
    """A second bind that cannot take promiscuous mode on one of its devices fails with
    that device's error, and the ring keeps its first bind and the promiscuous mode it
    held there."""
    pfr_module()
    with IPRoute() as ipr:
        ipr.link("add", ifname="pfrroof0", kind="veth", peer="pfrroof1")
    try:
        with pytest.raises(OSError) as cancelled:  # lab_fault never stays loaded
            kernel_modules.load(built_module("lab_fault"), fault="promisc_roof",
                                dev="pfrroof1")
        assert cancelled.value.errno == errno.ECANCELED
        frames = lab_frames(veth[0], veth[1], 20)
        probe = Probe("-i", veth[1], "-P", "-B", f"{veth[1]},pfrroof1", "-n",
                      str(len(frames)))
        assert probe.ready, probe.early
        ring_file = next(PROC.glob(f"{probe.pid}-{veth[1]}.*"))
        assert proc_fields(ring_file)["Bound Device(s)"] == veth[1]
        assert promiscuity(veth[1]) == 1
        send(veth[0], frames)
        result = probe.result()
        assert result["rebind_errno"] == errno.EOVERFLOW, result
        assert result["match"] == len(frames)
        assert promiscuity(veth[1]) == 0
    finally:
        with IPRoute() as ipr:
            ipr.link("del", index=link_index("pfrroof0"))


# ---- devices without a link-layer header ---------------------------------------------

def test_a_raw_ip_device_is_reported_and_parsed_as_such(
    pfr_module: LoadPfRing, veth: tuple[str, str], tun: int
) -> None:
    pfr_module()
    packets = [ipv4_udp(bytes([198, 18, 0, 5]), bytes([198, 18, 0, 2]), bytes([n]) * (n + 1))
               for n in range(12)]
    frames = lab_frames(veth[0], veth[1], 5)
    alone = Probe("-i", TUN, "-t", "8000", "-I", "2000")
    anydev = Probe("-i", "any", "-d", "rx", "-t", "8000", "-I", "2000")
    mixed = Probe("-i", f"{TUN},{veth[1]}", "-t", "100")
    assert alone.ready and anydev.ready and mixed.ready
    for packet in packets:
        os.write(tun, packet)
    send(veth[0], frames)
    mine, every = alone.result(), anydev.result()
    assert mine["link_type"] == 1, mine  # PF_RING_LINK_RAW_IP
    assert (mine["recv"], mine["raw_ip"], mine["raw_udp9"]) == (12, 12, 12), mine
    assert mine["raw_bytes"] == sum(len(p) for p in packets)
    assert mine["raw_crc_sum"] == sum(zlib.crc32(p) for p in packets)
    assert every["link_type"] == 0, every  # "any": Ethernet, each slot says its own
    assert (every["raw_ip"], every["raw_udp9"], every["match"]) == (12, 12, 5), every
    assert mixed.result()["link_type"] == 2  # PF_RING_LINK_OTHER: the devices disagree
