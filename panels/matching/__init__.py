"""Find "the same offer" on other panels, and say why it is the same.

Two services are the same offer when their names/categories read as the same platform and kind
(`describe`), they have the same order type and the same targeting. Anything unclear leaves a
service unrecognised, and an unrecognised service matches nothing. Pure Python, no Django.

    offers = compare(target_facts, facts_of_other_panels)  # cheapest first
    groups = group_catalog(all_facts)  # {(platform, kind, type, audience): [cheapest, ...]}
"""

from .compare import (
    Difference,
    GroupKey,
    Match,
    Offer,
    compare,
    group_catalog,
    group_key,
    mismatch_reason,
    same_offer,
)
from .describe import ServiceFacts, Signature, describe
from .vocabulary import CANONICAL_BASES, CANONICAL_PLATFORMS

__all__ = [
    "CANONICAL_BASES",
    "CANONICAL_PLATFORMS",
    "Difference",
    "GroupKey",
    "Match",
    "Offer",
    "ServiceFacts",
    "Signature",
    "compare",
    "describe",
    "group_catalog",
    "group_key",
    "mismatch_reason",
    "same_offer",
]
