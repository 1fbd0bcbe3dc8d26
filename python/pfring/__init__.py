# SPDX-License-Identifier: LGPL-2.1-or-later
"""PF_RING for Python: bindings, the virtual NIC lab and the lab test harness."""

__version__ = "0.1.0"
