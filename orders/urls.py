"""Order pages: the list, a new order (picker, fields, live estimate), one order and its
actions."""

from django.urls import path

from orders.views import bulk as bulk_views
from orders.views import delivery as delivery_views
from orders.views import detail as detail_views
from orders.views import entry as entry_views
from orders.views import list as list_views
from orders.views import price_rules as price_rule_views
from orders.views import uploads as upload_views

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
    path("<int:pk>/acknowledge/", detail_views.order_acknowledge, name="acknowledge"),
    path("bulk/preview/", bulk_views.bulk_preview_view, name="bulk_preview"),
    path("bulk/", bulk_views.bulk_create_view, name="bulk_create"),
    path("bulk/<int:pk>/", bulk_views.bulk_result, name="bulk_result"),
    path("bulk/<int:pk>/export.csv", bulk_views.bulk_export, name="bulk_export"),
    path("bulk/history/", bulk_views.bulk_history, name="bulk_history"),
    path("refills/", bulk_views.refills, name="refills"),
    path("delivery/", delivery_views.delivery_panels, name="delivery"),
    path("delivery/service/<int:pk>/", delivery_views.delivery_service, name="delivery_service"),
    path("<int:pk>/refill/", bulk_views.order_refill, name="order_refill"),
    path("<int:pk>/auto-refill/", bulk_views.order_auto_refill, name="order_auto_refill"),
    path("<int:pk>/cancel/", detail_views.order_cancel, name="order_cancel"),
    path("price-rules/", price_rule_views.price_rules, name="price_rules"),
    path("price-rules/<int:pk>/", price_rule_views.price_rule_edit, name="price_rule_edit"),
    path(
        "price-rules/<int:pk>/delete/",
        price_rule_views.price_rule_remove,
        name="price_rule_delete",
    ),
]


urlpatterns += [
    path("upload/", upload_views.upload, name="upload"),
    path("upload/template.csv", upload_views.upload_template, name="upload_template"),
    path(
        "upload/my-template.csv", upload_views.upload_template_filled, name="upload_template_filled"
    ),
    path("upload/<int:pk>/", upload_views.upload_preview, name="upload_preview"),
    path("upload/<int:pk>/submit/", upload_views.upload_submit_view, name="upload_submit"),
    path("upload/<int:pk>/progress/", upload_views.upload_progress, name="upload_progress"),
    path("upload/<int:pk>/results.csv", upload_views.upload_results_csv, name="upload_results_csv"),
]
