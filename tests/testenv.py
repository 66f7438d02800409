"""Loaded with `-p tests.testenv` before Django settings are read: test-only configuration.

Values already in the environment win, so CI and `make test` can point at PostgreSQL/Redis.
"""

import os

TEST_ENV = {
    "SECRET_KEY": "test-only-secret-key-not-for-production",
    # A fixed Fernet key used only by the tests.
    "PANEL_KEY_ENCRYPTION_KEYS": "dGVzdC1vbmx5LWVuY3J5cHRpb24ta2V5LTMyLWJ5dGU=",
    # The test client and the live server speak plain http on loopback, as does the simulator.
    "SECURE_SSL_REDIRECT": "false",
    "PANEL_ALLOW_HTTP": "true",
    "PANEL_ALLOW_PRIVATE_ADDRESSES": "true",
    # Playwright's sync API runs an event loop; live_server's ORM calls are still synchronous.
    "DJANGO_ALLOW_ASYNC_UNSAFE": "true",
}

for _name, _value in TEST_ENV.items():
    os.environ.setdefault(_name, _value)
os.environ["DJANGO_READ_DOT_ENV"] = "0"  # a developer's .env must not leak into tests
