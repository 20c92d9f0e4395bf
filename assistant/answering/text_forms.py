"""Answer forms on text: what a strategy involves (the body under its heading), lists, short
briefings for broad questions, and the best quoted sentences.
"""

from __future__ import annotations

import re
from datetime import date

from ..language.numbers import AMOUNT, NUMBER_WORDS, YEAR
from ..language.periods import parse_date, periods_in
from ..language.words import ORDINALS
from .answer import (
    Answer,
    Citations,
    as_sentence,
    compose_figure_answer,
    finish,
)
from .choosing import (
    best_section,
    best_sentences,
    count_in,
    diverse,
    is_usable,
    quote,
    section_body,
)
from .timeline import asks_latest
from .turn import Turn


def involve(turn: Turn, kb) -> Answer | None:
    """'What does X involve?': the text under the heading that best matches X (up to five
    sentences: a plan is seldom told in fewer)."""
    if turn.analysis.answer_type not in {"involve"}:
        return None
    section = best_section(turn, kb)
    if not section:
        return None
    doc_id, name = section
    body = section_body(kb, doc_id, name)
    if not body:
        return None
    citations = Citations()
    lines = [f"{as_sentence(text)} [{citations.cite(passage, text)}]"
             for passage, text in body[:5]]
    return finish(turn.question, turn.resolved, lines, citations)

def listing(turn: Turn, kb) -> Answer | None:
    """List questions: the sections a counting sentence announces, each with its first
    sentence of content; otherwise the best distinct sentences as a list."""
    q = turn.analysis
    if q.answer_type != "list":
        return None
    words = {v: k for k, v in NUMBER_WORDS.items()}
    for e in turn.evidence[:8]:
        count = q.count or count_in(e.text, q.tokens)
        if not count or not re.search(rf"\b(?:{count}|{words.get(count, '#')})\b", e.text.lower()):
            continue
        sections = kb.following_sections(e.sentence.passage)
        if len(sections) < count:
            continue
        ordinal = re.search(r"\b(first|second|third|fourth|fifth|last)\b", q.text.lower())
        if ordinal:  # "the second of the three strategies": that one, in full
            index = ORDINALS[ordinal.group(1)]
            index += count if index < 0 else 0  # "the last one"
            if index < count:
                doc_id, name = sections[index]
                body = section_body(kb, doc_id, name)[:3]
                if body:
                    citations = Citations()
                    item = re.sub(r"^\s*\d+[.)]\s*", "", name).rstrip(".:")
                    lines = [f"{as_sentence(t)} [{citations.cite(p, t)}]" for p, t in body]
                    return finish(turn.question, turn.resolved, lines, citations,
                                  lead=f"**{item}**:" if not re.search(r"\d", item) else "")
        citations = Citations()
        lines = [f"{as_sentence(e.text)} [{citations.cite(e.sentence.passage, e.text)}]"]
        for doc_id, name in sections[:count]:
            body = section_body(kb, doc_id, name)
            item = re.sub(r"^\s*\d+[.)]\s*", "", name).rstrip(".:")
            if body:
                passage, text = body[0]
                lines.append(f"- **{item}**: {as_sentence(text)} [{citations.cite(passage, text)}]")
            else:
                lines.append(f"- {item}.")
        return finish(turn.question, turn.resolved, lines, citations)
    chosen = diverse(turn, kb, limit=4)  # no announced structure: the best distinct points
    if len(chosen) < 2:
        return None
    citations = Citations()
    lines = [f"- {as_sentence(e.text)} [{citations.cite(e.sentence.passage, e.text)}]"
             for e in chosen]
    return finish(turn.question, turn.resolved, lines, citations)

def briefing(turn: Turn, kb) -> Answer | None:
    """Broad questions: 3-5 points across sections and documents, each cited."""
    if turn.analysis.answer_type != "broad":
        return None
    # Newer reports count a little more, unless the question names its own time.
    chosen = diverse(turn, kb, limit=5, recent=not turn.analysis.periods)
    if len(chosen) < 2:
        return None
    chosen = _with_figures(turn, kb, chosen)
    citations = Citations()
    lines, figures, calculation = [], [], None
    if len(turn.analysis.names) >= 2:
        # Two parties named: the figures that compare them lead the briefing.
        result = kb.figures.compute(turn.analysis, turn.vector, kb.idf, turn.passage_ids,
                                    strict=True)
        if result and result.calculation:
            sentences, citations = compose_figure_answer(result, kb.passages_by_doc,
                                                         kb.figure_rows)
            lines.append("- " + " ".join(sentences))
            figures, calculation = result.figures, result.calculation.to_dict()
    lines += [f"- {as_sentence(e.text)} [{citations.cite(e.sentence.passage, e.text)}]"
              for e in chosen]
    return finish(turn.question, turn.resolved, lines, citations, figures, calculation)

def _with_figures(turn: Turn, kb, chosen: list, least: int = 2) -> list:
    """A briefing's points with at least `least` that carry figures: the best-scoring amount
    sentences about what the question names replace its weakest figure-less points."""
    def has_figure(e) -> bool:  # an amount, not a year
        return any(not YEAR.fullmatch(m.group(1)) for m in AMOUNT.finditer(e.text))

    missing = least - sum(1 for e in chosen if has_figure(e))
    if missing <= 0:
        return chosen
    extra = [e for e in turn.evidence[:30] if is_usable(e) and has_figure(e)
             and kb.scorer.names_share(turn.analysis.names, e) == 1.0
             and all(e.text != c.text for c in chosen)][:missing]
    plain = [e for e in chosen if not has_figure(e)]
    dropped = plain[len(plain) - len(extra):] if len(chosen) + len(extra) > 5 else []
    return [e for e in chosen if all(e is not d for d in dropped)] + extra


def sentences(turn: Turn, kb) -> Answer | None:
    """The best supporting sentence(s), quoted: the form every other one falls back to."""
    factoid = turn.analysis.answer_type in {"quantity", "date", "who", "where", "source"}
    if asks_latest(turn.resolved):
        turn.evidence = _newest_first(turn.evidence)
    # Up to four or five sentences, each close to the best in score: an answer a reader takes
    # in at a glance that still holds the fact when the best match only frames it.
    chosen = best_sentences(turn, limit=4 if factoid else 5)
    if not chosen:
        return None
    return quote(turn, chosen)


def _newest_first(evidence: list, margin: float = 2.0) -> list:
    """"The latest …": of the sentences that score close to the best, the one about the newest
    period leads (the period it states, else its source's date: a newer report supersedes an
    older one)."""
    if not evidence:
        return evidence
    close = [e for e in evidence[:10] if e.score >= evidence[0].score - margin]
    lead = max(close, key=lambda e: (_newest_period(e), e.score))
    return [lead] + [e for e in evidence if e is not lead]


def _newest_period(e) -> date:
    stated = [p.end for p in periods_in(e.text)]
    published = parse_date(e.sentence.passage.metadata.get("published", ""))
    return max(stated, default=published or date.min)
