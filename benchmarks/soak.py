"""Soak: mixed asks and re-indexes for a fixed time, with memory and open files watched.

A leak shows as growth between the end of a warm-up and the end of the run. Run it for as long
as wanted (`python -m assistant soak --minutes 30`); the test suite runs a short one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Flat: a leak grows with every re-index (tens of files, megabytes each time); these margins
# only absorb what is mid-use when the run ends.
FLAT_RSS_MB = 50
FLAT_OPEN_FILES = 8
QUESTIONS = [
    "What is the latest China market share of Alibaba Cloud?",
    "How has Alibaba Cloud's cloud revenue grown since 2020?",
    "Why did Alibaba call off the cloud spin-off?",
    "How many times more transactions per second could AWS process than AliCloud in 2015?",
    "What was the worldwide IaaS market size in 2020?",
    "Brief me on Alibaba Cloud's position in China.",
    "Does the corpus say anything about quantum computing?",
]


def rss_mb() -> float:
    for line in open("/proc/self/status", encoding="ascii"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


def run_soak(seconds: float, corpus: Path = ROOT / "corpus", reindex_every: int = 25,
             embeddings=None, index: Path | None = None) -> dict:
    """Ask the questions in turn for `seconds`, re-indexing (a changed note, reopened and
    swapped in, as the UI does) every `reindex_every` asks. Returns the measurements.

    `index`: an up-to-date index of `corpus` to start from (copied), instead of a first build."""
    import gc

    from assistant import Assistant
    from assistant.config import Settings

    work = Path(tempfile.mkdtemp(prefix="soak-"))
    try:
        shutil.copytree(corpus, work / "corpus")
        if index is not None:
            shutil.copytree(index, work / "index")
        settings = Settings(corpus=(str(work / "corpus"),), index_dir=work / "index")
        bot = Assistant.open(settings=settings, embeddings=embeddings)
        changing = work / "corpus" / "soak-note.md"
        asks = reindexes = 0
        warm = None
        start = time.monotonic()
        while time.monotonic() - start < seconds:
            bot.ask(QUESTIONS[asks % len(QUESTIONS)])
            asks += 1
            if asks % reindex_every == 0:
                reindexes += 1
                changing.write_text(f"---\ntitle: Soak note {reindexes}\npublished: 2025-01\n---"
                                    f"\n\nRevision {reindexes} of a note that keeps changing.\n",
                                    encoding="utf-8")
                bot = Assistant.open(settings=settings, embeddings=embeddings)
                gc.collect()
            if warm is None and time.monotonic() - start > seconds / 4:
                gc.collect()
                warm = {"rss_mb": rss_mb(), "open_files": open_files()}
        gc.collect()
        end = {"rss_mb": rss_mb(), "open_files": open_files()}
        warm = warm or end
        return {"seconds": round(time.monotonic() - start, 1), "asks": asks,
                "reindexes": reindexes, "warm": warm, "end": end,
                "rss_growth_mb": round(end["rss_mb"] - warm["rss_mb"], 1),
                "open_files_growth": end["open_files"] - warm["open_files"],
                "flat": end["rss_mb"] - warm["rss_mb"] < FLAT_RSS_MB
                and end["open_files"] - warm["open_files"] <= FLAT_OPEN_FILES}
    finally:
        shutil.rmtree(work, ignore_errors=True)
