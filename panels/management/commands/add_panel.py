import os
import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from panels.api.options import ClientOptions
from panels.models import Panel
from panels.services import panel_connection_test, panel_create, panel_record_check


class Command(BaseCommand):
    help = (
        "Connect a panel. The API key comes from --key, --key-env VAR or --key-stdin; the "
        "connection is tested (a balance call) before saving unless --no-test."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--url", required=True, help="full API URL, e.g. https://x/api/v2")
        key = parser.add_mutually_exclusive_group(required=True)
        key.add_argument("--key", help="the API key (visible in shell history: prefer the others)")
        key.add_argument("--key-env", metavar="VAR", help="read the key from this env variable")
        key.add_argument("--key-stdin", action="store_true", help="read the key from stdin")
        parser.add_argument("--no-test", action="store_true", help="save without testing")
        parser.add_argument("--method", choices=["POST", "GET"], default="POST")
        parser.add_argument("--key-field", default="key")
        parser.add_argument("--body", choices=["form", "json"], default="form")
        parser.add_argument("--user-agent", default="")
        parser.add_argument("--timeout", type=int, default=30)

    def handle(self, *args: Any, **opts: Any) -> None:
        key = self._key(opts)
        if Panel.objects.filter(name=opts["name"]).exists():
            raise CommandError(f"A panel named {opts['name']!r} exists already.")
        request_options = {
            "http_method": opts["method"],
            "key_field": opts["key_field"],
            "body_format": opts["body"],
            "user_agent": opts["user_agent"],
            "timeout_seconds": opts["timeout"],
        }
        check = None
        if not opts["no_test"]:
            check = panel_connection_test(
                api_url=opts["url"],
                api_key=key,
                options=ClientOptions(
                    method=opts["method"],
                    key_field=opts["key_field"],
                    body=opts["body"],
                    timeout=float(opts["timeout"]),
                    **({"user_agent": opts["user_agent"]} if opts["user_agent"] else {}),
                ),
            )
            if not check.ok:
                raise CommandError(f"Not saved. {check.message} ({check.detail})")
            self.stdout.write(check.message)
        try:
            panel = panel_create(
                name=opts["name"], api_url=opts["url"], api_key=key, **request_options
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        if check is not None:  # the balance just read: stored, not left for the schedule
            panel_record_check(panel=panel, check=check)
        self.stdout.write(self.style.SUCCESS(f"Saved panel {panel.name!r} (id {panel.pk})."))

    def _key(self, opts: dict[str, Any]) -> str:
        if opts["key_stdin"]:
            key = sys.stdin.readline().strip()
        elif opts["key_env"]:
            key = os.environ.get(opts["key_env"], "").strip()
        else:
            key = (opts["key"] or "").strip()
        if not key:
            raise CommandError("The API key is empty.")
        return key
