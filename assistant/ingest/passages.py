"""Split loaded documents into passages: paragraph-aware, with stable ids and locators."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from langchain_core.documents import Document

from ..language.numbers import format_number
from .corpus import Corpus
from .documents import Figure, SourceDocument
from .tables import is_table_line

# A period after these is not a sentence end.
_ABBREVIATIONS = "".join(rf"(?<!\b{a}\.)" for a in (
    "Mr", "Mrs", "Ms", "Dr", "No", "vs", r"e\.g", r"i\.e", "Inc", r"U\.S", "St", "Co"))
_SENTENCE_END = re.compile(
    r"(?<=[.!?])" + _ABBREVIATIONS + r"""["”’)]*\s+(?=["“‘(]?[A-Z0-9])""")


_BREAK = re.compile(r"\n\s*\n|\n(?=[ \t]*(?:[-*•]|\d{1,2}[.)])[ \t])")
_MARKER = re.compile(r"^(?:[-*•]|\d{1,2}[.)])[ \t]+")
# Stored with the sentence vectors of an index build: a change to how sentences are split
# makes them stale, and they are embedded again (search/index.py).
SENTENCE_SPLIT_REVISION = 3


def split_sentences(text: str) -> list[str]:
    """Split text into sentences; every sentence is a verbatim substring of the text. A blank
    line ends a sentence, and so does a line that starts a list item ("- Revenue grew 34%"
    often has no full stop); the item's marker is not part of its sentence."""
    sentences = []
    for block in (b for part in _BREAK.split(text) for b in _table_lines(part)):
        block = _MARKER.sub("", block.strip())
        start = 0
        for match in _SENTENCE_END.finditer(block):
            end = match.start() + len(match.group(0).rstrip())
            sentences.append(block[start:end].strip())
            start = match.end()
        sentences.append(block[start:].strip())
    return [s for s in sentences if s]


def _table_lines(block: str) -> list[str]:
    """A block with the lines of a text table (tables.py) apart: each row is a sentence."""
    lines = block.split("\n")
    if len(lines) < 2 or not any(is_table_line(line) for line in lines):
        return [block]
    pieces, prose = [], []
    for line in lines:
        if is_table_line(line):
            pieces += ["\n".join(prose), line] if prose else [line]
            prose = []
        else:
            prose.append(line)
    return pieces + (["\n".join(prose)] if prose else [])


@dataclass
class _Unit:
    text: str
    section: str
    first: int
    last: int


def split_document(doc: SourceDocument, min_chars: int, max_chars: int) -> list[Document]:
    """Turn a document into passages: headings travel with their section, tiny paragraphs
    merge forward, long ones split at sentence boundaries."""
    units: list[_Unit] = []
    section, para, headings = "", 0, []
    for block in doc.blocks:
        if block.heading:
            section = block.text
            headings.append(block.text)
            continue
        para += 1
        for piece in _split_long(block.text, max_chars):
            # The heading opens its section's first passage, so it can be found and quoted.
            text = "\n\n".join([*headings, piece])
            units.append(_Unit(text, section, para, para))
            headings = []
    merged: list[_Unit] = []
    pending: _Unit | None = None
    for unit in units:
        if pending and pending.section == unit.section:
            unit = _Unit(pending.text + "\n\n" + unit.text, unit.section, pending.first, unit.last)
        elif pending:
            merged.append(pending)
        pending = None
        if len(unit.text) < min_chars:
            pending = unit
        else:
            merged.append(unit)
    if pending:
        if merged and merged[-1].section == pending.section:
            last = merged.pop()
            pending = _Unit(last.text + "\n\n" + pending.text, last.section, last.first,
                            pending.last)
        merged.append(pending)
    return [_passage(doc, position, unit) for position, unit in enumerate(merged)]


def _split_long(text: str, max_chars: int) -> list[str]:
    if len(text) <= max_chars:
        return [text]
    pieces, current = [], ""
    for sentence in split_sentences(text):
        if current and len(current) + 1 + len(sentence) > max_chars:
            pieces.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}" if current else sentence
    if current:
        pieces.append(current)
    return pieces


def _passage(doc: SourceDocument, position: int, unit: _Unit) -> Document:
    locator = f"para {unit.first}" if unit.first == unit.last else f"paras {unit.first}–{unit.last}"
    digest = hashlib.sha1(unit.text.encode("utf-8")).hexdigest()[:10]
    return Document(
        id=f"{doc.doc_id}:{position}:{digest}",
        page_content=unit.text,
        metadata={
            "id": f"{doc.doc_id}:{position}:{digest}",
            "doc_id": doc.doc_id,
            "kind": "text",
            "title": doc.title,
            "author": doc.author,
            "published": doc.published,
            "section": unit.section,
            "locator": locator,
            "position": position,
            "para_start": unit.first,
            "para_end": unit.last,
        },
    )


def figure_passage(figure: Figure) -> Document:
    """A figures-table row as a passage in words, so it can be retrieved like text."""
    period = f" in {figure.period}" if figure.period else ""
    text = (
        f"{figure.entity} {figure.metric}{period}: {format_number(figure.value)} {figure.unit}."
        f" Source: {figure.source}{', ' + figure.locator if figure.locator else ''}"
        f"{', reported ' + figure.as_of if figure.as_of else ''}."
        + (f" {figure.note.rstrip('.')}." if figure.note else "")
    )
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]
    passage_id = f"{figure.table}:{figure.id}:{digest}"
    return Document(
        id=passage_id,
        page_content=text,
        metadata={
            "id": passage_id,
            "doc_id": figure.table,
            "kind": "figure",
            "figure_id": figure.id,
            "title": f"Figures table ({figure.table})",
            "author": "",
            "published": figure.as_of,
            "section": "",
            "locator": f"row {figure.row}",
            "position": figure.row,
            "para_start": 0,
            "para_end": 0,
            # The row itself, so a table that later fails to load can be restored from the index.
            "figure": json.dumps({**figure.to_dict(), "value": figure.value}),
        },
    )


def split_corpus(corpus: Corpus, min_chars: int, max_chars: int) -> dict[str, list[Document]]:
    """All passages, grouped by the document (or figures table) they come from."""
    groups = {doc.doc_id: split_document(doc, min_chars, max_chars) for doc in corpus.documents}
    for figure in corpus.figures:
        groups.setdefault(figure.table, []).append(figure_passage(figure))
    return groups
