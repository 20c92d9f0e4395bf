"""What a corpus is made of: documents (as blocks of text) and figures, with their provenance."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

ARTICLE_SUFFIXES = {".md", ".markdown", ".txt", ".html", ".htm", ".pdf"}

FIGURE_COLUMNS = ["id", "entity", "metric", "value", "unit", "period", "as_of", "source", "locator",
                  "note"]

REQUIRED_FIGURE_COLUMNS = ["id", "entity", "metric", "value", "unit", "source"]

@dataclass
class Block:
    """One paragraph or heading of a document, in reading order."""

    text: str
    heading: bool = False

@dataclass
class SourceDocument:
    """A loaded article: metadata from its front matter (or HTML/PDF info) and its blocks."""

    doc_id: str
    path: Path
    title: str
    author: str = ""
    published: str = ""
    blocks: list[Block] = field(default_factory=list)
    # Where a briefing note's facts come from: [{"publisher", "title", "date", "url"}].
    sources: list[dict] = field(default_factory=list)

    @property
    def content_hash(self) -> str:
        raw = "\n\n".join(("# " if b.heading else "") + b.text for b in self.blocks)
        meta = f"{self.title}|{self.author}|{self.published}"
        return hashlib.sha256((meta + "\n" + raw).encode("utf-8")).hexdigest()

@dataclass(frozen=True)
class Figure:
    """One row of a figures table: a number with its entity, metric, period and provenance."""

    id: str
    entity: str
    metric: str
    value: float
    unit: str
    period: str
    source: str
    locator: str
    note: str = ""
    table: str = ""
    row: int = 0  # the line of the figures table it was read from
    as_of: str = ""  # when the source reported it (YYYY, YYYY-MM or YYYY-MM-DD)
    context: str = ""  # a table cell's surroundings (title, section, caption): what it is of

    def to_dict(self) -> dict:
        value = int(self.value) if float(self.value).is_integer() else self.value
        return {"id": self.id, "entity": self.entity, "metric": self.metric, "value": value,
                "unit": self.unit, "period": self.period, "as_of": self.as_of,
                "source": self.source, "locator": self.locator, "note": self.note}
