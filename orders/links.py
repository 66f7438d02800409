"""Links and whole numbers as people type them: which links may be sent to a panel, the key
that says two links are the same target, and whole numbers read without guessing.

Pure functions, no database. The link sent to the panel is always what the person typed
(trimmed); the key is only for comparing ("is there already an active order on this?").
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit

# A scheme is letters before a colon, unless what follows the colon is a port number
# ("example.com:8080/x" has none). Browsers ignore leading spaces and control characters.
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):(?!\d)", re.IGNORECASE)
WEB_SCHEMES = frozenset({"http", "https"})
SCRIPT_SCHEMES = frozenset({"javascript", "data", "vbscript", "file", "blob"})
DEFAULT_PORTS = {"http": 80, "https": 443}
HOST_PREFIXES = ("www.", "m.")  # the same site: www.instagram.com, m.facebook.com

# Query parameters that only say where a click came from: dropped from the key.
TRACKING = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "igshid",
        "igsh",
        "si",
        "mc_cid",
        "mc_eid",
        "ref_src",
        "ref_url",
        "_ga",
        "_gl",
    }
)
TRACKING_PREFIXES = ("utm_",)
TRACKING_VALUES = {"feature": frozenset({"share", "shared", "youtu.be"})}  # only these values
# Per site (without www./m.): share markers that are not part of the target there.
SITE_TRACKING = {
    "twitter.com": frozenset({"s", "t"}),
    "x.com": frozenset({"s", "t"}),
    "tiktok.com": frozenset({"_r", "_t", "is_from_webapp", "sender_device", "is_copy_url"}),
    "vm.tiktok.com": frozenset({"_r", "_t"}),
}
KEY_MAX = 255  # longer keys are stored as a hash of themselves

# Whole numbers: digits, or thousands in groups of three (1,000 · 1 000 · 12,345,678).
_SPACES = "\u00a0\u202f\u2009 "
_PLAIN = re.compile(r"^[+-]?[0-9]+$")
_GROUPED = re.compile(r"^[+-]?[0-9]{1,3}(?:([, ])[0-9]{3})(?:\1[0-9]{3})*$")


# ---- Links ----------------------------------------------------------------------------------

# What a browser skips before a link's scheme: spaces and control characters (built once: the
# checks run for every row of an upload).
_LEADING = "".join(chr(c) for c in range(33)) + "\x7f\u00a0\ufeff"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # Unicode's control characters (Cc), all of them
_SPACE = re.compile(r"\s")  # what str.isspace calls a space


def scheme_of(link: str) -> str:
    """The scheme the link starts with, lower-case ("" when it has none), read the way a
    browser would: leading spaces and control characters skipped."""
    start = link.lstrip(_LEADING)
    match = _SCHEME.match(start)
    return match.group(1).lower() if match else ""


def link_problem(link: str) -> str:
    """Why this link must not be sent to a panel ("" when it may). A link is a web address
    (http/https), an address without a scheme (`instagram.com/x`), or a username."""
    problem = scheme_problem(link)
    if problem:
        return problem
    scheme = scheme_of(link)
    if _CONTROL.search(link):
        return "A link cannot contain control characters."
    if _SPACE.search(link):
        return "A link cannot contain spaces."
    if scheme and not _host(link):
        return f"This link has no site name after {scheme}://."
    return ""


def scheme_problem(link: str) -> str:
    """Why this value's scheme must not reach a panel ("" when it has none or http/https)."""
    scheme = scheme_of(link)
    # "javascript:1" reads like a host and port to the rule above, but not to a browser.
    lowered = link.lstrip(_LEADING).lower()
    scheme = next((s for s in sorted(SCRIPT_SCHEMES) if lowered.startswith(f"{s}:")), scheme)
    if scheme in SCRIPT_SCHEMES:
        return (
            f"{scheme}: links are not web addresses and are never sent to a panel. "
            "Give the http:// or https:// address of the post or profile."
        )
    if scheme and scheme not in WEB_SCHEMES:
        return f"Links must start with http:// or https://. This one starts with {scheme}:."
    return ""


def _host(link: str) -> str:
    try:
        return urlsplit(link).hostname or ""
    except ValueError:
        return ""


def link_key(link: str) -> str:
    """What two links must share to be the same target: scheme dropped (http, https and none
    alike), host lower-case without www./m. and without its default port, no trailing slash,
    no fragment, no tracking parameters, the other parameters sorted. The path keeps its case
    (post ids are case-sensitive). A value that is not an address (a username) is compared
    without its @ and case."""
    text = link.strip()
    if not text:
        return ""
    scheme = scheme_of(text)
    if not scheme and not text.startswith("//"):
        head = text.split("/", 1)[0].split("?", 1)[0]
        if "." not in head.strip(".") and "/" not in text:
            return _capped(text.lstrip("@").casefold())  # a username
        text = "//" + text
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").rstrip(".")
        port = parts.port
    except ValueError:  # e.g. a port that is not a number: compare as typed
        return _capped(text)
    for prefix in HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix) :]
            break
    default = (DEFAULT_PORTS[scheme],) if scheme in DEFAULT_PORTS else (80, 443)
    if port is not None and port not in default:
        host = f"{host}:{port}"
    path = parts.path.rstrip("/")
    query = _clean_query(parts.query, host)
    return _capped(host + path + (f"?{query}" if query else ""))


def _clean_query(query: str, host: str) -> str:
    site = SITE_TRACKING.get(host, frozenset())
    kept = []
    for name, value in parse_qsl(query, keep_blank_values=True):
        lower = name.lower()
        if lower in TRACKING or lower.startswith(TRACKING_PREFIXES) or lower in site:
            continue
        if value.lower() in TRACKING_VALUES.get(lower, ()):
            continue
        kept.append((name, value))
    return urlencode(sorted(kept))


def _capped(key: str) -> str:
    if len(key) <= KEY_MAX:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def target_key(*, link: str, params: Mapping[str, object] | None = None) -> str:
    """The key of an order's target: its link, or (without a link, as for subscriptions) its
    username. Orders with the same key on one panel are one target to that panel."""
    if link.strip():
        return link_key(link)
    username = str((params or {}).get("username", "") or "").strip()
    return _capped(username.lstrip("@").casefold()) if username else ""


# ---- Whole numbers --------------------------------------------------------------------------


def read_whole(raw: str) -> int:
    """A whole number as typed: plain digits, or thousands in groups of three separated by
    commas or spaces. Raises ValueError with a message for people for anything else, such
    as 1,5 or 1.5 (not whole) or 1,00 (not thousands): never a guess."""
    text = raw.strip()
    squeezed = "".join(" " if c in _SPACES else c for c in text)
    if _PLAIN.match(squeezed):
        return int(squeezed)
    if _GROUPED.match(squeezed):
        return int(squeezed.replace(",", "").replace(" ", ""))
    shown = text[:20]
    if re.fullmatch(r"[+-]?[0-9]*[.,][0-9]+", squeezed) or re.fullmatch(
        r"[+-]?[0-9][0-9 ,]*\.[0-9]+", squeezed
    ):
        return _refuse(
            f"Enter a whole number: {shown!r} has a decimal part (commas only "
            "separate thousands, as in 1,000)."
        )
    if re.fullmatch(r"[+-]?[0-9][0-9 ,]*", squeezed):
        return _refuse(
            f"Enter a whole number: {shown!r} is not one (separate thousands in "
            "groups of three, as in 1,000 or 1 000)."
        )
    return _refuse(f"Enter a whole number, not {shown!r}.")


def _refuse(message: str) -> int:
    raise ValueError(message)


def whole_or_none(value: object) -> int | None:
    """read_whole, or None when the value is empty or not a whole number."""
    try:
        return read_whole(str(value if value is not None else ""))
    except ValueError:
        return None
