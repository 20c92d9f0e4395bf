"""The Corpus tab: what the sources are, for staff (titles, dates, where they come from, the
figures by metric, each with the passage that states it); the index's technical details and
re-indexing in an Admin section below.
"""

from __future__ import annotations

from types import SimpleNamespace

from ..errors import AssistantError
from .display import (
    document_rows,
    figure_rows,
    format_value,
    index_status,
    period_key,
    safe_markdown,
)
from .workspace import reindex

PRIVATE = {"api_visibility": "private"}
DOC_HEADERS = ["published", "title", "draws on", "author", "passages"]
FIGURE_HEADERS = ["metric", "entity", "period", "value", "unit", "as of", "stated in"]
ADMIN_DOC_HEADERS = ["doc_id", "title", "passages"]
ADMIN_FIGURE_HEADERS = ["entity", "metric", "period", "value", "unit", "as of", "source",
                        "locator", "id", "read from"]


def staff_documents(rows: list[list]) -> list[list]:
    """The document rows without index internals."""
    return [[r[0], r[1], r[2], r[3], r[5]] for r in rows]


def stated_in(bot, figure) -> str:
    """Where a reader can check a figure: the indexed passage that states it (title, date,
    paragraph), the one its answers cite; else the paragraph its locator points to; else it
    is in the figures table only."""
    from ..answering.answer import figure_citation, source_passage

    try:  # an assistant without figure rows (a stand-in) still shows its figures
        passage, _ = figure_citation(figure, bot.passages_by_doc,
                                     getattr(bot, "figure_rows", {}))
    except KeyError:
        passage = None
    if passage is None or passage.metadata.get("kind") != "text":
        passage = source_passage(figure, bot.passages_by_doc)
    if passage is None:  # its document is not in the corpus
        return f"figures table only ({figure.source}, {figure.locator})"
    meta = passage.metadata
    return " · ".join(x for x in (f"“{meta.get('title', '')}”", meta.get("published", ""),
                                  meta.get("locator", "")) if x)


def staff_figures(bot) -> list[list]:
    """The figures tables' rows by metric, then entity and period; each with where it is
    stated."""
    def order(f):
        return f.metric.lower(), f.entity.lower(), period_key(f.period)

    return [[f.metric, f.entity, f.period, format_value(f.value, f.unit), f.unit, f.as_of,
             stated_in(bot, f)] for f in sorted(bot.corpus.figures, key=order)]


def corpus_views(bot) -> dict:
    """Everything the tab shows, for one assistant."""
    from ..search.local_builds import read_manifest

    try:
        status = index_status(read_manifest(bot.settings.index_dir), bot.report.summary(),
                              bot.settings)
    except AssistantError as exc:
        status = f"⚠️ {safe_markdown(str(exc))}"
    problems = "\n".join(f"- {safe_markdown(p)}" for p in bot.corpus.problems)
    rows = document_rows(bot)
    docs = staff_documents(rows)
    return {"docs": docs, "figures": staff_figures(bot), "status": status,
            "admin_docs": [[r[4], r[1], r[5]] for r in rows],
            "admin_figures": figure_rows(bot),
            "problems": f"**Skipped while loading:**\n{problems}" if problems else "",
            "summary": f"{len(docs)} documents and {len(bot.corpus.figures)} figures, "
                       f"dated {_span(docs)}."}


def _span(docs: list[list]) -> str:
    dates = sorted(d[0] for d in docs if d[0])
    return f"{dates[0]} to {dates[-1]}" if dates else "undated"


def layout(views: dict) -> SimpleNamespace:
    """The tab's components, inside the current Blocks context."""
    import gradio as gr

    ui = SimpleNamespace()
    ui.summary = gr.Markdown(f"**The sources:** {views['summary']}", elem_id="corpus-summary")
    ui.docs = gr.Dataframe(views["docs"], headers=DOC_HEADERS,
                           label=f"Documents ({len(views['docs'])})", interactive=False,
                           wrap=True, elem_id="documents",
                           column_widths=["10%", "36%", "34%", "12%", "8%"])
    ui.figures = gr.Dataframe(views["figures"], headers=FIGURE_HEADERS,
                              label=f"Figures by metric ({len(views['figures'])})",
                              interactive=False, wrap=True, elem_id="figures",
                              column_widths=["18%", "12%", "12%", "9%", "10%", "9%", "30%"])
    with gr.Accordion("Admin: index details and re-indexing", open=False, elem_id="admin"):
        ui.status = gr.Markdown(views["status"], elem_id="index-status")
        with gr.Row():
            ui.reindex = gr.Button("Re-index", variant="secondary", scale=0, min_width=140,
                                   elem_id="reindex")
            ui.note = gr.Markdown("Re-indexing reads the corpus again and embeds only new or "
                                  "changed documents.")
        ui.problems = gr.Markdown(views["problems"])
        ui.admin_docs = gr.Dataframe(views["admin_docs"], headers=ADMIN_DOC_HEADERS,
                                     label="Documents as indexed", interactive=False,
                                     wrap=True, elem_id="admin-documents")
        ui.admin_figures = gr.Dataframe(views["admin_figures"], headers=ADMIN_FIGURE_HEADERS,
                                        label=f"Figures as indexed ({len(views['admin_figures'])})",
                                        interactive=False, wrap=True, elem_id="admin-figures")
    return ui


def wire(ui, workspace) -> None:
    """Re-index: the button waits while the corpus is read and embedded again."""
    import gradio as gr

    tracker = gr.Progress()  # Gradio reports progress through a default argument

    def run(progress=tracker):
        note = reindex(workspace, progress)
        views = corpus_views(workspace.bot)
        return (note, f"**The sources:** {views['summary']}", views["status"],
                gr.Dataframe(value=views["docs"], label=f"Documents ({len(views['docs'])})"),
                gr.Dataframe(value=views["figures"],
                             label=f"Figures by metric ({len(views['figures'])})"),
                views["problems"], views["admin_docs"], views["admin_figures"])

    outputs = [ui.note, ui.summary, ui.status, ui.docs, ui.figures, ui.problems, ui.admin_docs,
               ui.admin_figures]
    ui.reindex.click(
        lambda: gr.Button("Re-indexing…", interactive=False), None, ui.reindex, queue=False,
        **PRIVATE,
    ).then(run, None, outputs, concurrency_limit=1, **PRIVATE
           ).then(lambda: gr.Button("Re-index", interactive=True), None, ui.reindex, **PRIVATE)
