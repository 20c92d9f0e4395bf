"""Evaluate answers against a question set: correctness, evidence, abstention, integrity, latency.

Matching is normalized: case, whitespace, quote characters and thousands separators are ignored.
"""

from __future__ import annotations

import json
import re
import statistics
from pathlib import Path

from ..answering.verify import CITATION, backed_values, numbers_in, supported
from ..errors import AssistantError
from ..language.periods import year_of

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def normalize(text: str) -> str:
    """Lowercase, unify quotes and dashes, drop thousands separators, collapse whitespace."""
    text = text.translate(_QUOTES).lower()
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    return " ".join(text.split())


def load_questions(path: str | Path) -> list[dict]:
    """Read a JSON-lines question set; a bad line is an error naming the line."""
    items = []
    source = Path(path)
    if not source.exists():
        raise AssistantError(f"Question file {source} does not exist.")
    for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise AssistantError(f"{source} line {number}: not valid JSON ({exc.msg}).") from None
        if not isinstance(item, dict) or not isinstance(item.get("question"), str):
            raise AssistantError(f"{source} line {number}: needs a \"question\" string.")
        items.append(item)
    return items


def check_answer(item: dict, answer: dict) -> dict:
    """Score one answer object against one question-set item."""
    text = normalize(answer["answer"])
    cited = [normalize(c["text"]) for c in answer["citations"]]
    should_abstain = bool(item.get("should_abstain"))
    facts = item.get("expect_facts") or []
    evidence = item.get("expect_evidence") or []
    markers = {int(n) for n in CITATION.findall(answer["answer"])}
    numbers = {c["n"] for c in answer["citations"]}
    result = {
        "id": item.get("id"), "type": item.get("type", "unknown"),
        "should_abstain": should_abstain, "abstained": answer["abstained"],
        "facts_ok": not answer["abstained"] and all(
            any(normalize(alt) in text for alt in group) for group in facts),
        "evidence_ok": not evidence or any(normalize(s) in t for s in evidence for t in cited),
        "dangling": len(markers - numbers),
        "bad_quotes": sum(1 for c in answer["citations"] if c["quote"] not in c["text"]),
        "unverified": _unverified_numbers(answer),
        "latency_ms": answer["timing_ms"].get("total", 0.0),
        "answer": answer["answer"],
    }
    # Correct as the headline counts it: the expected facts (evidence is reported apart).
    result["correct"] = result["abstained"] if should_abstain else result["facts_ok"]
    return result


def _unverified_numbers(answer: dict) -> int:
    if answer["abstained"]:
        # An abstention states no figure at all.
        # Titles of nearby sources (quoted, or in parentheses) are not figures.
        return len(numbers_in(re.sub(r"\(.*?\)|“[^”]*”", "", answer["answer"])))
    allowed: set[float] = set()
    for c in answer["citations"]:
        cited = f"{c['text']} {c.get('published', '')} {c.get('title', '')}"
        allowed |= {v for _, vs in numbers_in(cited) for v in vs}
    allowed |= backed_values(answer["figures"], answer.get("calculation"))
    return sum(1 for _, values in numbers_in(answer["answer"]) if not supported(values, allowed))


def summarize(results: list[dict]) -> dict:
    """Metrics over per-question results, overall and by question type."""
    answerable = [r for r in results if not r["should_abstain"]]
    unanswerable = [r for r in results if r["should_abstain"]]
    latencies = sorted(r["latency_ms"] for r in results) or [0.0]

    def ratio(part, whole):
        return round(len(part) / len(whole), 3) if whole else None

    metrics = {
        "questions": len(results),
        "answerable_correct": ratio([r for r in answerable if r["facts_ok"]], answerable),
        "evidence_cited": ratio([r for r in answerable if r["evidence_ok"]
                                 and not r["abstained"]], answerable),
        "abstention_recall": ratio([r for r in unanswerable if r["abstained"]], unanswerable),
        "false_abstention": ratio([r for r in answerable if r["abstained"]], answerable),
        "dangling_citations": sum(r["dangling"] for r in results),
        "bad_quotes": sum(r["bad_quotes"] for r in results),
        "unverified_numbers": sum(r["unverified"] for r in results),
        "latency_p50_ms": round(statistics.median(latencies), 1),
        "latency_p95_ms": round(latencies[min(len(latencies) - 1,
                                              int(0.95 * len(latencies)))], 1),
    }
    by_type = {}
    for kind in sorted({r["type"] for r in results}):
        subset = [r for r in results if r["type"] == kind]
        by_type[kind] = {"n": len(subset), "correct": ratio([r for r in subset if r["correct"]],
                                                            subset)}
    metrics["by_type"] = by_type
    return metrics


def run_eval(bot, items: list[dict], since: int | None = None) -> dict:
    """Ask every question and score the answers, with the plain baseline beside them: the top
    passage of the same hybrid retrieval, shown as the answer (it never abstains)."""
    results = []
    bot.embeddings.embed_query("warm up")  # latency is measured warm; loading the model is not
    for item in items:
        answer = bot.ask(item["question"], item.get("history") or [], id=item.get("id"),
                         since=since)
        result = check_answer(item, answer.to_dict())
        result["answerable"] = answer.signals.get("answerable")
        result["form"] = answer.signals.get("form", "")
        top = [h for h in bot.retriever.hits(item["question"])
               if not since or year_of(h.document.metadata.get("published")) >= since][:1]
        baseline = normalize(top[0].document.page_content) if top else ""
        facts = item.get("expect_facts") or []
        result["baseline_correct"] = (not result["should_abstain"] and bool(top) and all(
            any(normalize(alt) in baseline for alt in group) for group in facts))
        results.append(result)
    metrics = summarize(results)
    metrics["baseline"] = summarize_baseline(results)
    metrics["abstention_curve"] = abstention_curve(results)
    return {"metrics": metrics, "results": results}


def summarize_baseline(results: list[dict]) -> dict:
    """The top-passage baseline's figures: facts found in it; it never abstains."""
    answerable = [r for r in results if not r["should_abstain"]]
    by_type = {}
    for kind in sorted({r["type"] for r in results}):
        subset = [r for r in results if r["type"] == kind]
        by_type[kind] = round(sum(r["baseline_correct"] for r in subset) / len(subset), 3)
    return {"answerable_correct": round(sum(r["baseline_correct"] for r in answerable)
                                        / len(answerable), 3) if answerable else None,
            "abstention_recall": 0.0, "by_type": by_type}


def abstention_curve(results: list[dict]) -> list[dict]:
    """Abstention precision and recall if the answerable-probability threshold were t."""
    scored = [r for r in results if r.get("answerable") is not None]
    curve = []
    for t in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        would = [r for r in scored if r["answerable"] < t]
        should = [r for r in scored if r["should_abstain"]]
        hit = [r for r in would if r["should_abstain"]]
        curve.append({"threshold": t,
                      "precision": round(len(hit) / len(would), 3) if would else None,
                      "recall": round(len(hit) / len(should), 3) if should else None})
    return curve


def merge_reports(reports: dict[str, dict]) -> dict:
    """One report over several corpora: per-corpus metrics and the pooled ones."""
    pooled = [r for rep in reports.values() for r in rep["results"]]
    metrics = summarize(pooled)
    metrics["baseline"] = summarize_baseline(pooled)
    metrics["abstention_curve"] = abstention_curve(pooled)
    return {"metrics": metrics, "corpora": {k: v["metrics"] for k, v in reports.items()},
            "results": pooled}


def format_report(report: dict) -> str:
    """A readable table of metrics and the questions that failed."""
    m = report["metrics"]
    lines = ["metric                 value", "---------------------  -----"]
    for key in ("questions", "answerable_correct", "evidence_cited", "abstention_recall",
                "false_abstention", "dangling_citations", "bad_quotes", "unverified_numbers",
                "latency_p50_ms", "latency_p95_ms"):
        lines.append(f"{key:<22} {m[key]}")
    base = m.get("baseline")
    if base:
        lines.append(f"{'baseline_correct':<22} {base['answerable_correct']}  (top passage as "
                     "the answer; never abstains)")
    lines.append("")
    lines.append("type           n   correct  baseline")
    for kind, row in m["by_type"].items():
        b = base["by_type"].get(kind, "") if base else ""
        lines.append(f"{kind:<14} {row['n']:<3} {row['correct']!s:<8} {b}")
    if m.get("abstention_curve"):
        lines.append("")
        lines.append("abstain if answerable < t:  " + "  ".join(
            f"t={c['threshold']}: P={c['precision']} R={c['recall']}"
            for c in m["abstention_curve"][1:8:2]))
    for name, cm in (report.get("corpora") or {}).items():
        lines.append("")
        lines.append(f"[{name}] n={cm['questions']} correct={cm['answerable_correct']} "
                     f"wrongly_abstained={cm['false_abstention']} "
                     f"caught={cm['abstention_recall']} "
                     f"baseline={cm['baseline']['answerable_correct']} "
                     f"dangling={cm['dangling_citations']} unverified={cm['unverified_numbers']}")
    failed = [r for r in report["results"] if not r["correct"]]
    if failed and not report.get("hide_failures"):
        lines.append("")
        lines.append("failed:")
        for r in failed:
            why = "abstained" if r["abstained"] else ("answered" if r["should_abstain"] else
                  "facts missing" if not r["facts_ok"] else "evidence not cited")
            lines.append(f"  {r['id']}: {why}: {r['answer'][:120]!r}")
    return "\n".join(lines)


def load_suites(path: str | Path) -> dict[str, dict]:
    """The evaluation suites: corpus paths and question files per split, relative to the
    suite file's project root (its parent's parent)."""
    source = Path(path)
    if not source.exists():
        raise AssistantError(f"Suite file {source} does not exist.")
    root = source.resolve().parent.parent
    data = json.loads(source.read_text(encoding="utf-8"))
    suites = {}
    for name, suite in data["suites"].items():
        corpus = [root / c for c in suite["corpus"]]
        if not all(c.exists() for c in corpus):
            continue  # e.g. ../shared is absent: that suite cannot run here
        suites[name] = {"corpus": [str(c) for c in corpus],
                        **{split: [root / f for f in suite.get(split, []) if (root / f).exists()]
                           for split in ("tune", "test")}}
    return suites


def run_suites(suites: dict[str, dict], split: str, open_bot, since: int | None = None
               ) -> dict:
    """Evaluate each corpus on its split and pool the results; `open_bot(name, corpus)`."""
    reports = {}
    for name, suite in suites.items():
        items = [dict(item, corpus=name) for f in suite[split] for item in load_questions(f)]
        if items:
            reports[name] = run_eval(open_bot(name, suite["corpus"]), items, since=since)
    if not reports:
        raise AssistantError(f"No question files for the {split!r} split were found.")
    return merge_reports(reports)
