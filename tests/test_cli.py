"""The CLI as other tools call it: in a subprocess, and (for the rest of the flags) its same
main() in this process, so the model is not loaded again for each."""

import json
import os
import subprocess
import sys

import pytest
from conftest import DATA, FIGURES, ROOT, SHARED_CORPUS, needs_shared


def run(*args, stdin=None, timeout=240):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    return subprocess.run([sys.executable, "-m", "assistant", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("cli-index")


def corpus_args(index_dir):
    return ["--corpus", str(SHARED_CORPUS), "--corpus", str(FIGURES), "--index", str(index_dir)]


@needs_shared
def test_ask_json_builds_the_index_and_answers(index_dir):
    result = run("ask", "How many customers does AliCloud have?", "--json", *corpus_args(index_dir))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert "2,300,000" in data["answer"] and not data["abstained"]
    assert data["citations"][0]["doc_id"] == "west-favors-aws-over-alicloud"
    assert (index_dir / "CURRENT").exists()


@needs_shared
def test_ask_readable_shows_sources(index_dir, cli):
    result = cli("ask", "Why should AliCloud not focus on North America?", *corpus_args(index_dir))
    assert result.returncode == 0, result.stderr
    assert "Sources:" in result.stdout and "[1]" in result.stdout and "para" in result.stdout


@needs_shared
def test_batch_from_stdin_echoes_ids_in_order(index_dir, cli):
    lines = [
        {"id": "a", "question": "How many transactions per second could AliCloud process in 2015?"},
        {"id": "b", "question": "And Amazon AWS?", "history": [
            {"role": "user", "content": "How many transactions per second could AliCloud "
                                        "process in 2015?"},
            {"role": "assistant", "content": "140,000."}], "extra": 1},
        {"id": "c", "question": "What is the capital of Australia?"},
        {"id": "d", "question": "   "},
    ]
    stdin = "\n".join(json.dumps(x) for x in lines) + "\n"
    result = cli("ask", "--batch", "-", "--json", *corpus_args(index_dir), stdin=stdin)
    assert result.returncode == 0, result.stderr
    out = [json.loads(x) for x in result.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a", "b", "c", "d"]
    assert "140,000" in out[0]["answer"] and "3,440,000" in out[1]["answer"]
    assert out[2]["abstained"]
    assert "Please type a question" in out[3]["error"]


@needs_shared
def test_index_command_reports_and_skips_unchanged(index_dir):
    result = run("index", *corpus_args(index_dir))
    assert result.returncode == 0, result.stderr
    assert "0 passages embedded" in result.stdout


@pytest.mark.parametrize("args, message", [
    (["ask", "hello", "--corpus", "/no/such/folder"], "does not exist"),
    (["ask", "   ", "--corpus", str(DATA)], "Please type a question"),
    (["eval", "--qa", "/no/such.jsonl", "--corpus", str(DATA)], "does not exist"),
])
def test_errors_are_one_line_without_traceback(tmp_path, args, message):
    result = run(*args, "--index", str(tmp_path / "idx"))
    assert result.returncode != 0
    assert message in result.stderr and "Traceback" not in result.stderr


def test_since_must_be_a_year():
    result = run("ask", "What is the latest figure?", "--since", "last year")
    assert result.returncode == 2 and "is not a year" in result.stderr
    assert "Traceback" not in result.stderr
