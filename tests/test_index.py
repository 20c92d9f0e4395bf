"""Indexing: what the manifest records, incremental updates, refusals. Meaning plays no part
here, so these run on the keyword fake at the embeddings seam (conftest.KeywordEmbeddings)."""

import json
import os
import shutil
from dataclasses import replace

import pytest
from conftest import DATA

from assistant import Assistant
from assistant.errors import AssistantError
from assistant.search.local_builds import current_build, read_manifest


@pytest.fixture
def corpus_dir(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in ("alpha-note.md", "beta-page.html", "figures-small.csv"):
        shutil.copy(DATA / name, folder / name)
    return folder


def open_bot(corpus_dir, settings, embeddings, **kw):
    return Assistant.open(corpus=[str(corpus_dir)], settings=settings, embeddings=embeddings, **kw)


def test_first_build_records_how_the_index_was_made(corpus_dir, settings, fake_embeddings):
    bot = open_bot(corpus_dir, settings, fake_embeddings)
    manifest = read_manifest(settings.index_dir)
    assert manifest["model"] == settings.embedding_model
    assert manifest["dimension"] == fake_embeddings.dimension
    assert manifest["chunking"]["max_chars"] == settings.chunk_max_chars
    assert manifest["chromadb"]
    assert set(manifest["documents"]) == {"alpha-note", "beta-page", "figures-small"}
    assert sorted(bot.report.added) == ["alpha-note", "beta-page", "figures-small"]
    count = bot.retriever.store.get(include=[])["ids"].__len__()
    assert count == len(bot.passages) == sum(
        len(d["passages"]) for d in manifest["documents"].values())


def test_only_the_changed_document_is_re_embedded(corpus_dir, settings, fake_embeddings):
    open_bot(corpus_dir, settings, fake_embeddings)
    fake_embeddings.embedded.clear()
    unchanged = open_bot(corpus_dir, settings, fake_embeddings)
    assert fake_embeddings.embedded == [] and not unchanged.report.changed

    page = corpus_dir / "beta-page.html"
    page.write_text(page.read_text().replace("48,000", "52,000"), encoding="utf-8")
    bot = open_bot(corpus_dir, settings, fake_embeddings)
    assert bot.report.updated == ["beta-page"]
    assert sorted(bot.report.unchanged) == ["alpha-note", "figures-small"]
    beta_texts = {p.page_content for p in bot.passages_by_doc["beta-page"]}
    # The changed passages, and the sentences of them that the evidence scorer reads.
    assert fake_embeddings.embedded and all(any(t in b for b in beta_texts)
                                       for t in fake_embeddings.embedded)
    hits = bot.retriever.hits("How many passengers did Glacier Rail carry?")
    beta = [h.document.page_content for h in hits if h.document.metadata["doc_id"] == "beta-page"]
    assert "52,000" in beta[0] and not any("48,000" in text for text in beta)
    assert bot.retriever.store.get(include=[])["ids"].__len__() == len(bot.passages)


def test_removed_documents_are_deleted(corpus_dir, settings, fake_embeddings):
    open_bot(corpus_dir, settings, fake_embeddings)
    (corpus_dir / "alpha-note.md").unlink()
    bot = open_bot(corpus_dir, settings, fake_embeddings)
    assert bot.report.removed == ["alpha-note"]
    stored = bot.retriever.store.get()["metadatas"]
    assert {m["doc_id"] for m in stored} == {"beta-page", "figures-small"}


def test_other_model_is_refused_with_the_fixing_command(corpus_dir, settings, fake_embeddings):
    open_bot(corpus_dir, settings, fake_embeddings)
    other = replace(settings, embedding_model="someone/other-model")
    with pytest.raises(AssistantError, match=r"index --rebuild"):
        open_bot(corpus_dir, other, fake_embeddings)


def test_other_chunking_is_refused_and_rebuild_fixes_it(corpus_dir, settings, fake_embeddings):
    open_bot(corpus_dir, settings, fake_embeddings)
    other = replace(settings, chunk_max_chars=400)
    with pytest.raises(AssistantError, match="chunking"):
        open_bot(corpus_dir, other, fake_embeddings)
    bot = open_bot(corpus_dir, other, fake_embeddings, rebuild=True)
    assert read_manifest(settings.index_dir)["chunking"]["max_chars"] == 400
    assert bot.retriever.store.get(include=[])["ids"].__len__() == len(bot.passages)


def test_unreadable_manifest_is_a_clear_error(corpus_dir, settings, fake_embeddings):
    open_bot(corpus_dir, settings, fake_embeddings)
    (current_build(settings.index_dir) / "manifest.json").write_text("{not", encoding="utf-8")
    with pytest.raises(AssistantError, match="rebuild"):
        open_bot(corpus_dir, settings, fake_embeddings)


def test_chroma_telemetry_is_off_by_default():
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "ANONYMIZED_TELEMETRY"}
    code = ("import assistant.search.integrity, chromadb.config as c; "
            "print(c.Settings().anonymized_telemetry)")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def _sentence_store(settings):
    import chromadb

    from assistant.search.sentence_store import sentence_collection

    client = chromadb.PersistentClient(path=str(current_build(settings.index_dir) / "chroma"))
    return client, sentence_collection(settings.collection)


def test_sentences_are_embedded_when_the_index_is_built_and_read_when_answering(
        corpus_dir, settings, fake_embeddings, monkeypatch):
    from assistant.answering import sentences
    from assistant.search.sentence_store import passage_sentences

    bot = open_bot(corpus_dir, settings, fake_embeddings)
    expected = {text for p in bot.passages for _, text in passage_sentences(p)}
    built = set(fake_embeddings.embedded)
    assert expected and expected <= built  # every sentence embedded by the build
    assert read_manifest(settings.index_dir)["sentences"]["count"] == sum(
        len(passage_sentences(p)) for p in bot.passages)

    # A new process: nothing cached. Answering reads the stored vectors, embeds no sentence.
    monkeypatch.setattr(sentences, "_VECTOR_CACHE", {})
    fake_embeddings.embedded.clear()
    again = open_bot(corpus_dir, settings, fake_embeddings)
    answer = again.ask("How many passengers did Glacier Rail carry?")
    assert not answer.abstained and answer.citations
    read = [s.text for s in again.knowledge.bank.sentences]
    assert read and not set(read) & set(fake_embeddings.embedded)


@pytest.mark.parametrize("made", ["before sentences were stored", "with another split"])
def test_an_index_with_no_current_sentences_gets_them_on_its_next_open(
        corpus_dir, settings, fake_embeddings, made):
    from assistant.ingest.passages import SENTENCE_SPLIT_REVISION
    from assistant.search.local_builds import write_atomically

    open_bot(corpus_dir, settings, fake_embeddings)
    manifest = read_manifest(settings.index_dir)
    count = manifest["sentences"]["count"]
    client, name = _sentence_store(settings)
    if made == "before sentences were stored":
        client.delete_collection(name)
        del manifest["sentences"]
    else:  # stale sentences under an older revision: all are replaced, none kept twice
        client.get_collection(name).add(ids=["stale"], documents=["A stale sentence."],
                                        embeddings=[[1.0] + [0.0] * 383])
        manifest["sentences"]["split"] = SENTENCE_SPLIT_REVISION - 1
    client.close()
    write_atomically(current_build(settings.index_dir) / "manifest.json", json.dumps(manifest))

    fake_embeddings.embedded.clear()
    bot = open_bot(corpus_dir, settings, fake_embeddings)
    assert not bot.report.changed  # no passage was embedded again, only the sentences
    assert read_manifest(settings.index_dir)["sentences"] == {
        "count": count, "split": SENTENCE_SPLIT_REVISION}
    client, name = _sentence_store(settings)
    try:
        stored = client.get_collection(name).get(include=["documents"])
    finally:
        client.close()
    assert len(stored["ids"]) == count and "stale" not in stored["ids"]
    assert len(fake_embeddings.embedded) == count


def test_a_changed_document_replaces_its_sentences_and_no_others(corpus_dir, settings,
                                                                  fake_embeddings):
    open_bot(corpus_dir, settings, fake_embeddings)
    page = corpus_dir / "beta-page.html"
    page.write_text(page.read_text().replace("48,000", "52,000"), encoding="utf-8")
    (corpus_dir / "alpha-note.md").unlink()
    bot = open_bot(corpus_dir, settings, fake_embeddings)
    client, name = _sentence_store(settings)
    try:
        stored = client.get_collection(name).get(include=["documents", "metadatas"])
    finally:
        client.close()
    assert {m["doc_id"] for m in stored["metadatas"]} == {"beta-page"}
    assert any("52,000" in t for t in stored["documents"])
    assert not any("48,000" in t for t in stored["documents"])
    assert len(stored["ids"]) == read_manifest(settings.index_dir)["sentences"]["count"]
    assert bot.report.removed == ["alpha-note"]
