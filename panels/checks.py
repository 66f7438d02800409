"""System checks: `runserver`, `migrate` and `check` refuse to start with keys that do not open
the stored panel API keys (gunicorn and Celery check the same in dashboard.wsgi/celery)."""

from typing import Any

from django.core.checks import CheckMessage, Error, register

from panels import stored_keys


@register()
def stored_keys_decrypt(**kwargs: Any) -> list[CheckMessage]:
    problem = stored_keys.stored_keys_problem()
    return [Error(problem, id="panels.E001")] if problem else []
