"""The quantity a package service sells, read from its name ("1000 Likes", "Package 5K").

A package's rate is the price of one package, so two packages are the same offer only when
they hold the same quantity. Numbers that say something else (refill days, limits, start time,
speed, server numbers) are set aside first; if not exactly one quantity is left, the size is
unclear and the service is not matched.
"""

from __future__ import annotations

import re
import unicodedata

# Numbers that are not the package's quantity, removed before the quantity is looked for.
_NOT_SIZE = re.compile(
    r"""
      \b(?:server|srv|sv|s)\s*-?\s*\#?\d+\b               # server numbers: "Server 7", "S2"
    | \#\d+
    | \b(?:refill|garansi|bao\s+hanh)\s*\d+\s*[a-z]*     # "Refill 30D", "Garansi 30 Hari"
    | \d+\s*(?:d|day|days|hari|ngay)\b                    # "30 Days Refill", "30D"
    | \b(?:max|min|maximum|minimum)\s*:?\s*[\d.,]+\s*[km]?\b
    | [\d.,]+\s*[km]?\s*/\s*(?:day|d|hour|hr|h|jam)\b     # speed: "10K/Day"
    | \bstart\s*:?\s*[\d.,]+\s*(?:-\s*[\d.,]+)?\s*[a-z]*  # "Start 0-1h"
    | [\d.,]+\s*-\s*[\d.,]+\s*(?:h|hr|hrs|hours|min|mins|minutes)?\b  # ranges: "0-1h"
    | \d+\s*(?:min|mins|minutes|menit|phut)\b             # live durations: "30 Min"
    | \d+\s*%                                             # "100%"
    | \bv\d+\b                                            # versions: "V2"
    """,
    re.VERBOSE,
)
_QUANTITY = re.compile(r"(\d+(?:[.,]\d+)*)\s*([km])?\b")


def package_size(name: str) -> tuple[int | None, str | None]:
    """(quantity, None), or (None, why not) when no single quantity can be read."""
    text = unicodedata.normalize("NFKD", name).casefold()
    sizes = {
        _quantity(number, unit) for number, unit in _QUANTITY.findall(_NOT_SIZE.sub(" ", text))
    }
    sizes.discard(0)
    if len(sizes) == 1:
        return sizes.pop(), None
    if not sizes:
        return None, "a package without a quantity in its name"
    return None, f"a package with several quantities: {', '.join(map(str, sorted(sizes)))}"


def _quantity(number: str, unit: str) -> int:
    if unit:
        # "1.5K" is 1500; a comma may be a decimal mark too ("1,5K").
        value = float(number.replace(",", "."))
        return round(value * (1000 if unit == "k" else 1_000_000))
    # "1,000" and "1.000" are thousands separators without a unit.
    return int(number.replace(",", "").replace(".", ""))
