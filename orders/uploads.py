"""Reading uploaded orders: a CSV file or pasted mass-order text, into rows of raw strings.

Pure functions, no database: every row is a dict of the cells as typed plus its row number
(as a spreadsheet shows it) and the file line it starts on.
Anything wrong with the file as a whole raises `UploadError` with a message for people;
whether each row makes sense is decided later, against the catalog (orders.services.uploads).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from orders.exports import neutralise
from orders.fields import DRIPFEED_FIELDS, FIELDS
from orders.sales import SALE_COLUMNS, SALE_EXAMPLE
from panels.api.order_types import ORDER_TYPES, OTHER

REQUIRED_COLUMNS = ("panel", "service")
# "best": the row's service names an offer, and the best panel selling it takes the order
# (orders/services/upload_routes.py).
ROUTE_COLUMN = "route"
# The others may hold lists: kept as they are.
TRIMMED_COLUMNS = (*REQUIRED_COLUMNS, "link", "quantity", *SALE_COLUMNS, ROUTE_COLUMN)
DELIMITERS = (",", ";", "\t")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
_NUMBER = re.compile(r"^\d[\d ,]*$")


class UploadError(ValueError):
    """The upload as a whole cannot be read; the message says why and what to do."""


@dataclass
class ParsedUpload:
    kind: str  # "csv" or "mass"
    # Each row also has "row" (its row number in a spreadsheet, the header being row 1; for
    # mass text, its line) and "line" (the line of the file it starts on).
    rows: list[dict[str, str]] = field(default_factory=list)
    columns: tuple[str, ...] = ()
    delimiter: str = ""


def upload_columns() -> tuple[str, ...]:
    """Every column an upload may have: the panel, the service, every order field
    (orders.fields.FIELDS, in its order), then the reseller's own sale price and customer
    (orders.sales), never sent to the panel, and the route ("best": any panel of the offer)."""
    return (*REQUIRED_COLUMNS, *FIELDS, *SALE_COLUMNS, ROUTE_COLUMN)


# The first bytes of files people pick by mistake, and what to call them.
_SIGNATURES = (
    (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"), (b"PK\x03\x04", "an Excel workbook or another zip archive"),
    (b"\xd0\xcf\x11\xe0", "an old Excel (.xls) or Word file"), (b"RIFF", "a media file"),
)  # fmt: skip
_NOT_TEXT = (
    "This is not a CSV or text file{what}. Open it in your spreadsheet, save it as "
    "'CSV UTF-8' and upload the .csv file."
)


def _decode(data: bytes) -> str:
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise UploadError("The file is empty. Upload a CSV file with a header row and orders.")
    kind = next((name for magic, name in _SIGNATURES if data.startswith(magic)), None)
    if kind is not None:
        raise UploadError(_NOT_TEXT.format(what=f": it is {kind}"))
    if b"\x00" in data:  # text never holds NUL bytes; binary files nearly always do
        raise UploadError(_NOT_TEXT.format(what=" (it holds binary data)"))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        byte = data[exc.start]
        raise UploadError(
            f"The file is not UTF-8 text (byte 0x{byte:02X} at position {exc.start}). "
            "Save it as 'CSV UTF-8' and upload again."
        ) from None
    bad = next((c for c in text if ord(c) < 32 and c not in "\t\r\n"), None)
    if bad is not None:
        raise UploadError(
            _NOT_TEXT.format(
                what=f" (a control character, 0x{ord(bad):02X}, at position {text.index(bad)})"
            )
        )
    return text


def _sniff(header_line: str) -> str:
    """The delimiter the header uses: of , ; tab, the one that splits it into the most known
    columns, or, when no column is known, into the most columns (so that a header of unknown
    names is split and each name can be reported)."""
    scores = {}
    columns = upload_columns()
    for delimiter in DELIMITERS:
        names = [n.strip().lower() for n in header_line.split(delimiter)]
        scores[delimiter] = (sum(1 for n in names if n in columns), len(names))
    return max(DELIMITERS, key=lambda d: scores[d])  # ties go to the first: comma


def _too_many(max_rows: int) -> UploadError:
    return UploadError(
        f"The upload has more than {max_rows:,} orders, the most one upload may "
        "hold. Split it into smaller files."
    )


def parse_csv(data: bytes, *, max_rows: int) -> ParsedUpload:
    """The rows of a CSV file with a header row. Raises UploadError."""
    text = _decode(data)
    header_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = _sniff(header_line)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
        header: list[str] | None = None
        rows: list[dict[str, str]] = []
        # A spreadsheet shows each record as one row, even one whose quoted cell holds line
        # breaks; people look for that row number. The file line the record starts on is kept
        # too, for text editors. Blank records are rows in a spreadsheet: they are counted.
        ended = 0  # the line the previous record ended on: this one starts on the next
        for number, record in enumerate(reader, start=1):
            line, ended = ended + 1, reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if header is None:
                header = _header(record, delimiter)
                continue
            if len(rows) >= max_rows:
                raise _too_many(max_rows)
            if len(record) > len(header):
                extra = [c for c in record[len(header) :] if c.strip()]
                if extra:
                    rows.append(
                        {
                            "row": str(number),
                            "line": str(line),
                            **_cells(header, record),
                            "__extra__": str(len(record) - len(header)),
                        }
                    )
                    continue
            rows.append({"row": str(number), "line": str(line), **_cells(header, record)})
    except csv.Error as exc:
        raise UploadError(f"The CSV file cannot be read: {exc}.") from None
    if header is None:
        raise UploadError("The file is empty. Upload a CSV file with a header row and orders.")
    if not rows:
        raise UploadError("The file has a header row but no orders below it.")
    return ParsedUpload(kind="csv", rows=rows, columns=tuple(header), delimiter=delimiter)


def _cells(header: list[str], record: list[str]) -> dict[str, str]:
    cells = {name: (record[i] if i < len(record) else "") for i, name in enumerate(header)}
    return {
        k: (v.strip() if k in TRIMMED_COLUMNS or k not in FIELDS else v) for k, v in cells.items()
    }


MASS_PARTS = (3, 4, 5)  # service | link | quantity, then optionally | sale price | customer


def _header(record: list[str], delimiter: str) -> list[str]:
    names = [cell.strip().lstrip("\ufeff").lower() for cell in record]
    columns = upload_columns()
    expected = (
        f"The columns are: {', '.join(columns)} (panel and service are required; "
        "the first row of the file names them)."
    )
    if len(names) == 1 and names[0] not in columns and any(d in names[0] for d in "|:"):
        raise UploadError(
            "The header row could not be split into columns. Separate columns "
            f"with commas, semicolons or tabs. {expected}"
        )
    unknown = [n for n in names if n and n not in columns]
    if unknown:
        shown = ", ".join(repr(neutralise(n[:40])) for n in unknown[:8])
        more = f" and {len(unknown) - 8} more" if len(unknown) > 8 else ""
        sep = DELIMITER_NAMES[delimiter]
        noun = "This column was" if len(unknown) == 1 else "These columns were"
        raise UploadError(
            f"{noun} not recognised: {shown}{more} (read with {sep} as the separator). {expected}"
        )
    dupes = sorted({n for n in names if n and names.count(n) > 1})
    if dupes:
        noun = "A column is" if len(dupes) == 1 else "Columns are"
        raise UploadError(f"{noun} given twice: {', '.join(dupes)}.")
    missing = [n for n in REQUIRED_COLUMNS if n not in names]
    if missing:
        sep = DELIMITER_NAMES[delimiter]
        noun = "column" if len(missing) == 1 else "columns"
        raise UploadError(
            f"Missing required {noun}: {', '.join(missing)} (read with {sep} "
            "as the separator). The header row must name at least panel and "
            "service."
        )
    return names


def _is_number(text: str) -> bool:
    return bool(_NUMBER.match(text.strip()))


def parse_mass_text(text: str, *, max_rows: int) -> ParsedUpload:
    """One order per line, `service_id | link | quantity` or `service_id | quantity | link`,
    optionally followed by `| sale price` and `| customer` (ours, never sent to the panel).

    Blank lines are skipped; a line with another number of parts keeps what it has, and the
    check against the catalog says what is wrong with it."""
    if not isinstance(text, str):
        raise UploadError("The mass-order text must be text.")
    if "\x00" in text:
        raise UploadError("The text contains a NUL character; paste plain text.")
    rows: list[dict[str, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        if len(rows) >= max_rows:
            raise _too_many(max_rows)
        parts = [p.strip() for p in raw.split("|")]
        row = {"row": str(number), "line": str(number), "service": parts[0] if parts else ""}
        if len(parts) not in MASS_PARTS:
            row["__format__"] = str(len(parts))
            row["link"] = parts[1] if len(parts) > 1 else ""
            row["quantity"] = parts[2] if len(parts) > 2 else ""
        elif _is_number(parts[1]) and not _is_number(parts[2]):
            row["quantity"], row["link"] = parts[1], parts[2]
        else:
            row["link"], row["quantity"] = parts[1], parts[2]
        row |= dict(zip(SALE_COLUMNS, parts[3:5], strict=False))
        rows.append(row)
    if not rows:
        raise UploadError(
            "The text is empty. Write one order per line: service id | link | quantity."
        )
    return ParsedUpload(
        kind="mass", rows=rows, columns=("service", "link", "quantity", *SALE_COLUMNS)
    )


# ---- The template -------------------------------------------------------------------------

# What each type's example row shows beyond its fields' own examples (orders.fields.FIELDS):
# a link of its own (a panel takes one active order per link), and values that read better for
# that type. The filled template (orders.services.upload_template) starts from the same.
TYPE_EXAMPLES: dict[str, dict[str, str]] = {
    "default": {"link": "https://instagram.com/p/example1"},
    "package": {"link": "https://example.com/package"},
    "seo": {"link": "https://example.com/"},
    "custom_comments": {"link": "https://instagram.com/p/example3",
                        "comments": "Great post!\nLove it\nAmazing"},
    "custom_comments_package": {"link": "https://instagram.com/p/example4"},
    "mentions": {"link": "https://instagram.com/p/example5"},
    "mentions_with_hashtags": {"link": "https://instagram.com/p/example6"},
    "mentions_custom_list": {"link": "https://instagram.com/p/example7",
                             "usernames": "alice\nbob\ncarol"},
    "mentions_hashtag": {"link": "https://instagram.com/p/example8"},
    "mentions_user_followers": {"link": "https://instagram.com/p/example9"},
    "mentions_media_likers": {"link": "https://instagram.com/p/example10"},
    "comment_likes": {"link": "https://instagram.com/p/example11", "username": "comment_owner"},
    "comment_replies": {"link": "https://instagram.com/p/example12",
                        "username": "comment_owner", "comments": "Thanks!\nAgreed"},
    "poll": {"link": "https://t.me/poll/1"},
    "invites_from_groups": {"link": "https://t.me/group"},
    "subscriptions": {"expiry": "31/12/2030"},
    OTHER: {"link": "https://instagram.com/p/example13"},
}  # fmt: skip
DRIPFEED_EXAMPLE = {"link": "https://instagram.com/p/example2", "quantity": "500"}


def example_cells(type_key: str, *, dripfeed: bool = False) -> dict[str, str]:
    """A type's example row: each of its fields' example (the drip-feed ones only in a
    drip-feed row), with the type's own values over them."""
    spec = ORDER_TYPES[type_key]
    names = [n for n in spec.fields if dripfeed or n not in DRIPFEED_FIELDS]
    cells = {n: FIELDS[n].example for n in names if n in FIELDS and FIELDS[n].example}
    cells |= {k: v for k, v in TYPE_EXAMPLES.get(type_key, {}).items() if k in names}
    return cells | (DRIPFEED_EXAMPLE if dripfeed else {})


def template_examples() -> list[tuple[str, dict[str, str]]]:
    """(what the row shows, its cells): one row per order type, and a drip-feed row after a
    type that offers runs."""
    rows = []
    for key, spec in ORDER_TYPES.items():
        if key == OTHER:
            continue
        rows.append((spec.label, example_cells(key)))
        if "runs" in spec.fields:
            rows.append((f"{spec.label} (drip-feed)", example_cells(key, dripfeed=True)))
    return rows


def upload_template_csv(panel_name: str = "My panel") -> str:
    """A CSV template: the header and one example row per order type (service ids are
    placeholders, 1, 2, 3...: use the panel's own)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    columns = upload_columns()
    writer.writerow(columns)
    for number, (_label, example) in enumerate(template_examples(), start=1):
        cells = {"panel": panel_name, "service": str(number), **example}
        cells |= {**SALE_EXAMPLE, ROUTE_COLUMN: "best"} if number == 1 else {}
        writer.writerow([neutralise(cells.get(c, "")) for c in columns])
    return out.getvalue()
