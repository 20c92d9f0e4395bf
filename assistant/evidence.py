"""Pick the sentences of retrieved passages that answer a question, and judge their support."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from langchain_core.embeddings import Embeddings

from .passages import split_sentences
from .questions import CONCEPTS, FRAMING, YEAR, Question, concepts_in, tokenize
from .retrieve import Hit

_HAS_NUMBER = re.compile(r"\d")
_MONTHS = r"january|february|march|april|may|june|july|august|september|october|november|december"
_HAS_DATE = re.compile(rf"\b(?:19|20)\d\d\b|\b(?:{_MONTHS})\b", re.IGNORECASE)
_HAS_NAME = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][a-zA-Z&+]+(?:\s+[A-Z][a-zA-Z&+]+)*")
_HAS_SOURCE = re.compile(r"\b(?:report|reported|according to|said|says|data|estimated|"
                         r"filing|filed|sent to|announced|source)\b", re.I)
_HAS_REASON = re.compile(r"\b(?:because|as|since|so|therefore|due to|taken by|why)\b", re.I)


@dataclass
class Evidence:
    """A candidate supporting sentence, where it sits, and how well it answers the question."""

    hit: Hit
    sentence: str
    index: int
    coverage: float
    similarity: float
    score: float
    entities_ok: bool
    type_ok: bool


class SentenceScorer:
    """Scores sentences against a question; sentence vectors are cached for the process."""

    def __init__(self, embeddings: Embeddings, idf: Callable[[str], float | None]):
        self.embeddings = embeddings
        self.idf = idf
        self._vectors: dict[str, list[float]] = {}

    def weight(self, token: str) -> float:
        # Words the corpus never uses cannot be covered by any sentence; they weigh nothing
        # here and are judged separately (see `unknown_units`).
        idf = self.idf(token)
        return 0.0 if idf is None else max(idf, 0.1)

    def known(self, token: str) -> bool:
        return self.idf(token) is not None

    def unknown_units(self, units: list[str]) -> list[str]:
        """Question words the corpus never uses (numbers aside)."""
        return [u for u in units if not self.known(u) and not u[0].isdigit()]

    def vectors(self, sentences: list[str]) -> list[list[float]]:
        missing = [s for s in dict.fromkeys(sentences) if s not in self._vectors]
        if missing:
            for text, vec in zip(missing, self.embeddings.embed_documents(missing), strict=True):
                self._vectors[text] = vec
        return [self._vectors[s] for s in sentences]

    def candidates(self, question: Question, units: list[str], hits: list[Hit],
                   query_vector: list[float]) -> list[Evidence]:
        """Every sentence of the hits, scored and best first."""
        rows = []
        for rank, hit in enumerate(hits):
            if hit.document.metadata.get("kind") == "figure":
                continue
            sentences = split_sentences(hit.document.page_content)
            for i, sentence in enumerate(sentences):
                if len(sentence) < 12:
                    continue
                rows.append((rank, hit, i, sentence, sentences[i - 1] if i else ""))
        if not rows:
            return []
        vectors = self.vectors([r[3] for r in rows])
        total = sum(self.weight(u) for u in units) or 1.0
        result = []
        for (rank, hit, i, sentence, previous), vector in zip(rows, vectors, strict=True):
            tokens = set(tokenize(sentence))
            section = hit.document.metadata.get("section", "")
            context = tokens | set(tokenize(previous + " " + section))
            covered = sum(self.weight(u) for u in units
                          if u in tokens or (u.startswith("§") and u in context))
            coverage = covered / total
            similarity = sum(a * b for a, b in zip(query_vector, vector, strict=True))
            window = set(concepts_in(f"{previous} {sentence} {section}"))
            # The question's subject (its first entity) must be there; of the others, one is
            # enough ("target X instead of Y"). A factoid also needs every concept it names.
            entities_ok = not question.entities or question.entities[0] in window
            if question.answer_type in FACTOID:
                needed = {u[1:] for u in units if u[1:] in CONCEPTS} - FRAMING
                entities_ok = entities_ok and needed <= window
            type_ok = _type_ok(question, sentence)
            score = 0.45 * similarity + 0.55 * coverage + (0.08 if type_ok else 0.0)
            score += 0.04 / (1 + rank)
            if sentence.rstrip().endswith("?"):
                score -= 0.2  # a (rhetorical) question is rarely the answer itself
            if not entities_ok:
                score -= 0.15
            result.append(Evidence(hit, sentence, i, coverage, similarity, score, entities_ok,
                                   type_ok))
        result.sort(key=lambda e: -e.score)
        return result


FACTOID = {"quantity", "date", "who", "where", "source"}
# Answer types whose evidence must contain the asked kind of value; for the others it only helps.
STRICT_TYPES = {"quantity", "date", "who"}


def _type_ok(question: Question, sentence: str) -> bool:
    kind = question.answer_type
    if kind == "quantity":
        return bool(_HAS_NUMBER.search(sentence))
    if kind == "date":
        return bool(_HAS_DATE.search(sentence))
    if kind == "who":  # someone the question does not already name
        asked = question.text.lower()
        return any(name.lower() not in asked for name in _HAS_NAME.findall(sentence))
    if kind == "where":
        return bool(_HAS_NAME.search(sentence))
    if kind == "source":
        return bool(_HAS_SOURCE.search(sentence))
    if kind == "why":
        return bool(_HAS_REASON.search(sentence))
    return True


def periods_supported(question: Question, texts: list[str]) -> bool:
    """Every year the question names appears in the evidence."""
    found = {y for t in texts for y in YEAR.findall(t)}
    return all(p in found for p in question.periods)
