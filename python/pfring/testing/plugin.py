# SPDX-License-Identifier: LGPL-2.1-or-later
"""The pytest plugin (entry point 'pfring_lab'): lab file, links, modules, traffic, log checks.

    pytest --lab-file lab.toml tests/lab

Markers choose what a test needs; a test whose needs the lab lacks is skipped with the
reason, never passed:

    @pytest.mark.require_driver("igb")      both ends of the link bound to igb
    @pytest.mark.require_queues(2)          both ends with at least 2 RX queues
    @pytest.mark.require_feature("hwts")    both ends with a hardware feature
    @pytest.mark.disruptive                 the test changes device state (it restores it)
    @pytest.mark.one_way                    one direction of each pair of ports only

Every test run with a lab file gets the kernel-log check: a BUG, Oops, WARNING, KASAN,
lockdep, refcount or kmemleak report logged while it ran fails it.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pfring.testing.kernel_log import format_reports
from pfring.testing.kmod import ModuleLoader
from pfring.testing.kmsg import KmsgCursor
from pfring.testing.labfile import Lab, Link, load_lab, select_links
from pfring.testing.traffic import wait_for_carrier

MARKERS = (
    "require_driver(*names): the link's ports must be bound to one of these drivers",
    "require_queues(n): the link's ports must have at least n RX queues",
    "require_feature(*names): the link's ports must have these hardware features",
    "disruptive: the test changes device or module state (and restores it)",
    "one_way: the test runs on one direction of each pair of ports (the other direction "
    "takes the same code)",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("pfring", "PF_RING lab")
    group.addoption(
        "--lab-file",
        type=Path,
        default=os.environ.get("PFRING_LAB_FILE"),
        help="TOML lab file naming this host's ports and links (env PFRING_LAB_FILE)",
    )


def pytest_configure(config: pytest.Config) -> None:
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)


def _lab_or_none(config: pytest.Config) -> Lab | None:
    path = config.getoption("--lab-file")
    return load_lab(Path(path)) if path else None


def _marker_args(item: pytest.Function | pytest.Item, name: str) -> list[object]:
    return [arg for mark in item.iter_markers(name) for arg in mark.args]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test taking 'link' runs once per lab link that meets its markers."""
    if "link" not in metafunc.fixturenames:
        return
    lab = _lab_or_none(metafunc.config)
    if lab is None:
        metafunc.parametrize(
            "link", [pytest.param(None, marks=pytest.mark.skip(reason="no --lab-file"))]
        )
        return
    drivers = [str(a) for a in _marker_args(metafunc.definition, "require_driver")]
    queues = [int(str(a)) for a in _marker_args(metafunc.definition, "require_queues")]
    features = [str(a) for a in _marker_args(metafunc.definition, "require_feature")]
    links = select_links(lab, drivers, max(queues, default=1), features)
    if list(metafunc.definition.iter_markers("one_way")):
        one_way: dict[frozenset[str], Link] = {}
        for link in links:
            one_way.setdefault(frozenset((link.tx.name, link.rx.name)), link)
        links = list(one_way.values())
    if links:
        metafunc.parametrize("link", links, ids=[link.id for link in links])
        return
    need = ", ".join(
        part for part in (
            f"driver in {drivers}" if drivers else "",
            f">= {max(queues)} queues" if queues else "",
            f"features {features}" if features else "",
        ) if part
    )
    reason = f"lab {lab.name!r} has no link with {need or 'two ends'}"
    metafunc.parametrize("link", [pytest.param(None, marks=pytest.mark.skip(reason=reason))])


@pytest.fixture(scope="session")
def lab(pytestconfig: pytest.Config) -> Lab:
    """The lab this run was given (skips the test when there is none)."""
    found = _lab_or_none(pytestconfig)
    if found is None:
        pytest.skip("no lab file: run in the lab (invoke lab.test) or pass --lab-file")
    return found


@dataclass(frozen=True)
class LinkEnds:
    """A link with its interfaces resolved and carrier up on both ends."""

    link: Link
    tx: str
    rx: str


@pytest.fixture
def link_ifs(link: Link) -> LinkEnds:
    """The link's interface names, once both ends have carrier."""
    ends = LinkEnds(link, link.tx.interface(), link.rx.interface())
    wait_for_carrier([ends.tx, ends.rx])
    return ends


@pytest.fixture
def defer() -> Iterator[Callable[[Callable[[], object]], None]]:
    """Register cleanups; they run last-in first-out after the test, even when it failed."""
    cleanups: list[Callable[[], object]] = []
    yield cleanups.append
    errors = []
    for cleanup in reversed(cleanups):
        try:
            cleanup()
        except Exception as e:
            errors.append(e)
    if errors:
        raise errors[0]


@pytest.fixture(autouse=True)
def _kernel_log_check(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a lab test that left a BUG/Oops/WARNING/KASAN/lockdep/kmemleak report."""
    if request.config.getoption("--lab-file") is None or not os.access("/dev/kmsg", os.R_OK):
        yield
        return
    cursor = KmsgCursor()
    try:
        yield
        reports = cursor.reports()
    finally:
        cursor.close()
    if reports:
        pytest.fail(format_reports(reports), pytrace=False)


class LoadedModules:
    """Modules a test loaded; unloaded in reverse order when it ends."""

    def __init__(self) -> None:
        self.loader = ModuleLoader()
        self.names: list[str] = []

    def load(self, path: Path, **params: object) -> str:
        name = self.loader.load(path, params)
        self.names.append(name)
        return name

    def unload_all(self) -> None:
        while self.names:
            self.loader.unload(self.names.pop())


@pytest.fixture
def kernel_modules(lab: Lab) -> Iterator[LoadedModules]:
    """Load module files with parameters (OSError with the kernel's errno on refusal)."""
    modules = LoadedModules()
    yield modules
    modules.unload_all()


def built_module(name: str, release: str | None = None) -> Path:
    """Where 'invoke build' leaves an out-of-tree module for a kernel release."""
    from pfring.paths import build_root

    release = release or platform.release()
    return build_root() / release / "modules" / f"{name}.ko"


@pytest.fixture
def pf_ring_module(
    kernel_modules: LoadedModules,
) -> Callable[..., str]:
    """Load pf_ring.ko (built by 'invoke build' for this kernel) with parameters; it is
    unloaded after the test and the kernel log checked."""
    path = built_module("pf_ring")
    if not path.is_file():
        pytest.skip(f"pf_ring.ko is not built for {platform.release()} ({path})")

    def load(**params: object) -> str:
        return kernel_modules.load(path, **params)

    return load
