"""What an index's manifest records, whether it fits the settings, and what an update must do."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from langchain_core.documents import Document

from ..config import Settings
from ..errors import AssistantError
from .integrity import chromadb_version

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
