# SPDX-License-Identifier: LGPL-2.1-or-later
"""tests/boot's marker: `sanitize` on the tests that boot the sanitizer kernel (`invoke test`
deselects them with -m 'not sanitize' when the run leaves that kernel out)."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sanitize: boots the sanitizer kernel (KASAN, kmemleak)")
