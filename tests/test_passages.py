from conftest import DATA, SHARED_CORPUS, needs_shared

from assistant.ingest.articles import load_document
from assistant.ingest.figures_table import read_figures
from assistant.ingest.passages import figure_passage, split_document, split_sentences


def test_headings_travel_with_their_section_and_tiny_paragraphs_merge():
    doc = load_document(DATA / "alpha-note.md")
    passages = split_document(doc, min_chars=60, max_chars=900)
    assert [p.metadata["locator"] for p in passages] == ["para 1", "paras 2–3", "para 4"]
    assert passages[0].page_content.startswith("Alpha note\n\nOrbital Freight")
    assert passages[1].page_content.startswith("Tiny line here.\n\nThe company plans")
    assert passages[2].metadata["section"] == "Risks"
    assert passages[2].page_content.startswith("Risks\n\nStorms closed")


@needs_shared
def test_long_paragraphs_split_at_sentence_boundaries():
    doc = load_document(SHARED_CORPUS / "west-favors-aws-over-alicloud.md")
    passages = split_document(doc, min_chars=50, max_chars=200)
    for p in passages:
        assert len(p.page_content) <= 200 + 80 or "\n\n" in p.page_content
    tps = [p for p in passages if "3,440,000" in p.page_content]
    assert len(tps) == 1 and tps[0].page_content.rstrip().endswith("report.")


def test_ids_are_stable_and_change_with_content():
    doc = load_document(DATA / "alpha-note.md")
    first = [p.id for p in split_document(doc, 60, 900)]
    assert first == [p.id for p in split_document(doc, 60, 900)]
    assert first[0].startswith("alpha-note:0:")
    doc.blocks[-1].text += " A new sentence."
    second = [p.id for p in split_document(doc, 60, 900)]
    assert second[:2] == first[:2] and second[2] != first[2]


@needs_shared
def test_passages_carry_document_metadata():
    doc = load_document(SHARED_CORPUS / "west-favors-aws-over-alicloud.md")
    meta = split_document(doc, 120, 900)[0].metadata
    assert meta["doc_id"] == "west-favors-aws-over-alicloud"
    assert meta["author"] == "Han Lei" and meta["published"] == "2016-11"
    assert meta["locator"] == "para 1"


def test_figure_rows_become_passages_in_words():
    figures, _ = read_figures(DATA / "figures-small.csv")
    passage = figure_passage(figures[0])
    assert passage.page_content.startswith("Orbital Freight containers handled in 2019: 1,250")
    assert passage.metadata["kind"] == "figure" and passage.metadata["locator"] == "row 2"


def test_sentences_are_verbatim_substrings():
    text = ("AliCloud could process 60,000 transactions per second. In 2015, it could process "
            "140,000 (USD 17.8 B). “No,” he said! Mr. Ma agreed.")
    sentences = split_sentences(text)
    assert sentences[0] == "AliCloud could process 60,000 transactions per second."
    assert all(s in text for s in sentences)
    assert "Mr. Ma agreed." in sentences
