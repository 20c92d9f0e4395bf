"""Answer forms on figures: computed comparisons with the arithmetic shown, and yes/no questions
answered "Yes" or "No" first, then the cited figures.
"""

from __future__ import annotations

import re

from ..language.numbers import SCALE, unit_scale
from ..language.periods import year_of
from .answer import (
    Answer,
    abstain,
    compose_figure_answer,
    finish,
)
from .choosing import (
    best_sentences,
    is_usable,
    quote,
)
from .turn import Turn

_NEGATION = re.compile(r"\b(?:not|no|never|none|nor|cannot|can't|won't|isn't|wasn't|aren't|"
                       r"doesn't|didn't|unlikely|fails?|failed|lack|lacks|neither|too small|"
                       r"far behind|dropped|cancel(?:l?ed)?|scrapped|abandoned|halted|called off|"
                       r"shelved|withdrew|declined to|ruled out)\b|n't\b", re.IGNORECASE)

_COMPARATIVE = re.compile(r"\b(?:more|less|fewer|bigger|larger|greater|higher|lower|smaller|"
                          r"ahead|behind|exceed|exceeded|outpace|outpaced|beat|than)\b", re.I)

def computed(turn: Turn, kb) -> Answer | None:
    """Ratios, differences, growth and shares, on figures from the table or the articles."""
    q = turn.analysis
    two_things = len(q.names) >= 2 or len(q.periods) >= 2 or len(q.numbers) >= 1
    if not (q.operation or (q.answer_type == "yesno" and two_things
                            and _COMPARATIVE.search(q.text))):
        return None
    if _stated(turn):
        return None
    result = kb.figures.compute(q, turn.vector, kb.idf, turn.passage_ids)
    if result is None or not result.calculation:
        if q.operation and q.answer_type != "yesno" and turn.hits:
            # Arithmetic asked, but the sources lack one of its figures: quoting a sentence
            # about something else would be a near miss presented as an answer.
            return abstain(turn.question, turn.resolved, "They do not give both figures this "
                           "calculation needs.", [h.document for h in turn.hits[:3]])
        return None
    if not _recent_enough(turn, result.figures):
        return None
    sentences, citations = compose_figure_answer(result, kb.passages_by_doc, kb.figure_rows)
    verdict = _comparison_verdict(q.text, result) if q.answer_type == "yesno" else ""
    return finish(turn.question, turn.resolved, sentences, citations, result.figures,
                  result.calculation.to_dict(), lead=verdict)

def _recent_enough(turn: Turn, figures) -> bool:
    """With a "since" filter, figures reported before it are not used."""
    return not turn.since or all(year_of(f.as_of) >= turn.since for f in figures
                                 if f.table != "extracted")

def _stated(turn: Turn) -> bool:
    """A share or a growth rate the sources state outright is quoted, not recomputed."""
    q = turn.analysis
    if not (q.operation == "share" or (q.operation == "growth" and len(q.periods) < 2)):
        return False
    typed = [e for e in turn.evidence[:5] if is_usable(e) and re.search(r"\d\s?(?:%|percent)",
                                                                      e.text)]
    return bool(typed) and typed[0].features["year_ok"] == 1.0 and \
        typed[0].features["coverage"] >= 0.5

def _comparison_verdict(text: str, result) -> str:
    """'Yes.'/'No.' for 'was A bigger than B?' or 'more than N times B?' given the figures."""
    a, b = result.figures[:2]
    low = text.lower()
    multiple = re.search(r"\b(more|less|fewer) than (\d+(?:\.\d+)?|double|twice|triple|half)"
                         r"(?: times)?\b|\b(\d+(?:\.\d+)?|double|twice|triple) times\b", low)
    if multiple and result.calculation and "/" in result.calculation.expression:
        word = multiple.group(2) or multiple.group(3)
        n = {"double": 2, "twice": 2, "triple": 3, "half": 0.5}.get(word) or float(word)
        ratio = result.calculation.result
        holds = ratio > n if (multiple.group(1) or "more") == "more" else ratio < n
        return "Yes." if holds else "No."
    threshold = _threshold_verdict(low, result)
    if threshold:
        return threshold
    pos_a = min((low.find(v.lower()) for v in [a.entity] if v and v.lower() in low), default=-1)
    pos_b = min((low.find(v.lower()) for v in [b.entity] if v and v.lower() in low), default=-1)
    if pos_a < 0 or pos_b < 0 or pos_a == pos_b:
        return ""
    first, second = (a, b) if pos_a < pos_b else (b, a)
    bigger = re.search(r"\b(?:more|bigger|larger|greater|higher|ahead|exceed\w*|outpac\w*|"
                       r"beat)\b", low)
    smaller = re.search(r"\b(?:less|fewer|smaller|lower|behind)\b", low)
    if not (bigger or smaller):
        return ""
    holds = first.value > second.value if bigger else first.value < second.value
    return "Yes." if holds else "No."


_THRESHOLD = re.compile(r"\b(more|greater|bigger|higher|over|above|less|fewer|lower|under|"
                        r"below) than (?:rmb |usd |us\$|\$|€|£)?(\d+(?:\.\d+)?)\s*(%|percent|"
                        r"per cent|thousand|million|billion|trillion|bn|mn)?")


def _threshold_verdict(low: str, result) -> str:
    """'Yes.'/'No.' for 'did it rise by more than 50%?' or 'is the gap over 2 billion?': the
    computed result against the number the question names, in the same terms."""
    match = _THRESHOLD.search(low)
    calc = result.calculation
    if not match or calc is None or "/" in calc.expression and "*" not in calc.expression:
        return ""  # a ratio's "more than N times" is judged above
    limit, unit = float(match.group(2)), match.group(3) or ""
    percent_result = "* 100" in calc.expression
    stated_percent = unit in {"%", "percent", "per cent"}
    if (stated_percent and not percent_result) or (unit and not stated_percent and percent_result):
        return ""  # "more than 50%" of an amount, or "more than 2 billion" of a percentage
    value = calc.result
    if not percent_result and unit:
        value *= unit_scale(result.figures[0].unit)
        limit *= SCALE.get(unit, 1.0)
    above = match.group(1) in {"more", "greater", "bigger", "higher", "over", "above"}
    return "Yes." if (value > limit) == above else "No."


def yes_no(turn: Turn, kb) -> Answer | None:
    """'Yes'/'No' first when the best sentence settles it, then the quoted evidence."""
    if turn.analysis.answer_type != "yesno":
        return None
    chosen = best_sentences(turn, limit=2)
    if not chosen:
        return None
    asked_negative = bool(_NEGATION.search(turn.analysis.text))
    said_negative = bool(_NEGATION.search(chosen[0].text))
    verdict = "No." if asked_negative != said_negative else "Yes."
    if chosen[0].features["coverage"] < 0.34:
        verdict = "The sources do not say so directly; the closest they come:"
    return quote(turn, chosen, lead=verdict)
