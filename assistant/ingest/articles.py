"""Read one article: Markdown or text (with front matter), HTML or PDF, as a SourceDocument."""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import AssistantError
from .documents import Block, SourceDocument
from .tables import is_table_line


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
        # List items and the lines of a text table keep their lines; prose is one paragraph.
        keep = lines[0].startswith(("-", "*", "1.")) or any(is_table_line(ln) for ln in lines)
        text = "\n".join(lines) if keep else " ".join(lines)
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
    for el in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "blockquote",
                             "table"]):
        if el.name == "table":  # one line per row, its cells in order (tables.py reads them)
            text = "\n".join(" ".join(" ".join(cell.get_text(" ", strip=True).split())
                                       for cell in row.find_all(["th", "td"]))
                             for row in el.find_all("tr"))
        else:
            text = " ".join(el.get_text(" ", strip=True).split())
        # Text nested in another collected element (a <p> inside <li>) is taken with its parent.
        if text.strip() and not el.find_parent(["p", "li", "blockquote", "table"]):
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
