"""The Briefing tab: the chat and its question box, suggested questions, and beside them the
selected answer's sources. Only layout and event wiring; what each action does lives in
`workspace`, what is shown in `display`.
"""

from types import SimpleNamespace

from .conversations import choices, save
from .display import EMPTY_PANEL, cite_data, render_sources
from .suggestions import MAX_SUGGESTIONS, follow_ups, nearby_html
from .workspace import answer_for_row, make_respond

PRIVATE = {"api_visibility": "private"}
ALL_YEARS = "all years"
FIRST_TITLE = "**Try asking** (one click asks):"
NEXT_TITLE = "**Ask next** (answerable from the sources):"


def layout(ui: SimpleNamespace, examples: list[str], years: list[str]) -> SimpleNamespace:
    """The tab's components, inside the current Blocks context, added to `ui`."""
    import gradio as gr

    ui.answers, ui.selected = gr.State([]), gr.State(None)
    with gr.Row(equal_height=False, elem_id="workspace"):
        with gr.Column(scale=5, elem_id="main-column"):
            _chat_column(ui, examples, years)
        with gr.Column(scale=4, elem_id="side"):
            _side_column(ui)
    return ui


def _chat_column(ui, examples: list[str], years: list[str]) -> None:
    import gradio as gr

    ui.chat = gr.Chatbot(
        label="Briefing chat", show_label=False, elem_id="chat", height=None,
        min_height=220, max_height=480,
        buttons=["copy", "copy_all"], feedback_options=("Like", "Dislike"),
        placeholder="**Ask a question about the sources.**<br>Answers come only from the "
                    "indexed sources; click an answer to see its quotes.")
    # Suggestions sit between the answer and the question box: the next question is one
    # click from the answer it follows.
    with gr.Column(elem_classes=["suggest-block"], elem_id="suggestions"):
        ui.suggest_title = gr.Markdown(FIRST_TITLE, elem_id="suggest-title")
        ui.suggestions = [
            gr.Button(examples[i] if i < len(examples) else "", size="sm",
                      visible=i < len(examples), elem_classes=["suggest"],
                      elem_id=f"suggest-{i}")
            for i in range(MAX_SUGGESTIONS)]
    with gr.Row(elem_id="ask-row"):
        ui.box = gr.Textbox(placeholder="Ask a briefing question…", max_lines=4,
                            show_label=False, scale=6, elem_id="question", autofocus=True)
        ui.since = gr.Dropdown([("Sources: all years", ALL_YEARS),
                                *[(f"Sources since {y}", y) for y in years]],
                               value=ALL_YEARS, show_label=False, label="Sources since",
                               elem_id="since", scale=0, min_width=210, filterable=False)
        ui.send = gr.Button("Ask", variant="primary", scale=0, min_width=90, elem_id="ask")


def _side_column(ui) -> None:
    import gradio as gr

    gr.Markdown("### Sources", elem_id="side-title")
    ui.sources = gr.HTML(EMPTY_PANEL, elem_id="sources")
    ui.cite_data = gr.HTML(cite_data([]), elem_id="cite-data")
    with gr.Row():
        ui.export_one = gr.Button("⬇ Export answer (.md)", size="sm", elem_id="export-answer")
        ui.export_all = gr.Button("⬇ Export conversation (.md)", size="sm",
                                  elem_id="export-conversation")
    ui.download = gr.File(label="Briefing file", visible=False, interactive=False,
                          elem_id="download")


def panel_for(workspace):
    """The Sources panel for an answer; an abstention also names what the sources cover
    nearby."""

    def panel(answer, number):
        extra = nearby_html(workspace.bot, answer) if answer and answer.get("abstained") else ""
        return render_sources(answer, number, extra)

    return panel


def wire_ask(ui, workspace, examples: list[str]) -> None:
    """Ask from the box, the Ask button or a suggested question; then show the follow-ups."""
    import gradio as gr

    respond = make_respond(workspace, panel=panel_for(workspace))

    def ask_now(message, chat, answers, since):
        if not (message or "").strip():  # nothing asked: nothing added, nothing numbered
            gr.Warning("Type a question first.", duration=4)
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        yield from respond(message, chat, answers, since)

    def busy():
        return gr.Button("Searching…", interactive=False), gr.Textbox(interactive=False)

    def settle(answers):
        k = len(answers) - 1
        return (gr.Button("Ask", interactive=True), gr.Textbox(interactive=True),
                k if k >= 0 else None, cite_data(answers))

    def suggest(answers):
        return suggestions_for(workspace, answers, examples)

    def chain(event):
        event = event.then(busy, None, [ui.send, ui.box], queue=False, **PRIVATE)
        event = event.then(ask_now, [ui.box, ui.chat, ui.answers, ui.since],
                           [ui.box, ui.chat, ui.answers, ui.sources], show_progress="hidden",
                           **PRIVATE)
        # Kept in the browser before the box is given back: a reload from then on finds it.
        event = event.then(saved, [ui.store, ui.conv_id, ui.chat, ui.answers],
                           [ui.store, ui.picker], **PRIVATE)
        event = event.then(settle, [ui.answers], [ui.send, ui.box, ui.selected, ui.cite_data],
                           **PRIVATE)
        # One at a time across all sessions: trying suggestions must never crowd out answers.
        event.then(suggest, [ui.answers], [ui.suggest_title, *ui.suggestions],
                   show_progress="hidden", concurrency_limit=1, concurrency_id="suggest",
                   **PRIVATE)

    chain(gr.on([ui.box.submit, ui.send.click], lambda: None, None, None, queue=False,
                **PRIVATE))
    for button in ui.suggestions:
        chain(button.click(lambda q: q, button, ui.box, queue=False, **PRIVATE))


def saved(store, conv_id, chat, answers):
    """The browser's store with this conversation saved, and the picker showing it."""
    store = save(store, conv_id, chat, answers)
    return store, picker_update(store, conv_id)


def picker_update(store, conv_id):
    """The conversation picker: the stored ones, and the current one even before it is."""
    import gradio as gr

    listed = choices(store)
    if not any(c[1] == conv_id for c in listed):
        listed = [("New conversation", conv_id), *listed]
    return gr.Dropdown(choices=listed, value=conv_id)


def suggestions_for(workspace, answers: list, examples: list[str]) -> list:
    """The suggestion title and buttons: follow-ups of the latest answer, or the examples
    before anything is asked."""
    latest = answers[-1] if answers else None
    questions = follow_ups(workspace.bot, latest) if latest else []
    if questions:
        return [NEXT_TITLE, *suggestion_updates(questions)]
    if answers:
        return ["", *suggestion_updates([])]
    return [FIRST_TITLE, *suggestion_updates(examples)]


def suggestion_updates(questions: list[str]) -> list:
    import gradio as gr

    return [gr.Button(questions[i], visible=True) if i < len(questions) else
            gr.Button(visible=False) for i in range(MAX_SUGGESTIONS)]


def wire_select(ui, workspace) -> None:
    """Clicking an answer shows its sources (and outlines it in the chat)."""
    import gradio as gr

    panel = panel_for(workspace)

    def select(answers, evt: gr.SelectData):
        k, answer = answer_for_row(answers, evt.index)
        return k, panel(answer, k + 1)

    ui.chat.select(select, [ui.answers], [ui.selected, ui.sources], **PRIVATE)
