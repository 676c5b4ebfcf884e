"""Kills the process that started it (the trusted grading process) during import."""
import os
import signal

os.kill(os.getppid(), signal.SIGKILL)
