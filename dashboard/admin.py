"""The Django admin is for superusers only, and has no password form of its own.

Anyone logged in who is not a superuser (staff included) gets a 403 from every admin page.
Visitors who are not logged in are sent to the dashboard's own login page (which is rate
limited), so the admin's login form can never be used to guess passwords. Both are set on the
default site, which every app registers its models with.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.cache import never_cache


def superusers_only(request: HttpRequest) -> bool:
    """The admin's permission check. Anyone logged in who is not an active superuser gets a 403
    at once (not the admin's "log in as someone else" form); visitors are sent to log in."""
    user = request.user
    if user.is_active and user.is_superuser:
        return True
    if user.is_authenticated:
        raise PermissionDenied("The admin is for superusers only.")
    return False


@never_cache
@login_not_required
def login_elsewhere(request: HttpRequest, extra_context: object = None) -> HttpResponse:
    """The admin's login URL: a logged-in user got here for lack of permission (403); anyone
    else logs in on the dashboard's login page and comes back."""
    index = reverse("admin:index", current_app=admin.site.name)
    if superusers_only(request):  # raises PermissionDenied for anyone else logged in
        return HttpResponseRedirect(index)
    return redirect_to_login(request.GET.get(REDIRECT_FIELD_NAME) or index)


admin.site.site_header = "SMM Dashboard admin"
admin.site.site_title = "SMM Dashboard admin"
admin.site.index_title = "Stored data"
admin.site.site_url = "/"  # "View site" leads back to the dashboard
# The model list is one click away on the admin's home page; its sidebar took a fifth of a
# laptop screen from every change list.
admin.site.enable_nav_sidebar = False
admin.site.has_permission = superusers_only  # type: ignore[method-assign]
admin.site.login = login_elsewhere  # type: ignore[method-assign]
