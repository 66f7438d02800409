"""A local file server for the rates tests: http.server in a thread, serving a temporary
directory on 127.0.0.1, plus answers a file server cannot give (a 500)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from django.conf import settings

from currency.models import CurrencySettings

ECB_DAILY = Path(__file__).parent / "data" / "eurofxref-daily.xml"
ECB_90_DAYS = Path(__file__).parent / "data" / "eurofxref-hist-90d.xml"


class _Handler(SimpleHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path.startswith("/fail"):
            self.send_error(500, "Internal Server Error")
            return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:  # quiet in the test output
        pass


@contextmanager
def file_server(root: Path) -> Iterator[str]:
    """Serves `root` until the block ends; yields its base URL (http://127.0.0.1:port)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def stored_settings(**fields: Any) -> None:
    """Writes these fields on the one settings row, made with the defaults if need be."""
    defaults = {"base_currency": settings.BASE_CURRENCY.upper()}
    CurrencySettings.objects.get_or_create(pk=1, defaults=defaults)
    CurrencySettings.objects.filter(pk=1).update(**fields)
