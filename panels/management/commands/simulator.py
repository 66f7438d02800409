"""`manage.py simulator`: the standalone panel simulator, with the project's var/ directory.

Takes the same options as `python -m simulator`; anything after `--` is parsed by the
simulator itself, e.g. `manage.py simulator --port 8765 -- --dialect quirky`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from simulator.cli import add_arguments, build_parser, run


class Command(BaseCommand):
    help = "Run the API v2 panel simulator (demo, tests, benchmarks). Ctrl-C stops it."
    # It touches no database and no app code, so checks would only slow the start down.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        add_arguments(parser)
        parser.set_defaults(state_dir=str(Path(settings.VAR_DIR) / "simulator"))
        parser.add_argument("args", nargs="*", metavar="-- SIMULATOR_OPTION", help="passed on")

    def handle(self, *args: str, **options: Any) -> None:
        if args:
            parser = build_parser()
            # The options given before `--` (and our defaults) stay, unless repeated after it.
            parser.set_defaults(**options)
            options = vars(parser.parse_args(list(args)))
        try:
            code = run(options)
        except (OSError, ValueError) as exc:
            raise CommandError(f"The simulator could not start: {exc}") from exc
        if code:
            raise CommandError(f"The simulator stopped with exit code {code}.")
