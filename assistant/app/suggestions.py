"""What to ask next, and what the sources cover near a question they do not answer.

Built from what the index holds, read from an open assistant: its figures over time
(`timeline`), its figures table (`corpus.figures`), its documents (`corpus.documents`,
`passages_by_doc`) and its search (`retriever`, `embeddings`). A suggested question is kept
only when the assistant answers it, so every suggestion can be asked with one click.
"""

from __future__ import annotations

import html
import logging
import time

from ..language.words import possessive

log = logging.getLogger(__name__)

MAX_SUGGESTIONS = 5
FOLLOW_UPS = 3
BUDGET_S = 0.8  # trying candidate questions stops here: suggestions must not hold up the page


def candidates(bot, answer: dict) -> list[str]:
    """Questions the index suggests after this answer: the same measure over time or in its
    newest period, the entity's other figures (from the same sources first), then more of
    the quoted document."""
    out: list[str] = []
    figures = answer.get("figures") or []
    asked = " ".join((answer.get("question", ""), answer.get("resolved_question", ""))).lower()
    for f in figures[:2]:
        out += _measure_questions(bot, f["entity"], f["metric"], asked)
    if figures:
        sources = {f.get("source") for f in figures} | {c.get("doc_id") for c in
                                                        answer.get("citations", [])}
        out += _entity_questions(bot, figures[0]["entity"], {f["metric"] for f in figures},
                                 sources)
    for c in answer.get("citations", [])[:2]:
        out += _document_questions(bot, c)
    if answer.get("abstained"):  # what the sources cover nearby, asked about
        docs, figs = nearby(bot, answer.get("resolved_question") or answer.get("question", ""))
        out += [f"What figures do the sources give for {possessive(f['entity'])} {f['metric']}?"
                for f in figs]
        out += [f"Summarize “{d['title']}”" for d in docs]
    seen = {answer.get("question", "").lower(), answer.get("resolved_question", "").lower()}
    return [q for q in dict.fromkeys(out) if q.lower() not in seen]


def _measure_questions(bot, entity: str, metric: str, asked: str) -> list[str]:
    for m in getattr(bot.timeline, "measures", []):
        if (m.entity.lower(), m.metric.lower()) != (entity.lower(), metric.lower()):
            continue
        out = []
        if len(m.spans()) >= 3 and "time" not in asked:
            out.append(f"How has {possessive(m.entity)} {m.metric} changed over time?")
        if "latest" not in asked:
            out.append(f"What is {possessive(m.entity)} latest {m.metric}?")
        return out
    return []


def _entity_questions(bot, entity: str, known: set[str], sources: set[str]) -> list[str]:
    mine = [f for f in bot.corpus.figures
            if f.entity.lower() == entity.lower() and f.metric not in known]
    mine.sort(key=lambda f: f.source not in sources)  # the same sources first
    metrics = list(dict.fromkeys(f.metric for f in mine))[:2]
    return [f"What figures do the sources give for {possessive(entity)} {metric}?"
            for metric in metrics]


def _document_questions(bot, citation: dict) -> list[str]:
    """The quoted document's next sections, asked about by name; and its gist."""
    passages = sorted(bot.passages_by_doc.get(citation.get("doc_id", ""), []),
                      key=lambda p: p.metadata.get("position", 0))
    here = citation.get("section", "")
    sections = [p.metadata.get("section", "") for p in passages
                if p.metadata.get("kind") == "text"]
    later = sections[sections.index(here) + 1:] if here in sections else sections
    out = [f"What do the sources say about “{name.strip(' .:').lstrip('0123456789. ')}”?"
           for name in dict.fromkeys(s for s in later if s and s != here)][:2]
    title = citation.get("title", "")
    if title:
        out.append(f"Summarize “{title}”")
    return out


def follow_ups(bot, answer: dict | None, limit: int = FOLLOW_UPS) -> list[str]:
    """Up to `limit` suggested questions that the assistant answers from the sources."""
    if not answer:
        return []
    kept, start = [], time.perf_counter()
    try:
        questions = candidates(bot, answer)
    except Exception:  # anything with `ask` can be served; it just gets no suggestions
        log.debug("no suggestions", exc_info=True)
        return []
    for question in questions:
        if len(kept) >= limit or time.perf_counter() - start > BUDGET_S:
            break
        try:
            if not bot.ask(question).abstained:
                kept.append(question)
        except Exception:  # a suggestion that fails to answer is simply not suggested
            log.debug("suggestion %r failed", question, exc_info=True)
    return kept


def nearby(bot, question: str, limit: int = 3) -> tuple[list[dict], list[dict]]:
    """The documents and figures closest to a question the sources do not answer."""
    query = bot.glossary.expand(question)
    hits = bot.retriever.hits(query, bot.embeddings.embed_query(query), k=12,
                              candidates=24)
    documents = {d.doc_id: d for d in bot.corpus.documents}
    figures = {f.id: f for f in bot.corpus.figures}
    docs, figs = {}, {}
    for hit in hits:
        meta = hit.document.metadata
        if meta.get("figure_id") in figures and len(figs) < limit:
            f = figures[meta["figure_id"]]
            figs.setdefault((f.entity, f.metric), {"entity": f.entity, "metric": f.metric})
        doc = documents.get(meta.get("doc_id", ""))
        if doc and len(docs) < limit:
            docs.setdefault(doc.doc_id, {"title": doc.title, "published": doc.published,
                                         "section": meta.get("section", "")})
    return list(docs.values()), list(figs.values())


def nearby_html(bot, answer: dict) -> str:
    """What the sources cover near an unanswered question, for the Sources panel."""
    try:
        docs, figs = nearby(bot, answer.get("resolved_question") or answer.get("question", ""))
    except Exception:  # the note is a courtesy; the abstention stands without it
        log.debug("nearby coverage failed", exc_info=True)
        return ""
    if not docs and not figs:
        return ""
    items = [f"<li>“{html.escape(d['title'])}”" + (f", {html.escape(d['published'])}"
                                                   if d["published"] else "")
             + (f" (section “{html.escape(d['section'])}”)"
                if d["section"] and d["section"] != d["title"] else "") + "</li>"
             for d in docs]
    items += [f"<li>Figures: {html.escape(f['metric'])} of {html.escape(f['entity'])}</li>"
              for f in figs]
    return ("<div class='nearby'><b>What the sources do cover nearby:</b><ul>"
            + "".join(items) + "</ul></div>")
