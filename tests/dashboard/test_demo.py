"""`make run`: the setup path (migrate, demo user, demo panel), and the real thing end to end."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from django.conf import settings as django_settings

from dashboard.demo import DEMO_PANEL_KEY, DEMO_PANEL_NAME, demo_setup
from panels import services
from panels.models import Panel, Service
from simulator import start_simulator

ROOT = Path(django_settings.BASE_DIR)


@pytest.fixture
def simulator(tmp_path):
    handle = start_simulator(state_dir=tmp_path / "sim", keys=(DEMO_PANEL_KEY,))
    yield handle
    handle.stop()


@pytest.mark.django_db
def test_demo_setup_creates_a_login_and_a_working_panel(simulator, settings, tmp_path, client):
    settings.VAR_DIR = tmp_path

    setup = demo_setup(simulator_base_url=simulator.base_url)

    assert setup.user.is_superuser
    assert [p.api_url for p in setup.panels] == [
        simulator.api_url(),
        simulator.api_url(catalog="alt1"),
        simulator.api_url(catalog="alt2"),
    ]
    assert client.login(username=setup.user.username, password=setup.password)
    panel = Panel.objects.get(name=DEMO_PANEL_NAME)
    assert panel.api_url == simulator.api_url()
    assert panel.api_key == DEMO_PANEL_KEY
    assert DEMO_PANEL_KEY not in panel.api_key_encrypted

    services.balance_sync(panel=panel)
    result = services.catalog_sync(panel=panel)

    panel.refresh_from_db()
    assert panel.balance == Decimal("1000.00")
    assert panel.currency == "USD"
    assert panel.health == Panel.Health.OK
    assert result.created == Service.objects.filter(panel=panel).count() > 10


@pytest.mark.django_db
def test_demo_setup_runs_again_without_duplicates_and_keeps_the_password(
    simulator, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    first = demo_setup(simulator_base_url=simulator.base_url)

    second = demo_setup(simulator_base_url=simulator.base_url)

    assert second.password == first.password
    assert second.user.pk == first.user.pk
    assert Panel.objects.count() == 3


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_rundemo_serves_the_dashboard_syncs_the_demo_panel_and_stops_everything(tmp_path):
    web_port, sim_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(VAR_DIR=str(tmp_path), DEBUG="True", SECURE_COOKIES="False")
    log_path = tmp_path / "rundemo.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "rundemo",
                "--port",
                str(web_port),
                "--simulator-port",
                str(sim_port),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        login = None
        deadline = time.monotonic() + 90
        while login is None and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
            login = re.search(r"Log in as: (\S+) / (\S+)", log_path.read_text())
        assert login, "no login banner:\n" + log_path.read_text()[-4000:]
        # The login comes after the worker's start-up banner, so it is not scrolled away, and
        # says where the password is kept.
        output = log_path.read_text()
        assert output.index("Log in as:") > output.index("celery@"), output[-4000:]
        assert str(tmp_path / "demo-login.txt") in output

        base = f"http://127.0.0.1:{web_port}"
        web = requests.Session()
        web.get(f"{base}/accounts/login/", timeout=10)
        answer = web.post(
            f"{base}/accounts/login/",
            data={
                "username": login[1],
                "password": login[2],
                "csrfmiddlewaretoken": web.cookies["csrftoken"],
            },
            timeout=10,
        )
        assert answer.url == f"{base}/"
        # The worker picks up the first balance sync from the filesystem broker.
        deadline = time.monotonic() + 60
        while "1,000.00" not in (page := web.get(f"{base}/", timeout=10).text):
            assert time.monotonic() < deadline, "the demo panel's balance never appeared"
            time.sleep(1)
        assert DEMO_PANEL_NAME in page
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0
    assert not port_open(web_port)
    assert not port_open(sim_port)


def test_make_run_takes_the_port_from_port():
    plan = subprocess.run(
        ["make", "-n", "run", "PORT=8001"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "manage.py rundemo --port 8001" in plan
