"""What a broad briefing question is about (strengths, weaknesses, outlook, catching up,
position), each described in plain words so the embedding model can find the sentences that
speak to it. These are general words of briefing, not of any corpus."""

from __future__ import annotations

import re

# (what the question says, what sentences on that aspect tend to say)
ASPECTS = [
    (r"strength|advantage|opportunit|build on|good at",
     "strengths and advantages: it leads the market, is the largest, ranks among the top, has "
     "strong resources, grew fastest, turned a profit"),
    (r"weakness|disadvantage|challenge|risk|threat|problem|concern|worr",
     "weaknesses and risks: it lags behind rivals, is too small, lacks, loses money, its share "
     "fell, it faces pressure, competition and restrictions"),
    (r"outlook|prospect|future|ahead|next|expect",
     "outlook: it is expected to grow, will invest, plans for the coming years, growth is "
     "accelerating, it has a chance to succeed, but not for now"),
    (r"catch(?:ing)? up|gap|gaining on|keep(?:ing)? up|falling behind|losing ground|overtake",
     "catching up with the leader: how its figures compare with the rival's, how fast each "
     "grew, whether the gap between them is narrowing or widening"),
    (r"position|standing|competitive|stack up|compare|landscape|situation|doing|where does",
     "competitive position: market share and rank against rivals, leader, second and third, "
     "its size compared with competitors"),
]


def aspect_of(question: str) -> str:
    """The description of the aspect a broad question asks about, or "" when it names none."""
    low = question.lower()
    found = [(m.start(), text) for pattern, text in ASPECTS
             for m in [re.search(rf"\b(?:{pattern})", low)] if m]
    return min(found)[1] if found else ""
