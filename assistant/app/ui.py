"""The Gradio briefing workspace, put together and served: the Briefing tab (chat, suggested
questions, the selected answer's sources, conversations, feedback, exports) and the Corpus tab.

Each tab and panel is a module of its own here; gradio is imported only inside functions, so
importing `assistant` stays cheap. What each action does lives in `workspace`; what is shown,
in `display`, `answer_text` and `charts`; the page's own behaviour, in `page_script`.
"""

import logging
import threading
from pathlib import Path
from types import SimpleNamespace

from ..config import Settings
from ..errors import AssistantError
from ..language.periods import year_of
from . import briefing_tab, conversation_panel, corpus_tab, feedback_panel
from .briefing import exports_dir
from .display import highlight, render_sources
from .http_guards import MAX_REQUEST_BYTES, LoginGuard, RequestSizeLimit, auth_check
from .page_script import PAGE_JS
from .styles import CSS
from .workspace import (
    FAILED,
    Workspace,
    export_answers,
    make_respond,
)

# Re-exported: the UI's rendering and chat handler are part of what this module offers.
__all__ = ["build_demo", "highlight", "launch", "load_auth", "make_respond", "render_sources",
           "serve"]

log = logging.getLogger(__name__)
PRIVATE = {"api_visibility": "private"}

QUEUE_SIZE = 64  # requests waiting beyond this get Gradio's "queue is full" message
CONCURRENCY = 4  # answers computed at once; each is CPU-bound
# Gradio keeps each session's inputs and state in memory, 10,000 sessions by default: with
# requests capped at 512 KB, this bounds what unfinished or abandoned sessions can hold.
SESSION_CAPACITY = 500
MAX_UPLOAD = "64kb"  # nothing is uploaded by the app itself; the route exists in Gradio
INTRO = ("# {title}\nCited answers from the indexed sources. Hover a numbered chip for its "
         "quote, click an answer to see its sources beside it, rate it with the thumbs, or "
         "export a Markdown briefing.")


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
    title = corpus_title(bot)
    examples = examples_for(bot)
    views = corpus_tab.corpus_views(workspace.bot)
    # Gradio's file cache (nothing is uploaded by the app) is emptied hourly of files over an
    # hour old.
    with gr.Blocks(title=title, delete_cache=(3600, 3600)) as demo:
        gr.Markdown(INTRO.format(title=title), elem_id="title")
        with gr.Tab("Briefing"):
            chat = SimpleNamespace()
            conversation_panel.layout(chat, workspace.data_dir)
            briefing_tab.layout(chat, examples, source_years(bot))
            feedback_panel.layout(chat)
        with gr.Tab("Corpus"):
            corpus = corpus_tab.layout(views)
        briefing_tab.wire_ask(chat, workspace, examples)
        briefing_tab.wire_select(chat, workspace)
        conversation_panel.wire(chat, workspace, examples, demo)
        feedback_panel.wire(chat, workspace)
        _wire_exports(chat, workspace)
        corpus_tab.wire(corpus, workspace)
        gr.api(_api(workspace), api_name="ask")
    return demo


def _api(workspace):
    def ask_api(question: str, history: list[dict] | None = None) -> dict:
        """Answer a question with the chat history; returns the JSON answer object."""
        try:
            return workspace.ask(question, history or []).to_dict()
        except AssistantError as exc:
            return {"error": str(exc), "question": question}
        except Exception:  # API clients get a message, never a traceback
            log.exception("failed to answer")
            return {"error": FAILED.removeprefix("⚠️ "), "question": question}

    return ask_api


def _wire_exports(ui, workspace) -> None:
    import gradio as gr

    def export(answers, selected, whole):
        path = export_answers(workspace, answers, selected, whole)
        if path is None:
            gr.Warning("There is no answer to export yet: ask a question first.")
            return gr.File(visible=False)
        return gr.File(value=str(path), visible=True)

    ui.export_one.click(lambda a, s: export(a, s, False), [ui.answers, ui.selected],
                        ui.download, **PRIVATE)
    ui.export_all.click(lambda a, s: export(a, s, True), [ui.answers, ui.selected],
                        ui.download, **PRIVATE)


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
        allowed_paths=[str(folder)], show_error=False, footer_links=["api"], css=CSS, js=PAGE_JS,
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
