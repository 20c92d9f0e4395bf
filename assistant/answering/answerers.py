"""The answer forms, tried in order: each looks at a turn and returns an Answer or nothing.

A turn holds the question as understood, what retrieval found and the scored evidence; the
knowledge (knowledge.py) holds what the corpus offers (passages, sentences, figures). Every form
quotes sentences verbatim and cites them; `finish` verifies what they compose.
"""

from __future__ import annotations

import re

import numpy as np
from langchain_core.documents import Document

from ..ingest.passages import split_sentences
from ..language.instructions import addresses_the_reader
from ..language.numbers import NUMBER_WORDS
from ..language.periods import year_of
from ..language.questions import is_source_question, is_summary_request
from ..language.words import ORDINALS, stem, tokenize
from .answer import (
    NOT_COVERED,
    Answer,
    Citations,
    abstain,
    as_sentence,
    compose_figure_answer,
    compose_summary_answer,
    finish,
)
from .dated import dated_figure
from .evidence import Evidence
from .turn import Answerer, Turn

_NEGATION = re.compile(r"\b(?:not|no|never|none|nor|cannot|can't|won't|isn't|wasn't|aren't|"
                       r"doesn't|didn't|unlikely|fails?|failed|lack|lacks|neither|too small|"
                       r"far behind|dropped|cancel(?:l?ed)?|scrapped|abandoned|halted|called off|"
                       r"shelved|withdrew|declined to|ruled out)\b|n't\b", re.IGNORECASE)
_COMPARATIVE = re.compile(r"\b(?:more|less|fewer|bigger|larger|greater|higher|lower|smaller|"
                          r"ahead|behind|exceed|exceeded|outpace|outpaced|beat|than)\b", re.I)


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
    threshold = kb.threshold_open if turn.signals.get("open_question") else kb.threshold
    if turn.answerable >= threshold and turn.evidence:
        return None
    if turn.previous_answer and not turn.previous_answer.startswith(NOT_COVERED) \
            and turn.evidence:
        return None  # "why?" after an answer: its subject is covered; the reason may be too
    reasons = []
    if turn.signals.get("missing_names"):
        reasons.append("They never mention " + ", ".join(
            f"“{n}”" for n in turn.signals["missing_names"][:3]) + ".")
    elif turn.signals.get("absent_periods"):
        reasons.append("They give nothing for the period asked.")
    nearby = [h.document for h in turn.hits[:3]]
    return abstain(turn.question, turn.resolved, " ".join(reasons), nearby)


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
    if result is None or not result.calculation or not _recent_enough(turn, result.figures):
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
    typed = [e for e in turn.evidence[:5] if _usable(e) and re.search(r"\d\s?(?:%|percent)",
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


def yes_no(turn: Turn, kb) -> Answer | None:
    """'Yes'/'No' first when the best sentence settles it, then the quoted evidence."""
    if turn.analysis.answer_type != "yesno":
        return None
    chosen = _best_sentences(turn, limit=2)
    if not chosen:
        return None
    asked_negative = bool(_NEGATION.search(turn.analysis.text))
    said_negative = bool(_NEGATION.search(chosen[0].text))
    verdict = "No." if asked_negative != said_negative else "Yes."
    if chosen[0].features["coverage"] < 0.34:
        verdict = "The sources do not say so directly; the closest they come:"
    return _quote(turn, chosen, lead=verdict)


def involve(turn: Turn, kb) -> Answer | None:
    """'What does X involve?': the text under the heading that best matches X."""
    if turn.analysis.answer_type not in {"involve"}:
        return None
    section = _best_section(turn, kb)
    if not section:
        return None
    doc_id, name = section
    body = _section_body(kb, doc_id, name)
    if not body:
        return None
    citations = Citations()
    lines = [f"{as_sentence(text)} [{citations.cite(passage, text)}]"
             for passage, text in body[:3]]
    return finish(turn.question, turn.resolved, lines, citations)


def listing(turn: Turn, kb) -> Answer | None:
    """List questions: the sections a counting sentence announces, each with its first
    sentence of content; otherwise the best distinct sentences as a list."""
    q = turn.analysis
    if q.answer_type != "list":
        return None
    words = {v: k for k, v in NUMBER_WORDS.items()}
    for e in turn.evidence[:8]:
        count = q.count or _count_in(e.text, q.tokens)
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
                body = _section_body(kb, doc_id, name)[:3]
                if body:
                    citations = Citations()
                    item = re.sub(r"^\s*\d+[.)]\s*", "", name).rstrip(".:")
                    lines = [f"{as_sentence(t)} [{citations.cite(p, t)}]" for p, t in body]
                    return finish(turn.question, turn.resolved, lines, citations,
                                  lead=f"**{item}**:" if not re.search(r"\d", item) else "")
        citations = Citations()
        lines = [f"{as_sentence(e.text)} [{citations.cite(e.sentence.passage, e.text)}]"]
        for doc_id, name in sections[:count]:
            body = _section_body(kb, doc_id, name)
            item = re.sub(r"^\s*\d+[.)]\s*", "", name).rstrip(".:")
            if body:
                passage, text = body[0]
                lines.append(f"- **{item}**: {as_sentence(text)} [{citations.cite(passage, text)}]")
            else:
                lines.append(f"- {item}.")
        return finish(turn.question, turn.resolved, lines, citations)
    chosen = _diverse(turn, kb, limit=4)  # no announced structure: the best distinct points
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
    chosen = _diverse(turn, kb, limit=5, recent=True)
    if len(chosen) < 2:
        return None
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


def sentences(turn: Turn, kb) -> Answer | None:
    """The best supporting sentence(s), quoted: the form every other one falls back to."""
    factoid = turn.analysis.answer_type in {"quantity", "date", "who", "where", "source"}
    chosen = _best_sentences(turn, limit=3 if factoid else 4)
    if not chosen:
        return None
    return _quote(turn, chosen)


ANSWERERS: list[Answerer] = [about_source, summary, dated_figure, not_covered, computed, yes_no,
                             involve, listing, briefing, sentences]


def _quote(turn: Turn, chosen: list[Evidence], lead: str = "") -> Answer:
    citations = Citations()
    lines = [f"{as_sentence(e.text)} [{citations.cite(e.sentence.passage, e.text)}]"
             for e in chosen]
    return finish(turn.question, turn.resolved, lines, citations, lead=lead)


def _usable(e: Evidence) -> bool:
    return not e.features["is_heading"] and not e.features["is_question"]


# A sentence opening like this leans on the one before it for its subject or its point.
_LEANS_BACK = re.compile(r"^(?:it|its|this|that|these|those|they|their|he|she|his|her|such|"
                         r"in that sense|so|therefore|thus|hence|as a result|"
                         r"in (?:19|20)\d\d, (?:it|they|he|she))\b", re.IGNORECASE)


def _fresh(turn: Turn, evidence: list[Evidence]) -> list[Evidence]:
    """Evidence not already quoted in the previous answer (a follow-up should add to it)."""
    if not turn.previous_answer:
        return evidence
    said = set(tokenize(turn.previous_answer))
    kept = [e for e in evidence
            if len(set(tokenize(e.text)) - said) > 0.4 * len(set(tokenize(e.text)))]
    return kept or evidence


def _best_sentences(turn: Turn, limit: int) -> list[Evidence]:
    """The best sentence, then close runners-up that add to it (its next sentence first)."""
    usable = _fresh(turn, [e for e in turn.evidence if _usable(e)])
    strict = turn.analysis.answer_type in {"quantity", "date", "who"}
    if strict:
        typed = [e for e in usable if e.features["type_ok"]]
        usable = typed or usable
    if not usable:
        return []
    best = usable[0]
    chosen = [best]
    lead = [best]
    margin = 3.0
    if _LEANS_BACK.match(best.text) and best.sentence.index > 0:
        before = next((e for e in turn.evidence if e.sentence.passage.id ==
                       best.sentence.passage.id and e.sentence.index == best.sentence.index - 1
                       and not e.features["is_heading"]), None)
        if before:
            chosen.insert(0, before)
            lead.insert(0, before)
            limit += 1
    following = [e for e in usable[1:12] if e.sentence.passage.id == best.sentence.passage.id
                 and e.sentence.index == best.sentence.index + 1]
    if following and following[0].score >= best.score - margin * 1.5:
        chosen.append(following[0])
    for e in usable[1:8]:
        if len(chosen) >= limit:
            break
        if any(e.text == c.text for c in chosen) or e.score < best.score - margin:
            continue
        chosen.append(e)
    # The best sentence leads; the rest of its passage follows in its own order, then others.
    rest = [e for e in chosen if all(e is not x for x in lead)]
    rest.sort(key=lambda e: (e.sentence.passage.id != best.sentence.passage.id,
                             e.sentence.index if e.sentence.passage.id == best.sentence.passage.id
                             else 0))
    return lead + rest


def _diverse(turn: Turn, kb, limit: int, recent: bool = False) -> list[Evidence]:
    """Maximal marginal relevance: good sentences that say different things, from different
    passages where possible; with `recent`, newer documents count a little more."""
    pool = [e for e in turn.evidence[:60] if _usable(e) and len(e.text) >= 40]
    if not pool:
        return []
    vectors = kb.bank.vectors([e.text for e in pool])
    dates = sorted({e.sentence.passage.metadata.get("published", "") for e in pool})
    # A briefing point with a figure in it says more than one without.
    scores = np.array([e.score + (0.3 if re.search(r"\d", e.text) else 0.0)
                       + (0.8 * dates.index(e.sentence.passage.metadata.get("published", ""))
                          / max(len(dates) - 1, 1) if recent else 0.0) for e in pool])
    chosen: list[int] = []
    while len(chosen) < min(limit, len(pool)):
        best, best_value = None, -1e9
        for i in range(len(pool)):
            if i in chosen:
                continue
            overlap = max((float(vectors[i] @ vectors[j]) for j in chosen), default=0.0)
            same_passage = any(pool[i].sentence.passage.id == pool[j].sentence.passage.id
                               for j in chosen)
            value = scores[i] - 2.0 * overlap - (0.4 if same_passage else 0.0)
            if value > best_value:
                best, best_value = i, value
        if best is None or scores[best] < scores[chosen[0] if chosen else best] - 2.0:
            break
        chosen.append(best)
    return [pool[i] for i in chosen]


def _best_section(turn: Turn, kb) -> tuple[str, str] | None:
    """The (document, heading) whose heading and text best match the question."""
    best, best_score = None, -1e9
    for e in turn.evidence[:20]:
        meta = e.sentence.passage.metadata
        name = meta.get("section", "")
        if not name:
            continue
        heading_sim = float(kb.bank.vectors([name])[0] @ np.asarray(turn.vector, np.float32))
        score = e.score + 3.0 * heading_sim
        if score > best_score:
            best, best_score = (meta["doc_id"], name), score
    return best


def _section_body(kb, doc_id: str, name: str) -> list[tuple[Document, str]]:
    """The sentences under a heading, in order, without the heading or its fragments."""
    passages = sorted((p for p in kb.passages_by_doc.get(doc_id, [])
                       if p.metadata.get("kind") == "text" and p.metadata.get("section") == name),
                      key=lambda p: p.metadata["position"])
    return [(p, s) for p in passages for s in split_sentences(p.page_content)
            if len(s) >= 30 and s.strip() not in name]


def _count_in(text: str, asked: list[str]) -> int:
    """The count a sentence announces ("three strategies"), when the question asks for those."""
    match = re.search(r"\b(two|three|four|five|six|seven|eight|nine|ten|[2-9])\s+(?:\w+\s+)?"
                      r"(strategies|steps|ways|perspectives|recommendations|options|points|"
                      r"areas|reasons|things|factors|measures|priorities|pillars)\b", text.lower())
    if not match or stem(match.group(2)) not in asked:
        return 0
    word = match.group(1)
    return int(word) if word.isdigit() else NUMBER_WORDS[word]
