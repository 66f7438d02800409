"""Helpers for the simulator's tests: its key and stage length, a client for one dialect, and
the request log once it is written."""

from __future__ import annotations

import time
from typing import Any

import requests

from simulator import SimulatorHandle

KEY = "demo-key"
STAGE = 20.0


class Api:
    """Form-encoded POSTs to one dialect of a running simulator, answers decoded."""

    def __init__(self, handle: SimulatorHandle, dialect: str | None = None) -> None:
        self.handle = handle
        self.url = handle.api_url(dialect)

    def post(self, action: str, **fields: Any) -> requests.Response:
        data = {"key": KEY, "action": action, **fields}
        return requests.post(self.url, data=data, timeout=5)

    def __call__(self, action: str, **fields: Any) -> Any:
        response = self.post(action, **fields)
        assert response.status_code == 200
        return response.json()

    def add(self, **fields: Any) -> Any:
        return self("add", **fields)


def logged(handle: SimulatorHandle, action: str | None = None, count: int = 1) -> list[Any]:
    """The request log once it holds `count` entries (of `action`): a request is logged just
    after its answer is written, so a client can read the answer a moment before that."""
    deadline = time.monotonic() + 5
    while len(handle.requests(action)) < count:
        assert time.monotonic() < deadline, f"fewer than {count} requests logged"
        time.sleep(0.01)
    return handle.requests(action)
