"""The briefing workspace behind the UI: the swappable assistant, where its files go, and what
each UI action does (ask, vote, export, re-index), without any gradio.
"""

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import AssistantError
from .answer_text import chat_text
from .briefing import briefing_markdown, write_briefing
from .display import (
    SEARCHING,
    SEARCHING_PANEL,
    render_sources,
    safe_markdown,
    stream_steps,
)
from .feedback import append_feedback, feedback_record, vote_name

log = logging.getLogger(__name__)

FAILED = "⚠️ Something went wrong answering that; please try again."
MAX_COMMENT_CHARS = 4000  # a comment says what was wrong; the feedback file stays small


@dataclass
class Workspace:
    """The assistant the UI talks to (swapped on re-index) and the folder its files go in."""

    bot: object
    data_dir: Path

    def ask(self, question: str, history: list[dict], since: int | None = None):
        # `since` only when asked: anything with ask(question, history) can be served.
        if since:
            return self.bot.ask(question, history, since=since)
        return self.bot.ask(question, history)


def history_of(answers: list[dict | None]) -> list[dict]:
    """The conversation so far, as the assistant's history: questions and answers as asked."""
    history = []
    for answer in answers:
        if answer:
            history += [{"role": "user", "content": answer["question"]},
                        {"role": "assistant", "content": answer["answer"]}]
    return history


def make_respond(bot, delay: float = 0.02, panel=render_sources):
    """The chat handler: a generator of (textbox, chat, answers, sources panel) updates.

    `bot` is anything with `ask(question, history)`; `panel(answer, number)` is the Sources
    panel's HTML. The first update shows the question and a searching note at once; the answer
    text then streams in, and the sources come last.
    """

    def respond(message: str, chat: list[dict], answers: list[dict | None], since=None):
        # Each update is a new list: Gradio may still be sending the previous one.
        asked = [*(chat or []), {"role": "user", "content": safe_markdown(message or "")}]
        answers = list(answers or [])
        yield "", [*asked, {"role": "assistant", "content": SEARCHING}], answers, SEARCHING_PANEL
        try:
            year = int(since) if str(since or "").isdigit() else None  # "all years": none
            answer = (bot.ask(message, history_of(answers), since=year) if year else
                      bot.ask(message, history_of(answers))).to_dict()
            reply = chat_text(answer)
        except AssistantError as exc:
            answer, reply = None, f"⚠️ {safe_markdown(str(exc))}"
        except Exception:  # the reader sees a message, never a traceback
            log.exception("failed to answer")
            answer, reply = None, FAILED
        for partial in stream_steps(reply)[:-1]:
            yield "", [*asked, {"role": "assistant", "content": partial}], answers, SEARCHING_PANEL
            time.sleep(delay)  # paced, so the reader sees the answer arrive
        answers = [*answers, answer]
        yield ("", [*asked, {"role": "assistant", "content": reply}], answers,
               panel(answer, len(answers)))

    return respond


def answer_for_row(answers: list[dict | None], index) -> tuple[int, dict | None]:
    """The answer behind a chat row (rows alternate question/answer; answer k is row 2k+1)."""
    row = index if isinstance(index, int) else index[0]
    k = row // 2
    return k, (answers[k] if 0 <= k < len(answers) else None)


def comment_too_long(comment: str | None) -> str:
    """A message when a comment is over the limit, else ""."""
    length = len((comment or "").strip())
    if length <= MAX_COMMENT_CHARS:
        return ""
    return (f"Your comment is {length:,} characters long; please keep it under "
            f"{MAX_COMMENT_CHARS:,}.")


def record_vote(workspace: Workspace, answers: list, index, liked, comment: str) -> str:
    """Record a thumbs up/down (with the optional comment); returns a note for the reader."""
    k, answer = answer_for_row(answers, index)
    if not answer:
        return "That message is not an answer; nothing was recorded."
    vote = vote_name(liked)
    too_long = comment_too_long(comment)
    if too_long:
        return too_long + " Nothing was recorded."
    append_feedback(workspace.data_dir, feedback_record(answer, vote, comment))
    return f"Thanks: your {vote} vote on answer {k + 1} was recorded."


def export_answers(workspace: Workspace, answers: list, selected: int | None,
                   whole: bool) -> Path | None:
    """Write the selected answer, or every answer, as a Markdown briefing; None if none."""
    numbered = [(k + 1, a) for k, a in enumerate(answers or []) if a]
    if not whole:
        numbered = [(k, a) for k, a in numbered if k - 1 == selected]
    if not numbered:
        return None
    if whole:
        text = briefing_markdown(numbered)
    else:
        text = briefing_markdown(numbered, title="Briefing: one answer")
    return write_briefing(workspace.data_dir, "conversation" if whole else "answer", text)


def reindex(workspace: Workspace, progress) -> str:
    """Re-open the assistant over its corpus (embedding only changes) and swap it in."""
    from ..pipeline import Assistant

    old = workspace.bot
    progress(0.0, desc="Loading the corpus…")
    try:
        new = Assistant.open(settings=old.settings, embeddings=old.embeddings,
                             progress=lambda done, total: progress(
                                 (done, total), desc="Embedding passages", unit="passages"))
    except AssistantError as exc:
        return f"⚠️ {safe_markdown(str(exc))} The previous index is still in use."
    except Exception:
        log.exception("re-index failed")
        return "⚠️ Re-indexing failed; the previous index is still in use."
    workspace.bot = new  # handlers read workspace.bot, so new questions use the new index
    return f"Re-indexed: {new.report.summary()}."


def record_comment(workspace: Workspace, answers: list, selected: int | None,
                   comment: str) -> str:
    """Record a comment on the selected answer without a vote; returns a note for the reader."""
    answer = answers[selected] if selected is not None and 0 <= selected < len(answers) else None
    if not comment or not comment.strip():
        return "Type a comment first."
    if not answer:
        return "Select an answer in the chat first; nothing was recorded."
    too_long = comment_too_long(comment)
    if too_long:
        return too_long + " Nothing was recorded."
    append_feedback(workspace.data_dir, feedback_record(answer, None, comment))
    return f"Thanks: your comment on answer {selected + 1} was recorded."
