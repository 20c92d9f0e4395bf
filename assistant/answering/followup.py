"""Resolve follow-up questions from the chat history, without an LLM.

"And Globex?" after a question about another firm becomes that question about Globex; "and in
2014?" moves the year; "why?" or "who said so?" ask about the previous exchange; "it"/"they"
take the previous question's subject; "the second one" points into the previous answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..language.numbers import YEAR
from ..language.questions import Question, analyze, operation_words
from ..language.words import ORDINALS, content_tokens, names_in

_OPENERS = re.compile(r"^\s*(?:and|what about|how about|and what about|and for|same for|"
                      r"what of|and in|also|ok|okay|so)\b[\s,]*", re.IGNORECASE)
_PRONOUNS = re.compile(r"\b(?:it|its|they|them|their|he|she|him|her|his|this|that|those|these)\b",
                       re.IGNORECASE)
_RELATIVE = {
    r"\b(?:that|the) same (?:year|period)\b|\bthat year\b|\bin the same year\b": 0,
    r"\b(?:the )?(?:following|next|subsequent) year\b|\bthe year after\b|\ba year later\b": 1,
    r"\b(?:the )?(?:previous|prior|preceding) year\b|\bthe year before\b|\ba year earlier\b": -1,
}
_WHOLE_YEAR = re.compile(r"\b(?:full|whole|entire) year\b|\bthe year as a whole\b|"
                         r"\b(?:annual|yearly|full-year)\b", re.IGNORECASE)
_QUARTER_OF = re.compile(r"\b(?:Q[1-4]|(?:the )?(?:first|second|third|fourth|final|last) "
                         r"quarter(?: of)?)\s+(?=(?:19|20)\d\d\b)", re.IGNORECASE)
_PERIOD_WORDS = re.compile(r"\bQ[1-4]\b|\b(?:(?:the )?(?:first|second|third|fourth|final|last) "
                           r"quarter|(?:the )?(?:full|whole|entire) year|the year as a whole|"
                           r"alone|only|then|instead)\b", re.IGNORECASE)
_ITEM_REF = re.compile(r"\b(?:the|that) (first|second|third|fourth|fifth|last)"
                       r"(?: one| point| item| strategy| option| reason| recommendation)?\b",
                       re.IGNORECASE)


def resolve(question: str, history: list[dict]) -> str:
    """The question made self-contained using the conversation so far."""
    turns = [m for m in history if isinstance(m, dict) and m.get("role") in {"user", "assistant"}]
    previous_q, previous_a = "", ""
    for turn in turns:
        if turn["role"] == "user":
            previous_q = resolve_one(str(turn.get("content") or ""), previous_q, previous_a)
            previous_a = ""
        else:
            previous_a = str(turn.get("content") or "")
    return resolve_one(question, previous_q, previous_a)


def _topic(previous_q: str) -> str:
    """The previous question as a topic phrase ("Does X expect Y?" -> "does X expect Y")."""
    return previous_q.strip().rstrip("?.! ")


@dataclass
class _Turns:
    """A follow-up beside the exchange before it, each analyzed once."""

    question: str
    previous_q: str
    previous_a: str
    current: Question
    prior: Question
    own: list[str]  # the follow-up's own content words, years left out
    relative: str  # a period said relatively ("the following year"), as a year


def resolve_one(question: str, previous_q: str, previous_a: str) -> str:
    """The follow-up made standalone from one previous exchange, by the first rule that fits."""
    if not previous_q:
        return question
    prior = analyze(previous_q)
    # Words that only move the period ("the fourth quarter alone", "the full year") are not a
    # new subject.
    own_words = _PERIOD_WORDS.sub(" ", _OPENERS.sub("", question))
    turns = _Turns(question, previous_q, previous_a, analyze(question), prior,
                   [t for t in content_tokens(own_words) if not YEAR.fullmatch(t)],
                   _relative_period(question, prior.periods))
    for rule in (_the_numbers, _other_ordinal, _that_figure, _list_item, _prior_changed,
                 _about_the_answer, _pronouns, _short_of_a_subject):
        resolved = rule(turns)
        if resolved is not None:
            return _with_prior_period(turns, resolved)
    return question


def _with_prior_period(t: _Turns, resolved: str) -> str:
    """"How much did they add compared with 2014?" after a question on 2015: a comparison with
    one period named is with the period of the question before."""
    asked = analyze(resolved)
    # The follow-up's own words compare ("… compared with 2014"); "and in 2014?" moves the
    # period of a comparison asked before, and adds none.
    if t.current.operation in {"compare", "difference", "growth", "ratio", "percent_more"} and \
            len(asked.periods) == 1 and t.prior.periods and \
            t.prior.periods[0] not in asked.periods:
        return f"{resolved.rstrip().rstrip('?')}, in {t.prior.periods[0]}?"
    return resolved


def _the_numbers(t: _Turns) -> str | None:
    """A question about "the second number" or "those figures": the previous answer's numbers."""
    if not t.previous_a or not re.search(
            r"\b(?:first|second|third|last|other|two|both) (?:number|figure|value|one|amount)s?"
            r"\b|\bthose (?:numbers|figures)\b|\bthat (?:number|figure)\b", t.question,
            re.IGNORECASE):
        return None
    values = re.findall(r"(?<![\w.\[])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\]\w])|"
                        r"(?<![\w.\[])\d+(?:\.\d+)?(?:\s*(?:million|billion|%))?(?![\]\w])",
                        t.previous_a)
    values = [v for v in values if not YEAR.fullmatch(v)]
    if len(values) < 2:
        return None
    return f"{t.question.rstrip('?')} ({values[0]} and {values[1]}; {_topic(t.previous_q)})?"


def _other_ordinal(t: _Turns) -> str | None:
    """"And the second one?" after "What is the first of the three strategies?"."""
    ordinal = re.search(r"\b(first|second|third|fourth|fifth|last)\b", t.question, re.I)
    before = re.search(r"\b(first|second|third|fourth|fifth|last)\b", t.previous_q, re.I)
    if ordinal and before and ordinal.group(1).lower() != before.group(1).lower() \
            and len(t.own) <= 2:
        return t.previous_q[:before.start()] + ordinal.group(1).lower() + \
            t.previous_q[before.end():]
    return None


def _that_figure(t: _Turns) -> str | None:
    """"What share of X is that?": "that" is the first figure the previous answer gave."""
    # "How does that compare with B?" asks arithmetic even where it reads as a briefing.
    if not ((t.current.operation or operation_words(t.question)) and t.previous_a and
            re.search(r"\b(?:that|this|it|those)\b", t.question, re.IGNORECASE)):
        return None
    said = re.sub(r"\s*\[\d+\]", "", t.previous_a)
    stated = next((m.group(0).strip(" ,.") for m in re.finditer(
        r"(?<![\w.\[])\d[\d,.]*\d(?:\s(?:million|billion))?(?:\s[a-z]+){0,3}|"
        r"(?<![\w.\[])\d(?:\s[a-z]+){0,3}", said)
        if not YEAR.fullmatch(m.group(0).split()[0].strip(" ,."))), "")
    if not stated:  # a year in the answer is not its figure
        return None
    subject = f" ({t.prior.names[0]})" if t.prior.names else ""
    # "The difference vs B that same year?": the year of the previous question, said.
    when = f" in {t.relative}" if t.relative and not t.current.periods else ""
    return f"{t.question.rstrip('?')}{when} — {stated}{subject}?"


def _list_item(t: _Turns) -> str | None:
    """"The second one" of a list the previous answer gave: that item."""
    item = _ITEM_REF.search(t.question)
    if not (item and t.previous_a):
        return None
    items = _list_items(t.previous_a)
    index = ORDINALS[item.group(1).lower()]
    if items and index < len(items):
        return _ITEM_REF.sub(items[index], t.question, count=1)
    return None


def _prior_changed(t: _Turns) -> str | None:
    """"And Globex?" / "What about 2014?" / "the following year": the prior question, changed."""
    opener = bool(_OPENERS.match(t.question))
    # "What was it in 2019?" asks the old question of a new period, whatever it opens with.
    new_period_only = not t.own and bool(t.current.periods or t.relative) and \
        not t.current.names and bool(_PRONOUNS.search(t.question))
    if not ((opener or t.relative or not t.own) and len(t.own) <= 2
            and (new_period_only or not _asks_new_thing(t.question))):
        return None
    current, prior = t.current, t.prior
    rewritten = t.previous_q
    new_names = [n for n in current.names if n not in prior.names]
    if new_names and prior.names:
        rewritten = rewritten.replace(prior.names[0], new_names[0], 1)
    elif new_names:
        rewritten = f"{rewritten.rstrip('?')} for {new_names[0]}?"
    elif t.own and not current.periods and not t.relative:
        rewritten = f"{rewritten.rstrip('?')} ({' '.join(t.own)})?"
    if current.quarters and prior.quarters:
        rewritten = rewritten.replace(prior.quarters[0], current.quarters[0], 1)
    elif current.quarters:  # "what about the fourth quarter alone?" after a year's question
        rewritten = f"{rewritten.rstrip().rstrip('?')}, in {current.quarters[0]}?"
    elif prior.quarters and _WHOLE_YEAR.search(t.question):  # "and for the full year?"
        rewritten = _QUARTER_OF.sub("", rewritten, count=1)
    new_periods = current.periods or ([t.relative] if t.relative else [])
    if new_periods:
        if prior.periods:
            rewritten = rewritten.replace(prior.periods[0], new_periods[0])
        else:
            rewritten = f"{rewritten.rstrip('?')} in {new_periods[0]}?"
    return rewritten


def _about_the_answer(t: _Turns) -> str | None:
    """"Why?", "Who said so?", "How?": a new question about the previous exchange."""
    if len(t.own) > 1 or t.current.names:
        return None
    claim = _first_sentence(t.previous_a) if t.previous_a else ""
    about = (claim or _topic(t.previous_q)).rstrip(".").replace("(", ",").replace(")", "")
    # In parentheses: context to search with, not a period or figure the answer must match.
    return f"{t.question.strip().rstrip('?')}? ({about})"


def _pronouns(t: _Turns) -> str | None:
    """Pronouns point at the previous question's subject; what that question asked about
    comes along as context ("how big was its lead?": in which market, and when)."""
    if not _PRONOUNS.search(t.question):
        return None
    if t.current.names:
        # "Who at Globex commented on it?": "it" is what the question before asked about, if
        # that was Globex too; a new name is a new subject, asked on its own.
        if any(n not in t.previous_q for n in t.current.names):
            return None
        return _with_topic(t.question, t.previous_q)
    subject = _subject(t.previous_q, t.prior.names)
    if subject:
        resolved = re.sub(r"\b(?:it|they|he|she)\b", subject, t.question, count=1,
                          flags=re.IGNORECASE)
        resolved = re.sub(r"\b(?:its|their|his|her)\b", subject + "'s", resolved, count=1,
                          flags=re.IGNORECASE)
        if resolved != t.question:
            return _with_topic(resolved, t.previous_q)
    return _with_topic(t.question, t.previous_q)


def _short_of_a_subject(t: _Turns) -> str | None:
    """"Which one grew faster?": a short follow-up that names nothing asks about what the
    question before did, which comes along as context."""
    if t.current.names or len(t.own) > 4:
        return None
    return _with_topic(t.question, t.previous_q)


def _with_topic(question: str, previous_q: str) -> str:
    """The question with the one before it as context, in parentheses: searched with, but no
    period or figure the answer must match."""
    return f"{question.rstrip().rstrip('?')} ({_topic(previous_q)})?"


def _subject(question: str, names: list[str]) -> str:
    """The name a question asks about: the one right after its verb ("What share of X's market
    did Y have?" asks about Y), else the first it names."""
    for name in names:
        if re.search(rf"\b(?:did|does|do|has|have|had|was|is|were|are|will|can|could)\s+"
                     rf"(?:the\s+)?{re.escape(name)}\b", question):
            return name
    return names[0] if names else ""


def _asks_new_thing(question: str) -> bool:
    # "And who reported it?" asks something new about the old topic; "And Globex?" does not.
    return bool(re.search(r"\b(?:who|why|where|when|how|what|which|is|are|was|were|did|does|do)\b"
                          r"(?!\s+about\b)", _OPENERS.sub("", question), re.IGNORECASE))


def _relative_period(question: str, periods: list[str]) -> str:
    if not periods:
        return ""
    for pattern, shift in _RELATIVE.items():
        if re.search(pattern, question, re.IGNORECASE):
            return str(int(periods[-1]) + shift)
    return ""


def _first_sentence(answer: str) -> str:
    text = re.sub(r"\s*\[\d+\]", "", answer).strip()
    first = re.split(r"(?<=[.!?])\s+", text)[0]
    return first[:300]


def _list_items(answer: str) -> list[str]:
    """Items of the previous answer: its bullet lines, else its sentences."""
    clean = re.sub(r"\s*\[\d+\]", "", answer)
    bullets = [m.group(1).strip() for m in re.finditer(r"^\s*(?:[-*•]|\d+[.)])\s+(.+)$", clean,
                                                       re.MULTILINE)]
    if bullets:
        return [re.split(r"(?<=[.!?:])\s", b)[0].rstrip(".:") for b in bullets]
    names = names_in(clean)
    return names
