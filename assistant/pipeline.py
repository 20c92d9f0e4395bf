"""The Python API: `Assistant.open(...)` updates the index; `ask` answers with citations."""

from __future__ import annotations

import difflib
import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

from langchain_core.documents import Document
from langchain_core.runnables import RunnableLambda

from .answer import (
    Answer,
    Citations,
    abstain,
    answer_rhetorical,
    compose_figure_answer,
    compose_list_answer,
    compose_summary_answer,
    compose_text_answer,
    finish,
    source_passage,
)
from .config import Settings
from .corpus import Corpus, load_corpus
from .embeddings import shared_embeddings
from .errors import AssistantError
from .evidence import FACTOID, SentenceScorer
from .figures import FigureBook
from .followup import resolve
from .generate import condense, generated_answer, make_chat_model
from .index import BuildReport, build_index, keep_previous_versions, open_store
from .keyword import KeywordIndex, build_keyword_index, keyword_index_is_current
from .passages import split_corpus, split_sentences
from .questions import (
    ABBREVIATIONS,
    CONCEPTS,
    ENTITIES,
    QUESTION_WORDS,
    STOPWORDS,
    analyze,
    clean_text,
    expand_abbreviations,
    is_source_question,
    is_summary_request,
    looks_like_instruction,
    question_units,
    stem,
    strip_markup,
)
from .retrieve import Hit, HybridRetriever
from .storage import builds_for

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
        self.figure_book = FigureBook(corpus.figures)
        keyword_index = KeywordIndex(keyword_path, self.passages)
        self.retriever = HybridRetriever(
            store=store, embeddings=embeddings, keyword_index=keyword_index,
            k=settings.top_k, candidates=settings.candidates, rrf_k=settings.rrf_k,
        )
        self.embeddings = embeddings
        self.chat = chat
        self.scorer = SentenceScorer(embeddings, keyword_index.idf)
        self.vocabulary = sorted({w for p in self.passages
                                  for w in re.findall(r"[a-z][a-z\-']+", p.page_content.lower())})
        self._known = set(self.vocabulary) | {
            w for phrases in [*ENTITIES.values(), *CONCEPTS.values()] for p in phrases
            for w in p.split()
        } | set(ABBREVIATIONS.values())

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
        return cls(settings, loaded, groups, store, embeddings, report, keyword_path, chat)

    def as_runnable(self) -> RunnableLambda:
        """The whole flow as a LangChain runnable: {"question", "history"} -> Answer."""
        return RunnableLambda(lambda inp: self.ask(inp["question"], inp.get("history") or []))

    def ask(self, question: str, history: list[dict] | None = None, id: str | None = None
            ) -> Answer:
        """Answer one question (with optional chat history) from the sources, with citations."""
        answer = None
        for event in self.stream(question, history, id):
            answer = event
        return answer

    def stream(self, question: str, history: list[dict] | None = None, id: str | None = None
               ) -> Iterator[str | Answer]:
        """Yield the answer text as it is ready (verified sentences), then the Answer itself."""
        start = time.perf_counter()
        cleaned, resolved = self.prepare(question, history)
        yield from self._stream(cleaned, resolved, id, start)

    def ask_many(self, items: list[dict]) -> list[Answer | AssistantError]:
        """Answer a batch of {"id", "question", "history"} items; the questions are embedded
        together in one call. A bad item gives its error in its place, not an exception."""
        prepared: list[tuple[str, str] | AssistantError] = []
        for item in items:
            try:
                prepared.append(self.prepare(item.get("question"), item.get("history") or []))
            except AssistantError as exc:
                prepared.append(exc)
        texts = [p[1] for p in prepared if not isinstance(p, AssistantError)]
        vectors = iter(self.embeddings.embed_documents(texts) if texts else [])
        results: list[Answer | AssistantError] = []
        for item, ready in zip(items, prepared, strict=True):
            if isinstance(ready, AssistantError):
                results.append(ready)
                continue
            *_, answer = self._stream(*ready, item.get("id"), time.perf_counter(), next(vectors))
            results.append(answer)
        return results

    def prepare(self, question: str, history: list[dict] | None) -> tuple[str, str]:
        """Check and clean a question and make it standalone; (cleaned, resolved)."""
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
        return cleaned, self._resolve(self._normalize(cleaned), self._history(history))

    def _history(self, history: list[dict] | None) -> list[dict]:
        """The recent turns only, each cut to a sane length: history comes from the client and
        is not trusted to be small or well formed."""
        turns = [m for m in (history or []) if isinstance(m, dict)
                 and m.get("role") in {"user", "assistant"}][-6:]
        caps = {"user": self.settings.max_question_chars, "assistant": 4000}
        return [{"role": m["role"], "content": self._normalize(clean_text(strip_markup(
            str(m.get("content") or "")[:caps[m["role"]]])))} for m in turns]

    def _stream(self, cleaned: str, resolved: str, id: str | None, start: float,
                vector: list[float] | None = None) -> Iterator[str | Answer]:
        answer, retrieve_ms, hits = self._answer(cleaned, resolved, vector)
        if self.chat is not None and not answer.abstained and not answer.figures:
            # The model may phrase an answer the extractive path found; figures stay as computed.
            for event in generated_answer(self.chat, answer, hits, self.settings):
                if isinstance(event, Answer):
                    answer = event
                else:
                    yield event
        answer.id = id
        total = (time.perf_counter() - start) * 1000
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
        """Expand abbreviations and fix likely typos against the corpus vocabulary."""
        text = expand_abbreviations(text)

        def fix(match: re.Match) -> str:
            word = match.group(0)
            if len(word) < 5 or word in self._known or word in STOPWORDS or word in QUESTION_WORDS:
                return word
            close = difflib.get_close_matches(word, self.vocabulary, n=1, cutoff=0.84)
            return close[0] if close else word

        # Lowercase words only: capitalized ones are names, which we never "correct".
        return re.sub(r"(?<![\w\-'’])[a-z][a-z\-]+(?![\w\-'’])", fix, text)

    def _answer(self, question: str, resolved: str, vector: list[float] | None = None
                ) -> tuple[Answer, float, list[Hit]]:
        if looks_like_instruction(resolved):
            return abstain(question, resolved, "I answer questions about the sources and do "
                           "not follow instructions given in a question."), 0.0, []
        analysis = analyze(resolved)
        t0 = time.perf_counter()
        vector = vector or self.embeddings.embed_query(resolved)
        hits = self.retriever.hits(resolved, vector)
        retrieve_ms = (time.perf_counter() - t0) * 1000
        nearby = [h.document for h in hits[:3]]
        # About the source itself (its author, its date, its gist): not facts inside it.
        if is_source_question(resolved):
            return self._about_source(question, resolved, hits), retrieve_ms, hits
        if is_summary_request(resolved):
            return self._summary(question, resolved, hits, vector), retrieve_ms, hits
        units = question_units(resolved)
        unknown = self.scorer.unknown_units(units)
        names = self._unknown_names(resolved)
        # A name the corpus never mentions, a factoid mostly about unknown things, or a question
        # mostly about them is out of scope, however similar its wording looks.
        limit = 1 / 3 if analysis.answer_type in FACTOID else 1 / 2
        if names or (unknown and len(unknown) / len(units) > limit):
            missing = names or [CONCEPTS[u[1:]][0] if u.startswith("§") else u for u in unknown]
            return abstain(question, resolved, "They never mention "
                           + ", ".join(f"“{u}”" for u in missing[:3]) + ".", nearby
                           ), retrieve_ms, hits
        if analysis.answer_type == "quantity" and self.figure_book.series:
            result = self.figure_book.answer(analysis)
            if result and result.missing:
                return abstain(question, resolved, result.missing), retrieve_ms, hits
            if result and result.statements:
                sentences, citations = compose_figure_answer(
                    result, self.passages_by_doc, self.figure_rows)
                calc = result.calculation.to_dict() if result.calculation else None
                return finish(question, resolved, sentences, citations, result.figures,
                              calc), retrieve_ms, hits
        evidence = self.scorer.candidates(analysis, units, self._with_figure_sources(hits),
                                          vector)
        evidence = answer_rhetorical(evidence, self.passages_by_doc)
        if analysis.answer_type == "list":
            listed = compose_list_answer(analysis, evidence, self.passages)
            if listed:
                return finish(question, resolved, *listed), retrieve_ms, hits
        composed = compose_text_answer(analysis, evidence, self.settings.min_coverage)
        if isinstance(composed, str):
            return abstain(question, resolved, composed, nearby), retrieve_ms, hits
        return finish(question, resolved, *composed), retrieve_ms, hits

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

    def _unknown_names(self, text: str) -> list[str]:
        """Capitalized words (names) in the question that the corpus never uses."""
        words = re.findall(r"(?<![.!?]\s)(?<!^)\b([A-Z][A-Za-z]+|[A-Z]{2,})\b", text.strip())
        return [w for w in words if w.lower() not in self._known
                and not self.scorer.known(stem(w.lower()))]

    def _top_document(self, hits) -> list[Document]:
        """The text passages, in order, of the document the best text hit comes from."""
        for hit in hits:
            if hit.document.metadata.get("kind") == "text":
                group = self.passages_by_doc[hit.document.metadata["doc_id"]]
                return sorted((p for p in group if p.metadata.get("kind") == "text"),
                              key=lambda p: p.metadata["position"])
        return []

    def _summary(self, question: str, resolved: str, hits, vector) -> Answer:
        """The gist of the best-matching document, quoted sentence by sentence."""
        passages = self._top_document(hits)
        composed = compose_summary_answer(passages, self.scorer.vectors, vector)
        if composed is None:
            return abstain(question, resolved)
        return finish(question, resolved, *composed)

    def _about_source(self, question: str, resolved: str, hits) -> Answer:
        """Who wrote it, when it was published: answered from the document's metadata."""
        passages = self._top_document(hits)
        if not passages:
            return abstain(question, resolved)
        opening = passages[0]  # cited: where the title and byline are
        meta = opening.metadata
        details = [f"“{meta['title']}”"]
        if meta.get("author"):
            details.append(f"by {meta['author']}")
        if meta.get("published"):
            details.append(f"published {meta['published']}")
        sentence = f"The source is {', '.join(details)}. [1]"
        citations = Citations()
        citations.cite(opening, split_sentences(opening.page_content)[0])
        return finish(question, resolved, [sentence], citations,
                      extra_text=f"{meta.get('published', '')} {meta['title']}")


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
