"""Typo repair that never touches a valid word: only tokens that are neither English (per
symspellpy's frequency dictionary) nor in the corpus vocabulary are candidates."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

_CANDIDATE = re.compile(r"(?<![\w\-'’&/.])[a-z][a-z\-]+(?![\w\-'’&/])")


@lru_cache(maxsize=1)
def _english():
    from symspellpy import SymSpell  # ~2 s to load the dictionary: once per process, on demand

    speller = SymSpell(max_dictionary_edit_distance=2)
    speller.load_dictionary(
        str(resources.files("symspellpy") / "frequency_dictionary_en_82_765.txt"), 0, 1)
    return speller


def is_english_word(word: str) -> bool:
    """True for a word of the English frequency dictionary (any case)."""
    return word.lower() in _english().words


class Speller:
    """Corrects likely typos toward corpus words first, then common English words."""

    def __init__(self, corpus_words: set[str]):
        self.corpus_words = {w.lower() for w in corpus_words}

    def correct(self, text: str) -> str:
        """The text with misspelled lowercase words replaced; names (capitalized) are kept."""
        def fix(match: re.Match) -> str:
            word = match.group(0)
            if len(word) < 4 or word in self.corpus_words or "-" in word:
                return word
            return self._suggest(word) or word

        return _CANDIDATE.sub(fix, text)

    def _suggest(self, word: str) -> str | None:
        from symspellpy import Verbosity

        english = _english()
        if word in english.words:
            return None
        # A corpus word within one or two edits wins: names of products and firms are there.
        close = [w for w in self.corpus_words if abs(len(w) - len(word)) <= 2
                 and _distance(w, word) <= (1 if len(word) < 6 else 2)]
        if close:
            return min(close, key=lambda w: (_distance(w, word), -len(w)))
        found = english.lookup(word, Verbosity.TOP, max_edit_distance=1 if len(word) < 6 else 2)
        return found[0].term if found else None


def _distance(a: str, b: str) -> int:
    """Damerau–Levenshtein (optimal string alignment) distance."""
    from symspellpy.editdistance import DistanceAlgorithm, EditDistance

    if a == b:
        return 0
    found = EditDistance(DistanceAlgorithm.DAMERAU_OSA).compare(a, b, 2)
    return 3 if found < 0 else int(found)  # -1 means "more than the limit"
