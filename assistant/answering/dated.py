"""The dated-figure answer form: a measure's value for the period asked or the newest one, or
its course over time, each value with its period and its source's date; disagreeing sources
side by side; a warning when the newest value is old; abstention naming the periods covered."""

from __future__ import annotations

from datetime import date
from functools import partial

import numpy as np

from ..language.numbers import format_number
from ..language.periods import periods_in
from .answer import Answer, abstain, compose_figure_answer, figure_citation, finish
from .arithmetic import (
    Calculation,
    FigureAnswer,
    Statement,
    calculate,
    growth_between,
    plain_number,
    stated_value,
    value_text,
)
from .timeline import (
    Measure,
    Row,
    age_in_years,
    agree,
    asks_latest,
    asks_trend,
    conflicts,
    trend_years,
)
from .verdicts import comparison_verdict

# Comparisons and shares of two things are the computed form's; a measure's own growth over
# time is a trend.
_NOT_HERE = {"ratio", "difference", "compare", "share", "sum", "average", "percent_more"}
_TYPES = {"quantity", "general", "how", "date"}


def _other_periods_only(turn, measure: Measure, missing) -> Answer:
    # The periods named in one parenthesis, so without the labels' own; an abstention states
    # no figure.
    nearest = ", ".join(p.short_label for p in measure.nearest(missing))
    return abstain(turn.question, turn.resolved,
                   f"They give {measure.name} for other periods only (nearest to "
                   f"{missing.short_label}: {nearest}).")


def dated_figure(turn, kb) -> Answer | None:
    q = turn.analysis
    text = q.asked
    asked = periods_in(text)
    two_periods = len({(p.start, p.end) for p in asked}) >= 2
    trend = asks_trend(q, text)
    if (q.operation in _NOT_HERE and not two_periods) or not kb.timeline.measures or \
            (q.answer_type not in _TYPES and not q.operation and not trend):
        return None
    fitting = kb.timeline.candidates(q, text, kb.idf, partial(_similarity, kb, turn.vector))
    if not fitting:
        return None
    # Of the best-fitting entity's measures, the best one that covers the periods asked
    # (reported revenue may be named per fiscal year in one place, per quarter in another).
    same = [m for m in fitting if m.entity.lower() == fitting[0].entity.lower()]
    measure = next((m for m in same if all(m.at(p) for p in asked)), fitting[0])
    if turn.since:
        kept = [r for r in measure.rows if r.reported and r.reported.year >= turn.since]
        measure = Measure(measure.entity, measure.metric, kept)
        if not kept:
            return abstain(turn.question, turn.resolved,
                           f"Nothing on {measure.name} was reported in the sources dated "
                           f"from the year chosen on (since {turn.since}).")
    writer = _Writer(kb)
    if two_periods:  # one measure at two times: compared, with the sums shown
        return writer.between(turn, measure, asked[0], asked[1], q.operation or "growth")
    if len(asked) == 1 and asks_latest(text) and (trend or q.operation == "growth"):
        # "from the Dec 2024 quarter to the latest": the series from that period on
        since = [r for r in measure.series() if r.period.end >= asked[0].start]
        if len({(r.period.start, r.period.end) for r in since}) >= 2:
            return writer.trend(turn, measure, since)
    if trend:
        first, last = trend_years(text)
        series = measure.series(first, last)
        if len({(r.period.start, r.period.end) for r in series}) >= 2:
            return writer.trend(turn, measure, series)
    if asked and not (trend and trend_years(text)[0]):
        rows = measure.at(asked[0])
        if not rows:
            return _other_periods_only(turn, measure, asked[0])
        end = max(r.period.end for r in rows)  # a year asked, quarters given: the last one
        return writer.value(turn, measure, [r for r in rows if r.period.end == end],
                            latest=False)
    return writer.value(turn, measure, measure.newest(), latest=True)


def _similarity(kb, vector, names: list[str]) -> list[float]:
    """The question's cosine similarity to each name (vectors cached by the sentence bank)."""
    if vector is None or not names:
        return [0.0] * len(names)
    return list(np.asarray(kb.bank.vectors(names)) @ np.asarray(vector, dtype=np.float32))


class _Writer:
    """Sentences about rows of a measure, each cited to the source of its figure."""

    def __init__(self, kb):
        self.kb = kb
        self.today = kb.today
        self.extra: list[str] = []  # dates, titles and ages the sentences may state

    def source(self, rows: list[Row]) -> str:
        """Who reported a value, and when: "2025-07-11 in “Title”" (several: joined)."""
        said = []
        for row in rows:
            fig = row.figure
            passages = self.kb.passages_by_doc.get(fig.source) or []
            if not passages:  # the source is not indexed: the passage the value is cited to
                passages = [figure_citation(fig, self.kb.passages_by_doc,
                                            self.kb.figure_rows)[0]]
            meta = passages[0].metadata
            title = meta.get("title") or fig.source
            when = fig.as_of or meta.get("published", "")
            self.extra += [title, when]
            said.append(f"{when} in “{title}”" if when else f"in “{title}”")
        return " and ".join(dict.fromkeys(said))

    def finish(self, turn, statements, figures, calculation=None, lead="") -> Answer:
        result = FigureAnswer(statements, figures, calculation)
        sentences, citations = compose_figure_answer(result, self.kb.passages_by_doc,
                                                     self.kb.figure_rows)
        return finish(turn.question, turn.resolved, sentences, citations, figures,
                      calculation.to_dict() if calculation else None,
                      extra_text=" ".join(self.extra), lead=lead)

    def value(self, turn, measure: Measure, rows: list[Row], latest: bool) -> Answer:
        period = rows[0].period.label
        disagree = conflicts(rows)
        statements: list[Statement] = []
        if disagree:
            group = disagree[0]
            statements.append(Statement(
                f"The sources disagree on {measure.name} for {period}:", [group[0].figure]))
            shown = []
            for r in group:  # each value with every source that gives it
                same = [o for o in rows if o.figure.unit == r.figure.unit
                        and agree(o.figure.value, r.figure.value)]
                note = f" ({r.figure.note})" if r.figure.note else ""  # whose estimate
                statements.append(Statement(
                    f"- {value_text(r.figure)}{note}, reported {self.source(same)}.",
                    [o.figure for o in same]))
                shown += [o.figure for o in same]
        else:
            by_unit: dict[str, Row] = {}
            for r in sorted(rows, key=lambda r: r.reported or date.max):
                by_unit.setdefault(r.figure.unit, r)
            primary = list(by_unit.values())
            values = value_text(primary[0].figure) + "".join(
                f" ({value_text(r.figure)})" for r in primary[1:2])
            qualifier = f" ({primary[0].figure.note})" if _qualifies(primary[0]) else ""
            when = (f"as of {period}, the newest period in the sources" if latest else
                    f"in {period}")
            statements.append(Statement(
                f"{measure.name} {when}: {values}{qualifier}; reported "
                f"{self.source(primary[:1])}.", [r.figure for r in primary]))
            shown = [r.figure for r in primary]
        calculation = None
        if latest:
            age = age_in_years(rows[0], self.today)
            if age > self.kb.settings.stale_after_years:
                # The age is arithmetic on dates, shown like any other calculation.
                end, years = rows[0].period.end, int(age)
                text = (f"That is the newest figure the sources give for it, and it is over "
                        f"{years} years old ({period} ended {end:%Y-%m-%d}; today is "
                        f"{self.today:%Y-%m-%d}): check for newer reporting before relying on "
                        f"it.")
                calculation = Calculation(f"{self.today:%Y-%m-%d} - {end:%Y-%m-%d}", years, text)
                statements.append(Statement(text, shown[:1]))
        return self.finish(turn, statements, shown, calculation)

    def between(self, turn, measure: Measure, first, second, operation: str) -> Answer | None:
        a_rows, b_rows = measure.at(first), measure.at(second)
        pairs = [(a, b) for a in a_rows for b in b_rows if a.figure.unit == b.figure.unit
                 and a.period != b.period]
        if not pairs:
            missing = first if not a_rows else second
            if (a_rows and b_rows) or turn.analysis.operation:
                # Arithmetic asked: figures read from the articles may still hold both periods.
                return None
            return _other_periods_only(turn, measure, missing)
        a, b = sorted(pairs[0], key=lambda r: r.period)
        if a.figure.unit.strip().lower() in {"percent", "%"} and operation != "ratio":
            return self.finish(turn, *self.points(measure, [a, b]))
        result = calculate(operation if operation != "compare" else "ratio",
                           [a.figure, b.figure])
        if result is None or result.calculation is None:
            return None
        # Each figure's own statement (the calculation rests on both) is said with its date.
        stated = [st for st in result.statements if len(st.figures) == 1]
        for statement, row in zip(stated, (a, b), strict=False):
            statement.text = (f"{measure.name} in {row.period.label}: {stated_value(row.figure)}; "
                              f"reported {self.source([row])}.")
        return self.finish(turn, result.statements, result.figures, result.calculation,
                           lead=comparison_verdict(turn.analysis, result))

    def points(self, measure: Measure, rows: list[Row], bullet: bool = False):
        """A rate's change between two periods, in percentage points (a change of a share in
        percent would read as a change of the share itself)."""
        first, last = rows
        change = round(last.figure.value - first.figure.value, 4)
        text = (f"{'- Change: f' if bullet else 'F'}rom {first.period.label} to "
                f"{last.period.label} it moved from {format_number(first.figure.value)}% to "
                f"{format_number(last.figure.value)}%, a change of {format_number(change)} "
                f"percentage points.")
        expression = f"{plain_number(last.figure.value)} - {plain_number(first.figure.value)}"
        calculation = Calculation(expression, change, text)
        statements = [] if bullet else [
            Statement(f"{measure.name} in {r.period.label}: {stated_value(r.figure)}; reported "
                      f"{self.source([r])}.", [r.figure]) for r in rows]
        statements.append(Statement(text, [first.figure, last.figure]))
        return statements, [first.figure, last.figure], calculation

    def trend(self, turn, measure: Measure, series: list[Row]) -> Answer:
        statements = [Statement(f"- {r.period.label}: {value_text(r.figure)}, reported "
                                f"{self.source([r])}.", [r.figure]) for r in series]
        first, last = series[0], series[-1]
        if first.figure.unit.strip().lower() in {"percent", "%"}:
            change, _, calculation = self.points(measure, [first, last], bullet=True)
            statements += change
        else:
            growth = growth_between(first.figure, last.figure)
            calculation = growth.calculation
            statements.append(Statement("- Change: " + growth.statements[0].text,
                                        growth.statements[0].figures))
        figures = [r.figure for r in series]
        return self.finish(turn, statements, figures, calculation,
                           lead=f"{measure.name}, period by period:")


def _qualifies(row: Row) -> bool:
    """A note that qualifies the value itself ("more than", "about") is said with it."""
    note = row.figure.note.lower()
    return note.startswith(("more than", "about", "almost", "close to", "less than",
                            "at least", "lower bound", "rounded"))
