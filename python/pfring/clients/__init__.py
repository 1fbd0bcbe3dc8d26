# SPDX-License-Identifier: LGPL-2.1-or-later
"""Real PF_RING applications, built from their distributions' source against this
checkout's installed headers and libpfring, for the lab suite to run as users would.

Their builds are slow, so they live in the cache outside the repository
(pfring.paths.cache_root()), keyed on what they were compiled against.

- suricata: Suricata 7 from Debian's source (--pfring-int, cluster_flow).
"""
