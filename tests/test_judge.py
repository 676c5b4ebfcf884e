"""The judge: claims within one clause, negation and hedging, misconceptions, echoes, exact items, and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rnnprep.content.claims import judge_point, sentences
from rnnprep.content.loader import load_library
from rnnprep.content.model import Item, KeyPoint, Misconception, Question
from rnnprep.quiz.items import is_right, parse_shape
from rnnprep.quiz.judge import judge

ROOT = Path(__file__).resolve().parent.parent

FORGET = KeyPoint(
    "forget gate decides what to erase",
    claims=(("forget gate", r"\b(discard|eras|remov|throw|keep|retain|clear)\w*"), (r"\bf_?t\b", r"c_?\{?t-1")),
    misconceptions=(Misconception((r"forget gate\W+(?:\w+\W+){0,4}?(add|writ|insert)\w*",),
                                  "The forget gate only scales c_{t-1}; the input gate writes."),))
SHARED = KeyPoint("same weights at every step", claims=((r"\b(same|shared)\b", r"\bweights\b", r"\b(every|each)\b"),))


def question(*points: KeyPoint, text: str = "What does an LSTM cell do?") -> Question:
    return Question(id="q", number=1, deck="d", topics=("lstm",), difficulty="easy", question=text, answer="!",
                    key_points=points, related_exercises=(), source=Path("d.yaml"))


def statuses(answer: str, *points: KeyPoint, text: str = "What does an LSTM cell do?") -> list[str]:
    return [p.status for p in judge(question(*points, text=text), answer).points]


@pytest.mark.parametrize("answer", [
    "The forget gate decides which parts of the old cell state to throw away.",
    "f_t scales c_{t-1} elementwise.",
    "It has a forget gate; the forget gate erases what is no longer needed.",
])
def test_a_stated_claim_is_covered(answer):
    assert statuses(answer, FORGET) == ["covered"]


@pytest.mark.parametrize("answer", [
    "There is a forget gate.",  # the concept without its relation
    "The forget gate is important. It helps to keep things.",  # the relation in another sentence
    "The forget gate does not decide what to erase.",
    "There is no forget gate deciding what to discard.",
    "I don't know. Something with a forget gate that erases?",
    "Maybe the forget gate discards stuff.",
    "The forget gate erases... I think?",
])
def test_keywords_negation_and_hedging_earn_nothing(answer):
    assert statuses(answer, FORGET) == ["missed"]


@pytest.mark.parametrize("answer", [
    "The forget gate erases old content after maybe ten or twenty steps.",  # an approximate number
    "A small LSTM, maybe quantised, has a forget gate that erases old content.",  # an aside
    "Its forget gate throws away something like the top few percent.",
    "The forget gate erases old content, like an HMM forward pass.",  # an acronym
    "When the model is unsure, the forget gate still discards old content.",  # not the speaker's doubt
    "The forget gate discards c_1, c_2, ...",  # an elided list, not trailing off
    "I'd check the gates: does the forget gate really discard old content?",  # a check, not a guess
    'The forget gate discards "a"; then "b"; ...',
])
def test_approximations_asides_and_elisions_are_not_hedges(answer):
    assert statuses(answer, FORGET) == ["covered"]


@pytest.mark.parametrize("answer", [
    "The forget gate erases old content, maybe.",
    "I'm unsure, but the forget gate discards old content.",
    "It is something like the forget gate erasing things.",
    "Hmm, the forget gate discards stuff.",
    "The forget gate erases, let me think...",
    "The forget gate discards old content?",
])
def test_the_speakers_own_doubt_still_hedges(answer):
    assert statuses(answer, FORGET) == ["missed"]


def test_a_misconception_contradicts_the_point_and_carries_its_correction():
    j = judge(question(FORGET), "The forget gate adds new information to the cell.")
    (p,) = j.points
    assert (p.status, p.evidence, p.correction) == (
        "contradicted", "The forget gate adds new information to the cell.",
        "The forget gate only scales c_{t-1}; the input gate writes.")
    assert j.score == 0.0
    assert statuses("The forget gate doesn't add anything, it erases old content.", FORGET) == ["covered"]


@pytest.mark.parametrize("answer", [
    "The forget gate isn't needed because the cell keeps everything anyway.",
    "The forget gate is pointless since the cell retains its content.",
    "The forget gate doesn't matter, as the input gate already clears the cell.",
])
def test_a_negated_subject_stays_negated_through_its_reason(answer):
    assert statuses(answer, FORGET) == ["missed"]
    assert statuses("The forget gate doesn't add, it erases old content.", FORGET) == ["covered"]


def test_swapped_facts_in_one_sentence_do_not_lend_each_other_words():
    both = KeyPoint("input gate writes", claims=(("input gate", r"\bwrit\w*"),))
    assert statuses("The forget gate writes the new content, while the input gate erases the old.",
                    FORGET, both) == ["contradicted", "missed"]


def test_a_consequence_about_it_stays_with_its_subject():
    assert statuses("The forget gate sits inside the cell, so it erases old content.", FORGET) == ["covered"]
    assert statuses("The forget gate is open, so the input gate erases.", FORGET) == ["missed"], "a new subject"


def test_a_negation_reaches_into_its_verbs_parenthesised_argument():
    shape = KeyPoint("recurrent weights shrink to (4H, P)", claims=((r"\bweights\b", r"\(4h, ?p\)"),))
    assert statuses("The recurrent weights shrink to (4H, P).", shape) == ["covered"]
    assert statuses("The recurrent weights don't shrink to (4H, P).", shape) == ["missed"]
    assert statuses("The weights are not tied (they stay (4H, P)).", shape) == ["covered"], "an aside"


def test_and_splits_a_sentence_only_before_a_new_subject():
    states = KeyPoint("LSTM carries two states", claims=((r"\blstm\b", r"\btwo states\b"),))
    assert statuses("The LSTM has four weight blocks, and carries two states, h and c.", states) == ["covered"]
    assert statuses("The GRU has one state, and the LSTM carries two states.", states) == ["covered"]
    assert statuses("The LSTM has one state, and GRUs carry two states.", states) == ["missed"]
    assert statuses("The LSTM has one state, and keeping two states is the GRU's job.", states) == ["missed"]


def test_a_claim_that_states_a_negation_is_not_cancelled_by_an_earlier_one():
    recurrent = KeyPoint("not on the recurrent path", claims=((r"\bnot on (the )?recurren\w*",),))
    assert statuses("Dropout goes between layers, not after the top layer, not on the recurrent path.",
                    recurrent) == ["covered"]
    obsolete = KeyPoint("attention makes it unnecessary", claims=(("attention", r"\bunnecessary\b"),))
    assert statuses("Today it is unnecessary, thanks to attention.", obsolete) == ["covered"]
    assert statuses("Attention doesn't make it unnecessary.", obsolete) == ["missed"]


def test_a_unicode_minus_reads_as_a_minus():
    interp = KeyPoint("interpolates", claims=((r"\(1 ?- ?z\)",  r"\bn\b"),))
    assert statuses("h' = (1\u2212z) * n + z * h", interp) == ["covered"]


def test_a_negated_verdict_reaches_back_over_its_whole_list_subject():
    fixes = KeyPoint("clipping and gating help", claims=((r"\bclipping\b", r"\bgating\b"),))
    assert statuses("Memory grows, and clipping, pruning and gating aren't needed.", fixes) == ["missed"]
    assert statuses("It is slow, and truncation, clipping or gating won't help.", fixes) == ["missed"]
    assert statuses("Use clipping and gating.", fixes) == ["covered"]
    assert statuses("Use clipping and gating for the parts that are no longer useful.", fixes) == ["covered"]


def test_a_fragment_of_a_one_word_cue_does_not_own_it():
    steps = KeyPoint("repeated over T steps", claims=((r"\bmultipl\w*", r"\b(repeated|T)\b"),))
    assert statuses("It doesn't come from multiplication.", steps) == ["missed"], "the t of doesn't"
    assert statuses("The gradient is a repeated multiplication.", steps) == ["covered"]


def test_a_negation_covers_a_second_object_joined_by_and_a():
    decoder = KeyPoint("a decoder generates", claims=((r"\bdecoder\b\W+(?:\w+\W+){0,3}?generates",),))
    assert statuses("It doesn't have an encoder that reads and a decoder that generates.", decoder) == ["missed"]
    assert statuses("It has an encoder that reads and a decoder that generates.", decoder) == ["covered"]


def test_text_copied_from_the_question_earns_nothing():
    text = "Why does the forget gate keep the cell state across many steps?"
    assert statuses(text, FORGET, text=text) == ["missed"]
    assert statuses("Well, the forget gate does keep the cell state across many steps.", FORGET, text=text) == [
        "missed"], "a run of six or more words from the question is blanked out"
    assert statuses("The forget gate retains c_{t-1} when it is near one.", FORGET, text=text) == ["covered"]


def test_a_negated_list_cancels_every_item():
    answer = "It does not use a hidden state and there are no shared weights at every step."
    assert statuses(answer, SHARED) == ["missed"]
    assert statuses("The same weights are used at every step.", SHARED) == ["covered"]


def test_score_and_json_shape():
    j = judge(question(FORGET, SHARED), "The forget gate throws old content away.")
    assert j.score == 0.5
    assert j.to_json() == {"question": "q", "score": 0.5, "key_points": [
        {"label": FORGET.label, "status": "covered", "evidence": "The forget gate throws old content away.",
         "correction": None},
        {"label": SHARED.label, "status": "missed", "evidence": None, "correction": None}]}


def test_exact_items_are_checked_exactly():
    tf = Item("true_false", "A GRU has more gates than an LSTM.", False)
    choice = Item("choice", "Order?", 0, options=("i, f, g, o", "i, f, o, g"))
    number = Item("number", "Parameters?", 15040, verify="...")
    shape = Item("shape", "Shape?", (2, 3, 20), verify="...")
    assert is_right(tf, False) and not is_right(tf, True) and not is_right(tf, 0)
    assert is_right(choice, 0) and not is_right(choice, 1) and not is_right(choice, False)
    assert is_right(number, "15,040") and is_right(number, "15040") and not is_right(number, "15041")
    assert not is_right(number, "about 15k")
    for text in ("(2, 3, 20)", "[2,3,20]", "2x3x20", "torch.Size([2, 3, 20])"):
        assert is_right(shape, text), text
    assert not is_right(shape, "(3, 2, 20)") and parse_shape("two by three") is None


def test_the_judge_and_the_exam_do_not_import_torch():
    code = ("import sys, rnnprep.quiz.judge, rnnprep.quiz.exam, rnnprep.quiz.items, rnnprep.content.loader; "
            "rnnprep.content.loader.load_library(); assert 'torch' not in sys.modules, 'torch was imported'")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def rnnprep_cli(*args: str, stdin: str, home: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rnnprep", "--home", str(home), *args], input=stdin, cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False)


def test_answer_command_prints_the_same_judgement_as_json(tmp_path):
    answer = "The forget gate adds new information to the cell. The output gate decides what to expose as h_t."
    proc = rnnprep_cli("answer", "lstm-components", "--json", stdin=answer, home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    q = load_library().question("lstm-components")
    assert got == judge(q, answer).to_json()
    assert [p["status"] for p in got["key_points"]][:3] == ["contradicted", "missed", "covered"]
    assert got["key_points"][0]["correction"]


def test_answer_command_names_an_unknown_question_in_one_line(tmp_path):
    proc = rnnprep_cli("answer", "lstm-component", stdin="x", home=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "did you mean lstm-components?" in proc.stderr


REMEDY = KeyPoint("truncated BPTT and clipping as remedies", term=True,
                  claims=((r"truncat\w* bptt|clip\w*",),))
HARM = KeyPoint("exploding gradients wreck training", term=True,
                claims=((r"explod\w*",), (r"explod\w*", r"\b(worse|hurts?|breaks?)\b")))


@pytest.mark.parametrize("answer", [
    "Truncated BPTT and clipping would only hurt.",
    "Clipping makes training worse.",
    "Gradient clipping is an outdated trick.",
    "Clipping would break backprop.",
    "Clipping only affects saving checkpoints.",
    "Clipping is counterproductive, so you should avoid it.",
    "Avoid clipping since it slows training down.",
])
def test_a_negative_verdict_cancels_the_remedy_it_judges(answer):
    assert statuses(answer, REMEDY) == ["missed"]


@pytest.mark.parametrize("answer", [
    "Clipping prevents exploding gradients that would otherwise break training.",
    "Longer sequences make it worse, so use truncated BPTT.",
])
def test_a_verdict_on_something_else_leaves_the_remedy_standing(answer):
    assert statuses(answer, REMEDY) == ["covered"]


def test_a_point_about_a_harm_owns_its_verdict():
    assert statuses("Exploding gradients make training worse.", HARM) == ["covered"]
    assert statuses("Over long sequences vanishing and exploding get much worse.", HARM) == ["covered"]


@pytest.mark.parametrize("answer", [
    "It uses float64 regardless of the input dtype.",
    "It allocates on the default GPU, ignoring the input dtype.",
    "It is fast, not because of the input dtype.",
])
def test_regardless_ignoring_and_not_because_deny_their_object(answer):
    point = KeyPoint("matches the input dtype", claims=((r"\binput\b", r"\bdtype\b"),))
    assert statuses(answer, point) == ["missed"]


def test_less_reverses_the_word_it_qualifies_unless_the_claim_says_less():
    deeper = KeyPoint("higher layers are more abstract", claims=((r"\blayers?\b", r"\babstract\b"),))
    assert statuses("Extra layers make features less abstract.", deeper) == ["missed"]
    assert statuses("Extra layers make features more abstract.", deeper) == ["covered"]
    lighter = KeyPoint("GRU is lighter", claims=((r"\bgru\b", r"\b(fewer|less) (parameters|memory)\b"),))
    assert statuses("A GRU needs less memory.", lighter) == ["covered"]


def test_a_one_regex_claim_needs_a_statement_unless_the_point_is_a_term():
    claim = ((r"long[- ]term dependencies( are lost)?",),)
    relation = KeyPoint("long-term dependencies are lost", claims=claim)
    assert statuses("Long-term dependencies are fine.", relation) == ["missed"]
    assert statuses("Long-term dependencies are lost.", relation) == ["covered"]
    named = KeyPoint("long-term dependencies", claims=claim, term=True)
    assert statuses("Long-term dependencies are fine.", named) == ["covered"]
    equation = KeyPoint("reset gate is a sigmoid", claims=((r"\br_?t? ?= ?σ",),))
    assert statuses("r_t = σ(W_ir x + W_hr h)", equation) == ["covered"]


def _claim(*regexes: str) -> KeyPoint:
    return KeyPoint("a point", claims=(tuple(regexes),))


@pytest.mark.parametrize(("point", "answer"), [
    (_claim("uniform", "perplexity", r"\bv\b"), "A uniform guess has perplexity V."),
    (_claim("zoneout", "previous value"), "Zoneout (Krueger et al.) keeps the previous value of some units."),
    (_claim(r"\bcifg\b", "as good"), "CIFG and no-peephole variants are about as good as the full LSTM."),
    (_claim("uniform", r"1 ?/ ?√"), "PyTorch draws every weight from a uniform ±1/√H with no forget bias."),
    (_claim("attention", r"\badd\b"), "One vector can't hold 50 words → add attention."),
    (_claim("detach", "between chunks"), "I'd check something like `h.detach()` between chunks."),
])
def test_names_abbreviations_and_examples_do_not_hide_a_right_claim(point, answer):
    assert judge_point(point, answer).status == "covered"


@pytest.mark.parametrize(("point", "answer"), [
    (_claim("rtrl", r"h ?\^ ?4"), "RTRL doesn't cost O(H^4) per step."),
    (_claim("values", "same sequence"), "Self-attention doesn't take queries, keys and values from the same sequence."),
    (_claim("generat", "text"), "Generating text or gradient checks wouldn't reveal anything."),
])
def test_a_negation_reaches_through_calls_lists_and_verdicts(point, answer):
    assert judge_point(point, answer).status == "missed"


def test_and_in_or_and_then_do_not_split_off_a_clause():
    parts = sentences("BN statistics are global, and in an RNN they differ per step.")
    assert [p.text for p in parts] == ["BN statistics are global, and in an RNN they differ per step."]


def test_no_matter_denies_nothing_and_a_negated_shape_stays_negated():
    assert judge_point(_claim(r"\bvariance\b", r"\bstays fixed\b"),
                       "The variance stays fixed no matter how many features there are.").status == "covered"
    assert judge_point(_claim("attn_mask", r"\(l, ?s\)"), "The attn_mask is not (L, S).").status == "missed"


def test_an_index_or_a_comma_or_keeps_a_negation_and_only_the_speaker_forgets():
    forward = _claim(r"output\[-1, :, :h\]")
    assert judge_point(forward, "The forward state isn't h_n[-2] or output[-1, :, :H].").status == "missed"
    pack = _claim("pack", "batch")
    assert judge_point(pack, "Mask the pads so they don't count, or pack the batch first.").status == "covered"
    memory = _claim("vanilla rnn", "cannot remember", "long context")
    assert judge_point(memory, "A vanilla RNN cannot remember long context.").status == "covered"
    assert judge_point(memory, "Cannot remember: a vanilla RNN cannot remember long context").status == "missed"


@pytest.mark.parametrize(("point", "answer"), [
    (_claim("multiplying", "below one"), "Multiplying by something with norm below one drives it to zero."),
    (_claim("no idea", "word order"), "Without positions, the layer has no idea of word order."),
    (_claim("decoder", "source words"), 'The decoder asks, at every step, "which source words matter now?"'),
    (_claim("uniform", "perplexity"), "A know-nothing uniform guesser has perplexity V."),
])
def test_a_described_thing_a_third_partys_ignorance_or_a_quoted_question_is_no_hedge(point, answer):
    assert judge_point(point, answer).status == "covered"


def test_the_speakers_own_ignorance_still_hedges():
    assert judge_point(_claim("forget gate", "erase"), "I have no idea, the forget gate erases?").status == "missed"
    assert judge_point(_claim("forget gate", "erase"), "No idea: the forget gate erases things.").status == "missed"
