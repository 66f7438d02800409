"""Uploads: a CSV file or pasted mass-order text, checked, then submitted once.
Kept apart from orders.models (which imports it) so neither grows past a screen or two.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from panels.models import Panel


class Upload(models.Model):
    """A CSV file or pasted mass-order text: its rows, checked, then submitted once."""

    class Kind(models.TextChoices):
        CSV = "csv", "CSV file"
        MASS = "mass", "Mass-order text"

    class State(models.TextChoices):
        PREVIEWED = "previewed", "Checked, not submitted"
        SUBMITTED = "submitted", "Submitted"

    kind = models.CharField(max_length=4, choices=Kind.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PREVIEWED)
    filename = models.CharField(max_length=255, blank=True)
    panel = models.ForeignKey(  # the chosen panel of mass-order text
        Panel, on_delete=models.SET_NULL, null=True, blank=True, related_name="uploads"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="uploads",
    )
    rows_total = models.PositiveIntegerField(default=0)
    rows_valid = models.PositiveIntegerField(default=0)
    rows_invalid = models.PositiveIntegerField(default=0)
    # The checked rows: [{"row": n, "service_id": pk, "values": {...}}] for valid ones and
    # [{"row": n, "raw": {...}, "errors": [...]}] for the others.
    # Rows refused when submitting (an active order appeared on the link since the check)
    # move from valid_rows to invalid_rows with "at_submit": true and their reason.
    valid_rows = models.JSONField(default=list, blank=True, encoder=DjangoJSONEncoder)
    invalid_rows = models.JSONField(default=list, blank=True, encoder=DjangoJSONEncoder)
    # SHA-256 of the content (and the panel of mass-order text): the same file uploaded again.
    content_hash = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["content_hash", "submitted_at"], name="upload_content_hash"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.filename or self.pk} ({self.state})"
