"""`{{ amount|money:currency }}`: money in the one format of `core.money.money`."""

from decimal import Decimal

from django import template

from core.money import converted_amount
from core.money import money as money_format

register = template.Library()


@register.filter
def money(value: object, currency: str = "") -> str:
    return money_format(value, currency or "")


@register.filter
def converted_money(value: object, currency: str = "") -> str:
    """`{{ amount|converted_money:"USD" }}`: an amount read through exchange rates, rounded to
    four places for display (core.money.converted_amount)."""
    amount = converted_amount(value) if isinstance(value, Decimal) else value
    return money_format(amount, currency or "")
