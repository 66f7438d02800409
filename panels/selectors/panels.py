"""Reads for the Panels pages.

`panel_rows` runs two queries however many panels there are: the panels with their count of
active services (one aggregate), and the latest catalog sync of each (one prefetch).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from panels.health import HealthWords, health_words
from panels.models import CatalogSync, Panel

# A run still queued after this long most likely has no worker to pick it up.
SLOW_QUEUE = timedelta(seconds=60)


@dataclass(frozen=True)
class SyncState:
    """What the sync slot of a panel shows: its latest run (if any) and the Sync button."""

    panel: Panel
    run: CatalogSync | None

    @property
    def in_flight(self) -> bool:
        return self.run is not None and not self.run.is_finished

    @property
    def waiting_long(self) -> bool:
        return (
            self.run is not None
            and self.run.state == CatalogSync.State.QUEUED
            and self.run.created_at < timezone.now() - SLOW_QUEUE
        )


@dataclass(frozen=True)
class PanelRow:
    panel: Panel
    active_services: int
    sync: SyncState

    @property
    def is_failing(self) -> bool:
        return self.panel.health == Panel.Health.FAILING

    @property
    def health(self) -> HealthWords:
        return health_words(self.panel)

    @property
    def is_low_balance(self) -> bool:
        """Under the panel's own threshold (or the site default). Disabled panels never are."""
        return self.panel.is_active and self.panel.is_low_on_balance

    @property
    def is_empty(self) -> bool:
        balance = self.panel.balance
        return self.panel.is_active and balance is not None and balance <= 0

    @property
    def uses_default_threshold(self) -> bool:
        return self.panel.low_balance_threshold is None


@dataclass(frozen=True)
class PanelSummary:
    total: int
    active: int
    failing: int
    low_balance: int


def panel_rows() -> list[PanelRow]:
    """Every panel, active ones first, with its active-service count and latest sync."""
    latest_sync = Prefetch(
        "catalog_syncs",
        queryset=CatalogSync.objects.order_by("-created_at", "-id")[:1],
        to_attr="latest_syncs",
    )
    panels = (
        Panel.objects.annotate(
            active_services=Count("services", filter=Q(services__is_active=True))
        )
        .prefetch_related(latest_sync)
        .order_by("-is_active", "name")
    )
    rows = []
    for panel in panels:
        latest: list[CatalogSync] = panel.latest_syncs
        rows.append(
            PanelRow(
                panel=panel,
                active_services=panel.active_services,
                sync=SyncState(panel=panel, run=latest[0] if latest else None),
            )
        )
    return rows


def panel_summary(rows: list[PanelRow]) -> PanelSummary:
    return PanelSummary(
        total=len(rows),
        active=sum(row.panel.is_active for row in rows),
        failing=sum(row.is_failing and row.panel.is_active for row in rows),
        low_balance=sum(row.is_low_balance for row in rows),
    )


def sync_state(*, run_pk: int) -> SyncState | None:
    run = CatalogSync.objects.select_related("panel").filter(pk=run_pk).first()
    return SyncState(panel=run.panel, run=run) if run is not None else None
