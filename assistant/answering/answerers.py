"""The answer forms, tried in order: each looks at a turn and returns an Answer or nothing.

A turn holds the question as understood, what retrieval found and the scored evidence; the
knowledge (knowledge.py) holds what the corpus offers (passages, sentences, figures). Every form
quotes sentences verbatim and cites them; `finish` verifies what they compose.
"""

from __future__ import annotations

import re

from ..ingest.passages import split_sentences
from ..language.instructions import addresses_the_reader
from ..language.periods import (
    overlap,
    parse_period,
    periods_in,
    shifted_back,
    undated_time,
)
from ..language.questions import asked_names, is_source_question, is_summary_request
from ..language.words import tokenize
from .answer import (
    NOT_COVERED,
    Answer,
    Citations,
    abstain,
    compose_summary_answer,
    finish,
)
from .dated import dated_figure
from .figure_forms import computed, threshold, yes_no
from .figures import SAYS_MEASURE, covered, measure_words
from .text_forms import briefing, involve, listing, sentences
from .turn import Answerer, Turn


def about_source(turn: Turn, kb) -> Answer | None:
    """Who wrote it, when it was published: answered from the document's metadata."""
    if not is_source_question(turn.resolved):
        return None
    passages = kb.top_document(turn.hits)
    if not passages:
        return abstain(turn.question, turn.resolved)
    opening = passages[0]  # cited: where the title and byline are
    meta = opening.metadata
    details = [f"“{meta['title']}”"]
    if meta.get("author"):
        details.append(f"by {meta['author']}")
    if meta.get("published"):
        details.append(f"published {meta['published']}")
    citations = Citations()
    sentences = split_sentences(opening.page_content)
    citations.cite(opening, next((s for s in sentences if not addresses_the_reader(s)),
                                 sentences[0]))
    return finish(turn.question, turn.resolved, [f"The source is {', '.join(details)}. [1]"],
                  citations, extra_text=f"{meta.get('published', '')} {meta['title']}")

def summary(turn: Turn, kb) -> Answer | None:
    """The gist of the best-matching document, quoted sentence by sentence. A summary of a
    topic ("summarize its expansion abroad") is a briefing across documents instead."""
    if not is_summary_request(turn.resolved):
        return None
    named = {t for n in turn.analysis.names for t in tokenize(n)}
    if [t for t in turn.analysis.tokens if t not in named and not re.match(r"summar", t)]:
        turn.analysis.answer_type = "broad"
        return None
    composed = compose_summary_answer(kb.top_document(turn.hits), kb.bank.vectors, turn.vector)
    if composed is None:
        return abstain(turn.question, turn.resolved)
    return finish(turn.question, turn.resolved, *composed)

def not_covered(turn: Turn, kb) -> Answer | None:
    """Abstain when the evidence is too weak: one calibrated probability decides."""
    threshold = kb.threshold
    if not _period_stated(turn, kb):
        return abstain(turn.question, turn.resolved, "They give nothing for the period asked.",
                       [h.document for h in turn.hits[:3]])
    # A figure of a measure nothing in the sources speaks of is missing, however close the
    # rest of the question comes ("how many employees" where no sentence counts staff).
    if turn.answerable >= threshold and turn.evidence and turn.signals.get("figure_found", 1.0):
        return None
    new_names = [n for n in asked_names(turn.question) if n.lower() not in
                 turn.previous_answer.lower()]
    if turn.previous_answer and not turn.previous_answer.startswith(NOT_COVERED) \
            and turn.evidence and not new_names:
        # "why?" after an answer: its subject is covered; the reason may be too. "What about
        # Globex?" brings a new subject, and is judged as its own question.
        return None
    reasons = []
    if turn.signals.get("missing_names"):
        reasons.append("They never mention " + ", ".join(
            f"“{n}”" for n in turn.signals["missing_names"][:3]) + ".")
    elif turn.signals.get("absent_periods"):
        reasons.append("They give nothing for the period asked.")
    nearby = [h.document for h in turn.hits[:3]]
    return abstain(turn.question, turn.resolved, " ".join(reasons), nearby)


def _period_stated(turn: Turn, kb) -> bool:
    """For a figure asked for a period: whether a figure fits it, or a sentence holding an
    amount of the measure asked states a period that overlaps it (with the sentence before,
    which may set the year). Revenue in the June quarter is not answered by September's."""
    q = turn.analysis
    asked = _spans(q.asked)
    if not q.wants_figure or q.operation or not asked or turn.signals.get("figure_match", 0.0):
        return True
    weight = measure_words(q, kb.idf)
    total = sum(weight.values())
    for e in turn.evidence[:8]:
        window = f"{e.sentence.previous} {e.text}"
        said = covered(weight, frozenset(tokenize(window)), q.alternatives)
        if not e.features["type_ok"] or said < SAYS_MEASURE * total:
            continue  # an amount of something else in that period does not count
        stated = _stated(e, asked)
        if overlap(stated, asked) or _relative_fits(window, stated, asked):
            return True
    return False


def _spans(text: str) -> list:
    """The periods a question names; a day ("reported on 16 November 2023") dates a report,
    not the span a figure covers, so it stands for its year."""
    return [p if p.end > p.start else parse_period(str(p.end.year)) for p in periods_in(text)]


def _stated(e, asked: list) -> list:
    """The periods a sentence speaks of: its own spans; else the one before it (not a date
    there: that dates a report or an event); else a day it names; else its report's time."""
    own = periods_in(e.text)
    spans = [p for p in own if p.end > p.start] or \
        [p for p in periods_in(e.sentence.previous) if p.end > p.start] or own
    if spans:
        return spans
    return undated_time(e.hit.document.metadata.get("published", ""), asked)


# Words that speak of a period relative to the one stated ("a year earlier", "two quarters
# before", "the previous month", "year on year"), and the months each unit steps back.
_RELATIVE = re.compile(r"\b(?P<count>a|one|two|three|four)\s+(?P<unit>year|quarter|month)s?\s+"
                       r"(?:earlier|before|ago)\b|\b(?:last|previous|prior|preceding)\s+"
                       r"(?P<unit2>year|quarter|month)\b|\b(?P<unit3>year|quarter|month)[- ]"
                       r"(?:on|over)[- ](?:year|quarter|month)\b|\b(?P<short>yoy|qoq)\b|"
                       r"\b(?P<seq>sequential(?:ly)?)\b", re.IGNORECASE)
_UNIT_MONTHS = {"year": 12, "quarter": 3, "month": 1, "yoy": 12, "qoq": 3}
_COUNTS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4}


def _relative_fits(window: str, stated: list, asked: list) -> bool:
    """Whether the sentence speaks of the period asked relative to its own ("up 34% year on
    year" speaks of the year before). Without a stated period, any relative one may fit."""
    for m in _RELATIVE.finditer(window):
        unit = (m.group("unit") or m.group("unit2") or m.group("unit3") or m.group("short")
                or "quarter").lower()
        months = _UNIT_MONTHS[unit] * _COUNTS.get((m.group("count") or "a").lower(), 1)
        if not stated or overlap(shifted_back(stated, months), asked):
            return True
    return False


ANSWERERS: list[Answerer] = [about_source, summary, dated_figure, not_covered, threshold,
                             computed, yes_no, involve, listing, briefing, sentences]
