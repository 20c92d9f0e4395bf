"""The JSON answer contract, checked over every development question."""

import json
import re

import pytest
from conftest import DEV_QA

from assistant.answering.verify import numbers_in
from assistant.evaluation.evaluate import normalize

QUESTIONS = [json.loads(line) for line in DEV_QA.read_text().splitlines() if line.strip()] \
    if DEV_QA.exists() else []
KEYS = {"question", "answer", "resolved_question", "abstained", "citations", "figures",
        "calculation", "timing_ms"}


@pytest.mark.parametrize("item", QUESTIONS, ids=[q["id"] for q in QUESTIONS])
def test_answer_object_follows_the_contract(eval_bot, item):
    data = eval_bot.ask(item["question"], item["history"], id=item["id"]).to_dict()
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
