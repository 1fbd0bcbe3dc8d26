# SPDX-License-Identifier: LGPL-2.1-or-later
"""The lab file: a TOML description of a test host, its ports and the links between them.

    [host]
    name = "virtual-lab"

    [[port]]
    name = "e1000e-a"          # what tests call the port
    driver = "e1000e"          # the kernel driver it must be bound to
    pci = "0000:00:0c.0"       # its PCI address; the interface name is found from it
    queues = 1                 # RX queues
    features = []              # hardware features tests may require
    # ifname = "eth1"          # optional: the interface name, if not found from pci

    [[link]]
    tx = "e1000e-a"            # frames sent on this port ...
    rx = "e1000e-b"            # ... arrive on this one

The same tests run on the virtual lab (which writes its own file) and on a real host.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path


class LabFileError(ValueError):
    """The lab file is malformed: the message names the entry and what is wrong."""


@dataclass(frozen=True)
class Port:
    name: str
    driver: str
    pci: str | None = None
    ifname: str | None = None
    queues: int = 1
    features: frozenset[str] = field(default_factory=frozenset)

    def interface(self, sysfs: Path = Path("/sys")) -> str:
        """The port's network interface name, from the lab file or from its PCI address."""
        if self.ifname:
            return self.ifname
        if self.pci is None:
            raise LabFileError(f"port {self.name!r} has neither ifname nor pci")
        netdir = sysfs / "bus/pci/devices" / self.pci / "net"
        names = sorted(p.name for p in netdir.glob("*")) if netdir.is_dir() else []
        if not names:
            raise LookupError(f"port {self.name!r}: no network interface at PCI {self.pci}")
        return names[0]


@dataclass(frozen=True)
class Link:
    tx: Port
    rx: Port

    @property
    def id(self) -> str:
        return f"{self.tx.name}->{self.rx.name}"


@dataclass(frozen=True)
class Lab:
    name: str
    ports: tuple[Port, ...]
    links: tuple[Link, ...]
    path: Path | None = None

    def port(self, name: str) -> Port:
        for port in self.ports:
            if port.name == name:
                return port
        raise KeyError(name)

    def drivers(self) -> list[str]:
        return sorted({p.driver for p in self.ports})


def _require(entry: dict[str, object], key: str, kind: type, where: str) -> object:
    if key not in entry:
        raise LabFileError(f"{where}: missing '{key}'")
    value = entry[key]
    if not isinstance(value, kind):
        raise LabFileError(f"{where}: '{key}' must be a {kind.__name__}")
    return value


def _port(entry: dict[str, object], index: int) -> Port:
    where = f"port #{index + 1}"
    name = str(_require(entry, "name", str, where))
    where = f"port {name!r}"
    queues = entry.get("queues", 1)
    if not isinstance(queues, int) or isinstance(queues, bool) or queues < 1:
        raise LabFileError(f"{where}: 'queues' must be a whole number >= 1")
    features = entry.get("features", [])
    if not isinstance(features, list) or not all(isinstance(f, str) for f in features):
        raise LabFileError(f"{where}: 'features' must be a list of strings")
    pci = entry.get("pci")
    ifname = entry.get("ifname")
    if pci is None and ifname is None:
        raise LabFileError(f"{where}: give 'pci' or 'ifname'")
    return Port(
        name=name,
        driver=str(_require(entry, "driver", str, where)),
        pci=None if pci is None else str(pci),
        ifname=None if ifname is None else str(ifname),
        queues=queues,
        features=frozenset(features),
    )


def parse_lab(data: dict[str, object], path: Path | None = None) -> Lab:
    """Build a Lab from parsed TOML, checking every entry."""
    host = data.get("host", {})
    if not isinstance(host, dict):
        raise LabFileError("[host] must be a table")
    raw_ports = data.get("port", [])
    if not isinstance(raw_ports, list) or not raw_ports:
        raise LabFileError("the lab file needs at least one [[port]]")
    ports = tuple(_port(entry, i) for i, entry in enumerate(raw_ports))
    names = [p.name for p in ports]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise LabFileError(f"port names used twice: {', '.join(dupes)}")
    by_name = {p.name: p for p in ports}
    links = []
    raw_links = data.get("link", [])
    if not isinstance(raw_links, list):
        raise LabFileError("[[link]] entries must be tables")
    for i, entry in enumerate(raw_links):
        where = f"link #{i + 1}"
        tx = str(_require(entry, "tx", str, where))
        rx = str(_require(entry, "rx", str, where))
        for end in (tx, rx):
            if end not in by_name:
                raise LabFileError(f"{where}: no port named {end!r}")
        links.append(Link(by_name[tx], by_name[rx]))
    return Lab(str(host.get("name", "lab")), ports, tuple(links), path)


def load_lab(path: Path) -> Lab:
    """Read and check a lab file."""
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise LabFileError(f"{path}: {e}") from e
    return parse_lab(data, path)


def select_links(
    lab: Lab,
    drivers: Iterable[str] = (),
    min_queues: int = 1,
    features: Iterable[str] = (),
) -> list[Link]:
    """The links whose both ends satisfy a test's requirements."""
    want_drivers = set(drivers)
    want_features = set(features)

    def fits(port: Port) -> bool:
        return (
            (not want_drivers or port.driver in want_drivers)
            and port.queues >= min_queues
            and want_features <= port.features
        )

    return [link for link in lab.links if fits(link.tx) and fits(link.rx)]
