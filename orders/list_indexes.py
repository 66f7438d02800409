"""The indexes the order list and the overview read at millions of orders, declared on Order
(orders/models.py: `Meta.indexes`). Each is there for a page benchmarks/order_list.py
measures; without it that page reads every order.

No import of orders.models here: the model's indexes are built from this module.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from orders.list_sorts import SORT_INDEXES, ordering
from panels.api.normalise import Status

# Placed orders whose money did not come back (it did for canceled and refunded ones): what the
# overview's spend sums (overview/spend.py filters by this very Q, so that PostgreSQL reads
# `order_spend`, whose condition it is). Two inequalities rather than NOT IN: PostgreSQL reads
# that condition back as text it would build the index from differently (the benchmarks'
# seed drops and builds the indexes from their text).
SPENDING = Q(state="placed") & ~Q(status=Status.CANCELED) & ~Q(status=Status.REFUNDED)

# Charged anything but the estimate: the few orders the "charge off the estimate" filter looks
# through (orders.charges.charge_off_q states it as it is here, so PostgreSQL reads them from
# `order_charge_differs`).
CHARGE_DIFFERS = Q(charge__gt=F("estimated_cost")) | Q(charge__lt=F("estimated_cost"))

LIST_INDEXES = [
    # The order list's counts per (state, status) pair, and its pages of one status
    models.Index(fields=["status", "state", "-created_at", "-id"], name="order_status_state"),
    # The overview's spend: the recent orders it sums, read from the index alone. Only those
    # orders, and not their status: each entry is smaller and none is read to be left out.
    models.Index(
        fields=["created_at"],
        include=["panel", "currency", "charge", "estimated_cost", "refund"],
        condition=SPENDING,
        name="order_spend",
    ),
    # Filters that few orders match: a type other than the default, a charge off the
    # estimate; found in their own small index instead of reading every order
    models.Index(
        fields=["order_type", "-created_at", "-id"],
        condition=~Q(order_type="default"),
        name="order_other_type",
    ),
    models.Index(
        fields=["-created_at", "-id"], condition=CHARGE_DIFFERS, name="order_charge_differs"
    ),
    # The order list sorted by charge or quantity: pages read in order, from either end,
    # however deep (the sort keys of orders/list_sorts.py)
    *(models.Index(*ordering(sort), name=name) for name, sort in SORT_INDEXES),
]
