"""A matching corpus: service names written the way real panels write them, with what each one
is, which ones are the same offer and which must never be paired.

Names are made up in the styles a hand review of six real catalogs found: brackets, emoji,
server numbers ("Server 7", "S2", "SV3"), Indonesian and Vietnamese words, refill notes,
country tags, speed and quality notes, package sizes. Every entry of one `Offer` is the same
product; entries of different offers are different products, so pairing any two of them is
a wrong match (the matcher may miss a pair, never invent one). `UNRECOGNISED` holds names
too unclear to match at all. Used by tests/panels/test_matching_corpus.py and
benchmarks/matching.py; plain data, no Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from panels.matching import ServiceFacts


@dataclass(frozen=True, slots=True)
class Entry:
    name: str
    category: str = ""
    type: str = "default"


@dataclass(frozen=True, slots=True)
class Offer:
    """One product: the expected reading, and the names several panels sell it under."""

    platform: str
    kind: str
    audience: tuple[str, ...]
    type: str
    entries: tuple[Entry, ...]

    @property
    def key(self) -> tuple[str, str, str, tuple[str, ...]]:
        return (self.platform, self.kind, self.type, self.audience)


def offer(
    platform: str,
    kind: str,
    *names: str | tuple[str, str],
    audience: tuple[str, ...] = (),
    type: str = "default",
) -> Offer:
    """`names`: a name, or (name, category) when the category carries part of the meaning."""
    entries = tuple(
        Entry(n, "", type) if isinstance(n, str) else Entry(n[0], n[1], type) for n in names
    )
    return Offer(platform, kind, tuple(sorted(audience)), type, entries)


OFFERS: list[Offer] = [
    # Instagram followers, worldwide: styles, server numbers, refill notes, two languages.
    offer(
        "instagram",
        "followers",
        "IG Followers - HQ [Refill 30D] ⚡",
        "Instagram Followers | Real Looking | 30 Days Refill",
        "IG - Followers Server 7",
        "Instagram - Followers s2 [Non Drop]",
        "Instagram Followers | SV3 | Max 100K",
        "📸 Instagram Followers [S1] [Start 0-1h] [Speed 10K/Day]",
        ("Followers - SV2 - Lifetime Refill", "⭐ Instagram Followers ⭐"),
        "Pengikut Instagram [Real] [Garansi 30 Hari]",
        "Pengikut Instagram Server 4 | Cepat",
        "Tăng Người theo dõi Instagram - Bảo hành 30 ngày",
        ("Người theo dõi | SV5", "Instagram - Dịch vụ"),
        "Instagram Followers [Auto Refill] [Max 50K]",
        "Insta Followers - Auto-Refill 30D | Instant",
        "🔥 Instagram Followers 30 Days Refill",
        "❤️ Instagram Followers | 👍 Real",
    ),
    offer(
        "instagram",
        "followers",
        "Instagram Followers [USA] 🇺🇸",
        "IG Followers 🇺🇸 | Real | Refill 30D",
        "Instagram American Followers - Server 2",
        audience=("us",),
    ),
    offer(
        "instagram",
        "followers",
        "Instagram Arab Followers [Refill 30D]",
        "IG Followers [Arabic] HQ - S3",
        audience=("arab",),
    ),
    offer(
        "instagram",
        "followers",
        "Instagram Indian Female Followers",
        "IG Followers [India] [Female] - SV1",
        audience=("female", "in"),
    ),
    offer(
        "instagram",
        "followers",
        "Pengikut Instagram Indonesia [Aktif]",
        "Instagram Followers Indo [Real] - Server 3",
        "IG Followers 🇮🇩 | Refill 30D",
        audience=("id",),
    ),
    offer(
        "instagram",
        "followers",
        "Seguidores Instagram Brasileiros [Reposição 30D]",
        "Instagram Followers [Brazil] 🇧🇷",
        audience=("br",),
    ),
    offer(
        "instagram",
        "followers",
        "Người theo dõi Instagram Việt Nam",
        "Instagram Followers [VIET NAM] - S2",
        "IG Followers 🇻🇳 | HQ",
        audience=("vn",),
    ),
    # Instagram likes, and the near misses around them.
    offer(
        "instagram",
        "likes",
        "Instagram Likes [Fast]",
        "IG Likes - Server 7 | Instant",
        "Instagram - Likes s2 ⚡",
        "❤️ Instagram Likes | Real | SV4",
        "Instagram Likes [Auto Refill] [Max 20K]",
        "IG Likes - Auto-Refill 30D",
        "Suka Instagram - Cepat [S1]",
        "Suka Postingan Instagram | Server 2",
        "Lượt thích bài viết Instagram",
        ("Thích | SV3 | Nhanh", "Instagram Lượt Thích"),
        "Instagram Post Likes 👍 [Non Drop]",
    ),
    offer(
        "instagram",
        "likes",
        "Instagram Likes [Brazil] 🇧🇷",
        "Curtidas Instagram Brasileiras [Real]",
        audience=("br",),
    ),
    offer("instagram", "auto_likes", "Instagram Auto Likes", "IG Auto Likes [Per Post] - S2"),
    offer(
        "instagram",
        "likes",
        "Instagram Auto Likes [Subscription]",
        "Instagram Likes | Future Posts",
        "Suka Otomatis Instagram [Langganan]",
        type="subscriptions",
    ),
    offer(
        "instagram",
        "likes_1000",
        "Instagram 1000 Likes Package",
        "IG Likes Pack [1K]",
        "Instagram Likes Package 1,000 | Instant",
        type="package",
    ),
    offer(
        "instagram",
        "likes_500",
        "Instagram Likes Package - 500 Likes",
        "500 Likes | Instagram Package",
        type="package",
    ),
    offer("instagram", "comment_likes", "Instagram Comment Likes", "IG Comment Likes [S2]"),
    # Instagram views: plain (video), reels, story, live.
    offer(
        "instagram",
        "views",
        "Instagram Video Views [Instant]",
        "IG Views - Server 3 | Max 10M",
        "Tayangan Video Instagram",
        "Lượt xem Video Instagram | SV2",
        ("Video Views [Fast]", "Instagram Live / Video Views"),
    ),
    offer(
        "instagram",
        "reels_views",
        "Instagram Reels Views | Instant",
        "IG Reel Views [S1]",
        "Tayangan Reels Instagram",
    ),
    offer(
        "instagram",
        "story_views",
        "Instagram Story Views",
        ("Views [Fast]", "Instagram Story Views"),
        "IG Story Views - All Stories - SV2",
    ),
    offer(
        "instagram",
        "live_views",
        "Instagram Live Video Views [30 Min]",
        "IG Live Stream Viewers - Server 2",
        ("Viewers [60 Min]", "Instagram Live"),
        "Mắt Livestream Instagram 30 phút",
    ),
    offer(
        "instagram",
        "comments",
        "Instagram Comments (custom)",
        "Komentar Instagram Custom [S1]",
        "Bình luận Instagram | Tùy chỉnh",
        type="custom_comments",
    ),
    offer("instagram", "saves", "Instagram Saves", "IG Saves - Server 9", "Simpan Instagram"),
    # TikTok.
    offer(
        "tiktok",
        "followers",
        "TikTok Followers [Refill 30D]",
        "Tik Tok Fans - Server 5",
        "TT Followers s1 | Real",
        "Pengikut TikTok [Garansi]",
        "Tăng Follow TikTok - SV2",
        "TikTok Followers [Auto Refill]",
    ),
    offer(
        "tiktok",
        "likes",
        "TikTok Likes ⚡ Instant",
        "TikTok - Likes S3",
        "Suka TikTok | Server 1",
        "Tim TikTok - Nhanh",
        "Lượt thích TikTok [SV1]",
    ),
    offer(
        "tiktok",
        "views",
        "TikTok Video Views [Cheapest]",
        "TT Views ⚡ Instant - SV3",
        "Tayangan TikTok [Murah]",
        "Lượt xem TikTok | Server 2",
        ("TikTok Video Views", "🎵 TikTok Views / Live Viewers"),
        "Penonton TikTok [Video]",
    ),
    offer(
        "tiktok",
        "live_views",
        "🎵 TikTok Live Stream Views | 15 Min",
        ("Views [15 Min]", "🎵 TikTok Live Viewers"),
        "TikTok Livestream Viewers - Server 2 [60 Min]",
        "Penonton Live TikTok [30 Menit]",
        "Mắt Live TikTok - 30 phút",
    ),
    offer("tiktok", "shares", "TikTok Shares - Instant", "Bagikan TikTok [S2]", "Chia sẻ TikTok"),
    offer("tiktok", "saves", "TikTok Saves", "TikTok Favorites / Saves"),
    offer(
        "tiktok",
        "followers",
        "TikTok Turkish Followers",
        "TikTok Followers [Turkey] 🇹🇷",
        audience=("tr",),
    ),
    offer("tiktok", "comment_likes", "TikTok Comment Likes", "TT Comment Likes - Server 2"),
    # YouTube.
    offer(
        "youtube",
        "views",
        "YouTube Views [Non Drop] [Lifetime Refill]",
        "YT Views - Server 4",
        "YouTube - Views s1 | 10K/Day",
        ("YouTube Video Views", "▶️ YouTube Live Stream"),
        "Tayangan YouTube [Garansi 30 Hari]",
        "Lượt xem YouTube | Bảo hành",
    ),
    offer(
        "youtube",
        "live_views",
        "YouTube Live Stream Views [30 Min]",
        ("Views [60 Min]", "▶️ YouTube Live Stream Viewers"),
        "YouTube Viewers | 60 Minutes",
        "Penonton Live YouTube [1 Jam]",
        "Mắt Livestream YouTube 60 phút",
        "YT Livestream Views - SV2",
    ),
    offer("youtube", "shorts_views", "YouTube Shorts Views", "YT Shorts Views - Server 2"),
    offer(
        "youtube",
        "subscribers",
        "YouTube Subscribers [Refill 30D]",
        "YT Subs 🔥 - Server 3",
        "Pelanggan YouTube [Permanen]",
        "Đăng ký YouTube | SV1",
    ),
    offer(
        "youtube",
        "likes",
        "YouTube Likes [Non Drop]",
        "YT Video Likes - S2",
        "Suka YouTube",
        "Lượt thích Video YouTube",
    ),
    offer(
        "youtube",
        "community_likes",
        "YouTube Community Post Likes",
        "YT Community Likes [S1]",
    ),
    offer(
        "youtube",
        "watch_hours_4000",
        "▶️ YouTube Watch Hours | 4000 Hours",
        "YouTube 4000 Watch Time Hours [Refill 30 Days]",
        "Jam Tayang YouTube 4000 Jam",
        type="package",
    ),
    offer(
        "youtube",
        "watch_hours_1000",
        "YouTube Watch Hours - 1000 Hours",
        "1K Watch Hours | YouTube",
        type="package",
    ),
    # Facebook: page likes, post likes, reactions by type, groups by country.
    offer(
        "facebook",
        "page_likes",
        "Facebook Page Likes [Refill 30D]",
        "FB Page Likes - Server 2",
        "Like Fanpage Facebook | SV1",
        "Thích Trang Facebook",
        "Suka Halaman Facebook",
    ),
    offer(
        "facebook",
        "likes",
        "Facebook Post Likes 👍",
        "👍 FB Post Likes | Instant",
        "Facebook Likes [Post/Photo] - S2",
        "Like Bài Viết Facebook",
        "Suka Postingan Facebook",
    ),
    offer(
        "facebook",
        "reactions",
        "Facebook Post Reactions [Random]",
        "FB Reactions Mix - Server 1",
        "Cảm xúc bài viết Facebook",
        "Reaksi Facebook [Acak]",
    ),
    offer(
        "facebook",
        "love_reactions",
        "Facebook Post Love React ❤️",
        "Facebook Love Reactions [Post]",
        ("Love React | Post", "Facebook Post Likes"),
        "FB Reactions ❤️ - SV2",
    ),
    offer(
        "facebook",
        "haha_reactions",
        ("HAHA", "Facebook Post Likes"),
        "Facebook HAHA React 😂",
        "Facebook Post Reactions (Haha)",
        "FB Reactions 😂 | Server 3",
    ),
    offer(
        "facebook",
        "wow_reactions",
        ("WOW 😮", "Facebook Reactions"),
        "Facebook Wow Reactions",
    ),
    offer(
        "facebook",
        "sad_reactions",
        "Facebook Post Reactions - Sad 😢",
        "FB Sad React",
    ),
    offer(
        "facebook",
        "angry_reactions",
        "Facebook Angry React 😡",
        "FB Reactions [Angry]",
    ),
    offer(
        "facebook",
        "care_reactions",
        "Facebook Care Reactions 🥰",
        "FB Care React - S1",
    ),
    offer(
        "facebook",
        "members",
        "Facebook Group Members VIET NAM",
        "Thành viên nhóm Facebook Việt Nam",
        "FB Group Members [VN] 🇻🇳",
        audience=("vn",),
    ),
    offer(
        "facebook",
        "members",
        "Facebook Group Members [Worldwide]",
        "FB Group Members - Global - SV1",
        "Anggota Grup Facebook",
    ),
    offer(
        "facebook",
        "members",
        "Anggota Grup Facebook Indonesia",
        "Facebook Group Members [Indonesia] 🇮🇩",
        audience=("id",),
    ),
    offer(
        "facebook",
        "followers",
        "Facebook Profile Followers",
        "FB Followers [Profile] - Server 2",
        "Theo dõi Facebook cá nhân",
        "Pengikut Facebook Profil",
    ),
    offer(
        "facebook",
        "views",
        "Facebook Video Views",
        ("FB Video Views - S1", "Facebook Live Stream / Video"),
    ),
    offer(
        "facebook",
        "live_views",
        "Facebook Live Stream Views [60 Min]",
        ("Viewers | 30 Min", "Facebook Livestream"),
    ),
    offer("facebook", "comments", "Bình luận Facebook", "Facebook Random Comments", "Komentar FB"),
    # Telegram: members, post views, reactions by emoji.
    offer(
        "telegram",
        "members",
        "Telegram Channel Members",
        "TG Channel Subscribers [Refill 30D]",
        "Anggota Channel Telegram - Server 2",
        "Thành viên Kênh Telegram | SV1",
        "Telegram Members [Auto Refill]",
    ),
    offer(
        "telegram",
        "views",
        "Telegram Post Views [Last 1 Post]",
        "TG Post Views - Server 3",
        "Lượt xem bài viết Telegram",
        ("Post Views", "Telegram Story & Post Views"),
    ),
    offer("telegram", "story_views", "Telegram Story Views", "TG Stories Views [S1]"),
    offer(
        "telegram",
        "thumbs_up_reactions",
        "Telegram Post Reactions 👍",
        "Telegram Reactions [👍] - Instant",
        ("👍 Reaction | SV1", "✈️ Telegram Reactions"),
    ),
    offer(
        "telegram",
        "vomit_reactions",
        "✈️ Telegram Reactions 🤮",
        "Telegram Reactions | 🤮 Vomit",
        ("🤮 | Server 2", "Telegram Post Reactions"),
    ),
    offer("telegram", "love_reactions", "Telegram Reactions ❤️", "TG Post Reactions [❤️]"),
    offer("telegram", "haha_reactions", "Telegram Reactions 😂", "TG Reactions [😂] S1"),
    offer("telegram", "wow_reactions", "Telegram Reactions 😮", "TG Reaction 😮 | Fast"),
    offer("telegram", "sad_reactions", "Telegram Reactions 😢", "TG Reactions [😢]"),
    offer("telegram", "angry_reactions", "Telegram Reactions 😡", "TG Reactions [😡] SV2"),
    offer("telegram", "fire_reactions", "Telegram Reactions 🔥", "TG Post Reactions [🔥]"),
    offer(
        "telegram",
        "positive_reactions",
        "Telegram Positive Reactions [Mix]",
        "TG Positive Reactions - Server 1",
    ),
    offer("telegram", "negative_reactions", "Telegram Negative Reactions", "TG Negatif Reaksi"),
    # Shopee, Likee, Tokopedia.
    offer(
        "shopee",
        "followers",
        "Shopee Followers",
        "Pengikut Shopee [Toko] - Server 1",
        "Shopee Shop Followers | SV2",
        "Theo dõi Shopee",
    ),
    offer("shopee", "likes", "Shopee Product Likes", "Suka Produk Shopee", "Thích sản phẩm Shopee"),
    offer(
        "shopee",
        "followers",
        "Shopee Followers [Indonesia]",
        "Pengikut Shopee Indonesia 🇮🇩",
        audience=("id",),
    ),
    offer("likee", "followers", "Likee Followers", "Likee Fans - Server 2", "Pengikut Likee"),
    offer("likee", "likes", "Likee Likes", "Likee Likes [S1]", "Suka Likee"),
    offer("likee", "views", "Likee Video Views", "Tayangan Likee"),
    offer("tokopedia", "followers", "Tokopedia Followers", "Pengikut Tokopedia [Toko] S2"),
    # The rest.
    offer(
        "twitter",
        "followers",
        "Twitter Followers",
        "X Followers - HQ [Refill 30D]",
        "X (Twitter) Followers - Server 4",
    ),
    offer("twitter", "retweets", "X Reposts", "Twitter Retweets [S1]"),
    offer(
        "spotify",
        "plays",
        "Spotify Plays",
        "Spotify Streams [Premium] - SV1",
    ),
    offer(
        "spotify",
        "plays",
        "Spotify USA Plays",
        "Spotify Plays 🇺🇸 [Premium]",
        audience=("us",),
    ),
    offer("threads", "followers", "Threads Followers - Real ⚡", "Instagram Threads Followers"),
    offer("twitch", "live_views", "Twitch Live Viewers [1 Hour]", "Twitch Viewers - 2 Hours"),
    offer("discord", "members", "🎮 Discord Server Members | Offline", "Discord Members [Online]"),
    offer(
        "telegram",
        "members",
        "Telegram Members [Arab] 🇸🇦",
        audience=("arab", "sa"),
    ),
]

# Too unclear to match: two kinds, two variants, unnamed targeting, sizeless packages...
UNRECOGNISED: list[Entry] = [
    Entry("Followers", "First Category"),
    Entry("Followers", "Server 3"),
    Entry("Mixed Service S4", "🔥 New Services 🔥"),
    Entry("Special Offer SV2", "Instagram"),
    Entry("Premium Package", "🔥 New Services 🔥", "package"),
    Entry("Instagram Likes + Impressions"),
    Entry("Komentar + Suka Instagram"),
    Entry("Likes + Views Combo | TikTok"),
    Entry("Shopee Followers + Likes"),
    Entry("Instagram Views (Story/Reels/IGTV)"),
    Entry("Instagram Story / Reels Views - S1"),
    Entry("Facebook Likes 😂"),
    Entry("Instagram Likes [Love]"),
    Entry("Facebook Page Likes + Love React"),
    Entry("Telegram Reactions [👍❤️🔥]"),
    Entry("Telegram Reactions 👍 + Free Views"),
    Entry("Instagram Followers - Targeted"),
    Entry("Pengikut Instagram Lokal"),
    Entry("Facebook Group Members - Country Targeted"),
    Entry("TikTok Followers [Geo Targeted]"),
    Entry("Views [Fast]", "YouTube Views | Live Stream Views"),
    Entry("Views [30 Min]", "TikTok Views / Live Stream Views"),
    Entry("Instagram Likes Package", "", "package"),
    Entry("Instagram Likes Package 500 / 1000", "", "package"),
    Entry("YouTube Watch Hours [Package]", "", "package"),
    Entry("Instagram Followers", "", "other"),
    Entry("Instagram TikTok Followers"),
    Entry("Suka + Komentar TikTok"),
    Entry("Spotify Plays [USA 🇺🇸 excluded]"),
    Entry("Instagram Followers [All Countries Except India]"),
]

# Near misses the hand review found (and their neighbours): pairs that must never match.
# Each side is (name, category); every name is in OFFERS or UNRECOGNISED above.
MUST_NOT_MATCH: list[tuple[tuple[str, str], tuple[str, str], str]] = [
    (("Views [60 Min]", "▶️ YouTube Live Stream Viewers"), ("YT Views - Server 4", ""), "live"),
    (
        ("YouTube Video Views", "▶️ YouTube Live Stream"),
        ("YouTube Live Stream Views [30 Min]", ""),
        "video views under a live category",
    ),
    (
        ("YouTube Viewers | 60 Minutes", ""),
        ("YouTube Views [Non Drop] [Lifetime Refill]", ""),
        "live",
    ),
    (
        ("TikTok Video Views", "🎵 TikTok Views / Live Viewers"),
        ("Views [15 Min]", "🎵 TikTok Live Viewers"),
        "video views vs live viewers",
    ),
    (("Penonton Live TikTok [30 Menit]", ""), ("Penonton TikTok [Video]", ""), "live"),
    (("Mắt Live TikTok - 30 phút", ""), ("Lượt xem TikTok | Server 2", ""), "live"),
    (
        ("Video Views [Fast]", "Instagram Live / Video Views"),
        ("Viewers [60 Min]", "Instagram Live"),
        "live",
    ),
    (
        ("Love React | Post", "Facebook Post Likes"),
        ("Facebook Post Likes 👍", ""),
        "reaction vs like",
    ),
    (("HAHA", "Facebook Post Likes"), ("Facebook Post Likes 👍", ""), "reaction vs like"),
    (("HAHA", "Facebook Post Likes"), ("Facebook Random Comments", ""), "reaction vs comment"),
    (("Facebook Post Love React ❤️", ""), ("Facebook HAHA React 😂", ""), "two reactions"),
    (("Facebook Post Reactions [Random]", ""), ("Facebook Wow Reactions", ""), "random vs wow"),
    (("Telegram Post Reactions 👍", ""), ("✈️ Telegram Reactions 🤮", ""), "👍 vs 🤮"),
    (("Telegram Reactions ❤️", ""), ("Telegram Reactions 😂", ""), "❤️ vs 😂"),
    (("Telegram Reactions 😮", ""), ("Telegram Reactions 😢", ""), "😮 vs 😢"),
    (("Telegram Reactions 😡", ""), ("Telegram Reactions 🔥", ""), "😡 vs 🔥"),
    (("Facebook Likes 😂", ""), ("Facebook Post Likes 👍", ""), "unclear likes or haha"),
    (
        ("Facebook Group Members VIET NAM", ""),
        ("Facebook Group Members [Worldwide]", ""),
        "country",
    ),
    (("Thành viên nhóm Facebook Việt Nam", ""), ("FB Group Members - Global - SV1", ""), "country"),
    (("Anggota Grup Facebook Indonesia", ""), ("Anggota Grup Facebook", ""), "country"),
    (("Facebook Group Members VIET NAM", ""), ("Anggota Grup Facebook Indonesia", ""), "country"),
    (("Pengikut Instagram Lokal", ""), ("IG - Followers Server 7", ""), "unnamed country"),
    (("Instagram Followers - Targeted", ""), ("IG - Followers Server 7", ""), "unnamed country"),
    (("Instagram Followers [VIET NAM] - S2", ""), ("IG - Followers Server 7", ""), "country"),
    (("Instagram Likes [Auto Refill] [Max 20K]", ""), ("Instagram Auto Likes", ""), "auto refill"),
    (("IG Likes - Auto-Refill 30D", ""), ("IG Auto Likes [Per Post] - S2", ""), "auto refill"),
    (("Instagram 1000 Likes Package", ""), ("Instagram Likes Package - 500 Likes", ""), "size"),
    (("▶️ YouTube Watch Hours | 4000 Hours", ""), ("1K Watch Hours | YouTube", ""), "size"),
    (("Instagram Video Views [Instant]", ""), ("Instagram Reels Views | Instant", ""), "content"),
    (("YouTube Community Post Likes", ""), ("YouTube Likes [Non Drop]", ""), "content"),
    (("Post Views", "Telegram Story & Post Views"), ("Telegram Story Views", ""), "content"),
    (("Facebook Video Views", ""), ("Facebook Live Stream Views [60 Min]", ""), "live"),
    (("Shopee Followers", ""), ("Likee Followers", ""), "platform"),
    (("Likee Likes", ""), ("Instagram Likes [Fast]", ""), "platform"),
    (("Tokopedia Followers", ""), ("Shopee Followers", ""), "platform"),
    (("Spotify USA Plays", ""), ("Spotify Plays", ""), "country"),
    (("Spotify Plays [USA 🇺🇸 excluded]", ""), ("Spotify USA Plays", ""), "excluded country"),
]


def all_entries() -> list[tuple[Entry, Offer | None]]:
    """Every entry with its offer (None: must stay unrecognised)."""
    found: list[tuple[Entry, Offer | None]] = [(e, o) for o in OFFERS for e in o.entries]
    return found + [(e, None) for e in UNRECOGNISED]


def entry_named(name: str, category: str) -> Entry:
    (found,) = [e for e, _ in all_entries() if (e.name, e.category) == (name, category)]
    return found


def service(entry: Entry, number: int) -> ServiceFacts:
    """The entry as one service of its own panel (every entry plays a different panel)."""
    return ServiceFacts(
        id=number,
        panel_id=number,
        panel_name=f"panel {number}",
        name=entry.name,
        category=entry.category,
        type=entry.type,
        rate=Decimal("1.00"),
        min=10,
        max=10000,
        refill=False,
        cancel=False,
        dripfeed=False,
    )
