import pytest

ARTICLE = "west-favors-aws-over-alicloud"


@pytest.mark.parametrize("question, snippet", [
    ("How many customers does AliCloud have?", "2,300,000 customers globally"),
    ("When did Jack Ma's team start the Alibaba Cloud Computing project?", "September 2009"),
    ("How many SMEs are there in China?", "40 million SMEs"),
    ("Which telecom companies could AliCloud partner with?", "Huawei and ZTE"),
    ("What did Alibaba report to the SEC about transaction capacity?", "sent to the SEC"),
    ("What record did Alibaba set on Singles Day?", "RMB 120.7 billion"),
    ("Which universities should Alibaba work with?", "universities in China"),
])
def test_hybrid_retrieval_finds_the_right_paragraph(eval_bot, question, snippet):
    hits = eval_bot.retriever.hits(question)
    article = [h for h in hits if h.document.metadata["doc_id"] == ARTICLE]
    assert snippet in article[0].document.page_content
    assert all(h.score > 0 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_scores_are_kept_for_display(eval_bot):
    docs = eval_bot.retriever.invoke("AWS transactions per second in 2015")
    assert docs and {"score", "dense_score", "keyword_score"} <= set(docs[0].metadata)


def test_keyword_side_matches_synonyms(eval_bot):
    top = eval_bot.retriever.keyword_index.search("aliyun tps", k=3)
    assert any("transactions per second" in doc.page_content for doc, _ in top)
