# SPDX-License-Identifier: LGPL-2.1-or-later
"""The choice of Debian's newest kernel source for the build-only check."""

from __future__ import annotations

from pathlib import Path

import pytest

from pfring.newest_kernel import mirror_uri, newest_package


def test_the_highest_version_wins_numerically() -> None:
    listing = ("linux-source - Linux kernel source (meta-package)\n"
               "linux-source-6.1 - Linux kernel source for version 6.1 with Debian patches\n"
               "linux-source-7.2 - Linux kernel source for version 7.2 with Debian patches\n"
               "linux-source-6.12 - Linux kernel source for version 6.12 with Debian patches\n")
    assert newest_package(listing) == "linux-source-7.2"
    assert newest_package("linux-source-6.9 - x\nlinux-source-6.12 - x\n") == "linux-source-6.12"


def test_no_versioned_source_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="no linux-source"):
        newest_package("linux-source - Linux kernel source (meta-package)\n")


def test_the_mirror_is_the_one_apt_already_uses(tmp_path: Path) -> None:
    sources = tmp_path / "debian.sources"
    sources.write_text("Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm\n\n"
                       "Types: deb\nURIs: http://mirror.example/debian-security\n")
    assert mirror_uri(sources) == "http://mirror.example/debian"
