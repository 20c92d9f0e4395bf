"""How the workspace presents answers: the chat text, figure provenance, suggestions, nearby
coverage for abstentions, and conversations kept in the browser."""

import json

from assistant.app.answer_text import chat_text, collapse_citations
from assistant.app.display import render_sources
from assistant.app.ui import make_respond

TPS_QUESTION = \
    "How many times more transactions per second could AWS process than AliCloud in 2015?"
STRATEGIES = "What three strategies are recommended for AliCloud?"


def test_chat_text_leads_with_the_result_and_marks_each_source_once(eval_bot):
    answer = eval_bot.ask(TPS_QUESTION).to_dict()
    text = chat_text(answer)
    assert text.startswith("AWS's transactions per second in 2015 is about 24.57 times AliCloud's")
    lead, details = text.split("\n\n")
    assert lead.endswith("[1]") and details.count("[1]") == 1 and details.endswith("[1]")
    assert answer["answer"].count("[1]") == 3  # the answer object itself is unchanged
    # A result that points back stays after what it points to.
    dated = eval_bot.ask("How many customers does AliCloud have?").to_dict()
    assert (dated["calculation"] or {}).get("text", "").startswith("That")
    assert chat_text(dated).startswith("AliCloud customers")
    assert collapse_citations("A. [1] B. [1] [2] C. [2]") == "A. [1] B. [1] [2] C. [2]"
    assert collapse_citations("A. [1] B. [1]\n- C. [2] [2]") == "A. B. [1]\n- C. [2]"


def test_list_answers_render_as_markdown_lists(default_bot):
    text = chat_text(default_bot.ask(STRATEGIES).to_dict())
    head, _, items = text.partition("\n\n- ")
    assert head and items.count("\n- ") == 2  # three items after a blank line
    # A trend leads with its change, as a sentence, then the periods as a list.
    trend = default_bot.ask("How has the China market share of Alibaba Cloud changed over "
                            "time?").to_dict()
    lead, rest = chat_text(trend).split("\n\n", 1)
    assert lead.startswith("Change: from Q4 2019 to Q1 2025") and lead.endswith("[1] [3]")
    assert rest.count("\n- ") == 3 and "Change:" not in rest


def test_figures_are_traced_to_the_indexed_passage_that_states_them(default_bot):
    answer = default_bot.ask(TPS_QUESTION).to_dict()
    # The figures table's locator points into a document that is not in this corpus.
    assert {f["locator"] for f in answer["figures"]} == {"para 13"}
    cited = answer["citations"][0]
    html = render_sources(answer, 1)
    table = html[html.index("<table class='figures'>"):]
    assert "Stated in" in table and cited["locator"] in table and "para 13" not in table
    assert cited["title"].replace("'", "&#x27;") in table and cited["published"] in table


def test_follow_ups_are_questions_the_sources_answer(default_bot):
    from assistant.app.suggestions import follow_ups

    answer = default_bot.ask("What is Alibaba Cloud's latest China market share?").to_dict()
    questions = follow_ups(default_bot, answer)
    assert questions and "How has Alibaba Cloud's China market share changed over time?" \
        in questions
    for question in questions:
        assert not default_bot.ask(question).abstained, question
    assert follow_ups(default_bot, None) == []


def test_abstentions_name_what_the_sources_cover_nearby(default_bot):
    from assistant.app.suggestions import follow_ups, nearby_html, possessive

    answer = default_bot.ask("How many employees does the Dubai office have?").to_dict()
    assert answer["abstained"]
    html = render_sources(answer, 1, nearby_html(default_bot, answer))
    assert "What the sources do cover nearby" in html
    dubai = next(d.title for d in default_bot.corpus.documents if "Dubai" in d.title)
    assert dubai.replace("'", "&#x27;") in html
    # ... and suggests questions about it that the sources do answer.
    questions = follow_ups(default_bot, answer)
    assert questions and not any(default_bot.ask(q).abstained for q in questions)
    assert possessive("AWS") == "AWS's" and possessive("Other providers") == "Other providers'"


def test_conversations_round_trip_and_distrust_what_the_browser_holds(eval_bot):
    from assistant.app.conversations import (
        MAX_STORE_BYTES,
        choices,
        empty_store,
        passage_reader,
        restore,
        save,
    )

    respond = make_respond(eval_bot, delay=0)
    *_, (_, chat, answers, _) = respond(TPS_QUESTION, [], [])
    *_, (_, chat, answers, _) = respond("x" * 5000, chat, answers)  # refused: not answered
    store = save(empty_store(), "one", chat, answers)
    store = save(store, "two", [], [])  # an empty conversation is not kept
    assert choices(store) == [(TPS_QUESTION[:70], "one")]
    conv_id, chat2, answers2 = restore(store, "one", passage_reader(eval_bot))
    assert conv_id == "one" and len(chat2) == 4 and answers2[1] is None
    assert chat2[1]["content"] == chat[1]["content"] and "24.57" in chat2[1]["content"]
    # Passages travel by reference and come back whole from the index.
    assert "text" not in store["conversations"][0]["turns"][0]["answer"]["citations"][0]
    assert answers2[0]["citations"] == answers[0]["citations"]

    # However much is asked, the store stays small enough to travel with each answer.
    many = answers[:1] * 60
    for k in range(12):
        store = save(store, f"c{k}", [], many)
    size = len(json.dumps(store))
    assert size <= MAX_STORE_BYTES and store["current"] == "c11"
    assert store["conversations"][0]["id"] == "c11" and store["conversations"][0]["turns"]

    tampered = {"conversations": [{"id": "t", "turns": [
        {"question": "<img src=x onerror=alert(1)>", "answer": {
            "question": "<script>", "answer": "<b>bold</b> [1]", "citations": []}}]}],
        "current": "t"}
    _, chat3, _ = restore(tampered)
    assert "<img" not in chat3[0]["content"] and "<b>" not in chat3[1]["content"]
    broken = {"conversations": [{"id": "b", "turns": "not turns"}], "current": "b"}
    conv_id, chat4, answers4 = restore(broken)
    assert conv_id != "b" and (chat4, answers4) == ([], [])
    assert restore("not a store")[1:] == ([], [])


def test_corpus_tab_traces_every_figure_whose_document_is_indexed(default_bot):
    from assistant.app.corpus_tab import staff_figures

    indexed = {d.doc_id for d in default_bot.corpus.documents}
    rows = staff_figures(default_bot)
    assert len(rows) == len(default_bot.corpus.figures)
    unindexed = [r for r in rows if r[-1].startswith("figures table only")]
    # Only a figure whose own document is not in the corpus, and that no indexed passage
    # restates, is left at its table row.
    assert unindexed and all(r[-1].split("(")[1].split(",")[0] not in indexed
                             for r in unindexed)
    outside = sum(f.source not in indexed for f in default_bot.corpus.figures)
    assert len(unindexed) < outside
    tps = next(r for r in rows if r[:3] == ["transactions per second", "AWS", "2015"])
    assert "paras 8–9" in tps[-1]  # the briefing note that restates the article's figure
    titles = {d.title for d in default_bot.corpus.documents}
    for row in rows:
        if row not in unindexed:
            assert row[-1].split("”")[0].lstrip("“") in titles, row


def test_stored_conversations_outlive_a_server_restart(eval_bot, tmp_path):
    """The browser's copy is encrypted with a key kept in the data folder: a restarted server
    (a new Blocks over the same folder) reads what the previous one stored."""
    import stat

    import gradio as gr

    from assistant.app.ui import build_demo

    def secret_of(demo):
        return next(b.secret for b in demo.blocks.values() if isinstance(b, gr.BrowserState))

    first, again = build_demo(eval_bot, tmp_path / "data"), build_demo(eval_bot, tmp_path / "data")
    assert secret_of(first) == secret_of(again)
    assert secret_of(build_demo(eval_bot, tmp_path / "other")) != secret_of(first)
    key = tmp_path / "data" / "browser-state.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
