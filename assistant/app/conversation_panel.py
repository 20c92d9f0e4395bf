"""The conversation picker above the chat: the reader's conversations (kept in their browser),
a new one, and the current one restored when the page loads."""

from .briefing_tab import (
    FIRST_TITLE,
    PRIVATE,
    panel_for,
    picker_update,
    saved,
    suggestion_updates,
)
from .conversations import browser_secret, empty_store, new_id, passage_reader, restore
from .display import EMPTY_PANEL, cite_data

STORAGE_KEY = "briefing-conversations"


def layout(ui, data_dir) -> None:
    """The picker and the browser store, inside the current Blocks context."""
    import gradio as gr

    ui.store = gr.BrowserState(empty_store(), storage_key=STORAGE_KEY,
                               secret=browser_secret(data_dir))
    ui.conv_id = gr.State("")
    with gr.Row(elem_id="conversation-row"):
        ui.picker = gr.Dropdown([], value=None, label="Conversation", show_label=False,
                                elem_id="conversations", scale=5, filterable=False,
                                info=None)
        ui.new = gr.Button("+ New conversation", size="sm", scale=1, min_width=170,
                           elem_id="new-conversation")


def wire(ui, workspace, examples: list[str], demo) -> None:
    """Restore on load, save on clear and on switching, switch, start anew (each answer is
    saved as it is given: see `briefing_tab.wire_ask`)."""
    shown = [ui.conv_id, ui.chat, ui.answers, ui.selected, ui.sources, ui.cite_data,
             ui.suggest_title, *ui.suggestions]

    panel = panel_for(workspace)

    def show(conv_id, chat, answers):
        # Suggestions: the examples for an empty conversation; for one with answers, none
        # until the next answer (working follow-ups out takes a moment).
        k = len(answers) - 1
        return (conv_id, chat, answers, k if k >= 0 else None,
                panel(answers[k], k + 1) if k >= 0 and answers[k] else EMPTY_PANEL,
                cite_data(answers), "" if answers else FIRST_TITLE,
                *suggestion_updates([] if answers else examples))

    def on_load(store):
        conv_id, chat, answers = restore(store, read=passage_reader(workspace.bot))
        return (*show(conv_id, chat, answers), picker_update(store, conv_id))

    def on_pick(store, wanted):
        conv_id, chat, answers = restore(store, wanted, passage_reader(workspace.bot))
        return show(conv_id, chat, answers)

    def on_new(store):
        conv_id = new_id()
        store = {**(store or empty_store()), "current": conv_id}
        return (*show(conv_id, [], []), store, picker_update(store, conv_id))

    demo.load(on_load, [ui.store], [*shown, ui.picker], **PRIVATE)
    ui.picker.input(on_pick, [ui.store, ui.picker], shown, **PRIVATE).then(
        saved, [ui.store, ui.conv_id, ui.chat, ui.answers], [ui.store, ui.picker],
        **PRIVATE)
    ui.new.click(on_new, [ui.store], [*shown, ui.store, ui.picker], **PRIVATE)
    ui.chat.clear(lambda: ([], None, EMPTY_PANEL, cite_data([])), None,
                  [ui.answers, ui.selected, ui.sources, ui.cite_data], **PRIVATE).then(
        saved, [ui.store, ui.conv_id, ui.chat, ui.answers], [ui.store, ui.picker],
        **PRIVATE)

