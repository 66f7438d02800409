"""`{{ amount|money:currency }}`: money in the one format of `core.money.money`."""

from django import template

from core.money import money as money_format

register = template.Library()


@register.filter
def money(value: object, currency: str = "") -> str:
    return money_format(value, currency or "")
