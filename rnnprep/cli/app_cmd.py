"""`rnnprep` with no command, and `rnnprep quiz`: open the Textual app (imported only here)."""

from __future__ import annotations


def run(args) -> int:
    from rnnprep.cli.common import library
    from rnnprep.tui.app import RnnprepApp

    app = RnnprepApp(library(args), quiz=getattr(args, "command", None) == "quiz", options=args)
    app.run()
    return 0
