"""The briefing workspace in a real browser: ask, read sources, chart, export, vote, corpus.

Uses the system Chromium (never downloads one) and saves screenshots into screenshots/.
"""

import json
import re
import socket
import time
from pathlib import Path

import pytest

from assistant.app.ui import build_demo, launch

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[1] / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
QUESTION = "How many times more transactions per second could AWS process than AliCloud in 2015?"
TIMEOUT = 20_000  # ms; answers take well under a second, the first page load a little more


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(bot, data):
    """The workspace for `bot` on a free loopback port: (demo, url)."""
    demo = build_demo(bot, data_dir=data)
    port = _free_port()
    launch(demo, data, port=port, prevent_thread_lock=True, quiet=True)
    return demo, f"http://127.0.0.1:{port}/"


@pytest.fixture(scope="module")
def app(eval_bot, tmp_path_factory):
    data = tmp_path_factory.mktemp("browser-data")
    demo, url = _serve(eval_bot, data)
    yield url, data
    demo.close()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, app):
    context = browser.new_context(viewport={"width": 1440, "height": 1000},
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(app[0])
    yield page
    context.close()


def ask(page, question: str, answers_before: int):
    """Type a question, press Ask and wait until its answer has streamed in completely."""
    page.locator("#question textarea").fill(question)
    page.locator("#ask").click()
    bot = page.locator("#chat [data-testid='bot']")
    bot.nth(answers_before).wait_for()
    # The Ask button comes back when the answer and its sources are complete.
    page.locator("#ask:not([disabled])").wait_for()
    return bot.nth(answers_before)


def test_ask_read_sources_chart_and_export(page, app):
    from playwright.sync_api import expect

    SHOTS.mkdir(exist_ok=True)
    expect(page.locator("#sources")).to_contain_text("Ask a question")
    page.screenshot(path=SHOTS / "01-start.png")

    answer = ask(page, QUESTION, 0)
    expect(answer).to_contain_text("24.57")
    mark = page.locator("#sources mark").first
    expect(mark).to_be_visible()
    expect(mark).to_contain_text("3,440,000 transactions per second")
    expect(page.locator("#sources")).to_contain_text("Han Lei")
    expect(page.locator("#sources")).to_contain_text("para 13")
    expect(page.locator("#figure-chart svg, #figure-chart canvas").first).to_be_visible()
    expect(page.locator("#figure-chart")).to_contain_text("≈ 24.6×")  # the ratio, on the chart
    assert overlaps(page) == []  # the calculation below the chart is not covered
    page.screenshot(path=SHOTS / "02-answer-sources-chart.png", full_page=True)

    # Each figure names the cited passage that states it; its chip leads to the card.
    stated = page.locator("#sources table.figures .chip").first
    stated.click()
    expect(page.locator("#sources #cite-1")).to_have_class(re.compile(r"\bflash\b"))

    page.locator("#export-answer").click()
    link = page.locator("#download a").first
    expect(link).to_be_visible()
    with page.expect_download() as download:
        link.click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert download.value.suggested_filename.endswith(".md")
    assert f"## 1. {QUESTION}" in text and "24.57" in text
    assert "Han Lei, 2016-11, para 13" in text and "> In 2015, it could process 140,000" in text

    # A thumbs-up lands in feedback.jsonl with the question and its citations; the
    # confirmation and a comment box open right beside the thumbs.
    thumb = page.locator('#chat button[aria-label="Like"]').first
    beside = thumb.bounding_box()
    thumb.click()
    note = page.locator("#feedback-note")
    expect(note).to_contain_text("up vote on answer 1 was recorded")
    near = beside, page.locator("#feedback-pop").bounding_box()
    assert abs(near[1]["x"] - near[0]["x"]) < 40, near
    assert (0 <= near[1]["y"] - (near[0]["y"] + near[0]["height"]) < 30
            or 0 <= near[0]["y"] - (near[1]["y"] + near[1]["height"]) < 30), near
    record = json.loads((app[1] / "feedback.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    assert record["vote"] == "up" and record["question"] == QUESTION
    assert record["citations"][0]["locator"] == "para 13"
    page.screenshot(path=SHOTS / "06-voted-feedback-beside-thumbs.png")
    page.locator("#comment textarea").fill("send to the board")
    page.locator("#send-comment").click()
    expect(note).to_contain_text("comment on answer 1 was recorded")
    record = json.loads((app[1] / "feedback.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    assert record["comment"] == "send to the board" and record["vote"] is None
    assert record["question"] == QUESTION
    page.screenshot(path=SHOTS / "06b-comment-confirmed.png")
    page.locator("#feedback-close").click()
    expect(page.locator("#feedback-pop")).to_be_hidden()
    page.screenshot(path=SHOTS / "05-exported-and-rated.png", full_page=True)


def test_follow_up_select_earlier_answer_and_corpus(page):
    from playwright.sync_api import expect

    ask(page, QUESTION, 0)
    follow = ask(page, "And in 2014?", 1)
    expect(follow).to_contain_text("2.5")
    sources = page.locator("#sources")
    expect(sources).to_contain_text("Understood as")
    expect(sources).to_contain_text("Answer 2")
    page.screenshot(path=SHOTS / "03-follow-up.png", full_page=True)

    page.locator("#chat [data-testid='bot']").first.click()
    expect(sources).to_contain_text("Answer 1")
    expect(sources.locator("mark").first).to_contain_text("140,000")

    page.get_by_role("tab", name="Corpus").click()
    documents = page.get_by_role("grid", name="Documents (1)")
    expect(documents).to_contain_text("The West favors Amazon")
    expect(documents).to_contain_text("Han Lei")
    expect(documents).not_to_contain_text("west-favors-aws-over-alicloud")  # no index ids
    figures = page.get_by_role("grid", name=re.compile(r"Figures by metric \(11\)"))
    expect(figures).to_contain_text("transactions per second")
    expect(figures).to_contain_text("para 13")  # where each figure is stated
    status = page.locator("#index-status")
    expect(status).to_be_hidden()  # index details are behind "Admin"
    page.get_by_text("Admin: index details and re-indexing").click()
    expect(status).to_contain_text("passages")
    admin = page.get_by_role("grid", name=re.compile(r"Figures as indexed \(\d+\)"))
    expect(admin).to_contain_text("aws-tps-2015")  # the curated table's rows
    expect(admin).to_contain_text("article text")  # and those read from the article
    page.locator("#reindex").click()
    expect(page.get_by_text("Re-indexed: 0 added")).to_be_visible()
    expect(page.locator("#reindex")).to_be_enabled()
    page.screenshot(path=SHOTS / "04-corpus.png", full_page=True)

    # The chat now asks the re-opened assistant.
    page.get_by_role("tab", name="Briefing").click()
    expect(ask(page, "How many customers does AliCloud have?", 2)).to_contain_text("2,300,000")


def test_markup_in_a_question_never_runs(page):
    from playwright.sync_api import expect

    ask(page, '<img src=x onerror="window.pwned=1"> How many customers does AliCloud have?', 0)
    expect(page.locator("#chat [data-testid='user']").first).to_contain_text("<img src=x")
    assert page.evaluate("window.pwned") is None

    # Addresses the user types are shown, never turned into links.
    ask(page, "Is http://evil.example/login or www.evil.example or x@evil.example a source?", 1)
    user = page.locator("#chat [data-testid='user']").nth(1)
    expect(user).to_contain_text("www.evil.example")
    assert user.locator("a").count() == 0


@pytest.fixture(scope="module")
def dated_app(default_bot, tmp_path_factory):
    demo, url = _serve(default_bot, tmp_path_factory.mktemp("browser-dated"))
    yield url
    demo.close()


def test_trend_answer_draws_a_line_chart_and_corpus_lists_newest_first(browser, dated_app,
                                                                      default_bot):
    from playwright.sync_api import expect

    measure = max((m for m in default_bot.timeline.measures if len(m.spans()) >= 3),
                  key=lambda m: m.newest()[0].period.end)
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(dated_app)
    try:
        answer = ask(page, f"How has the {measure.metric} of {measure.entity} changed over "
                           "time?", 0)
        expect(answer).to_contain_text("Change:")
        expect(answer).to_contain_text(measure.series()[-1].period.label)
        chart = page.locator("#trend-chart svg, #trend-chart canvas").first
        expect(chart).to_be_visible()
        expect(page.locator("#figure-chart")).to_be_hidden()
        page.screenshot(path=SHOTS / "07-trend-chart.png", full_page=True)

        # "Sources since": a period older than the filter is not answered from old sources.
        page.locator("#since input").click()
        newest = max(d.published[:4] for d in default_bot.corpus.documents)
        page.get_by_role("option", name=f"Sources since {newest}", exact=True).click()
        answer = ask(page, f"What is the latest {measure.metric} of {measure.entity}?", 1)
        expect(answer).to_contain_text(measure.newest()[0].period.label)

        page.get_by_role("tab", name="Corpus").click()
        first_row = page.locator("#documents tbody tr").first
        newest_doc = max(default_bot.corpus.documents, key=lambda d: d.published)
        expect(first_row).to_contain_text(newest_doc.published)
        from assistant.app.corpus_tab import staff_figures

        first_figure = staff_figures(default_bot)[0]  # by metric, then entity and period
        expect(page.locator("#figures")).to_contain_text(first_figure[0])
        expect(page.locator("#figures")).to_contain_text(first_figure[-1])
        expect(page.locator("#figures")).to_contain_text("as of")
        page.screenshot(path=SHOTS / "08-corpus-dated.png", full_page=True)
    finally:
        context.close()


STRATEGIES = "What three strategies are recommended for AliCloud?"  # four citations


def overlaps(page) -> list:
    """Pairs of elements that overlap: the workspace's components (both columns), the parts
    of the Sources panel among themselves, and what the panel shows of them with anything
    outside it."""
    return page.evaluate("""() => {
      const shown = e => { const r = e.getBoundingClientRect();
        return r.width > 1 && r.height > 1 && getComputedStyle(e).visibility !== 'hidden'; };
      const box = e => { const r = e.getBoundingClientRect();
        return {l: r.left, t: r.top, r: r.right, b: r.bottom,
                name: e.id || e.className.toString().slice(0, 40)}; };
      const cross = (a, b) => a.l < b.r - 1 && b.l < a.r - 1 && a.t < b.b - 1 && b.t < a.b - 1;
      const outer = [...document.querySelectorAll('#workspace > .column > *')].filter(shown);
      const inner = [...document.querySelectorAll('#sources .sources > *')].filter(shown);
      const found = [];
      for (const group of [outer, inner]) {
        const boxes = group.map(box);
        boxes.forEach((a, i) => boxes.slice(i + 1).forEach(b => {
          if (cross(a, b)) found.push([a.name, b.name]); }));
      }
      // What the panel shows of its parts (all of them, unless it clips them) stays clear of
      // everything outside it.
      const panel = document.querySelector('#sources .sources');
      if (panel) {
        const clip = getComputedStyle(panel).overflowY !== 'visible' ? box(panel) : null;
        const others = outer.filter(e => !e.contains(panel)).map(box);
        for (const part of inner.map(box)) {
          const seen = clip ? {l: Math.max(part.l, clip.l), t: Math.max(part.t, clip.t),
                               r: Math.min(part.r, clip.r), b: Math.min(part.b, clip.b),
                               name: part.name} : part;
          if (seen.b <= seen.t) continue;
          others.forEach(o => { if (cross(seen, o)) found.push([part.name, o.name]); });
        }
      }
      return found;
    }""")


def in_view(page, selector: str) -> bool:
    """Whether the element is inside the viewport and inside the Sources panel's scroll box."""
    return page.evaluate("""(sel) => {
      const e = document.querySelector(sel), p = document.querySelector('#sources .sources');
      const r = e.getBoundingClientRect(), q = p.getBoundingClientRect();
      return r.top >= q.top - 1 && r.top < q.bottom && r.top >= 0 && r.top < innerHeight;
    }""", selector)


@pytest.mark.parametrize("viewport", [(1440, 900), (390, 844)], ids=["desktop", "phone"])
def test_chips_selection_and_sources_that_never_overlap(browser, dated_app, default_bot,
                                                        viewport):
    from playwright.sync_api import expect

    width, height = viewport
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(dated_app)
    name = "desktop" if width > 800 else "phone"
    try:
        # The first view shows every example whole.
        from assistant.app.ui import examples_for

        for i, example in enumerate(examples_for(default_bot)):
            expect(page.locator(f"#suggest-{i}")).to_have_text(example)
            assert page.locator(f"#suggest-{i}").evaluate(
                "b => b.scrollWidth <= b.clientWidth + 1 && "
                "b.getBoundingClientRect().bottom <= innerHeight")
        page.screenshot(path=SHOTS / f"09-{name}-first-view.png")

        # An empty question adds nothing to the chat and takes no number.
        page.locator("#ask").click()
        expect(page.get_by_text("Type a question first")).to_be_visible()
        assert page.locator("#chat [data-testid='bot']").count() == 0

        ask(page, STRATEGIES, 0)
        ask(page, "How has the China market share of Alibaba Cloud changed over time?", 1)
        bots = page.locator("#chat [data-testid='bot']")
        expect(page.locator("#sources")).to_contain_text("Answer 2")
        expect(bots.nth(1)).to_have_class(re.compile(r"\bis-selected\b"))
        expect(bots.nth(1)).to_have_css("outline-style", "solid")  # visibly marked
        expect(bots.nth(0)).not_to_have_class(re.compile(r"\bis-selected\b"))
        expect(bots.nth(0)).to_have_css("outline-style", "none")
        assert overlaps(page) == []
        if name == "phone":  # the sources come right under the chat and its question box
            gap = page.locator("#side-title").bounding_box()["y"] - (
                page.locator("#ask-row").bounding_box()["y"]
                + page.locator("#ask-row").bounding_box()["height"])
            assert 0 <= gap < 60, gap
        page.screenshot(path=SHOTS / f"10-{name}-trend-selected.png")

        # Citation chips: one per source per sentence; hover previews the quote.
        chips = bots.nth(0).locator(".chip")
        expect(chips).to_have_count(4)
        quote = default_bot.ask(STRATEGIES).citations[2].quote
        chips.nth(2).hover()
        tip = page.locator("#chip-tip")
        expect(tip).to_be_visible()
        expect(tip).to_contain_text(quote[:60])
        page.screenshot(path=SHOTS / f"11-{name}-chip-preview.png")

        # Clicking a chip of the earlier answer selects it and brings its card into view.
        chips.nth(2).click()
        expect(page.locator("#sources")).to_contain_text("Answer 1")
        expect(bots.nth(0)).to_have_class(re.compile(r"\bis-selected\b"))
        card = page.locator("#sources #cite-3")
        expect(card).to_have_class(re.compile(r"\bflash\b"))
        assert in_view(page, "#sources #cite-3")
        assert overlaps(page) == []  # four citations: nothing covers any of them
        page.screenshot(path=SHOTS / f"12-{name}-chip-card.png")
    finally:
        context.close()


def test_suggestions_ask_in_one_click_and_conversations_survive_reload(browser, app,
                                                                       eval_bot):
    from playwright.sync_api import expect

    from assistant.app.ui import examples_for

    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(app[0])
    try:
        # The first view: every example whole, not cut off; one click asks it.
        examples = examples_for(eval_bot)
        for i, example in enumerate(examples):
            button = page.locator(f"#suggest-{i}")
            expect(button).to_have_text(example)
            assert button.evaluate("b => b.scrollWidth <= b.clientWidth + 1 && "
                                   "b.getBoundingClientRect().bottom <= innerHeight")
        page.screenshot(path=SHOTS / "13-first-view-examples.png")
        page.locator("#suggest-0").click()
        bots = page.locator("#chat [data-testid='bot']")
        expect(bots).to_have_count(1)
        page.locator("#ask:not([disabled])").wait_for()

        # Follow-ups the sources answer; one click asks one.
        expect(page.locator("#suggest-title")).to_contain_text("Ask next")
        follow = page.locator("#suggest-0").inner_text()
        page.screenshot(path=SHOTS / "14-follow-ups.png")
        started = time.perf_counter()
        page.locator("#suggest-0").click()
        expect(bots).to_have_count(2)
        expect(bots.nth(1)).not_to_contain_text("Searching")
        assert time.perf_counter() - started < 1.0  # the answer is there within a second
        expect(page.locator("#chat [data-testid='user']").nth(1)).to_have_text(follow)
        expect(bots.nth(1)).not_to_contain_text("do not cover")

        # A question the sources do not answer says what they do cover nearby.
        ask(page, "What is the weather like in Paris in spring?", 2)
        sources = page.locator("#sources")
        expect(sources).to_contain_text("What the sources do cover nearby")
        expect(sources).to_contain_text(eval_bot.corpus.documents[0].title)
        page.screenshot(path=SHOTS / "15-abstention-nearby.png")

        # A reload keeps the conversation, its numbering and its sources.
        page.reload()
        expect(bots).to_have_count(3)
        expect(sources).to_contain_text("Answer 3")
        expect(bots.nth(2)).to_have_class(re.compile(r"\bis-selected\b"))
        expect(bots.nth(2)).to_be_in_viewport()  # opened at the answer shown
        page.screenshot(path=SHOTS / "16-after-reload.png")

        # A new conversation starts empty; the first is still there to go back to.
        page.locator("#new-conversation").click()
        expect(bots).to_have_count(0)
        expect(page.locator("#suggest-0")).to_have_text(examples[0])
        ask(page, "How many customers does AliCloud have?", 0)
        page.reload()
        expect(bots).to_have_count(1)
        page.locator("#conversations input").click()
        page.get_by_role("option", name=examples[0][:40]).click()
        expect(bots).to_have_count(3)
        page.screenshot(path=SHOTS / "17-conversation-switched.png")
    finally:
        context.close()
