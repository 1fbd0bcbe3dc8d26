# SPDX-License-Identifier: LGPL-2.1-or-later
"""Invoke's entry point: `invoke --list`. The tasks live in python/pfring/tasks/."""

from pfring.tasks import namespace

__all__ = ["namespace"]
