"""Find the sentences that answer a question and judge whether the sources cover it at all.

Every sentence of the corpus is embedded once per open. A sentence's score combines its meaning
(cosine to the question), IDF-weighted keyword coverage, its passage's retrieval rank and whether
it holds the kind of value asked for; whether to answer at all is one calibrated probability over
question-level signals. Both sets of weights are fitted on labelled questions and read from
calibration.json (see sentences.py).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..ingest.extract import amount_kinds
from ..ingest.tables import ROW
from ..language.numbers import YEAR
from ..language.periods import quarter_periods_in, quarters_in, years_reported
from ..language.questions import Question
from ..language.words import MONTHS, names_in, tokenize
from ..search.retrieve import Hit
from .figures import covered, measure_words
from .sentences import Sentence, SentenceBank, calibration

SENTENCE_FEATURES = ["similarity", "coverage", "context_coverage", "passage_rank", "type_ok",
                     "year_ok", "is_question", "is_heading", "window_similarity",
                     "passage_similarity", "source_date", "names", "similarity_gap",
                     "figure_fit"]
QUESTION_FEATURES = ["best_score", "best_similarity", "best_coverage", "known_share",
                     "names_missing", "year_missing", "type_ok", "top_passage_similarity",
                     "focus_names", "focus_year", "focus_coverage", "open_question",
                     "figure_match", "wants_figure", "figure_found", "fact_found"]
# Questions whose answer is an explanation or a briefing rather than one stated fact.
OPEN_TYPES = {"broad", "action", "why", "how", "involve", "list", "opinion", "general", "yesno"}

# Questions after one stated fact other than an amount.
_FACT_TYPES = {"who", "where", "date"}

# English endings that make an adjective or a people of a place or a name, and the endings
# the base word may have lost ("Chin-a" -> "Chin-ese").
_DERIVED_ENDINGS = {"", "n", "an", "ian", "ean", "ese", "ish", "i", "ic", "ns", "ans", "ians"}
_BASE_ENDINGS = ("", "a", "y", "e", "o", "ia")
_HAS_DATE = re.compile(rf"\b(?:19|20)\d\d\b|\b(?:{'|'.join(MONTHS)})\b|\bQ[1-4]\b", re.IGNORECASE)
_HAS_NUMBER = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|dozen|"
                         r"hundred|thousand|million|billion|half|twice|double)\b", re.I)
_DATES = re.compile(rf"\b(?:\d{{1,2}}\s+(?:{'|'.join(MONTHS)})|(?:{'|'.join(MONTHS)})\s+\d{{1,2}}"
                    rf"(?:st|nd|rd|th)?|(?:19|20)\d\d|Q[1-4])\b", re.IGNORECASE)
_HAS_SOURCE = re.compile(r"\b(?:report|reported|according to|said|says|data|estimated|estimates|"
                         r"filing|filed|announced|source|told|research|survey|analyst)\b", re.I)
_HAS_ACTION = re.compile(r"\b(?:should|must|need|needs|could|has to|have to|ought|recommend|"
                         r"suggest|plan|plans|aims?|will|strategy|invest|focus|build|expand)\b",
                         re.I)


@dataclass
class Evidence:
    """A scored candidate sentence."""

    hit: Hit
    sentence: Sentence
    features: dict
    score: float

    @property
    def text(self) -> str:
        return self.sentence.text


class EvidenceScorer:
    """Scores the sentences of retrieved passages against a question."""

    def __init__(self, bank: SentenceBank, idf: Callable[[str], float | None],
                 variants: Callable[[str], list[str]] = lambda n: [n],
                 authors: set[str] = frozenset()):
        self.bank = bank
        self.variants = variants
        self.idf = idf
        self.authors = {a.lower() for a in authors if a}  # named in the documents' bylines
        self.weights = calibration()

    def weight(self, token: str) -> float:
        idf = self.idf(token)
        return 0.0 if idf is None else max(idf, 0.1)

    def known_share(self, tokens: list[str]) -> float:
        """How much of the question (by rarity-weighted words) the corpus uses at all. Unknown
        words weigh as much as the rarest known word: a word absent from the corpus is a signal,
        never a verdict."""
        if not tokens:
            return 1.0
        known = [self.weight(t) for t in tokens if self.idf(t) is not None]
        top = max(known, default=3.0)
        total = sum(known) + top * sum(1 for t in tokens if self.idf(t) is None)
        return sum(known) / total if total else 1.0

    def candidates(self, question: Question, hits: list[Hit], query_vector,
                   figure_fit: dict[str, float] | None = None) -> list[Evidence]:
        """Every sentence of the hits, scored, best first. `figure_fit`: for sentences that
        state figures, how well their figure fits a figure question."""
        figure_fit = figure_fit or {}
        self.bank.ensure([h.document.id for h in hits])
        rows: list[tuple[int, Hit, int]] = []
        for rank, hit in enumerate(hits):
            for i in self.bank.of_passage(hit.document.id):
                rows.append((rank, hit, i))
        if not rows:
            return []
        q = np.asarray(query_vector, dtype=np.float32)
        ids = [r[2] for r in rows]
        sims = self.bank.matrix(ids) @ q
        window_sims = self.bank.windows(ids) @ q
        tokens = question.tokens
        total = sum(self.weight(t) for t in tokens) or 1.0
        w = self.weights["sentence"]
        # Cosines differ in scale from one question and corpus to another: how far a sentence
        # falls short of the best one's meaning says more than its own cosine.
        best_sim = float(sims.max())
        kind = question.amount_kind  # read once, not per sentence
        amounts_asked = question.wants_figure or bool(question.operation) or \
            question.answer_type == "yesno"
        result = []
        for (rank, hit, i), sim, window_sim in zip(rows, sims, window_sims, strict=True):
            sentence = self.bank.sentences[i]
            own, context = self.bank.tokens[i], self.bank.context_tokens[i]
            section = hit.document.metadata.get("section", "")
            features = {
                "similarity": float(sim),
                "coverage": sum(self.weight(t) for t in tokens
                                if _covers(t, own, question.alternatives)) / total,
                "context_coverage": sum(self.weight(t) for t in tokens
                                        if _covers(t, context, question.alternatives)) / total,
                "passage_rank": 1.0 / (1 + rank),
                "type_ok": float(type_ok(question, sentence.text, kind)),
                "year_ok": _year_ok(question, sentence.text, _dated_text(hit)),
                "is_question": float(sentence.text.rstrip().endswith("?")),
                # A short line is a heading; a table row is not, when amounts are asked for.
                "is_heading": float(sentence.text.strip() == section.strip()
                                    or (len(sentence.text) < 30
                                        and not (amounts_asked and ROW.match(sentence.text)))),
                "window_similarity": float(window_sim),
                "passage_similarity": float(hit.dense or 0.0),
                "source_date": _source_date(question, hit.document.metadata.get("published", "")),
                # Of the things the question names, the share this sentence (with the one
                # before it and its heading) speaks of.
                "names": self._names_near(question.names, sentence, section),
                "similarity_gap": float(sim) - best_sim,
                "figure_fit": figure_fit.get(sentence.text, 0.0),
            }
            score = w["bias"] + sum(w[k] * features[k] for k in SENTENCE_FEATURES)
            result.append(Evidence(hit, sentence, features, score))
        result.sort(key=lambda e: -e.score)
        return result

    def judge(self, question: Question, evidence: list[Evidence], hits: list[Hit],
              figure_periods: set[str], figure_match: float = 1.0) -> tuple[float, dict]:
        """The probability that the sources answer the question, and the signals behind it."""
        best = evidence[0] if evidence else None
        names = question.names
        missing = [n for n in names if not self._known_name(n)]
        years_found = {y for h in hits for y in YEAR.findall(_dated_text(h))}
        absent = [p for p in question.periods if p not in years_found | figure_periods]
        if question.operation == "before_growth" and len(absent) < len(question.periods):
            absent = []  # the year before a stated growth is worked out, not stated
        # The best few sentences of the asked kind must speak of what the question names and of
        # its year: "customers of X" is not answered by a sentence on customers of Y.
        typed = [e for e in evidence[:12] if e.features["type_ok"]][:3] or evidence[:3]
        focus_names = max((self.names_share(names, e) for e in typed), default=0.0)
        features = {
            "best_score": best.score if best else -3.0,
            "best_similarity": max((e.features["similarity"] for e in evidence[:10]),
                                   default=0.0),
            "best_coverage": max((e.features["context_coverage"] for e in evidence[:10]),
                                 default=0.0),
            "known_share": self.known_share(question.tokens),
            "names_missing": len(missing) / len(names) if names else 0.0,
            "year_missing": float(bool(absent)),
            "type_ok": best.features["type_ok"] if best else 0.0,
            "top_passage_similarity": max((h.dense or 0.0 for h in hits), default=0.0),
            "focus_names": focus_names,
            "focus_year": max((e.features["year_ok"] for e in typed), default=0.0),
            # One sentence must say both who and what: not "customers" here and "X" there.
            "focus_coverage": max((e.features["coverage"] for e in typed), default=0.0),
            "open_question": float(question.answer_type in OPEN_TYPES and not question.operation),
            "figure_match": figure_match if question.wants_figure else 0.0,
            "wants_figure": float(question.wants_figure),
            "figure_found": self._figure_found(question, evidence, figure_match),
            "fact_found": self._fact_found(question, evidence),
        }
        w = self.weights["answerable"]
        z = w["bias"] + sum(w[k] * features[k] for k in QUESTION_FEATURES)
        features["missing_names"] = missing
        features["absent_periods"] = absent
        return 1 / (1 + math.exp(-z)), features


    def _figure_found(self, question: Question, evidence: list[Evidence],
                      figure_match: float) -> float:
        """For a figure asked of something (not arithmetic): how well the sources hold it, 0
        to 1. The better of the figures' fit and the best amount-holding sentence that speaks
        of the subject and says most of its measure ("how many employees does X have?" when
        X's figures are revenue and customers: low). 1 for other questions."""
        if not question.wants_figure or question.operation:
            return 1.0
        # Of the names, the subject is enough: "X's share in China" is answered by "X took 34%".
        # And of the period asked: X's share in 2019 does not answer for 2022.
        return max(self._measure_said(question, evidence, dated=True, window=False),
                   figure_match)

    def _fact_found(self, question: Question, evidence: list[Evidence]) -> float:
        """For a who, where or when question: how much of what it asks about (beyond the names)
        the best sentence of the right kind on its subject says, 0 to 1. "Who founded X?" is
        not answered by a sentence on X that names others but says nothing of founding. 1 for
        other questions."""
        if question.answer_type not in _FACT_TYPES:
            return 1.0
        return self._measure_said(question, evidence, dated=False, window=True)

    def _measure_said(self, question: Question, evidence: list[Evidence], dated: bool,
                      window: bool) -> float:
        """Of the best five sentences of the asked kind that speak of the question's subject
        (and, `dated`, of its period), the largest share of its measure's IDF-weighted words one
        says (with the sentence before it, `window`); 1 when the question names no measure."""
        weight = measure_words(question, self.idf)
        total = sum(weight.values())
        if not total:
            return 1.0
        kept = [e for e in evidence[:5] if e.features["type_ok"]
                and self.names_share(question.names, e) >= 0.5
                and (not dated or e.features["year_ok"])]
        return max((covered(weight, frozenset(tokenize(
            f"{e.sentence.previous} {e.text}" if window else e.text)), question.alternatives)
            / total for e in kept), default=0.0)

    def _found(self, name: str, text: str) -> bool:
        """A name (or any of its glossary variants) in lowercased text; a run of capitalized
        words ("Chinese SMEs", "Acme-Globex") also counts when each of its words is there."""
        if any(v.lower() in text for v in self.variants(name)):
            return True
        words = [w for w in re.split(r"[\s\-]+", name) if len(w) > 1]
        return len(words) > 1 and all(self._found(w, text) for w in words)

    def _known_name(self, name: str) -> bool:
        """A name the corpus uses: each of its words (of it or of a glossary variant) is in the
        keyword index's vocabulary, or it is a document's author."""
        if name.lower() in self.authors:
            return True
        for variant in self.variants(name):
            words = tokenize(variant)
            if words and all(self.idf(w) is not None for w in words):
                return True
        if " " not in name and self._derived_known(name.lower()):
            return True
        # "RMB-to-dollar": its words, less those that carry no topic ("to").
        parts = [w for w in re.split(r"[\s\-]+", name) if len(w) > 1 and tokenize(w)]
        return len(parts) > 1 and all(self._known_name(w) for w in parts)

    def _derived_known(self, word: str) -> bool:
        return bool(self.derived_base(word))

    def derived_base(self, word: str) -> str:
        """The corpus word a word is derived from by an English ending: "japan" for
        "japanese", "china" for "chinese", "germany" for "german"; '' if none."""
        for cut in range(4, len(word) + 1):
            if word[cut:] not in _DERIVED_ENDINGS:
                continue
            for tail in _BASE_ENDINGS:
                if self.idf(word[:cut] + tail) is not None:
                    return word[:cut] + tail
        return ""

    def in_corpus_words(self, tokens: list[str]) -> list[str]:
        """The question's words, each one the corpus never uses but derives from one of its
        words ("japanese" where it only says "japan") replaced by that word."""
        return [t if self.idf(t) is not None else self.derived_base(t) or t for t in tokens]

    def names_share(self, names: list[str], e: Evidence) -> float:
        return self._names_near(names, e.sentence, e.hit.document.metadata.get("section", ""))

    def _names_near(self, names: list[str], sentence: Sentence, section: str) -> float:
        if not names:
            return 1.0
        window = " ".join([sentence.previous, sentence.text, section]).lower()
        return sum(1 for n in names if self._found(n, window)) / len(names)


def _covers(token: str, words: frozenset, alternatives: dict[str, set[str]]) -> bool:
    return token in words or any(a in words for a in alternatives.get(token, ()))


def type_ok(question: Question, sentence: str, amount_kind: str | None = None) -> bool:
    """Whether a sentence holds the kind of thing the question asks for (`amount_kind`: the
    question's, when already read)."""
    kind = question.answer_type
    if kind == "quantity" or question.operation:
        # An amount, not merely a year or a day of a month ("fiscal 2018 ends on 31 March"),
        # and of the kind asked: "how many customers" is not answered by a sum of money.
        if not _HAS_NUMBER.search(_DATES.sub(" ", sentence)):
            return False
        kind = question.amount_kind if amount_kind is None else amount_kind
        # A table row's numbers take their unit from the table (tables.py), not the row.
        return not kind or kind in amount_kinds(sentence) or bool(ROW.match(sentence))
    if kind == "date":
        return bool(_HAS_DATE.search(sentence))
    if kind in ("who", "where") or (kind == "general" and question.asks_name):
        # Someone, somewhere or something the question does not already name.
        asked = question.text.lower()
        return any(n.lower() not in asked for n in names_in(sentence))
    if kind == "source":
        return bool(_HAS_SOURCE.search(sentence))
    if kind == "action":
        return bool(_HAS_ACTION.search(sentence))
    return True


_MONTH_NUMBER = {m.lower(): f"{i:02d}" for i, m in enumerate(MONTHS, start=1)}


def _source_date(question: Question, published: str) -> float:
    """1 when the question names the source's publication year (and month, if it names one):
    "according to the July 2025 coverage"."""
    if not published or not question.periods or published[:4] not in question.periods:
        return 0.0
    months = [_MONTH_NUMBER[m] for m in re.findall(r"[a-z]+", question.text.lower())
              if m in _MONTH_NUMBER]
    return 1.0 if not months or published[5:7] in months else 0.5


def _dated_text(hit: Hit) -> str:
    """A passage with its source's years: a report speaks of its own time ("the quarter ended
    30 September") without always naming the year, and of the year before when it reports it
    ("the fourth quarter" in a February report)."""
    return f"{hit.document.page_content} {' '.join(report_years(hit.document))}"


def report_years(document) -> list[str]:
    """The years a report's undated sentences may speak of: its own and the one before."""
    return years_reported(document.metadata.get("published", ""))


def _year_ok(question: Question, sentence: str, passage: str) -> float:
    """1 when the sentence names the asked years (and quarters), 0.5 when only its passage
    does, 0 otherwise. A quarter written as words ("third quarter") counts."""
    if not question.periods and not question.quarters:
        return 1.0
    asked = quarter_periods_in(question.text)
    stated = quarter_periods_in(sentence)
    if asked and stated:  # "Q4 2022" is not "Q4 2019 … Q2 2022"
        return 1.0 if set(asked) <= set(stated) else 0.0
    if question.quarters:
        named = set(quarters_in(sentence))
        around = named | set(quarters_in(passage))
        if not set(question.quarters) <= around:
            return 0.0
        if not set(question.quarters) <= named:
            passage_only = True
        else:
            passage_only = False
    else:
        passage_only = False
    if all(p in sentence for p in question.periods) and not passage_only:
        return 1.0
    return 0.5 if all(p in passage for p in question.periods) else 0.0
