"""The `/_sim/...` control API: JSON in, JSON out, no API key (it is a test fixture)."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl

from .core import Simulator
from .faults import make_rule
from .records import money

Params = dict[str, Any]
Route = Callable[[Simulator, Params], Any]


def handle(sim: Simulator, method: str, route: str, query: str, body: bytes) -> tuple[int, Any]:
    """Answer `route` (the part after `/_sim/`): an HTTP status and a JSON-able payload."""
    routes = GET_ROUTES if method == "GET" else POST_ROUTES
    action = routes.get(route)
    if action is None:
        known = route in GET_ROUTES or route in POST_ROUTES
        return (405, {"error": "method not allowed"}) if known else (404, {"error": "not found"})
    try:
        params: Params = dict(parse_qsl(query))
        if body.strip():
            data = json.loads(body)
            if not isinstance(data, dict):
                raise ValueError("the body must be a JSON object")
            params.update(data)
        return 200, action(sim, params)
    except KeyError as exc:
        return 400, {"error": f"unknown or missing: {exc.args[0]}"}
    except (ValueError, TypeError, InvalidOperation) as exc:
        return 400, {"error": str(exc) or type(exc).__name__}


def _dialect(params: Params) -> str | None:
    value = params.get("dialect")
    return str(value) if value else None


def _flag(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _names(value: object) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [name.strip() for name in value.split(",") if name.strip()]
    if isinstance(value, list):
        return [str(name) for name in value]
    raise ValueError("expected a list of names")


def stats(sim: Simulator, params: Params) -> Any:
    dialect = _dialect(params)
    return sim.stats.snapshot(sim.dialect(dialect).name if dialect else None)


def reset(sim: Simulator, params: Params) -> Any:
    sim.reset(state=_flag(params.get("state", False)), dialect=_dialect(params))
    return {"ok": True}


def faults_get(sim: Simulator, params: Params) -> Any:
    rule = sim.faults.current()
    return {"fault": rule.to_json() if rule else None}


def faults_set(sim: Simulator, params: Params) -> Any:
    fault = params.get("fault")
    count = params.get("count")
    dialects = _names(params.get("dialects"))
    for name in dialects or ():
        sim.dialect(name)
    rule = make_rule(
        str(fault) if fault else None,
        actions=_names(params.get("actions")),
        dialects=dialects,
        count=int(count) if count is not None else None,
        latency_ms=int(params.get("latency_ms") or 0),
    )
    sim.faults.set(rule)
    return faults_get(sim, params)


def advance(sim: Simulator, params: Params) -> Any:
    sim.advance(float(params["seconds"]))
    return {"offset": sim.clock.offset, "now": sim.clock.now()}


def balance(sim: Simulator, params: Params) -> Any:
    dialect = _dialect(params)
    amount = Decimal(str(params["balance"]))
    if not amount.is_finite() or amount < 0:
        raise ValueError("balance must be a non-negative number")
    sim.set_balance(amount, dialect)
    store = sim.stores[sim.dialect(dialect).name]
    return {"dialect": sim.dialect(dialect).name, "balance": money(store.balance)}


def orders(sim: Simulator, params: Params) -> Any:
    return sim.dump(_dialect(params))


GET_ROUTES: dict[str, Route] = {"stats": stats, "faults": faults_get, "orders": orders}
POST_ROUTES: dict[str, Route] = {
    "reset": reset,
    "faults": faults_set,
    "advance": advance,
    "balance": balance,
}
