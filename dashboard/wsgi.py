import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
application = get_wsgi_application()

# gunicorn runs no system checks: refuse to serve with encryption keys that cannot open the
# stored panel API keys (the worker fails to boot and the log says which panels).
from panels.stored_keys import verify_stored_keys  # noqa: E402

verify_stored_keys()
