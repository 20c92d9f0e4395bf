"""Embed passages and store them in Chroma; a manifest records how the index was made.

Updates are incremental: a document whose content hash is unchanged is not re-embedded.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from collections.abc import Callable

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from ..config import Settings
from ..errors import AssistantError
from ..ingest.passages import SENTENCE_SPLIT_REVISION
from .builds import REBUILD, Builds, OpenBuild, passage_count
from .integrity import chromadb_version
from .keyword import build_keyword_index
from .manifest import BuildReport, check_compatible, chunking, plan_update
from .sentence_store import passage_sentences, sentence_collection, store_sentences

log = logging.getLogger(__name__)



def open_store(build: OpenBuild, embeddings: Embeddings):
    """The LangChain Chroma vector store over an open build's passages."""
    return _store(build.client, build.collection, embeddings)


def _store(client, name: str, embeddings: Embeddings):
    from langchain_chroma import Chroma

    return Chroma(collection_name=name, embedding_function=embeddings, client=client,
                  collection_configuration={"hnsw": {"space": "cosine"}})


def build_index(
    groups: dict[str, list[Document]],
    hashes: dict[str, str],
    settings: Settings,
    embeddings: Embeddings,
    builds: Builds,
    rebuild: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> BuildReport:
    """Bring the index up to date with the given passages (grouped by document id).

    Only documents whose content changed are embedded. The update is made in a new build (a
    copy of the published one), validated, then published by swapping the pointer, so a reader
    never sees a half-built index and a crash leaves the published one as it was.
    """
    manifest = builds.manifest()
    if manifest and not rebuild:
        check_compatible(manifest, settings)
        plan = plan_update(groups, hashes, manifest)
        if not plan.changed and _sentences_current(manifest):
            return plan  # nothing to do: no lock, no model, no new build
    with builds.lock():
        # Re-read under the lock: another builder may have published meanwhile.
        manifest = None if rebuild else builds.manifest()
        report = plan_update(groups, hashes, manifest)
        if manifest and not report.changed and _sentences_current(manifest):
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


SENTENCES = "sentences"  # manifest key: how many sentence vectors the build stores, split how


def _sentences_current(manifest: dict | None) -> bool:
    """Whether a build's stored sentences are split as this version splits them."""
    stored = (manifest or {}).get(SENTENCES)
    return isinstance(stored, dict) and stored.get("split") == SENTENCE_SPLIT_REVISION


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
        # A build from before sentences were stored, or split another way, has none to keep:
        # all are embedded again, once.
        sentences = store_sentences(writer, collection, groups, report.added + report.updated,
                                    report.removed, embeddings,
                                    afresh=not _sentences_current(manifest))
        new_manifest = _manifest(groups, hashes, manifest, report, settings, embeddings)
        new_manifest[SENTENCES] = {"count": sentences, "split": SENTENCE_SPLIT_REVISION}
        known = (manifest or {}).get("documents", {})
        deleted = 0 if compact or not manifest else manifest.get("deleted_since_compaction", 0)
        deleted += sum(len(known.get(d, {}).get("passages", []))
                       for d in report.removed + report.updated) if manifest else 0
        new_manifest["deleted_since_compaction"] = 0 if compact else deleted
        builds.save_manifest(name, new_manifest)
        count = writer.get_collection(collection).count()
        validate_build(store, count, new_manifest, groups, report, embeddings)
        _validate_sentences(writer.get_collection(sentence_collection(collection)).count(),
                            groups)
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


def validate_build(store, count: int, manifest: dict, groups, report: BuildReport, embeddings,
                   samples: int = 3) -> None:
    """Refuse to publish a build whose count (`count` records stored) or retrieval does not
    match its manifest."""
    expected = passage_count(manifest)
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


def _validate_sentences(count: int, groups: dict[str, list[Document]]) -> None:
    """Refuse to publish a build whose stored sentences are not those of its passages."""
    expected = sum(len(passage_sentences(p)) for group in groups.values() for p in group)
    if count != expected:
        raise AssistantError(
            f"The new index holds {count} sentences but its passages have {expected}; the "
            f"published index was kept. {REBUILD[0].upper()}{REBUILD[1:]}."
        )


def _add(store, passages: list[Document], progress, batch: int = 256) -> None:
    # Similar lengths in a batch waste less padding: the model then runs as fast as on one call.
    passages = sorted(passages, key=lambda p: len(p.page_content))
    for start in range(0, len(passages), batch):
        chunk = passages[start:start + batch]
        store.add_documents(chunk, ids=[p.id for p in chunk])
        if progress:
            progress(start + len(chunk), len(passages))
