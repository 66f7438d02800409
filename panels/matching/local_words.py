"""Words of Indonesian and Vietnamese panels, and the reactions (words and emoji) panels sell.

Kept apart from `vocabulary` so each table stays readable. Vietnamese is matched after its
accents are folded away ("Lượt thích" is read as "luot thich", "đ" as "d").
"""

from __future__ import annotations

# Base kind -> its spellings on Indonesian (id) and Vietnamese (vi) panels.
LOCAL_BASES: dict[str, tuple[str, ...]] = {
    "followers": (
        "pengikut",  # id
        "nguoi theo doi",  # vi
        "luot theo doi",
        "theo doi",
        "follow",  # "Tăng Follow" on Vietnamese panels
    ),
    "likes": ("suka", "luot thich", "thich", "luot like", "tim"),
    "views": ("tayangan", "penayangan", "penonton", "luot xem", "xem"),
    "comments": ("komentar", "binh luan"),
    "members": ("anggota", "thanh vien"),
    "shares": ("bagikan", "chia se", "luot chia se"),
    "saves": ("simpan",),
    "subscribers": ("pelanggan", "dang ky", "luot dang ky"),
    "watch_hours": ("jam tayang", "gio xem"),
    "reactions": ("reaksi", "cam xuc", "bieu cam"),
}

# Words that mean "live" there: "Penonton Siaran Langsung", "Xem trực tiếp".
LOCAL_LIVE: tuple[str, ...] = ("siaran langsung", "truc tiep")
# Vietnamese "mắt" (eyes) are live viewers: "Mắt Livestream", "Mắt Live".
LOCAL_LIVE_VIEWERS: tuple[str, ...] = ("mat live", "mat livestream", "mat xem live", "mat")
# A post or a video, said plainly: "bài viết" (vi), "postingan" (id).
LOCAL_POST: tuple[str, ...] = ("bai viet", "postingan", "video")
# Pages: "Like Fanpage", "Like Trang" (vi), "Suka Halaman" (id) are page likes.
LOCAL_PAGE: tuple[str, ...] = ("fanpage", "fan page", "trang", "halaman")

# Reaction types. Each is a variant of the base "reactions": a HAHA reaction is not a like and
# not another reaction. A word that names a type is read as a reaction even without "react".
REACTION_WORDS: dict[str, tuple[str, ...]] = {
    "love": ("love", "loves", "love react", "love reacts"),
    "haha": ("haha", "hahaha", "laugh"),
    "wow": ("wow",),
    "sad": ("sad",),
    "angry": ("angry",),
    "care": ("care",),
    "positive": ("positive", "positif"),
    "negative": ("negative", "negatif"),
}
# The same types as emoji. Emoji in `DECORATION` are also a panel's ornaments ("❤️ Instagram
# Likes", "🔥 New 🔥"), so they name a type only on a reaction service; the others always mean a
# reaction, so "Facebook Likes 😂" (likes or reactions?) is left unrecognised.
REACTION_EMOJI: dict[str, str] = {
    "👍": "thumbs_up",
    "👎": "thumbs_down",
    "❤": "love",
    "♥": "love",
    "🔥": "fire",
    "🎉": "party",
    "💯": "hundred",
    "😂": "haha",
    "🤣": "haha",
    "😆": "haha",
    "😮": "wow",
    "😲": "wow",
    "😢": "sad",
    "😭": "sad",
    "😡": "angry",
    "😠": "angry",
    "🤬": "angry",
    "🤮": "vomit",
    "💩": "poop",
    "😱": "scream",
    "😍": "heart_eyes",
    "🥰": "care",
    "🤗": "care",
    "👏": "clap",
    "🤩": "star_struck",
    "🙏": "pray",
    "🤡": "clown",
}
DECORATION = frozenset({"👍", "👎", "❤", "♥", "🔥", "🎉", "💯"})
REACTION_TYPES = frozenset([*REACTION_WORDS, *REACTION_EMOJI.values()])


def emoji_token(emoji: str) -> str:
    """The word an emoji is read as: "rxhaha" for 😂; "rxd" marks a decoration emoji."""
    prefix = "rxd" if emoji in DECORATION else "rx"
    return prefix + REACTION_EMOJI[emoji].replace("_", "")


# Phrases that contain a known word but mean something else: "Auto Refill" is a refill
# guarantee, not automatic likes. They are read as nothing (and shown to people).
NOT_MEANT: tuple[str, ...] = (
    "auto refill",
    "autorefill",
    "refill auto",
    "auto refil",
    "auto start",
    "auto restart",
    "live support",
    "live chat",
    "live update",
    "refill button",
)
