"""One order's page: every field, its state and the panel's status (refreshing itself while it
can still change), the history, refills, the panel's last answer, and the actions that apply:
refresh, resolve an unknown outcome, place a rejected order again, cancel.

Thin: reads from `orders.selectors`, writes through `orders.services`. Resolving "not placed"
takes two POSTs: the second (confirm=1) is the only one that changes anything, so nothing is
ever placed again without that confirmation. Cancel works the same way: the first POST shows
the confirmation (no JavaScript needed), the second asks the panel and comes back to the
order's page with its answer.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.htmx import HtmxHttpRequest
from core.money import money_text
from orders.models import BulkAction, Order, OrderStatusChange
from orders.presenters import cancel_answer
from orders.presenters.tones import state_tone, status_tone
from orders.selectors import order_detail as select_order
from orders.selectors import order_last_cancel
from orders.services import (
    order_acknowledge_attention,
    order_resolve_not_placed,
    order_resolve_placed,
    orders_refresh,
)
from orders.services.bulk import bulk_preview, order_cancel_now
from orders.services.status import StatusSyncResult
from panels.api.errors import ItemError, PanelError, Reason
from panels.api.order_types import LIST_FIELDS, ORDER_TYPES, OTHER, split_lines

TEMPLATE = "orders/detail.html"
State = Order.State
# Seconds between two looks while the order may still change; None: it is settled.
POLL_SENDING, POLL_PLACED = 3, 5
PARAM_LABELS = {"comments": "Comments", "usernames": "Usernames", "hashtags": "Hashtags",
                "keywords": "Keywords", "groups": "Groups", "hashtag": "Hashtag",
                "username": "Username", "media": "Media link", "answer_number": "Answer number",
                "min": "Min per post", "max": "Max per post", "posts": "Posts",
                "old_posts": "Old posts", "delay": "Delay (minutes)",
                "expiry": "Expiry"}  # fmt: skip


@dataclass(frozen=True)
class Param:
    label: str
    value: str
    lines: list[str] | None = None  # a list field, one item per line
    is_extra: bool = False  # passed through, not a field of the type


def poll_every(order: Order) -> int | None:
    if order.state in (State.QUEUED, State.SUBMITTING):
        return POLL_SENDING
    if order.state == State.PLACED and not order.is_final:
        return POLL_PLACED
    return None


def _params(order: Order) -> list[Param]:
    spec = ORDER_TYPES.get(order.order_type, ORDER_TYPES[OTHER])
    params = []
    for name, value in (order.params or {}).items():
        text = str(value)
        lines = split_lines(text) if name in LIST_FIELDS else None
        params.append(Param(PARAM_LABELS.get(name, name), text, lines, name not in spec.fields))
    return params


def _panel_site(api_url: str) -> str:
    parts = urlsplit(api_url)
    return f"{parts.scheme}://{parts.netloc}/" if parts.scheme in ("http", "https") else ""


def _charge_difference(order: Order) -> str:
    if order.charge is None or order.estimated_cost is None:
        return ""
    diff = order.charge - order.estimated_cost
    if not diff:
        return "as estimated"
    sign = "+" if diff > 0 else "−"
    return f"{sign}{money_text(abs(diff))} vs the estimate"


def _why_not(order: Order, kind: str) -> str:
    """Why this order cannot be refilled (or canceled); empty when it can: the button shows."""
    preview = bulk_preview(kind=kind, orders=Order.objects.filter(pk=order.pk))
    return " ".join(reason for _, reason, _ in preview.reasons())


def _last_cancel(order: Order) -> dict[str, Any] | None:
    """The panel's answer to the latest request to cancel this order, for its Cancel card."""
    item = order_last_cancel(order=order)
    if item is None:
        return None
    level, text = cancel_answer(item, order)
    return {"level": level, "text": text, "at": item.bulk.created_at, "by": item.bulk.created_by}


def _history(order: Order) -> list[tuple[OrderStatusChange, str]]:
    """The order's changes with their charge text, oldest first; a rejection or a person's
    "not placed" is an entry at its moment, before anything that came later (a late answer)."""
    changes = list(order.status_changes.all())
    closed = {
        State.REJECTED.value: f"Rejected by {order.panel.name}",
        State.NOT_PLACED.value: "Confirmed not placed",
    }.get(str(order.state), "")
    if closed and order.finished_at:
        at = next((i for i, c in enumerate(changes) if c.created_at > order.finished_at), None)
        entry = OrderStatusChange(order=order, created_at=order.finished_at, note=closed)
        changes.insert(len(changes) if at is None else at, entry)
    return [(c, money_text(c.charge) if c.charge is not None else "") for c in changes]


def _context(order: Order, **extra: Any) -> dict[str, Any]:
    spec = ORDER_TYPES.get(order.order_type, ORDER_TYPES[OTHER])
    total = order.quantity * order.runs if order.quantity and order.runs else None
    raw = json.dumps(order.raw_status, indent=2, cls=DjangoJSONEncoder) if order.raw_status else ""
    context: dict[str, Any] = {
        "order": order,
        "type_label": spec.label,
        "params": _params(order),
        "total": total,
        "poll_every": poll_every(order),
        "state_tone": state_tone(order.state),
        "status_tone": status_tone(order.status),
        "estimated": money_text(order.estimated_cost) if order.estimated_cost is not None else "",
        "charge": money_text(order.charge) if order.charge is not None else "",
        "charge_difference": _charge_difference(order),
        "raw_json": raw,
        "panel_site": _panel_site(order.panel.api_url),
        "link_href": order.link if order.link.lower().startswith(("http://", "https://")) else "",
        "target": order.link or str((order.params or {}).get("username", "")),
        "can_refresh": order.state == State.PLACED and bool(order.remote_id) and not order.is_final,
        # Not once a late answer says the panel has it after all.
        "can_place_again": order.state in (State.REJECTED, State.NOT_PLACED)
        and not order.late_remote_id,
        "history": _history(order),
        "refills": list(order.refills.all()),
        "refill_why_not": _why_not(order, BulkAction.Kind.REFILL),
        "cancel_why_not": _why_not(order, BulkAction.Kind.CANCEL),
        "last_cancel": _last_cancel(order),
        "cancel_token": None,  # set on the confirmation step of Cancel
        "retries": list(order.retries.all()),
        "resolve_errors": {},
        "confirm": None,
        "note": None,
    }
    context.update(extra)
    return context


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
        return render(request, f"{TEMPLATE}#live", _context(order))
    return render(request, TEMPLATE, _context(order))


@require_POST
def order_refresh(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Ask the panel for this order's status now."""
    order = _get(pk)
    if order.state != State.PLACED or not order.remote_id:
        note = ("error", "Only an order placed on the panel has a status to refresh.")
    else:
        result = orders_refresh(orders=[order]).get(order.panel_id)
        note = _refresh_note(result, order)
        order = _get(pk)
    if request.htmx:
        return render(request, f"{TEMPLATE}#live", _context(order, note=note))
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
        return ("error", f"{order.panel.name} answered, but its answer could not be used: "
                f"{order.last_error}")  # fmt: skip
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
    if order.state != State.UNKNOWN:
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
    problem = _panel_does_not_know(order, remote_id) if remote_id else None
    try:
        if problem:
            raise ValidationError({"remote_id": problem})
        order = order_resolve_placed(order=order, remote_id=remote_id, user=request.user)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"remote_id": exc.messages}
        context = _context(order, resolve_errors=errors, remote_id=remote_id)
        return render(request, TEMPLATE, context, status=400)
    result = orders_refresh(orders=[order]).get(order.panel_id)
    text = f"Order #{order.pk} is placed as #{remote_id} on {order.panel.name}"
    if isinstance(result, PanelError):
        messages.warning(request, f"{text}. Its status could not be fetched just now "
                         f"({result.message}); it is synced with the others.")  # fmt: skip
    else:
        messages.success(request, f"{text} and is tracked from now on.")
    return redirect("orders:detail", pk=order.pk)


def _panel_does_not_know(order: Order, remote_id: str) -> str | None:
    """Ask the panel about the id before attaching it: a typo would track someone else's
    order (or nothing). If the panel cannot be asked, the person's word is taken."""
    if "," in remote_id or len(remote_id) > 100:
        return None  # order_resolve_placed explains what is wrong with it
    try:
        answer = order.panel.client().statuses([remote_id]).get(remote_id)
    except PanelError:
        return None
    if isinstance(answer, ItemError) and answer.reason == Reason.INCORRECT_ORDER_ID:
        return (f"{order.panel.name} does not know an order with id {remote_id}. Copy the id "
                "exactly as the panel's order history shows it.")  # fmt: skip
    return None


def _resolve_not_placed(request: HtmxHttpRequest, order: Order) -> HttpResponse:
    place_again = request.POST.get("place_again") == "1"
    if request.POST.get("confirm") != "1":
        # Step one only asks: nothing changes until the confirmation is posted.
        return render(request, TEMPLATE, _context(order, confirm={"place_again": place_again}))
    try:
        # One transaction: if the new attempt cannot be queued, the order stays unknown.
        with transaction.atomic():
            new = order_resolve_not_placed(order=order, user=request.user,
                                           place_again=place_again)  # fmt: skip
    except ValidationError as exc:
        order = _get(order.pk)
        problems = " ".join(exc.messages)
        context = _context(order, resolve_errors={"place_again": [
            f"It could not be placed again, so nothing was changed: {problems} "
            "Resolve it without placing it again, then use “Place again” to fix the values."
        ]})  # fmt: skip
        return render(request, TEMPLATE, context, status=400)
    if new is not None:
        messages.success(request, f"Order #{order.pk} is marked not placed. It is placed again "
                         f"as order #{new.pk}, queued now.")  # fmt: skip
        return redirect("orders:detail", pk=new.pk)
    messages.success(request, f"Order #{order.pk} is marked not placed. Nothing was sent.")
    return redirect("orders:detail", pk=order.pk)


@require_POST
def order_cancel(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Cancel: without `confirm=1` only the confirmation step is shown; with it (and the step's
    token, so a double submit sends once) the panel is asked and its answer shown."""
    order = _get(pk)
    if request.POST.get("confirm") != "1":
        why_not = _why_not(order, BulkAction.Kind.CANCEL)
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
