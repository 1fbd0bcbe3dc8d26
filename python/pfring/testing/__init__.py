# SPDX-License-Identifier: LGPL-2.1-or-later
"""The hardware-in-the-loop harness: lab files, traffic, kernel log checks, the pytest plugin."""
