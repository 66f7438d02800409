"""Checking and submitting uploads against the catalog, without a simulator."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal
from functools import partial

import pytest
from django.utils import timezone

from orders.models import Order, Upload
from orders.services.uploads import upload_check, upload_submit
from orders.upload_totals import upload_totals
from orders.uploads import UploadError
from panels.models import Panel
from tests.factories import PanelFactory, ServiceFactory
from tests.orders.helpers import text as page_text

# The catalog these upload tests check rows against: services named after their ids.
make_panel = partial(PanelFactory, currency="USD", balance=Decimal("100"))
make_service = partial(ServiceFactory, numbered_name=True, rate=Decimal("1.00"), max_quantity=1000)

HEADER = "panel,service,link,quantity,comments,runs,interval,username\n"


@pytest.fixture
def catalog(db):
    sim = make_panel(name="Sim")
    other = make_panel(name="Other", balance=Decimal("0.01"))
    return {
        "sim": sim,
        "other": other,
        "default": make_service(panel=sim, remote_id="1"),
        "comments": make_service(
            panel=sim, remote_id="5", type="custom_comments", min_quantity=2, max_quantity=5
        ),
        "inactive": make_service(panel=sim, remote_id="9", is_active=False),
        "o_default": make_service(panel=other, remote_id="1", rate=Decimal("2.00")),
    }


def check(user, text: str, **kw) -> Upload:
    return upload_check(kind="csv", data=text.encode(), filename="orders.csv", user=user, **kw)


def errors_by_row(upload: Upload) -> dict[int, list[str]]:
    return {r["row"]: r["errors"] for r in upload.invalid_rows}


def test_valid_rows_are_saved_with_costs(catalog, user):
    upload = check(
        user,
        HEADER + "Sim,1,https://x.com/a,100,,,,\n"
        'sim,5,https://x.com/b,,"One\nTwo\nThree",,,\n'
        "Other,1,https://x.com/a,500,,,,\n",
    )
    assert (upload.state, upload.rows_total, upload.rows_valid, upload.rows_invalid) == (
        Upload.State.PREVIEWED,
        3,
        3,
        0,
    )
    first = upload.valid_rows[0]
    assert first["row"] == 2
    assert first["panel"] == "Sim"
    assert first["service"] == "1"
    assert first["values"] == {"link": "https://x.com/a", "quantity": "100"}
    assert Decimal(str(first["cost"])) == Decimal("0.1")
    assert upload.valid_rows[1]["quantity"] == 3
    # The comments cell spans lines 3-5 of the file: the next order is row 4, on line 6.
    assert [(r["row"], r.get("line")) for r in upload.valid_rows] == [(2, None), (3, None), (4, 6)]
    upload.refresh_from_db()
    totals = {t.panel: t for t in upload_totals(upload)}
    assert totals["Sim"].orders == 2
    assert not totals["Sim"].over_balance
    assert totals["Other"].cost == Decimal("1")
    assert totals["Other"].over_balance


def test_every_reason(catalog, user):
    Order.objects.create(
        panel=catalog["sim"], service=catalog["default"], link="https://x.com/busy", quantity=100
    )
    rows = [
        "Nowhere,1,https://x.com/1,100,,,,",  # 2 unknown panel
        "Sim,77,https://x.com/2,100,,,,",  # 3 unknown service
        "Sim,9,https://x.com/3,100,,,,",  # 4 inactive service
        "Sim,1,https://x.com/4,5,,,,",  # 5 below min
        "Sim,1,https://x.com/5,5000,,,,",  # 6 above max
        "Sim,1,,100,,,,",  # 7 missing link
        "Sim,1,https://x.com/7,,,,,",  # 8 missing quantity
        'Sim,5,https://x.com/8,,"only one",,,',  # 9 too few comments
        "Sim,1,ftp://x.com/9,100,,,,",  # 10 bad link
        "Sim,1,https://x.com/10,100,hello,,,",  # 11 a column the type does not take
        "Sim,1,https://x.com/11,100,,,,",  # 12 fine
        "Sim,1,https://x.com/11,200,,,,",  # 13 duplicate of 12
        "Sim,1,https://x.com/busy,100,,,,",  # 14 active order on the link
        ",1,https://x.com/14,100,,,,",  # 15 no panel
        "Sim,,https://x.com/15,100,,,,",  # 16 no service
        "Sim,1,https://x.com/16,abc,,,,",  # 17 not a number
        "Sim,1,https://x.com/17,100,,3,,",  # 18 drip-feed not offered / half given
        "Sim,1,https://x.com/18,100,,,,,extra",  # 19 too many cells
    ]
    upload = check(user, HEADER + "\n".join(rows) + "\n")
    errors = errors_by_row(upload)
    assert upload.rows_valid == 1
    assert upload.valid_rows[0]["row"] == 12
    assert set(errors) == set(range(2, 20)) - {12}
    assert errors[2] == ["There is no panel named 'Nowhere'."]
    assert errors[3] == ["Sim has no service with id '77'."]
    assert errors[4] == ["Service 9 is no longer offered by Sim."]
    assert errors[5] == ["Quantity 5 is below the service's minimum of 10."]
    assert errors[6] == ["Quantity 5000 is above the service's maximum of 1000."]
    assert errors[7] == ["Link: Required for this service."]
    assert errors[8] == ["Quantity: Required for this service."]
    assert errors[9] == ["Comments: 1 comments given, the service's minimum is 2."]
    assert errors[10] == ["Links must start with http:// or https://. This one starts with ftp:."]
    assert errors[11] == [
        "The column 'comments' does not apply to Default services: leave it empty."
    ]
    assert errors[13] == ["Same panel, service and link as row 12."]
    assert errors[14][0].startswith("This link already has an active order #")
    assert "on Sim (placed with the order form)" in errors[14][0]
    assert errors[15] == ["The panel is missing."]
    assert errors[16] == ["The service id is missing."]
    assert errors[17] == ["Quantity: Enter a whole number, not 'abc'."]
    assert errors[18]
    assert errors[18][0].startswith("Runs: ")
    assert errors[19] == ["This row has more cells than the header row has columns."]
    assert upload.invalid_rows[0]["raw"]["panel"] == "Nowhere"


def test_whole_file_errors_save_nothing(catalog, user):
    for data in (
        b"",
        b"panel,service\n",
        "panel,service\nCaf\u00e9,1\n".encode("latin-1"),
        b"link\nx\n",
        b"PK\x03\x04\x00\x00binary",
    ):
        with pytest.raises(UploadError):
            upload_check(kind="csv", data=data, filename="x.csv", user=user)
    assert not Upload.objects.exists()
    assert not Order.objects.exists()


def test_limits_from_settings(catalog, user, settings):
    settings.UPLOAD_MAX_ROWS = 3
    with pytest.raises(UploadError, match="more than 3 orders"):
        check(user, HEADER + "Sim,1,https://x.com/a,100\n" * 4)
    settings.UPLOAD_MAX_BYTES = 10
    with pytest.raises(UploadError, match="larger than"):
        check(user, HEADER)
    assert not Upload.objects.exists()


def test_mass_text_with_swapped_fields(catalog, user):
    text = "1|https://x.com/a|100\n\n1 | 200 | https://x.com/b\n1|https://x.com/c\n77|https://x/d|1"
    upload = upload_check(kind="mass", data=text, panel=catalog["sim"], user=user)
    assert upload.panel == catalog["sim"]
    assert upload.kind == "mass"
    assert [r["row"] for r in upload.valid_rows] == [1, 3]
    assert upload.valid_rows[1]["values"] == {"link": "https://x.com/b", "quantity": "200"}
    errors = errors_by_row(upload)
    assert errors[4] == [
        "Write the line as: service id | link | quantity, optionally followed by | sale price "
        "| customer (found 2 parts separated by |)."
    ]
    one = upload_check(kind="mass", data="1\n", panel=catalog["sim"], user=user)
    assert "(found 1 part separated by |)" in errors_by_row(one)[1][0]
    assert errors[5] == ["Sim has no service with id '77'."]
    with pytest.raises(UploadError, match="Choose the panel"):
        upload_check(kind="mass", data=text, user=user)


def _rows(n: int) -> str:
    return HEADER + "".join(
        f"{'Sim' if i % 2 else 'Other'},{1 if i % 3 else 5},https://x.com/{i},100,"
        f"{'a' if i % 3 == 0 else ''},,,\n"
        for i in range(n)
    )


@pytest.mark.parametrize("count", [10, 200])
def test_fixed_number_of_queries(catalog, user, count, django_assert_max_num_queries):
    Order.objects.create(
        panel=catalog["sim"], service=catalog["default"], link="https://x.com/3", quantity=100
    )
    # The panels, the services, the active orders, the price rules, the upload.
    with django_assert_max_num_queries(5):
        upload = check(user, _rows(count))
    assert upload.rows_total == count


def test_submit_is_idempotent(catalog, user):
    upload = check(
        user,
        HEADER + "Sim,1,https://x.com/a,100,,,,\nSim,1,nope://,100,,,,\n"
        'Other,1,https://x.com/b,50,,,,\nSim,5,https://x.com/c,,"A\nB",,,\n',
    )
    assert upload.rows_valid == 3
    assert upload_submit(upload=upload, user=user) == 3
    assert upload.state == Upload.State.SUBMITTED
    orders = Order.objects.filter(upload=upload).order_by("upload_row")
    assert [(o.upload_row, o.source, o.state) for o in orders] == [
        (2, "csv", "queued"),
        (4, "csv", "queued"),
        (5, "csv", "queued"),
    ]
    assert orders[2].params == {"comments": "A\nB"}
    assert orders[0].placed_by == user
    assert upload_submit(upload=upload, user=user) == 0
    upload.refresh_from_db()
    assert upload_submit(upload=upload, user=user) == 0
    assert Order.objects.count() == 3


def test_submit_mass_source(catalog, user):
    upload = upload_check(
        kind="mass", data="1|https://x.com/a|100", panel=catalog["sim"], user=user
    )
    assert upload_submit(upload=upload, user=user) == 1
    assert Order.objects.get().source == Order.Source.MASS


# ---- pages ---------------------------------------------------------------------------------


def test_upload_pages(catalog, user, client):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client.force_login(user)
    form = client.get(reverse("orders:upload"))
    assert form.status_code == 200
    assert "At most 5 MB and 20,000 orders per upload." in form.content.decode()
    template = client.get(reverse("orders:upload_template"))
    assert template.status_code == 200
    assert template.content.decode().startswith("panel,service,link,quantity")

    bad = SimpleUploadedFile("x.csv", "panel,service\nCafé,1\n".encode("latin-1"))
    response = client.post(reverse("orders:upload"), {"kind": "csv", "file": bad})
    assert response.status_code == 400
    assert "not UTF-8" in response.content.decode()
    assert not Upload.objects.exists()

    data = HEADER + "Sim,1,https://x.com/a,100,,,,\nSim,1,=1+1,5,,,,\n"
    good = SimpleUploadedFile("orders.csv", data.encode())
    response = client.post(reverse("orders:upload"), {"kind": "csv", "file": good})
    item = Upload.objects.get()
    assert response.url == reverse("orders:upload_preview", args=[item.pk])
    page = client.get(response.url).content.decode()
    assert "1 of 2 rows can be queued" in page
    assert "below the service&#x27;s minimum of 10" in page

    results = client.get(reverse("orders:upload_results_csv", args=[item.pk]))
    text = b"".join(results.streaming_content).decode()
    assert "'=1+1" in text
    assert ",OK" in text

    submit = reverse("orders:upload_submit", args=[item.pk])
    client.post(submit)
    client.post(submit)
    assert Order.objects.filter(upload=item).count() == 1


def test_mass_upload_page(catalog, user, client):
    from django.urls import reverse

    client.force_login(user)
    response = client.post(
        reverse("orders:upload"), {"kind": "mass", "panel": "", "text": "1|https://x.com/a|100"}
    )
    assert response.status_code == 400
    assert "Choose the panel" in response.content.decode()
    response = client.post(
        reverse("orders:upload"),
        {"kind": "mass", "panel": catalog["sim"].pk, "text": "1|https://x.com/a|100"},
    )
    assert response.status_code == 302
    assert Upload.objects.get().rows_valid == 1
    page = client.get(response.url).content.decode()
    assert '<th scope="col" class="num">Line</th>' in page  # pasted text has lines, not rows


def test_after_submitting_the_page_follows_the_orders_until_all_are_handled(catalog, user, client):
    from django.urls import reverse

    client.force_login(user)
    item = check(user, HEADER + "Sim,1,https://x.com/a,100,,,,\nSim,1,https://x.com/b,100,,,,\n")
    client.post(reverse("orders:upload_submit", args=[item.pk]))
    progress_url = reverse("orders:upload_progress", args=[item.pk])

    page = client.get(reverse("orders:upload_preview", args=[item.pk])).content.decode()
    assert "Sending the orders to the panels" in page
    assert f'hx-get="{progress_url}"' in page  # polls while orders wait to be sent

    first, second = Order.objects.filter(upload=item).order_by("upload_row")
    Order.objects.filter(pk=first.pk).update(state=Order.State.PLACED, remote_id="1")
    Order.objects.filter(pk=second.pk).update(state=Order.State.UNKNOWN)
    block = client.get(progress_url, headers={"HX-Request": "true"}).content.decode()

    assert "<html" not in block
    assert "All 2 orders handled" in block
    assert "1 placed" in block
    assert "1 outcome unknown" in block
    assert "hx-trigger" not in block  # nothing left to wait for: polling stops


def test_submitting_wakes_each_panels_dispatcher_once(
    catalog, user, django_capture_on_commit_callbacks
):
    rows = "".join(f"Sim,1,https://x.com/w{n},100,,,,\n" for n in range(5))
    item = check(user, HEADER + rows)

    with django_capture_on_commit_callbacks() as callbacks:
        created = upload_submit(upload=item, user=user)

    assert created == 5
    assert len(callbacks) == 1  # one dispatch for the panel, not one per order


def test_the_results_file_writes_costs_as_plain_numbers(catalog, user, client):
    from django.urls import reverse

    make_service(panel=catalog["sim"], remote_id="77", rate=Decimal("1500"), max_quantity=100_000)
    item = check(user, HEADER + "Sim,77,https://x.com/big,2000,,,,\n")
    client.force_login(user)
    results = client.get(reverse("orders:upload_results_csv", args=[item.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(results.streaming_content).decode("utf-8-sig"))))
    cost = rows[0].index("Estimated cost")
    # a spreadsheet reads it; "3,000.00" it would not
    assert (rows[1][cost], rows[1][-1]) == ("3000.00", "OK")


def test_the_preview_says_how_old_each_panels_balance_is(catalog, user, client):
    from django.urls import reverse

    Panel.objects.filter(pk=catalog["sim"].pk).update(
        balance_checked_at=timezone.now() - timedelta(minutes=3)
    )
    client.force_login(user)
    item = check(user, HEADER + "Sim,1,https://x.com/a,100,,,,\nOther,1,https://x.com/b,100,,,,\n")

    page = page_text(client.get(reverse("orders:upload_preview", args=[item.pk])).content.decode())

    assert "Sim 1 0.10 USD 100.00 USD read 3 minutes ago" in page
    assert "0.01 USD never read" in page  # a balance whose reading time is not known
