"""Charts of an answer's figures, drawn as inline SVG at the top of the Sources panel.

Bars compare figures in one unit; a line follows one measure over time. Each chart has a
title, value labels, an axis with headroom above the tallest value, and the ratio or the
growth written on it. Every label is escaped: entities and metrics come from the corpus.
"""

from __future__ import annotations

import html
import math

from ..language.numbers import format_number

WIDTH, HEIGHT = 560, 250
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 48, 40  # plot margins: axis labels left, names below
COLOURS = ["#f97316", "#3b82f6", "#10b981", "#a855f7", "#ef4444", "#0ea5e9"]


def format_value(value, unit: str = "") -> str:
    """A figure's value as the sources write it (140000 -> 140,000); years and non-numbers as
    they are."""
    if not isinstance(value, int | float) or unit.lower() in {"year", "years"}:
        return str(value)
    return format_number(value)


def bar_points(answer: dict | None) -> tuple[list[dict], str]:
    """The answer's comparable figures as bars (label, value, entity), and their unit.

    Only figures in the first figure's unit are drawn, since bars in different units on one
    axis would mislead; and only two or more, since a single bar compares nothing."""
    figures = (answer or {}).get("figures") or []
    unit = figures[0].get("unit", "") if figures else ""
    bars = [{"label": f"{f['entity']} {f['period']}".strip(), "value": float(f["value"]),
             "entity": f["entity"]} for f in figures if f.get("unit", "") == unit]
    return (bars, unit) if len(bars) >= 2 else ([], "")


def trend_points(answer: dict | None) -> tuple[list[dict], str, str]:
    """The figures as (period label, value) points in time order when they are one measure
    over two or more periods in one unit; with the unit and the measure's name."""
    from ..language.periods import parse_period

    figures = (answer or {}).get("figures") or []
    if not figures:
        return [], "", ""
    first = figures[0]
    key = (first["entity"], first["metric"], first.get("unit", ""))
    if any((f["entity"], f["metric"], f.get("unit", "")) != key for f in figures):
        return [], "", ""
    points = {}
    for f in figures:
        period = parse_period(f.get("period", ""))
        if period is not None:
            points.setdefault(period.end, {"label": period.label, "value": float(f["value"])})
    if len(points) < 2:
        return [], "", ""
    return ([points[day] for day in sorted(points)], first.get("unit", ""),
            f"{first['entity']} {first['metric']}")


def chart_html(answer: dict | None) -> str:
    """The answer's chart as HTML (a line for a trend, else bars), or "" when none fits."""
    points, unit, name = trend_points(answer)
    if points:
        return _frame("trend-chart", _line(points, unit, name))
    bars, unit = bar_points(answer)
    if bars:
        return _frame("figure-chart", _bars(bars, unit, answer))
    return ""


def _frame(elem_id: str, svg: str) -> str:
    return f"<div class='chart' id='{elem_id}'>{svg}</div>"


def nice_top(value: float) -> float:
    """An axis maximum a little above `value` on a round step (1, 2, 2.5 or 5 × 10^n)."""
    if value <= 0:
        return 1.0
    raw = value * 1.12
    power = 10 ** math.floor(math.log10(raw))
    return next(step * power for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)
                if step * power >= raw)


def compact(value: float) -> str:
    """A tick label: 3,500,000 -> 3.5M, 140,000 -> 140k, 0.25 -> 0.25."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.3g}"


def _axis(top: float, unit: str) -> list[str]:
    parts = []
    bottom = HEIGHT - BOTTOM
    for i in range(5):
        y = bottom - (bottom - TOP) * i / 4
        parts.append(f"<line class='axis' x1='{LEFT}' x2='{WIDTH - RIGHT}' y1='{y:.1f}' "
                     f"y2='{y:.1f}' stroke-width='{1 if i == 0 else 0.4}'/>"
                     f"<text x='{LEFT - 6}' y='{y + 4:.1f}' text-anchor='end' class='sub'>"
                     f"{compact(top * i / 4)}</text>")
    parts.append(f"<text x='{LEFT}' y='{TOP - 8}' class='sub'>{html.escape(unit)}</text>")
    return parts


def _svg(title: str, note: str, body: list[str]) -> str:
    return (f"<svg viewBox='0 0 {WIDTH} {HEIGHT}' role='img' aria-label='{html.escape(title)}'>"
            f"<text x='0' y='16' class='title'>{html.escape(title)}</text>"
            f"<text x='{WIDTH - RIGHT}' y='16' text-anchor='end' class='note'>"
            f"{html.escape(note)}</text>{''.join(body)}</svg>")


def _bars(bars: list[dict], unit: str, answer: dict) -> str:
    top = nice_top(max(b["value"] for b in bars))
    span = (WIDTH - LEFT - RIGHT) / len(bars)
    width = min(90.0, span * 0.6)
    colour = {e: COLOURS[i % len(COLOURS)] for i, e in
              enumerate(dict.fromkeys(b["entity"] for b in bars))}
    body = _axis(top, unit)
    bottom = HEIGHT - BOTTOM
    for i, b in enumerate(bars):
        h = (bottom - TOP) * max(b["value"], 0) / top
        x = LEFT + span * i + (span - width) / 2
        body.append(
            f"<rect x='{x:.1f}' y='{bottom - h:.1f}' width='{width:.1f}' height='{h:.1f}' "
            f"rx='3' fill='{colour[b['entity']]}'><title>{html.escape(b['label'])}: "
            f"{format_value(b['value'], unit)}</title></rect>"
            f"<text x='{x + width / 2:.1f}' y='{bottom - h - 5:.1f}' text-anchor='middle' "
            f"class='value'>{format_value(b['value'], unit)}</text>"
            f"<text x='{x + width / 2:.1f}' y='{bottom + 16}' text-anchor='middle'>"
            f"{html.escape(b['label'])}</text>")
    metric = ((answer.get("figures") or [{}])[0].get("metric") or "").strip()
    return _svg(metric[:1].upper() + metric[1:] if metric else "Figures compared",
                _ratio_note(bars), body)


def _ratio_note(bars: list[dict]) -> str:
    if len(bars) != 2 or min(b["value"] for b in bars) <= 0:
        return ""
    big, small = sorted(bars, key=lambda b: -b["value"])
    ratio = big["value"] / small["value"]
    return f"{big['label']} ≈ {ratio:,.3g}× {small['label']}"


def _line(points: list[dict], unit: str, name: str) -> str:
    top = nice_top(max(p["value"] for p in points))
    bottom = HEIGHT - BOTTOM
    step = (WIDTH - LEFT - RIGHT - 40) / (len(points) - 1)
    xy = [(LEFT + 20 + step * i, bottom - (bottom - TOP) * max(p["value"], 0) / top)
          for i, p in enumerate(points)]
    body = _axis(top, unit)
    body.append("<polyline fill='none' stroke='#f97316' stroke-width='2.5' points='"
                + " ".join(f"{x:.1f},{y:.1f}" for x, y in xy) + "'/>")
    every = max(1, math.ceil(len(points) / 8))  # labels stay legible on long series
    for i, ((x, y), p) in enumerate(zip(xy, points, strict=True)):
        body.append(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='3.5' fill='#f97316'><title>"
                    f"{html.escape(p['label'])}: {format_value(p['value'], unit)}</title>"
                    "</circle>")
        if i % every == 0 or i == len(points) - 1:
            body.append(f"<text x='{x:.1f}' y='{y - 8:.1f}' text-anchor='middle' "
                        f"class='value'>{compact(p['value'])}</text>"
                        f"<text x='{x:.1f}' y='{bottom + 16}' text-anchor='middle' "
                        f"class='sub'>{html.escape(p['label'])}</text>")
    first, last = points[0], points[-1]
    note = ""
    if unit.lower() in {"percent", "%", "per cent", "percentage points"}:  # shares: points
        note = (f"{last['value'] - first['value']:+.3g} points from {first['label']} to "
                f"{last['label']}")
    elif first["value"] > 0:
        change = last["value"] / first["value"] - 1
        note = (f"{change:+.0%} from {first['label']} to {last['label']}" if abs(change) < 2
                else f"×{last['value'] / first['value']:.3g} from {first['label']} to "
                     f"{last['label']}")
    return _svg(name[:1].upper() + name[1:], note, body)
