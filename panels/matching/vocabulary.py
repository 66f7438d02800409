"""The words panels use for platforms, kinds and their variants, as lookup tables.

Everything the matcher recognises is listed here, so "why did these match?" is answered by
reading a table rather than code. A word missing from these tables is a qualifier: shown to
people, never used for matching. Adding a word is adding a row; keep aliases unambiguous,
because one wrong alias silently pairs different products.
"""

from __future__ import annotations

# Roles a phrase can play. One phrase may play several ("igtv" is Instagram and a variant).
PLATFORM = "platform"
BASE = "base"  # the thing delivered: followers, likes, views...
MOD = "mod"  # a word that narrows the base: story views, comment likes, auto likes
AUDIENCE = "audience"  # targeting: country, language, gender

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
}
# Mods that only say how the order is placed; an order type can imply them (see IMPLIED_MODS).
_DELIVERY: dict[str, tuple[str, ...]] = {
    "auto": ("auto", "automatic", "subscription", "subscriptions"),
    "custom": ("custom", "customized"),
    "package": ("package", "packages", "pack"),
    "multi_post": (),  # found by a pattern: "Last 5 Posts", "[10 Posts]"
}
VARIANT_MODS = frozenset(_VARIANTS)
# Order of mods in a kind's name: "auto_story_views", "custom_comments", "comment_likes".
MOD_ORDER: tuple[str, ...] = (*_DELIVERY, *_VARIANTS)

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

# Targeting changes the product (USA followers are not worldwide followers), so it takes part
# in matching. Flag emoji are read as their country code.
_AUDIENCES: dict[str, tuple[str, ...]] = {
    "us": ("usa", "us", "american", "america", "united states"),
    "gb": ("uk", "british", "england", "united kingdom"),
    "arab": ("arab", "arabic", "arabian"),
    "br": ("brazil", "brazilian", "brasil", "brasileiros"),
    "in": ("india", "indian"),
    "tr": ("turkey", "turkish", "turkiye"),
    "ru": ("russia", "russian"),
    "de": ("germany", "german"),
    "fr": ("france", "french"),
    "it": ("italy", "italian"),
    "es": ("spain", "spanish"),
    "mx": ("mexico", "mexican"),
    "ca": ("canada", "canadian"),
    "au": ("australia", "australian"),
    "id": ("indonesia", "indonesian"),
    "kr": ("korea", "korean"),
    "jp": ("japan", "japanese"),
    "cn": ("china", "chinese"),
    "pk": ("pakistan", "pakistani"),
    "bd": ("bangladesh",),
    "vn": ("vietnam", "vietnamese"),
    "th": ("thailand", "thai"),
    "ph": ("philippines", "filipino"),
    "ir": ("iran", "iranian", "persian"),
    "eg": ("egypt", "egyptian"),
    "sa": ("saudi", "saudi arabia"),
    "ae": ("uae", "emirates"),
    "ng": ("nigeria", "nigerian"),
    "pl": ("poland", "polish"),
    "ua": ("ukraine", "ukrainian"),
    "nl": ("netherlands", "dutch"),
    "latam": ("latin", "latino", "latam", "latin america"),
    "eu": ("europe", "european", "eu"),
    "asia": ("asia", "asian"),
    "africa": ("africa", "african"),
    "female": ("female", "females", "women", "woman", "girls"),
    "male": ("male", "males", "men"),
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
    for base, aliases in _BASES.items():
        for alias in aliases:
            add(alias, (BASE, base))
    for phrase, (base, mods) in _BASE_WITH_MODS.items():
        add(phrase, (BASE, base), *((MOD, mod) for mod in mods))
    for table in (_VARIANTS, _DELIVERY):
        for mod, aliases in table.items():
            for alias in aliases:
                add(alias, (MOD, mod))
    add("igtv", (PLATFORM, "instagram"))
    add("ig tv", (PLATFORM, "instagram"))
    for code, aliases in _AUDIENCES.items():
        for alias in aliases:
            add(alias, (AUDIENCE, code))
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
