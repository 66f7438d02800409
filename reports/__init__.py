"""Spend, sales and profit by day, panel, service and customer, in the base currency."""
