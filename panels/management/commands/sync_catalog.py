from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import pluralize

from panels.api.errors import PanelError
from panels.management.commands._selection import add_panel_argument, selected_panels
from panels.management.commands.sync_balances import balance_line
from panels.models import CatalogSync
from panels.services import balance_sync, catalog_sync


class Command(BaseCommand):
    help = (
        "Sync the service catalog and read the balance of every active panel now, or of one "
        "(--panel NAME)."
    )

    def add_arguments(self, parser: Any) -> None:
        add_panel_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        failed = 0
        for panel in selected_panels(options["panel"]):
            run = CatalogSync.objects.create(panel=panel, trigger=CatalogSync.Trigger.COMMAND)
            try:
                result = catalog_sync(panel=panel, run=run)
            except PanelError as exc:
                failed += 1
                self.stderr.write(self.style.ERROR(f"{panel.name}: {exc.message}"))
                continue
            self.stdout.write(
                self.style.SUCCESS(f"{panel.name}: ")
                + f"{result.services_seen} services, {result.created} new, {result.updated} "
                f"changed, {result.deactivated} gone, {result.reactivated} back, "
                f"{result.skipped} set aside, {result.events} events"
            )
            for note in result.notes[:10]:
                self.stdout.write(f"  {note}")
            # The balance too, so a panel set up from a shell is complete without waiting for
            # the scheduled balance check.
            try:
                balance_sync(panel=panel)
            except PanelError as exc:
                failed += 1
                self.stderr.write(self.style.ERROR(f"{panel.name}: balance: {exc.message}"))
            else:
                self.stdout.write(f"  {balance_line(panel)}")
        if failed:
            raise CommandError(f"{failed} panel{pluralize(failed)} could not be synced.")
