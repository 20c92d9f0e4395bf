"""Words: stopwords, a light stemmer, search tokens, and the names a text mentions."""

from __future__ import annotations

import re

from .numbers import CURRENCY_CODES, NUMBER

STOPWORDS = frozenset("""
a an the and or but of to in on at for from by with as is are was were be been being do does did
done have has had having it its it's this that these those there their them they he she his her
i me my we our you your what which who whom whose when where why how whether if then than so
such can could would should will shall may might must not no nor very too also just only
about into over under again further once here all any both each few more most other some own
same s t don now up out off per vs versus please tell give show say said says let us
much many times time main key between among overall generally usually
""".split())
# Words that frame a question ("according to the article") rather than name its topic.
GENERIC = frozenset("""
author article source sources think thinks according number amount figure figures value
data compare compared comparison versus kind type way thing things mention mentions mentioned
write writes wrote come came go get got make made take took know want need use used instead
rather actually exactly really ever often called call calls mean means piece note notes report
briefing tell explain describe
""".split())

_WORD = re.compile(r"[a-z0-9][a-z0-9&+'’\.\-]*[a-z0-9+]|[a-z0-9&+]")


def stem(word: str) -> str:
    """A light English stemmer: enough to match plurals and simple verb forms."""
    word = word.replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) <= 3 or word[0].isdigit():
        return word
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", "e"),
                         ("s", "")):
        if word.endswith(suffix) and not word.endswith("ss") and len(word) - len(suffix) >= 3:
            return word[: len(word) - len(suffix)] + repl
    return word


_GENERIC_STEMS = frozenset(stem(w) for w in GENERIC) | GENERIC


def tokenize(text: str) -> list[str]:
    """Search tokens: stemmed content words and plain numbers."""
    low = NUMBER.sub(lambda m: m.group(0).replace(",", ""), text.lower())
    # A hyphenated word is read as its parts: "trips-per-day" is found where a text writes
    # "trips per day", and the other way round.
    words = [p for w in _WORD.findall(low) for parts in [w.strip(".'’-").split("-")]
             for p in _with_joined(parts) if len(parts) == 1 or len(p) > 1 or p.isdigit()]
    # "what's", "it's": a stopword with a clitic is still a stopword.
    return [s for w in words if w and w not in STOPWORDS for s in [stem(w)] if s not in STOPWORDS]


def _with_joined(parts: list[str]) -> list[str]:
    """A word of two hyphenated parts is also read joined: "spin-off" is found where a text
    writes "spinoff", and the other way round."""
    if len(parts) == 2 and all(p.isalpha() and len(p) > 1 for p in parts):
        return [*parts, "".join(parts)]
    return parts


def content_tokens(text: str) -> list[str]:
    """Tokens that say what a question is about (question and framing words removed)."""
    return [t for t in dict.fromkeys(tokenize(text)) if t not in _GENERIC_STEMS]


# Runs of capitalized words, joined by "&" too ("Johnson & Johnson").
_NAME = re.compile(r"\b(?:[A-Z][\w&+\-]*[A-Za-z0-9](?:\s+(?:&\s+)?[A-Z][\w&+\-]*[A-Za-z0-9])*"
                   r"|[A-Z])\b")


_LOWER_TAIL = re.compile(r"(?<![\w\-])([A-Z][\w&]*)(-[a-z]+)\b(?!-)")


def names_in(text: str) -> list[str]:
    """Capitalized words and runs of them ("New York", "IBM"), minus a sentence's first word
    when it is an ordinary word."""
    found = []
    # "AI-linked", "US-based": the name is the capitalized part, and ends there.
    text = _LOWER_TAIL.sub(lambda m: m.group(1) + "," + " " * len(m.group(2)), text)
    for match in _NAME.finditer(text):
        name = match.group(0)
        start = match.start()
        sentence_start = start == 0 or re.search(r"[.!?:]\s*$", text[:start])
        if sentence_start:
            first, _, rest = name.partition(" ")
            if first.lower() in STOPWORDS or first.lower() in QUESTION_OPENERS:
                name = rest.strip()
        if name and name.lower() not in STOPWORDS and len(name) > 1 \
                and name.split()[0] not in _CALENDAR and not re.fullmatch(r"FY\s?'?\d+", name) \
                and name.upper() not in CURRENCY_CODES:
            found.append(name)
    return list(dict.fromkeys(found))

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
# "Third" in "the third of the strategies"; "last" counts from the end.
ORDINALS = {"first": 0, "second": 1, "third": 2, "fourth": 3, "fifth": 4, "last": -1}
_CALENDAR = {*MONTHS, *(m[:3] for m in MONTHS), "Sept", "Monday", "Tuesday", "Wednesday",
             "Thursday", "Friday", "Saturday", "Sunday", "Q1", "Q2", "Q3", "Q4", "FY"}
QUESTION_OPENERS = {"what", "how", "why", "when", "where", "who", "which", "is", "are", "was",
                     "were", "does", "do", "did", "can", "could", "should", "would", "will",
                     "has", "have", "had", "give", "tell", "list", "name", "brief", "summarize",
                     "describe", "explain", "compare", "according", "in", "and", "so", "ok",
                     "okay", "please", "by", "show", "any", "between",
                     # imperatives a request may open with ("Summarise X's expansion")
                     "summarise", "outline", "identify", "provide", "find", "detail",
                     "discuss", "assess", "evaluate", "analyse", "analyze", "recap", "define",
                     "calculate", "compute", "estimate", "using", "given", "roughly"}


def possessive(name: str) -> str:
    """The name as an owner: "Globex's", "IBM's", but "Other providers'"."""
    last = name.split()[-1] if name.split() else name
    return f"{name}'" if last.endswith("s") and not last.isupper() else f"{name}'s"


# Words that say an amount is a change over time ("grew 34%", "a 60% year-on-year rise",
# "up 8%", "up from the final quarter"), not a level or a share.
CHANGE = re.compile(r"\b(?:grows?|grew|grown|growing|growth|rises?|rose|risen|rising|"
                    r"(?:in|de)creas(?:e[sd]?|ing)|jump(?:ed|s|ing)?|climb(?:ed|s|ing)?|"
                    r"surg(?:e[sd]?|ing)|fall(?:s|ing)?|fell|drop(?:ped|s|ping)?|"
                    r"declin(?:e[sd]?|ing)|doubl(?:e[sd]?|ing)|tripl(?:e[sd]?|ing)|"
                    r"year[- ]on[- ]year|year[- ]over[- ]year|annual(?:ly)?)\b|"
                    r"(?<!made )(?<!make )(?<!makes )\b(?:up|down) (?:by |from )?(?:\d|the\b|a\b)",
                    re.IGNORECASE)
