"""Server mode: a real `chroma run` on loopback, shared by the assistant instead of index/."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import FIGURES, ROOT, SHARED_CORPUS, free_port, needs_shared

QUESTIONS = ["How many customers does AliCloud have?",
             "Why should AliCloud not focus on North America?",
             "How many times more transactions per second could AWS process than AliCloud in "
             "2015?"]


def start_chroma(path, port):
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent))
    if chroma is None:
        pytest.skip("the chroma command is not installed")
    proc = subprocess.Popen([chroma, "run", "--path", str(path), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    pytest.fail("chroma run did not start")


def ask_all(cli, index, chroma_url=None):
    """The questions through `ask --batch --json`, in embedded mode or against a server."""
    lines = "\n".join(json.dumps({"id": str(i), "question": q}) for i, q in enumerate(QUESTIONS))
    result = cli("ask", "--batch", "-", "--json", "--corpus", SHARED_CORPUS, "--corpus", FIGURES,
                 "--index", index, stdin=lines,
                 env={"ASSISTANT_CHROMA_URL": chroma_url} if chroma_url else None)
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    for a in answers:
        a.pop("timing_ms")
    return answers


@needs_shared
def test_answers_match_embedded_mode_and_survive_a_server_restart(tmp_path, eval_bot, cli):
    embedded = ask_all(cli, eval_bot.settings.index_dir)  # the session's embedded index
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = start_chroma(tmp_path / "chroma-data", port)
    try:
        first = ask_all(cli, tmp_path / "server" / "index", url)
        assert first == embedded
        assert not (tmp_path / "server" / "index" / "builds").exists()  # nothing stored locally
    finally:
        server.terminate()
        server.wait(timeout=30)
    server = start_chroma(tmp_path / "chroma-data", port)
    try:
        again = ask_all(cli, tmp_path / "server" / "index", url)
        assert again == embedded
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_unreachable_server_is_a_clear_message(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env["ASSISTANT_CHROMA_URL"] = f"http://127.0.0.1:{free_port()}"
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", "How many customers?", "--corpus",
         str(FIGURES), "--index", str(tmp_path / "index")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "Cannot reach the Chroma server" in result.stderr and "Traceback" not in result.stderr


def opened_then_server_stopped(tmp_path, embeddings):
    """An assistant opened on a fresh Chroma server that answered once and was then stopped;
    (assistant, the server's port)."""
    from assistant import Assistant
    from assistant.config import Settings

    port = free_port()
    settings = Settings(index_dir=tmp_path / "index", chroma_url=f"http://127.0.0.1:{port}")
    server = start_chroma(tmp_path / "chroma-data", port)
    try:
        bot = Assistant.open(corpus=[str(SHARED_CORPUS), str(FIGURES)], settings=settings,
                             embeddings=embeddings)
        assert "2,300,000" in bot.ask(QUESTIONS[0]).answer
    finally:
        server.terminate()
        server.wait(timeout=30)
    return bot, port


@needs_shared
def test_server_going_down_mid_run_is_a_message_and_recovers(tmp_path, embeddings):
    from assistant.errors import AssistantError

    bot, port = opened_then_server_stopped(tmp_path, embeddings)
    with pytest.raises(AssistantError, match="index is not answering"):
        bot.ask("Why should AliCloud not focus on North America?")
    server = start_chroma(tmp_path / "chroma-data", port)
    try:
        assert "2,300,000" in bot.ask(QUESTIONS[0]).answer  # the same app, no restart
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_over_a_thousand_passages_survive_a_server_restart(tmp_path, fake_embeddings):
    """Chroma persists its vector index in batches (every 1,000 records by default): a build
    larger than that must be whole after the server restarts. Storage, not meaning: the keyword
    fake stands in for the model."""
    embeddings = fake_embeddings
    from assistant import Assistant
    from assistant.config import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    topics = ["rail", "port", "grid", "dam", "mine", "mill", "farm", "bank", "fund", "yard"]
    for d in range(12):
        paragraphs = [f"Station {d}-{i} of the {topics[i % 10]} network logged {1000 + 7 * i} "
                      f"units in week {i % 52}, according to the regional ledger number "
                      f"{d * 1000 + i}, which also lists its {topics[(i + d) % 10]} partner."
                      for i in range(95)]
        (corpus / f"ledger-{d}.md").write_text(f"---\ntitle: Ledger {d}\n---\n\n"
                                               + "\n\n".join(paragraphs), encoding="utf-8")
    port = free_port()
    settings = Settings(corpus=(str(corpus),), index_dir=tmp_path / "index",
                        chroma_url=f"http://127.0.0.1:{port}")
    server = start_chroma(tmp_path / "chroma-data", port)
    try:
        bot = Assistant.open(settings=settings, embeddings=embeddings)
        total = len(bot.passages)
        assert total > 1000
    finally:
        server.terminate()
        server.wait(timeout=30)
    server = start_chroma(tmp_path / "chroma-data", port)
    try:
        embeddings.embedded.clear()
        again = Assistant.open(settings=settings, embeddings=embeddings)
        assert embeddings.embedded == []  # nothing rebuilt: the server kept it all
        assert again.retriever.store.get(include=[])["ids"].__len__() == total
        hits = again.retriever.hits("regional ledger number 11094")
        assert any("ledger number 11094" in h.document.page_content for h in hits)
        # The sentence vectors were stored on the server too: answering embeds none.
        again.ask("Which partner does regional ledger number 11094 list?")
        assert again.knowledge.bank.sentences and embeddings.embedded == []
    finally:
        server.terminate()
        server.wait(timeout=30)


@needs_shared
def test_concurrent_asks_while_the_server_is_down_fail_fast_with_a_message(tmp_path,
                                                                           embeddings):
    from concurrent.futures import ThreadPoolExecutor

    from assistant.errors import AssistantError

    bot, _ = opened_then_server_stopped(tmp_path, embeddings)

    def ask(i):
        try:
            bot.ask(QUESTIONS[i % len(QUESTIONS)] + f" ({i})")
            return "answered"
        except AssistantError as exc:
            return str(exc)

    start = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(ask, range(32)))
    assert all("index is not answering" in r for r in results), set(results)
    assert time.monotonic() - start < 60  # no request hangs on the missing server


def test_a_server_update_keeps_the_sentences_of_the_builds_in_use_and_drops_the_rest(
        tmp_path, fake_embeddings):
    """Each build on the server has a passage and a sentence collection; an update copies the
    unchanged ones, replaces the changed document's, and cleanup leaves only the published and
    the previous build's collections. Storage, not meaning: the keyword fake stands in."""
    import chromadb

    from assistant import Assistant
    from assistant.config import Settings
    from assistant.search.sentence_store import passage_sentences, sentence_collection

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("alpha-note.md", "beta-page.html"):
        shutil.copy(ROOT / "tests" / "data" / name, corpus / name)
    port = free_port()
    settings = Settings(corpus=(str(corpus),), index_dir=tmp_path / "index",
                        chroma_url=f"http://127.0.0.1:{port}")
    server = start_chroma(tmp_path / "chroma-data", port)
    try:
        Assistant.open(settings=settings, embeddings=fake_embeddings)
        page = corpus / "beta-page.html"
        for old, new in (("48,000", "52,000"), ("52,000", "61,000")):  # three builds in all
            page.write_text(page.read_text().replace(old, new), encoding="utf-8")
            bot = Assistant.open(settings=settings, embeddings=fake_embeddings)
        client = chromadb.HttpClient(host="127.0.0.1", port=port)
        builds = {c.name for c in client.list_collections()
                  if c.name.startswith(f"{settings.collection}-build-")}
        passages = {n for n in builds if not n.endswith("-sentences")}
        # The published and the previous build, each with its sentences; the first is gone.
        assert len(passages) == 2 and builds == passages | {sentence_collection(n)
                                                            for n in passages}
        expected = sum(len(passage_sentences(p)) for p in bot.passages)
        stored = [client.get_collection(sentence_collection(n)).get(include=["documents"])
                  for n in passages]
        assert all(len(s["ids"]) == expected for s in stored)
        texts = [" ".join(s["documents"]) for s in stored]
        assert sorted("61,000" in t for t in texts) == [False, True]
        assert not any("48,000" in t for t in texts)
    finally:
        server.terminate()
        server.wait(timeout=30)
