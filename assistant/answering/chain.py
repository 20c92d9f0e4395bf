"""The answering chain as a LangChain runnable over a Turn: retrieve -> judge -> answer forms."""

from __future__ import annotations

import logging
import time
import weakref

from langchain_core.embeddings import Embeddings
from langchain_core.runnables import Runnable, RunnableLambda

from ..language.instructions import looks_like_instruction
from ..language.periods import year_of
from ..language.questions import is_summary_request
from ..language.words import tokenize
from ..search.retrieve import HybridRetriever
from .answer import Answer, abstain
from .answerers import ANSWERERS
from .knowledge import Knowledge
from .timeline import asks_latest
from .turn import Answerer, Turn

log = logging.getLogger(__name__)


class AnswerChain:
    """Finds the passages and evidence for a turn, judges whether the sources cover it, and
    tries the answer forms in order until one answers."""

    def __init__(self, knowledge: Knowledge, retriever: HybridRetriever, embeddings: Embeddings,
                 answerers: list[Answerer] = ANSWERERS):
        self.knowledge = knowledge
        self.retriever = retriever
        self.embeddings = embeddings
        self.answerers = answerers

    def runnable(self) -> Runnable:
        """The three steps as a runnable. Built per use (it is cheap) over a weak reference:
        LangChain's runnables refer to themselves, and a strong reference from them would keep a
        closed assistant, and the index build it reads, alive until a garbage collection."""
        me = weakref.proxy(self)
        return (RunnableLambda(lambda turn: me.retrieve(turn), name="retrieve")
                | RunnableLambda(lambda turn: me.judge(turn), name="judge")
                | RunnableLambda(lambda turn: me.respond(turn), name="answer"))

    def retrieve(self, turn: Turn) -> Turn:
        """Hits for the question (with each figure row's source paragraph) and scored evidence."""
        if looks_like_instruction(turn.resolved):
            return turn
        kb = self.knowledge
        t0 = time.perf_counter()
        turn.analysis.names = kb.names_asked(turn.resolved, turn.analysis.names)
        query = kb.glossary.expand(turn.resolved)
        # A name the corpus writes another way ("Globex Rail Services" for its "GRS"): searched
        # for, and counted when a sentence says it, in the corpus's form.
        aliases = {n: [v for v in kb.variants(n)[1:] if v not in kb.glossary.variants(n)]
                   for n in turn.analysis.names}
        extra = [v for found in aliases.values() for v in found]
        if extra:
            query = f"{query} ({'; '.join(extra)})"
        if turn.vector is None:
            turn.vector = self.embeddings.embed_query(query)
        wide = turn.analysis.answer_type == "broad" or is_summary_request(turn.resolved)
        # A briefing draws on more of the corpus than a lookup does.
        k, pool = (16, 24) if wide else (kb.settings.top_k, kb.settings.candidates)
        if turn.since:  # older passages are dropped below: search deeper
            k, pool = 3 * k, 3 * pool
        hits = self.retriever.hits(query, turn.vector, k=k, candidates=pool)
        if asks_latest(turn.resolved) and not turn.since:
            hits += self._newest(query, turn.vector, hits, k, pool)
        # A passage with nothing quotable (only instructions to an assistant) is no evidence.
        hits = [h for h in hits if h.document.metadata.get("kind") != "text"
                or kb.bank.of_passage(h.document.id)]
        if turn.since:
            hits = [h for h in hits if year_of(h.document.metadata.get("published")) >= turn.since]
        turn.hits = kb.with_figure_sources(hits)
        turn.signals["retrieve_ms"] = (time.perf_counter() - t0) * 1000
        # Scored on the question's own words; a glossary name counts for the term it stands
        # for, once (counting every alias would reward sentences that repeat the names).
        turn.analysis.alternatives = kb.glossary.alternatives(turn.resolved)
        for name, found in aliases.items():
            for token in tokenize(name):
                turn.analysis.alternatives.setdefault(token, set()).update(
                    t for v in found for t in tokenize(v))
        turn.analysis.tokens = kb.scorer.in_corpus_words(turn.analysis.tokens)
        turn.figure_fits = kb.figures.fits(turn.analysis, kb.idf, turn.passage_ids) \
            if turn.analysis.wants_figure else {}
        turn.evidence = kb.scorer.candidates(
            turn.analysis, turn.hits, turn.vector,
            kb.figures.by_sentence(turn.figure_fits, turn.analysis.names))
        return turn

    def _newest(self, query: str, vector, hits: list, k: int, pool: int) -> list:
        """"The latest …": the best passages of the newest sources a deeper search finds, so
        that the newest report can answer even when older ones match the words better."""
        wide = self.retriever.hits(query, vector, k=3 * k, candidates=3 * pool)
        seen = {h.document.id for h in hits}
        dates = sorted({h.document.metadata.get("published", "") for h in wide}, reverse=True)
        newest = set(dates[:2])
        return [h for h in wide if h.document.id not in seen
                and h.document.metadata.get("published", "") in newest][:3]

    def judge(self, turn: Turn) -> Turn:
        """How likely the sources answer the question (turn.answerable), from calibrated signals."""
        if not turn.hits:
            turn.answerable = 0.0
            return turn
        kb = self.knowledge
        match = kb.figures.match(turn.figure_fits, turn.analysis.names) \
            if turn.analysis.wants_figure else 0.0
        turn.answerable, signals = kb.scorer.judge(turn.analysis, turn.evidence, turn.hits,
                                                   kb.figure_periods, match)
        turn.signals.update(signals)
        return turn

    def respond(self, turn: Turn) -> Answer:
        """The first answer form that answers; an abstention when none does."""
        if looks_like_instruction(turn.resolved):
            return abstain(turn.question, turn.resolved, "I answer questions about the sources "
                           "and do not follow instructions given in a question.")
        for answerer in self.answerers:
            try:
                answer = answerer(turn, self.knowledge)
            except Exception:  # one answer form failing must not cost the user the answer
                log.exception("the %s answer form failed; trying the next", answerer.__name__)
                continue
            if answer is not None:
                answer.signals = {"answerable": round(turn.answerable, 3),
                                  "form": answerer.__name__}
                return answer
        return abstain(turn.question, turn.resolved, "", [h.document for h in turn.hits[:3]])
