"""The Celery app. Configuration lives in settings under the CELERY_ prefix."""

import logging
import os
from pathlib import Path
from typing import Any

from celery import Celery
from celery.signals import beat_init, worker_init, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")

app = Celery("dashboard")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@beat_init.connect
def _refuse_undecryptable_keys(**kwargs: Any) -> None:
    """A worker that cannot decrypt the panels' API keys would fail every task: stop instead.

    Celery logs and swallows exceptions raised by signal handlers, so this exits by itself.
    """
    from django.core.exceptions import ImproperlyConfigured

    from panels.stored_keys import verify_stored_keys

    try:
        verify_stored_keys()
    except ImproperlyConfigured as exc:
        logging.getLogger("dashboard.celery").critical("%s", exc)
        raise SystemExit(f"Not starting: {exc}") from None


@worker_ready.connect
def _say_ready(**kwargs: Any) -> None:
    """`make run` waits for this file before it prints the login, so that the login is the last
    thing on screen rather than scrolled away under the worker's start-up banner."""
    ready_file = os.environ.get("CELERY_WORKER_READY_FILE")
    if ready_file:
        Path(ready_file).touch()
