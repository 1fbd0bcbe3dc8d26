# SPDX-License-Identifier: LGPL-2.1-or-later
"""Suricata 7, built from Debian's source against this checkout's libpfring, for the lab's
real-client test (tests/lab/test_suricata.py).

The source is Debian's orig tarball of the bookworm-backports package, pinned by its
SHA-256. It carries Rust's vendored crates and the generated C bindings, so Debian's own
rustc and cargo build it offline; libhtp comes from Debian (libhtp-dev). Everything
optional is configured away.

What it compiles against is our install: `make install` of userland/ into a staging root,
exactly as `invoke install --destdir` does, and Suricata's configure pointed at its
include/ and lib/ (--enable-pfring). So the build is part of the test: a change to our
public headers that breaks a PF_RING program breaks it.

The build takes a while on two cores, so it is kept in the cache outside the repository,
one folder per key:

    <cache>/suricata/<version>-<digest>/bin/suricata

the digest covering the tarball, the configure arguments and the content of our public
headers: when a header changes, the next `invoke build` builds again. The build runs in
a scratch folder beside it and is renamed into place only once complete, so an
interrupted build is never used. Suricata links libpfring dynamically; the test runs it
with LD_LIBRARY_PATH at this checkout's build/user/lib, so the cached binary always runs
today's library.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from pfring.build import user_build_dir
from pfring.paths import cache_root, repo_root

VERSION = "7.0.10"
TARBALL_NAME = f"suricata_{VERSION}.orig.tar.xz"
TARBALL_URL = f"http://deb.debian.org/debian/pool/main/s/suricata/{TARBALL_NAME}"
TARBALL_SHA256 = "8956f7de394652b7cb7ede4a1715b0c46798ac825d11f08a5785b07dae7a945a"

# What `make install` of userland/ puts under PREFIX/include, and where each comes from.
# The staged tree is checked against this list, so a new public header cannot be missed
# by the key (which the guest recomputes from the sources, without installing).
PUBLIC_HEADERS = {
    "pfring.h": "userland/lib/pfring.h",
    "linux/pf_ring.h": "kernel/include/uapi/linux/pf_ring.h",
    "pfring_zc.h": "userland/zc/pfring_zc.h",
}

# Debian's toolchain (bookworm: rustc 1.63, Suricata 7's minimum), never a rustup one.
RUSTC = Path("/usr/bin/rustc")
CARGO = Path("/usr/bin/cargo")
BUILD_PATH = "/usr/bin:/bin:/usr/sbin:/sbin"

# Everything Suricata can leave out is left out; {include} and {lib} are the staged
# libpfring's folders.
CONFIGURE_ARGS = (
    "--prefix=/usr", "--sysconfdir=/etc", "--localstatedir=/var",
    "--disable-gccmarch-native", "--disable-dependency-tracking", "--disable-shared",
    "--disable-suricata-update", "--disable-python", "--disable-af-xdp",
    "--disable-libmagic", "--enable-non-bundled-htp",
    "--enable-pfring", "--with-libpfring-includes={include}",
    "--with-libpfring-libraries={lib}",
    "CFLAGS=-O1",
)
# No debug information in the Rust part: it halves what the linker has to write. The
# build proves that Suricata compiles and runs against our headers and library, not how
# fast it runs: C at -O1 and Rust at opt-level 1 build sooner than release's -O2 and 3.
BUILD_ENV = {"CARGO_PROFILE_RELEASE_DEBUG": "false", "CARGO_NET_OFFLINE": "true",
             "CARGO_PROFILE_RELEASE_OPT_LEVEL": "1"}
# Besides the binary, the files a configuration names (src/etc/ of the source).
CONFIG_FILES = ("classification.config", "reference.config")
BUILT_MARK = "BUILT.json"
KEEP_BUILDS = 3


class SuricataUnavailable(RuntimeError):
    """There is no Suricata build for today's headers; the message says why."""


@dataclass(frozen=True)
class Build:
    """A complete build in the cache."""

    root: Path

    @property
    def binary(self) -> Path:
        return self.root / "bin" / "suricata"

    @property
    def etc(self) -> Path:
        return self.root / "etc"


def cache_dir() -> Path:
    return cache_root() / "suricata"


def header_digest(root: Path | None = None) -> str:
    """SHA-256 over the recipe (tarball, configure arguments, build environment) and our
    public headers' names and content, read from the sources."""
    root = root or repo_root()
    h = hashlib.sha256()
    recipe = {"tarball": TARBALL_SHA256, "configure": CONFIGURE_ARGS, "env": BUILD_ENV}
    h.update(json.dumps(recipe, sort_keys=True).encode())
    for name, source in sorted(PUBLIC_HEADERS.items()):
        h.update(f"\0{name}\0".encode())
        h.update((root / source).read_bytes())
    return h.hexdigest()


def build_key(root: Path | None = None) -> str:
    return f"{VERSION}-{header_digest(root)[:16]}"


def failure_note(key: str) -> Path:
    return cache_dir() / f"{key}.failed"


def find_suricata() -> Build:
    """The build for today's headers; SuricataUnavailable (with the reason) when there is
    none. Builds nothing: the lab guest sees the host read-only."""
    key = build_key()
    build = Build(cache_dir() / key)
    if (build.root / BUILT_MARK).is_file() and build.binary.is_file():
        return build
    note = failure_note(key)
    if note.is_file():
        raise SuricataUnavailable(note.read_text().strip())
    raise SuricataUnavailable(f"no build {key} for today's headers in {cache_dir()} "
                              "('invoke build' builds it)")


def ensure_suricata(jobs: int = 2) -> Path:
    """The Suricata binary built against today's headers, built first when the cache has
    none (printing how long it took). SuricataUnavailable says why it cannot be built."""
    cache_dir().mkdir(parents=True, exist_ok=True)
    # One build at a time on this machine (another checkout, a CI clone, may be at it):
    # the second waits, then finds the first one's build when the key is the same.
    with (cache_dir() / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            build = find_suricata()
            os.utime(build.root)  # used: kept by prune()
            return build.binary
        except SuricataUnavailable:
            pass
        key = build_key()
        note = failure_note(key)
        started = time.monotonic()
        print(f"==> building Suricata {VERSION} against our libpfring ({key}, about 3 "
              "minutes on 2 cores, once)", flush=True)
        try:
            build = _build(key, jobs)
        except SuricataUnavailable as e:
            note.write_text(f"{e}\n")
            raise
        note.unlink(missing_ok=True)
    minutes, seconds = divmod(int(time.monotonic() - started), 60)
    print(f"==> built Suricata {VERSION} in {minutes}m{seconds:02d}s: {build.binary}",
          flush=True)
    return build.binary


def missing_tools() -> list[str]:
    """What the build needs from apt and does not find ('invoke deps' installs it)."""
    missing = [str(p) for p in (RUSTC, CARGO) if not os.access(p, os.X_OK)]
    missing += [tool for tool in ("make", "cc", "pkg-config", "tar", "xz")
                if shutil.which(tool, path=BUILD_PATH) is None]
    if not missing and subprocess.run(["pkg-config", "--exists", "htp"],
                                      check=False).returncode != 0:
        missing.append("libhtp (pkg-config htp)")
    return missing


def tarball() -> Path:
    """Debian's orig tarball, downloaded into the cache once and checked."""
    path = cache_dir() / TARBALL_NAME
    if path.is_file() and _sha256(path) == TARBALL_SHA256:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    print(f"==> downloading {TARBALL_URL}", flush=True)
    try:
        with urllib.request.urlopen(TARBALL_URL, timeout=60) as response, \
                part.open("wb") as out:
            shutil.copyfileobj(response, out, 1 << 20)
    except OSError as e:
        part.unlink(missing_ok=True)
        raise SuricataUnavailable(f"cannot download {TARBALL_URL}: {e}") from e
    got = _sha256(part)
    if got != TARBALL_SHA256:
        part.unlink()
        raise SuricataUnavailable(f"{TARBALL_URL}: SHA-256 {got}, expected {TARBALL_SHA256}")
    part.rename(path)
    return path


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def stage_libpfring(destdir: Path) -> Path:
    """Our install (headers, libpfring, tools) staged under destdir with prefix /usr, as
    `invoke install --destdir` stages it; returns destdir/usr. The staged headers must be
    exactly PUBLIC_HEADERS."""
    _run(["make", "-C", str(repo_root() / "userland"), "install",
          f"BUILD_DIR={user_build_dir()}", f"DESTDIR={destdir}", "PREFIX=/usr"],
         destdir.parent / "build.log")
    usr = destdir / "usr"
    include = usr / "include"
    staged = {p.relative_to(include).as_posix(): p for p in include.rglob("*") if p.is_file()}
    if set(staged) != set(PUBLIC_HEADERS):
        raise SuricataUnavailable(
            f"the installed headers are {sorted(staged)}, PUBLIC_HEADERS in {__file__} "
            f"names {sorted(PUBLIC_HEADERS)}: bring it up to date")
    for name, path in staged.items():
        if path.read_bytes() != (repo_root() / PUBLIC_HEADERS[name]).read_bytes():
            raise SuricataUnavailable(f"installed {name} differs from {PUBLIC_HEADERS[name]}")
    return usr


def build_env(cargo_home: Path) -> dict[str, str]:
    """The environment of configure and make: Debian's toolchain first on PATH, nothing
    from a rustup set-up, cargo kept offline in a home of its own."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CARGO", "RUST", "CFLAGS", "CPPFLAGS", "LDFLAGS"))}
    env.update(BUILD_ENV)
    env.update(PATH=BUILD_PATH, CARGO=str(CARGO), RUSTC=str(RUSTC),
               CARGO_HOME=str(cargo_home), LC_ALL="C")
    return env


# What Suricata's configure compiles to accept a libpfring: the header on its own, in
# ISO C11 (no _DEFAULT_SOURCE), warnings as errors, and a call of pfring_recv_chunk().
HEADER_PROBE = """\
#include <pfring.h>
int main(void)
{
\treturn pfring_recv_chunk(NULL, NULL, 0, 0);
}
"""


def probe_header(usr: Path, scratch: Path) -> None:
    """Compile HEADER_PROBE against the staged headers as Suricata's configure does, so
    that a header a strict compiler refuses is named as the reason, not configure's
    'library version is < 6'."""
    source = scratch / "header_probe.c"
    source.write_text(HEADER_PROBE)
    done = subprocess.run(["cc", "-std=c11", "-Werror", "-I", str(usr / "include"), "-c",
                           str(source), "-o", os.devnull], capture_output=True, text=True,
                          env={**os.environ, "LC_ALL": "C"}, check=False)
    if done.returncode:
        errors = [line.split(str(usr / "include") + "/", 1)[-1]
                  for line in done.stderr.splitlines() if "error:" in line]
        raise SuricataUnavailable(
            f"our pfring.h does not compile on its own with cc -std=c11 -Werror, as "
            f"Suricata's configure compiles it ({len(errors)} error(s), first: "
            f"{errors[0] if errors else done.stderr.strip()[:200]})")


def configure_argv(usr: Path) -> list[str]:
    return ["./configure", *(a.format(include=usr / "include", lib=usr / "lib")
                             for a in CONFIGURE_ARGS)]


def _build(key: str, jobs: int) -> Build:
    started = time.monotonic()
    missing = missing_tools()
    if missing:
        raise SuricataUnavailable(f"missing {', '.join(missing)} ('invoke deps' installs "
                                  "them)")
    source = tarball()
    cache = cache_dir()
    for stale in cache.glob(f"{key}.tmp*"):  # an interrupted build's scratch
        shutil.rmtree(stale, ignore_errors=True)
    scratch = Path(tempfile.mkdtemp(prefix=f"{key}.tmp", dir=cache))
    log = scratch / "build.log"
    final = cache / key
    try:
        usr = stage_libpfring(scratch / "stage")
        probe_header(usr, scratch)
        subprocess.run(["tar", "-xf", str(source), "-C", str(scratch)], check=True)
        (src,) = [p for p in scratch.glob("suricata-*") if p.is_dir()]
        env = build_env(scratch / "cargo-home")
        print(f"==> configure and make -j{jobs} in {src} (log: {log})", flush=True)
        _run(configure_argv(usr), log, cwd=src, env=env)
        _run(["make", f"-j{jobs}"], log, cwd=src, env=env)
        out = scratch / "out"
        (out / "bin").mkdir(parents=True)
        (out / "etc").mkdir()
        shutil.copy2(src / "src" / "suricata", out / "bin" / "suricata")
        if (out / "bin" / "suricata").read_bytes()[:4] != b"\x7fELF":
            raise SuricataUnavailable(f"{src / 'src/suricata'} is not an ELF binary")
        for name in CONFIG_FILES:
            shutil.copyfile(src / "etc" / name, out / "etc" / name)
        (out / BUILT_MARK).write_text(json.dumps({
            "version": VERSION, "key": key, "tarball_sha256": TARBALL_SHA256,
            "configure": configure_argv(usr), "headers": PUBLIC_HEADERS,
            "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "seconds": round(time.monotonic() - started),
        }, indent=2) + "\n")
        shutil.rmtree(final, ignore_errors=True)
        out.rename(final)
    except (OSError, subprocess.CalledProcessError, ValueError) as e:
        kept = cache / f"{key}.log"
        if log.is_file():
            shutil.copy2(log, kept)
        what = f"{e.cmd[0]} exited {e.returncode}" if isinstance(
            e, subprocess.CalledProcessError) else str(e)
        said = [line.strip() for line in (log.read_text(errors="replace").splitlines()
                                          if log.is_file() else [])
                if "ERROR" in line or "error:" in line or "error[" in line]
        raise SuricataUnavailable(f"the build failed: {what}"
                                  f"{': ' + said[0] if said else ''} (log: {kept})") from e
    except SuricataUnavailable:
        if log.is_file():
            shutil.copy2(log, cache / f"{key}.log")
        raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    prune(key)
    return Build(final)


def prune(current: str, keep: int = KEEP_BUILDS) -> None:
    """Remove all but the keep most recently used builds (other checkouts on this machine,
    a CI clone among them, may have other headers), and the logs and failure notes of
    keys other than current."""
    cache = cache_dir()
    builds = sorted((p for p in cache.iterdir() if (p / BUILT_MARK).is_file()),
                    key=lambda p: p.stat().st_mtime, reverse=True)
    for old in builds[keep:]:
        shutil.rmtree(old, ignore_errors=True)
    for leftover in [*cache.glob("*.log"), *cache.glob("*.failed")]:
        if leftover.stem != current:
            leftover.unlink(missing_ok=True)


def _run(argv: list[str], log: Path, cwd: Path | None = None,
         env: dict[str, str] | None = None) -> None:
    """argv with its output appended to log; on failure, the log's last lines are printed
    and CalledProcessError raised."""
    with log.open("a") as out:
        out.write(f"+ {' '.join(argv)}\n")
        out.flush()
        rc = subprocess.run(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, check=False).returncode
    if rc:
        tail = log.read_text(errors="replace").splitlines()[-30:]
        print("\n".join(tail), flush=True)
        raise subprocess.CalledProcessError(rc, argv)
