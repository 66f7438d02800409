"""manage.py import_orders: preview table, non-zero exit on invalid rows, queueing."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from orders.models import Order, Upload
from tests.orders.test_upload_service import catalog, make_panel, make_service  # noqa: F401


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import_orders", *args, stdout=out)
    return out.getvalue()


def test_dry_run_prints_preview_and_queues_nothing(catalog, tmp_path):  # noqa: F811
    path = tmp_path / "orders.csv"
    path.write_text("panel,service,link,quantity\nSim,1,https://x.com/a,100\n")
    out = run(str(path), "--dry-run")
    assert "https://x.com/a" in out
    assert "Sim" in out
    assert "0.1" in out
    assert "1 valid, 0 invalid of 1 row." in out
    assert "Sim: 1 order, about 0.10 USD" in out
    assert "Dry run" in out
    assert not Order.objects.exists()


def test_queues_valid_rows(catalog, tmp_path):  # noqa: F811
    path = tmp_path / "orders.csv"
    path.write_text(
        "panel,service,link,quantity\nSim,1,https://x.com/a,100\nOther,1,https://x.com/b,100\n"
    )
    out = run(str(path))
    assert "Queued 2 orders" in out
    assert Order.objects.filter(source=Order.Source.CSV).count() == 2


def test_invalid_rows_exit_non_zero(catalog, tmp_path):  # noqa: F811
    path = tmp_path / "orders.csv"
    path.write_text("panel,service,link,quantity\nSim,1,https://x.com/a,5\n")
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 row is invalid"):
        call_command("import_orders", str(path), "--dry-run", stdout=out)
    assert "below the service's minimum of 10" in out.getvalue()
    with pytest.raises(SystemExit) as exit_info:
        _cli(path)
    assert exit_info.value.code != 0


def _cli(path) -> None:
    from orders.management.commands.import_orders import Command

    # What `manage.py import_orders` does with a CommandError: a message and exit status 1.
    Command(stdout=io.StringIO(), stderr=io.StringIO()).run_from_argv(
        ["manage.py", "import_orders", str(path), "--dry-run", "--skip-checks"]
    )


def test_mass_text_with_panel(catalog, tmp_path):  # noqa: F811
    path = tmp_path / "mass.txt"
    path.write_text("1|https://x.com/a|100\n1|250|https://x.com/b\n")
    out = run(str(path), "--panel", "Sim")
    assert "Queued 2 orders" in out
    assert Order.objects.filter(source=Order.Source.MASS).count() == 2
    assert Upload.objects.get().panel.name == "Sim"


def test_file_errors(catalog, tmp_path):  # noqa: F811
    bad = tmp_path / "bad.csv"
    bad.write_bytes("panel,service\nCafé,1\n".encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8"):
        run(str(bad))
    with pytest.raises(CommandError, match="Cannot read"):
        run(str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError, match="no panel named"):
        run(str(bad), "--panel", "Nope")
    with pytest.raises(CommandError, match=r"\.csv file"):
        run(str(tmp_path / "x.txt"))
    assert not Upload.objects.exists()
