"""Extra exercise folders, for authors and teachers: `--exercises DIR`, `$RNNPREP_EXERCISES`, or
`exercises: [DIR, ...]` in `config.yaml` in the progress folder. Each folder holds exercises of
the shipped layout (one subfolder per exercise)."""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "RNNPREP_EXERCISES"
"""Folders separated by os.pathsep; `--exercises` sets it, so the app and the grader see them too."""
CONFIG_NAME = "config.yaml"


def extra_exercise_dirs() -> list[Path]:
    """The extra folders, from the environment first, then the config file; each once."""
    from rnnprep.store.location import home_path

    found = [Path(p).expanduser() for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p]
    config = home_path() / CONFIG_NAME
    if config.is_file():
        from rnnprep.content.errors import raise_all
        from rnnprep.content.yamlfile import Fields, load_yaml

        data, lines = load_yaml(config)
        fields = Fields(config, lines, data)
        fields.reject_unknown({"exercises"})
        folders = fields.attempt(lambda: fields.strings("exercises", default=()), ())
        raise_all(fields.problems)
        for text in folders:
            folder = Path(text).expanduser()
            found.append(folder if folder.is_absolute() else config.parent / folder)
    unique: list[Path] = []
    for folder in found:
        if folder.resolve() not in [u.resolve() for u in unique]:
            unique.append(folder)
    return unique
