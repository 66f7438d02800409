from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.money import money_text
from panels.api.errors import PanelError
from panels.management.commands._selection import add_panel_argument, selected_panels
from panels.models import Panel
from panels.services import balance_sync


def balance_line(panel: Panel) -> str:
    if panel.balance is None:
        return "balance not known (see the panel's last error)"
    return f"balance {money_text(panel.balance)} {panel.currency or '(no currency)'}".rstrip()


class Command(BaseCommand):
    help = "Read the balance of every active panel now, or of one (--panel NAME)."

    def add_arguments(self, parser: Any) -> None:
        add_panel_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        failed = 0
        for panel in selected_panels(options["panel"]):
            try:
                balance_sync(panel=panel)
            except PanelError as exc:
                failed += 1
                self.stderr.write(self.style.ERROR(f"{panel.name}: {exc.message}"))
                continue
            self.stdout.write(self.style.SUCCESS(f"{panel.name}: ") + balance_line(panel))
        if failed:
            panels = "1 panel" if failed == 1 else f"{failed} panels"
            raise CommandError(f"The balance of {panels} could not be read.")
