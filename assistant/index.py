"""Embed passages and store them in Chroma; a manifest records how the index was made.

Updates are incremental: a document whose content hash is unchanged is not re-embedded.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from .config import Settings
from .errors import AssistantError

log = logging.getLogger(__name__)

# Bump when the splitter changes in a way that changes passages for the same settings.
CHUNKER_VERSION = 1
MANIFEST = "manifest.json"


@dataclass
class BuildReport:
    """What an index update did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    passages_embedded: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
            f"{len(self.unchanged)} unchanged; {self.passages_embedded} passages embedded"
        )


def chunking(settings: Settings) -> dict:
    return {"min_chars": settings.chunk_min_chars, "max_chars": settings.chunk_max_chars,
            "version": CHUNKER_VERSION}


def read_manifest(index_dir: Path) -> dict | None:
    """The manifest of the index in index_dir, or None when there is no index yet."""
    path = Path(index_dir) / MANIFEST
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise AssistantError(
            f"The index manifest {path} is unreadable; rebuild with "
            "`python -m assistant index --rebuild`."
        ) from None


def _write_manifest(index_dir: Path, manifest: dict) -> None:
    # Write then rename, so a crash never leaves a half-written manifest.
    index_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=index_dir, prefix=".manifest-", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=2, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, index_dir / MANIFEST)


def check_compatible(manifest: dict, settings: Settings) -> None:
    """Refuse an index made with another model or chunking, saying which command fixes it."""
    fix = "run `python -m assistant index --rebuild`"
    if manifest.get("model") != settings.embedding_model:
        raise AssistantError(
            f"The index was built with embedding model {manifest.get('model')!r} but the "
            f"settings ask for {settings.embedding_model!r}; {fix} (or set "
            "ASSISTANT_EMBEDDING_MODEL back)."
        )
    if manifest.get("chunking") != chunking(settings):
        raise AssistantError(
            f"The index was built with chunking {manifest.get('chunking')} but the settings "
            f"ask for {chunking(settings)}; {fix}."
        )


def make_client(settings: Settings):
    """A Chroma client: HTTP when a server URL is set, else persistent in the index folder."""
    import chromadb

    if settings.chroma_url:
        from urllib.parse import urlparse

        url = urlparse(settings.chroma_url)
        if not url.hostname:
            raise AssistantError(f"ASSISTANT_CHROMA_URL={settings.chroma_url!r} is not a URL.")
        try:
            return chromadb.HttpClient(
                host=url.hostname, port=url.port or 8000, ssl=url.scheme == "https"
            )
        except Exception as exc:  # chromadb raises several types for an unreachable server
            raise AssistantError(
                f"Cannot reach the Chroma server at {settings.chroma_url} ({exc}); "
                "start it with `chroma run` or unset ASSISTANT_CHROMA_URL."
            ) from None
    return chromadb.PersistentClient(path=str(Path(settings.index_dir) / "chroma"))


def open_store(settings: Settings, embeddings: Embeddings, client=None):
    """The LangChain Chroma vector store over the passages collection."""
    from langchain_chroma import Chroma

    return Chroma(
        collection_name=settings.collection,
        embedding_function=embeddings,
        client=client or make_client(settings),
        collection_configuration={"hnsw": {"space": "cosine"}},
    )


def build_index(
    groups: dict[str, list[Document]],
    hashes: dict[str, str],
    settings: Settings,
    embeddings: Embeddings,
    rebuild: bool = False,
    progress: Callable[[int, int], None] | None = None,
    store=None,
) -> BuildReport:
    """Bring the index up to date with the given passages (grouped by document id).

    Only groups whose content hash changed are embedded; groups no longer present are deleted.
    """
    import chromadb

    index_dir = Path(settings.index_dir)
    manifest = read_manifest(index_dir)
    if manifest and not rebuild:
        check_compatible(manifest, settings)
    store = store or open_store(settings, embeddings)
    if rebuild or manifest is None:
        store.reset_collection()
        manifest = None
    known: dict = (manifest or {}).get("documents", {})
    report = BuildReport()
    for doc_id in sorted(set(known) - set(groups)):
        store.delete(ids=known[doc_id]["passages"])
        report.removed.append(doc_id)
    documents, todo = {}, []
    for doc_id, passages in groups.items():
        ids = [p.id for p in passages]
        old = known.get(doc_id)
        if old and old["hash"] == hashes[doc_id] and old["passages"] == ids:
            report.unchanged.append(doc_id)
            documents[doc_id] = old
            continue
        if old:
            stale = sorted(set(old["passages"]) - set(ids))
            if stale:
                store.delete(ids=stale)
        todo.extend(passages)
        (report.updated if old else report.added).append(doc_id)
        documents[doc_id] = {"hash": hashes[doc_id], "passages": ids}
    _add(store, todo, progress)
    report.passages_embedded = len(todo)
    if manifest is None or report.changed:
        dimension = (manifest or {}).get("dimension")
        if report.passages_embedded:
            dimension = getattr(embeddings, "dimension", None) or len(
                embeddings.embed_query("dimension probe"))
        _write_manifest(index_dir, {
            "model": settings.embedding_model,
            "dimension": dimension,
            "chunking": chunking(settings),
            "chromadb": chromadb.__version__,
            "collection": settings.collection,
            "documents": documents,
        })
    return report


def _add(store, passages: list[Document], progress, batch: int = 128) -> None:
    for start in range(0, len(passages), batch):
        chunk = passages[start:start + batch]
        store.add_documents(chunk, ids=[p.id for p in chunk])
        if progress:
            progress(start + len(chunk), len(passages))
