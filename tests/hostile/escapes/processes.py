"""Starts processes that could outlive the grading: a fork, a program, a double-forked setsid
daemon and a burst of 200 forks."""
import os
import time

OUTSIDE = "__OUTSIDE__"


def forks():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return True


def spawns_program():
    pid = os.posix_spawn("/bin/true", ["/bin/true"], {})
    os.waitpid(pid, 0)
    return True


def daemonizes():
    pid = os.fork()
    if pid == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(3)
            try:
                with open(os.path.join(OUTSIDE, "daemon-alive.txt"), "w") as f:
                    f.write("still here")
            finally:
                os._exit(0)
        os._exit(0)
    os.waitpid(pid, 0)
    return True


def fork_burst():
    started = 0
    for _ in range(200):
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        started += 1
        os.waitpid(pid, 0)
    return started == 200


ATTACKS = {name: fn for name, fn in globals().items() if callable(fn) and not name.startswith("_")}
