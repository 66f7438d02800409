"""The base currency the business counts in, and exchange rates by day.

A rate row says: on `day`, one unit of `base` was worth `rate` units of `currency` (the way the
European Central Bank publishes them: 1 EUR = 1.0537 USD). Rows keep the base they were
entered or published in, so changing the business's base currency later loses nothing: a
conversion reads a rate directly, inverted, or across a third currency published the same day.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models

# ISO 4217 codes are three letters; panels send lower case too, stored upper case.
currency_code = RegexValidator(r"^[A-Z]{3}$", "A currency is three letters, such as USD.")

RATE_DIGITS, RATE_PLACES = 28, 12


class CurrencySettings(models.Model):
    """One row: the base currency and where rates are fetched from."""

    base_currency = models.CharField(max_length=3, validators=[currency_code])
    rates_url = models.URLField(
        max_length=500,
        blank=True,
        help_text="A URL serving the European Central Bank's daily reference rates XML "
        "(the eurofxref-daily.xml format). Empty: rates are entered by hand only.",
    )
    # The last fetch: when it ran, and what went wrong if it did (old rates stay).
    rates_checked_at = models.DateTimeField(null=True, blank=True)
    rates_fetched_at = models.DateTimeField(null=True, blank=True)
    rates_error = models.TextField(blank=True)
    # What the last successful fetch set aside (one reason a line), for the Rates page.
    rates_notes = models.TextField(blank=True)

    class Meta:
        verbose_name = "currency settings"
        verbose_name_plural = "currency settings"

    def __str__(self) -> str:
        return f"Base currency {self.base_currency}"

    @classmethod
    def load(cls) -> CurrencySettings:
        """The one row; until someone saves it, the deployment's default (unsaved: reading a
        page never writes)."""
        row = cls.objects.filter(pk=1).first()
        return row or cls(pk=1, base_currency=settings.BASE_CURRENCY.upper())


class ExchangeRate(models.Model):
    class Source(models.TextChoices):
        MANUAL = "manual", "Entered by hand"
        FETCHED = "fetched", "Fetched"

    day = models.DateField()
    base = models.CharField(max_length=3, validators=[currency_code])
    currency = models.CharField(max_length=3, validators=[currency_code])
    rate = models.DecimalField(
        max_digits=RATE_DIGITS,
        decimal_places=RATE_PLACES,
        validators=[MinValueValidator(0)],
        help_text="Units of the currency that one unit of the base bought that day.",
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-day", "base", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["day", "base", "currency"], name="rate_unique_day"),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="rate_positive"),
        ]
        indexes = [
            # the latest rate of a pair on or before a day
            models.Index(fields=["base", "currency", "-day"], name="rate_pair_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day}: 1 {self.base} = {self.rate} {self.currency}"
