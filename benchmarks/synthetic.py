"""A synthetic corpus for benchmarks: invented words around common and domain words, seeded."""

from __future__ import annotations

import random
from pathlib import Path

COMMON = ("the a of and to in is that for on with as by it was are from at this be has have "
          "more than its their which also but not will can year market").split()
DOMAIN = ("AliCloud Alibaba AWS Amazon Azure Microsoft Google cloud computing customers revenue "
          "transactions servers data centers China Europe SMEs pricing security growth "
          "e-commerce Singles Day strategy").split()
_SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]


def synthetic_corpus(folder: Path, passages: int, seed: int = 7, per_file: int = 500) -> Path:
    """Write about `passages` one-passage paragraphs as Markdown files with front matter."""
    rng = random.Random(seed)
    # Invented words give a vocabulary that grows with the corpus, as real text does (typo
    # correction and keyword search scale with it); domain words let the dev questions match.
    invented = sorted({_word(rng) for _ in range(min(50_000, max(2_000, passages // 2)))})
    folder.mkdir(parents=True, exist_ok=True)
    for number, start in enumerate(range(0, passages, per_file)):
        paras = [" ".join(_sentence(rng, invented) for _ in range(rng.randint(3, 5)))
                 for _ in range(min(per_file, passages - start))]
        head = (f'---\ntitle: "Synthetic report {number}"\nauthor: Bench Writer\n'
                f"published: 2020-01\n---\n\n")
        (folder / f"synthetic-{number:04d}.md").write_text(head + "\n\n".join(paras) + "\n",
                                                           encoding="utf-8")
    return folder


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))


def _sentence(rng: random.Random, invented: list[str]) -> str:
    words = []
    for _ in range(rng.randint(8, 16)):
        roll = rng.random()
        pool = COMMON if roll < 0.4 else DOMAIN if roll < 0.55 else invented
        words.append(pool[int(len(pool) * rng.random() ** 3)])  # skewed: few words are frequent
    if rng.random() < 0.3:
        words.insert(rng.randint(1, len(words)), f"{rng.randint(2, 900) * 1000:,}")
    return words[0][:1].upper() + " ".join(words)[1:] + "."
