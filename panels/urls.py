"""Panels pages: list, add, edit, test connection, sync, enable/disable."""

from django.urls import URLPattern, path

from panels.views import panels as views

app_name = "panels"

urlpatterns: list[URLPattern] = [
    path("", views.panel_list, name="list"),
    path("add/", views.panel_add, name="add"),
    path("<int:pk>/edit/", views.panel_edit, name="edit"),
    path("test-connection/", views.panel_test_connection, name="test_connection"),
    path("<int:pk>/sync/", views.panel_sync, name="sync"),
    path("sync/<int:run_pk>/", views.panel_sync_status, name="sync_status"),
    path("<int:pk>/active/", views.panel_toggle_active, name="toggle_active"),
]
