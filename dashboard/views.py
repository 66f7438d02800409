"""The overview page and the health check. Thin: reads come from `dashboard.selectors`."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render, resolve_url
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_safe
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from dashboard import health, login_throttle, selectors
from dashboard.charts import (
    placed_statuses,
    spend_charts,
)
from orders.models import Order
from panels.presenters import change_lines

logger = logging.getLogger(__name__)


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _rejected_link(now: datetime) -> dict[str, object]:
    """The order list of rejected orders from the day the last 24 hours began: the list
    filters whole days, so it shows those of the overview's count, and perhaps a few from
    earlier that day (the link says since when)."""
    since = timezone.localdate(now - timedelta(hours=24))
    query = urlencode({"state": Order.State.REJECTED, "from": since.isoformat()})
    return {"rejected_since": since, "rejected_url": f"{reverse('orders:list')}?{query}"}


@require_GET
def overview(request: HtmxHttpRequest) -> HttpResponse:
    if request.htmx:
        # The panel cards refresh themselves: only their partial, only their query.
        context = {"panels": selectors.panel_cards()}
        return render(request, "dashboard/overview.html#panel-cards", context)
    now = timezone.now()
    data = selectors.overview_get(now=now)
    return render(
        request,
        "dashboard/overview.html",
        {
            "overview": data,
            "panels": data.panels,
            "catalog_changes": change_lines(data.catalog_changes),
            "catalog_changes_days": selectors.CATALOG_CHANGES_DAYS,
            "spend_charts": spend_charts(
                data.daily_spend,
                data.panels,
                today=timezone.localdate(now),
                days=selectors.SPEND_CHART_DAYS,
            ),
            "spend_chart_days": selectors.SPEND_CHART_DAYS,
            "placed_statuses": placed_statuses(data.orders.placed_by_status),
            **_rejected_link(now),
        },
    )


class LoginView(auth_views.LoginView):
    """Django's login page, plus: an HTMX request that lands here (a poll after the session
    expired) sends the whole browser to the login page instead of swapping the form into a card.
    """

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        htmx: HtmxDetails | None = getattr(request, "htmx", None)
        if htmx:
            # Come back to the page the user was looking at, not to the URL the poll fetched.
            back_to = htmx.current_url_abs_path or request.GET.get(REDIRECT_FIELD_NAME, "")
            login_url = resolve_url(settings.LOGIN_URL)
            query = f"?{urlencode({REDIRECT_FIELD_NAME: back_to})}" if back_to else ""
            return HttpResponseClientRedirect(f"{login_url}{query}")
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        """Refused without checking the password while too many log-ins have failed."""
        username = str(request.POST.get("username", ""))[:150]
        address = login_throttle.client_address(request)
        locked = login_throttle.lockout(username=username, address=address)
        if locked is not None:
            form = self.get_form_class()(request, initial={"username": username})
            return self._locked(form, locked)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        login_throttle.clear(username=form.cleaned_data["username"])
        return super().form_valid(form)

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        username, password = form.data.get("username", ""), form.data.get("password", "")
        if username and password:  # a password was checked and was wrong
            address = login_throttle.client_address(self.request)
            locked = login_throttle.record_failure(username=str(username)[:150], address=address)
            if locked is not None:
                return self._locked(form, locked)
        return super().form_invalid(form)

    def _locked(self, form: AuthenticationForm, locked: login_throttle.Lockout) -> HttpResponse:
        response = self.render_to_response(
            self.get_context_data(form=form, lockout=locked), status=429
        )
        response["Retry-After"] = str(locked.retry_after)
        return response


@login_not_required
@require_safe
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on pages that name no icon (the admin's, a JSON answer):
    send them to the one icon we have rather than log a 404 for each."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


@login_not_required
@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """For docker and load balancers (normally answered by dashboard.health's middleware)."""
    return health.health_response()
