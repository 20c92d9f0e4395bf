"""Yes or No for a comparison asked as a question, from the computed result: "was A bigger
than B?", "more than N times?", "did it rise by more than 50%?"."""

from __future__ import annotations

import re

from ..language.numbers import SCALE, YEAR, unit_scale
from ..language.questions import Question


def comparison_verdict(question: Question, result) -> str:
    """'Yes.'/'No.' for a yes/no question ('was A bigger than B?', 'more than N times B?')
    given the figures; '' for any other question or when the figures do not settle it."""
    if question.answer_type != "yesno":
        return ""
    a, b = result.figures[:2]
    low = question.text.lower()
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
    if not match or calc is None or ("/" in calc.expression and "*" not in calc.expression) \
            or YEAR.fullmatch(match.group(2)):
        return ""  # a ratio's "more than N times" is judged above; "more than 2015" is a year
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
