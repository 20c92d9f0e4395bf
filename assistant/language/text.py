"""Clean what a user typed: markup, invisible characters, Unicode forms, hurried shorthand."""

from __future__ import annotations

import re
import unicodedata

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

# Zero-width, bidi-control and tag characters: invisible to a reader, yet read by the search.
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
                       "\U000e0000-\U000e007f]")

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
    text = INVISIBLE.sub("", text)
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
