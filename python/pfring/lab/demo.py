# SPDX-License-Identifier: LGPL-2.1-or-later
"""The lab demo, run inside the guest by 'invoke lab.demo': the NICs, their drivers, and
frames sent over every link, each accounted for at the other end."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from pfring.testing.labfile import load_lab
from pfring.testing.traffic import deliver, wait_for_carrier

FRAMES = 200


def main() -> int:
    lab = load_lab(Path(os.environ["PFRING_LAB_FILE"]))
    print(f"demo: lab {lab.name}: {len(lab.ports)} ports, {len(lab.links)} links")
    wait_for_carrier(p.interface() for p in lab.ports)
    failures = 0
    for link in lab.links:
        tx, rx = link.tx.interface(), link.rx.interface()
        delivery = deliver(tx, rx, FRAMES)
        verdict = "exact" if delivery.exact else "NOT EXACT"
        failures += not delivery.exact
        print(f"demo: {link.id:22} {tx} -> {rx}: {delivery.summary()}: {verdict}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
