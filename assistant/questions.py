"""Question analysis: clean sloppy input, tokenize with synonyms, and find what is asked.

The vocabulary here is domain knowledge (entity and metric synonyms, common abbreviations),
shared by retrieval, the figures engine and answer checking, so they agree on what words mean.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

# Canonical concept -> the phrases that name it. Matching adds the concept as an extra token.
ENTITIES: dict[str, list[str]] = {
    "alicloud": ["alicloud", "ali cloud", "alibaba cloud", "aliyun", "alibaba cloud computing"],
    "aws": ["aws", "amazon web services", "amazon aws", "amazon", "amazon's cloud"],
    "azure": ["azure", "microsoft azure"],
    "microsoft": ["microsoft", "msft"],
    "google": ["google", "google cloud", "gcp", "google+"],
    "alibaba": ["alibaba", "alibaba group"],
    "huawei": ["huawei"],
    "zte": ["zte"],
    "ibm": ["ibm"],
    "intel": ["intel"],
    "china": ["china", "chinese", "prc"],
    "us": ["us", "u.s.", "usa", "united states", "america", "american"],
    "north america": ["north america", "north american"],
    "europe": ["europe", "northern europe", "european"],
    "africa": ["africa", "african"],
    "cnn": ["cnn"],
    "sec": ["sec", "securities and exchange commission"],
}
CONCEPTS: dict[str, list[str]] = {
    "tps": ["tps", "transactions per second", "transaction per second", "transactions a second",
            "transaction throughput", "throughput", "transaction capacity", "transactions",
            "processing capacity", "capacity", "process"],
    "customers": ["customers", "customer", "clients", "client", "customer base", "users",
                  "user base", "customer count"],
    "smes": ["smes", "sme", "small and mid-size", "small and medium", "small and midsize",
             "small businesses", "small companies", "mid-size companies"],
    "singlesday": ["singles day", "singles' day", "double 11", "double eleven", "11.11"],
    "blackfriday": ["black friday"],
    "sales": ["sales", "sale", "sell", "sold", "gmv", "turnover"],
    "revenue": ["revenue", "revenues", "income", "earnings"],
    "founded": ["founded", "found", "founding", "establish", "set up", "built up", "launch",
                "start", "create", "began", "begin", "inception", "origin"],
    "marketshare": ["market share", "share of the market", "market position", "market shares"],
    "succeed": ["succeed", "success", "successful", "chance", "chances", "prospects", "win",
                "optimistic", "pessimistic", "verdict"],
    "ipo": ["ipo", "go public", "went public", "initial public offering", "listing", "listed"],
    "partner": ["partner", "partnership", "work together", "work with", "collaborate",
                "cooperate", "team up", "alliance", "ally"],
    "rival": ["rival", "rivals", "competitor", "competitors", "compete", "competing",
              "competition", "contender", "contenders"],
    "rd": ["r&d", "research and development", "research", "innovation"],
    "university": ["universities", "university", "colleges", "academia"],
    "strategy": ["strategies", "strategy", "perspectives", "recommendations", "recommend",
                 "suggest", "plan", "recipe", "solution", "solutions"],
    "region": ["regions", "region", "markets", "market", "geographies", "target"],
    "rank": ["rank", "ranks", "ranking", "ranked", "top 3", "top three", "largest"],
    "duration": ["time frame", "timeframe", "time horizon", "horizon", "how long", "timeline",
                 "over the next", "next five", "decade", "coming years"],
    "usd": ["usd", "us dollars", "dollars", "dollar", "us$", "$"],
    "rmb": ["rmb", "yuan", "renminbi", "cny"],
}
# Concepts that frame a question ("does the author suggest") rather than name what it is about.
FRAMING = {"strategy", "region", "duration", "usd", "rmb"}

_DISPLAY = {"alicloud": "AliCloud", "aws": "AWS", "zte": "ZTE", "ibm": "IBM", "cnn": "CNN",
            "sec": "the SEC", "us": "the US", "north america": "North America"}


def display_name(concept: str) -> str:
    """How to write a canonical entity name in an answer."""
    return _DISPLAY.get(concept, concept.title())


# Sloppy writing -> what it means (whole words only).
ABBREVIATIONS = {
    "shld": "should", "shd": "should", "cld": "could", "wld": "would", "abt": "about",
    "w/": "with", "w/o": "without", "bc": "because", "b/c": "because", "&": "and",
    "yr": "year", "yrs": "years", "govt": "government", "intl": "international",
    "eu": "europe", "n. america": "north america", "na": "north america", "mn": "million",
    "bn": "billion", "k": "thousand", "vs": "versus", "v.": "versus", "u": "you", "r": "are",
    "thx": "thanks", "pls": "please", "plz": "please", "cust": "customers", "approx": "about",
    "num": "number", "no.": "number", "%": "percent",
}
STOPWORDS = frozenset("""
a an the and or but of to in on at for from by with as is are was were be been being do does did
done have has had having it its it's this that these those there their them they he she his her
i me my we our you your what which who whom whose when where why how whether if then than so
such can could would should will shall may might must not no nor very too also just only
about into over under again further once here all any both each few more most other some own
same s t don now up out off per vs versus please tell give show say said says let us
much many times time main key between among biggest overall generally usually
""".split())
# Question words that say what kind of answer is wanted, never what it is about.
GENERIC = frozenset("""
author article source sources think thinks according number amount figure figures value
data compare compared comparison versus much many big large larger bigger higher lower
year years kind type way thing things mention mentions mentioned write writes wrote
come came go get got make made take took know want need use used instead rather actually
exactly really currently today still ever often usually called call calls mean means
""".split())
# Words of question analysis itself; never "corrected" into corpus words.
QUESTION_WORDS = frozenset("""
share percentage percent fraction proportion portion ratio difference growth increase
compare compared comparison versus against times larger bigger higher greater smaller
reported report source sources think thinks argue argues believe believes
""".split()) | GENERIC

_ZERO_WIDTH = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_WORD = re.compile(r"[a-z0-9][a-z0-9&+'’\.\-]*[a-z0-9+]|[a-z0-9&+]")
NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![\w])")
YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10}


# Bounded repetitions: unbounded ones go quadratic on inputs like "[[[[…" or "<script <script …".
_MARKUP = re.compile(r"<(script|style)\b[^<]{0,2000}</\1\s*>|<[^<>]{0,500}>|"
                     r"!\[[^\[\]]{0,500}\]\([^()]{0,2000}\)", re.IGNORECASE)
_LINK = re.compile(r"\[([^\[\]]{0,500})\]\([^()]{0,2000}\)")


def strip_markup(text: str) -> str:
    """Drop HTML tags, scripts and Markdown images; keep a link's words, not its address."""
    return _LINK.sub(r"\1", _MARKUP.sub(" ", text))


def clean_text(text: str) -> str:
    """Normalize Unicode, drop control, bidi and zero-width characters, collapse whitespace."""
    text = unicodedata.normalize("NFKC", text)
    text = _ZERO_WIDTH.sub("", text)
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return " ".join(text.split())


def expand_abbreviations(text: str) -> str:
    """Rewrite sloppy abbreviations ("shld", "&", "tps") as words; keeps everything else."""
    def fix(match: re.Match) -> str:
        word = match.group(0)
        return ABBREVIATIONS.get(word.lower(), word)

    text = re.sub(r"(?<![\w/])(?:[a-z]+/[a-z]*|[a-z]+\.?|&|%)(?![\w/])", fix, text, flags=re.I)
    # Two-digit years: "'14", "in 14?" -> 2014.
    text = re.sub(r"(?<![\w'’])['’](\d\d)\b", r"20\1", text)
    text = re.sub(r"\b(in|for|from|to|and|vs|versus) ([0-2]\d)(?=\s*(?:[?!.,]|$|and\b|to\b|vs\b))",
                  r"\1 20\2", text)
    return re.sub(r"\s*\?{2,}", "?", text)


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
_QUANTITY_CONCEPTS = {"tps", "customers", "smes", "sales", "revenue", "marketshare"}


@lru_cache(maxsize=4096)
def _phrase_pattern(phrase: str) -> re.Pattern:
    # Single words also match their inflections ("start" -> "starts", "started", "starting").
    suffix = r"(?:s|es|d|ed|ing)?" if re.fullmatch(r"[a-z]{4,}", phrase) else ""
    return re.compile(r"(?<![\w])" + re.escape(phrase) + suffix + r"(?![\w])")


_ALL_PHRASES = sorted(
    ((p, name) for table in (ENTITIES, CONCEPTS) for name, ps in table.items() for p in ps),
    key=lambda item: -len(item[0]),
)


@lru_cache(maxsize=8192)
def _concept_spans(text: str) -> tuple[tuple[int, str], ...]:
    # Longest phrase wins: "US dollars" is a currency, not the US; "North America" not "America".
    low = text.lower().replace("’", "'")
    taken = [False] * len(low)
    found = []
    for phrase, name in _ALL_PHRASES:
        if phrase not in low:  # a plain substring test first: most phrases are absent
            continue
        for match in _phrase_pattern(phrase).finditer(low):
            if any(taken[match.start():match.end()]):
                continue
            taken[match.start():match.end()] = [True] * (match.end() - match.start())
            found.append((match.start(), name))
    return tuple(sorted(found))


def concepts_in(text: str, table: dict[str, list[str]] | None = None) -> list[str]:
    """Canonical concepts named in the text, in order of first mention."""
    names = [name for _, name in _concept_spans(text)]
    if table is not None:
        names = [n for n in names if n in table]
    return list(dict.fromkeys(names))


def tokenize(text: str) -> list[str]:
    """Search tokens: stemmed content words, plain numbers, and concept tokens ("§aws")."""
    low = text.lower()
    low = NUMBER.sub(lambda m: m.group(0).replace(",", ""), low)
    words = [w.strip(".'’-") for w in _WORD.findall(low)]
    tokens = [stem(w) for w in words if w and w not in STOPWORDS]
    return tokens + ["§" + c for c in concepts_in(text)]


def content_tokens(text: str) -> list[str]:
    """Tokens that say what a question is about (question and generic words removed)."""
    return [t for t in dict.fromkeys(tokenize(text)) if t not in _GENERIC_STEMS]


@dataclass
class Question:
    """What a question asks: its cleaned text, answer type, entities, concepts, periods."""

    text: str
    answer_type: str = "general"
    operation: str = ""
    entities: list[str] = field(default_factory=list)
    concepts: list[str] = field(default_factory=list)
    periods: list[str] = field(default_factory=list)
    count: int = 0
    tokens: list[str] = field(default_factory=list)


_TYPES = [
    ("ratio", r"\bhow many times\b|\btimes (?:more|larger|bigger|higher|greater|smaller|as)\b|"
              r"\bratio\b|\bmultiple of\b|\bx (?:more|larger|bigger)\b"),
    ("share", r"\bwhat (?:share|percentage|percent|fraction|proportion|portion)\b|"
              r"\bpercent(?:age)? of\b|\bshare of\b|\bwhat % of\b"),
    ("growth", r"\bgrow(?:th|n)?\b|\bincrease[ds]?\b|\brise\b|\brose\b|\bimprove(?:d|ment)?\b"),
    ("difference", r"\bby how much\b|\bdifference\b|\bgap\b|\bhow much (?:more|less|larger|"
                   r"bigger|higher|lower|smaller)\b|\bhow many more\b|\bhow far behind\b"),
    ("compare", r"\bcompare[ds]?\b|\bcomparison\b|\bversus\b|\bagainst\b|\bstack up\b|"
                r"\bhow did .+ (?:do|fare)\b"),
]


_WH = [
    ("quantity", r"\bhow (?:many|much)\b|\bwhat (?:is|was|were|are) (?:the )?(?:number|amount|"
                 r"total|size|value)\b|\bhow (?:big|large)\b"),
    ("date", r"\b(?:when|what year|which year|what date|since when)\b"),
    ("who", r"\b(?:who|whom|which (?:company|companies|firm|firms|person|people|"
            r"organi[sz]ation))\b"),
    ("where", r"\b(?:where|which (?:region|regions|country|countries|market|markets|continent|"
              r"continents)|what (?:region|regions|markets|countries))\b"),
    ("why", r"\bwhy\b|\bwhat (?:is|was) the reason\b"),
    ("who", r"\bwhich\b"),  # "which brands", "which firms": an entity is the answer
    ("list", r"\b(?:what|which|name|list) (?:the )?(?:\w+ )?(?:strategies|steps|ways|"
             r"perspectives|recommendations|options|points|areas)\b"),
]


def analyze(text: str) -> Question:
    """Find the answer type, arithmetic operation, entities, concepts and periods asked about."""
    low = text.lower()
    question = Question(text=text)
    for operation, pattern in _TYPES:
        if re.search(pattern, low):
            question.operation = operation
            break
    if re.search(r"\b(?:what|how) (?:does|do|did) (?:the )?(?:author|writer|article|he|she|"
                 r"han lei)\b.{0,20}\b(?:think|say|argue|believe|view|feel|judge|make)\b", low):
        question.answer_type = "opinion"
    elif re.search(r"\bwhere (?:did|does|do) .+ come from\b|\bwho (?:reported|said|"
                   r"stated|estimated|gave|published|claimed)\b|\bwhat (?:is|was|are|were) "
                   r"the sources?\b|\baccording to whom\b|\bsource of\b", low):
        question.answer_type = "source"
    else:
        # The earliest interrogative decides: "Where do customers go when they need…" is "where".
        found = [(m.start(), order, kind) for order, (kind, pattern) in enumerate(_WH)
                 for m in [re.search(pattern, low)] if m]
        if question.operation:
            question.answer_type = "quantity"
        elif found:
            question.answer_type = min(found)[2]
    count = re.search(r"\b(two|three|four|five|six|seven|eight|nine|ten|[2-9])\s+(?:\w+\s+)?"
                      r"(?:strategies|steps|ways|perspectives|recommendations|options|points|"
                      r"areas|regions|reasons|things)\b", low)
    if count:
        word = count.group(1)
        question.count = int(word) if word.isdigit() else NUMBER_WORDS[word]
        question.answer_type = "list"
    question.entities = concepts_in(text, ENTITIES)
    question.concepts = concepts_in(text, CONCEPTS)
    # A keyword query about a measure ("amazon tps 2015") asks for the figure.
    if question.answer_type == "general" and _QUANTITY_CONCEPTS & set(question.concepts):
        if not re.search(r"\b(?:what|which|who|how|why|where|when|is|are|does|do|did)\b", low) \
                or re.search(r"^\s*what(?:'s|’s| is| was| are| were)\b", low):
            question.answer_type = "quantity"
    question.periods = list(dict.fromkeys(YEAR.findall(text)))
    question.tokens = content_tokens(text)
    return question


# Questions about the documents themselves, answered from their metadata.
_ABOUT_SOURCE = re.compile(
    r"\bwho (?:wrote|authored|penned|is the author of)(?: (?:the|this|that) (?:article|piece|"
    r"source|story|column|op-?ed|note)| it| this)?\s*\??$|\bwho is (?:the )?(?:author|writer|"
    r"columnist)\b|\bauthor'?s name\b|\bname of the (?:author|writer)\b|"
    r"\bwho (?:wrote|authored) (?:the|this) (?:article|piece|source|story|column)\b|"
    r"\bwhen was (?:the |this )?(?:article|piece|source|story|column|it) (?:published|written|"
    r"released|dated)\b|\b(?:publication|published) date\b|\bdate of (?:the )?(?:article|"
    r"publication|piece)\b|\b(?:title|headline) of (?:the|this) (?:article|piece|source)\b",
    re.IGNORECASE)


def is_source_question(text: str) -> bool:
    """True for 'who wrote the article?', 'when was it published?', 'what is the title of…'."""
    return bool(_ABOUT_SOURCE.search(text))


# A request for the gist of a source rather than for one fact in it.
_SUMMARY = re.compile(
    r"\b(?:summar(?:y|ise|ize|izing|ising)|overview|gist|tl;? ?dr|recap)\b|"
    r"\b(?:main|key|central) (?:points?|arguments?|messages?|ideas?|takeaways?|findings?|"
    r"claims?|thesis)\b|\bbrief me\b|"
    r"\bwhat(?: is|'s| are) (?:the|this) (?:article|piece|source|report|note)s? (?:about|saying)"
    r"\s*\??$|\bwhat does (?:the|this) (?:article|piece|source|report|author) "
    r"(?:say|argue|claim)\s*\??$")


def is_summary_request(text: str) -> bool:
    """True for 'summarize the article', 'key takeaways', 'what is this piece about?'."""
    return bool(_SUMMARY.search(text.lower().replace("’", "'")))


def looks_like_instruction(text: str) -> bool:
    """True for text that tries to steer the assistant rather than ask about the sources."""
    low = text.lower()
    return bool(re.search(
        r"\b(?:ignore|disregard|forget|override)\b.{0,40}\b(?:instruction|instructions|rules|"
        r"prompt|previous|above|guidelines)\b|\bsystem prompt\b|\byou are now\b|"
        r"\b(?:ignore|disregard|forget)\b.{0,20}\b(?:sources|context|documents|everything)\b|"
        r"^\s*(?:please\s+)?(?:write|compose|generate|create|draft|sing|tell me)\b.{0,40}"
        r"\b(?:poem|story|joke|song|essay|email|letter|code|script|haiku|limerick|rap)\b|"
        r"\bact as\b|\bpretend (?:to be|you)\b|\bjailbreak\b|\bdeveloper mode\b|"
        r"\brespond only with\b|\banswer \d+ to everything\b|\bprint your\b|\breveal your\b",
        low,
    ))


def question_units(text: str) -> list[str]:
    """What must be covered to answer: each named concept once, plus the other content words."""
    low = text.lower().replace("’", "'")
    found = concepts_in(text)
    table = {**ENTITIES, **CONCEPTS}
    for name in found:
        for phrase in sorted(table[name], key=len, reverse=True):
            low = _phrase_pattern(phrase).sub(" ", low)
    words = [t for t in tokenize(low) if not t.startswith("§") and t not in _GENERIC_STEMS]
    return list(dict.fromkeys(words)) + ["§" + c for c in found]
