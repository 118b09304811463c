"""Import PyBullet without its build banner.

PyBullet's C extension prints "pybullet build time: ..." on import. That line would break
the CLI's promise of a single-line error message and clutter machine-readable output, so
file descriptors 1 and 2 point at /dev/null for the duration of the import (the C library's
buffers are flushed before they are restored).
"""

from __future__ import annotations

import os
import sys


def _flush_c_stdio() -> None:
    try:
        import ctypes

        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError):
        pass


def _quiet_import():
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        saved = (os.dup(1), os.dup(2))
    except (OSError, ValueError):  # no usable descriptors (some embedded interpreters)
        import pybullet

        return pybullet
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            os.dup2(devnull.fileno(), 2)
            import pybullet

            _flush_c_stdio()
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])
    return pybullet


pybullet = _quiet_import()
