"""Figures over time: one measure's values by period, for "latest", "in PERIOD" and trend
questions, with each value's period and source date, its age, and where sources disagree.

A measure is the rows of the figures table with one entity and metric whose periods read as
dates (periods.py). A question is about a measure when it names the entity and the metric and
little else; everything else is left to the other answer forms.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from ..ingest.documents import Figure
from ..language.periods import Period, parse_date, parse_period, periods_in, years_between
from ..language.questions import FRAMING_WORDS, Question, operation_words
from ..language.words import content_tokens, tokenize

# Words that ask for the newest value, or for the course of values over time.
LATEST = re.compile(r"\b(?:latest|current(?:ly)?|now|today|most recent|newest|recent(?:ly)?|"
                    r"at the moment|"
                    r"these days|at present|presently|so far|to date|up to date|as of now)\b",
                    re.IGNORECASE)
TREND = re.compile(r"\b(?:trend|trends|over time|over the (?:years|past|last)|since "
                   r"(?:19|20)\d\d|history|historically|evolv\w*|trajectory|year by year|"
                   r"year after year|quarter by quarter|how has .{1,80}\b(?:grown|changed|moved|"
                   r"developed|risen|fallen|evolved|shifted)|from (?:19|20)\d\d (?:to|until|"
                   r"through|till) (?:19|20)\d\d|between (?:19|20)\d\d and (?:19|20)\d\d)\b",
                   re.IGNORECASE)
_SINCE = re.compile(r"\bsince ((?:19|20)\d\d)\b|\bfrom ((?:19|20)\d\d) (?:to|until|through|till)"
                    r" ((?:19|20)\d\d)\b|\bbetween ((?:19|20)\d\d) and ((?:19|20)\d\d)\b",
                    re.IGNORECASE)
# What a question may say besides the measure and the period without asking something else.
# A measure is asked for when the question names most of its entity and of its metric, and
# says little else (IDF-weighted shares).
ENTITY_COVERAGE = 0.5
METRIC_COVERAGE = 0.75
MAX_OTHER = 0.3
# Or half its metric's words and a close meaning (cosine of question and measure name).
REWORDED_COVERAGE = 0.5
REWORDED_SIMILARITY = 0.7


@dataclass
class Row:
    figure: Figure
    period: Period
    reported: date | None  # when its source reported it


@dataclass
class Measure:
    """One entity's metric over time, oldest period first."""

    entity: str
    metric: str
    rows: list[Row] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.entity} {self.metric}"

    def spans(self) -> list[Period]:
        """The distinct periods covered, oldest first."""
        seen: dict[tuple, Period] = {}
        for row in self.rows:
            seen.setdefault((row.period.start, row.period.end), row.period)
        return sorted(seen.values())

    def at(self, asked: Period) -> list[Row]:
        """The rows for the period asked: that period, else the periods inside it."""
        exact = [r for r in self.rows if asked.names(r.period)]
        if asked.open_fiscal:
            return exact
        inside = exact or [r for r in self.rows if asked.contains(r.period)]
        # "In September 2025": the period that ends then (the quarter ended September 2025).
        return inside or [r for r in self.rows if asked.start <= r.period.end <= asked.end]

    def newest(self) -> list[Row]:
        end = max(r.period.end for r in self.rows)
        return [r for r in self.rows if r.period.end == end]

    def nearest(self, asked: Period, n: int = 2) -> list[Period]:
        """The covered periods closest to one that is not: the nearest before and after."""
        spans = self.spans()
        before = [p for p in spans if p.end < asked.start][-n:]
        after = [p for p in spans if p.start > asked.end][:n]
        return (before[-1:] + after[:1]) if before and after else before + after

    def series(self, first_year: int | None = None, last_year: int | None = None) -> list[Row]:
        """One row per period, of the most common unit and span length (years or quarters:
        a trend does not mix them), within the years given."""
        rows = [r for r in self.rows if (first_year is None or r.period.end.year >= first_year)
                and (last_year is None or r.period.start.year <= last_year)]
        if not rows:
            return []
        kinds = defaultdict(list)
        for r in rows:
            length = (r.period.end - r.period.start).days
            kinds[(r.figure.unit, 0 if length < 45 else 1 if length < 200 else 2)].append(r)
        chosen = max(kinds.values(), key=lambda rs: (len({(r.period.start, r.period.end)
                                                           for r in rs}), rs[-1].period.end))
        one: dict[tuple, Row] = {}
        for r in chosen:  # the first report of each period (the original, not a citing note)
            key = (r.period.start, r.period.end)
            if key not in one or (r.reported or date.max) < (one[key].reported or date.max):
                one[key] = r
        return sorted(one.values(), key=lambda r: r.period)


def agree(a: float, b: float) -> bool:
    """Two values agree when the more precise one rounds to the other ("46" and "46.4")."""
    def decimals(x: float) -> int:
        text = f"{x:.6f}".rstrip("0").rstrip(".")
        return len(text.split(".")[1]) if "." in text else 0
    places = min(decimals(a), decimals(b))
    return round(a, places) == round(b, places)


def conflicts(rows: list[Row]) -> list[list[Row]]:
    """Rows of one period grouped by unit, where the sources give different values."""
    by_unit = defaultdict(list)
    for r in rows:
        by_unit[r.figure.unit].append(r)
    out = []
    for group in by_unit.values():
        distinct: list[Row] = []
        for r in sorted(group, key=lambda r: r.reported or date.min):
            if all(not agree(r.figure.value, d.figure.value) for d in distinct):
                distinct.append(r)
        if len(distinct) > 1:
            out.append(distinct)
    return out


class Timeline:
    """The measures of a figures table, and which one a question asks about."""

    def __init__(self, figures: list[Figure], variants, published: dict[str, str]):
        grouped: dict[tuple[str, str], Measure] = {}
        for fig in figures:
            period = parse_period(fig.period)
            if period is None:
                continue
            reported = parse_date(fig.as_of or published.get(fig.source, ""))
            key = (fig.entity.lower(), fig.metric.lower())
            grouped.setdefault(key, Measure(fig.entity, fig.metric)).rows.append(
                Row(fig, period, reported))
        self.measures = list(grouped.values())
        for m in self.measures:
            m.rows.sort(key=lambda r: (r.period, r.reported or date.min))
        # What matching needs of each measure, worked out once: its entity's words (with and
        # without the glossary's other names), the names themselves, its metric's words, and
        # whether that metric belongs to this entity alone.
        owners: dict[str, set[str]] = defaultdict(set)
        for m in self.measures:
            owners[m.metric.lower()].add(m.entity.lower())
        self._words = {}
        for m in self.measures:
            names = [m.entity, *variants(m.entity)]
            self._words[id(m)] = (
                {t for n in names for t in tokenize(n)}, set(tokenize(m.entity)),
                [re.compile(rf"\b{re.escape(n)}\b", re.IGNORECASE) for n in names[1:]],
                set(tokenize(m.metric)), len(owners[m.metric.lower()]) == 1,
                # A table cell's surroundings (its caption, title) say what its metric is of.
                set(tokenize(m.rows[0].figure.context)))

    def match(self, question: Question, text: str, idf) -> Measure | None:
        """The measure the question asks about, if one fits clearly."""
        found = self.candidates(question, text, idf)
        return found[0] if found else None

    def candidates(self, question: Question, text: str, idf, similarity=None
                   ) -> list[Measure]:
        """The measures that fit the question, best first. `similarity(names)` gives the
        question's embedding similarity to each measure's name: a metric named in other
        words ("share of China cloud spending") still fits when the meaning is close."""
        tokens = content_tokens(text)  # the question without its parenthesized context
        asked = set(tokens)
        for t in list(asked):
            asked |= question.alternatives.get(t, set())
        framing = {t for p in periods_in(text) for t in tokenize(p.label)} | \
            operation_words(text) | FRAMING_WORDS
        own = [t for t in tokens if t not in framing and not t.isdigit()]
        # No name in the question: a metric only one entity has implies that entity.
        unnamed = not [n for n in question.names if not periods_in(n)]

        unseen = getattr(getattr(idf, "__self__", None), "unseen_idf", 5.0)

        def weight(tokens) -> float:
            # A word the corpus never uses weighs most: it may name what the sources lack.
            return sum(unseen if idf(t) is None else max(idf(t), 0.1) for t in tokens)

        fits = []
        close = similarity([m.name for m in self.measures]) if similarity else None
        for k, m in enumerate(self.measures):
            entity, entity_words, other_names, metric, sole, context = self._words[id(m)]
            entity_share = weight(entity_words & asked) / (weight(entity_words) or 1.0)
            named = entity_share >= ENTITY_COVERAGE or \
                any(n.search(text) for n in other_names) or (unnamed and sole)
            metric_share = weight(metric & asked) / (weight(metric) or 1.0)
            other = weight([t for t in own if t not in entity | metric | context]) / \
                (weight(own) or 1.0)
            reworded = close is not None and metric_share >= REWORDED_COVERAGE and \
                close[k] >= REWORDED_SIMILARITY
            if not named or other > MAX_OTHER or (metric_share < METRIC_COVERAGE
                                                  and not reworded):
                continue
            score = metric_share + 0.5 * entity_share - other + 0.01 * len(m.spans())
            fits.append((score, m))
        return [m for _, m in sorted(fits, key=lambda f: -f[0])]


def asks_latest(text: str) -> bool:
    return bool(LATEST.search(text))


def asks_trend(question: Question, text: str) -> bool:
    return bool(TREND.search(text)) or (question.operation == "growth" and not periods_in(text))


def trend_years(text: str) -> tuple[int | None, int | None]:
    """The years a trend question bounds ("since 2020", "from 2019 to 2024")."""
    match = _SINCE.search(text)
    if not match:
        return None, None
    years = [int(g) for g in match.groups() if g]
    return years[0], years[1] if len(years) > 1 else None


def age_in_years(row: Row, today: date) -> float:
    return years_between(row.period.end, today)
