"""The engine on language and on a corpus it was never tuned for: no names of the default corpus
in the package, typo repair that leaves valid words alone, follow-ups, figures read from text,
and answer forms on an invented article with no figures table and no glossary."""

import re
from dataclasses import replace

import pytest
from conftest import DATA, ROOT

from assistant import Assistant
from assistant.answering.arithmetic import portion_of
from assistant.answering.followup import resolve
from assistant.answering.verdicts import quantity_verdict
from assistant.ingest.documents import Figure
from assistant.ingest.extract import extract_figures
from assistant.ingest.passages import split_corpus
from assistant.language.aspects import aspect_of
from assistant.language.questions import analyze
from assistant.language.spelling import Speller, name_casing

# Names of the default corpus: domain knowledge belongs in corpus data, never in the package.
CORPUS_NAMES = ["AliCloud", "Alibaba", "AWS", "Amazon", "Azure", "Huawei", "ZTE", "Singles Day",
                "Han Lei", "Jack Ma", "Black Friday", "Aliyun", "Tencent",
                "transactions per second"]


def passengers_2021(reply: str) -> list[dict]:
    """A conversation so far: the 2021 passenger question and the reply given to it."""
    return [{"role": "user", "content": "How many passengers did Globex Rail carry in 2021?"},
            {"role": "assistant", "content": reply}]


def test_the_package_names_nothing_of_the_default_corpus():
    for path in sorted((ROOT / "assistant").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for name in CORPUS_NAMES:
            assert not re.search(rf"\b{re.escape(name)}\b", text, re.IGNORECASE), (path, name)


def test_typo_repair_never_touches_valid_words():
    speller = Speller({"globex", "initech"})
    kept = "short joint writer slice wide absolute throughput R&D Q3 K-12 globex"
    assert speller.correct(kept) == kept
    assert speller.correct("how many custmers and pasengers") == "how many customers and passengers"
    assert speller.correct("globx revenue") == "globex revenue"  # corpus words first
    # A misspelled name is repaired only toward a name the corpus uses.
    assert speller.correct("Globx and Initeck") == "Globex and Initech"
    assert speller.correct("Umbrella and Hooli") == "Umbrella and Hooli"
    # A lowercase name the corpus lacks is not pulled two edits onto an English word.
    assert speller.correct("when did zenvia start") == "when did zenvia start"
    assert speller.correct("recieve the goverment revnue") == "receive the government revenue"


@pytest.mark.parametrize("question, kind, operation", [
    ("How many passengers did Globex Rail carry in 2021?", "quantity", ""),
    ("How many times more revenue did Initech have than Globex?", "quantity", "ratio"),
    ("Was Initech's revenue bigger than Globex's in 2021?", "yesno", ""),
    ("In 2021, was Initech's revenue bigger than Globex's?", "yesno", ""),
    ("globex rail revenue 2021?", "quantity", ""),  # typed as a note
    ("Globex Rail's strategy?", "general", ""),
    ("Why did ridership recover?", "why", ""),
    ("What does the Northern Line plan involve?", "involve", ""),
    ("What should Globex Rail do?", "action", ""),
    ("What is Globex Rail's position against Initech?", "broad", ""),
    ("When will the line open?", "date", ""),
    ("What were Globex Rail's and Initech's revenues combined in 2021?", "quantity", "sum"),
    ("What was the average of Globex Rail's 2020 and 2021 passengers?", "quantity", "average"),
    ("Globex Rail revenue relative to Initech in 2021?", "quantity", "ratio"),
    ("What's Globex Rail's revenue as a share of Initech's?", "quantity", "share"),
    ("What was the percent change in passengers from FY2020 to FY2021?", "quantity", "growth"),
    ("How many passengers did Globex Rail carry in total?", "quantity", ""),  # one figure
    ("What would Globex Rail's 22% slice of the market be worth in euros?", "quantity",
     "portion"),
    ("How much did Globex take, given its share and the market size?", "quantity", "portion"),
    # A choice between two answers is not a yes/no question.
    ("Was Globex's revenue above or below the forecast?", "general", ""),
    # Words of the context a follow-up carries in parentheses ask for nothing.
    ("who said that? (Globex carried 48 million, versus 30 million at Initech)", "source", ""),
    ("What is Globex doing with its profits?", "general", ""),
    ("Brief me on Globex Rail's 2015 expansion plan.", "broad", ""),
    ("If revenue of EUR 3.6 billion was up 20%, what was it a year earlier?", "quantity",
     "before_growth"),
    ("Working back from the 2021 figure and its growth, how big was it in 2020?", "quantity",
     "before_growth"),
    ("brief me on where Globex stood against Initech in 2019", "broad", ""),
    # A question word after a preposition opens a clause of the thing asked about.
    ("What did Globex promise riders about who owns their data?", "general", ""),
    ("Tell me about when the line opened.", "date", ""),
])
def test_question_kinds_come_from_plain_english(question, kind, operation):
    found = analyze(question)
    assert (found.answer_type, found.operation) == (kind, operation)


def test_a_which_question_wants_a_name_it_does_not_already_give():
    from assistant.answering.evidence import type_ok
    asked = analyze("Which Nordic countries does Globex plan to enter?")
    assert type_ok(asked, "Globex plans to enter Norway and Finland next year.")
    assert not type_ok(asked, "Globex plans to enter the Nordic countries next year.")
    where = analyze("In which city is Globex based?")
    assert not type_ok(where, "Globex is based in a large city.")
    # A choice between the names given is answered by one of them.
    choice = analyze("Which grew faster, Globex or Initech?")
    assert type_ok(choice, "Globex grew faster than Initech.")


def test_follow_ups_resolve_against_the_conversation():
    past = passengers_2021("Globex Rail carried 48 million passengers in 2021.")
    assert resolve("And in 2020?", past) == "How many passengers did Globex Rail carry in 2020?"
    assert "Initech" in resolve("What about Initech?", past)
    why = resolve("why?", past)
    assert why.lower().startswith("why") and "48 million passengers" in why
    same_year = resolve("what's the difference vs Initech that same year?",
                        [{"role": "user", "content": "What was Globex Rail's revenue in 2021?"},
                         {"role": "assistant", "content": "EUR 1.2 billion in 2021."}])
    assert "in 2021" in same_year and "1.2 billion" in same_year
    ordinal = [{"role": "user", "content": "What is the first of the three steps?"},
               {"role": "assistant", "content": "The first is to cut fares."}]
    assert resolve("And the second one?", ordinal) == "What is the second of the three steps?"


def test_figures_are_read_from_sentences_with_their_period(tmp_path):
    from assistant.ingest.corpus import load_corpus

    corpus = load_corpus([DATA / "generic"])
    passages = [p for group in split_corpus(corpus, 120, 900).values() for p in group]
    figures = {(f.value, f.unit, f.period) for f in extract_figures(passages)}
    assert (48.0, "million passengers", "2021") in figures
    assert (30.0, "million passengers", "2020") in figures
    assert (1.2, "EUR billion", "2021") in figures
    assert (3.6, "EUR billion", "2021") in figures
    assert not any(v == 2026.0 for v, _, _ in figures)  # a year is not an amount


def test_each_amount_of_a_list_takes_the_period_written_after_it():
    from langchain_core.documents import Document

    from assistant.ingest.extract import extract_passage

    text = ("The segment earned RMB 3,019 million in fiscal 2016, RMB 6,663 million in fiscal "
            "2017 and RMB 13,390 million in fiscal 2018.")
    found = {(f.value, f.unit, f.period) for f in extract_passage(
        Document(page_content=text, metadata={"doc_id": "d"}, id="p"))}
    assert found == {(3019.0, "RMB million", "2016"), (6663.0, "RMB million", "2017"),
                     (13390.0, "RMB million", "2018")}


def test_a_bare_number_set_against_an_amount_takes_its_unit_and_a_deadline_is_its_own():
    from langchain_core.documents import Document

    from assistant.ingest.extract import extract_passage

    text = ("Globex works with about 200 partner firms but hopes to grow this number to 2,000 "
            "by 2018.")
    found = {(f.value, f.unit, f.period) for f in extract_passage(
        Document(page_content=text, metadata={"doc_id": "d"}, id="p"))}
    # "by 2018" is when the 2,000 is hoped for, not when the 200 was counted.
    assert found == {(200.0, "partner firms", ""), (2000.0, "partner firms", "2018")}


def test_the_period_a_change_is_measured_from_is_not_the_amounts_own():
    from langchain_core.documents import Document

    from assistant.ingest.extract import extract_passage

    def periods(text):
        return {(f.value, f.period) for f in extract_passage(
            Document(page_content=text, metadata={"doc_id": "d"}, id="p"))}

    assert periods("Spending on rail rose 46% from the final quarter of 2016.") == {(46.0, "")}
    assert periods("Globex revenue grew 20% in 2021 from 2020.") == {(20.0, "2021")}
    assert periods("Revenue from the fourth quarter of 2019 was EUR 5 billion.") == \
        {(5.0, "Q4 2019")}


def test_its_amount_belongs_to_whom_the_sentence_before_is_about():
    from langchain_core.documents import Document

    from assistant.ingest.extract import extract_passage

    text = ("Globex reported revenue of EUR 5 billion, according to Initech Research. Its "
            "profit was EUR 1 billion.")
    found = {(f.value, f.entity) for f in extract_passage(
        Document(page_content=text, metadata={"doc_id": "d"}, id="p"))}
    assert found == {(5.0, "Globex"), (1.0, "Globex")}


def test_a_name_the_document_writes_mid_sentence_is_a_name_where_it_opens_one():
    from langchain_core.documents import Document

    from assistant.ingest.extract import extract_passage, inner_names

    def doc(text):
        return Document(page_content=text, metadata={"doc_id": "d"}, id="p")

    known = inner_names([doc("Rail firms such as Amazon and Initech grew. He said: \"Despite "
                             "it all, we grew.\"")])
    assert "Amazon" in known and "Despite" not in known
    # Written in lowercase somewhere in the document: an ordinary word, not a name.
    assert "Orange" not in inner_names([doc("Firms such as Orange grew. The orange line.")])
    opening = doc("Amazon grew 30% in 2021.")
    assert {f.entity for f in extract_passage(opening, subject="Globex", known=known)} == \
        {"Amazon"}


def test_a_name_joined_by_an_ampersand_is_one_name():
    from assistant.language.words import names_in
    assert names_in("The analysts at Globex Chase & Co and Initech say R&D grew.") == \
        ["Globex Chase & Co", "Initech", "R&D"]


def test_a_name_with_a_lowercase_tail_is_its_capitalized_part():
    from assistant.language.words import names_in
    assert names_in("Have Globex's AI-linked products and Initech-based Hooli-Umbrella grown?") \
        == ["Globex", "AI", "Initech", "Hooli-Umbrella"]
    assert names_in("What Globex-to-Initech ratio?") == ["Globex-to-Initech"]


def test_last_year_in_a_report_is_the_year_before_it_and_dates_what_follows():
    from langchain_core.documents import Document

    from assistant.ingest.extract import extract_passage

    text = ("Analysts think rail could reach 15% of its sales by 2021. Its rail revenue grew "
            "by 126% last year. With a 3% share, it trails Initech's 44%.")
    found = {(f.value, f.period) for f in extract_passage(
        Document(page_content=text, metadata={"doc_id": "d", "published": "2017-09-29"},
                 id="p"))}
    assert found == {(15.0, "2021"), (126.0, "2016"), (3.0, "2016"), (44.0, "2016")}


def test_a_list_of_amounts_shares_one_measure_and_a_nameless_one_is_the_documents_subject():
    from langchain_core.documents import Document

    from assistant.ingest.extract import extract_passage, main_name

    opening = Document(page_content="Globex Rail runs trains. Globex Rail grew fast. Analysts "
                       "compared it with Initech and Umbrella.", metadata={"doc_id": "d"}, id="a")
    listing = Document(page_content="The freight segment earned EUR 3 million in 2019, EUR 5 "
                       "million in 2020 and EUR 9 million in 2021.", metadata={"doc_id": "d"},
                       id="b")
    subject = main_name([opening, listing])
    assert subject == "Globex Rail"
    found = extract_passage(listing, opening, subject)
    assert {f.metric for f in found} == {"the freight segment earned"}
    assert {f.entity for f in found} == {"Globex Rail"}  # not Umbrella, the last name before


def test_a_broad_question_names_its_aspect():
    assert "strengths" in aspect_of("What strengths does Globex Rail have?")
    assert "outlook" in aspect_of("What's the outlook for Initech?")
    assert aspect_of("Tell me about the fares") == ""


@pytest.mark.parametrize("question, names", [
    ("Summarise Globex Rail's expansion.", ["Globex Rail"]),
    ("Outline what Initech plans in Europe", ["Initech", "Europe"]),
    ("Using the FY2020 revenue of Initech, what was it in FY2019?", ["Initech"]),
])
def test_a_request_opening_with_a_verb_keeps_the_name_after_it(question, names):
    # "Summarise" opens the request; it is not part of the name it is followed by.
    assert analyze(question).names == names


@pytest.fixture(scope="module")
def generic_bot(tmp_path_factory, model):
    from conftest import CountingEmbeddings

    return Assistant.open(corpus=[str(DATA / "generic")],
                          index=tmp_path_factory.mktemp("generic") / "index",
                          embeddings=CountingEmbeddings(model))


def answer(bot, question, history=()):
    result = bot.ask(question, list(history)).to_dict()
    assert all(int(n) in {c["n"] for c in result["citations"]}
               for n in re.findall(r"\[(\d+)\]", result["answer"]))
    assert all(c["quote"] in c["text"] for c in result["citations"])
    return result


def reports_bot(tmp_path, embeddings, reports: dict[str, str]):
    """A bot over one-paragraph reports, each {published date: text}."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for day, text in reports.items():
        (corpus / f"{day}-report.md").write_text(
            f"---\ntitle: Report of {day}\nauthor: Test Writer\npublished: {day}\n---\n\n"
            f"# Report of {day}\n\n{text}\n", encoding="utf-8")
    return Assistant.open(corpus=[str(corpus)], index=tmp_path / "index", embeddings=embeddings)


def test_a_lookup_quotes_the_sentence_that_holds_the_figure(generic_bot):
    result = answer(generic_bot, "How many passengers did Globex Rail carry in 2021?")
    assert not result["abstained"] and "48 million" in result["answer"]


def test_a_ratio_is_computed_from_figures_read_in_the_text(generic_bot):
    result = answer(generic_bot, "How many times more revenue did Initech Transit have than "
                                 "Globex Rail in 2021?")
    assert result["calculation"] and result["calculation"]["result"] == 3.0
    assert "3.6" in result["answer"] and "1.2" in result["answer"]


def test_growth_between_two_years(generic_bot):
    result = answer(generic_bot, "By what percent did Globex Rail's passengers grow from 2020 "
                                 "to 2021?")
    assert result["calculation"]["result"] == 60.0


def test_a_sum_adds_two_figures_and_shows_it(generic_bot):
    result = answer(generic_bot, "What were Initech Transit's and Globex Rail's revenues "
                                 "combined in 2021?")
    assert result["calculation"]["result"] == 4.8
    assert "1.2 + 3.6" in result["answer"] or "3.6 + 1.2" in result["answer"]


def test_percent_more_and_thresholds_are_computed_and_answered(generic_bot):
    more = answer(generic_bot, "By what percentage was Initech Transit's revenue higher than "
                               "Globex Rail's in 2021?")
    assert more["calculation"]["result"] == 200.0
    rise = answer(generic_bot, "Did Globex Rail's passengers rise by more than 50% from 2020 "
                               "to 2021?")
    assert rise["answer"].startswith("Yes") and rise["calculation"]["result"] == 60.0
    share = answer(generic_bot, "Was Globex Rail's revenue more than 40% of Initech Transit's "
                                "in 2021?")
    assert share["answer"].startswith("No") and "33.3%" in share["answer"]


def test_a_threshold_asked_of_a_stated_figure_is_judged_on_that_figure(generic_bot):
    above = answer(generic_bot, "Did Globex Rail's revenue exceed more than EUR 1 billion in "
                                "2021?")
    assert above["answer"].startswith("Yes.") and "1.2" in above["answer"], above["answer"]
    below = answer(generic_bot, "Was Globex Rail's revenue over EUR 2 billion in 2021?")
    assert below["answer"].startswith("No.") and "1.2" in below["answer"], below["answer"]
    # A figure with the very value of the bound is not the answer.
    bound = answer(generic_bot, "Did Globex Rail carry more than 30 million passengers in 2021?")
    assert bound["answer"].startswith("Yes.") and "48" in bound["answer"], bound["answer"]


def test_a_bound_is_read_with_its_unit_and_is_not_a_stated_figure():
    bound = analyze("Did Globex Rail carry more than 40,000,000 passengers in 2021?")
    assert bound.bound == (True, 40_000_000.0, "") and bound.numbers == []
    assert analyze("Was Initech's revenue under EUR 5 billion?").bound == (False, 5.0, "billion")
    assert analyze("Was Initech more than 3 times bigger than Globex?").bound is None
    assert analyze("Did passengers grow over 5 years?").bound is None


def test_a_percentage_of_an_amount_is_worked_out_in_the_amounts_unit():
    share = Figure("s", "Globex", "market share", 7.8, "percent", "2020", "d", "p")
    market = Figure("m", "Rail market", "size", 135, "EUR billion", "2020", "d", "p")
    result = portion_of(share, market)
    assert result.calculation.result == 10.53 and result.figures == [share, market]
    assert "EUR 10.53 billion" in result.statements[0].text


def test_yes_no_says_yes_or_no_first(generic_bot):
    result = answer(generic_bot, "Was Initech Transit's revenue bigger than Globex Rail's in "
                                 "2021?")
    assert result["answer"].startswith("Yes")


def test_yes_no_on_a_change_compares_the_later_figure_with_the_earlier(generic_bot):
    rose = answer(generic_bot, "Did Globex Rail's passengers rise between 2020 and 2021?")
    assert rose["answer"].startswith("Yes"), rose["answer"]
    fell = answer(generic_bot, "Did the number of Globex Rail passengers fall from 2020 to 2021?")
    assert fell["answer"].startswith("No"), fell["answer"]
    behind = answer(generic_bot, "Did Globex Rail trail Initech Transit on revenue in 2021?")
    assert behind["answer"].startswith("Yes"), behind["answer"]


def test_a_figure_asked_at_two_times_is_shown_with_the_change_between_them(generic_bot):
    result = answer(generic_bot, "How many passengers did Globex Rail carry in 2020 and in 2021?")
    assert "30" in result["answer"] and "48" in result["answer"]
    assert result["calculation"]["result"] == 60.0  # (48 - 30) / 30, in percent


def test_involve_answers_with_the_text_under_the_heading(generic_bot):
    result = answer(generic_bot, "What does the Northern Line plan involve?")
    assert "120 kilometres" in result["answer"]
    assert not result["answer"].strip().startswith("The Northern Line plan.")


def test_reasons_and_actions_quote_the_sentences_that_give_them(generic_bot):
    assert "travel restrictions" in answer(generic_bot, "Why did ridership recover?")["answer"]
    assert "signalling" in answer(generic_bot, "What should Globex Rail do?")["answer"]


def test_a_bare_why_follows_up_on_the_previous_answer(generic_bot):
    past = passengers_2021("Globex Rail carried 48 million passengers in "
                           "2021, up from 30 million in 2020. [1]")
    assert "travel restrictions" in answer(generic_bot, "why?", past)["answer"]


def test_out_of_scope_questions_abstain_without_figures(generic_bot):
    for question in ("What is the capital of Peru?", "Who won the 1998 football world cup?"):
        result = answer(generic_bot, question)
        assert result["abstained"] and not re.search(r"\d", result["answer"].split("(")[0])


def test_a_documents_author_is_a_name_the_sources_know(generic_bot):
    # "Test Writer" is in a byline only: asking after the author's view is not asking about an
    # unknown topic (the answer may still abstain, but never for not knowing the name).
    result = answer(generic_bot, "What does Test Writer say about the new line?")
    assert "Test Writer" not in result["answer"].partition("never mention")[2]


def test_a_figure_of_a_measure_the_sources_lack_abstains(generic_bot):
    # The firm is covered, with figures, but none of them (nor any sentence) counts staff.
    result = answer(generic_bot, "How many employees does Globex Rail have?")
    assert result["abstained"], result["answer"]


def test_the_chain_is_a_langchain_runnable(generic_bot):
    from langchain_core.runnables import Runnable

    assert isinstance(generic_bot.chain, Runnable)
    docs = generic_bot.as_retriever().invoke("Northern Line track")
    assert docs and "Northern Line" in docs[0].page_content
    result = generic_bot.as_runnable().invoke({"question": "When will the line open?"})
    assert "2026" in result.answer


def test_glossary_terms_find_passages_that_use_another_name(tmp_path, model):
    from conftest import CountingEmbeddings

    folder = tmp_path / "corpus"
    folder.mkdir()
    text = (DATA / "generic" / "globex-rail.md").read_text(encoding="utf-8")
    (folder / "globex-rail.md").write_text(text, encoding="utf-8")
    (folder / "glossary.yaml").write_text("terms:\n  Globex Rail: [GR]\n", encoding="utf-8")
    bot = Assistant.open(corpus=[str(folder)], index=tmp_path / "index",
                         embeddings=CountingEmbeddings(model))
    assert "GR" in bot.glossary.variants("Globex Rail")
    result = answer(bot, "How many passengers did GR carry in 2021?")
    assert "48 million" in result["answer"]


def test_project_has_no_question_text_of_the_evaluation_sets_in_the_package():
    package = " ".join(p.read_text(encoding="utf-8").lower()
                       for p in (ROOT / "assistant").rglob("*.py"))
    for qa in sorted((ROOT / "eval" / "qa").glob("*.jsonl")):
        import json

        for line in qa.read_text(encoding="utf-8").splitlines():
            if line.strip():
                question = json.loads(line)["question"].lower().strip()
                assert len(question) < 25 or question not in package, question


def test_an_opening_english_word_is_not_a_name_unless_it_owns_something():
    assert analyze("Instead of Globex, which rail firm should riders use?").names == ["Globex"]
    assert "Oracle" in analyze("Oracle's revenue in 2021?").names


def test_a_name_derived_from_a_corpus_word_is_known():
    from assistant.answering.evidence import EvidenceScorer

    vocabulary = {"china", "germany", "japan", "globex"}
    scorer = EvidenceScorer(None, lambda t: 1.0 if t in vocabulary else None)
    for name in ("Chinese", "German", "Japanese", "Globex"):
        assert scorer._known_name(name), name
    for name in ("Oracle", "Salesforce", "Japanesque"):
        assert not scorer._known_name(name), name


def test_names_typed_in_lowercase_are_restored_to_the_corpus_spelling():
    texts = ["Riders chose Globex over rivals. Fares at Globex rose, and the IBM deal closed.",
             "Trains on the Northern Line ran late, and the Northern Line app came from IBM."]
    casing = name_casing(texts)
    assert casing["globex"] == "Globex" and casing["ibm"] == "IBM"
    assert "northern" not in casing  # an English word seen only inside a longer name
    speller = Speller({"globex", "ibm", "fares"}, casing=casing)
    assert speller.correct("did globex's fares beat ibm") == "did Globex's fares beat IBM"


def test_a_run_of_names_is_split_into_the_names_the_corpus_writes(generic_bot):
    split = generic_bot.knowledge.split_names
    assert split(["Globex Rail Initech Transit"]) == ["Globex Rail", "Initech Transit"]
    assert split(["Globex Umbrella"]) == ["Globex Umbrella"]  # not every part is a known name
    assert split(["Globex Rail"]) == ["Globex Rail"]


def test_a_lowercase_question_finds_its_names(generic_bot):
    result = answer(generic_bot, "how many passengers did globex rail carry in 2021")
    assert not result["abstained"] and "48 million" in result["answer"]


@pytest.mark.parametrize("question, sentence, verdict", [
    ("In 2020, did Globex earn more than Initech?", "Initech earned more than Globex in 2020.",
     "No."),
    ("Was Globex bigger than Initech?", "Globex was larger than Initech in 2020.", "Yes."),
    ("Was Globex smaller than Initech?", "Globex was larger than Initech in 2020.", "No."),
    ("Was Globex bigger than Initech?", "Globex was not larger than Initech.", "No."),
    ("Is Globex profitable?", "Globex was larger than Initech in 2020.", ""),
])
def test_a_compared_pair_in_the_best_sentence_settles_a_yes_no_question(question, sentence,
                                                                          verdict):
    from assistant.answering.verdicts import sentence_verdict

    assert sentence_verdict(question, sentence) == verdict


def test_more_than_doubled_is_a_ratio_judged_against_two():
    assert analyze("Did Globex Rail's passengers more than double from 2020 to 2021?"
                   ).operation == "ratio"
    assert analyze("Is it true that Globex more than doubled its fleet?").operation == "ratio"


def test_a_pronoun_and_a_new_period_ask_the_last_question_again_for_that_period():
    past = passengers_2021("48 million.")
    assert resolve("what was it in 2020 then?", past) == \
        "How many passengers did Globex Rail carry in 2020?"


def test_how_does_that_compare_carries_the_figure_it_points_at():
    past = [{"role": "user", "content": "What was Globex Rail's revenue in 2021?"},
            {"role": "assistant", "content": "EUR 1.2 billion in 2021."}]
    resolved = resolve("How does that compare with Initech Transit?", past)
    assert "1.2 billion" in resolved and "Initech Transit" in resolved


def test_a_follow_up_for_another_year_may_quote_the_sentence_already_quoted(generic_bot):
    past = passengers_2021("Globex Rail carried 48 million passengers in "
                           "2021, up from 30 million in the year before. [1]")
    assert "30 million" in answer(generic_bot, "and in 2020?", past)["answer"]


def test_a_name_written_as_initials_or_spelled_out_is_the_corpus_name(generic_bot):
    variants = generic_bot.knowledge.variants
    assert "globex rail" in variants("GR")
    result = answer(generic_bot, "How many passengers did GR carry in 2021?")
    assert not result["abstained"] and "48 million" in result["answer"]


def test_a_figure_for_a_period_the_sources_give_no_such_figure_for_abstains(generic_bot):
    # Revenue is given for 2021 only; 2020 is named, but for passengers.
    result = answer(generic_bot, "How much revenue did Globex Rail make in 2020?")
    assert result["abstained"] and "period" in result["answer"], result["answer"]
    assert not answer(generic_bot, "How much revenue did Globex Rail make in 2021?")["abstained"]


def test_a_briefing_carries_figures_about_its_subject(generic_bot):
    from assistant.answering.text_forms import _with_figures
    from assistant.answering.turn import Turn

    question = "Brief me on Globex Rail's competitive position."
    turn = Turn(question, question, analyze(question), None)
    generic_bot.answering.retrieve(turn)
    plain = [e for e in turn.evidence if not re.search(r"\d", e.text)][:4]
    points = _with_figures(turn, generic_bot.knowledge, plain)
    assert len(points) <= 5
    assert sum(1 for e in points if re.search(r"\d+(?:\.\d+)? (?:million|billion)", e.text)) >= 2


def test_the_latest_figure_comes_from_the_newest_report(tmp_path, embeddings):
    # The older report matches the question's words better; the newer one is the answer.
    bot = reports_bot(tmp_path, embeddings, {
        "2021-03": "Globex Rail carried 30 million passengers in 2020, its annual passenger "
                   "report said.",
        "2024-03": "Globex Rail carried 52 million passengers in 2023."})
    result = answer(bot, "What is the latest passenger figure for Globex Rail?")
    assert "52 million" in result["answer"].split("[1]")[0], result["answer"]


def test_who_said_so_may_quote_the_sentence_already_quoted(generic_bot):
    past = passengers_2021("Globex Rail carried 48 million passengers in "
                           "2021, up from 30 million in 2020. [1]")
    result = answer(generic_bot, "who reported that?", past)
    assert "annual report" in result["answer"], result["answer"]


def test_a_comparison_with_one_year_named_is_with_the_year_asked_before():
    past = passengers_2021("48 million.")
    resolved = resolve("How many more did they carry compared with 2020?", past)
    assert "2020" in resolved and "2021" in resolved, resolved
    moved = [{"role": "user", "content": "How many times more revenue did Initech have than "
                                         "Globex in 2021?"}, {"role": "assistant", "content": "3."}]
    assert resolve("and in 2020?", moved) == \
        "How many times more revenue did Initech have than Globex in 2020?"


@pytest.mark.parametrize("question, names", [
    ("Per Initech, how many times Globex's revenue did Umbrella earn?", ["Globex", "Umbrella"]),
    ("Was Globex bigger than Umbrella in 2021 according to Initech?", ["Globex", "Umbrella"]),
    ("How fast did Globex grow in 2021, by Initech's count?", ["Globex"]),
    ("How much did Globex earn per Initech share?", ["Globex", "Initech"]),
    ("In Initech's ranking for 2017, was Umbrella still ahead of Globex?", ["Umbrella", "Globex"]),
    ("What share did Globex have in the Initech figures published in 2019?", ["Globex"]),
    ("What did Globex say in its 2020 report?", ["Globex"]),
])
def test_a_name_given_as_the_source_is_not_a_thing_asked_about(question, names):
    assert analyze(question).names == names


@pytest.mark.parametrize("question, sentence, verdict", [
    ("Is the line due to open within six months?", "The line is due to open within 12 months.",
     "No."),
    ("Did Globex take 18% of the market?", "Globex took 18% of the market in 2021.", "Yes."),
    ("Did Globex take more than 10% of the market?", "Globex took 18% of the market.", ""),
    ("Is the line due to open within six months?", "The line opens next year.", ""),
])
def test_an_amount_stated_in_a_yes_no_question_is_checked_against_the_sentence(
        question, sentence, verdict):
    assert quantity_verdict(analyze(question), sentence) == verdict


def test_an_undated_sentence_speaks_of_its_reports_year(tmp_path, embeddings):
    # "The quarter ended 30 September" in a report published in 2025 is 2025's quarter.
    bot = reports_bot(tmp_path, embeddings, {
        "2025-11-20": "Globex Rail carried 12 million passengers in the quarter ended 30 "
                      "September, up 8% on a year before.",
        "2025-11-21": "Initech's revenue for the quarter ending in September was 388 million "
                      "yuan ($63 million), up 12% from a year earlier."})
    result = answer(bot, "How many passengers did Globex Rail carry in the September 2025 "
                         "quarter?")
    assert not result["abstained"] and "12 million" in result["answer"], result["answer"]
    # The amount in the currency asked, against the number asked: 63 million dollars.
    result = answer(bot, "Was Initech's revenue for the quarter ending September 2025 above "
                         "$100 million?")
    assert result["answer"].startswith("No."), result["answer"]


def test_a_yes_no_is_settled_only_by_a_sentence_that_says_what_is_asked(tmp_path, embeddings):
    bot = reports_bot(tmp_path, embeddings, {
        "2025-03-01": "Globex Rail published its annual report on passenger numbers today. "
                      "Globex Rail opened a new depot in Leeds last year."})
    unsaid = answer(bot, "Did Globex Rail lose market share to coach operators?")
    assert not unsaid["answer"].startswith(("Yes", "No")), unsaid["answer"]
    said = answer(bot, "Did Globex Rail open a new depot?")
    assert said["answer"].startswith("Yes."), said["answer"]


def test_values_are_written_as_people_read_them():
    from assistant.answering.arithmetic import value_text
    share = Figure(id="f", entity="Globex", metric="market share", value=18.0, unit="percent",
                   period="2021", source="s", locator="", note="")
    assert value_text(share) == "18%"
    assert value_text(replace(share, unit="percentage points", value=2.5)) == \
        "2.5 percentage points"
    assert value_text(replace(share, unit="USD billion", value=1.2)) == "USD 1.2 billion"


def test_a_share_of_a_whole_is_never_one_rate_over_another(tmp_path, embeddings):
    # 8.8 / 16 would be a share of a growth rate: the figures hold no part and whole.
    bot = reports_bot(tmp_path, embeddings, {
        "2022-02-01": "Initech took 8.8% in 2021, ranking third. Ruritania's rail business "
                      "grew 16% in 2021."})
    asked = analyze("What share of Ruritania's rail market did Initech have in 2021?")
    ids = [p.id for p in bot.passages]
    assert bot.figures.compute(asked, embeddings.embed_query(asked.text), bot.knowledge.idf,
                               ids) is None


def test_one_figure_against_two_others_combined(tmp_path, embeddings):
    bot = reports_bot(tmp_path, embeddings, {
        "2022-02-01": "Canalys said Globex held 46.4% of the rail market in 2021. Initech had "
                      "18% of the rail market in 2021 and Hooli had 8.8% of the rail market "
                      "in 2021."})
    larger = answer(bot, "In 2021, was Globex's share of the rail market larger than "
                         "Initech's and Hooli's combined?")
    assert larger["answer"].startswith("Yes.") and "18 + 8.8 = 26.8%" in larger["answer"], \
        larger["answer"]
    assert larger["calculation"]["result"] == 1.73
    double = answer(bot, "Was Globex's 2021 share of the rail market more than double "
                         "Initech's and Hooli's put together?")
    assert double["answer"].startswith("No."), double["answer"]
    about = answer(bot, "Was Globex's 2021 share of the rail market about 1.7 times Initech's "
                        "and Hooli's combined?")
    assert about["answer"].startswith("Yes."), about["answer"]
    smaller = answer(bot, "Was Globex's 2021 rail market share smaller than Initech's and "
                          "Hooli's combined?")
    assert smaller["answer"].startswith("No."), smaller["answer"]


def test_a_report_early_in_a_year_speaks_of_the_year_before(tmp_path, embeddings):
    # "The fourth quarter" in a February report is the last year's, though no year is written.
    bot = reports_bot(tmp_path, embeddings, {
        "2018-02-01": "Globex Cloud's figures for the fourth quarter are out. Initech had "
                      "figures of a 98% increase for its platform, though it gave no amount."})
    result = answer(bot, "How much did Initech's platform grow in the fourth quarter of 2017?")
    assert not result["abstained"] and "98%" in result["answer"], result["answer"]


def test_a_figure_read_from_an_article_quotes_its_own_sentence():
    from langchain_core.documents import Document

    from assistant.answering.answer import figure_citation
    sentence = "Its model costs only 1/18 of the rival's price."
    passage = Document(page_content=f"A new model. {sentence}", id="d:1",
                       metadata={"kind": "text", "para_start": 1, "para_end": 1})
    fig = Figure("x-1", "Globex", "price", 0.056, "ratio", "", "d", "para 1", note=sentence,
                 table="extracted")
    assert figure_citation(fig, {"d": [passage]}, {}) == (passage, sentence)


def test_a_follow_up_on_a_quarter_or_the_whole_year_moves_the_period():
    year = [{"role": "user", "content": "How fast did Globex Rail's ridership grow in 2021?"},
            {"role": "assistant", "content": "It grew 45 percent."}]
    assert resolve("what about the fourth quarter alone?", year) == \
        "How fast did Globex Rail's ridership grow in 2021, in Q4?"
    quarter = [{"role": "user", "content": "What was Initech's share of the market in Q4 2019?"},
               {"role": "assistant", "content": "46.4%."}]
    assert resolve("and for the full year?", quarter) == \
        "What was Initech's share of the market in 2019?"


def test_a_name_that_qualifies_the_measure_is_not_whose_amount_it_is():
    from assistant.ingest.extract import _entity
    sentence = "Globex held second place with IaaS revenue of US$12.7 billion."
    assert _entity(sentence, sentence.find("12.7"), {"Globex"}) == "Globex"
    sentence = "Initech Cloud revenue rose 34% to RMB 39.8 billion."
    assert _entity(sentence, sentence.find("34"), set()) == "Initech Cloud"


def test_initials_find_a_report_that_spells_the_name_out(tmp_path, embeddings):
    # One report writes "GRS", another "Globex Rail Services": both are the same name, and
    # "second-quarter" is the second quarter.
    bot = reports_bot(tmp_path, embeddings, {
        "2015-07-15": "Globex Rail Services' second-quarter sales came to $1.8 billion, up 12% "
                      "from a year earlier, the company reported.",
        "2021-03-15": "GRS carried 30 million passengers in 2020, its annual report said."})
    result = answer(bot, "How much did GRS report in sales for the second quarter of 2015?")
    assert not result["abstained"] and "1.8 billion" in result["answer"], result["answer"]


def test_an_acronym_the_text_spells_out_in_lowercase_is_known(tmp_path, embeddings):
    bot = reports_bot(tmp_path, embeddings, {
        "2021-11-20": "Globex Rail grew its revenue in the third quarter. Earnings before "
                      "interest, taxes, and amortization jumped 35% to EUR 3.6 billion."})
    result = answer(bot, "What was Globex Rail's EBITA in the third quarter of 2021?")
    assert not result["abstained"] and "3.6 billion" in result["answer"], result["answer"]
    assert "earnings before interest taxes and amortization" in result["resolved_question"]


def test_acronyms_are_read_from_runs_of_words_with_and_or_of_between():
    from assistant.language.spelling import acronyms_in

    found = acronyms_in(["Earnings before interest, taxes, and amortization rose.",
                         "Trains ran at 80 kilometres per hour.", "The gross rail takings fell."])
    assert found["ebita"] == "earnings before interest taxes and amortization"
    # Two or three initials line up by chance: those runs must be seen twice.
    assert "kph" not in found and "grt" not in found
    assert acronyms_in(["It ran at 80 kilometres per hour, then 90 kilometres per hour."])[
        "kph"] == "kilometres per hour"


def test_a_run_of_names_is_a_figures_when_each_word_is_in_it():
    from assistant.answering.figure_index import FigureIndex
    from assistant.ingest.documents import Figure as Row
    from assistant.ingest.glossary import Glossary

    row = Row(id="f1", entity="US retailers", metric="Black Friday revenue", value=4.47,
              unit="USD billion", period="2015", source="s", locator="l")
    index = FigureIndex([row], lambda texts: [[0.0] for _ in texts], Glossary().variants, {},
                        lambda p, prev: [], lambda p: None)
    assert index.mentions(0, "US Black Friday") == 0.75
    assert index.mentions(0, "EU Black Friday") == 0.0


def test_a_pronoun_points_at_the_name_the_previous_question_asked_about():
    past = [{"role": "user", "content": "What share of Velo's rail market did Globex Rail have "
                                        "in 2021?"}, {"role": "assistant", "content": "34%."}]
    # The question before comes along as context: the lead in which market, and when.
    assert resolve("so how big was its lead over the number two?", past) == \
        "so how big was Globex Rail's lead over the number two (What share of Velo's rail " \
        "market did Globex Rail have in 2021)?"


@pytest.mark.parametrize("before, question, resolved", [
    # A short follow-up that names nothing asks about what the question before did.
    ("How fast did Globex and Initech grow in 2021?", "which one grew faster?",
     "which one grew faster (How fast did Globex and Initech grow in 2021)?"),
    # "It" after the same name: what the question before asked about.
    ("What did Globex announce in March 2021?", "who at Globex commented on it?",
     "who at Globex commented on it (What did Globex announce in March 2021)?"),
    # A subject of its own, or a name the question before did not ask about, stands alone.
    ("How fast did Globex and Initech grow in 2021?", "What did Hooli earn in 2020?",
     "What did Hooli earn in 2020?"),
    ("What did Globex announce in March 2021?", "who at Initech talked about it?",
     "who at Initech talked about it?"),
])
def test_a_follow_up_short_of_a_subject_takes_the_question_before_as_context(
        before, question, resolved):
    past = [{"role": "user", "content": before}, {"role": "assistant", "content": "An answer."}]
    assert resolve(question, past) == resolved


def test_an_amount_before_a_stated_growth_is_worked_back(tmp_path, embeddings):
    bot = reports_bot(tmp_path, embeddings, {
        "2022-03-10": "Initech Transit's revenue grew 20% to EUR 3.6 billion in 2021, the "
                      "company said."})
    result = answer(bot, "Working back from Initech Transit's 2021 revenue and its growth, what "
                         "was its revenue in 2020?")
    assert "EUR 3 billion" in result["answer"] and result["calculation"], result["answer"]


def test_a_stopword_with_a_clitic_is_still_a_stopword():
    from assistant.language.words import tokenize
    assert tokenize("What's a good recipe? It's Globex's revenue.") == \
        ["good", "recipe", "globex", "revenue"]


@pytest.mark.parametrize("question, kind", [
    ("How many paying customers did Globex have in 2020?", "count"),
    ("What was Globex's revenue in 2020?", "money"),
    ("How much cash did Globex put into the rail line?", "money"),
    ("What was Globex's market share in 2021?", "percent"),
    ("What was the largest single price reduction Globex made?", ""),
    ("What was Globex's share price at the end of 2021?", ""),
    ("How much did Globex's revenue grow in 2021?", ""),
    ("What exact share of the rail market did the survey give Globex?", "percent"),
    ("What sort of spending can a firm skip by joining Globex?", ""),
])
def test_a_lookup_says_what_kind_of_amount_it_wants(question, kind):
    assert analyze(question).amount_kind == kind


@pytest.mark.parametrize("sentence, kinds", [
    ("Revenue rose 62% to RMB 40 billion on 12 March 2020.", {"percent", "money"}),
    ("It had 2.3 million customers in 2019.", {"count"}),
    ("Its sales exceeded the next four rivals combined.", {"count"}),
    ("It is one of the largest operators since 2015.", set()),
])
def test_the_kinds_of_amount_a_sentence_states(sentence, kinds):
    from assistant.ingest.extract import amount_kinds
    assert amount_kinds(sentence) == kinds


def test_a_briefing_on_a_named_year_draws_on_reports_of_that_time(tmp_path, embeddings):
    bot = reports_bot(tmp_path, embeddings, {
        "2019-06-01": "Globex Rail led the regional market with a 40% share of passengers. "
                      "Its closest rival, Initech Transit, held 25% and was growing faster. "
                      "Globex Rail planned two new lines to defend its position.",
        "2024-06-01": "Globex Rail now runs the largest electric fleet in the region. "
                      "Its market position weakened after Initech Transit opened a coastal "
                      "line. Globex Rail is cutting fares to win riders back."})
    result = answer(bot, "Brief me on Globex Rail's market position in 2019.")
    assert not result["abstained"], result["answer"]
    assert {c["published"][:4] for c in result["citations"]} == {"2019"}, result["answer"]


def test_a_name_after_a_number_is_a_table_cell_not_a_unit():
    from langchain_core.documents import Document

    from assistant.ingest.extract import extract_passage
    row = Document(page_content="Share by quarter: Initech 16.6 Globex 8.8 Other clouds 19.9.",
                   id="d:1", metadata={"doc_id": "d", "locator": "para 1"})
    assert extract_passage(row) == []


def test_growth_is_of_one_thing_between_two_periods():
    from assistant.answering.arithmetic import calculate
    tencent = Figure("a", "Initech", "share", 16.6, "percent", "", "d", "para 1")
    baidu = Figure("b", "Globex", "share", 8.8, "percent", "", "d", "para 1")
    assert calculate("growth", [tencent, baidu]) is None
    before = Figure("c", "Globex", "share", 7.2, "percent", "2020", "d", "para 1")
    after = Figure("d", "Globex Rail", "share", 8.8, "percent", "2021", "d", "para 1")
    assert calculate("growth", [before, after]).calculation.result == pytest.approx(22.2, 0.01)


@pytest.mark.parametrize("question, kind", [
    ("How many times bigger was Globex's revenue in 2023 than in 2021?", "money"),
    ("Compare the revenue growth of Globex and Initech in 2021.", "change"),
    ("By how many percentage points did Globex's share of the rail market fall from 2020 to "
     "2021?", "percent"),
    ("How many more passengers did Globex carry than Initech in 2021?", "count"),
])
def test_arithmetic_says_what_kind_of_amounts_it_works_on(question, kind):
    assert analyze(question).operand_kind == kind



def test_a_hyphenated_word_is_read_as_its_parts():
    from assistant.language.words import tokenize
    assert tokenize("its trips-per-day capacity") == tokenize("its trips per day capacity")
    assert "commerce" in tokenize("e-commerce") and "r&d" in tokenize("R&D spending")
    # Two parts are read joined too: "spinoff" finds "spin-off".
    assert set(tokenize("the spinoff")) <= set(tokenize("the spin-off"))


def test_a_multiple_written_as_a_word_is_a_ratio_to_judge():
    from assistant.answering.arithmetic import calculate
    from assistant.answering.verdicts import comparison_verdict
    question = analyze("Was Globex's share more than ten times Initech's in 2017?")
    assert question.operation == "ratio"
    globex = Figure("a", "Globex", "share", 44.2, "percent", "2017", "d", "para 1")
    initech = Figure("b", "Initech", "share", 3.0, "percent", "2017", "d", "para 1")
    assert comparison_verdict(question, calculate("ratio", [globex, initech])) == "Yes."
    fewer = analyze("Was Globex's share more than 20 times Initech's in 2017?")
    assert comparison_verdict(fewer, calculate("ratio", [globex, initech])) != "Yes."


@pytest.mark.parametrize("question, verdict", [
    ("Was Globex's share nearly 15 times Initech's in 2017?", "Yes."),
    ("Was Globex's share roughly ten times Initech's in 2017?", "No."),
    ("Was Globex's share about 14 times Initech's in 2017?", "Yes."),
])
def test_a_rough_multiple_is_judged_within_a_tenth(question, verdict):
    from assistant.answering.arithmetic import calculate
    from assistant.answering.verdicts import comparison_verdict
    globex = Figure("a", "Globex", "share", 44.2, "percent", "2017", "d", "para 1")
    initech = Figure("b", "Initech", "share", 3.0, "percent", "2017", "d", "para 1")
    result = calculate("ratio", [globex, initech])
    assert comparison_verdict(analyze(question), result) == verdict


def test_a_quarter_named_beside_an_amount_is_its_period():
    from assistant.ingest.extract import _period
    sentence = ("Globex's rail unit grew revenue 34% year on year to RMB 39.8 billion in the "
                "quarter ended 30 September 2025, its report of 25 November 2025 said.")
    assert _period(sentence, sentence.find("39.8")) == "quarter ended 30 September 2025"
    sentence = "Revenue was 5 billion yen in 2025 Q3 and in the second quarter of 2024 it was 4."
    assert _period(sentence, sentence.find("5 b")) == "Q3 2025"
    assert _period(sentence, sentence.find("4.")) == "Q2 2024"


def test_a_year_on_year_growth_does_not_speak_of_another_quarter(tmp_path, embeddings):
    # Up 34% "year on year" in the September quarter speaks of the September quarter a year
    # before, not of the June quarter; a date in a heading dates the report, not the figure.
    bot = reports_bot(tmp_path, embeddings, {
        "2025-11-25": "Globex's rail unit grew revenue 34% year on year to RMB 39.8 billion in "
                      "the quarter ended 30 September 2025.",
        "2015-07-15": "Initech Transit's second-quarter sales came to $1.8 billion, up 12% from "
                      "a year earlier, the company reported."})
    result = answer(bot, "How much revenue did Globex's rail unit generate in the June 2025 "
                         "quarter?")
    assert result["abstained"], result["answer"]
    result = answer(bot, "How much revenue did Globex's rail unit generate in the quarter "
                         "ended September 2025?")
    assert not result["abstained"] and "39.8" in result["answer"], result["answer"]
    result = answer(bot, "How much did Initech Transit report in sales for the second quarter "
                         "of 2015?")
    assert not result["abstained"] and "1.8 billion" in result["answer"], result["answer"]


def test_the_company_is_the_firm_a_report_is_on_not_the_last_name_before():
    from langchain_core.documents import Document

    from assistant.ingest.extract import extract_passage
    passage = Document(page_content="Globex launched its Initech Turbo app last week. The company "
                                    "reported revenue of 247.8 billion yuan for the quarter.",
                       metadata={"doc_id": "d", "id": "d-1", "source": "d"})
    figures = extract_passage(passage, None, "Globex")
    assert [(f.entity, f.value) for f in figures] == [("Globex", 247.8)]


@pytest.mark.parametrize("sentence, amount, owner", [
    ("However, with a 3% share, compared to Globex's 44.2%, it trails Initech Rail.", "3%", ""),
    ("However, with a 3% share, compared to Globex's 44.2%, it trails Initech Rail.", "44.2",
     "Globex"),
    ("Up 12% in 2020, Globex Rail carried more riders.", "12", "Globex Rail"),
    # Nor is a name it beats, tops or misses.
    ("Overall revenue of $247.8 billion beat Initech projections.", "247.8", ""),
    ("Globex revenue of $5 billion topped Initech forecasts.", "5 b", "Globex"),
])
def test_a_name_an_amount_is_set_against_is_not_its_owner(sentence, amount, owner):
    from assistant.ingest.extract import _entity
    assert _entity(sentence, sentence.find(amount), set()) == owner


def test_an_undated_amount_is_of_the_last_quarter_before_its_report(tmp_path, embeddings):
    # A report of 25 November that gives revenue without a period speaks of the quarter to
    # September, not of the June quarter.
    bot = reports_bot(tmp_path, embeddings, {
        "2025-11-25": "Globex's rail revenue reached RMB 39.8 billion, beating forecasts."})
    result = answer(bot, "How much revenue did Globex's rail unit make in the June 2025 quarter?")
    assert result["abstained"], result["answer"]
    result = answer(bot, "How much revenue did Globex's rail unit make in the September 2025 "
                         "quarter?")
    assert not result["abstained"] and "39.8" in result["answer"], result["answer"]


def test_a_who_question_needs_a_sentence_that_says_what_it_asks(tmp_path, embeddings):
    # Both sentences name Globex Rail and other people or firms; only one says who founded it.
    from assistant.answering.turn import Turn
    bot = reports_bot(tmp_path, embeddings, {
        "2024-03-01": "Globex Rail was founded by Ann Lee in 1990. Globex Rail works with "
                      "Initech Transit and Hooli Freight on two lines."})

    def fact_found(question):
        turn = Turn(question, question, analyze(question), None)
        return bot.answering.judge(bot.answering.retrieve(turn)).signals["fact_found"]

    assert fact_found("Who founded Globex Rail?") == 1.0
    assert fact_found("Who is the chief executive of Globex Rail?") == 0.0
    assert fact_found("How many lines does Globex Rail run?") == 1.0  # not a who question


@pytest.mark.parametrize("words, asked, fits", [
    ("up 34% year on year", "Q3 2024", True),
    ("up 34% year on year", "Q2 2025", False),
    ("up 5% sequentially", "Q2 2025", True),
    ("two quarters earlier it was 3%", "Q1 2025", True),
    ("revenue rose", "Q3 2024", False),
])
def test_a_relative_period_steps_back_from_the_one_stated(words, asked, fits):
    from assistant.answering.answerers import _relative_fits
    from assistant.language.periods import periods_in
    stated = periods_in("the quarter ended 30 September 2025")
    assert _relative_fits(words, stated, periods_in(asked)) == fits


def test_growth_compared_is_of_rates_not_of_amounts(tmp_path, embeddings):
    # Initech is ten times larger, Globex grew faster: "grew faster" is settled by the rates.
    bot = reports_bot(tmp_path, embeddings, {
        "2021-11-20": "Globex's rail revenue rose 40% year on year to $2 billion in the "
                      "quarter ended 30 September 2021. Initech's rail revenue rose 9% year on "
                      "year to $20 billion in the same quarter."})
    for question in ("Did Globex's rail business grow faster than Initech's in the September "
                     "2021 quarter?", "Did Globex grow more quickly than Initech in 2021?"):
        assert analyze(question).operand_kind == "change"
        result = answer(bot, question)
        assert result["answer"].startswith("Yes."), result["answer"]
        assert "40%" in result["answer"] and "9%" in result["answer"], result["answer"]
    assert analyze("Was Globex's revenue bigger than Initech's in 2021?").operand_kind == ""
    assert analyze("How much did Globex's revenue grow from 2020 to 2021?").operand_kind == \
        "money"


@pytest.mark.parametrize("published, sentence, period", [
    ("2020-11-06", "Globex's rail revenue was $2.2 billion in the three months ending "
                   "September.", "September quarter of 2020"),
    ("2021-02-02", "Globex's rail revenue was $2.2 billion in the December quarter.",
     "December quarter of 2020"),  # a month after the report's: the year before
    ("2020-11-06", "Globex posted a 60% rise, its fastest since the December quarter of 2019.",
     ""),  # the period a change is measured since is not the amount's
    ("2025-11-25", "Revenue at Globex increased 5% compared to the same period last year.", ""),
    ("2024-03-28", "In 2023, Globex's rail market grew by 16% overall.", "2023"),
])
def test_a_period_is_read_as_its_report_dates_it(published, sentence, period):
    from langchain_core.documents import Document

    from assistant.ingest.extract import extract_passage
    passage = Document(page_content=sentence, metadata={"doc_id": "d", "id": "d-1",
                                                        "source": "d", "published": published})
    [figure] = extract_passage(passage, None, "Globex")
    assert figure.period == period


def test_list_items_are_sentences_of_their_own():
    from assistant.ingest.passages import split_sentences
    text = ("Highlights\n\n- Globex revenue grew 34% to $3 billion\n- Initech beat forecasts\n"
            "* Hooli opened two depots\n1. Umbrella cut prices\n\nThe rest follows. It ends.")
    assert split_sentences(text) == [
        "Highlights", "Globex revenue grew 34% to $3 billion", "Initech beat forecasts",
        "Hooli opened two depots", "Umbrella cut prices", "The rest follows.", "It ends."]
    assert all(s in text for s in split_sentences(text))


def test_a_figure_is_about_a_name_its_initials_stand_for(tmp_path, embeddings):
    # "GRS" asked, "Globex Rail Services" written: the 2020 figure, not another year's "GRS".
    bot = reports_bot(tmp_path, embeddings, {
        "2018-02-05": "GRS revenue was $5.1 billion in the fourth quarter of 2017, ahead of "
                      "Initech's.",
        "2021-02-01": "Globex Rail Services brought in revenue of $11.6 billion in 2020. "
                      "Initech's revenue was $2 billion in 2020."})
    result = answer(bot, "How many times bigger was GRS's revenue than Initech's in 2020?")
    assert "11.6" in result["answer"] and "5.8" in result["answer"], result["answer"]


def test_a_table_of_shares_in_an_article_gives_a_figure_per_cell(tmp_path, embeddings):
    # A table flattened to text lines (as a news page's HTML table often is): a header of
    # quarters, one row per firm. Columns adding up to 100 are shares, in percent.
    from langchain_core.documents import Document

    from assistant.ingest.tables import table_figures
    table = ("Rail market shares moved again.\n"
             "  Q4 '20 Q1 '21 Q2 '21\n"
             "Globex Rail 40.3 39.8 33.8\n"
             "Initech 17.4 19.7 19.3\n"
             "Umbrella 14.6 13.7 18.8\n"
             "Others 27.7 26.8 28.1")
    passage = Document(page_content=table, id="d-1",
                       metadata={"doc_id": "d", "published": "2021-12-09", "kind": "text"})
    cells = {(f.entity, f.period): (f.value, f.unit, f.note) for f in table_figures(passage)}
    assert cells[("Initech", "Q2 2021")] == (19.3, "percent", "Initech 17.4 19.7 19.3")
    assert len(cells) == 12
    # What the cells are of: the line above the header, or the text before a table that opens
    # its passage.
    assert all("moved again" in f.context for f in table_figures(passage))
    opening = Document(page_content=table.split("\n", 1)[1], id="d-3", metadata={"doc_id": "d"})
    assert all("moved again" in f.context for f in table_figures(opening, table.split("\n")[0]))
    # Numbers that are not shares and carry no unit are left as text.
    assert table_figures(Document(page_content=table.replace("Others 27.7", "Others 90.7"),
                                  id="d-2", metadata={"doc_id": "d"})) == []

    bot = reports_bot(tmp_path, embeddings, {
        "2021-12-09": "Globex Rail led the rail market in 2021.\n\n" + table})
    result = answer(bot, "Was Umbrella ahead of Initech in the rail market in Q2 2021?")
    assert result["answer"].startswith("No."), result["answer"]
    assert "19.3" in result["answer"] and "18.8" in result["answer"], result["answer"]
    result = answer(bot, "What was Initech's share of the rail market in Q1 2021?")
    assert "19.7" in result["answer"], result["answer"]


def test_an_html_table_is_read_row_by_row(tmp_path):
    from assistant.ingest.articles import load_document
    page = tmp_path / "page.html"
    page.write_text("<html><body><p>Shares of the rail market.</p><table>"
                    "<tr><th>Firm</th><th>2020</th><th>2021</th></tr>"
                    "<tr><td>Globex</td><td>60%</td><td>55%</td></tr>"
                    "<tr><td>Initech</td><td>40%</td><td>45%</td></tr></table></body></html>",
                    encoding="utf-8")
    texts = [b.text for b in load_document(page).blocks]
    assert "Firm 2020 2021\nGlobex 60% 55%\nInitech 40% 45%" in texts


def test_the_base_of_a_change_keeps_its_own_period_and_lends_it_to_no_other():
    from assistant.ingest.extract import _period
    sentence = "In 2023, Globex's rail market grew by 16% overall, up from 10% in 2022."
    grew, base = sentence.find("16%"), sentence.find("10%")
    assert _period(sentence, grew, grew + 3) == "2023"
    assert _period(sentence, base, base + 3) == "2022"


def test_percentages_compared_over_time_change_by_points():
    from assistant.answering.arithmetic import growth_between
    a = Figure("a", "Globex", "share", 10.0, "percent", "2022", "d", "para 1")
    b = Figure("b", "Globex", "share", 16.0, "percent", "2023", "d", "para 1")
    calc = growth_between(a, b).calculation
    assert "= 6 percentage points (a relative change of 60%)" in calc.text


def test_a_quarter_of_the_calendar_year_and_a_factor_asked_are_read():
    from assistant.ingest.extract import _period
    sentence = "Globex's revenue was $553 million for the fourth quarter of the 2017 calendar year."
    assert _period(sentence, sentence.find("553"), sentence.find("553") + 12) == "Q4 2017"
    assert analyze("By what factor did Globex multiply its depots by 2018?").operation == \
        "ratio"


@pytest.mark.parametrize("text, change", [
    ("revenue grew 34% to $3 billion", True), ("a 60% year-on-year rise", True),
    ("up 8% in the quarter", True), ("up from the final quarter of 2016", True),
    ("sales doubled", True), ("a 19% share of the market", False),
    ("channel partners made up 25% of the market", False),
])
def test_words_that_say_an_amount_is_a_change(text, change):
    from assistant.language.words import CHANGE
    assert bool(CHANGE.search(text)) == change


def test_a_yes_no_question_that_sets_a_scene_is_settled_by_the_sentence_on_its_claim(
        tmp_path, embeddings):
    bot = reports_bot(tmp_path, embeddings, {
        "2021-03-10": "Globex Rail unveiled its rider data pact on Monday. The pact covers "
                      "tickets and travel history. However, it failed to explain how it would "
                      "answer data requests from regulators."})
    result = answer(bot, "When Globex Rail unveiled its rider data pact in 2021, did it explain "
                         "how it would answer data requests from regulators?")
    assert result["answer"].startswith("No."), result["answer"]
    assert "failed to explain" in result["answer"]


def test_one_measure_over_time_is_paired_across_reports_worded_differently(
        tmp_path, embeddings):
    bot = reports_bot(tmp_path, embeddings, {
        "2018-02-05": "Revenue from rail was EUR 553 million for the fourth quarter of 2017, "
                      "Globex said in its financial results.",
        "2018-08-10": "Globex Group's rail revenue has climbed 93 percent in its first quarter "
                      "ended June 30, to hit EUR 710 million."})
    result = answer(bot, "By how much did Globex's quarterly rail revenue rise from the fourth "
                         "quarter of 2017 to the quarter ended June 2018, in euros?")
    assert result["calculation"] and "710 − 553 = EUR 157 million" in result["answer"], \
        result["answer"]


def test_a_change_the_source_states_as_an_amount_is_quoted_not_recomputed(tmp_path, embeddings):
    bot = reports_bot(tmp_path, embeddings, {
        "2017-08-17": "For the quarter ended June 30, Globex Rail said it saw an increase of "
                      "137,000 paying riders, pushing its rider base to 1.01 million.",
        "2017-08-18": "Globex Rail has crossed 1 million paying riders for the first time in "
                      "its latest quarter."})
    result = answer(bot, "By how many fee-paying riders did the rail unit's rider base expand "
                         "in the three months to the end of June 2017?")
    assert "137,000" in result["answer"] and not result["calculation"], result["answer"]


def test_an_opening_word_the_corpus_writes_as_a_name_is_a_name(tmp_path, embeddings):
    from assistant.answering.turn import Turn

    # "Umbrella" is an English word too; this corpus only ever writes it as a name.
    bot = reports_bot(tmp_path, embeddings, {
        "2020-11-06": "In 2020 revenue at Globex Rail grew 60%. Revenue at Umbrella grew 48% "
                      "in 2020. Analysts said Umbrella and Globex Rail both gained riders."})
    _, resolved, _ = bot.reader.prepare("umbrella revenue growth vs Globex Rail in 2020?", [])
    turn = bot.answering.retrieve(Turn(resolved, resolved, analyze(resolved), None))
    assert turn.analysis.names[:2] == ["Umbrella", "Globex Rail"]
    # An opening word the corpus writes in lowercase stays an ordinary word.
    _, resolved, _ = bot.reader.prepare("Revenue growth at Globex Rail in 2020?", [])
    turn = bot.answering.retrieve(Turn(resolved, resolved, analyze(resolved), None))
    assert turn.analysis.names == ["Globex Rail"]


def test_amounts_written_in_two_scales_are_computed_in_one():
    from assistant.answering.arithmetic import calculate
    from assistant.ingest.documents import Figure as Row

    def row(value, unit, period):
        return Row(id=period, entity="Globex", metric="revenue", value=value, unit=unit,
                   period=period, source="s", locator="", note="", table="extracted",
                   as_of="2021-05")

    result = calculate("ratio", [row(40.02, "EUR billion", "2020"),
                                 row(13390, "EUR million", "2018")])
    assert result.calculation.expression == "40020 / 13390"
    assert "EUR 40,020 million (as written: EUR 40.02 billion)" in result.statements[1].text
    # Another currency is still no amount to compare with.
    assert calculate("ratio", [row(40.02, "EUR billion", "2020"),
                               row(13390, "USD million", "2018")]) is None
