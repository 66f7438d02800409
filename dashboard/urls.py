"""Root URLconf. Every view needs a login (LoginRequiredMiddleware) except login, healthz and
the favicon."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from dashboard import views
from overview import views as overview_views

urlpatterns = [
    path("", overview_views.overview, name="overview"),
    # Django's LoginView (login-not-required), which also sends HTMX polls to the full page.
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    # POST only (Django's LogoutView refuses GET), so a link or prefetch cannot log anyone out.
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("panels/", include("panels.urls")),
    path("catalog/", include("panels.catalog_urls")),
    path("orders/", include("orders.urls")),
    path("balances/", include("ledger.urls")),
    path("rates/", include("currency.urls")),
    path("reports/", include("reports.urls")),
    path("alerts/", include("alerts.urls")),
    path("admin/", admin.site.urls),
]
