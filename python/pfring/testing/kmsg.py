# SPDX-License-Identifier: LGPL-2.1-or-later
"""Reading what the kernel logged since a point in time, through /dev/kmsg."""

from __future__ import annotations

import errno
import os

from pfring.testing.kernel_log import KernelReport, find_reports


class KmsgCursor:
    """Opened at the end of the kernel log; new_messages() returns what came after."""

    def __init__(self, path: str = "/dev/kmsg") -> None:
        self._fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        os.lseek(self._fd, 0, os.SEEK_END)

    def new_messages(self) -> list[str]:
        """The messages logged since the last call (or since opening)."""
        messages = []
        while True:
            try:
                record = os.read(self._fd, 8192)
            except OSError as e:
                if e.errno == errno.EAGAIN:
                    break
                if e.errno == errno.EPIPE:  # overwritten before we read it: go on
                    continue
                raise
            _, _, text = record.decode(errors="replace").partition(";")
            # Continuation lines (" KEY=value") carry device metadata, not the message.
            messages.append(text.split("\n", 1)[0])
        return messages

    def reports(self) -> list[KernelReport]:
        return find_reports("\n".join(self.new_messages()))

    def close(self) -> None:
        os.close(self._fd)
