"""Numbers as sources write them: plain, with separators, scaled ("3.4 billion"), as words."""

from __future__ import annotations

import re

NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![\w])")
YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10}
# A number with its scale word and percent sign, as in "3.4 billion" or "12%".
AMOUNT = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s*(thousand|million|billion|trillion|bn|mn|[kmb])\b)?(\s*%)?",
    re.IGNORECASE,
)
# Currency codes sources write before amounts: units, never names.
CURRENCY_CODES = frozenset({"RMB", "USD", "EUR", "GBP", "CNY", "HKD", "JPY"})
SCALE = {"thousand": 1e3, "k": 1e3, "million": 1e6, "mn": 1e6, "m": 1e6, "billion": 1e9,
          "bn": 1e9, "b": 1e9, "trillion": 1e12}


def unit_scale(unit: str) -> float:
    """The multiplier a unit implies ("USD billion" -> 1e9), for checking numbers."""
    low = unit.lower()
    for word in ("thousand", "million", "billion", "trillion"):
        if word in low:
            return SCALE[word]
    return 1.0


def format_number(value: float) -> str:
    """Format a figure value the way the sources write it (thousands separators)."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.4f}".rstrip("0").rstrip(".")
