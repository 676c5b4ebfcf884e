"""The worker's audit hook: a second line behind the OS isolation (sandbox worker side).

`sys.addaudithook` hooks cannot be removed, so once installed, before the submission loads,
this refuses what a grader-beating file would reach for first: walking the interpreter's
objects (`gc`), raw memory (`ctypes`), tracing, new audit hooks, other programs and sockets,
and `exec`/`eval`/`compile` called directly by the submission's own code. The kernel layers
(namespaces, Landlock, seccomp) stop the same things where it matters; this hook turns them
into a clear message.

Nothing of the submission's may run inside the hook: a `str` subclass with its own `__eq__`
(say, as a code object's file name) would otherwise run while the hook's frame, and its
recursion guard, are live. So every comparison is on exact `str` objects only.
"""

from __future__ import annotations

import sys

REFUSED = {
    "gc.get_objects": "walking the interpreter's objects",
    "gc.get_referrers": "walking the interpreter's objects",
    "gc.get_referents": "walking the interpreter's objects",
    "sys.settrace": "tracing",
    "sys.setprofile": "profiling hooks",
    "sys._current_frames": "reading other threads' frames",
    "sys._current_exceptions": "reading other threads' frames",
    "sys.addaudithook": "adding audit hooks",
    "os.system": "running programs",
    "os.exec": "running programs",
    "os.posix_spawn": "running programs",
    "os.spawn": "running programs",
    "os.fork": "starting processes",
    "os.forkpty": "starting processes",
    "subprocess.Popen": "running programs",
    "pty.spawn": "running programs",
    "os.kill": "sending signals",
    "os.killpg": "sending signals",
    "signal.pthread_kill": "sending signals",
    "socket.__new__": "opening sockets",
    "socket.connect": "opening sockets",
    "socket.bind": "opening sockets",
    "socket.getaddrinfo": "looking up hosts",
    "socket.gethostbyname": "looking up hosts",
    "urllib.Request": "network access",
    "mmap.__new__": "mapping memory",
}
_REFUSED_PREFIXES = ("ctypes.", "_ctypes.", "winreg.", "_winapi.")
_DYNAMIC_CODE = ("exec", "compile")


class SandboxRefusal(PermissionError):
    """What the hook raises: the message says what was refused, in words."""


def install(submission_path: str) -> None:
    """Arm the hook. Everything it consults is bound into it at install time (a frozen copy of the
    tables, `sys._getframe` itself), so patching this module or `sys` later changes nothing."""
    refused = tuple(sorted(REFUSED.items()))
    lookup = dict(refused).get
    busy = [False]
    path = str(submission_path)

    def called_by_submission(getframe=sys._getframe, exact=str.__eq__) -> bool:
        """Whether the frame calling exec/compile is the submission's own code. A file name that is
        not an exact `str` was made by the submission (a `str` subclass), so it counts as its own."""
        busy[0] = True
        try:
            name = getframe(2).f_code.co_filename
        except ValueError:
            return False
        finally:
            busy[0] = False
        return type(name) is not str or exact(name, path)

    def hook(event: str, args: tuple, _lookup=lookup, _prefixes=_REFUSED_PREFIXES, _dynamic=_DYNAMIC_CODE,
             _from_submission=called_by_submission, _refusal=SandboxRefusal) -> None:
        if busy[0] and event == "sys._getframe":
            return
        what = _lookup(event)
        if what is None and event.startswith(_prefixes):
            what = "native memory access (ctypes)"
        if what is None and event in _dynamic and _from_submission():
            what = "running code built at run time (exec, eval or compile)"
        if what is not None:
            raise _refusal(f"the grading sandbox does not allow {what} ({event}); no exercise needs it")

    sys.addaudithook(hook)
