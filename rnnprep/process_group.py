"""Ending a child that runs in its own session, with whatever it started."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from typing import Any


def kill_group(proc: subprocess.Popen | Any) -> None:
    """SIGKILL the child's whole process group, even after the child itself exited (it may have
    left helpers behind), then reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
