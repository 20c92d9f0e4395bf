"""An answer's text as the chat shows it: the result first, lists as lists, each source marked
once where it is needed.

Only the presentation changes: the words are the engine's, and the answer object keeps its
text as it was. Citation marks stay `[n]` in the Markdown; the page turns them into chips.
"""

from __future__ import annotations

import re

from .display import safe_markdown, was_rewritten

_SENTENCE = re.compile(r"\S.*?(?:[.!?…][”’\"')]*(?:\s*\[\d+\])*|\Z)(?=\s|\Z)", re.DOTALL)
_MARKS = re.compile(r"(?:\s*\[\d+\])+\s*$")


def chat_text(answer: dict) -> str:
    """The answer as a chat message (Markdown, sources neutralized)."""
    text = as_markdown_lists(lead_first(answer["answer"], answer.get("calculation")))
    text = safe_markdown(collapse_citations(text))
    if was_rewritten(answer):
        text = f"*Understood as: {safe_markdown(answer['resolved_question'])}*\n\n{text}"
    return text


def lead_first(text: str, calculation: dict | None) -> str:
    """A computed answer opens with its result; the figures it rests on follow."""
    result = (calculation or {}).get("text", "")
    start = text.find(result) if result else -1
    # A result that points back ("That is…") reads only after what it points to. A result
    # already in front still gets a paragraph of its own.
    if start < 0 or re.match(r"(?:- )?(?:That|This|These|Those|It|Its)\b", result):
        return text
    end = start + len(result)
    marks = re.match(r"(?:\s*\[\d+\])*", text[end:]).group(0)
    # A result given as the last item of a list leads as a sentence of its own.
    lead = text[start:end].removeprefix("- ") + marks
    rest = (text[:start] + text[end + len(marks):]).strip()
    return f"{lead}\n\n{rest}" if rest else lead


def as_markdown_lists(text: str) -> str:
    """List items on lines of their own, after a blank line, so they render as a list."""
    text = re.sub(r"(?<=[\].!?:”’])[ \t]+- (?=\S)", "\n- ", text)
    lines, out = text.split("\n"), []
    for line in lines:
        item = line.startswith("- ")
        if item and out and out[-1].strip() and not out[-1].startswith("- "):
            out.append("")
        out.append(line)
    return "\n".join(out)


def sentences(paragraph: str) -> list[str]:
    """The sentences of a paragraph, each with the citation marks that follow it."""
    return [m.group(0).strip() for m in _SENTENCE.finditer(paragraph) if m.group(0).strip()]


def collapse_citations(text: str) -> str:
    """Each source once per sentence, and not again on the next sentence when it cites only
    the same sources: a run of sentences from one passage carries one mark, at its end."""
    out = []
    for line in text.split("\n"):
        if not line.strip():
            out.append(line)
            continue
        parts = sentences(line)
        marks = [list(dict.fromkeys(re.findall(r"\[(\d+)\]", _MARKS.search(s).group(0))))
                 if _MARKS.search(s) else [] for s in parts]
        bodies = [_MARKS.sub("", s).rstrip() for s in parts]
        kept = []
        for i, (body, own) in enumerate(zip(bodies, marks, strict=True)):
            following = marks[i + 1] if i + 1 < len(marks) else None
            show = own if own != following else []
            kept.append(body + "".join(f" [{n}]" for n in show))
        out.append(" ".join(kept))
    return "\n".join(out)
