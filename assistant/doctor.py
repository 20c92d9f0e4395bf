"""`python -m assistant doctor`: check corpus, index, model and settings; say how to fix each."""

from __future__ import annotations

from dataclasses import dataclass

from .config import Settings
from .errors import AssistantError


@dataclass
class Check:
    """One finding: what was checked, whether it is fine, and the command that fixes it."""

    ok: bool
    what: str
    fix: str = ""


def run_checks(settings: Settings) -> list[Check]:
    """Every check, in order; none of them changes anything."""
    checks: list[Check] = []
    corpus = _check_corpus(settings, checks)
    _check_index(settings, corpus, checks)
    _check_model(settings, checks)
    _check_llm(settings, checks)
    return checks


def _check_corpus(settings: Settings, checks: list[Check]):
    from .ingest.corpus import load_corpus

    try:
        corpus = load_corpus(list(settings.corpus), settings.max_file_bytes)
    except AssistantError as exc:
        checks.append(Check(False, f"corpus: {exc}", "pass an existing folder with --corpus"))
        return None
    checks.append(Check(bool(corpus.documents or corpus.figures),
                        f"corpus: {len(corpus.documents)} documents, {len(corpus.figures)} "
                        f"figures in {', '.join(settings.corpus)}",
                        "add articles or a figures CSV to the corpus folder"))
    for problem in corpus.problems:
        checks.append(Check(False, f"corpus file: {problem}",
                            "fix or remove the file, then `python -m assistant index`"))
    _check_figures(corpus, settings, checks)
    return corpus


def _check_figures(corpus, settings: Settings, checks: list[Check]) -> None:
    """Each figures row against the paragraph it cites, when that document is in the corpus:
    a value the paragraph does not state is a drift between the table and the article."""
    from .answering.answer import mentions_value, source_passage
    from .ingest.passages import split_corpus, split_sentences

    groups = split_corpus(corpus, settings.chunk_min_chars, settings.chunk_max_chars)
    indexed = {d.doc_id for d in corpus.documents}
    drifted = 0
    for fig in corpus.figures:
        if fig.source not in indexed:
            continue  # cites a source outside this corpus: nothing to compare with
        passage = source_passage(fig, groups)
        where = f"{fig.table} row {fig.row} ({fig.entity} {fig.metric} {fig.period})"
        if passage is None:
            drifted += 1
            checks.append(Check(False, f"figures: {where} cites {fig.source} {fig.locator}, "
                                       "which does not exist", "correct the row's locator"))
        elif not any(mentions_value(s, fig) or _in_words(s, fig)
                     for s in split_sentences(passage.page_content)):
            drifted += 1
            checks.append(Check(False, f"figures: {where} gives {fig.value:g} {fig.unit}, which "
                                       f"{fig.source} {fig.locator} does not state",
                                f"correct the value or the locator in {fig.table}"))
    if corpus.figures and not drifted:
        checks.append(Check(True, "figures: every row's value is stated where it points"))


def _check_index(settings: Settings, corpus, checks: list[Check]) -> None:
    from .ingest.passages import split_corpus
    from .search.builds import passage_count
    from .search.integrity import check_integrity, probe_build
    from .search.local_builds import current_build, read_manifest
    from .search.manifest import check_compatible, plan_update

    if settings.chroma_url:
        checks.append(Check(True, f"index: Chroma server at {settings.chroma_url} (not probed)"))
        return
    build_cmd = "python -m assistant index"
    try:
        manifest = read_manifest(settings.index_dir)
        if manifest is None:
            checks.append(Check(False, f"index: none in {settings.index_dir}", build_cmd))
            return
        check_compatible(manifest, settings)
        expected = passage_count(manifest)
        probe_build(current_build(settings.index_dir), settings, expected)
        check_integrity(current_build(settings.index_dir), expected)  # on every run
    except AssistantError as exc:
        checks.append(Check(False, f"index: {exc}", f"{build_cmd} --rebuild"))
        return
    checks.append(Check(True, f"index: {expected} passages, model {manifest['model']}, "
                              f"chromadb {manifest['chromadb']}"))
    if corpus is not None:
        groups = split_corpus(corpus, settings.chunk_min_chars, settings.chunk_max_chars)
        hashes = corpus.hashes()
        plan = plan_update(groups, hashes, manifest)
        checks.append(Check(not plan.changed, "index: up to date with the corpus" if not
                            plan.changed else f"index: stale ({plan.summary()} pending)",
                            build_cmd))


def _check_model(settings: Settings, checks: list[Check]) -> None:
    from pathlib import Path

    from .search.embeddings import model_path

    try:
        path = model_path(settings.embedding_model)
    except AssistantError as exc:
        checks.append(Check(False, f"embedding model: {exc}", "make install"))
        return
    found = Path(path).exists()
    checks.append(Check(found, f"embedding model: {settings.embedding_model} at {path}",
                        "make install, or set ASSISTANT_EMBEDDING_MODEL to a local model"))


def _check_llm(settings: Settings, checks: list[Check]) -> None:
    from .answering.generate import make_chat_model

    try:
        chat = make_chat_model(settings)
    except AssistantError as exc:
        checks.append(Check(False, f"language model: {exc}", "fix or unset ASSISTANT_LLM"))
        return
    checks.append(Check(True, "language model: none (extractive answers)" if chat is None
                        else f"language model: {settings.llm}"))


_WORDS = {word: n for n, words in enumerate(
    ["zero", "one first", "two second", "three third", "four fourth", "five fifth",
     "six sixth", "seven seventh", "eight eighth", "nine ninth", "ten tenth",
     "eleven eleventh", "twelve twelfth"]) for word in words.split()}
_SHARES = {"half": 50.0, "a third": 33.3, "one third": 33.3, "two thirds": 66.7,
           "a quarter": 25.0, "three quarters": 75.0}


def _in_words(sentence: str, fig) -> bool:
    """A value a sentence writes in words ("four data centres", "the ninth quarter", "two
    thirds"), or without its sign ("a loss of 356 million" for -356)."""
    import re

    low = sentence.lower()
    value = abs(fig.value)
    if fig.value < 0 and re.search(rf"\b{value:g}\b", low.replace(",", "")):
        return True
    words = {n for w, n in _WORDS.items() if re.search(rf"\b{w}\b", low)}
    if value in words:
        return True
    return fig.unit.strip().lower() in {"percent", "%"} and any(
        abs(share - value) < 0.1 and phrase in low for phrase, share in _SHARES.items())


def format_checks(checks: list[Check]) -> str:
    """One line per check; problems say which command fixes them."""
    lines = []
    for check in checks:
        mark = "ok     " if check.ok else "PROBLEM"
        line = f"{mark} {check.what}"
        if not check.ok and check.fix:
            line += f"\n        fix: {check.fix}"
        lines.append(line)
    return "\n".join(lines)
