"""The JSON answer contract, checked over every development question: the requester's set on the
original article (when ../shared is beside the checkout) and our own tune set on the project's
corpus (always)."""

import json
import re

import pytest
from conftest import DEV_QA, ROOT

from assistant.answering.verify import numbers_in
from assistant.evaluation.evaluate import normalize


def _questions(path, bot):
    if not path.exists():
        return [pytest.param(None, bot, id=f"{path.name}-absent", marks=pytest.mark.skip(
            reason=f"{path} is not beside this checkout; the contract is still checked on "
                   "the project's own corpus"))]
    items = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [pytest.param(item, bot, id=f"{bot}-{item['id']}") for item in items]


QUESTIONS = _questions(DEV_QA, "eval_bot") + \
    _questions(ROOT / "eval" / "qa" / "current-tune.jsonl", "default_bot")
KEYS = {"question", "answer", "resolved_question", "abstained", "citations", "figures",
        "calculation", "timing_ms"}


@pytest.mark.parametrize("item, bot", QUESTIONS)
def test_answer_object_follows_the_contract(request, item, bot):
    bot = request.getfixturevalue(bot)
    data = bot.ask(item["question"], item.get("history") or [], id=item["id"]).to_dict()
    assert KEYS <= set(data) and data["id"] == item["id"]
    json.dumps(data)  # serializable
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", data["answer"])}
    numbers = [c["n"] for c in data["citations"]]
    assert markers <= set(numbers), "dangling [n]"
    assert numbers == list(range(1, len(numbers) + 1))
    for c in data["citations"]:
        assert c["quote"] and c["quote"] in c["text"]
        assert {"doc_id", "title", "published", "locator"} <= set(c)
    if data["abstained"]:
        assert "do not cover" in data["answer"]
        assert not numbers_in(re.sub(r"\(.*?\)", "", data["answer"]))
    else:
        assert data["citations"] and markers
    if data["calculation"]:
        assert {"expression", "result", "text"} <= set(data["calculation"])
    assert set(data["timing_ms"]) >= {"retrieve", "answer", "total"}


def test_normalize_ignores_case_quotes_and_separators():
    assert normalize("AliCloud’s  2,300,000 Customers") == "alicloud's 2300000 customers"
