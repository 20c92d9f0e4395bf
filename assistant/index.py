"""Embed passages and store them in Chroma; a manifest records how the index was made.

Updates are incremental: a document whose content hash is unchanged is not re-embedded.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
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
CURRENT = "CURRENT"  # pointer file: the name of the published build folder
PREVIOUS = "PREVIOUS"
BUILDS = "builds"
LOCK = ".build.lock"


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


def current_build(index_dir: Path) -> Path | None:
    """The published build folder named by the CURRENT pointer, or None when there is none."""
    pointer = Path(index_dir) / CURRENT
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    build = Path(index_dir) / BUILDS / name
    if not name or "/" in name or not (build / MANIFEST).exists():
        raise AssistantError(
            f"The index pointer {pointer} names a build that is missing; run "
            "`python -m assistant index --rebuild`."
        )
    return build


def read_manifest(index_dir: Path) -> dict | None:
    """The manifest of the published index in index_dir, or None when there is no index yet."""
    build = current_build(index_dir)
    if build is None:
        return None
    try:
        return json.loads((build / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise AssistantError(
            f"The index manifest in {build} is unreadable; rebuild with "
            "`python -m assistant index --rebuild`."
        ) from None


def _write_atomically(path: Path, text: str) -> None:
    # Write, flush to disk, then rename over the target: readers see the old or the new file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def check_compatible(manifest: dict, settings: Settings) -> None:
    """Refuse an index made with another model, chunking or a newer chromadb; say what fixes it."""
    import chromadb

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
    if _version(manifest.get("chromadb", "0")) > _version(chromadb.__version__):
        raise AssistantError(
            f"The index was built by chromadb {manifest['chromadb']}, newer than the installed "
            f"{chromadb.__version__}; upgrade with `make install` or {fix}."
        )


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", str(text))[:3])


def make_client(settings: Settings, path: Path | None = None):
    """A Chroma client: HTTP when a server URL is set, else persistent in a build folder."""
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
    if path is None:
        path = current_build(settings.index_dir)
        if path is None:
            raise AssistantError(
                f"There is no index in {settings.index_dir}; build it with "
                "`python -m assistant index`."
            )
        manifest = read_manifest(settings.index_dir)
        probe_build(path, settings, sum(len(d["passages"]) for d in manifest["documents"].values()))
    return chromadb.PersistentClient(path=str(Path(path) / "chroma"))


_PROBE = """
import sys, chromadb
client = chromadb.PersistentClient(path=sys.argv[1])
collection = client.get_collection(sys.argv[2])
count = collection.count()
if count:
    got = collection.get(limit=1, include=["embeddings"])
    collection.query(query_embeddings=[list(got["embeddings"][0])], n_results=min(count, 3))
print(count)
"""


def probe_build(build: Path, settings: Settings, expected: int | None = None) -> None:
    """Open a build's Chroma files in a child process first, so damaged files (even ones that
    crash the native code) give a clear message instead of taking this process down."""
    marker = build / ".probed"
    if marker.exists():
        return
    try:
        result = subprocess.run(
            [sys.executable, "-c", _PROBE, str(build / "chroma"), settings.collection],
            capture_output=True, text=True, timeout=120,
        )
    except subprocess.TimeoutExpired:
        result = None
    fix = "run `python -m assistant index --rebuild`"
    if result is None or result.returncode != 0:
        why = "timed out" if result is None else (
            f"crashed with signal {-result.returncode}" if result.returncode < 0
            else (result.stderr.strip().splitlines() or ["error"])[-1][:200])
        raise AssistantError(f"The index in {build} cannot be read ({why}); {fix}.")
    count = int(result.stdout.strip() or 0)
    if expected is not None and count != expected:
        raise AssistantError(
            f"The index in {build} holds {count} passages but its manifest lists {expected}; "
            f"{fix}.")
    marker.write_text("ok\n", encoding="utf-8")


def open_store(settings: Settings, embeddings: Embeddings, client=None):
    """The LangChain Chroma vector store over the published passages collection."""
    from langchain_chroma import Chroma

    return Chroma(
        collection_name=settings.collection,
        embedding_function=embeddings,
        client=client or make_client(settings),
        collection_configuration={"hnsw": {"space": "cosine"}},
    )


@contextlib.contextmanager
def build_lock(index_dir: Path):
    """Hold the index's build lock; a second builder is refused at once, never waits."""
    index_dir.mkdir(parents=True, exist_ok=True)
    handle = open(index_dir / LOCK, "a+")  # noqa: SIM115 - held for the whole build
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AssistantError(
                f"Another index build is running on {index_dir}; wait for it to finish and "
                "try again."
            ) from None
        yield
    finally:
        handle.close()  # closing releases the lock (so does the process dying)


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


def build_index(
    groups: dict[str, list[Document]],
    hashes: dict[str, str],
    settings: Settings,
    embeddings: Embeddings,
    rebuild: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> BuildReport:
    """Bring the index up to date with the given passages (grouped by document id).

    Only documents whose content changed are embedded. The update is made in a new build folder
    (a copy of the published one), validated, then published by swapping the CURRENT pointer, so
    a reader never sees a half-built index and a crash leaves the published one as it was.
    """
    index_dir = Path(settings.index_dir)
    manifest = read_manifest(index_dir)
    if manifest and not rebuild:
        check_compatible(manifest, settings)
        plan = plan_update(groups, hashes, manifest)
        if not plan.changed:
            return plan  # nothing to do: no lock, no model, no new build
    with build_lock(index_dir):
        # Re-read under the lock: another builder may have published meanwhile.
        manifest = None if rebuild else read_manifest(index_dir)
        report = plan_update(groups, hashes, manifest)
        if manifest and not report.changed:
            return report
        _remove_stale_builds(index_dir)
        build = index_dir / BUILDS / f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-" \
            f"{secrets.token_hex(3)}"
        source = current_build(index_dir) if manifest else None
        try:
            if source:
                shutil.copytree(source / "chroma", build / "chroma")
            else:
                build.mkdir(parents=True)
            report.passages_embedded = _apply(build, groups, report, manifest, settings,
                                              embeddings, progress)
            new_manifest = _manifest(groups, hashes, manifest, report, settings, embeddings)
            _write_atomically(build / MANIFEST, json.dumps(new_manifest, indent=1))
            validate_build(build, new_manifest, groups, settings, embeddings)
            (build / ".probed").write_text("ok\n", encoding="utf-8")  # opened and checked
        except BaseException:
            shutil.rmtree(build, ignore_errors=True)  # a failed build never lingers
            raise
        if source:
            _write_atomically(index_dir / PREVIOUS, source.name + "\n")
        _write_atomically(index_dir / CURRENT, build.name + "\n")
        _remove_stale_builds(index_dir)
    return report


def _apply(build: Path, groups, report: BuildReport, manifest, settings, embeddings,
           progress) -> int:
    store = open_store(settings, embeddings, make_client(settings, build))
    known = (manifest or {}).get("documents", {})
    for doc_id in report.removed + report.updated:
        ids = known.get(doc_id, {}).get("passages", [])
        if ids:
            store.delete(ids=ids)
    todo = [p for doc_id in report.added + report.updated for p in groups[doc_id]]
    _add(store, todo, progress)
    return len(todo)


def _manifest(groups, hashes, manifest, report, settings, embeddings) -> dict:
    import chromadb

    dimension = (manifest or {}).get("dimension")
    if report.passages_embedded or dimension is None:
        dimension = getattr(embeddings, "dimension", None) or len(
            embeddings.embed_query("dimension probe"))
    return {
        "model": settings.embedding_model,
        "dimension": dimension,
        "chunking": chunking(settings),
        "chromadb": chromadb.__version__,
        "collection": settings.collection,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "documents": {doc_id: {"hash": hashes[doc_id], "passages": [p.id for p in passages]}
                      for doc_id, passages in groups.items()},
    }


def validate_build(build: Path, manifest: dict, groups, settings, embeddings,
                   samples: int = 3) -> None:
    """Refuse to publish a build whose count or retrieval does not match its manifest."""
    store = open_store(settings, embeddings, make_client(settings, build))
    expected = sum(len(d["passages"]) for d in manifest["documents"].values())
    count = store._collection.count()
    if count != expected:
        raise AssistantError(
            f"The new index holds {count} passages but its manifest lists {expected}; the "
            "published index was kept. Run `python -m assistant index --rebuild`."
        )
    passages = [p for group in groups.values() for p in group]
    step = max(1, len(passages) // samples)
    for passage in passages[::step][:samples]:
        found = store.similarity_search_by_vector(embeddings.embed_query(passage.page_content), 3)
        if passage.id not in {d.id for d in found}:
            raise AssistantError(
                f"The new index does not retrieve passage {passage.id} by its own text; the "
                "published index was kept. Run `python -m assistant index --rebuild`."
            )


def _remove_stale_builds(index_dir: Path) -> None:
    """Delete unpublished and superseded builds (called under the build lock).

    The previous build stays one round, for a reader that opened it just before the swap.
    """
    builds = index_dir / BUILDS
    if not builds.exists():
        return
    keep = {current_build(index_dir)}
    previous = index_dir / PREVIOUS
    if previous.exists():
        keep.add(builds / previous.read_text(encoding="utf-8").strip())
    for child in builds.iterdir():
        if child not in keep:
            shutil.rmtree(child, ignore_errors=True)


def _add(store, passages: list[Document], progress, batch: int = 128) -> None:
    for start in range(0, len(passages), batch):
        chunk = passages[start:start + batch]
        store.add_documents(chunk, ids=[p.id for p in chunk])
        if progress:
            progress(start + len(chunk), len(passages))
