"""Resolve follow-up questions from the chat history, without an LLM.

"And Amazon AWS?" after a question about AliCloud becomes that question about AWS; "the following
year" moves the period; pronouns ("them", "it", "that") take the previous answer's subject.
"""

from __future__ import annotations

import re

from .questions import CONCEPTS, ENTITIES, YEAR, analyze, concepts_in

_OPENERS = re.compile(r"^\s*(?:and|what about|how about|and what about|and for|same for|"
                      r"what of|and in|also)\b[\s,]*", re.IGNORECASE)
_PRONOUNS = re.compile(r"\b(?:it|its|they|them|their|that|this|those|these|he|she|him|her)\b",
                       re.IGNORECASE)
# Concepts a follow-up may swap for another of the same group ("And in dollars?").
_SWAPPABLE = [{"usd", "rmb"}]
_RELATIVE = {
    r"\b(?:the )?(?:following|next|subsequent) year\b|\bthe year after\b|\ba year later\b": 1,
    r"\b(?:the )?(?:previous|prior|preceding) year\b|\bthe year before\b|\ba year earlier\b": -1,
}


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


def resolve_one(question: str, previous_q: str, previous_a: str) -> str:
    if not previous_q:
        return question
    current = analyze(question)
    prior = analyze(previous_q)
    relative = _relative_period(question, prior.periods)
    opener = bool(_OPENERS.match(question))
    if not (opener or relative or _PRONOUNS.search(question)):
        return question
    # "And Amazon AWS?" / "What about 2014?" / "the following year": rewrite the prior question.
    if (opener or relative) and not _asks_new_thing(question):
        rewritten = previous_q
        if current.entities and prior.entities:
            rewritten = _replace_entity(rewritten, prior.entities[0], _entity_text(question))
        elif current.entities:
            rewritten = f"{rewritten.rstrip('?')} for {_entity_text(question)}?"
        for group in _SWAPPABLE:
            new = [c for c in current.concepts if c in group]
            old = [c for c in prior.concepts if c in group]
            if new and old and new[0] != old[0]:
                rewritten = _replace_entity(rewritten, old[0], _display(question, new[0], CONCEPTS),
                                            CONCEPTS)
            elif new and not old:
                rewritten = f"{rewritten.rstrip('?')} in {_display(question, new[0], CONCEPTS)}?"
        new_periods = current.periods or ([relative] if relative else [])
        if new_periods:
            if prior.periods:
                rewritten = rewritten.replace(prior.periods[0], new_periods[0])
            else:
                rewritten = f"{rewritten.rstrip('?')} in {new_periods[0]}?"
        return rewritten
    # Pronouns: point them at the previous topic (or the previous answer's subjects).
    subject = _subject(prior, previous_q, previous_a, question)
    resolved = _PRONOUNS.sub(subject, question, count=1) if _PRONOUNS.search(question) else question
    resolved = _OPENERS.sub("", resolved)
    if relative:
        resolved = f"{resolved.rstrip('?')} in {relative}?"
    return resolved[:1].upper() + resolved[1:]


def _asks_new_thing(question: str) -> bool:
    # "And who reported it?" asks something new about the old topic; "And AWS?" does not.
    return bool(re.search(r"\b(?:who|why|where|when|how|what|which|is|are|was|were|did|does|do)\b"
                          r"(?!\s+about\b)", _OPENERS.sub("", question), re.IGNORECASE))


def _relative_period(question: str, periods: list[str]) -> str:
    if not periods:
        return ""
    for pattern, shift in _RELATIVE.items():
        if re.search(pattern, question, re.IGNORECASE):
            return str(int(periods[-1]) + shift)
    return ""


def _entity_text(question: str) -> str:
    text = _OPENERS.sub("", question).strip().rstrip("?.! ")
    text = re.sub(r"^(?:for|in|about|of)\s+", "", text, flags=re.IGNORECASE)
    return text


def _replace_entity(text: str, entity: str, replacement: str, table: dict = ENTITIES) -> str:
    for phrase in sorted(table[entity], key=len, reverse=True):
        pattern = re.compile(r"(?<![\w])" + re.escape(phrase) + r"(?:'s|’s)?(?![\w])", re.I)
        if pattern.search(text):
            return pattern.sub(replacement, text, count=1)
    return text


def _subject(prior, previous_q: str, previous_a: str, question: str) -> str:
    """What a pronoun in the follow-up most likely points at."""
    asks_about_people = re.search(r"\bwhy (?:them|they|those)\b|\bthem\b|\bthey\b", question, re.I)
    answer_entities = [e for e in concepts_in(previous_a, ENTITIES) if e not in prior.entities]
    if asks_about_people and answer_entities:
        names = [_display(previous_a, e) for e in answer_entities]
        return " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
    parts = [_display(previous_q, e) for e in prior.entities[:1]]
    entity_pronoun = re.search(r"\b(?:it|its|they|them|their)\b", question, re.IGNORECASE)
    if parts and entity_pronoun and analyze(question).concepts:
        # "How many customers does it have?": "it" is the previous subject, not its measure.
        return parts[0]
    parts += [_display(previous_q, c, CONCEPTS) for c in prior.concepts[:2]]
    if parts:
        topic = " ".join(parts)
    else:
        topic = re.sub(r"^\s*(?:how many|how much|what (?:is|was|were|are)|which|who|when|"
                       r"where|why|what)\s+", "", previous_q.rstrip("?"), flags=re.IGNORECASE)
        topic = " ".join(re.sub(r"\b(?:does|did|do|could|can|should|would|is|was|were|are)\b",
                                "", topic).split())
    if prior.periods and not YEAR.search(topic):
        topic += f" in {prior.periods[0]}"
    return topic


def _display(text: str, entity: str, table: dict = ENTITIES) -> str:
    for phrase in sorted(table[entity], key=len, reverse=True):
        match = re.search(r"(?<![\w])" + re.escape(phrase) + r"(?![\w])", text, re.I)
        if match:
            return match.group(0)
    return entity
