"""What the UI shows for an answer: chat text, the Sources panel, figure data, corpus status.

Everything from the corpus or a question is escaped here, so no markup from either ever runs
in the page. No gradio here; pandas is imported only when a chart is drawn.
"""

from __future__ import annotations

import html
import re

EMPTY_PANEL = ("<div class='sources empty'><p>Ask a question: the passages behind the answer "
               "appear here, with the supporting sentence highlighted.</p>"
               "<p>Select an earlier answer in the chat to see its sources again.</p></div>")
SEARCHING = "_Searching the sources…_"
SEARCHING_PANEL = "<div class='sources empty'><p>Searching the sources…</p></div>"


# What a Markdown renderer turns into a link by itself: addresses, "www." hosts, e-mails.
_AUTOLINK = re.compile(r"(?:\b[a-z][a-z0-9+.\-]{1,15}://|\bwww\.)[^\s<>`]*[^\s<>`.,;:!?)\]'\"]|"
                       r"\b[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+", re.IGNORECASE)


def safe_markdown(text: str) -> str:
    """Markdown we wrote, with any HTML, image or link syntax from the sources or the user
    neutralized: addresses are shown as code, never as links."""
    out, start = [], 0
    for match in _AUTOLINK.finditer(text):
        out += [_escape(text[start:match.start()]), f"`{match.group(0)}`"]
        start = match.end()
    return "".join(out + [_escape(text[start:])])


def _escape(text: str) -> str:
    text = html.escape(text, quote=False)
    return text.replace("![", "!\\[").replace("](", "]\\(")


def highlight(text: str, quote: str) -> str:
    """Escape a passage and mark the supporting quote inside it."""
    start = text.find(quote) if quote else -1
    if start < 0:
        return html.escape(text)
    end = start + len(quote)
    return (html.escape(text[:start]) + "<mark>" + html.escape(text[start:end]) + "</mark>"
            + html.escape(text[end:]))


def was_rewritten(answer: dict) -> bool:
    """True when a follow-up was understood as a different, self-contained question."""
    resolved = answer.get("resolved_question")
    return bool(resolved) and resolved != answer.get("question")


def chat_text(answer: dict) -> str:
    """The answer as a chat message (Markdown, sources neutralized)."""
    text = safe_markdown(answer["answer"])
    if was_rewritten(answer):
        text = f"*Understood as: {safe_markdown(answer['resolved_question'])}*\n\n{text}"
    return text


def stream_steps(text: str, words: int = 4) -> list[str]:
    """Progressively longer prefixes of text, cut only at whitespace.

    Cutting at whitespace never splits an escaped entity such as `&lt;`, which holds none.
    """
    cuts = [m.start() for m in re.finditer(r"\s+", text)][words - 1::words]
    return [text[:cut] for cut in cuts if cut > 0] + [text]


def format_value(value, unit: str = "") -> str:
    """A figure's value with thousands separators (140000 -> 140,000), except for years."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int | float) or unit.lower() in {"year", "years"}:
        return str(value)
    return f"{value:,}"


def render_sources(answer: dict | None, number: int | None = None) -> str:
    """HTML for the Sources panel: numbered citations with the quote highlighted."""
    if not answer:
        return EMPTY_PANEL
    parts = ["<div class='sources'>", _header(answer, number)]
    if answer.get("abstained"):
        parts.append("<p class='abstained'><b>Not covered by the sources.</b> "
                     "The passages below are the closest material, not an answer.</p>"
                     if answer.get("citations") else
                     "<p class='abstained'><b>Not covered by the sources.</b></p>")
    for c in answer.get("citations", []):
        meta = " · ".join(html.escape(str(x)) for x in (
            c.get("author"), c.get("published"), c.get("locator")) if x)
        parts.append(
            f"<div class='cite'><div class='title'><span class='n'>[{c['n']}]</span> "
            f"{html.escape(c.get('title', ''))}</div>"
            f"<div class='meta'>{meta}</div>"
            f"<div class='passage'>{highlight(c['text'], c['quote'])}</div></div>"
        )
    parts.append(_figures_table(answer.get("figures") or []))
    parts.append(_calculation(answer.get("calculation")))
    parts.append("</div>")
    return "".join(parts)


def _header(answer: dict, number: int | None) -> str:
    label = f"Answer {number}" if number else "Answer"
    parts = [f"<div class='asked'><span class='label'>{label}</span> "
             f"{html.escape(answer.get('question', ''))}</div>"]
    if was_rewritten(answer):
        parts.append(f"<div class='resolved'>Understood as: "
                     f"{html.escape(answer['resolved_question'])}</div>")
    return "".join(parts)


def _figures_table(figures: list[dict]) -> str:
    if not figures:
        return ""
    rows = ["<h4>Figures</h4><table class='figures'><tr><th>Entity</th><th>Metric</th>"
            "<th>Period</th><th class='num'>Value</th><th>Unit</th><th>Source</th></tr>"]
    for f in figures:
        unit = str(f.get("unit", ""))
        cells = [html.escape(str(f.get(k, ""))) for k in ("entity", "metric", "period")]
        value = html.escape(format_value(f.get("value"), unit))
        # The locator is what a reader checks; the document id is there on hover.
        source = html.escape(str(f.get("locator") or f.get("source") or ""))
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells)
                    + f"<td class='num'>{value}</td><td>{html.escape(unit)}</td>"
                    f"<td class='src' title='{html.escape(str(f.get('source', '')))}'>"
                    f"{source}</td></tr>")
    rows.append("</table>")
    return "".join(rows)


def _calculation(calc: dict | None) -> str:
    if not calc:
        return ""
    text = f"<p>{html.escape(calc['text'])}</p>" if calc.get("text") else ""
    return (f"<h4>Calculation</h4><p><code>{html.escape(calc['expression'])} = "
            f"{html.escape(format_value(calc['result']))}</code></p>{text}")


def chart_data(answer: dict | None) -> tuple[object | None, str]:
    """A DataFrame (bar label, value, entity) of the answer's comparable figures, and their unit.

    Only figures in the first figure's unit are charted, since bars in different units on one
    axis would mislead; and only two or more, since a single bar compares nothing.
    """
    figures = (answer or {}).get("figures") or []
    unit = figures[0].get("unit", "") if figures else ""
    rows = [{"figure": f"{f['entity']} {f['period']}".strip(), "value": float(f["value"]),
             "entity": f["entity"]} for f in figures if f.get("unit", "") == unit]
    if len(rows) < 2:
        return None, ""
    import pandas as pd

    return pd.DataFrame(rows), unit


def trend_data(answer: dict | None) -> tuple[object | None, str, str]:
    """A DataFrame (date, value, period) when the answer's figures are one measure over two or
    more periods, in one unit; with the unit and the measure's name. Else (None, "", "")."""
    from ..language.periods import parse_period

    figures = (answer or {}).get("figures") or []
    if not figures:
        return None, "", ""
    first = figures[0]
    same = [f for f in figures if (f["entity"], f["metric"], f.get("unit", "")) ==
            (first["entity"], first["metric"], first.get("unit", ""))]
    points = {}
    for f in same:
        period = parse_period(f.get("period", ""))
        if period is not None:
            points.setdefault(period.end, (float(f["value"]), period.label))
    if len(same) != len(figures) or len(points) < 2:
        return None, "", ""
    import pandas as pd

    frame = pd.DataFrame([{"date": pd.Timestamp(day), "value": value, "period": label}
                          for day, (value, label) in sorted(points.items())])
    return frame, first.get("unit", ""), f"{first['entity']} {first['metric']}"


def index_status(manifest: dict | None, summary: str, settings) -> str:
    """Markdown describing the index: where it is, how it was made, the last update."""
    if not manifest:
        return "**Index:** not built yet. Press *Re-index* to build it."
    where = settings.chroma_url or str(settings.index_dir)
    documents = manifest.get("documents", {})
    passages = sum(len(d.get("passages", [])) for d in documents.values())
    lines = [
        f"**Index:** `{where}`, collection `{manifest.get('collection', '')}`: "
        f"{passages} passages from {len(documents)} sources (articles and figures tables).",
        f"**Embedding model:** `{manifest.get('model', '')}` "
        f"(dimension {manifest.get('dimension', '?')}); chunking "
        f"{manifest.get('chunking', {}).get('min_chars', '?')}–"
        f"{manifest.get('chunking', {}).get('max_chars', '?')} characters; "
        f"chromadb {manifest.get('chromadb', '?')}.",
        f"**Last update:** {summary}.",
    ]
    return "\n\n".join(lines)


def document_rows(bot) -> list[list]:
    """One row per indexed article, newest first: date, title, what it draws on, author, id,
    passage count."""
    rows = []
    for d in sorted(bot.corpus.documents, key=lambda d: d.published or "", reverse=True):
        sources = "; ".join(", ".join(x for x in (s["publisher"], f"“{s['title']}”" if
                                                  s["title"] else "", s["date"]) if x)
                            for s in d.sources)
        rows.append([d.published, d.title, sources, d.author, d.doc_id,
                     len(bot.passages_by_doc.get(d.doc_id, []))])
    return rows


def figure_rows(bot) -> list[list]:
    """One row per figure: the figures tables' rows, then those read from article sentences
    (their "metric" is the words around the number)."""
    finder = getattr(bot, "figures", None)
    if finder is not None:  # the first passages' figures too (a sample on a large corpus)
        finder.ensure([p.id for p in bot.passages if p.metadata.get("kind") == "text"][:500])
    figures = finder.figures if finder is not None else bot.corpus.figures
    rows = []
    # By measure, then by period (oldest first); figures read from articles after the table's.
    for f in sorted(figures, key=_figure_order):
        extracted = f.table == "extracted"
        metric = " ".join(finder.describe(f).split())[:90] if extracted else f.metric
        rows.append([f.entity, metric, f.period, format_value(f.value, f.unit), f.unit,
                     f.as_of, f.source, f.locator, f.id,
                     "article text" if extracted else "figures table"])
    return rows


def _figure_order(f) -> tuple:
    from ..language.periods import parse_period

    period = parse_period(f.period)
    return (f.table == "extracted", f.entity.lower(), f.metric.lower(),
            period.end.isoformat() if period else f.period, f.as_of)


# Styles for the HTML above and the workspace layout; Gradio's colour variables keep it
# readable in light and dark mode.
CSS = """
.gradio-container { max-width: 1500px !important; }
#title h1 { margin-bottom: 0; }
#title p { color: var(--body-text-color-subdued); margin-top: 4px; }
#sources { max-height: 62vh; overflow-y: auto; padding-right: 4px; }
.sources { font-size: 0.95em; }
.sources.empty { color: var(--body-text-color-subdued); }
.sources .asked { font-weight: 600; margin-bottom: 4px; }
.sources .label { background: var(--primary-100); color: var(--primary-800); border-radius: 4px;
  padding: 1px 6px; font-size: 0.8em; margin-right: 4px; }
.sources .resolved { color: var(--body-text-color-subdued); font-style: italic;
  margin-bottom: 6px; }
.sources .abstained { background: var(--background-fill-secondary); border-radius: 6px;
  padding: 6px 10px; }
.sources .cite { border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: 10px 12px; margin: 8px 0; background: var(--background-fill-primary); }
.sources .cite .n { color: var(--primary-600); font-weight: 700; }
.sources .title { font-weight: 600; }
.sources .meta { color: var(--body-text-color-subdued); font-size: 0.85em; margin: 2px 0 6px; }
.sources .passage { white-space: pre-wrap; line-height: 1.5; }
.sources mark { background: #fde68a; color: #111827; padding: 1px 2px; border-radius: 3px; }
.sources h4 { margin: 14px 0 6px; }
.sources table { border-collapse: collapse; font-size: 0.9em; width: 100%; }
.sources td, .sources th { border: 1px solid var(--border-color-primary); padding: 4px 8px;
  text-align: left; }
.sources .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.sources .src { color: var(--body-text-color-subdued); font-size: 0.9em; }
.sources code { font-size: 1em; }
#feedback-note p, #export-note p { color: var(--body-text-color-subdued); font-size: 0.9em; }
"""
