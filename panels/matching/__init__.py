"""Find "the same offer" on other panels, and say why it is the same.

Two services are the same offer when their names/categories read as the same platform and kind
(`describe`), they have the same order type and the same targeting. Anything unclear leaves a
service unrecognised, and an unrecognised service matches nothing. Pure Python, no Django.

    offers = compare(target_facts, facts_of_other_panels)  # cheapest first, same currency
    groups = compare_by_currency(target_facts, facts_of_other_panels)  # one per currency
    groups = group_catalog(all_facts)  # {(platform, kind, type, audience): [cheapest, ...]}
"""

from .compare import (
    CurrencyGroup,
    Difference,
    GroupKey,
    Match,
    Offer,
    compare,
    compare_by_currency,
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
    "CurrencyGroup",
    "Difference",
    "GroupKey",
    "Match",
    "Offer",
    "ServiceFacts",
    "Signature",
    "compare",
    "compare_by_currency",
    "describe",
    "group_catalog",
    "group_key",
    "mismatch_reason",
    "same_offer",
]
