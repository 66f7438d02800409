"""Admin for top-ups (people may correct them) and balance checks (read-only: the
reconciliation writes them)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ledger.models import BalanceCheck, TopUp


@admin.register(TopUp)
class TopUpAdmin(admin.ModelAdmin):
    list_display = ["panel", "amount", "at", "state", "note", "created_by"]
    list_filter = ["state", "panel"]
    list_select_related = ["panel", "created_by"]
    raw_id_fields = ["suggested_by"]
    readonly_fields = ["created_by", "created_at"]


@admin.register(BalanceCheck)
class BalanceCheckAdmin(admin.ModelAdmin):
    list_display = ["panel", "started_at", "ended_at", "actual", "expected", "difference", "result"]
    list_filter = ["result", "panel"]
    list_select_related = ["panel"]
    list_per_page = 100

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
