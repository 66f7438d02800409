"""Who a service is aimed at: countries, languages and genders, as lookup tables.

Targeting changes the product (USA followers are not worldwide followers), so it takes part in
matching. Flag emoji are read as their country code. A country missing here would be read as
worldwide and pair with worldwide offers, so the list is long; words that announce targeting
without saying which (`UNNAMED_TARGETING`) leave a service unrecognised instead.
"""

from __future__ import annotations

AUDIENCES: dict[str, tuple[str, ...]] = {
    "us": ("usa", "us", "american", "america", "united states"),
    "gb": ("uk", "british", "england", "united kingdom"),
    "arab": ("arab", "arabic", "arabian"),
    "br": (
        "brazil",
        "brazilian",
        "brasil",
        "brasileiros",
        "brasileiro",
        "brasileiras",
        "brasileira",
    ),
    "in": ("india", "indian", "hindi"),
    "tr": ("turkey", "turkish", "turkiye"),
    "ru": ("russia", "russian"),
    "de": ("germany", "german", "deutsch"),
    "fr": ("france", "french"),
    "it": ("italy", "italian"),
    "es": ("spain", "spanish"),
    "mx": ("mexico", "mexican"),
    "ca": ("canada", "canadian"),
    "au": ("australia", "australian"),
    # "Indo" is how Indonesian panels tag their own country.
    "id": ("indonesia", "indonesian", "indo"),
    "kr": ("korea", "korean", "south korea"),
    "jp": ("japan", "japanese"),
    "cn": ("china", "chinese"),
    "pk": ("pakistan", "pakistani", "urdu"),
    "bd": ("bangladesh", "bangladeshi", "bengali", "bangla"),
    # Vietnamese panels write the country in two words ("VIET NAM", "Việt Nam") or as "VN"; a
    # lone "viet" is not it: "bài viết" (a post) folds to "bai viet".
    "vn": ("vietnam", "vietnamese", "viet nam", "vn", "nguoi viet"),
    "th": ("thailand", "thai"),
    "ph": ("philippines", "filipino", "pinoy"),
    "my": ("malaysia", "malaysian"),
    "sg": ("singapore", "singaporean"),
    "kh": ("cambodia", "cambodian", "khmer"),
    "mm": ("myanmar", "burmese"),
    "tw": ("taiwan", "taiwanese"),
    "hk": ("hong kong",),
    "np": ("nepal", "nepali"),
    "lk": ("sri lanka",),
    "ir": ("iran", "iranian", "persian"),
    "iq": ("iraq", "iraqi"),
    "eg": ("egypt", "egyptian"),
    "sa": ("saudi", "saudi arabia"),
    "ae": ("uae", "emirates"),
    "qa": ("qatar",),
    "kw": ("kuwait",),
    "ma": ("morocco", "moroccan"),
    "dz": ("algeria", "algerian"),
    "ng": ("nigeria", "nigerian"),
    "ke": ("kenya", "kenyan"),
    "gh": ("ghana",),
    "za": ("south africa",),
    "pl": ("poland", "polish"),
    "ua": ("ukraine", "ukrainian"),
    "nl": ("netherlands", "dutch"),
    "pt": ("portugal", "portuguese"),
    "gr": ("greece", "greek"),
    "se": ("sweden", "swedish"),
    "ro": ("romania", "romanian"),
    "il": ("israel", "israeli", "hebrew"),
    "az": ("azerbaijan", "azerbaijani"),
    "kz": ("kazakhstan",),
    "uz": ("uzbekistan",),
    "ar": ("argentina", "argentinian"),
    "cl": ("chile", "chilean"),
    "co": ("colombia", "colombian"),
    "pe": ("peru", "peruvian"),
    "ve": ("venezuela",),
    "latam": ("latin", "latino", "latam", "latin america"),
    "eu": ("europe", "european", "eu"),
    "asia": ("asia", "asian"),
    "africa": ("africa", "african"),
    "female": ("female", "females", "women", "woman", "girls", "wanita", "nu"),
    "male": ("male", "males", "men", "pria"),
}

# "Targeted", "Country", "Lokal": the service is aimed somewhere we could not read. Without a
# named audience it would pass as worldwide, so such a service is left unrecognised.
UNNAMED_TARGETING: tuple[str, ...] = (
    "targeted",
    "target",
    "country",
    "countries",
    "geo",
    "local",
    "lokal",
    "nationality",
    "native",
)

# "USA excluded", "All countries except India": the named audience is the one left out.
EXCLUDING: tuple[str, ...] = ("excluded", "exclude", "excluding", "except", "without")
