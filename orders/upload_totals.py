"""What an upload's valid rows add up to: the estimated cost per panel against its balance,
and, in the base currency, the cost, the sale and the profit of the whole upload; and the
sale price suggested for rows that do not give one.

Rows are converted at the rates of the upload's day (the local date it was checked), every
rate in one query. A row whose cost is unknown (a subscription without posts) or has no rate
is left out of the base-currency totals and counted, never guessed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from currency.conversion import Converter
from orders.models import Upload
from orders.pricing import price_rules_for, suggest_for_cost
from panels.models import Panel, Service


@dataclass(frozen=True)
class PanelTotal:
    panel_id: int
    panel: str
    orders: int
    cost: Decimal
    unknown_cost: int  # orders whose cost cannot be known up front (subscriptions without posts)
    balance: Decimal | None
    currency: str
    balance_checked_at: datetime | None = None  # its age is shown next to it

    @property
    def over_balance(self) -> bool:
        return self.balance is not None and self.cost > self.balance


def _decimal(value: object) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def upload_totals(upload: Upload) -> list[PanelTotal]:
    """The estimated cost of the valid rows per panel, against each panel's balance. One
    query."""
    sums: dict[int, list[Any]] = {}
    for entry in upload.valid_rows:
        total = sums.setdefault(entry["panel_id"], [0, Decimal(0), 0])
        total[0] += 1
        cost = _decimal(entry.get("cost"))
        if cost is None:
            total[2] += 1
        else:
            total[1] += cost
    panels = Panel.objects.in_bulk(list(sums))
    return [
        PanelTotal(
            panel_id=pk,
            panel=panels[pk].name,
            orders=n,
            cost=cost,
            unknown_cost=unknown,
            balance=panels[pk].balance,
            currency=panels[pk].currency,
            balance_checked_at=panels[pk].balance_checked_at,
        )
        for pk, (n, cost, unknown) in sorted(sums.items())
        if pk in panels
    ]


def upload_day(upload: Upload | None = None) -> date:
    """The day whose rates convert an upload's money: the day it was checked."""
    moment = upload.created_at if upload is not None and upload.created_at else timezone.now()
    return timezone.localdate(moment)


def row_sale_price(entry: dict[str, Any]) -> tuple[Decimal | None, bool]:
    """(the sale price a row's order gets, whether it is the suggestion): the row's own, or
    the price suggested when it was checked."""
    given = _decimal(entry.get("sale_price"))
    if given is not None:
        return given, False
    suggested = _decimal(entry.get("suggested_price"))
    return suggested, suggested is not None


def suggest_for_rows(entries: list[dict[str, Any]], services: Iterable[Service], day: date) -> None:
    """Give each row without a sale price the one its price rule suggests
    (`suggested_price`, exact), or the reason there is none (`price_note`). One query for
    the rules; when one applies, two more (the base currency, every rate)."""
    wanted = [e for e in entries if _decimal(e.get("sale_price")) is None]
    by_pk = {s.pk: s for s in services}
    if not wanted:
        return
    rules = price_rules_for([by_pk[e["service_id"]] for e in wanted])
    if not rules.rules:
        return
    converter = Converter().preload({(by_pk[e["service_id"]].panel.currency, day) for e in wanted})
    for entry in wanted:
        service = by_pk[entry["service_id"]]
        suggestion = suggest_for_cost(
            service, _decimal(entry.get("cost")), day, rules=rules, converter=converter
        )
        if suggestion.price is not None:
            entry["suggested_price"] = str(suggestion.price)
        elif suggestion.rule is not None:
            entry["price_note"] = suggestion.problem


@dataclass(frozen=True)
class MoneyTotals:
    """The valid rows in the base currency."""

    base: str
    day: date
    rows: int
    cost: Decimal  # of the rows with a known cost and a rate
    sale: Decimal  # of the rows with a sale price (their own or the suggestion)
    profit: Decimal  # of the rows with both
    costed: int  # rows in `cost`
    sold: int  # rows in `sale`
    suggested: int  # of those, priced by the suggestion
    profited: int  # rows in `profit`
    notes: tuple[str, ...]  # each conversion used ("from EUR at the 2026-12-04 rate") or missing


def upload_money(upload: Upload) -> MoneyTotals:
    """Cost, sale and profit of the upload's valid rows in the base currency, at the rates of
    its day. Three queries: the panels' currencies, the base currency, every rate."""
    day = upload_day(upload)
    rows = upload.valid_rows
    currencies = dict(
        Panel.objects.filter(pk__in={e["panel_id"] for e in rows}).values_list("pk", "currency")
    )
    converter = Converter().preload({(c, day) for c in currencies.values()})
    cost = sale = profit = Decimal(0)
    costed = sold = suggested = profited = 0
    notes: dict[str, None] = {}
    for entry in rows:
        converted = converter.to_base(
            _decimal(entry.get("cost")), currencies.get(entry["panel_id"], ""), day
        )
        price, is_suggestion = row_sale_price(entry)
        if converted.note:
            notes[converted.note] = None
        if converted.amount is not None:
            cost += converted.amount
            costed += 1
        if price is not None:
            sale += price
            sold += 1
            suggested += is_suggestion
            if converted.amount is not None:
                profit += price - converted.amount
                profited += 1
    return MoneyTotals(
        converter.base, day, len(rows), cost, sale, profit, costed, sold, suggested, profited,
        tuple(notes),
    )  # fmt: skip
