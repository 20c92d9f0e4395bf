"""Periods as sources write them ("Q4 2019", "fiscal 2020 (year to March 2020)", "quarter ended
September 2025", "2019", "March 2024") read as date ranges that can be ordered and matched.

A label that is not plainly a period ("three years from 2025", "2020 (forecast)") is not one:
such figures still answer questions, but take no part in latest/period/trend logic.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from .words import MONTHS

_MONTH_NUMBER = {name.lower(): i for i, name in enumerate(MONTHS, start=1)}
_MONTH_NUMBER.update({name[:3].lower(): i for i, name in enumerate(MONTHS, start=1)})
_MONTH_NUMBER["sept"] = 9
_YEAR = r"((?:19|20)\d\d)"
_MONTH = r"(" + "|".join(sorted(_MONTH_NUMBER, key=len, reverse=True)) + r")\.?"
_QUARTER_WORD = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3,
                 "4th": 4, "final": 4, "last": 4}
# "The last quarter of 2017" is its fourth; "last quarter" alone is the one before now.
_NTH = r"(first|second|third|fourth|1st|2nd|3rd|4th|final|last)"

# Each pattern once; `_read` turns its groups into (start, end). The most specific come first.
_PATTERNS = [
    ("fiscal", rf"(?:fiscal(?: year)?|fy)\s?'?{_YEAR}(?:\s*\((?:fiscal )?year (?:to|ended|ending) "
               rf"{_MONTH},? {_YEAR}\))?"),
    ("quarter_ended", rf"(?:the )?(?:three months|quarter) (?:ended|ending|to) (?:\d{{1,2}} )?"
                      rf"{_MONTH}(?: \d{{1,2}})?,? {_YEAR}"),
    ("year_to", rf"(?:the )?(?:twelve months|12 months|year) (?:ended|ending|to) (?:\d{{1,2}} )?"
                rf"{_MONTH}(?: \d{{1,2}})?,? {_YEAR}"),
    # "the June 2025 quarter", "the December quarter of 2019": the quarter ending that month.
    ("month_quarter", rf"{_MONTH},? {_YEAR} (?:quarter|qtr)|{_MONTH} (?:quarter|qtr),? "
                      rf"(?:of |in )?{_YEAR}"),
    ("quarter", rf"q([1-4])\s?(?:of\s)?{_YEAR}|{_YEAR}\s?q([1-4])|"
                rf"{_NTH}[ -]quarter(?: of)?(?: the)? {_YEAR}(?! fiscal)(?: calendar year)?"),
    ("half", rf"h([12])\s?{_YEAR}|(first|second) half(?: of)? {_YEAR}"),
    ("day", rf"(\d{{1,2}}) {_MONTH},? {_YEAR}|{_MONTH} (\d{{1,2}}),? {_YEAR}|"
            rf"{_YEAR}-([01]\d)-([0-3]\d)"),
    ("month", rf"{_MONTH},? {_YEAR}|{_YEAR}-([01]\d)"),
    ("year", rf"(?:calendar (?:year )?)?{_YEAR}"),
]
_FULL = [(kind, re.compile(p, re.IGNORECASE)) for kind, p in _PATTERNS]
_ANY = re.compile("|".join(rf"(?P<{kind}>\b(?:{p})\b)" for kind, p in _PATTERNS), re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Period:
    """A span of time and the label it was written as; ordered by when it ends."""

    end: date
    start: date
    label: str

    @property
    def short_label(self) -> str:
        """The label without its parenthesis: "fiscal 2018" of "fiscal 2018 (year to March
        2018)", for a sentence that lists several periods."""
        return self.label.split(" (")[0]

    @property
    def part_of_year(self) -> bool:
        """A quarter, a month or a day: less than a whole calendar year."""
        return (self.start.month, self.start.day, self.end.month, self.end.day) != (1, 1, 12, 31)

    def same_span(self, other: Period) -> bool:
        return (self.start, self.end) == (other.start, other.end)

    @property
    def open_fiscal(self) -> bool:
        """A fiscal year named without the month it ends ("FY2020"): its span is unknown."""
        return bool(re.fullmatch(r"(?:fiscal(?: year)?|fy)\s?'?\d{4}", self.label.strip(),
                                 re.IGNORECASE))

    def names(self, other: Period) -> bool:
        """Whether this period, as asked, is `other`: the same span, or the same fiscal year
        ("FY2018" or "fiscal year 2018" asked, "fiscal 2018 (year to March 2018)" written)."""
        if self.open_fiscal:
            return _fiscal_year(self.label) == _fiscal_year(other.label)
        return self.same_span(other)

    def contains(self, other: Period) -> bool:
        if self.open_fiscal:  # not a calendar year: only the same fiscal year is in it
            return self.names(other)
        return self.start <= other.start and other.end <= self.end


def parse_period(label: str) -> Period | None:
    """The period a label names, or None when it is not plainly one."""
    text = re.sub(r"\s+", " ", (label or "").strip())
    for kind, pattern in _FULL:
        match = pattern.fullmatch(text)
        if match:
            span = _read(kind, [g for g in match.groups() if g])
            return Period(span[1], span[0], text) if span else None
    return None


def periods_in(text: str) -> list[Period]:
    """The periods a question names, in order ("in Q2 2022", "fiscal 2018", "2019")."""
    return [period for _, _, period in period_matches(text)]


def period_matches(text: str):
    """(where, kind, period) of each period a text names, in order; kind is the pattern's name
    ("quarter_ended", "quarter", "day", "year", ...)."""
    for match in _ANY.finditer(text or ""):
        kind = match.lastgroup
        inner = _FULL[[k for k, _ in _FULL].index(kind)][1].fullmatch(match.group(0))
        span = _read(kind, [g for g in inner.groups() if g]) if inner else None
        if span:
            yield match.start(), kind, Period(span[1], span[0], match.group(0))


def _fiscal_year(label: str) -> str | None:
    found = re.match(r"\s*(?:the )?(?:fiscal(?: year)?|fy)\s?'?(\d{4})", label, re.IGNORECASE)
    return found.group(1) if found else None


def month_number(name: str) -> int:
    """1-12 for a month's name or abbreviation ("Sept.", "September", "sep")."""
    return _MONTH_NUMBER[name.lower().rstrip(".")]


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _back(year: int, month: int, months: int) -> date:
    """The first day of the span of `months` months ending with (year, month)."""
    index = year * 12 + month - months  # month indexes count from 0
    return date(index // 12, index % 12 + 1, 1)


def _read(kind: str, groups: list[str]) -> tuple[date, date] | None:
    try:
        if kind == "fiscal":
            if len(groups) == 3:  # "fiscal 2020 (year to March 2020)"
                month, year = month_number(groups[1]), int(groups[2])
                return _back(year, month, 12), _month_end(year, month)
            year = int(groups[0])
            return date(year, 1, 1), date(year, 12, 31)
        if kind in ("quarter_ended", "month_quarter", "year_to"):
            month, year = month_number(groups[0]), int(groups[-1])
            months = 12 if kind == "year_to" else 3
            return _back(year, month, months), _month_end(year, month)
        if kind == "quarter":
            year = next(g for g in groups if g.isdigit() and len(g) == 4)
            quarter = next(g for g in groups if g is not year)
            q = _QUARTER_WORD.get(quarter.lower()) or int(quarter)
            return date(int(year), 3 * q - 2, 1), _month_end(int(year), 3 * q)
        if kind == "half":
            half, year = groups
            h = {"first": 1, "second": 2}.get(half.lower()) or int(half)
            return date(int(year), 6 * h - 5, 1), _month_end(int(year), 6 * h)
        if kind == "day":
            if groups[0].isdigit() and len(groups[0]) == 4:  # ISO
                day = date(int(groups[0]), int(groups[1]), int(groups[2]))
            elif groups[0].isdigit():
                day = date(int(groups[2]), month_number(groups[1]), int(groups[0]))
            else:
                day = date(int(groups[2]), month_number(groups[0]), int(groups[1]))
            return day, day
        if kind == "month":
            if groups[0].isdigit():
                year, month = int(groups[0]), int(groups[1])
            else:
                month, year = month_number(groups[0]), int(groups[1])
            return date(year, month, 1), _month_end(year, month)
        year = int(groups[0])
        return date(year, 1, 1), date(year, 12, 31)
    except (ValueError, KeyError):  # "31 February", "month 13"
        return None


def parse_date(text: str) -> date | None:
    """A source's date ("2025", "2025-11", "2025-11-25") as the last day it can mean."""
    period = parse_period(text)
    return period.end if period else None


def year_of(text) -> int:
    """The year a date text starts with ("2025-11-25" -> 2025), 0 when it has none."""
    found = re.match(r"\s*((?:19|20)\d\d)", str(text or ""))
    return int(found.group(1)) if found else 0


def years_reported(published: str) -> list[str]:
    """The years a report dated `published` speaks of when it names none: its own and the
    one before (a report speaks of the latest quarter or year)."""
    year = year_of(published)
    return [str(year), str(year - 1)] if year else []


def undated_time(published: str, asked: list[Period]) -> list[Period]:
    """What an undated sentence or amount in a report dated `published` may speak of, for a
    question that asks of `asked`: of a quarter or a month, the report's own day (what stands
    as written) and the last quarter ended before it (the results it reports); else the
    report's year and the one before."""
    if any(p.part_of_year for p in asked):
        day = parse_period(published or "")
        quarter = quarter_reported(published)
        if day is not None and quarter is not None:
            return [day, quarter]
    return periods_in(" ".join(years_reported(published)))


@lru_cache(maxsize=4096)
def quarter_reported(published: str) -> Period | None:
    """The quarter a report dated to the day speaks of when it names none: the last one ended
    before it ("last quarter" in a report of 25 November 2025 is Q3 2025)."""
    day = parse_period(published or "")
    if day is None or day.start != day.end:
        return None
    ended = (day.end.month - 1) // 3  # quarters of the report's year ended before its month
    year, month = (day.end.year, 3 * ended) if ended else (day.end.year - 1, 12)
    return Period(_month_end(year, month), _back(year, month, 3), f"quarter to {month}/{year}")


def period_year(label: str) -> str:
    """The year a period label names ("Q4 2019" -> "2019", "fiscal 2018 (year to March 2018)"
    -> "2018"), "" when it names none."""
    found = re.search(r"(?:19|20)\d\d", label or "")
    return found.group(0) if found else ""


def years_between(earlier: date, later: date) -> float:
    return (later - earlier).days / 365.25


_QUARTER = re.compile(r"\bQ([1-4])\b|\b(first|second|third|fourth|1st|2nd|3rd|4th)[ -]quarter\b",
                      re.IGNORECASE)
_QUARTER_WORDS = {word: str(q) for word, q in _QUARTER_WORD.items()}


QUARTER_OF_YEAR = re.compile(rf"\bQ([1-4])\s?(?:of\s)?{_YEAR}\b|"
                             rf"\b{_NTH}[ -]quarter(?: of)?(?: the)? {_YEAR}\b(?! fiscal)",
                             re.IGNORECASE)


def quarter_label(match: re.Match) -> str:
    """A QUARTER_OF_YEAR match written as "Q4 2022"."""
    q = match.group(1) or _QUARTER_WORDS[match.group(3).lower()]
    return f"Q{q} {match.group(2) or match.group(4)}"


def quarter_periods_in(text: str) -> list[str]:
    """Quarters named with their year, as "Q4 2022"."""
    return list(dict.fromkeys(quarter_label(m) for m in QUARTER_OF_YEAR.finditer(text)))


def quarters_in(text: str) -> list[str]:
    """Quarters named in a text, as "Q1".."Q4"."""
    found = []
    for m in _QUARTER.finditer(text):
        found.append("Q" + (m.group(1) or _QUARTER_WORDS[m.group(2).lower()]))
    return list(dict.fromkeys(found))


def shifted_back(periods: list[Period], months: int) -> list[Period]:
    """The same spans `months` months earlier: what "a year earlier" or "the previous
    quarter" speaks of beside a stated period."""
    def back(day: date) -> date:
        index = day.year * 12 + day.month - 1 - months
        year, month = index // 12, index % 12 + 1
        return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
    return [Period(back(p.end), back(p.start), f"{p.label} less {months} months")
            for p in periods]


def overlap(some: list[Period], others: list[Period]) -> bool:
    """Whether any period of one list shares a day with any of the other."""
    return any(a.start <= b.end and b.start <= a.end for a in some for b in others)
