"""The Python API: `Assistant.open(...)` updates the index; `ask` answers with citations."""

from __future__ import annotations

import logging
import re
import time
import weakref
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from functools import partial
from pathlib import Path

from langchain_core.documents import Document
from langchain_core.runnables import Runnable, RunnableLambda

from .answering.answer import Answer, abstain, source_passage
from .answering.answerers import ANSWERERS, Turn
from .answering.evidence import EvidenceScorer, SentenceBank, calibration
from .answering.figures import FigureFinder
from .answering.followup import resolve
from .answering.generate import condense, generated_answer, make_chat_model
from .answering.timeline import Timeline
from .config import Settings
from .errors import AssistantError
from .ingest.corpus import Corpus, load_corpus
from .ingest.extract import extract_passage
from .ingest.glossary import load_glossary
from .ingest.passages import split_corpus
from .language.instructions import looks_like_instruction
from .language.periods import parse_date, year_of
from .language.questions import analyze, is_summary_request
from .language.spelling import Speller, acronyms_in
from .language.text import clean_text, expand_abbreviations, strip_markup
from .language.words import content_tokens
from .search.embeddings import shared_embeddings
from .search.index import BuildReport, build_index, keep_previous_versions, open_store
from .search.keyword import KeywordIndex, build_keyword_index, keyword_index_is_current
from .search.retrieve import Hit, HybridRetriever
from .search.storage import builds_for, check_sqlite

log = logging.getLogger(__name__)


class Assistant:
    """Answers questions over one corpus and its index."""

    def __init__(self, settings: Settings, corpus: Corpus, groups: dict[str, list[Document]],
                 store, embeddings, report: BuildReport, keyword_path: Path, chat=None):
        self.settings = settings
        self.corpus = corpus
        self.report = report
        self.passages = [p for group in groups.values() for p in group]
        self.passages_by_doc = groups
        self.figure_rows = {p.metadata["figure_id"]: p for p in self.passages
                            if p.metadata.get("kind") == "figure"}
        keyword_index = KeywordIndex(keyword_path, self.passages)
        self.retriever = HybridRetriever(
            store=store, embeddings=embeddings, keyword_index=keyword_index,
            k=settings.top_k, candidates=settings.candidates, rrf_k=settings.rrf_k,
        )
        self.embeddings = embeddings
        self.chat = chat
        self.glossary = load_glossary(list(settings.corpus))
        self.idf = keyword_index.idf
        texts = [p for p in self.passages if p.metadata.get("kind") == "text"]
        self.bank = SentenceBank(texts, embeddings)
        self.scorer = EvidenceScorer(self.bank, self.idf, self.glossary.variants)
        self.threshold = calibration()["threshold"]
        self.threshold_open = calibration().get("threshold_open", self.threshold)
        self.figures = FigureFinder(corpus.figures, self.bank.vectors, self.glossary,
                                    {p.id: p for p in texts}, extract_passage,
                                    partial(previous_passage, groups))
        self.figure_periods = {f.period[-4:] for f in corpus.figures if f.period}
        published = {d.doc_id: d.published for d in corpus.documents}
        self.timeline = Timeline(corpus.figures, self.glossary.variants, published)
        self.today = _today(settings)
        words = {w for p in self.passages for w in re.findall(r"[a-z][a-z\-]+",
                                                               p.page_content.lower())}
        # Acronyms are mined from a bounded sample: enough for a corpus's own vocabulary.
        self.speller = Speller(words | self.glossary.words(),
                               partial(acronyms_in, [p.page_content for p in texts[:5000]]))

    @classmethod
    def open(cls, corpus: list[str] | None = None, index: str | Path | None = None,
             settings: Settings | None = None, embeddings=None, client=None,
             rebuild: bool = False, progress: Callable[[int, int], None] | None = None,
             chat=None) -> Assistant:
        """Load the corpus, bring the index up to date (embedding only changes), and open it."""
        settings = _settings(settings, corpus, index)
        embeddings = embeddings or shared_embeddings(settings.embedding_model)
        loaded, groups, report = update_index(settings, embeddings, rebuild, progress, client)
        builds = builds_for(settings, client)
        store = open_store(settings, embeddings, client)
        keyword_path = builds.keyword_path()
        # A server-mode replica's first start on this build, or a newer tokenizer.
        if not keyword_index_is_current(keyword_path):
            build_keyword_index(keyword_path, [p for group in groups.values() for p in group])
        chat = chat if chat is not None else make_chat_model(settings)
        bot = cls(settings, loaded, groups, store, embeddings, report, keyword_path, chat)
        # The build's database stays open while this assistant lives (in-flight answers of a
        # replaced one still read it) and is closed with it.
        closer = weakref.finalize(bot, builds.release, getattr(store, "_client", None))
        closer.atexit = False  # at exit the process lets go of everything; stopping Chroma's
        # native threads then can abort the interpreter
        return bot

    @property
    def chain(self) -> Runnable:
        """retrieve -> judge -> answer forms, as a LangChain runnable over a Turn. Built per use
        (it is cheap) over a weak reference: LangChain's runnables refer to themselves, and a
        strong reference from them would keep a closed assistant, and the index build it
        reads, alive until a garbage collection."""
        me = weakref.proxy(self)
        return (RunnableLambda(lambda turn: me._retrieve(turn), name="retrieve")
                | RunnableLambda(lambda turn: me._judge(turn), name="judge")
                | RunnableLambda(lambda turn: me._respond(turn), name="answer"))

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
        cleaned, resolved, previous = self.prepare(question, history)
        yield from self._stream(cleaned, resolved, previous, id, start, since=since)

    def ask_many(self, items: list[dict], since: int | None = None
                 ) -> list[Answer | AssistantError]:
        """Answer a batch of {"id", "question", "history"} items; the questions are embedded
        together in one call. A bad item gives its error in its place, not an exception."""
        prepared: list[tuple[str, str, str] | AssistantError] = []
        for item in items:
            try:
                prepared.append(self.prepare(item.get("question"), item.get("history") or []))
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

    def prepare(self, question: str, history: list[dict] | None) -> tuple[str, str, str]:
        """Check and clean a question and make it standalone; (cleaned, resolved, the previous
        answer's text)."""
        limit = self.settings.max_question_chars
        if not isinstance(question, str):
            raise AssistantError("Please type a question about the sources.")
        # Refuse the oversized before any pattern runs on them (markup may be stripped below,
        # so a raw text several times the limit can never become a valid question).
        if len(question) > 4 * limit:
            raise AssistantError(
                f"The question is {len(question):,} characters long; please keep it under "
                f"{limit:,}.")
        cleaned = clean_text(strip_markup(question))
        if not re.search(r"\w", cleaned):
            raise AssistantError("Please type a question about the sources.")
        if len(cleaned) > limit:
            raise AssistantError(
                f"The question is {len(cleaned):,} characters long; please keep it under "
                f"{limit:,}.")
        past = self._history(history)
        previous = next((m["content"] for m in reversed(past) if m["role"] == "assistant"), "")
        # Resolution may bring in text of earlier turns: cleaned the same way as the question.
        resolved = clean_text(strip_markup(self._resolve(self._normalize(cleaned), past)))
        return cleaned, resolved, previous

    def _history(self, history: list[dict] | None) -> list[dict]:
        """The recent turns only, each cut to a sane length: history comes from the client and
        is not trusted to be small or well formed."""
        turns = [m for m in (history or []) if isinstance(m, dict)
                 and m.get("role") in {"user", "assistant"}][-6:]
        caps = {"user": self.settings.max_question_chars, "assistant": 4000}
        return [{"role": m["role"], "content": self._normalize(clean_text(strip_markup(
            str(m.get("content") or "")[:caps[m["role"]]])))} for m in turns]

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

    def _resolve(self, question: str, past: list[dict]) -> str:
        """The standalone question: condensed by the model when there is one, else by rules."""
        if self.chat is not None and past:
            try:
                return condense(self.chat, question, past)
            except Exception as exc:  # any client error: the rules still work
                log.warning("condensing the question failed (%s); using rules", exc)
        return resolve(question, past)

    def _normalize(self, text: str) -> str:
        """Expand hurried shorthand and repair words that are neither English nor the corpus's."""
        return self.speller.correct(expand_abbreviations(text))

    def _retrieve(self, turn: Turn) -> Turn:
        if looks_like_instruction(turn.resolved):
            return turn
        t0 = time.perf_counter()
        query = self.glossary.expand(turn.resolved)
        if turn.vector is None:
            turn.vector = self.embeddings.embed_query(query)
        wide = turn.analysis.answer_type == "broad" or is_summary_request(turn.resolved)
        # A briefing draws on more of the corpus than a lookup does.
        k, pool = (16, 24) if wide else (self.settings.top_k, self.settings.candidates)
        if turn.since:  # older passages are dropped below: search deeper
            k, pool = 3 * k, 3 * pool
        hits = self.retriever.hits(query, turn.vector, k=k, candidates=pool)
        # A passage with nothing quotable (only instructions to an assistant) is no evidence.
        hits = [h for h in hits if h.document.metadata.get("kind") != "text"
                or self.bank.of_passage(h.document.id)]
        if turn.since:
            hits = [h for h in hits if year_of(h.document.metadata.get("published")) >= turn.since]
        turn.hits = self._with_figure_sources(hits)
        turn.signals["retrieve_ms"] = (time.perf_counter() - t0) * 1000
        # Scored on the question's own words; a glossary name counts for the term it stands
        # for, once (counting every alias would reward sentences that repeat the names).
        turn.analysis.alternatives = self.glossary.alternatives(turn.resolved)
        turn.evidence = self.scorer.candidates(turn.analysis, turn.hits, turn.vector)
        return turn

    def _judge(self, turn: Turn) -> Turn:
        if not turn.hits:
            turn.answerable = 0.0
            return turn
        match = self.figures.match(turn.analysis, self.idf, turn.passage_ids) \
            if turn.analysis.wants_figure else 0.0
        turn.answerable, signals = self.scorer.judge(turn.analysis, turn.evidence, turn.hits,
                                                     self.figure_periods, match)
        turn.signals.update(signals)
        return turn

    def _respond(self, turn: Turn) -> Answer:
        if looks_like_instruction(turn.resolved):
            return abstain(turn.question, turn.resolved, "I answer questions about the sources "
                           "and do not follow instructions given in a question.")
        for answerer in ANSWERERS:
            try:
                answer = answerer(turn, self)
            except Exception:  # one answer form failing must not cost the user the answer
                log.exception("the %s answer form failed; trying the next", answerer.__name__)
                continue
            if answer is not None:
                answer.signals = {"answerable": round(turn.answerable, 3),
                                  "form": answerer.__name__}
                return answer
        return abstain(turn.question, turn.resolved, "", [h.document for h in turn.hits[:3]])

    def _with_figure_sources(self, hits: list[Hit]) -> list[Hit]:
        """Hits where each figures-table row is followed by the paragraph it comes from."""
        figures = {f.id: f for f in self.corpus.figures}
        seen = {h.document.id for h in hits}
        out = []
        for hit in hits:
            out.append(hit)
            fig = figures.get(hit.document.metadata.get("figure_id", ""))
            source = source_passage(fig, self.passages_by_doc) if fig else None
            if source and source.id not in seen:
                seen.add(source.id)
                out.append(Hit(source, hit.score))
        return out

    def top_document(self, hits) -> list[Document]:
        """The text passages, in order, of the document the best text hit comes from."""
        for hit in hits:
            if hit.document.metadata.get("kind") == "text":
                group = self.passages_by_doc[hit.document.metadata["doc_id"]]
                return sorted((p for p in group if p.metadata.get("kind") == "text"),
                              key=lambda p: p.metadata["position"])
        return []

    def following_sections(self, passage: Document) -> list[tuple[str, str]]:
        """(document, heading) of the sections after this passage's, in document order."""
        doc_id = passage.metadata["doc_id"]
        here = passage.metadata.get("section", "")
        seen, out = {here}, []
        for p in self.top_document([Hit(passage, 0.0)]):
            if p.metadata["position"] <= passage.metadata["position"]:
                continue
            name = p.metadata.get("section", "")
            if name and name not in seen:
                seen.add(name)
                out.append((doc_id, name))
        return out


def previous_passage(groups: dict[str, list[Document]], passage: Document) -> Document | None:
    """The passage before this one in its document (where "its revenue" finds its "it")."""
    position = passage.metadata.get("position", 0)
    for p in groups.get(passage.metadata.get("doc_id", ""), []):
        if p.metadata.get("position") == position - 1 and p.metadata.get("kind") == "text":
            return p
    return None


def _today(settings: Settings) -> date:
    if not settings.today:
        return date.today()
    day = parse_date(settings.today)
    if day is None:
        raise AssistantError(f"ASSISTANT_TODAY={settings.today!r} is not a date; write it as "
                             "YYYY-MM-DD, or unset it to use the system date.")
    return day


def _settings(settings: Settings | None, corpus, index) -> Settings:
    settings = settings or Settings.from_env()
    if corpus:
        settings = replace(settings, corpus=tuple(str(c) for c in corpus))
    if index:
        settings = replace(settings, index_dir=Path(index))
    return settings


def update_index(settings: Settings, embeddings=None, rebuild: bool = False,
                 progress: Callable[[int, int], None] | None = None, client=None,
                 ) -> tuple[Corpus, dict[str, list[Document]], BuildReport]:
    """Load and split the corpus and bring the index up to date; nothing is opened for reading.

    When nothing changed this neither loads the embedding model nor imports Chroma.
    """
    check_sqlite()
    # A damaged published build is reported before anything reads or copies it.
    if not (settings.chroma_url or client):
        builds_for(settings).verify()
    loaded = load_corpus(list(settings.corpus), settings.max_file_bytes)
    groups = split_corpus(loaded, settings.chunk_min_chars, settings.chunk_max_chars)
    hashes = {doc.doc_id: doc.content_hash for doc in loaded.documents}
    hashes.update(loaded.figure_tables)
    if loaded.failed and not rebuild:
        keep_previous_versions(loaded, groups, hashes, settings, client)
    if not groups:
        raise AssistantError(
            f"No articles or figures found in {', '.join(settings.corpus)}; add .md, .txt, "
            ".html, .pdf or figures .csv files (see the README)."
        )
    embeddings = embeddings or shared_embeddings(settings.embedding_model)
    report = build_index(groups, hashes, settings, embeddings, rebuild=rebuild,
                         progress=progress, client=client)
    return loaded, groups, report
