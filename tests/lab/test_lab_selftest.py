# SPDX-License-Identifier: LGPL-2.1-or-later
"""The harness's self-tests: the lab's NICs, its links, pktgen, veth, the module fixture.

They run before pf_ring exists and prove the ground every later test stands on.
"""

from __future__ import annotations

import errno
import re
import subprocess
from pathlib import Path

import pytest
from pyroute2 import IPRoute

from pfring.testing.frames import parse_pktgen_frame
from pfring.testing.labfile import Lab
from pfring.testing.plugin import LinkEnds, LoadedModules, built_module
from pfring.testing.traffic import (
    FrameReceiver,
    Pktgen,
    deliver,
    interface_mac,
    wait_for_carrier,
)

ETH_P_IP = 0x0800
PACED_PPS = 3000


def test_every_port_is_bound_to_its_in_tree_driver(lab: Lab) -> None:
    for port in lab.ports:
        ifname = port.interface()
        driver = Path(f"/sys/class/net/{ifname}/device/driver").resolve().name
        assert driver == port.driver, f"{port.name} ({ifname}) is bound to {driver}"
        # An out-of-tree module has 'O' in its taint flags; the lab wants Debian's own.
        taint = Path(f"/sys/module/{driver}/taint")
        assert "O" not in (taint.read_text() if taint.exists() else ""), f"{driver} out of tree"


def test_virtual_lab_has_two_e1000e_and_two_igb(lab: Lab) -> None:
    if not lab.name.startswith("virtual-lab"):
        pytest.skip(f"{lab.name} is not the virtual lab")
    drivers = sorted(p.driver for p in lab.ports)
    assert drivers == ["e1000e", "e1000e", "igb", "igb"]
    assert len(lab.links) == 4


@pytest.mark.parametrize("count", [1, 500])
def test_frames_arrive_exactly_once_and_unaltered(link_ifs: LinkEnds, count: int) -> None:
    delivery = deliver(link_ifs.tx, link_ifs.rx, count, sizes=(60, 61, 512, 1514))
    assert delivery.exact, delivery.summary()
    assert delivery.received == count
    assert delivery.foreign == 0


def test_pktgen_frames_arrive_exactly_once_with_valid_checksums(link_ifs: LinkEnds) -> None:
    count = 1000
    gen = Pktgen(link_ifs.tx)
    try:
        # Paced: under TCG an unpaced burst overruns the emulated NIC's RX ring, which is
        # a loss of the lab, not of what a test examines.
        gen.configure(count, 128, interface_mac(link_ifs.rx), rate_pps=PACED_PPS)
        with FrameReceiver(link_ifs.rx, protocol=ETH_P_IP) as receiver:
            result = gen.run()
            frames = receiver.frames(count, timeout=60)
    finally:
        gen.close()
    assert result.sent == count
    seqs = [parse_pktgen_frame(f) for f in frames]
    numbered = sorted(s for s in seqs if s is not None)
    assert len(numbered) == count, f"{len(numbered)} of {count} pktgen frames arrived"
    assert len(set(numbered)) == count, "a pktgen frame arrived twice"
    assert numbered == list(range(numbered[0], numbered[0] + count))
    assert all(len(f) == 128 for f in frames if parse_pktgen_frame(f) is not None)


def rx_queue_packets(ifname: str) -> dict[int, int]:
    stats = subprocess.run(["ethtool", "-S", ifname], capture_output=True, text=True,
                           check=True).stdout
    return {int(q): int(n) for q, n in re.findall(r"rx_queue_(\d+)_packets: (\d+)", stats)}


@pytest.mark.require_driver("igb")
@pytest.mark.require_queues(2)
def test_igb_spreads_flows_over_its_rx_queues(link_ifs: LinkEnds) -> None:
    queues = sorted(Path(f"/sys/class/net/{link_ifs.rx}/queues").glob("rx-*"))
    assert len(queues) == link_ifs.link.rx.queues >= 2
    before = rx_queue_packets(link_ifs.rx)
    gen = Pktgen(link_ifs.tx)
    try:
        gen.configure(2000, 64, interface_mac(link_ifs.rx), rate_pps=PACED_PPS,
                      many_sources=True)
        gen.run()
    finally:
        gen.close()
    after = rx_queue_packets(link_ifs.rx)
    grew = [q for q in after if after[q] > before.get(q, 0)]
    assert len(grew) >= 2, f"RSS used only queues {grew}: {before} -> {after}"
    assert sum(after.values()) - sum(before.values()) == 2000


def test_veth_pair_carries_frames_exactly() -> None:
    with IPRoute() as ipr:
        ipr.link("add", ifname="labveth0", kind="veth", peer="labveth1")
        try:
            for name in ("labveth0", "labveth1"):
                ipr.link("set", index=ipr.link_lookup(ifname=name)[0], state="up")
            wait_for_carrier(["labveth0", "labveth1"])
            delivery = deliver("labveth0", "labveth1", 300)
        finally:
            ipr.link("del", index=ipr.link_lookup(ifname="labveth0")[0])
    assert delivery.exact, delivery.summary()


def test_module_fixture_passes_parameters_and_keeps_errno(
    kernel_modules: LoadedModules,
) -> None:
    path = built_module("lab_params")
    with pytest.raises(OSError) as refused:
        kernel_modules.load(path, slots=7)
    assert refused.value.errno == errno.EINVAL
    name = kernel_modules.load(path, slots=128)
    assert name == "lab_params"
    assert Path("/sys/module/lab_params/parameters/slots").read_text().strip() == "128"
    kernel_modules.unload_all()
    assert not Path("/sys/module/lab_params").exists()
