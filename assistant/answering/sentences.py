"""Every sentence of the text passages, tokenized once per process with the vectors the index
stored for it, and the fitted weights that score them (calibration.json, fitted by
evaluation/calibrate.py)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from ..ingest.passages import split_sentences
from ..ingest.tables import ROW
from ..language.instructions import addresses_the_reader
from ..language.words import tokenize

# Fitted by evaluation/calibrate.py, stored beside it.
CALIBRATION = Path(__file__).parents[1] / "evaluation" / "calibration.json"

@lru_cache(maxsize=1)
def calibration() -> dict:
    """The fitted weights (see calibrate.py); the file ships with the package."""
    return json.loads(CALIBRATION.read_text(encoding="utf-8"))


@dataclass
class Sentence:
    """One sentence of a text passage."""

    passage: Document
    index: int
    text: str
    previous: str


_VECTOR_CACHE: dict[tuple[str, str], np.ndarray] = {}


def _before(parts: list[str], i: int) -> str:
    """The text a sentence follows on from: the sentence before it; for a table row, the
    table's header and the line above it (what the row's numbers are)."""
    if not ROW.match(parts[i]):
        return parts[i - 1] if i else ""
    start = i
    while start > 0 and ROW.match(parts[start - 1]):
        start -= 1
    return " ".join(parts[max(0, start - 2):start])


class SentenceBank:
    """The sentences of the text passages, with token sets and embeddings. A passage is split
    the first time it is retrieved and kept for the process, so a large corpus opens at once.
    Its sentence vectors are read from the index, which embedded them when it was built; an
    index made before sentences were stored has none, and they are embedded then instead."""

    def __init__(self, passages: list[Document], embeddings: Embeddings,
                 stored: Callable[[list[str]], dict[str, np.ndarray]] | None = None):
        self.embeddings = embeddings
        self.stored = stored  # the index's sentence vectors, by passage id (sentence_store.py)
        self.passages = {p.id: p for p in passages if p.metadata.get("kind") == "text"}
        self.sentences: list[Sentence] = []
        self.tokens: list[frozenset] = []
        self.context_tokens: list[frozenset] = []
        self.by_passage: dict[str, list[int]] = {}
        self._vectors: list[np.ndarray] = []
        self._windows: list[np.ndarray] = []
        self._lock = threading.Lock()  # the UI answers several questions at once

    def ensure(self, passage_ids) -> None:
        """Split, tokenize and embed these passages if that is not done yet."""
        if all(pid in self.by_passage or pid not in self.passages for pid in passage_ids):
            return
        with self._lock:
            todo = [pid for pid in dict.fromkeys(passage_ids)
                    if pid in self.passages and pid not in self.by_passage]
            staged = []
            for pid in todo:
                passage = self.passages[pid]
                parts = split_sentences(passage.page_content)
                section = passage.metadata.get("section", "")
                rows = []
                for i, text in enumerate(parts):
                    if addresses_the_reader(text):
                        continue  # documents are data: an instruction in one is never an answer
                    previous = _before(parts, i)
                    own = frozenset(tokenize(text))
                    rows.append((Sentence(passage, i, text, previous), own,
                                 own | frozenset(tokenize(f"{previous} {section}"))))
                staged.append((pid, rows))
            texts = [r[0].text for _, rows in staged for r in rows]
            if self.stored is not None and not self._known(texts):
                self._remember(self.stored(todo))
            vectors = iter(self.vectors(texts))
            for pid, rows in staged:
                ids = []
                for sentence, own, context in rows:
                    ids.append(len(self.sentences))
                    self.sentences.append(sentence)
                    self.tokens.append(own)
                    self.context_tokens.append(context)
                    self._vectors.append(next(vectors))
                # Each sentence with its neighbours, as one vector: facts often span two.
                for k in range(len(ids)):
                    window = np.sum([self._vectors[j] for j in ids[max(k - 1, 0):k + 2]], axis=0)
                    self._windows.append(window / (np.linalg.norm(window) or 1.0))
                self.by_passage[pid] = ids  # last: readers without the lock see whole rows

    def matrix(self, ids: list[int]) -> np.ndarray:
        return np.stack([self._vectors[i] for i in ids])

    def windows(self, ids: list[int]) -> np.ndarray:
        return np.stack([self._windows[i] for i in ids])

    @property
    def _key(self) -> str:
        return getattr(self.embeddings, "model_name", type(self.embeddings).__name__)

    def _known(self, texts: list[str]) -> bool:
        return all((self._key, t) in _VECTOR_CACHE for t in texts)

    def _remember(self, found: dict[str, np.ndarray]) -> None:
        for text, vector in found.items():
            _VECTOR_CACHE[(self._key, text)] = vector

    def vectors(self, texts: list[str]) -> np.ndarray:
        """Embeddings of texts, cached by text for the process (documents repeat across opens)."""
        key = self._key
        missing = list(dict.fromkeys(t for t in texts if (key, t) not in _VECTOR_CACHE))
        if missing:
            for text, vec in zip(missing, self.embeddings.embed_documents(missing), strict=True):
                _VECTOR_CACHE[(key, text)] = np.asarray(vec, dtype=np.float32)
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        return np.stack([_VECTOR_CACHE[(key, t)] for t in texts])

    def of_passage(self, passage_id: str) -> list[int]:
        self.ensure([passage_id])
        return self.by_passage.get(passage_id, [])
