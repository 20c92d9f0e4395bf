"""The benchmark's parts on small inputs: the measurements themselves run with `bench`."""

import json

from conftest import DEV_QA, ROOT

from assistant.config import Settings
from assistant.evaluation.evaluate import load_questions
from assistant.ingest.corpus import load_corpus
from assistant.ingest.passages import split_corpus
from benchmarks import bench


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert bench.percentile(values, 50) == 50
    assert bench.percentile(values, 95) == 95
    assert bench.percentile([3.0], 95) == 3.0


def test_synthetic_corpus_is_reproducible_and_sized(tmp_path):
    first = bench.synthetic_corpus(tmp_path / "a", 1_200, seed=3, per_file=500)
    second = bench.synthetic_corpus(tmp_path / "b", 1_200, seed=3, per_file=500)
    files = sorted(p.name for p in first.iterdir())
    assert files == sorted(p.name for p in second.iterdir()) and len(files) == 3
    assert all((first / f).read_bytes() == (second / f).read_bytes() for f in files)
    settings = Settings()
    groups = split_corpus(load_corpus([first]), settings.chunk_min_chars,
                          settings.chunk_max_chars)
    count = sum(len(g) for g in groups.values())
    assert 1_100 <= count <= 1_400  # one passage per paragraph, give or take a long one


def test_keyword_bench_compares_fts_with_in_memory_bm25(tmp_path):
    folder = bench.synthetic_corpus(tmp_path / "kw", 300, seed=5)
    result = bench.bench_keyword(folder, ["How many customers does AliCloud have?",
                                          "cloud pricing in Europe"])
    assert 250 <= result["passages"] <= 400
    assert result["fts_query_p95_ms"] > 0 and result["bm25_query_p95_ms"] > 0
    assert (tmp_path / "kw-keyword.sqlite").exists()


def test_warm_ask_reports_ratios_against_the_floor(eval_bot):
    items = load_questions(DEV_QA)[:4]
    result = bench.bench_warm_ask(eval_bot, items, passes=1)
    assert result["samples"] == 4 and result["errors"] == {}
    assert result["floor_p50_ms"] > 0
    assert result["p50_ratio"] == round(result["p50_ms"] / result["floor_p50_ms"], 2)


def test_checks_and_table_flag_missed_targets():
    results = {
        "warm_ask": {"p50_ratio": 1.1, "p95_ratio": 2.5, "errors": {}},
        "build": {"ratio": 0.95},
        "noop_reindex": {"cli_s": 0.6, "open_s": 0.2, "model_loaded": False},
        "cold_start": {"wall_s": 9.0, "rss_mb": 700},
        "batch": {"batch_qps": 8.0, "ask_many_ratio": 1.6, "encode_speedup": 3.0},
        "scale": [{"passages": 10_000, "build_s": 90, "hits_p95_ms": 40}],
    }
    results["checks"] = bench.checks(results)
    verdicts = {c["measure"]: c["ok"] for c in results["checks"]}
    assert verdicts["warm ask p50 / floor p50"] is True
    assert verdicts["warm ask p95 / floor p95"] is False
    table = bench.format_table(results)
    assert "FAIL" in table and "PASS" in table and "10000" in table
    json.dumps(results)  # what `bench` writes must be plain JSON


def test_bench_command_is_documented():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "python -m assistant bench" in readme
