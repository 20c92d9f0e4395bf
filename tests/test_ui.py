import json
import socket
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.app.ui import build_demo, highlight, launch, load_auth, make_respond, render_sources
from assistant.errors import AssistantError

TPS_QUESTION = \
    "How many times more transactions per second could AWS process than AliCloud in 2015?"


def final(updates):
    """The last update a streaming handler yields: what the page shows when it is done."""
    *_, last = updates
    return last


def test_respond_answers_and_shows_sources(eval_bot):
    respond = make_respond(eval_bot, delay=0)
    box, chat, answers, sources = final(
        respond("How many customers does AliCloud have?", [], []))
    assert box == "" and len(chat) == 2 and chat[1]["role"] == "assistant"
    assert "2,300,000" in chat[1]["content"]
    assert "<mark>" in sources and "para 5" in sources
    assert answers[0]["citations"]


def test_respond_follow_up_uses_history_and_shows_resolution(eval_bot):
    respond = make_respond(eval_bot, delay=0)
    _, chat, answers, _ = final(respond(
        "How many transactions per second could AliCloud process in 2015?", [], []))
    _, chat, answers, sources = final(respond("And Amazon AWS?", chat, answers))
    assert "3,440,000" in chat[-1]["content"]
    assert "Understood as" in chat[-1]["content"] and "Understood as" in sources


def test_respond_turns_errors_into_chat_messages(eval_bot):
    respond = make_respond(eval_bot, delay=0)
    _, chat, answers, sources = final(respond("   ", [], []))
    assert chat[-1]["content"].startswith("⚠️") and answers == [None]


def test_markup_from_questions_and_passages_is_escaped(eval_bot):
    respond = make_respond(eval_bot, delay=0)
    _, chat, _, _ = final(respond("<script>alert(1)</script> ![x](http://evil/x.png)", [], []))
    assert "<script>" not in chat[0]["content"] and "](http" not in chat[0]["content"]
    assert highlight("a <b>bold</b> claim", "<b>bold</b>") == \
        "a <mark>&lt;b&gt;bold&lt;/b&gt;</mark> claim"
    html = render_sources({"question": "q", "resolved_question": "q", "abstained": False,
                           "citations": [{"n": 1, "title": "<img src=x onerror=alert(1)>",
                                          "text": "t", "quote": "t", "locator": "para 1"}]})
    assert "<img" not in html


def test_respond_streams_the_answer_after_a_searching_note(eval_bot):
    updates = list(make_respond(eval_bot, delay=0)(TPS_QUESTION, [], []))
    first_box, first_chat, _, first_sources = updates[0]
    assert first_box == "" and "Searching the sources" in first_chat[-1]["content"]
    assert "Searching the sources" in first_sources
    texts = [chat[-1]["content"] for _, chat, _, _ in updates[1:]]
    assert len(texts) > 3 and all(a == b[:len(a)] for a, b in zip(texts, texts[1:], strict=False))
    assert "24.57" in texts[-1] and "24.57" not in texts[0]
    assert "<mark>" in updates[-1][3]


class Broken:
    def ask(self, question, history):
        raise RuntimeError("index exploded at /secret/path")


def test_unexpected_errors_become_a_chat_message_without_details():
    _, chat, answers, sources = final(make_respond(Broken(), delay=0)("Anything?", [], []))
    assert chat[-1]["content"].startswith("⚠️ Something went wrong")
    assert "secret" not in chat[-1]["content"] and answers == [None]


def test_sources_panel_shows_figures_calculation_and_chart_data(eval_bot):
    from assistant.app.charts import bar_points

    answer = eval_bot.ask(TPS_QUESTION).to_dict()
    html = render_sources(answer, 3)
    assert "Answer 3" in html and "<table" in html and "3,440,000" in html
    assert "data-answer='2'" in html and "id='cite-1'" in html
    assert "3440000 / 140000 = 24.57" in html and "Han Lei · 2016-11 · para 13" in html
    # The chart: titled, each bar labelled with its value, the ratio written on it.
    assert "id='figure-chart'" in html and ">Transactions per second<" in html
    assert ">3,440,000<" in html and ">140,000<" in html and "≈ 24.6×" in html
    bars, unit = bar_points(answer)
    assert unit == "transactions per second"
    assert [b["label"] for b in bars] == ["AWS 2015", "AliCloud 2015"]
    assert [b["value"] for b in bars] == [3440000, 140000]
    assert bar_points({"figures": []}) == ([], "")
    assert bar_points({"figures": answer["figures"][:1]}) == ([], "")  # nothing to compare
    mixed = [answer["figures"][0], {**answer["figures"][1], "unit": "USD billion"}]
    assert bar_points({"figures": mixed}) == ([], "")


def test_export_writes_markdown_briefings_into_the_exports_folder(eval_bot, tmp_path):
    from assistant.app.workspace import Workspace, export_answers

    workspace = Workspace(eval_bot, tmp_path / "data")
    respond = make_respond(eval_bot, delay=0)
    _, chat, answers, _ = final(respond(TPS_QUESTION, [], []))
    _, chat, answers, _ = final(respond("And in 2014?", chat, answers))
    answers.append(None)  # a turn that failed is left out
    one = export_answers(workspace, answers, 0, whole=False)
    assert one.parent == tmp_path / "data" / "exports" and one.suffix == ".md"
    text = one.read_text(encoding="utf-8")
    assert f"## 1. {TPS_QUESTION}" in text and "24.57" in text and "## 2." not in text
    assert "1. *The West favors Amazon’s cloud over AliCloud." in text
    assert "Han Lei, 2016-11, para 13" in text and "   > In 2015, it could process" in text
    assert "**Calculation:** `3440000 / 140000 = 24.57`" in text
    assert "| AWS | transactions per second | 2015 | 3,440,000 |" in text
    whole = export_answers(workspace, answers, 0, whole=True).read_text(encoding="utf-8")
    assert "2 questions" in whole and "## 2. And in 2014?" in whole
    assert "*Understood as: How many times more transactions per second could AWS process " \
           "than AliCloud in 2014?*" in whole
    assert export_answers(workspace, [None], 0, whole=True) is None


def test_exported_markdown_runs_no_markup_from_questions_or_sources():
    from assistant.app.briefing import answer_markdown

    text = answer_markdown({
        "question": "<script>alert(1)</script>\nwhy?", "resolved_question": "why?",
        "answer": "See ![x](http://evil/x.png) [1]", "abstained": False,
        "citations": [{"n": 1, "title": "<img src=x onerror=alert(1)>", "author": "R&D team",
                       "published": "", "locator": "para 1", "text": "t", "quote": "<b>t</b>"}],
    }, 1)
    assert text.startswith("## 1. &lt;script>alert(1)&lt;/script> why?")
    assert "<script" not in text and "<img" not in text and "<b>" not in text
    assert "](http" not in text and "R&D team, para 1" in text


def test_feedback_appends_one_json_line_per_vote_or_comment(eval_bot, tmp_path):
    from assistant.app.workspace import Workspace, record_comment, record_vote

    data = tmp_path / "not" / "yet"
    workspace = Workspace(eval_bot, data)
    _, chat, answers, _ = final(make_respond(eval_bot, delay=0)(TPS_QUESTION, [], []))
    note = record_vote(workspace, answers, 1, True, "  useful, send to the board ")
    assert "up vote on answer 1" in note
    record_vote(workspace, answers, [1, 0], False, "")
    record_vote(workspace, answers, 1, "", "")
    assert "nothing was recorded" in record_vote(workspace, [None], 1, True, "")
    assert "recorded" in record_comment(workspace, answers, 0, "check the 2016 figure")
    assert "Type a comment" in record_comment(workspace, answers, 0, "  ")
    lines = (data / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["vote"] for r in records] == ["up", "down", "withdrawn", None]
    first = records[0]
    assert first["question"] == TPS_QUESTION and "24.57" in first["answer"]
    assert first["comment"] == "useful, send to the board" and first["timestamp"]
    assert first["citations"][0]["locator"] == "para 13" and first["citations"][0]["quote"]
    assert records[3]["comment"] == "check the 2016 figure"


def test_login_comes_from_a_pair_or_a_file_of_pairs(tmp_path):
    assert load_auth("") is None
    assert load_auth("analyst:s3cret:with-colon") == [("analyst", "s3cret:with-colon")]
    logins = tmp_path / "logins"
    logins.write_text("# team\nana:one\n\nbo:two\n", encoding="utf-8")
    assert load_auth(str(logins)) == [("ana", "one"), ("bo", "two")]
    with pytest.raises(AssistantError) as bad:
        load_auth("justapassword")
    assert "justapassword" not in str(bad.value)


def test_serve_refuses_a_bad_login_setting_before_starting():
    from assistant.app.ui import serve
    from assistant.config import Settings

    with pytest.raises(AssistantError, match="ASSISTANT_AUTH"):
        serve(Settings(auth="nocolon"), port=_free_port())


def test_reindex_swaps_in_a_fresh_assistant(eval_bot, tmp_path):
    from assistant.app.corpus_tab import corpus_views
    from assistant.app.workspace import Workspace, reindex

    workspace = Workspace(eval_bot, tmp_path)
    steps = []
    note = reindex(workspace, lambda *args, **kwargs: steps.append((args, kwargs)))
    assert note.startswith("Re-indexed: 0 added") and workspace.bot is not eval_bot
    assert steps and workspace.bot.ask("How many customers does AliCloud have?").citations
    views = corpus_views(workspace.bot)
    status = views["status"]
    assert "sentence-transformers/all-MiniLM-L6-v2" in status and "passages from" in status
    title = eval_bot.corpus.documents[0].title
    assert views["docs"] == [["2016-11", title, "", "Han Lei", 14]]
    assert views["admin_docs"] == [["west-favors-aws-over-alicloud", title, 14]]
    assert views["problems"] == "" and "1 documents and 11 figures" in views["summary"]
    # Staff see each figure with the passage that states it: title, date, paragraph.
    assert len(views["figures"]) == 11
    tps = next(r for r in views["figures"] if r[:3] == ["transactions per second", "AWS",
                                                        "2015"])
    assert tps[-1] == f"“{title}” · 2016-11 · para 13"
    figures = views["admin_figures"]
    curated = [row for row in figures if row[-1] == "figures table"]
    assert len(curated) == 11 and len(figures) > 11  # and those read from the article

    empty = tmp_path / "empty"
    empty.mkdir()
    broken = replace(eval_bot.settings, corpus=(str(empty),))
    current = workspace.bot
    workspace.bot = type("Old", (), {"settings": broken, "embeddings": eval_bot.embeddings})()
    note = reindex(workspace, lambda *args, **kwargs: None)
    assert note.startswith("⚠️ No articles") and "previous index is still in use" in note
    assert workspace.bot is not current and workspace.bot.settings is broken


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("ui-data")


@pytest.fixture(scope="module")
def app(eval_bot, data_dir):
    demo = build_demo(eval_bot, data_dir=data_dir)
    port = _free_port()
    launch(demo, data_dir, port=port, prevent_thread_lock=True, quiet=True)
    yield demo, f"http://127.0.0.1:{port}/"
    demo.close()


@pytest.fixture(scope="module")
def served(app):
    return app[1]


def test_api_ask_returns_the_answer_object(served):
    from gradio_client import Client

    client = Client(served, verbose=False)
    data = client.predict("How many customers does AliCloud have?", [], api_name="/ask")
    assert "2,300,000" in data["answer"] and data["citations"][0]["quote"] in \
        data["citations"][0]["text"]
    history = [{"role": "user", "content": "How many customers does AliCloud have?"},
               {"role": "assistant", "content": data["answer"]}]
    follow = client.predict("Is that a lot compared to the number of SMEs in China?", history,
                            api_name="/ask")
    assert "40" in follow["answer"] and follow["resolved_question"] != follow["question"]


def test_api_reports_errors_in_the_answer_object(served):
    from gradio_client import Client

    data = Client(served, verbose=False).predict("   ", [], api_name="/ask")
    assert data["error"].startswith("Please type a question") and data["question"] == "   "


def test_only_the_ask_endpoint_is_public(served):
    from gradio_client import Client

    api = Client(served, verbose=False).view_api(return_format="dict", print_info=False)
    assert list(api["named_endpoints"]) == ["/ask"] and not api["unnamed_endpoints"]


def test_served_safely_on_localhost_with_a_bounded_queue(app, data_dir):
    demo, url = app
    assert demo.server_name == "127.0.0.1" and not demo.share and url.startswith("http://127.")
    exports = (Path(data_dir) / "exports").resolve()
    assert demo.allowed_paths == [str(exports)] and demo._queue.max_size == 64


def test_only_exports_are_served_as_files(app, data_dir, tmp_path):
    import httpx

    from assistant.app.briefing import write_briefing
    from assistant.app.feedback import append_feedback

    _, url = app
    export = write_briefing(data_dir, "answer", "# briefing\n")
    private = append_feedback(data_dir, {"vote": "up"})
    assert httpx.get(f"{url}gradio_api/file={export}").text == "# briefing\n"
    assert httpx.get(f"{url}gradio_api/file={private}").status_code in {403, 404}
    assert httpx.get(f"{url}gradio_api/file={Path(__file__).resolve()}").status_code in {403, 404}


def test_uploads_are_capped_and_monitoring_is_off(served):
    import httpx

    big = {"files": ("big.txt", b"x" * 200_000, "text/plain")}
    assert httpx.post(f"{served}gradio_api/upload", files=big).status_code == 413
    for path in ("monitoring", "monitoring/summary", "gradio_api/mcp/sse",
                 "gradio_api/mcp/schema"):
        assert httpx.get(f"{served}{path}", timeout=10).status_code in {401, 403, 404}, path


def test_file_route_refuses_path_traversal(app, data_dir):
    import httpx

    from assistant.app.briefing import write_briefing

    _, url = app
    export = write_briefing(data_dir, "answer", "# briefing\n")
    sneaky = f"{export.parent}/../feedback.jsonl"
    (Path(data_dir) / "feedback.jsonl").write_text("{}\n", encoding="utf-8")
    for path in (sneaky, sneaky.replace("/", "%2F"), f"{export.parent}/%2e%2e/feedback.jsonl"):
        assert httpx.get(f"{url}gradio_api/file={path}").status_code in {403, 404}


def test_login_walls_off_the_page_and_the_api(eval_bot, tmp_path):
    import httpx
    from gradio_client import Client

    demo = build_demo(eval_bot, data_dir=tmp_path)
    port = _free_port()
    launch(demo, tmp_path, port=port, auth=[("analyst", "s3cret")], prevent_thread_lock=True,
           quiet=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        assert httpx.get(f"{url}config").status_code == 401
        wrong = httpx.post(f"{url}login", data={"username": "analyst", "password": "guess"})
        assert wrong.status_code in {400, 401}
        assert not any(name.startswith("access-token") for name in wrong.cookies)
        for name in (" analyst", "analyst ", "Analyst"):  # user names compared exactly
            near = httpx.post(f"{url}login", data={"username": name, "password": "s3cret"})
            assert near.status_code in {400, 401}, name
            assert not any(n.startswith("access-token") for n in near.cookies)
        right = httpx.post(f"{url}login", data={"username": "analyst", "password": "s3cret"})
        assert right.status_code == 200
        assert httpx.post(f"{url}gradio_api/call/ask", json={"data": ["hi", []]}).status_code \
            in {401, 403}
        with pytest.raises(Exception):  # noqa: B017 - any refusal will do, as long as it refuses
            Client(url, verbose=False).predict("How many customers?", [], api_name="/ask")
        client = Client(url, auth=("analyst", "s3cret"), verbose=False)
        data = client.predict("How many customers does AliCloud have?", [], api_name="/ask")
        assert "2,300,000" in data["answer"]
        # Failed sign-ins are limited per client: after ten in a minute, even the right
        # password waits.
        for _ in range(8):
            httpx.post(f"{url}login", data={"username": "analyst", "password": "guess"})
        late = httpx.post(f"{url}login", data={"username": "analyst", "password": "s3cret"})
        assert late.status_code == 429 and "wait a minute" in late.text
    finally:
        demo.close()
