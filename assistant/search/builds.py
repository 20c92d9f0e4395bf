"""What every build storage offers (a Protocol), and one published build opened for reading.

Local builds are folders under index/ (local_builds.py); server builds are collections on a
Chroma server (server_builds.py). Either way a reader only ever opens a complete, validated
build, and the dense store and the keyword index of one open read the same build.
"""

from __future__ import annotations

import contextlib
import fcntl
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from ..errors import AssistantError
from .sentence_store import sentence_collection

MANIFEST = "manifest.json"
CURRENT = "CURRENT"  # pointer file: the name of the published build folder
PREVIOUS = "PREVIOUS"  # the build published before it, kept one round for open readers
BUILDS = "builds"
LOCK = ".build.lock"
KEYWORD = "keyword.sqlite3"
REBUILD = "run `python -m assistant index --rebuild`"
MIN_SQLITE = (3, 35, 0)



@dataclass
class OpenBuild:
    """The published build as one reader opened it: the Chroma client and collection for the
    dense store, the keyword index beside it, and (local builds) the lease that keeps cleanups
    away while it is read."""

    name: str
    client: object
    collection: str
    keyword_path: Path
    lease: IO | None = None
    owns_client: bool = True  # a server's client is shared and stays open

    def close(self) -> None:
        """Let go of the build's files (Chroma stops a database with its last client)."""
        if self.owns_client and self.client is not None:
            self.client.close()
        if self.lease is not None:
            self.lease.close()


class Builds(Protocol):
    """Where builds live and how one is made, published, read and cleaned up."""

    def lock(self) -> AbstractContextManager: ...
    def manifest(self) -> dict | None: ...
    def open(self) -> OpenBuild: ...
    def begin(self, name: str, copy_published: bool, compact: bool = False
              ) -> tuple[object, str]: ...
    def keyword_path(self, name: str) -> Path: ...
    def save_manifest(self, name: str, manifest: dict) -> None: ...
    def publish(self, name: str) -> None: ...
    def discard(self, name: str) -> None: ...
    def release(self, client) -> None: ...
    def verify(self) -> None: ...
    def roll_back(self) -> str | None: ...
    def cleanup(self) -> None: ...


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


def passage_count(manifest: dict) -> int:
    return sum(len(d["passages"]) for d in manifest["documents"].values())



def copy_collections(source_client, target_client, collection: str,
                     target_name: str | None = None) -> None:
    """A build's passage collection and its sentence collection (when it has one) copied into
    fresh collections of another client, which rebuilds their vector graphs."""
    from chromadb.errors import NotFoundError

    target_name = target_name or collection
    pairs = [(collection, target_name),
             (sentence_collection(collection), sentence_collection(target_name))]
    for source_name, name in pairs:
        try:
            source = source_client.get_collection(source_name)
        except NotFoundError:
            continue  # a build made before sentences were stored
        copy_vectors(source, target_client.get_or_create_collection(
            name, configuration={"hnsw": {"space": "cosine"}}))


def copy_vectors(source, target, batch: int = 2000) -> None:
    """Every record of one Chroma collection added to another, without embedding again."""
    for offset in range(0, source.count(), batch):
        got = source.get(offset=offset, limit=batch,
                         include=["embeddings", "documents", "metadatas"])
        target.add(ids=got["ids"], embeddings=got["embeddings"], documents=got["documents"],
                   metadatas=got["metadatas"])
