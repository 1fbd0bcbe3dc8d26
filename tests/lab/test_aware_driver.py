# SPDX-License-Identifier: GPL-2.0-only
"""The PF_RING-aware drivers (drivers/, kernel/driver_hook.c): frames handed to the rings
from the driver's RX clean-up, per queue; capture only; the driver and pf_ring.ko loaded
and unloaded in either order under traffic; normal networking beside capture.

The module's aware drivers replace the in-tree ones once for all its tests (every port
of the driver goes with its module) and the in-tree ones come back at its end. On a real
lab host the same tests run on ixgbe, i40e and ice links from its lab file.
"""

from __future__ import annotations

import errno
import hashlib
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from ringprobe import (
    LoadPfRing,
    Probe,
    assert_exact,
    assert_queues_split,
    lab_frames,
    proc_fields,
    send,
)

from pfring.testing.aware import aware_module, ethtool_version, use_driver
from pfring.testing.frames import parse_pktgen_frame
from pfring.testing.labfile import Lab, LabFileError
from pfring.testing.plugin import LinkEnds, LoadedModules
from pfring.testing.traffic import (
    FrameReceiver,
    Pktgen,
    interface_mac,
    rx_packets,
    wait_until_receiving,
)

AWARE = ("e1000e", "igb", "ixgbe", "i40e", "ice")
pytestmark = pytest.mark.require_driver(*AWARE)


def aware_drivers(lab: Lab) -> list[str]:
    return [d for d in lab.drivers() if d in AWARE and aware_module(d).is_file()]


@pytest.fixture(scope="module", autouse=True)
def aware_lab(lab: Lab) -> Iterator[list[str]]:
    """Our drivers in place of the in-tree ones for this module's tests."""
    drivers = aware_drivers(lab)
    if not drivers:
        pytest.skip("no aware driver is built for this kernel (invoke build)")
    for driver in drivers:
        use_driver(lab, driver, aware=True)
    yield drivers
    for driver in drivers:
        use_driver(lab, driver, aware=False)


@pytest.mark.parametrize("driver", ["ixgbe", "i40e", "ice"])
def test_the_hardware_only_drivers_take_these_tests_from_a_lab_file(
    lab: Lab, driver: str
) -> None:
    """QEMU emulates no ixgbe, i40e or ice: on a lab host whose lab file has their ports,
    every test of this module runs on their links too (require_driver)."""
    if driver not in lab.drivers():
        pytest.skip(f"lab {lab.name!r} has no {driver} port: this module's tests run on "
                    f"{driver} links from a real lab host's lab file")
    assert aware_module(driver).is_file(), f"the aware {driver} is not built (invoke build)"


def dev_info(ifname: str) -> dict[str, str]:
    return proc_fields(Path("/proc/net/pf_ring/dev") / ifname / "info")


def capture_only(ifname: str, on: bool | None = None) -> int:
    path = Path("/sys/class/net") / ifname / "pf_ring/capture_only"
    if on is not None:
        path.write_text("1\n" if on else "0\n")
    return int(path.read_text())


PRIV_FLAG = "pf_ring-capture-only"


def priv_flag(ifname: str, on: bool | None = None) -> bool:
    """The driver's ethtool private flag for capture only (set first when on is given)."""
    if on is not None:
        subprocess.run(["ethtool", "--set-priv-flags", ifname, PRIV_FLAG,
                        "on" if on else "off"], check=True)
    out = subprocess.run(["ethtool", "--show-priv-flags", ifname], capture_output=True,
                         text=True, check=True).stdout
    flags = dict(tuple(part.strip() for part in line.rsplit(":", 1))
                 for line in out.splitlines()[1:] if ":" in line)
    return {"on": True, "off": False}[flags[PRIV_FLAG]]


def ring_and_stack(tx: str, rx: str, stream: int, count: int = 100) -> int:
    """count frames sent to rx while a ring captures there: the ring must get every one;
    how many the stack got (count, or 0 when capture only keeps them from it)."""
    with FrameReceiver(rx) as stack:
        probe = Probe("-i", rx, "-d", "rx", "-n", str(count))
        assert probe.ready
        send(tx, lab_frames(tx, rx, count, stream=stream))
        assert probe.result()["match"] == count
        return len(stack.frames(count, timeout=20, idle=3))


@pytest.fixture(autouse=True)
def capture_only_off(lab: Lab) -> Iterator[None]:
    """Capture only is the driver's switch and outlives pf_ring.ko: off after each test,
    so that a failed one leaves no port keeping frames from the stack."""
    yield
    for port in lab.ports:
        if port.driver in AWARE:
            try:
                ifname = port.interface()
            except (LookupError, LabFileError):
                continue  # not bound: a fresh probe starts with the switch off
            subprocess.run(["ethtool", "--set-priv-flags", ifname, PRIV_FLAG, "off"],
                           capture_output=True, check=False)


# ---- delivery -----------------------------------------------------------------------


def test_each_frame_is_handed_over_once_and_counted_by_the_interface(
    pfr_module: LoadPfRing, link_ifs: LinkEnds, tmp_path: Path
) -> None:
    pfr_module()
    driver = link_ifs.link.rx.driver
    info = dev_info(link_ifs.rx)
    assert info["Polling Mode"] == "NAPI/PF_RING-aware", info
    assert info["Family"] == f"Intel {driver}" and info["Capture Only"] == "No", info
    series = subprocess.run(["modinfo", "-F", "pf_ring", str(aware_module(driver))],
                            capture_output=True, text=True, check=True).stdout.strip()
    assert series.startswith("aware: pfring-aware ") and info["Driver Series"] in series
    assert ethtool_version(link_ifs.rx) == info["Driver Series"]
    frames = lab_frames(link_ifs.tx, link_ifs.rx, 600)
    dump = tmp_path / "dump"
    before = rx_packets(link_ifs.rx)
    probe = Probe("-i", link_ifs.rx, "-d", "rx", "-n", str(len(frames)), "-o", str(dump))
    assert probe.ready, probe.early
    send(link_ifs.tx, frames)
    result = probe.result()
    # once each (the tap skips what the driver handed over), unaltered, none dropped
    assert_exact(result, dump, frames)
    # the interface counts what it received while a ring captures
    assert rx_packets(link_ifs.rx) - before >= len(frames)


@pytest.mark.require_queues(2)
def test_each_queue_gets_only_its_frames(pfr_module: LoadPfRing, link_ifs: LinkEnds) -> None:
    pfr_module()
    assert_queues_split(link_ifs.tx, link_ifs.rx)


# ---- capture only -------------------------------------------------------------------


@pytest.mark.one_way
def test_capture_only_keeps_captured_frames_from_the_stack(
    pfr_module: LoadPfRing, link_ifs: LinkEnds
) -> None:
    pfr_module()
    rx = link_ifs.rx
    assert capture_only(rx) == 0
    count = 300
    with FrameReceiver(rx) as stack:
        # off: the ring and the stack both get every frame
        probe = Probe("-i", rx, "-d", "rx", "-n", str(count))
        assert probe.ready
        send(link_ifs.tx, lab_frames(link_ifs.tx, rx, count, stream=1))
        assert probe.result()["match"] == count
        assert len(stack.frames(count, timeout=20)) == count
        # on: the ring gets them, the stack none, the interface still counts them
        assert capture_only(rx, True) == 1
        assert dev_info(rx)["Capture Only"] == "Yes"
        probe = Probe("-i", rx, "-d", "rx", "-n", str(count))
        assert probe.ready
        before = rx_packets(rx)
        send(link_ifs.tx, lab_frames(link_ifs.tx, rx, count, stream=2))
        assert probe.result()["match"] == count
        assert stack.frames(1, timeout=3, idle=3) == []
        assert rx_packets(rx) - before >= count
        assert int(dev_info(rx)["Kept From Stack"]) >= count
        # with no ring to take them, frames go up the stack even in capture-only mode
        send(link_ifs.tx, lab_frames(link_ifs.tx, rx, count, stream=3))
        assert len(stack.frames(count, timeout=20)) == count
        # off again: the stack gets them back
        capture_only(rx, False)
        probe = Probe("-i", rx, "-d", "rx", "-n", str(count))
        assert probe.ready
        send(link_ifs.tx, lab_frames(link_ifs.tx, rx, count, stream=4))
        assert probe.result()["match"] == count
        assert len(stack.frames(count, timeout=20)) == count


@pytest.mark.one_way
def test_capture_only_as_a_ring_option_and_its_errors(
    pfr_module: LoadPfRing, link_ifs: LinkEnds, veth: tuple[str, str]
) -> None:
    """PF_RING_OPT_CAPTURE_ONLY (pfring_set_capture_only(), Ring.set_capture_only())
    switches every bound device and outlives the ring; a device without an aware driver
    (veth) has no switch: EOPNOTSUPP, and no sysfs file."""
    pfr_module()
    rx = link_ifs.rx
    probe = Probe("-i", rx, "-C", "-n", "1", "-t", "1000")
    assert probe.ready
    assert probe.result()["capture_only_errno"] == 0
    assert capture_only(rx) == 1 and dev_info(rx)["Capture Only"] == "Yes"
    probe = Probe("-i", rx, "-C0", "-n", "1", "-t", "1000")
    assert probe.ready and probe.result()["capture_only_errno"] == 0
    assert capture_only(rx) == 0
    probe = Probe("-i", veth[1], "-C", "-n", "1", "-t", "1000")
    assert probe.ready
    assert probe.result()["capture_only_errno"] == errno.EOPNOTSUPP
    assert not (Path("/sys/class/net") / veth[1] / "pf_ring").exists()
    assert dev_info(veth[1])["Polling Mode"] == "NAPI"
    assert "Capture Only" not in dev_info(veth[1])
    # a list with one device of each kind switches none
    probe = Probe("-i", f"{rx},{veth[1]}", "-C", "-n", "1", "-t", "1000")
    assert probe.ready
    assert probe.result()["capture_only_errno"] == errno.EOPNOTSUPP
    assert capture_only(rx) == 0
    # libpfring's pfring_set_capture_only() through Python: the same switch
    from pfring.ring import Ring

    with Ring(rx) as ring:
        ring.set_capture_only(True)
        assert capture_only(rx) == 1 and priv_flag(rx) is True
        ring.set_capture_only(False)
        assert capture_only(rx) == 0 and priv_flag(rx) is False
    with Ring(veth[1]) as ring, pytest.raises(OSError) as refused:
        ring.set_capture_only(True)
    assert refused.value.errno == errno.EOPNOTSUPP


@pytest.mark.one_way
def test_capture_only_as_an_ethtool_private_flag(
    pf_ring_module: LoadPfRing, kernel_modules: LoadedModules, link_ifs: LinkEnds
) -> None:
    """ethtool's private flag is the switch that sysfs and the ring option set. It is the
    driver's: it can be set before pf_ring.ko is loaded and holds while pf_ring.ko is
    unloaded and loaded again."""
    rx, tx = link_ifs.rx, link_ifs.tx
    assert priv_flag(rx) is False
    # set with no pf_ring.ko: no ring takes the frames, the stack gets them all
    assert priv_flag(rx, True) is True
    with FrameReceiver(rx) as stack:
        send(tx, lab_frames(tx, rx, 100, stream=1))
        assert len(stack.frames(100, timeout=20)) == 100
    # pf_ring.ko loaded: the switch is on, the ring takes every frame, the stack none
    pf_ring_module()
    assert capture_only(rx) == 1 and dev_info(rx)["Capture Only"] == "Yes"
    assert ring_and_stack(tx, rx, stream=2) == 0
    # sysfs switches it off: ethtool says so
    capture_only(rx, False)
    assert priv_flag(rx) is False
    # on from ethtool, then pf_ring.ko unloaded and loaded again: still on
    priv_flag(rx, True)
    kernel_modules.unload_all()
    assert priv_flag(rx) is True
    pf_ring_module()
    assert capture_only(rx) == 1
    # off from ethtool: the stack gets the frames again beside the ring
    assert priv_flag(rx, False) is False
    assert capture_only(rx) == 0 and dev_info(rx)["Capture Only"] == "No"
    assert ring_and_stack(tx, rx, stream=3) == 100


# ---- lifecycle ----------------------------------------------------------------------


@pytest.mark.one_way
def test_pf_ring_comes_and_goes_under_a_running_driver(
    pf_ring_module: LoadPfRing, kernel_modules: LoadedModules, link_ifs: LinkEnds
) -> None:
    rx, tx = link_ifs.rx, link_ifs.tx
    # no pf_ring.ko: the driver works as the in-tree one
    with FrameReceiver(rx) as stack:
        send(tx, lab_frames(tx, rx, 200, stream=1))
        assert len(stack.frames(200, timeout=20)) == 200
    # loaded after the driver: the driver hands its frames over from now on
    pf_ring_module()
    assert dev_info(rx)["Polling Mode"] == "NAPI/PF_RING-aware"
    probe = Probe("-i", rx, "-d", "rx", "-n", "200")
    assert probe.ready
    send(tx, lab_frames(tx, rx, 200, stream=2))
    assert probe.result()["match"] == 200
    # unloaded while the driver stays: traffic goes on
    kernel_modules.unload_all()
    with FrameReceiver(rx) as stack:
        send(tx, lab_frames(tx, rx, 200, stream=3))
        assert len(stack.frames(200, timeout=20)) == 200
    # and loaded again
    pf_ring_module()
    probe = Probe("-i", rx, "-d", "rx", "-n", "200")
    assert probe.ready
    send(tx, lab_frames(tx, rx, 200, stream=4))
    assert probe.result()["match"] == 200


def load_unload_cycles() -> int:
    """100 where kmemleak watches (the sanitizer kernel), 20 on the other lab kernels."""
    return 100 if Path("/sys/kernel/debug/kmemleak").exists() else 20


@pytest.mark.one_way
def test_pf_ring_loaded_and_unloaded_again_and_again_under_traffic(
    pf_ring_module: LoadPfRing, kernel_modules: LoadedModules, link_ifs: LinkEnds
) -> None:
    """pktgen keeps frames arriving while pf_ring.ko comes and goes (100 times under
    kmemleak): each load attaches the aware device, and a ring on it receives pktgen's
    frames; each unload lets the device go with frames in flight. The kernel-log check
    (and kmemleak's scan on the sanitizer kernel) sees every cycle; the stack then
    receives every frame as before."""
    from pfring.ring import Ring

    rx, tx = link_ifs.rx, link_ifs.tx
    gen = Pktgen(tx)
    # count 0: until stopped; a slow stream, so that KASAN's guest has CPU left for the
    # cycles (each needs a frame or more)
    gen.configure(0, 60, interface_mac(rx), rate_pps=500)
    with ThreadPoolExecutor(1) as pool:
        sending = pool.submit(gen.run, 3600)
        try:
            for cycle in range(load_unload_cycles()):
                pf_ring_module(min_num_slots=256)  # a small ring: the cycle is the test
                assert dev_info(rx)["Polling Mode"] == "NAPI/PF_RING-aware", cycle
                with Ring(rx, caplen=128) as ring:
                    batch = ring.recv_batch(16, timeout=10.0)
                seq = [parse_pktgen_frame(batch.payload(i)) for i in range(len(batch))]
                assert [n for n in seq if n is not None], (cycle, len(batch))
                kernel_modules.unload_all()
        finally:
            gen.stop()
            sent = sending.result(timeout=60).sent
            gen.close()
    assert sent > 0
    with FrameReceiver(rx) as stack:
        send(tx, lab_frames(tx, rx, 100))
        assert len(stack.frames(100, timeout=20)) == 100


@pytest.mark.one_way
def test_driver_unloaded_under_open_rings(
    pfr_module: LoadPfRing, lab: Lab, link_ifs: LinkEnds
) -> None:
    pfr_module()
    driver = link_ifs.link.rx.driver
    probe = Probe("-i", link_ifs.rx, "-d", "rx", "-n", "1000000", "-t", "60000")
    assert probe.ready
    send(link_ifs.tx, lab_frames(link_ifs.tx, link_ifs.rx, 100))
    time.sleep(2)
    try:
        use_driver(lab, driver, aware=False)  # the aware one goes, rings open
        result = probe.result(timeout=90)  # the ring saw POLLERR and ended
        assert result["match"] == 100, result
    finally:
        use_driver(lab, driver, aware=True)
    # the device under the in-tree driver and back under ours: capture again
    wait_until_receiving(link_ifs.tx, link_ifs.rx)
    probe = Probe("-i", link_ifs.rx, "-d", "rx", "-n", "100")
    assert probe.ready
    send(link_ifs.tx, lab_frames(link_ifs.tx, link_ifs.rx, 100, stream=2))
    assert probe.result()["match"] == 100


@pytest.mark.one_way
def test_link_down_up_and_ring_resize_during_capture(
    pfr_module: LoadPfRing, link_ifs: LinkEnds
) -> None:
    pfr_module()
    rx, tx = link_ifs.rx, link_ifs.tx
    probe = Probe("-i", rx, "-d", "rx", "-n", "300", "-t", "120000", "-I", "60000", "-k")
    assert probe.ready
    send(tx, lab_frames(tx, rx, 100, stream=1))
    subprocess.run(["ip", "link", "set", rx, "down"], check=True)
    subprocess.run(["ethtool", "-G", rx, "rx", "512"], check=True)
    subprocess.run(["ip", "link", "set", rx, "up"], check=True)
    wait_until_receiving(tx, rx)
    send(tx, lab_frames(tx, rx, 200, stream=2))
    result = probe.result()
    assert result["match"] == 300, result
    assert result["stats_drop"] == 0


@pytest.mark.one_way
def test_jumbo_frames_after_an_mtu_change_during_capture(
    pfr_module: LoadPfRing, link_ifs: LinkEnds, tmp_path: Path,
    defer: Callable[[Callable[[], object]], None]
) -> None:
    """Frames of several RX buffers (igb) or the packet-split path (e1000e): handed over
    from the skb, each exactly once."""
    pfr_module()
    rx, tx = link_ifs.rx, link_ifs.tx
    for name in (tx, rx):
        subprocess.run(["ip", "link", "set", name, "mtu", "9000"], check=True)
        defer(lambda name=name: subprocess.run(["ip", "link", "set", name, "mtu", "1500"],
                                               check=False))
    wait_until_receiving(tx, rx)
    frames = lab_frames(tx, rx, 120, sizes=(60, 3000, 9014))
    dump = tmp_path / "dump"
    probe = Probe("-i", rx, "-d", "rx", "-n", str(len(frames)), "-c", "9100",
                  "-o", str(dump))
    assert probe.ready
    send(tx, frames)
    assert_exact(probe.result(), dump, frames)


@pytest.mark.one_way
def test_unbind_and_bind_through_sysfs_under_open_rings(
    pfr_module: LoadPfRing, lab: Lab, link_ifs: LinkEnds
) -> None:
    from pfring.testing.aware import bring_back

    pfr_module()
    port = link_ifs.link.rx
    assert port.pci is not None
    drivers = Path("/sys/bus/pci/drivers") / port.driver
    probe = Probe("-i", link_ifs.rx, "-d", "rx", "-n", "1000000", "-t", "60000")
    assert probe.ready
    send(link_ifs.tx, lab_frames(link_ifs.tx, link_ifs.rx, 50))
    time.sleep(2)
    (drivers / "unbind").write_text(port.pci)
    try:
        assert probe.result(timeout=90)["match"] == 50  # POLLERR ended it
    finally:
        (drivers / "bind").write_text(port.pci)
        bring_back(lab, port.driver)
    rx = port.interface()
    assert dev_info(rx)["Polling Mode"] == "NAPI/PF_RING-aware"
    wait_until_receiving(link_ifs.tx, rx)
    probe = Probe("-i", rx, "-d", "rx", "-n", "100")
    assert probe.ready
    send(link_ifs.tx, lab_frames(link_ifs.tx, rx, 100, stream=2))
    assert probe.result()["match"] == 100


# ---- normal networking --------------------------------------------------------------


@pytest.mark.one_way
def test_tcp_over_the_link_while_a_ring_captures(
    pfr_module: LoadPfRing, link_ifs: LinkEnds, defer: Callable[[Callable[[], object]], None]
) -> None:
    """One end in another namespace, so that the stack's traffic crosses the link."""
    pfr_module()
    rx, tx = link_ifs.rx, link_ifs.tx
    ns = "pfr-peer"
    run = subprocess.run
    add_cleanup = defer
    run(["ip", "netns", "add", ns], check=True)
    add_cleanup(lambda: run(["ip", "netns", "del", ns], check=False))
    run(["ip", "link", "set", tx, "netns", ns], check=True)
    add_cleanup(lambda: run(["ip", "link", "set", tx, "up"], check=False))
    add_cleanup(lambda: run(["ip", "-n", ns, "link", "set", tx, "netns", "1"], check=False))
    run(["ip", "-n", ns, "addr", "add", "10.77.0.2/24", "dev", tx], check=True)
    run(["ip", "-n", ns, "link", "set", tx, "up"], check=True)
    run(["ip", "addr", "add", "10.77.0.1/24", "dev", rx], check=True)
    add_cleanup(lambda: run(["ip", "addr", "flush", "dev", rx], check=False))
    probe = Probe("-i", rx, "-d", "rx", "-n", "1000000", "-I", "5000", "-t", "180000")
    assert probe.ready
    payload = bytes(range(256)) * 4096  # 1 MiB
    server = subprocess.Popen(
        ["ip", "netns", "exec", ns, "python3", "-c",
         "import socket,hashlib\n"
         "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
         "s.bind(('10.77.0.2', 5001)); s.listen(1); c,_=s.accept(); h=hashlib.sha256()\n"
         "n=0\n"
         "while True:\n"
         "    b=c.recv(65536)\n"
         "    if not b: break\n"
         "    h.update(b); n+=len(b)\n"
         "c.sendall(h.hexdigest().encode()); c.close(); print(n)\n"],
        stdout=subprocess.PIPE, text=True)
    import socket

    deadline = time.monotonic() + 30
    while True:
        try:
            conn = socket.create_connection(("10.77.0.2", 5001), timeout=60)
            break
        except OSError:
            assert time.monotonic() < deadline, "the peer's server never listened"
            time.sleep(0.5)
    with conn:
        conn.sendall(payload)
        conn.shutdown(socket.SHUT_WR)
        digest = conn.recv(64).decode()
    out, _ = server.communicate(timeout=60)
    assert out.strip() == str(len(payload))
    assert digest == hashlib.sha256(payload).hexdigest()
    result = probe.result()
    # the ring saw the peer's ARP replies and TCP segments (its SYN-ACK, its ACKs)
    assert result["recv"] >= 10, result


# ---- multi-queue from Python, symmetric RSS --------------------------------------------


def two_way_flows(tx_if: str, rx_if: str, flows: int, each: int) -> list[bytes]:
    """each datagrams of every flow in both directions, all addressed to rx_if (as a
    sensor port on a tap sees them)."""
    from scapy.layers.inet import IP, UDP
    from scapy.layers.l2 import Ether

    dst, src = interface_mac(rx_if), interface_mac(tx_if)
    frames = []
    for n in range(flows):
        # with a symmetric (16-bit periodic) key the hash of IPv4 addresses is a function
        # of the XOR of their 16-bit halves: make it differ from flow to flow
        a, b = f"10.1.{n % 250}.1", f"172.16.{(7 * n) % 250}.{n % 200 + 2}"
        for i in range(each):
            for s_ip, d_ip, sp, dp in ((a, b, 4000 + n, 53), (b, a, 53, 4000 + n)):
                pkt = Ether(dst=dst, src=src) / IP(src=s_ip, dst=d_ip) / UDP(sport=sp, dport=dp)
                frames.append(bytes(pkt / bytes(18 + i)))
    return frames


@pytest.mark.require_queues(2)
@pytest.mark.one_way
def test_symmetric_rss_puts_both_directions_of_each_flow_on_one_queue(
    pfr_module: LoadPfRing, link_ifs: LinkEnds
) -> None:
    pfr_module()
    rx, tx = link_ifs.rx, link_ifs.tx
    frames = two_way_flows(tx, rx, 64, 3)
    worker = subprocess.Popen(
        [sys.executable, "-m", "pfring.examples.queue_workers", rx, "--symmetric",
         "--limit", str(len(frames)), "--seconds", "120"],
        stdout=subprocess.PIPE, text=True)
    assert worker.stdout is not None and worker.stdout.readline().strip() == "READY"
    key = subprocess.run(["ethtool", "-x", rx], capture_output=True, text=True,
                         check=True).stdout
    assert "6d:5a:6d:5a" in key, key
    send(tx, frames)
    out, _ = worker.communicate(timeout=180)
    queues = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert len(queues) >= 2 and sum(q["packets"] for q in queues) == len(frames), queues
    seen: dict[str, int] = {}
    for q in queues:
        for flow in q["flows"]:
            assert flow not in seen, f"{flow} on queues {seen[flow]} and {q['queue']}"
            seen[flow] = q["queue"]
    assert len(seen) == 64
    # every flow's 6 datagrams (3 each way) were counted on its one queue
    assert all(q["packets"] == 6 * len(q["flows"]) for q in queues), queues
    assert sum(1 for q in queues if q["flows"]) >= 2, "RSS sent every flow to one queue"
