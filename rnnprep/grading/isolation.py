"""OS isolation for the sandbox worker: Linux namespaces, Landlock, seccomp and rlimits.

Standard library and ctypes only, because it runs in the worker before torch is imported and
before any submission code exists. Every layer is unprivileged (user namespaces, Landlock and
seccomp need no root), and each one that the kernel refuses is left out and reported, so a
grade still runs on an old kernel or inside a strict container; `--require-isolation` lets a
teacher refuse that. The design follows bubblewrap and nsjail: a user namespace to own
everything, a PID namespace whose init is the worker (when it dies, the kernel kills every
process left inside), an empty network namespace, a mount namespace with a fresh /proc and a
size-capped tmpfs work folder, Landlock rules that allow reading only the Python installation
and writing only the work folder, and a seccomp filter that refuses new processes and sockets.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import platform
import resource
import signal
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

LAYERS = ("user-namespace", "pid-namespace", "network-namespace", "mount-namespace", "work-tmpfs",
          "landlock-filesystem", "landlock-network", "seccomp")
"""Every layer a report can name, in the order they are set up."""
LAYER_WORDS = {
    "user-namespace": "own user namespace",
    "pid-namespace": "own PID namespace (grader invisible; every process ends with the worker)",
    "network-namespace": "no network (empty network namespace)",
    "mount-namespace": "own mount namespace (fresh /proc, exercise content hidden)",
    "work-tmpfs": "work folder is a size-capped tmpfs",
    "landlock-filesystem": "Landlock: read only the Python installation, write only the work folder",
    "landlock-network": "Landlock: no TCP connect or bind",
    "seccomp": "seccomp: no new processes, no sockets, no ptrace",
}

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x00020000, 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 1, 2, 4, 8, 0x4000, 1 << 18
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP = 1, 38, 22

_LL_CREATE, _LL_ADD, _LL_RESTRICT = 444, 445, 446  # the same numbers on x86-64 and aarch64
_FS_EXECUTE, _FS_WRITE_FILE, _FS_READ_FILE, _FS_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_FS_ALL_V1 = (1 << 13) - 1
_FS_REFER, _FS_TRUNCATE, _FS_IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_NET_ALL = (1 << 0) | (1 << 1)
_SCOPE_ALL = (1 << 0) | (1 << 1)
_FILE_RIGHTS = _FS_EXECUTE | _FS_WRITE_FILE | _FS_READ_FILE | _FS_TRUNCATE | _FS_IOCTL_DEV
_READ = _FS_READ_FILE | _FS_READ_DIR
"""No rule grants EXECUTE: nothing in the worker needs execve once it runs (shared libraries are
mapped, not executed), so Landlock refuses every new program."""

_SYSTEM_READ = ("/usr/lib", "/usr/lib64", "/lib", "/lib64", "/usr/local/lib", "/usr/share/zoneinfo",
                "/etc/ld.so.cache", "/etc/localtime", "/sys/devices/system/cpu", "/proc/cpuinfo",
                "/proc/meminfo", "/proc/self", "/dev/urandom", "/dev/random")
"""What a Python + torch process reads beyond its own installation: shared libraries, the CPU
topology (OpenMP sizes its pool from it) and its own /proc entries (the PID namespace's, so
nothing of the grader's)."""
_SYSTEM_WRITE = ("/dev/null",)
_CUDA_DEVICES = ("/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools", "/dev/nvidia-modeset",
                 "/dev/nvidia-caps", "/dev/dri")
_CUDA_READ = ("/proc/driver/nvidia", "/sys/bus/pci", "/sys/devices", "/sys/module/nvidia", "/etc/nvidia",
              "/usr/share/nvidia", "/usr/local/cuda", "/opt/nvidia")


@dataclass
class Policy:
    """What the worker may touch; built by the trusted side, which knows where the content lives."""

    work: str
    """The only writable folder; becomes a fresh tmpfs holding a copy of the submission."""
    read: list[str]
    """Read-only roots: the interpreter, its site-packages, the grader's own worker code."""
    hidden: list[str] = field(default_factory=list)
    """Paths inside `read` that must stay unreadable (exercise content, the installed package)."""
    work_mb: int = 64
    cuda: bool = False


@dataclass
class Status:
    active: list[str] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)

    def add(self, layer: str, ok: bool, why: str = "") -> bool:
        if ok:
            self.active.append(layer)
        else:
            self.missing[layer] = why or "unavailable"
        return ok


_libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)


def _check(result: int, what: str) -> int:
    if result == -1:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    return result


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def _unshare(flags: int) -> None:
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")


def _enc(text: str | None) -> bytes | None:
    return text.encode() if text is not None else None


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None) -> None:
    _check(_libc.mount(_enc(source), _enc(target), _enc(fstype), ctypes.c_ulong(flags), _enc(data)),
           f"mount {target}")


def enter(policy: Policy) -> Status:
    """Put this process into fresh namespaces. Returns in the child, which is PID 1 of a new PID
    namespace; the original process stays behind only to wait and pass on the exit status."""
    status = Status()
    uid, gid = os.geteuid(), os.getegid()
    try:
        _unshare(CLONE_NEWUSER)
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"0 {uid} 1")
        _write("/proc/self/gid_map", f"0 {gid} 1")
        status.add("user-namespace", True)
    except OSError as exc:
        status.add("user-namespace", False, str(exc))
    for layer, flag in (("mount-namespace", CLONE_NEWNS), ("network-namespace", CLONE_NEWNET),
                        ("pid-namespace", CLONE_NEWPID)):
        try:
            _unshare(flag)
            status.add(layer, True)
        except OSError as exc:
            status.add(layer, False, str(exc))
    if "pid-namespace" in status.active:
        _become_init()
    _die_with_parent()
    if "mount-namespace" in status.active:
        _mounts(policy, status)
    else:
        status.add("work-tmpfs", False, "needs a mount namespace")
    os.chdir(policy.work)
    return status


def _become_init() -> None:
    """Fork so that the child is PID 1 of the new namespace; the parent relays its exit."""
    child = os.fork()
    if child == 0:
        return
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda s, _f: os.kill(child, signal.SIGKILL))
    while True:
        try:
            _, code = os.waitpid(child, 0)
            break
        except ChildProcessError:
            os._exit(1)
        except InterruptedError:
            continue
    if os.WIFSIGNALED(code):
        signal.signal(os.WTERMSIG(code), signal.SIG_DFL)
        os.kill(os.getpid(), os.WTERMSIG(code))
    os._exit(os.WEXITSTATUS(code) if os.WIFEXITED(code) else 1)


def _die_with_parent() -> None:
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _mounts(policy: Policy, status: Status) -> None:
    try:
        _mount(None, "/", None, MS_REC | MS_PRIVATE, None)
        if "pid-namespace" in status.active:
            _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None)
    except OSError as exc:
        status.missing["mount-namespace"] = f"mounts refused: {exc}"
        status.active.remove("mount-namespace")
        status.add("work-tmpfs", False, "needs a mount namespace")
        return
    for path in policy.hidden:
        if os.path.isdir(path):
            with contextlib.suppress(OSError):  # Landlock still denies it
                _mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0555")
    work = Path(policy.work)
    saved = {p.name: p.read_bytes() for p in work.iterdir() if p.is_file()}
    try:
        _mount("tmpfs", policy.work, "tmpfs", MS_NOSUID | MS_NODEV, f"size={policy.work_mb}m,mode=0700")
    except OSError as exc:
        status.add("work-tmpfs", False, str(exc))
        return
    for name, data in saved.items():
        (work / name).write_bytes(data)
    status.add("work-tmpfs", True)


def landlock_abi() -> int:
    """The kernel's Landlock ABI version, 0 when there is none."""
    if platform.system() != "Linux":
        return 0
    result = _libc.syscall(ctypes.c_long(_LL_CREATE), None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    return max(0, result)


def restrict(policy: Policy, status: Status, extra_hidden: Sequence[str] = ()) -> None:
    """Landlock, seccomp and rlimits: after this, the process can only shrink its rights."""
    _limits(policy)
    _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    _landlock(policy, status, list(policy.hidden) + list(extra_hidden))
    _seccomp(status)


def _limits(policy: Policy) -> None:
    fsize = policy.work_mb << 20
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    cap = 256 if hard == resource.RLIM_INFINITY else min(256, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (cap, cap))


def _landlock(policy: Policy, status: Status, hidden: list[str]) -> None:
    abi = landlock_abi()
    if abi < 1:
        status.add("landlock-filesystem", False, "the kernel has no Landlock (needs Linux 5.13+)")
        status.add("landlock-network", False, "the kernel has no Landlock")
        return
    handled_fs = _FS_ALL_V1 | (_FS_REFER if abi >= 2 else 0) | (_FS_TRUNCATE if abi >= 3 else 0) \
        | (_FS_IOCTL_DEV if abi >= 5 else 0)
    rw = handled_fs & ~_FS_EXECUTE & ~_FS_REFER
    if abi >= 6:
        attr = struct.pack("<QQQ", handled_fs, _NET_ALL, _SCOPE_ALL)
    elif abi >= 4:
        attr = struct.pack("<QQ", handled_fs, _NET_ALL)
    else:
        attr = struct.pack("<Q", handled_fs)
    buf = ctypes.create_string_buffer(attr, len(attr))
    fd = _libc.syscall(ctypes.c_long(_LL_CREATE), buf, ctypes.c_size_t(len(attr)), ctypes.c_uint32(0))
    if fd < 0:
        status.add("landlock-filesystem", False, os.strerror(ctypes.get_errno()))
        status.add("landlock-network", False, "no ruleset")
        return
    try:
        hidden_real = {os.path.realpath(h) for h in hidden}
        for root in policy.read + list(_SYSTEM_READ) + (list(_CUDA_READ) if policy.cuda else []):
            _allow_tree(fd, os.path.realpath(root), _READ & handled_fs, hidden_real)
        for path in _SYSTEM_WRITE:
            _allow(fd, path, (_FS_READ_FILE | _FS_WRITE_FILE) & handled_fs)
        if policy.cuda:
            for path in _cuda_device_paths():
                _allow(fd, path, (_READ | _FS_WRITE_FILE | _FS_IOCTL_DEV) & handled_fs)
        _allow(fd, policy.work, rw)
        _check(_libc.syscall(ctypes.c_long(_LL_RESTRICT), ctypes.c_int(fd), ctypes.c_uint32(0)), "landlock")
    except OSError as exc:
        status.add("landlock-filesystem", False, str(exc))
        status.add("landlock-network", False, str(exc))
        return
    finally:
        os.close(fd)
    status.add("landlock-filesystem", True)
    status.add("landlock-network", abi >= 4, "needs Landlock ABI 4 (Linux 6.7+)")


def _cuda_device_paths() -> list[str]:
    found = [f"/dev/{n}" for n in sorted(os.listdir("/dev")) if n.startswith("nvidia")] if os.path.isdir("/dev") else []
    return sorted(set(found) | {p for p in _CUDA_DEVICES if os.path.exists(p)})


def _allow_tree(fd: int, root: str, access: int, hidden: set[str]) -> None:
    """Allow `root` except the hidden paths under it: Landlock has no deny rules, so a root that
    holds a hidden path is opened up one level at a time around it (listing, not reading, the
    levels on the way)."""
    if not os.path.exists(root) or root in hidden:
        return
    inside = [h for h in hidden if h.startswith(root.rstrip("/") + "/")]
    if not inside or not os.path.isdir(root):
        _allow(fd, root, access)
        return
    _allow(fd, root, access & _FS_READ_DIR)
    for name in os.listdir(root):
        _allow_tree(fd, os.path.join(root, name), access, hidden)


def _allow(fd: int, path: str, access: int) -> None:
    try:
        target = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return
    try:
        if not os.path.isdir(path):
            access &= _FILE_RIGHTS
        rule = struct.pack("<Qi", access, target)
        buf = ctypes.create_string_buffer(rule, len(rule))
        _check(_libc.syscall(ctypes.c_long(_LL_ADD), ctypes.c_int(fd), ctypes.c_int(1), buf, ctypes.c_uint32(0)),
               f"landlock rule for {path}")
    finally:
        os.close(target)


_ARCHES = {
    # machine: (AUDIT_ARCH, clone, clone3, other process-making calls, socket calls, other denied calls, prctl)
    # other denied: ptrace, process_vm_readv/writev, unshare, setns, io_uring_setup/enter/register (a
    # ring can open and connect sockets without the socket syscall), bpf, perf_event_open,
    # userfaultfd, add_key/request_key/keyctl.
    "x86_64": (0xC000003E, 56, 435, (57, 58), (41, 53),
               (101, 310, 311, 272, 308, 425, 426, 427, 321, 298, 323, 248, 249, 250), 157),
    "aarch64": (0xC00000B7, 220, 435, (), (198, 199),
                (117, 270, 271, 97, 268, 425, 426, 427, 280, 241, 282, 217, 218, 219), 167),
}
_CLONE_THREAD = 0x00010000


def _seccomp(status: Status) -> None:
    """Refuse clone without CLONE_THREAD (fork, vfork, posix_spawn), clone3 (glibc then falls
    back to clone, so threads still start), sockets, ptrace, process_vm_* and new namespaces."""
    spec = _ARCHES.get(platform.machine())
    if spec is None:
        status.add("seccomp", False, f"no filter for {platform.machine()}")
        return
    arch, clone, clone3, forks, sockets, others, prctl = spec
    allow, eperm, enosys = 0x7FFF0000, 0x00050000 | errno.EPERM, 0x00050000 | errno.ENOSYS
    ld_abs, jeq, jset, jge, ret = 0x20, 0x15, 0x45, 0x35, 0x06
    denied = list(forks) + list(sockets) + list(others)
    prog: list[tuple[int, int, int, int]] = [(ld_abs, 0, 0, 4), (jeq, 1, 0, arch), (ret, 0, 0, eperm),
                                            (ld_abs, 0, 0, 0), (jge, 0, 1, 0x40000000), (ret, 0, 0, eperm)]
    for nr in denied:
        prog += [(jeq, 0, 1, nr), (ret, 0, 0, eperm)]
    # prctl(PR_SET_PDEATHSIG, ...) would let the worker outlive its relay: refused.
    prog += [(jeq, 0, 4, prctl), (ld_abs, 0, 0, 16), (jeq, 0, 1, PR_SET_PDEATHSIG), (ret, 0, 0, eperm),
             (ld_abs, 0, 0, 0)]
    prog += [(jeq, 0, 1, clone3), (ret, 0, 0, enosys),
             (jeq, 0, 3, clone), (ld_abs, 0, 0, 16), (jset, 1, 0, _CLONE_THREAD), (ret, 0, 0, eperm),
             (ret, 0, 0, allow)]
    raw = b"".join(struct.pack("<HBBI", *ins) for ins in prog)
    filters = ctypes.create_string_buffer(raw, len(raw))

    class Prog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = Prog(len(prog), ctypes.cast(filters, ctypes.c_void_p))
    ok = _libc.prctl(PR_SET_SECCOMP, 2, ctypes.byref(fprog), 0, 0) == 0
    status.add("seccomp", ok, os.strerror(ctypes.get_errno()) if not ok else "")


def probe_main(work: str) -> None:
    """`python -I -c ...probe_main(dir)`: set up every layer in a throwaway process and print what
    the kernel granted as JSON (for `rnnprep doctor` and the tests)."""
    import json
    import site
    import sysconfig

    paths = sysconfig.get_paths()
    policy = Policy(work=work, read=[paths["stdlib"], paths["platstdlib"], *site.getsitepackages()])
    status = enter(policy)
    restrict(policy, status)
    print(json.dumps({"active": status.active, "missing": status.missing}), flush=True)
