"""What kind of answer a question asks: its answer type, arithmetic, names, periods, tokens.

Nothing here knows the corpus: names are found by their capitals, topics by the embedding model
and the keyword index, and domain synonyms come from a corpus's optional glossary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .numbers import AMOUNT, NUMBER_WORDS, YEAR
from .periods import quarters_in
from .spelling import is_english_word
from .words import QUESTION_OPENERS, content_tokens, names_in, tokenize


@dataclass
class Question:
    """What a question asks: its text, answer type, operation, names, periods and tokens."""

    text: str
    answer_type: str = "general"
    operation: str = ""
    names: list[str] = field(default_factory=list)  # capitalized runs: never a year or a number
    periods: list[str] = field(default_factory=list)
    quarters: list[str] = field(default_factory=list)  # "Q4" when "Q4 2022" is asked
    count: int = 0
    tokens: list[str] = field(default_factory=list)
    numbers: list[float] = field(default_factory=list)  # amounts it states (a bound is not one)
    # "more than 10%", "under USD 5 billion": (above, limit, unit), the limit unscaled.
    bound: tuple[bool, float, str] | None = None
    # Other names' tokens that count for a token (from a corpus glossary): {"gr": {"rail"}}.
    alternatives: dict[str, set[str]] = field(default_factory=dict)

    @property
    def asked(self) -> str:
        """The question without the context a follow-up adds in parentheses."""
        return self.text.split(" (")[0]

    @property
    def wants_figure(self) -> bool:
        return self.answer_type == "quantity" or bool(self.operation)

    @property
    def asks_name(self) -> bool:
        """"Which countries …", "in which city …": something to be named. Not a choice between
        the names given ("which is bigger, A or B?", "which of A and B …")."""
        return _asks_name(self.text)

    @property
    def amount_kind(self) -> str:
        """The kind of amount a figure lookup asks for: "percent", "money" or "count"; '' when
        its wording does not say (then any amount fits) or it asks for arithmetic."""
        if self.operation or self.answer_type != "quantity":
            return ""
        low = without_context(self.text.lower())
        return next((kind for kind, pattern in _AMOUNT_KINDS if pattern.search(low)), "")

    @property
    def operand_kind(self) -> str:
        """For arithmetic, the kind of the amounts it works on, by the measure named: "money"
        for revenue (not its growth rate), "percent" for shares, "count" for "how many",
        "change" for rates of growth compared ("grew faster"); '' when the wording does not
        say."""
        if not self.operation and self.answer_type != "yesno":
            return ""
        low = without_context(self.text.lower())
        # How fast things grew is compared by their rates of change, whatever grew; growth
        # asked between two times is worked out from the amounts.
        if self.operation != "growth" and (_FASTER.search(low) or (
                self.operation and _GROWTH.search(low))):
            return "change"
        if not self.operation:
            return ""
        return next((kind for kind, pattern in _OPERAND_KINDS if pattern.search(low)), "")


_WHICH = re.compile(r"(?:^|[,;:] )(?:(?:in|at|from|with|to|by|for|on) )?which (?!of\b)")


@lru_cache(maxsize=1024)
def _asks_name(text: str) -> bool:
    """Read once per question text: the type check asks it of every candidate sentence."""
    low = without_context(text.lower())
    return bool(_WHICH.search(low)) and " or " not in low

# What a lookup's wording says of the amount it wants; the first that matches decides.
_CHANGE = r"\b(?:grow|grew|growth|rise|rose|increase|jump|fall|fell|drop|decline|up|down)"
_AMOUNT_KINDS = [
    ("percent", re.compile(r"\bshare\b(?!\s+price)|\b(?:percent|percentage|per cent|"
                           r"proportion|growth rate|margin)\b|%")),
    ("money", re.compile(r"\bin (?:dollars|us dollars|usd|rmb|yuan|renminbi|euros?)\b|"
                         r"\bhow many (?:dollars|yuan|euros)\b|"
                         r"\bhow much (?:cash|money|capital|funding)\b|"
                         r"\bhow much (?:\w+ ){0,6}(?:cost|spend|spent|invest|invested|earn|"
                         r"earned|pay|paid|raise|raised|charge|charged|worth)\b|"
                         rf"^(?!.*{_CHANGE}).*\b(?:revenue|sales|income|profit|earnings|"
                         r"ebita|ebitda|spending|capex)\b")),
    ("count", re.compile(r"\bhow many (?!times\b|fold\b)")),
]


_FASTER = re.compile(r"\b(?:grows?|grew|grown|growing|growth|expand\w*|expansion)\b.{0,40}"
                     r"\b(?:faster|slower|quicker|more quickly|more slowly|more rapidly)\b|"
                     r"\b(?:faster|slower|quicker|more quickly|more slowly|more rapidly)\b.{0,40}"
                     r"\b(?:grows?|grew|grown|growing|expand\w*)\b|"
                     r"\bfaster[- ]growing\b|\b(?:growth|expansion) (?:rates?|pace|speed)\b")
_GROWTH = re.compile(r"\bgrowth\b")
_OPERAND_KINDS = [
    ("money", re.compile(r"\b(?:revenues?|sales|income|profits?|earnings|ebita|ebitda|spending|"
                         r"capex)\b(?!\s+(?:growth|rates?|shares?|margins?)\b)")),
    ("percent", re.compile(r"\bmarket shares?\b|\bshares? of (?:[\w']+\s){0,3}market\b|"
                           r"\bpercentage points?\b")),
    ("count", re.compile(r"\bhow many (?!times\b|fold\b|percent)")),
]


_OPERATIONS = [
    # "Working back from the 2021 figure and its growth, how big was it in 2020?": the amount
    # before a stated rate of growth.
    ("before_growth", r"\bwork(?:ing)? (?:it )?back(?:wards?)?\b|\bback out\b|"
                      r"\bgiven\b.{1,80}\b(?:growth|grew|rate|up)\b.{1,80}\b(?:earlier|before|"
                      r"previous|prior|what (?:must|would|was|were))\b|"
                      r"\bif\b.{1,80}\bup \d+(?:\.\d+)?\s?(?:%|percent\b).{1,60}"
                      r"\b(?:earlier|before|previous|prior)\b|"
                      r"\bwhat must\b.{1,80}\b(?:earlier|before|previous|prior)\b"),
    # "What would its 7.8% slice of the market be worth in dollars?": a percentage of an amount.
    ("portion", r"\b(?:share|slice|portion|\d+(?:\.\d+)?\s?(?:%|percent))\b.{0,80}\b(?:worth|"
                r"in (?:dollars|us dollars|usd|rmb|yuan|renminbi|euros?|money terms|cash terms)|"
                r"market size|size of the market)\b"),
    # "By what percentage is A higher than B?": how much more, as a percentage of B.
    ("percent_more", r"\b(?:by )?(?:what|how many) (?:percent(?:age)?|%)\b.{0,60}\b(?:higher|more|"
                     r"bigger|larger|greater|lower|less|smaller)\b|\bhow much (?:bigger|higher|"
                     r"larger|more|greater|smaller|lower) in (?:percent(?:age)?|%)|"
                     r"\b(?:higher|bigger|larger|greater|more|lower|smaller) by what "
                     r"(?:percent(?:age)?|%)"),
    ("growth", r"\b(?:grow|grew|rise|rose|increase[ds]?|jump(?:ed)?|climb(?:ed)?|fall|fell|"
               r"drop(?:ped)?|decline[ds]?) by (?:more|less) than \d+(?:\.\d+)?\s?(?:%|percent)"),
    ("difference", r"\bby (?:more|less) than\b(?! [\d.,]+ times\b)"),
    ("growth", r"\b(?:grow|grew|grown|growth|increase[ds]?|rise|rose|risen|climb(?:ed)?|"
               r"jump(?:ed)?|fall|fell|decline[ds]?|drop(?:ped)?)\b.{0,60}\bfrom\b.{0,40}\bto\b|"
               r"\bby (?:what|how much|how many) (?:percent|%|per cent)?.{0,60}\b(?:grow|"
               r"increase|rise|climb|fall|decline|drop)\b|\bgrowth rate\b|"
               r"\b(?:grow|grew|growth|increase[ds]?|rise|rose|change[ds]?)\b.{0,40}\bbetween "
               r"(?:19|20)\d\d and (?:19|20)\d\d\b|"
               r"\bhow (?:much|fast) (?:did|has|have|does) .{1,60} (?:grow|increase|rise|go up|"
               r"go down|fall|drop|decline|change)\b|"
               r"\b(?:percent(?:age)?|%) (?:change|increase|decrease|rise|drop|growth|gain|"
               r"fall|decline)\b|\b(?:went|gone|go) (?:up|down)\b.{0,40}\bfrom\b.{0,40}\bto\b|"
               r"\bchange in\b.{1,60}\b(?:between|from)\b"),
    ("share", r"\bas an? (?:share|percentage|percent|fraction|proportion) of\b|"
              r"\b(?:more|less) than \d+(?:\.\d+)?\s?(?:%|percent) of\b"),
    ("ratio", r"\bhow many times\b|\brelative to\b|\bdivided by\b|\bmultiple of\b|"
              r"\b(?:by )?what (?:factor|multiple)\b|\bhow many[- ]fold\b|"
              r"\bhow many \w+ (?:are there )?(?:per|for each|for every)\b"
              r"(?! (?:second|minute|hour|day|week|month|quarter|year|annum|capita|cent)\b)|"
              r"\btimes (?:more|larger|bigger|higher|greater|smaller|as|wider|"
              r"the)\b|\bratio\b|\bmultiple of\b|\bx (?:more|larger|bigger)\b|\bfor every\b|"
              r"\bper (?:each )?(?:one|single)\b|\bmore than (?:doubled?|twice|tripled?)\b|"
              r"\b(?:more|less|fewer) than (?:\d+(?:\.\d+)?|" + "|".join(NUMBER_WORDS) +
              r") times\b|"
              r"\b(?:double|twice|triple|half)\b.{0,40}\bthan\b"),
    ("share", r"\bwhat (?:share|percentage|percent|fraction|proportion|portion)\b|"
              r"\bpercent(?:age)? of\b|\bwhat % of\b|\bwhat part of\b"),
    ("difference", r"\bby how (?:much|many)\b|\bdifference\b|\b(?:the|absolute) gap "
                   r"(?:between|in|of)\b|\bhow (?:big|large|wide) (?:is|was) the gap\b|"
                   r"\bhow much (?:more|less|higher|lower|smaller)\b|"
                   r"\bhow many more\b|\bhow far (?:behind|short|ahead)\b|\bfell short\b|"
                   r"\bshortfall\b"),
    ("sum", r"\b(?:combined|together|add(?:ed)? up|sum of|in total|total of|altogether)\b"),
    ("average", r"\b(?:average|mean) of\b"),
    ("compare", r"\bhow (?:did|does|do) .{1,60} compare\b|\bcompared? (?:with|to)\b|"
                r"\bcompare\b.{1,60}\b(?:and|with|to|against)\b|"
                r"\bhow much \w+er\b.{1,60}\bthan\b|"
                r"\bhow much (?:bigger|larger)\b|\bvs\.?\b|\bversus\b"),
]
# Nouns that name an amount ("revenue", "share"): what a figure question asks for.
_MEASURE = (r"(?:revenues?|sales|(?:market )?share|income|profits?|loss(?:es)?|growth|size|value|"
            r"price|cost|spending|spend|budget|valuation|margin|count|number|total|rate|"
            r"capacity|volume|headcount)\b(?! of (?:the )?(?:strateg|plan|reason))")
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
              r"brief(?:ing)? (?:me|us)|(?:give|need) (?:me|us) a (?:briefing|rundown|run-down)|"
              r"stacks? up|where .{1,40} st(?:ood|ands)|"
              r"clos(?:e|ing) the gap|gaining on|keep(?:ing)? up|falling behind|losing ground|"
              r"competitive(?:ness)?|where does .{1,40} stand|how is .{1,40} doing|"
              r"how (?:does|do) .{1,40} (?:compare|stack up)|pros and cons|challenges?|"
              r"risks?|threats?|opportunit(?:y|ies)|advantages?|disadvantages?)\b"),
    ("quantity", r"\bhow (?:many|much|big|large|fast)\b|\bwhat (?:is|was|were|are) (?:the )?"
                 r"(?:number|amount|total|size|value|level|figure|revenue|share|rate)\b|"
                 r"\bhow many times\b|"
                 # "What exact share of the market did X have?": the measure asked right away.
                 r"^\W*(?:(?:and|so|but|then)\W+)?what (?:(?!sort|kind|type)[\w-]+ ){0,2}"
                 r"(?:revenues?|sales|(?:market )?share|income|profits?|losses|margin|"
                 r"valuation|percentage|proportion|growth rate)\b|"
                 # "What was X's revenue in 2024?": a measure asked of something named.
                 # (Not "what is X doing with its profits?": an action, not an amount.)
                 r"\bwhat(?:'s| is| was| were| are)\b(?:(?!\b(?:doing|planning|saying|using)\b)"
                 r".){0,60}\b" + _MEASURE),
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
_ASKING = {"what", "which", "how", "is", "are", "was", "were", "does", "do", "did", "has", "have",
           "had", "can", "could", "will", "would", "should"}
_CLAUSE_AFTER = re.compile(r"\b(?:about|on|of|regarding|over|as to)\s+$")


def _clause(before: str) -> bool:
    """Whether a question word follows a preposition inside a question already asked ("what
    did X say about who …"); "tell me about when …" asks the clause itself."""
    opening = re.match(r"\W*([a-z]+)", before)
    return bool(_CLAUSE_AFTER.search(before)) and bool(opening) and \
        opening.group(1) in _ASKING
# "Was it above or below the forecast?": a choice between two answers, not a yes or a no.
_CHOICE = re.compile(r"\b\w+ or (?!not\b|so\b|more\b|less\b|fewer\b|else\b|otherwise\b)\w+")
# An auxiliary opens a yes/no question, perhaps after a short framing clause ("In 2018, did…").
_YESNO = re.compile(r"^\s*(?:(?:and|so|but|ok|okay|also|then)[, ]+)?(?:[^,?]{2,60},\s*)?"
                    r"(?:is|are|was|were|does|do|"
                    r"did|can|could|will|would|should|has|have|had|isn't|aren't|wasn't|doesn't|"
                    r"didn't|won't)\b", re.IGNORECASE)
_COUNT = re.compile(r"\b(two|three|four|five|six|seven|eight|nine|ten|[2-9])\s+(?:\w+\s+){0,2}"
                    r"(?:strategies|steps|ways|perspectives|recommendations|options|points|"
                    r"areas|regions|reasons|things|factors|measures|priorities|pillars|markets|"
                    r"ideas|suggestions|paths|approaches)\b")


# Words that frame a figure question (time, change, size, asking) without naming its measure.
FRAMING_WORDS = frozenset(tokenize(
    "latest current currently now today recent recently newest most value level figure "
    "trend trends time history historically evolve evolved grow grown growing changed change "
    "moved developed risen fallen shifted since period year years quarter quarters month "
    "ended ending fiscal calendar quarterly annual yearly monthly reported report stand stood "
    "what how much many big large bigger larger higher lower smaller greater more less "
    "gain gained gaining lose losing lost fall fell falling rise rose rising grew drop dropped "
    "decline declined increase increased decrease decreased accelerate accelerating slow "
    "slowing up down percentage point points percent show give series right moment day days "
    "high was were is are has have did does do the of in for at as by"))


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
    # Parenthesized text is a follow-up's context: its words ("versus", "the gap") are not
    # what this question asks.
    low = without_context(text.lower().replace("’", "'"))
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
        # "What did X promise about who controls the data?": a clause a preposition opens
        # is part of the thing asked about, not the kind of answer asked for.
        found = [(m.start(), order, kind) for order, (kind, pattern) in enumerate(_TYPES)
                 for m in [re.search(pattern, low)] if m
                 and not _clause(low[:m.start()])]
        broad = next((kind for _, _, kind in sorted(found) if kind == "broad"), None)
        if _YESNO.search(low) and not broad and not _CHOICE.search(low):
            question.answer_type = "yesno"
        elif found:
            question.answer_type = min(found)[2]
        if question.answer_type in {"action", "why", "involve", "broad", "list"} and \
                question.operation != "ratio":
            question.operation = ""  # "close the gap", "why did it grow": words, not arithmetic
        opening = re.match(r"\s*([a-z]+)", low)
        if question.answer_type == "general" and re.search(r"\b" + _MEASURE, low) and \
                not (opening and opening.group(1) in QUESTION_OPENERS):
            question.answer_type = "quantity"  # typed as a note: "globex revenue 2021?"
        if question.operation and question.answer_type in {"general", "how", "yesno"}:
            question.answer_type = "quantity" if question.answer_type != "yesno" else "yesno"
    count = _COUNT.search(low)
    if count and question.answer_type in {"general", "list", "who", "where", "action"}:
        word = count.group(1)
        question.count = int(word) if word.isdigit() else NUMBER_WORDS[word]
        question.answer_type = "list"
    question.names = [n for n in asked_names(text) if not _SOURCE_OF.search(
        text.replace("’", "'").replace(n, "\0"))]
    # Parenthesized text is context (a follow-up's previous answer, glossary names): it helps
    # the search but sets no period or figure the answer must match.
    asked = re.sub(r"\([^()]*\)", " ", text)
    fiscal = re.findall(r"\bFY\s?'?((?:19|20)\d\d)\b", asked, re.IGNORECASE)
    question.periods = list(dict.fromkeys(YEAR.findall(asked) + fiscal))
    question.quarters = quarters_in(asked)
    question.tokens = content_tokens(text)
    question.bound = stated_bound(low)
    question.numbers = [value for m in AMOUNT.finditer(asked) if not YEAR.fullmatch(m.group(1))
                        for value in [float(m.group(1).replace(",", ""))]
                        if not (question.bound and value == question.bound[1])]
    things = question.names + question.periods
    if question.operation in {"sum", "average"} and (len(things) < 2 or not re.search(
            r"\b(?:and|plus)\b|&", low)):
        # "How many customers in total", "the combined share of the top five": one figure.
        question.operation = ""
    return question


_BOUND = re.compile(r"\b(?:(?P<cmp>more|greater|bigger|higher|less|fewer|lower|smaller) than|"
                    r"(?P<bound>over|above|under|below|exceed(?:ed|s|ing)?|top(?:ped)?|"
                    r"at least|at most))\s+(?:[a-z]{3} |us\$|\$|€|£)?"
                    r"(?P<n>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\d.])"
                    r"\s*(?P<unit>%|percent|per cent|thousand|million|billion|trillion|bn|mn)?"
                    r"(?!\s*(?:times|x|years?|quarters?|months?|days?)\b)")
_ABOVE = {"more", "greater", "bigger", "higher", "over", "above", "exceed", "exceeded",
          "exceeds", "exceeding", "top", "topped", "at least"}


# A name the question gives as its source ("per Canalys", "by Gartner's count"), with \0
# standing for it: where the figures come from, not what they are about.
_SOURCE_OF = re.compile(r"\b(?:according to|citing) (?:the )?\0(?!\w)(?!'s (?!count|figures?|"
                        r"data|estimates?|numbers|reports?|tally|table|research)\b)|"
                        r"\bper \0(?=\s*(?:[,.;:?!]|$))|"
                        r"\b(?:by|in|on|from|per) (?:the )?\0(?:'s?)? (?:count|figures?|data|"
                        r"estimates?|numbers|reckoning|tally|table|research|rankings?|list|"
                        r"surveys?|study|forecasts?|reports?)\b", re.IGNORECASE)


def without_context(text: str) -> str:
    """The text without its parenthesized parts (nested ones too)."""
    while True:
        shorter = re.sub(r"\s*\([^()]*\)", "", text)
        if shorter == text:
            return text
        text = shorter


def stated_bound(low: str) -> tuple[bool, float, str] | None:
    """(above, limit, unit) of "more than 10%", "under USD 5 billion", "exceed 40 million";
    None without one, or for a year ("more than 2015") or a multiple ("more than 4 times")."""
    match = _BOUND.search(low)
    if not match or YEAR.fullmatch(match.group("n")):
        return None
    word = match.group("cmp") or match.group("bound")
    return word in _ABOVE, float(match.group("n").replace(",", "")), match.group("unit") or ""


def asked_names(text: str) -> list[str]:
    """The names a question mentions. Its opening word is capitalized only because it opens
    the question: an English word there ("Instead", "Overall") is not a name, unless it owns
    something ("Oracle's revenue")."""
    names = names_in(text)
    opening = re.match(r"\s*([A-Z][a-z]+)\b(?!['’]s\b)", text)
    if opening and names and names[0] == opening.group(1) and is_english_word(names[0]):
        names = names[1:]
    return names


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
