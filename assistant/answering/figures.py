"""The figures engine: find the figures a question is about, then look up or compute.

Figures come from the curated table and from article sentences (extract.py); a question's names,
years and words pick them, with the embedding model breaking ties. Every result carries the
figures it rests on; arithmetic is shown, and units are never mixed.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

import numpy as np
from langchain_core.documents import Document

from ..ingest.corpus import Figure
from ..language.numbers import format_number, unit_scale
from ..language.periods import parse_period
from ..language.questions import Question
from ..language.words import tokenize


@dataclass
class Calculation:
    """Arithmetic shown to the user: `expression` evaluates to `result`."""

    expression: str
    result: float
    text: str
    steps: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        data = {"expression": self.expression, "result": self.result, "text": self.text}
        if self.steps:
            data["steps"] = self.steps
        return data


@dataclass
class Statement:
    """One sentence of a figure answer and the figures it must cite."""

    text: str
    figures: list[Figure]


@dataclass
class FigureAnswer:
    """A computed answer: its statements, the figures they rest on and the arithmetic shown."""

    statements: list[Statement] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    calculation: Calculation | None = None


def value_text(figure: Figure, value: float | None = None) -> str:
    """A value with its unit, written as people read it: "USD 17.8 billion", "60,000 TPS"."""
    value = figure.value if value is None else value
    unit = figure.unit.strip()
    currency = re.match(r"^([A-Z]{3})\s*(thousand|million|billion|trillion)?$", unit)
    if currency:
        scale = f" {currency.group(2)}" if currency.group(2) else ""
        return f"{currency.group(1)} {format_number(value)}{scale}"
    text = f"{format_number(value)} {unit}".strip()
    if abs(value) >= 1e6 and unit not in {"year", "rank"}:
        text += f" ({_human(value)})"
    return text


def _human(value: float) -> str:
    for word, scale in (("billion", 1e9), ("million", 1e6)):
        if abs(value) >= scale:
            return f"{format_number(round(value / scale, 2))} {word}"
    return format_number(value)


class FigureFinder:
    """Curated figures, and figures read from the text of the passages a question retrieves,
    matched to questions by names, years and meaning. Passages are read on first use."""

    def __init__(self, curated: list[Figure], vectors, glossary, passages: dict[str, Document],
                 extract, previous=lambda passage: None):
        self.glossary = glossary
        self._vectors_of = vectors
        self._passages = passages
        self._extract = extract
        self._previous = previous
        self.figures: list[Figure] = []
        self.texts: list[str] = []
        self.tokens: list[frozenset] = []
        self._vectors: list[np.ndarray] = []
        self._by_passage: dict[str, list[int]] = {}
        # A curated row states the same value as a mention in its source: keep the curated one.
        self._stated = {(f.source, round(f.value * unit_scale(f.unit), 6)) for f in curated}
        self._lock = threading.Lock()
        self._add(list(curated))
        self.curated = list(range(len(self.figures)))

    def _add(self, figures: list[Figure]) -> list[int]:
        start = len(self.figures)
        for fig in figures:
            text = self.describe(fig)
            self.figures.append(fig)
            self.texts.append(text)
            self.tokens.append(frozenset(tokenize(text)))
            self._vectors.append(None)  # embedded when a question first ranks it
        return list(range(start, len(self.figures)))

    def _embed(self, indexes: list[int]) -> None:
        missing = [i for i in indexes if self._vectors[i] is None]
        if missing:
            for i, vec in zip(missing, self._vectors_of([self.texts[i] for i in missing]),
                              strict=True):
                self._vectors[i] = np.asarray(vec, dtype=np.float32)

    def ensure(self, passage_ids) -> None:
        """Read the figures of these passages if that is not done yet."""
        if all(pid in self._by_passage or pid not in self._passages for pid in passage_ids):
            return
        with self._lock:
            for pid in dict.fromkeys(passage_ids):
                if pid in self._by_passage or pid not in self._passages:
                    continue
                passage = self._passages[pid]
                found = [f for f in self._extract(passage, self._previous(passage))
                         if (f.source, round(f.value * unit_scale(f.unit), 6)) not in self._stated]
                self._by_passage[pid] = self._add(found)

    def candidates(self, passage_ids) -> list[int]:
        """The curated figures and those of the given passages."""
        self.ensure(passage_ids)
        extracted = [i for pid in dict.fromkeys(passage_ids) for i in self._by_passage.get(pid, [])]
        return [*self.curated, *extracted]

    def is_curated(self, index: int) -> bool:
        return index < len(self.curated)

    def describe(self, fig: Figure) -> str:
        if fig.table == "extracted":  # the words around the number say what it measures
            at = fig.note.find(format_number(fig.value).split(".")[0][:3])
            return fig.note if at < 0 else fig.note[max(0, at - 90):at + 50]
        return f"{fig.entity} {fig.metric} {fig.period}: {format_number(fig.value)} {fig.unit}"

    def _mentions(self, index: int, name: str) -> float:
        """1 when the figure is about the name, 0.5 when its sentence only mentions it."""
        fig = self.figures[index]
        variants = [v.lower() for v in self.glossary.variants(name)]
        if any(v in fig.entity.lower() or fig.entity.lower() in v for v in variants
               if fig.entity):
            return 1.0
        if fig.table != "extracted" and any(v in fig.metric.lower() for v in variants):
            return 0.75  # "SMEs" names what a row of China's counts
        if fig.table == "extracted" and any(v in fig.note.lower() for v in variants):
            return 0.5
        return 0.0

    def rank(self, question: Question, vector, idf, passage_ids) -> list[tuple[float, int]]:
        """(score, index) of the candidate figures, best first."""
        indexes = self.candidates(passage_ids)
        if not indexes:
            return []
        q = np.asarray(vector, dtype=np.float32)
        self._embed(indexes)
        sims = {i: float(self._vectors[i] @ q) for i in indexes}
        words = [t for t in question.tokens if not t.isdigit()]
        weight = {t: max(idf(t) or 0.0, 0.1) for t in words}
        total = sum(weight.values()) or 1.0
        ranked = []
        for i in indexes:
            fig = self.figures[i]
            coverage = sum(w for t, w in weight.items() if t in self.tokens[i]) / total
            score = sims[i] + 0.6 * coverage
            if question.periods:
                score += 0.3 if fig.period[-4:] in question.periods else -0.3
            if self.is_curated(i):
                score += 0.05
            scaled = fig.value * unit_scale(fig.unit)
            if any(abs(v - n) <= 0.005 * abs(n) for n in question.numbers if n
                   for v in (fig.value, scaled)):
                score += 0.8  # the question states this very value (a resolved follow-up)
            ranked.append((score, i))
        ranked.sort(reverse=True)
        return ranked

    def match(self, question: Question, idf, passage_ids) -> float:
        """How well the figures fit the question: for each thing it names, the best figure
        about it, in the period asked, measuring what is asked (IDF-weighted words); the
        weakest of those. Near 0 when the sources hold figures on the subject but not the one
        asked for."""
        named = {t for n in question.names for t in tokenize(n)}
        words = [t for t in question.tokens if t not in named and not t.isdigit()]
        weight = {t: max(idf(t) or 0.0, 0.1) for t in words}
        total = sum(weight.values())
        fits: dict[str, float] = {}
        for i in self.candidates(passage_ids):
            fig = self.figures[i]
            if question.periods and fig.period[-4:] not in question.periods:
                continue
            if question.quarters and not any(q in fig.period for q in question.quarters):
                continue
            own = self.tokens[i]
            coverage = sum(w for t, w in weight.items() if t in own) / total if total else 1.0
            for name in question.names or [""]:
                about = self._mentions(i, name) if name else 1.0
                fits[name] = max(fits.get(name, 0.0), about * coverage)
        return min((fits.get(n, 0.0) for n in question.names or [""]), default=0.0)

    def pick(self, question: Question, vector, idf, passage_ids, floor: float = 0.3,
             strict: bool = False) -> list[Figure]:
        """The two figures to compute with: one per name (or per year), the best-scoring
        comparable pair. `strict`: each must be about its name, in the same period."""
        ranked = [(s, i) for s, i in self.rank(question, vector, idf, passage_ids)
                  if s >= floor][:40]
        if not ranked:
            return []
        names = [n for n in question.names if not re.fullmatch(r"\d+", n)]
        if len(question.periods) >= 2 and len(names) >= 2:  # "A's 2014 against B's 2015"
            slots = [[(s - 0.3 * (1 - m), i) for s, i in ranked
                      for m in [self._mentions(i, name)] if m >= 0.5
                      and self.figures[i].period[-4:] == period]
                     for name, period in zip(names[:2], question.periods[:2], strict=False)]
        elif len(question.periods) >= 2:
            slots = [[(s, i) for s, i in ranked if self.figures[i].period[-4:] == period]
                     for period in question.periods[:2]]
        elif len(names) >= 2:
            # One slot per name; of several names, the first two whose figures differ
            # ("Acme's EU customers" and "Globex's": Acme and EU may share a figure).
            by_name = [[(s - 0.3 * (1 - m), i) for s, i in ranked
                        for m in [self._mentions(i, name)] if m >= (1 if strict else 0.5)]
                       for name in names]
            by_name = [b for b in by_name if b]
            slots = by_name[:2]
            for j in range(1, len(by_name)):
                if by_name[j][0][1] != by_name[0][0][1]:
                    slots = [by_name[0], by_name[j]]
                    break
        else:
            slots = [ranked, ranked]
        if strict and (len(names) < 2 or len(slots) < 2):
            return []
        if len(slots) < 2:
            slots = [ranked, ranked]
        pairs = []
        for sa, a in slots[0][:8]:
            for sb, b in slots[1][:8]:
                fa, fb = self.figures[a], self.figures[b]
                if a == b or fa.value == fb.value or not comparable(fa, fb):
                    continue
                if strict and (fa.period != fb.period or not self._same_measure(a, b)):
                    continue
                value = sa + sb + (0.3 if fa.unit == fb.unit else 0.0)
                value += 0.2 if fa.period == fb.period and len(question.periods) < 2 else 0.0
                pairs.append((value, _year(fa.period) + _year(fb.period), fa, fb))
        if not pairs:
            return []
        best = max(p[0] for p in pairs)
        close = [p for p in pairs if p[0] >= best - 0.25]
        # No period asked: of the pairs that fit about as well, the newest.
        chosen = max(close, key=lambda p: (p[1], p[0])) if not question.periods else \
            max(pairs, key=lambda p: p[0])
        return [chosen[2], chosen[3]]

    def _same_measure(self, a: int, b: int) -> bool:
        """Two figures of one measure: the same metric, or closely similar context."""
        fa, fb = self.figures[a], self.figures[b]
        if "extracted" not in {fa.table, fb.table}:
            return fa.metric.lower() == fb.metric.lower()
        return float(self._vectors[a] @ self._vectors[b]) >= 0.6

    def compute(self, question: Question, vector, idf, passage_ids, strict: bool = False
                ) -> FigureAnswer | None:
        """The asked arithmetic on the two figures the question is about, shown step by step."""
        chosen = self.pick(question, vector, idf, passage_ids, strict=strict)
        if len(chosen) < 2:
            return None
        return calculate(question.operation or "compare", chosen)


def _period_order(fig: Figure) -> tuple:
    """Figures in time order: by when their period ends, where it reads as a date."""
    period = parse_period(fig.period)
    return (period.end.isoformat(), fig.period) if period else (fig.period[-4:], fig.period)


def _year(period: str) -> int:
    found = re.search(r"(19|20)\d\d", period or "")
    return int(found.group(0)) - 1900 if found else 0


def _unit_kind(unit: str) -> tuple[str, str]:
    """What a unit measures: money in one currency, a rate, a count of things, or neither."""
    unit = unit.strip()
    currency = re.match(r"^([A-Z]{3})\b", unit)
    if currency:
        return "currency", currency.group(1)
    low = unit.lower()
    if " per " in f" {low} " or low in {"year", "rank", "percent", "%"}:
        return "other", low
    return "count", ""


def comparable(a: Figure, b: Figure) -> bool:
    """Figures that may enter one calculation: same currency, same rate, or both counts."""
    return _unit_kind(a.unit) == _unit_kind(b.unit) and unit_scale(a.unit) == unit_scale(b.unit)


def calculate(operation: str, figures: list[Figure]) -> FigureAnswer | None:
    """Arithmetic on two comparable figures: growth over time, or a comparison of two things."""
    a, b = figures[:2]
    if not comparable(a, b):
        return None
    if operation == "growth" or (a.entity == b.entity and a.period != b.period
                                 and operation not in {"ratio", "share", "difference"}):
        first, last = sorted((a, b), key=_period_order)
        return growth_between(first, last)
    big, small = sorted((a, b), key=lambda f: -f.value)
    if operation == "share":
        return _share(part=small, whole=big)
    if operation == "difference":
        return _difference(big, small)
    result = _ratio(big, small)
    if operation == "compare":
        diff = _difference(big, small)
        result.statements.append(diff.statements[-1])
        result.calculation.steps = [_step(result.calculation), _step(diff.calculation)]
    return result


def _step(calc: Calculation) -> dict:
    return {"expression": calc.expression, "result": calc.result}


def _possessive(name: str) -> str:
    return name + ("'" if name.endswith("s") else "'s")


def _names(a: Figure, b: Figure) -> tuple[str, str]:
    """How to name two figures in one sentence: by entity, or by metric when entities agree."""
    if a.entity != b.entity:
        return f"{_possessive(a.entity)} figure", _possessive(b.entity)
    if a.metric != b.metric and "extracted" not in {a.table, b.table}:
        return f"{a.entity} {a.metric}", f"{b.metric}"
    return f"The {a.period} figure", f"the {b.period} one"


def _label(f: Figure) -> str:
    """"Acme revenue (2015, reported 2016-11)": what, when, and when it was said."""
    when = ", ".join(x for x in (f.period, f"reported {f.as_of}" if f.as_of else "") if x)
    period = f" ({when})" if when else ""
    if f.table == "extracted":  # its "metric" is only the words before the number
        return f"{f.entity or 'The source'}{period}"
    return f"{f.entity} {f.metric}{period}"


def _intro(a: Figure, b: Figure) -> list[Statement]:
    return [Statement(f"{_label(f)}: {value_text(f)}.", [f]) for f in (a, b)]


def _ratio(a: Figure, b: Figure) -> FigureAnswer:
    result = round(a.value / b.value, 2)
    expression = f"{plain_number(a.value)} / {plain_number(b.value)}"
    first, second = _names(a, b)
    text = (f"{first} is about {format_number(result)} times {second} "
            f"({format_number(a.value)} / {format_number(b.value)} ≈ {format_number(result)}).")
    statements = _intro(a, b) + [Statement(text, [a, b])]
    return FigureAnswer(statements, [a, b], Calculation(expression, result, text))


def _difference(a: Figure, b: Figure) -> FigureAnswer:
    result = round(a.value - b.value, 4)
    expression = f"{plain_number(a.value)} - {plain_number(b.value)}"
    text = (f"The difference is {format_number(a.value)} − {format_number(b.value)} = "
            f"{value_text(a, result)}.")
    statements = _intro(a, b) + [Statement(text, [a, b])]
    return FigureAnswer(statements, [a, b], Calculation(expression, result, text))


def growth_between(a: Figure, b: Figure) -> FigureAnswer:
    change = round(b.value - a.value, 4)
    pct = round((b.value - a.value) / a.value * 100, 1)
    multiple = round(b.value / a.value, 2)
    before, after = plain_number(a.value), plain_number(b.value)
    expression = f"({after} - {before}) / {before} * 100"
    text = (f"From {a.period} to {b.period} it changed by {format_number(b.value)} − "
            f"{format_number(a.value)} = {format_number(change)} ({format_number(pct)}%, "
            f"{format_number(b.value)} / {format_number(a.value)} ≈ {format_number(multiple)}×).")
    statements = _intro(a, b) + [Statement(text, [a, b])]
    calc = Calculation(expression, pct, text, steps=[
        {"expression": f"{plain_number(b.value)} - {plain_number(a.value)}", "result": change},
        {"expression": f"{plain_number(b.value)} / {plain_number(a.value)}", "result": multiple},
    ])
    return FigureAnswer(statements, [a, b], calc)


def _share(part: Figure, whole: Figure) -> FigureAnswer:
    pct = round(part.value / whole.value * 100, 2)
    expression = f"{plain_number(part.value)} / {plain_number(whole.value)} * 100"
    text = (f"That is {format_number(part.value)} / {format_number(whole.value)} × 100 ≈ "
            f"{format_number(pct)}%.")
    statements = _intro(part, whole) + [Statement(text, [part, whole])]
    return FigureAnswer(statements, [part, whole], Calculation(expression, pct, text))


def plain_number(value: float) -> str:
    """A value as arithmetic writes it: "3440000", "17.8"."""
    return str(int(value)) if float(value).is_integer() else repr(value)
