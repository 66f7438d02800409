from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import pluralize

from panels.errors import PanelError
from panels.models import CatalogSync, Panel
from panels.services import catalog_sync


class Command(BaseCommand):
    help = "Sync the service catalog of every active panel now, or of one (--panel NAME)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--panel", help="the panel's name (default: every active panel)")

    def handle(self, *args: Any, **options: Any) -> None:
        panels = Panel.objects.filter(is_active=True)
        if options["panel"]:
            panels = Panel.objects.filter(name=options["panel"])
            if not panels.exists():
                raise CommandError(f"No panel is named {options['panel']!r}.")
        failed = 0
        for panel in panels:
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
        if failed:
            raise CommandError(f"{failed} panel{pluralize(failed)} could not be synced.")
