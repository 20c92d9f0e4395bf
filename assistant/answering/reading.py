"""Read what a user typed: check it, clean it, repair shorthand and typos, and make a follow-up
standalone from the conversation (by rules, or by the chat model when one is configured)."""

from __future__ import annotations

import logging
import re
from functools import partial

from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel

from ..config import Settings
from ..errors import AssistantError
from ..ingest.glossary import Glossary
from ..language.spelling import CORPUS_SAMPLE, Speller, acronyms_in, name_casing
from ..language.text import clean_text, expand_abbreviations, strip_markup
from .followup import resolve
from .generate import condense

log = logging.getLogger(__name__)


def make_speller(passages: list[Document], glossary: Glossary, casing=None) -> Speller:
    """Typo repair that knows the corpus's own words and acronyms; `casing`: how it writes its
    names (a callable, read on first need), else read from the passages here."""
    words = {w for p in passages for w in re.findall(r"[a-z][a-z\-]+", p.page_content.lower())}
    sample = [p.page_content for p in passages if p.metadata.get("kind") == "text"][:CORPUS_SAMPLE]
    return Speller(words | glossary.words(), partial(acronyms_in, sample),
                   casing or partial(name_casing, sample))


class QuestionReader:
    """Turns raw input and chat history into (cleaned, standalone, previous answer)."""

    def __init__(self, settings: Settings, speller: Speller, chat: BaseChatModel | None = None):
        self.settings = settings
        self.speller = speller
        self.chat = chat

    def prepare(self, question: str, history: list[dict] | None) -> tuple[str, str, str]:
        """Check and clean a question and make it standalone; (cleaned, resolved, the previous
        answer's text)."""
        limit = self.settings.max_question_chars
        if not isinstance(question, str):
            raise AssistantError("Please type a question about the sources.")
        # Refuse the oversized before any pattern runs on them (markup may be stripped below,
        # so a raw text several times the limit can never become a valid question).
        if len(question) > 4 * limit:
            raise _too_long(len(question), limit)
        cleaned = clean_text(strip_markup(question))
        if not re.search(r"\w", cleaned):
            raise AssistantError("Please type a question about the sources.")
        if len(cleaned) > limit:
            raise _too_long(len(cleaned), limit)
        past = self.history(history)
        previous = next((m["content"] for m in reversed(past) if m["role"] == "assistant"), "")
        # Resolution may bring in text of earlier turns: cleaned the same way as the question.
        resolved = clean_text(strip_markup(self._resolve(self.normalize(cleaned), past)))
        return cleaned, resolved, previous

    def history(self, history: list[dict] | None) -> list[dict]:
        """The recent turns only, each cut to a sane length: history comes from the client and
        is not trusted to be small or well formed."""
        turns = [m for m in (history or []) if isinstance(m, dict)
                 and m.get("role") in {"user", "assistant"}][-6:]
        caps = {"user": self.settings.max_question_chars, "assistant": 4000}
        return [{"role": m["role"], "content": self.normalize(clean_text(strip_markup(
            str(m.get("content") or "")[:caps[m["role"]]])))} for m in turns]

    def normalize(self, text: str) -> str:
        """Expand hurried shorthand and repair words that are neither English nor the corpus's."""
        return self.speller.correct(expand_abbreviations(text))

    def _resolve(self, question: str, past: list[dict]) -> str:
        """The standalone question: condensed by the model when there is one, else by rules."""
        if self.chat is not None and past:
            try:
                return condense(self.chat, question, past)
            except Exception as exc:  # any client error: the rules still work
                log.warning("condensing the question failed (%s); using rules", exc)
        return resolve(question, past)


def _too_long(length: int, limit: int) -> AssistantError:
    return AssistantError(f"The question is {length:,} characters long; please keep it under "
                          f"{limit:,}.")
