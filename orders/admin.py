"""Admin for orders and refills: a read-mostly view of what was sent and what panels said."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.text import Truncator
from django.utils.timezone import localtime

from core.money import money
from orders.models import Order, PriceRule, Refill


class RefillInline(admin.TabularInline):
    model = Refill
    extra = 0
    can_delete = False
    fields = ["remote_id", "status", "status_raw", "last_error", "created_at"]
    readonly_fields = ["remote_id", "status", "status_raw", "last_error", "created_at"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    # State and status first, and long panel text cut short, so the list fits a laptop screen.
    list_display = [
        "id",
        "state",
        "status",
        "panel",
        "remote_id",
        "service_short",
        "link_short",
        "quantity",
        "charge_shown",
        "created_shown",
    ]
    list_filter = ["state", "status", "panel", "source", "order_type"]
    search_fields = ["remote_id", "link", "client_ref"]
    list_select_related = ["panel", "service"]
    date_hierarchy = "created_at"
    inlines = [RefillInline]
    readonly_fields = [
        "client_ref",
        "panel",
        "service",
        "order_type",
        "link",
        "quantity",
        "runs",
        "interval",
        "params",
        "state",
        "status",
        "status_raw",
        "remote_id",
        "charge",
        "start_count",
        "remains",
        "currency",
        "estimated_cost",
        "placed_by",
        "source",
        "created_at",
        "updated_at",
        "submitted_at",
        "placed_at",
        "status_checked_at",
        "finished_at",
        "last_error",
        "error_reason",
        "raw_status",
    ]

    @admin.display(description="Service", ordering="service__remote_id")
    def service_short(self, order: Order) -> str:
        return f"#{order.service.remote_id} {Truncator(order.service.name).chars(32)}"

    @admin.display(description="Link", ordering="link")
    def link_short(self, order: Order) -> str:
        return Truncator(order.link).chars(32)

    @admin.display(description="Charge", ordering="charge")
    def charge_shown(self, order: Order) -> str:
        return money(order.charge, order.currency)

    @admin.display(description="Created", ordering="created_at")
    def created_shown(self, order: Order) -> str:
        return localtime(order.created_at).strftime("%Y-%m-%d %H:%M")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # orders are placed through the order flow, which guards against doubles

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # money moved for these; keep the record


@admin.register(Refill)
class RefillAdmin(admin.ModelAdmin):
    list_display = ["id", "order", "remote_id", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["remote_id", "order__remote_id"]
    list_select_related = ["order", "order__panel"]
    readonly_fields = [
        "order",
        "remote_id",
        "status",
        "status_raw",
        "last_error",
        "requested_by",
        "created_at",
        "updated_at",
        "status_checked_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(PriceRule)
class PriceRuleAdmin(admin.ModelAdmin):
    # The rules page (orders:price_rules) is the usual way; the admin edits any field.
    list_display = [
        "id",
        "scope",
        "panel",
        "category",
        "service",
        "match_key",
        "markup_percent",
        "markup_fixed",
        "min_price",
        "created_at",
    ]
    list_filter = ["scope"]
    raw_id_fields = ["service"]
    search_fields = ["category", "match_key", "note"]
