"""Order pages: the list, a new order (picker, fields, live estimate), one order and its
actions."""

from django.urls import path

from orders.views import detail as detail_views
from orders.views import entry as entry_views
from orders.views import list as list_views

app_name = "orders"

urlpatterns = [
    path("", list_views.order_list, name="list"),
    path("export.csv", list_views.order_export, name="export"),
    path("refresh/", list_views.orders_refresh_selected, name="refresh_selected"),
    path("new/", entry_views.order_new, name="new"),
    path("new/services/", entry_views.service_picker, name="service_picker"),
    path("new/fields/", entry_views.form_fields, name="form_fields"),
    path("new/estimate/", entry_views.estimate, name="estimate"),
    path("<int:pk>/", detail_views.order_detail, name="detail"),
    path("<int:pk>/refresh/", detail_views.order_refresh, name="refresh"),
    path("<int:pk>/resolve/", detail_views.order_resolve, name="resolve"),
]
