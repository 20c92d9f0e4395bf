"""What a corpus offers the answer forms: its passages by document, every sentence embedded, the
evidence scorer and its calibrated thresholds, the figures engine and figures over time."""

from __future__ import annotations

import re
from datetime import date
from functools import cached_property, partial

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from ..config import Settings
from ..errors import AssistantError
from ..ingest.corpus import Corpus
from ..ingest.extract import extract_passage, inner_names, main_name
from ..ingest.glossary import Glossary
from ..ingest.tables import table_figures
from ..language.periods import parse_date, period_year
from ..language.spelling import CORPUS_SAMPLE, name_casing
from ..language.words import names_in
from ..search.retrieve import Hit
from .answer import source_passage
from .evidence import EvidenceScorer
from .figures import FigureFinder
from .sentences import SentenceBank, calibration
from .timeline import Timeline


class Knowledge:
    """The corpus as the answer forms see it; built once per open index."""

    def __init__(self, settings: Settings, corpus: Corpus, groups: dict[str, list[Document]],
                 embeddings: Embeddings, idf, glossary: Glossary, stored_sentences=None):
        self.settings = settings
        self.corpus = corpus
        self.passages_by_doc = groups
        self.passages = [p for group in groups.values() for p in group]
        self.figure_rows = {p.metadata["figure_id"]: p for p in self.passages
                            if p.metadata.get("kind") == "figure"}
        self.glossary = glossary
        self.idf = idf
        texts = [p for p in self.passages if p.metadata.get("kind") == "text"]
        # Each document's main name and the names it writes, found on first need.
        self._subjects: dict[str, tuple[str, frozenset[str]]] = {}
        self._variants: dict[str, list[str]] = {}
        self.bank = SentenceBank(texts, embeddings, stored_sentences)
        self.scorer = EvidenceScorer(self.bank, idf, self.variants,
                                     {d.author for d in corpus.documents})
        fitted = calibration()
        self.threshold = fitted["threshold"]
        # The cells of tables written in the articles: figures as structured as curated rows.
        tables = [f for p in texts if "\n" in p.page_content
                  for f in table_figures(p, getattr(previous_passage(groups, p), "page_content",
                                                    ""))]
        self.figures = FigureFinder(corpus.figures, self.bank.vectors, self.variants,
                                    {p.id: p for p in texts}, self._extract,
                                    partial(previous_passage, groups), tables)
        self.figure_periods = {period_year(f.period) for f in corpus.figures if f.period}
        published = {d.doc_id: d.published for d in corpus.documents}
        self.timeline = Timeline([*corpus.figures, *tables], glossary.variants, published)
        self.today = today(settings)

    def _extract(self, passage: Document, previous: Document | None) -> list:
        """The amounts a passage states; one with no name of its own is its document's."""
        doc_id = passage.metadata.get("doc_id", "")
        if doc_id not in self._subjects:
            texts = [p for p in self.passages_by_doc.get(doc_id, [])
                     if p.metadata.get("kind") == "text"]
            self._subjects[doc_id] = (main_name(texts), frozenset(inner_names(texts)))
        subject, known = self._subjects[doc_id]
        return extract_passage(passage, previous, subject, known)

    @cached_property
    def name_phrases(self) -> set[str]:
        """Every name the corpus writes (lowercase): in its text (a bounded sample, read on the
        first question that needs it), its figures and its glossary."""
        texts = [p for p in self.passages if p.metadata.get("kind") == "text"][:CORPUS_SAMPLE]
        phrases = {n.lower() for p in texts for n in names_in(p.page_content)}
        phrases |= {f.entity.lower() for f in self.corpus.figures if f.entity}
        return phrases | {t.lower() for group in self.glossary.groups for t in group}

    @cached_property
    def name_casing(self) -> dict[str, str]:
        """How the corpus writes the names it always capitalizes inside its sentences, by their
        lowercase form (a bounded sample, read on first need; the speller uses it too)."""
        texts = [p.page_content for p in self.passages if p.metadata.get("kind") == "text"]
        return name_casing(texts[:CORPUS_SAMPLE])

    @cached_property
    def cased_names(self) -> set[str]:
        """Those names ("Umbrella"), even the ones that are English words too."""
        return set(self.name_casing.values())

    @cached_property
    def _by_initials(self) -> dict[str, str]:
        """The corpus's names of several words, by their initials ("gr" -> "globex rail")."""
        found = {}
        for phrase in sorted(self.name_phrases):
            words = phrase.split()
            if len(words) > 1:
                found.setdefault("".join(w[0] for w in words), phrase)
        return found

    def variants(self, name: str) -> list[str]:
        """The name's other names: the glossary's, and the corpus's own short or long form of
        it ("Globex Rail Services" where the corpus says "GRS", or the other way round). Read
        once per name: the figures engine asks it of every candidate figure."""
        if name not in self._variants:
            self._variants[name] = self._find_variants(name)
        return self._variants[name]

    def _find_variants(self, name: str) -> list[str]:
        names = list(self.glossary.variants(name))
        words = name.split()
        if len(words) > 1 and all(w[:1].isupper() for w in words):
            initials = "".join(w[0] for w in words).lower()
            if initials in self.name_phrases:
                names.append(initials.upper())
        elif re.fullmatch(r"[A-Z]{2,5}", name):  # "GRS" where a report says it in full
            phrase = self._by_initials.get(name.lower())
            if phrase:
                names.append(phrase)
        return names

    def names_asked(self, text: str, names: list[str]) -> list[str]:
        """A question's names as the corpus writes them: an opening word that is English too
        is one when the corpus only writes it as a name ("Umbrella growth in 2020?"), and a
        run of names is split where the corpus writes its parts (split_names)."""
        opening = re.match(r"\W*([A-Z][\w&\-]*)\b(?!['’])", text)
        if opening and opening.group(1) in self.cased_names and opening.group(1) not in names:
            names = [opening.group(1), *names]
        return self.split_names(names)

    def split_names(self, names: list[str]) -> list[str]:
        """A run of capitalized words the corpus never writes as one name, split into names it
        does write ("Globex Initech Rail" -> "Globex", "Initech Rail") when every part is one."""
        out = []
        for name in names:
            words = name.split()
            parts, start = [], 0
            if len(words) > 1 and name.lower() not in self.name_phrases:
                while start < len(words):
                    end = next((e for e in range(len(words), start, -1)
                                if " ".join(words[start:e]).lower() in self.name_phrases), None)
                    if end is None:
                        break
                    parts.append(" ".join(words[start:end]))
                    start = end
            out += parts if parts and start == len(words) else [name]
        return list(dict.fromkeys(out))

    def with_figure_sources(self, hits: list[Hit]) -> list[Hit]:
        """Hits where each figures-table row is followed by the paragraph it comes from."""
        figures = {f.id: f for f in self.corpus.figures}
        seen = {h.document.id for h in hits}
        out = []
        for hit in hits:
            out.append(hit)
            fig = figures.get(hit.document.metadata.get("figure_id", ""))
            source = source_passage(fig, self.passages_by_doc) if fig else None
            if source and source.id not in seen:
                seen.add(source.id)
                out.append(Hit(source, hit.score))
        return out

    def top_document(self, hits) -> list[Document]:
        """The text passages, in order, of the document the best text hit comes from."""
        for hit in hits:
            if hit.document.metadata.get("kind") == "text":
                group = self.passages_by_doc[hit.document.metadata["doc_id"]]
                return sorted((p for p in group if p.metadata.get("kind") == "text"),
                              key=lambda p: p.metadata["position"])
        return []

    def following_sections(self, passage: Document) -> list[tuple[str, str]]:
        """(document, heading) of the sections after this passage's, in document order."""
        doc_id = passage.metadata["doc_id"]
        here = passage.metadata.get("section", "")
        seen, out = {here}, []
        for p in self.top_document([Hit(passage, 0.0)]):
            if p.metadata["position"] <= passage.metadata["position"]:
                continue
            name = p.metadata.get("section", "")
            if name and name not in seen:
                seen.add(name)
                out.append((doc_id, name))
        return out


def previous_passage(groups: dict[str, list[Document]], passage: Document) -> Document | None:
    """The passage before this one in its document (where "its revenue" finds its "it")."""
    position = passage.metadata.get("position", 0)
    for p in groups.get(passage.metadata.get("doc_id", ""), []):
        if p.metadata.get("position") == position - 1 and p.metadata.get("kind") == "text":
            return p
    return None


def today(settings: Settings) -> date:
    """The date answers count ages from: ASSISTANT_TODAY when set, else the system date."""
    if not settings.today:
        return date.today()
    day = parse_date(settings.today)
    if day is None:
        raise AssistantError(f"ASSISTANT_TODAY={settings.today!r} is not a date; write it as "
                             "YYYY-MM-DD, or unset it to use the system date.")
    return day
