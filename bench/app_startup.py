"""How long rnnprep's app takes to open, against a bare Textual app that shows one Static (issue 6: < 1.5x).

Each run is a fresh process on a real pseudo-terminal (80x24), timed from spawn until the app has
painted its first screen and quit: both apps exit right after their first refresh (rnnprep through
RNNPREP_EXIT_AFTER_PAINT). The two are interleaved in one run so machine load hits both alike.

    python bench/app_startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time

BARE_APP = """
from textual.app import App
from textual.widgets import Static


class Bare(App):
    def compose(self):
        yield Static("Hello from a bare Textual app")

    def on_mount(self):
        self.call_after_refresh(self.exit)


Bare().run()
"""

TARGET = 1.5


def time_once(cmd: list[str], env: dict[str, str], expect: bytes) -> float:
    """Seconds from spawn to exit on a fresh 80x24 pty; checks the screen really showed `expect`."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    output = bytearray()
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    proc.wait()
    elapsed = time.perf_counter() - started
    os.close(master)
    if proc.returncode != 0 or expect not in output:
        raise SystemExit(f"{' '.join(cmd)} failed (status {proc.returncode}); output tail: {bytes(output[-500:])!r}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each app (default 15)")
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="rnnprep-bench-home-")
    base = dict(os.environ, TERM="xterm-256color", COLUMNS="80", LINES="24")
    apps = {
        "bare Textual app": ([sys.executable, "-c", BARE_APP], base, b"Hello from a bare"),
        "rnnprep app": ([sys.executable, "-m", "rnnprep"],
                        dict(base, RNNPREP_HOME=home, RNNPREP_EXIT_AFTER_PAINT="1"), b"due now"),
    }
    for cmd, env, expect in apps.values():
        time_once(cmd, env, expect)
    times: dict[str, list[float]] = {name: [] for name in apps}
    for _ in range(args.runs):
        for name, (cmd, env, expect) in apps.items():
            times[name].append(time_once(cmd, env, expect))
    medians = {name: statistics.median(t) for name, t in times.items()}
    for name, t in times.items():
        print(f"{name:18s} median {medians[name] * 1000:7.1f} ms   min {min(t) * 1000:7.1f} ms   "
              f"max {max(t) * 1000:7.1f} ms   ({len(t)} runs)")
    ratio = medians["rnnprep app"] / medians["bare Textual app"]
    verdict = "ok" if ratio < TARGET else "TOO SLOW"
    print(f"ratio rnnprep / bare: {ratio:.2f}x (target < {TARGET}x): {verdict}")
    return 0 if ratio < TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
