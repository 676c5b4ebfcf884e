"""What it means for an answer to state a claim: the semantics of a deck's `claims:` and `misconceptions:`.

It lives with the content because a deck's examples are checked against it when the deck loads;
the quiz's judge builds its verdicts on top of it. A claim holds when all of its regexes match inside
one clause of one sentence, each on its own words; none of the matches lies in the scope of a negation
("not", "no", "never", "without", ...: from the cue to the end of its clause, and back over the subject of
the negated verb); the sentence is not hedged ("I don't know", "not sure", "maybe", a trailing "?"); and at
least one match uses words the question does not, so copying or restating the question earns nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rnnprep.content.model import Claim, KeyPoint

HARMS = (r"hurts?", r"hurting", r"harms?", r"harmful", r"harming", r"worse", r"worsens?", r"outdated",
         r"deprecated", r"counterproductive", r"detrimental", r"overrated", r"a myth",
         r"(?:would|will|could|can|it|they|this|that|only)\s+(?:\w+\s+)?break(?:s|ing)?",
         r"only (?:affects?|matters?|applies|changes|concerns)",
         r"only (?:used|useful|needed|relevant) (?:for|to|in|on|when)",
         r"too \w+ (?:for|to)", r"should be avoided", r"avoid (?:it|them|this|that)")
"""A negative verdict on what the clause names: "X would only hurt", "X makes it worse", "X is outdated", "X only
affects saving", "avoid it". It reaches back over its whole subject, like EVALUATIVE. A point that is about a
harm ("exploding gradients break training") states it with a claim whose own regex matches the verdict, which
then owns it (see _owned)."""

HARM = re.compile("|".join(HARMS), re.IGNORECASE)

NEGATION = re.compile(
    r"\b(?<!-)(?:" + r"|".join(HARMS) + r"|with no|not|no(?!\s+(?:matter|doubt)\b)|never|none|"
    r"nothing|neither|nor|without|cannot|lacks?|lacking|"
    r"rather than|instead of|"
    r"fails? to|unable to|dont|doesnt|isnt|arent|cant|wont|didnt|useless|obsolete|unnecessary|unsuitable|"
    r"pointless|irrelevant|impossible|has no effect|no effect|too slow|nothing to do with|"
    r"regardless of|irrespective of|ignor(?:es|ing)|remov(?:es|ing)|eliminat(?:es|ing)|dropping|disabl(?:es|ing)|"
    r"turn(?:s|ing)? off|less|fewer|avoid(?:s|ed|ing)?)\b(?!-\w)|\b\w+n't\b",
    re.IGNORECASE)
"""Cues that cancel the evidence after them, up to the end of their clause. A hyphenated compound
("no-peephole variants", "a know-nothing guesser") names a thing rather than denying one, and "no matter",
"no doubt" deny nothing."""

CLAUSE_END = re.compile(
    r"[;:)→⇒]|(?:^|(?<=\s))\[|\s=>\s|(?<!\bto )(?<!\bis )(?<!\bof )(?<!\bare )(?<!\binto )(?<!\bbe )"
    r"(?<!\bnot )(?<!n't )(?<!=)(?<!= )(?<![\w^])\(|"
    r"\s[-–—]\s|"
    r",\s*(?=(?:but|because|since|so|while|whereas|although|though|however|yet|which|"
    r"and|or|instead|unlike|as|it|they|this|rather)\b)|"
    r"\b(?:but|because|since|whereas|although|though|however|yet|which|unlike|so that|so the|so it|only|"
    r"and(?!\s+(?:a|an|any)\b))\b",
    re.IGNORECASE)
"""Where a negation's scope stops: punctuation that ends a clause, or a conjunction that starts a new one
("and a ..." / "and an ..." only joins another object: "doesn't have an encoder and a decoder").
An index ("isn't h_n[-2] or output[-1]") ends nothing; a bracket after a space opens an aside.
A parenthesis after "to", "is", "of", "=" ... is the verb's argument ("don't shrink to (4H, P)"), not an aside,
and so is one right after a word ("doesn't cost O(H^4)") or a negation ("is not (L, S)"). An arrow ends a clause
("can't hold it → add attention")."""

APPROXIMATE = (r"\s+(?:the\s+)?(?:\d|a\s+few|a\s+couple|one|two|three|four|five|ten|twenty|fifty|a\s+hundred|"
               r"hundreds|thousands|top|median|\d+(?:st|nd|rd|th))")
HEDGE = re.compile(
    r"\b(?:i\s+(?:do\s*n[o']?t|dont)\s+(?:really\s+)?(?:know|remember|recall)|not\s+(?:really\s+)?(?:sure|certain)|"
    r"(?:i'?m|i\s+am)\s+(?:a\s+bit\s+|a\s+little\s+|quite\s+)?unsure|unsure\s+(?:if|whether|about|but|how|what|which)|"
    r"(?:^|\bi\s+have\s+|\bi'?ve\s+(?:got\s+)?)no\s+(?:idea|clue)|(?:^|\bi\s+)(?:can'?t|cannot)\s+(?:remember|recall)|i\s+forget|i\s+guess|"
    r"(?:(?<!,\s)maybe|maybe(?!\s+[\w-]+\s*,))(?!" + APPROXIMATE + r")|perhaps(?!" + APPROXIMATE + r")|"
    r"(?<!\bby\s)(?<!\bof\s)(?<!\bto\s)(?<!\bwith\s)"
    r"something\s+(?:like(?!\s*:|\s*[`.]|\s+[\w.]+\(|" + APPROXIMATE + r")|with|about|to\s+do)|"
    r"or\s+something|kind\s+of|sort\s+of|vaguely|if\s+i\s+remember|i\s+have\s+(?:no|a\s+vague)|"
    r"(?:just\s+)?a\s+guess|my\s+guess|(?-i:[Hh]mm+)|umm*|uh+|not\s+(?:too\s+)?confident|guessing)\b",
    re.IGNORECASE)
"""Hedging cancels its whole sentence: a guess is not evidence. Not hedges: an approximate number ("maybe
ten steps", "something like the median"), an aside between commas (", maybe quantised,"), a list
introduced by "something like:" or an example ("something like `.detach()`"), a noun ("a uniform guess
has perplexity V"), the acronym HMM, or someone else's uncertainty ("the model is unsure", "a vanilla RNN cannot
remember long context")."""

CHECK_QUESTION = re.compile(
    r"\b(?:check|verify|look at|ask|confirm|test)\w*\b[^?]{0,60}:\s*(?:was|were|is|are|did|does|do|has|have|am|can)\b",
    re.IGNORECASE)
"""A question posed as a check ("I'd check the data: was training filtered with max_len?") is a diagnosis, not
a guess."""

TRAILING_DOTS = re.compile(r"(?<=[a-z])\s?(?:\.\.\.|…)$", re.IGNORECASE)
"""A sentence trailing off ("let me think...") is hedged; an elided list or call ("h_1, h_2, ...", "f(...")
is not."""

LIST_TAIL = re.compile(r",\s*[\w-]+(?:\s+[\w-]+)?\s*$")
"""A list's last comma item right before "and" ("queries, keys and values"): the "and" ends the list, not the
clause, so a negation before the list governs all of it."""

REASON = re.compile(r"\s*,?\s*(?:because|since|as|so|which|although|though|and)\b", re.IGNORECASE)
"""A clause that gives a negated subject's reason or consequence, rather than correcting it ("X isn't needed
because ...", unlike "X doesn't add, it erases"): the claim cannot go on past the negation into it."""

EVALUATIVE = re.compile(r"useless|obsolete|unnecessary|unsuitable|pointless|irrelevant|impossible|" + r"|".join(HARMS),
                        re.IGNORECASE)
"""Negative predicates that reach back over their whole subject ("overfitting one batch is pointless")."""

VERDICT = re.compile(
    r"\s+(?:\w+\s+){0,1}(?:help|helps|matter|matters|apply|fix|fixes|needed|necessary|required|relevant|useful|"
    r"worth|better|speed|tell|reveal|show|cause|reduce|prevent|improve|culprits?|examples?|alternatives?|work)\b",
    re.IGNORECASE)
"""A negated verdict on its subject ("..., and X or Y won't help", "X and Y aren't needed"): the subject may be
a whole list, so it reaches back to the clause's start (see _subject_start), not a few words."""

SUBJECT_WORDS = 4
"""How far back a negation reaches for a one-regex claim: the subject of the negated verb."""

PHRASE_CUES = {"with no": 3, "instead of": 3, "rather than": 3, "without": 2, "regardless of": 3, "irrespective of": 3,
               "ignores": 3, "ignoring": 3, "removes": 3, "removing": 3, "eliminates": 3, "eliminating": 3,
               "dropping": 3, "disables": 3, "disabling": 3, "turn off": 3, "turns off": 3, "turning off": 3,
               "less": 1, "fewer": 1, "avoid": 3, "avoids": 3, "avoided": 3, "avoiding": 3}
PHRASE_WORD = re.compile(r"\s*[^\s,;.]+")
"""'instead of X', 'without X', 'with no X', 'regardless of X', 'ignoring X', 'removing X', 'avoid X' negate X, a
few words, not the rest of the clause; 'less X' and 'fewer X' reverse one word ("less abstract")."""

CLAUSE_SPLIT = re.compile(
    r";\s(?![^\[]*\])|,\s+(?=(?:while|whereas|but|so|yet|whilst)\s)|\s(?=(?:while|whereas|but)\s)|"
    r",\s+(?=and\s+(?:(?:the|it|they|this|that|these|those|its|their|each|every|both|all|we|you|i|there)\b|"
    r"(?-i:[A-Z])|\w*[_\d]|\w+ing\b|\w+\s+(?:gate|gates|state|states|cell)\b))")
"""Where one sentence holds several claims: a claim's words must come from one clause, so a list of
swapped facts ("the forget gate writes, and the input gate erases") cannot lend one fact the other's words.
", and" splits only before a new subject (an article or pronoun, a name, a symbol, a gerund, "<word> gate"):
", and carries two states" or ", and a single state h" goes on about the same subject."""

PRONOUN_CLAUSE = re.compile(r"so\s+(?:it|they|its|it's|their)\b", re.IGNORECASE)
"""A consequence whose subject is a pronoun ("LayerNorm uses one vector's units, so it's per example") goes
on about the previous clause's subject, so the two stay one clause."""

STATEMENT_WORDS = 3
TOKEN = re.compile(r"[a-z0-9_]+(?:-[a-z0-9_]+)*|[^\sa-z0-9_,.;:!?'\"]")
"""Words a one-regex claim must match unless its point is a term: "long-term dependencies are lost" states a
claim, "long-term dependencies" or "twice" only names a concept, which a wrong answer names as readily. An
operator counts as a word, so an equation or an index ("r = σ", "h_n[-2]") is a statement; a hyphenated word
("long-term") is one word."""

SENTENCE_END = re.compile(r"(?<=[.!?])(?<!\bal\.)(?<!\bi\.e\.)(?<!\be\.g\.)(?<!\bvs\.)(?<!\betc\.)(?<!\bcf\.)"
                          r"[\"')\]]*\s+(?=\S)|\n\s*\n|\n(?=\s*(?:[-*•]|\d+[.)])\s)")
WORD = re.compile(r"[a-z0-9_]+")
ECHO_RUN = 6
"""Words in a row shared with the question that count as copied from it."""


@dataclass(frozen=True)
class Sentence:
    text: str
    """As written (whitespace collapsed), for showing as evidence."""
    masked: str
    """The same, with text copied from the question blanked out (same length, so offsets agree)."""
    hedged: bool


def sentences(answer: str, question: str = "") -> list[Sentence]:
    """Split an answer into sentences, each marked hedged or not, with echoes of `question` blanked."""
    original = (answer or "").replace("\u2019", "'").replace("\u2212", "-")
    text = echo_masked(original, question) if question else original
    out: list[Sentence] = []
    start = 0
    bounds = [m for m in SENTENCE_END.finditer(original)] + [None]
    for m in bounds:
        end = m.start() if m else len(original)
        raw, raw_masked = original[start:end], text[start:end]
        if raw.strip():
            shown = " ".join(raw.split())
            masked = _collapse_like(raw, raw_masked)
            tail = shown.rstrip(") ]*")  # a quoted question ('asks "which words matter?"') is no doubt
            hedged = (bool(HEDGE.search(shown)) or (tail.endswith("?") and not CHECK_QUESTION.search(shown))
                      or bool(TRAILING_DOTS.search(tail)))
            cut = 0
            for c in [m.start() for m in CLAUSE_SPLIT.finditer(shown)
                      if not PRONOUN_CLAUSE.match(shown, m.end())] + [len(shown)]:
                if shown[cut:c].strip():
                    out.append(Sentence(text=shown[cut:c].strip(" ,;"), masked=masked[cut:c], hedged=hedged))
                cut = c
        start = m.end() if m else len(original)
    return out


def _collapse_like(raw: str, masked: str) -> str:
    """Collapse whitespace in `masked` exactly where it collapses in `raw`, keeping the two aligned."""
    out, prev_space = [], True
    for ch_raw, ch_masked in zip(raw, masked, strict=True):
        if ch_raw.isspace():
            if not prev_space:
                out.append(" ")
            prev_space = True
        else:
            out.append(ch_masked)
            prev_space = False
    return "".join(out).rstrip()


def echo_masked(answer: str, question: str) -> str:
    """`answer` with every run of ECHO_RUN or more words that also occurs in `question` blanked out."""
    q_words = [w.group() for w in WORD.finditer(question.lower())]
    runs = {tuple(q_words[i:i + ECHO_RUN]) for i in range(len(q_words) - ECHO_RUN + 1)}
    if not runs:
        return answer
    words = list(WORD.finditer(answer.lower()))
    keep = list(answer)
    for i in range(len(words) - ECHO_RUN + 1):
        if tuple(w.group() for w in words[i:i + ECHO_RUN]) in runs:
            for w in words[i:i + ECHO_RUN]:
                keep[w.start():w.end()] = " " * (w.end() - w.start())
    return "".join(keep)


@lru_cache(maxsize=8192)
def compiled(pattern: str) -> re.Pattern:
    """One compile per deck regex for the whole process (re's own cache holds fewer than the decks have)."""
    return re.compile(pattern, re.IGNORECASE)


def _owned(cue: re.Match, text: str, claim: Claim, matches: list[list[tuple[int, int]]]) -> bool:
    """A cue the claim itself states ("cannot learn", "neither is better"): some match needs the cue's words.

    A match that merely spans the cue through a gap ("forget gate doesn't add") still matches with the cue
    blanked out, so it does not own it and the negation counts; nor does a match on a mere fragment of a
    one-word cue (the "t" of "doesn't"; "no effect" of "has no effect" does own it).
    """
    blanked = text[:cue.start()] + " " * (cue.end() - cue.start()) + text[cue.end():]
    return any(a < cue.end() and cue.start() < b and not compiled(p).fullmatch(blanked, a, b)
               and not (cue.start() <= a and b <= cue.end() and (a, b) != cue.span() and " " not in cue.group())
               for p, spans in zip(claim, matches, strict=True) for a, b in spans)


def _subject_start(text: str, at: int) -> int:
    """Where the subject of a verdict at `at` starts: back over "and"/"or" and over short list items between
    commas ("quantising, exporting, pinning threads and measuring p99 aren't needed"), stopping at other
    punctuation, at a conjunction or relative pronoun that opens a clause ("the parts that are no longer
    useful"), or at a comma after a longer or negated phrase."""
    hard = [m.end() for m in CLAUSE_END.finditer(text, 0, at) if m.group().strip().lower() not in ("and", "only")]
    hard += [m.end() for m in re.finditer(r"\b(?:that|which|who|what|where|if|when)\b", text[:at], re.IGNORECASE)]
    start = max(hard, default=0)
    commas = [i for i, ch in enumerate(text[:at]) if ch == "," and i >= start]
    for i in reversed(commas):
        item = text[i + 1:min([c for c in commas if c > i] + [at])]
        if len(item.split()) > 3 or NEGATION.search(item):
            return i + 1
        item_before = text[max([c + 1 for c in commas if c < i] + [start]):i]
        if len(item_before.split()) > 3 or NEGATION.search(item_before):
            return i + 1
    return start


def _negated_scopes(text: str, claim: Claim, matches: list[list[tuple[int, int]]],
                    reach_back: int) -> list[tuple[int, int, int, int]]:
    """(subject start, cue, end, goes on) per negation: it governs cue..end, up to the end of its clause, and
    the `reach_back` words before it, the subject of the negated verb ("dropout doesn't help"); a claim may
    use that subject only with a match from `goes on` onwards (never, when a reason follows: REASON)."""
    scopes = []
    for cue in NEGATION.finditer(text):
        if _owned(cue, text, claim, matches):
            continue
        end = CLAUSE_END.search(text, cue.end())
        if end and not text[cue.end():end.start()].strip() and end.group().strip().lower() in ("because", "since"):
            end = CLAUSE_END.search(text, end.end())  # "not because of X" denies X, the reason it gives
        while end and end.group().strip().lower() == "and" and LIST_TAIL.search(text, cue.end(), end.start()):
            end = CLAUSE_END.search(text, end.end())  # "doesn't take queries, keys and values": one list
        stop = end.start() if end else len(text)
        words = PHRASE_CUES.get(cue.group().lower())
        if words:
            at = cue.end()
            for _ in range(words):
                word = PHRASE_WORD.match(text, at)
                at = word.end() if word else at
            stop = min(stop, at)
        if HARM.fullmatch(cue.group()):
            stop = cue.end()  # a verdict on its subject: "makes vanishing worse", "worse vanishing" blame no object
        start = cue.start()
        # "X is pointless", "X and Y won't help": a verdict on the whole subject, however long.
        if reach_back and not words and (EVALUATIVE.fullmatch(cue.group()) or VERDICT.match(text, cue.end())):
            clause = _subject_start(text, cue.start())
            start = clause + (len(text[clause:cue.start()]) - len(text[clause:cue.start()].lstrip()))
        elif reach_back and not words:
            clause = max([m.end() for m in CLAUSE_END.finditer(text, 0, cue.start())]
                         + [i + 1 for i, ch in enumerate(text[:cue.start()]) if ch == ","], default=0)
            before = list(re.finditer(r"\S+", text[clause:cue.start()]))[-reach_back:]
            start = clause + before[0].start() if before else start
        # "X isn't needed because ..." goes on with a reason, not a correction: X stays negated.
        goes_on = len(text) + 1 if start < cue.start() and REASON.match(text, stop) else stop
        scopes.append((start, cue.start(), stop, goes_on))
    return scopes


def holds_in(claim: Claim, sentence: Sentence, question_words: frozenset[str] = frozenset(),
             term: bool = True) -> bool:
    """True when every regex of `claim` matches `sentence` outside negation, hedging and echoed text.

    Each regex needs its own words (matches may not overlap), and at least one match must use a word
    the question does not, so restating the question's terms is never evidence. Unless `term`, a claim of
    one regex counts only where it matches a statement (STATEMENT_WORDS words or more), not a bare name.
    """
    if sentence.hedged:
        return False
    text = sentence.masked
    matches = [[m.span() for m in compiled(p).finditer(text) if m.end() > m.start()] for p in claim]
    if len(claim) == 1 and not term:
        matches = [[(a, b) for a, b in matches[0] if len(TOKEN.findall(text[a:b].lower())) >= STATEMENT_WORDS]]
    if not all(matches):
        return False
    # A one-regex claim has no relation of its own to negate, so its negation reaches back further.
    scopes = _negated_scopes(text, claim, matches, reach_back=SUBJECT_WORDS if len(claim) == 1 else 2)
    free = [[(s, e, _novel(text[s:e], question_words)) for s, e in spans
             if not any(cue <= s < end and not ("," in text[cue:s] and _states_negation(compiled(p), text, s, e))
                        for _, cue, end, _ in scopes)]
            for p, spans in zip(claim, matches, strict=True)]
    return _disjoint(free, [], False, scopes)


def _states_negation(pattern: re.Pattern, text: str, s: int, e: int) -> bool:
    """A match whose own words are a negation ("not on h_{t-1}") states it: an earlier cue, a comma before it,
    does not cancel it ("not after the top layer, not on h_{t-1}"); one in its own clause still does
    ("attention doesn't make it unnecessary")."""
    for cue in NEGATION.finditer(text, s, e):
        blanked = text[:cue.start()] + " " * (cue.end() - cue.start()) + text[cue.end():]
        if cue.end() <= e and not pattern.fullmatch(blanked, s, e):
            return True
    return False


def _novel(span: str, question_words: frozenset[str]) -> bool:
    return any(w not in question_words for w in WORD.findall(span.lower()))


def _disjoint(candidates: list[list[tuple[int, int, bool]]], chosen: list[tuple[int, int, bool]],
              novel: bool, scopes: list[tuple[int, int, int, int]]) -> bool:
    """Whether one span per regex can be picked, no two overlapping and at least one novel, with no span
    in a negated subject unless the claim goes on past that negation ("the gate doesn't add, it erases")."""
    if not candidates:
        return novel and not any(any(back <= c[0] < cue for c in chosen) and not any(c[0] >= on for c in chosen)
                                 for back, cue, _, on in scopes)
    return any(_disjoint(candidates[1:], chosen + [span], novel or span[2], scopes) for span in candidates[0]
               if all(span[1] <= c[0] or c[1] <= span[0] for c in chosen))


@dataclass(frozen=True)
class PointVerdict:
    status: str
    """covered, missed or contradicted."""
    evidence: str | None
    """The sentence that showed the claim (or the misconception)."""
    correction: str | None


def judge_point(point: KeyPoint, answer: str, question: str = "") -> PointVerdict:
    """Contradicted when a misconception holds (it outweighs any right words), else covered or missed."""
    parts = sentences(answer, question)
    words = frozenset(WORD.findall(question.lower()))
    for m in point.misconceptions:
        hit = next((s for s in parts if holds_in(m.claim, s)), None)
        if hit is not None:
            return PointVerdict("contradicted", hit.text, m.correction)
    hit = next((s for s in parts if any(holds_in(c, s, words, point.term) for c in point.claims)), None)
    return PointVerdict("covered", hit.text, None) if hit else PointVerdict("missed", None, None)
