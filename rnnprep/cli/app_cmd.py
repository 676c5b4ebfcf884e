"""`rnnprep` with no command, and `rnnprep quiz`: open the Textual app (imported only here).

Without extra decks the library loads inside the app after its first paint, so the app opens fast;
a deck that fails to load still ends the app with the usual one-line error and status 2.
"""

from __future__ import annotations

from rnnprep.cli.main import UsageError


def load(args):
    """The library; the YAML machinery is imported only here, off the path to the first paint."""
    from rnnprep.cli.common import library

    return library(args)


def options(args):
    """The app's options from the parsed command line: the app is handed plain data, not argparse."""
    from rnnprep.tui.options import AppOptions

    if getattr(args, "command", None) != "quiz":
        return AppOptions()
    return AppOptions(start="exam" if args.exam else "quiz", topic=args.topic, count=args.count,
                      minutes=args.minutes)


def run(args) -> int:
    from rnnprep.tui.app import RnnprepApp

    quiz = getattr(args, "command", None) == "quiz"
    if not quiz and not args.deck:
        app = RnnprepApp(lambda: load(args), options=options(args))
    else:
        lib = load(args)
        if quiz:
            if args.count < 1:
                raise UsageError("--count must be 1 or more")
            if args.minutes is not None and args.minutes <= 0:
                raise UsageError("--minutes must be a positive number")
            if args.topic and args.topic not in lib.topics:
                raise UsageError(f"no question has topic {args.topic!r}; topics: {', '.join(lib.topics)}")
        app = RnnprepApp(lib, options=options(args))
    app.run()
    if not app.store.flush():
        from rnnprep.cli.common import warn

        warn(f"{len(app.store.pending)} change(s) made in the app could not be saved: {app.store.problem}")
    if app.load_error is not None:
        raise app.load_error
    return app.return_code or 0
