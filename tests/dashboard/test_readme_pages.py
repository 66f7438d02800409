"""The README names every page a user can reach, with its URL, as the URLconf has it."""

from __future__ import annotations

import re
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

README = Path(__file__).resolve().parents[2] / "README.md"

# URLs no person opens in the address bar: form posts, the fragments HTMX swaps in, and the
# health check (the README names it apart). Everything else is a page and must be listed.
NOT_PAGES = {
    "logout",
    "healthz",
    "favicon",
    "panels:test_connection",
    "panels:sync",
    "panels:sync_status",
    "panels:toggle_active",
    "orders:refresh_selected",
    "orders:service_picker",
    "orders:form_fields",
    "orders:estimate",
    "orders:refresh",
    "orders:resolve",
    "orders:acknowledge",
    "orders:bulk_create",
    "orders:order_refill",
    "orders:order_cancel",
    "orders:upload_submit",
    "orders:upload_progress",
    "ledger:top_up_add",
    "ledger:top_up_decide",
    "ledger:check_acknowledge",
    "orders:price_rule_delete",
    "currency:base_set",
    "currency:url_set",
    "currency:fetch",
    "currency:add",
}


def _pages(patterns: list, prefix: str = "", namespace: str = "") -> list[tuple[str, str]]:
    """(name, URL as the README writes it: `<id>` for a number) of every named route."""
    found = []
    for item in patterns:
        route = prefix + str(item.pattern)
        if isinstance(item, URLResolver):
            if item.namespace == "admin":  # the admin is one page to us: /admin/
                found.append(("admin", "/" + route))
                continue
            inner = f"{namespace}{item.namespace}:" if item.namespace else namespace
            found += _pages(item.url_patterns, route, inner)
        elif isinstance(item, URLPattern) and item.name:
            found.append((namespace + item.name, "/" + re.sub(r"<int:\w+>", "<id>", route)))
    return found


def test_the_readme_names_every_page_with_its_url() -> None:
    text = README.read_text(encoding="utf-8")
    pages = [
        (name, url) for name, url in _pages(get_resolver().url_patterns) if name not in NOT_PAGES
    ]
    assert ("orders:upload", "/orders/upload/") in pages
    missing = [f"{name} {url}" for name, url in pages if f"`{url}`" not in text]
    assert not missing, f"README.md does not name these pages: {missing}"
