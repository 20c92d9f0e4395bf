"""Typo repair that never touches a valid word: only tokens that are neither English (per
symspellpy's frequency dictionary) nor in the corpus vocabulary are candidates."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from .words import STOPWORDS

# How many text passages are read to learn a corpus's own names and acronyms: enough for its
# vocabulary, and a bounded cost on the first question however large the corpus.
CORPUS_SAMPLE = 5000

_CANDIDATE = re.compile(r"(?<![\w\-'’&/.])[a-z][a-z\-]+(?![\w\-'’&/])")
_LOWERCASE_WORD = re.compile(r"(?<![\w\-&/.])[a-z][a-z0-9\-]*(?![\w\-&/])")
# A capitalized word: a name, repaired only toward a name the corpus uses.
_NAME_CANDIDATE = re.compile(r"(?<![\w\-'’&/.])[A-Z][a-z]{3,}(?![\w\-&/])")


@lru_cache(maxsize=1)
def _english():
    from symspellpy import SymSpell  # ~2 s to load the dictionary: once per process, on demand

    speller = SymSpell(max_dictionary_edit_distance=2)
    speller.load_dictionary(
        str(resources.files("symspellpy") / "frequency_dictionary_en_82_765.txt"), 0, 1)
    return speller


@lru_cache(maxsize=1)
def _english_words() -> frozenset[str]:
    """The dictionary's words alone: read in milliseconds, where the speller's index of
    edits takes seconds and is built only when a word needs repair."""
    path = resources.files("symspellpy") / "frequency_dictionary_en_82_765.txt"
    return frozenset(line.split(" ", 1)[0] for line in path.read_text(encoding="utf-8")
                     .splitlines() if line)


def is_english_word(word: str) -> bool:
    """True for a word of the English frequency dictionary (any case)."""
    return word.lower() in _english_words()


def acronyms_in(texts: list[str], min_count: int = 2) -> dict[str, str]:
    """Acronyms a corpus implies: the most frequent run of 2-6 words whose initials spell it
    ("kilometres per hour" -> "kph"; "earnings before interest, taxes, and amortization" ->
    "ebita", with "and" or "of" between words left out of the initials). A run of two or three
    words must be seen `min_count` times; a longer one once is enough, since four or more
    initials seldom line up by chance."""
    counts: dict[str, dict[str, int]] = {}
    for text in texts:
        for sentence in re.split(r"(?<=[.!?])\s+", text):
            words = re.findall(r"[A-Za-z][a-z\-]*", sentence)
            for i in range(len(words)):
                for run, key in _runs(words, i):
                    phrase = " ".join(run).lower()
                    counts.setdefault(key, {}).setdefault(phrase, 0)
                    counts[key][phrase] += 1
    found = {}
    for key, phrases in counts.items():
        phrase, count = max(phrases.items(), key=lambda item: item[1])
        if count >= (min_count if len(key) < 4 else 1):
            found[key] = phrase
    return found


_JOINERS = {"and", "of", "&"}


def _runs(words: list[str], start: int):
    """(words, initials) of each run of 2-6 initialled words from `start`: lowercase ones (the
    first may open a sentence), joined by "and"/"of" at most, not opening or closing on a
    stopword."""
    run, initials = [], ""
    for at in range(start, len(words)):
        word = words[at]
        if run and word.lower() in _JOINERS:
            run.append(word)
            continue
        if len(word) < 2 or (word[0].isupper() and (at > 0 or run)):
            return
        run.append(word)
        initials += word[0].lower()
        if run[0].lower() in STOPWORDS or word.lower() in STOPWORDS:
            if len(run) == 1:
                return
            continue
        if 2 <= len(initials) <= 6:
            yield run[:], initials
        if len(initials) >= 6:
            return


def name_casing(texts: list[str], min_count: int = 2) -> dict[str, str]:
    """Names the corpus always writes capitalized inside a sentence ("Globex", "IBM"), by
    their lowercase form: a question typed in lowercase names them all the same. An English
    word counts only if it also stands alone as a name: "Northern" of "Northern Line" does not."""
    forms: dict[str, dict[str, int]] = {}
    alone: set[str] = set()
    lowercase = set()
    for text in texts:
        lowercase.update(re.findall(r"\b[a-z][a-z0-9&\-]*[a-z0-9]\b", text))
        # Runs of capitalized words, not at a sentence's start (capitalized whatever it is).
        for match in re.finditer(r"(?<=[a-z0-9,;] )[A-Z][\w&\-]*(?: [A-Z][\w&\-]*)*", text):
            words = [w.rstrip("-") for w in re.findall(r"[A-Za-z][A-Za-z0-9&\-]*",
                                                        match.group(0))]
            for word in words:
                forms.setdefault(word.lower(), {}).setdefault(word, 0)
                forms[word.lower()][word] += 1
            if len(words) == 1 and not re.match(r"\s?\d", text[match.end():]):
                alone.add(words[0].lower())  # not "Form 20-F": a code, not a name alone
    casing = {}
    for low, counts in forms.items():
        form, count = max(counts.items(), key=lambda item: item[1])
        if count >= min_count and low not in lowercase and low not in STOPWORDS \
                and (low in alone or not is_english_word(low)):
            casing[low] = form
    return casing


class Speller:
    """Corrects likely typos toward corpus words first, then common English words; spells out
    acronyms the corpus never uses but whose words it does ("KPH")."""

    def __init__(self, corpus_words: set[str], acronyms=None, casing=None):
        """`acronyms`: a mapping, or a function that makes one (called on first need);
        `casing`: how the corpus writes its names, by lowercase form (see name_casing), or a
        function that makes it."""
        self.corpus_words = {w.lower() for w in corpus_words}
        self._acronyms = acronyms or {}
        self._casing = casing or {}

    @property
    def casing(self) -> dict[str, str]:
        if callable(self._casing):
            self._casing = self._casing()
        return self._casing

    @property
    def acronyms(self) -> dict[str, str]:
        if callable(self._acronyms):
            self._acronyms = self._acronyms()
        return self._acronyms

    def correct(self, text: str) -> str:
        """The text with misspelled lowercase words replaced and unknown acronyms spelled out;
        a capitalized word is changed only into a name of the corpus it misspells."""
        text = re.sub(r"(?<![\w&\-])[A-Za-z]{2,5}(?![\w&\-])", self._spell_out, text)
        text = _NAME_CANDIDATE.sub(self._repair_name, text)

        def fix(match: re.Match) -> str:
            word = match.group(0)
            if len(word) < 4 or word in self.corpus_words or "-" in word:
                return word
            return self._suggest(word) or word

        text = _CANDIDATE.sub(fix, text)
        # "globex's share" -> "Globex's share": names typed in lowercase are still names.
        return _LOWERCASE_WORD.sub(lambda m: self.casing.get(m.group(0), m.group(0)), text)

    def _spell_out(self, match: re.Match) -> str:
        token = match.group(0)
        low = token.lower()
        if low in self.corpus_words:
            return token
        phrase = self.acronyms.get(low)
        if not phrase:
            return token
        if not token.isupper() and (is_english_word(low) or len(low) < 3):
            return token  # a lowercase English word ("sun") is not an acronym
        return phrase

    def _repair_name(self, match: re.Match) -> str:
        """"Globx" -> "Globex" when the corpus says "globex"; an English word or a name
        the corpus does not come close to is kept (it may be a firm the sources never name)."""
        word = match.group(0)
        low = word.lower()
        if low in self.corpus_words or is_english_word(low):
            return word
        close = self._close_corpus_words(low)
        if not close:
            return word
        return close[0][0].upper() + close[0][1:]

    def _close_corpus_words(self, word: str) -> list[str]:
        """Corpus words within one edit (two for longer words), closest and longest first."""
        close = [w for w in self.corpus_words if abs(len(w) - len(word)) <= 2
                 and _distance(w, word) <= (1 if len(word) < 6 else 2)]
        return sorted(close, key=lambda w: (_distance(w, word), -len(w)))

    def _suggest(self, word: str) -> str | None:
        from symspellpy import Verbosity

        english = _english()
        if word in english.words:
            return None
        # A corpus word within one or two edits wins: names of products and firms are there.
        close = self._close_corpus_words(word)
        if close:
            return close[0]
        # Toward English, one edit only: two edits turn names the corpus lacks ("Initrex")
        # into unrelated words, and most typos are one slip.
        found = english.lookup(word, Verbosity.TOP, max_edit_distance=1)
        return found[0].term if found else None


def _distance(a: str, b: str) -> int:
    """Damerau–Levenshtein (optimal string alignment) distance."""
    from symspellpy.editdistance import DistanceAlgorithm, EditDistance

    if a == b:
        return 0
    found = EditDistance(DistanceAlgorithm.DAMERAU_OSA).compare(a, b, 2)
    return 3 if found < 0 else int(found)  # -1 means "more than the limit"
