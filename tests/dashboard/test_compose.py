"""docker-compose.yml holds what a server needs; `docker compose config` validates it where a
Docker client with the compose plugin exists (it needs no engine)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DJANGO_SERVICES = ("migrate", "web", "worker", "beat")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def test_every_part_of_the_deployment_is_there(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {*DJANGO_SERVICES, "postgres", "redis"}


def test_the_app_waits_for_healthy_stores_and_for_the_migrations(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
    assert services["migrate"]["command"] == "python manage.py migrate --noinput"
    assert services["migrate"]["restart"] == "no"


def test_web_is_gunicorn_checked_through_healthz(compose: dict[str, Any]) -> None:
    web = compose["services"]["web"]
    assert web["command"].startswith("gunicorn dashboard.wsgi:application")
    assert "http://127.0.0.1:8000/healthz" in " ".join(web["healthcheck"]["test"])


def test_workers_scale_and_beat_keeps_its_state(compose: dict[str, Any]) -> None:
    services = compose["services"]
    worker = services["worker"]
    assert "container_name" not in worker  # so that --scale worker=N works
    assert "ports" not in worker
    assert worker["command"].startswith("celery -A dashboard worker")
    beat = services["beat"]
    assert beat["command"].startswith("celery -A dashboard beat")
    assert any(v.startswith("beatstate:") for v in beat["volumes"])


def test_workers_on_another_machine_can_point_at_the_first_machines_stores(
    compose: dict[str, Any],
) -> None:
    """DATABASE_URL and REDIS_URL default to this file's own stores, and .env can name others
    (compose interpolates them), so a machine running only workers shares one database and
    one broker with the rest."""
    env = compose["x-django"]["environment"]
    assert env["DATABASE_URL"].startswith("${DATABASE_URL:-postgres://")
    assert env["DATABASE_URL"].endswith("@postgres:5432/smm}")
    assert env["REDIS_URL"] == "${REDIS_URL:-redis://redis:6379/0}"
    assert compose["services"]["worker"]["environment"] is env  # the workers use them


def test_docker_compose_config_takes_the_stores_from_env(tmp_path: Path) -> None:
    secrets = "SECRET_KEY=x\nPANEL_KEY_ENCRYPTION_KEYS=y\nALLOWED_HOSTS=z\n"
    stores = "DATABASE_URL=postgres://smm:pw@10.0.0.5:5432/smm\nREDIS_URL=redis://10.0.0.5:6379/0\n"
    result = compose_config(tmp_path, secrets + stores)
    assert result.returncode == 0, result.stderr
    assert "postgres://smm:pw@10.0.0.5:5432/smm" in result.stdout
    assert "redis://10.0.0.5:6379/0" in result.stdout


def test_the_stores_keep_their_data_and_report_their_health(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert "redisdata:/data" in services["redis"]["volumes"]
    for name in ("postgres", "redis"):
        assert services[name]["healthcheck"]["test"], name
    assert {"pgdata", "redisdata", "beatstate"} <= set(compose["volumes"])


def test_secrets_must_be_set_and_production_settings_are_on(compose: dict[str, Any]) -> None:
    env = compose["services"]["web"]["environment"]
    for name in ("SECRET_KEY", "PANEL_KEY_ENCRYPTION_KEYS", "ALLOWED_HOSTS"):
        assert ":?" in env[name], f"compose must refuse to start without {name}"
    assert env["DEBUG"] == "False"
    assert env["BEHIND_TLS_PROXY"].startswith("${BEHIND_TLS_PROXY:-True")


def _compose_command() -> list[str] | None:
    docker = shutil.which("docker")
    if (
        docker
        and subprocess.run(
            [docker, "compose", "version"], capture_output=True, check=False
        ).returncode
        == 0
    ):
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def compose_config(folder: Path, env_file: str) -> subprocess.CompletedProcess[str]:
    """`docker compose config` as a user runs it: the compose file next to their .env, and no
    variable from the tests' environment (compose reads those before .env)."""
    command = _compose_command()
    if command is None:
        pytest.skip("no docker compose client on this machine (docker compose plugin missing)")
    (folder / "docker-compose.yml").write_text((ROOT / "docker-compose.yml").read_text())
    (folder / ".env").write_text(env_file)
    return subprocess.run(
        [*command, "config"],
        cwd=folder,
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(folder)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_docker_compose_config_accepts_the_file(tmp_path: Path) -> None:
    result = compose_config(
        tmp_path, "SECRET_KEY=x\nPANEL_KEY_ENCRYPTION_KEYS=y\nALLOWED_HOSTS=z\n"
    )
    assert result.returncode == 0, result.stderr


def test_docker_compose_config_refuses_to_start_without_the_secrets(tmp_path: Path) -> None:
    result = compose_config(tmp_path, "ALLOWED_HOSTS=z\n")
    assert result.returncode != 0
    assert "set SECRET_KEY in .env" in result.stderr
