"""Command line: `python -m simulator --port 8765 --dialect quirky`."""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Mapping, Sequence
from types import FrameType
from typing import Any

from .catalogs import CATALOG_NAMES, DEFAULT_CATALOG
from .dialects import DIALECTS
from .faults import ALL_FAULT_NAMES, DEFAULT_TRICKLE_INTERVAL
from .runner import start_simulator


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The simulator's options; shared with the Django management command."""
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: %(default)s)"
    )
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument(
        "--state-dir", default="var/simulator", help="one <dialect>.json per dialect lives here"
    )
    parser.add_argument(
        "--key",
        dest="keys",
        action="append",
        help="accepted API key, repeatable (default: demo-key)",
    )
    parser.add_argument(
        "--dialect",
        choices=sorted(DIALECTS),
        default="standard",
        help="dialect of /api/v2; every dialect is also at /<dialect>/api/v2",
    )
    parser.add_argument(
        "--catalog",
        choices=CATALOG_NAMES,
        default=DEFAULT_CATALOG,
        help="catalog variant of /api/v2 and /<dialect>/api/v2 (default: %(default)s); every "
        "variant is also at /<catalog>/api/v2 and /<dialect>/<catalog>/api/v2",
    )
    parser.add_argument(
        "--catalog-size",
        type=int,
        metavar="N",
        help="cut or pad every catalog to exactly N services (synthetic filler, for benchmarks)",
    )
    parser.add_argument(
        "--stage-seconds",
        type=float,
        default=20.0,
        help="seconds an order stays Pending, then In progress",
    )
    parser.add_argument("--balance", default="1000.00", help="starting balance of every dialect")
    parser.add_argument("--currency", default="USD")
    parser.add_argument(
        "--fault", choices=sorted(ALL_FAULT_NAMES), help="inject a fault from the start"
    )
    parser.add_argument(
        "--fault-action",
        dest="fault_actions",
        action="append",
        help="limit --fault to this action, repeatable",
    )
    parser.add_argument("--fault-count", type=int, help="apply --fault to the next N requests only")
    parser.add_argument("--latency-ms", type=int, default=0, help="delay every answer this long")
    hostile = parser.add_argument_group("options of the hostile faults")
    hostile.add_argument(
        "--trickle-interval",
        type=float,
        default=DEFAULT_TRICKLE_INTERVAL,
        metavar="SECONDS",
        help="trickle: seconds between bytes (default: %(default)s)",
    )
    hostile.add_argument(
        "--trickle-chunk", type=int, default=1, metavar="N", help="trickle: N bytes at a time"
    )
    hostile.add_argument(
        "--trickle-headers",
        action="store_true",
        help="trickle: the status line and headers too, not only the body",
    )
    hostile.add_argument(
        "--fault-target",
        dest="fault_targets",
        action="append",
        metavar="ID",
        help="malformed_status, out_of_range: spoil this order or service id, repeatable",
    )
    hostile.add_argument(
        "--fault-every", type=int, metavar="N", help="...or every Nth order or service id"
    )
    hostile.add_argument(
        "--fault-fraction", type=float, metavar="F", help="...or a seeded draw of this fraction"
    )
    hostile.add_argument("--fault-seed", type=int, default=0, help="seed of --fault-fraction")
    hostile.add_argument(
        "--fault-variant",
        dest="fault_variants",
        action="append",
        metavar="NAME",
        help="malformed_status, out_of_range: which hostile values, repeatable (default: all)",
    )
    parser.add_argument("--log-requests", action="store_true", help="log each request to stderr")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m simulator", description="A standalone SMM panel speaking API v2."
    )
    add_arguments(parser)
    return parser


def fault_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """The hostile faults' options given on the command line (see faults.FaultRule)."""
    given = {
        "trickle_interval": options.get("trickle_interval"),
        "trickle_chunk": options.get("trickle_chunk"),
        "trickle_headers": options.get("trickle_headers") or None,
        "targets": options.get("fault_targets"),
        "every": options.get("fault_every"),
        "fraction": options.get("fault_fraction"),
        "seed": options.get("fault_seed"),
        "variants": options.get("fault_variants"),
    }
    return {name: value for name, value in given.items() if value is not None}


def run(options: Mapping[str, Any]) -> int:
    """Serve until SIGINT or SIGTERM. `options` are the parsed options (extra keys ignored)."""
    handle = start_simulator(
        host=options["host"],
        port=options["port"],
        state_dir=options["state_dir"],
        keys=options["keys"] or ("demo-key",),
        dialect=options["dialect"],
        stage_seconds=options["stage_seconds"],
        balance=options["balance"],
        currency=options["currency"],
        fault=options["fault"],
        fault_actions=options["fault_actions"],
        fault_count=options["fault_count"],
        latency_ms=options["latency_ms"],
        log_requests=options["log_requests"],
        catalog=options.get("catalog") or DEFAULT_CATALOG,
        catalog_size=options.get("catalog_size"),
        fault_options=fault_options(options),
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        print(
            f"Panel simulator serving API v2 on {handle.api_url()} "
            f"(dialect {options['dialect']}, catalog {handle.simulator.default_catalog}; "
            f"others at {handle.base_url}/<dialect>/<catalog>/api/v2)",
            flush=True,
        )
        # A timed wait keeps the main thread responsive to signals on every platform.
        while not stop.wait(0.5):
            pass
    finally:
        handle.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return run(vars(build_parser().parse_args(argv)))
