# SPDX-License-Identifier: LGPL-2.1-or-later
"""The lab demo, run inside the guest by 'invoke lab.demo': the NICs, their drivers,
frames sent over every link and accounted for at the other end, then pfcount capturing
on an e1000e through pf_ring.ko (when they are built)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from pfring.build import user_build_dir
from pfring.testing.kmod import ModuleLoader
from pfring.testing.labfile import Lab, load_lab
from pfring.testing.plugin import built_module
from pfring.testing.traffic import deliver, send_stream, wait_for_carrier

FRAMES = 200


def links_demo(lab: Lab) -> int:
    failures = 0
    for link in lab.links:
        tx, rx = link.tx.interface(), link.rx.interface()
        delivery = deliver(tx, rx, FRAMES)
        verdict = "exact" if delivery.exact else "NOT EXACT"
        failures += not delivery.exact
        print(f"demo: {link.id:22} {tx} -> {rx}: {delivery.summary()}: {verdict}")
    return failures


def pfcount_demo(lab: Lab) -> int:
    """pfcount -N FRAMES on the first e1000e link's receiver while FRAMES are sent."""
    module, pfcount = built_module("pf_ring"), user_build_dir() / "bin/pfcount"
    if not module.is_file() or not pfcount.is_file():
        print(f"demo: pf_ring.ko or pfcount not built for {platform.release()}: skipped")
        return 0
    link = next(link for link in lab.links if link.rx.driver == "e1000e")
    tx, rx = link.tx.interface(), link.rx.interface()
    loader = ModuleLoader()
    loader.load(module)
    try:
        print(f"demo: pfcount -i {rx} -N {FRAMES} while {FRAMES} frames are sent on {tx}")
        # -J: no promiscuous mode; the frames are addressed to rx
        proc = subprocess.Popen([str(pfcount), "-i", rx, "-N", str(FRAMES), "-J"],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(2)  # let it open and enable its ring
        send_stream(tx, rx, FRAMES)
        try:
            out, _ = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        print(out.rstrip())
        return 0 if proc.returncode == 0 else 1
    finally:
        loader.unload("pf_ring")


def main() -> int:
    lab = load_lab(Path(os.environ["PFRING_LAB_FILE"]))
    print(f"demo: lab {lab.name}: {len(lab.ports)} ports, {len(lab.links)} links")
    wait_for_carrier(p.interface() for p in lab.ports)
    failures = links_demo(lab)
    failures += pfcount_demo(lab)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
