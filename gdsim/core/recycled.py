"""Recycled memory for simulation histories: fresh arrays cost more than the kernel that fills them.

The compiled kernel fills a history at ~8 ns per step and run, but memory the process has not
touched before costs the operating system a page fault per 4 KiB: measured here, writing a new
(4, 20,001, 2) history for the first time costs ~30 ns per step and run, four times the kernel.
glibc hands blocks of that size back to the system when they are freed, so every slider frame
paid it again. A simulation therefore takes its history from a few recycled buffers, each reused
once nothing refers to it any more.

"Nothing refers to it" is read from the buffer's reference count: every array a caller keeps (a
result's ``points``, or any slice of it) refers to the buffer it views, so a buffer whose count
is back to the pool's own references is free. The count of a free buffer is measured once, on
this interpreter, rather than assumed.
"""

from __future__ import annotations

import sys
import threading

import numpy as np

SLOTS = 4
"""Buffers kept: a slider frame's new result is built while the previous one is still shown."""

MAX_FLOATS = 4 * 1024 * 1024
"""The largest buffer kept (32 MiB): a 1,000-run sweep of 500 steps fits; bigger histories get
fresh memory (numpy backs those with huge pages, whose faults cost far less per byte)."""


class RecycledBuffers:
    """Float64 buffers handed out as flat views and taken back when no view is alive."""

    def __init__(self, slots: int = SLOTS, max_floats: int = MAX_FLOATS) -> None:
        self._slots = slots
        self._max_floats = max_floats
        self._buffers: list[np.ndarray] = []
        self._lock = threading.Lock()
        probe = [np.empty(1)]
        self._free_count = self._references(probe, 0)

    @staticmethod
    def _references(buffers: list[np.ndarray], index: int) -> int:
        """The reference count of ``buffers[index]`` as ``take`` sees it."""
        return sys.getrefcount(buffers[index])

    def take(self, floats: int) -> np.ndarray:
        """A 1-D float64 array of ``floats`` uninitialised elements, from a free buffer that is
        large enough if there is one."""
        if floats > self._max_floats:
            return np.empty(floats)
        with self._lock:
            buffers = self._buffers
            for index in range(len(buffers)):
                if (
                    buffers[index].size >= floats
                    and self._references(buffers, index) == self._free_count
                ):
                    buffers.append(buffers.pop(index))  # most recently used last
                    return buffers[-1][:floats]
            buffer = np.empty(floats)
            if len(buffers) == self._slots:
                free = [
                    index
                    for index in range(len(buffers))
                    if self._references(buffers, index) == self._free_count
                ]
                if not free:
                    return buffer
                buffers.pop(free[0])  # the least recently used free one
            buffers.append(buffer)
            return buffer[:floats]


HISTORIES = RecycledBuffers()
"""The buffers ``simulate``'s compiled path writes its histories into."""
