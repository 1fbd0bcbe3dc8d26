# SPDX-License-Identifier: LGPL-2.1-or-later
"""Loading and unloading kernel modules through libkmod.

kmodpy is the binding: it installs on Python 3.11 (PyPI's 'kmod' 0.9.2 does not build
there) and wraps libkmod through ctypes. Its high-level calls turn every failure into one
generic error and cannot load a module from a file, so we call the libkmod functions it
exposes and keep the kernel's errno, which tests assert on (a refused parameter is EINVAL).
"""

from __future__ import annotations

import ctypes
import errno
import os
from pathlib import Path

from kmodpy import _libkmod as lib

_ModulePtr = ctypes.POINTER(lib.kmod_module)
lib.kmod.kmod_module_new_from_path.argtypes = [
    ctypes.POINTER(lib.kmod_ctx), ctypes.c_char_p, ctypes.POINTER(_ModulePtr),
]
lib.kmod.kmod_module_new_from_path.restype = ctypes.c_int
lib.kmod.kmod_module_new_from_name.argtypes = [
    ctypes.POINTER(lib.kmod_ctx), ctypes.c_char_p, ctypes.POINTER(_ModulePtr),
]
lib.kmod.kmod_module_new_from_name.restype = ctypes.c_int

# kmod_module_remove_module flags (libkmod.h)
KMOD_REMOVE_FORCE = 0x02  # O_TRUNC
KMOD_REMOVE_NOWAIT = 0x800  # O_NONBLOCK


def _check(rc: int, what: str) -> None:
    if rc < 0:
        raise OSError(-rc, f"{what}: {os.strerror(-rc)}")


class ModuleLoader:
    """A libkmod context; load() and unload() raise OSError with the kernel's errno."""

    def __init__(self) -> None:
        self._ctx = lib.kmod_new(None, None)
        if not self._ctx:
            raise OSError(errno.ENOMEM, "kmod_new failed")

    def load(self, path: Path, params: dict[str, object] | None = None) -> str:
        """Insert the module file at path with parameters; returns the module's name."""
        module = _ModulePtr()
        _check(lib.kmod.kmod_module_new_from_path(self._ctx, str(path).encode(),
                                                  ctypes.byref(module)), f"open {path}")
        try:
            options = " ".join(f"{k}={v}" for k, v in (params or {}).items())
            name = lib.kmod_module_get_name(module)
            rc = lib.kmod_module_insert_module(module, 0, options.encode())
            _check(rc, f"load {path} {options}".rstrip())
            return name.decode() if isinstance(name, bytes) else str(name)
        finally:
            lib.kmod_module_unref(module)

    def unload(self, name: str) -> None:
        """Remove a loaded module by name."""
        module = _ModulePtr()
        _check(lib.kmod.kmod_module_new_from_name(self._ctx, name.encode(),
                                                  ctypes.byref(module)), f"find {name}")
        try:
            _check(lib.kmod_module_remove_module(module, KMOD_REMOVE_NOWAIT), f"unload {name}")
        finally:
            lib.kmod_module_unref(module)

    def is_loaded(self, name: str) -> bool:
        return Path("/sys/module", name, "initstate").is_file()
