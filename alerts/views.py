"""The Alerts page: channels, what is wrong now, and the alert log; a channel's form, its test
button and its removal. Thin: reads from `alerts.selectors`, writes through `alerts.services`.
Every view needs a login (LoginRequiredMiddleware); writes are POST with CSRF."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alerts import selectors
from alerts.forms import ChannelForm
from alerts.models import Channel, Delivery
from alerts.services.channels import channel_delete, channel_save, channel_test
from alerts.services.check import alerts_check
from core.htmx import HtmxHttpRequest


def _channel_id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@require_GET
def alerts_page(request: HtmxHttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    filters = selectors.LogFilter(
        status=status if status in Delivery.Status.values else "",
        channel_id=_channel_id(request.GET.get("channel")),
    )
    context = {
        "channels": selectors.channels_with_counts(),
        "conditions": selectors.open_conditions(),
        "log": selectors.log_page(filters=filters, number=request.GET.get("page")),
        "filters": filters,
        "statuses": Delivery.Status.choices,
        "types": Channel.Type.choices,
    }
    return render(request, "alerts/page.html", context)


def _form_page(
    request: HtmxHttpRequest, form: ChannelForm, *, channel: Channel | None, status: int = 200
) -> HttpResponse:
    type_label = Channel.Type(form.channel_type).label
    context = {"form": form, "channel": channel, "type_label": type_label}
    return render(request, "alerts/channel.html", context, status=status)


@require_http_methods(["GET", "POST"])
def channel_add(request: HtmxHttpRequest) -> HttpResponse:
    """/alerts/channels/add/?type=telegram: the form of one channel type."""
    channel_type = request.GET.get("type", "")
    if channel_type not in Channel.Type.values:
        known = ", ".join(Channel.Type.values)
        raise Http404(f"Add a channel of a known type: {known}.")
    if request.method == "GET":
        return _form_page(request, ChannelForm(channel_type=channel_type), channel=None)
    form = ChannelForm(data=request.POST, channel_type=channel_type)
    if not form.is_valid():
        return _form_page(request, form, channel=None, status=400)
    channel = channel_save(channel=form.save(commit=False), secret=form.cleaned_data["secret"])
    messages.success(request, f"Channel “{channel.name}” added. Send it a test message.")
    return redirect("alerts:page")


@require_http_methods(["GET", "POST"])
def channel_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    channel = get_object_or_404(Channel, pk=pk)
    if request.method == "GET":
        form = ChannelForm(instance=channel, channel_type=channel.type)
        return _form_page(request, form, channel=channel)
    form = ChannelForm(data=request.POST, instance=channel, channel_type=channel.type)
    if not form.is_valid():
        return _form_page(request, form, channel=channel, status=400)
    channel_save(channel=form.save(commit=False), secret=form.cleaned_data["secret"])
    messages.success(request, f"Channel “{channel.name}” saved.")
    return redirect("alerts:page")


@require_POST
def channel_test_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Sends within the request, so the outcome shows at once (Apprise's timeouts bound it)."""
    channel = get_object_or_404(Channel, pk=pk)
    delivery = channel_test(channel=channel)
    if delivery.status == Delivery.Status.SENT:
        messages.success(request, f"Test message sent to “{channel.name}”.")
    else:
        messages.error(request, f"The test message to “{channel.name}” failed: {delivery.reason}")
    return redirect("alerts:page")


@require_POST
def channel_delete_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    channel = get_object_or_404(Channel, pk=pk)
    channel_delete(channel=channel)
    messages.success(request, f"Channel “{channel.name}” removed, and its messages from the log.")
    return redirect("alerts:page")


@require_POST
def check_now(request: HtmxHttpRequest) -> HttpResponse:
    """The periodic check, run now: what it found shows in the log below."""
    result = alerts_check()
    sent = "message" if result.queued == 1 else "messages"
    messages.success(
        request,
        f"Checked: {result.found} open ({result.opened} new), {result.resolved} resolved; "
        f"{result.queued} {sent} to send, {result.held} held, {result.suppressed} suppressed.",
    )
    return redirect("alerts:page")
