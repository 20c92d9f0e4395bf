"""Markdown briefings: one answer or a whole conversation, with quotes and sources, as files.

Files go into one exports folder, the only folder the UI serves files from.
"""

from __future__ import annotations

import os
import secrets
from datetime import datetime
from pathlib import Path

from .display import format_value, was_rewritten

EXPORTS = "exports"


def exports_dir(data_dir: str | Path) -> Path:
    """The folder under the data folder that holds exported briefings."""
    return Path(data_dir) / EXPORTS


def _md(text: str) -> str:
    # Source text in a Markdown file: keep it readable, but no raw HTML, images or links run
    # when the file is opened in a renderer.
    return str(text).replace("<", "&lt;").replace("![", "!\\[").replace("](", "]\\(")


def answer_markdown(answer: dict, number: int | None = None) -> str:
    """One answer as a Markdown section: question, answer, figures, calculation, sources."""
    heading = f"## {number}. " if number else "## "
    lines = [heading + _md(" ".join(answer["question"].split())), ""]
    if was_rewritten(answer):
        lines += [f"*Understood as: {_md(answer['resolved_question'])}*", ""]
    lines += [_md(answer["answer"]), ""]
    figures = answer.get("figures") or []
    if figures:
        lines += ["**Figures**", "", "| Entity | Metric | Period | Value | Unit | Source |",
                  "|---|---|---|---:|---|---|"]
        for f in figures:
            cells = [f.get("entity", ""), f.get("metric", ""), f.get("period", ""),
                     format_value(f.get("value"), f.get("unit", "")), f.get("unit", ""),
                     " ".join(x for x in (f.get("source", ""), f.get("locator", "")) if x)]
            lines.append("| " + " | ".join(_md(c).replace("|", "\\|") for c in cells) + " |")
        lines.append("")
    calc = answer.get("calculation")
    if calc:
        lines += [f"**Calculation:** `{calc['expression']} = {format_value(calc['result'])}`", ""]
    if answer.get("citations"):
        lines += ["**Sources**", ""]
        for c in answer["citations"]:
            details = ", ".join(_md(x) for x in (c.get("author"), c.get("published"),
                                                c.get("locator")) if x)
            lines.append(f"{c['n']}. *{_md(c.get('title', ''))}*" + (f", {details}"
                                                                      if details else ""))
            lines.append(f"   > {_md(c['quote'])}")
        lines.append("")
    return "\n".join(lines)


def briefing_markdown(answers: list[tuple[int, dict]], title: str = "Briefing") -> str:
    """A briefing document of numbered answers, with a date line."""
    stamp = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z").strip()
    count = f"{len(answers)} question" + ("s" if len(answers) != 1 else "")
    lines = [f"# {title}", "", f"Exported {stamp} from the briefing assistant; "
             f"{count}. Every answer is quoted from the sources listed under it.", ""]
    for number, answer in answers:
        lines.append(answer_markdown(answer, number))
    return "\n".join(lines).rstrip() + "\n"


def write_briefing(data_dir: str | Path, kind: str, text: str) -> Path:
    """Write a briefing into the exports folder under an unguessable, dated name."""
    folder = exports_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"briefing-{kind}-{datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(4)}.md"
    path = folder / name
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    return path
