"""The quality gate: answers must be right, cited, verified, and abstain when they should."""

import json

import pytest
from conftest import DATA, DEV_QA, FIGURES, SHARED_CORPUS

from assistant.evaluate import format_report, load_questions, run_eval

GATE = {"answerable_correct": 0.95, "evidence_cited": 0.95, "abstention_recall": 0.9}


def assert_gate(report):
    metrics = report["metrics"]
    failures = format_report(report)
    for key, least in GATE.items():
        assert metrics[key] >= least, failures
    assert metrics["false_abstention"] <= 0.05, failures
    assert metrics["dangling_citations"] == 0, failures
    assert metrics["bad_quotes"] == 0, failures
    assert metrics["unverified_numbers"] == 0, failures


def test_gate_on_the_development_set(eval_bot):
    if not DEV_QA.exists():
        pytest.skip("../shared/qa/dev.jsonl is not available")
    assert_gate(run_eval(eval_bot, load_questions(DEV_QA)))


def test_gate_on_our_own_questions_over_the_article(eval_bot):
    items = load_questions(DATA / "qa-own.jsonl")
    assert len(items) >= 40
    assert {i["type"] for i in items} >= {"lookup", "computed", "followup", "out_of_scope",
                                          "paraphrase"}
    assert_gate(run_eval(eval_bot, items))


def test_gate_on_the_default_corpus(default_bot):
    assert_gate(run_eval(default_bot, load_questions(DATA / "qa-default.jsonl")))


def test_eval_cli_reports_json(tmp_path):
    from test_cli import run

    result = run("eval", "--qa", str(DATA / "qa-default.jsonl"), "--corpus", str(SHARED_CORPUS),
                 "--corpus", str(FIGURES), "--index", str(tmp_path / "idx"), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["metrics"]["questions"] == 17
    assert {"answerable_correct", "latency_p95_ms", "by_type"} <= set(report["metrics"])
    assert all("correct" in r for r in report["results"])
