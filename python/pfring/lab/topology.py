# SPDX-License-Identifier: LGPL-2.1-or-later
"""The virtual lab's NICs, how QEMU is told to make them, and the lab file that describes them.

Two e1000e (82574L) are wired to each other through QEMU hub 0, two igb (82576) through
hub 1. Each device has an explicit PCI slot: vng's own devices take the slots below 0x0b,
and an igb's SR-IOV VFs take the slot 16 above it, so two igb at automatic slots collide.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import jinja2


@dataclass(frozen=True)
class NicSpec:
    """One emulated NIC: its QEMU model, slot, hub (the 'cable') and the driver it needs."""

    name: str
    model: str
    driver: str
    slot: int
    hub: int
    mac: str
    queues: int = 1

    @property
    def pci(self) -> str:
        return f"0000:00:{self.slot:02x}.0"

    def qemu_args(self) -> list[str]:
        netdev = f"lab{self.slot:02x}"
        return [
            "-netdev", f"hubport,id={netdev},hubid={self.hub}",
            "-device", f"{self.model},netdev={netdev},addr=0x{self.slot:02x},mac={self.mac}",
        ]


def virtual_topology(cpus: int) -> tuple[NicSpec, ...]:
    """The four lab NICs; igb gets one RX queue per guest CPU (what its driver allocates)."""
    return (
        NicSpec("igb-a", "igb", "igb", 0x0B, 1, "52:54:00:1b:00:0b", queues=cpus),
        NicSpec("e1000e-a", "e1000e", "e1000e", 0x0C, 0, "52:54:00:1e:00:0c"),
        NicSpec("igb-b", "igb", "igb", 0x0D, 1, "52:54:00:1b:00:0d", queues=cpus),
        NicSpec("e1000e-b", "e1000e", "e1000e", 0x0E, 0, "52:54:00:1e:00:0e"),
    )


GUEST_CPUS = 2
VIRTUAL_TOPOLOGY = virtual_topology(GUEST_CPUS)


def qemu_opts(nics: tuple[NicSpec, ...]) -> list[str]:
    """QEMU arguments for every NIC of a topology."""
    args: list[str] = []
    for nic in nics:
        args += nic.qemu_args()
    return args


def links(nics: tuple[NicSpec, ...]) -> list[tuple[NicSpec, NicSpec]]:
    """Every ordered pair of NICs sharing a hub: what one sends, the other receives."""
    return [(a, b) for a in nics for b in nics if a is not b and a.hub == b.hub]


def render_lab_file(nics: tuple[NicSpec, ...], kernel: str) -> str:
    """The lab file (TOML) for a topology, as the harness reads it in the guest."""
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(
            lambda name: resources.files("pfring.lab").joinpath("templates", name).read_text()
        ),
        autoescape=False,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("lab.toml.j2").render(nics=nics, links=links(nics), kernel=kernel)
