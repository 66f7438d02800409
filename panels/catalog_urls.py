"""Catalog pages: the browser, a service with its price history and comparison, the changes feed."""

from django.urls import path

from panels.views import catalog as views

app_name = "catalog"

urlpatterns = [
    path("", views.browse, name="browse"),
    path("<int:pk>/", views.service, name="service"),
    path("<int:pk>/verdict/", views.service_verdict_set, name="verdict"),
    path("changes/", views.changes, name="changes"),
]
