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
OUTAGE = "outage"
MAX_OUTAGE_SECONDS = 3600


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


def _catalog(params: Params) -> str | None:
    value = params.get("catalog")
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
    state = _flag(params.get("state", False))
    sim.reset(state=state, dialect=_dialect(params), catalog=_catalog(params))
    return {"ok": True}


def faults_get(sim: Simulator, params: Params) -> Any:
    rule = sim.faults.current()
    return {"fault": rule.to_json() if rule else None}


# The hostile and billing faults' options (see faults.FaultRule), each read from JSON or a
# query string.
FAULT_OPTIONS: dict[str, Callable[[Any], Any]] = {
    "trickle_interval": float,
    "trickle_chunk": int,
    "trickle_headers": _flag,
    "targets": lambda value: _names(str(value) if isinstance(value, int) else value),
    "every": int,
    "fraction": float,
    "seed": int,
    "variants": _names,
    "order_types": _names,
}


def faults_set(sim: Simulator, params: Params) -> Any:
    fault = params.get("fault")
    count = params.get("count")
    dialects = _names(params.get("dialects"))
    for name in dialects or ():
        sim.dialect(name)
    options = {
        name: read(params[name])
        for name, read in FAULT_OPTIONS.items()
        if params.get(name) is not None
    }
    rule = make_rule(
        str(fault) if fault else None,
        actions=_names(params.get("actions")),
        dialects=dialects,
        count=int(count) if count is not None else None,
        latency_ms=int(params.get("latency_ms") or 0),
        **options,
    )
    sim.faults.set(rule)
    return faults_get(sim, params)


def outage_check(sim: Simulator, params: Params) -> Any:
    """Checks `POST /_sim/outage`; the server itself then goes down (see server.py)."""
    seconds = float(params["seconds"])
    if not 0 < seconds <= MAX_OUTAGE_SECONDS:
        raise ValueError(f"seconds must be more than 0 and at most {MAX_OUTAGE_SECONDS}")
    return {"ok": True, "seconds": seconds}


def requests_get(sim: Simulator, params: Params) -> Any:
    action = params.get("action")
    since = int(params.get("since") or 0)
    entries = sim.requests.entries(action=str(action) if action else None, since=since)
    found = [entry.to_json() for entry in entries]
    return {"requests": found, "in_progress": sim.requests.in_progress}


def in_flight(sim: Simulator, params: Params) -> Any:
    """The most requests of an action (`add` unless given) answered at once, per API key."""
    action = str(params.get("action") or "add")
    return {"action": action, "most": sim.requests.most_in_flight(action)}


def advance(sim: Simulator, params: Params) -> Any:
    sim.advance(float(params["seconds"]))
    return {"offset": sim.clock.offset, "now": sim.clock.now()}


def balance(sim: Simulator, params: Params) -> Any:
    dialect, catalog = _dialect(params), _catalog(params)
    amount = Decimal(str(params["balance"]))
    if not amount.is_finite() or amount < 0:
        raise ValueError("balance must be a non-negative number")
    sim.set_balance(amount, dialect, catalog)
    store = sim.store(dialect, catalog)
    return {"dialect": sim.dialect(dialect).name, "balance": money(store.balance)}


def orders(sim: Simulator, params: Params) -> Any:
    return sim.dump(_dialect(params), _catalog(params))


def catalog_get(sim: Simulator, params: Params) -> Any:
    return sim.catalog(_catalog(params)).summary()


def _ids(value: object) -> list[int]:
    if isinstance(value, str):
        value = [part for part in value.split(",") if part.strip()]
    if isinstance(value, int) and not isinstance(value, bool):
        return [value]
    if not isinstance(value, list):
        raise ValueError("expected a list of service ids")
    return [int(item) for item in value]


def _objects(value: object) -> list[dict[str, Any]]:
    items = [value] if isinstance(value, dict) else value
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ValueError("expected an object or a list of objects")
    return items


def catalog_change(sim: Simulator, params: Params) -> Any:
    """Apply, in this order and all or nothing: reset, restore, remove, update, add, reprice."""
    done: dict[str, list[int]] = {}
    with sim.change_catalog(_catalog(params)) as live:
        if _flag(params.get("reset", False)):
            live.reset()
        restore = params.get("restore")
        if restore is not None:
            every = restore is True or restore == "all"
            done["restored"] = live.restore(None if every else _ids(restore))
        if params.get("remove") is not None:
            done["removed"] = live.remove(_ids(params["remove"]))
        for change in _objects(params.get("update", [])):
            sid = int(change.pop("id"))
            done.setdefault("updated", []).append(live.update(sid, change).id)
        for fields in _objects(params.get("add", [])):
            done.setdefault("added", []).append(live.add(fields).id)
        reprice = params.get("reprice")
        if reprice is not None and reprice is not False:
            options = _objects(reprice)[0] if reprice is not True else {}
            done["repriced"] = live.reprice(
                float(options.get("fraction", 0.05)),
                factor=options.get("factor"),
                seed=int(options.get("seed", 0)),
            )
    return {**live.summary(), "done": done}


GET_ROUTES: dict[str, Route] = {
    "stats": stats,
    "faults": faults_get,
    "orders": orders,
    "catalog": catalog_get,
    "requests": requests_get,
    "in_flight": in_flight,
}
POST_ROUTES: dict[str, Route] = {
    "reset": reset,
    "faults": faults_set,
    "advance": advance,
    "balance": balance,
    "catalog": catalog_change,
    OUTAGE: outage_check,
}
