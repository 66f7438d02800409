"""Test data: one factory per model, with defaults that pass validation, so a test names only
the values it is about: `PanelFactory(name="Alpha", currency="USD")`,
`ServiceFactory(panel=panel, rate=Decimal("0.50"))`, `OrderFactory(service=service,
state=Order.State.PLACED, created_at=...)`. A test file whose tests share other defaults binds
them once with `functools.partial`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from alerts.models import Channel, Kind
from ledger.models import TopUp
from orders.models import Order
from panels.models import BalanceReading, Panel, Service


class PanelFactory(DjangoModelFactory[Panel]):
    class Meta:
        model = Panel

    name = factory.Sequence(lambda n: f"Panel {n}")
    api_url = "https://panel.example/api/v2"
    api_key = "secret-key-0123456789"  # a property: stored encrypted

    class Params:
        # Its catalog was just synced: pages that say "synced 3 hours ago" need a time.
        synced = factory.Trait(catalog_synced_at=factory.LazyFunction(timezone.now))


class ServiceFactory(DjangoModelFactory[Service]):
    class Meta:
        model = Service

    panel = factory.SubFactory(PanelFactory)
    remote_id = factory.Sequence(lambda n: str(n + 1))
    name = "Instagram Followers"
    rate = Decimal("1.50")
    min_quantity = 10
    max_quantity = 10_000

    class Params:
        # "Service 12": named after its id, as uploads and messages refer to it.
        numbered_name = factory.Trait(
            name=factory.LazyAttribute(lambda service: f"Service {service.remote_id}")
        )


class OrderFactory(DjangoModelFactory[Order]):
    class Meta:
        model = Order

    service = factory.SubFactory(ServiceFactory)
    panel = factory.SelfAttribute("service.panel")
    link = factory.Sequence(lambda n: f"https://instagram.com/p/{n + 1}")
    quantity = 1000

    @classmethod
    def _create(cls, model_class: type[Order], *args: Any, **kwargs: Any) -> Order:
        # The model stamps created_at itself; a test that needs another moment gets it after.
        created_at = kwargs.pop("created_at", None)
        order: Order = super()._create(model_class, *args, **kwargs)
        if created_at is not None:
            Order.objects.filter(pk=order.pk).update(created_at=created_at)
            order.created_at = created_at
        return order


class BalanceReadingFactory(DjangoModelFactory[BalanceReading]):
    class Meta:
        model = BalanceReading

    panel = factory.SubFactory(PanelFactory)
    amount = Decimal("100.00")
    currency = "USD"
    read_at = factory.LazyFunction(timezone.now)


class TopUpFactory(DjangoModelFactory[TopUp]):
    class Meta:
        model = TopUp

    panel = factory.SubFactory(PanelFactory)
    amount = Decimal("50.00")
    at = factory.LazyFunction(timezone.now)


class ChannelFactory(DjangoModelFactory[Channel]):
    """A JSON webhook told of every kind; `secret` is its URL (stored encrypted)."""

    class Meta:
        model = Channel

    name = factory.Sequence(lambda n: f"Channel {n}")
    type = Channel.Type.WEBHOOK
    secret = "https://hooks.example/alerts"  # a property: stored encrypted
    kinds = factory.LazyFunction(lambda: [kind.value for kind in Kind])
    failing_minutes = 0
