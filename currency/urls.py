"""The Rates page and its forms' posts."""

from django.urls import URLPattern, path

from currency import views

app_name = "currency"

urlpatterns: list[URLPattern] = [
    path("", views.rates, name="rates"),
    path("base/", views.base_currency_set, name="base_set"),
    path("url/", views.rates_url_set, name="url_set"),
    path("fetch/", views.rates_fetch, name="fetch"),
    path("add/", views.rate_add, name="add"),
]
