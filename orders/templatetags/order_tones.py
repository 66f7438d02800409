"""`{{ order.state|state_tone }}`, `{{ order.status|status_tone }}`,
`{{ item.outcome|outcome_tone }}`, `{{ bulk.state|bulk_state_tone }}`: the badge colour of
each word, from the one table in `orders.presenters.tones`."""

from __future__ import annotations

from django import template

from orders.presenters import tones

register = template.Library()

register.filter("state_tone", tones.state_tone)
register.filter("status_tone", tones.status_tone)
register.filter("outcome_tone", tones.outcome_tone)
register.filter("bulk_state_tone", tones.bulk_state_tone)
