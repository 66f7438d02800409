"""The sale price a reseller would ask for a service: its cost in the base currency, then the
price rule that applies to it (orders.price_models.PriceRule).

    suggested = max(cost × (1 + markup_percent / 100) + markup_fixed, min_price, 0)

with a missing markup read as 0 and a missing minimum as none. The cost is the order's
estimate (panels.api.order_types.estimate_cost) converted at the rate of the day. No rule, no
known cost or no rate: no suggestion, and the reason says which.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q

from core.money import money_text
from currency.conversion import Converter
from orders.models import PriceRule
from orders.validation import validate_order
from panels.models import Panel, Service

Scope = PriceRule.Scope
PRECEDENCE = [Scope.SERVICE, Scope.OFFER, Scope.CATEGORY, Scope.PANEL, Scope.DEFAULT]


def _applies(rule: PriceRule, service: Service) -> bool:
    if rule.scope == Scope.SERVICE:
        return rule.service_id == service.pk
    if rule.scope == Scope.OFFER:
        return bool(service.match_key) and rule.match_key == service.match_key
    if rule.scope == Scope.CATEGORY:
        return rule.panel_id == service.panel_id and rule.category == service.category
    if rule.scope == Scope.PANEL:
        return rule.panel_id == service.panel_id
    return rule.scope == Scope.DEFAULT


def _rank(rule: PriceRule) -> tuple[int, float, int]:
    """Smaller wins: the more specific scope, then the newest, then the later id."""
    return (PRECEDENCE.index(Scope(rule.scope)), -rule.created_at.timestamp(), -rule.pk)


@dataclass(frozen=True)
class PriceRules:
    """The rules that may apply to some services, read in one query."""

    rules: tuple[PriceRule, ...]

    def for_service(self, service: Service) -> PriceRule | None:
        found = [rule for rule in self.rules if _applies(rule, service)]
        return min(found, key=_rank) if found else None


def price_rules_for(services: Iterable[Service]) -> PriceRules:
    """Every rule that could apply to one of `services`. One query."""
    services = list(services)
    condition = Q(scope=Scope.DEFAULT)
    if services:
        keys = {s.match_key for s in services if s.match_key}
        condition |= Q(scope=Scope.SERVICE, service_id__in={s.pk for s in services})
        condition |= Q(scope=Scope.PANEL, panel_id__in={s.panel_id for s in services})
        condition |= Q(scope=Scope.OFFER, match_key__in=keys)
        for panel_id in {s.panel_id for s in services}:
            categories = {s.category for s in services if s.panel_id == panel_id}
            condition |= Q(scope=Scope.CATEGORY, panel_id=panel_id, category__in=categories)
    return PriceRules(tuple(PriceRule.objects.filter(condition)))


STORED_PLACES = Decimal("1e-12")  # what Order.sale_price keeps


def apply_rule(rule: PriceRule, cost: Decimal) -> Decimal:
    """The suggested price, to the 12 decimal places a sale price is stored with (not a
    display rounding: the price is the one that will be kept), without trailing zeros."""
    price = cost * (1 + (rule.markup_percent or 0) / Decimal(100)) + (rule.markup_fixed or 0)
    if rule.min_price is not None:
        price = max(price, rule.min_price)
    price = max(price, Decimal(0)).quantize(STORED_PLACES, rounding=ROUND_HALF_UP)
    return Decimal(f"{price.normalize():f}")


def rule_text(rule: PriceRule) -> str:
    """ "+50% +0.10, at least 2.00": what the rule does, in a few words."""
    parts = []
    if rule.markup_percent is not None:
        parts.append(f"+{money_text(rule.markup_percent).removesuffix('.00')}%")
    if rule.markup_fixed is not None:
        parts.append(f"+{money_text(rule.markup_fixed)}")
    if rule.min_price is not None:
        parts.append(f"at least {money_text(rule.min_price)}")
    return ", ".join(parts).replace("+-", "−")


@dataclass(frozen=True)
class Suggestion:
    price: Decimal | None  # in the base currency; None: no suggestion, `problem` says why
    base: str
    cost: Decimal | None = None  # the estimate in the base currency
    rate_day: date | None = None  # the day of the rate the cost was converted at
    rule: PriceRule | None = None
    problem: str = ""
    note: str = ""  # how the cost was converted ("from EUR at the 2026-12-04 rate")

    @property
    def explanation(self) -> str:
        """ "Cost 1.20 USD, +50%": how the price was reached."""
        if self.price is None or self.rule is None or self.cost is None:
            return self.problem
        return f"Cost {money_text(self.cost)} {self.base}, {rule_text(self.rule)}"


def suggest_for_cost(
    service: Service,
    cost: Decimal | None,
    day: date,
    *,
    rules: PriceRules | None = None,
    converter: Converter | None = None,
) -> Suggestion:
    """The suggestion for a service whose order costs `cost` in its panel's currency."""
    converter = converter or Converter()
    rules = rules if rules is not None else price_rules_for([service])
    rule = rules.for_service(service)
    if cost is None:
        return Suggestion(None, converter.base, rule=rule, problem="The cost is not known yet.")
    converted = converter.to_base(cost, service.panel.currency, day)
    if converted.amount is None:
        problem = f"No suggestion: {converted.problem}"
        return Suggestion(None, converter.base, rule=rule, problem=problem)
    if rule is None:
        return Suggestion(
            None,
            converter.base,
            cost=converted.amount,
            rate_day=converted.rate_day,
            problem="No price rule applies to this service.",
            note=converted.note,
        )
    return Suggestion(
        apply_rule(rule, converted.amount),
        converter.base,
        cost=converted.amount,
        rate_day=converted.rate_day,
        rule=rule,
        note=converted.note,
    )


def suggest_sale_price(
    service: Service,
    values: Mapping[str, object],
    day: date,
    *,
    rules: PriceRules | None = None,
    converter: Converter | None = None,
) -> Suggestion:
    """The suggested sale price of an order of `service` with these field values (as typed:
    quantity, comments, runs...), converted at the rate of `day`."""
    clean, _ = validate_order(service, values, today=day)
    cost = clean.estimated_cost if clean is not None else None
    return suggest_for_cost(service, cost, day, rules=rules, converter=converter)


def price_rule_targets(*, panel: Panel, remote_id: str) -> Service | None:
    """The service a rule names by its panel and the panel's own ID. One query."""
    return Service.objects.filter(panel=panel, remote_id=remote_id).first()


def price_rule_offer_service(*, match_key: str) -> Service | None:
    """One service that sells the offer (the lowest id), to name an offer rule by. One query."""
    return Service.objects.filter(match_key=match_key).order_by("pk").first()


@dataclass(frozen=True)
class RuleRow:
    rule: PriceRule
    applies_to: str
    does: str


def price_rule_rows() -> list[RuleRow]:
    """Every rule, most specific scope first, newest first within one; with what it applies
    to in words. Two queries (the rules with their panel and service; one service per offer
    key, for its name)."""
    rules = sorted(PriceRule.objects.select_related("panel", "service__panel"), key=_rank)
    keys = {r.match_key for r in rules if r.match_key}
    examples: dict[str, str] = {}
    if keys:
        for key, name in (
            Service.objects.filter(match_key__in=keys)
            .order_by("pk")
            .values_list("match_key", "name")
        ):
            examples.setdefault(key, name)
    rows = []
    for rule in rules:
        if rule.scope == Scope.SERVICE and rule.service is not None:
            what = f"{rule.service.panel.name} · #{rule.service.remote_id} {rule.service.name}"
        elif rule.scope == Scope.OFFER:
            what = f"Offers like “{examples.get(rule.match_key, rule.match_key)}” on every panel"
        elif rule.scope == Scope.CATEGORY and rule.panel is not None:
            what = f"{rule.panel.name} · {rule.category}"
        elif rule.scope == Scope.PANEL and rule.panel is not None:
            what = rule.panel.name
        else:
            what = "Every service"
        rows.append(RuleRow(rule, what, rule_text(rule)))
    return rows
