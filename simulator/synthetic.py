"""Deterministic filler services, so benchmarks can ask for a catalog of any size.

Names come from platform x kind x tier x refill x start lists (pairwise coprime lengths, so the
first 12,012 names are all different; later ones get a " - Server N" suffix), written in the
naming style of the catalog they pad. Rates, limits and flags vary with a cheap integer hash of
the index: no randomness, the same catalog on every run and every machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .catalog import CUSTOM_COMMENTS, DEFAULT, PACKAGE, SUBSCRIPTIONS, Service, make_service

# (name, short name, emoji): 13 platforms.
PLATFORMS = (
    ("Instagram", "IG", "📸"),
    ("TikTok", "TT", "🎵"),
    ("YouTube", "YT", "▶️"),
    ("Telegram", "TG", "✈️"),
    ("X (Twitter)", "X", "🐦"),
    ("Facebook", "FB", "📘"),
    ("Spotify", "Spotify", "🎧"),
    ("Twitch", "Twitch", "🎮"),
    ("Threads", "Threads", "🧵"),
    ("LinkedIn", "LinkedIn", "💼"),
    ("SoundCloud", "SC", "☁️"),
    ("Pinterest", "Pin", "📌"),
    ("Reddit", "Reddit", "👽"),
)
# (kind, order type, rate per 1000 before tiers, typical min, typical max): 11 kinds.
KINDS = (
    ("Followers", DEFAULT, "1.60", 50, 100000),
    ("Likes", DEFAULT, "0.40", 20, 200000),
    ("Views", DEFAULT, "0.030", 100, 10000000),
    ("Custom Comments", CUSTOM_COMMENTS, "11.00", 5, 1000),
    ("Shares", DEFAULT, "0.55", 100, 500000),
    ("Saves", DEFAULT, "0.35", 100, 500000),
    ("Live Viewers", DEFAULT, "3.20", 50, 20000),
    ("Members", DEFAULT, "1.10", 100, 100000),
    ("Plays", DEFAULT, "0.70", 1000, 10000000),
    ("Auto Likes [Subscription]", SUBSCRIPTIONS, "0.35", 50, 10000),
    ("Likes Package [1K]", PACKAGE, "2.60", 1, 1),
)
# (tier, price factor): 7 tiers.
TIERS = (
    ("Real", "1.30"),
    ("HQ", "1.15"),
    ("Cheap", "0.55"),
    ("Premium", "1.60"),
    ("Non Drop", "1.25"),
    ("USA", "1.90"),
    ("Bots", "0.40"),
)
REFILL_DAYS = (0, 30, 90, 365)  # 4; 0: no refill
STARTS = ("Start 0-1h", "Start 0-12h", "Instant")  # 3
SPAN = len(PLATFORMS) * len(KINDS) * len(TIERS) * len(REFILL_DAYS) * len(STARTS)  # 12,012
MINS = (1, 2, 5)  # the typical min times one of these
MAXES = (1, 5, 10, 50)  # the typical max divided by one of these


@dataclass(frozen=True)
class Style:
    """How one panel writes names and categories; fields as in `_fields`."""

    name: str
    category: str
    price: str  # the whole panel is this much dearer or cheaper


STYLES: dict[str, Style] = {
    "base": Style("{platform} {kind} [{tier}] [{refill}] [{start}]", "{platform} {kind}", "1"),
    "alt1": Style("{short} {kind} - {tier} [{refill_short}] {start}", "{platform} - {kind}", "0.9"),
    "alt2": Style(
        "{emoji} {platform} {kind} | {tier} | {refill_long} | {start}",
        "⭐ {platform} {kind} ⭐",
        "1.15",
    ),
}


def _mix(value: int) -> int:
    """A cheap 32-bit integer hash (Knuth's multiplicative hash plus an xorshift)."""
    value = (value * 2654435761) & 0xFFFFFFFF
    return value ^ (value >> 16)


def _refill_texts(days: int) -> tuple[str, str, str]:
    if not days:
        return "No Refill", "No Refill", "No Refill"
    if days == 365:
        return "Lifetime Refill", "Refill 365D", "Lifetime Refill"
    return f"Refill {days}D", f"Refill {days}D", f"{days} Days Refill"


def synthetic_service(index: int, sid: int, style: Style) -> Service:
    """The `index`-th filler service (0-based), given the id `sid`."""
    platform, short, emoji = PLATFORMS[index % len(PLATFORMS)]
    kind, stype, rate, low, high = KINDS[index % len(KINDS)]
    tier, factor = TIERS[index % len(TIERS)]
    days = REFILL_DAYS[index % len(REFILL_DAYS)]
    start = STARTS[index % len(STARTS)]
    refill, refill_short, refill_long = _refill_texts(days)
    name = style.name.format(
        platform=platform,
        short=short,
        emoji=emoji,
        kind=kind,
        tier=tier,
        refill=refill,
        refill_short=refill_short,
        refill_long=refill_long,
        start=start,
    )
    if index >= SPAN:
        name += f" - Server {index // SPAN + 1}"
    category = style.category.format(platform=platform, kind=kind)
    bits = _mix(index + 1)
    jitter = Decimal(85 + bits % 31) / 100  # 0.85 .. 1.15
    price = Decimal(rate) * Decimal(factor) * Decimal(style.price) * jitter
    if days:
        price *= Decimal("1.1")
    limits = (1, 1)
    if stype != PACKAGE:
        limits = (low * MINS[(bits >> 5) % 3], max(high // MAXES[(bits >> 7) % 4], low * 10))
    return make_service(
        sid,
        name,
        stype,
        category,
        str(price.quantize(Decimal("0.0001"))),
        limits,
        refill=bool(days),
        cancel=bool(bits >> 9 & 1),
        dripfeed=stype == DEFAULT and bool(bits >> 10 & 1),
        refill_days=days or 30,
    )


def sized(fixed: tuple[Service, ...], size: int | None, style: Style) -> tuple[Service, ...]:
    """`fixed` cut or padded to exactly `size` services (None: as it is).

    Padding ids follow the highest fixed id. A size below the fixed table keeps its first
    `size` services, which may no longer cover every order type.
    """
    if size is None:
        return fixed
    if size < 0:
        raise ValueError("catalog_size must not be negative")
    if size <= len(fixed):
        return fixed[:size]
    first = max(service.id for service in fixed) + 1
    extra = size - len(fixed)
    return fixed + tuple(synthetic_service(i, first + i, style) for i in range(extra))
