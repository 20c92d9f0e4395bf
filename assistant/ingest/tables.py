"""Figures from a table written as plain text in an article: a line of periods ("Q4 '20 Q1 '21"),
then one line per name with a number for each period, as news pages carry their tables once the
HTML is flattened (Markdown pipe tables read the same way).

Only tables of percentages are read: the unit shows in a % sign, or in columns that each add up
to about 100 (shares of a whole). A table of other numbers names no unit this reader could
trust, so it stays text.
"""

from __future__ import annotations

import hashlib
import re

from langchain_core.documents import Document

from .documents import Figure

_NUMBER = r"[-+]?\d[\d,]*(?:\.\d+)?%?"
# A row: a name (no digits), then two or more numbers and nothing else.
ROW = re.compile(rf"^(?P<name>[A-Za-z][^\d\n]{{0,60}}?)(?P<values>(?:[ \t]+{_NUMBER}){{2,}})"
                 r"[ \t]*$")
_PERIOD_CELL = re.compile(r"\b(?:Q([1-4])|H([12]))\s*['’]?(\d{4}|\d{2})\b|"
                          r"\b(?:FY\s*)?((?:19|20)\d{2})\b", re.IGNORECASE)
_SHARE_SUM, _SHARE_TOLERANCE = 100.0, 3.0
CELL_ID = "t-"  # the id prefix of a figure read from a table's cell


def is_table_cell(fig: Figure) -> bool:
    return fig.id.startswith(CELL_ID)


def header_periods(line: str) -> list[str]:
    """The periods a header line names, one per column ("Q4 '20" -> "Q4 2020"); [] unless the
    line is little else (a short label such as "Vendor" may precede them)."""
    cells = list(_PERIOD_CELL.finditer(_cells(line)))
    rest = _PERIOD_CELL.sub("", _cells(line)).strip(" \t-:")
    if len(cells) < 2 or len(rest) > 30:
        return []
    periods = []
    for m in cells:
        quarter, half, short, year = m.groups()
        if year:
            periods.append(year)
            continue
        full = short if len(short) == 4 else f"20{short}"
        periods.append(f"Q{quarter} {full}" if quarter else f"H{half} {full}")
    return periods


def is_table_line(line: str) -> bool:
    """A line of a text table: a row of numbers, or a header of periods."""
    text = _cells(line).strip()
    return bool(ROW.match(text) or header_periods(text))


def table_figures(passage: Document, before: str = "") -> list[Figure]:
    """The cells of the percentage tables in a passage, each a figure of its row's name and
    its column's period, quoting the row's line. `before`: the text before the passage, the
    caption of a table that opens it."""
    lines = passage.page_content.split("\n")
    figures: list[Figure] = []
    i = 0
    while i < len(lines):
        periods = header_periods(lines[i])
        rows = []
        for line in lines[i + 1:] if periods else []:
            m = ROW.match(_cells(line).strip())
            values = m.group("values").split() if m else []
            if len(values) != len(periods):
                break
            rows.append((line.strip(), m.group("name").strip(), values))
        metric = _percent_table([values for _, _, values in rows]) if rows else None
        if metric is not None:
            # The line before the header, or the end of what comes before the passage.
            caption = lines[i - 1] if i else before[-300:]
            figures += _cells_of(passage, periods, rows, metric, caption)
        i += 1 + len(rows)
    return figures


def _cells(line: str) -> str:
    """A Markdown table line read as plain cells."""
    return line.replace("|", " ")


def _number(text: str) -> float:
    return float(text.rstrip("%").replace(",", ""))


def _percent_table(rows: list[list[str]]) -> str | None:
    """The metric of a table of percentages: "share" when every column adds up to about 100,
    '' (unnamed) when the cells carry a % sign; None when neither (the unit is unknown)."""
    if len(rows) >= 3:
        sums = [sum(_number(row[c]) for row in rows) for c in range(len(rows[0]))]
        if all(abs(s - _SHARE_SUM) <= _SHARE_TOLERANCE for s in sums):
            return "share"
    return "" if all(v.endswith("%") for row in rows for v in row) else None


def _cells_of(passage: Document, periods: list[str], rows, metric: str,
              caption: str) -> list[Figure]:
    meta = passage.metadata
    context = " ".join(t for t in (meta.get("title", ""), meta.get("section", ""), caption) if t)
    figures = []
    for line, name, values in rows:
        for period, value in zip(periods, values, strict=True):
            key = f"{passage.id}:{name}:{period}"
            figures.append(Figure(
                id=CELL_ID + hashlib.sha1(key.encode()).hexdigest()[:10], entity=name,
                metric=metric, value=_number(value),
                unit="percent", period=period, source=meta.get("doc_id", ""),
                locator=meta.get("locator", ""), note=line, table="extracted",
                as_of=str(meta.get("published", "")), context=context))
    return figures
