"""Concise grading output on a terminal: the live list while grading, then only the failures (each cause once),
the verdict, and the first failure's message on the last line; --verbose gives the full table."""

from __future__ import annotations

import io
from types import SimpleNamespace

from rich.console import Console

from rnnprep.cli import grade_cmd
from rnnprep.grading.failures import SAME, failures
from rnnprep.grading.report import CheckResult, Report

CAUSE = "the gate blocks are read as i, f, o, g; PyTorch packs the gates i, f, g, o"


def report() -> Report:
    checks = [CheckResult("imp", "imp", "import", "the file imports", "passed", "")]
    for n in range(5):
        checks.append(CheckResult(f"p{n}", f"p{n}", "parity", f"parity check {n}", "failed",
                                  f"h' differs by {n + 1}.0. Likely cause: {CAUSE}"))
    checks.append(CheckResult("g", "g", "gradient", "gradients flow", "failed", "no gradient reaches x"))
    checks += [CheckResult(f"ok{n}", f"ok{n}", "shape", f"shape {n}", "passed", "") for n in range(8)]
    return Report("lstm_cell", checks)


def test_a_repeated_cause_is_given_once():
    shown = [message for _, message in failures(report())]
    assert shown[0].endswith(CAUSE)
    assert all(m.endswith("(same cause as above)") and CAUSE not in m for m in shown[1:5])
    assert shown[5] == "no gradient reaches x"


def grade_output(monkeypatch, verbose: bool) -> list[str]:
    out = io.StringIO()
    monkeypatch.setattr(grade_cmd, "Console", lambda **kw: Console(file=out, force_terminal=True, width=300,
                                                                    color_system=None))

    def fake_grade(ex, path, on_event, **kw):
        rep = report()
        on_event("collected", rep.checks)
        for c in rep.checks:
            on_event("result", c)
        return rep

    monkeypatch.setattr(grade_cmd, "grade", fake_grade)
    args = SimpleNamespace(timeout=None, device="cpu", no_record=True, verbose=verbose, output=None,
                           require_isolation=False)
    assert grade_cmd.grade_once(SimpleNamespace(slug="lstm_cell"), None, args, "table") == 1
    return out.getvalue()


def after_the_live_list(raw: str) -> tuple[str, list[str]]:
    """(what the live list showed, the lines left on the screen once it is erased)."""
    live, erase, rest = raw.rpartition("\x1b[2K")
    assert erase, "the live list is erased when grading ends"
    return live, rest.lstrip("\r\n").rstrip("\n").splitlines()


def test_on_a_terminal_the_live_list_gives_way_to_the_failures_and_the_verdict(monkeypatch):
    live, lines = after_the_live_list(grade_output(monkeypatch, verbose=False))
    assert "grading lstm_cell: 15 checks" in live and "shape 7" in live, "every check shows while grading"
    text = "\n".join(lines)
    assert "┃" not in text and "│" not in text and "shape 7" not in text, "no table, no passed checks"
    assert text.count(CAUSE) == 2, "once among the failures, once on the last line"
    assert len(lines) == 2 * 6 + 3, "the failures with their messages, the sandbox line and the verdict"
    assert lines[-2].startswith("NOT PASSED: lstm_cell, 9/15 checks passed")
    assert lines[-1] == ("start with the first failure: [parity] parity check 0: h' differs by 1.0. "
                         f"Likely cause: {CAUSE}")


def test_verbose_gives_the_full_table(monkeypatch):
    _, lines = after_the_live_list(grade_output(monkeypatch, verbose=True))
    text = "\n".join(lines)
    assert "┃ check" in text and "shape 7" in text and "same cause as above" in text


WHY = "as the padded positions are never read back: zero them, for example with torch.where(mask, h, 0)"


def padded_report() -> Report:
    """Failures whose shared explanation sits between the failing thing and each row's own numbers,
    with no 'Likely cause' marker."""
    checks = [CheckResult("imp", "imp", "import", "the file imports", "passed", "")]
    for n, (row, length) in enumerate([(0, 3), (0, 4), (0, 4), (2, 1)]):
        checks.append(CheckResult(f"p{n}", f"p{n}", "parity", f"padding check {n}", "failed",
                                  f"output must be zero past each length, {WHY}; row {row} has length {length}, "
                                  f"yet output[{row}, {length}] holds {n + 1}.5"))
    checks.append(CheckResult("g", "g", "gradient", "gradients flow", "failed",
                              "grad input differs from torch.nn: max abs error 0.4"))
    checks.append(CheckResult("g2", "g2", "gradient", "gradients flow again", "failed",
                              "grad h0 differs from torch.nn: max abs error 0.3"))
    return Report("packed_lstm", checks)


def test_a_repeated_explanation_without_a_marker_is_given_once_and_each_rows_evidence_stays():
    shown = [message for _, message in failures(padded_report())]
    assert WHY in shown[0]
    for n, (row, length) in enumerate([(0, 4), (0, 4), (2, 1)], start=1):
        assert shown[n] == (f"output must be zero past each length (same cause as above); row {row} has length "
                            f"{length}, yet output[{row}, {length}] holds {n + 1}.5"), shown[n]
    assert shown[4:] == ["grad input differs from torch.nn: max abs error 0.4",
                         "grad h0 differs from torch.nn: max abs error 0.3"], "short shared words are kept"


def test_an_identical_message_is_replaced_whole():
    checks = [CheckResult(n, n, "rules", n, "failed", "your code reached a forbidden operation: nn.LSTM")
              for n in ("a", "b")]
    assert [m for _, m in failures(Report("x", checks))] == [checks[0].message, "same cause as above"]


def test_every_view_of_the_failures_shows_the_same_messages():
    """The CLI's summary, its --verbose table, the app's details pane and Gradescope's tests all show
    what `failures` gives, so a repeated cause is said once in each of them."""
    from rnnprep.cli.render import print_report, print_summary
    from rnnprep.tui.grade_panel import details

    for rep in (report(), padded_report()):
        expected = [message for _, message in failures(rep)]
        views = {}
        for name, printer in (("summary", print_summary), ("verbose", print_report)):
            out = io.StringIO()
            printer(Console(file=out, width=2000, color_system=None), rep)
            text = out.getvalue()
            views[name] = text[:text.index("start with the first failure")]
        views["app"] = details(rep).plain
        views["gradescope"] = "\n".join(t["output"] for t in rep.to_gradescope()["tests"])
        for name, text in views.items():
            flat = " ".join(text.split())
            for message in expected:
                assert " ".join(message.split()) in flat, (name, message)
            repeated = CAUSE if rep.exercise == "lstm_cell" else WHY
            assert flat.count(repeated) == 1, (name, flat)


LAYOUT = ("Per layer k: weight_ih_l{k} (3*hidden, in_k), weight_hh_l{k} (3*hidden, hidden), bias_ih_l{k} (3*hidden,), "
          "gate blocks r, z, n along dim 0. in_0 = input_size and in_k = 2*hidden for k > 0: layer k reads the whole "
          "output of layer k-1, [forward, backward], not only the forward half")


def layout_report() -> Report:
    checks = [CheckResult(f"p{n}", f"p{n}", "parity", f"layers check {n}", "failed",
                          f"missing parameter(s) weight_ih_l1 ({3 * n + 3}, 6), bias_hh_l1 ({3 * n + 3},). {LAYOUT}")
              for n in range(3)]
    return Report("gru_layer", checks)


def test_a_repeated_explanation_is_never_cut_inside_a_list():
    """A shared hint full of commas and numbers is replaced in whole sentences or not at all, never in fragments."""
    shown = [message for _, message in failures(layout_report())]
    assert shown[0].endswith("not only the forward half")
    for message in shown[1:]:
        assert f"({SAME})," not in message and f"({SAME}) (" not in message, message
        assert message.startswith("missing parameter(s) weight_ih_l1"), "each row's own evidence stays"


def test_the_table_shows_brackets_in_messages_as_written():
    """Messages are text, not Rich markup: "[forward, backward]" must survive a piped (non-terminal) table."""
    from rnnprep.cli.render import report_table

    out = io.StringIO()
    Console(file=out, width=400, force_terminal=False).print(report_table(layout_report()))
    assert "[forward, backward]" in out.getvalue()
