"""Pair services across panels and lay out how the offers differ, cheapest first."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

from .describe import ServiceFacts, Signature, describe

GroupKey = tuple[str, str, str, tuple[str, ...]]
PERCENT_PLACES = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Match:
    key: GroupKey  # (platform, kind, order type, audience)
    explanation: str  # "Instagram · Followers · Default"


@dataclass(frozen=True, slots=True)
class Difference:
    """One way an offer differs from the target, with both values for the UI to lay out."""

    field: str  # "min", "max", "refill", "refill_days", "cancel", "dripfeed"
    target: int | bool | None
    offer: int | bool | None
    text: str  # "max 20000 (this: 50000)"


@dataclass(frozen=True, slots=True)
class Offer:
    facts: ServiceFacts
    signature: Signature
    explanation: str
    best_on_panel: bool  # the cheapest matching offer of its panel
    rate_diff: Decimal  # offer rate - target rate, exact
    rate_diff_percent: Decimal | None  # vs the target rate, to 0.01; None if the target is free
    min_diff: int  # offer - target
    max_diff: int
    differences: tuple[Difference, ...]  # only what differs, in a fixed order

    @property
    def cheaper(self) -> bool:
        return self.rate_diff < 0


def same_offer(a: ServiceFacts, b: ServiceFacts) -> Match | None:
    """A Match when both are the same platform, kind, order type and audience; else None."""
    sa, sb = describe(a), describe(b)
    if sa.key is None or sa.key != sb.key:
        return None
    return Match(sa.key, sa.label)


def mismatch_reason(a: ServiceFacts, b: ServiceFacts) -> str:
    """Why `same_offer(a, b)` is None, for debugging; an empty string when they match."""
    sa, sb = describe(a), describe(b)
    for facts, sig in ((a, sa), (b, sb)):
        if sig.problem:
            return f"{facts.name!r} is not recognised: {sig.problem}"
    for field in ("platform", "kind", "type", "audience"):
        if getattr(sa, field) != getattr(sb, field):
            return f"{field} differs: {sa.label} vs {sb.label}"
    return ""


def group_key(facts: ServiceFacts) -> GroupKey | None:
    """(platform, kind, type, audience): services with equal keys are the same offer."""
    return describe(facts).key


def group_catalog(services: Iterable[ServiceFacts]) -> dict[GroupKey, list[ServiceFacts]]:
    """Every recognised service by group key, each group cheapest first (one pass)."""
    groups: dict[GroupKey, list[ServiceFacts]] = {}
    for facts in services:
        key = group_key(facts)
        if key is not None:
            groups.setdefault(key, []).append(facts)
    for members in groups.values():
        members.sort(key=_price_order)
    return groups


def compare(target: ServiceFacts, candidates: Iterable[ServiceFacts]) -> list[Offer]:
    """Other panels' offers that are the same as `target`, cheapest first.

    Ties go to the larger max, then the panel name. The target's own panel is skipped (its
    alternatives are not what this view is for), and so is any candidate priced in another
    currency, because its rate would sort wrongly.
    """
    wanted = describe(target)
    if wanted.key is None:
        return []
    found = [
        (facts, signature)
        for facts in candidates
        if facts.panel_id != target.panel_id
        and not (facts.currency and target.currency and facts.currency != target.currency)
        and (signature := describe(facts)).key == wanted.key
    ]
    found.sort(key=lambda pair: _price_order(pair[0]))
    offers: list[Offer] = []
    panels_seen: set[int] = set()
    for facts, signature in found:
        offers.append(_offer(target, facts, signature, facts.panel_id not in panels_seen))
        panels_seen.add(facts.panel_id)
    return offers


def _price_order(facts: ServiceFacts) -> tuple[Decimal, int, str, int, int]:
    return (facts.rate, -facts.max, facts.panel_name.casefold(), facts.panel_id, facts.id)


def _offer(target: ServiceFacts, facts: ServiceFacts, signature: Signature, best: bool) -> Offer:
    # Enough precision that subtracting any stored rate is exact, whatever the context default.
    with localcontext() as ctx:
        ctx.prec = 60
        rate_diff = facts.rate - target.rate
        percent = None
        if target.rate:
            percent = (rate_diff * 100 / target.rate).quantize(PERCENT_PLACES, ROUND_HALF_UP)
    return Offer(
        facts=facts,
        signature=signature,
        explanation=signature.label,
        best_on_panel=best,
        rate_diff=rate_diff,
        rate_diff_percent=percent,
        min_diff=facts.min - target.min,
        max_diff=facts.max - target.max,
        differences=tuple(_differences(target, facts)),
    )


def _differences(target: ServiceFacts, offer: ServiceFacts) -> list[Difference]:
    found = []
    for field in ("min", "max"):
        mine, theirs = getattr(target, field), getattr(offer, field)
        if mine != theirs:
            found.append(Difference(field, mine, theirs, f"{field} {theirs} (this: {mine})"))
    if target.refill != offer.refill:
        text = f"refill: {_refill_text(offer)} (this: {_refill_text(target)})"
        found.append(Difference("refill", target.refill, offer.refill, text))
    elif (
        target.refill
        and target.refill_days is not None
        and offer.refill_days is not None
        and target.refill_days != offer.refill_days
    ):
        text = f"refill: {_refill_text(offer)} (this: {_refill_text(target)})"
        found.append(Difference("refill_days", target.refill_days, offer.refill_days, text))
    for field in ("cancel", "dripfeed"):
        mine, theirs = getattr(target, field), getattr(offer, field)
        if mine != theirs:
            text = f"{field}: {_yes_no(theirs)} (this: {_yes_no(mine)})"
            found.append(Difference(field, mine, theirs, text))
    return found


def _refill_text(facts: ServiceFacts) -> str:
    if not facts.refill:
        return "no"
    return f"{facts.refill_days} days" if facts.refill_days else "yes"


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"
