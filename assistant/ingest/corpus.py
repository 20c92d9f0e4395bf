"""Load the corpus: articles (Markdown/text, HTML, PDF) and figures tables, with validation.

A document's id is its file stem. Problems with one file are collected, not raised, so the rest of
the corpus still loads; the caller decides how to report them.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import AssistantError
from ..language.text import INVISIBLE

log = logging.getLogger(__name__)

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

    def to_dict(self) -> dict:
        value = int(self.value) if float(self.value).is_integer() else self.value
        return {"id": self.id, "entity": self.entity, "metric": self.metric, "value": value,
                "unit": self.unit, "period": self.period, "as_of": self.as_of,
                "source": self.source, "locator": self.locator, "note": self.note}


@dataclass
class Corpus:
    """Everything loaded from the corpus paths, plus the problems found on the way."""

    documents: list[SourceDocument] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    figure_tables: dict[str, str] = field(default_factory=dict)  # table id -> content hash
    problems: list[str] = field(default_factory=list)
    # Files there but unloadable (damaged, unreadable, emptied, oversized): id -> path. Their
    # last indexed version stays in the index until they are fixed or removed.
    failed: dict[str, str] = field(default_factory=dict)


def load_corpus(paths: list[str | Path], max_file_bytes: int = 20_000_000) -> Corpus:
    """Load every article and figures CSV under the given folders or files."""
    corpus = Corpus()
    seen_hashes: dict[str, str] = {}
    ids: dict[str, str] = {}  # document or table id -> the file that has it
    for path in _expand(paths, corpus.problems):
        try:
            size = path.stat().st_size
            if size > max_file_bytes:
                corpus.problems.append(
                    f"{path}: skipped, {size:,} bytes is over the {max_file_bytes:,}-byte limit"
                )
                corpus.failed[path.stem] = str(path)
                continue
            if path.suffix.lower() == ".csv":
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                if _seen_before(path, digest, seen_hashes, ids, corpus.problems):
                    continue
                figures, problems = read_figures(path)
                corpus.problems.extend(problems)
                if not figures:
                    if not problems:
                        corpus.problems.append(f"{path}: skipped, no figure rows")
                    corpus.failed[path.stem] = str(path)
                    continue
                corpus.figures.extend(figures)
                corpus.figure_tables[path.stem] = digest
                continue
            doc = load_document(path)
        except AssistantError as exc:
            corpus.problems.append(str(exc))
            corpus.failed[path.stem] = str(path)
            continue
        except OSError as exc:  # unreadable file: report it, load the rest
            corpus.problems.append(f"{path}: skipped, cannot be read ({exc.strerror or exc})")
            corpus.failed[path.stem] = str(path)
            continue
        if not any(not b.heading for b in doc.blocks):
            corpus.problems.append(f"{path}: skipped, no text found")
            corpus.failed[path.stem] = str(path)
            continue
        removed = _drop_invisible(doc)
        if removed:
            corpus.problems.append(f"{path}: removed {removed} invisible character(s)")
        if _seen_before(path, doc.content_hash, seen_hashes, ids, corpus.problems):
            continue
        corpus.documents.append(doc)
    return corpus


def _seen_before(path: Path, digest: str, seen: dict[str, str], ids: dict[str, str],
                 problems: list[str]) -> bool:
    """True (and reported) for a file whose content or id another file already has."""
    if digest in seen:
        problems.append(f"{path}: skipped, same content as {seen[digest]}")
        return True
    if path.stem in ids:
        problems.append(f"{path}: skipped, its id {path.stem!r} (the file name) is already "
                        f"taken by {ids[path.stem]}; rename one of them")
        return True
    seen[digest] = ids[path.stem] = str(path)
    return False


def _drop_invisible(doc: SourceDocument) -> int:
    removed = 0
    for block in doc.blocks:
        block.text, n = INVISIBLE.subn("", block.text)
        removed += n
    return removed


def _expand(paths: list[str | Path], problems: list[str]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise AssistantError(f"Corpus path {path} does not exist; check --corpus.")
        if path.is_file():
            files.append(path)
            continue
        root = path.resolve()
        for child in sorted(path.rglob("*")):
            if not child.is_file() or child.name.startswith(".") or child.name == "README.md":
                continue
            if child.suffix.lower() not in ARTICLE_SUFFIXES | {".csv"}:
                continue
            if not child.resolve().is_relative_to(root):
                problems.append(f"{child}: skipped, it is a link that leaves the corpus folder")
                continue
            files.append(child)
    return files


def load_document(path: Path) -> SourceDocument:
    """Load one article by its suffix."""
    suffix = path.suffix.lower()
    if suffix in {".html", ".htm"}:
        return _load_html(path)
    if suffix == ".pdf":
        return _load_pdf(path)
    if suffix in {".md", ".markdown", ".txt"}:
        return _load_markdown(path)
    raise AssistantError(f"{path}: unsupported file type {suffix!r}")


def read_text(path: Path) -> str:
    """Decode a text file: UTF-8 (with or without BOM), else a clear refusal."""
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise AssistantError(f"{path}: skipped, it looks like a binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AssistantError(
            f"{path}: skipped, not valid UTF-8 (byte {exc.start}); re-save it as UTF-8"
        ) from None


def _load_markdown(path: Path) -> SourceDocument:
    import frontmatter  # lazy: keeps `import assistant` cheap

    text = read_text(path)
    try:
        post = frontmatter.loads(text)
        meta, body = dict(post.metadata), post.content
    except Exception as exc:  # the YAML parser raises several types
        raise AssistantError(f"{path}: malformed front matter ({exc.__class__.__name__})") from None
    doc = SourceDocument(
        doc_id=path.stem,
        path=path,
        title=str(meta.get("title") or "").strip(),
        author=str(meta.get("author") or "").strip(),
        published=str(meta.get("published") or meta.get("date") or "").strip(),
        sources=_sources(meta.get("sources")),
    )
    doc.blocks = _markdown_blocks(body, doc.author)
    if not doc.title:
        first_heading = next((b.text for b in doc.blocks if b.heading), "")
        doc.title = first_heading or path.stem.replace("-", " ").replace("_", " ")
    return doc


def _sources(raw) -> list[dict]:
    """The front matter's `sources:` list, kept only where it is well formed."""
    if not isinstance(raw, list):
        return []
    keys = ("publisher", "title", "date", "url")
    return [{k: str(item.get(k) or "").strip() for k in keys} for item in raw
            if isinstance(item, dict)]


def _markdown_blocks(body: str, author: str) -> list[Block]:
    blocks = []
    for raw in re.split(r"\n\s*\n", body.replace("\r\n", "\n")):
        lines = [ln.strip() for ln in raw.strip().splitlines() if ln.strip()]
        if not lines:
            continue
        if lines[0].startswith("#"):
            blocks.append(Block(lines[0].lstrip("#").strip(), heading=True))
            lines = lines[1:]
            if not lines:
                continue
        text = " ".join(lines) if not lines[0].startswith(("-", "*", "1.")) else "\n".join(lines)
        if author and text.lower() in {f"by {author.lower()}", author.lower()}:
            continue  # the byline is already in the metadata
        blocks.append(Block(text, heading=_looks_like_heading(lines)))
    return blocks


def _looks_like_heading(lines: list[str]) -> bool:
    # Plain-text articles mark sections with a short line that does not end like a sentence.
    text = lines[0]
    return (
        len(lines) == 1
        and len(text.split()) <= 12
        and not re.search(r"[.!?:;,)\"”’]$", text)
        and text[:1].isupper()
    )


def _load_html(path: Path) -> SourceDocument:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(read_text(path), "html.parser")
    for tag in soup(["script", "style", "noscript", "template", "nav", "footer"]):
        tag.decompose()
    # Text a reader never sees must not reach the index either (a hiding place for injections).
    for tag in soup.find_all(_hidden):
        tag.decompose()

    def meta(*names: str) -> str:
        for name in names:
            tag = soup.find("meta", attrs={"name": name}) or soup.find(
                "meta", attrs={"property": name}
            )
            if tag and tag.get("content"):
                return str(tag["content"]).strip()
        return ""

    blocks = []
    for el in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "blockquote"]):
        text = " ".join(el.get_text(" ", strip=True).split())
        # Text nested in another collected element (a <p> inside <li>) is taken with its parent.
        if text and not el.find_parent(["p", "li", "blockquote"]):
            blocks.append(Block(text, heading=el.name.startswith("h")))
    title = meta("og:title") or (soup.title.get_text(strip=True) if soup.title else "")
    return SourceDocument(
        doc_id=path.stem,
        path=path,
        title=title or next((b.text for b in blocks if b.heading), path.stem),
        author=meta("author", "article:author"),
        published=meta("date", "article:published_time", "published")[:10],
        blocks=blocks,
    )


def _hidden(tag) -> bool:
    style = (tag.get("style") or "").replace(" ", "").lower()
    return (tag.has_attr("hidden") or tag.get("aria-hidden") == "true"
            or any(rule in style for rule in ("display:none", "visibility:hidden",
                                              "font-size:0")))


def _load_pdf(path: Path) -> SourceDocument:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata or {}
    except (PdfReadError, OSError, ValueError) as exc:
        raise AssistantError(f"{path}: skipped, unreadable PDF ({exc})") from None
    blocks = []
    for page_text in pages:
        blocks.extend(_markdown_blocks(page_text, ""))
    return SourceDocument(
        doc_id=path.stem,
        path=path,
        title=str(info.get("/Title") or "").strip() or path.stem,
        author=str(info.get("/Author") or "").strip(),
        published=_pdf_date(str(info.get("/CreationDate") or "")),
        blocks=blocks,
    )


def _pdf_date(raw: str) -> str:
    match = re.match(r"D:(\d{4})(\d{2})?", raw)
    if not match:
        return ""
    return match.group(1) + (f"-{match.group(2)}" if match.group(2) else "")


def read_figures(path: Path) -> tuple[list[Figure], list[str]]:
    """Read a figures CSV; bad rows are skipped and reported by file, row and column."""
    problems: list[str] = []
    rows = list(csv.reader(read_text(path).splitlines()))
    if not rows:
        return [], [f"{path}: empty figures table"]
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in REQUIRED_FIGURE_COLUMNS if c not in header]
    if missing:
        return [], [
            f"{path} row 1: header lacks column(s) {', '.join(missing)}; "
            f"expected {','.join(FIGURE_COLUMNS)}"
        ]
    figures, seen = [], set()
    for row_no, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problems.append(
                f"{path} row {row_no}: has {len(row)} cells, the header has {len(header)}"
            )
            continue
        record = {h: cell.strip() for h, cell in zip(header, row, strict=True)}
        bad = _check_figure_row(record)
        if bad:
            column, why = bad
            problems.append(f"{path} row {row_no}, column {column!r}: {why}")
            continue
        if record["id"] in seen:
            problems.append(f"{path} row {row_no}, column 'id': duplicate id {record['id']!r}")
            continue
        seen.add(record["id"])
        figures.append(Figure(
            id=record["id"], entity=record["entity"], metric=record["metric"],
            value=float(record["value"].replace(",", "")),
            unit=record["unit"], period=record.get("period", ""), source=record["source"],
            locator=record.get("locator", ""), note=record.get("note", ""), table=path.stem,
            row=row_no, as_of=record.get("as_of", ""),
        ))
    return figures, problems


def _check_figure_row(record: dict[str, str]) -> tuple[str, str] | None:
    for column in REQUIRED_FIGURE_COLUMNS:
        if not record.get(column):
            return column, "is empty"
    for column, cell in record.items():
        if cell[:1] in {"=", "+", "@"} or (cell[:1] == "-" and column != "value"):
            return column, f"{cell!r} starts with {cell[0]!r}, which spreadsheets run as a formula"
    # Only unambiguous numbers: "12,5" (a decimal comma) or "1.234,5" would be misread.
    if not re.fullmatch(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?", record["value"]):
        return "value", (f"{record['value']!r} is not a plain number (write 140000 or "
                         "140,000 or 17.8; not 140k or 17,8)")
    if record.get("as_of") and not re.fullmatch(r"(19|20)\d\d(-[01]\d(-[0-3]\d)?)?",
                                                 record["as_of"]):
        return "as_of", f"{record['as_of']!r} is not a date (write 2025, 2025-11 or 2025-11-25)"
    number = float(record["value"].replace(",", ""))
    if number != number or number in {float("inf"), float("-inf")}:
        return "value", f"{record['value']!r} is not a finite number"
    return None
