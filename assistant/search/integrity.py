"""Checks that a build's Chroma files can be read: a child-process probe once per build and
chromadb version (with a backup before a newer chromadb migrates them), and a cheap check on every
open."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

from ..config import Settings
from ..errors import AssistantError
from .builds import REBUILD

MIN_SQLITE = (3, 35, 0)

# Chroma's usage telemetry is on by default; nothing leaves this app unasked (read by chromadb's
# settings when it is first imported, in this process and the probe's).
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


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


def check_integrity(build: Path, collection: str, expected: int | None = None) -> None:
    """A cheap check on every open (the child-process probe runs only once per build): SQLite's
    quick_check of the build's database, and its passage count against the manifest."""
    database = build / "chroma" / "chroma.sqlite3"
    if not database.exists():
        raise AssistantError(f"The index in {build} has lost its database; {REBUILD}.")
    try:
        with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
            status = connection.execute("PRAGMA quick_check").fetchone()[0]
            # The passages only: the build's sentence collection shares the database.
            count = connection.execute(
                "SELECT count(*) FROM embeddings e JOIN segments s ON e.segment_id = s.id "
                "JOIN collections c ON s.collection = c.id WHERE c.name = ?",
                (collection,)).fetchone()[0]
    except sqlite3.Error as exc:
        raise AssistantError(f"The index in {build} is damaged ({exc}); {REBUILD}.") from None
    if status != "ok":
        raise AssistantError(f"The index in {build} is damaged ({status[:120]}); {REBUILD}.")
    if expected is not None and count != expected:
        raise AssistantError(
            f"The index in {build} holds {count} passages but its manifest lists {expected}; "
            f"{REBUILD}.")
