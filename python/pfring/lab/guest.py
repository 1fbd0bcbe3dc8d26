# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs inside the guest, around the command a lab run was asked for.

    python -m pfring.lab.guest --lab-file F --out DIR -- CMD [ARG...]
    python -m pfring.lab.guest --lab-file F --out DIR --command-file FILE

(FILE: the command as a JSON list; the host's runner writes it into the run folder.)

Before: load the lab's NIC drivers, wait until every port of the lab file is bound to its
driver, bring the ports up, mount debugfs, and check that the kernel booted without a
report (BOOT_FAULT: CMD is not run). After: ask kmemleak for a scan (where the kernel
has it) and leave the kernel log, kmemleak's findings and CMD's exit code in DIR for the
host to check.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from pfring.testing.kernel_log import find_reports, format_reports
from pfring.testing.labfile import Lab, Port, load_lab

SETUP_FAILED = 125
# The kernel reported a fault while booting, before CMD (or anything of ours) ran: the
# host boots again (pfring.lab.runner). Seen once in the sanitizer kernel's boot under
# TCG (KASAN in an early interrupt during CPU identification): such a report taints the
# kernel and turns lockdep off, so the run could not prove anything.
BOOT_FAULT = 124
BOOT_FAULT_FILE = "boot-fault"
SYSFS = Path("/sys")
KMEMLEAK = SYSFS / "kernel/debug/kmemleak"
KMEMLEAK_MIN_AGE = 6.0
KMEMLEAK_SCANS = 4


def bound_driver(port: Port) -> str | None:
    """The driver bound to a port's PCI device, or None."""
    if port.pci is None:
        return None
    link = SYSFS / "bus/pci/devices" / port.pci / "driver"
    return os.path.basename(os.readlink(link)) if link.is_symlink() else None


def load_drivers(lab: Lab) -> None:
    for driver in lab.drivers():
        if not (SYSFS / "bus/pci/drivers" / driver).is_dir():
            subprocess.run(["modprobe", driver], check=True)


def wait_for_ports(lab: Lab, timeout: float = 30.0) -> list[str]:
    """Wait until each port is bound to its driver and has an interface; returns problems."""
    deadline = time.monotonic() + timeout
    while True:
        problems = []
        for port in lab.ports:
            driver = bound_driver(port) if port.pci else port.driver
            if driver != port.driver:
                problems.append(f"{port.name} ({port.pci}): driver {driver}, want {port.driver}")
                continue
            try:
                port.interface()
            except LookupError as e:
                problems.append(str(e))
        if not problems or time.monotonic() > deadline:
            return problems
        time.sleep(0.2)


def largest_rx_ring(ifname: str) -> None:
    """Give the NIC its largest RX ring. Under emulation the guest's CPU can stall for
    a while; a burst then overruns the default 256 descriptors, a loss of the lab that
    would hide or fake a loss of what a test examines."""
    shown = subprocess.run(["ethtool", "-g", ifname], capture_output=True, text=True,
                           check=False).stdout
    maximum = shown.split("Pre-set maximums:", 1)[-1].split("Current", 1)[0]
    found = re.search(r"^RX:\s+(\d+)", maximum, re.M)
    if found:
        subprocess.run(["ethtool", "-G", ifname, "rx", found.group(1)], check=False)


def bring_up(lab: Lab) -> None:
    from pyroute2 import IPRoute

    with IPRoute() as ipr:
        for port in lab.ports:
            largest_rx_ring(port.interface())
            index = ipr.link_lookup(ifname=port.interface())[0]
            ipr.link("set", index=index, state="up")


def mount_debugfs() -> None:
    if not (SYSFS / "kernel/debug").is_dir() or any((SYSFS / "kernel/debug").iterdir()):
        return
    subprocess.run(["mount", "-t", "debugfs", "none", str(SYSFS / "kernel/debug")], check=False)


def setup(lab: Lab) -> list[str]:
    mount_debugfs()
    load_drivers(lab)
    problems = wait_for_ports(lab)
    if problems:
        return problems
    bring_up(lab)
    for port in lab.ports:
        print(f"lab: {port.name:10} {port.interface():8} {port.pci} {bound_driver(port)}")
    return []


def kernel_log() -> str:
    return subprocess.run(["dmesg"], capture_output=True, text=True, check=False).stdout


def collect(out: Path, rc: int) -> None:
    """Leave the kernel log, kmemleak's findings and the exit code for the host."""
    if KMEMLEAK.exists():
        # kmemleak reports a block only once it is older than 5 s and a scan found it
        # unreferenced; a stale pointer copy can hide it from one scan: wait out that
        # age, then scan until something is reported, a few times at most.
        time.sleep(KMEMLEAK_MIN_AGE)
        found = ""
        for _ in range(KMEMLEAK_SCANS):
            KMEMLEAK.write_text("scan")
            found = KMEMLEAK.read_text()
            if found:
                break
        (out / "kmemleak.log").write_text(found)
    (out / "dmesg.log").write_text(kernel_log())
    (out / "rc").write_text(f"{rc}\n")


def read_command(path: Path) -> list[str]:
    """The command written by the host: a JSON list of strings."""
    command = json.loads(path.read_text())
    if not isinstance(command, list) or not all(isinstance(a, str) for a in command):
        raise SystemExit(f"pfring.lab.guest: {path}: not a JSON list of strings")
    return command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pfring.lab.guest")
    parser.add_argument("--lab-file", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--command-file", type=Path)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if args.command_file is not None:
        if command:
            parser.error("a command and --command-file: give one")
        command = read_command(args.command_file)
    lab = load_lab(args.lab_file)
    os.environ["PFRING_LAB_FILE"] = str(args.lab_file)  # the harness's default lab file
    problems = setup(lab)
    faults = find_reports(kernel_log())
    if faults:
        print("lab: the kernel reported a fault while booting; nothing was run:",
              file=sys.stderr)
        print(format_reports(faults), file=sys.stderr)
        (args.out / BOOT_FAULT_FILE).write_text(format_reports(faults) + "\n")
        rc = BOOT_FAULT
    elif problems:
        print("lab: the NICs did not come up as the lab file says:", file=sys.stderr)
        for problem in problems:
            print(f"lab:   {problem}", file=sys.stderr)
        rc = SETUP_FAILED
    else:
        sys.stdout.flush()
        rc = subprocess.call(command) if command else 0
    collect(args.out, rc)
    return rc


if __name__ == "__main__":
    sys.exit(main())
