"""The add/edit panel form, and the subset of it that "Test connection" checks.

The API key is write-only: the field never renders a value, the stored key is only ever shown
masked, and on edit an empty field keeps the key already saved.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.utils.translation import gettext_lazy as _

from core.money import money_text
from panels import crypto, services
from panels.api.options import DEFAULT_USER_AGENT, ClientOptions
from panels.models import Panel
from panels.netpolicy import validate_panel_url
from panels.services import ConnectionCheck

ADVANCED_FIELDS = ("http_method", "body_format", "key_field", "timeout_seconds", "user_agent")
MAX_TIMEOUT = 120


class HttpUrlField(forms.URLField):
    """A URL that must start with http:// or https:// (no scheme is guessed for people)."""

    default_error_messages = {
        "invalid": _("Enter the full API URL, e.g. https://panel.example/api/v2."),
        "scheme": _("The API URL must start with https:// or http://."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("assume_scheme", "https")
        super().__init__(**kwargs)
        self.validators.append(validate_panel_url)

    def to_python(self, value: Any) -> str:
        text = str(value or "").strip()
        if text and not text.lower().startswith(("http://", "https://")):
            raise forms.ValidationError(self.error_messages["scheme"], code="scheme")
        return str(super().to_python(text))


class PanelForm(forms.ModelForm):
    api_url = HttpUrlField(
        label="API URL",
        max_length=500,
        help_text="The full API v2 endpoint, as the panel's API page shows it, "
        "e.g. https://panel.example/api/v2.",
        widget=forms.URLInput(
            attrs={"placeholder": "https://panel.example/api/v2", "spellcheck": "false"}
        ),
    )
    # Write-only: render_value=False, so neither the stored key nor a typed one is sent back.
    api_key = forms.CharField(
        label="API key",
        required=False,
        strip=True,
        max_length=500,
        widget=forms.PasswordInput(
            render_value=False,
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"},
        ),
    )

    # Offered only after a save was refused for a failed connection test.
    save_anyway = forms.BooleanField(
        required=False,
        label="Save anyway",
        help_text="The panel may be down for a while: keep these settings and let the "
        "scheduled checks try again.",
    )

    class Meta:
        model = Panel
        fields = [
            "name",
            "api_url",
            "api_key",
            "low_balance_threshold",
            "http_method",
            "body_format",
            "key_field",
            "timeout_seconds",
            "user_agent",
        ]
        labels = {
            "name": "Name",
            "low_balance_threshold": "Low-balance alert at",
            "http_method": "HTTP method",
            "body_format": "Request body",
            "key_field": "Key field name",
            "user_agent": "User-Agent",
            "timeout_seconds": "Timeout (seconds)",
        }
        help_texts = {
            "name": "How this panel is called across the dashboard.",
            "http_method": "Nearly every panel takes POST.",
            "body_format": "How the fields are sent; most panels want form-encoded.",
            "key_field": "The name of the field that carries the key: key, api_token, api...",
            "user_agent": "Leave empty for the default. Some panels block unknown clients.",
            "timeout_seconds": f"How long to wait for an answer (1 to {MAX_TIMEOUT}).",
        }
        error_messages = {
            "name": {
                "required": "Give the panel a name.",
                "unique": "You already have a panel with this name.",
            },
        }
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "off"}),
            "key_field": forms.TextInput(attrs={"spellcheck": "false", "autocapitalize": "off"}),
            "user_agent": forms.TextInput(
                attrs={"placeholder": DEFAULT_USER_AGENT, "spellcheck": "false"}
            ),
            "low_balance_threshold": forms.NumberInput(
                attrs={"inputmode": "decimal", "step": "any", "min": "0"}
            ),
            "timeout_seconds": forms.NumberInput(attrs={"min": "1", "max": str(MAX_TIMEOUT)}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = self.fields
        fields["api_url"].error_messages["required"] = "Enter the panel's API URL."
        if "name" in fields and not self.is_edit:
            fields["name"].widget.attrs["autofocus"] = True
        if "low_balance_threshold" in fields:
            default = money_text(Decimal(settings.LOW_BALANCE_THRESHOLD))
            threshold = fields["low_balance_threshold"]
            threshold.help_text = (
                "Flag the panel when its balance falls to this amount, in the panel's own "
                f"currency. Leave empty for the site default ({default})."
            )
            threshold.validators.append(MinValueValidator(0))
            threshold.error_messages["min_value"] = "Enter 0 or more, or leave it empty."
            threshold.widget.attrs["placeholder"] = default
        key_field = fields["key_field"]
        key_field.validators.append(
            RegexValidator(
                r"^[A-Za-z0-9_.\-\[\]]+$", "Use only letters, digits and _ - . [ ] (no spaces)."
            )
        )
        key_field.error_messages["required"] = "Enter the key field name; most panels use key."
        timeout = fields["timeout_seconds"]
        timeout.validators += [MinValueValidator(1), MaxValueValidator(MAX_TIMEOUT)]
        for code in ("min_value", "max_value", "invalid"):
            timeout.error_messages[code] = f"Enter a whole number of seconds, 1 to {MAX_TIMEOUT}."
        timeout.error_messages["required"] = "Enter a timeout in seconds."
        key = fields["api_key"]
        if self.is_edit:
            key.label = "New API key"
            key.help_text = "Leave empty to keep the current key."
        else:
            key.help_text = "From the panel's API page. Stored encrypted, never shown again."
            key.required = True
            key.error_messages["required"] = "Enter the panel's API key."

    connection_refused = False  # set when a save was refused for a failed connection test

    @property
    def is_edit(self) -> bool:
        return self.instance.pk is not None

    @property
    def masked_api_key(self) -> str:
        return self.instance.masked_api_key if self.is_edit else ""

    @property
    def advanced_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ADVANCED_FIELDS if name in self.fields]

    @property
    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in (*ADVANCED_FIELDS, "save_anyway")]

    @property
    def advanced_has_errors(self) -> bool:
        return self.is_bound and any(name in self.errors for name in ADVANCED_FIELDS)

    @property
    def advanced_changed(self) -> bool:
        """Whether the panel uses any request option other than the default."""
        defaults = Panel()
        return any(getattr(self.instance, n) != getattr(defaults, n) for n in ADVANCED_FIELDS)

    def client_options(self) -> ClientOptions:
        data = self.cleaned_data
        return ClientOptions(
            method=data["http_method"],
            key_field=data["key_field"],
            body=data["body_format"],
            user_agent=data.get("user_agent") or DEFAULT_USER_AGENT,
            timeout=float(data["timeout_seconds"]),
        )

    @property
    def connection_changed(self) -> bool:
        """A new panel, or a new key, URL or request option: what a save must test first."""
        fields = ("api_url", "api_key", *ADVANCED_FIELDS)
        return not self.is_edit or any(name in self.changed_data for name in fields)

    def connection_check(self) -> ConnectionCheck:
        """Call the panel's `balance` with the values in the form (an empty key field of an
        edit form: the stored key). Only after is_valid()."""
        try:
            key = self.cleaned_data["api_key"] or self.instance.api_key
        except crypto.UndecryptableKey:
            return ConnectionCheck(
                ok=False, message="The stored key cannot be decrypted: enter the key again."
            )
        return services.panel_connection_test(
            api_url=self.cleaned_data["api_url"], api_key=key, options=self.client_options()
        )

    def refuse_unconnected(self, check: ConnectionCheck) -> None:
        """The connection test failed and "Save anyway" was not ticked: say why, offer it."""
        self.connection_refused = True
        self.add_error(None, f"Not saved: the connection test failed. {check.message}")

    def save(self, commit: bool = True) -> Panel:
        data = {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in ("api_key", "save_anyway")
        }
        if not self.is_edit:
            self.instance = services.panel_create(api_key=self.cleaned_data["api_key"], **data)
            return self.instance
        panel: Panel = super().save(commit=False)
        if self.cleaned_data.get("api_key"):
            panel.api_key = self.cleaned_data["api_key"]
        if commit:
            panel.save()
        return panel


class ConnectionTestForm(PanelForm):
    """The fields a connection test needs: URL, key (typed, or the stored one) and options."""

    save_anyway = None  # type: ignore[assignment]  # nothing is saved here

    class Meta(PanelForm.Meta):
        fields = ["api_url", "api_key", *ADVANCED_FIELDS]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["api_key"].required = False  # checked in clean(), with its own message

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("api_key") or "api_key" in self.errors:
            return cleaned
        if not self.is_edit:
            self.add_error("api_key", "Enter the API key to test the connection.")
            return cleaned
        try:
            cleaned["api_key"] = self.instance.api_key
        except crypto.UndecryptableKey:
            self.add_error("api_key", "The stored key cannot be decrypted: enter the key again.")
        return cleaned

    def _post_clean(self) -> None:
        # Nothing is saved: skip copying the values onto the panel and its model validation.
        pass

    def tests_saved_settings(self) -> bool:
        """Whether the values tested are the panel's saved ones (edit form, nothing changed):
        then what the test learnt (balance, or the failure) is true of the panel itself."""
        if not self.is_edit:
            return False
        data, panel = self.cleaned_data, self.instance
        try:
            same_key = data["api_key"] == panel.api_key
        except crypto.UndecryptableKey:
            return False
        return (
            same_key
            and data["api_url"] == panel.api_url
            and all(data.get(name) == getattr(panel, name) for name in ADVANCED_FIELDS)
        )
