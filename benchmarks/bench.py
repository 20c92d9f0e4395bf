"""Benchmark: warm latency, build throughput, no-change re-index, scale, cold start, batch.

Every performance claim is a ratio against a baseline measured in the same run, so a slow or
busy machine moves both sides alike. `run_bench` writes JSON; `format_table` renders it.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.report import checks, format_table  # noqa: F401 - format_table: the CLI's
from benchmarks.synthetic import synthetic_corpus  # noqa: F401 - tests build corpora here

ROOT = Path(__file__).resolve().parents[1]
EVAL_CORPUS = [str(ROOT.parent / "shared" / "corpus"),
               str(ROOT / "corpus" / "figures-2016-article.csv")]
DEV_QA = ROOT.parent / "shared" / "qa" / "dev.jsonl"
COLD_QUESTION = "How many customers does AliCloud have?"


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def rss_mb() -> dict:
    """This process's resident memory now and at its peak, in MB."""
    status = Path("/proc/self/status")
    if not status.exists():  # not Linux: only the peak is known
        import resource

        return {"rss_mb": None, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF)
                .ru_maxrss / 1024}
    found = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
    return {"rss_mb": round(int(found["VmRSS"].split()[0]) / 1024, 1),
            "peak_rss_mb": round(int(found["VmHWM"].split()[0]) / 1024, 1)}


def _timed(func, *args, **kwargs) -> float:
    start = time.perf_counter()
    func(*args, **kwargs)
    return time.perf_counter() - start


def _ask(bot, item: dict, errors: dict | None = None) -> None:
    from assistant.errors import AssistantError

    try:
        bot.ask(item["question"], item.get("history") or [])
    except AssistantError:  # a refused question still costs what it costs
        pass
    except Exception as exc:  # a crash is a finding to report, not a reason to stop measuring
        if errors is None:
            raise
        errors[item.get("id") or item["question"]] = repr(exc)


def _latency(samples: list[float], prefix: str = "") -> dict:
    return {f"{prefix}p50_ms": round(percentile(samples, 50) * 1000, 1),
            f"{prefix}p95_ms": round(percentile(samples, 95) * 1000, 1)}


def _floor(bot, question: str) -> None:
    """The least any answer costs: one query embedding plus one Chroma query."""
    vector = bot.embeddings.embed_query(question)
    bot.retriever.store.similarity_search_by_vector(vector, bot.settings.candidates)


def bench_warm_ask(bot, items: list[dict], passes: int = 2) -> dict:
    """Warm `ask` latency against the floor, for the same questions."""
    errors: dict = {}
    for item in items:  # warm-up: lazy imports, sentence-vector cache, SQLite pages
        _ask(bot, item, errors)
        _floor(bot, item["question"])
    asks, floors = [], []
    for _ in range(passes):
        for item in items:
            # Interleaved, so load from other processes lands on both sides alike.
            asks.append(_timed(_ask, bot, item, errors))
            floors.append(_timed(_floor, bot, item["question"]))
    out = {**_latency(asks), **_latency(floors, "floor_"), "samples": len(asks),
           "errors": errors}
    out["p50_ratio"] = round(out["p50_ms"] / out["floor_p50_ms"], 2)
    out["p95_ratio"] = round(out["p95_ms"] / out["floor_p95_ms"], 2)
    return out


def bench_build(folder: Path, index: Path, embeddings) -> dict:
    """Index build passages/s against raw encode passages/s on the same texts: the build
    embeds every passage and every sentence of the text passages, and so does the baseline."""
    from assistant.config import Settings
    from assistant.ingest.corpus import load_corpus
    from assistant.ingest.passages import split_corpus
    from assistant.pipeline import Assistant
    from assistant.search.sentence_store import passage_sentences

    settings = Settings.from_env()
    groups = split_corpus(load_corpus([folder]), settings.chunk_min_chars,
                          settings.chunk_max_chars)
    passages = [p for group in groups.values() for p in group]
    sentences = [text for p in passages for _, text in passage_sentences(p)]
    # Same object and batch size as the index, in the two calls the build makes.
    encode_s = _timed(embeddings.embed_documents, [p.page_content for p in passages]) + \
        _timed(embeddings.embed_documents, sentences)
    build_s = _timed(Assistant.open, corpus=[str(folder)], index=index, embeddings=embeddings)
    build_rate, encode_rate = len(passages) / build_s, len(passages) / encode_s
    return {"passages": len(passages), "sentences": len(sentences),
            "build_s": round(build_s, 2), "encode_s": round(encode_s, 2),
            "build_per_s": round(build_rate, 1), "encode_per_s": round(encode_rate, 1),
            "ratio": round(build_rate / encode_rate, 3), "batch_size": embeddings.batch_size}


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "assistant", *args]


def _corpus_args(corpus: list[str]) -> list[str]:
    return [arg for path in corpus for arg in ("--corpus", path)]


def bench_noop_reindex(index: Path, runs: int = 3) -> dict:
    """`index` on an up-to-date index (whole command), and `Assistant.open` in-process."""
    from assistant.config import Settings
    from assistant.pipeline import Assistant
    from assistant.search.embeddings import SentenceTransformerEmbeddings

    cmd = _cli("index", *_corpus_args(EVAL_CORPUS), "--index", str(index))
    walls = [_timed(subprocess.run, cmd, check=True, capture_output=True, cwd=ROOT)
             for _ in range(runs)]
    fresh = SentenceTransformerEmbeddings(Settings.from_env().embedding_model)  # never loaded
    open_s = _timed(Assistant.open, corpus=EVAL_CORPUS, index=index, embeddings=fresh)
    return {"cli_s": round(percentile(walls, 50), 2), "cli_runs_s": [round(w, 2) for w in walls],
            "open_s": round(open_s, 3), "model_loaded": fresh.loaded}


def _child(func: str, *args) -> dict:
    """Run one of this module's functions in a fresh process (clean RSS); its JSON result."""
    code = f"import json, sys; from benchmarks.bench import {func}; " \
           f"print(json.dumps({func}(*sys.argv[1:])))"
    done = subprocess.run([sys.executable, "-c", code, *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise RuntimeError(f"{func} failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def scale_child(folder: str, index: str, qa: str) -> dict:
    """(In a child) build a synthetic index, then time retrieval and answers and report RSS."""
    from assistant.evaluation.evaluate import load_questions
    from assistant.pipeline import Assistant
    from assistant.search.embeddings import shared_embeddings

    shared_embeddings().embed_query("warm up")  # load the model outside the build timer
    start = time.perf_counter()
    bot = Assistant.open(corpus=[folder], index=index)
    build_s = time.perf_counter() - start
    reopen_s = _timed(Assistant.open, corpus=[folder], index=index)
    items = load_questions(qa)
    hits, asks, floors, errors = [], [], [], {}
    for item in items:
        _ask(bot, item, errors)  # warm
    for item in items:
        hits.append(_timed(bot.retriever.hits, item["question"]))
        asks.append(_timed(_ask, bot, item, errors))
        floors.append(_timed(_floor, bot, item["question"]))
    return {"passages": len(bot.passages), "build_s": round(build_s, 1),
            "reopen_s": round(reopen_s, 2), **_latency(hits, "hits_"),
            **_latency(asks, "ask_"), **_latency(floors, "floor_"), **rss_mb(),
            "errors": errors}


def bench_keyword(folder: Path, questions: list[str]) -> dict:
    """Keyword search as built now (SQLite FTS5, stored per build) against the in-memory BM25
    it replaced (rank-bm25 over every passage, rebuilt at each start): start-up and query time."""
    from assistant.config import Settings
    from assistant.ingest.corpus import load_corpus
    from assistant.ingest.passages import split_corpus
    from assistant.language.words import tokenize
    from assistant.search.keyword import KeywordIndex, build_keyword_index

    settings = Settings.from_env()
    groups = split_corpus(load_corpus([folder]), settings.chunk_min_chars,
                          settings.chunk_max_chars)
    passages = [p for group in groups.values() for p in group]
    path = folder.parent / f"{folder.name}-keyword.sqlite"
    out = {"passages": len(passages),
           "fts_build_s": round(_timed(build_keyword_index, path, passages), 2)}
    start = time.perf_counter()
    fts = KeywordIndex(path, passages)
    out["fts_open_s"] = round(time.perf_counter() - start, 3)
    fts.search(questions[0], 12)
    out.update(_latency([_timed(fts.search, q, 12) for q in questions], "fts_query_"))
    try:
        from rank_bm25 import BM25Okapi
    except ImportError:  # the baseline is a dev extra
        return out
    start = time.perf_counter()
    bm25 = BM25Okapi([tokenize(p.page_content) for p in passages])
    out["bm25_open_s"] = round(time.perf_counter() - start, 2)  # paid at every start
    out.update(_latency([_timed(bm25.get_top_n, tokenize(q), passages, 12) for q in questions],
                        "bm25_query_"))
    out["query_p95_speedup"] = round(out["bm25_query_p95_ms"] / out["fts_query_p95_ms"], 1)
    return out


def answer_rss(corpus: str, index: str, question: str) -> dict:
    """(In a child) open the assistant, answer once, report RSS."""
    from assistant.pipeline import Assistant

    Assistant.open(corpus=corpus.split(os.pathsep), index=index).ask(question)
    return rss_mb()


def bench_cold_start(index: Path) -> dict:
    """Wall time of a fresh `ask` process on an existing index, and the app's RSS."""
    cmd = _cli("ask", COLD_QUESTION, *_corpus_args(EVAL_CORPUS), "--index", str(index))
    wall = _timed(subprocess.run, cmd, check=True, capture_output=True, cwd=ROOT)
    return {"wall_s": round(wall, 2),
            **_child("answer_rss", os.pathsep.join(EVAL_CORPUS), index, COLD_QUESTION)}


def bench_batch(bot, items: list[dict], index: Path, lines: int, tmp: Path) -> dict:
    """`ask --batch` end to end, and batched answering against one-by-one asks in-process."""
    batch = [{**items[i % len(items)], "id": f"b{i}"} for i in range(lines)]
    path = tmp / "batch.jsonl"
    path.write_text("".join(json.dumps(b) + "\n" for b in batch), encoding="utf-8")
    cmd = _cli("ask", "--batch", str(path), "--json", *_corpus_args(EVAL_CORPUS),
               "--index", str(index))
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=True)
    wall = time.perf_counter() - start
    seq = sum(_timed(_ask, bot, item, {}) for item in batch)
    many = _timed(bot.ask_many, batch)
    questions = [b["question"] for b in batch]
    one_by_one = sum(_timed(bot.embeddings.embed_query, q) for q in questions)
    together = _timed(bot.embeddings.embed_documents, questions)
    return {"lines": lines, "answered": len(done.stdout.splitlines()), "wall_s": round(wall, 2),
            "batch_qps": round(lines / wall, 2), "sequential_qps": round(lines / seq, 2),
            "ask_many_qps": round(lines / many, 2), "ask_many_ratio": round(seq / many, 2),
            "encode_one_by_one_s": round(one_by_one, 3), "encode_batched_s": round(together, 3),
            "encode_speedup": round(one_by_one / together, 2)}


def run_bench(out: Path, large: bool = False, quick: bool = False) -> dict:
    """Run every measurement, write the results as JSON to `out`, and return them."""
    from assistant.evaluation.evaluate import load_questions
    from assistant.pipeline import Assistant
    from assistant.search.embeddings import shared_embeddings

    tmp = Path(tempfile.mkdtemp(prefix="assistant-bench-"))
    sizes = [2_000 if quick else 10_000] + ([100_000] if large else [])
    results: dict = {"meta": {"quick": quick, "large": large, "cpus": os.cpu_count(),
                              "load_before": os.getloadavg(), "python": sys.version.split()[0]}}
    try:
        items = load_questions(DEV_QA)
        embeddings = shared_embeddings()
        _say("eval index + warm ask latency")
        bot = Assistant.open(corpus=EVAL_CORPUS, index=tmp / "eval-index", embeddings=embeddings)
        results["warm_ask"] = bench_warm_ask(bot, items)
        _say("build throughput")
        corpus = synthetic_corpus(tmp / "build-corpus", 600 if quick else 3_000, seed=11)
        results["build"] = bench_build(corpus, tmp / "build-index", embeddings)
        _say("no-change re-index")
        results["noop_reindex"] = bench_noop_reindex(tmp / "eval-index")
        _say("cold start")
        results["cold_start"] = bench_cold_start(tmp / "eval-index")
        _say("batch")
        results["batch"] = bench_batch(bot, items, tmp / "eval-index", 54 if quick else 100, tmp)
        results["scale"], results["keyword"] = [], []
        for size in sizes:
            _say(f"scale {size:,} passages")
            folder = synthetic_corpus(tmp / f"scale-{size}", size)
            row = _child("scale_child", folder, tmp / f"scale-index-{size}", DEV_QA)
            # The app as it would run on this index: a fresh process that opens it and answers.
            row["app_rss_mb"] = _child("answer_rss", folder, tmp / f"scale-index-{size}",
                                       COLD_QUESTION)["rss_mb"]
            results["scale"].append(row)
            _say(f"keyword search, FTS5 against in-memory BM25, {size:,} passages")
            results["keyword"].append(bench_keyword(folder, [i["question"] for i in items]))
            shutil.rmtree(folder, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    results["meta"]["load_after"] = os.getloadavg()
    results["checks"] = checks(results)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return results


def _say(step: str) -> None:
    print(f"bench {time.strftime('%H:%M:%S')}: {step} …", file=sys.stderr, flush=True)


