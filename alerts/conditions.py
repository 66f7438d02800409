"""What is wrong right now, each thing as one `Found`: the periodic check's reads.

Every read is one query whatever the number of orders: aggregates grouped by panel or service
over the orders in one state (indexed), or rows from small tables (panels, flagged balance
intervals, the last week's catalog events, bulk actions and uploads). Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, Subquery, Sum
from django.urls import reverse

from alerts.models import Kind
from core.money import money
from ledger.models import BalanceCheck
from orders.models import BulkAction, Order
from orders.selectors import STUCK
from orders.upload_models import Upload
from panels.models import CatalogEvent, Panel

# Events (price rises, finished work) are told if they happened this recently.
EVENT_WINDOW = timedelta(days=7)
# "Services the user ordered in the last 30 days" for price rises.
ORDERED_WINDOW = timedelta(days=30)
# At most this many of one event kind per check: a catalog repricing every service at once
# is still one look at the catalog's changes, not thousands of messages.
EVENTS_READ = 200


@dataclass(frozen=True)
class Found:
    key: str
    kind: str
    title: str
    body: str
    link: str
    since: datetime
    measure: Decimal | None = None


@dataclass(frozen=True)
class _PanelOrders:
    count: int
    cost: Decimal


def _per_panel(rows: object) -> dict[int, _PanelOrders]:
    return {
        row["panel_id"]: _PanelOrders(row["n"], row["cost"] or Decimal(0))
        for row in rows  # type: ignore[attr-defined]
    }


def _orders_by_panel(where: Q) -> dict[int, _PanelOrders]:
    rows = (
        Order.objects.filter(where)
        .order_by()
        .values("panel_id")
        .annotate(n=Count("id"), cost=Sum("estimated_cost"))
    )
    return _per_panel(rows)


def _quoted(text: str) -> str:
    """A panel's own words (service names, errors) as plain text in chat apps too: no
    @everyone or @channel, no hidden link. A zero-width space keeps each mark inert."""
    return text.replace("@", "@\u200b").replace("<!", "<\u200b!").replace("](", "]\u200b(")


def _orders_word(count: int) -> str:
    return f"{count} order" if count == 1 else f"{count} orders"


def find_all(*, now: datetime) -> list[Found]:
    """Everything wrong now, across all kinds. A constant number of queries."""
    panels = {panel.pk: panel for panel in Panel.objects.filter(is_active=True)}
    queued = _orders_by_panel(Q(state=Order.State.QUEUED))
    found: list[Found] = []
    found += _balance_low(panels, queued, now=now)
    found += _panel_failing(panels, queued)
    found += _orders_needing_a_person(panels, now=now)
    found += _balance_unexplained()
    found += _price_rises(now=now)
    found += _services_gone(now=now)
    found += _work_failed(now=now)
    return found


def _balance_low(
    panels: dict[int, Panel], queued: dict[int, _PanelOrders], *, now: datetime
) -> Iterator[Found]:
    for panel in panels.values():
        if panel.balance is None:
            continue
        waiting = queued.get(panel.pk)
        short = waiting is not None and waiting.cost > panel.balance
        if not (panel.is_low_on_balance or short):
            continue
        lines = [f"Balance {money(panel.balance, panel.currency)}."]
        if panel.is_low_on_balance:
            lines.append(
                f"Below its threshold of {money(panel.balance_threshold, panel.currency)}."
            )
        if waiting is not None:
            need = money(waiting.cost, panel.currency)
            lines.append(f"{_orders_word(waiting.count)} queued for it need about {need}.")
        if short:
            lines.append("Not enough for them: they wait until the balance is topped up.")
        yield Found(
            key=f"{Kind.BALANCE_LOW}:panel:{panel.pk}",
            kind=Kind.BALANCE_LOW,
            title=f"{panel.name}: balance low ({money(panel.balance, panel.currency)})",
            body=" ".join(lines),
            link=reverse("ledger:panel", args=[panel.pk]),
            since=panel.balance_checked_at or now,
        )


def _panel_failing(panels: dict[int, Panel], queued: dict[int, _PanelOrders]) -> Iterator[Found]:
    for panel in panels.values():
        if panel.health != Panel.Health.FAILING or panel.failing_since is None:
            continue
        waiting = queued.get(panel.pk)
        lines = [f"Failing since {panel.failing_since:%Y-%m-%d %H:%M} UTC."]
        if panel.last_error:
            lines.append(f"Last error: {_quoted(panel.last_error[:300])}")
        if waiting is not None:
            need = money(waiting.cost, panel.currency)
            lines.append(f"{_orders_word(waiting.count)} ({need}) wait for it.")
        yield Found(
            key=f"{Kind.PANEL_FAILING}:panel:{panel.pk}",
            kind=Kind.PANEL_FAILING,
            title=f"{panel.name} is failing",
            body=" ".join(lines),
            link=reverse("panels:edit", args=[panel.pk]),
            since=panel.failing_since,
        )


def _orders_needing_a_person(panels: dict[int, Panel], *, now: datetime) -> Iterator[Found]:
    """Orders with an unknown outcome, and stuck orders: one condition per panel each."""
    orders_url = reverse("orders:list")
    unknown = _orders_by_panel(Q(state=Order.State.UNKNOWN))
    stuck = _orders_by_panel(STUCK)
    names = dict(Panel.objects.filter(pk__in=[*unknown, *stuck]).values_list("pk", "name"))
    for panel_id, orders in unknown.items():
        currency = panels[panel_id].currency if panel_id in panels else ""
        yield Found(
            key=f"{Kind.UNKNOWN_OUTCOME}:panel:{panel_id}",
            kind=Kind.UNKNOWN_OUTCOME,
            title=f"{names.get(panel_id, panel_id)}: {_orders_word(orders.count)} "
            "with an unknown outcome",
            body=(
                f"It is not known whether the panel took {_orders_word(orders.count)} "
                f"(about {money(orders.cost, currency)}). They are never sent again by "
                "themselves: look each one up on the panel and record what you find."
            ),
            link=f"{orders_url}?state={Order.State.UNKNOWN}&panel={panel_id}",
            since=now,
        )
    for panel_id, orders in stuck.items():
        currency = panels[panel_id].currency if panel_id in panels else ""
        yield Found(
            key=f"{Kind.STUCK}:panel:{panel_id}",
            kind=Kind.STUCK,
            title=f"{names.get(panel_id, panel_id)}: {_orders_word(orders.count)} stuck",
            body=(
                f"{_orders_word(orders.count)} (about {money(orders.cost, currency)}) have "
                "run far longer than this panel usually takes. Refill, cancel, or cancel and "
                "re-place the remains on another panel."
            ),
            link=f"{orders_url}?attention=1&panel={panel_id}",
            since=now,
        )


def _balance_unexplained() -> Iterator[Found]:
    checks = (
        BalanceCheck.objects.filter(
            result=BalanceCheck.Result.FLAGGED, acknowledged_at__isnull=True
        )
        .select_related("panel")
        .order_by("-ended_at", "-id")[:EVENTS_READ]  # the newest, if there are more
    )
    for check in checks:
        difference = money(abs(check.difference), check.currency)
        side = "lower" if check.difference < 0 else "higher"
        yield Found(
            key=f"{Kind.BALANCE_UNEXPLAINED}:check:{check.pk}",
            kind=Kind.BALANCE_UNEXPLAINED,
            title=f"{check.panel.name}: the balance is {difference} {side} than its orders explain",
            body=(
                f"Between {check.started_at:%Y-%m-%d %H:%M} and {check.ended_at:%Y-%m-%d %H:%M} "
                f"UTC the balance moved {money(check.actual, check.currency)}; "
                f"{_orders_word(check.orders_placed)} and refunds explain "
                f"{money(check.expected, check.currency)}."
            ),
            link=reverse("ledger:panel", args=[check.panel_id]),
            since=check.ended_at,
        )


def _price_rises(*, now: datetime) -> Iterator[Found]:
    ordered = Order.objects.filter(
        service_id=OuterRef("service_id"), created_at__gte=now - ORDERED_WINDOW
    ).order_by()
    counted = ordered.values("service_id").annotate(n=Count("id")).values("n")
    quantity = ordered.values("service_id").annotate(q=Sum("quantity")).values("q")
    events = (
        CatalogEvent.objects.filter(
            kind=CatalogEvent.Kind.RATE_CHANGED,
            rate_change__gt=0,
            created_at__gte=now - EVENT_WINDOW,
        )
        .filter(Exists(ordered))
        .annotate(orders=Subquery(counted), units=Subquery(quantity))
        .select_related("panel", "service")
        .order_by("-created_at", "-id")[:EVENTS_READ]
    )
    for event in events:
        percent = (event.rate_change or Decimal(0)) * 100
        currency = event.panel.currency
        # What the last 30 days' orders would cost more at the new price.
        units = Decimal(event.units or 0)
        more = (event.new_rate or 0) - (event.old_rate or 0)
        yield Found(
            key=f"{Kind.PRICE_RISE}:event:{event.pk}",
            kind=Kind.PRICE_RISE,
            title=f"{event.panel.name}: +{percent:.1f}% on {_quoted(event.service.name[:120])}",
            body=(
                f"Service {event.service.remote_id} went from "
                f"{money(event.old_rate, currency)} to {money(event.new_rate, currency)} "
                f"per 1,000. You placed {_orders_word(event.orders or 0)} of it in the last "
                f"30 days ({units:,.0f} units): at the new price they would cost "
                f"{money(more * units / 1000, currency)} more."
            ),
            link=reverse("catalog:service", args=[event.service_id]),
            since=event.created_at,
            measure=percent,
        )


def _services_gone(*, now: datetime) -> Iterator[Found]:
    rows = (
        Order.objects.filter(state=Order.State.QUEUED, service__is_active=False)
        .order_by()
        .values("service_id", "service__name", "service__remote_id", "panel__name", "currency")
        .annotate(n=Count("id"), cost=Sum("estimated_cost"))[:EVENTS_READ]
    )
    orders_url = reverse("orders:list")
    for row in rows:
        yield Found(
            key=f"{Kind.SERVICE_GONE}:service:{row['service_id']}",
            kind=Kind.SERVICE_GONE,
            title=f"{row['panel__name']}: service {row['service__remote_id']} is gone "
            f"with {_orders_word(row['n'])} queued",
            body=(
                f"{_quoted(row['service__name'][:200])} is no longer listed by its panel. "
                f"{_orders_word(row['n'])} (about {money(row['cost'], row['currency'])}) "
                "are queued for it: cancel them or place them on another service."
            ),
            link=f"{orders_url}?state={Order.State.QUEUED}&service={row['service_id']}",
            since=now,
        )


def _work_failed(*, now: datetime) -> Iterator[Found]:
    since = now - EVENT_WINDOW
    bulks = BulkAction.objects.filter(
        state__in=[BulkAction.State.DONE, BulkAction.State.FAILED],
        finished_at__gte=since,
    ).filter(Q(failed__gt=0) | Q(state=BulkAction.State.FAILED))[:EVENTS_READ]
    for bulk in bulks:
        what = bulk.get_kind_display().lower()
        detail = bulk.error[:300] if bulk.state == BulkAction.State.FAILED else ""
        yield Found(
            key=f"{Kind.WORK_FAILED}:bulk:{bulk.pk}",
            kind=Kind.WORK_FAILED,
            title=f"Bulk {what}: {bulk.failed} of {bulk.eligible} failed",
            body=(
                f"The bulk {what} of {bulk.description[:200] or 'selected orders'} finished: "
                f"{bulk.succeeded} succeeded, {bulk.failed} failed. {detail}"
            ).strip(),
            link=reverse("orders:bulk_result", args=[bulk.pk]),
            since=bulk.finished_at or now,
        )
    yield from _uploads_failed(since=since, now=now)


def _uploads_failed(*, since: datetime, now: datetime) -> Iterator[Found]:
    """Submitted uploads none of whose orders is still waiting, and some of which failed."""
    open_states = [Order.State.QUEUED, Order.State.SUBMITTING]
    failed_states = [Order.State.REJECTED, Order.State.UNKNOWN]
    rows = (
        Upload.objects.filter(state=Upload.State.SUBMITTED, submitted_at__gte=since)
        .annotate(
            waiting=Count("orders", filter=Q(orders__state__in=open_states)),
            failed=Count("orders", filter=Q(orders__state__in=failed_states)),
            total=Count("orders"),
        )
        .filter(waiting=0, failed__gt=0)
        .order_by("-submitted_at")[:EVENTS_READ]
    )
    for upload in rows:
        name = upload.filename or "pasted orders"
        yield Found(
            key=f"{Kind.WORK_FAILED}:upload:{upload.pk}",
            kind=Kind.WORK_FAILED,
            title=f"Upload {name[:100]}: {upload.failed} of {upload.total} orders failed",
            body=(
                f"Every order of the upload was sent: {upload.failed} were rejected or have "
                "an unknown outcome. The results file lists each one with its reason."
            ),
            link=reverse("orders:upload_preview", args=[upload.pk]),
            since=upload.submitted_at or now,
        )
