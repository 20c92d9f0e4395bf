"""Load the corpus: articles (Markdown/text, HTML, PDF) and figures tables, with validation.

A document's id is its file stem. Problems with one file are collected, not raised, so the rest of
the corpus still loads; the caller decides how to report them.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import AssistantError
from ..language.text import INVISIBLE
from .articles import load_document
from .documents import ARTICLE_SUFFIXES, Figure, SourceDocument
from .figures_table import read_figures

log = logging.getLogger(__name__)


@dataclass
class Corpus:
    """Everything loaded from the corpus paths, plus the problems found on the way."""

    documents: list[SourceDocument] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    figure_tables: dict[str, str] = field(default_factory=dict)  # table id -> content hash
    problems: list[str] = field(default_factory=list)
    # Files there but unloadable (damaged, unreadable, emptied, oversized): id -> path. Their
    # last indexed version stays in the index until they are fixed or removed.
    failed: dict[str, str] = field(default_factory=dict)

    def hashes(self) -> dict[str, str]:
        """Content hash of every loaded document and figures table, by id."""
        return {**{d.doc_id: d.content_hash for d in self.documents}, **self.figure_tables}

def load_corpus(paths: list[str | Path], max_file_bytes: int = 20_000_000) -> Corpus:
    """Load every article and figures CSV under the given folders or files."""
    corpus = Corpus()
    seen_hashes: dict[str, str] = {}
    ids: dict[str, str] = {}  # document or table id -> the file that has it
    for path in _expand(paths, corpus.problems):
        try:
            size = path.stat().st_size
            if size > max_file_bytes:
                corpus.problems.append(
                    f"{path}: skipped, {size:,} bytes is over the {max_file_bytes:,}-byte limit"
                )
                corpus.failed[path.stem] = str(path)
                continue
            if path.suffix.lower() == ".csv":
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                if _seen_before(path, digest, seen_hashes, ids, corpus.problems):
                    continue
                figures, problems = read_figures(path)
                corpus.problems.extend(problems)
                if not figures:
                    if not problems:
                        corpus.problems.append(f"{path}: skipped, no figure rows")
                    corpus.failed[path.stem] = str(path)
                    continue
                corpus.figures.extend(figures)
                corpus.figure_tables[path.stem] = digest
                continue
            doc = load_document(path)
        except AssistantError as exc:
            corpus.problems.append(str(exc))
            corpus.failed[path.stem] = str(path)
            continue
        except OSError as exc:  # unreadable file: report it, load the rest
            corpus.problems.append(f"{path}: skipped, cannot be read ({exc.strerror or exc})")
            corpus.failed[path.stem] = str(path)
            continue
        if not any(not b.heading for b in doc.blocks):
            corpus.problems.append(f"{path}: skipped, no text found")
            corpus.failed[path.stem] = str(path)
            continue
        removed = _drop_invisible(doc)
        if removed:
            corpus.problems.append(f"{path}: removed {removed} invisible character(s)")
        if _seen_before(path, doc.content_hash, seen_hashes, ids, corpus.problems):
            continue
        corpus.documents.append(doc)
    return corpus

def _seen_before(path: Path, digest: str, seen: dict[str, str], ids: dict[str, str],
                 problems: list[str]) -> bool:
    """True (and reported) for a file whose content or id another file already has."""
    if digest in seen:
        problems.append(f"{path}: skipped, same content as {seen[digest]}")
        return True
    if path.stem in ids:
        problems.append(f"{path}: skipped, its id {path.stem!r} (the file name) is already "
                        f"taken by {ids[path.stem]}; rename one of them")
        return True
    seen[digest] = ids[path.stem] = str(path)
    return False

def _drop_invisible(doc: SourceDocument) -> int:
    removed = 0
    for block in doc.blocks:
        block.text, n = INVISIBLE.subn("", block.text)
        removed += n
    return removed

def _expand(paths: list[str | Path], problems: list[str]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise AssistantError(f"Corpus path {path} does not exist; check --corpus.")
        if path.is_file():
            files.append(path)
            continue
        root = path.resolve()
        for child in sorted(path.rglob("*")):
            if not child.is_file() or child.name.startswith(".") or child.name == "README.md":
                continue
            if child.suffix.lower() not in ARTICLE_SUFFIXES | {".csv"}:
                continue
            if not child.resolve().is_relative_to(root):
                problems.append(f"{child}: skipped, it is a link that leaves the corpus folder")
                continue
            files.append(child)
    return files
