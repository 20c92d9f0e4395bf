"""Keyword search (BM25) over passages, stored in SQLite FTS5 next to each index build.

Tokens come from the same tokenizer the questions use (stems, plain numbers, concept tokens),
so both sides agree; the search itself is SQLite's, which scales to many passages without
scanning Python lists, and is built once per index build, not at each start.
"""

from __future__ import annotations

import math
import os
import re
import sqlite3
import tempfile
import threading
from pathlib import Path

from langchain_core.documents import Document

from .questions import tokenize

_UNSAFE = re.compile(r"[^0-9a-z_]")


def _term(token: str) -> str:
    # FTS5 keeps letters, digits and "_" together; everything else in a token becomes "_".
    return _UNSAFE.sub("_", token.lower().replace("§", "_"))


def _searchable(passage: Document) -> str:
    return " ".join([passage.metadata.get("section", ""), passage.page_content])


def build_keyword_index(path: Path, passages: list[Document]) -> None:
    """Write the FTS5 index for these passages to `path` (replacing any file there)."""
    # A private temporary name: two replicas may build the same cache file at once.
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    tmp.unlink()
    db = sqlite3.connect(tmp)
    with db:
        db.execute("CREATE VIRTUAL TABLE passages USING fts5(id UNINDEXED, tokens, "
                   "tokenize=\"unicode61 tokenchars '_'\")")
        db.executemany("INSERT INTO passages(id, tokens) VALUES (?, ?)", (
            (p.id, " ".join(_term(t) for t in tokenize(_searchable(p)))) for p in passages))
        db.execute("INSERT INTO passages(passages) VALUES ('optimize')")
        db.execute("CREATE VIRTUAL TABLE passages_vocab USING fts5vocab(passages, 'row')")
    db.close()
    tmp.replace(path)


class KeywordIndex:
    """BM25 search over a stored FTS5 index; results are the passages themselves."""

    def __init__(self, path: Path, passages: list[Document]):
        self.path = Path(path)
        self.by_id = {p.id: p for p in passages}
        # Read-only, shareable across the UI's worker threads.
        self._db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True,
                                   check_same_thread=False)
        self._lock = threading.Lock()
        self.size = self._db.execute("SELECT count(*) FROM passages").fetchone()[0]
        n = max(self.size, 1)
        self._idf = {term: math.log(1 + (n - df + 0.5) / (df + 0.5)) for term, df in
                     self._db.execute("SELECT term, doc FROM passages_vocab")}

    def search(self, query: str, k: int) -> list[tuple[Document, float]]:
        terms = sorted({_term(t) for t in tokenize(query)} - {""})
        if not terms:
            return []
        match = " OR ".join(f'"{t}"' for t in terms)
        with self._lock:
            rows = self._db.execute(
                "SELECT id, bm25(passages) AS score FROM passages WHERE passages MATCH ? "
                "ORDER BY score LIMIT ?", (match, k)).fetchall()
        # FTS5's bm25() is lower-is-better; flip it so higher means more relevant.
        return [(self.by_id[i], -score) for i, score in rows if i in self.by_id]

    def idf(self, token: str) -> float | None:
        """A token's inverse document frequency, or None when no passage has it."""
        return self._idf.get(_term(token))
