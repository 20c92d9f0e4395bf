"""Embed passages and store them in Chroma; a manifest records how the index was made.

Updates are incremental: a document whose content hash is unchanged is not re-embedded.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from ..config import Settings
from ..errors import AssistantError
from ..ingest.corpus import Corpus, Figure
from .keyword import build_keyword_index
from .storage import (  # noqa: F401 - re-exported: where builds live is part of this API
    BUILDS,
    REBUILD,
    build_lock,
    builds_for,
    chromadb_version,
    current_build,
    passage_count,
    probe_build,
    read_manifest,
)

log = logging.getLogger(__name__)

# Bump when the splitter changes in a way that changes passages for the same settings.
CHUNKER_VERSION = 1


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


def check_compatible(manifest: dict, settings: Settings) -> None:
    """Refuse an index made with another model, chunking or a newer chromadb; say what fixes it."""
    installed = chromadb_version()
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
    if _version(manifest.get("chromadb", "0")) > _version(installed):
        raise AssistantError(
            f"The index was built by chromadb {manifest['chromadb']}, newer than the installed "
            f"{installed}; upgrade with `make install` or {fix}."
        )


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", str(text))[:3])


def plan_update(groups: dict[str, list[Document]], hashes: dict[str, str],
                manifest: dict | None) -> BuildReport:
    """Which documents are new, changed, removed or unchanged against the published index."""
    known: dict = (manifest or {}).get("documents", {})
    report = BuildReport(removed=sorted(set(known) - set(groups)))
    for doc_id, passages in groups.items():
        old = known.get(doc_id)
        if old and old["hash"] == hashes[doc_id] and old["passages"] == [p.id for p in passages]:
            report.unchanged.append(doc_id)
        else:
            (report.updated if old else report.added).append(doc_id)
    return report


def keep_previous_versions(corpus: Corpus, groups: dict[str, list[Document]],
                           hashes: dict[str, str], settings: Settings, client=None) -> None:
    """Files that are there but failed to load keep their last indexed passages (and figures):
    a damaged or half-saved file never takes what was indexed from it out of the index."""
    builds = builds_for(settings, client)
    known = (builds.manifest() or {}).get("documents", {})
    wanted = {d: path for d, path in corpus.failed.items() if d in known and d not in groups}
    if not wanted:
        return
    chroma_client, name = builds.published()
    collection = chroma_client.get_collection(name)
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


def open_store(settings: Settings, embeddings: Embeddings, client=None):
    """The LangChain Chroma vector store over the published passages."""
    builds = builds_for(settings, client)
    chroma_client, name = builds.published()
    store = _store(chroma_client, name, embeddings)
    store.lease = getattr(builds, "lease", None)  # the build outlives cleanups while in use
    return store


def _store(client, name: str, embeddings: Embeddings):
    from langchain_chroma import Chroma

    return Chroma(collection_name=name, embedding_function=embeddings, client=client,
                  collection_configuration={"hnsw": {"space": "cosine"}})


def build_index(
    groups: dict[str, list[Document]],
    hashes: dict[str, str],
    settings: Settings,
    embeddings: Embeddings,
    rebuild: bool = False,
    progress: Callable[[int, int], None] | None = None,
    client=None,
) -> BuildReport:
    """Bring the index up to date with the given passages (grouped by document id).

    Only documents whose content changed are embedded. The update is made in a new build (a
    copy of the published one), validated, then published by swapping the pointer, so a reader
    never sees a half-built index and a crash leaves the published one as it was.
    """
    builds = builds_for(settings, client)
    manifest = builds.manifest()
    if manifest and not rebuild:
        check_compatible(manifest, settings)
        plan = plan_update(groups, hashes, manifest)
        if not plan.changed:
            return plan  # nothing to do: no lock, no model, no new build
    with builds.lock():
        # Re-read under the lock: another builder may have published meanwhile.
        manifest = None if rebuild else builds.manifest()
        report = plan_update(groups, hashes, manifest)
        if manifest and not report.changed:
            return report
        builds.cleanup()
        compact = _worn(manifest, report)
        while True:
            name = f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{secrets.token_hex(3)}"
            try:
                writer = _write_build(builds, name, groups, hashes, manifest, report, settings,
                                      embeddings, progress, compact)
                break
            except _NotFound:
                if compact or not manifest:
                    raise AssistantError(
                        "The new index does not retrieve its new passages by their own text; "
                        f"the published index was kept. {REBUILD[0].upper()}{REBUILD[1:]}."
                    ) from None
                compact = True  # a worn vector graph: rebuild it from the stored vectors
            except BaseException as exc:
                _fail(builds, name, exc)
        # Chroma keeps every opened database in a process-wide cache until its last client
        # is closed: the writer's files are let go here, the readers' with their assistant.
        builds.release(writer)
        builds.publish(name)
        builds.cleanup()
    return report


class _NotFound(Exception):
    """A new build does not find its new passages by their own text (see validate_build)."""


def _worn(manifest: dict | None, report: BuildReport) -> bool:
    """Whether the published build's vector graph has had many deletions since it was last
    built afresh (over a tenth of its passages): then the next build starts afresh."""
    if not manifest:
        return False
    known = manifest.get("documents", {})
    deleting = sum(len(known.get(d, {}).get("passages", []))
                   for d in report.removed + report.updated)
    return manifest.get("deleted_since_compaction", 0) + deleting > 0.1 * \
        max(passage_count(manifest), 1)


def _write_build(builds, name, groups, hashes, manifest, report, settings, embeddings, progress,
                 compact: bool):
    """Make, fill and validate one unpublished build; its writing client is returned open."""
    writer = None
    try:
        writer, collection = builds.begin(name, copy_published=bool(manifest), compact=compact)
        store = _store(writer, collection, embeddings)
        report.passages_embedded = _apply(store, groups, report, manifest, progress)
        build_keyword_index(builds.keyword_path(name),
                            [p for group in groups.values() for p in group])
        new_manifest = _manifest(groups, hashes, manifest, report, settings, embeddings)
        known = (manifest or {}).get("documents", {})
        deleted = 0 if compact or not manifest else manifest.get("deleted_since_compaction", 0)
        deleted += sum(len(known.get(d, {}).get("passages", []))
                       for d in report.removed + report.updated) if manifest else 0
        new_manifest["deleted_since_compaction"] = 0 if compact else deleted
        builds.save_manifest(name, new_manifest)
        validate_build(store, new_manifest, groups, report, embeddings)
        return writer
    except BaseException:
        builds.release(writer)
        builds.discard(name)  # a failed build never lingers
        raise


def _fail(builds, name: str, exc: BaseException):
    if isinstance(exc, OSError) or _is_chroma_error(exc):
        # A full disk or a read-only folder reaches us from Chroma as its own error.
        raise AssistantError(
            f"Writing the new index failed ({getattr(exc, 'strerror', None) or exc}); "
            "the published index was kept. Free some space or fix the folder's "
            "permissions, then try again."
        ) from None
    raise exc


def _is_chroma_error(exc: BaseException) -> bool:
    from chromadb.errors import ChromaError

    return isinstance(exc, ChromaError)


def _apply(store, groups, report: BuildReport, manifest, progress) -> int:
    known = (manifest or {}).get("documents", {})
    for doc_id in report.removed + report.updated:
        ids = known.get(doc_id, {}).get("passages", [])
        if ids:
            store.delete(ids=ids)
    todo = [p for doc_id in report.added + report.updated for p in groups[doc_id]]
    _add(store, todo, progress)
    return len(todo)


def _manifest(groups, hashes, manifest, report, settings, embeddings) -> dict:
    dimension = (manifest or {}).get("dimension")
    if report.passages_embedded or dimension is None:
        dimension = getattr(embeddings, "dimension", None) or len(
            embeddings.embed_query("dimension probe"))
    return {
        "model": settings.embedding_model,
        "dimension": dimension,
        "chunking": chunking(settings),
        "chromadb": chromadb_version(),
        "collection": settings.collection,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "documents": {doc_id: {"hash": hashes[doc_id], "passages": [p.id for p in passages]}
                      for doc_id, passages in groups.items()},
    }


def validate_build(store, manifest: dict, groups, report: BuildReport, embeddings,
                   samples: int = 3) -> None:
    """Refuse to publish a build whose count or retrieval does not match its manifest."""
    expected = passage_count(manifest)
    count = store._collection.count()
    if count != expected:
        raise AssistantError(
            f"The new index holds {count} passages but its manifest lists {expected}; the "
            f"published index was kept. {REBUILD[0].upper()}{REBUILD[1:]}."
        )
    # Sample the passages just embedded (where a fault would be), else any.
    fresh = [p for doc_id in report.added + report.updated for p in groups[doc_id]]
    passages = fresh or [p for group in groups.values() for p in group]
    step = max(1, len(passages) // samples)
    for passage in passages[::step][:samples]:
        found = store.similarity_search_by_vector(embeddings.embed_query(passage.page_content), 3)
        if passage.id not in {d.id for d in found}:
            raise _NotFound(passage.id)


def _add(store, passages: list[Document], progress, batch: int = 256) -> None:
    # Similar lengths in a batch waste less padding: the model then runs as fast as on one call.
    passages = sorted(passages, key=lambda p: len(p.page_content))
    for start in range(0, len(passages), batch):
        chunk = passages[start:start + batch]
        store.add_documents(chunk, ids=[p.id for p in chunk])
        if progress:
            progress(start + len(chunk), len(passages))
