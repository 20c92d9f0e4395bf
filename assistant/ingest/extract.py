"""Figures read from article sentences at load time, so figure questions work on any article.

Each mention of an amount (money, percentage, or a count of something) becomes a Figure with the
sentence as its provenance; the curated figures table, where there is one, wins over these.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter

from langchain_core.documents import Document

from ..language.numbers import CURRENCY_CODES, NUMBER_WORDS, YEAR
from ..language.periods import QUARTER_OF_YEAR, month_number, period_matches, quarter_label
from ..language.spelling import is_english_word
from ..language.words import CHANGE, MONTHS, names_in
from .documents import Figure
from .passages import split_sentences

_SCALES = {"thousand": "thousand", "k": "thousand", "million": "million", "mn": "million",
           "m": "million", "billion": "billion", "bn": "billion", "b": "billion",
           "trillion": "trillion", "tn": "trillion"}
_CURRENCY = {"rmb": "RMB", "usd": "USD", "us$": "USD", "$": "USD", "€": "EUR", "eur": "EUR",
             "£": "GBP", "gbp": "GBP", "hk$": "HKD", "hkd": "HKD", "yuan": "RMB", "dollars": "USD",
             "dollar": "USD", "cny": "RMB", "euros": "EUR", "yen": "JPY", "jpy": "JPY"}
# The words of a currency ("dollars", "yuan"): they say a unit, not what is measured.
CURRENCY_WORDS = frozenset(k for k in _CURRENCY if k.isalpha())
_MENTION = re.compile(
    r"(?P<cur>\b(?:RMB|USD|US\$|HK\$|HKD|EUR|GBP|CNY|JPY)\s?|[$€£])?"
    r"(?<![\w.,])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s?(?P<scale>thousand|million|billion|trillion|bn|mn|tn|[kmb])\b)?"
    r"(?P<pct>\s?(?:%|percent\b|per cent\b|percentage points?\b))?"
    r"(?:\s(?P<cur2>yuan|dollars?|euros|yen)\b)?"
    # The words after an amount say what it counts; a currency code starts the next amount.
    r"(?P<noun>(?:\s(?:of\s)?(?!(?:RMB|USD|HKD|EUR|GBP|CNY|JPY)\b)[a-z][a-z\-]+){1,3})?",
    re.IGNORECASE)
_STOP_NOUN = re.compile(r"\b(?:in|on|at|by|for|from|to|and|or|but|than|the|a|an|with|as|that|which|"
                        r"this|it|is|was|were|are|year|years|its|of)\b.*$")


_MONTH = "(?:" + "|".join([*MONTHS, *(m[:3] for m in MONTHS), "Sept"]) + r")\.?"
_DAY_BEFORE_MONTH = re.compile(rf"^\s?{_MONTH}\b")
_MONTH_BEFORE_DAY = re.compile(rf"\b{_MONTH}\s$")


def extract_figures(passages: list[Document]) -> list[Figure]:
    """Every amount stated in the text passages, as figures citing their passage."""
    ordered = sorted((p for p in passages if p.metadata.get("kind") == "text"),
                     key=lambda p: (p.metadata.get("doc_id", ""), p.metadata.get("position", 0)))
    figures: list[Figure] = []
    previous = None
    subjects = {doc: main_name([p for p in ordered if p.metadata.get("doc_id") == doc])
                for doc in {p.metadata.get("doc_id") for p in ordered}}
    for passage in ordered:
        same_doc = previous is not None and \
            previous.metadata.get("doc_id") == passage.metadata.get("doc_id")
        figures += extract_passage(passage, previous if same_doc else None,
                                   subjects[passage.metadata.get("doc_id")])
        previous = passage
    return figures


# A sentence whose subject is the firm itself, not the last thing named before it.
_THE_COMPANY = re.compile(r"^(?:the|this) (?:company|group|firm|conglomerate)\b", re.IGNORECASE)


def main_name(passages: list[Document]) -> str:
    """The name a document speaks of most: the subject of an amount no name comes with."""
    counts = Counter(n for p in passages for n in names_in(p.page_content))
    return counts.most_common(1)[0][0] if counts else ""


def inner_names(passages: list[Document]) -> set[str]:
    """Names written inside sentences: a sentence's first word may be any word, but "Google"
    capitalized mid-sentence elsewhere is a name where it opens a sentence too. Not a word the
    text also writes in lowercase ("the Cloud" in one place, "cloud" in others)."""
    texts = [p.page_content for p in passages]
    lowercase = {w for t in texts for w in re.findall(r"\b[a-z][a-z\-]*\b", t)}
    return {n for t in texts for s in split_sentences(t) for n in names_in(s)
            if s.find(n) > 0 and n.lower() not in lowercase
            and not _OPENS_QUOTE.search(s[:s.find(n)])}


_OPENS_QUOTE = re.compile(r"[:\"“‘(]\s*$")  # 'said: "Despite …"' starts a sentence too


def extract_passage(passage: Document, previous: Document | None = None,
                    subject: str = "", known: frozenset[str] = frozenset()) -> list[Figure]:
    """The amounts stated in one passage. A sentence that names no period or subject of its
    own ("its revenue in the same year") is about the last ones named before it in this
    passage; at a passage's start, about the document's main subject. `known`: names its
    document writes inside sentences."""
    sentences = split_sentences(passage.page_content)
    before = split_sentences(previous.page_content) if previous is not None else []
    names = inner_names([p for p in (previous, passage) if p is not None]) | known
    published = str(passage.metadata.get("published", ""))
    period, last_named = "", ""
    for sentence in before:
        last_named = _subject(sentence, names) or last_named
        period = _context_period(sentence, published) or period
    if not subject or (sentences and _LEANS_BACK.match(sentences[0])):
        subject = last_named or subject  # "Its revenue…" at a passage's start
    figures: list[Figure] = []
    document_subject = subject
    for sentence in sentences:
        if _THE_COMPANY.match(sentence) and document_subject:
            subject = document_subject  # "The company reported…": the firm the report is on
        figures += _from_sentence(sentence, passage, names,
                                  _relative_period(sentence, published) or period, subject)
        subject = _subject(sentence, names) or subject
        period = _context_period(sentence, published) or period
    return figures


def _subject(sentence: str, known: set[str]) -> str:
    """Whom a sentence is about, for the sentences after it that name no one ("Its revenue
    …"): its first name, not one it cites or sets against another."""
    for name in names_in(sentence):
        pos = sentence.find(name)
        if _is_name(name, pos, known) and not _CITED.search(sentence[:max(pos, 0)]) and \
                not _SET_AGAINST.search(sentence[:max(pos, 0)]):
            return name
    return ""


def _is_name(name: str, pos: int, known: set[str]) -> bool:
    """A capitalized word at `pos` is a name unless it opens the sentence and may be an
    ordinary word ("Revenue rose…"), one its document never writes as a name."""
    return name in known or pos > 0 or " " in name or not is_english_word(name)


_CITED = re.compile(r"\b(?:according to|said|says|per|from)\s+(?:the\s+|a\s+|an\s+)?$", re.I)


_LAST_YEAR = re.compile(r"\b(?:last|the previous|the prior) year\b", re.I)
_THIS_YEAR = re.compile(r"\bthis year\b", re.I)
# A quarter named by the month it ends, with no year: "the September quarter", "the three
# months ended September 30".
_YEARLESS_QUARTER = re.compile(rf"\b({_MONTH}) quarter\b|\b(?:three months|quarter) "
                               rf"(?:ended|ending|to) (?:\d{{1,2}} )?({_MONTH})", re.I)


def _relative_period(sentence: str, published: str) -> str:
    """The period "last year", "this year" or a quarter named by its last month alone ("the
    September quarter", "the three months ended September 30") means in a report published
    then ('' if none): that quarter is the latest to end by the report's month."""
    year = published[:4]
    if not year.isdigit() or YEAR.search(sentence):
        return ""
    quarter = _YEARLESS_QUARTER.search(sentence)
    if quarter and not _is_base(sentence, quarter.start()):
        month = month_number(quarter.group(1) or quarter.group(2))
        published_month = int(published[5:7]) if published[5:7].isdigit() else 12
        end_year = int(year) - (month > published_month)
        return f"{MONTHS[month - 1]} quarter of {end_year}"
    last = _LAST_YEAR.search(sentence)
    if last and not _is_base(sentence, last.start()):  # not "up 5% from the same period last year"
        return str(int(year) - 1)
    return year if _THIS_YEAR.search(sentence) else ""


def _context_period(sentence: str, published: str) -> str:
    """The period a sentence sets for the ones after it that name none."""
    return _period(sentence, len(sentence)) or _relative_period(sentence, published)


def _from_sentence(sentence: str, passage: Document, names: set[str], context_period: str,
                   context_entity: str = "") -> list[Figure]:
    found: list[Figure] = []
    last_end = None  # where the last amount kept ends
    for m in _amounts(sentence):
        raw = m.group("num")
        unit = _unit(m)
        if unit in _SCALES.values() and found and found[-1].unit.startswith(unit + " "):
            unit = found[-1].unit  # "48 million passengers, up from 30 million"
        same_thing = bool(found) and bool(_SET_AGAINST_LAST.search(sentence[:m.start()]))
        if not unit and same_thing:
            unit = found[-1].unit  # "about 200 partners … hopes to grow this number to 2,000"
        if not unit:
            continue
        value = float(raw.replace(",", ""))
        meta = passage.metadata
        key = f"{passage.id}:{m.start()}:{raw}"
        metric = _metric(sentence, m)
        if found and (_LIST_GAP.fullmatch(sentence[last_end:m.start()]) or
                      same_thing and unit == found[-1].unit):
            # "X earned RMB 3 million in 2016, RMB 6 million in 2017 and …": one measure
            metric = found[-1].metric
        last_end = m.end()
        found.append(Figure(
            id="x-" + hashlib.sha1(key.encode()).hexdigest()[:10],
            entity=_entity(sentence, m.start(), names) or context_entity,
            metric=metric, value=value,
            unit=unit, period=_period(sentence, m.start(), _amount_end(m)) or context_period,
            source=meta.get("doc_id", ""),
            locator=meta.get("locator", ""), note=sentence, table="extracted",
            as_of=str(meta.get("published", ""))))
    return found


def _amounts(text: str):
    """The number mentions of a text that are amounts: not a year, a day of a month, a
    paragraph or section number, or a quarter's number."""
    for m in _MENTION.finditer(text):
        if YEAR.fullmatch(m.group("num")) and not (m.group("cur") or m.group("pct")
                                                   or m.group("scale")):
            continue  # a year, not an amount
        if not m.group("cur") and (_DAY_BEFORE_MONTH.match(text[m.end("num"):])
                                   or _MONTH_BEFORE_DAY.search(text[:m.start("num")])):
            continue  # a day of a month
        if re.search(r"(?:para|paragraph|section|Q)\s?$", text[:m.start("num")], re.I):
            continue
        yield m


# A bare number right after these words is set against the amount before it, in its unit.
_SET_AGAINST_LAST = re.compile(r"\b(?:to|from|than|versus|vs\.?)\s+(?:about |around |some |"
                               r"roughly |nearly |almost )?$", re.IGNORECASE)

# Between two amounts of one list: periods and joining words only.
_LIST_GAP = re.compile(r"(?:[\s,;]|\b(?:in|for|during|fiscal|financial|calendar|year|quarter|"
                       r"and|or|then|the|to|from|respectively|Q[1-4]|(?:19|20)\d\d)\b)*",
                       re.IGNORECASE)
_LEANS_BACK = re.compile(r"\s*(?:its|it|their|they|the company|the firm)\b", re.I)


def _amount_end(m: re.Match) -> int:
    """Where the amount itself ends, before the words that may follow it ("in fiscal 2017")."""
    return max(m.end(g) for g in ("num", "scale", "pct", "cur2") if m.group(g))


def _unit(m: re.Match) -> str:
    scale = _SCALES.get((m.group("scale") or "").lower(), "")
    if m.group("scale") and m.group("scale").lower() in {"m", "b", "k"} and not m.group("cur"):
        return ""  # "5 m" is as likely metres: only with a currency
    currency = m.group("cur") or m.group("cur2") or ""
    if currency:
        code = _CURRENCY.get(currency.strip().lower(), currency.strip().upper())
        return f"{code} {scale}".strip()
    if m.group("pct"):
        return "percentage points" if "point" in m.group("pct") else "percent"
    noun = _STOP_NOUN.sub("", (m.group("noun") or "").strip()).strip()
    if noun[:1].isupper():
        noun = ""  # a name after a number is the next cell of a table ("16.6 Globex 8.8")
    if noun.startswith("of "):
        noun = noun[3:]
    if not noun and not scale:
        return ""
    return f"{scale} {noun}".strip()


def currency_of(text: str) -> str:
    """The currency code of the first amount a text states with one ("above $100 million":
    USD), read as the figures are; '' if none."""
    for m in _MENTION.finditer(text):
        code = _unit(m).split(" ")[0]
        if code in CURRENCY_CODES:
            return code
    return ""


def amount_kinds(text: str) -> set[str]:
    """The kinds of amount a text states, read as the figures are: "money" (with a currency),
    "percent", "count" (any other number, or a number word); years and days are none."""
    kinds = set()
    for m in _amounts(text):
        unit = _unit(m).split(" ")[0]
        kinds.add("money" if unit in CURRENCY_CODES else "percent" if m.group("pct") else "count")
    if _NUMBER_WORD.search(text):
        kinds.add("count")
    return kinds


# "One" is as often no count at all ("one of the largest").
_NUMBER_WORD = re.compile(r"\b(?:" + "|".join(sorted(set(NUMBER_WORDS) - {"one"})) +
                          r"|dozens?|hundreds|thousands|millions)\b", re.IGNORECASE)


_QUALIFIES_MEASURE = re.compile(r"\s+(?:revenues?|sales|income|spending|market|share|growth|"
                                r"business|segment|unit|division|services?)\b", re.IGNORECASE)


def _entity(sentence: str, at: int, known: set[str]) -> str:
    # names_in already leaves out months, quarters and currency codes.
    names = [(sentence.find(n), n) for n in names_in(sentence)
             if _is_name(n, sentence.find(n), known)]
    before = [n for pos, n in names if 0 <= pos < at]
    # "Globex held second place with IaaS revenue of $12.7 billion": a name that qualifies the
    # measure ("IaaS revenue") is not whose amount it is, when another name comes before it.
    owners = [n for n in before if not _QUALIFIES_MEASURE.match(
        sentence[sentence.find(n) + len(n):])]
    if before:
        return (owners or before)[-1]
    # Nothing named before the number: a sentence opening "Its revenue…" leans on the one
    # before it; otherwise the first name after the number.
    if _LEANS_BACK.match(sentence):
        return ""
    # "With a 3% share, compared to Globex's 44%, it trails": a name the amount is set against
    # is not whose amount it is.
    after = [(pos, n) for pos, n in names if not _SET_AGAINST.search(sentence[:max(pos, 0)])]
    if not after or re.search(r"\b(?:it|they)\b", sentence[at:after[0][0]]):
        return ""  # "…, it trails Globex": the subject is the one spoken of before
    return after[0][1]


_SET_AGAINST = re.compile(r"\b(?:compared (?:to|with)|against|versus|vs\.?|than|behind|ahead of|"
                          r"beat(?:s|ing)?|exceed(?:s|ed|ing)?|surpass(?:es|ed|ing)?|"
                          r"miss(?:es|ed|ing)?|topp(?:ed|ing))\s+(?:the\s+)?$", re.IGNORECASE)


def _metric(sentence: str, m: re.Match) -> str:
    start = max(0, sentence.rfind(",", 0, m.start()) + 1, m.start() - 60)
    words = re.findall(r"[A-Za-z][A-Za-z\-]+", sentence[start:m.start()])
    return " ".join(words[-4:]).lower()


_PERIOD_AFTER = re.compile(r"^[^,;.]{0,25}?\b(?:in|for|during|of|by|as of|at the end of)\s+"
                           r"(?:the\s+)?(?:fiscal\s+|financial\s+|calendar\s+)?(?:year\s+)?"
                           r"((?:19|20)\d\d)\b")


# Periods an amount may cover that are shorter than a year (a day or a month named in a
# sentence more often dates an event or a report than what an amount covers).
_PART_YEAR = {"quarter", "quarter_ended", "month_quarter", "half"}


def _period(sentence: str, at: int, end: int | None = None) -> str:
    """The period an amount is for: "X in 2017" names it right after the amount; otherwise
    the quarter or year nearest to it."""
    named = list(period_matches(sentence))
    base = [(start, start + len(period.label)) for start, _, period in named
            if _is_base(sentence, start)]
    if end is not None:
        after = _PERIOD_AFTER.match(sentence[end:])
        # The base of a change is an amount too: "up from 10% in 2022" is 10% of 2022.
        if after and (_BASE_BEFORE.search(sentence[max(0, at - 40):at]) or
                      not any(a <= end + after.start(1) < b for a, b in base)):
            quarter = QUARTER_OF_YEAR.search(sentence[end:end + after.end()])
            return quarter_label(quarter) if quarter else after.group(1)
    # A quarter or half named in the sentence is more exact than a year: the nearest one.
    spans = [(abs(start - at), kind, period) for start, kind, period in named
             if kind in _PART_YEAR and all(start != a for a, _ in base)]
    if spans:
        _, kind, period = min(spans, key=lambda s: s[0])
        if kind == "quarter":  # "the second quarter of 2015", "2015 Q2": written "Q2 2015"
            return f"Q{(period.start.month - 1) // 3 + 1} {period.start.year}"
        return re.sub(r"^the ", "", period.label, flags=re.IGNORECASE)
    years = [(abs(y.start() - at), y.group(0)) for y in YEAR.finditer(sentence)
             if not any(a <= y.start() < b for a, b in base)
             and not _target_of_another(sentence, at, y.start())]
    return min(years)[1] if years else ""


def _target_of_another(sentence: str, at: int, year_at: int) -> bool:
    """A deadline year ("… to 2,000 by 2018") is that of the amount just before it, not of
    one further back ("about 200 partners")."""
    if year_at < at or not re.search(r"\b(?:by|until|before)\s+(?:the end of\s+)?$",
                                     sentence[:year_at], re.IGNORECASE):
        return False
    return any(at < m.start() < year_at for m in _amounts(sentence[:year_at]))


# "Up 46% from the final quarter of 2016": the period a change is measured from, not the one
# its amount is for (that is the report's, unless the sentence names another).
_BASE_BEFORE = re.compile(r"\b(?:from|since|over|compared (?:with|to)|versus|vs\.?|than|against)"
                          r"\s+(?:the\s+|a\s+|its\s+)?(?:same\s+(?:period|quarter|time|months?)"
                          r"\s+)?$", re.IGNORECASE)
# "Grew 16% in 2023, up from 10% in 2022": the period of the base amount is the base's.
_BASE_AMOUNT_BEFORE = re.compile(r"\b(?:from|than|versus|vs\.?|compared (?:with|to))\s+\S+"
                                 r"(?:\s+\S+){0,2}\s+(?:in|for|during)\s+(?:the\s+)?$",
                                 re.IGNORECASE)


def _is_base(sentence: str, start: int) -> bool:
    before = sentence[max(0, start - 40):start]
    return bool((_BASE_BEFORE.search(before) or _BASE_AMOUNT_BEFORE.search(before))
                and CHANGE.search(sentence))
