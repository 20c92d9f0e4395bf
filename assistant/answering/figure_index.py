"""The figures a question may be about: curated rows, and figures read from the text of the
passages a question retrieves (extract.py), each with its tokens and, once used, its embedding."""

from __future__ import annotations

import re
import threading

import numpy as np
from langchain_core.documents import Document

from ..ingest.documents import Figure
from ..ingest.tables import is_table_cell
from ..language.numbers import format_number, unit_scale
from ..language.words import tokenize

_COMPARED_WITH = re.compile(r"\bthan\b[^,;.\d]*")


class FigureIndex:
    """Curated figures, and figures read from passages on first use."""


    def __init__(self, curated: list[Figure], vectors, variants, passages: dict[str, Document],
                 extract, previous=lambda passage: None, tables: list[Figure] = ()):
        self.variants = variants  # a name's other names (Knowledge.variants: glossary, initials)
        self._vectors_of = vectors
        self._passages = passages
        self._extract = extract
        self._previous = previous
        self.figures: list[Figure] = []
        self.texts: list[str] = []
        self.tokens: list[frozenset] = []
        self._vectors: list[np.ndarray] = []
        self._by_passage: dict[str, list[int]] = {}
        # A curated row states the same value as a mention in its source: keep the curated one.
        self._stated = {(f.source, round(f.value * unit_scale(f.unit), 6)) for f in curated}
        self._lock = threading.Lock()
        self._add(list(curated))
        self.curated = list(range(len(self.figures)))
        # Tables in the articles are few and structured: every question may use their cells,
        # as it may the curated rows, whether or not it retrieved their passage.
        self.tables = self._add([f for f in tables
                                 if (f.source, round(f.value * unit_scale(f.unit), 6))
                                 not in self._stated])

    def _add(self, figures: list[Figure]) -> list[int]:
        start = len(self.figures)
        for fig in figures:
            text = self.describe(fig)
            self.figures.append(fig)
            self.texts.append(text)
            self.tokens.append(frozenset(tokenize(text)))
            self._vectors.append(None)  # embedded when a question first ranks it
        return list(range(start, len(self.figures)))

    def _embed(self, indexes: list[int]) -> None:
        missing = [i for i in indexes if self._vectors[i] is None]
        if missing:
            for i, vec in zip(missing, self._vectors_of([self.texts[i] for i in missing]),
                              strict=True):
                self._vectors[i] = np.asarray(vec, dtype=np.float32)

    def ensure(self, passage_ids) -> None:
        """Read the figures of these passages if that is not done yet."""
        if all(pid in self._by_passage or pid not in self._passages for pid in passage_ids):
            return
        with self._lock:
            for pid in dict.fromkeys(passage_ids):
                if pid in self._by_passage or pid not in self._passages:
                    continue
                passage = self._passages[pid]
                found = [f for f in self._extract(passage, self._previous(passage))
                         if (f.source, round(f.value * unit_scale(f.unit), 6)) not in self._stated]
                self._by_passage[pid] = self._add(found)

    def candidates(self, passage_ids) -> list[int]:
        """The curated figures, the cells of tables, and the figures of the given passages."""
        self.ensure(passage_ids)
        extracted = [i for pid in dict.fromkeys(passage_ids) for i in self._by_passage.get(pid, [])]
        return [*self.curated, *self.tables, *extracted]

    def is_curated(self, index: int) -> bool:
        return index < len(self.curated)

    def describe(self, fig: Figure) -> str:
        if fig.table == "extracted" and not is_table_cell(fig):
            # The words around the number say what it measures; a table cell's row and
            # column say it instead.
            at = fig.note.find(format_number(fig.value).split(".")[0][:3])
            window = fig.note if at < 0 else fig.note[max(0, at - 90):at + 50]
            # "B was bigger than A, at 19,564": what follows "than" is another thing's.
            window = _COMPARED_WITH.sub("", window)
            # An amount in a list keeps the measure named at the list's head, perhaps
            # further back than the window reaches.
            return window if fig.metric in window else f"{fig.metric}: {window}"
        return f"{fig.entity} {fig.metric} {fig.period}: {format_number(fig.value)} {fig.unit}" \
            + (f" ({fig.context})" if fig.context else "")

    def mentions(self, index: int, name: str) -> float:
        """1 when the figure is about the name, 0.5 when its sentence only mentions it."""
        fig = self.figures[index]
        variants = [v.lower() for v in self.variants(name)]
        if any(v in fig.entity.lower() or fig.entity.lower() in v for v in variants
               if fig.entity):
            return 1.0
        if fig.table != "extracted" and any(v in fig.metric.lower() for v in variants):
            return 0.75  # "SMEs" names what a row of China's counts
        if fig.table == "extracted" and any(v in f"{fig.note} {fig.context}".lower()
                                            for v in variants):
            return 0.5
        # "EU Globex Rail": a run of capitalized words, each of them in the figure's words.
        words = [w for w in name.lower().split() if len(w) > 1]
        if len(words) > 1:
            said = set(re.findall(r"[\w&]+", (fig.note if fig.table == "extracted" else
                                              f"{fig.entity} {fig.metric}").lower()))
            if all(w in said for w in words):
                return 0.5 if fig.table == "extracted" else 0.75
        return 0.0

    def subject(self, names: list[str], indexes: list[int]) -> str:
        """Of the names, the first that some of these figures are about (not a source or a
        market it also names); else the first name."""
        return next((n for n in names if any(self.mentions(i, n) == 1.0 for i in indexes)),
                    names[0] if names else "")

    def same_measure(self, a: int, b: int) -> bool:
        """Two figures of one measure: the same metric, or closely similar context."""
        fa, fb = self.figures[a], self.figures[b]
        if "extracted" not in {fa.table, fb.table}:
            return fa.metric.lower() == fb.metric.lower()
        return float(self._vectors[a] @ self._vectors[b]) >= 0.6
