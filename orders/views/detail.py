"""One order's page: every field, its state and the panel's status (refreshing itself while it
can still change), the history, refills, the panel's last answer, and the actions that apply:
refresh, resolve an unknown outcome, place a rejected order again, cancel.

Thin: reads from `orders.selectors`, writes through `orders.services`, and what each part of
the page shows from `orders.presenters.order_page` (the poll builds its own block only).
Resolving "not placed" takes two POSTs: the second (confirm=1) is the only one that changes
anything, so nothing is ever placed again without that confirmation. Cancel works the same
way: the first POST shows the confirmation (no JavaScript needed), the second asks the panel
and comes back to the order's page with its answer.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.htmx import HtmxHttpRequest
from orders.fields import DELAY, FIELDS, LIST, delay_label
from orders.models import BulkAction, Order
from orders.presenters import cancel_answer
from orders.presenters.order_page import order_cancel_context, order_live_context
from orders.selectors import order_detail as select_order
from orders.services import (
    order_acknowledge_attention,
    order_resolve_not_placed,
    orders_refresh,
)
from orders.services.bulk import order_cancel_now, order_why_not
from orders.services.resolve import order_resolve_found
from orders.services.status import StatusSyncResult
from panels.api.errors import PanelError
from panels.api.order_types import ORDER_TYPES, OTHER, split_lines

TEMPLATE = "orders/detail.html"
LIVE = f"{TEMPLATE}#live"


@dataclass(frozen=True)
class Param:
    label: str
    value: str
    lines: list[str] | None = None  # a list field, one item per line
    is_extra: bool = False  # passed through, not a field of the type


def _params(order: Order) -> list[Param]:
    spec = ORDER_TYPES.get(order.order_type, ORDER_TYPES[OTHER])
    params = []
    for name, value in (order.params or {}).items():
        known = FIELDS.get(name)  # an extra field is shown by its own name
        text = str(value)
        if known and known.kind == DELAY and text.isdigit():
            text = delay_label(int(text))  # "1 hour 30 minutes", as the form offered it
        lines = split_lines(text) if known and known.kind == LIST else None
        label = known.label if known else name
        params.append(Param(label, text, lines, name not in spec.fields))
    return params


def _context(order: Order, **extra: Any) -> dict[str, Any]:
    """The whole page: the live block, the Cancel card, and what was ordered."""
    spec = ORDER_TYPES.get(order.order_type, ORDER_TYPES[OTHER])
    total = order.quantity * order.runs if order.quantity and order.runs else None
    return {
        **order_live_context(order),
        **order_cancel_context(order),
        "type_label": spec.label,
        "params": _params(order),
        "total": total,
        "link_href": order.link if order.link.lower().startswith(("http://", "https://")) else "",
        **extra,
    }


def _live(request: HtmxHttpRequest, order: Order, **extra: Any) -> HttpResponse:
    """The live block alone, built from its own context: what the poll and Refresh swap in."""
    return render(request, LIVE, {**order_live_context(order), **extra})


def _get(pk: int) -> Order:
    order = select_order(pk=pk)
    if order is None:
        raise Http404("No such order")
    return order


@require_GET
def order_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    order = _get(pk)
    if request.htmx and not request.htmx.history_restore_request:
        # The status block polling itself: only that block, without the poll once settled.
        return _live(request, order)
    return render(request, TEMPLATE, _context(order))


@require_POST
def order_refresh(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Ask the panel for this order's status now."""
    order = _get(pk)
    if not order.is_on_panel:
        note = ("error", "Only an order placed on the panel has a status to refresh.")
    else:
        result = orders_refresh(orders=[order]).get(order.panel_id)
        note = _refresh_note(result, order)
        order = _get(pk)
    if request.htmx:
        return _live(request, order, note=note)
    getattr(messages, note[0])(request, note[1])
    return redirect("orders:detail", pk=pk)


def _refresh_note(result: StatusSyncResult | PanelError | None, order: Order) -> tuple[str, str]:
    if isinstance(result, PanelError):
        return ("error", f"{order.panel.name} could not be asked just now: {result.message}")
    if result is None:
        return ("error", "Nothing to refresh.")
    if result.unknown_ids:
        return ("error", f"{order.panel.name} does not know order id {order.remote_id}.")
    if result.set_aside:
        return (
            "error",
            f"{order.panel.name} answered, but its answer could not be used: {order.last_error}",
        )
    if result.changed:
        return ("success", "Updated from the panel just now.")
    return ("info", "Checked with the panel just now: nothing changed.")


@require_POST
def order_acknowledge(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """A person has dealt with what the order needed attention for (a possible double buy)."""
    try:
        order_acknowledge_attention(order=_get(pk), user=request.user)
    except ValidationError:
        messages.info(request, "There was nothing to acknowledge on this order.")
    else:
        messages.success(request, f"Order #{pk}: acknowledged. The ids stay on record.")
    return redirect("orders:detail", pk=pk)


@require_POST
def order_resolve(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Resolve an order whose outcome is unknown: `action=placed` with the panel's order id, or
    `action=not_placed` (optionally `place_again=1`), which only acts with `confirm=1`."""
    order = _get(pk)
    action = request.POST.get("action", "")
    if not order.awaits_resolution:
        messages.error(request, "This order is not waiting to be resolved: nothing was changed.")
        return redirect("orders:detail", pk=pk)
    if action == "placed":
        return _resolve_placed(request, order)
    if action == "not_placed":
        return _resolve_not_placed(request, order)
    return HttpResponseBadRequest("Unknown action.")


def _resolve_placed(request: HtmxHttpRequest, order: Order) -> HttpResponse:
    # Panels show ids as "#23501"; the id itself is what follows the "#".
    remote_id = request.POST.get("remote_id", "").strip().removeprefix("#").strip()
    try:
        order = order_resolve_found(order=order, remote_id=remote_id, user=request.user)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"remote_id": exc.messages}
        context = _context(order, resolve_errors=errors, remote_id=remote_id)
        return render(request, TEMPLATE, context, status=400)
    result = orders_refresh(orders=[order]).get(order.panel_id)
    text = f"Order #{order.pk} is placed as #{remote_id} on {order.panel.name}"
    if isinstance(result, PanelError):
        messages.warning(
            request,
            f"{text}. Its status could not be fetched just now "
            f"({result.message}); it is synced with the others.",
        )
    else:
        messages.success(request, f"{text} and is tracked from now on.")
    return redirect("orders:detail", pk=order.pk)


def _resolve_not_placed(request: HtmxHttpRequest, order: Order) -> HttpResponse:
    place_again = request.POST.get("place_again") == "1"
    if request.POST.get("confirm") != "1":
        # Step one only asks: nothing changes until the confirmation is posted.
        return render(request, TEMPLATE, _context(order, confirm={"place_again": place_again}))
    try:
        # One transaction: if the new attempt cannot be queued, the order stays unknown.
        with transaction.atomic():
            new = order_resolve_not_placed(order=order, user=request.user, place_again=place_again)
    except ValidationError as exc:
        order = _get(order.pk)
        problems = " ".join(exc.messages)
        context = _context(
            order,
            resolve_errors={
                "place_again": [
                    f"It could not be placed again, so nothing was changed: {problems} "
                    "Resolve it without placing it again, then use “Place again” to fix the values."
                ]
            },
        )
        return render(request, TEMPLATE, context, status=400)
    if new is not None:
        messages.success(
            request,
            f"Order #{order.pk} is marked not placed. It is placed again "
            f"as order #{new.pk}, queued now.",
        )
        return redirect("orders:detail", pk=new.pk)
    messages.success(request, f"Order #{order.pk} is marked not placed. Nothing was sent.")
    return redirect("orders:detail", pk=order.pk)


@require_POST
def order_cancel(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Cancel: without `confirm=1` only the confirmation step is shown; with it (and the step's
    token, so a double submit sends once) the panel is asked and its answer shown."""
    order = _get(pk)
    if request.POST.get("confirm") != "1":
        why_not = order_why_not(order=order, kind=BulkAction.Kind.CANCEL)
        if why_not:
            messages.error(request, f"Order #{pk} cannot be canceled: {why_not}")
            return redirect("orders:detail", pk=pk)
        return render(request, TEMPLATE, _context(order, cancel_token=uuid.uuid4()))
    try:
        token = uuid.UUID(request.POST.get("token", ""))
    except ValueError:
        messages.error(request, "That confirmation had expired: nothing was sent. Cancel again.")
        return redirect("orders:detail", pk=pk)
    try:
        item = order_cancel_now(order=order, token=token, user=request.user)
    except ValidationError as exc:
        messages.error(request, f"Order #{pk} cannot be canceled: {' '.join(exc.messages)}")
    else:
        level, text = cancel_answer(item, order)
        getattr(messages, level)(request, text)
    return redirect("orders:detail", pk=pk)
