"""Read a figures table (CSV): one Figure per valid row, a problem line per invalid one."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from .articles import read_text
from .documents import FIGURE_COLUMNS, REQUIRED_FIGURE_COLUMNS, Figure


def read_figures(path: Path) -> tuple[list[Figure], list[str]]:
    """Read a figures CSV; bad rows are skipped and reported by file, row and column."""
    problems: list[str] = []
    rows = list(csv.reader(read_text(path).splitlines()))
    if not rows:
        return [], [f"{path}: empty figures table"]
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in REQUIRED_FIGURE_COLUMNS if c not in header]
    if missing:
        return [], [
            f"{path} row 1: header lacks column(s) {', '.join(missing)}; "
            f"expected {','.join(FIGURE_COLUMNS)}"
        ]
    figures, seen = [], set()
    for row_no, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problems.append(
                f"{path} row {row_no}: has {len(row)} cells, the header has {len(header)}"
            )
            continue
        record = {h: cell.strip() for h, cell in zip(header, row, strict=True)}
        bad = _check_figure_row(record)
        if bad:
            column, why = bad
            problems.append(f"{path} row {row_no}, column {column!r}: {why}")
            continue
        if record["id"] in seen:
            problems.append(f"{path} row {row_no}, column 'id': duplicate id {record['id']!r}")
            continue
        seen.add(record["id"])
        figures.append(Figure(
            id=record["id"], entity=record["entity"], metric=record["metric"],
            value=float(record["value"].replace(",", "")),
            unit=record["unit"], period=record.get("period", ""), source=record["source"],
            locator=record.get("locator", ""), note=record.get("note", ""), table=path.stem,
            row=row_no, as_of=record.get("as_of", ""),
        ))
    return figures, problems

def _check_figure_row(record: dict[str, str]) -> tuple[str, str] | None:
    for column in REQUIRED_FIGURE_COLUMNS:
        if not record.get(column):
            return column, "is empty"
    for column, cell in record.items():
        if cell[:1] in {"=", "+", "@"} or (cell[:1] == "-" and column != "value"):
            return column, f"{cell!r} starts with {cell[0]!r}, which spreadsheets run as a formula"
    # Only unambiguous numbers: "12,5" (a decimal comma) or "1.234,5" would be misread.
    if not re.fullmatch(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?", record["value"]):
        return "value", (f"{record['value']!r} is not a plain number (write 140000 or "
                         "140,000 or 17.8; not 140k or 17,8)")
    if record.get("as_of") and not re.fullmatch(r"(19|20)\d\d(-[01]\d(-[0-3]\d)?)?",
                                                 record["as_of"]):
        return "as_of", f"{record['as_of']!r} is not a date (write 2025, 2025-11 or 2025-11-25)"
    number = float(record["value"].replace(",", ""))
    if number != number or number in {float("inf"), float("-inf")}:
        return "value", f"{record['value']!r} is not a finite number"
    return None
