"""Arithmetic on two figures, shown step by step: ratio, difference, growth, share, sum and
average. Units are
never mixed; every result carries the figures it rests on."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from ..ingest.documents import Figure
from ..language.numbers import format_number, unit_scale
from ..language.periods import parse_period
from ..language.words import possessive


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
    if unit.lower() == "percent":
        return f"{format_number(value)}%"
    text = f"{format_number(value)} {unit}".strip()
    if abs(value) >= 1e6 and unit not in {"year", "rank"}:
        text += f" ({_human(value)})"
    return text


def stated_value(figure: Figure) -> str:
    """The value after a label that already names the measure: the unit is said once
    ("orders per day: 140,000", not "orders per day: 140,000 orders per day")."""
    unit = figure.unit.strip().lower()
    if unit and figure.table != "extracted" and unit in figure.metric.lower():
        return value_text(replace(figure, unit=""))
    return value_text(figure)


def _human(value: float) -> str:
    for word, scale in (("billion", 1e9), ("million", 1e6)):
        if abs(value) >= scale:
            return f"{format_number(round(value / scale, 2))} {word}"
    return format_number(value)


def _period_order(fig: Figure) -> tuple:
    """Figures in time order: by when their period ends, where it reads as a date."""
    period = parse_period(fig.period)
    return (period.end.isoformat(), fig.period) if period else (fig.period[-4:], fig.period)


def year_of_period(period: str) -> int:
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


def unit_kind(unit: str) -> str:
    """A unit as a question names amounts: "money", "percent" or "count" ('' for others)."""
    kind, _ = _unit_kind(unit)
    if kind == "currency":
        return "money"
    if "percent" in unit.lower() or unit.strip() == "%":
        return "percent"
    return "count" if kind == "count" else ""


def comparable(a: Figure, b: Figure) -> bool:
    """Figures that may enter one calculation: same currency, same rate, or both counts."""
    return _unit_kind(a.unit) == _unit_kind(b.unit) and unit_scale(a.unit) == unit_scale(b.unit)


def _one_thing_over_time(a: Figure, b: Figure) -> bool:
    """Two figures of one thing (one name holds the other, or one has none) at two periods."""
    x, y = a.entity.lower(), b.entity.lower()
    return bool(a.period and b.period and a.period != b.period) and (x in y or y in x)


# What a figure put in another scale was written as in its source.
AS_WRITTEN = "as written: "
_SCALE_WORD = re.compile(r"thousand|million|billion|trillion")


def same_scale(a: Figure, b: Figure) -> tuple[Figure, Figure]:
    """Two amounts of one kind in one scale: "RMB 40.02 billion" against "RMB 13,390 million"
    becomes RMB 40,020 million against it (the smaller scale, so no figure loses digits)."""
    if _unit_kind(a.unit) != _unit_kind(b.unit) or unit_scale(a.unit) == unit_scale(b.unit):
        return a, b
    big, small = (a, b) if unit_scale(a.unit) > unit_scale(b.unit) else (b, a)
    word = _SCALE_WORD.search(big.unit.lower())
    if not word:
        return a, b
    factor = unit_scale(big.unit) / unit_scale(small.unit)
    target = _SCALE_WORD.search(small.unit.lower())
    unit = big.unit[:word.start()] + (target.group(0) if target else "") + big.unit[word.end():]
    moved = replace(big, value=round(big.value * factor, 6), unit=" ".join(unit.split()),
                    context=AS_WRITTEN + value_text(big))
    return (moved, small) if big is a else (small, moved)


def calculate(operation: str, figures: list[Figure]) -> FigureAnswer | None:
    """Arithmetic on two comparable figures: growth over time, or a comparison of two things."""
    a, b = same_scale(*figures[:2])
    if not comparable(a, b):
        return None
    if operation == "growth" and not _one_thing_over_time(a, b):
        return None  # Initech's figure against Globex's, or two undated ones, is no growth
    if operation == "growth" or (a.entity == b.entity and a.period != b.period
                                 and operation not in {"ratio", "share", "difference", "sum",
                                                   "average", "percent_more"}):
        first, last = sorted((a, b), key=_period_order)
        return growth_between(first, last)
    if operation in {"sum", "average"}:
        return _total(a, b, average=operation == "average")
    big, small = sorted((a, b), key=lambda f: -f.value)
    if operation == "percent_more":
        return _percent_more(big, small)
    if operation == "share":
        return _share(part=small, whole=big)
    if operation == "difference":
        return _difference(big, small)
    result = _ratio(big, small)
    if operation == "compare":
        diff = _difference(big, small)
        result.statements.append(diff.statements[0])
        result.calculation.steps = [_step(result.calculation), _step(diff.calculation)]
    return result


def _step(calc: Calculation) -> dict:
    return {"expression": calc.expression, "result": calc.result}


def _names(a: Figure, b: Figure) -> tuple[str, str]:
    """How to name two figures in one sentence: by entity, or by metric when entities agree."""
    if a.entity != b.entity:
        measure = a.metric if a.metric == b.metric and "extracted" not in {a.table, b.table} \
            else "figure"
        when = f" in {a.period}" if a.period and a.period == b.period else ""
        return f"{possessive(a.entity)} {measure}{when}", possessive(b.entity)
    if a.metric != b.metric and "extracted" not in {a.table, b.table}:
        return f"{a.entity} {a.metric}", f"{b.metric}"
    first = _by_time(a, "figure")
    return first[0].upper() + first[1:], _by_time(b, "one")


def _by_time(f: Figure, noun: str) -> str:
    """"the 2018 figure"; without a period, "the figure reported 2015-07-22"."""
    if f.period:
        return f"the {f.period} {noun}"
    return f"the {noun} reported {f.as_of}" if f.as_of else f"the other {noun}"


def _label(f: Figure) -> str:
    """"Acme revenue (2015, reported 2016-11)": what, when, and when it was said."""
    when = ", ".join(x for x in (f.period, f"reported {f.as_of}" if f.as_of else "") if x)
    period = f" ({when})" if when else ""
    if f.table == "extracted":  # its "metric" is only the words before the number
        return f"{f.entity or 'The source'}{period}"
    return f"{f.entity} {f.metric}{period}"


def stated(f: Figure) -> Statement:
    """One figure as the sources give it: "Acme revenue (2015): USD 3 billion."."""
    written = f" ({f.context})" if f.context.startswith(AS_WRITTEN) else ""
    return Statement(f"{_label(f)}: {stated_value(f)}{written}.", [f])


def _intro(a: Figure, b: Figure) -> list[Statement]:
    return [stated(f) for f in (a, b)]


def _ratio(a: Figure, b: Figure) -> FigureAnswer:
    result = round(a.value / b.value, 2)
    expression = f"{plain_number(a.value)} / {plain_number(b.value)}"
    first, second = _names(a, b)
    text = (f"{first} is about {format_number(result)} times {second} "
            f"({format_number(a.value)} / {format_number(b.value)} ≈ {format_number(result)}).")
    return _shown(a, b, Calculation(expression, result, text))


def _difference(a: Figure, b: Figure) -> FigureAnswer:
    result = round(a.value - b.value, 4)
    expression = f"{plain_number(a.value)} - {plain_number(b.value)}"
    text = (f"The difference is {format_number(a.value)} − {format_number(b.value)} = "
            f"{value_text(a, result)}.")
    return _shown(a, b, Calculation(expression, result, text))


def growth_between(a: Figure, b: Figure) -> FigureAnswer:
    change = round(b.value - a.value, 4)
    pct = round((b.value - a.value) / a.value * 100, 1)
    multiple = round(b.value / a.value, 2)
    before, after = plain_number(a.value), plain_number(b.value)
    expression = f"({after} - {before}) / {before} * 100"
    same = (a.entity, a.metric) == (b.entity, b.metric) and "extracted" not in {a.table, b.table}
    subject = f"{possessive(a.entity)} {a.metric}" if same and a.entity else "the figure"
    text = (f"From {a.period} to {b.period} {subject} changed by {format_number(b.value)} − "
            f"{format_number(a.value)} = {value_text(a, change)} ({format_number(pct)}%, "
            f"{format_number(b.value)} / {format_number(a.value)} ≈ {format_number(multiple)}×).")
    if unit_kind(a.unit) == unit_kind(b.unit) == "percent":
        # Percentages (shares, growth rates) change by points first; the relative change second.
        text = (f"From {a.period} to {b.period} {subject} changed by {format_number(b.value)} − "
                f"{format_number(a.value)} = {format_number(change)} percentage points (a "
                f"relative change of {format_number(pct)}%).")
    return _shown(a, b, Calculation(expression, pct, text, steps=[
        {"expression": f"{plain_number(b.value)} - {plain_number(a.value)}", "result": change},
        {"expression": f"{plain_number(b.value)} / {plain_number(a.value)}", "result": multiple},
    ]))


def _percent_more(a: Figure, b: Figure) -> FigureAnswer:
    pct = _percent((a.value - b.value) / b.value * 100)
    before, after = plain_number(b.value), plain_number(a.value)
    expression = f"({after} - {before}) / {before} * 100"
    first, second = _names(a, b)
    text = (f"{first} is about {format_number(pct)}% higher than {second} "
            f"(({format_number(a.value)} − {format_number(b.value)}) / {format_number(b.value)} × "
            f"100 ≈ {format_number(pct)}%).")
    return _shown(a, b, Calculation(expression, pct, text))


def _total(a: Figure, b: Figure, average: bool) -> FigureAnswer:
    total = round(a.value + b.value, 4)
    if not average:
        expression = f"{plain_number(a.value)} + {plain_number(b.value)}"
        text = (f"Together they come to {format_number(a.value)} + {format_number(b.value)} = "
                f"{value_text(a, total)}.")
        return _shown(a, b, Calculation(expression, total, text))
    mean = round(total / 2, 4)
    expression = f"({plain_number(a.value)} + {plain_number(b.value)}) / 2"
    text = (f"The average is ({format_number(a.value)} + {format_number(b.value)}) / 2 = "
            f"{value_text(a, mean)}.")
    return _shown(a, b, Calculation(expression, mean, text, steps=[
        {"expression": f"{plain_number(a.value)} + {plain_number(b.value)}", "result": total},
        {"expression": expression, "result": mean}]))


def against_combined(a: Figure, others: list[Figure]) -> FigureAnswer | None:
    """One figure against the sum of others ("was A bigger than B and C combined?"): the sum
    shown, then how many times the sum A is."""
    if len(others) < 2 or not all(comparable(a, f) for f in others):
        return None
    total = round(sum(f.value for f in others), 4)
    if not total:
        return None
    ratio = round(a.value / total, 2)
    parts = " + ".join(plain_number(f.value) for f in others)
    shown = " + ".join(format_number(f.value) for f in others)
    names = " and ".join(possessive(f.entity) if f.entity else "the others" for f in others)
    text = (f"{names} together come to {shown} = {value_text(a, total)}; "
            f"{possessive(a.entity) if a.entity else 'the first'} {value_text(a)} is about "
            f"{format_number(ratio)} times that ({format_number(a.value)} / "
            f"{format_number(total)} ≈ {format_number(ratio)}).")
    calc = Calculation(f"{plain_number(a.value)} / ({parts})", ratio, text,
                       steps=[{"expression": parts, "result": total},
                              {"expression": f"{plain_number(a.value)} / ({parts})",
                               "result": ratio}])
    figures = [a, *others]
    return FigureAnswer([Statement(text, figures)] + [stated(f) for f in figures], figures, calc)


def portion_of(percent: Figure, whole: Figure) -> FigureAnswer:
    """A percentage of an amount ("7.8% of USD 135 billion"), in the amount's unit."""
    result = round(percent.value / 100 * whole.value, 4)
    expression = f"{plain_number(percent.value)} / 100 * {plain_number(whole.value)}"
    text = (f"{format_number(percent.value)}% of {value_text(whole)} is about "
            f"{value_text(whole, result)} ({format_number(percent.value)} / 100 × "
            f"{format_number(whole.value)} ≈ {format_number(result)}).")
    return _shown(percent, whole, Calculation(expression, result, text))


def before_growth(amount: Figure, growth: Figure) -> FigureAnswer:
    """The amount before it grew by a stated rate: "up 45% to 27.4" was 27.4 / 1.45 ≈ 18.9."""
    exact = amount.value / (1 + growth.value / 100)
    result = round(exact, 2 if abs(exact) >= 10 else 4)
    expression = f"{plain_number(amount.value)} / (1 + {plain_number(growth.value)} / 100)"
    change = "growth" if growth.value >= 0 else "fall"
    text = (f"Before its {format_number(abs(growth.value))}% {change}, {value_text(amount)} "
            f"was about {value_text(amount, result)} ({format_number(amount.value)} / (1 + "
            f"{format_number(growth.value)} / 100) ≈ {format_number(result)}).")
    return _shown(amount, growth, Calculation(expression, result, text))


def _share(part: Figure, whole: Figure) -> FigureAnswer:
    pct = _percent(part.value / whole.value * 100)
    expression = f"{plain_number(part.value)} / {plain_number(whole.value)} * 100"
    text = (f"That is {format_number(part.value)} / {format_number(whole.value)} × 100 ≈ "
            f"{format_number(pct)}%.")
    return _shown(part, whole, Calculation(expression, pct, text))


def _percent(value: float) -> float:
    """A computed percentage to three or four significant figures, as reports write them:
    298.2%, 25.2%, 5.75%."""
    return round(value, 1 if abs(value) >= 10 else 2)


def _shown(a: Figure, b: Figure, calc: Calculation) -> FigureAnswer:
    """The result first, as a colleague would say it, then the two figures it rests on."""
    return FigureAnswer([Statement(calc.text, [a, b])] + _intro(a, b), [a, b], calc)


def plain_number(value: float) -> str:
    """A value as arithmetic writes it: "3440000", "17.8"."""
    return str(int(value)) if float(value).is_integer() else repr(value)
