"""The Python API: `Assistant.open(...)` updates the index and wires the stages; `ask` answers
with citations by running the answering chain."""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

from langchain_core.embeddings import Embeddings
from langchain_core.runnables import Runnable, RunnableLambda

from .answering.answer import Answer
from .answering.chain import AnswerChain
from .answering.generate import generated_answer, make_chat_model
from .answering.knowledge import Knowledge
from .answering.reading import QuestionReader, make_speller
from .answering.turn import Turn
from .config import Settings
from .errors import AssistantError
from .ingest.glossary import load_glossary
from .language.questions import analyze
from .language.words import content_tokens
from .search.builds import OpenBuild
from .search.embeddings import shared_embeddings
from .search.index import open_store
from .search.keyword import KeywordIndex, build_keyword_index, keyword_index_is_current
from .search.manifest import BuildReport
from .search.retrieve import HybridRetriever
from .search.sentence_store import stored_vectors
from .search.storage import builds_for
from .search.update import update_index


class Assistant:
    """Answers questions over one corpus and its index."""

    def __init__(self, settings: Settings, knowledge: Knowledge, retriever: HybridRetriever,
                 embeddings: Embeddings, report: BuildReport, chat=None):
        self.settings = settings
        self.knowledge = knowledge
        self.retriever = retriever
        self.embeddings = embeddings
        self.report = report
        self.chat = chat
        # The speller and the answer chain read the corpus's name casing once, between them.
        speller = make_speller(knowledge.passages, knowledge.glossary,
                               lambda: knowledge.name_casing)
        self.reader = QuestionReader(settings, speller, chat)
        self.answering = AnswerChain(knowledge, retriever, embeddings)
        # What the corpus holds, for the UI and the checks.
        self.corpus, self.glossary = knowledge.corpus, knowledge.glossary
        self.passages, self.passages_by_doc = knowledge.passages, knowledge.passages_by_doc
        self.figures, self.timeline = knowledge.figures, knowledge.timeline
        self.figure_rows = knowledge.figure_rows

    @classmethod
    def open(cls, corpus: list[str] | None = None, index: str | Path | None = None,
             settings: Settings | None = None, embeddings=None, client=None,
             rebuild: bool = False, progress: Callable[[int, int], None] | None = None,
             chat=None) -> Assistant:
        """Load the corpus, bring the index up to date (embedding only changes), and open it."""
        settings = _settings(settings, corpus, index)
        embeddings = embeddings or shared_embeddings(settings.embedding_model)
        builds = builds_for(settings, client)
        loaded, groups, report = update_index(settings, embeddings, rebuild, progress, builds)
        # One build, opened once: the dense store and the keyword index read the same one.
        build = builds.open()
        passages = [p for group in groups.values() for p in group]
        # A server-mode replica's first start on this build, or a newer tokenizer.
        if not keyword_index_is_current(build.keyword_path):
            build_keyword_index(build.keyword_path, passages)
        keyword_index = KeywordIndex(build.keyword_path, passages)
        retriever = HybridRetriever(
            store=open_store(build, embeddings), embeddings=embeddings,
            keyword_index=keyword_index, k=settings.top_k, candidates=settings.candidates,
            rrf_k=settings.rrf_k)
        knowledge = Knowledge(settings, loaded, groups, embeddings, keyword_index.idf,
                              load_glossary(list(settings.corpus)),
                              stored_vectors(build.client, build.collection))
        chat = chat if chat is not None else make_chat_model(settings)
        bot = cls(settings, knowledge, retriever, embeddings, report, chat)
        _close_with(bot, build)
        return bot

    @property
    def chain(self) -> Runnable:
        """retrieve -> judge -> answer forms, as a LangChain runnable over a Turn."""
        return self.answering.runnable()

    def as_runnable(self) -> Runnable:
        """The whole flow as a LangChain runnable: {"question", "history"} -> Answer."""
        return RunnableLambda(lambda inp: self.ask(inp["question"], inp.get("history") or []))

    def as_retriever(self) -> HybridRetriever:
        """The hybrid retriever, for other LangChain code."""
        return self.retriever

    def ask(self, question: str, history: list[dict] | None = None, id: str | None = None,
            since: int | None = None) -> Answer:
        """Answer one question (with optional chat history) from the sources, with citations;
        `since`: only sources dated from that year on."""
        answer = None
        for event in self.stream(question, history, id, since):
            answer = event
        return answer

    def stream(self, question: str, history: list[dict] | None = None, id: str | None = None,
               since: int | None = None) -> Iterator[str | Answer]:
        """Yield the answer text as it is ready (verified sentences), then the Answer itself."""
        start = time.perf_counter()
        cleaned, resolved, previous = self.reader.prepare(question, history)
        yield from self._stream(cleaned, resolved, previous, id, start, since=since)

    def ask_many(self, items: list[dict], since: int | None = None
                 ) -> list[Answer | AssistantError]:
        """Answer a batch of {"id", "question", "history"} items; the questions are embedded
        together in one call. A bad item gives its error in its place, not an exception."""
        prepared: list[tuple[str, str, str] | AssistantError] = []
        for item in items:
            try:
                prepared.append(self.reader.prepare(item.get("question"),
                                                    item.get("history") or []))
            except AssistantError as exc:
                prepared.append(exc)
        texts = [self.glossary.expand(p[1]) for p in prepared
                 if not isinstance(p, AssistantError)]
        vectors = iter(self.embeddings.embed_documents(texts) if texts else [])
        results: list[Answer | AssistantError] = []
        for item, ready in zip(items, prepared, strict=True):
            if isinstance(ready, AssistantError):
                results.append(ready)
                continue
            *_, answer = self._stream(*ready, item.get("id"), time.perf_counter(), next(vectors),
                                      since=since)
            results.append(answer)
        return results

    def _stream(self, cleaned: str, resolved: str, previous: str, id: str | None, start: float,
                vector: list[float] | None = None, since: int | None = None
                ) -> Iterator[str | Answer]:
        # Only a question that asks for more about the last answer ("why?", "who said so?")
        # must add to it; "and in 2014?" may well repeat a sentence.
        asks_more = bool(previous) and len(content_tokens(cleaned)) <= 1
        turn = Turn(question=cleaned, resolved=resolved, analysis=analyze(resolved),
                    vector=vector, previous_answer=previous if asks_more else "",
                    since=since)
        answer = self.chain.invoke(turn)
        if self.chat is not None and not answer.abstained and not answer.figures:
            # The model may phrase an answer the extractive path found; figures stay as computed.
            for event in generated_answer(self.chat, answer, turn.hits, self.settings):
                if isinstance(event, Answer):
                    answer = event
                else:
                    yield event
        answer.id = id
        total = (time.perf_counter() - start) * 1000
        retrieve_ms = turn.signals.get("retrieve_ms", 0.0)
        answer.timing_ms = {"retrieve": round(retrieve_ms, 1),
                            "answer": round(total - retrieve_ms, 1), "total": round(total, 1)}
        yield answer


def _close_with(bot: Assistant, build: OpenBuild) -> None:
    """The build's database stays open while this assistant lives (in-flight answers of a
    replaced one still read it) and is closed with it."""
    closer = weakref.finalize(bot, build.close)
    closer.atexit = False  # at exit the process lets go of everything; stopping Chroma's
    # native threads then can abort the interpreter


def _settings(settings: Settings | None, corpus, index) -> Settings:
    settings = settings or Settings.from_env()
    if corpus:
        settings = replace(settings, corpus=tuple(str(c) for c in corpus))
    if index:
        settings = replace(settings, index_dir=Path(index))
    return settings
