"""Yes or No for a comparison asked as a question, from the computed result: "was A bigger
than B?", "more than N times?", "did it rise by more than 50%?"."""

from __future__ import annotations

import re

from ..language.numbers import NUMBER_WORDS, SCALE, YEAR, unit_scale
from ..language.periods import period_year
from ..language.questions import Question
from ..language.words import content_tokens, stem


def comparison_verdict(question: Question, result) -> str:
    """'Yes.'/'No.' for a yes/no question ('was A bigger than B?', 'more than N times B?')
    given the figures; '' for any other question or when the figures do not settle it."""
    if question.answer_type != "yesno":
        return ""
    a, b = result.figures[:2]
    low = question.text.lower()
    if result.calculation and "/" in result.calculation.expression:
        multiple = multiple_verdict(low, result.calculation.result)
        if multiple:
            return multiple
    threshold = _threshold_verdict(question, result)
    if threshold:
        return threshold
    moves = [m for m in (_BIGGER.search(low), _SMALLER.search(low)) if m]
    if not moves:
        return ""
    bigger = min(moves, key=lambda m: m.start()).re is _BIGGER
    if _changed(a, b) and not _THAN.search(low):
        # "Did revenue rise from 2017 to 2018?": the later figure against the earlier one.
        first, second = sorted((a, b), key=lambda f: period_year(f.period), reverse=True)
    else:
        first, second = _in_asked_order(low, a, b)
        if first is None:
            return ""
    holds = first.value > second.value if bigger else first.value < second.value
    return "Yes." if holds else "No."


def multiple_verdict(low: str, ratio: float) -> str:
    """'Yes.'/'No.' for a question (lowercased) that names a multiple ("nearly four times",
    "more than double"), against the ratio computed; '' when it names none."""
    words = "|".join(NUMBER_WORDS)
    about = re.search(rf"\b(?:nearly|almost|about|around|roughly|approximately|close to)\s+"
                      rf"(\d+(?:\.\d+)?|{words}|double|twice|triple|half)(?: times)?\b", low)
    if about:  # "Nearly four times": within a tenth of the multiple named.
        n = _multiple(about.group(1))
        return "Yes." if abs(ratio - n) <= 0.1 * n else "No."
    multiple = re.search(rf"\b(more|less|fewer) than (\d+(?:\.\d+)?|doubled?|twice|tripled?|"
                         rf"half|{words})(?: times)?\b|\b(\d+(?:\.\d+)?|double|twice|triple|"
                         rf"{words}) times\b", low)
    if multiple:
        n = _multiple((multiple.group(2) or multiple.group(3)).removesuffix("d"))
        holds = ratio > n if (multiple.group(1) or "more") == "more" else ratio < n
        return "Yes." if holds else "No."
    return ""


def _multiple(word: str) -> float:
    """The number a multiple is written with: "double", "four", "2.5"."""
    return {"double": 2, "twice": 2, "triple": 3, "half": 0.5}.get(word) or \
        NUMBER_WORDS.get(word) or float(word)


# Comparatives ("bigger than"), and the verbs of overtaking or of a change over time.
_MORE = r"more|bigger|larger|greater|higher|faster|stronger|ahead"
_LESS = r"less|fewer|smaller|lower|slower|weaker"
_BIGGER = re.compile(rf"\b(?:{_MORE}|exceed\w*|outpac\w*|beat|surpass\w*|overtak\w*|"
                     r"outgr[eo]w\w*|topped|grow|grew|grown|rise|rose|risen|increase[ds]?|"
                     r"climb(?:ed)?|jump(?:ed)?|up)\b", re.IGNORECASE)
_SMALLER = re.compile(rf"\b(?:{_LESS}|behind|trail\w*|lag\w*|fall|fell|fallen|drop(?:ped)?|"
                      r"decline[ds]?|shr[iu]nk\w*|down)\b", re.IGNORECASE)
_THAN = re.compile(r"\bthan\b|\b(?:exceed|outpac|surpass|overtak|beat|top|trail|lag)")


def _changed(a, b) -> bool:
    """Two figures of one thing at two times: a change, not a comparison of two things."""
    return a.entity.lower() == b.entity.lower() and period_year(a.period) != period_year(b.period)


def _in_asked_order(low: str, a, b):
    """The two figures in the order the question names them: by entity when they differ, else
    by period; (None, None) when the question does not tell them apart."""
    if a.entity.lower() != b.entity.lower():
        keys = [_first_mention(low, f.entity) for f in (a, b)]
    else:
        keys = [low.find(period_year(f.period)) if period_year(f.period) else -1
                for f in (a, b)]
    if min(keys) < 0 or keys[0] == keys[1]:
        return None, None
    return (a, b) if keys[0] < keys[1] else (b, a)


def _first_mention(low: str, entity: str) -> int:
    """Where the question first names an entity, in full or by one of its words ("Globex" for
    "Globex Corp")."""
    if entity and entity.lower() in low:
        return low.find(entity.lower())
    spots = [m.start() for word in re.findall(r"[A-Za-z][\w&\-]{2,}", entity or "")
             for m in [re.search(rf"\b{re.escape(word.lower())}\b", low)] if m]
    return min(spots, default=-1)

PERCENT_UNITS = {"%", "percent", "per cent"}


def bound_verdict(bound: tuple[bool, float, str], value: float, unit: str) -> str:
    """'Yes.'/'No.': a value in `unit` against the question's bound. A bound with a scale word
    ("5 billion") is compared in absolute terms; a bare one in the value's own unit."""
    above, limit, said = bound
    if said and said not in PERCENT_UNITS:
        value *= unit_scale(unit)
        limit *= SCALE.get(said, 1.0)
    return "Yes." if (value > limit) == above else "No."


def _threshold_verdict(question: Question, result) -> str:
    """'Yes.'/'No.' for 'did it rise by more than 50%?' or 'is the gap over 2 billion?': the
    computed result against the number the question names, in the same terms."""
    calc = result.calculation
    if not question.bound or calc is None or \
            ("/" in calc.expression and "*" not in calc.expression):
        return ""  # a ratio's "more than N times" is judged above
    percent_result = "* 100" in calc.expression
    stated_percent = question.bound[2] in PERCENT_UNITS
    if stated_percent != percent_result and (stated_percent or question.bound[2]):
        return ""  # "more than 50%" of an amount, or "more than 2 billion" of a percentage
    return bound_verdict(question.bound, calc.result, result.figures[0].unit)


_THAN_CLAUSE = re.compile(rf"\b({_MORE}|{_LESS})\b((?:\s+[\w'’-]+){{0,3}}?)\s+than\b", re.I)


def sentence_verdict(question: str, sentence: str) -> str:
    """'Yes.'/'No.' when a yes/no question and its best sentence both compare two things ("is
    A bigger than B?" against "B was bigger than A"): the same comparison in the same order
    (or the opposite one in the opposite order) is a yes. '' when either compares nothing or
    the order cannot be told."""
    asked, said = _THAN_CLAUSE.search(question), _THAN_CLAUSE.search(sentence)
    if not asked or not said:
        return ""
    q_left, q_right = _sides(question, asked)
    s_left, s_right = _sides(sentence, said)
    same = len(q_left & s_left) + len(q_right & s_right)
    crossed = len(q_left & s_right) + len(q_right & s_left)
    if same == crossed:
        return ""
    same_direction = bool(_BIGGER.match(asked.group(1))) == bool(_BIGGER.match(said.group(1)))
    negated = bool(re.search(r"\b(?:not|never|no)\b|n't\b", sentence[:said.start()][-25:]))
    agrees = ((same > crossed) == same_direction) != negated
    return "Yes." if agrees else "No."


def _sides(text: str, match: re.Match) -> tuple[set[str], set[str]]:
    """The content words before a comparison and after its "than" (years left out: both sides
    of a comparison often share one)."""
    def words(part: str) -> set[str]:
        return {t for t in content_tokens(part) if not t.isdigit()}

    return words(text[:match.start()] + match.group(2)), words(text[match.end():])


# A number and the word it counts: "12 months", "six months", "38.3%", "40 per cent".
_QUANTITY = re.compile(rf"(?<![\w.])(\d+(?:\.\d+)?|{'|'.join(NUMBER_WORDS)})\s*"
                       r"(%|per ?cent\b|[a-z]{3,}\b)", re.IGNORECASE)


def _quantities(text: str) -> list[tuple[float, str]]:
    found = []
    for m in _QUANTITY.finditer(text.replace(",", "")):
        number, unit = m.group(1).lower(), m.group(2).lower()
        if YEAR.fullmatch(number):
            continue
        value = float(NUMBER_WORDS.get(number, number) if not number[0].isdigit() else number)
        found.append((value, "%" if unit.startswith(("%", "per")) else stem(unit)))
    return found


def quantity_verdict(question: Question, sentence: str) -> str:
    """'Yes.'/'No.' when a yes/no question states an amount of something ("within six months")
    and the sentence states that thing's amount ("within 12 months"): the same number is a
    yes, another one a no. '' when the sentence gives no amount of it, or the question asks
    against a bound ("more than 10%"), which is judged on figures instead."""
    if question.bound:
        return ""
    said = _quantities(sentence)
    for value, unit in _quantities(question.asked):
        others = [v for v, u in said if u == unit]
        if others:
            return "Yes." if any(abs(v - value) <= 0.005 * max(abs(value), 1) for v in others) \
                else "No."
    return ""
