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
    assert any(snippet in h.document.page_content for h in article[:2])
    assert all(h.score > 0 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_scores_are_kept_for_display(eval_bot):
    docs = eval_bot.retriever.invoke("AWS transactions per second in 2015")
    assert docs and {"score", "dense_score", "keyword_score"} <= set(docs[0].metadata)


def test_keyword_side_matches_synonyms_from_the_corpus_glossary(default_bot):
    query = default_bot.glossary.expand("aliyun tps")
    top = default_bot.retriever.keyword_index.search(query, k=3)
    assert any("transactions per second" in doc.page_content for doc, _ in top)
    # "TPS" is not in the corpus: without the glossary the capacity passages are not found.
    raw = default_bot.retriever.keyword_index.search("aliyun tps", k=3)
    assert not any("transactions per second" in doc.page_content for doc, _ in raw)


def test_large_keyword_index_skips_terms_found_almost_everywhere(tmp_path):
    from assistant.config import Settings
    from assistant.ingest.corpus import load_corpus
    from assistant.ingest.passages import split_corpus
    from assistant.search.keyword import KeywordIndex, build_keyword_index
    from benchmarks.bench import synthetic_corpus

    settings = Settings()
    groups = split_corpus(load_corpus([synthetic_corpus(tmp_path / "c", 2_500, seed=3)]),
                          settings.chunk_min_chars, settings.chunk_max_chars)
    passages = [p for group in groups.values() for p in group]
    build_keyword_index(tmp_path / "kw.sqlite3", passages)
    index = KeywordIndex(tmp_path / "kw.sqlite3", passages)
    common = max(index._df, key=index._df.get)
    rare = next(t for t, df in index._df.items() if 2 <= df <= 20 and t.isalpha())
    assert index._df[common] > 1_000
    assert index._selective([common, rare]) == [rare]
    hits = index.search(f"{common} {rare}", 5)
    assert hits and all(rare in p.page_content.lower() for p, _ in hits)
    assert index._selective([common]) in ([common], [])  # alone, kept unless it is everywhere
    build_keyword_index(tmp_path / "small.sqlite3", passages[:300])
    small = KeywordIndex(tmp_path / "small.sqlite3", passages[:300])
    assert small._df[common] > 150  # in most passages, yet a small index keeps every term
    assert small._selective([common, rare, "zzzunknown"]) == [common, rare]
