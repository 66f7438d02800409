"""Panels pages: the list, add/edit, test connection, sync now, enable/disable.

Thin: reads come from `panels.selectors.panels`, writes from `panels.services` (through the
form for add/edit). Every view needs a login (LoginRequiredMiddleware).
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseStopPolling, reswap, retarget

from core.htmx import HtmxHttpRequest
from panels import services
from panels.forms import ConnectionTestForm, PanelForm
from panels.models import Panel
from panels.selectors import panels as selectors

logger = logging.getLogger(__name__)

FORM_TEMPLATE = "panels/form.html"
LIST_TEMPLATE = "panels/list.html"


def _list_url(panel: Panel | None = None) -> str:
    url = reverse("panels:list")
    return f"{url}#panel-{panel.pk}" if panel is not None else url


@require_GET
def panel_list(request: HtmxHttpRequest) -> HttpResponse:
    rows = selectors.panel_rows()
    context = {"rows": rows, "summary": selectors.panel_summary(rows)}
    return render(request, LIST_TEMPLATE, context)


@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("api_key")  # masked on error pages and reports
def panel_add(request: HtmxHttpRequest) -> HttpResponse:
    return _panel_form(request, PanelForm(data=request.POST if request.method == "POST" else None))


@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("api_key")  # masked on error pages and reports
def panel_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    panel = get_object_or_404(Panel, pk=pk)
    form = PanelForm(data=request.POST if request.method == "POST" else None, instance=panel)
    return _panel_form(request, form)


def _panel_form(request: HtmxHttpRequest, form: PanelForm) -> HttpResponse:
    """Add or edit. New connection settings (a new panel, key, URL or request option) are
    tested on save: settings the panel refuses are never saved without "Save anyway"."""
    check, added = None, not form.is_edit
    if form.is_valid():
        if form.connection_changed:
            check = form.connection_check()
        if check is None or check.ok or form.cleaned_data["save_anyway"]:
            panel = form.save()
            if check is not None:
                services.panel_record_check(panel=panel, check=check)
            else:
                services.balance_check_soon(panel=panel)
            messages.success(request, _saved_message(panel, check, added=added))
            return redirect(_list_url(panel))
        form.refuse_unconnected(check)
    context = {"form": form, "panel": None if added else form.instance, "check": check}
    return render(request, FORM_TEMPLATE, context)


def _saved_message(panel: Panel, check: services.ConnectionCheck | None, *, added: bool) -> str:
    done = f"{'Added' if added else 'Saved'} {panel.name}"
    if check is None:
        return f"{done}."
    if not check.ok:
        return (
            f"{done} without a working connection: {check.message} "
            "It is marked failing until it answers."
        )
    return f"{done}. {check.message}" + (" Sync now loads its services." if added else "")


@require_POST
@sensitive_post_parameters("api_key")  # masked on error pages and reports
def panel_test_connection(request: HtmxHttpRequest) -> HttpResponse:
    """Call `balance` with the values in the add/edit form, saved or not; answer the partial.

    `?panel=<pk>` (the edit form) tests against that panel: an empty key field uses its stored
    key.
    """
    panel = None
    if request.GET.get("panel"):
        try:
            panel = get_object_or_404(Panel, pk=int(request.GET["panel"]))
        except ValueError:
            raise Http404("No such panel") from None
    test_form = ConnectionTestForm(data=request.POST, instance=panel)
    check = test_form.connection_check() if test_form.is_valid() else None
    if panel is not None and check is not None and test_form.tests_saved_settings():
        services.panel_record_check(panel=panel, check=check)  # the saved panel's own answer
    context = {"test_form": test_form, "check": check, "panel": panel}
    return render(request, f"{FORM_TEMPLATE}#connection-result", context)


@require_POST
def panel_sync(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Start a catalog sync (or join the one in flight) and show its progress."""
    panel = get_object_or_404(Panel, pk=pk)
    run = services.catalog_sync_start(panel=panel)
    if run is None:  # the panel is disabled
        if request.htmx:
            state = selectors.SyncState(panel=panel, run=None)
            context = {"sync": state, "refused": "Enable the panel to sync it."}
            return render(request, f"{LIST_TEMPLATE}#sync-status", context)
        messages.error(request, f"{panel.name} is disabled: enable it to sync it.")
        return redirect(_list_url(panel))
    if request.htmx:
        return _sync_answer(request, selectors.SyncState(panel=panel, run=run))
    messages.info(request, f"Syncing the catalog of {panel.name}.")
    return redirect(_list_url(panel))


@require_GET
def panel_sync_status(request: HtmxHttpRequest, run_pk: int) -> HttpResponse:
    """The sync progress partial; it polls itself until the run is done or failed."""
    state = selectors.sync_state(run_pk=run_pk)
    if state is None:
        if request.htmx:
            return HttpResponseStopPolling()  # the panel (and its runs) was deleted
        raise Http404("No such sync")
    return _sync_answer(request, state)


def _sync_answer(request: HtmxHttpRequest, state: selectors.SyncState) -> HttpResponse:
    """While the sync runs, its slot; once it is over, the panel's whole card, so its health,
    services and last error show what the sync found (and the polling stops)."""
    if state.in_flight or not request.htmx:
        return render(request, f"{LIST_TEMPLATE}#sync-status", {"sync": state})
    rows = selectors.panel_rows()
    row = next((row for row in rows if row.panel.pk == state.panel.pk), None)
    if row is None:
        return render(request, f"{LIST_TEMPLATE}#sync-status", {"sync": state})
    context = {"row": row, "summary": selectors.panel_summary(rows)}
    response = render(request, f"{LIST_TEMPLATE}#sync-done", context)
    return reswap(retarget(response, f"#panel-{row.panel.pk}"), "outerHTML")


@require_POST
def panel_toggle_active(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Disable or enable a panel. Nothing is deleted: services, orders and history stay."""
    panel = get_object_or_404(Panel, pk=pk)
    wanted = request.POST.get("active")
    active = wanted == "1" if wanted in ("0", "1") else not panel.is_active
    panel = services.panel_set_active(panel=panel, active=active)
    if panel.is_active:
        messages.success(request, f"Enabled {panel.name}: it is synced again.")
    else:
        messages.success(
            request,
            f"Disabled {panel.name}. Its services, orders and history are kept; "
            "it is no longer synced until you enable it again.",
        )
    return redirect(_list_url(panel))
