"""Check an answer before it is returned: every sentence cited, every number backed by a source."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ..language.instructions import addresses_the_reader
from ..language.numbers import AMOUNT, SCALE, unit_scale

CITATION = re.compile(r"\[(\d+)\]")
def numbers_in(text: str) -> list[tuple[str, set[float]]]:
    """Each number written in the text, with the values it may stand for (raw and scaled)."""
    found = []
    for match in AMOUNT.finditer(CITATION.sub(" ", text)):
        raw = float(match.group(1).replace(",", ""))
        values = {raw}
        if match.group(2):
            values.add(raw * SCALE[match.group(2).lower()])
        if match.group(3):
            values.add(raw / 100)
        found.append((match.group(0).strip(), values))
    return found


def backed_values(figures: list[dict], calculation: dict | None) -> set[float]:
    """Numbers that cited figures (value, period, note) and a shown calculation vouch for."""
    values: set[float] = set()
    for fig in figures:
        value = float(fig["value"])
        values |= {value, value * unit_scale(fig.get("unit", ""))}
        context = f"{fig.get('period', '')} {fig.get('as_of', '')} {fig.get('note', '')}"
        values |= {v for _, vs in numbers_in(context) for v in vs}
    if calculation:
        for step in [calculation, *calculation.get("steps", [])]:
            values.add(float(step["result"]))
            values |= {v for _, vs in numbers_in(step["expression"]) for v in vs}
        values |= {v for _, vs in numbers_in(calculation.get("text", "")) for v in vs}
    return values


def supported(values: set[float], allowed: set[float]) -> bool:
    """True when a number matches an allowed value, allowing for rounding in the last digits."""
    for value in values:
        for ok in allowed:
            if value == ok or (ok and abs(value - ok) / abs(ok) <= 0.006):
                return True
    return False


@dataclass
class Verification:
    """What verification checked and what it removed."""

    sentences: int = 0
    dropped_sentences: int = 0
    dangling_citations: int = 0
    unverified_numbers: int = 0
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"sentences": self.sentences, "dropped_sentences": self.dropped_sentences,
                "dangling_citations": self.dangling_citations,
                "unverified_numbers": self.unverified_numbers, "notes": self.notes}


_BOUNDARY = re.compile(r"[.!?][\"”’)]*(?:\s*\[\d+\])*(?=\s+[A-Z0-9“\"(*]|\s+- )|\n+")


def split_answer(text: str) -> list[str]:
    """Split answer text into sentences, each keeping its [n] markers (before or after the stop)."""
    sentences, start = [], 0
    text = text.strip()
    for match in _BOUNDARY.finditer(text):
        piece = text[start:match.end()].strip()
        if piece.count("“") > piece.count("”") or piece.count("**") % 2:
            continue  # inside a quoted title or a bold heading: not a sentence end
        if piece:
            sentences.append(piece)
        start = match.end()
    if text[start:].strip():
        sentences.append(text[start:].strip())
    return sentences


def verify_answer(
    sentences: list[str], cited_texts: dict[int, str], extra_values: set[float],
    check: Callable[[str, dict[int, str]], str] | None = None,
) -> tuple[list[str], Verification]:
    """Keep the sentences whose citations exist and whose numbers the cited sources hold.

    `check` may reject a sentence for another reason (returned as text, "" to keep it).
    """
    report = Verification(sentences=len(sentences))
    kept = []
    for sentence in sentences:
        if addresses_the_reader(CITATION.sub("", sentence)):
            # Documents are data: an order to an assistant is never an answer's content,
            # whichever answer form (or language model) put it there.
            report.dropped_sentences += 1
            report.notes.append("dropped a sentence giving orders to an assistant")
            continue
        refs = [int(n) for n in CITATION.findall(sentence)]
        if not refs or any(n not in cited_texts for n in refs):
            report.dangling_citations += sum(1 for n in refs if n not in cited_texts)
            report.dropped_sentences += 1
            report.notes.append(f"dropped a sentence without a valid citation: {sentence[:60]}")
            continue
        allowed = set(extra_values)
        for n in refs:
            allowed |= {v for _, vs in numbers_in(cited_texts[n]) for v in vs}
        bad = [raw for raw, values in numbers_in(sentence) if not supported(values, allowed)]
        if bad:
            report.unverified_numbers += len(bad)
            report.dropped_sentences += 1
            report.notes.append(f"dropped a sentence with unsupported number(s) {', '.join(bad)}")
            continue
        reason = check(sentence, cited_texts) if check else ""
        if reason:
            report.dropped_sentences += 1
            report.notes.append(f"dropped a sentence: {reason}")
            continue
        kept.append(sentence)
    return kept, report
