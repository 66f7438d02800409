"""Running totals of placed orders per day, kept by the database so that a report over a year
reads a few thousand rows instead of a million orders.

How they stay right (PostgreSQL; reports/totals_sql.py): a trigger on orders_order writes,
for every insert, update and delete that changes what a placed order counts for, a signed
change row (minus the old contribution, plus the new) into `TotalsChange`, in the writer's
own transaction — whatever wrote the order: a save, a QuerySet.update, raw SQL. A periodic
task folds the change rows into the three day tables; a report reads a day table plus the
change rows not folded yet, in one statement, so it never misses a write.

The day is the order's date in `TotalsState.zone`; a report uses the totals only while that
zone is the dashboard's TIME_ZONE (`rebuild_report_totals` rebuilds them for another zone).
SQLite keeps no totals: reports there read the orders.
"""

from __future__ import annotations

from django.db import models

SUM_DIGITS, SUM_PLACES = 30, 12  # the order's money columns have 12 places; sums need room


def _sum_field() -> models.DecimalField:
    return models.DecimalField(max_digits=SUM_DIGITS, decimal_places=SUM_PLACES, default=0)


class TotalsState(models.Model):
    """One row: the time zone the totals' days are in, and when they were last rebuilt."""

    zone = models.CharField(max_length=64)
    rebuilt_at = models.DateTimeField()

    class Meta:
        verbose_name = "report totals state"

    def __str__(self) -> str:
        return f"report totals in {self.zone}"


class Sums(models.Model):
    """What a set of placed orders counts for, in their own currency (before conversion).

    cost = Σ (charge, or the estimate, − refund) — orders/cost_sql.py's order_cost();
    sales and cost_with_sale cover the orders with a sale price (for profit)."""

    day = models.DateField()
    # The order's own, or its panel's when it has none ("" for neither), resolved by the
    # trigger (which also follows a panel's currency change).
    currency = models.CharField(max_length=10, blank=True)
    orders = models.IntegerField(default=0)  # int4: PostgreSQL sums it in int8, fast
    cost = _sum_field()
    refunds = _sum_field()
    sales = _sum_field()
    with_sale = models.IntegerField(default=0)
    cost_with_sale = _sum_field()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.day} {self.currency}: {self.orders} orders"


class PanelDayTotal(Sums):
    panel_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "panel_id", "currency"], name="paneldaytotal_key"
            )
        ]


class ServiceDayTotal(Sums):
    service_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "service_id", "currency"], name="servicedaytotal_key"
            )
        ]


class CustomerDayTotal(Sums):
    customer_ref = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "customer_ref", "currency"], name="customerdaytotal_key"
            )
        ]


class TotalsChange(Sums):
    """A signed change written by the trigger, waiting to be folded into the day tables."""

    id = models.BigAutoField(primary_key=True)
    panel_id = models.BigIntegerField()
    service_id = models.BigIntegerField()
    customer_ref = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["day"], name="totalschange_day")]


# Months: a closed month's figures per service and per customer, already converted to the
# base currency, so a report over a year reads twelve months of them instead of every day
# (reports/months.py). They are a cache: a report reads a month only while its stamp says it
# was built from the day table as it is now, in the base currency and at the rates of now;
# otherwise it reads that month's days, as before.


class ExactSumField(models.DecimalField):
    """PostgreSQL `numeric` with no precision or scale: a sum of converted amounts kept as the
    database computed it (an amount times a rate carries more places than a money column),
    so that adding months gives what adding their days gives."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("max_digits", 1000)  # for Django's checks; the column is unbounded
        kwargs.setdefault("decimal_places", 500)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def db_type(self, connection: object) -> str:
        return "numeric"


class MonthVersion(models.Model):
    """How many folds have touched a month's days: a month built at another version is stale."""

    month = models.DateField(unique=True)  # its first day
    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}: version {self.version}"


class MonthStamp(models.Model):
    """What a month's converted figures (`by` service or customer) were built from."""

    by = models.CharField(max_length=10)
    month = models.DateField()
    base = models.CharField(max_length=10)
    rates = models.CharField(max_length=64)  # reports.months.rates_digest of the month's days
    version = models.BigIntegerField()  # MonthVersion.version when built

    class Meta:
        constraints = [models.UniqueConstraint(fields=["by", "month"], name="monthstamp_key")]

    def __str__(self) -> str:
        return f"{self.by} {self.month:%Y-%m} in {self.base}"


class MonthFigures(models.Model):
    """One key's month, converted: the report's sums before their final rounding."""

    month = models.DateField()
    orders = models.BigIntegerField()
    cost = ExactSumField(null=True)  # NULL: none of the month's rows had a rate
    refunds = ExactSumField(null=True)
    sales = ExactSumField()
    profit = ExactSumField(null=True)
    rated_sales = models.BigIntegerField()  # orders with a sale price and a rate
    with_sale = models.BigIntegerField()
    unconverted = models.BigIntegerField()  # orders without a rate

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}: {self.orders} orders"


class ServiceMonth(MonthFigures):
    service_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["month", "service_id"], name="servicemonth_key")
        ]


class CustomerMonth(MonthFigures):
    customer_ref = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["month", "customer_ref"], name="customermonth_key")
        ]
