"""The simulated panel's service catalog and the `add` rules of each order type.

The catalog is a fixed table (no randomness) so tests, demos and benchmarks can rely on ids,
prices and limits. Services 1 and 2 are exactly the examples of the seed API pages. This is the
`base` variant; `variants` has two other panels' tables, `catalogs` serves them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

DEFAULT = "Default"
PACKAGE = "Package"
SEO = "SEO"
CUSTOM_COMMENTS = "Custom Comments"
CUSTOM_COMMENTS_PACKAGE = "Custom Comments Package"
MENTIONS = "Mentions"
MENTIONS_WITH_HASHTAGS = "Mentions with Hashtags"
MENTIONS_CUSTOM_LIST = "Mentions Custom List"
MENTIONS_HASHTAG = "Mentions Hashtag"
MENTIONS_USER_FOLLOWERS = "Mentions User Followers"
MENTIONS_MEDIA_LIKERS = "Mentions Media Likers"
COMMENT_LIKES = "Comment Likes"
COMMENT_REPLIES = "Comment Replies"
POLL = "Poll"
INVITES_FROM_GROUPS = "Invites from Groups"
SUBSCRIPTIONS = "Subscriptions"


@dataclass(frozen=True)
class TypeRule:
    """What `add` needs for one order type (see the protocol page's table)."""

    required: tuple[str, ...]
    # The list field whose non-empty lines are the quantity (no `quantity` field is sent).
    counted: str | None = None
    # Flat price: the rate is the price of the whole order, min/max do not apply.
    flat: bool = False


TYPE_RULES: dict[str, TypeRule] = {
    DEFAULT: TypeRule(("link", "quantity")),
    PACKAGE: TypeRule(("link",), flat=True),
    SEO: TypeRule(("link", "quantity", "keywords")),
    CUSTOM_COMMENTS: TypeRule(("link", "comments"), counted="comments"),
    CUSTOM_COMMENTS_PACKAGE: TypeRule(("link", "comments"), counted="comments", flat=True),
    MENTIONS: TypeRule(("link", "quantity", "usernames")),
    MENTIONS_WITH_HASHTAGS: TypeRule(("link", "quantity", "usernames", "hashtags")),
    MENTIONS_CUSTOM_LIST: TypeRule(("link", "usernames"), counted="usernames"),
    MENTIONS_HASHTAG: TypeRule(("link", "quantity", "hashtag")),
    MENTIONS_USER_FOLLOWERS: TypeRule(("link", "quantity", "username")),
    MENTIONS_MEDIA_LIKERS: TypeRule(("link", "quantity", "media")),
    COMMENT_LIKES: TypeRule(("link", "quantity", "username")),
    COMMENT_REPLIES: TypeRule(("link", "username", "comments"), counted="comments"),
    POLL: TypeRule(("link", "quantity", "answer_number")),
    INVITES_FROM_GROUPS: TypeRule(("link", "quantity", "groups")),
    SUBSCRIPTIONS: TypeRule(("username", "min", "max")),
}


@dataclass(frozen=True)
class Service:
    id: int
    name: str
    type: str
    category: str
    rate: str
    min: int
    max: int
    refill: bool
    cancel: bool
    # None: the panel does not report the flag at all (like the seed examples); it then does
    # not accept drip-feed either.
    dripfeed: bool | None
    description: str
    refill_time: str

    @property
    def rate_value(self) -> Decimal:
        return Decimal(self.rate)

    @property
    def rule(self) -> TypeRule:
        return TYPE_RULES[self.type]


def make_service(
    sid: int,
    name: str,
    stype: str,
    category: str,
    rate: str,
    limits: tuple[int, int],
    *,
    refill: bool = False,
    cancel: bool = False,
    dripfeed: bool = False,
    refill_days: int = 30,
) -> Service:
    low, high = limits
    refill_text = f"Refill: {refill_days} days." if refill else "No refill."
    return Service(
        id=sid,
        name=name,
        type=stype,
        category=category,
        rate=rate,
        min=low,
        max=high,
        refill=refill,
        cancel=cancel,
        dripfeed=dripfeed,
        description=f"{name}. Start: 0-2 hours. {refill_text} Min {low}, max {high}.",
        refill_time=str(refill_days if refill else 0),
    )


def _build() -> tuple[Service, ...]:
    s = make_service
    # fmt: off
    seed = (
        Service(1, "Followers", DEFAULT, "First Category", "0.90", 50, 10000, True, True, None,
                "example description", "30"),
        Service(2, "Comments", CUSTOM_COMMENTS, "Second Category", "8", 10, 1500, False, True,
                None, "example description", "365"),
    )
    rest = (
        # Instagram
        s(3, "Instagram Followers [Real] [Refill 30D]", DEFAULT, "Instagram Followers", "1.20000",
          (100, 50000), refill=True, cancel=True, dripfeed=True),
        s(4, "Instagram Followers [Cheap] [No Refill]", DEFAULT, "Instagram Followers", "0.45",
          (50, 20000), cancel=True),
        s(5, "Instagram Likes [Fast]", DEFAULT, "Instagram Likes", "0.15", (20, 100000),
          cancel=True, dripfeed=True),
        s(6, "Instagram Likes Package [1000 Likes]", PACKAGE, "Instagram Likes", "2.50", (1, 1)),
        s(7, "Instagram Custom Comments [Real]", CUSTOM_COMMENTS, "Instagram Comments", "12.00",
          (5, 1000), cancel=True),
        s(8, "Instagram Custom Comments Package [10 Comments]", CUSTOM_COMMENTS_PACKAGE,
          "Instagram Comments", "3.5", (1, 1)),
        s(9, "Instagram Mentions", MENTIONS, "Instagram Mentions", "4.00", (100, 10000)),
        s(10, "Instagram Mentions + Hashtags", MENTIONS_WITH_HASHTAGS, "Instagram Mentions",
          "5.50", (100, 10000)),
        s(11, "Instagram Mentions [Custom List]", MENTIONS_CUSTOM_LIST, "Instagram Mentions",
          "6", (10, 5000)),
        s(12, "Instagram Mentions [Hashtag Users]", MENTIONS_HASHTAG, "Instagram Mentions",
          "3.20", (100, 20000)),
        s(13, "Instagram Mentions [User Followers]", MENTIONS_USER_FOLLOWERS,
          "Instagram Mentions", "3.80", (100, 20000)),
        s(14, "Instagram Mentions [Media Likers]", MENTIONS_MEDIA_LIKERS, "Instagram Mentions",
          "3.90", (100, 20000)),
        s(15, "Instagram Comment Likes", COMMENT_LIKES, "Instagram Comments", "2.00",
          (50, 5000), cancel=True),
        s(16, "Instagram Comment Replies", COMMENT_REPLIES, "Instagram Comments", "15.00",
          (1, 500)),
        s(17, "Instagram Auto Likes [Subscription]", SUBSCRIPTIONS, "Instagram Auto Likes",
          "0.30", (50, 5000), cancel=True),
        s(18, "Instagram Story Views", DEFAULT, "Instagram Views", "0.0200", (100, 1000000),
          dripfeed=True),
        # TikTok
        s(19, "TikTok Views [Instant]", DEFAULT, "TikTok Views", "0.0125", (100, 10000000),
          cancel=True, dripfeed=True),
        s(20, "TikTok Followers [Refill 30D]", DEFAULT, "TikTok Followers", "2.10", (100, 50000),
          refill=True, cancel=True),
        s(21, "TikTok Likes", DEFAULT, "TikTok Likes", "0.35", (50, 200000), refill=True,
          refill_days=15, dripfeed=True),
        s(22, "TikTok Custom Comments", CUSTOM_COMMENTS, "TikTok Comments", "9.00", (5, 1000)),
        s(23, "TikTok Auto Views [Subscription]", SUBSCRIPTIONS, "TikTok Views", "0.0150",
          (100, 100000)),
        # YouTube
        s(24, "YouTube Views [Non Drop] [Lifetime Refill]", DEFAULT, "YouTube Views", "1.80",
          (500, 1000000), refill=True, refill_days=365, cancel=True, dripfeed=True),
        s(25, "YouTube Subscribers [Refill 30D]", DEFAULT, "YouTube Subscribers", "18.00",
          (50, 10000), refill=True),
        s(26, "YouTube Likes", DEFAULT, "YouTube Likes", "1.10", (50, 50000), cancel=True),
        s(27, "YouTube Custom Comments", CUSTOM_COMMENTS, "YouTube Comments", "20.00",
          (5, 500), cancel=True),
        s(28, "YouTube Comment Likes", COMMENT_LIKES, "YouTube Comments", "2.40", (50, 10000)),
        s(29, "YouTube Comment Replies", COMMENT_REPLIES, "YouTube Comments", "25.00",
          (1, 300)),
        s(30, "YouTube Views [Keyword Search / SEO]", SEO, "YouTube SEO", "2.40",
          (1000, 500000), refill=True, cancel=True),
        # Telegram
        s(31, "Telegram Channel Members [Refill 30D]", DEFAULT, "Telegram Members", "0.95",
          (100, 100000), refill=True, cancel=True, dripfeed=True),
        s(32, "Telegram Post Views [Last 1 Post]", DEFAULT, "Telegram Views", "0.0200",
          (100, 500000), cancel=True),
        s(33, "Telegram Poll Votes", POLL, "Telegram Polls", "1.10", (100, 50000)),
        s(34, "Telegram Members [Invites from Groups]", INVITES_FROM_GROUPS, "Telegram Members",
          "3.00", (100, 20000), cancel=True),
        s(35, "Telegram Auto Post Views [Subscription]", SUBSCRIPTIONS, "Telegram Views",
          "0.0300", (100, 100000), cancel=True),
        # X (Twitter)
        s(36, "X (Twitter) Followers", DEFAULT, "X (Twitter) Followers", "4.50", (100, 20000),
          refill=True),
        s(37, "X (Twitter) Likes", DEFAULT, "X (Twitter) Likes", "0.80", (50, 50000),
          cancel=True, dripfeed=True),
        s(38, "X (Twitter) Poll Votes", POLL, "X (Twitter) Polls", "1.50", (100, 100000)),
        s(39, "X (Twitter) Retweets Package [500]", PACKAGE, "X (Twitter) Retweets", "4",
          (1, 1)),
        # Facebook
        s(40, "Facebook Page Likes [Refill 30D]", DEFAULT, "Facebook Page Likes", "2.20",
          (100, 50000), refill=True, cancel=True),
        s(41, "Facebook Post Likes", DEFAULT, "Facebook Post Likes", "0.60", (50, 100000)),
        s(42, "Facebook Group Members [Invites from Groups]", INVITES_FROM_GROUPS,
          "Facebook Groups", "2.75", (100, 10000)),
        s(43, "Facebook Custom Comments Package [5 Comments]", CUSTOM_COMMENTS_PACKAGE,
          "Facebook Comments", "1.75", (1, 1)),
        # Spotify
        s(44, "Spotify Plays [Premium]", DEFAULT, "Spotify Plays", "0.70", (1000, 10000000),
          refill=True, cancel=True, dripfeed=True),
        s(45, "Spotify Followers", DEFAULT, "Spotify Followers", "1.00", (100, 100000),
          refill=True),
        s(46, "Spotify Monthly Listeners Package [1000]", PACKAGE, "Spotify Listeners", "15",
          (1, 1)),
    )
    # fmt: on
    return seed + rest


SERVICES: tuple[Service, ...] = _build()
SERVICES_BY_ID: dict[int, Service] = {service.id: service for service in SERVICES}
