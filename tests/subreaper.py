"""Run a command as a child subreaper and report the processes it left behind.

`python subreaper.py CMD...` prints the command's stdout, then one last line of JSON:
{"returncode": int, "survivors": [cmdline, ...]}. Any process the command orphaned (a daemon
that double-forked and called setsid included) is re-parented to this process by the kernel,
so it shows up here; survivors are killed after they are counted.
"""

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


def reap() -> None:
    """Collect orphans that have already exited (zombies are dead, not survivors)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def children() -> dict[int, str]:
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            if ppid == os.getpid():
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    found[int(entry)] = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except (OSError, ValueError, IndexError):
            continue
    return found


def main() -> None:
    ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    proc = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    reap()
    survivors = children()
    for pid in survivors:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    sys.stdout.write(proc.stdout.decode(errors="replace").rstrip("\n") + "\n")
    print(json.dumps({"returncode": proc.returncode, "survivors": sorted(survivors.values())}))


if __name__ == "__main__":
    main()
