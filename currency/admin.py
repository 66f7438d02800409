"""Admin for the currency settings (one row) and exchange rates."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from currency.models import CurrencySettings, ExchangeRate


@admin.register(CurrencySettings)
class CurrencySettingsAdmin(admin.ModelAdmin):
    list_display = ["base_currency", "rates_url", "rates_fetched_at", "rates_checked_at"]
    fields = [
        "base_currency",
        "rates_url",
        "rates_checked_at",
        "rates_fetched_at",
        "rates_error",
        "rates_notes",
    ]
    readonly_fields = ["rates_checked_at", "rates_fetched_at", "rates_error", "rates_notes"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not CurrencySettings.objects.exists()  # one row: CurrencySettings.load()

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ["day", "base", "currency", "rate", "source", "updated_at"]
    list_filter = ["source", "base", "currency"]
    search_fields = ["currency", "base"]
    date_hierarchy = "day"
    ordering = ["-day", "base", "currency"]
    readonly_fields = ["updated_at"]

    def save_model(
        self, request: HttpRequest, obj: ExchangeRate, form: object, change: bool
    ) -> None:
        # A rate typed here is a person's correction: a later fetch must leave it alone.
        obj.source = ExchangeRate.Source.MANUAL
        super().save_model(request, obj, form, change)
