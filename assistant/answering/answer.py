"""Compose a cited answer from evidence sentences or figures, verify it, and package it.

The default path is extractive (no LLM): sentences are quoted from the passages they come from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from langchain_core.documents import Document

from ..ingest.documents import Figure
from ..ingest.passages import split_sentences
from ..language.instructions import addresses_the_reader
from ..language.numbers import unit_scale
from .arithmetic import FigureAnswer
from .verify import Verification, backed_values, numbers_in, split_answer, verify_answer

NOT_COVERED = "The sources do not cover this question."


@dataclass
class Citation:
    """A numbered source passage and the verbatim sentence(s) supporting the answer."""

    n: int
    passage: Document
    quote: str

    def to_dict(self) -> dict:
        meta = self.passage.metadata
        return {"n": self.n, "doc_id": meta.get("doc_id", ""), "title": meta.get("title", ""),
                "published": meta.get("published", ""), "locator": meta.get("locator", ""),
                "text": self.passage.page_content, "quote": self.quote,
                "author": meta.get("author", ""), "section": meta.get("section", "")}


@dataclass
class Answer:
    """The answer object of the contract (see `to_dict`)."""

    question: str
    answer: str
    resolved_question: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    calculation: dict | None = None
    timing_ms: dict = field(default_factory=dict)
    verification: Verification = field(default_factory=Verification)
    notice: str = ""  # e.g. why a generated answer was replaced by the extractive one
    signals: dict = field(default_factory=dict)  # the answer form and how answerable it looked
    id: str | None = None

    def to_dict(self) -> dict:
        data = {"id": self.id} if self.id is not None else {}
        data.update({
            "question": self.question, "answer": self.answer,
            "resolved_question": self.resolved_question, "abstained": self.abstained,
            "citations": [c.to_dict() for c in self.citations],
            "figures": [f.to_dict() for f in self.figures],
            "calculation": self.calculation, "timing_ms": self.timing_ms,
            "verification": self.verification.to_dict(), "notice": self.notice,
            "signals": self.signals,
        })
        return data


class Citations:
    """Numbers passages in order of first use; one number per passage."""

    def __init__(self):
        self.items: list[Citation] = []

    def cite(self, passage: Document, quote: str) -> int:
        for c in self.items:
            if c.passage.id == passage.id:
                c.quote = _merge_quotes(passage.page_content, c.quote, quote)
                return c.n
        self.items.append(Citation(len(self.items) + 1, passage, quote))
        return len(self.items)


def _merge_quotes(text: str, first: str, second: str) -> str:
    if second in first:
        return first
    if first in second:
        return second
    a, b = text.find(first), text.find(second)
    start, end = min(a, b), max(a + len(first), b + len(second))
    return text[start:end] if end - start <= 700 else first


def abstain(question: str, resolved: str, reason: str = "", nearby: list[Document] = ()) -> Answer:
    """An answer that says plainly the sources do not cover the question; it states no figure."""
    text = NOT_COVERED
    if reason:
        text += " " + reason
    if nearby:
        topics = "; ".join(dict.fromkeys(
            f"“{d.metadata.get('title', '').replace('(', '– ').replace(')', '')}”"
            for d in nearby[:3]
            if d.metadata.get("kind") == "text"))
        if topics:  # in parentheses: a title's digits are not figures the answer states
            text += f" The closest material is in these sources ({topics})."
    return Answer(question=question, answer=text,
                  resolved_question=resolved, abstained=True)


def as_sentence(sentence: str) -> str:
    """A quoted heading or fragment still reads as a sentence."""
    return sentence if re.search(r"[.!?:]['\"”’)]*$", sentence) else sentence + "."


def compose_summary_answer(passages: list[Document], vectors, question_vector: list[float],
                           limit: int = 5) -> tuple[list[str], Citations] | None:
    """The gist of one document: per section, the sentence closest to both the document as a
    whole and the request, in the document's order; each quoted with its citation."""
    import numpy as np

    candidates = []
    for passage in passages:
        section = passage.metadata.get("section", "")
        for sentence in split_sentences(passage.page_content):
            # Headings, rhetorical questions and asides say little on their own.
            if (len(sentence) >= 40 and not sentence.rstrip().endswith("?")
                    and sentence.strip() != section.strip()):
                candidates.append((passage, section, sentence))
    if not candidates:
        return None
    matrix = np.asarray(vectors([c[2] for c in candidates]))
    centre = matrix.mean(axis=0)
    centre /= np.linalg.norm(centre) or 1.0
    scores = 0.6 * (matrix @ centre) + 0.4 * (matrix @ np.asarray(question_vector))
    best: dict[str, int] = {}  # section -> its best candidate
    for i, (_, section, _) in enumerate(candidates):
        if section not in best or scores[i] > scores[best[section]]:
            best[section] = i
    chosen = sorted(best.values(), key=lambda i: -scores[i])[:limit]
    if len(chosen) < min(3, len(candidates)):  # one or two sections: take the next best too
        rest = [i for i in np.argsort(-scores) if i not in chosen]
        chosen += rest[:min(3, len(candidates)) - len(chosen)]
    citations = Citations()
    sentences = []
    for i in sorted(chosen):  # candidates are in document order
        passage, _, sentence = candidates[i]
        sentences.append(f"{as_sentence(sentence)} [{citations.cite(passage, sentence)}]")
    return sentences, citations


def source_passage(fig: Figure, passages_by_doc: dict[str, list[Document]]) -> Document | None:
    """The indexed passage holding the paragraph a figure's locator points to, if any."""
    para = re.search(r"(\d+)", fig.locator or "")
    if not para:
        return None
    for p in passages_by_doc.get(fig.source, []):
        if p.metadata["para_start"] <= int(para.group(1)) <= p.metadata["para_end"]:
            return p
    return None


def figure_citation(fig: Figure, passages_by_doc: dict[str, list[Document]],
                    figure_rows: dict[str, Document]) -> tuple[Document, str]:
    """The passage a figure cites (its source paragraph when indexed) and the quote for it."""
    source = source_passage(fig, passages_by_doc)
    if source:
        for sentence in split_sentences(source.page_content):
            if mentions_value(sentence, fig) and not addresses_the_reader(sentence):
                return source, sentence
    # The source is not indexed: a passage elsewhere that states the value about the entity.
    entity = fig.entity.lower()
    for group in passages_by_doc.values():
        for p in group:
            if p.metadata.get("kind") != "text":
                continue
            for sentence in split_sentences(p.page_content):
                if mentions_value(sentence, fig) and entity in sentence.lower() and \
                        not addresses_the_reader(sentence):
                    return p, sentence
    # A figure read from an article quotes the sentence it was read from, even where that
    # sentence writes the value in a form `mentions_value` does not read back ("1/18").
    if fig.table == "extracted" and fig.note:
        for p in ([source] if source else []) + [p for g in passages_by_doc.values() for p in g]:
            if fig.note in p.page_content:
                return p, fig.note
    row = figure_rows[fig.id]
    return row, row.page_content.split(" Source:")[0]


def mentions_value(sentence: str, fig: Figure) -> bool:
    """Whether a sentence states the figure's value (as written, or scaled by its unit)."""
    targets = {fig.value, fig.value * unit_scale(fig.unit)}
    return any(v in targets for _, values in numbers_in(sentence) for v in values)


def compose_figure_answer(result: FigureAnswer, passages_by_doc, figure_rows
                          ) -> tuple[list[str], Citations]:
    """Statements of a figures-engine result, each cited to the figures it rests on."""
    citations = Citations()
    sentences = []
    for statement in result.statements:
        marks = []
        for fig in statement.figures:
            passage, quote = figure_citation(fig, passages_by_doc, figure_rows)
            marks.append(citations.cite(passage, quote))
        refs = "".join(f"[{n}]" for n in dict.fromkeys(marks))
        sentences.append(f"{statement.text} {refs}".strip())
    if sentences and not re.search(r"\[\d+\]$", sentences[-1]) and citations.items:
        sentences[-1] += f" [{citations.items[-1].n}]"
    return sentences, citations


def finish(question: str, resolved: str, sentences: list[str], citations: Citations,
           figures: list[Figure] = (), calculation: dict | None = None,
           extra_text: str = "", check=None, lead: str = "") -> Answer:
    """Verify the composed sentences and build the Answer; abstain when nothing survives.

    `extra_text` holds cited metadata (a document's date) whose numbers may appear too; `lead`
    opens the answer ("Yes.") and may hold no number.
    """
    cited = {c.n: c.passage.page_content + " " + extra_text for c in citations.items}
    extra = backed_values([f.to_dict() for f in figures], calculation)
    kept, report = verify_answer(split_answer(" ".join(sentences)), cited, extra, check)
    if not kept:
        answer = abstain(question, resolved, "Nothing in them could be verified.")
        answer.verification = report
        return answer
    used = {int(n) for s in kept for n in re.findall(r"\[(\d+)\]", s)}
    # Renumber so citations stay 1..k in order of use after any dropped sentence.
    mapping, final = {}, []
    for c in citations.items:
        if c.n in used:
            mapping[c.n] = len(final) + 1
            final.append(Citation(len(final) + 1, c.passage, c.quote))
    joined = "".join(("\n" if s.startswith("- ") else " ") + s for s in kept).strip()
    text = re.sub(r"\[(\d+)\]", lambda m: f"[{mapping[int(m.group(1))]}]", joined)
    if lead and not re.search(r"\d", lead):
        text = f"{lead}{chr(10) if text.startswith('- ') else ' '}{text}"
    return Answer(question=question, answer=text, resolved_question=resolved, abstained=False,
                  citations=final, figures=list(figures), calculation=calculation,
                  verification=report)
