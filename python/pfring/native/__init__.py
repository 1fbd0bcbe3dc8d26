# SPDX-License-Identifier: LGPL-2.1-or-later
"""The compiled binding to libpfring (cffi, API mode), built by 'invoke build'.

glue.h is the small C layer the binding compiles in: it turns libpfring's packed packet
header into a flat struct and fills numpy buffers a batch at a time, so that Python
never reads the ring layout itself. build.py holds the cffi definitions.
"""
