"""The settings every test run uses, whoever reads them: tests/testenv.py before Django starts,
and `make test` (scripts/run_tests.py) for mypy, whose Django plugin loads the settings.
Importing this module changes nothing."""

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
