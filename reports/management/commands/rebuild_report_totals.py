"""`manage.py rebuild_report_totals`: count the report totals again from the orders."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reports.services import totals_kept, totals_rebuild


class Command(BaseCommand):
    help = (
        "Count the reports' day totals again from the orders, with days in TIME_ZONE. Needed "
        "after TIME_ZONE changes (reports read the orders, slower, until then)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not totals_kept():
            raise CommandError("Only PostgreSQL keeps report totals; SQLite reads the orders.")
        totals_rebuild()
        self.stdout.write(f"Report totals rebuilt, days in {settings.TIME_ZONE}.")
