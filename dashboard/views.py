"""The project's own pages: log in, the health check and the favicon."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import resolve_url
from django.templatetags.static import static
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from dashboard import health, login_throttle

logger = logging.getLogger(__name__)


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
