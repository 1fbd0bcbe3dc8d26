# SPDX-License-Identifier: LGPL-2.1-or-later
"""One lab boot: a fresh guest runs one command, and its kernel log is checked after.

The guest sees the host's filesystem read-only (the repository and its venv included);
the run's own folder, given to vng with --rwdir, is where the guest writes: the lab file
it reads, its kernel log, its exit code, and whatever the command leaves (test reports).
"""

from __future__ import annotations

import json
import os
import select
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pfring.lab.guest import BOOT_FAULT, BOOT_FAULT_FILE
from pfring.lab.kernels import LabKernel
from pfring.lab.topology import GUEST_CPUS, VIRTUAL_TOPOLOGY, NicSpec, qemu_opts, render_lab_file
from pfring.lab.vng import vng_argv, vng_env
from pfring.paths import build_root, repo_root
from pfring.testing.kernel_log import KernelReport, find_reports, format_reports

GUEST_MEMORY = "2G"
QEMU_LOG = "qemu.log"


class LabRunError(RuntimeError):
    """The guest did not finish, or its kernel log has reports."""

    def __init__(self, message: str, result: LabRunResult | None = None) -> None:
        super().__init__(message)
        self.result = result


@dataclass
class LabRunResult:
    """What one boot left: the command's exit code, the kernel log and its reports."""

    returncode: int
    out_dir: Path
    kernel: LabKernel
    seconds: float
    reports: list[KernelReport] = field(default_factory=list)

    @property
    def dmesg(self) -> str:
        return (self.out_dir / "dmesg.log").read_text(errors="replace")

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.reports


def new_run_dir() -> Path:
    """A fresh folder for one run, under build/lab-runs/ (kept for reading afterwards)."""
    runs = build_root() / "lab-runs"
    runs.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=time.strftime("%Y%m%d-%H%M%S-"), dir=runs))


# Where the guest finds the command it runs (JSON, an argv list), in the run folder
COMMAND_FILE = "command.json"


def guest_command(command: Sequence[str], out_dir: Path) -> list[str]:
    """The command the guest runs: our wrapper, which reads the caller's command from the
    run folder. vng passes --exec on the kernel command line, whose 2048 bytes a test
    selection (-k) outgrows: the kernel would not boot, and QEMU would exit silently."""
    (out_dir / COMMAND_FILE).write_text(json.dumps(list(command)) + "\n")
    return [
        sys.executable, "-m", "pfring.lab.guest",
        "--lab-file", str(out_dir / "lab.toml"),
        "--out", str(out_dir),
        "--command-file", str(out_dir / COMMAND_FILE),
    ]


def kernel_params(kernel: LabKernel) -> list[str]:
    """Parameters a lab kernel boots with, beyond vng's own.

    The sanitizer kernel runs with 4-level paging. With 5-level paging (QEMU's -cpu max
    offers LA57), 6.1's identify_cpu() clears the boot CPU's feature bits while it
    re-reads them, so that for a moment pgtable_l5_enabled() is false: an interrupt in
    that window fails KASAN's address-range check, which depends on it ("wild-memory-
    access" in handle_edge_irq with x86_model on the stack, seen one boot in three).
    """
    return ["no5lvl"] if kernel.name == "sanitize" else []


def vng_run_argv(
    kernel: LabKernel,
    out_dir: Path,
    command: Sequence[str] | None,
    nics: tuple[NicSpec, ...] = VIRTUAL_TOPOLOGY,
    extra_rwdirs: Sequence[Path] = (),
) -> list[str]:
    """vng's argv for one boot (TCG: KVM hangs on this workplace's hosts)."""
    argv = vng_argv(
        "--run", kernel.run_target,
        "--disable-kvm",
        "--disable-microvm",
        "--cpus", str(GUEST_CPUS),
        "--memory", GUEST_MEMORY,
        "--cwd", str(repo_root()),
        "--rwdir", str(out_dir),
        # QEMU notes each CPU reset in the run folder: a triple fault says so there
        "--qemu-opts=" + shlex.join([*qemu_opts(nics), "-d", "cpu_reset",
                                     "-D", str(out_dir / QEMU_LOG)]),
        "--append", " ".join(["panic=-1", *kernel_params(kernel),
                              *os.environ.get("PFRING_LAB_APPEND", "").split()]),
    )
    if os.environ.get("PFRING_LAB_VERBOSE"):
        argv.append("--verbose")  # the kernel's boot messages on the console
    for rwdir in extra_rwdirs:
        argv += ["--rwdir", str(rwdir)]
    if command is not None:
        argv += ["--exec", shlex.join(guest_command(command, out_dir))]
    return argv


def prepare_boot(
    kernel: LabKernel,
    out_dir: Path,
    command: Sequence[str],
    nics: tuple[NicSpec, ...],
    extra_rwdirs: Sequence[Path] = (),
) -> list[str]:
    """Write the run folder's lab file (the guest reads it there) and return vng's argv."""
    (out_dir / "lab.toml").write_text(render_lab_file(nics, kernel.name))
    return vng_run_argv(kernel, out_dir, command, nics, extra_rwdirs)


def check_run(result: LabRunResult) -> None:
    """Read what the guest left; raise LabRunError if it did not finish."""
    rc_file = result.out_dir / "rc"
    dmesg = result.out_dir / "dmesg.log"
    if not rc_file.is_file() or not dmesg.is_file():
        raise LabRunError(
            f"the guest did not finish (no exit code in {result.out_dir}): it crashed, "
            "panicked or was stopped; its console output is above",
            result,
        )
    result.returncode = int(rc_file.read_text())
    log = dmesg.read_text(errors="replace")
    kmemleak = result.out_dir / "kmemleak.log"
    if kmemleak.is_file():
        log += "\n" + kmemleak.read_text(errors="replace")
    result.reports = find_reports(log)


# What the guest's wrapper (pfring.lab.guest) prints first, once the guest has booted
BOOT_MARKER = b"lab: "
# How long a boot may take before the guest is taken for hung (seen twice under TCG:
# QEMU idle, no output) and booted again. 6.1 and 6.12 print their first line after
# about 25 s on an idle host: 150 s leaves room for a host several times slower.
BOOT_TIMEOUT_S = 150.0
# KASAN and lockdep: its first line after 4 to 6 minutes (udev's coldplug alone takes
# one to three); a hung boot (seen once, quiet from its first second) costs no more
SANITIZE_BOOT_TIMEOUT_S = 720.0


class LabBootFailure(LabRunError):
    """The guest ended before it printed anything of its own: it never ran the command."""


class LabBootTimeout(LabBootFailure):
    """The guest printed nothing of its own within the boot timeout."""


# How many times a boot that never reached the command is tried in all
BOOT_ATTEMPTS = 3


def boot_timeout(kernel: LabKernel) -> float:
    return SANITIZE_BOOT_TIMEOUT_S if kernel.name == "sanitize" else BOOT_TIMEOUT_S


def relay_output(argv: list[str], log: Path, timeout: float | None,
                 boot_timeout: float | None = None) -> None:
    """Run vng, copying what the guest prints to our stdout and to log as it comes.

    QEMU opens vng's stdout anew (/proc/self/fd/1) with O_TRUNC: handed a file, it would
    overwrite what came before the boot. A pipe read here keeps everything in order.
    With boot_timeout, a guest that has not printed BOOT_MARKER by then is stopped
    (LabBootTimeout), and one that ends before printing it is a LabBootFailure.
    """
    started = time.monotonic()
    deadline = None if timeout is None else started + timeout
    boot_deadline = None if boot_timeout is None else started + boot_timeout
    seen = b""
    with log.open("wb") as copy, subprocess.Popen(
        argv, env=vng_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    ) as proc:
        assert proc.stdout is not None
        out = sys.stdout.buffer
        while True:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                proc.kill()
                raise LabRunError(f"the lab run took longer than {timeout} s and was stopped")
            if boot_deadline is not None and time.monotonic() > boot_deadline:
                proc.kill()
                raise LabBootTimeout(f"the guest had not booted after {boot_timeout:.0f} s")
            ready, _, _ = select.select([proc.stdout], [], [], min(left or 1.0, 1.0))
            if not ready:
                continue
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            out.write(chunk)
            out.flush()
            copy.write(chunk)
            if boot_deadline is not None:
                seen = (seen + chunk)[-4096:]
                if BOOT_MARKER in seen:
                    boot_deadline = None
                    print(f"lab: the guest booted in {time.monotonic() - started:.0f} s",
                          flush=True)
        status = proc.wait()
    if boot_deadline is not None:
        raise LabBootFailure(f"the guest ended before it booted (QEMU's exit status {status})")


def boot_failure_cause(qemu_log: Path) -> str:
    """What QEMU's log says about a guest that ended early, in a few words."""
    if qemu_log.is_file() and "Triple fault" in qemu_log.read_text(errors="replace"):
        return "the CPU took a triple fault"
    return "QEMU's log names no cause"


def boot(argv: list[str], out_dir: Path, kernel: LabKernel, timeout: float | None) -> None:
    """One boot of the guest: a boot that never reached the command is tried again.

    A guest that hangs under TCG before its first line (seen once), or whose QEMU ends
    before it (the console is quiet: qemu.log says whether the CPU took a triple fault),
    says nothing of the command, which did not run. Each failed attempt's console and
    QEMU logs are kept beside the run's.
    """
    for attempt in range(1, BOOT_ATTEMPTS + 1):
        try:
            relay_output(argv, out_dir / "console.log", timeout, boot_timeout(kernel))
            return
        except LabBootFailure as e:
            message = str(e)
            if not isinstance(e, LabBootTimeout):
                message += f": {boot_failure_cause(out_dir / QEMU_LOG)}"
            for name in ("console.log", QEMU_LOG):
                if (out_dir / name).is_file():
                    (out_dir / name).replace(out_dir / f"{name}.failed-boot-{attempt}")
            if attempt == BOOT_ATTEMPTS:
                raise LabBootFailure(f"{message}; {attempt} boots failed, see {out_dir}") from e
            print(f"lab: {message}; booting again", flush=True)


def run_in_lab(
    command: Sequence[str],
    kernel: LabKernel,
    *,
    nics: tuple[NicSpec, ...] = VIRTUAL_TOPOLOGY,
    out_dir: Path | None = None,
    timeout: float | None = None,
    extra_rwdirs: Sequence[Path] = (),
    dry_run: bool = False,
) -> LabRunResult:
    """Boot a fresh guest, run command in it (output streamed), check its kernel log.

    Returns the result whatever the command's exit code; the caller decides. The kernel
    log's reports are in result.reports (result.ok is False when there are any).
    """
    out_dir = out_dir or new_run_dir()
    argv = prepare_boot(kernel, out_dir, command, nics, extra_rwdirs)
    if dry_run:
        print(shlex.join(argv))
        return LabRunResult(0, out_dir, kernel, 0.0)
    print(f"lab: booting {kernel.release} ({kernel.name}); run folder {out_dir}", flush=True)
    start = time.monotonic()
    boot(argv, out_dir, kernel, timeout)
    result = LabRunResult(-1, out_dir, kernel, time.monotonic() - start)
    check_run(result)
    if result.returncode == BOOT_FAULT and (out_dir / BOOT_FAULT_FILE).is_file():
        # The kernel's own boot, before anything of ours: kept, shown, and booted again
        faulty = out_dir / "dmesg-faulty-boot.log"
        (out_dir / "dmesg.log").replace(faulty)
        (out_dir / BOOT_FAULT_FILE).replace(out_dir / f"{BOOT_FAULT_FILE}-1")
        (out_dir / "rc").unlink()
        print(f"lab: the kernel reported a fault while booting, before the command ran "
              f"(see {faulty}):\n{format_reports(result.reports)}\nlab: booting once more",
              flush=True)
        boot(argv, out_dir, kernel, timeout)
        result = LabRunResult(-1, out_dir, kernel, time.monotonic() - start)
        check_run(result)
    if result.reports:
        print(format_reports(result.reports), file=sys.stderr)
    print(f"lab: exit code {result.returncode}, {len(result.reports)} kernel report(s), "
          f"{result.seconds:.0f} s", flush=True)
    return result


def shell_in_lab(kernel: LabKernel, nics: tuple[NicSpec, ...] = VIRTUAL_TOPOLOGY) -> int:
    """An interactive shell in a fresh guest with the lab's NICs set up."""
    argv = prepare_boot(kernel, new_run_dir(), ["bash", "-i"], nics)
    return subprocess.call(argv, env=vng_env())
