"""Read a service's name and category into a signature: platform, kind, type, audience.

The reading is deliberately literal: words are looked up in `vocabulary` tables, and anything
unclear (two platforms, two kinds, no kind at all) leaves the service unrecognised, which means
it is never matched. A missed suggestion costs a person a search; a wrong one costs money.
A package's kind carries its quantity ("likes_1000"): its rate buys that many, no other number.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from panels.api.order_types import FLAT, ORDER_TYPES, order_type_key

from . import vocabulary as vocab
from .local_words import REACTION_EMOJI, emoji_token
from .sizes import package_size


@dataclass(frozen=True, slots=True)
class ServiceFacts:
    """One service of one panel, as the matcher needs it (built from a `panels.Service`)."""

    id: int
    panel_id: int
    panel_name: str
    name: str
    category: str
    type: str  # order type key ("default", "subscriptions"...); raw labels are normalised
    rate: Decimal  # per 1000 (flat for package types), in the panel's currency
    min: int
    max: int
    refill: bool
    cancel: bool
    dripfeed: bool
    refill_days: int | None = None
    # Rates in different currencies are not comparable: `compare_by_currency` groups offers by
    # currency and compares within a group only. Leave it empty when every rate is in one.
    currency: str = ""


@dataclass(frozen=True, slots=True)
class Signature:
    platform: str | None
    kind: str | None
    type: str
    audience: tuple[str, ...]  # targeting codes ("us", "arab", "female"); empty = worldwide
    qualifiers: tuple[str, ...]  # the rest of the name, for people: "hq", "refill 30d"
    problem: str | None  # why the service cannot be matched; None when it can

    @property
    def key(self) -> tuple[str, str, str, tuple[str, ...]] | None:
        """What two services must share to be the same offer; None: never matched."""
        if self.problem or self.platform is None or self.kind is None:
            return None
        return (self.platform, self.kind, self.type, self.audience)

    @property
    def label(self) -> str:
        """For people: "Instagram · Followers · Default" ("?" for what could not be read)."""
        parts = [
            vocab.platform_label(self.platform) if self.platform else "?",
            vocab.kind_label(self.kind) if self.kind else "?",
            ORDER_TYPES[self.type].label,
        ]
        if self.audience:
            parts.append(" + ".join(audience_label(code) for code in self.audience))
        return " · ".join(parts)


def audience_label(code: str) -> str:
    return code.upper() if len(code) == 2 else code.title()


def describe(facts: ServiceFacts) -> Signature:
    type_key = facts.type if facts.type in ORDER_TYPES else order_type_key(facts.type)
    return _describe(facts.name, facts.category, type_key)


@dataclass(frozen=True, slots=True)
class _Reading:
    """What one text (a name or a category) says, before name and category are combined."""

    platforms: frozenset[str]
    bases: frozenset[str]
    mods: frozenset[str]
    audience: frozenset[str]
    qualifiers: tuple[str, ...]
    # Bases named in a part without any variant: "YouTube Views | Live Views" names plain
    # views beside live ones, so the category does not say which a vague name sells.
    plain_bases: frozenset[str] = frozenset()
    unnamed: bool = False  # "Targeted", "Country": aimed somewhere, but where is not said
    explicit: bool = False  # "Video Views", "Post Likes": the name says the plain content
    excluding: bool = False  # "USA excluded": a named audience may be the one left out


# Memoised: every `compare` describes all its candidates again; categories are cached below.
@lru_cache(maxsize=16384)
def _describe(name: str, category: str, type_key: str) -> Signature:
    own, cat = _read(name), _read(category)
    audience = tuple(sorted(own.audience | cat.audience))
    platform, problem = _one_platform(own.platforms or cat.platforms)
    source = own if own.bases else cat  # the text that names the kind
    bases = source.bases
    # Mention services name their targets: "Mentions [Media Likers]", "[User Followers]".
    if "mentions" in bases and type_key.startswith("mentions"):
        bases = frozenset({"mentions"})
    if "comment" in source.mods:
        bases -= {"comments"}  # "Comment Likes - Top Comment": the comment is what is liked
    base, kind_problem = _one_base(bases)
    problem = problem or kind_problem
    mods = set(own.mods)
    # The category narrows a vague name ("Views" under "Instagram Story Views"), but only
    # when it talks about the same base: "Comment Likes" under "Instagram Comments" stays.
    if not cat.bases or cat.bases == {base}:
        if not own.mods & vocab.VARIANT_MODS and not own.explicit:
            if cat.mods & vocab.VARIANT_MODS and base in cat.plain_bases:
                problem = problem or "the category names this kind both plain and as a variant"
            mods |= cat.mods
        mods |= cat.mods - vocab.VARIANT_MODS
    if base != "reactions":
        # A ❤️ or 👍 on a likes service is an ornament (a telling emoji made two kinds above).
        mods -= vocab.REACTION_MODS
    if (own.unnamed or cat.unnamed) and not audience:
        problem = problem or "targeted, but the audience is not one we can read"
    if (own.excluding or cat.excluding) and audience:
        problem = problem or "an audience that may be excluded rather than targeted"
    mods -= vocab.IMPLIED_MODS.get(type_key, frozenset())
    variants = sorted(mods & vocab.VARIANT_MODS)
    if len(variants) > 1:
        problem = problem or f"several variants: {', '.join(variants)}"
    if type_key == "other":
        problem = problem or "unknown order type"
    size = None
    if type_key in ORDER_TYPES and ORDER_TYPES[type_key].pricing == FLAT:
        # A package's rate buys a fixed quantity: 500 likes and 1000 likes are two offers.
        size, size_problem = package_size(name)
        problem = problem or size_problem
    kind = None
    if base is not None and len(variants) <= 1:
        if platform is not None:
            base = vocab.PLATFORM_BASES.get((platform, base), base)
        kind = "_".join([m for m in vocab.MOD_ORDER if m in mods] + [base])
        if size is not None:
            kind = f"{kind}_{size}"
    return Signature(platform, kind, type_key, audience, own.qualifiers, problem)


def _one_platform(platforms: frozenset[str]) -> tuple[str | None, str | None]:
    # Threads is Instagram's app; names say "Instagram Threads Followers".
    if platforms == {"instagram", "threads"}:
        return "threads", None
    if len(platforms) == 1:
        return next(iter(platforms)), None
    if not platforms:
        return None, "no platform in name or category"
    return None, f"several platforms: {', '.join(sorted(platforms))}"


def _one_base(bases: frozenset[str]) -> tuple[str | None, str | None]:
    if len(bases) == 1:
        return next(iter(bases)), None
    if not bases:
        return None, "no kind (followers, likes...) in name or category"
    # "Likes + Impressions" is a bundle, not the same offer as plain likes.
    return None, f"several kinds: {', '.join(sorted(bases))}"


_FLAG = re.compile("[\U0001f1e6-\U0001f1ff]{2}")
_OPENING, _CLOSING = "([{【「«", ")]}】」»"
# Separators between parts of a name; a hyphen only with spaces around it ("Non-Drop" stays).
_SEPARATOR = re.compile(r"\s-\s|[|/\\,;•·–—]")
_DIGIT = re.compile(r"\d")
_WORD = re.compile(r"[a-z0-9]+")
_NOT_SHOWN = re.compile(r"[^a-z0-9%.+\- ]")  # what a qualifier shown to people drops
_POSTS = re.compile(r"(\d+)\s*posts\b")
_SERVER = re.compile(r"\b(?:server|srv|sv|s|sunucu|may chu)\s*-?\s*#?\d+\b|#\d+\b")
# Reaction emoji become words the vocabulary knows (a part of their own, like other symbols).
_EMOJI = re.compile("|".join(map(re.escape, REACTION_EMOJI)))
_EMOJI_WORDS = frozenset(map(emoji_token, REACTION_EMOJI))


def _emoji_word(found: re.Match[str]) -> str:
    return f"|{emoji_token(found.group())}|"


@lru_cache(maxsize=4096)  # categories repeat across a whole catalog
def _read(text: str) -> _Reading:
    audience = {_flag_code(flag) for flag in _FLAG.findall(text)}
    platforms: set[str] = set()
    bases: set[str] = set()
    mods: set[str] = set()
    qualifiers: list[str] = []
    plain_bases: set[str] = set()
    unnamed = explicit = excluding = False
    seen_plain = False
    for segment, bracketed in _segments(_EMOJI.sub(_emoji_word, _FLAG.sub("|", text))):
        # Delivery details ("[Max 50K]", "| 1K Likes/Day") carry numbers and may repeat a kind
        # word; they only narrow (mods, audience), so a stray "Likes" in them cannot mislead.
        # A server number ("Server 7", "S2", "SV3") is part of the name, not a detail.
        detail = bool(_DIGIT.search(_SERVER.sub(" ", segment))) and (bracketed or seen_plain)
        # An emoji read as a word ("🔥 Instagram Followers 30 Days") is no part of its own.
        seen_plain = seen_plain or not (bracketed or segment in _EMOJI_WORDS)
        leftover: list[str] = []
        titled = False  # the part naming the platform: show only its unknown words
        segment_bases: set[str] = set()
        segment_variant = False
        for roles, words in _phrases(_WORD.findall(segment)):
            titled = titled or any(role == vocab.PLATFORM for role, _ in roles)
            for role, value in roles:
                if role == vocab.MOD:
                    mods.add(value)
                elif role == vocab.AUDIENCE:
                    audience.add(value)
                elif role == vocab.PLATFORM and not detail:
                    platforms.add(value)
                elif role == vocab.BASE and not detail:
                    bases.add(value)
                    segment_bases.add(value)
                elif role == vocab.UNNAMED and value == "except":
                    excluding = True
                elif role == vocab.UNNAMED:
                    unnamed = True
                elif role == vocab.EXPLICIT and not detail:
                    explicit = True
                segment_variant = segment_variant or (
                    role == vocab.MOD and value in vocab.VARIANT_MODS
                )
            if not roles and words[0] not in vocab.NEUTRAL:
                leftover.extend(words)
        # "Last 5 Posts": the quantity is spread over several posts, unlike a one-post order.
        if any(int(n) > 1 for n in _POSTS.findall(segment)):
            mods.add("multi_post")
        if not segment_variant:
            plain_bases |= segment_bases
        # Other parts are shown whole when they say anything: "Top Comment", "Future Posts".
        if detail or (leftover and not titled):
            leftover = _NOT_SHOWN.sub(" ", segment).split()
        if leftover:
            qualifiers.append(" ".join(leftover))
    return _Reading(
        frozenset(platforms),
        frozenset(bases),
        frozenset(mods),
        frozenset(audience),
        tuple(dict.fromkeys(qualifiers)),
        frozenset(plain_bases),
        unnamed,
        explicit,
        excluding,
    )


def _flag_code(flag: str) -> str:
    code = "".join(chr(ord(ch) - 0x1F1E6 + ord("a")) for ch in flag)
    return "gb" if code == "uk" else code


def _segments(text: str) -> list[tuple[str, bool]]:
    """Parts of a text split at brackets and separators; True for bracketed parts."""
    pieces: list[tuple[str, bool]] = []
    depth = 0
    for piece in _BRACKET.split(_fold(text)):
        if piece in _OPENING or piece in _CLOSING:
            depth = max(0, depth + (1 if piece in _OPENING else -1))
        else:
            pieces.append((piece, depth > 0))
    return [
        (part.strip(), bracketed)
        for piece, bracketed in pieces
        for part in _SEPARATOR.split(f" {piece} ")
        if part.strip()
    ]


# Emoji and other symbols separate parts: "📸 Instagram ⚡ Refill 30D".
_ASCII_SYMBOLS = str.maketrans(dict.fromkeys([*"$+<=>^`|~", *map(chr, range(32))], "|"))
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_BRACKET = re.compile(f"([{re.escape(_OPENING + _CLOSING)}])")


def _fold(text: str) -> str:
    if not text.isascii():
        # Vietnamese "đ" has no decomposition: "Lượt đăng ký" must read as "luot dang ky".
        text = text.replace("đ", "d").replace("Đ", "D")
        # NFKD folds accents and the "fancy font" letters some panels use (𝗜𝗻𝘀𝘁𝗮 -> Insta).
        text = _NON_ASCII.sub(_fold_char, unicodedata.normalize("NFKD", text))
    return text.translate(_ASCII_SYMBOLS).casefold()


def _fold_char(found: re.Match[str]) -> str:
    category = unicodedata.category(found.group())
    if category == "Mn":
        return ""  # the accent of a letter NFKD took apart
    return "|" if category[0] == "S" or category in ("Cc", "Cf") else found.group()


def _phrases(words: list[str]) -> list[tuple[tuple[vocab.Role, ...], list[str]]]:
    """Longest known phrase first: "live stream views" is live + views, not "stream"."""
    found: list[tuple[tuple[vocab.Role, ...], list[str]]] = []
    i = 0
    while i < len(words):
        for size in range(min(vocab.LONGEST_PHRASE, len(words) - i), 0, -1):
            roles = vocab.PHRASES.get(tuple(words[i : i + size]))
            if roles is not None:
                found.append((roles, words[i : i + size]))
                i += size
                break
        else:
            found.append(((), [words[i]]))
            i += 1
    return found
