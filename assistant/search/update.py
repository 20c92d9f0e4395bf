"""Bring the index up to date with a corpus: load and split it, keep the last indexed version
of files that fail to load, and build (embedding only what changed)."""

from __future__ import annotations

import json
from collections.abc import Callable

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from ..config import Settings
from ..errors import AssistantError
from ..ingest.corpus import Corpus, load_corpus
from ..ingest.documents import Figure
from ..ingest.passages import split_corpus
from .builds import Builds
from .embeddings import shared_embeddings
from .index import build_index
from .integrity import check_sqlite
from .manifest import BuildReport
from .storage import builds_for


def update_index(settings: Settings, embeddings: Embeddings | None = None,
                 rebuild: bool = False, progress: Callable[[int, int], None] | None = None,
                 builds: Builds | None = None,
                 ) -> tuple[Corpus, dict[str, list[Document]], BuildReport]:
    """Load and split the corpus and bring the index up to date; nothing is opened for reading.

    When nothing changed this neither loads the embedding model nor imports Chroma.
    """
    check_sqlite()
    builds = builds or builds_for(settings)
    # A damaged published build is reported before anything reads or copies it.
    builds.verify()
    loaded = load_corpus(list(settings.corpus), settings.max_file_bytes)
    groups = split_corpus(loaded, settings.chunk_min_chars, settings.chunk_max_chars)
    hashes = loaded.hashes()
    if loaded.failed and not rebuild:
        keep_previous_versions(loaded, groups, hashes, builds)
    if not groups:
        raise AssistantError(
            f"No articles or figures found in {', '.join(settings.corpus)}; add .md, .txt, "
            ".html, .pdf or figures .csv files (see the README)."
        )
    embeddings = embeddings or shared_embeddings(settings.embedding_model)
    report = build_index(groups, hashes, settings, embeddings, builds, rebuild=rebuild,
                         progress=progress)
    return loaded, groups, report


def keep_previous_versions(corpus: Corpus, groups: dict[str, list[Document]],
                           hashes: dict[str, str], builds: Builds) -> None:
    """Files that are there but failed to load keep their last indexed passages (and figures):
    a damaged or half-saved file never takes what was indexed from it out of the index."""
    known = (builds.manifest() or {}).get("documents", {})
    wanted = {d: path for d, path in corpus.failed.items() if d in known and d not in groups}
    if not wanted:
        return
    build = builds.open()
    try:
        _read_back(build.client.get_collection(build.collection), wanted, known, corpus,
                   groups, hashes)
    finally:
        build.close()


def _read_back(collection, wanted, known, corpus: Corpus, groups, hashes) -> None:
    for doc_id, path in wanted.items():
        ids = known[doc_id]["passages"]
        got = collection.get(ids=ids, include=["documents", "metadatas"])
        found = {i: Document(id=i, page_content=text, metadata=meta)
                 for i, text, meta in zip(got["ids"], got["documents"], got["metadatas"],
                                          strict=True)}
        if set(found) != set(ids):
            corpus.problems.append(f"{path}: its earlier version could not be read back from "
                                   "the index either; it is left out until the file is fixed")
            continue
        groups[doc_id] = [found[i] for i in ids]
        hashes[doc_id] = known[doc_id]["hash"]
        for passage in groups[doc_id]:
            if passage.metadata.get("figure"):
                fields = json.loads(passage.metadata["figure"])
                corpus.figures.append(Figure(**fields, table=doc_id,
                                             row=int(passage.metadata["position"])))
        corpus.problems.append(f"{path}: the version indexed before ({len(ids)} passages) "
                               "stays in use until the file is fixed or removed")
