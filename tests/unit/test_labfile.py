# SPDX-License-Identifier: LGPL-2.1-or-later
from __future__ import annotations

import time
import tomllib
from pathlib import Path

import pytest

from pfring.lab.topology import VIRTUAL_TOPOLOGY, qemu_opts, render_lab_file
from pfring.testing.labfile import LabFileError, Port, load_lab, parse_lab, select_links


def test_the_virtual_lab_file_describes_the_topology(tmp_path: Path) -> None:
    path = tmp_path / "lab.toml"
    path.write_text(render_lab_file(VIRTUAL_TOPOLOGY, "6.1"))
    lab = load_lab(path)
    assert lab.name == "virtual-lab-6.1"
    assert [(p.name, p.driver, p.pci) for p in lab.ports] == [
        ("igb-a", "igb", "0000:00:0b.0"),
        ("e1000e-a", "e1000e", "0000:00:0c.0"),
        ("igb-b", "igb", "0000:00:0d.0"),
        ("e1000e-b", "e1000e", "0000:00:0e.0"),
    ]
    assert sorted(link.id for link in lab.links) == [
        "e1000e-a->e1000e-b", "e1000e-b->e1000e-a", "igb-a->igb-b", "igb-b->igb-a",
    ]
    assert [link.id for link in select_links(lab, drivers=["igb"], min_queues=2)] == [
        "igb-a->igb-b", "igb-b->igb-a",
    ]
    assert select_links(lab, min_queues=3) == []
    assert select_links(lab, features=["hw_timestamp"]) == []


def test_qemu_gets_explicit_slots_and_one_hub_per_cable() -> None:
    opts = " ".join(qemu_opts(VIRTUAL_TOPOLOGY))
    for slot in ("0x0b", "0x0c", "0x0d", "0x0e"):
        assert f"addr={slot}" in opts
    assert opts.count("hubid=0") == 2 and opts.count("hubid=1") == 2
    assert opts.count("-device igb,") == 2 and opts.count("-device e1000e,") == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "at least one"),
        ('[[port]]\ndriver = "igb"\npci = "x"\n', "missing 'name'"),
        ('[[port]]\nname = "a"\npci = "x"\n', "missing 'driver'"),
        ('[[port]]\nname = "a"\ndriver = "igb"\n', "give 'pci' or 'ifname'"),
        ('[[port]]\nname = "a"\ndriver = "igb"\npci = "x"\nqueues = 0\n', "'queues'"),
        ('[[port]]\nname = "a"\ndriver = "igb"\nifname = "x"\n'
         '[[port]]\nname = "a"\ndriver = "igb"\nifname = "y"\n', "used twice"),
        ('[[port]]\nname = "a"\ndriver = "igb"\nifname = "x"\n[[link]]\ntx = "a"\nrx = "b"\n',
         "no port named 'b'"),
    ],
)
def test_malformed_lab_files_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(LabFileError, match=message):
        parse_lab(tomllib.loads(text))


def test_a_port_finds_its_interface_from_its_pci_address(tmp_path: Path) -> None:
    (tmp_path / "bus/pci/devices/0000:00:0c.0/net/enp0s12").mkdir(parents=True)
    port = Port("e", "e1000e", pci="0000:00:0c.0")
    assert port.interface(tmp_path) == "enp0s12"
    with pytest.raises(LookupError, match="no network interface"):
        Port("f", "e1000e", pci="0000:00:0f.0").interface(tmp_path)


def test_guest_kernel_parameters_can_be_added(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pfring.lab.kernels import LabKernel
    from pfring.lab.runner import vng_run_argv

    kernel = LabKernel("6.1", "6.1.0-test", tmp_path / "vmlinuz", tmp_path)

    sanitize = LabKernel("sanitize", "6.1.192", tmp_path / "bzImage", tmp_path)

    def appended(k: LabKernel = kernel) -> str:
        argv = vng_run_argv(k, tmp_path, None)
        return argv[argv.index("--append") + 1]

    monkeypatch.delenv("PFRING_LAB_APPEND", raising=False)
    assert appended() == "panic=-1"
    assert appended(sanitize) == "panic=-1 no5lvl"
    monkeypatch.setenv("PFRING_LAB_APPEND", " clocksource=tsc  tsc=reliable ")
    assert appended() == "panic=-1 clocksource=tsc tsc=reliable"


def test_a_long_command_stays_off_the_kernel_command_line(tmp_path: Path) -> None:
    """vng hands --exec to the guest on the kernel command line (2048 bytes on x86): a
    lab run's command goes through a file in the run folder, whatever its length, and
    the guest's wrapper reads back exactly the argv it was given."""
    from pfring.lab.guest import read_command
    from pfring.lab.kernels import LabKernel
    from pfring.lab.runner import COMMAND_FILE, vng_run_argv
    from pfring.suite import SANITIZER_SELECTION

    kernel = LabKernel("sanitize", "6.1.192", tmp_path / "bzImage", tmp_path)
    keyword = " and ".join([SANITIZER_SELECTION] * 4)
    command = ["python", "-m", "pytest", "tests/lab", "-k", keyword, "it's"]
    assert len(" ".join(command)) > 2048
    argv = vng_run_argv(kernel, tmp_path, command)
    exec_arg = argv[argv.index("--exec") + 1]
    assert len(exec_arg) < 3 * len(str(tmp_path)) + 150 and "test_libpfring" not in exec_arg
    assert read_command(tmp_path / COMMAND_FILE) == command
    (tmp_path / "bad.json").write_text('{"argv": "true"}')
    with pytest.raises(SystemExit, match="not a JSON list of strings"):
        read_command(tmp_path / "bad.json")


def test_a_guest_silent_past_the_boot_timeout_is_stopped(tmp_path: Path) -> None:
    """relay_output's boot watchdog, on real processes: one that never prints the
    guest's first line is killed at the boot timeout; one that does runs to its end."""
    from pfring.lab.runner import LabBootTimeout, relay_output

    log = tmp_path / "console.log"
    start = time.monotonic()
    with pytest.raises(LabBootTimeout):
        relay_output(["sh", "-c", "echo qemu warning; sleep 30"], log, 60.0, boot_timeout=1.0)
    assert time.monotonic() - start < 10
    relay_output(["sh", "-c", "echo 'lab: igb-a'; sleep 2; echo done"], log, 60.0,
                 boot_timeout=1.0)
    assert log.read_text() == "lab: igb-a\ndone\n"


def test_a_guest_that_ends_before_it_booted_is_booted_again(tmp_path: Path) -> None:
    """boot() on real processes standing for QEMU: one that exits before printing the
    guest's first line is a boot failure with its exit status; the boot is tried again
    (each failed attempt's console log kept) up to BOOT_ATTEMPTS times in all."""
    from pfring.lab.kernels import LabKernel
    from pfring.lab.runner import BOOT_ATTEMPTS, LabBootFailure, LabBootTimeout, boot, relay_output

    with pytest.raises(LabBootFailure, match="exit status 3") as failure:
        relay_output(["sh", "-c", "echo qemu warning; exit 3"], tmp_path / "x.log", 60.0, 60.0)
    assert not isinstance(failure.value, LabBootTimeout)

    kernel = LabKernel("sanitize", "6.1.192", tmp_path / "bzImage", tmp_path)
    counter = tmp_path / "attempts"
    # fails (silently, like a triple fault) until its n-th start, then boots and runs
    script = (f"n=$(( $(cat {counter} 2>/dev/null || echo 0) + 1 )); echo $n > {counter}; "
              "echo \"qemu $n\"; [ $n -ge {good} ] || exit 1; echo 'lab: up'")
    boot(["sh", "-c", script.format(good=BOOT_ATTEMPTS)], tmp_path, kernel, 60.0)
    assert counter.read_text() == f"{BOOT_ATTEMPTS}\n"
    assert (tmp_path / "console.log").read_text() == f"qemu {BOOT_ATTEMPTS}\nlab: up\n"
    for attempt in range(1, BOOT_ATTEMPTS):
        assert (tmp_path / f"console.log.failed-boot-{attempt}").read_text() == f"qemu {attempt}\n"

    counter.unlink()
    with pytest.raises(LabBootFailure, match=f"{BOOT_ATTEMPTS} boots failed"):
        boot(["sh", "-c", script.format(good=BOOT_ATTEMPTS + 1)], tmp_path, kernel, 60.0)
    assert counter.read_text() == f"{BOOT_ATTEMPTS}\n"


def test_a_boot_with_a_kernel_report_before_the_command_is_booted_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guest's first boot leaves what pfring.lab.guest leaves when the kernel reported
    a fault while booting; the second boots clean: the run is the second boot's, and
    the first one's log is kept beside it. A second faulty boot is the run's result."""
    from pfring.lab import runner
    from pfring.lab.guest import BOOT_FAULT, BOOT_FAULT_FILE
    from pfring.lab.kernels import LabKernel

    kasan = "[    1.8] BUG: KASAN: wild-memory-access in do_raw_spin_lock+0x11f/0x270\n"
    boots: list[int] = []

    def boot(argv: list[str], out_dir: Path, kernel: LabKernel, timeout: float | None) -> None:
        boots.append(1)
        faulty = len(boots) == 1 or clean_second_boot is False
        (out_dir / "dmesg.log").write_text(kasan if faulty else "[    1.8] fine\n")
        (out_dir / "rc").write_text(f"{BOOT_FAULT if faulty else 0}\n")
        if faulty:
            (out_dir / BOOT_FAULT_FILE).write_text(kasan)

    monkeypatch.setattr(runner, "boot", boot)
    kernel = LabKernel("sanitize", "6.1.192", tmp_path / "bzImage", tmp_path)
    clean_second_boot = True
    (tmp_path / "a").mkdir()
    result = runner.run_in_lab(["true"], kernel, out_dir=tmp_path / "a")
    assert (len(boots), result.returncode, result.reports) == (2, 0, [])
    assert (tmp_path / "a/dmesg-faulty-boot.log").read_text() == kasan
    boots.clear()
    clean_second_boot = False
    (tmp_path / "b").mkdir()
    result = runner.run_in_lab(["true"], kernel, out_dir=tmp_path / "b")
    assert (len(boots), result.returncode) == (2, BOOT_FAULT)
    assert [r.kind for r in result.reports] == ["BUG"]


def test_one_way_keeps_one_direction_of_each_pair(tmp_path: Path) -> None:
    import subprocess
    import sys

    lab = tmp_path / "lab.toml"
    lab.write_text(render_lab_file(VIRTUAL_TOPOLOGY, "6.1"))
    (tmp_path / "test_links.py").write_text(
        "import pytest\n\n"
        "def test_both(link):\n    pass\n\n"
        "@pytest.mark.one_way\n"
        "def test_one(link):\n    pass\n")
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q",
                           f"--lab-file={lab}", "-p", "no:cacheprovider", str(tmp_path)],
                          capture_output=True, text=True, check=False, cwd=tmp_path)
    ids = [line.split("::")[1] for line in done.stdout.splitlines() if "::" in line]
    assert len([i for i in ids if i.startswith("test_both[")]) == 4, done.stdout
    assert sorted(i for i in ids if i.startswith("test_one[")) == [
        "test_one[e1000e-a->e1000e-b]", "test_one[igb-a->igb-b]"], done.stdout
