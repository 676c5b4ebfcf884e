"""Announces a 768 MiB reply header on the grader's channel (its fd is in the worker's argv), so
the trusted process would buffer and copy it: the reader must refuse it by its size."""
import os
import struct
import sys

os.write(int(sys.argv[3]), struct.pack("<QI", 768 << 20, 0) + b" " * (1 << 16))
