"""One target, one active order: two previews of one file, links written two ways, and the
same file queued again."""

from __future__ import annotations

import contextlib
import io
import threading
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from orders.models import Order, Upload
from orders.services import uploads as upload_service
from orders.services.uploads import QueueAgainNeeded, upload_submit
from tests.orders.test_upload_service import HEADER, catalog, check  # noqa: F401

ROW = "Sim,1,{link},100,,,,\n"


def csv(*links: str) -> str:
    return HEADER + "".join(ROW.format(link=link) for link in links)


def test_two_previews_of_one_link_queue_it_once(catalog, user):  # noqa: F811
    first = check(user, csv("https://x.com/dup"))
    second = check(user, csv("https://x.com/dup/", "https://x.com/other"))
    assert first.rows_valid == 1
    assert second.rows_valid == 2  # nothing was active yet when both were checked

    assert upload_submit(upload=first, user=user) == 1
    assert upload_submit(upload=second, user=user) == 1

    assert Order.objects.filter(link_key="x.com/dup").count() == 1
    assert Order.objects.get(upload=second).link == "https://x.com/other"
    second.refresh_from_db()
    assert (second.rows_valid, second.rows_invalid) == (1, 1)
    refused = second.invalid_rows[0]
    order = Order.objects.get(upload=first)
    assert refused["row"] == 2
    assert refused["at_submit"] is True
    assert refused["errors"] == [
        f"This link already has an active order #{order.pk} on Sim (queued from upload "
        f"#{first.pk}): the panel refuses a second one until it is finished."
    ]
    assert refused["raw"] == {
        "panel": "Sim",
        "service": "1",
        "link": "https://x.com/dup/",
        "quantity": "100",
    }
    assert upload_submit(upload=second, user=user) == 0  # and it stays refused


def test_an_order_from_the_form_after_the_preview_is_seen_at_submit(catalog, user):  # noqa: F811
    upload = check(user, csv("https://www.x.com/a?utm_source=ig"))
    Order.objects.create(
        panel=catalog["sim"], service=catalog["default"], link="https://x.com/a", quantity=100
    )

    assert upload_submit(upload=upload, user=user) == 0
    upload.refresh_from_db()
    assert "(placed with the order form)" in upload.invalid_rows[0]["errors"][0]
    assert upload.state == Upload.State.SUBMITTED


def test_finished_orders_do_not_block(catalog, user):  # noqa: F811
    done = Order.objects.create(
        panel=catalog["sim"], service=catalog["default"], link="https://x.com/a", quantity=100
    )
    Order.objects.filter(pk=done.pk).update(
        state=Order.State.PLACED, status="completed", remote_id="9"
    )
    upload = check(user, csv("https://x.com/a/"))
    assert upload.rows_valid == 1
    assert upload_submit(upload=upload, user=user) == 1


def test_link_keys_are_stored_on_create_and_compared_at_preview(catalog, user):  # noqa: F811
    Order.objects.create(
        panel=catalog["sim"],
        service=catalog["default"],
        link="https://X.com/dup/#top",
        quantity=100,
    )
    assert Order.objects.get().link_key == "x.com/dup"
    upload = check(user, csv("https://x.com/dup", "x.com/free", "https://x.com/free/"))
    errors = {row["row"]: row["errors"] for row in upload.invalid_rows}
    assert "already has an active order" in errors[2][0]
    assert errors[4] == ["Same panel, service and link as row 3."]
    assert [row["row"] for row in upload.valid_rows] == [3]


@pytest.mark.django_db(transaction=True)
def test_two_submits_racing_each_other_queue_the_link_once(catalog, user, monkeypatch):  # noqa: F811
    """Each submit checks, then waits (up to a second) for the other to have checked too:
    without a lock both would find the link free. With it, the second waits for the first to
    commit and then sees its order."""
    if connection.vendor != "postgresql":
        pytest.skip("two connections need PostgreSQL")
    first = check(user, csv("https://x.com/race"))
    second = check(user, csv("https://x.com/race/"))
    both_checked = threading.Barrier(2, timeout=1)
    real = upload_service.active_orders

    def checked_then_wait(targets, **kw):
        found = real(targets, **kw)
        if kw.get("exclude_upload") is not None:
            with contextlib.suppress(threading.BrokenBarrierError):
                both_checked.wait()
        return found

    monkeypatch.setattr(upload_service, "active_orders", checked_then_wait)
    created: dict[int, int] = {}

    def submit(upload: Upload) -> None:
        try:
            created[upload.pk] = upload_submit(upload=upload, user=user)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(u,)) for u in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(created.values()) == [0, 1]
    assert Order.objects.filter(link_key="x.com/race").count() == 1


# ---- the same file again ----------------------------------------------------------------


def test_the_same_file_queued_recently_needs_a_yes(catalog, user):  # noqa: F811
    data = csv("https://x.com/a", "https://x.com/b")
    first = check(user, data)
    assert upload_submit(upload=first, user=user) == 2
    Order.objects.filter(upload=first).update(state=Order.State.PLACED, status="completed")
    again = check(user, data.replace("\n", "\r\n"))  # saved again on another computer
    assert again.content_hash == first.content_hash

    with pytest.raises(QueueAgainNeeded, match=f"queued .*ago as upload #{first.pk} — queue"):
        upload_submit(upload=again, user=user)
    again.refresh_from_db()
    assert again.state == Upload.State.PREVIEWED
    assert Order.objects.count() == 2

    assert upload_submit(upload=again, user=user, again=True) == 2
    assert Order.objects.count() == 4


def test_only_recent_submitted_uploads_count(catalog, user):  # noqa: F811
    data = csv("https://x.com/a")
    previewed_only = check(user, data)
    old = check(user, data)
    upload_submit(upload=old, user=user)
    Upload.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - timedelta(hours=25))
    Order.objects.update(state=Order.State.PLACED, status="completed")
    mass = upload_service.upload_check(
        kind="mass", data="1|https://x.com/a|100", panel=catalog["sim"], user=user
    )
    assert mass.content_hash != old.content_hash
    assert upload_submit(upload=previewed_only, user=user) == 1


def test_the_preview_asks_and_the_submit_insists(catalog, user, client):  # noqa: F811
    client.force_login(user)
    data = csv("https://x.com/a")
    first = check(user, data)
    upload_submit(upload=first, user=user)
    Order.objects.update(state=Order.State.PLACED, status="completed")
    second = check(user, data)

    page = client.get(reverse("orders:upload_preview", args=[second.pk])).content.decode()
    assert f"as upload #{first.pk} — queue them again?" in page
    assert 'name="again"' in page

    response = client.post(reverse("orders:upload_submit", args=[second.pk]), follow=True)
    assert "Nothing was queued" in response.content.decode()
    assert not Order.objects.filter(upload=second).exists()

    client.post(reverse("orders:upload_submit", args=[second.pk]), {"again": "1"})
    assert Order.objects.filter(upload=second).count() == 1
    page = client.get(reverse("orders:upload_preview", args=[second.pk])).content.decode()
    assert "queue them again?" not in page


def test_the_preview_lists_rows_refused_at_submit(catalog, user, client):  # noqa: F811
    client.force_login(user)
    first = check(user, csv("https://x.com/a"))
    second = check(user, csv("https://x.com/a/", "https://x.com/b"))
    upload_submit(upload=first, user=user)

    response = client.post(reverse("orders:upload_submit", args=[second.pk]), follow=True)
    page = response.content.decode()
    assert "Queued 1 order." in page
    assert "1 row was not queued" in page
    assert "Row 2: This link already has an active order" in page
    results = client.get(reverse("orders:upload_results_csv", args=[second.pk]))
    text = b"".join(results.streaming_content).decode()
    assert f"queued from upload #{first.pk}" in text


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import_orders", *args, stdout=out)
    return out.getvalue()


def test_import_orders_asks_for_again(catalog, tmp_path):  # noqa: F811
    path = tmp_path / "orders.csv"
    path.write_text("panel,service,link,quantity\nSim,1,https://x.com/a,100\n")
    assert "Queued 1 order (upload" in run(str(path))
    Order.objects.update(state=Order.State.PLACED, status="completed")

    with pytest.raises(CommandError, match="Run again with --again"):
        run(str(path))
    assert Order.objects.count() == 1
    out = run(str(path), "--again")
    assert "queue them again?" in out
    assert "Queued 1 order (upload" in out
    assert Order.objects.count() == 2


def test_import_orders_says_which_lines_were_refused_at_submit(catalog, tmp_path):  # noqa: F811
    Order.objects.create(
        panel=catalog["sim"], service=catalog["default"], link="https://x.com/a", quantity=100
    )
    path = tmp_path / "orders.csv"
    path.write_text("panel,service,link,quantity\nSim,1,https://x.com/a/,100\n")
    with pytest.raises(CommandError, match="1 row is invalid"):
        run(str(path))
    assert Order.objects.count() == 1


def test_the_migration_keys_existing_orders(catalog):  # noqa: F811
    import importlib

    from django.apps import apps

    migration = importlib.import_module("orders.migrations.0007_order_link_key")
    Order.objects.create(
        panel=catalog["sim"],
        service=catalog["default"],
        link="https://www.x.com/a/?utm_source=z",
        quantity=100,
    )
    Order.objects.create(
        panel=catalog["sim"],
        service=catalog["default"],
        order_type="subscriptions",
        params={"username": "@Acc"},
    )
    Order.objects.update(link_key="")  # as the rows were before the migration

    migration.fill_link_keys(apps, None)

    assert sorted(Order.objects.values_list("link_key", flat=True)) == ["acc", "x.com/a"]


def test_a_submitted_upload_offers_no_second_submit(catalog, user, client):  # noqa: F811
    client.force_login(user)
    upload = check(user, csv("https://x.com/once"))
    submit = reverse("orders:upload_submit", args=[upload.pk])

    first = client.post(submit, follow=True).content.decode()
    again = client.post(submit, follow=True).content.decode()  # the back button, a double click

    assert "Queued 1 order." in first
    assert 'id="upload-submit"' not in first  # nothing left to queue, nothing offered
    assert "Nothing new to queue" in again
    assert Order.objects.filter(upload=upload).count() == 1
