"""Reading uploads (no database): a corpus of bad files, each with a clear message."""

from __future__ import annotations

import contextlib
import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orders.exports import csv_lines
from orders.uploads import (
    UploadError,
    parse_csv,
    parse_mass_text,
    upload_columns,
    upload_template_csv,
)

HEADER = "panel,service,link,quantity\r\n"


def parse(data: bytes, max_rows: int = 1000):
    return parse_csv(data, max_rows=max_rows)


def error_of(data: bytes, max_rows: int = 1000) -> str:
    with pytest.raises(UploadError) as info:
        parse(data, max_rows)
    return str(info.value)


def test_plain_csv():
    parsed = parse((HEADER + "Sim,1,https://x.com/a,100\r\nSim,2,https://x.com/b,200\r\n").encode())
    assert parsed.delimiter == ","
    assert [r["line"] for r in parsed.rows] == ["2", "3"]
    assert parsed.rows[0] == {
        "row": "2",
        "line": "2",
        "panel": "Sim",
        "service": "1",
        "link": "https://x.com/a",
        "quantity": "100",
    }


@pytest.mark.parametrize("sep", [";", "\t"])
def test_other_delimiters_are_detected(sep):
    text = sep.join(["panel", "service", "link", "quantity"]) + "\n"
    text += sep.join(["Sim", "1", "https://x.com/a,b", "100"]) + "\n"
    parsed = parse(text.encode())
    assert parsed.delimiter == sep
    assert parsed.rows[0]["link"] == "https://x.com/a,b"


def test_bom_is_accepted():
    parsed = parse(("\ufeff" + HEADER + "Sim,1,https://x.com/a,100\n").encode())
    assert parsed.columns[0] == "panel"
    assert parsed.rows[0]["panel"] == "Sim"


def test_empty_file():
    assert "empty" in error_of(b"")
    assert "empty" in error_of(b"\xef\xbb\xbf \r\n\r\n")


def test_header_only():
    assert "no orders" in error_of(HEADER.encode())


def test_wrong_delimiter():
    message = error_of(b"panel|service|link|quantity\nSim|1|https://x.com|10\n")
    assert "could not be split into columns" in message


def test_latin1():
    message = error_of((HEADER + "Café,1,https://x.com,10\n").encode("latin-1"))
    assert "not UTF-8" in message
    assert "0xE9" in message
    assert "CSV UTF-8" in message


def test_binary_file_renamed_csv():
    xlsx_like = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + bytes(range(256))
    message = error_of(xlsx_like)
    assert message.startswith("This is not a CSV or text file: it is an Excel workbook")
    assert "save it as 'CSV UTF-8'" in message


# The first bytes of a real 1x1 PNG: its first NUL byte is at position 8.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")


def test_png_renamed_csv_is_not_a_csv_file():
    message = error_of(PNG)
    assert message.startswith("This is not a CSV or text file: it is a PNG image.")
    assert "NUL" not in message
    assert "position" not in message


@pytest.mark.parametrize("data", [PNG[1:], b"\x7fELF\x02\x01\x01\x00\x00binary"])
def test_unknown_binary_is_not_a_csv_file(data):
    assert error_of(data).startswith("This is not a CSV or text file (it holds binary data).")


def test_nul_bytes():
    assert "This is not a CSV or text file" in error_of(HEADER.encode() + b"Sim,1,\x00,10\n")


def test_missing_columns():
    message = error_of(b"link,quantity\nhttps://x.com,10\n")
    assert "Missing required columns: panel, service" in message
    assert "Missing required column: panel (" in error_of(b"service,link\n1,https://x.com\n")


def test_unknown_columns():
    message = error_of(b"panel,service,link,quantity,colour\nSim,1,https://x.com,10,red\n")
    assert message.startswith("This column was not recognised: 'colour' (read with comma")
    assert "The columns are: panel, service, link, quantity, comments," in message


def test_semicolon_file_with_unknown_columns_names_them():
    data = "Panneau;Identifiant;Lien;Quantité\nSim;1;https://x.com;10\n".encode()
    message = error_of(data)
    assert message.startswith(
        "These columns were not recognised: 'panneau', 'identifiant', 'lien', 'quantité' "
        "(read with semicolon as the separator)."
    )
    assert "The columns are: panel, service, link, quantity" in message
    assert "could not be split" not in message


def test_duplicate_columns():
    assert "A column is given twice: link" in error_of(b"panel,service,link,link\nSim,1,a,b\n")


def test_quoted_newlines_keep_comments_in_one_cell():
    data = 'panel,service,link,comments\r\nSim,5,https://x.com/p,"Great!\nLove it\nWow"\r\n'
    data += "Sim,5,https://x.com/q,Nice\r\n"
    parsed = parse(data.encode())
    assert parsed.rows[0]["comments"] == "Great!\nLove it\nWow"
    assert parsed.rows[0]["line"] == "2"  # the line the row starts on
    assert parsed.rows[1]["line"] == "5"


def test_rows_are_numbered_as_a_spreadsheet_shows_them():
    data = 'panel,service,link,comments\r\nSim,5,https://x.com/p,"Great!\nLove it\nWow"\r\n'
    data += "\r\nSim,5,https://x.com/q,Nice\r\n"  # a blank row is a row in a spreadsheet
    rows = parse(data.encode()).rows
    assert [(r["row"], r["line"]) for r in rows] == [("2", "2"), ("4", "6")]


def test_too_many_rows_is_refused():
    data = HEADER + "".join(f"Sim,1,https://x.com/{n},10\n" for n in range(50_000))
    message = error_of(data.encode(), max_rows=20_000)
    assert "more than 20,000 orders" in message


def test_formula_cells_are_kept_as_data_and_neutralised_on_download():
    parsed = parse((HEADER + 'Sim,1,=HYPERLINK("http://evil"),=1+1\n').encode())
    row = parsed.rows[0]
    assert row["link"] == '=HYPERLINK("http://evil")'
    assert row["quantity"] == "=1+1"
    out = "".join(csv_lines(["link", "quantity"], [[row["link"], row["quantity"]]]))
    cells = list(csv.reader(io.StringIO(out.lstrip("\ufeff"))))[1]
    assert cells == ['\'=HYPERLINK("http://evil")', "'=1+1"]


def test_row_with_too_many_cells_is_flagged():
    parsed = parse((HEADER + "Sim,1,https://x.com,10,oops\n").encode())
    assert "__extra__" in parsed.rows[0]


def test_short_rows_are_padded_and_blank_rows_skipped():
    parsed = parse((HEADER + "\n,,,\nSim,1\n").encode())
    assert parsed.rows == [
        {"row": "4", "line": "4", "panel": "Sim", "service": "1", "link": "", "quantity": ""}
    ]


# ---- mass text -----------------------------------------------------------------------------


def test_mass_text_forms():
    text = "102|https://instagram.com/p/xyz|1000\n\n  103 | https://x.com/a | 50 \n"
    text += "104 | 250 | https://x.com/b\n105|https://x.com/c\n"
    rows = parse_mass_text(text, max_rows=100).rows
    assert rows[0] == {
        "row": "1",
        "line": "1",
        "service": "102",
        "link": "https://instagram.com/p/xyz",
        "quantity": "1000",
    }
    assert rows[1] == {
        "row": "3",
        "line": "3",
        "service": "103",
        "link": "https://x.com/a",
        "quantity": "50",
    }
    assert rows[2] == {
        "row": "4",
        "line": "4",
        "service": "104",
        "link": "https://x.com/b",
        "quantity": "250",
    }
    assert rows[3]["__format__"] == "2"
    assert rows[3]["line"] == "5"


def test_mass_text_numbers_in_both_places_keeps_link_quantity_order():
    rows = parse_mass_text("1|123|456", max_rows=10).rows
    assert rows[0]["link"] == "123"
    assert rows[0]["quantity"] == "456"


def test_mass_text_empty_and_too_long():
    with pytest.raises(UploadError, match="empty"):
        parse_mass_text(" \n\n", max_rows=10)
    with pytest.raises(UploadError, match="more than 2 orders"):
        parse_mass_text("1|a|1\n1|b|1\n1|c|1\n", max_rows=2)


# ---- template ------------------------------------------------------------------------------


def test_template_parses_back_with_every_type_column():
    text = upload_template_csv("Sim")
    parsed = parse(text.encode())
    assert parsed.columns == upload_columns()
    assert len(parsed.rows) == 17
    used = {c for row in parsed.rows for c, v in row.items() if v and c not in ("row", "line")}
    assert used == set(upload_columns())
    assert "\n" in parsed.rows[4]["comments"]


# ---- nothing but UploadError ---------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_give_rows_or_upload_error(data):
    with contextlib.suppress(UploadError):
        parse(data, max_rows=50)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from(list('panelsrvic,;\t"\n\r |=1\x00é'))), max_size=6
    ).map(lambda parts: "panel,service\n" + "".join(parts))
)
def test_csv_like_text_gives_rows_or_upload_error(text):
    with contextlib.suppress(UploadError):
        parse(text.encode("utf-8", "surrogatepass"), max_rows=50)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=2000))
def test_any_text_gives_rows_or_upload_error(text):
    with contextlib.suppress(UploadError):
        parse_mass_text(text, max_rows=50)
    with contextlib.suppress(UploadError):
        parse(text.encode("utf-8", "surrogatepass"), max_rows=50)
