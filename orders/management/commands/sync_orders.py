from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import pluralize

from orders.services import orders_status_sync, orders_to_sync
from panels.api.errors import PanelError
from panels.models import Panel


class Command(BaseCommand):
    help = "Sync the status of every placed, unfinished order now (or one panel's: --panel)."

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
            if not orders_to_sync(panel=panel).exists():
                continue
            try:
                result = orders_status_sync(panel=panel)
            except PanelError as exc:
                failed += 1
                self.stderr.write(self.style.ERROR(f"{panel.name}: {exc.message}"))
                continue
            self.stdout.write(
                f"{panel.name}: {result.checked} checked in {result.calls} "
                f"call{pluralize(result.calls)}, "
                f"{result.changed} changed, {result.finished} finished, "
                f"{result.unknown_ids} unknown to the panel"
            )
        if failed:
            raise CommandError(f"{failed} panel{pluralize(failed)} could not be synced.")
