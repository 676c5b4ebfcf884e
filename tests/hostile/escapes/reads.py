"""Reads what the sandbox hides: other processes (the grader holding the signing key), the
exercise's reference solution and hidden suite, the learner's home."""
import os

REFERENCE = "__REFERENCE__"
SUITE_DIR = "__SUITE_DIR__"
HOME = "__HOME__"


def _foreign_pids():
    me = os.getpid()
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != me]


def sees_other_process():
    return bool(_foreign_pids())


def reads_grader_memory_or_args():
    for pid in _foreign_pids():
        for name in ("cmdline", "environ", "maps"):
            try:
                with open(f"/proc/{pid}/{name}", "rb") as f:
                    if f.read(1 << 16):
                        return True
            except OSError:
                pass
    return False


def opens_grader_pipes():
    for pid in _foreign_pids():
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                os.close(os.open(f"/proc/{pid}/fd/{fd}", os.O_WRONLY | os.O_NONBLOCK))
                return True
            except OSError:
                pass
    return False


def reads_reference():
    with open(REFERENCE) as f:
        return "class" in f.read()


def lists_hidden_suite():
    return any(n.endswith(".py") for n in os.listdir(SUITE_DIR))


def reads_installed_content():
    from rnnprep import resources

    with open(resources.exercises_dir() / "lstm_cell" / "reference.py") as f:
        return bool(f.read())


def reads_any_installed_copy():
    """Every folder Python imports from, and every site-packages: an editable install keeps a copy
    of the content there too."""
    import site
    import sys

    for entry in [*sys.path, *site.getsitepackages()]:
        for sub in ("exercises", "rnnprep/_data/exercises"):
            try:
                with open(os.path.join(entry, sub, "lstm_cell", "reference.py")) as f:
                    if f.read():
                        return True
            except OSError:
                pass
    return False


def lists_home():
    return bool(os.listdir(HOME))


ATTACKS = {name: fn for name, fn in globals().items() if callable(fn) and not name.startswith("_")}
