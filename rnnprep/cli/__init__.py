"""Command-line interface: parses arguments and renders; the work happens elsewhere."""
