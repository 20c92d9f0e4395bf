"""Answer forms on figures: computed comparisons with the arithmetic shown, and yes/no questions
answered "Yes" or "No" first, then the cited figures.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..ingest.extract import currency_of
from ..language.periods import year_of
from ..language.words import CHANGE, tokenize
from .answer import (
    Answer,
    abstain,
    compose_figure_answer,
    finish,
)
from .arithmetic import FigureAnswer, against_combined, comparable, stated
from .choosing import (
    best_sentences,
    is_usable,
    quote,
)
from .figures import SAYS_MEASURE, covered, measure_words, of_periods
from .turn import Turn
from .verdicts import (
    PERCENT_UNITS,
    bound_verdict,
    comparison_verdict,
    multiple_verdict,
    quantity_verdict,
    sentence_verdict,
)

_NEGATION = re.compile(r"\b(?:not|no|never|none|nor|cannot|can't|won't|isn't|wasn't|aren't|"
                       r"doesn't|didn't|unlikely|fails?|failed|lack|lacks|neither|too small|"
                       r"far behind|dropped|cancel(?:l?ed)?|scrapped|abandoned|halted|called off|"
                       r"shelved|withdrew|declined to|ruled out)\b|n't\b", re.IGNORECASE)

_COMPARATIVE = re.compile(r"\b(?:more|less|fewer|bigger|larger|greater|higher|lower|smaller|"
                          r"ahead|behind|exceed\w*|outpac\w*|beat|surpass\w*|"
                          r"overtak\w*|outgr[eo]w\w*|trail\w*|than)\b", re.I)

def computed(turn: Turn, kb) -> Answer | None:
    """Ratios, differences, growth and shares, on figures from the table or the articles."""
    q = turn.analysis
    two_things = len(q.names) >= 2 or len(q.periods) >= 2 or len(q.numbers) >= 1
    # "What was the figure in 2019 and in 2021?", "the swing from 2019 to 2020": one measure
    # at two times, shown with the change between them if both figures are there; if not,
    # the sentences answer (no arithmetic was asked, so a missing figure is no near miss).
    implied = not q.operation and q.answer_type == "quantity" and len(q.periods) >= 2
    if implied:
        q = replace(q, operation="compare")
    if not (q.operation or (q.answer_type == "yesno" and two_things
                            and _COMPARATIVE.search(q.text))):
        return None
    if _stated(turn):
        return None
    if q.answer_type == "yesno":
        combined = _against_combined(turn, kb)
        if combined:
            return combined
    result = kb.figures.compute(q, turn.vector, kb.idf, turn.passage_ids)
    if result is None or not result.calculation:
        # "compare … with" may only ask what the sources say: not arithmetic to abstain on.
        if q.operation not in {"", "compare"} and not implied and q.answer_type != "yesno" and \
                turn.hits and \
                (len(q.names) >= 2 or len(q.periods) >= 2) and \
                (q.operation != "growth" or len(q.periods) >= 2):
            # Arithmetic on two named things or times, but the sources lack one of the figures:
            # quoting a sentence about something else would be a near miss passed off as an
            # answer. ("How fast did it grow in 2020?" may be stated: the sentences say.)
            return abstain(turn.question, turn.resolved, "They do not give both figures this "
                           "calculation needs.", [h.document for h in turn.hits[:3]])
        return None
    if not _recent_enough(turn, result.figures):
        return None
    sentences, citations = compose_figure_answer(result, kb.passages_by_doc, kb.figure_rows)
    verdict = comparison_verdict(q, result)
    if q.answer_type == "yesno" and not verdict:
        return None  # the figures do not settle it: the sentences may say yes or no
    return finish(turn.question, turn.resolved, sentences, citations, result.figures,
                  result.calculation.to_dict(), lead=verdict)

def _against_combined(turn: Turn, kb) -> Answer | None:
    """"Was A bigger (or more than double) than B and C combined?": Yes or No on A's figure
    against the sum of theirs, the sum and the ratio shown."""
    q = turn.analysis
    result = _combined_figures(q, kb, turn)
    if result is None or not _recent_enough(turn, result.figures):
        return None
    ratio, low = result.calculation.result, q.text.lower()
    verdict = multiple_verdict(low, ratio) or \
        ("Yes." if (ratio < 1 if _SMALLER.search(low) else ratio > 1) else "No.")
    sentences, citations = compose_figure_answer(result, kb.passages_by_doc, kb.figure_rows)
    return finish(turn.question, turn.resolved, sentences, citations, result.figures,
                  result.calculation.to_dict(), lead=verdict)


def _combined_figures(q, kb, turn: Turn) -> FigureAnswer | None:
    """A's figure against the sum of B's and C's, all of one period and measure; None unless
    the question sets one thing against two or more "combined"."""
    low = q.asked.lower()
    than = re.search(r"\bthan\b", low)
    if not than or not _COMBINED.search(low[than.end():]):
        return None
    after = [n for n in q.names if low.find(n.lower(), than.end()) >= 0]
    before = [n for n in q.names if n not in after]
    if len(after) < 2 or not before:
        return None
    finder = kb.figures
    ranked = [i for _, i in finder.worth(q, turn.vector, kb.idf, turn.passage_ids)[:40]]

    def best(name: str, like=None):
        return next((finder.figures[i] for i in ranked if finder.mentions(i, name) >= 1.0
                     and (like is None or (comparable(like, finder.figures[i])
                                           and finder.figures[i].period == like.period))), None)

    for name in before:  # "Globex's share of Ruritania's market": the first with a figure
        first = best(name)
        others = [best(n, first) for n in after] if first else []
        if first and all(others) and len({f.id for f in [first, *others]}) == len(after) + 1:
            return against_combined(first, others)
    return None


_COMBINED = re.compile(r"\b(?:combined|together|put together|added together|between them)\b")
_SMALLER = re.compile(r"\b(?:smaller|less|fewer|lower|below|behind)\b")


def threshold(turn: Turn, kb) -> Answer | None:
    """"Did X hold more than 10% in 2020?": the figure the sources state for it, against the
    number asked. (A share the sources do not state is computed, below.)"""
    q = turn.analysis
    if q.answer_type != "yesno" or q.operation not in {"", "share"} or q.bound is None:
        return None
    percent = q.bound[2] in PERCENT_UNITS
    weight = {t[:5]: w for t, w in measure_words(q, kb.idf).items()}
    total = sum(weight.values())
    for _, i in kb.figures.rank(q, turn.vector, kb.idf, turn.passage_ids)[:5]:
        fig = kb.figures.figures[i]
        stems = frozenset(t[:5] for t in kb.figures.tokens[i])  # "world" in "worldwide"
        if (fig.unit == "percent") != percent or fig.value == q.bound[1] or \
                not _in_asked_currency(q, fig) or \
                covered(weight, stems, {}) < total / 3 or \
                (q.names and max(kb.figures.mentions(i, n) for n in q.names) < 1.0) or \
                (q.periods and not of_periods(fig, q.periods)):
            continue
        verdict = bound_verdict(q.bound, fig.value, fig.unit)
        result = FigureAnswer([stated(fig)], [fig])
        sentences, citations = compose_figure_answer(result, kb.passages_by_doc, kb.figure_rows)
        return finish(turn.question, turn.resolved, sentences, citations, [fig], lead=verdict)
    return None

def _sentence_bound(turn: Turn, kb, best) -> str:
    """"Was its revenue above $100 million?" against the amount the best sentence states
    ("388 million yuan ($63 million)"): in the currency asked, when the question names one."""
    q = turn.analysis
    if q.bound is None:
        return ""
    percent = q.bound[2] in PERCENT_UNITS
    for i in kb.figures.candidates([best.sentence.passage.id]):
        fig = kb.figures.figures[i]
        if fig.note != best.text or (fig.unit == "percent") != percent or \
                not _in_asked_currency(q, fig):
            continue
        return bound_verdict(q.bound, fig.value, fig.unit)
    return ""


def _in_asked_currency(q, fig) -> bool:
    """True unless the question's amount has a currency ("above $100 million") and the figure
    is in another one."""
    asked = currency_of(q.asked)
    return not asked or fig.unit.startswith(asked)


def _recent_enough(turn: Turn, figures) -> bool:
    """With a "since" filter, figures reported before it are not used."""
    return not turn.since or all(year_of(f.as_of) >= turn.since for f in figures
                                 if f.table != "extracted")

# A change stated as an amount: "an increase of 137,000 customers", "added 40 stations". The
# words of change are words.CHANGE's, with those of adding; the amount is not a percentage.
_ADDING = re.compile(r"\b(?:gain(?:ed|s)?|add(?:ed|ing|s)?|addition)\b", re.IGNORECASE)
_AMOUNT_AFTER = re.compile(r"\s+(?:of\s+|by\s+)?(?:about |some |nearly |almost |roughly |"
                           r"more than |over )?(?:[$€£]|[A-Z]{3} ?)?\d[\d,.]*(?![\d,.])"
                           r"(?!\s?(?:%|percent|per cent))")


def _states_change(text: str) -> bool:
    return any(_AMOUNT_AFTER.match(text, m.end())
               for pattern in (CHANGE, _ADDING) for m in pattern.finditer(text))


def _stated(turn: Turn) -> bool:
    """A share, a growth rate or a change in one period ("by how many did it grow in Q2?")
    that the sources state outright is quoted, not recomputed."""
    q = turn.analysis
    if q.operation == "difference" and len(q.periods) < 2 and len(q.names) < 2:
        typed = [e for e in turn.evidence[:3] if is_usable(e)]
        return bool(typed) and _states_change(typed[0].text) and \
            typed[0].features["year_ok"] >= 0.5 and \
            typed[0].features["coverage"] >= SAYS_MEASURE
    if not (q.operation == "share" or (q.operation == "growth" and len(q.periods) < 2)):
        return False
    typed = [e for e in turn.evidence[:5] if is_usable(e) and re.search(r"\d\s?(?:%|percent)",
                                                                      e.text)]
    return bool(typed) and typed[0].features["year_ok"] == 1.0 and \
        typed[0].features["coverage"] >= 0.5

def yes_no(turn: Turn, kb) -> Answer | None:
    """'Yes'/'No' first when the best sentence settles it, then the quoted evidence."""
    if turn.analysis.answer_type != "yesno":
        return None
    chosen, claim_said = _claim_first(turn, kb, best_sentences(turn, limit=2))
    if not chosen:
        return None
    verdict = sentence_verdict(turn.analysis.text, chosen[0].text) or \
        quantity_verdict(turn.analysis, chosen[0].text) or _sentence_bound(turn, kb, chosen[0])
    if not verdict and _says_what_is_asked(turn, kb, chosen):
        asked_negative = bool(_NEGATION.search(turn.analysis.text))
        said_negative = bool(_NEGATION.search(chosen[0].text))
        verdict = "No." if asked_negative != said_negative else "Yes."
    if not verdict or max(chosen[0].features["coverage"], claim_said) < SAYS_MEASURE:
        verdict = "The sources do not say so directly; the closest they come:"
    return quote(turn, chosen, lead=verdict)


# "When X unveiled its pact, did it explain …?": the clause before the auxiliary sets the
# scene; the claim to settle follows it.
_SCENE = re.compile(r"^[^,?]{2,80},\s*(?=(?:is|are|was|were|does|do|did|can|could|will|would|"
                    r"should|has|have|had)\b)", re.IGNORECASE)


def _claim_first(turn: Turn, kb, chosen: list) -> tuple[list, float]:
    """The quoted sentences led by the one that says most of the claim, when the question sets
    a scene first (the best match overall may only match the scene), and the share of the
    claim's words that sentence says (0 without a scene)."""
    scene = _SCENE.match(turn.analysis.text)
    if not chosen or not scene:
        return chosen, 0.0
    claim = set(tokenize(turn.analysis.text[scene.end():]))
    weight = {t: w for t, w in measure_words(turn.analysis, kb.idf).items() if t in claim}
    total = sum(weight.values())
    if not total:
        return chosen, 0.0

    def says(e) -> float:
        return covered(weight, frozenset(tokenize(e.text)), turn.analysis.alternatives) / total

    pool = [e for e in turn.evidence[:6] if is_usable(e)]
    lead = max(pool, key=says, default=chosen[0])
    if says(lead) <= says(chosen[0]):
        return chosen, says(chosen[0])
    return [lead] + [e for e in chosen if e is not lead][:1], says(lead)


def _says_what_is_asked(turn: Turn, kb, chosen: list) -> bool:
    """Whether the quoted sentences (with the one before the first) say enough of what a
    yes/no question claims of its subject (a third of its words, by rarity): sentences on the
    subject that say something else settle nothing."""
    weight = measure_words(turn.analysis, kb.idf)
    total = sum(weight.values())
    text = " ".join([chosen[0].sentence.previous] + [e.text for e in chosen])
    said = covered(weight, frozenset(tokenize(text)), turn.analysis.alternatives)
    return not total or said >= SAYS_MEASURE * total
