"""Every sentence of the text passages, embedded when the index is built.

The sentences live in a second Chroma collection of the same build (local folder or server), so
answering reads their vectors instead of computing them, and every replica of a server-mode
index shares them. Like the passages, only documents whose content changed are embedded again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable

import numpy as np
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from ..ingest.passages import split_sentences

SUFFIX = "-sentences"
BATCH = 256


def sentence_collection(collection: str) -> str:
    """The name of the sentence collection that goes with a passage collection."""
    return f"{collection}{SUFFIX}"


def passage_sentences(passage: Document) -> list[tuple[str, str]]:
    """(id, text) of each sentence of a text passage; figure rows have none."""
    if passage.metadata.get("kind") != "text":
        return []
    return [(f"{passage.id}#{i}", text)
            for i, text in enumerate(split_sentences(passage.page_content))]


def store_sentences(client, collection: str, groups: dict[str, list[Document]],
                    changed: Iterable[str], removed: Iterable[str],
                    embeddings: Embeddings, afresh: bool = False) -> int:
    """Bring a build's sentence collection up to date: the sentences of removed and changed
    documents go, those of changed documents are embedded and added; `afresh`, all go and
    every document's are embedded. Returns the count kept."""
    from chromadb.errors import NotFoundError

    name = sentence_collection(collection)
    if afresh:
        changed, removed = list(groups), []
        with contextlib.suppress(NotFoundError):
            client.delete_collection(name)
    target = client.get_or_create_collection(name, configuration={"hnsw": {"space": "cosine"}})
    changed = list(changed)
    for doc_id in [*removed, *changed]:
        target.delete(where={"doc_id": doc_id})
    rows = [(sid, text, {"doc_id": doc_id, "passage_id": p.id})
            for doc_id in changed for p in groups[doc_id] for sid, text in passage_sentences(p)]
    # Similar lengths in a batch waste less padding.
    rows.sort(key=lambda r: len(r[1]))
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        texts = [r[1] for r in chunk]
        target.add(ids=[r[0] for r in chunk], documents=texts,
                   embeddings=embeddings.embed_documents(texts),
                   metadatas=[r[2] for r in chunk])
    return target.count()


def stored_vectors(client, collection: str) -> Callable[[list[str]], dict[str, np.ndarray]]:
    """A reader of the stored sentence vectors of some passages, by sentence text. A build made
    before sentences were stored has none: the reader then returns nothing and the caller
    embeds what it needs."""
    from chromadb.errors import NotFoundError

    try:
        source = client.get_collection(sentence_collection(collection))
    except NotFoundError:
        source = None

    def read(passage_ids: list[str]) -> dict[str, np.ndarray]:
        if source is None or not passage_ids:
            return {}
        got = source.get(where={"passage_id": {"$in": list(passage_ids)}},
                         include=["embeddings", "documents"])
        return {text: np.asarray(vec, dtype=np.float32)
                for text, vec in zip(got["documents"], got["embeddings"], strict=True)}

    return read
