"""Conversations kept in the reader's browser: several of them, each its questions and
answers, so a reload (or coming back later) finds the conversation where it was left.

What the browser holds is not trusted: it is rebuilt into chat messages the same way a fresh
answer is (escaped), and anything malformed is dropped rather than shown. It is also sent back
with every answer, so it is kept small: passages are stored by reference (document and
paragraph) and read again from the index, and the oldest conversations give way first.
"""

import html
import json
import os
import secrets
from pathlib import Path

from .answer_text import chat_text
from .display import safe_markdown

MAX_CONVERSATIONS = 20
MAX_TURNS = 40
MAX_STORE_BYTES = 200_000  # well under the 512 KB request limit the store travels within
KEPT = ("question", "answer", "resolved_question", "abstained", "citations", "figures",
        "calculation")
NOT_ANSWERED = "⚠️ This question was not answered; please ask it again."


def browser_secret(data_dir: Path) -> str:
    """The key the browser's copy is encrypted with, kept in the data folder so conversations
    outlive a server restart (a fresh key per start would make every stored one unreadable).
    Made once, readable by this user only."""
    path = Path(data_dir) / "browser-state.key"
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(24)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another server made it first: use theirs
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key


def empty_store() -> dict:
    return {"conversations": [], "current": ""}


def new_id() -> str:
    return secrets.token_hex(6)


def _text(content) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # a message of parts: its text parts
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return str(content or "")


def turns_of(chat: list, answers: list) -> list[dict]:
    """The conversation as {question, answer} turns; an answer keeps only what is shown."""
    users = [m for m in chat or [] if isinstance(m, dict) and m.get("role") == "user"]
    turns = []
    for k, answer in enumerate(answers or []):
        if answer:
            kept = {key: answer.get(key) for key in KEPT}
            kept["citations"] = [{k: v for k, v in c.items() if k != "text"}
                                 for c in answer.get("citations") or []]
            turns.append({"question": answer.get("question", ""), "answer": kept})
        elif k < len(users):
            turns.append({"question": html.unescape(_text(users[k].get("content"))),
                          "answer": None})
    return turns[-MAX_TURNS:]


def save(store: dict | None, conv_id: str, chat: list, answers: list) -> dict:
    """The store with this conversation brought up to date (newest first)."""
    store = store if isinstance(store, dict) else empty_store()
    others = [c for c in store.get("conversations") or []
              if isinstance(c, dict) and c.get("id") != conv_id]
    turns = turns_of(chat, answers)
    if not turns:
        return {"conversations": others, "current": conv_id}
    title = " ".join(turns[0]["question"].split())[:70] or "Conversation"
    mine = {"id": conv_id, "title": title, "turns": turns}
    kept = [mine, *others][:MAX_CONVERSATIONS]
    while len(kept) > 1 and len(json.dumps(kept)) > MAX_STORE_BYTES:
        kept.pop()  # the oldest goes first
    while len(mine["turns"]) > 1 and len(json.dumps(kept)) > MAX_STORE_BYTES:
        mine["turns"].pop(0)  # one very long conversation keeps its latest turns
    return {"conversations": kept, "current": conv_id}


def passage_reader(bot):
    """The text of a cited passage by document and paragraph, from the open index ("" when
    it is no longer there)."""

    def read(doc_id: str, locator: str) -> str:
        for p in bot.passages_by_doc.get(doc_id, []):
            if p.metadata.get("locator") == locator:
                return p.page_content
        return ""

    return read


def restore(store: dict | None, conv_id: str | None = None,
            read=lambda doc_id, locator: "") -> tuple[str, list, list]:
    """(id, chat messages, answers) of a stored conversation: the one asked for, else the
    current one; a new empty one when there is none. `read` gives cited passages their text
    back (without it, or when a passage is gone, the quote stands for it)."""
    store = store if isinstance(store, dict) else empty_store()
    wanted = conv_id or store.get("current")
    for conv in store.get("conversations") or []:
        if isinstance(conv, dict) and conv.get("id") == wanted:
            try:
                chat, answers = _rebuild(conv.get("turns") or [], read)
            except (AttributeError, KeyError, TypeError, ValueError):
                break  # not something this page wrote: start afresh
            return wanted, chat, answers
    return new_id(), [], []


def _rebuild(turns: list, read) -> tuple[list, list]:
    chat, answers = [], []
    for turn in turns[-MAX_TURNS:]:
        answer = turn.get("answer")
        if answer is not None:
            citations = [{**c, "text": read(str(c.get("doc_id", "")), str(c.get("locator", "")))
                          or str(c.get("quote", ""))} for c in answer.get("citations") or []]
            answer = {**answer, "question": str(answer.get("question", "")),
                      "answer": str(answer.get("answer", "")), "citations": citations}
            reply = chat_text(answer)
        else:
            reply = NOT_ANSWERED
        chat += [{"role": "user", "content": safe_markdown(str(turn.get("question", "")))},
                 {"role": "assistant", "content": reply}]
        answers.append(answer)
    return chat, answers


def choices(store: dict | None) -> list[tuple[str, str]]:
    """(title, id) of each stored conversation, newest first."""
    store = store if isinstance(store, dict) else empty_store()
    return [(str(c.get("title", "Conversation")), str(c.get("id")))
            for c in store.get("conversations") or [] if isinstance(c, dict) and c.get("id")]
