"""A corpus's own vocabulary: names and terms that mean the same thing (optional glossary.yaml
in a corpus folder). The engine works without one; with one, a question that uses one name of
a firm also finds passages that use another."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import AssistantError

GLOSSARY_NAME = "glossary.yaml"


@dataclass
class Glossary:
    """Groups of equivalent terms, plus optional UI wording (title, example questions)."""

    groups: list[list[str]] = field(default_factory=list)
    title: str = ""
    examples: list[str] = field(default_factory=list)

    def expand(self, text: str) -> str:
        """The text followed by the other names of every term it mentions."""
        extra = []
        for group in self.groups:
            if any(_mentions(text, term) for term in group):
                extra += [t for t in group if not _mentions(text, t)]
        return f"{text} ({'; '.join(extra)})" if extra else text

    def alternatives(self, text: str) -> dict[str, set[str]]:
        """For each search token of a term the text mentions, the tokens of the term's other
        names: a sentence that says "Globex Rail" covers a question's "GR"."""
        from ..language.words import tokenize

        found: dict[str, set[str]] = {}
        for group in self.groups:
            mentioned = [t for t in group if _mentions(text, t)]
            if not mentioned:
                continue
            others = {tok for t in group for tok in tokenize(t)}
            for term in mentioned:
                for tok in tokenize(term):
                    found.setdefault(tok, set()).update(others - {tok})
        return found

    def variants(self, term: str) -> list[str]:
        """Every name of the term (itself included)."""
        for group in self.groups:
            if any(t.lower() == term.lower() for t in group):
                return group
        return [term]

    def words(self) -> set[str]:
        return {w for group in self.groups for t in group for w in re.findall(r"[a-z]+", t.lower())}


def _mentions(text: str, term: str) -> bool:
    return re.search(r"(?<![\w])" + re.escape(term) + r"(?![\w])", text, re.IGNORECASE) is not None


def load_glossary(paths: list[str | Path]) -> Glossary:
    """Merge the glossary.yaml files of the corpus folders given (none is fine)."""
    glossary = Glossary()
    for path in paths:
        file = Path(path) / GLOSSARY_NAME if Path(path).is_dir() else None
        if not file or not file.is_file():
            continue
        try:
            data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise AssistantError(f"{file} is not valid YAML ({exc.__class__.__name__}); fix or "
                                 "remove it.") from None
        if not isinstance(data, dict):
            raise AssistantError(f"{file} must be a mapping with 'terms:' (see the README).")
        for name, aliases in (data.get("terms") or {}).items():
            group = [str(name), *[str(a) for a in (aliases or []) if a]]
            glossary.groups.append(group)
        glossary.title = glossary.title or str(data.get("title") or "")
        glossary.examples += [str(q) for q in data.get("examples") or []]
    return glossary
