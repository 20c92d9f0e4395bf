"""The figures engine: find the figures a question is about, then look up or compute.

Figures come from the curated table and from article sentences (figure_index.py); a question's
names, years and words pick them, with the embedding model breaking ties. Arithmetic is shown
(arithmetic.py), and units are never mixed.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..ingest.documents import Figure
from ..ingest.extract import CURRENCY_WORDS
from ..language.numbers import unit_scale
from ..language.periods import (
    overlap,
    period_year,
    periods_in,
    undated_time,
    years_reported,
)
from ..language.questions import FRAMING_WORDS, Question
from ..language.words import CHANGE, MONTHS, tokenize
from .arithmetic import (
    FigureAnswer,
    before_growth,
    calculate,
    comparable,
    portion_of,
    same_scale,
    unit_kind,
    year_of_period,
)
from .figure_index import FigureIndex

# Comparison words a question may use around its measure ("wider", "gap", "factor").
_COMPARING = frozenset(tokenize("times wider narrower gap factor multiple ratio difference "
                                "fraction proportion portion percentage percent "
                                "compare compared versus against than over between per each "
                                "every together combined total sum average mean absolute "
                                "go went gone grew grow increase rise rose climb jump"))


_WHOLE = frozenset(tokenize("total overall whole"))
_FLOOR = 0.3  # the least rank score of a figure worth computing with


# The share of a measure's (IDF-weighted) words a sentence must hold to be of it.
SAYS_MEASURE = 0.34


@lru_cache(maxsize=8192)
def _periods_of(label: str) -> tuple:
    """A figure's period label read as date ranges, once per label (figures are ranked for
    every question)."""
    return tuple(periods_in(label))


def measure_words(question: Question, idf) -> dict[str, float]:
    """The measure asked, IDF-weighted: the question less its names, periods and the words
    that frame it or ask for arithmetic ("how many times larger", "grow", "fiscal", "gap")."""
    named = {t for n in question.names for t in tokenize(n)}
    framing = FRAMING_WORDS | _COMPARING | {m.lower() for m in MONTHS}
    if question.operation == "share":
        framing -= _WHOLE  # "what share of total revenue": the total is one of the figures
    return {t: max(idf(t) or 0.0, 0.1) for t in question.tokens
            if t not in named and not t.isdigit() and t not in framing}


def figure_years(fig: Figure) -> set[str]:
    """The years a figure may be of: its period's or, for an amount read from an article whose
    sentence dates it no other way ("the quarter ending in March"), its report's year or the
    one before (a report speaks of the latest quarter or year)."""
    if period_year(fig.period) or fig.table != "extracted":
        return {period_year(fig.period)} - {""}
    return set(years_reported(fig.as_of))


def of_periods(fig: Figure, periods: list[str]) -> bool:
    return bool(figure_years(fig) & set(periods))


def covered(weight: dict[str, float], tokens: frozenset, alternatives: dict) -> float:
    return sum(w for t, w in weight.items() if t in tokens or alternatives.get(t, set()) & tokens)


def _paired(question: Question) -> bool:
    """Whether each name goes with its own period ("A's 2014 against B's 2015"): a name
    between the two periods, or a period between the two names."""
    low = question.text.lower()
    at = [low.find(x.lower()) for x in (*question.names[:2], *question.periods[:2])]
    if len(at) < 4 or min(at) < 0:
        return False
    name_a, name_b, period_a, period_b = at
    return min(period_a, period_b) < name_b < max(period_a, period_b) or \
        min(name_a, name_b) < period_b < max(name_a, name_b)


class FigureFinder(FigureIndex):
    """Matches questions to figures by names, years and meaning, and computes on them."""

    def rank(self, question: Question, vector, idf, passage_ids) -> list[tuple[float, int]]:
        """(score, index) of the candidate figures, best first."""
        indexes = self.candidates(passage_ids)
        if not indexes:
            return []
        q = np.asarray(vector, dtype=np.float32)
        self._embed(indexes)
        sims = {i: float(self._vectors[i] @ q) for i in indexes}
        # The measure's words, not the words asking for arithmetic ("bigger", "times"): a
        # sentence that compares things is not the figure of each thing.
        weight = self._measure_weight(question, idf, indexes)
        total = sum(weight.values()) or 1.0
        ranked = []
        asked = periods_in(question.asked)
        for i in indexes:
            fig = self.figures[i]
            coverage = sum(w for t, w in weight.items() if t in self.tokens[i]) / total
            score = sims[i] + 0.6 * coverage
            if question.periods:
                score += 0.3 if of_periods(fig, question.periods) else -0.3
            if asked and any(a.same_span(o) for a in asked for o in _periods_of(fig.period)):
                score += 0.15  # "in 2021": the year's figure before one of its quarters
            if self.is_curated(i):
                score += 0.05
            scaled = fig.value * unit_scale(fig.unit)
            if any(abs(v - n) <= 0.005 * abs(n) for n in question.numbers if n
                   for v in (fig.value, scaled)):
                score += 0.8  # the question states this very value (a resolved follow-up)
            ranked.append((score, i))
        ranked.sort(reverse=True)
        return ranked

    def _measure_weight(self, question: Question, idf, indexes) -> dict[str, float]:
        """The measure's words, weighted by how rare each is among these figures: "cloud" may
        be in every passage of a corpus and still tell a segment's figure from the total."""
        count = len(indexes)
        return {t: float(np.log((count + 1) / (1 + sum(t in self.tokens[i] for i in indexes))))
                + 0.1 for t in measure_words(question, idf)}

    @staticmethod
    def match(fits: dict[str, dict[str, float]], names: list[str]) -> float:
        """How well the figures fit the question (from `fits`): for each thing it names, the
        best figure about it, in the period asked, measuring what is asked (IDF-weighted
        words); the weakest of those. Near 0 when the sources hold figures on the subject but
        not the one asked for."""
        return min((max((f.get(n, 0.0) for f in fits.values()), default=0.0)
                    for n in names or [""]), default=0.0)

    @staticmethod
    def by_sentence(fits: dict[str, dict[str, float]], names: list[str]) -> dict[str, float]:
        """For each sentence that states a figure, how well its best figure fits the question:
        a sentence holding the figure asked for is likely the answer."""
        return {note: min(fit.get(n, 0.0) for n in names or [""]) for note, fit in fits.items()}

    def fits(self, question: Question, idf, passage_ids) -> dict[str, dict[str, float]]:
        """{figure's sentence: {name: fit}} over the candidate figures in the period asked:
        read once per question, for the sentence ranking and the answerability judge."""
        weight = measure_words(question, idf)
        total = sum(weight.values())
        fits: dict[str, dict[str, float]] = {}  # by the figure's sentence, by name
        asked = periods_in(question.asked)
        for i in self.candidates(passage_ids):
            fig = self.figures[i]
            if question.periods and not of_periods(fig, question.periods):
                continue
            if question.quarters and not any(q in fig.period for q in question.quarters):
                continue
            own = periods_in(fig.period)
            if asked and own and not any(a.contains(o) for a in asked for o in own):
                continue  # "the June 2025 quarter" is not the quarter to September, nor 2025
            if asked and not own and fig.table == "extracted" and \
                    not overlap(undated_time(fig.as_of, asked), asked):
                continue  # an amount its report dates no other way is of the report's time
            coverage = covered(weight, self.tokens[i], question.alternatives) / total \
                if total else 1.0
            fit = fits.setdefault(fig.note, {})
            for name in question.names or [""]:
                about = self.mentions(i, name) if name else 1.0
                fit[name] = max(fit.get(name, 0.0), about * coverage)
        return fits

    def pick(self, question: Question, vector, idf, passage_ids, floor: float = _FLOOR,
             strict: bool = False) -> list[Figure]:
        """The two figures to compute with: one per name (or per year), the best-scoring
        comparable pair. `strict`: each must be about its name, in the same period."""
        ranked = self.worth(question, vector, idf, passage_ids, floor)[:40]
        if question.operand_kind:  # "how much bigger was revenue": amounts, not growth rates
            ranked = [r for r in ranked if _of_kind(self.figures[r[1]], question.operand_kind)]
        if question.operation == "share":  # a part of a whole: two amounts, not two rates
            ranked = [r for r in ranked if unit_kind(self.figures[r[1]].unit) != "percent"]
        if not ranked:
            return []
        periods = question.periods
        if question.operation == "growth" and len(periods) == 1:
            periods = [str(int(periods[0]) - 1), periods[0]]  # "growth in 2020": from 2019
        paired = _paired(question)  # each name with its own period
        slots = self._slots(ranked, question.names, periods, strict, paired)
        if strict and (len(question.names) < 2 or len(slots) < 2):
            return []
        if len(slots) < 2:
            slots = [ranked, ranked]
        pairs = self._pairs(question, idf, slots, periods, strict,
                            over_time=len(periods) >= 2 and not paired)
        if not pairs:
            return []
        best = max(p[0] for p in pairs)
        close = [p for p in pairs if p[0] >= best - 0.25]
        # No period asked: of the pairs that fit about as well, the newest.
        chosen = max(close, key=lambda p: (p[1], p[0])) if not periods else \
            max(pairs, key=lambda p: p[0])
        return [chosen[2], chosen[3]]

    def _slots(self, ranked, names, periods, strict: bool, paired: bool
               ) -> list[list[tuple[float, int]]]:
        """The candidates for each of the two figures: by name and period, by period, by name,
        or (neither asked) the same ranking twice."""
        if paired:  # "A's 2014 against B's 2015"
            return [[(s - 0.3 * (1 - m), i) for s, i in ranked
                     for m in [self.mentions(i, name)] if m >= 0.5
                     and of_periods(self.figures[i], [period])]
                    for name, period in zip(names[:2], periods[:2], strict=False)]
        if len(periods) >= 2:
            # "How did X's share change from 2019 to 2025": X's figure at both times.
            subject = self.subject(names, [i for _, i in ranked])
            about = [(s, i) for s, i in ranked if self.mentions(i, subject) >= 0.5] \
                if names else ranked
            return [[(s, i) for s, i in about if of_periods(self.figures[i], [period])]
                    for period in periods[:2]]
        if len(names) >= 2:
            # One slot per name; of several names, the first two whose figures differ
            # ("Acme's EU customers" and "Globex's": Acme and EU may share a figure).
            by_name = [[(s - 0.3 * (1 - m), i) for s, i in ranked
                        for m in [self.mentions(i, name)] if m >= (1 if strict else 0.5)]
                       for name in names]
            by_name = [b for b in by_name if b]
            for j in range(1, len(by_name)):
                if by_name[j][0][1] != by_name[0][0][1]:
                    return [by_name[0], by_name[j]]
            return by_name[:2]
        return [ranked, ranked]

    def _pairs(self, question: Question, idf, slots, periods, strict: bool, over_time: bool
               ) -> list[tuple[float, int, Figure, Figure]]:
        """Every comparable pair from the two slots, scored: (score, years, figure, figure)."""
        # Between them the two figures should measure what is asked: "core commerce against
        # cloud" wants one of each, not two figures that each fit one word.
        weight = self._measure_weight(question, idf, {i for slot in slots for _, i in slot})
        total = sum(weight.values())
        # Of the measure, what it is, less when and in what unit: "cloud revenue", not "fourth"
        # or "dollars".
        aside = {t for p in periods_in(question.text) for t in tokenize(p.label)} | \
            {t for w in CURRENCY_WORDS for t in tokenize(w)}
        core = {t: w for t, w in weight.items() if t not in aside}
        core_total = sum(core.values())
        pairs = []
        for sa, a in slots[0][:8]:
            for sb, b in slots[1][:8]:
                fa, fb = self.figures[a], self.figures[b]
                if a == b or fa.value == fb.value or not comparable(*same_scale(fa, fb)):
                    continue
                if strict and (fa.period != fb.period or not self.same_measure(a, b)):
                    continue
                # A change over time is one measure at two times: alike in context, or one
                # thing's amounts of one kind that each say most of the measure asked.
                said = min(covered(core, self.tokens[i], question.alternatives)
                           for i in (a, b)) / core_total if core_total else 0.0
                if over_time and not self.same_measure(a, b) and not (
                        fa.unit == fb.unit and said >= 0.5 and
                        self._same_subject(question, a, b)):
                    continue
                if fa.period == fb.period and fa.entity and \
                        fa.entity.lower() == fb.entity.lower() and self.same_measure(a, b):
                    continue  # one value reported twice (sources that disagree), not two
                value = sa + sb + (0.3 if fa.unit == fb.unit else 0.0)
                value += 0.2 if fa.period == fb.period and len(periods) < 2 else 0.0
                if total:
                    value += 0.6 * covered(weight, self.tokens[a] | self.tokens[b],
                                            question.alternatives) / total
                if over_time:  # one measure of one thing in two periods, not two things
                    value += 0.4 * (bool(fa.entity) and fa.entity.lower() == fb.entity.lower()) + \
                        0.4 * self.same_measure(a, b) + 0.6 * said
                pairs.append((value, year_of_period(fa.period) + year_of_period(fb.period), fa, fb))
        return pairs

    def _same_subject(self, question: Question, a: int, b: int) -> bool:
        """Two figures of one thing: the same owner, or both about the name asked ("Globex"
        and "Globex Group" when Globex is asked)."""
        fa, fb = self.figures[a], self.figures[b]
        if fa.entity and fa.entity.lower() == fb.entity.lower():
            return True
        return bool(question.names) and all(self.mentions(i, question.names[0]) == 1.0
                                            for i in (a, b))

    def compute(self, question: Question, vector, idf, passage_ids, strict: bool = False
                ) -> FigureAnswer | None:
        """The asked arithmetic on the two figures the question is about, shown step by step."""
        if question.operation == "portion":
            return self._portion(question, vector, idf, passage_ids)
        if question.operation == "before_growth":
            return self._before_growth(question, vector, idf, passage_ids)
        chosen = self.pick(question, vector, idf, passage_ids, strict=strict)
        if len(chosen) < 2:
            return None
        return calculate(question.operation or "compare", chosen)

    def worth(self, question: Question, vector, idf, passage_ids, floor: float = _FLOOR
              ) -> list[tuple[float, int]]:
        """The ranked figures that fit the question well enough to compute with."""
        return [r for r in self.rank(question, vector, idf, passage_ids) if r[0] >= floor]

    def _before_growth(self, question: Question, vector, idf, passage_ids
                       ) -> FigureAnswer | None:
        """The best-fitting amount, taken back by the growth rate its sentence states ("grew
        45% to USD 27.4 billion")."""
        ranked = [i for _, i in self.worth(question, vector, idf, passage_ids)[:20]]
        # Of the amounts about what the question names, if it names anything they are about.
        about = [i for i in ranked if question.names
                 and max(self.mentions(i, n) for n in question.names) >= 1.0]
        rates = {self.figures[j].note: self.figures[j] for j in self.candidates(passage_ids)
                 if self.figures[j].unit == "percent" and self.figures[j].note}
        for i in about or ranked:
            amount = self.figures[i]
            if amount.unit not in {"percent", "percentage points"} and amount.note in rates:
                return before_growth(amount, rates[amount.note])
        return None

    def _portion(self, question: Question, vector, idf, passage_ids) -> FigureAnswer | None:
        """A percentage about what is asked, of the amount that fits the question best."""
        ranked = [i for _, i in self.worth(question, vector, idf, passage_ids)[:20]]
        percent = next((i for i in ranked if self.figures[i].unit == "percent" and (
            not question.names or max(self.mentions(i, n) for n in question.names) == 1.0)), None)
        whole = next((i for i in ranked if self.figures[i].unit not in {"percent",
                                                                       "percentage points"}
                      and unit_scale(self.figures[i].unit) > 1), None)
        if percent is None or whole is None:
            return None
        return portion_of(self.figures[percent], self.figures[whole])


def _of_kind(fig: Figure, kind: str) -> bool:
    """Whether a figure is the kind of amount a question computes with (operand_kind)."""
    if kind == "change":  # a rate of growth: a percentage its sentence says is a change
        return unit_kind(fig.unit) == "percent" and bool(CHANGE.search(f"{fig.metric} {fig.note}"))
    return unit_kind(fig.unit) == kind
