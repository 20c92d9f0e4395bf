"""Feedback beside the thumbs: a vote is recorded at once, then a box by the thumbs confirms
it and takes an optional comment on the same answer, confirming that in place too."""

from .briefing_tab import PRIVATE
from .workspace import answer_for_row, record_comment, record_vote


def layout(ui) -> None:
    """The feedback box (shown and placed by the page script), in the current context."""
    import gradio as gr

    ui.voted = gr.State(None)  # the answer the last vote was on: a comment goes to it
    with gr.Column(elem_id="feedback-pop"):
        ui.feedback_note = gr.Markdown(elem_id="feedback-note")
        ui.comment = gr.Textbox(placeholder="Add a comment (optional): what was right or wrong?",
                                show_label=False, max_lines=3, elem_id="comment")
        with gr.Row():
            ui.send_comment = gr.Button("Send comment", size="sm", variant="primary",
                                        elem_id="send-comment")
            gr.Button("Close", size="sm", elem_id="feedback-close")


def wire(ui, workspace) -> None:
    import gradio as gr

    def like(answers, evt: gr.LikeData):
        k, _ = answer_for_row(answers, evt.index)
        note = record_vote(workspace, answers, evt.index, evt.liked, "")
        if note.startswith("Thanks"):
            note += " Add a comment below if you like."
        return k, "", note

    def comment(answers, voted, text):
        note = record_comment(workspace, answers, voted, text)
        return ("" if note.startswith("Thanks") else text), note

    ui.chat.like(like, [ui.answers], [ui.voted, ui.comment, ui.feedback_note], **PRIVATE)
    gr.on([ui.send_comment.click, ui.comment.submit], comment,
          [ui.answers, ui.voted, ui.comment], [ui.comment, ui.feedback_note], **PRIVATE)
