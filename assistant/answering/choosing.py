"""Which sentences to quote: the best-scoring usable ones, new to the conversation, spread
across documents and sections, or the body of the section a question names.
"""

from __future__ import annotations

import re

import numpy as np
from langchain_core.documents import Document

from ..ingest.passages import split_sentences
from ..language.aspects import aspect_of
from ..language.numbers import NUMBER_WORDS
from ..language.words import stem, tokenize
from .answer import (
    Answer,
    Citations,
    as_sentence,
    finish,
)
from .evidence import Evidence
from .turn import Turn


def quote(turn: Turn, chosen: list[Evidence], lead: str = "") -> Answer:
    citations = Citations()
    lines = [f"{as_sentence(e.text)} [{citations.cite(e.sentence.passage, e.text)}]"
             for e in chosen]
    return finish(turn.question, turn.resolved, lines, citations, lead=lead)

def is_usable(e: Evidence) -> bool:
    return not e.features["is_heading"] and not e.features["is_question"]

# A sentence opening like this leans on the one before it for its subject or its point.
_LEANS_BACK = re.compile(r"^(?:it|its|this|that|these|those|they|their|he|she|his|her|such|"
                         r"in that sense|so|therefore|thus|hence|as a result|"
                         r"in (?:19|20)\d\d, (?:it|they|he|she))\b", re.IGNORECASE)

def fresh(turn: Turn, evidence: list[Evidence]) -> list[Evidence]:
    """Evidence not already quoted in the previous answer (a follow-up should add to it)."""
    if not turn.previous_answer or turn.analysis.answer_type == "source":
        return evidence  # "who said so?": the sentence quoted may be the one that names them
    said = set(tokenize(turn.previous_answer))
    # What the follow-up asks that the last answer did not say ("and in 2017?"): a sentence
    # that holds it is new, even if it was quoted before for another year.
    asked = set(turn.analysis.tokens) - said
    kept = [e for e, words in ((e, set(tokenize(e.text))) for e in evidence)
            if len(words - said) > 0.4 * len(words) or asked & words]
    return kept or evidence

def best_sentences(turn: Turn, limit: int) -> list[Evidence]:
    """The best sentence, then close runners-up that add to it (its next sentence first)."""
    usable = fresh(turn, [e for e in turn.evidence if is_usable(e)])
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
    following = [e for e in usable[1:] if e.sentence.passage.id == best.sentence.passage.id
                 and e.sentence.index == best.sentence.index + 1]
    # An explanation often runs on into the next sentence; a figure or a date seldom does.
    if following and (not strict or following[0].score >= best.score - margin * 1.5):
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

ASPECT_WEIGHT = 1.5


def _z(values: np.ndarray) -> np.ndarray:
    return (values - values.mean()) / (values.std() or 1.0)


def diverse(turn: Turn, kb, limit: int, recent: bool = False) -> list[Evidence]:
    """Maximal marginal relevance: good sentences that say different things, from different
    passages where possible; with `recent`, newer documents count a little more."""
    pool = [e for e in turn.evidence[:60] if is_usable(e) and len(e.text) >= 40]
    # A question that names its time is briefed from sources of that time, where there are.
    timely = [e for e in pool if e.features["year_ok"]]
    if turn.analysis.periods and len(timely) >= 2:
        pool = timely
    if not pool:
        return []
    vectors = kb.bank.vectors([e.text for e in pool])
    dates = sorted({e.sentence.passage.metadata.get("published", "") for e in pool})
    # A briefing point with a figure in it says more than one without.
    scores = np.array([e.score + (0.3 if re.search(r"\d", e.text) else 0.0)
                       + (0.8 * dates.index(e.sentence.passage.metadata.get("published", ""))
                          / max(len(dates) - 1, 1) if recent else 0.0) for e in pool])
    aspect = aspect_of(turn.resolved) if turn.analysis.answer_type == "broad" else ""
    if aspect and len(pool) > 2:
        # "What are its strengths?": sentences that speak to that aspect, not merely of the
        # firm (nearly every sentence is). Both scores as z-scores over the pool.
        scores = _z(scores) + ASPECT_WEIGHT * _z(vectors @ kb.bank.vectors([aspect])[0])
    margin = 2.0
    if aspect and len(pool) > 2:
        margin = 4.0  # z-scores: a point two deviations below the first still speaks to it
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
        if best is None or scores[best] < scores[chosen[0] if chosen else best] - margin:
            break
        chosen.append(best)
    return [pool[i] for i in chosen]

def best_section(turn: Turn, kb) -> tuple[str, str] | None:
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

def section_body(kb, doc_id: str, name: str) -> list[tuple[Document, str]]:
    """The sentences under a heading, in order, without the heading or its fragments."""
    passages = sorted((p for p in kb.passages_by_doc.get(doc_id, [])
                       if p.metadata.get("kind") == "text" and p.metadata.get("section") == name),
                      key=lambda p: p.metadata["position"])
    return [(p, s) for p in passages for s in split_sentences(p.page_content)
            if len(s) >= 30 and s.strip() not in name]

def count_in(text: str, asked: list[str]) -> int:
    """The count a sentence announces ("three strategies"), when the question asks for those."""
    match = re.search(r"\b(two|three|four|five|six|seven|eight|nine|ten|[2-9])\s+(?:\w+\s+)?"
                      r"(strategies|steps|ways|perspectives|recommendations|options|points|"
                      r"areas|reasons|things|factors|measures|priorities|pillars)\b", text.lower())
    if not match or stem(match.group(2)) not in asked:
        return 0
    word = match.group(1)
    return int(word) if word.isdigit() else NUMBER_WORDS[word]
