# SPDX-License-Identifier: LGPL-2.1-or-later
"""The Invoke tasks: tasks.py at the top of the repository only imports `namespace`.

The logic lives in the package (pfring.deps, pfring.build, pfring.lab, pfring.suite);
each task parses its options and calls it.
"""

from pfring.tasks.collection import namespace

__all__ = ["namespace"]
