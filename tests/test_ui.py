import socket

import pytest

from assistant.ui import build_demo, highlight, make_respond, render_sources


def test_respond_answers_and_shows_sources(eval_bot):
    respond = make_respond(eval_bot)
    box, chat, answers, sources = respond("How many customers does AliCloud have?", [], [])
    assert box == "" and len(chat) == 2 and chat[1]["role"] == "assistant"
    assert "2,300,000" in chat[1]["content"]
    assert "<mark>" in sources and "para 5" in sources
    assert answers[0]["citations"]


def test_respond_follow_up_uses_history_and_shows_resolution(eval_bot):
    respond = make_respond(eval_bot)
    _, chat, answers, _ = respond(
        "How many transactions per second could AliCloud process in 2015?", [], [])
    _, chat, answers, sources = respond("And Amazon AWS?", chat, answers)
    assert "3,440,000" in chat[-1]["content"]
    assert "Understood as" in chat[-1]["content"] and "Understood as" in sources


def test_respond_turns_errors_into_chat_messages(eval_bot):
    respond = make_respond(eval_bot)
    _, chat, answers, sources = respond("   ", [], [])
    assert chat[-1]["content"].startswith("⚠️") and answers == [None]


def test_markup_from_questions_and_passages_is_escaped(eval_bot):
    respond = make_respond(eval_bot)
    _, chat, _, _ = respond("<script>alert(1)</script> ![x](http://evil/x.png)", [], [])
    assert "<script>" not in chat[0]["content"] and "](http" not in chat[0]["content"]
    assert highlight("a <b>bold</b> claim", "<b>bold</b>") == \
        "a <mark>&lt;b&gt;bold&lt;/b&gt;</mark> claim"
    html = render_sources({"question": "q", "resolved_question": "q", "abstained": False,
                           "citations": [{"n": 1, "title": "<img src=x onerror=alert(1)>",
                                          "text": "t", "quote": "t", "locator": "para 1"}]})
    assert "<img" not in html


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(eval_bot):
    demo = build_demo(eval_bot)
    demo.queue(max_size=16, default_concurrency_limit=2)
    port = _free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


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
