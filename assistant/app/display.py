"""What the UI shows for an answer: chat text, the Sources panel, figure data, corpus status.

Everything from the corpus or a question is escaped here, so no markup from either ever runs
in the page. No gradio here; pandas is imported only when a chart is drawn.
"""

from __future__ import annotations

import html
import re

from ..ingest.tables import is_table_cell
from .charts import chart_html, format_value

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


def stream_steps(text: str, words: int = 4) -> list[str]:
    """Progressively longer prefixes of text, cut only at whitespace.

    Cutting at whitespace never splits an escaped entity such as `&lt;`, which holds none.
    """
    cuts = [m.start() for m in re.finditer(r"\s+", text)][words - 1::words]
    return [text[:cut] for cut in cuts if cut > 0] + [text]


def render_sources(answer: dict | None, number: int | None = None, extra: str = "") -> str:
    """HTML for the Sources panel: the chart, numbered citation cards with the quote
    highlighted, the figures with where each is stated, the calculation; `extra` (trusted
    HTML) goes after the abstention note."""
    if not answer:
        return EMPTY_PANEL
    k = (number or 1) - 1
    parts = [f"<div class='sources' data-answer='{k}'>", _header(answer, number)]
    if answer.get("abstained"):
        parts.append("<p class='abstained'><b>Not covered by the sources.</b> "
                     "The passages below are the closest material, not an answer.</p>"
                     if answer.get("citations") else
                     "<p class='abstained'><b>Not covered by the sources.</b></p>")
        parts.append(extra)
    parts.append(chart_html(answer))
    for c in answer.get("citations", []):
        parts.append(
            f"<div class='cite' id='cite-{c['n']}' data-n='{c['n']}'><div class='title'>"
            f"<span class='n'>[{c['n']}]</span> {html.escape(c.get('title', ''))}</div>"
            f"<div class='meta'>{_meta(c)}</div>"
            f"<div class='passage'>{highlight(c['text'], c['quote'])}</div></div>"
        )
    parts.append(_figures_table(answer.get("figures") or [], answer.get("citations", [])))
    parts.append(_calculation(answer.get("calculation")))
    parts.append("</div>")
    return "".join(parts)


def _meta(c: dict) -> str:
    return " · ".join(html.escape(str(x)) for x in (
        c.get("author"), c.get("published"), c.get("locator")) if x)


def _header(answer: dict, number: int | None) -> str:
    label = f"Answer {number}" if number else "Answer"
    parts = [f"<div class='asked'><span class='label'>{label}</span> "
             f"{html.escape(answer.get('question', ''))}</div>"]
    if was_rewritten(answer):
        parts.append(f"<div class='resolved'>Understood as: "
                     f"{html.escape(answer['resolved_question'])}</div>")
    if number:
        parts.append("<p class='hint'>The sources of the answer outlined in the chat; click "
                     "another answer to see its own.</p>")
    return "".join(parts)


def backing_citation(figure: dict, citations: list[dict]) -> dict | None:
    """The cited passage that states a figure: one from the figure's own document, else one
    whose quote (or passage) gives its value. Readers can open it; a figures-table locator in
    a document that is not indexed, they cannot."""
    from ..answering.answer import mentions_value
    from ..ingest.documents import Figure

    own = [c for c in citations if c.get("doc_id") == figure.get("source")]
    if own:
        return own[0]
    try:
        fig = Figure(**{k: figure[k] for k in ("id", "entity", "metric", "value", "unit",
                                               "period", "source", "locator")})
    except (KeyError, TypeError):
        return None
    for field in ("quote", "text"):
        for c in citations:
            if mentions_value(c.get(field, ""), fig):
                return c
    return None


def _figures_table(figures: list[dict], citations: list[dict]) -> str:
    if not figures:
        return ""
    rows = ["<h4>Figures</h4><table class='figures'><tr><th>Entity</th><th>Metric</th>"
            "<th>Period</th><th class='num'>Value</th><th class='stated'>Stated in</th></tr>"]
    for f in figures:
        unit, metric = str(f.get("unit", "")), str(f.get("metric", ""))
        cells = [html.escape(str(f.get(k, ""))) for k in ("entity", "metric", "period")]
        value = html.escape(format_value(f.get("value"), unit))
        if unit and unit.lower() not in metric.lower():  # the unit, said once
            value += f"<br><span class='unit'>{html.escape(unit)}</span>"
        cite = backing_citation(f, citations)
        if cite:
            where = (f"<button type='button' class='chip' data-n='{cite['n']}'>{cite['n']}"
                     f"</button> {html.escape(cite.get('title', ''))}<br>{_meta(cite)}")
        else:
            where = html.escape(" ".join(str(f.get(k) or "") for k in ("source", "locator")))
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells)
                    + f"<td class='num'>{value}</td><td class='src'>{where}</td></tr>")
    rows.append("</table>")
    return "".join(rows)


def _calculation(calc: dict | None) -> str:
    if not calc:
        return ""
    text = f"<p>{html.escape(calc['text'])}</p>" if calc.get("text") else ""
    return (f"<h4>Calculation</h4><p><code>{html.escape(calc['expression'])} = "
            f"{html.escape(format_value(calc['result']))}</code></p>{text}")


def cite_data(answers: list[dict | None]) -> str:
    """Hidden HTML the page reads for chip previews: each answer's quotes and sources."""
    parts = ["<div class='cite-data'>"]
    for k, answer in enumerate(answers or []):
        for c in (answer or {}).get("citations", []):
            source = " · ".join(x for x in (c.get("title", ""), c.get("published", ""),
                                            c.get("locator", "")) if x)
            parts.append(f"<span data-answer='{k}' data-n='{c['n']}' "
                         f"data-quote=\"{html.escape(c.get('quote', ''))}\" "
                         f"data-source=\"{html.escape(source)}\"></span>")
    parts.append("</div>")
    return "".join(parts)


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
    """One row per figure: the figures tables' rows, then those read from articles' sentences
    (their "metric" is the words around the number) and tables."""
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
                     ("article table" if is_table_cell(f) else "article text") if extracted
                     else "figures table"])
    return rows


def _figure_order(f) -> tuple:
    return (f.table == "extracted", f.entity.lower(), f.metric.lower(), period_key(f.period),
            f.as_of)


def period_key(label: str) -> str:
    """A period label as something that sorts in time (its end date), else the label."""
    from ..language.periods import parse_period

    period = parse_period(label)
    return period.end.isoformat() if period else label
