"""A channel's form: only the fields its type uses, its secret written once and never shown."""

from __future__ import annotations

from typing import Any

from django import forms

from alerts.channels import ChannelInvalid, check_channel
from alerts.models import Channel, Kind

# The fields each type asks for, besides name, secret and what is worth a message.
TYPE_FIELDS: dict[str, tuple[str, ...]] = {
    Channel.Type.TELEGRAM: ("recipient", "api_base_url"),
    Channel.Type.EMAIL: (
        "smtp_host",
        "smtp_port",
        "smtp_security",
        "smtp_username",
        "email_from",
        "recipient",
    ),
    Channel.Type.SLACK: (),
    Channel.Type.DISCORD: (),
    Channel.Type.WEBHOOK: (),
    Channel.Type.APPRISE: (),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    Channel.Type.TELEGRAM: ("recipient",),
    Channel.Type.EMAIL: ("smtp_host", "email_from", "recipient"),
}
SECRET_LABELS: dict[str, tuple[str, str]] = {
    Channel.Type.TELEGRAM: ("Bot token", "From @BotFather, such as 123456789:AAE…"),
    Channel.Type.EMAIL: ("SMTP password", "Leave empty if the server needs no login."),
    Channel.Type.SLACK: ("Webhook URL", "https://hooks.slack.com/services/…"),
    Channel.Type.DISCORD: ("Webhook URL", "https://discord.com/api/webhooks/…"),
    Channel.Type.WEBHOOK: (
        "Webhook URL",
        'Receives a JSON POST: {"title", "message", "type", "version", "attachments"}.',
    ),
    Channel.Type.APPRISE: (
        "Apprise URL",
        "Any service Apprise supports, such as ntfys://topic or pover://user@token.",
    ),
}
RECIPIENT_LABELS: dict[str, tuple[str, str]] = {
    Channel.Type.TELEGRAM: ("Chat id", "The chat, group or channel the bot writes to."),
    Channel.Type.EMAIL: ("Send to", "One or more addresses, separated by commas."),
}
KIND_CHOICES = [
    (Kind.BALANCE_LOW, "A panel's balance below its threshold, or short of its queued orders"),
    (Kind.PANEL_FAILING, "A panel failing (for the minutes below), and again when it recovers"),
    (Kind.UNKNOWN_OUTCOME, "Orders with an unknown outcome"),
    (Kind.STUCK, "Stuck orders"),
    (Kind.BALANCE_UNEXPLAINED, "A balance move the orders do not explain"),
    (Kind.PRICE_RISE, "Price rises (of the percent below) on services ordered in the last 30 days"),
    (Kind.SERVICE_GONE, "A service with queued orders that left its panel"),
    (Kind.WORK_FAILED, "A bulk action or upload that finished with failures"),
]
STORM_FIELDS = (
    "failing_minutes",
    "price_rise_percent",
    "hourly_cap",
    "quiet_from",
    "quiet_until",
    "digest",
    "digest_hour",
)
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class ChannelForm(forms.ModelForm):
    secret = forms.CharField(
        max_length=2000, required=False, widget=forms.PasswordInput(render_value=False)
    )
    kinds = forms.MultipleChoiceField(
        label="What is worth a message",
        choices=KIND_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Channel
        fields = (
            "name",
            "is_active",
            "recipient",
            "api_base_url",
            "smtp_host",
            "smtp_port",
            "smtp_security",
            "smtp_username",
            "email_from",
            "kinds",
            *STORM_FIELDS,
        )
        labels = {
            "is_active": "Send messages",
            "api_base_url": "Bot API address",
            "smtp_host": "SMTP server",
            "smtp_port": "Port",
            "smtp_security": "Security",
            "smtp_username": "SMTP user",
            "email_from": "From",
            "failing_minutes": "Panel failing for at least (minutes)",
            "price_rise_percent": "Price rises of at least (%)",
            "hourly_cap": "At most this many messages an hour",
            "quiet_from": "Quiet hours from",
            "quiet_until": "until",
            "digest": "Daily digest instead of single messages",
            "digest_hour": "Digest at (hour)",
        }
        help_texts = {
            "api_base_url": "Empty for Telegram's own (https://api.telegram.org).",
            "smtp_port": "Empty for the usual one: 587 STARTTLS, 465 SSL/TLS.",
            "hourly_cap": "More are suppressed and listed in the alert log.",
            "quiet_from": "In the dashboard's time zone. Messages wait and go out as one "
            "summary when quiet hours end.",
            "digest_hour": "0–23, in the dashboard's time zone.",
        }
        widgets = {"quiet_from": TIME, "quiet_until": TIME}

    def __init__(self, *args: Any, channel_type: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.channel_type = channel_type
        self.is_new = self.instance.pk is None
        shown = {"name", "is_active", "secret", "kinds", *TYPE_FIELDS[channel_type], *STORM_FIELDS}
        for name in list(self.fields):
            if name not in shown:
                del self.fields[name]
        label, help_text = SECRET_LABELS[channel_type]
        self.fields["secret"].label = label
        self.fields["secret"].required = self.secret_required
        self.fields["secret"].error_messages["required"] = f"{label} is needed."
        self.fields["secret"].help_text = (
            help_text
            if self.is_new
            else "Stored encrypted and never shown. Leave empty to keep it; type to replace it."
        )
        if channel_type in RECIPIENT_LABELS:
            self.fields["recipient"].label, self.fields["recipient"].help_text = RECIPIENT_LABELS[
                channel_type
            ]
        for name in REQUIRED.get(channel_type, ()):
            self.fields[name].required = True
        if self.is_new:
            self.initial.setdefault("kinds", [kind.value for kind in Kind])
        self.fields["digest_hour"].widget.attrs.update(min=0, max=23)

    @property
    def target_fields(self) -> list[forms.BoundField]:
        """The fields of this channel's type, in the order a person fills them in."""
        return [self[name] for name in TYPE_FIELDS[self.channel_type]]

    @property
    def secret_required(self) -> bool:
        return self.is_new and self.channel_type != Channel.Type.EMAIL

    def clean_hourly_cap(self) -> int:
        cap = self.cleaned_data["hourly_cap"]
        if cap < 1:
            raise forms.ValidationError("At least 1: a cap of 0 would suppress every message.")
        return cap

    def clean_digest_hour(self) -> int:
        hour = self.cleaned_data["digest_hour"]
        if hour > 23:
            raise forms.ValidationError("An hour of the day: 0 to 23.")
        return hour

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        secret = (data.get("secret") or "").strip()
        quiet_from, quiet_until = data.get("quiet_from"), data.get("quiet_until")
        if bool(quiet_from) != bool(quiet_until):
            self.add_error("quiet_until", "Quiet hours need both a start and an end.")
        elif quiet_from and quiet_from == quiet_until:
            self.add_error("quiet_until", "Quiet hours need an end other than their start.")
        if self.errors:
            return data
        channel = self.instance
        channel.type = self.channel_type
        for name in TYPE_FIELDS[self.channel_type]:
            setattr(channel, name, data.get(name) or getattr(Channel, name).field.get_default())
        try:
            check_channel(channel, secret or (channel.secret if channel.secret_encrypted else ""))
        except ChannelInvalid as exc:
            self.add_error("secret" if self.channel_type != Channel.Type.EMAIL else None, str(exc))
        return data
