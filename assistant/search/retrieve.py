"""Hybrid retrieval: dense (Chroma) and BM25 keyword search, fused by reciprocal rank fusion."""

from __future__ import annotations

from dataclasses import dataclass

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from ..errors import AssistantError
from .keyword import KeywordIndex


@dataclass(frozen=True)
class Hit:
    """A retrieved passage with the scores that ranked it (kept for display)."""

    document: Document
    score: float
    dense: float | None = None
    keyword: float | None = None


class HybridRetriever(BaseRetriever):
    """LangChain retriever fusing dense and keyword rankings (RRF); scores go in metadata."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: object
    embeddings: Embeddings
    keyword_index: KeywordIndex
    k: int = 5
    candidates: int = 12
    rrf_k: int = 60

    def hits(self, query: str, query_vector: list[float] | None = None, k: int | None = None,
             candidates: int | None = None) -> list[Hit]:
        """The top-k passages for the query, best first (k and candidates default to the
        retriever's own)."""
        k = k or self.k
        pool = candidates or self.candidates
        vector = query_vector or self.embeddings.embed_query(query)
        try:
            dense = self.store.similarity_search_by_vector_with_relevance_scores(
                vector, k=pool
            )
        except Exception as exc:  # a Chroma server that went away, a timeout, a broken file
            raise AssistantError(
                f"The search index is not answering ({exc.__class__.__name__}); try again "
                "shortly, or run `python -m assistant doctor`."
            ) from None
        keyword = self.keyword_index.search(query, pool)
        fused: dict[str, dict] = {}
        for rank, (doc, distance) in enumerate(dense):
            entry = fused.setdefault(doc.id or doc.metadata["id"], {"doc": doc, "score": 0.0})
            entry["score"] += 1.0 / (self.rrf_k + rank + 1)
            entry["dense"] = 1.0 - float(distance)  # cosine distance -> similarity
        for rank, (doc, score) in enumerate(keyword):
            entry = fused.setdefault(doc.id or doc.metadata["id"], {"doc": doc, "score": 0.0})
            entry["score"] += 1.0 / (self.rrf_k + rank + 1)
            entry["keyword"] = score
        ranked = sorted(fused.values(), key=lambda e: -e["score"])
        top = ranked[:k]
        # Fusion favours passages both searches found; a passage either search ranks first or
        # second (a rare exact term, a close paraphrase) is kept too.
        for doc, _ in [*dense[:2], *keyword[:2]]:
            entry = fused[doc.id or doc.metadata["id"]]
            if all(entry is not e for e in top):
                top.append(entry)
        return [Hit(e["doc"], e["score"], e.get("dense"), e.get("keyword")) for e in top]

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        docs = []
        for hit in self.hits(query):
            meta = {**hit.document.metadata, "score": hit.score, "dense_score": hit.dense,
                    "keyword_score": hit.keyword}
            docs.append(Document(id=hit.document.id, page_content=hit.document.page_content,
                                 metadata=meta))
        return docs
