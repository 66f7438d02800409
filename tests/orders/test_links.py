"""Links and whole numbers as people type them: the comparison key, the links never sent, and
numbers read without guessing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orders.links import link_key, link_problem, read_whole, target_key
from orders.validation import stored_values, validate_order
from panels.api.order_types import add_fields
from panels.models import Service


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://x.com/dup", "https://x.com/dup/"),
        ("https://x.com/dup", "HTTPS://X.COM/dup"),
        ("https://x.com/dup", "http://x.com/dup"),
        ("https://x.com/dup", "x.com/dup"),
        ("https://x.com/dup", "https://x.com:443/dup"),
        ("http://x.com/dup", "http://x.com:80/dup"),
        ("https://x.com/dup", "https://x.com/dup#comments"),
        ("https://instagram.com/p/Ab1", "https://www.instagram.com/p/Ab1/"),
        ("https://facebook.com/p/1", "https://m.facebook.com/p/1"),
        ("https://instagram.com/p/Ab1", "https://instagram.com/p/Ab1/?igsh=MWx2&utm_source=ig"),
        ("https://youtube.com/watch?v=Ab", "https://youtube.com/watch?feature=share&v=Ab&si=Q"),
        ("https://x.com/a?fbclid=1&gclid=2&utm_medium=x", "https://x.com/a"),
        ("https://x.com/a?b=2&a=1", "https://x.com/a?a=1&b=2"),
        ("https://twitter.com/u/status/1?s=20&t=abc", "https://twitter.com/u/status/1"),
        ("@NatGeo", "natgeo"),
    ],
)
def test_one_target_has_one_key(a, b):
    assert link_key(a) == link_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://instagram.com/p/Ab1", "https://instagram.com/p/aB1"),  # ids are case-sensitive
        ("https://youtube.com/watch?v=Ab", "https://youtube.com/watch?v=Cd"),
        ("https://x.com/a", "https://y.com/a"),
        ("https://x.com:8443/a", "https://x.com/a"),
        ("https://x.com/a?feature=related", "https://x.com/a"),  # only share markers go
        ("https://example.com/a?s=20", "https://example.com/a"),  # s: a tracker on twitter/x only
        ("natgeo", "https://instagram.com/natgeo"),
    ],
)
def test_other_targets_have_other_keys(a, b):
    assert link_key(a) != link_key(b)


def test_long_keys_fit_their_column():
    key = link_key("https://x.com/" + "a" * 3000)
    assert key.startswith("sha256:")
    assert len(key) <= 255
    assert key == link_key("https://x.com/" + "a" * 3000 + "/")


def test_a_subscription_is_keyed_by_its_username():
    assert target_key(link="", params={"username": "@NatGeo"}) == target_key(link="natgeo")
    assert target_key(link="", params={}) == ""


@given(st.text(max_size=300))
def test_any_text_has_a_key_or_none(text):
    key = link_key(text)
    assert isinstance(key, str)
    assert len(key) <= 255


@pytest.mark.parametrize(
    "link",
    ["javascript:alert(1)", "JavaScript:alert(1)", "  javascript:alert(1)",
     "\x01\x02javascript:alert(1)", "\tjavascript:alert(1)", "data:text/html,<b>x</b>",
     "javascript:1", "data:1,x",
     "DATA:text/html;base64,PGI+", "vbscript:msgbox", "file:///etc/passwd"],
)  # fmt: skip
def test_script_and_data_links_are_refused(link):
    assert "are not web addresses and are never sent to a panel" in link_problem(link)


@pytest.mark.parametrize("link", ["ftp://x.com/a", "mailto:a@b.c", "tg://resolve?domain=x",
                                  "intent://x#Intent;end"])  # fmt: skip
def test_other_schemes_are_refused(link):
    assert link_problem(link).startswith("Links must start with http:// or https://.")


@pytest.mark.parametrize(
    "link",
    ["https://x.com/a", "HTTP://X.COM/a", "instagram.com/natgeo", "t.me/channel", "natgeo",
     "@natgeo", "nat.geo", "localhost:8080/x", "https://x.com/a?b=c:d"],
)  # fmt: skip
def test_what_panels_take_passes(link):
    assert link_problem(link) == ""


def test_web_links_need_a_site_and_no_control_characters():
    assert link_problem("https://") == "This link has no site name after https://."
    assert link_problem("https://x.com/a\x00b") == "A link cannot contain control characters."
    assert link_problem("https://x.com/a b") == "A link cannot contain spaces."


# ---- whole numbers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number"),
    [("1000", 1000), ("1,000", 1000), ("1 000", 1000), ("1\u00a0000", 1000),
     ("12,345,678", 12345678), (" 15 ", 15), ("0", 0), ("-5", -5)],
)  # fmt: skip
def test_whole_numbers_and_thousands_are_read(text, number):
    assert read_whole(text) == number


@pytest.mark.parametrize(
    ("text", "says"),
    [("1,5", "has a decimal part"), ("1.5", "has a decimal part"), ("1,00", "has a decimal part"),
     ("1.000", "has a decimal part"), ("1,0000", "has a decimal part"),
     ("10 00", "groups of three"), ("1,000,00", "groups of three"),
     ("1,000 000", "groups of three"),
     ("abc", "Enter a whole number, not 'abc'."), ("1e3", "not '1e3'")],
)  # fmt: skip
def test_numbers_that_are_not_whole_are_refused_never_guessed(text, says):
    with pytest.raises(ValueError, match="Enter a whole number") as caught:
        read_whole(text)
    assert says in str(caught.value)


def _service(**kw: object) -> Service:
    fields = {
        "remote_id": "1",
        "name": "Likes",
        "type": "default",
        "rate": Decimal("1"),
        "min_quantity": 1,
        "max_quantity": 100_000,
        "dripfeed": True,
        **kw,
    }
    return Service(**fields)


def test_a_decimal_comma_quantity_is_an_error_not_fifteen():
    clean, errors = validate_order(_service(), {"link": "https://x.com/a", "quantity": "1,5"})
    assert clean is None
    assert errors["quantity"] == [
        "Enter a whole number: '1,5' has a decimal part (commas only separate thousands, as in "
        "1,000)."
    ]
    clean, errors = validate_order(_service(), {"link": "https://x.com/a", "quantity": "1,000"})
    assert errors == {}
    assert clean is not None
    assert clean.quantity == 1000


def test_runs_and_interval_are_read_the_same_way():
    values = {"link": "https://x.com/a", "quantity": "100", "runs": "1,5", "interval": "1,00"}
    clean, errors = validate_order(_service(), values)
    assert clean is None
    assert "has a decimal part" in errors["runs"][0]
    assert "has a decimal part" in errors["interval"][0]


def test_javascript_links_and_media_never_reach_the_add_fields():
    clean, errors = validate_order(_service(), {"link": " javascript:alert(1)", "quantity": "10"})
    assert clean is None
    assert "never sent to a panel" in errors["link"][0]
    media = _service(type="mentions_media_likers")
    values = {"link": "https://x.com/a", "quantity": "10", "media": "data:text/html,x"}
    clean, errors = validate_order(media, values)
    assert clean is None
    assert "never sent to a panel" in errors["media"][0]


def test_the_link_sent_is_the_one_typed():
    clean, _ = validate_order(
        _service(), {"link": "  https://WWW.X.com/a/?utm_source=z  ", "quantity": "10"}
    )
    assert clean is not None
    assert (
        add_fields("default", stored_values(clean))["link"] == "https://WWW.X.com/a/?utm_source=z"
    )
