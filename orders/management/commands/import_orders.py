"""Check (and queue) orders from a CSV file, or mass-order text for one panel.

manage.py import_orders orders.csv --dry-run
manage.py import_orders mass.txt --panel "My panel"
manage.py import_orders orders.csv --again   # the same file was queued in the last 24 hours
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.defaultfilters import pluralize

from core.money import money_text
from orders.models import Upload
from orders.services.duplicates import twin_text, upload_recent_twin
from orders.services.uploads import (
    QueueAgainNeeded,
    row_word,
    upload_check,
    upload_submit,
)
from orders.upload_totals import upload_totals
from orders.uploads import UploadError
from panels.models import Panel


def _cut(text: object, width: int) -> str:
    value = " ".join(str(text if text is not None else "").split())
    return value if len(value) <= width else value[: width - 1] + "…"


class Command(BaseCommand):
    help = "Check the orders of a CSV file (or mass-order text with --panel) and queue them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a .csv file, or mass-order text with --panel")
        parser.add_argument("--panel", help="the panel of mass-order text (service|link|qty)")
        parser.add_argument("--dry-run", action="store_true", help="check only, queue nothing")
        parser.add_argument(
            "--again",
            action="store_true",
            help="queue the rows even though the same file was queued in the "
            "last 24 hours (buys them a second time)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        panel = None
        kind = Upload.Kind.CSV
        if options["panel"]:
            panel = Panel.objects.filter(name=options["panel"]).first()
            if panel is None:
                raise CommandError(f"There is no panel named {options['panel']!r}.")
            kind = Upload.Kind.MASS
        elif path.suffix.lower() != ".csv":
            raise CommandError("Give a .csv file, or mass-order text with --panel NAME.")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from None
        try:
            if kind == Upload.Kind.MASS:
                try:
                    text = data.decode("utf-8-sig")
                except UnicodeDecodeError as exc:
                    raise UploadError(
                        f"The file is not UTF-8 text (byte 0x{data[exc.start]:02X} "
                        f"at position {exc.start})."
                    ) from None
                upload = upload_check(
                    kind=kind, data=text, filename=path.name, panel=panel, user=None
                )
            else:
                upload = upload_check(kind=kind, data=data, filename=path.name, user=None)
        except UploadError as exc:
            raise CommandError(str(exc)) from None
        self._table(upload)
        for total in upload_totals(upload):
            note = "  MORE THAN THE BALANCE" if total.over_balance else ""
            balance = money_text(total.balance) if total.balance is not None else "unknown"
            self.stdout.write(
                f"{total.panel}: {total.orders} order{pluralize(total.orders)}, "
                f"about {money_text(total.cost)} {total.currency} "
                f"(balance {balance}){note}"
            )
        self.stdout.write(
            f"{upload.rows_valid} valid, {upload.rows_invalid} invalid "
            f"of {upload.rows_total} row{pluralize(upload.rows_total)}."
        )
        twin = upload_recent_twin(upload)
        if twin is not None:
            self.stdout.write(self.style.WARNING(twin_text(twin)))
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing queued.")
        elif upload.rows_valid:
            try:
                created = upload_submit(upload=upload, user=None, again=options["again"])
            except QueueAgainNeeded as exc:
                raise CommandError(
                    f"Nothing queued: the same file was queued as upload "
                    f"#{exc.previous.pk}. Run again with --again to queue "
                    "these rows a second time."
                ) from None
            self.stdout.write(
                self.style.SUCCESS(
                    f"Queued {created} order{pluralize(created)} (upload {upload.pk})."
                )
            )
            word = row_word(upload.kind).capitalize()
            for entry in upload.invalid_rows:
                if entry.get("at_submit"):
                    self.stdout.write(
                        f"{word} {entry['row']} not queued: " + "; ".join(entry["errors"])
                    )
        if upload.rows_invalid:
            n = upload.rows_invalid
            raise CommandError(
                f"{n} row{pluralize(n)} {pluralize(n, 'is,are')} invalid (see above)."
            )

    def _table(self, upload: Upload) -> None:
        rows: list[tuple[int, str, str, str, str, str]] = []
        for entry in upload.valid_rows:
            cost = entry.get("cost")
            rows.append(
                (
                    entry["row"],
                    entry["panel"],
                    entry["service"],
                    entry["link"],
                    "" if entry.get("quantity") is None else str(entry["quantity"]),
                    "" if cost in (None, "") else str(cost),
                )
            )
        for entry in upload.invalid_rows:
            raw = entry["raw"]
            rows.append(
                (
                    entry["row"],
                    raw.get("panel", ""),
                    raw.get("service", ""),
                    raw.get("link", ""),
                    raw.get("quantity", ""),
                    "ERROR: " + "; ".join(entry["errors"]),
                )
            )
        rows.sort(key=lambda r: r[0])
        self.stdout.write(
            f"{row_word(upload.kind):>6}  {'panel':<16} {'service':<8} {'link':<40} "
            f"{'quantity':>9}  cost / reasons"
        )
        for line, panel, service, link, quantity, last in rows:
            self.stdout.write(
                f"{line:>6}  {_cut(panel, 16):<16} {_cut(service, 8):<8} "
                f"{_cut(link, 40):<40} {_cut(quantity, 9):>9}  {last}"
            )
