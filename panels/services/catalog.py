"""Catalog sync: bring a panel's service list into the database and record what changed.

The panel's answer is read one entry at a time (PanelClient.services_stream) and compared with
the stored catalog a batch at a time; only new and changed rows are written (bulk), vanished
services are deactivated, never deleted, and every difference since the last sync becomes a
CatalogEvent. A catalog of any size takes the memory of one batch.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.jsonvalues import as_stored
from panels.api import normalise
from panels.api.client import PanelClient
from panels.api.errors import PanelError
from panels.api.results import Service as RemoteService
from panels.api.results import SkippedService
from panels.matching.keys import match_key
from panels.models import CatalogEvent, CatalogSync, Panel, Service
from panels.services.panel import panel_mark_failing, panel_mark_ok

logger = logging.getLogger(__name__)
Entry = RemoteService | SkippedService  # one entry of the panel's answer, read or set aside

# Fields copied from the panel's answer; a difference in any of them rewrites the row.
SYNCED_FIELDS = (
    "name",
    "type",
    "raw_type",
    "category",
    "rate",
    "min_quantity",
    "max_quantity",
    "refill",
    "cancel",
    "dripfeed",
    "refill_days",
    "description",
    "raw",
    "match_key",
)
LIMIT_FIELDS = ("min_quantity", "max_quantity")
FLAG_FIELDS = ("refill", "cancel", "dripfeed", "refill_days")
BATCH = 1000
STALE_AFTER = timedelta(minutes=30)
NOTES_KEPT = 50  # reasons stored on a run; the count of entries set aside is always exact
RATE_CHANGE_LIMIT = Decimal("99999999.9999")  # CatalogEvent.rate_change holds 12 digits, 4 after


class EmptyCatalog(PanelError):
    """The panel listed no services while we know active ones: a glitch, not a closing-down."""


class SyncFailed(PanelError):
    """Something on our side (the database, a bug) stopped the sync. Nothing was changed."""


@dataclass(frozen=True)
class CatalogSyncResult:
    services_seen: int
    created: int
    updated: int
    deactivated: int
    reactivated: int
    skipped: int
    events: int
    # Why entries were set aside (or kept with something unknown), in plain words.
    notes: list[str] = field(default_factory=list, compare=False, repr=False)


def _remote_values(remote: RemoteService) -> dict[str, Any]:
    return {
        "name": remote.name,
        "type": remote.type,
        "raw_type": remote.raw_type,
        "category": remote.category,
        "rate": remote.rate,
        "min_quantity": remote.min,
        "max_quantity": remote.max,
        "refill": remote.refill,
        "cancel": remote.cancel,
        "dripfeed": remote.dripfeed,
        "refill_days": remote.refill_days if (remote.refill_days or 0) > 0 else None,
        "description": remote.description,
        "raw": as_stored(normalise.storable(remote.raw)),
        "match_key": match_key(name=remote.name, category=remote.category, type=remote.type),
    }


def _prepared(
    panel: Panel, remotes: list[RemoteService], notes: list[str]
) -> list[tuple[RemoteService, dict[str, Any]]]:
    """Each service with the values to store; one that cannot be stored is set aside."""
    limit = Service._meta.get_field("remote_id").max_length or 100
    ready = []
    for remote in remotes:
        if len(remote.service_id) > limit:
            notes.append(f"an entry whose id is longer than {limit} characters")
            continue
        try:
            ready.append((remote, _remote_values(remote)))
        except Exception:  # one service we cannot read must not stop the others
            logger.exception("panel %s: service %s could not be read", panel.pk, remote.service_id)
            notes.append(f"service {remote.service_id}: could not be read")
    return ready


def _rate_change(old: Decimal, new: Decimal) -> Decimal | None:
    """Relative change, within what the column holds (a price from 0.000001 to 50 is huge)."""
    if not old:
        return None
    change = ((new - old) / old).quantize(Decimal("0.0001"))
    return max(-RATE_CHANGE_LIMIT, min(change, RATE_CHANGE_LIMIT))


class _Diff:
    """The writes and events that turn the stored catalog into the panel's current one."""

    def __init__(self, panel: Panel, now: datetime, *, record_events: bool):
        self.panel, self.now, self.record_events = panel, now, record_events
        self.new: list[Service] = []
        self.changed: list[Service] = []
        self.reactivated = 0
        self.events: list[CatalogEvent] = []

    def event(self, service: Service, kind: str, **fields: Any) -> None:
        if self.record_events:
            self.events.append(CatalogEvent(panel=self.panel, service=service, kind=kind, **fields))

    def add(self, remote: RemoteService, values: dict[str, Any]) -> None:
        service = Service(
            panel=self.panel,
            remote_id=remote.service_id,
            is_active=True,
            first_seen_at=self.now,
            last_seen_at=self.now,
            **values,
        )
        self.new.append(service)
        self.event(service, CatalogEvent.Kind.ADDED, new_rate=values["rate"])

    def compare(self, service: Service, values: dict[str, Any]) -> None:
        before = {field: getattr(service, field) for field in SYNCED_FIELDS}
        if not service.is_active:
            self.reactivated += 1
            self.event(service, CatalogEvent.Kind.REACTIVATED, new_rate=values["rate"])
        elif before["rate"] != values["rate"]:
            old, new = before["rate"], values["rate"]
            self.event(
                service,
                CatalogEvent.Kind.RATE_CHANGED,
                old_rate=old,
                new_rate=new,
                rate_change=_rate_change(old, new),
            )
        if service.is_active:
            self._detail_event(
                service, before, values, LIMIT_FIELDS, CatalogEvent.Kind.LIMITS_CHANGED
            )
            self._detail_event(
                service, before, values, FLAG_FIELDS, CatalogEvent.Kind.FLAGS_CHANGED
            )
        if service.is_active and all(before[f] == values[f] for f in SYNCED_FIELDS):
            return  # unchanged: no write at all
        for name, value in values.items():
            setattr(service, name, value)
        service.is_active = True
        service.last_seen_at = self.now
        self.changed.append(service)

    def write(self) -> None:
        """New services, then changed ones, then the events (which need the new ones' ids)."""
        fields = [*SYNCED_FIELDS, "is_active", "last_seen_at"]
        Service.objects.bulk_create(
            self.new,
            batch_size=BATCH,
            update_conflicts=True,
            unique_fields=["panel", "remote_id"],
            update_fields=fields,
        )
        Service.objects.bulk_update(self.changed, fields, batch_size=BATCH)
        CatalogEvent.objects.bulk_create(self.events, batch_size=BATCH)

    def _detail_event(
        self,
        service: Service,
        before: dict[str, Any],
        values: dict[str, Any],
        fields: tuple[str, ...],
        kind: str,
    ) -> None:
        details = {f: [before[f], values[f]] for f in fields if before[f] != values[f]}
        if details:
            self.event(service, kind, details=details)


def catalog_sync(
    *, panel: Panel, client: PanelClient | None = None, run: CatalogSync | None = None
) -> CatalogSyncResult:
    """Sync the panel's catalog. Raises PanelError, after recording it on the panel and run.

    Every usable service is stored; an entry with a value that cannot be real (a rate of
    1e309, a min over max...) is set aside and its reason kept on the run. A panel answering
    with garbage (or an empty list while we know active services) leaves the stored catalog
    exactly as it was. Whatever goes wrong, even on our side, the run ends (done or failed)
    and the panel's health says why; only a PanelError (SyncFailed for our own errors) leaves.
    """
    try:
        if run is not None:
            CatalogSync.objects.filter(pk=run.pk).update(
                state=CatalogSync.State.RUNNING, started_at=timezone.now()
            )
        with (client or panel.client()).services_stream() as entries:
            result = _apply(panel, entries)
        _record_success(panel, run, result)
    except PanelError as exc:
        _record_failure(panel, run, exc)
        raise
    except Exception as exc:
        logger.exception("catalog sync of panel %s stopped on an error", panel.pk)
        failed = SyncFailed(
            f"The sync stopped on an error on our side ({type(exc).__name__}); nothing "
            "half-written was kept. It is tried again at the next sync.",
            action="services",
        )
        _record_failure(panel, run, failed)
        raise failed from exc
    return result


def _record_success(panel: Panel, run: CatalogSync | None, result: CatalogSyncResult) -> None:
    if result.notes:
        logger.warning(
            "catalog sync of panel %s set aside %s: %s",
            panel.pk,
            result.skipped,
            "; ".join(result.notes[:5]),
        )
    panel_mark_ok(panel=panel)
    if run is not None:
        CatalogSync.objects.filter(pk=run.pk).update(
            state=CatalogSync.State.DONE,
            finished_at=timezone.now(),
            notes=result.notes[:NOTES_KEPT],
            **{
                f: getattr(result, f)
                for f in CatalogSyncResult.__dataclass_fields__
                if f != "notes"
            },
        )


def _empty_message(skipped: list[str]) -> str:
    if not skipped:
        return "The panel listed no services; the existing catalog was kept."
    return (
        f"None of the {len(skipped):,} services the panel listed could be used "
        f"({skipped[0]}); the existing catalog was kept."
    )


def _record_failure(panel: Panel, run: CatalogSync | None, error: PanelError) -> None:
    """Mark the panel failing and end the run; a database that is down too is only logged."""
    try:
        panel_mark_failing(panel=panel, error=error)
        if run is not None:
            CatalogSync.objects.filter(pk=run.pk).update(
                state=CatalogSync.State.FAILED, finished_at=timezone.now(), error=error.message
            )
    except Exception:
        logger.exception("could not record the failed catalog sync of panel %s", panel.pk)


def _batches(entries: Iterable[Entry]) -> Iterator[list[Entry]]:
    batch: list[Entry] = []
    for entry in entries:
        batch.append(entry)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _apply(panel: Panel, entries: Iterable[Entry]) -> CatalogSyncResult:
    """Bring the stored catalog in step with the panel's entries, BATCH at a time: each batch's
    stored services are read by their ids and its writes made before the next batch is read,
    so a catalog of any size takes the memory of one batch (and the set of ids seen). All in
    one transaction: an answer that breaks off part way (or turns out empty) changes nothing."""
    now = timezone.now()
    set_aside: list[str] = []  # why entries were not stored
    kept: list[str] = []  # what was read as unknown in entries that were
    seen: set[str] = set()
    listed = 0  # entries read as services
    counts = {"created": 0, "updated": 0, "reactivated": 0, "events": 0}
    with transaction.atomic():
        # One sync per panel at a time; the second waits here and then sees the first's rows.
        locked = Panel.objects.select_for_update().get(pk=panel.pk)
        record_events = locked.catalog_synced_at is not None
        for batch in _batches(entries):
            remotes = [entry for entry in batch if isinstance(entry, RemoteService)]
            set_aside += [entry.problem for entry in batch if isinstance(entry, SkippedService)]
            listed += len(remotes)
            ready = _prepared(panel, remotes, set_aside)
            kept += [note for remote, _ in ready for note in remote.notes]
            diff = _Diff(panel, now, record_events=record_events)
            wanted = [remote.service_id for remote, _ in ready]
            stored = {
                s.remote_id: s for s in Service.objects.filter(panel=panel, remote_id__in=wanted)
            }
            for remote, values in ready:
                seen.add(remote.service_id)
                service = stored.get(remote.service_id)
                if service is None:
                    diff.add(remote, values)
                else:
                    diff.compare(service, values)
            diff.write()
            counts["created"] += len(diff.new)
            counts["updated"] += len(diff.changed) - diff.reactivated
            counts["reactivated"] += diff.reactivated
            counts["events"] += len(diff.events)
        if not listed and Service.objects.filter(panel=panel, is_active=True).exists():
            raise EmptyCatalog(_empty_message(set_aside), action="services")
        gone = _deactivate_unseen(panel, seen, now, locked.catalog_synced_at, record_events)
        Panel.objects.filter(pk=panel.pk).update(catalog_synced_at=now)
    panel.catalog_synced_at = now
    return CatalogSyncResult(
        services_seen=len(seen),
        deactivated=gone,
        skipped=len(set_aside),
        events=counts.pop("events") + (gone if record_events else 0),
        notes=set_aside + kept,
        **counts,
    )


def _deactivate_unseen(
    panel: Panel, seen: set[str], now: datetime, last_sync: datetime | None, record: bool
) -> int:
    """Mark the listed services the panel no longer lists (with a Removed event each, when
    events are recorded); how many. A vanished service was last seen at the previous sync."""
    listed = Service.objects.filter(panel=panel, is_active=True)
    rows = listed.values_list("pk", "remote_id", "rate").order_by("pk").iterator(chunk_size=BATCH)
    gone = [(pk, rate) for pk, remote_id, rate in rows if remote_id not in seen]
    for start in range(0, len(gone), BATCH):
        chunk = gone[start : start + BATCH]
        Service.objects.filter(pk__in=[pk for pk, _ in chunk]).update(
            is_active=False, last_seen_at=last_sync or now
        )
        if record:
            CatalogEvent.objects.bulk_create(
                CatalogEvent(
                    panel=panel, service_id=pk, kind=CatalogEvent.Kind.REMOVED, old_rate=rate
                )
                for pk, rate in chunk
            )
    return len(gone)


def catalog_sync_start(
    *, panel: Panel, trigger: str = CatalogSync.Trigger.BUTTON
) -> CatalogSync | None:
    """Queue a sync, or return the one already queued or running for this panel. A disabled
    panel is never synced: None, and nothing is queued."""
    from panels.tasks import catalog_sync as catalog_sync_task  # the tasks import the services

    in_flight = [CatalogSync.State.QUEUED, CatalogSync.State.RUNNING]
    with transaction.atomic():
        locked = Panel.objects.select_for_update().filter(pk=panel.pk).first()
        if locked is None or not locked.is_active:
            return None
        # A run older than this was lost (a worker died mid-task): close it, start afresh.
        CatalogSync.objects.filter(
            panel=panel, state__in=in_flight, created_at__lt=timezone.now() - STALE_AFTER
        ).update(
            state=CatalogSync.State.FAILED,
            finished_at=timezone.now(),
            error="No worker finished this sync; it was abandoned.",
        )
        pending = CatalogSync.objects.filter(panel=panel, state__in=in_flight).first()
        if pending is not None:
            return pending
        run = CatalogSync.objects.create(panel=panel, trigger=trigger)
        transaction.on_commit(lambda: catalog_sync_task.delay(panel.pk, run.pk), robust=True)
    return run
