"""Production settings: `check --deploy` is clean, the security headers are sent, and bad
encryption keys stop every process at start with a message that says what to do."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from dashboard.celery import _refuse_undecryptable_keys
from panels import checks, stored_keys
from panels.models import Panel
from tests.layout import PACKAGES

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """What a real deployment sets; nothing inherited from the test environment."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "DJANGO_READ_DOT_ENV": "0",
        "DEBUG": "False",
        "SECRET_KEY": "p7Zq-" + "k3Vw9xRt2LmNc8Yb4Hs6Jd1Fg5Ua0Qe7Wi3Op9Zx2Cv8Bn4Mk6Lj1" * 2,
        "PANEL_KEY_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "smm.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://smm.example.com",
        "BEHIND_TLS_PROXY": "True",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        "VAR_DIR": str(tmp_path / "var"),
    }
    env.update(overrides)
    return env


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_reports_nothing_with_production_settings(tmp_path: Path) -> None:
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "DEBUG")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_does_flag_a_debug_deployment(tmp_path: Path) -> None:
    env = production_env(tmp_path, DEBUG="True", SECRET_KEY="short")
    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode != 0
    assert "security.W018" in result.stderr + result.stdout  # DEBUG on
    assert "security.W009" in result.stderr + result.stdout  # weak SECRET_KEY


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ("", "PANEL_KEY_ENCRYPTION_KEYS is not set"),
        ("not-a-key", "key 1 of 1 is not a Fernet key"),
        (f"{Fernet.generate_key().decode()},short", "key 2 of 2 is not a Fernet key"),
    ],
)
def test_a_missing_or_malformed_encryption_key_stops_every_process_at_start(
    tmp_path: Path, keys: str, message: str
) -> None:
    result = manage(production_env(tmp_path, PANEL_KEY_ENCRYPTION_KEYS=keys), "check")

    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr.split("ImproperlyConfigured")[-1]


@pytest.fixture
def panel_under_other_key(db: Any, settings: Any) -> Panel:
    """A panel saved under the test key, then the deployment configured with another key."""
    panel = Panel(name="Old key panel", api_url="https://panel.example/api/v2")
    panel.api_key = "real-panel-key-123456"
    panel.save()
    settings.PANEL_KEY_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    return panel


def test_a_wrong_encryption_key_is_an_error_naming_the_panels(panel_under_other_key: Panel) -> None:
    assert stored_keys.undecryptable_panels() == ["Old key panel"]
    with pytest.raises(ImproperlyConfigured, match="cannot decrypt the API key of 1 panel:"):
        stored_keys.verify_stored_keys()
    (error,) = checks.stored_keys_decrypt()
    assert error.id == "panels.E001"
    assert "'Old key panel'" in error.msg


def test_workers_and_beat_refuse_to_start_with_a_wrong_key(panel_under_other_key: Panel) -> None:
    with pytest.raises(SystemExit, match="Not starting: PANEL_KEY_ENCRYPTION_KEYS cannot"):
        _refuse_undecryptable_keys()


def test_rotation_names_the_panels_it_cannot_decrypt_and_changes_nothing(
    panel_under_other_key: Panel,
) -> None:
    before = Panel.objects.get().api_key_encrypted

    with pytest.raises(CommandError, match="'Old key panel'"):
        call_command("rotate_keys")

    assert Panel.objects.get().api_key_encrypted == before


@pytest.mark.django_db
def test_the_right_keys_pass_the_start_up_check(settings: Any) -> None:
    panel = Panel(name="Fine", api_url="https://panel.example/api/v2")
    panel.api_key = "real-panel-key-123456"
    panel.save()
    settings.PANEL_KEY_ENCRYPTION_KEYS = [
        Fernet.generate_key().decode(),
        *settings.PANEL_KEY_ENCRYPTION_KEYS,
    ]

    stored_keys.verify_stored_keys()
    _refuse_undecryptable_keys()
    assert checks.stored_keys_decrypt() == []


@pytest.fixture
def https_only(settings: Any) -> Any:
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    return settings


def test_plain_http_is_redirected_to_https_except_the_health_check(
    https_only: Any, client: Client, db: Any
) -> None:
    login = reverse("login")
    response = client.get(login)
    assert response.status_code == 301
    assert response["Location"] == f"https://testserver{login}"
    assert client.get(reverse("healthz")).status_code == 200


def test_behind_the_tls_proxy_pages_carry_the_security_headers(
    https_only: Any, client: Client, db: Any
) -> None:
    response = client.get(reverse("login"), headers={"X-Forwarded-Proto": "https"})

    assert response.status_code == 200
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


def test_every_page_carries_the_content_security_policy(logged_in: Client) -> None:
    for name in ("overview", "panels:list", "catalog:browse", "orders:list", "orders:new"):
        response = logged_in.get(reverse(name))
        assert response.status_code == 200, name
        assert response["Content-Security-Policy"].startswith("default-src 'self'"), name


INLINE = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=", re.I),
    "hx-on attribute": re.compile(r"\shx-on[:-]", re.I),
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
    "hx-trigger filter (eval)": re.compile(r"hx-trigger=\"[^\"]*\[", re.I),
}


def test_no_template_needs_inline_script_style_or_eval() -> None:
    """The policy would block them in the browser; catch them here, with the file and line."""
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            for what, pattern in INLINE.items():
                if pattern.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {what}")
    assert found == []


def test_the_installed_package_leaves_the_simulator_out(tmp_path: Path) -> None:
    """`pip install .` ships the apps; the simulator stays a tool of the checkout."""
    source = tmp_path / "source"  # a copy, so the build leaves nothing in the checkout
    for name in PACKAGES:
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), "."],
        cwd=source,
        check=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    (wheel,) = tmp_path.glob("*.whl")
    packages = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert set(PACKAGES) - {"simulator"} <= packages
    assert "simulator" not in packages
    assert (source / "simulator" / "__main__.py").exists()  # it was there to be left out
