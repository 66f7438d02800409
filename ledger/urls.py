"""A panel's balance page and its writes."""

from django.urls import URLPattern, path

from ledger import views

app_name = "ledger"

urlpatterns: list[URLPattern] = [
    path("<int:pk>/", views.panel_balance, name="panel"),
    path("<int:pk>/top-ups/", views.top_up_add, name="top_up_add"),
    path("top-ups/<int:pk>/decide/", views.top_up_decide, name="top_up_decide"),
    path("checks/<int:pk>/acknowledge/", views.check_acknowledge, name="check_acknowledge"),
]
