"""Price rules: how the sale price of an order is suggested from what it costs.

A rule adds a percent and/or a fixed markup to the cost (in the base currency) and may hold
a minimum sale price. It applies to one scope: a service, the same offer on every panel
(`Service.match_key`, what the comparison page groups by), a category of a panel, a panel, or
everything. The most specific rule wins; between rules of one scope, the newest.
Kept apart from orders.models (which imports it) so neither grows past a screen or two.
"""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from panels.models import Panel, Service, money_field


class PriceRule(models.Model):
    class Scope(models.TextChoices):
        # In the order of precedence: the first that applies to a service wins.
        SERVICE = "service", "One service"
        OFFER = "offer", "The same offer on every panel"
        CATEGORY = "category", "A category of a panel"
        PANEL = "panel", "A panel"
        DEFAULT = "default", "Everything"

    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.DEFAULT)
    panel = models.ForeignKey(
        Panel, on_delete=models.CASCADE, null=True, blank=True, related_name="price_rules"
    )
    category = models.CharField(max_length=300, blank=True)
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, null=True, blank=True, related_name="price_rules"
    )
    # panels.matching's key of the offer ("instagram|followers|default|"), as stored on
    # Service.match_key: the rule follows the offer to every panel that sells it.
    match_key = models.CharField(max_length=200, blank=True)
    markup_percent = money_field(
        null=True, blank=True, validators=[MinValueValidator(-100)], help_text="% of the cost"
    )
    markup_fixed = money_field(null=True, blank=True, help_text="Added, in the base currency")
    min_price = money_field(
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="The lowest suggested sale price, in the base currency",
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["scope", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="price_rule_says_something",
                condition=Q(markup_percent__isnull=False)
                | Q(markup_fixed__isnull=False)
                | Q(min_price__isnull=False),
            ),
            # Each scope names exactly what it needs, so a rule cannot be read two ways.
            models.CheckConstraint(
                name="price_rule_scope_fields",
                condition=(
                    Q(scope="service", service__isnull=False, panel__isnull=True)
                    & Q(category="", match_key="")
                )
                | (
                    Q(scope="offer", service__isnull=True, panel__isnull=True, category="")
                    & ~Q(match_key="")
                )
                | (
                    Q(scope="category", service__isnull=True, panel__isnull=False, match_key="")
                    & ~Q(category="")
                )
                | Q(
                    scope="panel",
                    service__isnull=True,
                    panel__isnull=False,
                    category="",
                    match_key="",
                )
                | Q(
                    scope="default",
                    service__isnull=True,
                    panel__isnull=True,
                    category="",
                    match_key="",
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"Price rule {self.pk} ({self.get_scope_display()})"
