"""One question on its way through the chain, and the shape of an answer form."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..language.questions import Question
from ..search.retrieve import Hit
from .evidence import Evidence

if TYPE_CHECKING:
    from .answer import Answer
    from .knowledge import Knowledge


@dataclass
class Turn:
    """One question on its way through the chain."""

    question: str  # as typed, cleaned
    resolved: str  # standalone, after follow-up resolution
    analysis: Question
    vector: list[float]
    hits: list[Hit] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    # For a figure question: {figure's sentence: {name: fit}} (FigureFinder.fits), read once.
    figure_fits: dict = field(default_factory=dict)
    answerable: float = 1.0
    signals: dict = field(default_factory=dict)
    previous_answer: str = ""  # a follow-up should add to it, not repeat it
    since: int | None = None  # only sources dated from this year on

    @property
    def passage_ids(self) -> list[str]:
        return [h.document.id for h in self.hits]


Answerer = Callable[[Turn, "Knowledge"], "Answer | None"]
