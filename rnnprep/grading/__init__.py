"""Grading: hidden pytest suites run on a trusted side; submissions run in a sandbox worker.

Nothing here imports torch at package import time, so the CLI and the TUI stay light.
"""
