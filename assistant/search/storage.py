"""Where index builds live and how one is published: folders on disk, or a Chroma server.

Local: each build is a folder under index/builds/; the CURRENT pointer file names the published
one and is replaced atomically. Server: each build is a collection; a small meta collection holds
the pointer and the manifests. Either way a reader only ever opens a complete, validated build.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from contextlib import closing
from pathlib import Path

from ..config import Settings
from ..errors import AssistantError

MANIFEST = "manifest.json"
CURRENT = "CURRENT"  # pointer file: the name of the published build folder
PREVIOUS = "PREVIOUS"  # the build published before it, kept one round for open readers
BUILDS = "builds"
LOCK = ".build.lock"
KEYWORD = "keyword.sqlite3"
REBUILD = "run `python -m assistant index --rebuild`"
MIN_SQLITE = (3, 35, 0)

# Chroma's usage telemetry is on by default; nothing leaves this app unasked (read by chromadb's
# settings when it is first imported, in this process and the probe's).
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


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


def chromadb_version() -> str:
    # From the package metadata: importing chromadb just to read its version costs a second.
    from importlib.metadata import version

    return version("chromadb")


def check_sqlite() -> None:
    """Chroma needs SQLite 3.35 or newer; say so plainly instead of failing deep inside it."""
    if sqlite3.sqlite_version_info < MIN_SQLITE:
        raise AssistantError(
            f"This Python's SQLite is {sqlite3.sqlite_version}; Chroma needs "
            f"{'.'.join(map(str, MIN_SQLITE))} or newer. Use a Python built with a newer SQLite "
            "(python.org and distribution builds of 3.11+ have one).")


def _probed_with(marker: Path) -> str | None:
    """The chromadb version a build was last opened with ("" for a marker without one)."""
    try:
        parts = marker.read_text(encoding="utf-8").split()
    except FileNotFoundError:
        return None
    return parts[1] if len(parts) > 1 else ""


def mark_probed(build: Path) -> None:
    (build / ".probed").write_text(f"ok {chromadb_version()}\n", encoding="utf-8")


def probe_build(build: Path, settings: Settings, expected: int | None = None) -> None:
    """Open a build's Chroma files in a child process first, so damaged files (even ones that
    crash the native code) give a clear message instead of taking this process down.

    Once per build and chromadb version: a newer chromadb may migrate the files when it first
    opens them, so a copy is kept first and put back if the migration fails."""
    marker = build / ".probed"
    before = _probed_with(marker)
    installed = chromadb_version()
    if before == installed:
        return
    backup = None
    if before is not None:  # opened before by another chromadb: keep a copy first
        backup = build / f"chroma.before-{before or 'upgrade'}"
        if not backup.exists():
            shutil.copytree(build / "chroma", backup)
    try:
        _run_probe(build, settings, expected)
    except AssistantError as exc:
        if backup is not None:
            shutil.rmtree(build / "chroma", ignore_errors=True)
            shutil.copytree(backup, build / "chroma")
            raise AssistantError(
                f"chromadb {installed} could not open the index made with chromadb "
                f"{before or 'an older version'} ({exc}); the index files are restored as "
                f"they were. Install that chromadb version again, or {REBUILD}.") from None
        raise
    mark_probed(build)


def _run_probe(build: Path, settings: Settings, expected: int | None) -> None:
    try:
        result = subprocess.run(
            [sys.executable, "-c", _PROBE, str(build / "chroma"), settings.collection],
            capture_output=True, text=True, timeout=120,
        )
    except subprocess.TimeoutExpired:
        result = None
    if result is None or result.returncode != 0:
        why = "timed out" if result is None else (
            f"crashed with signal {-result.returncode}" if result.returncode < 0
            else (result.stderr.strip().splitlines() or ["error"])[-1][:200])
        raise AssistantError(f"The index in {build} cannot be read ({why}); {REBUILD}.")
    count = int(result.stdout.strip() or 0)
    if expected is not None and count != expected:
        raise AssistantError(
            f"The index in {build} holds {count} passages but its manifest lists {expected}; "
            f"{REBUILD}.")


def check_integrity(build: Path, expected: int | None = None) -> None:
    """A cheap check on every open (the child-process probe runs only once per build): SQLite's
    quick_check of the build's database, and its record count against the manifest."""
    database = build / "chroma" / "chroma.sqlite3"
    if not database.exists():
        raise AssistantError(f"The index in {build} has lost its database; {REBUILD}.")
    try:
        with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
            status = connection.execute("PRAGMA quick_check").fetchone()[0]
            count = connection.execute("SELECT count(*) FROM embeddings").fetchone()[0]
    except sqlite3.Error as exc:
        raise AssistantError(f"The index in {build} is damaged ({exc}); {REBUILD}.") from None
    if status != "ok":
        raise AssistantError(f"The index in {build} is damaged ({status[:120]}); {REBUILD}.")
    if expected is not None and count != expected:
        raise AssistantError(
            f"The index in {build} holds {count} passages but its manifest lists {expected}; "
            f"{REBUILD}.")


def passage_count(manifest: dict) -> int:
    return sum(len(d["passages"]) for d in manifest["documents"].values())


def http_client(url_text: str, token: str = ""):
    """A client for a Chroma server at `http(s)://host:port`, sending `token` as a bearer
    token when the server requires one, and refusing a server of another chromadb version."""
    from urllib.parse import urlparse

    import chromadb

    url = urlparse(url_text)
    if not url.hostname:
        raise AssistantError(f"ASSISTANT_CHROMA_URL={url_text!r} is not a URL.")
    headers = {"Authorization": f"Bearer {token}"} if token else None
    try:
        client = chromadb.HttpClient(host=url.hostname, port=url.port or 8000,
                                     ssl=url.scheme == "https", headers=headers)
        client.heartbeat()
        server = client.get_version()
    except Exception as exc:  # chromadb raises several types for an unreachable server
        text = str(exc).lower()
        if any(word in text for word in ("401", "403", "unauthori", "forbidden")):
            raise AssistantError(
                f"The Chroma server at {url_text} refused the request; set "
                "ASSISTANT_CHROMA_TOKEN to its token.") from None
        raise AssistantError(
            f"Cannot reach the Chroma server at {url_text} ({exc.__class__.__name__}); start it "
            "with `chroma run --path DIR --host 127.0.0.1 --port N` or unset "
            "ASSISTANT_CHROMA_URL."
        ) from None
    # The server speaks the API of its major version (the 1.x server reports "1.0.0" whatever
    # package ships it): a client of another major version cannot read its collections.
    installed = chromadb_version()
    if _major(server) != _major(installed):
        raise AssistantError(
            f"The Chroma server at {url_text} runs chromadb {server} but this app has "
            f"{installed}; run a chromadb {_major(installed)}.x server (`make install` "
            "installs one here: `.venv/bin/chroma run`).")
    return client


def _major(version: str) -> str:
    return str(version).split(".")[0]


class LocalBuilds:
    """Builds as folders of a persistent Chroma, published by the CURRENT pointer file."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.root = Path(settings.index_dir)

    def lock(self):
        return build_lock(self.root)

    def manifest(self) -> dict | None:
        return read_manifest(self.root)

    def published(self) -> tuple[object, str]:
        """(client, collection name) of the published build, probed before first use."""
        import chromadb

        build = current_build(self.root)
        if build is None:
            raise AssistantError(
                f"There is no index in {self.root}; build it with `python -m assistant index`."
            )
        probe_build(build, self.settings, passage_count(self.manifest()))
        check_integrity(build, passage_count(self.manifest()))
        self.lease = _hold_lease(build)
        return chromadb.PersistentClient(path=str(build / "chroma")), self.settings.collection

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
                copy_vectors(reader.get_collection(self.settings.collection),
                             client.create_collection(self.settings.collection,
                                                      configuration={"hnsw": {"space": "cosine"}}))
            finally:
                reader.close()
        return client, self.settings.collection

    def keyword_path(self, name: str | None = None) -> Path:
        """Where a build's keyword index lives (the published build's when no name is given)."""
        build = self.root / BUILDS / name if name else current_build(self.root)
        return build / KEYWORD

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
            check_integrity(build, passage_count(self.manifest()))

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
            check_integrity(build, passage_count(manifest))
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


# A build opened for reading carries a shared lock on its lease file for as long as the store
# reading it lives, so a cleanup (in any process) leaves it alone however many builds have been
# published since; the lock goes with the file handle when the store is collected.
LEASE = ".lease"


def _hold_lease(build: Path):
    handle = open(build / LEASE, "a+")  # noqa: SIM115 - lives as long as the store using it
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


class ServerBuilds:
    """Builds as collections on a Chroma server; a meta collection holds pointer and manifests.

    Several app replicas can read the same server. Builds still take a lock in the local index
    folder, so run `index` from one place.
    """

    def __init__(self, settings: Settings, client=None):
        self.settings = settings
        self.client = client or http_client(settings.chroma_url, settings.chroma_token)
        self.prefix = f"{settings.collection}-build-"
        self.meta = self.client.get_or_create_collection(f"{settings.collection}-meta")

    def lock(self):
        return build_lock(Path(self.settings.index_dir))

    def _read(self, key: str) -> str | None:
        got = self.meta.get(ids=[key], include=["documents"])
        return got["documents"][0] if got["ids"] else None

    def _write(self, key: str, text: str) -> None:
        # Meta records carry no meaningful vector; Chroma needs one, so a constant stands in.
        self.meta.upsert(ids=[key], documents=[text], embeddings=[[0.0]])

    def current(self) -> str | None:
        return self._read(CURRENT)

    def manifest(self) -> dict | None:
        name = self.current()
        if name is None:
            return None
        text = self._read(f"{MANIFEST}:{name}")
        if text is None:
            raise AssistantError(f"The index on the Chroma server has no manifest; {REBUILD}.")
        return json.loads(text)

    def published(self) -> tuple[object, str]:
        name = self.current()
        if name is None:
            raise AssistantError(
                f"There is no index on the Chroma server {self.settings.chroma_url}; build it "
                "with `python -m assistant index`."
            )
        return self.client, self.prefix + name

    def begin(self, name: str, copy_published: bool, compact: bool = True
              ) -> tuple[object, str]:
        """A new collection, with the published one's vectors copied in (always compact)."""
        target = self.client.create_collection(
            self.prefix + name, configuration={"hnsw": {"space": "cosine"}})
        current = self.current() if copy_published else None
        if current:
            copy_vectors(self.client.get_collection(self.prefix + current), target)
        return self.client, self.prefix + name

    def keyword_path(self, name: str | None = None) -> Path:
        """The keyword index is local to each replica: a cache file per build, made on demand."""
        folder = Path(self.settings.index_dir) / "keyword-cache"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{name or self.current()}.sqlite3"

    def save_manifest(self, name: str, manifest: dict) -> None:
        self._write(f"{MANIFEST}:{name}", json.dumps(manifest))

    def publish(self, name: str) -> None:
        old = self.current()
        if old:
            self._write(PREVIOUS, old)
        self._write(CURRENT, name)

    @staticmethod
    def release(client) -> None:
        """The server's client is shared and stays open."""

    def verify(self) -> None:
        """The server keeps its own files; reading errors surface as clear messages."""

    def roll_back(self) -> str | None:
        return None

    def discard(self, name: str) -> None:
        with contextlib.suppress(Exception):
            self.client.delete_collection(self.prefix + name)
        self.meta.delete(ids=[f"{MANIFEST}:{name}"])

    def cleanup(self) -> None:
        keep = {self.current(), self._read(PREVIOUS)}
        for collection in self.client.list_collections():
            name = getattr(collection, "name", collection)
            if name.startswith(self.prefix) and name[len(self.prefix):] not in keep:
                self.discard(name[len(self.prefix):])


def copy_vectors(source, target, batch: int = 2000) -> None:
    """Every record of one Chroma collection added to another, without embedding again."""
    for offset in range(0, source.count(), batch):
        got = source.get(offset=offset, limit=batch,
                         include=["embeddings", "documents", "metadatas"])
        target.add(ids=got["ids"], embeddings=got["embeddings"], documents=got["documents"],
                   metadatas=got["metadatas"])


def builds_for(settings: Settings, client=None) -> LocalBuilds | ServerBuilds:
    """The build storage the settings ask for."""
    if settings.chroma_url or client is not None:
        return ServerBuilds(settings, client)
    return LocalBuilds(settings)
