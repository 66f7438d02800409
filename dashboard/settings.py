"""All settings, read from the environment (and `.env` when present) through django-environ.

Every variable is listed with its default in `.env.example`. The defaults give a laptop setup
(SQLite, an embedded filesystem broker); production sets DATABASE_URL and REDIS_URL.
"""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
if env.bool("DJANGO_READ_DOT_ENV", default=True) and (BASE_DIR / ".env").exists():
    # Values already in the process environment win over the file.
    env.read_env(BASE_DIR / ".env")

# Runtime files of the laptop setup: SQLite, broker queue, beat state, simulator state.
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=False)


def _required(name: str) -> str:
    value = env.str(name, default="")
    if not value:
        raise ImproperlyConfigured(
            f"{name} is not set. Copy .env.example to .env (`make .env` generates fresh secrets) "
            f"or set {name} in the environment."
        )
    return value


SECRET_KEY = _required("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Fernet keys (comma-separated) that encrypt panel API keys at rest. The first one encrypts;
# all of them decrypt, so a new key can be put in front and `manage.py rotate_keys`
# re-encrypts every row before the old key is dropped.
PANEL_KEY_ENCRYPTION_KEYS = [k for k in env.list("PANEL_KEY_ENCRYPTION_KEYS", default=[]) if k]
if not PANEL_KEY_ENCRYPTION_KEYS:
    _required("PANEL_KEY_ENCRYPTION_KEYS")


def _check_fernet_keys(keys: list[str]) -> None:
    """A malformed key stops every process at start, not at the first panel call."""
    from cryptography.fernet import Fernet

    for number, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode())
        except ValueError:
            raise ImproperlyConfigured(
                f"PANEL_KEY_ENCRYPTION_KEYS: key {number} of {len(keys)} is not a Fernet key "
                "(32 url-safe base64-encoded bytes). Make one with: python -c 'from "
                "cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
            ) from None


_check_fernet_keys(PANEL_KEY_ENCRYPTION_KEYS)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Django's own widget templates, for FORM_RENDERER below.
    "django.forms",
    "django_htmx",
    "template_partials",
    "dashboard",
    "currency",
    "panels",
    "orders",
    "ledger",
    "reports",
    "alerts",
    "overview",
]

MIDDLEWARE = [
    # /healthz answers before host checks and the https redirect (container healthchecks).
    "dashboard.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "dashboard.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a login unless its view is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "dashboard.urls"
WSGI_APPLICATION = "dashboard.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Widgets render with the templates above, so forms can use the project's widget templates
# (templates/widgets/: the list pages' filter bars).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one file: wait for locks instead of failing, take the write
    # lock at BEGIN so two writers never deadlock on an upgrade, and let readers run alongside.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # No JIT: the dashboard's queries are short, and PostgreSQL compiles any whose estimated
    # cost passes jit_above_cost, estimates of a report by service over a year included:
    # measured at a million orders, 260 ms compiling a query that runs in 12 ms.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "overview"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"  # filled by collectstatic in production
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns about a missing one on every start
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Secure by default; a laptop on plain http sets DEBUG=True (make run does). Production runs
# behind a TLS proxy (BEHIND_TLS_PROXY) and `manage.py check --deploy` reports nothing.
SECURE_COOKIES = env.bool("SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=14 * 24 * 3600)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Links to customers' posts must not tell the social network which dashboard they came from.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_TLS_PROXY else None
# Behind that proxy, how many proxies in a row append to X-Forwarded-For (login throttling
# believes the address the outermost of ours saw, never what the client claims).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)
# Password guessing (dashboard.login_throttle): after this many failed log-ins per username,
# or per client address, within the window, log-ins are refused until the window ends.
LOGIN_MAX_FAILURES = env.int("LOGIN_MAX_FAILURES", default=5)
LOGIN_MAX_FAILURES_PER_IP = env.int("LOGIN_MAX_FAILURES_PER_IP", default=20)
LOGIN_FAILURE_WINDOW = env.int("LOGIN_FAILURE_WINDOW", default=15 * 60)
# Plain http is answered with a redirect to https (but /healthz: see HealthCheckMiddleware).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# HSTS is only sent over https; browsers then refuse plain http to this host for a year.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
# Only our own files: no inline script or style, no eval, nothing from another origin
# (dashboard.security.ContentSecurityPolicyMiddleware sends it on every response).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)

# Log lines carry the panel/order/bulk/upload they are about (core.logcontext).
# LOG_FORMAT=json prints one JSON object per line for a log collector.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured("LOG_FORMAT must be 'plain' or 'json'")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"()": "core.logcontext.PlainFormatter"},
        "json": {"()": "core.logcontext.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # urllib3 logs request lines, with the query string, at DEBUG: GET panels put the key there.
    "loggers": {
        "urllib3": {"level": "WARNING"},
        # Apprise logs URLs with bot tokens and webhook secrets at DEBUG. Its records go only to
        # the result of each send (alerts.channels reads the errors there), never to a handler.
        "apprise": {"level": "DEBUG", "handlers": [], "propagate": False},
    },
}

# --- Celery -------------------------------------------------------------------------------
# Without REDIS_URL the broker is a folder on disk (kombu's filesystem transport): no server
# to install for a laptop. Production points REDIS_URL at one Redis shared by every worker.
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # Unacknowledged tasks come back after this long; longer than any task may run.
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": 3600}
else:
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://localhost//"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),  # default is ./control
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# The worker logs through LOGGING above (same format, same context fields) instead of its own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# Schedule intervals in seconds. Each entry expires just under its interval so that a backed-up
# queue never runs a pile of stale syncs one after another.
CATALOG_SYNC_INTERVAL = env.int("CATALOG_SYNC_INTERVAL", default=6 * 3600)
BALANCE_SYNC_INTERVAL = env.int("BALANCE_SYNC_INTERVAL", default=15 * 60)
STATUS_SYNC_INTERVAL = env.int("STATUS_SYNC_INTERVAL", default=5 * 60)
DISPATCH_SWEEP_INTERVAL = env.int("DISPATCH_SWEEP_INTERVAL", default=60)
REAPER_INTERVAL = env.int("REAPER_INTERVAL", default=5 * 60)
REFILL_STATUS_SYNC_INTERVAL = env.int("REFILL_STATUS_SYNC_INTERVAL", default=15 * 60)
# How often orders with an auto-refill schedule are checked for one due
# (orders/services/auto_refill.py).
AUTO_REFILL_INTERVAL = env.int("AUTO_REFILL_INTERVAL", default=3600)
# How often running orders are checked for being stuck (orders/services/stuck.py).
STUCK_CHECK_INTERVAL = env.int("STUCK_CHECK_INTERVAL", default=15 * 60)
# The ECB publishes once a working day (around 16:00 CET); a few fetches a day catch it early.
RATES_FETCH_INTERVAL = env.int("RATES_FETCH_INTERVAL", default=6 * 3600)
# After orders or a bulk action on a panel, its balance is read again this many seconds later:
# one call per panel however many orders went out meanwhile (panels.services.balance).
BALANCE_REFRESH_DELAY = env.int("BALANCE_REFRESH_DELAY", default=20)
# How often new balance readings are checked against the orders (ledger.services.reconcile).
LEDGER_RECONCILE_INTERVAL = env.int("LEDGER_RECONCILE_INTERVAL", default=5 * 60)
# How often the orders' changes are folded into the reports' day totals (reports/models.py).
# Reports count unfolded changes too; folding keeps them few.
REPORT_TOTALS_FOLD_INTERVAL = env.int("REPORT_TOTALS_FOLD_INTERVAL", default=60)
# How often the alert conditions are checked (alerts/services/check.py).
ALERTS_CHECK_INTERVAL = env.int("ALERTS_CHECK_INTERVAL", default=60)


def _every(seconds: int) -> dict[str, object]:
    return {"schedule": timedelta(seconds=seconds), "options": {"expires": seconds * 0.9}}


CELERY_BEAT_SCHEDULE = {
    "catalog-sync-all": {"task": "panels.tasks.catalog_sync_all", **_every(CATALOG_SYNC_INTERVAL)},
    "balance-sync-all": {"task": "panels.tasks.balance_sync_all", **_every(BALANCE_SYNC_INTERVAL)},
    "status-sync-all": {"task": "orders.tasks.status_sync_all", **_every(STATUS_SYNC_INTERVAL)},
    "dispatch-queued": {
        "task": "orders.tasks.dispatch_queued_all",
        **_every(DISPATCH_SWEEP_INTERVAL),
    },
    "reap-stuck-orders": {"task": "orders.tasks.reap_stuck_orders", **_every(REAPER_INTERVAL)},
    "auto-refill": {"task": "orders.tasks.auto_refill", **_every(AUTO_REFILL_INTERVAL)},
    "flag-stuck-orders": {"task": "orders.tasks.flag_stuck_orders", **_every(STUCK_CHECK_INTERVAL)},
    "refill-status-sync-all": {
        "task": "orders.tasks.refill_status_sync_all",
        **_every(REFILL_STATUS_SYNC_INTERVAL),
    },
    "ledger-reconcile-all": {
        "task": "ledger.tasks.reconcile_all",
        **_every(LEDGER_RECONCILE_INTERVAL),
    },
    "rates-fetch": {"task": "currency.tasks.rates_fetch_scheduled", **_every(RATES_FETCH_INTERVAL)},
    "alerts-check": {"task": "alerts.tasks.check", **_every(ALERTS_CHECK_INTERVAL)},
    "alerts-log-prune": {"task": "alerts.tasks.prune", **_every(24 * 3600)},
    "report-totals-fold": {
        "task": "reports.tasks.totals_fold",
        **_every(REPORT_TOTALS_FOLD_INTERVAL),
    },
}

# --- Panel API client -----------------------------------------------------------------------
PANEL_HTTP_RETRIES = env.int("PANEL_HTTP_RETRIES", default=2)
PANEL_HTTP_BACKOFF = env.float("PANEL_HTTP_BACKOFF", default=1.0)
# Where panels may be called (panels.api.addresses): https only, and never a private, loopback or
# link-local address, unless allowed. A laptop (DEBUG) allows both, for the demo simulator.
PANEL_ALLOW_HTTP = env.bool("PANEL_ALLOW_HTTP", default=DEBUG)
PANEL_ALLOW_PRIVATE_ADDRESSES = env.bool("PANEL_ALLOW_PRIVATE_ADDRESSES", default=DEBUG)

# Money: the base currency a fresh install counts in (changed later on the Rates page), and how
# old a rate may be for a day without its own (the ECB publishes none at weekends and holidays).
BASE_CURRENCY = env.str("BASE_CURRENCY", default="USD")
RATE_MAX_AGE_DAYS = env.int("RATE_MAX_AGE_DAYS", default=7)
# The largest panel answer read, in bytes; anything bigger is refused unread.
PANEL_MAX_RESPONSE_BYTES = env.int("PANEL_MAX_RESPONSE_BYTES", default=32 * 1024 * 1024)
# At most this many orders are being sent to one panel at the same time (be polite).
PANEL_MAX_CONCURRENCY = env.int("PANEL_MAX_CONCURRENCY", default=2)

# Alerts link to pages at DASHBOARD_URL. A failed message is tried ALERTS_SEND_ATTEMPTS times
# in all, ALERTS_RETRY_BACKOFF seconds before the second try and twice as long before each next
# one. The alert log keeps ALERTS_LOG_DAYS of messages (pruned once a day).
DASHBOARD_URL = env.str("DASHBOARD_URL", default="http://localhost:8000")
ALERTS_SEND_ATTEMPTS = env.int("ALERTS_SEND_ATTEMPTS", default=4)
ALERTS_RETRY_BACKOFF = env.float("ALERTS_RETRY_BACKOFF", default=30.0)
ALERTS_LOG_DAYS = env.int("ALERTS_LOG_DAYS", default=90)

# Panels whose balance falls below this (in the panel's own currency) are flagged on the overview.
LOW_BALANCE_THRESHOLD = Decimal(env.str("LOW_BALANCE_THRESHOLD", default="10"))
# A balance move is flagged when it differs from what the orders, refunds and top-ups between
# two readings say by more than the larger of LEDGER_TOLERANCE (in the panel's currency: what
# rounding to a cent leaves) and LEDGER_TOLERANCE_SHARE of the money that moved (panels round
# each charge their own way).
LEDGER_TOLERANCE = Decimal(env.str("LEDGER_TOLERANCE", default="0.01"))
LEDGER_TOLERANCE_SHARE = Decimal(env.str("LEDGER_TOLERANCE_SHARE", default="0.01"))

# Routed orders: how many panels one order may try, the first included
# (orders/services/failover.py).
ROUTING_MAX_PANELS = env.int("ROUTING_MAX_PANELS", default=3)
# Routing leaves out a panel that completed less than this percent of its orders of the last
# 90 days that ended (0: it does not look), judged once it has this many.
ROUTING_MIN_COMPLETED_PERCENT = env.int("ROUTING_MIN_COMPLETED_PERCENT", default=0)
ROUTING_MIN_DELIVERY_ORDERS = env.int("ROUTING_MIN_DELIVERY_ORDERS", default=10)
# A placed order still pending or in progress this many hours after it was placed is stuck,
# until its service has a delivery record of its own (orders/services/stuck.py).
STUCK_AFTER_HOURS = env.int("STUCK_AFTER_HOURS", default=48)
# An order whose reported charge differs from its estimate by more than the larger of these
# (a percent of the estimate, and an amount in the order's own currency) is flagged.
CHARGE_TOLERANCE_PERCENT = Decimal(env.str("CHARGE_TOLERANCE_PERCENT", default="1"))
CHARGE_TOLERANCE_ABSOLUTE = Decimal(env.str("CHARGE_TOLERANCE_ABSOLUTE", default="0.01"))

# Order uploads (CSV files, mass-order text): the largest upload, in bytes and in orders.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=5 * 1024 * 1024)
UPLOAD_MAX_ROWS = env.int("UPLOAD_MAX_ROWS", default=20_000)

# --- Demo (make run) ------------------------------------------------------------------------
DEMO_SIMULATOR_PORT = env.int("DEMO_SIMULATOR_PORT", default=8765)
