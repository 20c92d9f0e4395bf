"""The dated corpus and time-aware answers, checked against the figures table itself: for every
measure with several periods, the latest value, each period's value, and an absent period."""

import csv
import re
from collections import Counter
from datetime import date
from pathlib import Path

import frontmatter
import pytest

from assistant.answering.arithmetic import value_text
from assistant.answering.timeline import agree, conflicts
from assistant.language.periods import parse_period, periods_in

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
ARTICLE = ROOT.parent / "shared" / "corpus"


def _measures(bot, min_periods=2):
    return [m for m in bot.timeline.measures if len(m.spans()) >= min_periods]


def _values(rows) -> set[str]:
    return {value_text(r.figure) for r in rows}


def test_periods_read_as_date_ranges():
    q4 = parse_period("Q4 2019")
    assert (q4.start, q4.end) == (date(2019, 10, 1), date(2019, 12, 31))
    fiscal = parse_period("fiscal 2016 (year to March 2016)")
    assert (fiscal.start, fiscal.end) == (date(2015, 4, 1), date(2016, 3, 31))
    ended = parse_period("quarter ended September 2025")
    assert ended.same_span(parse_period("Q3 2025"))
    year_to = periods_in("revenue over the twelve months to March 2018")[0]
    assert (year_to.start, year_to.end) == (date(2017, 4, 1), date(2018, 3, 31))
    june = periods_in("revenue in the June 2025 quarter")[0]
    assert june.same_span(parse_period("Q2 2025"))
    assert periods_in("the December quarter of 2019")[0].same_span(parse_period("Q4 2019"))
    # The last quarter of a year is its fourth; "last quarter" alone names no year.
    for text in ("in the final quarter of 2017", "the last quarter of 2017", "fourth-quarter 2017"):
        assert periods_in(text)[0].same_span(parse_period("Q4 2017")), text
    assert periods_in("revenue rose last quarter") == []


def test_a_report_dated_to_the_day_speaks_of_the_last_quarter_before_it():
    from assistant.language.periods import quarter_reported
    assert quarter_reported("2025-11-25").same_span(parse_period("Q3 2025"))
    assert quarter_reported("2025-09-01").same_span(parse_period("Q2 2025"))
    assert quarter_reported("2025-01-15").same_span(parse_period("Q4 2024"))
    assert quarter_reported("2025") is None  # a year alone says no quarter
    assert parse_period("2025 (forecast)") is None  # not plainly a period
    assert parse_period("three years from 2025") is None
    asked = periods_in("What was it in fiscal 2018, and in the first quarter of 2025?")
    assert [p.label for p in asked] == ["fiscal 2018", "first quarter of 2025"]
    assert asked[0].names(parse_period("fiscal 2018 (year to March 2018)"))


def test_values_agree_to_the_precision_given():
    assert agree(46, 46.4) and agree(46.4, 46.40)
    assert not agree(64.3, 67.19) and not agree(77.1, 80)


def test_default_corpus_is_dated_sourced_and_large_enough():
    notes = sorted(p for p in CORPUS.glob("*.md"))
    dated = [frontmatter.load(p) for p in notes]
    with_sources = [d for d in dated if d.get("sources")]
    assert len(with_sources) >= 15
    years = {str(d["published"])[:4] for d in with_sources}
    assert {"2016", "2025"} <= years
    for d in with_sources:
        assert d["title"] and d["author"] and d["published"]
        assert all({"publisher", "title", "date", "url"} <= set(s) for s in d["sources"])
    rows = list(csv.DictReader((CORPUS / "figures.csv").open(encoding="utf-8")))
    assert len(rows) >= 80
    stems = {p.stem for p in notes}
    assert all(r["source"] in stems and r["as_of"] and r["locator"] for r in rows)
    periods = Counter((r["entity"], r["metric"]) for r in rows if parse_period(r["period"]))
    assert sum(1 for n in periods.values() if n >= 3) >= 5


def test_no_sentence_of_the_original_article_is_copied():
    """Our notes paraphrase: no run of twelve words from the article appears in them."""
    def runs(text, n=12):
        words = re.findall(r"[a-z0-9]+", text.lower())
        return {" ".join(words[i:i + n]) for i in range(len(words) - n + 1)}

    if not ARTICLE.exists():
        pytest.skip("../shared/corpus is not available")
    article = set().union(*(runs(p.read_text(encoding="utf-8")) for p in ARTICLE.glob("*.md")))
    for note in CORPUS.glob("*.md"):
        copied = runs(frontmatter.load(note).content) & article
        assert not copied, f"{note.name} copies the article: {sorted(copied)[:2]}"


def test_latest_value_of_every_measure_with_its_period(default_bot):
    for m in _measures(default_bot):
        newest = m.newest()
        answer = default_bot.ask(f"What is the latest {m.metric} of {m.entity}?")
        assert not answer.abstained, m.name
        assert any(v in answer.answer for v in _values(newest)), (m.name, answer.answer)
        assert newest[0].period.label in answer.answer, (m.name, answer.answer)
        assert answer.citations and answer.figures


def test_value_of_every_measure_in_each_period(default_bot):
    for m in _measures(default_bot):
        for period in m.spans():
            answer = default_bot.ask(f"What was the {m.metric} of {m.entity} in {period.label}?")
            rows = m.at(period)
            assert not answer.abstained, (m.name, period.label)
            assert any(v in answer.answer for v in _values(rows)), (m.name, answer.answer)


def test_a_period_the_sources_lack_abstains_and_names_the_nearest(default_bot):
    for m in _measures(default_bot):
        covered = {y for p in m.spans() for y in range(p.start.year, p.end.year + 1)}
        gaps = [y for y in range(min(covered), max(covered)) if y not in covered]
        year = gaps[0] if gaps else min(covered) - 1
        answer = default_bot.ask(f"What was the {m.metric} of {m.entity} in {year}?")
        assert answer.abstained, (m.name, year, answer.answer)
        asked = periods_in(str(year))[0]
        for nearest in m.nearest(asked):
            assert nearest.short_label in answer.answer, (m.name, answer.answer)


def test_disagreeing_sources_are_shown_side_by_side(default_bot):
    pairs = [(m, p) for m in default_bot.timeline.measures for p in m.spans()
             if conflicts(m.at(p))]
    assert len(pairs) >= 2  # the corpus holds at least two disagreements
    for m, period in pairs:
        answer = default_bot.ask(f"What was the {m.metric} of {m.entity} in {period.label}?")
        assert "disagree" in answer.answer, answer.answer
        group = conflicts(m.at(period))[0]
        lines = answer.answer.splitlines()
        for row in group:  # each value on its own line, cited
            line = next(x for x in lines if value_text(row.figure) in x)
            assert re.search(r"\[\d+\]", line), line


def test_old_figures_say_how_old_they_are(default_bot):
    today = default_bot.knowledge.today
    try:
        default_bot.knowledge.today = date(2026, 11, 27)
        stale = [m for m in default_bot.timeline.measures
                 if m.newest()[0].period.end.year <= 2020][:3]
        fresh = [m for m in default_bot.timeline.measures
                 if m.newest()[0].period.end >= date(2025, 1, 1)][:3]
        assert stale and fresh
        for m in stale:
            answer = default_bot.ask(f"What is the current {m.metric} of {m.entity}?")
            assert "years old" in answer.answer and answer.calculation, answer.answer
        for m in fresh:
            answer = default_bot.ask(f"What is the current {m.metric} of {m.entity}?")
            assert "years old" not in answer.answer, answer.answer
    finally:
        default_bot.knowledge.today = today


def test_trend_questions_answer_with_the_series_and_its_change(default_bot):
    for m in _measures(default_bot, min_periods=3)[:6]:
        answer = default_bot.ask(f"How has the {m.metric} of {m.entity} changed over time?")
        series = m.series()
        assert not answer.abstained, answer.answer
        for row in series:
            assert row.period.label in answer.answer and value_text(row.figure) in answer.answer
        assert "Change:" in answer.answer and answer.calculation
        assert len(answer.figures) == len(series)


def test_since_keeps_only_sources_from_that_year_on(default_bot):
    m = max(_measures(default_bot), key=lambda m: m.newest()[0].period.end)
    question = f"What is the latest {m.metric} of {m.entity}?"
    year = m.newest()[0].reported.year
    answer = default_bot.ask(question, since=year)
    assert not answer.abstained
    assert all(c.passage.metadata["published"][:4] >= str(year) for c in answer.citations)
    old = default_bot.ask(f"What was the {m.metric} of {m.entity} in "
                          f"{m.spans()[0].label}?", since=year + 1)
    assert old.abstained or all(c.passage.metadata["published"][:4] > str(year)
                                for c in old.citations)


def test_a_bad_today_setting_is_a_clear_error(tmp_path):
    from assistant.answering.knowledge import today as _today
    from assistant.config import Settings
    from assistant.errors import AssistantError

    assert _today(Settings(today="2026-11-27")) == date(2026, 11, 27)
    with pytest.raises(AssistantError, match="ASSISTANT_TODAY"):
        _today(Settings(today="soon"))
