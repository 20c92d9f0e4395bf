"""The Gradio briefing workspace: chat beside the selected answer's sources, exports, feedback,
and a Corpus tab with index status and re-indexing.

Only this module imports gradio, and only inside functions, so importing `assistant` stays
cheap. What each action does lives in `workspace`; what is shown, in `display`.
"""

import logging
import threading
from pathlib import Path

from ..config import Settings
from ..errors import AssistantError
from ..language.periods import year_of
from .briefing import exports_dir
from .display import CSS, EMPTY_PANEL, chart_data, highlight, render_sources, trend_data
from .http_guards import MAX_REQUEST_BYTES, LoginGuard, RequestSizeLimit, auth_check
from .workspace import (
    FAILED,
    Workspace,
    answer_for_row,
    corpus_views,
    export_answers,
    make_respond,
    record_comment,
    record_vote,
    reindex,
)

# Re-exported: the UI's rendering and chat handler are part of what this module offers.
__all__ = ["build_demo", "highlight", "launch", "load_auth", "make_respond", "render_sources",
           "serve"]

log = logging.getLogger(__name__)

QUEUE_SIZE = 64  # requests waiting beyond this get Gradio's "queue is full" message
CONCURRENCY = 4  # answers computed at once; each is CPU-bound
# Gradio keeps each session's inputs and state in memory, 10,000 sessions by default: with
# requests capped at 512 KB, this bounds what unfinished or abandoned sessions can hold.
SESSION_CAPACITY = 500
MAX_UPLOAD = "64kb"  # nothing is uploaded by the app itself; the route exists in Gradio
DOC_HEADERS = ["published", "title", "sources", "author", "doc_id", "passages"]
FIGURE_HEADERS = ["entity", "metric", "period", "value", "unit", "as of", "source", "locator",
                  "id", "read from"]
ALL_YEARS = "all years"
INTRO = ("# {title}\nCited answers from the indexed sources. Every answer quotes its sources; "
         "select an answer in the chat to see them, rate it with the thumbs, or export it as a "
         "Markdown briefing.")


def corpus_title(bot) -> str:
    """The workspace's name: the corpus glossary's title, or a plain one."""
    title = bot.glossary.title or "Briefing"
    return title if title.lower().endswith(("workspace", "assistant")) else f"{title} workspace"


def examples_for(bot) -> list[str]:
    """Example questions: the corpus glossary's, or the titles' subjects as questions."""
    if bot.glossary.examples:
        return bot.glossary.examples[:5]
    titles = [d.title for d in bot.corpus.documents if d.title][:3]
    return [f"Summarize “{t}”" for t in titles] or ["Summarize the sources"]


def source_years(bot) -> list[str]:
    """The years the sources are dated in, newest first (choices of the "since" filter)."""
    years = {year_of(d.published) for d in bot.corpus.documents}
    years |= {year_of(f.as_of) for f in bot.corpus.figures}
    return [str(y) for y in sorted(years - {0}, reverse=True)]


def build_demo(bot, data_dir: Path | None = None):
    """The Gradio Blocks app for an opened Assistant; files go under data_dir (or settings')."""
    import gradio as gr

    workspace = Workspace(bot, Path(data_dir or bot.settings.data_dir))
    private = {"api_visibility": "private"}

    def chart(answer):
        """A line chart for one measure over time, else bars for compared figures."""
        series, unit, name = trend_data(answer)
        if series is not None:
            return (gr.BarPlot(value=None, visible=False),
                    gr.LinePlot(value=series, y_title=unit or "value", title=name,
                                visible=True))
        frame, unit = chart_data(answer)
        if frame is None:
            return gr.BarPlot(value=None, visible=False), gr.LinePlot(value=None, visible=False)
        return (gr.BarPlot(value=frame, y_title=unit or "value", visible=True),
                gr.LinePlot(value=None, visible=False))

    def busy():
        return gr.Button("Searching…", interactive=False), gr.Textbox(interactive=False)

    def settle(answers):
        k = len(answers) - 1
        return (gr.Button("Ask", interactive=True), gr.Textbox(interactive=True), k,
                *chart(answers[k] if k >= 0 else None))

    def select(answers, evt: gr.SelectData):
        k, answer = answer_for_row(answers, evt.index)
        return k, render_sources(answer, k + 1), *chart(answer)

    def like(answers, comment, evt: gr.LikeData):
        return "", record_vote(workspace, answers, evt.index, evt.liked, comment)

    def comment_only(answers, selected, comment):
        note = record_comment(workspace, answers, selected, comment)
        return ("" if note.startswith("Thanks") else comment), note

    def export(answers, selected, whole):
        path = export_answers(workspace, answers, selected, whole)
        if path is None:
            gr.Warning("There is no answer to export yet: ask a question first.")
            return gr.File(visible=False)
        return gr.File(value=str(path), visible=True)

    def corpus_outputs(note=""):
        status, docs, figs, problems = corpus_views(workspace.bot)
        return (note, status, gr.Dataframe(value=docs, label=f"Documents ({len(docs)})"),
                gr.Dataframe(value=figs, label=f"Figures ({len(figs)})"), problems)

    tracker = gr.Progress()  # Gradio reports progress through a default argument

    def run_reindex(progress=tracker):
        return corpus_outputs(reindex(workspace, progress))

    def ask_api(question: str, history: list[dict] | None = None) -> dict:
        """Answer a question with the chat history; returns the JSON answer object."""
        try:
            return workspace.ask(question, history or []).to_dict()
        except AssistantError as exc:
            return {"error": str(exc), "question": question}
        except Exception:  # API clients get a message, never a traceback
            log.exception("failed to answer")
            return {"error": FAILED.removeprefix("⚠️ "), "question": question}

    status0, docs0, figs0, problems0 = corpus_views(workspace.bot)
    title = corpus_title(bot)
    examples = examples_for(bot)
    # Gradio's file cache (nothing is uploaded by the app) is emptied hourly of files over an
    # hour old.
    with gr.Blocks(title=title, delete_cache=(3600, 3600)) as demo:
        gr.Markdown(INTRO.format(title=title), elem_id="title")
        answers = gr.State([])
        selected = gr.State(None)
        with gr.Tab("Briefing"):
            with gr.Row(equal_height=False):
                with gr.Column(scale=5):
                    chat = gr.Chatbot(
                        label="Briefing chat", elem_id="chat", height=540,
                        buttons=["copy", "copy_all"], feedback_options=("Like", "Dislike"),
                        placeholder="**Ask a question about the sources.**<br>Answers come "
                                    "only from the indexed sources.")
                    with gr.Row():
                        box = gr.Textbox(placeholder="Ask a briefing question…", max_lines=4,
                                         show_label=False, scale=6, elem_id="question",
                                         autofocus=True)
                        send = gr.Button("Ask", variant="primary", scale=1, min_width=110,
                                         elem_id="ask")
                    since = gr.Dropdown([ALL_YEARS, *source_years(bot)], value=ALL_YEARS,
                                        label="Sources since", elem_id="since", scale=0,
                                        min_width=160, filterable=False)
                    gr.Examples(examples, inputs=box, label="Briefing questions",
                                examples_per_page=len(examples), api_visibility="private")
                    with gr.Row():
                        comment = gr.Textbox(
                            placeholder="Optional comment: sent with your vote, or on its own",
                            show_label=False, scale=6, max_lines=3, elem_id="comment")
                        send_comment = gr.Button("Send comment", scale=0, min_width=170, size="md")
                    feedback_note = gr.Markdown(elem_id="feedback-note")
                with gr.Column(scale=4):
                    gr.Markdown("### Sources")
                    sources = gr.HTML(EMPTY_PANEL, elem_id="sources")
                    # No label or legend: the bars are named, and a label would crop the axis.
                    plot = gr.BarPlot(x="figure", y="value", color="entity", show_label=False,
                                      x_title=" ", y_lim=[0, None], colors_in_legend=[],
                                      height=260, visible=False, sort=None,
                                      elem_id="figure-chart")
                    trend = gr.LinePlot(x="date", y="value", tooltip=["period", "value"],
                                        show_label=False, x_title=" ", height=260,
                                        visible=False, elem_id="trend-chart")
                    with gr.Row():
                        export_one = gr.Button("⬇ Export answer (.md)", size="sm",
                                               elem_id="export-answer")
                        export_all = gr.Button("⬇ Export conversation (.md)", size="sm",
                                               elem_id="export-conversation")
                    download = gr.File(label="Briefing file", visible=False, interactive=False,
                                       elem_id="download")
        with gr.Tab("Corpus"):
            status = gr.Markdown(status0, elem_id="index-status")
            with gr.Row():
                reindex_btn = gr.Button("Re-index", variant="secondary", scale=0,
                                        min_width=140, elem_id="reindex")
                reindex_note = gr.Markdown("Re-indexing reads the corpus again and embeds only "
                                           "new or changed documents.")
            docs = gr.Dataframe(docs0, headers=DOC_HEADERS, label=f"Documents ({len(docs0)})",
                                interactive=False, wrap=True, elem_id="documents",
                                column_widths=["9%", "33%", "30%", "10%", "12%", "6%"])
            figs = gr.Dataframe(figs0, headers=FIGURE_HEADERS, label=f"Figures ({len(figs0)})",
                                interactive=False, wrap=True, elem_id="figures", column_widths=[
                                    "12%", "17%", "11%", "8%", "8%", "8%", "14%", "6%", "9%",
                                    "7%"])
            problems = gr.Markdown(problems0)

        ask = gr.on([box.submit, send.click], busy, None, [send, box], queue=False, **private)
        ask = ask.then(make_respond(workspace), [box, chat, answers, since],
                       [box, chat, answers, sources], show_progress="hidden", **private)
        ask.then(settle, [answers], [send, box, selected, plot, trend], **private)
        chat.select(select, [answers], [selected, sources, plot, trend], **private)
        chat.like(like, [answers, comment], [comment, feedback_note], **private)
        chat.clear(lambda: ([], None, EMPTY_PANEL, gr.BarPlot(visible=False),
                            gr.LinePlot(visible=False)), None,
                   [answers, selected, sources, plot, trend], **private)
        send_comment.click(comment_only, [answers, selected, comment], [comment, feedback_note],
                           **private)
        export_one.click(lambda a, s: export(a, s, False), [answers, selected], download,
                         **private)
        export_all.click(lambda a, s: export(a, s, True), [answers, selected], download,
                         **private)
        reindex_btn.click(
            lambda: gr.Button("Re-indexing…", interactive=False), None, reindex_btn,
            queue=False, **private,
        ).then(run_reindex, None, [reindex_note, status, docs, figs, problems],
               concurrency_limit=1, **private
        ).then(lambda: gr.Button("Re-index", interactive=True), None, reindex_btn, **private)
        gr.api(ask_api, api_name="ask")
    return demo


def load_auth(value: str) -> list[tuple[str, str]] | None:
    """Logins from ASSISTANT_AUTH: "user:password", or a file of such lines; None for none."""
    if not value:
        return None
    path = Path(value)
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else [value]
    pairs = [tuple(line.strip().split(":", 1)) for line in lines
             if line.strip() and not line.lstrip().startswith("#")]
    if not pairs or any(len(p) != 2 or not p[0] or not p[1] for p in pairs):
        # The message never repeats the value: it may hold a password.
        raise AssistantError("ASSISTANT_AUTH must be user:password, or name a file with one "
                             "user:password per line; fix or unset it.")
    return pairs


def launch(demo, data_dir: Path, host: str = "127.0.0.1", port: int = 7860,
           auth: list[tuple[str, str]] | None = None, **options):
    """Serve a built demo: bounded queue, optional login, only the exports folder served.

    The app takes no uploads, so the upload route is capped small; the monitoring dashboard
    and the MCP server stay off, leaving `/ask` and the page as the only ways in."""
    import gradio as gr
    from starlette.middleware import Middleware

    folder = exports_dir(data_dir).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    demo.queue(max_size=QUEUE_SIZE, default_concurrency_limit=CONCURRENCY)
    # Every route, uploads included, refuses bodies over the limit before reading them.
    app_kwargs = {"middleware": [Middleware(RequestSizeLimit, max_bytes=MAX_REQUEST_BYTES),
                                 Middleware(LoginGuard)]}
    return demo.launch(
        server_name=host, server_port=port, share=False, auth=auth_check(auth) if auth else None,
        auth_message=f"Sign in to the {demo.title}.",
        allowed_paths=[str(folder)], show_error=False, footer_links=["api"], css=CSS,
        max_file_size=MAX_UPLOAD, enable_monitoring=False, mcp_server=False, ssr_mode=False,
        app_kwargs=app_kwargs, state_session_capacity=SESSION_CAPACITY,
        theme=gr.themes.Soft(primary_hue="orange", neutral_hue="slate"), **options)


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860) -> None:
    """Open the assistant (building the index if needed) and serve the UI until stopped."""
    auth = load_auth(settings.auth)  # a bad login setting fails before the slow start
    bot = open_for_serving(settings)
    # Load the model and fill the caches while the page comes up, so the first user's answer
    # takes as long as any other.
    threading.Thread(target=_warm_up, args=(bot,), daemon=True).start()
    launch(build_demo(bot), settings.data_dir, host, port, auth=auth)


def open_for_serving(settings: Settings):
    """Open the assistant; when the published index is damaged, serve the previous good build
    (if there is one) rather than nothing, and say so in the log."""
    from ..pipeline import Assistant
    from ..search.storage import builds_for

    try:
        return Assistant.open(settings=settings)
    except AssistantError as exc:
        restored = builds_for(settings).roll_back()
        if restored is None:
            raise
        log.warning("%s Serving the previous build (%s) meanwhile.", exc, restored)
        return Assistant.open(settings=settings)


def _warm_up(bot) -> None:
    try:
        bot.ask(examples_for(bot)[0])
    except Exception:  # a failed warm-up only costs the first user a little time
        log.debug("warm-up failed", exc_info=True)
