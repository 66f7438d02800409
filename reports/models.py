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
