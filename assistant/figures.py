"""The figures engine: match a question to figures-table rows, then look up or compute.

Every result carries the figures it rests on; arithmetic is shown, and units are never mixed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .corpus import Figure
from .passages import format_number
from .questions import CONCEPTS, ENTITIES, Question, concepts_in, content_tokens, display_name
from .verify import unit_scale

UNIT_CONCEPTS = {"usd", "rmb"}
# A parent named in a question may stand for its unit ("Alibaba's cloud" is AliCloud).
RELATED = {"alibaba": {"alicloud"}, "microsoft": {"azure"}, "google": set(), "us": set()}


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
    """What the figures table says about a question, or why it cannot answer it."""

    statements: list[Statement] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    calculation: Calculation | None = None
    missing: str = ""  # set when the table holds nearby figures but not the one asked for


@dataclass
class _Series:
    entity: str
    metric: str
    entity_key: str
    metric_keys: set[str]
    figures: list[Figure]


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


class FigureBook:
    """The figures table, grouped into series (one entity and metric, several periods)."""

    def __init__(self, figures: list[Figure]):
        self.figures = figures
        series: dict[tuple[str, str], _Series] = {}
        for fig in figures:
            key = (fig.entity.lower(), fig.metric.lower())
            if key not in series:
                entity_key = (concepts_in(fig.entity, ENTITIES) or [fig.entity.lower()])[0]
                metric_keys = {c for c in concepts_in(fig.metric, CONCEPTS)} - UNIT_CONCEPTS
                metric_keys |= {t for t in content_tokens(fig.metric) if not t.startswith("§")}
                series[key] = _Series(fig.entity, fig.metric, entity_key, metric_keys, [])
            series[key].figures.append(fig)
        self.series = list(series.values())

    def answer(self, question: Question) -> FigureAnswer | None:
        """Answer a quantity question from the table, or None when no figure is about it."""
        asked = set(question.concepts) | set(question.tokens)
        matched = [s for s in self.series if s.metric_keys & asked]
        if not matched:
            return None
        named = set(question.entities)
        expanded = named | {r for e in named for r in RELATED.get(e, set())}
        kept = []
        for s in matched:
            if s.entity_key in expanded:
                kept.append(s)
            elif not any(o.entity_key in expanded and o.metric_keys & s.metric_keys
                         for o in matched):
                kept.append(s)
        # Prefer series matching more of the metric words ("Black Friday revenue" over "revenue").
        best = max(len(s.metric_keys & asked) for s in kept) if kept else 0
        kept = [s for s in kept if len(s.metric_keys & asked) >= min(best, 2)]
        used = {s.entity_key for s in kept}
        unused = [e for e in question.entities
                  if e not in used and not (RELATED.get(e, set()) & used)]
        if unused:
            return FigureAnswer(missing=_missing_entity(unused, matched), figures=[])
        chosen = [f for s in kept for f in s.figures]
        if question.periods:
            in_period = [f for f in chosen if f.period in question.periods]
            absent = [p for p in question.periods if not any(f.period == p for f in chosen)]
            if absent:
                # Said without digits: an abstention states no figure.
                return FigureAnswer(missing=(
                    f"The sources give {_series_names(kept)}, but not for the year asked."
                ))
            chosen = in_period
        units = UNIT_CONCEPTS & set(question.concepts)
        if units:
            by_unit = [f for f in chosen if set(concepts_in(f.unit)) & units]
            chosen = by_unit or chosen
        if question.operation:
            computed = _compute(question.operation, chosen)
            if computed:
                return computed
        return _lookup(chosen)


def _series_names(series: list[_Series]) -> str:
    return " and ".join(dict.fromkeys(f"{_possessive(s.entity)} {s.metric}" for s in series))


def _missing_entity(unused: list[str], matched: list[_Series]) -> str:
    names = ", ".join(display_name(e) for e in unused)
    have = ", ".join(dict.fromkeys(f"{_possessive(s.entity)} {s.metric}" for s in matched))
    return f"The sources give {have}, but no such figure for {names}."


def _lookup(figures: list[Figure]) -> FigureAnswer:
    statements = []
    for fig in sorted(figures, key=lambda f: (f.entity, f.metric, f.period, f.unit)):
        note = f" — {fig.note.rstrip('.')}" if fig.note else ""
        statements.append(Statement(f"{_label(fig)}: {value_text(fig)}{note}.", [fig]))
    return FigureAnswer(statements=statements, figures=list(figures))


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


def _same_unit_pairs(figures: list[Figure]) -> list[tuple[Figure, Figure]]:
    pairs = []
    for i, a in enumerate(figures):
        for b in figures[i + 1:]:
            same = (a.entity, a.metric, a.period) == (b.entity, b.metric, b.period)
            if comparable(a, b) and not same:
                pairs.append((a, b))
    return pairs


def _compute(operation: str, figures: list[Figure]) -> FigureAnswer | None:
    pairs = _same_unit_pairs(figures)
    if not pairs:
        if len({f.unit for f in figures}) > 1 and len(figures) >= 2:
            units = " and ".join(sorted({f.unit for f in figures}))
            answer = _lookup(figures)
            answer.statements.append(Statement(
                f"These figures are in different units ({units}), so they are not compared "
                "directly.", []))
            return answer
        return None
    if operation == "growth":
        pairs = [p for p in pairs if p[0].entity == p[1].entity and p[0].metric == p[1].metric]
        if not pairs:
            return None
        a, b = sorted(pairs[-1], key=lambda f: f.period)
        return _growth(a, b)
    # Across entities: compare like with like, one period at a time (latest first).
    cross = [p for p in pairs if p[0].period == p[1].period] or pairs
    cross.sort(key=lambda p: p[0].period, reverse=True)
    a, b = sorted(cross[0], key=lambda f: -f.value)
    if operation == "share":
        return _share(part=b, whole=a)
    if operation == "difference":
        return _difference(a, b)
    result = _ratio(a, b)
    if operation == "compare":
        diff = _difference(a, b)
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
    if a.metric != b.metric:
        return f"{a.entity} {a.metric}", f"{b.metric}"
    return f"The {a.period} figure", f"the {b.period} one"


def _label(f: Figure) -> str:
    period = f" ({f.period})" if f.period else ""
    return f"{f.entity} {f.metric}{period}"


def _intro(a: Figure, b: Figure) -> list[Statement]:
    return [Statement(f"{_label(f)}: {value_text(f)}.", [f]) for f in (a, b)]


def _ratio(a: Figure, b: Figure) -> FigureAnswer:
    result = round(a.value / b.value, 2)
    expression = f"{_plain(a.value)} / {_plain(b.value)}"
    first, second = _names(a, b)
    text = (f"{first} is about {format_number(result)} times {second} "
            f"({format_number(a.value)} / {format_number(b.value)} ≈ {format_number(result)}).")
    statements = _intro(a, b) + [Statement(text, [a, b])]
    return FigureAnswer(statements, [a, b], Calculation(expression, result, text))


def _difference(a: Figure, b: Figure) -> FigureAnswer:
    result = round(a.value - b.value, 4)
    expression = f"{_plain(a.value)} - {_plain(b.value)}"
    text = (f"The difference is {format_number(a.value)} − {format_number(b.value)} = "
            f"{value_text(a, result)}.")
    statements = _intro(a, b) + [Statement(text, [a, b])]
    return FigureAnswer(statements, [a, b], Calculation(expression, result, text))


def _growth(a: Figure, b: Figure) -> FigureAnswer:
    change = round(b.value - a.value, 4)
    pct = round((b.value - a.value) / a.value * 100, 1)
    multiple = round(b.value / a.value, 2)
    expression = f"({_plain(b.value)} - {_plain(a.value)}) / {_plain(a.value)} * 100"
    text = (f"From {a.period} to {b.period} it changed by {format_number(b.value)} − "
            f"{format_number(a.value)} = {format_number(change)} ({format_number(pct)}%, "
            f"{format_number(b.value)} / {format_number(a.value)} ≈ {format_number(multiple)}×).")
    statements = _intro(a, b) + [Statement(text, [a, b])]
    calc = Calculation(expression, pct, text, steps=[
        {"expression": f"{_plain(b.value)} - {_plain(a.value)}", "result": change},
        {"expression": f"{_plain(b.value)} / {_plain(a.value)}", "result": multiple},
    ])
    return FigureAnswer(statements, [a, b], calc)


def _share(part: Figure, whole: Figure) -> FigureAnswer:
    pct = round(part.value / whole.value * 100, 2)
    expression = f"{_plain(part.value)} / {_plain(whole.value)} * 100"
    text = (f"That is {format_number(part.value)} / {format_number(whole.value)} × 100 ≈ "
            f"{format_number(pct)}%.")
    statements = _intro(part, whole) + [Statement(text, [part, whole])]
    return FigureAnswer(statements, [part, whole], Calculation(expression, pct, text))


def _plain(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)
