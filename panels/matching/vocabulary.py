"""The words panels use for platforms, kinds and their variants, as lookup tables.

Everything the matcher recognises is listed here, so "why did these match?" is answered by
reading a table rather than code. A word missing from these tables is a qualifier: shown to
people, never used for matching. Adding a word is adding a row; keep aliases unambiguous,
because one wrong alias silently pairs different products.
"""

from __future__ import annotations

from .audiences import AUDIENCES, EXCLUDING, UNNAMED_TARGETING
from .local_words import (
    LOCAL_BASES,
    LOCAL_LIVE,
    LOCAL_LIVE_VIEWERS,
    LOCAL_PAGE,
    LOCAL_POST,
    NOT_MEANT,
    REACTION_EMOJI,
    REACTION_WORDS,
    emoji_token,
)

# Roles a phrase can play. One phrase may play several ("igtv" is Instagram and a variant).
PLATFORM = "platform"
BASE = "base"  # the thing delivered: followers, likes, views...
MOD = "mod"  # a word that narrows the base: story views, comment likes, auto likes
AUDIENCE = "audience"  # targeting: country, language, gender
UNNAMED = "unnamed"  # targeting without saying whom: "Targeted", "Country"
EXPLICIT = "explicit"  # the name says which content: "Video Views", "Post Likes"

Role = tuple[str, str]

_PLATFORMS: dict[str, tuple[str, ...]] = {
    "instagram": ("instagram", "insta", "ig", "instagramm"),
    "tiktok": ("tiktok", "tik tok", "tt"),
    "youtube": ("youtube", "you tube", "yt"),
    "telegram": ("telegram", "tg", "telegramm"),
    # A lone "x" only ever appears as the platform name in service names we have seen; a name
    # with "x" and another platform becomes ambiguous and is then left unrecognised.
    "twitter": ("twitter", "x", "tweeter"),
    "facebook": ("facebook", "fb", "face book"),
    "spotify": ("spotify",),
    "twitch": ("twitch",),
    "threads": ("threads",),
    "linkedin": ("linkedin", "linked in"),
    "soundcloud": ("soundcloud", "sound cloud"),
    "discord": ("discord",),
    "pinterest": ("pinterest",),
    "reddit": ("reddit",),
    "snapchat": ("snapchat",),
    "kick": ("kick",),
    "vk": ("vk", "vkontakte"),
    "whatsapp": ("whatsapp",),
    "audiomack": ("audiomack",),
    "apple_music": ("apple music",),
    "shopee": ("shopee",),
    "likee": ("likee",),
    "tokopedia": ("tokopedia",),
    "lazada": ("lazada",),
    "kwai": ("kwai",),
    "website": ("website", "websites", "web", "site"),
}

PLATFORM_LABELS: dict[str, str] = {
    "tiktok": "TikTok",
    "youtube": "YouTube",
    "twitter": "X (Twitter)",
    "linkedin": "LinkedIn",
    "soundcloud": "SoundCloud",
    "vk": "VK",
    "whatsapp": "WhatsApp",
}

# Base kinds and their spellings (English plus the Portuguese/Spanish words common on panels).
# A value may carry mods: "viewers" are live viewers, "comment likes" are likes on comments.
_BASES: dict[str, tuple[str, ...]] = {
    "followers": ("followers", "follower", "fans", "seguidores"),
    "likes": ("likes", "like", "curtidas"),
    "dislikes": ("dislikes", "dislike"),
    "views": ("views", "view", "visualizacoes", "visualizaciones"),
    "comments": ("comments", "comment", "comentarios"),
    "replies": ("replies", "reply"),
    "shares": ("shares", "share"),
    "saves": ("saves", "save", "bookmarks"),
    "members": ("members", "member", "membros", "miembros"),
    "subscribers": ("subscribers", "subscriber", "subs", "inscritos"),
    "plays": ("plays", "play", "streams", "listens"),
    "listeners": ("listeners", "monthly listeners"),
    "votes": ("votes", "vote", "poll votes", "poll", "polls"),
    "impressions": ("impressions", "impression"),
    "reach": ("reach",),
    "retweets": ("retweets", "retweet"),
    "reposts": ("reposts", "repost"),
    "mentions": ("mentions", "mention"),
    "reactions": ("reactions", "reaction"),
    "watch_hours": ("watch hours", "watch hour", "watch time", "watchtime"),
    "visits": ("visits", "visit", "profile visits"),
    "traffic": ("traffic", "visitors", "web traffic"),
}
_BASE_WITH_MODS: dict[str, tuple[str, tuple[str, ...]]] = {
    "viewers": ("views", ("live",)),
    "live viewers": ("views", ("live",)),
    "comment likes": ("likes", ("comment",)),
    "comments likes": ("likes", ("comment",)),
    "comment like": ("likes", ("comment",)),
    "likes on comments": ("likes", ("comment",)),
    "likes on comment": ("likes", ("comment",)),
    "likes for comments": ("likes", ("comment",)),
    "comment replies": ("replies", ("comment",)),
    "comments replies": ("replies", ("comment",)),
    "replies to comments": ("replies", ("comment",)),
}

# Variant mods make a different product of the same base ("story views" are not "views").
# At most one variant per service; two ("story/reels views") leave the service unrecognised.
_VARIANTS: dict[str, tuple[str, ...]] = {
    "story": ("story", "stories"),
    "live": ("live", "livestream", "live stream", "stream", "live video"),
    "reels": ("reels", "reel"),
    "shorts": ("shorts",),
    "igtv": ("igtv", "ig tv"),
    "highlights": ("highlights", "highlight"),
    "premiere": ("premiere", "premieres"),
    "ads": ("ads", "adwords", "google ads"),
    "page": ("page", "pages", "company"),
    "playlist": ("playlist", "playlists"),
    "artist": ("artist",),
    "emoji": ("emoji", "emojis"),
    "comment": (),  # only through "comment likes"/"comment replies" above
    "community": ("community",),  # YouTube community posts are not videos
}
# Reaction types (see local_words): variants of the base "reactions".
_REACTION_VARIANTS: tuple[str, ...] = tuple(
    dict.fromkeys([*REACTION_WORDS, *REACTION_EMOJI.values()])
)
REACTION_MODS = frozenset(_REACTION_VARIANTS)
# Mods that only say how the order is placed; an order type can imply them (see IMPLIED_MODS).
_DELIVERY: dict[str, tuple[str, ...]] = {
    "auto": ("auto", "automatic", "subscription", "subscriptions"),
    "custom": ("custom", "customized"),
    "package": ("package", "packages", "pack"),
    "multi_post": (),  # found by a pattern: "Last 5 Posts", "[10 Posts]"
}
VARIANT_MODS = frozenset([*_VARIANTS, *_REACTION_VARIANTS])
# Order of mods in a kind's name: "auto_story_views", "custom_comments", "comment_likes".
MOD_ORDER: tuple[str, ...] = (*_DELIVERY, *_VARIANTS, *_REACTION_VARIANTS)

# A Subscriptions service is automatic by definition, a Custom Comments one custom: saying so
# in the name must not make "Instagram Auto Likes [Subscription]" differ from "Instagram Likes"
# of the same type.
IMPLIED_MODS: dict[str, frozenset[str]] = {
    "subscriptions": frozenset({"auto", "multi_post"}),
    "custom_comments": frozenset({"custom"}),
    "package": frozenset({"package"}),
    "custom_comments_package": frozenset({"custom", "package"}),
    "comment_replies": frozenset({"custom"}),
    "mentions_custom_list": frozenset({"custom"}),
}

# The same base under another name on one platform.
PLATFORM_BASES: dict[tuple[str, str], str] = {
    ("telegram", "subscribers"): "members",
    ("twitter", "reposts"): "retweets",
    ("website", "visits"): "traffic",
}

# Words that carry no meaning for people either: dropped from the shown qualifiers.
NEUTRAL = frozenset(
    [
        "post",
        "posts",
        "video",
        "videos",
        "photo",
        "photos",
        "channel",
        "channels",
        "group",
        "groups",
        "account",
        "accounts",
        "tweet",
        "tweets",
        "profile",
        "services",
        "service",
        "and",
        "with",
        "the",
        "of",
        "for",
        "on",
        "to",
        "from",
        "a",
        "in",
        "by",
    ]
)


def _build() -> dict[tuple[str, ...], tuple[Role, ...]]:
    roles: dict[tuple[str, ...], list[Role]] = {}

    def add(phrase: str, *entries: Role) -> None:
        roles.setdefault(tuple(phrase.split()), []).extend(entries)

    for platform, aliases in _PLATFORMS.items():
        for alias in aliases:
            add(alias, (PLATFORM, platform))
    for table in (_BASES, LOCAL_BASES):
        for base, aliases in table.items():
            for alias in aliases:
                add(alias, (BASE, base))
    add("react", (BASE, "reactions"))
    add("reacts", (BASE, "reactions"))
    for mod, aliases in REACTION_WORDS.items():
        for alias in aliases:
            add(alias, (BASE, "reactions"), (MOD, mod))
    for emoji, mod in REACTION_EMOJI.items():
        # A decoration emoji only names a type; another one also says "reaction".
        token = emoji_token(emoji)
        if token.startswith("rxd"):
            add(token, (MOD, mod))
        else:
            add(token, (BASE, "reactions"), (MOD, mod))
    for alias in LOCAL_LIVE:
        add(alias, (MOD, "live"))
    for alias in LOCAL_LIVE_VIEWERS:
        add(alias, (BASE, "views"), (MOD, "live"))
    for alias in LOCAL_PAGE:
        add(alias, (MOD, "page"))
    for phrase, (base, mods) in _BASE_WITH_MODS.items():
        add(phrase, (BASE, base), *((MOD, mod) for mod in mods))
    for table in (_VARIANTS, _DELIVERY):
        for mod, aliases in table.items():
            for alias in aliases:
                add(alias, (MOD, mod))
    add("igtv", (PLATFORM, "instagram"))
    add("ig tv", (PLATFORM, "instagram"))
    for code, aliases in AUDIENCES.items():
        for alias in aliases:
            add(alias, (AUDIENCE, code))
    for word in UNNAMED_TARGETING:
        add(word, (UNNAMED, word))
    for word in EXCLUDING:
        add(word, (UNNAMED, "except"))
    plain = ["video", "videos", "post", "posts", "photo", "photos", "tweet", "tweets"]
    for word in (*plain, *LOCAL_POST):
        add(word, (EXPLICIT, word))
    for phrase in NOT_MEANT:
        roles.setdefault(tuple(phrase.split()), [])  # known, and read as nothing
    return {phrase: tuple(entries) for phrase, entries in roles.items()}


PHRASES: dict[tuple[str, ...], tuple[Role, ...]] = _build()
LONGEST_PHRASE = max(len(phrase) for phrase in PHRASES)

CANONICAL_PLATFORMS: tuple[str, ...] = tuple(_PLATFORMS)
CANONICAL_BASES: tuple[str, ...] = tuple(_BASES)


def platform_label(platform: str) -> str:
    return PLATFORM_LABELS.get(platform, platform.replace("_", " ").title())


_WORD_LABELS = {"igtv": "IGTV", "multi": "Multi-", "post": "Post"}


def kind_label(kind: str) -> str:
    """ "comment_likes" -> "Comment Likes", "multi_post_views" -> "Multi-Post Views"."""
    words = [_WORD_LABELS.get(word, word.title()) for word in kind.split("_")]
    return " ".join(words).replace("- ", "-")
