"""Question analysis in plain English: clean input, tokenize, and find what kind of answer is asked.

Nothing here knows the corpus: names are found by their capitals, topics by the embedding model
and the keyword index, and domain synonyms come from a corpus's optional glossary.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# Common shorthand of hurried typing -> the words it stands for (whole tokens only). Single letters
# are left alone: "R&D", "Q3" and "K-12" must survive.
ABBREVIATIONS = {
    "shld": "should", "shd": "should", "cld": "could", "wld": "would", "abt": "about",
    "w/": "with", "w/o": "without", "bc": "because", "b/c": "because", "yr": "year",
    "yrs": "years", "govt": "government", "intl": "international", "vs": "versus",
    "thx": "thanks", "pls": "please", "plz": "please", "approx": "about", "hv": "have",
    "wat": "what", "wht": "what", "hw": "how", "whats": "what is", "yoy": "year on year",
    "rev": "revenue", "revs": "revenues", "blk": "black", "mkt": "market", "mgmt": "management",
    "biz": "business", "qtr": "quarter", "cn": "China",
}
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
    """Rewrite hurried shorthand ("shld", "hw") as words and two-digit years as four."""
    def fix(match: re.Match) -> str:
        word = match.group(0)
        return ABBREVIATIONS.get(word.lower(), word)

    text = re.sub(r"(?<![\w/&])(?:[a-z]+/[a-z]*|[a-z]+)(?![\w/&])", fix, text, flags=re.I)
    text = re.sub(r"(?<![\w'’])['’](\d\d)\b", r"20\1", text)  # '14 -> 2014
    text = re.sub(r"\bfy\s?(?:20)?(\d\d)\b", r"fiscal 20\1", text, flags=re.I)  # FY18, FY2018
    text = re.sub(r"^(\s*)y\b(?=\s+(?:is|are|was|were|did|does|do|has|have|had|would|should|"
                  r"not|so)\b)", r"\1why", text, flags=re.I)  # "y did they…"
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


def tokenize(text: str) -> list[str]:
    """Search tokens: stemmed content words and plain numbers."""
    low = NUMBER.sub(lambda m: m.group(0).replace(",", ""), text.lower())
    words = [w.strip(".'’-") for w in _WORD.findall(low)]
    return [stem(w) for w in words if w and w not in STOPWORDS]


def content_tokens(text: str) -> list[str]:
    """Tokens that say what a question is about (question and framing words removed)."""
    return [t for t in dict.fromkeys(tokenize(text)) if t not in _GENERIC_STEMS]


_NAME = re.compile(r"\b(?:[A-Z][\w&+\-]*[A-Za-z0-9](?:\s+[A-Z][\w&+\-]*[A-Za-z0-9])*|[A-Z])\b")


def names_in(text: str) -> list[str]:
    """Capitalized words and runs of them ("New York", "IBM"), minus a sentence's first word
    when it is an ordinary word."""
    found = []
    for match in _NAME.finditer(text):
        name = match.group(0)
        start = match.start()
        sentence_start = start == 0 or re.search(r"[.!?:]\s*$", text[:start])
        if sentence_start:
            first, _, rest = name.partition(" ")
            if first.lower() in STOPWORDS or first.lower() in _QUESTION_OPENERS:
                name = rest.strip()
        if name and name.lower() not in STOPWORDS and len(name) > 1 \
                and name.split()[0] not in _CALENDAR:
            found.append(name)
    return list(dict.fromkeys(found))


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
# "Third" in "the third of the strategies"; "last" counts from the end.
ORDINALS = {"first": 0, "second": 1, "third": 2, "fourth": 3, "fifth": 4, "last": -1}
_CALENDAR = {*MONTHS, *(m[:3] for m in MONTHS), "Sept", "Monday", "Tuesday", "Wednesday",
             "Thursday", "Friday", "Saturday", "Sunday", "Q1", "Q2", "Q3", "Q4", "FY"}
_QUESTION_OPENERS = {"what", "how", "why", "when", "where", "who", "which", "is", "are", "was",
                     "were", "does", "do", "did", "can", "could", "should", "would", "will",
                     "has", "have", "had", "give", "tell", "list", "name", "brief", "summarize",
                     "describe", "explain", "compare", "according", "in", "and", "so", "ok",
                     "okay", "please", "by", "show", "any", "between"}


@dataclass
class Question:
    """What a question asks: its text, answer type, operation, names, periods and tokens."""

    text: str
    answer_type: str = "general"
    operation: str = ""
    names: list[str] = field(default_factory=list)
    periods: list[str] = field(default_factory=list)
    quarters: list[str] = field(default_factory=list)  # "Q4" when "Q4 2022" is asked
    count: int = 0
    tokens: list[str] = field(default_factory=list)
    numbers: list[float] = field(default_factory=list)
    # Other names' tokens that count for a token (from a corpus glossary): {"gr": {"rail"}}.
    alternatives: dict[str, set[str]] = field(default_factory=dict)

    @property
    def wants_figure(self) -> bool:
        return self.answer_type == "quantity" or bool(self.operation)


_OPERATIONS = [
    ("growth", r"\b(?:grow|grew|grown|growth|increase[ds]?|rise|rose|risen|climb(?:ed)?|"
               r"jump(?:ed)?|fall|fell|decline[ds]?|drop(?:ped)?)\b.{0,60}\bfrom\b.{0,40}\bto\b|"
               r"\bby (?:what|how much|how many) (?:percent|%|per cent)?.{0,60}\b(?:grow|"
               r"increase|rise|climb|fall|decline|drop)\b|\bgrowth rate\b|"
               r"\b(?:grow|grew|growth|increase[ds]?|rise|rose|change[ds]?)\b.{0,40}\bbetween "
               r"(?:19|20)\d\d and (?:19|20)\d\d\b|"
               r"\bhow (?:much|fast) (?:did|has|have|does) .{1,60} (?:grow|increase|rise)\b"),
    ("ratio", r"\bhow many times\b|\btimes (?:more|larger|bigger|higher|greater|smaller|as|wider|"
              r"the)\b|\bratio\b|\bmultiple of\b|\bx (?:more|larger|bigger)\b|\bfor every\b|"
              r"\bper (?:each )?(?:one|single)\b|\bmore than (?:double|twice|triple)\b|"
              r"\b(?:double|twice|triple|half)\b.{0,40}\bthan\b"),
    ("share", r"\bwhat (?:share|percentage|percent|fraction|proportion|portion)\b|"
              r"\bpercent(?:age)? of\b|\bwhat % of\b|\bwhat part of\b"),
    ("difference", r"\bby how (?:much|many)\b|\bdifference\b|\b(?:the|absolute) gap "
                   r"(?:between|in|of)\b|\bhow (?:big|large|wide) (?:is|was) the gap\b|"
                   r"\bhow much (?:more|less|higher|lower|smaller)\b|"
                   r"\bhow many more\b|\bhow far (?:behind|short|ahead)\b|\bfell short\b|"
                   r"\bshortfall\b"),
    ("compare", r"\bhow (?:did|does|do) .{1,60} compare\b|\bcompared? (?:with|to)\b|"
                r"\bhow much (?:bigger|larger)\b|\bvs\.?\b|\bversus\b"),
]
# Earliest match decides the answer type ("Where do customers go when…" is a where-question).
_TYPES = [
    ("involve", r"\bwhat (?:does|do|did|would|will) .{1,80}? (?:involve|entail|consist of|"
                r"comprise|look like|cover)\b|\bwhat is (?:involved in|behind)\b|"
                r"\bwhat(?:'s| is) (?:in|inside) the\b|\bdescribe the .{1,60} (?:strategy|plan|"
                r"approach)\b"),
    ("action", r"\bwhat (?:should|must|can|could|would|ought) .{1,80}? do\b|\bwhat (?:does|do|"
               r"did) .{1,60}? (?:need|have) to do\b|\bhow (?:can|could|should|might|would|do) "
               r".{1,60}? (?:close|win|improve|compete|catch up|succeed|beat|overtake|"
               r"grow|change|fix|expand)\b|\bwhat (?:needs to|must) (?:happen|change)\b|"
               r"\bwhat (?:is|are) the (?:recommended|suggested) \w+|"
               r"\b(?:recommend|recommendation|advice|advise)\w*\b"),
    ("broad", r"\b(?:position|standing|strengths?|weakness(?:es)?|outlook|prospects|swot|"
              r"situation|overview|state of play|big picture|landscape|catch(?:ing)? up|"
              r"clos(?:e|ing) the gap|gaining on|keep(?:ing)? up|falling behind|losing ground|"
              r"competitive(?:ness)?|where does .{1,40} stand|how is .{1,40} doing|"
              r"how (?:does|do) .{1,40} (?:compare|stack up)|pros and cons|challenges?|"
              r"risks?|threats?|opportunit(?:y|ies)|advantages?|disadvantages?)\b"),
    ("quantity", r"\bhow (?:many|much|big|large|fast)\b|\bwhat (?:is|was|were|are) (?:the )?"
                 r"(?:number|amount|total|size|value|level|figure|revenue|share|rate)\b|"
                 r"\bhow many times\b|"
                 # "What was X's revenue in 2024?": a measure asked of something named.
                 r"\bwhat(?:'s| is| was| were| are)\b.{0,60}\b(?:revenues?|sales|(?:market )?"
                 r"share|income|profits?|loss(?:es)?|growth|size|value|price|cost|spending|"
                 r"spend|budget|valuation|margin|count|number|total|rate|capacity|volume|"
                 r"headcount)\b(?! of (?:the )?(?:strateg|plan|reason))"),
    ("date", r"\b(?:when|what year|which year|what date|since when|what month)\b"),
    ("who", r"\b(?:who|whom|whose|which (?:company|companies|firm|firms|person|people|"
            r"organi[sz]ations?|vendors?|providers?|rivals?|competitors?))\b"),
    ("where", r"\b(?:where|which (?:region|regions|country|countries|market|markets|continent|"
              r"continents|city|cities)|what (?:region|regions|markets|countries))\b"),
    ("why", r"\bwhy\b|\bwhat (?:is|was|are|were) the reasons?\b|\bhow come\b|\bwhat (?:explains|"
            r"caused|drove|drives|led to)\b|\bfor what reason\b"),
    ("how", r"\bhow (?:does|did|do|can|could|is|was|are|were|will|would)\b"),
    ("list", r"\b(?:what|which|name|list) (?:are )?(?:the )?(?:\w+ )?(?:strategies|steps|ways|"
             r"perspectives|recommendations|options|points|areas|factors|reasons|measures|"
             r"priorities|pillars|markets|regions|products|models|goals)\b|^\s*list\b"),
]
_YESNO = re.compile(r"^\s*(?:(?:and|so|but|ok|okay|also|then)[, ]+)?(?:is|are|was|were|does|do|"
                    r"did|can|could|will|would|should|has|have|had|isn't|aren't|wasn't|doesn't|"
                    r"didn't|won't)\b", re.IGNORECASE)
_COUNT = re.compile(r"\b(two|three|four|five|six|seven|eight|nine|ten|[2-9])\s+(?:\w+\s+){0,2}"
                    r"(?:strategies|steps|ways|perspectives|recommendations|options|points|"
                    r"areas|regions|reasons|things|factors|measures|priorities|pillars|markets|"
                    r"ideas|suggestions|paths|approaches)\b")


def operation_words(text: str) -> set[str]:
    """The tokens of the words that ask for arithmetic ("how many times bigger", "by how much
    did ... fall"): they say what to compute, not what it is about."""
    low = text.lower().replace("’", "'")
    for _, pattern in _OPERATIONS:
        match = re.search(pattern, low)
        if match:
            return set(tokenize(match.group(0)))
    return set()


def analyze(text: str) -> Question:
    """Find the answer type, arithmetic operation, names and periods asked about."""
    low = text.lower().replace("’", "'")
    question = Question(text=text)
    for operation, pattern in _OPERATIONS:
        if re.search(pattern, low):
            question.operation = operation
            break
    if re.search(r"\b(?:what|how) (?:does|do|did) (?:the )?(?:author|writer|article|he|she|"
                 r"analyst|report)\b.{0,20}\b(?:think|say|argue|believe|view|feel|judge|make)\b",
                 low):
        question.answer_type = "opinion"
    elif re.search(r"\bwho (?:reported|said|stated|estimated|gave|published|claimed|says)\b|"
                   r"\bwhat (?:is|was|are|were) the sources?\b|\baccording to whom\b|"
                   r"\bsource of\b|\bwhere (?:did|does|do) .+ come from\b", low):
        question.answer_type = "source"
    else:
        found = [(m.start(), order, kind) for order, (kind, pattern) in enumerate(_TYPES)
                 for m in [re.search(pattern, low)] if m]
        broad = next((kind for _, _, kind in sorted(found) if kind == "broad"), None)
        if _YESNO.search(low) and not broad:
            question.answer_type = "yesno"
        elif found:
            question.answer_type = min(found)[2]
        if question.answer_type in {"action", "why", "involve", "broad", "list"} and \
                question.operation != "ratio":
            question.operation = ""  # "close the gap", "why did it grow": words, not arithmetic
        if question.operation and question.answer_type in {"general", "how", "yesno"}:
            question.answer_type = "quantity" if question.answer_type != "yesno" else "yesno"
    count = _COUNT.search(low)
    if count and question.answer_type in {"general", "list", "who", "where", "action"}:
        word = count.group(1)
        question.count = int(word) if word.isdigit() else NUMBER_WORDS[word]
        question.answer_type = "list"
    question.names = names_in(text)
    # Parenthesized text is context (a follow-up's previous answer, glossary names): it helps
    # the search but sets no period or figure the answer must match.
    asked = re.sub(r"\([^()]*\)", " ", text)
    question.periods = list(dict.fromkeys(YEAR.findall(asked)))
    question.quarters = quarters_in(asked)
    question.tokens = content_tokens(text)
    question.numbers = [float(m.group(0).replace(",", "")) for m in NUMBER.finditer(asked)
                        if not YEAR.fullmatch(m.group(0))]
    return question


_QUARTER = re.compile(r"\bQ([1-4])\b|\b(first|second|third|fourth|1st|2nd|3rd|4th) quarter\b",
                      re.IGNORECASE)
_QUARTER_WORDS = {"first": "1", "second": "2", "third": "3", "fourth": "4", "1st": "1",
                  "2nd": "2", "3rd": "3", "4th": "4"}


QUARTER_OF_YEAR = re.compile(r"\bQ([1-4])\s?(?:of\s)?((?:19|20)\d\d)\b|\b(first|second|third|"
                             r"fourth|1st|2nd|3rd|4th) quarter(?: of)? ((?:19|20)\d\d)\b",
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
    r"\b(?:summar(?:y|ise|ize|izing|ising)|gist|tl;? ?dr|recap)\b|"
    r"\b(?:main|key|central) (?:points?|arguments?|messages?|ideas?|takeaways?|findings?|"
    r"claims?|thesis)\b|"
    r"\bwhat(?: is|'s| are) (?:the|this) (?:article|piece|source|report|note)s? (?:about|saying)"
    r"\s*\??$|\bwhat does (?:the|this) (?:article|piece|source|report|author) "
    r"(?:say|argue|claim)\s*\??$")


def is_summary_request(text: str) -> bool:
    """True for 'summarize the article', 'key takeaways', 'what is this piece about?'."""
    return bool(_SUMMARY.search(text.lower().replace("’", "'")))


_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b.{0,40}\b(?:instruction|instructions|rules|"
    r"prompt|previous|above|guidelines)\b|\bsystem prompt\b|\byou are now\b|"
    r"\b(?:ignore|disregard|forget)\b.{0,20}\b(?:sources|context|documents|everything)\b|"
    r"^\s*(?:please\s+)?(?:write|compose|generate|create|draft|sing|tell me)\b.{0,40}"
    r"\b(?:poem|story|joke|song|essay|email|letter|code|script|haiku|limerick|rap)\b|"
    r"\bact as\b|\bpretend (?:to be|you)\b|\bjailbreak\b|\bdeveloper mode\b|"
    r"\brespond only with\b|\banswer \d+ to everything\b|\bprint your\b|\breveal your\b|"
    r"^\s*(?:system|assistant)\s*:|\banswer every question\b")


def looks_like_instruction(text: str) -> bool:
    """True for text that tries to steer the assistant rather than ask about the sources."""
    return bool(_INSTRUCTION.search(text.lower()))


_TO_THE_READER = re.compile(
    r"\b(?:the|this) (?:assistant|ai|model|chatbot|bot)\b.{0,40}\b(?:must|should|will|shall)\b|"
    r"\byou (?:must|should|will|shall) (?:now )?(?:answer|say|respond|reply|output|print|"
    r"ignore)\b|\b(?:answer|respond|reply) (?:to )?every (?:question|query)\b|"
    r"^\s*(?:system|assistant|user)\s*:|\b(?:you are|you're) (?:now )?(?:in|an?) \w+ mode\b",
    re.IGNORECASE)


def addresses_the_reader(sentence: str) -> bool:
    """True for a sentence that gives orders to an assistant (instructions, role or mode claims)
    rather than stating a fact: documents are data, and such a sentence is never an answer."""
    return looks_like_instruction(sentence) or bool(_TO_THE_READER.search(sentence))
