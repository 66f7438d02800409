"""Cross-panel matching: names read as real panels write them, near misses kept apart."""

from __future__ import annotations

import re
from decimal import Decimal
from itertools import combinations

import pytest

from panels.api.order_types import order_type_key
from panels.matching import (
    Difference,
    ServiceFacts,
    compare,
    compare_by_currency,
    describe,
    group_catalog,
    group_key,
    mismatch_reason,
    same_offer,
)
from simulator.catalogs import BUILDERS


def facts(
    name: str,
    category: str = "",
    type: str = "default",
    *,
    id: int = 1,
    panel: tuple[int, str] = (1, "Panel"),
    rate: str = "1.00",
    min: int = 100,
    max: int = 10000,
    refill: bool = False,
    refill_days: int | None = None,
    cancel: bool = False,
    dripfeed: bool = False,
    currency: str = "",
) -> ServiceFacts:
    return ServiceFacts(
        id=id,
        panel_id=panel[0],
        panel_name=panel[1],
        name=name,
        category=category,
        type=type,
        rate=Decimal(rate),
        min=min,
        max=max,
        refill=refill,
        cancel=cancel,
        dripfeed=dripfeed,
        refill_days=refill_days,
        currency=currency,
    )


# (name, category, order type, expected (platform, kind) or None for "unrecognised")
READINGS = [
    # Instagram followers, written six ways
    (
        "IG Followers - HQ [Refill 30D] ⚡",
        "Instagram - Followers",
        "default",
        ("instagram", "followers"),
    ),
    (
        "Instagram Followers | Real Looking | 30 Days Refill",
        "",
        "default",
        ("instagram", "followers"),
    ),
    ("📸 Instagram - Followers [Max 50K] [Start 0-1h]", "", "default", ("instagram", "followers")),
    ("Followers [Real]", "⭐ Instagram Followers ⭐", "default", ("instagram", "followers")),
    ("Followers", "IG | Followers", "default", ("instagram", "followers")),
    ("Insta Followers 💎 Non-Drop", "", "default", ("instagram", "followers")),
    ("𝗜𝗻𝘀𝘁𝗮𝗴𝗿𝗮𝗺 𝗙𝗼𝗹𝗹𝗼𝘄𝗲𝗿𝘀 [HQ]", "", "default", ("instagram", "followers")),
    # Instagram near misses and variants
    ("Instagram Likes [Fast]", "Instagram Likes", "default", ("instagram", "likes")),
    ("Instagram Story Views", "Instagram Views", "default", ("instagram", "story_views")),
    ("IG Story Views - All Stories", "", "default", ("instagram", "story_views")),
    ("Views [Fast]", "Instagram Story Views", "default", ("instagram", "story_views")),
    (
        "📸 Instagram Reels Views | Instant",
        "🔥 New Services 🔥",
        "default",
        ("instagram", "reels_views"),
    ),
    ("Instagram Live Video Views [30 Min]", "", "default", ("instagram", "live_views")),
    ("Instagram Comment Likes", "Instagram Comments", "default", ("instagram", "comment_likes")),
    ("IG Comment Likes - Top Comment", "", "comment_likes", ("instagram", "comment_likes")),
    ("Instagram Comments (custom)", "", "custom_comments", ("instagram", "comments")),
    ("Instagram Custom Comments", "", "default", ("instagram", "custom_comments")),
    ("Instagram Random Comments [Real]", "", "default", ("instagram", "comments")),
    ("Instagram Auto Likes [Subscription]", "", "subscriptions", ("instagram", "likes")),
    ("Instagram Auto Likes [10 Posts]", "", "default", ("instagram", "auto_multi_post_likes")),
    ("Instagram Impressions", "", "default", ("instagram", "impressions")),
    ("Instagram Reach [Max 1M]", "", "default", ("instagram", "reach")),
    ("Instagram Saves", "", "default", ("instagram", "saves")),
    ("Instagram Profile Visits", "", "default", ("instagram", "visits")),
    (
        "Instagram Mentions [User Followers]",
        "",
        "mentions_user_followers",
        ("instagram", "mentions"),
    ),
    ("Instagram Likes Package [1000 Likes]", "", "package", ("instagram", "likes_1000")),
    ("Threads Followers - Real ⚡", "", "default", ("threads", "followers")),
    ("Instagram Threads Likes", "", "default", ("threads", "likes")),
    # TikTok
    ("TikTok Video Views [Cheapest]", "", "default", ("tiktok", "views")),
    ("TT Views ⚡ Instant", "", "default", ("tiktok", "views")),
    ("🎵 TikTok Views | Fast | Cheap", "⭐ TikTok ⭐", "default", ("tiktok", "views")),
    ("TikTok Likes", "TikTok Likes", "default", ("tiktok", "likes")),
    ("TikTok Comment Likes", "TikTok - Comments", "default", ("tiktok", "comment_likes")),
    ("Tik Tok Fans [Refill 30D]", "", "default", ("tiktok", "followers")),
    ("🎵 TikTok Live Stream Views | 15 Min", "", "default", ("tiktok", "live_views")),
    ("TikTok Shares - Instant", "", "default", ("tiktok", "shares")),
    # YouTube
    ("YT Views - Non Drop", "", "default", ("youtube", "views")),
    (
        "YouTube Views [Non Drop] [Lifetime Refill]",
        "YouTube Views",
        "default",
        ("youtube", "views"),
    ),
    ("YouTube Live Stream Views", "", "default", ("youtube", "live_views")),
    (
        "▶️ YouTube Live Stream Views | 60 Min",
        "⭐ YouTube Views ⭐",
        "default",
        ("youtube", "live_views"),
    ),
    ("YouTube Shorts Views", "", "default", ("youtube", "shorts_views")),
    ("YT Subs 🔥 [Refill 30D]", "", "default", ("youtube", "subscribers")),
    ("▶️ YouTube Watch Hours | 4000 Hours", "", "package", ("youtube", "watch_hours_4000")),
    ("YouTube Dislikes", "", "default", ("youtube", "dislikes")),
    # X / Twitter
    ("Twitter Followers", "", "default", ("twitter", "followers")),
    ("X Followers - HQ [Refill 30D]", "", "default", ("twitter", "followers")),
    ("X (Twitter) Followers", "X (Twitter) Followers", "default", ("twitter", "followers")),
    ("🐦 X Likes", "⭐ Twitter / X ⭐", "default", ("twitter", "likes")),
    ("X Reposts", "", "default", ("twitter", "retweets")),
    # Telegram
    ("Telegram Channel Members", "", "default", ("telegram", "members")),
    ("TG Channel Subscribers [Refill 30D]", "", "default", ("telegram", "members")),
    ("Telegram Post Views [Last 1 Post]", "", "default", ("telegram", "views")),
    ("✈️ Telegram Post Views | Last 5 Posts", "", "default", ("telegram", "multi_post_views")),
    ("Telegram Poll Votes", "Telegram Polls", "poll", ("telegram", "votes")),
    # Facebook, Spotify and the rest
    ("Facebook Page Likes [Refill 30D]", "", "default", ("facebook", "page_likes")),
    ("FB Post Likes", "", "default", ("facebook", "likes")),
    ("Spotify Plays", "", "default", ("spotify", "plays")),
    ("Spotify Streams [Premium]", "", "default", ("spotify", "plays")),
    (
        "🎧 Spotify Monthly Listeners | Package 1000",
        "⭐ Spotify ⭐",
        "package",
        ("spotify", "listeners_1000"),
    ),
    ("Twitch Live Viewers [1 Hour]", "", "default", ("twitch", "live_views")),
    ("🎮 Discord Server Members | Offline", "", "default", ("discord", "members")),
    ("LinkedIn Company Page Followers", "", "default", ("linkedin", "page_followers")),
    ("SoundCloud Plays", "", "default", ("soundcloud", "plays")),
    ("Website Traffic [Google Search]", "", "default", ("website", "traffic")),
    # Unrecognised: better no suggestion than a wrong one
    ("Followers", "First Category", "default", None),
    ("Comments", "Second Category", "custom_comments", None),
    ("Premium Package", "🔥 New Services 🔥", "package", None),
    ("Instagram Special Offer", "", "default", None),
    ("Instagram Likes + Impressions", "", "default", None),
    ("📘 Facebook Page Likes + Followers | 30 Days Refill", "", "default", None),
    ("Instagram Views (Story/Reels/IGTV)", "", "default", None),
    ("Website Traffic from Instagram", "", "default", None),
    ("Instagram Followers", "", "other", None),
]


@pytest.mark.parametrize(("name", "category", "type_key", "expected"), READINGS)
def test_it_reads_platform_and_kind_from_real_names(
    name: str, category: str, type_key: str, expected: tuple[str, str] | None
) -> None:
    signature = describe(facts(name, category, type_key))
    if expected is None:
        assert signature.key is None
        assert signature.problem
    else:
        assert (signature.platform, signature.kind) == expected, signature.problem
        assert signature.key == (*expected, type_key, ())


def test_the_table_is_big_enough_to_mean_something() -> None:
    assert len(READINGS) >= 40


def test_qualifiers_are_kept_for_people_but_not_matched_on() -> None:
    signature = describe(facts("IG Followers - HQ [Refill 30D] ⚡"))
    assert signature.qualifiers == ("hq", "refill 30d")
    other = describe(facts("📸 Instagram - Followers [Max 50K] [Start 0-1h]"))
    assert other.qualifiers == ("max 50k", "start 0-1h")
    assert signature.key == other.key


def test_targeting_takes_part_and_a_flag_reads_as_its_country() -> None:
    usa = describe(facts("Instagram Followers [USA] 🔥"))
    flag = describe(facts("𝗜𝗻𝘀𝘁𝗮𝗴𝗿𝗮𝗺 Followers 🇺🇸"))
    assert usa.audience == flag.audience == ("us",)
    assert usa.key == flag.key
    assert usa.label == "Instagram · Followers · Default · US"
    assert same_offer(facts("Instagram Followers [USA]"), facts("Instagram Followers")) is None


def test_raw_type_labels_are_normalised() -> None:
    assert describe(facts("Instagram Comments", type="Custom Comments")).type == "custom_comments"


# Pairs a person would call the same offer (each: name/category of a, of b, shared type).
SAME = [
    (
        ("IG Followers - HQ [Refill 30D] ⚡", ""),
        ("Instagram Followers | Real Looking | 30 Days Refill", ""),
        "default",
    ),
    (
        ("📸 Instagram - Followers [Max 50K] [Start 0-1h]", ""),
        ("Followers [Real]", "⭐ Instagram Followers ⭐"),
        "default",
    ),
    (("Followers", "IG | Followers"), ("Followers", "Instagram - Followers"), "default"),
    (("YT Views - Non Drop", ""), ("YouTube Views [Non Drop] [Lifetime Refill]", ""), "default"),
    (("TikTok Video Views [Cheapest]", ""), ("TT Views ⚡ Instant", ""), "default"),
    (("Twitter Followers", ""), ("X Followers", ""), "default"),
    (
        ("X (Twitter) Followers", ""),
        ("🐦 X Followers | 30 Days Refill", "⭐ Twitter / X ⭐"),
        "default",
    ),
    (("Telegram Channel Members", ""), ("TG Channel Subscribers", ""), "default"),
    (("Spotify Plays", ""), ("Spotify Streams [Premium]", ""), "default"),
    (("Instagram Story Views", ""), ("IG Story Views - All Stories", ""), "default"),
    (("Instagram Comment Likes", ""), ("IG Comment Likes - Top Comment", ""), "comment_likes"),
    (
        ("Instagram Auto Likes [Subscription]", ""),
        ("Instagram Likes | Future Posts", ""),
        "subscriptions",
    ),
    (
        ("Instagram Comments (custom)", ""),
        ("IG Comments - Custom [Real Accounts]", ""),
        "custom_comments",
    ),
]


@pytest.mark.parametrize(("a", "b", "type_key"), SAME)
def test_the_same_offer_matches_and_says_why(
    a: tuple[str, str], b: tuple[str, str], type_key: str
) -> None:
    first, second = facts(*a, type_key), facts(*b, type_key, panel=(2, "Other"))
    match = same_offer(first, second)
    assert match is not None, mismatch_reason(first, second)
    assert match == same_offer(second, first)
    assert mismatch_reason(first, second) == ""
    assert match.key == group_key(first) == group_key(second)


def test_the_explanation_is_short_and_human() -> None:
    match = same_offer(facts("IG Followers"), facts("Instagram Followers"))
    assert match is not None
    assert match.explanation == "Instagram · Followers · Default"
    x = same_offer(
        facts("X Likes", type="subscriptions"), facts("Twitter Auto Likes", type="subscriptions")
    )
    assert x is not None
    assert x.explanation == "X (Twitter) · Likes · Subscriptions"


# Near misses: (a, type of a), (b, type of b), the part of the reason that must show.
NEAR_MISSES = [
    (("Instagram Followers", "default"), ("Instagram Story Views", "default"), "kind"),
    (("TikTok Likes", "default"), ("TikTok Comment Likes", "default"), "kind"),
    (("YouTube Views", "default"), ("YouTube Live Stream Views", "default"), "kind"),
    (
        ("Instagram Likes", "default"),
        ("Instagram Auto Likes [Subscription]", "subscriptions"),
        "type",
    ),
    (("Instagram Likes", "default"), ("Instagram Auto Likes", "default"), "kind"),
    (
        ("Instagram Comments (custom)", "custom_comments"),
        ("Instagram Comment Likes", "comment_likes"),
        "kind",
    ),
    (("Instagram Comments (custom)", "default"), ("Instagram Comment Likes", "default"), "kind"),
    (("Instagram Views", "default"), ("Instagram Reels Views", "default"), "kind"),
    (("YouTube Views", "default"), ("YouTube Shorts Views", "default"), "kind"),
    (("YouTube Likes", "default"), ("YouTube Dislikes", "default"), "kind"),
    (("Facebook Page Likes", "default"), ("Facebook Post Likes", "default"), "kind"),
    (("Instagram Followers", "default"), ("TikTok Followers", "default"), "platform"),
    (("Instagram Followers", "default"), ("Threads Followers", "default"), "platform"),
    (("Instagram Followers [USA]", "default"), ("Instagram Followers", "default"), "audience"),
    (
        ("Telegram Post Views [Last 1 Post]", "default"),
        ("Telegram Post Views | Last 5 Posts", "default"),
        "kind",
    ),
    (
        ("Instagram Likes", "default"),
        ("Instagram Likes + Impressions", "default"),
        "not recognised",
    ),
    (("Followers", "default"), ("Followers", "default"), "not recognised"),
]


@pytest.mark.parametrize(("a", "b", "reason"), NEAR_MISSES)
def test_near_misses_never_match(a: tuple[str, str], b: tuple[str, str], reason: str) -> None:
    first, second = facts(a[0], type=a[1]), facts(b[0], type=b[1], panel=(2, "Other"))
    assert same_offer(first, second) is None
    assert same_offer(second, first) is None
    assert reason in mismatch_reason(first, second)


def test_different_order_types_never_match() -> None:
    types = ["default", "subscriptions", "custom_comments", "package", "comment_likes", "seo"]
    for a, b in combinations(types, 2):
        # A package names its quantity (else it is unrecognised); "1000" is a plain number to
        # every other type.
        first, second = facts("Instagram Likes 1000", type=a), facts("Instagram Likes 1000", type=b)
        assert same_offer(first, second) is None
        reason = mismatch_reason(first, second)
        # A package's kind carries its quantity, so that differs first.
        assert "type differs" in reason or ("kind differs" in reason and "Package" in reason)


def test_an_unknown_order_type_never_matches_even_itself() -> None:
    service = facts("Instagram Followers", type="other")
    assert same_offer(service, service) is None
    assert "unknown order type" in mismatch_reason(service, service)


TARGET = facts(
    "Instagram Followers [Real] [Refill 30D]",
    "Instagram Followers",
    id=3,
    panel=(1, "Home"),
    rate="1.20",
    min=100,
    max=50000,
    refill=True,
    refill_days=30,
    cancel=True,
    dripfeed=True,
)


def _offers() -> list[ServiceFacts]:
    return [
        # The target's own panel: never suggested, however cheap.
        facts("Instagram Followers [Cheap]", id=4, panel=(1, "Home"), rate="0.10"),
        facts(
            "IG Followers - HQ [Refill 30D] ⚡",
            id=1001,
            panel=(2, "bravo"),
            rate="0.98",
            min=50,
            max=100000,
            refill=True,
            refill_days=30,
            cancel=True,
            dripfeed=True,
        ),
        facts(
            "IG Followers - Bots [No Refill]",
            id=1002,
            panel=(2, "bravo"),
            rate="0.39",
            min=10,
            max=10000,
        ),
        facts(
            "Followers",
            "⭐ Instagram Followers ⭐",
            id=501,
            panel=(3, "Alpha"),
            rate="0.98",
            max=100000,
            refill=True,
            refill_days=30,
            cancel=True,
            dripfeed=True,
        ),
        facts(
            "📸 Instagram - Followers [Max 200K]",
            id=502,
            panel=(4, "charlie"),
            rate="0.98",
            max=200000,
            refill=True,
            refill_days=30,
            cancel=True,
            dripfeed=True,
        ),
        facts("IG Story Views", id=503, panel=(3, "Alpha"), rate="0.01"),  # near miss
        facts("Instagram Followers", type="subscriptions", id=504, panel=(3, "Alpha"), rate="0.01"),
        facts(
            "Instagram Followers | 365 Days Refill",
            id=7,
            panel=(5, "Delta"),
            rate="1.35",
            min=100,
            max=50000,
            refill=True,
            refill_days=365,
            dripfeed=True,
        ),
    ]


def test_compare_lists_other_panels_cheapest_first_with_ties_broken() -> None:
    offers = compare(TARGET, _offers())
    # 0.98 three times: the larger max first, then the panel name (case does not matter).
    assert [(o.facts.panel_name, o.facts.id) for o in offers] == [
        ("bravo", 1002),
        ("charlie", 502),
        ("Alpha", 501),
        ("bravo", 1001),
        ("Delta", 7),
    ]
    assert all(o.facts.panel_id != TARGET.panel_id for o in offers)
    assert {o.explanation for o in offers} == {"Instagram · Followers · Default"}


def test_compare_marks_the_cheapest_offer_of_each_panel() -> None:
    best = {(o.facts.id, o.best_on_panel) for o in compare(TARGET, _offers())}
    assert best == {(1002, True), (502, True), (501, True), (1001, False), (7, True)}


def test_differences_are_exact_and_only_what_differs() -> None:
    offers = {o.facts.id: o for o in compare(TARGET, _offers())}
    bots = offers[1002]
    assert bots.rate_diff == Decimal("-0.81")
    assert bots.rate_diff_percent == Decimal("-67.50")
    assert bots.cheaper
    assert (bots.min_diff, bots.max_diff) == (-90, -40000)
    assert [d.field for d in bots.differences] == ["min", "max", "refill", "cancel", "dripfeed"]
    assert bots.differences[2] == Difference("refill", True, False, "refill: no (this: 30 days)")
    dearer = offers[7]
    assert (dearer.rate_diff, dearer.rate_diff_percent) == (Decimal("0.15"), Decimal("12.50"))
    assert not dearer.cheaper
    assert dearer.differences == (
        Difference("refill_days", 30, 365, "refill: 365 days (this: 30 days)"),
        Difference("cancel", True, False, "cancel: no (this: yes)"),
    )
    assert offers[501].differences == (
        Difference("max", 50000, 100000, "max 100000 (this: 50000)"),
    )


def test_rate_differences_stay_exact_for_tiny_and_odd_rates() -> None:
    target = facts("TikTok Views [Instant]", rate="0.0125")
    offer = facts("TikTok Video Views [Cheapest]", panel=(2, "b"), rate="0.0090")
    (only,) = compare(target, [offer])
    assert only.rate_diff == Decimal("-0.0035")
    assert only.rate_diff_percent == Decimal("-28.00")
    third = compare(
        facts("TikTok Views", rate="0.90"), [facts("TT Views", panel=(2, "b"), rate="0.30")]
    )
    assert third[0].rate_diff_percent == Decimal("-66.67")  # rounded half up to 0.01
    free = compare(
        facts("TikTok Views", rate="0"), [facts("TT Views", panel=(2, "b"), rate="0.30")]
    )
    assert free[0].rate_diff == Decimal("0.30")
    assert free[0].rate_diff_percent is None


def test_compare_skips_other_currencies_and_unrecognised_targets() -> None:
    target = facts("TikTok Views", currency="USD")
    inr = facts("TikTok Views", panel=(2, "b"), currency="INR", rate="0.50")
    usd = facts("TikTok Views", panel=(3, "c"), currency="USD", rate="2")
    assert [o.facts.panel_id for o in compare(target, [inr, usd])] == [3]
    assert (
        compare(
            facts("Followers", "First Category"),
            [facts("Followers", "First Category", panel=(2, "b"))],
        )
        == []
    )


def test_other_currencies_are_grouped_apart_and_compared_only_among_themselves() -> None:
    target = facts("TikTok Views", currency="EUR", rate="1.00")
    usd = [
        facts("TikTok Views", panel=(n, f"usd{n}"), currency="USD", rate=rate)
        for n, rate in ((2, "0.80"), (3, "0.40"), (4, "0.60"))
    ]
    inr = facts("TikTok Views", panel=(5, "inr"), currency="INR", rate="30")

    own, by_inr, by_usd = compare_by_currency(target, [*usd, inr])

    assert (own.currency, own.is_target, own.offers) == ("EUR", True, ())
    assert own.is_cheapest(target.rate)  # alone in its currency
    assert (by_inr.currency, by_usd.currency) == ("INR", "USD")
    assert [o.facts.rate for o in by_usd.offers] == [
        Decimal("0.40"),
        Decimal("0.60"),
        Decimal("0.80"),
    ]
    assert [by_usd.is_cheapest(o.facts.rate) for o in by_usd.offers] == [True, False, False]
    # No rate is compared across currencies.
    assert all(
        o.rate_diff is None and o.rate_diff_percent is None and not o.cheaper
        for o in by_usd.offers + by_inr.offers
    )


def test_the_cheapest_of_the_targets_currency_counts_the_target() -> None:
    target = facts("TikTok Views", currency="USD", rate="0.50")
    dearer = facts("TikTok Views", panel=(2, "b"), currency="USD", rate="0.70")
    same = facts("TikTok Views", panel=(3, "c"), currency="USD", rate="0.50")
    (own,) = compare_by_currency(target, [dearer])
    assert own.is_cheapest(target.rate)
    assert not own.is_cheapest(own.offers[0].facts.rate)  # the next best is not the cheapest
    (tied,) = compare_by_currency(target, [dearer, same])
    assert [tied.is_cheapest(o.facts.rate) for o in tied.offers] == [True, False]


def test_a_catalog_groups_in_one_pass_cheapest_first() -> None:
    catalog = [TARGET, *_offers(), facts("Followers", "First Category")]
    groups = group_catalog(catalog)
    followers = groups[("instagram", "followers", "default", ())]
    assert [s.id for s in followers] == [4, 1002, 502, 501, 1001, 3, 7]
    assert ("instagram", "story_views", "default", ()) in groups
    assert ("instagram", "followers", "subscriptions", ()) in groups
    assert sum(len(members) for members in groups.values()) == len(catalog) - 1
    assert group_key(facts("Followers", "First Category")) is None


# The simulator's three catalogs play three panels that name the same things differently.
def _simulator_catalogs() -> list[ServiceFacts]:
    services = []
    for panel_id, catalog in enumerate(("base", "alt1", "alt2"), start=1):
        for s in BUILDERS[catalog]():
            services.append(
                ServiceFacts(
                    id=s.id,
                    panel_id=panel_id,
                    panel_name=catalog,
                    name=s.name,
                    category=s.category,
                    type=order_type_key(s.type),
                    rate=Decimal(s.rate),
                    min=s.min,
                    max=s.max,
                    refill=s.refill,
                    cancel=s.cancel,
                    dripfeed=bool(s.dripfeed),
                    refill_days=int(s.refill_time or 0) or None,
                )
            )
    return services


@pytest.mark.parametrize(
    "key",
    [
        ("instagram", "followers", "default", ()),
        ("tiktok", "views", "default", ()),
        ("youtube", "views", "default", ()),
    ],
)
def test_simulator_catalogs_find_their_counterparts(key: tuple[str, str, str, tuple[()]]) -> None:
    services = _simulator_catalogs()
    members = [s for s in services if group_key(s) == key]
    assert {s.panel_id for s in members} == {1, 2, 3}  # every catalog sells it
    for service in members:
        offers = compare(service, services)
        expected = {s.id for s in members if s.panel_id != service.panel_id}
        assert {o.facts.id for o in offers} == expected, service.name
        assert {o.facts.panel_id for o in offers} == {1, 2, 3} - {service.panel_id}


# Words that make a different product of the same base; matched services must agree on them.
_MARKERS = {
    "story": "story",
    "stories": "story",
    "live": "live",
    "reel": "reels",
    "reels": "reels",
    "comment": "comment",
    "auto": "auto",
    "page": "page",
    "shorts": "shorts",
}


def _markers(service: ServiceFacts) -> set[str]:
    return {_MARKERS[w] for w in re.findall(r"[a-z]+", service.name.lower()) if w in _MARKERS}


def test_simulator_catalogs_never_pair_near_misses() -> None:
    services = _simulator_catalogs()
    pairs = 0
    for a, b in combinations(services, 2):
        if a.panel_id != b.panel_id and same_offer(a, b):
            pairs += 1
            assert _markers(a) == _markers(b), (a.name, b.name)
    assert pairs > 50  # the catalogs do overlap a lot; the check above is not vacuous
    by_name = {s.name: s for s in services}
    near_misses = [
        ("Instagram Followers [Real] [Refill 30D]", "IG Story Views - All Stories"),
        ("TikTok Likes - Real ⚡", "🎵 TikTok Comment Likes"),
        ("TikTok Views [Instant]", "🎵 TikTok Live Stream Views | 15 Min"),
        ("YouTube Views [Non Drop] [Lifetime Refill]", "YT Live Stream Views [30 Min]"),
        ("YouTube Views [Non Drop] [Lifetime Refill]", "▶️ YouTube Live Stream Views | 60 Min"),
        ("Instagram Likes [Fast]", "IG Auto Likes - Subscription [Per Post]"),
        ("Instagram Custom Comments [Real]", "📸 Instagram Comment Likes"),
        ("Telegram Post Views [Last 1 Post]", "✈️ Telegram Post Views | Last 5 Posts"),
    ]
    for one, other in near_misses:
        assert one in by_name, f"the simulator catalogs changed: {one!r} is gone"
        assert other in by_name, f"the simulator catalogs changed: {other!r} is gone"
        assert same_offer(by_name[one], by_name[other]) is None, (one, other)
