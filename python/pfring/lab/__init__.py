# SPDX-License-Identifier: LGPL-2.1-or-later
"""The virtual lab: a Debian kernel under QEMU (virtme-ng) with emulated Intel NICs.

kernels: which kernel boots; topology: the NICs and the lab file; runner: one boot that
runs a command; guest: what runs inside the guest around that command; sanitize: the
KASAN/lockdep/kmemleak kernel. The kernel-log check is pfring.testing.kernel_log, which
the harness shares.
"""
