"""Keyword search (BM25) over passages, stored in SQLite FTS5 next to each index build.

Tokens come from the same tokenizer the questions use (stems and plain numbers),
so both sides agree; the search itself is SQLite's, which scales to many passages without
scanning Python lists, and is built once per index build, not at each start.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import re
import sqlite3
import tempfile
import threading
from pathlib import Path

from langchain_core.documents import Document

from ..language import words
from ..language.words import tokenize

# Stored with each keyword index: a change to the stopwords or to this revision makes stored
# tokens stale, so the index is rebuilt on open.
TOKENIZER_REVISION = 6
TOKENIZER = hashlib.sha256(repr((
    TOKENIZER_REVISION, sorted(words.STOPWORDS))).encode("utf-8")).hexdigest()[:16]

# Terms in more passages than this are left out of large-index queries (see _selective).
COMMON_MIN, COMMON_SHARE = 1_000, 0.05
_UNSAFE = re.compile(r"[^0-9a-z_]")


def _term(token: str) -> str:
    # FTS5 keeps letters, digits and "_" together; everything else in a token becomes "_".
    return _UNSAFE.sub("_", token.lower().replace("§", "_"))


def _searchable(passage: Document) -> str:
    # The year of its source's publication: "in 2015" finds a report of that year whose
    # sentences only say "last quarter".
    return " ".join([passage.metadata.get("section", ""), passage.page_content,
                     str(passage.metadata.get("published", ""))[:4]])


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
        db.execute("CREATE TABLE tokenizer(signature TEXT)")
        db.execute("INSERT INTO tokenizer VALUES (?)", (TOKENIZER,))
    db.close()
    tmp.replace(path)


def keyword_index_is_current(path: Path) -> bool:
    """True when the stored index exists and was made by this tokenizer."""
    if not Path(path).exists():
        return False
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            row = db.execute("SELECT signature FROM tokenizer").fetchone()
    except sqlite3.Error:  # an older layout, or a damaged file: rebuild it
        return False
    return bool(row) and row[0] == TOKENIZER


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
        self._df = dict(self._db.execute("SELECT term, doc FROM passages_vocab"))
        self._idf = {term: math.log(1 + (n - df + 0.5) / (df + 0.5))
                     for term, df in self._df.items()}
        # What a word no passage has would weigh: more than any word the corpus has.
        self.unseen_idf = math.log(1 + (n + 0.5) / 0.5)

    def search(self, query: str, k: int) -> list[tuple[Document, float]]:
        terms = self._selective(sorted({_term(t) for t in tokenize(query)} - {""}))
        if not terms:
            return []
        match = " OR ".join(f'"{t}"' for t in terms)
        with self._lock:
            rows = self._db.execute(
                "SELECT id, bm25(passages) AS score FROM passages WHERE passages MATCH ? "
                "ORDER BY score LIMIT ?", (match, k)).fetchall()
        # FTS5's bm25() is lower-is-better; flip it so higher means more relevant.
        return [(self.by_id[i], -score) for i, score in rows if i in self.by_id]

    def _selective(self, terms: list[str]) -> list[str]:
        """The query terms worth matching. In a large index a term found in most passages costs
        a score for each of them yet barely moves the ranking (as a search engine's common-terms
        cut-off): it is left out while rarer terms are there, and a query of nothing but such
        terms is left to the dense search. Small indexes keep every term."""
        present = [t for t in terms if t in self._df]
        cap = max(COMMON_MIN, COMMON_SHARE * self.size)
        rare = [t for t in present if self._df[t] <= cap]
        if rare or not present:
            return rare
        rarest = min(present, key=self._df.__getitem__)
        return [rarest] if self._df[rarest] <= self.size / 2 else []

    def idf(self, token: str) -> float | None:
        """A token's inverse document frequency, or None when no passage has it."""
        return self._idf.get(_term(token))
