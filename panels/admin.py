"""Admin for panels (API key write-only, shown masked) and the synced catalog (read-only)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters

from core.money import money_text
from panels import services
from panels.api.errors import PanelError
from panels.models import Panel, Service


class PanelAdminForm(forms.ModelForm):
    # Write-only: the stored key is never sent back to the browser.
    new_api_key = forms.CharField(
        label="New API key",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Leave empty to keep the current key.",
    )

    class Meta:
        model = Panel
        fields = [
            "name",
            "api_url",
            "is_active",
            "http_method",
            "key_field",
            "body_format",
            "user_agent",
            "timeout_seconds",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.instance.pk and not cleaned.get("new_api_key"):
            self.add_error("new_api_key", "A new panel needs its API key.")
        return cleaned

    def save(self, commit: bool = True) -> Panel:
        panel: Panel = super().save(commit=False)
        if self.cleaned_data.get("new_api_key"):
            panel.api_key = self.cleaned_data["new_api_key"]
        if commit:
            panel.save()
        return panel


@admin.register(Panel)
class PanelAdmin(admin.ModelAdmin):
    form = PanelAdminForm
    list_display = [
        "name",
        "api_url",
        "masked_key",
        "balance_text",
        "currency",
        "health",
        "is_active",
    ]
    list_filter = ["health", "is_active"]
    search_fields = ["name", "api_url"]
    readonly_fields = [
        "masked_key",
        "currency",
        "balance_text",
        "balance_checked_at",
        "catalog_synced_at",
        "health",
        "failing_since",
        "last_ok_at",
        "last_error",
        "last_error_at",
        "created_at",
        "updated_at",
    ]

    @method_decorator(sensitive_post_parameters("new_api_key"))
    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return super().changeform_view(request, *args, **kwargs)

    fieldsets = [
        (None, {"fields": ["name", "api_url", "masked_key", "new_api_key", "is_active"]}),
        ("State", {"fields": [
            "currency", "balance_text", "balance_checked_at", "catalog_synced_at", "health",
            "failing_since", "last_ok_at", "last_error", "last_error_at",
        ]}),
        ("Request options", {
            "classes": ["collapse"],
            "fields": ["http_method", "key_field", "body_format", "user_agent", "timeout_seconds"],
        }),
        ("Record", {"fields": ["created_at", "updated_at"]}),
    ]  # fmt: skip
    actions = ["sync_now"]

    @admin.display(description="Current API key")
    def masked_key(self, obj: Panel) -> str:
        return obj.masked_api_key

    @admin.display(description="Balance", ordering="balance")
    def balance_text(self, obj: Panel) -> str:
        return money_text(obj.balance)

    @admin.action(description="Sync balance and catalog now")
    def sync_now(self, request: HttpRequest, queryset: QuerySet[Panel]) -> None:
        for panel in queryset:
            try:
                services.balance_sync(panel=panel)
                result = services.catalog_sync(panel=panel)
            except PanelError as exc:
                self.message_user(request, f"{panel.name}: {exc.message}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"{panel.name}: {result.created} new, {result.updated} updated, "
                    f"{result.deactivated} no longer listed.",
                    messages.SUCCESS,
                )


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = [
        "remote_id",
        "name",
        "panel",
        "type",
        "category",
        "rate_text",
        "min_quantity",
        "max_quantity",
        "refill",
        "cancel",
        "dripfeed",
        "is_active",
    ]
    list_filter = ["panel", "type", "is_active", "refill", "cancel", "dripfeed"]
    search_fields = ["name", "category", "remote_id"]
    list_select_related = ["panel"]
    list_per_page = 100

    @admin.display(description="Rate per 1000", ordering="rate")
    def rate_text(self, obj: Service) -> str:
        return money_text(obj.rate)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # services come from the panel's catalog, not from people

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
