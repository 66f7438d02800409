"""Channels, conditions and the alert log in the admin; a channel's secret is never shown."""

from __future__ import annotations

from django.contrib import admin

from alerts.models import Channel, Condition, Delivery


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ("name", "type", "is_active", "hourly_cap", "digest")
    list_filter = ("type", "is_active")
    exclude = ("secret_encrypted",)


@admin.register(Condition)
class ConditionAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "opened_at", "resolved_at")
    list_filter = ("kind",)
    readonly_fields = [field.name for field in Condition._meta.fields]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("title", "channel", "event", "status", "attempts", "created_at")
    list_filter = ("status", "event", "channel")
    readonly_fields = [field.name for field in Delivery._meta.fields]
