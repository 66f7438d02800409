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
    # offer rate - target rate, exact; None when priced in another currency than the target:
    # without exchange rates the two numbers cannot be compared.
    rate_diff: Decimal | None
    rate_diff_percent: Decimal | None  # vs the target rate, to 0.01; None if the target is free
    min_diff: int  # offer - target
    max_diff: int
    differences: tuple[Difference, ...]  # only what differs, in a fixed order

    @property
    def cheaper(self) -> bool:
        return self.rate_diff is not None and self.rate_diff < 0


@dataclass(frozen=True, slots=True)
class CurrencyGroup:
    """The other panels' offers priced in one currency, cheapest first. Rates are compared
    only within a group: there are no exchange rates (yet)."""

    currency: str  # "" when the panels give none
    is_target: bool  # the target's own currency: these offers are compared with the target
    offers: tuple[Offer, ...]
    lowest_rate: Decimal | None  # the cheapest rate of the group, the target's counted in its own

    def is_cheapest(self, rate: Decimal) -> bool:
        """Whether an offer at this rate is the cheapest of its currency (ties all are)."""
        return self.lowest_rate is not None and rate == self.lowest_rate


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
    """Other panels' offers that are the same as `target` and priced in its currency, cheapest
    first (see `compare_by_currency` for every currency)."""
    return list(compare_by_currency(target, candidates)[0].offers)


def compare_by_currency(
    target: ServiceFacts, candidates: Iterable[ServiceFacts]
) -> list[CurrencyGroup]:
    """Other panels' offers that are the same as `target`, one group per currency: first the
    target's own (always there, perhaps empty; compared with the target), then the other
    currencies by code (compared only among themselves). Each group is cheapest first.

    Ties go to the larger max, then the panel name. The target's own panel is skipped (its
    alternatives are not what this view is for). A panel that gives no currency is counted
    in the target's.
    """
    wanted = describe(target)
    found = (
        []
        if wanted.key is None
        else [
            (facts, signature)
            for facts in candidates
            if facts.panel_id != target.panel_id
            and (signature := describe(facts)).key == wanted.key
        ]
    )
    found.sort(key=lambda pair: _price_order(pair[0]))
    grouped: dict[str, list[Offer]] = {target.currency: []}
    panels_seen: set[int] = set()
    for facts, signature in found:
        comparable = _same_currency(target, facts)
        offer = _offer(target, facts, signature, facts.panel_id not in panels_seen, comparable)
        grouped.setdefault(target.currency if comparable else facts.currency, []).append(offer)
        panels_seen.add(facts.panel_id)
    groups = []
    for currency in [target.currency, *sorted(c for c in grouped if c != target.currency)]:
        offers = grouped[currency]
        rates = [o.facts.rate for o in offers] + (
            [target.rate] if currency == target.currency else []
        )
        groups.append(
            CurrencyGroup(
                currency,
                currency == target.currency,
                tuple(offers),
                min(rates) if wanted.key is not None else None,
            )
        )
    return groups


def _same_currency(a: ServiceFacts, b: ServiceFacts) -> bool:
    return not (a.currency and b.currency and a.currency != b.currency)


def _price_order(facts: ServiceFacts) -> tuple[Decimal, int, str, int, int]:
    return (facts.rate, -facts.max, facts.panel_name.casefold(), facts.panel_id, facts.id)


def _offer(
    target: ServiceFacts, facts: ServiceFacts, signature: Signature, best: bool, comparable: bool
) -> Offer:
    rate_diff = percent = None
    # Enough precision that subtracting any stored rate is exact, whatever the context default.
    with localcontext() as ctx:
        ctx.prec = 60
        if comparable:
            rate_diff = facts.rate - target.rate
        if rate_diff is not None and target.rate:
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
