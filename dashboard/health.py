"""What /healthz checks: the database answers and the Celery broker accepts a connection."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from kombu import Connection

logger = logging.getLogger(__name__)
HEALTH_PATH = "/healthz"
BROKER_TIMEOUT = 3  # seconds; a healthcheck must answer well within its own timeout


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("healthz: the database does not answer")
        return False
    return True


def broker_ok() -> bool:
    """Open (and close) one connection to the broker, without retrying."""
    broker = Connection(
        settings.CELERY_BROKER_URL,
        transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        connect_timeout=BROKER_TIMEOUT,
    )
    try:
        with broker:
            broker.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_TIMEOUT)
    except Exception:  # kombu raises a different error per transport
        logger.exception("healthz: the broker does not accept connections")
        return False
    return True


def problems() -> list[str]:
    """What is down, in words; empty when everything answers."""
    found = []
    if not database_ok():
        found.append("database unavailable")
    if not broker_ok():
        found.append("broker unavailable")
    return found


class HealthCheckMiddleware:
    """Answers /healthz before anything else looks at the request.

    Container healthchecks and load balancers call it over plain http, by IP address: it must
    not be redirected to https nor refused for a Host header outside ALLOWED_HOSTS, and it
    needs no session. It tells nothing but "ok" or what is down.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == HEALTH_PATH and request.method in ("GET", "HEAD"):
            return health_response()
        return self.get_response(request)


def health_response() -> HttpResponse:
    down = problems()
    if down:
        response = HttpResponse("; ".join(down), status=503, content_type="text/plain")
    else:
        response = HttpResponse("ok", content_type="text/plain")
    response["Cache-Control"] = "no-store"
    return response
