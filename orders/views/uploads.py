"""Order uploads: a CSV file or mass-order text, checked and previewed, then submitted once;
the CSV template, and every row's result as CSV."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.money import money_plain, money_text
from currency.conversion import base_currency
from orders.exports import csv_lines
from orders.models import Upload
from orders.services.duplicates import twin_text, upload_recent_twin
from orders.services.upload_template import (
    filled_template_csv,
    filled_template_rows,
    template_services,
)
from orders.services.uploads import (
    QueueAgainNeeded,
    max_bytes,
    row_word,
    upload_check,
    upload_submit,
)
from orders.upload_selectors import upload_row_orders, upload_sending_progress
from orders.upload_totals import row_sale_price, upload_money, upload_totals
from orders.uploads import UploadError, upload_template_csv
from panels.models import Panel, Service

PREVIEW_ROWS = 200  # rows shown on the page; every row is in the results CSV
REFUSED_SHOWN = 20  # rows refused at submit named in the alert above the rows (all in the CSV)


@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    panels = Panel.objects.filter(is_active=True).order_by("name")
    context: dict[str, object] = {
        "panels": panels,
        "error": "",
        "text": "",
        "panel_id": "",
        "max_mb": f"{max_bytes() / (1024 * 1024):g}",
        "max_rows": settings.UPLOAD_MAX_ROWS,
        "has_services": Service.objects.filter(is_active=True, panel__is_active=True).exists(),
        "base": base_currency(),
    }
    if request.method == "POST":
        kind = request.POST.get("kind", "csv")
        try:
            if kind == Upload.Kind.MASS:
                panel = panels.filter(pk=_int(request.POST.get("panel"))).first()
                text = request.POST.get("text", "")
                context.update(text=text[:200_000], panel_id=request.POST.get("panel", ""))
                if panel is None:
                    raise UploadError("Choose the panel the mass-order text is for.")
                result = upload_check(kind=kind, data=text, panel=panel, user=request.user)
            else:
                file = request.FILES.get("file")
                if file is None:
                    raise UploadError("Choose a CSV file to upload.")
                if file.size is not None and file.size > max_bytes():
                    mb = max_bytes() / (1024 * 1024)
                    raise UploadError(
                        f"The upload is larger than {mb:g} MB. Split it into smaller files."
                    )
                result = upload_check(
                    kind=Upload.Kind.CSV,
                    data=file.read(),
                    filename=file.name or "",
                    user=request.user,
                )
        except UploadError as exc:
            context["error"] = str(exc)
            return render(request, "orders/upload.html", context, status=400)
        return redirect("orders:upload_preview", pk=result.pk)
    return render(request, "orders/upload.html", context)


def _money(value: object) -> str:
    return "" if value in (None, "") else money_text(Decimal(str(value)))


def _sale(row: dict[str, object]) -> dict[str, object]:
    """The row's sale price as shown: its own, the suggestion (marked), or why none."""
    price, suggested = row_sale_price(row)
    return {"price": _money(price), "suggested": suggested, "note": row.get("price_note", "")}


def _plain_money(value: object) -> str:
    """For the results file: digits a spreadsheet reads as a number, no grouping."""
    return "" if value in (None, "") else money_plain(Decimal(str(value)))


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


@require_GET
def upload_preview(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Upload.objects.select_related("panel", "uploaded_by"), pk=pk)
    invalid = [
        {
            **row,
            "line": row.get("line"),
            "target": row["raw"].get("link") or row["raw"].get("username", ""),
        }
        for row in item.invalid_rows[:PREVIEW_ROWS]
    ]
    totals = [
        {
            "t": t,
            "cost": money_text(t.cost),
            "balance": money_text(t.balance) if t.balance is not None else "unknown",
        }
        for t in upload_totals(item)
    ]
    context = {
        **_valid_rows(item),
        "upload": item,
        "totals": totals,
        "money": upload_money(item) if item.valid_rows else None,
        "invalid": invalid,
        "more_invalid": max(item.rows_invalid - PREVIEW_ROWS, 0),
        "progress": upload_sending_progress(item) if item.state == Upload.State.SUBMITTED else None,
        **_refused(item),
    }
    twin = upload_recent_twin(item) if item.state == Upload.State.PREVIEWED else None
    if twin is not None:
        context |= {"twin": twin, "twin_text": twin_text(twin)}
    return render(request, "orders/upload_preview.html", context)


def _refused(item: Upload) -> dict[str, object]:
    """The rows refused at submit named in the alert: the first few, and how many in all (a
    20,000-row upload can have them all refused)."""
    refused = [row for row in item.invalid_rows if row.get("at_submit")]
    return {
        "refused": refused[:REFUSED_SHOWN],
        "refused_count": len(refused),
        "more_refused": max(len(refused) - REFUSED_SHOWN, 0),
    }


def _valid_rows(item: Upload) -> dict[str, object]:
    """The valid rows shown, and once submitted the order each became (one query)."""
    valid = [
        {
            **row,
            "cost": _money(row.get("cost")),
            "sale": _sale(row),
            "line": row.get("line"),
            "target": row["link"] or row["values"].get("username", ""),
        }
        for row in item.valid_rows[:PREVIEW_ROWS]
    ]
    if item.state == Upload.State.SUBMITTED:
        orders = upload_row_orders(item, valid)
        valid = [{**row, "order": orders.get(int(row["row"]))} for row in valid]
    more = max(item.rows_valid - PREVIEW_ROWS, 0)
    return {"valid": valid, "more_valid": more, "word": row_word(item.kind)}


@require_GET
def upload_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress block and the queued orders alone, polled while orders of the upload are
    still being sent (every 2 seconds: the rows with problems are not read)."""
    item = get_object_or_404(Upload.objects.defer("invalid_rows"), pk=pk)
    context = {**_valid_rows(item), "upload": item, "progress": upload_sending_progress(item)}
    return render(request, "orders/upload_preview.html#progress", context)


@require_POST
def upload_submit_view(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Upload, pk=pk)
    again = request.POST.get("again") == "1"
    try:
        created = upload_submit(upload=item, user=request.user, again=again)
    except QueueAgainNeeded as exc:
        messages.error(
            request,
            f"{exc} Nothing was queued: tick “Yes, queue them again” to queue them a second time.",
        )
        return redirect("orders:upload_preview", pk=item.pk)
    refused = sum(1 for row in item.invalid_rows if row.get("at_submit"))
    if created:
        messages.success(request, f"Queued {created} order{'s' if created != 1 else ''}.")
    elif not refused:
        messages.info(request, "Nothing new to queue: these rows were already submitted.")
    if refused:
        messages.warning(
            request,
            f"{refused} row{'s were' if refused != 1 else ' was'} not "
            "queued: an order on the same link became active since the check. "
            "See why below.",
        )
    return redirect("orders:upload_preview", pk=item.pk)


def _csv_download(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def upload_template(request: HttpRequest) -> HttpResponse:
    """Every column, one example row per order type, placeholder panel and service ids."""
    return _csv_download(upload_template_csv(), "orders-template.csv")


@require_GET
def upload_template_filled(request: HttpRequest) -> HttpResponse:
    """The template from the user's own panels and services: it uploads as it is."""
    rows = filled_template_rows(template_services())
    if not rows:
        messages.info(
            request,
            "None of your panels has an active service to fill the template "
            "with yet: connect a panel and sync its catalog, or start from the generic "
            "template.",
        )
        return redirect("orders:upload")
    return _csv_download(filled_template_csv(rows), "orders-template-my-panels.csv")


@require_GET
def upload_results_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """Every row: queued-to-be or why not. Cells as typed, formulas neutralised."""
    item = get_object_or_404(Upload, pk=pk)
    # The row a spreadsheet shows, then the file line it starts on (they differ below a cell
    # with line breaks).
    header = [
        row_word(item.kind).capitalize(),
        "File line",
        "Panel",
        "Service",
        "Link",
        "Quantity",
        "Estimated cost",
        "Sale price",
        "Customer",
        "Result",
    ]
    rows: list[list[object]] = [
        [
            e["row"],
            e.get("line", e["row"]),
            e["panel"],
            e["service"],
            e["link"],
            e.get("quantity"),
            _plain_money(e.get("cost")),
            _plain_money(row_sale_price(e)[0]),
            e.get("customer", ""),
            "OK",
        ]
        for e in item.valid_rows
    ]
    rows += [
        [
            e["row"],
            e.get("line", e["row"]),
            e["raw"].get("panel", ""),
            e["raw"].get("service", ""),
            e["raw"].get("link", ""),
            e["raw"].get("quantity", ""),
            "",
            e["raw"].get("sale_price", ""),
            e["raw"].get("customer", ""),
            "; ".join(e["errors"]),
        ]
        for e in item.invalid_rows
    ]
    rows.sort(key=lambda r: int(str(r[0])))
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="upload-{item.pk}-results.csv"'
    return response
