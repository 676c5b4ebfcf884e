"""Writes where it may not: a folder outside its work folder, the exercise's hidden tests
folder (a planted file there would run in later gradings), /tmp, and 1 GB of disk."""
import os

OUTSIDE = "__OUTSIDE__"
PLANT = "__PLANT__"
TMP_FILE = "__TMP_FILE__"
LIMIT_MB = int("__LIMIT_MB__")


def writes_outside():
    with open(os.path.join(OUTSIDE, "escaped.txt"), "w") as f:
        f.write("written from inside the sandbox")
    return True


def plants_in_suite():
    with open(PLANT, "w") as f:
        f.write("planted")
    return True


def writes_tmp():
    with open(TMP_FILE, "w") as f:
        f.write("x")
    return True


def fills_disk():
    chunk = b"\0" * (1 << 20)
    written = 0
    with open("filler.bin", "wb") as f:
        try:
            while written < LIMIT_MB:
                f.write(chunk)
                f.flush()
                written += 1
        finally:
            f.close()
            os.remove("filler.bin")
    return written >= LIMIT_MB


ATTACKS = {name: fn for name, fn in globals().items() if callable(fn) and not name.startswith("_")}
