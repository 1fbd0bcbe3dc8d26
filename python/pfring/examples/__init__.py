# SPDX-License-Identifier: LGPL-2.1-or-later
"""Small programs that show the API at work: `python -m pfring.examples.NAME --help`."""
