"""Builds as folders of a persistent Chroma under the index folder, published by the CURRENT
pointer file, which is replaced atomically."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from pathlib import Path

from ..config import Settings
from ..errors import AssistantError
from .builds import (
    BUILDS,
    CURRENT,
    KEYWORD,
    MANIFEST,
    PREVIOUS,
    REBUILD,
    OpenBuild,
    build_lock,
    copy_collections,
    passage_count,
)
from .integrity import check_integrity, mark_probed, probe_build


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
            f"The index pointer {pointer} names a build that is missing; {REBUILD}."
        )
    return build


def read_manifest(index_dir: Path) -> dict | None:
    """The manifest of the published local index, or None when there is no index yet."""
    build = current_build(index_dir)
    if build is None:
        return None
    try:
        return json.loads((build / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise AssistantError(f"The index manifest in {build} is unreadable; {REBUILD}.") from None


def write_atomically(path: Path, text: str) -> None:
    """Write, flush to disk, then rename over the target: readers see the old or the new file."""
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


class LocalBuilds:
    """Builds as folders of a persistent Chroma, published by the CURRENT pointer file."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.root = Path(settings.index_dir)

    def lock(self):
        return build_lock(self.root)

    def manifest(self) -> dict | None:
        return read_manifest(self.root)

    def open(self) -> OpenBuild:
        """The published build, probed before first use and checked on every open."""
        import chromadb

        build = current_build(self.root)
        if build is None:
            raise AssistantError(
                f"There is no index in {self.root}; build it with `python -m assistant index`."
            )
        expected = passage_count(self.manifest())
        probe_build(build, self.settings, expected)
        check_integrity(build, self.settings.collection, expected)
        lease = _hold_lease(build)
        return OpenBuild(build.name, chromadb.PersistentClient(path=str(build / "chroma")),
                         self.settings.collection, build / KEYWORD, lease)

    def begin(self, name: str, copy_published: bool, compact: bool = False
              ) -> tuple[object, str]:
        """A new, unpublished build: a copy of the published one, or empty. `compact` copies
        the vectors into a fresh collection instead of the files, rebuilding the vector graph
        (deletions wear it down until new vectors stop being found)."""
        import chromadb

        build = self.root / BUILDS / name
        source = current_build(self.root) if copy_published else None
        if source and not compact:
            shutil.copytree(source / "chroma", build / "chroma")
            return (chromadb.PersistentClient(path=str(build / "chroma")),
                    self.settings.collection)
        build.mkdir(parents=True)
        client = chromadb.PersistentClient(path=str(build / "chroma"))
        if source:
            reader = chromadb.PersistentClient(path=str(source / "chroma"))
            try:
                copy_collections(reader, client, self.settings.collection)
            finally:
                reader.close()
        return client, self.settings.collection

    def keyword_path(self, name: str) -> Path:
        """Where a build's keyword index lives."""
        return self.root / BUILDS / name / KEYWORD

    def save_manifest(self, name: str, manifest: dict) -> None:
        write_atomically(self.root / BUILDS / name / MANIFEST, json.dumps(manifest, indent=1))

    def publish(self, name: str) -> None:
        old = current_build(self.root)
        if old:
            write_atomically(self.root / PREVIOUS, old.name + "\n")
        mark_probed(self.root / BUILDS / name)
        write_atomically(self.root / CURRENT, name + "\n")

    def discard(self, name: str) -> None:
        shutil.rmtree(self.root / BUILDS / name, ignore_errors=True)

    @staticmethod
    def release(client) -> None:
        """Close a client of a build's files (Chroma stops the database with its last client)."""
        if client is not None:
            client.close()

    def verify(self) -> None:
        """Raise the clear error when the published build is damaged."""
        build = current_build(self.root)
        if build is not None:
            check_integrity(build, self.settings.collection, passage_count(self.manifest()))

    def roll_back(self) -> str | None:
        """Publish the previous build again when it is sound; its name, or None. The damaged
        build stays on disk until a cleanup."""
        previous = self.root / PREVIOUS
        if not previous.exists():
            return None
        name = previous.read_text(encoding="utf-8").strip()
        build = self.root / BUILDS / name
        try:
            manifest = json.loads((build / MANIFEST).read_text(encoding="utf-8"))
            check_integrity(build, self.settings.collection, passage_count(manifest))
        except (OSError, ValueError, KeyError, AssistantError):
            return None
        with self.lock():
            write_atomically(self.root / CURRENT, name + "\n")
            previous.unlink(missing_ok=True)
        return name

    def cleanup(self) -> None:
        """Delete unpublished and superseded builds (called under the build lock)."""
        builds = self.root / BUILDS
        if not builds.exists():
            return
        keep = {current_build(self.root)}
        previous = self.root / PREVIOUS
        if previous.exists():
            keep.add(builds / previous.read_text(encoding="utf-8").strip())
        for child in builds.iterdir():
            if child not in keep and not _in_use(child):
                shutil.rmtree(child, ignore_errors=True)


# A build opened for reading carries a shared lock on its lease file for as long as its OpenBuild
# is open, so a cleanup (in any process) leaves it alone however many builds have been published
# since; the lock goes with the file handle when the build is closed (or its process ends).
LEASE = ".lease"


def _hold_lease(build: Path):
    handle = open(build / LEASE, "a+")  # noqa: SIM115 - closed by OpenBuild.close
    fcntl.flock(handle, fcntl.LOCK_SH)
    return handle


def _in_use(build: Path) -> bool:
    lease = build / LEASE
    if not lease.exists():
        return False
    with open(lease, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
    return False
