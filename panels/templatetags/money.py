"""`{{ amount|money:currency }}`: money in the one format of `panels.formatting.money`."""

from django import template

from panels import formatting

register = template.Library()


@register.filter
def money(value: object, currency: str = "") -> str:
    return formatting.money(value, currency or "")
